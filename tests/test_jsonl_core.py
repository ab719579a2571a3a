"""The compiled JSON Lines reader (``rust/core/src/jsonl.rs``) against Python's ``json``.

The core parses the plain lines of a block and leaves every other line to ``dedup.io._parse_line``;
what it accepts must be exactly what ``json.loads`` gives, and a whole stream must read the same
records, errors and line numbers as the line-by-line reader (still used for UTF-16 input).
"""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import _kernels
from dedup.errors import InputError
from dedup.io import TEXT_JOIN, _parse_line, read_jsonl_lines

# JSON values, including what the core refuses to read itself (floats, huge integers, deep nesting).
_scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)
_ids = st.integers(min_value=-(2**65), max_value=2**65) | st.text(max_size=8) | st.floats(allow_nan=False) | st.none() | st.booleans()
_texts = st.text() | st.integers() | st.none()


@st.composite
def _lines(draw) -> bytes:
    obj = draw(st.dictionaries(st.sampled_from(["x", "meta", "n", "é"]), _values, max_size=3))
    if draw(st.booleans()):
        obj["id"] = draw(_ids)
    if draw(st.integers(0, 9)) > 0:
        obj["text"] = draw(_texts)
    if draw(st.booleans()):
        obj["body"] = draw(st.text(max_size=20))
    keys = list(obj)
    draw(st.randoms()).shuffle(keys)
    line = json.dumps({k: obj[k] for k in keys}, ensure_ascii=draw(st.booleans()))
    # Damage: cut it, insert a character, or repeat a field.
    how = draw(st.integers(0, 7))
    if how == 0 and line:
        line = line[: draw(st.integers(0, len(line) - 1))]
    elif how == 1:
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.sampled_from(["\\", '"', "\t", "\x00", "\\ud800", "NaN", ",", "}", "\u00e9", " "])) + line[at:]
    elif how == 2 and line.startswith("{") and len(line) > 2:
        line = '{"id": 7, ' + line[1:]
    return line.encode("utf-8", "surrogatepass") + draw(st.sampled_from([b"\n", b"\r\n", b"", b" \n"]))


def _core_lines(data: bytes, fields: tuple[str, ...], max_bytes: int | None = None):
    kinds, ends, ids, texts, used = _kernels.jsonl_block(data, True, max_bytes, "id", fields, TEXT_JOIN)
    assert used == len(data) and len(kinds) == len(ends)
    return kinds, ends, ids, texts


@settings(max_examples=600, deadline=None)
@given(_lines(), st.sampled_from([("text",), ("text", "body")]))
def test_a_line_the_core_reads_has_the_value_json_gives(line, fields):
    kinds, ends, ids, texts = _core_lines(line, fields)
    if not line:
        assert kinds == b""
        return
    assert len(kinds) == 1 and ends == [len(line)]
    python = _parse_line(line, 1, "s", "id", fields, None)
    if kinds[0] == 0:
        assert not isinstance(python, InputError) and python is not None
        assert (ids[0], texts[0]) == python
        assert type(ids[0]) is type(python[0])
    elif kinds[0] == 1:
        assert python is None
    else:
        assert kinds[0] == 2  # left to Python, whatever it makes of it


def _utf16(data: bytes) -> bytes:
    return data.decode("utf-8", "surrogatepass").encode("utf-16")


def _read(data: bytes, max_bytes: int | None, fields=("text",)):
    out = []
    for item, raw, in read_jsonl_lines(io.BufferedReader(io.BytesIO(data)), "s", "id", fields, max_bytes):
        # An error's line is not compared: the UTF-16 reader keeps every line, the UTF-8 one drops those far over the limit.
        out.append((str(item), None) if isinstance(item, InputError) else (item, raw))
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(_lines(), max_size=12), st.sampled_from([None, 40, 80, 4000]))
def test_a_stream_reads_as_line_by_line(lines, max_bytes):
    data = b"\n".join(line.rstrip(b"\n") for line in lines) + b"\n"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return  # a lone surrogate written raw has no UTF-16 twin to compare with
    assert _read(data, max_bytes) == _read(_utf16(data), max_bytes)


def test_blocks_split_lines_anywhere(monkeypatch):
    """Lines cut across blocks (here of 7 bytes, read one by one) read as whole lines; a byte-order mark is dropped."""
    import dedup.io as dio

    lines = [json.dumps({"id": i, "text": "x" * (i * 5) + "é"}).encode() for i in range(30)]
    lines[11] = b"not json"
    lines[17] = b""
    data = b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n"

    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:
            n = min(len(b), 7, len(self.data))
            b[:n], self.data = self.data[:n], self.data[n:]
            return n

    monkeypatch.setattr(dio, "_BLOCK", 7)
    got = [(str(i) if isinstance(i, InputError) else i) for i, _ in read_jsonl_lines(io.BufferedReader(Trickle(data), 3), "s", max_bytes=60)]
    want = [(str(i) if isinstance(i, InputError) else i) for i, _ in read_jsonl_lines(io.BufferedReader(io.BytesIO(_utf16(data[3:]))), "s", max_bytes=60)]
    assert got == want
    assert got[0] == (0, "é") and "line 12" in got[11] and "invalid JSON" in got[11]
    assert sum("over the limit" in g for g in got if isinstance(g, str)) == sum(len(x) + 1 > 60 for x in lines)


def test_an_over_long_line_is_not_held(monkeypatch):
    """A line over max_bytes is read past in blocks and reported with its size; the next line still reads."""
    import dedup.io as dio

    monkeypatch.setattr(dio, "_BLOCK", 64)
    data = b'{"id": 1, "text": "' + b"y" * 1000 + b'"}\n{"id": 2, "text": "ok"}\n{"id": 3, "text": "' + b"z" * 500
    got = [i for i, _ in read_jsonl_lines(io.BufferedReader(io.BytesIO(data), 64), "s", max_bytes=100)]
    assert str(got[0]).endswith("record is 1022 bytes, over the limit of 100 (--max-bytes)") and "line 1" in str(got[0])
    assert got[1] == (2, "ok")
    assert "record is 519 bytes" in str(got[2]) and "line 3" in str(got[2])
