import subprocess
import sys

import pytest
import regex

from dedup import Shingler
from dedup.errors import ConfigError, InputError

M64 = (1 << 64) - 1
BASIS, WORD_BASIS, PRIME = 0xCBF29CE484222325, 0x84222325CBF29CE4, 0x100000001B3


def fmix64(h):
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & M64
    return h ^ (h >> 33)


def fnv(units, basis=BASIS):
    h = basis
    for u in units:
        h = ((h ^ u) * PRIME) & M64
    return fmix64(h)


def reference_hashes(text, kind, n):
    """The documented hash definition, in plain Python."""
    words = regex.findall(r"\w+", text)
    if not words:
        return set()
    if kind == "char":
        cps = [ord(c) for c in " ".join(words)]
        w = min(n, len(cps))
        return {fnv(cps[i : i + w]) for i in range(len(cps) - w + 1)}
    wh = [fnv([ord(c) for c in word]) for word in words]
    w = min(n, len(wh))
    return {fnv(wh[i : i + w], WORD_BASIS) for i in range(len(wh) - w + 1)}


TEXTS = [
    "The quick brown fox, jumps over the lazy dog!",
    "Hernández — café. 東京都の天気は晴れです。 สวัสดีครับ ผมชื่อ",
    "a",
    "two words",
    "   ...   ",
    "emoji 😀 and more 😀 text",
]


@pytest.mark.parametrize("kind,n", [("char", 5), ("char", 3), ("word", 1), ("word", 3), ("word", 5)])
@pytest.mark.parametrize("text", TEXTS)
def test_hashes_follow_documented_definition(text, kind, n):
    got = Shingler(kind, n).hashes(text)
    assert set(got.tolist()) == reference_hashes(text, kind, n)
    assert len(got) == len(Shingler(kind, n).shingles(text))


def test_shingle_strings():
    s = Shingler("word", 2)
    assert s.shingles("a b, c a b") == ["a b", "b c", "c a"]
    assert Shingler("char", 3).shingles("ab, cd") == ["ab ", "b c", " cd"]
    assert Shingler("word", 5).shingles("only three words") == ["only three words"]
    assert Shingler("char", 5).shingles("!!!") == []


def test_cjk_and_thai_get_char_shingles():
    assert len(Shingler("char", 3).shingles("東京都の天気は晴れです")) == 9
    assert len(Shingler("char", 5).hashes("สวัสดีครับผมชื่อสมชาย")) > 5


def test_hashes_are_stable_across_processes():
    code = "from dedup import Shingler; print(Shingler('char', 5).hashes('Stable hashes, no salt!').tolist())"
    outs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout
        for seed in (1, 2)
    }
    assert len(outs) == 1
    assert eval(outs.pop()) == Shingler("char", 5).hashes("Stable hashes, no salt!").tolist()


def test_lone_surrogates_do_not_crash():
    assert len(Shingler("char", 2).hashes("ab\ud800cd")) == 4


@pytest.mark.parametrize("kwargs", [dict(kind="line"), dict(n=0), dict(n=65), dict(n=2.5), dict(n=True)])
def test_invalid_parameters(kwargs):
    with pytest.raises(ConfigError):
        Shingler(**kwargs)


def test_non_string_input():
    with pytest.raises(InputError):
        Shingler().hashes(None)  # type: ignore[arg-type]
