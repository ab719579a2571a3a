//! Bindings of `dedup_core::fingerprint`: 4-bit signature fingerprints, and the upper bounds on
//! agreeing positions they give per pair.

use dedup_core::fingerprint;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::args::{bad, pair_list, ro2, same_len};
use crate::pool::parallel;

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

/// Add this module's functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(nibble_fingerprints, m)?)?;
    m.add_function(wrap_pyfunction!(agree_upper_bounds, m)?)?;
    Ok(())
}
