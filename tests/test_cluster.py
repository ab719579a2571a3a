import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.cluster import build_clusters, connected_components, pair_similarity, similarity_between

BASE = [
    "The city council voted on Tuesday to approve a new budget for road repairs and public parks after months of debate.",
    "Scientists announced the discovery of a new species of frog in the rainforest, noting its unusual bright blue skin.",
    "The football club signed a young striker from abroad, hoping he will score the goals needed to avoid relegation.",
    "Heavy snow closed schools across the region as forecasters warned of more storms arriving later in the week.",
]


def variants():
    out = []
    for t in BASE:
        out.append(t)
        out.append("BREAKING: " + t.replace("new", "NEW") + " More to follow.")
    return out


def test_connected_components():
    root = connected_components(6, np.array([[0, 1], [1, 2], [4, 5]]))
    assert root[0] == root[1] == root[2] and root[4] == root[5]
    assert len({root[0], root[3], root[4]}) == 3


def test_representative_is_fullest_then_earliest():
    sigs = np.zeros((3, 4), dtype=np.uint32)
    sizes = np.array([10, 30, 30])
    c = build_clusters(sigs, sizes, np.array([[0, 1], [1, 2]]))
    assert c.labels.tolist() == [1, 1, 1]
    assert c.is_representative.tolist() == [False, True, False]
    assert c.n_clusters == 1 and [g.tolist() for g in c.groups()] == [[1, 0, 2]]


def test_pair_similarity_containment():
    # Signatures equal in 50 of 100 positions: J = 0.5; sizes 50 and 100 -> A inside B.
    a = np.arange(100, dtype=np.uint32)
    b = a.copy()
    b[50:] += 1000
    j, c = pair_similarity(np.stack((a, b)), np.array([50, 100]), np.array([[0, 1]]))
    assert j[0] == pytest.approx(0.5) and c[0] == pytest.approx(1.0)
    j, c = pair_similarity(np.stack((a, b)), np.array([0, 100]), np.array([[0, 1]]))
    assert j[0] == 0 and c[0] == 0


def test_variants_group_and_unrelated_stay_apart():
    labels = dedup.cluster(variants())
    assert len(set(labels.tolist())) == len(BASE)
    for k in range(len(BASE)):
        assert labels[2 * k] == labels[2 * k + 1]


def test_abridged_reprint_joins_original(seeds):
    full = seeds["001"]
    half = full[: len(full) // 2]
    labels = dedup.cluster([full, half, seeds["002"]])
    assert labels.tolist() == [0, 0, 2]


def test_empty_documents_group_with_their_exact_copies_only():
    labels = dedup.cluster(["", "", "  ", BASE[0], "  "])
    assert labels.tolist() == [0, 0, 2, 3, 2]


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(8))))
def test_clustering_does_not_depend_on_input_order(perm):
    texts = variants()
    base = dedup.cluster(texts)
    shuffled = dedup.cluster([texts[i] for i in perm])
    # Same partition (labels are positions, so compare as sets of members).
    def partition(labels, order):
        groups = {}
        for pos, lab in enumerate(labels.tolist()):
            groups.setdefault(lab, set()).add(order[pos])
        return {frozenset(g) for g in groups.values()}

    assert partition(base, list(range(8))) == partition(shuffled, list(perm))


def test_average_linkage_does_not_chain_through_one_bridge():
    from dedup.cluster import average_linkage

    # Two dense triangles {0,1,2} and {3,4,5} joined by one bridge edge 2-3.
    edges = np.array([[0, 1], [0, 2], [1, 2], [3, 4], [3, 5], [4, 5], [2, 3]])
    weights = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5])
    root = average_linkage(6, edges, weights, min_fraction=0.5)
    assert root[0] == root[1] == root[2] and root[3] == root[4] == root[5] and root[0] != root[3]
    # With no density requirement it is connected components.
    assert len(set(average_linkage(6, edges, weights, min_fraction=0.0).tolist())) == 1
    assert len(set(connected_components(6, edges).tolist())) == 1


def test_min_link_fraction_zero_is_connected_components():
    texts = variants()
    assert dedup.cluster(texts, min_link_fraction=0.0).tolist() == dedup.cluster(texts).tolist()


def test_duplicate_groups():
    from dedup.cluster import duplicate_groups

    sigs = np.array([[1, 2], [3, 4], [1, 2], [1, 2], [9, 9], [9, 9]], dtype=np.uint32)
    sizes = np.array([5, 6, 5, 7, 0, 0])
    node, counts = duplicate_groups(sigs, sizes)
    assert node.tolist() == [0, 1, 0, 2, 3, 4]
    assert counts.tolist() == [2, 1, 1, 1, 1]


