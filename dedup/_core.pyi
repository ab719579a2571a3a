"""Types of ``dedup._core``, the compiled Rust core (``rust/python`` binds ``rust/core``).

This stub is the kernel boundary: every function the Python side may call, with the dtypes the
bindings accept. Array arguments must be C-contiguous arrays of exactly the dtype named
(``dedup._kernels`` converts them); arrays named ``out``, ``sigs`` (of ``sign_*``), ``sizes`` (of
``sign_batch``), ``shared``/``seen``, ``lo``/``cnt``, ``keys``/``docs`` (of ``merge_into`` and
``drop_rows``) are written in place. ``threads`` is the number of threads a kernel runs on without
the GIL (0: one per core). Bad shapes or values raise ``ValueError``.

``tests/test_core_stub.py`` checks that this file and the compiled module name the same functions
with the same parameters.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

# -- constants ------------------------------------------------------------------------------

FLAG_NONASCII: int
FLAG_DAMAGE: int
FLAG_INVISIBLE: int
WORD_RANGES: list[tuple[int, int]]
"""Half-open code point ranges of the ``\\w`` the shingler's words are made of."""
NORMALIZE_PATTERNS: tuple[str, str, str]
"""The Python patterns the normalizer's Rust patterns are translated from (boilerplate, dateline, video source)."""
MOJIBAKE_FTFY_VERSION: str
MOJIBAKE_UNICODE_VERSION: str
ALIGN_UNICODE_VERSION: str
ALIGN_SOURCE_SHA256: str

# -- shingles and signatures ----------------------------------------------------------------

def sign_batch(
    cps: NDArray[np.uint32],
    offsets: NDArray[np.int64],
    kind: int,
    n: int,
    fold: bool,
    a: NDArray[np.uint32],
    b: NDArray[np.uint32],
    sigs: NDArray[np.uint32],
    sizes: NDArray[np.int64],
    threads: int = 0,
) -> None: ...
def sign_texts(
    texts: list[str], kind: int, n: int, fold: bool, a: NDArray[np.uint32], b: NDArray[np.uint32], threads: int = 0
) -> tuple[NDArray[np.uint32], NDArray[np.int64]]: ...
def shingle_one(cps: NDArray[np.uint32], kind: int, n: int) -> NDArray[np.uint64]: ...
def sign_hashes_batch(
    hashes: NDArray[np.uint64],
    offsets: NDArray[np.int64],
    a: NDArray[np.uint32],
    b: NDArray[np.uint32],
    sigs: NDArray[np.uint32],
    threads: int = 0,
) -> None: ...
def permutations(num_perm: int, seed: int) -> tuple[NDArray[np.uint32], NDArray[np.uint32]]: ...
def minhash_hv32_into(hv32: NDArray[np.uint32], a: NDArray[np.uint32], b: NDArray[np.uint32], sig: NDArray[np.uint32]) -> None: ...

# -- the numbers a text states --------------------------------------------------------------

def number_sketch_batch(cps: NDArray[np.uint32], offsets: NDArray[np.int64], out: NDArray[np.uint32], threads: int = 0) -> None: ...
def number_sketch_texts(texts: list[str], k: int, threads: int = 0) -> NDArray[np.uint32]: ...
def number_agreement(
    nums_a: NDArray[np.uint32], nums_b: NDArray[np.uint32], pairs: NDArray[np.int64], shared: NDArray[np.int64], seen: NDArray[np.int64]
) -> None: ...

# -- the normalizer -------------------------------------------------------------------------

def text_flags(cps: NDArray[np.uint32]) -> int: ...
def normalize_batch(texts: Iterable[object], options: int, shingling: bool, threads: int = 0) -> list[str | None]: ...
def prepare_patterns() -> None:
    """Start compiling the normalizer's patterns on a background thread (once per process)."""
