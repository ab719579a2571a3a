//! `dedup._core`: the compiled core, called from `dedup/_kernels/` (and `dedup/align.py`, `dedup/normalize.py`, `dedup/minhash.py`).
//!
//! Every function checks the shapes, types and bounds of what it is given and raises
//! `ValueError` naming the argument, so a wrong call from Python is an error, never a crash.
//! Batch functions release the GIL and run on a thread pool of the size asked for; pools are
//! per process, so a forked child builds its own instead of waiting on threads it does not have.

#![forbid(unsafe_code)]

use dedup_core::{bandmap, components, fingerprint, flags, minhash, numbers, pairs, shingle};
use numpy::ndarray::{Array2, ArrayView2};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2, PyReadwriteArray1, PyReadwriteArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use rayon::ThreadPool;
use std::sync::{Arc, Mutex};

mod align_py;
mod containment_py;
mod jsonl_py;
mod linkage_py;
mod mojibake_py;
mod normalize_py;
mod textstore_py;

// -- thread pools --------------------------------------------------------------------------

static POOLS: Mutex<Vec<(u32, usize, Arc<ThreadPool>)>> = Mutex::new(Vec::new());

pub(crate) fn pool(threads: usize) -> PyResult<Arc<ThreadPool>> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    let pid = std::process::id();
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    // A pool made before fork() has no threads in the child: forget it (its threads are not ours to stop).
    let (ours, stale): (Vec<_>, Vec<_>) = pools.drain(..).partition(|(p, _, _)| *p == pid);
    stale.into_iter().for_each(std::mem::forget);
    *pools = ours;
    if let Some((_, _, p)) = pools.iter().find(|(_, t, _)| *t == threads) {
        return Ok(p.clone());
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("dedup-{i}"))
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start {threads} threads: {e}")))?,
    );
    pools.push((pid, threads, p.clone()));
    Ok(p)
}

/// Run `f` without the GIL on a pool of `threads` threads (0: one per core).
pub(crate) fn parallel<R: Send>(py: Python<'_>, threads: usize, f: impl FnOnce() -> R + Send) -> PyResult<R> {
    let p = pool(threads)?;
    Ok(py.detach(|| p.install(f)))
}

// -- argument checks -----------------------------------------------------------------------

pub(crate) fn bad(msg: String) -> PyErr {
    PyValueError::new_err(msg)
}

pub(crate) fn ro<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'_, T>, name: &str) -> PyResult<&'a [T]> {
    a.as_slice().map_err(|_| bad(format!("{name} must be a contiguous array")))
}

pub(crate) fn ro2<'a, T: numpy::Element>(a: &'a PyReadonlyArray2<'_, T>, name: &str) -> PyResult<(&'a [T], usize, usize)> {
    let (r, c) = (a.shape()[0], a.shape()[1]);
    Ok((a.as_slice().map_err(|_| bad(format!("{name} must be a C-contiguous array")))?, r, c))
}

fn rw<'a, T: numpy::Element>(a: &'a mut PyReadwriteArray1<'_, T>, name: &str) -> PyResult<&'a mut [T]> {
    a.as_slice_mut().map_err(|_| bad(format!("{name} must be a contiguous writable array")))
}

fn rw2<'a, T: numpy::Element>(a: &'a mut PyReadwriteArray2<'_, T>, name: &str) -> PyResult<(&'a mut [T], usize, usize)> {
    let (r, c) = (a.shape()[0], a.shape()[1]);
    Ok((a.as_slice_mut().map_err(|_| bad(format!("{name} must be a C-contiguous writable array")))?, r, c))
}

/// Document offsets: `len + 1` non-decreasing positions from 0 within `total`.
fn offsets(raw: &[i64], total: usize) -> PyResult<Vec<usize>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut prev = 0usize;
    for (i, &o) in raw.iter().enumerate() {
        let o = usize::try_from(o).map_err(|_| bad(format!("offsets[{i}] is negative")))?;
        if o < prev || o > total {
            return Err(bad(format!("offsets[{i}] = {o} is out of order or beyond the {total} values")));
        }
        out.push(o);
        prev = o;
    }
    if out.is_empty() {
        return Err(bad("offsets must hold at least one value".into()));
    }
    Ok(out)
}

