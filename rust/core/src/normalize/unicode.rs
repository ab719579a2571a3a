//! Step `unicode`: NFKC normalization (ligatures, full-width forms, NBSP...), then the invisible
//! format characters (zero-width, soft hyphen, bidi controls) removed.
//!
//! NFKC comes from the `unicode-normalization` crate, whose Unicode is newer than Python's.
//! Normalization is stable for assigned characters (a string of characters assigned in one
//! version normalizes alike in every later one), so the results agree unless the text holds a
//! character Python's `unicodedata` does not know: such a text is left to Python
//! ([`Unassigned`]).

use super::chars::is_unassigned;
use super::scan::{map_non_ascii, non_ascii, squeezed};
use std::sync::OnceLock;
use crate::flags::is_invisible;
use std::borrow::Cow;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// A text holds a code point that Python's Unicode does not assign: NFKC must be Python's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unassigned;

/// `unicodedata.normalize("NFKC", text)`, or [`Unassigned`].
pub fn nfkc(text: &str) -> Result<Cow<'_, str>, Unassigned> {
    if text.is_ascii() {
        return Ok(Cow::Borrowed(text));
    }
    if non_ascii(text).all(|(_, c, _)| is_plain(c)) {
        return Ok(Cow::Borrowed(text));
    }
    if non_ascii(text).any(|(_, c, _)| is_unassigned(c)) {
        return Err(Unassigned);
    }
    if is_nfkc_quick(squeezed(text)) == IsNormalized::Yes {
        return Ok(Cow::Borrowed(text));
    }
    let out: String = text.nfkc().collect();
    Ok(if out == text { Cow::Borrowed(text) } else { Cow::Owned(out) })
}

/// Whether `c` is in the Basic Multilingual Plane, assigned in Python's Unicode, a starter
/// (combining class 0) and allowed unchanged in NFKC (quick check "yes"): a text of ASCII and
/// such characters is its own NFKC. (Looked up in a bit set built on first use.)
fn is_plain(c: char) -> bool {
    static PLAIN: OnceLock<Vec<u64>> = OnceLock::new();
    let bits = PLAIN.get_or_init(|| {
        let mut bits = vec![0u64; 0x10000 / 64];
        for c in (0..0x10000u32).filter_map(char::from_u32) {
            let plain = !is_unassigned(c)
                && unicode_normalization::char::canonical_combining_class(c) == 0
                && is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes;
            if plain {
                bits[c as usize / 64] |= 1 << (c as u32 % 64);
            }
        }
        bits
    });
    let c = c as usize;
    c < 0x10000 && bits[c / 64] >> (c % 64) & 1 == 1
}

/// The text without its invisible format characters (`_INVISIBLE` in Python).
pub fn remove_invisible(text: &str) -> Cow<'_, str> {
    if !non_ascii(text).any(|(_, c, _)| is_invisible(c as u32)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(map_non_ascii(text, |c, out| {
        if !is_invisible(c as u32) {
            out.push(c)
        }
    }))
}

/// The whole step: NFKC, then invisible characters removed.
pub fn normalize_unicode(text: &str) -> Result<Cow<'_, str>, Unassigned> {
    Ok(match nfkc(text)? {
        Cow::Borrowed(s) => remove_invisible(s),
        Cow::Owned(s) => match remove_invisible(&s) {
            Cow::Borrowed(_) => Cow::Owned(s),
            Cow::Owned(t) => Cow::Owned(t),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_forms_and_invisibles() {
        assert_eq!(normalize_unicode("ﬁne ＡＢＣ\u{a0}x").unwrap(), "fine ABC x");
        assert_eq!(normalize_unicode("zero\u{200b}width soft\u{ad}hyphen").unwrap(), "zerowidth softhyphen");
        assert_eq!(normalize_unicode("e\u{301}").unwrap(), "é");
        assert!(matches!(normalize_unicode("déjà").unwrap(), Cow::Borrowed(_)));
        // U+0378 is unassigned in every Unicode so far; U+1FAE8 (shaking face) is new in Unicode 15.
        assert_eq!(nfkc("a\u{378}"), Err(Unassigned));
        assert_eq!(nfkc("\u{1fae8}"), Err(Unassigned));
        assert!(is_plain('\u{e9}') && is_plain('\u{2014}') && !is_plain('\u{a0}') && !is_plain('\u{301}') && !is_plain('\u{378}'));
    }
}
