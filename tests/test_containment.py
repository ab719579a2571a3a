"""Containment-aware candidates (length-ratio levels, :func:`dedup.lsh.containment_pairs`) and the
ambiguous-part rule (:func:`dedup.cluster.ambiguous_parts`): excerpts and abridgements of a long
article are found at length ratios down to 1:10, a passage two unrelated texts share joins neither."""

import itertools
import random

import numpy as np
import pytest

import dedup
from dedup.cluster import ambiguous_parts, pair_similarity
from dedup.lsh import containment_levels, containment_pairs, optimal_bands, pairs_from_keys

_RNG = random.Random(0)
WORDS = ["".join(_RNG.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(_RNG.randint(4, 9))) for _ in range(4000)]


def article(seed: int, sentences: int = 60) -> str:
    rng = random.Random(seed)
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "." for _ in range(sentences))


def part(text: str, start: float, fraction: float) -> str:
    words = text.split()
    a = int(len(words) * start)
    return " ".join(words[a : a + max(1, int(len(words) * fraction))])


def test_levels_cover_ratios_down_to_one_tenth_with_at_least_two_rows():
    levels = containment_levels(0.8, 256)
    assert [lv[0] for lv in levels] == [0.5, 0.25, 0.1]
    assert levels[0][1] > 1.0 and all(hi == nxt[0] for (_, hi, *_), nxt in zip(levels[1:], levels[:-1]))
    for lo, _, bands, rows in levels:
        s = 0.8 * lo / (1 + lo - 0.8 * lo)  # the Jaccard of a part of that ratio at the threshold
        assert rows >= 2 and bands * rows <= 256
        assert (bands, rows) == optimal_bands(s, 256, 0.1, 0.9, 2)
    assert containment_levels(1.0, 256) == ()  # the containment rule is off


@pytest.mark.parametrize("fraction", [0.5, 0.3, 0.15, 0.12])
def test_a_part_of_a_long_article_is_a_candidate_the_jaccard_bands_miss(fraction):
    d = dedup.Deduplicator()
    texts = [article(1)] + [part(article(1), 0.3, fraction)] + [article(k) for k in range(2, 40)]
    d.add_many(enumerate(texts))
    sigs, sizes = d.sign(texts)
    found = {tuple(p) for p in containment_pairs(sigs, sizes, 0.8).tolist()}
    assert (0, 1) in found
    assert (0, 1) in {tuple(p) for p in d.candidate_pairs().tolist()}
    labels = d.clusters().labels
    assert labels[0] == labels[1] and len(set(labels.tolist())) == len(texts) - 1
    if fraction <= 0.15:  # far below the Jaccard bands' threshold: only the levels propose it
        assert (0, 1) not in {tuple(p) for p in pairs_from_keys(d.lsh.keys(sigs)).tolist()}


def test_containment_pairs_are_screened_and_ratio_bounded():
    texts = [article(1), part(article(1), 0.0, 0.3), part(article(1), 0.6, 0.04), article(2)]
    d = dedup.Deduplicator()
    sigs, sizes = d.sign(texts)
    got = containment_pairs(sigs, sizes, 0.8, 0.4)
    assert got.tolist() == [[0, 1]]  # 1:25 is below the last level; unrelated texts fail the screen
    jac, cont = pair_similarity(sigs, sizes, got)
    assert d.verifier.passes_thresholds(jac, cont).all()
    assert containment_pairs(sigs, sizes, 1.0).shape == (0, 2)


def _ambiguous(texts):
    d = dedup.Deduplicator()
    sigs, sizes = d.sign(texts)
    pairs = np.array([[i, j] for i in range(len(texts)) for j in range(i + 1, len(texts))])
    jac, cont = pair_similarity(sigs, sizes, pairs)
    ok = d.verifier.passes_thresholds(jac, cont)
    drop = ambiguous_parts(pairs, ok, jac, np.maximum(jac, cont), sigs, sizes, d.verifier)
    return {tuple(p) for p in pairs[drop].tolist()}, {tuple(p) for p in pairs[ok].tolist()}


def test_a_passage_two_unrelated_texts_contain_is_ambiguous():
    clause = part(article(9), 0.0, 0.2)
    a, b = article(1, 40) + " " + clause, article(2, 40) + " " + clause
    dropped, matched = _ambiguous([clause, a, b])
    assert {(0, 1), (0, 2)} <= matched and dropped == {(0, 1), (0, 2)}
    labels = dedup.cluster([clause, a, b])
    assert len(set(labels.tolist())) == 3


def test_a_part_of_one_source_or_of_its_copies_is_not_ambiguous():
    src = article(3)
    copy = src.replace(".", ";", 5) + " Reprinted."
    excerpt = part(src, 0.4, 0.2)
    dropped, matched = _ambiguous([excerpt, src, copy])
    assert {(0, 1), (0, 2), (1, 2)} <= matched and not dropped
    assert len(set(dedup.cluster([excerpt, src, copy, article(4)]).tolist())) == 2


