"""What every part of an open index reads: its store, signing engine, LSH shape, length-ratio levels, bucket
cap and exact-key salt, and the layout of the values it stores per document."""

from __future__ import annotations

import numpy as np

from .. import numbers
from ..deduplicator import Deduplicator, Params
from ..lsh import LSH, level_columns
from ..store.base import IndexClosedError, IndexFileError, Store
from .keys import Levels


class Context:
    """The state of one open index, shared by its modules (:class:`dedup.index.Index` owns it).

    ``salt`` is the exact keys' secret, None while the file is of key scheme v1 (no exact keys yet); it is
    the one field that changes while the index is open (:mod:`dedup.index.scheme`).
    """

    def __init__(
        self, store: Store, engine: Deduplicator, lsh: LSH, max_bucket: int, salt: bytes | None, levels: Levels = ()
    ) -> None:
        self.handle: Store | None = store
        self.engine = engine
        self.lsh = lsh
        self.max_bucket = max_bucket
        self.salt = salt
        self.levels = levels  # the length-ratio levels of containment candidates (none in an index older than them)

    @property
    def store(self) -> Store:
        if self.handle is None:
            raise IndexClosedError("index is closed")
        return self.handle

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    @property
    def params(self) -> Params:
        return self.engine.params

    @property
    def band_columns(self) -> int:
        """Band keys per document with shingles: the LSH bands, then the columns of the length-ratio levels."""
        return self.lsh.bands + len(level_columns(self.levels))

    @property
    def stores_numbers(self) -> bool:
        return self.params.number_agreement > 0

    @property
    def stored_width(self) -> int:
        """Values stored per document: its signature, then (when numbers are checked) its number sketch."""
        return self.lsh.num_perm + (1 + numbers.SKETCH_SIZE if self.stores_numbers else 0)

    def split_stored(self, stored: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Stored values -> signatures and number sketches (None when not stored), as views."""
        if stored.shape[0] and stored.shape[1] != self.stored_width:
            raise IndexFileError(
                f"{self.store.path}: stored signatures have {stored.shape[1]} values, expected {self.stored_width} (damaged)"
            )
        if not self.stores_numbers:
            return stored, None
        k = self.lsh.num_perm
        return stored[:, :k], stored[:, k:]

    def stored_values(self, sigs: np.ndarray, nums: np.ndarray) -> np.ndarray:
        """What the store keeps per document: its signature, then its number sketch if checked."""
        if not self.stores_numbers:
            return sigs
        return np.concatenate((sigs, nums), axis=1)
