//! Character predicates and mappings with Python's exact semantics, read off the generated tables.
//!
//! Python (`str` methods, `unicodedata`, the `re` module) and the `regex` module each use their
//! own Unicode version; Rust's `char` methods use yet another. Every test here answers what the
//! Python side answers, because its table was generated from the running Python
//! (`rust/tools/gen_normalize_tables.py`).

use super::tables;

/// Whether `c` lies in one of the sorted half-open `ranges`.
#[inline]
pub(crate) fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    let i = ranges.partition_point(|&(_, end)| end <= c);
    i < ranges.len() && ranges[i].0 <= c
}

/// `c.isspace()` in Python: the whitespace `str.split()` and `str.strip()` split and strip.
#[inline]
pub fn is_space(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c, '\t'..='\r' | '\x1c'..='\x1f' | ' ');
    }
    in_ranges(tables::PY_SPACE, c)
}

/// `c.isalpha()` in Python.
#[inline]
pub fn is_alpha(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    in_ranges(tables::PY_ALPHA, c)
}

/// `unicodedata.category(c) == "Ll"` in Python.
#[inline]
pub fn is_lowercase_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_lowercase();
    }
    in_ranges(tables::PY_LL, c)
}

/// Whether `c` is unassigned (category `Cn`) in Python's `unicodedata`.
#[inline]
pub fn is_unassigned(c: char) -> bool {
    // U+0378 is the first unassigned code point.
    c >= '\u{378}' && in_ranges(tables::PY_UNASSIGNED, c)
}

/// The `re` module's `\d` (for `str` patterns).
#[inline]
pub fn re_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_ranges(tables::RE_DIGIT, c)
}

/// The `re` module's `\s` (for `str` patterns).
#[inline]
pub fn re_space(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c, '\t'..='\r' | '\x1c'..='\x1f' | ' ');
    }
    in_ranges(tables::RE_SPACE, c)
}

/// The `re` module's `\w` (for `str` patterns).
#[inline]
pub fn re_word(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    in_ranges(tables::RE_WORD, c)
}

fn nocase(table: &'static [(char, &'static [char])], lit: char) -> &'static [char] {
    match table.binary_search_by_key(&lit, |&(l, _)| l) {
        Ok(i) => table[i].1,
        Err(_) => panic!("no case-insensitive entry for {lit:?}: add it to NOCASE_LITERALS in gen_normalize_tables.py"),
    }
}

/// Whether text character `c` matches the literal `lit` of an `re.IGNORECASE` pattern.
#[inline]
pub fn re_nocase_eq(c: char, lit: char) -> bool {
    nocase(tables::RE_NOCASE, lit).contains(&c)
}

/// The characters the literal `lit` matches under the `regex` module's `(?i)`.
pub fn rx_nocase(lit: char) -> &'static [char] {
    nocase(tables::RX_NOCASE, lit)
}

fn mapping(table: &'static [(char, &'static str)], c: char) -> Option<&'static str> {
    table.binary_search_by_key(&c, |&(k, _)| k).ok().map(|i| table[i].1)
}

/// `c.casefold()` in Python when it differs from `c`.
#[inline]
pub fn casefold(c: char) -> Option<&'static str> {
    mapping(tables::CASEFOLD, c)
}

/// Whether `c.casefold() != c` (a bit set over the Basic Multilingual Plane, built on first use).
#[inline]
pub fn casefold_changes(c: char) -> bool {
    static BITS: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    let bits = BITS.get_or_init(|| {
        let mut bits = vec![0u64; 0x10000 / 64];
        for &(k, _) in tables::CASEFOLD.iter().filter(|&&(k, _)| (k as u32) < 0x10000) {
            bits[k as usize / 64] |= 1 << (k as u32 % 64);
        }
        bits
    });
    let i = c as usize;
    if i < 0x10000 {
        bits[i / 64] >> (i % 64) & 1 == 1
    } else {
        casefold(c).is_some()
    }
}

