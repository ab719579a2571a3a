"""The key scheme of an open file: following another connection's upgrade, upgrading a file of key scheme v1
(band keys only) to exact keys at its first insert, and write transactions that undo the upgrade on rollback."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

import numpy as np

from ..store.base import IndexFileError
from .context import Context
from .keys import KEY_SCHEME, SALT_BYTES, exact_keys, salt_of


def follow_scheme(ctx: Context) -> None:
    """Inside a transaction, on a file of key scheme v1: take its salt if another connection has upgraded it."""
    if ctx.salt is None:
        config = ctx.store.read_config()
        if config is None:
            raise IndexFileError(f"{ctx.store.path}: the file holds no index configuration, not an index")
        ctx.salt = salt_of(ctx.store.path, config)


def upgrade_keys(ctx: Context) -> None:
    """Inside a write transaction, about to insert into a file of key scheme v1: file every stored document
    with shingles under its exact key (computed from its stored signature, in row order and, as the oldest
    documents' history is not known, under the bucket cap) with a new secret salt, and record
    :data:`KEY_SCHEME`. Later documents are then filed and looked up under exact keys too."""
    follow_scheme(ctx)
    if ctx.salt is not None:
        return
    store = ctx.store
    config = store.read_config() or {}
    salt = secrets.token_bytes(SALT_BYTES)
    keys, rows = [], []
    for got in store.iter_docs(5_000):
        live = got.sizes > 0
        if live.any():
            keys.append(exact_keys(salt, ctx.split_stored(got.sigs)[0][live], got.sizes[live]))
            rows.append(got.rows[live])
    if keys:
        k, r = np.concatenate(keys), np.concatenate(rows)
        order = np.lexsort((r, k))  # by key, then row
        k, r = k[order], r[order]
        rank = np.arange(k.size) - np.searchsorted(k, k, "left")
        store.add_entries(k[rank < ctx.max_bucket], r[rank < ctx.max_bucket])
    store.write_config({**config, "key_scheme": KEY_SCHEME, "exact_key_salt": salt.hex()})
    ctx.salt = salt


@contextlib.contextmanager
def writing(ctx: Context) -> Iterator[None]:
    """A write transaction; when it rolls back, so does an upgrade of the key scheme made in it."""
    salt = ctx.salt
    try:
        with ctx.store.write():
            follow_scheme(ctx)
            yield
    except BaseException:
        ctx.salt = salt
        raise
