"""``dedup report`` and :mod:`dedup.report`: the page's data, its sources (a run, a clusters file, a filter report),
its caps, its escaping and its errors. The page in a real browser: tests/test_report_browser.py."""

from __future__ import annotations

import json
import re

import pytest
from cli_helpers import run_inproc, run_process
from conftest import SEEDS

import dedup
from dedup import report
from dedup.errors import ConfigError, InputError
from dedup.io import read_inputs
from dedup.report import embed_json

_DATA = re.compile(r'<script type="application/json" id="dedup-data">(.*?)</script>', re.S)

HOSTILE = ('</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
           '<!-- <b>bold</b> &amp; \u2028 ]]> </SCRIPT >')


def page_data(html: str) -> dict:
    """The JSON the page draws itself from (there is exactly one data element, and it parses)."""
    found = _DATA.findall(html)
    assert len(found) == 1
    return json.loads(found[0])


def seed_records(seeds: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in seeds.items()]


def members_by_id(data: dict) -> dict[str, dict]:
    return {data["docs"][m["d"]]["id"]: m for c in data["clusters"] for m in c["members"]}


def test_report_of_the_seeds_explains_the_member(tmp_path, seeds):
    out = tmp_path / "r.html"
    summary = report.write_report(seed_records(seeds), out)
    html = out.read_text(encoding="utf-8")
    data = page_data(html)
    assert summary == report.ReportSummary(str(out), len(html.encode()), 5, 1, 1, 1)
    assert data["meta"]["counts"]["documents"] == 5 and data["meta"]["counts"]["clusters"] == 4
    assert data["meta"]["params"] == dedup.Params().to_dict()
    (c,) = data["clusters"]
    assert data["docs"][c["rep"]]["id"] == "001" and c["size"] == 2 and not c["sampled"]
    (m,) = c["members"]
    e = dedup.explain(seeds["001"], seeds["000"])
    # The explanation and the alignment are explain()'s, unchanged.
    assert (m["m"], m["why"], m["j"], m["c"]) == (e.match, e.decided_by, round(e.jaccard, 4), round(e.containment, 4))
    assert m["al"]["df"] == [[*d.a, *d.b, d.kind, d.counted] for d in e.alignment.differences]
    rep, member = data["docs"][c["rep"]], data["docs"][m["d"]]
    assert (rep["t"], member["t"]) == (e.text_a, e.text_b)
    assert (rep["raw"], member["raw"]) == (seeds["001"], seeds["000"])
    kinds = {d[4] for d in m["al"]["df"]}
    assert {"noise", "added"} <= kinds
    # The highlighted spans are the words the alignment names.
    for a0, a1, b0, b1, _, _ in m["al"]["df"]:
        assert rep["t"][a0:a1] or member["t"][b0:b1]
    # The style and the script are inline: nothing is loaded from elsewhere.
    assert "<link" not in html and "src=" not in html.replace('"src="', "")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html


def test_histograms_and_counts_cover_the_whole_run(tmp_path):
    base = "The council approved the budget for road repairs on Tuesday after a long debate about the costs {}."
    texts = []
    for k in range(6):  # clusters of 2..7 near-identical copies, different stories
        story = f"Story {k}: " + " ".join(f"w{k}x{j}" for j in range(40))
        texts += [story + base.format("") + "!" * i for i in range(k + 2)]
    recs = list(enumerate(texts))
    out = tmp_path / "r.html"
    s = report.write_report(recs, out, max_clusters=2, sample=1, seed=3)
    data = page_data(out.read_text(encoding="utf-8"))
    assert data["hist"]["sizes"] == [[k + 2, 1] for k in range(6)]
    assert sum(b[2] for b in data["hist"]["similarity"]) == sum(k + 1 for k in range(6))
    assert data["hist"]["similarity"][0][0] == 0.4  # the bins start at the lowest similarity the rule admits
    sizes = [c["size"] for c in data["clusters"]]
    assert sizes[:2] == [7, 6] and len(sizes) == 3 and data["clusters"][2]["sampled"]
    assert (s.clusters, s.clusters_shown) == (6, 3)
    again = tmp_path / "again.html"
    report.write_report(recs, again, max_clusters=2, sample=1, seed=3)
    assert [c["size"] for c in page_data(again.read_text())["clusters"]] == sizes  # the sample is seeded


