"""Synthetic news-reprint clusters built from real articles, for accuracy benchmarks.

Real reprint data with gold labels is scarce, so this module takes real, mutually
unrelated articles (Reuters-21578 bodies, ViralTexts passages) and makes each chosen
one an *original* with 1-5 *reprints*, each damaged the way newspaper reprints and
their digitisation damage text. Everything is driven by one ``random.Random(seed)``:
the same inputs and seed give the same corpus, byte for byte.

Transforms, each a public function so tests can exercise it alone, in the order
:func:`reprint` applies them, with the default probability of each (see
:class:`ReprintParams`; at least one is applied to every reprint):

* :func:`abridge` (p=0.5) -- keep the first ``fraction`` (uniform in 0.5-1.0) of
  the characters, cut back to the last sentence end if that keeps >= 80 % of the
  prefix, else to the last word boundary. Editors cut stories from the bottom.
* :func:`swap_quotes_dashes` (p=0.5) -- straight quotes to curly ones and ``--``
  to an em dash, or the reverse when the text already has curly ones.
* :func:`add_dateline` (p=0.3) -- a prefix such as ``WASHINGTON, March 3 (Reuters) - ``.
* :func:`rewrap` (p=0.5) -- re-typeset: join each paragraph's lines (undoing
  end-of-line hyphenation) and wrap them again at a width uniform in 30-70
  columns, splitting a word that does not fit with a hyphen (``fa-\\nmilles``)
  80 % of the time.
* :func:`add_byline` (p=0.2) -- a ``By Jane Doe`` line on top.
* :func:`add_footer` (p=0.3) -- a last line such as ``Copyright 1987 ...`` or
  ``Source: ...``.
* :func:`ocr_noise` (p=0.6) -- edit a fraction (uniform in 1-5 %) of the character
  positions: 70 % substitutions with visually confusable glyphs (``rn``<->``m``,
  ``l``<->``1``, ``e``<->``c``, ``O``<->``0``, ``cl``<->``d``, ...), 15 %
  deletions, 15 % insertions of stray marks.
* :func:`mojibake` (p=0.2) -- a contiguous span covering a fraction (uniform in
  0.1-1.0) of the text is encoded as UTF-8 and decoded as cp1252 (``é``->``Ã©``,
  ``—``->``â€”``). ASCII is unaffected, so on Reuters it only shows after the
  curly quotes of :func:`swap_quotes_dashes`.

So: editing first, then typesetting, OCR, and re-encoding last. Each cluster has
1-5 reprints (uniform). :func:`make_reprint_corpus` builds a labelled corpus with
topic-matched distractors; :func:`default_synthetic_corpus` is the standard one
(1,000 clusters + 2,000 distractors, ~6,000 texts). :func:`light_perturbation` is
the much milder edit used to multiply texts for speed runs.

This module must not import the ``dedup`` package.
"""

from __future__ import annotations

import codecs
import random
import re
from collections import defaultdict, deque
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from .datasets import Corpus, PathLike, load_reuters, load_viraltexts, strip_reuters_signoff

__all__ = [
    "ReprintParams",
    "abridge",
    "add_byline",
    "add_dateline",
    "add_footer",
    "default_synthetic_corpus",
    "distinct_sources",
    "light_perturbation",
    "make_reprint_corpus",
    "mojibake",
    "ocr_noise",
    "pick_distractors",
    "reprint",
    "rewrap",
    "swap_quotes_dashes",
]

# --------------------------------------------------------------------------- OCR noise

# Glyphs an OCR engine confuses, both ways where it makes sense.
_PAIR_CONFUSABLES: dict[str, tuple[str, ...]] = {
    "rn": ("m",), "cl": ("d",), "vv": ("w",), "li": ("h",), "ii": ("u",), "in": ("m",),
}
_CONFUSABLES: dict[str, tuple[str, ...]] = {
    "m": ("rn", "in"), "d": ("cl",), "w": ("vv",), "h": ("li", "b"), "u": ("ii", "n"),
    "n": ("u", "ri"), "l": ("1", "I", "i"), "1": ("l", "I"), "I": ("l", "1"), "i": ("l", "1", "í"),
    "e": ("c", "o", "é"), "c": ("e",), "o": ("0", "c", "e"), "O": ("0", "Q", "D"), "0": ("O", "o"),
    "a": ("o", "s", "u"), "s": ("a", "5"), "S": ("5", "8"), "5": ("S",), "B": ("8", "E"), "8": ("B",),
    "t": ("f", "l"), "f": ("t",), "g": ("q", "y"), "q": ("g",), "b": ("h", "6"), "6": ("b",),
    "y": ("v",), "v": ("y",), "r": ("n", "t"), "E": ("F",), "F": ("E",), "C": ("G",), "G": ("C",),
    "k": ("lc",), ",": (".",), ".": (",",), ";": (":",), ":": (";",),
}
_STRAY = ".,'`;:-il1 "


