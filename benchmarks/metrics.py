"""Accuracy metrics for the benchmarks: clustering agreement and score-based classification.

Clustering metrics compare two flat clusterings given as label lists (any hashable
labels; only equality matters). They count item *pairs* -- a pair is positive when
both items share a cluster -- but from the contingency table of the two labellings,
never by looping over pairs, so 200,000 items take milliseconds:

* :func:`pair_confusion` -- (tp, fp, fn, tn) over all unordered pairs.
* :func:`adjusted_rand_index` -- Hubert & Arabie's ARI, as in scikit-learn.
* :func:`pairwise_prf` -- pairwise precision, recall and F1.

Score metrics take a similarity score per item (e.g. per MSRP sentence pair) and a
binary gold label:

* :func:`roc_auc` -- area under the ROC curve (ties count one half).
* :func:`best_threshold` -- the threshold maximising F1; tune it on MSRP *train*
  only and report :func:`prf_at_threshold` on test.

This module must not import the ``dedup`` package.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

__all__ = [
    "adjusted_rand_index",
    "best_threshold",
    "pair_confusion",
    "pairwise_prf",
    "prf_at_threshold",
    "roc_auc",
]

Labels = Sequence[Hashable] | np.ndarray
Scores = Sequence[float] | np.ndarray
Binary = Sequence[int] | Sequence[bool] | np.ndarray


def _codes(labels: Labels) -> np.ndarray:
    """Dense int codes ``0..k-1`` for a label list (numbers, strings or any hashables).

    Lists go through a dict rather than ``np.asarray``, which would turn ``[1, "1"]``
    into two equal strings.
    """
    if isinstance(labels, np.ndarray) and labels.ndim == 1 and labels.dtype.kind in "biuUS":
        return np.unique(labels, return_inverse=True)[1].astype(np.int64)
    index: dict[Hashable, int] = {}
    return np.fromiter((index.setdefault(x, len(index)) for x in labels), dtype=np.int64, count=len(labels))


def _comb2_sum(counts: np.ndarray) -> int:
    """Sum of ``c * (c - 1) / 2`` over counts, as an exact Python int."""
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def pair_confusion(true: Labels, pred: Labels) -> tuple[int, int, int, int]:
    """``(tp, fp, fn, tn)`` over the ``n * (n - 1) / 2`` unordered item pairs.

    tp: together in both; fp: together only in ``pred``; fn: together only in
    ``true``; tn: apart in both. Exact integers, from the contingency table.
    """
    if len(true) != len(pred):
        raise ValueError(f"label lists differ in length: {len(true)} vs {len(pred)}")
    t, p = _codes(true), _codes(pred)
    n = len(t)
    if n == 0:
        return 0, 0, 0, 0
    cells = np.unique(t * (int(p.max()) + 1) + p, return_counts=True)[1]  # nonzero n_ij
    both = _comb2_sum(cells)
    true_pairs = _comb2_sum(np.bincount(t))
    pred_pairs = _comb2_sum(np.bincount(p))
    total = n * (n - 1) // 2
    tp, fp, fn = both, pred_pairs - both, true_pairs - both
    return tp, fp, fn, total - tp - fp - fn


def adjusted_rand_index(true: Labels, pred: Labels) -> float:
    """Adjusted Rand index: 1 for identical partitions, ~0 for random ones (can be < 0).

    Same definition and special cases as ``sklearn.metrics.adjusted_rand_score``
    (1.0 when no pair is in disagreement, including empty and one-item inputs).
    """
    tp, fp, fn, tn = pair_confusion(true, pred)
    if fp == 0 and fn == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def pairwise_prf(true: Labels, pred: Labels) -> tuple[float, float, float]:
    """Pairwise ``(precision, recall, f1)``: a pair is positive when both items share a cluster.

    Conventions for empty denominators: with no predicted pairs precision is 1.0 (no
    false merge was made), with no true pairs recall is 1.0 (nothing to find); F1 is
    0.0 when precision + recall is 0. So all-singletons against all-singletons is
    (1, 1, 1), and all-singletons against a truth with pairs is (1, 0, 0).
    """
    tp, fp, fn, _ = pair_confusion(true, pred)
    return _prf(tp, fp, fn)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts, with the conventions of :func:`pairwise_prf`."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _scores_labels(scores: Scores, labels: Binary) -> tuple[np.ndarray, np.ndarray]:
    """Validated float scores and boolean labels."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels)
    if s.ndim != 1 or s.shape != y.shape:
        raise ValueError(f"scores and labels must be 1-d and of one length, not {s.shape} and {y.shape}")
    if np.isnan(s).any():
        raise ValueError("scores contain NaN")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be binary (0/1 or bool)")
    return s, y.astype(bool)


def roc_auc(scores: Scores, labels: Binary) -> float:
    """Area under the ROC curve: the probability that a random positive outscores a random
    negative, ties counting one half (Mann-Whitney U with average ranks).

    Raises ``ValueError`` unless both classes are present.
    """
    s, y = _scores_labels(scores, labels)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc needs both positive and negative labels")
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    mean_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based average rank of each distinct score
    rank_sum = float(mean_rank[inverse][y].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def best_threshold(scores: Scores, labels: Binary) -> tuple[float, float]:
    """``(threshold, f1)`` maximising F1 when items with ``score >= threshold`` are called positive.

    The threshold is one of the observed scores; among equally good ones the highest
    is returned. Tune on training data only (MSRP train), then report
    :func:`prf_at_threshold` on held-out data. Raises ``ValueError`` without positives.
    """
    s, y = _scores_labels(scores, labels)
    n_pos = int(y.sum())
    if n_pos == 0:
        raise ValueError("best_threshold needs at least one positive label")
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    tp = np.cumsum(y_sorted)
    fp = np.cumsum(~y_sorted)
    last_of_tie = np.r_[s_sorted[1:] != s_sorted[:-1], True]  # cut only between distinct scores
    tp, fp, thresholds = tp[last_of_tie], fp[last_of_tie], s_sorted[last_of_tie]
    f1 = 2 * tp / (tp + fp + n_pos)
    best = int(np.argmax(f1))
    return float(thresholds[best]), float(f1[best])


def prf_at_threshold(scores: Scores, labels: Binary, threshold: float) -> tuple[float, float, float]:
    """``(precision, recall, f1)`` calling ``score >= threshold`` positive.

    Empty denominators follow :func:`pairwise_prf` (precision 1.0 when nothing is called positive).
    """
    s, y = _scores_labels(scores, labels)
    predicted = s >= threshold
    tp = int((predicted & y).sum())
    return _prf(tp, int(predicted.sum()) - tp, int(y.sum()) - tp)