def test_caps_members_chars_and_megabytes(tmp_path):
    long = " ".join(f"word{j}" for j in range(3000))
    texts = [long + "." * i for i in range(8)] + [f"other story {k} " + long[:2000] + "!" * k for k in range(3)]
    out = tmp_path / "r.html"
    report.write_report(list(enumerate(texts)), out, max_members=3, max_chars=500)
    data = page_data(out.read_text())
    c = data["clusters"][0]
    assert c["size"] == 8 and len(c["members"]) == 3 and c["hidden"] == 4
    sims = [m["s"] for m in c["members"]]
    assert sims == sorted(sims)  # the least similar first
    for d in data["docs"]:
        assert len(d["raw"]) <= 500 and len(d["t"]) <= 500 and d["n"] > 500
    for m in c["members"]:
        for a0, a1, b0, b1, *_ in m["al"]["df"]:
            assert a0 <= a1 <= 500 and b0 <= b1 <= 500
    # When the largest clusters would fill the page, the sample keeps its share of it.
    stories = [" ".join(f"s{k}w{j}" for j in range(400)) for k in range(12)]
    many = [(f"{k}-{i}", story + "!" * i) for k, story in enumerate(stories) for i in range(2 + (k % 3))]
    shared = tmp_path / "shared.html"
    s = report.write_report(many, shared, max_clusters=8, sample=4, max_mb=0.1)
    shown = page_data(shared.read_text())["clusters"]
    assert any(c["sampled"] for c in shown) and sum(not c["sampled"] for c in shown) < 8 and s.clusters == 12
    tiny = tmp_path / "tiny.html"
    s = report.write_report(list(enumerate(texts)), tiny, max_mb=0.001)
    assert s.clusters_shown == 1 and page_data(tiny.read_text())["meta"]["shown"]["stopped_at_mb"]


def test_hostile_text_stays_text(tmp_path, seeds):
    recs = seed_records(seeds) + [("<b>id</b></script>", seeds["001"].replace("Harris", HOSTILE, 2))]
    out = tmp_path / "r.html"
    report.write_report(recs, out, title="</title><script>alert(1)</script>")
    html = out.read_text(encoding="utf-8")
    # Only the template's two script elements, and one closing tag each; the title is escaped.
    assert len(re.findall(r"<script", html, re.I)) == 2
    assert len(re.findall(r"</script", html, re.I)) == 2
    assert "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>" in html
    assert "\u2028" not in html and "<!--" not in html.split("<style>")[0] + _DATA.findall(html)[0]
    data = page_data(html)
    by_id = {d["id"]: d for d in data["docs"]}
    assert HOSTILE in by_id["<b>id</b></script>"]["raw"]
    assert data["meta"]["title"] == "</title><script>alert(1)</script>"


def test_embed_json_round_trips_what_it_escapes():
    value = {"t": "</script><!--\u2028\u2029&<>", "lone": "\ud800x", "n": [1, 2.5, None]}
    text = embed_json(value)
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == value
    text.encode("utf-8")  # a lone surrogate is escaped: the page is valid UTF-8


def test_member_placed_through_another_says_by_which(tmp_path):
    # A chain: b matches both a and c, a and c match each other too -> one cluster; every member explained.
    words = [f"w{j}" for j in range(200)]
    a = " ".join(words)
    b = " ".join(words[:150])
    c = " ".join(words[:110])
    d = dedup.Deduplicator()
    d.add_many([("a", a), ("b", b), ("c", c)])
    clustering = d.clusters()
    out = tmp_path / "r.html"
    report.write_report([("a", a), ("b", b), ("c", c)], out, clustering=clustering)
    data = page_data(out.read_text())
    members = members_by_id(data)
    ids = ["a", "b", "c"]
    for i, doc_id in enumerate(ids):
        if clustering.is_representative[i]:
            continue
        via = ids[int(clustering.matched[i])]
        assert members[doc_id]["s"] == round(float(clustering.similarity[i]), 4)
        if via != ids[int(clustering.labels[i])]:
            assert members[doc_id]["via"]["id"] == via and "why" in members[doc_id]["via"]
    with pytest.raises(ConfigError, match="clustering is of 3 documents, but 2 records"):
        report.write_report([("a", a), ("b", b)], tmp_path / "x.html", clustering=clustering)


def test_records_as_a_function_are_read_again(tmp_path, seeds):
    calls = []

    def records():
        calls.append(1)
        return iter(seed_records(seeds))

    out = tmp_path / "r.html"
    report.write_report(records, out)
    assert len(calls) == 2
    held = tmp_path / "held.html"
    report.write_report(seed_records(seeds), held)
    strip = lambda d: {**d, "meta": {**d["meta"], "created": None}}  # noqa: E731
    assert strip(page_data(out.read_text())) == strip(page_data(held.read_text()))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv", "jsonl.gz", "parquet"])
