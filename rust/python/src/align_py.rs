//! Bindings of `dedup_core::align`: the text verification verdict (`dedup.align.template_fill`)
//! for many pairs on threads without the GIL, and the pieces of it that tests compare with
//! Python and rapidfuzz one by one.
//!
//! Thresholds and word lists come from `dedup.align._core_params()` as a dict; a missing or
//! unknown key, or a value of the wrong type, is a `ValueError` naming it.

use dedup_core::align::{self, chars, figures, indel, levenshtein, Doc, Params};
use numpy::{IntoPyArray, PyArray1};
use crate::args::bad;
use crate::pool::parallel;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use std::collections::HashMap;

/// The code points of a Python `str`, lone surrogates included (they are not valid UTF-8).
fn code_points(s: &Bound<'_, PyString>) -> PyResult<Vec<u32>> {
    match s.to_str() {
        Ok(t) => Ok(dedup_core::codepoints::code_points(t)),
        Err(_) => {
            let raw = s.call_method1("encode", ("utf-32-le", "surrogatepass"))?;
            let bytes = raw.cast::<PyBytes>()?.as_bytes();
            Ok(bytes.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
        }
    }
}

/// A text of a batch: read in place when it is valid UTF-8, else its code points.
enum Text<'a> {
    Str(&'a str),
    CodePoints(Vec<u32>),
}

impl Text<'_> {
    fn len(&self) -> usize {
        match self {
            Text::Str(s) => s.len(),
            Text::CodePoints(v) => v.len(),
        }
    }

    fn code_points(&self) -> Vec<u32> {
        match self {
            Text::Str(s) => dedup_core::codepoints::code_points(s),
            Text::CodePoints(v) => v.clone(),
        }
    }
}

fn text_arg<'a>(x: &'a Bound<'_, PyAny>, what: &str) -> PyResult<Text<'a>> {
    let s = x.cast::<PyString>().map_err(|_| bad(format!("{what} must be a str, got {}", x.get_type().name().map_or("?".into(), |n| n.to_string()))))?;
    Ok(match s.to_str() {
        Ok(t) => Text::Str(t),
        Err(_) => Text::CodePoints(code_points(s)?),
    })
}

/// Read `dedup.align._core_params()`.
pub(crate) fn params(d: &Bound<'_, PyDict>) -> PyResult<Params> {
    const KEYS: [&str; 15] = [
        "NOISE_SIMILARITY",
        "NOISY_RATE",
        "NOISY_WORDS",
        "DAMAGED_RATE",
        "FIGURE_SHARE",
        "FIGURE_COUNT",
        "CONTENT_SHARE",
        "EDGE_WORDS",
        "MIN_FACT_LETTERS",
        "MAX_ALIGN_CELLS",
        "NUMBER_WORDS",
        "SCALES",
        "OCR_DIGITS",
        "SENTENCE_MARKS",
        "INT_MAX_STR_DIGITS",
    ];
    for k in d.keys() {
        let k: String = k.extract().map_err(|_| bad("params keys must be str".into()))?;
        if !KEYS.contains(&k.as_str()) {
            return Err(bad(format!("params: unknown key {k:?}")));
        }
    }
    let get = |k: &str| -> PyResult<Bound<'_, PyAny>> { d.get_item(k)?.ok_or_else(|| bad(format!("params: {k} is missing"))) };
    let float = |k: &str| -> PyResult<f64> {
        let v = get(k)?;
        v.extract::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| bad(format!("params: {k} must be a finite number, got {v}")))
    };
    let int = |k: &str| -> PyResult<i64> {
        let v = get(k)?;
        if v.is_instance_of::<pyo3::types::PyBool>() {
            return Err(bad(format!("params: {k} must be an int, got {v}")));
        }
        v.extract::<i64>().map_err(|_| bad(format!("params: {k} must be an int, got {v}")))
    };
    let cps = |s: &str| s.chars().map(u32::from).collect::<Vec<u32>>();
    let mut number_words: Vec<(Vec<u32>, i64)> = get("NUMBER_WORDS")?
        .extract::<Vec<(String, i64)>>()
        .map_err(|_| bad("params: NUMBER_WORDS must be a list of (str, int)".into()))?
        .into_iter()
        .map(|(w, n)| (cps(&w), n))
        .collect();
    number_words.sort();
    number_words.dedup_by(|a, b| a.0 == b.0);
    let scales: Vec<f64> = get("SCALES")?.extract().map_err(|_| bad("params: SCALES must be a list of floats".into()))?;
    let mut ocr_digits: Vec<(u32, u32)> = get("OCR_DIGITS")?
        .extract::<HashMap<u32, u32>>()
        .map_err(|_| bad("params: OCR_DIGITS must be a str.maketrans table of code points".into()))?
        .into_iter()
        .collect();
    ocr_digits.sort();
    let marks: String = get("SENTENCE_MARKS")?.extract().map_err(|_| bad("params: SENTENCE_MARKS must be a str".into()))?;
    let max_digits = int("INT_MAX_STR_DIGITS")?;
    Ok(Params {
        noise_similarity: float("NOISE_SIMILARITY")?,
        noisy_rate: float("NOISY_RATE")?,
        noisy_words: int("NOISY_WORDS")?,
        damaged_rate: float("DAMAGED_RATE")?,
        figure_share: float("FIGURE_SHARE")?,
        figure_count: int("FIGURE_COUNT")?,
        content_share: float("CONTENT_SHARE")?,
        edge_words: int("EDGE_WORDS")?,
        min_fact_letters: int("MIN_FACT_LETTERS")?,
        max_align_cells: int("MAX_ALIGN_CELLS")?,
        number_words,
        scales,
        ocr_digits,
        sentence_marks: cps(&marks),
        int_max_str_digits: usize::try_from(max_digits).map_err(|_| bad(format!("params: INT_MAX_STR_DIGITS must be >= 0, got {max_digits}")))?,
    })
}

