"""Accuracy part of the benchmark suite: every tool on every labelled data set.

* Clustering data sets (seeds, impresso, impresso clusters of 2-10, synthetic reprints):
  ARI and pairwise precision / recall / F1 of each tool's labels against the gold ones.
* MSRP sentence pairs: each tool's similarity score per pair, ROC-AUC on test, the
  threshold maximising F1 tuned on train only, test P/R/F1 at that threshold and at
  the tool's own default decision rule.
* Threshold sweeps on impresso and the synthetic reprints: pairwise P/R/F1 of dedup
  (threshold swept with containment off and on) and of the peers (their threshold).
* A label audit of impresso (:mod:`benchmarks.label_audit`): how much of passim's
  silver clustering a text-similarity method can reach at all.

Tools are named as in :data:`TOOLS`; ``dedup`` always runs with ``dedup.Params()``
defaults, read when the run starts. Every run is wrapped so that one failure is
recorded (and reported) instead of stopping the suite.
"""

from __future__ import annotations

import importlib.util
import random
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import datasets, label_audit, metrics, peers, synth

__all__ = [
    "PEER_PARAMS",
    "TOOLS",
    "AccuracyConfig",
    "dedup_params",
    "run",
    "tool_description",
    "tool_status",
]

TOOLS: tuple[str, ...] = ("dedup", "datasketch", "textdedup_newscopy", "rensa_lsh", "rensa_dedup", "exact_hash")
"""Tools compared, in report order."""

PEER_PARAMS: dict[str, dict[str, Any]] = {
    "datasketch": {"ngram": 5, "num_perm": 128, "threshold": 0.8, "tokens": "word"},
    "textdedup_newscopy": {"ngram": 2, "num_perm": 256, "threshold": 0.45},
    "rensa_lsh": {"ngram": 5, "num_perm": 128, "threshold": 0.8, "tokens": "word"},
    "rensa_dedup": {"ngram": 5, "num_perm": 128, "threshold": 0.8, "tokens": "word"},
    "exact_hash": {},
}
"""The peers' published recipes (passed explicitly, not relying on function defaults)."""

_REQUIRES: dict[str, tuple[str, ...]] = {
    "dedup": ("dedup",),
    "datasketch": ("datasketch",),
    "textdedup_newscopy": ("datasketch",),
    "rensa_lsh": ("rensa",),
    "rensa_dedup": ("rensa",),
    "exact_hash": (),
}


def tool_status(tool: str) -> str:
    """``"ok"`` or ``"not installed (<module>)"`` for a tool of :data:`TOOLS`."""
    missing = [m for m in _REQUIRES[tool] if importlib.util.find_spec(m) is None]
    return f"not installed ({', '.join(missing)})" if missing else "ok"


def dedup_params() -> dict[str, Any]:
    """The library's current default parameters (read at call time, never hard-coded)."""
    import dedup

    return dedup.Params().to_dict()


def tool_description(tool: str) -> str:
    """One line saying what a tool runs, with its parameters."""
    if tool == "dedup":
        return "dedup defaults: " + ", ".join(f"{k}={v}" for k, v in dedup_params().items())
    p = PEER_PARAMS[tool]
    return {
        "datasketch": f"datasketch MinHash+MinHashLSH, word {p.get('ngram')}-grams, {p.get('num_perm')} perms, threshold {p.get('threshold')}",
        "textdedup_newscopy": f"text-dedup NEWS-COPY, word {p.get('ngram')}-grams, {p.get('num_perm')} perms, threshold {p.get('threshold')}",
        "rensa_lsh": f"rensa RMinHashLSH, word {p.get('ngram')}-grams, {p.get('num_perm')} perms, threshold {p.get('threshold')}",
        "rensa_dedup": f"rensa RMinHashDeduplicator, word {p.get('ngram')}-grams, {p.get('num_perm')} perms, threshold {p.get('threshold')}",
        "exact_hash": "exact MD5 after lowercasing and collapsing whitespace",
    }[tool]


