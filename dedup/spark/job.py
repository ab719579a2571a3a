"""The Spark job: the stages of :mod:`dedup.spark` put together, and its entry points on DataFrames
(:func:`cluster`, :func:`deduplicate`) and on records held by the driver (:func:`cluster_records`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..cluster import Clustering
from ..deduplicator import split_record
from ..errors import ConfigError, DedupError, InputError
from ..params import Params
from .components import connected_components
from .executor import ID, POS, TEXT, cluster_batches, sign_batches, signed_schema
from .pairs import crowded_positions, judged_pairs
from .session import check_params, get_session, require_pyspark

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["cluster", "cluster_frame", "cluster_records", "deduplicate", "finish"]


def _checked_input(df: DataFrame, text_col: str, id_col: str, position_col: str | None, check_ids: bool) -> Any:
    """The id column's Spark type, once the columns are there, the text a string and (with ``check_ids``) the ids distinct."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    for col in (text_col, id_col) + ((position_col,) if position_col else ()):
        if col not in df.columns:
            raise ConfigError(f"column {col!r} not in the DataFrame (columns: {', '.join(df.columns)})")
    if not isinstance(df.schema[text_col].dataType, T.StringType):
        raise InputError(f"text column {text_col!r} must be a string column, is {df.schema[text_col].dataType.simpleString()}")
    if check_ids:
        dup = df.groupBy(id_col).count().where(F.col("count") > 1).select(id_col).take(1)
        if dup:
            raise InputError("duplicate id", doc_id=dup[0][0])
    return df.schema[id_col].dataType


def _signed(df: DataFrame, text_col: str, id_col: str, position_col: str | None, params: dict[str, Any], id_type: Any) -> DataFrame:
    """Stages 1 and 2: the signed documents, each with the ``first`` position of its identical copies and their count."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    pos = F.col(position_col).cast("long") if position_col else F.monotonically_increasing_id()
    base = df.select(pos.alias(POS), F.col(id_col).alias(ID), F.col(text_col).alias(TEXT))
    signed = base.mapInPandas(lambda it: sign_batches(it, params), signed_schema(id_type, params["verify_text"]))
    # Identical copies (same signature and size, size > 0; the same prepared text, size 0)
    # are one node, as in dedup.cluster.duplicate_groups: "first" is the group's earliest
    # position. Only firsts go through LSH, like Deduplicator.clusters.
    group = Window.partitionBy(
        F.when(F.col("size") > 0, F.col("sig")), F.col("size"), F.when(F.col("size") == 0, F.col("wordless"))
    )
    return (
        signed.withColumn("first", F.min(POS).over(group))
        .withColumn("copies", F.count(F.lit(1)).over(group))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )


def _per_component(docs: DataFrame, edges: DataFrame, comp: DataFrame, judged: DataFrame, p: Params) -> DataFrame:
    """One row per component: its members (by position, with their prepared texts when verifying), its edges and,
    for average linkage or parts, its vetoed pairs."""
    from pyspark.sql import functions as F

    sampled = p.min_link_fraction > 0  # the linkage samples the pairs of crowded documents (their screen: sketches too)
    member = [F.col(POS), F.col(ID), F.col("size"), F.col("sig")] + ([F.col("text")] if p.verify_text else [])
    member += [F.col("crowded"), F.col("nums")] if sampled else []
    members = (
        docs.where(F.col("component").isNotNull())
        .groupBy("component")
        .agg(F.sort_array(F.collect_list(F.struct(*member))).alias("n"))
    )
    comp_edges = (
        edges.join(comp.select(F.col("node").alias("i"), "component"), "i")
        .groupBy("component")
        .agg(F.sort_array(F.collect_list(F.struct("i", "j", "sim"))).alias("e"))
    )
    per_comp = members.join(comp_edges, "component", "left")
    if p.min_link_fraction > 0 or p.containment_threshold < 1:
        # The vetoed pairs with both ends in one component keep groups apart in average linkage
        # (build_clusters' apart), and those the alignment vetoed count where parts are found;
        # those between components cannot matter.
        node_comp = comp.select("node", "component")
        comp_vetoed = (
            judged.where(~F.col("ok"))
            .select("i", "j", "stage", "sim")
            .join(node_comp.select(F.col("node").alias("i"), "component"), "i")
            .join(node_comp.select(F.col("node").alias("j"), F.col("component").alias("component_j")), "j")
            .where(F.col("component") == F.col("component_j"))
            .groupBy("component")
            .agg(F.sort_array(F.collect_list(F.struct("i", "j", "stage", "sim"))).alias("v"))
        )
        per_comp = per_comp.join(comp_vetoed, "component", "left")
        vi, vj, vs, vw = F.col("v.i"), F.col("v.j"), F.col("v.stage"), F.col("v.sim")
    else:  # components: vetoes change nothing
        vi = vj = vs = F.lit(None).cast("array<long>")
        vw = F.lit(None).cast("array<double>")
    return per_comp.select(
        F.col(f"n.{POS}").alias("pos"),
        F.col(f"n.{ID}").alias("ids"),
        F.col("n.size").alias("sizes"),
        F.col("n.sig").alias("sigs"),
        F.col("e.i").alias("ei"),
        F.col("e.j").alias("ej"),
        F.col("e.sim").alias("ew"),
        vi.alias("vi"),
        vj.alias("vj"),
        vs.alias("vs"),
        vw.alias("vw"),
        *([F.col("n.text").alias("texts")] if p.verify_text else []),
        *([F.col("n.crowded").alias("crowded"), F.col("n.nums").alias("nums")] if sampled else []),
    )


def _result_schema(id_type: Any) -> Any:
    from pyspark.sql import types as T

    return T.StructType(
        [
            T.StructField(POS, T.LongType(), False),
            T.StructField("id", id_type, True),
            T.StructField("cluster", id_type, True),
            T.StructField("is_representative", T.BooleanType(), False),
            T.StructField("similarity", T.DoubleType(), False),
        ]
    )


def cluster_frame(
    df: DataFrame,
    text_col: str,
    id_col: str,
    position_col: str | None,
    params: dict[str, Any],
    check_ids: bool,
    checkpoint: str | None,
) -> tuple[DataFrame, list[DataFrame]]:
    """The clustering with a position column, and the frames persisted on the way."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    require_pyspark()
    p = check_params(params)
    params = p.to_dict()
    id_type = _checked_input(df, text_col, id_col, position_col, check_ids)
    signed = _signed(df, text_col, id_col, position_col, params, id_type)
    persisted = [signed]

    first = signed.where(F.col(POS) == F.col("first"))
    judged, on_the_way = judged_pairs(first, params)
    persisted.extend(on_the_way)
    judged = judged.persist(StorageLevel.MEMORY_AND_DISK)
    persisted.append(judged)
    edges = judged.where(F.col("ok")).select("i", "j", "sim")

    # With the linkage sampling crowded documents and the texts aligned, the pairs the alignment vetoed are edges the
    # local engine links along until it confirms them (see executor._cluster_component): components include them.
    links = judged.where(F.col("ok") | (F.col("stage") == 2)) if p.min_link_fraction > 0 and p.verify_text else edges
    comp = connected_components(links.select("i", "j"), "i", "j", checkpoint=checkpoint)
    comp = comp.persist(StorageLevel.MEMORY_AND_DISK)
    persisted.append(comp)

    # Every document whose node has an edge, or that has identical copies, is
    # clustered with its component; the rest are clusters of one.
    docs = signed.join(comp.select(F.col("node").alias("first"), "component"), "first", "left").withColumn(
        "component", F.coalesce("component", F.when(F.col("copies") > 1, F.col("first")))
    )
    if p.min_link_fraction > 0:  # the first of each group of copies, as locally: their candidates are a sample
        crowded = crowded_positions(first, params).withColumn("crowded", F.lit(True))
        docs = docs.join(crowded, POS, "left").withColumn("crowded", F.coalesce("crowded", F.lit(False)))
    per_comp = _per_component(docs, edges, comp, judged, p)
    singles = docs.where(F.col("component").isNull()).select(
        POS,
        F.col(ID).alias("id"),
        F.col(ID).alias("cluster"),
        F.lit(True).alias("is_representative"),
        F.lit(1.0).alias("similarity"),
    )
    clustered = per_comp.mapInPandas(lambda it: cluster_batches(it, params), _result_schema(id_type))
    return clustered.unionByName(singles), persisted


