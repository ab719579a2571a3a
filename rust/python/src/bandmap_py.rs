//! Bindings of `dedup_core::bandmap`: the index's in-memory band map, sorted keys with a
//! directory over their top bits; lookups, merges and removals in place.

use dedup_core::bandmap;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadwriteArray1};
use pyo3::prelude::*;

use crate::args::{bad, ro, rw, same_len};

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

/// Add this module's functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(directory_bits, m)?)?;
    m.add_function(wrap_pyfunction!(key_directory, m)?)?;
    m.add_function(wrap_pyfunction!(find_keys, m)?)?;
    m.add_function(wrap_pyfunction!(merge_into, m)?)?;
    m.add_function(wrap_pyfunction!(drop_rows, m)?)?;
    Ok(())
}
