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
