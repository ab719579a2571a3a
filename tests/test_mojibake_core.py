"""The compiled mojibake repair (``_core.fix_mojibake_line``) against ftfy itself.

The contract: for any line, the port returns exactly what
``ftfy.fix_text(line, uncurl_quotes=False, fix_line_breaks=False, normalization=None)`` returns,
or ``None`` ("not sure, ask ftfy"). It must never return anything else, and on the common cases
(UTF-8 read as Windows-1252 or Latin-1, with lost bytes, mixed with clean text and entities) it
must actually answer. Checked here on mojibake generated the way it happens (hypothesis), on
arbitrary text over the characters ftfy's rules look at, and on every damaged line of the
evaluation data. The port's data is generated from the installed ftfy; the first test checks
that the committed table is what the generator makes now.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
import time
import unicodedata
from pathlib import Path

import ftfy
import pytest
from ftfy import badness, chardata
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import _core, _kernels
from dedup.normalize import text_flags

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
TABLE = ROOT / "rust" / "core" / "src" / "mojibake" / "tables.rs"
GENERATOR = ROOT / "rust" / "tools" / "gen_mojibake_tables.py"
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ftfy_fix(line: str) -> str:
    """The call ``dedup.normalize.fix_encoding`` makes for a damaged line."""
    return ftfy.fix_text(line, uncurl_quotes=False, fix_line_breaks=False, normalization=None)


def check(line: str) -> str | None:
    """The port's answer for ``line``, asserted to be ftfy's whenever it is not ``None``."""
    got = _core.fix_mojibake_line(line)
    if got is not None:
        want = ftfy_fix(line)
        assert got == want, f"{line!r}: port {got!r}, ftfy {want!r}"
    return got


# ------------------------------------------------------------------------------ the table


def test_committed_table_is_what_the_generator_makes_from_this_ftfy() -> None:
    spec = importlib.util.spec_from_file_location("gen_mojibake_tables", GENERATOR)
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    try:
        fresh = gen.render()
    except SystemExit as exc:  # the generator refuses an ftfy the port was not written for
        pytest.fail(str(exc))
    assert TABLE.read_text(encoding="utf-8") == fresh, "rust/core/src/mojibake/tables.rs is stale: run rust/tools/gen_mojibake_tables.py"
    assert _core.MOJIBAKE_FTFY_VERSION == ftfy.__version__
    assert _core.MOJIBAKE_UNICODE_VERSION == unicodedata.unidata_version


# ------------------------------------------------------------------------------ generated mojibake

WORDS = [
    "Hernández", "café", "naïve", "São Paulo", "Zürich", "Ærøskøbing", "Łódź", "señor", "façade", "déjà vu",
    "à la", "à", "às", "Ça", "Ébène", "groß", "Dvořák", "İstanbul", "Ελλάδα", "Москва", "中文", "日本語",
    "한국어", "😀", "👍🏽", "🇺🇸", "“quoted”", "‘single’", "it’s", "don’t", "—", "–", "€100", "£5", "¥",
    "…", "½", "©", "®", "™", "°C", "•", "«guillemets»", "\u00a0", "ﬁne", "Ｆｕｌｌ",
]
PLAIN = ["The", "president", "said", "on", "Sunday", "that", "2019", "and", "of", "a", "news", "(CNN)", "U.S.", "100%", "-", "--"]
ENTITIES = ["&amp;", "&eacute;", "&#233;", "&#x2019;", "&EACUTE;", "&nbsp;", "&quot;", "&lt;", "&hellip;", "&#8212;", "&#128;", "&apos;"]
SLOPPY = "sloppy-windows-1252"


def _garble(text: str, encoding: str, drop: list[bool], a0_to_space: bool, lossy: bool) -> str:
    """UTF-8 of ``text`` read as ``encoding``, the way mojibake happens.

    ``drop`` removes continuation bytes (a truncating program), ``a0_to_space`` turns byte 0xA0
    into a space (a program that "cleaned" no-break spaces), ``lossy`` reads with strict
    Windows-1252 so that its five undefined bytes become U+FFFD.
    """
    data = text.encode("utf-8")
    if any(drop):
        kept, k = bytearray(), 0
        for b in data:
            if 0x80 <= b < 0xC0:
                k += 1
                if drop[k % len(drop)]:
                    continue
            kept.append(b)
        data = bytes(kept)
    if a0_to_space:
        data = data.replace(b"\xa0", b" ")
    if lossy:
        return data.decode("windows-1252", errors="replace")
    return data.decode(encoding)


@st.composite
def mojibake_lines(draw: st.DrawFn, encodings: tuple[str, ...] = ("latin-1", SLOPPY, SLOPPY)) -> str:
    """A news-like line in which some spans are mojibake, some clean, some HTML entities."""
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        words = draw(st.lists(st.sampled_from(WORDS + PLAIN), min_size=1, max_size=6))
        span = " ".join(words)
        kind = draw(st.sampled_from(["garbled", "garbled", "clean", "entity"]))
        if kind == "garbled":
            span = _garble(
                span,
                draw(st.sampled_from(encodings)),
                draw(st.lists(st.sampled_from([False, False, False, True]), max_size=4)),
                draw(st.integers(0, 5)) == 0,
                draw(st.integers(0, 5)) == 0,
            )
        elif kind == "entity":
            span = draw(st.sampled_from(ENTITIES)).join(words)
        parts.append(span)
    return draw(st.sampled_from([" ", ", ", ". ", "\u00a0"])).join(parts)


@SETTINGS
@given(mojibake_lines())
def test_port_gives_ftfy_result_on_mojibake(line: str) -> None:
    check(line)


@SETTINGS
@given(
    mojibake_lines(
        encodings=(
            "sloppy-windows-1251", "sloppy-windows-1250", "sloppy-windows-1253", "sloppy-windows-1254",
            "sloppy-windows-1257", "iso-8859-2", "macroman", "cp437",
        )
    )
)
def test_port_gives_ftfy_result_on_other_codepages(line: str) -> None:
    check(line)


@SETTINGS
@given(mojibake_lines().map(lambda s: _garble(s, SLOPPY, [], False, False)))
def test_port_gives_ftfy_result_on_double_mojibake(line: str) -> None:
    check(line)


# Every character some rule of ftfy's looks at, and a few it must leave alone.
_TRICKY = sorted(
    {c for enc in chardata.CHARMAP_ENCODINGS for c in bytes(range(0x80, 0x100)).decode(enc)}
    | {c for clue in chardata.UTF8_CLUES.values() for c in clue if c != "-"}
    | set("\u00a0 \t\n\r\x1a\x00\x7f\ufffd\ufeff\u2028?&#;<>xX09aeAzZ ﬁﬂＡ　ｱ\u0301😀中")
)
TRICKY_TEXT = st.text(st.sampled_from(_TRICKY), max_size=40)


@SETTINGS
@given(TRICKY_TEXT)
def test_badness_is_ftfys(text: str) -> None:
    assert _core.mojibake_is_bad(text) == badness.is_bad(text)


@SETTINGS
@given(TRICKY_TEXT)
def test_port_gives_ftfy_result_on_arbitrary_text(text: str) -> None:
    check(text)


@SETTINGS
@given(st.lists(st.sampled_from([b"\xed\xa0\xbd\xed\xb8\x80", b"\xc0\x80", b"\xc0", b"\xed", b"\xed\xa0\x80", b"\xc3 ", b"\xc3 s ",
                                 b"\xe2\x80 ", b"\x1a", b"?", b"\xc3?", b"\n", b"<", b"&amp;", b"\xc3\xa9", b"\xe2\x80\x9c", b"a"]),
                min_size=1, max_size=8).map(b"".join),
       st.sampled_from(["latin-1", SLOPPY, "macroman", "cp437"]))
def test_port_gives_ftfy_result_on_codec_corner_cases(data: bytes, encoding: str) -> None:
    """CESU-8, Java's C0 80, 0xA0 turned into a space, lost bytes, newlines at the end."""
    check(data.decode(encoding, errors="replace"))


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(sorted(chardata.HTML_ENTITIES)[::7]),
                          st.integers(0, 0x11_0000).map(lambda n: f"&#{n};"),
                          st.integers(0, 10**25).map(lambda n: f"&#x{n:X};"),
                          st.text(st.sampled_from("&#;xX0123456789abcdefgzAMP"), max_size=8),
                          st.sampled_from(["<", "\n", " "])),
                max_size=6).map("".join))
