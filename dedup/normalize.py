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
2. ``unicode``: NFKC normalization (ligatures, full-width forms, NBSP...).
3. ``punctuation``: curly quotes to straight ones, every dash and ``--`` to ``-``.
4. ``boilerplate``: drop lines that are page furniture, not article text.
5. ``dehyphenate``: join words hyphenated at a line end (``fa-\\nmilles``).
6. ``unwrap``: join lines broken mid-sentence.
7. ``whitespace``: collapse all whitespace, line breaks included, to single spaces.
8. ``casefold``: full Unicode case folding.

The result is idempotent: ``n(n(x)) == n(x)``.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, fields

import regex

__all__ = ["Normalizer", "normalize"]

# Characters a UTF-8 continuation byte (0x80-0xBF) becomes when decoded as
# cp1252 or latin-1.
_CONT = "\x80-\xbf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
# Mojibake: a lead byte (0xC2-0xF4 as a Latin-1 letter) followed by a continuation byte.
_MOJIBAKE = regex.compile(f"[\u00c2-\u00f4][{_CONT}]")
# Anything that makes ftfy worth running.
_DAMAGE = regex.compile(
    f"[\u00c2-\u00f4][{_CONT}]|[\x80-\x9f\ufffd]|&(?:#[0-9]{{1,7}}|#[xX][0-9a-fA-F]{{1,6}}|[a-zA-Z][a-zA-Z0-9]{{1,31}});"
)
# A lone "â" (not followed by a continuation byte): the lead byte of U+2010..U+203F
# (dashes, quotes) whose continuation bytes were stripped.  Before a contraction
# suffix it was an apostrophe, elsewhere most likely a dash.
_ORPHAN_APOSTROPHE = regex.compile(f"(?<=\\p{{L}})\u00e2(?=(?:s|t|ll|re|ve|d|m)\\b)")
_ORPHAN_DASH = regex.compile(f"\u00e2(?![{_CONT}])")

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
_DOUBLE_DASH = regex.compile(r"-{2,}")

# Lines that are page furniture.  Each must match a whole (stripped) line.
_BOILERPLATE_LINE = regex.compile(
    r"""^(?:
        \d{1,2}:\d{2}(?::\d{2})?\s*-\s*source\s*:.{0,60}      # video duration + source
      | (?:source|credit|photo|image|video|watch)\s*:.{0,60}  # Source: CNN
      | by\s+\p{Lu}[\p{L}.'-]*(?:\s+(?:\p{Lu}[\p{L}.'-]*|and|de|van|von|la|le|,)){0,6}  # byline
        (?:\s*,\s*[\p{L} ]{0,40})?
      | (?:copyright|\(c\)|©).{0,120}
      | .{0,80}all\ rights\ reserved\.?
      | (?:advertisement|read\ more|related\ articles?|sign\ up.{0,60}|follow\ us.{0,60}|share\ this.{0,40})
      | (?:cnn|reuters|ap|afp|upi)\s*-\s*
    )$""",
    regex.IGNORECASE | regex.VERBOSE,
)
_VIDEO_SOURCE = regex.compile(r"^\d{1,2}:\d{2}(?::\d{2})?\s*-\s*source\s*:", regex.IGNORECASE)
# A dateline that opens the first line: "WASHINGTON, March 3 (Reuters) - ", "CNN - ".
_DATELINE = regex.compile(
    r"^(?:\p{Lu}[\p{Lu}\p{Zs}.,'-]{1,40}(?:,?\s*\p{L}{3,9}\.?\s+\d{1,2})?\s*)?"
    r"\((?:reuters|ap|afp|cnn|upi)\)\s*-+\s*"
    r"|^(?:cnn|reuters|afp)\s*-+\s+",
    regex.IGNORECASE,
)
_SENTENCE_END = regex.compile(r"""[.!?:;"')\]]$""")
_HYPHEN_BREAK = regex.compile(r"(\p{L})-[ \t]*\n[ \t]*(\p{Ll})")
_SPACE = regex.compile(r"\s+")


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

    def __call__(self, text: str) -> str:
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
        return bool(
            (self.fix_encoding and (_DAMAGE.search(text)))
            or (self.boilerplate and (_BOILERPLATE_LINE.match(text) or _DATELINE.match(text)))
        )

    def _once(self, text: str) -> str:
        ascii_only = text.isascii()
        if self.fix_encoding and not ascii_only:
            text = fix_encoding(text)
        elif self.fix_encoding and "&" in text:
            text = fix_encoding(text)
        if self.unicode and not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        if self.punctuation:
            text = fix_punctuation(text)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if self.boilerplate:
            text = strip_boilerplate(text)
        if self.dehyphenate:
            text = _HYPHEN_BREAK.sub(r"\1\2", text)
        if self.unwrap:
            text = unwrap_lines(text)
        if self.whitespace:
            text = collapse_whitespace(text)
        if self.casefold:
            text = text.casefold()
            if self.unicode and not text.isascii():
                # Case folding can denormalize (e.g. U+0130); renormalize so the
                # result is a fixed point.
                text = unicodedata.normalize("NFKC", text)
        return text


def fix_encoding(text: str) -> str:
    """Repair mojibake and HTML entities with ftfy, if the text shows damage."""
    if not _DAMAGE.search(text):
        return text
    import ftfy

    if "\u00e2" in text and _MOJIBAKE.search(text):
        # Only in text that shows mojibake elsewhere: a lone "â" is legitimate
        # in French or Portuguese.
        text = _ORPHAN_APOSTROPHE.sub("\u2019", text)
        text = _ORPHAN_DASH.sub("\u2014", text)
    return ftfy.fix_text(text, uncurl_quotes=False, fix_line_breaks=False, normalization=None)


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
    lines = text.split("\n")
    keep = [True] * len(lines)
    for i, line in enumerate(lines):
        s = line.strip()
        if not s or len(s) > 200:
            continue
        if _BOILERPLATE_LINE.match(s):
            keep[i] = False
            if _VIDEO_SOURCE.match(s):
                j, dropped = i - 1, 0
                while j >= 0 and dropped < 2:
                    prev = lines[j].strip()
                    if not prev:
                        j -= 1
                        continue
                    if len(prev.split()) > 15 or prev.endswith("."):
                        break
                    keep[j] = False
                    dropped += 1
                    j -= 1
    out = [line for line, k in zip(lines, keep) if k]
    # A dateline opens the first non-empty line.
    for i, line in enumerate(out):
        if line.strip():
            out[i] = _DATELINE.sub("", line.lstrip(), count=1)
            break
    return "\n".join(out)


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
        if out and s and out[-1] and not _SENTENCE_END.search(out[-1]):
            out[-1] = out[-1] + " " + s
        else:
            out.append(s)
    return "\n".join(out)


def collapse_whitespace(text: str) -> str:
    """Collapse every run of whitespace, line breaks included, to one space; strip the ends."""
    return _SPACE.sub(" ", text).strip()


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
