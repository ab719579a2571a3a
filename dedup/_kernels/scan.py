"""The normalizer's scan: what a text holds that the expensive normalization steps must look at."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import _core
from .pool import contiguous

__all__ = ["FLAG_DAMAGE", "FLAG_INVISIBLE", "FLAG_NONASCII", "text_flags"]

FLAG_NONASCII: int = _core.FLAG_NONASCII
FLAG_DAMAGE: int = _core.FLAG_DAMAGE  # mojibake pair, C1 control, U+FFFD or an HTML entity
FLAG_INVISIBLE: int = _core.FLAG_INVISIBLE  # zero-width, soft hyphen, bidi controls


def text_flags(cps: ArrayLike) -> int:
    """Bit mask of ``FLAG_*`` for one text: what the normalizer's expensive steps must look at."""
    return _core.text_flags(contiguous(cps, np.uint32))
