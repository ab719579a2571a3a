//! Bindings of `dedup_core::shingle`: the shingle hashes of one text, the checks of a shingle
//! kind and size, and the word characters word shingles read (`dedup_core::words`).

use dedup_core::shingle;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::args::{bad, ro};

/// The shingle kind of a code (0 characters, 1 words).
pub(crate) fn kind(code: i64) -> PyResult<shingle::Kind> {
    shingle::Kind::from_code(code).ok_or_else(|| bad(format!("kind must be 0 (char) or 1 (word), got {code}")))
}

/// The shingle size `n`, a positive integer.
pub(crate) fn ngram(n: i64) -> PyResult<usize> {
    usize::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| bad(format!("n must be a positive integer, got {n}")))
}

/// All shingle hashes (with repeats) of one text.
#[pyfunction]
fn shingle_one<'py>(py: Python<'py>, cps: PyReadonlyArray1<'py, u32>, kind: i64, n: i64) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let (mut scratch, mut out) = (Vec::new(), Vec::new());
    shingle::shingle_hashes(ro(&cps, "cps")?, self::kind(kind)?, ngram(n)?, false, &mut scratch, &mut out);
    Ok(out.into_pyarray(py))
}

/// Add this module's constants and functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("WORD_RANGES", dedup_core::words::ranges().to_vec())?;
    m.add_function(wrap_pyfunction!(shingle_one, m)?)?;
    Ok(())
}
