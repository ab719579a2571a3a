"""Speed and memory part of the benchmark suite.

Corpus: :func:`benchmarks.datasets.scaled_corpus` texts (~150 words on average),
concatenated ``k`` consecutive texts at a time so documents average about
:data:`TARGET_WORDS` words; the largest size is built once and every smaller size
is its prefix (a random subset, since the corpus is shuffled). Without the
evaluation data the corpus falls back to lightly perturbed copies of the seed
articles, and the report says so.

Measurements, each in a fresh subprocess so its peak resident memory (the child's
``VmHWM``; ``ru_maxrss`` only as a fallback, see :func:`_proc_status_mb`) is its own:

* ``sig`` -- signatures alone, from raw text, word and char 5-grams, 128
  permutations: ours is ``dedup.MinHasher.sign_texts`` (no normalization), the peers
  :func:`benchmarks.peers.signature_seconds` (``datasketch_bulk``, ``rensa``)
  including their Python shingling, called on chunks of :data:`SIG_CHUNK` documents
  (their shingle sets for the whole corpus would not fit in memory at 200,000 long
  documents). JSONL reading and a 20-document warm-up (numba cache load / JIT) are
  not timed.
* ``cluster`` -- the whole job: ours is ``python -m dedup cluster FILE.jsonl -o OUT``
  timed end to end by the parent (interpreter start, imports, reading, normalizing,
  signing, LSH, verification, clustering, writing); the peers are their recipe
  functions on the same texts plus the JSONL read, timed inside the child.
* ``stages`` -- one breakdown of dedup's job (read, normalize, sign, LSH,
  verify + cluster) per size, with the public API, to show where time goes.

A watchdog stops any child whose resident memory passes a limit (default 80 % of the
memory available when the speed part starts), so a peer cannot push a shared machine
into the OOM killer; the cell then reads "out of memory" and larger sizes are skipped.

Run this module as ``python -m benchmarks.speed worker ...`` only from :func:`run`.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import datasets

__all__ = ["CLUSTER_TOOLS", "SIG_TOOLS", "SpeedConfig", "build_corpus", "cli_command", "measure", "run"]

TARGET_WORDS = 600
NEWS_COPY_RATE = 0.2
"""Share of noisy near-copies in the ``news`` corpus (the shape of a news crawl)."""
SIG_NGRAM = 5
SIG_NUM_PERM = 128
SIG_CHUNK = 4096
"""Peers' signatures are timed over chunks of this many documents (dedup's own batch size),
so their shingle sets of 200,000 long documents need not fit in memory at once."""
TOKENS = ("word", "char")
SIG_TOOLS: tuple[str, ...] = ("dedup", "datasketch_bulk", "rensa")
CLUSTER_TOOLS: tuple[str, ...] = ("dedup", "datasketch", "textdedup_newscopy", "rensa_lsh", "rensa_dedup", "exact_hash")
BASELINE = "datasketch"
"""Ratios are to this tool (``datasketch_bulk`` for signatures) and to rensa."""

REPO_ROOT = datasets.REPO_ROOT


@dataclass
class SpeedConfig:
    """What the speed part runs."""

    sizes: tuple[int, ...] = (2_000, 10_000, 50_000, 200_000)
    repeats: int = 3
    budget: float | None = None  # skip a tool at a size whose projected run exceeds this (s)
    once_over: float | None = None  # a run longer than this (s) is not repeated
    max_memory_mb: float | None = None  # stop a child above this RSS; None = 80 % of available memory
    seed: int = 0
    workdir: str | None = None
    quick: bool = False
    sig_tools: tuple[str, ...] = SIG_TOOLS
    cluster_tools: tuple[str, ...] = CLUSTER_TOOLS


# --------------------------------------------------------------------------- corpus


def build_corpus(max_n: int, seed: int = 0, kind: str = "scaled") -> tuple[list[str], dict[str, Any]]:
    """``max_n`` documents of about :data:`TARGET_WORDS` words and a description of them.

    ``kind`` ``"scaled"``: :func:`benchmarks.datasets.scaled_corpus` texts joined to that length
    (duplicate-heavy past its pool: near-copies per text grow with ``max_n``); ``"news"``:
    :func:`benchmarks.datasets.news_corpus` (new documents plus 20% noisy near-copies at every size).
    """
    if kind not in ("scaled", "news"):
        raise ValueError(f"corpus kind must be 'scaled' or 'news', got {kind!r}")
    try:
        if kind == "news":
            docs = datasets.news_corpus(max_n, seed=seed, copy_rate=NEWS_COPY_RATE, target_words=TARGET_WORDS)
            source = (
                f"benchmarks.datasets.news_corpus: new documents of paragraphs of clean Reuters sentences (each drawn once "
                f"before any is drawn again), and {NEWS_COPY_RATE:.0%} noisy near-copies of them "
                f"(benchmarks.synth.reprint: OCR noise, mojibake, re-wrapping, abridgement, datelines, footers)"
            )
            return docs, {"source": source, "kind": kind, "concat": 1, "fallback": False, "target_words": TARGET_WORDS}
        sample = datasets.corpus_stats(datasets.scaled_corpus(min(20_000, max(2_000, max_n)), seed=seed))
        k = max(1, round(TARGET_WORDS / sample["mean_words"]))
        texts = datasets.scaled_corpus(max_n * k, seed=seed)
        source = (
            f"benchmarks.datasets.scaled_corpus (Reuters + ViralTexts + synthetic reprints, lightly perturbed copies "
            f"past the pool size), {k} consecutive texts (mean {sample['mean_words']:.0f} words) joined per document"
        )
        fallback = False
    except datasets.DatasetMissing as exc:
        from . import synth

        seeds = datasets.load_seeds().texts
        mean = sum(len(t.split()) for t in seeds) / len(seeds)
        k = max(1, round(TARGET_WORDS / mean))
        rng = random.Random(seed)
        texts = [synth.light_perturbation(rng.choice(seeds), rng) for _ in range(max_n * k)]
        source = f"FALLBACK (evaluation data missing: {exc}): perturbed copies of the 5 seed articles, {k} per document"
        fallback = True
    docs = ["\n\n".join(texts[i * k : (i + 1) * k]) for i in range(max_n)]
    return docs, {"source": source, "kind": kind, "concat": k, "fallback": fallback, "target_words": TARGET_WORDS}


def _write_jsonl(path: Path, docs: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(docs):
            fh.write(json.dumps({"id": str(i), "text": text}, ensure_ascii=False) + "\n")


def _read_jsonl(path: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh if line.strip()]


# --------------------------------------------------------------------------- child side


def _proc_status_mb(field: str) -> float | None:
    """``VmHWM`` (peak) or ``VmRSS`` (current) of this process from ``/proc/self/status``, in MB.

    ``ru_maxrss`` is not used on Linux: after fork + exec it starts at the parent's
    high-water mark, so every child of a big parent would report the parent's size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_mb() -> float | None:
    """Peak resident memory of this process so far, in MB."""
    peak = _proc_status_mb("VmHWM")
    if peak is not None:
        return peak
    try:
        import resource
    except ImportError:  # pragma: no cover - not Unix
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


