"""Reading documents from JSONL files, directories of text files and standard input; writing results.

Every reader yields ``(id, text)`` and raises :class:`~dedup.errors.InputError`
naming the file and line (or file) of a bad record. With ``on_error="skip"`` bad
records are counted in a :class:`SkipLog` instead, so nothing disappears
without a trace.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import InputError

__all__ = ["DEFAULT_MAX_BYTES", "SkipLog", "chunks", "read_inputs", "read_jsonl", "read_jsonl_lines", "read_text_dir", "write_results"]


DEFAULT_MAX_BYTES = 32 * 1024 * 1024
"""The command line's default ``--max-bytes``: 32 MiB per record. Clustering or filtering one record
peaks at about 37 bytes of memory per byte of it (a 32 MiB line at ~1.2 GB, see docs/reliability.md);
``--max-bytes 0`` lifts the limit."""


@dataclass
class SkipLog:
    """Records skipped under ``on_error="skip"``: a count per reason and the first few messages."""

    reasons: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def add(self, error: InputError) -> None:
        self.reasons[error.reason] += 1
        if len(self.examples) < 10:
            self.examples.append(str(error))

    @property
    def total(self) -> int:
        return sum(self.reasons.values())

    def summary(self) -> str:
        parts = ", ".join(f"{n} {reason}" for reason, n in self.reasons.most_common())
        return f"skipped {self.total} record(s): {parts}"


def read_jsonl(
    stream: IO[bytes],
    source: str,
    id_field: str = "id",
    text_field: str = "text",
    max_bytes: int | None = None,
) -> Iterator[tuple[Any, str] | InputError]:
    """Yield ``(id, text)`` per JSON line of a binary stream, or the InputError of a bad line.

    Blank lines are ignored. A line longer than ``max_bytes`` is an error and is
    not parsed. Errors are yielded, not raised, so the caller decides whether
    to stop or to skip.
    """
    for item, _, _ in _numbered_jsonl(stream, source, id_field, text_field, max_bytes):
        yield item


def read_jsonl_lines(
    stream: IO[bytes],
    source: str,
    id_field: str = "id",
    text_field: str = "text",
    max_bytes: int | None = None,
) -> Iterator[tuple[tuple[Any, str] | InputError, bytes]]:
    """:func:`read_jsonl`, each item paired with its line as UTF-8 bytes (what ``dedup filter`` passes through).

    The line is the input's bytes except that a byte-order mark is dropped and
    UTF-16 input is re-encoded as UTF-8, so copied lines are valid JSONL however
    many inputs are concatenated.
    """
    for item, raw, _ in _numbered_jsonl(stream, source, id_field, text_field, max_bytes):
        yield item, raw


def _numbered_jsonl(
    stream: IO[bytes], source: str, id_field: str, text_field: str, max_bytes: int | None
) -> Iterator[tuple[tuple[Any, str] | InputError, bytes, int]]:
    """:func:`read_jsonl_lines` items with their 1-based line numbers."""
    lines = _utf8_lines(stream, max_bytes)
    lineno = 0
    while True:
        lineno += 1
        try:
            raw = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:  # UTF-16 input cut mid-character: the rest cannot be read
            yield InputError(f"invalid {exc.encoding.upper()} ({exc.reason}); the rest of the input is not read", source=source, line=lineno), b"", lineno
            return
        if isinstance(raw, int):  # a line over max_bytes, read past without being kept
            yield InputError(f"record is {raw} bytes, over the limit of {max_bytes} (--max-bytes)", source=source, line=lineno), b"", lineno
            continue
        item = _parse_line(raw, lineno, source, id_field, text_field, max_bytes)
        if item is not None:
            yield item, raw, lineno


def _parse_line(
    raw: bytes, lineno: int, source: str, id_field: str, text_field: str, max_bytes: int | None
) -> tuple[Any, str] | InputError | None:
    """``(id, text)``, the InputError of a bad line, or None for a blank line."""
    if max_bytes is not None and len(raw) > max_bytes:
        return InputError(f"record is {len(raw)} bytes, over the limit of {max_bytes} (--max-bytes)", source=source, line=lineno)
    if not raw.strip():
        return None
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return InputError(f"invalid UTF-8 at byte {exc.start}", source=source, line=lineno)
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputError(f"invalid JSON ({exc.msg} at column {exc.colno})", source=source, line=lineno)
    except RecursionError:  # the parser recurses per level of nesting
        return InputError("JSON nested too deeply to parse", source=source, line=lineno)
    except ValueError as exc:  # an integer literal over sys.get_int_max_str_digits() (4,300) digits
        return InputError(f"JSON value cannot be read ({str(exc).split(';')[0]})", source=source, line=lineno)
    if not isinstance(obj, dict):
        return InputError(f"JSON value is a {type(obj).__name__}, not an object", source=source, line=lineno)
    if id_field not in obj:
        return InputError(f"missing id field {id_field!r}", source=source, line=lineno)
    doc_id = obj[id_field]
    if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool):
        return InputError(f"id field {id_field!r} must be a string or integer, got {type(doc_id).__name__}", source=source, line=lineno)
    if text_field not in obj:
        return InputError(f"missing text field {text_field!r}", source=source, line=lineno, doc_id=doc_id)
    text = obj[text_field]
    if not isinstance(text, str):
        return InputError(f"text field {text_field!r} must be a string, got {type(text).__name__}", source=source, line=lineno, doc_id=doc_id)
    return doc_id, text


def _utf8_lines(stream: IO[bytes], max_bytes: int | None = None) -> Iterator[bytes | int]:
    """Lines of a binary stream as UTF-8: a UTF-8 byte-order mark is dropped, and a
    stream that opens with a UTF-16 byte-order mark is decoded as UTF-16.

    With ``max_bytes``, a UTF-8 line longer than that is not held: it is read past in 1 MiB
    pieces and its length in bytes is yielded instead of its bytes (UTF-16 lines are read whole)."""
    peek = getattr(stream, "peek", None)
    head = peek(4)[:4] if peek is not None else b""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = io.TextIOWrapper(stream, encoding="utf-16", errors="surrogatepass", newline="")
        try:
            for i, line in enumerate(text):
                if i == 0:
                    line = line.removeprefix("\ufeff")
                yield line.encode("utf-8", "surrogatepass")
        finally:
            try:
                text.detach()  # leave the caller's stream open
            except ValueError:  # the caller closed it first
                pass
        return
    first = True
    readline = getattr(stream, "readline", None)
    if max_bytes is None or readline is None:
        for raw in stream:
            if first and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            first = False
            yield raw
        return
    while True:
        cap = max_bytes + 1 + (3 if first else 0)  # room for a byte-order mark on the first line
        raw = readline(cap)
        if not raw:
            return
        bom = first and raw.startswith(b"\xef\xbb\xbf")
        first = False
        if len(raw) == cap and not raw.endswith(b"\n"):  # over the limit: count the rest, keep nothing
            size = len(raw) - (3 if bom else 0)
            while True:
                piece = readline(1 << 20)
                size += len(piece)
                if not piece or piece.endswith(b"\n"):
                    break
            yield size
            continue
        yield raw[3:] if bom else raw


def decode_text(data: bytes) -> str:
    """Decode a text file: UTF-8 (a byte-order mark is dropped) or UTF-16 with a byte-order mark.

    Raises ``UnicodeDecodeError`` for anything else that is not valid UTF-8.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def read_text_dir(path: Path, max_bytes: int | None = None) -> Iterator[tuple[Any, str] | InputError]:
    """Yield ``(file stem, text)`` for each ``*.txt`` file of a directory (not its
    subdirectories), in name order. A directory without one is an error: a wrong
    directory should not pass for an empty corpus."""
    try:
        files = sorted(p for p in path.iterdir() if p.suffix == ".txt" and p.is_file())
    except OSError as exc:
        raise InputError(f"cannot read directory: {exc.strerror}", source=str(path)) from None
    if not files:
        raise InputError("no .txt files in this directory (only its own *.txt files are read)", source=str(path))
    for file in files:
        try:
            size = file.stat().st_size
            if max_bytes is not None and size > max_bytes:
                yield InputError(f"file is {size} bytes, over the limit of {max_bytes} (--max-bytes)", source=str(file))
                continue
            yield file.stem, decode_text(file.read_bytes())
        except UnicodeDecodeError as exc:
            yield InputError(f"invalid UTF-8 at byte {exc.start}", source=str(file))
        except OSError as exc:
            yield InputError(f"cannot read: {exc.strerror}", source=str(file))