def test_from_a_finished_run(tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    results = tmp_path / f"out.{fmt}"
    assert run_inproc("cluster", str(SEEDS), "-o", str(results), "-q").returncode == 0
    fresh, later = tmp_path / "fresh.html", tmp_path / "later.html"
    recs = list(read_inputs([str(SEEDS)]))
    report.write_report(recs, fresh)
    s = report.write_report_from_clusters(results, recs, later)
    a, b = page_data(fresh.read_text()), page_data(later.read_text())
    assert s.documents == 5 and a["clusters"] == b["clusters"] and a["docs"] == b["docs"] and a["hist"] == b["hist"]
    assert b["meta"]["source"] == f"clusters read from {results}"


def test_from_a_finished_run_with_integer_ids_read_back_from_csv(tmp_path, seeds):
    records = [{"id": n, "text": t} for n, t in enumerate(seeds.values())]
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in records))
    results = tmp_path / "out.csv"
    assert run_inproc("cluster", str(inp), "-o", str(results), "-q").returncode == 0
    s = report.write_report_from_clusters(results, [(r["id"], r["text"]) for r in records], tmp_path / "r.html")
    assert (s.clusters, s.members_shown) == (1, 1)


def test_from_a_finished_run_errors(tmp_path, seeds):
    recs = seed_records(seeds)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "000", "cluster": "001", "similarity": 0.9}\n{"id": "001", "similarity": 1}\n')
    with pytest.raises(InputError, match=r"bad.jsonl: line 2: missing field 'cluster'; the row has: id, similarity"):
        report.write_report_from_clusters(bad, recs, tmp_path / "r.html")
    bad.write_text('{"id": "000", "cluster": "nobody", "similarity": 0.9}\n')
    with pytest.raises(InputError, match=r"line 1: id '000': cluster 'nobody' is not the id of any row"):
        report.write_report_from_clusters(bad, recs, tmp_path / "r.html")
    bad.write_text('{"id": "000", "cluster": "000", "similarity": 7}\n')
    with pytest.raises(InputError, match=r"line 1: id '000': similarity must be between 0 and 1, got 7"):
        report.write_report_from_clusters(bad, recs, tmp_path / "r.html")
    bad.write_text('{"id": "000", "cluster": "000"}\n[1]\n')
    with pytest.raises(InputError, match=r"line 2: not a JSON object but list"):
        report.write_report_from_clusters(bad, recs, tmp_path / "r.html")
    bad.write_text('{"id": "zzz", "cluster": "zzz", "similarity": 1}\n{"id": "000", "cluster": "zzz", "similarity": 1}\n')
    with pytest.raises(InputError, match=r"1 ids of the results are not in the inputs \(the first: 'zzz'\)"):
        report.write_report_from_clusters(bad, recs, tmp_path / "r.html")
    with pytest.raises(InputError, match="nothing.jsonl: cannot open"):
        report.write_report_from_clusters(tmp_path / "nothing.jsonl", recs, tmp_path / "r.html")
    with pytest.raises(ConfigError, match="cannot write the report: no directory"):
        report.write_report(recs, tmp_path / "no" / "r.html")
    with pytest.raises(ConfigError, match="output must be a path or a text stream, got int"):
        report.write_report(recs, 3)
    for option, value in (("max_clusters", 0), ("sample", -1), ("max_members", 0), ("max_chars", 10), ("max_mb", float("nan"))):
        with pytest.raises(ConfigError, match=option):
            report.write_report(recs, tmp_path / "r.html", **{option: value})


def _filter(tmp_path, inp, index, report_file):
    r = run_inproc("filter", "--index", str(index), "--report", str(report_file), str(inp), "-q")
    assert r.returncode == 0, r.stderr


def test_from_a_filter_report(tmp_path, seeds):
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in seeds.items()))
    index, dropped = tmp_path / "seen.dedup", tmp_path / "dropped.jsonl"
    _filter(tmp_path, inp, index, dropped)
    (row,) = [json.loads(x) for x in dropped.read_text().splitlines()]
    assert (row["id"], row["matched"], row["reason"]) == ("001", "000", "near-duplicate")
    recs = seed_records(seeds)
    out = tmp_path / "r.html"
    s = report.write_report_from_dropped(dropped, recs, out, index=index)
    data = page_data(out.read_text())
    assert data["meta"]["mode"] == "dropped" and s.documents == 1 and s.members_shown == 1
    (c,) = data["clusters"]
    (m,) = c["members"]
    assert data["docs"][c["rep"]]["id"] == "000" and data["docs"][m["d"]]["id"] == "001" and m["r"] == "near-duplicate"
    with dedup.Index.open(str(index), create=False) as ix:
        stored = ix.texts(["000", "001", "nobody"])
    assert list(stored) == ["000"]
    assert data["docs"][c["rep"]]["raw"] == stored["000"]  # the stored document's text is the index's
    assert m["m"] is True and m["al"]["df"]
    # Without the index the kept text comes from the input (admitted in the same run).
    out2 = tmp_path / "r2.html"
    report.write_report_from_dropped(dropped, recs, out2)
    (m2,) = page_data(out2.read_text())["clusters"][0]["members"]
    assert m2["m"] is True and page_data(out2.read_text())["docs"][0]["raw"] == seeds["000"]


