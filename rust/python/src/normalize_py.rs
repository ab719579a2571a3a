//! Bindings of `dedup_core::normalize`: the normalizer's steps for `dedup/normalize.py`.
//!
//! Options arrive as the bit mask `Normalizer` packs (bit `i`: its `i`-th field). A result of
//! `None` means the text is left to Python: it needs its encoding repaired (ftfy), holds a code
//! point Python's Unicode does not assign, or is not a string Rust can read (lone surrogates).

use dedup_core::normalize::{self, patterns, Options};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

/// The text of `obj` if it is a `str` Rust can read (no lone surrogates).
fn text_of<'a>(obj: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    obj.cast::<PyString>().ok()?.to_str().ok()
}

/// `Normalizer.__call__`, or with `shingling` `Normalizer.for_shingling`, of each of `texts`, on
/// `threads` threads (0: one per core) without the GIL; `None` for a text left to Python.
#[pyfunction]
#[pyo3(signature = (texts, options, shingling, threads=0))]
fn normalize_batch<'py>(py: Python<'py>, texts: &Bound<'py, PyAny>, options: u32, shingling: bool, threads: usize) -> PyResult<Bound<'py, PyList>> {
    let objs: Vec<Bound<'py, PyAny>> = texts.try_iter()?.collect::<PyResult<_>>()?;
    let strs: Vec<Option<&str>> = objs.iter().map(text_of).collect();
    let o = Options::from_bits(options);
    let out = crate::pool::parallel(py, threads, || normalize::batch(&strs, &o, shingling))?;
    let items: Vec<Bound<'py, PyAny>> = out
        .iter()
        .zip(strs.iter().zip(&objs))
        .map(|(r, (s, obj))| match (r, s) {
            // An unchanged text is handed back as it came (if it is a str, not a subclass).
            (Some(r), Some(s)) if r == s && obj.is_exact_instance_of::<PyString>() => obj.clone(),
            (Some(r), _) => PyString::new(py, r).into_any(),
            (None, _) => py.None().into_bound(py),
        })
        .collect();
    PyList::new(py, items)
}

/// Start compiling the normalizer's patterns on a background thread (once per process; see
/// `dedup_core::normalize::patterns::build_in_background`).
#[pyfunction]
fn prepare_patterns() {
    dedup_core::normalize::patterns::build_in_background();
}

/// One text: `Normalizer.__call__`, or with `shingling` `Normalizer.for_shingling`; `None` if
/// it is left to Python.
#[pyfunction]
fn normalize_text(text: &Bound<'_, PyAny>, options: u32, shingling: bool) -> Option<String> {
    let s = text_of(text)?;
    let o = Options::from_bits(options);
    if shingling { normalize::for_shingling(s, &o) } else { normalize::normalize(s, &o) }.ok()
}

/// One pass of the steps after `fix_encoding` (`light`: the shingling pass) on a text whose
/// encoding Python has repaired; `None` if it is left to Python.
#[pyfunction]
fn normalize_steps(text: &Bound<'_, PyAny>, options: u32, light: bool) -> Option<String> {
    let s = text_of(text)?;
    normalize::steps(s, &Options::from_bits(options), light).ok().map(|c| c.into_owned())
}

/// Add this module's functions to `dedup._core`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The Python patterns the Rust ones are translated from, for the tests to compare.
    m.add("NORMALIZE_PATTERNS", (patterns::BOILERPLATE_LINE, patterns::DATELINE, patterns::VIDEO_SOURCE))?;
    m.add_function(wrap_pyfunction!(prepare_patterns, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_batch, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_text, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_steps, m)?)?;
    Ok(())
}
