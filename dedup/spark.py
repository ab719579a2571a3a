"""The same deduplication on Apache Spark, with results identical to the local engine.

Install with ``pip install 'dedup-reprints[spark]'`` (PySpark with pandas and Arrow; Spark
needs Java 17 or later). Every stage that decides a match runs the library's own
code inside the executors, so the two engines cannot drift apart:

1. **Sign** (``mapInPandas``, Arrow batches): the :class:`Deduplicator`'s own
   signing -- the :class:`~dedup.normalize.Normalizer`, the shingler, the MinHash
   kernels and the number sketches (:mod:`dedup.numbers`) -- and :meth:`LSH.keys`
   for the band keys; with ``verify_text`` on, each document's prepared text
   (:meth:`Deduplicator.prepare_many`) is kept as a column for stage 4. Each
   document gets an input *position*
   (:func:`pyspark.sql.functions.monotonically_increasing_id`, i.e. DataFrame
   order, or a column you name), which plays the role of the local engine's
   insertion index.
2. **Identical copies**: documents with the same signature and size (size > 0)
   are one node, as in :func:`dedup.cluster.duplicate_groups`; only the earliest
   of each group goes through LSH, as in :meth:`Deduplicator.clusters`.
3. **Band**: the band keys are exploded to ``(band, key, position)`` rows and
   grouped into buckets. A bucket of at most :data:`dedup.lsh.MAX_BUCKET_PAIRS`
   members gives all its pairs; a larger one gives a star from its earliest member
   and a chain between neighbours in position order -- the rule of
   :func:`dedup.lsh.pairs_from_keys`, whose buckets are ordered by insertion index.
4. **Verify**, in the two stages of :class:`dedup.verify.Verifier` (the rule the
   local engine applies): **screen** (``mapInPandas``) every candidate pair on
   the two signatures, sizes and number sketches, joined in by position
   (:func:`dedup.verify.similarity_between`, the thresholds and the number rule);
   then, with ``verify_text`` on, join the two *prepared* texts (kept by the
   signing step) to the pairs that passed only and **confirm** them
   (``mapInPandas``, word alignment; template fills are rejected). Texts are
   never shuffled for the candidates that fail the screen. Pairs that met a
   threshold but were rejected by the number rule or the alignment are *vetoed*.
5. **Components**: connected components of the verified edges with the
   large-star / small-star algorithm (Kiveris et al., "Connected Components in
   MapReduce and Beyond", SoCC 2014), in Spark SQL; edges never reach the driver.
6. **Cluster** (``mapInPandas`` over one row per component):
   :func:`dedup.cluster.build_clusters` on the component's members (ordered by
   position), edges (ordered like the local engine's sorted pair list) and the
   vetoed pairs inside the component (``apart``). Average linkage never merges
   across components, a vetoed pair between two components cannot matter, and
   the representative rule (most shingles, then earliest position) and the
   similarities (that of the edge that placed each member) only look inside a
   cluster, so this gives exactly the local engine's clusters, representatives and
   similarities. Documents without an edge or copy are their own cluster.

Entry points: :func:`cluster` and :func:`deduplicate` on DataFrames, and
:func:`cluster_records` (documents from the driver, result as a
:class:`~dedup.cluster.Clustering`) behind ``dedup cluster --engine spark``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import lsh as _lsh
from .cluster import Clustering, build_clusters
from .deduplicator import Deduplicator, Params, split_record
from .errors import ConfigError, DedupError, InputError
from .numbers import SKETCH_SIZE
from .verify import Verifier, similarity_between

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["cluster", "deduplicate", "cluster_records", "connected_components", "get_session"]

_INSTALL_HINT = "the Spark engine needs PySpark with pandas and pyarrow: pip install 'dedup-reprints[spark]'"

# Internal column names (prefixed so they cannot clash with the caller's columns).
_POS, _ID, _TEXT = "_dd_pos", "_dd_id", "_dd_text"


def _check_params(params: Mapping[str, Any]) -> Params:
    unknown = set(params) - set(Params.names())
    if unknown:
        raise ConfigError(f"unknown parameter(s): {', '.join(sorted(unknown))}; known: {', '.join(Params.names())}")
    return Params(**params)


def _require_pyspark() -> None:
    try:
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"{_INSTALL_HINT} ({exc})") from None


# --------------------------------------------------------------------------- session


def get_session(master: str | None = None, app_name: str = "dedup", conf: Mapping[str, str] | None = None) -> SparkSession:
    """The active Spark session, or a new one on ``master`` (default ``local[*]``).

    A new session gets settings suited to this job: Arrow on, Python workers are
    this interpreter (``PYSPARK_PYTHON``, unless already set), and for ``local[...]``
    masters few shuffle partitions (4 per core) instead of 200. ``conf`` overrides.
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    master = master or "local[*]"
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.showConsoleProgress": "false",
    }
    if master.startswith("local"):
        cores = master[master.find("[") + 1 : master.find("]")] if "[" in master else "1"
        n = (os.cpu_count() or 1) if cores in ("*", "") else int(cores.split(",")[0])
        settings["spark.sql.shuffle.partitions"] = str(max(2, 4 * n))
    settings.update(conf or {})
    for k, v in settings.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


