"""Align two texts word by word and say what differs: noise, a cut, or a filled-in template.

Shingle similarity says how much two texts share, not what the rest is. Two
copies of one story differ by OCR damage inside words, re-wrapping, a cut end or a
paragraph more; two reports written from one template (a dividend notice, a bond
issue, a market report of another day) share their wording and differ in the
*facts* filled into it: other figures, other names. :func:`align` finds which:

1. Both texts are cut into word tokens (``\\w+`` joined by ``. , / ' ’ -``), compared
   case-folded. Figures are tokens with a digit and the spelled-out numbers zero to
   twelve; they are also read as numbers (``1,660,000``, ``6-1/2``, ``16.5``, ``seven``).
2. A word-level Levenshtein alignment (``rapidfuzz``) gives equal runs, replaced
   runs, and runs present in one text only.
3. Every run that is not equal becomes a :class:`Difference` of one kind:

   * ``cut`` -- words at the start or end of one text only (a shorter copy), or a
     short replaced run there (at most :data:`EDGE_WORDS` words) that is the copy's
     own: a sign-off at the end, a dateline (dated on both sides) at the start;
   * ``added`` -- words inside one text only (a paragraph more or less);
   * ``noise`` -- a replaced run that reads almost the same by characters, spaces
     ignored (Indel similarity at least :data:`NOISE_SIMILARITY`, digits equal once
     OCR's letter/digit confusions are read as digits): OCR damage, typos, split and
     joined words; or one that differs only in punctuation;
   * ``figure`` -- numbers in place of numbers the other text states nowhere in its
     unpaired words, not even rounded (``4.9`` matches ``4,895,720`` in millions), and
     that do not begin or extend the digits of a figure they replace (``590`` / ``5905``:
     OCR drops and glues digits);
   * ``name`` / ``word`` -- words of at least :data:`MIN_FACT_LETTERS` letters in place
     of words the other text does not use in its unpaired words and that are not
     short forms of each other; names are capitalized words inside a sentence of
     mixed-case text;
   * ``reworded`` -- a replaced run whose words the other text uses elsewhere in
     what it does not share (a moved or rephrased passage).

4. How damaged the pair is decides what the differences mean. Damage is counted on
   words, not figures. With at least :data:`DAMAGED_RATE` of the aligned words
   damaged, a similar-looking run is damage too when its digits are close (at most one in
   three changed: OCR damages a digit or two, another report changes most of them); with at least :data:`NOISY_RATE`
   (and two words) the pair is an OCR'd copy and gets no verdict: its changed words
   and figures are as likely damage as facts. In a clean pair ``6-1/4`` against
   ``6-1/2`` is another figure.

A clean pair is a **template fill** (:attr:`Alignment.template_fill`) when the
facts that differ outweigh those it shares: at least :data:`FIGURE_COUNT` changed
figures, or changed figures at least :data:`FIGURE_SHARE` of the aligned figures, or
changed words (names counted twice) at least :data:`CONTENT_SHARE` of the aligned
words. Text present in one version only never counts: an abridged or expanded
reprint is still the same story, and so is a correction of one figure in a text
that states several. The verdict does not depend on the order of the two texts.

Two implementations give the verdict. :func:`align` (and ``dedup explain``) runs the
Python one here, which also records every difference; engines call
:func:`template_fill_many`, the compiled port in ``rust/core/src/align/``
(``dedup._core.template_fill_batch``), which gives the same verdict for every pair
(``tests/test_align_core.py`` checks it against :func:`_classify`) many times faster,
on threads. The port reads this module's thresholds at each call; its rules mirror
the functions here, pinned by hash (``rust/tools/gen_align_tables.py``): a change to
them fails that test until it is ported.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import sys
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple

import numpy as np

from . import _core

__all__ = [
    "NOISE_SIMILARITY",
    "NOISY_RATE",
    "DAMAGED_RATE",
    "FIGURE_SHARE",
    "FIGURE_COUNT",
    "CONTENT_SHARE",
    "MAX_ALIGN_CELLS",
    "Difference",
    "Alignment",
    "tokens",
    "align",
    "template_fill",
    "template_fill_many",
]

#: A replaced run whose two sides have at least this Indel similarity (by characters) reads the same: noise.
NOISE_SIMILARITY = 0.6
#: A pair with at least this fraction of its aligned words damaged is noisy: no figure proves anything there.
NOISY_RATE = 0.02
#: ... and at least this many damaged words: a typo or two is not an OCR'd copy.
NOISY_WORDS = 2
#: A pair with at least this fraction of its aligned words damaged shows damage: similar-looking figures are damage there.
DAMAGED_RATE = 0.01
#: Changed figures at least this fraction of the aligned figures (changed + shared) make a template fill.
FIGURE_SHARE = 0.25
#: This many changed figures make a template fill whatever their share (a correction changes one).
FIGURE_COUNT = 3
#: Changed words (names twice) at least this fraction of the aligned words make a template fill.
CONTENT_SHARE = 0.15
#: A replaced run this short at the start or end of a text is a copy's own dateline or sign-off.
EDGE_WORDS = 6
#: Words shorter than this are never changed facts.
MIN_FACT_LETTERS = 3
#: Pairs with more word pairs than this (``len(a) * len(b)``) are not aligned: quadratic time and memory.
MAX_ALIGN_CELLS = 40_000_000

Kind = Literal["cut", "added", "noise", "figure", "name", "word", "reworded"]

_TOKEN = re.compile(r"\w+(?:[.,/'\u2019-]\w+)*")
_DIGIT = re.compile(r"\d")
_FRACTION = re.compile(r"(?:(\d+)-)?(\d+)/(\d+)")
_ALNUM = re.compile(r"\W+")
_LEADING_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?=$|-[^\W\d_])")
#: Spelled-out numbers are figures too ("three ships" against "seven ships").
NUMBER_WORDS = {
    w: n
    for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
}
_SCALES = (1.0, 1e3, 1e6, 1e9)  # a figure may be another rounded, in units, thousands, millions or billions


@dataclass(frozen=True)
class Difference:
    """One run of words that differs between the texts.

    ``a`` and ``b`` are ``(start, end)`` character offsets into each text (an empty
    span where the run is absent from that text); ``a_text``/``b_text`` the words.
    ``counted`` is how many changed facts it adds to the verdict (0 for noise, cuts,
    additions and rewording).
    """

    kind: Kind
    a: tuple[int, int]
    b: tuple[int, int]
    a_text: str
    b_text: str
    counted: int = 0


@dataclass(frozen=True)
class Alignment:
    """The word alignment of two texts and the verdict drawn from it (see the module docstring)."""

    a_words: int
    b_words: int
    shared_words: int
    aligned_words: int
    shared_figures: int
    changed_figures: int
    changed_words: int
    changed_names: int
    noisy_words: int
    shared: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = field(repr=False)
    differences: tuple[Difference, ...] = field(repr=False)
    aligned: bool = True

    @property
    def noise_rate(self) -> float:
        """Fraction of the aligned words (shared or replaced) that are damaged copies."""
        return self.noisy_words / max(1, self.aligned_words)

    @property
    def figure_share(self) -> float:
        """Changed figures over the aligned figures (changed and shared)."""
        return self.changed_figures / max(1, self.changed_figures + self.shared_figures)

    @property
    def content_share(self) -> float:
        """Changed words (names counted twice) over the aligned words."""
        return (self.changed_words + self.changed_names) / max(1, self.aligned_words)

    @property
    def content_limit(self) -> float:
        """The content share that makes a template fill: :data:`CONTENT_SHARE` plus the pair's
        noise rate, since OCR damage that garbles a word beyond recognition looks like a change
        as often as it leaves a word recognizably damaged."""
        return CONTENT_SHARE + self.noise_rate

    @property
    def reason(self) -> str | None:
        """Why the pair is a template fill (None when it is not)."""
        if self.noisy_words >= max(NOISY_WORDS, NOISY_RATE * self.aligned_words):
            return None  # OCR'd text: its changed words and figures are as likely damage as facts
        if self.changed_figures >= FIGURE_COUNT or (self.changed_figures and self.figure_share >= FIGURE_SHARE):
            return (
                f"figures differ: {self.changed_figures} changed, {self.shared_figures} shared "
                f"({self.figure_share:.0%} >= {FIGURE_SHARE:.0%})"
            )
        if self.content_share >= self.content_limit:
            return (
                f"words differ: {self.changed_words} changed ({self.changed_names} names) in {self.aligned_words} aligned "
                f"({self.content_share:.0%} >= {self.content_limit:.0%})"
            )
        return None

    @property
    def template_fill(self) -> bool:
        """True when the texts are one template filled with other facts, not one document."""
        return self.reason is not None


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Word tokens of ``text`` as ``(token, start, end)``, in order."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _value(tok: str) -> float | None:
    """The number a figure token states (``1,660,000``, ``6-1/2``, ``3/4``, ``16.5``, ``seven``), or None."""
    if tok in NUMBER_WORDS:
        return float(NUMBER_WORDS[tok])
    m = _FRACTION.fullmatch(tok)
    if m:
        try:
            whole, num, den = int(m[1] or 0), int(m[2]), int(m[3])
            return whole + num / den if den else None
        except (OverflowError, ValueError):  # beyond a float, or more digits than int() reads
            return None
    m = _LEADING_NUMBER.match(tok)  # "40-mln", "15.5-pct", "5-year": the number before the unit
    if m is None:
        return None
    try:
        v = float(m[0].replace(",", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _half_unit(tok: str) -> float:
    """Half the last unit a decimal figure states: how far a number may be from it and still
    round to it. Fractions (``6-1/4``) and spelled-out numbers are exact (0)."""
    if tok in NUMBER_WORDS or "/" in tok:
        return 0.0
    tail = tok.replace(",", "").rpartition(".")[2] if "." in tok else ""
    return 0.5 * 10.0 ** -(len(tail) if tail.isdigit() else 0)


def _found(tok: str, values: list[float]) -> bool:
    """Whether a figure states a number of the other text: equal, or that number rounded to
    this figure's precision (strictly nearer than half its last unit), in units, thousands,
    millions or billions (``269`` against ``269.1``, ``4.9`` against ``4,895,720``).
    ``values`` are sorted."""
    v = _value(tok)
    if v is None:
        return False
    half = _half_unit(tok)
    at = bisect.bisect_left(values, v)
    if at < len(values) and values[at] == v:
        return True
    if half == 0:
        return False
    for s in _SCALES:
        lo, hi = s * (v - half), s * (v + half)
        at = bisect.bisect_right(values, lo)
        while at < len(values) and values[at] < hi:
            if abs(values[at]) >= s:
                return True
            at += 1
    return False


# Letters OCR reads for digits and digits it reads for letters ("5hr" for "Shr", "4o" for "40").
_OCR_DIGITS = str.maketrans("oOlIi|sSbBzZ", "001111558822")


def _digits(text: str) -> str:
    """The digits of ``text`` once letters OCR confuses with digits are read as digits."""
    return "".join(c for c in text.translate(_OCR_DIGITS) if c.isdigit())


def _plain_digits(text: str) -> str:
    """The ASCII digits of ``text``, in order (no letters read as digits)."""
    return "".join(c for c in text if "0" <= c <= "9")


def _close_digits(xa: str, xb: str) -> bool:
    """Whether two runs state nearly the same digits: at most one digit in three (and at least
    one) inserted, dropped or replaced. OCR damages a digit or two of a figure; a report of
    another day or company changes most of them (``17.55`` / ``17.18``)."""
    from rapidfuzz.distance import Levenshtein  # imported on first use: it costs start-up time

    da, db = _plain_digits(xa), _plain_digits(xb)
    return Levenshtein.distance(da, db) <= max(1, max(len(da), len(db)) // 3)


def _extends(tok: str, replaced: str | None) -> bool:
    """Whether a figure's digits (two or more) begin those of the word it replaces (``replaced``;
    None past the other side's run), or that word's begin its own (``590`` / ``5905``, ``2338`` /
    ``233``): OCR drops trailing digits and glues the next token's on; a changed figure rarely
    keeps the other's leading digits whole."""
    if replaced is None:
        return False
    mine, theirs = _plain_digits(tok), _plain_digits(replaced)
    return len(mine) >= 2 and len(theirs) >= 2 and theirs != mine and (theirs.startswith(mine) or mine.startswith(theirs))


