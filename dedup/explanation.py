"""Why two texts match or not: the estimates, the exact similarities, the alignment and the deciding rule.

People deleting duplicates need to see why a pair was joined. :func:`explain`
runs one pair through the same code as every engine (:class:`dedup.verify.Verifier`)
and reports each stage:

* estimated Jaccard and containment from the MinHash signatures (what the engines use);
* exact Jaccard and containment of the two shingle sets (what the estimates estimate);
* the number rule's verdict (:mod:`dedup.numbers`);
* the word alignment (:mod:`dedup.align`): shared spans and every difference with its kind;
* ``decided_by``: which part of the rule decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import numbers
from .align import Alignment
from .cluster import EXACT_MARGIN, exact_containment
from .deduplicator import Deduplicator
from .errors import InputError
from .verify import similarity_between

__all__ = ["Explanation", "explain"]


@dataclass(frozen=True)
class Explanation:
    """The verdict on one pair of texts and each stage that led to it (see the module docstring)."""

    match: bool
    decided_by: str
    jaccard: float
    containment: float
    exact_jaccard: float
    exact_containment: float
    figures_disagree: bool
    alignment: Alignment | None
    text_a: str
    text_b: str

    @property
    def similarity(self) -> float:
        """The reported similarity: the larger estimate (the one that met its threshold when it matched)."""
        return max(self.jaccard, self.containment)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: verdict, similarities, alignment counts and every difference."""
        out: dict[str, Any] = {
            "match": self.match,
            "decided_by": self.decided_by,
            "similarity": round(self.similarity, 4),
            "jaccard": round(self.jaccard, 4),
            "containment": round(self.containment, 4),
            "exact_jaccard": round(self.exact_jaccard, 4),
            "exact_containment": round(self.exact_containment, 4),
            "figures_disagree": self.figures_disagree,
        }
        al = self.alignment
        if al is not None:
            out["alignment"] = {
                "aligned": al.aligned,
                "words": [al.a_words, al.b_words],
                "shared_words": al.shared_words,
                "aligned_words": al.aligned_words,
                "noise_rate": round(al.noise_rate, 4),
                "changed_figures": al.changed_figures,
                "shared_figures": al.shared_figures,
                "changed_words": al.changed_words,
                "changed_names": al.changed_names,
                "template_fill": al.reason,
                "shared": [[list(sa), list(sb)] for sa, sb in al.shared],
                "differences": [
                    {"kind": d.kind, "a": list(d.a), "b": list(d.b), "a_text": d.a_text, "b_text": d.b_text, "counted": d.counted}
                    for d in al.differences
                ],
            }
        return out

    def __str__(self) -> str:
        lines = [
            f"{'MATCH' if self.match else 'NO MATCH'}: {self.decided_by}",
            f"  estimated Jaccard {self.jaccard:.3f}, containment {self.containment:.3f}"
            f" (exact {self.exact_jaccard:.3f}, {self.exact_containment:.3f})",
        ]
        al = self.alignment
        if al is not None and al.aligned:
            lines.append(
                f"  alignment: {al.shared_words} of {al.aligned_words} aligned words shared, noise {al.noise_rate:.0%}; "
                f"figures {al.changed_figures} changed / {al.shared_figures} shared; "
                f"words {al.changed_words} changed ({al.changed_names} names)"
            )
            for d in al.differences:
                tag = f"{d.kind}{' *' if d.counted else ''}"
                lines.append(f"    {tag:<10} {_clip(d.a_text)!r} -> {_clip(d.b_text)!r}")
        return "\n".join(lines)


def _clip(s: str, n: int = 70) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


def _exact(d: Deduplicator, a: str, b: str) -> tuple[float, float]:
    ha, hb = d.shingler.hashes(a), d.shingler.hashes(b)
    inter = len(np.intersect1d(ha, hb, assume_unique=True))
    union = len(ha) + len(hb) - inter
    small = min(len(ha), len(hb))
    return (inter / union if union else 0.0), (inter / small if small else 0.0)


def explain(text_a: str, text_b: str, **params: Any) -> Explanation:
    """Whether ``text_a`` and ``text_b`` match under ``params`` (those of :class:`~dedup.Params`), and why.

    >>> e = explain("Qtly div 25 cts vs 25 cts prior. Pay April 1. Record March 15.",
    ...             "Qtly div 12 cts vs 10 cts prior. Pay April 1. Record March 15.")
    >>> e.match, e.decided_by.split(":")[0]
    (False, 'template fill')
    """
    for name, t in (("text_a", text_a), ("text_b", text_b)):
        if not isinstance(t, str):
            raise InputError(f"{name} must be str, got {type(t).__name__}")
    d = Deduplicator(n_jobs=1, **params)
    pa, pb = d.prepare(text_a), d.prepare(text_b)
    sigs, sizes = d.sign([text_a, text_b])
    nums = numbers.number_sketches([pa, pb]) if d.params.number_agreement > 0 else numbers.none(2)
    pairs = np.array([[0, 1]], dtype=np.int64)
    jac_a, cont_a = similarity_between(sigs, sizes, sigs, sizes, pairs)
    jac, cont = float(jac_a[0]), float(cont_a[0])
    v = d.verifier
    # The signing kernel folds ASCII case of normalized text; so does this.
    ej, ec = _exact(d, pa.lower() if d.normalizer is not None else pa, pb.lower() if d.normalizer is not None else pb)
    # As the engines do: with the texts kept, containment near the threshold or above is measured exactly.
    rule_a = cont_a
    if v.verify_text:
        rule_a = exact_containment(jac_a, cont_a, pairs, v, lambda near: d.shingler.containment([pa, pb], near, d.normalizer is not None))
    measured = v.verify_text and jac < v.threshold and cont >= v.containment_threshold - EXACT_MARGIN
    rule = float(rule_a[0])
    thresholds = bool(v.passes_thresholds(jac_a, rule_a)[0])
    by_figures = bool(v.screen(jac_a, rule_a, nums, nums, pairs)[0])
    # As every engine: with the texts, the alignment judges a pair whose figures disagree, when it aligns them.
    screened = bool(v.screen(jac_a, rule_a, nums, nums, pairs, v.judged_by_alignment(lambda idx: ([pa], [pb])))[0])
    shown = f"exact containment {rule:.3f}" if measured else f"containment {cont:.3f}"
    alignment = v.alignment(pa, pb) if v.verify_text else None
    if not thresholds:
        decided = (
            f"below both thresholds: Jaccard {jac:.3f} < {v.threshold} and {shown} < {v.containment_threshold}"
        )
        match = False
    elif not screened:
        decided = f"figures disagree: fewer than {v.number_agreement:.0%} of the numbers of the text stating fewer appear in the other"
        match = False
    elif alignment is not None and pa != pb and alignment.template_fill:
        decided = f"template fill: {alignment.reason}"
        match = False
    else:
        which = f"Jaccard {jac:.3f} >= {v.threshold}" if jac >= v.threshold else f"{shown} >= {v.containment_threshold}"
        checked = "; the alignment shows no changed facts" if alignment is not None and alignment.aligned else ""
        damaged = "; the figures the number rule saw as other numbers are not changed facts" if not by_figures else ""
        decided = f"{which}{checked}{damaged}"
        match = True
    return Explanation(match, decided, jac, cont, ej, ec, thresholds and not by_figures, alignment, pa, pb)
