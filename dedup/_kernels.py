"""The compiled kernels: a thin layer over the Rust core (``dedup._core``).

Texts arrive as one array of Unicode code points (UTF-32) with document offsets,
so a whole batch crosses from Python into compiled code once; batch kernels
release the GIL and run on ``threads()`` threads.

Hash definitions (stable, documented, reproduced in pure Python by the tests;
index files store their results, so they are a format):

* A *word* is a maximal run of code points matched by the ``regex`` module's ``\\w``.
* ``fnv(x...) = fmix64(fold((h ^ x) * P, x..., h0))``: 64-bit FNV-1a over the
  given 32- or 64-bit units, finished with the MurmurHash3 64-bit finalizer.
* Character n-gram: the words joined by single spaces form a code point
  sequence; each window of ``n`` code points hashes as ``fnv(c_i..c_{i+n-1})``.
* Word n-gram: each word hashes as ``fnv(its code points)``; each window of
  ``n`` word hashes hashes as ``fnv(w_i..w_{i+n-1})`` with a second basis.
* A document shorter than one window yields one shingle of all it has; a
  document without words yields none.

MinHash (datasketch's ``affine32`` scheme): a 64-bit shingle hash is folded to
32 bits (low half), premixed with the MurmurHash3 32-bit finalizer, and permuted
with ``a_k * h + b_k mod 2^32``; the signature keeps the minimum per ``k``.

The Rust sources are in ``rust/core`` (one module per concept) and the bindings
in ``rust/python``; the numba implementation they replaced is kept in the tests
as the oracle they are checked against.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numpy as np

from . import _core

FLAG_NONASCII: int = _core.FLAG_NONASCII
FLAG_DAMAGE: int = _core.FLAG_DAMAGE  # mojibake pair, C1 control, U+FFFD or an HTML entity
FLAG_INVISIBLE: int = _core.FLAG_INVISIBLE  # zero-width, soft hyphen, bidi controls

_local = threading.local()


def get_num_threads() -> int:
    """Threads the batch kernels use in this thread of the caller (0: one per core)."""
    return getattr(_local, "threads", 0)


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (0: one per core) for the batch kernels called from this thread."""
    _local.threads = max(0, int(n))


@contextlib.contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Run the block's kernels on ``n`` threads (``None``: leave the setting as it is)."""
    if n is None:
        yield
        return
    before = get_num_threads()
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(before)


def _c(a: np.ndarray, dtype: type) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=dtype)


# -- shingles and signatures --------------------------------------------------------------


def sign_batch(cps, offsets, kind, n, fold, a, b, sigs, sizes) -> None:
    """Signatures (into ``sigs``) and distinct-shingle counts (into ``sizes``) of every document of a batch."""
    _core.sign_batch(_c(cps, np.uint32), _c(offsets, np.int64), int(kind), int(n), bool(fold), _c(a, np.uint32),
                     _c(b, np.uint32), sigs, sizes, get_num_threads())


def sign_texts(texts, kind, n, fold, a, b) -> tuple[np.ndarray, np.ndarray]:
    """Signatures ``uint32 (len(texts), len(a))`` and distinct-shingle counts of a list of ``str``
    (read in place: no UTF-32 copy of the batch)."""
    return _core.sign_texts(list(texts), int(kind), int(n), bool(fold), _c(a, np.uint32), _c(b, np.uint32), get_num_threads())


def number_sketch_texts(texts, k) -> np.ndarray:
    """:func:`number_sketch_batch` rows (``k + 1`` values) for a list of ``str``."""
    return _core.number_sketch_texts(list(texts), int(k), get_num_threads())


def shingle_one(cps, kind, n) -> np.ndarray:
    """All shingle hashes (with repeats) of one document."""
    return _core.shingle_one(_c(cps, np.uint32), int(kind), int(n))