def _noisy(text: str, every: int) -> str:
    """Every ``every``-th letter replaced, like a poor OCR (each edit costs the shingles that cover it)."""
    return "".join("x" if k % every == every - 1 and c.isalpha() else c for k, c in enumerate(text))


def test_the_index_finds_the_excerpts_dedup_cluster_finds(tmp_path):
    """Parts of stored articles at ratios 1:2 to 1:25, some damaged: the persistent index matches a part to its
    source exactly when ``dedup cluster`` (the local engine) groups them, whichever of the two is stored first."""
    sources = [article(k, 50) for k in range(16)]
    fractions = (0.5, 0.3, 0.2, 0.15, 0.12, 0.04)
    parts = [part(sources[k], 0.1 * (k % 5), fractions[k % len(fractions)]) for k in range(16)]
    parts = [_noisy(p, 25 + k) if k % 2 else p for k, p in enumerate(parts)]
    labels = dedup.cluster(sources + parts)
    local = {(k, k) for k in range(16) if labels[k] == labels[16 + k]}
    assert len(set(labels[:16].tolist())) == 16  # the articles are unrelated
    assert {(k, k) for k in range(16) if fractions[k % len(fractions)] >= 0.12 and k % 2 == 0} <= local
    assert not any(fractions[k % len(fractions)] < 0.1 for k, _ in local) and any(k % 2 for k, _ in local)
    with dedup.Index.open(tmp_path / "parts.dedup", n_jobs=1) as ix:
        ix.add_many([(s, t) for s, t in enumerate(sources)])
        found = {(k, m.id) for k, m in enumerate(ix.check_many(parts)) if m is not None}
    assert found == local
    with dedup.Index.open(tmp_path / "sources-later.dedup", n_jobs=1) as ix:  # the parts stored, the sources checked
        ix.add_many([(k, t) for k, t in enumerate(parts)])
        found = {(m.id, s) for s, m in enumerate(ix.check_many(sources)) if m is not None}
    assert found == local
    with dedup.Index.open(tmp_path / "one-batch.dedup", n_jobs=1) as ix:  # all in one batch: pairs inside it
        got = ix.check_and_add_many([(f"s{k}", t) for k, t in enumerate(sources)] + [(f"p{k}", t) for k, t in enumerate(parts)])
        found = {(k, int(m.id[1:])) for k, m in enumerate(got[16:]) if m is not None}
    assert found == local


def test_parts_of_one_article_join_it_though_they_do_not_match_each_other():
    """Four excerpts of disjoint spans of one article: each matches the article only, so average linkage
    alone (min_link_fraction 0.5) would leave the later ones out; attached as parts, all join it."""
    src = article(5, 80)
    excerpts = [part(src, start, 0.15) for start in (0.0, 0.25, 0.5, 0.75)]
    texts = [src, *excerpts, article(6), article(7)]
    labels = dedup.cluster(texts)
    assert len(set(labels[:5].tolist())) == 1 and len(set(labels.tolist())) == 3
    c = dedup.Deduplicator()
    c.add_many(enumerate(texts))
    got = c.clusters()
    assert got.is_representative[0] and all(0.8 <= s <= 1.0 for s in got.similarity[1:5])
    assert set(got.matched[1:5].tolist()) == {0}


def test_a_passage_with_copies_of_its_own_is_not_a_part():
    """An abridged version reprinted twice is a group of its own, beside the full story's group."""
    from dedup.cluster import containment_parts

    src = article(8, 60)
    short = part(src, 0.0, 0.3)
    texts = [src, src + " Copyright 1900.", short, short.replace(".", ",", 3)]  # the last two: one prepared text
    d = dedup.Deduplicator()
    sigs, sizes = d.sign(texts)
    pairs = np.array([[i, j] for i in range(4) for j in range(i + 1, 4)])
    jac, cont = pair_similarity(sigs, sizes, pairs)
    ok = d.verifier.passes_thresholds(jac, cont)
    drop, parts = containment_parts(pairs, ok, jac, np.maximum(jac, cont), sigs, sizes, d.verifier)
    assert (2, 3) in {tuple(p) for p in pairs[ok & (jac >= 0.4)].tolist()}
    assert {tuple(p) for p in pairs[ok & (jac < 0.4)].tolist()} == {(0, 2), (0, 3), (1, 2), (1, 3)} == {tuple(p) for p in pairs[drop].tolist()}
    assert parts.shape == (0, 2)
    labels = dedup.cluster(texts)  # (where 2 and 3 are one node of identical copies)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]
    other = [src, src + " Copyright 1900.", short, short.replace(short.split()[3], "changed")]  # a near copy
    labels = dedup.cluster(other)
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]
    # Alone, the abridgement is a part of the story: its best source is the story's fuller copy or the story.
    sel = [0, 1, 3]  # the pairs of the first three texts
    drop, parts = containment_parts(pairs[sel], ok[sel], jac[sel], np.maximum(jac, cont)[sel], sigs, sizes, d.verifier)
    assert not drop.any() and parts.tolist() in ([[2, 0]], [[2, 1]])
    assert len(set(dedup.cluster(texts[:3]).tolist())) == 1


