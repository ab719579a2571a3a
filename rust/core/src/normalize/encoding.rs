//! `dedup.normalize.fix_encoding` for text with non-ASCII characters: the normalizer's own
//! repair of orphaned lead bytes, then ftfy (its port, [`crate::mojibake`]) on each damaged line.
//!
//! The Python function is the reference. It runs two substitutions of the `regex` module when a
//! text holds `â` and shows mojibake elsewhere (`_MOJIBAKE`, a lead byte read as cp1252 or
//! Latin-1 before a continuation byte):
//!
//! * `_ORPHAN_APOSTROPHE`, `(?<=\p{L})â(?=(?:s|t|ll|re|ve|d|m)\b)` made `’`: the lead byte of a
//!   right quote whose continuation bytes were lost, between a letter and a contraction suffix;
//! * then `_ORPHAN_DASH`, `â(?![CONT])` made `—`: any other lone `â`, most likely a dash;
//!
//! then splits the text at `\n` and hands every line that shows damage to
//! `ftfy.fix_text(line, uncurl_quotes=False, fix_line_breaks=False, normalization=None)`.
//! [`fix_encoding`] does the same, or answers [`Unported`] where it cannot vouch for Python's
//! result: a line the ftfy port is unsure of, or a contraction suffix followed by a non-ASCII
//! character (where `\b` would need the `regex` module's `\w` table).

use super::chars::in_ranges;
use super::{scan, split_lines, tables, text_flags};
use crate::flags;
use crate::mojibake;
use std::borrow::Cow;

/// The core cannot vouch for Python's repair of this text; Python repairs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unported;

/// The lone lead byte the substitutions repair (U+00E2, the lead byte of U+2000..U+2FFF).
const ORPHAN: char = '\u{e2}';

/// `fix_encoding(text)` of `dedup/normalize.py` for a damaged text holding non-ASCII characters
/// (the caller checks both, as `Normalizer._once` does).
pub fn fix_encoding(text: &str) -> Result<String, Unported> {
    let mut text = Cow::Borrowed(text);
    if text.contains(ORPHAN) && shows_mojibake(&text) {
        let quoted = orphan_apostrophes(&text)?;
        text = Cow::Owned(orphan_dashes(&quoted));
    }
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in split_lines(&text).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if text_flags(line) & flags::DAMAGE != 0 {
            out.push_str(&mojibake::fix_text(line).map_err(|_| Unported)?);
        } else {
            out.push_str(line);
        }
    }
    Ok(out)
}

/// `_MOJIBAKE.search(text)`: a character U+00C2..U+00F4 (a UTF-8 lead byte read as cp1252 or
/// Latin-1) right before a continuation character. Both are non-ASCII, so only the non-ASCII
/// characters are looked at ([`scan::non_ascii`], as the damage precheck does).
fn shows_mojibake(text: &str) -> bool {
    let mut prev_lead = false;
    scan::non_ascii(text).any(|(_, c, after_ascii)| {
        let hit = prev_lead && !after_ascii && flags::is_continuation(c as u32);
        prev_lead = ('\u{c2}'..='\u{f4}').contains(&c);
        hit
    })
}

/// The `regex` module's `\p{L}`.
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    in_ranges(tables::RX_L, c)
}

/// Whether `rest` starts with a contraction suffix (`s`, `t`, `ll`, `re`, `ve`, `d`, `m`) then a
/// word boundary; [`Unported`] where that boundary is a non-ASCII character. The suffixes start
/// with distinct letters, so the first letter picks the one alternative the `regex` module tries.
fn contraction_follows(rest: &[char]) -> Result<bool, Unported> {
    let len = match rest {
        ['s' | 't' | 'd' | 'm', ..] => 1,
        ['l', 'l', ..] | ['r', 'e', ..] | ['v', 'e', ..] => 2,
        _ => return Ok(false),
    };
    // The suffix ends in a word character: `\b` holds at the end or before a non-word character.
    match rest.get(len) {
        None => Ok(true),
        Some(c) if c.is_ascii() => Ok(!(c.is_ascii_alphanumeric() || *c == '_')),
        Some(_) => Err(Unported),
    }
}

/// `_ORPHAN_APOSTROPHE.sub("’", text)`. The lookarounds read the text as it was, so every `â` is
/// judged on its neighbours in `text`.
fn orphan_apostrophes(text: &str) -> Result<String, Unported> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ORPHAN && i > 0 && is_letter(chars[i - 1]) && contraction_follows(&chars[i + 1..])? {
            out.push('\u{2019}');
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// `_ORPHAN_DASH.sub("—", text)`: every `â` not followed by a continuation character.
fn orphan_dashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let lone = c == ORPHAN && !chars.peek().is_some_and(|&n| flags::is_continuation(n as u32));
        out.push(if lone { '\u{2014}' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orphaned_lead_bytes_become_quotes_and_dashes() {
        // "it’s" and "—" whose continuation bytes were lost, in a text that shows mojibake elsewhere.
        let text = "Itâs here â and HernÃ¡ndez";
        assert_eq!(fix_encoding(text).unwrap(), "It\u{2019}s here \u{2014} and Hernández");
        // Suffixes need a boundary after them; a non-letter before â makes a dash.
        assert_eq!(orphan_apostrophes("donât donâts weâll 1âs").unwrap(), "don\u{2019}t donâts we\u{2019}ll 1âs");
        assert_eq!(orphan_dashes("a â b âs \u{e2}\u{80}"), "a \u{2014} b \u{2014}s \u{e2}\u{80}");
        // Without mojibake elsewhere a lone â is legitimate (French, Portuguese) and stays.
        assert_eq!(fix_encoding("pâte &amp; vin").unwrap(), "pâte & vin");
    }

    #[test]
    fn unported_where_python_must_decide() {
        // `\b` before a non-ASCII character needs the regex module's `\w`.
        assert_eq!(orphan_apostrophes("itâsé"), Err(Unported));
        assert_eq!(fix_encoding("Itâsé HernÃ¡ndez"), Err(Unported));
        // A damaged line the ftfy port does not take (a terminal escape).
        assert_eq!(fix_encoding("HernÃ¡ndez \u{1b}[31m"), Err(Unported));
    }

    #[test]
    fn mojibake_pairs_are_adjacent() {
        assert!(shows_mojibake("Hern\u{c3}\u{a1}ndez") && shows_mojibake("x \u{e2}\u{20ac}\u{2122}"));
        assert!(!shows_mojibake("\u{c3}a\u{a1}") && !shows_mojibake("p\u{e2}te") && !shows_mojibake("\u{a1}\u{c3}"));
    }

    #[test]
    fn only_damaged_lines_change() {
        assert_eq!(fix_encoding("clean line\nHernÃ¡ndez\n\ncafé").unwrap(), "clean line\nHernández\n\ncafé");
    }
}