/// Pairs judged per round, and the text (bytes, counted once per distinct text) that closes a
/// round: the texts of a round are read in place and tokenized once, and their tokens (some
/// 12 bytes a character) are held until the round ends, so memory follows the round.
pub(crate) const ROUND: usize = 8192;
pub(crate) const ROUND_TEXT: usize = 1 << 22;

/// `dedup.align.template_fill(texts_a[m], texts_b[m])` for every `m` (a bool array), on
/// `threads` threads (0: one per core) without the GIL. A text in several pairs of a round
/// (the same `str` object) is tokenized once.
#[pyfunction]
#[pyo3(signature = (texts_a, texts_b, params, threads=0))]
fn template_fill_batch<'py>(
    py: Python<'py>,
    texts_a: Vec<Bound<'py, PyAny>>,
    texts_b: Vec<Bound<'py, PyAny>>,
    params: &Bound<'py, PyDict>,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    judged(py, &texts_a, &texts_b, params, threads, false)
}

/// `dedup.verify.Verifier.figures_agree(texts_a[m], texts_b[m])` for every `m` (a bool array), as
/// [`template_fill_batch`] runs: the full alignment pairs a figure and changes none, without a template fill.
#[pyfunction]
#[pyo3(signature = (texts_a, texts_b, params, threads=0))]
fn figures_agree_batch<'py>(
    py: Python<'py>,
    texts_a: Vec<Bound<'py, PyAny>>,
    texts_b: Vec<Bound<'py, PyAny>>,
    params: &Bound<'py, PyDict>,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    judged(py, &texts_a, &texts_b, params, threads, true)
}

