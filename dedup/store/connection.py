"""Opening an index file with ``sqlite3``, and what its errors mean to a user.

:func:`connect` checks that the file is an index (or may become one), opens it in WAL mode with the
store's settings and migrates an older schema. :func:`translated_errors` turns ``sqlite3`` exceptions
into the index's own (:class:`~dedup.store.base.IndexLockedError`, :class:`~dedup.store.base.IndexFileError`)
with what to do about them. :class:`Chunked` runs ``IN (...)`` queries over any number of values.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

from . import schema
from .base import IndexFileError, IndexLockedError

__all__ = ["CACHE_KIB", "Chunked", "connect", "file_stats", "translated_errors"]

#: SQLite's page cache per connection (KiB).
CACHE_KIB = 256 * 1024
_MMAP_BYTES = 1 << 40  # SQLite clamps this to its compile-time maximum (2 GiB by default)
#: A checkpoint truncates the write-ahead log back to this size (a rewrite of the base grows it to
#: hundreds of MB, which would otherwise stay on disk).
_WAL_KEEP_BYTES = 64 << 20


@contextlib.contextmanager
def translated_errors(path: str, timeout: float) -> Iterator[None]:
    """``sqlite3`` errors raised in the block as :class:`IndexLockedError` or :class:`IndexFileError` naming ``path``."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        msg = str(exc)
        name = getattr(exc, "sqlite_errorname", "")  # Python >= 3.11
        if "locked" in msg or "busy" in msg:
            raise IndexLockedError(f"{path}: index is locked by another writer (waited {timeout:g} s): {msg}") from None
        if name.startswith("SQLITE_READONLY") or "readonly" in msg:
            raise IndexFileError(
                f"{path}: index is read-only ({msg}): changing it needs write permission on the file, and "
                "opening it needs a writable directory unless its -wal and -shm files exist"
            ) from None
        if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")) or "disk I/O" in msg or "disk is full" in msg:
            raise IndexFileError(
                f"{path}: cannot write the index ({msg}): disk full, file size limit, or a storage "
                "error; the transaction in progress was rolled back, committed ones are kept"
            ) from None
        if name == "SQLITE_CANTOPEN":
            raise IndexFileError(f"{path}: {msg} (is its directory writable?)") from None
        raise IndexFileError(f"{path}: {msg}") from None
    except sqlite3.ProgrammingError as exc:  # a misuse of the connection, not damage in the file
        raise IndexFileError(f"{path}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise IndexFileError(f"{path}: {exc} (corrupted, or not a dedup index)") from None


def connect(path: str, *, create: bool, timeout: float, durable: bool) -> sqlite3.Connection:
    """The index file ``path`` opened (created if missing and ``create``), set up and migrated to the current schema."""
    exists = os.path.exists(path)
    if not exists and not create:
        raise IndexFileError(f"{path}: no such index")
    if exists:
        if os.path.isdir(path):
            raise IndexFileError(f"{path}: is a directory, not an index file")
        head = _header(path, create, timeout)
        if not head:
            raise IndexFileError(f"{path}: empty file, not an index (an index is never empty; remove the file to start a new one)")
        if head != schema.HEADER:
            raise IndexFileError(f"{path}: not an SQLite database (corrupted, or a foreign file)")
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        hint = "" if exists else f" (does the directory {os.path.dirname(os.path.abspath(path))} exist and is it writable?)"
        raise IndexFileError(f"{path}: cannot open: {exc}{hint}") from None
    try:
        with translated_errors(path, timeout):
            _setup(conn, path, durable, create)
    except BaseException:
        conn.close()
        raise
    return conn


def _header(path: str, create: bool, timeout: float) -> bytes:
    """The file's first bytes. An empty file is not an index, and is never made one (it may be an index
    truncated to nothing): only a creator racing with us may have it empty for a moment (between its
    ``connect`` and the header that switching to WAL writes), so with ``create`` it gets up to a second."""
    deadline = time.monotonic() + (min(1.0, timeout) if create else 0.0)
    while True:
        try:
            with open(path, "rb") as f:
                head = f.read(len(schema.HEADER))
        except OSError as exc:
            raise IndexFileError(f"{path}: cannot read: {exc.strerror}") from None
        if head or time.monotonic() >= deadline:
            return head
        time.sleep(0.01)


def _setup(c: sqlite3.Connection, path: str, durable: bool, create: bool) -> None:
    app_id = c.execute("PRAGMA application_id").fetchone()[0]
    tables = c.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if not tables and not create:  # nothing written yet: what follows (WAL mode) would write
        raise IndexFileError(
            f"{path}: an SQLite database with no index in it (being created, or left empty by an interrupted "
            "creation), not an index"
        )
    if app_id != schema.APPLICATION_ID and (app_id != 0 or tables):
        raise IndexFileError(
            f"{path}: an SQLite database of another application (application_id={app_id:#x}, "
            f"{tables} schema object(s)), not a dedup index"
        )
    version = c.execute("PRAGMA user_version").fetchone()[0]
    if version > schema.SCHEMA_VERSION:
        raise IndexFileError(
            f"{path}: index schema version {version} is newer than this dedup supports ({schema.SCHEMA_VERSION}); upgrade dedup"
        )
    if app_id == schema.APPLICATION_ID:  # before anything is written: a planted trigger must not run once
        schema.check_objects(c, path, version)
    mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise IndexFileError(f"{path}: cannot switch to WAL journal mode (got {mode!r})")
    c.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    c.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    c.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
    c.execute(f"PRAGMA journal_size_limit={_WAL_KEEP_BYTES}")
    c.execute("PRAGMA temp_store=MEMORY")
    if app_id == schema.APPLICATION_ID and version < schema.SCHEMA_VERSION:
        schema.migrate(c, path)
        schema.check_objects(c, path, schema.SCHEMA_VERSION)


def file_stats(conn: sqlite3.Connection, path: str) -> dict[str, Any]:
    """The file's size on disk (with its write-ahead log), the bytes its pages use, its schema version and SQLite's."""
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    wal = path + "-wal"
    return {
        "bytes_on_disk": os.path.getsize(path) + (os.path.getsize(wal) if os.path.exists(wal) else 0),
        "bytes_in_use": (pages - free) * page_size,
        "schema_version": conn.execute("PRAGMA user_version").fetchone()[0],
        "backend": "sqlite " + sqlite3.sqlite_version,
    }


class Chunked:
    """``IN ({})`` queries over any number of values, in chunks of at most the connection's variable limit."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        if sys.version_info >= (3, 11):
            limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        else:
            limit = 999
        self.chunk = max(1, min(limit, 30000))

    def select(self, sql: str, values: Sequence[Any]) -> list[tuple]:
        """Run ``sql`` (with ``IN ({})``) over ``values`` in chunks of at most :attr:`chunk` placeholders.

        A chunk is padded (repeating its last value, which ``IN`` ignores) to a power of two, so only a
        few distinct statements exist: ``sqlite3`` caches a prepared statement per SQL text (128 of
        them), and one with thousands of placeholders holds megabytes -- with exact sizes, a long
        ``dedup filter`` grew by ~10 KB per document until the cache filled (about 1 GB).
        """
        out: list[tuple] = []
        for lo in range(0, len(values), self.chunk):
            part = list(values[lo : lo + self.chunk])
            width = min(self.chunk, 1 << (len(part) - 1).bit_length())
            part += part[-1:] * (width - len(part))
            out += self.conn.execute(sql.format(",".join("?" * width)), part).fetchall()
        return out
