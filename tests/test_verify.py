"""One matching rule for every engine (dedup.verify), the clustering's vetoes and reported similarity, and dedup.explain."""

import json

import numpy as np
import pytest
from cli_helpers import run_inproc
from test_align import STORY, dividend

import dedup
from dedup.cluster import average_linkage
from dedup.verify import Verifier, estimates

A = dividend("Acme Industries Inc", "25", "22", "April 15", "March 31")
B = dividend("Acme Industries Inc", "12", "10", "May 20", "April 30")


def test_estimates_are_the_documented_formulas():
    jac, cont = estimates(np.array([128]), 256, np.array([100]), np.array([300]))
    assert jac[0] == 0.5 and cont[0] == pytest.approx(min(1.0, 0.5 / 1.5 * 400 / 100))
    jac, cont = estimates(np.array([64]), 256, np.array([100]), np.array([300]))
    assert cont[0] == pytest.approx(0.25 / 1.25 * 400 / 100)
    jac, cont = estimates(None, 256, np.array([0]), np.array([5]))
    assert jac[0] == 0 and cont[0] == 0


def test_decide_is_screen_then_confirm():
    pairs = np.array([[0, 1]])
    jac, cont = np.array([0.7]), np.array([0.8])
    d = dedup.Deduplicator()
    texts = [d.prepare(A), d.prepare(B)]
    off = Verifier.from_params(dedup.Params(number_agreement=0))
    assert off.screen(jac, cont, None, None, pairs).tolist() == [True]
    assert off.decide(jac, cont, None, None, pairs, texts, texts).tolist() == [False]  # a template fill
    assert off.decide(jac, cont, None, None, pairs, [None, None], [None, None]).tolist() == [True]  # unknown texts: stage 1
    assert off.decide(jac, cont, None, None, pairs).tolist() == [True]
    no_text = Verifier.from_params(dedup.Params(number_agreement=0, verify_text=False))
    assert no_text.decide(jac, cont, None, None, pairs, texts, texts).tolist() == [True]
    assert off.decide(np.array([0.1]), np.array([0.2]), None, None, pairs, texts, texts).tolist() == [False]  # below thresholds


def test_the_engine_query_and_cluster_agree():
    d = dedup.Deduplicator(n_jobs=1)
    d.add_many([("a", A), ("story", STORY)])
    assert d.query(B) == []  # a template fill of "a"
    assert [h[0] for h in d.query(STORY.replace("council", "counci1"))] == ["story"]
    assert d.clusters().n_clusters == 2
    with pytest.raises(dedup.ConfigError):
        dedup.Deduplicator(verify_text="yes")


def test_a_veto_keeps_a_chain_apart():
    # A ~ C and C ~ B match, A / B was vetoed: average linkage never puts A and B together.
    edges, weights = np.array([[0, 2], [1, 2]]), np.array([0.9, 0.8])
    assert len(set(average_linkage(3, edges, weights, 0.5).tolist())) == 1
    root = average_linkage(3, edges, weights, 0.5, apart=np.array([[0, 1]]))
    assert root[0] != root[1] and root[2] == root[0]  # C joins its best match only


def test_reported_similarity_is_the_edge_that_placed_each_member():
    texts = [STORY, STORY[: STORY.index(" The repairs")], STORY.replace("council", "counci1"), STORY, "Unrelated text about rain."]
    d = dedup.Deduplicator(n_jobs=1)
    d.add_many(enumerate(texts))
    c = d.clusters()
    p = d.params
    for i in np.flatnonzero(~c.is_representative):
        j = int(c.matched[i])
        assert c.labels[j] == c.labels[i] and j != i
        assert c.similarity[i] >= min(p.threshold, p.containment_threshold)
    assert c.similarity[3] == 1.0 and c.matched[3] == 0  # an identical copy
    assert c.is_representative[4] and c.matched[4] == 4


def test_explain_says_what_decided():
    e = dedup.explain(A, B)
    assert not e.match and e.decided_by.startswith(("template fill", "figures disagree"))
    e = dedup.explain(A, B, number_agreement=0)
    assert not e.match and e.decided_by.startswith("template fill") and any(d.kind == "figure" for d in e.alignment.differences)
    e = dedup.explain(STORY, STORY.replace("council", "counci1"))
    assert e.match and e.decided_by.startswith("Jaccard") and e.exact_jaccard > 0.8
    e = dedup.explain(STORY, "Unrelated text about rain in the mountains.")
    assert not e.match and e.decided_by.startswith("below both thresholds")
    assert json.loads(json.dumps(e.to_dict()))["match"] is False
    assert "NO MATCH" in str(e)
    with pytest.raises(dedup.InputError):
        dedup.explain(STORY, 5)
    with pytest.raises(dedup.ConfigError):
        dedup.explain(STORY, STORY, threshold=2)


def test_explain_command(tmp_path):
    a, b, c = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    a.write_text(A)
    b.write_text(B)
    c.write_text(A.replace("quarterly", "quarterly cash"))
    r = run_inproc("explain", str(a), str(b), "--number-agreement", "0")
    assert r.returncode == 2 and b"NO MATCH: template fill" in r.stdout and b"figure" in r.stdout
    r = run_inproc("explain", str(a), str(c), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["match"] is True
    r = run_inproc("explain", str(a), str(b), "--no-verify-text", "--number-agreement", "0")
    assert r.returncode == 0
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa")
    r = run_inproc("explain", str(a), str(bad))
    assert r.returncode == 1 and b"invalid UTF-8" in r.stderr and b"Traceback" not in r.stderr
    r = run_inproc("explain", str(a), str(tmp_path / "missing.txt"))
    assert r.returncode == 1 and b"missing.txt" in r.stderr


def test_estimates_from_the_core_are_numpys_to_the_bit():
    """similarity_between's one-pass kernel gives estimates() of the agreeing positions exactly, strided views and
    empty sets included."""
    from dedup import _kernels
    from dedup.verify import estimates, similarity_between

    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 4, size=(300, 64), dtype=np.uint32)
    other = rng.integers(0, 4, size=(500, 128), dtype=np.uint32)[:, ::2]  # a strided view
    sizes = rng.integers(0, 400, size=300)
    sizes[:20] = 0
    other_sizes = rng.integers(1, 900, size=500)
    pairs = np.stack((rng.integers(0, 300, 5000), rng.integers(0, 500, 5000)), axis=1)
    agree = _kernels.equal_counts_between(sigs, other, pairs)
    want = estimates(agree, 64, sizes[pairs[:, 0]], other_sizes[pairs[:, 1]])
    got = similarity_between(sigs, sizes, other, other_sizes, pairs)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert (got[0][sizes[pairs[:, 0]] == 0] == 0).all() and got[1].max() <= 1.0
    empty = similarity_between(sigs, sizes, other, other_sizes, np.zeros((0, 2), dtype=np.int64))
    assert empty[0].shape == (0,) and empty[1].shape == (0,)