def ocr_noise(text: str, rate: float, rng: random.Random) -> str:
    """Edit ``round(rate * len(text))`` distinct character positions, like a poor OCR.

    At each position: 70 % a substitution by a confusable glyph (a two-letter
    ligature such as ``rn`` becomes ``m``; a letter without a known confusion gets a
    stray mark), 15 % a deletion, 15 % an insertion of a stray character before it.
    Whitespace is never substituted (it is deleted, merging words, instead).
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be in [0, 1], not {rate}")
    n = len(text)
    k = round(rate * n)
    if k == 0:
        return text
    out: list[str] = []
    prev = 0
    for i in sorted(rng.sample(range(n), k)):
        if i < prev:  # swallowed by the previous two-letter substitution
            continue
        out.append(text[prev:i])
        ch = text[i]
        r = rng.random()
        if r < 0.70 and not ch.isspace():
            pair = _PAIR_CONFUSABLES.get(text[i : i + 2])
            if pair is not None:
                out.append(rng.choice(pair))
                prev = i + 2
                continue
            options = _CONFUSABLES.get(ch)
            out.append(rng.choice(options) if options else rng.choice(_STRAY.replace(ch, "")))
            prev = i + 1
        elif r < 0.85 or ch.isspace():
            prev = i + 1  # deletion
        else:
            out.append(rng.choice(_STRAY))  # insertion before ch
            prev = i
    out.append(text[prev:])
    return "".join(out)


# --------------------------------------------------------------------------- layout

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n|\n(?=[ \t]{2,}\S)")
_EOL_HYPHEN = re.compile(r"(?<=\w)-\n(?=\w)")


def rewrap(text: str, width: int, rng: random.Random | None = None, hyphen_prob: float = 0.8) -> str:
    """Re-typeset ``text`` in lines of at most ``width`` characters.

    Paragraphs (blank lines, or a newline before an indented line) are kept and joined
    by a blank line; inside a paragraph, end-of-line hyphenation is undone and lines
    refilled greedily. A word of letters that does not fit is split with a hyphen
    (``fa-\\nmilles``), keeping at least two letters on each side, with probability
    ``hyphen_prob`` (always when ``rng`` is None). Longer-than-``width`` words
    overflow rather than being broken.
    """
    if width < 8:
        raise ValueError("width must be >= 8")
    paragraphs = []
    for para in _PARAGRAPH_BREAK.split(text):
        words = _EOL_HYPHEN.sub("", para).split()
        if not words:
            continue
        lines: list[str] = []
        line = words[0]
        for word in words[1:]:
            if len(line) + 1 + len(word) <= width:
                line += " " + word
                continue
            cut = min(width - len(line) - 2, len(word) - 2)  # room for " " and "-"
            if (
                cut >= 2
                and word[:cut].isalpha()
                and word[cut : cut + 2].isalpha()
                and (rng is None or rng.random() < hyphen_prob)
            ):
                lines.append(f"{line} {word[:cut]}-")
                line = word[cut:]
            else:
                lines.append(line)
                line = word
        lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


# --------------------------------------------------------------------------- editing

SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s)")


def abridge(text: str, fraction: float) -> str:
    """Keep roughly the first ``fraction`` of ``text``, cut at a sentence or word boundary.

    The cut goes back to the last sentence end inside the first ``fraction * len``
    characters if that keeps at least 80 % of them, otherwise to the last whitespace.
    The result is always a prefix of ``text`` (trailing whitespace removed).
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")
    limit = int(len(text) * fraction)
    if limit >= len(text):
        return text
    window = text[: limit + 1]  # +1: a boundary right at the limit still counts
    ends = [m.end() for m in SENTENCE_END.finditer(window)]
    if ends and ends[-1] >= 0.8 * limit:
        cut = ends[-1]
    else:
        space = max(window.rfind(" "), window.rfind("\n"))
        cut = space if space > 0 else limit
    return text[:cut].rstrip()


