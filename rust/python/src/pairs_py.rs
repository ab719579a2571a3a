//! Bindings of `dedup_core::pairs`: LSH band keys, the candidate pairs of shared band buckets
//! (screened by the signatures or not), crowded buckets, and agreeing signature positions.

use dedup_core::{fingerprint, pairs};
use numpy::ndarray::{Array2, ArrayView2};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::args::{bad, pair_list, ro, ro2};
use crate::pool::parallel;

/// An error unless `n` documents fit pair codes `i * n + j` in an `i64`.
pub(crate) fn check_pair_codes(n: usize) -> PyResult<()> {
    if n > 0 && (n as u128) * (n as u128) > i64::MAX as u128 {
        return Err(bad(format!("{n} documents are too many for pair codes")));
    }
    Ok(())
}

/// `f` of the screen of signatures `sig` (`k` values per row, one row per size) against `t`, on
/// their 4-bit fingerprints, made here.
pub(crate) fn with_screen<R>(sig: &[u32], k: usize, sizes: &[i64], t: pairs::Thresholds, f: impl FnOnce(&pairs::SignatureScreen<'_>) -> R) -> R {
    let w = fingerprint::words(k);
    let mut fp = vec![0u64; sizes.len() * w];
    fingerprint::nibble_fingerprints(sig, k, k, &mut fp);
    f(&pairs::SignatureScreen { sigs: sig, k, fp: &fp, w, sizes, thresholds: t })
}

/// Candidate pair codes `i * n + j` of a `(n, bands)` key array, unsorted (see `dedup_core::pairs`).
#[pyfunction]
#[pyo3(signature = (keys, max_bucket, threads=0))]
fn band_pair_codes<'py>(py: Python<'py>, keys: PyReadonlyArray2<'py, i64>, max_bucket: usize, threads: usize) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (flat, n, bands) = ro2(&keys, "keys")?;
    check_pair_codes(n)?;
    let codes = parallel(py, threads, || pairs::band_pair_codes(flat, n, bands, max_bucket))?;
    Ok(codes.into_pyarray(py))
}

/// The candidate pairs of `band_pair_codes` whose signatures pass the similarity thresholds, as
/// sorted distinct codes `i * n + j` (see `dedup_core::pairs::screened_pair_codes`).
#[pyfunction]
#[pyo3(signature = (keys, max_bucket, sigs, sizes, threshold, containment_threshold, threads=0))]
#[allow(clippy::too_many_arguments)]
fn screened_pair_codes<'py>(
    py: Python<'py>,
    keys: PyReadonlyArray2<'py, i64>,
    max_bucket: usize,
    sigs: PyReadonlyArray2<'py, u32>,
    sizes: PyReadonlyArray1<'py, i64>,
    threshold: f64,
    containment_threshold: f64,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (flat, n, bands) = ro2(&keys, "keys")?;
    let (sig, rows, k) = ro2(&sigs, "sigs")?;
    let sizes = ro(&sizes, "sizes")?;
    if rows != n || sizes.len() != n || k == 0 {
        return Err(bad(format!("keys, sigs and sizes must describe the same {n} documents, with k >= 1")));
    }
    check_pair_codes(n)?;
    let t = pairs::Thresholds { jaccard: threshold, containment: containment_threshold };
    let codes = parallel(py, threads, || {
        with_screen(sig, k, sizes, t, |s| pairs::screened_pair_codes(flat, n, bands, max_bucket, s.sigs, s.k, s.fp, s.w, s.sizes, s.thresholds))
    })?;
    Ok(codes.into_pyarray(py))
}

/// The screened band candidates of signatures (codes, as `screened_pair_codes` gives them for the band keys of
/// `bands` bands of `rows` values) and the crowded rows, in one pass without a key matrix; only the rows `lead`
/// marks are bucketed (see `dedup_core::pairs::band_candidates`).
#[pyfunction]
#[pyo3(signature = (sigs, bands, rows, max_bucket, sizes, lead, threshold, containment_threshold, threads=0))]
#[allow(clippy::too_many_arguments)]
fn band_candidates<'py>(
    py: Python<'py>,
    sigs: PyReadonlyArray2<'py, u32>,
    bands: usize,
    rows: usize,
    max_bucket: usize,
    sizes: PyReadonlyArray1<'py, i64>,
    lead: PyReadonlyArray1<'py, bool>,
    threshold: f64,
    containment_threshold: f64,
    threads: usize,
) -> PyResult<(Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<bool>>)> {
    let (sig, n, k) = ro2(&sigs, "sigs")?;
    let sizes = ro(&sizes, "sizes")?;
    let lead = ro(&lead, "lead")?;
    if sizes.len() != n || lead.len() != n || k == 0 {
        return Err(bad(format!("sigs, sizes and lead must describe the same {n} documents, with k >= 1")));
    }
    if bands.checked_mul(rows).is_none_or(|used| used > k) || rows == 0 {
        return Err(bad(format!("{bands} bands of {rows} rows do not fit the {k} values of a signature")));
    }
    check_pair_codes(n)?;
    let t = pairs::Thresholds { jaccard: threshold, containment: containment_threshold };
    let (codes, hot) = parallel(py, threads, || with_screen(sig, k, sizes, t, |s| pairs::band_candidates(s, bands, rows, max_bucket, lead)))?;
    Ok((codes.into_pyarray(py), hot.into_pyarray(py)))
}