def exact_containment(texts, pairs, kind, n, fold) -> np.ndarray:
    """Per pair ``(i, j)`` of ``texts`` (a list of ``str``): ``|A & B| / min(|A|, |B|)`` of their shingle sets."""
    return _core.exact_containment(list(texts), _c(np.asarray(pairs).reshape(-1, 2), np.int64), int(kind), int(n), bool(fold),
                                   get_num_threads())


def sign_hashes_batch(hashes, offsets, a, b, sigs) -> None:
    """Signatures from precomputed 64-bit shingle hashes (CSR layout)."""
    _core.sign_hashes_batch(_c(hashes, np.uint64), _c(offsets, np.int64), _c(a, np.uint32), _c(b, np.uint32), sigs,
                            get_num_threads())


def minhash_hv32_into(hv32, a, b, sig) -> None:
    """Fold 32-bit hash values (e.g. datasketch's sha1_hash32) into ``sig``."""
    _core.minhash_hv32_into(_c(hv32, np.uint32), _c(a, np.uint32), _c(b, np.uint32), sig)


# -- the numbers a text states ------------------------------------------------------------


def number_sketch_batch(cps, offsets, out) -> None:
    """Per document (row of ``out``): how many distinct numbers it states, then the smallest of their hashes.

    A number is ``[0-9]+([.,/][0-9]+)*``; its hash is the low 32 bits of ``fmix64`` of the
    FNV-1a of its code points. ``out[d, 0]`` gets the number of distinct hashes, ``out[d, 1:]``
    the smallest of them in increasing order, padded with ``0xFFFFFFFF`` (bottom-k).
    """
    _core.number_sketch_batch(_c(cps, np.uint32), _c(offsets, np.int64), out, get_num_threads())


def number_agreement(nums_a, nums_b, pairs, shared, seen) -> None:
    """Per pair ``(i, j)`` of sketch rows: ``seen`` numbers of the text stating fewer were compared,
    ``shared`` of them the other states too (order-independent)."""
    _core.number_agreement(_c(nums_a, np.uint32), _c(nums_b, np.uint32), _c(pairs, np.int64).reshape(-1, 2), shared, seen)


# -- the normalizer's scan ----------------------------------------------------------------


def text_flags(cps) -> int:
    """Bit mask of ``FLAG_*`` for one text: what the normalizer's expensive steps must look at."""
    return _core.text_flags(_c(cps, np.uint32))


# -- candidate pairs and verification -----------------------------------------------------


def band_keys(sigs, bands, rows) -> np.ndarray:
    """LSH band keys ``uint64 (n, bands)``: per band of ``rows`` consecutive values, ``h = 0x9E3779B97F4A7C15``,
    then per value ``h = (h ^ v) * P; h ^= h >> 29`` (FNV prime ``P``)."""
    return _core.band_keys(np.asarray(sigs, dtype=np.uint32), int(bands), int(rows), get_num_threads())


def band_pair_codes(keys, max_bucket) -> np.ndarray:
    """Candidate pair codes ``i * n + j`` (``i < j``) of a ``(n, bands)`` key array, unsorted.

    In a band, a bucket of at most ``max_bucket`` documents yields all its pairs, a
    larger one a star (first member to each other) and a chain (neighbours), members
    taken in document order. A pair from a small bucket is emitted only in the first
    band where it shares a small bucket; star and chain pairs may repeat.
    """
    keys = np.asarray(keys)
    keys = keys.view(np.int64) if keys.dtype == np.uint64 else keys
    return _core.band_pair_codes(_c(keys, np.int64), int(max_bucket), get_num_threads())


def crowded(keys, max_bucket) -> np.ndarray:
    """Per row of a ``(n, bands)`` key array: whether, in some band, it shares its bucket with more
    than ``max_bucket`` rows (a bucket :func:`band_pair_codes` lists only a star and a chain of)."""
    keys = np.asarray(keys)
    keys = keys.view(np.int64) if keys.dtype == np.uint64 else keys
    return _core.crowded(_c(keys, np.int64), int(max_bucket), get_num_threads())


