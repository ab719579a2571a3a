"""Input and output formats: what a file is (by its name and its first bytes), decompression, Parquet.

:func:`detect` names a file's compression and format; :func:`describe` says what some bytes look like,
for the message of a file in an unexpected format. Compressed streams (gzip, bz2, xz, zstd) are
recognized by their magic bytes whatever their name, and by their name's suffix. Parquet is read with
pyarrow and zstd with the ``zstandard`` package (or Python 3.14's ``compression.zstd``); both are
optional extras (``dedup-reprints[parquet]``, ``dedup-reprints[zstd]``), imported only when a file needs them.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import shutil
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import IO, Any, cast

from .errors import ConfigError, FormatError, InputError

__all__ = ["COMPRESSIONS", "FORMATS", "CorruptStream", "describe", "detect", "open_compressed_reader", "open_compressed_writer"]

FORMATS = ("jsonl", "csv", "tsv", "parquet", "txt")
"""Input formats: JSON Lines, CSV and TSV with a header, Parquet, one text file per record."""

COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}
"""Name suffixes of the compressed streams read (and written) by extension."""

_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
               ".parquet": "parquet", ".pq": "parquet", ".txt": "txt"}

_MAGIC = ((b"\x1f\x8b", "gzip"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"))
PARQUET_MAGIC = b"PAR1"
HEAD_BYTES = 16
"""Bytes of a stream's start that :func:`compression_of` and :func:`detect` look at."""


def compression_of(head: bytes) -> str | None:
    """The compression whose magic bytes ``head`` starts with, or None."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[:3] == b"BZh" and head[3:4] in b"123456789" and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):  # a block, or the end
        return "bz2"
    return None


def split_name(name: str) -> tuple[str | None, str | None]:
    """``(format, compression)`` that a file name's suffixes say (``a.jsonl.gz`` → ``("jsonl", "gzip")``), None where they say nothing."""
    suffixes = [s.lower() for s in PurePath(name).suffixes]
    compression = COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    if compression:
        suffixes = suffixes[:-1]
    return (_EXTENSIONS.get(suffixes[-1]) if suffixes else None), compression


def detect(name: str | None, head: bytes, forced: str | None = None) -> str:
    """The format of a stream named ``name`` (None for standard input) whose (decompressed) start is ``head``.

    Magic bytes win over the name: a stream that starts with ``PAR1`` is Parquet. Then ``forced``
    (``--input-format``), then the name's extension (under a compression suffix); a stream that says
    nothing is JSON Lines."""
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if forced:
        return forced
    fmt = split_name(name)[0] if name is not None else None
    return fmt or "jsonl"


def check_compression(name: str | None, head: bytes) -> str | None:
    """The compression of a stream starting with ``head``, by its magic bytes (whatever its name says).
    FormatError when the name says it is compressed (``.gz``) and the bytes are not (an empty file is no
    error: it holds no records)."""
    found = compression_of(head)
    said = split_name(name)[1] if name is not None else None
    if name is not None and said and not found and head:
        looks = describe(head)
        raise FormatError(f"named {PurePath(name).suffix} but is not {said}-compressed{'; it ' + looks if looks else ''}", source=name)
    return found


# -- what some bytes look like ---------------------------------------------------------------------------------------

_HEADER_NAME = re.compile(r'\s*"?[A-Za-z_][\w .:/-]{0,63}"?\s*')


def looks_like_header(line: str, delimiter: str) -> bool:
    """Whether a line is plausibly a CSV/TSV header: two or more delimited names, no JSON."""
    fields = line.rstrip("\r\n").split(delimiter)
    return len(fields) >= 2 and all(_HEADER_NAME.fullmatch(f) for f in fields)


