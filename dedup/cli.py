"""The ``dedup`` command line.

dedup cluster INPUT... reads JSON Lines, CSV, TSV or Parquet files (an id and a text per record;
gzip, bz2, xz or zstd compressed too), directories of .txt files, or - (standard input), and writes one
result per document, in input order: its id, its cluster (the representative's id), whether it is the
representative, its similarity to the representative and the cluster size.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import os
import re
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import __version__
from ._batching import chunks
from .deduplicator import Deduplicator
from .errors import ConfigError, DedupError, InputError
from .formats import FORMATS
from .io import DEFAULT_MAX_BYTES, OUTPUT_FORMATS, ResultRows, SkipLog, open_output, output_format, read_inputs, require_stdout, stdin_buffer, write_results_to
from .params import INDEX_PARAMS, Params, settings

_MATCHING = "matching (defaults are the best general setting)"
_MATCHING_STORED = "matching (set when the index is created; for an existing one, omit them or repeat its values)"


def _add_param_options(p: argparse.ArgumentParser, *, stored: bool = False) -> argparse._ArgumentGroup:
    """The matching options, one per :class:`~dedup.Params` field, generated from ``dedup.params.settings()``
    (names, types, defaults, help): ``--threshold``, ..., ``--no-normalize``.

    With ``stored`` (commands that may create an index) only the parameters an index stores are offered and
    none has a default here: unset means "as the index stores it" (the default for a new index)."""
    g = p.add_argument_group(_MATCHING_STORED if stored else _MATCHING)
    offered = [s for s in settings() if not stored or s.name in INDEX_PARAMS]
    for s in sorted(offered, key=lambda s: s.type is bool):  # the values, then the switches
        option = s.name.replace("_", "-")
        default = None if stored else s.default
        if s.type is bool:  # a switch on by default: its option turns it off
            g.add_argument(f"--no-{option}", dest=s.name, action="store_const", const=False, default=default, help=s.help)
        else:
            g.add_argument(f"--{option}", type=s.type, choices=s.choices, default=default,
                           help=f"{s.help} (default {s.default})".replace("%", "%%"))
    return g


def _params(args: argparse.Namespace) -> dict:
    return {name: getattr(args, name) for name in Params.names()}


def _int_at_least(value: str, low: int, what: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if n < low:
        raise argparse.ArgumentTypeError(f"must be {what}, got {n}")
    return n


def _positive_int(value: str) -> int:
    return _int_at_least(value, 1, "at least 1")


def _max_bytes(value: str) -> int | None:
    """``--max-bytes``: a positive limit, or 0 for none."""
    return _int_at_least(value, 0, "0 (no limit) or more") or None


def _max_bytes_option(p: argparse.ArgumentParser, record: str = "a record (JSON line, CSV record, Parquet row's text or .txt file)") -> None:
    p.add_argument(
        "--max-bytes", type=_max_bytes, default=DEFAULT_MAX_BYTES, metavar="N",
        help=f"{record} over N bytes is a bad record: an error naming file and line, or skipped with "
        f"--on-error skip; it is not parsed or kept (default {DEFAULT_MAX_BYTES} = {DEFAULT_MAX_BYTES >> 20} MiB, "
        "which keeps one record's peak memory near 1.2 GB; 0 for no limit)",
    )


_INPUTS_HELP = ("JSON Lines, CSV, TSV or Parquet file (by extension; gzip, bz2, xz, zstd by magic bytes or extension), "
                "a directory of .txt files, or - for standard input")

FORMATS_EPILOG = """input formats (by extension, or --input-format):
  .jsonl .ndjson .json   JSON Lines: one JSON object per line (a JSON array file is refused, with how to convert it)
  .csv  .tsv             CSV / TSV with a header line; quoted fields may hold newlines; every value is a string
  .parquet               Parquet (needs pyarrow: pip install 'dedup-reprints[parquet]'), read row group by row group
  .txt, DIRECTORY        one document per file, its id the file name without .txt
  + .gz .bz2 .xz .zst    compressed (zstd needs pip install 'dedup-reprints[zstd]'); compressed streams and Parquet are
                         also recognized by their first bytes, under any name and on standard input
  -                      standard input: JSON Lines unless its first bytes say otherwise (or --input-format)

fields:
  --id-field NAME        the id: a string or an integer (CSV: always a string)
  --text-field A,B       the text; several fields (comma-separated or repeated) are joined in that order
                         with a blank line between them: "title\\n\\nbody"
  A record without the id or a text field is a bad record; the message lists the fields it has."""


def _add_input_options(p: argparse.ArgumentParser) -> None:
    """How records are read: fields, format, bad records, size limit (cluster, filter, index add|query)."""
    p.add_argument("--id-field", default="id", metavar="NAME", help="field (column) holding the id (default %(default)s)")
    p.add_argument(
        "--text-field", action="append", metavar="NAME[,NAME...]",
        help="field (column) holding the text (default text); several, comma-separated or repeated, are joined in "
        "the given order with a blank line between them (title + body: --text-field title,body)",
    )
    p.add_argument("--input-format", choices=FORMATS, default=None,
                   help="read every input as this format instead of by its extension (compression is still recognized "
                   "by its magic bytes; a Parquet file always is)")
    p.add_argument("--on-error", choices=["fail", "skip"], default="fail", help="bad records: stop (default) or skip and report")
    _max_bytes_option(p)


def _text_fields(args: argparse.Namespace) -> list[str]:
    """``--text-field`` values split at commas: the fields joined into the text, in order."""
    names = [name.strip() for value in (args.text_field or ["text"]) for name in value.split(",")]
    if not all(names):
        raise ConfigError(f"--text-field: empty field name in {','.join(args.text_field)!r}")
    return names


def _add_progress_options(p: argparse.ArgumentParser, quiet: bool = True) -> None:
    """``--progress/--no-progress`` (and ``-q``): progress bars on standard error."""
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bars on standard error: documents read and signed (bytes, rate, ETA), clustering "
                   "steps, records written (default: shown when standard error is a terminal, and not with --quiet)")
    if quiet:
        p.add_argument("-q", "--quiet", action="store_true", help="no summary and no progress bar on standard error")


def _progress(args: argparse.Namespace):
    from .progress import Progress, wanted

    return Progress(wanted(getattr(args, "progress", None), getattr(args, "quiet", False)))


def _all_skipped(read: int, skipped: SkipLog) -> int:
    """The exit code of a run that read ``read`` records: 1 when there were records and every one was skipped."""
    if read == 0 and skipped.total:
        print(f"dedup: error: every record was skipped ({skipped.total}); nothing was processed", file=sys.stderr)
        return 1
    return 0


JOBS_PER_CORE = 4
_JOBS_HELP = (f"threads of the compiled core (normalizing, signing, verifying), at most {JOBS_PER_CORE} per usable core; "
              "results do not depend on it (default: all cores)")


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _jobs(args: argparse.Namespace) -> int | None:
    """``--jobs``, capped at :data:`JOBS_PER_CORE` per usable core with one warning (``--jobs 300`` forked 300 processes)."""
    n = getattr(args, "jobs", None)
    if n is None:
        return None
    cores = _usable_cores()
    cap = JOBS_PER_CORE * cores
    if n > cap:
        print(f"dedup: warning: --jobs {n} is more than {JOBS_PER_CORE} per usable core ({cores} usable); using {cap}", file=sys.stderr)
        return cap
    return n


_MAIN_EPILOG = """commands at a glance:
  dedup cluster corpus.jsonl > clusters.jsonl     one row per document: its cluster, representative, similarity
  dedup dedupe corpus.jsonl -o unique.jsonl       the corpus with one copy of each document
  dedup explain a.txt b.txt                       whether two texts match, and why
  dedup filter --index seen.dedup new.jsonl       pass through what the index has not seen, and add it
  dedup report corpus.jsonl -o report.html        an HTML page to review the duplicates before deleting them
  dedup index stats --index seen.dedup            the index's size, times and parameters

