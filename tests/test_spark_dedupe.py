"""Deduplication on Spark keeps the rows the local engine keeps: ``dedup.spark.deduplicate`` against
``dedup.deduplicate``, and ``dedup dedupe --engine spark`` against ``dedup dedupe``, byte for byte.

Runs a real local Spark session like tests/test_spark.py (PySpark, pandas, pyarrow and Java 17+; skips without them).
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")
pytest.importorskip("pandas")

import pandas as pd  # noqa: E402
from cli_helpers import run_inproc  # noqa: E402
from test_dedupe import corpus, jsonl_bytes, story  # noqa: E402
from test_spark import _java_ok  # noqa: E402

import dedup  # noqa: E402
from dedup.errors import ConfigError  # noqa: E402

pytestmark = pytest.mark.skipif(not _java_ok(), reason="Spark needs Java (java -version failed)")


@pytest.fixture(scope="module")
def spark():
    session = dedup.spark.get_session(  # dedup.spark after a plain `import dedup`
        "local[2]", app_name="dedup-dedupe-tests",
        conf={"spark.sql.shuffle.partitions": "4", "spark.default.parallelism": "2", "spark.ui.enabled": "false"},
    )
    yield session
    session.stop()


def _records():
    recs = corpus()
    # more groups, spread over partitions, each with its fullest version not first
    for k in range(5, 12):
        full = story(k)
        recs += [(f"t{k}-cut", full[: len(full) * 2 // 3]), (f"t{k}", full), (f"t{k}-noise", full.replace(" ", "  "))]
    return recs


@pytest.mark.parametrize("keep", ["representative", "first"])
def test_deduplicate_keeps_the_local_rows_in_input_order(spark, keep):
    recs = _records()
    pdf = pd.DataFrame({"doc": [i for i, _ in recs], "body": [t for _, t in recs], "n": range(len(recs))})
    df = spark.createDataFrame(pdf).repartition(3)
    kept, dropped = dedup.spark.deduplicate(df, text_col="body", id_col="doc", position_col="n", keep=keep, return_dropped=True)
    got = kept.toPandas()
    want = dedup.deduplicate(recs, keep=keep)
    assert list(got.columns) == ["doc", "body", "n"]
    assert got["doc"].tolist() == [i for i, _ in want]
    assert got["body"].tolist() == [t for _, t in want]
    d = Deduplicator_kept_of(recs, keep)
    back = dropped.toPandas()
    assert list(back.columns) == ["doc", "body", "n", "duplicate_of"]
    assert dict(zip(back["doc"], back["duplicate_of"])) == d
    assert back["n"].tolist() == sorted(back["n"].tolist())


def Deduplicator_kept_of(recs, keep):
    engine = dedup.Deduplicator()
    engine.add_many(recs)
    of = engine.clusters().kept_of(keep).tolist()
    return {recs[k][0]: recs[t][0] for k, t in enumerate(of) if t != k}


def test_bad_keep_and_clashing_column(spark):
    df = spark.createDataFrame([("a", "one text here", 1)], "id string, text string, duplicate_of long")
    with pytest.raises(ConfigError, match="keep must be one of"):
        dedup.spark.deduplicate(df, keep="last")
    with pytest.raises(ConfigError, match="duplicate_of"):
        dedup.spark.deduplicate(df, return_dropped=True)


def test_cli_engine_spark_writes_the_local_bytes(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl_bytes(_records()))
    outs = {}
    for engine in ("local", "spark"):
        r = run_inproc("dedupe", str(src), "--engine", engine, "--dropped", str(tmp_path / f"d-{engine}.jsonl"), "-q")
        assert r.returncode == 0, r.stderr
        outs[engine] = r.stdout, (tmp_path / f"d-{engine}.jsonl").read_bytes()
    assert outs["spark"] == outs["local"]
    assert len(outs["local"][0].splitlines()) == 4 + 7
    assert all("duplicate_of" in json.loads(x) for x in outs["local"][1].splitlines())
