"""The compiled kernels: a thin layer over the Rust core (``dedup._core``), one module per concern.

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

from .directory import directory_bits, drop_rows, expand_ranges, find_keys, find_ranges, key_directory, merge_into
from .graph import average_linkage, connected_components, heaviest_edges
from .jsonl import jsonl_block
from .pairs import (
    agree_upper_bounds,
    band_candidates,
    band_keys,
    band_layout_areas,
    band_pair_codes,
    bucket_pairs,
    containment_pair_codes,
    crowded,
    decode_pairs,
    equal_counts_between,
    estimates_between,
    level_allows,
    nibble_fingerprints,
    screened_pair_codes,
    sorted_unique,
    union_pair_rows,
)
from .pool import contiguous, get_num_threads, set_num_threads, threads
from .scan import FLAG_DAMAGE, FLAG_INVISIBLE, FLAG_NONASCII, text_flags
from .signing import (
    exact_containment,
    minhash_hv32_into,
    number_agreement,
    number_sketch_batch,
    number_sketch_texts,
    shingle_one,
    sign_batch,
    sign_hashes_batch,
    sign_texts,
)

__all__ = [
    "FLAG_DAMAGE",
    "FLAG_INVISIBLE",
    "FLAG_NONASCII",
    "agree_upper_bounds",
    "average_linkage",
    "band_keys",
    "band_pair_codes",
    "decode_pairs",
    "bucket_pairs",
    "connected_components",
    "heaviest_edges",
    "containment_pair_codes",
    "contiguous",
    "band_candidates",
    "band_layout_areas",
    "crowded",
    "level_allows",
    "directory_bits",
    "drop_rows",
    "equal_counts_between",
    "estimates_between",
    "exact_containment",
    "expand_ranges",
    "find_keys",
    "find_ranges",
    "get_num_threads",
    "jsonl_block",
    "key_directory",
    "merge_into",
    "minhash_hv32_into",
    "nibble_fingerprints",
    "number_agreement",
    "number_sketch_batch",
    "number_sketch_texts",
    "screened_pair_codes",
    "set_num_threads",
    "shingle_one",
    "sign_batch",
    "sign_hashes_batch",
    "sign_texts",
    "sorted_unique",
    "union_pair_rows",
    "text_flags",
    "threads",
]
