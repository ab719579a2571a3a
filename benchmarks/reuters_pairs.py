"""Precision on clean newswire: every tool on the hand-labelled Reuters-21578 pairs.

``reuters_pairs/pairs.jsonl`` (in the evaluation data folder) holds 270 pairs of
Reuters story ids, each read by a person and labelled ``DUP`` (the same story: a
re-sent copy, a correction, an update, an excerpt), ``DIFF`` (different stories
written from one template: dividend notices of different companies, market
reports of different days) or ``UNSURE``. Each tool clusters all 19,043 stories
that have a body at once (text = title, a blank line, body, as the pairs'
README says), and a pair counts as *joined* when both stories land in one
cluster. A joined DIFF pair is a false merge; a joined DUP pair is a found
duplicate. UNSURE pairs are counted and left out.

Clustering in context matters: a pair can be joined through a chain of other
stories, which is why the whole collection is clustered and not just the
labelled stories. ``--quick`` runs a reduced variant that clusters only the
stories named in the pairs (a smoke test of the code path; its numbers are not
comparable and the report says so).

The tools and the code that runs them are those of :mod:`benchmarks.accuracy`
(:data:`~benchmarks.accuracy.TOOLS`, :func:`~benchmarks.accuracy.run_tool`), so
dedup runs at its current defaults and the peers at their published recipes.
A missing data set is skipped (``status: "missing"``), never a failure.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from . import accuracy, datasets

__all__ = [
    "GOALS",
    "LABELS",
    "LabelledPair",
    "ReutersPairs",
    "load",
    "load_pairs",
    "meets_goals",
    "reuters_corpus",
    "run",
    "score_pairs",
    "to_markdown",
]

PAIRS_FILE = "reuters_pairs/pairs.jsonl"
LABELS: tuple[str, ...] = ("DUP", "DIFF", "UNSURE")
"""Labels a pair may carry; only DUP and DIFF are scored."""

GOALS: dict[str, float] = {"diff_joined_max": 0.05, "dup_joined_min": 0.97}
"""dedup's targets on this set: at most 5 % of DIFF pairs joined, at least 97 % of DUP pairs."""

WARMUP_DOCS = 20
"""Documents each tool clusters once, untimed, before the timed run (imports, numba's compiled kernels)."""


class LabelledPair(NamedTuple):
    """One hand-labelled pair of story ids."""

    a: str
    b: str
    label: str
    why: str = ""


@dataclass
class ReutersPairs:
    """The stories to cluster (a :class:`~benchmarks.datasets.Corpus` without gold labels) and the pairs to score."""

    corpus: datasets.Corpus
    pairs: list[LabelledPair]

    def restricted_to_pairs(self) -> ReutersPairs:
        """Only the stories named in a pair, in corpus order: the quick variant (chains through other stories are lost)."""
        named = {i for p in self.pairs for i in (p.a, p.b)}
        keep = [k for k, i in enumerate(self.corpus.ids) if i in named]
        corpus = datasets.Corpus(
            name=self.corpus.name + "-pairs-only",
            ids=[self.corpus.ids[k] for k in keep],
            texts=[self.corpus.texts[k] for k in keep],
            meta={**self.corpus.meta, "subset_of": len(self.corpus)},
        )
        return ReutersPairs(corpus=corpus, pairs=list(self.pairs))


# --------------------------------------------------------------------------- loading


def load_pairs(data: datasets.PathLike | None = None) -> list[LabelledPair]:
    """The labelled pairs of ``reuters_pairs/pairs.jsonl``, in file order.

    Raises :class:`~benchmarks.datasets.DatasetMissing` when the file is absent and
    ``ValueError`` (naming the line) on a record without ``a``/``b`` or with an unknown label.
    """
    path = datasets._require(PAIRS_FILE, data)
    pairs: list[LabelledPair] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                pairs.append(_parse_pair(line, f"{path}:{n}"))
    return pairs