/// Pairs `(i, j)` of an `(m, 2)` int64 array, each index checked against its row count.
fn pair_list(p: &PyReadonlyArray2<'_, i64>, rows_a: usize, rows_b: usize) -> PyResult<Vec<(usize, usize)>> {
    let (flat, _, c) = ro2(p, "pairs")?;
    if c != 2 {
        return Err(bad(format!("pairs must have shape (m, 2), got (m, {c})")));
    }
    flat.chunks_exact(2)
        .enumerate()
        .map(|(t, ij)| match (usize::try_from(ij[0]), usize::try_from(ij[1])) {
            (Ok(i), Ok(j)) if i < rows_a && j < rows_b => Ok((i, j)),
            _ => Err(bad(format!("pairs[{t}] = ({}, {}) is not a pair of rows of ({rows_a}, {rows_b}) rows", ij[0], ij[1]))),
        })
        .collect()
}

fn kind(code: i64) -> PyResult<shingle::Kind> {
    shingle::Kind::from_code(code).ok_or_else(|| bad(format!("kind must be 0 (char) or 1 (word), got {code}")))
}

fn ngram(n: i64) -> PyResult<usize> {
    usize::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| bad(format!("n must be a positive integer, got {n}")))
}

fn same_len(a: usize, b: usize, what: &str) -> PyResult<()> {
    if a != b {
        return Err(bad(format!("{what}: lengths {a} and {b} differ")));
    }
    Ok(())
}

// -- shingles and signatures ---------------------------------------------------------------

/// Signatures and distinct-shingle counts for every document of a batch (see `dedup_core::minhash::sign_batch`).
#[pyfunction]
#[pyo3(signature = (cps, offsets, kind, n, fold, a, b, sigs, sizes, threads=0))]
#[allow(clippy::too_many_arguments)]
fn sign_batch(
    py: Python<'_>,
    cps: PyReadonlyArray1<'_, u32>,
    offsets: PyReadonlyArray1<'_, i64>,
    kind: i64,
    n: i64,
    fold: bool,
    a: PyReadonlyArray1<'_, u32>,
    b: PyReadonlyArray1<'_, u32>,
    mut sigs: PyReadwriteArray2<'_, u32>,
    mut sizes: PyReadwriteArray1<'_, i64>,
    threads: usize,
) -> PyResult<()> {
    let (cps, a, b) = (ro(&cps, "cps")?, ro(&a, "a")?, ro(&b, "b")?);
    let offs = self::offsets(ro(&offsets, "offsets")?, cps.len())?;
    let (kind, n) = (self::kind(kind)?, ngram(n)?);
    same_len(a.len(), b.len(), "a and b")?;
    let (sigs, rows, k) = rw2(&mut sigs, "sigs")?;
    let sizes = rw(&mut sizes, "sizes")?;
    if rows != offs.len() - 1 || sizes.len() != rows || k != a.len() {
        return Err(bad(format!("sigs must be ({}, {}) and sizes ({},)", offs.len() - 1, a.len(), offs.len() - 1)));
    }
    parallel(py, threads, || minhash::sign_batch(cps, &offs, kind, n, fold, a, b, sigs, sizes))
}

/// A text from Python: its UTF-8 when it has one, else (lone surrogates) its code points.
pub(crate) enum PyText<'a> {
    Utf8(&'a str),
    Cps(Vec<u32>),
}

impl dedup_core::minhash::AsCodePoints for PyText<'_> {
    fn code_points_into(&self, out: &mut Vec<u32>) {
        match self {
            PyText::Utf8(s) => s.code_points_into(out),
            PyText::Cps(v) => v.code_points_into(out),
        }
    }

    fn as_utf8(&self) -> Option<&str> {
        match self {
            PyText::Utf8(s) => Some(s),
            PyText::Cps(_) => None,
        }
    }
}

