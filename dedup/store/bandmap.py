"""Band entries held in memory: LSH band key -> the stored documents (rows) filed under it.

One sorted *base* run with a directory over the top bits of its keys, plus a few
small sorted runs of recent entries, minus a set of *dead* rows (deleted
documents whose entries have not been rewritten away yet).

Band keys are 64-bit hashes, so they spread evenly over their range: a directory
of ``2**bits`` slots, ``bits ~ log2(n / 8)``, puts 4-8 keys in each slot, and a
lookup costs about two memory reads, where a B-tree descent costs a dozen (and an
SQLite ``IN`` probe ~4 us); each recent run has a directory of its own. Recent
runs merge into the base in place, from the back, once they hold
``max(MERGE_ENTRIES, base / 8)`` entries: each entry moves O(8) times over the
life of the map, and no merge needs a second copy of the base.

Memory: 12 bytes per entry (int64 key, uint32 row) and 1-2 bytes per entry of
directory.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .._kernels import directory_bits, drop_rows, expand_ranges, find_keys, key_directory, merge_into

__all__ = ["BandMap", "MERGE_ENTRIES", "ROW_LIMIT"]

#: Recent entries below this count (or an eighth of the base) stay in their own runs.
MERGE_ENTRIES = 1 << 20
#: Rows are kept as uint32.
ROW_LIMIT = 1 << 32


class BandMap:
    """A multimap of int64 band keys to document rows, in memory (see the module docstring)."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._keys = np.zeros(0, np.int64)  # base run, capacity >= self._n
        self._docs = np.zeros(0, np.uint32)
        self._n = 0
        self._bits = 1
        self._dir = key_directory(self._keys, 0, 1)
        self._stale = False  # the base changed since its directory was built (rebuilt at the next lookup)
        self._runs: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []  # recent runs: keys, docs, directory, bits
        self._recent = 0
        self._dead = np.zeros(0, np.int64)  # sorted rows whose entries do not count

    # -- size -------------------------------------------------------------------------------

    @property
    def entries(self) -> int:
        """Entries held, dead ones included."""
        return self._n + self._recent

    @property
    def dead(self) -> np.ndarray:
        return self._dead

    def live_entries(self) -> int:
        """Entries of documents not marked dead."""
        if not self._dead.size:
            return self.entries
        return sum(int((~self._is_dead(d)).sum()) for _, d in self._all_runs())

    # -- changing ---------------------------------------------------------------------------

    def reserve(self, n: int) -> None:
        """Make room for ``n`` base entries in all (so that loading a known size copies once)."""
        if n > self._keys.size:
            keys, docs = np.empty(n, np.int64), np.empty(n, np.uint32)
            keys[: self._n], docs[: self._n] = self._keys[: self._n], self._docs[: self._n]
            self._keys, self._docs = keys, docs

    def extend_base(self, keys: np.ndarray, docs: np.ndarray) -> None:
        """Append entries whose keys are all >= the base's last key (loading a base stored in key order)."""
        m = keys.size
        if m == 0:
            return
        if self._n and keys[0] < self._keys[self._n - 1]:
            raise ValueError("base entries out of key order")
        self.reserve(max(self._n + m, self._keys.size))
        self._keys[self._n : self._n + m] = keys
        self._docs[self._n : self._n + m] = docs
        self._n += m
        self._stale = True

    def add(self, keys: np.ndarray, docs: np.ndarray, *, presorted: bool = False) -> None:
        """Add entries (any order, or sorted by key if ``presorted``)."""
        if keys.size == 0:
            return
        if presorted:
            keys, docs = np.ascontiguousarray(keys, np.int64), np.ascontiguousarray(docs, np.uint32)
        else:
            order = np.argsort(keys, kind="stable")
            keys, docs = np.ascontiguousarray(keys[order], np.int64), np.ascontiguousarray(docs[order], np.uint32)
        added = keys.size
        # keep O(log n) recent runs: merge the newest into the ones before while they are not much larger
        # (built aside, then swapped in: an error on the way, such as MemoryError, changes nothing)
        taken = 0
        while taken < len(self._runs) and self._runs[-1 - taken][0].size <= 2 * keys.size:
            k1, d1 = self._runs[-1 - taken][:2]
            k, d = np.empty(k1.size + keys.size, np.int64), np.empty(k1.size + keys.size, np.uint32)
            k[: k1.size], d[: k1.size] = k1, d1
            merge_into(k, d, k1.size, keys, docs)
            keys, docs = k, d
            taken += 1
        bits = directory_bits(keys.size)
        run = (keys, docs, key_directory(keys, keys.size, bits), bits)
        self._runs[len(self._runs) - taken :] = [run]
        self._recent += added
        if self._recent >= max(MERGE_ENTRIES, self._n // 8):
            self.merge()

    def merge(self) -> None:
        """Merge the recent runs into the base."""
        if not self._runs:
            return
        keys, docs = np.empty(self._recent, np.int64), np.empty(self._recent, np.uint32)
        m = 0
        for run_keys, run_docs, _, _ in self._runs:  # the recent runs into one (small), then one pass over the base
            merge_into(keys, docs, m, run_keys, run_docs)
            m += run_keys.size
        need = self._n + m
        if need > self._keys.size:
            self.reserve(max(need, self._keys.size + self._keys.size // 4))
        merge_into(self._keys, self._docs, self._n, keys, docs)
        self._n = need
        self._runs, self._recent = [], 0
        self._stale = True

    def purge(self) -> None:
        """Drop the dead rows' entries (merging the recent runs first) and forget the dead rows."""
        self.merge()
        if self._dead.size and self._n:
            self._n = drop_rows(self._keys, self._docs, self._n, self._dead)
            self._stale = True
        self._dead = np.zeros(0, np.int64)

    def renumber(self, rows: np.ndarray) -> None:
        """Give the entries of document ``rows[i]`` (sorted, distinct) row ``i + 1``; drop dead entries and those of
        other rows. The mapping keeps the row order, so the entries stay sorted."""
        self.purge()
        docs = self._docs[: self._n].astype(np.int64)
        at = np.searchsorted(rows, docs)
        ok = at < rows.size
        ok[ok] = rows[at[ok]] == docs[ok]
        m = int(ok.sum())
        self._keys[:m] = self._keys[: self._n][ok]
        self._docs[:m] = (at[ok] + 1).astype(np.uint32)
        self._n = m
        self._stale = True

    def kill(self, rows: np.ndarray) -> None:
        """Mark the entries of ``rows`` dead."""
        if rows.size:
            self._dead = np.union1d(self._dead, np.asarray(rows, np.int64))

    def _index(self) -> None:
        if self._stale:
            self._bits = directory_bits(self._n)
            self._dir = key_directory(self._keys, self._n, self._bits)
            self._stale = False

    # -- reading ----------------------------------------------------------------------------

    def _all_runs(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        yield self._keys[: self._n], self._docs[: self._n]
        for keys, docs, _, _ in self._runs:
            yield keys, docs

    def _is_dead(self, docs: np.ndarray) -> np.ndarray:
        if not self._dead.size:
            return np.zeros(docs.size, bool)
        at = np.minimum(np.searchsorted(self._dead, docs), self._dead.size - 1)
        return self._dead[at] == docs

    def lookup(self, uniq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every live ``(key, row)`` entry whose key is in ``uniq`` (sorted, distinct int64)."""
        self._index()
        lo = np.empty(uniq.size, np.int64)
        cnt = np.empty(uniq.size, np.int64)
        found_keys, found_docs = [], []
        for keys, docs, directory, bits in [(self._keys, self._docs, self._dir, self._bits), *self._runs]:
            find_keys(keys, directory, bits, uniq, lo, cnt)
            at = expand_ranges(lo, cnt)
            found_keys.append(keys[at])
            found_docs.append(docs[at])
        keys, docs = np.concatenate(found_keys), np.concatenate(found_docs).astype(np.int64)
        if self._dead.size and docs.size:
            live = ~self._is_dead(docs)
            keys, docs = keys[live], docs[live]
        return keys, docs

    def full_keys(self, cap: int) -> int:
        """How many keys hold at least ``cap`` live entries (merges the recent runs first)."""
        self.merge()
        keys = self._keys[: self._n]
        if self._dead.size:
            keys = keys[~self._is_dead(self._docs[: self._n])]
        if keys.size < cap:
            return 0
        starts = np.ones(keys.size - cap + 1, bool)  # keys[i] begins its key's run
        starts[1:] = keys[1 : keys.size - cap + 1] != keys[: keys.size - cap]
        return int(np.count_nonzero(starts & (keys[: keys.size - cap + 1] == keys[cap - 1 :])))

    def live_parts(self, size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The live entries in key order, in slices of about ``size`` (merges the recent runs first)."""
        self.merge()
        for lo in range(0, self._n, size):
            keys, docs = self._keys[lo : min(lo + size, self._n)], self._docs[lo : min(lo + size, self._n)]
            if self._dead.size:
                live = ~self._is_dead(docs)
                keys, docs = keys[live], docs[live]
            yield keys, docs
