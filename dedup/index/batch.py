"""Pairs inside one batch of documents being admitted: the band buckets of the batch after the stored documents
filed under the same keys, the pairs the bucket rule proposes there, and those that pass the first stage of the rule."""

from __future__ import annotations

import numpy as np

from .. import _kernels
from ..lsh import level_allows
from .context import Context
from .rule import screen
from .signing import Signed

#: Per later document ``j`` of a batch, the earlier ones ``(i, similarity, jaccard, containment)`` it matches.
BatchPairs = dict[int, list[tuple[int, float, float, float]]]


def batch_candidates(ctx: Context, batch: Signed, stored_keys: np.ndarray | None = None) -> np.ndarray:
    """Candidate pairs ``(i, j)``, ``i < j``, of documents of ``batch`` with shingles that share a key: the bucket rule
    (:data:`dedup.lsh.MAX_BUCKET`, with the index's ``max_bucket``), the stored documents filed under a key ranked
    first (``stored_keys``: one entry per stored document under each key, as :func:`dedup.index.lookup.stored_matches`
    finds them) and the batch after them in order; a length-ratio level's key proposes only the pairs of its ratio
    range. Within a batch the rule counts every earlier document as filed ahead of a later one."""
    live = np.flatnonzero(batch.sizes > 0)
    if live.size < 2:
        return np.zeros((0, 2), np.int64)
    flat = batch.keys[live].ravel()
    pos = np.repeat(live, batch.keys.shape[1])
    col = np.tile(np.arange(batch.keys.shape[1]), live.size)
    order = np.lexsort((pos, flat))  # by key, then document
    sk, sp, sc = flat[order], pos[order], col[order]
    first = np.r_[True, (sk[1:] != sk[:-1]) | (sp[1:] != sp[:-1])]  # one entry per key and document
    sk, sp, sc = sk[first], sp[first], sc[first]
    start = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
    got = _kernels.bucket_pairs(np.arange(sk.size), np.r_[start, sk.size], _stored_counts(sk[start], stored_keys), ctx.max_bucket)
    a, b = got[:, 0], got[:, 1]
    column = sc[b]  # salted per column: one key, one column
    keep = column < ctx.lsh.bands
    lv = np.flatnonzero(~keep)
    if lv.size:  # a length-ratio level's column: only the pairs of its ratio range
        keep[lv] = level_allows(ctx.levels, column[lv] - ctx.lsh.bands, batch.sizes[sp[a[lv]]], batch.sizes[sp[b[lv]]])
    return np.unique(np.stack((sp[a[keep]], sp[b[keep]]), axis=1), axis=0) if keep.any() else np.zeros((0, 2), np.int64)


def _stored_counts(keys: np.ndarray, stored_keys: np.ndarray | None) -> np.ndarray:
    """Per key of ``keys``: how many stored documents are filed under it (entries of ``stored_keys``)."""
    if stored_keys is None or stored_keys.size == 0:
        return np.zeros(keys.size, np.int64)
    uk, counts = np.unique(stored_keys, return_counts=True)
    at = np.minimum(np.searchsorted(uk, keys), uk.size - 1)
    return np.where(uk[at] == keys, counts[at], 0).astype(np.int64)


def batch_pairs(ctx: Context, batch: Signed, stored_keys: np.ndarray | None = None) -> BatchPairs:
    """Pairs inside a batch that pass the first stage: ``{j: [(i, sim, jac, cont), ...]}`` for ``i < j``
    (the second runs in :func:`dedup.index.admission.admit`, on the pairs that could decide)."""
    pairs = batch_candidates(ctx, batch, stored_keys)
    if not len(pairs):
        return {}
    ok, _, jac, cont = screen(ctx, batch.sigs, batch.sizes, batch.nums, batch.sigs, batch.sizes, batch.nums, pairs, batch.texts_of(pairs))
    out: BatchPairs = {}
    for (i, j), jj, cc in zip(pairs[ok].tolist(), jac[ok].tolist(), cont[ok].tolist()):
        out.setdefault(j, []).append((i, max(jj, cc), jj, cc))
    return out