/// The texts of a list of `str`, borrowed (no copy for the UTF-8 CPython holds or makes once).
pub(crate) fn py_texts<'a>(texts: &'a [Bound<'_, PyString>]) -> PyResult<Vec<PyText<'a>>> {
    texts
        .iter()
        .map(|t| match t.to_str() {
            Ok(s) => Ok(PyText::Utf8(s)),
            Err(_) => {
                // A lone surrogate has no UTF-8: read the code points as Python holds them.
                let raw = t.call_method1("encode", ("utf-32-le", "surrogatepass"))?;
                let bytes: &[u8] = raw.cast::<PyBytes>()?.as_bytes();
                Ok(PyText::Cps(bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()))
            }
        })
        .collect()
}

/// Signatures and distinct-shingle counts of a list of texts (`str`), without a UTF-32 copy of the batch.
#[pyfunction]
#[pyo3(signature = (texts, kind, n, fold, a, b, threads=0))]
#[allow(clippy::too_many_arguments)]
fn sign_texts<'py>(
    py: Python<'py>,
    texts: Vec<Bound<'py, PyString>>,
    kind: i64,
    n: i64,
    fold: bool,
    a: PyReadonlyArray1<'py, u32>,
    b: PyReadonlyArray1<'py, u32>,
    threads: usize,
) -> PyResult<(Bound<'py, PyArray2<u32>>, Bound<'py, PyArray1<i64>>)> {
    let (a, b) = (ro(&a, "a")?, ro(&b, "b")?);
    same_len(a.len(), b.len(), "a and b")?;
    let (kind, n) = (self::kind(kind)?, ngram(n)?);
    let list = py_texts(&texts)?;
    let k = a.len();
    let mut sigs = vec![0u32; list.len() * k];
    let mut sizes = vec![0i64; list.len()];
    parallel(py, threads, || minhash::sign_strs(&list, kind, n, fold, a, b, &mut sigs, &mut sizes))?;
    let sigs = Array2::from_shape_vec((list.len(), k), sigs).map_err(|e| bad(e.to_string()))?;
    Ok((sigs.into_pyarray(py), sizes.into_pyarray(py)))
}

/// Number sketches (`k + 1` values per text) of a list of texts (`str`).
#[pyfunction]
#[pyo3(signature = (texts, k, threads=0))]
fn number_sketch_texts<'py>(py: Python<'py>, texts: Vec<Bound<'py, PyString>>, k: usize, threads: usize) -> PyResult<Bound<'py, PyArray2<u32>>> {
    if k == 0 {
        return Err(bad("k must be at least 1".into()));
    }
    let list = py_texts(&texts)?;
    let mut out = vec![0u32; list.len() * (k + 1)];
    parallel(py, threads, || numbers::sketch_strs(&list, k, &mut out))?;
    let arr = Array2::from_shape_vec((list.len(), k + 1), out).map_err(|e| bad(e.to_string()))?;
    Ok(arr.into_pyarray(py))
}

/// All shingle hashes (with repeats) of one text.
#[pyfunction]
fn shingle_one<'py>(py: Python<'py>, cps: PyReadonlyArray1<'py, u32>, kind: i64, n: i64) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let (mut scratch, mut out) = (Vec::new(), Vec::new());
    shingle::shingle_hashes(ro(&cps, "cps")?, self::kind(kind)?, ngram(n)?, false, &mut scratch, &mut out);
    Ok(out.into_pyarray(py))
}

