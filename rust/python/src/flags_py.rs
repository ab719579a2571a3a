//! Bindings of `dedup_core::flags`: the normalizer's scan of a text, and the bits it sets.

use dedup_core::flags;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::args::ro;

/// Bit mask of FLAG_* for one text (see `dedup_core::flags`).
#[pyfunction]
fn text_flags(cps: PyReadonlyArray1<'_, u32>) -> PyResult<u32> {
    Ok(flags::text_flags(ro(&cps, "cps")?))
}

/// Add this module's constants and functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("FLAG_NONASCII", flags::NONASCII)?;
    m.add("FLAG_DAMAGE", flags::DAMAGE)?;
    m.add("FLAG_INVISIBLE", flags::INVISIBLE)?;
    m.add_function(wrap_pyfunction!(text_flags, m)?)?;
    Ok(())
}
