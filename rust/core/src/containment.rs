//! Containment-aware candidate pairs: LSH bands per length-ratio level (LSH Ensemble style).
//!
//! A short part of a long document has a Jaccard similarity near the ratio of their shingle-set
//! sizes even when it is wholly contained, so bands tuned for a Jaccard threshold rarely propose
//! it. As in LSH Ensemble (Zhu et al., VLDB 2016), pairs are partitioned by size: a [`Level`] covers
//! the pairs whose ratio `smaller / larger` lies in `[min_ratio, max_ratio)` and has its own band
//! layout, tuned for the Jaccard a pair of that ratio has at the containment threshold. A level's
//! bands propose only the pairs of its ratio range, so looser bands for small ratios do not flood
//! the candidates with pairs of equal-size documents, which the Jaccard bands cover.
//!
//! The band keys are those of [`crate::pairs::band_keys`] (`rows` consecutive signature values per
//! band). Levels with the same rows share their first bands, so each distinct *column* (rows, band)
//! is keyed once, and its buckets follow the rule of every other column ([`crate::buckets`]); a
//! pair it proposes is kept when a level
//! whose bands include that column holds the pair's size ratio.

/// One length-ratio level: its ratio range and band layout.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Level {
    /// Smallest ratio `smaller / larger` of the shingle-set sizes proposed (inclusive).
    pub min_ratio: f64,
    /// Largest ratio proposed (exclusive; above 1 to include equal sizes).
    pub max_ratio: f64,
    /// Bands of the level's layout.
    pub bands: usize,
    /// Consecutive signature values per band.
    pub rows: usize,
}

/// The distinct columns `(rows, band)` of `levels`, by rows (largest first) then band: the order of
/// `dedup.lsh.level_columns`, which the persistent index files its level keys in.
pub fn level_columns(levels: &[Level]) -> Vec<(usize, usize)> {
    let mut widest: Vec<(usize, usize)> = Vec::new(); // (rows, bands)
    for l in levels {
        match widest.iter_mut().find(|(r, _)| *r == l.rows) {
            Some(w) => w.1 = w.1.max(l.bands),
            None => widest.push((l.rows, l.bands)),
        }
    }
    widest.sort_by(|x, y| y.0.cmp(&x.0));
    widest.into_iter().flat_map(|(r, bands)| (0..bands).map(move |b| (r, b))).collect()
}

/// Whether a pair of shingle-set sizes `a`, `b` sharing a key in `column` is a candidate: some level
/// whose bands include the column holds the ratio `smaller / larger` (the rule of
/// `dedup.lsh.level_allows`). Never for an empty set.
pub fn level_allows(levels: &[Level], column: (usize, usize), a: i64, b: i64) -> bool {
    let (small, large) = (a.min(b), a.max(b));
    if small <= 0 {
        return false;
    }
    let ratio = small as f64 / large as f64;
    levels.iter().any(|l| l.rows == column.0 && column.1 < l.bands && ratio >= l.min_ratio && ratio < l.max_ratio)
}

/// Candidate pair codes `i * n + j` (`i < j`) of `n` signatures (`k` values per row) and their
/// shingle-set sizes, sorted and distinct: the pairs the bucket rule proposes ([`crate::buckets`],
/// cap `max_bucket`) in a column of the levels' layouts, allowed there by
/// [`level_allows`], and for which `keep(a, c)` (tested as each is made, so the pairs that fail
/// are never held) and `confirm(a, c)` hold (asked once per distinct pair of a merge group of
/// columns, see [`crate::buckets::rule_codes_confirmed`]). Documents of size 0 are never proposed.
pub fn level_pair_codes(
    sigs: &[u32],
    k: usize,
    sizes: &[i64],
    levels: &[Level],
    max_bucket: usize,
    keep: impl Fn(usize, usize) -> bool + Sync,
    confirm: impl Fn(usize, usize) -> bool + Sync,
) -> Vec<i64> {
    let usable: Vec<Level> = levels.iter().copied().filter(|l| l.rows >= 1 && l.bands * l.rows <= k && l.min_ratio < l.max_ratio).collect();
    let columns = level_columns(&usable);
    let live = |d: usize| sizes[d] > 0;
    crate::buckets::rule_codes_confirmed(
        sizes.len(),
        columns.len(),
        max_bucket,
        |d, first, out: &mut [u64]| column_keys(&sigs[d * k..(d + 1) * k], &columns[first..first + out.len()], out),
        live,
        live,
        |a, c, col| level_allows(&usable, columns[col], sizes[a], sizes[c]) && keep(a, c),
        confirm,
    )
    .0
}

