"""Loaders for the evaluation corpora, and a scalable corpus for speed runs.

The real data is not part of the repository. It lives in ``<repo root>/../shared/data``
(formats, provenance and licenses in that folder's ``README.md``); the environment
variable ``DEDUP_DATA_DIR`` or the ``data`` argument of every loader points elsewhere.
A loader whose files are absent raises :class:`DatasetMissing`, so a benchmark runner
can print the path and skip instead of failing on a clean clone.

Loaders:

* :func:`load_seeds` -- the five seed articles in ``<repo>/seeds/`` (labelled).
* :func:`load_impresso` -- French OCR passages of 1900 in passim reprint clusters.
* :func:`load_msrp` -- MSRP sentence pairs, for threshold tuning (train) and testing.
* :func:`load_reuters` -- Reuters-21578 stories that have a body.
* :func:`load_viraltexts` -- 2,000 unrelated 19th-century OCR passages.

:func:`scaled_corpus` and :func:`news_corpus` build ``n`` documents of real text for timing
runs, and :func:`corpus_stats` summarises any list of texts.

This module must not import the ``dedup`` package.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import random
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "REPO_ROOT",
    "Corpus",
    "DatasetMissing",
    "corpus_stats",
    "data_dir",
    "load_impresso",
    "load_msrp",
    "load_reuters",
    "load_seeds",
    "load_viraltexts",
    "news_corpus",
    "scaled_corpus",
    "strip_reuters_signoff",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
ENV_VAR = "DEDUP_DATA_DIR"

PathLike = str | os.PathLike[str]


class DatasetMissing(FileNotFoundError):
    """A data set's files are not where they were looked for; the message names the path."""


@dataclass
class Corpus:
    """Texts with their ids and, where known, gold cluster labels.

    ``labels[i]`` is the cluster of ``texts[i]``: items sharing a label are duplicates,
    and ``None`` means the corpus has no gold clustering. ``meta`` holds provenance
    (source path, subset, seed, ...) and optional per-item lists aligned with ``texts``.
    """

    name: str
    ids: list[str]
    texts: list[str]
    labels: list[Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)


# --------------------------------------------------------------------------- paths


def _candidate_dir(path: PathLike | None = None) -> Path:
    """Where the data is looked for: ``path``, else ``$DEDUP_DATA_DIR``, else ``<repo>/../shared/data``."""
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return REPO_ROOT.parent / "shared" / "data"


def data_dir(path: PathLike | None = None) -> Path | None:
    """The evaluation data folder, or ``None`` when it does not exist.

    Resolution order: the ``path`` argument, the ``DEDUP_DATA_DIR`` environment
    variable, then ``<repo root>/../shared/data``.
    """
    candidate = _candidate_dir(path)
    return candidate if candidate.is_dir() else None


def _require(relative: str, data: PathLike | None) -> Path:
    """``<data dir>/relative`` if it exists; otherwise raise :class:`DatasetMissing` naming it."""
    target = _candidate_dir(data) / relative
    if not target.exists():
        raise DatasetMissing(
            f"data set not found: {target} (set {ENV_VAR} or pass data=... to point elsewhere)"
        )
    return target


# --------------------------------------------------------------------------- seeds

# Seed 000 and 001 are the same CNN article (000 with mojibake and broken lines);
# 002, 003 and 004 are different articles on the same story.
_SEED_LABELS = {"000": 0, "001": 0, "002": 1, "003": 2, "004": 3}


def load_seeds(repo_root: PathLike | None = None) -> Corpus:
    """The five seed articles in ``<repo_root>/seeds/*.txt`` (id = file stem).

    Labels come from the project's own description of the seeds: 000 and 001 are one
    cluster, 002, 003 and 004 are each alone (same story, different articles).
    """
    folder = Path(repo_root if repo_root is not None else REPO_ROOT) / "seeds"
    paths = sorted(folder.glob("*.txt"))
    if not paths:
        raise DatasetMissing(f"no seed articles (*.txt) in {folder}")
    unknown = [p.name for p in paths if p.stem[:3] not in _SEED_LABELS]
    if unknown:
        raise ValueError(f"unexpected seed files in {folder}: {unknown}")
    return Corpus(
        name="seeds",
        ids=[p.stem for p in paths],
        texts=[p.read_text(encoding="utf-8") for p in paths],
        labels=[_SEED_LABELS[p.stem[:3]] for p in paths],
        meta={"source": str(folder)},
    )


