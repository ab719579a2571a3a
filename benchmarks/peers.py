"""Peer tools that the ``dedup`` benchmark compares against.

Every peer runs in-process on the same ``list[str]`` and returns cluster labels:
one ``int`` per text, documents in one cluster share a label, and the label of a
cluster is the smallest index in it (so a singleton's label is its own index).

Each peer comes in two forms:

* ``name(texts, **params) -> np.ndarray`` -- just the labels;
* ``name_timed(texts, **params) -> PeerResult`` -- labels plus wall-clock seconds
  per stage (``shingle``, ``minhash``, ``lsh``, ``cluster``, and ``total``) and a
  few facts about the run in ``info`` (bands/rows, ...).

Peers:

* :func:`datasketch_recipe` -- the usual datasketch MinHash + MinHashLSH recipe.
* :func:`textdedup_newscopy` -- text-dedup's published NEWS-COPY MinHash recipe,
  run through datasketch.
* :func:`rensa_recipe` / :func:`rensa_lsh` / :func:`rensa_dedup` -- rensa 0.5.
* :func:`exact_hash` -- identical documents after lowercasing and collapsing
  whitespace.

:func:`signature_seconds` times only "text -> shingles" and "shingles ->
signatures" for each MinHash implementation, since ``dedup`` computes
signatures from raw text and is compared on that whole path.

This module must not import the ``dedup`` package.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

try:  # text-dedup tokenizes with the third-party `regex` module
    import regex as _textdedup_re
except ImportError:  # pragma: no cover - `regex` is a dependency of the project
    _textdedup_re = re  # type: ignore[assignment]

Tokens = Literal["word", "char"]

__all__ = [
    "PeerResult",
    "PEERS",
    "UnionFind",
    "datasketch_recipe",
    "datasketch_recipe_timed",
    "exact_hash",
    "exact_hash_timed",
    "news_copy_preprocessing",
    "rensa_dedup",
    "rensa_dedup_default_bands",
    "rensa_dedup_timed",
    "rensa_lsh",
    "rensa_lsh_bands",
    "rensa_lsh_timed",
    "rensa_recipe",
    "rensa_recipe_timed",
    "shingles",
    "signature_seconds",
    "SIGNATURE_TOOLS",
    "textdedup_newscopy",
    "textdedup_newscopy_timed",
    "textdedup_shingles",
]


# --------------------------------------------------------------------------- #
# Result type, timing, union-find
# --------------------------------------------------------------------------- #


@dataclass
class PeerResult:
    """Labels of one peer run plus wall-clock seconds per stage.

    ``seconds`` always has a ``"total"`` key (the sum of the stages); ``info``
    holds run facts such as the LSH bands and rows actually used.
    """

    labels: np.ndarray
    seconds: dict[str, float]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_clusters(self) -> int:
        """Number of distinct clusters (singletons included)."""
        return int(np.unique(self.labels).size)

    @property
    def n_duplicates(self) -> int:
        """Documents that are not the representative of their cluster."""
        return int(np.count_nonzero(self.labels != np.arange(self.labels.size)))


class _Stages:
    """Accumulates ``perf_counter`` seconds per named stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def result(self, labels: np.ndarray, **info: Any) -> PeerResult:
        seconds = dict(self.seconds)
        seconds["total"] = sum(self.seconds.values())
        return PeerResult(labels=labels, seconds=seconds, info=info)


