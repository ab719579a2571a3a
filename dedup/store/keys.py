"""The key a document without shingles is filed under (part of the on-disk format: schema 6 files it)."""

from __future__ import annotations

import hashlib

__all__ = ["wordless_key"]


def wordless_key(prepared: str) -> int:
    """The band key a document without shingles is filed under: a 64-bit hash of its prepared text.

    Such documents (empty, emoji-only or punctuation-only once normalized) share one empty
    signature, so no LSH band tells them apart; this key finds their exact copies (and only
    those: a candidate under it matches when its stored text is equal).
    """
    raw = prepared.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8, person=b"dedup-wordless").digest(), "little", signed=True)
