"""Reading documents from JSON Lines, CSV/TSV, Parquet, text files and standard input; writing results.

Inputs (see :func:`open_input`): JSON Lines (``.jsonl``, ``.ndjson``, ``.json``), CSV and TSV with a header
line (``.csv``, ``.tsv``), Parquet (``.parquet``, read in batches of each row group), a ``.txt`` file (one
record) or a directory of them, each optionally compressed with gzip, bz2, xz or zstd (``.gz``, ``.bz2``,
``.xz``, ``.zst``, or recognized by its magic bytes under any name, on standard input too).

Every reader yields records and the :class:`~dedup.errors.InputError` of a bad record, naming the file and
line (or Parquet row); :func:`iter_records` raises it or, with ``on_error="skip"``, counts it in a
:class:`SkipLog`, so nothing disappears without a trace. An input in another format than it is read as
is a :class:`~dedup.errors.FormatError`, which is never skipped.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple, NoReturn, TextIO, TypeAlias, TypeVar, overload

from . import formats
from ._batching import claim_new
from .errors import ConfigError, FormatError, InputError, Where
from .formats import CorruptStream

__all__ = ["DEFAULT_MAX_BYTES", "InputFile", "Record", "RecordBatch", "ResultRows", "SkipLog", "iter_batches", "iter_records",
           "open_input", "read_inputs", "read_jsonl", "read_jsonl_lines", "read_text_dir", "text_fields", "write_results",
           "write_results_to"]


DEFAULT_MAX_BYTES = 32 * 1024 * 1024
"""The command line's default ``--max-bytes``: 32 MiB per record. Clustering or filtering one record
peaks at about 37 bytes of memory per byte of it (a 32 MiB line at ~1.2 GB, see docs/reliability.md);
``--max-bytes 0`` lifts the limit."""

TEXT_JOIN = "\n\n"
"""What joins the fields of a record's text when several are named (``--text-field title,body``)."""


_REASON_GROUPS = (
    (re.compile(r"(record|file|text) is \d+ bytes, over the limit of (\d+) \(--max-bytes\)"), r"\1 over the limit of \2 bytes (--max-bytes)"),
    (re.compile(r"invalid UTF-8 at byte \d+.*"), "invalid UTF-8"),
    (re.compile(r"invalid JSON \((.*) at column \d+\)"), r"invalid JSON (\1)"),
    (re.compile(r"has \d+ fields, the header has (\d+) .*"), r"a wrong number of fields (the header has \1)"),
)


def reason_group(reason: str) -> str:
    """The kind of a bad record's reason, without what differs from record to record (its size, the byte or
    column of the error): what the ``--on-error skip`` summary counts."""
    for pattern, label in _REASON_GROUPS:
        m = pattern.fullmatch(reason)
        if m:
            return m.expand(label)
    return reason


@dataclass
class SkipLog:
    """Records skipped under ``on_error="skip"``: a count per kind of reason (:func:`reason_group`) and the
    first few messages in full."""

    reasons: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def add(self, error: InputError) -> None:
        self.reasons[reason_group(error.reason)] += 1
        if len(self.examples) < 10:
            self.examples.append(str(error))

    @property
    def total(self) -> int:
        return sum(self.reasons.values())

    def summary(self) -> str:
        parts = ", ".join(f"{n} {reason}" for reason, n in self.reasons.most_common())
        return f"skipped {self.total} record(s): {parts}"


def text_fields(text_field: str | Sequence[str]) -> tuple[str, ...]:
    """The text field names: one name (a ``str``, taken whole), or several, whose values are joined by a blank line."""
    names = (text_field,) if isinstance(text_field, str) else tuple(text_field)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ConfigError(f"text fields must be non-empty names, got {text_field!r}")
    return names


def _field_list(names: Iterable[Any], limit: int = 30) -> str:
    """``url, body`` (names cut at 60 characters, at most ``limit`` of them)."""
    names = list(names)
    if not names:
        return ""
    shown = [n if len(n) <= 60 else n[:60] + "…" for n in map(str, names[:limit])]
    more = f", … ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(shown) + more


def _missing(kind: str, name: str, has: Iterable[Any], what: str = "the record has") -> str:
    listing = _field_list(has)
    return f"missing {kind} field {name!r}; {what}: {listing}" if listing else f"missing {kind} field {name!r}; {what} no fields"


def _check_id(doc_id: Any, id_field: str) -> str | None:
    """Why ``doc_id`` cannot be an id, or None."""
    if doc_id is None:
        return f"id field {id_field!r} is null"
    if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool):
        return f"id field {id_field!r} must be a string or integer, got {type(doc_id).__name__}"
    return None


def _pick(obj: dict, id_field: str, fields: tuple[str, ...], where: Where | None = None, source: str | None = None,
          line: int | None = None) -> tuple[Any, str] | InputError:
    """``(id, text)`` of a record's fields, or the InputError (at ``where``, or ``source`` and ``line``) saying which
    field is missing or wrong."""
    if len(fields) == 1:  # the common case, checked quickly: a str or int id (not bool) and a str text
        doc_id, text = obj.get(id_field), obj.get(fields[0])
        if type(text) is str and (type(doc_id) is str or type(doc_id) is int):
            return doc_id, text
    if where is None:
        where = Where()
        if source is not None:
            where["source"] = source
        if line is not None:
            where["line"] = line
    if id_field not in obj:
        return InputError(_missing("id", id_field, obj), **where)
    doc_id = obj[id_field]
    why = _check_id(doc_id, id_field)
    if why:
        return InputError(why, **where)
    parts = []
    for name in fields:
        if name not in obj:
            return InputError(_missing("text", name, obj), doc_id=doc_id, **where)
        text = obj[name]
        if not isinstance(text, str):
            why = "is null" if text is None else f"must be a string, got {type(text).__name__}"
            return InputError(f"text field {name!r} {why}", doc_id=doc_id, **where)
        parts.append(text)
    return doc_id, parts[0] if len(parts) == 1 else TEXT_JOIN.join(parts)


_Item: TypeAlias = "tuple[Any, str] | InputError"
"""What a reader yields per record: ``(id, text)``, or the error of a bad record."""


def _over(size: int, max_bytes: int | None) -> str:
    return f"record is {size} bytes, over the limit of {max_bytes} (--max-bytes)"


# -- JSON Lines ------------------------------------------------------------------------------------------------------