/// Signatures from precomputed 64-bit shingle hashes (CSR layout).
#[pyfunction]
#[pyo3(signature = (hashes, offsets, a, b, sigs, threads=0))]
fn sign_hashes_batch(
    py: Python<'_>,
    hashes: PyReadonlyArray1<'_, u64>,
    offsets: PyReadonlyArray1<'_, i64>,
    a: PyReadonlyArray1<'_, u32>,
    b: PyReadonlyArray1<'_, u32>,
    mut sigs: PyReadwriteArray2<'_, u32>,
    threads: usize,
) -> PyResult<()> {
    let (hashes, a, b) = (ro(&hashes, "hashes")?, ro(&a, "a")?, ro(&b, "b")?);
    let offs = self::offsets(ro(&offsets, "offsets")?, hashes.len())?;
    same_len(a.len(), b.len(), "a and b")?;
    let (sigs, rows, k) = rw2(&mut sigs, "sigs")?;
    if rows != offs.len() - 1 || k != a.len() {
        return Err(bad(format!("sigs must be ({}, {})", offs.len() - 1, a.len())));
    }
    parallel(py, threads, || minhash::sign_hashes_batch(hashes, &offs, a, b, sigs))
}

/// MinHash permutations `(a, b)` for `num_perm` and `seed`, as numpy's `RandomState(seed)` draws them.
#[pyfunction]
fn permutations<'py>(py: Python<'py>, num_perm: usize, seed: u32) -> (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u32>>) {
    let (a, b) = minhash::permutations(num_perm, seed);
    (a.into_pyarray(py), b.into_pyarray(py))
}

/// Fold 32-bit hash values (e.g. datasketch's sha1_hash32) into `sig`.
#[pyfunction]
fn minhash_hv32_into(hv32: PyReadonlyArray1<'_, u32>, a: PyReadonlyArray1<'_, u32>, b: PyReadonlyArray1<'_, u32>, mut sig: PyReadwriteArray1<'_, u32>) -> PyResult<()> {
    let (hv, a, b) = (ro(&hv32, "hv32")?, ro(&a, "a")?, ro(&b, "b")?);
    let sig = rw(&mut sig, "sig")?;
    same_len(a.len(), b.len(), "a and b")?;
    same_len(a.len(), sig.len(), "a and sig")?;
    minhash::fold_hash32(hv, a, b, sig);
    Ok(())
}

// -- numbers -------------------------------------------------------------------------------

/// Per document: how many distinct numbers it states, and the smallest of their hashes (bottom-k).
#[pyfunction]
#[pyo3(signature = (cps, offsets, out, threads=0))]
fn number_sketch_batch(py: Python<'_>, cps: PyReadonlyArray1<'_, u32>, offsets: PyReadonlyArray1<'_, i64>, mut out: PyReadwriteArray2<'_, u32>, threads: usize) -> PyResult<()> {
    let cps = ro(&cps, "cps")?;
    let offs = self::offsets(ro(&offsets, "offsets")?, cps.len())?;
    let (out, rows, width) = rw2(&mut out, "out")?;
    if rows != offs.len() - 1 || width < 2 {
        return Err(bad(format!("out must be ({}, k + 1) with k >= 1", offs.len() - 1)));
    }
    parallel(py, threads, || numbers::sketch_batch(cps, &offs, width - 1, out))
}

/// Per pair: `shared` and `seen` numbers of two sketches (see `dedup_core::numbers::agreement`).
#[pyfunction]
fn number_agreement(
    nums_a: PyReadonlyArray2<'_, u32>,
    nums_b: PyReadonlyArray2<'_, u32>,
    pairs: PyReadonlyArray2<'_, i64>,
    mut shared: PyReadwriteArray1<'_, i64>,
    mut seen: PyReadwriteArray1<'_, i64>,
) -> PyResult<()> {
    let (a, ra, wa) = ro2(&nums_a, "nums_a")?;
    let (b, rb, wb) = ro2(&nums_b, "nums_b")?;
    if wa != wb || wa < 2 {
        return Err(bad(format!("sketches must have one width of at least 2, got {wa} and {wb}")));
    }
    let list = pair_list(&pairs, ra, rb)?;
    let (shared, seen) = (rw(&mut shared, "shared")?, rw(&mut seen, "seen")?);
    same_len(list.len(), shared.len(), "pairs and shared")?;
    same_len(list.len(), seen.len(), "pairs and seen")?;
    for (t, &(i, j)) in list.iter().enumerate() {
        let (sh, se) = numbers::agreement(&a[i * wa..(i + 1) * wa], &b[j * wb..(j + 1) * wb]);
        shared[t] = sh as i64;
        seen[t] = se as i64;
    }
    Ok(())
}