def cluster(
    df: DataFrame,
    text_col: str = "text",
    id_col: str = "id",
    *,
    position_col: str | None = None,
    check_ids: bool = True,
    checkpoint: str | None = None,
    **params: Any,
) -> DataFrame:
    """Cluster the documents of a Spark DataFrame; one row per document.

    Returns a DataFrame of ``id, cluster, is_representative, similarity, cluster_size``
    (the columns ``dedup cluster`` writes): ``cluster`` is the id of the cluster's
    representative (a document without a match is its own cluster, similarity 1.0,
    size 1), ``similarity`` the member's similarity to it -- the same values
    :meth:`Deduplicator.clusters` gives for the same documents in the same order.

    ``params`` are those of :class:`~dedup.Params`. "Earliest" in the
    representative rule (and the member order of large LSH buckets) is the
    DataFrame's row order, or ``position_col`` (distinct integers) when given.
    ``check_ids`` refuses duplicate ids (one extra aggregation). The result is
    computed and cached (``persist``) before it is returned; call ``unpersist()``
    on it when done. ``checkpoint``: ``"local"`` or ``"reliable"`` for the
    connected-components rounds (default: reliable when a checkpoint directory
    is set).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    result, persisted = cluster_frame(df, text_col, id_col, position_col, params, check_ids, checkpoint)
    result = result.withColumn("cluster_size", F.count(F.lit(1)).over(Window.partitionBy("cluster")))
    return finish(result.drop(POS), persisted)


def finish(result: DataFrame, persisted: list[DataFrame]) -> DataFrame:
    """``result`` computed and cached, then the frames persisted on the way released."""
    from pyspark import StorageLevel

    result = result.persist(StorageLevel.MEMORY_AND_DISK)
    result.count()
    for frame in persisted:
        frame.unpersist()
    return result


def deduplicate(
    df: DataFrame,
    text_col: str = "text",
    id_col: str = "id",
    *,
    keep: str = "representative",
    return_dropped: bool = False,
    duplicate_of_col: str = "duplicate_of",
    position_col: str | None = None,
    check_ids: bool = True,
    checkpoint: str | None = None,
    **params: Any,
) -> DataFrame | tuple[DataFrame, DataFrame]:
    """The rows of ``df`` to keep, one per cluster, with all of ``df``'s columns, in input order.

    The same rows :func:`dedup.deduplicate` and ``dedup dedupe`` keep for the same documents in the same
    order. ``keep`` picks each cluster's row: ``"representative"`` (its fullest version, see :func:`cluster`)
    or ``"first"`` (its earliest, by DataFrame order or ``position_col``). The result is sorted by that order.
    With ``return_dropped``, returns ``(kept, dropped)``: ``dropped`` holds the other rows, in input order,
    with one more column, ``duplicate_of_col``, the id of the row kept in its place. Other arguments are those
    of :func:`cluster`.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from ..cluster import KEEP_RULES

    if keep not in KEEP_RULES:
        raise ConfigError(f"keep must be one of {', '.join(map(repr, KEEP_RULES))}, got {keep!r}")
    if return_dropped and duplicate_of_col in df.columns:
        raise ConfigError(f"column {duplicate_of_col!r} is already in the DataFrame; pass another duplicate_of_col")
    result, persisted = cluster_frame(df, text_col, id_col, position_col, params, check_ids, checkpoint)
    if keep == "first":  # the id at the cluster's smallest position
        keeper = F.min(F.struct(F.col(POS), F.col("id"))).over(Window.partitionBy("cluster")).getField("id")
    else:
        keeper = F.col("cluster")
    decided = finish(result.select(F.col("id").alias(id_col), F.col(POS), keeper.alias("_dd_keeper")), persisted)
    rows = df.join(decided, id_col)
    kept = rows.where(F.col(id_col) == F.col("_dd_keeper")).orderBy(POS).select(*df.columns)
    if not return_dropped:
        return kept
    dropped = (
        rows.where(F.col(id_col) != F.col("_dd_keeper")).orderBy(POS)
        .select(*df.columns, F.col("_dd_keeper").alias(duplicate_of_col))
    )
    return kept, dropped


