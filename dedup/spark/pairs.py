"""Candidate pairs from the band keys (the bucket rule of :data:`dedup.lsh.MAX_BUCKET`, run by the core's own kernel) and their verdicts under
the two stages of :class:`dedup.verify.Verifier`, in Spark SQL with the executors of :mod:`dedup.spark.executor`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _kernels, lsh
from .executor import JUDGED, POS, SCREENED, confirm_batches, screen_batches

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

__all__ = ["candidates", "crowded_positions", "judged_pairs", "level_candidates"]


def _rule_pairs(buckets: Iterator[Any], max_bucket: int, with_sizes: bool) -> Iterator[Any]:
    """The pairs of the bucket rule (:func:`dedup._kernels.bucket_pairs`, the rule of every engine) in
    batches of grouped buckets ``(band, p[, s])``: ``p`` the members' positions, ascending, ``s`` their
    sizes in the same order. Yields ``(band, i, j[, si, sj])``."""
    import pandas as pd

    for pdf in buckets:
        lists = [np.asarray(p, dtype=np.int64) for p in pdf["p"]]
        lengths = np.fromiter((len(p) for p in lists), dtype=np.int64, count=len(lists))
        members = np.concatenate(lists) if lists else np.zeros(0, np.int64)
        # the rule over places in the batch's member list: (a, c, bucket)
        got = _kernels.bucket_pairs(np.arange(members.size), np.r_[0, np.cumsum(lengths)], np.zeros(len(lists), np.int64), max_bucket)
        out = {"band": pdf["band"].to_numpy(np.int64)[got[:, 2]], "i": members[got[:, 0]], "j": members[got[:, 1]]}
        if with_sizes:
            sizes = np.concatenate([np.asarray(x, dtype=np.int64) for x in pdf["s"]]) if lists else np.zeros(0, np.int64)
            out["si"], out["sj"] = sizes[got[:, 0]], sizes[got[:, 1]]
        yield pd.DataFrame(out)


def candidates(bands: DataFrame, max_bucket: int) -> DataFrame:
    """Candidate pairs ``(i, j)``, ``i < j``: the rule of :func:`dedup.lsh.pairs_from_keys` (each member of a bucket,
    in position order, with each of the first ``max_bucket`` members before it)."""
    from pyspark.sql import functions as F

    buckets = (
        bands.groupBy("band", "key")
        .agg(F.sort_array(F.collect_list(POS)).alias("p"))
        .where(F.size("p") > 1)
        .select("band", "p")
    )
    pairs = buckets.mapInPandas(lambda it: _rule_pairs(it, max_bucket, False), "band long, i long, j long")
    return pairs.select("i", "j").distinct()
def level_candidates(bands: DataFrame, jaccard_bands: int, levels: tuple, max_bucket: int) -> DataFrame:
    """Candidate pairs ``(i, j)`` of the length-ratio levels' columns (band numbers from ``jaccard_bands`` on): the
    rule of :func:`dedup.lsh.containment_pairs` -- documents with shingles proposed by the bucket rule in a column of
    a level that holds their size ratio (:func:`dedup.lsh.level_allows`)."""
    from pyspark.sql import functions as F

    buckets = (
        bands.where((F.col("band") >= jaccard_bands) & (F.col("size") > 0))
        .groupBy("band", "key")
        .agg(F.sort_array(F.collect_list(F.struct(F.col(POS).alias("pos"), F.col("size").alias("size")))).alias("m"))
        .where(F.size("m") > 1)
        .select("band", F.col("m.pos").alias("p"), F.col("m.size").alias("s"))
    )

    def allowed(batches: Iterator[Any]) -> Iterator[Any]:
        for pdf in _rule_pairs(batches, max_bucket, True):
            column = pdf["band"].to_numpy(np.int64) - jaccard_bands
            ok = lsh.level_allows(levels, column, pdf["si"].to_numpy(np.int64), pdf["sj"].to_numpy(np.int64))
            yield pdf.loc[ok, ["i", "j"]]

    return buckets.mapInPandas(allowed, "i long, j long").distinct()


def crowded_positions(signed: DataFrame, params: dict[str, Any]) -> DataFrame:
    """Positions ``(POS)`` of the signed documents that share a Jaccard band bucket the rule lists only a sample
    of (more than ``MAX_BUCKET + 1`` members): :func:`dedup.lsh.crowded_rows`, whose candidates the linkage samples."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    nj = lsh.optimal_bands(params["lsh_threshold"], params["num_perm"])[0]
    bands = signed.select(POS, F.posexplode("keys").alias("band", "key")).where(F.col("band") < nj)
    size = F.count(F.lit(1)).over(Window.partitionBy("band", "key"))
    return bands.withColumn("m", size).where(F.col("m") > int(lsh.MAX_BUCKET) + 1).select(POS).distinct()


def judged_pairs(signed: DataFrame, params: dict[str, Any]) -> tuple[DataFrame, list[DataFrame]]:
    """Candidate pairs of signed documents that meet a threshold, judged: ``(i, j, sim, ok)``, ``i < j``.

    ``ok`` rows are the verified edges, the others the vetoed pairs (number rule or
    alignment). Also returns the frames persisted on the way.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    bands = signed.select(POS, "size", F.posexplode("keys").alias("band", "key"))
    nj = lsh.optimal_bands(params["lsh_threshold"], params["num_perm"])[0]
    levels = lsh.containment_levels(params["containment_threshold"], params["num_perm"])
    pairs = candidates(bands.where(F.col("band") < nj), int(lsh.MAX_BUCKET)).withColumn("level", F.lit(False))
    if levels:  # containment candidates: their pairs may be screened on the exact containment (stage 2)
        level = level_candidates(bands, nj, levels, int(lsh.MAX_BUCKET)).withColumn("level", F.lit(True))
        pairs = pairs.unionByName(level).groupBy("i", "j").agg(F.max("level").alias("level"))
    cols = ("sig", "size", "nums") if params["number_agreement"] > 0 else ("sig", "size")
    side = signed.select(POS, *cols)

    def one_side(c: str) -> DataFrame:
        return side.select(*(F.col(n).alias(f"{n}_{c}") for n in cols), F.col(POS).alias(c))

    joined = pairs.join(one_side("i"), "i").join(one_side("j"), "j")
    screened = joined.select("i", "j", "level", *(f"{n}_{c}" for c in "ij" for n in cols)).mapInPandas(
        lambda it: screen_batches(it, params), SCREENED
    )
    if not params["verify_text"]:
        return screened.drop("near", "jac", "disputed"), []
    # Stage 2: the prepared texts are joined to the pairs that passed stage 1 only.
    screened = screened.persist(StorageLevel.MEMORY_AND_DISK)
    texts = signed.select(POS, "text")

    def text_of(c: str) -> DataFrame:
        return texts.select(F.col(POS).alias(c), F.col("text").alias(f"text_{c}"))

    to_judge = F.col("ok") | F.col("near") | F.col("disputed")
    passed = screened.where(to_judge).select("i", "j", "sim", "ok", "near", "jac", "disputed")
    confirmed = (
        passed.join(text_of("i"), "i")
        .join(text_of("j"), "j")
        .select("i", "j", "sim", "ok", "near", "jac", "disputed", "text_i", "text_j")
        .mapInPandas(lambda it: confirm_batches(it, params), JUDGED)
    )
    return confirmed.unionByName(screened.where(~to_judge).drop("near", "jac", "disputed")), [screened]
