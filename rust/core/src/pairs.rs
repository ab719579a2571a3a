//! Candidate pairs from LSH band keys, and how far two signatures agree.

use ndarray::ArrayView2;
use rayon::prelude::*;

/// LSH band keys (`dedup.lsh.LSH.keys`): per band of `rows` consecutive signature values,
/// `h = 0x9E3779B97F4A7C15`, then per value `h = (h ^ v) * P; h ^= h >> 29` (FNV prime `P`).
/// `sigs` holds rows of `k` values; `out` gets `bands` keys per row, in parallel.
pub fn band_keys(sigs: &[u32], k: usize, bands: usize, rows: usize, out: &mut [u64]) {
    if bands == 0 {
        return;
    }
    out.par_chunks_mut(bands).zip(sigs.par_chunks(k.max(1))).for_each(|(keys, sig)| band_keys_of(sig, 0, rows, keys));
}

/// The first value of every band key (see [`band_keys`]).
const BAND_BASIS: u64 = 0x9E37_79B9_7F4A_7C15;

/// The key of band `band` (values `band * rows .. (band + 1) * rows`) of one signature, as
/// [`band_keys`] states it: the reference the tests hold [`band_keys_of`] to.
#[cfg(test)]
pub(crate) fn band_key(sig: &[u32], band: usize, rows: usize) -> u64 {
    let mut h = BAND_BASIS;
    for &v in &sig[band * rows..(band + 1) * rows] {
        h = (h ^ v as u64).wrapping_mul(crate::hash::FNV_PRIME);
        h ^= h >> 29;
    }
    h
}

/// The keys (see [`band_keys`]) of the `out.len()` consecutive bands from `first` (`rows` values
/// each) of one signature, into `out`, their chains of multiplies side by side, so they overlap.
#[inline]
pub fn band_keys_of(sig: &[u32], first: usize, rows: usize, out: &mut [u64]) {
    out.fill(BAND_BASIS);
    let values = &sig[first * rows..(first + out.len()) * rows];
    for j in 0..rows {
        for (b, h) in out.iter_mut().enumerate() {
            *h = (*h ^ values[b * rows + j] as u64).wrapping_mul(crate::hash::FNV_PRIME);
            *h ^= *h >> 29;
        }
    }
}

/// Candidate pair codes `i * n + j` (`i < j`) of an `n x bands` key matrix (row-major), sorted
/// and distinct: in each band, the pairs of the bucket rule ([`crate::buckets`]: every pair of a
/// bucket's first `max_bucket` members, each later member with the first two).
pub fn band_pair_codes(keys: &[i64], n: usize, bands: usize, max_bucket: usize) -> Vec<i64> {
    crate::buckets::rule_codes(n, bands, max_bucket, |d, b| keys[d * bands + b] as u64, |_| true, |_, _, _| true)
}

/// Per document of an `n x bands` key matrix (row-major): whether, in some band, it shares a
/// bucket of more than `max_bucket` documents -- one [`band_pair_codes`] lists only a sample
/// of the pairs of, so the candidates of such a document are a sample of its matches.
pub fn crowded(keys: &[i64], n: usize, bands: usize, max_bucket: usize) -> Vec<bool> {
    if n == 0 || bands == 0 {
        return vec![false; n];
    }
    crate::buckets::crowded(n, bands, max_bucket, |d, b| keys[d * bands + b] as u64, |_| true)
}

/// The similarity thresholds of the screen (`dedup.verify.Verifier.passes_thresholds`).
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// Estimated Jaccard at or above which a pair passes.
    pub jaccard: f64,
    /// Estimated containment of the smaller set at or above which a pair passes.
    pub containment: f64,
}

impl Thresholds {
    /// Whether `agree` equal positions of `k` (or an upper bound of them) pass, for shingle-set sizes
    /// `sa` and `sb`: `J = agree / k`, `C = min(J / (1 + J) * (sa + sb) / min(sa, sb), 1)`, both 0
    /// when a set is empty -- the float operations of `dedup.verify.estimates`, in its order, so the
    /// answer is the same bit for bit. Both estimates grow with `agree`.
    #[inline]
    pub fn pass(&self, agree: i64, k: usize, sa: i64, sb: i64) -> bool {
        let (sa, sb) = (sa as f64, sb as f64);
        let small = sa.min(sb);
        if !(small > 0.0) {
            return 0.0 >= self.jaccard || 0.0 >= self.containment;
        }
        let jac = agree as f64 / k as f64;
        let inter = jac / (1.0 + jac) * (sa + sb);
        let cont = (inter / small).min(1.0);
        jac >= self.jaccard || cont >= self.containment
    }
}

