//! Texts from Python as the core reads them: borrowed UTF-8 where CPython has it, code points
//! where a lone surrogate leaves it none.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// A text from Python: its UTF-8 when it has one, else (lone surrogates) its code points.
pub(crate) enum PyText<'a> {
    Utf8(&'a str),
    Cps(Vec<u32>),
}

impl dedup_core::minhash::AsCodePoints for PyText<'_> {
    fn code_points_into(&self, out: &mut Vec<u32>) {
        match self {
            PyText::Utf8(s) => s.code_points_into(out),
            PyText::Cps(v) => v.code_points_into(out),
        }
    }

    fn as_utf8(&self) -> Option<&str> {
        match self {
            PyText::Utf8(s) => Some(s),
            PyText::Cps(_) => None,
        }
    }
}

/// The texts of a list of `str`, borrowed (no copy for the UTF-8 CPython holds or makes once).
pub(crate) fn py_texts<'a>(texts: &'a [Bound<'_, PyString>]) -> PyResult<Vec<PyText<'a>>> {
    texts
        .iter()
        .map(|t| match t.to_str() {
            Ok(s) => Ok(PyText::Utf8(s)),
            Err(_) => {
                // A lone surrogate has no UTF-8: read the code points as Python holds them.
                let raw = t.call_method1("encode", ("utf-32-le", "surrogatepass"))?;
                let bytes: &[u8] = raw.cast::<PyBytes>()?.as_bytes();
                Ok(PyText::Cps(bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()))
            }
        })
        .collect()
}