def _is_figure(tok: str) -> bool:
    return tok in NUMBER_WORDS or bool(_DIGIT.search(tok))


#: A word right after one of these (spaces and tabs between) starts a sentence, a quote or a parenthesis: not a name.
_SENTENCE_MARKS = ".!?:;\n\"'([-"


def _is_name(doc: _Doc, n: int) -> bool:
    """Word ``n`` of ``doc`` is a capitalized word inside a sentence of mixed-case text (not its first word)."""
    word = doc.raw[n]
    if not (doc.mixed and word[:1].isupper() and not word.isupper() and not doc.figure[n]):
        return False
    start = doc.toks[n][1]
    before = doc.text[max(0, start - 3) : start].rstrip(" \t")
    return bool(before) and before[-1] not in _SENTENCE_MARKS


def _fact_word(word: str, others: list[str]) -> bool:
    """Whether a replaced word can be a changed fact: at least :data:`MIN_FACT_LETTERS` long
    (shorter ones are function words and OCR fragments) and not a short form, inflection or
    fragment of a word it replaces (one inside the other: ``oct``/``october``, ``let``/``chalet``)."""
    if len(word) < MIN_FACT_LETTERS:
        return False
    return not any(len(o) >= MIN_FACT_LETTERS and (o in word or word in o) for o in others)


