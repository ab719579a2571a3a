//! Step `whitespace`, and Python's `str.split()` / `str.strip()` that other steps use.
//!
//! Whitespace is Python's (`str.isspace`): it includes U+001C..U+001F, NBSP and the line and
//! paragraph separators, unlike the `regex` module's `\s` or Rust's `char::is_whitespace`.

use super::chars::is_space;
use std::borrow::Cow;

/// `text.strip()`.
#[inline]
pub fn strip(text: &str) -> &str {
    text.trim_matches(is_space)
}

/// `text.lstrip()`.
#[inline]
pub fn lstrip(text: &str) -> &str {
    text.trim_start_matches(is_space)
}

/// `text.split()`: the runs of non-whitespace.
pub fn split(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_space).filter(|w| !w.is_empty())
}

/// `collapse_whitespace`: `" ".join(text.split())`, every run of whitespace (line breaks included)
/// made one space and the ends stripped.
///
/// The stretches between whitespace runs other than a single inner space are copied whole (or
/// borrowed, when nothing but the ends changes).
pub fn collapse(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let n = b.len();
    let mut out: Option<String> = None;
    let mut i = 0;
    while i < n {
        match space_len(text, i) {
            0 => break,
            k => i += k,
        }
    }
    let (mut seg, mut end) = (i, n); // the stretch not yet copied, and where the text ends
    while i < n {
        let k = space_len(text, i);
        if k == 0 {
            i += 1;
            continue;
        }
        let (single, mut j) = (b[i] == b' ', i + k);
        while j < n {
            match space_len(text, j) {
                0 => break,
                k => j += k,
            }
        }
        if j == n {
            end = i;
        } else if !single || j > i + 1 {
            let o = out.get_or_insert_with(|| String::with_capacity(n));
            o.push_str(&text[seg..i]);
            o.push(' ');
            seg = j;
        }
        i = j;
    }
    match out {
        None => Cow::Borrowed(&text[seg..end.max(seg)]),
        Some(mut o) => {
            o.push_str(&text[seg..end]);
            Cow::Owned(o)
        }
    }
}

/// The byte length of the whitespace character starting at byte `i` of `text` (0: none there).
///
/// A byte that is not a lead byte of a non-ASCII whitespace character (U+0085, U+00A0, U+1680,
/// U+2000..U+3000: lead bytes 0xC2, 0xE1, 0xE2, 0xE3) is never whitespace, so only those are decoded.
#[inline]
fn space_len(text: &str, i: usize) -> usize {
    let x = text.as_bytes()[i];
    if x < 0x80 {
        return ASCII_SPACE[x as usize] as usize;
    }
    if !matches!(x, 0xC2 | 0xE1 | 0xE2 | 0xE3) {
        return 0;
    }
    match text[i..].chars().next() {
        Some(c) if is_space(c) => c.len_utf8(),
        _ => 0,
    }
}

/// Python's whitespace among the bytes below 128 (the rest are never ASCII whitespace).
const ASCII_SPACE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = matches!(b as u8, b'\t'..=b'\r' | 0x1c..=b' ');
        b += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_whitespace_lead_bytes() {
        for &(a, b) in super::super::tables::PY_SPACE {
            for c in (a..b).filter_map(char::from_u32).filter(|c| !c.is_ascii()) {
                let mut buf = [0u8; 4];
                assert!(matches!(c.encode_utf8(&mut buf).as_bytes()[0], 0xC2 | 0xE1 | 0xE2 | 0xE3), "{c:?}");
            }
        }
    }

    #[test]
    fn python_whitespace() {
        assert_eq!(collapse("  a \t b\n\nc\u{a0}d\u{1c}e\u{2028} "), "a b c d e");
        assert!(matches!(collapse("a b c"), Cow::Borrowed(_)));
        assert_eq!(collapse(" "), "");
        assert_eq!(collapse(""), "");
        assert_eq!(collapse("a\u{200b}b"), "a\u{200b}b");
        assert_eq!(collapse("\u{e9} \u{e9}"), "\u{e9} \u{e9}");
        assert_eq!(collapse(" \u{e9}\u{a0} \u{e9} "), "\u{e9} \u{e9}");
        for s in ["a  b", " a", "a ", "a\tb", "a\x1cb", "ab", "   ", " a b ", "a b  c\n", "\na\n\nb c", "\u{a0}\u{e9}\u{3000}x \u{85}"] {
            assert_eq!(collapse(s), split(s).collect::<Vec<_>>().join(" "), "{s:?}");
        }
        assert_eq!(strip("\u{85} x \u{3000}"), "x");
        assert_eq!(split("a  b\u{1f}c").count(), 3);
    }
}
