"""Checking a batch against the stored documents: its keys looked up, the hits the length-ratio and fingerprint
prefilters cannot rule out compared in full, and per document the best stored match that passes both stages."""

from __future__ import annotations

import json

import numpy as np

from .. import _kernels
from ..cluster import EXACT_MARGIN
from ..lsh import TAIL_HUBS, level_allows
from ..verify import estimates
from .context import Context
from .records import Match, decode_meta
from .rule import confirm, screen
from .signing import Signed


def stored_matches(ctx: Context, batch: Signed) -> tuple[list[Match | None], np.ndarray]:
    """Best stored match of each document of ``batch``, and the stored keys found (run inside a transaction)."""
    n = len(batch.sizes)
    out: list[Match | None] = [None] * n
    wordless_keys = wordless_matches(ctx, batch, out)
    live = np.flatnonzero(batch.sizes > 0)
    if live.size == 0:
        return out, wordless_keys
    flat = batch.keys[live].ravel()
    pos = np.repeat(live, batch.keys.shape[1])
    col = np.tile(np.arange(batch.keys.shape[1]), live.size)
    exact = batch.exact_keys(ctx.salt)
    if exact is not None:  # and under its exact key (never capped for a document check_and_add admits)
        flat, pos, col = np.concatenate((flat, exact[live])), np.concatenate((pos, live)), np.concatenate((col, np.full(live.size, -1)))
    hit_keys, hit_rows = ctx.store.lookup(flat)
    if hit_keys.size:
        pairs = candidates(ctx, batch, flat, pos, col, hit_keys, hit_rows)
        if pairs.size:
            best(ctx, batch, out, pairs)
    return out, np.concatenate((hit_keys, wordless_keys))


def wordless_matches(ctx: Context, batch: Signed, out: list[Match | None]) -> np.ndarray:
    """Documents of ``batch`` without shingles: the oldest stored exact copy of each (its prepared text
    equal), into ``out``; returns the stored keys found (one per entry, as the insert counts them)."""
    zero = np.flatnonzero(batch.sizes == 0)
    if zero.size == 0:
        return np.zeros(0, np.int64)
    store = ctx.store
    hk, hr = store.lookup(batch.wkeys[zero])
    if hk.size == 0:
        return hk
    held = store.texts(hr)
    rows_of: dict[int, list[int]] = {}
    for k, r in sorted(zip(hk.tolist(), hr.tolist())):
        rows_of.setdefault(k, []).append(r)
    winner: dict[int, int] = {}
    for j in zero.tolist():
        same = [r for r in rows_of.get(int(batch.wkeys[j]), ()) if held.get(r) == batch.texts[j]]
        if same:
            winner[j] = same[0]  # the oldest row
    if winner:
        got = store.fetch(np.array(sorted(set(winner.values())), dtype=np.int64))
        where = dict(zip(got.rows.tolist(), range(len(got.ids))))
        for j, r in winner.items():
            if r in where:
                fi = where[r]
                out[j] = Match(json.loads(got.ids[fi]), 1.0, 1.0, 1.0, decode_meta(got.metas[fi]))
    return hk


def candidates(
    ctx: Context, batch: Signed, flat: np.ndarray, pos: np.ndarray, col: np.ndarray, hit_keys: np.ndarray, hit_rows: np.ndarray
) -> np.ndarray:
    """The candidate pairs ``(query, stored row)`` of :func:`proposed` that :func:`could_match` keeps."""
    return could_match(ctx, batch, proposed(ctx, batch, flat, pos, col, hit_keys, hit_rows))