def _figures(words: list[str]) -> tuple[set[str], list[float]]:
    figs = {w for w in words if _is_figure(w)}
    return figs, sorted(v for v in map(_value, figs) if v is not None)


def align(a: str, b: str) -> Alignment:
    """Align texts ``a`` and ``b`` word by word and classify every difference.

    Pass the texts as the shingler sees them (:meth:`dedup.Deduplicator.prepare`):
    normalization removes the differences that mean nothing, and case is kept where
    the text has it (names are told by their capitals in mixed-case text). Pairs
    over :data:`MAX_ALIGN_CELLS` word pairs are not aligned (``aligned`` False, no
    verdict). The verdict does not depend on the order of the texts: they are aligned
    in one canonical order and the sides swapped back.
    """
    return _classify(a, b, detail=True) if a <= b else _swapped(_classify(b, a, detail=True))


def alignable(a: str, b: str) -> bool:
    """Whether :func:`align` judges ``a`` and ``b``: at most :data:`MAX_ALIGN_CELLS` word pairs (a longer pair
    gets no verdict). Texts of few characters need no count: a word holds at least one."""
    if len(a) * len(b) <= MAX_ALIGN_CELLS:
        return True
    return len(_TOKEN.findall(a)) * len(_TOKEN.findall(b)) <= MAX_ALIGN_CELLS


