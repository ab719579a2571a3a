"""The matching rule: is a candidate pair one document? One implementation for every engine.

The local engine (:class:`~dedup.Deduplicator`), the persistent index
(:class:`~dedup.Index`) and the Spark engine all decide a pair here, in two stages:

1. **Screen** (signatures only, vectorized over millions of pairs):

   * estimated Jaccard ``J`` = the fraction of equal signature positions;
     estimated containment of the smaller set ``C = |A & B| / min(|A|, |B|)`` from
     ``|A & B| = J / (1 + J) * (|A| + |B|)`` (:func:`estimates`);
   * a threshold met: ``J >= threshold`` or ``C >= containment_threshold``;
   * the figures not disagreeing (:mod:`dedup.numbers`, when ``number_agreement > 0``), unless stage 2
     will judge the pair: then its alignment decides (damaged digits are not other figures).

2. **Confirm** (texts, on the pairs that passed only): the two prepared texts are
   aligned word by word (:func:`dedup.align.align`) and a pair whose differences
   are other facts filled into one template -- other figures, other names -- is
   not a match. Skipped when ``verify_text`` is off, when either text is unknown
   (``None``: an index row written before texts were stored), or for pairs too
   long to align.

A pair's **similarity** is ``max(J, C)``: the larger of the two estimates, one of
which met its threshold when the pair matched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import _kernels, numbers
from .align import Alignment, align, alignable, figures_agree_many, template_fill_many
from .errors import ConfigError
from .texts import StoredTexts

if TYPE_CHECKING:
    from .params import Params

__all__ = ["PairTexts", "Verifier", "estimates", "pair_texts", "similarity_between"]


def estimates(agree: np.ndarray | None, k: int, size_a: np.ndarray, size_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimated Jaccard and containment from ``agree`` equal positions of ``k``-value
    signatures and the two shingle-set sizes. ``agree`` None means no position was
    compared (similarity 0); a document without shingles (size 0) has similarity 0 to
    everything (exact copies of one are grouped by their text instead: ``duplicate_groups``).
    Also used with an upper bound of ``agree``: both estimates are monotone in it."""
    jac = agree / k if agree is not None else np.zeros(len(size_a), dtype=np.float64)
    sa = np.asarray(size_a).astype(np.float64)
    sb = np.asarray(size_b).astype(np.float64)
    small = np.minimum(sa, sb)
    with np.errstate(divide="ignore", invalid="ignore"):
        inter = jac / (1.0 + jac) * (sa + sb)
        cont = np.where(small > 0, np.minimum(inter / small, 1.0), 0.0)
    jac = np.where(small > 0, jac, 0.0)
    return jac, cont


