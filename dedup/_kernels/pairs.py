"""Candidate pairs from LSH band keys, and how much two signatures agree (exactly, or bounded by fingerprints)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from .pool import contiguous, get_num_threads

__all__ = ["agree_upper_bounds", "band_candidates", "band_keys", "band_layout_areas", "band_pair_codes", "bucket_pairs", "crowded",
           "decode_pairs", "equal_counts_between", "estimates_between", "level_allows", "nibble_fingerprints", "screened_pair_codes",
           "sorted_unique", "union_pair_rows"]


def band_keys(sigs: ArrayLike, bands: int, rows: int) -> np.ndarray:
    """LSH band keys ``uint64 (n, bands)``: per band of ``rows`` consecutive values, ``h = 0x9E3779B97F4A7C15``,
    then per value ``h = (h ^ v) * P; h ^= h >> 29`` (FNV prime ``P``)."""
    return _core.band_keys(np.asarray(sigs, dtype=np.uint32), int(bands), int(rows), get_num_threads())


def band_pair_codes(keys: ArrayLike, max_bucket: int) -> np.ndarray:
    """Candidate pair codes ``i * n + j`` (``i < j``) of a ``(n, bands)`` key array, sorted and distinct:
    in each band, the pairs of the bucket rule of ``rust/core/src/buckets.rs`` with cap ``max_bucket``
    (:data:`dedup.lsh.MAX_BUCKET`)."""
    keys = np.asarray(keys)
    keys = keys.view(np.int64) if keys.dtype == np.uint64 else keys
    return _core.band_pair_codes(contiguous(keys, np.int64), int(max_bucket), get_num_threads())


def crowded(keys: ArrayLike, max_bucket: int) -> np.ndarray:
    """Per row of a ``(n, bands)`` key array: whether, in some band, it shares its bucket with more
    than ``max_bucket`` rows (a bucket :func:`band_pair_codes` lists only a sample of the pairs of)."""
    keys = np.asarray(keys)
    keys = keys.view(np.int64) if keys.dtype == np.uint64 else keys
    return _core.crowded(contiguous(keys, np.int64), int(max_bucket), get_num_threads())


def screened_pair_codes(keys: ArrayLike, max_bucket: int, sigs: ArrayLike, sizes: ArrayLike, threshold: float,
                        containment_threshold: float) -> np.ndarray:
    """The pair codes of :func:`band_pair_codes` whose signatures meet ``threshold`` (estimated Jaccard)
    or ``containment_threshold`` (estimated containment), sorted and distinct; the candidates that
    fail are dropped as they are made (first by 4-bit fingerprints), never held."""
    keys = np.asarray(keys)
    keys = keys.view(np.int64) if keys.dtype == np.uint64 else keys
    return _core.screened_pair_codes(contiguous(keys, np.int64), int(max_bucket), contiguous(sigs, np.uint32), contiguous(sizes, np.int64),
                                     float(threshold), float(containment_threshold), get_num_threads())


def band_layout_areas(num_perm: int, lo: tuple[np.ndarray, np.ndarray], hi: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    """``(bands, rows, false_positive, false_negative)`` of every band layout with ``bands * rows <= num_perm``, bands
    outer: the error areas by the quadratures ``lo = (nodes, weights)`` on ``[0, t]`` and ``hi`` on ``[t, 1]``."""
    f64 = np.float64
    return _core.band_layout_areas(int(num_perm), contiguous(lo[0], f64), contiguous(lo[1], f64), contiguous(hi[0], f64),
                                   contiguous(hi[1], f64))


def union_pair_rows(arrays: list[np.ndarray]) -> np.ndarray:
    """The sorted distinct rows of ``(m, 2)`` arrays of non-negative index pairs, merged as codes in the core
    (in linear time when each array is sorted and distinct, as candidate lists are)."""
    return _core.union_pair_rows([contiguous(np.asarray(a).reshape(-1, 2), np.int64) for a in arrays], get_num_threads())


def decode_pairs(codes: ArrayLike, n: int) -> np.ndarray:
    """Pair codes ``i * n + j`` as ``int64 (m, 2)`` rows ``(i, j)``: ``np.stack((codes // n, codes % n), axis=1)``
    in parallel in the core (numpy's integer division costs tens of nanoseconds a value)."""
    return _core.decode_pairs(contiguous(codes, np.int64), max(int(n), 1), get_num_threads())


def band_candidates(sigs: ArrayLike, bands: int, rows: int, max_bucket: int, sizes: ArrayLike, lead: ArrayLike,
                    threshold: float, containment_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, crowded)``: :func:`screened_pair_codes` and :func:`crowded` of the band keys of ``sigs`` (``bands``
    bands of ``rows`` values) in one pass, the keys made as each band is bucketed; only the rows ``lead`` marks are
    in buckets."""
    return _core.band_candidates(contiguous(sigs, np.uint32), int(bands), int(rows), int(max_bucket), contiguous(sizes, np.int64),
                                 contiguous(np.asarray(lead), np.bool_), float(threshold), float(containment_threshold),
                                 get_num_threads())


def containment_pair_codes(sigs: ArrayLike, sizes: ArrayLike, levels: ArrayLike, max_bucket: int, threshold: float,
                           containment_threshold: float) -> np.ndarray:
    """Pair codes of the length-ratio ``levels`` (rows ``(min_ratio, max_ratio, bands, rows)``) whose
    signatures meet ``threshold`` or ``containment_threshold``, sorted and distinct (``dedup.lsh.containment_pairs``)."""
    return _core.containment_pair_codes(contiguous(sigs, np.uint32), contiguous(sizes, np.int64), contiguous(levels, np.float64),
                                        int(max_bucket), float(threshold), float(containment_threshold), get_num_threads())


def bucket_pairs(members: ArrayLike, starts: ArrayLike, ahead: ArrayLike, cap: int) -> np.ndarray:
    """The pairs of the bucket rule in buckets given as lists, ``int64 (m, 3)`` rows ``(a, c, bucket)``.

    Bucket ``b`` holds ``members[starts[b]:starts[b + 1]]`` in document order, after ``ahead[b]`` members
    not listed (stored ones, ranked first); each member ``c`` pairs with the listed members ``a`` before it
    that the bucket rule with cap ``cap`` gives it -- for an engine that groups the buckets itself (Spark) or
    adds a batch to stored buckets (the persistent index).
    """
    return _core.bucket_pairs(contiguous(members, np.int64), contiguous(starts, np.int64), contiguous(ahead, np.int64), int(cap))


def level_allows(levels: ArrayLike, num_perm: int, columns: ArrayLike, size_a: ArrayLike, size_b: ArrayLike) -> np.ndarray:
    """Per hit: whether a shared key in level column ``columns[i]`` makes sizes ``size_a[i]``, ``size_b[i]`` a candidate
    (``levels``: rows ``(min_ratio, max_ratio, bands, rows)`` for signatures of ``num_perm`` values)."""
    return _core.level_allows(contiguous(levels, np.float64), int(num_perm), contiguous(columns, np.int64), contiguous(size_a, np.int64),
                              contiguous(size_b, np.int64))


def equal_counts_between(sigs_a: ArrayLike, sigs_b: ArrayLike, pairs: ArrayLike) -> np.ndarray:
    """Per pair ``(i, j)``: how many positions of row ``i`` of ``sigs_a`` and row ``j`` of ``sigs_b`` agree.

    The signature arrays may be strided views; pass one array twice for pairs of rows of one array.
    """
    return _core.equal_counts_between(np.asarray(sigs_a, dtype=np.uint32), np.asarray(sigs_b, dtype=np.uint32),
                                      contiguous(pairs, np.int64).reshape(-1, 2), get_num_threads())


def estimates_between(sigs_a: ArrayLike, sigs_b: ArrayLike, sizes_a: ArrayLike, sizes_b: ArrayLike,
                      pairs: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Per pair ``(i, j)``: estimated Jaccard and containment (:func:`dedup.verify.estimates`, bit for bit) of row
    ``i`` of ``sigs_a`` and row ``j`` of ``sigs_b`` (strided views allowed), in one pass without temporary arrays."""
    return _core.estimates_between(np.asarray(sigs_a, dtype=np.uint32), np.asarray(sigs_b, dtype=np.uint32),
                                   contiguous(sizes_a, np.int64), contiguous(sizes_b, np.int64),
                                   contiguous(pairs, np.int64).reshape(-1, 2), get_num_threads())


def nibble_fingerprints(sigs: ArrayLike, k: int) -> np.ndarray:
    """The low 4 bits of each of the first ``k`` values of each row, packed 16 to a uint64 (``k / 2`` bytes)."""
    return _core.nibble_fingerprints(np.asarray(sigs, dtype=np.uint32), int(k), get_num_threads())


def agree_upper_bounds(fp_a: ArrayLike, fp_b: ArrayLike, pairs: ArrayLike, k: int) -> np.ndarray:
    """Per pair ``(i, j)``: ``k`` minus the positions whose 4-bit fingerprints differ -- an upper bound
    on :func:`equal_counts_between` (equal values have equal low bits), read from 1/8 of the bytes."""
    return _core.agree_upper_bounds(contiguous(fp_a, np.uint64), contiguous(fp_b, np.uint64), contiguous(pairs, np.int64).reshape(-1, 2), int(k),
                                    get_num_threads())


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for a 1-D integer array, by sorting.

    numpy >= 2.3 answers a plain ``np.unique`` with a hash table, which on tens of
    millions of structured codes (``i * n + j``) was 40x slower than a sort here.
    int64 arrays are sorted in parallel in the core.
    """
    values = np.asarray(values)
    if values.dtype == np.int64 and values.ndim == 1:
        return _core.sorted_unique(values, get_num_threads())
    s = np.sort(values)
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]
