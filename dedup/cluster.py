"""Verify candidate pairs and group documents into clusters.

LSH proposes pairs; each is verified from the two signatures and set sizes:

* Jaccard ``J = |A & B| / |A | B|``, estimated as the fraction of equal
  signature positions;
* containment of the smaller set in the larger, ``C = |A & B| / min(|A|, |B|)``,
  derived from ``|A & B| = J / (1 + J) * (|A| + |B|)``. An abridged reprint (the
  first half of a story) has ``J`` near 0.5 but ``C`` near 1.

A pair is an edge when ``J >= threshold`` or ``C >= containment_threshold``.
Clusters are the connected components of the edges (union-find). Each cluster's
representative is its member with the most distinct shingles (the fullest
version, which contains the partial reprints), ties going to the earliest
document; every member reports its similarity ``max(J, C)`` to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from . import _kernels
from .errors import ConfigError
from .verify import similarity_between

__all__ = ["KEEP_RULES", "Clustering", "pair_similarity", "similarity_between", "connected_components", "build_clusters"]

KEEP_RULES = ("representative", "first")
"""Which document of a cluster deduplication keeps: ``"representative"`` (the fullest version: most distinct
shingles, ties to the earliest; what ``is_representative`` marks) or ``"first"`` (the earliest in input order)."""


@dataclass(frozen=True)
class Clustering:
    """The result of clustering ``n`` documents.

    ``labels[i]`` is the index of document ``i``'s representative (so equal
    labels mean one cluster and a singleton is labelled with itself);
    ``is_representative[i]`` marks representatives; ``similarity[i]`` is the
    similarity that justified document ``i``'s place in its cluster: that of its best
    verified match inside the cluster, ``matched[i]`` (1.0 and itself for
    representatives), so it is never below the matching rule.
    """

    labels: np.ndarray
    is_representative: np.ndarray
    similarity: np.ndarray
    matched: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_clusters(self) -> int:
        return int(np.count_nonzero(self.is_representative))

    def kept_of(self, keep: str = "representative") -> np.ndarray:
        """Per document, the position of the document of its cluster that deduplication keeps (itself if kept).

        ``keep`` is one of :data:`KEEP_RULES`: ``"representative"`` gives :attr:`labels`; ``"first"`` the
        earliest member of each cluster in input order."""
        if keep == "representative":
            return self.labels.copy()
        if keep == "first":
            n = len(self)
            first = np.full(n, n, dtype=np.int64)
            np.minimum.at(first, self.labels, np.arange(n, dtype=np.int64))
            return first[self.labels]
        raise ConfigError(f"keep must be one of {', '.join(map(repr, KEEP_RULES))}, got {keep!r}")

    def kept(self, keep: str = "representative") -> np.ndarray:
        """Positions of the documents deduplication keeps, one per cluster, in input order (see :meth:`kept_of`)."""
        of = self.kept_of(keep)
        return np.flatnonzero(of == np.arange(len(self)))

    def groups(self, min_size: int = 2) -> list[np.ndarray]:
        """Member indices of each cluster with at least ``min_size`` members, representative first."""
        order = np.lexsort((~self.is_representative, self.labels))
        labels = self.labels[order]
        bounds = np.flatnonzero(np.diff(labels)) + 1
        return [g for g in np.split(order, bounds) if len(g) >= min_size]


def pair_similarity(signatures: np.ndarray, sizes: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimated Jaccard and containment for each pair ``(i, j)`` of rows.

    Jaccard ``J`` is the fraction of agreeing signature positions; containment of
    the smaller set follows from ``|A n B| = J / (1 + J) * (|A| + |B|)``. Documents
    without shingles (size 0) have similarity 0 to everything.
    """
    return similarity_between(signatures, sizes, signatures, sizes, pairs)