# --------------------------------------------------------------------------- impresso


def load_impresso(subset: Literal["all", "2-10"] = "all", data: PathLike | None = None) -> Corpus:
    """Impresso passages (Swiss French OCR, 1900) with passim reprint clusters as labels.

    ``subset="2-10"`` keeps the passages whose cluster has 2 to 10 members; larger
    clusters are mostly boilerplate (obituaries, ads, tables) and are reported apart.

    Cluster size is the number of passages with that ``cluster`` value *counted in the
    file*. The file's own ``cluster_size`` field agrees with that count for every
    passage of the current file (checked on load: a mismatch raises ``ValueError``), so
    the subset is the same either way; counting is used because it is what the labels
    the metrics see actually contain. Note the file holds 12,511 passages in 3,928
    clusters (2-10: 9,302 passages in 3,803 clusters), a little fewer than the 12,568 /
    3,972 stated in the data README, and has no ``passage_uid`` field.

    ``meta`` carries per-passage lists ``series``, ``date``, ``doc_id``, ``begin`` and
    ``end`` (the passage's character span in its page).
    """
    if subset not in ("all", "2-10"):
        raise ValueError(f"subset must be 'all' or '2-10', not {subset!r}")
    path = _require("impresso_dev/passages.jsonl", data)
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    counts = Counter(row["cluster"] for row in rows)
    mismatched = sum(1 for row in rows if row["cluster_size"] != counts[row["cluster"]])
    if mismatched:
        raise ValueError(f"{path}: {mismatched} passages have cluster_size != counted members")
    if subset == "2-10":
        rows = [row for row in rows if 2 <= counts[row["cluster"]] <= 10]
    return Corpus(
        name="impresso" if subset == "all" else "impresso-2-10",
        ids=[row["id"] for row in rows],
        texts=[row["text"] for row in rows],
        labels=[row["cluster"] for row in rows],
        meta={
            "source": str(path),
            "subset": subset,
            "series": [row["series"] for row in rows],
            "date": [row["date"] for row in rows],
            "doc_id": [row["doc_id"] for row in rows],
            "begin": [row["begin"] for row in rows],
            "end": [row["end"] for row in rows],
        },
    )


# --------------------------------------------------------------------------- MSRP


