"""Shingle hashes and MinHash signatures (the hash definitions are in the package docstring), and the
numbers a text states (their sketches and agreement, :mod:`dedup.numbers`)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from .pool import contiguous, get_num_threads

__all__ = ["minhash_hv32_into", "number_agreement", "number_sketch_batch", "number_sketch_texts", "shingle_one", "sign_batch",
           "sign_hashes_batch", "sign_texts"]


def sign_batch(cps: ArrayLike, offsets: ArrayLike, kind: int, n: int, fold: bool, a: ArrayLike, b: ArrayLike, sigs: np.ndarray,
               sizes: np.ndarray) -> None:
    """Signatures (into ``sigs``) and distinct-shingle counts (into ``sizes``) of every document of a batch."""
    _core.sign_batch(contiguous(cps, np.uint32), contiguous(offsets, np.int64), int(kind), int(n), bool(fold), contiguous(a, np.uint32),
                     contiguous(b, np.uint32), sigs, sizes, get_num_threads())


def sign_texts(texts: Iterable[str], kind: int, n: int, fold: bool, a: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Signatures ``uint32 (len(texts), len(a))`` and distinct-shingle counts of a list of ``str``
    (read in place: no UTF-32 copy of the batch)."""
    return _core.sign_texts(list(texts), int(kind), int(n), bool(fold), contiguous(a, np.uint32), contiguous(b, np.uint32), get_num_threads())


def number_sketch_texts(texts: Iterable[str], k: int) -> np.ndarray:
    """:func:`number_sketch_batch` rows (``k + 1`` values) for a list of ``str``."""
    return _core.number_sketch_texts(list(texts), int(k), get_num_threads())


def shingle_one(cps: ArrayLike, kind: int, n: int) -> np.ndarray:
    """All shingle hashes (with repeats) of one document."""
    return _core.shingle_one(contiguous(cps, np.uint32), int(kind), int(n))


def exact_containment(texts: list[str], pairs: ArrayLike, kind: int, n: int, fold: bool) -> np.ndarray:
    """Per pair ``(i, j)`` of ``texts`` (a list of ``str``): ``|A & B| / min(|A|, |B|)`` of their shingle sets."""
    return _core.exact_containment(list(texts), contiguous(np.asarray(pairs).reshape(-1, 2), np.int64), int(kind), int(n), bool(fold),
                                   get_num_threads())


def sign_hashes_batch(hashes: ArrayLike, offsets: ArrayLike, a: ArrayLike, b: ArrayLike, sigs: np.ndarray) -> None:
    """Signatures from precomputed 64-bit shingle hashes (CSR layout)."""
    _core.sign_hashes_batch(contiguous(hashes, np.uint64), contiguous(offsets, np.int64), contiguous(a, np.uint32), contiguous(b, np.uint32), sigs,
                            get_num_threads())


def minhash_hv32_into(hv32: ArrayLike, a: ArrayLike, b: ArrayLike, sig: np.ndarray) -> None:
    """Fold 32-bit hash values (e.g. datasketch's sha1_hash32) into ``sig``."""
    _core.minhash_hv32_into(contiguous(hv32, np.uint32), contiguous(a, np.uint32), contiguous(b, np.uint32), sig)


def number_sketch_batch(cps: ArrayLike, offsets: ArrayLike, out: np.ndarray) -> None:
    """Per document (row of ``out``): how many distinct numbers it states, then the smallest of their hashes.

    A number is ``[0-9]+([.,/][0-9]+)*``; its hash is the low 32 bits of ``fmix64`` of the
    FNV-1a of its code points. ``out[d, 0]`` gets the number of distinct hashes, ``out[d, 1:]``
    the smallest of them in increasing order, padded with ``0xFFFFFFFF`` (bottom-k).
    """
    _core.number_sketch_batch(contiguous(cps, np.uint32), contiguous(offsets, np.int64), out, get_num_threads())


def number_agreement(nums_a: ArrayLike, nums_b: ArrayLike, pairs: ArrayLike, shared: np.ndarray, seen: np.ndarray) -> None:
    """Per pair ``(i, j)`` of sketch rows: ``seen`` numbers of the text stating fewer were compared,
    ``shared`` of them the other states too (order-independent)."""
    _core.number_agreement(contiguous(nums_a, np.uint32), contiguous(nums_b, np.uint32), contiguous(pairs, np.int64).reshape(-1, 2), shared, seen)