def similarity_between(
    sigs_a: np.ndarray, sizes_a: np.ndarray, sigs_b: np.ndarray, sizes_b: np.ndarray, pairs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Estimated Jaccard and containment of pairs ``(i, j)``: row ``i`` of ``sigs_a`` against row ``j`` of ``sigs_b``."""
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    k = sigs_a.shape[1]
    if len(pairs) and k and sigs_b.shape[1] != k:
        raise ConfigError(f"signatures of {k} and {sigs_b.shape[1]} values cannot be compared (different num_perm)")
    if not (len(pairs) and k):
        return estimates(None, k, np.asarray(sizes_a)[pairs[:, 0]], np.asarray(sizes_b)[pairs[:, 1]])
    # One pass in the core, the float operations of estimates() (no copy of strided views: the index's signature
    # cache is one; no temporary arrays: on millions of pairs they cost more than the estimates).
    return _kernels.estimates_between(sigs_a, sigs_b, sizes_a, sizes_b, pairs)


PairTexts = Callable[[np.ndarray], tuple[list[str | None], list[str | None]]]
"""``texts(idx)``: the prepared texts of both sides of pairs ``idx`` (None where one is unknown)."""


def pair_texts(texts_a: Sequence[str | None], texts_b: Sequence[str | None], pairs: np.ndarray) -> PairTexts:
    """The :data:`PairTexts` of ``(m, 2)`` row pairs ``pairs``: ``texts_a`` of their first rows, ``texts_b`` of their second."""

    def texts(idx: np.ndarray) -> tuple[list[str | None], list[str | None]]:
        return [texts_a[i] for i in pairs[idx, 0].tolist()], [texts_b[j] for j in pairs[idx, 1].tolist()]

    return texts


@dataclass(frozen=True)
class Verifier:
    """The matching rule of one parameter set (see the module docstring).

    Build it with :meth:`from_params`; every engine holds one and calls
    :meth:`screen` then :meth:`confirm` (or :meth:`decide` for both).
    """

    threshold: float
    containment_threshold: float
    number_agreement: float
    verify_text: bool

    @classmethod
    def from_params(cls, params: Params) -> Verifier:
        """The rule of a :class:`~dedup.Params`."""
        return cls(float(params.threshold), float(params.containment_threshold), float(params.number_agreement), bool(params.verify_text))

    def passes_thresholds(self, jac: np.ndarray, cont: np.ndarray) -> np.ndarray:
        """``J >= threshold or C >= containment_threshold`` (also right for upper bounds of both)."""
        return (np.asarray(jac) >= self.threshold) | (np.asarray(cont) >= self.containment_threshold)

    def screen(
        self, jac: np.ndarray, cont: np.ndarray, nums_a: np.ndarray | None, nums_b: np.ndarray | None, pairs: np.ndarray,
        judged: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray:
        """Stage 1 on pairs ``(i in a, j in b)`` of known similarity: a threshold met and the
        figures not disagreeing (``nums_*`` may be None when the number rule is off).

        With ``verify_text``, ``judged(idx)`` (when given) says which pairs ``pairs[idx]`` whose figures disagree
        the alignment clears (:meth:`figures_agree`): those pass, and stage 2 confirms them. The alignment tells
        digits damaged by OCR (``l986``, ``1,24O``: figures the number sketches read as other numbers) from other
        figures filled into one template; the number rule vetoes the pairs it does not clear."""
        ok = self.passes_thresholds(jac, cont)
        if self.number_agreement > 0:
            sel = np.flatnonzero(ok & (jac < numbers.MAX_JACCARD))  # the pairs the rule can veto
            if not sel.size:
                return ok
            if nums_a is None or nums_b is None:
                raise ConfigError("the number rule (number_agreement > 0) needs the number sketches of both sides")
            ok[sel] = ~numbers.disagree(nums_a, nums_b, pairs[sel], jac[sel], self.number_agreement)
            disputed = sel[~ok[sel]]
            if disputed.size and judged is not None and self.verify_text:
                ok[disputed] = np.asarray(judged(disputed), dtype=bool)
        return ok

    @staticmethod
    def figures_agree(text_a: str | None, text_b: str | None) -> bool:
        """Whether the alignment of two prepared texts clears their figures: it aligns them (both known, not too
        long: :func:`dedup.align.alignable`), finds no template fill, and pairs at least one figure of one text
        with the same figure of the other (digits read through OCR's confusions) while changing none. A pair too
        noisy for the alignment to compare its figures (an OCR'd copy whose differences it does not judge) is
        not cleared: only the number rule speaks for its figures then. (The reference of
        :func:`dedup.align.figures_agree_many`, which the engines call.)"""
        if text_a is None or text_b is None or not alignable(text_a, text_b):
            return False
        al = align(text_a, text_b)
        return al.aligned and not al.template_fill and al.shared_figures > 0 and al.changed_figures == 0

    def judged_by_alignment(self, texts: PairTexts) -> Callable[[np.ndarray], np.ndarray]:
        """A ``judged`` for :meth:`screen`: ``texts(idx)`` gives the prepared texts of pairs ``idx`` (None where
        one is unknown); the pairs whose figures the alignment clears (:meth:`figures_agree`) are judged."""

        def judged(idx: np.ndarray) -> np.ndarray:
            left, right = texts(idx)
            out = np.zeros(len(left), dtype=bool)
            both = [(m, a, b) for m, (a, b) in enumerate(zip(left, right)) if a is not None and b is not None]
            if both:
                out[[m for m, _, _ in both]] = figures_agree_many([a for _, a, _ in both], [b for _, _, b in both], None)
            return out

        return judged

    def alignment(self, text_a: str, text_b: str) -> Alignment:
        """The word alignment stage 2 judges (prepared texts)."""
        return align(text_a, text_b)

    def confirm(self, texts_a: Sequence[str | None], texts_b: Sequence[str | None], n_jobs: int | None = 1) -> np.ndarray:
        """Stage 2 on pairs that passed :meth:`screen`: False where the pair's prepared texts
        ``texts_a[m]``, ``texts_b[m]`` are one template filled with other facts. ``n_jobs``
        threads share the batch (None: all cores; compiled, without the GIL); the result does
        not depend on it."""
        n = len(texts_a)
        ok = np.ones(n, dtype=bool)
        if not self.verify_text:
            return ok
        todo: list[int] = []
        pairs_a: list[str] = []
        pairs_b: list[str] = []
        for m, (a, b) in enumerate(zip(texts_a, texts_b)):
            if a is not None and b is not None and a != b:
                todo.append(m)
                pairs_a.append(a)
                pairs_b.append(b)
        if todo:
            ok[todo] = ~template_fill_many(pairs_a, pairs_b, n_jobs)
        return ok

    def confirm_rows(self, texts: Sequence[str | None], pairs: np.ndarray, n_jobs: int | None = 1) -> np.ndarray:
        """:meth:`confirm` of the row pairs ``pairs`` (``(m, 2)``) of ``texts``; texts kept in a
        :class:`~dedup.texts.StoredTexts` are read and aligned in the core, without making strings."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if not self.verify_text:
            return np.ones(len(pairs), dtype=bool)
        if isinstance(texts, StoredTexts):  # distinct rows have distinct texts (identical ones are one node)
            return ~texts.template_fills(pairs[:, 0], pairs[:, 1], n_jobs)
        return self.confirm([texts[i] for i in pairs[:, 0].tolist()], [texts[j] for j in pairs[:, 1].tolist()], n_jobs)

    def decide(
        self,
        jac: np.ndarray,
        cont: np.ndarray,
        nums_a: np.ndarray | None,
        nums_b: np.ndarray | None,
        pairs: np.ndarray,
        texts_a: Sequence[str | None] | None = None,
        texts_b: Sequence[str | None] | None = None,
        n_jobs: int | None = 1,
    ) -> np.ndarray:
        """Both stages: :meth:`screen`, then :meth:`confirm` on the pairs that passed, with
        ``texts_a[i]``/``texts_b[j]`` the prepared text of each side's row (None: no texts)."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if not self.verify_text or texts_a is None or texts_b is None:
            return self.screen(jac, cont, nums_a, nums_b, pairs)
        texts = pair_texts(texts_a, texts_b, pairs)
        ok = self.screen(jac, cont, nums_a, nums_b, pairs, self.judged_by_alignment(texts))
        sel = np.flatnonzero(ok)
        if sel.size:
            ok[sel] = self.confirm(*texts(sel), n_jobs)
        return ok
