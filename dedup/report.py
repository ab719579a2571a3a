"""A review report of the duplicates found: one self-contained HTML page to look at before deleting.

People who delete duplicates want to see first which document was kept and what it duplicated.
:func:`write_report` writes one static HTML file (no server, no network: its CSS, JavaScript and data are
inline) that any browser opens:

* the run's parameters and counts, and histograms of the cluster sizes and of the members'
  similarities (inline SVG, drawn by the page; a bar click filters the list);
* the clusters, largest first, searchable (ids and texts) and filterable by size, by similarity and
  by the kind of difference they hold;
* for each cluster its representative and each member side by side, the shared text plain and every
  difference highlighted by its kind -- from the word alignment of the verification
  (:func:`dedup.explain`, :mod:`dedup.align`: ``noise``, ``cut``, ``added``, ``figure``, ``name``,
  ``word``, ``reworded``) -- and why the member matched: its similarity, the estimated and exact
  Jaccard and containment, the part of the rule that decided, and the document whose match placed
  it in the cluster when that is not the representative.

Three sources, one page:

* :func:`write_report` clusters the records here (or takes the :class:`~dedup.Clustering` of them);
* :func:`write_report_from_clusters` reads a finished run (the rows of ``dedup cluster -o out.jsonl``);
* :func:`write_report_from_dropped` reads the ``--report`` of ``dedup filter`` (one row per dropped
  document: the stored document it repeats, the similarity, the reason), with the index for the
  texts of documents admitted in earlier runs.

**Size.** The page holds at most ``max_clusters`` of the largest clusters with duplicates plus a
random sample of ``sample`` of the others (seeded: the same run gives the same page), at most
``max_members`` members per cluster (the least similar first: the ones worth checking), each text cut
after ``max_chars`` characters, and it stops adding clusters once its data reaches ``max_mb``
megabytes (the largest clusters stop at ``1 - SAMPLE_SHARE`` of it, so the sample always gets a
share). The counts and histograms always cover the whole run. The page renders only what is on
screen: clusters are listed 50 at a time as the list scrolls, and a cluster's texts are drawn when it
is opened.

**Escaping.** Texts and ids are data, never markup: the page's data is JSON inside a
``<script type="application/json">`` element with ``<``, ``>`` and ``&`` written as ``\\u`` escapes
(so ``</script>`` in a document cannot end the element), and the page inserts it as text nodes only.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import __version__, formats
from ._report_limits import MAX_CHARS, MAX_CLUSTERS, MAX_MB, MAX_MEMBERS, SAMPLE, SAMPLE_SHARE
from .cluster import Clustering
from .deduplicator import Deduplicator, Params, split_record
from .errors import ConfigError, InputError, Where
from .explanation import explain

__all__ = [
    "MAX_CLUSTERS",
    "SAMPLE",
    "MAX_MEMBERS",
    "MAX_CHARS",
    "MAX_MB",
    "SAMPLE_SHARE",
    "ReportSummary",
    "write_report",
    "write_report_from_clusters",
    "write_report_from_dropped",
    "read_rows",
    "render_html",
    "embed_json",
]

Records = Iterable[Any] | Callable[[], Iterable[Any]]
Output = str | Path | IO[str]

_TEMPLATE_DIR = "report_template"


@dataclass(frozen=True)
class ReportSummary:
    """What a written report holds: ``path`` (None for a stream), its size in ``bytes``, the run's
    ``documents`` (of a filter report: the dropped ones) and its ``clusters`` with duplicates (the stored
    documents that dropped ones repeat), and how many of those (and of their members) the page shows."""

    path: str | None
    bytes: int
    documents: int
    clusters: int
    clusters_shown: int
    members_shown: int


@dataclass
class _Run:
    """One run to report, by *slot* (a document as the run saw it): ``ids[s]``, the slot of each
    slot's representative (``labels``), the similarity that placed it, the slot whose match placed it
    (``matched``, -1 unknown) and, for a filter report, why it was dropped."""

    ids: list[Any]
    labels: np.ndarray
    similarity: np.ndarray
    matched: np.ndarray
    reasons: list[str | None] | None
    source: str
    params: Params
    counts: dict[str, Any]


# -- public entry points ------------------------------------------------------------------------------------------


def write_report(
    records: Records,
    output: Output,
    *,
    clustering: Clustering | None = None,
    n_jobs: int | None = None,
    title: str | None = None,
    max_clusters: int = MAX_CLUSTERS,
    sample: int = SAMPLE,
    max_members: int = MAX_MEMBERS,
    max_chars: int = MAX_CHARS,
    max_mb: float = MAX_MB,
    seed: int = 0,
    **params: Any,
) -> ReportSummary:
    """Cluster ``records`` (``(id, text)`` pairs or mappings with ``id`` and ``text``, as
    :meth:`dedup.Deduplicator.add_many` takes) under ``params`` and write the review page to
    ``output`` (a path, or a text stream).

    ``clustering`` is the :class:`~dedup.Clustering` of these records in this order when it is already
    computed (``params`` must then be the ones it was made with: the page explains each member under
    them). ``records`` may also be a function returning a fresh iterable of them at each call: the texts
    are then read a second time for the page's documents instead of being held for the whole run.

    >>> write_report([("a", "The council approved the budget for road repairs on Tuesday."),
    ...         ("b", "THE COUNCIL approved the budget for road repairs on Tuesday!")], "review.html")  # doctest: +SKIP
    """
    options = _options(max_clusters, sample, max_members, max_chars, max_mb, output)
    engine = Deduplicator(n_jobs=n_jobs, **params)
    held: list[str] | None = None
    ids: list[Any] = []
    if clustering is None:
        if callable(records):
            engine.add_many(records())
            ids = engine.ids
        else:
            held = []
            engine.add_many(_holding(records, ids, held))
        clustering = engine.clusters()
    else:
        held = []
        for doc_id, text in _pairs(records() if callable(records) else records):
            ids.append(doc_id)
            held.append(text)
        if len(clustering) != len(ids):
            raise ConfigError(f"clustering is of {len(clustering)} documents, but {len(ids)} records were given")
    labels = np.asarray(clustering.labels, dtype=np.int64)
    matched = np.asarray(clustering.matched, dtype=np.int64) if clustering.matched is not None else np.full(len(ids), -1)
    run = _Run(ids, labels, np.asarray(clustering.similarity, dtype=np.float64), matched, None,
               "clustered by dedup report", engine.params, _cluster_counts(labels))

    def texts(slots: set[int]) -> dict[int, str]:
        if held is not None:
            return {s: held[s] for s in slots}
        assert callable(records)  # the texts are not held only when they can be read again
        want = {ids[s]: s for s in slots}
        return {want[i]: t for i, t in _pairs(records()) if i in want}

    return _write(run, texts, output, title, seed, options)


def write_report_from_clusters(
    results: Iterable[Mapping[str, Any]] | str | Path,
    records: Iterable[Any],
    output: Output,
    *,
    title: str | None = None,
    max_clusters: int = MAX_CLUSTERS,
    sample: int = SAMPLE,
    max_members: int = MAX_MEMBERS,
    max_chars: int = MAX_CHARS,
    max_mb: float = MAX_MB,
    seed: int = 0,
    **params: Any,
) -> ReportSummary:
    """The review page of a finished run: ``results`` are its rows (``dedup cluster`` output: ``id``,
    ``cluster``, ``similarity``; ``matched`` too when present), or the path of that output in any of
    its formats (JSON Lines, CSV, TSV, Parquet; compressed). ``records`` are the run's documents
    (``(id, text)`` pairs or mappings), read once: only the texts the page shows are kept.
    ``params`` are the run's matching parameters: the output does not record them, and the page
    explains each member under them.
    """
    options = _options(max_clusters, sample, max_members, max_chars, max_mb, output)
    engine = Deduplicator(n_jobs=1, **params)
    source = str(results) if isinstance(results, (str, Path)) else "result rows"
    rows = read_rows(results) if isinstance(results, (str, Path)) else ((row, None) for row in results)
    run, slot = _results_run(rows, source, engine.params)
    keyed = _read_as_strings(results)
    lookup = {(str(i) if keyed else i): s for i, s in slot.items()}

    def texts(slots: set[int]) -> dict[int, str]:
        return _result_texts(records, slots, lookup, keyed, run.ids, source)

    return _write(run, texts, output, title, seed, options)


def _results_run(rows: Iterable[tuple[Mapping[str, Any], int | None]], source: str, params: Params) -> tuple[_Run, dict[Any, int]]:
    """The run that result rows describe (one slot per row, in order), and the slot of each id. Raises
    :class:`InputError` at a row with a bad field, a repeated id or a cluster that names no row."""
    ids: list[Any] = []
    slot: dict[Any, int] = {}
    reps: list[tuple[Any, Any, int | None]] = []
    sims: list[float] = []
    match_ids: list[Any] = []
    for n, (row, line) in enumerate(rows, 1):
        where: Where = {"source": source, "line": line if line is not None else n}
        doc_id = _field(row, "id", where)
        if doc_id in slot:
            raise InputError("duplicate id in the results", doc_id=doc_id, **where)
        slot[doc_id] = len(ids)
        ids.append(doc_id)
        reps.append((_field(row, "cluster", where), doc_id, where["line"]))
        sims.append(_similarity(row.get("similarity", 1.0), where, doc_id))
        match_ids.append(row.get("matched"))
    labels = np.empty(len(ids), dtype=np.int64)
    for k, (rep, doc_id, line) in enumerate(reps):
        if rep not in slot:
            raise InputError(f"cluster {rep!r} is not the id of any row (a representative has a row of its own)",
                             source=source, line=line, doc_id=doc_id)
        labels[k] = slot[rep]
    matched = np.array([slot.get(m, -1) if m is not None else -1 for m in match_ids], dtype=np.int64)
    run = _Run(ids, labels, np.array(sims, dtype=np.float64), matched, None, f"clusters read from {source}",
               params, _cluster_counts(labels))
    return run, slot


def _result_texts(records: Iterable[Any], slots: set[int], lookup: dict[Any, int], keyed: bool, ids: list[Any],
                  source: str) -> dict[int, str]:
    """The texts of ``slots``, read from the run's ``records`` (``lookup``: the slot of each id, by its string
    when ``keyed``). Every id of the results must be among the records: else they are another run's."""
    out: dict[int, str] = {}
    seen: set[int] = set()
    for doc_id, text in _pairs(records):
        s = lookup.get(str(doc_id) if keyed else doc_id)
        if s is None:
            continue
        seen.add(s)
        if s in slots:
            out[s] = text
    missing = [ids[s] for s in range(len(ids)) if s not in seen]
    if missing:
        raise InputError(f"{len(missing)} ids of the results are not in the inputs (the first: {missing[0]!r}); "
                         "pass the inputs of the run that wrote them", source=source)
    return out


