//! Bindings of `dedup_core::minhash`: MinHash signatures of a batch (code points, texts or
//! precomputed shingle hashes), the permutations, and hash values folded into a signature.

use dedup_core::minhash;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadwriteArray1, PyReadwriteArray2};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::args::{self, bad, ro, rw, rw2, same_len};
use crate::pool::parallel;
use crate::shingle_py::{self, ngram};
use crate::texts::py_texts;

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
    let offs = args::offsets(ro(&offsets, "offsets")?, cps.len())?;
    let (kind, n) = (shingle_py::kind(kind)?, ngram(n)?);
    same_len(a.len(), b.len(), "a and b")?;
    let (sigs, rows, k) = rw2(&mut sigs, "sigs")?;
    let sizes = rw(&mut sizes, "sizes")?;
    if rows != offs.len() - 1 || sizes.len() != rows || k != a.len() {
        return Err(bad(format!("sigs must be ({}, {}) and sizes ({},)", offs.len() - 1, a.len(), offs.len() - 1)));
    }
    parallel(py, threads, || minhash::sign_batch(cps, &offs, kind, n, fold, a, b, sigs, sizes))
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
    let (kind, n) = (shingle_py::kind(kind)?, ngram(n)?);
    let list = py_texts(&texts)?;
    let k = a.len();
    let mut sigs = vec![0u32; list.len() * k];
    let mut sizes = vec![0i64; list.len()];
    parallel(py, threads, || minhash::sign_strs(&list, kind, n, fold, a, b, &mut sigs, &mut sizes))?;
    let sigs = Array2::from_shape_vec((list.len(), k), sigs).map_err(|e| bad(e.to_string()))?;
    Ok((sigs.into_pyarray(py), sizes.into_pyarray(py)))
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
    let offs = args::offsets(ro(&offsets, "offsets")?, hashes.len())?;
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

/// Add this module's functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sign_batch, m)?)?;
    m.add_function(wrap_pyfunction!(sign_texts, m)?)?;
    m.add_function(wrap_pyfunction!(sign_hashes_batch, m)?)?;
    m.add_function(wrap_pyfunction!(minhash_hv32_into, m)?)?;
    m.add_function(wrap_pyfunction!(permutations, m)?)?;
    Ok(())
}
