"""The pandas and Hugging Face datasets helpers (dedup.frames): the same rows as dedup.deduplicate and a
per-row check_and_add loop, in batches."""

from __future__ import annotations

import pytest
from test_dedupe import corpus

import dedup
from dedup.errors import ConfigError

pd = pytest.importorskip("pandas")


def _frame():
    recs = corpus()
    return pd.DataFrame({"id": [i for i, _ in recs], "text": [t for _, t in recs], "n": range(len(recs))},
                        index=[f"row{k}" for k in range(len(recs))])


@pytest.mark.parametrize("keep", ["representative", "first"])
def test_deduplicate_dataframe(keep):
    df = _frame()
    got = dedup.frames.deduplicate_dataframe(df, keep=keep)
    want = dedup.deduplicate(list(zip(df["id"], df["text"])), keep=keep)
    assert got["id"].tolist() == [i for i, _ in want]
    assert list(got.columns) == ["id", "text", "n"] and got.index.tolist() == [f"row{n}" for n in got["n"]]
    with pytest.raises(ConfigError, match="text column 'body' is not in the DataFrame"):
        dedup.frames.deduplicate_dataframe(df, text_col="body")


def _loop(index, rows):
    return [i for i, t in rows if index.check_and_add(i, t) is None]


def test_filter_dataframe_equals_the_per_row_loop(tmp_path):
    df = _frame()
    rows = list(zip(df["id"], df["text"]))
    with dedup.Index.open(str(tmp_path / "loop.dedup")) as index:
        want = _loop(index, rows)
    with dedup.Index.open(str(tmp_path / "batch.dedup")) as index:
        got = dedup.frames.filter_dataframe(df, index, batch_size=3)
        assert got["id"].tolist() == want and len(index) == len(want)
        again = dedup.frames.filter_dataframe(df, index)  # everything is seen now
        assert again.empty and list(again.columns) == ["id", "text", "n"]
        with pytest.raises(ConfigError, match="batch_size"):
            dedup.frames.filter_dataframe(df, index, batch_size=0)
        with pytest.raises(ConfigError, match="id column 'url'"):
            dedup.frames.filter_dataframe(df, index, id_col="url")


def test_datasets_helpers(tmp_path):
    datasets = pytest.importorskip("datasets")
    df = _frame().reset_index(drop=True)
    ds = datasets.Dataset.from_pandas(df, preserve_index=False)
    for keep in ("representative", "first"):
        got = dedup.frames.deduplicate_dataset(ds, keep=keep, batch_size=2)
        assert got["id"] == dedup.frames.deduplicate_dataframe(df, keep=keep)["id"].tolist()
        assert got.column_names == ["id", "text", "n"]
    rows = list(zip(df["id"], df["text"]))
    with dedup.Index.open(str(tmp_path / "loop.dedup")) as index:
        want = _loop(index, rows)
    with dedup.Index.open(str(tmp_path / "ds.dedup")) as index:
        got = dedup.frames.filter_dataset(ds, index, batch_size=3)
        assert got["id"] == want
        assert len(dedup.frames.filter_dataset(ds, index)) == 0  # a second run sees every row (no map cache)
    with pytest.raises(ConfigError, match="text column 'body' is not in the Dataset"):
        dedup.frames.deduplicate_dataset(ds, text_col="body")


def test_submodules_are_attributes_after_import_dedup():
    import subprocess
    import sys

    code = "import dedup; print(dedup.frames.__name__, dedup.spark.__name__, 'spark' in dir(dedup))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.split() == ["dedup.frames", "dedup.spark", "True"], r.stderr
