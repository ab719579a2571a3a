//! `dedup._core`: the compiled core, called from `dedup/_kernels/` (and `dedup/align.py`, `dedup/normalize.py`, `dedup/minhash.py`).
//!
//! Every function checks the shapes, types and bounds of what it is given and raises
//! `ValueError` naming the argument, so a wrong call from Python is an error, never a crash.
//! Batch functions release the GIL and run on a thread pool of the size asked for; pools are
//! per process, so a forked child builds its own instead of waiting on threads it does not have.
//!
//! One binding module per concept of `dedup_core` (`minhash_py` binds `dedup_core::minhash`, and
//! so on), each registering its functions; `args` holds the argument checks they share, `pool`
//! the thread pools, `texts` the reading of Python's `str`.

#![forbid(unsafe_code)]

use pyo3::prelude::*;

mod align_py;
mod args;
mod bandmap_py;
mod buckets_py;
mod components_py;
mod containment_py;
mod fingerprint_py;
mod flags_py;
mod jsonl_py;
mod linkage_py;
mod minhash_py;
mod mojibake_py;
mod normalize_py;
mod numbers_py;
mod pairs_py;
mod pool;
mod shingle_py;
mod texts;
mod textstore_py;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    flags_py::register(m)?;
    shingle_py::register(m)?;
    minhash_py::register(m)?;
    numbers_py::register(m)?;
    jsonl_py::register(m)?;
    textstore_py::register(m)?;
    pairs_py::register(m)?;
    buckets_py::register(m)?;
    fingerprint_py::register(m)?;
    bandmap_py::register(m)?;
    components_py::register(m)?;
    linkage_py::register(m)?;
    normalize_py::register(m)?;
    mojibake_py::register(m)?;
    align_py::register(m)?;
    containment_py::register(m)?;
    Ok(())
}