def template_fill(a: str, b: str) -> bool:
    """``align(a, b).template_fill``, computed without recording the differences (what engines call)."""
    return bool(template_fill_many([a], [b], 1)[0])


def template_fill_many(texts_a: Sequence[str], texts_b: Sequence[str], n_jobs: int | None = 1) -> np.ndarray:
    """``template_fill(texts_a[m], texts_b[m])`` for every ``m``, as a bool array: compiled
    (``dedup._core.template_fill_batch``, the same verdict as :func:`align`, pair by pair), on
    ``n_jobs`` threads (``None``: one per core) without the GIL; each text is tokenized once."""
    threads = 0 if n_jobs is None else max(1, int(n_jobs))
    return _core.template_fill_batch(list(texts_a), list(texts_b), _core_params(), threads)


def figures_agree_many(texts_a: Sequence[str], texts_b: Sequence[str], n_jobs: int | None = 1) -> np.ndarray:
    """Per pair: whether the full alignment of ``texts_a[m]`` and ``texts_b[m]`` (:func:`align`) is no template fill,
    pairs at least one figure with the same figure and changes none (False for a pair too long to align):
    compiled (``dedup._core.figures_agree_batch``), on ``n_jobs`` threads (``None``: one per core)."""
    threads = 0 if n_jobs is None else max(1, int(n_jobs))
    return _core.figures_agree_batch(list(texts_a), list(texts_b), _core_params(), threads)