def describe(head: bytes) -> str:
    """What a stream starting with ``head`` looks like, e.g. ``"looks like a JSON array"``; ``""`` for JSON Lines."""
    comp = compression_of(head)
    if comp:
        return f"looks like {comp}-compressed data"
    if head.startswith(PARQUET_MAGIC):
        return "looks like a Parquet file"
    if head.startswith(b"PK\x03\x04"):
        return "looks like a ZIP archive (unzip it first)"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ""
    if len(head) >= 4 and (not any(head[1:8:2]) or not any(head[0:8:2])):
        return "looks like UTF-16 text without a byte-order mark (dedup reads UTF-8, or UTF-16 with a byte-order mark)"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        rest = text[1:].lstrip()
        if not rest or rest.startswith((b"{", b"]")):
            return "looks like a JSON array"
    if text.rstrip() == b"{":
        return "looks like one JSON document over several lines"
    if text.startswith(b"{"):
        return ""
    if text[:1] == b"<":
        return "looks like HTML or XML"
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    if looks_like_header(first, "\t"):
        return "looks like TSV (tab-separated with a header line)"
    if looks_like_header(first, ","):
        return "looks like CSV (comma-separated with a header line)"
    if b"\x00" in head:
        return "looks like binary data"
    return ""


def expected_instead(fmt: str, described: str) -> str:
    """The message for a stream read as ``fmt`` that looks like something else."""
    hints = {
        "looks like a JSON array": "dedup reads JSON Lines — one object per line (convert with: jq -c '.[]' FILE)",
        "looks like one JSON document over several lines": "dedup reads JSON Lines — one object per line (convert with: jq -c . FILE)",
        "looks like TSV (tab-separated with a header line)": "name it .tsv or pass --input-format tsv",
        "looks like CSV (comma-separated with a header line)": "name it .csv or pass --input-format csv",
    }
    want = {"jsonl": "JSON Lines (one JSON object per line)", "csv": "CSV with a header line", "tsv": "TSV with a header line",
            "parquet": "Parquet", "txt": "text"}[fmt]
    return f"{described}; {hints.get(described) or f'expected {want}'}"


# -- compressed streams ----------------------------------------------------------------------------------------------

class CorruptStream(Exception):
    """A compressed stream that cannot be decompressed (truncated, corrupt); the message says which and how."""


_ZSTD_EXTRA = "reading and writing zstd needs the zstandard package: pip install 'dedup-reprints[zstd]'"


def zstd_module():
    try:
        import zstandard
    except ImportError:
        zstandard = None
    if zstandard is not None:
        return zstandard
    try:
        from compression import zstd  # type: ignore[import-not-found,unused-ignore]  # Python 3.14
    except ImportError:
        raise ConfigError(_ZSTD_EXTRA) from None
    return zstd


class _ZstdRaw(io.RawIOBase):
    """zstd frames of a binary stream, decompressed (the ``zstandard`` package), one small read at a time.

    Not ``ZstdDecompressor.stream_reader``: it ends quietly at a truncated frame. Here input that ends inside a
    frame raises ``EOFError``, like ``gzip``, ``bz2`` and ``lzma``. Compressed input is read 2 KiB at a time, so
    one read inflates to at most ~64 MiB (zstd expands at most ~32,768 times)."""

    def __init__(self, raw: IO[bytes], zstandard) -> None:
        self._raw, self._dctx = raw, zstandard.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()
        self._in_frame = False
        self._out = b""
        self._pos = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while self._pos >= len(self._out):
            if self._done:
                return 0
            chunk = self._raw.read(2048)
            if not chunk:
                if self._in_frame:
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
                self._done = True
                return 0
            self._out, self._pos = self._inflate(chunk), 0
        n = min(len(b), len(self._out) - self._pos)
        b[:n] = self._out[self._pos:self._pos + n]
        self._pos += n
        return n

    def _inflate(self, data: bytes) -> bytes:
        out = []
        while data:
            self._in_frame = True
            out.append(self._obj.decompress(data))
            if not self._obj.eof:
                break
            data = self._obj.unused_data
            self._obj = self._dctx.decompressobj()
            self._in_frame = False
        return b"".join(out)


