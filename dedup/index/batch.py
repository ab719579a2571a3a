"""Pairs inside one batch of documents being admitted: the band buckets of the batch, capped like the stored
ones, and the pairs they propose that pass the first stage of the rule."""

from __future__ import annotations

import numpy as np

from ..lsh import level_allows
from .context import Context
from .rule import screen
from .signing import Signed

#: Per later document ``j`` of a batch, the earlier ones ``(i, similarity, jaccard, containment)`` it matches.
BatchPairs = dict[int, list[tuple[int, float, float, float]]]


def batch_candidates(ctx: Context, batch: Signed) -> np.ndarray:
    """Candidate pairs ``(i, j)``, ``i < j``, of documents of ``batch`` with shingles that share a band key (each
    member of a bucket pairs with the first ``max_bucket`` members before it only, like the stored buckets; a
    length-ratio level's key only the pairs of its ratio range)."""
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
    run = np.repeat(start, np.diff(np.r_[start, sk.size]))
    # like the stored buckets: each member pairs with the first `cap` members before it only
    take = np.minimum(np.arange(sk.size) - run, ctx.max_bucket)
    b = np.repeat(np.arange(sk.size), take)
    a = run[b] + (np.arange(b.size) - np.repeat(np.cumsum(take) - take, take))
    column = sc[b]  # salted per column: one key, one column
    nj = ctx.lsh.bands
    keep = column < nj
    lv = np.flatnonzero(~keep)
    if lv.size:  # a length-ratio level's column: only the pairs of its ratio range
        keep[lv] = level_allows(ctx.levels, column[lv] - nj, batch.sizes[sp[a[lv]]], batch.sizes[sp[b[lv]]])
    return np.unique(np.stack((sp[a[keep]], sp[b[keep]]), axis=1), axis=0) if keep.any() else np.zeros((0, 2), np.int64)


def batch_pairs(ctx: Context, batch: Signed) -> BatchPairs:
    """Pairs inside a batch that pass the first stage: ``{j: [(i, sim, jac, cont), ...]}`` for ``i < j``
    (the second runs in :func:`dedup.index.admission.admit`, on the pairs that could decide)."""
    pairs = batch_candidates(ctx, batch)
    if not len(pairs):
        return {}
    ok, _, jac, cont = screen(ctx, batch.sigs, batch.sizes, batch.nums, batch.sigs, batch.sizes, batch.nums, pairs, batch.texts_of(pairs))
    out: BatchPairs = {}
    for (i, j), jj, cc in zip(pairs[ok].tolist(), jac[ok].tolist(), cont[ok].tolist()):
        out.setdefault(j, []).append((i, max(jj, cc), jj, cc))
    return out
