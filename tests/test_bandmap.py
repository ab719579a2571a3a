"""The in-memory band map against a plain dict of lists."""

from collections import defaultdict

import numpy as np
import pytest

from dedup.store import bandmap
from dedup.store.bandmap import BandMap


def _expected(entries, dead, queries):
    by_key = defaultdict(list)
    for k, d in entries:
        if d not in dead:
            by_key[k].append(d)
    return sorted((k, d) for k in set(queries.tolist()) for d in by_key.get(k, []))


def _got(m, queries):
    keys, docs = m.lookup(np.unique(queries))
    return sorted(zip(keys.tolist(), docs.tolist()))


@pytest.mark.parametrize("merge_entries", [1, 50, 1 << 20], ids=["merge-always", "merge-sometimes", "runs-only"])
def test_lookup_matches_a_dict_through_adds_merges_and_kills(monkeypatch, merge_entries):
    monkeypatch.setattr(bandmap, "MERGE_ENTRIES", merge_entries)
    rng = np.random.default_rng(0)
    pool = np.concatenate([rng.integers(-(2**63), 2**63 - 1, 300, dtype=np.int64), [-(2**63), 2**63 - 1, 0, -1]])
    m, entries, dead = BandMap(), [], set()
    for step in range(40):
        keys = rng.choice(pool, rng.integers(1, 60))
        docs = rng.integers(0, 2**32, keys.size).astype(np.uint32)
        m.add(keys, docs)
        entries += list(zip(keys.tolist(), docs.tolist()))
        if step % 7 == 3:
            gone = rng.choice(np.array([d for _, d in entries]), 5)
            m.kill(gone.astype(np.int64))
            dead |= set(gone.tolist())
        queries = np.concatenate([rng.choice(pool, 50), rng.integers(-(2**63), 2**63 - 1, 20, dtype=np.int64)])
        assert _got(m, queries) == _expected(entries, dead, queries)
    assert m.entries == len(entries)
    assert m.live_entries() == sum(d not in dead for _, d in entries)
    parts = list(m.live_parts(37))
    keys = np.concatenate([k for k, _ in parts])
    assert (np.diff(keys) >= 0).all() and keys.size == m.live_entries()
    reloaded = BandMap()  # what a rewrite stores loads back the same
    reloaded.reserve(keys.size)
    for k, d in parts:
        reloaded.extend_base(k, d)
    assert _got(reloaded, pool) == _expected(entries, dead, pool)


def test_base_must_be_extended_in_key_order():
    m = BandMap()
    m.extend_base(np.array([1, 5], np.int64), np.array([1, 2], np.uint32))
    with pytest.raises(ValueError, match="out of key order"):
        m.extend_base(np.array([4], np.int64), np.array([3], np.uint32))
    keys, docs = m.lookup(np.array([1, 4, 5], np.int64))
    assert keys.tolist() == [1, 5] and docs.tolist() == [1, 2] and docs.dtype == np.int64


def test_empty_map_finds_nothing():
    keys, docs = BandMap().lookup(np.array([0, 7], np.int64))
    assert keys.size == docs.size == 0


def test_lookup_after_a_purge_that_keeps_the_base_length():
    """A purge that merges in as many entries as it drops leaves the base as long as before, yet changed."""
    rng = np.random.default_rng(1)
    keys = np.sort(rng.integers(-(2**63), 2**63 - 1, 1000, dtype=np.int64))
    m = BandMap()
    m.extend_base(keys, np.arange(1000, dtype=np.uint32))
    assert _got(m, keys[:5]) == [(k, d) for d, k in enumerate(keys[:5].tolist())]  # the directory is built
    new = rng.integers(-(2**63), 2**63 - 1, 100, dtype=np.int64)
    m.add(new, np.arange(1000, 1100, dtype=np.uint32))
    m.kill(np.arange(0, 1000, 10, dtype=np.int64))  # 100 of the old documents
    m.purge()
    assert m.entries == 1000
    entries = list(zip(keys.tolist(), range(1000))) + list(zip(new.tolist(), range(1000, 1100)))
    queries = np.concatenate([keys, new])
    assert _got(m, queries) == _expected(entries, set(range(0, 1000, 10)), queries)
