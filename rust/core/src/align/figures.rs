//! Figures read as numbers (`dedup.align._value`, `_half_unit`, `_found`, `_digits`).
//!
//! * A number word (`seven`) is its number.
//! * A fraction, the whole token `(?:(\d+)-)?(\d+)/(\d+)` (`6-1/2`, `3/4`), is
//!   `whole + num / den` computed as Python computes it on its integers: the quotient
//!   correctly rounded, the whole number rounded to a float, then one float addition; no
//!   number when `den` is 0, when a part has more digits than `int()` reads, or beyond a float.
//! * Otherwise the leading number `\d[\d,]*(?:\.\d+)?` followed by the end or by `-` and a
//!   letter (`40-mln`, `15.5-pct`), found with `re`'s backtracking, commas dropped, read as
//!   `float()` reads it (correctly rounded); no number if it is infinite.
//! * The half unit of a decimal figure is `0.5 * 10.0 ** -d`, `d` the digits after its last
//!   `.` (commas dropped) when they are all digits (`str.isdigit`), else 0; fractions and
//!   number words are exact (0).
//! * A figure is found among sorted values when one equals it, or when one rounds to it at its
//!   precision (strictly within half its unit) in units, thousands, millions or billions (the
//!   `scales`), a value at least that scale.

use super::chars::{self, DECIMAL, DIGIT, WORD};
use super::ratio::{self, Big};
use super::Params;

/// The number `word` states, or None (`_value`).
pub fn value(word: &[u32], p: &Params) -> Option<f64> {
    if let Some(n) = p.number_word(word) {
        return Some(n as f64);
    }
    if let Some(parts) = fraction_parts(word) {
        return fraction_value(parts, p.int_max_str_digits);
    }
    let end = leading_number(word)?;
    let mut ascii = String::with_capacity(end);
    for &c in &word[..end] {
        if c == ',' as u32 {
            continue;
        }
        if c == '.' as u32 {
            ascii.push('.');
        } else {
            ascii.push(char::from(b'0' + chars::decimal_value(c)? as u8));
        }
    }
    let v: f64 = ascii.parse().ok()?;
    v.is_finite().then_some(v)
}

type Digits<'a> = &'a [u32];

/// `(whole, num, den)` when `word` is the whole match of `(?:(\d+)-)?(\d+)/(\d+)`.
fn fraction_parts(word: &[u32]) -> Option<(Option<Digits<'_>>, Digits<'_>, Digits<'_>)> {
    let digits = |s: &[u32]| s.iter().take_while(|&&c| chars::is(c, DECIMAL)).count();
    let a = digits(word);
    if a == 0 || a == word.len() {
        return None;
    }
    let (first, rest) = word.split_at(a);
    let (whole, rest) = if rest[0] == '-' as u32 {
        let b = digits(&rest[1..]);
        if b == 0 {
            return None;
        }
        let (num, tail) = rest[1..].split_at(b);
        (Some(first), (num, tail))
    } else {
        (None, (first, rest))
    };
    let (num, tail) = rest;
    if tail.first() != Some(&('/' as u32)) {
        return None;
    }
    let den = &tail[1..];
    if den.is_empty() || digits(den) != den.len() {
        return None;
    }
    Some((whole, num, den))
}

/// `whole + num / den` on Python integers, or None where Python gives none (see the module docs).
fn fraction_value((whole, num, den): (Option<Digits<'_>>, Digits<'_>, Digits<'_>), max_digits: usize) -> Option<f64> {
    let int = |d: Digits<'_>| -> Option<Big> {
        if max_digits > 0 && d.len() > max_digits {
            return None; // int() refuses it (ValueError)
        }
        Some(Big::from_digits(d.iter().map(|&c| chars::decimal_value(c).unwrap_or(0))))
    };
    let whole = match whole {
        Some(w) => int(w)?,
        None => Big::zero(),
    };
    let (num, den) = (int(num)?, int(den)?);
    if den.is_zero() {
        return None;
    }
    let q = ratio::true_divide(&num, &den)?;
    let w = ratio::true_divide(&whole, &Big::one())?;
    Some(w + q)
}

