"""The command line's messages (issue 19): grouped skip summaries, runs that skipped everything, `index add`
with ids already indexed, no empty index left by a failed `dedup filter`, `index remove` of unknown ids,
ISO 8601 times in `index stats`, missing fields listed."""

from __future__ import annotations

import datetime
import json
import os
import re

from cli_helpers import run_inproc

import dedup
from dedup.errors import InputError
from dedup.io import SkipLog, reason_group


def _docs(n: int, start: int = 0) -> bytes:
    return b"".join(
        json.dumps({"id": f"d{i}", "text": f"document number {i} says something of its own: " + f"word{i} " * (5 + i % 7)}).encode() + b"\n"
        for i in range(start, start + n)
    )


def test_skip_summary_groups_reasons_that_differ_only_in_numbers(tmp_path):
    lines = [json.dumps({"id": f"d{i}", "text": "x" * (1100 + 37 * i)}) for i in range(40)]
    lines += ["not json at all", "{bad", '{"id": 1}']
    lines.append(json.dumps({"id": "ok", "text": "a short story that fits"}))
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n")
    r = run_inproc("cluster", str(src), "--max-bytes", "1000", "--on-error", "skip", "-q")
    assert r.returncode == 0, r.stderr
    summary = r.stderr.decode().splitlines()[0]
    assert summary == ("dedup: skipped 43 record(s): 40 record over the limit of 1000 bytes (--max-bytes), "
                       "1 invalid JSON (Expecting value), 1 invalid JSON (Expecting property name enclosed in double quotes), "
                       "1 missing text field 'text'; the record has: id")
    assert len(summary) < 300
    # the first few in full, with file and line
    assert f"{src}: line 1: record is 1" in r.stderr.decode()


def test_reason_group():
    assert reason_group("record is 1184 bytes, over the limit of 1000 (--max-bytes)") == "record over the limit of 1000 bytes (--max-bytes)"
    assert reason_group("invalid UTF-8 at byte 17") == reason_group("invalid UTF-8 at byte 3 of the record") == "invalid UTF-8"
    assert reason_group("invalid JSON (Expecting ',' delimiter at column 12)") == "invalid JSON (Expecting ',' delimiter)"
    assert reason_group("has 3 fields, the header has 2 (id, text)") == "a wrong number of fields (the header has 2)"
    assert reason_group("duplicate id (an earlier record has it)") == "duplicate id (an earlier record has it)"
    log = SkipLog()
    for size in (1100, 1200, 1300):
        log.add(InputError(f"record is {size} bytes, over the limit of 1000 (--max-bytes)", source="f", line=size))
    assert log.summary() == "skipped 3 record(s): 3 record over the limit of 1000 bytes (--max-bytes)"
    assert log.examples[0] == "f: line 1100: record is 1100 bytes, over the limit of 1000 (--max-bytes)"