def test_duplicate_groups_never_join_different_signatures_on_a_hash_collision(monkeypatch):
    from dedup import _kernels
    from dedup.cluster import duplicate_groups

    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32, size=(20_000, 16), dtype=np.uint32)
    sigs[10_000:] = sigs[:10_000]  # every row twice
    sizes = np.tile(np.arange(1, 10_001), 2)
    node, counts = duplicate_groups(sigs, sizes)
    assert counts.tolist() == [2] * 10_000 and (node[:10_000] == node[10_000:]).all()
    monkeypatch.setattr(_kernels, "band_keys", lambda s, b, r: np.zeros((len(s), 1), np.uint64))  # every hash collides
    node, counts = duplicate_groups(sigs[[0, 1, 10_000, 2]], sizes[[0, 1, 10_000, 2]])
    assert node.tolist() == [0, 1, 0, 2] and counts.tolist() == [2, 1, 1]


def test_many_identical_documents_form_one_cluster():
    # More copies than one LSH bucket lists pairwise: they must still be one cluster.
    texts = [BASE[i % 3] for i in range(600)]
    labels = dedup.cluster(texts)
    assert len(set(labels.tolist())) == 3
    assert all(labels[i] == labels[i % 3] for i in range(600))


def test_similarity_between_two_arrays_equals_pair_similarity_on_both():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, (5, 64)).astype(np.uint32)
    b = rng.integers(0, 4, (7, 64)).astype(np.uint32)
    sa, sb = rng.integers(0, 300, 5), rng.integers(1, 300, 7)
    pairs = np.stack((rng.integers(0, 5, 40), rng.integers(0, 7, 40)), axis=1)
    want = pair_similarity(np.concatenate((a, b)), np.concatenate((sa, sb)), pairs + [0, 5])
    got = similarity_between(a, sa, b, sb, pairs)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert (got[0][sa[pairs[:, 0]] == 0] == 0).all()  # empty documents are similar to nothing
    empty = similarity_between(a, sa, b, sb, np.zeros((0, 2), np.int64))
    assert empty[0].shape == empty[1].shape == (0,)
    with pytest.raises(ValueError, match="64 and 32 values"):
        similarity_between(a, sa, b[:, :32], sb, pairs)


def test_pair_similarity_counts_agreeing_positions():
    rng = np.random.default_rng(1)
    sigs = rng.integers(0, 3, size=(50, 64)).astype(np.uint32)
    sizes = rng.integers(0, 500, size=50)
    pairs = rng.integers(0, 50, size=(400, 2))
    jac, cont = pair_similarity(sigs, sizes, pairs)
    expect = (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1)
    small = np.minimum(sizes[pairs[:, 0]], sizes[pairs[:, 1]])
    assert np.array_equal(jac, np.where(small > 0, expect, 0.0))
    assert ((cont >= 0) & (cont <= 1)).all() and (cont[small == 0] == 0).all()
    assert pair_similarity(sigs, sizes, np.zeros((0, 2), np.int64))[0].shape == (0,)


EUROBOND = (
    "Credit National is issuing a 100 mln dlr eurobond due April 23, 1992 with a 7-3/8 pct coupon and priced "
    "at 101-5/8 pct, LTCB International said as lead manager. The non-callable bonds will be available in "
    "denominations of 5,000 dlrs and will be listed in Luxembourg. The selling concession is 1-3/8 pct while "
    "management and underwriting combined pays 5/8 pct. Payment date is April 30."
)
# Another issue written from the same template: other issuer, other figures.
OTHER_EUROBOND = (
    "Unilever Capital Corp is issuing a 65 mln dlr eurobond due July 7, 1989 with an 8-1/4 pct coupon and priced "
    "at 100-3/4 pct, Hambros Bank said as lead manager. The bonds will be listed in London. The selling concession "
    "is 1-1/4 pct while management and underwriting combined pays 3/4 pct. Payment date is July 14."
)


def test_reports_from_one_template_with_other_figures_stay_apart():
    assert dedup.cluster([EUROBOND, OTHER_EUROBOND], number_agreement=0, verify_text=False).tolist() == [0, 0]  # wording alone: a match
    assert dedup.cluster([EUROBOND, OTHER_EUROBOND]).tolist() == [0, 1]  # the figures disagree