// -- the normalizer's scan -----------------------------------------------------------------

/// Bit mask of FLAG_* for one text (see `dedup_core::flags`).
#[pyfunction]
fn text_flags(cps: PyReadonlyArray1<'_, u32>) -> PyResult<u32> {
    Ok(flags::text_flags(ro(&cps, "cps")?))
}

// -- candidate pairs and verification ------------------------------------------------------

/// Candidate pair codes `i * n + j` of a `(n, bands)` key array, unsorted (see `dedup_core::pairs`).
#[pyfunction]
#[pyo3(signature = (keys, max_bucket, threads=0))]
fn band_pair_codes<'py>(py: Python<'py>, keys: PyReadonlyArray2<'py, i64>, max_bucket: usize, threads: usize) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (flat, n, bands) = ro2(&keys, "keys")?;
    if n > 0 && (n as u128) * (n as u128) > i64::MAX as u128 {
        return Err(bad(format!("{n} documents are too many for pair codes")));
    }
    let codes = parallel(py, threads, || pairs::band_pair_codes(flat, n, bands, max_bucket))?;
    Ok(codes.into_pyarray(py))
}

/// The candidate pairs of `band_pair_codes` whose signatures pass the similarity thresholds, as
/// sorted distinct codes `i * n + j` (see `dedup_core::pairs::screened_pair_codes`).
#[pyfunction]
#[pyo3(signature = (keys, max_bucket, sigs, sizes, threshold, containment_threshold, threads=0))]
#[allow(clippy::too_many_arguments)]
fn screened_pair_codes<'py>(
    py: Python<'py>,
    keys: PyReadonlyArray2<'py, i64>,
    max_bucket: usize,
    sigs: PyReadonlyArray2<'py, u32>,
    sizes: PyReadonlyArray1<'py, i64>,
    threshold: f64,
    containment_threshold: f64,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (flat, n, bands) = ro2(&keys, "keys")?;
    let (sig, rows, k) = ro2(&sigs, "sigs")?;
    let sizes = ro(&sizes, "sizes")?;
    if rows != n || sizes.len() != n || k == 0 {
        return Err(bad(format!("keys, sigs and sizes must describe the same {n} documents, with k >= 1")));
    }
    if n > 0 && (n as u128) * (n as u128) > i64::MAX as u128 {
        return Err(bad(format!("{n} documents are too many for pair codes")));
    }
    let t = pairs::Thresholds { jaccard: threshold, containment: containment_threshold };
    let codes = parallel(py, threads, || {
        let w = fingerprint::words(k);
        let mut fp = vec![0u64; n * w];
        fingerprint::nibble_fingerprints(sig, k, k, &mut fp);
        pairs::screened_pair_codes(flat, n, bands, max_bucket, sig, k, &fp, w, sizes, t)
    })?;
    Ok(codes.into_pyarray(py))
}

/// Per document: whether it shares a band bucket with more than `max_bucket` documents
/// (see `dedup_core::pairs::crowded`).
#[pyfunction]
#[pyo3(signature = (keys, max_bucket, threads=0))]
fn crowded<'py>(py: Python<'py>, keys: PyReadonlyArray2<'py, i64>, max_bucket: usize, threads: usize) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let (flat, n, bands) = ro2(&keys, "keys")?;
    let out = parallel(py, threads, || pairs::crowded(flat, n, bands, max_bucket))?;
    Ok(out.into_pyarray(py))
}

