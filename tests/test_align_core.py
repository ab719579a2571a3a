"""The compiled verdict (``dedup._core.template_fill_batch``, ``dedup_core::align``) against Python.

The reference is :func:`dedup.align._classify` (what :func:`dedup.align.align` and ``dedup explain``
run); its pieces are compared one by one too: the character tables, tokens and words, figure
values, rapidfuzz's Levenshtein opcodes and Indel similarity. Then whole verdicts: pairs made to
stress the rules (hypothesis), every labelled Reuters pair, and the candidate pairs the engine
verifies on the evaluation corpora (skipped where ``../shared/data`` is absent).
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Indel, Levenshtein

import dedup
from benchmarks import datasets, reuters_pairs
from dedup import _core, verify
from dedup import align as A

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _generator():
    spec = importlib.util.spec_from_file_location("gen_align_tables", ROOT / "rust" / "tools" / "gen_align_tables.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def reference(a: str, b: str) -> bool:
    """The Python verdict: ``_classify(detail=False)`` in canonical order."""
    return (A._classify(a, b, detail=False) if a <= b else A._classify(b, a, detail=False)).template_fill


def compiled(pairs: list[tuple[str, str]], threads: int = 1) -> list[bool]:
    return A.template_fill_many([a for a, _ in pairs], [b for _, b in pairs], threads).tolist()


def assert_same_verdicts(pairs: list[tuple[str, str]], with_align: bool = True) -> None:
    got = compiled(pairs)
    for (a, b), fill in zip(pairs, got):
        assert fill == reference(a, b), (a, b)
        if with_align:
            assert fill == A.align(a, b).template_fill == A.align(b, a).template_fill


# --------------------------------------------------------------------------- tables and the pin


def test_tables_are_the_running_pythons():
    """The committed tables (rust/tools/gen_align_tables.py) are this Python's ``re``, ``str`` and casefold."""
    gen = _generator()
    classes, folds = _core.align_char_tables()
    assert dict(classes) == {k: list(v) for k, v in gen.classes().items()}, "regenerate rust/core/src/align/tables.rs"
    assert [(c, tuple(f)) for c, f in folds] == gen.casefold_map()
    assert _core.ALIGN_UNICODE_VERSION == unicodedata.unidata_version


def test_the_port_mirrors_this_align_module():
    """dedup/align.py's rules are what the Rust port implements: a change there must be ported (and re-pinned)."""
    gen = _generator()
    assert gen.source_hash() == gen.PINNED_SOURCE_SHA256 == _core.ALIGN_SOURCE_SHA256, (
        "dedup/align.py changed: port the change to rust/core/src/align/, then update PINNED_SOURCE_SHA256 "
        "in rust/tools/gen_align_tables.py and regenerate the tables"
    )


# --------------------------------------------------------------------------- rapidfuzz


def _rf_opcodes(a, b):
    return [(o.tag, o.src_start, o.src_end, o.dest_start, o.dest_end) for o in Levenshtein.opcodes(a, b)]


@st.composite
def edited_sequences(draw, max_len=300):
    alpha = draw(st.sampled_from([2, 3, 5, 40]))
    a = draw(st.lists(st.integers(0, alpha - 1), max_size=max_len))
    b = list(a)
    for kind, pos, sym in draw(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, alpha - 1)), max_size=40)):
        p = pos % (len(b) + 1)
        if kind == 0 and p < len(b):
            del b[p]
        elif kind == 1:
            b.insert(p, sym)
        elif p < len(b):
            b[p] = sym
    return (a, b) if draw(st.booleans()) else (b, a)


@SETTINGS
@given(edited_sequences())
def test_opcodes_are_rapidfuzzs(ab):
    a, b = ab
    expected = _rf_opcodes(a, b)
    assert _core.align_opcodes(a, b, False) == expected  # the port
    assert _core.align_opcodes(a, b, True) == expected  # the banded shortcut the verdict uses


