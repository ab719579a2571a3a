"""JSON Lines read in blocks: the core splits a block into lines and parses the plain records without the GIL."""

from __future__ import annotations

from .. import _core

__all__ = ["jsonl_block"]


def jsonl_block(data: bytes, eof: bool, max_bytes: int | None, id_field: str, fields: tuple[str, ...], join: str) -> tuple:
    """The complete lines of a block of JSON Lines: ``(kinds, ends, ids, texts, used)`` (see ``dedup.io._jsonl_blocks``)."""
    return _core.jsonl_block(data, eof, max_bytes, id_field, list(fields), join)