def _rss_mb() -> float | None:
    """Current resident memory in MB (peak so far where the current value is unavailable)."""
    return _proc_status_mb("VmRSS") or _peak_mb()


def _worker_sig(tool: str, path: str, tokens: str) -> dict[str, Any]:
    texts = _read_jsonl(path)
    out: dict[str, Any] = {"loaded_mb": _rss_mb()}
    if tool == "dedup":
        import dedup

        hasher = dedup.MinHasher(num_perm=SIG_NUM_PERM, seed=dedup.Params().seed)
        shingler = dedup.Shingler(tokens, SIG_NGRAM)  # type: ignore[arg-type]
        hasher.sign_texts(texts[:20], shingler)  # warm-up: numba cache load / compile
        out["loaded_mb"] = _rss_mb()
        start = time.perf_counter()
        _, sizes = hasher.sign_texts(texts, shingler)
        out["seconds"] = time.perf_counter() - start
        out["n_shingles"] = int(sizes.sum())
    else:
        from . import peers

        peers.signature_seconds(tool, texts[:20], SIG_NGRAM, SIG_NUM_PERM, tokens)  # type: ignore[arg-type]
        out["loaded_mb"] = _rss_mb()
        totals = {"total": 0.0, "shingle": 0.0, "hash": 0.0, "n_shingles": 0}
        for lo in range(0, len(texts), SIG_CHUNK):
            res = peers.signature_seconds(tool, texts[lo : lo + SIG_CHUNK], SIG_NGRAM, SIG_NUM_PERM, tokens)  # type: ignore[arg-type]
            for key in totals:
                totals[key] += res[key]
        out.update(seconds=totals["total"], shingle_s=totals["shingle"], hash_s=totals["hash"],
                   n_shingles=totals["n_shingles"])
    return out