def template_fill_stored(store: _core.TextStore, left: np.ndarray, right: np.ndarray, n_jobs: int | None = 1) -> np.ndarray:
    """:func:`template_fill_many` of texts kept in a ``dedup._core.TextStore`` (see :class:`dedup.texts.StoredTexts`):
    pair ``m`` is stored texts ``left[m]`` and ``right[m]``, read and tokenized in the core without making strings."""
    threads = 0 if n_jobs is None else max(1, int(n_jobs))
    left = np.ascontiguousarray(left, dtype=np.int64)
    right = np.ascontiguousarray(right, dtype=np.int64)
    return _core.template_fill_rows(store, left, right, _core_params(), threads)


def _core_params() -> dict[str, object]:
    """This module's thresholds and word lists, as the compiled verdict takes them (read at each
    call: they are this module's, and a test or a user may set them)."""
    return {
        "NOISE_SIMILARITY": NOISE_SIMILARITY,
        "NOISY_RATE": NOISY_RATE,
        "NOISY_WORDS": NOISY_WORDS,
        "DAMAGED_RATE": DAMAGED_RATE,
        "FIGURE_SHARE": FIGURE_SHARE,
        "FIGURE_COUNT": FIGURE_COUNT,
        "CONTENT_SHARE": CONTENT_SHARE,
        "EDGE_WORDS": EDGE_WORDS,
        "MIN_FACT_LETTERS": MIN_FACT_LETTERS,
        "MAX_ALIGN_CELLS": MAX_ALIGN_CELLS,
        "NUMBER_WORDS": list(NUMBER_WORDS.items()),
        "SCALES": list(_SCALES),
        "OCR_DIGITS": dict(_OCR_DIGITS),
        "SENTENCE_MARKS": _SENTENCE_MARKS,
        "INT_MAX_STR_DIGITS": sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0,
    }


def _swapped(al: Alignment) -> Alignment:
    """The same alignment seen from the other text."""
    return replace(
        al,
        a_words=al.b_words,
        b_words=al.a_words,
        shared=tuple((sb, sa) for sa, sb in al.shared),
        differences=tuple(replace(d, a=d.b, b=d.a, a_text=d.b_text, b_text=d.a_text) for d in al.differences),
    )


class _Doc:
    """What the alignment needs of one text, computed once: a document is often in many pairs.
    Token offsets are found only when asked for (spans, names)."""

    __slots__ = ("text", "_toks", "raw", "words", "figure", "figures_before", "mixed")

    def __init__(self, text: str) -> None:
        self.text = text
        self._toks: list[tuple[str, int, int]] | None = None
        self.raw = _TOKEN.findall(text)
        self.words = [w.casefold() for w in self.raw]
        self.figure = [w in NUMBER_WORDS or (not w.isalpha() and _DIGIT.search(w) is not None) for w in self.words]
        self.figures_before = [0, *itertools.accumulate(self.figure)]
        self.mixed = text != text.upper() and text != text.lower()  # has both lower- and upper-case letters

    @property
    def toks(self) -> list[tuple[str, int, int]]:
        if self._toks is None:
            self._toks = tokens(self.text)
        return self._toks


