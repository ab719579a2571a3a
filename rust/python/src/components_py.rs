//! Bindings of `dedup_core::components` and `dedup_core::heaviest`: the connected components of a graph,
//! and the heaviest edges of each node.

use dedup_core::{components, heaviest};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::args::{bad, ro, same_len};

/// Component root of each of `n` nodes given edge endpoints `left[e] -- right[e]`.
#[pyfunction]
fn connected_components<'py>(py: Python<'py>, n: usize, left: PyReadonlyArray1<'py, i64>, right: PyReadonlyArray1<'py, i64>) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (l, r) = (ro(&left, "left")?, ro(&right, "right")?);
    same_len(l.len(), r.len(), "left and right")?;
    Ok(components::components(n, l, r).map_err(bad)?.into_pyarray(py))
}

/// Per edge `left[e] -- right[e]` (weights `weights`): whether it is among the `degree` heaviest of one of its ends.
#[pyfunction]
#[pyo3(signature = (n, left, right, weights, degree, threads=0))]
fn heaviest_edges<'py>(
    py: Python<'py>,
    n: usize,
    left: PyReadonlyArray1<'py, i64>,
    right: PyReadonlyArray1<'py, i64>,
    weights: PyReadonlyArray1<'py, f64>,
    degree: usize,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let (l, r, w) = (ro(&left, "left")?, ro(&right, "right")?, ro(&weights, "weights")?);
    Ok(crate::pool::parallel(py, threads, || heaviest::heaviest_edges(n, l, r, w, degree))?.map_err(bad)?.into_pyarray(py))
}

/// Add this module's functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(connected_components, m)?)?;
    m.add_function(wrap_pyfunction!(heaviest_edges, m)?)?;
    Ok(())
}
