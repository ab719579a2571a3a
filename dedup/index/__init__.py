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
existed keeps it off (see :data:`dedup.index.config.ADDED_PARAMS`).

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

The package, by job (docs/architecture.md): :mod:`.api` the :class:`Index` and its thin methods;
:mod:`.config` the options and the stored configuration; :mod:`.keys` the key scheme (band, exact and
wordless keys); :mod:`.scheme` a file's key scheme upgrades; :mod:`.records` ids, metadata, :class:`Match`;
:mod:`.context` the state of an open index; :mod:`.signing` batches signed outside transactions;
:mod:`.rule` the two-stage rule on index pairs; :mod:`.lookup` the stored candidates and best matches;
:mod:`.batch` the pairs inside a batch; :mod:`.admission` what is admitted and the capped insert;
:mod:`.expiry` removal; :mod:`.stats` and :mod:`.checks` inspection.
"""

from __future__ import annotations

from ..params import INDEX_PARAMS
from ..store.base import (
    DuplicateIdError,
    IndexClosedError,
    IndexFileError,
    IndexLockedError,
    IndexThreadError,
    ParamsMismatchError,
)
from .api import Index
from .config import MAX_BUCKET
from .keys import KEY_SCHEME, KEY_SCHEME_V1, SALT_BYTES, band_keys, exact_keys, wordless_key
from .records import Match

__all__ = [
    "Index",
    "Match",
    "band_keys",
    "exact_keys",
    "wordless_key",
    "KEY_SCHEME",
    "KEY_SCHEME_V1",
    "SALT_BYTES",
    "MAX_BUCKET",
    "INDEX_PARAMS",
    "DuplicateIdError",
    "IndexClosedError",
    "IndexFileError",
    "IndexLockedError",
    "IndexThreadError",
    "ParamsMismatchError",
]
