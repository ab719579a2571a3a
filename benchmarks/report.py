"""Turn the results dict of :mod:`benchmarks.run` into ``report.md`` and PNG plots.

Plots use matplotlib's Agg backend; without matplotlib the report is written
without them and says so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["markdown", "plots", "write"]

_DATASET_TITLES = {
    "seeds": "Seed articles",
    "impresso": "impresso reprint clusters (all)",
    "impresso-2-10": "impresso reprint clusters of 2-10 passages",
    "impresso-unsplit": "impresso clusters that no split span touches (all sizes; see the label audit)",
    "impresso-2-10-unsplit": "impresso clusters of 2-10 that no split span touches (see the label audit)",
    "synthetic": "Synthetic reprints (default_synthetic_corpus)",
}
_KIND_TITLES = {
    "sig-word": "signatures, word 5-grams",
    "sig-char": "signatures, char 5-grams",
    "cluster": "whole cluster job",
}


# --------------------------------------------------------------------------- formatting


def _f(x: Any, digits: int = 3) -> str:
    """A number for a table cell; '-' when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        if abs(x) >= 100:
            return f"{x:.0f}"
        return f"{x:.{digits}f}"
    return str(x)


def _secs(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def _rate(x: float | None) -> str:
    """A documents-per-second figure: whole numbers from 100 up, one decimal below."""
    if x is None:
        return "-"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _bold_best(rows: list[dict[str, Any]], key: str) -> set[int]:
    vals = [r.get(key) for r in rows if r.get("status") == "ok" and r.get(key) is not None]
    if not vals:
        return set()
    best = max(vals)
    return {i for i, r in enumerate(rows) if r.get(key) is not None and r.get("status") == "ok" and abs(r[key] - best) < 1e-12}


# --------------------------------------------------------------------------- sections


def _header(res: dict[str, Any]) -> list[str]:
    meta, m = res["meta"], res["machine"]
    pk = m.get("packages", {})
    versions = ", ".join(f"{k} {v}" for k, v in pk.items() if v)
    missing = ", ".join(k for k, v in pk.items() if not v)
    params = ", ".join(f"{k}={v}" for k, v in res.get("dedup_params", {}).items())
    lines = [
        "# dedup benchmark report",
        "",
        (f"- **Run**: `{meta['command']}` ({meta['mode']} mode), started {meta['started']}, "
         f"wall time {meta.get('wall_seconds', 0):.0f} s"),
        (f"- **Machine**: {m['cpu_model']}, {m['usable_cores']} usable cores ({m['logical_cores']} logical), "
         f"{m.get('ram_gb')} GB RAM, {m['os']}, Python {m['python']}; dedup core threads {m.get('core_threads', m.get('numba_threads'))}"),
        *_load_warning(m),
        f"- **Packages**: {versions}" + (f"; not installed: {missing}" if missing else ""),
        f"- **dedup {res.get('dedup_version')} defaults** (read from `dedup.Params()` at run time): {params}",
        f"- **Data**: {meta.get('data_dir')}",
    ]
    runs = meta.get("part_runs") or {}
    if len({(r.get("command"), r.get("started")) for r in runs.values()}) > 1:
        cpus = [r.get("cpu") for r in runs.values()]
        where = "same machine" if len(set(cpus)) == 1 else "the machine named where it was recorded; ratios compare tools of one run"
        lines.append(f"- **Parts measured in separate runs** ({where}; merged with `--merge`): " + "; ".join(
            f"{part} from `{r.get('command')}` started {r.get('started')}" + (f" on {r['cpu']}" if r.get("cpu") else "")
            for part, r in runs.items()))
    lines.append("")
    return lines


def _load_warning(m: dict[str, Any]) -> list[str]:
    """A line on the load average when it says the CPU may have been shared."""
    start = (m.get("load_average_start") or [None])[0]
    end = (m.get("load_average_end") or [None])[0]
    cores = m.get("usable_cores") or 1
    loads = [x for x in (start, end) if x is not None]
    # The suite itself keeps one or two cores busy, and a 1-minute average decays slowly
    # after the work that ran just before; only clearly higher loads are worth a line.
    if not loads or ((start or 0) < cores and (end or 0) < cores + 1):
        return []
    return [(f"- **Load**: 1-minute load average {' / '.join(f'{x:.1f}' for x in loads)} (start / end) on {cores} "
             "cores. Work other than this suite may have shared the CPU; ratios measured in the same run are less "
             "affected than absolute numbers.")]


def _problems(res: dict[str, Any]) -> list[str]:
    notes: list[str] = []
    errors: list[dict[str, str]] = []
    for part in ("accuracy", "reuters_pairs", "speed", "wholejob", "wholejob_scaled", "startup"):
        notes += res.get(part, {}).get("notes", [])
        errors += res.get(part, {}).get("errors", [])
    acc = res.get("accuracy", {})
    for tool, info in acc.get("tools", {}).items():
        if info["status"] != "ok":
            notes.append(f"peer {tool}: {info['status']} - its rows are marked, not dropped")
    for row in res.get("speed", {}).get("rows", []):
        if row["status"].startswith("skipped"):
            notes.append(f"speed {row['kind']} {row['tool']} at {row['n_docs']:,} docs {row['status']}")
    if not notes and not errors:
        return []
    lines = ["## Notes and problems", ""]
    lines += [f"- {n}" for n in dict.fromkeys(notes)]
    lines += [f"- **FAILED** {e['where']}: `{e['error']}`" for e in errors]
    return lines + [""]


def _accuracy(acc: dict[str, Any], plot_files: dict[str, str]) -> list[str]:
    lines = ["## Accuracy", ""]
    lines.append(
        "Pairwise metrics count document pairs placed in one cluster. ARI = adjusted Rand index "
        "(1 = gold partition, 0 = chance). Peers run their published recipes; dedup runs its defaults."
    )
    lines.append("")
    tools = acc.get("tools", {})
    lines.append(_table(["tool", "what runs", "status"], [[f"`{t}`", i["description"], i["status"]] for t, i in tools.items()]))
    lines.append("")
    datasets = acc.get("datasets", {})
    rows = acc.get("rows", [])
    by_ds: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_ds[r["dataset"]].append(r)

    # At a glance: ARI / F1 per tool and data set.
    present = [d for d, info in datasets.items() if info["status"] == "ok"]
    if present:
        lines += ["### At a glance: ARI / pairwise F1", ""]
        header = ["tool"] + present
        table = []
        for tool in tools:
            cells = [f"`{tool}`"]
            for d in present:
                r = next((x for x in by_ds[d] if x["tool"] == tool), None)
                cells.append(f"{_f(r['ari'])} / {_f(r['f1'])}" if r and r.get("status") == "ok" else (r or {}).get("status", "-"))
            table.append(cells)
        lines += [_table(header, table), ""]

    for name, info in datasets.items():
        lines.append(f"### {_DATASET_TITLES.get(name, name)}")
        lines.append("")
        if info["status"] != "ok":
            lines += [f"Skipped: {info.get('message')}", ""]
            continue
        subset = f" (subset of whole clusters from {info['subset_of']:,})" if info.get("subset_of") else ""
        lines.append(
            f"{info['n_docs']:,} documents{subset} in {info['n_clusters']:,} gold clusters "
            f"({info['n_multi_clusters']:,} with 2+ members, {info['true_pairs']:,} true pairs); "
            f"mean {info['mean_words']} words."
        )
        lines.append("")
        rs = by_ds[name]
        best_ari, best_f1 = _bold_best(rs, "ari"), _bold_best(rs, "f1")
        table = []
        for i, r in enumerate(rs):
            if r.get("status") != "ok":
                table.append([f"`{r['tool']}`", r.get("status"), "", "", "", "", ""])
                continue
            ari = f"**{_f(r['ari'])}**" if i in best_ari else _f(r["ari"])
            f1 = f"**{_f(r['f1'])}**" if i in best_f1 else _f(r["f1"])
            table.append([f"`{r['tool']}`", ari, _f(r["precision"]), _f(r["recall"]), f1, _f(r["pred_clusters"]), _secs(r.get("seconds"))])
        lines += [_table(["tool", "ARI", "precision", "recall", "F1", "clusters found", "seconds"], table), ""]

    lines += _msrp(acc.get("msrp", {}))
    lines += _sweeps(acc, plot_files)
    lines += _label_audit(acc.get("label_audit", []))
    return lines


def _label_audit(audits: list[dict[str, Any]]) -> list[str]:
    if not audits:
        return []
    lines = ["### Label audit: what text similarity can reach on impresso", ""]
    lines.append(
        "passim's silver clusters group aligned spans of articles, not texts (`benchmarks/label_audit.py`). On dedup's "
        "exact shingle sets: *below rule* = gold pairs under dedup's matching rule (reachable only through chains); "
        "*formula only* = gold pairs with Jaccard < 0.2 and containment < 0.5 (e.g. obituaries of different people); "
        "*oracle* = the gold pairs above the rule joined into connected components: the best clustering with no false "
        "merge under dedup's rule. *Split spans* = pairs of overlapping passages of one article (the same OCR text) "
        "that passim put in different clusters; *false merges linked* = dedup's false merges between gold clusters "
        "so linked. *Unsplit* = gold clusters that no split span touches (computed on the whole file), and the gold "
        "pairs they hold; the \"no split span touches\" data sets above keep only those."
    )
    lines.append("")
    header = ["data set", "gold pairs", "below rule", "formula only", "oracle ARI", "split spans",
              "false merges linked", "dedup precision without them", "unsplit clusters (gold pairs)"]
    table = []
    for a in audits:
        if a.get("status") != "ok":
            table.append([a["dataset"], a.get("status")] + [""] * (len(header) - 2))
            continue
        o, s, p = a["oracle"], a["span_overlap"], a["prediction"]
        table.append([
            a["dataset"], f"{a['gold_pairs']:,}", f"{a['below_rule']:.1%}", f"{a['formula_only']:.1%}",
            f"{_f(o['ari'])} (R {_f(o['recall'])})",
            f"{s['split']:,} of {s['pairs']:,} ({s['split_contained']:,} with one ≥ 80% inside the other)",
            f"{p['false_merges_linked']:,} of {p['false_merges']:,}", _f(p["precision_unlinked"]),
            f"{s['unsplit_clusters']:,} of {s['clusters']:,} ({s['unsplit_gold_pairs']:,})",
        ])
    lines += [_table(header, table), ""]
    return lines


def _msrp(msrp: dict[str, Any]) -> list[str]:
    lines = ["### MSRP sentence pairs", ""]
    if msrp.get("status") != "ok":
        return lines + [f"Skipped: {msrp.get('message')}", ""]
    lines.append(
        f"{msrp['n_train']:,} train / {msrp['n_test']:,} test pairs ({msrp['positive_rate_test']:.0%} of test pairs are "
        "paraphrases; \"same meaning\" is looser than \"reprint\"). Score = each tool's estimated similarity; ROC-AUC on "
        "test; threshold maximising F1 on train only, then P/R/F1 on test. \"default rule\" = the tool's own decision "
        "with its default parameters."
    )
    lines.append("")
    table = []
    for r in msrp.get("rows", []):
        if r.get("status") != "ok":
            table.append([f"`{r['tool']}`", r.get("status"), "", "", "", "", "", ""])
            continue
        table.append([
            f"`{r['tool']}`", _f(r["auc"]), _f(r["tuned_threshold"]), _f(r["precision"]), _f(r["recall"]), _f(r["f1"]),
            f"{_f(r['default_f1'])} ({_f(r['default_precision'], 2)} / {_f(r['default_recall'], 2)})", _f(r["train_f1"]),
        ])
    lines += [_table(["score", "ROC-AUC", "tuned threshold", "precision", "recall", "F1",
                      "F1 default rule (P / R)", "F1 on train"], table), ""]
    return lines


def _sweeps(acc: dict[str, Any], plot_files: dict[str, str]) -> list[str]:
    points = [p for p in acc.get("sweeps", []) if p.get("status") == "ok"]
    if not points and not acc.get("sweeps"):
        return []
    lines = ["### Precision and recall vs threshold", ""]
    lines.append(
        "dedup's `threshold` swept with containment off (`containment_threshold=1`) and at its default; each peer's "
        "LSH threshold swept. Every point is a full clustering run; other parameters stay at their defaults "
        "(so dedup's LSH stays tuned for its default `lsh_threshold`)."
    )
    lines.append("")
    by_ds: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in points:
        by_ds[p["dataset"]].append(p)
    for ds, pts in by_ds.items():
        lines.append(f"**{_DATASET_TITLES.get(ds, ds)}**")
        lines.append("")
        if f"pr_{ds}" in plot_files:
            lines += [f"![precision and recall vs threshold on {ds}]({plot_files[f'pr_{ds}']})", ""]
        curves: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in pts:
            curves[p["curve"]].append(p)
        table = []
        for curve, cps in curves.items():
            best = max(cps, key=lambda p: p["f1"])
            series = " ".join(f"{p['threshold']:g}:{p['f1']:.2f}" for p in sorted(cps, key=lambda p: p["threshold"]))
            table.append([curve, _f(best["f1"]), f"{best['threshold']:g}", _f(best["precision"]), _f(best["recall"]), series])
        lines += [_table(["curve", "best F1", "at threshold", "precision", "recall", "F1 by threshold"], table), ""]
    failed = [p for p in acc.get("sweeps", []) if p.get("status") != "ok"]
    if failed:
        lines += [f"{len(failed)} sweep point(s) failed (see Notes and problems).", ""]
    return lines


def _runs_secs(row: dict[str, Any], cfg: dict[str, Any]) -> str:
    """Median seconds, marked when the cell has fewer runs than asked for."""
    text = _secs(row["seconds"])
    n = row.get("repeats", cfg["repeats"])
    return text if n >= cfg["repeats"] else f"{text} ({n} run)"


def _speed(sp: dict[str, Any], machine: dict[str, Any], plot_files: dict[str, str]) -> list[str]:
    lines = ["## Speed and memory", ""]
    if sp.get("status") != "ok":
        return lines + [f"Not measured: {sp.get('status')} (see Notes and problems).", ""]
    cfg, corpus = sp["config"], sp["corpus"]
    lines.append(
        f"Corpus: {corpus['source']}. Sizes are nested prefixes of one shuffled corpus. Every measurement runs in its "
        f"own subprocess (peak MB = that process's peak resident set, `VmHWM`); {cfg['repeats']} run(s) per cell, "
        f"median shown"
        + (f" (a run longer than {cfg['once_over']:g} s is measured once; its cell says so)" if cfg.get("once_over") else "")
        + ". "
        + (f"A watchdog stops any process above {cfg['memory_limit_mb'] / 1024:.1f} GB resident. "
           if cfg.get("memory_limit_mb") else "")
        + "Ratios compare docs/s with datasketch and rensa measured in this same run (>1 = faster than them)."
    )
    lines.append("")
    lines.append(_table(
        ["documents", "mean words", "median words", "p95 words", "MB of text", "distinct texts"],
        [[_f(int(n)), _f(s["mean_words"], 0), _f(s["median_words"], 0), _f(s["p95_words"], 0),
          _f(s["bytes"] / 2**20, 1), _f(int(s["n_unique"]))] for n, s in corpus["sizes"].items()],
    ))
    lines.append("")
    rows = sp["rows"]
    threads = machine.get("core_threads", machine.get("numba_threads"))
    lines.append(
        f"Signatures: {cfg['num_perm']} permutations, {cfg['ngram']}-grams, from raw text (no normalization). dedup = "
        f"`MinHasher.sign_texts` (compiled, {threads} threads); datasketch = `MinHash.bulk` and rensa = "
        "`RMinHash.from_token_sets`, both including their Python shingling (`peers.signature_seconds`, called on "
        f"chunks of {cfg.get('sig_chunk', '?')} documents so their shingle sets need not fit in memory at once; dedup "
        "batches internally). JSONL reading and a 20-document warm-up are not timed. Δ MB = peak minus RSS after "
        "loading the texts."
    )
    lines.append("")
    for kind in ("sig-word", "sig-char"):
        rs = [r for r in rows if r["kind"] == kind]
        if not rs:
            continue
        lines += [f"### {_KIND_TITLES[kind].capitalize()}", ""]
        table = []
        for r in rs:
            if r["status"] != "ok":
                table.append([_f(r["n_docs"]), f"`{r['tool']}`", r["status"], "", "", "", "", "", "", ""])
                continue
            delta = r["peak_mb"] - r["loaded_mb"] if r.get("peak_mb") and r.get("loaded_mb") else None
            table.append([_f(r["n_docs"]), f"`{r['tool']}`", _runs_secs(r, cfg), _rate(r["docs_per_s"]), _f(r["mb_per_s"], 2),
                          _ratio(r.get("x_datasketch")), _ratio(r.get("x_rensa")), _f(r.get("peak_mb"), 0), _f(delta, 0),
                          _f(r.get("n_shingles"))])
        lines += [_table(["docs", "tool", "seconds", "docs/s", "MB/s", "x datasketch", "x rensa", "peak MB", "Δ MB",
                          "shingles"], table), ""]

    rs = [r for r in rows if r["kind"] == "cluster"]
    if rs:
        ov = sp.get("cli_overhead", {})
        lines += ["### Whole cluster job", ""]
        lines.append(
            "dedup = `python -m dedup cluster corpus.jsonl -o out.jsonl` as a subprocess, timed end to end (interpreter "
            "start, imports, read, normalize, sign, LSH, verify, cluster, write). Peers = their recipe function on "
            "the same texts plus the JSONL read, timed inside their process (no interpreter start, no output), holding "
            "every document's shingle set at once; the `wholejob` part (`--only wholejob`) runs them as their users do: "
            "whole processes, streaming. "
            f"Fixed cost of one dedup CLI call on a 1-document file: {_secs(ov.get('seconds'))} s, "
            f"{_f(ov.get('peak_mb'), 0)} MB peak."
        )
        lines.append("")
        table = []
        for r in rs:
            if r["status"] != "ok":
                table.append([_f(r["n_docs"]), f"`{r['tool']}`", r["status"], "", "", "", "", "", ""])
                continue
            table.append([_f(r["n_docs"]), f"`{r['tool']}`", _runs_secs(r, cfg), _rate(r["docs_per_s"]), _f(r["mb_per_s"], 2),
                          _ratio(r.get("x_datasketch")), _ratio(r.get("x_rensa")), _f(r.get("peak_mb"), 0),
                          _f(r.get("n_clusters"))])
        lines += [_table(["docs", "tool", "seconds", "docs/s", "MB/s", "x datasketch", "x rensa", "peak MB",
                          "clusters found"], table), ""]

    stages = sp.get("dedup_stages", [])
    if stages:
        lines += ["### Where dedup's time goes", ""]
        lines.append("One run per size in its own process, with the default engine: `prepare_many` (normalize, over "
                     "worker processes), then sign the prepared texts, `candidate_pairs()` (LSH), `clusters()` minus "
                     "LSH (verify + clustering). The whole job overlaps normalizing one batch with signing the one "
                     "before, so it takes less than the sum. Seconds:")
        lines.append("")
        table = []
        for s in stages:
            total = sum(s[k] for k in ("read", "normalize", "sign", "lsh", "verify_cluster"))
            table.append([_f(s["n_docs"]), _secs(s["read"]), _secs(s["normalize"]), _secs(s["sign"]), _secs(s["lsh"]),
                          _secs(s["verify_cluster"]), _secs(total), f"{s['normalize'] / total:.0%}" if total else "-",
                          _f(s["candidate_pairs"]), _f(s["n_clusters"])])
        lines += [_table(["docs", "read", "normalize", "sign", "LSH", "verify+cluster", "total", "normalize share",
                          "candidate pairs", "clusters"], table), ""]

    scal = sp.get("scaling", [])
    sizes = [str(n) for n in cfg["sizes"]]
    if scal:
        lines += ["### Time per document vs corpus size", ""]
        lines.append("Microseconds per document at each size. *slope* is the exponent of a power-law fit of time vs "
                     "size (1.0 = linear; below 1 at small sizes when a fixed start-up cost dominates).")
        lines.append("")
        table = []
        for e in sorted(scal, key=lambda e: (list(_KIND_TITLES).index(e["kind"]), e["tool"])):
            table.append([_KIND_TITLES[e["kind"]], f"`{e['tool']}`"] + [_f(e["us_per_doc"].get(n), 1) for n in sizes]
                         + [_f(e.get("slope"), 2)])
        lines += [_table(["measure", "tool"] + [f"µs/doc @ {int(n):,}" for n in sizes] + ["slope"], table), ""]
    for key, alt in (("throughput", "throughput vs corpus size"), ("per_doc", "time per document vs corpus size"),
                     ("memory", "peak memory vs corpus size")):
        if key in plot_files:
            lines += [f"![{alt}]({plot_files[key]})", ""]
    return lines


def _machine_line(m: dict[str, Any] | None, packages: Sequence[str]) -> str:
    """One line on the machine a part ran on, its load and the versions that matter to it."""
    if not m:
        return "**Machine**: not recorded."
    pk = m.get("packages", {})
    versions = ", ".join(f"{k} {pk.get(k) or 'not installed'}" for k in packages)
    load = ""
    if m.get("load_average_start") and m.get("load_average_end"):
        load = (f"; 1-minute load average {m['load_average_start'][0]:.1f} at the start, "
                f"{m['load_average_end'][0]:.1f} at the end")
    return (f"**Machine**: {m.get('cpu_model')}, {m.get('usable_cores')} usable cores, {m.get('ram_gb')} GB RAM, "
            f"{m.get('os')}, Python {m.get('python')}; {versions}{load}.")


def _xcell(x: float | None, mem: float | None = None) -> str:
    if x is None:
        return "-"
    return _ratio(x) + (f" (mem {_ratio(mem)})" if mem is not None else "")


_JOB_CORPUS_TITLES = {
    "news": "news-like corpus (new documents, 20% noisy near-copies)",
    "scaled": "duplicate-heavy corpus (the speed part's: near-copies per text grow with the corpus)",
}


def _wholejob(wj: dict[str, Any]) -> list[str]:
    """Whole processes on one corpus: dedup's CLI and the peers' user scripts (``benchmarks.wholejob``)."""
    kind = (wj.get("config") or {}).get("corpus") or (wj.get("corpus") or {}).get("kind") or "scaled"
    lines = [f"## Whole job against peers, as their users run them: {_JOB_CORPUS_TITLES.get(kind, kind)}", ""]
    if wj.get("status") != "ok":
        return lines + [f"Not measured: {wj.get('status')} (see Notes and problems).", ""]
    cfg, corpus, tools = wj["config"], wj["corpus"], wj["tools"]
    lines.append(_machine_line(wj.get("machine"), ("dedup", "rensa", "datasketch")))
    lines.append("")
    lines.append(
        "Every tool is one fresh process on the same JSONL file (`benchmarks/wholejob.py`): it reads the file, finds "
        "the near-duplicates and writes its output, and the benchmark times it from before the start to after the exit "
        "(interpreter start, imports, reading, shingling, hashing, LSH, writing). The peers are the short scripts their "
        "users write, streaming one document at a time (below, as run). Runs are interleaved: each repeat runs every "
        f"tool once at a size, in an order rotated by one per repeat; {cfg['repeats']} run(s) per cell, median shown"
        + (f" (a run longer than {cfg['once_over']:g} s is measured once; its cell says so)" if cfg.get("once_over") else "")
        + ". *Peak MB* is the process's own peak resident set (`VmHWM`, written by an exit hook); *all processes* is "
        "the largest sum of PSS over the process and any workers it forks (none of these tools does now: dedup's core "
        "runs on threads), "
        "sampled every 0.1 s (PSS counts a page shared by n processes as 1/n, so for a lone process it is a little "
        "below its resident set). *CPU s* = user + system seconds of the process and its workers. *Kept* = documents "
        "kept (dedup: cluster representatives). *÷ dedup* = the tool's seconds over dedup's at the same size "
        "(above 1: dedup is faster)."
        + (f" A watchdog stops any process above {cfg['memory_limit_mb'] / 1024:.1f} GB resident."
           if cfg.get("memory_limit_mb") else "")
    )
    lines.append("")
    lines.append(f"Corpus: {corpus['source']}; sizes are nested prefixes of one corpus (`benchmarks.speed.build_corpus`, "
                 f"aiming at {corpus.get('target_words', '?')} words per document).")
    lines.append("")
    lines.append(_table(
        ["documents", "mean words", "median words", "p95 words", "MB of JSONL", "distinct texts"],
        [[_f(int(n)), _f(s["mean_words"], 0), _f(s["median_words"], 0), _f(s["p95_words"], 0),
          _f(s.get("file_bytes", s["bytes"]) / 2**20, 1), _f(int(s["n_unique"]))] for n, s in corpus["sizes"].items()],
    ))
    lines.append("")
    lines.append(_table(["tool", "command", "how it runs"],
                        [[f"`{t}`", f"`{i['command']}`", i["how"] + ("" if i["status"] == "ok" else f" (**{i['status']}**)")]
                         for t, i in tools.items()]))
    lines.append("")
    for t, i in tools.items():
        if i.get("script"):
            lines += [f"`{t}`: `{i['script_path']}`", "", "```python", i["script"].rstrip(), "```", ""]

    rows = wj["rows"]
    label = {t: i["label"] for t, i in tools.items()}
    base_title = {"dedup": "dedup defaults", "dedup_recipe": "dedup peers' recipe"}
    table = []
    for r in rows:
        if r["status"] != "ok" or not r.get("seconds"):
            table.append([_f(r["n_docs"]), f"`{r['tool']}`", r["status"]] + [""] * 8)
            continue
        secs = _secs(r["seconds"]) + ("" if r["repeats"] >= cfg["repeats"] else f" ({r['repeats']} run)")
        table.append([_f(r["n_docs"]), f"`{r['tool']}`", secs, _rate(r["docs_per_s"])]
                     + [_ratio(r.get(f"x_{b}")) for b in cfg["baselines"]]
                     + [_f(r.get("peak_mb"), 0), _f(r.get("tree_peak_mb"), 0), _secs(r.get("cpu_s")), _f(r.get("kept"))])
    lines += [_table(["docs", "tool", "seconds", "docs/s"] + [f"÷ {base_title.get(b, b)}" for b in cfg["baselines"]]
                     + ["peak MB", "peak MB, all processes", "CPU s", "kept"], table), ""]

    sizes = [int(n) for n in cfg["sizes"]]
    by = {(r["tool"], r["n_docs"]): r for r in rows}
    glance = []
    for b in cfg["baselines"]:
        for t in tools:
            if t == b or (t.startswith("dedup") and b != "dedup"):
                continue
            cells = []
            for n in sizes:
                r = by.get((t, n), {})
                cells.append(_xcell(r.get(f"x_{b}"), r.get(f"mem_x_{b}")) if r.get("status") == "ok" else r.get("status", "-"))
            glance.append([f"{label.get(t, t)}", base_title.get(b, b)] + cells)
    if glance:
        lines += ["**Time ratios** (tool seconds ÷ dedup seconds, same size; in brackets the same for peak memory, all "
                  "processes):", ""]
        lines += [_table(["tool", "÷"] + [f"{n:,} docs" for n in sizes], glance), ""]

    scal = wj.get("scaling", [])
    if scal:
        lines += ["**Scaling**: microseconds per document at each size, and that at the largest size over that at the "
                  "smallest (1.0 = linear; above 1 = slower per document on more documents).", ""]
        table = [[f"`{e['tool']}`"] + [_f(e["us_per_doc"].get(str(n)), 1) for n in sizes]
                 + [_ratio(e.get("per_doc_ratio"))] for e in scal]
        last = f"µs/doc {sizes[-1]:,} ÷ {sizes[0]:,}" if len(sizes) > 1 else "largest ÷ smallest"
        lines += [_table(["tool"] + [f"µs/doc @ {n:,}" for n in sizes] + [last], table), ""]
    return lines


def _startup(st: dict[str, Any]) -> list[str]:
    """``import dedup`` and ``dedup cluster seeds/`` in fresh processes (``benchmarks.startup``)."""
    lines = ["## Start-up", ""]
    if st.get("status") != "ok":
        return lines + [f"Not measured: {st.get('status')} (see Notes and problems).", ""]
    cfg = st["config"]
    modes = cfg["modes"]
    lines.append(_machine_line(st.get("machine"), ("dedup", "numpy")))
    lines.append("")
    lines.append(
        f"Each command in its own fresh process, from the repository root, output to a pipe; {cfg['repeats']} runs per "
        "command and mode, interleaved; median seconds (fastest - slowest). Modes: "
        + "; ".join(f"*{m.replace('_', ' ')}* = {d}" for m, d in modes.items())
        + ". The file cache is not dropped, so a first run here has warm disks (`benchmarks/startup.py`)."
    )
    lines.append("")
    cells: dict[str, dict[str, str]] = defaultdict(dict)
    shown: dict[str, str] = {}
    for r in st["rows"]:
        shown[r["command"]] = r["display"]
        cells[r["command"]][r["mode"]] = (f"{r['seconds']:.3f} ({r['min']:.3f} - {r['max']:.3f})"
                                          if r.get("seconds") is not None else r["status"])
    lines += [_table(["command"] + [m.replace("_", " ") for m in modes],
                     [[f"`{shown[c]}`"] + [cells[c].get(m, "-") for m in modes] for c in cells]), ""]
    return lines


def _spark(sp: dict[str, Any]) -> list[str]:
    """The Spark engine beside the local engine (``benchmarks.spark_bench``)."""
    lines = ["## Spark engine", ""]
    if "error" in sp:
        return lines + [f"Not measured: {sp['error']}", ""]
    from . import spark_bench

    return lines + [spark_bench.to_markdown(sp), ""]


def _flood(fl: dict[str, Any]) -> list[str]:
    """The near-duplicate flood against unrelated documents (``benchmarks.flood``)."""
    from . import flood

    return ["## Near-duplicate flood (one cluster, near-linear)", "", flood.to_markdown(fl), ""]


def _excerpts(ex: dict[str, Any]) -> list[str]:
    """Recall on excerpts and abridgements of real articles (``benchmarks.excerpts``)."""
    from . import excerpts

    return ["## Excerpts and abridgements (containment at length ratios 1:1 to 1:10)", "", excerpts.to_markdown(ex), ""]


def _reuters_pairs(rp: dict[str, Any]) -> list[str]:
    """The hand-labelled Reuters pairs (``benchmarks.reuters_pairs``)."""
    from . import reuters_pairs

    return ["## Labelled Reuters pairs (clean newswire precision)", "", reuters_pairs.to_markdown(rp), ""]


def _index(ix: dict[str, Any]) -> list[str]:
    """The persistent index (``benchmarks.index_bench``)."""
    lines = ["## Persistent index (pre-ingest hook)", ""]
    if "error" in ix:
        return lines + [f"Not measured: {ix['error']}", ""]
    from . import index_bench

    return lines + [index_bench.to_markdown(ix), ""]


def markdown(res: dict[str, Any], plot_files: dict[str, str] | None = None) -> str:
    """The whole report as Markdown; ``plot_files`` maps plot keys to file names."""
    plot_files = plot_files or {}
    lines = _header(res) + _problems(res)
    if "accuracy" in res:
        lines += _accuracy(res["accuracy"], plot_files)
    if "reuters_pairs" in res:
        lines += _reuters_pairs(res["reuters_pairs"])
    if "speed" in res:
        lines += _speed(res["speed"], res["machine"], plot_files)
    for part in ("wholejob", "wholejob_scaled"):
        if part in res:
            lines += _wholejob(res[part])
    if "startup" in res:
        lines += _startup(res["startup"])
    if "flood" in res:
        lines += _flood(res["flood"])
    if "excerpts" in res:
        lines += _excerpts(res["excerpts"])
    if "spark" in res:
        lines += _spark(res["spark"])
    if "index" in res:
        lines += _index(res["index"])
    if plot_files.get("_missing"):
        lines += [f"_Plots not drawn: {plot_files['_missing']}_", ""]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- plots


def _tool_style(tool: str) -> dict[str, Any]:
    if tool.startswith("dedup"):
        return {"linewidth": 2.5, "zorder": 5}
    return {"linewidth": 1.3}


def plots(res: dict[str, Any], out: Path) -> dict[str, str]:
    """Draw the PNG plots into ``out``; returns ``{key: file name}`` (``_missing`` when impossible)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {"_missing": "matplotlib is not installed"}
    files: dict[str, str] = {}
    acc = res.get("accuracy", {})
    defaults = {(r["dataset"], r["tool"]): r for r in acc.get("rows", []) if r.get("status") == "ok"}
    by_ds: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for p in acc.get("sweeps", []):
        if p.get("status") == "ok":
            by_ds[p["dataset"]][p["curve"]].append(p)
    for ds, curves in by_ds.items():
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
        for i, (curve, pts) in enumerate(curves.items()):
            pts = sorted(pts, key=lambda p: p["threshold"])
            color = f"C{i}"
            th = [p["threshold"] for p in pts]
            style = _tool_style(pts[0]["tool"])
            ax1.plot(th, [p["precision"] for p in pts], "-o", color=color, label=f"{curve} precision", markersize=3, **style)
            ax1.plot(th, [p["recall"] for p in pts], "--s", color=color, label=f"{curve} recall", markersize=3, **style)
            ax2.plot([p["recall"] for p in pts], [p["precision"] for p in pts], "-o", color=color, label=curve, markersize=3, **style)
            for p in pts:
                ax2.annotate(f"{p['threshold']:g}", (p["recall"], p["precision"]), fontsize=6, color=color,
                             xytext=(2, 2), textcoords="offset points")
            d = defaults.get((ds, pts[0]["tool"]))
            if d and (pts[0]["tool"] != "dedup" or not curve.endswith("off")):
                ax2.plot([d["recall"]], [d["precision"]], "*", color=color, markersize=13, markeredgecolor="black")
        ax1.set(xlabel="threshold", ylabel="pairwise precision / recall", ylim=(-0.02, 1.02), title=f"{ds}: vs threshold")
        lowest = min(p["precision"] for pts in curves.values() for p in pts)
        ax2.set(xlabel="pairwise recall", ylabel="pairwise precision", xlim=(-0.02, 1.02),
                ylim=(max(-0.02, lowest - 0.05), 1.01),
                title=f"{ds}: precision-recall (star = default setting)")
        ax1.legend(fontsize=6, ncol=2)
        ax2.legend(fontsize=7)
        ax1.grid(alpha=0.3)
        ax2.grid(alpha=0.3)
        fig.tight_layout()
        name = f"pr_{ds}.png"
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        files[f"pr_{ds}"] = name

    sp = res.get("speed", {})
    rows = [r for r in sp.get("rows", []) if r.get("docs_per_s")]
    if rows:
        kinds = [k for k in _KIND_TITLES if any(r["kind"] == k for r in rows)]
        for key, field, ylabel, title in (("throughput", "docs_per_s", "documents / s", "throughput"),
                                          ("per_doc", "us_per_doc", "µs per document", "time per document")):
            fig, axes = plt.subplots(1, len(kinds), figsize=(5 * len(kinds), 4.2), squeeze=False)
            for ax, kind in zip(axes[0], kinds):
                series: dict[str, list[dict[str, Any]]] = defaultdict(list)
                for r in rows:
                    if r["kind"] == kind:
                        series[r["tool"]].append(r)
                for tool, rs in series.items():
                    rs = sorted(rs, key=lambda r: r["n_docs"])
                    ax.plot([r["n_docs"] for r in rs], [r[field] for r in rs], "-o", label=tool, **_tool_style(tool))
                ax.set(xscale="log", yscale="log", xlabel="documents", ylabel=ylabel, title=f"{_KIND_TITLES[kind]}: {title}")
                ax.grid(alpha=0.3, which="both")
                ax.legend(fontsize=7)
            fig.tight_layout()
            fig.savefig(out / f"{key}.png", dpi=110)
            plt.close(fig)
            files[key] = f"{key}.png"
        mem = [r for r in rows if r["kind"] == "cluster" and r.get("peak_mb")]
        if mem:
            fig, ax = plt.subplots(figsize=(6, 4.2))
            series = defaultdict(list)
            for r in mem:
                series[r["tool"]].append(r)
            for tool, rs in series.items():
                rs = sorted(rs, key=lambda r: r["n_docs"])
                ax.plot([r["n_docs"] for r in rs], [r["peak_mb"] for r in rs], "-o", label=tool, **_tool_style(tool))
            ax.set(xscale="log", yscale="log", xlabel="documents", ylabel="peak RSS (MB)", title="whole cluster job: peak memory")
            ax.grid(alpha=0.3, which="both")
            ax.legend(fontsize=7)
            fig.tight_layout()
            fig.savefig(out / "memory.png", dpi=110)
            plt.close(fig)
            files["memory"] = "memory.png"
    return files


def write(res: dict[str, Any], out: Path) -> list[Path]:
    """Write the plots and ``report.md`` into ``out``; returns the paths written."""
    files = plots(res, out)
    (out / "report.md").write_text(markdown(res, files), encoding="utf-8")
    return [out / "report.md"] + [out / f for k, f in files.items() if not k.startswith("_")]
