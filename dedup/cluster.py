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

from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = ["Clustering", "pair_similarity", "connected_components", "build_clusters"]


@dataclass(frozen=True)
class Clustering:
    """The result of clustering ``n`` documents.

    ``labels[i]`` is the index of document ``i``'s representative (so equal
    labels mean one cluster and a singleton is labelled with itself);
    ``is_representative[i]`` marks representatives; ``similarity[i]`` is the
    similarity of document ``i`` to its representative (1.0 for representatives).
    """

    labels: np.ndarray
    is_representative: np.ndarray
    similarity: np.ndarray

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_clusters(self) -> int:
        return int(np.count_nonzero(self.is_representative))

    def groups(self, min_size: int = 2) -> list[np.ndarray]:
        """Member indices of each cluster with at least ``min_size`` members, representative first."""
        order = np.lexsort((~self.is_representative, self.labels))
        labels = self.labels[order]
        bounds = np.flatnonzero(np.diff(labels)) + 1
        return [g for g in np.split(order, bounds) if len(g) >= min_size]


def pair_similarity(
    signatures: np.ndarray, sizes: np.ndarray, pairs: np.ndarray, chunk: int = 65536
) -> tuple[np.ndarray, np.ndarray]:
    """Estimated Jaccard and containment for each pair ``(i, j)`` of rows.

    Documents without shingles (size 0) have similarity 0 to everything.
    """
    m = pairs.shape[0]
    jac = np.empty(m, dtype=np.float64)
    k = signatures.shape[1]
    for lo in range(0, m, chunk):
        p = pairs[lo : lo + chunk]
        eq = signatures[p[:, 0]] == signatures[p[:, 1]]
        jac[lo : lo + chunk] = np.count_nonzero(eq, axis=1) / k
    sa = sizes[pairs[:, 0]].astype(np.float64)
    sb = sizes[pairs[:, 1]].astype(np.float64)
    small = np.minimum(sa, sb)
    with np.errstate(divide="ignore", invalid="ignore"):
        inter = jac / (1.0 + jac) * (sa + sb)
        cont = np.where(small > 0, np.minimum(inter / small, 1.0), 0.0)
    jac = np.where(small > 0, jac, 0.0)
    return jac, cont


@njit(cache=True)
def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(cache=True)
def _components(n, left, right):
    parent = np.arange(n)
    rank = np.zeros(n, dtype=np.int64)
    for e in range(left.shape[0]):
        a = _find(parent, left[e])
        b = _find(parent, right[e])
        if a == b:
            continue
        if rank[a] < rank[b]:
            a, b = b, a
        parent[b] = a
        if rank[a] == rank[b]:
            rank[a] += 1
    for i in range(n):
        parent[i] = _find(parent, i)
    return parent


def connected_components(n: int, edges: np.ndarray) -> np.ndarray:
    """Component root of each of ``n`` nodes given ``(m, 2)`` edges (union-find)."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    return _components(n, np.ascontiguousarray(edges[:, 0]), np.ascontiguousarray(edges[:, 1]))


def average_linkage(
    n: int, edges: np.ndarray, weights: np.ndarray, min_fraction: float, keys: np.ndarray | None = None
) -> np.ndarray:
    """Merge clusters along edges in decreasing weight, only where dense enough.

    Clusters ``A`` and ``B`` merge when at least ``min_fraction * |A| * |B|`` of
    the pairs between them are edges, so one bridge cannot chain two groups of
    reprints together (``min_fraction -> 0`` gives connected components).
    Equal weights are ordered by ``keys`` (a content-derived value per node), so
    the result does not depend on the order documents were added.
    Returns a root per node, like :func:`connected_components`.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    parent = list(range(n))
    size = [1] * n
    links: list[dict[int, int]] = [dict() for _ in range(n)]
    for a, b in edges.tolist():
        links[a][b] = links[a].get(b, 0) + 1
        links[b][a] = links[b].get(a, 0) + 1

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
        if ra == rb or links[ra].get(rb, 0) < min_fraction * size[ra] * size[rb]:
            continue
        if len(links[ra]) > len(links[rb]):
            ra, rb = rb, ra
        for c, cnt in links[ra].items():
            if c == rb:
                continue
            links[rb][c] = links[rb].get(c, 0) + cnt
            other = links[c]
            other[rb] = other.get(rb, 0) + cnt
            del other[ra]
        links[rb].pop(ra, None)
        links[ra] = {}
        parent[ra] = rb
        size[rb] += size[ra]
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def build_clusters(
    signatures: np.ndarray,
    sizes: np.ndarray,
    edges: np.ndarray,
    weights: np.ndarray | None = None,
    min_fraction: float = 0.0,
) -> Clustering:
    """Clusters from verified ``edges``: components (or :func:`average_linkage` when
    ``min_fraction > 0``), representatives, similarities."""
    n = signatures.shape[0]
    if min_fraction > 0 and len(edges):
        w = np.ones(len(edges)) if weights is None else weights
        root = average_linkage(n, edges, w, min_fraction, keys=signatures[:, 0] if signatures.shape[1] else None)
    else:
        root = connected_components(n, edges)
    # Representative: most shingles, then earliest index.
    order = np.lexsort((np.arange(n), -sizes, root))
    first = np.ones(n, dtype=bool)
    first[1:] = root[order][1:] != root[order][:-1]
    rep_of_root = np.empty(n, dtype=np.int64)
    rep_of_root[root[order][first]] = order[first]
    labels = rep_of_root[root]
    is_rep = labels == np.arange(n)
    similarity = np.ones(n, dtype=np.float64)
    members = np.flatnonzero(~is_rep)
    if members.size:
        jac, cont = pair_similarity(signatures, sizes, np.stack((members, labels[members]), axis=1))
        similarity[members] = np.maximum(jac, cont)
    return Clustering(labels=labels, is_representative=is_rep, similarity=similarity)
