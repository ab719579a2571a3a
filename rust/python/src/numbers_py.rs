//! Bindings of `dedup_core::numbers`: the number sketches of a batch (code points or texts), and
//! the agreement of two sketches per pair.

use dedup_core::numbers;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1, PyReadonlyArray2, PyReadwriteArray1, PyReadwriteArray2};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::args::{self, bad, pair_list, ro, ro2, rw, rw2, same_len};
use crate::pool::parallel;
use crate::texts::py_texts;

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

/// Per document: how many distinct numbers it states, and the smallest of their hashes (bottom-k).
#[pyfunction]
#[pyo3(signature = (cps, offsets, out, threads=0))]
fn number_sketch_batch(py: Python<'_>, cps: PyReadonlyArray1<'_, u32>, offsets: PyReadonlyArray1<'_, i64>, mut out: PyReadwriteArray2<'_, u32>, threads: usize) -> PyResult<()> {
    let cps = ro(&cps, "cps")?;
    let offs = args::offsets(ro(&offsets, "offsets")?, cps.len())?;
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

/// Add this module's functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(number_sketch_texts, m)?)?;
    m.add_function(wrap_pyfunction!(number_sketch_batch, m)?)?;
    m.add_function(wrap_pyfunction!(number_agreement, m)?)?;
    Ok(())
}
