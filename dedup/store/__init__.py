"""Storage backends of :class:`dedup.Index` (see :class:`~dedup.store.base.Store`)."""

from .base import (
    DuplicateIdError,
    Fetched,
    IndexClosedError,
    IndexFileError,
    IndexLockedError,
    IndexThreadError,
    ParamsMismatchError,
    Store,
)
from .sqlite import SQLiteStore

__all__ = [
    "DuplicateIdError",
    "Fetched",
    "IndexClosedError",
    "IndexFileError",
    "IndexLockedError",
    "IndexThreadError",
    "ParamsMismatchError",
    "SQLiteStore",
    "Store",
]
