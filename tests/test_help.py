"""Every command's --help is plain text (no reST markup) with examples, and explains its output."""

from __future__ import annotations

import pytest
from cli_helpers import run_process

VERBS = [["cluster"], ["dedupe"], ["explain"], ["filter"], ["report"], ["index"], ["index", "add"], ["index", "query"],
         ["index", "remove"], ["index", "stats"], ["index", "expire"]]


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_help_is_plain_text_with_an_example(verb):
    r = run_process(*verb, "--help", text=True)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "``" not in out and ":func:" not in out and ":class:" not in out
    assert "example" in out
    assert f"dedup {' '.join(verb)} " in out.split("example", 1)[1]  # the examples run this very command


@pytest.mark.parametrize("verb,fields", [
    (["cluster"], ["id", "cluster", "is_representative", "similarity", "cluster_size"]),
    (["dedupe"], ["duplicate_of", "--keep", "representative", "first"]),
    (["filter"], ["matched", "similarity", "reason"]),
    (["index", "query"], ["match", "similarity"]),
    (["index", "stats"], ["documents", "oldest_added", "ISO 8601", "bytes_on_disk", "params"]),
    (["explain"], ["MATCH", "--json"]),
])
def test_help_explains_the_output(verb, fields):
    out = run_process(*verb, "--help", text=True).stdout
    for name in fields:
        assert name in out, name


def test_top_level_help_lists_the_commands():
    out = run_process("--help", text=True).stdout
    for verb in ("cluster", "dedupe", "explain", "filter", "report", "index"):
        assert f"dedup {verb} " in out
