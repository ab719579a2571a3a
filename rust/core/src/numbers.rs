//! The numbers a text states, as bottom-k sketches, and how far two texts' numbers agree.
//!
//! A number is `[0-9]+([.,/][0-9]+)*`; its hash is the low 32 bits of `fmix64` of the FNV-1a
//! of its code points from [`NUMBER_BASIS`]. A sketch row is `[count, h_1, ..., h_k]`: the
//! number of distinct hashes, then the smallest `k` of them in increasing order, padded with
//! `u32::MAX`.

use crate::hash::{fmix64, fnv_step, NUMBER_BASIS};

#[inline(always)]
fn is_digit(c: u32) -> bool {
    (48..=57).contains(&c)
}

/// End of the number starting at `cps[i]` (a digit).
fn number_end<T: Copy + Into<u32>>(cps: &[T], i: usize) -> usize {
    let mut j = i + 1;
    while j < cps.len() {
        let c = cps[j].into();
        let sep = (c == 44 || c == 46 || c == 47) && j + 1 < cps.len() && is_digit(cps[j + 1].into());
        if is_digit(c) || sep {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// The hashes of the numbers of one text, in text order, with repeats.
pub fn number_hashes(cps: &[u32], out: &mut Vec<u32>) {
    hashes_of(cps, out)
}

/// [`number_hashes`] of a text's UTF-8 bytes: the same hashes, since digits and separators are
/// ASCII and no byte of another character is one (UTF-8 puts them all at 0x80 and above).
pub fn number_hashes_utf8(text: &str, out: &mut Vec<u32>) {
    hashes_of(text.as_bytes(), out)
}

fn hashes_of<T: Copy + Into<u32>>(cps: &[T], out: &mut Vec<u32>) {
    out.clear();
    let mut i = 0;
    while i < cps.len() {
        if !is_digit(cps[i].into()) {
            i += 1;
            continue;
        }
        let j = number_end(cps, i);
        let h = cps[i..j].iter().fold(NUMBER_BASIS, |h, &c| fnv_step(h, c.into() as u64));
        out.push(fmix64(h) as u32);
        i = j;
    }
}

/// The sketch row (`k + 1` values) of one text into `row`.
pub fn sketch_into(cps: &[u32], row: &mut [u32], found: &mut Vec<u32>) {
    number_hashes(cps, found);
    sketch_of(found, row);
}

/// [`sketch_into`] of a text's UTF-8 (the same row, without its code points).
pub fn sketch_utf8_into(text: &str, row: &mut [u32], found: &mut Vec<u32>) {
    number_hashes_utf8(text, found);
    sketch_of(found, row);
}

/// The sketch row of a text's number hashes (`found`, sorted and deduplicated here).
fn sketch_of(found: &mut Vec<u32>, row: &mut [u32]) {
    found.sort_unstable();
    found.dedup();
    let n = found.len();
    for (t, slot) in row[1..].iter_mut().enumerate() {
        *slot = if t < n { found[t] } else { u32::MAX };
    }
    row[0] = n as u32;
}

/// Sketch rows of `k + 1` values for a batch of texts, in parallel on the current rayon pool.
pub fn sketch_batch(cps: &[u32], offsets: &[usize], k: usize, out: &mut [u32]) {
    let texts: Vec<&[u32]> = offsets.windows(2).map(|w| &cps[w[0]..w[1]]).collect();
    sketch_strs(&texts, k, out)
}

/// [`sketch_batch`] over texts readable as code points (see [`crate::minhash::AsCodePoints`]).
pub fn sketch_strs<S: crate::minhash::AsCodePoints + Sync>(texts: &[S], k: usize, out: &mut [u32]) {
    use rayon::prelude::*;
    out.par_chunks_mut(k + 1)
        .enumerate()
        .with_min_len(8)
        .for_each_init(
            || (Vec::new(), Vec::new()),
            |(cps, found), (d, row)| match texts[d].as_utf8() {
                Some(text) => sketch_utf8_into(text, row, found),
                None => {
                    texts[d].code_points_into(cps);
                    sketch_into(cps, row, found)
                }
            },
        );
}

/// `(shared, seen)`: of `small`'s hashes at or below `tau`, how many `big` holds too.
///
/// Both sketches hold every hash of their text at or below `tau` (the smaller k-th hash of
/// the truncated ones), so membership there is exact.
fn shared_below_tau(small: &[u32], big: &[u32]) -> (u64, u64) {
    let k = small.len() - 1;
    let ns = (small[0] as usize).min(k);
    let nb = (big[0] as usize).min(k);
    let mut tau: u64 = 1 << 32;
    if small[0] as usize > k {
        tau = tau.min(small[k] as u64);
    }
    if big[0] as usize > k {
        tau = tau.min(big[k] as u64);
    }
    let (mut seen, mut shared) = (0u64, 0u64);
    let mut j = 1;
    for &x in &small[1..=ns] {
        if x as u64 > tau {
            break;
        }
        seen += 1;
        while j <= nb && big[j] < x {
            j += 1;
        }
        if j <= nb && big[j] == x {
            shared += 1;
        }
    }
    (shared, seen)
}

/// For two sketch rows: `seen` numbers of the text stating fewer were compared, `shared` of them
/// the other states too. Equal counts: the direction with the larger fraction, so the result
/// does not depend on the order of the pair.
pub fn agreement(a: &[u32], b: &[u32]) -> (u64, u64) {
    if a[0] < b[0] {
        shared_below_tau(a, b)
    } else if b[0] < a[0] {
        shared_below_tau(b, a)
    } else {
        let (sh, se) = shared_below_tau(a, b);
        let (sh2, se2) = shared_below_tau(b, a);
        if sh2 * se > sh * se2 || (sh2 * se == sh * se2 && se2 > se) {
            (sh2, se2)
        } else {
            (sh, se)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cps(s: &str) -> Vec<u32> {
        s.chars().map(|c| c as u32).collect()
    }

    fn sketch(s: &str, k: usize) -> Vec<u32> {
        let mut row = vec![0; k + 1];
        sketch_into(&cps(s), &mut row, &mut Vec::new());
        row
    }

    #[test]
    fn numbers_with_separators_are_one_number() {
        let mut h = Vec::new();
        number_hashes(&cps("1,234.5 and 1/2, 7. x9"), &mut h);
        assert_eq!(h.len(), 4); // 1,234.5 | 1/2 | 7 | 9
        let mut g = Vec::new();
        number_hashes(&cps("1,234.5"), &mut g);
        assert_eq!(h[0], g[0]);
    }

    #[test]
    fn utf8_bytes_give_the_code_points_hashes() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for t in ["", "no figures", "1,500 jobs, 6-1/2 pct, 3.25 and 12. 7/ ,9", "é12é 1\u{2009}000 ٣٤ 2.5\u{00b2} 10€ x9y", "9"] {
            number_hashes(&t.chars().map(|c| c as u32).collect::<Vec<u32>>(), &mut a);
            number_hashes_utf8(t, &mut b);
            assert_eq!(a, b, "{t:?}");
        }
    }

    #[test]
    fn sketch_counts_distinct_and_pads() {
        let row = sketch("3 3 4", 4);
        assert_eq!(row[0], 2);
        assert_eq!(&row[3..], &[u32::MAX, u32::MAX]);
        assert!(row[1] < row[2]);
    }

    #[test]
    fn agreement_is_symmetric() {
        let a = sketch("1 2 3 4", 8);
        let b = sketch("1 2 5 6", 8);
        assert_eq!(agreement(&a, &b), (2, 4));
        assert_eq!(agreement(&a, &b), agreement(&b, &a));
        let c = sketch("1 2", 8);
        assert_eq!(agreement(&a, &c), (2, 2));
    }
}
