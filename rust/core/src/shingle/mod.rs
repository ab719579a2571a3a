//! Shingles of one text and their 64-bit hashes.
//!
//! * A *word* is a maximal run of word code points ([`crate::words::is_word`]).
//! * Character n-gram: the words joined by single spaces form a code point sequence;
//!   each window of `n` code points hashes as `fnv(c_i..c_{i+n-1})`.
//! * Word n-gram: each word hashes as `fnv(its code points)`; each window of `n` word
//!   hashes hashes as `fnv(w_i..w_{i+n-1})` from [`crate::hash::WORD_NGRAM_BASIS`] ([`word`]).
//! * A text shorter than one window yields one shingle of all it has; a text without
//!   words yields none. Hashes come with repeats, in text order.
//!
//! With `fold`, ASCII capitals are lower-cased on the way.

mod word;

pub use word::{word_ngram_hashes, word_ngram_hashes_str};

use crate::hash::{fmix64, fnv_step, FNV_BASIS};
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

/// [`clean_into`] straight from UTF-8: ASCII bytes go through a table, eight at a time where
/// the next eight are all ASCII ([`put_eight`]), other characters are decoded one at a time, so no
/// code point copy of the text is made first.
///
/// Each character is kept as itself when it is a word character and as one space when it is the
/// first non-word character after one; a trailing space is dropped at the end. That depends on
/// the character before only, so no state beyond that flag runs through the loop.
pub fn clean_str_into(text: &str, fold: bool, out: &mut Vec<u32>) {
    let table = if fold { &ASCII_FOLDED } else { &ASCII_PLAIN };
    let bytes = text.as_bytes();
    // Every output value is one input character, so the output is never longer than the input:
    // write into a slice of that size (and room for a last block of eight).
    out.clear();
    out.resize(bytes.len() + 8, 0);
    let buf = out.as_mut_slice();
    let (mut pos, mut prev_word) = (0usize, false);
    let mut i = 0;
    while i < bytes.len() {
        if let Some(block) = bytes.get(i..i + 8) {
            let eight = u64::from_le_bytes([block[0], block[1], block[2], block[3], block[4], block[5], block[6], block[7]]);
            if eight & 0x8080_8080_8080_8080 == 0 {
                (pos, prev_word) = put_eight(&mut buf[pos..pos + 8], pos, prev_word, eight, table);
                i += 8;
                continue;
            }
        }
        let c = next_char(text, &mut i, table);
        (pos, prev_word) = put(buf, pos, prev_word, c);
    }
    if !prev_word && pos > 0 {
        pos -= 1; // the space after the last word
    }
    out.truncate(pos);
}

/// Eight ASCII characters (the bytes of `eight`, first in the low byte) of [`clean_str_into`] into
/// `dst` (the output from `pos` on): which are kept is a mask (a word character, or the first
/// non-word one after a word character), and each kept one goes to the place the count of kept
/// ones before it gives, so the eight writes do not wait on each other. Returns the next position
/// and whether the last character is a word character.
#[inline(always)]
fn put_eight(dst: &mut [u32], pos: usize, prev_word: bool, eight: u64, table: &[u32; 128]) -> (usize, bool) {
    let (mut values, mut word) = ([SPACE; 8], 0u32);
    for (k, v) in values.iter_mut().enumerate() {
        let c = table[((eight >> (8 * k)) & 0x7F) as usize];
        if c != NOT_WORD {
            *v = c;
        }
        word |= ((c != NOT_WORD) as u32) << k;
    }
    let keep = word | (((word << 1) | prev_word as u32) & 0xFF);
    for (k, &v) in values.iter().enumerate() {
        dst[(keep & ((1u32 << k) - 1)).count_ones() as usize] = v;
    }
    (pos + keep.count_ones() as usize, word >> 7 & 1 == 1)
}

/// Write character `c` (or [`NOT_WORD`]) of [`clean_str_into`] at `pos`: itself, or a space kept
/// only after a word character. Returns the next position and whether `c` is a word character.
#[inline(always)]
fn put(buf: &mut [u32], pos: usize, prev_word: bool, c: u32) -> (usize, bool) {
    let word = c != NOT_WORD;
    buf[pos] = if word { c } else { SPACE };
    (pos + (word || prev_word) as usize, word)
}

