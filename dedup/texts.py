"""The prepared texts an engine keeps to verify pairs: in memory, then in a temporary file.

Every added document's prepared text is kept, because any pair that passes the thresholds may
need its texts aligned (:mod:`dedup.align`); only a few are read again. Held in memory they would
be the largest part of a large run's memory (news text: about 3.5 kB a document, three times its
signature). :class:`StoredTexts` keeps them in the compiled core: the first
:data:`MEMORY_CHARS` characters in memory, the rest written as they are to a temporary file
(unnamed once open, so nothing is left behind; in ``TMPDIR``, see :func:`tempfile.gettempdir`),
from which the few aligned are read back (the operating system's page cache serves them while
memory is free). Where no temporary file can be made, the rest is kept in memory compressed
(Zstandard level 1: news text takes about 0.54 of its size). Pairs are aligned straight from the
store (:meth:`StoredTexts.template_fills`), without making strings.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence

import numpy as np

from . import _core, _kernels
from .align import template_fill_many, template_fill_stored

__all__ = ["MEMORY_CHARS", "StoredTexts"]


MEMORY_CHARS = 1 << 24
"""Characters of text kept in memory before :class:`StoredTexts` writes what follows to its temporary file (16 Mi:
about 4,000 news articles); smaller runs make no file."""


class StoredTexts(Sequence[str]):
    """An append-only sequence of texts; ``texts[i]`` gives text ``i`` back as given.

    The first ``memory_chars`` characters are kept in memory as they are; the texts after them go to a temporary
    file in ``spill_dir`` (default: :func:`tempfile.gettempdir`), or, when ``spill`` is false or no file can be made
    there, stay in memory compressed."""

    def __init__(self, memory_chars: int = MEMORY_CHARS, spill: bool = True, spill_dir: str | None = None) -> None:
        self._store = _core.TextStore()
        self._odd: dict[int, str] = {}  # texts without UTF-8 (a lone surrogate), kept as they are
        self._memory_chars = memory_chars
        self._spill = spill
        self._spill_dir = spill_dir
        self._chars = 0

    def extend(self, texts: Sequence[str]) -> None:
        """Append ``texts`` (past the memory share: to the file, or compressed on the core's threads)."""
        base = len(self._store)
        texts = list(texts)
        past = self._chars >= self._memory_chars
        if past and self._spill and not self._store.spills:
            self._spill = self._start_spilling()
        compress = past and not self._store.spills
        self._chars += sum(map(len, texts))
        try:
            odd = self._store.extend(texts, compress, _kernels.get_num_threads())
        except OSError as exc:
            raise OSError(f"cannot write the kept texts to the temporary file in {self._where()}: {exc}") from None
        for k in odd:
            self._odd[base + k] = texts[k]

    def _where(self) -> str:
        return self._spill_dir or tempfile.gettempdir()

    def _start_spilling(self) -> bool:
        """Open the temporary file (its name removed at once where the system allows); false when none can be made."""
        try:
            fd, path = tempfile.mkstemp(prefix="dedup-texts-", suffix=".tmp", dir=self._spill_dir)
            os.close(fd)
            self._store.spill_to(path)
        except OSError as exc:
            warnings.warn(f"dedup: cannot make a temporary file in {self._where()} ({exc}); the kept texts stay in memory, "
                          "compressed (set TMPDIR to a writable directory)", RuntimeWarning, stacklevel=4)
            return False
        try:
            os.unlink(path)
        except OSError:  # Windows keeps an open file's name: the core opened it to be deleted when closed
            pass
        return True

    def __len__(self) -> int:
        return len(self._store)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        k = i + len(self) if isinstance(i, int) and i < 0 else i
        odd = self._odd.get(k)
        return odd if odd is not None else self._store[i]

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]

    @property
    def nbytes(self) -> int:
        """Bytes held in memory for the texts."""
        return int(self._store.nbytes) + sum(len(t) for t in self._odd.values())

    @property
    def spilled_bytes(self) -> int:
        """Bytes written to the temporary file."""
        return int(self._store.spilled_bytes)

    def template_fills(self, left: np.ndarray, right: np.ndarray, n_jobs: int | None = 1) -> np.ndarray:
        """:func:`dedup.align.template_fill_many` of texts ``left[m]`` and ``right[m]``, read from the store."""
        left = np.asarray(left, dtype=np.int64).ravel()
        right = np.asarray(right, dtype=np.int64).ravel()
        if self._odd and any(int(r) in self._odd for r in np.concatenate((left, right)).tolist()):
            return template_fill_many([self[int(i)] for i in left], [self[int(j)] for j in right], n_jobs)
        return template_fill_stored(self._store, left, right, n_jobs)