/// Per document: whether it shares a band bucket with more than `max_bucket` documents
/// (see `dedup_core::pairs::crowded`).
#[pyfunction]
#[pyo3(signature = (keys, max_bucket, threads=0))]
fn crowded<'py>(py: Python<'py>, keys: PyReadonlyArray2<'py, i64>, max_bucket: usize, threads: usize) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let (flat, n, bands) = ro2(&keys, "keys")?;
    let out = parallel(py, threads, || pairs::crowded(flat, n, bands, max_bucket))?;
    Ok(out.into_pyarray(py))
}

/// The false positive and false negative areas of every band layout `(bands, rows)` with
/// `bands * rows <= num_perm`, bands outer, by the quadratures `(lo_s, lo_w)` on `[0, t]` and
/// `(hi_s, hi_w)` on `[t, 1]` (see `dedup_core::layout`): `(bands, rows, false_positive, false_negative)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn band_layout_areas<'py>(
    py: Python<'py>,
    num_perm: usize,
    lo_s: PyReadonlyArray1<'py, f64>,
    lo_w: PyReadonlyArray1<'py, f64>,
    hi_s: PyReadonlyArray1<'py, f64>,
    hi_w: PyReadonlyArray1<'py, f64>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>)> {
    let (lo_s, lo_w, hi_s, hi_w) = (ro(&lo_s, "lo_s")?, ro(&lo_w, "lo_w")?, ro(&hi_s, "hi_s")?, ro(&hi_w, "hi_w")?);
    if lo_s.len() != lo_w.len() || hi_s.len() != hi_w.len() {
        return Err(bad("each quadrature needs one weight per node".into()));
    }
    if num_perm == 0 || num_perm > 1 << 16 {
        return Err(bad(format!("num_perm must be in 1..=65536, got {num_perm}")));
    }
    let areas = dedup_core::layout::layout_areas(num_perm, (lo_s, lo_w), (hi_s, hi_w));
    let col = |f: fn(&dedup_core::layout::Areas) -> f64| areas.iter().map(f).collect::<Vec<f64>>().into_pyarray(py);
    let bands: Vec<i64> = areas.iter().map(|a| a.bands as i64).collect();
    let rows: Vec<i64> = areas.iter().map(|a| a.rows as i64).collect();
    Ok((bands.into_pyarray(py), rows.into_pyarray(py), col(|a| a.false_positive), col(|a| a.false_negative)))
}

/// LSH band keys `uint64 (n, bands)` of signatures (see `dedup_core::pairs::band_keys`).
#[pyfunction]
#[pyo3(signature = (sigs, bands, rows, threads=0))]
fn band_keys<'py>(py: Python<'py>, sigs: PyReadonlyArray2<'py, u32>, bands: usize, rows: usize, threads: usize) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let owned;
    let (flat, n, k) = match ro2(&sigs, "sigs") {
        Ok(t) => t,
        Err(_) => {
            owned = sigs.as_array().as_standard_layout().to_owned();
            (owned.as_slice().expect("standard layout"), owned.nrows(), owned.ncols())
        }
    };
    if bands.checked_mul(rows).is_none_or(|used| used > k) {
        return Err(bad(format!("{bands} bands of {rows} rows need more than the {k} values of a signature")));
    }
    let mut out = vec![0u64; n * bands];
    parallel(py, threads, || pairs::band_keys(flat, k, bands, rows, &mut out))?;
    let arr = Array2::from_shape_vec((n, bands), out).map_err(|e| bad(e.to_string()))?;
    Ok(arr.into_pyarray(py))
}

/// Sorted distinct values of a 1-D int64 array.
#[pyfunction]
#[pyo3(signature = (values, threads=0))]
fn sorted_unique<'py>(py: Python<'py>, values: PyReadonlyArray1<'py, i64>, threads: usize) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let mut v = values.as_array().to_vec();
    parallel(py, threads, || pairs::sorted_unique(&mut v))?;
    Ok(v.into_pyarray(py))
}

/// The sorted distinct rows of several `(m, 2)` int64 arrays of non-negative index pairs (see
/// `dedup_core::pairs::union_pairs`), as one `(k, 2)` array.
#[pyfunction]
#[pyo3(signature = (arrays, threads=0))]
fn union_pair_rows<'py>(py: Python<'py>, arrays: Vec<PyReadonlyArray2<'py, i64>>, threads: usize) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let mut lists: Vec<&[i64]> = Vec::with_capacity(arrays.len());
    for a in &arrays {
        let (flat, _, cols) = ro2(a, "pairs")?;
        if cols != 2 && !flat.is_empty() {
            return Err(bad(format!("pairs must have 2 columns, got {cols}")));
        }
        lists.push(flat);
    }
    let rows = parallel(py, threads, || pairs::union_pairs(&lists))?
        .ok_or_else(|| bad("pairs must be non-negative indices small enough for codes i * n + j".into()))?;
    let k = rows.len() / 2;
    Ok(Array2::from_shape_vec((k, 2), rows).map_err(|e| bad(e.to_string()))?.into_pyarray(py))
}

