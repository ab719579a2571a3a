"""Deduplicated output: the records of the inputs copied back in their own format, kept or dropped.

:func:`deduplicate_files` is what ``dedup dedupe`` runs. It reads the inputs twice: once to cluster the
documents (:class:`~dedup.Deduplicator`, or the Spark engine), once to copy each record to the output
it goes to, so memory holds the engine's signatures and one record at a time, never the corpus.

What is written, per input format (every input of one run must have the same one):

* JSON Lines: the kept lines byte for byte as read (decompressed; a byte-order mark dropped, UTF-16
  re-encoded as UTF-8), each ending in a newline. A dropped line is the same object with one more
  member at its end, ``"duplicate_of": <the kept id>``.
* CSV / TSV: the header line of the first input, then the kept records' lines as read (quoted newlines
  and line ends included). The inputs must have the same columns. Dropped records get one more column.
* Parquet: the kept rows with every column and the schema as stored, in row groups of up to 1,024 rows
  (pyarrow); the dropped rows with one more column (the id's type when it can hold the ids).
* Text files (a directory of ``.txt`` files, or ``.txt`` files): the output is a directory receiving a
  copy of each kept file under its name; the dropped directory receives the dropped files and
  ``duplicate_of.jsonl``, one ``{"id": ..., "duplicate_of": ...}`` line per dropped file (a text file has
  no field to carry it, and ``dedup`` reads only the ``*.txt`` files of a directory).

Records are written in input order. Each output is written to a temporary file (or directory) next to
it and renamed into place at the end, so a failed run leaves no partial output behind (standard output
is written as it goes). An output compresses by its name (``out.jsonl.gz``; never Parquet, which is
compressed inside).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import formats
from .cluster import KEEP_RULES
from .errors import ConfigError, FormatError, InputError
from .io import InputFile, SkipLog, Unclosable, iter_records, open_input, require_stdout

__all__ = ["DUPLICATE_OF", "DedupeResult", "deduplicate_files", "output_kind"]

DUPLICATE_OF = "duplicate_of"
"""The default name of the field (column, member) a dropped record gets: the id of the record kept in its place."""

_KIND = {"jsonl": "jsonl", "csv": "csv", "tsv": "tsv", "parquet": "parquet", "txt": "txt", "txt-dir": "txt"}


def output_kind(fmt: str) -> str:
    """The output format of an input format (a directory of ``.txt`` files and a ``.txt`` file are both ``txt``)."""
    return _KIND[fmt]


@dataclass
class DedupeResult:
    """What :func:`deduplicate_files` did: the ids read in input order, which were kept, and the format written."""

    ids: list[Any]
    kept_of: np.ndarray
    """Per document (input order), the position of the document kept in its place (itself when kept)."""
    format: str
    skipped: SkipLog = field(default_factory=SkipLog)

    @property
    def kept(self) -> int:
        return int(np.count_nonzero(self.kept_of == np.arange(len(self.ids))))

    @property
    def dropped(self) -> int:
        return len(self.ids) - self.kept


# -- pass one: which records, from which input --------------------------------------------------------------------

def _key(fmt: str, rec: Any) -> Any:
    """A record's place in its input, the same on both reads: its line (JSON Lines), row (CSV, Parquet) or file."""
    if fmt == "jsonl":
        return rec.line
    if fmt in ("csv", "tsv", "parquet"):
        return rec.row
    return rec.source


def _check_twice_readable(inputs: Sequence[str]) -> None:
    if sum(1 for name in inputs if name == "-") > 1:
        raise ConfigError("standard input (-) is named more than once")
    for name in inputs:
        if name == "-":
            continue
        path = Path(name)
        if path.exists() and not (path.is_file() or path.is_dir()):
            raise ConfigError(f"{name}: dedup dedupe reads each input twice (to cluster, then to copy the kept records) "
                              "and this is a pipe or device, which can be read once; pass it as standard input (-) "
                              "or write it to a file first")


