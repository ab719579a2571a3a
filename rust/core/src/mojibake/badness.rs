//! `ftfy.badness.is_bad`: does a text hold a character sequence that is almost only ever mojibake?
//!
//! ftfy decides both whether to try a repair and when a repair is finished with one regex,
//! `BADNESS_RE`. It is an alternation of short fixed sequences of character classes (plus one
//! `^` and one `\s?`), so a search is: at some position, some alternative's steps all match.
//! The generator took the regex apart with Python's own parser into [`BAD_ALTERNATIVES`] and a
//! per-character bit mask of class membership; matching here is bit tests.

use super::tables::{BadStep, BAD_ALTERNATIVES, BAD_MASK_HIGH, BAD_MASK_LOW};
use std::sync::OnceLock;

/// The `BADNESS_RE` classes `c` belongs to, one bit per class.
#[inline]
fn class_mask(c: char) -> u128 {
    let c = c as u32;
    if c < 256 {
        return BAD_MASK_LOW[c as usize];
    }
    super::range_value(&BAD_MASK_HIGH, c)
}

/// [`BAD_ALTERNATIVES`] sorted by what can start them, so that a position is tried only against
/// the alternatives its character can begin (a few, not all 37).
struct Index {
    /// Union of the classes that begin an alternative with a plain, required class.
    first: u128,
    /// For each class, the rest of the alternatives it begins that way.
    by_class: Vec<Vec<&'static [BadStep]>>,
    /// Alternatives that begin otherwise (`^`, a negated or optional class): always tried.
    other: Vec<&'static [BadStep]>,
    /// Every alternative needs a character above ASCII and is at most this long, so a match
    /// starts at most `reach - 1` characters before one; 0 if that does not hold.
    reach: usize,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut ix = Index { first: 0, by_class: vec![Vec::new(); 128], other: Vec::new(), reach: 0 };
        let ascii_classes = BAD_MASK_LOW[..128].iter().fold(0u128, |acc, &m| acc | m);
        let mut all_need_nonascii = true;
        for &steps in BAD_ALTERNATIVES {
            match steps.first() {
                Some(&BadStep::Char { class, negate: false, optional: false }) => {
                    ix.first |= 1 << class;
                    ix.by_class[class as usize].push(&steps[1..]);
                }
                _ => ix.other.push(steps),
            }
            all_need_nonascii &= steps.iter().any(|step| {
                matches!(step, &BadStep::Char { class, negate: false, optional: false } if (ascii_classes >> class) & 1 == 0)
            });
            ix.reach = ix.reach.max(steps.len());
        }
        if !all_need_nonascii {
            ix.reach = 0;
        }
        ix
    })
}

/// Whether `BADNESS_RE.search(text)` finds a match (`ftfy.badness.is_bad`).
pub fn is_bad(text: &[char]) -> bool {
    let masks: Vec<u128> = text.iter().map(|&c| class_mask(c)).collect();
    let ix = index();
    let try_at = |pos: usize| {
        let mut starts = masks[pos] & ix.first;
        while starts != 0 {
            let class = starts.trailing_zeros() as usize;
            starts &= starts - 1;
            if ix.by_class[class].iter().any(|rest| matches_at(rest, &masks, pos + 1)) {
                return true;
            }
        }
        ix.other.iter().any(|steps| matches_at(steps, &masks, pos))
    };
    if ix.reach == 0 {
        return (0..masks.len()).any(try_at);
    }
    // Only positions up to `reach - 1` before a non-ASCII character can start a match.
    let mut next_tried = 0;
    for (j, &c) in text.iter().enumerate() {
        if c.is_ascii() {
            continue;
        }
        let from = next_tried.max((j + 1).saturating_sub(ix.reach));
        if (from..=j).any(try_at) {
            return true;
        }
        next_tried = j + 1;
    }
    false
}

/// Whether `steps` match the text (given as class masks) starting at `pos`.
fn matches_at(steps: &[BadStep], masks: &[u128], pos: usize) -> bool {
    match steps.split_first() {
        None => true,
        Some((BadStep::Start, rest)) => pos == 0 && matches_at(rest, masks, pos),
        Some((&BadStep::Char { class, negate, optional }, rest)) => {
            let here = pos < masks.len() && ((masks[pos] >> class) & 1 == 1) != negate;
            (here && matches_at(rest, masks, pos + 1)) || (optional && matches_at(rest, masks, pos))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(s: &str) -> bool {
        is_bad(&s.chars().collect::<Vec<_>>())
    }

    #[test]
    fn mojibake_is_bad_and_text_is_not() {
        assert!(bad("Hern\u{c3}\u{a1}ndez"));
        assert!(bad("don\u{e2}\u{20ac}\u{2122}t"));
        assert!(bad("\u{85}"));
        assert!(!bad("Hern\u{e1}ndez"));
        assert!(!bad("plain text"));
        assert!(!bad("na\u{ef}ve \u{2014} caf\u{e9}"));
    }

    #[test]
    fn every_alternative_needs_a_character_above_ascii() {
        // What lets `is_bad` look only near non-ASCII characters.
        assert!(index().reach >= 2);
    }

    #[test]
    fn anchors_optionals_and_negations() {
        // ^[ÃÂ][ ] matches only at the start.
        assert!(bad("\u{c3} x"));
        assert!(!bad("1\u{c3} x"));
        // [a-z]\s?[ÃÂ][ ] with and without the space.
        assert!(bad("a\u{c2} "));
        assert!(bad("a \u{c2} "));
        // [Œœ][^A-Za-z]
        assert!(bad("\u{153}1"));
        assert!(!bad("\u{153}uvre"));
    }
}
