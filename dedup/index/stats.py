"""What :meth:`Index.stats` reports: the store's counts and sizes, the capped buckets, key scheme, parameters."""

from __future__ import annotations

from typing import Any

from ..params import INDEX_PARAMS
from .context import Context
from .keys import KEY_SCHEME, KEY_SCHEME_V1
from .scheme import follow_scheme


def stats(ctx: Context) -> dict[str, Any]:
    """Document count, time range, size on disk (and per million documents), parameters, LSH shape."""
    store = ctx.store
    with store.read():
        follow_scheme(ctx)
        out = {"path": store.path, **store.stats(), "capped_buckets": store.full_buckets(ctx.max_bucket)}
    out["key_scheme"] = KEY_SCHEME if ctx.salt is not None else KEY_SCHEME_V1
    n = out["documents"]
    out["bytes_per_million_documents"] = round(out["bytes_on_disk"] / n * 1e6) if n else None
    out["params"] = {**{k: getattr(ctx.params, k) for k in INDEX_PARAMS}, "max_bucket": ctx.max_bucket}
    out["bands"], out["rows"] = ctx.lsh.bands, ctx.lsh.rows
    return out
