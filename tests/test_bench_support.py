"""Tests for the benchmark support modules: metrics, synthetic reprints, data loaders.

Loader tests need the evaluation data (``../shared/data`` or ``$DEDUP_DATA_DIR``)
and skip without it; everything else runs on text made here.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter

import numpy as np
import pytest

from benchmarks import datasets, metrics, synth

ARTICLE = (
    "The city council voted on Tuesday to extend the tramway line to the northern districts. "
    "Officials said the work would begin in the spring and cost about 40 million francs. "
    "Residents of the affected streets have complained about noise, but the mayor promised "
    "that construction would stop every night at nine o'clock. \"We have listened to the "
    "families,\" she said. The opposition called the plan premature -- it wants a referendum "
    "first. A final decision on the route through the old town is expected in March.\n"
    "    Engineers estimate that the extension will carry 12,000 passengers a day once it "
    "opens, which would relieve the crowded bus lines along the lake shore."
)


def levenshtein(a: str, b: str) -> int:
    """Plain edit distance (insert, delete, substitute), for checking noise rates."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def brute_pairs(true: list, pred: list) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) by looping over every pair: the reference for the contingency code."""
    tp = fp = fn = tn = 0
    for i, j in itertools.combinations(range(len(true)), 2):
        same_true, same_pred = true[i] == true[j], pred[i] == pred[j]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
        tn += not same_true and not same_pred
    return tp, fp, fn, tn


# --------------------------------------------------------------------------- metrics


def test_ari_hand_computed() -> None:
    # true {0,1,2}{3,4,5}, pred {0,1}{2,3}{4,5}: sum C(n_ij,2) = 2, rows 6, columns 3,
    # pairs 15 -> expected 6*3/15 = 1.2, max 4.5 -> ARI = (2 - 1.2) / (4.5 - 1.2) = 8/33.
    assert metrics.adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(8 / 33)
    # scikit-learn's documented example: 0.57...
    assert metrics.adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 2]) == pytest.approx(4 / 7)
    assert metrics.adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)


def test_ari_special_cases() -> None:
    assert metrics.adjusted_rand_index([], []) == 1.0
    assert metrics.adjusted_rand_index([7], [3]) == 1.0
    assert metrics.adjusted_rand_index(["a", "a", "b"], [5, 5, 9]) == 1.0  # renaming does not matter
    assert metrics.adjusted_rand_index([1, 2, 3], ["x", "y", "z"]) == 1.0  # all singletons both
    # [1, "1"] must stay two labels (np.asarray would make them equal strings).
    assert metrics.pair_confusion([1, "1"], [0, 0]) == (0, 1, 0, 0)
    with pytest.raises(ValueError):
        metrics.adjusted_rand_index([0, 1], [0])


def test_pairwise_prf_hand_computed() -> None:
    # true pairs: 3 + 3 = 6; predicted pairs: 3; shared: (0,1) and (4,5).
    p, r, f1 = metrics.pairwise_prf([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])
    assert (p, r) == pytest.approx((2 / 3, 1 / 3))
    assert f1 == pytest.approx(4 / 9)
    assert metrics.pairwise_prf([0, 1, 2], [0, 1, 2]) == (1.0, 1.0, 1.0)
    assert metrics.pairwise_prf([0, 0, 1], [0, 1, 2]) == (1.0, 0.0, 0.0)


