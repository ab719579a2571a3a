"""Hostile and unusual input: each case either works (duplicates in it are found) or fails clearly."""

import io
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup
from dedup.io import decode_text, read_jsonl

STORY = (
    "The regional council approved on Tuesday a new budget for road repairs, public parks and "
    "the renovation of the old library and its café, after months of debate among its members."
)


def same_cluster(a: str, b: str, other: str = "Completely unrelated: the weather service forecasts heavy snow.") -> bool:
    labels = dedup.cluster([a, b, other]).tolist()
    return labels[0] == labels[1] != labels[2]


@pytest.mark.parametrize(
    "variant",
    [
        STORY.replace(" ", " \u200b", 5),  # zero-width spaces
        STORY.replace("library", "li\u00adbra\u200dry"),  # soft hyphen, zero-width joiner
        "\u202b" + STORY + "\u202c",  # bidi embedding controls
        STORY.replace("é", "e\u0301"),  # combining marks
        STORY + " 🎉🎉",  # emoji
        "\ufeff" + STORY,  # byte-order mark as text
    ],
)
def test_invisible_and_combining_characters_do_not_hide_duplicates(variant):
    assert same_cluster(STORY, variant)


@pytest.mark.parametrize(
    "text,copy",
    [
        ("東京都は本日、新しい予算案を承認しました。道路の補修と公園の整備に多くの資金が使われます。",
         "東京都は本日、新しい予算案を承認しました。道路の補修と公園の整備に多くの資金が使われる予定です。"),
        ("กรุงเทพมหานครอนุมัติงบประมาณใหม่สำหรับการซ่อมแซมถนนและสวนสาธารณะในวันอังคารที่ผ่านมา",
         "กรุงเทพมหานครอนุมัติงบประมาณใหม่สำหรับการซ่อมแซมถนนและสวนสาธารณะในวันอังคาร"),
        ("وافق المجلس الإقليمي يوم الثلاثاء على ميزانية جديدة لإصلاح الطرق والحدائق العامة وتجديد المكتبة القديمة",
         "وافق المجلس الإقليمي يوم الثلاثاء على ميزانية جديدة لإصلاح الطرق والحدائق العامة"),
        ("המועצה האזורית אישרה ביום שלישי תקציב חדש לתיקון כבישים, גנים ציבוריים ושיפוץ הספרייה הישנה",
         "המועצה האזורית אישרה ביום שלישי תקציב חדש לתיקון כבישים, גנים ציבוריים ושיפוץ הספרייה"),
    ],
)
def test_scripts_without_spaces_and_right_to_left(text, copy):
    assert same_cluster(text, copy)


def test_lone_surrogates_and_nul_characters_work():
    assert same_cluster(STORY + "\ud800", STORY + "\x00")


def test_empty_and_whitespace_only_documents_group_with_exact_copies_only():
    labels = dedup.cluster(["", "   \n\t ", "", STORY, STORY]).tolist()
    assert labels[:3] == [0, 1, 0] and labels[3] == labels[4] == 3


def test_utf16_and_bom_files_decode():
    assert decode_text(STORY.encode("utf-16")) == STORY
    assert decode_text(b"\xef\xbb\xbf" + STORY.encode()) == STORY
    with pytest.raises(UnicodeDecodeError):
        decode_text(b"\xff\x00abc")


def test_utf16_jsonl_stream():
    data = ('{"id": 1, "text": "héllo"}\n{"id": 2, "text": "x"}\n').encode("utf-16")
    assert list(read_jsonl(io.BufferedReader(io.BytesIO(data)), "t")) == [(1, "héllo"), (2, "x")]


def test_large_document():
    big = STORY * 40_000  # ~7 MB
    labels = dedup.cluster([big, big[: len(big) // 2], STORY.upper()[::-1]])
    assert labels.tolist() == [0, 0, 2]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_jsonl_reader_never_raises_on_random_bytes(data):
    for item in read_jsonl(io.BufferedReader(io.BytesIO(data)), "fuzz"):
        assert isinstance(item, (tuple, dedup.InputError))
        if isinstance(item, dedup.InputError):
            assert item.line is not None and item.source == "fuzz"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.dictionaries(st.sampled_from(["id", "text", "x"]),
                                          st.one_of(st.text(), st.integers(), st.none(), st.lists(st.integers()))),
                          st.text(), st.integers()), max_size=5))
def test_jsonl_reader_on_random_json_values(values):
    data = "".join(json.dumps(v) + "\n" for v in values).encode()
    out = list(read_jsonl(io.BufferedReader(io.BytesIO(data)), "fuzz"))
    assert len(out) == len(values)
    for v, item in zip(values, out):
        ok = isinstance(v, dict) and isinstance(v.get("text"), str) and isinstance(v.get("id"), (str, int)) \
            and not isinstance(v.get("id"), bool)
        assert isinstance(item, tuple) == ok


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=6))
def test_random_unicode_clusters_and_is_order_invariant(texts):
    a = dedup.cluster(texts)
    b = dedup.cluster(texts[::-1])[::-1]
    def part(labels):
        return {frozenset(np.flatnonzero(labels == x).tolist()) for x in set(labels.tolist())}
    n = len(texts)
    assert part(a) == {frozenset(n - 1 - i for i in g) for g in part(dedup.cluster(texts[::-1]))}
    assert len(b) == n


def test_one_million_tiny_documents():
    # 1,000 distinct short texts, each repeated 1,000 times: copies group, distinct texts stay apart.
    base = [f"notice {i}: {' '.join(str(i * 7919 + k) for k in range(6))}" for i in range(1000)]
    d = dedup.Deduplicator()
    d.add_many((i, base[i % 1000]) for i in range(1_000_000))
    c = d.clusters()
    assert len(c) == 1_000_000
    labels = c.labels
    assert all(labels[i] == labels[i % 1000] for i in range(0, 1_000_000, 997))
    assert c.n_clusters <= 1000


def test_an_id_with_a_lone_surrogate_is_written_escaped_or_refused(tmp_path):
    """JSON may name a document ``"\\ud800x"``; UTF-8 output cannot hold that character. JSON Lines writes
    its escape (the same id reads back), CSV refuses before writing, naming the id (no traceback)."""
    from cli_helpers import run_inproc

    src = tmp_path / "in.jsonl"
    src.write_text(f'{{"id": "\\ud800x", "text": "{STORY}"}}\n{{"id": "b", "text": "{STORY.upper()}"}}\n', encoding="utf-8")
    res = run_inproc("cluster", str(src), "-o", str(tmp_path / "out.jsonl"), "-q")
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["\ud800x", "b"]
    assert rows[0]["cluster"] == rows[1]["cluster"]
    res = run_inproc("cluster", str(src), "-o", str(tmp_path / "out.csv"), "-q")
    assert res.returncode != 0
    assert b"lone surrogate" in res.stderr and b"Traceback" not in res.stderr
    assert not (tmp_path / "out.csv").exists()
