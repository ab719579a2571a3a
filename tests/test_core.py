"""The Rust core against its oracle: the numba kernels it replaced, kept in ``tests/oracle``.

Signatures, shingle hashes, band keys and number sketches are stored in index files, so the
core must reproduce the old kernels bit for bit: on generated inputs (hypothesis) and on every
corpus in ``../shared/data``. The oracle needs numba (a test dependency only).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import _core, _kernels
from dedup.minhash import MinHasher
from dedup.shingle import encode_batch, word_table

oracle = pytest.importorskip("tests.oracle.numba_kernels", reason="the oracle needs numba")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"

# Texts that exercise words, numbers, entities, mojibake and odd code points.
_ALPHABET = st.sampled_from(
    list("aAbZz09 .,/-_&#;x\n\t") + ["é", "Ã", "©", "\u00c2", "\u00a0", "\u2019", "\u20ac", "\u200b", "\ufffd", "\x85",
                                    "ß", "İ", "中", "😀", "\ud800", "\U0010ffff", "ǅ", "٣"]
)
TEXT = st.text(_ALPHABET, max_size=120)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _oracle_sign(texts, kind, n, fold, num_perm=16):
    mh = MinHasher(num_perm)
    cps, offsets = encode_batch(texts)
    sigs = np.empty((len(texts), num_perm), np.uint32)
    sizes = np.empty(len(texts), np.int64)
    oracle.sign_batch(cps, offsets, kind, n, word_table(), fold, mh.a, mh.b, sigs, sizes)
    return sigs, sizes


def _core_sign(texts, kind, n, fold, num_perm=16):
    mh = MinHasher(num_perm)
    cps, offsets = encode_batch(texts)
    sigs = np.empty((len(texts), num_perm), np.uint32)
    sizes = np.empty(len(texts), np.int64)
    _kernels.sign_batch(cps, offsets, kind, n, fold, mh.a, mh.b, sigs, sizes)
    return sigs, sizes


def _oracle_sketches(texts, k=8):
    cps, offsets = encode_batch(texts)
    out = np.empty((len(texts), k + 1), np.uint32)
    oracle.number_sketch_batch(cps, offsets, out)
    return out


def _core_sketches(texts, k=8):
    cps, offsets = encode_batch(texts)
    out = np.empty((len(texts), k + 1), np.uint32)
    _kernels.number_sketch_batch(cps, offsets, out)
    return out


def test_word_table_is_the_regex_modules():
    """The committed word ranges (rust/tools/gen_word_table.py) are the installed ``regex``'s ``\\w``."""
    table = np.zeros(0x110000, bool)
    for a, b in _core.WORD_RANGES:
        table[a:b] = True
    assert np.array_equal(table, word_table()), "regenerate rust/core/src/word_ranges.rs with rust/tools/gen_word_table.py"
    assert regex.fullmatch(r"\w", "é")


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=6), st.sampled_from([0, 1]), st.integers(1, 7), st.booleans())
def test_signatures_and_sizes_match_the_oracle(texts, kind, n, fold):
    s1, z1 = _oracle_sign(texts, kind, n, fold)
    s2, z2 = _core_sign(texts, kind, n, fold)
    assert np.array_equal(s1, s2) and np.array_equal(z1, z2)


@SETTINGS
@given(TEXT, st.sampled_from([0, 1]), st.integers(1, 7))
def test_shingle_hashes_match_the_oracle(text, kind, n):
    cps, _ = encode_batch([text])
    assert np.array_equal(oracle.shingle_one(cps, kind, n, word_table()), _kernels.shingle_one(cps, kind, n))


@SETTINGS
@given(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=20), min_size=1, max_size=5), st.lists(st.integers(0, 2**32 - 1), max_size=30))
def test_signatures_from_hashes_match_the_oracle(hash_sets, hv32):
    mh = MinHasher(8)
    arrays = [np.array(h, np.uint64) for h in hash_sets]
    offsets = np.zeros(len(arrays) + 1, np.int64)
    np.cumsum([len(a) for a in arrays], out=offsets[1:])
    flat = np.concatenate(arrays)
    a, b = np.empty((len(arrays), 8), np.uint32), np.empty((len(arrays), 8), np.uint32)
    oracle.sign_hashes_batch(flat, offsets, mh.a, mh.b, a)
    _kernels.sign_hashes_batch(flat, offsets, mh.a, mh.b, b)
    assert np.array_equal(a, b)
    s1, s2 = mh.empty(1)[0], mh.empty(1)[0]
    oracle.minhash_hv32_into(np.array(hv32, np.uint32), mh.a, mh.b, s1)
    _kernels.minhash_hv32_into(np.array(hv32, np.uint32), mh.a, mh.b, s2)
    assert np.array_equal(s1, s2)