@dataclass
class AccuracyConfig:
    """What the accuracy part runs. ``quick`` shrinks the corpora; see :mod:`benchmarks.run`."""

    quick: bool = False
    impresso_docs: int | None = None  # subset of whole clusters, None = all
    synthetic_docs: int | None = None  # subset of whole clusters, None = all
    sweep_thresholds: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    sweep_datasets: tuple[str, ...] = ("impresso", "synthetic")
    seed: int = 0
    tools: tuple[str, ...] = TOOLS

    @classmethod
    def quick_config(cls) -> AccuracyConfig:
        return cls(quick=True, impresso_docs=1_500, synthetic_docs=1_000, sweep_thresholds=(0.3, 0.5, 0.8))


@dataclass
class _Log:
    """Notes and errors collected during a run."""

    notes: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def error(self, where: str, exc: BaseException) -> str:
        msg = f"{type(exc).__name__}: {exc}"
        self.errors.append({"where": where, "error": msg, "traceback": traceback.format_exc()})
        return msg


# --------------------------------------------------------------------------- data sets


def _subset_by_cluster(corpus: datasets.Corpus, n_docs: int, seed: int, keep: set[Any] | None = None) -> datasets.Corpus:
    """Whole clusters of ``corpus`` drawn at random until about ``n_docs`` items (or only
    the clusters in ``keep`` when given), in the corpus's order."""
    assert corpus.labels is not None
    if keep is None:
        sizes = Counter(corpus.labels)
        order = sorted(sizes, key=str)
        random.Random(seed).shuffle(order)
        keep, total = set(), 0
        for label in order:
            if total >= n_docs:
                break
            keep.add(label)
            total += sizes[label]
    idx = [i for i, label in enumerate(corpus.labels) if label in keep]
    per_item = {k: [v[i] for i in idx] for k, v in corpus.meta.items() if isinstance(v, list) and len(v) == len(corpus)}
    return datasets.Corpus(
        name=corpus.name,
        ids=[corpus.ids[i] for i in idx],
        texts=[corpus.texts[i] for i in idx],
        labels=[corpus.labels[i] for i in idx],
        meta={"source": corpus.meta.get("source"), "subset_of": len(corpus), "clusters_kept": len(keep), **per_item},
    )


def load_corpora(cfg: AccuracyConfig) -> dict[str, datasets.Corpus | str]:
    """The clustering data sets by name; a missing one maps to its DatasetMissing message."""
    out: dict[str, datasets.Corpus | str] = {}
    try:
        out["seeds"] = datasets.load_seeds()
    except datasets.DatasetMissing as exc:
        out["seeds"] = str(exc)
    try:
        imp = datasets.load_impresso("all")
        imp210 = datasets.load_impresso("2-10")
        # From the whole file: a split span with a cluster left out of a subset still counts.
        unsplit = label_audit.unsplit_labels(imp)
        if cfg.impresso_docs is not None and cfg.impresso_docs < len(imp):
            imp = _subset_by_cluster(imp, cfg.impresso_docs, cfg.seed)
            imp210 = _subset_by_cluster(imp210, 0, cfg.seed, keep=set(imp.labels or []))
        out["impresso"], out["impresso-2-10"] = imp, imp210
        for name, corpus in (("impresso-unsplit", imp), ("impresso-2-10-unsplit", imp210)):
            out[name] = replace(_subset_by_cluster(corpus, 0, cfg.seed, keep=unsplit), name=name)
    except datasets.DatasetMissing as exc:
        for name in ("impresso", "impresso-2-10", "impresso-unsplit", "impresso-2-10-unsplit"):
            out[name] = str(exc)
    try:
        syn = synth.default_synthetic_corpus(seed=cfg.seed)
        if cfg.synthetic_docs is not None and cfg.synthetic_docs < len(syn):
            syn = _subset_by_cluster(syn, cfg.synthetic_docs, cfg.seed)
        out["synthetic"] = syn
    except datasets.DatasetMissing as exc:
        out["synthetic"] = str(exc)
    return out