'dedup COMMAND --help' explains each command, its options and its output."""

_CLUSTER_EPILOG = """output, one JSON line (or CSV/TSV/Parquet row) per input document, in input order:
  id                 the document's id
  cluster            the id of its cluster's representative (a document without duplicates: its own id)
  is_representative  true for the one document per cluster that stands for it: the fullest version
                     (the most distinct shingles; ties go to the earliest)
  similarity         the similarity of the verified match that placed it in its cluster, the larger of
                     estimated Jaccard and containment (1.0 for a representative)
  cluster_size       how many documents its cluster has
  {"id": "b", "cluster": "a", "is_representative": false, "similarity": 0.93, "cluster_size": 2}
A summary (documents, clusters, duplicates) goes to standard error; exit code 0, 1 on an error.

examples:
  dedup cluster seeds/
  dedup cluster articles.jsonl -o clusters.jsonl
  cat feed.jsonl | dedup cluster - --id-field url --text-field title,body
  dedup cluster news.parquet -o clusters.parquet
  dedup cluster a.jsonl b.jsonl --format csv -o clusters.csv --on-error skip

""" + FORMATS_EPILOG

_EXPLAIN_EPILOG = """output: MATCH or NO MATCH, the estimated and exact similarities, each difference the word
alignment found and its kind (noise, cut, figure, name), and the part of the rule that decided; with --json
the same as one JSON object (match, decided_by, the similarities, the differences).

examples:
  dedup explain a.txt b.txt
  dedup explain a.txt b.txt --json
  curl -s https://example.org/story | dedup explain - saved.txt"""

_FILTER_EPILOG = """output: the kept records on standard output; with --report, one JSON line per dropped one:
  {"id": "b", "matched": "a", "similarity": 0.93, "reason": "near-duplicate"}
  (reason: near-duplicate, id already indexed, or id already indexed, different text)
A summary (read, kept, dropped, index size) goes to standard error.

examples:
  cat today/*.jsonl | dedup filter --index seen.dedup > fresh.jsonl
  dedup filter --index seen.dedup feed.csv --report dropped.jsonl > fresh.jsonl

""" + FORMATS_EPILOG

_INDEX_EPILOG = """examples:
  dedup index add --index seen.dedup archive.jsonl
  dedup index query --index seen.dedup probe.jsonl
  dedup index remove --index seen.dedup id-17 id-18
  dedup index stats --index seen.dedup
  dedup index expire --index seen.dedup --older-than 30d"""

_ADD_EPILOG = """Adds every record without checking it against the index. A record whose id is already in the index
(or earlier in the input) is a bad record named by its file and line: the run stops and its batch is rolled
back, or with --on-error skip it is left out and counted. Summary on standard error: documents added, index size.

example:
  dedup index add --index seen.dedup archive.jsonl.gz

""" + FORMATS_EPILOG

_QUERY_EPILOG = """output, one JSON line per input document, in input order (nothing is added to the index):
  id          the document's id
  match       the id of its best match in the index, or null
  similarity  that match's similarity (the larger of estimated Jaccard and containment), or null
  {"id": "q1", "match": "a", "similarity": 0.93}

example:
  dedup index query --index seen.dedup probe.jsonl

""" + FORMATS_EPILOG

_STATS_EPILOG = """output: one JSON object:
  documents, stored_texts           documents held, and how many with their (normalized) text for the alignment
  oldest_added, newest_added        when the first and the last were added: ISO 8601, UTC (null when empty)
  bytes_on_disk, bytes_in_use       the file's size, and the part of it in use
  bytes_per_million_documents       bytes on disk scaled to a million documents
  band_entries, logged_band_entries LSH band entries, and those in the append-only log not yet merged
  base_rewrites, capped_buckets     merges of the log so far; band keys whose bucket is full (max_bucket)
  params, bands, rows               the matching parameters stored in the file, and the LSH shape
  path, schema_version, backend, key_scheme

example:
  dedup index stats --index seen.dedup"""

_REMOVE_EPILOG = """example:
  dedup index remove --index seen.dedup id-17 42

Says how many were removed and what the index holds on standard error; exit code 1 when an id is not in the index."""