@SETTINGS
@given(st.lists(st.text(st.sampled_from(list("0123456789.,/ a-")), max_size=60), min_size=1, max_size=6), st.integers(1, 6))
def test_number_sketches_and_agreement_match_the_oracle(texts, k):
    a, b = _oracle_sketches(texts, k), _core_sketches(texts, k)
    assert np.array_equal(a, b)
    pairs = np.array([(i, j) for i in range(len(texts)) for j in range(len(texts))], np.int64)
    sh1, se1, sh2, se2 = (np.zeros(len(pairs), np.int64) for _ in range(4))
    oracle.number_agreement(a, a, pairs, sh1, se1)
    _kernels.number_agreement(b, b, pairs, sh2, se2)
    assert np.array_equal(sh1, sh2) and np.array_equal(se1, se2)


@SETTINGS
@given(TEXT)
def test_text_flags_match_the_oracle(text):
    cps, _ = encode_batch([text])
    assert oracle.text_flags(cps, oracle._CP1252_CONT) == _kernels.text_flags(cps)


@SETTINGS
@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 5), st.integers(1, 4), st.randoms(use_true_random=False))
def test_band_pairs_follow_the_bucket_rule(n, bands, distinct, max_bucket, rnd):
    """The bucket rule as stated (``dedup.lsh.MAX_BUCKET``): per band, each member of a bucket, in document
    order, with every member before it while it ranks below ``max_bucket``, with the first two after; sorted,
    without repeats."""
    keys = np.array([[rnd.randrange(distinct) for _ in range(bands)] for _ in range(n)], np.int64)
    want = set()
    for band in range(bands):
        buckets: dict[int, list[int]] = {}
        for d in range(n):
            buckets.setdefault(int(keys[d, band]), []).append(d)
        want.update(a * n + c for m in buckets.values() for k, c in enumerate(m) for a in m[: k if k < max_bucket else min(k, 2)])
    got = _kernels.band_pair_codes(keys, max_bucket)
    assert got.tolist() == sorted(want)
    assert np.array_equal(_kernels.sorted_unique(got[::-1].copy()), got)


@SETTINGS
@given(st.integers(1, 12), st.integers(1, 70), st.randoms(use_true_random=False))
def test_fingerprints_and_agreement_match_the_oracle(n, k, rnd):
    sigs = np.array([[rnd.randrange(40) for _ in range(k)] for _ in range(n)], np.uint32)
    kk = rnd.randint(1, k)
    fp1, fp2 = oracle.nibble_fingerprints(sigs, kk), _kernels.nibble_fingerprints(sigs, kk)
    assert np.array_equal(fp1, fp2)
    pairs = np.array([(rnd.randrange(n), rnd.randrange(n)) for _ in range(10)], np.int64)
    assert np.array_equal(oracle.agree_upper_bounds(fp1, fp1, pairs, kk), _kernels.agree_upper_bounds(fp2, fp2, pairs, kk))
    strided = sigs[:, ::2]  # the index's signature cache is a strided view
    assert np.array_equal(oracle.equal_counts_between(strided, sigs[:, : strided.shape[1]], pairs),
                          _kernels.equal_counts_between(strided, sigs[:, : strided.shape[1]], pairs))


@SETTINGS
@given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=200), st.lists(st.integers(-(2**63), 2**63 - 1), max_size=20),
       st.randoms(use_true_random=False))
def test_band_map_directory_matches_the_oracle(keys, extra, rnd):
    keys = np.sort(np.array(keys + extra[:3], np.int64))
    bits = _kernels.directory_bits(keys.size)
    assert bits == oracle.directory_bits(keys.size)
    d1, d2 = oracle.key_directory(keys, keys.size, bits), _kernels.key_directory(keys, keys.size, bits)
    assert np.array_equal(d1, d2)
    queries = np.array(extra + keys[: min(5, keys.size)].tolist(), np.int64)
    lo1, c1, lo2, c2 = (np.empty(queries.size, np.int64) for _ in range(4))
    oracle.find_keys(keys, d1, bits, queries, lo1, c1)
    _kernels.find_keys(keys, d2, bits, queries, lo2, c2)
    assert np.array_equal(c1, c2) and np.array_equal(lo1[c1 > 0], lo2[c2 > 0])
    add = np.sort(np.array(extra, np.int64))
    docs = np.arange(keys.size, dtype=np.uint32)
    add_docs = np.arange(add.size, dtype=np.uint32) + np.uint32(1000)
    k1, k2 = np.empty(keys.size + add.size, np.int64), np.empty(keys.size + add.size, np.int64)
    v1, v2 = np.empty(k1.size, np.uint32), np.empty(k1.size, np.uint32)
    for k, v in ((k1, v1), (k2, v2)):
        k[: keys.size], v[: keys.size] = keys, docs
    oracle.merge_into(k1, v1, keys.size, add, add_docs)
    _kernels.merge_into(k2, v2, keys.size, add, add_docs)
    assert np.array_equal(k1, k2) and np.array_equal(v1, v2)
    dead = np.sort(np.array(rnd.sample(range(k1.size + 1000), min(10, k1.size)), np.int64))
    assert oracle.drop_rows(k1, v1, k1.size, dead) == _kernels.drop_rows(k2, v2, k2.size, dead)
    assert np.array_equal(k1, k2) and np.array_equal(v1, v2)