/// `c.lower()` in Python, taken alone, when it differs from `c`.
#[inline]
pub fn lower(c: char) -> Option<&'static str> {
    mapping(tables::LOWER, c)
}

/// Whether `c.lower()` is not one character (so `text.lower()` moves positions).
#[inline]
pub fn lower_changes_length(c: char) -> bool {
    static LONG: std::sync::OnceLock<Vec<char>> = std::sync::OnceLock::new();
    let long = LONG.get_or_init(|| tables::LOWER.iter().filter(|(_, s)| s.chars().count() != 1).map(|&(c, _)| c).collect());
    !c.is_ascii() && long.contains(&c)
}

/// `c.lower()` for a character whose lower case is one character (else `c`).
#[inline]
pub fn lower_one(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    match lower(c) {
        Some(s) => {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(l), None) => l,
                _ => c,
            }
        }
        None => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_chars() -> impl Iterator<Item = char> {
        (0..0x11_0000u32).filter_map(char::from_u32)
    }

    #[test]
    fn ascii_fast_paths_agree_with_the_tables() {
        for c in (0..128u32).filter_map(char::from_u32) {
            assert_eq!(is_space(c), in_ranges(tables::PY_SPACE, c), "{c:?}");
            assert_eq!(is_alpha(c), in_ranges(tables::PY_ALPHA, c), "{c:?}");
            assert_eq!(is_lowercase_letter(c), in_ranges(tables::PY_LL, c), "{c:?}");
            assert_eq!(re_digit(c), in_ranges(tables::RE_DIGIT, c), "{c:?}");
            assert_eq!(re_space(c), in_ranges(tables::RE_SPACE, c), "{c:?}");
            assert_eq!(re_word(c), in_ranges(tables::RE_WORD, c), "{c:?}");
            assert_eq!(lower_one(c), lower(c).map_or(c, |s| s.chars().next().unwrap()), "{c:?}");
        }
        assert!(all_chars().filter(|&c| c < '\u{378}').all(|c| !in_ranges(tables::PY_UNASSIGNED, c)));
    }

    #[test]
    fn tables_are_sorted_and_disjoint() {
        for t in [
            tables::PY_SPACE, tables::PY_ALPHA, tables::PY_LL, tables::PY_UNASSIGNED, tables::RE_DIGIT, tables::RE_SPACE,
            tables::RE_WORD, tables::RX_LU, tables::RX_L, tables::RX_ZS, tables::RX_SPACE, tables::RX_DIGIT,
        ] {
            assert!(t.iter().all(|&(a, b)| a < b));
            assert!(t.windows(2).all(|w| w[0].1 < w[1].0));
        }
        for t in [tables::CASEFOLD, tables::LOWER] {
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }

    #[test]
    fn python_semantics_where_rust_differs() {
        // Python's whitespace includes the information separators; the `regex` module's does not.
        assert!(is_space('\x1c') && is_space('\u{a0}') && !is_space('\u{200b}'));
        assert!(!in_ranges(tables::RX_SPACE, '\x1c'));
        assert_eq!(casefold('ß'), Some("ss"));
        assert!((0..0x11_0000u32).filter_map(char::from_u32).all(|c| casefold_changes(c) == casefold(c).is_some()));
        assert_eq!(casefold('\u{130}'), Some("i\u{307}"));
        assert_eq!(casefold('\u{3c2}'), Some("\u{3c3}"));
        assert!(lower_changes_length('\u{130}') && !lower_changes_length('\u{3a3}'));
        assert_eq!(lower_one('\u{212a}'), 'k');
        // `re` matches dotless i for "i" under IGNORECASE; `regex` does not.
        assert!(re_nocase_eq('\u{131}', 'i') && !rx_nocase('i').contains(&'\u{131}'));
        assert!(re_nocase_eq('\u{17f}', 's') && rx_nocase('s').contains(&'\u{17f}'));
        assert!(is_alpha('é') && !is_alpha('\u{2160}') && is_lowercase_letter('ß') && !is_lowercase_letter('A'));
    }
}