def screened_pair_codes(keys, max_bucket, sigs, sizes, threshold, containment_threshold) -> np.ndarray:
    """The pair codes of :func:`band_pair_codes` whose signatures meet ``threshold`` (estimated Jaccard)
    or ``containment_threshold`` (estimated containment), sorted and distinct; the candidates that
    fail are dropped as they are made (first by 4-bit fingerprints), never held."""
    keys = np.asarray(keys)
    keys = keys.view(np.int64) if keys.dtype == np.uint64 else keys
    return _core.screened_pair_codes(_c(keys, np.int64), int(max_bucket), _c(sigs, np.uint32), _c(sizes, np.int64),
                                     float(threshold), float(containment_threshold), get_num_threads())


def containment_pair_codes(sigs, sizes, levels, max_bucket, threshold, containment_threshold) -> np.ndarray:
    """Pair codes of the length-ratio ``levels`` (rows ``(min_ratio, max_ratio, bands, rows)``) whose
    signatures meet ``threshold`` or ``containment_threshold``, sorted and distinct (``dedup.lsh.containment_pairs``)."""
    return _core.containment_pair_codes(_c(sigs, np.uint32), _c(sizes, np.int64), _c(levels, np.float64), int(max_bucket),
                                        float(threshold), float(containment_threshold), get_num_threads())


def equal_counts_between(sigs_a, sigs_b, pairs) -> np.ndarray:
    """Per pair ``(i, j)``: how many positions of row ``i`` of ``sigs_a`` and row ``j`` of ``sigs_b`` agree.

    The signature arrays may be strided views; pass one array twice for pairs of rows of one array.
    """
    return _core.equal_counts_between(np.asarray(sigs_a, dtype=np.uint32), np.asarray(sigs_b, dtype=np.uint32),
                                      _c(pairs, np.int64).reshape(-1, 2), get_num_threads())


def nibble_fingerprints(sigs, k) -> np.ndarray:
    """The low 4 bits of each of the first ``k`` values of each row, packed 16 to a uint64 (``k / 2`` bytes)."""
    return _core.nibble_fingerprints(np.asarray(sigs, dtype=np.uint32), int(k), get_num_threads())


def agree_upper_bounds(fp_a, fp_b, pairs, k) -> np.ndarray:
    """Per pair ``(i, j)``: ``k`` minus the positions whose 4-bit fingerprints differ -- an upper bound
    on :func:`equal_counts_between` (equal values have equal low bits), read from 1/8 of the bytes."""
    return _core.agree_upper_bounds(_c(fp_a, np.uint64), _c(fp_b, np.uint64), _c(pairs, np.int64).reshape(-1, 2), int(k),
                                    get_num_threads())


def connected_components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Component root of each of ``n`` nodes given edges ``left[e] -- right[e]`` (union-find)."""
    return _core.connected_components(int(n), _c(left, np.int64), _c(right, np.int64))


# -- the band-map directory ---------------------------------------------------------------


def directory_bits(n: int) -> int:
    """Bits of a :func:`key_directory` over ``n`` keys: 4-8 keys per slot."""
    return int(_core.directory_bits(int(n)))


def key_directory(keys, n, bits) -> np.ndarray:
    """``out[p]`` = first position of ``keys[:n]`` (sorted) whose top ``bits`` bits are >= ``p``, for ``p`` in ``0..2**bits``."""
    return _core.key_directory(_c(keys, np.int64), int(n), int(bits))


def find_keys(keys, directory, bits, queries, lo, cnt) -> None:
    """For each query: where its equal keys start in sorted ``keys`` (``lo``) and how many there are (``cnt``)."""
    _core.find_keys(_c(keys, np.int64), _c(directory, np.int64), int(bits), _c(queries, np.int64), lo, cnt)


def merge_into(keys, docs, n, add_keys, add_docs) -> None:
    """Merge sorted ``add_*`` into sorted ``keys[:n]``/``docs[:n]`` in place (the arrays have room)."""
    _core.merge_into(keys, docs, int(n), _c(add_keys, np.int64), _c(add_docs, np.uint32))


def drop_rows(keys, docs, n, dead) -> int:
    """Keep, in place and in order, the entries of ``keys[:n]``/``docs[:n]`` whose doc is not in sorted ``dead``;
    returns how many are kept."""
    return int(_core.drop_rows(keys, docs, int(n), _c(dead, np.int64)))


def find_ranges(sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``lo, cnt``: where each query's equal keys start in ``sorted_keys`` (hashes, int64) and how many."""
    sorted_keys = _c(sorted_keys, np.int64)
    bits = directory_bits(sorted_keys.size)
    lo = np.empty(np.size(queries), np.int64)
    cnt = np.empty(np.size(queries), np.int64)
    find_keys(sorted_keys, key_directory(sorted_keys, sorted_keys.size, bits), bits, queries, lo, cnt)
    return lo, cnt