def test_a_run_that_skipped_every_record_exits_non_zero(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": 1}\nnope\n')
    for argv in (["cluster", str(src)], ["dedupe", str(src)], ["filter", "--index", str(tmp_path / "f.dedup"), str(src)],
                 ["index", "add", "--index", str(tmp_path / "a.dedup"), str(src)]):
        r = run_inproc(*argv, "--on-error", "skip")
        assert r.returncode == 1, (argv, r.stderr)
        assert b"every record was skipped (2)" in r.stderr and b"skipped 2 record(s)" in r.stderr
    assert not (tmp_path / "f.dedup").exists() and not (tmp_path / "a.dedup").exists()  # no empty index left
    # an empty input skipped nothing: not an error
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert run_inproc("cluster", str(tmp_path / "empty.jsonl"), "--on-error", "skip", "-q").returncode == 0


def test_index_add_names_file_and_line_of_an_indexed_id(tmp_path):
    idx = str(tmp_path / "i.dedup")
    first = tmp_path / "first.jsonl"
    first.write_bytes(_docs(5))
    assert run_inproc("index", "add", "--index", idx, str(first)).returncode == 0
    second = tmp_path / "second.jsonl"
    second.write_bytes(_docs(3, start=10) + _docs(1, start=2) + _docs(2, start=20))  # line 4 repeats d2
    r = run_inproc("index", "add", "--index", idx, str(second))
    assert r.returncode == 1
    assert f"{second}: line 4: id 'd2': id already in the index".encode() in r.stderr
    with dedup.Index.open(idx) as index:
        assert len(index) == 5  # the batch was rolled back
    r = run_inproc("index", "add", "--index", idx, str(second), "--on-error", "skip")
    assert r.returncode == 0, r.stderr
    err = r.stderr.decode()
    assert "added 5 documents; index holds 10" in err
    assert "skipped 1 record(s): 1 id already in the index" in err and f"{second}: line 4: id 'd2'" in err
    with dedup.Index.open(idx) as index:
        assert len(index) == 10
        assert index.check("document number 21 says something of its own: " + "word21 " * 5).id == "d21"  # after the skipped one


def test_index_add_repeated_id_within_the_input(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(_docs(3) + _docs(1, start=1))
    r = run_inproc("index", "add", "--index", str(tmp_path / "i.dedup"), str(src))
    assert r.returncode == 1 and f"{src}: line 4: id 'd1': id repeated in the batch".encode() in r.stderr
    r = run_inproc("index", "add", "--index", str(tmp_path / "j.dedup"), str(src), "--on-error", "skip")
    assert r.returncode == 0 and b"added 3 documents" in r.stderr and b"line 4" in r.stderr


def test_index_add_many_skip_api(tmp_path):
    with dedup.Index.open(str(tmp_path / "i.dedup"), create=True) as index:
        index.add_many([("a", "one text of its own here"), ("b", "another text entirely")])
        skipped: list = []
        n = index.add_many([("c", "a third text"), ("a", "again"), ("c", "twice")], on_duplicate_id="skip", skipped=skipped)
        assert n == 1 and len(index) == 3
        assert skipped == [(1, "a", "id already in the index"), (2, "c", "id repeated in the batch")]


def test_a_failed_filter_leaves_no_new_index(tmp_path):
    idx = tmp_path / "new.dedup"
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"not json\n")
    for argv in (["filter", "--index", str(idx), str(bad)], ["index", "add", "--index", str(idx), str(bad)],
                 ["filter", "--index", str(idx), str(tmp_path / "missing.jsonl")]):
        r = run_inproc(*argv)
        assert r.returncode == 1
        assert not [p for p in os.listdir(tmp_path) if p.startswith("new.dedup")], argv
    # an index that existed before is kept, and so is one the failed run had already added to
    good = tmp_path / "good.jsonl"
    good.write_bytes(_docs(3))
    assert run_inproc("filter", "--index", str(idx), str(good)).returncode == 0
    r = run_inproc("filter", "--index", str(idx), str(bad))
    assert r.returncode == 1 and idx.exists()
    other = tmp_path / "other.dedup"
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(_docs(3) + b"not json\n")
    r = run_inproc("filter", "--index", str(other), "--batch-size", "1", str(mixed))
    assert r.returncode == 1 and other.exists()
    with dedup.Index.open(str(other)) as index:
        assert len(index) == 3


def test_index_remove_of_an_unknown_id_exits_non_zero(tmp_path):
    idx = str(tmp_path / "i.dedup")
    src = tmp_path / "in.jsonl"
    src.write_bytes(_docs(3))
    run_inproc("index", "add", "--index", idx, str(src))
    r = run_inproc("index", "remove", "--index", idx, "d0", "nope")
    assert r.returncode == 1
    assert b"id 'nope' not in the index" in r.stderr and b"removed 1 documents; index holds 2" in r.stderr
    assert b"1 of the 2 ids given are not in the index" in r.stderr
    assert run_inproc("index", "remove", "--index", idx, "d1").returncode == 0


def test_index_stats_times_are_iso_8601(tmp_path):
    idx = str(tmp_path / "i.dedup")
    src = tmp_path / "in.jsonl"
    src.write_bytes(_docs(2))
    before = datetime.datetime.now(datetime.timezone.utc)
    run_inproc("index", "add", "--index", idx, str(src))
    stats = json.loads(run_inproc("index", "stats", "--index", idx).stdout)
    for key in ("oldest_added", "newest_added"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stats[key]), stats[key]
        t = datetime.datetime.fromisoformat(stats[key].replace("Z", "+00:00"))
        assert abs((t - before).total_seconds()) < 600
    empty = str(tmp_path / "e.dedup")
    run_inproc("index", "add", "--index", empty, str(tmp_path / "none.jsonl"))
    (tmp_path / "none.jsonl").write_bytes(b"")
    run_inproc("index", "add", "--index", empty, str(tmp_path / "none.jsonl"))
    assert json.loads(run_inproc("index", "stats", "--index", empty).stdout)["oldest_added"] is None


def test_missing_field_lists_the_record_fields(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"url": "u", "body": "b"}\n')
    r = run_inproc("cluster", str(src))
    assert r.returncode == 1 and b"missing id field 'id'; the record has: url, body" in r.stderr
