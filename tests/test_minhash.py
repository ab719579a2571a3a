import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import MinHasher, Shingler, jaccard
from dedup.errors import ConfigError


@pytest.mark.parametrize("num_perm,seed", [(128, 1), (256, 42), (16, 7)])
@pytest.mark.parametrize("kind,n", [("word", 5), ("char", 5), ("word", 2)])
def test_bit_identical_to_datasketch(seeds, num_perm, seed, kind, n):
    sh = Shingler(kind, n)
    sets = [sh.shingles(t.lower()) for t in seeds.values()]
    ours = MinHasher(num_perm, seed).sign_shingles(sets)
    for row, shingles in zip(ours, sets):
        m = MinHash(num_perm=num_perm, seed=seed)
        m.update_batch([s.encode("utf-8") for s in shingles])
        assert np.array_equal(row, m.hashvalues)


def test_permutations_match_datasketch():
    mh = MinHasher(64, 3)
    a, b = MinHash(num_perm=64, seed=3).permutations
    assert np.array_equal(mh.a, a) and np.array_equal(mh.b, b)


def test_leanminhash_round_trip(seeds):
    mh = MinHasher(128, 1)
    sigs, _ = mh.sign_texts(list(seeds.values()), Shingler())
    lean = mh.to_datasketch(sigs[0])
    assert isinstance(lean, LeanMinHash)
    assert np.array_equal(mh.from_datasketch(lean), sigs[0])
    other = mh.to_datasketch(sigs[1])
    assert lean.jaccard(other) == pytest.approx(jaccard(sigs[0], sigs[1]))
    # A serialized LeanMinHash comes back intact.
    buf = bytearray(lean.bytesize())
    lean.serialize(buf)
    assert np.array_equal(mh.from_datasketch(LeanMinHash.deserialize(buf)), sigs[0])


def test_from_datasketch_rejects_mismatch():
    with pytest.raises(ConfigError):
        MinHasher(128, 1).from_datasketch(MinHash(num_perm=128, seed=2))
    with pytest.raises(ConfigError):
        MinHasher(128, 1).from_datasketch(MinHash(num_perm=128, seed=1, scheme="legacy"))
    with pytest.raises(ConfigError):
        MinHasher(128, 1).to_datasketch(np.zeros(64, dtype=np.uint32))


def test_fast_paths_agree(seeds):
    mh, sh = MinHasher(128, 5), Shingler("char", 5)
    texts = list(seeds.values())
    sigs, sizes = mh.sign_texts(texts, sh)
    assert np.array_equal(sigs, mh.sign_hashes([sh.hashes(t) for t in texts]))
    assert sizes.tolist() == [len(sh.hashes(t)) for t in texts]
    # Batching does not change results.
    sigs2, _ = MinHasher(128, 5, batch_size=2).sign_texts(texts, sh)
    assert np.array_equal(sigs, sigs2)


def test_empty_document_has_empty_signature():
    sigs, sizes = MinHasher(32).sign_texts(["", "  ,, "], Shingler())
    assert (sigs == 0xFFFFFFFF).all() and sizes.tolist() == [0, 0]


def test_threads_do_not_change_results(seeds):
    from dedup import _kernels

    texts = list(seeds.values()) * 20
    mh = MinHasher(64)
    with _kernels.threads(1):
        one, _ = mh.sign_texts(texts, Shingler())
    with _kernels.threads(3):
        many, _ = mh.sign_texts(texts, Shingler())
    assert np.array_equal(one, many)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=50, max_value=2000),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_jaccard_estimate_within_error_bound(size, overlap, seed):
    rng = np.random.default_rng(seed)
    universe = rng.choice(2**62, size=2 * size, replace=False).astype(np.uint64)
    shared = int(round(overlap * size))
    a = universe[:size]
    b = np.concatenate((universe[:shared], universe[size : 2 * size - shared]))
    true_j = shared / (2 * size - shared)
    k = 256
    sigs = MinHasher(k, seed=seed % 1000).sign_hashes([a, b])
    est = jaccard(sigs[0], sigs[1])
    # 5 standard errors (plus one position of rounding): fails with p < 1e-6.
    bound = 5 * np.sqrt(max(true_j * (1 - true_j), 1e-4) / k) + 1 / k
    assert abs(est - true_j) <= bound


@pytest.mark.parametrize("kwargs", [dict(num_perm=0), dict(num_perm=5000), dict(seed=-1), dict(num_perm=1.5), dict(batch_size=0)])
def test_invalid_parameters(kwargs):
    with pytest.raises(ConfigError):
        MinHasher(**kwargs)


def test_jaccard_shape_check():
    with pytest.raises(ConfigError):
        jaccard(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("seed", [0, 1, 2, 42, 12345, 2**31, 2**32 - 1])
@pytest.mark.parametrize("num_perm", [1, 128, 700])
def test_permutations_are_the_ones_numpy_draws(seed, num_perm):
    """datasketch draws (a, b) with numpy.random.RandomState(seed); the core reproduces the draws."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    mh = MinHasher(num_perm, seed=seed)
    assert np.array_equal(mh.a, a) and np.array_equal(mh.b, b)
