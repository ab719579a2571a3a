"""Cutting a stream of items into lists of a fixed size: how the index and the command line take their
records in batches. Generic, so it sits with the foundations, below the core and the I/O layer alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

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
