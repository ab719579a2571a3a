"""The whole job against peers as their users run them (``--only wholejob``).

Every tool is one fresh process started on the same JSONL file, which reads the file,
finds the near-duplicates and writes its output; the parent times it from before the
start to after the exit. Runs are interleaved: at each size, repeat ``r`` runs every tool
once (the order rotated by one per repeat), so slow drift in the machine's load touches
all tools alike; medians are reported.

Tools (:data:`TOOLS`):

* ``dedup`` -- ``dedup cluster corpus.jsonl -o out.jsonl`` at its defaults;
* ``dedup_recipe`` -- the same on the peers' recipe (:data:`RECIPE_FLAGS`: word 5-grams,
  128 permutations, threshold 0.8, containment, linkage and the number rule off);
* ``dedup_recipe_raw`` -- the same with ``--no-normalize``;
* ``rensa`` -- ``benchmarks/peer_scripts/rensa_dedup.py``: word 5-gram shingles per
  document streamed into ``RMinHashDeduplicator.add_pairs`` (README "Keep unique documents");
* ``datasketch`` -- ``benchmarks/peer_scripts/datasketch_dedup.py``: ``MinHash.update_batch``
  per document and ``MinHashLSH(threshold=0.8, num_perm=128)``, query then insert.

The peer scripts stream (one document's shingles in memory at a time), as a user writes
them. Each process runs under a tiny launcher (:data:`LAUNCHER`: ``runpy`` plus an exit hook
that writes the process's ``VmHWM``), so the peak memory is the process's own, not the
parent's (``ru_maxrss`` after fork + exec starts at the parent's size). A tool may fork
workers (dedup did before its compiled core ran on threads), so the summed PSS of the process
tree is sampled as well (``tree_peak_mb``, every 0.1 s).

The corpus is :func:`benchmarks.speed.build_corpus` of kind :attr:`JobConfig.corpus`, documents of
about :data:`benchmarks.speed.TARGET_WORDS` words: ``news`` (the default, the shape of a news
crawl: new documents and 20% noisy near-copies at every size, so matching pairs grow linearly)
or ``scaled`` (texts of a fixed pool joined four to a document: past the pool every text recurs
in more documents as the corpus grows, so overlapping pairs grow faster than the corpus).
Sizes are nested prefixes of one corpus.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import shlex
import signal
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import datasets, speed

__all__ = ["DEFAULT_SIZES", "JobConfig", "RECIPE_FLAGS", "SCRIPTS_DIR", "TOOLS", "run", "tool_specs"]

DEFAULT_SIZES = (10_000, 50_000, 200_000)
SCRIPTS_DIR = Path(__file__).resolve().parent / "peer_scripts"
RECIPE_FLAGS: tuple[str, ...] = (
    "--shingle", "word", "--ngram", "5", "--num-perm", "128", "--threshold", "0.8",
    "--containment-threshold", "1", "--min-link-fraction", "0", "--number-agreement", "0",
)
"""dedup on the peers' recipe. ``--lsh-threshold`` (0.35) and ``--verify-text`` stay at their defaults."""
TOOLS: tuple[str, ...] = ("dedup", "dedup_recipe", "dedup_recipe_raw", "rensa", "datasketch")
BASELINES: tuple[str, ...] = ("dedup", "dedup_recipe")
"""Ratios are ``tool seconds / baseline seconds`` at the same size, for each of these."""

LAUNCHER = speed.LAUNCHER


@dataclass
class JobConfig:
    """What the whole-job part runs."""

    sizes: tuple[int, ...] = DEFAULT_SIZES
    repeats: int = 3
    budget: float | None = None  # skip a tool at a size whose run, projected from the previous size, exceeds this (s)
    once_over: float | None = None  # a run longer than this (s) is not repeated
    max_memory_mb: float | None = None  # stop a process above this RSS; None = 80 % of available memory
    seed: int = 0
    workdir: str | None = None
    tools: tuple[str, ...] = TOOLS
    corpus: str = "news"  # "news" (new documents + 20% near-copies) or "scaled" (duplicate-heavy); see speed.build_corpus


