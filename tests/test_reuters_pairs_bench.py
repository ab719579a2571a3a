"""Tests for ``benchmarks.reuters_pairs``: pair scoring, the report table, skipping without data.

Everything runs on data made here; the one test that reads the real Reuters data
skips cleanly when it is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks import datasets, report, reuters_pairs, run
from benchmarks.reuters_pairs import LabelledPair

IDS = ["1", "2", "3", "4", "5", "6"]
LABELS = np.array([0, 0, 0, 3, 3, 5])  # clusters {1, 2, 3}, {4, 5}, {6}
PAIRS = [
    LabelledPair("1", "2", "DUP"),  # joined
    LabelledPair("2", "3", "DUP"),  # joined
    LabelledPair("4", "6", "DUP"),  # apart: a missed duplicate
    LabelledPair("1", "3", "DIFF"),  # joined: a false join
    LabelledPair("1", "4", "DIFF"),  # apart
    LabelledPair("5", "6", "DIFF"),  # apart
    LabelledPair("3", "5", "DIFF"),  # apart
    LabelledPair("4", "5", "UNSURE"),  # joined, but not scored
]


# --------------------------------------------------------------------------- score_pairs


def test_score_pairs_hand_counted() -> None:
    s = reuters_pairs.score_pairs(LABELS, IDS, PAIRS)
    assert (s["n_pairs"], s["n_dup"], s["n_diff"], s["n_unsure"], s["n_scored"]) == (8, 3, 4, 1, 7)
    assert (s["dup_joined"], s["diff_joined"]) == (2, 1)
    assert s["dup_joined_rate"] == pytest.approx(2 / 3)
    assert s["diff_joined_rate"] == pytest.approx(1 / 4)
    assert s["false_joins"] == [["1", "3"]]
    assert s["missed_dups"] == [["4", "6"]]


def test_score_pairs_takes_any_hashable_labels_and_is_pure() -> None:
    as_strings = ["x", "x", "x", "y", "y", "z"]
    ids, pairs = list(IDS), list(PAIRS)
    assert reuters_pairs.score_pairs(as_strings, ids, pairs) == reuters_pairs.score_pairs(LABELS, IDS, PAIRS)
    assert ids == IDS and pairs == PAIRS


def test_score_pairs_without_a_label_kind_gives_no_rate() -> None:
    s = reuters_pairs.score_pairs(LABELS, IDS, [LabelledPair("1", "2", "DUP")])
    assert s["dup_joined_rate"] == 1.0 and s["diff_joined_rate"] is None and s["n_diff"] == 0


def test_score_pairs_names_missing_ids() -> None:
    with pytest.raises(ValueError, match=r"2 pair id\(s\) not among the 6 clustered documents: '77', '99'"):
        reuters_pairs.score_pairs(LABELS, IDS, [*PAIRS, LabelledPair("1", "99", "DIFF"), LabelledPair("77", "2", "DUP")])


def test_score_pairs_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        reuters_pairs.score_pairs(LABELS[:5], IDS, PAIRS)
    with pytest.raises(ValueError, match="more than once"):
        reuters_pairs.score_pairs(LABELS, ["1", "2", "3", "4", "5", "1"], PAIRS)
    with pytest.raises(ValueError, match="unknown pair label"):
        reuters_pairs.score_pairs(LABELS, IDS, [LabelledPair("1", "2", "SAME")])


def test_meets_goals() -> None:
    assert reuters_pairs.meets_goals({"diff_joined_rate": 0.05, "dup_joined_rate": 0.97}) == {"diff_joined": True, "dup_joined": True}
    assert reuters_pairs.meets_goals({"diff_joined_rate": 0.06, "dup_joined_rate": None}) == {"diff_joined": False, "dup_joined": None}


# --------------------------------------------------------------------------- loading and running on a made-up data folder


def _write_data(root: Path, pairs: list[dict[str, Any]]) -> Path:
    """A data folder with four Reuters stories (one without a body) and the given pair records."""
    story = "The company said first quarter profit rose to 12 mln dlrs on higher sales of its main products in Europe."
    records = [
        {"id": "10", "title": "ACME PROFIT UP", "body": story + "\n Reuter\n\x03"},
        {"id": "11", "title": "ACME PROFIT UP", "body": story + "\n Reuter\n\x03"},
        {"id": "12", "title": "RAIN EXPECTED", "body": "Heavy rain is expected over the weekend in the north.\n Reuter\n\x03"},
        {"id": "13", "title": "NO BODY"},
    ]
    (root / "reuters21578").mkdir(parents=True)
    (root / "reuters21578" / "reuters-000.json").write_text(json.dumps(records), encoding="utf-8")
    (root / "reuters_pairs").mkdir()
    (root / "reuters_pairs" / "pairs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in pairs), encoding="utf-8")
    return root


def test_load_builds_title_blank_line_body(tmp_path: Path) -> None:
    data = _write_data(tmp_path, [{"a": "10", "b": "11", "label": "DUP", "why": "re-sent"}])
    bench = reuters_pairs.load(data)
    assert bench.corpus.ids == ["10", "11", "12"]  # the story without a body is not a document
    assert bench.corpus.texts[2] == "RAIN EXPECTED\n\nHeavy rain is expected over the weekend in the north.\n Reuter"
    assert bench.corpus.labels is None
    assert bench.pairs == [LabelledPair("10", "11", "DUP", "re-sent")]
    small = bench.restricted_to_pairs()
    assert small.corpus.ids == ["10", "11"] and small.corpus.meta["subset_of"] == 3


def test_load_pairs_names_the_bad_line(tmp_path: Path) -> None:
    data = _write_data(tmp_path, [{"a": "10", "b": "11", "label": "DUP"}, {"a": "10", "b": "12", "label": "maybe"}])
    with pytest.raises(ValueError, match=r"pairs.jsonl:2: label 'maybe'"):
        reuters_pairs.load_pairs(data)


def test_run_on_a_made_up_folder(tmp_path: Path) -> None:
    pairs = [{"a": "10", "b": "11", "label": "DUP"}, {"a": "10", "b": "12", "label": "DIFF"}, {"a": "11", "b": "12", "label": "UNSURE"}]
    res = reuters_pairs.run(tools=("exact_hash",), data=_write_data(tmp_path, pairs))
    assert res["status"] == "ok" and res["errors"] == []
    assert res["corpus"]["n_docs"] == 3 and res["corpus"]["pair_labels"] == {"DUP": 1, "DIFF": 1, "UNSURE": 1}
    (row,) = res["rows"]
    assert row["status"] == "ok" and row["seconds"] >= 0
    assert (row["dup_joined"], row["diff_joined"], row["n_scored"]) == (1, 0, 2)


def test_a_pair_id_without_a_story_is_an_error_row_not_a_crash(tmp_path: Path) -> None:
    res = reuters_pairs.run(tools=("exact_hash",), data=_write_data(tmp_path, [{"a": "10", "b": "13", "label": "DIFF"}]))
    assert res["rows"][0]["status"].startswith("error: ValueError: 1 pair id(s) not among")
    assert res["errors"][0]["where"] == "reuters_pairs / exact_hash"


# --------------------------------------------------------------------------- skipping without data


def test_missing_data_is_skipped(tmp_path: Path) -> None:
    with pytest.raises(datasets.DatasetMissing, match="reuters_pairs"):
        reuters_pairs.load(tmp_path)
    res = reuters_pairs.run(data=tmp_path)
    assert res["status"] == "missing" and res["errors"] == [] and str(tmp_path) in res["message"]
    assert res["notes"] and "skipped" in res["notes"][0]
    assert reuters_pairs.to_markdown(res).startswith("Skipped: data set not found")


def test_suite_part_skips_without_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path / "none"))  # --data sets it; undone after the test
    out = tmp_path / "out"
    code = run.main(["--only", "reuters_pairs", "--data", str(tmp_path / "none"), "--out", str(out), "--no-progress"])
    assert code == 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["reuters_pairs"]["status"] == "missing"
    assert set(results["meta"]["part_runs"]) == {"reuters_pairs"}
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "## Labelled Reuters pairs (clean newswire precision)" in text and "Skipped: data set not found" in text


# --------------------------------------------------------------------------- report


def _fake_results() -> dict[str, Any]:
    dedup_row = {"tool": "dedup", "status": "ok", "seconds": 12.345, **reuters_pairs.score_pairs(LABELS, IDS, PAIRS)}
    peer_row = {"tool": "exact_hash", "status": "ok", "seconds": 0.5, **reuters_pairs.score_pairs(np.arange(6), IDS, PAIRS)}
    return {
        "meta": {"command": "python -m benchmarks --only reuters_pairs", "mode": "full", "started": "2026-01-01T00:00:00+00:00",
                 "wall_seconds": 20.0, "data_dir": "/data"},
        "machine": {"cpu_model": "test CPU", "usable_cores": 2, "logical_cores": 2, "ram_gb": 8, "os": "Linux",
                    "python": "3.12", "packages": {}},
        "reuters_pairs": {
            "status": "ok",
            "config": {"quick": False, "warmup_docs": 20, "goals": reuters_pairs.GOALS},
            "corpus": {"variant": "all", "n_docs": 6, "subset_of": None, "mean_words": 100.0,
                       "pair_labels": {"DUP": 3, "DIFF": 4, "UNSURE": 1}},
            "tools": {},
            "rows": [dedup_row, peer_row, {"tool": "rensa_lsh", "status": "not installed (rensa)"}],
            "notes": [],
            "errors": [],
        },
    }


def test_report_renders_the_table() -> None:
    text = report.markdown(_fake_results())
    assert "## Labelled Reuters pairs (clean newswire precision)" in text
    assert "| tool | DIFF joined % (lower is better) | DUP joined % (higher is better) | n (DUP + DIFF) | seconds |" in text
    assert "| `dedup` | 25.0% (1 of 4) | 66.7% (2 of 3) | 7 | 12.3 |" in text
    assert "| `exact_hash` | 0.0% (0 of 4) | 0.0% (0 of 3) | 7 | 0.50 |" in text
    assert "| `rensa_lsh` | not installed (rensa) |" in text
    assert "goal ≤ 5%: **not met**" in text and "goal ≥ 97%: **not met**" in text
    assert "DIFF pairs dedup joined (story ids): 1–3." in text and "DUP pairs dedup kept apart (story ids): 4–6." in text
    assert "1 UNSURE left out" in text and "Quick variant" not in text


def test_report_says_when_the_quick_variant_ran() -> None:
    res = _fake_results()
    res["reuters_pairs"]["corpus"].update(variant="pairs-only", subset_of=19_043)
    assert "**Quick variant**: only the 6 stories named in a pair were clustered (of 19,043)" in report.markdown(res)


# --------------------------------------------------------------------------- the real data (skips without it)


def test_real_pairs_name_real_stories() -> None:
    try:
        bench = reuters_pairs.load()
    except datasets.DatasetMissing as exc:
        pytest.skip(str(exc))
    assert len(bench.corpus) == 19_043 and len(bench.pairs) == 270
    assert {label: sum(p.label == label for p in bench.pairs) for label in reuters_pairs.LABELS} == {"DUP": 106, "DIFF": 163, "UNSURE": 1}
    s = reuters_pairs.score_pairs(np.arange(len(bench.corpus)), bench.corpus.ids, bench.pairs)  # all singletons
    assert s["dup_joined"] == s["diff_joined"] == 0 and s["n_scored"] == 269