# --------------------------------------------------------------------------- executor side

_ENGINES: dict[tuple, Deduplicator] = {}


def _engine(params: Mapping[str, Any]) -> Deduplicator:
    """One :class:`Deduplicator` per Python worker and parameter set (threads = task CPUs)."""
    from pyspark import TaskContext

    ctx = TaskContext.get()
    try:
        cpus = int(ctx.cpus()) if ctx is not None else 1
    except Exception:  # pragma: no cover - older Spark
        cpus = 1
    key = (tuple(sorted(params.items())), cpus)
    eng = _ENGINES.get(key)
    if eng is None:
        eng = _ENGINES[key] = Deduplicator(n_jobs=max(1, cpus), **params)
    return eng


def _sign_batches(batches: Iterator[Any], params: dict[str, Any]) -> Iterator[Any]:
    import pandas as pd

    eng = _engine(params)
    for pdf in batches:
        texts = pdf[_TEXT].tolist()
        for t, i in zip(texts, pdf[_ID].tolist()):
            if not isinstance(t, str):
                raise InputError(f"text must be str, got {type(t).__name__}", doc_id=i)
        prepared = eng.prepare_many(texts)
        sigs, sizes, nums = eng.sign_prepared(prepared)
        keys = eng.lsh.keys(sigs).view(np.int64)
        sigs = np.ascontiguousarray(sigs, dtype="<u4")
        nums = np.ascontiguousarray(nums, dtype="<u4")
        out = {
            _POS: pdf[_POS].to_numpy(dtype=np.int64),
            _ID: pdf[_ID],
            "sig": [row.tobytes() for row in sigs],
            "size": sizes.astype(np.int64),
            "nums": [row.tobytes() for row in nums],
            "keys": list(keys),
            # Documents without shingles are grouped by their prepared text (duplicate_groups).
            "wordless": [t if z == 0 else None for t, z in zip(prepared, sizes.tolist())],
        }
        if eng.params.verify_text:
            out["text"] = prepared
        yield pd.DataFrame(out)


def _signed_schema(id_type: Any, verify_text: bool) -> Any:
    """Schema of the signing step's output (``text``: the prepared text, for stage 2 only)."""
    from pyspark.sql import types as T

    fields = [
        T.StructField(_POS, T.LongType(), False),
        T.StructField(_ID, id_type, True),
        T.StructField("sig", T.BinaryType(), False),
        T.StructField("size", T.LongType(), False),
        T.StructField("nums", T.BinaryType(), False),
        T.StructField("keys", T.ArrayType(T.LongType(), False), False),
        T.StructField("wordless", T.StringType(), True),
    ]
    if verify_text:
        fields.append(T.StructField("text", T.StringType(), False))
    return T.StructType(fields)


def _unpack(sig_bytes: Sequence[bytes], width: int) -> np.ndarray:
    """Rows of ``width`` little-endian uint32 (signatures, number sketches) as one array."""
    if len(sig_bytes) == 0:
        return np.zeros((0, width), dtype=np.uint32)
    return np.frombuffer(b"".join(sig_bytes), dtype="<u4").reshape(-1, width).astype(np.uint32)


_VERIFIERS: dict[tuple, Verifier] = {}


def _verifier(params: Mapping[str, Any]) -> Verifier:
    """The matching rule of a parameter set, one per Python worker."""
    key = tuple(sorted(params.items()))
    v = _VERIFIERS.get(key)
    if v is None:
        v = _VERIFIERS[key] = Verifier.from_params(Params(**params))
    return v


