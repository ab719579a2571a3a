"""The benchmark's whole-job and start-up parts (``benchmarks/wholejob.py``, ``benchmarks/startup.py``).

One smoke run of both parts through ``python -m benchmarks`` on 200 documents, one repeat
(about 15 s on two cores): every tool has a row, the report shows them and the peer
scripts. It asserts no timings. The rest runs on hand-made rows and tiny files.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import report, run, startup, wholejob  # noqa: E402


def test_parts_accepts_a_comma_separated_list() -> None:
    assert run._parts("wholejob,startup") == ("wholejob", "startup")
    assert run._parts("speed") == ("speed",)
    with pytest.raises(argparse.ArgumentTypeError):
        run._parts("wholejob,nonsense")
    args = run.build_parser().parse_args(["--only", "wholejob", "--job-sizes", "10_000,50000", "--startup-repeats", "4"])
    assert args.only == ("wholejob",) and args.job_sizes == (10_000, 50_000) and args.startup_repeats == 4


def test_recipe_flags_are_accepted_by_the_cli() -> None:
    from dedup import cli

    ns = cli.build_parser().parse_args(["cluster", "x.jsonl", *wholejob.RECIPE_FLAGS, "--no-normalize"])
    assert (ns.shingle, ns.ngram, ns.num_perm, ns.threshold) == ("word", 5, 128, 0.8)
    assert (ns.containment_threshold, ns.min_link_fraction, ns.number_agreement, ns.normalize) == (1.0, 0.0, 0.0, False)


@pytest.mark.parametrize("tool", ["rensa", "datasketch"])
def test_peer_script_keeps_one_of_each_copy(tool: str, tmp_path: Path) -> None:
    spec = wholejob.tool_specs()[tool]
    if importlib.util.find_spec(spec.needs) is None:
        pytest.skip(f"{spec.needs} not installed")
    text = " ".join(f"word{i}" for i in range(60))
    docs = [{"id": "a", "text": text}, {"id": "b", "text": text.upper()}, {"id": "c", "text": "something else entirely"},
            {"id": "d", "text": ""}, {"id": "e", "text": "short"}]
    inp, out = tmp_path / "in.jsonl", tmp_path / "kept.txt"
    inp.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    subprocess.run([sys.executable, str(spec.script), str(inp), str(out)], check=True, timeout=60)
    assert out.read_text(encoding="utf-8").split() == ["a", "c", "d", "e"]
    assert len(spec.script.read_text(encoding="utf-8").splitlines()) < 30  # the short script a user writes


def _row(tool: str, n: int, seconds: float, peak: float, tree: float | None = None) -> dict:
    return {"tool": tool, "n_docs": n, "bytes": n * 4000, "status": "ok", "repeats": 1, "seconds": seconds, "runs": [seconds],
            "docs_per_s": n / seconds, "us_per_doc": seconds / n * 1e6, "peak_mb": peak, "tree_peak_mb": tree, "cpu_s": seconds,
            "kept": n - 1}


def test_ratios_and_scaling() -> None:
    rows = [_row("dedup", 1000, 2.0, 100, 150), _row("dedup_recipe", 1000, 1.0, 80, 120), _row("rensa", 1000, 4.0, 300, 300),
            _row("dedup", 4000, 4.0, 200, 250), _row("rensa", 4000, 24.0, 900, None)]
    wholejob._ratios(rows)
    by = {(r["tool"], r["n_docs"]): r for r in rows}
    assert by[("rensa", 1000)]["x_dedup"] == pytest.approx(2.0)
    assert by[("rensa", 1000)]["x_dedup_recipe"] == pytest.approx(4.0)
    assert by[("rensa", 1000)]["mem_x_dedup"] == pytest.approx(2.0)  # all-process peaks: 300 / 150
    assert by[("rensa", 4000)]["mem_x_dedup"] == pytest.approx(4.5)  # no sample for rensa: main peaks, 900 / 200
    assert by[("rensa", 4000)]["x_dedup_recipe"] is None  # no dedup_recipe run at that size
    assert by[("dedup", 1000)]["x_dedup"] == pytest.approx(1.0)
    scal = {e["tool"]: e for e in wholejob.scaling(rows)}
    assert scal["dedup"]["per_doc_ratio"] == pytest.approx(0.5)
    assert scal["rensa"]["per_doc_ratio"] == pytest.approx(1.5)
    assert "per_doc_ratio" not in scal["dedup_recipe"]


def _results(tmp_path: Path) -> dict:
    specs = wholejob.tool_specs()
    rows = [_row("dedup", 1000, 2.0, 100, 150), _row("rensa", 1000, 4.0, 300, 300),
            {"tool": "datasketch", "n_docs": 1000, "bytes": 1, "status": "out of memory: stopped at 1.0 GB (limit 1.0 GB)",
             "repeats": 0}]
    wholejob._ratios(rows)
    tools = {t: {"label": specs[t].label, "command": specs[t].display, "how": specs[t].how, "status": "ok",
                 "script": specs[t].script.read_text(encoding="utf-8") if specs[t].script else None,
                 "script_path": f"benchmarks/peer_scripts/{specs[t].script.name}" if specs[t].script else None}
             for t in ("dedup", "rensa", "datasketch")}
    machine = {"cpu_model": "Test CPU", "usable_cores": 2, "logical_cores": 2, "ram_gb": 8, "os": "Linux", "python": "3.11",
               "numba_threads": None, "packages": {"dedup": "0.1", "rensa": "0.5.0"}, "load_average_start": [0.5, 0, 0]}
    return {
        "meta": {"command": "python -m benchmarks --only wholejob,startup", "mode": "full", "started": "now", "wall_seconds": 1},
        "machine": machine,
        "wholejob": {"status": "ok", "machine": {**machine, "load_average_end": [0.7, 0, 0]},
                     "config": {"sizes": [1000], "repeats": 1, "baselines": list(wholejob.BASELINES), "memory_limit_mb": 1024},
                     "corpus": {"source": "test corpus", "target_words": 600,
                                "sizes": {"1000": {"mean_words": 600, "median_words": 500, "p95_words": 1200, "bytes": 4e6,
                                                   "n_unique": 1000}}},
                     "tools": tools, "rows": rows, "scaling": wholejob.scaling(rows), "notes": [], "errors": []},
        "startup": {"status": "ok", "config": {"repeats": 2, "modes": startup.MODES},
                    "rows": [{"command": "import", "display": 'python -c "import dedup"', "mode": m, "status": "ok", "repeats": 2,
                              "seconds": 0.25, "min": 0.2, "max": 0.3} for m in startup.MODES], "notes": [], "errors": []},
    }


def test_report_renders_hand_made_results(tmp_path: Path) -> None:
    text = report.markdown(_results(tmp_path))
    assert "## Whole job against peers, as their users run them" in text and "## Start-up" in text
    assert "**Machine**: Test CPU, 2 usable cores" in text and "rensa 0.5.0" in text and "datasketch not installed" in text
    assert "RMinHashDeduplicator(threshold=0.8, num_perm=128, use_lsh=True)" in text  # the script itself
    assert "| 1,000 | `rensa` | 4.00 | 250 | 2.00x |" in text
    assert "out of memory: stopped at 1.0 GB" in text
    assert "| rensa script | dedup defaults | 2.00x (mem 2.00x) |" in text
    assert '`python -c "import dedup"` | 0.250 (0.200 - 0.300)' in text


def test_wholejob_and_startup_parts_smoke(tmp_path: Path) -> None:
    """Both parts through the suite's CLI on 200 documents, one repeat, into a temporary folder."""
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "wholejob,startup", "--job-sizes", "200", "--repeats", "1",
         "--startup-repeats", "1", "--no-progress", "--out", str(out), "--workdir", str(tmp_path)],
        cwd=ROOT, check=False, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert "speed" not in res and "accuracy" not in res

    wj = res["wholejob"]
    assert wj["status"] == "ok", wj
    assert wj["machine"]["load_average_end"] is None or len(wj["machine"]["load_average_end"]) == 3
    rows = {r["tool"]: r for r in wj["rows"]}
    assert set(rows) == set(wholejob.TOOLS)
    for tool, r in rows.items():
        if wj["tools"][tool]["status"].startswith("not installed"):
            assert r["status"] == wj["tools"][tool]["status"]
            continue
        assert r["status"] == "ok", r
        assert r["n_docs"] == 200 and r["seconds"] > 0 and r["peak_mb"] > 0
        assert 0 < r["kept"] <= 200
    assert rows["dedup"]["x_dedup"] == pytest.approx(1.0)
    assert wj["corpus"]["sizes"]["200"]["n_docs"] == 200
    assert wj["config"]["corpus"] == wj["corpus"]["kind"] == "news"  # the default: new documents + 20% near-copies
    assert "news-like corpus" in (out / "report.md").read_text(encoding="utf-8")

    st = res["startup"]
    assert st["status"] == "ok", st
    assert {(r["command"], r["mode"]) for r in st["rows"]} == {(c, m) for c in startup.commands() for m in startup.MODES}
    assert all(r["status"] == "ok" and r["seconds"] > 0 for r in st["rows"])

    text = (out / "report.md").read_text(encoding="utf-8")
    assert "## Whole job against peers" in text and "## Start-up" in text
    for tool in wholejob.TOOLS:
        assert f"| 200 | `{tool}` |" in text
    assert "benchmarks/peer_scripts/rensa_dedup.py" in text and "MinHashLSH(threshold=0.8, num_perm=128)" in text
    assert "dedup cluster seeds/" in text
