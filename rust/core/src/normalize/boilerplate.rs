//! Step `boilerplate`: drop page-furniture lines and an opening news-agency dateline.
//!
//! A line is dropped when, stripped and seen as the punctuation step leaves it, it is at most 200
//! characters long and matches `_BOILERPLATE_LINE` or `_RESERVED_LINE`. Only lines that a cheap
//! first look finds are tried: lines opening (spaces and tabs aside) with a hint word
//! (`_BOILERPLATE_HINT`, an `re` pattern, reproduced here by hand with `re`'s semantics), and lines
//! holding "rights reserved" when the text holds "eserved" or "ESERVED". A video caption block
//! (a `05:36 - Source: CNN` line) also loses the title lines just above it: at most two short
//! non-empty lines not ending with a full stop.
//!
//! Python looks for hints in one of two ways, and the two differ in corner cases, so both are
//! reproduced: when `text.lower()` keeps every position (no U+0130 in the text) it scans
//! `"\n" + text.lower()` case-sensitively, otherwise it scans the text case-insensitively.

use super::chars::{lower_changes_length, lower_one, re_digit, re_nocase_eq, re_space, re_word};
use super::patterns::patterns;
use super::punctuation::{fix_punctuation, is_dash};
use super::whitespace::{lstrip, split, strip};
use super::{char_len_at_most, prefix_chars, scan};
use memchr::{memchr, memchr_iter, memrchr};
use std::borrow::Cow;

/// How the hint pattern sees the text's characters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    /// `_BOILERPLATE_HINT_NL` on `text.lower()`: a literal matches its lower-cased character.
    Lowered,
    /// `_BOILERPLATE_HINT` (`re.IGNORECASE`) on the text itself.
    IgnoreCase,
}

impl View {
    #[inline]
    fn char(self, c: char) -> char {
        match self {
            View::Lowered => lower_one(c),
            View::IgnoreCase => c,
        }
    }

    #[inline]
    fn lit(self, c: char, lit: char) -> bool {
        match self {
            View::Lowered => lower_one(c) == lit,
            View::IgnoreCase => re_nocase_eq(c, lit),
        }
    }

    fn word<'a>(self, s: &'a str, word: &str) -> Option<&'a str> {
        let mut cs = s.chars();
        for l in word.chars() {
            if !self.lit(cs.next()?, l) {
                return None;
            }
        }
        Some(cs.as_str())
    }
}

/// The alternatives of `_HINT_WORDS`, in their order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Hint {
    /// `\d{1,2}:\d`
    Time,
    Word(&'static str),
    /// `by\s`
    BySpace,
    /// `ap\b`
    Ap,
}

const HINTS: [Hint; 22] = [
    Hint::Time,
    Hint::Word("source"),
    Hint::Word("credit"),
    Hint::Word("photo"),
    Hint::Word("image"),
    Hint::Word("video"),
    Hint::Word("watch"),
    Hint::BySpace,
    Hint::Word("copyright"),
    Hint::Word("(c)"),
    Hint::Word("\u{a9}"),
    Hint::Word("advertisement"),
    Hint::Word("read more"),
    Hint::Word("related"),
    Hint::Word("sign up"),
    Hint::Word("follow us"),
    Hint::Word("share this"),
    Hint::Word("cnn"),
    Hint::Word("reuters"),
    Hint::Ap,
    Hint::Word("afp"),
    Hint::Word("upi"),
];

impl Hint {
    /// The literal the alternative opens with (`None`: a digit).
    fn first(self) -> Option<char> {
        match self {
            Hint::Time => None,
            Hint::Word(w) => w.chars().next(),
            Hint::BySpace => Some('b'),
            Hint::Ap => Some('a'),
        }
    }

    /// Whether the alternative matches at the start of `s`; if so, whether it ate a line break.
    fn matches(self, s: &str, view: View) -> Option<bool> {
        let found = match self {
            Hint::Time => {
                let mut v = s.chars().take(4).map(|c| view.char(c));
                let (a, b, c, d) = (v.next(), v.next(), v.next(), v.next());
                let digit = |x: Option<char>| x.is_some_and(re_digit);
                // `\d{1,2}` is greedy: two digits, then one.
                (digit(a) && digit(b) && c == Some(':') && digit(d)) || (digit(a) && b == Some(':') && digit(c))
            }
            Hint::Word(w) => view.word(s, w).is_some(),
            Hint::BySpace => match view.word(s, "by").and_then(|r| r.chars().next()) {
                Some(c) if re_space(view.char(c)) => return Some(c == '\n'),
                _ => false,
            },
            Hint::Ap => view.word(s, "ap").is_some_and(|r| !r.chars().next().is_some_and(|c| re_word(view.char(c)))),
        };
        found.then_some(false)
    }
}

