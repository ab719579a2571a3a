"""Figures the number rule reads as other numbers because OCR damaged them: the alignment judges those pairs.

The number rule (stage 1, :mod:`dedup.numbers`) vetoes a pair when too few of the numbers of the text stating
fewer appear in the other. OCR damage to digits (``l986`` for ``1986``, ``1,24O``) makes a reprint state other
numbers, so the rule vetoed excerpts of the article they were cut from. With the texts kept, a pair only its
figures vetoed goes to the alignment, which tells damaged digits from other figures; a pair it cannot align
keeps the veto. Every engine follows the rule (local, persistent index, Spark in ``tests/test_spark.py``).
"""

import numpy as np
import pytest

import dedup
from dedup.align import alignable

PARAGRAPHS = [
    "The regional transport authority presented its annual report to the council on Monday, describing a year "
    "of steady growth in passenger numbers across the bus and tram networks of the northern districts.",
    "Officials said the new timetable introduced in the spring had shortened waiting times at most stops, "
    "although commuters on the western lines still complained about crowded carriages during the morning rush.",
    "The authority plans to replace its oldest vehicles over the coming years and to extend the tram line "
    "towards the university campus, subject to the approval of the regional government and its budget committee.",
    "Ticket revenue rose to 4,895,720 dlrs in 1986 from 3,120,400 dlrs in 1985, and the authority now employs "
    "1,240 drivers and mechanics in 12 depots across the region.",
    "Council members welcomed the report but asked for a detailed study of accessibility at the older stations, "
    "many of which still lack lifts and ramps for passengers with reduced mobility or heavy luggage.",
    "A spokesman for the drivers' union said negotiations on working hours would resume next month and that "
    "the union hoped to reach an agreement before the summer holidays begin in the northern districts.",
]
ARTICLE = "\n\n".join(PARAGRAPHS)
EXCERPT = "\n\n".join(PARAGRAPHS[2:5])
DAMAGED = EXCERPT.replace("4,895,720", "4,895,72O").replace("1986", "l986").replace("3,120,400", "3,l20,400").replace(
    "1,240", "1,24O").replace(" 12 ", " l2 ")
OTHER_FIGURES = EXCERPT.replace("4,895,720", "5,210,330").replace("1986", "1987").replace("3,120,400", "4,100,200").replace(
    "1985", "1986").replace("1,240", "1,530").replace(" 12 ", " 15 ")
UNRELATED = (
    "Heavy snow closed the mountain passes on Thursday and the weather service warned of avalanches in the "
    "high valleys, where several villages were cut off and schools stayed shut for the rest of the week."
)


def test_the_number_rule_alone_vetoes_the_damaged_excerpt():
    e = dedup.explain(DAMAGED, ARTICLE, verify_text=False)
    assert not e.match and e.decided_by.startswith("figures disagree")
    assert e.figures_disagree


def test_the_alignment_judges_damaged_figures_and_other_figures():
    e = dedup.explain(DAMAGED, ARTICLE)
    assert e.match, e.decided_by
    assert e.figures_disagree and "not changed facts" in e.decided_by
    other = dedup.explain(OTHER_FIGURES, ARTICLE)
    assert not other.match  # other figures filled into the same sentences: no reprint
    assert other.decided_by.startswith(("template fill", "figures disagree"))


def test_a_pair_too_long_to_align_keeps_the_figures_veto(monkeypatch):
    align = pytest.importorskip("dedup.align")
    monkeypatch.setattr(align, "MAX_ALIGN_CELLS", 10)
    assert not alignable(DAMAGED, ARTICLE)
    e = dedup.explain(DAMAGED, ARTICLE)
    assert not e.match and e.decided_by.startswith("figures disagree")


def test_dedup_cluster_groups_the_damaged_excerpt_with_its_article():
    labels = dedup.cluster([ARTICLE, DAMAGED, OTHER_FIGURES, UNRELATED]).tolist()
    assert labels[0] == labels[1]
    assert labels[2] != labels[0] and labels[3] not in (labels[0], labels[2])


@pytest.mark.parametrize("stored_first", ["article", "excerpt"])
def test_the_index_matches_the_damaged_excerpt_as_dedup_cluster_does(tmp_path, stored_first):
    first, second = (ARTICLE, DAMAGED) if stored_first == "article" else (DAMAGED, ARTICLE)
    with dedup.Index.open(tmp_path / "ix.dedup", n_jobs=1) as ix:
        ix.add_many([("first", first), ("unrelated", UNRELATED)])
        hit, other = ix.check_many([second, OTHER_FIGURES])
    assert hit is not None and hit.id == "first"
    assert other is None
    with dedup.Index.open(tmp_path / "batch.dedup", n_jobs=1) as ix:  # both in one batch: the pair inside it
        got = ix.check_and_add_many([("a", ARTICLE), ("b", DAMAGED)])
    assert got[0] is None and got[1] is not None and got[1].id == "a"


def test_alignable_counts_words_only_for_long_texts():
    assert alignable("a b", "c d")
    words = " ".join(["w"] * 7000)
    assert not alignable(words, words)  # 7000 x 7000 word pairs > MAX_ALIGN_CELLS
    assert alignable(words, "one two")
    assert np.all([alignable(ARTICLE, DAMAGED)])


def test_the_compiled_figures_check_is_the_reference():
    """dedup.align.figures_agree_many (the core, what engines call) gives Verifier.figures_agree (the Python
    alignment, the reference) on clean, damaged, noisy, templated and unrelated pairs."""
    import random

    from test_cluster import EUROBOND, OTHER_EUROBOND

    from dedup.align import figures_agree_many
    from dedup.verify import Verifier

    rng = random.Random(3)

    def noisy(text: str, rate: float) -> str:
        swap = {"e": "c", "l": "1", "o": "0", "i": "l", "1": "l", "0": "O", "5": "S", "m": "rn"}
        return "".join(swap.get(ch, ch) if rng.random() < rate else ch for ch in text)

    d = dedup.Deduplicator()
    base = [ARTICLE, EXCERPT, DAMAGED, OTHER_FIGURES, UNRELATED, EUROBOND, OTHER_EUROBOND]
    texts = base + [noisy(t, r) for t in base for r in (0.01, 0.05, 0.15)]
    prepared = [d.prepare(t) for t in texts]
    pairs = [(a, b) for a in range(len(prepared)) for b in range(len(prepared)) if a != b]
    got = figures_agree_many([prepared[a] for a, _ in pairs], [prepared[b] for _, b in pairs], 1)
    want = [Verifier.figures_agree(prepared[a], prepared[b]) for a, b in pairs]
    assert got.tolist() == want
    assert any(want) and not all(want)