def _check_same_format(files: list[InputFile], id_field: str, field_name: str) -> str:
    """The one output format of the inputs, or ConfigError naming the two that differ."""
    kinds = [output_kind(f.format) for f in files]
    for f, kind in zip(files, kinds):
        if kind != kinds[0]:
            raise ConfigError(f"dedup dedupe writes the records in their input format, and the inputs mix {kinds[0]} "
                              f"({files[0].source}) and {kind} ({f.source}); convert them to one format or run once per format")
    if kinds and kinds[0] in ("csv", "tsv", "parquet"):
        first = files[0]
        for f in files[1:]:
            if f.columns is not None and first.columns is not None and f.columns != first.columns:
                raise ConfigError(f"{f.source}: its columns ({', '.join(f.columns)}) are not those of {first.source} "
                                  f"({', '.join(first.columns)}); one output file needs one set of columns")
        for f in files:
            if f.columns and field_name in f.columns:
                raise ConfigError(f"{f.source}: already has a column {field_name!r}, which the dropped records get; "
                                  "name another with --duplicate-of-field")
    return kinds[0] if kinds else "jsonl"


# -- outputs ------------------------------------------------------------------------------------------------------

class _Target:
    """One output path: written to a temporary file or directory beside it, renamed into place by :meth:`commit`.

    Standard output (None or ``-``) and an existing non-regular file (``/dev/null``) are written directly."""

    def __init__(self, path: str | None, directory: bool = False) -> None:
        self.path = path
        self.directory = directory
        self.temp: str | None = None
        self.stream: IO[bytes] | None = None
        if path is None or path == "-":
            if directory:
                raise ConfigError("text-file inputs are written to a directory: give it with -o DIR (and --dropped DIR)")
            require_stdout()
            sys.stdout.flush()
            self.stream = sys.stdout.buffer
            return
        target = Path(path)
        parent = target.parent
        if directory:
            if target.exists() and not (target.is_dir() and not any(target.iterdir())):
                raise ConfigError(f"{path}: the output directory must be new or empty (text-file inputs are copied into it)")
            self.temp = tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=parent)
            return
        if target.exists() and not target.is_file():
            self.stream = open(path, "wb")  # noqa: SIM115 -- a device such as /dev/null; closed by commit/abort
            return
        fd, self.temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=parent)
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        self.stream = os.fdopen(fd, "wb")

    def commit(self) -> None:
        if self.stream is not None and not self.stream.closed:
            self.stream.flush()
            if self.stream is not getattr(sys.stdout, "buffer", None):
                self.stream.close()
        if self.temp is not None and self.path is not None:  # a temporary exists only beside a named path
            if self.directory and os.path.isdir(self.path):
                os.rmdir(self.path)  # empty, checked at the start
            os.replace(self.temp, self.path)
            self.temp = None

    def abort(self) -> None:
        if self.stream is not None and self.stream is not getattr(sys.stdout, "buffer", None):
            try:
                self.stream.close()
            except OSError:
                pass
        if self.temp is not None:
            if self.directory:
                shutil.rmtree(self.temp, ignore_errors=True)
            else:
                try:
                    os.unlink(self.temp)
                except OSError:
                    pass
            self.temp = None


class _Sink:
    """Where one kind of record (kept or dropped) goes, in the inputs' format."""

    def __init__(self, target: _Target, compression: str | None, field_name: str | None) -> None:
        self.target = target
        self.field = field_name  # None: the kept output, no extra field
        self.raw = target.stream
        self.out = formats.open_compressed_writer(self.raw, compression) if self.raw is not None else None
        self.count = 0

    def _stream(self) -> IO[bytes]:
        """The stream the records are written to (every target but a directory of text files has one)."""
        if self.out is None:
            raise TypeError(f"{type(self).__name__} writes to a file, and its target is a directory")
        return self.out

    def begin(self, f: InputFile) -> None:
        """A new input starts."""

    def end(self, f: InputFile) -> None:
        """The input's records are all given."""

    def write(self, rec: Any, duplicate_of: Any) -> None:
        """Write one record (the sinks of JSON Lines, CSV and text do; Parquet's writes whole batches, ``write_batch``)."""
        raise NotImplementedError(f"{type(self).__name__} writes whole batches")

    def close(self) -> None:
        if self.out is not None and self.out is not self.raw:
            self.out.close()


class _JsonlSink(_Sink):
    def write(self, rec: Any, duplicate_of: Any) -> None:
        raw = rec.raw
        if self.field is not None:
            raw = _with_member(raw, self.field, duplicate_of, rec)
        self._stream().write(raw if raw.endswith(b"\n") else raw + b"\n")
        self.count += 1


