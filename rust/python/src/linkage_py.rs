//! Binding of `dedup_core::linkage`: average linkage judged by the signature screen, with the
//! text confirmation a Python callable.

use dedup_core::linkage::{self, Graph, Settings};
use dedup_core::pairs::Thresholds;
use dedup_core::screen::{NumberRule, Screen};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::args::{bad, ro, ro2};

/// Average linkage of nodes `0..n` (see `dedup_core::linkage`): returns the root of each node
/// and each edge's verdict. Only edges between two `hot` nodes (all when `hot` is empty) call for a sample. Unknown node pairs are judged by the screen of rows `first[node]` of
/// `sigs`, `sizes`, `nums`; `confirm`, if not None, is called with an int64 array of edge
/// indices and returns their verdicts (a bool array of the same length).
#[pyfunction]
#[pyo3(signature = (n, left, right, weights, keys, counts, apart, min_fraction, sample_pairs, chunk, first, sigs, sizes, nums,
                    threshold, containment_threshold, number_agreement, min_numbers, max_jaccard, hot, confirm=None))]
#[allow(clippy::too_many_arguments)]
fn average_linkage<'py>(
    py: Python<'py>,
    n: usize,
    left: PyReadonlyArray1<'py, i64>,
    right: PyReadonlyArray1<'py, i64>,
    weights: PyReadonlyArray1<'py, f64>,
    keys: PyReadonlyArray1<'py, i64>,
    counts: PyReadonlyArray1<'py, i64>,
    apart: PyReadonlyArray2<'py, i64>,
    min_fraction: f64,
    sample_pairs: usize,
    chunk: usize,
    first: PyReadonlyArray1<'py, i64>,
    sigs: PyReadonlyArray2<'py, u32>,
    sizes: PyReadonlyArray1<'py, i64>,
    nums: PyReadonlyArray2<'py, u32>,
    threshold: f64,
    containment_threshold: f64,
    number_agreement: f64,
    min_numbers: u64,
    max_jaccard: f64,
    hot: PyReadonlyArray1<'py, bool>,
    confirm: Option<Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i8>>)> {
    let (left, right, weights) = (ro(&left, "left")?, ro(&right, "right")?, ro(&weights, "weights")?);
    let (keys, counts, first) = (ro(&keys, "keys")?, ro(&counts, "counts")?, ro(&first, "first")?);
    let (ap, _, ac) = ro2(&apart, "apart")?;
    let (sig, rows, k) = ro2(&sigs, "sigs")?;
    let sizes = ro(&sizes, "sizes")?;
    let (num, nrows, width) = ro2(&nums, "nums")?;
    let m = left.len();
    if right.len() != m || weights.len() != m {
        return Err(bad(format!("left, right and weights must have one length, got {m}, {}, {}", right.len(), weights.len())));
    }
    if keys.len() != n || counts.len() != n || first.len() != n {
        return Err(bad(format!("keys, counts and first must have one value per node ({n})")));
    }
    if ac != 2 && !ap.is_empty() {
        return Err(bad(format!("apart must have shape (m, 2), got (m, {ac})")));
    }
    if sizes.len() != rows || nrows != rows {
        return Err(bad(format!("sigs, sizes and nums must describe the same documents, got {rows}, {}, {nrows}", sizes.len())));
    }
    if left.iter().chain(right).any(|&x| x < 0 || x as usize >= n) || ap.iter().any(|&x| x < 0 || x as usize >= n) {
        return Err(bad(format!("edge and apart ends must be nodes 0..{n}")));
    }
    if first.iter().any(|&d| d < 0 || d as usize >= rows) {
        return Err(bad(format!("first must name rows 0..{rows} of sigs")));
    }
    let hot = ro(&hot, "hot")?;
    if !hot.is_empty() && hot.len() != n {
        return Err(bad(format!("hot must be empty or have one flag per node ({n}), got {}", hot.len())));
    }
    let apart: Vec<(usize, usize)> = ap.chunks(2).map(|p| (p[0] as usize, p[1] as usize)).collect();
    let g = Graph { n, left, right, weights, keys, counts, apart: &apart, hot };
    let screen = Screen {
        sigs: sig,
        k,
        sizes,
        nums: num,
        width,
        thresholds: Thresholds { jaccard: threshold, containment: containment_threshold },
        numbers: NumberRule { min_agreement: number_agreement, min_numbers, max_jaccard },
    };
    let mut judge = |pairs: &[(usize, usize)]| -> Vec<i8> {
        pairs.iter().map(|&(a, b)| screen.verdict(first[a] as usize, first[b] as usize)).collect()
    };
    let mut error: Option<PyErr> = None;
    let settings = Settings { min_fraction, sample_pairs, chunk };
    let (roots, verdict) = match confirm {
        None => linkage::average_linkage(&g, settings, &mut judge, None),
        Some(f) => {
            let mut call = |idx: &[usize]| -> Vec<bool> {
                if error.is_some() {
                    return vec![false; idx.len()];
                }
                let arg = idx.iter().map(|&k| k as i64).collect::<Vec<i64>>().into_pyarray(py);
                let got = f.call1((arg,)).and_then(|r| {
                    let v: Vec<bool> = r.extract::<Vec<bool>>().or_else(|_| {
                        r.call_method0("tolist")?.extract::<Vec<bool>>()
                    })?;
                    if v.len() != idx.len() {
                        return Err(bad(format!("confirm returned {} verdicts for {} edges", v.len(), idx.len())));
                    }
                    Ok(v)
                });
                match got {
                    Ok(v) => v,
                    Err(e) => {
                        error = Some(e);
                        vec![false; idx.len()]
                    }
                }
            };
            linkage::average_linkage(&g, settings, &mut judge, Some(&mut call))
        }
    };
    if let Some(e) = error {
        return Err(e);
    }
    Ok((roots.into_pyarray(py), verdict.into_pyarray(py)))
}

/// Add this module's functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(average_linkage, m)?)?;
    Ok(())
}