def test_components_are_the_union_find_of_the_edges():
    rnd = np.random.default_rng(3)
    edges = rnd.integers(0, 300, size=(400, 2))
    roots = _kernels.connected_components(300, edges[:, 0], edges[:, 1])
    for a, b in edges:
        assert roots[a] == roots[b]
    assert len(set(roots.tolist())) == len({int(roots[i]) for i in range(300)})
    assert all(roots[r] == r for r in roots)


# -- bad calls are errors, not crashes ----------------------------------------------------------


def test_bad_arguments_raise_value_errors_naming_them():
    cps = np.zeros(4, np.uint32)
    sigs, sizes = np.empty((1, 4), np.uint32), np.empty(1, np.int64)
    a = b = np.ones(4, np.uint32)
    with pytest.raises(ValueError, match="offsets"):
        _core.sign_batch(cps, np.array([0, 9], np.int64), 0, 5, False, a, b, sigs, sizes, 0)
    with pytest.raises(ValueError, match="offsets"):
        _core.sign_batch(cps, np.array([3, 1], np.int64), 0, 5, False, a, b, sigs, sizes, 0)
    with pytest.raises(ValueError, match="kind"):
        _core.sign_batch(cps, np.array([0, 4], np.int64), 7, 5, False, a, b, sigs, sizes, 0)
    with pytest.raises(ValueError, match="sigs"):
        _core.sign_batch(cps, np.array([0, 2, 4], np.int64), 0, 5, False, a, b, sigs, sizes, 0)
    with pytest.raises(ValueError, match="pairs"):
        _kernels.equal_counts_between(sigs, sigs, np.array([[0, 1]]))
    with pytest.raises(ValueError, match="node"):
        _kernels.connected_components(2, np.array([0]), np.array([5]))
    with pytest.raises(ValueError, match="directory"):
        _kernels.find_keys(np.zeros(3, np.int64), np.zeros(2, np.int64), 3, np.zeros(1, np.int64), np.empty(1, np.int64), np.empty(1, np.int64))


def test_threads_and_fork_do_not_change_results_or_hang(seeds):
    """A child forked after the pool started builds its own pool (numba's OpenMP layer hung or crashed here)."""
    texts = list(seeds.values()) * 50
    with _kernels.threads(2):
        want, _ = _core_sign(texts, 0, 5, True)
    with _kernels.threads(1):
        one, _ = _core_sign(texts, 0, 5, True)
    assert np.array_equal(want, one)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            with _kernels.threads(2):
                got, _ = _core_sign(texts, 0, 5, True)
            os._exit(0 if np.array_equal(got, want) else 3)
        except BaseException:
            os._exit(4)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


_FORK_AFTER_USE = """
import multiprocessing, sys, dedup
labels = dedup.cluster(["the same words in a row here and there"] * 3 + ["something else entirely, not a copy"])
with dedup.Index.open(sys.argv[1]) as ix:
    ix.add("a", "a document in the index, long enough to have shingles")
def work(i):
    return dedup.cluster(["one text about a thing that happened", "one text about a thing that happened!"]).tolist()
with multiprocessing.get_context("fork").Pool(2) as pool:
    out = pool.map(work, range(4))
print(labels.tolist(), out)
"""