@pytest.mark.parametrize("seed", range(5))
def test_cluster_metrics_match_pair_loop(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(2, 60)
    true = [rng.randrange(rng.randint(1, 12)) for _ in range(n)]
    pred = [f"p{rng.randrange(rng.randint(1, 12))}" for _ in range(n)]
    tp, fp, fn, tn = brute_pairs(true, pred)
    assert metrics.pair_confusion(true, pred) == (tp, fp, fn, tn)
    assert metrics.pair_confusion(np.array(true), np.array(pred)) == (tp, fp, fn, tn)
    p, r, _ = metrics.pairwise_prf(true, pred)
    assert p == pytest.approx(tp / (tp + fp) if tp + fp else 1.0)
    assert r == pytest.approx(tp / (tp + fn) if tp + fn else 1.0)


def test_cluster_metrics_scale() -> None:
    rng = np.random.default_rng(0)
    true = rng.integers(0, 40_000, 200_000)
    pred = true.copy()
    pred[:1000] = rng.integers(0, 40_000, 1000)  # a few wrong assignments
    tp, fp, fn, tn = metrics.pair_confusion(true, pred)
    assert tp + fp + fn + tn == 200_000 * 199_999 // 2
    assert 0.97 < metrics.adjusted_rand_index(true, pred) < 1.0


def test_ari_against_sklearn() -> None:
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    for k in (2, 10, 500):
        true, pred = rng.integers(0, k, 2000), rng.integers(0, k, 2000)
        pred[:1000] = true[:1000]
        assert metrics.adjusted_rand_index(true, pred) == pytest.approx(sk.adjusted_rand_score(true, pred))
        scores = rng.random(2000).round(2)  # with ties
        assert metrics.roc_auc(scores, true % 2) == pytest.approx(sk.roc_auc_score(true % 2, scores))


def test_roc_auc() -> None:
    assert metrics.roc_auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert metrics.roc_auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert metrics.roc_auc([0.5, 0.5], [0, 1]) == 0.5
    rng = random.Random(3)
    scores = [rng.choice([0.1, 0.2, 0.3, 0.4]) for _ in range(80)]
    labels = [int(rng.random() < s + 0.3) for s in scores]
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    brute = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / (len(pos) * len(neg))
    assert metrics.roc_auc(scores, labels) == pytest.approx(brute)
    with pytest.raises(ValueError):
        metrics.roc_auc([0.1, 0.2], [1, 1])


def test_best_threshold_matches_exhaustive_search() -> None:
    rng = random.Random(4)
    scores = [round(rng.random(), 1) for _ in range(200)]
    labels = [int(rng.random() < s) for s in scores]
    best = max(
        (metrics.prf_at_threshold(scores, labels, t)[2], t) for t in sorted(set(scores))
    )  # highest F1, then highest threshold
    threshold, f1 = metrics.best_threshold(scores, labels)
    assert (f1, threshold) == pytest.approx(best)
    assert metrics.prf_at_threshold(scores, labels, threshold)[2] == pytest.approx(f1)
    assert metrics.best_threshold([0.2, 0.4, 0.6, 0.8], [0, 0, 1, 1]) == (0.6, 1.0)


# --------------------------------------------------------------------------- synth transforms


@pytest.mark.parametrize("rate", [0.01, 0.03, 0.05])
def test_ocr_noise_rate(rate: float) -> None:
    noisy = synth.ocr_noise(ARTICLE, rate, random.Random(0))
    edits = round(rate * len(ARTICLE))
    distance = levenshtein(ARTICLE, noisy)
    # Each edit site costs 1 (or 2 for rn->m style substitutions); sites rarely cancel.
    assert 0.6 * edits <= distance <= 2 * edits
    assert synth.ocr_noise(ARTICLE, rate, random.Random(0)) == noisy
    assert synth.ocr_noise(ARTICLE, 0.0, random.Random(0)) == ARTICLE


def test_ocr_noise_uses_confusables() -> None:
    noisy = synth.ocr_noise("m" * 400 + "l" * 400, 0.5, random.Random(1))
    assert "rn" in noisy or "in" in noisy
    assert re.search("[1Ii]", noisy)


@pytest.mark.parametrize("width", [30, 45, 70])
def test_rewrap(width: int) -> None:
    wrapped = synth.rewrap(ARTICLE, width, random.Random(0))
    lines = wrapped.split("\n")
    assert all(len(line) <= width or " " not in line for line in lines)
    assert wrapped.count("\n\n") == 1  # the indented second paragraph is kept
    joined = re.sub(r"(?<=\w)-\n(?=\w)", "", wrapped)
    assert joined.split() == ARTICLE.split()  # same words, only layout changed
    if width < 45:
        assert re.search(r"[a-z]{2}-\n[a-z]{2}", wrapped)  # end-of-line hyphenation


def test_rewrap_undoes_old_hyphenation() -> None:
    assert synth.rewrap("les fa-\nmilles de Genève", 70) == "les familles de Genève"


@pytest.mark.parametrize("fraction", [0.5, 0.7, 0.95])
def test_abridge_keeps_a_prefix(fraction: float) -> None:
    short = synth.abridge(ARTICLE, fraction)
    assert ARTICLE.startswith(short)
    assert 0.8 * fraction * len(ARTICLE) - 30 <= len(short) <= fraction * len(ARTICLE)
    rest = ARTICLE[len(short) :]
    assert short.endswith((".", "?", "!", '"')) or rest[:1].isspace()  # cut at a boundary
    assert synth.abridge(ARTICLE, 1.0) == ARTICLE


def test_dateline_byline_footer() -> None:
    rng = random.Random(0)
    dated = synth.add_dateline(ARTICLE, rng)
    assert dated.endswith(ARTICLE)
    assert re.match(r"[A-Z][A-Z ]+, [A-Z][a-z]+ \d{1,2} \S", dated)
    bylined = synth.add_byline(ARTICLE, rng)
    assert re.match(r"By [A-Za-z]+ [A-Za-z]+(, Staff Writer)?\n", bylined)
    assert bylined.endswith("\n" + ARTICLE)
    footed = synth.add_footer(ARTICLE, rng)
    assert footed.startswith(ARTICLE + "\n")
    assert re.search(r"(Copyright \d{4}|Source:|Reprinted from|-- ).+$", footed.rsplit("\n", 1)[1])


def test_mojibake_is_repaired_by_ftfy() -> None:
    ftfy = pytest.importorskip("ftfy")
    text = "Le café de la Gare — ouvert à René, naïve “fin”."
    garbled = synth.mojibake(text, 1.0, random.Random(0))
    assert "cafÃ©" in garbled and "â€”" in garbled and "Ã\xa0 Ren" in garbled
    assert ftfy.fix_text(garbled, uncurl_quotes=False) == text
    latin = synth.mojibake(text, 1.0, random.Random(0), encoding="latin-1")
    assert "Ã©" in latin and ftfy.fix_text(latin, uncurl_quotes=False) == text
    partial = synth.mojibake(text * 10, 0.2, random.Random(0))
    assert "Ã©" in partial and "é" in partial  # only a span is garbled
    assert synth.mojibake("plain ascii", 1.0, random.Random(0)) == "plain ascii"


def test_swap_quotes_dashes_round_trip() -> None:
    text = "He said \"it's 'fine'\" -- really (\"yes\")."
    curly = synth.swap_quotes_dashes(text, "curly")
    assert curly == "He said “it’s ‘fine’” — really (“yes”)."
    assert synth.swap_quotes_dashes(curly, "straight") == text


def test_reprint_always_changes_the_text() -> None:
    rng = random.Random(5)
    for _ in range(200):
        text, applied = synth.reprint("Plain words here.", rng)
        assert applied and text != "Plain words here."


def _fake_sources(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(3000)]
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(40, 120))) + "." for _ in range(n)]
    return texts, [f"topic{i % 7}" for i in range(n)]