def _with_member(raw: bytes, name: str, value: Any, rec: Any) -> bytes:
    """The JSON object line ``raw`` with the member ``name: value`` added at its end (the rest byte for byte)."""
    obj = json.loads(raw)
    if name in obj:
        raise InputError(f"already has a member {name!r}, which the dropped records get; name another with --duplicate-of-field",
                         source=rec.source, line=rec.line, doc_id=rec.id)
    body = raw.rstrip()
    assert body.endswith(b"}")
    inner = body[:-1].rstrip()
    sep = b"" if inner.endswith(b"{") else b", "
    member = json.dumps({name: value}, ensure_ascii=False).encode("utf-8", "surrogatepass")[1:-1]
    return inner + sep + member + b"}" + raw[len(body):]


def _eol(raw: bytes) -> bytes:
    return b"\r\n" if raw.endswith(b"\r\n") else b"\n" if raw.endswith(b"\n") else b""


class _CsvSink(_Sink):
    def __init__(self, target: _Target, compression: str | None, field_name: str | None, delimiter: str) -> None:
        super().__init__(target, compression, field_name)
        self.delimiter = delimiter
        self.header_written = False
        self.eol = b"\n"

    def _cell(self, value: Any) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, delimiter=self.delimiter, lineterminator="").writerow([value])
        return buf.getvalue().encode("utf-8", "surrogatepass")

    def _with_cell(self, raw: bytes, value: Any) -> bytes:
        eol = _eol(raw)
        body = raw[: len(raw) - len(eol)]
        return body + self.delimiter.encode() + self._cell(value) + (eol or self.eol)

    def _header(self, f: InputFile) -> None:
        if self.header_written or f.header is None:
            return
        self.eol = _eol(f.header) or b"\n"
        header = f.header if self.field is None else self._with_cell(f.header, self.field)
        self._stream().write(header if _eol(header) else header + self.eol)
        self.header_written = True

    def begin(self, f: InputFile) -> None:
        self.input = f

    def write(self, rec: Any, duplicate_of: Any) -> None:
        self._header(self.input)  # read by now: the input's first record came after it
        raw = rec.raw if self.field is None else self._with_cell(rec.raw, duplicate_of)
        self._stream().write(raw if _eol(raw) else raw + self.eol)
        self.count += 1

    def end(self, f: InputFile) -> None:
        self._header(f)  # an input without records still gives the output its header


class _ParquetSink(_Sink):
    def __init__(self, target: _Target, field_name: str | None, id_field: str) -> None:
        super().__init__(target, None, field_name)
        self.file = Unclosable(self._stream())  # pyarrow closes what it writes to; the target closes the file
        self.id_field = id_field
        self.writer: Any = None  # a pyarrow.parquet.ParquetWriter once the schema is known

    def write_batch(self, f: InputFile, batch: Any, values: list[Any] | None) -> None:
        import pyarrow as pa

        pq = formats.pyarrow_parquet()
        if self.field is not None:  # the dropped records' sink: the kept record of each, in its own column
            if values is None:
                raise TypeError("the dropped records' sink writes the kept record of each: pass their ids")
            id_type = f.schema.field(self.id_field).type
            try:
                column = pa.array(values, type=id_type)
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                column = pa.array([v if isinstance(v, str) else str(v) for v in values], type=pa.string())
            batch = pa.RecordBatch.from_arrays([*batch.columns, column], names=[*batch.schema.names, self.field])
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.file, batch.schema)
        elif not batch.schema.equals(self.writer.schema):
            raise ConfigError(f"{f.source}: its Parquet schema differs from the first input's; one output file needs one schema")
        if batch.num_rows:
            self.writer.write_batch(batch)
        self.count += batch.num_rows

    def end(self, f: InputFile) -> None:
        if self.writer is None:  # no rows yet: the file still gets the input's columns
            import pyarrow as pa

            schema = f.schema
            if self.field is not None:
                try:
                    schema = schema.append(pa.field(self.field, f.schema.field(self.id_field).type))
                except KeyError:  # pragma: no cover - the id column was checked on the first read
                    schema = schema.append(pa.field(self.field, pa.string()))
            self.writer = formats.pyarrow_parquet().ParquetWriter(self.file, schema)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()  # closes the stream it wrote to
            self.writer = None