/// The character of `text` at byte `i` (a character boundary), ASCII through `table`, as its
/// code point (ASCII capitals folded by the table) or [`NOT_WORD`]; `i` moves past it.
#[inline(always)]
pub(crate) fn next_char(text: &str, i: &mut usize, table: &[u32; 128]) -> u32 {
    let byte = text.as_bytes()[*i];
    if byte < 0x80 {
        *i += 1;
        return table[byte as usize];
    }
    let ch = text[*i..].chars().next().unwrap_or('\0');
    *i += ch.len_utf8().max(1);
    if is_word(ch as u32) {
        ch as u32
    } else {
        NOT_WORD
    }
}

/// The mark of a non-word character in the ASCII tables (NUL is not a word character).
pub(crate) const NOT_WORD: u32 = 0;

/// ASCII code point -> itself if a word character, else [`NOT_WORD`]; the folded table also lower-cases.
pub(crate) const ASCII_PLAIN: [u32; 128] = ascii_table(false);
pub(crate) const ASCII_FOLDED: [u32; 128] = ascii_table(true);

const fn ascii_table(fold: bool) -> [u32; 128] {
    let mut t = [NOT_WORD; 128];
    let mut c = 0u32;
    while c < 128 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || b == b'_' {
            t[c as usize] = if fold && b.is_ascii_uppercase() { c + 32 } else { c };
        }
        c += 1;
    }
    t
}

/// Character n-gram hashes of `cps` into `out` (cleared first); `scratch` is reused memory.
pub fn char_ngram_hashes(cps: &[u32], n: usize, fold: bool, scratch: &mut Vec<u32>, out: &mut Vec<u64>) {
    clean_into(cps, fold, scratch);
    window_hashes(scratch, n, out);
}

/// [`char_ngram_hashes`] of a UTF-8 text (the same hashes, see [`clean_str_into`]).
pub fn char_ngram_hashes_str(text: &str, n: usize, fold: bool, scratch: &mut Vec<u32>, out: &mut Vec<u64>) {
    clean_str_into(text, fold, scratch);
    window_hashes(scratch, n, out);
}

/// `fmix64(fnv(window))` of every window of `n` code points of `clean` (one window of all of
/// it when shorter, none when empty), into `out` (cleared first).
fn window_hashes(clean: &[u32], n: usize, out: &mut Vec<u64>) {
    out.clear();
    let m = clean.len();
    if m == 0 {
        return;
    }
    let w = n.min(m);
    // Common widths get an unrolled loop; the hashes are the same as the general one's.
    match w {
        3 => fixed_windows::<3>(clean, out),
        4 => fixed_windows::<4>(clean, out),
        5 => fixed_windows::<5>(clean, out),
        6 => fixed_windows::<6>(clean, out),
        7 => fixed_windows::<7>(clean, out),
        8 => fixed_windows::<8>(clean, out),
        _ => out.extend(clean.windows(w).map(|win| fmix64(win.iter().fold(FNV_BASIS, |h, &c| fnv_step(h, c as u64))))),
    }
}

fn fixed_windows<const N: usize>(clean: &[u32], out: &mut Vec<u64>) {
    #[cfg(target_arch = "x86_64")]
    {
        if crate::simd::has_avx512dq() {
            return crate::simd::with_avx512dq(|| fixed_windows_body::<N>(clean, out));
        }
    }
    fixed_windows_body::<N>(clean, out)
}