def test_opcodes_are_rapidfuzzs_on_long_sequences():
    """Long enough for every branch: blocks within Ukkonen's band, the one-word band, Hirschberg's split."""
    rng = random.Random(7)
    for la, alpha, edits in [(700, 3, 30), (1500, 50, 5), (2100, 2, 40), (2600, 50, 300), (3000, 1000, 2000), (2300, 5, 10)]:
        a = [rng.randrange(alpha) for _ in range(la)]
        b = list(a)
        for _ in range(edits):
            p = rng.randrange(len(b) + 1)
            r = rng.random()
            if r < 0.33 and p < len(b):
                del b[p]
            elif r < 0.66:
                b.insert(p, rng.randrange(alpha))
            elif p < len(b):
                b[p] = rng.randrange(alpha)
        expected = _rf_opcodes(a, b)
        assert _core.align_opcodes(a, b, False) == expected
        assert _core.align_opcodes(a, b, True) == expected


TEXT_CHARS = st.sampled_from(list("abcxyzABCXYZ0123456789 .,/'’-_\n\t!?:;\"([") + ["é", "ß", "İ", "Σ", "ǅ", "²", "½", "١", "中", "\u0307", "ﬁ", "\ud800"])


@SETTINGS
@given(st.text(TEXT_CHARS, max_size=60), st.text(TEXT_CHARS, max_size=60))
def test_indel_similarity_is_rapidfuzzs(a, b):
    assert _core.align_indel_similarity(a, b) == Indel.normalized_similarity(a, b)


# --------------------------------------------------------------------------- tokens and figures


@SETTINGS
@given(st.text(TEXT_CHARS, max_size=80) | st.text(max_size=40))
def test_tokens_words_and_flags_are_pythons(text):
    raw, words, starts, figure, mixed = _core.align_doc(text, A._core_params())
    doc = A._Doc(text)
    assert raw == doc.raw and words == doc.words and figure == doc.figure and mixed == doc.mixed
    assert starts == [start for _, start, _ in doc.toks]


FIGURE = st.one_of(
    st.text(st.sampled_from(list("0123456789,./-x") + ["١", "٥", "²", "e", "m"]), min_size=1, max_size=14),
    st.builds(lambda w, n, d: f"{w}-{n}/{d}", st.integers(0, 10**30), st.integers(0, 10**30), st.integers(0, 10**30)),
    st.builds(lambda n, d: f"{n}/{d}", st.integers(0, 10**400), st.integers(0, 10**25)),
    st.builds(lambda n, k: f"{n}.{'5' * k}", st.integers(0, 10**6), st.integers(0, 400)),
    st.sampled_from(["1,660,000", "6-1/2", "3/4", "16.5", "seven", "40-mln", "15.5-pct", "5-year", "4.9", "12/31/87", "1,5", "0/0", "9" * 400]),
)


@SETTINGS
@given(FIGURE)
def test_figure_values_are_pythons(tok):
    value, half = _core.align_figure(tok, A._core_params())
    assert value == A._value(tok)
    assert half == A._half_unit(tok)


def test_fractions_beyond_a_float_or_int_have_no_value():
    """Python raised here (OverflowError, ValueError for too many digits); now both say: no number."""
    params = A._core_params()
    for tok in [f"{'9' * 400}/1", f"1/{'3' * 400}", f"{'9' * 400}-1/2", f"{'1' * 4301}/2"]:
        assert A._value(tok) == _core.align_figure(tok, params)[0]
    assert A._value(f"{'1' * 4301}/2") is None and A._value(f"{'9' * 400}-1/2") is None


@SETTINGS
@given(FIGURE, st.lists(st.floats(0, 1e13, allow_nan=False) | st.sampled_from([4_895_720.0, 269.1, 6.5, 1e6, 16.5]), max_size=8))
def test_found_is_pythons(tok, values):
    values = sorted(values)
    assert _core.align_found(tok, values, A._core_params()) == A._found(tok, values)


# --------------------------------------------------------------------------- whole verdicts on made pairs

NAMES = ["Acme Industries", "Baldwin Piano", "Kaufman and Broad", "Jane Alvarez", "GENEVA", "London", "Zurich Insurance", "Müller AG"]
WORDS = (
    "the council approved a budget for road repairs on Tuesday after long debate said work would begin in May and last about "
    "months residents complained for years state of roads statement paid from special fund set up officials added company "
    "quarterly dividend share payable shareholders record prior quarter board declared net profit loss revenue rose fell"
).split()
NUMBER_WORDS = list(A.NUMBER_WORDS)