def read_inputs(
    inputs: Iterable[str],
    id_field: str = "id",
    text_field: str = "text",
    on_error: str = "fail",
    skipped: SkipLog | None = None,
    stdin: IO[bytes] | None = None,
    max_bytes: int | None = None,
    unique_ids: bool = True,
) -> Iterator[tuple[Any, str]]:
    """``(id, text)`` from each input: ``-`` (JSONL on stdin), a directory of ``.txt`` files, or a JSONL file.

    Paths are taken literally (no globbing). With ``on_error="fail"`` the first
    bad record raises :class:`InputError`; with ``"skip"`` it is logged in
    ``skipped``. With ``unique_ids`` a record repeating an earlier id (in any
    input) is a bad record, named by its file and line.
    """
    if on_error not in ("fail", "skip"):
        raise ValueError(f"on_error must be 'fail' or 'skip', got {on_error!r}")
    seen: set[Any] = set()
    for name in inputs:
        in_dir = False
        if name == "-":
            source = "<stdin>"
            records = _numbered_jsonl(stdin or stdin_buffer(), source, id_field, text_field, max_bytes)
        else:
            path = Path(name)
            source = str(path)
            if path.is_dir():
                in_dir = True
                records = ((rec, b"", None) for rec in read_text_dir(path, max_bytes))
            elif path.exists():  # a file, or a FIFO, a process substitution <(cmd) (/dev/fd/N), a device
                records = _read_file(path, id_field, text_field, max_bytes)
            else:
                raise InputError("no such file or directory", source=name)
        for rec, _, line in records:
            if unique_ids and not isinstance(rec, InputError):
                if rec[0] in seen:
                    where = str(Path(source) / f"{rec[0]}.txt") if in_dir else source
                    rec = InputError("duplicate id (an earlier record has it)", source=where, line=line, doc_id=rec[0])
                else:
                    seen.add(rec[0])
            if isinstance(rec, InputError):
                if on_error == "fail":
                    raise rec
                if skipped is not None:
                    skipped.add(rec)
                continue
            yield rec


