"""`dedup filter` and `dedup index ...` end to end, through the installed console script."""

import json
from pathlib import Path

import pytest
from cli_helpers import run_inproc, run_process

ROOT = Path(__file__).resolve().parent.parent
BASE = (
    "The city council approved the budget for road repairs on Tuesday after a long debate about "
    "potholes, bridges and the cost of asphalt, and the mayor said work would begin in the spring."
)


run = run_inproc


@pytest.fixture
def feed(seeds) -> bytes:
    """JSONL with odd spacing, key order and escapes that a re-serializer would change."""
    lines = [
        b'{"text": ' + json.dumps(seeds["001"]).encode() + b',   "id": "001", "extra": [1, 2]}\n',
        b'{"id":"000","text":' + json.dumps(seeds["000"], ensure_ascii=False).encode() + b"}\n",
        b'{"id": 2, "text": ' + json.dumps(seeds["002"]).encode() + b', "source": "caf\\u00e9"}\n',
        b"\n",
        b'{"id": 3, "text": ' + json.dumps(BASE).encode() + b"}\n",
        b'{"id": 4, "text": ' + json.dumps(BASE.upper()).encode() + b"}",  # last line, no newline
    ]
    return b"".join(lines)


def test_filter_passes_lines_through_unchanged_and_reports(tmp_path, feed, seeds):
    idx, rep = tmp_path / "seen.dedup", tmp_path / "dropped.jsonl"
    r = run_process("filter", "--index", str(idx), "--report", str(rep), stdin=feed)
    assert r.returncode == 0, r.stderr
    lines = feed.split(b"\n")
    assert r.stdout == lines[0] + b"\n" + lines[2] + b"\n" + lines[4] + b"\n"
    report = [json.loads(x) for x in rep.read_text().splitlines()]
    assert [(x["id"], x["matched"]) for x in report] == [("000", "001"), (4, 3)]
    assert all(0.8 < x["similarity"] <= 1 for x in report)
    assert b"5 documents, 3 kept, 2 dropped; index holds 3" in r.stderr

    again = run_process("filter", "--index", str(idx), "-", "--report", str(rep), stdin=feed)
    assert again.returncode == 0, again.stderr
    assert again.stdout == b""
    report = [json.loads(x) for x in rep.read_text().splitlines()]
    assert len(report) == 5
    assert [x["reason"] for x in report].count("id already indexed") == 3  # the kept ones, seen again
    assert b"5 dropped (2 near-duplicates, 3 ids already indexed)" in again.stderr and b"warning" not in again.stderr

    # An indexed id with another text is dropped too (the index keeps its text), but never silently.
    other = b'{"id": 3, "text": ' + json.dumps(seeds["003"]).encode() + b"}\n"
    reused = run_process("filter", "--index", str(idx), "--report", str(rep), stdin=other)
    assert reused.returncode == 0 and reused.stdout == b"", reused.stderr
    assert json.loads(rep.read_text())["reason"] == "id already indexed, different text"
    assert b"warning: 1 documents dropped because their id is already indexed with a different text" in reused.stderr
    # Empty texts seen again are the same text: no warning.
    empty = b'{"id": "e", "text": ""}\n'
    assert run_process("filter", "--index", str(idx), stdin=empty).stdout == empty
    rerun = run_process("filter", "--index", str(idx), stdin=empty)
    assert rerun.stdout == b"" and b"warning" not in rerun.stderr and b"1 ids already indexed" in rerun.stderr

    cached = run("filter", "--index", str(tmp_path / "cached.dedup"), "--cache-signatures", "--report", str(rep), stdin=feed)
    assert cached.returncode == 0 and cached.stdout == r.stdout  # same decisions with the signatures in memory
    assert [(x["id"], x["matched"]) for x in map(json.loads, rep.read_text().splitlines())] == [("000", "001"), (4, 3)]


def test_filter_files_and_index_params(tmp_path, feed):
    src = tmp_path / "in.jsonl"
    src.write_bytes(feed)
    idx = tmp_path / "w.dedup"
    r = run("filter", "--index", str(idx), str(src), "--shingle", "word", "--ngram", "3", "-q", "--batch-size", "2")
    assert r.returncode == 0 and r.stderr == b"", r.stderr
    assert len(r.stdout.splitlines()) == 3
    bad = run("filter", "--index", str(idx), str(src), "--ngram", "5")
    assert bad.returncode == 1 and b"ngram: index has 3, given 5" in bad.stderr
    stats = json.loads(run("index", "stats", "--index", str(idx)).stdout)
    assert stats["params"]["shingle"] == "word" and stats["documents"] == 3


def test_filter_bad_input(tmp_path):
    idx = tmp_path / "b.dedup"
    r = run("filter", "--index", str(idx), stdin=b'{"id": 1, "text": "ok"}\nnot json\n')
    assert r.returncode == 1 and b"<stdin>: line 2: invalid JSON" in r.stderr
    r = run("filter", "--index", str(idx), "--on-error", "skip", stdin=b'{"id": 5, "text": "fine text here"}\n[1]\n')
    assert r.returncode == 0 and r.stdout == b'{"id": 5, "text": "fine text here"}\n'
    assert b"skipped 1 record(s)" in r.stderr
    junk = tmp_path / "junk.dedup"
    junk.write_bytes(b"\x00garbage" * 100)
    r = run("filter", "--index", str(junk), stdin=b"")
    assert r.returncode == 1 and b"not an SQLite database" in r.stderr


def test_index_subcommands(tmp_path, seeds):
    idx = tmp_path / "i.dedup"
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in seeds.items() if k != "000"))
    assert run("index", "stats", "--index", str(idx)).returncode == 1  # query/stats never create
    assert not idx.exists()

    r = run("index", "add", "--index", str(idx), str(docs))
    assert r.returncode == 0 and b"added 4 documents; index holds 4" in r.stderr
    again = run("index", "add", "--index", str(idx), str(docs))
    assert again.returncode == 1 and b"already in the index" in again.stderr

    q = run("index", "query", "--index", str(idx), stdin=(json.dumps({"id": "q", "text": seeds["000"]}) + "\n").encode())
    assert q.returncode == 0, q.stderr
    row = json.loads(q.stdout)
    assert row["id"] == "q" and row["match"] == "001" and row["similarity"] > 0.8

    r = run("index", "remove", "--index", str(idx), "001", "missing")
    assert r.returncode == 1 and b"removed 1 documents; index holds 3" in r.stderr and b"'missing' not in the index" in r.stderr
    q = run("index", "query", "--index", str(idx), stdin=(json.dumps({"id": "q", "text": seeds["000"]}) + "\n").encode())
    assert json.loads(q.stdout)["match"] is None

    s = json.loads(run("index", "stats", "--index", str(idx)).stdout)
    assert s["documents"] == 3 and s["bytes_on_disk"] > 0

    assert run("index", "expire", "--index", str(idx), "--older-than", "1d").stderr.startswith(b"dedup: expired 0 documents")
    r = run("index", "expire", "--index", str(idx), "--older-than", "0s")
    assert b"expired 3 documents; index holds 0" in r.stderr
    bad = run("index", "expire", "--index", str(idx), "--older-than", "soon")
    assert bad.returncode == 1 and b"--older-than" in bad.stderr


def test_remove_integer_ids(tmp_path):
    idx = tmp_path / "n.dedup"
    run("index", "add", "--index", str(idx), stdin=b'{"id": 12, "text": "twelve twelve twelve"}\n')
    r = run("index", "remove", "--index", str(idx), "12")
    assert b"removed 1 documents; index holds 0" in r.stderr
