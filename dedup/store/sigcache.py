"""Every stored signature held in memory, for ``Index.open(cache_signatures=True)``.

A dense array by row number: row numbers are never reused (:class:`~dedup.store.docs.Documents`
counts on from ``row_high``, and a renumbering makes the store :meth:`~SignatureCache.drop` the
cache when it reloads the base), so a cached row is never stale: a deleted document's row stays in
the cache, but no band entry names it any more, so it is never asked for.
"""

from __future__ import annotations

import numpy as np

from .base import IndexFileError
from .docs import Documents

__all__ = ["SignatureCache"]


class SignatureCache:
    """Signatures and sizes of the documents up to row :attr:`high`, read on as documents are committed."""

    def __init__(self, docs: Documents) -> None:
        self.docs = docs
        self.drop()

    def drop(self) -> None:
        """Forget everything (the documents may have been renumbered)."""
        self.sigs = np.zeros((0, 0), np.uint32)
        self.sizes = np.zeros(0, np.int64)
        self.high = 0  # every committed row <= this is in the cache

    def sync(self, chunk: int = 20_000) -> None:
        """Read the signatures of documents committed since the last call into the cache."""
        while True:
            got = self.docs.signatures_after(self.high, chunk)
            if not got:
                return
            rows = np.array([r[0] for r in got], dtype=np.int64)
            top = int(rows[-1])
            if top > (bound := self.docs.row_bound()):  # the cache is dense by row: a planted row must not size it
                raise IndexFileError(f"{self.docs.path}: document row {top} is past the highest row given ({bound}) (damaged)")
            sigs = self.docs.sig_matrix([r[1] for r in got])
            if self.sigs.shape[1] != sigs.shape[1] or top >= self.sigs.shape[0]:
                cap = max(top + 1, 2 * self.sigs.shape[0], 1024)
                grown = np.zeros((cap, sigs.shape[1]), np.uint32)
                sizes = np.zeros(cap, np.int64)
                if self.sigs.shape[1] == sigs.shape[1]:
                    grown[: self.sigs.shape[0]] = self.sigs
                    sizes[: self.sizes.shape[0]] = self.sizes
                self.sigs, self.sizes = grown, sizes
            self.sigs[rows] = sigs
            self.sizes[rows] = self.docs.sizes(got, 2)
            self.high = top
            if len(got) < chunk:
                return

    def signatures(self, uniq: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(rows, at, sigs, sizes)`` of :meth:`dedup.store.base.Store.signatures`, from the cache without a copy."""
        self.sync()
        uniq = uniq[(uniq > 0) & (uniq <= self.high)]
        return uniq, uniq, self.sigs, self.sizes
