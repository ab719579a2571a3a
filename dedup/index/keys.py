"""The keys an index files its documents under: LSH band keys, exact keys and wordless keys.

A change to any function here changes every key of every index file: it needs a new :data:`KEY_SCHEME`
name (``tests/test_index_blinding.py`` pins their values).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from ..lsh import LSH, level_keys
from ..store.base import IndexFileError
from ..store.keys import wordless_key as wordless_key  # the wordless key is part of the file format (store)

#: The keys an index files its documents under (stored as ``config['key_scheme']``): the band keys of
#: :func:`band_keys`, and per document with shingles its :func:`exact_keys` value, keyed with the index's
#: secret ``config['exact_key_salt']`` (:data:`SALT_BYTES` random bytes, hex). A change to either function
#: changes every key of every index file: it needs a new scheme name (``tests/test_index_blinding.py``
#: pins their values).
KEY_SCHEME = "lsh-band-key-xor-salt-v1+exact-key-blake2b-v1"
#: The scheme of indexes written before exact keys (issue 18): band keys only. Such a file is read as it
#: is, deciding as before (no exact keys to look up); its first insert files every stored document under
#: its exact key and records :data:`KEY_SCHEME` (:func:`dedup.index.scheme.upgrade_keys`).
KEY_SCHEME_V1 = "lsh-band-key-xor-salt-v1"
#: Length of the secret salt of the exact keys.
SALT_BYTES = 16
#: Most band key columns an index may have (one salt each).
MAX_BANDS = 4096


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


_SALT = _splitmix64(np.arange(MAX_BANDS, dtype=np.uint64))


Levels = tuple[tuple[float, float, int, int], ...]


def band_keys(lsh: LSH, signatures: np.ndarray, levels: Levels = ()) -> np.ndarray:
    """``int64 (n, bands + len(level_columns(levels)))``: each band's :meth:`LSH.keys`, then the keys of the
    length-ratio levels' columns (:func:`dedup.lsh.level_keys`: containment candidates), each XOR a
    per-column salt, as signed 64-bit.

    Salting lets one column hold every band (equal rows in two different bands do
    not collide), and the int64 view fits SQLite's INTEGER.
    """
    keys = lsh.keys(signatures)
    if levels:
        keys = np.concatenate((keys, level_keys(signatures, levels)), axis=1)
    keys = keys ^ _SALT[: keys.shape[1]]
    return keys.view(np.int64)


def exact_keys(salt: bytes, signatures: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``int64 (n,)``: the exact key of each document, a 64-bit BLAKE2b keyed with ``salt`` (the index's secret)
    of its shingle count (int64, little-endian) followed by its signature (uint32 values, little-endian).

    Exact copies (equal prepared texts) have equal signatures and counts, hence equal keys; any two other
    documents share one with probability 2**-64, and without the salt no one can compute a document's key,
    so none can be aimed at. Only the signature (``num_perm`` values) is hashed, not the number sketch.
    """
    sigs = np.ascontiguousarray(signatures, dtype="<u4")
    n = sigs.shape[0]
    if n == 0:
        return np.zeros(0, np.int64)
    rows = np.empty((n, 2 + sigs.shape[1]), dtype="<u4")
    rows[:, :2] = np.ascontiguousarray(sizes, dtype="<i8").reshape(n, 1).view("<u4")
    rows[:, 2:] = sigs
    raw, width = memoryview(rows.tobytes()), 4 * rows.shape[1]
    base = hashlib.blake2b(digest_size=8, key=salt, person=b"dedup-exact")
    out = []
    for i in range(n):
        h = base.copy()
        h.update(raw[i * width : (i + 1) * width])
        out.append(h.digest())
    return np.frombuffer(b"".join(out), dtype="<i8").astype(np.int64)


def salt_of(path: str, config: dict[str, Any]) -> bytes | None:
    """The exact keys' salt a stored configuration names (None: key scheme v1, no exact keys)."""
    scheme = config.get("key_scheme")
    if scheme == KEY_SCHEME_V1:
        return None
    if scheme != KEY_SCHEME:
        raise IndexFileError(f"{path}: unknown band key scheme {scheme!r}")
    raw = config.get("exact_key_salt")
    try:
        salt = bytes.fromhex(raw) if isinstance(raw, str) else b""
    except ValueError:
        salt = b""
    if len(salt) != SALT_BYTES:
        raise IndexFileError(f"{path}: stored exact_key_salt is missing or invalid (damaged)")
    return salt


