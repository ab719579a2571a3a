//! MinHash signatures (datasketch's `affine32` scheme).
//!
//! A 64-bit shingle hash is folded to its low 32 bits, premixed with `fmix32`, and
//! permuted with `a_k * h + b_k mod 2^32`; the signature keeps the minimum per `k`. For
//! sets `A`, `B`: `P[min pi(A) == min pi(B)] = J(A, B)`.

use crate::hash::fmix32;

/// Hashes folded per pass over the permutations.
const BLOCK: usize = 8;

/// The value of an empty signature position.
pub const EMPTY: u32 = u32::MAX;

/// Fold 64-bit shingle hashes into `sig` (which starts at [`EMPTY`] for a new signature).
pub fn fold_hashes(hashes: &[u64], a: &[u32], b: &[u32], sig: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if crate::simd::has_avx512() {
            return crate::simd::with_avx512(|| fold_hashes_body(hashes, a, b, sig));
        }
        if crate::simd::has_avx2() {
            return crate::simd::with_avx2(|| fold_hashes_body(hashes, a, b, sig));
        }
    }
    fold_hashes_body(hashes, a, b, sig)
}

/// Fold 32-bit hash values (datasketch's `sha1_hash32`), premixed, into `sig`.
pub fn fold_hash32(values: &[u32], a: &[u32], b: &[u32], sig: &mut [u32]) {
    for &v in values {
        fold_hv32(fmix32(v), a, b, sig);
    }
}

/// Eight hashes per pass over the permutations: `a`, `b` and `sig` are read once per eight.
#[inline(always)]
fn fold_hashes_body(hashes: &[u64], a: &[u32], b: &[u32], sig: &mut [u32]) {
    let mut blocks = hashes.chunks_exact(BLOCK);
    for q in &mut blocks {
        let mut hv = [0u32; BLOCK];
        for (v, &h) in hv.iter_mut().zip(q) {
            *v = fmix32(h as u32);
        }
        for ((s, &ak), &bk) in sig.iter_mut().zip(a).zip(b) {
            let mut m = *s;
            for &h in &hv {
                m = m.min(ak.wrapping_mul(h).wrapping_add(bk));
            }
            *s = m;
        }
    }
    for &h in blocks.remainder() {
        fold_hv32(fmix32(h as u32), a, b, sig);
    }
}

/// `sig[k] = min(sig[k], a[k] * hv + b[k] mod 2^32)`: one multiply-add-min per lane, which the
/// compiler turns into vector instructions.
#[inline(always)]
fn fold_hv32(hv: u32, a: &[u32], b: &[u32], sig: &mut [u32]) {
    for ((s, &ak), &bk) in sig.iter_mut().zip(a).zip(b) {
        *s = (*s).min(ak.wrapping_mul(hv).wrapping_add(bk));
    }
}

/// The permutations `(a, b)` of datasketch's `affine32` scheme for `seed`, drawn as
/// `numpy.random.RandomState(seed)` draws them: `a = randint(0, 2**31, k) * 2 + 1`, then
/// `b = randint(0, 2**32, k)`, both `uint32` (numpy's legacy bounded draw of a power-of-two
/// range is one masked 32-bit Mersenne Twister output, so no output is ever rejected).
pub fn permutations(k: usize, seed: u32) -> (Vec<u32>, Vec<u32>) {
    let mut mt = Mt19937::new(seed);
    let a = (0..k).map(|_| (mt.next_u32() & 0x7FFF_FFFF).wrapping_mul(2).wrapping_add(1)).collect();
    let b = (0..k).map(|_| mt.next_u32()).collect();
    (a, b)
}

/// MT19937, the 32-bit Mersenne Twister (Matsumoto and Nishimura 1998) seeded with `init_genrand`.
struct Mt19937 {
    state: [u32; 624],
    index: usize,
}

impl Mt19937 {
    fn new(seed: u32) -> Mt19937 {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            state[i] = 1_812_433_253u32.wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30)).wrapping_add(i as u32);
        }
        Mt19937 { state, index: 624 }
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for i in 0..624 {
                let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % 624] & 0x7FFF_FFFF);
                let mut v = self.state[(i + 397) % 624] ^ (y >> 1);
                if y & 1 == 1 {
                    v ^= 0x9908_B0DF;
                }
                self.state[i] = v;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C_5680;
        y ^= (y << 15) & 0xEFC6_0000;
        y ^ (y >> 18)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_per_permutation() {
        let (a, b) = ([1u32, 3], [0u32, 5]);
        let mut sig = [EMPTY; 2];
        fold_hash32(&[0, 0], &a, &b, &mut sig);
        assert_eq!(sig, [0, 5]);
        let mut sig2 = [EMPTY; 2];
        fold_hashes(&[0u64, 1u64 << 32], &a, &b, &mut sig2); // both fold to 0
        assert_eq!(sig, sig2);
    }

    #[test]
    fn every_instruction_set_gives_the_same_signature() {
        let (a, b) = permutations(256, 7);
        let hashes: Vec<u64> = (0..1_003u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i << 7)).collect();
        let mut scalar = vec![EMPTY; 256];
        fold_hashes_body(&hashes, &a, &b, &mut scalar);
        let mut reference = vec![EMPTY; 256];
        for &h in &hashes {
            let hv = fmix32(h as u32);
            for k in 0..256 {
                reference[k] = reference[k].min(a[k].wrapping_mul(hv).wrapping_add(b[k]));
            }
        }
        assert_eq!(scalar, reference);
        #[cfg(target_arch = "x86_64")]
        {
            if crate::simd::has_avx2() {
                let mut sig = vec![EMPTY; 256];
                crate::simd::with_avx2(|| fold_hashes_body(&hashes, &a, &b, &mut sig));
                assert_eq!(sig, reference);
            }
            if crate::simd::has_avx512() {
                let mut sig = vec![EMPTY; 256];
                crate::simd::with_avx512(|| fold_hashes_body(&hashes, &a, &b, &mut sig));
                assert_eq!(sig, reference);
            }
        }
        let mut dispatched = vec![EMPTY; 256];
        fold_hashes(&hashes, &a, &b, &mut dispatched);
        assert_eq!(dispatched, reference);
    }

    #[test]
    fn mersenne_twister_reference_output() {
        // The first output of MT19937 seeded with 5489 (the reference implementation's default).
        assert_eq!(Mt19937::new(5489).next_u32(), 3_499_211_612);
        let (a, b) = permutations(3, 1);
        assert!(a.iter().all(|v| v % 2 == 1));
        assert_eq!(b.len(), 3);
    }
}

