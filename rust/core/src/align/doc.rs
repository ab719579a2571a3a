//! One text as the alignment reads it (`dedup.align._Doc`), computed once per text of a batch.
//!
//! * Tokens: `_TOKEN = \w+(?:[.,/'’-]\w+)*` with `re`'s Unicode `\w`, found left to right:
//!   a run of word characters, then as long as a separator is followed by a word character,
//!   the separator and the next run.
//! * Words: each token `str.casefold()`ed; the alignment compares these.
//! * Figures: a word that is a number word, or that is not all letters (`isalpha`) and holds a
//!   `\d` digit. `figures_before[n]` counts the figures among the first `n` words.
//! * Mixed case: the text changes under both `upper()` and `lower()` (it has both cases).
//! * Distinct words: each word's number among the text's distinct words, with a hash table
//!   from word to number, so that a pair maps its two texts' words to common ids quickly.

use super::chars::{self, ALPHA, DECIMAL, LOWER_CHANGES, UPPER_CHANGES, WORD};
use super::figures;
use super::Params;

/// A tokenized text (see the module docs).
pub struct Doc {
    /// The text, as code points.
    pub text: Vec<u32>,
    /// Start and end (code point offsets) of each token in `text`.
    pub spans: Vec<(u32, u32)>,
    words: Vec<u32>,
    word_off: Vec<u32>,
    /// Whether each word is a figure.
    pub figure: Vec<bool>,
    /// `figures_before[n]`: figures among words `0..n`.
    pub figures_before: Vec<u32>,
    /// The text has both lower- and upper-case letters.
    pub mixed: bool,
    /// Each word's distinct-word number.
    pub local: Vec<u32>,
    table: Distinct,
    /// For each distinct word: its number (`_value`) and half unit (`_half_unit`), figures only.
    pub values: Vec<(Option<f64>, f64)>,
}

/// What an ASCII character is to [`token_spans`]: a word character, a separator, or neither.
const TOKEN_WORD: u8 = 1;
const TOKEN_SEP: u8 = 2;
const ASCII_TOKEN: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut c = 0usize;
    while c < 128 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || b == b'_' {
            t[c] = TOKEN_WORD;
        } else if matches!(b, b'.' | b',' | b'/' | b'\'' | b'-') {
            t[c] = TOKEN_SEP;
        }
        c += 1;
    }
    t
};

/// `\w` of `re` (Unicode): ASCII through a table, the rest through the character classes.
#[inline(always)]
fn is_word(c: u32) -> bool {
    if c < 128 {
        ASCII_TOKEN[c as usize] == TOKEN_WORD
    } else {
        chars::is(c, WORD)
    }
}

/// One of `_TOKEN`'s separators `[.,/'’-]`.
#[inline(always)]
fn is_separator(c: u32) -> bool {
    if c < 128 {
        ASCII_TOKEN[c as usize] == TOKEN_SEP
    } else {
        c == 0x2019
    }
}

