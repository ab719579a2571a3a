"""The band entries and document fingerprints of the SQLite store, held in memory and kept in step with the file.

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
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import numpy as np

from .bandmap import BandMap
from .base import IndexFileError
from .codec import doc_blob, fp_blob, i8_blob
from .docs import Documents
from .summaries import DocSummaries

__all__ = ["FLUSH_ENTRIES", "PART_ENTRIES", "BandLog"]

#: Default :attr:`BandLog.flush_entries`: the log is folded into the base at this many
#: entries (~33,000 documents) or an eighth of the base, whichever is more.
FLUSH_ENTRIES = 2_000_000
#: Entries per ``base`` row (a blob of 64 MB of keys; SQLite caps a blob at 1 GB).
PART_ENTRIES = 8_000_000


class BandLog:
    """One connection's in-memory copy of the band entries (base + log - dead) and fingerprints.

    The store's transactions drive it: :attr:`dirty` says the open transaction changed what it mirrors
    (a rollback must :meth:`forget`), :attr:`synced` that it mirrors the open transaction's snapshot.
    ``on_reload`` is called when a new base is loaded (the documents may have been renumbered).
    """

    def __init__(self, conn: sqlite3.Connection, docs: Documents, on_reload: Callable[[], None]) -> None:
        self.conn = conn
        self.docs = docs
        self.path = docs.path
        self.on_reload = on_reload
        #: Log entries that (at least) trigger a rewrite of the base (see the module docstring).
        self.flush_entries = FLUSH_ENTRIES
        #: Signature values summarized by the fingerprints (``num_perm``; set by :class:`dedup.Index`).
        self.fingerprint_columns = 0
        self.map = BandMap()
        self.summaries = DocSummaries()
        self.dirty = False
        self.synced = False
        self.bound = 0  # the highest row given, as of the last read (see Documents.row_bound)
        self.forget()

    def forget(self) -> None:
        """Drop everything held: the next :meth:`sync` loads the base again."""
        self.map.clear()
        self.summaries.clear()
        self.generation: int | None = None  # of the base loaded; None: nothing loaded yet
        self.log_seq = 0  # last log row read
        self.log_sizes: list[tuple[int, int]] = []  # (seq, entries) of the log rows read since the base
        self.logged = 0  # their sum
        self.base_log = 0  # the last log row the base holds
        self.dead_seq = 0  # last dead row read

    def changing(self) -> None:
        """The open transaction is about to change the band entries."""
        self.dirty, self.synced = True, False

    # -- reading ---------------------------------------------------------------------------------

    def base_info(self) -> dict[str, int]:
        row = self.conn.execute("SELECT value FROM meta WHERE key='base'").fetchone()
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

    def _entries(self, keys: Any, docs: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
        if not (isinstance(keys, bytes) and isinstance(docs, bytes) and len(keys) % 8 == 0 and len(keys) == 2 * len(docs)):
            raise IndexFileError(f"{self.path}: {what} band entries are malformed (damaged)")
        k, d = np.frombuffer(keys, "<i8").astype(np.int64), np.frombuffer(docs, "<u4").astype(np.uint32)
        if k.size > 1 and not (k[1:] >= k[:-1]).all():
            raise IndexFileError(f"{self.path}: {what} band entries are out of order (damaged)")
        return k, d

    def sync(self) -> None:
        """Bring the in-memory band entries up to date with the open transaction's snapshot.

        Once per transaction: its snapshot does not change (a write transaction holds the
        lock), except by our own writes, which clear :attr:`synced`.
        """
        if self.synced:
            return
        try:
            self._read_new()
        except BaseException:  # memory may hold part of what was being read: start over next time
            self.forget()
            raise
        self.synced = self.conn.in_transaction

    def _read_new(self) -> None:
        info = self.base_info()
        self.bound = self.docs.row_bound()
        followed = False
        if info["generation"] != self.generation:
            if info["previous"] == self.generation:  # what the new base added is still in log and dead: read on
                self.generation, self.base_log, followed = info["generation"], info["log"], True
                self.log_sizes = [(q, n) for q, n in self.log_sizes if q > info["log"]]
                self.logged = sum(n for _, n in self.log_sizes)
            else:
                self.load_base(info)
        cur = self.conn.execute("SELECT seq, keys, docs, rows, fps, sizes FROM log WHERE seq > ? ORDER BY seq", (self.log_seq,))
        for seq, keys, docs, rows, fps, sizes in cur:
            k, d = self._entries(keys, docs, "logged")  # checked to be in key order
            self.map.add(k, d, presorted=True)
            self._add_summaries(rows, fps, sizes, "logged")
            self.log_seq = seq
            if seq > self.base_log:  # not yet in the base
                self.log_sizes.append((seq, k.size))
                self.logged += k.size
        got = self.conn.execute("SELECT seq, row FROM dead WHERE seq > ? ORDER BY seq", (self.dead_seq,)).fetchall()
        if got:
            self.map.kill(np.array([r for _, r in got], dtype=np.int64))
            self.dead_seq = got[-1][0]
        if followed:
            self._purge()

    def _purge(self) -> None:
        """Drop the dead documents' entries and fingerprints from memory (all of them are in it by now:
        a document is deleted after its insert, and both were read)."""
        dead = self.map.dead
        if dead.size:
            self.summaries.purge(dead)
            self.map.purge()

    def load_base(self, info: dict[str, int]) -> None:
        """Load the base ``info`` names, forgetting what was held."""
        self.forget()
        self.on_reload()
        total = self.conn.execute("SELECT coalesce(sum(length(docs)), 0) FROM base").fetchone()[0] // 4
        self.map.reserve(total + total // 8)
        for (part,) in self.conn.execute("SELECT part FROM base ORDER BY part").fetchall():
            keys, docs = self.conn.execute("SELECT keys, docs FROM base WHERE part = ?", (part,)).fetchone()
            k, d = self._entries(keys, docs, "base")
            try:
                self.map.extend_base(k, d)
            except ValueError:
                raise IndexFileError(f"{self.path}: base band entries are out of order (damaged)") from None
        for rows, fps, sizes in self.conn.execute("SELECT rows, fps, sizes FROM base_docs ORDER BY part"):
            self._add_summaries(rows, fps, sizes, "base")
        self.generation = info["generation"]
        self.log_seq = self.base_log = info["log"]  # log and dead rows up to here are in the base
        self.dead_seq = info["dead"]

    def _add_summaries(self, rows: Any, fps: Any, sizes: Any, what: str) -> None:
        words = (self.fingerprint_columns + 15) // 16
        ok = isinstance(rows, bytes) and isinstance(fps, bytes) and isinstance(sizes, bytes)
        ok = ok and len(rows) % 8 == 0 and len(sizes) == len(rows) and len(fps) == len(rows) * words
        if not ok:
            raise IndexFileError(f"{self.path}: {what} document fingerprints are malformed (damaged)")
        if not rows:
            return
        r = np.frombuffer(rows, "<i8").astype(np.int64)
        if r.size and (int(r.min()) < 1 or int(r.max()) > self.bound):
            bad = int(r.max()) if int(r.max()) > self.bound else int(r.min())
            raise IndexFileError(f"{self.path}: {what} document fingerprints name row {bad}, outside 1..{self.bound} (the rows given) (damaged)")
        try:
            self.summaries.append(r, np.frombuffer(fps, "<u8").reshape(r.size, words).astype(np.uint64), np.frombuffer(sizes, "<i8").astype(np.int64))
        except ValueError as exc:
            raise IndexFileError(f"{self.path}: {what} document fingerprints: {exc} (damaged)") from None

    # -- writing (inside a write transaction) ------------------------------------------------------

    def append(self, keys: np.ndarray, docs: np.ndarray, rows: np.ndarray | None = None, fps: np.ndarray | None = None,
               sizes: np.ndarray | None = None) -> None:
        """Log band entries (sorted by key) and, for new documents, their rows, fingerprints and sizes; read the
        row back (the log is read in order, by every connection alike) and fold the log into the base when due."""
        self.changing()
        if rows is None or fps is None or sizes is None:
            self.conn.execute("INSERT INTO log(keys, docs) VALUES (?, ?)", (i8_blob(keys), doc_blob(docs)))
        else:
            self.conn.execute(
                "INSERT INTO log(keys, docs, rows, fps, sizes) VALUES (?, ?, ?, ?, ?)",
                (i8_blob(keys), doc_blob(docs), i8_blob(rows), fp_blob(fps), i8_blob(sizes)),
            )
        self.sync()
        if self.logged >= max(self.flush_entries, (self.map.entries - self.logged) // 8):
            self.rewrite()

    def kill(self, rows: np.ndarray) -> None:
        """The band entries of these deleted documents stop counting (a ``dead`` row each)."""
        self.changing()
        self.conn.executemany("INSERT INTO dead(row) VALUES (?)", [(r,) for r in rows.tolist()])

    def _write_base(self, dead: np.ndarray) -> None:
        self.conn.execute("DELETE FROM base")
        for part, (keys, docs) in enumerate(self.map.live_parts(PART_ENTRIES)):
            self.conn.execute("INSERT INTO base(part, keys, docs) VALUES (?, ?, ?)", (part, i8_blob(keys), doc_blob(docs)))
        self.conn.execute("DELETE FROM base_docs")
        for part, (rows, fps, sizes) in enumerate(self.summaries.parts(PART_ENTRIES // 8, dead)):
            self.conn.execute("INSERT INTO base_docs(part, rows, fps, sizes) VALUES (?, ?, ?, ?)", (part, i8_blob(rows), fp_blob(fps), i8_blob(sizes)))

    def _new_base(self, base: dict[str, int]) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('base', ?)", (json.dumps(base, sort_keys=True),))
        self.generation, self.base_log = base["generation"], base["log"]
        self.log_sizes, self.logged = [], 0

    def rewrite(self) -> None:
        """Write every live entry as the new base; empty ``log`` and ``dead`` (inside a write transaction)."""
        self.sync()
        info = self.base_info()
        self.dirty = True
        self._write_base(self.map.dead)
        # The rows the previous base absorbed go; those this one absorbs stay one generation more, for
        # connections that hold the previous base to read on.
        self.conn.execute("DELETE FROM log WHERE seq <= ?", (info["log"],))
        self.conn.execute("DELETE FROM dead WHERE seq <= ?", (info["dead"],))
        self._new_base({"generation": info["generation"] + 1, "previous": info["generation"], "log": self.log_seq, "dead": self.dead_seq})
        self._purge()

    def renumber(self, old: np.ndarray) -> None:
        """The documents of rows ``old`` now have rows 1..len(old): the base is rewritten with them and an empty log,
        as a generation without a predecessor, so that every other connection reloads it."""
        info = self.base_info()
        self.map.renumber(old)
        self.summaries.renumber(old)
        self._write_base(np.zeros(0, np.int64))
        self.conn.execute("DELETE FROM log")
        self.conn.execute("DELETE FROM dead")
        self._new_base({"generation": info["generation"] + 1, "previous": -1, "log": self.log_seq, "dead": self.dead_seq})
