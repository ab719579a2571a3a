"""Write rust/core/src/mojibake/tables.rs: the data of ftfy that `dedup_core::mojibake` ports.

Run from the repository root with dedup's virtualenv: ``python rust/tools/gen_mojibake_tables.py``.

The Rust port of ``ftfy.fix_text`` is only exact if its data is ftfy's data, so none of it is
typed by hand: the badness regex is taken apart with Python's own regex parser, the
single-byte codecs are asked for every byte, and the HTML entity, width, ligature and
control-character maps are read from ftfy and the ``html`` module. Python's ``\\s`` and ``\\w``
come from the running interpreter's Unicode database.

What cannot be data (the order of ftfy's steps, the shape of a few regexes) is written in
Rust; for it, this script pins ftfy: it hashes the source of every function the port mirrors
and the text of every regex written out by hand, and refuses to write a table for an ftfy
whose hash differs from :data:`PINNED_SOURCE_SHA256`. A new ftfy therefore fails
``tests/test_mojibake_core.py`` (which regenerates the table and compares it with the
committed one) until someone has read what changed and updated the port and the pin.
"""

from __future__ import annotations

import hashlib
import html
import html.entities
import inspect
import pathlib
import re
import sys
import unicodedata

import ftfy
import ftfy.bad_codecs.sloppy
import ftfy.bad_codecs.utf8_variants
from ftfy import badness, chardata, fixes

try:  # Python 3.11+
    import re._constants as sre_constants
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

OUT = pathlib.Path(__file__).resolve().parents[1] / "core" / "src" / "mojibake" / "tables.rs"

# The sha256 of everything in ftfy (and html) whose behaviour the Rust code mirrors by hand;
# see `pinned_source()`. Update only after checking the port against the new source.
PINNED_SOURCE_SHA256 = "98228783e4ee8c498fdac9b25ab5b0a1275e71920b9a43c74bb68ed383b970cb"

# The regexes the Rust code implements by hand, as ftfy 6.3 writes them.
HAND_PORTED = {
    "HTML_ENTITY_RE": (chardata.HTML_ENTITY_RE, "&#?[0-9A-Za-z]{1,24};"),
    "C1_CONTROL_RE": (chardata.C1_CONTROL_RE, r"[\x80-\x9f]"),
    "ANSI_RE": (fixes.ANSI_RE, "\x1b\\[((?:\\d|;)*)([a-zA-Z])"),
    "A_GRAVE_WORD_RE": (fixes.A_GRAVE_WORD_RE, b"\xc3 (?! |quele|quela|quilo|s )"),
    "SURROGATE_RE": (fixes.SURROGATE_RE, "[\ud800-\udfff]"),
    "UTF8_DETECTOR_RE": (
        chardata.UTF8_DETECTOR_RE,
        """
    (?<! [{utf8_continuation_strict}])
    (
        [{utf8_first_of_2}] [{utf8_continuation}]
        |
        [{utf8_first_of_3}] [{utf8_continuation}]{{2}}
        |
        [{utf8_first_of_4}] [{utf8_continuation}]{{3}}
    )+
    """.format(**chardata.UTF8_CLUES),
    ),
}
UTF8_CLUE_ORDER = ["utf8_first_of_2", "utf8_first_of_3", "utf8_first_of_4", "utf8_continuation", "utf8_continuation_strict"]
CHARMAP_ENCODINGS = [
    "latin-1",
    "sloppy-windows-1252",
    "sloppy-windows-1251",
    "sloppy-windows-1250",
    "sloppy-windows-1253",
    "sloppy-windows-1254",
    "sloppy-windows-1257",
    "iso-8859-2",
    "macroman",
    "cp437",
]
ALL_CHARS = "".join(map(chr, range(0x110000)))