def test_reprint_with_the_same_figures_still_matches():
    ocr = EUROBOND.replace("issuing", "issumg").replace("manager", "mauager").replace("Luxembourg", "Luxemb0urg")
    abridged = EUROBOND[: EUROBOND.index(" The selling")]
    labels = dedup.cluster([EUROBOND, ocr, abridged, OTHER_EUROBOND]).tolist()
    assert labels[0] == labels[1] == labels[2] != labels[3]
    d = dedup.Deduplicator()
    d.add_many([("a", EUROBOND), ("b", OTHER_EUROBOND)])
    assert [hit[0] for hit in d.query(ocr)] == ["a"]


def test_a_flood_of_near_copies_is_one_cluster():
    # Every pair matches, but LSH lists only a star and a chain of the crowded buckets: the linkage
    # samples the pairs between the groups it would otherwise keep apart (issue 17).
    from benchmarks.flood import flood_corpus

    texts = flood_corpus(1500, seed=3)
    d = dedup.Deduplicator()
    d.add_many(enumerate(texts))
    assert d.clusters().n_clusters == 1
    assert dedup.cluster(texts, min_link_fraction=0.0).tolist() == d.clusters().labels.tolist()


def test_a_flood_does_not_swallow_unrelated_documents():
    from benchmarks.flood import flood_corpus, unrelated_corpus

    texts = flood_corpus(600, seed=1) + unrelated_corpus(50, seed=2) + [BASE[0], BASE[0] + " Updated."]
    labels = dedup.cluster(texts)
    assert len(set(labels[:600].tolist())) == 1
    rest = labels[600:650].tolist()
    assert len(set(rest)) == 50 and not set(rest) & set(labels[:600].tolist())
    assert labels[650] == labels[651] != labels[0]


def _screen_of(sigs):
    from dedup.cluster import PairScreen
    from dedup.verify import Verifier

    v = Verifier(threshold=0.5, containment_threshold=1.0, number_agreement=0.0, verify_text=False)
    return PairScreen(v, sigs, np.full(len(sigs), 100, dtype=np.int64))


