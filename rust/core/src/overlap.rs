//! Exact containment of one document's shingle set in another's, from their texts.
//!
//! MinHash estimates containment of a small set in a large one poorly: the estimate rests on the
//! few signature positions the small set wins (about `k * small / large`), so at a length ratio of
//! 1:10 it spreads by about +-0.17. Where the texts are kept, the containment rule of an excerpt
//! can be decided on the sets themselves: the same shingles, hashed as for signing
//! ([`crate::shingle::shingle_hashes`]), compared exactly.

use crate::minhash::AsCodePoints;
use crate::shingle::{shingle_hashes, Kind};
use rayon::prelude::*;
use std::collections::HashMap;

/// Sorted distinct shingle hashes of a text.
fn shingle_set<S: AsCodePoints>(text: &S, kind: Kind, n: usize, fold: bool) -> Vec<u64> {
    let (mut cps, mut scratch, mut hashes) = (Vec::new(), Vec::new(), Vec::new());
    text.code_points_into(&mut cps);
    shingle_hashes(&cps, kind, n, fold, &mut scratch, &mut hashes);
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// How many values two sorted distinct slices share.
fn shared(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                k += 1;
                i += 1;
                j += 1;
            }
        }
    }
    k
}

/// Per pair `(i, j)` of `texts`: `|A & B| / min(|A|, |B|)` of their shingle sets (0 when one is
/// empty), into `out`. Each text named by a pair is shingled once, in parallel.
pub fn containment<S: AsCodePoints + Sync>(texts: &[S], pairs: &[(usize, usize)], kind: Kind, n: usize, fold: bool, out: &mut [f64]) {
    let mut docs: Vec<usize> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    docs.sort_unstable();
    docs.dedup();
    let sets: Vec<Vec<u64>> = docs.par_iter().map(|&d| shingle_set(&texts[d], kind, n, fold)).collect();
    let at: HashMap<usize, usize> = docs.iter().enumerate().map(|(k, &d)| (d, k)).collect();
    out.par_iter_mut().zip(pairs.par_iter()).for_each(|(o, &(a, b))| {
        let (sa, sb) = (&sets[at[&a]], &sets[at[&b]]);
        let small = sa.len().min(sb.len());
        *o = if small == 0 { 0.0 } else { shared(sa, sb) as f64 / small as f64 };
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_of_a_part_and_of_strangers() {
        let texts = ["the quick brown fox jumps over the lazy dog", "quick brown fox", "zzzz yyyy", ""];
        let mut out = [0.0; 4];
        containment(&texts, &[(0, 1), (1, 0), (0, 2), (0, 3)], Kind::Char, 5, false, &mut out);
        assert_eq!(out[0], 1.0);
        assert_eq!(out[1], 1.0);
        assert_eq!(out[2], 0.0);
        assert_eq!(out[3], 0.0);
        let mut half = [0.0];
        containment(&["abcdefgh", "abcdefxy"], &[(0, 1)], Kind::Char, 5, false, &mut half);
        assert_eq!(half[0], 0.5); // abcde, bcdef shared of 4 each
    }
}