def pinned_source() -> str:
    """The source text the hand-written Rust mirrors: functions, codecs, hand-ported regexes."""
    parts = [
        ftfy.fix_text, ftfy.fix_and_explain, ftfy.fix_encoding_and_explain, ftfy._fix_encoding_one_step_and_explain,
        ftfy.fix_encoding, ftfy._try_fix, ftfy.TextFixerConfig, fixes._unescape_fixup, fixes.unescape_html,
        fixes.remove_terminal_escapes, fixes.fix_latin_ligatures, fixes.fix_character_width, fixes.fix_surrogates,
        fixes.remove_control_chars, fixes.restore_byte_a0, fixes.replace_lossy_sequences, fixes.decode_inconsistent_utf8,
        fixes._c1_fixer, fixes.fix_c1_controls, chardata.possible_encoding, chardata._build_regexes,
        chardata._build_html_entities, chardata._build_control_char_mapping, chardata._build_width_map,
        badness.badness, badness.is_bad, ftfy.bad_codecs.sloppy, ftfy.bad_codecs.utf8_variants, html._replace_charref, html.unescape,
    ]
    text = [inspect.getsource(p) for p in parts]
    text.append(repr(sorted(ftfy.FIXERS)))
    text.append(html._charref.pattern)
    return "\n".join(text)


def check_pins() -> str:
    """Fail unless ftfy is the one the Rust port was written against; return the source hash."""
    problems = []
    digest = hashlib.sha256(pinned_source().encode("utf-8", "surrogatepass")).hexdigest()
    if digest != PINNED_SOURCE_SHA256:
        problems.append(f"source of the ported functions has sha256 {digest}, the port was written for {PINNED_SOURCE_SHA256}")
    for name, (rx, expected) in HAND_PORTED.items():
        if rx.pattern != expected:
            problems.append(f"{name} is now {rx.pattern!r}")
    if chardata.CHARMAP_ENCODINGS != CHARMAP_ENCODINGS:
        problems.append(f"CHARMAP_ENCODINGS is now {chardata.CHARMAP_ENCODINGS}")
    if badness.BADNESS_RE.flags != re.VERBOSE | re.UNICODE:
        problems.append("BADNESS_RE has other flags")
    if problems:
        sys.exit("ftfy changed since the Rust port was written; review rust/core/src/mojibake against it:\n  " + "\n  ".join(problems))
    return digest


# ------------------------------------------------------------------------------ char sets


def ranges_of(members: set[int]) -> list[tuple[int, int]]:
    """Sorted half-open ranges covering exactly ``members``."""
    out: list[tuple[int, int]] = []
    for c in sorted(members):
        if out and out[-1][1] == c:
            out[-1] = (out[-1][0], c + 1)
        else:
            out.append((c, c + 1))
    return out


def regex_members(pattern: str) -> set[int]:
    """Code points one-character ``pattern`` matches (Python ``re``, str semantics)."""
    return {m.start() for m in re.finditer(pattern, ALL_CHARS)}


CATEGORY_SETS: dict[object, set[int]] = {}


def category(cat: object) -> set[int]:
    if cat not in CATEGORY_SETS:
        src = {
            sre_constants.CATEGORY_SPACE: r"\s",
            sre_constants.CATEGORY_WORD: r"\w",
            sre_constants.CATEGORY_DIGIT: r"\d",
        }.get(cat)
        if src is None:
            raise SystemExit(f"BADNESS_RE uses category {cat}, which the generator does not know")
        CATEGORY_SETS[cat] = regex_members(src)
    return CATEGORY_SETS[cat]


def set_items(items: list) -> tuple[frozenset[int], bool]:
    """Members and negation of a parsed character set (``IN`` item list)."""
    members: set[int] = set()
    negate = False
    for op, av in items:
        if op is sre_constants.NEGATE:
            negate = True
        elif op is sre_constants.LITERAL:
            members.add(av)
        elif op is sre_constants.RANGE:
            members.update(range(av[0], av[1] + 1))
        elif op is sre_constants.CATEGORY:
            members |= category(av)
        else:
            raise SystemExit(f"unexpected set item {op} in BADNESS_RE")
    return frozenset(members), negate


