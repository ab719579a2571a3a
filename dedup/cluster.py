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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import _kernels, numbers
from .errors import ConfigError
from .verify import Verifier, similarity_between

__all__ = ["KEEP_RULES", "Clustering", "PairScreen", "text_confirm", "average_linkage", "ambiguous_parts", "containment_parts", "exact_containment",
           "pair_similarity", "similarity_between", "connected_components", "build_clusters"]

KEEP_RULES = ("representative", "first")
"""Which document of a cluster deduplication keeps: ``"representative"`` (the fullest version: most distinct
shingles, ties to the earliest; what ``is_representative`` marks) or ``"first"`` (the earliest in input order)."""


@dataclass(frozen=True, eq=False)
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

    def __eq__(self, other: object) -> bool:
        """Two results are equal when every array is (``matched`` None only equals None)."""
        if not isinstance(other, Clustering):
            return NotImplemented
        if (self.matched is None) != (other.matched is None):
            return False
        pairs = [(self.labels, other.labels), (self.is_representative, other.is_representative), (self.similarity, other.similarity)]
        if self.matched is not None and other.matched is not None:
            pairs.append((self.matched, other.matched))
        return all(np.array_equal(a, b) for a, b in pairs)

    __hash__ = None  # type: ignore[assignment]  # holds arrays: not hashable

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


AMBIGUOUS_PARTNERS = 16
"""Larger partners of a part :func:`ambiguous_parts` compares (the most similar ones)."""


