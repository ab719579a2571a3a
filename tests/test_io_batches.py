"""Reading and writing in batches (what ``dedup cluster`` does): ``io.iter_batches`` yields the records, errors and
skips of ``io.iter_records``; ``Deduplicator.add_batches`` adds what ``add_many`` adds and raises what it raises;
``io.ResultRows`` is written byte for byte as ``json.dumps`` / ``csv.DictWriter`` write its rows."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from pathlib import Path

import pytest
from cli_helpers import run_inproc
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup.io as dio
from dedup.deduplicator import Deduplicator
from dedup.errors import FormatError, InputError
from dedup.io import RecordBatch, ResultRows, SkipLog, iter_batches, iter_records, open_input, write_results
from dedup.progress import Progress

# -- writing -------------------------------------------------------------------------------------------------------

TRICKY_IDS = ["a", 'q"uote', "back\\slash", "nul\x00\x01\x1f\x7f", "tab\t\n\r\b\f", "ünïcødé", "emoji 😀", "\u2028\u2029",
              "", "\ud800 lone", "1", 0, -1, 7, 2**80, -(2**63), 10**40]
TRICKY_SIMS = [1.0, 0.123456, 1e-7, 0.99995, 0.00005, 0.5, 0.0, -0.0, 1 / 3, 2 / 3, 0.1, 0.87654321, 0.25, 0.4, 1e-5, 0.3, 0.7]


def _old_rows(ids, labels, reps, sims):
    """The rows as ``dedup cluster`` built them before :class:`ResultRows`."""
    sizes: dict[int, int] = {}
    for label in labels:
        sizes[label] = sizes.get(label, 0) + 1
    return [{"id": ids[i], "cluster": ids[label], "is_representative": bool(rep), "similarity": round(float(sim), 4),
             "cluster_size": sizes[label]} for i, (label, rep, sim) in enumerate(zip(labels, reps, sims))]


def _columns(ids, sims, seed=0):
    import random

    rng = random.Random(seed)
    labels = [rng.randrange(i + 1) for i in range(len(ids))]
    reps = [label == i for i, label in enumerate(labels)]
    return ids, labels, reps, [sims[i % len(sims)] for i in range(len(ids))]


def _written(rows, fmt: str) -> str:
    out = io.StringIO(newline="")
    assert write_results(rows, out, fmt) == len(list(rows))
    return out.getvalue()


def _expected(rows: list[dict], fmt: str) -> str:
    """What write_results wrote before: json.dumps per row (a lone surrogate, which UTF-8 cannot hold, as the
    escape json.dumps writes for it), or csv.DictWriter."""
    if fmt == "jsonl":
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        return "".join(json.dumps(ch)[1:-1] if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in lines)
    out = io.StringIO(newline="")
    w = csv.DictWriter(out, fieldnames=list(dio.FIELDS), extrasaction="ignore", lineterminator="\n", delimiter="," if fmt == "csv" else "\t")
    w.writeheader()
    for row in rows:
        w.writerow(row)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv"])
def test_result_rows_are_written_as_json_dumps_and_dictwriter_write_them(fmt, monkeypatch):
    monkeypatch.setattr(dio, "_CHUNK", 4)  # rows cross chunk boundaries
    cols = _columns(TRICKY_IDS, TRICKY_SIMS)
    rows = ResultRows(*cols)
    old = _old_rows(*cols)
    assert list(rows) == old and [list(r) for r in rows] == [list(r) for r in old]  # the same dicts, keys in order
    assert _written(rows, fmt) == _expected(old, fmt)
    assert _written(old, fmt) == _expected(old, fmt)  # plain dict rows: the row-by-row path


@pytest.mark.parametrize("ids,sims", [
    ([True, 1, 2], [1.0]),  # a bool id is written as json writes a bool
    ([1.5, "a"], [1.0]),  # a float id
    (["a", "b"], [math.nan, 0.5]),  # a similarity that is not finite
    (["a", "b"], [math.inf, -math.inf]),
    ([type("S", (str,), {})("sub"), "x"], [0.5]),  # a str subclass
    ([("t", 1), "x"], [0.5]),  # anything else json can write
])
def test_result_rows_of_unusual_values_take_the_row_by_row_path(ids, sims, monkeypatch):
    cols = _columns(ids + ["plain", 12], sims, seed=1)
    for chunk in (8192, 2):  # a chunk with an unusual value is encoded row by row, the others from the columns
        monkeypatch.setattr(dio, "_CHUNK", chunk)
        assert _written(ResultRows(*cols), "jsonl") == _expected(_old_rows(*cols), "jsonl")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.text(), st.integers()), min_size=1, max_size=20, unique_by=lambda x: (type(x), x)),
       st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=5))
def test_result_rows_jsonl_any_ids(ids, sims):
    cols = _columns(ids, sims)
    assert _written(ResultRows(*cols), "jsonl") == _expected(_old_rows(*cols), "jsonl")


def test_cluster_output_is_that_of_the_records(tmp_path):
    """``dedup cluster`` (read in batches, written from columns) against the engine fed by iter_records."""
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": i if i % 3 else f"d\"{i}é", "text": f"story {i // 2} of the town {i // 2 % 5} and its mayor " * 3})
             for i in range(60)]
    lines[7] = "not json"
    lines[9] = lines[8]  # a repeated id
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"out.{fmt}"
        res = run_inproc("cluster", str(src), "-o", str(out), "--on-error", "skip", "-q")
        assert res.returncode == 0, res.stderr
        d = Deduplicator()
        d.add_many((r.id, r.text) for r in iter_records([str(src)], on_error="skip", unique_ids=True))
        c = d.clusters()
        expected = _expected(_old_rows(d.ids, c.labels.tolist(), c.is_representative.tolist(), c.similarity.tolist()), fmt)
        assert out.read_text(encoding="utf-8") == expected


# -- reading -------------------------------------------------------------------------------------------------------

def _line(i, **extra) -> str:
    return json.dumps({"id": i, "text": f"text of {i}", **extra}, ensure_ascii=False)


def _inputs(tmp_path: Path) -> dict[str, bytes]:
    plain = "\n".join(_line(f"p{i}") for i in range(40)) + "\n"
    mixed = "\n".join([_line(1), "", _line("two"), "[1, 2]", _line(3, text=None), '{"id": true, "text": "x"}', _line(4),
                       "   ", "{bad", _line(5), _line(6, text="x" * 300), _line(2**70), _line("🙂"), '{"id": "u", "text": "\\ud800"}',
                       _line(7)])
    dup_in_block = "\n".join([_line("a"), _line("b"), _line("a"), _line("c")]) + "\n"
    return {
        "plain.jsonl": plain.encode(),
        "plain_again.jsonl": plain.encode(),  # every id repeats the first file's
        "mixed.jsonl": mixed.encode(),  # no final newline
        "dup.jsonl": dup_in_block.encode(),
        "bom_crlf.jsonl": b"\xef\xbb\xbf" + plain.replace("\n", "\r\n").replace('"p', '"q').encode(),
        "utf16.jsonl": ("\ufeff" + plain.replace('"p', '"r')).encode("utf-16-le"),
        "packed.jsonl.gz": gzip.compress(plain.replace('"p', '"z').encode()),
        "docs.csv": b"id,text\ns1,one\ns2,\"two, quoted\"\np1,dup of plain\ns3\n",
        "array.json": b'[{"id": 1, "text": "x"}]\n',
    }


def _write(tmp_path: Path, names: list[str]) -> list[str]:
    data = _inputs(tmp_path)
    for name in names:
        (tmp_path / name).write_bytes(data[name])
    return [str(tmp_path / n) for n in names]


def _flat(batches) -> list:
    return [pair for ids, texts in batches for pair in zip(ids, texts)]


def _outcome(fn, **kw):
    """``(records, error message, skip log)`` of reading with ``fn`` (iter_records as (id, text) pairs)."""
    skipped = SkipLog()
    got: list = []
    error = None
    try:
        for item in fn(skipped=skipped, **kw):
            got.extend(zip(*item) if fn is iter_batches else [(item.id, item.text)])
    except InputError as exc:
        error = (type(exc), str(exc))
    return got, error, (skipped.reasons, skipped.examples)


CASES = [
    ["plain.jsonl"], ["mixed.jsonl"], ["dup.jsonl"], ["plain.jsonl", "plain_again.jsonl"], ["bom_crlf.jsonl", "utf16.jsonl"],
    ["packed.jsonl.gz", "docs.csv"], ["plain.jsonl", "docs.csv"], ["mixed.jsonl", "array.json"], ["array.json"],
]


@pytest.mark.parametrize("block", [1 << 22, 64, 7])
@pytest.mark.parametrize("names", CASES, ids=lambda names: "+".join(names))
def test_iter_batches_reads_what_iter_records_reads(tmp_path, monkeypatch, names, block):
    monkeypatch.setattr(dio, "_BLOCK", block)  # small blocks: lines across blocks, blocks of one line
    paths = _write(tmp_path, names)
    for on_error in ("fail", "skip"):
        for unique_ids in (False, True):
            for max_bytes in (None, 200):
                kw = dict(on_error=on_error, unique_ids=unique_ids, max_bytes=max_bytes)
                assert _outcome(iter_batches, inputs=paths, **kw) == _outcome(iter_records, inputs=paths, **kw), kw


def test_iter_batches_takes_a_block_of_plain_records_at_once(tmp_path):
    paths = _write(tmp_path, ["plain.jsonl", "mixed.jsonl"])
    batches = list(iter_batches(paths, on_error="skip"))
    assert [len(ids) for ids, _ in batches][0] == 40  # the first file: one block, one batch
    assert _flat(batches)[:2] == [("p0", "text of p0"), ("p1", "text of p1")]
    with pytest.raises(InputError, match="duplicate id"):  # the first repeated id fails, after the records before it
        seen = []
        for ids, _ in iter_batches(_write(tmp_path, ["dup.jsonl"]), unique_ids=True):
            seen += ids
    assert seen == ["a", "b"]
    with pytest.raises(FormatError, match="JSON array"):
        list(iter_batches(_write(tmp_path, ["array.json"])))


@pytest.mark.parametrize("block", [1 << 22, 50])
def test_record_batches_are_the_records(tmp_path, monkeypatch, block):
    """InputFile.record_batches: RecordBatch.records() gives the Records that records() gives (raw bytes, lines)."""
    monkeypatch.setattr(dio, "_BLOCK", block)
    for path in _write(tmp_path, ["plain.jsonl", "mixed.jsonl", "bom_crlf.jsonl", "utf16.jsonl", "docs.csv"]):
        with open_input(path, max_bytes=250) as f:
            want = list(f.records())
        with open_input(path, max_bytes=250) as f:
            items = list(f.record_batches())
        got = [r for item in items for r in (item.records() if isinstance(item, RecordBatch) else [item])]
        assert [repr(r) for r in got] == [repr(r) for r in want]  # errors compare by message and place
        if path.endswith(("plain.jsonl", "bom_crlf.jsonl")):
            assert any(isinstance(item, RecordBatch) for item in items)


# -- adding --------------------------------------------------------------------------------------------------------

def _add(method: str, batches, batch_size: int, engine: Deduplicator | None = None):
    """``(ids added, error)`` of adding ``batches`` with add_batches, or their pairs with add_many."""
    d = engine or Deduplicator()
    try:
        if method == "add_batches":
            d.add_batches(batches, batch_size=batch_size)
        else:
            d.add_many(_flat(batches), batch_size=batch_size)
    except InputError as exc:
        return d.ids, str(exc)
    return d.ids, None


class _Str(str):
    pass


@pytest.mark.parametrize("batches", [
    [(["a", "b", "c"], ["x", "y", "z"]), ([1, 2], ["u", "v"]), ([], []), ([3, 4, 5, 6, 7], ["t"] * 5)],
    [(["a", "b"], ["x", "y"]), (["c", "a", "d"], ["x", "y", "z"])],  # an id of an earlier batch
    [(["a", "b", "c", "b"], ["w", "x", "y", "z"])],  # an id repeated inside a batch
    [(["a", "b", "c", "d", "e"], ["v", "w", "x", None, "z"])],  # a text that is not a str
    [(["a", "b", "c", ["d"], "e"], ["v", "w", "x", "y", "z"])],  # an id that cannot be hashed
    [(["a", "b"], [_Str("x"), "y"]), (["c"], [b"z"])],  # a str subclass is a text; bytes are not
    [((1, 2, 3), ("x", "y", "z")), (range(4, 9), ["t"] * 5)],  # any sequences
])
@pytest.mark.parametrize("batch_size", [1, 2, 3, 4096])
def test_add_batches_adds_what_add_many_adds(batches, batch_size):
    assert _add("add_batches", batches, batch_size) == _add("add_many", batches, batch_size)


def test_add_batches_checks_ids_already_added_and_lengths():
    for method in ("add_batches", "add_many"):
        d = Deduplicator()
        d.add_many([("a", "first text"), ("b", "second text")])
        assert _add(method, [(["c", "a"], ["x", "y"])], 4096, d) == (["a", "b"], "id 'a': duplicate id")
    with pytest.raises(InputError, match="a batch has 2 ids and 1 texts"):
        Deduplicator().add_batches([(["a", "b"], ["x"])])


def test_add_batches_clusters_as_add_many():
    texts = [f"the council of town {i // 3} met on monday to vote on the budget for {i // 3 * 7} schools" for i in range(30)]
    a, b = Deduplicator(), Deduplicator()
    a.add_many(enumerate(texts), batch_size=8)
    b.add_batches([(list(range(k, min(k + 7, 30))), texts[k:k + 7]) for k in range(0, 30, 7)], batch_size=8)
    assert a.ids == b.ids and a.clusters().labels.tolist() == b.clusters().labels.tolist()


# -- progress ------------------------------------------------------------------------------------------------------

class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_reading_batches_counts_the_records(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(_line(i) + "\n" for i in range(1000)), encoding="utf-8")
    batches = [(list(range(k, k + 300)), ["t"] * 300) for k in range(0, 900, 300)] + [(list(range(900, 1000)), ["t"] * 100)]
    assert Progress(False, _Tty()).reading_batches(batches, [str(src)], []) is batches  # off: passed through as they are
    for inputs, shown in (([str(src)], "100%"), (["-"], "1000doc")):  # a byte bar, and a document bar (size unknown)
        for counted in ("reading_batches", "reading"):
            out = _Tty()
            items = batches if counted == "reading_batches" else _flat(batches)
            assert list(getattr(Progress(True, out), counted)(iter(items), inputs, [])) == items
            last = out.getvalue().split("\r")[-1]
            assert last.startswith(f"reading and signing: {shown}"), last
            assert ("1,000 docs" in last) == (shown == "100%"), last