_EXPIRE_EPILOG = """examples:
  dedup index expire --index seen.dedup --older-than 30d
  dedup index expire --index seen.dedup --older-than 3600"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dedup", description="Find near-duplicate documents and group reprints.",
                                     epilog=_MAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dedup {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    c = sub.add_parser("cluster", help="group near-duplicate documents", description=__doc__.split("\n\n")[1],
                       epilog=_CLUSTER_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("inputs", nargs="+", metavar="INPUT", help=_INPUTS_HELP)
    c.add_argument("-o", "--output", metavar="FILE",
                   help="write here instead of standard output (.gz, .bz2, .xz or .zst compresses; .parquet writes Parquet)")
    c.add_argument("--format", choices=OUTPUT_FORMATS, default=None,
                   help="output format (default: by -o's extension, .csv, .tsv or .parquet, else jsonl)")
    _add_input_options(c)
    c.add_argument("--jobs", type=_positive_int, default=None, metavar="N", help=_JOBS_HELP)
    c.add_argument(
        "--engine", choices=["local", "spark"], default="local",
        help="local (default) or spark: the same clusters computed on Apache Spark (needs dedup-reprints[spark])",
    )
    c.add_argument("--master", default=None, metavar="URL", help="Spark master for --engine spark (default local[*]); needs --engine spark")
    _add_progress_options(c)
    _add_param_options(c)
    c.set_defaults(func=cmd_cluster)
    _add_dedupe_command(sub)
    _add_index_commands(sub)
    _add_report_command(sub)
    return parser


def _check_output(path: str | None) -> None:
    """Refuse an output path that cannot be written before the work, not after it (the file is
    only opened, and so truncated, once the clusters are ready)."""
    if path is None or path == "-":
        require_stdout()
        return
    if not path:
        raise ConfigError("-o: the output path is empty")
    out = Path(path)
    if out.is_dir() or path.endswith(("/", os.sep)):
        raise ConfigError(f"{path}: cannot write the output: is a directory")
    if out.exists():
        # An existing file (or device such as /dev/null) needs only its own permission.
        if not os.access(out, os.W_OK):
            raise ConfigError(f"{path}: cannot write the output: permission denied")
        return
    parent = out.parent
    if not parent.is_dir():
        raise ConfigError(f"{path}: cannot write the output: no directory {str(parent)!r}")
    if not os.access(parent, os.W_OK):
        raise ConfigError(f"{path}: cannot write the output: permission denied")


def _cluster_inputs(args: argparse.Namespace, skipped: SkipLog, progress, records=None):
    """``(ids, clustering)`` of the inputs' records (or of ``records``: ``(id, text)`` pairs) on the chosen engine."""
    from .io import iter_batches

    batches = None
    if records is None:  # read in batches: a block of JSON Lines at a time (the same records, errors and skips)
        files: list = []
        batches = progress.reading_batches(
            iter_batches(args.inputs, args.id_field, _text_fields(args), args.on_error, skipped, max_bytes=args.max_bytes,
                         unique_ids=True, input_format=args.input_format, on_input=files.append), args.inputs, files)
    if args.engine == "spark":
        from .spark import cluster_records

        if batches is not None:
            records = (pair for ids, texts in batches for pair in zip(ids, texts))
        return cluster_records(records, master=args.master, **_params(args))
    engine = Deduplicator(n_jobs=_jobs(args), **_params(args))
    if batches is None:
        engine.add_many(records)
    else:
        engine.add_batches(batches)
    step = progress.stages(f"clustering {len(engine):,} documents", engine.CLUSTER_STAGES)
    try:
        result = engine.clusters(on_stage=step)
    finally:
        step.close()
    return engine.ids, result


def cmd_cluster(args: argparse.Namespace) -> int:
    if args.master is not None and args.engine != "spark":
        raise ConfigError("--master is for --engine spark; add --engine spark or drop --master")
    _check_output(args.output)
    fmt, compression = output_format(args.output, args.format)
    if fmt == "parquet":
        from .formats import pyarrow_parquet

        pyarrow_parquet()  # say that pyarrow is missing before the work, not after it
    elif compression == "zstd":
        from .formats import zstd_module

        zstd_module()
    skipped = SkipLog()
    progress = _progress(args)
    ids, result = _cluster_inputs(args, skipped, progress)
    if _all_skipped(len(ids), skipped):
        _report_skips(skipped)
        return 1
    rows = ResultRows(ids, result.labels.tolist(), result.is_representative.tolist(), result.similarity.tolist())
    write_results_to(rows, args.output, fmt, ids=ids)
    if not args.quiet:
        dup_clusters = sum(1 for n in rows.sizes.values() if n > 1)
        print(
            f"dedup: {len(ids)} documents, {result.n_clusters} clusters, "
            f"{dup_clusters} with duplicates ({len(ids) - result.n_clusters} duplicates)",
            file=sys.stderr,
        )
    _report_skips(skipped)
    return 0


# -- deduplicated output: `dedup dedupe` ------------------------------------------------------------------------

_DEDUPE_DOC = """Write the inputs with one copy of each document: the records to keep, byte for byte as read, in input
order and in the inputs' format (JSON Lines, CSV, TSV, Parquet; compressed by -o's name), and with --dropped
the others, each with one more field, duplicate_of: the id of the record kept in its place.

Which record a group of near-duplicates keeps (--keep): representative (default), the fullest version
(the most distinct shingles; ties go to the earliest), the one dedup cluster marks is_representative; or
first, the earliest in input order. The groups are those of dedup cluster with the same options.

Every input must have the same format (CSV/TSV and Parquet: the same columns). A directory of .txt files
(or .txt files) is copied file by file: -o and --dropped are then directories, and the dropped one also
gets duplicate_of.jsonl, one {"id": ..., "duplicate_of": ...} line per dropped file. Inputs are read twice
(to cluster, then to copy), so a pipe must come as standard input (-), which is copied to a temporary
file. Outputs are written beside their final name and renamed into place at the end: a failed run leaves
no partial file."""

_DEDUPE_EPILOG = """examples:
  dedup dedupe corpus.jsonl -o unique.jsonl
  dedup dedupe part-*.jsonl.gz -o unique.jsonl.gz --dropped dropped.jsonl.gz
  dedup dedupe news.csv --text-field title,body --keep first -o unique.csv
  dedup dedupe data.parquet -o unique.parquet
  dedup dedupe articles/ -o unique/ --dropped dropped/
  zcat dump.jsonl.gz | dedup dedupe - > unique.jsonl

a dropped JSON line (the kept one's id added at its end):
  {"id": "b", "text": "MARKETS RALLY on rate cut!", "duplicate_of": "a"}

summary on standard error: documents read, kept, dropped; exit code 0, or 1 on an error (nothing written).

""" + FORMATS_EPILOG


