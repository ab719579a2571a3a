"""The band map's directory: sorted int64 keys found by their top bits (:mod:`dedup.store.bandmap`)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from .pool import contiguous

__all__ = ["directory_bits", "drop_rows", "expand_ranges", "find_keys", "find_ranges", "key_directory", "merge_into"]


def directory_bits(n: int) -> int:
    """Bits of a :func:`key_directory` over ``n`` keys: 4-8 keys per slot."""
    return int(_core.directory_bits(int(n)))


def key_directory(keys: ArrayLike, n: int, bits: int) -> np.ndarray:
    """``out[p]`` = first position of ``keys[:n]`` (sorted) whose top ``bits`` bits are >= ``p``, for ``p`` in ``0..2**bits``."""
    return _core.key_directory(contiguous(keys, np.int64), int(n), int(bits))


def find_keys(keys: ArrayLike, directory: ArrayLike, bits: int, queries: ArrayLike, lo: np.ndarray, cnt: np.ndarray) -> None:
    """For each query: where its equal keys start in sorted ``keys`` (``lo``) and how many there are (``cnt``)."""
    _core.find_keys(contiguous(keys, np.int64), contiguous(directory, np.int64), int(bits), contiguous(queries, np.int64), lo, cnt)


def merge_into(keys: np.ndarray, docs: np.ndarray, n: int, add_keys: ArrayLike, add_docs: ArrayLike) -> None:
    """Merge sorted ``add_*`` into sorted ``keys[:n]``/``docs[:n]`` in place (the arrays have room)."""
    _core.merge_into(keys, docs, int(n), contiguous(add_keys, np.int64), contiguous(add_docs, np.uint32))


def drop_rows(keys: np.ndarray, docs: np.ndarray, n: int, dead: ArrayLike) -> int:
    """Keep, in place and in order, the entries of ``keys[:n]``/``docs[:n]`` whose doc is not in sorted ``dead``;
    returns how many are kept."""
    return int(_core.drop_rows(keys, docs, int(n), contiguous(dead, np.int64)))


def find_ranges(sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``lo, cnt``: where each query's equal keys start in ``sorted_keys`` (hashes, int64) and how many."""
    sorted_keys = contiguous(sorted_keys, np.int64)
    bits = directory_bits(sorted_keys.size)
    lo = np.empty(np.size(queries), np.int64)
    cnt = np.empty(np.size(queries), np.int64)
    find_keys(sorted_keys, key_directory(sorted_keys, sorted_keys.size, bits), bits, queries, lo, cnt)
    return lo, cnt


def expand_ranges(lo: np.ndarray, cnt: np.ndarray) -> np.ndarray:
    """The positions ``lo[i], lo[i] + 1, ..., lo[i] + cnt[i] - 1`` of every range ``i``, concatenated."""
    total = int(cnt.sum())
    return np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