/// Spans of `_TOKEN.finditer(text)`: a run of word characters, then as long as a separator is
/// followed by a word character, the two and the run that follows.
pub fn token_spans(text: &[u32]) -> Vec<(u32, u32)> {
    let n = text.len();
    let mut out = Vec::with_capacity(n / 4 + 1);
    let mut i = 0;
    while i < n {
        if !is_word(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        loop {
            while i < n && is_word(text[i]) {
                i += 1;
            }
            if i + 1 < n && is_separator(text[i]) && is_word(text[i + 1]) {
                i += 2;
            } else {
                break;
            }
        }
        out.push((start as u32, i as u32));
    }
    out
}

/// `a == b` for short slices (a loop, not a call to `memcmp`).
#[inline]
pub fn same(a: &[u32], b: &[u32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// A word's key: a word of at most 8 ASCII characters is its bytes (top bit clear; exact,
/// since no word holds a NUL), another its hash with the top bit set (then the words are compared).
#[inline]
pub fn key(word: &[u32]) -> u64 {
    if word.len() <= 8 && word.iter().all(|&c| c < 128) {
        return word.iter().fold(0u64, |k, &c| k << 8 | c as u64);
    }
    let mut h: u64 = word.len() as u64;
    for &c in word {
        h = (h.rotate_left(5) ^ c as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    (h ^ (h >> 29)) | 1 << 63
}

/// The number words' keys ([`key`]), sorted, behind a 1024-bit filter of them: most words are no
/// number word, and one bit rules them out before a search of the keys.
struct NumberKeys {
    keys: Vec<u64>,
    filter: [u64; 16],
}

impl NumberKeys {
    fn new(p: &Params) -> NumberKeys {
        let mut keys: Vec<u64> = p.number_words.iter().map(|(w, _)| key(w)).collect();
        keys.sort_unstable();
        let mut filter = [0u64; 16];
        for &h in &keys {
            let b = Self::slot(h);
            filter[b >> 6] |= 1 << (b & 63);
        }
        NumberKeys { keys, filter }
    }

    /// The filter bit of key `h`: its top ten bits after a multiplicative mix.
    #[inline(always)]
    fn slot(h: u64) -> usize {
        (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize
    }

    /// Whether `h` is the key of a number word.
    #[inline]
    fn contains(&self, h: u64) -> bool {
        let b = Self::slot(h);
        self.filter[b >> 6] >> (b & 63) & 1 == 1 && self.keys.binary_search(&h).is_ok()
    }
}

impl Doc {
    /// Tokenize `text` (code points).
    pub fn new(text: Vec<u32>, p: &Params) -> Doc {
        let spans = token_spans(&text);
        let n = spans.len();
        let (mut upper_changes, mut lower_changes) = (false, false);
        for &c in &text {
            let f = chars::flags(c);
            upper_changes |= f & UPPER_CHANGES != 0;
            lower_changes |= f & LOWER_CHANGES != 0;
            if upper_changes && lower_changes {
                break;
            }
        }
        let mut words = Vec::with_capacity(text.len());
        let mut word_off = Vec::with_capacity(n + 1);
        word_off.push(0u32);
        let mut figure = Vec::with_capacity(n);
        let mut figures_before = Vec::with_capacity(n + 1);
        figures_before.push(0u32);
        let mut local = Vec::with_capacity(n);
        let size = (2 * n).next_power_of_two().max(4);
        let mut table = Distinct { first: Vec::new(), keys: Vec::new(), slots: vec![0; size], shift: 64 - size.trailing_zeros() };
        let mut values = Vec::new();
        let number_keys = NumberKeys::new(p);
        for (k, &(s, e)) in spans.iter().enumerate() {
            let start = words.len();
            let mut ascii = true;
            for &c in &text[s as usize..e as usize] {
                if c < 128 {
                    words.push(if (65..=90).contains(&c) { c + 32 } else { c });
                } else {
                    ascii = false;
                    chars::casefold_into(c, &mut words);
                }
            }
            word_off.push(words.len() as u32);
            let w = &words[start..];
            let (digit, alpha) = if ascii {
                (w.iter().any(|c| (48..=57).contains(c)), w.iter().all(|&c| (c as u8).is_ascii_alphabetic()))
            } else {
                (w.iter().any(|&c| chars::is(c, DECIMAL)), chars::all(w, ALPHA))
            };
            let h = key(w);
            let number = number_keys.contains(h) && (h >> 63 == 0 || p.number_word(w).is_some());
            let fig = number || (digit && !alpha);
            figure.push(fig);
            figures_before.push(figures_before[k] + fig as u32);
            let id = match table.find(&words, &word_off, w, h) {
                Some(id) => id,
                None => {
                    values.push(if fig { (figures::value(w, p), figures::half_unit(w, p)) } else { (None, 0.0) });
                    table.insert(k as u32, h)
                }
            };
            local.push(id);
        }
        Doc { text, spans, words, word_off, figure, figures_before, mixed: upper_changes && lower_changes, local, table, values }
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.figure.len()
    }

    /// Whether the text has no words.
    pub fn is_empty(&self) -> bool {
        self.figure.is_empty()
    }

    /// Word `k`, casefolded.
    #[inline]
    pub fn word(&self, k: usize) -> &[u32] {
        &self.words[self.word_off[k] as usize..self.word_off[k + 1] as usize]
    }

    /// Token `k` as written.
    #[inline]
    pub fn raw(&self, k: usize) -> &[u32] {
        let (s, e) = self.spans[k];
        &self.text[s as usize..e as usize]
    }

    /// Distinct word `d`, casefolded.
    #[inline]
    pub fn distinct(&self, d: u32) -> &[u32] {
        self.word(self.table.first[d as usize] as usize)
    }

    /// Number of distinct words.
    pub fn n_distinct(&self) -> usize {
        self.table.first.len()
    }

    /// The key ([`key`]) of distinct word `d`.
    #[inline]
    pub fn distinct_key(&self, d: u32) -> u64 {
        self.table.keys[d as usize]
    }

    /// The distinct-word number of `word` (key `h`) in this text, if it is one of its words.
    pub fn find(&self, word: &[u32], h: u64) -> Option<u32> {
        self.table.find(&self.words, &self.word_off, word, h)
    }
}

/// The distinct words of a text: the first word that is each, its key, and an open-addressing
/// table from key to number (slots: number + 1; 0 is empty).
struct Distinct {
    first: Vec<u32>,
    keys: Vec<u64>,
    slots: Vec<u32>,
    shift: u32,
}

impl Distinct {
    #[inline]
    fn home(&self, h: u64) -> usize {
        (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    fn find(&self, words: &[u32], word_off: &[u32], word: &[u32], h: u64) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut at = self.home(h);
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return None;
            }
            let d = slot - 1;
            if self.keys[d as usize] == h {
                if h >> 63 == 0 {
                    return Some(d); // the key is the word
                }
                let w = self.first[d as usize] as usize;
                if same(&words[word_off[w] as usize..word_off[w + 1] as usize], word) {
                    return Some(d);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// Add word `k` (key `h`) as a new distinct word; its number.
    fn insert(&mut self, k: u32, h: u64) -> u32 {
        let id = self.first.len() as u32;
        self.first.push(k);
        self.keys.push(h);
        let mask = self.slots.len() - 1;
        let mut at = self.home(h);
        while self.slots[at] != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = id + 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cps(s: &str) -> Vec<u32> {
        s.chars().map(u32::from).collect()
    }

    fn tokens(s: &str) -> Vec<String> {
        let t = cps(s);
        token_spans(&t).iter().map(|&(a, b)| t[a as usize..b as usize].iter().map(|&c| char::from_u32(c).unwrap()).collect()).collect()
    }

    #[test]
    fn tokens_join_separators_between_word_characters() {
        assert_eq!(tokens("U.S. 1,660,000 dlrs, 6-1/2 pct; it's -x- a.b.-c"), ["U.S", "1,660,000", "dlrs", "6-1/2", "pct", "it's", "x", "a.b", "c"]);
        assert_eq!(tokens("l’été ... __ x"), ["l’été", "__", "x"]);
        assert!(tokens("").is_empty() && tokens(" -- ").is_empty());
    }

    /// `_TOKEN.finditer` as first written: the reference for [`token_spans`].
    fn spans_by_statement(text: &[u32]) -> Vec<(u32, u32)> {
        const SEPARATORS: [u32; 6] = ['.' as u32, ',' as u32, '/' as u32, '\'' as u32, 0x2019, '-' as u32];
        let word = |c: u32| if c < 128 { (c as u8).is_ascii_alphanumeric() || c == 95 } else { chars::is(c, WORD) };
        let (n, mut out, mut i) = (text.len(), Vec::new(), 0);
        while i < n {
            if !word(text[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && word(text[i]) {
                i += 1;
            }
            while i + 1 < n && SEPARATORS.contains(&text[i]) && word(text[i + 1]) {
                i += 1;
                while i < n && word(text[i]) {
                    i += 1;
                }
            }
            out.push((start as u32, i as u32));
        }
        out
    }

    #[test]
    fn token_spans_match_the_statement_on_every_mix_of_classes() {
        // Every string of up to 6 characters over word, separator and other characters
        // (ASCII and not), plus long mixed texts.
        for s in crate::testing::every_string("a9_.,/'-’ é;\u{2013}", 6) {
            let text = cps(&s);
            assert_eq!(token_spans(&text), spans_by_statement(&text), "{text:?}");
        }
        let long = cps("U.S.-based co's 1,660,000 dlrs -- 6-1/2 pct; l’été… a..b -x- __ end.");
        assert_eq!(token_spans(&long), spans_by_statement(&long));
    }

    #[test]
    fn words_figures_and_distinct_numbers() {
        let p = Params::for_tests();
        let d = Doc::new(cps("Three SHIPS and 3 ships, three x2"), &p);
        assert_eq!(d.len(), 7);
        assert_eq!(d.figure, [true, false, false, true, false, true, true]);
        assert_eq!(d.figures_before, [0, 1, 1, 1, 2, 2, 3, 4]);
        assert_eq!(d.local, [0, 1, 2, 3, 1, 0, 4]);
        assert!(d.mixed && d.word(1) == cps("ships").as_slice());
        assert!(!Doc::new(cps("ALL CAPS 12"), &p).mixed);
    }
}