def _worker_cluster(tool: str, path: str) -> dict[str, Any]:
    from . import peers
    from .accuracy import PEER_PARAMS

    baseline = _rss_mb()
    start = time.perf_counter()
    texts = _read_jsonl(path)
    read = time.perf_counter() - start
    res = peers.PEERS[tool](texts, **PEER_PARAMS[tool])
    seconds = time.perf_counter() - start
    return {
        "baseline_mb": baseline,
        "seconds": seconds,
        "read_s": read,
        "stages": res.seconds,
        "n_clusters": res.n_clusters,
    }


def _worker_stages(path: str) -> dict[str, Any]:
    """Seconds per stage of the default engine, run as the whole job runs it.

    Normalization and signing are timed alone here, through the public API (the
    engine's threads); in the job a batch is signed while the next is read, so the
    stages add up to more than the job's time. The documents are then added (untimed)
    for the candidate and clustering stages.
    """
    import dedup

    out: dict[str, Any] = {}
    start = time.perf_counter()
    texts = _read_jsonl(path)
    out["read"] = time.perf_counter() - start
    engine = dedup.Deduplicator()
    engine.sign(texts[:20])  # warm-up: the core's thread pool
    start = time.perf_counter()
    prepared = engine.prepare_many(texts)
    out["normalize"] = time.perf_counter() - start
    start = time.perf_counter()
    for lo in range(0, len(prepared), engine.minhasher.batch_size):
        engine.sign_prepared(prepared[lo : lo + engine.minhasher.batch_size])
    out["sign"] = time.perf_counter() - start
    del prepared
    engine.add_many(enumerate(texts))
    start = time.perf_counter()
    pairs = engine.candidate_pairs()
    out["lsh"] = time.perf_counter() - start
    start = time.perf_counter()
    result = engine.clusters()
    out["verify_cluster"] = max(0.0, time.perf_counter() - start - out["lsh"])
    out["candidate_pairs"] = len(pairs)
    out["n_clusters"] = int(result.n_clusters)
    out["normalize_requested"] = bool(dedup.Params().normalize)
    return out


def worker_main(argv: Sequence[str] | None = None) -> int:
    """Child entry point: run one measurement, print its JSON on the last stdout line."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.speed worker")
    ap.add_argument("task", choices=["sig", "cluster", "stages"])
    ap.add_argument("tool")
    ap.add_argument("input")
    ap.add_argument("--tokens", default="word", choices=TOKENS)
    args = ap.parse_args(argv)
    if args.task == "sig":
        out = _worker_sig(args.tool, args.input, args.tokens)
    elif args.task == "cluster":
        out = _worker_cluster(args.tool, args.input)
    else:
        out = _worker_stages(args.input)
    out["peak_mb"] = _peak_mb()
    print(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- parent side


@dataclass
class _Child:
    """Outcome of one subprocess."""

    wall: float
    peak_mb: float | None
    returncode: int
    stdout: str
    stderr: str
    killed_mb: float | None = None  # resident MB at which the memory watchdog stopped it
    cpu_s: float | None = None  # user + system CPU seconds of the child and the children it reaped (wait4)
    tree_peak_mb: float | None = None  # with sample_tree: peak of the summed PSS of the child and its descendants

    def payload(self) -> dict[str, Any]:
        lines = [ln for ln in self.stdout.splitlines() if ln.strip()]
        return json.loads(lines[-1]) if lines else {}


_HWM_ENV = "DEDUP_BENCH_HWM_FILE"

# Runs a module (``-m NAME ARGS``) or a script (``PATH ARGS``) as ``__main__``, plus an exit hook
# that writes the process's peak RSS (VmHWM, kB) to the file named by $DEDUP_BENCH_HWM_FILE.
LAUNCHER = """\
import atexit, os, runpy, sys
def _report_hwm():
    try:
        with open('/proc/self/status') as f:
            kb = next(line.split()[1] for line in f if line.startswith('VmHWM:'))
        with open(os.environ['DEDUP_BENCH_HWM_FILE'], 'w') as f:
            f.write(kb)
    except Exception:
        pass
atexit.register(_report_hwm)
if sys.argv[1] == '-m':
    sys.argv = sys.argv[2:]
    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)
