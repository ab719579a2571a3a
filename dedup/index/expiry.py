"""Removing documents: one by id, or every document added before a time, in batches."""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np

from ..store.base import Fetched
from .context import Context
from .records import encode_id, positive_int, seconds


def remove(ctx: Context, doc_id: str | int) -> bool:
    """Delete the document ``doc_id``; returns whether it was stored."""
    enc = encode_id(doc_id)
    store = ctx.store
    with store.write():
        rows = store.rows_of([enc])
        if not rows:
            return False
        return delete(ctx, store.fetch(np.array(list(rows.values()), dtype=np.int64))) > 0


def delete(ctx: Context, got: Fetched) -> int:
    """Delete the fetched documents with their entries; returns how many."""
    # every document may be filed: under its band keys, or (without shingles) under its wordless key
    return ctx.store.delete(got.rows, filed=True)


def expire(ctx: Context, older_than: float | timedelta, batch_size: int) -> int:
    """Delete documents added more than ``older_than`` ago, ``batch_size`` per transaction; returns how many."""
    cutoff = time.time() - seconds(older_than)
    size = positive_int(batch_size, "batch_size")
    total = 0
    while True:
        store = ctx.store
        with store.write():
            got = store.added_before(cutoff, size)
            if got.ids:
                total += delete(ctx, got)
        if len(got.ids) < size:
            return total
