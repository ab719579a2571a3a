"""Per stored document, held in memory: a 4-bit fingerprint of its signature and its shingle count.

The fingerprint keeps the low 4 bits of each signature value
(:func:`~dedup._kernels.nibble_fingerprints`, ``num_perm / 2`` bytes). Equal values
have equal low bits, so ``num_perm`` minus the positions whose 4 bits differ bounds
the agreeing positions of a pair from above (:func:`~dedup._kernels.agree_upper_bounds`).
Jaccard and containment estimates are monotone in that count, so a candidate whose
bound already fails the thresholds fails them exactly; only the others need their
full signatures, which stay on disk. For a random pair 15 of 16 differing values
differ in their low bits too, so the bound is tight far below the thresholds.

Rows arrive in increasing order (row numbers are never reused), so the arrays are
append-only and sorted by row; a dense map from row number to position finds them.
Memory: ``num_perm / 2 + 16`` bytes per document, and 4 bytes per row number
between the first and the last held.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["DocSummaries"]


class DocSummaries:
    """Fingerprints (``uint64 (n, words)``) and sizes of documents, by row (see the module docstring)."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._rows = np.zeros(0, np.int64)
        self._fps = np.zeros((0, 0), np.uint64)
        self._sizes = np.zeros(0, np.int64)
        self._n = 0
        self._first = 0  # _pos[r - _first]: where row r is held, -1 if not
        self._pos = np.zeros(0, np.int32)

    def __len__(self) -> int:
        return self._n

    @property
    def fingerprints(self) -> np.ndarray:
        return self._fps

    @property
    def sizes(self) -> np.ndarray:
        return self._sizes

    def append(self, rows: np.ndarray, fps: np.ndarray, sizes: np.ndarray) -> None:
        """Add documents whose rows are increasing and above every row held."""
        m = rows.size
        if m == 0:
            return
        if (self._n and rows[0] <= self._rows[self._n - 1]) or (m > 1 and not (rows[1:] > rows[:-1]).all()) or rows[0] < 1:
            raise ValueError("document rows out of order")
        if self._rows.size and fps.shape[1] != self._fps.shape[1]:
            raise ValueError(f"fingerprints of {fps.shape[1]} words, expected {self._fps.shape[1]}")
        if self._n + m > self._rows.size:
            cap = max(self._n + m, self._rows.size + self._rows.size // 4, 1024)
            grown = np.zeros(cap, np.int64), np.zeros((cap, fps.shape[1]), np.uint64), np.zeros(cap, np.int64)
            if self._n:
                grown[0][: self._n], grown[1][: self._n], grown[2][: self._n] = self._rows[: self._n], self._fps[: self._n], self._sizes[: self._n]
            self._rows, self._fps, self._sizes = grown
        self._rows[self._n : self._n + m] = rows
        self._fps[self._n : self._n + m] = fps
        self._sizes[self._n : self._n + m] = sizes
        if self._n == 0:
            self._first = int(rows[0])
        span = int(rows[-1]) - self._first + 1
        if span > self._pos.size:
            pos = np.full(max(span, self._pos.size + self._pos.size // 4), -1, np.int32)
            pos[: self._pos.size] = self._pos
            self._pos = pos
        self._pos[rows - self._first] = np.arange(self._n, self._n + m, dtype=np.int32)
        self._n += m

    def purge(self, dead: np.ndarray) -> None:
        """Drop the documents whose rows are in ``dead``."""
        if not (self._n and dead.size):
            return
        keep = np.flatnonzero(~np.isin(self._rows[: self._n], dead))
        if keep.size == self._n:
            return
        rows, fps, sizes = self._rows[keep], self._fps[keep], self._sizes[keep]
        self.clear()
        self.append(rows, fps, sizes)

    def renumber(self, rows: np.ndarray) -> None:
        """Document ``rows[i]`` (sorted, distinct) becomes row ``i + 1``; documents of other rows are dropped."""
        held = self._rows[: self._n]
        at = np.searchsorted(rows, held)
        ok = at < rows.size
        ok[ok] = rows[at[ok]] == held[ok]
        new, fps, sizes = at[ok] + 1, self._fps[: self._n][ok], self._sizes[: self._n][ok]
        self.clear()
        self.append(new.astype(np.int64), fps, sizes)

    def locate(self, rows: np.ndarray) -> np.ndarray:
        """Where each of ``rows`` is held (an index into :attr:`fingerprints` and :attr:`sizes`), -1 if not."""
        at = rows - self._first
        inside = (at >= 0) & (at < self._pos.size)
        out = np.full(rows.size, -1, np.int64)
        out[inside] = self._pos[at[inside]]
        return out

    def parts(self, size: int, dead: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The documents not in ``dead`` (sorted rows), in row order, in slices of about ``size``."""
        for lo in range(0, self._n, size):
            hi = min(lo + size, self._n)
            rows = self._rows[lo:hi]
            keep = ~np.isin(rows, dead) if dead.size else np.ones(rows.size, bool)
            yield rows[keep], self._fps[lo:hi][keep], self._sizes[lo:hi][keep]
