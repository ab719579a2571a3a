"""The SQLite index schema: its version, the objects it defines, how it is created and how older files migrate.

A file is marked as a dedup index with ``PRAGMA application_id`` = :data:`APPLICATION_ID`, and its
schema version is kept in ``PRAGMA user_version`` (:data:`SCHEMA_VERSION`). The tables are
described in :mod:`dedup.store.sqlite`. A schema change bumps :data:`SCHEMA_VERSION`, adds one
entry to :data:`MIGRATIONS` and, for a new object, to :data:`SCHEMA_OBJECTS`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import numpy as np

from .._kernels import nibble_fingerprints
from .base import IndexFileError
from .codec import doc_blob, fp_blob, i8_blob, unpack_text
from .keys import wordless_key

__all__ = ["APPLICATION_ID", "HEADER", "MIGRATIONS", "SCHEMA_OBJECTS", "SCHEMA_VERSION", "STATEMENTS", "check_objects", "create", "migrate", "read_config"]

APPLICATION_ID = 0x44445550  # "DDUP"
SCHEMA_VERSION = 6
#: The first bytes of every SQLite file.
HEADER = b"SQLite format 3\x00"

#: The statements that create the current schema.
STATEMENTS = (
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

#: ``(type, name)`` of every object :data:`STATEMENTS` make in ``sqlite_master`` (with SQLite's own: the
#: unique index of ``docs.id``, ``sqlite_sequence`` for AUTOINCREMENT, and ``ANALYZE``'s statistics). A file
#: of the current version holding anything else is refused: a trigger or view there would run on the
#: user's reads and writes (see :func:`check_objects`). A migration that adds an
#: object adds it here too.
SCHEMA_OBJECTS = frozenset(
    [("table", t) for t in ("meta", "docs", "base", "log", "dead", "base_docs", "texts", "sqlite_sequence")]
    + [("table", f"sqlite_stat{k}") for k in (1, 2, 3, 4)]
    + [("index", "docs_added"), ("index", "sqlite_autoindex_docs_1"), ("index", "sqlite_autoindex_meta_1")]
)


def _add_pending_table(c: sqlite3.Connection) -> None:
    # The version-2 statement as it was, not a reference to STATEMENTS: a migration must not change with it.
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
        c.execute("INSERT INTO base(part, keys, docs) VALUES (?, ?, ?)", (part, i8_blob(arr[:, 0]), doc_blob(arr[:, 1])))
        part += 1
    for keys, docs in c.execute("SELECT keys, docs FROM pending ORDER BY seq").fetchall():
        if not isinstance(keys, bytes) or not isinstance(docs, bytes) or len(keys) != len(docs) or len(keys) % 8:
            raise IndexFileError("pending band entries are malformed (damaged)")
        k, d = np.frombuffer(keys, "<i8"), np.frombuffer(docs, "<i8")
        order = np.argsort(k, kind="stable")
        c.execute("INSERT INTO log(keys, docs) VALUES (?, ?)", (i8_blob(k[order]), doc_blob(d[order])))
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
            (part, i8_blob([r[0] for r in got]), fp_blob(nibble_fingerprints(sigs, num_perm)), i8_blob([r[2] for r in got])),
        )
        part += 1


def _add_texts(c: sqlite3.Connection) -> None:
    """Version 4 -> 5: a table for the documents' prepared texts. The documents stored so far have none
    (their texts were never kept), so their pairs stay decided by signatures alone."""
    c.execute("CREATE TABLE texts(row INTEGER PRIMARY KEY, text BLOB NOT NULL)")


def _file_wordless(c: sqlite3.Connection) -> None:
    """Version 5 -> 6: documents without shingles are filed under the hash of their text
    (:func:`dedup.store.keys.wordless_key`), so that their exact copies are found. Those with a stored text
    (indexes that verify texts) get their entry now, in row order and under the bucket cap, in one log
    row; those without one (their text was never kept) cannot be, and stay found by nothing."""
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
            k = wordless_key(unpack_text(blob))
        except ValueError:  # a damaged text: left unfiled, as verify() reports it
            continue
        if per_key.get(k, 0) < cap:
            per_key[k] = per_key.get(k, 0) + 1
            keys.append(k)
            docs.append(r)
    if keys:
        key_array, doc_array = np.array(keys, dtype=np.int64), np.array(docs, dtype=np.int64)
        order = np.argsort(key_array, kind="stable")
        c.execute("INSERT INTO log(keys, docs) VALUES (?, ?)", (i8_blob(key_array[order]), doc_blob(doc_array[order])))


#: ``MIGRATIONS[v]`` upgrades a version-``v`` file to ``v + 1`` inside the open write
#: transaction. Add one entry (and bump :data:`SCHEMA_VERSION`) per schema change.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _add_pending_table, 2: _entries_to_base_log, 3: _add_summaries, 4: _add_texts, 5: _file_wordless,
}


def check_objects(conn: sqlite3.Connection, path: str, version: int) -> None:
    """Refuse a file whose ``sqlite_master`` holds what the index schema does not define: no version has a
    trigger or a view, and the current one exactly :data:`SCHEMA_OBJECTS` (older versions are checked
    again after their migration). Refused rather than reported by :meth:`Index.verify`: a trigger runs on
    the first write, before anything could report it."""
    got = conn.execute("SELECT type, name FROM sqlite_master ORDER BY type, name").fetchall()
    foreign = [(t, n) for t, n in got if t in ("trigger", "view") or (version == SCHEMA_VERSION and (t, n) not in SCHEMA_OBJECTS)]
    if foreign:
        shown = ", ".join(f"{t} {n}" for t, n in foreign[:10]) + (f" and {len(foreign) - 10} more" if len(foreign) > 10 else "")
        raise IndexFileError(
            f"{path}: schema object(s) not defined by the index schema: {shown} (planted or damaged: they "
            "would run on, or change, the index's reads and writes); inspect them with the sqlite3 shell and "
            "remove them (DROP TRIGGER/VIEW/TABLE/INDEX <name>) to use the index again"
        )


def migrate(conn: sqlite3.Connection, path: str) -> None:
    """Upgrade the file to :data:`SCHEMA_VERSION`, one :data:`MIGRATIONS` step at a time, in one write transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        while version < SCHEMA_VERSION:
            step = MIGRATIONS.get(version)
            if step is None:
                raise IndexFileError(f"{path}: no migration from schema version {version} to {version + 1}")
            try:
                step(conn)
            except IndexFileError as exc:
                raise IndexFileError(f"{path}: {exc}") from None
            version += 1
            conn.execute(f"PRAGMA user_version={version}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def read_config(conn: sqlite3.Connection, path: str) -> dict[str, Any] | None:
    """The stored configuration (parameters, bands, rows), or None for a file without the schema yet."""
    if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name='meta'").fetchone()[0]:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key='config'").fetchone()
    if row is None:
        raise IndexFileError(f"{path}: index has no configuration record (damaged)")
    try:
        config = json.loads(row[0])
    except json.JSONDecodeError:
        raise IndexFileError(f"{path}: index configuration is not valid JSON (damaged)") from None
    if not isinstance(config, dict):
        raise IndexFileError(f"{path}: index configuration is not a JSON object (damaged)")
    return config


def create(conn: sqlite3.Connection, config: dict[str, Any]) -> dict[str, Any]:
    """Create the schema with ``config`` (inside a write transaction) unless a racing process already did;
    returns the stored configuration."""
    if conn.execute("SELECT count(*) FROM sqlite_master WHERE name='meta'").fetchone()[0]:
        existing = conn.execute("SELECT value FROM meta WHERE key='config'").fetchone()
        if existing is not None:
            return json.loads(existing[0])
    for stmt in STATEMENTS:
        conn.execute(stmt)
    conn.execute("INSERT INTO meta(key, value) VALUES ('config', ?)", (json.dumps(config, sort_keys=True),))
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    return config
