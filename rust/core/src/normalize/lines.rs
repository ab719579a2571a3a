//! Steps `dehyphenate` and `unwrap`: words and sentences broken across lines joined again.

use super::chars::{is_alpha, is_lowercase_letter};
use super::punctuation::is_dash;
use super::whitespace::strip;
use super::{has_break, split_lines};
use std::borrow::Cow;

/// `_SENTENCE_END`: a line ending in one of these ends a sentence and is not unwrapped.
const SENTENCE_END: &[char] = &['.', '!', '?', ':', ';', '"', '\'', ')', ']'];

const SPACE_TAB: [char; 2] = [' ', '\t'];

/// `dehyphenate`: join a word hyphenated at a line end.
///
/// A line whose end (spaces and tabs aside) is a letter then one or more dashes of any kind
/// ([`super::punctuation::DASHES`]) is joined to the next line when that one starts (spaces and
/// tabs aside) with a lower-case letter (category `Ll`): the dashes, the line break and the
/// spaces around it go. A joined line can join the next in turn (`a-\nb-\nc` is `abc`).
pub fn dehyphenate(text: &str) -> Cow<'_, str> {
    if !may_join(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0; // where the last line of `out` starts
    for (k, line) in split_lines(text).enumerate() {
        if k > 0 {
            if let Some(cut) = join_at(&out[last..], line) {
                out.truncate(last + cut);
                out.push_str(line.trim_start_matches(SPACE_TAB));
                continue;
            }
            out.push('\n');
            last = out.len();
        }
        out.push_str(line);
    }
    Cow::Owned(out)
}

/// Where `prev` is cut when `line` is joined to it (the end of its word), if it is.
fn join_at(prev: &str, line: &str) -> Option<usize> {
    let end = prev.trim_end_matches(SPACE_TAB);
    if !end.ends_with(is_dash) {
        return None;
    }
    let body = end.trim_end_matches(is_dash);
    let start = line.trim_start_matches(SPACE_TAB).chars().next()?;
    let last = body.chars().next_back()?;
    (is_alpha(last) && is_lowercase_letter(start)).then_some(body.len())
}

/// Whether any line break has a dash before it and a lower-case letter after it (spaces and
/// tabs aside): without one, [`dehyphenate`] changes nothing.
fn may_join(text: &str) -> bool {
    for at in memchr::memchr_iter(b'\n', text.as_bytes()) {
        let before = text[..at].trim_end_matches(SPACE_TAB);
        if before.ends_with(is_dash) {
            let after = text[at + 1..].trim_start_matches(SPACE_TAB);
            if after.chars().next().is_some_and(is_lowercase_letter) {
                return true;
            }
        }
    }
    false
}

/// `unwrap_lines`: join a line to the next when it does not end a sentence.
///
/// Every line is stripped (Python whitespace); a non-empty line is appended, after one space, to
/// the line before it unless that one is empty (a paragraph break) or ends with a
/// [`SENTENCE_END`] character.
pub fn unwrap_lines(text: &str) -> Cow<'_, str> {
    if !has_break(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // The last character of the last line of `out` (None: empty, or no line yet).
    let mut last: Option<char> = None;
    for (k, line) in split_lines(text).enumerate() {
        let s = strip(line);
        if k > 0 && !s.is_empty() && last.is_some_and(|c| !SENTENCE_END.contains(&c)) {
            out.push(' ');
        } else if k > 0 {
            out.push('\n');
        }
        out.push_str(s);
        last = s.chars().next_back();
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dehyphenate_rules() {
        assert_eq!(dehyphenate("les fa-\nmilles"), "les familles");
        assert_eq!(dehyphenate("fa\u{2014} \n  milles"), "familles");
        assert_eq!(dehyphenate("\u{e9}t\u{e9}-\n\u{e0} la"), "\u{e9}t\u{e9}\u{e0} la");
        assert_eq!(dehyphenate("a-\nb-\nc"), "abc");
        for kept in ["A-\nB", "x-\n", "-\nb", "1-\nb", "x-\n\nb", "x- -\nb", "no break"] {
            assert_eq!(dehyphenate(kept), kept);
        }
    }

    #[test]
    fn unwrap_rules() {
        assert_eq!(unwrap_lines("one\ntwo.\nThree"), "one two.\nThree");
        assert_eq!(unwrap_lines("one.\n\nTwo"), "one.\n\nTwo");
        assert_eq!(unwrap_lines(" a \n\n b\nc\n"), "a\n\nb c\n");
        assert_eq!(unwrap_lines("\nx"), "\nx");
        assert_eq!(unwrap_lines("a\n \nb"), "a\n\nb");
    }
}
