"""MinHash signatures for many documents at once.

For a set ``A`` of shingle hashes and ``k`` random permutations ``pi_1..pi_k``,
the signature is ``(min pi_1(A), ..., min pi_k(A))``. For two sets,
``P[min pi(A) == min pi(B)] = J(A, B) = |A & B| / |A | B|``, so the fraction of
equal positions estimates the Jaccard similarity with standard error
``sqrt(J (1 - J) / k)``.

The permutations are datasketch's ``affine32`` scheme (its default since 2.0):
``pi(h) = a * fmix32(h) + b mod 2^32`` with ``a`` odd, drawn from
``numpy.random.RandomState(seed)`` exactly as datasketch draws them. With
datasketch's hash function (SHA-1 of the UTF-8 shingle, see
:meth:`MinHasher.sign_shingles`) signatures are bit-identical to
``datasketch.MinHash(num_perm, seed)``; the fast path (:meth:`MinHasher.sign_texts`)
uses the same permutations over stable 64-bit shingle hashes computed in
compiled code, which is many times faster.

Signatures are ``uint32`` arrays of shape ``(n_docs, num_perm)``.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterable, Sequence
from hashlib import sha1

import numpy as np

from . import _core, _kernels
from .errors import ConfigError
from .shingle import Shingler

__all__ = ["MinHasher", "jaccard"]

EMPTY = np.uint32(0xFFFFFFFF)


def _sha1_hash32(data: bytes) -> int:
    """datasketch.hashfunc.sha1_hash32: the first 4 bytes of SHA-1, little-endian."""
    return struct.unpack("<I", sha1(data).digest()[:4])[0]


@functools.lru_cache(maxsize=32)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` of datasketch's ``affine32`` scheme, drawn as datasketch draws them (read-only arrays)."""
    # The core draws them with MT19937 as numpy.random.RandomState(seed).randint does (tested
    # against numpy), which spares every process numpy.random's import.
    a, b = _core.permutations(num_perm, seed)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