def test_shingler_containment_is_exact_on_the_signed_shingles():
    from dedup import Shingler

    sh = Shingler("char", 5)
    texts = ["the quick brown fox jumps", "quick brown fox", "nothing alike here", "", "The QUICK brown fox"]
    got = sh.containment(texts, np.array([[0, 1], [1, 0], [0, 2], [0, 3], [1, 4]]), fold_ascii=True)
    a, b = set(sh.shingles("quick brown fox")), set(sh.shingles("the quick brown fox"))
    assert got[:4].tolist() == [1.0, 1.0, 0.0, 0.0] and got[4] == len(a & b) / len(a)
    assert sh.containment(texts, np.array([[1, 4]]))[0] < got[4]  # without folding, capitals differ
    assert dedup.explain(texts[0], texts[1]).exact_containment == 1.0


def test_a_part_whose_estimate_is_low_is_judged_on_its_exact_containment():
    from dedup.cluster import EXACT_MARGIN, exact_containment

    d = dedup.Deduplicator()
    found = 0
    for seed, start in itertools.product(range(11, 17), np.linspace(0, 0.85, 18)):
        src = article(seed, 80)
        piece = part(src, float(start), 0.12)
        sigs, sizes = d.sign([src, piece])
        jac, est = pair_similarity(sigs, sizes, np.array([[0, 1]]))
        exact = d.shingler.containment([d.prepare(src).lower(), d.prepare(piece).lower()], np.array([[0, 1]]))
        got = exact_containment(jac, est, np.array([[0, 1]]), d.verifier, lambda p, exact=exact: exact)
        assert got[0] == (exact[0] if est[0] >= 0.8 - EXACT_MARGIN else est[0])
        proposed = [0, 1] in containment_pairs(sigs, sizes, 0.8, 0.4, 0.8 - EXACT_MARGIN).tolist()
        if proposed and est[0] < 0.8 <= exact[0]:  # a candidate the estimate alone would miss
            found += 1
            e = dedup.explain(src, piece)
            assert e.match and e.decided_by.startswith("exact containment") and e.containment == est[0]
            labels = dedup.cluster([src, piece, article(99)])
            assert labels[0] == labels[1] != labels[2]
            assert len(set(dedup.cluster([src, piece], verify_text=False).tolist())) == 2  # no texts: the estimate
    assert found >= 1


def test_a_cluster_made_of_parts_joins_the_one_cluster_its_sources_lie_in():
    from dedup.cluster import build_clusters

    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32 - 1, size=(5, 16), dtype=np.uint32)
    sizes = np.array([900, 200, 300, 900, 100])
    edges = np.array([[1, 2], [0, 1], [3, 4]])  # 1 and 2 match; 1 is a part of 0; 4 a part of 3
    w = np.array([0.95, 0.9, 0.9])
    apart = build_clusters(sigs, sizes, edges, w, 0.9).labels  # 0.9: {1, 2} and {0} share 1 of 2 pairs: apart
    assert apart[1] == apart[2] != apart[0]
    got = build_clusters(sigs, sizes, edges, w, 0.9, parts=np.array([[1, 0], [2, 1], [4, 3]])).labels
    assert got[0] == got[1] == got[2] and got[3] == got[4] != got[0]
    # parts of one cluster whose sources lie in two clusters stay where the linkage put them
    two = build_clusters(sigs, sizes, edges, w, 0.9, parts=np.array([[1, 0], [2, 3]])).labels
    assert two[1] == two[2] and len({two[0], two[1], two[3]}) == 3
    # a veto of the text alignment keeps the cluster apart
    vetoed = build_clusters(sigs, sizes, edges, w, 0.9, parts=np.array([[1, 0], [2, 1]]),
                            confirm=lambda p: ~np.isin(np.asarray(p)[:, 1], [0])).labels
    assert vetoed[1] == vetoed[2] != vetoed[0]


def test_query_finds_parts_and_the_texts_they_are_part_of():
    """``Deduplicator.query`` proposes by the length-ratio levels too (issue 17): an excerpt of a tenth to a half of
    an added article finds it, and the article finds its added excerpt, as ``clusters()`` joins them."""
    rng = random.Random(5)
    vocab = [f"{w}{k}" for k in range(400) for w in ("alpha", "beta")]
    article = " ".join(rng.choice(vocab) for _ in range(900))
    other = " ".join(rng.choice(vocab) for _ in range(900))
    words = article.split()
    excerpt = " ".join(words[300:450])  # a sixth of the article
    d = dedup.Deduplicator()
    d.add_many([("article", article), ("other", other)])
    sigs, sizes, _ = d.sign_prepared([d.prepare(article), d.prepare(excerpt)])
    assert [0, 1] not in pairs_from_keys(d.lsh.keys(sigs)).tolist()  # the Jaccard bands do not propose it
    assert [hit[0] for hit in d.query(excerpt)] == ["article"]
    d.add("excerpt", excerpt)
    assert "excerpt" in [hit[0] for hit in d.query(article)]
    labels = d.clusters().labels.tolist()
    assert labels[0] == labels[2] != labels[1]
