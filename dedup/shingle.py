"""Shingling: turn a document into the set of its overlapping n-grams.

Two shingle kinds:

* ``"char"``: character n-grams over the document's words joined by single
  spaces. Robust to OCR errors: one wrong letter spoils ``n`` shingles, not the
  ``n`` word n-grams around it. Works for scripts without spaces (CJK, Thai).
* ``"word"``: word n-grams. Cheaper and more selective on clean text.

A word is a maximal run of ``\\w`` characters in the Unicode-aware ``regex``
module. Hashes are stable 64-bit values computed from code points (see
:mod:`dedup._kernels`), never Python's salted ``hash()``, so they are identical
across processes, runs and machines.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from . import _kernels
from ._lazy import LazyPattern
from .errors import ConfigError, InputError

__all__ = ["Shingler"]

_WORD = LazyPattern(r"\w+")
_KINDS = {"char": 0, "word": 1}


@functools.lru_cache(maxsize=1)
def word_table() -> np.ndarray:
    """``table[c]`` is True when code point ``c`` is a word character (``regex`` ``\\w``)."""
    table = np.zeros(0x110000, dtype=np.bool_)
    step = 0x10000  # one plane at a time keeps the temporary string small
    for base in range(0, 0x110000, step):
        plane = "".join(map(chr, range(base, base + step)))
        for m in _WORD.finditer(plane):
            table[base + m.start() : base + m.end()] = True
    return table


def encode_batch(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of all ``texts`` in one uint32 array, with ``len + 1`` offsets."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    joined = "".join(texts)
    # surrogatepass keeps lone surrogates (legal in a Python str) instead of failing.
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cps, offsets


@dataclass(frozen=True)
class Shingler:
    """Split text into character or word n-grams and hash them.

    Parameters
    ----------
    kind : ``"char"`` or ``"word"``
    n : int
        Shingle length in characters or words (1..64).
    """

    kind: Literal["char", "word"] = "char"
    n: int = 5

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ConfigError(f"Shingler.kind must be 'char' or 'word', got {self.kind!r}")
        if isinstance(self.n, bool) or not isinstance(self.n, (int, np.integer)) or not 1 <= self.n <= 64:
            raise ConfigError(f"Shingler.n must be an integer in 1..64, got {self.n!r}")

    @property
    def kind_code(self) -> int:
        return _KINDS[self.kind]

    @staticmethod
    def words(text: str) -> list[str]:
        """The words of ``text`` in order."""
        return _WORD.findall(_check(text))

    def shingles(self, text: str) -> list[str]:
        """Distinct shingles of ``text`` as strings, in order of first occurrence.

        These are the strings whose stable hashes :meth:`hashes` returns; hash
        them with another function (e.g. datasketch's SHA-1) for interoperability.
        """
        words = self.words(text)
        if not words:
            return []
        if self.kind == "word":
            w = min(self.n, len(words))
            grams = (" ".join(words[i : i + w]) for i in range(len(words) - w + 1))
        else:
            s = " ".join(words)
            w = min(self.n, len(s))
            grams = (s[i : i + w] for i in range(len(s) - w + 1))
        return list(dict.fromkeys(grams))

    def containment(self, texts: Sequence[str], pairs: np.ndarray, fold_ascii: bool = False) -> np.ndarray:
        """Exact containment ``|A & B| / min(|A|, |B|)`` of the shingle sets of each pair ``(i, j)`` of
        ``texts`` (0 when one is empty), on the shingles signing makes (``fold_ascii``: ASCII capitals folded,
        as :meth:`dedup.minhash.MinHasher.sign_texts` folds them), in the compiled core."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        docs, at = np.unique(pairs, return_inverse=True)  # only the texts the pairs name cross to the core
        return _kernels.exact_containment([_check(texts[d]) for d in docs.tolist()], at.reshape(-1, 2), self.kind_code, int(self.n), fold_ascii)

    def hashes(self, text: str) -> np.ndarray:
        """Sorted distinct 64-bit hashes of the shingles of ``text``."""
        cps, _ = encode_batch([_check(text)])
        return np.unique(_kernels.shingle_one(cps, self.kind_code, int(self.n)))


def _check(text: object) -> str:
    if not isinstance(text, str):
        raise InputError(f"text must be str, got {type(text).__name__}")
    return text
