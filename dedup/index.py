"""A persistent near-duplicate index: check each incoming document against everything seen before.

:class:`Index` is the pre-ingest hook of a data pipeline. It keeps the MinHash
signatures and LSH band keys of admitted documents in an embedded database (SQLite
by default, see :mod:`dedup.store.sqlite`), so the set of documents seen survives
across runs and is shared by processes.

Matching is exactly the :class:`~dedup.Deduplicator`'s: the same :class:`~dedup.Params`,
normalization, shingling and signatures (a ``Deduplicator`` is the signing engine),
LSH banding for candidates (the Jaccard bands and, in an index created since they exist, the bands of the
length-ratio levels that propose excerpts and abridgements: :func:`dedup.lsh.containment_pairs`), and the same two-stage rule (:class:`dedup.verify.Verifier`):
a stored document matches when estimated Jaccard ``J >= threshold`` or containment
``C >= containment_threshold``, the numbers the two texts state do not rule it out
(:mod:`dedup.numbers`), and -- with ``verify_text`` -- the word alignment of the two
prepared texts does not show one template filled with other facts (:mod:`dedup.align`).
A document the index drops therefore shares an edge with an admitted one, and
``dedup cluster`` with ``min_link_fraction=0`` would group them. The best match is the
most similar stored document that passes both stages: a candidate that passes the
first and fails the second gives way to the next one.

A document's number sketch is stored after its signature, in the same value
(``num_perm + 1 + SKETCH_SIZE`` integers), when the index checks numbers
(``number_agreement > 0``). With ``verify_text`` the index also stores each admitted
document's prepared text (:meth:`Deduplicator.prepare`), zlib-compressed, and reads it
back only for the candidate pairs that pass the first stage. Documents stored before
texts were kept (schema 4 and older) have none: their pairs are decided by the first
stage alone, as when they were admitted. An index written before ``verify_text``
existed keeps it off (see :data:`_ADDED_PARAMS`).

Besides its LSH band keys, each document with shingles is filed under its *exact key*
(:func:`exact_keys`: a hash of its signature and shingle count, keyed with a secret salt
drawn when the index is created), and a document admitted by :meth:`Index.check_and_add`
is filed there whatever the bucket cap: ``max_bucket`` can leave a document out of full
band buckets, even out of all of them (buckets filled by boilerplate, or on purpose by
crafted documents: the MinHash seed is public, so the bucket of each band of a text can be
aimed at), but never out of the one bucket its exact copies look in.

>>> with Index.open("seen.dedup") as index:                     # doctest: +SKIP
...     for doc in stream:
...         if index.check_and_add(doc["id"], doc["text"]) is None:
...             keep(doc)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import numpy as np

from . import _kernels, numbers
from .cluster import EXACT_MARGIN, exact_containment
from .deduplicator import Deduplicator, Params
from .errors import ConfigError, InputError
from .io import chunks
from .lsh import LSH, containment_levels, level_allows, level_columns, level_keys, optimal_bands
from .params import INDEX_PARAMS
from .store.base import (
    DuplicateIdError,
    Fetched,
    IndexClosedError,
    IndexFileError,
    IndexLockedError,
    IndexThreadError,
    ParamsMismatchError,
    Store,
)
from .store.sqlite import SQLiteStore
from .verify import estimates, similarity_between

__all__ = [
    "Index",
    "Match",
    "band_keys",
    "exact_keys",
    "wordless_key",
    "KEY_SCHEME",
    "INDEX_PARAMS",
    "DuplicateIdError",
    "IndexClosedError",
    "IndexFileError",
    "IndexLockedError",
    "IndexThreadError",
    "ParamsMismatchError",
]

#: Parameters added after the first index format, with the value that reproduces an index written
#: without them: a stored configuration lacking one gets this value, not today's default. For
#: ``verify_text`` that is also the only consistent choice: such a file holds no texts, so turning the
#: alignment on would apply it to the pairs of documents added from now on only, and the same text would
#: be admitted or dropped depending on when its near-duplicate was stored. An old index keeps deciding
#: as it did (and stores no texts); build a new one to get the alignment.
_ADDED_PARAMS: dict[str, Any] = {"number_agreement": 0.0, "verify_text": False}

#: The keys an index files its documents under (stored as ``config['key_scheme']``): the band keys of
#: :func:`band_keys`, and per document with shingles its :func:`exact_keys` value, keyed with the index's
#: secret ``config['exact_key_salt']`` (:data:`SALT_BYTES` random bytes, hex). A change to either function
#: changes every key of every index file: it needs a new scheme name (``tests/test_index_blinding.py``
#: pins their values).
KEY_SCHEME = "lsh-band-key-xor-salt-v1+exact-key-blake2b-v1"
#: The scheme of indexes written before exact keys (issue 18): band keys only. Such a file is read as it
#: is, deciding as before (no exact keys to look up); its first insert files every stored document under
#: its exact key and records :data:`KEY_SCHEME` (:meth:`Index._upgrade_keys`).
KEY_SCHEME_V1 = "lsh-band-key-xor-salt-v1"
#: Length of the secret salt of the exact keys.
SALT_BYTES = 16
_MAX_BANDS = 4096

#: Integer ids are stored as JSON numbers; this many bits (1,000 decimal digits) at most.
_MAX_ID_BITS = 3321

#: Default cap on documents per band key (see :meth:`Index.open`, ``max_bucket``).
MAX_BUCKET = 8


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


_SALT = _splitmix64(np.arange(_MAX_BANDS, dtype=np.uint64))


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


def _salt_of(path: str, config: dict[str, Any]) -> bytes | None:
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


def wordless_key(prepared: str) -> int:
    """The band key a document without shingles is filed under: a 64-bit hash of its prepared text.

    Such documents (empty, emoji-only or punctuation-only once normalized) share one empty
    signature, so no LSH band tells them apart; this key finds their exact copies (and only
    those: a candidate under it matches when its stored text is equal).
    """
    raw = prepared.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8, person=b"dedup-wordless").digest(), "little", signed=True)


@dataclass(frozen=True)
class Match:
    """A stored document that a checked text near-duplicates.

    ``id`` and ``meta`` are the stored document's; ``similarity`` is ``max(jaccard,
    containment)`` (as in ``dedup cluster``), both estimated from the signatures.
    ``near_duplicate`` is False only for a record refused because its id is taken
    (``on_duplicate_id="skip"``) whose text does not match the stored one.
    """

    id: str | int
    similarity: float
    jaccard: float
    containment: float
    meta: Any = None
    near_duplicate: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "similarity": round(self.similarity, 4),
            "jaccard": round(self.jaccard, 4),
            "containment": round(self.containment, 4),
            "meta": self.meta,
            "near_duplicate": self.near_duplicate,
        }


def _encode_id(doc_id: Any) -> str:
    if isinstance(doc_id, np.integer):
        doc_id = int(doc_id)
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        raise InputError(f"id must be a string or an integer, got {type(doc_id).__name__}", doc_id=doc_id)
    if isinstance(doc_id, int) and doc_id.bit_length() > _MAX_ID_BITS:
        # json.dumps (and repr) refuse integers of more than sys.get_int_max_str_digits() digits
        raise InputError(f"integer id too large ({doc_id.bit_length()} bits, at most {_MAX_ID_BITS}); use a string id", doc_id=_id_repr(doc_id))
    return _utf8_json(json.dumps(doc_id, ensure_ascii=False), doc_id)


def _utf8_json(text: str, value: Any) -> str:
    """JSON ``text`` as stored (UTF-8): a lone surrogate, which UTF-8 cannot hold, is written as its
    ``\\u`` escape (``json.loads`` gives it back); every other text stays as it is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, allow_nan=False)
    return text


def _id_repr(doc_id: Any) -> Any:
    """``doc_id`` as an error may name it (an integer id too long to print is named by its size)."""
    if isinstance(doc_id, int) and doc_id.bit_length() > _MAX_ID_BITS:
        return f"<integer of {doc_id.bit_length()} bits>"
    return doc_id