def connected_components(n: int, edges: np.ndarray) -> np.ndarray:
    """Component root of each of ``n`` nodes given ``(m, 2)`` edges (union-find)."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    return _kernels.connected_components(n, edges[:, 0], edges[:, 1])


_CHECK_ROWS = 8192  # rows compared per step (bounds the temporary memory)


def _identical_rows(sigs: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``first[i]``: the first document whose signature and size equal document ``i``'s.

    Rows are grouped by a 64-bit hash of the whole signature (one band of all its values)
    mixed with the size, then checked value by value against their group's first row, so a
    hash collision never joins two different signatures: such a row starts a group of its own
    (in the astronomically rare case, two of its true copies are then joined by LSH instead).
    Memory: a few 8-byte arrays per document, not a sorted copy of the signatures.
    """
    n, k = sigs.shape
    h = _kernels.band_keys(sigs, 1, k).ravel() if k else np.zeros(n, dtype=np.uint64)
    h = h ^ (sizes.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    group = first[inverse.ravel()]
    for lo in range(0, n, _CHECK_ROWS):
        hi = min(n, lo + _CHECK_ROWS)
        g = group[lo:hi]
        same = (sizes[lo:hi] == sizes[g]) & np.all(sigs[lo:hi] == sigs[g], axis=1)
        group[lo:hi] = np.where(same, g, np.arange(lo, hi))
    return group


def duplicate_groups(
    signatures: np.ndarray, sizes: np.ndarray, wordless: Mapping[int, str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Group documents with identical signatures and shingle counts.

    Returns ``(node, counts)``: ``node[i]`` numbers document ``i``'s group
    (0..m-1, in order of first appearance) and ``counts[g]`` is the group's size.
    Documents without shingles (size 0: empty, emoji-only or punctuation-only once
    normalized) all share one signature, so they are grouped by their prepared text
    instead: ``wordless[i]`` is document ``i``'s, and exact copies are one group.
    A document without shingles that ``wordless`` leaves out is its own node.
    """
    n = signatures.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    group = _identical_rows(np.asarray(signatures, dtype=np.uint32), np.asarray(sizes, dtype=np.int64))
    group = np.where(np.asarray(sizes) == 0, np.arange(n), group)
    if wordless:
        first_of: dict[str, int] = {}
        for i in np.flatnonzero(np.asarray(sizes) == 0).tolist():  # in document order: a group's first
            text = wordless.get(i)
            if text is not None:
                group[i] = first_of.setdefault(text, i)
    _, node, counts = np.unique(group, return_inverse=True, return_counts=True)
    return node.ravel().astype(np.int64), counts.astype(np.int64)


def average_linkage(
    n: int,
    edges: np.ndarray,
    weights: np.ndarray,
    min_fraction: float,
    keys: np.ndarray | None = None,
    counts: np.ndarray | None = None,
    apart: np.ndarray | None = None,
) -> np.ndarray:
    """Merge clusters along edges in decreasing weight, only where dense enough.

    Clusters ``A`` and ``B`` merge when at least ``min_fraction * |A| * |B|`` of
    the pairs between them are edges, so one bridge cannot chain two groups of
    reprints together (``min_fraction -> 0`` gives connected components).
    Equal weights are ordered by ``keys`` (a content-derived value per node), so
    the result does not depend on the order documents were added. A node may
    stand for ``counts[i]`` identical documents: an edge between two such nodes
    counts as ``counts[a] * counts[b]`` matching pairs. ``apart`` lists node pairs
    that verification vetoed (they met a threshold, then the figures or the
    alignment said they are different documents): each cancels one matching pair
    between the two clusters, so A ~ C ~ B does not join A and B when A / B was
    vetoed, while one wrong veto inside a large group of reprints costs one link,
    not the group.
    Returns a root per node, like :func:`connected_components`.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    parent = list(range(n))
    size = [1] * n if counts is None else [int(c) for c in counts]
    links: list[dict[int, int]] = [dict() for _ in range(n)]
    for a, b in edges.tolist():
        w = size[a] * size[b]
        links[a][b] = links[a].get(b, 0) + w
        links[b][a] = links[b].get(a, 0) + w
    bars: list[dict[int, int]] = [dict() for _ in range(n)]
    for a, b in np.asarray(apart if apart is not None else (), dtype=np.int64).reshape(-1, 2).tolist():
        if a != b:
            w = size[a] * size[b]
            bars[a][b] = bars[a].get(b, 0) + w
            bars[b][a] = bars[b].get(a, 0) + w

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if keys is None:
        keys = np.arange(n)
    ka, kb = keys[edges[:, 0]], keys[edges[:, 1]]
    order = np.lexsort((np.maximum(ka, kb), np.minimum(ka, kb), -np.asarray(weights)))
    for k in order.tolist():
        ra, rb = find(int(edges[k, 0])), find(int(edges[k, 1]))
        if ra == rb or links[ra].get(rb, 0) - bars[ra].get(rb, 0) < min_fraction * size[ra] * size[rb]:
            continue
        if len(links[ra]) + len(bars[ra]) > len(links[rb]) + len(bars[rb]):
            ra, rb = rb, ra
        for table in (links, bars):
            for c, cnt in table[ra].items():
                if c == rb:
                    continue
                table[rb][c] = table[rb].get(c, 0) + cnt
                other = table[c]
                other[rb] = other.get(rb, 0) + cnt
                del other[ra]
            table[rb].pop(ra, None)
            table[ra] = {}
        parent[ra] = rb
        size[rb] += size[ra]
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def build_clusters(
    signatures: np.ndarray,
    sizes: np.ndarray,
    edges: np.ndarray,
    weights: np.ndarray | None = None,
    min_fraction: float = 0.0,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
    apart: np.ndarray | None = None,
    wordless: Mapping[int, str] | None = None,
) -> Clustering:
    """Clusters from verified ``edges``: components (or :func:`average_linkage` when
    ``min_fraction > 0``), representatives, similarities.

    Documents with identical signatures and sizes (exact or near-exact copies)
    are one node from the start, so they always share a cluster whether or not
    an edge links them (the LSH gives large buckets only a star and a chain).
    ``groups`` passes :func:`duplicate_groups` when already computed; ``apart``
    the document pairs verification vetoed (see :func:`average_linkage`), and
    ``wordless`` the prepared texts of documents without shingles (see
    :func:`duplicate_groups`) when ``groups`` is not given.

    Each member's ``similarity`` is that of the verified edge that justified its
    place: its best edge to another member of its cluster (so it is never below the
    matching rule), and ``matched[i]`` that member; identical copies of a member
    report 1.0 and the copy.
    """
    n = signatures.shape[0]
    node, counts = duplicate_groups(signatures, sizes, wordless) if groups is None else groups
    m = counts.shape[0]
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = np.ones(len(edges)) if weights is None else np.asarray(weights, dtype=np.float64)
    e = node[edges]
    keep = e[:, 0] != e[:, 1]
    e, w = np.sort(e[keep], axis=1), w[keep]
    if len(e):
        # One edge per node pair, with its largest weight.
        order = np.lexsort((-w, e[:, 1], e[:, 0]))
        e, w = e[order], w[order]
        first = np.ones(len(e), dtype=bool)
        first[1:] = (e[1:] != e[:-1]).any(axis=1)
        e, w = e[first], w[first]
    first_doc = np.full(m, n, dtype=np.int64)  # each node's first document
    np.minimum.at(first_doc, node, np.arange(n))
    if min_fraction > 0 and len(e):
        keys = signatures[first_doc, 0] if signatures.shape[1] else None
        bars = node[np.asarray(apart, dtype=np.int64).reshape(-1, 2)] if apart is not None else None
        node_root = average_linkage(m, e, w, min_fraction, keys=keys, counts=counts, apart=bars)
    else:
        node_root = connected_components(m, e)
    root = node_root[node]
    # Representative: most shingles, then earliest index.
    order = np.lexsort((np.arange(n), -sizes, root))
    first = np.ones(n, dtype=bool)
    first[1:] = root[order][1:] != root[order][:-1]
    rep_of_root = np.empty(n, dtype=np.int64)
    rep_of_root[root[order][first]] = order[first]
    labels = rep_of_root[root]
    is_rep = labels == np.arange(n)
    similarity, matched = _justified(n, root, labels, edges, weights, first_doc[node], sizes, signatures)
    return Clustering(labels=labels, is_representative=is_rep, similarity=similarity, matched=matched)


def _justified(
    n: int, root: np.ndarray, labels: np.ndarray, edges: np.ndarray, weights: np.ndarray | None, twin: np.ndarray, sizes: np.ndarray, sigs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per document: the similarity of its best verified edge inside its cluster, and the other end.
    ``twin[i]`` is the first document of ``i``'s node of identical copies.

    Representatives report 1.0 and themselves; a later copy of an identical document
    (one node) reports 1.0 and its first copy. A member without a verified edge inside
    its cluster (only an identical-copy node grouped without one) reports its
    estimate to the representative.
    """
    similarity = np.ones(n, dtype=np.float64)
    matched = np.arange(n, dtype=np.int64)
    members = np.flatnonzero(labels != np.arange(n))
    if not members.size:
        return similarity, labels.copy()
    best = np.full(n, -1.0)
    other = np.full(n, -1, dtype=np.int64)
    w = np.ones(len(edges)) if weights is None else np.asarray(weights, dtype=np.float64)
    inside = root[edges[:, 0]] == root[edges[:, 1]] if len(edges) else np.zeros(0, bool)
    if inside.any():
        e, ew = edges[inside], w[inside]
        ends = np.concatenate((e[:, 0], e[:, 1]))
        far = np.concatenate((e[:, 1], e[:, 0]))
        ww = np.concatenate((ew, ew))
        order = np.lexsort((far, -ww, ends))  # per document: best weight, then the earliest other end
        ends, far, ww = ends[order], far[order], ww[order]
        first = np.ones(len(ends), bool)
        first[1:] = ends[1:] != ends[:-1]
        best[ends[first]] = ww[first]
        other[ends[first]] = far[first]
    # Identical copies (one node): 1.0, to the node's first document.
    copies = members[twin[members] != members]
    best[copies], other[copies] = 1.0, twin[copies]
    lost = members[best[members] < 0]
    if lost.size:
        jac, cont = pair_similarity(sigs, sizes, np.stack((lost, labels[lost]), axis=1))
        best[lost], other[lost] = np.maximum(jac, cont), labels[lost]
    similarity[members] = best[members]
    matched[members] = other[members]
    return similarity, matched