def ambiguous_parts(
    pairs: np.ndarray, ok: np.ndarray, jaccard: np.ndarray, weights: np.ndarray, signatures: np.ndarray,
    sizes: np.ndarray, verifier: Verifier, measure: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Which matching ``pairs`` are the containment-only matches of an ambiguous part (True: drop them).

    A pair that matches on containment alone (``ok`` and estimated Jaccard below
    ``verifier.threshold``) says its smaller document is a part of the larger. A part is
    *ambiguous* when its larger matching partners (the :data:`AMBIGUOUS_PARTNERS` with the
    highest ``weights``) are not one related group -- the graph of the partner pairs meeting a
    threshold is not connected: a passage that two unrelated documents both contain is a formula
    or clause they share (a death notice, the terms of a bond issue), not an excerpt of either,
    and joining it to both would chain them. Its containment-only matches are dropped; its
    Jaccard matches (copies of its own length) stay. A part of one source, or of several copies
    of one source, is not ambiguous. ``measure`` (see :func:`exact_containment`) gives the exact containment
    of partner pairs whose estimate is near the threshold, as the matching rule takes it.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    drop = np.zeros(len(pairs), dtype=bool)
    ok = np.asarray(ok, dtype=bool)
    if not ok.any():
        return drop
    a, b = pairs[:, 0], pairs[:, 1]
    a_small = (sizes[a] < sizes[b]) | ((sizes[a] == sizes[b]) & (a < b))
    small, large = np.where(a_small, a, b), np.where(a_small, b, a)
    part_only = ok & (np.asarray(jaccard) < verifier.threshold)
    parts = np.unique(small[part_only])
    mine = np.flatnonzero(ok & np.isin(small, parts))
    order = mine[np.lexsort((-np.asarray(weights)[mine], small[mine]))]  # by part, most similar first
    owner = small[order]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    keep = rank < AMBIGUOUS_PARTNERS
    order, owner, rank = order[keep], owner[keep], rank[keep]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    counts = np.diff(np.r_[starts, len(order)])
    several = counts >= 2
    if not several.any():
        return drop
    # Every pair of partners of each part with several, as slots of ``order`` (global node numbers).
    rows = []
    for m in np.unique(counts[several]).tolist():
        i, j = np.triu_indices(m, 1)
        base = starts[several & (counts == m)][:, None]
        rows.append(np.stack(((base + i).ravel(), (base + j).ravel()), axis=1))
    slot_pairs = np.concatenate(rows)
    partner = large[order]
    partner_pairs = np.stack((partner[slot_pairs[:, 0]], partner[slot_pairs[:, 1]]), axis=1)
    jac2, cont2 = pair_similarity(signatures, sizes, partner_pairs)
    if measure is not None:
        cont2 = exact_containment(jac2, cont2, partner_pairs, verifier, measure)
    related = slot_pairs[verifier.passes_thresholds(jac2, cont2)]
    root = connected_components(len(order), related)
    group = np.repeat(np.arange(len(starts)), counts)
    distinct = np.unique(np.stack((group, root), axis=1), axis=0)[:, 0]
    ambiguous = owner[starts[np.bincount(distinct, minlength=len(starts)) > 1]]
    return part_only & np.isin(small, ambiguous)


EXACT_MARGIN = 0.3
"""Estimated containment this far below ``containment_threshold`` still has its containment measured exactly
(:func:`exact_containment`): about twice the spread of the estimate at a length ratio of 1:10."""


def exact_containment(
    jaccard: np.ndarray, containment: np.ndarray, pairs: np.ndarray, verifier: Verifier, measure: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """``containment`` with the pairs that could match on containment alone measured exactly.

    A pair whose estimated Jaccard is below ``verifier.threshold`` matches, if at all, on containment; its
    estimate from the signatures is poor when the sizes differ much (it rests on the positions the smaller set
    wins, ``k * small / large`` of them). The pairs estimated within :data:`EXACT_MARGIN` of
    ``verifier.containment_threshold`` or above get ``measure(pairs)`` instead: their exact containment, from
    the texts (:meth:`dedup.shingle.Shingler.containment`), so an excerpt at 1:10 is judged as surely as a
    copy, and a pair the estimate overrates is not taken.
    """
    out = np.array(containment, dtype=np.float64, copy=True)
    near = np.flatnonzero((np.asarray(jaccard) < verifier.threshold) & (out >= verifier.containment_threshold - EXACT_MARGIN))
    if near.size:
        out[near] = measure(np.asarray(pairs, dtype=np.int64).reshape(-1, 2)[near])
    return out


COPY_RATIO = 0.9
"""A Jaccard match with a document at least this fraction of a part's size is a copy of the part
(:func:`containment_parts`)."""


def _small_large(pairs: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: its smaller document (fewer shingles; ties: the lower index) and its larger one."""
    a, b = pairs[:, 0], pairs[:, 1]
    a_small = (sizes[a] < sizes[b]) | ((sizes[a] == sizes[b]) & (a < b))
    return np.where(a_small, a, b), np.where(a_small, b, a)


def containment_parts(
    pairs: np.ndarray, ok: np.ndarray, jaccard: np.ndarray, weights: np.ndarray, signatures: np.ndarray,
    sizes: np.ndarray, verifier: Verifier, copies: np.ndarray | None = None,
    measure: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(drop, parts)``: the containment-only matches of ``pairs`` that do not make their smaller document a
    part of the larger (True: drop them), and ``(part, source)`` rows, one per remaining part, its best source.

    A pair that matches on containment alone (``ok`` and estimated Jaccard below ``verifier.threshold``) says
    its smaller document is a part -- an excerpt, an abridgement -- of the larger. Its matches are dropped when
    the part is :func:`ambiguous_parts` (two unrelated texts contain it), or when it has a copy of its own (a
    Jaccard match with a document of at least :data:`COPY_RATIO` its size, or an identical copy: ``copies``
    flags the documents that have one, see :func:`duplicate_groups`): a passage reprinted as it is is a
    text of its own, grouped with its copies, and the longer texts it is also part of stay apart (a group of
    reprints of an abridged version beside a group of the full story). Each other part's best match (highest
    ``weights``) is its source: :func:`build_clusters` attaches a cluster of parts the linkage left apart to
    their sources' cluster (parts of one article need not match each other, as the linkage would ask).
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    ok = np.asarray(ok, dtype=bool)
    jaccard, weights = np.asarray(jaccard), np.asarray(weights)
    drop = ambiguous_parts(pairs, ok, jaccard, weights, signatures, sizes, verifier, measure)
    small, large = _small_large(pairs, sizes)
    copy = ok & (jaccard >= verifier.threshold) & (sizes[small] >= COPY_RATIO * sizes[large])
    has_copy = np.zeros(len(sizes), dtype=bool) if copies is None else np.asarray(copies, dtype=bool).copy()
    has_copy[pairs[copy].ravel()] = True
    part_only = ok & (jaccard < verifier.threshold)
    drop |= part_only & has_copy[small]
    kept = np.flatnonzero(part_only & ~drop)
    order = kept[np.lexsort((large[kept], -weights[kept], small[kept]))]  # per part: best source first
    best = order[np.r_[True, small[order][1:] != small[order][:-1]]] if order.size else order
    return drop, np.stack((small[best], large[best]), axis=1).reshape(-1, 2)


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


SAMPLE_PAIRS = 16
"""Cross pairs :func:`average_linkage` judges to estimate how densely two clusters match when the
candidate edges between them are too few to show it (all pairs when there are at most this many)."""

CROWDED_DEGREE = 8
"""Edges kept per crowded document among those to other crowded documents (the heaviest): the
linkage samples the pairs between their groups, so more edges would only cost time."""

CONFIRM_CHUNK = 65536
"""Edges whose final verdict (``confirm``) is asked for at once, in the order they are merged along."""

Confirm = Callable[[np.ndarray], np.ndarray]
"""The last verdict (``bool``: True a match, False vetoed) of ``(m, 2)`` index pairs that passed the screen."""


def average_linkage(
    n: int,
    edges: np.ndarray,
    weights: np.ndarray,
    min_fraction: float,
    keys: np.ndarray | None = None,
    counts: np.ndarray | None = None,
    apart: np.ndarray | None = None,
    *,
    screen: PairScreen | None = None,
    rows: np.ndarray | None = None,
    confirm: Confirm | None = None,
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

    ``screen`` makes the linkage independent of which pairs LSH proposed where LSH
    proposed only a sample: when the edges between two clusters are too few to reach
    the fraction and both ends of the edge between them are ``screen.crowded`` (they
    shared a bucket LSH lists only a sample of the pairs of: :data:`dedup.lsh.MAX_BUCKET`), up to :data:`SAMPLE_PAIRS` pairs
    between them (all of them when there are that few, else a deterministic sample)
    are judged -- edges and ``apart`` pairs by their known verdict, other pairs by
    the :class:`PairScreen` of the nodes' rows ``rows[node]`` (default: the node
    number) -- and the clusters merge when matches minus vetoes reach
    ``min_fraction`` of the judged pairs. Two groups that match throughout merge
    however sparse their edges; one bridge between unrelated groups still cannot
    chain them (its sample does not match). Each pair of clusters is sampled again
    only after one of them grew, so a flood of ``m`` near-copies costs ``O(m)``
    samples.

    ``confirm(edge_indices)`` gives the final verdict (True: a match) of edges that
    are only screened so far; it is asked lazily, :data:`CONFIRM_CHUNK` edges at a
    time in merge order and only for edges whose ends are still apart (plus, when a
    decision hangs on them, the unconfirmed edges between the two clusters), so
    edges inside a cluster already formed are never confirmed. The merges are the
    ones the confirmed edges alone would give (vetoed edges counting as ``apart``).
    Returns a root per node, like :func:`connected_components`.
    """
    return _linkage(n, edges, weights, min_fraction, keys, counts, apart, screen, rows, confirm)[0]


def _linkage(
    n: int,
    edges: np.ndarray,
    weights: np.ndarray,
    min_fraction: float,
    keys: np.ndarray | None,
    counts: np.ndarray | None,
    apart: np.ndarray | None,
    screen: PairScreen | None,
    rows: np.ndarray | None,
    confirm: Confirm | None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`average_linkage`, and each edge's verdict: 1 confirmed, 0 vetoed, -1 never asked."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    weights = np.broadcast_to(np.asarray(weights, dtype=np.float64), (len(edges),))
    keys = np.arange(n) if keys is None else keys
    counts = np.ones(n, dtype=np.int64) if counts is None else counts
    apart = np.asarray(apart if apart is not None else (), dtype=np.int64).reshape(-1, 2)
    hot = np.zeros(0, dtype=bool)
    if screen is None:  # no sampling: the edges alone decide
        sample, rows, sigs, sizes, nums, v = 0, np.zeros(n, np.int64), np.zeros((1, 1), np.uint32), np.zeros(1, np.int64), None, None
    else:
        sample, sigs, sizes, nums, v = SAMPLE_PAIRS, screen.signatures, screen.sizes, screen.numbers, screen.verifier
        rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
        if screen.crowded is not None:
            hot = np.asarray(screen.crowded, dtype=bool)[rows]
    if nums is None or nums.shape[1] < 2:
        nums = np.zeros((len(sizes), 0), dtype=np.uint32)
    return _kernels.average_linkage(
        n, edges, weights, keys, counts, apart, min_fraction, sample, CONFIRM_CHUNK, rows, sigs, sizes, nums,
        (v.threshold, v.containment_threshold, v.number_agreement, numbers.MIN_NUMBERS, numbers.MAX_JACCARD) if v is not None
        else (1.0, 1.0, 0.0, 0, 0.0),
        hot, confirm,
    )


@dataclass(frozen=True)
class PairScreen:
    """How :func:`average_linkage` judges a pair of documents that is no edge: the screen of
    ``verifier`` (:meth:`~dedup.verify.Verifier.screen`: a threshold met, the figures not
    disagreeing) on rows of ``signatures``, ``sizes`` and number sketches ``numbers`` (None or
    width 0 when the number rule is off). Computed in the core, a few pairs at a time.

    ``crowded`` flags the rows whose candidates are a sample of their matches (they shared an
    LSH bucket too large to list every pair: :func:`dedup.lsh.crowded_rows`); only an edge
    between two of them calls for a sample. None: every row."""

    verifier: Verifier
    signatures: np.ndarray
    sizes: np.ndarray
    numbers: np.ndarray | None = None
    crowded: np.ndarray | None = None


def text_confirm(verifier: Verifier, texts: Sequence[str | None] | None, n_jobs: int | None = None) -> Confirm | None:
    """A ``confirm`` for :func:`build_clusters`: the alignment stage of ``verifier``
    (:meth:`~dedup.verify.Verifier.confirm`) on document pairs, ``texts`` being the documents'
    prepared texts; None when there are no texts to align (or ``verify_text`` is off)."""
    if texts is None or not verifier.verify_text:
        return None

    def confirm(pairs: np.ndarray) -> np.ndarray:
        return verifier.confirm_rows(texts, pairs, n_jobs)

    return confirm


def build_clusters(
    signatures: np.ndarray,
    sizes: np.ndarray,
    edges: np.ndarray,
    weights: np.ndarray | None = None,
    min_fraction: float = 0.0,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
    apart: np.ndarray | None = None,
    wordless: Mapping[int, str] | None = None,
    *,
    screen: PairScreen | None = None,
    confirm: Confirm | None = None,
    parts: np.ndarray | None = None,
) -> Clustering:
    """Clusters from verified ``edges``: components (or :func:`average_linkage` when
    ``min_fraction > 0``), representatives, similarities.

    Documents with identical signatures and sizes (exact or near-exact copies)
    are one node from the start, so they always share a cluster whether or not
    an edge links them (LSH lists only a sample of a large bucket's pairs).
    ``groups`` passes :func:`duplicate_groups` when already computed; ``apart``
    the document pairs verification vetoed (see :func:`average_linkage`), and
    ``wordless`` the prepared texts of documents without shingles (see
    :func:`duplicate_groups`) when ``groups`` is not given.

    ``screen`` judges document pairs that are no edge, to sample how densely two
    clusters match, and ``confirm(document_pairs)`` gives the last verdict of ``edges``
    that are only screened so far (see :func:`average_linkage`) (then only the edges that can decide are confirmed, and only
    the confirmed ones are reported as ``matched``).

    ``parts`` are ``(part, source)`` document pairs among ``edges`` (:func:`containment_parts`): a cluster the
    linkage made only of parts (a part alone, or parts of one article that match each other) joins the
    cluster their sources outside it lie in, when that is one cluster and ``confirm`` (if given) confirms
    the pairs; a cluster of parts whose sources are parts follows them.

    Each member's ``similarity`` is that of the verified edge that justified its
    place: its best edge to another member of its cluster (so it is never below the
    matching rule), and ``matched[i]`` that member; identical copies of a member
    report 1.0 and the copy.
    """
    n = signatures.shape[0]
    node, counts = duplicate_groups(signatures, sizes, wordless) if groups is None else groups
    m = counts.shape[0]
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    e, w, src = _node_edges(node, m, edges, weights)
    first_doc = np.full(m, n, dtype=np.int64)  # each node's first document
    np.minimum.at(first_doc, node, np.arange(n))
    if min_fraction > 0 and len(e) and screen is not None and screen.crowded is not None:
        # Between crowded documents the linkage samples pairs itself: their best few edges suffice.
        kept = _best_crowded_edges(e, w, np.asarray(screen.crowded, dtype=bool)[first_doc], CROWDED_DEGREE)
        e, w, src = e[kept], w[kept], src[kept]
    node_confirm = None if confirm is None else (lambda idx: confirm(edges[src[idx]]))
    if min_fraction > 0 and len(e):
        keys = signatures[first_doc, 0] if signatures.shape[1] else None
        bars = node[np.asarray(apart, dtype=np.int64).reshape(-1, 2)] if apart is not None else None
        node_root, verdict = _linkage(m, e, w, min_fraction, keys, counts, bars, screen, first_doc, node_confirm)
    else:
        node_root, verdict = _components(m, e, node_confirm)
    if confirm is not None:  # only the confirmed edges justify a place
        edges = edges[src[verdict == 1]]
        weights = None if weights is None else np.asarray(weights)[src[verdict == 1]]
    root = node_root[node]
    if parts is not None and len(parts):
        root, edges, weights = _attach_parts(root, np.asarray(parts, dtype=np.int64).reshape(-1, 2), node, counts, edges, weights,
                                             signatures, sizes, confirm)
    labels = _representatives(root, sizes)
    similarity, matched = _justified(n, root, labels, edges, weights, first_doc[node], sizes, signatures)
    return Clustering(labels=labels, is_representative=labels == np.arange(n), similarity=similarity, matched=matched)


def _node_edges(node: np.ndarray, m: int, edges: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The document ``edges`` as edges between the ``m`` nodes of :func:`duplicate_groups` (``node`` of each
    document): one per node pair, with its largest weight, none inside a node. Returns the node pairs (sorted
    within each pair), their weights and, for each, the index in ``edges`` of the document pair behind it."""
    w = np.ones(len(edges)) if weights is None else np.asarray(weights, dtype=np.float64)
    if m == len(node) and len(edges) and _strictly_increasing(node) and _strictly_increasing(edges[:, 0] * m + edges[:, 1]) \
            and bool((edges[:, 0] < edges[:, 1]).all()):
        # No copies (each node one document, in order) and the pairs one each, in order, smaller end first (as the
        # candidates come): the node edges are the document pairs; no temporaries of a value per pair.
        return edges, w, np.arange(len(edges))
    e = node[edges]
    src = np.flatnonzero(e[:, 0] != e[:, 1])  # the document pair behind each node edge
    e, w = e[src], w[src]
    e = np.stack((np.minimum(e[:, 0], e[:, 1]), np.maximum(e[:, 0], e[:, 1])), axis=1)  # np.sort(axis=1) sorts row by row: seconds on millions
    if len(e) and _strictly_increasing(e[:, 0] * m + e[:, 1]):
        return e, w, src  # already one per node pair, in order (no copies among the ends): nothing to merge
    if len(e):
        # By node pair, heaviest first: two stable sorts (weight, then pair code).
        by_weight = np.argsort(-w, kind="stable")
        order = by_weight[np.argsort((e[:, 0] * m + e[:, 1])[by_weight], kind="stable")]
        e, w, src = e[order], w[order], src[order]
        first = np.ones(len(e), dtype=bool)
        first[1:] = (e[1:] != e[:-1]).any(axis=1)
        e, w, src = e[first], w[first], src[first]
    return e, w, src


def _strictly_increasing(codes: np.ndarray) -> bool:
    """Whether each value of ``codes`` is above the one before it."""
    return bool(len(codes) < 2 or (codes[1:] > codes[:-1]).all())


def _components(m: int, e: np.ndarray, confirm: Confirm | None) -> tuple[np.ndarray, np.ndarray]:
    """The connected components of the ``m`` nodes along node edges ``e`` (each node's root), and each
    edge's verdict (1 confirmed, 0 vetoed): with ``confirm``, only the edges it confirms join nodes."""
    verdict = np.ones(len(e), dtype=np.int8)
    if confirm is not None and len(e):
        verdict = np.asarray(confirm(np.arange(len(e))), dtype=np.int8)
    return connected_components(m, e[verdict == 1]), verdict


def _representatives(root: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each document's cluster label: the index of its cluster's representative, the member with the most
    shingles (the earliest of those). ``root`` names each document's cluster."""
    n = len(root)
    order = np.lexsort((np.arange(n), -sizes, root))
    first = np.ones(n, dtype=bool)
    first[1:] = root[order][1:] != root[order][:-1]
    rep_of_root = np.empty(n, dtype=np.int64)
    rep_of_root[root[order][first]] = order[first]
    return rep_of_root[root]


def _attach_parts(
    root: np.ndarray, parts: np.ndarray, node: np.ndarray, counts: np.ndarray, edges: np.ndarray, weights: np.ndarray | None,
    signatures: np.ndarray, sizes: np.ndarray, confirm: Confirm | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``root`` with each cluster made only of parts whose sources outside it all lie in one other cluster
    joined to that cluster (see :func:`build_clusters`); the confirmed part pairs are added to ``edges``."""
    n = len(root)
    members = np.bincount(root, minlength=n)
    part_rows = np.bincount(root[parts[:, 0]], minlength=n)  # one row per part: a cluster of parts has as many
    of_parts = members[root[parts[:, 0]]] == part_rows[root[parts[:, 0]]]
    outward = root[parts[:, 0]] != root[parts[:, 1]]
    cand = parts[of_parts & outward]
    if not len(cand):
        return root, edges, weights
    # one target cluster per cluster of parts; a cluster whose parts point to two is left as it is
    pr, sr = root[cand[:, 0]], root[cand[:, 1]]
    order = np.lexsort((sr, pr))
    pr, sr, cand = pr[order], sr[order], cand[order]
    lo = np.flatnonzero(np.r_[True, pr[1:] != pr[:-1]])
    hi = np.r_[lo[1:], len(pr)]
    single = sr[lo] == sr[hi - 1]
    keep = np.repeat(single, hi - lo)
    cand = cand[keep]
    if confirm is not None and len(cand):
        good = np.asarray(confirm(cand), dtype=bool)
        bad_clusters = np.unique(root[cand[~good, 0]])  # a cluster joins only when all its parts' pairs are confirmed
        cand = cand[good & ~np.isin(root[cand[:, 0]], bad_clusters)]
    if not len(cand):
        return root, edges, weights
    # Joining along them never joins two clusters that are not made of parts (each of those has one target).
    joined = connected_components(n, np.stack((root[cand[:, 0]], root[cand[:, 1]]), axis=1))
    root = joined[root]
    if weights is not None:
        jac, cont = pair_similarity(signatures, sizes, cand)
        weights = np.concatenate((np.asarray(weights, dtype=np.float64), np.maximum(jac, cont)))
    return root, np.concatenate((edges, cand)), weights


def _best_crowded_edges(e: np.ndarray, w: np.ndarray, crowded: np.ndarray, degree: int) -> np.ndarray:
    """Which edges to keep: every edge with an end that is not ``crowded``, and an edge between two
    crowded nodes when it is among the ``degree`` heaviest of one of its ends (ties: the lower other end)."""
    both = crowded[e[:, 0]] & crowded[e[:, 1]]
    keep = ~both
    idx = np.flatnonzero(both)
    if idx.size <= degree:
        keep[idx] = True
        return keep
    keep[idx] = _kernels.heaviest_edges(len(crowded), e[idx], w[idx], degree)
    return keep


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
