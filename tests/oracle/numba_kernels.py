"""Compiled kernels: tokenize, hash shingles and take MinHash minima over raw code points.

Texts arrive as one array of Unicode code points (UTF-32) with document offsets,
so a whole batch crosses from Python into compiled code once.

Hash definitions (stable, documented, reproduced in pure Python by the tests):

* A *word* is a maximal run of code points ``c`` with ``is_word[c]`` (the
  ``regex`` module's ``\\w``).
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
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

FNV_BASIS = np.uint64(0xCBF29CE484222325)
WORD_NGRAM_BASIS = np.uint64(0x84222325CBF29CE4)
NUMBER_BASIS = np.uint64(0x9E3779B97F4A7C15)
FNV_PRIME = np.uint64(0x100000001B3)
SPACE = 32


@njit(inline="always", cache=True)
def fmix64(h):
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@njit(inline="always", cache=True)
def fmix32(h):
    # numba widens uint32 arithmetic to 64 bits: truncate after each step.
    h = np.uint32(h ^ (h >> np.uint32(16)))
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h = np.uint32(h ^ (h >> np.uint32(13)))
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    return np.uint32(h ^ (h >> np.uint32(16)))


@njit(cache=True)
def _clean(cps, start, end, is_word, fold, out):
    """Copy words of ``cps[start:end]`` into ``out`` joined by single spaces; return length.

    With ``fold``, ASCII capitals are lower-cased on the way.
    """
    m = 0
    pending_space = False
    for i in range(start, end):
        c = cps[i]
        if fold and 65 <= c <= 90:
            c += 32
        if is_word[c]:
            if pending_space:
                out[m] = SPACE
                m += 1
                pending_space = False
            out[m] = c
            m += 1
        elif m > 0:
            pending_space = True
    return m


@njit(cache=True)
def char_ngram_hashes(cps, start, end, n, is_word, fold, scratch, out):
    """Write the character n-gram hashes of one document into ``out``; return the count."""
    m = _clean(cps, start, end, is_word, fold, scratch)
    if m == 0:
        return 0
    w = n if m >= n else m
    count = m - w + 1
    for i in range(count):
        h = FNV_BASIS
        for j in range(w):
            h = (h ^ np.uint64(scratch[i + j])) * FNV_PRIME
        out[i] = fmix64(h)
    return count


@njit(cache=True)
def word_ngram_hashes(cps, start, end, n, is_word, fold, out):
    """Write the word n-gram hashes of one document into ``out``; return the count."""
    nw = 0
    h = FNV_BASIS
    in_word = False
    for i in range(start, end):
        c = cps[i]
        if fold and 65 <= c <= 90:
            c += 32
        if is_word[c]:
            h = (h ^ np.uint64(c)) * FNV_PRIME
            in_word = True
        elif in_word:
            out[nw] = fmix64(h)
            nw += 1
            h = FNV_BASIS
            in_word = False
    if in_word:
        out[nw] = fmix64(h)
        nw += 1
    if nw == 0:
        return 0
    w = n if nw >= n else nw
    count = nw - w + 1
    for i in range(count):
        g = WORD_NGRAM_BASIS
        for j in range(w):
            g = (g ^ out[i + j]) * FNV_PRIME
        out[i] = fmix64(g)
    return count


@njit(cache=True)
def _shingle(cps, start, end, kind, n, is_word, fold, scratch, out):
    if kind == 0:
        return char_ngram_hashes(cps, start, end, n, is_word, fold, scratch, out)
    return word_ngram_hashes(cps, start, end, n, is_word, fold, out)


@njit(cache=True)
def count_distinct(hashes, m, table):
    """Number of distinct values in ``hashes[:m]`` (open addressing; ``table`` is scratch)."""
    size = 1
    while size < 2 * m:
        size *= 2
    mask = np.uint64(size - 1)
    for i in range(size):
        table[i] = 0
    distinct = 0
    has_zero = False
    for i in range(m):
        h = hashes[i]
        if h == 0:
            if not has_zero:
                has_zero = True
                distinct += 1
            continue
        slot = h & mask
        while True:
            t = table[slot]
            if t == 0:
                table[slot] = h
                distinct += 1
                break
            if t == h:
                break
            slot = (slot + np.uint64(1)) & mask
    return distinct


@njit(cache=True)
def minhash_into(hashes, m, a, b, sig):
    """Fold ``hashes[:m]`` (64-bit) into the signature ``sig`` (affine32 scheme)."""
    k = a.shape[0]
    for i in range(m):
        h = hashes[i]
        hv = fmix32(np.uint32(h & np.uint64(0xFFFFFFFF)))
        for p in range(k):
            v = np.uint32(a[p] * hv + b[p])
            if v < sig[p]:
                sig[p] = v


@njit(cache=True)
def minhash_hv32_into(hv32, a, b, sig):
    """Fold 32-bit hash values (e.g. datasketch's sha1_hash32) into ``sig``."""
    k = a.shape[0]
    for i in range(hv32.shape[0]):
        hv = fmix32(hv32[i])
        for p in range(k):
            v = np.uint32(a[p] * hv + b[p])
            if v < sig[p]:
                sig[p] = v


@njit(parallel=True, cache=True)
def sign_batch(cps, offsets, kind, n, is_word, fold, a, b, sigs, sizes):
    """Signatures and distinct-shingle counts for every document of a batch."""
    ndocs = offsets.shape[0] - 1
    for d in prange(ndocs):
        start = offsets[d]
        end = offsets[d + 1]
        length = end - start
        cap = length + 1
        scratch = np.empty(cap, dtype=np.uint32)
        hashes = np.empty(cap, dtype=np.uint64)
        m = _shingle(cps, start, end, kind, n, is_word, fold, scratch, hashes)
        sig = sigs[d]
        for p in range(sig.shape[0]):
            sig[p] = np.uint32(0xFFFFFFFF)
        if m == 0:
            sizes[d] = 0
            continue
        minhash_into(hashes, m, a, b, sig)
        size = 1
        while size < 2 * m:
            size *= 2
        table = np.empty(size, dtype=np.uint64)
        sizes[d] = count_distinct(hashes, m, table)


@njit(cache=True)
def shingle_one(cps, kind, n, is_word):
    """All shingle hashes (with repeats) of one document."""
    cap = cps.shape[0] + 1
    scratch = np.empty(cap, dtype=np.uint32)
    hashes = np.empty(cap, dtype=np.uint64)
    m = _shingle(cps, 0, cps.shape[0], kind, n, is_word, False, scratch, hashes)
    return hashes[:m].copy()


@njit(parallel=True, cache=True)
def sign_hashes_batch(hashes, offsets, a, b, sigs):
    """Signatures from precomputed 64-bit shingle hashes (CSR layout)."""
    ndocs = offsets.shape[0] - 1
    for d in prange(ndocs):
        sig = sigs[d]
        for p in range(sig.shape[0]):
            sig[p] = np.uint32(0xFFFFFFFF)
        start = offsets[d]
        minhash_into(hashes[start:], offsets[d + 1] - start, a, b, sig)


# -- the numbers a text states ----------------------------------------------------------


@njit(inline="always", cache=True)
def _is_digit(c):
    return 48 <= c <= 57


@njit(inline="always", cache=True)
def _number_end(cps, i, end):
    """End of the number starting at ``cps[i]`` (a digit): ``[0-9]+([.,/][0-9]+)*``."""
    j = i + 1
    while j < end:
        c = cps[j]
        if _is_digit(c) or ((c == 44 or c == 46 or c == 47) and j + 1 < end and _is_digit(cps[j + 1])):
            j += 1
        else:
            break
    return j


@njit(parallel=True, cache=True)
def number_sketch_batch(cps, offsets, out):
    """Per document: how many distinct numbers it states, and the smallest of their hashes.

    A number is ``[0-9]+([.,/][0-9]+)*``; its hash is the low 32 bits of ``fmix64`` of the
    FNV-1a of its code points (basis :data:`NUMBER_BASIS`). ``out[d, 0]`` gets the number
    of distinct hashes, ``out[d, 1:]`` the smallest of them in increasing order, padded
    with ``0xFFFFFFFF`` (a bottom-k sketch, k = ``out.shape[1] - 1``).
    """
    k = out.shape[1] - 1
    for d in prange(offsets.shape[0] - 1):
        start, end = offsets[d], offsets[d + 1]
        found = np.empty((end - start + 1) // 2 + 1, dtype=np.uint32)
        m = 0
        i = start
        while i < end:
            if not _is_digit(cps[i]):
                i += 1
                continue
            j = _number_end(cps, i, end)
            h = NUMBER_BASIS
            for t in range(i, j):
                h = (h ^ np.uint64(cps[t])) * FNV_PRIME
            found[m] = np.uint32(fmix64(h) & np.uint64(0xFFFFFFFF))
            m += 1
            i = j
        found = np.sort(found[:m])
        n = 0
        for t in range(m):
            if t == 0 or found[t] != found[t - 1]:
                if n < k:
                    out[d, 1 + n] = found[t]
                n += 1
        for t in range(min(n, k), k):
            out[d, 1 + t] = np.uint32(0xFFFFFFFF)
        out[d, 0] = n


@njit(cache=True)
def _shared_below_tau(small, big, k):
    """``(shared, seen)``: of ``small``'s hashes at or below ``tau``, how many ``big`` holds too.

    Both sketches hold every hash of their text at or below ``tau`` (the smaller k-th
    hash of the truncated ones), so membership there is exact.
    """
    ns, nb = min(small[0], k), min(big[0], k)
    tau = np.uint64(1) << np.uint64(32)  # above every hash
    if small[0] > k:
        tau = min(tau, np.uint64(small[k]))
    if big[0] > k:
        tau = min(tau, np.uint64(big[k]))
    seen = 0
    shared = 0
    j = 1
    for i in range(1, ns + 1):
        x = small[i]
        if np.uint64(x) > tau:
            break
        seen += 1
        while j <= nb and big[j] < x:
            j += 1
        if j <= nb and big[j] == x:
            shared += 1
    return shared, seen


@njit(cache=True)
def number_agreement(nums_a, nums_b, pairs, shared, seen):
    """Per pair ``(i, j)`` of rows of ``nums_a`` and ``nums_b`` (:func:`number_sketch_batch`):
    ``seen`` numbers of the text stating fewer were compared, ``shared`` of them the other
    states too (a bottom-k sample of that text's numbers; all of them when both texts
    state at most k). Equal counts: the direction with the larger fraction, so the
    result does not depend on the order of the pair.
    """
    k = nums_a.shape[1] - 1
    for p in range(pairs.shape[0]):
        a, b = nums_a[pairs[p, 0]], nums_b[pairs[p, 1]]
        if a[0] < b[0]:
            sh, se = _shared_below_tau(a, b, k)
        elif b[0] < a[0]:
            sh, se = _shared_below_tau(b, a, k)
        else:
            sh, se = _shared_below_tau(a, b, k)
            sh2, se2 = _shared_below_tau(b, a, k)
            if sh2 * se > sh * se2 or (sh2 * se == sh * se2 and se2 > se):
                sh, se = sh2, se2
        shared[p] = sh
        seen[p] = se


# -- cheap scans for the normalizer ------------------------------------------------------

FLAG_NONASCII = 1
FLAG_DAMAGE = 2  # mojibake pair, C1 control, U+FFFD or an HTML entity
FLAG_INVISIBLE = 4  # zero-width, soft hyphen, bidi controls

# UTF-8 continuation bytes 0x80-0xBF as decoded by cp1252 where it differs from latin-1.
_CP1252_CONT = np.array(
    [0x20AC, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017D,
     0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x017E,
     0x0178],
    dtype=np.uint32,
)


@njit(inline="always", cache=True)
def _is_cont(c, specials):
    if 0x80 <= c <= 0xBF:
        return True
    if c < 0x0152:
        return False
    for s in specials:
        if c == s:
            return True
    return False


@njit(inline="always", cache=True)
def _is_alnum_ascii(c):
    return (48 <= c <= 57) or (65 <= c <= 90) or (97 <= c <= 122)


@njit(cache=True)
def text_flags(cps, specials):
    """Bit mask of FLAG_* for one text: what the normalizer's expensive steps must look at."""
    flags = 0
    n = cps.shape[0]
    for i in range(n):
        c = cps[i]
        if c == 38:  # '&': an entity is & (#digits | #x hex | letter alnum*) ;
            j = i + 1
            if j < n and cps[j] == 35:
                j += 1
                if j < n and (cps[j] == 120 or cps[j] == 88):
                    j += 1
            start = j
            while j < n and j - start < 32 and _is_alnum_ascii(cps[j]):
                j += 1
            if j > start and j < n and cps[j] == 59:
                flags |= FLAG_DAMAGE
            continue
        if c < 128:
            continue
        flags |= FLAG_NONASCII
        if c <= 0x9F or c == 0xFFFD:
            flags |= FLAG_DAMAGE
        elif 0xC2 <= c <= 0xF4:
            if i + 1 < n and _is_cont(cps[i + 1], specials):
                flags |= FLAG_DAMAGE
        elif c == 0xAD or (0x200B <= c <= 0x200F) or c == 0x2060 or c == 0xFEFF \
                or (0x202A <= c <= 0x202E) or (0x2066 <= c <= 0x2069):
            flags |= FLAG_INVISIBLE
    return flags


# --------------------------------------------------------------------------- candidate pairs and verification


@njit(parallel=True, cache=True)
def equal_counts_between(sigs_a, sigs_b, pairs):
    """Per pair ``(i, j)``: how many positions of row ``i`` of ``sigs_a`` and row ``j`` of ``sigs_b`` agree.

    Pass one array twice for pairs of rows of one array.
    """
    m = pairs.shape[0]
    k = sigs_a.shape[1]
    out = np.empty(m, np.int64)
    for p in prange(m):
        a = pairs[p, 0]
        b = pairs[p, 1]
        c = 0
        for j in range(k):
            if sigs_a[a, j] == sigs_b[b, j]:
                c += 1
        out[p] = c
    return out


@njit(parallel=True, cache=True)
def nibble_fingerprints(sigs, k):
    """The low 4 bits of each of the first ``k`` values of each row, packed 16 to a uint64 (a summary of
    ``k / 2`` bytes for :func:`agree_upper_bounds`)."""
    n = sigs.shape[0]
    out = np.zeros((n, (k + 15) // 16), np.uint64)
    for i in prange(n):
        for j in range(k):
            out[i, j >> 4] |= np.uint64(sigs[i, j] & 15) << np.uint64((j & 15) * 4)
    return out


@njit(inline="always", cache=True)
def _popcount64(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(parallel=True, cache=True)
def agree_upper_bounds(fp_a, fp_b, pairs, k):
    """Per pair ``(i, j)``: ``k`` minus the positions whose 4-bit fingerprints differ -- an upper bound
    on :func:`equal_counts_between` (equal values have equal low bits), read from 1/8 of the bytes."""
    m = pairs.shape[0]
    words = fp_a.shape[1]
    low = np.uint64(0x1111111111111111)
    out = np.empty(m, np.int64)
    for p in prange(m):
        a = pairs[p, 0]
        b = pairs[p, 1]
        d = 0
        for w in range(words):
            x = fp_a[a, w] ^ fp_b[b, w]
            d += _popcount64((x | (x >> np.uint64(1)) | (x >> np.uint64(2)) | (x >> np.uint64(3))) & low)
        out[p] = k - d
    return out


_SIGN = np.uint64(1) << np.uint64(63)


@njit(inline="always", cache=True)
def _prefix(key, shift):
    # signed keys in order <-> unsigned (key XOR sign bit) in order, so the top bits of the latter bucket them
    return (np.uint64(key) ^ _SIGN) >> shift


@njit(cache=True)
def key_directory(keys, n, bits):
    """``out[p]`` = first position of ``keys[:n]`` (sorted) whose top ``bits`` bits are >= ``p``, for ``p`` in ``0..2**bits``.

    Band keys are hashes, so each directory slot covers ``n / 2**bits`` keys on average.
    """
    m = 1 << bits
    shift = np.uint64(64 - bits)
    out = np.empty(m + 1, np.int64)
    p = 0
    for j in range(n):
        q = _prefix(keys[j], shift)
        while p <= q:
            out[p] = j
            p += 1
    while p <= m:
        out[p] = n
        p += 1
    return out


@njit(cache=True)
def find_keys(keys, directory, bits, queries, lo, cnt):
    """For each query: where its equal keys start in sorted ``keys`` (``lo``) and how many there are (``cnt``)."""
    shift = np.uint64(64 - bits)
    for i in range(queries.size):
        x = queries[i]
        p = _prefix(x, shift)
        a = directory[p]
        b = directory[p + 1]
        while b - a > 8:  # binary search down to a short scan
            mid = (a + b) >> 1
            if keys[mid] < x:
                a = mid + 1
            else:
                b = mid
        while a < directory[p + 1] and keys[a] < x:
            a += 1
        e = a
        end = directory[p + 1]
        while e < end and keys[e] == x:
            e += 1
        lo[i] = a
        cnt[i] = e - a


@njit(cache=True)
def merge_into(keys, docs, n, add_keys, add_docs):
    """Merge sorted ``add_*`` into sorted ``keys[:n]``/``docs[:n]`` in place (the arrays have room), from the back."""
    i = n - 1
    j = add_keys.size - 1
    w = n + add_keys.size - 1
    while j >= 0:
        if i >= 0 and keys[i] > add_keys[j]:
            keys[w] = keys[i]
            docs[w] = docs[i]
            i -= 1
        else:
            keys[w] = add_keys[j]
            docs[w] = add_docs[j]
            j -= 1
        w -= 1


@njit(cache=True)
def drop_rows(keys, docs, n, dead):
    """Keep, in place and in order, the entries of ``keys[:n]``/``docs[:n]`` whose doc is not in sorted
    ``dead``; returns how many are kept."""
    w = 0
    m = dead.size
    for i in range(n):
        d = np.int64(docs[i])
        lo = 0
        hi = m
        while lo < hi:
            mid = (lo + hi) >> 1
            if dead[mid] < d:
                lo = mid + 1
            else:
                hi = mid
        if lo < m and dead[lo] == d:
            continue
        keys[w] = keys[i]
        docs[w] = docs[i]
        w += 1
    return w


def directory_bits(n: int) -> int:
    """Bits of a :func:`key_directory` over ``n`` keys: 4-8 keys per slot."""
    return max(1, min(40, int(n // 8).bit_length()))


def find_ranges(sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``lo, cnt``: where each query's equal keys start in ``sorted_keys`` (hashes, int64) and how many."""
    bits = directory_bits(sorted_keys.size)
    lo = np.empty(queries.size, np.int64)
    cnt = np.empty(queries.size, np.int64)
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
    """
    s = np.sort(values)
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]
