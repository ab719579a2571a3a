//! 4-bit fingerprints of signatures: an upper bound on agreeing positions from 1/8 of the bytes.
//!
//! Equal values have equal low bits, so the positions whose low 4 bits differ cannot agree:
//! `k - differing nibbles` bounds the agreeing positions from above.

use rayon::prelude::*;

/// `u64` words per fingerprint of the first `k` values.
pub fn words(k: usize) -> usize {
    k.div_ceil(16)
}

/// The low 4 bits of each of the first `k` values of each row (`row_len` values), packed 16 to a
/// `u64`, into `out` (`words(k)` per row).
pub fn nibble_fingerprints(sigs: &[u32], row_len: usize, k: usize, out: &mut [u64]) {
    let w = words(k);
    if w == 0 {
        return;
    }
    out.par_chunks_mut(w).enumerate().for_each(|(i, fp)| {
        fp.fill(0);
        for (j, &v) in sigs[i * row_len..i * row_len + k].iter().enumerate() {
            fp[j >> 4] |= ((v & 15) as u64) << ((j & 15) * 4);
        }
    });
}

/// `k` minus the nibbles where two fingerprint rows differ: at least the agreeing positions.
#[inline]
pub fn agree_upper_bound(fa: &[u64], fb: &[u64], k: i64) -> i64 {
    const LOW: u64 = 0x1111_1111_1111_1111;
    let d: u32 = fa
        .iter()
        .zip(fb)
        .map(|(x, y)| {
            let x = x ^ y;
            ((x | (x >> 1) | (x >> 2) | (x >> 3)) & LOW).count_ones()
        })
        .sum();
    k - d as i64
}

/// Per pair `(i, j)`: `k` minus the nibbles where fingerprint rows `i` of `fp_a` and `j` of `fp_b` differ.
pub fn agree_upper_bounds(fp_a: &[u64], fp_b: &[u64], w: usize, pairs: &[(usize, usize)], k: i64, out: &mut [i64]) {
    out.par_iter_mut().zip(pairs.par_iter()).for_each(|(o, &(a, b))| {
        *o = agree_upper_bound(&fp_a[a * w..(a + 1) * w], &fp_b[b * w..(b + 1) * w], k);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_is_above_the_true_agreement() {
        let sigs: Vec<u32> = vec![0x10, 0x21, 0x32, 0x43, 0x10, 0x31, 0x42, 0x53];
        let mut fp = vec![0u64; 2];
        nibble_fingerprints(&sigs, 4, 4, &mut fp);
        let mut out = [0i64; 1];
        agree_upper_bounds(&fp, &fp, 1, &[(0, 1)], 4, &mut out);
        // low nibbles equal at every position, values equal only at 0: bound 4 >= 1
        assert_eq!(out[0], 4);
        nibble_fingerprints(&[1, 2, 3, 4, 1, 9, 3, 9], 4, 4, &mut fp);
        agree_upper_bounds(&fp, &fp, 1, &[(0, 1)], 4, &mut out);
        assert_eq!(out[0], 2);
    }
}
