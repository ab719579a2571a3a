"""Clustering kernels: connected components and average linkage of the matching pairs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from .pool import contiguous, get_num_threads

__all__ = ["average_linkage", "connected_components", "heaviest_edges"]


def connected_components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Component root of each of ``n`` nodes given edges ``left[e] -- right[e]`` (union-find)."""
    return _core.connected_components(int(n), contiguous(left, np.int64), contiguous(right, np.int64))


def heaviest_edges(n: int, edges: ArrayLike, weights: ArrayLike, degree: int) -> np.ndarray:
    """Per edge of ``(m, 2)`` node pairs ``edges`` among ``n`` nodes: whether it is among the ``degree``
    heaviest (``weights``) edges of one of its ends, ties to the lower other end; linear in the edges, the
    ends on the kernels' threads."""
    e = contiguous(edges, np.int64).reshape(-1, 2)
    return _core.heaviest_edges(int(n), np.ascontiguousarray(e[:, 0]), np.ascontiguousarray(e[:, 1]), contiguous(weights, np.float64), int(degree),
                                get_num_threads())


def average_linkage(n: int, edges: ArrayLike, weights: ArrayLike, keys: ArrayLike, counts: ArrayLike, apart: ArrayLike,
                    min_fraction: float, sample_pairs: int, chunk: int, rows: ArrayLike, sigs: ArrayLike, sizes: ArrayLike,
                    nums: ArrayLike, thresholds: tuple[float, float, float, int, float], hot: ArrayLike,
                    confirm: Callable[[np.ndarray], ArrayLike] | None) -> tuple[np.ndarray, np.ndarray]:
    """Average linkage of ``n`` nodes (``dedup.cluster.average_linkage``): roots and edge verdicts.

    Node pairs that are no edge are judged, when ``sample_pairs > 0``, by the screen of rows
    ``rows[node]`` of ``sigs``/``sizes``/``nums`` with ``thresholds = (threshold,
    containment_threshold, number_agreement, min_numbers, max_jaccard)`` (the number rule:
    ``dedup.numbers``);
    ``confirm(edge_indices)`` (or None) gives the last verdict of screened edges. Only edges
    between two ``hot`` nodes (all when ``hot`` is empty) call for a sample.
    """
    edges = contiguous(edges, np.int64).reshape(-1, 2)
    t, c, a, few, close = thresholds
    call = None
    if confirm is not None:
        def call(idx):
            return np.asarray(confirm(idx), dtype=bool).tolist()
    return _core.average_linkage(
        int(n), contiguous(edges[:, 0], np.int64), contiguous(edges[:, 1], np.int64), contiguous(weights, np.float64), contiguous(keys, np.int64),
        contiguous(counts, np.int64), contiguous(apart, np.int64).reshape(-1, 2), float(min_fraction), int(sample_pairs), int(chunk),
        contiguous(rows, np.int64), contiguous(sigs, np.uint32), contiguous(sizes, np.int64), contiguous(nums, np.uint32), float(t), float(c), float(a),
        int(few), float(close), contiguous(hot, np.bool_), call,
    )
