//! Word n-gram hashes (see the parent module for the definition): each word hashes as
//! `fnv(its code points)`, each window of `n` word hashes as `fnv(w_i..w_{i+n-1})` from
//! [`WORD_NGRAM_BASIS`].

use super::{next_char, ASCII_FOLDED, ASCII_PLAIN, NOT_WORD};
use crate::hash::{fmix64, fnv_step, FNV_BASIS, WORD_NGRAM_BASIS};
use crate::words::{fold_ascii, is_word};

/// Word n-gram hashes of `cps` into `out` (cleared first).
pub fn word_ngram_hashes(cps: &[u32], n: usize, fold: bool, out: &mut Vec<u64>) {
    out.clear();
    let mut h = FNV_BASIS;
    let mut in_word = false;
    for &raw in cps {
        let c = fold_ascii(raw, fold);
        if is_word(c) {
            h = fnv_step(h, c as u64);
            in_word = true;
        } else if in_word {
            out.push(fmix64(h));
            h = FNV_BASIS;
            in_word = false;
        }
    }
    if in_word {
        out.push(fmix64(h));
    }
    word_windows(n, out);
}

/// [`word_ngram_hashes`] of a UTF-8 text (the same hashes; ASCII bytes go through a table).
///
/// Branch-free per character: every character computes the running word hash, or the basis
/// after a non-word character, by a mask; the hash of a word that ends is written and the count
/// moves on only then. Word boundaries come every few characters, too irregular for a branch.
/// Each character's step waits on the one before (a multiply), so an ASCII text is cut in two at a
/// non-word character near its middle and the halves are scanned side by side, their steps
/// independent; their words, one after the other, are the text's. The finalizer runs afterwards
/// over all the word hashes at once.
pub fn word_ngram_hashes_str(text: &str, n: usize, fold: bool, out: &mut Vec<u64>) {
    let table = if fold { &ASCII_FOLDED } else { &ASCII_PLAIN };
    let bytes = text.as_bytes();
    // A word ends at a non-word character or at the end: at most one word per byte, plus one, in
    // each half; the second half's words go after the first half's room.
    out.clear();
    out.resize(bytes.len() + 2, 0);
    let ascii = bytes.is_ascii();
    let mid = if ascii { (bytes.len() / 2..bytes.len()).find(|&k| table[bytes[k] as usize] == NOT_WORD).unwrap_or(bytes.len()) } else { bytes.len() };
    let buf = out.as_mut_slice();
    let (mut a, mut b) = (Scan::at(0), Scan::at(mid + 1));
    if ascii {
        let (first, second) = bytes.split_at(mid);
        for (&x, &y) in first.iter().zip(second) {
            a.put(table[x as usize], buf);
            b.put(table[y as usize], buf);
        }
        let common = first.len().min(second.len());
        for &x in &first[common..] {
            a.put(table[x as usize], buf);
        }
        for &y in &second[common..] {
            b.put(table[y as usize], buf);
        }
    } else {
        let mut i = 0;
        while i < bytes.len() {
            a.put(next_char(text, &mut i, table), buf);
        }
    }
    let first = a.finish(buf);
    let second = b.finish(buf) - (mid + 1);
    buf.copy_within(mid + 1..mid + 1 + second, first);
    out.truncate(first + second);
    finish_all(out);
    word_windows(n, out);
}

/// One scan of [`word_ngram_hashes_str`]: the running hash `h` of the word it is in (`in_word`),
/// the word hashes written up to `count`.
struct Scan {
    h: u64,
    in_word: bool,
    count: usize,
}

impl Scan {
    /// A scan that writes its word hashes from `count` on.
    fn at(count: usize) -> Scan {
        Scan { h: FNV_BASIS, in_word: false, count }
    }

    /// Take character `c` (its code point, ASCII folded by the table, or [`NOT_WORD`]).
    #[inline(always)]
    fn put(&mut self, c: u32, buf: &mut [u64]) {
        let word = c != NOT_WORD;
        buf[self.count] = self.h;
        self.count += (self.in_word && !word) as usize;
        let keep = (word as u64).wrapping_neg();
        self.h = (fnv_step(self.h, c as u64) & keep) | (FNV_BASIS & !keep);
        self.in_word = word;
    }