/// The keys of one signature in `columns` (consecutive ones of [`level_columns`]), into `out`: each run of
/// columns of the same rows (their bands consecutive) at once ([`crate::pairs::band_keys_of`]).
fn column_keys(sig: &[u32], columns: &[(usize, usize)], out: &mut [u64]) {
    let mut at = 0;
    while at < columns.len() {
        let (rows, first) = columns[at];
        let run = columns[at..].iter().enumerate().take_while(|&(i, &(r, b))| r == rows && b == first + i).count();
        crate::pairs::band_keys_of(sig, first, rows, &mut out[at..at + run]);
        at += run;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(codes: &[i64], n: usize) -> Vec<(usize, usize)> {
        codes.iter().map(|&c| ((c as usize) / n, (c as usize) % n)).collect()
    }

    #[test]
    fn a_level_proposes_only_pairs_of_its_ratio_range() {
        // 4 documents with one identical signature: sizes 100, 90, 30, 10.
        let k = 4;
        let sigs = vec![7u32; 4 * k];
        let sizes = [100, 90, 30, 10];
        let wide = [Level { min_ratio: 0.25, max_ratio: 0.5, bands: 2, rows: 2 }];
        // 30/100 and 30/90 are in [0.25, 0.5); 10/30 too; 90/100 and 10/90 are not.
        assert_eq!(decode(&level_pair_codes(&sigs, k, &sizes, &wide, 8, |_, _| true, |_, _| true), 4), vec![(0, 2), (1, 2), (2, 3)]);
        let two = [wide[0], Level { min_ratio: 0.5, max_ratio: 1.01, bands: 1, rows: 4 }];
        assert_eq!(decode(&level_pair_codes(&sigs, k, &sizes, &two, 8, |_, _| true, |_, _| true), 4), vec![(0, 1), (0, 2), (1, 2), (2, 3)]);
        // keep() filters; size 0 never.
        assert_eq!(decode(&level_pair_codes(&sigs, k, &sizes, &wide, 8, |a, c| a + c != 2, |_, _| true), 4), vec![(1, 2), (2, 3)]);
        assert!(level_pair_codes(&sigs, k, &[0, 0, 30, 100], &wide, 8, |_, _| true, |_, _| true) == vec![2 * 4 + 3]);
        // a bucket above max_bucket (1): each later member with the first two only (documents 0, 1)
        assert_eq!(decode(&level_pair_codes(&sigs, k, &sizes, &wide, 1, |_, _| true, |_, _| true), 4), vec![(0, 2), (1, 2)]);
    }

    #[test]
    fn keys_of_a_run_of_columns_are_each_columns_key() {
        let sig: Vec<u32> = (0..64u32).map(|i| i.wrapping_mul(2_654_435_761)).collect();
        let levels = [
            Level { min_ratio: 0.5, max_ratio: 1.01, bands: 5, rows: 3 },
            Level { min_ratio: 0.25, max_ratio: 0.5, bands: 7, rows: 2 },
            Level { min_ratio: 0.1, max_ratio: 0.25, bands: 9, rows: 2 },
        ];
        let columns = level_columns(&levels);
        let want: Vec<u64> = columns.iter().map(|&(rows, band)| crate::pairs::band_key(&sig, band, rows)).collect();
        for first in 0..columns.len() {
            for len in 1..=(columns.len() - first).min(8) {
                let mut out = vec![0u64; len];
                column_keys(&sig, &columns[first..first + len], &mut out);
                assert_eq!(out, want[first..first + len], "columns {first}..{}", first + len);
            }
        }
    }

    #[test]
    fn columns_are_shared_by_levels_of_the_same_rows() {
        let levels = [
            Level { min_ratio: 0.5, max_ratio: 1.01, bands: 2, rows: 3 },
            Level { min_ratio: 0.25, max_ratio: 0.5, bands: 3, rows: 2 },
            Level { min_ratio: 0.1, max_ratio: 0.25, bands: 4, rows: 2 },
        ];
        assert_eq!(level_columns(&levels), vec![(3, 0), (3, 1), (2, 0), (2, 1), (2, 2), (2, 3)]);
        assert!(level_allows(&levels, (2, 1), 30, 100) && level_allows(&levels, (2, 1), 20, 100));
        assert!(!level_allows(&levels, (2, 3), 30, 100) && level_allows(&levels, (2, 3), 20, 100));
        assert!(!level_allows(&levels, (3, 0), 30, 100) && !level_allows(&levels, (2, 0), 0, 100));
    }

    #[test]
    fn pairs_must_share_a_band() {
        // Documents 0 and 1 agree on the first band only, 2 on no band with either.
        let k = 4;
        let sigs = [1u32, 2, 3, 4, 1, 2, 9, 9, 5, 6, 7, 8];
        let sizes = [40, 100, 100];
        let level = [Level { min_ratio: 0.3, max_ratio: 1.01, bands: 2, rows: 2 }];
        assert_eq!(decode(&level_pair_codes(&sigs, k, &sizes, &level, 8, |_, _| true, |_, _| true), 3), vec![(0, 1)]);
        let one_band_of_four = [Level { min_ratio: 0.3, max_ratio: 1.01, bands: 1, rows: 4 }];
        assert!(level_pair_codes(&sigs, k, &sizes, &one_band_of_four, 8, |_, _| true, |_, _| true).is_empty());
    }
}