def _parse_pair(line: str, where: str) -> LabelledPair:
    """One JSONL record as a :class:`LabelledPair`; ids as strings (the corpus's ids are strings)."""
    try:
        rec = json.loads(line)
        pair = LabelledPair(str(rec["a"]), str(rec["b"]), rec["label"], rec.get("why") or "")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{where}: not a pair record ({type(exc).__name__}: {exc})") from None
    if pair.label not in LABELS:
        raise ValueError(f"{where}: label {pair.label!r} is not one of {LABELS}")
    return pair


def reuters_corpus(data: datasets.PathLike | None = None) -> datasets.Corpus:
    """Every Reuters-21578 story with a non-empty body, text ``title + "\\n\\n" + body``.

    Bodies are :func:`~benchmarks.datasets.load_reuters`'s (the ``\\x03`` removed, stripped,
    the ``Reuter`` sign-off kept), the title as in the file; this is the document the
    pairs were labelled on. ``labels`` is ``None``: the gold is pairs, not a clustering.
    """
    stories = datasets.load_reuters(data=data)
    return datasets.Corpus(
        name="reuters",
        ids=[s["id"] for s in stories],
        texts=[s["title"] + "\n\n" + s["body"] for s in stories],
        meta={"source": str(datasets._candidate_dir(data) / "reuters21578")},
    )


def load(data: datasets.PathLike | None = None) -> ReutersPairs:
    """Pairs and stories; :class:`~benchmarks.datasets.DatasetMissing` when either is absent."""
    pairs = load_pairs(data)
    corpus = reuters_corpus(data)
    corpus.meta["pairs_source"] = str(datasets._candidate_dir(data) / PAIRS_FILE)
    return ReutersPairs(corpus=corpus, pairs=pairs)


# --------------------------------------------------------------------------- scoring


def _positions(ids: Sequence[str], n_labels: int) -> dict[str, int]:
    """Index of each id; ``ValueError`` when lengths differ or an id repeats (a pair would be ambiguous)."""
    if len(ids) != n_labels:
        raise ValueError(f"labels and ids differ in length: {n_labels} vs {len(ids)}")
    position: dict[str, int] = {}
    for k, i in enumerate(ids):
        if position.setdefault(i, k) != k:
            raise ValueError(f"id {i!r} appears more than once among the clustered documents")
    return position


def _rate(k: int, n: int) -> float | None:
    return k / n if n else None


def score_pairs(labels: Sequence[Hashable] | np.ndarray, ids: Sequence[str], pairs: Iterable[LabelledPair]) -> dict[str, Any]:
    """How many labelled pairs one clustering joins.

    ``labels[k]`` is the cluster of document ``ids[k]`` (any hashable labels; only
    equality matters). A pair is *joined* when both its stories share a label.
    Returns counts per label (``n_dup``, ``n_diff``, ``n_unsure``; ``n_scored`` =
    DUP + DIFF), joined counts and rates (``dup_joined_rate`` is recall on
    duplicates, ``diff_joined_rate`` the false-join rate; ``None`` without such
    pairs), and the pairs behind the errors: ``false_joins`` (DIFF joined) and
    ``missed_dups`` (DUP apart) as ``[a, b]`` lists. UNSURE pairs are only counted.
    Pure: no I/O. Raises ``ValueError`` naming any pair id not among ``ids``.
    """
    values = labels.tolist() if isinstance(labels, np.ndarray) else list(labels)
    position = _positions(ids, len(values))
    pairs = list(pairs)
    missing = sorted({i for p in pairs for i in (p.a, p.b)} - position.keys())
    if missing:
        shown = ", ".join(map(repr, missing[:10])) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise ValueError(f"{len(missing)} pair id(s) not among the {len(position):,} clustered documents: {shown}")
    unknown = sorted({p.label for p in pairs} - set(LABELS))
    if unknown:
        raise ValueError(f"unknown pair label(s) {unknown}; expected one of {LABELS}")
    counts = Counter(p.label for p in pairs)
    joined = [values[position[p.a]] == values[position[p.b]] for p in pairs]
    false_joins = [[p.a, p.b] for p, j in zip(pairs, joined) if j and p.label == "DIFF"]
    found = sum(1 for p, j in zip(pairs, joined) if j and p.label == "DUP")
    missed = [[p.a, p.b] for p, j in zip(pairs, joined) if not j and p.label == "DUP"]
    return {
        "n_pairs": len(pairs),
        "n_dup": counts["DUP"],
        "n_diff": counts["DIFF"],
        "n_unsure": counts["UNSURE"],
        "n_scored": counts["DUP"] + counts["DIFF"],
        "dup_joined": found,
        "diff_joined": len(false_joins),
        "dup_joined_rate": _rate(found, counts["DUP"]),
        "diff_joined_rate": _rate(len(false_joins), counts["DIFF"]),
        "false_joins": false_joins,
        "missed_dups": missed,
    }


