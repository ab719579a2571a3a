"""Throughput, latency and size of the persistent index (:class:`dedup.Index`) at scale.

``run(n_existing, n_new)`` builds an index of ``n_existing`` documents, then measures,
on one core (numba threads = 1):

* ``check_and_add`` -- sustained documents/s of :meth:`Index.check_and_add_many` in
  batches of ``batch_size`` (the ``dedup filter`` path), and of single
  :meth:`Index.check_and_add` calls (one transaction per document);
* ``check`` latency -- p50/p99 of single :meth:`Index.check` calls, milliseconds;
* bytes on disk per million documents.

Documents: ~600 words each (``words``), drawn from the word frequencies of the
Reuters-21578 bodies (unigram model, seeded). Real articles would take hours to
build at a million; random unigram text has fewer chance shingle overlaps than
news, so candidate lists are a little shorter than with real text. The new
documents are ``dup_fraction`` near-duplicates of stored ones (5 % of words
replaced) and the rest novel, so both the drop path and the insert path are
timed. Falls back to a synthetic Zipf vocabulary when the Reuters data is absent.

    python -m benchmarks.index_bench --existing 1000000 --new 20000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np


def _vocabulary(seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    try:
        from .datasets import load_reuters

        counts = Counter(w for rec in load_reuters() for w in re.findall(r"[A-Za-z][A-Za-z'-]*|\d+", rec["body"]))
        words, freq = zip(*counts.most_common())
        source = "Reuters-21578 unigram frequencies"
    except Exception:  # data missing: Zipf over made-up words
        rng = np.random.default_rng(seed)
        letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
        words = tuple("".join(rng.choice(letters, rng.integers(2, 10))) for _ in range(30000))
        freq = tuple(1.0 / np.arange(1, len(words) + 1))
        source = "synthetic Zipf vocabulary"
    p = np.asarray(freq, dtype=np.float64)
    return np.asarray(words, dtype=object), p / p.sum(), source


class _Docs:
    """Deterministic ~N-word documents: ``doc(i)`` is the same text every time."""

    def __init__(self, words: int, seed: int) -> None:
        self.words = words
        self.seed = seed
        self.vocab, self.p, self.source = _vocabulary(seed)
        self.cdf = np.cumsum(self.p)

    def doc(self, i: int) -> str:
        rng = np.random.default_rng((self.seed, i))
        idx = np.searchsorted(self.cdf, rng.random(self.words))
        idx = np.minimum(idx, len(self.vocab) - 1)
        return " ".join(self.vocab[idx].tolist()) + "."

    def near_copy(self, i: int, salt: int, rate: float = 0.05) -> str:
        words = self.doc(i).split(" ")
        rng = np.random.default_rng((self.seed, i, salt, 7))
        for k in rng.choice(len(words), int(len(words) * rate), replace=False).tolist():
            words[k] = str(self.vocab[min(int(np.searchsorted(self.cdf, rng.random())), len(self.vocab) - 1)])
        return " ".join(words)


def _rewrites(index: Any) -> int:
    """How many times the index has rewritten its base of band entries (folding in the log)."""
    with index.store.read():
        return index.store.rewrites()


def _latencies_ms(call: Any, records: list[tuple[str, str]]) -> np.ndarray:
    """Milliseconds of ``call(record)`` for each record, one at a time (record generation not timed)."""
    lat = []
    for rec in records:
        t = time.perf_counter()
        call(rec)
        lat.append(time.perf_counter() - t)
    return np.array(lat) * 1e3


def _single_thread() -> None:
    import numba

    numba.set_num_threads(1)


def run(
    n_existing: int,
    n_new: int = 10_000,
    *,
    words: int = 600,
    dup_fraction: float = 0.2,
    batch_size: int = 500,
    n_single: int = 2_000,
    n_latency: int = 2_000,
    workdir: str | os.PathLike | None = None,
    keep: bool = False,
    seed: int = 0,
    progress: bool = False,
    cached: bool = True,
) -> dict[str, Any]:
    """Build an index of ``n_existing`` documents and time ``n_new`` more; returns the measurements.

    With ``cached``, ``n_new`` further documents are then timed with ``cache_signatures=True``.
    """
    import numba

    import dedup

    threads = numba.get_num_threads()
    docs = _Docs(words, seed)
    tmp = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="dedup-index-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"index-{n_existing}.dedup"
    out: dict[str, Any] = {
        "n_existing": n_existing, "n_new": n_new, "words": words, "dup_fraction": dup_fraction,
        "batch_size": batch_size, "text": docs.source, "path": str(path),
    }
    rng = np.random.default_rng(seed + 1)
    try:
        # -- fill (not part of the measurement; reuses an existing file of the right size)
        t0 = time.perf_counter()
        # Filled with all cores (not measured); the timing below runs on one.
        numba.set_num_threads(threads)
        with dedup.Index.open(path, batch_size=5000) as index:
            have = len(index)
            step = 20_000
            for lo in range(have, n_existing, step):
                hi = min(lo + step, n_existing)
                index.add_many(((i, docs.doc(i)) for i in range(lo, hi)), batch_size=5000)
                if progress:
                    print(f"index fill {hi}/{n_existing} {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
            if have < n_existing:
                out["fill_seconds"] = round(time.perf_counter() - t0, 1)
                out["fill_docs_per_s"] = round((n_existing - have) / max(time.perf_counter() - t0, 1e-9))
            else:
                out["fill_reused"] = have  # built by an earlier run: no build time measured now
            fill_stats = index.stats()
            out.update(params=index.params.to_dict(), bands=index.bands[0], rows=index.bands[1],
                       max_bucket=index.max_bucket)
            salt = fill_stats["documents"]  # new documents differ from those of earlier runs on a reused index
        out["documents_before"] = fill_stats["documents"]
        out["bytes_on_disk_filled"] = fill_stats["bytes_on_disk"]
        out["bytes_per_million_docs"] = fill_stats["bytes_per_million_documents"]

        def new_records(n: int, base: int) -> list[tuple[str, str]]:
            recs = []
            for k in range(n):
                if rng.random() < dup_fraction and n_existing:
                    recs.append((f"new-{salt}-{base + k}", docs.near_copy(int(rng.integers(n_existing)), salt + base + k)))
                else:
                    recs.append((f"new-{salt}-{base + k}", docs.doc(10**9 + salt * 10 + base + k)))
            return recs

        _single_thread()
        with dedup.Index.open(path, n_jobs=1, batch_size=batch_size) as index:
            index.check("warm up the compiled kernels")
            # -- batched check_and_add (text generation not timed)
            recs = new_records(n_new, 0)
            moves = _rewrites(index)
            t = time.perf_counter()
            res = index.check_and_add_many(recs, batch_size=batch_size)
            dt = time.perf_counter() - t
            out["base_rewrites_during_batched"] = _rewrites(index) - moves
            out["check_and_add_many_docs_per_s"] = round(n_new / dt)
            out["check_and_add_many_dropped"] = sum(r is not None for r in res)
            # -- one transaction per document
            lat_ms = _latencies_ms(lambda rec: index.check_and_add(*rec), new_records(n_single, n_new))
            out["check_and_add_single_docs_per_s"] = round(n_single / (lat_ms.sum() / 1e3))
            out["check_and_add_single_ms_p50"] = round(float(np.percentile(lat_ms, 50)), 3)
            out["check_and_add_single_ms_p99"] = round(float(np.percentile(lat_ms, 99)), 3)
            # -- check latency
            lat_ms = _latencies_ms(lambda rec: index.check(rec[1]), new_records(n_latency, n_new + n_single))
            out["check_ms_p50"] = round(float(np.percentile(lat_ms, 50)), 3)
            out["check_ms_p99"] = round(float(np.percentile(lat_ms, 99)), 3)
            out["check_ms_max"] = round(float(lat_ms.max()), 3)
            st = index.stats()
        if cached:
            # -- the same, with every signature held in memory (Index.open(cache_signatures=True))
            with dedup.Index.open(path, n_jobs=1, batch_size=batch_size, cache_signatures=True) as index:
                t = time.perf_counter()
                index.check(docs.doc(0))  # reads every stored signature
                out["cached_load_seconds"] = round(time.perf_counter() - t, 2)
                recs = new_records(n_new, n_new + n_single + n_latency)
                moves = _rewrites(index)
                t = time.perf_counter()
                res = index.check_and_add_many(recs, batch_size=batch_size)
                out["cached_check_and_add_many_docs_per_s"] = round(n_new / (time.perf_counter() - t))
                out["cached_base_rewrites"] = _rewrites(index) - moves
                out["cached_check_and_add_many_dropped"] = sum(r is not None for r in res)
                lat_ms = _latencies_ms(lambda rec: index.check(rec[1]), new_records(n_latency, 2 * n_new + n_single + n_latency))
                out["cached_check_ms_p50"] = round(float(np.percentile(lat_ms, 50)), 3)
                out["cached_check_ms_p99"] = round(float(np.percentile(lat_ms, 99)), 3)
                st = index.stats()
        out["documents_after"] = st["documents"]
        out["bytes_on_disk_after"] = st["bytes_on_disk"]
    finally:
        numba.set_num_threads(threads)
        if not keep and not workdir:
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def to_markdown(r: dict[str, Any]) -> str:
    """The measurements as a short Markdown section."""
    mb = r["bytes_per_million_docs"] / 2**20 if r.get("bytes_per_million_docs") else None
    p = r.get("params", {})
    lines = [
        f"`check_and_add` into an index already holding {r.get('documents_before', r['n_existing']):,} documents ({r['words']}-word texts from "
        f"{r['text']}; {r['dup_fraction']:.0%} of the new ones are near-copies of stored ones), on one core "
        f"(one process, numba threads = 1). Index parameters: the library defaults"
        + (f" ({p.get('shingle')} {p.get('ngram')}-grams, {p.get('num_perm')} permutations, {r.get('bands')} bands of "
           f"{r.get('rows')} rows, max_bucket {r.get('max_bucket')})" if p else "") + ".",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| `check_and_add_many`, batches of {r['batch_size']}, {r['n_new']:,} docs (docs/s) | {r['check_and_add_many_docs_per_s']:,} |",
        f"| of which dropped as near-duplicates | {r['check_and_add_many_dropped']:,} of {r['n_new']:,} |",
    ]
    if "base_rewrites_during_batched" in r:
        lines.append(f"| rewrites of the base of band entries during that run (included in the time) | "
                     f"{r['base_rewrites_during_batched']} |")
    lines += [
        f"| single `check_and_add` calls, one transaction each (docs/s) | {r['check_and_add_single_docs_per_s']:,} |",
        f"| single `check_and_add` latency p50 / p99 (ms) | {r['check_and_add_single_ms_p50']} / {r['check_and_add_single_ms_p99']} |",
        f"| `check` latency p50 / p99 / max (ms) | {r['check_ms_p50']} / {r['check_ms_p99']} / {r['check_ms_max']} |",
    ]
    if "cached_load_seconds" in r:
        moves = f", {r['cached_base_rewrites']} rewrite(s) of the base included" if "cached_base_rewrites" in r else ""
        lines += [
            f"| with `cache_signatures=True`: reading every signature at open (s) | {r['cached_load_seconds']} |",
            f"| with `cache_signatures=True`: `check_and_add_many`, {r['n_new']:,} more docs{moves} (docs/s) | "
            f"{r['cached_check_and_add_many_docs_per_s']:,} |",
            f"| with `cache_signatures=True`: `check` latency p50 / p99 (ms) | {r['cached_check_ms_p50']} / {r['cached_check_ms_p99']} |",
        ]
    lines.append(f"| size on disk per million documents (MB) | {mb:,.0f} |" if mb else "| size on disk per million documents | n/a |")
    if "fill_seconds" in r:
        lines.append(f"| building the index ({r['n_existing']:,} docs, `add_many`, all cores; not part of the timing) | "
                     f"{r['fill_seconds']} s, {r['fill_docs_per_s']:,} docs/s |")
    else:
        lines.append(f"| building the index | reused from an earlier run ({r['fill_reused']:,} docs); not timed now |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.index_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--existing", type=int, default=100_000, help="documents in the index before timing")
    ap.add_argument("--new", type=int, default=10_000, help="documents timed with check_and_add_many")
    ap.add_argument("--single", type=int, default=2_000, help="documents timed with single check_and_add calls")
    ap.add_argument("--latency", type=int, default=2_000, help="single check calls timed")
    ap.add_argument("--words", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--dup-fraction", type=float, default=0.2)
    ap.add_argument("--workdir", help="keep the index here (reused by later runs of the same size)")
    ap.add_argument("--out", help="also write the result JSON here")
    a = ap.parse_args(argv)
    res = run(
        a.existing, a.new, words=a.words, dup_fraction=a.dup_fraction, batch_size=a.batch_size,
        n_single=a.single, n_latency=a.latency, workdir=a.workdir, progress=True,
    )
    text = json.dumps(res, indent=2)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
