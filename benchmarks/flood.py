"""A near-duplicate flood: one boilerplate paragraph repeated in every document.

Each document is three copies of one fixed paragraph plus eight words drawn at random
from a vocabulary of made-up words, so every pair of documents matches (estimated Jaccard
above 0.5, no numbers): the right clustering is one cluster. The control corpus has
documents of the same length made only of random words, so no pair matches. Both are
driven by one ``random.Random(seed)``: the same arguments give the same texts.

This is the input shape that broke clustering (issue 17): every LSH band holds one
bucket with most of the documents, so candidate generation and linkage must stay
near-linear in the number of documents.

The ``flood`` part of the suite (:func:`run`) times ``dedup cluster`` as a whole process on both
corpora at each size and reports the clusters found, the time and peak memory, and the flood's
ratio to the control (the goal: one cluster, at most 2x the time, memory linear in the input).

This module must not import the ``dedup`` package.
"""

from __future__ import annotations

import json
import random
import string
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["BOILERPLATE", "DEFAULT_SIZES", "QUICK_SIZES", "flood_corpus", "run", "to_markdown", "unrelated_corpus"]

DEFAULT_SIZES = (100_000,)
QUICK_SIZES = (2_000,)

BOILERPLATE = (
    "Subscribers who wish to change their delivery address or suspend their paper while on vacation "
    "should call the circulation office during business hours, or write to the publisher at the main "
    "office, giving their old and new addresses and the dates on which delivery should stop and resume. "
    "Complaints about missed or damaged copies are handled by the same office."
)
"""The paragraph every flood document repeats (no figures, so the number rule does not apply)."""

COPIES = 3
EXTRA_WORDS = 8


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = string.ascii_lowercase
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(size)]


def flood_corpus(n: int, seed: int = 0, *, copies: int = COPIES, extra_words: int = EXTRA_WORDS) -> list[str]:
    """``n`` documents: ``copies`` copies of :data:`BOILERPLATE` and ``extra_words`` random words each."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, 50_000)
    return [
        "\n\n".join([BOILERPLATE] * copies) + " " + " ".join(rng.choice(vocab) for _ in range(extra_words))
        for _ in range(n)
    ]


def unrelated_corpus(n: int, seed: int = 0, *, copies: int = COPIES, extra_words: int = EXTRA_WORDS) -> list[str]:
    """``n`` documents as long as :func:`flood_corpus`'s (in words), of random words only: no pair matches."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, 50_000)
    words = copies * len(BOILERPLATE.split()) + extra_words
    return [" ".join(rng.choice(vocab) for _ in range(words)) for _ in range(n)]


def _write(path: Path, texts: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i, t in enumerate(texts):
            fh.write(json.dumps({"id": str(i), "text": t}) + "\n")


def _clusters(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return len({json.loads(line)["cluster"] for line in fh if line.strip()})


def run(sizes: Sequence[int] = DEFAULT_SIZES, workdir: str | None = None, seed: int = 0) -> dict[str, Any]:
    """Time ``dedup cluster`` (a fresh process, defaults) on the flood and on the control at each size."""
    from . import speed

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        for n in sizes:
            by_kind: dict[str, dict[str, Any]] = {}
            for kind, make in (("flood", flood_corpus), ("unrelated", unrelated_corpus)):
                src, out = Path(tmp) / f"{kind}-{n}.jsonl", Path(tmp) / f"{kind}-{n}.out.jsonl"
                _write(src, make(n, seed))
                m = speed.measure(speed.cli_command(src, out), Path(tmp))
                row = {"kind": kind, "n_docs": n, "seconds": m["seconds"], "peak_mb": m["peak_mb"],
                       "status": "ok" if m["returncode"] == 0 else f"exit {m['returncode']}: {m['stderr'][-500:]}"}
                if m["returncode"] == 0:
                    row["clusters"] = _clusters(out)
                by_kind[kind] = row
                rows.append(row)
                src.unlink()
            f, u = by_kind["flood"], by_kind["unrelated"]
            if f["status"] == u["status"] == "ok":
                f["x_time"] = f["seconds"] / u["seconds"]
                f["x_memory"] = f["peak_mb"] / u["peak_mb"] if f["peak_mb"] and u["peak_mb"] else None
    return {"status": "ok", "sizes": list(sizes), "rows": rows,
            "corpus": f"{COPIES} copies of one paragraph + {EXTRA_WORDS} random words per document (benchmarks/flood.py)"}


def to_markdown(res: dict[str, Any]) -> str:
    """The flood part as a markdown table."""
    if res.get("status") != "ok":
        return f"not run: {res.get('message') or res.get('error')}"
    head = "| docs | corpus | clusters | seconds | peak MB | x time | x memory |\n|---|---|---|---|---|---|---|"
    lines = [f"Corpus: {res['corpus']}; control: documents of the same length of random words. "
             "Goal: the flood is one cluster, in at most 2x the control's time, memory linear.", "", head]
    for r in res["rows"]:
        if r["status"] != "ok":
            lines.append(f"| {r['n_docs']:,} | {r['kind']} | {r['status']} | | | | |")
            continue
        xt, xm = r.get("x_time"), r.get("x_memory")
        lines.append(f"| {r['n_docs']:,} | {r['kind']} | {r['clusters']:,} | {r['seconds']:.1f} | {r['peak_mb'] or 0:.0f} | "
                     f"{'' if xt is None else f'{xt:.2f}'} | {'' if xm is None else f'{xm:.2f}'} |")
    return "\n".join(lines)
