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
//! band), computed per level. A bucket of more than `max_bucket` documents (a value shared by
//! boilerplate) proposes nothing in a level: at these loose layouts it is almost never a part
//! and its source.

use rayon::prelude::*;

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

fn key(sig: &[u32], band: usize, rows: usize) -> u64 {
    const BASIS: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = BASIS;
    for &v in &sig[band * rows..(band + 1) * rows] {
        h = (h ^ v as u64).wrapping_mul(crate::hash::FNV_PRIME);
        h ^= h >> 29;
    }
    h
}

/// Candidate pair codes `i * n + j` (`i < j`) of `n` signatures (`k` values per row) and their
/// shingle-set sizes: the pairs that share a band bucket of at most `max_bucket` documents in the
/// layout of a level whose ratio range holds their size ratio, and for which `keep(a, c)` holds
/// (tested as each is made, so the pairs that fail are never held). Sorted and distinct. Documents
/// of size 0 are never proposed.
pub fn level_pair_codes(
    sigs: &[u32],
    k: usize,
    sizes: &[i64],
    levels: &[Level],
    max_bucket: usize,
    keep: impl Fn(usize, usize) -> bool + Sync,
) -> Vec<i64> {
    let n = sizes.len();
    let jobs: Vec<(Level, usize)> = levels
        .iter()
        .filter(|l| l.rows >= 1 && l.bands * l.rows <= k && l.min_ratio < l.max_ratio)
        .flat_map(|&l| (0..l.bands).map(move |b| (l, b)))
        .collect();
    let code = |a: usize, c: usize| (a.min(c) * n + a.max(c)) as i64;
    let mut out: Vec<i64> = jobs
        .par_iter()
        .flat_map_iter(|&(level, band)| {
            // (key, size, doc), sorted: each bucket's members by size.
            let mut col: Vec<(u64, i64, usize)> = (0..n)
                .filter(|&d| sizes[d] > 0)
                .map(|d| (key(&sigs[d * k..(d + 1) * k], band, level.rows), sizes[d], d))
                .collect();
            col.sort_unstable();
            let mut got = Vec::new();
            let mut s = 0;
            while s < col.len() {
                let mut e = s + 1;
                while e < col.len() && col[e].0 == col[s].0 {
                    e += 1;
                }
                if e - s <= max_bucket {
                    for x in s..e {
                        let (_, small, a) = col[x];
                        // members after x are at least as large; their ratio falls as they grow.
                        for &(_, large, c) in &col[x + 1..e] {
                            let ratio = small as f64 / large as f64;
                            if ratio < level.min_ratio {
                                break;
                            }
                            if ratio < level.max_ratio && keep(a, c) {
                                got.push(code(a, c));
                            }
                        }
                    }
                }
                s = e;
            }
            got
        })
        .collect();
    crate::pairs::sorted_unique(&mut out);
    out
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
        assert_eq!(decode(&level_pair_codes(&sigs, k, &sizes, &wide, 8, |_, _| true), 4), vec![(0, 2), (1, 2), (2, 3)]);
        let two = [wide[0], Level { min_ratio: 0.5, max_ratio: 1.01, bands: 1, rows: 4 }];
        assert_eq!(decode(&level_pair_codes(&sigs, k, &sizes, &two, 8, |_, _| true), 4), vec![(0, 1), (0, 2), (1, 2), (2, 3)]);
        // keep() filters; a bucket above max_bucket proposes nothing; size 0 never.
        assert_eq!(decode(&level_pair_codes(&sigs, k, &sizes, &wide, 8, |a, c| a + c != 2), 4), vec![(1, 2), (2, 3)]);
        assert!(level_pair_codes(&sigs, k, &sizes, &wide, 3, |_, _| true).is_empty());
        assert!(level_pair_codes(&sigs, k, &[0, 0, 30, 100], &wide, 8, |_, _| true) == vec![2 * 4 + 3]);
    }

    #[test]
    fn pairs_must_share_a_band() {
        // Documents 0 and 1 agree on the first band only, 2 on no band with either.
        let k = 4;
        let sigs = [1u32, 2, 3, 4, 1, 2, 9, 9, 5, 6, 7, 8];
        let sizes = [40, 100, 100];
        let level = [Level { min_ratio: 0.3, max_ratio: 1.01, bands: 2, rows: 2 }];
        assert_eq!(decode(&level_pair_codes(&sigs, k, &sizes, &level, 8, |_, _| true), 3), vec![(0, 1)]);
        let one_band_of_four = [Level { min_ratio: 0.3, max_ratio: 1.01, bands: 1, rows: 4 }];
        assert!(level_pair_codes(&sigs, k, &sizes, &one_band_of_four, 8, |_, _| true).is_empty());
    }
}