_CITIES = (
    "WASHINGTON", "NEW YORK", "LONDON", "CHICAGO", "PARIS", "TOKYO", "BOSTON", "GENEVA",
    "OTTAWA", "BRUSSELS", "SAN FRANCISCO", "NEW ORLEANS", "PHILADELPHIA", "HONG KONG", "SYDNEY",
)
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)
_AGENCIES = ("(Reuters) -", "(Reuters) -", "(AP) --", "(UPI) -", "--", ".--", "-")
_FIRST = (
    "Jane", "John", "Mary", "Robert", "Ana", "David", "Sarah", "James", "Laura", "Peter", "Maria", "Thomas",
)
_LAST = (
    "Doe", "Smith", "Jones", "Garcia", "Miller", "Brown", "Wilson", "Moore", "Clark", "Lewis", "Walker",
    "Young",
)
_PAPERS = (
    "The Evening Star", "Daily Herald", "The Gazette", "Morning Chronicle", "The Weekly Tribune",
    "Associated Press", "Reuters", "The Courier",
)


def add_dateline(text: str, rng: random.Random) -> str:
    """Prefix a dateline such as ``WASHINGTON, March 3 (Reuters) - ``."""
    city = rng.choice(_CITIES)
    date = f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}"
    return f"{city}, {date} {rng.choice(_AGENCIES)} {text}"


def add_byline(text: str, rng: random.Random) -> str:
    """Put a ``By Jane Doe`` line (sometimes upper case, sometimes with a title) on top."""
    name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    byline = rng.choice((f"By {name}", f"By {name.upper()}", f"By {name}, Staff Writer"))
    return f"{byline}\n{text}"


def add_footer(text: str, rng: random.Random) -> str:
    """Append a last line: a copyright notice, a ``Source:`` credit or a reprint note."""
    paper = rng.choice(_PAPERS)
    footer = rng.choice(
        (
            f"Copyright {rng.randint(1870, 1999)} {paper}. All rights reserved.",
            f"Source: {paper}",
            f"-- {paper}.",
            f"Reprinted from {paper}.",
        )
    )
    return f"{text}\n{footer}"


_DOUBLE_OPEN = re.compile(r'(^|[\s(\[{—-])"')
_SINGLE_OPEN = re.compile(r"(^|[\s(\[{“—-])'")
_TO_STRAIGHT = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "–": "-"})


def swap_quotes_dashes(text: str, style: Literal["curly", "straight"]) -> str:
    """Typographic round trip: ``"curly"`` turns ``"x"``/``'x'``/``--`` into ``“x”``/``‘x’``/``—``
    (apostrophes become ``’``); ``"straight"`` does the reverse (``—`` -> ``--``, ``–`` -> ``-``).
    """
    if style == "straight":
        return text.translate(_TO_STRAIGHT).replace("—", "--")
    if style != "curly":
        raise ValueError(f"style must be 'curly' or 'straight', not {style!r}")
    text = text.replace("--", "—")
    text = _DOUBLE_OPEN.sub(r"\1“", text).replace('"', "”")
    return _SINGLE_OPEN.sub(r"\1‘", text).replace("'", "’")


# --------------------------------------------------------------------------- encoding


def _sloppy_decode(err: UnicodeError) -> tuple[str, int]:
    """Map a byte cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) to the same code point."""
    assert isinstance(err, UnicodeDecodeError)
    return chr(err.object[err.start]), err.start + 1


codecs.register_error("benchmarks.synth.sloppy", _sloppy_decode)


