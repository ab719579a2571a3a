"""Cutting a stream of items into lists of a fixed size, and checking a batch's ids are new at once: how the
index, the engine and the command line take their records in batches. Generic, so it sits with the
foundations, below the core and the I/O layer alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Set
from typing import Any, TypeVar

from .errors import InputError

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` consecutive items (the last may be shorter).

    A single ``str`` or ``bytes`` is refused: it is iterable, but a batch of its characters is never what
    the caller meant (a text passed where a list of texts was expected)."""
    if isinstance(items, (str, bytes)):
        raise InputError("expected an iterable of records or texts, got a single string")
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def claim_new(ids: Sequence[Any], seen: set[Any], taken: Set[Any] = frozenset()) -> bool:
    """Whether a batch's ``ids`` are hashable, none repeated, and none in ``seen`` or ``taken``; they are then
    added to ``seen``. False leaves ``seen`` as it was: the caller reads the batch record by record to find which."""
    try:
        new = set(ids)
    except TypeError:  # an id that cannot be hashed
        return False
    if len(new) < len(ids) or not seen.isdisjoint(new) or not taken.isdisjoint(new):
        return False
    seen |= new
    return True