else:
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name='__main__')
"""


def _child_rss_mb(pid: int) -> float | None:
    """Current resident MB of process ``pid`` (``/proc``, else psutil, else None)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 2**20
    except Exception:  # noqa: BLE001 - psutil missing or process gone
        return None


def _watchdog(pid: int, limit_mb: float, done: threading.Event, killed: list[float]) -> None:
    """Kill ``pid`` when its resident memory passes ``limit_mb`` (checked 5 times a second),
    so one peer cannot push a shared machine into the OOM killer."""
    while not done.wait(0.2):
        rss = _child_rss_mb(pid)
        if rss is not None and rss > limit_mb and not done.is_set():
            killed.append(rss)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            return


def _descendants(pid: int) -> list[int]:
    """``pid``'s child processes, their children and so on (psutil, else ``/proc/PID/task/*/children``)."""
    try:
        import psutil

        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - the process is gone
        return []
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                kids = [int(k) for k in task.read_text().split()]
                out += kids
                todo += kids
    return out


def _pss_mb(pid: int) -> float | None:
    """Proportional set size of ``pid`` in MB (``/proc/PID/smaps_rollup``; resident size where that is missing).

    PSS splits pages shared by forked workers among them, so the sum over a process tree
    counts each page once."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _child_rss_mb(pid)


def _tree_sampler(pid: int, done: threading.Event, peak: list[float], interval: float = 0.1) -> None:
    """Record in ``peak[0]`` the largest summed PSS of ``pid`` and its descendants, sampled every ``interval`` s."""
    while not done.wait(interval):
        total = 0.0
        for p in [pid, *_descendants(pid)]:
            total += _pss_mb(p) or 0.0
        if total and not done.is_set():
            peak[0] = max(peak[0], total)


def available_memory_mb() -> float | None:
    """Memory available for new processes (``MemAvailable``), in MB."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import psutil

        return psutil.virtual_memory().available / 2**20
    except ImportError:
        return None


def _spawn(cmd: list[str], cwd: Path, limit_mb: float | None = None, *, env: dict[str, str] | None = None,
           sample_tree: bool = False) -> _Child:
    """Run ``cmd``; wall time from before start to after exit, and its own peak RSS.

    The peak is what the child reported through ``$DEDUP_BENCH_HWM_FILE`` (workers put
    it in their JSON instead); ``ru_maxrss`` from ``os.wait4`` is only a fallback
    because on Linux it includes the parent's size at fork time. With ``limit_mb`` a
    watchdog kills the child once its resident memory passes that many MB. ``env``
    replaces the environment (default: this one with the repository on ``PYTHONPATH``);
    ``sample_tree`` also samples the summed PSS of the child and its descendants
    (forked workers) every 0.1 s into ``tree_peak_mb`` (None for a run shorter than that).
    """
    if env is None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    else:
        env = dict(env)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r", suffix=".hwm") as hwm:
        env[_HWM_ENV] = hwm.name
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        done, killed, tree_peak = threading.Event(), [], [0.0]
        if limit_mb:
            threading.Thread(target=_watchdog, args=(proc.pid, limit_mb, done, killed), daemon=True).start()
        if sample_tree:
            threading.Thread(target=_tree_sampler, args=(proc.pid, done, tree_peak), daemon=True).start()
        peak: float | None = None
        cpu: float | None = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            code = os.waitstatus_to_exitcode(status)
            proc.returncode = code  # already reaped
            peak = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
            cpu = usage.ru_utime + usage.ru_stime
        else:  # pragma: no cover - Windows: poll with psutil
            peak, code = _poll_peak(proc)
            wall = time.perf_counter() - start
        done.set()
        reported = Path(hwm.name).read_text().strip()
        if reported.isdigit():
            peak = int(reported) / 1024
        out.seek(0)
        err.seek(0)
        return _Child(wall, peak, code, out.read(), err.read(), killed[0] if killed else None, cpu,
                      tree_peak[0] or None)


def measure(cmd: list[str], cwd: Path, limit_mb: float | None = None) -> dict[str, Any]:
    """Run ``cmd`` in a fresh process (see :func:`_spawn`): ``seconds`` (wall), ``peak_mb`` (its own peak
    resident memory), ``returncode``, ``stderr`` and ``killed_mb`` (set when the memory watchdog stopped it)."""
    c = _spawn(cmd, cwd, limit_mb)
    return {"seconds": c.wall, "peak_mb": c.peak_mb, "returncode": c.returncode, "stderr": c.stderr, "killed_mb": c.killed_mb}