_JUDGED = "i long, j long, sim double, ok boolean"
"""Schema of a judged pair: positions ``i < j``, similarity ``max(J, C)``, and whether it matches."""


def _screen_batches(batches: Iterator[Any], params: dict[str, Any]) -> Iterator[Any]:
    """Stage 1 on candidate pairs: the pairs that meet a threshold, with ``ok`` = not vetoed by the number rule."""
    import pandas as pd

    v = _verifier(params)
    k = int(params["num_perm"])
    w = 1 + SKETCH_SIZE
    for pdf in batches:
        m = len(pdf)
        rows = np.arange(m, dtype=np.int64)
        jac, cont = similarity_between(
            _unpack(pdf["sig_i"].tolist(), k),
            pdf["size_i"].to_numpy(np.int64),
            _unpack(pdf["sig_j"].tolist(), k),
            pdf["size_j"].to_numpy(np.int64),
            np.stack((rows, rows), axis=1),
        )
        keep = np.flatnonzero(v.passes_thresholds(jac, cont))
        nums_i: np.ndarray | None
        nums_j: np.ndarray | None
        if v.number_agreement > 0:
            nums_i = _unpack(pdf["nums_i"].take(keep).tolist(), w)
            nums_j = _unpack(pdf["nums_j"].take(keep).tolist(), w)
        else:  # the rule is off: no sketches were joined
            nums_i = nums_j = None
        sub = np.arange(len(keep), dtype=np.int64)
        ok = v.screen(jac[keep], cont[keep], nums_i, nums_j, np.stack((sub, sub), axis=1))
        yield pd.DataFrame(
            {
                "i": pdf["i"].to_numpy(np.int64)[keep],
                "j": pdf["j"].to_numpy(np.int64)[keep],
                "sim": np.maximum(jac, cont)[keep],
                "ok": ok,
            }
        )


def _confirm_batches(batches: Iterator[Any], params: dict[str, Any]) -> Iterator[Any]:
    """Stage 2 on the pairs that passed stage 1, with their two prepared texts."""
    import pandas as pd

    v = _verifier(params)
    for pdf in batches:
        ok = v.confirm(pdf["text_i"].tolist(), pdf["text_j"].tolist())
        yield pd.DataFrame({"i": pdf["i"].to_numpy(np.int64), "j": pdf["j"].to_numpy(np.int64), "sim": pdf["sim"].to_numpy(np.float64), "ok": ok})


def _cluster_batches(batches: Iterator[Any], num_perm: int, min_fraction: float) -> Iterator[Any]:
    import pandas as pd

    for pdf in batches:
        pos_out: list[np.ndarray] = []
        id_out: list[Any] = []
        cl_out: list[Any] = []
        rep_out: list[np.ndarray] = []
        sim_out: list[np.ndarray] = []
        for pos, ids, sizes, sig_bytes, ei, ej, ew, vi, vj in zip(
            pdf["pos"], pdf["ids"], pdf["sizes"], pdf["sigs"], pdf["ei"], pdf["ej"], pdf["ew"], pdf["vi"], pdf["vj"]
        ):
            pos = np.asarray(pos, dtype=np.int64)  # ascending
            ids = list(ids)
            sigs = _unpack(list(sig_bytes), num_perm)
            if ei is None:  # identical copies without other matches
                ei = ej = np.zeros(0, dtype=np.int64)
                ew = np.zeros(0, dtype=np.float64)
            # Edges are sorted by (i, j) like the local engine's pair list; positions
            # map to local indices in the same order.
            edges = np.stack(
                (np.searchsorted(pos, np.asarray(ei, dtype=np.int64)), np.searchsorted(pos, np.asarray(ej, dtype=np.int64))),
                axis=1,
            )
            # The vetoed pairs inside the component (None: none, or min_fraction 0).
            apart = (
                np.stack((np.searchsorted(pos, np.asarray(vi, dtype=np.int64)), np.searchsorted(pos, np.asarray(vj, dtype=np.int64))), axis=1)
                if vi is not None
                else None
            )
            sizes = np.asarray(sizes, dtype=np.int64)
            # Documents without shingles have no edges: a component holding them is one group of
            # exact copies of one prepared text (grouped by it when signing), so they are one node.
            wordless = {k: "" for k in np.flatnonzero(sizes == 0).tolist()}
            c = build_clusters(sigs, sizes, edges, np.asarray(ew, dtype=np.float64), min_fraction, apart=apart, wordless=wordless)
            labels = c.labels.tolist()
            pos_out.append(pos)
            id_out.extend(ids)
            cl_out.extend(ids[label] for label in labels)
            rep_out.append(c.is_representative)
            sim_out.append(c.similarity)
        if not pos_out:
            continue
        yield pd.DataFrame(
            {
                _POS: np.concatenate(pos_out),
                "id": id_out,
                "cluster": cl_out,
                "is_representative": np.concatenate(rep_out),
                "similarity": np.concatenate(sim_out),
            }
        )