def test_port_gives_ftfy_result_on_entities(text: str) -> None:
    check(text)


def test_lines_with_lone_surrogates_or_escapes_are_left_to_ftfy() -> None:
    assert _core.fix_mojibake_line("Hern\u00c3\u00a1ndez \ud800") is None
    assert _core.fix_mojibake_line("\x1b[31mHern\u00c3\u00a1ndez") is None
    assert _core.mojibake_unsure_reason("\x1b[1m") == "terminal escape"
    assert _core.mojibake_unsure_reason("Hern\u00c3\u00a1ndez") is None


def test_batch_is_the_single_line_function() -> None:
    rng = random.Random(1)
    lines = [_sample_line(rng) for _ in range(200)] + ["x\ud800", "", "\x1b[0m"]
    assert _core.fix_mojibake_lines(lines, threads=2) == [_core.fix_mojibake_line(s) for s in lines]


# ------------------------------------------------------------------------------ coverage


def _sample_line(rng: random.Random) -> str:
    """A common-case damaged line: news words, one or more spans garbled as Windows-1252 or
    Latin-1 (now and then with lost continuation bytes), entities now and then."""
    words = [rng.choice(WORDS) if rng.random() < 0.3 else rng.choice(PLAIN) for _ in range(rng.randint(4, 30))]
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), rng.choice(ENTITIES))
    line = " ".join(words)
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(line))
        j = rng.randrange(i, len(line) + 1)
        drop = [rng.random() < 0.1 for _ in range(3)] if rng.random() < 0.2 else []
        line = line[:i] + _garble(line[i:j], rng.choice(["latin-1", SLOPPY, SLOPPY]), drop, False, rng.random() < 0.1) + line[j:]
    return line


