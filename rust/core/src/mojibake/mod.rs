//! Mojibake repair at compiled speed, giving exactly what ftfy gives.
//!
//! `dedup.normalize.fix_encoding` hands every damaged line to
//! `ftfy.fix_text(line, uncurl_quotes=False, fix_line_breaks=False, normalization=None)`, which
//! costs about a millisecond a line. [`fix_text`] is a port of that one call: for a text it
//! returns exactly the string ftfy would return, or [`Unsure`] when the text needs a part of
//! ftfy that is not ported, so that the caller asks ftfy instead. It never guesses.
//!
//! The port is faithful rather than clever: it runs ftfy's steps in ftfy's order, with ftfy's
//! data (generated into [`tables`] from the installed ftfy and Python by
//! `rust/tools/gen_mojibake_tables.py`), and mirrors each decision:
//!
//! * [`fix_text`] splits the text into lines as `ftfy.fix_text` does and decides, per line, whether
//!   HTML entities are decoded (not once a line with `<` has been seen);
//! * [`fix_and_explain`] repeats ftfy's list of fixers until the text stops changing;
//! * [`encoding`] is `fix_encoding`: the badness test ([`badness`]), the single-byte codecs in
//!   ftfy's order ([`charmap`]), the byte repairs of the re-encoded text ([`bytefix`]), the UTF-8
//!   decoders ([`utf8`]), the repair of UTF-8 embedded in other text ([`inconsistent`]) and the
//!   C1-control fallbacks;
//! * [`entities`] is `unescape_html`, [`fixers`] the character-by-character fixers.
//!
//! What is not ported, and so answers [`Unsure`]: ANSI terminal escapes (any ESC character),
//! text that loops more than a few rounds, and recursion deeper than ftfy ever goes on real text.
//! Lone surrogates cannot occur in a Rust string; the Python binding answers "not sure" for them.
//!
//! Texts are worked on as `Vec<char>` so that lengths and positions are Python's.

pub mod badness;
pub mod bytefix;
pub mod charmap;
pub mod encoding;
pub mod entities;
pub mod fixers;
pub mod inconsistent;
pub mod tables;
pub mod utf8;

pub use tables::FTFY_VERSION;

/// The port cannot vouch for ftfy's answer on this text; ask ftfy. The reason is for diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsure(pub &'static str);

/// ftfy's `max_decode_length`: longer lines are fixed in pieces of this many characters.
const MAX_DECODE_LENGTH: usize = 1_000_000;
/// Rounds of `fix_and_explain` before giving up; real text settles in two or three.
const MAX_ROUNDS: usize = 16;

/// `ftfy.fix_text(text, uncurl_quotes=False, fix_line_breaks=False, normalization=None)`, or
/// [`Unsure`] if the text needs a part of ftfy that is not ported.
pub fn fix_text(text: &str) -> Result<String, Unsure> {
    if text.contains('\u{1b}') {
        // `remove_terminal_escapes` (ANSI_RE, with Unicode `\d`) is not ported.
        return Err(Unsure("terminal escape"));
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut unescape = true;
    let mut pos = 0;
    while pos < chars.len() {
        let mut end = chars[pos..].iter().position(|&c| c == '\n').map_or(chars.len(), |i| pos + i + 1);
        if end - pos > MAX_DECODE_LENGTH {
            end = pos + MAX_DECODE_LENGTH;
        }
        let segment = &chars[pos..end];
        // `unescape_html="auto"` turns off for good at the first segment holding a "<".
        if unescape && segment.contains(&'<') {
            unescape = false;
        }
        out.extend(fix_and_explain(segment, unescape)?);
        pos = end;
    }
    Ok(out)
}

/// `ftfy.fix_and_explain` on one segment with dedup's options: every fixer in ftfy's order,
/// repeated until a round changes nothing. `unescape` is whether `unescape_html` runs.
///
/// The fixers dedup switches off (`uncurl_quotes`, `fix_line_breaks`, normalization) are left
/// out; `fix_surrogates` has nothing to do on a Rust string; `remove_terminal_escapes` has
/// nothing to do because [`fix_text`] refused text with ESC and no step makes one.
pub fn fix_and_explain(segment: &[char], unescape: bool) -> Result<Vec<char>, Unsure> {
    let mut text = segment.to_vec();
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        if unescape {
            changed |= apply(&mut text, entities::unescape_html);
        }
        if let Some(fixed) = encoding::fix_encoding(&text, 0)? {
            changed |= fixed != text;
            text = fixed;
        }
        changed |= apply(&mut text, fixers::fix_c1_controls);
        changed |= apply(&mut text, fixers::fix_latin_ligatures);
        changed |= apply(&mut text, fixers::fix_character_width);
        changed |= apply(&mut text, fixers::remove_control_chars);
        if !changed {
            return Ok(text);
        }
    }
    Err(Unsure("no fixed point"))
}