@dataclass
class _Tool:
    name: str
    label: str
    display: str  # the command as a user types it
    how: str  # one sentence on how it runs
    argv: Callable[[Path, Path], list[str]]  # (input, output) -> argv after the launcher
    count: Callable[[Path], int]  # output file -> documents kept
    needs: str | None = None  # module that must be importable
    script: Path | None = None


def _count_representatives(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip() and json.loads(line)["is_representative"])


def _count_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())


def _dedup_tool(name: str, label: str, flags: tuple[str, ...], how: str) -> _Tool:
    return _Tool(
        name, label,
        display=" ".join(["dedup cluster corpus.jsonl -o out.jsonl", *flags]),
        how=how,
        argv=lambda inp, out: ["-m", "dedup", "cluster", str(inp), "-o", str(out), *flags],
        count=_count_representatives,
    )


def _script_tool(name: str, label: str, script: str, needs: str, how: str) -> _Tool:
    path = SCRIPTS_DIR / script
    return _Tool(
        name, label, display=f"python {script} corpus.jsonl kept.txt", how=how,
        argv=lambda inp, out: [str(path), str(inp), str(out)], count=_count_lines, needs=needs, script=path,
    )


def tool_specs() -> dict[str, _Tool]:
    """Every tool of the part by name."""
    specs = [
        _dedup_tool("dedup", "dedup, defaults", (),
                    "the CLI at its defaults (char 5-grams, 256 permutations, normalization, containment, linkage, "
                    "number rule, text verification; `--jobs` = all usable cores)"),
        _dedup_tool("dedup_recipe", "dedup, peers' recipe", RECIPE_FLAGS,
                    "the CLI on the peers' recipe: word 5-grams, 128 permutations, Jaccard threshold 0.8, containment, "
                    "linkage and the number rule off (LSH tuning and text verification at their defaults)"),
        _dedup_tool("dedup_recipe_raw", "dedup, peers' recipe, no normalization", (*RECIPE_FLAGS, "--no-normalize"),
                    "as the peers' recipe, and shingling the raw text (`--no-normalize`)"),
        _script_tool("rensa", "rensa script", "rensa_dedup.py", "rensa",
                     "a user's script: word 5-gram shingles per document, streamed from the JSONL file into "
                     "`RMinHashDeduplicator(threshold=0.8, num_perm=128, use_lsh=True).add_pairs` (rensa's README "
                     "recipe; 8 bands by rensa's default; keep-first, candidates checked on estimated Jaccard); "
                     "writes the kept ids"),
        _script_tool("datasketch", "datasketch script", "datasketch_dedup.py", "datasketch",
                     "a user's script: per document `MinHash(num_perm=128).update_batch(word 5-grams)`, then "
                     "`MinHashLSH(threshold=0.8, num_perm=128)`: kept when `query` finds no kept document (no "
                     "Jaccard check on the candidates), then `insert`; writes the kept ids"),
    ]
    return {t.name: t for t in specs}


def _launch(argv: list[str]) -> list[str]:
    return [sys.executable, "-c", LAUNCHER, *argv]


@dataclass
class _Cell:
    """Repeated runs of one tool at one size."""

    tool: str
    n_docs: int
    n_bytes: int
    runs: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ok"

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"tool": self.tool, "n_docs": self.n_docs, "bytes": self.n_bytes, "status": self.status,
                               "repeats": len(self.runs)}
        if not self.runs or self.status != "ok":
            return row
        secs = [r["seconds"] for r in self.runs]
        med = statistics.median(secs)
        row.update(seconds=med, runs=secs, docs_per_s=self.n_docs / med if med > 0 else None,
                   us_per_doc=med / self.n_docs * 1e6 if self.n_docs else None)
        for key in ("peak_mb", "tree_peak_mb", "cpu_s", "kept"):
            vals = [r[key] for r in self.runs if r.get(key) is not None]
            if vals:
                row[key] = statistics.median(vals)
        return row