def normalize_text(text: object, options: int, shingling: bool) -> str | None: ...
def normalize_steps(text: object, options: int, light: bool) -> str | None: ...
def fix_mojibake_line(line: str) -> str | None: ...
def fix_mojibake_lines(lines: list[str], threads: int = 0) -> list[str | None]: ...
def mojibake_unsure_reason(line: str) -> str | None: ...
def mojibake_is_bad(text: str) -> bool: ...

# -- candidate pairs and verification -------------------------------------------------------

def band_keys(sigs: NDArray[np.uint32], bands: int, rows: int, threads: int = 0) -> NDArray[np.uint64]: ...
def band_pair_codes(keys: NDArray[np.int64], max_bucket: int, threads: int = 0) -> NDArray[np.int64]: ...
def band_layout_areas(
    num_perm: int, lo_s: NDArray[np.float64], lo_w: NDArray[np.float64], hi_s: NDArray[np.float64], hi_w: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]: ...
def union_pair_rows(arrays: list[NDArray[np.int64]], threads: int = 0) -> NDArray[np.int64]: ...
def estimates_between(
    sigs_a: NDArray[np.uint32], sigs_b: NDArray[np.uint32], sizes_a: NDArray[np.int64], sizes_b: NDArray[np.int64],
    pairs: NDArray[np.int64], threads: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
def decode_pairs(codes: NDArray[np.int64], n: int, threads: int = 0) -> NDArray[np.int64]: ...
def band_candidates(
    sigs: NDArray[np.uint32], bands: int, rows: int, max_bucket: int, sizes: NDArray[np.int64], lead: NDArray[np.bool_],
    threshold: float, containment_threshold: float, threads: int = 0,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]: ...
def crowded(keys: NDArray[np.int64], max_bucket: int, threads: int = 0) -> NDArray[np.bool_]: ...
def level_allows(
    levels: NDArray[np.float64], num_perm: int, columns: NDArray[np.int64], size_a: NDArray[np.int64], size_b: NDArray[np.int64]
) -> NDArray[np.bool_]: ...
TAIL_HUBS: int
def bucket_pairs(members: NDArray[np.int64], starts: NDArray[np.int64], ahead: NDArray[np.int64], cap: int) -> NDArray[np.int64]: ...
def containment_pair_codes(
    sigs: NDArray[np.uint32],
    sizes: NDArray[np.int64],
    levels: NDArray[np.float64],
    max_bucket: int,
    threshold: float,
    containment_threshold: float,
    threads: int = 0,
) -> NDArray[np.int64]: ...
def exact_containment(texts: list[str], pairs: NDArray[np.int64], kind: int, n: int, fold: bool, threads: int = 0) -> NDArray[np.float64]: ...
def screened_pair_codes(
    keys: NDArray[np.int64],
    max_bucket: int,
    sigs: NDArray[np.uint32],
    sizes: NDArray[np.int64],
    threshold: float,
    containment_threshold: float,
    threads: int = 0,
) -> NDArray[np.int64]: ...
def sorted_unique(values: NDArray[np.int64], threads: int = 0) -> NDArray[np.int64]: ...
def equal_counts_between(sigs_a: NDArray[np.uint32], sigs_b: NDArray[np.uint32], pairs: NDArray[np.int64], threads: int = 0) -> NDArray[np.int64]: ...
def nibble_fingerprints(sigs: NDArray[np.uint32], k: int, threads: int = 0) -> NDArray[np.uint64]: ...
def agree_upper_bounds(fp_a: NDArray[np.uint64], fp_b: NDArray[np.uint64], pairs: NDArray[np.int64], k: int, threads: int = 0) -> NDArray[np.int64]: ...
def connected_components(n: int, left: NDArray[np.int64], right: NDArray[np.int64]) -> NDArray[np.int64]: ...
def heaviest_edges(
    n: int, left: NDArray[np.int64], right: NDArray[np.int64], weights: NDArray[np.float64], degree: int, threads: int = 0
) -> NDArray[np.bool_]: ...

# -- the band-map directory -----------------------------------------------------------------

def directory_bits(n: int) -> int: ...
def key_directory(keys: NDArray[np.int64], n: int, bits: int) -> NDArray[np.int64]: ...
def find_keys(
    keys: NDArray[np.int64], directory: NDArray[np.int64], bits: int, queries: NDArray[np.int64], lo: NDArray[np.int64], cnt: NDArray[np.int64]
) -> None: ...
def merge_into(keys: NDArray[np.int64], docs: NDArray[np.uint32], n: int, add_keys: NDArray[np.int64], add_docs: NDArray[np.uint32]) -> None: ...
def drop_rows(keys: NDArray[np.int64], docs: NDArray[np.uint32], n: int, dead: NDArray[np.int64]) -> int: ...

# -- clustering -----------------------------------------------------------------------------

def average_linkage(
    n: int,
    left: NDArray[np.int64],
    right: NDArray[np.int64],
    weights: NDArray[np.float64],
    keys: NDArray[np.int64],
    counts: NDArray[np.int64],
    apart: NDArray[np.int64],
    min_fraction: float,
    sample_pairs: int,
    chunk: int,
    first: NDArray[np.int64],
    sigs: NDArray[np.uint32],
    sizes: NDArray[np.int64],
    nums: NDArray[np.uint32],
    threshold: float,
    containment_threshold: float,
    number_agreement: float,
    min_numbers: int,
    max_jaccard: float,
    hot: NDArray[np.bool_],
    confirm: Callable[[NDArray[np.int64]], list[bool]] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int8]]: ...