class UnionFind:
    """Array union-find whose root is always the smallest index of its set."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra < rb:
            self.parent[rb] = ra
        elif rb < ra:
            self.parent[ra] = rb

    def labels(self) -> np.ndarray:
        """Label of each element = smallest index in its set."""
        return np.fromiter((self.find(i) for i in range(len(self.parent))), dtype=np.int64, count=len(self.parent))


def _labels_from_neighbours(n: int, neighbours: Iterable[Iterable[Any]]) -> np.ndarray:
    """Union every document ``i`` with each key in ``neighbours[i]``; return labels."""
    uf = UnionFind(n)
    for i, keys in enumerate(neighbours):
        for k in keys:
            k = int(k)
            if k != i:
                uf.union(i, k)
    return uf.labels()


# --------------------------------------------------------------------------- #
# Shingling shared by the "usual" recipes (datasketch and rensa)
# --------------------------------------------------------------------------- #

_WORD_RE = re.compile(r"\w+")


def _word_shingles(text: str, ngram: int) -> set[str]:
    words = _WORD_RE.findall(text.lower())
    if len(words) < ngram:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + ngram]) for i in range(len(words) - ngram + 1)}


def _char_shingles(text: str, ngram: int) -> set[str]:
    s = " ".join(text.lower().split())
    if len(s) < ngram:
        return {s} if s else set()
    return {s[i : i + ngram] for i in range(len(s) - ngram + 1)}


def shingles(text: str, ngram: int = 5, tokens: Tokens = "word") -> set[str]:
    """Shingle set of the usual recipe.

    ``"word"``: lowercase, words = ``re.findall(r"\\w+")``, word n-grams joined by
    one space. ``"char"``: lowercase, whitespace runs collapsed to one space,
    character n-grams. A text shorter than ``ngram`` gives one shingle (the whole
    normalized text); an empty text gives the empty set.
    """
    if tokens == "word":
        return _word_shingles(text, ngram)
    if tokens == "char":
        return _char_shingles(text, ngram)
    raise ValueError(f"tokens must be 'word' or 'char', got {tokens!r}")


def _shingle_all(texts: Sequence[str], ngram: int, tokens: Tokens) -> list[set[str]]:
    if tokens not in ("word", "char"):
        raise ValueError(f"tokens must be 'word' or 'char', got {tokens!r}")
    fn = _word_shingles if tokens == "word" else _char_shingles
    return [fn(t, ngram) for t in texts]


def _encode_all(shingle_sets: Iterable[Iterable[str]]) -> list[list[bytes]]:
    return [[s.encode("utf-8") for s in ss] for ss in shingle_sets]


# --------------------------------------------------------------------------- #
# 1. datasketch -- the usual recipe
# --------------------------------------------------------------------------- #


def datasketch_recipe_timed(
    texts: Sequence[str],
    ngram: int = 5,
    num_perm: int = 128,
    threshold: float = 0.8,
    tokens: Tokens = "word",
    seed: int = 1,
) -> PeerResult:
    """The usual datasketch recipe, timed per stage.

    shingle: lowercase, ``\\w+`` words, word n-grams joined by a space (or
    character n-grams for ``tokens="char"``), encoded UTF-8.
    minhash: ``MinHash.bulk(..., num_perm, seed)`` -- datasketch 2.x default
    scheme ("affine32") and default hash (SHA-1, 32 bit).
    lsh: ``MinHashLSH(threshold, num_perm)`` (bands/rows from datasketch's own
    weighted FP/FN optimum), ``insert`` every doc, then ``query`` every doc.
    cluster: union-find over the query results (LSH candidates, no Jaccard
    verification) -> labels.
    """
    from datasketch import MinHash, MinHashLSH

    n = len(texts)
    st = _Stages()
    with st("shingle"):
        data = _encode_all(_shingle_all(texts, ngram, tokens))
    with st("minhash"):
        mhs = MinHash.bulk(data, num_perm=num_perm, seed=seed)
    with st("lsh"):
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        for i, m in enumerate(mhs):
            lsh.insert(i, m)
        neighbours = [lsh.query(m) for m in mhs]
    with st("cluster"):
        labels = _labels_from_neighbours(n, neighbours)
    return st.result(labels, bands=lsh.b, rows=lsh.r, scheme=mhs[0].scheme if mhs else None)


def datasketch_recipe(
    texts: Sequence[str],
    ngram: int = 5,
    num_perm: int = 128,
    threshold: float = 0.8,
    tokens: Tokens = "word",
    seed: int = 1,
) -> np.ndarray:
    """Labels from the usual datasketch recipe (see :func:`datasketch_recipe_timed`)."""
    return datasketch_recipe_timed(texts, ngram, num_perm, threshold, tokens, seed).labels


# --------------------------------------------------------------------------- #
# 2. text-dedup NEWS-COPY recipe
# --------------------------------------------------------------------------- #

# text-dedup `news_copy_preprocessing` (src/text_dedup/utils/preprocess.py):
# the characters it strips. Note "-" is kept.
_NEWS_COPY_STRIP = str.maketrans("", "", "\"#$%&\\()*+/:;<=>@[]^_`{|}~.?,!'")


def news_copy_preprocessing(text: str) -> str:
    """text-dedup's NEWS-COPY article cleaning, applied before MinHash.

    Join hyphenated line breaks (``"-\\n"`` -> ``""``), other newlines -> space,
    delete ``"#$%&\\()*+/:;<=>@[]^_`{|}~.?,!'`` and drop non-ASCII characters.
    """
    text = text.replace("-\n", "").replace("\n", " ")
    text = text.translate(_NEWS_COPY_STRIP)
    return text.encode("ascii", "ignore").decode()


_TEXTDEDUP_NON_ALPHA = _textdedup_re.compile(r"\W", _textdedup_re.UNICODE)


def _textdedup_ngrams(tokens: list[str], n: int, min_length: int) -> list[tuple[str, ...]]:
    # text-dedup `utils.tokenization.ngrams`: too short -> nothing; shorter than
    # n -> one n-gram made of all tokens; else sliding windows.
    if len(tokens) < min_length:
        return []
    if len(tokens) < n:
        return [tuple(tokens)]
    return list(zip(*(tokens[i:] for i in range(n))))


def textdedup_shingles(text: str, ngram: int = 2, min_length: int = 0) -> set[bytes]:
    """text-dedup's MinHash shingle set for one (already preprocessed) text.

    ``regex.split(r"\\W", text.lower())`` -- a split on *each* non-word
    character, so runs of punctuation/space leave empty-string tokens that
    take part in the n-grams -- then n-grams joined by a space, lowercased,
    UTF-8 encoded, as a set.
    """
    toks = _TEXTDEDUP_NON_ALPHA.split(text.lower())
    return {" ".join(t).lower().encode("utf-8") for t in _textdedup_ngrams(toks, ngram, min_length)}


def _xxh3_32(seed: int) -> Callable[[bytes], int]:
    """text-dedup ``xxh3_hash(data, seed, bits=32)``; SHA-1 32 if xxhash is absent."""
    try:
        import xxhash
    except ImportError:  # pragma: no cover - xxhash ships with the bench env
        from datasketch.hashfunc import sha1_hash32

        return sha1_hash32

    intdigest = xxhash.xxh3_64_intdigest

    def h(data: bytes) -> int:
        return intdigest(data, seed) & 0xFFFFFFFF

    return h


def _textdedup_permutations(num_perm: int, seed: int) -> np.ndarray:
    """text-dedup's (a, b): all ``a`` in [1, 2^61-1) then all ``b`` in [0, 2^61-1)
    from ``np.random.RandomState(seed)``, as a (2, num_perm) uint64 array."""
    prime = np.uint64((1 << 61) - 1)
    rng = np.random.RandomState(seed)
    a = rng.randint(1, prime, size=(num_perm,), dtype=np.uint64)
    b = rng.randint(0, prime, size=(num_perm,), dtype=np.uint64)
    return np.array([a, b])


def textdedup_newscopy_timed(
    texts: Sequence[str],
    ngram: int = 2,
    num_perm: int = 256,
    threshold: float = 0.45,
    seed: int = 42,
    preprocess: bool = True,
    min_length: int = 0,
) -> PeerResult:
    """text-dedup's NEWS-COPY MinHash recipe run through datasketch, timed per stage.

    Source read: ChenghaoMou/text-dedup ``configs/benchmark_news_minhash.toml``
    (num_perm=256, ngram_size=2, threshold=0.45, min_length=0, seed=42,
    hash_func_name="xxh3", check_false_positive=false),
    ``benchmarks/run_benchmark.py`` (texts = ``news_copy_preprocessing(article)``),
    ``src/text_dedup/minhash.py`` + ``src/text_dedup/config/algorithms/minhash.py``
    (tokenize = ``regex.split(r"\\W", text.lower())``; shingles = ``" ".join(ngram)``
    -> UTF-8 bytes, a set; hash = ``xxh3_64_intdigest(b, seed) & 0xFFFFFFFF``;
    hash_bits=64 "backwards compatible" permutations ``(a*h + b) mod (2^61-1) &
    (2^32-1)`` with ``a = rng.randint(1, p, num_perm)`` then ``b = rng.randint(0,
    p, num_perm)`` from ``np.random.RandomState(seed)``; bands/rows from the same
    weighted FP/FN optimum as datasketch -> b=47, r=5 here; every LSH bucket with
    >1 doc is unioned into its smallest index; ``check_false_positive=false`` so
    there is no Jaccard verification). The older ``text_dedup/minhash.py`` and
    ``archive/tests/benchmark_news.py`` use the same parameters.

    Reproduced here with datasketch's ``MinHash(scheme="legacy")`` -- the same
    arithmetic -- given text-dedup's permutations and xxh3 hash, and
    ``MinHashLSH(0.45, 256)`` insert + query + union-find, which yields exactly
    the bucket-union partition. Differences: ``preprocess=False`` skips the
    article cleaning; if ``xxhash`` is missing the hash falls back to SHA-1.
    """
    from datasketch import MinHash, MinHashLSH

    n = len(texts)
    st = _Stages()
    with st("shingle"):
        prepared = [news_copy_preprocessing(t) for t in texts] if preprocess else list(texts)
        data = [textdedup_shingles(t, ngram, min_length) for t in prepared]
    with st("minhash"):
        mhs = MinHash.bulk(
            data,
            num_perm=num_perm,
            seed=seed,
            scheme="legacy",
            permutations=_textdedup_permutations(num_perm, seed),
            hashfunc=_xxh3_32(seed),
        )
    with st("lsh"):
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        for i, m in enumerate(mhs):
            lsh.insert(i, m)
        neighbours = [lsh.query(m) for m in mhs]
    with st("cluster"):
        labels = _labels_from_neighbours(n, neighbours)
    return st.result(labels, bands=lsh.b, rows=lsh.r, scheme="legacy", verified=False)


def textdedup_newscopy(
    texts: Sequence[str],
    ngram: int = 2,
    num_perm: int = 256,
    threshold: float = 0.45,
    seed: int = 42,
    preprocess: bool = True,
    min_length: int = 0,
) -> np.ndarray:
    """Labels from text-dedup's NEWS-COPY recipe (see :func:`textdedup_newscopy_timed`)."""
    return textdedup_newscopy_timed(texts, ngram, num_perm, threshold, seed, preprocess, min_length).labels