def _groups(n_groups, size, k=64, seed=0):
    """Signatures of ``n_groups`` groups of ``size`` rows: rows of a group agree on 3/4 of the positions."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_groups):
        base = rng.integers(0, 2**32, k, dtype=np.uint64).astype(np.uint32)
        for _ in range(size):
            r = base.copy()
            r[rng.choice(k, k // 4, replace=False)] = rng.integers(0, 2**32, k // 4, dtype=np.uint64).astype(np.uint32)
            rows.append(r)
    return np.array(rows)


def test_sampled_linkage_merges_a_star_of_matching_documents():
    from dedup.cluster import average_linkage

    sigs = _groups(1, 200)
    star = np.array([(0, i) for i in range(1, 200)])
    w = np.full(len(star), 0.6)
    # The edges alone (a star) cannot show that the group matches throughout ...
    assert len(set(average_linkage(200, star, w, 0.5).tolist())) > 1
    # ... a sample of its other pairs can.
    assert len(set(average_linkage(200, star, w, 0.5, screen=_screen_of(sigs)).tolist())) == 1


def test_sampled_linkage_keeps_one_bridge_from_chaining_two_groups():
    from dedup.cluster import average_linkage

    sigs = _groups(2, 100, seed=5)
    edges = np.array([(0, i) for i in range(1, 100)] + [(199, i) for i in range(100, 199)] + [(99, 100)])
    for bridge in (0.5, 0.9):  # taken last, or first
        w = np.array([0.6] * 198 + [bridge])
        root = average_linkage(200, edges, w, 0.5, screen=_screen_of(sigs))
        assert len(set(root[:100].tolist())) == 1 and len(set(root[101:].tolist())) == 1 and root[0] != root[150]


def test_only_crowded_documents_call_for_a_sample():
    from dataclasses import replace

    from dedup.cluster import average_linkage

    sigs = _groups(1, 200)
    star = np.array([(0, i) for i in range(1, 200)])
    w = np.full(len(star), 0.6)
    calm = replace(_screen_of(sigs), crowded=np.zeros(200, dtype=bool))
    assert len(set(average_linkage(200, star, w, 0.5, screen=calm).tolist())) > 1
    hot = replace(calm, crowded=np.ones(200, dtype=bool))
    assert len(set(average_linkage(200, star, w, 0.5, screen=hot).tolist())) == 1


def test_crowded_rows_share_a_bucket_too_large_to_list():
    from dedup.lsh import MAX_BUCKET, crowded_rows

    n = MAX_BUCKET + 5
    keys = np.stack((np.arange(n), np.where(np.arange(n) < MAX_BUCKET + 1, 7, np.arange(n))), axis=1).astype(np.uint64)
    assert crowded_rows(keys).tolist() == [True] * (MAX_BUCKET + 1) + [False] * 4
    assert not crowded_rows(keys[:MAX_BUCKET]).any()
    assert crowded_rows(keys[:0]).shape == (0,) and crowded_rows(np.zeros((3, 0), np.uint64)).tolist() == [False] * 3


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_lazy_confirmation_decides_as_the_confirmed_edges(seed):
    # Confirming edges only when they can decide gives the clusters of confirming all of them first.
    from dedup.cluster import average_linkage

    rng = np.random.default_rng(seed)
    n = 14
    pairs = np.array([(a, b) for a in range(n) for b in range(a + 1, n)])
    edges = pairs[rng.random(len(pairs)) < 0.35]
    w = rng.integers(0, 4, len(edges)) / 4
    veto = rng.random(len(edges)) < 0.25
    asked = []

    def confirm(idx):
        asked.extend(np.asarray(idx).tolist())
        return ~veto[np.asarray(idx)]

    lazy = average_linkage(n, edges, w, 0.5, confirm=confirm)
    eager = average_linkage(n, edges[~veto], w[~veto], 0.5, apart=edges[veto])
    same = lambda r: r[:, None] == r[None, :]  # noqa: E731
    assert (same(lazy) == same(eager)).all()
    assert len(asked) == len(set(asked))  # each edge asked once at most


def test_crowded_documents_keep_only_their_best_edges_and_still_group():
    from dataclasses import replace

    sigs = _groups(2, 40, seed=9)
    sizes = np.full(80, 100, dtype=np.int64)
    edges = np.array([(a, b) for g in (0, 40) for a in range(g, g + 40) for b in range(a + 1, g + 40)])
    w = np.linspace(0.9, 0.6, len(edges))
    calm = _screen_of(sigs)
    hot = replace(calm, crowded=np.ones(80, dtype=bool))
    want = build_clusters(sigs, sizes, edges, w, 0.5, screen=calm).labels
    got = build_clusters(sigs, sizes, edges, w, 0.5, screen=hot)
    assert got.labels.tolist() == want.tolist() and got.n_clusters == 2
    # Every member is placed by a confirmed edge of its own cluster.
    assert all(got.labels[int(got.matched[i])] == got.labels[i] for i in range(80))


def test_clusterings_compare_by_their_arrays():
    texts = ["the council approved the budget for road repairs on tuesday after a long debate"] * 2 + ["other"]
    a, b = dedup.Deduplicator(), dedup.Deduplicator()
    a.add_many(enumerate(texts))
    b.add_many(enumerate(texts))
    ra, rb = a.clusters(), b.clusters()
    assert ra == rb and not (ra != rb)
    changed = type(ra)(ra.labels, ra.is_representative, ra.similarity * 0.5, ra.matched)
    assert ra != changed and ra != "not a clustering"
    assert ra.matched is not None and type(ra)(ra.labels, ra.is_representative, ra.similarity) != ra  # matched missing
    with pytest.raises(TypeError):
        hash(ra)


def _heaviest_by_sorting(e, w, degree):
    """The selection of ``dedup.cluster``'s crowded-edge step written with two stable sorts: per end, its
    edges by decreasing weight then other end, the first ``degree`` kept (the reference)."""
    ends = np.concatenate((e[:, 1], e[:, 0]))
    ww = np.concatenate((w, w))
    by_weight = np.argsort(-ww, kind="stable")
    order = by_weight[np.argsort(ends[by_weight], kind="stable")]
    sorted_ends = ends[order]
    start = np.flatnonzero(np.r_[True, sorted_ends[1:] != sorted_ends[:-1]])
    rank = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)]))
    top = np.zeros(len(order), dtype=bool)
    top[order] = rank < degree
    return top[len(e):] | top[: len(e)]


@pytest.mark.parametrize("seed", range(5))
def test_heaviest_edges_kernel_selects_as_sorting_does(seed):
    from dedup import _kernels

    rng = np.random.default_rng(seed)
    n = 60
    pairs = np.unique(np.sort(rng.integers(0, n, size=(800, 2)), axis=1), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    w = rng.choice([0.5, 0.6, 0.7, 0.9], size=len(pairs))  # many ties
    for degree in (0, 1, 3, 8):
        got = _kernels.heaviest_edges(n, pairs, w, degree)
        assert got.tolist() == _heaviest_by_sorting(pairs, w, degree).tolist()
    with pytest.raises(ValueError, match="not a node"):
        _kernels.heaviest_edges(3, np.array([[0, 5]]), np.array([1.0]), 1)