def expand_ranges(lo: np.ndarray, cnt: np.ndarray) -> np.ndarray:
    """The positions ``lo[i], lo[i] + 1, ..., lo[i] + cnt[i] - 1`` of every range ``i``, concatenated."""
    total = int(cnt.sum())
    return np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for a 1-D integer array, by sorting.

    numpy >= 2.3 answers a plain ``np.unique`` with a hash table, which on tens of
    millions of structured codes (``i * n + j``) was 40x slower than a sort here.
    int64 arrays are sorted in parallel in the core.
    """
    values = np.asarray(values)
    if values.dtype == np.int64 and values.ndim == 1:
        return _core.sorted_unique(values, get_num_threads())
    s = np.sort(values)
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


# -- clustering -----------------------------------------------------------------------------


def average_linkage(n, edges, weights, keys, counts, apart, min_fraction, sample_pairs, chunk, rows, sigs, sizes, nums,
                    thresholds, hot, confirm) -> tuple[np.ndarray, np.ndarray]:
    """Average linkage of ``n`` nodes (``dedup.cluster.average_linkage``): roots and edge verdicts.

    Node pairs that are no edge are judged, when ``sample_pairs > 0``, by the screen of rows
    ``rows[node]`` of ``sigs``/``sizes``/``nums`` with ``thresholds = (threshold,
    containment_threshold, number_agreement, min_numbers, max_jaccard)`` (the number rule:
    ``dedup.numbers``);
    ``confirm(edge_indices)`` (or None) gives the last verdict of screened edges. Only edges
    between two ``hot`` nodes (all when ``hot`` is empty) call for a sample.
    """
    edges = _c(edges, np.int64).reshape(-1, 2)
    t, c, a, few, close = thresholds
    call = None
    if confirm is not None:
        def call(idx):
            return np.asarray(confirm(idx), dtype=bool).tolist()
    return _core.average_linkage(
        int(n), _c(edges[:, 0], np.int64), _c(edges[:, 1], np.int64), _c(weights, np.float64), _c(keys, np.int64),
        _c(counts, np.int64), _c(apart, np.int64).reshape(-1, 2), float(min_fraction), int(sample_pairs), int(chunk),
        _c(rows, np.int64), _c(sigs, np.uint32), _c(sizes, np.int64), _c(nums, np.uint32), float(t), float(c), float(a),
        int(few), float(close), _c(hot, np.bool_), call,
    )


def jsonl_block(data: bytes, eof: bool, max_bytes: int | None, id_field: str, fields: tuple[str, ...], join: str) -> tuple:
    """The complete lines of a block of JSON Lines: ``(kinds, ends, ids, texts, used)`` (see ``dedup.io._jsonl_blocks``)."""
    return _core.jsonl_block(data, eof, max_bytes, id_field, list(fields), join)

