"""Process-parallel ``map`` for the pure-Python stages (normalization).

Signing runs in compiled code on threads; normalization is Python (regex, ftfy)
and holds the GIL, so it is spread over worker processes instead. Workers are
forked once and reused; results come back in input order, so the output is
identical to a serial ``map``.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a batch is mapped in-process: shipping it costs more.
MIN_PARALLEL = 512

_pools: dict[int, ProcessPoolExecutor] = {}


def effective_jobs(n_jobs: int | None) -> int:
    """``n_jobs``, or the number of usable cores for ``None``."""
    if n_jobs is not None:
        return n_jobs
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _pool(workers: int) -> ProcessPoolExecutor:
    pool = _pools.get(workers)
    if pool is None:
        import multiprocessing  # imported here: most runs never start a pool
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool = _pools[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    return pool


def map_ordered(func: Callable[[T], R], items: Sequence[T], n_jobs: int | None) -> list[R]:
    """``[func(x) for x in items]``, spread over ``n_jobs`` processes when worthwhile."""
    return map_started(func, items, n_jobs)()


def map_started(func: Callable[[T], R], items: Sequence[T], n_jobs: int | None) -> Callable[[], list[R]]:
    """Start :func:`map_ordered` in the worker processes; call the result to wait for the list.

    Lets the caller work on the previous batch (signing, in compiled threads)
    while the workers normalize the next one. Serial maps run at the call.
    """
    workers = effective_jobs(n_jobs)
    if workers <= 1 or len(items) < MIN_PARALLEL:
        return lambda: [func(x) for x in items]
    chunk = max(16, len(items) // (workers * 4))
    results = _pool(workers).map(func, items, chunksize=chunk)  # tasks are submitted now
    return lambda: list(results)


@atexit.register
def _shutdown() -> None:
    for pool in _pools.values():
        pool.shutdown(wait=False, cancel_futures=True)
    _pools.clear()
