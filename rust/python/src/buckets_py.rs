//! Bindings of `dedup_core::buckets`: the candidate rule of a bucket, for engines that group the
//! buckets themselves (Spark) or add a batch to stored buckets (the persistent index).

use dedup_core::buckets;
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::args::{bad, offsets, ro};

/// The pairs of buckets given as lists, `int64 (m, 3)` rows `(a, c, bucket)`: bucket `b` holds
/// `members[starts[b]:starts[b + 1]]` in document order, after `ahead[b]` members not listed; each
/// member `c` pairs with the listed members `a` before it that the bucket rule gives it (see
/// `dedup_core::buckets::grouped_pairs`).
#[pyfunction]
fn bucket_pairs<'py>(
    py: Python<'py>,
    members: PyReadonlyArray1<'py, i64>,
    starts: PyReadonlyArray1<'py, i64>,
    ahead: PyReadonlyArray1<'py, i64>,
    cap: usize,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let members = ro(&members, "members")?;
    let starts = offsets(ro(&starts, "starts")?, members.len())?;
    let ahead: Vec<usize> = ro(&ahead, "ahead")?
        .iter()
        .map(|&x| usize::try_from(x).map_err(|_| bad(format!("ahead must be non-negative, got {x}"))))
        .collect::<PyResult<_>>()?;
    let pairs = py.detach(|| buckets::grouped_pairs(members, &starts, &ahead, cap)).ok_or_else(|| {
        bad(format!(
            "starts ({} values) must rise from 0 to the {} members, with one ahead count per bucket ({} given)",
            starts.len(),
            members.len(),
            ahead.len()
        ))
    })?;
    let flat: Vec<i64> = pairs.iter().flat_map(|&(a, c, b)| [a, c, b as i64]).collect();
    let arr = Array2::from_shape_vec((pairs.len(), 3), flat).map_err(|e| bad(e.to_string()))?;
    Ok(arr.into_pyarray(py))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bucket_pairs, m)?)?;
    m.add("TAIL_HUBS", buckets::TAIL_HUBS)?;
    Ok(())
}
