"""Admission: which documents of a batch are admitted (checked against the stored documents and those of the
batch admitted before them, ids checked), and the insert that files each under its keys below the bucket cap."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..store.base import DuplicateIdError
from .batch import batch_pairs
from .context import Context
from .lookup import stored_matches
from .records import Match, decode_meta
from .rule import confirm, screen
from .signing import Signed

Pair = tuple[int, float, float, float]  # an earlier document of the batch: (position, similarity, jaccard, containment)


def admit(ctx: Context, batch: Signed, on_duplicate_id: str) -> tuple[list[Match | None], list[int], np.ndarray]:
    """Per document of ``batch``, in order, its best match (stored or admitted before it in the batch) or None;
    the positions admitted; and the stored keys found (run inside a write transaction)."""
    results, hit_keys = stored_matches(ctx, batch)
    inner = batch_pairs(ctx, batch, hit_keys)
    taken = ctx.store.rows_of(batch.enc)
    admitted: dict[str, int] = {}  # encoded id -> batch position
    wordless: dict[str, int] = {}  # prepared text of an admitted document without shingles -> its position
    exact = batch.exact_keys(ctx.salt)
    same: dict[int, list[int]] = {}  # exact key -> admitted positions (its exact copies, found whatever the cap)
    is_in = np.zeros(len(batch.enc), dtype=bool)
    for j, enc in enumerate(batch.enc):
        best = results[j]
        if best is None and batch.sizes[j] == 0 and batch.texts[j] in wordless:  # an exact copy admitted before
            i = wordless[batch.texts[j]]
            best = Match(batch.ids[i], 1.0, 1.0, 1.0, decode_meta(batch.metas[i]))
        pairs = inner.get(j, [])
        if exact is not None and batch.sizes[j] > 0 and int(exact[j]) in same:
            pairs = pairs + _exact_copies(ctx, batch, j, same[int(exact[j])], pairs)
        best = _best_admitted(ctx, batch, j, best, [p for p in pairs if is_in[p[0]]])
        if best is None and (enc in taken or enc in admitted):
            if on_duplicate_id == "raise":
                raise DuplicateIdError("id already in the index" if enc in taken else "id repeated in the batch", doc_id=batch.ids[j])
            best = same_id_match(ctx, batch, j, taken.get(enc), admitted.get(enc))
        results[j] = best
        if best is None:
            is_in[j] = True
            admitted[enc] = j
            if batch.sizes[j] == 0:
                wordless.setdefault(batch.texts[j], j)
            elif exact is not None:
                same.setdefault(int(exact[j]), []).append(j)
    return results, np.flatnonzero(is_in).tolist(), hit_keys


def _exact_copies(ctx: Context, batch: Signed, j: int, copies: list[int], pairs: list[Pair]) -> list[Pair]:
    """Like a stored document under the exact key: the admitted exact copies of document ``j`` that no uncapped
    band bucket paired with it, as pairs that pass the first stage."""
    paired = {p[0] for p in pairs}
    extra = np.array([(i, j) for i in copies if i not in paired], dtype=np.int64).reshape(-1, 2)
    if not extra.size:
        return []
    ok, sim, jac, cont = screen(ctx, batch.sigs, batch.sizes, batch.nums, batch.sigs, batch.sizes, batch.nums, extra, batch.texts_of(extra))
    return [(int(i), float(a), float(b), float(c)) for i, a, b, c in zip(extra[ok, 0], sim[ok], jac[ok], cont[ok])]


def _best_admitted(ctx: Context, batch: Signed, j: int, best: Match | None, pairs: list[Pair]) -> Match | None:
    """An admitted document of this batch (``pairs``) that is more similar than the stored match ``best``: the most
    similar one the alignment confirms (ties: the first admitted, like the oldest stored row); else ``best``."""
    better = [p for p in pairs if best is None or p[1] > best.similarity]
    for i, s, jac, cont in sorted(better, key=lambda p: (-p[1], p[0])):
        if not ctx.params.verify_text or confirm(ctx, [batch.texts[i]], [batch.texts[j]])[0]:
            return Match(batch.ids[i], s, jac, cont, decode_meta(batch.metas[i]))
    return best


def same_id_match(ctx: Context, batch: Signed, j: int, row: int | None, pos: int | None) -> Match:
    """The :class:`Match` naming the holder of document ``j``'s id: stored ``row``, or ``pos`` of the batch; its
    ``near_duplicate`` says whether the texts match by the full rule."""
    nums: np.ndarray | None
    if pos is not None:
        sig, size, nums, meta = batch.sigs[pos : pos + 1], batch.sizes[pos : pos + 1], batch.nums[pos : pos + 1], batch.metas[pos]
    else:
        got = ctx.store.fetch(np.array([row], dtype=np.int64))
        (sig, nums), size, meta = ctx.split_stored(got.sigs), got.sizes, got.metas[0]
    ok, s, jac, cont = screen(ctx, batch.sigs[j : j + 1], batch.sizes[j : j + 1], batch.nums[j : j + 1], sig, size, nums, np.zeros((1, 2), np.int64))
    if ok[0] and ctx.params.verify_text:  # the full rule, as for a near-duplicate
        held = _holder_text(ctx, batch, row, pos)
        ok = confirm(ctx, [batch.texts[j]], [held])
    # Two texts without shingles (empty once normalized) match when they are the same text (unknown for a
    # document stored without its text: taken as alike).
    alike = bool(ok[0])
    if int(batch.sizes[j]) == 0 and int(size[0]) == 0:
        held = _holder_text(ctx, batch, row, pos)
        alike = held is None or held == batch.texts[j]
    return Match(batch.ids[j], float(s[0]), float(jac[0]), float(cont[0]), decode_meta(meta), near_duplicate=alike)


def _holder_text(ctx: Context, batch: Signed, row: int | None, pos: int | None) -> str | None:
    """The prepared text of the holder of an id: position ``pos`` of the batch, or stored ``row`` (None: not stored)."""
    if pos is not None:
        return batch.texts[pos]
    assert row is not None  # the id is taken by a stored document
    return ctx.store.texts(np.array([row], dtype=np.int64)).get(row)


def unique_ids(batch: Signed, taken: dict[str, int], offset: int, on_duplicate_id: str, skipped: list[tuple[int, Any, str]] | None) -> list[int]:
    """The positions of ``batch`` whose id is neither ``taken`` nor repeated in the batch (:meth:`Index.add_many`);
    the others raise :class:`DuplicateIdError`, or with ``on_duplicate_id="skip"`` are appended to ``skipped``."""
    seen: set[str] = set()
    keep = []
    for k, (doc_id, enc) in enumerate(zip(batch.ids, batch.enc)):
        if enc in taken or enc in seen:
            reason = "id already in the index" if enc in taken else "id repeated in the batch"
            if on_duplicate_id == "raise":
                raise DuplicateIdError(reason, doc_id=doc_id)
            if skipped is not None:
                skipped.append((offset + k, doc_id, reason))
            continue
        seen.add(enc)
        keep.append(k)
    return keep


def filed_keys(ctx: Context, batch: Signed) -> np.ndarray:
    """The stored keys under each key ``batch`` will be filed under, one entry per stored document (for :func:`insert`)."""
    store, live = ctx.store, batch.sizes > 0
    none = np.zeros(0, np.int64)
    exact = batch.exact_keys(ctx.salt)
    return np.concatenate((
        store.lookup(batch.keys[live].ravel())[0] if live.any() else none,
        store.lookup(batch.wkeys[~live])[0] if not live.all() else none,
        store.lookup(exact[live])[0] if live.any() and exact is not None else none,
    ))


def insert(ctx: Context, batch: Signed, sel: np.ndarray, stored_keys: np.ndarray, cap_exact: bool = True) -> None:
    """Insert documents ``sel`` of ``batch``, filing each band key only while its bucket is below the cap.

    ``stored_keys`` holds one entry per stored document under each key looked up. The exact keys (the
    wordless key of a document without shingles, the :func:`exact_keys` value of one with) are capped
    too with ``cap_exact`` (:meth:`Index.add`: unchecked copies), never without (admitted documents).
    """
    sizes = batch.sizes[sel]
    keys, file = _filing(ctx, batch, sel)
    capped = np.zeros(keys.shape, dtype=bool)
    capped[:, : batch.keys.shape[1]] = True
    capped[:, batch.keys.shape[1] :] = cap_exact
    flat = keys.ravel()
    uk, inverse = np.unique(flat, return_inverse=True)
    stored = np.zeros(uk.size, np.int64)
    if stored_keys.size:
        sk, sc = np.unique(stored_keys, return_counts=True)
        at = np.searchsorted(sk, uk)
        ok = at < sk.size
        ok[ok] = sk[at[ok]] == uk[ok]
        stored[ok] = sc[at[ok]]
    fl = file.ravel()
    fl &= ~capped.ravel() | (stored[inverse] + _rank(fl, inverse) < ctx.max_bucket)
    at = sel.tolist()
    ctx.store.insert(
        [batch.enc[i] for i in at], ctx.stored_values(batch.sigs[sel], batch.nums[sel]), sizes, time.time(),
        [batch.metas[i] for i in at], keys, fl.reshape(keys.shape),
        None if batch.packed is None else [batch.packed[i] for i in at],
    )


def _filing(ctx: Context, batch: Signed, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The keys of documents ``sel`` and which of them each is to be filed under: the band keys, then the wordless key
    (a document without shingles is filed under that one only, and only when its text is stored: a candidate there
    matches when its stored text is equal); then the exact key of a document with shingles."""
    sizes = batch.sizes[sel]
    has_text = np.array([batch.packed is not None and batch.packed[i] is not None for i in sel.tolist()], dtype=bool)
    columns = [batch.keys[sel], batch.wkeys[sel, None]]
    file_columns = [np.broadcast_to((sizes > 0)[:, None], batch.keys[sel].shape), ((sizes == 0) & has_text)[:, None]]
    exact = batch.exact_keys(ctx.salt)
    if exact is not None:
        columns.append(exact[sel, None])
        file_columns.append((sizes > 0)[:, None])
    return np.concatenate(columns, axis=1), np.concatenate(file_columns, axis=1)


def _rank(filed: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Rank of each entry among the filed entries with the same key (``inverse``: the key's number), in document order."""
    order = np.lexsort((np.arange(filed.size), inverse))
    inv_sorted = inverse[order]
    filed_sorted = filed[order].astype(np.int64)
    cum = np.cumsum(filed_sorted)
    group_start = np.searchsorted(inv_sorted, inv_sorted, "left")
    before = cum - filed_sorted - np.where(group_start > 0, cum[group_start - 1], 0)
    rank = np.empty_like(before)
    rank[order] = before
    return rank
