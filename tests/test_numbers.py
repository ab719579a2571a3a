import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from test_shingle import M64, PRIME, fmix64

from dedup import numbers
from dedup.numbers import MAX_JACCARD, MIN_NUMBERS, SKETCH_SIZE, agreement, disagree, number_sketches

NUMBER_BASIS = 0x9E3779B97F4A7C15


def reference_hashes(text):
    """The documented definition, in plain Python."""
    out = set()
    for x in regex.findall(r"[0-9]+(?:[.,/][0-9]+)*", text):
        h = NUMBER_BASIS
        for c in x:
            h = ((h ^ ord(c)) * PRIME) & M64
        out.add(fmix64(h) & 0xFFFFFFFF)
    return out


TEXTS = [
    "Shr 1.20 dlrs vs 1,480,830 shares; 5-3/4 pct due 1994, 1994 again.",
    "1..2 3,, 4/5/6 7. x9y 12a34 .5 5.",
    "no figures at all",
    "٣ Arabic-Indic digits are not ASCII numbers, 42 is",
    "",
    " ".join(str(i) for i in range(100)),  # more numbers than the sketch keeps
]


@pytest.mark.parametrize("text", TEXTS)
def test_sketch_follows_documented_definition(text):
    row = number_sketches([text])[0]
    want = sorted(reference_hashes(text))
    assert row[0] == len(want)
    kept = want[:SKETCH_SIZE]
    assert row[1 : 1 + len(kept)].tolist() == kept
    assert (row[1 + len(kept) :] == 0xFFFFFFFF).all()


def test_sketches_of_a_batch_equal_one_at_a_time():
    many = number_sketches(TEXTS * 3)
    assert np.array_equal(many, np.concatenate([number_sketches([t]) for t in TEXTS * 3]))
    assert np.array_equal(numbers.empty(2), number_sketches(["", "no numbers"]))


def test_agreement_is_exact_for_small_sets():
    s = number_sketches(["1 2 3 4", "1 2 9 9 9", "5 6 7 8", "nothing", "1 2 3 4 5 6 7 8"])
    pairs = np.array([[0, 1], [1, 0], [0, 2], [0, 3], [0, 4], [3, 3]])
    # the text stating fewer numbers is the reference: {1,2,9} vs {1,2,3,4} -> 2/3
    assert agreement(s, s, pairs).tolist() == pytest.approx([2 / 3, 2 / 3, 0.0, 1.0, 1.0, 1.0])


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(0, 400), min_size=40, max_size=150), st.sets(st.integers(0, 400), min_size=40, max_size=150))
def test_agreement_estimate_for_large_sets(a, b):
    s = number_sketches([" ".join(map(str, a)), " ".join(map(str, b))])
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    exact = len(small & big) / len(small)
    est = agreement(s, s, np.array([[0, 1]]))[0]
    assert 0.0 <= est <= 1.0
    assert abs(est - exact) < 0.45  # a bottom-32 estimate: loose, but never nonsense
    if small <= big:
        assert est == 1.0  # containment is never underestimated to a veto


def test_disagree_rule():
    s = number_sketches(["1 2 3 4", "5 6 7 8", "1 2 3", "5 6 7", "1 2 3 9"])
    pairs = np.array([[0, 1], [2, 3], [0, 4], [0, 1]])
    jac = np.array([0.5, 0.5, 0.5, MAX_JACCARD])
    assert MIN_NUMBERS == 4
    # disagreeing figures veto; fewer than four numbers say nothing; 3/4 agree; close wording wins
    assert disagree(s, s, pairs, jac, 0.5).tolist() == [True, False, False, False]
    assert disagree(s, s, pairs, jac, 0.0).tolist() == [False] * 4
    assert disagree(s, s, pairs, jac, 1.0).tolist() == [True, False, True, False]