/// The candidate pairs of [`band_pair_codes`] among documents with shingles that pass `thresholds`, as sorted distinct codes
/// `i * n + j`, without holding the candidates that fail: each candidate is screened as it is
/// made, first by the 4-bit fingerprints (`fp`, `w` words per row: an upper bound on the agreeing
/// positions, 1/8 of the bytes), then by the signatures (`sigs`, `k` values per row).
///
/// The result is exactly the candidates of [`band_pair_codes`] whose signatures pass: on corpora
/// where 99% of candidates fail, memory follows the pairs that pass, not the candidates.
#[allow(clippy::too_many_arguments)]
pub fn screened_pair_codes(
    keys: &[i64],
    n: usize,
    bands: usize,
    max_bucket: usize,
    sigs: &[u32],
    k: usize,
    fp: &[u64],
    w: usize,
    sizes: &[i64],
    thresholds: Thresholds,
) -> Vec<i64> {
    let screen = SignatureScreen { sigs, k, fp, w, sizes, thresholds };
    let live = |d: usize| sizes[d] > 0;
    crate::buckets::rule_codes_confirmed(
        n,
        bands,
        max_bucket,
        |d, first, out: &mut [u64]| out.iter_mut().zip(&keys[d * bands + first..]).for_each(|(o, &k)| *o = k as u64),
        live,
        live,
        |a, c, _| screen.may_pass(a, c),
        |a, c| screen.signatures_pass(a, c),
    )
    .0
}

/// The screened band candidates of signatures and who is crowded, in one pass, without a key
/// matrix: band keys ([`band_key`], `bands` bands of `rows` values) made per column as it is
/// bucketed. The buckets hold the rows `lead` marks; `crowded` is [`crowded`] of those rows, and
/// the codes are [`screened_pair_codes`] of the lead rows with shingles (`sizes > 0`) -- each the
/// result of the lead rows alone, at their places. Returns `(codes, crowded)`.
pub fn band_candidates(screen: &SignatureScreen<'_>, bands: usize, rows: usize, max_bucket: usize, lead: &[bool]) -> (Vec<i64>, Vec<bool>) {
    let (sigs, k, sizes) = (screen.sigs, screen.k, screen.sizes);
    crate::buckets::rule_codes_confirmed(
        sizes.len(),
        bands,
        max_bucket,
        |d, first, out: &mut [u64]| band_keys_of(&sigs[d * k..(d + 1) * k], first, rows, out),
        |d| lead[d],
        |d| sizes[d] > 0,
        |a, c, _| screen.may_pass(a, c),
        |a, c| screen.signatures_pass(a, c),
    )
}

/// The screen of a candidate pair of rows: whether their signatures pass [`Thresholds`], first
/// judged by the 4-bit fingerprints (`fp`, `w` words per row: an upper bound on the agreeing
/// positions, 1/8 of the bytes), then by the signatures (`sigs`, `k` values per row).
#[derive(Clone, Copy)]
pub struct SignatureScreen<'a> {
    /// Signatures, `k` values per row.
    pub sigs: &'a [u32],
    /// Values per signature.
    pub k: usize,
    /// 4-bit fingerprints of the signatures ([`crate::fingerprint::nibble_fingerprints`]).
    pub fp: &'a [u64],
    /// Fingerprint words per row.
    pub w: usize,
    /// Shingle-set sizes, one per row.
    pub sizes: &'a [i64],
    /// The thresholds a pair must meet.
    pub thresholds: Thresholds,
}

