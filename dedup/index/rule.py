"""The Deduplicator's two-stage matching rule applied to index pairs: the first stage on signatures (with exact
containment near the threshold), the second on prepared texts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..cluster import exact_containment
from ..verify import PairTexts, similarity_between
from .context import Context


def screen(
    ctx: Context,
    sigs_a: np.ndarray,
    sizes_a: np.ndarray,
    nums_a: np.ndarray,
    sigs_b: np.ndarray,
    sizes_b: np.ndarray,
    nums_b: np.ndarray | None,
    pairs: np.ndarray,
    texts: PairTexts | None = None,
) -> tuple[np.ndarray, ...]:
    """``ok, similarity, jaccard, containment`` of pairs ``(i in a, j in b)`` by the first stage of the
    Deduplicator's rule (:meth:`Verifier.screen`); the pairs that pass go to :func:`confirm`.

    With ``verify_text``, ``texts(idx)`` gives the prepared texts of pairs ``pairs[idx]``: as in
    ``dedup cluster`` (:func:`dedup.cluster.exact_containment`), a pair that could match on containment
    alone is judged on its exact containment (a document stored without its text keeps the estimate), and a
    pair whose figures disagree passes when the alignment will judge it (:meth:`Verifier.screen`)."""
    jac, cont = similarity_between(sigs_a, sizes_a, sigs_b, sizes_b, pairs)
    v = ctx.engine.verifier
    judged = None
    if texts is not None and ctx.params.verify_text:
        texts_of = texts
        cont = exact_containment(jac, cont, np.arange(len(jac))[:, None].repeat(2, axis=1), v,
                                 lambda near: exact(ctx, texts_of(near[:, 0]), cont[near[:, 0]]))
        judged = v.judged_by_alignment(texts_of)  # as in dedup cluster: the alignment judges disputed figures
    return v.screen(jac, cont, nums_a, nums_b, pairs, judged), np.maximum(jac, cont), jac, cont


def exact(ctx: Context, texts: tuple[list[str | None], list[str | None]], estimates: np.ndarray) -> np.ndarray:
    """Exact containment of pairs of prepared texts (:meth:`Shingler.containment`); the estimate where one is missing."""
    ta, tb = texts
    have = [k for k, (a, b) in enumerate(zip(ta, tb)) if a is not None and b is not None]
    out = np.array(estimates, dtype=np.float64, copy=True)
    if have:
        both = [t for k in have for t in (ta[k], tb[k]) if t is not None]  # all of them
        pairs = np.arange(2 * len(have)).reshape(-1, 2)
        out[have] = ctx.engine.shingler.containment(both, pairs, ctx.engine.normalizer is not None)
    return out


def confirm(ctx: Context, texts_a: Sequence[str | None], texts_b: Sequence[str | None]) -> np.ndarray:
    """The second stage (:meth:`Verifier.confirm`) on pairs that passed :func:`screen`: False where the
    prepared texts are one template filled with other facts. A text of None (a document stored without
    one) keeps the first stage's verdict."""
    return ctx.engine.verifier.confirm(texts_a, texts_b)
