//! The thread pools the batch functions run on, one per size asked for and per process: a
//! forked child builds its own instead of waiting on threads it does not have.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use rayon::ThreadPool;
use std::sync::{Arc, Mutex};

/// The pools made so far: the process that made each, its size, the pool.
static POOLS: Mutex<Vec<(u32, usize, Arc<ThreadPool>)>> = Mutex::new(Vec::new());

/// This process's pool of `threads` threads (0: one per core), built on first use.
fn pool(threads: usize) -> PyResult<Arc<ThreadPool>> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    let pid = std::process::id();
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    // A pool made before fork() has no threads in the child: forget it (its threads are not ours to stop).
    let (ours, stale): (Vec<_>, Vec<_>) = pools.drain(..).partition(|(p, _, _)| *p == pid);
    stale.into_iter().for_each(std::mem::forget);
    *pools = ours;
    if let Some((_, _, p)) = pools.iter().find(|(_, t, _)| *t == threads) {
        return Ok(p.clone());
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("dedup-{i}"))
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start {threads} threads: {e}")))?,
    );
    pools.push((pid, threads, p.clone()));
    Ok(p)
}

/// Run `f` without the GIL on a pool of `threads` threads (0: one per core).
pub(crate) fn parallel<R: Send>(py: Python<'_>, threads: usize, f: impl FnOnce() -> R + Send) -> PyResult<R> {
    let p = pool(threads)?;
    Ok(py.detach(|| p.install(f)))
}