/// End of `_LEADING_NUMBER.match(word)`, or None.
fn leading_number(word: &[u32]) -> Option<usize> {
    let dec = |c: u32| chars::is(c, DECIMAL);
    if !word.first().is_some_and(|&c| dec(c)) {
        return None;
    }
    let n = word.len();
    // The lookahead `(?=$|-[^\W\d_])`.
    let ahead = |p: usize| {
        p == n || (word[p] == '-' as u32 && p + 1 < n && {
            let c = word[p + 1];
            chars::is(c, WORD) && !dec(c) && c != '_' as u32
        })
    };
    let mut run = 1; // `\d[\d,]*`, greedy
    while run < n && (dec(word[run]) || word[run] == ',' as u32) {
        run += 1;
    }
    // Backtracking: the longest `[\d,]*` first; at its full length the `(?:\.\d+)?` group is
    // tried first (its `\d+` longest first), then left out. A shorter run ends on `[\d,]`, so
    // the group cannot follow it.
    for end in (1..=run).rev() {
        if end == run && end < n && word[end] == '.' as u32 {
            let mut k = end + 1;
            while k < n && dec(word[k]) {
                k += 1;
            }
            for stop in (end + 2..=k).rev() {
                if ahead(stop) {
                    return Some(stop);
                }
            }
        }
        if ahead(end) {
            return Some(end);
        }
    }
    None
}

/// Half the last unit `word` states (`_half_unit`).
pub fn half_unit(word: &[u32], p: &Params) -> f64 {
    if p.number_word(word).is_some() || word.contains(&('/' as u32)) {
        return 0.0;
    }
    let digits = match word.iter().rposition(|&c| c == '.' as u32) {
        Some(dot) => {
            let tail: Vec<u32> = word[dot + 1..].iter().copied().filter(|&c| c != ',' as u32).collect();
            if chars::all(&tail, DIGIT) {
                tail.len()
            } else {
                0
            }
        }
        None => 0,
    };
    0.5 * 10f64.powf(-(digits as f64))
}

/// Whether a figure of number `v` and half unit `half` states one of sorted `values` (`_found`).
pub fn found(v: Option<f64>, half: f64, values: &[f64], scales: &[f64]) -> bool {
    let Some(v) = v else { return false };
    let at = values.partition_point(|&x| x < v);
    if at < values.len() && values[at] == v {
        return true;
    }
    if half == 0.0 {
        return false;
    }
    for &s in scales {
        let (lo, hi) = (s * (v - half), s * (v + half));
        let mut at = values.partition_point(|&x| x <= lo);
        while at < values.len() && values[at] < hi {
            if values[at].abs() >= s {
                return true;
            }
            at += 1;
        }
    }
    false
}

/// `_digits(text)`: the characters that are digits (`str.isdigit`) once OCR's letters for digits are read as digits.
pub fn ocr_digits(text: &[u32], p: &Params, out: &mut Vec<u32>) {
    out.clear();
    for &c in text {
        let c = p.ocr_digit(c);
        if chars::is(c, DIGIT) {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cps(s: &str) -> Vec<u32> {
        s.chars().map(u32::from).collect()
    }

    fn v(s: &str) -> Option<f64> {
        value(&cps(s), &Params::for_tests())
    }

    #[test]
    fn values_of_figures() {
        assert_eq!(v("1,660,000"), Some(1_660_000.0));
        assert_eq!(v("6-1/2"), Some(6.5));
        assert_eq!(v("3/4"), Some(0.75));
        assert_eq!(v("3/0"), None);
        assert_eq!(v("16.5"), Some(16.5));
        assert_eq!(v("seven"), Some(7.0));
        assert_eq!(v("40-mln"), Some(40.0));
        assert_eq!(v("15.5-pct"), Some(15.5));
        assert_eq!(v("5-year"), Some(5.0));
        assert_eq!(v("12/31/87"), None);
        assert_eq!(v("555-1234"), None);
        assert_eq!(v("1.2.3"), None);
        assert_eq!(v("1.5x"), None);
        assert_eq!(v("1.5-x"), Some(1.5));
        assert_eq!(v("x1"), None);
        assert_eq!(v("١٢.٥"), Some(12.5));
        assert_eq!(v(&"9".repeat(400)), None);
    }

    #[test]
    fn half_units_and_found() {
        let p = Params::for_tests();
        assert_eq!(half_unit(&cps("4.9"), &p), 0.05);
        assert_eq!(half_unit(&cps("269"), &p), 0.5);
        assert_eq!(half_unit(&cps("6-1/4"), &p), 0.0);
        assert_eq!(half_unit(&cps("1.2x"), &p), 0.5);
        let scales = [1.0, 1e3, 1e6, 1e9];
        assert!(found(Some(4.9), 0.05, &[4_895_720.0], &scales));
        assert!(found(Some(269.0), 0.5, &[269.1], &scales));
        assert!(!found(Some(6.25), 0.0, &[6.5], &scales));
        assert!(!found(Some(4.9), 0.05, &[4.0], &scales));
        assert!(!found(None, 0.5, &[1.0], &scales));
    }
}