def mojibake(
    text: str, fraction: float, rng: random.Random, encoding: Literal["cp1252", "latin-1"] = "cp1252"
) -> str:
    """Garble a random contiguous span of ``fraction`` of the text: UTF-8 bytes read as ``encoding``.

    ``é`` becomes ``Ã©`` and ``—`` becomes ``â€”`` (cp1252; with latin-1 the second
    byte of such sequences becomes a C1 control character). Bytes cp1252 leaves
    undefined are kept as the same code point, as real mojibake does. ASCII is
    unchanged. ``ftfy.fix_text`` undoes it.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], not {fraction}")
    span = round(fraction * len(text))
    if span == 0:
        return text
    start = rng.randrange(len(text) - span + 1)
    garbled = text[start : start + span].encode("utf-8").decode(encoding, errors="benchmarks.synth.sloppy")
    return text[:start] + garbled + text[start + span :]


# --------------------------------------------------------------------------- reprints


@dataclass(frozen=True)
class ReprintParams:
    """Probabilities and parameter ranges of the reprint transforms (ranges inclusive)."""

    reprints: tuple[int, int] = (1, 5)
    p_abridge: float = 0.5
    abridge_fraction: tuple[float, float] = (0.5, 1.0)
    p_quotes: float = 0.5
    p_dateline: float = 0.3
    p_byline: float = 0.2
    p_footer: float = 0.3
    p_rewrap: float = 0.5
    rewrap_width: tuple[int, int] = (30, 70)
    p_ocr: float = 0.6
    ocr_rate: tuple[float, float] = (0.01, 0.05)
    p_mojibake: float = 0.2
    mojibake_fraction: tuple[float, float] = (0.1, 1.0)


_CURLY = re.compile("[“”‘’—–]")


def reprint(text: str, rng: random.Random, params: ReprintParams = ReprintParams()) -> tuple[str, list[str]]:
    """One synthetic reprint of ``text`` and the list of transforms applied (``name`` or ``name=value``).

    Each transform is drawn independently with its probability in ``params`` (one at
    random if none is drawn). A reprint of a non-empty text is not left identical to
    it: if the drawn transforms changed nothing, at least one OCR edit is added.
    """
    steps = ("abridge", "quotes", "dateline", "rewrap", "byline", "footer", "ocr", "mojibake")
    probs = (
        params.p_abridge, params.p_quotes, params.p_dateline, params.p_rewrap,
        params.p_byline, params.p_footer, params.p_ocr, params.p_mojibake,
    )
    chosen = {step for step, p in zip(steps, probs, strict=True) if rng.random() < p}
    if not chosen:
        chosen.add(rng.choice(steps))
    original = text
    applied: list[str] = []
    if "abridge" in chosen:
        fraction = rng.uniform(*params.abridge_fraction)
        text = abridge(text, fraction)
        applied.append(f"abridge={fraction:.2f}")
    if "quotes" in chosen:
        style: Literal["curly", "straight"] = "straight" if _CURLY.search(text) else "curly"
        text = swap_quotes_dashes(text, style)
        applied.append(f"quotes={style}")
    if "dateline" in chosen:
        text = add_dateline(text, rng)
        applied.append("dateline")
    if "rewrap" in chosen:
        width = rng.randint(*params.rewrap_width)
        text = rewrap(text, width, rng)
        applied.append(f"rewrap={width}")
    if "byline" in chosen:
        text = add_byline(text, rng)
        applied.append("byline")
    if "footer" in chosen:
        text = add_footer(text, rng)
        applied.append("footer")
    if "ocr" in chosen:
        rate = rng.uniform(*params.ocr_rate)
        text = ocr_noise(text, rate, rng)
        applied.append(f"ocr={rate:.3f}")
    if "mojibake" in chosen:
        fraction = rng.uniform(*params.mojibake_fraction)
        garbled = mojibake(text, fraction, rng)
        if garbled != text:  # no-op on ASCII: do not claim it
            text = garbled
            applied.append(f"mojibake={fraction:.2f}")
    if text == original and text:  # e.g. only a no-op quote swap was drawn: one edit at least
        rate = max(rng.uniform(*params.ocr_rate), 1 / len(text))
        text = ocr_noise(text, rate, rng)
        applied.append(f"ocr={rate:.3f}")
    return text, applied


def light_perturbation(text: str, rng: random.Random) -> str:
    """A near-copy for speed corpora: OCR edits at a rate of 0.2-1 % (at least one edit),
    and a dateline 30 % of the time."""
    if text:
        text = ocr_noise(text, max(rng.uniform(0.002, 0.01), 1 / len(text)), rng)
    return add_dateline(text, rng) if rng.random() < 0.3 else text


def pick_distractors(
    originals: list[int], rest: list[int], n: int, topics: Sequence[Hashable] | None
) -> list[int]:
    """``n`` items of ``rest`` (already shuffled); with ``topics``, cycle through the originals'
    topics and take an unused item of the same topic, falling back to any unused item."""
    if topics is None or not originals:
        return rest[:n]
    by_topic: dict[Hashable, deque[int]] = defaultdict(deque)
    for i in rest:
        by_topic[topics[i]].append(i)
    fallback = iter(rest)
    used: set[int] = set()
    picked: list[int] = []
    for j in range(n):
        queue = by_topic.get(topics[originals[j % len(originals)]])
        idx = None
        while queue and idx is None:
            candidate = queue.popleft()
            idx = None if candidate in used else candidate
        while idx is None:
            candidate = next(fallback)
            idx = None if candidate in used else candidate
        used.add(idx)
        picked.append(idx)
    return picked


def make_reprint_corpus(
    sources: Sequence[str],
    n_clusters: int,
    n_distractors: int,
    seed: int = 0,
    *,
    topics: Sequence[Hashable] | None = None,
    params: ReprintParams = ReprintParams(),
) -> Corpus:
    """A labelled corpus of ``n_clusters`` reprint clusters plus ``n_distractors`` singletons.

    ``sources`` must be mutually unrelated real texts (see :func:`distinct_sources`).
    A shuffled draw picks ``n_clusters`` originals; cluster ``c`` is the untouched
    original plus 1-5 :func:`reprint` s of it, all labelled ``c``. Distractors are other
    sources, never reprinted, labelled ``n_clusters + j``; with ``topics`` (one hashable
    per source) they are matched to the originals' topics, so they are hard negatives.
    Items are shuffled. ``ids`` are ``c00012-orig``, ``c00012-r1``, ..., ``d00034``;
    ``meta`` has per-item ``role`` (original/reprint/distractor), ``source_index`` and
    ``transforms``, plus the seed and parameters.
    """
    if n_clusters < 0 or n_distractors < 0:
        raise ValueError("n_clusters and n_distractors must be >= 0")
    if n_clusters + n_distractors > len(sources):
        raise ValueError(f"{n_clusters} clusters + {n_distractors} distractors > {len(sources)} sources")
    if topics is not None and len(topics) != len(sources):
        raise ValueError("topics must have one entry per source")
    rng = random.Random(seed)
    order = list(range(len(sources)))
    rng.shuffle(order)
    originals = order[:n_clusters]
    distractors = pick_distractors(originals, order[n_clusters:], n_distractors, topics)

    items: list[tuple[str, str, int, str, int, list[str]]] = []  # id, text, label, role, source, transforms
    for c, src in enumerate(originals):
        items.append((f"c{c:05d}-orig", sources[src], c, "original", src, []))
        for k in range(1, rng.randint(*params.reprints) + 1):
            text, applied = reprint(sources[src], rng, params)
            items.append((f"c{c:05d}-r{k}", text, c, "reprint", src, applied))
    for j, src in enumerate(distractors):
        items.append((f"d{j:05d}", sources[src], n_clusters + j, "distractor", src, []))
    rng.shuffle(items)

    return Corpus(
        name="synthetic-reprints",
        ids=[it[0] for it in items],
        texts=[it[1] for it in items],
        labels=[it[2] for it in items],
        meta={
            "seed": seed,
            "n_clusters": n_clusters,
            "n_distractors": n_distractors,
            "params": asdict(params),
            "role": [it[3] for it in items],
            "source_index": [it[4] for it in items],
            "transforms": [it[5] for it in items],
        },
    )


# --------------------------------------------------------------------------- standard corpus

_WORD = re.compile(r"\w+")


def _word_ngram_hashes(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(doc, hash)`` arrays, one row per distinct lower-cased word ``n``-gram of each text,
    sorted by hash then doc. Word ids are assigned in order of appearance, so the
    64-bit polynomial hashes are deterministic."""
    vocab: dict[str, int] = {}
    ids: list[int] = []
    lengths: list[int] = []
    for text in texts:
        words = _WORD.findall(text.lower())
        ids.extend([vocab.setdefault(w, len(vocab)) for w in words])
        lengths.append(len(words))
    tokens = np.asarray(ids, dtype=np.uint64) + np.uint64(1)
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    m = len(tokens) - n + 1
    if m <= 0:
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    hashes = np.zeros(m, dtype=np.uint64)
    for k in range(n):  # wraps modulo 2**64 by design
        hashes = hashes * np.uint64(0x9E3779B97F4A7C15) + tokens[k : m + k]
    inside = doc[:m] == doc[n - 1 :]  # drop n-grams that straddle two texts
    doc, hashes = doc[:m][inside], hashes[inside]
    order = np.lexsort((doc, hashes))
    doc, hashes = doc[order], hashes[order]
    first = np.ones(len(doc), dtype=bool)
    first[1:] = (hashes[1:] != hashes[:-1]) | (doc[1:] != doc[:-1])
    return doc[first], hashes[first]