def read_jsonl(
    stream: IO[bytes],
    source: str,
    id_field: str = "id",
    text_field: str | Sequence[str] = "text",
    max_bytes: int | None = None,
) -> Iterator[tuple[Any, str] | InputError]:
    """Yield ``(id, text)`` per JSON line of a binary stream, or the InputError of a bad line.

    Blank lines are ignored. A line longer than ``max_bytes`` is an error and is
    not parsed. Errors are yielded, not raised, so the caller decides whether
    to stop or to skip.
    """
    for item, _, _ in _numbered_jsonl(stream, source, id_field, text_fields(text_field), max_bytes):
        yield item


def read_jsonl_lines(
    stream: IO[bytes],
    source: str,
    id_field: str = "id",
    text_field: str | Sequence[str] = "text",
    max_bytes: int | None = None,
) -> Iterator[tuple[tuple[Any, str] | InputError, bytes]]:
    """:func:`read_jsonl`, each item paired with its line as UTF-8 bytes (what ``dedup filter`` passes through).

    The line is the input's bytes except that a byte-order mark is dropped and
    UTF-16 input is re-encoded as UTF-8, so copied lines are valid JSONL however
    many inputs are concatenated.
    """
    for item, raw, _ in _numbered_jsonl(stream, source, id_field, text_fields(text_field), max_bytes):
        yield item, raw


_BLOCK = 1 << 22
"""Bytes of JSON Lines read and parsed at once (see :func:`_jsonl_blocks`)."""

_UTF8_BOM = b"\xef\xbb\xbf"


@overload
def _numbered_jsonl(stream: IO[bytes], source: str, id_field: str, fields: tuple[str, ...], max_bytes: int | None,
                    sniff: bool = False, blocks: Literal[False] = False) -> Iterator[tuple[_Item, bytes, int]]: ...


@overload
def _numbered_jsonl(stream: IO[bytes], source: str, id_field: str, fields: tuple[str, ...], max_bytes: int | None,
                    sniff: bool, blocks: Literal[True]) -> Iterator[tuple[_Item | RecordBatch, bytes, int]]: ...


def _numbered_jsonl(
    stream: IO[bytes], source: str, id_field: str, fields: tuple[str, ...], max_bytes: int | None, sniff: bool = False,
    blocks: bool = False,
) -> Iterator[tuple[_Item | RecordBatch, bytes, int]]:
    """:func:`read_jsonl_lines` items with their 1-based line numbers.

    With ``sniff``, a first line that cannot be read and looks like another format (a JSON array, a CSV
    header) ends the input with a :class:`FormatError` saying so, and a compressed stream that turns out
    truncated or corrupt ends it with one too. With ``blocks``, the plain records of a block of only plain
    records and blank lines come as one :class:`RecordBatch` (with an empty line and the block's first line
    number), not one by one."""
    peek = getattr(stream, "peek", None)
    if peek is None or not peek(4)[:4].startswith((b"\xff\xfe", b"\xfe\xff")):
        yield from _jsonl_blocks(stream, source, id_field, fields, max_bytes, sniff, blocks)
        return
    # UTF-16 (rare): decoded and read line by line.
    lines = _utf8_lines(stream, max_bytes)
    lineno = 0
    first = sniff
    while True:
        lineno += 1
        try:
            raw = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:  # UTF-16 input cut mid-character: the rest cannot be read
            yield InputError(f"invalid {exc.encoding.upper()} ({exc.reason}); the rest of the input is not read", source=source, line=lineno), b"", lineno
            return
        except CorruptStream as exc:
            yield FormatError(str(exc), source=source, line=lineno), b"", lineno
            return
        if isinstance(raw, _Overlong):  # a line over max_bytes, read past without being kept
            yield InputError(_over(raw.size, max_bytes), source=source, line=lineno), b"", lineno
            first = False
            continue
        item = _parse_line(raw, lineno, source, id_field, fields, max_bytes)
        if item is None:
            continue
        wrong = _other_format(raw, source, lineno) if first and isinstance(item, InputError) else None
        if wrong is not None:
            yield wrong, raw, lineno
            return
        first = False
        yield item, raw, lineno


def _other_format(raw: bytes, source: str, lineno: int) -> FormatError | None:
    """The error that ends a JSON Lines input whose first line cannot be read and looks like another
    format (a JSON array, a CSV header), else None."""
    looks = formats.describe(raw)
    return FormatError(formats.expected_instead("jsonl", looks), source=source, line=lineno) if looks else None


_PLAIN_KINDS = b"\x00\x01"
"""The kinds of line (see ``dedup._core.jsonl_block``) of a block that is read as one :class:`RecordBatch`: a
plain record (an object with a string or integer id and string texts) and a blank line."""


@dataclass
class _LineCount:
    """Where a JSON Lines reader is: the number of the last line read, and whether the first record is still
    to come (``first``: a first line that cannot be read may show the input is in another format)."""

    lineno: int = 0
    first: bool = False


def _jsonl_blocks(
    stream: IO[bytes], source: str, id_field: str, fields: tuple[str, ...], max_bytes: int | None, sniff: bool, blocks: bool
) -> Iterator[tuple[_Item | RecordBatch, bytes, int]]:
    """:func:`_numbered_jsonl` of a UTF-8 stream, read in blocks of up to :data:`_BLOCK` bytes.

    The compiled core splits each block into lines and parses the plain ones (an object with a string or
    integer id and string texts, see ``rust/core/src/jsonl.rs``) without the GIL; every other line goes
    through :func:`_parse_line`, so values and errors are those of reading line by line with ``json``. A line
    over ``max_bytes`` is read past without being kept, as :func:`_utf8_lines` does; a pipe's lines are
    handled as they arrive (``read1``), not once a block is full. With ``blocks``, see :func:`_numbered_jsonl`."""
    from ._kernels import jsonl_block  # the core is loaded with the first JSON Lines input, not with dedup.io

    read = getattr(stream, "read1", None) or stream.read
    at = _LineCount(first=sniff)
    pending = b""  # the start of a line that continues in the next block
    skipped: int | None = None  # bytes of an over-long line read past so far
    at_start = True
    while True:
        try:
            chunk = read(_BLOCK)
        except CorruptStream as exc:
            yield FormatError(str(exc), source=source, line=at.lineno + 1), b"", at.lineno + 1
            return
        eof = not chunk
        if skipped is not None:
            nl = chunk.find(b"\n")
            if nl < 0 and not eof:
                skipped += len(chunk)
                continue
            at.lineno += 1
            yield InputError(_over(skipped + nl + 1 if nl >= 0 else skipped, max_bytes), source=source, line=at.lineno), b"", at.lineno
            at.first, skipped = False, None
            chunk = chunk[nl + 1 :] if nl >= 0 else b""
        data = pending + chunk if pending else chunk
        if at_start:
            if len(data) < len(_UTF8_BOM) and not eof:
                pending = data
                continue
            at_start = False
            if data.startswith(_UTF8_BOM):
                data = data[len(_UTF8_BOM) :]
        kinds, ends, ids, texts, used = jsonl_block(data, eof, max_bytes, id_field, fields, TEXT_JOIN)
        if blocks and ids and not kinds.translate(None, _PLAIN_KINDS):  # only plain records and blank lines
            yield RecordBatch(ids, texts, source, data, kinds, ends, at.lineno + 1), b"", at.lineno + 1
            at.lineno += len(kinds)
            at.first = False
        elif (yield from _block_lines(data, (kinds, ends, ids, texts), at, source, id_field, fields, max_bytes)):
            return
        if eof:
            return
        pending = data[used:]
        if max_bytes is not None and len(pending) > max_bytes:  # a line over the limit: read past the rest of it
            skipped, pending = len(pending), b""


