//! The checks of the arguments every binding makes: shapes, contiguity, offsets, pairs and
//! lengths, each wrong one a `ValueError` naming it, so a wrong call from Python is an error,
//! never a crash.

use numpy::{PyReadonlyArray1, PyReadonlyArray2, PyReadwriteArray1, PyReadwriteArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A `ValueError` with `msg`: what every wrong argument raises.
pub(crate) fn bad(msg: String) -> PyErr {
    PyValueError::new_err(msg)
}

/// The values of a 1-D array, which must be contiguous.
pub(crate) fn ro<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'_, T>, name: &str) -> PyResult<&'a [T]> {
    a.as_slice().map_err(|_| bad(format!("{name} must be a contiguous array")))
}

/// The values of a 2-D array, which must be C-contiguous, with its shape.
pub(crate) fn ro2<'a, T: numpy::Element>(a: &'a PyReadonlyArray2<'_, T>, name: &str) -> PyResult<(&'a [T], usize, usize)> {
    let (r, c) = (a.shape()[0], a.shape()[1]);
    Ok((a.as_slice().map_err(|_| bad(format!("{name} must be a C-contiguous array")))?, r, c))
}

/// The values of a writable 1-D array, which must be contiguous.
pub(crate) fn rw<'a, T: numpy::Element>(a: &'a mut PyReadwriteArray1<'_, T>, name: &str) -> PyResult<&'a mut [T]> {
    a.as_slice_mut().map_err(|_| bad(format!("{name} must be a contiguous writable array")))
}

/// The values of a writable 2-D array, which must be C-contiguous, with its shape.
pub(crate) fn rw2<'a, T: numpy::Element>(a: &'a mut PyReadwriteArray2<'_, T>, name: &str) -> PyResult<(&'a mut [T], usize, usize)> {
    let (r, c) = (a.shape()[0], a.shape()[1]);
    Ok((a.as_slice_mut().map_err(|_| bad(format!("{name} must be a C-contiguous writable array")))?, r, c))
}

/// Document offsets: `len + 1` non-decreasing positions from 0 within `total`.
pub(crate) fn offsets(raw: &[i64], total: usize) -> PyResult<Vec<usize>> {
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
pub(crate) fn pair_list(p: &PyReadonlyArray2<'_, i64>, rows_a: usize, rows_b: usize) -> PyResult<Vec<(usize, usize)>> {
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

/// `what` must have equal lengths `a` and `b`.
pub(crate) fn same_len(a: usize, b: usize, what: &str) -> PyResult<()> {
    if a != b {
        return Err(bad(format!("{what}: lengths {a} and {b} differ")));
    }
    Ok(())
}