def distinct_sources(
    texts: Sequence[str], threshold: float = 0.5, n: int = 5, max_df: int = 100
) -> list[int]:
    """Indices of ``texts`` with near-duplicates removed (the first of each group is kept).

    Text ``j`` is dropped when an earlier kept text ``i`` shares at least ``threshold``
    of the smaller of their word ``n``-gram sets (containment, so abridged copies
    count too). N-grams found in more than ``max_df`` texts (boilerplate) are not
    counted, and texts of fewer than ``n`` words are always kept. Reuters-21578 alone
    holds hundreds of natural duplicates, which would otherwise become wrongly
    labelled pairs between clusters and distractors.
    """
    doc, hashes = _word_ngram_hashes(texts, n)
    sizes = np.bincount(doc, minlength=len(texts))
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    df = np.diff(np.r_[starts, len(hashes)])
    codes = []
    for d in range(2, max_df + 1):  # every pair of texts sharing an n-gram of frequency d
        group = starts[df == d]
        if len(group) == 0:
            continue
        members = doc[group[:, None] + np.arange(d)]  # rows sorted by doc
        a, b = np.triu_indices(d, 1)
        codes.append(members[:, a].ravel() * len(texts) + members[:, b].ravel())
    pairs, shared = np.unique(np.concatenate(codes) if codes else np.empty(0, np.int64), return_counts=True)
    first, second = np.divmod(pairs, len(texts))
    close = shared >= threshold * np.minimum(sizes[first], sizes[second])
    dropped: set[int] = set()
    for i, j in sorted(zip(second[close].tolist(), first[close].tolist(), strict=True)):  # by later text
        if j not in dropped:
            dropped.add(i)
    return [i for i in range(len(texts)) if i not in dropped]


