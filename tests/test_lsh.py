import itertools

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

from dedup import LSH, MinHasher, Shingler, optimal_bands
from dedup.errors import ConfigError
from dedup.lsh import MAX_BUCKET, TAIL_HUBS, collision_probability, pairs_from_keys


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
    # buckets of at most MAX_BUCKET + 1 documents: every pair sharing a band
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 40, size=(60, 4)).astype(np.uint64)
    got = {tuple(p) for p in pairs_from_keys(keys).tolist()}
    assert got == brute_force_pairs(keys)


def test_large_bucket_pairs_later_members_with_the_first_two():
    n = MAX_BUCKET + 10
    keys = np.zeros((n, 1), dtype=np.uint64)
    pairs = pairs_from_keys(keys)
    listed = MAX_BUCKET * (MAX_BUCKET - 1) // 2 + (n - MAX_BUCKET) * TAIL_HUBS
    assert len(pairs) == listed and set(pairs[:, 0].tolist()) == set(range(MAX_BUCKET - 1))
    assert set(pairs[pairs[:, 1] >= MAX_BUCKET, 0].tolist()) == set(range(TAIL_HUBS))
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


def reference_pairs(keys: np.ndarray) -> np.ndarray:
    """The rule in plain Python: per band, each member of a bucket (in document order) with every member
    before it while it ranks below MAX_BUCKET, with the first TAIL_HUBS after."""
    found = set()
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        col = keys[order, band]
        bounds = np.flatnonzero(np.r_[True, col[1:] != col[:-1], True])
        for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            members = order[s:e].tolist()
            found.update((a, c) for k, c in enumerate(members) for a in members[: k if k < MAX_BUCKET else min(k, TAIL_HUBS)])
    return np.array(sorted((min(p), max(p)) for p in found), dtype=np.int64).reshape(-1, 2)


@pytest.mark.parametrize("seed", range(4))
def test_candidate_pairs_equal_reference_with_hot_buckets(seed):
    """A pair a hot bucket does not list must still come out of a later small bucket."""
    rng = np.random.default_rng(seed)
    n = 30 * MAX_BUCKET
    keys = rng.integers(0, 40, size=(n, 6)).astype(np.uint64)
    keys[: 20 * MAX_BUCKET, 0] = 7  # one hot bucket in band 0
    keys[10 * MAX_BUCKET :, 3] = 9  # another in band 3
    got = pairs_from_keys(keys)
    assert np.array_equal(got, reference_pairs(keys))
    assert np.array_equal(got, np.unique(got, axis=0))  # sorted, no repeats


def _optimal_bands_by_loop(threshold, num_perm, fpw=0.5, fnw=0.5):
    """The definition, one (bands, rows) at a time (what optimal_bands computes at once)."""
    from dedup.lsh import collision_probability

    x, w = np.polynomial.legendre.leggauss(64)
    lo_s, lo_w = (x + 1) * threshold / 2, w * threshold / 2
    hi_s, hi_w = threshold + (x + 1) * (1 - threshold) / 2, w * (1 - threshold) / 2
    best, best_err = (1, 1), np.inf
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = float(np.dot(lo_w, collision_probability(lo_s, b, r)))
            fn = float(np.dot(hi_w, 1.0 - collision_probability(hi_s, b, r)))
            err = fp * fpw + fn * fnw
            if err < best_err:
                best, best_err = (b, r), err
    return best


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
def test_optimal_bands_is_the_loop_definition(num_perm):
    from dedup.lsh import optimal_bands

    for t in np.round(np.arange(0.05, 0.96, 0.05), 2).tolist() + [0.35, 0.8]:
        assert optimal_bands(t, num_perm) == _optimal_bands_by_loop(t, num_perm), t
    assert optimal_bands(0.5, 128, 0.2, 0.8) == _optimal_bands_by_loop(0.5, 128, 0.2, 0.8)


def test_gauss_legendre_nodes_are_numpys():
    from dedup.lsh import _gauss_legendre

    x, w = _gauss_legendre(64)
    rx, rw = np.polynomial.legendre.leggauss(64)
    assert np.allclose(x, rx, rtol=0, atol=1e-14) and np.allclose(w, rw, rtol=0, atol=1e-14)


