import csv
import io
import json
import os
import subprocess
import sys

import pytest
from cli_helpers import run_inproc, run_process

from dedup.cli import main


def run(*args, stdin=None):
    """Run the installed console script as a user would (text streams)."""
    return run_process(*args, stdin=stdin, text=True)


def test_cluster_seeds_directory():
    r = run("cluster", "seeds/")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["id"][:3] for row in rows] == ["000", "001", "002", "003", "004"]
    by = {row["id"][:3]: row for row in rows}
    assert by["000"]["cluster"] == by["001"]["cluster"]
    assert len({by[k]["cluster"] for k in ("001", "002", "003", "004")}) == 4
    assert by["001"]["is_representative"] and not by["000"]["is_representative"]
    assert by["000"]["cluster_size"] == 2 and 0.8 < by["000"]["similarity"] <= 1
    assert "5 documents, 4 clusters" in r.stderr


def test_jsonl_stdin_renamed_fields_and_csv(tmp_path, seeds):
    lines = "".join(json.dumps({"doc": k, "body": v}) + "\n" for k, v in seeds.items())
    r = run("cluster", "-", "--id-field", "doc", "--text-field", "body", "--format", "csv", "-q", stdin=lines)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [row["cluster"] for row in rows] == ["001", "001", "002", "003", "004"]


def test_output_file_and_jsonl_input(tmp_path, seeds):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": v}) + "\n" for i, v in enumerate(seeds.values())) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["cluster", str(src), "-o", str(out), "-q"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["cluster"] for row in rows] == [1, 1, 2, 3, 4]
    assert isinstance(rows[0]["id"], int)


def test_multiple_inputs_are_combined(tmp_path, seeds):
    a = tmp_path / "a.jsonl"
    a.write_text(json.dumps({"id": "x", "text": seeds["000"]}) + "\n")
    r = run("cluster", str(a), "seeds/", "-q")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows[0]["id"] == "x" and rows[0]["cluster_size"] == 3


@pytest.mark.parametrize(
    "content,message",
    [
        ('{"id": 1, "text": "ok"}\nnot json\n', "line 2: invalid JSON"),
        ('[1, 2]\n', "line 1: JSON value is a list, not an object"),
        ('{"id": 1}\n', "line 1: id 1: missing text field 'text'"),
        ('{"id": 1, "text": 5}\n', "text field 'text' must be a string"),
        ('{"text": "x"}\n', "missing id field 'id'"),
        ('{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', "bad.jsonl: line 2: id 1: duplicate id"),
    ],
)
def test_bad_input_fails_clearly(tmp_path, content, message):
    f = tmp_path / "bad.jsonl"
    f.write_text(content)
    r = run("cluster", str(f))
    assert r.returncode == 1
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert r.stdout == ""


def test_on_error_skip_reports_what_was_skipped(tmp_path):
    f = tmp_path / "mixed.jsonl"
    f.write_bytes(b'{"id": 1, "text": "good one"}\nnot json\n\xff\xfe\n{"id": 1, "text": "again"}\n{"id": 2, "text": "fine"}\n')
    r = run("cluster", str(f), "--on-error", "skip")
    assert r.returncode == 0, r.stderr
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == [1, 2]
    assert "skipped 3 record(s)" in r.stderr
    assert "invalid UTF-8" in r.stderr and "mixed.jsonl: line 4: id 1: duplicate id" in r.stderr


