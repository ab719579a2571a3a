"""Progress bars (dedup.progress): on standard error only, by default only when it is a terminal, never with
--quiet or --no-progress, forced with --progress; results do not change."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from cli_helpers import ROOT, run_inproc

from dedup.progress import Progress, wanted


def _corpus(tmp_path: Path, n: int = 2000) -> Path:
    src = tmp_path / "in.jsonl"
    with open(src, "w") as f:
        for i in range(n):
            base = i // 2  # pairs of copies
            f.write(json.dumps({"id": i, "text": f"story {base} tells of event {base * 7} in town {base % 13}. " * 4}) + "\n")
    return src


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_wanted():
    assert wanted(None, False, _Tty()) is True
    assert wanted(None, True, _Tty()) is False  # --quiet
    assert wanted(None, False, io.StringIO()) is False  # not a terminal
    assert wanted(True, True, io.StringIO()) is True  # --progress wins
    assert wanted(False, False, _Tty()) is False  # --no-progress
    assert wanted(None, False, None) is False  # closed standard error


def test_reading_counts_bytes_and_documents(tmp_path):
    src = _corpus(tmp_path, 1000)
    from dedup.io import iter_records

    out = _Tty()
    files: list = []
    recs = list(Progress(True, out).reading(iter_records([str(src)], on_input=files.append), [str(src)], files))
    assert len(recs) == 1000
    text = out.getvalue()
    size = src.stat().st_size
    last = text.split("\r")[-1]
    assert last.startswith("reading and signing: 100%") and "1,000 docs" in last and "B/s" in last
    from tqdm import tqdm

    shown = tqdm.format_sizeof(size)
    assert f"{shown}/{shown}" in last  # the bytes read against the input's size
    # disabled: the records pass through, nothing is written
    quiet = _Tty()
    assert len(list(Progress(False, quiet).reading(iter_records([str(src)]), [str(src)], []))) == 1000
    assert quiet.getvalue() == ""


def test_stages_bar():
    out = _Tty()
    step = Progress(True, out).stages("clustering 10 documents", ("a", "b", "c"))
    for name in ("a", "b", "c"):
        step(name)
    step.close()
    assert "clustering 10 documents" in out.getvalue() and "3/3" in out.getvalue()


@pytest.mark.parametrize("verb", ["cluster", "dedupe"])
def test_progress_flag_forces_bars_and_changes_no_result(tmp_path, verb):
    src = _corpus(tmp_path)
    plain = run_inproc(verb, str(src))
    assert plain.returncode == 0
    assert b"reading" not in plain.stderr  # standard error is no terminal here: no bar by default
    shown = run_inproc(verb, str(src), "--progress")
    assert shown.returncode == 0 and shown.stdout == plain.stdout
    err = shown.stderr.decode()
    assert "reading and signing" in err and "clustering 2,000 documents" in err
    if verb == "dedupe":
        assert "writing" in err and "2000/2000" in err
    assert "dedup: 2000 documents" in err  # the summary is still there
    q = run_inproc(verb, str(src), "--quiet")
    assert q.stderr == b"" and q.stdout == plain.stdout
    assert run_inproc(verb, str(src), "--quiet", "--progress").stderr.count(b"reading and signing") >= 1


def test_filter_and_index_add_take_the_flags(tmp_path):
    src = _corpus(tmp_path, 600)
    r = run_inproc("filter", "--index", str(tmp_path / "f.dedup"), str(src), "--progress")
    assert r.returncode == 0 and b"reading" in r.stderr
    r = run_inproc("index", "add", "--index", str(tmp_path / "a.dedup"), str(src), "--progress", "-q")
    assert r.returncode == 0 and b"reading and adding" in r.stderr and b"added" not in r.stderr
    r = run_inproc("index", "query", "--index", str(tmp_path / "a.dedup"), str(src), "--no-progress")
    assert r.returncode == 0 and r.stderr == b""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty")
def test_a_terminal_gets_a_bar_by_default(tmp_path):
    src = _corpus(tmp_path)
    exe = shutil.which("dedup") or str(Path(sys.executable).parent / "dedup")

    def run(*extra: str) -> tuple[bytes, bytes]:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
        results = tmp_path / "out.jsonl"
        with open(results, "wb") as sink:  # a file, not a pipe: nothing blocks while the terminal is read
            p = subprocess.Popen([exe, "cluster", str(src), *extra], stdout=sink, stderr=slave, cwd=ROOT)
        os.close(slave)
        err = b""
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            err += chunk
        p.wait()
        out = results.read_bytes()
        os.close(master)
        assert p.returncode == 0
        return out, err

    out, err = run()
    assert b"reading and signing" in err and b"clustering" in err
    assert b"reading" not in out  # results stay clean
    _, err = run("--no-progress")
    assert b"reading" not in err and b"dedup: 2000 documents" in err
    _, err = run("-q")
    assert err == b""