/// LSH band keys `uint64 (n, bands)` of signatures (see `dedup_core::pairs::band_keys`).
#[pyfunction]
#[pyo3(signature = (sigs, bands, rows, threads=0))]
fn band_keys<'py>(py: Python<'py>, sigs: PyReadonlyArray2<'py, u32>, bands: usize, rows: usize, threads: usize) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let owned;
    let (flat, n, k) = match ro2(&sigs, "sigs") {
        Ok(t) => t,
        Err(_) => {
            owned = sigs.as_array().as_standard_layout().to_owned();
            (owned.as_slice().expect("standard layout"), owned.nrows(), owned.ncols())
        }
    };
    if bands.checked_mul(rows).is_none_or(|used| used > k) {
        return Err(bad(format!("{bands} bands of {rows} rows need more than the {k} values of a signature")));
    }
    let mut out = vec![0u64; n * bands];
    parallel(py, threads, || pairs::band_keys(flat, k, bands, rows, &mut out))?;
    let arr = Array2::from_shape_vec((n, bands), out).map_err(|e| bad(e.to_string()))?;
    Ok(arr.into_pyarray(py))
}

/// Sorted distinct values of a 1-D int64 array.
#[pyfunction]
#[pyo3(signature = (values, threads=0))]
fn sorted_unique<'py>(py: Python<'py>, values: PyReadonlyArray1<'py, i64>, threads: usize) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let mut v = values.as_array().to_vec();
    parallel(py, threads, || pairs::sorted_unique(&mut v))?;
    Ok(v.into_pyarray(py))
}

/// Per pair `(i, j)`: agreeing positions of row `i` of `sigs_a` and row `j` of `sigs_b` (any layout).
#[pyfunction]
#[pyo3(signature = (sigs_a, sigs_b, pairs, threads=0))]
fn equal_counts_between<'py>(
    py: Python<'py>,
    sigs_a: PyReadonlyArray2<'py, u32>,
    sigs_b: PyReadonlyArray2<'py, u32>,
    pairs: PyReadonlyArray2<'py, i64>,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (va, vb): (ArrayView2<u32>, ArrayView2<u32>) = (sigs_a.as_array(), sigs_b.as_array());
    if va.ncols() != vb.ncols() {
        return Err(bad(format!("signatures of {} and {} values cannot be compared", va.ncols(), vb.ncols())));
    }
    let list = pair_list(&pairs, va.nrows(), vb.nrows())?;
    let mut out = vec![0i64; list.len()];
    parallel(py, threads, || pairs::equal_counts(va, vb, &list, &mut out))?;
    Ok(out.into_pyarray(py))
}

/// The low 4 bits of each of the first `k` values of each row, packed 16 to a uint64.
#[pyfunction]
#[pyo3(signature = (sigs, k, threads=0))]
fn nibble_fingerprints<'py>(py: Python<'py>, sigs: PyReadonlyArray2<'py, u32>, k: usize, threads: usize) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let owned;
    let (flat, n, width) = match ro2(&sigs, "sigs") {
        Ok(t) => t,
        Err(_) => {
            owned = sigs.as_array().as_standard_layout().to_owned();
            (owned.as_slice().expect("standard layout"), owned.nrows(), owned.ncols())
        }
    };
    if k > width {
        return Err(bad(format!("k = {k} is more than the {width} values of a signature")));
    }
    let w = fingerprint::words(k);
    let mut out = vec![0u64; n * w];
    parallel(py, threads, || fingerprint::nibble_fingerprints(flat, width, k, &mut out))?;
    let arr = Array2::from_shape_vec((n, w), out).map_err(|e| bad(e.to_string()))?;
    Ok(arr.into_pyarray(py))
}