#: Words of tokenized texts kept per process (least recently used dropped first): about 100 bytes each,
#: some 20 MB (the streaming-memory bound of `dedup filter` in tests/test_faults.py holds with it).
CACHE_WORDS = 200_000
_cache: OrderedDict[str, _Doc] = OrderedDict()
_cached_words = 0


def _doc(text: str) -> _Doc:
    """The tokenized ``text``, from a cache bounded by :data:`CACHE_WORDS` words (not by count:
    a few long documents must not hold gigabytes)."""
    global _cached_words
    doc = _cache.get(text)
    if doc is not None:
        _cache.move_to_end(text)
        return doc
    doc = _Doc(text)
    if len(doc.words) <= CACHE_WORDS // 4:
        _cache[text] = doc
        _cached_words += len(doc.words)
        while _cached_words > CACHE_WORDS:
            _, old = _cache.popitem(last=False)
            _cached_words -= len(old.words)
    return doc


def clear_cache() -> None:
    """Forget the tokenized texts (they are kept to align a document in many pairs)."""
    global _cached_words
    _cache.clear()
    _cached_words = 0


def _own_edge(first: bool, da: _Doc, i1: int, i2: int, db: _Doc, j1: int, j2: int) -> bool:
    """A short replaced run at a text's end that is the copy's own, not the story's: any sign-off
    at the end; at the start only a dateline (a date on both sides: "LONDON, March 27" /
    "GENEVA, December 13") -- a headline with another name in it is the story's."""
    if max(i2 - i1, j2 - j1) > EDGE_WORDS:
        return False
    if not first:
        return True
    return da.figures_before[i2] > da.figures_before[i1] and db.figures_before[j2] > db.figures_before[j1]


def _runs(wa: list[str], wb: list[str]) -> list[tuple[str, int, int, int, int]]:
    from rapidfuzz.distance import Levenshtein

    return [(op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end) for op in Levenshtein.opcodes(wa, wb)]


def _span(toks: list[tuple[str, int, int]], lo: int, hi: int, text_len: int, at_end: bool) -> tuple[int, int]:
    if lo < hi:
        return toks[lo][1], toks[hi - 1][2]
    pos = toks[lo][1] if lo < len(toks) else (text_len if at_end or toks else 0)
    return pos, pos


def _classify(a: str, b: str, detail: bool) -> Alignment:
    """The alignment of ``a`` and ``b``; without ``detail`` only its counts (no spans or
    differences), and a noisy pair -- which gets no verdict -- stops after the noise count."""
    da, db = _doc(a), _doc(b)
    if len(da.words) * len(db.words) > MAX_ALIGN_CELLS:
        return Alignment(len(da.words), len(db.words), 0, 0, 0, 0, 0, 0, 0, (), (), aligned=False)
    tally = _Tally(da, db, _runs(da.words, db.words), detail)
    if not tally.scan():  # an OCR'd copy: no verdict, whatever the rest says
        return Alignment(len(da.words), len(db.words), 0, tally.total, 0, 0, 0, 0, tally.noisy, (), ())
    tally.judge()
    return tally.alignment()


class _Unpaired(NamedTuple):
    """The words of each text that the alignment left unpaired (outside the equal runs), and the figures
    among them with the numbers they state (sorted). A word of a replaced run is "moved" (rephrased) when
    the other text uses it there, and new otherwise -- a word the other text uses only in shared runs is
    used there for something else."""

    words_a: set[str]
    words_b: set[str]
    figs_a: set[str]
    vals_a: list[float]
    figs_b: set[str]
    vals_b: list[float]


def _unpaired(runs: list[tuple[str, int, int, int, int]], wa: list[str], wb: list[str]) -> _Unpaired:
    set_a = {w for tag, i1, i2, _, _ in runs if tag != "equal" for w in wa[i1:i2]}
    set_b = {w for tag, _, _, j1, j2 in runs if tag != "equal" for w in wb[j1:j2]}
    figs_a, vals_a = _figures(list(set_a))
    figs_b, vals_b = _figures(list(set_b))
    return _Unpaired(set_a, set_b, figs_a, vals_a, figs_b, vals_b)


