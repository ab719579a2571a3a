"""The public face of a persistent index: :class:`Index`, whose methods open the file, take their records in
batches and hand each batch to the module that does the job (:mod:`.signing`, :mod:`.lookup`,
:mod:`.admission`, :mod:`.expiry`, :mod:`.stats`, :mod:`.checks`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Literal

import numpy as np

from .._batching import chunks
from ..deduplicator import Deduplicator, Params
from ..errors import ConfigError
from ..lsh import LSH
from ..store.base import Store
from ..store.sqlite import SQLiteStore
from . import admission, checks, expiry, lookup, scheme, stats
from .config import check_options, read_config
from .context import Context
from .keys import Levels
from .records import Match, encode_id, positive_int
from .signing import sign_records, sign_texts


def _duplicate_id_mode(on_duplicate_id: Any) -> None:
    if on_duplicate_id not in ("raise", "skip"):
        raise ConfigError(f"on_duplicate_id must be 'raise' or 'skip', got {on_duplicate_id!r}")


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
        self._ctx = Context(store, engine, lsh, max_bucket, salt, levels)
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
        are not filed under it, only under their other keys. A new document is compared
        with the documents filed under its keys: the bucket rule of every engine
        (:data:`dedup.lsh.MAX_BUCKET`: each member of a bucket with each of the first
        ``max_bucket`` before it), so at the default the index proposes what ``dedup
        cluster`` proposes on the same documents. It bounds the candidates per check
        -- without it a long news article in a million-document index has thousands of
        chance candidates. A near-duplicate is missed only if every band it shares with
        its original is a hot one. The cap does not apply to the exact key (:func:`exact_keys`) of a
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
        requested = check_options(params, batch_size, timeout, max_bucket, cache_signatures)
        store = SQLiteStore(path, create=create, timeout=timeout, durable=durable)
        store.cache_signatures = cache_signatures
        try:
            config = read_config(store, requested, params, create, max_bucket)
            engine = Deduplicator(n_jobs=n_jobs, **config.params)
            lsh = LSH(config.params["lsh_threshold"], config.params["num_perm"], bands=config.bands, rows=config.rows)
            store.fingerprint_columns = config.params["num_perm"]
        except BaseException:
            store.close()
            raise
        return cls(store, engine, lsh, batch_size, config.max_bucket, config.salt, config.levels)

    def close(self) -> None:
        """Close the database. Committed work is on disk; the object cannot be used afterwards."""
        self._ctx.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self._ctx.handle.path if self._ctx.handle is not None else "closed"
        return f"Index({where!r}, {self.params})"

    # -- what it is -----------------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        return self._ctx.store

    @property
    def path(self) -> str:
        return self.store.path

    @property
    def params(self) -> Params:
        """The matching parameters (as stored in the index)."""
        return self._ctx.params

    @property
    def max_bucket(self) -> int:
        """The cap on documents per band key (see :meth:`open`)."""
        return self._ctx.max_bucket

    @property
    def bands(self) -> tuple[int, int]:
        """LSH ``(bands, rows)`` of this index."""
        return self._ctx.lsh.bands, self._ctx.lsh.rows

    @property
    def band_columns(self) -> int:
        """Band keys per document with shingles: the LSH bands, then the columns of the length-ratio levels
        of containment candidates (:func:`dedup.lsh.level_columns`; none in an index older than them)."""
        return self._ctx.band_columns

    # the engine's parts, for tests and benchmarks
    @property
    def _engine(self) -> Deduplicator:
        return self._ctx.engine

    @property
    def _lsh(self) -> LSH:
        return self._ctx.lsh

    @property
    def _levels(self) -> Levels:
        return self._ctx.levels

    @property
    def _salt(self) -> bytes | None:
        return self._ctx.salt

    def __len__(self) -> int:
        store = self.store
        with store.read():
            return store.count()

    def __contains__(self, doc_id: object) -> bool:
        store = self.store
        enc = encode_id(doc_id)
        with store.read():
            return bool(store.rows_of([enc]))

    def texts(self, ids: Iterable[str | int]) -> dict[str | int, str]:
        """The stored texts of these documents, by id, as they were signed (normalized: what the alignment
        compared). Ids not in the index, and documents stored without a text (``verify_text`` off, or added
        before texts were kept), are left out."""
        store = self.store
        enc = {encode_id(i): i for i in ids}
        if not enc:
            return {}
        with store.read():
            rows = store.rows_of(list(enc))
            held = store.texts(np.array(list(rows.values()), dtype=np.int64)) if rows else {}
        return {enc[e]: held[r] for e, r in rows.items() if r in held}

    # -- checking -------------------------------------------------------------------------------------

    def check(self, text: str) -> Match | None:
        """The stored document ``text`` near-duplicates best (highest similarity), or None. Adds nothing."""
        return self.check_many([text])[0]

    def check_many(self, texts: Iterable[str], batch_size: int | None = None) -> list[Match | None]:
        """:meth:`check` for many texts, signed and looked up ``batch_size`` at a time.

        Each text is checked against the stored documents only, not against the
        other texts (use :meth:`check_and_add_many` for that).
        """
        size = positive_int(self.batch_size if batch_size is None else batch_size, "batch_size")
        out: list[Match | None] = []
        for chunk in chunks(texts, size):
            batch = sign_texts(self._ctx, chunk)
            store = self.store
            with store.read():
                scheme.follow_scheme(self._ctx)
                out.extend(lookup.stored_matches(self._ctx, batch)[0])
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
        _duplicate_id_mode(on_duplicate_id)
        size = positive_int(self.batch_size if batch_size is None else batch_size, "batch_size")
        n = 0  # records taken
        stored = 0
        for chunk in chunks(records, size):
            batch = sign_records(self._ctx, chunk, n)
            with scheme.writing(self._ctx):
                keep = admission.unique_ids(batch, self.store.rows_of(batch.enc), n, on_duplicate_id, skipped)
                n += len(chunk)
                if not keep:
                    continue
                if len(keep) < len(batch.enc):
                    batch = batch.subset(np.asarray(keep, dtype=np.int64))
                self._upgrade_keys()
                admission.insert(self._ctx, batch, np.arange(len(batch.enc)), admission.filed_keys(self._ctx, batch), cap_exact=True)
                stored += len(batch.enc)
        return stored

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
        _duplicate_id_mode(on_duplicate_id)
        size = positive_int(self.batch_size if batch_size is None else batch_size, "batch_size")
        out: list[Match | None] = []
        for chunk in chunks(records, size):
            batch = sign_records(self._ctx, chunk, len(out))
            with scheme.writing(self._ctx):
                results, admit, hit_keys = admission.admit(self._ctx, batch, on_duplicate_id)
                if admit and self._ctx.salt is None:  # the first insert into a file of key scheme v1
                    self._upgrade_keys()
                    results, admit, hit_keys = admission.admit(self._ctx, batch, on_duplicate_id)  # decided again, exact keys too
                if admit:
                    admission.insert(self._ctx, batch, np.array(admit, dtype=np.int64), hit_keys, cap_exact=False)
                if before_commit is not None:
                    before_commit(results)
            out.extend(results)
        return out

    def _upgrade_keys(self) -> None:
        """In a write transaction, before an insert: a file of key scheme v1 gets its exact keys (:func:`scheme.upgrade_keys`)."""
        scheme.upgrade_keys(self._ctx)

    # -- removing ----------------------------------------------------------------------------------------

    def remove(self, id: str | int) -> bool:
        """Delete the document ``id``; returns whether it was stored."""
        return expiry.remove(self._ctx, id)

    def expire(self, older_than: float | timedelta, batch_size: int | None = None) -> int:
        """Delete documents added more than ``older_than`` (seconds or a timedelta) ago; returns how many."""
        return expiry.expire(self._ctx, older_than, self.batch_size if batch_size is None else batch_size)

    # -- inspecting -----------------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Document count, time range, size on disk (and per million documents), parameters, LSH shape.

        ``capped_buckets`` counts the band keys whose bucket is full (``max_bucket`` documents): documents
        added from now on are not filed under them, only under their other keys (and their exact key).
        ``key_scheme`` is :data:`KEY_SCHEME`, or :data:`KEY_SCHEME_V1` for a file not written to since
        before exact keys existed.
        """
        return stats.stats(self._ctx)

    def verify(self) -> list[str]:
        """Full consistency check (reads everything); returns the problems found, empty when consistent.

        Checks the database's integrity, that every document is filed under each of
        its band keys and its exact key (one without shingles: under its
        :func:`wordless_key`, when its text is stored) unless that key's bucket was full
        (``max_bucket``) when it was added (as far as the deletions since can tell, see
        :func:`dedup.index.checks.filed`; never for the exact key of a document it admitted), that the band
        table holds no entry of a missing document, and that every stored text reads back
        (and belongs to a stored document).

        Also reported, though no damage: documents filed under none of their band keys,
        and no exact copy of them under any (all their buckets were full when they were
        added: boilerplate, deletions from hot buckets, or documents crafted to fill the
        buckets of a text, an attack). Their near-duplicates do not find them; their exact
        copies do, by their exact key (unless :meth:`add` capped that one too, or the file
        is of key scheme v1 and has none yet).
        """
        return checks.verify(self._ctx)
