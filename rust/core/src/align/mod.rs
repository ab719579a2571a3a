//! Text verification: `dedup.align.template_fill(a, b)`, the verdict on whether two texts are
//! one template filled with other facts (other figures, other names) rather than one document.
//!
//! A port that gives Python's verdict for every pair; the rules are stated in
//! [`classify`] and the Python module's docstring. Where the verdict rests on Python or on
//! rapidfuzz, the port reproduces them exactly:
//!
//! * characters are read as the running Python reads them (`re`'s Unicode `\w` and `\d`,
//!   `str.casefold`, `isalpha`, `isdigit`, `isalnum`, `isupper`, `upper()`/`lower()`): tables
//!   generated from Python ([`chars`], [`tables`]);
//! * figures are read as `float()` and Python's integer division read them ([`figures`], [`ratio`]);
//! * the word alignment is rapidfuzz's `Levenshtein.opcodes`, a port of its algorithm, since
//!   the verdict depends on which of the least-cost alignments it picks ([`levenshtein`]);
//! * character similarity is rapidfuzz's `Indel.normalized_similarity` ([`indel`]).
//!
//! Every threshold comes from Python in [`Params`] (`dedup.align` holds them). A batch
//! tokenizes each of its texts once ([`doc`]) and judges its pairs on the rayon pool it runs in.

pub mod chars;
pub mod classify;
pub mod doc;
pub mod figures;
pub mod indel;
pub mod levenshtein;
pub mod ratio;
pub mod tables;

use rayon::prelude::*;

pub use classify::{figures_agree, template_fill};
pub use doc::Doc;

/// The thresholds and word lists of `dedup.align`, passed from Python (one source of truth).
#[derive(Clone, Debug)]
pub struct Params {
    /// `NOISE_SIMILARITY`.
    pub noise_similarity: f64,
    /// `NOISY_RATE`.
    pub noisy_rate: f64,
    /// `NOISY_WORDS`.
    pub noisy_words: i64,
    /// `DAMAGED_RATE`.
    pub damaged_rate: f64,
    /// `FIGURE_SHARE`.
    pub figure_share: f64,
    /// `FIGURE_COUNT`.
    pub figure_count: i64,
    /// `CONTENT_SHARE`.
    pub content_share: f64,
    /// `EDGE_WORDS`.
    pub edge_words: i64,
    /// `MIN_FACT_LETTERS`.
    pub min_fact_letters: i64,
    /// `MAX_ALIGN_CELLS`.
    pub max_align_cells: i64,
    /// `NUMBER_WORDS`: each word (code points) with its number.
    pub number_words: Vec<(Vec<u32>, i64)>,
    /// `_SCALES`.
    pub scales: Vec<f64>,
    /// `_OCR_DIGITS`: the translation table, sorted by code point.
    pub ocr_digits: Vec<(u32, u32)>,
    /// `_SENTENCE_MARKS`.
    pub sentence_marks: Vec<u32>,
    /// `sys.get_int_max_str_digits()`: the most digits `int()` reads (0: no limit).
    pub int_max_str_digits: usize,
}

impl Params {
    /// The number of `word` if it is a number word.
    #[inline]
    pub fn number_word(&self, word: &[u32]) -> Option<i64> {
        self.number_words.iter().find(|(w, _)| doc::same(w, word)).map(|(_, n)| *n)
    }

    /// `c` after `_OCR_DIGITS`.
    #[inline]
    pub fn ocr_digit(&self, c: u32) -> u32 {
        match self.ocr_digits.binary_search_by_key(&c, |&(k, _)| k) {
            Ok(i) => self.ocr_digits[i].1,
            Err(_) => c,
        }
    }

