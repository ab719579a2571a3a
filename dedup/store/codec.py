"""How the SQLite store encodes values as blobs (see :mod:`dedup.store.sqlite` for the schema).

Keys, document rows and sizes are little-endian int64, band-entry rows little-endian uint32,
fingerprints little-endian uint64, signatures little-endian uint32, and prepared texts
zlib-compressed UTF-8 (:func:`pack_text`). These encodings are the file format: the golden
index in ``tests/golden/`` holds them.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

__all__ = ["MAX_TEXT_BYTES", "doc_blob", "fp_blob", "i8_blob", "pack_text", "unpack_text"]

#: Prepared texts longer than this (UTF-8 bytes, 256 MiB) are not stored, and their pairs are decided by
#: signatures alone: SQLite caps a value at 1 GB, and a text of tens of millions of words is aligned with
#: hardly any other (:data:`dedup.align.MAX_ALIGN_CELLS`). Reading a text never inflates more than this.
MAX_TEXT_BYTES = 1 << 28


def i8_blob(values: Any) -> bytes:
    """Band keys, document rows and sizes as stored."""
    return np.ascontiguousarray(values, dtype="<i8").tobytes()


def doc_blob(docs: np.ndarray) -> bytes:
    """The documents (rows) of band entries as stored."""
    return np.ascontiguousarray(docs, dtype="<u4").tobytes()


def fp_blob(fps: np.ndarray) -> bytes:
    """Document fingerprints as stored."""
    return np.ascontiguousarray(fps, dtype="<u8").tobytes()


def pack_text(text: str | None) -> bytes | None:
    """A prepared text as the ``texts`` table stores it: zlib-compressed UTF-8 (None: not stored).

    Texts are encoded with ``surrogatepass`` (a Python ``str`` may hold lone surrogates), so every
    text comes back exactly; one over :data:`MAX_TEXT_BYTES` is not stored.
    """
    if text is None:
        return None
    raw = text.encode("utf-8", "surrogatepass")
    return zlib.compress(raw) if len(raw) <= MAX_TEXT_BYTES else None


def unpack_text(blob: Any) -> str:
    """:func:`pack_text` undone, every step checked; ValueError saying what is wrong."""
    if not isinstance(blob, bytes):
        raise ValueError(f"a {type(blob).__name__} value, not a blob")
    d = zlib.decompressobj()
    try:
        raw = d.decompress(blob, MAX_TEXT_BYTES + 1)
    except zlib.error as exc:
        raise ValueError(f"not zlib data: {exc}") from None
    if len(raw) > MAX_TEXT_BYTES or d.unconsumed_tail:
        raise ValueError(f"inflates past {MAX_TEXT_BYTES} bytes")
    if not d.eof or d.unused_data:
        raise ValueError("truncated zlib data" if not d.eof else "bytes after the zlib data")
    try:
        return raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
