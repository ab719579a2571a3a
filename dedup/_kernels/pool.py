"""How many threads the batch kernels run on (per calling thread), and the arrays they take."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["contiguous", "get_num_threads", "set_num_threads", "threads"]

_local = threading.local()


def get_num_threads() -> int:
    """Threads the batch kernels use in this thread of the caller (0: one per core)."""
    return getattr(_local, "threads", 0)


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (0: one per core) for the batch kernels called from this thread."""
    _local.threads = max(0, int(n))


@contextlib.contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Run the block's kernels on ``n`` threads (``None``: leave the setting as it is)."""
    if n is None:
        yield
        return
    before = get_num_threads()
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(before)


def contiguous(a: ArrayLike, dtype: type) -> np.ndarray:
    """``a`` as a C-contiguous array of ``dtype`` (the layout every kernel takes), copied only if needed."""
    return np.ascontiguousarray(a, dtype=dtype)