def write_report_from_dropped(
    dropped: Iterable[Mapping[str, Any]] | str | Path,
    records: Iterable[Any],
    output: Output,
    *,
    index: Any = None,
    title: str | None = None,
    max_clusters: int = MAX_CLUSTERS,
    sample: int = SAMPLE,
    max_members: int = MAX_MEMBERS,
    max_chars: int = MAX_CHARS,
    max_mb: float = MAX_MB,
    seed: int = 0,
    **params: Any,
) -> ReportSummary:
    """The review page of what ``dedup filter`` dropped: ``dropped`` are the rows of its ``--report``
    (``id``, ``matched``, ``similarity``, ``reason``) or that file's path; ``records`` the filter's
    input (read once; ids may repeat, as the filter reads them). Each stored document that dropped
    ones repeat is a cluster, its representative, with the documents dropped for it as members.

    ``index`` (a :class:`dedup.Index` or its path) supplies the stored documents' texts, as they were
    indexed (normalized), and the matching parameters; without it they come from ``params``, and a
    stored document's text from the input when it is there (admitted in the same run).
    """
    options = _options(max_clusters, sample, max_members, max_chars, max_mb, output)
    source = str(dropped) if isinstance(dropped, (str, Path)) else "dropped rows"
    opened = None
    if isinstance(index, (str, Path)):
        from .index import Index

        opened = index = Index.open(str(index), create=False)
    try:
        engine_params = index.params if index is not None else Deduplicator(n_jobs=1, **params).params
        rows = read_rows(dropped) if isinstance(dropped, (str, Path)) else ((row, None) for row in dropped)
        found = _Dropped.of_rows(_dropped_rows(rows, source), source, engine_params)

        def texts(slots: set[int]) -> dict[int, str]:
            return found.texts(records, slots, index, source)

        return _write(found.run, texts, output, title, seed, options)
    finally:
        if opened is not None:
            opened.close()


