"""Fault injection against real `dedup` processes: nothing committed is lost, the index stays consistent,
errors are clear (exit 1, one `dedup: error:` line, no traceback). See docs/reliability.md.

Faults: SIGKILL mid-`filter` and mid-`index add`, Ctrl-C mid-`filter`, disk full (RLIMIT_FSIZE; a real
full tmpfs when we may mount one), read-only index file and directory, an index locked by another
process. Untrusted data: no pickle/eval anywhere, parameterized SQL, literal command-line paths; a
hypothesis fuzz of the CLI. The large-file memory measurement runs only with DEDUP_SLOW=1.
"""

from __future__ import annotations

import ast
import contextlib
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_inproc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.index import Index
from dedup.store import IndexLockedError

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "dedup"
N_DOCS = 3000
BATCH = 100


def dedup(*args: str) -> list[str]:
    return [sys.executable, "-m", "dedup", *args]


def make_docs(n: int, seed: int = 0, words: int = 60) -> list[dict]:
    """``n`` unrelated documents, every 5th one a near-duplicate (an earlier one plus a word)."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(5000)])
    docs = []
    for k in range(n):
        if k % 5 == 0 and k:
            text = docs[k // 2]["text"] + " extra"
        else:
            text = " ".join(vocab[rng.integers(0, vocab.size, words)].tolist())
        docs.append({"id": k, "text": text})
    return docs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The input file, its lines by id, and the ids a clean, uninterrupted filter admits."""
    d = tmp_path_factory.mktemp("corpus")
    docs = make_docs(N_DOCS)
    src = d / "docs.jsonl"
    lines = {doc["id"]: (json.dumps(doc) + "\n").encode() for doc in docs}
    src.write_bytes(b"".join(lines.values()))
    with Index.open(d / "clean.dedup", n_jobs=1) as ix:
        results = ix.check_and_add_many([(doc["id"], doc["text"]) for doc in docs], on_duplicate_id="skip")
    admitted = {doc["id"] for doc, m in zip(docs, results) if m is None}
    assert N_DOCS * 0.7 < len(admitted) < N_DOCS  # the near-duplicates are dropped
    return src, lines, admitted


def index_ids(path) -> set:
    with Index.open(path, create=False) as ix:
        assert ix.verify() == []
        with ix.store.read():
            return {json.loads(got_id) for got in ix.store.iter_docs(10_000) for got_id in got.ids}


def complete_lines(data: bytes) -> list[bytes]:
    """The newline-terminated lines of ``data`` (a SIGKILL may cut the last one)."""
    return data.split(b"\n")[:-1]


def no_traceback(r) -> None:
    err = r.stderr.decode(errors="replace") if isinstance(r.stderr, bytes) else r.stderr
    assert "Traceback" not in err, err
    assert err.count("dedup: error:") <= 1, err


def drain(proc, timeout: float = 60) -> tuple[bytes, bytes]:
    """The rest of a process's stdout and stderr. Not ``communicate()``: it reads the pipe's file
    descriptor and would skip what ``proc.stdout.readline()`` already buffered."""
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.wait(timeout)
    return out, err


def read_lines_until(proc, n: int) -> list[bytes]:
    got = []
    while len(got) < n:
        line = proc.stdout.readline()
        assert line, f"dedup exited early: {proc.wait()} {proc.stderr.read()[-2000:]!r}"
        got.append(line)
    return got


# -- SIGKILL -----------------------------------------------------------------------------------------------


