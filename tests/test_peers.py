"""Tests for the benchmark peers in benchmarks/peers.py."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import peers  # noqa: E402

BASE = (
    "The Agriculture Department said on Tuesday that wheat export sales for the week ended "
    "March 3 totalled 412,300 tonnes, up from 287,900 tonnes the previous week, as buyers in "
    "North Africa and the Middle East returned to the market after a long pause. Corn sales "
    "were 955,100 tonnes against 1,210,400 tonnes a week earlier, while soybean sales fell to "
    "301,200 tonnes from 416,800. Officials said Egypt bought soft red winter wheat under the "
    "export enhancement program and that the Soviet Union had not yet taken up the remainder "
    "of its purchase commitment under the long term grain agreement. Traders in Chicago said "
    "the figures were broadly in line with expectations, although the strength in wheat "
    "surprised some analysts who had expected demand to slow ahead of the new crop. Shipments "
    "of all grains were 1.8 mln tonnes, the department said, and cumulative exports for the "
    "marketing year remain well ahead of last season on the back of aggressive subsidies."
)
NEAR = BASE.replace("surprised some analysts", "surprised several analysts")
UNRELATED = [
    "Shares of the computer maker climbed four dollars after it reported record quarterly "
    "profits, citing strong demand for its new line of workstations in Europe and Japan, and "
    "said it would buy back up to two million of its own shares over the coming year.",
    "The central bank left its discount rate unchanged at 5.5 pct, saying inflation was under "
    "control but the currency remained vulnerable, and money market dealers expect no move "
    "until the trade figures are published later this month.",
    "Heavy rains flooded coffee growing areas in the south of the country, damaging roads and "
    "delaying the harvest by several weeks, a spokesman for the coffee institute told "
    "reporters, adding that quality should not be affected.",
]
# three copies (one upper-cased), a one-word edit, three unrelated texts
CORPUS = [BASE, BASE, BASE.upper(), NEAR, *UNRELATED]
RESPACED = "  " + BASE.replace(" ", "   ") + "\n"
NEAR_DUP_LABELS = np.array([0, 0, 0, 0, 4, 5, 6])
EXACT_LABELS = np.array([0, 0, 0, 3, 4, 5, 6])

PERMISSIVE = {
    "datasketch_word": lambda t: peers.datasketch_recipe(t),
    "datasketch_char": lambda t: peers.datasketch_recipe(t, tokens="char"),
    "textdedup_newscopy": lambda t: peers.textdedup_newscopy(t),
    "rensa_lsh": lambda t: peers.rensa_lsh(t),
    "rensa_dedup": lambda t: peers.rensa_dedup(t),
    "rensa_recipe": lambda t: peers.rensa_recipe(t, ngram=5, num_perm=128, threshold=0.8),
}
ALL = {**PERMISSIVE, "exact_hash": peers.exact_hash}


def _needs(name: str) -> None:
    if name.startswith("rensa"):
        pytest.importorskip("rensa")


def _assert_canonical(labels: np.ndarray, n: int) -> None:
    assert isinstance(labels, np.ndarray)
    assert labels.shape == (n,)
    assert np.issubdtype(labels.dtype, np.integer)
    idx = np.arange(n)
    assert np.all(labels <= idx)  # label = smallest index of the cluster
    assert np.array_equal(labels[labels], labels)  # the representative labels itself


@pytest.mark.parametrize("name", sorted(PERMISSIVE))
def test_near_copy_joins_cluster(name: str) -> None:
    _needs(name)
    labels = PERMISSIVE[name](CORPUS)
    _assert_canonical(labels, len(CORPUS))
    assert labels.tolist() == NEAR_DUP_LABELS.tolist()


def test_whitespace_runs_only_matter_to_textdedup() -> None:
    corpus = [BASE, RESPACED, *UNRELATED]
    assert peers.exact_hash(corpus).tolist() == [0, 0, 2, 3, 4]
    assert peers.datasketch_recipe(corpus).tolist() == [0, 0, 2, 3, 4]
    # text-dedup splits on *each* \W character: the extra spaces become empty
    # tokens, so every word bigram changes and the respaced copy is not found
    assert peers.textdedup_newscopy(corpus).tolist() == [0, 1, 2, 3, 4]


def test_exact_hash_groups_only_normalized_identical() -> None:
    labels = peers.exact_hash(CORPUS)
    _assert_canonical(labels, len(CORPUS))
    assert labels.tolist() == EXACT_LABELS.tolist()
    assert peers.exact_hash(["a  B", "A b", "a b c", "ab"]).tolist() == [0, 0, 2, 3]


@pytest.mark.parametrize("name", sorted(ALL))
def test_labels_deterministic_and_order_consistent(name: str) -> None:
    _needs(name)
    fn = ALL[name]
    first = fn(CORPUS)
    assert np.array_equal(first, fn(list(CORPUS)))
    # reversing the input gives the same partition, relabelled to the new minima
    rev = fn(CORPUS[::-1])
    n = len(CORPUS)
    _assert_canonical(rev, n)

    def groups(lab: np.ndarray, order: list[int]) -> list[list[int]]:
        return sorted(sorted(order[i] for i in range(n) if lab[i] == r) for r in set(lab.tolist()))

    assert groups(first, list(range(n))) == groups(rev, list(range(n))[::-1])


@pytest.mark.parametrize("name", sorted(peers.PEERS))
def test_timed_peers_report_stages(name: str) -> None:
    _needs(name)
    res = peers.PEERS[name](CORPUS)
    assert isinstance(res, peers.PeerResult)
    _assert_canonical(res.labels, len(CORPUS))
    stages = {k: v for k, v in res.seconds.items() if k != "total"}
    assert stages and all(v >= 0.0 for v in stages.values())
    assert res.seconds["total"] == pytest.approx(sum(stages.values()))
    if name != "exact_hash":
        assert set(stages) == {"shingle", "minhash", "lsh", "cluster"}
        assert res.info["bands"] * res.info["rows"] <= (256 if name == "textdedup_newscopy" else 128)
    assert res.n_clusters == len(set(res.labels.tolist()))
    assert res.n_duplicates == int(np.sum(res.labels != np.arange(len(CORPUS))))


def test_textdedup_parameters_match_published_recipe() -> None:
    res = peers.textdedup_newscopy_timed(CORPUS)
    assert (res.info["bands"], res.info["rows"]) == (47, 5)  # optimum for 0.45 / 256 perms
    assert res.info["verified"] is False


@pytest.mark.parametrize("name", sorted(ALL))
def test_empty_input(name: str) -> None:
    _needs(name)
    labels = ALL[name]([])
    assert labels.shape == (0,)


def test_usual_shingles() -> None:
    assert peers.shingles("A b, C d!", ngram=2) == {"a b", "b c", "c d"}
    assert peers.shingles("Hi there", ngram=5) == {"hi there"}
    assert peers.shingles("", ngram=5) == set()
    assert peers.shingles("Ab  C", ngram=3, tokens="char") == {"ab ", "b c"}
    with pytest.raises(ValueError):
        peers.shingles("x", tokens="bogus")  # type: ignore[arg-type]


def test_textdedup_tokenization_keeps_empty_tokens() -> None:
    text = peers.news_copy_preprocessing("Hello, world -- U.S. oil.\nprice-\nrise")
    assert text == "Hello world -- US oil pricerise"
    sh = peers.textdedup_shingles(text, ngram=2)
    # splitting on each \W leaves empty tokens between consecutive separators
    assert {b"hello world", b"world ", b" ", b" us", b"us oil", b"oil pricerise"} == sh
    assert peers.textdedup_shingles("one", ngram=2) == {b"one"}


def test_union_find_root_is_minimum() -> None:
    uf = peers.UnionFind(6)
    uf.union(5, 3)
    uf.union(3, 4)
    uf.union(2, 0)
    assert uf.labels().tolist() == [0, 1, 0, 3, 3, 3]


def test_rensa_band_choice() -> None:
    assert peers.rensa_lsh_bands(0.8, 128) == 8
    assert 128 % peers.rensa_lsh_bands(0.5, 128) == 0
    assert peers.rensa_dedup_default_bands(0.8, 128) == 8
    assert peers.rensa_dedup_default_bands(0.45, 96) == 48


@pytest.mark.parametrize("tool", peers.SIGNATURE_TOOLS)
@pytest.mark.parametrize("tokens", ["word", "char"])
def test_signature_seconds(tool: str, tokens: str) -> None:
    if tool.startswith("rensa"):
        pytest.importorskip("rensa")
    out = peers.signature_seconds(tool, CORPUS, ngram=5, num_perm=64, tokens=tokens)  # type: ignore[arg-type]
    assert out["tool"] == tool and out["n_docs"] == len(CORPUS)
    assert out["n_shingles"] > 0
    assert out["shingle"] >= 0 and out["hash"] > 0
    assert out["total"] == pytest.approx(out["shingle"] + out["hash"])
    with pytest.raises(ValueError):
        peers.signature_seconds("nope", CORPUS)