def default_synthetic_corpus(
    seed: int = 0,
    n_clusters: int = 1_000,
    n_distractors: int = 2_000,
    data: PathLike | None = None,
    min_words: int = 40,
    params: ReprintParams = ReprintParams(),
) -> Corpus:
    """The standard synthetic accuracy benchmark: 1,000 reprint clusters + 2,000 distractors.

    Sources are the Reuters-21578 bodies (sign-off removed) and the ViralTexts passages
    with at least ``min_words`` words, near-duplicates removed by
    :func:`distinct_sources`. Topics for distractor matching are ``reuters:<first
    topic>`` (``reuters:-`` without topics) and ``viraltexts``. With the defaults the
    corpus has about 6,000 texts (1,000 clusters of 2-6 texts, mean 4, and 2,000
    singletons); labels are ints, ``0..n_clusters-1`` for clusters and
    ``n_clusters + j`` for distractor ``j``. Raises ``DatasetMissing`` without data.
    """
    reuters = load_reuters(data=data)
    viral = load_viraltexts(data=data)
    texts = [strip_reuters_signoff(rec["body"]) for rec in reuters] + viral.texts
    topics = [f"reuters:{rec['topics'][0]}" if rec["topics"] else "reuters:-" for rec in reuters]
    topics += ["viraltexts"] * len(viral)
    long_enough = [i for i, t in enumerate(texts) if len(t.split()) >= min_words]
    keep = [long_enough[i] for i in distinct_sources([texts[i] for i in long_enough])]
    corpus = make_reprint_corpus(
        [texts[i] for i in keep],
        n_clusters,
        n_distractors,
        seed,
        topics=[topics[i] for i in keep],
        params=params,
    )
    corpus.name = "synthetic"
    corpus.meta["n_sources"] = len(keep)
    return corpus