def test_port_answers_the_common_cases() -> None:
    rng = random.Random(0)
    lines = [_sample_line(rng) for _ in range(2000)]
    answered = [s for s in lines if check(s) is not None]
    # Everything in this family is ported; the bound leaves room, not a hole.
    assert len(answered) / len(lines) >= 0.99
    # And the lines are really damaged: ftfy changes most of them.
    assert sum(ftfy_fix(s) != s for s in answered) / len(answered) > 0.5


# ------------------------------------------------------------------------------ the evaluation data


def _damaged_lines(texts: list[str]) -> list[str]:
    """The lines ``dedup.normalize.fix_encoding`` hands to ftfy (before and after its rewrite of
    orphan "â", when the normalizer still has it)."""
    norm = importlib.import_module("dedup.normalize")  # the module (dedup.normalize is also a function)
    rewrites = [getattr(norm, name, None) for name in ("_ORPHAN_APOSTROPHE", "_ORPHAN_DASH")]
    out = []
    for text in texts:
        if not text_flags(text) & _kernels.FLAG_DAMAGE:
            continue
        variants = [text]
        if all(rewrites) and "\u00e2" in text:
            variants.append(rewrites[1].sub("\u2014", rewrites[0].sub("\u2019", text)))
        for variant in variants:
            out.extend(line for line in variant.split("\n") if text_flags(line) & _kernels.FLAG_DAMAGE)
    return list(dict.fromkeys(out))


def _real_corpora() -> dict[str, list[str]]:
    from benchmarks import datasets

    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    corpora = {"seeds": [p.read_text(encoding="utf-8") for p in seeds]}
    if DATA.is_dir():
        corpora["impresso"] = datasets.load_impresso(data=DATA).texts
        corpora["viraltexts"] = datasets.load_viraltexts(data=DATA).texts
        corpora["reuters"] = [r["title"] + "\n\n" + r["body"] for r in datasets.load_reuters(data=DATA)]
        corpora["msrp"] = [s for split in ("train", "test") for a, b, _ in datasets.load_msrp(split, data=DATA) for s in (a, b)]
    return corpora


def test_seed_article_with_mojibake() -> None:
    text = next((ROOT / "seeds").glob("000*.txt")).read_text(encoding="utf-8")
    lines = _damaged_lines([text])
    assert lines, "seed 000 has mojibake"
    for line in lines:
        assert check(line) is not None


def test_every_damaged_line_of_the_evaluation_data() -> None:
    if not DATA.is_dir():
        pytest.skip(f"evaluation data not found at {DATA}")
    budget = time.monotonic() + 20  # seconds; stops early on a slow machine (the data holds ~15 damaged lines)
    checked = answered = 0
    for texts in _real_corpora().values():
        for line in _damaged_lines(texts):
            if time.monotonic() > budget:
                break
            checked += 1
            answered += check(line) is not None
    assert checked >= 10
    assert answered / checked >= 0.95


def test_synthetic_news_mojibake_of_the_speed_corpus() -> None:
    """The mojibake ``benchmarks.synth`` puts into the default job's corpus (real news text)."""
    if not DATA.is_dir():
        pytest.skip(f"evaluation data not found at {DATA}")
    from benchmarks import datasets

    lines = _damaged_lines(datasets.scaled_corpus(8_000, seed=0, data=DATA))
    budget = time.monotonic() + 15
    checked = answered = 0
    for line in lines:
        if time.monotonic() > budget:
            break
        checked += 1
        answered += check(line) is not None
    assert checked >= 100
    assert answered / checked >= 0.98