/// Windows of width `N <= 8` (`clean` at least that long), eight at a time: the eight hashes of a
/// group are independent, so with 64-bit vector multiplies they are computed side by side.
#[inline(always)]
fn fixed_windows_body<const N: usize>(clean: &[u32], out: &mut Vec<u64>) {
    const LANES: usize = 8;
    let count = clean.len() + 1 - N;
    out.clear();
    out.resize(count, 0);
    let mut i = 0;
    while i + LANES <= count {
        // The code points the group reads, in a fixed-size array (so the reads need no bounds checks).
        let mut w = [0u32; 16];
        w[..LANES - 1 + N].copy_from_slice(&clean[i..i + LANES - 1 + N]);
        let mut h = [FNV_BASIS; LANES];
        for j in 0..N {
            for (l, hl) in h.iter_mut().enumerate() {
                *hl = fnv_step(*hl, w[l + j] as u64);
            }
        }
        for (o, &hl) in out[i..i + LANES].iter_mut().zip(&h) {
            *o = fmix64(hl);
        }
        i += LANES;
    }
    for (k, win) in clean[i..].windows(N).enumerate() {
        out[i + k] = fmix64(win.iter().fold(FNV_BASIS, |h, &c| fnv_step(h, c as u64)));
    }
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
    fn utf8_path_gives_the_code_point_path_hashes() {
        let samples = [
            "", " ", "a", "ab", "The Quick, brown FOX -- jumps; over 12 lazy dogs.",
            "Zürich's café — naïve “quotes” 中文字符 and ÉTÉ", "__x__ \u{1F600} y\u{0}z \u{10FFFF}",
            "  lead and trail  ", "one\ttwo\nthree\r\nfour",
        ];
        for s in samples {
            for n in 1..=9 {
                for fold in [false, true] {
                    let (mut scratch, mut via_str) = (Vec::new(), Vec::new());
                    char_ngram_hashes_str(s, n, fold, &mut scratch, &mut via_str);
                    assert_cleans_alike(s, fold);
                    assert_eq!(via_str, chars(s, n, fold), "{s:?} n={n} fold={fold}");
                    let (mut words_str, mut words) = (Vec::new(), Vec::new());
                    word_ngram_hashes_str(s, n, fold, &mut words_str);
                    word_ngram_hashes(&cps(s), n, fold, &mut words);
                    assert_eq!(words_str, words, "{s:?} n={n} fold={fold}");
                }
            }
        }
    }

    /// [`clean_str_into`] of `t` is [`clean_into`] of its code points.
    fn assert_cleans_alike(t: &str, fold: bool) {
        let (mut got, mut want) = (Vec::new(), Vec::new());
        clean_str_into(t, fold, &mut got);
        clean_into(&cps(t), fold, &mut want);
        assert_eq!(got, want, "{t:?} fold={fold}");
    }

    #[test]
    fn clean_str_matches_clean_on_every_mix_of_classes() {
        // Every string of up to 5 characters over ASCII word and non-word characters and non-ASCII
        // ones of both kinds, alone and behind prefixes that move it across an 8-byte block.
        for s in crate::testing::every_string("aZ_ .é—", 5) {
            for prefix in ["", "abc", "abcdefg", " x-y.z "] {
                let t = format!("{prefix}{s}");
                for fold in [false, true] {
                    assert_cleans_alike(&t, fold);
                }
            }
        }
    }

    #[test]
    fn eight_ascii_characters_at_once_match_one_at_a_time() {
        // Every block of 8 over word and non-word ASCII, after a word character or not, then a tail.
        let alphabet = [b'a', b'Z', b' ', b'.'];
        for code in 0..4u32.pow(8) {
            let block: Vec<u8> = (0..8).map(|k| alphabet[(code >> (2 * k)) as usize & 3]).collect();
            for lead in ["", "x", "x ", "é"] {
                assert_cleans_alike(&format!("{lead}{}q", std::str::from_utf8(&block).unwrap()), true);
            }
        }
    }

    #[test]
    fn grouped_windows_hash_as_one_window_at_a_time() {
        let clean: Vec<u32> = (0..203u32).map(|i| 97 + (i * 7919) % 26).chain([32, 0xE9, 0x4E2D]).collect();
        for len in [1usize, 5, 8, 12, 13, 16, 17, 40, 206] {
            let text = &clean[..len];
            for n in 1..=9usize {
                let w = n.min(len);
                let want: Vec<u64> = text.windows(w).map(|win| fmix64(win.iter().fold(FNV_BASIS, |h, &c| fnv_step(h, c as u64)))).collect();
                let mut got = Vec::new();
                window_hashes(text, n, &mut got);
                assert_eq!(got, want, "len={len} n={n}");
                if (3..=8).contains(&w) {
                    let mut scalar = Vec::new();
                    match w {
                        3 => fixed_windows_body::<3>(text, &mut scalar),
                        5 => fixed_windows_body::<5>(text, &mut scalar),
                        8 => fixed_windows_body::<8>(text, &mut scalar),
                        _ => scalar = want.clone(),
                    }
                    assert_eq!(scalar, want, "baseline path, len={len} n={n}");
                }
            }
        }
    }

    #[test]
    fn char_window_hash_is_fnv_of_code_points() {
        let h = chars("ab", 2, false);
        assert_eq!(h, vec![fmix64(fnv_step(fnv_step(FNV_BASIS, 97), 98))]);
    }
}