def _read_file(
    path: Path, id_field: str, text_field: str, max_bytes: int | None = None
) -> Iterator[tuple[tuple[Any, str] | InputError, bytes, int | None]]:
    """Records of one file with their line numbers (None for a ``.txt`` file, which is one record)."""
    if path.suffix == ".txt":
        regular = path.is_file()
        size = path.stat().st_size if regular else 0
        if max_bytes is not None and size > max_bytes:
            yield InputError(f"file is {size} bytes, over the limit of {max_bytes} (--max-bytes)", source=str(path)), b"", None
            return
        try:
            if regular:
                data = path.read_bytes()
            else:  # a FIFO or device: its size is known once read
                with open(path, "rb") as stream:
                    data = stream.read() if max_bytes is None else stream.read(max_bytes + 1)
                if max_bytes is not None and len(data) > max_bytes:
                    yield InputError(f"file is over the limit of {max_bytes} bytes (--max-bytes)", source=str(path)), b"", None
                    return
            yield (path.stem, decode_text(data)), b"", None
        except UnicodeDecodeError as exc:
            yield InputError(f"invalid UTF-8 at byte {exc.start}", source=str(path)), b"", None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from None
        return
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", source=str(path)) from None
    with f:
        yield from _numbered_jsonl(f, str(path), id_field, text_field, max_bytes)


FIELDS = ("id", "cluster", "is_representative", "similarity", "cluster_size")


def write_results(rows: Iterable[dict[str, Any]], out: IO[str], fmt: str = "jsonl") -> int:
    """Write result rows as JSON lines or CSV (header first); returns the row count."""
    n = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(FIELDS), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            n += 1
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return n


def stdin_buffer() -> IO[bytes]:
    """Standard input as bytes; :class:`InputError` when the process was started with it closed (``<&-``)."""
    if sys.stdin is None:
        raise InputError("standard input is closed (the process was started without it), nothing to read", source="<stdin>")
    return sys.stdin.buffer


def require_stdout() -> IO[str]:
    """Standard output; :class:`InputError` naming ``<stdout>`` when the process was started with it closed (``>&-``)."""
    if sys.stdout is None:
        raise InputError("standard output is closed (the process was started without it), nowhere to write the results",
                         source="<stdout>")
    return sys.stdout


def open_output(path: str | None) -> IO[str]:
    """Standard output for ``None`` or ``-``, else the file opened for writing (UTF-8)."""
    if path is None or path == "-":
        require_stdout()
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
        return sys.stdout
    return open(path, "w", encoding="utf-8", newline="")


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` consecutive items (the last may be shorter)."""
    if isinstance(items, (str, bytes)):
        raise InputError("expected an iterable of records or texts, got a single string")
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
