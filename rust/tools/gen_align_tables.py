"""Write rust/core/src/align/tables.rs: the character classes of Python's ``str`` that `dedup_core::align` needs.

Run from the repository root with dedup's virtualenv: ``python rust/tools/gen_align_tables.py``.

The verdict of :func:`dedup.align.template_fill` rests on Python's own reading of characters:
``re``'s Unicode ``\\w`` and ``\\d`` (not the ``regex`` module's), ``str.casefold``,
``str.isalpha``, ``str.isdigit``, ``str.isalnum``, ``str.isupper`` and whether ``str.upper()`` /
``str.lower()`` change a character. None of it is typed by hand: every table is read from the
running interpreter, and ``tests/test_align_core.py`` regenerates them and compares them with
the committed ones, so a Python with another Unicode database shows.

The rules themselves (which tokens, which runs, which counts) are written in Rust; for them
this script pins :mod:`dedup.align`: it hashes the source of every function the port mirrors
and refuses to write a table when the hash differs from :data:`PINNED_SOURCE_SHA256`. A change
to those rules therefore fails ``tests/test_align_core.py`` until the port is updated with it.
"""

from __future__ import annotations

import hashlib
import inspect
import pathlib
import re
import sys
import unicodedata

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dedup import align  # noqa: E402

OUT = ROOT / "rust" / "core" / "src" / "align" / "tables.rs"

#: The sha256 of the parts of dedup/align.py the Rust code mirrors (see `pinned_source`).
#: Update only after changing the port the same way.
PINNED_SOURCE_SHA256 = "bccf10d430f375426a5cc547f0c14d92fb87872bfd5186cd81c0166cb9826429"

#: What the port implements by hand, as dedup/align.py writes it (functions, and the classes `_classify` works with).
MIRRORED = (
    "_value",
    "_half_unit",
    "_found",
    "_digits",
    "_plain_digits",
    "_close_digits",
    "_extends",
    "_is_figure",
    "_is_name",
    "_fact_word",
    "_figures",
    "align",
    "_own_edge",
    "_runs",
    "_classify",
    "_Unpaired",
    "_unpaired",
    "_Tally",
)
PATTERNS = {
    "_TOKEN": r"\w+(?:[.,/'\u2019-]\w+)*",
    "_DIGIT": r"\d",
    "_FRACTION": r"(?:(\d+)-)?(\d+)/(\d+)",
    "_ALNUM": r"\W+",
    "_LEADING_NUMBER": r"\d[\d,]*(?:\.\d+)?(?=$|-[^\W\d_])",
}
CODE_POINTS = 0x110000


def pinned_source() -> str:
    """The source the port mirrors: the functions, the `_Doc` and `Alignment` classes, the regexes."""
    parts = [inspect.getsource(getattr(align, name)) for name in MIRRORED]
    parts.append(inspect.getsource(align._Doc.__init__))
    parts.append(inspect.getsource(align.Alignment))
    for name, pattern in PATTERNS.items():
        compiled = getattr(align, name)
        if compiled.pattern != pattern or compiled.flags != re.UNICODE:
            raise SystemExit(f"dedup.align.{name} is {compiled.pattern!r}, the port implements {pattern!r}")
        parts.append(f"{name} = {pattern!r}")
    return "\n".join(parts)


def source_hash() -> str:
    return hashlib.sha256(pinned_source().encode()).hexdigest()


def _ranges(pred) -> list[tuple[int, int]]:
    """Half-open ranges of the code points where ``pred`` holds."""
    out: list[tuple[int, int]] = []
    start = None
    for c in range(CODE_POINTS + 1):
        hit = c < CODE_POINTS and pred(chr(c))
        if hit and start is None:
            start = c
        elif not hit and start is not None:
            out.append((start, c))
            start = None
    return out


def _regex_ranges(pattern: str) -> list[tuple[int, int]]:
    rx = re.compile(pattern)
    return _ranges(lambda ch: rx.fullmatch(ch) is not None)


def _is_title(ch: str) -> bool:
    """CPython's TITLE flag (``Py_UNICODE_ISTITLE``): set from the category Lt."""
    return unicodedata.category(ch) == "Lt"


def classes() -> dict[str, list[tuple[int, int]]]:
    """Every character class the port reads, as half-open code point ranges."""
    # str.isupper() on a longer string is False if a character is lower or title case, else True
    # when one is upper case; check that the three flags read here are the ones it uses.
    for c in range(CODE_POINTS):
        ch = chr(c)
        upper, lower, title = ch.isupper(), ch.islower(), _is_title(ch)
        if ("1" + ch).isupper() != (upper and not lower and not title) or ch.istitle() != (upper or title):
            raise SystemExit(f"str.isupper of U+{c:04X} is not read from the upper, lower and title flags")
    return {
        "WORD": _regex_ranges(r"\w"),
        "DECIMAL": _regex_ranges(r"\d"),
        "DIGIT": _ranges(str.isdigit),
        "ALPHA": _ranges(str.isalpha),
        "ALNUM": _ranges(str.isalnum),
        "UPPER": _ranges(str.isupper),
        "LOWER": _ranges(str.islower),
        "TITLE": _ranges(_is_title),
        "UPPER_CHANGES": _ranges(lambda ch: ch.upper() != ch),
        "LOWER_CHANGES": _ranges(lambda ch: ch.lower() != ch),
    }