def _dropped_rows(rows: Iterable[tuple[Mapping[str, Any], int | None]], source: str) -> list[tuple[Any, Any, float, str | None]]:
    """``(id, matched, similarity, reason)`` of each row of a filter report, checked."""
    out = []
    for n, (row, line) in enumerate(rows, 1):
        where: Where = {"source": source, "line": line if line is not None else n}
        doc_id = _field(row, "id", where)
        kept = _field(row, "matched", where)
        out.append((doc_id, kept, _similarity(row.get("similarity", 1.0), where, doc_id), row.get("reason")))
    return out


@dataclass
class _Dropped:
    """A filter report as a run: its first ``n_kept`` slots are the stored documents that dropped ones
    repeat (each a cluster's representative), then one slot per dropped row. ``member_of[s]`` is the id of
    slot ``s`` and which of that id's drops it is (-1 for a stored document); ``drops`` counts each id's drops."""

    run: _Run
    member_of: list[tuple[Any, int]]
    drops: dict[Any, int]
    n_kept: int

    @classmethod
    def of_rows(cls, member_rows: list[tuple[Any, Any, float, str | None]], source: str, params: Params) -> _Dropped:
        """The run of the rows :func:`_dropped_rows` read."""
        ids: list[Any] = []
        kept_slot: dict[Any, int] = {}
        for _, kept, _, _ in member_rows:
            if kept not in kept_slot:
                kept_slot[kept] = len(ids)
                ids.append(kept)
        labels = list(range(len(ids)))
        sims = [1.0] * len(ids)
        reasons: list[str | None] = [None] * len(ids)
        occurrence: dict[Any, int] = Counter()
        member_of: list[tuple[Any, int]] = [(kept, -1) for kept in ids]  # (id, which drop of that id)
        for doc_id, kept, sim, reason in member_rows:
            member_of.append((doc_id, occurrence[doc_id]))
            occurrence[doc_id] += 1
            ids.append(doc_id)
            labels.append(kept_slot[kept])
            sims.append(sim)
            reasons.append(reason)
        labels_a = np.array(labels, dtype=np.int64)
        counts = {"dropped documents": len(member_rows), "stored documents they repeat": len(kept_slot),
                  **{f"dropped: {r}": c for r, c in sorted(Counter(r or "unknown" for *_, r in member_rows).items())}}
        run = _Run(ids, labels_a, np.array(sims), labels_a.copy(), reasons, f"dropped documents read from {source}",
                   params, counts)
        return cls(run, member_of, dict(occurrence), len(kept_slot))

    def texts(self, records: Iterable[Any], slots: set[int], index: Any, source: str) -> dict[int, str]:
        """The texts of ``slots``: a dropped document's from the filter's input ``records``, a stored one's
        from ``index`` (as indexed), else from the input when it was admitted in the same run."""
        # The k-th of an id's drops is its k-th occurrence among the last `drops` of the input's (the
        # first ones were admitted when the id is new to the index); the stored text is the index's.
        ids, drops = self.run.ids, self.drops
        seen: dict[Any, list[str]] = defaultdict(list)
        want = {ids[s] for s in slots}
        for doc_id, text in _pairs(records):
            if doc_id in want:
                seen[doc_id].append(text)
        out: dict[int, str] = {}
        stored = index.texts([ids[s] for s in slots if s < self.n_kept]) if index is not None else {}
        for s in slots:
            doc_id, k = self.member_of[s]
            got = seen.get(doc_id, [])
            if k >= 0:
                first = len(got) - drops[doc_id]
                if first < 0:
                    raise InputError(f"dropped {drops[doc_id]} times but the inputs hold it {len(got)} times: "
                                     "pass the input that was filtered", source=source, doc_id=doc_id)
                out[s] = got[first + k]
            elif doc_id in stored:
                out[s] = stored[doc_id]
            elif len(got) > drops.get(doc_id, 0):  # admitted in this run: its first occurrence
                out[s] = got[0]
        return out