def test_sigkill_mid_filter_loses_nothing_and_rerun_completes(tmp_path, corpus):
    src, lines, admitted = corpus
    idx = tmp_path / "k.dedup"
    proc = subprocess.Popen(dedup("filter", "--index", str(idx), "--batch-size", str(BATCH), "--jobs", "1", "-q", str(src)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        first = read_lines_until(proc, 700)
        time.sleep(0.05)  # land inside a later batch
    finally:
        proc.kill()
        rest, _ = drain(proc)
    assert proc.returncode == -signal.SIGKILL
    printed = complete_lines(b"".join(first) + rest)
    printed_ids = [json.loads(x)["id"] for x in printed]
    stored = index_ids(idx)  # opens, verify() == []
    assert stored <= set(printed_ids)  # nothing is indexed without its line (lines are written before the commit)
    assert stored <= admitted and len(stored) < len(admitted)  # killed part way, nothing wrong admitted
    assert len(set(printed_ids) - stored) <= BATCH  # at most the batch in progress was written and not committed

    again = subprocess.run(dedup("filter", "--index", str(idx), "--batch-size", str(BATCH), "-q", str(src)), capture_output=True, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    more = [json.loads(x)["id"] for x in complete_lines(again.stdout)]
    assert set(more) & set(printed_ids) == set(printed_ids) - stored  # at-least-once: only the uncommitted lines again
    assert index_ids(idx) == admitted  # the job is complete, and no duplicate was admitted
    assert set(more) == admitted - stored


def test_sigkill_mid_index_add_keeps_whole_batches(tmp_path, corpus):
    src, lines, _ = corpus
    idx = tmp_path / "a.dedup"
    with Index.open(idx, n_jobs=1):
        pass
    proc = subprocess.Popen(dedup("index", "add", "--index", str(idx), "--batch-size", str(BATCH), "--jobs", "1", str(src)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        deadline = time.time() + 60
        with Index.open(idx, create=False) as watcher:
            while len(watcher) < 5 * BATCH:
                assert proc.poll() is None and time.time() < deadline, "add ended before it could be killed"
                time.sleep(0.01)
    finally:
        proc.kill()
        proc.communicate()
    stored = index_ids(idx)
    assert len(stored) % BATCH == 0 and len(stored) < N_DOCS
    assert stored == set(range(len(stored)))  # whole batches, in input order


# -- Ctrl-C --------------------------------------------------------------------------------------------------


def test_ctrl_c_mid_filter_exits_130_with_valid_jsonl_and_consistent_index(tmp_path, corpus):
    src, lines, admitted = corpus
    idx = tmp_path / "c.dedup"
    # As from an interactive shell: Ctrl-C at its default. A job started in the background (`cmd &` without job
    # control, as CI may run this suite) inherits SIGINT ignored, and dedup, like any program, keeps it ignored.
    proc = subprocess.Popen(dedup("filter", "--index", str(idx), "--batch-size", str(BATCH), "--jobs", "1", "-q", str(src)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        first = read_lines_until(proc, 500)
        time.sleep(0.03)
        proc.send_signal(signal.SIGINT)
        rest, err = drain(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert b"dedup: interrupted" in err and b"Traceback" not in err
    out = b"".join(first) + rest
    assert out.endswith(b"\n")
    ids = [json.loads(x)["id"] for x in out.splitlines()]  # every line parses
    assert all(out_line == lines[i] for out_line, i in zip(out.splitlines(keepends=True), ids))  # byte for byte
    stored = index_ids(idx)
    assert set(ids) == stored and len(stored) < len(admitted)  # Ctrl-C waits for the batch: printed == added


# -- disk full ------------------------------------------------------------------------------------------------


def _build(idx, docs, n):
    with Index.open(idx, n_jobs=1) as ix:
        ix.check_and_add_many([(d["id"], d["text"]) for d in docs[:n]], on_duplicate_id="skip")


def _assert_disk_full_handled(r, idx, before: int):
    assert r.returncode == 1, r.stderr
    no_traceback(r)
    assert b"cannot write the index" in r.stderr and (b"disk I/O error" in r.stderr or b"disk is full" in r.stderr), r.stderr
    printed = {json.loads(x)["id"] for x in complete_lines(r.stdout)}
    stored = index_ids(idx)  # opens, verify() == []
    assert len(stored - printed) == before  # nothing admitted without its line
    # A commit that fails after its lines were written leaves them unindexed (a rerun writes them again), and says so.
    assert len(printed - stored) <= BATCH
    assert not printed - stored or b"were written before the failure but are not in the index" in r.stderr, r.stderr


def test_disk_full_file_size_limit(tmp_path, corpus):
    src, _, _ = corpus
    idx = tmp_path / "f.dedup"
    docs = [json.loads(x) for x in src.read_bytes().splitlines()]
    _build(idx, docs, 500)
    before = len(index_ids(idx))
    limit = os.path.getsize(idx) + 300_000

    def limit_file_size():  # the child gets EFBIG (Python ignores SIGXFSZ) once a file would pass `limit`
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    r = subprocess.run(dedup("filter", "--index", str(idx), "--batch-size", str(BATCH), str(src)),
                       capture_output=True, cwd=ROOT, preexec_fn=limit_file_size)
    _assert_disk_full_handled(r, idx, before)
    assert len(index_ids(idx)) > before  # some batches committed before the limit


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str):
    where.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_disk_full_real_tmpfs(tmp_path, corpus):
    src, _, _ = corpus
    with small_tmpfs(tmp_path / "mnt", "1m") as mnt:
        idx = mnt / "full.dedup"
        r = subprocess.run(dedup("filter", "--index", str(idx), "--batch-size", str(BATCH), str(src)), capture_output=True, cwd=ROOT)
        _assert_disk_full_handled(r, idx, 0)
        assert b"disk is full" in r.stderr


# -- read-only --------------------------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 24, 1, 2, 3


def _without_file_override():
    """preexec_fn: as root, drop the capabilities that ignore file permissions, so chmod bites."""
    if os.geteuid() == 0:
        for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER):
            if _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_limited(*args, stdin: bytes = b""):
    return subprocess.run(dedup(*args), input=stdin, capture_output=True, cwd=ROOT, preexec_fn=_without_file_override)


@pytest.fixture
def readonly_ok():
    try:
        subprocess.run([sys.executable, "-c", "pass"], check=True, preexec_fn=_without_file_override)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot drop root's file-permission override here: {exc}")


def test_read_only_index_file_and_directory(tmp_path, corpus, readonly_ok):
    src, lines, _ = corpus
    docs = [json.loads(x) for x in src.read_bytes().splitlines()]
    d = tmp_path / "ro"
    d.mkdir()
    idx = d / "r.dedup"
    _build(idx, docs, 200)
    n = len(index_ids(idx))
    old = b"".join(lines[k] for k in range(10))
    new = b"".join(lines[k] for k in range(1000, 1010))
    try:
        os.chmod(idx, 0o444)  # file read-only, directory writable
        assert run_limited("index", "stats", "--index", str(idx)).returncode == 0
        q = run_limited("index", "query", "--index", str(idx), stdin=old)
        assert q.returncode == 0 and all(json.loads(x)["match"] is not None for x in q.stdout.splitlines())
        for args in (("filter",), ("index", "add")):
            r = run_limited(*args, "--index", str(idx), stdin=new)
            assert r.returncode == 1 and b"index is read-only" in r.stderr and r.stdout == b"", (args, r.stderr)
            no_traceback(r)

        os.chmod(idx, 0o644)
        for extra in d.glob("r.dedup-*"):
            extra.unlink()
        os.chmod(d, 0o555)  # directory read-only, no -wal/-shm: SQLite cannot open a WAL index even to read
        for args in (("filter",), ("index", "query")):
            r = run_limited(*args, "--index", str(idx), stdin=new)
            assert r.returncode == 1 and b"index is read-only" in r.stderr and b"writable directory" in r.stderr, r.stderr
            no_traceback(r)
        r = run_limited("filter", "--index", str(d / "new.dedup"), stdin=new)
        assert r.returncode == 1 and b"cannot open" in r.stderr and b"writable?" in r.stderr, r.stderr
        no_traceback(r)
    finally:
        os.chmod(d, 0o755)
        os.chmod(idx, 0o644)
    assert len(index_ids(idx)) == n  # unchanged


# -- lock held by another process ---------------------------------------------------------------------------------

_HOLDER = textwrap.dedent(
    """
    import sqlite3, sys
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    print("held", flush=True)
    sys.stdin.read()
    con.execute("ROLLBACK")
    """
)


def test_index_locked_by_another_process(tmp_path, corpus):
    src, lines, _ = corpus
    docs = [json.loads(x) for x in src.read_bytes().splitlines()]
    idx = tmp_path / "l.dedup"
    _build(idx, docs, 100)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(idx)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with Index.open(idx, timeout=0.5) as ix:
            assert ix.check(docs[1]["text"]).id == 1  # readers are not blocked
            t = time.perf_counter()
            with pytest.raises(IndexLockedError, match=r"locked by another writer \(waited 0.5 s\)"):
                ix.add("new", docs[2000]["text"])
            assert time.perf_counter() - t >= 0.45
            assert "new" not in ix

        feed = b"".join(lines[k] for k in range(1000, 1020))
        t = time.perf_counter()
        r = subprocess.run(dedup("filter", "--index", str(idx), "--timeout", "1"), input=feed, capture_output=True, cwd=ROOT)
        assert r.returncode == 1 and r.stdout == b""
        assert b"dedup: error:" in r.stderr and b"locked by another writer (waited 1 s)" in r.stderr
        assert time.perf_counter() - t >= 1.0
        no_traceback(r)
        q = subprocess.run(dedup("index", "query", "--index", str(idx), "--timeout", "1"), input=feed, capture_output=True, cwd=ROOT)
        assert q.returncode == 0 and len(q.stdout.splitlines()) == 20
        new = [json.loads(x)["id"] for x in q.stdout.splitlines() if json.loads(x)["match"] is None]
    finally:
        holder.communicate("")
    assert holder.returncode == 0
    r = subprocess.run(dedup("filter", "--index", str(idx), "--timeout", "1", "-q"), input=feed, capture_output=True, cwd=ROOT)
    assert r.returncode == 0 and [json.loads(x)["id"] for x in r.stdout.splitlines()] == new  # lock released: works


# -- untrusted data -----------------------------------------------------------------------------------------------

_FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal", "shelve", "joblib"}
_FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}


def _modules():
    return sorted(PKG.rglob("*.py"))


def test_no_module_unpickles_or_evaluates():
    assert len(_modules()) > 10
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & _FORBIDDEN_MODULES, (path, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] not in _FORBIDDEN_MODULES, (path, node.lineno)
            elif isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name):  # builtins; re.compile is fine
                    assert f.id not in _FORBIDDEN_CALLS, (path, node.lineno, f.id)
                elif isinstance(f, ast.Attribute):
                    assert f.attr not in {"eval", "exec", "loads"} or ast.unparse(f.value) == "json", (path, node.lineno, f.attr)
                for kw in node.keywords:  # np.load(..., allow_pickle=True)
                    assert not (kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False)), (path, node.lineno)


# Values interpolated into SQL text: only PRAGMAs (which take no parameters) with constants of ours.
_PRAGMA_NAMES = {"durable", "CACHE_KIB", "_MMAP_BYTES", "_WAL_KEEP_BYTES", "APPLICATION_ID", "SCHEMA_VERSION", "version"}


def _sql_text_ok(arg: ast.expr) -> bool:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return "{" not in arg.value or arg.value.count("{}") == 1 and "IN ({})" in arg.value  # _in() fills "?,?,..."
    if isinstance(arg, ast.Name) and arg.id in ("stmt", "begin"):  # the constant _SCHEMA statements; "BEGIN [IMMEDIATE]"
        return True
    if isinstance(arg, ast.JoinedStr):
        head = arg.values[0]
        names = {n.id for v in arg.values if isinstance(v, ast.FormattedValue) for n in ast.walk(v.value) if isinstance(n, ast.Name)}
        return isinstance(head, ast.Constant) and head.value.startswith("PRAGMA ") and names <= _PRAGMA_NAMES
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "format":
        # sql.format(",".join("?" * width)): placeholders only
        (inner,) = arg.args
        return ast.unparse(inner) == "','.join('?' * width)"
    return False


def test_sql_is_parameterized():
    calls = 0
    for path in sorted((PKG / "store").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                raise AssertionError(f"{path}:{node.lineno}: %-formatting a string")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr != "executescript", (path, node.lineno)
                if node.func.attr in ("execute", "executemany", "_in") and node.args:
                    calls += 1
                    assert _sql_text_ok(node.args[0]), f"{path}:{node.lineno}: SQL text {ast.unparse(node.args[0])}"
    assert calls > 20
    for path in _modules():  # SQL lives in dedup/store only
        if path.parent.name != "store":
            assert "sqlite3" not in path.read_text(encoding="utf-8"), path


def test_command_line_paths_are_literal(tmp_path):
    docs = make_docs(3, seed=5)
    weird = tmp_path / "--weird*[ab].jsonl"
    weird.write_text(json.dumps(docs[0]) + "\n")
    (tmp_path / "a.jsonl").write_text(json.dumps(docs[1]) + "\n")  # what a glob would pick up
    idx = tmp_path / "-i.dedup"
    r = subprocess.run(dedup("filter", f"--index={idx}", "-q", "--", str(weird)), capture_output=True, cwd=tmp_path)
    assert r.returncode == 0 and [json.loads(x)["id"] for x in r.stdout.splitlines()] == [0], r.stderr
    assert idx.exists() and not (tmp_path / "-").exists()
    r = subprocess.run(dedup("filter", f"--index={idx}", "--", "*.jsonl"), capture_output=True, cwd=tmp_path)
    assert r.returncode == 1 and b"*.jsonl: no such file or directory" in r.stderr and r.stdout == b""
    r = subprocess.run(dedup("cluster", "-q", "--", "--weird*[ab].jsonl", "[ab].jsonl"), capture_output=True, cwd=tmp_path)
    assert r.returncode == 1 and b"[ab].jsonl: no such file" in r.stderr
    no_traceback(r)


# -- fuzzing the CLI ----------------------------------------------------------------------------------------------

FUZZ_EXAMPLES = int(os.environ.get("DEDUP_FUZZ_EXAMPLES", "60"))

_NASTY = [
    b"", b"\n", b"\r\n", b"\xef\xbb\xbf", b"\xff\xfe", b"{", b"}", b"[]", b"null", b"1e999", b'"x"', b"\x00",
    b'{"id": 1, "text": "a"}{"id": 2}', b'{"id": true, "text": "t"}', b'{"id": 1.5, "text": "t"}',
    b'{"id": 1, "text": null}', b'{"id": "d", "id": "e", "text": "dup keys"}', b'{"id": 1, "text": "\\ud800"}',
    b'{"id": 99999999999999999999999, "text": "big id"}', b'{"id": -1, "text": "NaN", "x": NaN}',
    b'{"id": "\\u0000", "text": "\\u2028\\u2029"}', b"\xc3\x28", b'{"id": "bad", "text": "\xed\xa0\x80"}',
    b'{"id": [1], "text": "list id"}', b"[" * 50 + b"]" * 50,
]


def _record_lines():
    rec = st.fixed_dictionaries(
        {"id": st.one_of(st.integers(-3, 3), st.text(max_size=3)), "text": st.text(max_size=40)},
        optional={"meta": st.none()},
    )
    return rec.map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _jsonl_ish():
    line = st.one_of(_record_lines(), st.sampled_from(_NASTY), st.binary(max_size=30))
    return st.lists(line, max_size=8).map(b"\n".join)


def _check_fuzz_result(r):
    assert r.returncode in (0, 1), r
    assert b"Traceback" not in r.stderr
    for line in r.stdout.splitlines():
        json.loads(line)  # stdout is valid JSONL, whatever came in
    if r.returncode == 1:
        assert r.stderr.startswith(b"dedup: error: ") or b"\ndedup: error: " in r.stderr


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_jsonl_ish(), skip=st.booleans())
def test_fuzz_cluster_stdin(data, skip):
    r = run_inproc("cluster", "-", "-q", "--jobs", "1", "--on-error", "skip" if skip else "fail", stdin=data)
    _check_fuzz_result(r)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_jsonl_ish(), skip=st.booleans())
def test_fuzz_filter(data, skip):
    with tempfile.TemporaryDirectory() as d:
        idx = os.path.join(d, "z.dedup")
        r = run_inproc("filter", "--index", idx, "-q", "--jobs", "1", "--batch-size", "3", "--on-error", "skip" if skip else "fail", stdin=data)
        _check_fuzz_result(r)
        if r.returncode == 0 and os.path.exists(idx):
            assert len(index_ids(idx)) == len(r.stdout.splitlines())  # every admitted document was printed


@pytest.mark.parametrize("data", [b"\xfe\xff\n", b"\xff\xfe{\x00{", ('{"id": 1, "text": "ok"}\n').encode("utf-16") + b"\x00"])
def test_truncated_utf16_is_an_input_error(tmp_path, data):
    """Found by the fuzz: UTF-16 input cut mid-character raised UnicodeDecodeError (a traceback)."""
    for args in (("cluster", "-", "-q"), ("filter", "--index", str(tmp_path / "t.dedup"), "-q")):
        r = run_inproc(*args, stdin=data)
        assert r.returncode == 1 and b"invalid UTF-16" in r.stderr and b"the rest of the input is not read" in r.stderr
        r = run_inproc(*args, "--on-error", "skip", stdin=data)
        _check_fuzz_result(r)
        assert b"skipped 1 record(s)" in r.stderr
        # a run that skipped every record (the first two inputs hold no whole one) exits non-zero
        whole = data.startswith(b"\xff\xfe{\x00\"")
        assert r.returncode == (0 if whole else 1) and (b"every record was skipped" in r.stderr) != whole


def test_fuzz_corpus_through_real_processes(tmp_path):
    """The hand-picked hostile lines, concatenated, through the installed entry point."""
    data = b"\n".join(_NASTY + [json.dumps(d).encode() for d in make_docs(5, seed=9)]) + b"\n"
    for args in (("cluster", "-", "-q", "--on-error", "skip"), ("filter", "--index", str(tmp_path / "p.dedup"), "--on-error", "skip")):
        r = subprocess.run(dedup(*args), input=data, capture_output=True, cwd=ROOT)
        _check_fuzz_result(r)
        assert r.returncode == 0 and b"skipped" in r.stderr
        assert len(r.stdout.splitlines()) >= 5
    # a UTF-8 BOM mid-stream (a second input file) must not reach the output
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(make_docs(1, seed=11)[0] | {"id": "bom"}).encode() + b"\n")
    utf16 = tmp_path / "u16.jsonl"
    utf16.write_bytes((json.dumps({"id": "u16", "text": "sixteen bit encoded text, é"}) + "\n").encode("utf-16"))
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(json.dumps(make_docs(2, seed=12)[1]).encode() + b"\n")
    r = subprocess.run(dedup("filter", "--index", str(tmp_path / "b.dedup"), "-q", str(plain), str(bom), str(utf16)), capture_output=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == [1, "bom", "u16"]


# -- memory bounded when streaming (DEDUP_SLOW=1) ---------------------------------------------------------------

def peak_memory(src: Path, *args: str) -> dict[str, int]:
    """Peaks (bytes) of one `dedup` process reading ``src`` on stdin, sampled from /proc every 50 ms.

    ``VmHWM`` is the kernel's peak resident set (what ru_maxrss reports); it counts the pages of the
    index file that SQLite maps (mmap_size) and are resident, which the kernel can drop at any time.
    ``RssAnon`` is the process's own memory: Python objects, arrays, SQLite's page cache.
    """
    peak: dict[str, int] = {}
    with open(src, "rb") as f:
        proc = subprocess.Popen(dedup(*args), stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    key, _, value = line.partition(":")
                    if key in ("VmHWM", "RssAnon", "RssFile"):
                        peak[key] = max(peak.get(key, 0), int(value.split()[0]) * 1024)
            except (OSError, ValueError, IndexError):
                pass
            time.sleep(0.05)
        assert proc.returncode == 0, proc.stderr.read()[-2000:]
    return peak


def write_jsonl(path: Path, target_bytes: int, seed: int) -> int:
    """~``target_bytes`` of ~2 KB documents, 10% near-duplicates; returns the document count."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"word{i}" for i in range(20000)])
    n = 0
    kept: list[str] = []
    with open(path, "w", encoding="utf-8") as f:
        while f.tell() < target_bytes:
            if n % 10 == 9:
                text = kept[int(rng.integers(0, len(kept)))] + " reprinted"
            else:
                text = " ".join(vocab[rng.integers(0, vocab.size, 250)].tolist())
                if len(kept) < 1000:
                    kept.append(text)
            f.write(json.dumps({"id": n, "text": text}) + "\n")
            n += 1
    return n


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("DEDUP_SLOW") != "1" or not Path("/proc/self/status").exists(),
                    reason="writes 220 MB and runs for minutes (Linux); set DEDUP_SLOW=1")
def test_streaming_memory_is_bounded(tmp_path):
    small, large = tmp_path / "20mb.jsonl", tmp_path / "200mb.jsonl"
    n_small, n_large = write_jsonl(small, 20_000_000, 1), write_jsonl(large, 200_000_000, 2)
    result: dict = {"docs": {"20MB": n_small, "200MB": n_large}}
    t = time.perf_counter()
    result["filter"] = {
        "20MB": peak_memory(small, "filter", "--index", str(tmp_path / "s.dedup"), "-q"),
        "200MB": peak_memory(large, "filter", "--index", str(tmp_path / "l.dedup"), "-q"),
    }
    result["filter_seconds"] = round(time.perf_counter() - t, 1)
    result["index_bytes"] = {"20MB": (tmp_path / "s.dedup").stat().st_size, "200MB": (tmp_path / "l.dedup").stat().st_size}
    result["cluster"] = {"20MB": peak_memory(small, "cluster", "-", "-q"), "200MB": peak_memory(large, "cluster", "-", "-q")}
    result["interpreter"] = peak_memory(small, "--version")
    c = result["cluster"]
    result["cluster_anon_bytes_per_doc"] = round((c["200MB"]["RssAnon"] - c["20MB"]["RssAnon"]) / (n_large - n_small))
    print(json.dumps(result, indent=2))
    out = os.environ.get("DEDUP_SLOW_OUT")
    if out:
        Path(out).write_text(json.dumps(result, indent=2))
    f = result["filter"]
    # 10x the input; own memory grows only while SQLite's page cache fills (capped at CACHE_KIB, 256 MiB)
    # and with the band entries held in memory: 12 bytes each plus 1-2 of directory, with up to a quarter
    # more of room to grow into and the recent runs (at most an eighth) merged at times: < 24 bytes each.
    # Before the placeholder padding in Chunked.select (dedup/store/connection.py) it grew by ~10 KB per document (1078 MB here).
    from dedup import Index
    from dedup.store.connection import CACHE_KIB

    with Index.open(tmp_path / "l.dedup") as ix:
        entries = ix.stats()["band_entries"]
    assert f["200MB"]["RssAnon"] < f["20MB"]["RssAnon"] + CACHE_KIB * 1024 + entries * 24 + 128e6