def decimal_values() -> list[tuple[int, int, int]]:
    """``(start, end, value at start)``: runs of ``\\d`` characters whose values count up by one,
    the values ``int()`` and ``float()`` read them as."""
    out: list[tuple[int, int, int]] = []
    for a, b in _regex_ranges(r"\d"):
        for c in range(a, b):
            v = int(chr(c))
            if out and out[-1][1] == c and out[-1][2] + (c - out[-1][0]) == v:
                out[-1] = (out[-1][0], c + 1, out[-1][2])
            else:
                out.append((c, c + 1, v))
    return out


def casefold_map() -> list[tuple[int, tuple[int, ...]]]:
    """Every code point ``str.casefold`` changes, with what it becomes (one to three code points)."""
    out = []
    for c in range(CODE_POINTS):
        folded = chr(c).casefold()
        if folded != chr(c):
            if not 1 <= len(folded) <= 3 or "\0" in folded:
                raise SystemExit(f"casefold of U+{c:04X} is {folded!r}: the table holds one to three code points")
            out.append((c, tuple(map(ord, folded))))
    return out


def main() -> None:
    digest = source_hash()
    if digest != PINNED_SOURCE_SHA256:
        raise SystemExit(
            f"dedup/align.py changed (sha256 {digest}, pinned {PINNED_SOURCE_SHA256}): update the Rust port "
            "in rust/core/src/align/ to the new rules, then PINNED_SOURCE_SHA256 in this script"
        )
    lines = [
        "//! Python's character classes, as the align port reads them (generated; do not edit).",
        "//!",
        f"//! Generated by `rust/tools/gen_align_tables.py` from Python {sys.version.split()[0]}",
        f"//! (Unicode {unicodedata.unidata_version}). `tests/test_align_core.py` regenerates the tables and",
        "//! compares them with these, so another Unicode database shows.",
        "",
        "/// The Unicode version of the Python the tables were read from.",
        f'pub const UNICODE_VERSION: &str = "{unicodedata.unidata_version}";',
        "",
        "/// The sha256 of the parts of `dedup/align.py` the port mirrors (see the generator).",
        f'pub const SOURCE_SHA256: &str = "{digest}";',
        "",
    ]
    docs = {
        "WORD": "`re`'s `\\w` (Unicode): `str.isalnum()` or `_`.",
        "DECIMAL": "`re`'s `\\d` (Unicode): `str.isdecimal()`.",
        "DIGIT": "`str.isdigit()`.",
        "ALPHA": "`str.isalpha()`.",
        "ALNUM": "`str.isalnum()`.",
        "UPPER": "`str.isupper()` of the character alone (CPython's UPPER flag).",
        "LOWER": "`str.islower()` of the character alone (CPython's LOWER flag).",
        "TITLE": "CPython's TITLE flag (category Lt).",
        "UPPER_CHANGES": "`ch.upper() != ch`.",
        "LOWER_CHANGES": "`ch.lower() != ch`.",
    }
    for name, ranges in classes().items():
        lines.append(f"/// {docs[name]} Half-open ranges, sorted and disjoint.")
        lines.append(f"pub const {name}: [(u32, u32); {len(ranges)}] = [")
        for i in range(0, len(ranges), 6):
            lines.append("    " + ", ".join(f"(0x{a:X}, 0x{b:X})" for a, b in ranges[i : i + 6]) + ",")
        lines.append("];")
        lines.append("")
    values = decimal_values()
    lines.append("/// `(start, end, value of start)`: runs of `\\d` characters whose digit values count up by one.")
    lines.append(f"pub static DECIMAL_VALUES: [(u32, u32, u32); {len(values)}] = [")
    for i in range(0, len(values), 4):
        lines.append("    " + ", ".join(f"(0x{a:X}, 0x{b:X}, {v})" for a, b, v in values[i : i + 4]) + ",")
    lines.append("];")
    lines.append("")
    folds = casefold_map()
    lines.append("/// `(code point, casefolded)`: every code point `str.casefold` changes; the fold padded with 0.")
    lines.append(f"pub static CASEFOLD: [(u32, [u32; 3]); {len(folds)}] = [")
    for i in range(0, len(folds), 4):
        cells = []
        for c, f in folds[i : i + 4]:
            padded = list(f) + [0] * (3 - len(f))
            cells.append(f"(0x{c:X}, [0x{padded[0]:X}, 0x{padded[1]:X}, 0x{padded[2]:X}])")
        lines.append("    " + ", ".join(cells) + ",")
    lines.append("];")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