    /// `dedup.align`'s values, for tests of this crate.
    #[cfg(test)]
    pub fn for_tests() -> Params {
        let cps = |s: &str| s.chars().map(u32::from).collect::<Vec<u32>>();
        let mut number_words: Vec<(Vec<u32>, i64)> =
            "zero one two three four five six seven eight nine ten eleven twelve".split(' ').enumerate().map(|(n, w)| (cps(w), n as i64)).collect();
        number_words.sort();
        let mut ocr_digits: Vec<(u32, u32)> = "oOlIi|sSbBzZ".chars().zip("001111558822".chars()).map(|(a, b)| (a as u32, b as u32)).collect();
        ocr_digits.sort();
        Params {
            noise_similarity: 0.6,
            noisy_rate: 0.02,
            noisy_words: 2,
            damaged_rate: 0.01,
            figure_share: 0.25,
            figure_count: 3,
            content_share: 0.15,
            edge_words: 6,
            min_fact_letters: 3,
            max_align_cells: 40_000_000,
            number_words,
            scales: vec![1.0, 1e3, 1e6, 1e9],
            ocr_digits,
            sentence_marks: cps(".!?:;\n\"'([-"),
            int_max_str_digits: 4300,
        }
    }
}

/// `template_fill(texts[i], texts[j])` for each pair `(i, j)`, on the current rayon pool:
/// each text is read as code points (`code_points`) and tokenized once, then the pairs are
/// judged in parallel.
pub fn template_fill_batch<T: Sync>(texts: &[T], code_points: impl Fn(&T) -> Vec<u32> + Sync, pairs: &[(usize, usize)], p: &Params) -> Vec<bool> {
    judge_batch(texts, code_points, pairs, p, template_fill)
}

/// `figures_agree(texts[i], texts[j])` for each pair `(i, j)`, as [`template_fill_batch`] runs.
pub fn figures_agree_batch<T: Sync>(texts: &[T], code_points: impl Fn(&T) -> Vec<u32> + Sync, pairs: &[(usize, usize)], p: &Params) -> Vec<bool> {
    judge_batch(texts, code_points, pairs, p, figures_agree)
}

/// `judge(texts[i], texts[j])` for each pair, each text tokenized once, the pairs judged in parallel.
fn judge_batch<T: Sync>(
    texts: &[T],
    code_points: impl Fn(&T) -> Vec<u32> + Sync,
    pairs: &[(usize, usize)],
    p: &Params,
    judge: fn(&Doc, &Doc, &Params) -> bool,
) -> Vec<bool> {
    let docs: Vec<Doc> = texts.par_iter().map(|t| Doc::new(code_points(t), p)).collect();
    pairs.par_iter().with_min_len(4).map(|&(i, j)| judge(&docs[i], &docs[j], p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cps(s: &str) -> Vec<u32> {
        s.chars().map(u32::from).collect()
    }

    fn fill(a: &str, b: &str) -> bool {
        let p = Params::for_tests();
        template_fill(&Doc::new(cps(a), &p), &Doc::new(cps(b), &p), &p)
    }

    fn dividend(company: &str, amount: &str, prior: &str, pay: &str, record: &str) -> String {
        format!(
            "{} SETS QUARTERLY DIVIDEND\n\n{company} said its board declared a quarterly dividend of {amount} cts a share, against {prior} cts a share paid in the prior quarter. The dividend is payable {pay} to shareholders of record {record}, the company said.",
            company.to_uppercase()
        )
    }

    #[test]
    fn other_figures_are_a_template_fill_and_noise_is_not() {
        let a = dividend("Acme Industries Inc", "25", "22", "April 15", "March 31");
        let b = dividend("Acme Industries Inc", "12", "10", "May 20", "April 30");
        assert!(fill(&a, &b) && fill(&b, &a));
        assert!(!fill(&a, &a));
        let noisy = a.replace("declared", "dec1ared").replace("shareholders", "sharehoIders");
        assert!(!fill(&a, &noisy));
        assert!(!fill("", "") && !fill("a b c", ""));
    }

    #[test]
    fn number_words_are_looked_up() {
        let p = Params::for_tests();
        assert_eq!(p.number_word(&cps("seven")), Some(7));
        assert_eq!(p.number_word(&cps("sevens")), None);
        assert_eq!(p.number_word(&cps("été")), None);
        assert_eq!(p.ocr_digit('O' as u32), '0' as u32);
    }
}