/// Per pair `(i, j)`: an upper bound on agreeing positions from 4-bit fingerprints.
#[pyfunction]
#[pyo3(signature = (fp_a, fp_b, pairs, k, threads=0))]
fn agree_upper_bounds<'py>(
    py: Python<'py>,
    fp_a: PyReadonlyArray2<'py, u64>,
    fp_b: PyReadonlyArray2<'py, u64>,
    pairs: PyReadonlyArray2<'py, i64>,
    k: i64,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (a, ra, wa) = ro2(&fp_a, "fp_a")?;
    let (b, rb, wb) = ro2(&fp_b, "fp_b")?;
    same_len(wa, wb, "fingerprint widths")?;
    let list = pair_list(&pairs, ra, rb)?;
    let mut out = vec![0i64; list.len()];
    parallel(py, threads, || fingerprint::agree_upper_bounds(a, b, wa, &list, k, &mut out))?;
    Ok(out.into_pyarray(py))
}

// -- the band-map directory ----------------------------------------------------------------

/// Bits of a key directory over `n` keys.
#[pyfunction]
fn directory_bits(n: usize) -> u32 {
    bandmap::directory_bits(n)
}

/// Directory over the top `bits` bits of sorted `keys[:n]`.
#[pyfunction]
fn key_directory<'py>(py: Python<'py>, keys: PyReadonlyArray1<'py, i64>, n: usize, bits: u32) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let keys = ro(&keys, "keys")?;
    if n > keys.len() || !(1..=40).contains(&bits) {
        return Err(bad(format!("n = {n} must be at most {} and bits = {bits} in 1..40", keys.len())));
    }
    Ok(bandmap::key_directory(&keys[..n], bits).into_pyarray(py))
}

/// For each query: where its equal keys start in sorted `keys` and how many there are.
#[pyfunction]
fn find_keys(
    keys: PyReadonlyArray1<'_, i64>,
    directory: PyReadonlyArray1<'_, i64>,
    bits: u32,
    queries: PyReadonlyArray1<'_, i64>,
    mut lo: PyReadwriteArray1<'_, i64>,
    mut cnt: PyReadwriteArray1<'_, i64>,
) -> PyResult<()> {
    let (keys, dir, q) = (ro(&keys, "keys")?, ro(&directory, "directory")?, ro(&queries, "queries")?);
    if !(1..=40).contains(&bits) || dir.len() != (1usize << bits) + 1 {
        return Err(bad(format!("directory must hold 2**bits + 1 values (bits = {bits}), got {}", dir.len())));
    }
    let (lo, cnt) = (rw(&mut lo, "lo")?, rw(&mut cnt, "cnt")?);
    same_len(q.len(), lo.len(), "queries and lo")?;
    same_len(q.len(), cnt.len(), "queries and cnt")?;
    // The directory may cover a prefix of a larger array (capacity): its last entry is the key count.
    let n = (dir[dir.len() - 1].max(0) as usize).min(keys.len());
    bandmap::find_keys(&keys[..n], dir, bits, q, lo, cnt);
    Ok(())
}

/// Merge sorted `add_*` into sorted `keys[:n]`/`docs[:n]` in place (the arrays have room).
#[pyfunction]
fn merge_into(
    mut keys: PyReadwriteArray1<'_, i64>,
    mut docs: PyReadwriteArray1<'_, u32>,
    n: usize,
    add_keys: PyReadonlyArray1<'_, i64>,
    add_docs: PyReadonlyArray1<'_, u32>,
) -> PyResult<()> {
    let (ak, ad) = (ro(&add_keys, "add_keys")?, ro(&add_docs, "add_docs")?);
    let (keys, docs) = (rw(&mut keys, "keys")?, rw(&mut docs, "docs")?);
    same_len(ak.len(), ad.len(), "add_keys and add_docs")?;
    if n + ak.len() > keys.len().min(docs.len()) {
        return Err(bad(format!("keys and docs need room for {} entries", n + ak.len())));
    }
    bandmap::merge_into(keys, docs, n, ak, ad);
    Ok(())
}