/// Pair codes `i * n + j` as an `(m, 2)` array of `(i, j)` rows, in parallel (numpy's integer
/// division takes tens of nanoseconds a value).
#[pyfunction]
#[pyo3(signature = (codes, n, threads=0))]
fn decode_pairs<'py>(py: Python<'py>, codes: PyReadonlyArray1<'py, i64>, n: i64, threads: usize) -> PyResult<Bound<'py, PyArray2<i64>>> {
    if n < 1 {
        return Err(bad(format!("n must be positive, got {n}")));
    }
    let codes = ro(&codes, "codes")?;
    let mut out = vec![0i64; codes.len() * 2];
    parallel(py, threads, || pairs::decode_pairs(codes, n, &mut out))?;
    Ok(Array2::from_shape_vec((codes.len(), 2), out).map_err(|e| bad(e.to_string()))?.into_pyarray(py))
}

/// Per pair `(i, j)`: agreeing positions of row `i` of `sigs_a` and row `j` of `sigs_b` (any layout).
#[pyfunction]
#[pyo3(signature = (sigs_a, sigs_b, pairs, threads=0))]
fn equal_counts_between<'py>(
    py: Python<'py>,
    sigs_a: PyReadonlyArray2<'py, u32>,
    sigs_b: PyReadonlyArray2<'py, u32>,
    pairs: PyReadonlyArray2<'py, i64>,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (va, vb): (ArrayView2<u32>, ArrayView2<u32>) = (sigs_a.as_array(), sigs_b.as_array());
    if va.ncols() != vb.ncols() {
        return Err(bad(format!("signatures of {} and {} values cannot be compared", va.ncols(), vb.ncols())));
    }
    let list = pair_list(&pairs, va.nrows(), vb.nrows())?;
    let mut out = vec![0i64; list.len()];
    parallel(py, threads, || pairs::equal_counts(va, vb, &list, &mut out))?;
    Ok(out.into_pyarray(py))
}

/// Per pair `(i, j)`: estimated Jaccard and containment of row `i` of `sigs_a` and row `j` of `sigs_b` (any layout)
/// with their shingle-set sizes (see `dedup_core::pairs::estimates_between`).
#[pyfunction]
#[pyo3(signature = (sigs_a, sigs_b, sizes_a, sizes_b, pairs, threads=0))]
#[allow(clippy::type_complexity)]
fn estimates_between<'py>(
    py: Python<'py>,
    sigs_a: PyReadonlyArray2<'py, u32>,
    sigs_b: PyReadonlyArray2<'py, u32>,
    sizes_a: PyReadonlyArray1<'py, i64>,
    sizes_b: PyReadonlyArray1<'py, i64>,
    pairs: PyReadonlyArray2<'py, i64>,
    threads: usize,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>)> {
    let (va, vb): (ArrayView2<u32>, ArrayView2<u32>) = (sigs_a.as_array(), sigs_b.as_array());
    if va.ncols() != vb.ncols() || va.ncols() == 0 {
        return Err(bad(format!("signatures of {} and {} values cannot be compared", va.ncols(), vb.ncols())));
    }
    let (sa, sb) = (ro(&sizes_a, "sizes_a")?, ro(&sizes_b, "sizes_b")?);
    if sa.len() != va.nrows() || sb.len() != vb.nrows() {
        return Err(bad("sizes_a and sizes_b must have one size per signature row".into()));
    }
    let list = pair_list(&pairs, va.nrows(), vb.nrows())?;
    let (mut jac, mut cont) = (vec![0f64; list.len()], vec![0f64; list.len()]);
    parallel(py, threads, || pairs::estimates_between(va, vb, sa, sb, &list, &mut jac, &mut cont))?;
    Ok((jac.into_pyarray(py), cont.into_pyarray(py)))
}

/// Add this module's functions to `dedup._core`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(band_pair_codes, m)?)?;
    m.add_function(wrap_pyfunction!(crowded, m)?)?;
    m.add_function(wrap_pyfunction!(band_candidates, m)?)?;
    m.add_function(wrap_pyfunction!(band_layout_areas, m)?)?;
    m.add_function(wrap_pyfunction!(decode_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(union_pair_rows, m)?)?;
    m.add_function(wrap_pyfunction!(sorted_unique, m)?)?;
    m.add_function(wrap_pyfunction!(screened_pair_codes, m)?)?;
    m.add_function(wrap_pyfunction!(band_keys, m)?)?;
    m.add_function(wrap_pyfunction!(equal_counts_between, m)?)?;
    m.add_function(wrap_pyfunction!(estimates_between, m)?)?;
    Ok(())
}
