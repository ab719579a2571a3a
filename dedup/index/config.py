"""An index's configuration: the options of :meth:`Index.open` checked, a new file's configuration drawn, and a
stored one read back and checked against the parameters given."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from ..deduplicator import Params
from ..errors import ConfigError
from ..lsh import MAX_BUCKET as lsh_max_bucket
from ..lsh import containment_levels, level_columns, optimal_bands
from ..params import INDEX_PARAMS
from ..store.base import IndexFileError, ParamsMismatchError, Store
from .keys import KEY_SCHEME, MAX_BANDS, SALT_BYTES, Levels, salt_of
from .records import positive_int

#: Parameters added after the first index format, with the value that reproduces an index written
#: without them: a stored configuration lacking one gets this value, not today's default. For
#: ``verify_text`` that is also the only consistent choice: such a file holds no texts, so turning the
#: alignment on would apply it to the pairs of documents added from now on only, and the same text would
#: be admitted or dropped depending on when its near-duplicate was stored. An old index keeps deciding
#: as it did (and stores no texts); build a new one to get the alignment.
ADDED_PARAMS: dict[str, Any] = {"number_agreement": 0.0, "verify_text": False}

#: Default cap on documents per band key (see :meth:`Index.open`, ``max_bucket``): the hubs of the bucket rule of
#: every engine (:data:`dedup.lsh.MAX_BUCKET`).
MAX_BUCKET = lsh_max_bucket


@dataclass(frozen=True)
class Config:
    """A stored configuration, checked: the matching parameters, LSH shape, levels, bucket cap and salt."""

    params: dict[str, Any]
    bands: int
    rows: int
    levels: Levels
    max_bucket: int
    salt: bytes | None  # of the exact keys; None: the file is of key scheme v1 (no exact keys yet)


def check_options(params: dict[str, Any], batch_size: Any, timeout: Any, max_bucket: Any, cache_signatures: Any) -> Params:
    """The options of :meth:`Index.open` checked (:class:`ConfigError`); returns the given parameters as ``Params``."""
    unknown = set(params) - set(INDEX_PARAMS)
    if unknown:
        hint = " (min_link_fraction only affects clustering)" if "min_link_fraction" in unknown else ""
        raise ConfigError(f"unknown index parameter(s): {', '.join(sorted(unknown))}{hint}; known: {', '.join(INDEX_PARAMS)}")
    positive_int(batch_size, "batch_size")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout >= 0:
        raise ConfigError(f"timeout must be a non-negative number of seconds, got {timeout!r}")
    if max_bucket is not None:
        positive_int(max_bucket, "max_bucket")
    if not isinstance(cache_signatures, bool):
        raise ConfigError(f"cache_signatures must be True or False, got {cache_signatures!r}")
    return Params(**params)  # validates the given values


def new_config(requested: Params, max_bucket: int | None) -> dict[str, Any]:
    """The configuration of a new index: the parameters, LSH shape, key scheme with a fresh secret salt, levels."""
    bands, rows = optimal_bands(requested.lsh_threshold, requested.num_perm)
    return {
        "params": {k: getattr(requested, k) for k in INDEX_PARAMS},
        "bands": bands,
        "rows": rows,
        "key_scheme": KEY_SCHEME,
        "exact_key_salt": secrets.token_bytes(SALT_BYTES).hex(),
        "max_bucket": max_bucket or MAX_BUCKET,
        "containment_levels": [list(lv) for lv in containment_levels(requested.containment_threshold, requested.num_perm)],
    }


def read_config(store: Store, requested: Params, given: dict[str, Any], create: bool, max_bucket: int | None) -> Config:
    """The configuration of the file ``store`` opened (written first when it is new and ``create``), checked."""
    config = store.read_config()
    if config is None and not create:
        raise IndexFileError(f"{store.path}: the file holds no index configuration, not an index")
    if config is None:
        config = store.initialize(new_config(requested, max_bucket))
    stored, bands, rows = check_config(store.path, config, given)
    levels = levels_of(store.path, config, stored)
    salt = salt_of(store.path, config)
    cap = config.get("max_bucket")
    if not isinstance(cap, int) or cap < 1:
        raise IndexFileError(f"{store.path}: stored max_bucket {cap!r} is invalid")
    if max_bucket is not None and max_bucket != cap:
        raise ParamsMismatchError(f"{store.path}: index was built with max_bucket={cap}, given {max_bucket}")
    return Config(stored, bands, rows, levels, cap, salt)


def levels_of(path: str, config: dict[str, Any], stored: dict[str, Any]) -> Levels:
    """The stored length-ratio levels (:func:`dedup.lsh.containment_levels`); none in an index written
    before them, which keeps finding candidates by its Jaccard bands alone, as when it was built."""
    raw = config.get("containment_levels", [])
    try:
        levels = tuple((float(lo), float(hi), int(b), int(r)) for lo, hi, b, r in raw)
    except (TypeError, ValueError):
        raise IndexFileError(f"{path}: stored containment_levels {raw!r} are invalid") from None
    if any(not (0 <= lo < hi and b >= 1 and r >= 1 and b * r <= stored["num_perm"]) for lo, hi, b, r in levels):
        raise IndexFileError(f"{path}: stored containment_levels {raw!r} are invalid")
    if len(level_columns(levels)) + config["bands"] > MAX_BANDS:
        raise IndexFileError(f"{path}: stored containment_levels {raw!r} have too many bands")
    return levels


def check_config(path: str, config: dict[str, Any], given: dict[str, Any]) -> tuple[dict[str, Any], int, int]:
    """The stored parameters (completed with :data:`ADDED_PARAMS`) and LSH ``bands, rows``, checked, and
    checked against the ``given`` parameters (:class:`ParamsMismatchError`)."""
    stored = config.get("params")
    if isinstance(stored, dict):
        stored = {**ADDED_PARAMS, **stored}
    if not isinstance(stored, dict) or set(stored) != set(INDEX_PARAMS):
        raise IndexFileError(f"{path}: index parameters are missing or incomplete (damaged, or written by another dedup version)")
    salt_of(path, config)  # a known key scheme, with its salt
    try:
        Params(**stored)
    except ConfigError as exc:
        raise IndexFileError(f"{path}: stored parameters are invalid: {exc}") from None
    bands, rows = config.get("bands"), config.get("rows")
    if not (isinstance(bands, int) and isinstance(rows, int) and 1 <= bands <= MAX_BANDS and bands * rows <= stored["num_perm"]):
        raise IndexFileError(f"{path}: stored LSH bands/rows {bands!r}/{rows!r} are invalid")
    differ = [f"{k}: index has {stored[k]!r}, given {v!r}" for k, v in given.items() if stored[k] != v]
    if differ:
        raise ParamsMismatchError(
            f"{path}: index was built with other parameters ({'; '.join(differ)}); "
            "open it without them to use the stored ones, or build a new index"
        )
    return stored, bands, rows