def _ratios(rows: list[dict[str, Any]]) -> None:
    """``x_<baseline>`` = seconds / the baseline's seconds at the same size; ``mem_x_<baseline>`` the same for the
    peak memory of all processes (of the main process where either run was too short to sample)."""
    index = {(r["tool"], r["n_docs"]): r for r in rows if r.get("seconds")}
    for r in rows:
        for base in BASELINES:
            ref = index.get((base, r["n_docs"]))
            ok = bool(r.get("seconds") and ref)
            r[f"x_{base}"] = r["seconds"] / ref["seconds"] if ok else None
            key = "tree_peak_mb" if r.get("tree_peak_mb") and (ref or {}).get("tree_peak_mb") else "peak_mb"
            mine, theirs = r.get(key), (ref or {}).get(key)
            r[f"mem_x_{base}"] = mine / theirs if ok and mine and theirs else None


def scaling(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per tool: µs per document at each size, and that at the largest size over that at the smallest."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("seconds"):
            groups.setdefault(r["tool"], []).append(r)
    out = []
    for tool, rs in groups.items():
        rs = sorted(rs, key=lambda r: r["n_docs"])
        entry: dict[str, Any] = {"tool": tool, "us_per_doc": {str(r["n_docs"]): r["us_per_doc"] for r in rs}}
        if len(rs) >= 2:
            entry.update(small=rs[0]["n_docs"], large=rs[-1]["n_docs"], per_doc_ratio=rs[-1]["us_per_doc"] / rs[0]["us_per_doc"])
        out.append(entry)
    return out


def _tool_status(tool: _Tool) -> str:
    if tool.needs and importlib.util.find_spec(tool.needs) is None:
        return f"not installed ({tool.needs})"
    return "ok"


def _passthrough(items: Iterable[Any], **_: Any) -> Iterable[Any]:
    return items


def run(cfg: JobConfig, progress: Callable[..., Any] = _passthrough) -> dict[str, Any]:
    """The whole-job part; a JSON-ready dict (see :mod:`benchmarks.report`)."""
    t0 = time.perf_counter()
    specs = tool_specs()
    unknown = [t for t in cfg.tools if t not in specs]
    if unknown:
        raise ValueError(f"unknown whole-job tools {unknown}; expected some of {list(specs)}")
    tools = [specs[t] for t in cfg.tools]
    notes: list[str] = []
    errors: list[dict[str, str]] = []
    sizes = tuple(sorted(set(cfg.sizes)))
    available = speed.available_memory_mb()
    limit_mb = cfg.max_memory_mb or (0.8 * available if available else None)
    tools_out = {t.name: {"label": t.label, "command": t.display, "how": t.how, "status": _tool_status(t),
                          "script": t.script.read_text(encoding="utf-8") if t.script else None,
                          "script_path": str(t.script.relative_to(datasets.REPO_ROOT)) if t.script else None}
                 for t in tools}
    tmp = tempfile.TemporaryDirectory(prefix="dedup-wholejob-", dir=cfg.workdir)
    workdir = Path(tmp.name)
    try:
        docs, corpus = speed.build_corpus(max(sizes), cfg.seed, kind=cfg.corpus)
        if corpus["fallback"]:
            notes.append("whole-job corpus: " + corpus["source"])
        files: dict[int, Path] = {}
        nbytes: dict[int, int] = {}
        stats: dict[str, Any] = {}
        for n in sizes:
            files[n] = workdir / f"corpus-{n}.jsonl"
            speed._write_jsonl(files[n], docs[:n])
            nbytes[n] = sum(len(t.encode("utf-8")) for t in docs[:n])
            stats[str(n)] = {**datasets.corpus_stats(docs[:n]), "bytes": nbytes[n], "file_bytes": files[n].stat().st_size}
        del docs
        corpus["sizes"] = stats

        notes_oom: list[dict[str, str]] = []
        cells = {(t.name, n): _Cell(t.name, n, nbytes[n]) for n in sizes for t in tools}
        for (name, _), cell in cells.items():
            status = tools_out[name]["status"]
            if status != "ok":
                cell.status = status

        def run_cell(tool: _Tool, n: int, rep: int) -> None:
            cell = cells[(tool.name, n)]
            smaller = [cells[(tool.name, m)] for m in sizes if m < n]
            if rep == 0 and cell.status == "ok":
                ran_out = [c for c in smaller if c.status.startswith(("out of memory", "killed"))]
                if ran_out:
                    cell.status = f"skipped: ran out of memory at {ran_out[0].n_docs:,} docs"
                elif cfg.budget:
                    done = [c for c in smaller if c.status == "ok" and c.runs]
                    if done:
                        prev = max(done, key=lambda c: c.n_docs)
                        projected = statistics.median(r["seconds"] for r in prev.runs) * n / prev.n_docs
                        if projected > cfg.budget:
                            cell.status = f"skipped: projected {projected:.0f} s > budget {cfg.budget:.0f} s"
            if cell.status != "ok":
                return
            if rep > 0 and cfg.once_over and cell.runs and cell.runs[0]["seconds"] > cfg.once_over:
                return  # a long run is measured once
            out = workdir / f"out-{tool.name}-{n}"
            child = speed._spawn(_launch(tool.argv(files[n], out)), workdir, limit_mb, sample_tree=True)
            if child.returncode == 0:
                try:
                    kept = tool.count(out)
                finally:
                    out.unlink(missing_ok=True)
                cell.runs.append({"seconds": child.wall, "peak_mb": child.peak_mb, "tree_peak_mb": child.tree_peak_mb,
                                  "cpu_s": child.cpu_s, "kept": kept})
                return
            out.unlink(missing_ok=True)
            where = f"wholejob {tool.name} / {n:,} docs"
            if child.killed_mb is not None or child.returncode == -signal.SIGKILL:
                cell.status = (f"out of memory: stopped at {child.killed_mb / 1024:.1f} GB (limit {limit_mb / 1024:.1f} GB)"
                               if child.killed_mb is not None and limit_mb else "killed (SIGKILL; likely the system OOM killer)")
                (errors if tool.name.startswith("dedup") else notes_oom).append(
                    {"where": where, "error": cell.status, "traceback": ""})
                return
            tail = "\n".join(child.stderr.strip().splitlines()[-15:])
            cell.status = f"error (exit {child.returncode})"
            errors.append({"where": where, "error": tail.splitlines()[-1] if tail else "", "traceback": tail})

        jobs: list[tuple[str, Callable[[], None]]] = []
        for n in sizes:
            for rep in range(cfg.repeats):
                shift = rep % len(tools)
                for tool in tools[shift:] + tools[:shift]:
                    jobs.append((f"{tool.name} n={n} #{rep + 1}", functools.partial(run_cell, tool, n, rep)))
        bar = progress(jobs, desc="whole job", unit="run")
        for label, job in bar:
            if hasattr(bar, "set_postfix_str"):
                bar.set_postfix_str(label)
            job()
        notes += [f"{e['where']}: {e['error']}" for e in notes_oom]
    except Exception as exc:  # noqa: BLE001 - reported, the rest of the suite goes on
        errors.append({"where": "wholejob", "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})
        return {"status": "error", "notes": notes, "errors": errors, "seconds": time.perf_counter() - t0}
    finally:
        tmp.cleanup()

    rows = [cells[(t.name, n)].row() for n in sizes for t in tools]
    _ratios(rows)
    for r in rows:
        if r["status"].startswith("skipped"):
            notes.append(f"wholejob {r['tool']} at {r['n_docs']:,} docs {r['status']}")
    return {
        "status": "ok",
        "config": {"sizes": list(sizes), "repeats": cfg.repeats, "corpus": cfg.corpus, "budget": cfg.budget, "once_over": cfg.once_over,
                   "seed": cfg.seed, "memory_limit_mb": limit_mb, "tools": list(cfg.tools),
                   "recipe_flags": " ".join(shlex.quote(f) for f in RECIPE_FLAGS), "baselines": list(BASELINES)},
        "corpus": corpus,
        "tools": tools_out,
        "rows": rows,
        "scaling": scaling(rows),
        "notes": notes,
        "errors": errors,
        "seconds": time.perf_counter() - t0,
    }
