"""The Spark engine gives exactly the local engine's clusters.

Runs a real local Spark session (``local[2]``, one for the module). Needs PySpark
with pandas and pyarrow (``pip install 'dedup[spark]'``) and Java 17+; skips
without them. The impresso and synthetic comparisons need the evaluation data
(``DEDUP_DATA_DIR`` or ``../shared/data``) and skip without it. About 1.5-2
minutes on two cores, mostly Spark's fixed cost per stage.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from collections import defaultdict

import numpy as np
import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")
pytest.importorskip("pandas")

import pandas as pd  # noqa: E402

import dedup.lsh  # noqa: E402
from dedup import Deduplicator  # noqa: E402
from dedup import spark as dspark  # noqa: E402
from dedup.cluster import connected_components as union_find  # noqa: E402
from dedup.errors import InputError  # noqa: E402


def _java_ok() -> bool:
    java = shutil.which("java") or (os.environ.get("JAVA_HOME") and os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    if not java:
        return False
    try:
        return subprocess.run([java, "-version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


pytestmark = pytest.mark.skipif(not _java_ok(), reason="Spark needs Java (java -version failed)")


@pytest.fixture(scope="module")
def spark():
    session = dspark.get_session(
        "local[2]",
        app_name="dedup-tests",
        conf={
            "spark.sql.shuffle.partitions": "4",
            "spark.default.parallelism": "2",
            "spark.ui.enabled": "false",
            "spark.driver.memory": "2g",
        },
    )
    yield session
    session.stop()


def _local(ids, texts, **params):
    d = Deduplicator(**params)
    d.add_many(zip(ids, texts))
    return d.clusters()


def _spark_frame(spark, ids, texts, partitions=3):
    pdf = pd.DataFrame({"id": list(ids), "text": list(texts), "pos": np.arange(len(ids), dtype=np.int64)})
    return spark.createDataFrame(pdf, "id string, text string, pos long").repartition(partitions)


def assert_same(ids, local, got: pd.DataFrame):
    """``got`` (id, cluster, is_representative, similarity) equals the local Clustering."""
    assert len(got) == len(ids) and set(got["id"]) == set(ids)
    got = got.set_index("id").loc[list(ids)]
    want_cluster = [ids[label] for label in local.labels.tolist()]
    assert got["cluster"].tolist() == want_cluster
    assert got["is_representative"].tolist() == local.is_representative.tolist()
    np.testing.assert_allclose(got["similarity"].to_numpy(), local.similarity, rtol=0, atol=1e-9)


def _compare(spark, ids, texts, **params):
    local = _local(ids, texts, **params)
    df = _spark_frame(spark, ids, texts)
    result = dspark.cluster(df, position_col="pos", **params)
    assert result.columns == ["id", "cluster", "is_representative", "similarity"]
    got = result.toPandas()
    result.unpersist()
    assert_same(ids, local, got)
    return local


# --------------------------------------------------------------------------- components


def test_connected_components_large_star_small_star(spark):
    rng = np.random.default_rng(7)
    # Paths, a star, a dense blob and a sparse random part: several shapes at once.
    edges = [(i, i + 1) for i in range(10)] + [(100, j) for j in range(101, 120)]
    edges += [(int(a), int(b)) for a, b in rng.integers(200, 240, size=(60, 2))]
    edges += [(int(a), int(b)) for a, b in rng.integers(300, 400, size=(50, 2))]
    df = spark.createDataFrame(edges, "i long, j long").repartition(3)
    # contract=0: the plain large-star / small-star rounds, no union-find pre-pass.
    got = dict(dspark.connected_components(df, contract=0).collect())
    root = union_find(400, np.array(edges))
    nodes = sorted({n for e in edges for n in e if e[0] != e[1]})
    assert set(got) == set(nodes)
    members = defaultdict(list)
    for n in nodes:
        members[root[n]].append(n)
    for group in members.values():
        assert {got[n] for n in group} == {min(group)}  # one id per component: its minimum


# --------------------------------------------------------------------------- seeds


def test_seeds_deduplicate_keeps_the_local_representatives(spark, seeds):
    ids = sorted(seeds)
    texts = [seeds[k] for k in ids]
    params = {"min_link_fraction": 0.0, "threshold": 0.3}  # connected-components mode
    local = _local(ids, texts, **params)
    # No position column: DataFrame order is the input order.
    df = spark.createDataFrame(pd.DataFrame({"doc": ids, "body": texts, "extra": range(len(ids))}))
    kept = dspark.deduplicate(df, text_col="body", id_col="doc", **params).toPandas()
    assert sorted(kept["doc"]) == sorted(np.array(ids)[local.is_representative].tolist())
    assert list(kept.columns) == ["doc", "body", "extra"]
    assert local.labels[0] == local.labels[1]  # 000 and 001 are one story


def test_duplicate_ids_and_bad_params_are_refused(spark):
    df = spark.createDataFrame([("a", "one text here"), ("a", "another text")], "id string, text string")
    with pytest.raises(InputError, match="duplicate id"):
        dspark.cluster(df)
    with pytest.raises(Exception, match="threshold"):
        dspark.cluster(df, threshold=2.0)
    with pytest.raises(Exception, match="unknown parameter"):
        dspark.cluster(df, thresold=0.5)


# --------------------------------------------------------------------------- real data


def _impresso_sample(n: int = 2000, seed: int = 0):
    from benchmarks.datasets import DatasetMissing, load_impresso

    try:
        corpus = load_impresso()
    except DatasetMissing as exc:
        pytest.skip(str(exc))
    by_cluster = defaultdict(list)
    for i, label in enumerate(corpus.labels):
        by_cluster[label].append(i)
    labels = sorted(by_cluster)
    random.Random(seed).shuffle(labels)
    chosen: list[int] = []
    for label in labels:  # whole passim clusters until n passages
        if len(chosen) + len(by_cluster[label]) > n:
            continue
        chosen.extend(by_cluster[label])
        if len(chosen) == n:
            break
    chosen.sort()
    return [corpus.ids[i] for i in chosen], [corpus.texts[i] for i in chosen]


def test_impresso_sample_matches_local(spark):
    ids, texts = _impresso_sample()
    assert 1990 <= len(ids) <= 2000
    local = _compare(spark, ids, texts)
    assert local.n_clusters < len(ids)  # there are reprints to find


def _synthetic_sample():
    from benchmarks import synth
    from benchmarks.datasets import DatasetMissing, load_reuters, strip_reuters_signoff

    try:
        reuters = load_reuters(limit=1500)
    except DatasetMissing as exc:
        pytest.skip(str(exc))
    texts = [strip_reuters_signoff(r["body"]) for r in reuters]
    texts = [t for t in texts if len(t.split()) >= 40]
    sources = [texts[i] for i in synth.distinct_sources(texts)]
    corpus = synth.make_reprint_corpus(sources, n_clusters=150, n_distractors=250, seed=3)
    ids, texts = list(corpus.ids), list(corpus.texts)
    # Exact copies (one node in both engines), including copies of a distractor.
    for k, i in enumerate(range(0, 40, 4)):
        ids.append(f"copy{k}-{ids[i]}")
        texts.append(texts[i])
    return ids, texts


def test_synthetic_sample_matches_local(spark):
    ids, texts = _synthetic_sample()
    local = _compare(spark, ids, texts)
    assert local.n_clusters < len(ids)


def test_large_bucket_star_and_chain_rule(spark, monkeypatch):
    """With tiny buckets allowed, most buckets take the star + chain path in both engines."""
    ids, texts = _synthetic_sample()
    ids, texts = ids[:500], texts[:500]
    # Boilerplate: many near-identical short notices land in the same buckets.
    for k in range(30):
        ids.append(f"notice{k}")
        texts.append(f"Notice {k}: the office is closed on Monday for the public holiday. Notice.")
    monkeypatch.setattr(dedup.lsh, "MAX_BUCKET_PAIRS", 3)
    # Union-find pre-pass on partitions of 50 edges: the star rounds do the rest.
    monkeypatch.setattr(dspark, "CONTRACT_EDGES", 50)
    _compare(spark, ids, texts)


# --------------------------------------------------------------------------- driver-side records and CLI


def test_seeds_cluster_records_is_the_local_clustering(spark, seeds):
    """The seeds with default parameters, as driver-side records (the CLI's path)."""
    ids = sorted(seeds)
    records = [{"id": k, "text": seeds[k]} for k in ids]
    got_ids, got = dspark.cluster_records(records, spark=spark)
    local = _local(ids, [seeds[k] for k in ids])
    assert got_ids == ids
    assert got.labels.tolist() == local.labels.tolist()
    assert got.is_representative.tolist() == local.is_representative.tolist()
    np.testing.assert_allclose(got.similarity, local.similarity, rtol=0, atol=1e-9)
    with pytest.raises(InputError, match="duplicate id"):
        dspark.cluster_records([("a", "x y z"), ("a", "x y z")], spark=spark)


def test_cli_engine_spark_same_output(spark, seeds, tmp_path, capsys):
    from dedup import cli

    if "--engine" not in cli.build_parser()._subparsers._group_actions[0].choices["cluster"].format_help():
        pytest.skip("dedup cluster has no --engine option yet")
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in sorted(seeds.items())), encoding="utf-8")
    outs = {}
    for engine in ("local", "spark"):
        out = tmp_path / f"{engine}.jsonl"
        assert cli.main(["cluster", str(path), "-o", str(out), "-q", "--engine", engine]) == 0
        outs[engine] = out.read_text(encoding="utf-8")
    assert outs["spark"] == outs["local"]


def test_number_rule_same_as_local(spark):
    from test_cluster import EUROBOND, OTHER_EUROBOND
    from test_index import table

    ocr = EUROBOND.replace("issuing", "issumg").replace("manager", "mauager")
    texts = [EUROBOND, OTHER_EUROBOND, ocr] + [table(k, overlap) for k in range(4) for overlap in (10, 20, 30)]
    ids = [f"d{i}" for i in range(len(texts))]
    for agreement in (0.5, 0.0):  # on (the default) and off: Spark decides like the local engine both ways
        local = _compare(spark, ids, texts, number_agreement=agreement)
        together = local.labels[0] == local.labels[1]
        assert together == (agreement == 0.0)
        assert local.labels[0] == local.labels[2]
