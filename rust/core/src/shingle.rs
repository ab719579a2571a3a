//! Shingles of one text and their 64-bit hashes.
//!
//! * A *word* is a maximal run of word code points ([`crate::words::is_word`]).
//! * Character n-gram: the words joined by single spaces form a code point sequence;
//!   each window of `n` code points hashes as `fnv(c_i..c_{i+n-1})`.
//! * Word n-gram: each word hashes as `fnv(its code points)`; each window of `n` word
//!   hashes hashes as `fnv(w_i..w_{i+n-1})` from [`WORD_NGRAM_BASIS`].
//! * A text shorter than one window yields one shingle of all it has; a text without
//!   words yields none. Hashes come with repeats, in text order.
//!
//! With `fold`, ASCII capitals are lower-cased on the way.

use crate::hash::{fmix64, fnv_step, FNV_BASIS, WORD_NGRAM_BASIS};
use crate::words::{fold_ascii, is_word};

const SPACE: u32 = 32;

/// Shingle kind: character n-grams or word n-grams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Char,
    Word,
}

impl Kind {
    /// The code the Python side uses (`Shingler.kind_code`): 0 char, 1 word.
    pub fn from_code(code: i64) -> Option<Kind> {
        match code {
            0 => Some(Kind::Char),
            1 => Some(Kind::Word),
            _ => None,
        }
    }
}

/// The words of `cps` joined by single spaces, into `out` (cleared first).
pub fn clean_into(cps: &[u32], fold: bool, out: &mut Vec<u32>) {
    out.clear();
    let mut pending_space = false;
    for &raw in cps {
        let c = fold_ascii(raw, fold);
        if is_word(c) {
            if pending_space {
                out.push(SPACE);
                pending_space = false;
            }
            out.push(c);
        } else if !out.is_empty() {
            pending_space = true;
        }
    }
}

/// Character n-gram hashes of `cps` into `out` (cleared first); `scratch` is reused memory.
pub fn char_ngram_hashes(cps: &[u32], n: usize, fold: bool, scratch: &mut Vec<u32>, out: &mut Vec<u64>) {
    out.clear();
    clean_into(cps, fold, scratch);
    let m = scratch.len();
    if m == 0 {
        return;
    }
    let w = n.min(m);
    out.extend(scratch.windows(w).map(|win| fmix64(win.iter().fold(FNV_BASIS, |h, &c| fnv_step(h, c as u64)))));
}

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
    let nw = out.len();
    if nw == 0 {
        return;
    }
    let w = n.min(nw);
    let count = nw - w + 1;
    // Window i reads out[i..i + w] and then overwrites out[i], which no later window reads.
    for i in 0..count {
        out[i] = fmix64(out[i..i + w].iter().fold(WORD_NGRAM_BASIS, |g, &x| fnv_step(g, x)));
    }
    out.truncate(count);
}

/// Shingle hashes of one text (with repeats) into `out`.
pub fn shingle_hashes(cps: &[u32], kind: Kind, n: usize, fold: bool, scratch: &mut Vec<u32>, out: &mut Vec<u64>) {
    match kind {
        Kind::Char => char_ngram_hashes(cps, n, fold, scratch, out),
        Kind::Word => word_ngram_hashes(cps, n, fold, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cps(s: &str) -> Vec<u32> {
        s.chars().map(|c| c as u32).collect()
    }

    fn chars(s: &str, n: usize, fold: bool) -> Vec<u64> {
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        char_ngram_hashes(&cps(s), n, fold, &mut scratch, &mut out);
        out
    }

    #[test]
    fn punctuation_and_spacing_do_not_matter() {
        assert_eq!(chars("the quick, brown fox", 5, false), chars("  the   quick brown -- fox!", 5, false));
        assert_eq!(chars("The Quick", 3, true), chars("the quick", 3, false));
        assert_ne!(chars("The Quick", 3, false), chars("the quick", 3, false));
    }

    #[test]
    fn short_text_is_one_shingle_and_empty_is_none() {
        assert_eq!(chars("abc", 5, false).len(), 1);
        assert!(chars(" ,.- ", 5, false).is_empty());
        let mut out = Vec::new();
        word_ngram_hashes(&cps("one two"), 5, false, &mut out);
        assert_eq!(out.len(), 1);
        word_ngram_hashes(&cps("one two three four five six"), 5, false, &mut out);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn char_window_hash_is_fnv_of_code_points() {
        let h = chars("ab", 2, false);
        assert_eq!(h, vec![fmix64(fnv_step(fnv_step(FNV_BASIS, 97), 98))]);
    }
}
