"""The full consistency check of an index file (:meth:`Index.verify`): every document filed under each of its
keys unless its bucket was full, no entry without a document, every stored text readable; and the documents
filed under none of their band keys (no damage, but blind to their near-duplicates)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..store.base import Fetched, IndexFileError, Store
from .context import Context
from .keys import SALT_BYTES, band_keys, exact_keys, wordless_key
from .scheme import follow_scheme


@dataclass
class Tally:
    """What the scan of the stored documents found so far."""

    found: int = 0  # entries accounted for by stored documents
    seen: int = 0  # documents of the chunks before, all with smaller rows
    missing: list[int] = field(default_factory=list)  # rows, one per entry missing
    damaged: list[int] = field(default_factory=list)  # rows whose stored text does not read back
    # per document with shingles: its exact key, whether filed under a band key, under its exact key, its row
    groups: list[np.ndarray] = field(default_factory=list)
    banded: list[np.ndarray] = field(default_factory=list)
    exactly: list[np.ndarray] = field(default_factory=list)
    group_rows: list[np.ndarray] = field(default_factory=list)


def filed(
    ctx: Context, keys: np.ndarray, rows: np.ndarray, hk: np.ndarray, hr: np.ndarray, live_below: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which band keys ``keys[i]`` of the documents ``rows[i]`` hold an entry of theirs (``present``), and which
    do not although no history explains it (``unexplained``), from the entries ``(hk, hr)`` under those keys.

    A document is not filed under a key whose bucket held ``max_bucket`` documents when it was inserted, all
    with smaller rows. Documents deleted since then leave the bucket below the cap, and row numbers are never
    reused (a renumbering remembers the rows it closed up, ``row_gaps``), so ``row - 1 - live_below + row_gaps``
    (``live_below``: stored documents with smaller rows) bounds the
    deletions before the document: a key is explained when ``max_bucket`` minus the entries under it with
    smaller rows is at most that. (Without deletions: exactly when the bucket is full.)
    """
    shape = keys.shape
    qk, qr = keys.ravel(), np.repeat(rows, shape[1])
    uk = np.unique(hk)
    codes = np.sort((np.searchsorted(uk, hk).astype(np.int64) << 32) | hr)  # rows < 2**32
    pos = np.searchsorted(uk, qk)
    known = pos < uk.size
    known[known] = uk[pos[known]] == qk[known]
    base = pos.astype(np.int64) << 32
    at = np.searchsorted(codes, base | qr)
    present = known & (codes[np.minimum(at, max(codes.size - 1, 0))] == (base | qr)) if codes.size else np.zeros(qk.size, bool)
    below = np.where(known, at - np.searchsorted(codes, base), 0)  # entries under the key with smaller rows
    deleted = np.repeat(rows - 1 - live_below + ctx.store.row_gaps(), shape[1])
    unexplained = ~present & (ctx.max_bucket - below > deleted)
    return present.reshape(shape), unexplained.reshape(shape)


def verify(ctx: Context) -> list[str]:
    """The problems of the index file, empty when consistent (see :meth:`dedup.index.Index.verify`)."""
    store = ctx.store
    problems = store.check()
    if problems:
        return problems
    tally = Tally()
    with store.read():
        follow_scheme(ctx)
        for got in store.iter_docs(5_000):
            texts = _texts(store, got, tally)
            if got.sigs.shape[1] != ctx.stored_width:
                return [f"stored signatures have {got.sigs.shape[1]} values, expected {ctx.stored_width}"]
            _check_banded(ctx, got, tally)
            _check_wordless(ctx, got, texts, tally)
            tally.seen += len(got.ids)
        total = store.count_band_rows()
        orphans = store.orphan_texts()
        capped = store.full_buckets(ctx.max_bucket)
    if tally.groups:
        problems += _blind(ctx, tally, capped)
    if tally.damaged:
        problems.append(f"{len(tally.damaged)} stored texts are damaged, documents (internal rows) {tally.damaged[:10]}")
    if orphans:
        problems.append(f"{orphans} stored texts belong to no stored document")
    if tally.missing:
        problems.append(f"{len(tally.missing)} band entries missing, documents (internal rows) {sorted(set(tally.missing))[:10]}")
    if total != tally.found:
        problems.append(f"band table has {total} entries, stored documents account for {tally.found}")
    return problems