impl SignatureScreen<'_> {
    /// Whether rows `a` and `c` pass the thresholds (the fingerprint bound rules most pairs out):
    /// [`may_pass`](Self::may_pass), then [`signatures_pass`](Self::signatures_pass).
    #[inline]
    pub fn passes(&self, a: usize, c: usize) -> bool {
        self.may_pass(a, c) && self.signatures_pass(a, c)
    }

    /// The cheap half of [`passes`](Self::passes): the fingerprints' bound on the agreeing positions meets the thresholds.
    #[inline]
    pub fn may_pass(&self, a: usize, c: usize) -> bool {
        let (k, w) = (self.k, self.w);
        let bound = crate::fingerprint::agree_upper_bound(&self.fp[a * w..(a + 1) * w], &self.fp[c * w..(c + 1) * w], k as i64);
        self.thresholds.pass(bound, k, self.sizes[a], self.sizes[c])
    }

    /// The exact half of [`passes`](Self::passes): the signatures' agreeing positions meet the thresholds.
    #[inline]
    pub fn signatures_pass(&self, a: usize, c: usize) -> bool {
        let k = self.k;
        let agree = agreeing(&self.sigs[a * k..(a + 1) * k], &self.sigs[c * k..(c + 1) * k]);
        self.thresholds.pass(agree, k, self.sizes[a], self.sizes[c])
    }
}

/// Per pair `(i, j)`: how many positions of row `i` of `sigs_a` and row `j` of `sigs_b` agree, in
/// parallel. The matrices may be strided views (the index's signature cache is one).
pub fn equal_counts(sigs_a: ArrayView2<u32>, sigs_b: ArrayView2<u32>, pairs: &[(usize, usize)], out: &mut [i64]) {
    out.par_iter_mut().zip(pairs.par_iter()).for_each(|(o, &(a, b))| *o = rows_agree(sigs_a, a, sigs_b, b));
}

/// How many positions of row `a` of `sigs_a` and row `b` of `sigs_b` agree (any layout).
#[inline]
fn rows_agree(sigs_a: ArrayView2<u32>, a: usize, sigs_b: ArrayView2<u32>, b: usize) -> i64 {
    let (ra, rb) = (sigs_a.row(a), sigs_b.row(b));
    match (ra.as_slice(), rb.as_slice()) {
        (Some(x), Some(y)) => agreeing(x, y), // contiguous rows: a loop the compiler vectorizes
        _ => ra.iter().zip(rb.iter()).filter(|(x, y)| x == y).count() as i64,
    }
}

/// Per pair `(i, j)`: the estimated Jaccard and containment of row `i` of `sigs_a` (shingle-set size
/// `sizes_a[i]`) and row `j` of `sigs_b` (`sizes_b[j]`), in parallel: `dedup.verify.estimates` of their
/// agreeing positions, with its float operations in its order (`J = agree / k`,
/// `C = min(J / (1 + J) * (sa + sb) / min(sa, sb), 1)`, both 0 when a set is empty), so the values are
/// numpy's to the bit, without its temporary arrays.
#[allow(clippy::too_many_arguments)]
pub fn estimates_between(
    sigs_a: ArrayView2<u32>,
    sigs_b: ArrayView2<u32>,
    sizes_a: &[i64],
    sizes_b: &[i64],
    pairs: &[(usize, usize)],
    jac: &mut [f64],
    cont: &mut [f64],
) {
    let k = sigs_a.ncols() as f64;
    jac.par_iter_mut().zip(cont.par_iter_mut()).zip(pairs.par_iter()).for_each(|((j_out, c_out), &(a, b))| {
        let j = rows_agree(sigs_a, a, sigs_b, b) as f64 / k;
        let (sa, sb) = (sizes_a[a] as f64, sizes_b[b] as f64);
        let small = sa.min(sb);
        let inter = j / (1.0 + j) * (sa + sb);
        *c_out = if small > 0.0 { (inter / small).min(1.0) } else { 0.0 };
        *j_out = if small > 0.0 { j } else { 0.0 };
    });
}

/// How many positions of two equally long rows agree.
#[inline]
fn agreeing(x: &[u32], y: &[u32]) -> i64 {
    x.iter().zip(y).map(|(a, b)| (a == b) as i64).sum()
}

/// Sorted distinct values.
pub fn sorted_unique(values: &mut Vec<i64>) {
    values.par_sort_unstable();
    values.dedup();
}