def load_msrp(
    split: Literal["train", "test"] = "train", data: PathLike | None = None
) -> list[tuple[str, str, int]]:
    """MSRP sentence pairs ``(s1, s2, label)``; label 1 = same meaning (human judgement).

    Tune thresholds on ``train`` (4,076 pairs) only; ``test`` has 1,725. The files start
    with a UTF-8 byte-order mark and contain bare quote characters, hence ``utf-8-sig``
    and ``csv.QUOTE_NONE``.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    path = _require(f"msrp/msr_paraphrase_{split}.txt", data)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if header[:1] != ["Quality"] or len(header) != 5:
            raise ValueError(f"{path}: unexpected header {header}")
        return [(s1, s2, int(quality)) for quality, _id1, _id2, s1, s2 in reader]


# --------------------------------------------------------------------------- Reuters

_SIGNOFF = re.compile(r"\s*\bReuter\s*$", re.IGNORECASE)


def strip_reuters_signoff(body: str) -> str:
    """Drop the trailing ``Reuter``/``REUTER`` sign-off line shared by most Reuters bodies."""
    return _SIGNOFF.sub("", body)


def load_reuters(limit: int | None = None, data: PathLike | None = None) -> list[dict[str, Any]]:
    """Reuters-21578 stories with a body, in file order: dicts ``id, title, body, topics``.

    ``topics`` is a list (empty when the story has none). The end-of-text control
    character (``\\x03``) ending every body is removed; the ``Reuter`` sign-off is kept
    (see :func:`strip_reuters_signoff`). ``limit`` stops after that many stories.
    """
    folder = _require("reuters21578", data)
    paths = sorted(folder.glob("reuters-*.json"))
    if not paths:
        raise DatasetMissing(f"no reuters-*.json files in {folder}")
    out: list[dict[str, Any]] = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            records = json.load(fh)
        for rec in records:
            body = (rec.get("body") or "").replace("\x03", "").strip()
            if not body:
                continue
            out.append(
                {
                    "id": str(rec["id"]),
                    "title": rec.get("title") or "",
                    "body": body,
                    "topics": list(rec.get("topics") or []),
                }
            )
            if limit is not None and len(out) >= limit:
                return out
    return out


# --------------------------------------------------------------------------- ViralTexts


def load_viraltexts(data: PathLike | None = None) -> Corpus:
    """The 2,000 ViralTexts passages (US newspapers 1839-1899, raw OCR).

    Each passage is one copy of a different passim reprint cluster, so the labels (the
    file's ``cluster`` values) are all distinct: a background of non-duplicates. The
    page ``id`` is not unique (four pages give two passages each), so an item's id is
    ``<page id>:<begin>-<end>``. Caveat: on page ``/ca/ohi_himilco_ver01/sn85025759/
    1878-10-17/ed-1/seq-1`` passage 9409-9885 lies inside passage 8286-9885 (a
    containment, not a near-duplicate by Jaccard). ``meta`` has per-item ``date``
    and ``source`` (newspaper title).
    """
    folder = _require("viraltexts", data)
    paths = sorted(folder.glob("*.csv"))
    if not paths:
        raise DatasetMissing(f"no .csv files in {folder}")
    # Passages are long multi-line quoted fields. The longest now is 40,324 characters,
    # under csv's default 128 KiB cap, but the data README asks for a large limit.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    rows: list[dict[str, str]] = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return Corpus(
        name="viraltexts",
        ids=[f"{row['id']}:{row['begin']}-{row['end']}" for row in rows],
        texts=[row["text"] for row in rows],
        labels=[row["cluster"] for row in rows],
        meta={
            "source": str(folder),
            "date": [row["date"] for row in rows],
            "newspaper": [row["source"].strip() for row in rows],
        },
    )


# --------------------------------------------------------------------------- scaled corpus


def scaled_corpus(
    n_docs: int,
    seed: int = 0,
    data: PathLike | None = None,
    n_reprint_clusters: int = 2_000,
) -> list[str]:
    """``n_docs`` documents of real news text for speed benchmarks (deterministic per seed).

    The base pool is every Reuters body (sign-off removed), the 2,000 ViralTexts
    passages and the reprints (not the originals) of ``n_reprint_clusters`` synthetic
    reprint clusters made from them by :mod:`benchmarks.synth` -- about 27,000 texts.
    Below the pool size a random sample is returned; above it, the whole pool plus
    copies of random pool texts, each lightly perturbed (a few OCR-style character
    edits, rate 0.2-1 %, and sometimes a dateline; see
    :func:`benchmarks.synth.light_perturbation`) so copies are not byte-identical.
    The order is shuffled. The pool is cached per data folder and seed, so a run at
    several sizes loads and builds it once.

    Consequence to keep in mind when reading timings: past the pool size, each base
    text has on average ``n_docs / pool`` near-copies (about 7 at 200,000), so large
    corpora are duplicate-heavy. Mean length is ~150 words, median ~90
    (see :func:`corpus_stats`).
    """
    from . import synth  # imported here: synth imports this module

    if n_docs < 0:
        raise ValueError("n_docs must be >= 0")
    rng = random.Random(seed)
    pool = _speed_pool(str(_candidate_dir(data)), seed, n_reprint_clusters)
    if n_docs <= len(pool):
        return rng.sample(pool, n_docs)
    docs = list(pool)
    for _ in range(n_docs - len(pool)):
        docs.append(synth.light_perturbation(rng.choice(pool), rng))
    rng.shuffle(docs)
    return docs


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


@functools.lru_cache(maxsize=2)
def _news_sentences(data: str) -> tuple[str, ...]:
    """The distinct sentences (six words or more) of the distinct Reuters bodies, in file order."""
    from . import synth

    bodies = [strip_reuters_signoff(rec["body"]) for rec in load_reuters(data=data)]
    keep = synth.distinct_sources(bodies)
    seen: dict[str, None] = {}
    for k in keep:
        for sentence in _SENTENCE_END.split(" ".join(bodies[k].split())):
            if len(sentence.split()) >= 6:
                seen.setdefault(sentence, None)
    return tuple(seen)


def news_corpus(
    n_docs: int,
    seed: int = 0,
    copy_rate: float = 0.2,
    target_words: int = 600,
    data: PathLike | None = None,
) -> list[str]:
    """``n_docs`` news-like documents of about ``target_words`` words, a share ``copy_rate`` of
    them noisy near-copies of another (deterministic per seed) -- the shape of a news crawl.

    Every other document is new: paragraphs of three to five sentences of clean newswire
    (the distinct sentences of the distinct Reuters-21578 bodies, drawn in a shuffled order,
    reshuffled when all are used), so two new documents share at most a sentence or two by
    chance. A near-copy is :func:`benchmarks.synth.reprint` (OCR noise, mojibake, re-wrapping,
    abridgement, datelines, bylines, footers; the synthetic benchmark's defaults) of an
    earlier new document. Document ``k`` is a copy with probability ``copy_rate``, so every
    prefix keeps the rate and the copies' originals: sizes can be nested prefixes. Unlike
    :func:`scaled_corpus`, the number of near-copies per document does not grow with
    ``n_docs``, so the matching pairs grow linearly with the corpus.
    """
    from . import synth  # imported here: synth imports this module

    if n_docs < 0:
        raise ValueError("n_docs must be >= 0")
    if not 0 <= copy_rate < 1:
        raise ValueError(f"copy_rate must be in [0, 1), got {copy_rate}")
    rng = random.Random(seed)
    sentences = _news_sentences(str(_candidate_dir(data)))
    order: list[int] = []
    docs: list[str] = []
    originals: list[int] = []
    for k in range(n_docs):
        if originals and rng.random() < copy_rate:
            docs.append(synth.reprint(docs[rng.choice(originals)], rng)[0])
            continue
        paragraphs, words = [], 0
        while words < target_words:
            para = []
            for _ in range(rng.randint(3, 5)):
                if not order:
                    order = list(range(len(sentences)))
                    rng.shuffle(order)
                para.append(sentences[order.pop()])
            words += sum(len(x.split()) for x in para)
            paragraphs.append(" ".join(para))
        originals.append(k)
        docs.append("\n\n".join(paragraphs))
    return docs


@functools.lru_cache(maxsize=2)
def _speed_pool(data: str, seed: int, n_reprint_clusters: int) -> tuple[str, ...]:
    """The base texts of :func:`scaled_corpus`, cached so runs at several sizes load them once."""
    from . import synth

    real = [strip_reuters_signoff(rec["body"]) for rec in load_reuters(data=data)]
    real += load_viraltexts(data=data).texts
    reprints = synth.make_reprint_corpus(real, n_clusters=n_reprint_clusters, n_distractors=0, seed=seed)
    roles = reprints.meta["role"]
    return tuple(real + [t for t, role in zip(reprints.texts, roles, strict=True) if role == "reprint"])


def corpus_stats(texts: Sequence[str]) -> dict[str, float]:
    """Size summary of a corpus, to state what a timing was measured on.

    Words are whitespace-separated tokens. Returns ``n_docs``, ``n_unique`` (distinct
    texts), ``total_words``, ``mean_words``, ``median_words``, ``p95_words``,
    ``max_words`` and ``mean_chars``.
    """
    if not texts:
        return {"n_docs": 0, "n_unique": 0, "total_words": 0, "mean_words": 0.0,
                "median_words": 0.0, "p95_words": 0.0, "max_words": 0, "mean_chars": 0.0}
    words = sorted(len(t.split()) for t in texts)
    n = len(texts)
    return {
        "n_docs": n,
        "n_unique": len(set(texts)),
        "total_words": sum(words),
        "mean_words": sum(words) / n,
        "median_words": float(statistics.median(words)),
        "p95_words": float(words[min(n - 1, int(0.95 * n))]),
        "max_words": words[-1],
        "mean_chars": sum(map(len, texts)) / n,
    }