def _add_dedupe_command(sub: argparse._SubParsersAction) -> None:
    from .cluster import KEEP_RULES

    d = sub.add_parser("dedupe", help="write the inputs without their near-duplicates (one record per group)",
                       description=_DEDUPE_DOC, epilog=_DEDUPE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("inputs", nargs="+", metavar="INPUT", help=_INPUTS_HELP)
    d.add_argument("-o", "--output", metavar="OUT",
                   help="the kept records (default: standard output); .gz, .bz2, .xz or .zst compresses; a directory for .txt inputs")
    d.add_argument("--dropped", metavar="FILE", help="also write the dropped records here, each with the id of the record kept in its place")
    d.add_argument("--keep", choices=KEEP_RULES, default="representative",
                   help="which record of each group to keep: representative (the fullest version, default) or first (in input order)")
    d.add_argument("--duplicate-of-field", default="duplicate_of", metavar="NAME",
                   help="name of the field (column) the dropped records get (default %(default)s)")
    _add_input_options(d)
    d.add_argument("--jobs", type=_positive_int, default=None, metavar="N", help=_JOBS_HELP)
    d.add_argument("--engine", choices=["local", "spark"], default="local",
                   help="local (default) or spark: the same groups computed on Apache Spark (needs dedup-reprints[spark])")
    d.add_argument("--master", default=None, metavar="URL", help="Spark master for --engine spark (default local[*]); needs --engine spark")
    _add_progress_options(d)
    _add_param_options(d)
    d.set_defaults(func=cmd_dedupe)


def cmd_dedupe(args: argparse.Namespace) -> int:
    from .writeback import deduplicate_files

    if args.master is not None and args.engine != "spark":
        raise ConfigError("--master is for --engine spark; add --engine spark or drop --master")
    for path in (args.output, args.dropped):
        if path is not None and path != "-" and (Path(path).is_dir() or path.endswith(("/", os.sep))):
            continue  # a directory: for .txt inputs (checked once the inputs' format is known)
        if path is not None:
            _check_output(path)
    progress = _progress(args)
    files: list = []  # the inputs as they are opened: their read positions move the reading bar

    state: dict = {"n": 0, "bar": None}

    def cluster(records):
        ids, clustering = _cluster_inputs(args, SkipLog(), progress, records=progress.reading(records, args.inputs, files))
        state["n"] = len(ids)
        return ids, clustering

    def written(n: int) -> None:  # the writing bar starts with the second read
        if state["bar"] is None:
            state["bar"] = progress.bar("writing", total=state["n"])
        state["bar"].update(n)

    try:
        result = deduplicate_files(
            args.inputs, args.output, args.dropped, keep=args.keep, cluster=cluster, id_field=args.id_field,
            text_field=_text_fields(args), on_error=args.on_error, max_bytes=args.max_bytes, input_format=args.input_format,
            duplicate_of_field=args.duplicate_of_field, on_input=files.append, on_written=written if progress.enabled else None,
        )
    finally:
        if state["bar"] is not None:
            state["bar"].close()
    if _all_skipped(len(result.ids), result.skipped):
        _report_skips(result.skipped)
        return 1
    if not args.quiet:
        dropped = result.kept_of != np.arange(len(result.ids))
        groups = len(set(result.kept_of[dropped].tolist()))
        print(f"dedup: {len(result.ids)} documents, {result.kept} kept, {result.dropped} dropped "
              f"(near-duplicates of {groups} kept documents)", file=sys.stderr)
    _report_skips(result.skipped)
    return 0


# -- persistent index: `dedup filter` and `dedup index ...` ---------------------------------------

_FILTER_DOC = """Pass through the JSONL lines whose document is not a near-duplicate of anything in the index
or earlier in the input, byte for byte, and add them to the index (created if missing). Other inputs (CSV,
TSV, Parquet, .txt files) are read too; their kept records are written as JSON lines of their fields.
Running it twice on the same input emits nothing the second time: a document whose id is already
indexed counts as seen and is dropped (with a warning when its text differs from the indexed one).
Delivery is at-least-once: each batch's lines are written and flushed before the batch is committed to the
index, so no document is indexed without its line having been written. If writing fails (a closed pipe, a
full disk) the batch is rolled back and the error says how many documents were not indexed; after a crash
a rerun may emit up to one batch's lines a second time, never zero times. Ctrl-C and SIGTERM finish the
batch in progress (exit 130 and 143)."""


def _add_index_param_options(p: argparse.ArgumentParser) -> None:
    """Matching options for commands that may create an index: unset means "as stored" (or the default for a new index)."""
    g = _add_param_options(p, stored=True)
    g.add_argument("--max-bucket", type=int, help="documents kept per LSH band key (default 8)")


def _index_common(p: argparse.ArgumentParser, inputs: bool = True) -> None:
    p.add_argument("--index", required=True, metavar="PATH", help="index file (SQLite)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for another writer (default %(default)s)")
    if inputs:
        p.add_argument("inputs", nargs="*", default=["-"], metavar="INPUT", help=_INPUTS_HELP + " (also when none is given)")
        _add_input_options(p)
        p.add_argument("--batch-size", type=int, default=500, metavar="N", help="documents per transaction (default %(default)s)")
        p.add_argument("--jobs", type=_positive_int, default=None, metavar="N", help=_JOBS_HELP)
        p.add_argument("--cache-signatures", action="store_true",
                       help="also keep the index's signatures in memory (1,156 bytes per stored document at the "
                       "defaults); same results, rarely faster")


def _add_index_commands(sub: argparse._SubParsersAction) -> None:
    """The commands that compare two documents or use an index: ``explain``, ``filter``, and ``index`` with its
    actions."""
    _add_explain_command(sub)
    _add_filter_command(sub)
    _add_index_group(sub)


def _add_explain_command(sub: argparse._SubParsersAction) -> None:
    x = sub.add_parser(
        "explain", help="say whether two documents match and why",
        description="Say whether two documents match and why: estimated and exact similarity, the aligned "
        "differences (noise, cut, figure, name) and the part of the rule that decided. Exit code 0 for a match, 2 for none.",
        epilog=_EXPLAIN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    x.add_argument("a", metavar="A", help="a text file, or - for standard input")
    x.add_argument("b", metavar="B", help="a text file")
    x.add_argument("--json", action="store_true", help="print the explanation as JSON")
    _add_param_options(x)
    x.set_defaults(func=cmd_explain)


def _add_filter_command(sub: argparse._SubParsersAction) -> None:
    f = sub.add_parser("filter", help="drop near-duplicates of an index's documents, add the rest", description=_FILTER_DOC,
                       epilog=_FILTER_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _index_common(f)
    f.add_argument("--report", metavar="FILE", help="write one JSON line per dropped document: its id, what it matched, similarity, reason")
    _add_progress_options(f)
    _add_index_param_options(f)
    f.set_defaults(func=cmd_filter)


def _add_index_group(sub: argparse._SubParsersAction) -> None:
    """``dedup index`` and its actions: add, query, remove, stats, expire."""
    ix = sub.add_parser("index", help="manage a persistent near-duplicate index",
                        description="Manage a persistent near-duplicate index (one SQLite file).",
                        epilog=_INDEX_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    isub = ix.add_subparsers(dest="index_command", metavar="ACTION")
    isub.required = True
    a = isub.add_parser("add", help="add documents without checking them", epilog=_ADD_EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    _index_common(a)
    _add_progress_options(a)
    _add_index_param_options(a)
    a.set_defaults(func=cmd_index_add)
    q = isub.add_parser("query", help="print each document's best match in the index (adds nothing)", epilog=_QUERY_EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    _index_common(q)
    _add_progress_options(q)
    q.set_defaults(func=cmd_index_query)
    r = isub.add_parser("remove", help="remove documents by id", epilog=_REMOVE_EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    _index_common(r, inputs=False)
    r.add_argument("ids", nargs="+", metavar="ID",
                   help="ids; an ID written as a JSON integer (ASCII digits, optional -, no leading zeros) also removes that integer id; "
                   "an id not in the index is reported and the exit code is 1 (the others are removed)")
    r.set_defaults(func=cmd_index_remove)
    st = isub.add_parser("stats", help="print the index's size, time range and parameters as JSON", epilog=_STATS_EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    _index_common(st, inputs=False)
    st.set_defaults(func=cmd_index_stats)
    e = isub.add_parser("expire", help="remove documents added longer ago than a duration", epilog=_EXPIRE_EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    _index_common(e, inputs=False)
    e.add_argument("--older-than", required=True, metavar="AGE", help="seconds, or a number with s, m, h or d (e.g. 30d)")
    e.set_defaults(func=cmd_index_expire)


def _open_index(args: argparse.Namespace, create: bool):
    from .index import Index

    params = {}
    if create:
        params = {k: getattr(args, k) for k in INDEX_PARAMS if getattr(args, k, None) is not None}
        if getattr(args, "max_bucket", None) is not None:
            params["max_bucket"] = args.max_bucket
    if "-" in getattr(args, "inputs", ()):
        stdin_buffer()  # closed standard input: say so before the index is opened or created
    batch = getattr(args, "batch_size", 500)
    if batch < 1:
        raise ConfigError(f"--batch-size must be positive, got {batch}")
    return Index.open(args.index, create=create, timeout=args.timeout, batch_size=batch, n_jobs=_jobs(args),
                      cache_signatures=getattr(args, "cache_signatures", False), **params)


def _cleans_new_index(cmd):
    """For a command that may create its ``--index``: when the run fails and the index file did not exist before
    it, remove the (empty) file it created, so that a failed first ``dedup filter`` leaves nothing behind. A file
    that holds documents (another process may have added some) is left alone."""
    import functools

    @functools.wraps(cmd)
    def run(args: argparse.Namespace) -> int:
        existed = os.path.lexists(args.index)
        try:
            code = cmd(args)
        except BaseException:
            if not existed:
                _remove_if_empty(args.index)
            raise
        if code and not existed:  # e.g. every record was skipped
            _remove_if_empty(args.index)
        return code

    return run


def _remove_if_empty(path: str) -> None:
    from .index import Index

    try:
        with Index.open(path, create=False, timeout=0.5) as index:
            empty = len(index) == 0
    except Exception:  # not ours, locked, or gone: leave it
        return
    if empty:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(path + suffix)


def _raw_records(args: argparse.Namespace, skipped: SkipLog, passthrough: bool = False):
    """``(id, text, line)`` per record of the inputs; bad records raise or are skipped per ``--on-error``.

    With ``passthrough`` the line is what ``dedup filter`` writes for the record, as UTF-8: a JSON Lines
    input's line as read (a byte-order mark dropped, UTF-16 re-encoded, decompressed), so lines passed through
    from several inputs concatenate to valid JSONL; a CSV/TSV or Parquet record's fields as a JSON object (CSV
    values are strings); a .txt file's id and text. Without it the line is ``b""``.
    """
    from .io import iter_records

    fields = _text_fields(args)
    files: list = []
    recs = iter_records(args.inputs, args.id_field, fields, args.on_error, skipped, max_bytes=args.max_bytes,
                        unique_ids=False, input_format=args.input_format, all_columns=passthrough, on_input=files.append)
    for rec in _progress(args).reading(recs, args.inputs, files, desc="reading"):
        if not passthrough:
            line = b""
        elif rec.fields is None and rec.raw is not None:  # a JSON line
            line = rec.raw
        else:
            obj = rec.fields if rec.fields is not None else {args.id_field: rec.id, fields[0]: rec.text}
            line = json.dumps(obj, ensure_ascii=False, default=_json_value).encode("utf-8", "surrogatepass") + b"\n"
        yield rec.id, rec.text, line


def _json_value(value):
    """JSON for the Parquet values json cannot write: dates and times in ISO 8601, decimals and durations as
    strings, bytes as UTF-8 text (else as a list of byte values)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return list(value)
    return str(value)


def _report_skips(skipped: SkipLog) -> None:
    if skipped.total:
        print(f"dedup: {skipped.summary()}", file=sys.stderr)
        for example in skipped.examples:
            print(f"dedup:   {example}", file=sys.stderr)


class _Terminated(Exception):
    """SIGTERM (what ``timeout``, docker and Kubernetes send) arrived: ``dedup filter`` stops like on Ctrl-C."""


class _OutputFailed(DedupError):
    """Writing ``dedup filter``'s output failed; the batch in progress was rolled back."""


class _HeldSignals:
    """SIGINT (Ctrl-C) and SIGTERM during ``dedup filter``: held back while a batch is checked, written and committed
    (:meth:`hold`), raised at once otherwise, as ``KeyboardInterrupt`` and :class:`_Terminated`.

    So a stopped ``dedup filter`` has committed only batches whose lines it wrote, and wrote only whole lines. A
    second signal during a batch stops at once (e.g. while waiting for a locked index): the open transaction
    rolls back, and lines of that batch may have been written (a rerun writes them again) or cut.
    A signal that the process inherited as ignored stays ignored.
    """

    def __enter__(self) -> _HeldSignals:
        self.holding = False
        self.pending: int | None = None
        self.saved: dict[int, Any] = {}  # what signal.signal returned: a handler, SIG_DFL or SIG_IGN
        if threading.current_thread() is threading.main_thread():
            for sig, default in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL)):
                if signal.getsignal(sig) is default:
                    self.saved[sig] = signal.signal(sig, self._handler)
        return self

    @staticmethod
    def _raise(signum: int) -> None:
        raise KeyboardInterrupt if signum == signal.SIGINT else _Terminated

    def _handler(self, signum, frame) -> None:
        if not self.holding or self.pending is not None:
            self._raise(signum)
        self.pending = signum

    @contextlib.contextmanager
    def hold(self):
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending is not None:
            self._raise(self.pending)

    def __exit__(self, *exc) -> None:
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)


def _drop_stdout() -> None:
    """After a failed write to standard output: send what is still buffered to /dev/null, so that the
    interpreter's final flush does not fail again ("Exception ignored ...")."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _same_file(a: str, b: str) -> bool:
    """Whether paths ``a`` and ``b`` name one file: the same device and inode when both exist, else the same
    resolved path (symbolic links followed)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _refuse_index_as_output(index: str, **outputs: str | None) -> None:
    """Refuse, before anything is opened, an output that is the index file or its -wal, -shm or -journal file:
    opening it for writing would truncate the index (``dedup filter --index x --report x``). Standard output
    counts too when it is redirected to one of them (``>> x``)."""
    files = [index + suffix for suffix in ("", "-wal", "-shm", "-journal")]
    for option, path in outputs.items():
        if path is None:
            continue
        for f in files:
            if _same_file(path, f):
                raise ConfigError(f"{path}: --{option} is the index file {f}; refusing to write over the index")
    try:
        st = os.fstat(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # closed, or not a real file (tests)
        return
    for f in files:
        try:
            other = os.stat(f)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (other.st_dev, other.st_ino):
            raise ConfigError(f"<stdout>: standard output is the index file {f}; refusing to write over the index")


def _write_all(out, data: bytes) -> None:
    """``out.write(data)``, all of it: a buffered writer whose pipe closes part way returns a short count
    instead of raising (and drops the rest); the retry raises the error (``BrokenPipeError``)."""
    view = memoryview(data)
    while view:
        n = out.write(view)
        if not n:
            raise OSError(errno.EIO, f"write accepted {n!r} of {len(view)} bytes")
        view = view[n:]


@_cleans_new_index
def cmd_filter(args: argparse.Namespace) -> int:
    """Each batch is one transaction, and its lines (and report rows) are written and flushed inside it, before
    the commit: no document is indexed without its line having been written. When writing fails the batch rolls
    back and the error says how many new documents were not indexed; a crash (SIGKILL, power loss) between the
    write and the commit leaves written lines unindexed, which a rerun writes again. So delivery is
    at-least-once: never zero times, at most one batch twice. Ctrl-C and SIGTERM are held back until the batch
    in progress is written and committed (see :class:`_HeldSignals`)."""
    skipped = SkipLog()
    out = require_stdout().buffer
    _refuse_index_as_output(args.index, report=args.report)
    report = open(args.report, "w", encoding="utf-8") if args.report else None
    totals = _FilterCounts()
    try:
        with _HeldSignals() as signals, _open_index(args, create=True) as index:
            for batch in chunks(_raw_records(args, skipped, passthrough=True), args.batch_size):
                totals.add(_filter_batch(index, batch, signals, out, report, args.report, before=totals.kept))
            total = len(index)
    finally:
        if report is not None:
            report.close()
    read, kept, same_id = totals.read, totals.kept, totals.same_id
    if not args.quiet:
        why = f" ({read - kept - same_id} near-duplicates, {same_id} ids already indexed)" if same_id else ""
        print(f"dedup: {read} documents, {kept} kept, {read - kept} dropped{why}; index holds {total}", file=sys.stderr)
    if totals.unlike:
        print(f"dedup: warning: {totals.unlike} documents dropped because their id is already indexed with a different text "
              "(the indexed text is kept; remove the id first to replace it)", file=sys.stderr)
    _report_skips(skipped)
    return _all_skipped(read, skipped)


@dataclass
class _FilterCounts:
    """What ``dedup filter`` did with the records it read: kept (new, so written and indexed), dropped for an id
    already indexed (``same_id``), and of those, dropped although their text is another (``unlike``)."""

    read: int = 0
    kept: int = 0
    same_id: int = 0
    unlike: int = 0

    def add(self, other: _FilterCounts) -> None:
        self.read += other.read
        self.kept += other.kept
        self.same_id += other.same_id
        self.unlike += other.unlike


def _filter_batch(index: Any, batch: list[tuple[Any, str, bytes]], signals: _HeldSignals, out: Any, report: IO[str] | None,
                  report_path: str | None, before: int) -> _FilterCounts:
    """One batch of ``dedup filter`` in one transaction: checked and added, its kept lines and report rows written
    inside the transaction, before the commit (signals held meanwhile). ``before`` is how many documents were
    written and indexed before it. Returns what the batch held."""
    counts = _FilterCounts(read=len(batch))
    written = 0  # new documents of this batch whose lines were written

    def emit(results: list[Any]) -> None:
        nonlocal written
        lines, rows = _filtered(batch, results, counts, with_rows=report is not None)
        _write_filtered(out, lines, report, report_path, rows, before)
        written = len(lines)

    with signals.hold():
        try:
            index.check_and_add_many([(i, t) for i, t, _ in batch], on_duplicate_id="skip", before_commit=emit)
        except _OutputFailed:
            raise
        except DedupError:  # e.g. the disk filled at the commit, after the lines were written
            if written:
                print(f"dedup: the {written} new documents of the rolled-back batch were written before the "
                      "failure but are not in the index: a rerun emits them again", file=sys.stderr)
            raise
    return counts


def _filtered(batch: list[tuple[Any, str, bytes]], results: list[Any], counts: _FilterCounts,
              with_rows: bool) -> tuple[list[bytes], list[str]]:
    """The lines ``dedup filter`` passes through for a checked batch (those of its new documents, each ending in a
    newline) and, ``with_rows``, the report rows of the dropped ones; ``counts`` counts both."""
    lines, rows = [], []
    for (doc_id, _, raw), match in zip(batch, results):
        if match is None:
            counts.kept += 1
            lines.append(raw if raw.endswith(b"\n") else raw + b"\n")
            continue
        # A record whose id is already held is dropped as seen; say so when its text is not alike.
        reason = "near-duplicate"
        if match.id == doc_id:
            counts.same_id += 1
            reason = "id already indexed"
            if not match.near_duplicate:
                counts.unlike += 1
                reason = "id already indexed, different text"
        if with_rows:
            row = {"id": doc_id, "matched": match.id, "similarity": round(match.similarity, 4), "reason": reason}
            rows.append(json.dumps(row, ensure_ascii=False) + "\n")
    return lines, rows


def _write_filtered(out: Any, lines: list[bytes], report: IO[str] | None, report_path: str | None, rows: list[str],
                    before: int) -> None:
    """Write a batch's lines to standard output (``out``) and its rows to the report, each flushed. A failed
    write raises :class:`_OutputFailed`, saying that the batch is rolled back and what was indexed before it."""
    where: str | None = "<stdout>"
    try:
        _write_all(out, b"".join(lines))
        out.flush()
        if report is not None:
            where = report_path
            report.write("".join(rows))
            report.flush()
    except OSError as exc:
        if where == "<stdout>":
            _drop_stdout()
        raise _OutputFailed(
            f"{where}: cannot write the output ({exc.strerror or exc}); the batch in progress was rolled back: "
            f"its {len(lines)} new documents are not in the index (a rerun emits them) and the input after it "
            f"was not read; {before} documents were written and indexed before"
        ) from None


@_cleans_new_index
def cmd_index_add(args: argparse.Namespace) -> int:
    """Batches of records stored unchecked. An id already stored (or repeated) is a bad record named by its file
    and line: with ``--on-error fail`` its batch is rolled back and the run stops, with ``skip`` it is left out."""
    from .io import iter_records
    from .store import DuplicateIdError

    skipped = SkipLog()
    progress = _progress(args)
    files: list = []
    n = read = 0
    with _open_index(args, create=True) as index:
        recs = iter_records(args.inputs, args.id_field, _text_fields(args), args.on_error, skipped, max_bytes=args.max_bytes,
                            input_format=args.input_format, on_input=files.append)
        for batch in chunks(progress.reading(recs, args.inputs, files, desc="reading and adding"), args.batch_size):
            read += len(batch)
            dups: list = []
            try:
                n += index.add_many([(r.id, r.text) for r in batch], batch_size=len(batch),
                                    on_duplicate_id="skip" if args.on_error == "skip" else "raise", skipped=dups)
            except DuplicateIdError as exc:
                rec = _record_of(batch, exc.doc_id, exc.reason)
                raise InputError(f"{exc.reason} (nothing of this batch of {len(batch)} was added; {n} documents were before)",
                                 source=rec.source, line=rec.line, row=rec.row, doc_id=rec.id) from None
            for k, _, reason in dups:
                rec = batch[k]
                skipped.add(InputError(reason, source=rec.source, line=rec.line, row=rec.row, doc_id=rec.id))
        total = len(index)
    if not args.quiet:
        print(f"dedup: added {n} documents; index holds {total}", file=sys.stderr)
    _report_skips(skipped)
    return _all_skipped(n, skipped)


def _record_of(batch: list, doc_id, reason: str):
    """The record of ``batch`` that :class:`DuplicateIdError` ``reason`` is about: the first with the id when it
    is already stored, its second occurrence when the batch repeats it."""
    hits = [r for r in batch if r.id == doc_id]
    return hits[1] if reason == "id repeated in the batch" and len(hits) > 1 else hits[0]


def cmd_index_query(args: argparse.Namespace) -> int:
    skipped = SkipLog()
    out = open_output(None)
    _refuse_index_as_output(args.index)
    with _open_index(args, create=False) as index:
        for batch in chunks(_raw_records(args, skipped), args.batch_size):
            for (doc_id, _, _), m in zip(batch, index.check_many([t for _, t, _ in batch])):
                row = {"id": doc_id, "match": None if m is None else m.id, "similarity": None if m is None else round(m.similarity, 4)}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
    _report_skips(skipped)
    return 0


_JSON_INT = re.compile(r"-?(?:0|[1-9][0-9]*)", re.ASCII)


def _int_id(arg: str) -> int | None:
    """The integer id ``arg`` spells as JSON would (ASCII digits, an optional ``-``, no leading zeros), else None.

    Not ``int()``: it takes other scripts' digits (``int("٣") == 3``), ``+``, ``_`` and spaces, and raises on
    ``"²"`` and on over 4,300 digits (no such id can be stored: the JSONL reader rejects it).
    """
    if not _JSON_INT.fullmatch(arg):
        return None
    try:
        return int(arg)
    except ValueError:  # over sys.get_int_max_str_digits()
        return None


def cmd_index_remove(args: argparse.Namespace) -> int:
    removed = missing = 0
    with _open_index(args, create=False) as index:
        for arg in args.ids:
            gone = index.remove(arg)
            as_int = _int_id(arg)
            if not gone and as_int is not None:
                gone = index.remove(as_int)
            removed += gone
            if not gone:
                missing += 1
                print(f"dedup: id {arg!r} not in the index", file=sys.stderr)
        total = len(index)
    print(f"dedup: removed {removed} documents; index holds {total}", file=sys.stderr)
    if missing:
        print(f"dedup: error: {missing} of the {len(args.ids)} ids given are not in the index", file=sys.stderr)
        return 1
    return 0


def _iso_time(seconds: float | None) -> str | None:
    """A Unix time as ISO 8601 in UTC, to the millisecond (``2026-12-01T15:03:04.120Z``)."""
    if seconds is None:
        return None
    import datetime

    t = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cmd_index_stats(args: argparse.Namespace) -> int:
    with _open_index(args, create=False) as index:
        stats = index.stats()
    for key in ("oldest_added", "newest_added"):
        if key in stats:
            stats[key] = _iso_time(stats[key])
    print(json.dumps(stats, indent=2), file=require_stdout())
    return 0


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


_DURATION = re.compile(r"\s*(-?)((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?)\s*([smhd]?)\s*", re.ASCII)


def _duration(text: str) -> float:
    """Seconds from ``30``, ``1.5h``, ``30d``: ASCII decimal digits only (``float()`` would also take ``nan``,
    ``inf``, ``1_0`` and other scripts' digits)."""
    m = _DURATION.fullmatch(text.lower())
    if m is None:
        raise ConfigError(f"--older-than must be a number of seconds, or a number with s, m, h or d (e.g. 30d), got {text!r}")
    value = float(m.group(2)) * _UNITS.get(m.group(3), 1)
    if m.group(1) and value:
        raise ConfigError(f"--older-than must not be negative, got {text!r}")
    if not math.isfinite(value):
        raise ConfigError(f"--older-than is too large to be a duration, got {text!r}")
    return value


def cmd_index_expire(args: argparse.Namespace) -> int:
    age = _duration(args.older_than)
    with _open_index(args, create=False) as index:
        n = index.expire(age)
        total = len(index)
    print(f"dedup: expired {n} documents; index holds {total}", file=sys.stderr)
    return 0


def _read_text(path: str) -> str:
    raw = stdin_buffer().read() if path == "-" else open(path, "rb").read()  # noqa: SIM115
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"invalid UTF-8 at byte {exc.start}", source="<stdin>" if path == "-" else path) from None


def cmd_explain(args: argparse.Namespace) -> int:
    from .explanation import explain

    if args.a == "-" and args.b == "-":
        raise ConfigError("only one of A and B can be standard input")
    require_stdout()
    e = explain(_read_text(args.a), _read_text(args.b), **_params(args))
    print(json.dumps(e.to_dict(), ensure_ascii=False, indent=1) if args.json else str(e))
    return 0 if e.match else 2

# -- `dedup report`: the review page -------------------------------------------------------------------------------

_REPORT_DOC = """Write one self-contained HTML page to review the duplicates before deleting them: the run's parameters
and counts, histograms of cluster sizes and similarities, and the clusters, largest first (searchable, filterable by
size, similarity and kind of difference), each member beside its representative with the differences the alignment
found highlighted, and why it matched. No server or network is needed to open it.

Three sources: cluster INPUT here (with the matching options); --clusters FILE, the output of an earlier
dedup cluster ... -o FILE (INPUT: the same inputs, for the texts); or --dropped FILE, the --report of
dedup filter (INPUT: the filtered input; --index: the index, for the stored documents' texts and parameters).

The page holds the largest --max-clusters clusters plus a random --sample of the others, at most --max-members
members each (the least similar first) and --max-chars characters per text, and stops adding clusters at --max-mb
megabytes of data; counts and histograms cover the whole run."""

_REPORT_EPILOG = """output: one HTML file (no server, no network; open it in any browser). A summary (documents,
clusters, clusters shown, page size) goes to standard error.

examples:
  dedup report seeds/ -o report.html
  dedup report corpus.jsonl --clusters clusters.jsonl -o report.html --title "Monday's crawl"
  dedup report feed.jsonl --dropped dropped.jsonl --index seen.dedup -o dropped.html

""" + FORMATS_EPILOG


def _add_report_command(sub: argparse._SubParsersAction) -> None:
    from ._report_limits import MAX_CHARS, MAX_CLUSTERS, MAX_MB, MAX_MEMBERS, SAMPLE

    r = sub.add_parser("report", help="write an HTML page to review the duplicates", description=_REPORT_DOC,
                       epilog=_REPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("inputs", nargs="+", metavar="INPUT", help=_INPUTS_HELP)
    r.add_argument("-o", "--output", required=True, metavar="FILE", help="the HTML file to write (- for standard output)")
    src = r.add_mutually_exclusive_group()
    src.add_argument("--clusters", metavar="FILE", help="the output of an earlier dedup cluster run on INPUT (JSONL, CSV, TSV, Parquet)")
    src.add_argument("--dropped", metavar="FILE", help="the --report of a dedup filter run on INPUT")
    r.add_argument("--index", metavar="PATH", help="with --dropped: the filter's index (stored texts and matching parameters)")
    r.add_argument("--title", help="the page's title")
    r.add_argument("--max-clusters", type=_positive_int, default=MAX_CLUSTERS, metavar="N",
                   help="the largest clusters shown (default %(default)s)")
    r.add_argument("--sample", type=lambda v: _int_at_least(v, 0, "0 or more"), default=SAMPLE, metavar="N",
                   help="clusters drawn at random from the others (default %(default)s)")
    r.add_argument("--max-members", type=_positive_int, default=MAX_MEMBERS, metavar="N",
                   help="members shown per cluster, the least similar first (default %(default)s)")
    r.add_argument("--max-chars", type=lambda v: _int_at_least(v, 100, "at least 100"), default=MAX_CHARS, metavar="N",
                   help="characters shown of each text (default %(default)s)")
    r.add_argument("--max-mb", type=float, default=MAX_MB, metavar="MB",
                   help="stop adding clusters once the page's data reaches this size (default %(default)s)")
    r.add_argument("--sample-seed", dest="sample_seed", type=int, default=0, metavar="N", help="seed of the random sample (default %(default)s)")
    _add_input_options(r)
    r.add_argument("--jobs", type=_positive_int, default=None, metavar="N", help=_JOBS_HELP)
    r.add_argument("-q", "--quiet", action="store_true", help="no summary on standard error")
    _add_param_options(r)
    r.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from . import report

    if args.index is not None and args.dropped is None:
        raise ConfigError("--index is for --dropped (the stored texts of a dedup filter run); add --dropped FILE or drop --index")
    _check_output(args.output)
    skipped = SkipLog()

    def records(unique: bool = True, log: SkipLog = skipped):
        return read_inputs(args.inputs, args.id_field, _text_fields(args), args.on_error, log, max_bytes=args.max_bytes,
                           input_format=args.input_format, unique_ids=unique)

    options = {"title": args.title, "max_clusters": args.max_clusters, "sample": args.sample, "max_members": args.max_members,
               "max_chars": args.max_chars, "max_mb": args.max_mb, "seed": args.sample_seed, **_params(args)}
    out = require_stdout() if args.output == "-" else args.output
    if args.clusters is not None:
        summary = report.write_report_from_clusters(args.clusters, records(), out, **options)
    elif args.dropped is not None:
        summary = report.write_report_from_dropped(args.dropped, records(unique=False), out, index=args.index, **options)
    else:
        # Files are read again for the texts the page shows (a second pass logs no skips); standard input is held.
        passes: list[int] = []

        def again():
            passes.append(1)
            return records(log=skipped if len(passes) == 1 else SkipLog())

        summary = report.write_report(list(records()) if "-" in args.inputs else again, out, n_jobs=_jobs(args), **options)
    if not args.quiet:
        where = summary.path or "<stdout>"
        print(f"dedup: wrote {where} ({summary.bytes / 1e6:.1f} MB): {summary.clusters_shown} of {summary.clusters} clusters "
              f"with duplicates, {summary.members_shown} members; {summary.documents} documents", file=sys.stderr)
    _report_skips(skipped)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DedupError as exc:
        print(f"dedup: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # Downstream closed the pipe (e.g. `| head`): not an error of ours. Drop
        # stdout so that the interpreter's final flush does not fail again.
        sys.stdout = None
        return 0
    except OSError as exc:
        where = getattr(exc, "filename", None)
        print(f"dedup: error: {where}: {exc.strerror or exc}" if where else f"dedup: error: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dedup: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("dedup: terminated (SIGTERM)", file=sys.stderr)
        return 128 + signal.SIGTERM


if __name__ == "__main__":  # pragma: no cover
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