/// The sorted distinct union of lists of pairs `(i, j)` of non-negative indices (each list `2 * m`
/// values, row-major), as row-major pairs: merged as codes `i * n + j` (`n` one more than the
/// largest index) in linear time when every list is sorted and distinct (candidate lists are),
/// else sorted in parallel. `None` when an index is negative or the codes would overflow.
pub fn union_pairs(lists: &[&[i64]]) -> Option<Vec<i64>> {
    let top = lists.iter().flat_map(|l| l.iter()).copied().max();
    let Some(top) = top else {
        return Some(Vec::new());
    };
    if lists.iter().flat_map(|l| l.iter()).any(|&v| v < 0) {
        return None;
    }
    let n = top.checked_add(1)?;
    n.checked_mul(n)?;
    let codes: Vec<Vec<i64>> = lists.par_iter().map(|l| l.chunks_exact(2).map(|p| p[0] * n + p[1]).collect()).collect();
    let merged = if codes.iter().all(|c| c.windows(2).all(|w| w[0] < w[1])) {
        codes.iter().fold(Vec::new(), |acc, c| crate::buckets::merge_unique(&acc, c))
    } else {
        let mut all: Vec<i64> = codes.concat();
        sorted_unique(&mut all);
        all
    };
    let mut out = vec![0i64; merged.len() * 2];
    decode_pairs(&merged, n, &mut out);
    Some(out)
}

