"""Tests for benchmarks.label_audit on a small corpus built like impresso's passages."""

from __future__ import annotations

import random

import numpy as np
import pytest

from benchmarks import accuracy, datasets, label_audit, report

WORDS = (
    "conseil ville route gare canton lac pont train maison banque marché école église "
    "journal lettre rapport séance projet budget commune hiver récolte vigne orage neige "
    "fête musique théâtre concert hôpital prison tribunal armée soldat navire port usine"
).split()


def article(seed: int, n_words: int = 160) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + rng.choice("abcdefghij") for _ in range(n_words))


def page_corpus() -> datasets.Corpus:
    """Article X in P1, and an excerpt of X cut from the same article as its own
    passage, filed in another cluster (passim's split span); a reprint of each; two
    notices sharing only a formula in one cluster; an unrelated passage; one more
    reprint of X that passim missed (its own cluster, linked by no span)."""
    x = article(1)
    cut = len(x) // 2
    excerpt = x[cut:]
    formula = " ont la douleur de faire part de la perte de leur cher parent"
    texts = [x, excerpt, x, excerpt, article(2, 40) + formula, article(3, 40) + formula, article(4), x]
    return datasets.Corpus(
        name="pages",
        ids=[str(i) for i in range(len(texts))],
        texts=texts,
        labels=["g1", "g2", "g1", "g2", "g3", "g3", "g4", "g5"],
        meta={
            "doc_id": ["P1", "P1", "P2", "P3", "P4", "P5", "P1", "P6"],
            "begin": [0, cut, 0, 0, 0, 0, 5000, 0],
            "end": [len(x), len(x), len(x), len(excerpt), 300, 300, 6000, len(x)],
        },
    )


def test_gold_pairs() -> None:
    pairs = label_audit.gold_pairs(["a", "a", "b", "a", "c", "c", "d"])
    assert sorted(map(tuple, pairs.tolist())) == [(0, 1), (0, 3), (1, 3), (4, 5)]
    assert label_audit.gold_pairs(["a", "b"]).shape == (0, 2)


def test_overlapping_spans() -> None:
    pairs, fractions = label_audit.overlapping_spans(
        ["A", "A", "A", "B", "A"], [0, 50, 100, 0, 10], [100, 150, 200, 100, 20]
    )
    got = {tuple(p): f for p, f in zip(pairs.tolist(), fractions.tolist(), strict=True)}
    # [0,100) and [50,150) share half; [10,20) lies inside [0,100); touching spans do not overlap.
    assert got == {(0, 1): 0.5, (0, 4): 1.0, (1, 2): 0.5}
    # Spans starting together overlap whichever sorts first; an empty span overlaps nothing.
    pairs, fractions = label_audit.overlapping_spans(["A"] * 4, [5, 5, 0, 7], [10, 30, 40, 7])
    got = {tuple(p): f for p, f in zip(pairs.tolist(), fractions.tolist(), strict=True)}
    assert got == {(0, 1): 1.0, (0, 2): 1.0, (1, 2): 1.0}


def test_unsplit_labels() -> None:
    corpus = page_corpus()
    assert label_audit.unsplit_labels(corpus) == {"g3", "g4", "g5"}


def test_audit_counts() -> None:
    corpus = page_corpus()
    pred = accuracy.run_dedup(corpus.texts)
    # dedup groups the article, its excerpt and their reprints (containment), and keeps the notices apart.
    assert len({pred[i] for i in (0, 1, 2, 3, 7)}) == 1 and pred[4] != pred[5]
    a = label_audit.audit(corpus, pred)
    assert a["gold_pairs"] == 3
    # The notices share only the formula: below the rule, and only they.
    assert a["below_rule"] == pytest.approx(1 / 3)
    assert a["oracle"]["precision"] == 1.0 and a["oracle"]["recall"] == pytest.approx(2 / 3)
    assert a["span_overlap"] == {
        "pairs": 1, "split": 1, "split_contained": 1, "linked_cluster_pairs": 1,
        "unsplit_clusters": 3, "clusters": 5, "unsplit_gold_pairs": 1,
    }
    p = a["prediction"]
    # Eight false merges: g1-g2 (4, linked by the split span), g5 with g1 and g2 (4, not linked).
    assert (p["true_merges"], p["false_merges"], p["false_merges_linked"], p["misses"]) == (2, 8, 4, 1)
    assert p["precision_unlinked"] == pytest.approx(2 / 6)
    # Given the whole corpus's unsplit clusters, a subset reports only its own.
    assert label_audit.audit(corpus, pred, unsplit={"g3", "g9"})["span_overlap"]["unsplit_clusters"] == 1


def test_exact_similarity() -> None:
    x = article(5)
    jac, cont = label_audit.exact_similarity([x, x[: len(x) // 2], ""], np.array([[0, 1], [0, 2]]))
    assert 0.4 < jac[0] < 0.6 and cont[0] == 1.0
    assert jac[1] == cont[1] == 0.0


def test_audit_refuses_other_corpora() -> None:
    corpus = page_corpus()
    bare = datasets.Corpus(name="bare", ids=corpus.ids, texts=corpus.texts, labels=corpus.labels)
    with pytest.raises(ValueError, match="span metadata"):
        label_audit.audit(bare, [0] * len(bare))
    with pytest.raises(ValueError, match="predicted labels"):
        label_audit.audit(corpus, [0, 1])


def test_subset_keeps_per_item_metadata() -> None:
    corpus = page_corpus()
    sub = accuracy._subset_by_cluster(corpus, 0, 0, keep={"g2", "g4"})
    assert sub.ids == ["1", "3", "6"]
    assert sub.meta["doc_id"] == ["P1", "P3", "P1"] and sub.meta["end"][2] == 6000
    assert sub.meta["subset_of"] == len(corpus)


def test_report_renders_the_audit() -> None:
    corpus = page_corpus()
    ok = {**label_audit.audit(corpus, accuracy.run_dedup(corpus.texts)), "status": "ok"}
    failed = {"dataset": "impresso-2-10", "status": "error: ValueError: boom"}
    lines = report._label_audit([ok, failed])
    rows = [row for line in lines for row in line.split("\n") if row.startswith("| ")]
    assert len(rows) == 3 and len({row.count("|") for row in rows}) == 1  # header, ok row, error row: same width
    assert "| pages | 3 | 33.3% |" in rows[1] and "4 of 8" in rows[1] and "error: ValueError: boom" in rows[2]
    assert report._label_audit([]) == []


def test_unsplit_sets_come_from_the_whole_file() -> None:
    try:
        full = datasets.load_impresso("all")
    except datasets.DatasetMissing as exc:
        pytest.skip(str(exc))
    corpora = accuracy.load_corpora(accuracy.AccuracyConfig.quick_config())
    unsplit = label_audit.unsplit_labels(full)
    for name, of in (("impresso-unsplit", "impresso"), ("impresso-2-10-unsplit", "impresso-2-10")):
        sub, parent = corpora[name], corpora[of]
        assert sub.name == name and set(sub.labels) == set(parent.labels) & unsplit
    # A 2-10 cluster whose passage overlaps one of a larger cluster is split, though its partner is not in 2-10.
    small = datasets.load_impresso("2-10")
    assert label_audit.unsplit_labels(small) - unsplit
