//! Bindings of `dedup_core::containment`: candidate pairs per length-ratio level.

use dedup_core::{containment, overlap, pairs};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::types::PyString;
use pyo3::prelude::*;

use crate::args::{bad, ro, ro2};
use crate::pairs_py::{check_pair_codes, with_screen};
use crate::pool::parallel;
use crate::texts::py_texts;

/// Screened candidate pair codes `i * n + j` of the length-ratio levels `levels` (rows
/// `(min_ratio, max_ratio, bands, rows)`), sorted and distinct: the pairs that share a bucket of at
/// most `max_bucket` documents in a level whose ratio range holds theirs and whose signatures meet
/// `threshold` or `containment_threshold` (see `dedup_core::containment::level_pair_codes`).
#[pyfunction]
#[pyo3(signature = (sigs, sizes, levels, max_bucket, threshold, containment_threshold, threads=0))]
#[allow(clippy::too_many_arguments)]
fn containment_pair_codes<'py>(
    py: Python<'py>,
    sigs: PyReadonlyArray2<'py, u32>,
    sizes: PyReadonlyArray1<'py, i64>,
    levels: PyReadonlyArray2<'py, f64>,
    max_bucket: usize,
    threshold: f64,
    containment_threshold: f64,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (sig, n, k) = ro2(&sigs, "sigs")?;
    let sizes = ro(&sizes, "sizes")?;
    let (lv, m, cols) = ro2(&levels, "levels")?;
    if sizes.len() != n || k == 0 {
        return Err(bad(format!("sigs and sizes must describe the same {n} documents, with k >= 1")));
    }
    if cols != 4 {
        return Err(bad(format!("levels must have 4 columns (min_ratio, max_ratio, bands, rows), got {cols}")));
    }
    check_pair_codes(n)?;
    let parsed = parse_levels(lv, m, k)?;
    let t = pairs::Thresholds { jaccard: threshold, containment: containment_threshold };
    let codes = parallel(py, threads, || {
        with_screen(sig, k, sizes, t, |s| containment::level_pair_codes(sig, k, sizes, &parsed, max_bucket, |a, c| s.may_pass(a, c), |a, c| s.signatures_pass(a, c)))
    })?;
    Ok(codes.into_pyarray(py))
}

/// The levels of a `(m, 4)` array of rows `(min_ratio, max_ratio, bands, rows)`, checked against
/// signatures of `k` values.
fn parse_levels(lv: &[f64], m: usize, k: usize) -> PyResult<Vec<containment::Level>> {
    let mut parsed = Vec::with_capacity(m);
    for row in lv.chunks(4) {
        let (bands, rows) = (row[2], row[3]);
        if !(bands >= 1.0 && rows >= 1.0 && bands.fract() == 0.0 && rows.fract() == 0.0 && bands * rows <= k as f64) {
            return Err(bad(format!("a level's bands ({bands}) and rows ({rows}) must be positive integers with bands * rows <= {k}")));
        }
        if !(row[0] >= 0.0 && row[0] < row[1]) {
            return Err(bad(format!("a level's ratio range [{}, {}) must be non-empty and non-negative", row[0], row[1])));
        }
        parsed.push(containment::Level { min_ratio: row[0], max_ratio: row[1], bands: bands as usize, rows: rows as usize });
    }
    Ok(parsed)
}

/// Per hit `i`: whether a shared key in level column `columns[i]` (an index into the levels'
/// distinct columns, `dedup.lsh.level_columns`) makes the shingle-set sizes `size_a[i]`, `size_b[i]`
/// a candidate (see `dedup_core::containment::level_allows`).
#[pyfunction]
fn level_allows<'py>(
    py: Python<'py>,
    levels: PyReadonlyArray2<'py, f64>,
    num_perm: usize,
    columns: PyReadonlyArray1<'py, i64>,
    size_a: PyReadonlyArray1<'py, i64>,
    size_b: PyReadonlyArray1<'py, i64>,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let (lv, m, cols) = ro2(&levels, "levels")?;
    if cols != 4 && m > 0 {
        return Err(bad(format!("levels must have 4 columns (min_ratio, max_ratio, bands, rows), got {cols}")));
    }
    let parsed = parse_levels(lv, m, num_perm)?;
    let layout = containment::level_columns(&parsed);
    let (columns, a, b) = (ro(&columns, "columns")?, ro(&size_a, "size_a")?, ro(&size_b, "size_b")?);
    if a.len() != columns.len() || b.len() != columns.len() {
        return Err(bad(format!("columns, size_a and size_b must have one value per hit ({} columns)", columns.len())));
    }
    let mut out = Vec::with_capacity(columns.len());
    for ((&c, &x), &y) in columns.iter().zip(a).zip(b) {
        let column = usize::try_from(c).ok().and_then(|c| layout.get(c)).ok_or_else(|| bad(format!("level column {c} is not one of the {} columns", layout.len())))?;
        out.push(containment::level_allows(&parsed, *column, x, y));
    }
    Ok(out.into_pyarray(py))
}

/// Exact containment `|A & B| / min(|A|, |B|)` of the shingle sets of pairs `(i, j)` of `texts` (see
/// `dedup_core::overlap::containment`).
#[pyfunction]
#[pyo3(signature = (texts, pairs, kind, n, fold, threads=0))]
fn exact_containment<'py>(
    py: Python<'py>,
    texts: Vec<Bound<'py, PyString>>,
    pairs: PyReadonlyArray2<'py, i64>,
    kind: i64,
    n: i64,
    fold: bool,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let kind = dedup_core::shingle::Kind::from_code(kind).ok_or_else(|| bad(format!("kind must be 0 (char) or 1 (word), got {kind}")))?;
    let n = usize::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| bad(format!("n must be a positive integer, got {n}")))?;
    let (flat, m, cols) = ro2(&pairs, "pairs")?;
    if cols != 2 && m > 0 {
        return Err(bad(format!("pairs must have 2 columns, got {cols}")));
    }
    let list = py_texts(&texts)?;
    let mut idx = Vec::with_capacity(m);
    for p in flat.chunks(2) {
        let (a, b) = (p[0], p[1]);
        if a < 0 || b < 0 || a as usize >= list.len() || b as usize >= list.len() {
            return Err(bad(format!("pair ({a}, {b}) is out of range for {} texts", list.len())));
        }
        idx.push((a as usize, b as usize));
    }
    let mut out = vec![0.0f64; m];
    parallel(py, threads, || overlap::containment(&list, &idx, kind, n, fold, &mut out))?;
    Ok(out.into_pyarray(py))
}

/// Add this module's functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(containment_pair_codes, m)?)?;
    m.add_function(wrap_pyfunction!(exact_containment, m)?)?;
    m.add_function(wrap_pyfunction!(level_allows, m)?)?;
    Ok(())
}