def cluster_records(
    records: Iterable[tuple[Any, str] | Mapping[str, Any]],
    *,
    spark: SparkSession | None = None,
    master: str | None = None,
    **params: Any,
) -> tuple[list[Any], Clustering]:
    """Cluster ``(id, text)`` records (or mappings) held by the driver on Spark.

    Returns ``(ids, clustering)`` exactly like ``Deduplicator.add_many(records)``
    followed by ``.ids`` and ``.clusters()``: labels are input positions. Uses
    ``spark``, else the active session (``master`` is then ignored), else a new
    one on ``master`` (default ``local[*]``), which is stopped afterwards. This is what
    ``dedup cluster --engine spark`` runs.
    """
    require_pyspark()
    import pandas as pd

    check_params(params)  # fail on bad parameters before starting Spark
    ids, texts = _read_records(records)
    n = len(ids)
    own = False
    if spark is None:
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        spark = active if active is not None else get_session(master)
        own = active is None  # stop only a session started here
    try:
        if n == 0:
            return ids, Clustering(np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, np.float64))
        pdf = pd.DataFrame({"pos": np.arange(n, dtype=np.int64), "text": texts})
        slices = max(1, spark.sparkContext.defaultParallelism)
        df = spark.createDataFrame(pdf, "pos long, text string").repartition(slices, "pos")
        result, persisted = cluster_frame(df, "text", "pos", "pos", params, False, None)
        rows = finish(result, persisted)
        got: Any = rows.select(POS, "cluster", "is_representative", "similarity").toPandas()  # pandas is untyped here
        rows.unpersist()
        order = np.argsort(got[POS].to_numpy())
        if len(got) != n or not np.array_equal(got[POS].to_numpy()[order], np.arange(n)):
            raise DedupError(f"Spark returned {len(got)} rows for {n} documents")  # pragma: no cover
        return ids, Clustering(
            labels=got["cluster"].to_numpy(np.int64)[order],
            is_representative=got["is_representative"].to_numpy(bool)[order],
            similarity=got["similarity"].to_numpy(np.float64)[order],
        )
    finally:
        if own:
            spark.stop()


def _read_records(records: Iterable[tuple[Any, str] | Mapping[str, Any]]) -> tuple[list[Any], list[str]]:
    """The ids and texts of the records, in order; a repeated id is an InputError."""
    ids: list[Any] = []
    texts: list[str] = []
    seen: set[Any] = set()
    for rec in records:
        id_, text = split_record(rec, len(ids))
        if id_ in seen:
            raise InputError("duplicate id", doc_id=id_)
        seen.add(id_)
        ids.append(id_)
        texts.append(text)
    return ids, texts
