"""The numbers a text states, to tell reprints from reports written from one template.

Wire services publish many short reports from one template -- dividends, bond
issues, money-market operations, crop estimates -- that share their wording and
differ in their figures. Shingles see two of them as near-duplicates (Jaccard
0.4-0.6). A reprint states the figures of its original (up to OCR damage); a
report from the same template states other ones. So a candidate pair is not a
match when both texts state at least :data:`MIN_NUMBERS` distinct numbers and
fewer than ``min_agreement`` of the numbers of the text stating fewer also appear
in the other -- unless their wording is so close (estimated Jaccard at least
:data:`MAX_JACCARD`) that the figures more likely differ by OCR errors or an
updated count. The rule only removes matches; it never adds one.

A number is ``[0-9]+([.,/][0-9]+)*`` in the text handed to the shingler. A text's
numbers are kept as their count and a bottom-k sketch of their 32-bit hashes
(the :data:`SKETCH_SIZE` smallest), so the agreement is exact for texts stating
up to that many distinct numbers and estimated above (tables).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _kernels
from .shingle import encode_batch

__all__ = ["SKETCH_SIZE", "MIN_NUMBERS", "MAX_JACCARD", "empty", "number_sketches", "agreement", "disagree"]

#: Hashes kept per text.
SKETCH_SIZE = 32
#: Fewer distinct numbers than this in either text: the figures say nothing.
MIN_NUMBERS = 4
#: Estimated Jaccard at or above which disagreeing figures do not veto a match.
MAX_JACCARD = 0.6

_BATCH = 4096


def empty(n: int = 0) -> np.ndarray:
    """Sketches of ``n`` texts stating no number."""
    out = np.full((n, 1 + SKETCH_SIZE), 0xFFFFFFFF, dtype=np.uint32)
    out[:, 0] = 0
    return out


def number_sketches(texts: Sequence[str]) -> np.ndarray:
    """``uint32 (n, 1 + SKETCH_SIZE)``: per text, the count of its distinct numbers, then the
    smallest of their hashes in increasing order (padded with ``0xFFFFFFFF``)."""
    out = empty(len(texts))
    for lo in range(0, len(texts), _BATCH):
        cps, offsets = encode_batch(texts[lo : lo + _BATCH])
        _kernels.number_sketch_batch(cps, offsets, out[lo : lo + _BATCH])
    return out


def agreement(nums_a: np.ndarray, nums_b: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Per pair ``(i, j)``: the fraction of the numbers of the text stating fewer (of
    ``nums_a[i]`` and ``nums_b[j]``) that the other states too; 1.0 if it states none."""
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    return _kernels.number_agreement(nums_a, nums_b, pairs)


def disagree(nums_a: np.ndarray, nums_b: np.ndarray, pairs: np.ndarray, jaccard: np.ndarray, min_agreement: float) -> np.ndarray:
    """True for the pairs whose figures rule out a match (see the module docstring).

    ``min_agreement`` 0 turns the rule off.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    out = np.zeros(len(pairs), dtype=bool)
    if min_agreement <= 0 or not len(pairs):
        return out
    few = np.minimum(nums_a[pairs[:, 0], 0], nums_b[pairs[:, 1], 0])
    sel = np.flatnonzero((few >= MIN_NUMBERS) & (np.asarray(jaccard) < MAX_JACCARD))
    if sel.size:
        out[sel] = agreement(nums_a, nums_b, pairs[sel]) < min_agreement
    return out
