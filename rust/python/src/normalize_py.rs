//! Bindings of `dedup_core::normalize`.

use pyo3::prelude::*;

/// Add this module's functions to `dedup._core`.
pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
