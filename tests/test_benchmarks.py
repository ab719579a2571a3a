"""Smoke test of the benchmark suite: ``python -m benchmarks --quick`` end to end.

Asserts that the report files are written and that dedup groups the seed articles
perfectly; it asserts no timings. Needs the ``bench`` extra (matplotlib, tqdm) and
skips without it. Takes about 1-2 minutes on two cores, hence ``slow``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_benchmark_writes_report(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]

    report = out / "report.md"
    assert report.is_file() and report.stat().st_size > 0
    text = report.read_text(encoding="utf-8")
    assert "## Accuracy" in text and "## Speed and memory" in text
    assert list(out.glob("*.png")), "no plots written"

    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["machine"]["python"]
    assert results["dedup_params"]
    seeds = [r for r in results["accuracy"]["rows"] if r["dataset"] == "seeds" and r["tool"] == "dedup"]
    assert len(seeds) == 1
    assert seeds[0]["status"] == "ok"
    assert seeds[0]["ari"] == 1.0
    # Every tool has a row per data set that was present: nothing dropped silently.
    present = [d for d, info in results["accuracy"]["datasets"].items() if info["status"] == "ok"]
    for dataset in present:
        tools = {r["tool"] for r in results["accuracy"]["rows"] if r["dataset"] == dataset}
        assert set(results["accuracy"]["tools"]) <= tools

    # One part re-run into the same report: the persistent index, merged with --merge.
    merged = tmp_path / "merged"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "index", "--index", "300", "--no-progress",
         "--merge", str(out / "results.json"), "--out", str(merged)],
        cwd=ROOT, check=False, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    text = (merged / "report.md").read_text(encoding="utf-8")
    assert "## Accuracy" in text and "## Persistent index" in text and "Parts measured in separate runs" in text
    again = json.loads((merged / "results.json").read_text(encoding="utf-8"))
    assert again["accuracy"] == results["accuracy"]
    assert again["index"]["n_existing"] == 300 and again["index"]["check_and_add_many_docs_per_s"] > 0


def test_flood_corpus_repeats_one_paragraph_and_its_control_does_not():
    from benchmarks import flood

    a, b = flood.flood_corpus(20, seed=4), flood.flood_corpus(20, seed=4)
    assert a == b and len(set(a)) == 20
    assert all(t.count(flood.BOILERPLATE) == flood.COPIES and len(t.split()) == len(a[0].split()) for t in a)
    ctl = flood.unrelated_corpus(20, seed=4)
    assert all(len(t.split()) == len(a[0].split()) for t in ctl) and not any(flood.BOILERPLATE in t for t in ctl)


def test_flood_part_reports_one_cluster_and_the_ratio(tmp_path):
    from benchmarks import flood

    res = flood.run((300,), workdir=str(tmp_path))
    flood_row, control = res["rows"]
    assert flood_row["status"] == control["status"] == "ok"
    assert flood_row["clusters"] == 1 and control["clusters"] == 300
    assert flood_row["x_time"] > 0
    assert "| 300 | flood | 1 |" in flood.to_markdown(res)


def _articles(n: int, seed: int) -> list[str]:
    import random

    from benchmarks.flood import _vocabulary

    rng = random.Random(seed)
    vocab = _vocabulary(rng, 5_000)
    return [" ".join(" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 14))).capitalize() + "."
                     for _ in range(40)) for _ in range(n)]


def test_excerpt_is_a_span_of_the_text_of_about_the_fraction():
    import random

    from benchmarks.excerpts import excerpt

    text = _articles(1, 0)[0]
    for fraction in (1.0, 0.5, 0.2, 0.1):
        part = excerpt(text, fraction, random.Random(3))
        assert part in text and part[0].isupper()
        assert 0.7 * fraction * len(text) <= len(part) <= fraction * len(text) + 1
    with pytest.raises(ValueError):
        excerpt(text, 0.0, random.Random(0))


def test_excerpt_corpus_is_reproducible_and_scored_on_contained_pairs():
    from benchmarks import excerpts

    texts = _articles(30, 1)
    topics = ["t"] * 30
    a = excerpts.excerpt_corpus(texts, topics, 8, 10, seed=5)
    b = excerpts.excerpt_corpus(texts, topics, 8, 10, seed=5)
    assert a.texts == b.texts and a.labels == b.labels
    assert len(a) == 8 * (1 + excerpts.PARTS_PER_CLUSTER) + 10
    assert set(a.meta["kind"]) <= {"whole", "excerpt", "abridgement"} and min(a.meta["fraction"]) >= 0.1
    res = excerpts.score(a)
    assert res["status"] == "ok" and 0 < res["contained_pairs"] <= res["gold_pairs"]
    assert sum(b["pairs"] for b in res["by_ratio"]) == res["contained_pairs"]
    missed = round((1 - res["recall"]) * res["contained_pairs"])
    assert sum(res["missed"].values()) == missed
    assert "| length ratio |" in excerpts.to_markdown({**res, "corpus": {"clusters": 8, "parts_per_cluster": 3, "distractors": 10}})