def proposed(
    ctx: Context, batch: Signed, flat: np.ndarray, pos: np.ndarray, col: np.ndarray, hit_keys: np.ndarray, hit_rows: np.ndarray
) -> np.ndarray:
    """The pairs ``(query, stored row)`` the bucket rule proposes (:data:`dedup.lsh.MAX_BUCKET`): the queries ``pos[i]``
    whose key ``flat[i]`` (of column ``col[i]``) is among the stored entries ``(hit_keys, hit_rows)`` -- the first
    ``max_bucket`` documents filed under it, those the rule gives a query of its rank there (the stored documents,
    then the batch before it, rank first): all of them below rank ``max_bucket``, the first
    :data:`dedup.lsh.TAIL_HUBS` from there on; under an exact key (column -1) all -- kept by :func:`level_rule`.
    Sorted, without repeats."""
    order = np.argsort(flat, kind="stable")
    sk, sp, sc = flat[order], pos[order], col[order]
    lo, cnt = _kernels.find_ranges(sk, hit_keys)
    if not cnt.any():
        return np.zeros((0, 2), np.int64)
    starts = _kernels.expand_ranges(lo, cnt)
    rank, count = (np.repeat(a, cnt) for a in _ranks(hit_keys, hit_rows))
    ahead = count + (np.arange(sk.size) - np.searchsorted(sk, sk, "left"))[starts]  # the query's rank: batch after store
    hubs = np.where(ahead < ctx.max_bucket, ahead, np.minimum(ahead, TAIL_HUBS))
    q, rows, c = sp[starts], np.repeat(hit_rows, cnt), sc[starts]
    keep = ((rank < hubs) | (c < 0)) & level_rule(ctx, c, batch.sizes[q], rows)
    code = _kernels.sorted_unique((q[keep] << 40) | rows[keep])  # rows < 2**40
    return np.stack((code >> 40, code & ((1 << 40) - 1)), axis=1)