def test_make_reprint_corpus_labels_and_roles() -> None:
    sources, topics = _fake_sources(300)
    corpus = synth.make_reprint_corpus(sources, n_clusters=40, n_distractors=80, seed=1, topics=topics)
    roles = corpus.meta["role"]
    assert len(corpus) == len(corpus.ids) == len(corpus.labels) == len(roles) == len(set(corpus.ids))
    sizes = Counter(corpus.labels)
    assert sorted(set(corpus.labels)) == list(range(120))
    assert all(2 <= sizes[c] <= 6 for c in range(40)) and all(sizes[40 + j] == 1 for j in range(80))
    src = corpus.meta["source_index"]
    cluster_sources = {src[i] for i, r in enumerate(roles) if r != "distractor"}
    distractor_sources = [src[i] for i, r in enumerate(roles) if r == "distractor"]
    assert len(cluster_sources) == 40 and not cluster_sources & set(distractor_sources)
    assert len(set(distractor_sources)) == 80
    for i, role in enumerate(roles):
        if role in ("original", "distractor"):
            assert corpus.texts[i] == sources[src[i]]
        else:
            assert corpus.texts[i] != sources[src[i]] and corpus.meta["transforms"][i]
    # Distractors follow the originals' topic mix (7 topics, 40 originals).
    original_topics = Counter(topics[src[i]] for i, r in enumerate(roles) if r == "original")
    distractor_topics = Counter(topics[s] for s in distractor_sources)
    assert set(distractor_topics) == set(original_topics)