/// The pairs `(code / n, code % n)` of pair codes `i * n + j`, as rows of `out` (two values per
/// code), in parallel. `n` must be positive.
pub fn decode_pairs(codes: &[i64], n: i64, out: &mut [i64]) {
    out.par_chunks_mut(2).zip(codes.par_iter()).for_each(|(pair, &c)| {
        pair[0] = c.div_euclid(n);
        pair[1] = c.rem_euclid(n);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(codes: &[i64], n: usize) -> Vec<(usize, usize)> {
        let mut v: Vec<(usize, usize)> = codes.iter().map(|&c| ((c as usize) / n, (c as usize) % n)).collect();
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn band_pairs_follow_the_bucket_rule() {
        // 4 documents, 2 bands: 0,1,2 share band 0; 0,1 share band 1 too (listed once).
        let keys = [5, 9, 5, 9, 5, 7, 6, 8];
        assert_eq!(decode(&band_pair_codes(&keys, 4, 2, 8), 4), vec![(0, 1), (0, 2), (1, 2)]);
        // one hot bucket of 6, cap 3: the first three pair among themselves, the rest with the first two
        let pairs = decode(&band_pair_codes(&[1i64; 6], 6, 1, 3), 6);
        assert_eq!(pairs, vec![(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 2), (1, 3), (1, 4), (1, 5)]);
    }

    #[test]
    fn screened_pairs_are_the_candidates_that_pass() {
        // 6 documents in one band bucket (hot above max_bucket 2) and another band.
        let n = 6;
        let keys: Vec<i64> = (0..n).flat_map(|d| [7, (d % 2) as i64]).collect();
        let k = 16;
        let sigs: Vec<u32> = (0..n).flat_map(|d| (0..k).map(move |j| if j < 4 + 2 * d { 1 } else { (100 * d + j) as u32 })).collect();
        let sizes = vec![50i64; n];
        let w = crate::fingerprint::words(k);
        let mut fp = vec![0u64; n * w];
        crate::fingerprint::nibble_fingerprints(&sigs, k, k, &mut fp);
        let t = Thresholds { jaccard: 0.5, containment: 1.1 };
        let got = screened_pair_codes(&keys, n, 2, 2, &sigs, k, &fp, w, &sizes, t);
        let mut want: Vec<i64> = band_pair_codes(&keys, n, 2, 2)
            .into_iter()
            .filter(|&c| {
                let (a, b) = ((c as usize) / n, (c as usize) % n);
                let agree = (0..k).filter(|&j| sigs[a * k + j] == sigs[b * k + j]).count();
                t.pass(agree as i64, k, 50, 50)
            })
            .collect();
        sorted_unique(&mut want);
        assert!(!want.is_empty());
        assert_eq!(got, want);
    }

    #[test]
    fn band_candidates_are_the_screened_pairs_and_crowded_rows_of_the_lead_rows() {
        // 40 signatures of 4 templates (hot buckets at max_bucket 3), some rows left out, some empty.
        let (n, k, bands, rows) = (40, 16, 4, 2);
        let sigs: Vec<u32> = (0..n)
            .flat_map(|d| (0..k).map(move |j| if (d * 7 + j) % 5 == 0 { (1000 * d + j) as u32 } else { (d % 4 * 10 + j % 3) as u32 }))
            .collect();
        let sizes: Vec<i64> = (0..n).map(|d| if d % 11 == 10 { 0 } else { 30 + d as i64 }).collect();
        let lead: Vec<bool> = (0..n).map(|d| d % 6 != 5).collect();
        let w = crate::fingerprint::words(k);
        let mut fp = vec![0u64; n * w];
        crate::fingerprint::nibble_fingerprints(&sigs, k, k, &mut fp);
        let t = Thresholds { jaccard: 0.4, containment: 0.9 };
        let screen = SignatureScreen { sigs: &sigs, k, fp: &fp, w, sizes: &sizes, thresholds: t };
        let (codes, hot) = band_candidates(&screen, bands, rows, 3, &lead);
        // The reference: the key matrix, crowded with the lead mask, screened pairs with the others' sizes 0.
        let mut keys = vec![0u64; n * bands];
        band_keys(&sigs, k, bands, rows, &mut keys);
        let keys: Vec<i64> = keys.into_iter().map(|x| x as i64).collect();
        let masked: Vec<i64> = (0..n).map(|d| if lead[d] { sizes[d] } else { 0 }).collect();
        let want = screened_pair_codes(&keys, n, bands, 3, &sigs, k, &fp, w, &masked, t);
        assert!(!want.is_empty());
        assert_eq!(codes, want);
        // Crowded: that of the lead rows' keys alone, at their places.
        let rows_in: Vec<usize> = (0..n).filter(|&d| lead[d]).collect();
        let sub: Vec<i64> = rows_in.iter().flat_map(|&d| keys[d * bands..(d + 1) * bands].to_vec()).collect();
        let mut want_hot = vec![false; n];
        for (x, h) in crowded(&sub, rows_in.len(), bands, 3).into_iter().enumerate() {
            want_hot[rows_in[x]] = h;
        }
        assert!(want_hot.iter().any(|&h| h));
        assert_eq!(hot, want_hot);
    }

    #[test]
    fn pair_codes_decode_to_their_rows() {
        let mut out = vec![0i64; 6];
        decode_pairs(&[3, 2 * 7 + 6, 6 * 7], 7, &mut out);
        assert_eq!(out, vec![0, 3, 2, 6, 6, 0]);
    }

    #[test]
    fn union_pairs_are_the_sorted_distinct_rows() {
        let sorted_lists: [&[i64]; 2] = [&[0, 1, 0, 5, 3, 4], &[0, 5, 2, 9, 3, 4, 9, 9]];
        assert_eq!(union_pairs(&sorted_lists), Some(vec![0, 1, 0, 5, 2, 9, 3, 4, 9, 9]));
        let unsorted: [&[i64]; 2] = [&[3, 4, 0, 1, 3, 4], &[]];
        assert_eq!(union_pairs(&unsorted), Some(vec![0, 1, 3, 4]));
        assert_eq!(union_pairs(&[]), Some(vec![]));
        assert_eq!(union_pairs(&[&[0, -1]]), None);
    }

    #[test]
    fn crowded_documents_share_a_big_bucket() {
        // 2 bands: documents 0-3 share band 0; 4 is alone in both; 1 and 4 share band 1.
        let keys = [1, 10, 1, 11, 1, 12, 1, 13, 2, 11];
        assert_eq!(crowded(&keys, 5, 2, 3), vec![true, true, true, true, false]);
        assert_eq!(crowded(&keys, 5, 2, 4), vec![false; 5]);
    }

    #[test]
    fn thresholds_follow_the_estimates() {
        let t = Thresholds { jaccard: 0.5, containment: 0.9 };
        assert!(t.pass(8, 16, 10, 10));
        assert!(!t.pass(7, 16, 10, 10));
        assert!(t.pass(4, 16, 10, 1000)); // J = 0.25, containment of the small set ~ 1
        assert!(!t.pass(16, 16, 0, 10));
    }

    #[test]
    fn equal_counts_per_pair() {
        let sigs = ndarray::Array2::from_shape_vec((2, 3), vec![1u32, 2, 3, 1, 2, 4]).unwrap();
        let mut out = [0i64; 2];
        equal_counts(sigs.view(), sigs.view(), &[(0, 1), (1, 1)], &mut out);
        assert_eq!(out, [2, 3]);
    }
}