/// Run a fixer (`None`: unchanged) on `text` and say whether the text changed.
fn apply(text: &mut Vec<char>, fixer: fn(&[char]) -> Option<Vec<char>>) -> bool {
    match fixer(text) {
        Some(new) if new != *text => {
            *text = new;
            true
        }
        _ => false,
    }
}

/// The value of the range holding `c` in sorted, disjoint half-open `ranges`, or the default
/// (how the generated tables store per-character masks above U+00FF).
pub(crate) fn range_value<T: Copy + Default>(ranges: &[(u32, u32, T)], c: u32) -> T {
    let i = ranges.partition_point(|&(_, end, _)| end <= c);
    match ranges.get(i) {
        Some(&(start, _, value)) if start <= c => value,
        _ => T::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: &str) -> Result<String, Unsure> {
        fix_text(s)
    }

    #[test]
    fn common_mojibake_is_repaired() {
        assert_eq!(fix("Juan Orlando Hern\u{c3}\u{a1}ndez").unwrap(), "Juan Orlando Hern\u{e1}ndez");
        assert_eq!(fix("don\u{e2}\u{20ac}\u{2122}t").unwrap(), "don\u{2019}t");
        assert_eq!(fix("\u{e2}\u{20ac}\u{153}quoted\u{e2}\u{20ac}\u{9d}").unwrap(), "\u{201c}quoted\u{201d}");
        assert_eq!(fix("caf\u{c3}\u{a9} cr\u{c3}\u{a8}me").unwrap(), "caf\u{e9} cr\u{e8}me");
    }

    #[test]
    fn entities_and_controls() {
        assert_eq!(fix("AT&amp;T &eacute; &#x2019; &#59;").unwrap(), "AT&T \u{e9} \u{2019} &#59;");
        assert_eq!(fix("&amp;amp;").unwrap(), "&");
        assert_eq!(fix("<b>&amp;</b>").unwrap(), "<b>&amp;</b>");
        assert_eq!(fix("a\u{84}b\u{5}c").unwrap(), "a\u{201e}bc");
        assert_eq!(fix("\u{fb01}ne \u{ff21}").unwrap(), "fine A");
    }

    #[test]
    fn legitimate_text_is_left_alone() {
        for s in ["na\u{ef}ve caf\u{e9}", "Fran\u{e7}ois \u{2014} \u{201c}ok\u{201d}", "\u{4e2d}\u{6587}", ""] {
            assert_eq!(fix(s).unwrap(), s);
        }
    }

    #[test]
    fn unported_parts_are_unsure() {
        assert_eq!(fix("\u{1b}[31mred"), Err(Unsure("terminal escape")));
    }

    #[test]
    fn lines_are_fixed_one_at_a_time() {
        assert_eq!(fix("Hern\u{c3}\u{a1}ndez\n&lt;\n<\n&amp;").unwrap(), "Hern\u{e1}ndez\n<\n<\n&amp;");
    }
}