def test_make_reprint_corpus_is_deterministic() -> None:
    sources, topics = _fake_sources(200)
    a = synth.make_reprint_corpus(sources, 30, 50, seed=7, topics=topics)
    b = synth.make_reprint_corpus(sources, 30, 50, seed=7, topics=topics)
    c = synth.make_reprint_corpus(sources, 30, 50, seed=8, topics=topics)
    assert (a.ids, a.texts, a.labels, a.meta) == (b.ids, b.texts, b.labels, b.meta)
    assert a.texts != c.texts
    with pytest.raises(ValueError):
        synth.make_reprint_corpus(sources, 150, 100)


def test_distinct_sources_drops_near_duplicates() -> None:
    sources, _ = _fake_sources(50)
    half = " ".join(sources[3].split()[: len(sources[3].split()) // 2 + 5])
    texts = [*sources, sources[10], half, synth.ocr_noise(sources[20], 0.005, random.Random(0))]
    assert synth.distinct_sources(texts) == list(range(50))


# --------------------------------------------------------------------------- loaders


@pytest.fixture(scope="module")
def data():
    found = datasets.data_dir()
    if found is None:
        pytest.skip(f"evaluation data not found ({datasets.ENV_VAR} or ../shared/data)")
    return found


def test_data_dir_resolution(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path))
    assert datasets.data_dir() == tmp_path
    assert datasets.data_dir(tmp_path / "nope") is None
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path / "nope"))
    assert datasets.data_dir() is None


def test_missing_data_raises_dataset_missing(tmp_path) -> None:
    for load in (datasets.load_impresso, datasets.load_msrp, datasets.load_reuters, datasets.load_viraltexts):
        with pytest.raises(datasets.DatasetMissing, match=re.escape(str(tmp_path))):
            load(data=tmp_path)
    with pytest.raises(FileNotFoundError):
        datasets.load_seeds(tmp_path)


def test_load_seeds() -> None:
    try:
        seeds = datasets.load_seeds()
    except datasets.DatasetMissing as exc:
        pytest.skip(str(exc))
    assert [i[:3] for i in seeds.ids] == ["000", "001", "002", "003", "004"]
    assert seeds.labels == [0, 0, 1, 2, 3]
    assert "HernÃ¡ndez" in seeds.texts[0] and all(len(t) > 1000 for t in seeds.texts)


def test_load_impresso(data) -> None:
    full = datasets.load_impresso(data=data)
    small = datasets.load_impresso("2-10", data=data)
    assert len(full) == len(set(full.ids)) == 12_511 and len(set(full.labels)) == 3_928
    assert len(small) == 9_302 and len(set(small.labels)) == 3_803
    assert all(2 <= n <= 10 for n in Counter(small.labels).values())
    assert set(full.meta["series"]) == {"GDL", "JDG"}
    assert all(0 <= b < e for b, e in zip(full.meta["begin"], full.meta["end"], strict=True))
    assert "-\n" in full.texts[0]  # raw OCR layout kept
    with pytest.raises(ValueError):
        datasets.load_impresso("3-5", data=data)  # type: ignore[arg-type]