# -- reading JSON Lines ---------------------------------------------------------------------

def jsonl_block(
    data: bytes, eof: bool, max_bytes: int | None, id_field: str, text_fields: list[str], join: str
) -> tuple[bytes, list[int], list[Any], list[str], int]:
    """``(kinds, ends, ids, texts, used)``: a kind byte per complete line (0 a record, 1 blank, 2 for Python to
    read, 3 over ``max_bytes``), each line's end offset, the records' ids and texts, and the bytes used."""

# -- stored texts (dedup.texts) -------------------------------------------------------------

class TextStore:
    """Texts kept in the core (compressed with Zstandard when asked; in a spill file once ``spill_to`` is called),
    appended to and read by position."""

    def __init__(self) -> None: ...
    def extend(self, texts: list[str], compress: bool = True, threads: int = 0) -> list[int]:
        """Append ``texts``; returns the positions (in ``texts``) of those without UTF-8 (a lone surrogate), stored
        empty for the caller to keep the string itself."""
    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> str: ...
    def spill_to(self, path: str) -> None:
        """Write the texts appended from now on to a new file at ``path`` (OSError when it cannot be made)."""
    @property
    def nbytes(self) -> int: ...
    @property
    def spills(self) -> bool: ...
    @property
    def spilled_bytes(self) -> int: ...

def template_fill_rows(
    store: TextStore, left: NDArray[np.int64], right: NDArray[np.int64], params: dict[str, Any], threads: int = 0
) -> NDArray[np.bool_]: ...

# -- alignment (dedup.align's verdicts) -----------------------------------------------------

def template_fill_batch(texts_a: Sequence[object], texts_b: Sequence[object], params: dict[str, Any], threads: int = 0) -> NDArray[np.bool_]: ...
def figures_agree_batch(texts_a: Sequence[object], texts_b: Sequence[object], params: dict[str, Any], threads: int = 0) -> NDArray[np.bool_]: ...
def align_opcodes(a: Sequence[int], b: Sequence[int], fast: bool = True) -> list[tuple[str, int, int, int, int]]: ...
def align_indel_similarity(a: str, b: str) -> float: ...
def align_doc(text: str, params: dict[str, Any]) -> tuple[list[str], list[str], list[int], list[bool], bool]: ...
def align_figure(word: str, params: dict[str, Any]) -> tuple[float | None, float]: ...
def align_found(word: str, values: Sequence[float], params: dict[str, Any]) -> bool: ...
def align_char_tables() -> tuple[list[tuple[str, list[tuple[int, int]]]], list[tuple[int, list[int]]]]: ...
