//! Python's reading of single characters: `re`'s `\w` and `\d`, `str.isalpha` / `isdigit` /
//! `isalnum` / `isupper`, whether `upper()` / `lower()` change a character, `str.casefold`,
//! and the value `int()` / `float()` give a decimal digit.
//!
//! The data is the running Python's ([`tables`](super::tables), generated); this module only
//! looks it up: one `u16` of flags per code point from a two-level table built on first use.

use super::tables;
use std::sync::OnceLock;

/// `re`'s `\w`.
pub const WORD: u16 = 1;
/// `re`'s `\d` (`str.isdecimal`).
pub const DECIMAL: u16 = 1 << 1;
/// `str.isdigit`.
pub const DIGIT: u16 = 1 << 2;
/// `str.isalpha`.
pub const ALPHA: u16 = 1 << 3;
/// `str.isalnum`.
pub const ALNUM: u16 = 1 << 4;
/// CPython's UPPER flag (`"X".isupper()`).
pub const UPPER: u16 = 1 << 5;
/// CPython's LOWER flag.
pub const LOWER: u16 = 1 << 6;
/// CPython's TITLE flag.
pub const TITLE: u16 = 1 << 7;
/// `ch.upper() != ch`.
pub const UPPER_CHANGES: u16 = 1 << 8;
/// `ch.lower() != ch`.
pub const LOWER_CHANGES: u16 = 1 << 9;

const BLOCK: usize = 256;
const CODE_POINTS: usize = 0x11_0000;

struct Table {
    /// Block number of each 256-code-point page.
    pages: Vec<u16>,
    /// Distinct blocks of 256 flag words.
    blocks: Vec<u16>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut flat = vec![0u16; CODE_POINTS];
        let classes: [(&[(u32, u32)], u16); 10] = [
            (&tables::WORD, WORD),
            (&tables::DECIMAL, DECIMAL),
            (&tables::DIGIT, DIGIT),
            (&tables::ALPHA, ALPHA),
            (&tables::ALNUM, ALNUM),
            (&tables::UPPER, UPPER),
            (&tables::LOWER, LOWER),
            (&tables::TITLE, TITLE),
            (&tables::UPPER_CHANGES, UPPER_CHANGES),
            (&tables::LOWER_CHANGES, LOWER_CHANGES),
        ];
        for (ranges, flag) in classes {
            for &(a, b) in ranges {
                for f in &mut flat[a as usize..b as usize] {
                    *f |= flag;
                }
            }
        }
        let mut pages = Vec::with_capacity(CODE_POINTS / BLOCK);
        let mut blocks: Vec<u16> = Vec::new();
        let mut seen: std::collections::HashMap<&[u16], u16> = std::collections::HashMap::new();
        for page in flat.chunks(BLOCK) {
            let id = *seen.entry(page).or_insert_with(|| {
                blocks.extend_from_slice(page);
                (blocks.len() / BLOCK - 1) as u16
            });
            pages.push(id);
        }
        Table { pages, blocks }
    })
}

/// The flags of ASCII, at compile time (the common case, without the table's indirections).
const ASCII: [u16; 128] = {
    const fn mark(mut out: [u16; 128], ranges: &[(u32, u32)], flag: u16) -> [u16; 128] {
        let mut i = 0;
        while i < ranges.len() {
            let (mut c, end) = ranges[i];
            while c < end && c < 128 {
                out[c as usize] |= flag;
                c += 1;
            }
            i += 1;
        }
        out
    }
    let mut t = [0u16; 128];
    t = mark(t, &tables::WORD, WORD);
    t = mark(t, &tables::DECIMAL, DECIMAL);
    t = mark(t, &tables::DIGIT, DIGIT);
    t = mark(t, &tables::ALPHA, ALPHA);
    t = mark(t, &tables::ALNUM, ALNUM);
    t = mark(t, &tables::UPPER, UPPER);
    t = mark(t, &tables::LOWER, LOWER);
    t = mark(t, &tables::TITLE, TITLE);
    t = mark(t, &tables::UPPER_CHANGES, UPPER_CHANGES);
    mark(t, &tables::LOWER_CHANGES, LOWER_CHANGES)
};

