"""One candidate rule for the three engines (issue 17): on the same documents, ``dedup cluster`` (the
``Deduplicator``), the persistent index (``dedup.Index``, in any batch size) and Spark propose the same
candidate pairs -- the bucket rule of :data:`dedup.lsh.MAX_BUCKET`, Jaccard bands and length-ratio levels."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

import dedup
from dedup import lsh
from dedup.index import batch as index_batch
from dedup.index import lookup as index_lookup

# Matching is strict (nothing but an exact copy matches, so the index admits every document and files it
# like dedup cluster ranks it), while the bands are the defaults': the documents crowd many buckets.
PARAMS = dict(threshold=0.99, containment_threshold=0.99, lsh_threshold=0.35)


def corpus(n: int, seed: int) -> list[str]:
    """Short texts drawn from a small vocabulary, with parts of others: hot Jaccard buckets (more than
    ``MAX_BUCKET + 1`` members) and pairs of every length ratio for the levels; no two texts equal."""
    rng = random.Random(seed)
    vocab = [f"w{k}" for k in range(20)]
    texts: list[str] = []
    while len(texts) < n:
        if texts and rng.random() < 0.3:  # a part of an earlier text, with words of its own
            src = rng.choice(texts).split()
            cut = rng.randint(max(3, len(src) // 8), len(src))
            part = [w if rng.random() < 0.8 else f"x{rng.randrange(10**6)}" for w in src[:cut]]  # a fifth of it changed
            text = " ".join(part + [f"x{rng.randrange(10**6)}"])
        else:
            text = " ".join(rng.choices(vocab, k=rng.randint(20, 60)))
        if text not in texts:
            texts.append(text)
    return texts


def local_pairs(texts: list[str]) -> set[tuple[int, int]]:
    d = dedup.Deduplicator(**PARAMS)
    d.add_many(enumerate(texts))
    pairs = d.candidate_pairs()
    return {(int(i), int(j)) for i, j in pairs.tolist()}


def _index_pairs(tmp_path, texts: list[str], batch_size: int, monkeypatch) -> set[tuple[int, int]]:
    """The pairs the index proposes (before its fingerprint prefilter and the matching rule) as it admits
    ``texts`` in order, as pairs of positions in ``texts``."""
    seen: list[tuple[str, str]] = []
    stored_of: dict[int, str] = {}
    proposed, inner = index_lookup.proposed, index_batch.batch_candidates

    def record_stored(ctx, batch, *args):
        got = proposed(ctx, batch, *args)
        if len(got):
            fetched = ctx.store.fetch(np.unique(got[:, 1]))
            stored_of.update(zip(fetched.rows.tolist(), (json.loads(x) for x in fetched.ids)))
        seen.extend((batch.ids[q], stored_of[r]) for q, r in got.tolist())
        return got

    def record_inner(ctx, batch, *args):
        got = inner(ctx, batch, *args)
        seen.extend((batch.ids[i], batch.ids[j]) for i, j in got.tolist())
        return got

    monkeypatch.setattr(index_lookup, "proposed", record_stored)
    monkeypatch.setattr(index_batch, "batch_candidates", record_inner)
    with dedup.Index.open(tmp_path / f"rule{batch_size}.sqlite", batch_size=batch_size, **PARAMS) as index:
        results = index.check_and_add_many([(str(k), t) for k, t in enumerate(texts)])
    assert all(r is None for r in results)  # every document admitted: the index files them all, in order
    return {(min(int(a), int(b)), max(int(a), int(b))) for a, b in seen}


def test_the_rule_has_one_tail_in_both_languages():
    from dedup import _core

    assert _core.TAIL_HUBS == lsh.TAIL_HUBS


def test_the_corpus_has_hot_buckets_and_level_pairs():
    texts = corpus(400, 0)
    d = dedup.Deduplicator(**PARAMS)
    d.add_many(enumerate(texts))
    sigs = d.sign_prepared([d.prepare(t) for t in texts])[0]
    assert lsh.crowded_rows(d.lsh.keys(sigs)).sum() >= 5
    sizes = d.sign_prepared([d.prepare(t) for t in texts])[1]
    assert len(lsh.containment_pairs(sigs, sizes, PARAMS["containment_threshold"])) > 0


@pytest.mark.parametrize("batch_size", [1, 7, 500])
def test_the_index_proposes_what_dedup_cluster_proposes(tmp_path, monkeypatch, batch_size):
    texts = corpus(400, 1)
    want = local_pairs(texts)
    assert len(want) > 500
    assert _index_pairs(tmp_path, texts, batch_size, monkeypatch) == want


# Spark: tests/test_spark.py::test_spark_proposes_what_dedup_cluster_proposes (it needs the Spark session of that module).
