"""Deduplicating a pandas ``DataFrame`` or a Hugging Face ``datasets.Dataset``, in batches.

Two jobs, for each container:

* :func:`deduplicate_dataframe` / :func:`deduplicate_dataset`: the rows to keep, one per group of
  near-duplicates *within* the data (what :func:`dedup.deduplicate` and ``dedup dedupe`` keep).
* :func:`filter_dataframe` / :func:`filter_dataset`: the rows that are new *to a persistent*
  :class:`dedup.Index` (and to the rows before them), which are added to it: what ``dedup filter`` does,
  with :meth:`Index.check_and_add_many` on batches (one transaction each) instead of a
  ``check_and_add`` per row (one commit per row).

Rows keep their order and every column; the result is a new frame or dataset (``df.iloc[...]``,
``ds.select(...)``). Nothing here imports pandas or datasets: the objects passed in are used as they come
(install them with ``pip install 'dedup-reprints[pandas]'`` or ``'dedup-reprints[datasets]'``).

The dataset helpers read the columns with ``Dataset.iter(batch_size)`` rather than ``Dataset.map``, whose
cache would replay a previous result without calling the function again, so the index would not see the
rows a second time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from .deduplicator import Deduplicator
from .errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from .index import Index

__all__ = ["deduplicate_dataframe", "deduplicate_dataset", "filter_dataframe", "filter_dataset", "kept_positions"]

BATCH_SIZE = 1000
"""Rows per batch read from a dataset and per index transaction."""


def _column(columns: Sequence[str], name: str | None, what: str, container: str) -> None:
    if name is not None and name not in columns:
        raise ConfigError(f"{what} column {name!r} is not in the {container} (columns: {', '.join(map(str, columns))})")


def kept_positions(texts: Sequence[str], ids: Sequence[Any] | None = None, keep: str = "representative", **params: Any) -> list[int]:
    """Positions of the texts to keep, one per group of near-duplicates, ascending (ids default to positions)."""
    d = Deduplicator(**params)
    d.add_many(zip(range(len(texts)) if ids is None else ids, texts))
    return d.clusters().kept(keep).tolist()


def deduplicate_dataframe(df: Any, text_col: str = "text", *, keep: str = "representative", **params: Any) -> Any:
    """The rows of a pandas DataFrame to keep, one per group of near-duplicate texts, in order (``df.iloc``;
    the index labels stay). ``keep``: ``"representative"`` (the fullest version) or ``"first"``. ``params``
    are those of :class:`~dedup.Deduplicator`."""
    _column(list(df.columns), text_col, "text", "DataFrame")
    return df.iloc[kept_positions(df[text_col].tolist(), keep=keep, **params)]


def deduplicate_dataset(ds: Any, text_col: str = "text", *, keep: str = "representative", batch_size: int = BATCH_SIZE,
                        **params: Any) -> Any:
    """The rows of a ``datasets.Dataset`` to keep, one per group of near-duplicate texts, in order
    (``ds.select``). The text column is read ``batch_size`` rows at a time."""
    _column(ds.column_names, text_col, "text", "Dataset")
    d = Deduplicator(**params)
    d.add_many((i, t) for i, t in enumerate(t for batch in _batches(ds, [text_col], batch_size) for t in batch[text_col]))
    return ds.select(d.clusters().kept(keep).tolist())


def _batches(ds: Any, columns: list[str], batch_size: int) -> Iterator[dict[str, list[Any]]]:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
    yield from ds.select_columns(columns).iter(batch_size=batch_size)


def _new_positions(index: Index, ids: Sequence[Any], texts: Sequence[str], offset: int, on_duplicate_id: Literal["raise", "skip"]) -> list[int]:
    results = index.check_and_add_many(list(zip(ids, texts)), on_duplicate_id=on_duplicate_id)
    return [offset + k for k, match in enumerate(results) if match is None]


def filter_dataframe(df: Any, index: Index, text_col: str = "text", id_col: str = "id", *, batch_size: int = BATCH_SIZE,
                     on_duplicate_id: Literal["raise", "skip"] = "skip") -> Any:
    """The rows of a pandas DataFrame that are not near-duplicates of a document in ``index`` (or of an
    earlier row), which are added to it, in batches of ``batch_size`` (one transaction each).

    A row whose id is already indexed counts as seen and is dropped (``on_duplicate_id="skip"``, as
    ``dedup filter`` does); ``"raise"`` raises instead."""
    cols = list(df.columns)
    _column(cols, text_col, "text", "DataFrame")
    _column(cols, id_col, "id", "DataFrame")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
    ids, texts = df[id_col].tolist(), df[text_col].tolist()
    keep: list[int] = []
    for start in range(0, len(ids), batch_size):
        keep += _new_positions(index, ids[start:start + batch_size], texts[start:start + batch_size], start, on_duplicate_id)
    return df.iloc[keep]


def filter_dataset(ds: Any, index: Index, text_col: str = "text", id_col: str = "id", *, batch_size: int = BATCH_SIZE,
                   on_duplicate_id: Literal["raise", "skip"] = "skip") -> Any:
    """:func:`filter_dataframe` for a ``datasets.Dataset``: the rows new to ``index`` (added to it), ``ds.select``-ed."""
    _column(ds.column_names, text_col, "text", "Dataset")
    _column(ds.column_names, id_col, "id", "Dataset")
    keep: list[int] = []
    start = 0
    for batch in _batches(ds, list(dict.fromkeys([id_col, text_col])), batch_size):
        keep += _new_positions(index, batch[id_col], batch[text_col], start, on_duplicate_id)
        start += len(batch[id_col])
    return ds.select(keep)