def cli_command(path: Path, out: Path) -> list[str]:
    """``python -m dedup cluster PATH -o OUT -q`` through the peak-memory launcher (:data:`LAUNCHER`)."""
    return _cli_cmd(path, out)


def _poll_peak(proc: subprocess.Popen) -> tuple[float | None, int]:  # pragma: no cover
    try:
        import psutil
    except ImportError:
        return None, proc.wait()
    peak = 0.0
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            info = ps.memory_info()
            peak = max(peak, getattr(info, "peak_wset", info.rss) / 2**20)
        except psutil.Error:
            break
        time.sleep(0.05)
    return peak or None, proc.wait()


def _worker_cmd(task: str, tool: str, path: Path, tokens: str | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "benchmarks.speed", "worker", task, tool, str(path)]
    return cmd + (["--tokens", tokens] if tokens else [])


def _cli_cmd(path: Path, out: Path) -> list[str]:
    """``python -m dedup cluster PATH -o OUT -q``, through the peak-memory launcher."""
    return [sys.executable, "-c", LAUNCHER, "-m", "dedup", "cluster", str(path), "-o", str(out), "-q"]


def _count_clusters(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return len({json.loads(line)["cluster"] for line in fh if line.strip()})


@dataclass
class _Measure:
    """Repeated runs of one (kind, tool, tokens, size)."""

    kind: str
    tool: str
    tokens: str | None
    n_docs: int
    n_bytes: int
    runs: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ok"

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"kind": self.kind, "tool": self.tool, "tokens": self.tokens, "n_docs": self.n_docs,
                               "bytes": self.n_bytes, "status": self.status, "repeats": len(self.runs)}
        if self.status != "ok" or not self.runs:
            return row
        secs = [r["seconds"] for r in self.runs]
        med = statistics.median(secs)
        row.update(
            seconds=med,
            runs=secs,
            docs_per_s=self.n_docs / med if med > 0 else None,
            mb_per_s=self.n_bytes / 2**20 / med if med > 0 else None,
            us_per_doc=med / self.n_docs * 1e6 if self.n_docs else None,
        )
        for key in ("peak_mb", "loaded_mb", "baseline_mb", "read_s", "shingle_s", "hash_s", "wall", "n_shingles", "n_clusters"):
            vals = [r[key] for r in self.runs if r.get(key) is not None]
            if vals:
                row[key] = statistics.median(vals)
        return row


def _tool_ok(tool: str) -> str:
    from .accuracy import tool_status

    if tool == "datasketch_bulk":
        return tool_status("datasketch")
    if tool == "rensa":
        return tool_status("rensa_lsh")
    return tool_status(tool)


def _run_one(m: _Measure, path: Path, workdir: Path, log: dict[str, list[Any]], limit_mb: float | None) -> None:
    """One repetition of measurement ``m`` on the JSONL file ``path``."""
    if m.kind == "cluster" and m.tool == "dedup":
        out = workdir / f"out-{m.n_docs}.jsonl"
        child = _spawn(_cli_cmd(path, out), REPO_ROOT, limit_mb)
        if child.returncode == 0:
            m.runs.append({"seconds": child.wall, "wall": child.wall, "peak_mb": child.peak_mb,
                           "n_clusters": _count_clusters(out)})
            return
    else:
        task = "sig" if m.kind.startswith("sig") else "cluster"
        child = _spawn(_worker_cmd(task, m.tool, path, m.tokens), REPO_ROOT, limit_mb)
        if child.returncode == 0:
            m.runs.append({"peak_mb": child.peak_mb, **child.payload(), "wall": child.wall})
            return
    where = f"speed {m.kind} / {m.tool} / {m.n_docs:,} docs"
    if child.killed_mb is not None or child.returncode == -signal.SIGKILL:
        m.status = (f"out of memory: stopped at {child.killed_mb / 1024:.1f} GB (limit {limit_mb / 1024:.1f} GB)"
                    if child.killed_mb is not None else "killed (SIGKILL; likely the system OOM killer)")
        entry = {"where": where, "error": m.status, "traceback": ""}
        (log["errors"] if m.tool == "dedup" else log["notes_oom"]).append(entry)
        return
    tail = "\n".join(child.stderr.strip().splitlines()[-15:])
    m.status = f"error (exit {child.returncode})"
    log["errors"].append({"where": where, "error": tail.splitlines()[-1] if tail else "", "traceback": tail})