@pytest.mark.parametrize("seed", [0, 1])
def test_rows_left_out_give_the_candidates_of_the_rest(seed):
    """What clusters() relies on to skip later copies without copying the signatures: rows given size 0 are in no
    bucket (screened and containment candidates) and rows ``lead`` leaves out are in no bucket
    (LSH.screened_candidates, crowded rows too), so the result is that of the other rows alone, at their places."""
    from dedup.lsh import containment_pairs, crowded_rows, screened_pairs

    rng = np.random.default_rng(seed)
    n, k = 400, 64
    base = rng.integers(0, 50, size=(8, k), dtype=np.uint32)  # 8 templates: hot buckets
    sigs = base[rng.integers(0, 8, size=n)]
    noise = rng.random((n, k)) < 0.3
    sigs = np.where(noise, rng.integers(0, 1 << 20, size=(n, k), dtype=np.uint32), sigs)
    sizes = rng.integers(20, 200, size=n).astype(np.int64)
    keep = np.sort(rng.choice(n, size=300, replace=False))  # increasing, as clusters()'s first rows are
    live = np.zeros(n, dtype=bool)
    live[keep] = True
    lsh = LSH(0.35, k)
    keys = lsh.keys(sigs)
    masked = np.where(live, sizes, 0)
    sub_keys, sub_sigs, sub_sizes = lsh.keys(sigs[keep]), sigs[keep], sizes[keep]
    got = screened_pairs(keys, sigs, masked, 0.3, 0.6, max_bucket=6)
    want = keep[screened_pairs(sub_keys, sub_sigs, sub_sizes, 0.3, 0.6, max_bucket=6)]
    assert len(want) and np.array_equal(got, want)
    got = containment_pairs(sigs, masked, 0.6, 0.3, max_bucket=6)
    want = keep[containment_pairs(sub_sigs, sub_sizes, 0.6, 0.3, max_bucket=6)]
    assert len(want) and np.array_equal(got, want)
    crowded = np.zeros(n, dtype=bool)
    crowded[keep] = crowded_rows(sub_keys, max_bucket=6)
    assert crowded.any()
    # The one-pass method of clusters(): both at once, without the key matrix.
    pairs, hot = lsh.screened_candidates(sigs, sizes, 0.3, 0.6, lead=live, max_bucket=6)
    assert np.array_equal(pairs, screened_pairs(keys, sigs, masked, 0.3, 0.6, max_bucket=6))
    assert np.array_equal(hot, crowded)
    pairs, hot = lsh.screened_candidates(sigs, sizes, 0.3, 0.6, max_bucket=6)
    assert np.array_equal(pairs, screened_pairs(keys, sigs, sizes, 0.3, 0.6, max_bucket=6))
    assert np.array_equal(hot, crowded_rows(keys, max_bucket=6))


def _optimal_bands_numpy(threshold, num_perm, fpw=0.5, fnw=0.5, min_rows=1):
    """optimal_bands as numpy wrote it before the areas moved into the core: the reference of the compiled areas."""
    from dedup.lsh import _gauss_legendre, collision_probability

    x, w = _gauss_legendre(64)
    lo_s, lo_w = (x + 1) * threshold / 2, w * threshold / 2
    hi_s, hi_w = threshold + (x + 1) * (1 - threshold) / 2, w * (1 - threshold) / 2
    b = np.concatenate([np.full(num_perm // bb, bb) for bb in range(1, num_perm + 1)])
    r = np.concatenate([np.arange(1, num_perm // bb + 1) for bb in range(1, num_perm + 1)])
    fp = collision_probability(lo_s[None, :], b[:, None], r[:, None]) @ lo_w
    fn = (1.0 - collision_probability(hi_s[None, :], b[:, None], r[:, None])) @ hi_w
    cost = np.where(r >= min_rows, fp * fpw + fn * fnw, np.inf)
    best = int(np.argmin(cost))
    return (int(b[best]), int(r[best])), (b, r, fp, fn)


@pytest.mark.parametrize("num_perm", [8, 32, 100, 256, 512])
def test_layout_areas_from_the_core_are_numpys(num_perm):
    from dedup import _kernels
    from dedup.lsh import _gauss_legendre, optimal_bands

    for t in np.round(np.arange(0.05, 0.96, 0.05), 2).tolist():
        for weights, min_rows in (((0.5, 0.5), 1), ((0.1, 0.9), 2), ((0.3, 0.7), 1)):
            if min_rows > num_perm:
                continue
            want, (b, r, fp, fn) = _optimal_bands_numpy(t, num_perm, *weights, min_rows)
            assert optimal_bands.__wrapped__(t, num_perm, *weights, min_rows) == want, (t, weights, min_rows)
        x, w = _gauss_legendre(64)
        got = _kernels.band_layout_areas(num_perm, ((x + 1) * t / 2, w * t / 2), (t + (x + 1) * (1 - t) / 2, w * (1 - t) / 2))
        assert np.array_equal(got[0], b) and np.array_equal(got[1], r)
        assert np.allclose(got[2], fp, rtol=1e-12, atol=1e-15) and np.allclose(got[3], fn, rtol=1e-12, atol=1e-15)