def test_duplicate_ids_across_inputs_and_directories(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "a.txt").write_text("first text of some length")
    (d / "b.txt").write_text("second text of some length")
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text('{"id": "c", "text": "third"}\n{"id": "b", "text": "again b"}\n')
    r = run("cluster", str(d), str(jsonl))
    assert r.returncode == 1 and "more.jsonl: line 2: id 'b': duplicate id" in r.stderr
    r = run("cluster", str(jsonl), str(d))
    assert r.returncode == 1 and f"{d / 'b.txt'}: id 'b': duplicate id" in r.stderr
    r = run("cluster", str(jsonl), str(d), "--on-error", "skip", "-q")
    assert r.returncode == 0 and [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["c", "b", "a"]


def test_directory_without_txt_files_is_an_error(tmp_path):
    (tmp_path / "data.jsonl").write_text('{"id": 1, "text": "x"}\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.txt").write_text("not read")
    r = run("cluster", str(tmp_path))
    assert r.returncode == 1 and "no .txt files in this directory" in r.stderr and "Traceback" not in r.stderr


def test_missing_input_and_bad_options(tmp_path):
    r = run("cluster", "no/such/path.jsonl")
    assert r.returncode == 1 and "no such file or directory" in r.stderr
    # An output that cannot be written is refused before the work, with the path first.
    r = run("cluster", "seeds/", "-o", str(tmp_path / "missing" / "out.jsonl"))
    assert r.returncode == 1 and f"{tmp_path / 'missing' / 'out.jsonl'}: cannot write the output: no directory" in r.stderr
    r = run("cluster", "seeds/", "-o", str(tmp_path))
    assert r.returncode == 1 and "is a directory" in r.stderr
    r = run("cluster", "seeds/", "-o", str(tmp_path / "new") + "/")
    assert r.returncode == 1 and "is a directory" in r.stderr
    r = run("cluster", "seeds/", "-o", "")
    assert r.returncode == 1 and "output path is empty" in r.stderr
    r = run("cluster", "seeds/", "-o", os.devnull)  # an existing writable file in a directory we may not write
    assert r.returncode == 0, r.stderr
    r = run("cluster", "seeds/", "--master", "local[1]")
    assert r.returncode == 1 and "--master is for --engine spark" in r.stderr
    r = run("cluster", "seeds/", "--jobs", "0")
    assert r.returncode == 2 and "--jobs: must be at least 1" in r.stderr
    r = run("cluster", "seeds/", "--threshold", "2")
    assert r.returncode == 1 and "threshold" in r.stderr and "Traceback" not in r.stderr
    r = run("cluster")
    assert r.returncode == 2


def test_option_like_file_names_are_literal(tmp_path):
    f = tmp_path / "--weird*.jsonl"
    f.write_text(json.dumps({"id": "a", "text": "hello there"}) + "\n")
    r = run("cluster", "-q", "--", str(f))
    assert r.returncode == 0 and json.loads(r.stdout)["id"] == "a"


def test_module_entry_point():
    r = subprocess.run([sys.executable, "-m", "dedup", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("dedup ")


def test_max_bytes(tmp_path):
    f = tmp_path / "in.jsonl"
    f.write_text(
        json.dumps({"id": 1, "text": "short"}) + "\n" + json.dumps({"id": 2, "text": "a" * 3000}) + "\n"
        + json.dumps({"id": 3, "text": "fine"}) + "\n"
    )
    r = run("cluster", str(f), "--max-bytes", "1000")
    assert r.returncode == 1 and "line 2: record is 3022 bytes, over the limit of 1000" in r.stderr
    r = run("cluster", str(f), "--max-bytes", "1000", "--on-error", "skip")
    assert r.returncode == 0 and [json.loads(x)["id"] for x in r.stdout.splitlines()] == [1, 3]
    assert "skipped 1 record(s)" in r.stderr
    big = tmp_path / "docs"
    big.mkdir()
    (big / "a.txt").write_text("x" * 2000)
    (big / "b.txt").write_text("small")
    r = run("cluster", str(big), "--max-bytes", "1000", "--on-error", "skip")
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["b"]
    r = run("cluster", str(f), "--max-bytes", "0")  # 0 lifts the limit
    assert r.returncode == 0 and [json.loads(x)["id"] for x in r.stdout.splitlines()] == [1, 2, 3]
    assert run("cluster", str(f), "--max-bytes", "-1").returncode == 2


def test_number_agreement_option(tmp_path):
    from test_cluster import EUROBOND, OTHER_EUROBOND

    src = tmp_path / "bonds.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": t}) + "\n" for k, t in (("a", EUROBOND), ("b", OTHER_EUROBOND))))

    def clusters(*opts):
        out = tmp_path / "out.jsonl"
        assert main(["cluster", str(src), "-o", str(out), "-q", *opts]) == 0
        return [json.loads(line)["cluster"] for line in out.read_text().splitlines()]

    assert clusters() == ["a", "b"]  # other figures: apart
    assert clusters("--number-agreement", "0") == ["a", "b"]  # the alignment alone sees the other figures
    assert clusters("--number-agreement", "0", "--no-verify-text") == ["a", "a"]  # wording alone: a match
    for opts, kept in (((), 2), (("--number-agreement", "0", "--no-verify-text"), 1)):  # dedup filter, on a new index each
        r = run_inproc("filter", "--index", str(tmp_path / f"bonds{len(opts)}.dedup"), *opts, str(src))
        assert r.returncode == 0, r.stderr
        assert len(r.stdout.splitlines()) == kept


def test_the_command_asks_openblas_for_one_thread():
    """dedup calls no BLAS routine: the command's process (not the library's users) starts numpy with one OpenBLAS
    thread, unless the user set a number."""
    import tomllib
    from conftest import ROOT

    with open(ROOT / "pyproject.toml", "rb") as fh:
        assert tomllib.load(fh)["project"]["scripts"]["dedup"] == "dedup._entry:main"
    code = ("import os, sys\nsys.argv = ['dedup', '--version']\nfrom dedup._entry import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nimport numpy\nprint(os.environ.get('OPENBLAS_NUM_THREADS'))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    for given, expected in ((None, "1"), ("3", "3")):
        run_env = env if given is None else {**env, "OPENBLAS_NUM_THREADS": given}
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=run_env)
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[-1] == expected
    r = subprocess.run([sys.executable, "-c", "import os, dedup\nprint(os.environ.get('OPENBLAS_NUM_THREADS'))"],
                       capture_output=True, text=True, env=env)
    assert r.stdout.strip() == "None"  # importing the library changes nothing
