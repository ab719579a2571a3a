"""Hardening of the command line from an attack review (issue 18): each case gives the right result or a clear
error (exit 1, a message naming what and where, no traceback). See docs/reliability.md."""

from __future__ import annotations

import json

import pytest
from cli_helpers import run_inproc

GOOD = [{"id": k, "text": f"document number {k} says something of its own: {' '.join(str(k * 31 + j) for j in range(12))}"}
        for k in range(3)]


def jsonl(docs) -> bytes:
    return b"".join(json.dumps(d).encode() + b"\n" for d in docs)


def no_traceback(r) -> None:
    err = r.stderr.decode(errors="replace") if isinstance(r.stderr, bytes) else r.stderr
    assert "Traceback" not in err, err


# -- 1. JSON that the parser cannot take: deep nesting, huge integers ---------------------------------------------

DEEP = b'{"id": "deep", "text": "t", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
DEEPER = b"[" * 100_000 + b"]" * 100_000
HUGE_INT = b'{"id": "big", "text": "t", "n": ' + b"9" * 5000 + b"}"
HUGE_ID = b'{"id": ' + b"7" * 4301 + b', "text": "t"}'


@pytest.mark.parametrize("bad,reason", [(DEEP, b"nested too deeply"), (DEEPER, b"nested too deeply"),
                                        (HUGE_INT, b"4300 digits"), (HUGE_ID, b"4300 digits")])
@pytest.mark.parametrize("command", ["cluster", "filter", "index add"])
def test_deep_nesting_and_huge_integers_are_bad_records(tmp_path, bad, reason, command):
    data = jsonl(GOOD[:1]) + bad + b"\n" + jsonl(GOOD[1:])
    src = tmp_path / "in.jsonl"
    src.write_bytes(data)
    args = ["cluster", "-q"] if command == "cluster" else [*command.split(), "--index", str(tmp_path / "x.dedup")]
    r = run_inproc(*args, str(src))
    assert r.returncode == 1, r.stderr
    assert f"{src}: line 2: ".encode() in r.stderr and reason in r.stderr, r.stderr
    no_traceback(r)
    r = run_inproc(*args, "--on-error", "skip", str(tmp_path / "in.jsonl"))
    assert r.returncode == 0, r.stderr
    assert b"skipped 1 record(s)" in r.stderr and reason in r.stderr
    if command != "index add":
        assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == [0, 1, 2]


# -- 2. ids on the command line are parsed exactly -----------------------------------------------------------------


def test_remove_parses_integer_ids_exactly(tmp_path):
    idx = str(tmp_path / "r.dedup")
    docs = [{"id": 3, "text": "three " * 20}, {"id": -5, "text": "minus five " * 20}, {"id": "²", "text": "squared " * 20},
            {"id": 7, "text": "seven " * 20}]
    assert run_inproc("index", "add", "--index", idx, stdin=jsonl(docs)).returncode == 0
    for arg in ("٣", "²", "+3", "03", " 3", "3_0", "--5", "-٣", "9" * 5000):
        r = run_inproc("index", "remove", "--index", idx, "--", arg)
        assert r.returncode == 0, (arg, r.stderr)
        no_traceback(r)
        if arg == "²":  # the string id
            assert b"removed 1 documents; index holds 3" in r.stderr
        else:
            assert f"id {arg!r} not in the index".encode() in r.stderr and b"removed 0 documents; index holds" in r.stderr, (arg, r.stderr)
    r = run_inproc("index", "remove", "--index", idx, "--", "3", "-5")
    assert b"removed 2 documents; index holds 1" in r.stderr


# -- 5. --older-than must be a duration ------------------------------------------------------------------------------


def test_older_than_must_be_a_finite_duration(tmp_path):
    idx = str(tmp_path / "e.dedup")
    assert run_inproc("index", "add", "--index", idx, stdin=jsonl(GOOD)).returncode == 0
    for arg in ("nan", "NaN", "inf", "-inf", "infinity", "nand", "١d", "1_0", "", "d", "1e999"):
        r = run_inproc("index", "expire", "--index", idx, f"--older-than={arg}")
        assert r.returncode == 1 and b"--older-than" in r.stderr, (arg, r.stderr)
        assert b"negative" not in r.stderr, (arg, r.stderr)
        no_traceback(r)
    r = run_inproc("index", "expire", "--index", idx, "--older-than=-3d")
    assert r.returncode == 1 and b"must not be negative" in r.stderr
    for arg in ("30d", "1.5h", " 2 m", "10", ".5s", "1e3", "0"):
        r = run_inproc("index", "expire", "--index", idx, f"--older-than={arg}")
        assert r.returncode == 0 and b"expired" in r.stderr, (arg, r.stderr)
