"""Throughput of the Spark engine (``local[2]`` by default) beside the local engine.

Usage::

    python -m benchmarks.spark_bench [--n 20000] [--master local[2]] [--json OUT]

Both engines cluster the same :func:`benchmarks.datasets.scaled_corpus` documents
(real news text, ~150 words each; lightly perturbed copies of the seed articles
when the evaluation data is missing) with default parameters, and the results are
checked to be identical. Timings exclude Spark's session start (JVM launch) but
include everything else, including the first use of the Python workers; the
local engine is timed on the same texts after a 20-document warm-up.

It also measures what the docs/scale.md memory estimate needs, per document:
the cached size of the signed table (position, id, signature, size, number
sketch, band keys and, with ``verify_text``, the prepared text), the number of
exploded band rows, candidate pairs, pairs that pass stage 1 (those the prepared
texts are joined to for stage 2) and verified edges.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import numpy as np


def _corpus(n: int) -> tuple[list[str], str]:
    from . import datasets

    try:
        return datasets.scaled_corpus(n), "scaled_corpus (Reuters + ViralTexts + synthetic reprints)"
    except datasets.DatasetMissing:
        import random

        from . import synth

        seeds = datasets.load_seeds().texts
        rng = random.Random(0)
        return [synth.light_perturbation(rng.choice(seeds), rng) for _ in range(n)], "perturbed seed articles"


def _cached_bytes(spark) -> int:
    infos = spark.sparkContext._jsc.sc().getRDDStorageInfo()
    return int(sum(i.memSize() + i.diskSize() for i in infos))


def run(n: int = 20_000, master: str = "local[2]", shuffle_partitions: int = 8) -> dict[str, Any]:
    import pandas as pd
    from pyspark.sql import functions as F

    from dedup import Deduplicator, Params, numbers
    from dedup import spark as dspark
    from dedup.cluster import pair_similarity
    from dedup.spark import executor

    texts, source = _corpus(n)
    ids = [f"d{i}" for i in range(n)]

    # Local engine.
    Deduplicator().add_many(zip(range(20), texts[:20]))
    t0 = time.perf_counter()
    d = Deduplicator()
    d.add_many(zip(ids, texts))
    local = d.clusters()
    local_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    spark = dspark.get_session(master, conf={"spark.sql.shuffle.partitions": str(shuffle_partitions), "spark.driver.memory": "4g"})
    startup_s = time.perf_counter() - t0
    pdf = pd.DataFrame({"id": ids, "text": texts, "pos": np.arange(n, dtype=np.int64)})
    df = spark.createDataFrame(pdf, "id string, text string, pos long").repartition(2 * spark.sparkContext.defaultParallelism)
    df = df.persist()
    df.count()
    input_bytes = _cached_bytes(spark)

    t0 = time.perf_counter()
    result = dspark.cluster(df, position_col="pos")
    got = result.toPandas()
    spark_s = time.perf_counter() - t0
    result.unpersist()

    got = got.set_index("id").loc[ids]
    identical = (
        got["cluster"].tolist() == [ids[i] for i in local.labels.tolist()]
        and got["is_representative"].tolist() == local.is_representative.tolist()
        and bool(np.allclose(got["similarity"].to_numpy(), local.similarity, rtol=0, atol=1e-9))
    )

    # Sizes per document, for the memory estimate.
    params = Params().to_dict()
    from pyspark.sql import types as T

    base = df.select(F.col("pos").alias(executor.POS), F.col("id").alias(executor.ID), F.col("text").alias(executor.TEXT))
    schema = executor.signed_schema(T.StringType(), params["verify_text"])
    df.unpersist()
    before = _cached_bytes(spark)
    signed = base.mapInPandas(lambda it: executor.sign_batches(it, params), schema).persist()
    signed.count()
    signed_bytes = _cached_bytes(spark) - before
    bands = d.lsh.bands
    # The matching rule through the public API: stage 1 on all candidates, stage 2 on those that pass.
    pairs = d.candidate_pairs()
    candidates = len(pairs)
    prepared = d.prepare_many(texts)
    sigs, sizes = d.sign(texts)
    nums = numbers.number_sketches(prepared) if d.params.number_agreement > 0 else None
    jac, cont = pair_similarity(sigs, sizes, pairs)
    screened = d.verifier.screen(jac, cont, nums, nums, pairs)
    ok = d.verifier.decide(jac, cont, nums, nums, pairs, prepared, prepared)
    signed.unpersist()
    spark.stop()

    return {
        "n_docs": n,
        "corpus": source,
        "master": master,
        "params": params,
        "local_seconds": round(local_s, 2),
        "local_docs_per_s": round(n / local_s, 1),
        "spark_seconds": round(spark_s, 2),
        "spark_docs_per_s": round(n / spark_s, 1),
        "spark_session_start_seconds": round(startup_s, 2),
        "identical": identical,
        "n_clusters": int(local.n_clusters),
        "bytes_per_doc": {
            "input_cached": round(input_bytes / n, 1),
            "signed_cached": round(signed_bytes / n, 1),
            "signature_raw": 4 * params["num_perm"],
            "band_rows": bands,
            "candidate_pairs": round(candidates / n, 2),
            "screened_pairs": round(int(screened.sum()) / n, 2),
            "verified_edges": round(int(ok.sum()) / n, 2),
        },
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }


def to_markdown(r: dict[str, Any]) -> str:
    b = r["bytes_per_doc"]
    return "\n".join(
        [
            f"Spark engine vs local engine, {r['n_docs']:,} documents ({r['corpus']}), default parameters",
            "",
            "| engine | seconds | docs/s |",
            "|---|---:|---:|",
            f"| local (this process, all cores) | {r['local_seconds']} | {r['local_docs_per_s']:,} |",
            f"| spark ({r['master']}) | {r['spark_seconds']} | {r['spark_docs_per_s']:,} |",
            "",
            f"Identical results: {r['identical']}. Spark session start (not included): {r['spark_session_start_seconds']} s.",
            f"Per document: signed table {b['signed_cached']} B cached (signature {b['signature_raw']} B raw), "
            f"input {b['input_cached']} B cached, {b['band_rows']} band rows, "
            f"{b['candidate_pairs']} candidate pairs, {b.get('screened_pairs', '?')} past stage 1 (texts joined), "
            f"{b['verified_edges']} verified edges.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.spark_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=20_000, help="documents (default %(default)s)")
    p.add_argument("--master", default="local[2]", help="Spark master (default %(default)s)")
    p.add_argument("--shuffle-partitions", type=int, default=8)
    p.add_argument("--json", metavar="FILE", help="also write the result here")
    args = p.parse_args(argv)
    r = run(args.n, args.master, args.shuffle_partitions)
    print(to_markdown(r))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(r, fh, indent=2)
    return 0 if r["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