def _ranks(keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per stored entry ``(keys[i], rows[i])``: its rank among the rows filed under its key (oldest first) and how many
    are filed there."""
    order = np.lexsort((rows, keys))
    sk = keys[order]
    first = np.searchsorted(sk, sk, "left")
    rank, count = np.empty(keys.size, np.int64), np.empty(keys.size, np.int64)
    rank[order] = np.arange(sk.size) - first
    count[order] = np.searchsorted(sk, sk, "right") - first
    return rank, count


def level_rule(ctx: Context, columns: np.ndarray, query_sizes: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Which hits (a query of size ``query_sizes[i]`` sharing its key of column ``columns[i]`` with stored
    row ``rows[i]``) propose a candidate: every hit of a Jaccard band or the exact key (column -1); a hit
    of a length-ratio level's column when a level with that column holds the pair's length ratio
    (:func:`dedup.lsh.level_allows`, the rule of ``dedup cluster``). A stored size not held: proposed."""
    nj = ctx.lsh.bands
    keep = columns < nj
    lv = np.flatnonzero(~keep)
    if lv.size and ctx.levels:
        at, _, sizes = ctx.store.summaries(rows[lv])
        held = at >= 0
        stored = np.where(held, sizes[np.maximum(at, 0)] if sizes.size else 0, 0)
        keep[lv] = ~held | level_allows(ctx.levels, columns[lv] - nj, query_sizes[lv], stored)
    return keep


def could_match(ctx: Context, batch: Signed, pairs: np.ndarray) -> np.ndarray:
    """The candidate pairs ``(query, stored row)`` that the fingerprints cannot rule out.

    The fingerprints bound the agreeing signature positions from above
    (:mod:`dedup.store.summaries`), and the similarities are monotone in that count,
    so a pair whose bound fails both thresholds fails them exactly. Only the rest
    need their stored signatures (read from disk unless cached).
    """
    at, fps, sizes = ctx.store.summaries(pairs[:, 1])
    keep = at < 0  # without a fingerprint: compared in full
    held = np.flatnonzero(~keep)
    if held.size:
        k = ctx.lsh.num_perm
        q, at = pairs[held, 0], at[held]
        upper = _kernels.agree_upper_bounds(_kernels.nibble_fingerprints(batch.sigs, k), fps, np.stack((q, at), axis=1), k)
        jac, cont = estimates(upper, k, batch.sizes[q], sizes[at])
        near = ctx.params.containment_threshold - (EXACT_MARGIN if ctx.params.verify_text else 0.0)
        keep[held] = (jac >= ctx.params.threshold) | (cont >= near)  # near: its containment may be measured
    return pairs[keep]


def best(ctx: Context, batch: Signed, out: list[Match | None], pairs: np.ndarray) -> None:
    """Into ``out``, per query of the candidate ``pairs``, the most similar stored document that passes both stages
    (ties: the oldest row)."""
    store = ctx.store
    srows, sat, ssigs, ssizes = store.signatures(pairs[:, 1])
    by_row = np.argsort(srows)
    srows = srows[by_row]
    at = np.searchsorted(srows, pairs[:, 1])
    present = (at < srows.size) & (srows[np.minimum(at, max(srows.size - 1, 0))] == pairs[:, 1]) if srows.size else np.zeros(len(pairs), bool)
    pairs, fidx = pairs[present], sat[by_row[at[present]]]
    if pairs.size == 0:
        return
    sigs, nums = ctx.split_stored(ssigs)

    def texts(idx: np.ndarray) -> tuple[list[str | None], list[str | None]]:
        held = store.texts(pairs[idx, 1])
        return [batch.texts[i] for i in pairs[idx, 0].tolist()], [held.get(r) for r in pairs[idx, 1].tolist()]

    ok, sim, jac, cont = screen(ctx, batch.sigs, batch.sizes, batch.nums, sigs, ssizes, nums, np.stack((pairs[:, 0], fidx), axis=1), texts)
    q, s, j, c, r = pairs[ok, 0], sim[ok], jac[ok], cont[ok], pairs[ok, 1]
    order = np.lexsort((r, -s, q))  # per query: most similar first, then the oldest row
    _leaders(ctx, batch, out, *(a[order] for a in (q, s, j, c, r)))


def _leaders(
    ctx: Context, batch: Signed, out: list[Match | None], q: np.ndarray, s: np.ndarray, j: np.ndarray, c: np.ndarray, r: np.ndarray
) -> None:
    """Into ``out``, per query, its leading candidate (``q`` sorted, each query's best first) that the second stage
    confirms and that still has a document."""
    # Stage 2 runs on each query's leading candidate only; one it rejects is dropped and the next
    # one leads. The stored texts of the pairs that passed stage 1 are read in one query.
    todo = np.full(q.size, ctx.params.verify_text)
    stored = ctx.store.texts(r) if ctx.params.verify_text and r.size else {}
    while q.size:
        first = np.ones(q.size, bool)
        first[1:] = q[1:] != q[:-1]
        lead = np.flatnonzero(first & todo)
        if lead.size:
            passed = confirm(ctx, [batch.texts[i] for i in q[lead].tolist()], [stored.get(x) for x in r[lead].tolist()])
            todo[lead] = False
            if not passed.all():
                keep = np.ones(q.size, bool)
                keep[lead[~passed]] = False
                q, s, j, c, r, todo = q[keep], s[keep], j[keep], c[keep], r[keep], todo[keep]
                continue
        got = ctx.store.fetch(r[first])  # ids and metadata of the winners only
        gone = np.setdiff1d(r[first], got.rows)
        if gone.size:  # a candidate without a document (a damaged index): drop it, take the next best
            keep = ~np.isin(r, gone)
            q, s, j, c, r, todo = q[keep], s[keep], j[keep], c[keep], r[keep], todo[keep]
            continue
        where = dict(zip(got.rows.tolist(), range(len(got.ids))))
        for b in np.flatnonzero(first).tolist():
            fi = where[int(r[b])]
            out[int(q[b])] = Match(json.loads(got.ids[fi]), float(s[b]), float(j[b]), float(c[b]), decode_meta(got.metas[fi]))
        break