def test_load_msrp(data) -> None:
    train, test = datasets.load_msrp("train", data=data), datasets.load_msrp("test", data=data)
    assert (len(train), len(test)) == (4_076, 1_725)
    assert Counter(y for _, _, y in train) == {1: 2_753, 0: 1_323}
    s1, _, y = train[0]
    assert s1.startswith("Amrozi accused his brother") and y == 1 and '"the witness"' in s1


def test_load_reuters(data) -> None:
    stories = datasets.load_reuters(data=data)
    assert len(stories) == 19_043
    assert all(s["body"] and "\x03" not in s["body"] for s in stories)
    assert stories[0]["topics"] == ["cocoa"] and stories[0]["title"] == "BAHIA COCOA REVIEW"
    assert datasets.load_reuters(limit=10, data=data) == stories[:10]
    assert not datasets.strip_reuters_signoff(stories[0]["body"]).rstrip().endswith("Reuter")


def test_load_viraltexts(data) -> None:
    corpus = datasets.load_viraltexts(data=data)
    assert len(corpus) == len(set(corpus.ids)) == len(set(corpus.labels)) == 2_000
    assert max(map(len, corpus.texts)) == 40_324  # the longest multi-line field, read whole
    assert sum("\n" in t for t in corpus.texts) > 1_900


@pytest.mark.slow
def test_default_synthetic_corpus(data) -> None:
    corpus = synth.default_synthetic_corpus(data=data)
    roles = Counter(corpus.meta["role"])
    assert roles["original"] == 1_000 and roles["distractor"] == 2_000
    assert 1_000 <= roles["reprint"] <= 5_000
    sizes = Counter(corpus.labels)
    assert len(sizes) == 3_000 and all(1 <= n <= 6 for n in sizes.values())
    assert sum(n == 1 for n in sizes.values()) == 2_000


@pytest.mark.slow
def test_scaled_corpus(data) -> None:
    small = datasets.scaled_corpus(1_000, seed=3, data=data)
    assert len(small) == 1_000 and small == datasets.scaled_corpus(1_000, seed=3, data=data)
    big = datasets.scaled_corpus(40_000, data=data)
    stats = datasets.corpus_stats(big)
    assert stats["n_docs"] == 40_000
    assert stats["n_unique"] > 0.97 * 40_000  # copies are perturbed
    assert 100 < stats["mean_words"] < 250


@pytest.mark.slow
def test_news_corpus_has_a_fixed_share_of_near_copies(data) -> None:
    docs = datasets.news_corpus(2_000, seed=1, data=data)
    assert docs[:300] == datasets.news_corpus(300, seed=1, data=data)  # sizes are nested prefixes
    assert len(set(docs)) == 2_000 and 500 < datasets.corpus_stats(docs)["mean_words"] < 750
    copies = len(docs) - len(synth.distinct_sources(docs, threshold=0.3))
    assert 0.14 * len(docs) <= copies <= 0.22 * len(docs)  # 20% are copies; a few are too damaged to see
    with pytest.raises(ValueError, match="copy_rate"):
        datasets.news_corpus(10, copy_rate=1.0, data=data)


def test_index_bench_reuses_a_built_index_and_says_so(tmp_path):
    from benchmarks import index_bench

    first = index_bench.run(150, 40, n_single=5, n_latency=5, workdir=tmp_path)
    assert first["fill_seconds"] >= 0 and first["documents_before"] == 150 and "fill_reused" not in first
    assert first["base_rewrites_during_batched"] == 0  # 40 documents are far below one rewrite
    again = index_bench.run(150, 40, n_single=5, n_latency=5, workdir=tmp_path)
    n = again["documents_before"]
    assert "fill_seconds" not in again and again["fill_reused"] == n and 150 < n <= 150 + 40 + 5 + 40  # near-copies were dropped
    text = index_bench.to_markdown(again)
    assert f"reused from an earlier run ({n} docs)" in text and f"already holding {n} documents" in text
    assert "\n\n|" not in text.split("| measure |", 1)[1]  # no blank line breaks the table
    assert again["cached_check_and_add_many_docs_per_s"] > 0 and "cache_signatures=True" in text
    assert again["cached_base_rewrites"] == 0 and "0 rewrite(s) of the base included" in text