def read_rows(path: str | Path) -> Iterable[tuple[dict[str, Any], int]]:
    """The rows of a results file (``dedup cluster -o``, ``dedup filter --report``) with their line (CSV, TSV,
    JSON Lines) or row (Parquet) number: JSON Lines, CSV or TSV (by extension; values as written, CSV's as
    strings), or Parquet (by its first bytes); compressed by magic bytes. Raises :class:`InputError` naming the
    file and line of a row that is not an object."""
    name = str(path)
    try:
        raw = open(name, "rb")  # noqa: SIM115 -- closed below
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", source=name) from None
    with raw:
        head = raw.read(formats.HEAD_BYTES)
        raw.seek(0)
        if head.startswith(formats.PARQUET_MAGIC):
            pq = formats.pyarrow_parquet()
            n = 0
            for batch in pq.ParquetFile(raw).iter_batches():
                for row in batch.to_pylist():
                    n += 1
                    yield row, n
            return
        named, compression = formats.split_name(name)
        compression = formats.compression_of(head) or compression
        stream: IO[bytes] = formats.open_compressed_reader(raw, compression) if compression else raw
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
        try:
            if named in ("csv", "tsv"):
                reader = csv.DictReader(text, delimiter="," if named == "csv" else "\t")
                for row in reader:
                    yield row, reader.line_num
                return
            for n, line in enumerate(text, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", source=name, line=n) from None
                if not isinstance(row, dict):
                    raise InputError(f"not a JSON object but {type(row).__name__}", source=name, line=n)
                yield row, n
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid UTF-8 ({exc.reason})", source=name) from None
        except (OSError, EOFError) as exc:
            raise InputError(f"cannot read: {exc}", source=name) from None


# -- reading ------------------------------------------------------------------------------------------------------


def _read_as_strings(results: Any) -> bool:
    """Whether the results' ids were written as strings whatever their type (CSV, TSV)."""
    if not isinstance(results, (str, Path)):
        return False
    return formats.split_name(str(results))[0] in ("csv", "tsv")


def _field(row: Mapping[str, Any], name: str, where: Where) -> Any:
    if name not in row:
        has = ", ".join(map(str, list(row)[:20])) or "no fields"
        raise InputError(f"missing field {name!r}; the row has: {has}", **where)
    value = row[name]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError(f"field {name!r} must be a string or an integer, got {type(value).__name__}", **where)
    return value


def _similarity(value: Any, where: Where, doc_id: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"similarity must be a number, got {value!r}", doc_id=doc_id, **where) from None
    if not 0.0 <= v <= 1.0:
        raise InputError(f"similarity must be between 0 and 1, got {value!r}", doc_id=doc_id, **where)
    return v


def _pairs(records: Iterable[Any]) -> Iterable[tuple[Any, str]]:
    """``(id, text)`` of records given as pairs or as mappings with ``id`` and ``text``."""
    for n, rec in enumerate(records):
        yield split_record(rec, n)


def _holding(records: Iterable[Any], ids: list[Any], texts: list[str]) -> Iterable[tuple[Any, str]]:
    for doc_id, text in _pairs(records):
        ids.append(doc_id)
        texts.append(text)
        yield doc_id, text


def _check_output(output: Any) -> None:
    """Refuse an output that cannot be written before the work, not after it."""
    if isinstance(output, (str, Path)):
        target = Path(output)
        if str(output) == "" or target.is_dir():
            raise ConfigError(f"{output!s}: cannot write the report: {'is a directory' if str(output) else 'the path is empty'}")
        if not target.parent.is_dir():
            raise ConfigError(f"{output}: cannot write the report: no directory {str(target.parent)!r}")
    elif not hasattr(output, "write"):
        raise ConfigError(f"output must be a path or a text stream, got {type(output).__name__}")


def _options(max_clusters: int, sample: int, max_members: int, max_chars: int, max_mb: float, output: Any) -> dict[str, Any]:
    _check_output(output)
    for name, value, low in (("max_clusters", max_clusters, 1), ("sample", sample, 0), ("max_members", max_members, 1),
                             ("max_chars", max_chars, 100)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{name} must be an integer of at least {low}, got {value!r}")
    if isinstance(max_mb, bool) or not isinstance(max_mb, (int, float)) or not max_mb > 0 or not math.isfinite(max_mb):
        raise ConfigError(f"max_mb must be a positive number, got {max_mb!r}")
    return {"max_clusters": max_clusters, "sample": sample, "max_members": max_members, "max_chars": max_chars, "max_mb": max_mb}


# -- what the page shows ---------------------------------------------------------------------------------------------


def _cluster_counts(labels: np.ndarray) -> dict[str, Any]:
    n = len(labels)
    sizes = np.bincount(labels, minlength=n) if n else np.zeros(0, dtype=np.int64)
    clusters = int(np.count_nonzero(sizes))
    dup = sizes[sizes > 1]
    return {
        "documents": n,
        "clusters": clusters,
        "clusters with duplicates": int(dup.size),
        "duplicates (documents beyond one per cluster)": n - clusters,
        "documents without a duplicate": int(np.count_nonzero(sizes == 1)),
        "largest cluster": int(sizes.max()) if n else 0,
    }


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    """Slots of each cluster with duplicates, representative first, largest first (then by representative)."""
    n = len(labels)
    if not n:
        return []
    slots = np.arange(n)
    order = np.lexsort((slots != labels[slots], labels))  # by cluster, its representative first
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    groups = [g for g in np.split(order, bounds) if len(g) > 1]
    groups.sort(key=lambda g: (-len(g), int(g[0])))
    return groups


def _chosen(groups: list[np.ndarray], max_clusters: int, sample: int, seed: int) -> list[tuple[np.ndarray, bool]]:
    """The largest ``max_clusters`` groups, then ``sample`` of the rest drawn at random (flagged True), by size."""
    top = [(g, False) for g in groups[:max_clusters]]
    rest = groups[max_clusters:]
    picked = sorted(random.Random(seed).sample(range(len(rest)), min(sample, len(rest))))
    return top + [(rest[k], True) for k in picked]


def _members(run: _Run, group: np.ndarray, max_members: int) -> list[int]:
    """The members shown: the least similar first (the ones worth checking), at most ``max_members``."""
    rest = group[1:]
    order = np.lexsort((rest, run.similarity[rest]))
    return [int(s) for s in rest[order][:max_members]]


def _histograms(run: _Run, groups: list[np.ndarray]) -> dict[str, Any]:
    sizes = Counter(len(g) for g in groups)
    members = run.labels != np.arange(len(run.labels))
    sims = run.similarity[members]
    edges = np.linspace(0.0, 1.0, 21)
    counts, _ = np.histogram(sims, bins=edges)
    # From the lowest similarity the rule admits (or the lowest seen, if below it) up to 1.
    rule = min(run.params.threshold, run.params.containment_threshold)
    first = min(int(np.flatnonzero(counts)[0]) if counts.any() else 19, int(math.floor(rule * 20 + 1e-9)))
    return {
        "sizes": sorted([int(k), int(v)] for k, v in sizes.items()),
        "similarity": [[round(float(edges[k]), 2), round(float(edges[k + 1]), 2), int(counts[k])] for k in range(first, 20)],
    }


def _clip_spans(spans: list[list[Any]], limits: tuple[int, int]) -> list[list[Any]]:
    """Spans ``[a0, a1, b0, b1, ...]`` (four ints, then what the page shows of the span) cut to the shown part of each text (``limits``); a span wholly
    beyond it on both sides is dropped."""
    out = []
    la, lb = limits
    for s in spans:
        if s[0] >= la and s[2] >= lb and not (s[0] == s[1] == la or s[2] == s[3] == lb):
            continue
        out.append([min(s[0], la), min(s[1], la), min(s[2], lb), min(s[3], lb), *s[4:]])
    return out


class _Page:
    """The page's data, built cluster by cluster: documents are stored once and referred to by number."""

    def __init__(self, run: _Run, texts: dict[int, str], max_chars: int) -> None:
        self.run, self.texts, self.max_chars = run, texts, max_chars
        self.docs: list[dict[str, Any]] = []
        self.doc_of: dict[int, int] = {}
        self.params = run.params.to_dict()

    def doc(self, s: int, prepared: str | None) -> int:
        k = self.doc_of.get(s)
        if k is None:
            raw = self.texts.get(s)
            k = self.doc_of[s] = len(self.docs)
            self.docs.append({"id": _show_id(self.run.ids[s]), "t": None, "n": 0, "raw": _clip(raw, self.max_chars),
                              "rn": len(raw) if raw is not None else 0})
        if prepared is not None and self.docs[k]["t"] is None:
            self.docs[k]["t"] = _clip(prepared, self.max_chars)
            self.docs[k]["n"] = len(prepared)
        return k

    def member(self, rep: int, s: int) -> dict[str, Any]:
        run = self.run
        out: dict[str, Any] = {"s": round(float(run.similarity[s]), 4)}
        if run.reasons is not None:
            out["r"] = run.reasons[s]
        a, b = self.texts.get(rep), self.texts.get(s)
        if a is None or b is None:
            self.doc(rep, None)
            out["d"] = self.doc(s, None)
            out["why"] = ("the text of the kept document is not available (pass the index it is stored in)" if a is None
                          else "the text of this document is not in the inputs")
            return out
        e = explain(a, b, **self.params)
        self.doc(rep, e.text_a)
        out["d"] = self.doc(s, e.text_b)
        out.update(m=e.match, why=e.decided_by, j=round(e.jaccard, 4), c=round(e.containment, 4),
                   ej=round(e.exact_jaccard, 4), ec=round(e.exact_containment, 4))
        al = e.alignment
        if al is not None and al.aligned:
            limits = (min(len(e.text_a), self.max_chars), min(len(e.text_b), self.max_chars))
            # The shared spans are the text between the differences: the page shows them plain, so they are not stored.
            diffs = _clip_spans([[*d.a, *d.b, d.kind, d.counted] for d in al.differences], limits)
            out["al"] = {
                "df": diffs,
                "n": [al.shared_words, al.aligned_words, al.changed_figures, al.shared_figures, al.changed_words,
                      al.changed_names, round(al.noise_rate, 4)],
                "tf": al.reason,
            }
        elif al is not None:
            out["al"] = None
            out["why"] += f" (too long to align: {al.a_words} x {al.b_words} words)"
        via = int(run.matched[s])
        if via >= 0 and via != rep and via != s and run.reasons is None:
            ca = self.texts.get(via)
            v: dict[str, Any] = {"id": _show_id(run.ids[via])}
            if ca is not None:
                ev = explain(ca, b, **self.params)
                v.update(s=round(ev.similarity, 4), why=ev.decided_by, m=ev.match)
            out["via"] = v
        return out


def _show_id(doc_id: Any) -> str:
    return doc_id if isinstance(doc_id, str) else json.dumps(doc_id)


def _clip(text: str | None, n: int) -> str | None:
    return text if text is None or len(text) <= n else text[:n]


def _needed(run: _Run, chosen: list[tuple[np.ndarray, bool]], max_members: int) -> set[int]:
    slots: set[int] = set()
    for group, _ in chosen:
        slots.add(int(group[0]))
        for s in _members(run, group, max_members):
            slots.add(s)
            if run.matched[s] >= 0:
                slots.add(int(run.matched[s]))
    return slots


def _write(run: _Run, texts_of: Callable[[set[int]], dict[int, str]], output: Output, title: str | None, seed: int,
           options: dict[str, Any]) -> ReportSummary:
    groups = _groups(run.labels)
    chosen = _chosen(groups, options["max_clusters"], options["sample"], seed)
    texts = texts_of(_needed(run, chosen, options["max_members"]))
    page = _Page(run, texts, options["max_chars"])
    clusters = _page_clusters(page, chosen, options["max_members"], options["max_mb"])
    shown_top = sum(1 for c in clusters if not c["sampled"])
    data = {
        "meta": {
            "title": title or "dedup review report",
            "version": __version__,
            "created": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "source": run.source,
            "params": page.params,
            "counts": run.counts,
            "mode": "dropped" if run.reasons is not None else "clusters",
            "shown": {
                "clusters": len(clusters), "largest": shown_top, "sampled": len(clusters) - shown_top, "of": len(groups),
                "members": sum(len(c["members"]) for c in clusters),
                "stopped_at_mb": len(clusters) < len(chosen),
                **options, "seed": seed,
            },
        },
        "hist": _histograms(run, groups),
        "docs": page.docs,
        "clusters": clusters,
    }
    text = render_html(data)
    path = _save(text, output)
    documents = run.counts.get("documents", run.counts.get("dropped documents", len(run.ids)))
    return ReportSummary(path, len(text.encode("utf-8")), documents, len(groups), len(clusters),
                         sum(len(c["members"]) for c in clusters))


def _page_clusters(page: _Page, chosen: list[tuple[np.ndarray, bool]], max_members: int, max_mb: float) -> list[dict[str, Any]]:
    """The clusters the page shows, each built on ``page`` (its documents stored there), in the order
    ``chosen``, until their data reaches ``max_mb`` megabytes (at least one is shown)."""
    # The largest clusters get SAMPLE_SHARE of the budget less when a sample follows them: the page always shows both.
    budget = max_mb * 1e6
    top_budget = budget * (1 - SAMPLE_SHARE) if any(sampled for _, sampled in chosen) else budget
    used = 0
    clusters: list[dict[str, Any]] = []
    for group, sampled in chosen:
        if clusters and used >= (budget if sampled else top_budget):
            if sampled:
                break
            continue
        rep = int(group[0])
        before = len(page.docs)
        members = [page.member(rep, s) for s in _members(page.run, group, max_members)]
        c = {"rep": page.doc(rep, None), "size": len(group), "sampled": sampled, "members": members,
             "hidden": len(group) - 1 - len(members)}
        clusters.append(c)
        used += len(json.dumps(c)) + sum(len(json.dumps(d)) for d in page.docs[before:])
    return clusters


def _save(text: str, output: Output) -> str | None:
    """Write the page to ``output``; its path, or None for a stream."""
    if isinstance(output, (str, Path)):
        with open(output, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        return str(output)
    output.write(text)
    return None


# -- the HTML ----------------------------------------------------------------------------------------------------

_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def embed_json(data: Any) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element: ``<``, ``>``, ``&``, the JavaScript line
    separators and lone surrogates (which UTF-8 cannot hold) written as ``\\u`` escapes. No ``</script>``,
    ``<!--`` or ``]]>`` can appear in it, whatever the texts hold."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(data, ensure_ascii=False, allow_nan=False))


def _asset(name: str) -> str:
    return (Path(__file__).parent / _TEMPLATE_DIR / name).read_text(encoding="utf-8")


def render_html(data: dict[str, Any]) -> str:
    """The page for ``data`` (the structure :func:`write_report` builds): the template with its style, script and
    data inline."""
    page = _asset("report.html")
    page = page.replace("/*STYLE*/", _asset("report.css")).replace("/*SCRIPT*/", _asset("report.js"))
    page = page.replace("{{title}}", html.escape(data["meta"]["title"]))
    head, tail = page.split("{{data}}")
    return head + embed_json(data) + tail