class _TxtSink(_Sink):
    def __init__(self, target: _Target, field_name: str | None) -> None:
        super().__init__(target, None, field_name)
        if target.temp is None:
            raise TypeError("text files are copied into a directory: the target must be one")
        self.dir = Path(target.temp)
        self.links: IO[bytes] | None = None

    def write(self, rec: Any, duplicate_of: Any) -> None:
        name = Path(rec.source).name
        if rec.source == "<stdin>":
            raise ConfigError("a text read from standard input has no file name to copy it to; pass it as a file")
        shutil.copyfile(rec.source, self.dir / name)
        if self.field is not None:
            if self.links is None:
                self.links = open(self.dir / f"{DUPLICATE_OF}.jsonl", "wb")  # noqa: SIM115 -- closed by close()
            row = {"id": rec.id, self.field: duplicate_of}
            self.links.write(json.dumps(row, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n")
        self.count += 1

    def close(self) -> None:
        if self.links is not None:
            self.links.close()


def _sink(kind: str, target: _Target, compression: str | None, field_name: str | None, id_field: str) -> _Sink:
    if kind == "jsonl":
        return _JsonlSink(target, compression, field_name)
    if kind in ("csv", "tsv"):
        return _CsvSink(target, compression, field_name, "," if kind == "csv" else "\t")
    if kind == "parquet":
        return _ParquetSink(target, field_name, id_field)
    return _TxtSink(target, field_name)


def check_output_name(path: str | None, option: str) -> tuple[str | None, str | None]:
    """``(format named by the path's suffixes, compression)``; ``(None, None)`` for standard output."""
    if path is None or path == "-":
        return None, None
    if not path:
        raise ConfigError(f"{option}: the output path is empty")
    return formats.split_name(path)


def _check_target(path: str | None, option: str, kind: str, named: str | None, compression: str | None) -> None:
    if path is None or path == "-":
        return
    if named is not None and output_kind(named) != kind:
        raise ConfigError(f"{path}: {option} names a .{named} file, but the inputs are {kind}: dedup dedupe writes the "
                          f"records in their input format, byte for byte (name it for {kind}, or convert the inputs first)")
    if kind == "parquet" and compression:
        raise ConfigError(f"{path}: Parquet is compressed inside; drop the {Path(path).suffix} suffix")
    if kind == "txt" and compression:
        raise ConfigError(f"{path}: text-file inputs are copied into a directory; drop the {Path(path).suffix} suffix")


# -- the job ------------------------------------------------------------------------------------------------------

def deduplicate_files(
    inputs: Sequence[str],
    output: str | None,
    dropped: str | None = None,
    *,
    keep: str = "representative",
    cluster: Callable[[Iterator[tuple[Any, str]]], tuple[list[Any], Any]],
    id_field: str = "id",
    text_field: str | Sequence[str] = "text",
    on_error: str = "fail",
    max_bytes: int | None = None,
    input_format: str | None = None,
    duplicate_of_field: str = DUPLICATE_OF,
    stdin: IO[bytes] | None = None,
    on_input: Callable[[InputFile], None] | None = None,
    on_written: Callable[[int], None] | None = None,
) -> DedupeResult:
    """Write the records of ``inputs`` to keep to ``output`` (None or ``-``: standard output), one per cluster of
    near-duplicates, byte for byte and in input order, in the inputs' format (see the module's doc); with
    ``dropped``, the others there, each with ``duplicate_of_field``: the id of the record kept in its place.

    ``cluster`` takes the ``(id, text)`` records and returns ``(ids, clustering)``, as
    ``Deduplicator.add_many`` then ``.ids`` and ``.clusters()`` do. ``keep`` is one of
    :data:`~dedup.cluster.KEEP_RULES`. Bad records are handled per ``on_error`` (skipped ones are written
    nowhere and counted in the result's ``skipped``; when every record was skipped, no output is written).
    Standard input (``-``) is copied to a temporary file for the second read; a pipe given by name is
    refused. ``on_input`` is called with each input as the first read opens it, ``on_written(n)`` as records
    are copied (progress bars).
    """
    if keep not in KEEP_RULES:
        raise ConfigError(f"keep must be one of {', '.join(map(repr, KEEP_RULES))}, got {keep!r}")
    if not duplicate_of_field:
        raise ConfigError("the duplicate-of field name is empty")
    _check_twice_readable(inputs)
    _check_outputs(inputs, output, dropped)
    names = {option: check_output_name(path, option) for option, path in (("-o", output), ("--dropped", dropped))}
    spool = _spooled_stdin(stdin) if "-" in inputs else None
    try:
        return _run(inputs, output, dropped, keep, cluster, id_field, text_field, on_error, max_bytes, input_format,
                    duplicate_of_field, spool if spool is not None else stdin, names, on_input, on_written)
    finally:
        if spool is not None:
            spool.close()


def _check_outputs(inputs: Sequence[str], output: str | None, dropped: str | None) -> None:
    """Refuse, before any work, outputs that cannot be written or would lose records: the kept and the dropped
    records to one file or both to standard output, an output that is an input, an output in a directory
    that does not exist or cannot be written to."""
    if dropped is not None and dropped != "-" and output is not None and output != "-" and os.path.abspath(dropped) == os.path.abspath(output):
        raise ConfigError(f"{dropped}: the kept and the dropped records would go to one file")
    if (output is None or output == "-") and dropped == "-":
        raise ConfigError("the kept and the dropped records cannot both go to standard output")
    for option, path in (("-o", output), ("--dropped", dropped)):
        if path is None or path == "-":
            continue
        for name in inputs:
            if name != "-" and Path(name).exists() and Path(path).exists() and os.path.samefile(name, path):
                raise ConfigError(f"{path}: {option} is the input {name}; refusing to write over an input")
        parent = Path(path).parent
        if not parent.is_dir():
            raise ConfigError(f"{path}: cannot write the output: no directory {str(parent)!r}")
        if not os.access(parent, os.W_OK):
            raise ConfigError(f"{path}: cannot write the output: permission denied")


def _spooled_stdin(stdin: IO[bytes] | None) -> IO[bytes]:
    """Standard input (or ``stdin``) copied to a temporary file, at its start: it is read twice. The caller closes it."""
    from .io import stdin_buffer

    spool = tempfile.TemporaryFile()
    shutil.copyfileobj(stdin if stdin is not None else stdin_buffer(), spool, 1 << 20)
    spool.seek(0)
    return spool


def _run(inputs, output, dropped, keep, cluster, id_field, text_field, on_error, max_bytes, input_format, field_name, stdin,
         names, on_input, on_written) -> DedupeResult:
    skipped = SkipLog()
    files: list[InputFile] = []
    owner: list[int] = []
    keys: list[Any] = []

    def opened(f: InputFile) -> None:
        files.append(f)
        if on_input is not None:
            on_input(f)

    def records() -> Iterator[tuple[Any, str]]:
        for rec in iter_records(inputs, id_field, text_field, on_error, skipped, stdin, max_bytes, unique_ids=True,
                                input_format=input_format, on_input=opened):
            owner.append(len(files) - 1)
            keys.append(_key(files[-1].format, rec))
            yield rec.id, rec.text

    ids, clustering = cluster(records())
    kind = _check_same_format(files, id_field, field_name)
    for option, path in (("-o", output), ("--dropped", dropped)):
        if path is not None:
            _check_target(path, option, kind, *names[option])
    kept_of = clustering.kept_of(keep)
    result = DedupeResult(list(ids), kept_of, kind, skipped)
    if not ids and skipped.total:  # every record was bad: a failed run, which writes nothing
        return result
    if len(files) != len(inputs):  # pragma: no cover - every input is opened or raised
        raise InputError("an input could not be opened")

    def copy(sinks: list[_Sink | None]) -> None:
        _copy(inputs, files, owner, keys, result, sinks, id_field, text_field, max_bytes, input_format, stdin, on_written)

    _write_outputs(kind, (output, dropped), names, field_name, id_field, copy)
    return result


def _write_outputs(kind: str, paths: tuple[str | None, str | None], names: dict[str, tuple[str | None, str | None]],
                   field_name: str, id_field: str, copy: Callable[[list[_Sink | None]], None]) -> None:
    """Open the kept and the dropped output (``paths``; no dropped one for None) as sinks of ``kind``, have
    ``copy`` fill them, then close them and rename each into place; on any error remove both instead, so
    that no output is left half written. ``names`` are the outputs' names as :func:`check_output_name` reads them."""
    output, dropped = paths
    targets: list[_Target] = []
    sinks: list[_Sink | None] = []  # kept, dropped (None: not written)
    try:
        for path, option, extra in ((output, "-o", None), (dropped, "--dropped", field_name)):
            if path is None and option == "--dropped":
                sinks.append(None)
                continue
            target = _Target(path, directory=kind == "txt")
            targets.append(target)
            sinks.append(_sink(kind, target, names[option][1], extra, id_field))
        copy(sinks)
        for s in sinks:
            if s is not None:
                s.close()
        for target in targets:
            target.commit()
    except BaseException:
        for s in sinks:
            if s is not None:
                try:
                    s.close()
                except Exception:
                    pass
        for target in targets:
            target.abort()
        raise


def _copy(inputs, files, owner, keys, result, sinks, id_field, text_field, max_bytes, input_format, stdin, on_written) -> None:
    """Pass two: each input read again, each record it had on the first read copied to its sink."""
    kept_sink, dropped_sink = sinks
    ids, kept_of = result.ids, result.kept_of.tolist()
    owner_arr = np.asarray(owner, dtype=np.int64)
    for i, name in enumerate(inputs):
        positions = np.flatnonzero(owner_arr == i).tolist()
        if stdin is not None and name == "-":
            stdin.seek(0)
        with open_input(name, id_field=id_field, text_field=text_field, max_bytes=max_bytes, input_format=input_format,
                        stdin=stdin) as f:
            if output_kind(f.format) != result.format:
                raise _changed(f.source)
            for s in sinks:
                if s is not None:
                    s.begin(f)
            if f.format == "parquet":
                _copy_parquet(f, positions, keys, ids, kept_of, kept_sink, dropped_sink, on_written)
            else:
                _copy_records(f, positions, keys, ids, kept_of, kept_sink, dropped_sink, on_written)
            for s in sinks:
                if s is not None:
                    s.end(f)


def _changed(source: str) -> InputError:
    return InputError("changed while dedup dedupe read it (it is read twice: to cluster, then to copy the kept records)",
                      source=source)


def _copy_records(f, positions, keys, ids, kept_of, kept_sink, dropped_sink, on_written) -> None:
    j = 0
    for rec in f.records():
        if isinstance(rec, InputError):
            if isinstance(rec, FormatError):
                raise rec
            continue  # skipped on the first read too
        if j >= len(positions):
            break
        k = positions[j]
        if _key(f.format, rec) != keys[k]:
            continue  # a record the first read refused (a repeated id)
        if rec.id != ids[k]:
            raise _changed(f.source)
        j += 1
        target = kept_of[k]
        if target == k:
            kept_sink.write(rec, None)
        elif dropped_sink is not None:
            dropped_sink.write(rec, ids[target])
        if on_written is not None:
            on_written(1)
    if j != len(positions):
        raise _changed(f.source)


def _copy_parquet(f, positions, keys, ids, kept_of, kept_sink, dropped_sink, on_written) -> None:
    import pyarrow as pa

    where = {keys[k]: k for k in positions}  # row (from 1) -> position
    seen = 0
    for first, batch in f.arrow_batches():
        n = batch.num_rows
        pos = [where.get(first + r + 1, -1) for r in range(n)]
        keep = [p >= 0 and kept_of[p] == p for p in pos]
        kept_sink.write_batch(f, batch.filter(pa.array(keep, type=pa.bool_())), None)
        if dropped_sink is not None:
            drop = [p >= 0 and kept_of[p] != p for p in pos]
            values = [ids[kept_of[p]] for p in pos if p >= 0 and kept_of[p] != p]
            dropped_sink.write_batch(f, batch.filter(pa.array(drop, type=pa.bool_())), values)
        done = sum(p >= 0 for p in pos)
        seen += done
        if on_written is not None and done:
            on_written(done)
    if seen != len(positions):
        raise _changed(f.source)