class MinHasher:
    """Compute MinHash signatures.

    Parameters
    ----------
    num_perm : int
        Number of permutations ``k`` (signature length), 1..4096.
    seed : int
        Seed of the permutations. Signatures are comparable only when made with
        the same ``num_perm`` and ``seed``.
    batch_size : int
        Documents passed to compiled code at a time (bounds memory).
    """

    def __init__(self, num_perm: int = 128, seed: int = 1, batch_size: int = 4096) -> None:
        if isinstance(num_perm, bool) or not isinstance(num_perm, (int, np.integer)) or not 1 <= num_perm <= 4096:
            raise ConfigError(f"num_perm must be an integer in 1..4096, got {num_perm!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
            raise ConfigError(f"seed must be an integer in 0..2**32-1, got {seed!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.num_perm = int(num_perm)
        self.seed = int(seed)
        self.batch_size = int(batch_size)
        self.a: np.ndarray
        self.b: np.ndarray
        self.a, self.b = _permutations(self.num_perm, self.seed)

    def __repr__(self) -> str:
        return f"MinHasher(num_perm={self.num_perm}, seed={self.seed})"

    def empty(self, n_docs: int = 1) -> np.ndarray:
        """Signatures of empty sets (all positions at the maximum)."""
        return np.full((n_docs, self.num_perm), EMPTY, dtype=np.uint32)

    def sign_texts(
        self, texts: Sequence[str], shingler: Shingler, fold_ascii: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Signatures and distinct-shingle counts of ``texts`` (already normalized).

        ``fold_ascii`` lower-cases ASCII capitals before shingling (for text from
        :meth:`dedup.Normalizer.for_shingling`). Returns ``(signatures, sizes)``: ``uint32 (n, num_perm)`` and ``int64 (n,)``.
        A text without words gets the empty signature and size 0.
        """
        n = len(texts)
        if n <= self.batch_size:
            return _kernels.sign_texts(texts, shingler.kind_code, int(shingler.n), bool(fold_ascii), self.a, self.b)
        sigs = np.empty((n, self.num_perm), dtype=np.uint32)
        sizes = np.empty(n, dtype=np.int64)
        for lo in range(0, n, self.batch_size):
            hi = min(n, lo + self.batch_size)
            sigs[lo:hi], sizes[lo:hi] = _kernels.sign_texts(texts[lo:hi], shingler.kind_code, int(shingler.n), bool(fold_ascii), self.a, self.b)
        return sigs, sizes

    def sign_hashes(self, hash_sets: Sequence[np.ndarray]) -> np.ndarray:
        """Signatures from arrays of 64-bit shingle hashes (e.g. :meth:`Shingler.hashes`)."""
        arrays = [np.asarray(h, dtype=np.uint64).ravel() for h in hash_sets]
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum([len(h) for h in arrays], out=offsets[1:])
        flat = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint64)
        sigs = np.empty((len(arrays), self.num_perm), dtype=np.uint32)
        _kernels.sign_hashes_batch(flat, offsets, self.a, self.b, sigs)
        return sigs

    def sign_shingles(self, shingle_sets: Iterable[Iterable[str | bytes]]) -> np.ndarray:
        """Signatures bit-identical to ``datasketch.MinHash(num_perm, seed)``.

        Each shingle is hashed like datasketch's default ``sha1_hash32`` (strings
        are UTF-8 encoded first), so ``sign_shingles([S])[0]`` equals the
        ``hashvalues`` of a datasketch MinHash updated with ``S``. Slower than
        :meth:`sign_texts`: hashing runs per shingle in Python.
        """
        rows = []
        for shingles in shingle_sets:
            hv = np.fromiter(
                (_sha1_hash32(s.encode("utf-8") if isinstance(s, str) else bytes(s)) for s in shingles),
                dtype=np.uint32,
            )
            sig = self.empty(1)[0]
            _kernels.minhash_hv32_into(hv, self.a, self.b, sig)
            rows.append(sig)
        return np.vstack(rows) if rows else self.empty(0)

    # -- datasketch interoperability -------------------------------------------------

    def to_datasketch(self, signature: np.ndarray):
        """A ``datasketch.LeanMinHash`` holding ``signature`` (needs the ``datasketch`` extra)."""
        try:
            from datasketch import LeanMinHash
        except ImportError as exc:
            raise ConfigError("to_datasketch needs datasketch>=2.0: pip install 'dedup-reprints[datasketch]'") from exc

        sig = np.asarray(signature, dtype=np.uint32)
        if sig.shape != (self.num_perm,):
            raise ConfigError(f"signature must have shape ({self.num_perm},), got {sig.shape}")
        return LeanMinHash(seed=self.seed, hashvalues=sig, scheme="affine32")

    def from_datasketch(self, minhash) -> np.ndarray:
        """The signature held by a datasketch ``MinHash`` or ``LeanMinHash``."""
        scheme = getattr(minhash, "scheme", "affine32")
        if scheme != "affine32":
            raise ConfigError(f"only datasketch's 'affine32' scheme is compatible, got {scheme!r}")
        if minhash.seed != self.seed or len(minhash.hashvalues) != self.num_perm:
            raise ConfigError(
                f"datasketch MinHash has seed={minhash.seed}, num_perm={len(minhash.hashvalues)}; "
                f"this MinHasher has seed={self.seed}, num_perm={self.num_perm}"
            )
        return np.asarray(minhash.hashvalues, dtype=np.uint32).copy()


def jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the fraction of equal signature positions."""
    a = np.asarray(sig_a)
    b = np.asarray(sig_b)
    if a.shape != b.shape:
        raise ConfigError(f"signatures differ in shape: {a.shape} vs {b.shape}")
    if a.size == 0:
        raise ConfigError("signatures are empty")
    return float(np.count_nonzero(a == b)) / a.shape[-1]
