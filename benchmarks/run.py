"""``python -m benchmarks``: measure dedup and its peers on the same data in one run.

Writes ``report.md``, ``results.json`` and PNG plots to ``benchmarks/results/`` (or
``--out``). ``--quick`` is the CI smoke test (small corpora, one repeat, well under
two minutes on two cores); the full run multiplies the speed corpus up to 200,000
documents and repeats every timing three times. The ``reuters_pairs`` part scores every
tool on the hand-labelled Reuters pairs (all 19,043 stories; ``--quick`` clusters only
the stories named in a pair). The ``wholejob`` part times ``dedup cluster`` and the peers'
user scripts as whole processes on one corpus (``--job-sizes``): a news-like one (new documents
and 20% noisy near-copies); ``wholejob_scaled`` does the same on the speed part's duplicate-heavy
corpus (not in ``--quick``); ``startup`` times ``import dedup`` and ``dedup cluster seeds/`` in fresh
processes; ``flood`` times ``dedup cluster`` on a near-duplicate flood and on unrelated documents of the
same length (``--flood-sizes``, default 100,000; see :mod:`benchmarks.flood`); ``excerpts`` scores recall on
excerpts and abridgements of real articles at length ratios 1:1 to 1:10 (see :mod:`benchmarks.excerpts`). ``--only`` takes one part
or several, comma-separated (``--only wholejob,startup``). Exit status 1 when any run failed
(the report is written anyway and lists the failures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib.metadata
import json
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import accuracy, datasets, excerpts, flood, report, reuters_pairs, speed, startup, wholejob

__all__ = ["machine_info", "main"]

DEFAULT_OUT = datasets.REPO_ROOT / "benchmarks" / "results"
QUICK_SIZES = (2_000,)
QUICK_JOB_SIZES = (1_000,)
PARTS = ("accuracy", "reuters_pairs", "speed", "wholejob", "wholejob_scaled", "startup", "spark", "index", "flood", "excerpts")
PACKAGES = ("dedup", "numpy", "regex", "ftfy", "rapidfuzz", "datasketch", "rensa", "xxhash", "scipy",
            "scikit-learn", "matplotlib", "tqdm", "psutil")


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s.replace("_", "")) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes wants comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("--sizes needs at least one positive size")
    return sizes


def _parts(text: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in parts if p not in PARTS]
    if not parts or unknown:
        raise argparse.ArgumentTypeError(f"--only wants parts among {', '.join(PARTS)} (comma-separated), got {text!r}")
    return parts


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke test: small corpora, one repeat (< 2 min)")
    ap.add_argument("--only", type=_parts, metavar="PART[,PART...]",
                    help=f"run only these parts ({', '.join(PARTS)}); comma-separated")
    ap.add_argument("--sizes", type=_sizes, help="speed corpus sizes, e.g. 20000,50000,200000")
    ap.add_argument("--job-sizes", type=_sizes,
                    help="whole-job corpus sizes (default " + ",".join(map(str, wholejob.DEFAULT_SIZES))
                         + "; " + ",".join(map(str, QUICK_JOB_SIZES)) + " with --quick)")
    ap.add_argument("--flood-sizes", type=_sizes,
                    help="documents of the near-duplicate flood and its control (default "
                         + ",".join(map(str, flood.DEFAULT_SIZES)) + "; " + ",".join(map(str, flood.QUICK_SIZES)) + " with --quick)")
    ap.add_argument("--startup-repeats", type=int, metavar="N",
                    help="fresh processes per start-up command and mode, median reported (default 10; 3 with --quick)")
    ap.add_argument("--repeats", type=int, help="runs per timing, median reported (default 3; 1 with --quick)")
    ap.add_argument("--budget", type=float, metavar="SECONDS",
                    help="skip a tool at a size when its run, projected linearly from the previous size, exceeds this")
    ap.add_argument("--once-over", type=float, metavar="SECONDS",
                    help="measure a run that took longer than this once instead of --repeats times")
    ap.add_argument("--max-memory", type=float, metavar="GB",
                    help="stop a measured process above this resident memory (default: 80%% of available memory)")
    ap.add_argument("--spark", type=int, metavar="N",
                    help="documents for the Spark engine (local[2]) vs local comparison; 0 skips "
                         "(default 20000, skipped with --quick)")
    ap.add_argument("--index", type=int, metavar="N",
                    help="documents in the persistent index before its throughput is timed; 0 skips "
                         "(default 1000000, skipped with --quick)")
    ap.add_argument("--index-workdir", metavar="DIR",
                    help="keep the index file here and reuse it on later runs of the same size (default: temporary)")
    ap.add_argument("--merge", type=Path, metavar="RESULTS_JSON",
                    help="start from an earlier results.json and replace only the parts run now (e.g. with --only index)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default %(default)s)")
    ap.add_argument("--data", help=f"evaluation data folder (default ${datasets.ENV_VAR} or ../shared/data)")
    ap.add_argument("--workdir", help="where the temporary JSONL corpora go (default: system temp)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    ap.add_argument("--from-results", type=Path, metavar="RESULTS_JSON",
                    help="only redraw report.md and the plots from an earlier results.json (into --out)")
    return ap


# --------------------------------------------------------------------------- machine info


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_bytes() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:
        try:
            return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            return None


def machine_info() -> dict[str, Any]:
    """CPU, cores, RAM, OS, Python and package versions."""
    physical = None
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
    except ImportError:
        pass
    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            # dedup is distributed as dedup-reprints (the name dedup belongs to an unrelated package)
            versions[pkg] = importlib.metadata.version("dedup-reprints" if pkg == "dedup" else pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = __import__("dedup").__version__ if pkg == "dedup" else None
    ram = _ram_bytes()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": physical,
        "usable_cores": usable,
        "ram_gb": round(ram / 2**30, 1) if ram else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "core_threads": usable,  # dedup's compiled core runs one thread per usable core by default
        "load_average_start": _load(),
        "packages": versions,
    }


def _load() -> list[float] | None:
    """1, 5 and 15 minute load averages (other work on the machine skews timings)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


