"""Progress bars on standard error for long command-line runs (tqdm): reading and signing, clustering, writing.

Shown only when asked for (``--progress``) or, by default, when standard error is a terminal and the run is
not ``--quiet``; never on standard output, so piped results stay clean. Reading counts the bytes of the
input files read so far against their sizes (so the bar has a rate and an ETA), with the documents read
beside it; where sizes are not known (standard input, pipes, Parquet, directories) it counts documents.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["Progress", "wanted"]


def wanted(flag: bool | None, quiet: bool, stream: IO[str] | None = None) -> bool:
    """Whether to show progress: ``flag`` (``--progress`` / ``--no-progress``) when given, else when ``stream``
    (standard error) is a terminal and the run is not quiet."""
    if flag is not None:
        return flag
    stream = sys.stderr if stream is None else stream
    try:
        return not quiet and stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def _input_bytes(inputs: Iterable[str]) -> int | None:
    """The total size of the inputs when all are regular, non-Parquet files; else None."""
    total = 0
    for name in inputs:
        if name == "-":
            return None
        path = Path(name)
        try:
            if not path.is_file() or path.suffix.lower() in (".parquet", ".pq"):
                return None
            total += path.stat().st_size
        except OSError:
            return None
    return total


class _Null:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str, refresh: bool = True) -> None:
        pass

    def set_description_str(self, s: str, refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


class Progress:
    """The bars of one run; every method is a no-op when disabled. ``stream`` defaults to standard error."""

    def __init__(self, enabled: bool, stream: IO[str] | None = None) -> None:
        self.enabled = enabled
        self.stream = stream

    def bar(self, desc: str, total: int | None = None, unit: str = "doc", unit_scale: bool = False) -> Any:
        if not self.enabled:
            return _Null()
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, file=self.stream or sys.stderr,
                    dynamic_ncols=True, mininterval=0.25, leave=True)

    def reading(self, records: Iterable[Any], inputs: list[str], files: list[Any], desc: str = "reading and signing") -> Iterator[Any]:
        """``records`` passed through, counted. ``files`` is the list the reader appends each opened input to
        (``iter_records(on_input=files.append)``): their read positions move a byte bar."""
        if not self.enabled:
            yield from records
            return
        yield from self._counted(records, inputs, files, desc, lambda rec: 1)

    def reading_batches(self, batches: Iterable[tuple[list[Any], list[str]]], inputs: list[str], files: list[Any],
                        desc: str = "reading and signing") -> Iterable[tuple[list[Any], list[str]]]:
        """:meth:`reading` of ``(ids, texts)`` batches (:func:`dedup.io.iter_batches`): the same bar, counting
        the records of each batch; ``batches`` itself when disabled."""
        if not self.enabled:
            return batches
        return self._counted(batches, inputs, files, desc, lambda batch: len(batch[0]))

    def _counted(self, items: Iterable[Any], inputs: list[str], files: list[Any], desc: str, size: Callable[[Any], int]) -> Iterator[Any]:
        """``items`` passed through, ``size(item)`` documents each: the bar moves each time the count passes a
        multiple of 256."""
        total = _input_bytes(inputs)
        bar = self.bar(desc, total, unit="B", unit_scale=True) if total is not None else self.bar(desc)
        done_before = 0  # bytes of the inputs finished
        seen_files = 0
        shown = 0
        n = 0
        try:
            for item in items:
                before = n
                n += size(item)
                if n // 256 > before // 256:
                    if total is None:
                        bar.update(256 * (n // 256 - before // 256))
                    else:
                        while seen_files < len(files) - 1:  # an input ended: count its whole size
                            done_before += os.path.getsize(inputs[seen_files]) if os.path.isfile(inputs[seen_files]) else 0
                            seen_files += 1
                        pos = files[-1].bytes_read() if files else None
                        now = done_before + (pos or 0)
                        if now > shown:
                            bar.update(now - shown)
                            shown = now
                        bar.set_postfix_str(f"{n:,} docs", refresh=False)
                yield item
            if total is None:
                bar.update(n % 256)
            else:
                bar.update(max(0, total - shown))
                bar.set_postfix_str(f"{n:,} docs", refresh=False)
        finally:
            bar.close()

    def stages(self, desc: str, names: tuple[str, ...]) -> Any:
        """A bar over named steps (clustering): call the result with each step's name as it starts."""
        bar = self.bar(desc, total=len(names), unit="step")
        state = {"i": 0}

        def step(name: str) -> None:
            if state["i"]:
                bar.update(1)
            state["i"] += 1
            bar.set_postfix_str(name)

        def close() -> None:
            bar.update(len(names) - bar.n if hasattr(bar, "n") else 0)
            bar.close()

        step.close = close  # type: ignore[attr-defined]
        return step
