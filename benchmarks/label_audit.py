"""How far text similarity can go on impresso's silver labels.

passim's clusters group aligned *spans* of articles, not texts. Two things follow,
and this module measures both on dedup's own view of the text (the default
normalizer, exact sets of the default shingles, the default matching rule
``J >= threshold or C >= containment``):

* **Pairs below the rule.** Some gold pairs share little more than a formula
  (obituaries of different people: "ont la douleur de faire part ... de la perte
  ..."; meeting notices of different companies). ``below_rule`` is their share,
  and ``oracle`` scores the best clustering with no false merge under the rule:
  the gold labels' pairs above the rule joined into connected components (chains
  included). A method that merges across gold clusters can score differently;
  one that keeps different people's obituaries apart cannot pass it by much.
* **Overlapping spans of one article in different clusters.** passim cuts one
  article into overlapping passages and files them apart, so the same OCR text
  (often one passage inside another) sits in two gold clusters. ``span_overlap``
  counts those pairs, and how many of a prediction's false merges fall between
  gold clusters linked this way. :func:`unsplit_labels` names the gold clusters
  no such pair touches; the benchmark scores every tool on them too.

Needs the impresso metadata (``doc_id``, ``begin``, ``end``) in ``corpus.meta``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from . import datasets, metrics

__all__ = ["audit", "exact_similarity", "gold_pairs", "overlapping_spans", "unsplit_labels"]

SIMILARITY_BINS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
"""Edges of the exact-Jaccard histogram of gold pairs (the last bin includes 1.0)."""


def gold_pairs(labels: Sequence[Hashable]) -> np.ndarray:
    """All pairs ``(i, j)``, ``i < j``, of items with equal labels, shape ``(n, 2)``."""
    members: dict[Hashable, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        members[label].append(i)
    parts = []
    for m in members.values():
        if len(m) > 1:
            a, b = np.triu_indices(len(m), k=1)
            idx = np.asarray(m, dtype=np.int64)
            parts.append(np.stack((idx[a], idx[b]), axis=1))
    return np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.int64)


def exact_similarity(texts: Sequence[str], pairs: np.ndarray, **params: Any) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard and containment (of the smaller set) of each pair's shingle sets.

    Texts are prepared and shingled as ``dedup.Deduplicator(**params)`` does, so
    these are the values its signatures estimate.
    """
    import dedup
    from dedup.shingle import Shingler

    d = dedup.Deduplicator(**params)
    used = np.unique(pairs) if len(pairs) else np.zeros(0, dtype=np.int64)
    prepared = d.prepare_many([texts[i] for i in used.tolist()])
    shingler = Shingler(d.params.shingle, d.params.ngram)
    sets = {i: shingler.hashes(t) for i, t in zip(used.tolist(), prepared, strict=True)}
    jac = np.zeros(len(pairs))
    cont = np.zeros(len(pairs))
    for k, (i, j) in enumerate(pairs.tolist()):
        a, b = sets[i], sets[j]
        small = min(len(a), len(b))
        if small == 0:
            continue
        inter = len(np.intersect1d(a, b, assume_unique=True))
        jac[k] = inter / (len(a) + len(b) - inter)
        cont[k] = inter / small
    return jac, cont