    /// Write the word the scan ends in, if any; the count after it.
    fn finish(&self, buf: &mut [u64]) -> usize {
        buf[self.count] = self.h;
        self.count + self.in_word as usize
    }
}

/// `fmix64` of every value of `hashes`, in place (eight lanes at a time where the CPU has
/// 64-bit vector multiplies).
fn finish_all(hashes: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if crate::simd::has_avx512dq() {
            return crate::simd::with_avx512dq(|| hashes.iter_mut().for_each(|h| *h = fmix64(*h)));
        }
    }
    hashes.iter_mut().for_each(|h| *h = fmix64(*h));
}

/// Replace the word hashes in `out` by the hashes of their windows of `n` (one window of
/// all when fewer, none when no words).
fn word_windows(n: usize, out: &mut Vec<u64>) {
    let nw = out.len();
    if nw == 0 {
        return;
    }
    let w = n.min(nw);
    let count = nw - w + 1;
    #[cfg(target_arch = "x86_64")]
    {
        if crate::simd::has_avx512dq() {
            crate::simd::with_avx512dq(|| grouped_word_windows(w, count, out));
            out.truncate(count);
            return;
        }
    }
    grouped_word_windows(w, count, out);
    out.truncate(count);
}

/// The windows of [`word_windows`] eight at a time (their hashes are independent, so with 64-bit
/// vector multiplies they are computed side by side): group `i..i + 8` reads words `i..i + 7 + w`
/// and then overwrites `out[i..i + 8]`, which no later group reads.
#[inline(always)]
fn grouped_word_windows(w: usize, count: usize, out: &mut [u64]) {
    const LANES: usize = 8;
    let mut i = 0;
    while i + LANES <= count {
        let mut h = [WORD_NGRAM_BASIS; LANES];
        for j in 0..w {
            let words = &out[i + j..i + j + LANES];
            for (hl, &x) in h.iter_mut().zip(words) {
                *hl = fnv_step(*hl, x);
            }
        }
        for (o, &hl) in out[i..i + LANES].iter_mut().zip(&h) {
            *o = fmix64(hl);
        }
        i += LANES;
    }
    // Window i reads out[i..i + w] and then overwrites out[i], which no later window reads.
    for i in i..count {
        out[i] = fmix64(out[i..i + w].iter().fold(WORD_NGRAM_BASIS, |g, &x| fnv_step(g, x)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_halves_give_the_hashes_of_one_scan() {
        // Every string of up to 6 characters over word and non-word characters, ASCII and not,
        // and long texts whose middle falls in a word, on a space, in a long word, or has none.
        let mut texts: Vec<String> = vec!["word ".repeat(40), "x".repeat(99) + " y", "é".repeat(50), "ab".repeat(30) + "—" + &"cd ".repeat(9)];
        texts.extend(crate::testing::every_string("aZ .é—", 6));
        let (mut got, mut want) = (Vec::new(), Vec::new());
        for t in &texts {
            let cps: Vec<u32> = t.chars().map(u32::from).collect();
            for (n, fold) in [(1, true), (3, false), (5, true)] {
                word_ngram_hashes_str(t, n, fold, &mut got);
                word_ngram_hashes(&cps, n, fold, &mut want);
                assert_eq!(got, want, "{t:?} n={n}");
            }
        }
    }

    #[test]
    fn grouped_word_windows_hash_as_one_window_at_a_time() {
        let words: Vec<u64> = (0..41u64).map(|i| fmix64(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))).collect();
        for nw in [1usize, 2, 7, 8, 9, 15, 16, 17, 41] {
            for n in 1..=9usize {
                let w = n.min(nw);
                let want: Vec<u64> = words[..nw].windows(w).map(|win| fmix64(win.iter().fold(WORD_NGRAM_BASIS, |g, &x| fnv_step(g, x)))).collect();
                let mut got = words[..nw].to_vec();
                word_windows(n, &mut got);
                assert_eq!(got, want, "nw={nw} n={n}");
                let mut baseline = words[..nw].to_vec();
                grouped_word_windows(w, nw - w + 1, &mut baseline);
                baseline.truncate(nw - w + 1);
                assert_eq!(baseline, want, "baseline path, nw={nw} n={n}");
            }
        }
    }
}
