//! Bindings of `dedup_core::mojibake`: ftfy's `fix_text` for one line, or "not sure".
//!
//! Every function answers `None` where the port cannot vouch for ftfy's result (the caller
//! then runs ftfy), including for strings holding lone surrogates, which have no UTF-8 form.

use dedup_core::mojibake;
use pyo3::prelude::*;
use pyo3::types::PyString;
use rayon::prelude::*;

/// `ftfy.fix_text(line, uncurl_quotes=False, fix_line_breaks=False, normalization=None)`, or
/// `None` if the port is not sure of ftfy's answer for this line.
#[pyfunction]
fn fix_mojibake_line(line: &Bound<'_, PyString>) -> Option<String> {
    mojibake::fix_text(line.to_str().ok()?).ok()
}

/// [`fix_mojibake_line`] for each of `lines`, without the GIL, on `threads` threads (0: one per core).
#[pyfunction]
#[pyo3(signature = (lines, threads=0))]
fn fix_mojibake_lines(py: Python<'_>, lines: Vec<Bound<'_, PyString>>, threads: usize) -> PyResult<Vec<Option<String>>> {
    let owned: Vec<Option<String>> = lines.iter().map(|l| l.to_str().ok().map(str::to_owned)).collect();
    crate::pool::parallel(py, threads, || {
        owned.par_iter().map(|l| l.as_deref().and_then(|l| mojibake::fix_text(l).ok())).collect()
    })
}

/// Why [`fix_mojibake_line`] answers `None` for `line` (a short phrase), or `None` if it answers.
#[pyfunction]
fn mojibake_unsure_reason(line: &Bound<'_, PyString>) -> Option<&'static str> {
    match line.to_str() {
        Err(_) => Some("not valid UTF-8 (lone surrogate)"),
        Ok(s) => mojibake::fix_text(s).err().map(|e| e.0),
    }
}

/// `ftfy.badness.is_bad(text)` (exposed so that tests can compare the port's badness regex with ftfy's).
#[pyfunction]
fn mojibake_is_bad(text: &str) -> bool {
    mojibake::badness::is_bad(&text.chars().collect::<Vec<_>>())
}

/// Add this module's functions to `dedup._core`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fix_mojibake_line, m)?)?;
    m.add_function(wrap_pyfunction!(fix_mojibake_lines, m)?)?;
    m.add_function(wrap_pyfunction!(mojibake_unsure_reason, m)?)?;
    m.add_function(wrap_pyfunction!(mojibake_is_bad, m)?)?;
    // The ftfy version the port reproduces; use the port only when `ftfy.__version__` equals it.
    m.add("MOJIBAKE_FTFY_VERSION", mojibake::FTFY_VERSION)?;
    // The Unicode version of the Python whose `re` classes and entity table the port holds.
    m.add("MOJIBAKE_UNICODE_VERSION", mojibake::tables::UNICODE_VERSION)?;
    Ok(())
}
