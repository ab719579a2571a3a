"""Banded locality-sensitive hashing over MinHash signatures.

A signature of ``k`` values is cut into ``b`` bands of ``r`` rows (``b * r <= k``).
Two documents become candidates when all rows of at least one band agree, which
for Jaccard similarity ``s`` happens with probability ``1 - (1 - s^r)^b``: an
S-curve whose steep part sits near ``(1/b)^(1/r)``. :func:`optimal_bands` picks
``(b, r)`` for a threshold ``t`` by minimizing the weighted areas of false
positives (``s < t``) and false negatives (``s >= t``) under that curve, the
same rule as datasketch's ``MinHashLSH``.
"""

from __future__ import annotations

import functools
from collections import defaultdict

import numpy as np
from numpy.typing import ArrayLike

from . import _kernels
from .errors import ConfigError

__all__ = [
    "LSH", "optimal_bands", "collision_probability", "crowded_rows", "containment_levels", "containment_pairs", "level_allows",
    "LevelTables", "level_columns", "level_keys", "union_pairs",
]

MAX_BUCKET = 32
"""The cap of the candidate rule of every engine (``dedup cluster``, the persistent index, Spark;
``rust/core/src/buckets.rs``): the members of an LSH bucket, in document order, pair with every member before
them up to rank ``MAX_BUCKET``, and from there on with the first :data:`TAIL_HUBS` only. A bucket of at most
``MAX_BUCKET`` documents yields all its pairs; a larger one (boilerplate, a flood of near-copies) two per later
member, so it costs linear time. A member's pairs never depend on later members, so the index, which files a
key's first ``MAX_BUCKET`` documents only, proposes what ``dedup cluster`` proposes on the same documents."""

TAIL_HUBS = 2
"""The members of a full bucket a later member pairs with (the first ones; the core's ``buckets::TAIL_HUBS``)."""


def collision_probability(s: ArrayLike, bands: int | np.ndarray, rows: int | np.ndarray):
    """Probability that two documents of Jaccard ``s`` share at least one band."""
    s = np.asarray(s, dtype=np.float64)
    return 1.0 - (1.0 - s**rows) ** bands