def _texts(store: Store, got: Fetched, tally: Tally) -> dict[int, str]:
    """The stored texts of the documents ``got``, by row; the rows of damaged ones into ``tally.damaged``."""
    try:
        return store.texts(got.rows)
    except IndexFileError:  # name every damaged one
        texts: dict[int, str] = {}
        for row in got.rows.tolist():
            try:
                texts.update(store.texts(np.array([row])))
            except IndexFileError:
                tally.damaged.append(row)
        return texts


def _check_banded(ctx: Context, got: Fetched, tally: Tally) -> None:
    """The documents of ``got`` with shingles: filed under their band keys and exact key (none in a v1 file)."""
    live = np.flatnonzero(got.sizes > 0)
    sigs = ctx.split_stored(got.sigs)[0][live]
    keys = band_keys(ctx.lsh, sigs, ctx.levels)
    ek = exact_keys(ctx.salt if ctx.salt is not None else bytes(SALT_BYTES), sigs, got.sizes[live])  # v1: to group only
    if ctx.salt is not None:
        keys = np.concatenate((keys, ek[:, None]), axis=1)
    hk, hr = ctx.store.lookup(keys.ravel())
    present, unexplained = filed(ctx, keys, got.rows[live], hk, hr, tally.seen + live)
    tally.found += int(present.sum())
    tally.missing.extend(np.repeat(got.rows[live], unexplained.sum(axis=1)).tolist())  # one per entry
    nb = ctx.band_columns
    tally.groups.append(ek)
    tally.banded.append(np.asarray(present[:, :nb].any(axis=1)))
    tally.exactly.append(present[:, nb] if ctx.salt is not None else np.zeros(live.size, bool))
    tally.group_rows.append(got.rows[live])


def _check_wordless(ctx: Context, got: Fetched, texts: dict[int, str], tally: Tally) -> None:
    """The documents of ``got`` without shingles: filed under the wordless key of the stored text (none without one)."""
    zero = np.array([i for i in np.flatnonzero(got.sizes == 0).tolist() if int(got.rows[i]) in texts], dtype=np.int64)
    if zero.size:
        wk = np.array([[wordless_key(texts[int(got.rows[i])])] for i in zero.tolist()], dtype=np.int64)
        hk, hr = ctx.store.lookup(wk.ravel())
        present, unexplained = filed(ctx, wk, got.rows[zero], hk, hr, tally.seen + zero)
        tally.found += int(present.sum())
        tally.missing.extend(got.rows[zero][unexplained[:, 0]].tolist())


def _blind(ctx: Context, tally: Tally, capped: int) -> list[str]:
    """The report of documents no document with their exact key is filed under a band key for (none or one line)."""
    ek, bd, ex, gr = (np.concatenate(a) for a in (tally.groups, tally.banded, tally.exactly, tally.group_rows))
    blind = ~np.isin(ek, ek[bd])  # no document with this exact key is filed under a band key
    if not blind.any():
        return []
    texts, by_copies = np.unique(ek[blind]).size, np.unique(ek[blind & ex]).size
    n = int(blind.sum())
    return [
        f"{n} document{'s' if n != 1 else ''} ({texts} distinct text{'s' if texts != 1 else ''}) "
        "filed under none of their LSH band keys: "
        f"their buckets were full (max_bucket={ctx.max_bucket}) when they were added (boilerplate, deletions "
        "from hot buckets, or documents crafted to fill them: an attack), so their near-duplicates do not "
        f"find them; exact copies do for {by_copies} of the {texts} (by the exact key); {capped} keys are "
        f"capped now; not damage. Documents (internal rows) {sorted(gr[blind].tolist())[:10]}"
    ]