class _Tally:
    """What :func:`_classify` counts on the runs of one pair: :meth:`scan` takes the shared runs, the
    punctuation and the damage and leaves the other replaced runs pending; :meth:`judge` decides those
    once the pair's damage is known. With ``detail`` it records the spans and every difference too."""

    def __init__(self, da: _Doc, db: _Doc, runs: list[tuple[str, int, int, int, int]], detail: bool) -> None:
        self.da, self.db, self.runs, self.detail = da, db, runs, detail
        self.last = len(runs) - 1
        self.shared: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.diffs: list[tuple[int, Difference]] = []
        self.shared_words = self.shared_figures = self.noisy = self.replaced = 0
        self.changed_figures = self.changed_words = self.changed_names = 0
        self.pending: list[tuple[int, int, int, int, int, float]] = []  # replaced runs, judged once the noise is known
        # Without detail a noisy pair can stop as soon as its damage reaches the noisy level.
        self.total = 0
        self.stop_at = math.inf
        if not detail:
            self.total = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in runs if tag in ("equal", "replace"))
            self.stop_at = max(NOISY_WORDS, NOISY_RATE * self.total)

    def record(self, k: int, kind: Kind, i1: int, i2: int, j1: int, j2: int, counted: int = 0) -> None:
        if self.detail:
            da, db = self.da, self.db
            sa = _span(da.toks, i1, i2, len(da.text), k == self.last)
            sb = _span(db.toks, j1, j2, len(db.text), k == self.last)
            self.diffs.append((k, Difference(kind, sa, sb, da.text[sa[0] : sa[1]], db.text[sb[0] : sb[1]], counted)))

    def scan(self) -> bool:
        """The first pass over the runs; False when the damage makes the pair an OCR'd copy on the way
        (only without ``detail``: the pair is then left uncounted)."""
        da, db = self.da, self.db
        for k, (tag, i1, i2, j1, j2) in enumerate(self.runs):
            if tag == "equal":
                if self.detail:
                    self.shared.append((_span(da.toks, i1, i2, len(da.text), k == self.last),
                                        _span(db.toks, j1, j2, len(db.text), k == self.last)))
                self.shared_words += i2 - i1
                self.shared_figures += da.figures_before[i2] - da.figures_before[i1]
            elif tag == "replace":
                if self.replace(k, i1, i2, j1, j2):
                    return False
            else:
                self.record(k, "cut" if k in (0, self.last) else "added", i1, i2, j1, j2)
        return True

    def replace(self, k: int, i1: int, i2: int, j1: int, j2: int) -> bool:
        """A replaced run on the first pass: noise when only its punctuation differs or it reads almost the
        same, else pending. True when its damage makes the pair noisy enough to stop."""
        from rapidfuzz.distance import Indel

        da, db = self.da, self.db
        self.replaced += max(i2 - i1, j2 - j1)
        xa, xb = "".join(da.words[i1:i2]), "".join(db.words[j1:j2])
        if not (xa.isalnum() and xb.isalnum()) and _ALNUM.sub("", xa) == _ALNUM.sub("", xb):
            self.record(k, "noise", i1, i2, j1, j2)  # only punctuation differs ("U.K" / "UK"): the same words
            return False
        # By characters, spaces ignored: OCR splits and joins words ("of9.5 mlndlrs").
        sim = Indel.normalized_similarity(xa, xb)
        figures = da.figures_before[i2] > da.figures_before[i1] or db.figures_before[j2] > db.figures_before[j1]
        if sim >= NOISE_SIMILARITY and (not figures or _digits(xa) == _digits(xb)):
            self.noisy += max(i2 - i1, j2 - j1)
            self.record(k, "noise", i1, i2, j1, j2)
            return self.noisy >= self.stop_at
        self.pending.append((k, i1, i2, j1, j2, sim))
        return False

    def judge(self) -> None:
        """The second pass, on the pending replaced runs: damage in a damaged pair, a copy's own edge, or
        changed facts."""
        aligned_words = self.shared_words + self.replaced
        # Damage is told from words, not figures (a figure that differs is what is being judged);
        # one damaged word is a typo, not a noisy copy.
        is_noisy = self.noisy >= max(NOISY_WORDS, NOISY_RATE * aligned_words)
        damaged = self.noisy >= max(1, DAMAGED_RATE * aligned_words)
        if not self.pending or not (self.detail or not is_noisy):
            return
        da, db = self.da, self.db
        unpaired = _unpaired(self.runs, da.words, db.words)
        for k, i1, i2, j1, j2, sim in self.pending:
            if sim >= NOISE_SIMILARITY and damaged and _close_digits("".join(da.words[i1:i2]), "".join(db.words[j1:j2])):
                self.record(k, "noise", i1, i2, j1, j2)
                continue
            if k in (0, self.last) and (is_noisy or _own_edge(k == 0, da, i1, i2, db, j1, j2)):
                self.record(k, "cut", i1, i2, j1, j2)  # a copy's own dateline, byline or sign-off
                continue
            self.count_facts(k, i1, i2, j1, j2, sim, is_noisy, unpaired)

    def count_facts(self, k: int, i1: int, i2: int, j1: int, j2: int, sim: float, is_noisy: bool, u: _Unpaired) -> None:
        """The changed figures, words and names of a replaced run, counted, and its kind."""
        da, db = self.da, self.db
        wa, wb = da.words, db.words
        run_a, run_b = wa[i1:i2], wb[j1:j2]
        # A replaced run pairs its words in order: word t of one side replaces word t of the other.
        fa = [w for t, w in enumerate(run_a) if da.figure[i1 + t] and w not in u.figs_b and not _found(w, u.vals_b)
              and not _extends(w, run_b[t] if t < len(run_b) else None)]
        fb = [w for t, w in enumerate(run_b) if db.figure[j1 + t] and w not in u.figs_a and not _found(w, u.vals_a)
              and not _extends(w, run_a[t] if t < len(run_a) else None)]
        na = [n for n in range(i1, i2) if not da.figure[n] and wa[n] not in u.words_b and _fact_word(wa[n], run_b)]
        nb = [n for n in range(j1, j2) if not db.figure[n] and wb[n] not in u.words_a and _fact_word(wb[n], run_a)]
        c_all = min(len(fa) + len(na), len(fb) + len(nb))  # facts replaced by other facts
        c_fig = min(len(fa), len(fb)) if not is_noisy else 0  # numbers for numbers; OCR'd figures prove nothing
        c_word = c_all - c_fig
        c_name = 0
        if c_word:
            names_a = sum(_is_name(da, n) for n in na)
            names_b = sum(_is_name(db, n) for n in nb)
            c_name = min(c_word, names_a, names_b)
        self.changed_figures += c_fig
        self.changed_words += c_word
        self.changed_names += c_name
        kind: Kind = (
            "figure" if c_fig else "name" if c_name else "word" if c_word else "noise" if sim >= NOISE_SIMILARITY else "reworded"
        )
        self.record(k, kind, i1, i2, j1, j2, c_fig + c_word + c_name)

    def alignment(self) -> Alignment:
        """The counts (and with ``detail``, the spans and the differences in text order) as an :class:`Alignment`."""
        self.diffs.sort(key=lambda d: d[0])
        return Alignment(
            a_words=len(self.da.words),
            b_words=len(self.db.words),
            shared_words=self.shared_words,
            aligned_words=self.shared_words + self.replaced,
            shared_figures=self.shared_figures,
            changed_figures=self.changed_figures,
            changed_words=self.changed_words,
            changed_names=self.changed_names,
            noisy_words=self.noisy,
            shared=tuple(self.shared),
            differences=tuple(d for _, d in self.diffs),
        )