def test_from_a_filter_report_of_ids_already_indexed(tmp_path, seeds):
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in seeds.items()))
    index, first, second = tmp_path / "seen.dedup", tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    _filter(tmp_path, inp, index, first)
    _filter(tmp_path, inp, index, second)  # everything again: every id is already indexed
    rows = [json.loads(x) for x in second.read_text().splitlines()]
    assert [r["reason"] for r in rows].count("id already indexed") == 4  # and 001, never admitted, is a near-duplicate again
    out = tmp_path / "r.html"
    report.write_report_from_dropped(second, seed_records(seeds), out, index=index)
    members = members_by_id(page_data(out.read_text()))
    assert members["002"]["m"] is True and members["002"]["why"].startswith("Jaccard")
    # Without the index, a kept text that is not in this input is missing, and the page says why.
    report.write_report_from_dropped(second, seed_records(seeds), out)
    members = members_by_id(page_data(out.read_text()))
    assert "pass the index" in members["002"]["why"] and "al" not in members["002"]
    with pytest.raises(InputError, match=r"id '002': dropped 1 times but the inputs hold it 0 times"):
        report.write_report_from_dropped(second, [r for r in seed_records(seeds) if r[0] != "002"], out, index=index)


# -- the command line ------------------------------------------------------------------------------------------------


def test_cli_report_of_a_directory(tmp_path):
    out = tmp_path / "r.html"
    r = run_process("report", "seeds/", "-o", str(out), text=True)
    assert r.returncode == 0, r.stderr
    assert f"dedup: wrote {out} (0.1 MB): 1 of 1 clusters with duplicates, 1 members; 5 documents" in r.stderr
    assert len(page_data(out.read_text())["clusters"]) == 1


def test_cli_report_to_stdout_from_stdin(seeds):
    lines = "".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in seeds.items()).encode()
    r = run_inproc("report", "-", "-o", "-", "-q", stdin=lines)
    assert r.returncode == 0 and r.stderr == b""
    assert page_data(r.stdout.decode())["meta"]["counts"]["documents"] == 5


def test_cli_report_from_clusters_and_from_filter(tmp_path, seeds):
    results, out = tmp_path / "c.jsonl", tmp_path / "r.html"
    assert run_inproc("cluster", "seeds/", "-o", str(results), "-q").returncode == 0
    r = run_inproc("report", "--clusters", str(results), "seeds/", "-o", str(out), "--max-members", "1", "--title", "Seeds")
    assert r.returncode == 0, r.stderr
    assert page_data(out.read_text())["meta"]["title"] == "Seeds"
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in seeds.items()))
    index, dropped = tmp_path / "seen.dedup", tmp_path / "dropped.jsonl"
    _filter(tmp_path, inp, index, dropped)
    r = run_inproc("report", "--dropped", str(dropped), "--index", str(index), str(inp), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert b"1 of 1 clusters with duplicates, 1 members; 1 documents" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--index", "x.dedup"], "--index is for --dropped"),
        (["--clusters", "missing.jsonl"], "missing.jsonl: cannot open: No such file or directory"),
        (["--dropped", "missing.jsonl", "--index", "missing.dedup"], "missing.dedup"),
        (["--max-mb", "-1"], "max_mb must be a positive number"),
    ],
)
def test_cli_report_errors_are_messages(tmp_path, args, message):
    r = run_inproc("report", "seeds/", "-o", str(tmp_path / "r.html"), *args)
    assert r.returncode == 1
    assert message in r.stderr.decode() and "Traceback" not in r.stderr.decode()


def test_cli_report_refuses_an_unwritable_output_before_the_work(tmp_path):
    r = run_inproc("report", "seeds/", "-o", str(tmp_path / "no" / "r.html"))
    assert r.returncode == 1 and b"cannot write the output: no directory" in r.stderr


def test_cli_report_help_lists_the_caps():
    r = run_process("report", "--help", text=True)
    assert r.returncode == 0
    for option in ("--max-clusters N", "--sample N", "--max-members N", "--max-chars N", "--max-mb MB", "--clusters FILE",
                   "--dropped FILE", "--index PATH"):
        assert option in r.stdout
