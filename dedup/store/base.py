"""The storage interface behind :class:`dedup.Index`, and the errors of persistent indexes.

An index keeps, per document, its MinHash signature, shingle count, insertion
time, optional metadata and (when it verifies texts) its prepared text, plus one row
``(band key, document)`` per LSH band.
The :class:`Store` protocol is everything :class:`dedup.Index` needs from a
backend. Signing, banding, candidate ranking and verification stay in the index; a
backend stores rows and answers lookups, and it keeps two derived things the index
reads on every lookup because they are cheapest where the rows are: the 4-bit
fingerprints of each filed document's signature (:meth:`Store.summaries`, which
prefilter candidate pairs; :attr:`Store.fingerprint_columns` says how many values they
cover) and, when asked, an in-memory copy of every signature
(:attr:`Store.cache_signatures`). :class:`~dedup.store.sqlite.SQLiteStore` is the one
shipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..errors import ConfigError, DedupError, InputError

__all__ = [
    "Fetched",
    "Store",
    "IndexFileError",
    "IndexLockedError",
    "IndexClosedError",
    "IndexThreadError",
    "ParamsMismatchError",
    "DuplicateIdError",
]


class IndexFileError(DedupError):
    """The file cannot be used as an index: missing, corrupted, not an index, or from a newer version."""


class IndexLockedError(DedupError):
    """Another process held the index's write lock longer than the busy timeout."""


class IndexThreadError(DedupError):
    """An :class:`dedup.Index` was used from a thread other than the one that opened it (open one per thread)."""


class IndexClosedError(DedupError):
    """The index was used after :meth:`dedup.Index.close`."""


class ParamsMismatchError(ConfigError):
    """The index was reopened with matching parameters different from those it was built with."""


class DuplicateIdError(InputError):
    """A document id is already in the index (or repeated in one batch)."""


@dataclass(frozen=True)
class Fetched:
    """Stored documents, aligned: internal row numbers, JSON-encoded ids, signatures, sizes, metadata (JSON text or None)."""

    rows: np.ndarray  # int64 (m,)
    ids: list[str]
    sigs: np.ndarray  # uint32 (m, num_perm)
    sizes: np.ndarray  # int64 (m,)
    metas: list[str | None]


class Store(Protocol):
    """What a storage backend provides. All methods except ``read``/``write`` expect to run inside one of them."""

    path: str
    #: Serve :meth:`signatures` from an in-memory copy of every stored signature.
    cache_signatures: bool
    #: Signature values the fingerprints of :meth:`insert` cover (the index sets it to ``num_perm`` once
    #: the configuration is read, before the first lookup).
    fingerprint_columns: int

    def read_config(self) -> dict[str, Any] | None:
        """The stored configuration (parameters, bands, rows), or None for a new, empty store."""

    def initialize(self, config: dict[str, Any]) -> dict[str, Any]:
        """Create the schema and record ``config`` (in its own transaction); returns the stored configuration,
        another process's when it created the store first."""

    def write_config(self, config: dict[str, Any]) -> None:
        """Replace the stored configuration (inside a write transaction)."""

    def read(self) -> AbstractContextManager[None]:
        """A consistent read snapshot."""

    def write(self) -> AbstractContextManager[None]:
        """An exclusive write transaction: all of it commits or none of it."""

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(keys, rows)`` of every stored band entry whose key is in ``keys`` (int64)."""

    def summaries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``at, fingerprints, sizes``: documents ``rows`` are ``fingerprints[at]``, ``sizes[at]``
        (``at`` -1: not held), as of the last :meth:`lookup`."""

    def fetch(self, rows: np.ndarray) -> Fetched:
        """The documents with these row numbers (those still present)."""

    def signatures(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(rows, at, sigs, sizes)``: of the documents with these row numbers, those still present (``rows``),
        with ``sigs[at[i]]`` and ``sizes[at[i]]`` the signature and size of ``rows[i]``.

        What verification needs, without the ids and metadata :meth:`fetch` also reads.
        """

    def pack_texts(self, texts: Sequence[str | None]) -> list[bytes | None]:
        """Prepared texts in the stored form :meth:`insert` takes (None: store none). Needs no transaction."""

    def texts(self, rows: np.ndarray) -> dict[int, str]:
        """``{row: prepared text}`` of the documents with these row numbers that have a stored text."""

    def rows_of(self, ids: Sequence[str]) -> dict[str, int]:
        """Row numbers of the stored documents among JSON-encoded ``ids``."""

    def insert(
        self,
        ids: Sequence[str],
        sigs: np.ndarray,
        sizes: np.ndarray,
        added: float,
        metas: Sequence[str | None],
        keys: np.ndarray,
        file: np.ndarray,
        texts: Sequence[bytes | None] | None = None,
    ) -> np.ndarray:
        """Insert documents and the band keys (``int64 (n, bands)``) where ``file`` (bool, same shape) is set; returns row numbers.

        ``texts`` are the documents' texts from :meth:`pack_texts` (None: none stored).
        """

    def add_entries(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """File stored documents ``rows[i]`` under ``keys[i]`` too (inside a write transaction)."""

    def delete(self, rows: np.ndarray, filed: bool) -> int:
        """Delete documents with their texts (and their band entries if ``filed``); returns how many were deleted."""

    def added_before(self, cutoff: float, limit: int) -> Fetched:
        """Up to ``limit`` documents inserted before ``cutoff`` (seconds since the epoch), oldest first."""

    def count(self) -> int:
        """Number of stored documents."""

    def orphan_texts(self) -> int:
        """Number of stored texts whose document is gone (damage)."""

    def count_band_rows(self) -> int:
        """Number of stored band entries."""

    def row_gaps(self) -> int:
        """Rows freed by deletions before the documents were last renumbered (row numbers are otherwise never reused)."""

    def full_buckets(self, cap: int) -> int:
        """Number of band keys with at least ``cap`` stored entries."""

    def stats(self) -> dict[str, Any]:
        """Backend facts: sizes on disk, time range, row counts."""

    def check(self) -> list[str]:
        """Backend integrity problems (empty when sound)."""

    def iter_docs(self, chunk: int) -> Any:
        """Every stored document, as :class:`Fetched` chunks."""

    def close(self) -> None:
        """Release the backend."""
