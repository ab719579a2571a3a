"""A batch of documents signed for the index: ids and metadata encoded, texts prepared and signed, band,
wordless and exact keys computed, texts to store compressed -- all outside any transaction (signing is the
CPU-heavy part)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from ..verify import PairTexts, pair_texts
from .context import Context
from .keys import band_keys, exact_keys, wordless_key
from .records import encode_id, encode_meta, split_record


class Signed:
    """A batch of signed documents.

    ``texts`` are the prepared texts (what was signed, what stage 2 aligns); ``packed`` their
    stored form (:meth:`Store.pack_texts`, compressed here too), or None when none are stored.
    """

    __slots__ = ("ids", "enc", "metas", "sigs", "sizes", "nums", "keys", "texts", "packed", "wkeys", "ekeys", "ekey_salt")

    def __init__(
        self, ids: list[Any], enc: list[str], metas: list[str | None], sigs: np.ndarray, sizes: np.ndarray, nums: np.ndarray, keys: np.ndarray,
        texts: list[str], packed: list[bytes | None] | None,
    ) -> None:
        self.ids, self.enc, self.metas, self.sigs, self.sizes, self.nums, self.keys = ids, enc, metas, sigs, sizes, nums, keys
        self.texts, self.packed = texts, packed
        #: per document, its :func:`wordless_key` when it has no shingles (0 otherwise)
        self.wkeys = np.array([wordless_key(t) if s == 0 else 0 for t, s in zip(texts, sizes.tolist())], dtype=np.int64)
        #: per document, its :func:`exact_keys` value with salt ``ekey_salt`` (see :meth:`exact_keys`)
        self.ekeys: np.ndarray | None = None
        self.ekey_salt: bytes | None = None

    def exact_keys(self, salt: bytes | None) -> np.ndarray | None:
        """The exact keys of the batch under ``salt`` (None without one: key scheme v1), computed once per salt."""
        if salt is None:
            return None
        if self.ekey_salt != salt:
            self.ekeys, self.ekey_salt = exact_keys(salt, self.sigs, self.sizes), salt
        return self.ekeys

    def subset(self, sel: np.ndarray) -> Signed:
        """The documents ``sel`` of the batch, as a batch of their own (exact keys computed again when needed)."""
        at = sel.tolist()
        return Signed(
            [self.ids[i] for i in at], [self.enc[i] for i in at], [self.metas[i] for i in at], self.sigs[sel], self.sizes[sel],
            self.nums[sel], self.keys[sel], [self.texts[i] for i in at], None if self.packed is None else [self.packed[i] for i in at],
        )

    def texts_of(self, pairs: np.ndarray) -> PairTexts:
        """The prepared texts of pairs ``pairs[idx]`` of documents of this batch (for :func:`dedup.index.rule.screen`)."""
        return pair_texts(self.texts, self.texts, pairs)


def sign_records(ctx: Context, chunk: list[Any], offset: int) -> Signed:
    """Records ``(id, text[, meta])`` or mappings, the first at position ``offset``, signed to be stored."""
    ids, texts, metas = [], [], []
    for k, rec in enumerate(chunk):
        i, t, m = split_record(rec, offset + k)
        ids.append(i)
        texts.append(t)
        metas.append(m)
    enc = [encode_id(i) for i in ids]
    menc = [encode_meta(m, i) for m, i in zip(metas, ids)]
    for i, t in zip(ids, texts):
        if not isinstance(t, str):
            raise InputError(f"text must be str, got {type(t).__name__}", doc_id=i)
    return _signed(ctx, ids, enc, menc, texts, store=True)


def sign_texts(ctx: Context, texts: Sequence[Any]) -> Signed:
    """Texts signed to be checked (nothing to store)."""
    for k, t in enumerate(texts):
        if not isinstance(t, str):
            raise InputError(f"text #{k} must be str, got {type(t).__name__}")
    n = len(texts)
    return _signed(ctx, [None] * n, [""] * n, [None] * n, texts, store=False)


def _signed(ctx: Context, ids: list[Any], enc: list[str], metas: list[str | None], texts: Sequence[str], store: bool) -> Signed:
    # Normalized over ``n_jobs`` processes (a large enough batch), signed on ``n_jobs`` threads;
    # the texts to store are compressed here too, before the write lock is taken.
    prepared = ctx.engine.prepare_many(texts)
    sigs, sizes, nums = ctx.engine.sign_prepared(prepared)
    packed = None
    if store:  # with verify_text every text is stored; without, those of documents without shingles
        keep = [ctx.params.verify_text or s == 0 for s in np.asarray(sizes).tolist()]
        packed = ctx.store.pack_texts([t if k else None for t, k in zip(prepared, keep)])
    batch = Signed(ids, enc, metas, sigs, np.asarray(sizes, dtype=np.int64), nums, band_keys(ctx.lsh, sigs, ctx.levels), prepared, packed)
    batch.exact_keys(ctx.salt)
    return batch
