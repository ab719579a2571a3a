//! Step `punctuation`: curly quotes to straight ones, every dash and every run of `-` to one `-`.

use super::scan;
use std::borrow::Cow;

/// Every character the step turns into `-` (`_DASHES` in Python), ASCII `-` first.
pub const DASHES: [char; 11] =
    ['-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}', '\u{fe58}', '\u{fe63}', '\u{ff0d}'];

/// The quote and dash mapping of the step (`_QUOTES` in Python): what `c` becomes.
#[inline]
pub fn translate(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' | '\u{b4}' | '`' => '\'',
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' | '\u{ab}' | '\u{bb}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' | '\u{fe58}' | '\u{fe63}'
        | '\u{ff0d}' => '-',
        _ => c,
    }
}

/// Whether `c` is one of [`DASHES`]: `-` itself or a character the step maps to it.
#[inline]
pub fn is_dash(c: char) -> bool {
    c == '-' || (!c.is_ascii() && translate(c) == '-')
}

/// `fix_punctuation`: quotes and dashes mapped (non-ASCII text only, like Python), then every run of
/// two or more `-` replaced by one.
///
/// The mapping leaves ASCII alone except the backtick, which Python maps only when the text holds a
/// non-ASCII character (it translates only then): so does this.
pub fn fix_punctuation(text: &str) -> Cow<'_, str> {
    let mut out: Cow<'_, str> = Cow::Borrowed(text);
    let non_ascii = || scan::non_ascii(text);
    if non_ascii().next().is_some() && (memchr::memchr(b'`', text.as_bytes()).is_some() || non_ascii().any(|(_, c, _)| translate(c) != c)) {
        let mut s = scan::map_non_ascii(text, |c, out| out.push(translate(c)));
        if s.contains('`') {
            s = s.replace('`', "'");
        }
        out = Cow::Owned(s);
    }
    if memchr::memmem::find(out.as_bytes(), b"--").is_some() {
        let mut s = String::with_capacity(out.len());
        let mut prev_dash = false;
        for c in out.chars() {
            if c == '-' && prev_dash {
                continue;
            }
            prev_dash = c == '-';
            s.push(c);
        }
        out = Cow::Owned(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_dashes_and_runs() {
        assert_eq!(fix_punctuation("a -- b --- c - d"), "a - b - c - d");
        assert_eq!(fix_punctuation("`x`"), "`x`");
        assert_eq!(fix_punctuation("`x` \u{2014}\u{2014} \u{201c}y\u{201d} it\u{2019}s"), "'x' - \"y\" it's");
        assert!(matches!(fix_punctuation("plain - text"), Cow::Borrowed(_)));
        assert!(DASHES.iter().all(|&c| is_dash(c)) && !is_dash('\u{2016}') && !is_dash('_'));
    }
}