# --------------------------------------------------------------------------- connected components


def _contract_batches(batches: Iterator[Any]) -> Iterator[Any]:
    """All edges of a partition -> ``(node, smallest node of its local component)``."""
    import pandas as pd

    from .cluster import connected_components as union_find

    parts = [(pdf["a"].to_numpy(np.int64), pdf["b"].to_numpy(np.int64)) for pdf in batches]
    if not parts:
        return
    a = np.concatenate([p[0] for p in parts])
    b = np.concatenate([p[1] for p in parts])
    nodes, inverse = np.unique(np.concatenate((a, b)), return_inverse=True)
    local = inverse.reshape(2, -1).T
    root = union_find(len(nodes), local)
    # The smallest member of each local component: nodes are sorted, so the first seen.
    smallest = np.full(len(nodes), len(nodes), dtype=np.int64)
    np.minimum.at(smallest, root, np.arange(len(nodes)))
    target = smallest[root]
    keep = target != np.arange(len(nodes))
    yield pd.DataFrame({"a": nodes[keep], "b": nodes[target[keep]]})



def _materialize(df: DataFrame, checkpoint: str, eager: bool = True) -> DataFrame:
    """Cut the lineage of an iteration (reliable checkpoint needs a checkpoint dir).

    A lazy local checkpoint is filled by the next action on it.
    """
    if checkpoint == "reliable":
        return df.checkpoint(eager=True)
    return df.localCheckpoint(eager=eager)


CONTRACT_EDGES = 2_000_000
"""Edges per partition for the union-find pre-pass of :func:`connected_components`
(about 50 MB of Python memory per task at this size)."""


def _fingerprint(e: DataFrame) -> tuple:
    from pyspark.sql import functions as F

    row = _one_row(e.agg(F.count(F.lit(1)), F.expr("bit_xor(xxhash64(a, b))")))
    return (row[0], row[1])


def _one_row(aggregate: DataFrame) -> Any:
    """The row of a global aggregate (which has exactly one)."""
    row = aggregate.first()
    if row is None:  # pragma: no cover - an aggregate without grouping always has a row
        raise DedupError("Spark returned no row for a global aggregate")
    return row


def _is_star_forest(e: DataFrame) -> bool:
    """Every edge goes from a leaf to a root: no source has two edges, no target is a source."""
    from pyspark.sql import functions as F

    sources = e.groupBy("a").agg(F.count(F.lit(1)).alias("n"))
    bad = sources.where(F.col("n") > 1).select("a").unionByName(
        e.join(sources.select(F.col("a").alias("b")), "b", "left_semi").select("a")
    )
    return _one_row(bad.agg(F.count(F.lit(1))))[0] == 0