/// Whether the hint pattern matches at a line start, `rest` being the text from there on; if it
/// does, whether the match ate the line break ending the line (`by\s` on a line `by`).
///
/// Only the alternatives whose first literal matches the first character are tried, in order.
fn hint(rest: &str, view: View) -> Option<bool> {
    let s = &rest[rest.bytes().position(|b| b != b' ' && b != b'\t').unwrap_or(rest.len())..];
    let first = s.chars().next()?;
    if first.is_ascii() {
        // An ASCII character matches a literal exactly when its lower case is that literal
        // (under both views), and a digit only the `\d` of the first alternative.
        return ascii_alternatives(first.to_ascii_lowercase()).iter().find_map(|h| h.matches(s, view));
    }
    let digit = re_digit(view.char(first));
    HINTS
        .iter()
        .filter(|h| h.first().map_or(digit, |l| view.lit(first, l)))
        .find_map(|h| h.matches(s, view))
}

/// The alternatives of [`HINTS`] (in their order) that a line opening with ASCII `key` can match.
fn ascii_alternatives(key: char) -> &'static [Hint] {
    use Hint::*;
    match key {
        '0'..='9' => &[Time],
        's' => &[Word("source"), Word("sign up"), Word("share this")],
        'c' => &[Word("credit"), Word("copyright"), Word("cnn")],
        'p' => &[Word("photo")],
        'i' => &[Word("image")],
        'v' => &[Word("video")],
        'w' => &[Word("watch")],
        'b' => &[BySpace],
        '(' => &[Word("(c)")],
        'a' => &[Word("advertisement"), Ap, Word("afp")],
        'r' => &[Word("read more"), Word("related"), Word("reuters")],
        'f' => &[Word("follow us")],
        'u' => &[Word("upi")],
        _ => &[],
    }
}

/// Byte offsets of the starts of the lines of `text` (an empty last line included).
fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(memchr_iter(b'\n', text.as_bytes()).map(|k| k + 1))
}

/// The lines worth matching against the boilerplate patterns, by start offset, sorted.
fn candidate_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    if scan::non_ascii(text).any(|(_, c, _)| lower_changes_length(c)) {
        // `^[ \t]*hint` with IGNORECASE | MULTILINE: every line is looked at.
        starts.extend(line_starts(text).filter(|&ls| hint(&text[ls..], View::IgnoreCase).is_some()));
    } else {
        // `\n[ \t]*hint` on "\n" + lowered: a match that ate a line break hides the next line.
        let mut hidden = false;
        for ls in line_starts(text) {
            if std::mem::take(&mut hidden) {
                continue;
            }
            if let Some(ate_break) = hint(&text[ls..], View::Lowered) {
                starts.push(ls);
                hidden = ate_break;
            }
        }
    }
    if memchr::memmem::find(text.as_bytes(), b"eserved").is_some() || memchr::memmem::find(text.as_bytes(), b"ESERVED").is_some() {
        // `^.*rights reserved` with IGNORECASE | MULTILINE.
        let before = starts.len();
        starts.extend(line_starts(text).filter(|&ls| {
            let line = &text[ls..memchr(b'\n', &text.as_bytes()[ls..]).map_or(text.len(), |k| ls + k)];
            contains_nocase(line, "rights reserved")
        }));
        if starts.len() > before {
            starts.sort_unstable();
            starts.dedup();
        }
    }
    starts
}

/// Whether `line` holds `word` as an `re.IGNORECASE` literal.
fn contains_nocase(line: &str, word: &str) -> bool {
    line.char_indices().any(|(k, _)| View::IgnoreCase.word(&line[k..], word).is_some())
}

/// `_RESERVED_LINE` (`re.IGNORECASE`): `.{0,80}all rights reserved\.?$` on a stripped line.
fn reserved_line(line: &str) -> bool {
    let cs: Vec<char> = line.chars().collect();
    ["all rights reserved", "all rights reserved."].iter().any(|suffix| {
        let n = suffix.chars().count();
        cs.len() >= n
            && cs.len() - n <= 80
            && !cs[..cs.len() - n].contains(&'\n')
            && cs[cs.len() - n..].iter().zip(suffix.chars()).all(|(&c, l)| re_nocase_eq(c, l))
    })
}

/// `(start, end)` of the line holding byte `pos`; `end` includes the line break.
fn line_span(text: &str, pos: usize) -> (usize, usize) {
    let lo = memrchr(b'\n', &text.as_bytes()[..pos]).map_or(0, |k| k + 1);
    let hi = memchr(b'\n', &text.as_bytes()[pos..]).map_or(text.len(), |k| pos + k + 1);
    (lo, hi)
}