# --------------------------------------------------------------------------- #
# 3. rensa 0.5
# --------------------------------------------------------------------------- #


def _weighted_lsh_error(threshold: float, b: int, r: int) -> float:
    from scipy.integrate import quad

    fp, _ = quad(lambda s: 1 - (1 - s**r) ** b, 0.0, threshold)
    fn, _ = quad(lambda s: (1 - s**r) ** b, threshold, 1.0)
    return 0.5 * fp + 0.5 * fn


def rensa_lsh_bands(threshold: float, num_perm: int) -> int:
    """Bands for ``RMinHashLSH``: it needs ``num_perm % num_bands == 0``, so take
    the divisor ``b`` (r = num_perm / b) minimising datasketch's criterion
    0.5*FP-area + 0.5*FN-area at ``threshold``: 0.8/128 -> 8 bands x 16 rows
    (datasketch's unconstrained optimum is 9 x 13), 0.45/256 -> 64 x 4.
    """
    divisors = [b for b in range(2, num_perm + 1) if num_perm % b == 0]
    return min(divisors, key=lambda b: _weighted_lsh_error(threshold, b, num_perm // b))


def rensa_dedup_default_bands(threshold: float, num_perm: int) -> int:
    """Bands ``RMinHashDeduplicator`` picks when ``num_bands`` is None (mirrors
    ``default_lsh_bands`` in rensa's src/inline_dedup/rminhash.rs): >=0.9 -> 4,
    >=0.8 -> 8, >=0.7 -> 16, >=0.5 -> 32, else num_perm/2; then the largest
    divisor of num_perm not above that.
    """
    if threshold >= 0.9:
        want = 4
    elif threshold >= 0.8:
        want = 8
    elif threshold >= 0.7:
        want = 16
    elif threshold >= 0.5:
        want = 32
    else:
        want = max(num_perm // 2, 1)
    return next(b for b in range(min(want, num_perm), 0, -1) if num_perm % b == 0)


def rensa_recipe_timed(
    texts: Sequence[str],
    ngram: int = 5,
    num_perm: int = 128,
    threshold: float = 0.8,
    tokens: Tokens = "word",
    mode: Literal["lsh", "dedup"] = "lsh",
    num_bands: int | None = None,
    seed: int = 42,
) -> PeerResult:
    """rensa 0.5 recipe, timed per stage; same shingles as :func:`datasketch_recipe`
    (``str`` shingles: rensa hashes strings itself).

    minhash: ``RMinHash.from_token_sets(shingle_sets, num_perm, seed)`` -- the
    bulk R-MinHash constructor (one Rust call, one ``RMinHash`` per doc).

    ``mode="lsh"``: ``RMinHashLSH(threshold, num_perm, num_bands)`` (bands from
    :func:`rensa_lsh_bands` unless given), ``insert_many`` + ``query_all``;
    union-find over the candidates, no verification (``query`` ignores the
    threshold), like the datasketch recipe.

    ``mode="dedup"``: ``RMinHashDeduplicator(threshold, num_perm, use_lsh=True,
    num_bands, seed)`` -- rensa's own band default when ``num_bands`` is None
    (0.8 -> 8 bands). ``add_pairs`` keeps a doc only if no kept doc has
    estimated Jaccard >= threshold among its LSH candidates (keep-first,
    verified on signatures); ``get_duplicate_sets`` then gives, per doc, the
    kept docs it matches; union-find over those -> labels.
    """
    import rensa

    n = len(texts)
    st = _Stages()
    with st("shingle"):
        sets = _shingle_all(texts, ngram, tokens)
    with st("minhash"):
        mhs = rensa.RMinHash.from_token_sets(sets, num_perm, seed)
    info: dict[str, Any] = {"mode": mode}
    if mode == "lsh":
        bands = num_bands if num_bands is not None else rensa_lsh_bands(threshold, num_perm)
        with st("lsh"):
            lsh = rensa.RMinHashLSH(threshold, num_perm, bands)
            lsh.insert_many(mhs)
            neighbours = lsh.query_all(mhs)
        info.update(bands=bands, rows=num_perm // bands, verified=False)
    elif mode == "dedup":
        with st("lsh"):
            dd = rensa.RMinHashDeduplicator(threshold, num_perm, True, num_bands, seed)
            kept = dd.add_pairs([(str(i), m) for i, m in enumerate(mhs)])
            neighbours = dd.get_duplicate_sets(mhs)
        bands = num_bands if num_bands is not None else rensa_dedup_default_bands(threshold, num_perm)
        info.update(bands=bands, rows=num_perm // bands, kept=int(sum(kept)), verified=True)
    else:
        raise ValueError(f"mode must be 'lsh' or 'dedup', got {mode!r}")
    with st("cluster"):
        labels = _labels_from_neighbours(n, neighbours)
    return st.result(labels, **info)


def rensa_recipe(
    texts: Sequence[str],
    ngram: int = 5,
    num_perm: int = 128,
    threshold: float = 0.8,
    tokens: Tokens = "word",
    mode: Literal["lsh", "dedup"] = "lsh",
    num_bands: int | None = None,
    seed: int = 42,
) -> np.ndarray:
    """Labels from the rensa recipe (see :func:`rensa_recipe_timed`)."""
    return rensa_recipe_timed(texts, ngram, num_perm, threshold, tokens, mode, num_bands, seed).labels


def rensa_lsh_timed(texts: Sequence[str], **params: Any) -> PeerResult:
    """rensa ``RMinHash`` + ``RMinHashLSH`` + union-find (no verification), timed."""
    return rensa_recipe_timed(texts, mode="lsh", **params)


def rensa_lsh(texts: Sequence[str], **params: Any) -> np.ndarray:
    """Labels from rensa ``RMinHash`` + ``RMinHashLSH`` + union-find."""
    return rensa_lsh_timed(texts, **params).labels


def rensa_dedup_timed(texts: Sequence[str], **params: Any) -> PeerResult:
    """rensa ``RMinHash`` + ``RMinHashDeduplicator`` (LSH + signature verify), timed."""
    return rensa_recipe_timed(texts, mode="dedup", **params)


def rensa_dedup(texts: Sequence[str], **params: Any) -> np.ndarray:
    """Labels from rensa ``RMinHash`` + ``RMinHashDeduplicator``."""
    return rensa_dedup_timed(texts, **params).labels


# --------------------------------------------------------------------------- #
# 4. exact hash baseline
# --------------------------------------------------------------------------- #


def exact_hash_timed(texts: Sequence[str]) -> PeerResult:
    """Exact-duplicate baseline, timed: lowercase + collapse whitespace, MD5 of
    the UTF-8 text (as text-dedup's exact_hash does), group equal digests.
    """
    n = len(texts)
    st = _Stages()
    with st("normalize"):
        norm = [" ".join(t.lower().split()) for t in texts]
    with st("hash"):
        digests = [hashlib.md5(t.encode("utf-8"), usedforsecurity=False).digest() for t in norm]
    with st("cluster"):
        first: dict[bytes, int] = {}
        labels = np.fromiter((first.setdefault(d, i) for i, d in enumerate(digests)), dtype=np.int64, count=n)
    return st.result(labels)


def exact_hash(texts: Sequence[str]) -> np.ndarray:
    """Labels grouping texts identical after lowercasing and whitespace collapsing."""
    return exact_hash_timed(texts).labels


# --------------------------------------------------------------------------- #
# Registry
# --------------------------------------------------------------------------- #

PEERS: dict[str, Callable[..., PeerResult]] = {
    "datasketch": datasketch_recipe_timed,
    "textdedup_newscopy": textdedup_newscopy_timed,
    "rensa_lsh": rensa_lsh_timed,
    "rensa_dedup": rensa_dedup_timed,
    "exact_hash": exact_hash_timed,
}
"""Timed peers by name; each takes ``(texts, **params)`` and returns a PeerResult."""


# --------------------------------------------------------------------------- #
# 5. signature throughput
# --------------------------------------------------------------------------- #

SIGNATURE_TOOLS = (
    "datasketch_bulk",
    "datasketch_update_batch",
    "rensa",
    "rensa_cminhash",
    "rensa_matrix",
    "rensa_update",
    "textdedup",
)
"""Tools accepted by :func:`signature_seconds`."""


def signature_seconds(
    tool: str,
    texts: Sequence[str],
    ngram: int = 5,
    num_perm: int = 128,
    tokens: Tokens = "word",
) -> dict[str, Any]:
    """Time text -> shingles ("shingle") and shingles -> signatures ("hash").

    Tools (shingles as in :func:`shingles` unless noted):

    * ``datasketch_bulk``: UTF-8 bytes shingles, ``MinHash.bulk`` (affine32).
    * ``datasketch_update_batch``: one ``MinHash(num_perm)`` per doc +
      ``update_batch`` (the per-doc loop people write).
    * ``rensa``: ``RMinHash.from_token_sets`` (str shingles) -- what
      :func:`rensa_lsh` uses.
    * ``rensa_cminhash``: ``CMinHash.from_token_sets``.
    * ``rensa_matrix``: ``RMinHash.digest_matrix_from_token_sets`` (compact
      matrix, no Python object per doc; usable only with ``insert_matrix``).
    * ``rensa_update``: one ``RMinHash`` per doc + ``update(shingles)``.
    * ``textdedup``: text-dedup's NEWS-COPY preprocessing + ``\\W``-split word
      ``ngram``-grams (``tokens`` is ignored) and its legacy-scheme signature
      (datasketch ``MinHash.bulk`` with text-dedup's permutations and xxh3).

    Returns ``{"tool", "n_docs", "n_shingles", "shingle", "hash", "total",
    "docs_per_s"}``; seconds are wall-clock ``perf_counter``.
    """
    if tool not in SIGNATURE_TOOLS:
        raise ValueError(f"unknown tool {tool!r}; expected one of {SIGNATURE_TOOLS}")
    st = _Stages()
    if tool.startswith("datasketch"):
        from datasketch import MinHash

        with st("shingle"):
            data = _encode_all(_shingle_all(texts, ngram, tokens))
        with st("hash"):
            if tool == "datasketch_bulk":
                sigs = MinHash.bulk(data, num_perm=num_perm)
            else:
                sigs = []
                for d in data:
                    m = MinHash(num_perm=num_perm)
                    m.update_batch(d)
                    sigs.append(m)
    elif tool == "textdedup":
        with st("shingle"):
            data = [textdedup_shingles(news_copy_preprocessing(t), ngram) for t in texts]
        with st("hash"):
            from datasketch import MinHash

            sigs = MinHash.bulk(
                data,
                num_perm=num_perm,
                seed=42,
                scheme="legacy",
                permutations=_textdedup_permutations(num_perm, 42),
                hashfunc=_xxh3_32(42),
            )
    else:
        import rensa

        with st("shingle"):
            data = _shingle_all(texts, ngram, tokens)
        with st("hash"):
            if tool == "rensa":
                sigs = rensa.RMinHash.from_token_sets(data, num_perm, 42)
            elif tool == "rensa_cminhash":
                sigs = rensa.CMinHash.from_token_sets(data, num_perm, 42)
            elif tool == "rensa_matrix":
                sigs = rensa.RMinHash.digest_matrix_from_token_sets(data, num_perm, 42)
            else:  # rensa_update
                sigs = []
                for d in data:
                    m = rensa.RMinHash(num_perm, 42)
                    m.update(d)
                    sigs.append(m)
    del sigs
    out: dict[str, Any] = {
        "tool": tool,
        "n_docs": len(texts),
        "n_shingles": int(sum(len(d) for d in data)),
        **st.seconds,
    }
    out["total"] = out["shingle"] + out["hash"]
    out["docs_per_s"] = len(texts) / out["total"] if out["total"] > 0 else float("inf")
    return out
