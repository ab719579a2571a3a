"""SQLite backend of :class:`dedup.Index`: one file, standard library ``sqlite3``, WAL mode, no server.

Schema (version :data:`SCHEMA_VERSION`, kept in ``PRAGMA user_version``; the file is
marked as ours with ``PRAGMA application_id`` = :data:`APPLICATION_ID`)::

    meta(key TEXT PRIMARY KEY, value TEXT)            -- 'config': parameters, bands, rows (JSON);
                                                      -- 'pending_epoch': bumped when pending is emptied;
                                                      -- 'row_high': highest row ever given (never reused)
    docs(row INTEGER PRIMARY KEY, id TEXT UNIQUE,     -- id as JSON text so str/int round-trip
         sig BLOB, size INT, added REAL, meta TEXT)   -- sig: little-endian uint32, the signature
                                                      -- (then the number sketch, see dedup.index)
    bands(key INT, doc INT, PRIMARY KEY (key, doc))   -- WITHOUT ROWID: one B-tree, no extra index
    pending(seq INTEGER PRIMARY KEY, keys BLOB, docs BLOB)  -- band entries not yet in bands:
                                                      -- one row per insert, little-endian int64

``bands.key`` is the LSH band key salted with its band number (see
:func:`dedup.index.band_keys`), so one ``key IN (...)`` probe per batch finds the
candidates of every band of every document, and a row costs ~20 bytes on disk.

New band entries go to ``pending`` first, a log-structured buffer: band keys are
random, so filing them straight into the ``bands`` B-tree dirties one page per entry
(a 500-document batch rewrote ~90 MB of pages at a million documents), while
appending one ``pending`` row per insert writes only what was added. Each
connection keeps the pending entries in memory as sorted arrays, reading only the
rows appended since it last looked. When :attr:`SQLiteStore.flush_entries` entries
have accumulated (and before any delete), they move to ``bands`` in one pass sorted
by key, which writes each B-tree page at most once, and ``pending_epoch`` changes so
that other connections drop their copy.

Writes run in ``BEGIN IMMEDIATE`` transactions: the write lock is taken before
anything is read, so a check-then-insert cannot race with another process.
``synchronous=NORMAL`` in WAL mode survives the death of the process (SIGKILL) with
every committed transaction; ``durable=True`` (``synchronous=FULL``) also survives
power loss at some cost per commit.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .._kernels import expand_ranges, sorted_unique
from .base import Fetched, IndexFileError, IndexLockedError

__all__ = ["SQLiteStore", "SCHEMA_VERSION", "APPLICATION_ID", "MIGRATIONS", "FLUSH_ENTRIES"]

APPLICATION_ID = 0x44445550  # "DDUP"
SCHEMA_VERSION = 2
_HEADER = b"SQLite format 3\x00"

_SCHEMA = (
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE docs(row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, sig BLOB NOT NULL,"
    " size INTEGER NOT NULL, added REAL NOT NULL, meta TEXT)",
    "CREATE INDEX docs_added ON docs(added)",
    "CREATE TABLE bands(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID",
    "CREATE TABLE pending(seq INTEGER PRIMARY KEY, keys BLOB NOT NULL, docs BLOB NOT NULL)",
)

def _add_pending_table(c: sqlite3.Connection) -> None:
    # The version-2 statement as it was, not a reference to _SCHEMA: a migration must not change with it.
    c.execute("CREATE TABLE pending(seq INTEGER PRIMARY KEY, keys BLOB NOT NULL, docs BLOB NOT NULL)")


#: ``MIGRATIONS[v]`` upgrades a version-``v`` file to ``v + 1`` inside the open write
#: transaction. Add one entry (and bump :data:`SCHEMA_VERSION`) per schema change.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _add_pending_table}

#: Default :attr:`SQLiteStore.flush_entries`: ~45,000 documents' band entries, ~32 MB in memory.
FLUSH_ENTRIES = 2_000_000

_CACHE_KIB = 256 * 1024
_MMAP_BYTES = 1 << 40  # SQLite clamps this to its compile-time maximum (2 GiB by default)
#: A checkpoint truncates the write-ahead log back to this size (a move of pending entries grows it to
#: hundreds of MB, which would otherwise stay on disk).
_WAL_KEEP_BYTES = 64 << 20


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
        #: Pending band entries that trigger a move to the ``bands`` table (see the module docstring).
        self.flush_entries = FLUSH_ENTRIES
        #: Keep every stored signature in memory (see :meth:`signatures`).
        self.cache_signatures = False
        self._forget_pending()
        self._sig_cache = np.zeros((0, 0), np.uint32)
        self._size_cache = np.zeros(0, np.int64)
        self._cached_high = 0  # every committed row <= this is in the cache
        exists = os.path.exists(self.path)
        if not exists and not create:
            raise IndexFileError(f"{self.path}: no such index")
        if exists:
            if os.path.isdir(self.path):
                raise IndexFileError(f"{self.path}: is a directory, not an index file")
            with open(self.path, "rb") as f:
                head = f.read(len(_HEADER))
            if head and head != _HEADER:
                raise IndexFileError(f"{self.path}: not an SQLite database (corrupted, or a foreign file)")
        try:
            self._conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            hint = "" if exists else f" (does the directory {os.path.dirname(os.path.abspath(self.path))} exist and is it writable?)"
            raise IndexFileError(f"{self.path}: cannot open: {exc}{hint}") from None
        try:
            with self._errors():
                self._setup(durable)
        except BaseException:
            self._conn.close()
            raise
        try:
            limit = self._conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:  # Python < 3.11
            limit = 999
        self._chunk = max(1, min(limit, 30000))

    # -- opening -----------------------------------------------------------------------------

    def _setup(self, durable: bool) -> None:
        c = self._conn
        app_id = c.execute("PRAGMA application_id").fetchone()[0]
        tables = c.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id != APPLICATION_ID and (app_id != 0 or tables):
            raise IndexFileError(
                f"{self.path}: an SQLite database of another application (application_id={app_id:#x}, "
                f"{tables} schema object(s)), not a dedup index"
            )
        version = c.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise IndexFileError(
                f"{self.path}: index schema version {version} is newer than this dedup supports ({SCHEMA_VERSION}); upgrade dedup"
            )
        mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise IndexFileError(f"{self.path}: cannot switch to WAL journal mode (got {mode!r})")
        c.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        c.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
        c.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
        c.execute(f"PRAGMA journal_size_limit={_WAL_KEEP_BYTES}")
        c.execute("PRAGMA temp_store=MEMORY")
        if app_id == APPLICATION_ID and version < SCHEMA_VERSION:
            self._migrate()

    def _migrate(self) -> None:
        with self.write():
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            while version < SCHEMA_VERSION:
                step = MIGRATIONS.get(version)
                if step is None:
                    raise IndexFileError(f"{self.path}: no migration from schema version {version} to {version + 1}")
                step(self._conn)
                version += 1
                self._conn.execute(f"PRAGMA user_version={version}")

    def read_config(self) -> dict[str, Any] | None:
        with self._errors():
            if not self._conn.execute("SELECT count(*) FROM sqlite_master WHERE name='meta'").fetchone()[0]:
                return None
            row = self._conn.execute("SELECT value FROM meta WHERE key='config'").fetchone()
        if row is None:
            raise IndexFileError(f"{self.path}: index has no configuration record (damaged)")
        try:
            config = json.loads(row[0])
        except json.JSONDecodeError:
            raise IndexFileError(f"{self.path}: index configuration is not valid JSON (damaged)") from None
        if not isinstance(config, dict):
            raise IndexFileError(f"{self.path}: index configuration is not a JSON object (damaged)")
        return config

    def initialize(self, config: dict[str, Any]) -> dict[str, Any]:
        """Create the schema with ``config`` unless a racing process already did; returns the stored config."""
        with self.write():
            if self._conn.execute("SELECT count(*) FROM sqlite_master WHERE name='meta'").fetchone()[0]:
                existing = self._conn.execute("SELECT value FROM meta WHERE key='config'").fetchone()
                if existing is not None:
                    return json.loads(existing[0])
            for stmt in _SCHEMA:
                self._conn.execute(stmt)
            self._conn.execute("INSERT INTO meta(key, value) VALUES ('config', ?)", (json.dumps(config, sort_keys=True),))
            self._conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        return config

    # -- transactions --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            msg = str(exc)
            name = getattr(exc, "sqlite_errorname", "")  # Python >= 3.11
            if "locked" in msg or "busy" in msg:
                raise IndexLockedError(
                    f"{self.path}: index is locked by another writer (waited {self.timeout:g} s): {msg}"
                ) from None
            if name.startswith("SQLITE_READONLY") or "readonly" in msg:
                raise IndexFileError(
                    f"{self.path}: index is read-only ({msg}): changing it needs write permission on the file, and "
                    "opening it needs a writable directory unless its -wal and -shm files exist"
                ) from None
            if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")) or "disk I/O" in msg or "disk is full" in msg:
                raise IndexFileError(
                    f"{self.path}: cannot write the index ({msg}): disk full, file size limit, or a storage "
                    "error; the transaction in progress was rolled back, committed ones are kept"
                ) from None
            if name == "SQLITE_CANTOPEN":
                raise IndexFileError(f"{self.path}: {msg} (is its directory writable?)") from None
            raise IndexFileError(f"{self.path}: {msg}") from None
        except sqlite3.DatabaseError as exc:
            raise IndexFileError(f"{self.path}: {exc} (corrupted, or not a dedup index)") from None

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[None]:
        with self._errors():
            self._conn.execute(begin)
            self._changed_pending = False
            cached_high = self._cached_high
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                if self._changed_pending:  # our in-memory copy holds what is being rolled back
                    self._forget_pending()
                self._cached_high = min(self._cached_high, cached_high)
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def read(self) -> contextlib.AbstractContextManager[None]:
        return self._transaction("BEGIN")

    def write(self) -> contextlib.AbstractContextManager[None]:
        return self._transaction("BEGIN IMMEDIATE")

    # -- rows ----------------------------------------------------------------------------------

    def _in(self, sql: str, values: Sequence[Any]) -> list[tuple]:
        """Run ``sql`` (with ``IN ({})``) over ``values`` in chunks of at most ``self._chunk`` placeholders.

        A chunk is padded (repeating its last value, which ``IN`` ignores) to a power of two, so only a
        few distinct statements exist: ``sqlite3`` caches a prepared statement per SQL text (128 of
        them), and one with thousands of placeholders holds megabytes -- with exact sizes, a long
        ``dedup filter`` grew by ~10 KB per document until the cache filled (about 1 GB).
        """
        out: list[tuple] = []
        for lo in range(0, len(values), self._chunk):
            part = list(values[lo : lo + self._chunk])
            width = min(self._chunk, 1 << (len(part) - 1).bit_length())
            part += part[-1:] * (width - len(part))
            out += self._conn.execute(sql.format(",".join("?" * width)), part).fetchall()
        return out

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        uniq = sorted_unique(np.asarray(keys, dtype=np.int64))
        arr = np.array(self._in("SELECT key, doc FROM bands WHERE key IN ({})", uniq.tolist()), dtype=np.int64).reshape(-1, 2)
        self._sync_pending()
        found_keys, found_docs = [arr[:, 0]], [arr[:, 1]]
        for run_keys, run_docs in self._runs:
            lo = np.searchsorted(run_keys, uniq, "left")
            at = expand_ranges(lo, np.searchsorted(run_keys, uniq, "right") - lo)
            found_keys.append(run_keys[at])
            found_docs.append(run_docs[at])
        return np.concatenate(found_keys), np.concatenate(found_docs)

    # -- the pending band entries (see the module docstring) -----------------------------------

    def _forget_pending(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # sorted (keys, docs) arrays
        self._pending_seq = 0  # last pending row read
        self._pending_n = 0
        self._epoch: int | None = None  # pending_moves() of what is loaded; None: nothing loaded yet
        self._changed_pending = False

    def pending_moves(self) -> int:
        """How many times pending entries have moved to ``bands`` in this file (``pending_epoch``)."""
        row = self._conn.execute("SELECT value FROM meta WHERE key='pending_epoch'").fetchone()
        epoch = row[0] if row else "0"
        if not (isinstance(epoch, str) and epoch.isdecimal()):
            raise IndexFileError(f"{self.path}: pending_epoch {epoch!r} is not a count (damaged)")
        return int(epoch)

    def _sync_pending(self) -> None:
        """Bring the in-memory pending entries up to date with the open transaction's snapshot."""
        epoch = self.pending_moves()
        if epoch != self._epoch:
            self._forget_pending()
            self._epoch = epoch
        got = self._conn.execute("SELECT seq, keys, docs FROM pending WHERE seq > ? ORDER BY seq", (self._pending_seq,)).fetchall()
        if not got:
            return
        if any(not isinstance(k, bytes) or not isinstance(d, bytes) or len(k) != len(d) or len(k) % 8 for _, k, d in got):
            raise IndexFileError(f"{self.path}: pending band entries are malformed (damaged)")
        keys = np.frombuffer(b"".join(r[1] for r in got), dtype="<i8").astype(np.int64)
        docs = np.frombuffer(b"".join(r[2] for r in got), dtype="<i8").astype(np.int64)
        self._pending_seq = got[-1][0]
        self._pending_n += keys.size
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], docs[order]))
        # keep O(log n) runs: merge the newest into the one before while that one is not much larger
        while len(self._runs) > 1 and self._runs[-2][0].size <= 2 * self._runs[-1][0].size:
            (k1, d1), (k2, d2) = self._runs.pop(-2), self._runs.pop()
            k, d = np.concatenate((k1, k2)), np.concatenate((d1, d2))
            order = np.argsort(k, kind="stable")
            self._runs.append((k[order], d[order]))

    def _flush_pending(self) -> None:
        """Move every pending band entry into ``bands`` (in key order) and empty ``pending``."""
        self._sync_pending()
        if self._pending_n == 0:
            return
        keys = np.concatenate([k for k, _ in self._runs])
        docs = np.concatenate([d for _, d in self._runs])
        order = np.lexsort((docs, keys))
        keys, docs = keys[order], docs[order]
        for lo in range(0, keys.size, 100_000):  # Python ints for a slice at a time, not all at once
            self._conn.executemany(
                "INSERT OR IGNORE INTO bands(key, doc) VALUES (?, ?)", zip(keys[lo : lo + 100_000].tolist(), docs[lo : lo + 100_000].tolist())
            )
        self._conn.execute("DELETE FROM pending")
        epoch = self._epoch + 1  # set by the _sync_pending above
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('pending_epoch', ?)", (str(epoch),))
        self._forget_pending()
        self._epoch = epoch
        self._changed_pending = True  # until the commit: memory is ahead of the file

    def pending_entries(self) -> int:
        """Band entries waiting in the pending buffer."""
        self._sync_pending()
        return self._pending_n

    def _sig_matrix(self, blobs: list[Any]) -> np.ndarray:
        """Stored signatures as one ``uint32 (n, num_perm)`` array; a blob of another length is damage."""
        width = len(blobs[0]) if blobs and isinstance(blobs[0], bytes) else -1
        if width <= 0 or width % 4 or any(not isinstance(b, bytes) or len(b) != width for b in blobs):
            raise IndexFileError(f"{self.path}: stored signatures are malformed (damaged)")
        return np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(blobs), -1).astype(np.uint32, copy=False)

    def _fetched(self, rows: list[tuple]) -> Fetched:
        if not rows:
            return Fetched(np.zeros(0, np.int64), [], np.zeros((0, 0), np.uint32), np.zeros(0, np.int64), [])
        sigs = self._sig_matrix([r[2] for r in rows])
        return Fetched(
            np.array([r[0] for r in rows], dtype=np.int64),
            [r[1] for r in rows],
            sigs,
            np.array([r[3] for r in rows], dtype=np.int64),
            [r[4] for r in rows],
        )

    def fetch(self, rows: np.ndarray) -> Fetched:
        uniq = sorted_unique(np.asarray(rows, dtype=np.int64)).tolist()
        return self._fetched(self._in("SELECT row, id, sig, size, meta FROM docs WHERE row IN ({})", uniq))

    def signatures(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        uniq = sorted_unique(np.asarray(rows, dtype=np.int64))
        if self.cache_signatures:  # no copy: the cache itself, and where each row is in it
            self._sync_signatures()
            uniq = uniq[(uniq > 0) & (uniq <= self._cached_high)]
            return uniq, uniq, self._sig_cache, self._size_cache
        got = self._in("SELECT row, sig, size FROM docs WHERE row IN ({})", uniq.tolist())
        if not got:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 0), np.uint32), np.zeros(0, np.int64)
        sigs = self._sig_matrix([r[1] for r in got])
        sizes = np.array([r[2] for r in got], dtype=np.int64)
        return np.array([r[0] for r in got], dtype=np.int64), np.arange(len(got)), sigs, sizes

    def _sync_signatures(self, chunk: int = 20_000) -> None:
        """Read the signatures of documents committed since the last call into the cache.

        Row numbers are never reused (:meth:`insert` counts on from ``row_high``), so a
        cached row is never stale: a deleted document's row stays in the cache but no
        band entry names it any more, so it is never asked for.
        """
        while True:
            got = self._conn.execute(
                "SELECT row, sig, size FROM docs WHERE row > ? ORDER BY row LIMIT ?", (self._cached_high, chunk)
            ).fetchall()
            if not got:
                return
            sigs = self._sig_matrix([r[1] for r in got])
            rows = np.array([r[0] for r in got], dtype=np.int64)
            top = int(rows[-1])
            if self._sig_cache.shape[1] != sigs.shape[1] or top >= self._sig_cache.shape[0]:
                cap = max(top + 1, 2 * self._sig_cache.shape[0], 1024)
                grown = np.zeros((cap, sigs.shape[1]), np.uint32)
                sizes = np.zeros(cap, np.int64)
                if self._sig_cache.shape[1] == sigs.shape[1]:
                    grown[: self._sig_cache.shape[0]] = self._sig_cache
                    sizes[: self._size_cache.shape[0]] = self._size_cache
                self._sig_cache, self._size_cache = grown, sizes
            self._sig_cache[rows] = sigs
            self._size_cache[rows] = [r[2] for r in got]
            self._cached_high = top
            if len(got) < chunk:
                return

    def rows_of(self, ids: Sequence[str]) -> dict[str, int]:
        return dict(self._in("SELECT id, row FROM docs WHERE id IN ({})", list(dict.fromkeys(ids))))

    def insert(
        self,
        ids: Sequence[str],
        sigs: np.ndarray,
        sizes: np.ndarray,
        added: float,
        metas: Sequence[str | None],
        keys: np.ndarray,
        file: np.ndarray,
    ) -> np.ndarray:
        n = len(ids)
        # Row numbers are never reused, not even the last one after a delete (signature caches rely on it).
        top = self._conn.execute("SELECT coalesce(max(row), 0) FROM docs").fetchone()[0]
        high = self._conn.execute("SELECT value FROM meta WHERE key='row_high'").fetchone()
        if high is not None and not (isinstance(high[0], str) and high[0].isdecimal()):
            raise IndexFileError(f"{self.path}: row_high {high[0]!r} is not a row number (damaged)")
        start = max(top, int(high[0]) if high else 0) + 1
        rows = np.arange(start, start + n, dtype=np.int64)
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('row_high', ?)", (str(start + n - 1),))
        blobs = np.ascontiguousarray(sigs, dtype="<u4")
        self._conn.executemany(
            "INSERT INTO docs(row, id, sig, size, added, meta) VALUES (?, ?, ?, ?, ?, ?)",
            zip(rows.tolist(), ids, (blobs[i].tobytes() for i in range(n)), np.asarray(sizes).tolist(), [added] * n, metas),
        )
        if file.any():
            sel = file.ravel()
            self._changed_pending = True
            self._conn.execute(
                "INSERT INTO pending(keys, docs) VALUES (?, ?)",
                (keys.ravel()[sel].astype("<i8").tobytes(), np.repeat(rows, keys.shape[1])[sel].astype("<i8").tobytes()),
            )
            self._sync_pending()
            if self._pending_n >= self.flush_entries:
                self._flush_pending()
        return rows

    def delete(self, rows: np.ndarray, keys: np.ndarray) -> int:
        if keys.size:
            self._flush_pending()  # so that every band entry is in ``bands``
            pairs = np.stack((keys.ravel(), np.repeat(rows, keys.shape[1])), axis=1)
            self._conn.executemany("DELETE FROM bands WHERE key = ? AND doc = ?", pairs.tolist())
        before = self._conn.total_changes
        self._conn.executemany("DELETE FROM docs WHERE row = ?", [(r,) for r in rows.tolist()])
        return self._conn.total_changes - before

    def added_before(self, cutoff: float, limit: int) -> Fetched:
        cur = self._conn.execute(
            "SELECT row, id, sig, size, meta FROM docs WHERE added < ? ORDER BY added LIMIT ?", (cutoff, limit)
        )
        return self._fetched(cur.fetchall())

    def iter_docs(self, chunk: int) -> Iterator[Fetched]:
        last = 0
        while True:
            got = self._fetched(
                self._conn.execute(
                    "SELECT row, id, sig, size, meta FROM docs WHERE row > ? ORDER BY row LIMIT ?", (last, chunk)
                ).fetchall()
            )
            if not got.ids:
                return
            last = int(got.rows[-1])
            yield got

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    def count_band_rows(self) -> int:
        return self._conn.execute("SELECT count(*) FROM bands").fetchone()[0] + self.pending_entries()

    def stats(self) -> dict[str, Any]:
        c = self._conn
        page_size = c.execute("PRAGMA page_size").fetchone()[0]
        pages = c.execute("PRAGMA page_count").fetchone()[0]
        free = c.execute("PRAGMA freelist_count").fetchone()[0]
        lo, hi = c.execute("SELECT min(added), max(added) FROM docs").fetchone()
        wal = self.path + "-wal"
        return {
            "documents": self.count(),
            "pending_band_entries": self.pending_entries(),
            "oldest_added": lo,
            "newest_added": hi,
            "bytes_on_disk": os.path.getsize(self.path) + (os.path.getsize(wal) if os.path.exists(wal) else 0),
            "bytes_in_use": (pages - free) * page_size,
            "schema_version": c.execute("PRAGMA user_version").fetchone()[0],
            "backend": "sqlite " + sqlite3.sqlite_version,
        }

    def check(self) -> list[str]:
        with self._errors():
            msgs = [r[0] for r in self._conn.execute("PRAGMA quick_check")]
        return [] if msgs == ["ok"] else [f"sqlite: {m}" for m in msgs]

    def close(self) -> None:
        self._conn.close()
