//! rapidfuzz's `Indel.normalized_similarity(a, b)` on strings: `1.0 - d / (len(a) + len(b))`
//! in floats, `d = len(a) + len(b) - 2 * LCS(a, b)` the insertions and deletions that turn one
//! into the other (1.0 for two empty strings). Lengths are in code points. The longest common
//! subsequence is found with the bit-parallel algorithm of Hyyrö (2004), 64 characters of `a`
//! to a word.

use std::collections::HashMap;

/// Length of the longest common subsequence of `a` and `b`.
pub fn lcs(a: &[u32], b: &[u32]) -> usize {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let words = a.len().div_ceil(64);
    // Match masks of `a`'s characters: ASCII in a table, the rest in a map.
    let mut ascii = vec![0u64; 128 * words];
    let mut other: HashMap<u32, Vec<u64>> = HashMap::new();
    for (i, &c) in a.iter().enumerate() {
        let (w, bit) = (i / 64, 1u64 << (i % 64));
        if c < 128 {
            ascii[c as usize * words + w] |= bit;
        } else {
            other.entry(c).or_insert_with(|| vec![0; words])[w] |= bit;
        }
    }
    let mut s = vec![!0u64; words];
    for &c in b {
        let pm: &[u64] = if c < 128 {
            &ascii[c as usize * words..(c as usize + 1) * words]
        } else {
            match other.get(&c) {
                Some(v) => v,
                None => continue, // no match: S unchanged
            }
        };
        let mut carry = 0u64;
        for w in 0..words {
            let u = s[w] & pm[w];
            let (sum, c1) = s[w].overflowing_add(u);
            let (sum, c2) = sum.overflowing_add(carry);
            carry = (c1 || c2) as u64;
            s[w] = sum | (s[w] - u);
        }
    }
    let mut zeros = 0usize;
    for (w, &x) in s.iter().enumerate() {
        let bits = if w + 1 == words && !a.len().is_multiple_of(64) { a.len() % 64 } else { 64 };
        let mask = if bits == 64 { !0u64 } else { (1u64 << bits) - 1 };
        zeros += (!x & mask).count_ones() as usize;
    }
    zeros
}

/// `Indel.normalized_similarity(a, b)`.
pub fn normalized_similarity(a: &[u32], b: &[u32]) -> f64 {
    let maximum = a.len() + b.len();
    if maximum == 0 {
        return 1.0;
    }
    let dist = maximum - 2 * lcs(a, b);
    1.0 - dist as f64 / maximum as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cps(s: &str) -> Vec<u32> {
        s.chars().map(u32::from).collect()
    }

    fn naive(a: &[u32], b: &[u32]) -> usize {
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                d[i][j] = if a[i - 1] == b[j - 1] { d[i - 1][j - 1] + 1 } else { d[i - 1][j].max(d[i][j - 1]) };
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn lcs_matches_the_quadratic_table() {
        let mut x = 12345u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..300 {
            let (la, lb) = ((next() % 150) as usize, (next() % 150) as usize);
            let a: Vec<u32> = (0..la).map(|_| [97, 98, 99, 0xE9, 0x4E2D][(next() % 5) as usize]).collect();
            let b: Vec<u32> = (0..lb).map(|_| [97, 98, 99, 0xE9, 0x4E2D][(next() % 5) as usize]).collect();
            assert_eq!(lcs(&a, &b), naive(&a, &b));
        }
        assert_eq!(normalized_similarity(&cps(""), &cps("")), 1.0);
        assert_eq!(normalized_similarity(&cps("abc"), &cps("")), 0.0);
        assert_eq!(normalized_similarity(&cps("counci1"), &cps("council")), 1.0 - 2.0 / 14.0);
    }
}