def _block_lines(
    data: bytes, block: tuple[Any, Any, Any, Any], at: _LineCount, source: str, id_field: str, fields: tuple[str, ...],
    max_bytes: int | None,
) -> Generator[tuple[tuple[Any, str] | InputError, bytes, int], None, bool]:
    """The items of the lines of one block, ``data``, numbered on from ``at``: ``block`` is what the core
    made of it (each line's kind and end, the plain records' ids and texts). Returns True when the input
    ends there: its first line cannot be read and looks like another format (the last item says which)."""
    kinds, ends, ids, texts = block
    start = r = 0
    for kind, end in zip(kinds, ends):
        at.lineno += 1
        lineno = at.lineno
        raw = data[start:end]
        start = end
        if kind == 0:  # a plain record
            item: tuple[Any, str] | InputError = (ids[r], texts[r])
            r += 1
        elif kind == 1:  # blank
            continue
        elif kind == 3:  # over max_bytes (far over it: not passed on, as _utf8_lines does not keep it)
            kept = raw if max_bytes is not None and len(raw) <= max_bytes + 1 else b""
            yield InputError(_over(len(raw), max_bytes), source=source, line=lineno), kept, lineno
            at.first = False
            continue
        else:
            parsed = _parse_line(raw, lineno, source, id_field, fields, max_bytes)
            if parsed is None:
                continue
            item = parsed
            wrong = _other_format(raw, source, lineno) if at.first and isinstance(item, InputError) else None
            if wrong is not None:
                yield wrong, raw, lineno
                return True
        at.first = False
        yield item, raw, lineno
    return False


def _parse_line(
    raw: bytes, lineno: int, source: str, id_field: str, fields: tuple[str, ...], max_bytes: int | None
) -> tuple[Any, str] | InputError | None:
    """``(id, text)``, the InputError of a bad line, or None for a blank line."""
    if max_bytes is not None and len(raw) > max_bytes:
        return InputError(_over(len(raw), max_bytes), source=source, line=lineno)
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
    return _pick(obj, id_field, fields, source=source, line=lineno)


class _Overlong(NamedTuple):
    """A line over ``max_bytes`` that :func:`_utf8_lines` read past without keeping it: its length in bytes
    and, when asked to count them, the number of ``"`` in it (0 otherwise)."""

    size: int
    quotes: int = 0


def _utf8_lines(stream: IO[bytes], max_bytes: int | None = None, count_quotes: bool = False) -> Iterator[bytes | _Overlong]:
    """Lines of a binary stream as UTF-8: a UTF-8 byte-order mark is dropped, and a
    stream that opens with a UTF-16 byte-order mark is decoded as UTF-16.

    With ``max_bytes``, a UTF-8 line longer than that is not held: it is read past in 1 MiB
    pieces and an :class:`_Overlong` is yielded instead of its bytes (UTF-16 lines are read whole),
    with the number of ``"`` in it if ``count_quotes``."""
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
            quotes = raw.count(b'"') if count_quotes else 0
            while True:
                piece = readline(1 << 20)
                size += len(piece)
                if count_quotes:
                    quotes += piece.count(b'"')
                if not piece or piece.endswith(b"\n"):
                    break
            yield _Overlong(size, quotes)
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


# -- CSV and TSV -----------------------------------------------------------------------------------------------------

class _Abort(Exception):
    """Raised by :class:`_CsvFeed` into the csv reader: the record in progress is bad (the reason) and was read past."""