def test_fork_pool_after_cluster_and_index_works(tmp_path):
    """numba's OpenMP layer killed a fork-based pool started after ``dedup.cluster()`` or ``Index.open``
    (``fork() called from a process already using GNU OpenMP``); the core's pools are per process."""
    r = subprocess.run([sys.executable, "-c", _FORK_AFTER_USE, str(tmp_path / "ix.dedup")], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[0, 0, 0, 3] [[0, 0], [0, 0], [0, 0], [0, 0]]"


def test_import_needs_no_jit_and_no_cache_directory(tmp_path):
    """``import dedup`` and a first run write nothing: not in HOME, not next to the package (numba's cache
    crashed the import when both were unwritable: ``cannot cache function 'fmix64': no locator available``)."""
    import dedup

    package = Path(dedup.__file__).parent
    before = {p for p in package.rglob("*") if "__pycache__" not in p.parts}
    home = tmp_path / "home"
    home.mkdir()
    code = "import sys, dedup; dedup.cluster(['a b c d e f g', 'a b c d e f g']); dedup.Index.open(sys.argv[1]).close(); print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "i.dedup")], capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
    assert not any(home.iterdir())
    assert {p for p in package.rglob("*") if "__pycache__" not in p.parts} == before


# -- every corpus -------------------------------------------------------------------------------


def _corpus_texts(limit: int = 3000) -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.rglob("*")):
        if path.suffix not in (".jsonl", ".txt", ".json", ".tsv") or not path.is_file() or path.stat().st_size > 200_000_000:
            continue
        with path.open(encoding="utf-8", errors="replace") as f:
            for i, line in enumerate(f):
                if i >= limit // 10:
                    break
                try:
                    rec = json.loads(line)
                except ValueError:
                    texts.append(line)
                    continue
                if isinstance(rec, dict):
                    texts.extend(v for v in rec.values() if isinstance(v, str) and len(v) > 20)
    return texts


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not here")
def test_every_corpus_signs_identically():
    texts = _corpus_texts() + [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    assert len(texts) > 500
    for kind, n in ((0, 5), (1, 3)):
        for fold in (False, True):
            s1, z1 = _oracle_sign(texts, kind, n, fold, 64)
            s2, z2 = _core_sign(texts, kind, n, fold, 64)
            assert np.array_equal(s1, s2) and np.array_equal(z1, z2)
    assert np.array_equal(_oracle_sketches(texts, 16), _core_sketches(texts, 16))
    for t in texts[:2000]:
        cps, _ = encode_batch([t])
        assert oracle.text_flags(cps, oracle._CP1252_CONT) == _kernels.text_flags(cps)


@SETTINGS
@given(st.integers(2, 40), st.integers(1, 5), st.integers(1, 4), st.integers(1, 4), st.floats(0.0, 1.0), st.floats(0.0, 1.2),
       st.randoms(use_true_random=False))
def test_screened_pairs_are_the_candidates_that_meet_a_threshold(n, bands, distinct, max_bucket, threshold, containment, rnd):
    """Screening while the candidates are made keeps exactly the pairs ``passes_thresholds`` keeps."""
    from dedup.cluster import pair_similarity
    from dedup.lsh import pairs_from_keys, screened_pairs
    from dedup.verify import Verifier

    keys = np.array([[rnd.randrange(distinct) for _ in range(bands)] for _ in range(n)], np.uint64)
    sigs = np.array([[rnd.randrange(3) for _ in range(16)] for _ in range(n)], np.uint32)
    sizes = np.array([rnd.choice([0, 1, 5, 40, 300]) for _ in range(n)], np.int64)
    every = pairs_from_keys(keys[sizes > 0], max_bucket)
    every = np.flatnonzero(sizes > 0)[every]  # documents without shingles are in no bucket
    jac, cont = pair_similarity(sigs, sizes, every)
    rule = Verifier(threshold, containment, 0.0, False)
    want = every[rule.passes_thresholds(jac, cont)]
    assert np.array_equal(screened_pairs(keys, sigs, sizes, threshold, containment, max_bucket), want)


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=6), st.sampled_from([0, 1]), st.integers(1, 7), st.booleans())
def test_texts_signed_in_place_match_the_code_point_batches(texts, kind, n, fold):
    """``sign_texts``/``number_sketch_texts`` read each ``str`` as it is (lone surrogates included)."""
    mh = MinHasher(16)
    sigs, sizes = _kernels.sign_texts(texts, kind, n, fold, mh.a, mh.b)
    want_sigs, want_sizes = _oracle_sign(texts, kind, n, fold)
    assert np.array_equal(sigs, want_sigs) and np.array_equal(sizes, want_sizes)
    assert np.array_equal(_kernels.number_sketch_texts(texts, 8), _oracle_sketches(texts, 8))


@SETTINGS
@given(st.integers(0, 30), st.integers(1, 8), st.integers(1, 5), st.randoms(use_true_random=False))
def test_band_keys_are_the_documented_hash(n, bands, rows, rnd):
    """Band keys are stored in index files: the core must give the numpy definition they were made with."""
    sigs = np.array([[rnd.randrange(2**32) for _ in range(bands * rows + 3)] for _ in range(n)], np.uint32).reshape(n, bands * rows + 3)
    h = np.full((n, bands), 0x9E3779B97F4A7C15, dtype=np.uint64)
    cols = sigs[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        for j in range(rows):
            h = (h ^ cols[:, :, j]) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(29)
    assert np.array_equal(_kernels.band_keys(sigs, bands, rows), h)
    wide = np.repeat(sigs, 2, axis=1)[:, ::2]  # a strided view of the same values
    assert np.array_equal(_kernels.band_keys(wide, bands, rows), h)
