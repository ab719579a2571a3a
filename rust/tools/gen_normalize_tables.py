"""Write rust/core/src/normalize/tables.rs: the Unicode facts of this Python that the normalizer relies on.

The Rust normalizer must give exactly the result of ``dedup/normalize.py``, whose steps use
Python's own Unicode data (``str.isspace``, ``str.isalpha``, ``unicodedata.category``,
``str.casefold``, ``str.lower``, the ``re`` module's ``\\d``/``\\s``/``\\w`` and case-insensitive
literals) and the ``regex`` module's tables (``\\p{Lu}``, ``\\p{L}``, ``\\p{Zs}``, ``\\s``, ``\\d`` and
its case-insensitive literals), each of its own Unicode version. Every table here is read off
the running interpreter and modules by testing every code point, so it is what they do, not
what a Unicode file says. Surrogates are left out: a Rust ``char`` cannot be one (texts that
hold them are normalized in Python).

Run from the repository root with dedup's virtualenv: ``python rust/tools/gen_normalize_tables.py``.
``tests/test_normalize_core.py`` renders the tables again and compares them with the file.
"""

from __future__ import annotations

import functools
import pathlib
import re
import sys
import unicodedata
from collections.abc import Callable

import regex

OUT = pathlib.Path(__file__).resolve().parents[1] / "core" / "src" / "normalize" / "tables.rs"
SURROGATES = range(0xD800, 0xE000)
PLANE = 0x10000
# The characters of the case-insensitive literals of the normalizer's patterns.
NOCASE_LITERALS = "abcdefghijklmnopqrstuvwxyz ().:-,'©"