def _encode_meta(meta: Any, doc_id: Any) -> str | None:
    if meta is None:
        return None
    try:
        return _utf8_json(json.dumps(meta, ensure_ascii=False, allow_nan=False), meta)
    except (TypeError, ValueError) as exc:
        raise InputError(f"meta must be JSON-serializable: {exc}", doc_id=_id_repr(doc_id)) from None
    except RecursionError:
        raise InputError("meta is nested too deeply to store as JSON", doc_id=_id_repr(doc_id)) from None


def _decode_meta(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _split(rec: Any, position: int) -> tuple[Any, str, Any]:
    if isinstance(rec, Mapping):
        if "id" not in rec or "text" not in rec:
            raise InputError(f"record #{position} needs 'id' and 'text' keys, has {sorted(map(str, rec))}")
        return rec["id"], rec["text"], rec.get("meta")
    if isinstance(rec, (tuple, list)) and len(rec) in (2, 3):
        return (rec[0], rec[1], rec[2] if len(rec) == 3 else None)
    raise InputError(f"record #{position} must be (id, text), (id, text, meta) or a mapping, got {type(rec).__name__}")


def _seconds(older_than: float | timedelta) -> float:
    if isinstance(older_than, timedelta):
        older_than = older_than.total_seconds()
    if isinstance(older_than, bool) or not isinstance(older_than, (int, float)) or not math.isfinite(older_than) or older_than < 0:
        raise ConfigError(f"older_than must be a non-negative number of seconds or a timedelta, got {older_than!r}")
    return float(older_than)


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return value


class _Signed:
    """A batch of documents signed outside any transaction (signing is the CPU-heavy part).

    ``texts`` are the prepared texts (what was signed, what stage 2 aligns); ``packed`` their
    stored form (:meth:`Store.pack_texts`, compressed here too), or None when none are stored.
    """

    __slots__ = ("ids", "enc", "metas", "sigs", "sizes", "nums", "keys", "texts", "packed", "wkeys", "ekeys", "ekey_salt")

    def __init__(
        self, ids: list[Any], enc: list[str], metas: list[str | None], sigs: np.ndarray, sizes: np.ndarray, nums: np.ndarray, keys: np.ndarray,
        texts: list[str], packed: list[bytes | None] | None,
    ) -> None:
        self.ids, self.enc, self.metas, self.sigs, self.sizes, self.nums, self.keys = ids, enc, metas, sigs, sizes, nums, keys
        self.texts, self.packed = texts, packed
        #: per document, its :func:`wordless_key` when it has no shingles (0 otherwise)
        self.wkeys = np.array([wordless_key(t) if s == 0 else 0 for t, s in zip(texts, sizes.tolist())], dtype=np.int64)
        #: per document, its :func:`exact_keys` value with salt ``ekey_salt`` (see :meth:`Index._exact_of`)
        self.ekeys: np.ndarray | None = None
        self.ekey_salt: bytes | None = None

    def subset(self, sel: np.ndarray) -> _Signed:
        """The documents ``sel`` of the batch, as a batch of their own (exact keys computed again when needed)."""
        at = sel.tolist()
        return _Signed(
            [self.ids[i] for i in at], [self.enc[i] for i in at], [self.metas[i] for i in at], self.sigs[sel], self.sizes[sel],
            self.nums[sel], self.keys[sel], [self.texts[i] for i in at], None if self.packed is None else [self.packed[i] for i in at],
        )


def _batch_texts(batch: _Signed, pairs: np.ndarray) -> Callable[[np.ndarray], tuple[list[str | None], list[str | None]]]:
    """The prepared texts of pairs ``pairs[idx]`` of documents of ``batch`` (for :meth:`Index._screen`)."""

    def texts(idx: np.ndarray) -> tuple[list[str | None], list[str | None]]:
        return [batch.texts[i] for i in pairs[idx, 0].tolist()], [batch.texts[j] for j in pairs[idx, 1].tolist()]

    return texts


class Index:
    """A persistent near-duplicate index. Open with :meth:`Index.open`; use as a context manager.

    One ``Index`` object belongs to one thread; any number of processes (or
    threads, each with its own ``Index``) may open the same file. Writes are
    serialized by the database's write lock, so :meth:`check_and_add` is atomic
    across processes: of two racing near-duplicates exactly one is admitted.
    """

    def __init__(
        self, store: Store, engine: Deduplicator, lsh: LSH, batch_size: int, max_bucket: int, salt: bytes | None, levels: Levels = ()
    ) -> None:
        self._store: Store | None = store
        self._levels = levels  # the length-ratio levels of containment candidates (none in an index older than them)
        self.max_bucket = max_bucket
        self._salt = salt  # of the exact keys; None: the file is of key scheme v1 (no exact keys yet)
        self._engine = engine
        self._lsh = lsh
        self.batch_size = batch_size

    # -- opening and closing --------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike,
        *,
        create: bool = True,
        timeout: float = 30.0,
        durable: bool = False,
        batch_size: int = 1000,
        n_jobs: int | None = None,
        max_bucket: int | None = None,
        cache_signatures: bool = False,
        **params: Any,
    ) -> Index:
        """Open (or create) the index at ``path``.

        With ``create`` (the default) a missing file becomes a new index; with
        ``create=False`` a missing file raises :class:`IndexFileError`, and nothing is
        ever written to the file before it is known to be an index (read-only use
        never creates or initializes one). An existing empty file (zero bytes) is an
        :class:`IndexFileError` ("empty file, not an index") either way: an index is
        never empty, so it is an index truncated to nothing (taking it as new would
        forget every document seen) or a file that is not ours. Remove it to start over.

        ``params`` are :class:`~dedup.Params` fields (``threshold``, ``shingle``,
        ``num_perm`` ...). A new index stores them (defaults for the ones not given);
        an existing index uses its stored ones, and any given parameter that differs
        raises :class:`ParamsMismatchError` -- signatures made with other parameters
        are not comparable. ``timeout`` is how long a write waits for another
        process's lock before :class:`IndexLockedError`; ``durable`` makes commits
        survive power loss (not only process death); ``batch_size`` is the number of
        documents per transaction in the ``*_many`` methods; ``n_jobs`` the signing
        threads (None: all cores).

        Each open index holds the band entries and a 4-bit fingerprint of every stored
        signature in memory (about 1 KB per document at the defaults), read at its first
        operation and then kept up to date with what other processes add.
        ``cache_signatures`` also holds the signatures themselves (``4 * num_perm`` bytes
        per document, and the number sketch); results are the same, and since the
        fingerprints leave few signatures to read, it rarely pays.

        ``max_bucket`` (stored like the parameters; default :data:`MAX_BUCKET`) caps
        the documents kept per LSH band key: a key shared by that many stored
        documents is a hot bucket (boilerplate, common phrases), and later documents
        are not filed under it, only under their other keys. Like the
        ``Deduplicator``, which compares only a star and a chain inside buckets of
        more than 64, this bounds the candidates per check -- without it a long news
        article in a million-document index has thousands of chance candidates. A
        near-duplicate is missed only if every band it shares with its original is
        a hot one. The cap does not apply to the exact key (:func:`exact_keys`) of a
        document that :meth:`check_and_add` admits: its exact copies always find it, even
        when all of its band buckets are full (:meth:`verify` reports documents filed
        under none of their band keys). :meth:`add`, which stores without checking,
        files a document under its exact key, too, only while fewer than ``max_bucket``
        documents are filed there (they are its exact copies).

        An index written before exact keys existed (key scheme ``lsh-band-key-xor-salt-v1``)
        is read as it is and decides as before until its first insert, which files every
        stored document under its exact key (in the same transaction, from the stored
        signatures) and records the current :data:`KEY_SCHEME`: opening such an index and
        checking against it never write to the file.
        """
        unknown = set(params) - set(INDEX_PARAMS)
        if unknown:
            hint = " (min_link_fraction only affects clustering)" if "min_link_fraction" in unknown else ""
            raise ConfigError(f"unknown index parameter(s): {', '.join(sorted(unknown))}{hint}; known: {', '.join(INDEX_PARAMS)}")
        _positive_int(batch_size, "batch_size")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout >= 0:
            raise ConfigError(f"timeout must be a non-negative number of seconds, got {timeout!r}")
        if max_bucket is not None:
            _positive_int(max_bucket, "max_bucket")
        if not isinstance(cache_signatures, bool):
            raise ConfigError(f"cache_signatures must be True or False, got {cache_signatures!r}")
        requested = Params(**params)  # validates the given values
        store = SQLiteStore(path, create=create, timeout=timeout, durable=durable)
        store.cache_signatures = cache_signatures
        try:
            config = store.read_config()
            if config is None and not create:
                raise IndexFileError(f"{store.path}: the file holds no index configuration, not an index")
            if config is None:
                bands, rows = optimal_bands(requested.lsh_threshold, requested.num_perm)
                fresh = {
                    "params": {k: getattr(requested, k) for k in INDEX_PARAMS},
                    "bands": bands,
                    "rows": rows,
                    "key_scheme": KEY_SCHEME,
                    "exact_key_salt": secrets.token_bytes(SALT_BYTES).hex(),
                    "max_bucket": max_bucket or MAX_BUCKET,
                    "containment_levels": [list(lv) for lv in containment_levels(requested.containment_threshold, requested.num_perm)],
                }
                config = store.initialize(fresh)
            stored, bands, rows = cls._check_config(store.path, config, params)
            levels = cls._levels_of(store.path, config, stored)
            salt = _salt_of(store.path, config)
            cap = config.get("max_bucket")
            if not isinstance(cap, int) or cap < 1:
                raise IndexFileError(f"{store.path}: stored max_bucket {cap!r} is invalid")
            if max_bucket is not None and max_bucket != cap:
                raise ParamsMismatchError(f"{store.path}: index was built with max_bucket={cap}, given {max_bucket}")
            engine = Deduplicator(n_jobs=n_jobs, **stored)
            lsh = LSH(stored["lsh_threshold"], stored["num_perm"], bands=bands, rows=rows)
            store.fingerprint_columns = stored["num_perm"]
        except BaseException:
            store.close()
            raise
        return cls(store, engine, lsh, batch_size, cap, salt, levels)

    @staticmethod
    def _levels_of(path: str, config: dict[str, Any], stored: dict[str, Any]) -> Levels:
        """The stored length-ratio levels (:func:`dedup.lsh.containment_levels`); none in an index written
        before them, which keeps finding candidates by its Jaccard bands alone, as when it was built."""
        raw = config.get("containment_levels", [])
        try:
            levels = tuple((float(lo), float(hi), int(b), int(r)) for lo, hi, b, r in raw)
        except (TypeError, ValueError):
            raise IndexFileError(f"{path}: stored containment_levels {raw!r} are invalid") from None
        if any(not (0 <= lo < hi and b >= 1 and r >= 1 and b * r <= stored["num_perm"]) for lo, hi, b, r in levels):
            raise IndexFileError(f"{path}: stored containment_levels {raw!r} are invalid")
        if len(level_columns(levels)) + config["bands"] > _MAX_BANDS:
            raise IndexFileError(f"{path}: stored containment_levels {raw!r} have too many bands")
        return levels

    @staticmethod
    def _check_config(path: str, config: dict[str, Any], given: dict[str, Any]) -> tuple[dict[str, Any], int, int]:
        stored = config.get("params")
        if isinstance(stored, dict):
            stored = {**_ADDED_PARAMS, **stored}
        if not isinstance(stored, dict) or set(stored) != set(INDEX_PARAMS):
            raise IndexFileError(f"{path}: index parameters are missing or incomplete (damaged, or written by another dedup version)")
        _salt_of(path, config)  # a known key scheme, with its salt
        try:
            Params(**stored)
        except ConfigError as exc:
            raise IndexFileError(f"{path}: stored parameters are invalid: {exc}") from None
        bands, rows = config.get("bands"), config.get("rows")
        if not (isinstance(bands, int) and isinstance(rows, int) and 1 <= bands <= _MAX_BANDS and bands * rows <= stored["num_perm"]):
            raise IndexFileError(f"{path}: stored LSH bands/rows {bands!r}/{rows!r} are invalid")
        differ = [f"{k}: index has {stored[k]!r}, given {v!r}" for k, v in given.items() if stored[k] != v]
        if differ:
            raise ParamsMismatchError(
                f"{path}: index was built with other parameters ({'; '.join(differ)}); "
                "open it without them to use the stored ones, or build a new index"
            )
        return stored, bands, rows

    def close(self) -> None:
        """Close the database. Committed work is on disk; the object cannot be used afterwards."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self._store.path if self._store is not None else "closed"
        return f"Index({where!r}, {self.params})"

    @property
    def store(self) -> Store:
        if self._store is None:
            raise IndexClosedError("index is closed")
        return self._store

    @property
    def path(self) -> str:
        return self.store.path

    @property
    def params(self) -> Params:
        """The matching parameters (as stored in the index)."""
        return self._engine.params

    @property
    def bands(self) -> tuple[int, int]:
        """LSH ``(bands, rows)`` of this index."""
        return self._lsh.bands, self._lsh.rows

    @property
    def band_columns(self) -> int:
        """Band keys per document with shingles: the LSH bands, then the columns of the length-ratio levels
        of containment candidates (:func:`dedup.lsh.level_columns`; none in an index older than them)."""
        return self._lsh.bands + len(level_columns(self._levels))

    def __len__(self) -> int:
        store = self.store
        with store.read():
            return store.count()

    def __contains__(self, doc_id: object) -> bool:
        store = self.store
        enc = _encode_id(doc_id)
        with store.read():
            return bool(store.rows_of([enc]))

    def texts(self, ids: Iterable[str | int]) -> dict[str | int, str]:
        """The stored texts of these documents, by id, as they were signed (normalized: what the alignment
        compared). Ids not in the index, and documents stored without a text (``verify_text`` off, or added
        before texts were kept), are left out."""
        store = self.store
        enc = {_encode_id(i): i for i in ids}
        if not enc:
            return {}
        with store.read():
            rows = store.rows_of(list(enc))
            held = store.texts(np.array(list(rows.values()), dtype=np.int64)) if rows else {}
        return {enc[e]: held[r] for e, r in rows.items() if r in held}

    # -- signing and matching -------------------------------------------------------------------------

    def _sign(self, ids: list[Any], texts: list[Any], metas: list[Any]) -> _Signed:
        enc = [_encode_id(i) for i in ids]
        menc = [_encode_meta(m, i) for m, i in zip(metas, ids)]
        for i, t in zip(ids, texts):
            if not isinstance(t, str):
                raise InputError(f"text must be str, got {type(t).__name__}", doc_id=i)
        return self._signed(ids, enc, menc, texts, store=True)

    def _sign_texts(self, texts: Sequence[Any]) -> _Signed:
        for k, t in enumerate(texts):
            if not isinstance(t, str):
                raise InputError(f"text #{k} must be str, got {type(t).__name__}")
        n = len(texts)
        return self._signed([None] * n, [""] * n, [None] * n, texts, store=False)

    def _signed(self, ids: list[Any], enc: list[str], metas: list[str | None], texts: Sequence[str], store: bool) -> _Signed:
        # Normalized over ``n_jobs`` processes (a large enough batch), signed on ``n_jobs`` threads;
        # the texts to store are compressed here too, before the write lock is taken.
        prepared = self._engine.prepare_many(texts)
        sigs, sizes, nums = self._engine.sign_prepared(prepared)
        packed = None
        if store:  # with verify_text every text is stored; without, those of documents without shingles
            keep = [self.params.verify_text or s == 0 for s in np.asarray(sizes).tolist()]
            packed = self.store.pack_texts([t if k else None for t, k in zip(prepared, keep)])
        batch = _Signed(ids, enc, metas, sigs, np.asarray(sizes, dtype=np.int64), nums, band_keys(self._lsh, sigs, self._levels), prepared, packed)
        self._exact_of(batch)
        return batch

    # -- the key scheme ---------------------------------------------------------------------------------

    def _exact_of(self, batch: _Signed) -> np.ndarray | None:
        """The exact keys of ``batch`` under this index's salt (None while the file has none: key scheme v1)."""
        if self._salt is None:
            return None
        if batch.ekey_salt != self._salt:
            batch.ekeys, batch.ekey_salt = exact_keys(self._salt, batch.sigs, batch.sizes), self._salt
        return batch.ekeys

    def _follow_scheme(self) -> None:
        """Inside a transaction, on a file of key scheme v1: take its salt if another connection has upgraded it."""
        if self._salt is None:
            config = self.store.read_config()
            if config is None:
                raise IndexFileError(f"{self.store.path}: the file holds no index configuration, not an index")
            self._salt = _salt_of(self.store.path, config)

    def _upgrade_keys(self) -> None:
        """Inside a write transaction, about to insert into a file of key scheme v1: file every stored document
        with shingles under its exact key (computed from its stored signature, in row order and, as the oldest
        documents' history is not known, under the bucket cap) with a new secret salt, and record
        :data:`KEY_SCHEME`. Later documents are then filed and looked up under exact keys too."""
        self._follow_scheme()
        if self._salt is not None:
            return
        store = self.store
        config = store.read_config() or {}
        salt = secrets.token_bytes(SALT_BYTES)
        keys, rows = [], []
        for got in store.iter_docs(5_000):
            live = got.sizes > 0
            if live.any():
                keys.append(exact_keys(salt, self._split_stored(got.sigs)[0][live], got.sizes[live]))
                rows.append(got.rows[live])
        if keys:
            k, r = np.concatenate(keys), np.concatenate(rows)
            order = np.lexsort((r, k))  # by key, then row
            k, r = k[order], r[order]
            rank = np.arange(k.size) - np.searchsorted(k, k, "left")
            store.add_entries(k[rank < self.max_bucket], r[rank < self.max_bucket])
        store.write_config({**config, "key_scheme": KEY_SCHEME, "exact_key_salt": salt.hex()})
        self._salt = salt

    @contextlib.contextmanager
    def _writing(self) -> Any:
        """A write transaction; when it rolls back, so does an upgrade of the key scheme made in it."""
        salt = self._salt
        try:
            with self.store.write():
                self._follow_scheme()
                yield
        except BaseException:
            self._salt = salt
            raise

    @property
    def _stores_numbers(self) -> bool:
        return self.params.number_agreement > 0

    @property
    def _stored_width(self) -> int:
        return self._lsh.num_perm + (1 + numbers.SKETCH_SIZE if self._stores_numbers else 0)

    def _split_stored(self, stored: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Stored values -> signatures and number sketches (None when not stored), as views."""
        if stored.shape[0] and stored.shape[1] != self._stored_width:
            raise IndexFileError(
                f"{self.store.path}: stored signatures have {stored.shape[1]} values, expected {self._stored_width} (damaged)"
            )
        if not self._stores_numbers:
            return stored, None
        k = self._lsh.num_perm
        return stored[:, :k], stored[:, k:]

    def _screen(
        self,
        sigs_a: np.ndarray,
        sizes_a: np.ndarray,
        nums_a: np.ndarray,
        sigs_b: np.ndarray,
        sizes_b: np.ndarray,
        nums_b: np.ndarray | None,
        pairs: np.ndarray,
        texts: Callable[[np.ndarray], tuple[list[str | None], list[str | None]]] | None = None,
    ) -> tuple[np.ndarray, ...]:
        """``ok, similarity, jaccard, containment`` of pairs ``(i in a, j in b)`` by the first stage of the
        Deduplicator's rule (:meth:`Verifier.screen`); the pairs that pass go to :meth:`_confirm`.

        With ``verify_text``, ``texts(idx)`` gives the prepared texts of pairs ``pairs[idx]``: as in
        ``dedup cluster`` (:func:`dedup.cluster.exact_containment`), a pair that could match on containment
        alone is judged on its exact containment (a document stored without its text keeps the estimate)."""
        jac, cont = similarity_between(sigs_a, sizes_a, sigs_b, sizes_b, pairs)
        if texts is not None and self.params.verify_text:
            cont = exact_containment(jac, cont, np.arange(len(jac))[:, None].repeat(2, axis=1), self._engine.verifier,
                                     lambda near: self._exact(texts(near[:, 0]), cont[near[:, 0]]))
        return self._engine.verifier.screen(jac, cont, nums_a, nums_b, pairs), np.maximum(jac, cont), jac, cont

    def _exact(self, texts: tuple[list[str | None], list[str | None]], estimates: np.ndarray) -> np.ndarray:
        """Exact containment of pairs of prepared texts (:meth:`Shingler.containment`); the estimate where one is missing."""
        ta, tb = texts
        have = [k for k, (a, b) in enumerate(zip(ta, tb)) if a is not None and b is not None]
        out = np.array(estimates, dtype=np.float64, copy=True)
        if have:
            both = [t for k in have for t in (ta[k], tb[k])]
            pairs = np.arange(2 * len(have)).reshape(-1, 2)
            out[have] = self._engine.shingler.containment(both, pairs, self._engine.normalizer is not None)
        return out

    def _confirm(self, texts_a: Sequence[str | None], texts_b: Sequence[str | None]) -> np.ndarray:
        """The second stage (:meth:`Verifier.confirm`) on pairs that passed :meth:`_screen`: False where the
        prepared texts are one template filled with other facts. A text of None (a document stored without
        one) keeps the first stage's verdict."""
        return self._engine.verifier.confirm(texts_a, texts_b)

    def _stored_matches(self, batch: _Signed) -> tuple[list[Match | None], np.ndarray]:
        """Best stored match of each document of ``batch``, and the stored keys found (run inside a transaction)."""
        n = len(batch.sizes)
        out: list[Match | None] = [None] * n
        wordless_keys = self._wordless_matches(batch, out)
        live = np.flatnonzero(batch.sizes > 0)
        if live.size == 0:
            return out, wordless_keys
        flat = batch.keys[live].ravel()
        pos = np.repeat(live, batch.keys.shape[1])
        col = np.tile(np.arange(batch.keys.shape[1]), live.size)
        exact = self._exact_of(batch)
        if exact is not None:  # and under its exact key (never capped for a document check_and_add admits)
            flat, pos, col = np.concatenate((flat, exact[live])), np.concatenate((pos, live)), np.concatenate((col, np.full(live.size, -1)))
        hit_keys, hit_rows = self.store.lookup(flat)
        out = self._best(batch, out, flat, pos, col, hit_keys, hit_rows)
        return out, np.concatenate((hit_keys, wordless_keys))

    def _wordless_matches(self, batch: _Signed, out: list[Match | None]) -> np.ndarray:
        """Documents of ``batch`` without shingles: the oldest stored exact copy of each (its prepared text
        equal), into ``out``; returns the stored keys found (one per entry, as :meth:`_insert` counts them)."""
        zero = np.flatnonzero(batch.sizes == 0)
        if zero.size == 0:
            return np.zeros(0, np.int64)
        hk, hr = self.store.lookup(batch.wkeys[zero])
        if hk.size == 0:
            return hk
        held = self.store.texts(hr)
        rows_of: dict[int, list[int]] = {}
        for k, r in sorted(zip(hk.tolist(), hr.tolist())):
            rows_of.setdefault(k, []).append(r)
        winner: dict[int, int] = {}
        for j in zero.tolist():
            same = [r for r in rows_of.get(int(batch.wkeys[j]), ()) if held.get(r) == batch.texts[j]]
            if same:
                winner[j] = same[0]  # the oldest row
        if winner:
            got = self.store.fetch(np.array(sorted(set(winner.values())), dtype=np.int64))
            where = dict(zip(got.rows.tolist(), range(len(got.ids))))
            for j, r in winner.items():
                if r in where:
                    fi = where[r]
                    out[j] = Match(json.loads(got.ids[fi]), 1.0, 1.0, 1.0, _decode_meta(got.metas[fi]))
        return hk

    def _best(
        self, batch: _Signed, out: list[Match | None], flat: np.ndarray, pos: np.ndarray, col: np.ndarray,
        hit_keys: np.ndarray, hit_rows: np.ndarray,
    ) -> list[Match | None]:
        if hit_keys.size == 0:
            return out
        order = np.argsort(flat, kind="stable")
        sk, sp, sc = flat[order], pos[order], col[order]
        lo, cnt = _kernels.find_ranges(sk, hit_keys)
        if not cnt.any():
            return out
        starts = _kernels.expand_ranges(lo, cnt)
        q, rows, c = sp[starts], np.repeat(hit_rows, cnt), sc[starts]
        keep = self._level_rule(c, batch.sizes[q], rows)
        code = _kernels.sorted_unique((q[keep] << 40) | rows[keep])  # rows < 2**40
        pairs = self._could_match(batch, np.stack((code >> 40, code & ((1 << 40) - 1)), axis=1))
        if pairs.size == 0:
            return out
        srows, sat, ssigs, ssizes = self.store.signatures(pairs[:, 1])
        by_row = np.argsort(srows)
        srows = srows[by_row]
        at = np.searchsorted(srows, pairs[:, 1])
        present = (at < srows.size) & (srows[np.minimum(at, max(srows.size - 1, 0))] == pairs[:, 1]) if srows.size else np.zeros(len(pairs), bool)
        pairs, fidx = pairs[present], sat[by_row[at[present]]]
        if pairs.size == 0:
            return out
        ssigs, snums = self._split_stored(ssigs)
        def texts(idx: np.ndarray) -> tuple[list[str | None], list[str | None]]:
            held = self.store.texts(pairs[idx, 1])
            return [batch.texts[i] for i in pairs[idx, 0].tolist()], [held.get(r) for r in pairs[idx, 1].tolist()]

        ok, sim, jac, cont = self._screen(batch.sigs, batch.sizes, batch.nums, ssigs, ssizes, snums, np.stack((pairs[:, 0], fidx), axis=1),
                                          texts)
        q, s, j, c, r = pairs[ok, 0], sim[ok], jac[ok], cont[ok], pairs[ok, 1]
        order = np.lexsort((r, -s, q))  # per query: most similar first, then the oldest row
        q, s, j, c, r = q[order], s[order], j[order], c[order], r[order]
        # Stage 2 runs on each query's leading candidate only; one it rejects is dropped and the next
        # one leads. The stored texts of the pairs that passed stage 1 are read in one query.
        todo = np.full(q.size, self.params.verify_text)
        stored = self.store.texts(r) if self.params.verify_text and r.size else {}
        while q.size:
            first = np.ones(q.size, bool)
            first[1:] = q[1:] != q[:-1]
            lead = np.flatnonzero(first & todo)
            if lead.size:
                passed = self._confirm([batch.texts[i] for i in q[lead].tolist()], [stored.get(x) for x in r[lead].tolist()])
                todo[lead] = False
                if not passed.all():
                    keep = np.ones(q.size, bool)
                    keep[lead[~passed]] = False
                    q, s, j, c, r, todo = q[keep], s[keep], j[keep], c[keep], r[keep], todo[keep]
                    continue
            got = self.store.fetch(r[first])  # ids and metadata of the winners only
            gone = np.setdiff1d(r[first], got.rows)
            if gone.size:  # a candidate without a document (a damaged index): drop it, take the next best
                keep = ~np.isin(r, gone)
                q, s, j, c, r, todo = q[keep], s[keep], j[keep], c[keep], r[keep], todo[keep]
                continue
            where = dict(zip(got.rows.tolist(), range(len(got.ids))))
            for b in np.flatnonzero(first).tolist():
                fi = where[int(r[b])]
                out[int(q[b])] = Match(json.loads(got.ids[fi]), float(s[b]), float(j[b]), float(c[b]), _decode_meta(got.metas[fi]))
            break
        return out

    def _level_rule(self, columns: np.ndarray, query_sizes: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Which hits (a query of size ``query_sizes[i]`` sharing its key of column ``columns[i]`` with stored
        row ``rows[i]``) propose a candidate: every hit of a Jaccard band or the exact key (column -1); a hit
        of a length-ratio level's column when a level with that column holds the pair's length ratio
        (:func:`dedup.lsh.level_allows`, the rule of ``dedup cluster``). A stored size not held: proposed."""
        nj = self._lsh.bands
        keep = columns < nj
        lv = np.flatnonzero(~keep)
        if lv.size and self._levels:
            at, _, sizes = self.store.summaries(rows[lv])
            held = at >= 0
            stored = np.where(held, sizes[np.maximum(at, 0)] if sizes.size else 0, 0)
            keep[lv] = ~held | level_allows(self._levels, columns[lv] - nj, query_sizes[lv], stored)
        return keep

    def _could_match(self, batch: _Signed, pairs: np.ndarray) -> np.ndarray:
        """The candidate pairs ``(query, stored row)`` that the fingerprints cannot rule out.

        The fingerprints bound the agreeing signature positions from above
        (:mod:`dedup.store.summaries`), and the similarities are monotone in that count,
        so a pair whose bound fails both thresholds fails them exactly. Only the rest
        need their stored signatures (read from disk unless cached).
        """
        at, fps, sizes = self.store.summaries(pairs[:, 1])
        keep = at < 0  # without a fingerprint: compared in full
        held = np.flatnonzero(~keep)
        if held.size:
            k = self._lsh.num_perm
            q, at = pairs[held, 0], at[held]
            upper = _kernels.agree_upper_bounds(_kernels.nibble_fingerprints(batch.sigs, k), fps, np.stack((q, at), axis=1), k)
            jac, cont = estimates(upper, k, batch.sizes[q], sizes[at])
            near = self.params.containment_threshold - (EXACT_MARGIN if self.params.verify_text else 0.0)
            keep[held] = (jac >= self.params.threshold) | (cont >= near)  # near: its containment may be measured
        return pairs[keep]

    def _batch_pairs(self, batch: _Signed) -> dict[int, list[tuple[int, float, float, float]]]:
        """Pairs inside a batch that pass the first stage: ``{j: [(i, sim, jac, cont), ...]}`` for ``i < j``
        (the second runs in :meth:`_admit`, on the pairs that could decide)."""
        live = np.flatnonzero(batch.sizes > 0)
        if live.size < 2:
            return {}
        flat = batch.keys[live].ravel()
        pos = np.repeat(live, batch.keys.shape[1])
        col = np.tile(np.arange(batch.keys.shape[1]), live.size)
        order = np.lexsort((pos, flat))  # by key, then document
        sk, sp, sc = flat[order], pos[order], col[order]
        first = np.r_[True, (sk[1:] != sk[:-1]) | (sp[1:] != sp[:-1])]  # one entry per key and document
        sk, sp, sc = sk[first], sp[first], sc[first]
        start = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
        run = np.repeat(start, np.diff(np.r_[start, sk.size]))
        # like the stored buckets: each member pairs with the first `cap` members before it only
        take = np.minimum(np.arange(sk.size) - run, self.max_bucket)
        b = np.repeat(np.arange(sk.size), take)
        a = run[b] + (np.arange(b.size) - np.repeat(np.cumsum(take) - take, take))
        column = sc[b]  # salted per column: one key, one column
        nj = self._lsh.bands
        keep = column < nj
        lv = np.flatnonzero(~keep)
        if lv.size:  # a length-ratio level's column: only the pairs of its ratio range
            keep[lv] = level_allows(self._levels, column[lv] - nj, batch.sizes[sp[a[lv]]], batch.sizes[sp[b[lv]]])
        cand = np.unique(np.stack((sp[a[keep]], sp[b[keep]]), axis=1), axis=0) if keep.any() else np.zeros((0, 2), np.int64)
        if not len(cand):
            return {}
        pairs = cand
        ok, _, jac, cont = self._screen(batch.sigs, batch.sizes, batch.nums, batch.sigs, batch.sizes, batch.nums, pairs,
                                        _batch_texts(batch, pairs))
        out: dict[int, list[tuple[int, float, float, float]]] = {}
        for (i, j), jj, cc in zip(pairs[ok].tolist(), jac[ok].tolist(), cont[ok].tolist()):
            out.setdefault(j, []).append((i, max(jj, cc), jj, cc))
        return out

    # -- checking -------------------------------------------------------------------------------------

    def check(self, text: str) -> Match | None:
        """The stored document ``text`` near-duplicates best (highest similarity), or None. Adds nothing."""
        return self.check_many([text])[0]

    def check_many(self, texts: Iterable[str], batch_size: int | None = None) -> list[Match | None]:
        """:meth:`check` for many texts, signed and looked up ``batch_size`` at a time.

        Each text is checked against the stored documents only, not against the
        other texts (use :meth:`check_and_add_many` for that).
        """
        size = _positive_int(self.batch_size if batch_size is None else batch_size, "batch_size")
        out: list[Match | None] = []
        for chunk in chunks(texts, size):
            batch = self._sign_texts(chunk)
            store = self.store
            with store.read():
                self._follow_scheme()
                out.extend(self._stored_matches(batch)[0])
        return out

    # -- adding ----------------------------------------------------------------------------------------

    def add(self, id: str | int, text: str, meta: Any = None) -> None:
        """Store a document without checking it. ``meta`` is any JSON-serializable value returned in matches.

        Raises :class:`DuplicateIdError` when ``id`` is already stored.
        """
        self.add_many([(id, text, meta)])

    def add_many(
        self,
        records: Iterable[Any],
        batch_size: int | None = None,
        on_duplicate_id: Literal["raise", "skip"] = "raise",
        skipped: list[tuple[int, Any, str]] | None = None,
    ) -> int:
        """Store ``(id, text)``, ``(id, text, meta)`` or ``{"id", "text"[, "meta"]}`` records unchecked; returns
        the count stored.

        Each batch of ``batch_size`` is one transaction: a :class:`DuplicateIdError`
        (or any error) rolls back its batch; earlier batches stay committed. With
        ``on_duplicate_id="skip"`` a record whose id is already stored (or earlier in
        the records) is left out instead, and ``(position, id, reason)`` appended to
        ``skipped``; the rest of its batch is stored.
        """
        if on_duplicate_id not in ("raise", "skip"):
            raise ConfigError(f"on_duplicate_id must be 'raise' or 'skip', got {on_duplicate_id!r}")
        size = _positive_int(self.batch_size if batch_size is None else batch_size, "batch_size")
        n = 0  # records taken
        stored = 0
        for chunk in chunks(records, size):
            batch = self._sign_records(chunk, n)
            store = self.store
            with self._writing():
                taken = store.rows_of(batch.enc)
                seen: set[str] = set()
                keep = []
                for k, (doc_id, enc) in enumerate(zip(batch.ids, batch.enc)):
                    if enc in taken or enc in seen:
                        reason = "id already in the index" if enc in taken else "id repeated in the batch"
                        if on_duplicate_id == "raise":
                            raise DuplicateIdError(reason, doc_id=doc_id)
                        if skipped is not None:
                            skipped.append((n + k, doc_id, reason))
                        continue
                    seen.add(enc)
                    keep.append(k)
                n += len(chunk)
                if not keep:
                    continue
                if len(keep) < len(batch.enc):
                    batch = batch.subset(np.asarray(keep, dtype=np.int64))
                self._upgrade_keys()
                live = batch.sizes > 0
                hit_keys = np.concatenate((
                    store.lookup(batch.keys[live].ravel())[0] if live.any() else np.zeros(0, np.int64),
                    store.lookup(batch.wkeys[~live])[0] if not live.all() else np.zeros(0, np.int64),
                    store.lookup(self._exact_of(batch)[live])[0] if live.any() and self._salt is not None else np.zeros(0, np.int64),
                ))
                self._insert(batch, np.arange(len(batch.enc)), hit_keys, cap_exact=True)
                stored += len(batch.enc)
        return stored

    def _insert(self, batch: _Signed, sel: np.ndarray, stored_keys: np.ndarray, cap_exact: bool = True) -> None:
        """Insert documents ``sel`` of ``batch``, filing each band key only while its bucket is below the cap.

        ``stored_keys`` holds one entry per stored document under each key looked up. The exact keys (the
        wordless key of a document without shingles, the :func:`exact_keys` value of one with) are capped
        too with ``cap_exact`` (:meth:`add`: unchecked copies), never without (admitted documents).
        """
        sizes = batch.sizes[sel]
        # the band keys, then the wordless key: a document without shingles is filed under that one only, and
        # only when its text is stored (a candidate there matches when its stored text is equal); then the
        # exact key of a document with shingles
        has_text = np.array([batch.packed is not None and batch.packed[i] is not None for i in sel.tolist()], dtype=bool)
        columns = [batch.keys[sel], batch.wkeys[sel, None]]
        file_columns = [np.broadcast_to((sizes > 0)[:, None], batch.keys[sel].shape), ((sizes == 0) & has_text)[:, None]]
        exact = self._exact_of(batch)
        if exact is not None:
            columns.append(exact[sel, None])
            file_columns.append((sizes > 0)[:, None])
        keys, file = np.concatenate(columns, axis=1), np.concatenate(file_columns, axis=1)
        capped = np.zeros(keys.shape, dtype=bool)
        capped[:, : batch.keys.shape[1]] = True
        capped[:, batch.keys.shape[1] :] = cap_exact
        flat = keys.ravel()
        uk, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
        stored = np.zeros(uk.size, np.int64)
        if stored_keys.size:
            sk, sc = np.unique(stored_keys, return_counts=True)
            at = np.searchsorted(sk, uk)
            ok = at < sk.size
            ok[ok] = sk[at[ok]] == uk[ok]
            stored[ok] = sc[at[ok]]
        # rank of each entry among the filed entries with the same key, in document order
        fl = file.ravel()
        order = np.lexsort((np.arange(flat.size), inverse))
        inv_sorted = inverse[order]
        filed_sorted = fl[order].astype(np.int64)
        cum = np.cumsum(filed_sorted)
        group_start = np.searchsorted(inv_sorted, inv_sorted, "left")
        before = cum - filed_sorted - np.where(group_start > 0, cum[group_start - 1], 0)
        rank = np.empty_like(before)
        rank[order] = before
        fl &= ~capped.ravel() | (stored[inverse] + rank < self.max_bucket)
        self.store.insert(
            [batch.enc[i] for i in sel.tolist()], self._stored_values(batch, sel), sizes, time.time(),
            [batch.metas[i] for i in sel.tolist()], keys, fl.reshape(keys.shape),
            None if batch.packed is None else [batch.packed[i] for i in sel.tolist()],
        )

    def _stored_values(self, batch: _Signed, sel: np.ndarray) -> np.ndarray:
        """What the store keeps per document of ``batch[sel]``: its signature, then its number sketch if checked."""
        if not self._stores_numbers:
            return batch.sigs[sel]
        return np.concatenate((batch.sigs[sel], batch.nums[sel]), axis=1)

    def _sign_records(self, chunk: list[Any], offset: int) -> _Signed:
        ids, texts, metas = [], [], []
        for k, rec in enumerate(chunk):
            i, t, m = _split(rec, offset + k)
            ids.append(i)
            texts.append(t)
            metas.append(m)
        return self._sign(ids, texts, metas)

    def check_and_add(self, id: str | int, text: str, meta: Any = None) -> Match | None:
        """Atomically: return the best stored match of ``text``, or store the document and return None.

        The check and the insert are one write transaction, so of two processes
        racing with near-duplicates exactly one is admitted. A document that
        matches nothing but whose ``id`` is already stored raises
        :class:`DuplicateIdError`.
        """
        return self.check_and_add_many([(id, text, meta)])[0]

    def check_and_add_many(
        self,
        records: Iterable[Any],
        batch_size: int | None = None,
        on_duplicate_id: Literal["raise", "skip"] = "raise",
        before_commit: Callable[[list[Match | None]], None] | None = None,
    ) -> list[Match | None]:
        """:meth:`check_and_add` for many records, one transaction per ``batch_size``.

        Records are admitted in order: each is checked against the stored documents
        and against the records admitted before it, so a batch holding two
        near-duplicates admits the first only. Returns, per record, None (admitted)
        or its best match. With ``on_duplicate_id="skip"`` a record whose id is
        already taken is not admitted and gets a :class:`Match` naming that id (with
        its similarity to the holder) instead of raising :class:`DuplicateIdError`;
        its ``near_duplicate`` is False when the text does not match the holder's.

        ``before_commit``, if given, is called with each batch's results inside its
        transaction, after its documents are inserted and before the commit (the
        write lock is held meanwhile); an exception it raises rolls the batch back and
        propagates. ``dedup filter`` writes a batch's lines there, so that no document
        is indexed without its line having been written.
        """
        if on_duplicate_id not in ("raise", "skip"):
            raise ConfigError(f"on_duplicate_id must be 'raise' or 'skip', got {on_duplicate_id!r}")
        size = _positive_int(self.batch_size if batch_size is None else batch_size, "batch_size")
        out: list[Match | None] = []
        for chunk in chunks(records, size):
            batch = self._sign_records(chunk, len(out))
            with self._writing():
                results, admit, hit_keys = self._admit(batch, on_duplicate_id)
                if admit and self._salt is None:  # the first insert into a file of key scheme v1
                    self._upgrade_keys()
                    results, admit, hit_keys = self._admit(batch, on_duplicate_id)  # decided again, exact keys too
                if admit:
                    sel = np.array(admit, dtype=np.int64)
                    self._insert(batch, sel, hit_keys, cap_exact=False)
                if before_commit is not None:
                    before_commit(results)
            out.extend(results)
        return out

    def _admit(self, batch: _Signed, on_duplicate_id: str) -> tuple[list[Match | None], list[int], np.ndarray]:
        results, hit_keys = self._stored_matches(batch)
        inner = self._batch_pairs(batch)
        taken = self.store.rows_of(batch.enc)
        admitted: dict[str, int] = {}  # encoded id -> batch position
        wordless: dict[str, int] = {}  # prepared text of an admitted document without shingles -> its position
        exact = self._exact_of(batch)
        same: dict[int, list[int]] = {}  # exact key -> admitted positions (its exact copies, found whatever the cap)
        is_in = np.zeros(len(batch.enc), dtype=bool)
        for j, enc in enumerate(batch.enc):
            best = results[j]
            if best is None and batch.sizes[j] == 0 and batch.texts[j] in wordless:  # an exact copy admitted before
                i = wordless[batch.texts[j]]
                best = Match(batch.ids[i], 1.0, 1.0, 1.0, _decode_meta(batch.metas[i]))
            pairs = inner.get(j, [])
            if exact is not None and batch.sizes[j] > 0 and int(exact[j]) in same:
                # like a stored document under the exact key: admitted copies that no uncapped band bucket paired
                paired = {p[0] for p in pairs}
                extra = np.array([(i, j) for i in same[int(exact[j])] if i not in paired], dtype=np.int64).reshape(-1, 2)
                if extra.size:
                    ok, sim, jac, cont = self._screen(batch.sigs, batch.sizes, batch.nums, batch.sigs, batch.sizes, batch.nums, extra,
                                                      _batch_texts(batch, extra))
                    pairs = pairs + [(int(i), float(a), float(b), float(c)) for i, a, b, c in zip(extra[ok, 0], sim[ok], jac[ok], cont[ok])]
            # An admitted document of this batch that is more similar than the stored match: the most
            # similar one the alignment confirms (ties: the first admitted, like the oldest stored row).
            better = [p for p in pairs if is_in[p[0]] and (best is None or p[1] > best.similarity)]
            for i, s, jac, cont in sorted(better, key=lambda p: (-p[1], p[0])):
                if not self.params.verify_text or self._confirm([batch.texts[i]], [batch.texts[j]])[0]:
                    best = Match(batch.ids[i], s, jac, cont, _decode_meta(batch.metas[i]))
                    break
            if best is None and (enc in taken or enc in admitted):
                if on_duplicate_id == "raise":
                    raise DuplicateIdError(
                        "id already in the index" if enc in taken else "id repeated in the batch", doc_id=batch.ids[j]
                    )
                best = self._same_id_match(batch, j, taken.get(enc), admitted.get(enc))
            results[j] = best
            if best is None:
                is_in[j] = True
                admitted[enc] = j
                if batch.sizes[j] == 0:
                    wordless.setdefault(batch.texts[j], j)
                elif exact is not None:
                    same.setdefault(int(exact[j]), []).append(j)
        return results, np.flatnonzero(is_in).tolist(), hit_keys

    def _same_id_match(self, batch: _Signed, j: int, row: int | None, pos: int | None) -> Match:
        if pos is not None:
            sig, size, nums, meta = batch.sigs[pos : pos + 1], batch.sizes[pos : pos + 1], batch.nums[pos : pos + 1], batch.metas[pos]
        else:
            got = self.store.fetch(np.array([row], dtype=np.int64))
            (sig, nums), size, meta = self._split_stored(got.sigs), got.sizes, got.metas[0]
        ok, s, jac, cont = self._screen(
            batch.sigs[j : j + 1], batch.sizes[j : j + 1], batch.nums[j : j + 1], sig, size, nums, np.zeros((1, 2), np.int64)
        )
        if ok[0] and self.params.verify_text:  # the full rule, as for a near-duplicate
            held = batch.texts[pos] if pos is not None else self.store.texts(np.array([row], dtype=np.int64)).get(row)
            ok = self._confirm([batch.texts[j]], [held])
        # Two texts without shingles (empty once normalized) match when they are the same text (unknown for a
        # document stored without its text: taken as alike).
        alike = bool(ok[0])
        if int(batch.sizes[j]) == 0 and int(size[0]) == 0:
            held = batch.texts[pos] if pos is not None else self.store.texts(np.array([row], dtype=np.int64)).get(row)
            alike = held is None or held == batch.texts[j]
        return Match(batch.ids[j], float(s[0]), float(jac[0]), float(cont[0]), _decode_meta(meta), near_duplicate=alike)

    # -- removing ----------------------------------------------------------------------------------------

    def remove(self, id: str | int) -> bool:
        """Delete the document ``id``; returns whether it was stored."""
        enc = _encode_id(id)
        store = self.store
        with store.write():
            rows = store.rows_of([enc])
            if not rows:
                return False
            return self._delete(store.fetch(np.array(list(rows.values()), dtype=np.int64))) > 0

    def _delete(self, got: Fetched) -> int:
        # every document may be filed: under its band keys, or (without shingles) under its wordless key
        return self.store.delete(got.rows, filed=True)

    def expire(self, older_than: float | timedelta, batch_size: int | None = None) -> int:
        """Delete documents added more than ``older_than`` (seconds or a timedelta) ago; returns how many."""
        cutoff = time.time() - _seconds(older_than)
        size = _positive_int(self.batch_size if batch_size is None else batch_size, "batch_size")
        total = 0
        while True:
            store = self.store
            with store.write():
                got = store.added_before(cutoff, size)
                if got.ids:
                    total += self._delete(got)
            if len(got.ids) < size:
                return total

    # -- inspecting -----------------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Document count, time range, size on disk (and per million documents), parameters, LSH shape.

        ``capped_buckets`` counts the band keys whose bucket is full (``max_bucket`` documents): documents
        added from now on are not filed under them, only under their other keys (and their exact key).
        ``key_scheme`` is :data:`KEY_SCHEME`, or :data:`KEY_SCHEME_V1` for a file not written to since
        before exact keys existed.
        """
        store = self.store
        with store.read():
            self._follow_scheme()
            out = {"path": store.path, **store.stats(), "capped_buckets": store.full_buckets(self.max_bucket)}
        out["key_scheme"] = KEY_SCHEME if self._salt is not None else KEY_SCHEME_V1
        n = out["documents"]
        out["bytes_per_million_documents"] = round(out["bytes_on_disk"] / n * 1e6) if n else None
        out["params"] = {**{k: getattr(self.params, k) for k in INDEX_PARAMS}, "max_bucket": self.max_bucket}
        out["bands"], out["rows"] = self.bands
        return out

    def _filed(
        self, keys: np.ndarray, rows: np.ndarray, hk: np.ndarray, hr: np.ndarray, live_below: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which band keys ``keys[i]`` of the documents ``rows[i]`` hold an entry of theirs (``present``), and which
        do not although no history explains it (``unexplained``), from the entries ``(hk, hr)`` under those keys.

        A document is not filed under a key whose bucket held ``max_bucket`` documents when it was inserted, all
        with smaller rows. Documents deleted since then leave the bucket below the cap, and row numbers are never
        reused (a renumbering remembers the rows it closed up, ``row_gaps``), so ``row - 1 - live_below + row_gaps``
        (``live_below``: stored documents with smaller rows) bounds the
        deletions before the document: a key is explained when ``max_bucket`` minus the entries under it with
        smaller rows is at most that. (Without deletions: exactly when the bucket is full.)
        """
        shape = keys.shape
        qk, qr = keys.ravel(), np.repeat(rows, shape[1])
        uk = np.unique(hk)
        codes = np.sort((np.searchsorted(uk, hk).astype(np.int64) << 32) | hr)  # rows < 2**32
        pos = np.searchsorted(uk, qk)
        known = pos < uk.size
        known[known] = uk[pos[known]] == qk[known]
        base = pos.astype(np.int64) << 32
        at = np.searchsorted(codes, base | qr)
        present = known & (codes[np.minimum(at, max(codes.size - 1, 0))] == (base | qr)) if codes.size else np.zeros(qk.size, bool)
        below = np.where(known, at - np.searchsorted(codes, base), 0)  # entries under the key with smaller rows
        deleted = np.repeat(rows - 1 - live_below + self.store.row_gaps(), shape[1])
        unexplained = ~present & (self.max_bucket - below > deleted)
        return present.reshape(shape), unexplained.reshape(shape)

    def verify(self) -> list[str]:
        """Full consistency check (reads everything); returns the problems found, empty when consistent.

        Checks the database's integrity, that every document is filed under each of
        its band keys and its exact key (one without shingles: under its
        :func:`wordless_key`, when its text is stored) unless that key's bucket was full
        (``max_bucket``) when it was added (as far as the deletions since can tell, see
        :meth:`_filed`; never for the exact key of a document it admitted), that the band
        table holds no entry of a missing document, and that every stored text reads back
        (and belongs to a stored document).

        Also reported, though no damage: documents filed under none of their band keys,
        and no exact copy of them under any (all their buckets were full when they were
        added: boilerplate, deletions from hot buckets, or documents crafted to fill the
        buckets of a text, an attack). Their near-duplicates do not find them; their exact
        copies do, by their exact key (unless :meth:`add` capped that one too, or the file
        is of key scheme v1 and has none yet).
        """
        store = self.store
        problems = store.check()
        if problems:
            return problems
        found = 0
        missing: list[int] = []
        damaged: list[int] = []
        seen = 0  # documents of the chunks before, all with smaller rows
        nb = self._lsh.bands + len(level_columns(self._levels))
        groups, banded, exactly, group_rows = [], [], [], []  # per document with shingles: exact key, filed where
        with store.read():
            self._follow_scheme()
            salt = self._salt
            for got in store.iter_docs(5_000):
                try:
                    texts = store.texts(got.rows)
                except IndexFileError:  # name every damaged one
                    texts = {}
                    for row in got.rows.tolist():
                        try:
                            texts.update(store.texts(np.array([row])))
                        except IndexFileError:
                            damaged.append(row)
                if got.sigs.shape[1] != self._stored_width:
                    return [f"stored signatures have {got.sigs.shape[1]} values, expected {self._stored_width}"]
                live = np.flatnonzero(got.sizes > 0)
                sigs = self._split_stored(got.sigs)[0][live]
                keys = band_keys(self._lsh, sigs, self._levels)
                ek = exact_keys(salt if salt is not None else bytes(SALT_BYTES), sigs, got.sizes[live])  # v1: to group only
                if salt is not None:
                    keys = np.concatenate((keys, ek[:, None]), axis=1)
                hk, hr = store.lookup(keys.ravel())
                present, unexplained = self._filed(keys, got.rows[live], hk, hr, seen + live)
                found += int(present.sum())
                missing.extend(np.repeat(got.rows[live], unexplained.sum(axis=1)).tolist())  # one per entry
                groups.append(ek)
                banded.append(present[:, :nb].any(axis=1))
                exactly.append(present[:, nb] if salt is not None else np.zeros(live.size, bool))
                group_rows.append(got.rows[live])
                # without shingles: filed under the wordless key of the stored text (none without a text)
                zero = np.array([i for i in np.flatnonzero(got.sizes == 0).tolist() if int(got.rows[i]) in texts], dtype=np.int64)
                if zero.size:
                    wk = np.array([[wordless_key(texts[int(got.rows[i])])] for i in zero.tolist()], dtype=np.int64)
                    hk, hr = store.lookup(wk.ravel())
                    present, unexplained = self._filed(wk, got.rows[zero], hk, hr, seen + zero)
                    found += int(present.sum())
                    missing.extend(got.rows[zero][unexplained[:, 0]].tolist())
                seen += len(got.ids)
            total = store.count_band_rows()
            orphans = store.orphan_texts()
            capped = store.full_buckets(self.max_bucket)
        if groups:
            ek, bd, ex, gr = (np.concatenate(a) for a in (groups, banded, exactly, group_rows))
            blind = ~np.isin(ek, ek[bd])  # no document with this exact key is filed under a band key
            if blind.any():
                texts, by_copies = np.unique(ek[blind]).size, np.unique(ek[blind & ex]).size
                n = int(blind.sum())
                problems.append(
                    f"{n} document{'s' if n != 1 else ''} ({texts} distinct text{'s' if texts != 1 else ''}) "
                    "filed under none of their LSH band keys: "
                    f"their buckets were full (max_bucket={self.max_bucket}) when they were added (boilerplate, deletions "
                    "from hot buckets, or documents crafted to fill them: an attack), so their near-duplicates do not "
                    f"find them; exact copies do for {by_copies} of the {texts} (by the exact key); {capped} keys are "
                    f"capped now; not damage. Documents (internal rows) {sorted(gr[blind].tolist())[:10]}"
                )
        if damaged:
            problems.append(f"{len(damaged)} stored texts are damaged, documents (internal rows) {damaged[:10]}")
        if orphans:
            problems.append(f"{orphans} stored texts belong to no stored document")
        if missing:
            problems.append(f"{len(missing)} band entries missing, documents (internal rows) {sorted(set(missing))[:10]}")
        if total != found:
            problems.append(f"band table has {total} entries, stored documents account for {found}")
        return problems