# --------------------------------------------------------------------------- helpers


def _progress(enabled: bool) -> Callable[..., Iterable[Any]]:
    """tqdm to standard error, or a passthrough without tqdm or when disabled."""
    if enabled:
        try:
            from tqdm import tqdm

            return functools.partial(tqdm, file=sys.stderr, dynamic_ncols=True)
        except ImportError:
            print("benchmarks: tqdm not installed, no progress bars", file=sys.stderr)
    return lambda items, **_: items


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def _errors(results: dict[str, Any]) -> list[dict[str, str]]:
    found = [e for part in ("accuracy", "reuters_pairs", "speed", "wholejob", "wholejob_scaled", "startup")
             for e in results.get(part, {}).get("errors", [])]
    ex = results.get("excerpts", {})
    if ex.get("status") == "error":
        found.append({"where": "excerpts", "error": ex["error"]})
    fl = results.get("flood", {})
    if fl.get("status") == "error":
        found.append({"where": "flood", "error": fl["error"]})
    found += [{"where": f"flood / {r['kind']} / {r['n_docs']}", "error": r["status"]} for r in fl.get("rows", []) if r["status"] != "ok"]
    return found


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; write the report files; 0 when every run succeeded, else 1."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    if args.data:
        os.environ[datasets.ENV_VAR] = str(Path(args.data).resolve())
    if args.repeats is not None and args.repeats < 1:
        build_parser().error("--repeats must be >= 1")
    if args.startup_repeats is not None and args.startup_repeats < 1:
        build_parser().error("--startup-repeats must be >= 1")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.from_results:
        results = json.loads(args.from_results.read_text(encoding="utf-8"))
        written = report.write(results, out)
        print("benchmarks: wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
        return 0
    progress = _progress(not args.no_progress)

    import dedup

    previous: dict[str, Any] = {}
    if args.merge:
        try:
            previous = json.loads(args.merge.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            build_parser().error(f"--merge: cannot read {args.merge}: {exc}")
    results: dict[str, Any] = {
        "meta": {
            "mode": "quick" if args.quick else "full",
            "command": "python -m benchmarks " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
            "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "only": ",".join(args.only) if args.only else None,
            "data_dir": str(datasets.data_dir() or f"missing: {datasets._candidate_dir()}"),
        },
        "machine": machine_info(),
        "dedup_version": getattr(dedup, "__version__", None),
        "dedup_params": dedup.Params().to_dict(),
    }

    def want(*parts: str) -> bool:
        return args.only is None or any(p in args.only for p in parts)

    if want("accuracy"):
        cfg = accuracy.AccuracyConfig.quick_config() if args.quick else accuracy.AccuracyConfig()
        print("benchmarks: accuracy ...", file=sys.stderr)
        results["accuracy"] = accuracy.run(cfg, progress)
    if want("reuters_pairs"):
        print("benchmarks: labelled Reuters pairs" + (" (quick: only the stories named in a pair)" if args.quick else "") + " ...",
              file=sys.stderr)
        results["reuters_pairs"] = reuters_pairs.run(quick=args.quick, progress=progress)
    if want("speed"):
        scfg = speed.SpeedConfig(
            sizes=args.sizes or (QUICK_SIZES if args.quick else speed.SpeedConfig.sizes),
            repeats=args.repeats or (1 if args.quick else 3),
            budget=args.budget,
            once_over=args.once_over,
            max_memory_mb=args.max_memory * 1024 if args.max_memory else None,
            workdir=args.workdir,
            quick=args.quick,
        )
        print(f"benchmarks: speed, sizes {', '.join(map(str, scfg.sizes))}, {scfg.repeats} repeat(s) ...", file=sys.stderr)
        results["speed"] = speed.run(scfg, progress)
    spark_n = args.spark if args.spark is not None else (0 if args.quick else 20_000)
    if want("speed", "spark") and spark_n > 0:
        print(f"benchmarks: spark engine on local[2], {spark_n} documents ...", file=sys.stderr)
        try:
            from . import spark_bench

            results["spark"] = spark_bench.run(spark_n)
        except ImportError as exc:
            results["spark"] = {"error": f"pyspark is not installed ({exc}); pip install 'dedup-reprints[spark]'"}
        except Exception as exc:  # a broken Java or Spark setup is reported, not fatal
            results["spark"] = {"error": f"{type(exc).__name__}: {exc}"}
    for part, kind in (("wholejob", "news"), ("wholejob_scaled", "scaled")):
        if not want(part) or (part == "wholejob_scaled" and args.quick and args.only is None):
            continue  # the quick smoke run times the whole job on one corpus
        jcfg = wholejob.JobConfig(
            sizes=args.job_sizes or (QUICK_JOB_SIZES if args.quick else wholejob.DEFAULT_SIZES),
            repeats=args.repeats or (1 if args.quick else 3),
            budget=args.budget,
            once_over=args.once_over,
            max_memory_mb=args.max_memory * 1024 if args.max_memory else None,
            workdir=args.workdir,
            corpus=kind,
        )
        print(f"benchmarks: whole job vs peers' scripts on the {kind} corpus, sizes {', '.join(map(str, jcfg.sizes))}, "
              f"{jcfg.repeats} repeat(s) ...", file=sys.stderr)
        load_start = _load()
        results[part] = wholejob.run(jcfg, progress)
        results[part]["machine"] = {**results["machine"], "load_average_start": load_start, "load_average_end": _load()}
    if want("startup"):
        n_start = args.startup_repeats or (3 if args.quick else 10)
        print(f"benchmarks: start-up, {n_start} fresh process(es) per command and mode ...", file=sys.stderr)
        load_start = _load()
        results["startup"] = startup.run(n_start, progress)
        results["startup"]["machine"] = {**results["machine"], "load_average_start": load_start, "load_average_end": _load()}
    if want("flood"):
        fsizes = args.flood_sizes or (flood.QUICK_SIZES if args.quick else flood.DEFAULT_SIZES)
        print(f"benchmarks: near-duplicate flood vs unrelated documents, sizes {', '.join(map(str, fsizes))} ...", file=sys.stderr)
        try:
            results["flood"] = flood.run(fsizes, workdir=args.workdir)
        except Exception as exc:  # reported, not fatal: the other parts are written
            results["flood"] = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
    if want("excerpts"):
        print("benchmarks: excerpts and abridgements at length ratios 1:1 to 1:10 ...", file=sys.stderr)
        try:
            results["excerpts"] = excerpts.run()
        except Exception as exc:  # reported, not fatal: the other parts are written
            results["excerpts"] = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
    index_n = args.index if args.index is not None else (0 if args.quick else 1_000_000)
    if want("index") and index_n > 0:
        print(f"benchmarks: persistent index, {index_n:,} documents stored before timing ...", file=sys.stderr)
        from . import index_bench

        try:
            # 150,000 new documents at a million stored: at least one rewrite of the base of band entries
            # (every base / 8 entries, ~125,000 documents there), so the rate includes that cost
            timed = min(150_000, max(200, index_n // 20 * 3))
            results["index"] = index_bench.run(index_n, timed, n_single=min(2_000, timed), n_latency=min(2_000, timed),
                                               workdir=args.index_workdir, progress=not args.no_progress)
        except Exception as exc:  # reported, not fatal: the other parts are written
            results["index"] = {"error": f"{type(exc).__name__}: {exc}"}
    results["meta"]["wall_seconds"] = time.perf_counter() - started
    parts = PARTS
    this_run = {"command": results["meta"]["command"], "started": results["meta"]["started"]}
    results["meta"]["part_runs"] = {k: this_run for k in parts if k in results}
    if previous:
        earlier = previous.get("meta", {}).get("part_runs") or {
            k: {"command": previous.get("meta", {}).get("command"), "started": previous.get("meta", {}).get("started")}
            for k in parts if k in previous
        }
        for k in parts:
            if k not in results and k in previous:
                results[k] = previous[k]
                results["meta"]["part_runs"][k] = earlier.get(k, {})

    with (out / "results.json").open("w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, default=_json_default, allow_nan=True)
    written = report.write(results, out)
    errors = _errors(results)
    print(f"benchmarks: wrote {out / 'results.json'}, " + ", ".join(str(p) for p in written), file=sys.stderr)
    print(f"benchmarks: done in {results['meta']['wall_seconds']:.0f} s", file=sys.stderr)
    for e in errors:
        print(f"benchmarks: FAILED {e['where']}: {e['error']}", file=sys.stderr)
    return 1 if errors else 0
