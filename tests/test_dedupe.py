"""Deduplicated output: ``dedup dedupe``, ``dedup.deduplicate``, ``Clustering.kept`` / ``kept_of``, ``Deduplicator.kept_ids``.

The kept records must be the input's bytes, in input order and format, one per group that ``dedup cluster``
finds; the dropped ones carry the id of the record kept in their place; a failed run writes nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random

import numpy as np
import pytest
from cli_helpers import run_inproc, run_process

import dedup
from dedup import Deduplicator
from dedup.errors import ConfigError, InputError

_WORDS = "market rally rate cut stocks record high investors bank central policy growth inflation data report week".split()


def story(k: int, n: int = 120) -> str:
    r = random.Random(k)
    return " ".join(r.choice(_WORDS + [f"w{k}x{i}" for i in range(40)]) for _ in range(n)) + "."


def corpus() -> list[tuple[str, str]]:
    """Records in which the first of a group is not its representative: an abridged copy comes before the full story."""
    full = story(1)
    return [
        ("s1-half", full[: len(full) // 2]),  # abridged: in the group of s1, not its representative
        ("s1", full),
        ("s2", story(2)),
        ("s3", story(3)),
        ("s2-loud", story(2).upper().replace(" ", "  ")),
        ("s4", story(4)),
        ("s1-copy", full + " Reuters"),
    ]


def _cluster_ids(recs):
    d = Deduplicator()
    d.add_many(recs)
    return d.ids, d.clusters()


def jsonl_bytes(recs, odd: bool = True) -> bytes:
    """JSON lines written in a style json.dumps would not reproduce (spacing, escapes, key order, extra fields)."""
    lines = []
    for k, (i, t) in enumerate(recs):
        if odd and k % 2:
            lines.append(f'{{ "n" : {k} ,"text":{json.dumps(t)},   "id":"{i}" }}'.encode())
        else:
            lines.append(json.dumps({"id": i, "text": t, "note": "é\u2028"}, ensure_ascii=k % 3 == 0).encode())
    return b"\n".join(lines) + b"\n"


# -- the API ------------------------------------------------------------------------------------------------------

def test_kept_of_representative_and_first():
    recs = corpus()
    ids, c = _cluster_ids(recs)
    pos = {i: k for k, i in enumerate(ids)}
    # representative: the fullest version of each group
    assert c.kept_of("representative").tolist() == c.labels.tolist()
    assert ids[c.labels[pos["s1-half"]]] in ("s1", "s1-copy")
    assert c.labels[pos["s1-half"]] != pos["s1-half"]
    # first: the earliest member of each group
    first = c.kept_of("first")
    assert first[pos["s1"]] == first[pos["s1-copy"]] == pos["s1-half"]
    assert first[pos["s2-loud"]] == pos["s2"]
    assert c.kept("first").tolist() == [pos[i] for i in ("s1-half", "s2", "s3", "s4")]
    assert len(c.kept("representative")) == c.n_clusters == 4
    assert c.kept("representative").tolist() == sorted(c.kept("representative").tolist())
    with pytest.raises(ConfigError, match="keep must be one of"):
        c.kept("longest")


def test_deduplicate_returns_the_kept_items_in_order():
    recs = corpus()
    ids, c = _cluster_ids(recs)
    kept = dedup.deduplicate(recs)
    assert kept == [recs[k] for k in c.kept().tolist()]
    assert [r[0] for r in dedup.deduplicate(recs, keep="first")] == ["s1-half", "s2", "s3", "s4"]
    texts = [t for _, t in recs]
    assert dedup.deduplicate(texts, keep="first") == [texts[0], texts[2], texts[3], texts[5]]
    maps = [{"id": i, "text": t, "x": 1} for i, t in recs]
    assert dedup.deduplicate(maps) == [maps[k] for k in c.kept().tolist()]
    assert dedup.deduplicate([]) == []
    with pytest.raises(InputError, match="single str"):
        dedup.deduplicate("one text")


def test_deduplicator_kept_ids():
    d = Deduplicator()
    d.add_many(corpus())
    c = d.clusters()
    assert d.kept_ids() == [d.ids[k] for k in c.kept().tolist()]
    assert d.kept_ids(keep="first") == ["s1-half", "s2", "s3", "s4"]


# -- dedup dedupe: JSON Lines -------------------------------------------------------------------------------------

def test_jsonl_kept_lines_are_the_input_bytes_in_order(tmp_path):
    recs = corpus()
    data = jsonl_bytes(recs)
    src = tmp_path / "in.jsonl"
    src.write_bytes(data)
    out, dropped = tmp_path / "out.jsonl", tmp_path / "dropped.jsonl"
    r = run_inproc("dedupe", str(src), "-o", str(out), "--dropped", str(dropped))
    assert r.returncode == 0, r.stderr
    ids, c = _cluster_ids(recs)
    lines = data.splitlines(keepends=True)
    assert out.read_bytes() == b"".join(lines[k] for k in c.kept().tolist())
    # Dropped: the same line with "duplicate_of" added at its end, the rest byte for byte.
    got = dropped.read_bytes().splitlines(keepends=True)
    want = [k for k in range(len(recs)) if c.labels[k] != k]
    assert len(got) == len(want)
    for line, k in zip(got, want):
        body = lines[k].rstrip()[:-1].rstrip()
        assert line.startswith(body + b", ") and line.endswith(b"}\n")
        obj = json.loads(line)
        assert obj.pop("duplicate_of") == ids[c.labels[k]]
        assert obj == json.loads(lines[k])
    assert "7 documents, 4 kept, 3 dropped" in r.stderr.decode()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".partial")]


def test_the_groups_are_those_of_dedup_cluster(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl_bytes(corpus()))
    rows = [json.loads(x) for x in run_inproc("cluster", str(src), "-q").stdout.splitlines()]
    r = run_inproc("dedupe", str(src), "--dropped", str(tmp_path / "d.jsonl"), "-q")
    assert r.returncode == 0 and r.stderr == b""
    kept = [json.loads(x)["id"] for x in r.stdout.splitlines()]
    assert kept == [row["id"] for row in rows if row["is_representative"]]
    dropped = {json.loads(x)["id"]: json.loads(x)["duplicate_of"] for x in (tmp_path / "d.jsonl").read_bytes().splitlines()}
    assert dropped == {row["id"]: row["cluster"] for row in rows if not row["is_representative"]}


def test_keep_first(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl_bytes(corpus(), odd=False))
    r = run_inproc("dedupe", str(src), "--keep", "first", "--dropped", str(tmp_path / "d.jsonl"), "-q")
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["s1-half", "s2", "s3", "s4"]
    dropped = [json.loads(x) for x in (tmp_path / "d.jsonl").read_bytes().splitlines()]
    assert {d["id"]: d["duplicate_of"] for d in dropped} == {"s1": "s1-half", "s2-loud": "s2", "s1-copy": "s1-half"}


def test_compressed_in_and_out_and_several_inputs(tmp_path):
    recs = corpus()
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl"
    a.write_bytes(gzip.compress(jsonl_bytes(recs[:4])))
    b.write_bytes(jsonl_bytes(recs[4:]).rstrip(b"\n"))  # no final newline: lines still come out whole
    out = tmp_path / "out.jsonl.gz"
    r = run_inproc("dedupe", str(a), str(b), "-o", str(out), "--dropped", str(tmp_path / "d.jsonl.xz"), "-q")
    assert r.returncode == 0, r.stderr
    _, c = _cluster_ids(recs)
    lines = jsonl_bytes(recs[:4]).splitlines(keepends=True) + jsonl_bytes(recs[4:]).splitlines(keepends=True)
    assert gzip.decompress(out.read_bytes()) == b"".join(lines[k] for k in c.kept().tolist())
    import lzma

    assert len(lzma.decompress((tmp_path / "d.jsonl.xz").read_bytes()).splitlines()) == 3


def test_standard_input_and_output(tmp_path):
    data = jsonl_bytes(corpus())
    r = run_inproc("dedupe", "-", stdin=data)
    assert r.returncode == 0, r.stderr
    _, c = _cluster_ids(corpus())
    lines = data.splitlines(keepends=True)
    assert r.stdout == b"".join(lines[k] for k in c.kept().tolist())


def test_console_script_with_a_pipe(tmp_path):
    data = jsonl_bytes(corpus())
    r = run_process("dedupe", "-", "--keep", "first", "-q", stdin=data)
    assert r.returncode == 0, r.stderr
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["s1-half", "s2", "s3", "s4"]


def test_skipped_records_go_nowhere(tmp_path):
    recs = corpus()
    lines = jsonl_bytes(recs).splitlines(keepends=True)
    bad = lines[:2] + [b'{"id": "bad"}\n', b"not json\n"] + lines[2:] + [lines[0]]  # the last repeats an id
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(bad))
    r = run_inproc("dedupe", str(src), "--on-error", "skip", "--dropped", str(tmp_path / "d.jsonl"))
    assert r.returncode == 0, r.stderr
    _, c = _cluster_ids(recs)
    assert r.stdout == b"".join(lines[k] for k in c.kept().tolist())
    assert len((tmp_path / "d.jsonl").read_bytes().splitlines()) == 3
    err = r.stderr.decode()
    assert "skipped 3 record(s)" in err and "duplicate id" in err


def test_a_failed_run_writes_nothing(tmp_path):
    lines = jsonl_bytes(corpus()).splitlines(keepends=True)
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(lines[:3] + [b"not json\n"] + lines[3:]))
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"previous result\n")
    r = run_inproc("dedupe", str(src), "-o", str(out), "--dropped", str(tmp_path / "d.jsonl"))
    assert r.returncode == 1 and b"line 4: invalid JSON" in r.stderr
    assert out.read_bytes() == b"previous result\n"  # untouched
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl", "out.jsonl"]


def test_every_record_skipped_exits_non_zero(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": 1}\n{"id": 2}\n')
    for verb in ("dedupe", "cluster"):
        r = run_inproc(verb, str(src), "--on-error", "skip", "-o", str(tmp_path / f"{verb}.jsonl"))
        assert r.returncode == 1, verb
        assert b"every record was skipped" in r.stderr
        assert not (tmp_path / f"{verb}.jsonl").exists()


def test_a_dropped_record_with_the_field_already(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(json.dumps({"id": i, "text": t, "duplicate_of": None}).encode() + b"\n" for i, t in corpus()))
    r = run_inproc("dedupe", str(src), "--dropped", str(tmp_path / "d.jsonl"))
    assert r.returncode == 1 and b"already has a member 'duplicate_of'" in r.stderr and b"--duplicate-of-field" in r.stderr
    assert not (tmp_path / "d.jsonl").exists()
    r = run_inproc("dedupe", str(src), "--dropped", str(tmp_path / "d.jsonl"), "--duplicate-of-field", "kept_id", "-q")
    assert r.returncode == 0
    assert all("kept_id" in json.loads(x) for x in (tmp_path / "d.jsonl").read_bytes().splitlines())


# -- CSV, TSV, Parquet, text files ------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter,ext", [(",", "csv"), ("\t", "tsv")])
def test_csv_and_tsv(tmp_path, delimiter, ext):
    recs = corpus()
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(["id", "title", "text"])
    for k, (i, t) in enumerate(recs):
        w.writerow([i, f'title, "{k}"\nwith a newline', t])
    data = buf.getvalue().encode()
    src = tmp_path / f"in.{ext}"
    src.write_bytes(data)
    out, dropped = tmp_path / f"out.{ext}", tmp_path / f"d.{ext}.gz"
    r = run_inproc("dedupe", str(src), "-o", str(out), "--dropped", str(dropped), "-q")
    assert r.returncode == 0, r.stderr
    ids, c = _cluster_ids(recs)
    rows = list(csv.reader(io.StringIO(data.decode(), newline=""), delimiter=delimiter))
    got = out.read_bytes()
    header_end = data.index(b"\r\n") + 2
    assert got.startswith(data[:header_end])
    assert list(csv.reader(io.StringIO(got.decode(), newline=""), delimiter=delimiter)) == [rows[0]] + [rows[k + 1] for k in c.kept().tolist()]
    back = list(csv.reader(io.StringIO(gzip.decompress(dropped.read_bytes()).decode(), newline=""), delimiter=delimiter))
    assert back[0] == ["id", "title", "text", "duplicate_of"]
    assert back[1:] == [rows[k + 1] + [ids[c.labels[k]]] for k in range(len(recs)) if c.labels[k] != k]


def test_csv_inputs_must_share_columns(tmp_path):
    (tmp_path / "a.csv").write_text("id,text\n1,one text here\n")
    (tmp_path / "b.csv").write_text("id,text,extra\n2,other text,x\n")
    r = run_inproc("dedupe", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "-o", str(tmp_path / "o.csv"))
    assert r.returncode == 1 and b"columns" in r.stderr
    assert not (tmp_path / "o.csv").exists()


def test_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    recs = corpus()
    n = len(recs)
    table = pa.table({
        "id": pa.array([i for i, _ in recs]),
        "text": [t for _, t in recs],
        "when": pa.array([1_700_000_000_000 + k for k in range(n)], type=pa.timestamp("ms", tz="UTC")),
        "tags": [[str(k)] * k for k in range(n)],
        "score": pa.array([k / 3 for k in range(n)], type=pa.float32()),
    })
    src = tmp_path / "in.parquet"
    pq.write_table(table, src, row_group_size=3)
    out, dropped = tmp_path / "out.parquet", tmp_path / "d.parquet"
    r = run_inproc("dedupe", str(src), "-o", str(out), "--dropped", str(dropped), "-q")
    assert r.returncode == 0, r.stderr
    ids, c = _cluster_ids(recs)
    got = pq.read_table(out)
    assert got.schema.equals(table.schema)
    assert got.equals(table.take(c.kept().tolist()))
    back = pq.read_table(dropped)
    drop = [k for k in range(n) if c.labels[k] != k]
    assert back.drop_columns(["duplicate_of"]).equals(table.take(drop))
    assert back.column("duplicate_of").to_pylist() == [ids[c.labels[k]] for k in drop]
    assert back.schema.field("duplicate_of").type == table.schema.field("id").type


def test_text_files_are_copied_into_a_directory(tmp_path):
    recs = corpus()
    src = tmp_path / "docs"
    src.mkdir()
    for i, t in recs:
        (src / f"{i}.txt").write_bytes(t.encode() + b"\r\n\xef\xbb\xbf")  # bytes the reader would not give back
    r = run_inproc("dedupe", str(src), "-o", str(tmp_path / "kept"), "--dropped", str(tmp_path / "dropped"), "-q")
    assert r.returncode == 0, r.stderr
    # the reader takes the files in name order
    ordered = sorted(((i, t + "\r\n\ufeff") for i, t in recs), key=lambda r: r[0] + ".txt")  # file name order
    ids, c = _cluster_ids(ordered)
    kept = {ids[k] for k in c.kept().tolist()}
    assert sorted(os.listdir(tmp_path / "kept")) == sorted(f"{i}.txt" for i in kept)
    for i in kept:
        assert (tmp_path / "kept" / f"{i}.txt").read_bytes() == (src / f"{i}.txt").read_bytes()
    links = [json.loads(x) for x in (tmp_path / "dropped" / "duplicate_of.jsonl").read_bytes().splitlines()]
    assert {x["id"]: x["duplicate_of"] for x in links} == {ids[k]: ids[c.labels[k]] for k in range(len(ids)) if c.labels[k] != k}
    # a text-file output must be a new or empty directory
    r = run_inproc("dedupe", str(src), "-o", str(tmp_path / "kept"))
    assert r.returncode == 1 and b"new or empty" in r.stderr
    r = run_inproc("dedupe", str(src))
    assert r.returncode == 1 and b"-o DIR" in r.stderr


# -- refused set-ups ------------------------------------------------------------------------------------------

def test_refusals(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl_bytes(corpus()))
    (tmp_path / "in.csv").write_text("id,text\n1,some text\n")
    cases = [
        (["dedupe", str(src), str(tmp_path / "in.csv")], b"mix jsonl"),
        (["dedupe", str(src), "-o", str(tmp_path / "o.csv")], b"names a .csv file, but the inputs are jsonl"),
        (["dedupe", str(src), "-o", str(src)], b"refusing to write over an input"),
        (["dedupe", str(src), "-o", str(tmp_path / "x.jsonl"), "--dropped", str(tmp_path / "x.jsonl")], b"one file"),
        (["dedupe", str(src), "--dropped", "-"], b"both go to standard output"),
        (["dedupe", "-", "-"], b"more than once"),
        (["dedupe", str(src), "-o", str(tmp_path / "no" / "o.jsonl")], b"no directory"),
    ]
    for argv, message in cases:
        r = run_inproc(*argv)
        assert r.returncode == 1 and message in r.stderr, (argv, r.stderr)
    assert src.read_bytes() == jsonl_bytes(corpus())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_named_pipe_is_refused(tmp_path):
    fifo = tmp_path / "p.jsonl"
    os.mkfifo(fifo)
    r = run_inproc("dedupe", str(fifo))
    assert r.returncode == 1 and b"read once" in r.stderr


def test_help_shows_examples_and_the_keep_rule():
    r = run_process("dedupe", "--help", text=True)
    assert r.returncode == 0
    assert "examples:" in r.stdout and "dedup dedupe corpus.jsonl -o unique.jsonl" in r.stdout
    assert "duplicate_of" in r.stdout and "representative" in r.stdout and "``" not in r.stdout


def test_same_kept_records_as_the_api_on_seeds(tmp_path):
    from conftest import SEEDS

    r = run_inproc("dedupe", str(SEEDS), "-o", str(tmp_path / "kept"), "-q")
    assert r.returncode == 0, r.stderr
    files = sorted(SEEDS.glob("*.txt"))
    recs = [(p.stem, p.read_text(encoding="utf-8")) for p in files]
    assert sorted(p.removesuffix(".txt") for p in os.listdir(tmp_path / "kept")) == [i for i, _ in dedup.deduplicate(recs)]
    assert len(os.listdir(tmp_path / "kept")) == 4  # 000 and 001 are one story
    np.testing.assert_array_equal(dedup.cluster([t for _, t in recs]), dedup.cluster(recs))


def test_parquet_rows_skipped_on_the_first_read_are_written_nowhere(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    recs = corpus()
    texts = [t for _, t in recs]
    texts.insert(3, None)  # a bad row: null text
    ids = [i for i, _ in recs]
    ids.insert(3, "null-text")
    table = pa.table({"id": ids, "text": texts})
    src = tmp_path / "in.parquet"
    pq.write_table(table, src, row_group_size=2)
    assert run_inproc("dedupe", str(src), "-o", str(tmp_path / "x.parquet")).returncode == 1
    assert not (tmp_path / "x.parquet").exists()
    r = run_inproc("dedupe", str(src), "-o", str(tmp_path / "o.parquet"), "--dropped", str(tmp_path / "d.parquet"), "--on-error", "skip")
    assert r.returncode == 0 and b"skipped 1 record(s): 1 text field 'text' is null" in r.stderr
    kept = pq.read_table(tmp_path / "o.parquet").column("id").to_pylist()
    dropped = pq.read_table(tmp_path / "d.parquet").column("id").to_pylist()
    assert kept == [i for i, _ in dedup.deduplicate(recs)]
    assert sorted(kept + dropped) == sorted(i for i, _ in recs)