/// `strip_boilerplate`: the text without its page-furniture lines and opening dateline.
pub fn strip_boilerplate(text: &str) -> Cow<'_, str> {
    let p = patterns();
    let mut drop: Vec<(usize, usize)> = Vec::new();
    for pos in candidate_lines(text) {
        let (lo, hi) = line_span(text, pos);
        let line = strip(&text[lo..hi]);
        if line.is_empty() || !char_len_at_most(line, 200) {
            continue;
        }
        let line = fix_punctuation(line);
        if !(p.boilerplate_line.is_match(&line) || reserved_line(&line)) {
            continue;
        }
        drop.push((lo, hi));
        if p.video_source.is_match(&line) {
            let (mut lo, mut dropped) = (lo, 0);
            while lo > 0 && dropped < 2 {
                let (l, h) = line_span(text, lo - 1);
                lo = l;
                let prev = strip(&text[l..h]);
                if prev.is_empty() {
                    continue;
                }
                if split(prev).nth(15).is_some() || prev.ends_with('.') {
                    break;
                }
                drop.push((l, h));
                dropped += 1;
            }
        }
    }
    let body: Cow<'_, str> = if drop.is_empty() {
        Cow::Borrowed(text)
    } else {
        drop.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (lo, hi) in drop {
            if lo >= at {
                out.push_str(&text[at..lo]);
                at = hi;
            }
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    };
    match body {
        Cow::Borrowed(s) => Cow::Borrowed(dateline_end(s).map_or(s, |k| &s[k..])),
        Cow::Owned(s) => match dateline_end(&s) {
            Some(k) => Cow::Owned(s[k..].to_owned()),
            None => Cow::Owned(s),
        },
    }
}

/// `_strip_dateline`: where the text goes on after an opening dateline, if it has one.
///
/// The dateline is matched on the first 200 characters of the left-stripped text as the
/// punctuation step leaves them (quotes and dashes mapped, runs of `-` made one), then found in
/// the text by walking it one character of that view at a time (a run of dashes being one).
/// With a dateline the text loses its leading whitespace too.
pub fn dateline_end(text: &str) -> Option<usize> {
    let stripped = lstrip(text);
    let view = fix_punctuation(prefix_chars(stripped, 200));
    let m = patterns().dateline.find(&view)?;
    let want = view[..m.end()].chars().count();
    let (mut seen, mut i) = (0, 0);
    let next = |i: usize| stripped[i..].chars().next();
    while seen < want && i < stripped.len() {
        match next(i) {
            Some(c) if is_dash(c) => {
                while let Some(c) = next(i).filter(|&c| is_dash(c)) {
                    i += c.len_utf8();
                }
            }
            Some(c) => i += c.len_utf8(),
            None => break,
        }
        seen += 1;
    }
    Some(text.len() - stripped.len() + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn furniture_lines() {
        let text = "By Jane Doe\nReal text here.\nCopyright 2021 Cable News Network. All rights reserved.\nSource: CNN";
        assert_eq!(strip_boilerplate(text).trim(), "Real text here.");
        assert_eq!(strip_boilerplate("WASHINGTON, March 3 (Reuters) - The Fed said"), "The Fed said");
        assert_eq!(strip_boilerplate("  CNN \u{2014}\u{2013} x"), "x");
        let caption = "Real text.\nSOTU VPX\nWe have to give hope\n05:36 - Source: CNN\nMore.";
        assert_eq!(strip_boilerplate(caption), "Real text.\nMore.");
        assert!(matches!(strip_boilerplate("Nothing to see."), Cow::Borrowed(_)));
    }

    #[test]
    fn ascii_dispatch_keeps_the_order() {
        for key in (0u8..128).map(char::from) {
            let want: Vec<Hint> = HINTS
                .iter()
                .copied()
                .filter(|h| h.first().map_or(key.is_ascii_digit(), |l| View::IgnoreCase.lit(key, l)))
                .collect();
            assert_eq!(ascii_alternatives(key.to_ascii_lowercase()), &want[..], "{key:?}");
        }
    }

    #[test]
    fn hint_views() {
        // A line "by" eats the next line break in the lowered view: the next line is not looked at.
        assert_eq!(candidate_lines("by\nSource: CNN\nx"), vec![0]);
        assert_eq!(candidate_lines("by\nSource: CNN\n\u{130}"), vec![0, 3]);
        assert_eq!(hint("AP", View::Lowered), Some(false));
        assert_eq!(hint("APx", View::Lowered), None);
        assert_eq!(hint("12:3", View::IgnoreCase), Some(false));
        assert_eq!(hint("123:4", View::IgnoreCase), None);
        assert!(reserved_line("(c) 2020 ACME. ALL RIGHTS RESERVED."));
        assert!(!reserved_line(&format!("{}all rights reserved", "x".repeat(81))));
    }
}