def badness_alternatives() -> tuple[list[frozenset[int]], list[list[tuple[str, int, bool, bool]]]]:
    """BADNESS_RE as alternatives of steps ``(kind, class, negate, optional)``; kind is "char" or "start"."""
    tree = sre_parse.parse(badness.BADNESS_RE.pattern, badness.BADNESS_RE.flags)
    if len(tree.data) != 1 or tree.data[0][0] is not sre_constants.BRANCH:
        raise SystemExit("BADNESS_RE is no longer one alternation")
    classes: list[frozenset[int]] = []

    def class_id(members: frozenset[int]) -> int:
        if members not in classes:
            classes.append(members)
        return classes.index(members)

    def atom(op, av, optional: bool) -> tuple[str, int, bool, bool]:
        if op is sre_constants.LITERAL:
            return ("char", class_id(frozenset([av])), False, optional)
        if op is sre_constants.NOT_LITERAL:
            return ("char", class_id(frozenset([av])), True, optional)
        if op is sre_constants.IN:
            members, negate = set_items(av)
            return ("char", class_id(members), negate, optional)
        if op is sre_constants.ANY:  # any character but a newline (no DOTALL)
            return ("char", class_id(frozenset([10])), True, optional)
        if op is sre_constants.AT and av is sre_constants.AT_BEGINNING and not optional:
            return ("start", 0, False, False)
        raise SystemExit(f"unexpected item {op} {av} in BADNESS_RE")

    alternatives = []
    for sub in tree.data[0][1][1]:
        steps = []
        for op, av in sub.data:
            if op is sre_constants.MAX_REPEAT and av[0] == 0 and av[1] == 1 and len(av[2].data) == 1:
                steps.append(atom(*av[2].data[0], optional=True))
            else:
                steps.append(atom(op, av, optional=False))
        alternatives.append(steps)
    return classes, alternatives