def describe_corpus(corpus: datasets.Corpus) -> dict[str, Any]:
    """Size facts about a labelled corpus, for the report."""
    assert corpus.labels is not None
    sizes = Counter(corpus.labels)
    stats = datasets.corpus_stats(corpus.texts)
    return {
        "status": "ok",
        "n_docs": len(corpus),
        "n_clusters": len(sizes),
        "n_multi_clusters": sum(1 for s in sizes.values() if s > 1),
        "true_pairs": sum(s * (s - 1) // 2 for s in sizes.values()),
        "mean_words": round(stats["mean_words"], 1),
        "subset_of": corpus.meta.get("subset_of"),
    }


# --------------------------------------------------------------------------- running tools


def run_dedup(texts: Sequence[str], **params: Any) -> np.ndarray:
    """Labels from ``dedup.Deduplicator(**params)`` (defaults when no params)."""
    import dedup

    d = dedup.Deduplicator(**params)
    d.add_many(enumerate(texts))
    return np.asarray(d.clusters().labels)


def run_tool(tool: str, texts: Sequence[str], **override: Any) -> np.ndarray:
    """Labels of one tool on ``texts``; ``override`` changes parameters (e.g. threshold)."""
    if tool == "dedup":
        return run_dedup(texts, **override)
    return peers.PEERS[tool](texts, **{**PEER_PARAMS[tool], **override}).labels


def score_labels(true: Sequence[Any], pred: Sequence[Any]) -> dict[str, float]:
    """ARI and pairwise P/R/F1 plus the number of predicted clusters."""
    p, r, f = metrics.pairwise_prf(true, pred)
    return {
        "ari": metrics.adjusted_rand_index(true, pred),
        "precision": p,
        "recall": r,
        "f1": f,
        "pred_clusters": len(set(np.asarray(pred).tolist())),
    }


def _clustering_rows(
    corpora: dict[str, datasets.Corpus | str], cfg: AccuracyConfig, log: _Log, progress: Callable[..., Any]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    jobs = [(name, tool) for name, c in corpora.items() if not isinstance(c, str) for tool in cfg.tools]
    for name, tool in progress(jobs, desc="accuracy", unit="run"):
        corpus = corpora[name]
        assert not isinstance(corpus, str) and corpus.labels is not None
        row: dict[str, Any] = {"dataset": name, "tool": tool}
        status = tool_status(tool)
        if status != "ok":
            rows.append({**row, "status": status})
            continue
        try:
            start = time.perf_counter()
            labels = run_tool(tool, corpus.texts)
            row["seconds"] = time.perf_counter() - start
            row.update(score_labels(corpus.labels, labels))
            row["status"] = "ok"
        except Exception as exc:  # noqa: BLE001 - recorded and reported
            row["status"] = "error: " + log.error(f"accuracy {name} / {tool}", exc)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- MSRP


def _pair_scores_dedup(s1: Sequence[str], s2: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """dedup's Jaccard and max(Jaccard, containment) per pair, and its default decision."""
    import dedup
    from dedup.cluster import pair_similarity

    params = dedup.Params()
    d = dedup.Deduplicator()
    sigs, sizes = d.sign([t for pair in zip(s1, s2, strict=True) for t in pair])
    n = len(s1)
    pairs = np.stack((np.arange(0, 2 * n, 2), np.arange(1, 2 * n, 2)), axis=1)
    jac, cont = pair_similarity(sigs, sizes, pairs)
    decision = (jac >= params.threshold) | (cont >= params.containment_threshold)
    return {
        "dedup (Jaccard)": (jac, jac >= params.threshold),
        "dedup (max of Jaccard, containment)": (np.maximum(jac, cont), decision),
    }


def _pair_scores_peer(tool: str, s1: Sequence[str], s2: Sequence[str]) -> tuple[np.ndarray, float]:
    """Estimated Jaccard per pair from the peer's own shingles and MinHash, and its threshold."""
    texts = [t for pair in zip(s1, s2, strict=True) for t in pair]
    p = PEER_PARAMS["rensa_lsh" if tool == "rensa" else tool]
    if tool == "exact_hash":
        norm = [" ".join(t.lower().split()) for t in texts]
        return np.array([float(norm[i] == norm[i + 1]) for i in range(0, len(norm), 2)]), 1.0
    if tool == "datasketch":
        from datasketch import MinHash

        data = [[s.encode("utf-8") for s in peers.shingles(t, p["ngram"], p["tokens"])] for t in texts]
        mhs = MinHash.bulk(data, num_perm=p["num_perm"], seed=1)
        return np.array([mhs[i].jaccard(mhs[i + 1]) for i in range(0, len(mhs), 2)]), p["threshold"]
    if tool == "textdedup_newscopy":
        from datasketch import MinHash

        data = [peers.textdedup_shingles(peers.news_copy_preprocessing(t), p["ngram"]) for t in texts]
        mhs = MinHash.bulk(
            data,
            num_perm=p["num_perm"],
            seed=42,
            scheme="legacy",
            permutations=peers._textdedup_permutations(p["num_perm"], 42),
            hashfunc=peers._xxh3_32(42),
        )
        return np.array([mhs[i].jaccard(mhs[i + 1]) for i in range(0, len(mhs), 2)]), p["threshold"]
    if tool == "rensa":
        import rensa

        sets = [peers.shingles(t, p["ngram"], p["tokens"]) for t in texts]
        mhs = rensa.RMinHash.from_token_sets(sets, p["num_perm"], 42)
        return np.array([mhs[i].jaccard(mhs[i + 1]) for i in range(0, len(mhs), 2)]), p["threshold"]
    raise ValueError(f"no MSRP scorer for {tool!r}")


def _msrp_row(name: str, train: tuple[np.ndarray, np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[str, Any]:
    """Metrics of one scorer: ``(scores, default decisions, labels)`` on train and test."""
    tr_s, _, tr_y = train
    te_s, te_default, te_y = test
    thr, train_f1 = metrics.best_threshold(tr_s, tr_y)
    p, r, f = metrics.prf_at_threshold(te_s, te_y, thr)
    dp, dr, df = metrics.prf_at_threshold(te_default.astype(float), te_y, 0.5)
    return {
        "tool": name,
        "status": "ok",
        "auc": metrics.roc_auc(te_s, te_y),
        "tuned_threshold": thr,
        "train_f1": train_f1,
        "precision": p,
        "recall": r,
        "f1": f,
        "default_precision": dp,
        "default_recall": dr,
        "default_f1": df,
    }


def run_msrp(cfg: AccuracyConfig, log: _Log) -> dict[str, Any]:
    """MSRP: per-scorer AUC on test, F1-tuned threshold on train, test P/R/F1."""
    try:
        train = datasets.load_msrp("train")
        test = datasets.load_msrp("test")
    except datasets.DatasetMissing as exc:
        return {"status": "missing", "message": str(exc), "rows": []}
    splits = {}
    for split, pairs in (("train", train), ("test", test)):
        s1, s2, y = zip(*pairs, strict=True)
        splits[split] = (list(s1), list(s2), np.array(y, dtype=int))
    rows: list[dict[str, Any]] = []
    scorers = [t for t in cfg.tools if t not in ("rensa_lsh", "rensa_dedup")]
    if any(t.startswith("rensa") for t in cfg.tools):
        scorers.append("rensa")
    for tool in scorers:
        status = tool_status("rensa_lsh" if tool == "rensa" else tool)
        if status != "ok":
            rows.append({"tool": tool, "status": status})
            continue
        try:
            if tool == "dedup":
                tr = _pair_scores_dedup(*splits["train"][:2])
                te = _pair_scores_dedup(*splits["test"][:2])
                for name in tr:
                    rows.append(_msrp_row(
                        name,
                        (tr[name][0], tr[name][1], splits["train"][2]),
                        (te[name][0], te[name][1], splits["test"][2]),
                    ))
            else:
                tr_s, thr = _pair_scores_peer(tool, *splits["train"][:2])
                te_s, _ = _pair_scores_peer(tool, *splits["test"][:2])
                rows.append(_msrp_row(tool, (tr_s, tr_s >= thr, splits["train"][2]), (te_s, te_s >= thr, splits["test"][2])))
        except Exception as exc:  # noqa: BLE001
            rows.append({"tool": tool, "status": "error: " + log.error(f"msrp / {tool}", exc)})
    return {
        "status": "ok",
        "n_train": len(train),
        "n_test": len(test),
        "positive_rate_test": float(splits["test"][2].mean()),
        "rows": rows,
    }


# --------------------------------------------------------------------------- sweeps


def sweep_curves(cfg: AccuracyConfig, params: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(curve name, tool, parameter override without threshold)`` of each swept curve."""
    curves: list[tuple[str, str, dict[str, Any]]] = []
    if "dedup" in cfg.tools:
        curves.append(("dedup, containment off", "dedup", {"containment_threshold": 1.0}))
        c = params["containment_threshold"]
        if c < 1.0:
            curves.append((f"dedup, containment >= {c:g}", "dedup", {}))
    for tool in cfg.tools:
        if tool not in ("dedup", "exact_hash"):
            curves.append((tool, tool, {}))
    return curves


def run_sweeps(
    corpora: dict[str, datasets.Corpus | str], cfg: AccuracyConfig, log: _Log, progress: Callable[..., Any]
) -> list[dict[str, Any]]:
    """Pairwise P/R/F1 per threshold for each curve of :func:`sweep_curves`."""
    params = dedup_params()
    points: list[dict[str, Any]] = []
    jobs = [
        (name, curve, tool, override, t)
        for name in cfg.sweep_datasets
        if not isinstance(corpora.get(name, "absent"), str)
        for curve, tool, override in sweep_curves(cfg, params)
        if tool_status(tool) == "ok"
        for t in cfg.sweep_thresholds
    ]
    for name, curve, tool, override, t in progress(jobs, desc="threshold sweeps", unit="run"):
        corpus = corpora[name]
        assert not isinstance(corpus, str)
        point: dict[str, Any] = {"dataset": name, "curve": curve, "tool": tool, "threshold": t}
        try:
            labels = run_tool(tool, corpus.texts, threshold=t, **override)
            point.update(score_labels(corpus.labels or [], labels))
            point["status"] = "ok"
        except Exception as exc:  # noqa: BLE001
            point["status"] = "error: " + log.error(f"sweep {name} / {curve} @ {t}", exc)
        points.append(point)
    return points


def run_label_audits(corpora: dict[str, datasets.Corpus | str], cfg: AccuracyConfig, log: _Log) -> list[dict[str, Any]]:
    """:func:`label_audit.audit` of dedup's default labels on each impresso set present."""
    out: list[dict[str, Any]] = []
    if "dedup" not in cfg.tools or tool_status("dedup") != "ok":
        return out
    unsplit: set[Any] | None = None  # of the whole file, read once
    for name in ("impresso", "impresso-2-10"):
        corpus = corpora.get(name)
        if corpus is None or isinstance(corpus, str):
            continue
        try:
            if unsplit is None:
                unsplit = label_audit.unsplit_labels(datasets.load_impresso("all"))
            out.append({**label_audit.audit(corpus, run_dedup(corpus.texts), unsplit=unsplit), "status": "ok"})
        except Exception as exc:  # noqa: BLE001 - recorded and reported
            out.append({"dataset": name, "status": "error: " + log.error(f"label audit {name}", exc)})
    return out


# --------------------------------------------------------------------------- entry point


def _passthrough(items: Iterable[Any], **_: Any) -> Iterable[Any]:
    return items


def run(cfg: AccuracyConfig, progress: Callable[..., Any] = _passthrough) -> dict[str, Any]:
    """The whole accuracy part; a JSON-ready dict (see :mod:`benchmarks.report`)."""
    log = _Log()
    start = time.perf_counter()
    corpora = load_corpora(cfg)
    info: dict[str, Any] = {}
    for name, c in corpora.items():
        if isinstance(c, str):
            info[name] = {"status": "missing", "message": c}
            log.notes.append(f"data set {name} skipped: {c}")
        else:
            info[name] = describe_corpus(c)
    rows = _clustering_rows(corpora, cfg, log, progress)
    msrp = run_msrp(cfg, log)
    if msrp["status"] != "ok":
        log.notes.append(f"data set msrp skipped: {msrp['message']}")
    sweeps = run_sweeps(corpora, cfg, log, progress)
    audits = run_label_audits(corpora, cfg, log)
    return {
        "config": {
            "quick": cfg.quick,
            "impresso_docs": cfg.impresso_docs,
            "synthetic_docs": cfg.synthetic_docs,
            "sweep_thresholds": list(cfg.sweep_thresholds),
            "seed": cfg.seed,
        },
        "tools": {t: {"status": tool_status(t), "description": tool_description(t)} for t in cfg.tools},
        "datasets": info,
        "rows": rows,
        "msrp": msrp,
        "sweeps": sweeps,
        "label_audit": audits,
        "notes": log.notes,
        "errors": log.errors,
        "seconds": time.perf_counter() - start,
    }