def overlapping_spans(doc_ids: Sequence[Any], begins: Sequence[int], ends: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of passages of one document whose ``[begin, end)`` spans overlap, and the
    overlap as a fraction of the shorter span (1.0: one passage lies inside the other)."""
    by_doc: dict[Any, list[int]] = defaultdict(list)
    for i, doc in enumerate(doc_ids):
        by_doc[doc].append(i)
    pairs: list[tuple[int, int]] = []
    fractions: list[float] = []
    for members in by_doc.values():
        members.sort(key=lambda i: begins[i])
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if begins[j] >= ends[i]:
                    break
                overlap = min(ends[i], ends[j]) - begins[j]
                shorter = min(ends[i] - begins[i], ends[j] - begins[j])
                if overlap > 0 and shorter > 0:
                    pairs.append((min(i, j), max(i, j)))
                    fractions.append(overlap / shorter)
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2), np.asarray(fractions, dtype=np.float64)


def _split_spans(corpus: datasets.Corpus) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping span pairs of one article, their overlap fractions, and which the gold labels split."""
    meta = corpus.meta
    missing = [k for k in ("doc_id", "begin", "end") if k not in meta]
    if corpus.labels is None or missing:
        raise ValueError(f"corpus {corpus.name!r} lacks labels or span metadata {missing}; the audit is for impresso")
    pairs, fractions = overlapping_spans(meta["doc_id"], meta["begin"], meta["end"])
    labels = corpus.labels
    split = np.asarray([labels[i] != labels[j] for i, j in pairs.tolist()], dtype=bool)
    return pairs, fractions, split


def unsplit_labels(corpus: datasets.Corpus) -> set[Hashable]:
    """Gold clusters with no passage whose span overlaps, in its article, a passage
    of another cluster. Chosen from labels and offsets only, never from a tool's
    output; pass the whole corpus, or a split with a dropped cluster goes unseen."""
    pairs, _, split = _split_spans(corpus)
    assert corpus.labels is not None
    return _untouched(corpus.labels, pairs[split])


def _untouched(labels: Sequence[Hashable], split_pairs: np.ndarray) -> set[Hashable]:
    """Labels none of whose items is in ``split_pairs``."""
    return set(labels) - {labels[i] for i in split_pairs.ravel().tolist()}


def _false_merges_between(true: Sequence[Hashable], pred: Sequence[Hashable], linked: set[frozenset]) -> tuple[int, int]:
    """(false merges, those between gold clusters in ``linked``), counted per cell of the
    contingency table, so large predicted clusters cost no pair loop."""
    cells: dict[Hashable, dict[Hashable, int]] = defaultdict(lambda: defaultdict(int))
    for t, p in zip(true, pred, strict=True):
        cells[p][t] += 1
    total = in_linked = 0
    for golds in cells.values():
        items = list(golds.items())
        for x, (g1, n1) in enumerate(items):
            for g2, n2 in items[x + 1 :]:
                total += n1 * n2
                if frozenset((g1, g2)) in linked:
                    in_linked += n1 * n2
    return total, in_linked


def audit(
    corpus: datasets.Corpus, pred: Sequence[Hashable], unsplit: set[Hashable] | None = None, **params: Any
) -> dict[str, Any]:
    """The measurements of the module docstring for ``corpus`` and one prediction.

    ``unsplit`` is :func:`unsplit_labels` of the whole corpus when ``corpus`` is a
    subset of it (default: computed on ``corpus``). ``params`` are dedup parameters
    (defaults when empty): they fix the shingles and the matching rule applied.
    """
    import dedup
    from dedup.cluster import connected_components

    span_pairs, fractions, split = _split_spans(corpus)
    assert corpus.labels is not None
    true = list(corpus.labels)
    if len(pred) != len(true):
        raise ValueError(f"{len(pred)} predicted labels for {len(true)} passages of {corpus.name!r}")
    rule = dedup.Params(**params)

    pairs = gold_pairs(true)
    jac, cont = exact_similarity(corpus.texts, pairs, **params)
    above = (jac >= rule.threshold) | (cont >= rule.containment_threshold)
    oracle = connected_components(len(true), pairs[above])
    p, r, f = metrics.pairwise_prf(true, oracle)
    hist = np.histogram(jac, bins=np.asarray(SIMILARITY_BINS))[0]

    linked = {frozenset((true[i], true[j])) for i, j in span_pairs[split].tolist()}
    tp, fp, fn, _ = metrics.pair_confusion(true, pred)
    fp_total, fp_linked = _false_merges_between(true, pred, linked)
    if fp_total != fp:
        raise RuntimeError(f"false merges counted twice disagree: {fp_total} by cell, {fp} by pair_confusion")
    kept = _untouched(true, span_pairs[split]) if unsplit is None else unsplit & set(true)

    return {
        "dataset": corpus.name,
        "rule": {"shingle": rule.shingle, "ngram": rule.ngram, "threshold": rule.threshold,
                 "containment_threshold": rule.containment_threshold},
        "gold_pairs": int(len(pairs)),
        "below_rule": float(np.mean(~above)) if len(pairs) else 0.0,
        "formula_only": float(np.mean((jac < 0.2) & (cont < 0.5))) if len(pairs) else 0.0,
        "jaccard_hist": {"bins": list(SIMILARITY_BINS), "share": (hist / max(1, len(pairs))).tolist()},
        "oracle": {"ari": metrics.adjusted_rand_index(true, oracle), "precision": p, "recall": r, "f1": f},
        "span_overlap": {
            "pairs": int(len(span_pairs)),
            "split": int(split.sum()),
            "split_contained": int((split & (fractions >= 0.8)).sum()),
            "linked_cluster_pairs": len(linked),
            "unsplit_clusters": len(kept),
            "clusters": len(set(true)),
            "unsplit_gold_pairs": int(sum(true[i] in kept for i in pairs[:, 0].tolist())),
        },
        "prediction": {
            "true_merges": int(tp),
            "false_merges": int(fp),
            "false_merges_linked": int(fp_linked),
            "misses": int(fn),
            "precision_unlinked": tp / (tp + fp - fp_linked) if tp + fp - fp_linked else 1.0,
        },
    }