def _ranges(codes: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for c in codes:
        if c in SURROGATES:
            continue
        if out and out[-1][1] == c:
            out[-1] = (out[-1][0], c + 1)
        else:
            out.append((c, c + 1))
    return out


@functools.cache
def _planes() -> list[tuple[int, str]]:
    return [(base, "".join(map(chr, range(base, base + PLANE)))) for base in range(0, 0x110000, PLANE)]


def _by_pattern(pattern: re.Pattern | regex.Pattern) -> list[int]:
    """Code points the one-character ``pattern`` matches, found plane by plane."""
    return [base + m.start() for base, plane in _planes() for m in pattern.finditer(plane)]


def _by_test(test: Callable[[str], bool]) -> list[int]:
    return [c for c in range(0x110000) if c not in SURROGATES and test(chr(c))]


def tables() -> dict[str, object]:
    """Name -> table: range lists, literal -> matched characters, or character -> replacement."""
    category = unicodedata.category
    t: dict[str, object] = {
        "PY_SPACE": _ranges(_by_test(str.isspace)),
        "PY_ALPHA": _ranges(_by_test(str.isalpha)),
        "PY_LL": _ranges(_by_test(lambda ch: category(ch) == "Ll")),
        "PY_UNASSIGNED": _ranges(_by_test(lambda ch: category(ch) == "Cn")),
        "RE_DIGIT": _ranges(_by_pattern(re.compile(r"\d"))),
        "RE_SPACE": _ranges(_by_pattern(re.compile(r"\s"))),
        "RE_WORD": _ranges(_by_pattern(re.compile(r"\w"))),
        "RX_LU": _ranges(_by_pattern(regex.compile(r"\p{Lu}"))),
        "RX_L": _ranges(_by_pattern(regex.compile(r"\p{L}"))),
        "RX_ZS": _ranges(_by_pattern(regex.compile(r"\p{Zs}"))),
        "RX_SPACE": _ranges(_by_pattern(regex.compile(r"\s"))),
        "RX_DIGIT": _ranges(_by_pattern(regex.compile(r"\d"))),
        "RE_NOCASE": [(lit, _by_pattern(re.compile(re.escape(lit), re.IGNORECASE))) for lit in sorted(NOCASE_LITERALS)],
        "RX_NOCASE": [(lit, _by_pattern(regex.compile("(?i)" + regex.escape(lit)))) for lit in sorted(NOCASE_LITERALS)],
        "CASEFOLD": [(c, chr(c).casefold()) for c in range(0x110000) if c not in SURROGATES and chr(c).casefold() != chr(c)],
        "LOWER": [(c, chr(c).lower()) for c in range(0x110000) if c not in SURROGATES and chr(c).lower() != chr(c)],
    }
    return t


DOCS = {
    "PY_SPACE": "`str.isspace()`: the whitespace of `str.split()` and `str.strip()`.",
    "PY_ALPHA": "`str.isalpha()`.",
    "PY_LL": "`unicodedata.category(c) == \"Ll\"`.",
    "PY_UNASSIGNED": "`unicodedata.category(c) == \"Cn\"`: not assigned in Python's Unicode (NFKC is left to Python there).",
    "RE_DIGIT": "The `re` module's `\\d`.",
    "RE_SPACE": "The `re` module's `\\s`.",
    "RE_WORD": "The `re` module's `\\w`.",
    "RX_LU": "The `regex` module's `\\p{Lu}`.",
    "RX_L": "The `regex` module's `\\p{L}`.",
    "RX_ZS": "The `regex` module's `\\p{Zs}`.",
    "RX_SPACE": "The `regex` module's `\\s`.",
    "RX_DIGIT": "The `regex` module's `\\d`.",
    "RE_NOCASE": "Per literal character (sorted): the characters it matches in an `re.IGNORECASE` pattern.",
    "RX_NOCASE": "Per literal character (sorted): the characters it matches in a `regex` pattern under `(?i)`.",
    "CASEFOLD": "`str.casefold()` of every character it changes.",
    "LOWER": "`str.lower()` of every character it changes, taken alone (so U+03A3 gives U+03C3, never the final U+03C2).",
}


def _rust_str(s: str) -> str:
    return '"' + "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else f"\\u{{{ord(ch):X}}}" for ch in s) + '"'


def _rust_char(ch: str) -> str:
    return "'" + (ch if 32 <= ord(ch) < 127 and ch not in "'\\" else f"\\u{{{ord(ch):X}}}") + "'"


def render() -> str:
    lines = [
        "//! Unicode facts of the Python that `dedup/normalize.py` runs on (generated; do not edit).",
        "//!",
        f"//! Generated by `rust/tools/gen_normalize_tables.py` from Python {sys.version.split()[0]} "
        f"(Unicode {unicodedata.unidata_version}) and regex {regex.__version__}.",
        "//! `tests/test_normalize_core.py` renders them again from the running Python and compares, so a",
        "//! Python or regex upgrade that changes any of them shows. Ranges are half-open `[start, end)`,",
        "//! sorted and disjoint; surrogates are left out.",
        "",
        "#![allow(clippy::unreadable_literal)]",
        "",
    ]
    for name, table in tables().items():
        lines.append(f"/// {DOCS[name]}")
        if name.endswith("NOCASE"):
            lines.append(f"pub const {name}: &[(char, &[char])] = &[")
            for lit, codes in table:
                lines.append(f"    ({_rust_char(lit)}, &[{', '.join(_rust_char(chr(c)) for c in codes)}]),")
        elif name in ("CASEFOLD", "LOWER"):
            lines.append(f"pub const {name}: &[(char, &str)] = &[")
            for i in range(0, len(table), 6):
                lines.append("    " + ", ".join(f"({_rust_char(chr(c))}, {_rust_str(s)})" for c, s in table[i : i + 6]) + ",")
        else:
            lines.append(f"pub const {name}: &[(u32, u32)] = &[")
            for i in range(0, len(table), 6):
                lines.append("    " + ", ".join(f"(0x{a:X}, 0x{b:X})" for a, b in table[i : i + 6]) + ",")
        lines.append("];")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    OUT.write_text(render())


if __name__ == "__main__":
    main()