/// The pairs `(texts_a[m], texts_b[m])` judged in rounds: their template fills, or with `figures` whether
/// the alignment clears their figures.
fn judged<'py>(
    py: Python<'py>,
    texts_a: &[Bound<'py, PyAny>],
    texts_b: &[Bound<'py, PyAny>],
    params: &Bound<'py, PyDict>,
    threads: usize,
    figures: bool,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    if texts_a.len() != texts_b.len() {
        return Err(bad(format!("texts_a and texts_b: lengths {} and {} differ", texts_a.len(), texts_b.len())));
    }
    let p = self::params(params)?;
    let mut out: Vec<bool> = Vec::with_capacity(texts_a.len());
    let mut start = 0;
    while start < texts_a.len() {
        let mut index: HashMap<usize, usize> = HashMap::new();
        let mut texts: Vec<Text<'_>> = Vec::new();
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let mut size = 0usize;
        let mut m = start;
        while m < texts_a.len() && pairs.len() < ROUND && size < ROUND_TEXT {
            let mut ij = [0usize; 2];
            for (side, (list, name)) in [(texts_a, "texts_a"), (texts_b, "texts_b")].into_iter().enumerate() {
                let x = &list[m];
                let key = x.as_ptr() as usize;
                ij[side] = match index.get(&key) {
                    Some(&i) => i,
                    None => {
                        let t = text_arg(x, &format!("{name}[{m}]"))?;
                        size += t.len();
                        texts.push(t);
                        index.insert(key, texts.len() - 1);
                        texts.len() - 1
                    }
                };
            }
            pairs.push((ij[0], ij[1]));
            m += 1;
        }
        let fills = if figures {
            parallel(py, threads, || align::figures_agree_batch(&texts, Text::code_points, &pairs, &p))?
        } else {
            parallel(py, threads, || align::template_fill_batch(&texts, Text::code_points, &pairs, &p))?
        };
        out.extend(fills);
        start = m;
    }
    Ok(out.into_pyarray(py))
}

// -- the pieces, for tests -----------------------------------------------------------------

/// `Levenshtein.opcodes(a, b)` of two sequences of hashable ids (ints), as `(tag, i1, i2, j1, j2)`.
/// With `fast`, [`levenshtein::opcodes_fast`] (what the verdict uses), else the plain port.
#[pyfunction]
#[pyo3(signature = (a, b, fast=true))]
fn align_opcodes(a: Vec<i64>, b: Vec<i64>, fast: bool) -> Vec<(&'static str, usize, usize, usize, usize)> {
    let mut ids: HashMap<i64, u32> = HashMap::new();
    let mut id = |x: i64| {
        let n = ids.len() as u32;
        *ids.entry(x).or_insert(n)
    };
    let a: Vec<u32> = a.into_iter().map(&mut id).collect();
    let b: Vec<u32> = b.into_iter().map(&mut id).collect();
    let codes = if fast { levenshtein::opcodes_fast(&a, &b, ids.len()) } else { levenshtein::opcodes(&a, &b, ids.len()) };
    codes
        .into_iter()
        .map(|o| {
            let tag = match o.tag {
                levenshtein::Tag::Equal => "equal",
                levenshtein::Tag::Replace => "replace",
                levenshtein::Tag::Insert => "insert",
                levenshtein::Tag::Delete => "delete",
            };
            (tag, o.i1, o.i2, o.j1, o.j2)
        })
        .collect()
}

/// `Indel.normalized_similarity(a, b)` of two strings.
#[pyfunction]
fn align_indel_similarity(a: &Bound<'_, PyString>, b: &Bound<'_, PyString>) -> PyResult<f64> {
    Ok(indel::normalized_similarity(&code_points(a)?, &code_points(b)?))
}

type DocParts = (Vec<String>, Vec<String>, Vec<u32>, Vec<bool>, bool);
type CharTables = (Vec<(&'static str, Vec<(u32, u32)>)>, Vec<(u32, Vec<u32>)>);

/// What `dedup.align._Doc(text)` holds: `(raw tokens, words, token starts, figure flags, mixed)`.
#[pyfunction]
fn align_doc(text: &Bound<'_, PyString>, params: &Bound<'_, PyDict>) -> PyResult<DocParts> {
    let p = self::params(params)?;
    let d = Doc::new(code_points(text)?, &p);
    let s = |x: &[u32]| x.iter().map(|&c| char::from_u32(c).unwrap_or('\u{FFFD}')).collect::<String>();
    Ok((
        (0..d.len()).map(|k| s(d.raw(k))).collect(),
        (0..d.len()).map(|k| s(d.word(k))).collect(),
        d.spans.iter().map(|&(a, _)| a).collect(),
        d.figure.clone(),
        d.mixed,
    ))
}

/// `(_value(word), _half_unit(word))` of a casefolded word.
#[pyfunction]
fn align_figure(word: &Bound<'_, PyString>, params: &Bound<'_, PyDict>) -> PyResult<(Option<f64>, f64)> {
    let p = self::params(params)?;
    let w = code_points(word)?;
    Ok((figures::value(&w, &p), figures::half_unit(&w, &p)))
}

/// `_found(word, values)`, `values` sorted.
#[pyfunction]
fn align_found(word: &Bound<'_, PyString>, values: Vec<f64>, params: &Bound<'_, PyDict>) -> PyResult<bool> {
    let p = self::params(params)?;
    let w = code_points(word)?;
    Ok(figures::found(figures::value(&w, &p), figures::half_unit(&w, &p), &values, &p.scales))
}

/// The character class tables (name -> half-open ranges) and the casefold table the port reads.
#[pyfunction]
fn align_char_tables() -> CharTables {
    let classes = chars::class_ranges().into_iter().map(|(n, r)| (n, r.to_vec())).collect();
    let folds = align::tables::CASEFOLD.iter().map(|&(c, f)| (c, f.iter().copied().filter(|&x| x != 0).collect())).collect();
    (classes, folds)
}

/// Add this module's functions to `dedup._core`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(template_fill_batch, m)?)?;
    m.add_function(wrap_pyfunction!(figures_agree_batch, m)?)?;
    m.add_function(wrap_pyfunction!(align_opcodes, m)?)?;
    m.add_function(wrap_pyfunction!(align_indel_similarity, m)?)?;
    m.add_function(wrap_pyfunction!(align_doc, m)?)?;
    m.add_function(wrap_pyfunction!(align_figure, m)?)?;
    m.add_function(wrap_pyfunction!(align_found, m)?)?;
    m.add_function(wrap_pyfunction!(align_char_tables, m)?)?;
    // The Unicode version of the Python the character tables come from.
    m.add("ALIGN_UNICODE_VERSION", align::tables::UNICODE_VERSION)?;
    // The sha256 of the parts of dedup/align.py the port mirrors (rust/tools/gen_align_tables.py).
    m.add("ALIGN_SOURCE_SHA256", align::tables::SOURCE_SHA256)?;
    Ok(())
}
