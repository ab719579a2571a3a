"""SQLite backend of :class:`dedup.Index`: one file, standard library ``sqlite3``, WAL mode, no server.

Schema (version :data:`SCHEMA_VERSION`, kept in ``PRAGMA user_version``; the file is
marked as ours with ``PRAGMA application_id`` = :data:`APPLICATION_ID`)::

    meta(key TEXT PRIMARY KEY, value TEXT)            -- 'config': parameters, bands, rows, key scheme
                                                      -- and its secret salt (JSON, see dedup.index);
                                                      -- 'base': which log and dead rows the base holds (JSON);
                                                      -- 'row_high': highest row ever given (never reused,
                                                      -- until the rows run out: see dedup.store.docs);
                                                      -- 'row_gaps': rows freed by deletes before the last renumbering
    docs(row INTEGER PRIMARY KEY, id TEXT UNIQUE,     -- id as JSON text so str/int round-trip
         sig BLOB, size INT, added REAL, meta TEXT)   -- sig: little-endian uint32, the signature
                                                      -- (then the number sketch, see dedup.index)
    base(part INTEGER PRIMARY KEY, keys BLOB, docs BLOB)  -- band entries, in key order over the parts
    base_docs(part INTEGER PRIMARY KEY,               -- the base's documents, in row order: their
              rows BLOB, fps BLOB, sizes BLOB)        -- fingerprints and sizes (dedup.store.summaries)
    log(seq INTEGER PRIMARY KEY AUTOINCREMENT,        -- added since the base was written, one row per
        keys BLOB, docs BLOB,                         -- insert: band entries in key order, and the
        rows BLOB, fps BLOB, sizes BLOB)              -- documents' fingerprints and sizes
    dead(seq INTEGER PRIMARY KEY AUTOINCREMENT, row INT)  -- deleted documents whose entries remain
    texts(row INTEGER PRIMARY KEY, text BLOB)         -- a document's prepared text: zlib-compressed
                                                      -- UTF-8 (see :func:`dedup.store.codec.pack_text`); no row: unknown

A document without shingles has one band entry instead of one per band: under the
hash of its prepared text (:func:`dedup.index.wordless_key`, schema 6), and only
when that text is stored (always, since schema 6, even without ``verify_text``).

Keys are little-endian int64 (the LSH band key salted with its band number, see
:func:`dedup.index.band_keys`; and, under key scheme :data:`dedup.index.KEY_SCHEME`, one
*exact key* per document with shingles, a keyed hash of its signature and size,
:func:`dedup.index.exact_keys`), entry rows little-endian uint32; document rows and
sizes little-endian int64, fingerprints little-endian uint64. The key scheme is not a
schema version: the tables are the same, and ``config['key_scheme']`` says which keys
the band entries hold (an index of the older scheme, ``lsh-band-key-xor-salt-v1``, gets
its exact keys at its first insert, see :meth:`dedup.index.Index.open`).

``texts`` holds the text each document was signed from (after normalization), for the
second stage of the matching rule (:mod:`dedup.verify`), which aligns the texts of the
few candidate pairs that pass the first. Its own table keeps ``docs`` rows small: what
reads signatures (every check, the signature cache) never pages through texts.
Documents written before schema 5, or by an index that does not verify texts, have no
row there: their pairs are decided by the first stage alone. A text is deleted with its
document, in the same transaction; rewrites of the band entries never touch it.

Band entries and document fingerprints are held in memory and kept in step with the file
by a log-structured scheme (:mod:`dedup.store.bandlog`).

Writes run in ``BEGIN IMMEDIATE`` transactions: the write lock is taken before
anything is read, so a check-then-insert cannot race with another process.
``synchronous=NORMAL`` in WAL mode survives the death of the process (SIGKILL) with
every committed transaction; ``durable=True`` (``synchronous=FULL``) also survives
power loss at some cost per commit.

The store is put together from one module per concern: :mod:`~dedup.store.connection` (opening the
file, error translation), :mod:`~dedup.store.schema` (versions, migrations), :mod:`~dedup.store.codec`
(blob encodings), :mod:`~dedup.store.docs` (the documents and texts), :mod:`~dedup.store.bandlog`
(band entries and fingerprints) and :mod:`~dedup.store.sigcache` (the signature cache); this module
holds the transactions and the :class:`~dedup.store.base.Store` methods.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .._kernels import nibble_fingerprints, sorted_unique
from . import bandmap
from .bandlog import FLUSH_ENTRIES, BandLog
from .base import Fetched, IndexFileError, IndexThreadError
from .codec import MAX_TEXT_BYTES, pack_text
from .connection import connect, file_stats, translated_errors
from .docs import Documents
from .schema import APPLICATION_ID, MIGRATIONS, SCHEMA_OBJECTS, SCHEMA_VERSION, create, read_config
from .sigcache import SignatureCache

__all__ = ["SQLiteStore", "SCHEMA_VERSION", "APPLICATION_ID", "SCHEMA_OBJECTS", "MIGRATIONS", "FLUSH_ENTRIES", "MAX_TEXT_BYTES", "pack_text"]


class SQLiteStore:
    """A dedup index in one SQLite file (see the module docstring for the schema).

    Parameters
    ----------
    path : str
        The file. Created when missing if ``create`` is true.
    timeout : float
        Seconds to wait for another process's write lock before :class:`IndexLockedError`.
    durable : bool
        ``synchronous=FULL``: commits survive power loss, not only process death.
    """

    def __init__(self, path: str | os.PathLike, *, create: bool = True, timeout: float = 30.0, durable: bool = False) -> None:
        self.path = os.fspath(path)
        self.timeout = float(timeout)
        #: Keep every stored signature in memory (see :meth:`signatures`).
        self.cache_signatures = False
        self._thread = threading.get_ident()  # the connection (sqlite3) belongs to the opening thread
        self.conn = connect(self.path, create=create, timeout=self.timeout, durable=durable)
        self.docs = Documents(self.conn, self.path)
        self.cache = SignatureCache(self.docs)
        self.bands = BandLog(self.conn, self.docs, on_reload=self.cache.drop)

    @property
    def flush_entries(self) -> int:
        """Log entries that (at least) trigger a rewrite of the base (see :mod:`dedup.store.bandlog`)."""
        return self.bands.flush_entries

    @flush_entries.setter
    def flush_entries(self, n: int) -> None:
        self.bands.flush_entries = n

    @property
    def fingerprint_columns(self) -> int:
        """Signature values summarized by the fingerprints (``num_perm``; set by :class:`dedup.Index`)."""
        return self.bands.fingerprint_columns

    @fingerprint_columns.setter
    def fingerprint_columns(self, n: int) -> None:
        self.bands.fingerprint_columns = n

    # -- configuration -------------------------------------------------------------------------

    def read_config(self) -> dict[str, Any] | None:
        with translated_errors(self.path, self.timeout):
            return read_config(self.conn, self.path)

    def write_config(self, config: dict[str, Any]) -> None:
        """Replace the stored configuration (inside a write transaction)."""
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('config', ?)", (json.dumps(config, sort_keys=True),))

    def initialize(self, config: dict[str, Any]) -> dict[str, Any]:
        """Create the schema with ``config`` unless a racing process already did; returns the stored config."""
        with self.write():
            return create(self.conn, config)

    # -- transactions --------------------------------------------------------------------------

    def _own_thread(self) -> None:
        if threading.get_ident() != self._thread:
            raise IndexThreadError(
                f"{self.path}: an Index belongs to the thread that opened it; open one Index per thread "
                "(any number of them may share the file)"
            )

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[None]:
        self._own_thread()
        with translated_errors(self.path, self.timeout):
            self.conn.execute(begin)
            self.bands.dirty = False
            cached_high = self.cache.high
            try:
                yield
                self.conn.execute("COMMIT")
            except BaseException:
                if self.bands.dirty:  # our in-memory copy holds what is being rolled back
                    self.bands.forget()
                self.cache.high = min(self.cache.high, cached_high)
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            finally:
                self.bands.synced = False

    def read(self) -> contextlib.AbstractContextManager[None]:
        return self._transaction("BEGIN")

    def write(self) -> contextlib.AbstractContextManager[None]:
        return self._transaction("BEGIN IMMEDIATE")

    # -- lookups -------------------------------------------------------------------------------

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        uniq = sorted_unique(np.asarray(keys, dtype=np.int64))
        self.bands.sync()
        return self.bands.map.lookup(uniq)

    def summaries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``at, fingerprints, sizes``: documents ``rows`` are ``fingerprints[at]``, ``sizes[at]``
        (``at`` -1: not held), as of the last :meth:`lookup`."""
        held = self.bands.summaries
        return held.locate(np.asarray(rows, dtype=np.int64)), held.fingerprints, held.sizes

    def fetch(self, rows: np.ndarray) -> Fetched:
        return self.docs.fetch(sorted_unique(np.asarray(rows, dtype=np.int64)).tolist())

    def signatures(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        uniq = sorted_unique(np.asarray(rows, dtype=np.int64))
        if self.cache_signatures:  # no copy: the cache itself, and where each row is in it
            return self.cache.signatures(uniq)
        return self.docs.signatures(uniq.tolist())

    @staticmethod
    def pack_texts(texts: Sequence[str | None]) -> list[bytes | None]:
        """Prepared texts as :meth:`insert` takes them (:func:`pack_text`: compressed; no transaction needed)."""
        return [pack_text(t) for t in texts]

    def texts(self, rows: np.ndarray) -> dict[int, str]:
        """The stored prepared texts of these documents, by row (a document without one is left out); a damaged
        one is :class:`IndexFileError` naming the document's internal row."""
        return self.docs.texts(sorted_unique(np.asarray(rows, dtype=np.int64)).tolist())

    def rows_of(self, ids: Sequence[str]) -> dict[str, int]:
        return self.docs.rows_of(ids)

    def added_before(self, cutoff: float, limit: int) -> Fetched:
        return self.docs.added_before(cutoff, limit)

    def iter_docs(self, chunk: int) -> Iterator[Fetched]:
        return self.docs.iter_docs(chunk)

    # -- changes (inside a write transaction) ----------------------------------------------------

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
        n = len(ids)
        # Row numbers are never reused, not even the last one after a delete (signature caches rely on it).
        start = self.docs.next_row()
        if start + n > bandmap.ROW_LIMIT:  # rows are held as uint32: number the stored documents 1..count again
            start = self._renumber(start - 1) + 1
            if start + n > bandmap.ROW_LIMIT:
                raise IndexFileError(f"{self.path}: the index would hold more than {bandmap.ROW_LIMIT - 1} documents, the most it can")
        rows = self.docs.insert(start, ids, sigs, sizes, added, metas, texts)
        if file.any():
            sel = file.ravel()
            k, d = keys.ravel()[sel], np.repeat(rows, keys.shape[1])[sel]
            order = np.argsort(k, kind="stable")
            filed = file.any(axis=1)  # the documents that can be candidates
            fps = nibble_fingerprints(np.ascontiguousarray(sigs[filed], dtype=np.uint32), self.fingerprint_columns)
            self.bands.append(k[order], d[order], rows[filed], fps, np.asarray(sizes)[filed])
        return rows

    def add_entries(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """File stored documents under more keys (inside a write transaction): one ``log`` row of entries and no
        fingerprints (a document without one is compared in full; those with band entries have theirs already)."""
        keys, rows = np.asarray(keys, dtype=np.int64), np.asarray(rows, dtype=np.int64)
        if keys.size == 0:
            return
        order = np.argsort(keys, kind="stable")
        self.bands.append(keys[order], rows[order])

    def _renumber(self, high: int) -> int:
        """Renumber the stored documents 1..count, in row order, inside the write transaction; returns the count.

        Rows are never reused while the numbering lasts (caches count on it), and are held as uint32, so an
        index that has given out ``ROW_LIMIT - 1`` rows (inserts over its lifetime, not documents held) starts
        over: documents, texts and band entries move to the new rows, the base is rewritten from memory with
        an empty log, and its generation has no predecessor, so every other connection reloads it (and drops
        its signature cache). ``row_gaps`` keeps the count of rows freed by deletions, for :meth:`Index.verify`.
        """
        self.bands.sync()
        self.bands.changing()
        old = self.docs.renumber(high)
        self.bands.renumber(old)
        self.cache.drop()
        return int(old.size)

    def delete(self, rows: np.ndarray, filed: bool) -> int:
        """Delete documents; if ``filed``, their band entries stop counting at once (a ``dead`` row
        each) and leave the file at the next rewrite of the base, and memory when it is read."""
        if filed and rows.size:
            self.bands.kill(rows)
        return self.docs.delete(rows)

    # -- facts ---------------------------------------------------------------------------------

    def count(self) -> int:
        return self.docs.count()

    def count_texts(self) -> int:
        """Number of stored texts."""
        return self.docs.count_texts()

    def orphan_texts(self) -> int:
        """Stored texts whose document is gone (none unless the file is damaged)."""
        return self.docs.orphan_texts()

    def row_gaps(self) -> int:
        """Rows freed by deletions before the documents were last renumbered (0 if never)."""
        return self.docs.row_gaps()

    def rewrites(self) -> int:
        """How many times the base has been rewritten in this file (its generation)."""
        return self.bands.base_info()["generation"]

    def logged_entries(self) -> int:
        """Band entries in the log (not yet in the base)."""
        self.bands.sync()
        return self.bands.logged

    def count_band_rows(self) -> int:
        self.bands.sync()
        return self.bands.map.live_entries()

    def full_buckets(self, cap: int) -> int:
        """Band keys with at least ``cap`` live entries (capped buckets: later documents are not filed there)."""
        self.bands.sync()
        return self.bands.map.full_keys(cap)

    def stats(self) -> dict[str, Any]:
        lo, hi = self.docs.added_range()
        return {
            "documents": self.count(),
            "stored_texts": self.count_texts(),
            "band_entries": self.count_band_rows(),
            "logged_band_entries": self.logged_entries(),
            "base_rewrites": self.rewrites(),
            "oldest_added": lo,
            "newest_added": hi,
            **file_stats(self.conn, self.path),
        }

    def check(self) -> list[str]:
        self._own_thread()
        with translated_errors(self.path, self.timeout):
            msgs = [r[0] for r in self.conn.execute("PRAGMA quick_check")]
        return [] if msgs == ["ok"] else [f"sqlite: {m}" for m in msgs]

    def close(self) -> None:
        self._own_thread()
        self.conn.close()