/// Signatures and distinct-shingle counts of a batch of texts, in parallel on the current rayon pool.
///
/// Text `d` is `cps[offsets[d]..offsets[d + 1]]`; `sigs` holds one row of `a.len()` values per text.
/// A text without shingles gets the empty signature and size 0.
#[allow(clippy::too_many_arguments)]
pub fn sign_batch(
    cps: &[u32],
    offsets: &[usize],
    kind: crate::shingle::Kind,
    n: usize,
    fold: bool,
    a: &[u32],
    b: &[u32],
    sigs: &mut [u32],
    sizes: &mut [i64],
) {
    let texts: Vec<&[u32]> = offsets.windows(2).map(|w| &cps[w[0]..w[1]]).collect();
    sign_strs(&texts, kind, n, fold, a, b, sigs, sizes)
}

/// [`sign_batch`] over texts given as `&str` (UTF-8), decoded to code points per text.
///
/// Each text is decoded into a reused buffer, so a batch needs no UTF-32 copy of all its text.
#[allow(clippy::too_many_arguments)]
pub fn sign_strs<S: AsCodePoints + Sync>(
    texts: &[S],
    kind: crate::shingle::Kind,
    n: usize,
    fold: bool,
    a: &[u32],
    b: &[u32],
    sigs: &mut [u32],
    sizes: &mut [i64],
) {
    use rayon::prelude::*;
    let k = a.len();
    sigs.par_chunks_mut(k.max(1))
        .zip(sizes.par_iter_mut())
        .enumerate()
        .with_min_len(8)
        .for_each_init(
            || (Vec::new(), Vec::new(), Vec::new(), crate::distinct::Scratch::default(), Vec::new()),
            |(cps, scratch, hashes, table, distinct), (d, (sig, size))| {
                sig.fill(EMPTY);
                match (kind, texts[d].as_utf8()) {
                    (crate::shingle::Kind::Char, Some(text)) => crate::shingle::char_ngram_hashes_str(text, n, fold, scratch, hashes),
                    (crate::shingle::Kind::Word, Some(text)) => crate::shingle::word_ngram_hashes_str(text, n, fold, hashes),
                    _ => {
                        texts[d].code_points_into(cps);
                        crate::shingle::shingle_hashes(cps, kind, n, fold, scratch, hashes);
                    }
                }
                // Each distinct shingle once: the minima are those of the set, with less work.
                crate::distinct::distinct_into(hashes, table, distinct);
                fold_hashes(distinct, a, b, sig);
                *size = distinct.len() as i64;
            },
        );
}

/// A text that can be read as Unicode code points.
pub trait AsCodePoints {
    /// The code points, into `out` (cleared first).
    fn code_points_into(&self, out: &mut Vec<u32>);

    /// The text as UTF-8, when it is held so (shingling then reads it without a code point copy).
    fn as_utf8(&self) -> Option<&str> {
        None
    }
}

impl AsCodePoints for &str {
    fn code_points_into(&self, out: &mut Vec<u32>) {
        crate::codepoints::code_points_into(self, out);
    }

    fn as_utf8(&self) -> Option<&str> {
        Some(self)
    }
}

impl AsCodePoints for &[u32] {
    fn code_points_into(&self, out: &mut Vec<u32>) {
        out.clear();
        out.extend_from_slice(self);
    }
}

impl AsCodePoints for Vec<u32> {
    fn code_points_into(&self, out: &mut Vec<u32>) {
        out.clear();
        out.extend_from_slice(self);
    }
}

/// Signatures from precomputed 64-bit shingle hashes, text `d` being `hashes[offsets[d]..offsets[d + 1]]`.
pub fn sign_hashes_batch(hashes: &[u64], offsets: &[usize], a: &[u32], b: &[u32], sigs: &mut [u32]) {
    use rayon::prelude::*;
    sigs.par_chunks_mut(a.len().max(1)).enumerate().for_each(|(d, sig)| {
        sig.fill(EMPTY);
        fold_hashes(&hashes[offsets[d]..offsets[d + 1]], a, b, sig);
    });
}