@st.composite
def base_texts(draw):
    parts: list[str] = []
    n = draw(st.integers(5, 80))
    for _ in range(n):
        kind = draw(st.integers(0, 9))
        if kind <= 4:
            parts.append(draw(st.sampled_from(WORDS)))
        elif kind == 5:
            parts.append(draw(st.sampled_from(NAMES)))
        elif kind == 6:
            parts.append(draw(st.sampled_from(["4,895,720", "16.5", "6-1/4", "3/4", "1986", "25", "22", "40-mln", "15.5-pct", "269", "4.9", "0.5"])))
        elif kind == 7:
            parts.append(draw(st.sampled_from(NUMBER_WORDS)))
        elif kind == 8:
            parts.append(draw(st.sampled_from([".", ",", ";", ":", "\n\n", " -", "(", ")", '"'])))
        else:
            parts.append(str(draw(st.integers(0, 10**7))))
    text = " ".join(parts)
    return text.upper() if draw(st.integers(0, 6)) == 0 else text


OCR = str.maketrans("lIoOeSB", "1l0Qc58")


@st.composite
def edited(draw, text):
    """``text`` with edits the rules tell apart."""
    words = text.split(" ")
    for _ in range(draw(st.integers(0, 6))):
        if not words:
            break
        k = draw(st.integers(0, len(words) - 1))
        edit = draw(st.integers(0, 11))
        w = words[k]
        if edit == 0:  # another figure
            words[k] = str(draw(st.integers(0, 10**6)))
        elif edit == 1:  # another name
            words[k] = draw(st.sampled_from(NAMES))
        elif edit == 2:  # OCR-like character noise
            i = draw(st.integers(0, max(0, len(w) - 1)))
            words[k] = w[:i] + w[i:].translate(OCR)[:1] + w[i + 1 :]
        elif edit == 3:  # punctuation only
            words[k] = w.replace(",", "").replace(".", "") + draw(st.sampled_from([".", ",", "", "-"]))
        elif edit == 4:  # a number word
            words[k] = draw(st.sampled_from(NUMBER_WORDS))
        elif edit == 5:  # a fraction
            words[k] = f"{draw(st.integers(0, 20))}-{draw(st.integers(1, 7))}/{draw(st.sampled_from([2, 4, 8]))}"
        elif edit == 6:  # case
            words[k] = w.upper() if draw(st.booleans()) else w.capitalize()
        elif edit == 7:  # split or join words
            words[k] = w[: len(w) // 2] + " " + w[len(w) // 2 :]
        elif edit == 8:  # another word
            words[k] = draw(st.sampled_from(WORDS))
        elif edit == 10:  # digits glued on or dropped (OCR)
            words[k] = w + str(draw(st.integers(0, 99))) if draw(st.booleans()) else w[: max(1, len(w) - 1)]
        elif edit == 11:  # one digit changed
            i = draw(st.integers(0, max(0, len(w) - 1)))
            words[k] = w[:i] + (str(draw(st.integers(0, 9))) if w[i : i + 1].isdigit() else w[i : i + 1]) + w[i + 1 :]
        else:
            del words[k]
    out = " ".join(words)
    cut = draw(st.integers(0, 4))
    if cut == 1:  # a cut end
        out = out[: draw(st.integers(0, len(out)))]
    elif cut == 2:  # a cut start
        out = out[draw(st.integers(0, len(out))) :]
    elif cut == 3:  # an added paragraph
        at = draw(st.integers(0, len(out)))
        out = out[:at] + "\n\nA second paragraph tells what the opposition said about it in 1987. " + out[at:]
    if draw(st.integers(0, 5)) == 0:  # a dateline or a sign-off
        out = draw(st.sampled_from(["LONDON, March 27 - ", "GENEVA, Dec 13 - ", ""])) + out + draw(st.sampled_from([" Reuter", " REUTER &#3;", ""]))
    return out


@st.composite
def made_pairs(draw):
    a = draw(base_texts())
    return a, draw(edited(a))


@SETTINGS
@given(made_pairs())
def test_verdict_is_pythons_on_made_pairs(ab):
    assert_same_verdicts([ab])


def test_verdicts_of_the_examples_in_test_align():
    from tests import test_align as T

    a = T.dividend("Acme Industries Inc", "25", "22", "April 15", "March 31")
    b = T.dividend("Acme Industries Inc", "12", "10", "May 20", "April 30")
    noisy = T.STORY.replace("council", "counci1").replace("the roads", "tbe roads").replace("officials", "offlcials")
    pairs = [(a, b), (T.STORY, noisy), (T.STORY, T.STORY[:200]), (T.STORY, T.STORY + " More."), ("", ""), ("", "x"), ("x", "")]
    assert_same_verdicts(pairs)
    assert compiled([(a, b)]) == [True]


# --------------------------------------------------------------------------- the batch entry point


def test_threads_and_shared_texts_do_not_change_verdicts():
    rng = random.Random(3)
    texts = [" ".join(rng.choice(WORDS + ["12", "13", "Acme", "Baldwin"]) for _ in range(rng.randrange(5, 60))) for _ in range(30)]
    pairs = [(rng.choice(texts), rng.choice(texts)) for _ in range(200)]
    one = compiled(pairs, 1)
    assert one == compiled(pairs, 2) == compiled(pairs, 0) == [reference(a, b) for a, b in pairs]
    copies = [(a + "", "" + b) for a, b in pairs]  # equal texts that are other objects
    assert compiled(copies) == one


def test_thresholds_come_from_the_align_module(monkeypatch):
    a = "Acme said its dividend is 25 cts, against 22 cts, payable April 15 to holders of record March 31."
    b = "Acme said its dividend is 12 cts, against 10 cts, payable May 20 to holders of record April 30."
    assert compiled([(a, b)]) == [True]
    monkeypatch.setattr(A, "MAX_ALIGN_CELLS", 10)  # too long to align: no verdict
    assert compiled([(a, b)]) == [False] == [reference(a, b)]
    monkeypatch.setattr(A, "MAX_ALIGN_CELLS", 40_000_000)
    monkeypatch.setattr(A, "FIGURE_COUNT", 100)
    monkeypatch.setattr(A, "FIGURE_SHARE", 1.01)
    monkeypatch.setattr(A, "CONTENT_SHARE", 2.0)
    assert compiled([(a, b)]) == [False] == [reference(a, b)]


def test_bad_arguments_are_value_errors():
    params = A._core_params()
    with pytest.raises(ValueError, match="lengths 1 and 0 differ"):
        _core.template_fill_batch(["a"], [], params, 1)
    with pytest.raises(ValueError, match=r"texts_b\[0\] must be a str"):
        _core.template_fill_batch(["a"], [None], params, 1)
    with pytest.raises(ValueError, match="NOISY_RATE is missing"):
        _core.template_fill_batch(["a"], ["b"], {k: v for k, v in params.items() if k != "NOISY_RATE"}, 1)
    with pytest.raises(ValueError, match="unknown key"):
        _core.template_fill_batch(["a"], ["b"], {**params, "NOISE": 1}, 1)
    with pytest.raises(ValueError, match="FIGURE_COUNT must be an int"):
        _core.template_fill_batch(["a"], ["b"], {**params, "FIGURE_COUNT": 2.5}, 1)
    assert A.template_fill_many([], [], 1).tolist() == []


def test_lone_surrogates_are_read_as_python_reads_them():
    a, b = "Acme 25 cts \ud800 paid", "Acme 12 cts \ud800 paid"
    assert compiled([(a, b)]) == [reference(a, b)]


def test_confirm_runs_the_compiled_verdict(monkeypatch):
    a = "Acme said its dividend is 25 cts, against 22 cts, payable April 15 to holders of record March 31."
    b = "Acme said its dividend is 12 cts, against 10 cts, payable May 20 to holders of record April 30."
    v = verify.Verifier(0.5, 0.8, 0.0, True)
    calls = []
    real = verify.template_fill_many
    monkeypatch.setattr(verify, "template_fill_many", lambda x, y, n: calls.append(n) or real(x, y, n))
    assert v.confirm([a, a, None, a], [b, a, b, a + " Reuter"], n_jobs=2).tolist() == [False, True, True, True]
    assert calls == [2]


# --------------------------------------------------------------------------- real pairs


def _reuters_docs() -> dict[str, str]:
    """Story id -> document, as the pairs were labelled on (``title + "\\n\\n" + body``)."""
    corpus = reuters_pairs.reuters_corpus(DATA)
    return dict(zip(corpus.ids, corpus.texts))


def _candidate_pairs(texts: list[str]) -> list[tuple[str, str]]:
    """The prepared pairs ``Verifier.confirm_rows`` is asked about when the engine clusters ``texts``."""
    got: list[tuple[str, str]] = []
    real = verify.Verifier.confirm_rows

    def spy(self, stored, pairs, n_jobs=1):
        got.extend((stored[int(i)], stored[int(j)]) for i, j in pairs)
        return real(self, stored, pairs, n_jobs)

    verify.Verifier.confirm_rows = spy
    try:
        d = dedup.Deduplicator(n_jobs=1)
        d.add_many(enumerate(texts))
        d.clusters()
    finally:
        verify.Verifier.confirm_rows = real
    return [(a, b) for a, b in got if a is not None and b is not None and a != b]


@pytest.mark.skipif(not (DATA / "reuters_pairs" / "pairs.jsonl").exists(), reason="no ../shared/data/reuters_pairs")
def test_every_labelled_reuters_pair():
    docs = _reuters_docs()
    labelled = [json.loads(line) for line in (DATA / "reuters_pairs" / "pairs.jsonl").read_text().splitlines() if line.strip()]
    ids = sorted({str(p[k]) for p in labelled for k in ("a", "b")})
    prepared = dict(zip(ids, dedup.Deduplicator().prepare_many([docs[i] for i in ids])))
    pairs = [(prepared[str(p["a"])], prepared[str(p["b"])]) for p in labelled]
    assert len(pairs) == 270
    assert_same_verdicts(pairs)


@pytest.mark.skipif(not (DATA / "reuters21578").exists(), reason="no ../shared/data/reuters21578")
def test_reuters_candidate_pairs():
    docs = list(_reuters_docs().values())[:4000]
    pairs = _candidate_pairs(docs)
    assert len(pairs) > 100
    assert_same_verdicts(pairs, with_align=False)


@pytest.mark.skipif(not (DATA / "impresso_dev" / "passages.jsonl").exists(), reason="no ../shared/data/impresso_dev")
def test_impresso_candidate_pairs():
    corpus = datasets.load_impresso(data=DATA)
    clusters: dict[object, list[str]] = {}
    for text, label in zip(corpus.texts, corpus.labels):
        clusters.setdefault(label, []).append(text)
    groups = list(clusters.values())
    random.Random(5).shuffle(groups)
    texts: list[str] = []
    for g in groups:  # whole reprint clusters, so that their pairs are candidates
        if len(texts) >= 3000:
            break
        texts += g
    pairs = _candidate_pairs(texts)
    assert len(pairs) > 100
    assert_same_verdicts(pairs, with_align=False)


@pytest.mark.skipif(not (DATA / "viraltexts").exists(), reason="no ../shared/data/viraltexts")
def test_viraltexts_reprints():
    """Each passage against a copy made from it (OCR noise, cuts, other figures and names): the
    data set has no reprints of its own."""
    texts = [t for t in datasets.load_viraltexts(DATA).texts if t]
    rng = random.Random(11)
    texts = rng.sample(texts, min(600, len(texts)))
    prepared = dedup.Deduplicator().prepare_many(texts)
    pairs = []
    for t in prepared:
        words = t.split(" ")
        for _ in range(rng.randrange(1, 12)):
            k = rng.randrange(len(words))
            r = rng.random()
            if r < 0.3:
                words[k] = str(rng.randrange(10**5))
            elif r < 0.5:
                words[k] = rng.choice(NAMES)
            elif r < 0.8:
                words[k] = words[k].translate(OCR)
            else:
                words[k] = ""
        copy = " ".join(words)
        if rng.random() < 0.3:
            copy = copy[: int(len(copy) * rng.uniform(0.5, 1))]
        pairs.append((t, copy))
    assert_same_verdicts(pairs, with_align=False)
    assert 0 < sum(compiled(pairs)) < len(pairs)


def test_float_edge_of_the_noise_threshold():
    """A replaced run whose similarity is exactly the threshold (0.6 = 1 - 4/10) is noise on both sides."""
    assert math.isclose(Indel.normalized_similarity("abcde", "abcfg"), 0.6)
    a = "the council approved the budget on Tuesday and abcde said so in a statement today"
    b = "the council approved the budget on Tuesday and abcfg said so in a statement today"
    assert compiled([(a, b)]) == [reference(a, b)]


def test_numpy_bool_array():
    out = A.template_fill_many(["a b"], ["a c"], None)
    assert isinstance(out, np.ndarray) and out.dtype == bool
