"""The ``dedup`` command line.

``dedup cluster INPUT...`` reads JSONL files (``id`` and ``text`` per line), directories of
``.txt`` files, or ``-`` (JSONL on standard input), and writes one result per document,
in input order: its id, its cluster (the representative's id), whether it is the
representative, its similarity to the representative and the cluster size.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Sequence

from . import __version__
from .deduplicator import Deduplicator, Params
from .errors import DedupError, InputError
from .io import SkipLog, open_output, read_inputs, write_results

_DEFAULTS = Params()


def _add_param_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("matching (defaults are the best general setting)")
    g.add_argument("--threshold", type=float, default=_DEFAULTS.threshold, help="Jaccard similarity to match (default %(default)s)")
    g.add_argument(
        "--containment-threshold", type=float, default=_DEFAULTS.containment_threshold,
        help="containment of the shorter document to match; 1 disables (default %(default)s)",
    )
    g.add_argument("--shingle", choices=["char", "word"], default=_DEFAULTS.shingle, help="shingle kind (default %(default)s)")
    g.add_argument("--ngram", type=int, default=_DEFAULTS.ngram, help="shingle length (default %(default)s)")
    g.add_argument("--num-perm", type=int, default=_DEFAULTS.num_perm, help="MinHash permutations (default %(default)s)")
    g.add_argument("--seed", type=int, default=_DEFAULTS.seed, help="MinHash seed (default %(default)s)")
    g.add_argument("--lsh-threshold", type=float, default=_DEFAULTS.lsh_threshold, help="Jaccard the LSH bands are tuned for (default %(default)s)")
    g.add_argument(
        "--min-link-fraction", type=float, default=_DEFAULTS.min_link_fraction,
        help="0: connected components; above 0: groups merge only if this fraction of pairs match (default %(default)s)",
    )
    g.add_argument("--no-normalize", dest="normalize", action="store_false", help="shingle the raw text")


def _params(args: argparse.Namespace) -> dict:
    return {name: getattr(args, name) for name in Params.names()}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dedup", description="Find near-duplicate documents and group reprints.")
    parser.add_argument("--version", action="version", version=f"dedup {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    c = sub.add_parser("cluster", help="group near-duplicate documents", description=__doc__.split("\n\n")[1])
    c.add_argument("inputs", nargs="+", metavar="INPUT", help="JSONL file, directory of .txt files, or - for JSONL on stdin")
    c.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    c.add_argument("--format", choices=["jsonl", "csv"], default="jsonl", help="output format (default %(default)s)")
    c.add_argument("--id-field", default="id", help="JSONL field holding the id (default %(default)s)")
    c.add_argument("--text-field", default="text", help="JSONL field holding the text (default %(default)s)")
    c.add_argument("--on-error", choices=["fail", "skip"], default="fail", help="bad records: stop (default) or skip and report")
    c.add_argument("--jobs", type=int, default=None, metavar="N", help="threads for signing (default: all cores)")
    c.add_argument("-q", "--quiet", action="store_true", help="no summary on standard error")
    _add_param_options(c)
    c.set_defaults(func=cmd_cluster)
    return parser


def cmd_cluster(args: argparse.Namespace) -> int:
    skipped = SkipLog()
    engine = Deduplicator(n_jobs=args.jobs, **_params(args))
    records = read_inputs(args.inputs, args.id_field, args.text_field, args.on_error, skipped)
    if args.on_error == "skip":
        records = _skip_duplicate_ids(records, skipped)
    engine.add_many(records)
    result = engine.clusters()
    ids = engine.ids
    sizes = {}
    for label in result.labels.tolist():
        sizes[label] = sizes.get(label, 0) + 1
    rows = (
        {
            "id": ids[i],
            "cluster": ids[label],
            "is_representative": bool(rep),
            "similarity": round(float(sim), 4),
            "cluster_size": sizes[label],
        }
        for i, (label, rep, sim) in enumerate(
            zip(result.labels.tolist(), result.is_representative.tolist(), result.similarity.tolist())
        )
    )
    out = open_output(args.output)
    try:
        write_results(rows, out, args.format)
    finally:
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()
    if not args.quiet:
        dup_clusters = sum(1 for n in sizes.values() if n > 1)
        print(
            f"dedup: {len(ids)} documents, {result.n_clusters} clusters, "
            f"{dup_clusters} with duplicates ({len(ids) - result.n_clusters} duplicates)",
            file=sys.stderr,
        )
    if skipped.total:
        print(f"dedup: {skipped.summary()}", file=sys.stderr)
        for example in skipped.examples:
            print(f"dedup:   {example}", file=sys.stderr)
    return 0


def _skip_duplicate_ids(records, skipped: SkipLog):
    seen = set()
    for doc_id, text in records:
        if doc_id in seen:
            skipped.add(InputError("duplicate id", doc_id=doc_id))
            continue
        seen.add(doc_id)
        yield doc_id, text


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DedupError as exc:
        print(f"dedup: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # Downstream closed the pipe (e.g. `| head`): not an error of ours.
        try:
            sys.stdout = None  # type: ignore[assignment]
        finally:
            return 0
    except OSError as exc:
        print(f"dedup: error: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dedup: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
