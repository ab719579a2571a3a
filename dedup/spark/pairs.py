"""Candidate pairs from the band keys (the rule of :func:`dedup.lsh.pairs_from_keys`) and their verdicts under
the two stages of :class:`dedup.verify.Verifier`, in Spark SQL with the executors of :mod:`dedup.spark.executor`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import lsh
from .executor import JUDGED, POS, SCREENED, confirm_batches, screen_batches

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

__all__ = ["candidates", "judged_pairs", "level_candidates"]


def candidates(bands: DataFrame, max_bucket: int) -> DataFrame:
    """Candidate pairs ``(i, j)``, ``i < j``: the rule of :func:`dedup.lsh.pairs_from_keys`."""
    from pyspark.sql import functions as F

    buckets = (
        bands.groupBy("band", "key")
        .agg(F.sort_array(F.collect_list(POS)).alias("p"))
        .where(F.size("p") > 1)
    )
    # Small buckets: all pairs (each member with every later one).
    small = (
        buckets.where(F.size("p") <= max_bucket)
        .select("p", F.posexplode("p").alias("k", "i"))
        .select("i", F.explode(F.slice("p", F.col("k") + 2, F.lit(max_bucket))).alias("j"))
    )
    large = buckets.where(F.size("p") > max_bucket)
    # Star from the earliest member, and the chain of neighbours.
    star = large.select(F.col("p")[0].alias("i"), F.explode(F.slice("p", F.lit(2), F.size("p"))).alias("j"))
    chain = (
        large.select("p", F.posexplode("p").alias("k", "j"))
        .where(F.col("k") > 0)
        .select(F.expr("p[k - 1]").alias("i"), "j")
    )
    return small.unionByName(star).unionByName(chain).distinct()


def level_candidates(bands: DataFrame, jaccard_bands: int, levels: tuple, max_bucket: int) -> DataFrame:
    """Candidate pairs ``(i, j)`` of the length-ratio levels' columns (band numbers from ``jaccard_bands`` on): the
    rule of :func:`dedup.lsh.containment_pairs` -- documents with shingles sharing a bucket of at most
    ``max_bucket`` of them in a column of a level that holds their size ratio (:func:`dedup.lsh.level_allows`)."""
    from pyspark.sql import functions as F

    buckets = (
        bands.where((F.col("band") >= jaccard_bands) & (F.col("size") > 0))
        .groupBy("band", "key")
        .agg(F.sort_array(F.collect_list(F.struct(F.col(POS).alias("pos"), F.col("size").alias("size")))).alias("p"))
        .where((F.size("p") > 1) & (F.size("p") <= max_bucket))
    )
    pairs = (
        buckets.select("band", "p", F.posexplode("p").alias("k", "a"))
        .select("band", "a", F.explode(F.slice("p", F.col("k") + 2, F.lit(max_bucket))).alias("b"))
        .select((F.col("band") - jaccard_bands).alias("column"), F.col("a.pos").alias("i"), F.col("a.size").alias("si"),
                F.col("b.pos").alias("j"), F.col("b.size").alias("sj"))
    )

    def allowed(batches: Iterator[Any]) -> Iterator[Any]:
        for pdf in batches:
            ok = lsh.level_allows(levels, pdf["column"].to_numpy(np.int64), pdf["si"].to_numpy(np.int64), pdf["sj"].to_numpy(np.int64))
            yield pdf.loc[ok, ["i", "j"]]

    return pairs.mapInPandas(allowed, "i long, j long").distinct()


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
    pairs = candidates(bands.where(F.col("band") < nj), int(lsh.MAX_BUCKET_PAIRS)).withColumn("level", F.lit(False))
    if levels:  # containment candidates: their pairs may be screened on the exact containment (stage 2)
        level = level_candidates(bands, nj, levels, int(lsh.MAX_BUCKET_PAIRS)).withColumn("level", F.lit(True))
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
        return screened.drop("near", "jac"), []
    # Stage 2: the prepared texts are joined to the pairs that passed stage 1 only.
    screened = screened.persist(StorageLevel.MEMORY_AND_DISK)
    texts = signed.select(POS, "text")

    def text_of(c: str) -> DataFrame:
        return texts.select(F.col(POS).alias(c), F.col("text").alias(f"text_{c}"))

    passed = screened.where(F.col("ok") | F.col("near")).select("i", "j", "sim", "ok", "near", "jac")
    confirmed = (
        passed.join(text_of("i"), "i")
        .join(text_of("j"), "j")
        .select("i", "j", "sim", "ok", "near", "jac", "text_i", "text_j")
        .mapInPandas(lambda it: confirm_batches(it, params), JUDGED)
    )
    return confirmed.unionByName(screened.where(~F.col("ok") & ~F.col("near")).drop("near", "jac")), [screened]