def _ratios(rows: list[dict[str, Any]]) -> None:
    """Add ``x_<peer>`` = docs/s of the row / docs/s of the peer at the same size and kind."""
    index = {(r["kind"], r["tokens"], r["tool"], r["n_docs"]): r for r in rows if r.get("docs_per_s")}
    refs = {"sig": {"datasketch": "datasketch_bulk", "rensa": "rensa"},
            "cluster": {"datasketch": "datasketch", "rensa": "rensa_lsh"}}
    for r in rows:
        if not r.get("docs_per_s"):
            continue
        kind = "sig" if r["kind"].startswith("sig") else "cluster"
        for label, ref in refs[kind].items():
            other = index.get((r["kind"], r["tokens"], ref, r["n_docs"]))
            r[f"x_{label}"] = r["docs_per_s"] / other["docs_per_s"] if other else None


def scaling(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (kind, tool): µs per document at each size and the log-log slope of time vs size."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("seconds"):
            groups.setdefault((r["kind"], r["tool"]), []).append(r)
    out = []
    for (kind, tool), rs in groups.items():
        rs = sorted(rs, key=lambda r: r["n_docs"])
        entry: dict[str, Any] = {"kind": kind, "tool": tool,
                                 "us_per_doc": {str(r["n_docs"]): r["us_per_doc"] for r in rs}}
        if len(rs) >= 2:
            x = np.log([r["n_docs"] for r in rs])
            y = np.log([r["seconds"] for r in rs])
            entry["slope"] = float(np.polyfit(x, y, 1)[0])
            entry["per_doc_ratio"] = rs[-1]["us_per_doc"] / rs[0]["us_per_doc"]
        out.append(entry)
    return out


def _passthrough(items: Iterable[Any], **_: Any) -> Iterable[Any]:
    return items


def run(cfg: SpeedConfig, progress: Callable[..., Any] = _passthrough) -> dict[str, Any]:
    """The whole speed part; a JSON-ready dict (see :mod:`benchmarks.report`)."""
    t0 = time.perf_counter()
    log: dict[str, list[Any]] = {"notes": [], "errors": [], "notes_oom": []}
    sizes = tuple(sorted(set(cfg.sizes)))
    available = available_memory_mb()
    limit_mb = cfg.max_memory_mb or (0.8 * available if available else None)
    tmp = tempfile.TemporaryDirectory(prefix="dedup-bench-", dir=cfg.workdir)
    workdir = Path(tmp.name)
    try:
        docs, corpus = build_corpus(max(sizes), cfg.seed)
        if corpus["fallback"]:
            log["notes"].append("speed corpus: " + corpus["source"])
        files: dict[int, Path] = {}
        stats: dict[str, Any] = {}
        nbytes: dict[int, int] = {}
        for n in sizes:
            files[n] = workdir / f"corpus-{n}.jsonl"
            _write_jsonl(files[n], docs[:n])
            nbytes[n] = sum(len(t.encode("utf-8")) for t in docs[:n])
            stats[str(n)] = {**datasets.corpus_stats(docs[:n]), "bytes": nbytes[n]}
        tiny = workdir / "tiny.jsonl"
        _write_jsonl(tiny, docs[:1])
        del docs
        corpus["sizes"] = stats

        measures: list[_Measure] = []
        for n in sizes:
            for tokens in TOKENS:
                measures += [_Measure(f"sig-{tokens}", t, tokens, n, nbytes[n]) for t in cfg.sig_tools]
            measures += [_Measure("cluster", t, None, n, nbytes[n]) for t in cfg.cluster_tools]
        for m in measures:
            status = _tool_ok(m.tool)
            if status != "ok":
                m.status = status
        active = [m for m in measures if m.status == "ok"]
        stage_runs: list[dict[str, Any]] = []
        overhead: list[dict[str, Any]] = []

        def run_overhead() -> None:
            child = _spawn(_cli_cmd(tiny, workdir / "out-tiny.jsonl"), REPO_ROOT, limit_mb)
            overhead.append({"seconds": child.wall, "peak_mb": child.peak_mb, "ok": child.returncode == 0})

        def run_measure(m: _Measure, rep: int) -> None:
            smaller = [x for x in measures if (x.kind, x.tool) == (m.kind, m.tool) and x.n_docs < m.n_docs]
            ran_out = [x for x in smaller if x.status.startswith(("out of memory", "killed"))]
            if rep == 0 and ran_out:
                m.status = f"skipped: ran out of memory at {ran_out[0].n_docs:,} docs"
            if rep == 0 and cfg.budget and m.status == "ok":
                done = [x for x in measures if (x.kind, x.tool) == (m.kind, m.tool) and x.n_docs < m.n_docs
                        and x.status == "ok" and x.runs]
                if done:
                    prev = max(done, key=lambda x: x.n_docs)
                    projected = statistics.median(r["seconds"] for r in prev.runs) * m.n_docs / prev.n_docs
                    if projected > cfg.budget:
                        m.status = f"skipped: projected {projected:.0f} s > budget {cfg.budget:.0f} s"
            if rep > 0 and cfg.once_over and m.runs and m.runs[0]["seconds"] > cfg.once_over:
                return  # a long run is measured once (its noise is small next to its length)
            if m.status == "ok":
                _run_one(m, files[m.n_docs], workdir, log, limit_mb)

        def run_stages(n: int) -> None:
            child = _spawn(_worker_cmd("stages", "dedup", files[n]), REPO_ROOT, limit_mb)
            if child.returncode == 0:
                stage_runs.append({"n_docs": n, **child.payload()})
            else:
                tail = child.stderr.strip()
                error = (f"out of memory: stopped at {child.killed_mb / 1024:.1f} GB" if child.killed_mb is not None
                         else (tail.splitlines() or [f"exit {child.returncode}"])[-1])
                log["errors"].append({"where": f"speed dedup stages / {n:,} docs", "error": error,
                                      "traceback": tail[-3000:]})

        jobs: list[tuple[str, Callable[[], None]]] = []
        if "dedup" in cfg.cluster_tools and _tool_ok("dedup") == "ok":
            jobs += [("dedup CLI on 1 doc", run_overhead)] * cfg.repeats
        for n in sizes:
            batch = [m for m in active if m.n_docs == n]
            for rep in range(cfg.repeats):
                jobs += [(f"{m.kind} {m.tool} n={n} #{rep + 1}", functools.partial(run_measure, m, rep)) for m in batch]
            if "dedup" in cfg.cluster_tools and _tool_ok("dedup") == "ok":
                jobs.append((f"dedup stages n={n}", functools.partial(run_stages, n)))
        bar = progress(jobs, desc="speed", unit="run")
        for label, job in bar:
            if hasattr(bar, "set_postfix_str"):
                bar.set_postfix_str(label)
            job()
    except Exception as exc:  # noqa: BLE001 - reported, the rest of the suite goes on
        log["errors"].append({"where": "speed", "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})
        log["notes"] += [f"{e['where']}: {e['error']}" for e in log["notes_oom"]]
        return {"status": "error", "notes": log["notes"], "errors": log["errors"], "seconds": time.perf_counter() - t0}
    finally:
        tmp.cleanup()

    log["notes"] += [f"{e['where']}: {e['error']}" for e in log["notes_oom"]]
    rows = [m.row() for m in measures]
    _ratios(rows)
    ok_overhead = [o for o in overhead if o["ok"]]
    overhead_peaks = [o["peak_mb"] for o in ok_overhead if o["peak_mb"]]
    return {
        "status": "ok",
        "config": {"sizes": list(sizes), "repeats": cfg.repeats, "budget": cfg.budget, "once_over": cfg.once_over, "seed": cfg.seed,
                   "ngram": SIG_NGRAM, "num_perm": SIG_NUM_PERM, "target_words": TARGET_WORDS,
                   "sig_chunk": SIG_CHUNK, "memory_limit_mb": limit_mb},
        "corpus": corpus,
        "rows": rows,
        "scaling": scaling(rows),
        "dedup_stages": stage_runs,
        "cli_overhead": {
            "seconds": statistics.median(o["seconds"] for o in ok_overhead) if ok_overhead else None,
            "peak_mb": statistics.median(overhead_peaks) if overhead_peaks else None,
        },
        "notes": log["notes"],
        "errors": log["errors"],
        "seconds": time.perf_counter() - t0,
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        sys.exit(worker_main(sys.argv[2:]))
    sys.exit("usage: python -m benchmarks.speed worker TASK TOOL INPUT [--tokens word|char] (internal; use python -m benchmarks)")
