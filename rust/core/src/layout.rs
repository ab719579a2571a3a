//! The error areas of LSH band layouts, from which `dedup.lsh.optimal_bands` picks one.
//!
//! A layout of `b` bands of `r` rows makes two sets of Jaccard `s` candidates with probability
//! `P(s) = 1 - (1 - s^r)^b`. Its false positive area is the integral of `P` below the threshold
//! `t`, its false negative area the integral of `1 - P` above it (datasketch's definition). Both
//! are taken by a quadrature the caller gives (nodes and weights on `[0, t]` and `[t, 1]`), for
//! every layout with `b * r <= num_perm`, bands outer, rows inner (the order in which the first
//! of equal minima wins). The powers are `f64::powf` (the C library's `pow`, as numpy's `**`);
//! `s^r` is taken once per row count and node.

/// One band layout and its error areas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Areas {
    pub bands: usize,
    pub rows: usize,
    pub false_positive: f64,
    pub false_negative: f64,
}

/// The [`Areas`] of every layout `(bands, rows)` with `bands * rows <= num_perm`, bands outer.
/// `lo` and `hi` are `(nodes, weights)` of the quadratures on `[0, t]` and `[t, 1]`.
pub fn layout_areas(num_perm: usize, lo: (&[f64], &[f64]), hi: (&[f64], &[f64])) -> Vec<Areas> {
    let powers = |nodes: &[f64]| -> Vec<Vec<f64>> { (0..=num_perm).map(|r| nodes.iter().map(|&s| s.powf(r as f64)).collect()).collect() };
    let (lo_pow, hi_pow) = (powers(lo.0), powers(hi.0));
    let mut out = Vec::new();
    for b in 1..=num_perm {
        let bf = b as f64;
        for r in 1..=num_perm / b {
            let false_positive = lo_pow[r].iter().zip(lo.1).map(|(&q, &w)| (1.0 - (1.0 - q).powf(bf)) * w).sum();
            let false_negative = hi_pow[r].iter().zip(hi.1).map(|(&q, &w)| (1.0 - (1.0 - (1.0 - q).powf(bf))) * w).sum();
            out.push(Areas { bands: b, rows: r, false_positive, false_negative });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_in_order_with_its_areas() {
        // Two nodes of weight 1/2 per side of t = 0.5, num_perm 3: layouts (1,1) (1,2) (1,3) (2,1) (3,1).
        let (lo_s, hi_s, w) = ([0.1, 0.4], [0.6, 0.9], [0.25, 0.25]);
        let got = layout_areas(3, (&lo_s, &w), (&hi_s, &w));
        let shape: Vec<(usize, usize)> = got.iter().map(|a| (a.bands, a.rows)).collect();
        assert_eq!(shape, vec![(1, 1), (1, 2), (1, 3), (2, 1), (3, 1)]);
        // One band of one row: P(s) = s, so the areas are the weighted nodes.
        assert!((got[0].false_positive - 0.125).abs() < 1e-15 && (got[0].false_negative - 0.125).abs() < 1e-15);
        // Two bands of one row: P(s) = 1 - (1 - s)^2.
        let p = |s: f64| 1.0 - (1.0 - s) * (1.0 - s);
        assert!((got[3].false_positive - 0.25 * (p(0.1) + p(0.4))).abs() < 1e-15);
        assert!((got[3].false_negative - 0.25 * (2.0 - p(0.6) - p(0.9))).abs() < 1e-15);
    }
}
