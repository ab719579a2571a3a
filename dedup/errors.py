"""Exceptions raised by dedup.

Every error a user can cause derives from :class:`DedupError`, so a pipeline can
catch one type. Errors about arguments also derive from :class:`ValueError`, and
errors about input data say where the bad input is (file, line, id).
"""

from __future__ import annotations

from typing import TypedDict


class Where(TypedDict, total=False):
    """Where a bad input is, as :class:`InputError` takes it (``InputError(message, **where)``)."""

    source: str
    line: int
    row: int


class DedupError(Exception):
    """Base class of all errors raised by dedup."""


class ConfigError(DedupError, ValueError):
    """A parameter is out of range or the parameters do not fit together."""


class InputError(DedupError, ValueError):
    """A document or input record is malformed.

    ``source`` names the file (or ``<stdin>``), ``line`` the 1-based line number (of a CSV record: its
    first line), ``row`` the 1-based row of a Parquet file and ``doc_id`` the record's id, where known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        doc_id: object = None,
        row: int | None = None,
    ) -> None:
        self.reason = message
        self.source = source
        self.line = line
        self.row = row
        self.doc_id = doc_id
        where = []
        if source is not None:
            where.append(str(source))
        if line is not None:
            where.append(f"line {line}")
        elif row is not None:
            where.append(f"row {row}")
        if doc_id is not None:
            where.append(f"id {doc_id!r}")
        super().__init__(f"{': '.join(where)}: {message}" if where else message)


class FormatError(InputError):
    """An input is not in the format it is read as (a JSON array read as JSON Lines, a truncated gzip stream,
    a CSV header without the id column): the whole input, not one record, is bad, so ``--on-error skip``
    does not skip it."""