/// Keep the entries of `keys[:n]`/`docs[:n]` whose doc is not in sorted `dead`; how many are kept.
#[pyfunction]
fn drop_rows(mut keys: PyReadwriteArray1<'_, i64>, mut docs: PyReadwriteArray1<'_, u32>, n: usize, dead: PyReadonlyArray1<'_, i64>) -> PyResult<usize> {
    let dead = ro(&dead, "dead")?;
    let (keys, docs) = (rw(&mut keys, "keys")?, rw(&mut docs, "docs")?);
    if n > keys.len().min(docs.len()) {
        return Err(bad(format!("n = {n} is beyond the arrays")));
    }
    Ok(bandmap::drop_rows(keys, docs, n, dead))
}

// -- clustering ----------------------------------------------------------------------------

/// Component root of each of `n` nodes given edge endpoints `left[e] -- right[e]`.
#[pyfunction]
fn connected_components<'py>(py: Python<'py>, n: usize, left: PyReadonlyArray1<'py, i64>, right: PyReadonlyArray1<'py, i64>) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (l, r) = (ro(&left, "left")?, ro(&right, "right")?);
    same_len(l.len(), r.len(), "left and right")?;
    Ok(components::components(n, l, r).map_err(bad)?.into_pyarray(py))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("FLAG_NONASCII", flags::NONASCII)?;
    m.add("FLAG_DAMAGE", flags::DAMAGE)?;
    m.add("FLAG_INVISIBLE", flags::INVISIBLE)?;
    m.add("WORD_RANGES", dedup_core::words::ranges().to_vec())?;
    m.add_function(wrap_pyfunction!(sign_batch, m)?)?;
    m.add_function(wrap_pyfunction!(jsonl_py::jsonl_block, m)?)?;
    m.add_class::<textstore_py::PyTextStore>()?;
    m.add_function(wrap_pyfunction!(textstore_py::template_fill_rows, m)?)?;
    m.add_function(wrap_pyfunction!(shingle_one, m)?)?;
    m.add_function(wrap_pyfunction!(sign_texts, m)?)?;
    m.add_function(wrap_pyfunction!(number_sketch_texts, m)?)?;
    m.add_function(wrap_pyfunction!(sign_hashes_batch, m)?)?;
    m.add_function(wrap_pyfunction!(minhash_hv32_into, m)?)?;
    m.add_function(wrap_pyfunction!(permutations, m)?)?;
    m.add_function(wrap_pyfunction!(number_sketch_batch, m)?)?;
    m.add_function(wrap_pyfunction!(number_agreement, m)?)?;
    m.add_function(wrap_pyfunction!(text_flags, m)?)?;
    m.add_function(wrap_pyfunction!(band_pair_codes, m)?)?;
    m.add_function(wrap_pyfunction!(linkage_py::average_linkage, m)?)?;
    m.add_function(wrap_pyfunction!(crowded, m)?)?;
    m.add_function(wrap_pyfunction!(sorted_unique, m)?)?;
    m.add_function(wrap_pyfunction!(screened_pair_codes, m)?)?;
    m.add_function(wrap_pyfunction!(band_keys, m)?)?;
    m.add_function(wrap_pyfunction!(equal_counts_between, m)?)?;
    m.add_function(wrap_pyfunction!(nibble_fingerprints, m)?)?;
    m.add_function(wrap_pyfunction!(agree_upper_bounds, m)?)?;
    m.add_function(wrap_pyfunction!(directory_bits, m)?)?;
    m.add_function(wrap_pyfunction!(key_directory, m)?)?;
    m.add_function(wrap_pyfunction!(find_keys, m)?)?;
    m.add_function(wrap_pyfunction!(merge_into, m)?)?;
    m.add_function(wrap_pyfunction!(drop_rows, m)?)?;
    m.add_function(wrap_pyfunction!(connected_components, m)?)?;
    normalize_py::register(m)?;
    mojibake_py::register(m)?;
    align_py::register(m)?;
    containment_py::register(m)?;
    Ok(())
}