def open_compressed_reader(raw: IO[bytes], compression: str) -> IO[bytes]:
    """The decompressed stream of ``raw`` (a buffered reader with ``peek`` and ``readline``)."""
    if compression == "gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))  # a binary stream; typeshed does not derive it from IO
    if compression == "bz2":
        return bz2.BZ2File(raw, "rb")
    if compression == "xz":
        return lzma.LZMAFile(raw, "rb")
    if compression == "zstd":
        mod = zstd_module()
        if mod.__name__ == "zstandard":
            return io.BufferedReader(_ZstdRaw(raw, mod), 1 << 16)
        return mod.ZstdFile(raw, "rb")  # compression.zstd
    raise ConfigError(f"unknown compression {compression!r}; expected gzip, bz2, xz or zstd")


def open_compressed_writer(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    """A binary stream that compresses into ``raw`` (``raw`` itself for None); closing it finishes the stream, not ``raw``."""
    if compression is None:
        return raw
    if compression == "gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="wb", mtime=0))
    if compression == "bz2":
        return bz2.BZ2File(raw, "wb")
    if compression == "xz":
        return lzma.LZMAFile(raw, "wb")
    if compression == "zstd":
        mod = zstd_module()
        if mod.__name__ == "zstandard":
            return mod.ZstdCompressor(write_checksum=True).stream_writer(raw, closefd=False)
        return mod.ZstdFile(raw, "wb")  # compression.zstd
    raise ConfigError(f"unknown compression {compression!r}; expected gzip, bz2, xz or zstd")


def corrupt_message(exc: BaseException, compression: str) -> str | None:
    """What a decompression error means, or None when ``exc`` is not one (an ``OSError`` with an errno is a read error)."""
    if isinstance(exc, EOFError):
        return f"{compression} data is truncated (the input ends inside its compressed stream); the rest of the input is not read"
    if isinstance(exc, OSError) and exc.errno is None or isinstance(exc, (zlib.error, lzma.LZMAError)):
        return f"{compression} data is corrupt ({exc}); the rest of the input is not read"
    if type(exc).__name__ in ("ZstdError", "ZSTDError"):
        return f"{compression} data is corrupt ({exc}); the rest of the input is not read"
    return None


class Guarded(io.RawIOBase):
    """A decompressing stream whose decompression errors become :class:`CorruptStream` (read errors stay ``OSError``)."""

    def __init__(self, stream: IO[bytes], compression: str) -> None:
        self._stream, self._compression = stream, compression

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        try:
            data = self._stream.read(len(b))
        except Exception as exc:
            message = corrupt_message(exc, self._compression)
            if message is None:
                raise
            raise CorruptStream(message) from None
        n = len(data)
        b[:n] = data
        return n

    def close(self) -> None:
        try:
            self._stream.close()
        except Exception:  # a corrupt stream may fail again on close; the error was reported
            pass
        super().close()


# -- Parquet ---------------------------------------------------------------------------------------------------------

PARQUET_EXTRA = "reading and writing Parquet needs pyarrow: pip install 'dedup-reprints[parquet]'"


def pyarrow_parquet():
    """``pyarrow.parquet``, or ConfigError naming the extra to install."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigError(PARQUET_EXTRA) from None
    return pq


def spool(stream: IO[bytes], head: bytes = b"") -> IO[bytes]:
    """A seekable temporary copy of a stream (Parquet's footer is at its end): for stdin, FIFOs, compressed input."""
    tmp = tempfile.TemporaryFile()
    tmp.write(head)
    shutil.copyfileobj(stream, tmp, 1 << 20)
    tmp.seek(0)
    return tmp


BATCH_ROWS = 1024
"""Rows per batch read from a Parquet row group (memory follows a batch, not the row group)."""


class ParquetInput:
    """A Parquet file read row group by row group, and within one in batches of :data:`BATCH_ROWS` rows of the
    columns needed (pyarrow's buffered reads: memory follows the batch, not the file or the row group)."""

    def __init__(self, source: str | IO[bytes], name: str) -> None:
        pq = pyarrow_parquet()
        import pyarrow as pa

        self.name = name
        try:
            self.file = pq.ParquetFile(source, buffer_size=1 << 20, pre_buffer=False)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"not a readable Parquet file ({exc})", source=name) from None
        self.columns = list(self.file.schema_arrow.names)
        self.num_rows = self.file.metadata.num_rows
        self.num_row_groups = self.file.num_row_groups

    def batches(self, columns: list[str] | None) -> Iterator[tuple[int, int, dict[str, list[Any]]]]:
        """``(row group, first row of the batch, {column: values})`` per batch; rows counted from 0 across the file."""
        import pyarrow as pa

        row = 0
        for group in range(self.num_row_groups):
            try:
                for batch in self.file.iter_batches(batch_size=BATCH_ROWS, row_groups=[group], columns=columns, use_threads=False):
                    yield group, row, {name: batch.column(name).to_pylist() for name in batch.schema.names}
                    row += batch.num_rows
            except (pa.ArrowException, OSError) as exc:
                raise InputError(f"cannot read Parquet row group {group} ({exc})", source=self.name) from None

    def arrow_batches(self) -> Iterator[tuple[int, Any]]:
        """``(first row of the batch, pyarrow.RecordBatch of every column)`` per batch, rows counted from 0."""
        import pyarrow as pa

        row = 0
        for group in range(self.num_row_groups):
            try:
                for batch in self.file.iter_batches(batch_size=BATCH_ROWS, row_groups=[group], use_threads=False):
                    yield row, batch
                    row += batch.num_rows
            except (pa.ArrowException, OSError) as exc:
                raise InputError(f"cannot read Parquet row group {group} ({exc})", source=self.name) from None

    def close(self) -> None:
        try:
            self.file.close()
        except Exception:  # closing never matters more than what was read
            pass


def _arrow_type(values: Iterable[Any]):
    import pyarrow as pa

    values = list(values)
    if values and all(isinstance(v, int) and not isinstance(v, bool) and -(1 << 63) <= v < (1 << 63) for v in values):
        return pa.int64()
    return pa.string()


def write_parquet(rows: Iterable[dict[str, Any]], out: IO[bytes] | io.RawIOBase | str, fields: tuple[str, ...], ids: list[Any] | None = None,
                  group_rows: int = 65536) -> int:
    """Write result rows to a Parquet file (or binary stream), ``group_rows`` per row group; returns the row count.

    The ``id`` and ``cluster`` columns are 64-bit integers when every id (of ``ids``, or of the first row
    group) is an integer in range, else strings (an integer id then becomes its decimal string)."""
    pq = pyarrow_parquet()
    import pyarrow as pa

    types = {"is_representative": pa.bool_(), "similarity": pa.float64(), "cluster_size": pa.int64()}
    writer = schema = None
    n = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal writer, schema
        if writer is None:
            id_type = _arrow_type(ids if ids is not None else (r["id"] for r in batch))
            schema = pa.schema([(f, id_type if f in ("id", "cluster") else types[f]) for f in fields])
            writer = pq.ParquetWriter(out, schema)
        columns = {}
        for f in fields:
            col = [r[f] for r in batch]
            if f in ("id", "cluster") and schema.field(f).type == pa.string():
                col = [v if isinstance(v, str) else str(v) for v in col]
            columns[f] = col
        writer.write_table(pa.Table.from_pydict(columns, schema=schema), row_group_size=group_rows)
        batch.clear()

    try:
        for row in rows:
            batch.append(row)
            n += 1
            if len(batch) >= group_rows:
                flush()
        if batch or writer is None:
            flush()
    finally:
        if writer is not None:
            writer.close()
    return n