def mask_table(classes: list[frozenset[int]]) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Per-code-point class bit masks: a direct table below U+0100, ranges above."""
    bounds: dict[int, int] = {}
    for bit, members in enumerate(classes):
        for a, b in ranges_of(set(members)):
            bounds[a] = bounds.get(a, 0) ^ (1 << bit)
            bounds[b] = bounds.get(b, 0) ^ (1 << bit)
    low = [0] * 256
    high: list[tuple[int, int, int]] = []
    mask = 0
    points = sorted(bounds)
    for i, p in enumerate(points):
        mask ^= bounds[p]
        end = points[i + 1] if i + 1 < len(points) else 0x110000
        if not mask:
            continue
        for c in range(p, min(end, 256)):
            low[c] = mask
        a = max(p, 256)
        if a < end:
            if high and high[-1][1] == a and high[-1][2] == mask:
                high[-1] = (high[-1][0], end, mask)
            else:
                high.append((a, end, mask))
    return low, high


# ------------------------------------------------------------------------------ codecs


def charmap(encoding: str) -> list[tuple[int, int]]:
    """``(char, byte)`` for every character ftfy's ``possible_encoding`` accepts beyond ASCII and byte 0x1A's slot.

    The set is read from ftfy's own regex for the encoding; each character's byte from the codec.
    """
    pattern = chardata.ENCODING_REGEXES[encoding].pattern
    if not (pattern.startswith("^[\x00-\x19\x1b-\x7f") and pattern.endswith("]*$")):
        raise SystemExit(f"ENCODING_REGEXES[{encoding!r}] has an unexpected shape")
    members = regex_members(pattern[1:-2])
    plain = set(range(0x80)) - {0x1A}
    if not plain <= members:
        raise SystemExit(f"{encoding}: ASCII is not all encodable")
    out = []
    for c in sorted(members - plain):
        b = chr(c).encode(encoding)
        if len(b) != 1:
            raise SystemExit(f"{encoding}: U+{c:04X} is not one byte")
        out.append((c, b[0]))
    if sorted(b for _, b in out) != sorted(set(b for _, b in out)):
        raise SystemExit(f"{encoding}: two characters share a byte")
    return out


def byte_alternatives(rx: re.Pattern[bytes]) -> list[list[list[int]]]:
    """A bytes regex that is an alternation of fixed byte-class sequences, as lists of 256-bit sets."""
    tree = sre_parse.parse(rx.pattern, rx.flags)
    alts = tree.data[0][1][1] if tree.data[0][0] is sre_constants.BRANCH else [tree]
    out = []
    for sub in alts:
        seq = []
        for op, av in sub.data:
            if op is sre_constants.LITERAL:
                members = {av}
            elif op is sre_constants.IN:
                got, negate = set_items(av)
                if negate:
                    raise SystemExit(f"unexpected negated set in {rx.pattern!r}")
                members = set(got)
            else:
                raise SystemExit(f"unexpected item {op} in {rx.pattern!r}")
            words = [0, 0, 0, 0]
            for b in members:
                words[b >> 6] |= 1 << (b & 63)
            seq.append(words)
        out.append(seq)
    return out


# ------------------------------------------------------------------------------ Rust output


def rs_str(s: str) -> str:
    out = []
    for ch in s:
        c = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= c < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\u{{{c:X}}}")
    return '"' + "".join(out) + '"'


def rs_char(c: int) -> str:
    return f"'\\u{{{c:X}}}'"


def render() -> str:
    """The text of tables.rs for the running Python and ftfy (exits if ftfy is not the pinned one)."""
    digest = check_pins()
    lines = [
        "//! ftfy's data, as the Rust port of `ftfy.fix_text` needs it (generated; do not edit).",
        "//!",
        f"//! Generated by `rust/tools/gen_mojibake_tables.py` from ftfy {ftfy.__version__} on Python",
        f"//! {sys.version.split()[0]} (Unicode {unicodedata.unidata_version}). `tests/test_mojibake_core.py` regenerates it and",
        "//! compares, so an ftfy, Python or Unicode update shows there first.",
        "",
        "#![allow(clippy::unreadable_literal)]",
        "",
        "/// The ftfy version this table and the port were made for; callers check it before trusting the port.",
        f"pub const FTFY_VERSION: &str = {rs_str(ftfy.__version__)};",
        "/// The Unicode version of the Python the `\\s`, `\\w` and entity data came from.",
        f"pub const UNICODE_VERSION: &str = {rs_str(unicodedata.unidata_version)};",
        "/// sha256 of the ftfy source the hand-written part of the port mirrors.",
        f"pub const FTFY_SOURCE_SHA256: &str = {rs_str(digest)};",
        "",
    ]

    # Badness.
    classes, alternatives = badness_alternatives()
    if len(classes) > 128:
        raise SystemExit(f"BADNESS_RE has {len(classes)} character classes; masks hold 128")
    low, high = mask_table(classes)
    lines += [
        "/// One step of a `BADNESS_RE` alternative.",
        "#[derive(Clone, Copy, Debug)]",
        "pub enum BadStep {",
        "    /// `^`: the start of the text.",
        "    Start,",
        "    /// One character in class `class` (a bit of [`BAD_MASK_LOW`] / [`BAD_MASK_HIGH`]), or not in it if",
        "    /// `negate`; the step may match nothing if `optional` (`x?`).",
        "    Char { class: u8, negate: bool, optional: bool },",
        "}",
        "",
        "const fn c(class: u8) -> BadStep {",
        "    BadStep::Char { class, negate: false, optional: false }",
        "}",
        "const fn n(class: u8) -> BadStep {",
        "    BadStep::Char { class, negate: true, optional: false }",
        "}",
        "const fn o(class: u8) -> BadStep {",
        "    BadStep::Char { class, negate: false, optional: true }",
        "}",
        "",
        f"/// `ftfy.badness.BADNESS_RE`: {len(alternatives)} alternatives over {len(classes)} character classes.",
        "pub const BAD_ALTERNATIVES: &[&[BadStep]] = &[",
    ]
    for steps in alternatives:
        parts = []
        for kind, cid, negate, optional in steps:
            if kind == "start":
                parts.append("BadStep::Start")
            elif negate and optional:
                raise SystemExit("BADNESS_RE has an optional negated class")
            else:
                parts.append(f"{'n' if negate else 'o' if optional else 'c'}({cid})")
        lines.append("    &[" + ", ".join(parts) + "],")
    lines.append("];")
    lines += [
        "",
        "/// Class masks of U+0000..U+00FF.",
        "pub static BAD_MASK_LOW: [u128; 256] = [",
    ]
    for i in range(0, 256, 4):
        lines.append("    " + " ".join(f"0x{m:X}," for m in low[i : i + 4]))
    lines += [
        "];",
        "/// Class masks above U+00FF: sorted disjoint half-open ranges `[start, end)`; absent means 0.",
        f"pub static BAD_MASK_HIGH: [(u32, u32, u128); {len(high)}] = [",
    ]
    for a, b, m in high:
        lines.append(f"    (0x{a:X}, 0x{b:X}, 0x{m:X}),")
    lines.append("];")

    # UTF-8 clues.
    clue_sets = [frozenset(regex_members("[" + chardata.UTF8_CLUES[name] + "]")) for name in UTF8_CLUE_ORDER]
    clow, chigh = mask_table(clue_sets)
    lines += [
        "",
        "/// Bits of [`UTF8_CLUE_LOW`] / [`UTF8_CLUE_HIGH`]: the classes of `ftfy.chardata.UTF8_CLUES`.",
        "pub const CLUE_FIRST_OF_2: u8 = 1;",
        "pub const CLUE_FIRST_OF_3: u8 = 2;",
        "pub const CLUE_FIRST_OF_4: u8 = 4;",
        "pub const CLUE_CONTINUATION: u8 = 8;",
        "pub const CLUE_CONTINUATION_STRICT: u8 = 16;",
        "/// Clue masks of U+0000..U+00FF.",
        "pub static UTF8_CLUE_LOW: [u8; 256] = [",
    ]
    for i in range(0, 256, 16):
        lines.append("    " + " ".join(f"{m}," for m in clow[i : i + 16]))
    lines += [
        "];",
        "/// Clue masks above U+00FF, as sorted disjoint half-open ranges.",
        f"pub static UTF8_CLUE_HIGH: [(u32, u32, u8); {len(chigh)}] = [",
    ]
    for a, b, m in chigh:
        lines.append(f"    (0x{a:X}, 0x{b:X}, {m}),")
    lines.append("];")

    # Charmaps.
    lines += [
        "",
        "/// One of `ftfy.chardata.CHARMAP_ENCODINGS`, in ftfy's order.",
        "pub struct Charmap {",
        "    /// The codec name, as ftfy spells it.",
        "    pub name: &'static str,",
        "    /// A `sloppy-` codec: `replace_lossy_sequences` applies to it.",
        "    pub sloppy: bool,",
        "    /// `(char, byte)` for every encodable character other than ASCII minus U+001A, sorted by char.",
        "    /// (U+001A itself is encodable only where it is listed: the sloppy codecs give byte 0x1A to U+FFFD.)",
        "    pub chars: &'static [(char, u8)],",
        "}",
        "",
        "/// The single-byte encodings ftfy tries, in its order.",
        "pub static CHARMAPS: [Charmap; 10] = [",
    ]
    for enc in CHARMAP_ENCODINGS:
        pairs = charmap(enc)
        lines.append(f"    Charmap {{ name: {rs_str(enc)}, sloppy: {str(enc.startswith('sloppy')).lower()}, chars: &[")
        for i in range(0, len(pairs), 8):
            lines.append("        " + " ".join(f"({rs_char(c)}, 0x{b:02X})," for c, b in pairs[i : i + 8]))
        lines.append("    ] },")
    lines.append("];")
    cp1252 = []
    sloppy1252 = []
    for b in range(0x80, 0xA0):
        try:
            cp1252.append(bytes([b]).decode("windows-1252"))
        except UnicodeDecodeError:
            cp1252.append(None)
        sloppy1252.append(bytes([b]).decode("sloppy-windows-1252"))
    lines += [
        "",
        "/// Bytes 0x80..0x9F in `sloppy-windows-1252` (what `fix_c1_controls` turns a C1 control into).",
        "pub static SLOPPY_1252_C1: [char; 32] = [" + ", ".join(rs_char(ord(c)) for c in sloppy1252) + "];",
        "/// Bytes 0x80..0x9F in strict `windows-1252`; `None` where it has no character (decoding fails).",
        "pub static CP1252_C1: [Option<char>; 32] = ["
        + ", ".join("None" if c is None else f"Some({rs_char(ord(c))})" for c in cp1252)
        + "];",
    ]

    # Byte regexes.
    for name, rx in (("ALTERED_UTF8", chardata.ALTERED_UTF8_RE), ("LOSSY_UTF8", chardata.LOSSY_UTF8_RE)):
        alts = byte_alternatives(rx)
        lines += [
            "",
            f"/// `ftfy.chardata.{name}_RE`: alternatives, in order, of byte sets (256-bit masks, 4 x u64).",
            f"pub const {name}: &[&[[u64; 4]]] = &[",
        ]
        for seq in alts:
            lines.append("    &[" + ", ".join("[" + ", ".join(f"0x{w:X}" for w in words) + "]" for words in seq) + "],")
        lines.append("];")

    # Utf-8-variants: check the special-bytes regex the decoder port mirrors.
    u8v = ftfy.bad_codecs.utf8_variants
    expected = b"(\xc0(\x80|$))|(\xed([\xa0-\xaf]|$)([\x80-\xbf]|$)(\xed|$)([\xb0-\xbf]|$)([\x80-\xbf]|$))|(\xed([\xa0-\xbf]|$)([\x80-\xbf]|$))"
    if u8v.SPECIAL_BYTES_RE.pattern != expected:
        raise SystemExit("utf8_variants.SPECIAL_BYTES_RE changed; review mojibake/utf8.rs")

    # HTML entities.
    entities = sorted((k[1:-1], v) for k, v in chardata.HTML_ENTITIES.items())
    if not all(k.startswith("&") and k.endswith(";") for k in chardata.HTML_ENTITIES):
        raise SystemExit("HTML_ENTITIES keys are not all &name;")
    lines += [
        "",
        "/// `ftfy.chardata.HTML_ENTITIES` without the `&` and `;`, sorted by name (byte order).",
        f"pub static HTML_ENTITIES: [(&str, &str); {len(entities)}] = [",
    ]
    for k, v in entities:
        lines.append(f"    ({rs_str(k)}, {rs_str(v)}),")
    lines.append("];")
    charrefs = sorted(html._invalid_charrefs.items())
    lines += [
        "/// `html._invalid_charrefs`: numeric references HTML5 maps to another character.",
        f"pub static INVALID_CHARREFS: [(u32, char); {len(charrefs)}] = ["
        + ", ".join(f"(0x{k:X}, {rs_char(ord(v))})" for k, v in charrefs)
        + "];",
    ]
    if any(len(v) != 1 for _, v in charrefs):
        raise SystemExit("html._invalid_charrefs holds a value that is not one character")
    codepoints = sorted(html._invalid_codepoints)
    lines += [
        "/// `html._invalid_codepoints`: numeric references `html.unescape` drops, sorted.",
        f"pub static INVALID_CODEPOINTS: [u32; {len(codepoints)}] = [",
    ]
    for i in range(0, len(codepoints), 10):
        lines.append("    " + " ".join(f"0x{c:X}," for c in codepoints[i : i + 10]))
    lines.append("];")

    # Character maps.
    for name, table, what in (
        ("LIGATURES", chardata.LIGATURES, "`ftfy.chardata.LIGATURES` (`fix_latin_ligatures`)"),
        ("WIDTH_MAP", chardata.WIDTH_MAP, "`ftfy.chardata.WIDTH_MAP` (`fix_character_width`)"),
    ):
        items = sorted(table.items())
        lines += [
            "",
            f"/// {what}, sorted by code point.",
            f"pub static {name}: [(char, &str); {len(items)}] = [",
        ]
        for i in range(0, len(items), 6):
            lines.append("    " + " ".join(f"({rs_char(k)}, {rs_str(v)})," for k, v in items[i : i + 6]))
        lines.append("];")
    if any(v is not None for v in chardata.CONTROL_CHARS.values()):
        raise SystemExit("CONTROL_CHARS maps a character to something")
    ctrl = ranges_of(set(chardata.CONTROL_CHARS))
    lines += [
        "",
        "/// `ftfy.chardata.CONTROL_CHARS` (`remove_control_chars` deletes them), as half-open ranges.",
        f"pub static CONTROL_CHARS: [(u32, u32); {len(ctrl)}] = [" + ", ".join(f"(0x{a:X}, 0x{b:X})" for a, b in ctrl) + "];",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