class _CsvFeed:
    """The lines of a CSV stream for :func:`csv.reader`, decoded, with the bytes of the record in progress.

    :meth:`begin` starts a record; ``parts`` are then its lines as UTF-8 and ``start`` its first line. A
    record over ``max_bytes`` or with invalid UTF-8 is read past to its end and ``_Abort`` is raised
    into the reader (which starts afresh at the next record). Its end is where the count of ``"`` so far is
    even (a quoted field's newlines are inside quotes), which holds for any well-quoted CSV."""

    def __init__(self, stream: IO[bytes], max_bytes: int | None) -> None:
        self._lines = _utf8_lines(stream, max_bytes, count_quotes=True)
        self._max = max_bytes
        self.lineno = 0
        self.begin()

    def begin(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.quotes = 0
        self.start = self.lineno + 1

    def __iter__(self) -> _CsvFeed:
        return self

    def _take(self, item: bytes | _Overlong) -> None:
        self.lineno += 1
        if isinstance(item, _Overlong):
            self.size += item.size
            self.quotes += item.quotes
        else:
            self.size += len(item)
            self.quotes += item.count(b'"')

    def _read_past(self, reason: str | None) -> NoReturn:
        while self.quotes % 2:
            item = next(self._lines, None)
            if item is None:
                break
            self._take(item)
        self.parts = []
        raise _Abort(reason or _over(self.size, self._max))

    def __next__(self) -> str:
        item = next(self._lines)  # StopIteration ends the reader
        self._take(item)
        if isinstance(item, _Overlong) or (self._max is not None and self.size > self._max):
            self._read_past(None)
        try:
            line = item.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._read_past(f"invalid UTF-8 at byte {sum(map(len, self.parts)) + exc.start} of the record")
        self.parts.append(item)
        return line


def _csv_limit(max_bytes: int | None) -> None:
    """Let the csv module take fields as long as a record may be (its default limit is 128 KiB)."""
    want = max_bytes if max_bytes is not None else sys.maxsize
    if csv.field_size_limit() < want:
        try:
            csv.field_size_limit(want)
        except OverflowError:  # a C long of 32 bits
            csv.field_size_limit(2**31 - 1)


# -- inputs ----------------------------------------------------------------------------------------------------------

class Record(NamedTuple):
    """One record of an input, with what a writer needs to copy it back in the input's format.

    ``raw`` is the record as read, in UTF-8 (a JSON line; a CSV/TSV record's lines, with their line ends;
    a byte-order mark dropped, UTF-16 re-encoded, a compressed stream decompressed), None for Parquet and text
    files. ``line`` is its line (a CSV record's first), ``row`` its row from 1 (CSV/TSV: after the header;
    Parquet: ``row - 1`` is its index in the file). ``fields`` are a CSV/TSV or Parquet record's fields,
    when :func:`open_input` was asked for all columns."""

    id: Any
    text: str
    raw: bytes | None
    source: str
    line: int | None = None
    row: int | None = None
    fields: dict[str, Any] | None = None


class RecordBatch(NamedTuple):
    """The plain records of one block of a JSON Lines input, as the compiled core read them (see
    :meth:`InputFile.record_batches`): their ``ids`` (each a ``str`` or an ``int``) and ``texts`` (``str``), and
    what their :class:`Record` s are made of: the block's bytes (``data``), the kind and end of each of its
    lines (``kinds``: 0 a record, 1 a blank line) and the number of its first line."""

    ids: list[Any]
    texts: list[str]
    source: str
    data: bytes
    kinds: bytes
    ends: list[int]
    first_line: int

    def records(self) -> Iterator[Record]:
        """The batch's records one by one, as :meth:`InputFile.records` yields them."""
        start = r = 0
        for k, (kind, end) in enumerate(zip(self.kinds, self.ends)):
            if kind == 0:
                yield Record(self.ids[r], self.texts[r], self.data[start:end], self.source, self.first_line + k)
                r += 1
            start = end


_T = TypeVar("_T")


def _read_errors(items: Iterator[_T], source: str) -> Iterator[_T]:
    """``items`` of the input ``source``, a read error raised as a :class:`FormatError` (a corrupt compressed
    stream) or an :class:`InputError` naming it."""
    try:
        yield from items
    except CorruptStream as exc:
        raise FormatError(str(exc), source=source) from None
    except OSError as exc:  # a read error (EIO), or a file that went away
        raise InputError(f"cannot read: {exc.strerror or exc}", source=source) from None


class _Prefixed(io.RawIOBase):
    """``head`` (bytes already read from ``stream``), then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head, self._stream = head, stream
        self._read = getattr(stream, "read1", stream.read)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._read(len(b))
        b[:len(data)] = data
        return len(data)


def _headed(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The first :data:`formats.HEAD_BYTES` of a stream (fewer if it is shorter), and the stream to read from then on."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        head = peek(formats.HEAD_BYTES)[: formats.HEAD_BYTES]
        if len(head) >= formats.HEAD_BYTES:
            return head, stream
    head = stream.read(formats.HEAD_BYTES)  # a pipe may deliver fewer bytes to peek at than there are
    return head, io.BufferedReader(_Prefixed(head, stream), 1 << 16)


def _stem(name: str) -> str:
    path = Path(name)
    if path.suffix.lower() in formats.COMPRESSIONS:
        path = path.with_suffix("")
    return path.stem if path.suffix else path.name


class InputFile:
    """One input opened for reading: ``source`` (its name, ``<stdin>`` for ``-``), ``format`` (``jsonl``,
    ``csv``, ``tsv``, ``parquet``, ``txt``, ``txt-dir``), ``compression`` (``gzip``, ``bz2``, ``xz``,
    ``zstd`` or None) and, for CSV/TSV and Parquet once :meth:`records` has started, ``columns`` (and
    ``header``, a CSV header line's bytes). :meth:`records` yields its :class:`Record` s and the InputError
    of each bad one. Use :func:`open_input`; close it (or use it as a context manager)."""

    #: What :meth:`records` reads: a directory of text files, or the input's stream (decompressed).
    _opened: Path | IO[bytes]

    def __init__(self, name: str, *, id_field: str = "id", text_field: str | Sequence[str] = "text", max_bytes: int | None = None,
                 input_format: str | None = None, stdin: IO[bytes] | None = None, all_columns: bool = False) -> None:
        if input_format is not None and input_format not in formats.FORMATS:
            raise ConfigError(f"input format must be one of {', '.join(formats.FORMATS)}, got {input_format!r}")
        self.id_field, self.fields, self.max_bytes, self.all_columns = id_field, text_fields(text_field), max_bytes, all_columns
        self.compression: str | None = None
        self.columns: list[str] | None = None
        self.header: bytes | None = None
        self._closers: list[Any] = []
        self._path: Path | None = None  # the file or directory named; None for standard input
        if name == "-":
            self.source, filename = "<stdin>", None
            raw = stdin if stdin is not None else stdin_buffer()
        else:
            self.source = filename = name
            path = Path(name)
            if path.is_dir():
                self.format, self._path, self._opened = "txt-dir", path, path
                return
            if not path.exists():  # a file, or a FIFO, a process substitution <(cmd) (/dev/fd/N), a device
                raise InputError("no such file or directory", source=name)
            try:
                raw = open(path, "rb")  # noqa: SIM115 -- closed by close()
            except OSError as exc:
                raise InputError(f"cannot open: {exc.strerror}", source=name) from None
            self._closers.append(raw)
            self._path = path
        try:
            self._open(raw, filename, input_format)
        except BaseException:
            self.close()
            raise

    def _open(self, raw: IO[bytes], filename: str | None, forced: str | None) -> None:
        try:
            head, stream = _headed(raw)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=self.source) from None
        self.compression = formats.check_compression(filename, head)
        if self.compression:
            try:
                decompressed = formats.open_compressed_reader(stream, self.compression)
            except ConfigError as exc:  # zstandard is not installed
                raise ConfigError(f"{self.source}: {exc}") from None
            self._closers.append(decompressed)
            stream = io.BufferedReader(formats.Guarded(decompressed, self.compression), 1 << 16)
            try:
                head = stream.peek(formats.HEAD_BYTES)[: formats.HEAD_BYTES]
            except CorruptStream as exc:
                raise FormatError(str(exc), source=self.source) from None
        self.format = formats.detect(filename, head, forced)
        if self.format == "parquet" and not head.startswith(formats.PARQUET_MAGIC):
            looks = formats.describe(head) or "it does not start with PAR1"
            raise FormatError(f"not a Parquet file ({'empty' if not head else looks})", source=self.source)
        if self.format in ("csv", "tsv"):
            _csv_limit(self.max_bytes)
        self._opened = stream
        self._head = head

    def bytes_read(self) -> int | None:
        """How far into the file reading has come, in its own (compressed) bytes; None where that is not
        known (standard input, a directory, a pipe, Parquet). For a progress bar: with ``os.path.getsize``
        it tells how much is left."""
        if self._path is None or self.format in ("txt-dir", "parquet") or not self._closers:
            return None
        try:
            return self._closers[0].tell()
        except (OSError, ValueError):
            return None

    def records(self) -> Iterator[Record | InputError]:
        """The input's records (and the InputError of each bad one; a :class:`FormatError` ends them)."""
        return _read_errors(self._records(), self.source)

    def record_batches(self) -> Iterator[Record | InputError | RecordBatch]:
        """:meth:`records`, except that the plain records of a block of JSON Lines (one with only plain records and
        blank lines, as most are) come as one :class:`RecordBatch`: what is read a block at a time, not a record at a time."""
        opened = self._opened
        if self.format != "jsonl" or isinstance(opened, Path):
            return self.records()
        lines = _numbered_jsonl(opened, self.source, self.id_field, self.fields, self.max_bytes, sniff=True, blocks=True)
        return _read_errors((item if isinstance(item, (InputError, RecordBatch)) else Record(item[0], item[1], raw, self.source, lineno)
                             for item, raw, lineno in lines), self.source)

    def _records(self) -> Iterator[Record | InputError]:
        opened = self._opened
        if isinstance(opened, Path):
            yield from self._txt_dir(opened)
        elif self.format == "jsonl":
            for item, raw, lineno in _numbered_jsonl(opened, self.source, self.id_field, self.fields, self.max_bytes, sniff=True):
                yield item if isinstance(item, InputError) else Record(item[0], item[1], raw, self.source, lineno)
        elif self.format in ("csv", "tsv"):
            yield from self._csv(opened, "," if self.format == "csv" else "\t")
        elif self.format == "parquet":
            yield from self._parquet(opened)
        else:
            yield self._txt(opened)

    def _txt_dir(self, directory: Path) -> Iterator[Record | InputError]:
        for item in read_text_dir(directory, self.max_bytes):
            yield item if isinstance(item, InputError) else Record(item[0], item[1], None, str(directory / f"{item[0]}.txt"))

    def _plain_file(self) -> Path | None:
        """The input's path when its bytes are read as they are stored (a regular file, not compressed), so
        its size is known up front and it can be read by name; else None (standard input, a FIFO, a device,
        a compressed file)."""
        if self._path is None or self.compression is not None or not self._path.is_file():
            return None
        return self._path

    def _txt(self, stream: IO[bytes]) -> Record | InputError:
        """A text file: one record, its name without ``.txt`` (and a compression suffix) the id."""
        doc_id = "-" if self._path is None else _stem(self.source)
        limit = self.max_bytes
        plain = self._plain_file()
        if plain is not None and limit is not None:
            size = plain.stat().st_size
            if size > limit:
                return InputError(f"file is {size} bytes, over the limit of {limit} (--max-bytes)", source=self.source)
        data = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(data) > limit:  # a FIFO, a device or a compressed file: its size is known once read
            return InputError(f"file is over the limit of {limit} bytes (--max-bytes)", source=self.source)
        try:
            return Record(doc_id, decode_text(data), None, self.source)
        except UnicodeDecodeError as exc:
            return InputError(f"invalid UTF-8 at byte {exc.start}", source=self.source)

    def _csv(self, stream: IO[bytes], delimiter: str) -> Iterator[Record | InputError]:
        feed = _CsvFeed(stream, self.max_bytes)
        reader = csv.reader(feed, delimiter=delimiter, strict=True)
        index: list[int] | None = None  # the id's column, then the text fields'
        header: list[str] = []
        row = 0
        while True:
            feed.begin()
            cells: list[str] = []
            error = None
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _Abort as exc:
                error = str(exc)
            except csv.Error as exc:
                why = "a carriage return (\\r) inside an unquoted field" if "new-line character" in str(exc) else str(exc)
                error = f"invalid {self.format.upper()} ({why})"
            except UnicodeDecodeError as exc:  # UTF-16 input cut mid-character
                yield InputError(f"invalid {exc.encoding.upper()} ({exc.reason}); the rest of the input is not read", source=self.source, line=feed.lineno + 1)
                return
            except CorruptStream as exc:
                raise FormatError(str(exc), source=self.source, line=feed.lineno + 1) from None
            if index is None:
                if error is None and not cells:
                    continue  # blank lines before the header
                header, index = self._header(cells, error, b"".join(feed.parts) or self._head, feed.start)
                self.header, self.columns = b"".join(feed.parts), header
                continue
            if error is None and not cells:
                continue  # a blank line
            row += 1
            where: Where = {"source": self.source, "line": feed.start}
            if error is not None:
                yield InputError(error, **where)
                continue
            if len(cells) != len(header):
                yield InputError(f"has {len(cells)} fields, the header has {len(header)} ({_field_list(header, 10)})", **where)
                continue
            doc_id = cells[index[0]]
            parts = [cells[i] for i in index[1:]]
            fields = dict(zip(header, cells)) if self.all_columns else None
            yield Record(doc_id, parts[0] if len(parts) == 1 else TEXT_JOIN.join(parts), b"".join(feed.parts), self.source, feed.start, row, fields)

    def _header(self, cells: list[str], error: str | None, raw: bytes, line: int) -> tuple[list[str], list[int]]:
        """The header's columns and the positions of the id and text fields, or a FormatError."""
        where: Where = {"source": self.source, "line": line}
        looks = formats.describe(raw)
        if looks and not looks.startswith("looks like " + self.format.upper()):
            raise FormatError(formats.expected_instead(self.format, looks), **where)
        if raw.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{"):
            raise FormatError("looks like JSON Lines; name it .jsonl or pass --input-format jsonl", **where)
        if error is not None:
            raise FormatError(f"cannot read the header line: {error}", **where)
        for name in (self.id_field, *self.fields):
            if name not in cells:
                kind = "id" if name == self.id_field else "text"
                raise FormatError(_missing(kind, name, cells, "the header has"), **where)
            if cells.count(name) > 1:
                raise FormatError(f"column {name!r} appears {cells.count(name)} times in the header", **where)
        return cells, [cells.index(self.id_field), *(cells.index(f) for f in self.fields)]

    def _parquet_input(self, stream: IO[bytes]) -> formats.ParquetInput:
        plain = self._plain_file()
        if plain is not None:
            source: Any = str(plain)  # pyarrow reads the file itself
        elif getattr(stream, "seekable", lambda: False)() and self.compression is None:
            source = stream
        else:  # standard input, a FIFO, a compressed stream: Parquet's footer is at its end
            source = formats.spool(stream)
            self._closers.append(source)
        try:
            pf = formats.ParquetInput(source, self.source)
        except ConfigError as exc:  # pyarrow is not installed
            raise ConfigError(f"{self.source}: {exc}") from None
        self._closers.append(pf)
        self.columns = pf.columns
        for name in (self.id_field, *self.fields):
            if name not in pf.columns:
                kind = "id" if name == self.id_field else "text"
                raise FormatError(_missing(kind, name, pf.columns, "the columns are"), source=self.source)
        return pf

    def arrow_batches(self) -> Iterator[tuple[int, Any]]:
        """A Parquet input's rows as pyarrow record batches of every column, as stored: ``(index of the batch's
        first row, batch)``. What ``dedup dedupe`` copies kept rows from (types and values untouched)."""
        if self.format != "parquet" or isinstance(self._opened, Path):
            raise ConfigError(f"{self.source}: not a Parquet input")
        pf = self._parquet_input(self._opened)
        self.schema = pf.file.schema_arrow
        yield from pf.arrow_batches()

    def _parquet(self, stream: IO[bytes]) -> Iterator[Record | InputError]:
        pf = self._parquet_input(stream)
        wanted = None if self.all_columns else list(dict.fromkeys((self.id_field, *self.fields)))
        limit = self.max_bytes
        for _, first, cols in pf.batches(wanted):
            ids = cols[self.id_field]
            texts = [cols[f] for f in self.fields]
            for k, doc_id in enumerate(ids):
                where: Where = {"source": self.source, "row": first + k + 1}
                if isinstance(doc_id, bytes):
                    doc_id = _utf8_or(doc_id)
                why = _check_id(doc_id, self.id_field)
                if why:
                    yield InputError(why, **where)
                    continue
                parts = []
                for name, col in zip(self.fields, texts):
                    value = col[k]
                    if isinstance(value, bytes):
                        value = _utf8_or(value)
                    if not isinstance(value, str):
                        why = "is null" if value is None else "is not valid UTF-8" if isinstance(value, bytes) else \
                            f"must be a string, got {type(value).__name__}"
                        yield InputError(f"text field {name!r} {why}", doc_id=doc_id, **where)
                        break
                    parts.append(value)
                else:
                    text = parts[0] if len(parts) == 1 else TEXT_JOIN.join(parts)
                    if limit is not None and len(text) * 4 > limit:
                        size = len(text.encode("utf-8", "surrogatepass"))
                        if size > limit:
                            yield InputError(f"text is {size} bytes, over the limit of {limit} (--max-bytes)", doc_id=doc_id, **where)
                            continue
                    fields = {name: col[k] for name, col in cols.items()} if self.all_columns else None
                    yield Record(doc_id, text, None, self.source, None, first + k + 1, fields)

    def close(self) -> None:
        for closer in reversed(self._closers):
            try:
                closer.close()
            except Exception:  # a corrupt compressed stream may fail again when closed; the error was reported
                pass
        self._closers = []

    def __enter__(self) -> InputFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _utf8_or(data: bytes) -> str | bytes:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def open_input(name: str, **options: Any) -> InputFile:
    """Open one input: a path (a file, FIFO or directory of ``.txt`` files) or ``-`` for standard input.

    ``options``: ``id_field``, ``text_field`` (a name, or a sequence of names whose values are joined by a
    blank line), ``max_bytes``, ``input_format`` (force one of :data:`dedup.formats.FORMATS`; compression
    is still recognized by its magic bytes), ``stdin`` (a binary stream for ``-``) and ``all_columns``
    (read every column of a CSV/TSV or Parquet record into :attr:`Record.fields`)."""
    return InputFile(name, **options)


def iter_records(
    inputs: Iterable[str],
    id_field: str = "id",
    text_field: str | Sequence[str] = "text",
    on_error: str = "fail",
    skipped: SkipLog | None = None,
    stdin: IO[bytes] | None = None,
    max_bytes: int | None = None,
    unique_ids: bool = False,
    input_format: str | None = None,
    all_columns: bool = False,
    on_input: Callable[[InputFile], None] | None = None,
) -> Iterator[Record]:
    """The :class:`Record` s of each input in turn (see :func:`open_input`).

    Paths are taken literally (no globbing). With ``on_error="fail"`` the first bad record raises
    :class:`InputError`; with ``"skip"`` it is logged in ``skipped``. A :class:`FormatError` (an input in
    another format) is always raised. With ``unique_ids`` a record repeating an earlier id (in any input)
    is a bad record, named by its file and line. ``on_input`` is called with each input once it is opened,
    before its records (its format and compression are known then; CSV/Parquet columns once it is read).
    """
    if on_error not in ("fail", "skip"):
        raise ConfigError(f"on_error must be 'fail' or 'skip', got {on_error!r}")
    seen: set[Any] = set()
    for name in inputs:
        with open_input(name, id_field=id_field, text_field=text_field, max_bytes=max_bytes, input_format=input_format,
                        stdin=stdin, all_columns=all_columns) as f:
            if on_input is not None:
                on_input(f)
            for rec in f.records():
                got = _accepted(rec, unique_ids, seen, on_error, skipped)
                if got is not None:
                    yield got


def _accepted(rec: Record | InputError, unique_ids: bool, seen: set[Any], on_error: str, skipped: SkipLog | None) -> Record | None:
    """``rec`` if it is a good record (with ``unique_ids``, of an id not in ``seen``, which it is added to); else
    its error is raised (``on_error="fail"``, or a :class:`FormatError`) or logged in ``skipped`` and None returned."""
    if unique_ids and not isinstance(rec, InputError):
        if rec.id in seen:
            rec = InputError("duplicate id (an earlier record has it)", source=rec.source, line=rec.line, row=rec.row, doc_id=rec.id)
        else:
            seen.add(rec.id)
    if isinstance(rec, InputError):
        if on_error == "fail" or isinstance(rec, FormatError):
            raise rec
        if skipped is not None:
            skipped.add(rec)
        return None
    return rec


def iter_batches(
    inputs: Iterable[str],
    id_field: str = "id",
    text_field: str | Sequence[str] = "text",
    on_error: str = "fail",
    skipped: SkipLog | None = None,
    stdin: IO[bytes] | None = None,
    max_bytes: int | None = None,
    unique_ids: bool = False,
    input_format: str | None = None,
    on_input: Callable[[InputFile], None] | None = None,
) -> Iterator[tuple[list[Any], list[str]]]:
    """:func:`iter_records` in batches: ``(ids, texts)``, the ids and texts of consecutive records, in input order.
    The same records, errors and skipped records (with the same arguments); a block of plain JSON Lines
    records (:meth:`InputFile.record_batches`) is one batch, checked at once. With ``on_error="fail"`` the
    records before a bad one come in a batch before its error is raised. What ``dedup cluster`` reads with
    (:meth:`dedup.Deduplicator.add_batches`)."""
    if on_error not in ("fail", "skip"):
        raise ConfigError(f"on_error must be 'fail' or 'skip', got {on_error!r}")
    seen: set[Any] = set()
    for name in inputs:
        with open_input(name, id_field=id_field, text_field=text_field, max_bytes=max_bytes, input_format=input_format,
                        stdin=stdin) as f:
            if on_input is not None:
                on_input(f)
            yield from _file_batches(f, unique_ids, seen, on_error, skipped)


_GATHER = 1024
"""Records read one by one (not in a :class:`RecordBatch`) that :func:`iter_batches` gathers into a batch."""


def _file_batches(f: InputFile, unique_ids: bool, seen: set[Any], on_error: str, skipped: SkipLog | None) -> Iterator[tuple[list[Any], list[str]]]:
    """:func:`iter_batches` of one input; the records gathered before an error come in a batch before it is raised."""
    ids: list[Any] = []
    texts: list[str] = []
    try:
        for item in f.record_batches():
            if isinstance(item, RecordBatch):
                if not unique_ids or claim_new(item.ids, seen):
                    if ids:
                        yield ids, texts
                        ids, texts = [], []
                    yield item.ids, item.texts
                    continue
                recs: Iterable[Record | InputError] = item.records()  # a repeated id: which one, record by record
            else:
                recs = (item,)
            for rec in recs:
                got = _accepted(rec, unique_ids, seen, on_error, skipped)
                if got is not None:
                    ids.append(got.id)
                    texts.append(got.text)
            if len(ids) >= _GATHER:
                yield ids, texts
                ids, texts = [], []
    except InputError:
        if ids:
            yield ids, texts
        raise
    if ids:
        yield ids, texts


def read_inputs(
    inputs: Iterable[str],
    id_field: str = "id",
    text_field: str | Sequence[str] = "text",
    on_error: str = "fail",
    skipped: SkipLog | None = None,
    stdin: IO[bytes] | None = None,
    max_bytes: int | None = None,
    unique_ids: bool = True,
    input_format: str | None = None,
) -> Iterator[tuple[Any, str]]:
    """``(id, text)`` of each record of the inputs (:func:`iter_records`; ids unique by default)."""
    for rec in iter_records(inputs, id_field, text_field, on_error, skipped, stdin, max_bytes, unique_ids, input_format):
        yield rec.id, rec.text


# -- output ----------------------------------------------------------------------------------------------------------

FIELDS = ("id", "cluster", "is_representative", "similarity", "cluster_size")
OUTPUT_FORMATS = ("jsonl", "csv", "tsv", "parquet")


_CHUNK = 8192
"""Result rows formatted and written at once by :func:`write_results` (from a :class:`ResultRows`)."""


class ResultRows:
    """The result rows of ``dedup cluster`` as columns: the ``ids`` in input order and, per document, its cluster
    (``labels``: the position in ``ids`` of the cluster's representative), whether it is the representative and
    its similarity to it. Iterated, the rows as dicts (:data:`FIELDS`); :func:`write_results` writes JSON Lines,
    CSV and TSV straight from the columns, the same bytes without building and encoding a dict per row."""

    def __init__(self, ids: list[Any], labels: list[int], representative: list[bool], similarity: list[float]) -> None:
        self.ids, self.labels, self.representative, self.similarity = ids, labels, representative, similarity
        self.sizes: dict[int, int] = Counter(labels)  # documents per cluster, by label

    def __len__(self) -> int:
        return len(self.ids)

    def columns(self, start: int, stop: int) -> tuple[list[Any], list[Any], list[bool], list[float], list[int]]:
        """The values of rows ``start`` to ``stop`` (not included), a list per field of :data:`FIELDS`."""
        ids, sizes, labels = self.ids, self.sizes, self.labels[start:stop]
        return (ids[start:stop], [ids[k] for k in labels], [bool(r) for r in self.representative[start:stop]],
                [round(float(s), 4) for s in self.similarity[start:stop]], [sizes[k] for k in labels])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for start in range(0, len(self.ids), _CHUNK):
            for values in zip(*self.columns(start, start + _CHUNK)):
                yield dict(zip(FIELDS, values))


def _json_id(doc_id: Any) -> str | None:
    """``json.dumps(doc_id, ensure_ascii=False)`` of a ``str`` or ``int`` id (json's own string encoder, int's
    repr); None for any other type (a subclass such as ``bool`` too), or an int too long to write."""
    if type(doc_id) is str:
        return encode_basestring(doc_id)
    if type(doc_id) is int:
        try:
            return int.__repr__(doc_id)
        except ValueError:  # over sys.get_int_max_str_digits(): json.dumps raises it, on the row-by-row path
            return None
    return None


_ENCODER = json.JSONEncoder(ensure_ascii=False)
"""What ``json.dumps(row, ensure_ascii=False)`` encodes with, made once."""


def _jsonl_lines(rows: ResultRows, start: int, stop: int) -> str:
    """Rows ``start`` to ``stop`` as JSON lines, byte for byte what ``json.dumps(row, ensure_ascii=False)`` makes of
    each row dict: formatted from the columns (keys in :data:`FIELDS` order, json's separators, a finite float
    as its repr) when every id is a ``str`` or ``int`` and every similarity finite, else encoded row by row."""
    ids, clusters, reps, sims, sizes = rows.columns(start, stop)
    enc_ids, enc_clusters = [_json_id(i) for i in ids], [_json_id(c) for c in clusters]
    if None in enc_ids or None in enc_clusters or not all(map(math.isfinite, sims)):
        return "".join(_ENCODER.encode(dict(zip(FIELDS, values))) + "\n" for values in zip(ids, clusters, reps, sims, sizes))
    return "".join([
        f'{{"id": {i}, "cluster": {c}, "is_representative": {"true" if r else "false"}, "similarity": {s!r}, "cluster_size": {n}}}\n'
        for i, c, r, s, n in zip(enc_ids, enc_clusters, reps, sims, sizes)
    ])


_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8_safe(lines: str) -> str:
    """JSON text ``lines`` with each lone surrogate (an id read from a JSON ``"\\ud800"`` escape) written as its
    ``\\uXXXX`` escape, as ``json.dumps`` with ``ensure_ascii`` writes it: UTF-8 cannot hold the character, the
    escape reads back as the same id. Inside JSON such a character can only be inside a string."""
    if lines.isascii():
        return lines
    try:
        lines.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", lines)
    return lines


def _unwritable_id(ids: Iterable[Any]) -> Any | None:
    """The first ``str`` id of ``ids`` that UTF-8 cannot encode (it holds a lone surrogate), else None."""
    for doc_id in ids:
        if isinstance(doc_id, str) and not doc_id.isascii():
            try:
                doc_id.encode("utf-8")
            except UnicodeEncodeError:
                return doc_id
    return None


def write_results(rows: Iterable[dict[str, Any]], out: IO[str], fmt: str = "jsonl") -> int:
    """Write result rows as JSON lines, or CSV or TSV (header first), to a text stream; returns the row count.
    A :class:`ResultRows` is written from its columns (the same bytes as from its rows, faster)."""
    if fmt not in ("jsonl", "csv", "tsv"):
        raise ConfigError(f"unknown output format {fmt!r}")
    columns = rows if isinstance(rows, ResultRows) else None
    if fmt == "jsonl":
        if columns is not None:
            for start in range(0, len(columns), _CHUNK):
                out.write(_utf8_safe(_jsonl_lines(columns, start, start + _CHUNK)))
            return len(columns)
        n = 0
        for row in rows:
            out.write(_utf8_safe(_ENCODER.encode(row)) + "\n")
            n += 1
        return n
    delimiter = "," if fmt == "csv" else "\t"
    if columns is not None:
        writer = csv.writer(out, lineterminator="\n", delimiter=delimiter)  # the writer csv.DictWriter writes with
        writer.writerow(FIELDS)  # what csv.DictWriter's writeheader writes
        for start in range(0, len(columns), _CHUNK):
            writer.writerows(zip(*columns.columns(start, start + _CHUNK)))
        return len(columns)
    dict_writer = csv.DictWriter(out, fieldnames=list(FIELDS), extrasaction="ignore", lineterminator="\n", delimiter=delimiter)
    dict_writer.writeheader()
    n = 0
    for row in rows:
        dict_writer.writerow(row)
        n += 1
    return n


def _output_file(path: str | None) -> str | None:
    """The file results go to: ``path``, or None for standard output (None or ``-``)."""
    return None if path is None or path == "-" else path


def output_format(path: str | None, fmt: str | None) -> tuple[str, str | None]:
    """``(format, compression)`` of the results: ``fmt`` or what ``path``'s extension says (``out.parquet``,
    ``out.csv.gz``), else JSON Lines; compression by the extension (``.gz``, ``.bz2``, ``.xz``, ``.zst``)."""
    file = _output_file(path)
    named, compression = formats.split_name(file) if file else (None, None)
    if fmt is None:
        fmt = named if named in OUTPUT_FORMATS else "jsonl"
    if fmt not in OUTPUT_FORMATS:
        raise ConfigError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}, got {fmt!r}")
    if fmt == "parquet" and file and compression:
        raise ConfigError(f"{path}: Parquet is compressed inside; drop the {Path(file).suffix} suffix")
    return fmt, compression


def write_results_to(rows: Iterable[dict[str, Any]], path: str | None, fmt: str | None = None, ids: list[Any] | None = None) -> int:
    """Write result rows to ``path`` (standard output for None or ``-``) in ``fmt`` or the format its extension
    names (:func:`output_format`), compressed by its extension; returns the row count. ``ids`` (all the ids
    the rows hold) fix a Parquet file's id type up front."""
    fmt, compression = output_format(path, fmt)
    if fmt != "jsonl" and isinstance(rows, ResultRows):
        bad = _unwritable_id(rows.ids)
        if bad is not None:  # said before a byte is written
            raise InputError(f"id {bad!r} holds a lone surrogate, which {fmt} output cannot hold (UTF-8); "
                             f"write JSON Lines (-o results.jsonl), which escapes it")
    file = _output_file(path)
    raw: IO[bytes]
    if file is None:
        require_stdout()
        if fmt != "parquet" and compression is None:
            out = open_output(None)
            try:
                return write_results(rows, out, fmt)
            finally:
                out.flush()
        sys.stdout.flush()
        raw = sys.stdout.buffer
    else:
        raw = open(file, "wb")  # noqa: SIM115 -- closed below
    try:
        if fmt == "parquet":  # pyarrow writes sequentially, so a pipe will do; it closes what it writes to
            return formats.write_parquet(rows, Unclosable(raw) if file is None else raw, FIELDS, ids)
        sink = formats.open_compressed_writer(raw, compression)
        text = io.TextIOWrapper(sink, encoding="utf-8", newline="")
        try:
            n = write_results(rows, text, fmt)
            text.flush()
        finally:
            text.detach()
        if sink is not raw:
            sink.close()
        return n
    finally:
        if file is None:
            raw.flush()
        else:
            raw.close()


class Unclosable(io.RawIOBase):
    """A binary stream whose ``close`` only flushes (pyarrow closes what it wrote to)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self._stream.write(b)
        return len(b)

    def close(self) -> None:
        self._stream.flush()
        super().close()


def stdin_buffer() -> IO[bytes]:
    """Standard input as bytes; :class:`InputError` when the process was started with it closed (``<&-``)."""
    if sys.stdin is None:
        raise InputError("standard input is closed (the process was started without it), nothing to read", source="<stdin>")
    return sys.stdin.buffer


def require_stdout() -> TextIO:
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