@functools.lru_cache(maxsize=4)
def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [-1, 1] (``numpy.polynomial.legendre.leggauss``, without
    importing numpy.polynomial): Newton's method on the Legendre recurrence from Tricomi's guesses."""
    k = np.arange(1, n + 1)
    x = np.cos(np.pi * (k - 0.25) / (n + 0.5))
    for _ in range(100):
        p0, p1 = np.ones_like(x), x
        for j in range(2, n + 1):
            p0, p1 = p1, ((2 * j - 1) * x * p1 - (j - 1) * p0) / j
        dp = n * (x * p1 - p0) / (x * x - 1)
        step = p1 / dp
        x = x - step
        if np.max(np.abs(step)) < 1e-16:
            break
    p0, p1 = np.ones_like(x), x
    for j in range(2, n + 1):
        p0, p1 = p1, ((2 * j - 1) * x * p1 - (j - 1) * p0) / j
    dp = n * (x * p1 - p0) / (x * x - 1)
    w = 2 / ((1 - x * x) * dp * dp)
    return x[::-1].copy(), w[::-1].copy()


@functools.lru_cache(maxsize=256)
def optimal_bands(
    threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5,
    min_rows: int = 1,
) -> tuple[int, int]:
    """The ``(bands, rows)`` minimizing weighted false positive and negative areas (``rows >= min_rows``)."""
    _check_threshold(threshold, "threshold")
    if not 1 <= num_perm:
        raise ConfigError(f"num_perm must be positive, got {num_perm}")
    if not 1 <= min_rows <= num_perm:
        raise ConfigError(f"min_rows must be in [1, num_perm], got {min_rows}")
    x, w = _gauss_legendre(64)
    # Gauss-Legendre nodes mapped to [0, t] and [t, 1].
    lo_s = (x + 1) * threshold / 2
    lo_w = w * threshold / 2
    hi_s = threshold + (x + 1) * (1 - threshold) / 2
    hi_w = w * (1 - threshold) / 2
    # Every (bands, rows) with bands * rows <= num_perm, bands outer: the first minimum wins. The areas are the
    # integrals of collision_probability below t and of its complement above, taken in the core.
    b, r, fp, fn = _kernels.band_layout_areas(num_perm, (lo_s, lo_w), (hi_s, hi_w))
    cost = np.where(r >= min_rows, fp * false_positive_weight + fn * false_negative_weight, np.inf)
    best = int(np.argmin(cost))
    return int(b[best]), int(r[best])


def _check_threshold(value: float, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0.0 < value < 1.0:
        raise ConfigError(f"{name} must be a number strictly between 0 and 1, got {value!r}")


class LSH:
    """Banded LSH index over signatures of one :class:`~dedup.minhash.MinHasher`.

    Parameters
    ----------
    threshold : float
        Jaccard similarity the bands are tuned for (0 < threshold < 1).
    num_perm : int
        Signature length.
    bands, rows : int, optional
        Set both to override the tuned values (``bands * rows <= num_perm``).
    weights : (float, float)
        Weights of false positives and false negatives when tuning.
    """

    def __init__(
        self,
        threshold: float = 0.5,
        num_perm: int = 128,
        *,
        bands: int | None = None,
        rows: int | None = None,
        weights: tuple[float, float] = (0.5, 0.5),
    ) -> None:
        _check_threshold(threshold, "threshold")
        if isinstance(num_perm, bool) or not isinstance(num_perm, (int, np.integer)) or num_perm < 1:
            raise ConfigError(f"num_perm must be a positive integer, got {num_perm!r}")
        if len(weights) != 2 or any(not 0 <= w for w in weights) or sum(weights) <= 0:
            raise ConfigError(f"weights must be two non-negative numbers, not both zero, got {weights!r}")
        if (bands is None) != (rows is None):
            raise ConfigError("set both bands and rows, or neither")
        if bands is None:
            bands, rows = optimal_bands(float(threshold), int(num_perm), float(weights[0]), float(weights[1]))
        elif not (isinstance(bands, int) and isinstance(rows, int) and bands >= 1 and rows >= 1):
            raise ConfigError(f"bands and rows must be positive integers, got {bands!r}, {rows!r}")
        elif bands * rows > num_perm:
            raise ConfigError(f"bands * rows = {bands * rows} exceeds num_perm = {num_perm}")
        self.threshold = float(threshold)
        self.num_perm = int(num_perm)
        self.bands = int(bands)
        self.rows = int(rows)
        self._tables: list[dict[int, list[int]]] = [defaultdict(list) for _ in range(self.bands)]
        self._size = 0

    def __repr__(self) -> str:
        return f"LSH(threshold={self.threshold}, num_perm={self.num_perm}, bands={self.bands}, rows={self.rows})"

    def __len__(self) -> int:
        return self._size

    def keys(self, signatures: np.ndarray) -> np.ndarray:
        """Band keys, ``uint64 (n, bands)``: a stable 64-bit hash of each band's rows."""
        sigs = np.atleast_2d(np.asarray(signatures))
        if sigs.shape[1] != self.num_perm:
            raise ConfigError(f"signatures have {sigs.shape[1]} values, this LSH expects {self.num_perm}")
        # Per band: h = 0x9E3779B97F4A7C15, then for each of its rows' values v: h = (h ^ v) * FNV prime; h ^= h >> 29.
        return _kernels.band_keys(sigs, self.bands, self.rows)

    def screened_candidates(
        self, signatures: np.ndarray, sizes: np.ndarray, threshold: float, containment_threshold: float,
        lead: np.ndarray | None = None, max_bucket: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(pairs, crowded)``: :func:`screened_pairs` and :func:`crowded_rows` of these signatures' band keys, in one
        pass that makes each band's keys as it buckets them (no ``(n, bands)`` key matrix is held).

        With ``lead`` (one bool per row), only the rows it marks are in buckets: both results are those of the lead
        rows alone, at their places (:meth:`dedup.Deduplicator.clusters` leaves later exact copies out this way)."""
        sigs = np.atleast_2d(np.asarray(signatures))
        n = sigs.shape[0]
        if sigs.shape[1] != self.num_perm:
            raise ConfigError(f"signatures have {sigs.shape[1]} values, this LSH expects {self.num_perm}")
        mask = np.ones(n, dtype=bool) if lead is None else np.asarray(lead, dtype=bool)
        code, crowded = _kernels.band_candidates(sigs, self.bands, self.rows, _cap(max_bucket), sizes, mask, threshold,
                                                 containment_threshold)
        return _kernels.decode_pairs(code, n), crowded

    def insert(self, signatures: np.ndarray) -> np.ndarray:
        """Add documents; returns their index numbers (0, 1, ... in insertion order)."""
        keys = self.keys(signatures)
        idx = np.arange(self._size, self._size + keys.shape[0])
        for band, table in enumerate(self._tables):
            for i, key in zip(idx.tolist(), keys[:, band].tolist()):
                table[key].append(i)
        self._size += keys.shape[0]
        return idx

    def hits(self, signature: np.ndarray) -> list[tuple[int, list[int]]]:
        """``(band, index numbers)`` per band in which inserted documents share ``signature``'s key, bands in order."""
        keys = self.keys(signature)[0].tolist()
        return [(band, hit) for band, (table, key) in enumerate(zip(self._tables, keys)) if (hit := table.get(key))]

    def query(self, signature: np.ndarray) -> list[int]:
        """Index numbers of inserted documents sharing a band with ``signature``, ascending."""
        found: set[int] = set()
        for _, hit in self.hits(signature):
            found.update(hit)
        return sorted(found)

    def candidate_pairs(self, signatures: np.ndarray) -> np.ndarray:
        """All pairs ``(i, j)``, ``i < j``, of rows of ``signatures`` sharing a band.

        Returns an ``int64 (m, 2)`` array, sorted and without repeats. A bucket of
        more than ``MAX_BUCKET`` documents contributes every pair of its first
        ``MAX_BUCKET`` and each later member's pairs with the first two
        (:data:`MAX_BUCKET`) rather than every pair.
        """
        keys = self.keys(signatures)
        return pairs_from_keys(keys)


def _cap(max_bucket: int | None) -> int:
    """The bucket cap to use: ``max_bucket``, or :data:`MAX_BUCKET` read when called."""
    return MAX_BUCKET if max_bucket is None else int(max_bucket)


def pairs_from_keys(keys: np.ndarray, max_bucket: int | None = None) -> np.ndarray:
    """Candidate pairs from a ``(n, bands)`` array of band keys (see :meth:`LSH.candidate_pairs`): in each
    band, the pairs of the bucket rule with cap ``max_bucket`` (default :data:`MAX_BUCKET`).

    Compiled: repeats (a pair sharing several bands) are merged as the bands are read, so
    near-duplicate-heavy corpora do not pay for them in memory.
    """
    keys = np.ascontiguousarray(keys)
    n = keys.shape[0]
    if n < 2 or keys.shape[1] == 0:
        return np.zeros((0, 2), dtype=np.int64)
    code = _kernels.band_pair_codes(keys, _cap(max_bucket))
    return _kernels.decode_pairs(code, n)


def crowded_rows(keys: np.ndarray, max_bucket: int | None = None) -> np.ndarray:
    """Per row of a ``(n, bands)`` array of band keys: whether it shares, in some band, a bucket of
    more than ``max_bucket`` rows -- one :func:`pairs_from_keys` lists only a sample of the pairs of,
    so that row's candidates are a sample of its matches (see :func:`dedup.cluster.average_linkage`)."""
    keys = np.ascontiguousarray(keys)
    if keys.ndim != 2 or keys.shape[0] == 0 or keys.shape[1] == 0:
        return np.zeros(len(keys), dtype=bool)
    return _kernels.crowded(keys, _cap(max_bucket))


def screened_pairs(
    keys: np.ndarray, signatures: np.ndarray, sizes: np.ndarray, threshold: float, containment_threshold: float,
    max_bucket: int | None = None,
) -> np.ndarray:
    """The pairs of :func:`pairs_from_keys` among rows with shingles whose signatures meet a similarity threshold: estimated
    Jaccard ``>= threshold`` or estimated containment ``>= containment_threshold``
    (:meth:`dedup.verify.Verifier.passes_thresholds`, computed with the same float operations).

    On news corpora 99% of LSH candidates fail the thresholds; here each is screened as it is made
    (first by 4-bit fingerprints, 1/8 of the signature bytes), so memory follows the pairs that pass.
    """
    keys = np.ascontiguousarray(keys)
    n = keys.shape[0]
    if n < 2 or keys.shape[1] == 0:
        return np.zeros((0, 2), dtype=np.int64)
    code = _kernels.screened_pair_codes(keys, _cap(max_bucket), signatures, sizes, threshold, containment_threshold)
    return _kernels.decode_pairs(code, n)


# Containment-aware candidates (LSH Ensemble style, see rust/core/src/containment.rs).

CONTAINMENT_RATIOS = (0.5, 0.25, 0.1)
"""Lower bounds of the length-ratio levels (``smaller / larger`` shingle-set size); the last reaches 1:10."""
CONTAINMENT_WEIGHTS = (0.1, 0.9)
"""False positive and false negative weights of a level's layout: recall first, the screen drops the rest."""
CONTAINMENT_MIN_ROWS = 2
"""At least two rows per band: one row would make nearly every pair of a level a candidate."""


@functools.lru_cache(maxsize=32)
def containment_levels(containment_threshold: float, num_perm: int) -> tuple[tuple[float, float, int, int], ...]:
    """The length-ratio levels of containment candidates: ``(min_ratio, max_ratio, bands, rows)`` rows.

    A part of ``ratio`` times the size of a document, contained in it to ``c``, has Jaccard
    ``s = c * ratio / (1 + ratio - c * ratio)``. As LSH Ensemble does per size partition, each level
    ``[min_ratio, max_ratio)`` of :data:`CONTAINMENT_RATIOS` gets the band layout tuned for the ``s``
    of its smallest ratio (:func:`optimal_bands`, weights :data:`CONTAINMENT_WEIGHTS`, at least
    :data:`CONTAINMENT_MIN_ROWS` rows) and proposes only the pairs of its ratio range. Empty when
    ``containment_threshold`` is 1 (the containment rule is off).
    """
    c = float(containment_threshold)
    if not 0.0 < c < 1.0:
        return ()
    levels = []
    upper = 1.0 + 1e-9  # equal sizes belong to the first level
    for ratio in CONTAINMENT_RATIOS:
        s = c * ratio / (1.0 + ratio - c * ratio)
        bands, rows = optimal_bands(s, int(num_perm), *CONTAINMENT_WEIGHTS, min(CONTAINMENT_MIN_ROWS, int(num_perm)))
        levels.append((ratio, upper, bands, rows))
        upper = ratio
    return tuple(levels)


def containment_pairs(
    signatures: np.ndarray, sizes: np.ndarray, containment_threshold: float, threshold: float = 0.0,
    screen_containment: float | None = None, max_bucket: int | None = None,
) -> np.ndarray:
    """Candidate pairs ``(i, j)``, ``i < j``, of the length-ratio levels of :func:`containment_levels`
    whose signatures meet estimated Jaccard ``threshold`` or estimated containment ``screen_containment``
    (default ``containment_threshold``; both 0: every candidate). Sorted, without repeats.

    A level's buckets follow the rule of the Jaccard bands (:data:`MAX_BUCKET`); a pair a column
    proposes is kept when a level with that column holds its length ratio (:func:`level_allows`).
    """
    sigs = np.ascontiguousarray(signatures)
    n = sigs.shape[0]
    levels = containment_levels(float(containment_threshold), int(sigs.shape[1]) if sigs.ndim == 2 else 0)
    if n < 2 or not levels:
        return np.zeros((0, 2), dtype=np.int64)
    cont = containment_threshold if screen_containment is None else screen_containment
    code = _kernels.containment_pair_codes(sigs, sizes, np.asarray(levels, dtype=np.float64), _cap(max_bucket),
                                           threshold, cont)
    return _kernels.decode_pairs(code, n)


def union_pairs(*pair_arrays: np.ndarray) -> np.ndarray:
    """The sorted distinct rows of several ``(m, 2)`` arrays of non-negative index pairs.

    Rows are merged as codes ``i * n + j`` (``n`` one more than the largest index) in the core: in
    linear time when each array is sorted and distinct (candidate lists are), else by its parallel
    sort. ``np.unique(axis=0)`` sorts rows as opaque bytes, which took seconds on the millions of
    candidates of a near-duplicate flood.
    """
    return _kernels.union_pair_rows([np.asarray(p, dtype=np.int64) for p in pair_arrays])


def level_columns(levels: tuple[tuple[float, float, int, int], ...]) -> list[tuple[int, int]]:
    """The distinct band columns ``(rows, band)`` of the length-ratio ``levels`` (of :func:`containment_levels`),
    by rows then band: levels with the same rows share their first bands (the same signature values), so a
    store files each once. Column ``(r, b)`` keys band ``b`` of ``r`` consecutive values, as :meth:`LSH.keys`."""
    return [(r, b) for r, bands in _widest(levels) for b in range(bands)]


def _widest(levels: tuple[tuple[float, float, int, int], ...]) -> list[tuple[int, int]]:
    """``(rows, bands)`` per distinct row count of ``levels``, the most bands of any level with those rows, by rows
    (largest first): the layouts of :func:`level_columns`."""
    widest: dict[int, int] = {}
    for _, _, bands, rows in levels:
        widest[int(rows)] = max(widest.get(int(rows), 0), int(bands))
    return [(r, widest[r]) for r in sorted(widest, reverse=True)]


def level_keys(signatures: np.ndarray, levels: tuple[tuple[float, float, int, int], ...]) -> np.ndarray:
    """Band keys ``uint64 (n, len(level_columns(levels)))`` of the length-ratio levels' columns."""
    sigs = np.atleast_2d(np.asarray(signatures))
    parts = [_kernels.band_keys(sigs, bands, r) for r, bands in _widest(levels)]
    return np.concatenate(parts, axis=1) if parts else np.zeros((sigs.shape[0], 0), dtype=np.uint64)


def level_allows(
    levels: tuple[tuple[float, float, int, int], ...], columns: np.ndarray, size_a: np.ndarray, size_b: np.ndarray
) -> np.ndarray:
    """Whether a shared key in column ``columns[i]`` (an index into :func:`level_columns`) makes the pair of
    shingle-set sizes ``size_a[i]``, ``size_b[i]`` a candidate: some level whose bands include that column
    holds the pair's length ratio ``smaller / larger`` (never for an empty set) -- the rule
    :func:`containment_pairs` applies (the core's ``containment::level_allows``), for the engines that find
    pairs one shared key at a time (the index, Spark, :meth:`Deduplicator.query`)."""
    columns = np.asarray(columns, dtype=np.int64).ravel()
    if not levels or columns.size == 0:
        return np.zeros(columns.size, dtype=bool)
    lv = np.asarray(levels, dtype=np.float64).reshape(-1, 4)
    width = int(max(bands * rows for _, _, bands, rows in levels))
    return _kernels.level_allows(lv, width, columns, np.asarray(size_a, dtype=np.int64).ravel(), np.asarray(size_b, dtype=np.int64).ravel())


class LevelTables:
    """The length-ratio levels' columns (:func:`level_columns`) as LSH tables, for single queries
    (:meth:`dedup.Deduplicator.query`): documents inserted, then those sharing a key with a query in a column
    whose level holds their length ratio (:func:`level_allows`) -- its parts and the texts it is part of."""

    def __init__(self, levels: tuple[tuple[float, float, int, int], ...], num_perm: int) -> None:
        self.levels = levels
        # one LSH per row count, its bands the columns of that count (the threshold is unused when bands are given)
        self._tables = [LSH(0.5, num_perm, bands=bands, rows=r) for r, bands in _widest(levels)]
        self._sizes: list[int] = []

    def __len__(self) -> int:
        return len(self._sizes)

    def insert(self, signatures: np.ndarray, sizes: np.ndarray) -> None:
        """Add documents (index numbers in insertion order, as :meth:`LSH.insert`)."""
        for table in self._tables:
            table.insert(signatures)
        self._sizes.extend(np.asarray(sizes, dtype=np.int64).tolist())

    def query(self, signature: np.ndarray, size: int) -> np.ndarray:
        """Index numbers of the inserted documents a query of ``size`` shingles finds in a level's column, ascending."""
        rows: list[int] = []
        columns: list[int] = []
        first = 0  # the column number of each table's band 0
        for table in self._tables:
            for band, hit in table.hits(signature):
                rows.extend(hit)
                columns.extend([first + band] * len(hit))
            first += table.bands
        found = np.asarray(rows, dtype=np.int64)
        sizes = np.asarray(self._sizes, dtype=np.int64)[found]
        ok = level_allows(self.levels, np.asarray(columns, dtype=np.int64), sizes, np.full(found.size, int(size)))
        return np.unique(found[ok])
