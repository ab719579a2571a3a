"""Input and output formats (issue 19): JSON Lines compressed or not, CSV/TSV, Parquet, .txt directories, for
``cluster``, ``filter`` and ``index``; detection by extension and by magic bytes; the messages for a file in
an unexpected format and for a missing field; Parquet read row group by row group."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import random
import sys
import tracemalloc
from pathlib import Path

import pytest
from cli_helpers import run_inproc
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cli import build_parser
from dedup.errors import FormatError, InputError
from dedup.io import iter_records, open_input

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
zstandard = pytest.importorskip("zstandard")

ROOT = Path(__file__).resolve().parent.parent


def _docs() -> list[dict]:
    """The seed articles (two of them reprints of each other) and a few more with a title, a body with commas,
    quotes and newlines, and a near-copy."""
    docs = [{"id": p.stem, "title": p.stem[:3], "text": p.read_text(encoding="utf-8")} for p in sorted((ROOT / "seeds").glob("*.txt"))]
    rng = random.Random(7)
    words = [f"w{k}" for k in range(400)]
    for k in range(6):
        body = " ".join(rng.choice(words) for _ in range(120))
        docs.append({"id": f"gen{k}", "title": f"Title {k}, with a comma", "text": f'He said "{body}"\nand, on a new line,\r\nmore.'})
    docs.append({"id": "gen0-copy", "title": "Title 0, with a comma", "text": docs[-6]["text"] + " Reprinted."})
    return docs


DOCS = _docs()


def jsonl_bytes(docs=DOCS) -> bytes:
    return b"".join(json.dumps(d, ensure_ascii=False).encode() + b"\n" for d in docs)


def csv_bytes(docs=DOCS, delimiter=",") -> bytes:
    out = io.StringIO(newline="")
    w = csv.DictWriter(out, ["id", "title", "text"], delimiter=delimiter, lineterminator="\r\n")
    w.writeheader()
    w.writerows(docs)
    return out.getvalue().encode()


def parquet_bytes(docs=DOCS, row_group_size=3, **columns) -> bytes:
    sink = io.BytesIO()
    table = pa.table(columns) if columns else pa.Table.from_pylist(docs)
    pq.write_table(table, sink, row_group_size=row_group_size)
    return sink.getvalue()


def zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def cluster(*args, stdin=None) -> list[dict]:
    r = run_inproc("cluster", "-q", "--jobs", "1", *args, stdin=stdin)
    assert r.returncode == 0, r.stderr.decode()
    return [json.loads(line) for line in r.stdout.splitlines()]


def fails(*args, stdin=None) -> str:
    r = run_inproc(*args, stdin=stdin)
    err = r.stderr.decode()
    assert r.returncode == 1 and err.startswith("dedup: error: ") and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> list[dict]:
    src = tmp_path_factory.mktemp("base") / "docs.jsonl"
    src.write_bytes(jsonl_bytes())
    rows = cluster(str(src))
    assert len({r["cluster"] for r in rows}) < len(rows)  # there are duplicates to find
    return rows


FILES = {
    "docs.jsonl": jsonl_bytes,
    "docs.ndjson": jsonl_bytes,
    "docs.json": jsonl_bytes,
    "docs.jsonl.gz": lambda: gzip.compress(jsonl_bytes()),
    "docs.jsonl.bz2": lambda: bz2.compress(jsonl_bytes()),
    "docs.jsonl.xz": lambda: lzma.compress(jsonl_bytes()),
    "docs.jsonl.zst": lambda: zstd(jsonl_bytes()),
    "docs.csv": csv_bytes,
    "docs.csv.gz": lambda: gzip.compress(csv_bytes()),
    "docs.tsv": lambda: csv_bytes(delimiter="\t"),
    "docs.tsv.zst": lambda: zstd(csv_bytes(delimiter="\t")),
    "docs.parquet": parquet_bytes,
}


@pytest.mark.parametrize("name", FILES)
def test_every_format_clusters_like_jsonl(tmp_path, baseline, name):
    src = tmp_path / name
    src.write_bytes(FILES[name]())
    assert cluster(str(src)) == baseline


@pytest.mark.parametrize("name,data,forced", [
    ("renamed.jsonl", lambda: gzip.compress(jsonl_bytes()), None),  # gzip under a .jsonl name
    ("noext", lambda: bz2.compress(jsonl_bytes()), None),
    ("table.dat", parquet_bytes, None),  # Parquet by PAR1
    ("-", lambda: gzip.compress(jsonl_bytes()), None),  # gzip on stdin
    ("-", lambda: zstd(jsonl_bytes()), None),
    ("-", lambda: lzma.compress(jsonl_bytes()), None),
    ("-", parquet_bytes, None),  # Parquet on stdin is spooled to a temporary file
    ("-", lambda: gzip.compress(parquet_bytes()), None),
    ("-", csv_bytes, "csv"),
    ("-", lambda: gzip.compress(csv_bytes(delimiter="\t")), "tsv"),
    ("data.txt", csv_bytes, "csv"),
])
def test_detected_by_magic_bytes_or_forced(tmp_path, baseline, name, data, forced):
    opts = ["--input-format", forced] if forced else []
    if name == "-":
        assert cluster("-", *opts, stdin=data()) == baseline
    else:
        (tmp_path / name).write_bytes(data())
        assert cluster(str(tmp_path / name), *opts) == baseline


def test_filter_and_index_accept_what_cluster_accepts(tmp_path):
    """Every format, and a directory of .txt files (refused before), through filter, index add and index query."""
    inputs = {name: FILES[name]() for name in ("docs.csv", "docs.parquet", "docs.jsonl.gz", "docs.tsv.zst")}
    for name, data in inputs.items():
        (tmp_path / name).write_bytes(data)
    line = jsonl_bytes()
    for name in inputs:
        r = run_inproc("filter", "-q", "--index", str(tmp_path / f"{name}.dedup"), str(tmp_path / name))
        assert r.returncode == 0, r.stderr
        out = [json.loads(x) for x in r.stdout.splitlines()]
        assert [d["id"] for d in out] == [d["id"] for d in DOCS if d["id"] not in ("001_460e1fe8a5442074", "gen0-copy")]
        assert out == [d for d in DOCS if d["id"] in {o["id"] for o in out}]  # every field, as JSON
        if name == "docs.jsonl.gz":  # JSON lines pass through byte for byte (decompressed)
            assert r.stdout == b"".join(x for x in line.splitlines(keepends=True) if json.loads(x)["id"] in {o["id"] for o in out})
    r = run_inproc("filter", "-q", "--index", str(tmp_path / "seeds.dedup"), str(ROOT / "seeds"))
    assert r.returncode == 0, r.stderr
    assert [json.loads(x)["id"][:3] for x in r.stdout.splitlines()] == ["000", "002", "003", "004"]
    assert set(json.loads(r.stdout.splitlines()[0])) == {"id", "text"}
    for src, n in ((ROOT / "seeds", 5), (tmp_path / "docs.parquet", len(DOCS))):
        idx = str(tmp_path / f"added-{n}.dedup")
        r = run_inproc("index", "add", "--index", idx, str(src))
        assert r.returncode == 0 and f"added {n} documents; index holds {n}".encode() in r.stderr, r.stderr
    r = run_inproc("index", "query", "--index", idx, str(tmp_path / "docs.csv"))
    assert r.returncode == 0, r.stderr
    assert {json.loads(x)["id"]: json.loads(x)["match"] for x in r.stdout.splitlines()}["gen3"] == "gen3"


def test_csv_quoted_newlines_tsv_and_raw_records(tmp_path):
    """Quoted fields keep their commas, quotes and newlines (\\n and \\r\\n); each record's raw bytes (header
    first) concatenate back to the file, so a later writer can copy records byte for byte."""
    for name, data in (("d.csv", csv_bytes()), ("d.tsv", csv_bytes(delimiter="\t")), ("d.csv.gz", gzip.compress(csv_bytes())),
                       ("d.jsonl.xz", lzma.compress(jsonl_bytes()))):
        (tmp_path / name).write_bytes(data)
        with open_input(str(tmp_path / name), all_columns=True) as f:
            recs = list(f.records())
            assert f.format == name.split(".")[1] and f.compression == {"gz": "gzip", "xz": "xz"}.get(name.split(".")[-1])
        assert [(r.id, r.text) for r in recs] == [(d["id"], d["text"]) for d in DOCS]
        plain = gzip.decompress(data) if name.endswith(".gz") else lzma.decompress(data) if name.endswith(".xz") else data
        assert (f.header or b"") + b"".join(r.raw for r in recs) == plain
        if f.format != "jsonl":
            assert f.columns == ["id", "title", "text"] and recs[7].fields == DOCS[7]
            for k, rec in enumerate(recs):  # a record's first line, the header being line 1; its row after the header
                assert rec.line == 1 + (f.header + b"".join(r.raw for r in recs[:k])).count(b"\n") and rec.row == k + 1
    (tmp_path / "blank.csv").write_bytes(b"\r\nid,text\r\n\r\n1,\"a,\r\n\r\nb\"\r\n\r\n2,c\r\n")
    assert [(r.id, r.text, r.line) for r in iter_records([str(tmp_path / "blank.csv")])] == [("1", "a,\r\n\r\nb", 4), ("2", "c", 8)]


def test_text_fields_are_joined_in_order(tmp_path, baseline):
    joined = [dict(d, text=f"{d['title']}\n\n{d['text']}") for d in DOCS]
    (tmp_path / "joined.jsonl").write_bytes(jsonl_bytes(joined))
    expected = cluster(str(tmp_path / "joined.jsonl"))
    for name in ("docs.csv", "docs.parquet", "docs.jsonl.gz"):
        (tmp_path / name).write_bytes(FILES[name]())
        assert cluster(str(tmp_path / name), "--text-field", "title,text") == expected
        assert cluster(str(tmp_path / name), "--text-field", "title", "--text-field", "text") == expected
    rec = next(iter_records([str(tmp_path / "docs.csv")], text_field=["text", "title"]))
    assert rec.text == DOCS[0]["text"] + "\n\n" + DOCS[0]["title"]
    err = fails("cluster", str(tmp_path / "docs.csv"), "--text-field", "title,")
    assert "--text-field: empty field name" in err
    out = io.StringIO()
    build_parser()._subparsers._group_actions[0].choices["cluster"].print_help(out)
    text = " ".join(out.getvalue().split())
    assert "joined in the given order with a blank line between them" in text
    assert ".parquet" in text and ".csv .tsv" in text and ".gz .bz2 .xz .zst" in text


@pytest.mark.parametrize("content,looks", [
    (json.dumps(DOCS[:3], indent=2), "looks like a JSON array; dedup reads JSON Lines — one object per line"),
    (json.dumps(DOCS[:3]), "looks like a JSON array; dedup reads JSON Lines — one object per line"),
    (json.dumps(DOCS[0], indent=2), "looks like one JSON document over several lines; dedup reads JSON Lines"),
    ("id,title,text\n1,a,b\n", "looks like CSV (comma-separated with a header line); name it .csv or pass --input-format csv"),
    ("id\ttext\n1\tb\n", "looks like TSV (tab-separated with a header line); name it .tsv or pass --input-format tsv"),
])
def test_a_file_in_another_format_says_what_it_looks_like(tmp_path, content, looks):
    src = tmp_path / "corpus.json"
    src.write_text(content)
    for args in (["cluster"], ["cluster", "--on-error", "skip"], ["filter", "--index", str(tmp_path / "x.dedup")]):
        assert f"{src}: line 1: {looks}" in fails(*args, str(src))
    assert looks in fails("cluster", "-", stdin=content.encode())


def test_other_format_mismatches(tmp_path):
    (tmp_path / "lines.csv").write_bytes(jsonl_bytes())
    assert "lines.csv: line 1: looks like JSON Lines; name it .jsonl or pass --input-format jsonl" in fails("cluster", str(tmp_path / "lines.csv"))
    (tmp_path / "tabs.csv").write_bytes(csv_bytes(delimiter="\t"))
    assert "tabs.csv: line 1: looks like TSV (tab-separated with a header line); name it .tsv" in fails("cluster", str(tmp_path / "tabs.csv"))
    (tmp_path / "plain.jsonl.gz").write_bytes(jsonl_bytes())
    assert "plain.jsonl.gz: named .gz but is not gzip-compressed" in fails("cluster", str(tmp_path / "plain.jsonl.gz"))
    (tmp_path / "lines.parquet").write_bytes(jsonl_bytes())
    assert "lines.parquet: not a Parquet file (it does not start with PAR1)" in fails("cluster", str(tmp_path / "lines.parquet"))
    (tmp_path / "cut.parquet").write_bytes(parquet_bytes()[:300])
    assert "cut.parquet: not a readable Parquet file" in fails("cluster", str(tmp_path / "cut.parquet"))
    (tmp_path / "a.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert "looks like a ZIP archive (unzip it first)" in fails("cluster", str(tmp_path / "a.zip"))
    (tmp_path / "u16.jsonl").write_bytes(jsonl_bytes(DOCS[:1]).decode().encode("utf-16-le"))
    assert "looks like UTF-16 text without a byte-order mark" in fails("cluster", str(tmp_path / "u16.jsonl"))
    (tmp_path / "empty.csv.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "one.jsonl").write_bytes(jsonl_bytes(DOCS[:1]))
    assert [r["id"] for r in cluster(str(tmp_path / "empty.csv.gz"), str(tmp_path / "one.jsonl"))] == [DOCS[0]["id"]]


def test_a_missing_field_lists_the_fields_the_record_has(tmp_path):
    src = tmp_path / "m.jsonl"
    src.write_text('{"id": 1, "text": "ok"}\n{"url": "u", "body": "b"}\n{"id": 3, "body": "b", "title": "t"}\n')
    assert f"{src}: line 2: missing id field 'id'; the record has: url, body" in fails("cluster", str(src))
    r = run_inproc("cluster", "-q", "--on-error", "skip", str(src))
    assert r.returncode == 0 and b"line 3: id 3: missing text field 'text'; the record has: id, body, title" in r.stderr
    (tmp_path / "m.csv").write_text("url,body\nu,b\n")
    assert "m.csv: line 1: missing id field 'id'; the header has: url, body" in fails("cluster", str(tmp_path / "m.csv"))
    (tmp_path / "m.parquet").write_bytes(parquet_bytes(url=["u"], body=["b"]))
    assert "m.parquet: missing text field 'text'; the columns are: url, body" in fails("cluster", str(tmp_path / "m.parquet"), "--id-field", "url")
    (tmp_path / "n.parquet").write_bytes(parquet_bytes(id=[1, 2, None, 4], text=["a", None, "c", "d"], row_group_size=2))
    r = run_inproc("cluster", "-q", "--on-error", "skip", str(tmp_path / "n.parquet"))
    assert r.returncode == 0 and [json.loads(x)["id"] for x in r.stdout.splitlines()] == [1, 4]
    assert b"n.parquet: row 2: id 2: text field 'text' is null" in r.stderr and b"n.parquet: row 3: id field 'id' is null" in r.stderr


def test_bad_csv_records_name_their_line(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_bytes(b'id,text\n1,fine\n2,"abc"d\n3,one,two\n4,"\xff"\n5,"multi\nline"\n6,"never closed\n')
    assert f'{src}: line 3: invalid CSV' in fails("cluster", str(src))
    r = run_inproc("cluster", "-q", "--on-error", "skip", str(src))
    assert r.returncode == 0, r.stderr
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["1", "5"]
    err = r.stderr.decode()
    assert "skipped 4 record(s)" in err and "line 4: has 3 fields, the header has 2 (id, text)" in err
    assert "line 5: invalid UTF-8 at byte 3 of the record" in err and "line 8: invalid CSV (unexpected end of data)" in err


def test_max_bytes_per_record_in_every_format(tmp_path):
    big = {"id": "big", "title": "t", "text": "x, " * 2000 + '"quoted"\n' * 50}
    docs = [DOCS[5], big, DOCS[6]]
    for name, data in (("b.csv", csv_bytes(docs)), ("b.tsv.bz2", bz2.compress(csv_bytes(docs, "\t"))), ("b.jsonl.zst", zstd(jsonl_bytes(docs))),
                       ("b.parquet", parquet_bytes(docs, row_group_size=1))):
        (tmp_path / name).write_bytes(data)
        assert "over the limit of 3000 (--max-bytes)" in fails("cluster", str(tmp_path / name), "--max-bytes", "3000")
        r = run_inproc("cluster", "-q", "--max-bytes", "3000", "--on-error", "skip", str(tmp_path / name))
        assert r.returncode == 0 and [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["gen0", "gen1"], (name, r.stderr)
        assert len(cluster(str(tmp_path / name), "--max-bytes", "0")) == 3
    assert [r.line for r in iter_records([str(tmp_path / "b.csv")], max_bytes=3000, on_error="skip")] == [2, 56]


def test_broken_compressed_streams_are_clean_errors(tmp_path):
    many = [dict(d, id=f"{d['id']}-{k}") for k in range(40) for d in DOCS]
    data = jsonl_bytes(many)
    cases = {
        "cut.jsonl.gz": gzip.compress(data)[: len(gzip.compress(data)) // 2],
        "cut.jsonl.zst": zstd(data)[: len(zstd(data)) // 2],
        "cut.csv.xz": lzma.compress(csv_bytes(many))[:-50],
        "corrupt.jsonl.bz2": bz2.compress(data),
    }
    blob = cases["corrupt.jsonl.bz2"]
    cases["corrupt.jsonl.bz2"] = blob[: len(blob) // 2] + bytes(64) + blob[len(blob) // 2 + 64:]
    for name, blob in cases.items():
        (tmp_path / name).write_bytes(blob)
        for args in (["cluster"], ["cluster", "--on-error", "skip"], ["filter", "--index", str(tmp_path / f"{name}.dedup")]):
            err = fails(*args, str(tmp_path / name))
            assert f"{tmp_path / name}: " in err and ("truncated" in err or "corrupt" in err), err
            assert "the rest of the input is not read" in err
    err = fails("cluster", "-", stdin=gzip.compress(data)[:5000])
    assert err.startswith("dedup: error: <stdin>: ") and "gzip data is truncated" in err
    assert ": line " in fails("cluster", str(tmp_path / "cut.jsonl.gz"))  # the line it was reading when the data ended


def test_missing_optional_packages_name_their_extra(tmp_path, monkeypatch):
    (tmp_path / "d.jsonl.zst").write_bytes(zstd(jsonl_bytes()))
    (tmp_path / "d.parquet").write_bytes(parquet_bytes())
    (tmp_path / "d.jsonl").write_bytes(jsonl_bytes())
    monkeypatch.setitem(sys.modules, "zstandard", None)
    monkeypatch.setitem(sys.modules, "compression", None)
    assert "zstd needs the zstandard package: pip install 'dedup-reprints[zstd]'" in fails("cluster", str(tmp_path / "d.jsonl.zst"))
    assert "pip install 'dedup-reprints[zstd]'" in fails("cluster", str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "out.jsonl.zst"))
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    assert "Parquet needs pyarrow: pip install 'dedup-reprints[parquet]'" in fails("cluster", str(tmp_path / "d.parquet"))
    assert "pip install 'dedup-reprints[parquet]'" in fails("cluster", str(tmp_path / "d.jsonl"), "-o", str(tmp_path / "out.parquet"))
    assert not (tmp_path / "out.parquet").exists()


def test_results_as_parquet_csv_tsv_and_compressed(tmp_path, baseline):
    src = tmp_path / "d.jsonl"
    src.write_bytes(jsonl_bytes())
    assert run_inproc("cluster", "-q", str(src), "-o", str(tmp_path / "out.parquet")).returncode == 0
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.to_pylist() == baseline and table.schema.field("id").type == pa.string()
    assert table.schema.field("cluster_size").type == pa.int64() and table.schema.field("is_representative").type == pa.bool_()
    r = run_inproc("cluster", "-q", str(src), "--format", "parquet")
    assert pq.read_table(io.BytesIO(r.stdout)).to_pylist() == baseline
    ints = tmp_path / "ints.jsonl"
    ints.write_bytes(jsonl_bytes([dict(d, id=k) for k, d in enumerate(DOCS)]))
    assert run_inproc("cluster", "-q", str(ints), "-o", str(tmp_path / "ints.parquet")).returncode == 0
    assert pq.read_table(tmp_path / "ints.parquet").schema.field("cluster").type == pa.int64()
    assert run_inproc("cluster", "-q", str(src), "-o", str(tmp_path / "out.jsonl.gz")).returncode == 0
    assert [json.loads(x) for x in gzip.decompress((tmp_path / "out.jsonl.gz").read_bytes()).splitlines()] == baseline
    assert run_inproc("cluster", "-q", str(src), "-o", str(tmp_path / "out.tsv.zst")).returncode == 0
    rows = list(csv.DictReader(io.StringIO(zstandard.ZstdDecompressor().decompressobj().decompress(
        (tmp_path / "out.tsv.zst").read_bytes()).decode()), delimiter="\t"))
    assert [r["cluster"] for r in rows] == [r["cluster"] for r in baseline]
    assert "Parquet is compressed inside; drop the .gz suffix" in fails("cluster", str(src), "-o", str(tmp_path / "x.parquet.gz"))


def test_parquet_is_read_one_row_group_at_a_time(tmp_path, monkeypatch):
    """Memory follows a batch of one row group, not the file: the records of row group g come before group g+1 is
    read, and the peak of Arrow's and Python's memory while reading is the same for 8 and for 64 row groups."""
    rng = random.Random(3)
    words = [f"word{k}" for k in range(5000)]

    def write(path: Path, groups: int) -> int:
        rows = 200
        writer = None
        for g in range(groups):
            texts = [" ".join(rng.choice(words) for _ in range(150)) for _ in range(rows)]
            table = pa.table({"id": list(range(g * rows, (g + 1) * rows)), "text": texts})
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
        writer.close()
        return groups * rows

    requested: list[int] = []
    real = pq.ParquetFile.iter_batches

    def spy(self, *args, row_groups=None, **kw):
        requested.extend(row_groups)
        return real(self, *args, row_groups=row_groups, **kw)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    peaks = {}
    for groups in (8, 64):
        path = tmp_path / f"{groups}.parquet"
        n = write(path, groups)
        assert pq.ParquetFile(path).num_row_groups == groups
        requested.clear()
        arrow_peak = 0
        tracemalloc.start()
        try:
            count = 0
            for rec in iter_records([str(path)]):
                assert max(requested) == rec.id // 200  # the row group of this record is the last one read
                if rec.id % 50 == 0:
                    arrow_peak = max(arrow_peak, pa.total_allocated_bytes())
                count += 1
            python_peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert count == n and requested == list(range(groups))
        peaks[groups] = (arrow_peak, python_peak, path.stat().st_size)
    (a8, p8, _), (a64, p64, size64) = peaks[8], peaks[64]
    assert a64 < 1.5 * a8 + (1 << 20) and p64 < 1.5 * p8 + (1 << 20), peaks
    assert a64 + p64 < size64 / 2, peaks  # far less than the file (whose text compresses little)


def test_stdin_txt_and_record_api(tmp_path):
    """``--input-format txt`` reads a whole input as one document; errors from the API are typed."""
    r = cluster("-", "--input-format", "txt", stdin=b"just one document")
    assert [x["id"] for x in r] == ["-"]
    (tmp_path / "note.txt.gz").write_bytes(gzip.compress(b"a compressed text file"))
    assert [x["id"] for x in cluster(str(tmp_path / "note.txt.gz"))] == ["note"]
    (tmp_path / "arr.json").write_text("[\n]\n")
    with pytest.raises(FormatError, match="looks like a JSON array"):
        list(iter_records([str(tmp_path / "arr.json")], on_error="skip"))
    with pytest.raises(InputError, match="no such file or directory"):
        open_input(str(tmp_path / "missing.csv"))


def test_real_process_reads_compressed_and_parquet_stdin(baseline):
    """Through the installed entry point, from a pipe: gzip and Parquet are recognized on standard input."""
    from cli_helpers import run_process

    for data in (gzip.compress(jsonl_bytes()), parquet_bytes()):
        r = run_process("cluster", "-q", "-", stdin=data)
        assert r.returncode == 0, r.stderr
        assert [json.loads(x) for x in r.stdout.splitlines()] == baseline


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=40), st.sampled_from([b'"', b'""', b",", b"\t", b"\r", b"\n", b"\xff", b"id,text\n", b"\x1f\x8b"])),
                max_size=12),
       st.sampled_from(["csv", "tsv", "jsonl", None]), st.booleans())
def test_readers_raise_only_input_errors(parts, fmt, compress):
    """Whatever the bytes, reading them yields records or raises an InputError (skipped or not), never another error."""
    data = b"".join(parts)
    if compress:
        data = gzip.compress(data)[: max(10, len(data))]  # sometimes cut
    for on_error in ("skip", "fail"):
        try:
            for rec in iter_records(["-"], stdin=io.BufferedReader(io.BytesIO(data)), input_format=fmt, on_error=on_error, max_bytes=64):
                assert isinstance(rec.text, str) and isinstance(rec.id, (str, int))
        except InputError as exc:
            assert exc.source == "<stdin>"
