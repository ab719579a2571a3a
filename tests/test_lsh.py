import itertools

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

from dedup import LSH, MinHasher, Shingler, optimal_bands
from dedup.errors import ConfigError
from dedup.lsh import MAX_BUCKET_PAIRS, collision_probability, pairs_from_keys


@pytest.mark.parametrize("threshold", [0.2, 0.3, 0.45, 0.5, 0.8, 0.9])
@pytest.mark.parametrize("num_perm", [32, 128, 256])
def test_bands_match_datasketch(threshold, num_perm):
    assert optimal_bands(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


def test_bands_and_rows_exposed_and_overridable():
    lsh = LSH(0.5, 128)
    assert lsh.bands * lsh.rows <= 128
    assert (lsh.bands, lsh.rows) == optimal_bands(0.5, 128)
    assert (LSH(0.5, 128, bands=16, rows=8).bands, LSH(0.5, 128, bands=16, rows=8).rows) == (16, 8)


def test_collision_probability_is_s_curve():
    p = collision_probability(np.array([0.1, 0.5, 0.9]), 20, 5)
    assert p[0] < 0.01 and p[2] > 0.99 and 0 < p[1] < 1


def brute_force_pairs(keys):
    n = keys.shape[0]
    return {(i, j) for i, j in itertools.combinations(range(n), 2) if (keys[i] == keys[j]).any()}


def test_candidate_pairs_equal_brute_force():
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 6, size=(60, 4)).astype(np.uint64)
    got = {tuple(p) for p in pairs_from_keys(keys).tolist()}
    assert got == brute_force_pairs(keys)


def test_large_bucket_emits_star_and_chain_only():
    n = MAX_BUCKET_PAIRS + 10
    keys = np.zeros((n, 1), dtype=np.uint64)
    pairs = pairs_from_keys(keys)
    assert len(pairs) == 2 * (n - 1) - 1  # star and chain share the pair (0, 1)
    # Still one connected component.
    from dedup.cluster import connected_components

    assert len(set(connected_components(n, pairs).tolist())) == 1


def test_insert_query_and_batch_agree(seeds):
    mh = MinHasher(128)
    texts = list(seeds.values()) + [seeds["001"][:4000]]
    sigs, _ = mh.sign_texts(texts, Shingler())
    lsh = LSH(0.5, 128)
    idx = lsh.insert(sigs)
    assert idx.tolist() == list(range(len(texts))) and len(lsh) == len(texts)
    batch = {tuple(p) for p in lsh.candidate_pairs(sigs).tolist()}
    single = {(min(i, j), max(i, j)) for i in range(len(texts)) for j in lsh.query(sigs[i]) if i != j}
    assert batch == single
    assert (0, 1) in batch


@pytest.mark.parametrize("kwargs", [dict(threshold=0), dict(threshold=1.0), dict(threshold="x"),
                                    dict(bands=4), dict(bands=20, rows=20), dict(num_perm=0)])
def test_invalid_parameters(kwargs):
    with pytest.raises(ConfigError):
        LSH(**kwargs)


def test_signature_length_checked():
    with pytest.raises(ConfigError):
        LSH(0.5, 128).keys(np.zeros((2, 64), dtype=np.uint32))
