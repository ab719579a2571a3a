"""Text normalization: make two copies of one article look the same.

Reprints differ in ways that carry no meaning: broken encodings (``HernÃ¡ndez``),
HTML entities, compatibility characters, curly versus straight quotes, ``--``
versus ``—``, lines wrapped and hyphenated at different columns, page furniture
(video captions, bylines, ``Source: CNN``), and case. :class:`Normalizer` removes
those differences, one switchable step each, in this order:

1. ``fix_encoding``: repair mojibake and HTML entities with ftfy. ftfy is slow,
   so it runs only on text that shows a sign of damage (a UTF-8 lead byte read
   as cp1252 followed by a continuation byte, C1 controls, U+FFFD, an entity).
   Dashes and quotes whose continuation bytes were lost (``USâsomething``) are
   restored as well, but only in text that shows other mojibake.
2. ``unicode``: NFKC normalization (ligatures, full-width forms, NBSP...), and
   invisible format characters (zero-width, soft hyphen, bidi controls) removed.
3. ``punctuation``: curly quotes to straight ones, every dash and ``--`` to ``-``.
4. ``boilerplate``: drop lines that are page furniture, not article text.
5. ``dehyphenate``: join words hyphenated at a line end (``fa-\\nmilles``).
6. ``unwrap``: join lines broken mid-sentence.
7. ``whitespace``: collapse all whitespace, line breaks included, to single spaces.
8. ``casefold``: full Unicode case folding.

The result is idempotent: ``n(n(x)) == n(x)``.

Every step but ``fix_encoding`` runs in the Rust core (``dedup._core``, module
``normalize`` of ``rust/core``), which gives exactly what the Python code below
gives (the functions of this module stay the reference, and the fallback). A text
that needs its encoding repaired is repaired here, then handed back to Rust for
the other steps; a text holding a code point Python's Unicode does not assign,
or a lone surrogate, is normalized here entirely. :meth:`Normalizer.batch` and
:meth:`Normalizer.for_shingling_batch` normalize many texts on threads, without
the GIL.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from . import _core, _kernels
from ._lazy import LazyPattern

__all__ = ["Normalizer", "normalize"]

# Characters a UTF-8 continuation byte (0x80-0xBF) becomes when decoded as
# cp1252 or latin-1.
_CONT = (
    "\x80-\xbf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018"
    "\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
)
# Mojibake: a lead byte (0xC2-0xF4 as a Latin-1 letter) followed by a continuation byte.
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][{_CONT}]")
# A lone "â" (not followed by a continuation byte): the lead byte of U+2010..U+203F
# (dashes, quotes) whose continuation bytes were stripped.  Before a contraction
# suffix it was an apostrophe, elsewhere most likely a dash.
_ORPHAN_APOSTROPHE = LazyPattern("(?<=\\p{L})\u00e2(?=(?:s|t|ll|re|ve|d|m)\\b)")
_ORPHAN_DASH = LazyPattern(f"\u00e2(?![{_CONT}])")

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u00b4": "'", "\u0060": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\ufe58": "-", "\ufe63": "-", "\uff0d": "-",
    }
)
# Invisible format characters that split words without meaning anything:
# zero-width space/joiners, word joiner, BOM, soft hyphen, bidi marks and controls.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_DOUBLE_DASH = LazyPattern(r"-{2,}")

# Lines that are page furniture.  Each must match a whole (stripped) line.
_BOILERPLATE_LINE = LazyPattern(
    r"""^(?:
        \d{1,2}:\d{2}(?::\d{2})?\s*-\s*(?i:source)\s*:.{0,60}            # video duration + source
      | (?i:source|credit|photo|image|video|watch)\s*:.{0,60}          # Source: CNN
      | (?:By|BY|by)\s+\p{Lu}[\p{L}.'-]*                               # byline: By Jane Doe
        (?:\s+(?:\p{Lu}[\p{L}.'-]*|and|de|van|von|la|le|,)){0,6}
        (?:\s*,\s*[\p{L} ]{0,40})?
      | (?i:copyright|\(c\)|©).{0,120}
      | (?i:advertisement|read\ more|related\ articles?|sign\ up.{0,60}|follow\ us.{0,60}|share\ this.{0,40})
      | (?i:cnn|reuters|ap|afp|upi)\s*-\s*
    )$""",
    "VERBOSE",
)
# Cheap first look: could any line of a text be boilerplate?  (One scan in C.)
_HINT_WORDS = (
    r"(?:\d{1,2}:\d|source|credit|photo|image|video|watch|by\s|copyright|\(c\)|©|advertisement|read more"
    r"|related|sign up|follow us|share this|cnn|reuters|ap\b|afp|upi)"
)
_BOILERPLATE_HINT = re.compile(r"^[ \t]*" + _HINT_WORDS, re.IGNORECASE | re.MULTILINE)
_BOILERPLATE_HINT_NL = re.compile(r"\n[ \t]*" + _HINT_WORDS)
_RESERVED = re.compile(r"^.*rights reserved", re.IGNORECASE | re.MULTILINE)
_RESERVED_LINE = re.compile(r".{0,80}all rights reserved\.?$", re.IGNORECASE)
_VIDEO_SOURCE = LazyPattern(r"^\d{1,2}:\d{2}(?::\d{2})?\s*-\s*source\s*:", "IGNORECASE")
# A dateline that opens the first line: "WASHINGTON, March 3 (Reuters) - ", "CNN - ".
_DATELINE = LazyPattern(
    r"^(?:\p{Lu}[\p{Lu}\p{Zs}.,'-]{1,40}(?:,?\s*\p{L}{3,9}\.?\s+\d{1,2})?\s*)?"
    r"\((?i:reuters|ap|afp|cnn|upi)\)\s*-+\s*"
    r"|^(?i:cnn|reuters|afp)\s*-+\s+"
)
_MOJIBAKE_PORT_BIT = 1 << 8
"""The core's option bit past the fields' (``Options::mojibake_port``): repair mojibake with the core's port of ftfy."""
_SENTENCE_END = frozenset(".!?:;\"')]")
# Every character ``punctuation`` turns into "-", so that a hyphenated line end is
# found whether or not that step ran first (the shingling path skips it).
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_SET = frozenset(_DASHES)


@dataclass(frozen=True)
class Normalizer:
    """Normalize text so that copies of one document compare equal.

    Every step is on by default and can be switched off by name; see the module
    docstring for what each step does. Instances are callable and immutable.
    """

    fix_encoding: bool = True
    unicode: bool = True
    punctuation: bool = True
    boilerplate: bool = True
    dehyphenate: bool = True
    unwrap: bool = True
    whitespace: bool = True
    casefold: bool = True

    def __post_init__(self) -> None:
        for f in fields(self):
            if not isinstance(getattr(self, f.name), bool):
                from .errors import ConfigError

                raise ConfigError(f"Normalizer.{f.name} must be True or False, got {getattr(self, f.name)!r}")
        _core.prepare_patterns()  # compiled on a core thread while the caller does other work (once per process)

    @functools.cached_property
    def _bits(self) -> int:
        """The options as the Rust core takes them: bit i is the i-th field."""
        return sum(1 << i for i, f in enumerate(fields(self)) if getattr(self, f.name))

    @functools.cached_property
    def _core_bits(self) -> int:
        """:attr:`_bits`, and bit 8 when the core may repair mojibake itself: its port of ftfy is the
        installed ftfy's (:func:`_port_matches_ftfy`). Then a damaged text is repaired as :func:`fix_encoding`
        repairs it, in the core on its threads, and left to Python only where the port is unsure."""
        port = self.fix_encoding and _port_matches_ftfy()
        return self._bits | (_MOJIBAKE_PORT_BIT if port else 0)

    def __call__(self, text: str) -> str:
        out = _core.normalize_text(text, self._core_bits, False) if isinstance(text, str) else None
        return self._call_python(text) if out is None else out

    def batch(self, texts: Sequence[str], n_jobs: int | None = None) -> list[str]:
        """``[self(t) for t in texts]``, on ``n_jobs`` threads (``None``: the kernels' setting,
        by default one per core) without the GIL; the result does not depend on ``n_jobs``."""
        return self._batch(texts, n_jobs, shingling=False)

    def for_shingling_batch(self, texts: Sequence[str], n_jobs: int | None = None) -> list[str]:
        """``[self.for_shingling(t) for t in texts]``, on ``n_jobs`` threads like :meth:`batch`."""
        return self._batch(texts, n_jobs, shingling=True)

    def _batch(self, texts: Sequence[str], n_jobs: int | None, shingling: bool) -> list[str]:
        if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1):
            from .errors import ConfigError

            raise ConfigError(f"n_jobs must be a positive integer or None, got {n_jobs!r}")
        if not isinstance(texts, list):
            texts = list(texts)
        threads = _kernels.get_num_threads() if n_jobs is None else n_jobs
        out = _core.normalize_batch(texts, self._core_bits, shingling, threads)
        # What Rust leaves (damaged encodings, code points Python's Unicode lacks, non-str) is done here.
        slow = self._for_shingling_python if shingling else self._call_python
        return [slow(texts[i]) if t is None else t for i, t in enumerate(out)]

    def _call_python(self, text: str) -> str:
        if not isinstance(text, str):
            from .errors import InputError

            raise InputError(f"text must be str, got {type(text).__name__}")
        out = self._once(text)
        # One pass is almost always a fixed point. It is not when case folding
        # made new mojibake-like pairs, or when joining lines made a new
        # boilerplate line; repeat until stable in those rare cases.
        for _ in range(8):
            if not self._may_change(out):
                break
            again = self._once(out)
            if again == out:
                break
            out = again
        return out

    def _may_change(self, text: str) -> bool:
        if not (self.whitespace and self.unwrap):
            return True
        if self.fix_encoding and text_flags(text) & _kernels.FLAG_DAMAGE:
            return True
        return bool(
            self.boilerplate and ((len(text) <= 200 and _BOILERPLATE_LINE.match(text)) or _DATELINE.match(text))
        )

    def for_shingling(self, text: str) -> str:
        """A cheaper text with exactly the shingles of ``self(text)``, once ASCII letters are lower-cased.

        Punctuation and spacing, which shingling ignores, are left as they are,
        and so is the case of ASCII letters (the shingling kernel folds it).
        Used by :class:`~dedup.Deduplicator`; :meth:`__call__` is the reference.
        """
        out = _core.normalize_text(text, self._core_bits, True) if isinstance(text, str) else None
        return self._for_shingling_python(text) if out is None else out

    def _for_shingling_python(self, text: str) -> str:
        if not (self.punctuation and self.whitespace and self.casefold and self.unwrap):
            return self(text)
        if not isinstance(text, str):
            return self(text)
        out = self._once(text, light=True)
        if self._may_change_light(out):
            return self(text)
        return out

    def _may_change_light(self, text: str) -> bool:
        if self.fix_encoding and text_flags(text) & _kernels.FLAG_DAMAGE:
            return True
        if not self.boilerplate:
            return False
        head = " ".join(fix_punctuation(text[:300]).split()).casefold()
        return bool((len(text) <= 200 and _BOILERPLATE_LINE.match(head)) or _DATELINE.match(head))

    def _once(self, text: str, light: bool = False) -> str:
        flags = text_flags(text)
        if self.fix_encoding and flags & _kernels.FLAG_DAMAGE:
            if flags & _kernels.FLAG_NONASCII:
                text = fix_encoding(text)
            else:
                import html  # here: it costs start-up time, and only Python's fallback needs it

                text = html.unescape(text)  # pure ASCII cannot hold mojibake; only entities need fixing
        # The other steps in Rust, here only for a text Rust leaves to Python.
        out = _core.normalize_steps(text, self._bits, light)
        return self._steps(text, light) if out is None else out

    def _steps(self, text: str, light: bool) -> str:
        """Every step after ``fix_encoding``, in Python: what ``_core.normalize_steps`` computes."""
        flags = text_flags(text)
        if self.unicode and flags & _kernels.FLAG_NONASCII:
            text = unicodedata.normalize("NFKC", text)
            if flags & _kernels.FLAG_INVISIBLE or not text.isascii() and _INVISIBLE.search(text):
                text = _INVISIBLE.sub("", text)
        if self.punctuation and not light:
            text = fix_punctuation(text)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if self.boilerplate:
            text = strip_boilerplate(text)
        if self.dehyphenate:
            text = dehyphenate(text)
        if self.unwrap and not self.whitespace:
            # With ``whitespace`` on every line break becomes a space anyway,
            # which is what unwrapping does to the breaks that matter.
            text = unwrap_lines(text)
        if self.whitespace and not light:
            text = collapse_whitespace(text)
        if self.casefold and not (light and text.isascii()):
            text = text.casefold()
            if self.unicode and not text.isascii():
                # Case folding can denormalize (e.g. U+0130); renormalize so the
                # result is a fixed point.
                text = unicodedata.normalize("NFKC", text)
        return text


def text_flags(text: str) -> int:
    """What a text may need (``_kernels.FLAG_*`` bits), from one compiled scan."""
    if text.isascii() and "&" not in text:
        return 0
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _kernels.text_flags(cps)


def fix_encoding(text: str) -> str:
    """Repair mojibake and HTML entities with ftfy, if the text shows damage."""
    if not text_flags(text) & _kernels.FLAG_DAMAGE:
        return text
    if "\u00e2" in text and _MOJIBAKE.search(text):
        # Only in text that shows mojibake elsewhere: a lone "â" is legitimate
        # in French or Portuguese.
        text = _ORPHAN_APOSTROPHE.sub("\u2019", text)
        text = _ORPHAN_DASH.sub("\u2014", text)
    # ftfy works line by line anyway: hand it only the damaged lines, which is
    # much cheaper when damage is sparse. The core's port of ftfy answers most of
    # them exactly as ftfy does (or not at all: then ftfy does).
    lines = text.split("\n")
    damaged = [i for i, line in enumerate(lines) if text_flags(line) & _kernels.FLAG_DAMAGE]
    fixed = _fast_fixes([lines[i] for i in damaged])
    for i, fast in zip(damaged, fixed):
        if fast is None:
            import ftfy

            fast = ftfy.fix_text(lines[i], uncurl_quotes=False, fix_line_breaks=False, normalization=None)
        lines[i] = fast
    return "\n".join(lines)


def _fast_fixes(lines: list[str]) -> list[str | None]:
    """The core's answer for each damaged line: ftfy's result, or None where ftfy must run.

    The port mirrors one ftfy version on one Unicode version; with any other, ftfy decides alone.
    """
    if not lines or not _port_matches_ftfy():
        return [None] * len(lines)
    return _core.fix_mojibake_lines(lines, 1)


@functools.lru_cache(maxsize=1)
def _port_matches_ftfy() -> bool:
    """Whether the installed ftfy and Unicode are the ones the core's port mirrors -- told without
    importing ftfy (40 ms) when its installed metadata says its version."""
    import sys

    if unicodedata.unidata_version != _core.MOJIBAKE_UNICODE_VERSION:
        return False
    if "ftfy" in sys.modules:
        return getattr(sys.modules["ftfy"], "__version__", None) == _core.MOJIBAKE_FTFY_VERSION
    import importlib.util
    import os.path  # not pathlib, which costs start-up time

    spec = importlib.util.find_spec("ftfy")
    if spec is None or spec.origin is None:
        return False
    site = os.path.dirname(os.path.dirname(spec.origin))
    if os.path.isdir(os.path.join(site, f"ftfy-{_core.MOJIBAKE_FTFY_VERSION}.dist-info")):
        return True
    import ftfy  # installed some other way: ask it

    return ftfy.__version__ == _core.MOJIBAKE_FTFY_VERSION


def fix_punctuation(text: str) -> str:
    """Map curly quotes to straight ones and every dash (and ``--``) to ``-``."""
    if not text.isascii():
        text = text.translate(_QUOTES)
    if "--" in text:
        text = _DOUBLE_DASH.sub("-", text)
    return text


def strip_boilerplate(text: str) -> str:
    """Drop page-furniture lines and an opening news-agency dateline.

    A video caption block is a ``05:36 - Source: CNN`` line and the title lines
    just above it; those (at most two short lines without a full stop) go too.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        # Lower-casing kept positions (always so in ASCII); a literal "\n" prefix scans fast.
        starts = {m.start() for m in _BOILERPLATE_HINT_NL.finditer("\n" + lowered)}
    else:
        starts = {m.start() for m in _BOILERPLATE_HINT.finditer(text)}
    if "eserved" in text or "ESERVED" in text:
        starts.update(m.start() for m in _RESERVED.finditer(text))
    drop: list[tuple[int, int]] = []
    for pos in sorted(starts):
        lo, hi = _line_span(text, pos)
        line = text[lo:hi].strip()
        if not line or len(line) > 200:
            continue
        # Match on the line as the punctuation step leaves it, whether or not
        # that step ran (the shingling path skips it).
        line = fix_punctuation(line)
        if not (_BOILERPLATE_LINE.match(line) or _RESERVED_LINE.match(line)):
            continue
        drop.append((lo, hi))
        if _VIDEO_SOURCE.match(line):
            dropped = 0
            while lo > 0 and dropped < 2:
                lo, hi = _line_span(text, lo - 1)
                prev = text[lo:hi].strip()
                if not prev:
                    continue
                if len(prev.split()) > 15 or prev.endswith("."):
                    break
                drop.append((lo, hi))
                dropped += 1
    if drop:
        drop.sort()
        pieces, at = [], 0
        for lo, hi in drop:
            if lo >= at:
                pieces.append(text[at:lo])
                at = hi
        pieces.append(text[at:])
        text = "".join(pieces)
    return _strip_dateline(text)


def _line_span(text: str, pos: int) -> tuple[int, int]:
    """``(start, end)`` of the line holding ``pos``; ``end`` includes the line break."""
    lo = text.rfind("\n", 0, pos) + 1
    hi = text.find("\n", pos)
    return lo, len(text) if hi < 0 else hi + 1


def _strip_dateline(text: str) -> str:
    """Remove a news-agency dateline opening the text.

    The dateline is matched on the opening as the punctuation step leaves it
    (quotes and dashes unified, dash runs collapsed), then cut from the text.
    """
    stripped = text.lstrip()
    m = _DATELINE.match(fix_punctuation(stripped[:200]))
    if not m:
        return text
    # Walk the original while counting characters of the punctuation view.
    seen, i, n = 0, 0, len(stripped)
    while seen < m.end() and i < n:
        if stripped[i] == "-" or stripped[i].translate(_QUOTES) == "-":
            while i < n and (stripped[i] == "-" or stripped[i].translate(_QUOTES) == "-"):
                i += 1
        else:
            i += 1
        seen += 1
    return stripped[i:]


def dehyphenate(text: str) -> str:
    """Join a word hyphenated at a line end: a letter, dashes, a line break, a lower-case letter."""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    out = [lines[0]]
    changed = False
    for line in lines[1:]:
        end = out[-1].rstrip(" \t")
        if end and end[-1] in _DASH_SET:
            body = end.rstrip(_DASHES)
            start = line.lstrip(" \t")
            if body and start and body[-1].isalpha() and unicodedata.category(start[0]) == "Ll":
                out[-1] = body + start
                changed = True
                continue
        out.append(line)
    return "\n".join(out) if changed else text


def unwrap_lines(text: str) -> str:
    """Join a line to the next when it does not end a sentence.

    Blank lines (paragraph breaks) are kept.
    """
    if "\n" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        s = line.strip()
        if out and s and out[-1] and out[-1][-1] not in _SENTENCE_END:
            out[-1] = out[-1] + " " + s
        else:
            out.append(s)
    return "\n".join(out)


def collapse_whitespace(text: str) -> str:
    """Collapse every run of whitespace, line breaks included, to one space; strip the ends."""
    return " ".join(text.split())


@functools.lru_cache(maxsize=64)
def _normalizer(**options: bool) -> Normalizer:
    return Normalizer(**options)


def normalize(text: str, **options: bool) -> str:
    """Normalize ``text``; keyword options switch steps off (see :class:`Normalizer`).

    >>> normalize("Hern\\u00c3\\u00a1ndez said \\u201cno\\u201d -- twice")
    'hernández said "no" - twice'
    """
    try:
        n = _normalizer(**options)
    except TypeError as exc:
        from .errors import ConfigError

        raise ConfigError(f"unknown normalize option: {exc}") from None
    return n(text)
