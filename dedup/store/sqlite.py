"""SQLite backend of :class:`dedup.Index`: one file, standard library ``sqlite3``, WAL mode, no server.

Schema (version :data:`SCHEMA_VERSION`, kept in ``PRAGMA user_version``; the file is
marked as ours with ``PRAGMA application_id`` = :data:`APPLICATION_ID`)::

    meta(key TEXT PRIMARY KEY, value TEXT)            -- 'config': parameters, bands, rows, key scheme
                                                      -- and its secret salt (JSON, see dedup.index);
                                                      -- 'base': which log and dead rows the base holds (JSON);
                                                      -- 'row_high': highest row ever given (never reused,
                                                      -- until the rows run out: see SQLiteStore._renumber);
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
                                                      -- UTF-8 (see :func:`pack_text`); no row: unknown

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

Band entries and document fingerprints live in memory
(:class:`~dedup.store.bandmap.BandMap`, :class:`~dedup.store.summaries.DocSummaries`):
a lookup costs two memory reads instead of a B-tree descent per key, and most
candidates are ruled out without reading their signatures. Each connection loads the
base once and then reads only what is new: ``log`` rows after the last one it read and
``dead`` rows likewise. An insert appends one ``log`` row, so it writes only what it
adds. When the log holds ``max(flush_entries, base / 8)`` entries, the writer rewrites
the base from memory without the dead documents' entries, in the same transaction.
``meta['base']`` names that generation, the one before it and the last ``log`` and
``dead`` rows it absorbed. Those rows stay until the next rewrite, so a connection that
holds the previous generation reads on from where it was and keeps its memory; any
other connection loads the new base and reads only the rows after it.

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
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .._kernels import nibble_fingerprints, sorted_unique
from .bandmap import ROW_LIMIT, BandMap
from .base import Fetched, IndexFileError, IndexLockedError, IndexThreadError
from .summaries import DocSummaries

__all__ = ["SQLiteStore", "SCHEMA_VERSION", "APPLICATION_ID", "SCHEMA_OBJECTS", "MIGRATIONS", "FLUSH_ENTRIES", "MAX_TEXT_BYTES", "pack_text"]

APPLICATION_ID = 0x44445550  # "DDUP"
SCHEMA_VERSION = 6
_HEADER = b"SQLite format 3\x00"

_SCHEMA = (
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE docs(row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, sig BLOB NOT NULL,"
    " size INTEGER NOT NULL, added REAL NOT NULL, meta TEXT)",
    "CREATE INDEX docs_added ON docs(added)",
    "CREATE TABLE base(part INTEGER PRIMARY KEY, keys BLOB NOT NULL, docs BLOB NOT NULL)",
    "CREATE TABLE log(seq INTEGER PRIMARY KEY AUTOINCREMENT, keys BLOB NOT NULL, docs BLOB NOT NULL,"
    " rows BLOB NOT NULL DEFAULT x'', fps BLOB NOT NULL DEFAULT x'', sizes BLOB NOT NULL DEFAULT x'')",
    "CREATE TABLE dead(seq INTEGER PRIMARY KEY AUTOINCREMENT, row INTEGER NOT NULL)",
    "CREATE TABLE base_docs(part INTEGER PRIMARY KEY, rows BLOB NOT NULL, fps BLOB NOT NULL, sizes BLOB NOT NULL)",
    "CREATE TABLE texts(row INTEGER PRIMARY KEY, text BLOB NOT NULL)",
)

#: ``(type, name)`` of every object :data:`_SCHEMA` makes in ``sqlite_master`` (with SQLite's own: the
#: unique index of ``docs.id``, ``sqlite_sequence`` for AUTOINCREMENT, and ``ANALYZE``'s statistics). A file
#: of the current version holding anything else is refused: a trigger or view there would run on the
#: user's reads and writes (see :meth:`SQLiteStore._check_schema_objects`). A migration that adds an
#: object adds it here too.
SCHEMA_OBJECTS = frozenset(
    [("table", t) for t in ("meta", "docs", "base", "log", "dead", "base_docs", "texts", "sqlite_sequence")]
    + [("table", f"sqlite_stat{k}") for k in (1, 2, 3, 4)]
    + [("index", "docs_added"), ("index", "sqlite_autoindex_docs_1"), ("index", "sqlite_autoindex_meta_1")]
)


def _add_pending_table(c: sqlite3.Connection) -> None:
    # The version-2 statement as it was, not a reference to _SCHEMA: a migration must not change with it.
    c.execute("CREATE TABLE pending(seq INTEGER PRIMARY KEY, keys BLOB NOT NULL, docs BLOB NOT NULL)")


def _entries_to_base_log(c: sqlite3.Connection) -> None:
    """Version 2 -> 3: the ``bands`` B-tree becomes the base, each ``pending`` row a ``log`` row."""
    # The version-3 statements as they were (see _add_pending_table).
    c.execute("CREATE TABLE base(part INTEGER PRIMARY KEY, keys BLOB NOT NULL, docs BLOB NOT NULL)")
    c.execute("CREATE TABLE log(seq INTEGER PRIMARY KEY AUTOINCREMENT, keys BLOB NOT NULL, docs BLOB NOT NULL)")
    c.execute("CREATE TABLE dead(seq INTEGER PRIMARY KEY AUTOINCREMENT, row INTEGER NOT NULL)")
    cur = c.execute("SELECT key, doc FROM bands ORDER BY key, doc")
    part = 0
    while got := cur.fetchmany(1_000_000):
        arr = np.array(got, dtype=np.int64)
        c.execute("INSERT INTO base(part, keys, docs) VALUES (?, ?, ?)", (part, _i8_blob(arr[:, 0]), _doc_blob(arr[:, 1])))
        part += 1
    for keys, docs in c.execute("SELECT keys, docs FROM pending ORDER BY seq").fetchall():
        if not isinstance(keys, bytes) or not isinstance(docs, bytes) or len(keys) != len(docs) or len(keys) % 8:
            raise IndexFileError("pending band entries are malformed (damaged)")
        k, d = np.frombuffer(keys, "<i8"), np.frombuffer(docs, "<i8")
        order = np.argsort(k, kind="stable")
        c.execute("INSERT INTO log(keys, docs) VALUES (?, ?)", (_i8_blob(k[order]), _doc_blob(d[order])))
    c.execute("DROP TABLE bands")
    c.execute("DROP TABLE pending")
    c.execute("DELETE FROM meta WHERE key='pending_epoch'")


def _add_summaries(c: sqlite3.Connection) -> None:
    """Version 3 -> 4: fingerprints and sizes of the documents, computed from their stored signatures."""
    c.execute("ALTER TABLE log ADD COLUMN rows BLOB NOT NULL DEFAULT x''")
    c.execute("ALTER TABLE log ADD COLUMN fps BLOB NOT NULL DEFAULT x''")
    c.execute("ALTER TABLE log ADD COLUMN sizes BLOB NOT NULL DEFAULT x''")
    c.execute("CREATE TABLE base_docs(part INTEGER PRIMARY KEY, rows BLOB NOT NULL, fps BLOB NOT NULL, sizes BLOB NOT NULL)")
    row = c.execute("SELECT value FROM meta WHERE key='config'").fetchone()
    try:
        num_perm = json.loads(row[0])["params"]["num_perm"]
        if not isinstance(num_perm, int) or num_perm < 1:
            raise TypeError
    except (TypeError, KeyError, json.JSONDecodeError):
        raise IndexFileError("index configuration is missing or damaged; cannot migrate it") from None
    last, part = 0, 0
    while got := c.execute("SELECT row, sig, size FROM docs WHERE row > ? ORDER BY row LIMIT 100000", (last,)).fetchall():
        last = got[-1][0]
        # Documents without shingles have no band entries. A damaged signature gets no fingerprint: its
        # document stays a candidate wherever its entries lead, and reading it reports the damage then.
        got = [r for r in got if r[2] > 0 and isinstance(r[1], bytes) and len(r[1]) >= 4 * num_perm and len(r[1]) % 4 == 0]
        if not got:
            continue
        sigs = np.stack([np.frombuffer(r[1], "<u4", count=num_perm) for r in got])
        c.execute(
            "INSERT INTO base_docs(part, rows, fps, sizes) VALUES (?, ?, ?, ?)",
            (part, _i8_blob([r[0] for r in got]), _fp_blob(nibble_fingerprints(sigs, num_perm)), _i8_blob([r[2] for r in got])),
        )
        part += 1


def _add_texts(c: sqlite3.Connection) -> None:
    """Version 4 -> 5: a table for the documents' prepared texts. The documents stored so far have none
    (their texts were never kept), so their pairs stay decided by signatures alone."""
    c.execute("CREATE TABLE texts(row INTEGER PRIMARY KEY, text BLOB NOT NULL)")


def _file_wordless(c: sqlite3.Connection) -> None:
    """Version 5 -> 6: documents without shingles are filed under the hash of their text
    (:func:`dedup.index.wordless_key`), so that their exact copies are found. Those with a stored text
    (indexes that verify texts) get their entry now, in row order and under the bucket cap, in one log
    row; those without one (their text was never kept) cannot be, and stay found by nothing."""
    from ..index import wordless_key  # the key is the index's; the schema only holds it

    row = c.execute("SELECT value FROM meta WHERE key='config'").fetchone()
    try:
        cap = json.loads(row[0]).get("max_bucket")
        if not isinstance(cap, int) or cap < 1:
            raise TypeError
    except (TypeError, AttributeError, json.JSONDecodeError):
        raise IndexFileError("index configuration is missing or damaged; cannot migrate it") from None
    per_key: dict[int, int] = {}
    keys, docs = [], []
    for r, blob in c.execute("SELECT t.row, t.text FROM texts t JOIN docs d ON d.row = t.row WHERE d.size = 0 ORDER BY t.row"):
        try:
            k = wordless_key(_unpack_text(blob))
        except ValueError:  # a damaged text: left unfiled, as verify() reports it
            continue
        if per_key.get(k, 0) < cap:
            per_key[k] = per_key.get(k, 0) + 1
            keys.append(k)
            docs.append(r)
    if keys:
        key_array, doc_array = np.array(keys, dtype=np.int64), np.array(docs, dtype=np.int64)
        order = np.argsort(key_array, kind="stable")
        c.execute("INSERT INTO log(keys, docs) VALUES (?, ?)", (_i8_blob(key_array[order]), _doc_blob(doc_array[order])))


#: ``MIGRATIONS[v]`` upgrades a version-``v`` file to ``v + 1`` inside the open write
#: transaction. Add one entry (and bump :data:`SCHEMA_VERSION`) per schema change.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _add_pending_table, 2: _entries_to_base_log, 3: _add_summaries, 4: _add_texts, 5: _file_wordless,
}

#: Default :attr:`SQLiteStore.flush_entries`: the log is folded into the base at this many
#: entries (~33,000 documents) or an eighth of the base, whichever is more.
FLUSH_ENTRIES = 2_000_000
#: Entries per ``base`` row (a blob of 64 MB of keys; SQLite caps a blob at 1 GB).
PART_ENTRIES = 8_000_000


def _i8_blob(values: Any) -> bytes:
    """Band keys, document rows and sizes as stored."""
    return np.ascontiguousarray(values, dtype="<i8").tobytes()


def _doc_blob(docs: np.ndarray) -> bytes:
    return np.ascontiguousarray(docs, dtype="<u4").tobytes()


def _fp_blob(fps: np.ndarray) -> bytes:
    return np.ascontiguousarray(fps, dtype="<u8").tobytes()


#: Prepared texts longer than this (UTF-8 bytes, 256 MiB) are not stored, and their pairs are decided by
#: signatures alone: SQLite caps a value at 1 GB, and a text of tens of millions of words is aligned with
#: hardly any other (:data:`dedup.align.MAX_ALIGN_CELLS`). Reading a text never inflates more than this.
MAX_TEXT_BYTES = 1 << 28


def pack_text(text: str | None) -> bytes | None:
    """A prepared text as the ``texts`` table stores it: zlib-compressed UTF-8 (None: not stored).

    Texts are encoded with ``surrogatepass`` (a Python ``str`` may hold lone surrogates), so every
    text comes back exactly; one over :data:`MAX_TEXT_BYTES` is not stored.
    """
    if text is None:
        return None
    raw = text.encode("utf-8", "surrogatepass")
    return zlib.compress(raw) if len(raw) <= MAX_TEXT_BYTES else None


def _unpack_text(blob: Any) -> str:
    """:func:`pack_text` undone, every step checked; ValueError saying what is wrong."""
    if not isinstance(blob, bytes):
        raise ValueError(f"a {type(blob).__name__} value, not a blob")
    d = zlib.decompressobj()
    try:
        raw = d.decompress(blob, MAX_TEXT_BYTES + 1)
    except zlib.error as exc:
        raise ValueError(f"not zlib data: {exc}") from None
    if len(raw) > MAX_TEXT_BYTES or d.unconsumed_tail:
        raise ValueError(f"inflates past {MAX_TEXT_BYTES} bytes")
    if not d.eof or d.unused_data:
        raise ValueError("truncated zlib data" if not d.eof else "bytes after the zlib data")
    try:
        return raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None

_CACHE_KIB = 256 * 1024
_MMAP_BYTES = 1 << 40  # SQLite clamps this to its compile-time maximum (2 GiB by default)
#: A checkpoint truncates the write-ahead log back to this size (a rewrite of the base grows it to
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
        #: Log entries that (at least) trigger a rewrite of the base (see the module docstring).
        self.flush_entries = FLUSH_ENTRIES
        #: Keep every stored signature in memory (see :meth:`signatures`).
        self.cache_signatures = False
        #: Signature values summarized by the fingerprints (``num_perm``; set by :class:`dedup.Index`).
        self.fingerprint_columns = 0
        self._map = BandMap()
        self._docs_map = DocSummaries()
        self._forget_bands()
        self._dirty = False  # the open transaction changed what self._map mirrors
        self._synced = False  # self._map mirrors the open transaction's snapshot
        self._sig_cache = np.zeros((0, 0), np.uint32)
        self._size_cache = np.zeros(0, np.int64)
        self._cached_high = 0  # every committed row <= this is in the cache
        self._bound = 0  # the highest row given, as of the last read of the band entries (see _row_bound)
        self._thread = threading.get_ident()  # the connection (sqlite3) belongs to the opening thread
        exists = os.path.exists(self.path)
        if not exists and not create:
            raise IndexFileError(f"{self.path}: no such index")
        if exists:
            if os.path.isdir(self.path):
                raise IndexFileError(f"{self.path}: is a directory, not an index file")
            head = self._header(create)
            if not head:
                raise IndexFileError(
                    f"{self.path}: empty file, not an index (an index is never empty; remove the file to start a new one)"
                )
            if head != _HEADER:
                raise IndexFileError(f"{self.path}: not an SQLite database (corrupted, or a foreign file)")
        try:
            self._conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            hint = "" if exists else f" (does the directory {os.path.dirname(os.path.abspath(self.path))} exist and is it writable?)"
            raise IndexFileError(f"{self.path}: cannot open: {exc}{hint}") from None
        try:
            with self._errors():
                self._setup(durable, create)
        except BaseException:
            self._conn.close()
            raise
        if sys.version_info >= (3, 11):
            limit = self._conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        else:
            limit = 999
        self._chunk = max(1, min(limit, 30000))

    # -- opening -----------------------------------------------------------------------------

    def _header(self, create: bool) -> bytes:
        """The file's first bytes. An empty file is not an index, and is never made one (it may be an index
        truncated to nothing): only a creator racing with us may have it empty for a moment (between its
        ``connect`` and the header that switching to WAL writes), so with ``create`` it gets up to a second."""
        deadline = time.monotonic() + (min(1.0, self.timeout) if create else 0.0)
        while True:
            try:
                with open(self.path, "rb") as f:
                    head = f.read(len(_HEADER))
            except OSError as exc:
                raise IndexFileError(f"{self.path}: cannot read: {exc.strerror}") from None
            if head or time.monotonic() >= deadline:
                return head
            time.sleep(0.01)

    def _setup(self, durable: bool, create: bool) -> None:
        c = self._conn
        app_id = c.execute("PRAGMA application_id").fetchone()[0]
        tables = c.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if not tables and not create:  # nothing written yet: what follows (WAL mode) would write
            raise IndexFileError(
                f"{self.path}: an SQLite database with no index in it (being created, or left empty by an interrupted "
                "creation), not an index"
            )
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
        if app_id == APPLICATION_ID:  # before anything is written: a planted trigger must not run once
            self._check_schema_objects(version)
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
            self._check_schema_objects(SCHEMA_VERSION)

    def _check_schema_objects(self, version: int) -> None:
        """Refuse a file whose ``sqlite_master`` holds what the index schema does not define: no version has a
        trigger or a view, and the current one exactly :data:`SCHEMA_OBJECTS` (older versions are checked
        again after their migration). Refused rather than reported by :meth:`Index.verify`: a trigger runs on
        the first write, before anything could report it."""
        got = self._conn.execute("SELECT type, name FROM sqlite_master ORDER BY type, name").fetchall()
        foreign = [(t, n) for t, n in got if t in ("trigger", "view") or (version == SCHEMA_VERSION and (t, n) not in SCHEMA_OBJECTS)]
        if foreign:
            shown = ", ".join(f"{t} {n}" for t, n in foreign[:10]) + (f" and {len(foreign) - 10} more" if len(foreign) > 10 else "")
            raise IndexFileError(
                f"{self.path}: schema object(s) not defined by the index schema: {shown} (planted or damaged: they "
                "would run on, or change, the index's reads and writes); inspect them with the sqlite3 shell and "
                "remove them (DROP TRIGGER/VIEW/TABLE/INDEX <name>) to use the index again"
            )

    def _migrate(self) -> None:
        with self.write():
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            while version < SCHEMA_VERSION:
                step = MIGRATIONS.get(version)
                if step is None:
                    raise IndexFileError(f"{self.path}: no migration from schema version {version} to {version + 1}")
                try:
                    step(self._conn)
                except IndexFileError as exc:
                    raise IndexFileError(f"{self.path}: {exc}") from None
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

    def write_config(self, config: dict[str, Any]) -> None:
        """Replace the stored configuration (inside a write transaction)."""
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('config', ?)", (json.dumps(config, sort_keys=True),))

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
        except sqlite3.ProgrammingError as exc:  # a misuse of the connection, not damage in the file
            raise IndexFileError(f"{self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise IndexFileError(f"{self.path}: {exc} (corrupted, or not a dedup index)") from None

    def _own_thread(self) -> None:
        if threading.get_ident() != self._thread:
            raise IndexThreadError(
                f"{self.path}: an Index belongs to the thread that opened it; open one Index per thread "
                "(any number of them may share the file)"
            )

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[None]:
        self._own_thread()
        with self._errors():
            self._conn.execute(begin)
            self._dirty = False
            cached_high = self._cached_high
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                if self._dirty:  # our in-memory copy holds what is being rolled back
                    self._forget_bands()
                self._cached_high = min(self._cached_high, cached_high)
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            finally:
                self._synced = False

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
        self._sync_bands()
        return self._map.lookup(uniq)

    # -- the band entries (see the module docstring) ----------------------------------------------

    def _forget_bands(self) -> None:
        self._map.clear()
        self._docs_map.clear()
        self._generation: int | None = None  # of the base loaded; None: nothing loaded yet
        self._log_seq = 0  # last log row read
        self._log_sizes: list[tuple[int, int]] = []  # (seq, entries) of the log rows read since the base
        self._logged = 0  # their sum
        self._base_log = 0  # the last log row the base holds
        self._dead_seq = 0  # last dead row read

    def _base_info(self) -> dict[str, int]:
        row = self._conn.execute("SELECT value FROM meta WHERE key='base'").fetchone()
        if row is None:
            return {"generation": 0, "previous": -1, "log": 0, "dead": 0}
        try:
            info = json.loads(row[0])
        except (TypeError, json.JSONDecodeError):
            info = None
        names = ("generation", "previous", "log", "dead")
        if not (isinstance(info, dict) and all(type(info.get(k)) is int for k in names)):
            raise IndexFileError(f"{self.path}: base record {row[0]!r} is malformed (damaged)")
        return {k: info[k] for k in names}

    def rewrites(self) -> int:
        """How many times the base has been rewritten in this file (its generation)."""
        return self._base_info()["generation"]

    def _entries(self, keys: Any, docs: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
        if not (isinstance(keys, bytes) and isinstance(docs, bytes) and len(keys) % 8 == 0 and len(keys) == 2 * len(docs)):
            raise IndexFileError(f"{self.path}: {what} band entries are malformed (damaged)")
        k, d = np.frombuffer(keys, "<i8").astype(np.int64), np.frombuffer(docs, "<u4").astype(np.uint32)
        if k.size > 1 and not (k[1:] >= k[:-1]).all():
            raise IndexFileError(f"{self.path}: {what} band entries are out of order (damaged)")
        return k, d

    def _sync_bands(self) -> None:
        """Bring the in-memory band entries up to date with the open transaction's snapshot.

        Once per transaction: its snapshot does not change (a write transaction holds the
        lock), except by our own writes, which clear ``_synced``.
        """
        if self._synced:
            return
        try:
            self._read_new()
        except BaseException:  # memory may hold part of what was being read: start over next time
            self._forget_bands()
            raise
        self._synced = self._conn.in_transaction

    def _read_new(self) -> None:
        info = self._base_info()
        self._bound = self._row_bound()
        followed = False
        if info["generation"] != self._generation:
            if info["previous"] == self._generation:  # what the new base added is still in log and dead: read on
                self._generation, self._base_log, followed = info["generation"], info["log"], True
                self._log_sizes = [(q, n) for q, n in self._log_sizes if q > info["log"]]
                self._logged = sum(n for _, n in self._log_sizes)
            else:
                self._load_base(info)
        cur = self._conn.execute("SELECT seq, keys, docs, rows, fps, sizes FROM log WHERE seq > ? ORDER BY seq", (self._log_seq,))
        for seq, keys, docs, rows, fps, sizes in cur:
            k, d = self._entries(keys, docs, "logged")  # checked to be in key order
            self._map.add(k, d, presorted=True)
            self._add_summaries(rows, fps, sizes, "logged")
            self._log_seq = seq
            if seq > self._base_log:  # not yet in the base
                self._log_sizes.append((seq, k.size))
                self._logged += k.size
        got = self._conn.execute("SELECT seq, row FROM dead WHERE seq > ? ORDER BY seq", (self._dead_seq,)).fetchall()
        if got:
            self._map.kill(np.array([r for _, r in got], dtype=np.int64))
            self._dead_seq = got[-1][0]
        if followed:
            self._purge()

    def _purge(self) -> None:
        """Drop the dead documents' entries and fingerprints from memory (all of them are in it by now:
        a document is deleted after its insert, and both were read)."""
        dead = self._map.dead
        if dead.size:
            self._docs_map.purge(dead)
            self._map.purge()

    def _load_base(self, info: dict[str, int]) -> None:
        self._forget_bands()
        self._drop_signature_cache()  # the documents may have been renumbered (see _renumber)
        total = self._conn.execute("SELECT coalesce(sum(length(docs)), 0) FROM base").fetchone()[0] // 4
        self._map.reserve(total + total // 8)
        for (part,) in self._conn.execute("SELECT part FROM base ORDER BY part").fetchall():
            keys, docs = self._conn.execute("SELECT keys, docs FROM base WHERE part = ?", (part,)).fetchone()
            k, d = self._entries(keys, docs, "base")
            try:
                self._map.extend_base(k, d)
            except ValueError:
                raise IndexFileError(f"{self.path}: base band entries are out of order (damaged)") from None
        for rows, fps, sizes in self._conn.execute("SELECT rows, fps, sizes FROM base_docs ORDER BY part"):
            self._add_summaries(rows, fps, sizes, "base")
        self._generation = info["generation"]
        self._log_seq = self._base_log = info["log"]  # log and dead rows up to here are in the base
        self._dead_seq = info["dead"]

    def _add_summaries(self, rows: Any, fps: Any, sizes: Any, what: str) -> None:
        words = (self.fingerprint_columns + 15) // 16
        ok = isinstance(rows, bytes) and isinstance(fps, bytes) and isinstance(sizes, bytes)
        ok = ok and len(rows) % 8 == 0 and len(sizes) == len(rows) and len(fps) == len(rows) * words
        if not ok:
            raise IndexFileError(f"{self.path}: {what} document fingerprints are malformed (damaged)")
        if not rows:
            return
        r = np.frombuffer(rows, "<i8").astype(np.int64)
        if r.size and (int(r.min()) < 1 or int(r.max()) > self._bound):
            bad = int(r.max()) if int(r.max()) > self._bound else int(r.min())
            raise IndexFileError(
                f"{self.path}: {what} document fingerprints name row {bad}, outside 1..{self._bound} (the rows given) (damaged)"
            )
        try:
            self._docs_map.append(r, np.frombuffer(fps, "<u8").reshape(r.size, words).astype(np.uint64), np.frombuffer(sizes, "<i8").astype(np.int64))
        except ValueError as exc:
            raise IndexFileError(f"{self.path}: {what} document fingerprints: {exc} (damaged)") from None

    def summaries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``at, fingerprints, sizes``: documents ``rows`` are ``fingerprints[at]``, ``sizes[at]``
        (``at`` -1: not held), as of the last :meth:`lookup`."""
        return self._docs_map.locate(np.asarray(rows, dtype=np.int64)), self._docs_map.fingerprints, self._docs_map.sizes

    def _rewrite_base(self) -> None:
        """Write every live entry as the new base; empty ``log`` and ``dead`` (inside a write transaction)."""
        self._sync_bands()
        info = self._base_info()
        self._dirty = True
        self._conn.execute("DELETE FROM base")
        for part, (keys, docs) in enumerate(self._map.live_parts(PART_ENTRIES)):
            self._conn.execute("INSERT INTO base(part, keys, docs) VALUES (?, ?, ?)", (part, _i8_blob(keys), _doc_blob(docs)))
        self._conn.execute("DELETE FROM base_docs")
        for part, (rows, fps, sizes) in enumerate(self._docs_map.parts(PART_ENTRIES // 8, self._map.dead)):
            self._conn.execute(
                "INSERT INTO base_docs(part, rows, fps, sizes) VALUES (?, ?, ?, ?)", (part, _i8_blob(rows), _fp_blob(fps), _i8_blob(sizes))
            )
        # The rows the previous base absorbed go; those this one absorbs stay one generation more, for
        # connections that hold the previous base to read on.
        self._conn.execute("DELETE FROM log WHERE seq <= ?", (info["log"],))
        self._conn.execute("DELETE FROM dead WHERE seq <= ?", (info["dead"],))
        new = {"generation": info["generation"] + 1, "previous": info["generation"], "log": self._log_seq, "dead": self._dead_seq}
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('base', ?)", (json.dumps(new, sort_keys=True),))
        self._generation, self._base_log = new["generation"], new["log"]
        self._log_sizes, self._logged = [], 0
        self._purge()

    def logged_entries(self) -> int:
        """Band entries in the log (not yet in the base)."""
        self._sync_bands()
        return self._logged

    def _sig_matrix(self, blobs: list[Any]) -> np.ndarray:
        """Stored signatures as one ``uint32 (n, num_perm)`` array; a blob of another length is damage."""
        width = len(blobs[0]) if blobs and isinstance(blobs[0], bytes) else -1
        if width <= 0 or width % 4 or any(not isinstance(b, bytes) or len(b) != width for b in blobs):
            raise IndexFileError(f"{self.path}: stored signatures are malformed (damaged)")
        return np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(blobs), -1).astype(np.uint32, copy=False)

    def _damaged(self, what: str, row: Any, value: Any, why: str) -> IndexFileError:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        return IndexFileError(f"{self.path}: stored {what} of document (internal row) {row} is {why}: {shown} (damaged)")

    def _sizes(self, got: list[tuple], at: int) -> np.ndarray:
        """Column ``at`` of ``got`` (``(row, ...)`` tuples): shingle counts, checked to be integers >= 0."""
        sizes = [r[at] for r in got]
        for r, v in zip(got, sizes):
            if type(v) is not int or v < 0 or v >= 1 << 62:
                raise self._damaged("size", r[0], v, "not a shingle count")
        return np.array(sizes, dtype=np.int64)

    def _fetched(self, rows: list[tuple]) -> Fetched:
        if not rows:
            return Fetched(np.zeros(0, np.int64), [], np.zeros((0, 0), np.uint32), np.zeros(0, np.int64), [])
        for row, doc_id, _, _, meta in rows:  # ids and metas stay JSON text (the index decodes them): check they are
            try:
                value = json.loads(doc_id) if isinstance(doc_id, str) else None
            except (ValueError, RecursionError):
                value = None
            if type(value) not in (str, int):
                raise self._damaged("id", row, doc_id, "not a JSON string or integer")
            if meta is not None:
                try:
                    if not isinstance(meta, str):
                        raise ValueError
                    json.loads(meta)
                except (ValueError, RecursionError):
                    raise self._damaged("meta", row, meta, "not JSON that can be read") from None
        sigs = self._sig_matrix([r[2] for r in rows])
        return Fetched(
            np.array([r[0] for r in rows], dtype=np.int64),
            [r[1] for r in rows],
            sigs,
            self._sizes(rows, 3),
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
        sizes = self._sizes(got, 2)
        return np.array([r[0] for r in got], dtype=np.int64), np.arange(len(got)), sigs, sizes

    def _sync_signatures(self, chunk: int = 20_000) -> None:
        """Read the signatures of documents committed since the last call into the cache.

        Row numbers are never reused (:meth:`insert` counts on from ``row_high``; a renumbering,
        :meth:`_renumber`, drops the cache when the base is reloaded), so a
        cached row is never stale: a deleted document's row stays in the cache but no
        band entry names it any more, so it is never asked for.
        """
        while True:
            got = self._conn.execute(
                "SELECT row, sig, size FROM docs WHERE row > ? ORDER BY row LIMIT ?", (self._cached_high, chunk)
            ).fetchall()
            if not got:
                return
            rows = np.array([r[0] for r in got], dtype=np.int64)
            top = int(rows[-1])
            if top > (bound := self._row_bound()):  # the cache is dense by row: a planted row must not size it
                raise IndexFileError(f"{self.path}: document row {top} is past the highest row given ({bound}) (damaged)")
            sigs = self._sig_matrix([r[1] for r in got])
            if self._sig_cache.shape[1] != sigs.shape[1] or top >= self._sig_cache.shape[0]:
                cap = max(top + 1, 2 * self._sig_cache.shape[0], 1024)
                grown = np.zeros((cap, sigs.shape[1]), np.uint32)
                sizes = np.zeros(cap, np.int64)
                if self._sig_cache.shape[1] == sigs.shape[1]:
                    grown[: self._sig_cache.shape[0]] = self._sig_cache
                    sizes[: self._size_cache.shape[0]] = self._size_cache
                self._sig_cache, self._size_cache = grown, sizes
            self._sig_cache[rows] = sigs
            self._size_cache[rows] = self._sizes(got, 2)
            self._cached_high = top
            if len(got) < chunk:
                return

    @staticmethod
    def pack_texts(texts: Sequence[str | None]) -> list[bytes | None]:
        """Prepared texts as :meth:`insert` takes them (:func:`pack_text`: compressed; no transaction needed)."""
        return [pack_text(t) for t in texts]

    def texts(self, rows: np.ndarray) -> dict[int, str]:
        """The stored prepared texts of these documents, by row (a document without one is left out).

        A blob that does not inflate and decode exactly as :func:`pack_text` wrote it is damage
        (:class:`IndexFileError` naming the document's internal row).
        """
        uniq = sorted_unique(np.asarray(rows, dtype=np.int64)).tolist()
        out: dict[int, str] = {}
        for row, blob in self._in("SELECT row, text FROM texts WHERE row IN ({})", uniq):
            try:
                out[row] = _unpack_text(blob)
            except ValueError as exc:
                raise IndexFileError(f"{self.path}: stored text of document (internal row) {row} is damaged: {exc}") from None
        return out

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
        texts: Sequence[bytes | None] | None = None,
    ) -> np.ndarray:
        n = len(ids)
        # Row numbers are never reused, not even the last one after a delete (signature caches rely on it).
        top = self._conn.execute("SELECT coalesce(max(row), 0) FROM docs").fetchone()[0]
        high = self._conn.execute("SELECT value FROM meta WHERE key='row_high'").fetchone()
        if high is not None and not (isinstance(high[0], str) and high[0].isdecimal()):
            raise IndexFileError(f"{self.path}: row_high {high[0]!r} is not a row number (damaged)")
        start = max(top, int(high[0]) if high else 0) + 1
        if start + n > ROW_LIMIT:  # rows are held as uint32: number the stored documents 1..count again
            start = self._renumber(start - 1) + 1
            if start + n > ROW_LIMIT:
                raise IndexFileError(f"{self.path}: the index would hold more than {ROW_LIMIT - 1} documents, the most it can")
        rows = np.arange(start, start + n, dtype=np.int64)
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('row_high', ?)", (str(start + n - 1),))
        blobs = np.ascontiguousarray(sigs, dtype="<u4")
        self._conn.executemany(
            "INSERT INTO docs(row, id, sig, size, added, meta) VALUES (?, ?, ?, ?, ?, ?)",
            zip(rows.tolist(), ids, (blobs[i].tobytes() for i in range(n)), np.asarray(sizes).tolist(), [added] * n, metas),
        )
        if texts is not None:
            self._conn.executemany(
                "INSERT INTO texts(row, text) VALUES (?, ?)", ((r, t) for r, t in zip(rows.tolist(), texts) if t is not None)
            )
        if file.any():
            sel = file.ravel()
            k, d = keys.ravel()[sel], np.repeat(rows, keys.shape[1])[sel]
            order = np.argsort(k, kind="stable")
            filed = file.any(axis=1)  # the documents that can be candidates
            fps = nibble_fingerprints(np.ascontiguousarray(sigs[filed], dtype=np.uint32), self.fingerprint_columns)
            self._dirty, self._synced = True, False
            self._conn.execute(
                "INSERT INTO log(keys, docs, rows, fps, sizes) VALUES (?, ?, ?, ?, ?)",
                (_i8_blob(k[order]), _doc_blob(d[order]), _i8_blob(rows[filed]), _fp_blob(fps), _i8_blob(np.asarray(sizes)[filed])),
            )
            self._sync_bands()  # reads the row back: the log is read in order, by every connection alike
            if self._logged >= max(self.flush_entries, (self._map.entries - self._logged) // 8):
                self._rewrite_base()
        return rows

    def add_entries(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """File stored documents under more keys (inside a write transaction): one ``log`` row of entries and no
        fingerprints (a document without one is compared in full; those with band entries have theirs already)."""
        keys, rows = np.asarray(keys, dtype=np.int64), np.asarray(rows, dtype=np.int64)
        if keys.size == 0:
            return
        order = np.argsort(keys, kind="stable")
        self._dirty, self._synced = True, False
        self._conn.execute("INSERT INTO log(keys, docs) VALUES (?, ?)", (_i8_blob(keys[order]), _doc_blob(rows[order])))
        self._sync_bands()
        if self._logged >= max(self.flush_entries, (self._map.entries - self._logged) // 8):
            self._rewrite_base()

    def _renumber(self, high: int) -> int:
        """Renumber the stored documents 1..count, in row order, inside the write transaction; returns the count.

        Rows are never reused while the numbering lasts (caches count on it), and are held as uint32, so an
        index that has given out ``ROW_LIMIT - 1`` rows (inserts over its lifetime, not documents held) starts
        over: documents, texts and band entries move to the new rows, the base is rewritten from memory with
        an empty log, and its generation has no predecessor, so every other connection reloads it (and drops
        its signature cache). ``row_gaps`` keeps the count of rows freed by deletions, for :meth:`Index.verify`.
        """
        self._sync_bands()
        info = self._base_info()
        self._dirty, self._synced = True, False
        old = np.array([r for (r,) in self._conn.execute("SELECT row FROM docs ORDER BY row")], dtype=np.int64)
        new = np.arange(1, old.size + 1, dtype=np.int64)
        moved = old != new
        pairs = list(zip(new[moved].tolist(), old[moved].tolist()))  # ascending: a new row is free when taken
        self._conn.execute("DELETE FROM texts WHERE row NOT IN (SELECT row FROM docs)")
        self._conn.executemany("UPDATE docs SET row = ? WHERE row = ?", pairs)
        self._conn.executemany("UPDATE texts SET row = ? WHERE row = ?", pairs)
        self._map.renumber(old)
        self._docs_map.renumber(old)
        self._conn.execute("DELETE FROM base")
        for part, (keys, docs) in enumerate(self._map.live_parts(PART_ENTRIES)):
            self._conn.execute("INSERT INTO base(part, keys, docs) VALUES (?, ?, ?)", (part, _i8_blob(keys), _doc_blob(docs)))
        self._conn.execute("DELETE FROM base_docs")
        for part, (rows, fps, sizes) in enumerate(self._docs_map.parts(PART_ENTRIES // 8, np.zeros(0, np.int64))):
            self._conn.execute(
                "INSERT INTO base_docs(part, rows, fps, sizes) VALUES (?, ?, ?, ?)", (part, _i8_blob(rows), _fp_blob(fps), _i8_blob(sizes))
            )
        self._conn.execute("DELETE FROM log")
        self._conn.execute("DELETE FROM dead")
        base = {"generation": info["generation"] + 1, "previous": -1, "log": self._log_seq, "dead": self._dead_seq}
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('base', ?)", (json.dumps(base, sort_keys=True),))
        gaps = self.row_gaps() + high - int(old.size)
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('row_gaps', ?)", (str(gaps),))
        self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('row_high', ?)", (str(old.size),))
        self._generation, self._base_log = base["generation"], base["log"]
        self._log_sizes, self._logged = [], 0
        self._drop_signature_cache()
        return int(old.size)

    def row_gaps(self) -> int:
        """Rows freed by deletions before the documents were last renumbered (0 if never)."""
        got = self._conn.execute("SELECT value FROM meta WHERE key='row_gaps'").fetchone()
        if got is None:
            return 0
        if not (isinstance(got[0], str) and got[0].isdecimal()):
            raise IndexFileError(f"{self.path}: row_gaps {got[0]!r} is not a count (damaged)")
        return int(got[0])

    def _row_bound(self) -> int:
        """The highest row the file can hold: ``row_high`` (every insert records it), or the highest stored
        row in a file without one. A stored row number past it is damage: memory is sized by row numbers
        (the fingerprints' position map, the signature cache), so one planted value must not size an array."""
        high = self._conn.execute("SELECT value FROM meta WHERE key='row_high'").fetchone()
        top = self._conn.execute("SELECT coalesce(max(row), 0) FROM docs").fetchone()[0]
        if high is None:
            bound = top
        elif not (isinstance(high[0], str) and high[0].isdecimal() and int(high[0]) < ROW_LIMIT):
            raise IndexFileError(f"{self.path}: row_high {high[0]!r} is not a row number (damaged)")
        else:
            bound = int(high[0])
        if not isinstance(top, int) or top > bound or top >= ROW_LIMIT:
            raise IndexFileError(f"{self.path}: document row {top!r} is past the highest row given ({bound}) (damaged)")
        return bound

    def _drop_signature_cache(self) -> None:
        self._sig_cache = np.zeros((0, 0), np.uint32)
        self._size_cache = np.zeros(0, np.int64)
        self._cached_high = 0

    def delete(self, rows: np.ndarray, filed: bool) -> int:
        """Delete documents; if ``filed``, their band entries stop counting at once (a ``dead`` row
        each) and leave the file at the next rewrite of the base, and memory when it is read."""
        if filed and rows.size:
            self._dirty, self._synced = True, False
            self._conn.executemany("INSERT INTO dead(row) VALUES (?)", [(r,) for r in rows.tolist()])
        before = self._conn.total_changes
        self._conn.executemany("DELETE FROM docs WHERE row = ?", [(r,) for r in rows.tolist()])
        deleted = self._conn.total_changes - before
        self._conn.executemany("DELETE FROM texts WHERE row = ?", [(r,) for r in rows.tolist()])
        return deleted

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

    def count_texts(self) -> int:
        """Number of stored texts."""
        return self._conn.execute("SELECT count(*) FROM texts").fetchone()[0]

    def orphan_texts(self) -> int:
        """Stored texts whose document is gone (none unless the file is damaged)."""
        return self._conn.execute("SELECT count(*) FROM texts WHERE row NOT IN (SELECT row FROM docs)").fetchone()[0]

    def count_band_rows(self) -> int:
        self._sync_bands()
        return self._map.live_entries()

    def full_buckets(self, cap: int) -> int:
        """Band keys with at least ``cap`` live entries (capped buckets: later documents are not filed there)."""
        self._sync_bands()
        return self._map.full_keys(cap)

    def stats(self) -> dict[str, Any]:
        c = self._conn
        page_size = c.execute("PRAGMA page_size").fetchone()[0]
        pages = c.execute("PRAGMA page_count").fetchone()[0]
        free = c.execute("PRAGMA freelist_count").fetchone()[0]
        lo, hi = c.execute("SELECT min(added), max(added) FROM docs").fetchone()
        wal = self.path + "-wal"
        return {
            "documents": self.count(),
            "stored_texts": self.count_texts(),
            "band_entries": self.count_band_rows(),
            "logged_band_entries": self.logged_entries(),
            "base_rewrites": self.rewrites(),
            "oldest_added": lo,
            "newest_added": hi,
            "bytes_on_disk": os.path.getsize(self.path) + (os.path.getsize(wal) if os.path.exists(wal) else 0),
            "bytes_in_use": (pages - free) * page_size,
            "schema_version": c.execute("PRAGMA user_version").fetchone()[0],
            "backend": "sqlite " + sqlite3.sqlite_version,
        }

    def check(self) -> list[str]:
        self._own_thread()
        with self._errors():
            msgs = [r[0] for r in self._conn.execute("PRAGMA quick_check")]
        return [] if msgs == ["ok"] else [f"sqlite: {m}" for m in msgs]

    def close(self) -> None:
        self._own_thread()
        self._conn.close()
