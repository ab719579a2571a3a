"""The prepared texts an engine keeps to verify pairs, compressed in the compiled core.

Every added document's prepared text is kept, because any pair that passes the thresholds may
need its texts aligned (:mod:`dedup.align`); only a few are read again. They are the largest
part of a large run's memory: :class:`StoredTexts` keeps them in the compiled core, past the
first :data:`PLAIN_CHARS` characters compressed (Zstandard level 1: news text takes about 0.54
of its size), each decompressed when read. Pairs are aligned straight from the store
(:meth:`StoredTexts.template_fills`), without making strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from . import _core, _kernels
from .align import template_fill_many, template_fill_stored

__all__ = ["PLAIN_CHARS", "StoredTexts"]


PLAIN_CHARS = 1 << 28
"""Characters of text kept as they are before :class:`StoredTexts` compresses what follows (256 Mi: about
65,000 news articles). Compressing costs time (about a tenth of a default run); below this much text, memory is
not what limits a run."""


class StoredTexts(Sequence[str]):
    """An append-only sequence of texts; ``texts[i]`` gives text ``i`` back as given. The first
    ``plain_chars`` characters are kept as they are, the texts after them compressed."""

    def __init__(self, plain_chars: int = PLAIN_CHARS) -> None:
        self._store = _core.TextStore()
        self._odd: dict[int, str] = {}  # texts without UTF-8 (a lone surrogate), kept as they are
        self._plain_chars = plain_chars
        self._chars = 0

    def extend(self, texts: Sequence[str]) -> None:
        """Append ``texts`` (compressed on the core's threads once past the plain share)."""
        base = len(self._store)
        texts = list(texts)
        compress = self._chars >= self._plain_chars
        self._chars += sum(map(len, texts))
        for k in self._store.extend(texts, compress, _kernels.get_num_threads()):
            self._odd[base + k] = texts[k]

    def __len__(self) -> int:
        return len(self._store)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        k = i + len(self) if isinstance(i, int) and i < 0 else i
        odd = self._odd.get(k)
        return odd if odd is not None else self._store[i]

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]

    @property
    def nbytes(self) -> int:
        """Bytes held for the texts (compressed)."""
        return int(self._store.nbytes) + sum(len(t) for t in self._odd.values())

    def template_fills(self, left: np.ndarray, right: np.ndarray, n_jobs: int | None = 1) -> np.ndarray:
        """:func:`dedup.align.template_fill_many` of texts ``left[m]`` and ``right[m]``, read from the store."""
        left = np.asarray(left, dtype=np.int64).ravel()
        right = np.asarray(right, dtype=np.int64).ravel()
        if self._odd and any(int(r) in self._odd for r in np.concatenate((left, right)).tolist()):
            return template_fill_many([self[int(i)] for i in left], [self[int(j)] for j in right], n_jobs)
        return template_fill_stored(self._store, left, right, n_jobs)