def meets_goals(row: dict[str, Any]) -> dict[str, bool | None]:
    """Whether a scored row reaches :data:`GOALS` (``None`` when a rate is undefined)."""
    diff, dup = row.get("diff_joined_rate"), row.get("dup_joined_rate")
    return {
        "diff_joined": None if diff is None else diff <= GOALS["diff_joined_max"],
        "dup_joined": None if dup is None else dup >= GOALS["dup_joined_min"],
    }


# --------------------------------------------------------------------------- running


def _score_tool(tool: str, bench: ReutersPairs, log: accuracy._Log) -> dict[str, Any]:
    """One tool's row: cluster every story with :func:`accuracy.run_tool` (timed after a warm-up), then score."""
    row: dict[str, Any] = {"tool": tool}
    status = accuracy.tool_status(tool)
    if status != "ok":
        return {**row, "status": status}
    texts = bench.corpus.texts
    try:
        accuracy.run_tool(tool, texts[:WARMUP_DOCS])
        start = time.perf_counter()
        labels = accuracy.run_tool(tool, texts)
        row["seconds"] = time.perf_counter() - start
        row.update(score_pairs(labels, bench.corpus.ids, bench.pairs))
        row["n_clusters"] = len(set(np.asarray(labels).tolist()))
        row["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - recorded and reported, the other tools still run
        row["status"] = "error: " + log.error(f"reuters_pairs / {tool}", exc)
    return row


def _describe(bench: ReutersPairs, quick: bool) -> dict[str, Any]:
    """What was clustered and scored, for the report."""
    stats = datasets.corpus_stats(bench.corpus.texts)
    return {
        "variant": "pairs-only" if quick else "all",
        "n_docs": len(bench.corpus),
        "subset_of": bench.corpus.meta.get("subset_of"),
        "mean_words": round(stats["mean_words"], 1),
        "pair_labels": dict(Counter(p.label for p in bench.pairs)),
        "source": bench.corpus.meta.get("source"),
        "pairs_source": bench.corpus.meta.get("pairs_source"),
    }


def _passthrough(items: Iterable[Any], **_: Any) -> Iterable[Any]:
    return items


def run(
    quick: bool = False,
    tools: Sequence[str] = accuracy.TOOLS,
    progress: Callable[..., Iterable[Any]] = _passthrough,
    data: datasets.PathLike | None = None,
) -> dict[str, Any]:
    """The ``reuters_pairs`` part of the suite: a JSON-ready dict (see :func:`to_markdown`).

    ``quick`` clusters only the stories named in the pairs. Missing data gives
    ``{"status": "missing", "message": ...}`` with a note and no error.
    """
    log = accuracy._Log()
    start = time.perf_counter()
    try:
        bench = load(data)
    except datasets.DatasetMissing as exc:
        log.notes.append(f"data set reuters_pairs skipped: {exc}")
        return {"status": "missing", "message": str(exc), "rows": [], "notes": log.notes, "errors": log.errors}
    if quick:
        bench = bench.restricted_to_pairs()
    rows = [_score_tool(tool, bench, log) for tool in progress(list(tools), desc="reuters pairs", unit="tool")]
    return {
        "status": "ok",
        "config": {"quick": quick, "warmup_docs": WARMUP_DOCS, "goals": GOALS},
        "corpus": _describe(bench, quick),
        "tools": {t: {"status": accuracy.tool_status(t), "description": accuracy.tool_description(t)} for t in tools},
        "rows": rows,
        "notes": log.notes,
        "errors": log.errors,
        "seconds": time.perf_counter() - start,
    }


# --------------------------------------------------------------------------- report


def _joined(row: dict[str, Any], kind: str) -> str:
    """``"3.1% (5 of 163)"`` for DIFF or DUP pairs joined; ``-`` without such pairs."""
    rate, k, n = row.get(f"{kind}_joined_rate"), row.get(f"{kind}_joined"), row.get(f"n_{kind}")
    return "-" if rate is None else f"{rate:.1%} ({k} of {n})"


def _seconds(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}" if x < 10 else f"{x:.1f}"


def _goal_line(rows: list[dict[str, Any]]) -> list[str]:
    """Whether dedup met :data:`GOALS`, and which pairs it got wrong (ids, to read them)."""
    row = next((r for r in rows if r["tool"] == "dedup" and r.get("status") == "ok"), None)
    if row is None:
        return []
    met = meets_goals(row)
    word = {True: "met", False: "**not met**", None: "undefined"}
    lines = [
        f"dedup against its goals: DIFF joined {_joined(row, 'diff')}, goal ≤ {GOALS['diff_joined_max']:.0%}: "
        f"{word[met['diff_joined']]}; DUP joined {_joined(row, 'dup')}, goal ≥ {GOALS['dup_joined_min']:.0%}: "
        f"{word[met['dup_joined']]}.",
        "",
    ]
    for key, what in (("false_joins", "DIFF pairs dedup joined"), ("missed_dups", "DUP pairs dedup kept apart")):
        if row.get(key):
            lines += [f"{what} (story ids): " + ", ".join(f"{a}–{b}" for a, b in row[key]) + ".", ""]
    return lines


def to_markdown(r: dict[str, Any]) -> str:
    """The part as Markdown: what was measured, the table (tool, DIFF joined, DUP joined, n, time), dedup's goals."""
    if r.get("status") != "ok":
        return f"Skipped: {r.get('message')}"
    c = r["corpus"]
    labels = c.get("pair_labels", {})
    lines = [
        f"{c['n_docs']:,} Reuters-21578 stories (title, blank line, body; mean {c['mean_words']} words) clustered "
        "together by each tool; a hand-labelled pair is *joined* when both stories land in one cluster. DIFF = "
        "different stories from one template (a join is a false merge); DUP = the same story (a join is right). "
        f"{labels.get('DUP', 0)} DUP and {labels.get('DIFF', 0)} DIFF pairs scored, {labels.get('UNSURE', 0)} UNSURE "
        "left out. Seconds = one clustering of all the stories, after an untimed "
        f"{r['config'].get('warmup_docs', WARMUP_DOCS)}-document warm-up; tools and parameters as in the accuracy part.",
        "",
    ]
    if c.get("variant") == "pairs-only":
        lines += [f"**Quick variant**: only the {c['n_docs']:,} stories named in a pair were clustered (of "
                  f"{c.get('subset_of') or 0:,}), so chains through other stories are missing; not comparable "
                  "with a full run.", ""]
    table = []
    for row in r["rows"]:
        if row.get("status") != "ok":
            table.append([f"`{row['tool']}`", row.get("status"), "", "", ""])
            continue
        table.append([f"`{row['tool']}`", _joined(row, "diff"), _joined(row, "dup"), f"{row['n_scored']:,}", _seconds(row.get("seconds"))])
    header = ["tool", "DIFF joined % (lower is better)", "DUP joined % (higher is better)", "n (DUP + DIFF)", "seconds"]
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in table]
    lines.append("")
    return "\n".join(lines + _goal_line(r["rows"])).rstrip()