/// The flags of code point `c` (0 beyond Unicode).
#[inline]
pub fn flags(c: u32) -> u16 {
    if c < 128 {
        return ASCII[c as usize];
    }
    let c = c as usize;
    if c >= CODE_POINTS {
        return 0;
    }
    let t = table();
    t.blocks[t.pages[c / BLOCK] as usize * BLOCK + c % BLOCK]
}

/// Whether `c` has all of `flag`.
#[inline]
pub fn is(c: u32, flag: u16) -> bool {
    flags(c) & flag == flag
}

/// `s.isX()` for a class read character by character (`isalpha`, `isdigit`, `isalnum`):
/// true when `s` is not empty and every character has `flag`.
pub fn all(s: &[u32], flag: u16) -> bool {
    !s.is_empty() && s.iter().all(|&c| is(c, flag))
}

/// `s.isupper()`: CPython's rule. One character: its UPPER flag. Longer: no character lower or
/// title case, and at least one upper case.
pub fn str_isupper(s: &[u32]) -> bool {
    match s {
        [] => false,
        [c] => is(*c, UPPER),
        _ => {
            let mut cased = false;
            for &c in s {
                let f = flags(c);
                if f & (LOWER | TITLE) != 0 {
                    return false;
                }
                cased |= f & UPPER != 0;
            }
            cased
        }
    }
}

/// Append `str.casefold()` of `c` to `out`.
#[inline]
pub fn casefold_into(c: u32, out: &mut Vec<u32>) {
    if c < 128 {
        out.push(if (65..=90).contains(&c) { c + 32 } else { c });
        return;
    }
    match tables::CASEFOLD.binary_search_by_key(&c, |&(k, _)| k) {
        Ok(i) => out.extend(tables::CASEFOLD[i].1.iter().copied().filter(|&x| x != 0)),
        Err(_) => out.push(c),
    }
}

/// The digit value `int()` reads a `\d` character as, or None for another character.
pub fn decimal_value(c: u32) -> Option<u32> {
    if (48..=57).contains(&c) {
        return Some(c - 48);
    }
    let i = tables::DECIMAL_VALUES.partition_point(|&(_, end, _)| end <= c);
    match tables::DECIMAL_VALUES.get(i) {
        Some(&(start, _, v)) if start <= c => Some(v + (c - start)),
        _ => None,
    }
}

/// The class tables by name, for checking them against Python.
pub fn class_ranges() -> Vec<(&'static str, &'static [(u32, u32)])> {
    vec![
        ("WORD", &tables::WORD[..]),
        ("DECIMAL", &tables::DECIMAL[..]),
        ("DIGIT", &tables::DIGIT[..]),
        ("ALPHA", &tables::ALPHA[..]),
        ("ALNUM", &tables::ALNUM[..]),
        ("UPPER", &tables::UPPER[..]),
        ("LOWER", &tables::LOWER[..]),
        ("TITLE", &tables::TITLE[..]),
        ("UPPER_CHANGES", &tables::UPPER_CHANGES[..]),
        ("LOWER_CHANGES", &tables::LOWER_CHANGES[..]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Vec<u32> {
        x.chars().map(u32::from).collect()
    }

    #[test]
    fn classes_of_common_characters() {
        assert!(is('a' as u32, WORD | ALPHA | ALNUM | LOWER | UPPER_CHANGES));
        assert!(is('_' as u32, WORD) && !is('_' as u32, ALNUM));
        assert!(is('7' as u32, WORD | DECIMAL | DIGIT | ALNUM));
        assert!(is('²' as u32, DIGIT) && !is('²' as u32, DECIMAL));
        assert!(is(0x0663, DECIMAL) && decimal_value(0x0663) == Some(3));
        assert!(!is('-' as u32, WORD) && flags(0x11_0000) == 0);
    }

    #[test]
    fn isupper_and_casefold() {
        assert!(str_isupper(&s("ABC")) && str_isupper(&s("A1")) && !str_isupper(&s("Ab")) && !str_isupper(&s("12")));
        let mut out = Vec::new();
        for c in s("Straße") {
            casefold_into(c, &mut out);
        }
        assert_eq!(out, s("strasse"));
    }
}
