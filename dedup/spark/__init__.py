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
   grouped into buckets, and each bucket's members (in position order) pair by the
   rule of every engine, run by the same kernel (:data:`dedup.lsh.MAX_BUCKET`): each
   member with each of the first ``MAX_BUCKET`` members before it.
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

The package: :mod:`~dedup.spark.session` (the session and the checks before any Spark work),
:mod:`~dedup.spark.executor` (what the executors run), :mod:`~dedup.spark.pairs` (stages 3 and 4),
:mod:`~dedup.spark.components` (stage 5) and :mod:`~dedup.spark.job` (the stages put together).
"""

from __future__ import annotations

from .components import CONTRACT_EDGES, connected_components
from .job import cluster, cluster_records, deduplicate
from .session import get_session

__all__ = ["cluster", "deduplicate", "cluster_records", "connected_components", "get_session", "CONTRACT_EDGES"]