def connected_components(
    edges: DataFrame,
    src: str = "i",
    dst: str = "j",
    checkpoint: str | None = None,
    contract: int | None = None,
) -> DataFrame:
    """Connected components of an undirected edge list, computed in Spark.

    Returns ``(node, component)`` for every node that has an edge, ``component``
    being the smallest node id of its component (ids must be orderable, e.g. long).
    Alternates the large-star and small-star operations of Kiveris et al. (2014)
    until the graph is a set of stars around each component's minimum, which
    takes ``O(log^2 n)`` rounds at worst and a handful in practice; each round is
    two shuffles plus a checkpoint (``checkpoint="reliable"`` when the Spark
    context has a checkpoint directory, else ``"local"``). Nothing is collected
    to the driver but one convergence flag per round. With ``contract`` (a
    number of edges, default :data:`CONTRACT_EDGES`; 0 disables it) the edges are first cut into partitions of
    at most that many and each partition is reduced with union-find; node ids
    must then be integers.
    """
    from pyspark.sql import functions as F

    spark = edges.sparkSession
    if checkpoint is None:
        checkpoint = "reliable" if spark.sparkContext.getCheckpointDir() else "local"
    # Oriented edges (a, b) with a > b, self-loops dropped.
    e = edges.select(F.col(src).cast("long").alias("a"), F.col(dst).cast("long").alias("b"))
    if contract is None:
        contract = CONTRACT_EDGES
    if contract:
        # Union-find inside partitions of at most contract edges first (the
        # library's own routine): links every node to the smallest node of its
        # partition-local component. That keeps the components and leaves fewer,
        # star-shaped edges for the rounds; when all edges fit in one partition
        # the result is already final and one round confirms it.
        n_edges = e.count()
        e = e.repartition(max(1, -(-n_edges // int(contract)))).mapInPandas(_contract_batches, "a long, b long")
    e = (
        e.select(F.greatest("a", "b").alias("a"), F.least("a", "b").alias("b"))
        .where(F.col("a") != F.col("b"))
        .distinct()
    )
    e = _materialize(e, checkpoint)
    seen = _fingerprint(e)
    rounds = 0
    while True:
        rounds += 1
        # Large-star: every node u links its larger neighbours to m(u) = min(N(u) + u).
        both = e.select(F.col("a").alias("u"), F.col("b").alias("v")).unionByName(
            e.select(F.col("b").alias("u"), F.col("a").alias("v"))
        )
        mins = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
        large = (
            both.where(F.col("v") > F.col("u"))
            .join(mins, "u")
            .select(F.col("v").alias("a"), F.col("m").alias("b"))
        )
        # Small-star: every node u links itself and its smaller neighbours to their minimum.
        smin = large.groupBy("a").agg(F.min("b").alias("m"))
        small = (
            large.join(smin, "a")
            .select(F.col("b").alias("a"), F.col("m").alias("b"))
            .unionByName(smin.select("a", F.col("m").alias("b")))
            .where(F.col("a") != F.col("b"))
            .distinct()
        )
        # Each round reads e several times, so its plan must be cut every round.
        new = _materialize(small, checkpoint, eager=False)
        now = _fingerprint(new)  # also computes the (local) checkpoint
        e.unpersist()
        e = new
        # A round that changes nothing has reached the fixed point: stars around each
        # component's minimum. The fingerprint (count and XOR of edge hashes) says
        # "unchanged" in one cheap job; the exact star test confirms it once.
        if now == seen and _is_star_forest(e):
            break
        seen = now
    return e.select(F.col("a").alias("node"), F.col("b").alias("component")).unionByName(
        e.select(F.col("b").alias("node"), F.col("b").alias("component")).distinct()
    )


# --------------------------------------------------------------------------- the job


def _candidates(bands: DataFrame, max_bucket: int) -> DataFrame:
    """Candidate pairs ``(i, j)``, ``i < j``: the rule of :func:`dedup.lsh.pairs_from_keys`."""
    from pyspark.sql import functions as F

    buckets = (
        bands.groupBy("band", "key")
        .agg(F.sort_array(F.collect_list(_POS)).alias("p"))
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


def _judged_pairs(signed: DataFrame, params: dict[str, Any]) -> tuple[DataFrame, list[DataFrame]]:
    """Candidate pairs of signed documents that meet a threshold, judged: ``(i, j, sim, ok)``, ``i < j``.

    ``ok`` rows are the verified edges, the others the vetoed pairs (number rule or
    alignment). Also returns the frames persisted on the way.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    bands = signed.select(_POS, F.posexplode("keys").alias("band", "key"))
    pairs = _candidates(bands, int(_lsh.MAX_BUCKET_PAIRS))
    cols = ("sig", "size", "nums") if params["number_agreement"] > 0 else ("sig", "size")
    side = signed.select(_POS, *cols)

    def one_side(c: str) -> DataFrame:
        return side.select(*(F.col(n).alias(f"{n}_{c}") for n in cols), F.col(_POS).alias(c))

    joined = pairs.join(one_side("i"), "i").join(one_side("j"), "j")
    screened = joined.select("i", "j", *(f"{n}_{c}" for c in "ij" for n in cols)).mapInPandas(
        lambda it: _screen_batches(it, params), _JUDGED
    )
    if not params["verify_text"]:
        return screened, []
    # Stage 2: the prepared texts are joined to the pairs that passed stage 1 only.
    screened = screened.persist(StorageLevel.MEMORY_AND_DISK)
    texts = signed.select(_POS, "text")

    def text_of(c: str) -> DataFrame:
        return texts.select(F.col(_POS).alias(c), F.col("text").alias(f"text_{c}"))

    passed = screened.where(F.col("ok")).select("i", "j", "sim")
    confirmed = (
        passed.join(text_of("i"), "i")
        .join(text_of("j"), "j")
        .select("i", "j", "sim", "text_i", "text_j")
        .mapInPandas(lambda it: _confirm_batches(it, params), _JUDGED)
    )
    return confirmed.unionByName(screened.where(~F.col("ok"))), [screened]


def _cluster_frame(
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
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    _require_pyspark()
    p = _check_params(params)
    params = p.to_dict()
    for col in (text_col, id_col) + ((position_col,) if position_col else ()):
        if col not in df.columns:
            raise ConfigError(f"column {col!r} not in the DataFrame (columns: {', '.join(df.columns)})")
    if not isinstance(df.schema[text_col].dataType, T.StringType):
        raise InputError(f"text column {text_col!r} must be a string column, is {df.schema[text_col].dataType.simpleString()}")
    id_type = df.schema[id_col].dataType
    if check_ids:
        dup = df.groupBy(id_col).count().where(F.col("count") > 1).select(id_col).take(1)
        if dup:
            raise InputError("duplicate id", doc_id=dup[0][0])
    pos = F.col(position_col).cast("long") if position_col else F.monotonically_increasing_id()
    base = df.select(pos.alias(_POS), F.col(id_col).alias(_ID), F.col(text_col).alias(_TEXT))

    signed = base.mapInPandas(lambda it: _sign_batches(it, params), _signed_schema(id_type, p.verify_text))
    # Identical copies (same signature and size, size > 0; the same prepared text, size 0)
    # are one node, as in dedup.cluster.duplicate_groups: "first" is the group's earliest
    # position. Only firsts go through LSH, like Deduplicator.clusters.
    group = Window.partitionBy(
        F.when(F.col("size") > 0, F.col("sig")), F.col("size"), F.when(F.col("size") == 0, F.col("wordless"))
    )
    signed = (
        signed.withColumn("first", F.min(_POS).over(group))
        .withColumn("copies", F.count(F.lit(1)).over(group))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    persisted = [signed]

    judged, on_the_way = _judged_pairs(signed.where(F.col(_POS) == F.col("first")), params)
    persisted.extend(on_the_way)
    judged = judged.persist(StorageLevel.MEMORY_AND_DISK)
    persisted.append(judged)
    edges = judged.where(F.col("ok")).select("i", "j", "sim")

    comp = connected_components(edges, "i", "j", checkpoint=checkpoint)
    comp = comp.persist(StorageLevel.MEMORY_AND_DISK)
    persisted.append(comp)

    # Every document whose node has an edge, or that has identical copies, is
    # clustered with its component; the rest are clusters of one.
    docs = signed.join(comp.select(F.col("node").alias("first"), "component"), "first", "left").withColumn(
        "component", F.coalesce("component", F.when(F.col("copies") > 1, F.col("first")))
    )
    members = (
        docs.where(F.col("component").isNotNull())
        .groupBy("component")
        .agg(F.sort_array(F.collect_list(F.struct(F.col(_POS), F.col(_ID), F.col("size"), F.col("sig")))).alias("n"))
    )
    comp_edges = (
        edges.join(comp.select(F.col("node").alias("i"), "component"), "i")
        .groupBy("component")
        .agg(F.sort_array(F.collect_list(F.struct("i", "j", "sim"))).alias("e"))
    )
    per_comp = members.join(comp_edges, "component", "left")
    if p.min_link_fraction > 0:
        # The vetoed pairs with both ends in one component keep groups apart in
        # average linkage (build_clusters' apart); those between components cannot matter.
        node_comp = comp.select("node", "component")
        comp_vetoed = (
            judged.where(~F.col("ok"))
            .select("i", "j")
            .join(node_comp.select(F.col("node").alias("i"), "component"), "i")
            .join(node_comp.select(F.col("node").alias("j"), F.col("component").alias("component_j")), "j")
            .where(F.col("component") == F.col("component_j"))
            .groupBy("component")
            .agg(F.sort_array(F.collect_list(F.struct("i", "j"))).alias("v"))
        )
        per_comp = per_comp.join(comp_vetoed, "component", "left")
        vi, vj = F.col("v.i"), F.col("v.j")
    else:  # components: vetoes change nothing
        vi = vj = F.lit(None).cast("array<long>")
    per_comp = per_comp.select(
        F.col(f"n.{_POS}").alias("pos"),
        F.col(f"n.{_ID}").alias("ids"),
        F.col("n.size").alias("sizes"),
        F.col("n.sig").alias("sigs"),
        F.col("e.i").alias("ei"),
        F.col("e.j").alias("ej"),
        F.col("e.sim").alias("ew"),
        vi.alias("vi"),
        vj.alias("vj"),
    )
    singles = docs.where(F.col("component").isNull()).select(
        _POS,
        F.col(_ID).alias("id"),
        F.col(_ID).alias("cluster"),
        F.lit(True).alias("is_representative"),
        F.lit(1.0).alias("similarity"),
    )
    out_schema = T.StructType(
        [
            T.StructField(_POS, T.LongType(), False),
            T.StructField("id", id_type, True),
            T.StructField("cluster", id_type, True),
            T.StructField("is_representative", T.BooleanType(), False),
            T.StructField("similarity", T.DoubleType(), False),
        ]
    )
    num_perm, min_fraction = p.num_perm, float(p.min_link_fraction)
    clustered = per_comp.mapInPandas(lambda it: _cluster_batches(it, num_perm, min_fraction), out_schema)
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

    result, persisted = _cluster_frame(df, text_col, id_col, position_col, params, check_ids, checkpoint)
    result = result.withColumn("cluster_size", F.count(F.lit(1)).over(Window.partitionBy("cluster")))
    return _finish(result.drop(_POS), persisted)


def _finish(result: DataFrame, persisted: list[DataFrame]) -> DataFrame:
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

    from .cluster import KEEP_RULES

    if keep not in KEEP_RULES:
        raise ConfigError(f"keep must be one of {', '.join(map(repr, KEEP_RULES))}, got {keep!r}")
    if return_dropped and duplicate_of_col in df.columns:
        raise ConfigError(f"column {duplicate_of_col!r} is already in the DataFrame; pass another duplicate_of_col")
    result, persisted = _cluster_frame(df, text_col, id_col, position_col, params, check_ids, checkpoint)
    if keep == "first":  # the id at the cluster's smallest position
        keeper = F.min(F.struct(F.col(_POS), F.col("id"))).over(Window.partitionBy("cluster")).getField("id")
    else:
        keeper = F.col("cluster")
    decided = _finish(result.select(F.col("id").alias(id_col), F.col(_POS), keeper.alias("_dd_keeper")), persisted)
    rows = df.join(decided, id_col)
    kept = rows.where(F.col(id_col) == F.col("_dd_keeper")).orderBy(_POS).select(*df.columns)
    if not return_dropped:
        return kept
    dropped = (
        rows.where(F.col(id_col) != F.col("_dd_keeper")).orderBy(_POS)
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
    _require_pyspark()
    import pandas as pd

    _check_params(params)  # fail on bad parameters before starting Spark
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
        result, persisted = _cluster_frame(df, "text", "pos", "pos", params, False, None)
        rows = _finish(result, persisted)
        got: Any = rows.select(_POS, "cluster", "is_representative", "similarity").toPandas()  # pandas is untyped here
        rows.unpersist()
        order = np.argsort(got[_POS].to_numpy())
        if len(got) != n or not np.array_equal(got[_POS].to_numpy()[order], np.arange(n)):
            raise DedupError(f"Spark returned {len(got)} rows for {n} documents")  # pragma: no cover
        return ids, Clustering(
            labels=got["cluster"].to_numpy(np.int64)[order],
            is_representative=got["is_representative"].to_numpy(bool)[order],
            similarity=got["similarity"].to_numpy(np.float64)[order],
        )
    finally:
        if own:
            spark.stop()
