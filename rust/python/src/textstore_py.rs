//! Binding of `dedup_core::textstore`: the engine's kept texts, and the alignment verdict on
//! pairs of them read straight from the store (no Python strings made).

use crate::align_py::{self, ROUND, ROUND_TEXT};
use crate::args::{bad, ro};
use crate::pool::parallel;
use dedup_core::align;
use dedup_core::textstore::{StoreError, TextStore};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyIndexError, PyOSError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use std::collections::HashMap;
use std::path::PathBuf;

/// Texts kept compressed (`dedup.texts.StoredTexts` wraps it).
#[pyclass(module = "dedup._core", name = "TextStore")]
pub struct PyTextStore {
    inner: TextStore,
}

#[pymethods]
impl PyTextStore {
    #[new]
    fn new() -> Self {
        PyTextStore { inner: TextStore::new() }
    }

    /// Append `texts` (compressed when `compress`); returns the positions (in `texts`) of those that have no UTF-8 (a lone
    /// surrogate): an empty text is stored for each, for the caller to keep the string itself.
    #[pyo3(signature = (texts, compress=true, threads=0))]
    fn extend(&mut self, py: Python<'_>, texts: Vec<Bound<'_, PyString>>, compress: bool, threads: usize) -> PyResult<Vec<usize>> {
        let mut odd = Vec::new();
        let strs: Vec<&str> = texts
            .iter()
            .enumerate()
            .map(|(k, t)| {
                t.to_str().unwrap_or_else(|_| {
                    odd.push(k);
                    ""
                })
            })
            .collect();
        let store = &mut self.inner;
        match parallel(py, threads, || store.extend(&strs, compress))? {
            Ok(()) => Ok(odd),
            Err(e @ StoreError::TooLong) => Err(bad(e.to_string())),
            Err(e @ StoreError::Write(_)) => Err(PyOSError::new_err(e.to_string())),
        }
    }

    /// Write the texts appended from now on to a new file at `path` (see `TextStore::spill_to`); OSError when it cannot
    /// be made, or the store spills already.
    fn spill_to(&mut self, path: PathBuf) -> PyResult<()> {
        self.inner.spill_to(&path).map_err(|e| PyOSError::new_err(format!("cannot spill the kept texts to {}: {e}", path.display())))
    }

    /// Whether appended texts go to the spill file.
    #[getter]
    fn spills(&self) -> bool {
        self.inner.spills()
    }

    /// Bytes written to the spill file.
    #[getter]
    fn spilled_bytes(&self) -> usize {
        self.inner.spilled_bytes()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __getitem__(&self, i: isize) -> PyResult<String> {
        let n = self.inner.len() as isize;
        let k = if i < 0 { i + n } else { i };
        if k < 0 || k >= n {
            return Err(PyIndexError::new_err(format!("text {i} of {n}")));
        }
        self.inner.get_str(k as usize).ok_or_else(|| bad(format!("text {i} cannot be read")))
    }

    /// Bytes the store holds in memory.
    #[getter]
    fn nbytes(&self) -> usize {
        self.inner.nbytes()
    }
}

/// `template_fill` of the stored texts of each pair `(left[m], right[m])`, as a bool array, on
/// `threads` threads without the GIL; a text in several pairs of a round is tokenized once.
#[pyfunction]
#[pyo3(signature = (store, left, right, params, threads=0))]
fn template_fill_rows<'py>(
    py: Python<'py>,
    store: PyRef<'py, PyTextStore>,
    left: PyReadonlyArray1<'py, i64>,
    right: PyReadonlyArray1<'py, i64>,
    params: &Bound<'py, PyDict>,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let (left, right) = (ro(&left, "left")?, ro(&right, "right")?);
    if left.len() != right.len() {
        return Err(bad(format!("left and right: lengths {} and {} differ", left.len(), right.len())));
    }
    let n = store.inner.len();
    if left.iter().chain(right).any(|&r| r < 0 || r as usize >= n) {
        return Err(bad(format!("left and right must name texts 0..{n} of the store")));
    }
    let p = align_py::params(params)?;
    let inner = &store.inner;
    // Rounds along the pairs' components: the pairs of a text meet in few rounds (one, unless its
    // component outgrows a round), so it is read and tokenized once, not once per round.
    let (left, right): (Vec<usize>, Vec<usize>) = left.iter().zip(right).map(|(&a, &b)| (a as usize, b as usize)).unzip();
    let order = dedup_core::components::pair_order_by_component(&left, &right);
    let mut out: Vec<bool> = vec![false; left.len()];
    let mut start = 0;
    while start < left.len() {
        // A round: up to ROUND pairs whose distinct texts (compressed) stay under ROUND_TEXT bytes.
        let mut index: HashMap<usize, usize> = HashMap::new();
        let mut rows: Vec<usize> = Vec::new();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let mut m = start;
        let mut size = 0usize;
        while m < left.len() && pairs.len() < ROUND && size < ROUND_TEXT / 2 {
            let mut ij = [0usize; 2];
            for (side, row) in [left[order[m]], right[order[m]]].into_iter().enumerate() {
                ij[side] = *index.entry(row).or_insert_with(|| {
                    rows.push(row);
                    size += 4096;
                    rows.len() - 1
                });
            }
            pairs.push((ij[0], ij[1]));
            m += 1;
        }
        let fills = parallel(py, threads, || {
            align::template_fill_batch(&rows, |&r| inner.get_str(r).map(|t| dedup_core::codepoints::code_points(&t)).unwrap_or_default(), &pairs, &p)
        })?;
        for (k, fill) in fills.into_iter().enumerate() {
            out[order[start + k]] = fill;
        }
        start = m;
    }
    Ok(out.into_pyarray(py))
}

/// Add this module's class and function to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTextStore>()?;
    m.add_function(wrap_pyfunction!(template_fill_rows, m)?)?;
    Ok(())
}
