"""Hardening of the command line from an attack review (issue 18): each case gives the right result or a clear
error (exit 1, a message naming what and where, no traceback). See docs/reliability.md."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_helpers import run_inproc, run_process

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
        assert r.returncode == (0 if arg == "²" else 1), (arg, r.stderr)  # an id not in the index exits 1
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


# -- 8. dedup filter: no document indexed without its line written (at-least-once) -----------------------------------

ROOT = Path(__file__).resolve().parent.parent
N_OUT, BATCH = 600, 100


def dedup_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "dedup", *args]


@pytest.fixture(scope="module")
def unrelated(tmp_path_factory):
    """600 unrelated documents of ~1.2 kB: a batch of 100 lines (~120 kB) is more than a pipe holds (64 kB)."""
    rng = random.Random(18)
    vocab = [f"w{i}" for i in range(5000)]
    docs = [{"id": k, "text": " ".join(rng.choice(vocab) for _ in range(200))} for k in range(N_OUT)]
    src = tmp_path_factory.mktemp("out") / "docs.jsonl"
    src.write_bytes(jsonl(docs))
    return src, src.read_bytes().splitlines(keepends=True)


def stored_ids(idx) -> set:
    from dedup.index import Index

    with Index.open(idx, create=False) as ix:
        assert ix.verify() == []
        with ix.store.read():
            return {json.loads(i) for got in ix.store.iter_docs(10_000) for i in got.ids}


def rerun_ids(idx, src) -> list:
    r = subprocess.run(dedup_cmd("filter", "--index", str(idx), "-q", str(src)), capture_output=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    return [json.loads(x)["id"] for x in r.stdout.splitlines()]


def test_filter_consumer_exits_early(tmp_path, unrelated):
    src, lines = unrelated
    idx = tmp_path / "p.dedup"
    take = sum(map(len, lines[: 2 * BATCH])) + 100  # two whole batches, then 100 bytes of the third (`head -c`)
    proc = subprocess.Popen(dedup_cmd("filter", "--index", str(idx), "--batch-size", str(BATCH), "--jobs", "1", str(src)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, bufsize=0)
    with contextlib.suppress(OSError):  # the pipe holds 64 kB (Linux default), less than a batch
        fcntl.fcntl(proc.stdout.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 65536)
    try:
        got = b""
        while len(got) < take:
            chunk = proc.stdout.read(min(65536, take - len(got)))
            assert chunk, proc.stderr.read()
            got += chunk
        proc.stdout.close()  # the consumer exits
        err = proc.stderr.read()
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err
    assert b"<stdout>: cannot write the output (Broken pipe)" in err and b"its 100 new documents are not in the index" in err, err
    assert b"200 documents were written and indexed before" in err and b"Traceback" not in err and b"Exception ignored" not in err
    assert stored_ids(idx) == set(range(2 * BATCH))  # the batch being written was rolled back
    assert rerun_ids(idx, src) == list(range(2 * BATCH, N_OUT))  # a rerun delivers every document not yet delivered


def test_filter_output_to_a_full_disk(tmp_path, unrelated):
    src, lines = unrelated
    idx = tmp_path / "f.dedup"
    with open("/dev/full", "wb") as full:
        r = subprocess.run(dedup_cmd("filter", "--index", str(idx), "--batch-size", str(BATCH), str(src)),
                           stdout=full, stderr=subprocess.PIPE, cwd=ROOT, timeout=120)
    assert r.returncode == 1 and b"cannot write the output (No space left on device)" in r.stderr, r.stderr
    assert b"its 100 new documents are not in the index" in r.stderr and b"Traceback" not in r.stderr
    assert b"Exception ignored" not in r.stderr
    assert not idx.exists()  # nothing was indexed, and the failed run left no empty index behind
    # The report too: written before the commit, a failure rolls the batch back.
    again = src.parent / "again.jsonl"
    again.write_bytes(b"".join(lines[:BATCH]) + b"".join(lines[:BATCH]))  # the second half: ids already indexed
    r = subprocess.run(dedup_cmd("filter", "--index", str(idx), "--batch-size", str(BATCH), "--report", "/dev/full", str(again)),
                       capture_output=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1 and b"/dev/full: cannot write the output (No space left on device)" in r.stderr, r.stderr
    assert b"100 documents were written and indexed before" in r.stderr
    assert len(r.stdout.splitlines()) == BATCH and stored_ids(idx) == set(range(BATCH))
    assert rerun_ids(idx, src) == list(range(BATCH, N_OUT))


def test_filter_sigterm_commits_only_written_batches(tmp_path, unrelated):
    src, lines = unrelated
    idx = tmp_path / "t.dedup"
    proc = subprocess.Popen(dedup_cmd("filter", "--index", str(idx), "--batch-size", str(BATCH), "--jobs", "1", "-q", str(src)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        first = [proc.stdout.readline() for _ in range(150)]
        time.sleep(0.02)  # land inside a later batch
        proc.send_signal(signal.SIGTERM)
        out = b"".join(first) + proc.stdout.read()
        err = proc.stderr.read()
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM and b"dedup: terminated (SIGTERM)" in err and b"Traceback" not in err, err
    assert out.endswith(b"\n")
    printed = [json.loads(x)["id"] for x in out.splitlines()]
    assert out.splitlines(keepends=True) == lines[: len(printed)]  # whole lines, byte for byte
    assert set(printed) == stored_ids(idx) and len(printed) < N_OUT  # the batch in progress was finished, not lost
    assert rerun_ids(idx, src) == list(range(len(printed), N_OUT))


def test_filter_help_states_at_least_once():
    r = subprocess.run(dedup_cmd("filter", "--help"), capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "at-least-once" in r.stdout and "SIGTERM" in r.stdout


# -- 3. closed standard input or output ------------------------------------------------------------------------------


def _closing(fd: int):
    return lambda: os.close(fd)


@pytest.mark.parametrize("args", [["cluster", "-"], ["filter", "--index", "{idx}"], ["index", "add", "--index", "{idx}"],
                                  ["index", "query", "--index", "{idx}"], ["explain", "-", "seeds/000_20d7aab8ec14d6c9.txt"]])
def test_closed_stdin_is_a_clear_error(tmp_path, args):
    idx = tmp_path / "s.dedup"
    r = subprocess.run(dedup_cmd(*(a.format(idx=idx) for a in args)), capture_output=True,
                       cwd=ROOT, preexec_fn=_closing(0), timeout=120)
    assert r.returncode == 1 and r.stderr.startswith(b"dedup: error: <stdin>: standard input is closed"), r.stderr
    assert not idx.exists()  # refused before anything is created


@pytest.mark.parametrize("args", [["cluster", "seeds/"], ["filter", "--index", "{idx}", "{src}"], ["index", "query", "--index", "{idx}", "{src}"],
                                  ["index", "stats", "--index", "{idx}"], ["explain", "seeds/000_20d7aab8ec14d6c9.txt", "seeds/001_460e1fe8a5442074.txt"]])
def test_closed_stdout_is_a_clear_error(tmp_path, args):
    idx, src = tmp_path / "o.dedup", tmp_path / "in.jsonl"
    src.write_bytes(jsonl(GOOD))
    if "query" in args or "stats" in args:
        assert run_inproc("index", "add", "--index", str(idx), str(src)).returncode == 0
    r = subprocess.run(dedup_cmd(*(a.format(idx=idx, src=src) for a in args)), stderr=subprocess.PIPE, cwd=ROOT,
                       preexec_fn=_closing(1), timeout=120)
    assert r.returncode == 1 and r.stderr.startswith(b"dedup: error: <stdout>: standard output is closed"), r.stderr
    if args[0] == "filter":
        assert not idx.exists()  # refused before the index is created


# -- 4. FIFOs and process substitution -------------------------------------------------------------------------------


def test_cluster_reads_fifos_and_process_substitution(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl(GOOD))
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    txt = tmp_path / "doc.txt"
    os.mkfifo(txt)

    def feed():
        with open(fifo, "wb") as f:
            f.write(jsonl(GOOD))
        with open(txt, "wb") as f:
            f.write(b"a text file that is a FIFO")

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    r = subprocess.run(dedup_cmd("cluster", "-q", str(fifo), str(txt)), capture_output=True, cwd=ROOT, timeout=120)
    writer.join(10)
    assert r.returncode == 0, r.stderr
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == [0, 1, 2, "doc"]
    cmd = " ".join(map(shlex.quote, dedup_cmd("cluster", "-q"))) + f" <(cat {shlex.quote(str(src))})"
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == [0, 1, 2]
    r = subprocess.run(dedup_cmd("cluster", "-q", str(tmp_path / "missing.jsonl")), capture_output=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1 and b"missing.jsonl: no such file or directory" in r.stderr


# -- 6. --jobs is capped -----------------------------------------------------------------------------------------------


def test_jobs_are_capped_at_a_multiple_of_the_cores(tmp_path, monkeypatch):
    import dedup.cli
    from dedup.index import Index

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    seen = []
    engine = dedup.cli.Deduplicator
    monkeypatch.setattr(dedup.cli, "Deduplicator", lambda n_jobs=None, **kw: seen.append(n_jobs) or engine(n_jobs=n_jobs, **kw))
    opened = Index.open.__func__
    monkeypatch.setattr(Index, "open", classmethod(lambda cls, *a, n_jobs=None, **kw: seen.append(n_jobs) or opened(cls, *a, n_jobs=n_jobs, **kw)))
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl(GOOD))
    for args in (["cluster", "-q"], ["filter", "-q", "--index", str(tmp_path / "j.dedup")]):
        r = run_inproc(*args, "--jobs", "300", str(src))
        assert r.returncode == 0 and len(r.stdout.splitlines()) == 3, r.stderr
        assert r.stderr.count(b"warning") == 1 and b"--jobs 300 is more than 4 per usable core (2 usable); using 8" in r.stderr
        r = run_inproc(*args, "--jobs", "8", str(src))
        assert b"warning" not in r.stderr
    assert seen == [8, 8, 8, 8]


# -- 7. an output that is the index ------------------------------------------------------------------------------------


def test_filter_refuses_an_output_that_is_the_index(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl(GOOD))
    idx = tmp_path / "rp.dedup"
    assert run_inproc("filter", "--index", str(idx), str(src)).returncode == 0
    before = idx.read_bytes()
    (tmp_path / "link.dedup").symlink_to(idx)
    os.link(idx, tmp_path / "hard.dedup")
    sub = tmp_path / "sub"
    sub.mkdir()
    for report in (str(idx), str(tmp_path / "link.dedup"), str(tmp_path / "hard.dedup"), str(sub / ".." / "rp.dedup"),
                   str(idx) + "-wal", str(idx) + "-shm"):
        r = run_inproc("filter", "--index", str(idx), "--report", report, str(src))
        assert r.returncode == 1 and b"is the index file" in r.stderr and b"refusing to write over the index" in r.stderr, (report, r.stderr)
        no_traceback(r)
    new = tmp_path / "new.dedup"  # not created yet: the same path is refused too, and nothing is created
    r = run_inproc("filter", "--index", str(new), "--report", str(new), str(src))
    assert r.returncode == 1 and b"is the index file" in r.stderr and not new.exists()
    assert idx.read_bytes() == before
    with open(idx, "ab") as out:  # `>> rp.dedup`
        for args in (["filter", "--index", str(idx), str(src)], ["index", "query", "--index", str(idx), str(src)]):
            r = subprocess.run(dedup_cmd(*args), stdout=out, stderr=subprocess.PIPE, cwd=ROOT, timeout=120)
            assert r.returncode == 1 and b"<stdout>: standard output is the index file" in r.stderr, r.stderr
    assert idx.read_bytes() == before
    r = run_inproc("filter", "--index", str(idx), "--report", str(tmp_path / "report.jsonl"), str(src))
    assert r.returncode == 0, r.stderr


# -- A default --max-bytes: one huge line no longer exhausts memory ------------------------------------------------

def test_default_max_bytes_refuses_a_huge_record_and_0_lifts_it(tmp_path, monkeypatch):
    """A record over the default limit is a bad record naming file and line, for cluster, filter and index add;
    ``--on-error skip`` skips it and ``--max-bytes 0`` lifts the limit. The default is patched small here
    (it is 32 MiB, docs/reliability.md)."""
    import dedup.cli
    from dedup.io import DEFAULT_MAX_BYTES

    assert DEFAULT_MAX_BYTES == 32 * 1024 * 1024
    monkeypatch.setattr(dedup.cli, "DEFAULT_MAX_BYTES", 1000)
    big = {"id": "big", "text": " ".join(f"word{k}" for k in range(400))}
    src = tmp_path / "in.jsonl"
    data = jsonl([GOOD[0], big, GOOD[1]])
    src.write_bytes(data)
    size = len(json.dumps(big)) + 1
    for n, command in enumerate([["cluster"], ["filter", "--index", str(tmp_path / "f.dedup")],
                                 ["index", "add", "--index", str(tmp_path / "a.dedup")]]):
        r = run_inproc(*command, str(src))
        no_traceback(r)
        assert r.returncode == 1, r.stderr
        assert f"{src}: line 2: record is {size} bytes, over the limit of 1000 (--max-bytes)" in r.stderr.decode()
        extra = [f"{tmp_path}/s{n}.dedup"] if command[0] != "cluster" else []
        skip = [*command[:-1], *extra] if extra else command
        r = run_inproc(*skip, str(src), "--on-error", "skip")
        assert r.returncode == 0 and "skipped 1 record(s)" in r.stderr.decode()
        if command[0] != "index":
            assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == [0, 1]
        lifted = [*command[:-1], f"{tmp_path}/l{n}.dedup"] if extra else command
        r = run_inproc(*lifted, str(src), "--max-bytes", "0")
        assert r.returncode == 0, r.stderr
        if command[0] != "index":
            assert sorted(str(json.loads(x)["id"]) for x in r.stdout.splitlines()) == ["0", "1", "big"]
    monkeypatch.undo()
    for command in (["cluster"], ["filter"], ["index", "add"]):
        out = " ".join(run_process(*command, "--help", text=True).stdout.split())
        assert "(default 33554432 = 32 MiB" in out and "0 for no limit)" in out


def test_an_over_long_line_is_read_past_not_held(tmp_path):
    """A line over ``max_bytes`` is counted in pieces, not read whole (a line of several GB is refused without
    holding it); the lines after it and a byte-order mark on the first line are read as before."""
    import io

    from dedup.io import read_jsonl

    line = b'{"id": 1, "text": "' + b"x" * 5_000_000 + b'"}\n'
    good = b'{"id": 2, "text": "fine"}\n'
    for head in (b"", b"\xef\xbb\xbf"):
        items = list(read_jsonl(io.BufferedReader(io.BytesIO(head + line + good)), "s", max_bytes=1000))
        assert str(items[0]) == f"s: line 1: record is {len(line)} bytes, over the limit of 1000 (--max-bytes)"
        assert items[1] == (2, "fine")
        items = list(read_jsonl(io.BufferedReader(io.BytesIO(head + good + line[:-1])), "s", max_bytes=1000))
        assert items[0] == (2, "fine") and "record is 5000021 bytes" in str(items[1])
        exact = b'{"id": 3, "text": "' + b"y" * (1000 - 22) + b'"}\n'
        assert len(exact) == 1000
        assert list(read_jsonl(io.BufferedReader(io.BytesIO(head + exact)), "s", max_bytes=1000))[0][0] == 3
        over = b'{"id": 3, "text": "' + b"y" * (1001 - 22) + b'"}\n'
        assert "record is 1001 bytes" in str(list(read_jsonl(io.BufferedReader(io.BytesIO(head + over)), "s", max_bytes=1000))[0])
