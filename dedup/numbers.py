"""The numbers a text states, to tell reprints from reports written from one template.

Wire services publish many short reports from one template -- dividends, bond
issues, money-market operations, crop estimates -- that share their wording and
differ in their figures. Shingles see two of them as near-duplicates (Jaccard
0.4-0.6). A reprint states the figures of its original (up to OCR damage); a
report from the same template states other ones. So a candidate pair is not a
match when fewer than ``min_agreement`` of the numbers of the text stating fewer
also appear in the other, judged on at least :data:`MIN_NUMBERS` of its numbers --
unless the wording is so close (estimated Jaccard at least :data:`MAX_JACCARD`)
that the figures more likely differ by OCR errors or an updated count. The rule
only removes matches; it never adds one.

A number is ``[0-9]+([.,/][0-9]+)*`` in the text handed to the shingler. A text's
numbers are kept as their count and a bottom-k sketch of their 32-bit hashes (the
:data:`SKETCH_SIZE` smallest, 132 bytes in all). When both texts state at most that
many distinct numbers the agreement is exact; otherwise it is measured on the
smaller text's numbers whose hashes fall at or below the k-th hash of the truncated
sketches (where both sketches are complete), a uniform sample of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _kernels
from .errors import InputError

__all__ = ["SKETCH_SIZE", "MIN_NUMBERS", "MAX_JACCARD", "empty", "none", "number_sketches", "agreement", "disagree"]

#: Hashes kept per text.
SKETCH_SIZE = 32
#: Fewer distinct numbers than this in either text: the figures say nothing.
MIN_NUMBERS = 4
#: Estimated Jaccard at or above which disagreeing figures do not veto a match.
MAX_JACCARD = 0.6

_BATCH = 4096
_PAIR_CHUNK = 1 << 20
_WIDTH = 1 + SKETCH_SIZE


def none(n: int = 0) -> np.ndarray:
    """No sketches (width 0) for ``n`` texts: what an engine keeps when the rule is off."""
    return np.zeros((n, 0), dtype=np.uint32)


def empty(n: int = 0) -> np.ndarray:
    """Sketches of ``n`` texts stating no number."""
    out = np.full((n, _WIDTH), 0xFFFFFFFF, dtype=np.uint32)
    out[:, 0] = 0
    return out


def number_sketches(texts: Sequence[str]) -> np.ndarray:
    """``uint32 (n, 1 + SKETCH_SIZE)``: per text, the count of its distinct numbers, then the
    smallest of their hashes in increasing order (padded with ``0xFFFFFFFF``)."""
    out = empty(len(texts))
    for lo in range(0, len(texts), _BATCH):
        out[lo : lo + _BATCH] = _kernels.number_sketch_texts(texts[lo : lo + _BATCH], SKETCH_SIZE)
    return out


def _checked(nums: np.ndarray, name: str) -> np.ndarray:
    nums = np.asarray(nums)
    if nums.ndim != 2 or nums.shape[1] != _WIDTH or nums.dtype != np.uint32:
        raise InputError(f"{name} must be a uint32 array of shape (n, {_WIDTH}) from number_sketches, got {nums.dtype} {nums.shape}")
    return nums


def _counts(nums_a: np.ndarray, nums_b: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kernel counts for checked sketches (:func:`_checked`); pair indices are checked here."""
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    for col, nums, name in ((0, nums_a, "nums_a"), (1, nums_b, "nums_b")):
        if len(pairs) and (pairs[:, col].min() < 0 or pairs[:, col].max() >= len(nums)):
            raise InputError(f"pairs column {col} must index rows of {name} (0..{len(nums) - 1})")
    shared = np.zeros(len(pairs), dtype=np.int64)
    seen = np.zeros(len(pairs), dtype=np.int64)
    _kernels.number_agreement(nums_a, nums_b, pairs, shared, seen)
    return pairs, shared, seen


def agreement(nums_a: np.ndarray, nums_b: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Per pair ``(i, j)``: the fraction of the numbers of the text stating fewer (of
    ``nums_a[i]`` and ``nums_b[j]``) that the other states too, exact or estimated (see
    the module docstring); 1.0 when no number of it was compared."""
    _, shared, seen = _counts(_checked(nums_a, "nums_a"), _checked(nums_b, "nums_b"), pairs)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(seen > 0, shared / np.maximum(seen, 1), 1.0)


def disagree(nums_a: np.ndarray, nums_b: np.ndarray, pairs: np.ndarray, jaccard: np.ndarray, min_agreement: float) -> np.ndarray:
    """True for the pairs whose figures rule out a match (see the module docstring).

    ``jaccard`` is the pairs' estimated Jaccard; ``min_agreement`` 0 turns the rule off.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(pairs), dtype=bool)
    if min_agreement <= 0 or not len(pairs):
        return out
    nums_a, nums_b = _checked(nums_a, "nums_a"), _checked(nums_b, "nums_b")
    jaccard = np.asarray(jaccard)
    for lo in range(0, len(pairs), _PAIR_CHUNK):  # bounded temporaries for millions of pairs
        part = pairs[lo : lo + _PAIR_CHUNK]
        few = np.minimum(nums_a[part[:, 0], 0], nums_b[part[:, 1], 0])
        sel = np.flatnonzero((few >= MIN_NUMBERS) & (jaccard[lo : lo + _PAIR_CHUNK] < MAX_JACCARD))
        if sel.size:
            _, shared, seen = _counts(nums_a, nums_b, part[sel])
            out[lo + sel] = (seen >= MIN_NUMBERS) & (shared < min_agreement * seen)
    return out
