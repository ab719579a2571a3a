import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from test_shingle import M64, PRIME, fmix64

import dedup
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


def reference_counts(a, b, k=SKETCH_SIZE):
    """The documented estimate from the two texts' full hash sets, in plain Python."""

    def one_way(small, big):
        tau = min([sorted(h)[k - 1] for h in (small, big) if len(h) > k], default=1 << 32)
        sample = [x for x in small if x <= tau]
        return sum(x in big for x in sample), len(sample)

    ha, hb = reference_hashes(a), reference_hashes(b)
    if len(ha) != len(hb):
        return one_way(*sorted((ha, hb), key=len))
    (s1, n1), (s2, n2) = one_way(ha, hb), one_way(hb, ha)
    return max((s1, n1), (s2, n2), key=lambda c: (c[0] / c[1] if c[1] else 1.0, c[1]))


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(0, 400), min_size=0, max_size=120), st.sets(st.integers(0, 400), min_size=0, max_size=120))
def test_agreement_follows_the_documented_estimate(a, b):
    texts = [" ".join(map(str, a)), " ".join(map(str, b))]
    s = number_sketches(texts)
    shared, seen = reference_counts(*texts)
    want = shared / seen if seen else 1.0
    got = agreement(s, s, np.array([[0, 1], [1, 0]]))
    assert got.tolist() == pytest.approx([want, want])  # symmetric, also for equal counts
    if a <= b or b <= a:
        assert got[0] == 1.0  # one text's numbers all in the other: never a veto


def test_agreement_is_symmetric_for_equal_counts_above_the_sketch():
    rng = np.random.default_rng(0)
    for _ in range(50):
        a = rng.choice(1000, 50, replace=False)
        b = np.concatenate((a[:20], rng.choice(np.arange(1000, 2000), 30, replace=False)))
        s = number_sketches([" ".join(map(str, a)), " ".join(map(str, b))])
        assert s[0, 0] == s[1, 0] == 50
        fwd, back = agreement(s, s, np.array([[0, 1], [1, 0]]))
        assert fwd == back


def test_a_veto_needs_enough_compared_numbers():
    # 10 numbers, 8 of them in a text of 200: the sample below tau is small, so no veto on it
    small = [str(i) for i in range(8)] + ["5000", "5001"]
    big = [str(i) for i in range(200)]
    s = number_sketches([" ".join(small), " ".join(big)])
    pairs = np.array([[0, 1]])
    shared, seen = reference_counts(" ".join(small), " ".join(big))
    assert seen < MIN_NUMBERS
    assert disagree(s, s, pairs, np.array([0.3]), 1.0).tolist() == [False]


@pytest.mark.parametrize(
    "nums_a,pairs,message",
    [
        (np.zeros((2, 5), np.uint32), [[0, 1]], "shape \\(n, 33\\)"),
        (np.zeros((2, 33), np.int64), [[0, 1]], "uint32"),
        (numbers.empty(2), [[0, 7]], "pairs column 1 must index rows of nums_b \\(0..1\\)"),
        (numbers.empty(2), [[-1, 0]], "pairs column 0"),
    ],
)
def test_bad_arrays_are_clear_errors(nums_a, pairs, message):
    with pytest.raises(dedup.InputError, match=message):
        agreement(nums_a, numbers.empty(2), np.array(pairs))


def test_disagree_rule():
    s = number_sketches(["1 2 3 4", "5 6 7 8", "1 2 3", "5 6 7", "1 2 3 9"])
    pairs = np.array([[0, 1], [2, 3], [0, 4], [0, 1]])
    jac = np.array([0.5, 0.5, 0.5, MAX_JACCARD])
    assert MIN_NUMBERS == 4
    # disagreeing figures veto; fewer than four numbers say nothing; 3/4 agree; close wording wins
    assert disagree(s, s, pairs, jac, 0.5).tolist() == [True, False, False, False]
    assert disagree(s, s, pairs, jac, 0.0).tolist() == [False] * 4
    assert disagree(s, s, pairs, jac, 1.0).tolist() == [True, False, True, False]


def test_disagree_in_chunks_equals_one_pass(monkeypatch):
    rng = np.random.default_rng(3)
    texts = [" ".join(map(str, rng.choice(60, rng.integers(0, 40), replace=False))) for _ in range(30)]
    s = number_sketches(texts)
    pairs = rng.integers(0, 30, size=(200, 2))
    jac = rng.random(200)
    whole = disagree(s, s, pairs, jac, 0.5)
    monkeypatch.setattr(numbers, "_PAIR_CHUNK", 7)
    assert np.array_equal(disagree(s, s, pairs, jac, 0.5), whole)
    assert whole.any() and not whole.all()
