"""The stored documents of the SQLite store: the ``docs`` and ``texts`` tables, read back with every value checked.

Row numbers are never reused while a numbering lasts (``meta['row_high']`` counts on across deletes), so
what memory holds by row (fingerprints, the signature cache) is never stale; an index that has given out
:data:`~dedup.store.bandmap.ROW_LIMIT` - 1 rows renumbers its documents (:meth:`Documents.renumber`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import bandmap
from .base import Fetched, IndexFileError
from .codec import unpack_text
from .connection import Chunked

__all__ = ["Documents"]


class Documents:
    """The documents of one connection's index file ``path`` (every method runs inside the store's transaction)."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self.chunked = Chunked(conn)

    # -- reading, checked ----------------------------------------------------------------------

    def damaged(self, what: str, row: Any, value: Any, why: str) -> IndexFileError:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        return IndexFileError(f"{self.path}: stored {what} of document (internal row) {row} is {why}: {shown} (damaged)")

    def sig_matrix(self, blobs: list[Any]) -> np.ndarray:
        """Stored signatures as one ``uint32 (n, num_perm)`` array; a blob of another length is damage."""
        width = len(blobs[0]) if blobs and isinstance(blobs[0], bytes) else -1
        if width <= 0 or width % 4 or any(not isinstance(b, bytes) or len(b) != width for b in blobs):
            raise IndexFileError(f"{self.path}: stored signatures are malformed (damaged)")
        return np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(blobs), -1).astype(np.uint32, copy=False)

    def sizes(self, got: list[tuple], at: int) -> np.ndarray:
        """Column ``at`` of ``got`` (``(row, ...)`` tuples): shingle counts, checked to be integers >= 0."""
        sizes = [r[at] for r in got]
        for r, v in zip(got, sizes):
            if type(v) is not int or v < 0 or v >= 1 << 62:
                raise self.damaged("size", r[0], v, "not a shingle count")
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
                raise self.damaged("id", row, doc_id, "not a JSON string or integer")
            if meta is not None:
                try:
                    if not isinstance(meta, str):
                        raise ValueError
                    json.loads(meta)
                except (ValueError, RecursionError):
                    raise self.damaged("meta", row, meta, "not JSON that can be read") from None
        sigs = self.sig_matrix([r[2] for r in rows])
        return Fetched(np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows], sigs, self.sizes(rows, 3), [r[4] for r in rows])

    def fetch(self, uniq: list[int]) -> Fetched:
        """The documents with these (distinct) row numbers that are stored."""
        return self._fetched(self.chunked.select("SELECT row, id, sig, size, meta FROM docs WHERE row IN ({})", uniq))

    def signatures(self, uniq: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(rows, at, sigs, sizes)`` of the documents with these (distinct) row numbers, read from the file."""
        got = self.chunked.select("SELECT row, sig, size FROM docs WHERE row IN ({})", uniq)
        if not got:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 0), np.uint32), np.zeros(0, np.int64)
        return np.array([r[0] for r in got], dtype=np.int64), np.arange(len(got)), self.sig_matrix([r[1] for r in got]), self.sizes(got, 2)

    def signatures_after(self, row: int, limit: int) -> list[tuple]:
        """Up to ``limit`` ``(row, sig, size)`` of the documents after ``row``, in row order."""
        return self.conn.execute("SELECT row, sig, size FROM docs WHERE row > ? ORDER BY row LIMIT ?", (row, limit)).fetchall()

    def texts(self, uniq: list[int]) -> dict[int, str]:
        """The stored prepared texts of these documents, by row (one without a text is left out); a blob that
        does not inflate and decode exactly as :func:`~dedup.store.codec.pack_text` wrote it is damage."""
        out: dict[int, str] = {}
        for row, blob in self.chunked.select("SELECT row, text FROM texts WHERE row IN ({})", uniq):
            try:
                out[row] = unpack_text(blob)
            except ValueError as exc:
                raise IndexFileError(f"{self.path}: stored text of document (internal row) {row} is damaged: {exc}") from None
        return out

    def rows_of(self, ids: Sequence[str]) -> dict[str, int]:
        return dict(self.chunked.select("SELECT id, row FROM docs WHERE id IN ({})", list(dict.fromkeys(ids))))

    def added_before(self, cutoff: float, limit: int) -> Fetched:
        cur = self.conn.execute("SELECT row, id, sig, size, meta FROM docs WHERE added < ? ORDER BY added LIMIT ?", (cutoff, limit))
        return self._fetched(cur.fetchall())

    def iter_docs(self, chunk: int) -> Iterator[Fetched]:
        last = 0
        while True:
            got = self._fetched(
                self.conn.execute("SELECT row, id, sig, size, meta FROM docs WHERE row > ? ORDER BY row LIMIT ?", (last, chunk)).fetchall()
            )
            if not got.ids:
                return
            last = int(got.rows[-1])
            yield got

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    def count_texts(self) -> int:
        return self.conn.execute("SELECT count(*) FROM texts").fetchone()[0]

    def added_range(self) -> tuple[float | None, float | None]:
        """When the oldest and the newest stored document were added (None, None: none stored)."""
        return self.conn.execute("SELECT min(added), max(added) FROM docs").fetchone()

    def orphan_texts(self) -> int:
        """Stored texts whose document is gone (none unless the file is damaged)."""
        return self.conn.execute("SELECT count(*) FROM texts WHERE row NOT IN (SELECT row FROM docs)").fetchone()[0]

    # -- row numbers -----------------------------------------------------------------------------

    def next_row(self) -> int:
        """The row the next inserted document gets: one past both the highest stored and ``row_high``."""
        top = self.conn.execute("SELECT coalesce(max(row), 0) FROM docs").fetchone()[0]
        high = self.conn.execute("SELECT value FROM meta WHERE key='row_high'").fetchone()
        if high is not None and not (isinstance(high[0], str) and high[0].isdecimal()):
            raise IndexFileError(f"{self.path}: row_high {high[0]!r} is not a row number (damaged)")
        return max(top, int(high[0]) if high else 0) + 1

    def row_bound(self) -> int:
        """The highest row the file can hold: ``row_high`` (every insert records it), or the highest stored
        row in a file without one. A stored row number past it is damage: memory is sized by row numbers
        (the fingerprints' position map, the signature cache), so one planted value must not size an array."""
        high = self.conn.execute("SELECT value FROM meta WHERE key='row_high'").fetchone()
        top = self.conn.execute("SELECT coalesce(max(row), 0) FROM docs").fetchone()[0]
        if high is None:
            bound = top
        elif not (isinstance(high[0], str) and high[0].isdecimal() and int(high[0]) < bandmap.ROW_LIMIT):
            raise IndexFileError(f"{self.path}: row_high {high[0]!r} is not a row number (damaged)")
        else:
            bound = int(high[0])
        if not isinstance(top, int) or top > bound or top >= bandmap.ROW_LIMIT:
            raise IndexFileError(f"{self.path}: document row {top!r} is past the highest row given ({bound}) (damaged)")
        return bound

    def row_gaps(self) -> int:
        """Rows freed by deletions before the documents were last renumbered (0 if never)."""
        got = self.conn.execute("SELECT value FROM meta WHERE key='row_gaps'").fetchone()
        if got is None:
            return 0
        if not (isinstance(got[0], str) and got[0].isdecimal()):
            raise IndexFileError(f"{self.path}: row_gaps {got[0]!r} is not a count (damaged)")
        return int(got[0])

    # -- writing ---------------------------------------------------------------------------------

    def insert(self, start: int, ids: Sequence[str], sigs: np.ndarray, sizes: np.ndarray, added: float,
               metas: Sequence[str | None], texts: Sequence[bytes | None] | None) -> np.ndarray:
        """Store documents (and their packed texts) under rows ``start, start + 1, ...``, recorded as given
        in ``row_high``; returns the rows."""
        n = len(ids)
        rows = np.arange(start, start + n, dtype=np.int64)
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('row_high', ?)", (str(start + n - 1),))
        blobs = np.ascontiguousarray(sigs, dtype="<u4")
        self.conn.executemany(
            "INSERT INTO docs(row, id, sig, size, added, meta) VALUES (?, ?, ?, ?, ?, ?)",
            zip(rows.tolist(), ids, (blobs[i].tobytes() for i in range(n)), np.asarray(sizes).tolist(), [added] * n, metas),
        )
        if texts is not None:
            self.conn.executemany("INSERT INTO texts(row, text) VALUES (?, ?)", ((r, t) for r, t in zip(rows.tolist(), texts) if t is not None))
        return rows

    def delete(self, rows: np.ndarray) -> int:
        """Delete documents and their texts; returns how many documents were deleted."""
        before = self.conn.total_changes
        self.conn.executemany("DELETE FROM docs WHERE row = ?", [(r,) for r in rows.tolist()])
        deleted = self.conn.total_changes - before
        self.conn.executemany("DELETE FROM texts WHERE row = ?", [(r,) for r in rows.tolist()])
        return deleted

    def renumber(self, high: int) -> np.ndarray:
        """Give the stored documents (and texts) rows 1..count in row order; returns their old rows.

        ``row_gaps`` gains the rows freed by deletions since the last numbering (``high`` was the last row
        given), for :meth:`dedup.Index.verify`; ``row_high`` becomes the count."""
        old = np.array([r for (r,) in self.conn.execute("SELECT row FROM docs ORDER BY row")], dtype=np.int64)
        new = np.arange(1, old.size + 1, dtype=np.int64)
        moved = old != new
        pairs = list(zip(new[moved].tolist(), old[moved].tolist()))  # ascending: a new row is free when taken
        self.conn.execute("DELETE FROM texts WHERE row NOT IN (SELECT row FROM docs)")
        self.conn.executemany("UPDATE docs SET row = ? WHERE row = ?", pairs)
        self.conn.executemany("UPDATE texts SET row = ? WHERE row = ?", pairs)
        gaps = self.row_gaps() + high - int(old.size)
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('row_gaps', ?)", (str(gaps),))
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('row_high', ?)", (str(old.size),))
        return old
