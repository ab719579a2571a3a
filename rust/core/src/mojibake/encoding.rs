//! `ftfy.fix_encoding`: undo UTF-8 that was read with a single-byte codec, step by step.
//!
//! One step ([`one_step`], ftfy's `_fix_encoding_one_step_and_explain`) is, in ftfy's order:
//!
//! 1. leave ASCII and text that is not [`badness::is_bad`] alone;
//! 2. for each codec of [`charmap::all`] the text can be encoded in: encode it, put back
//!    no-break spaces that became spaces (not for macroman), replace sequences that lost a byte
//!    (sloppy codecs only), and if the bytes are UTF-8 (`utf-8-variants` when they hold 0xED or
//!    0xC0), that is the step's result;
//! 3. otherwise repair the runs that look like UTF-8 one by one ([`inconsistent`]);
//! 4. otherwise, for text that is Latin-1 but not Windows-1252 (it holds C1 controls), read the
//!    Latin-1 bytes as strict Windows-1252;
//! 5. otherwise replace C1 controls one by one.
//!
//! [`fix_encoding`] repeats steps until one changes nothing.

use super::{badness, bytefix, charmap, fixers, inconsistent, utf8, Unsure};

/// Steps of one `fix_encoding` before giving up; mojibake seldom has more than two layers.
const MAX_STEPS: usize = 16;
/// `fix_encoding` nesting (through `decode_inconsistent_utf8`) before giving up.
const MAX_DEPTH: usize = 8;

/// `ftfy.fix_encoding(text)`, or `None` if it changes nothing. `depth` is the nesting level.
pub fn fix_encoding(text: &[char], depth: usize) -> Result<Option<Vec<char>>, Unsure> {
    if depth > MAX_DEPTH {
        return Err(Unsure("nested too deep"));
    }
    let mut current: Option<Vec<char>> = None;
    for _ in 0..MAX_STEPS {
        let now = current.as_deref().unwrap_or(text);
        match one_step(now, depth)? {
            Some(next) if next != now => current = Some(next),
            _ => return Ok(current),
        }
    }
    Err(Unsure("fix_encoding does not settle"))
}

/// One step of `fix_encoding` (see the module documentation), or `None` if it changes nothing.
pub fn one_step(text: &[char], depth: usize) -> Result<Option<Vec<char>>, Unsure> {
    if text.is_empty() || charmap::is_ascii(text) || !badness::is_bad(text) {
        return Ok(None);
    }
    let mut latin1 = false;
    let mut windows1252 = false;
    for map in charmap::all() {
        let Some(mut bytes) = charmap::encode(map, text) else { continue };
        latin1 |= map.name == "latin-1";
        windows1252 |= map.name == "sloppy-windows-1252";
        if map.name != "macroman" && bytefix::altered_utf8_search(&bytes) {
            bytes = bytefix::restore_byte_a0(&bytes);
        }
        if map.sloppy {
            bytes = bytefix::replace_lossy_sequences(&bytes);
        }
        let decoded = if bytes.contains(&0xED) || bytes.contains(&0xC0) {
            utf8::decode_variants(&bytes)
        } else {
            utf8::decode_strict(&bytes)
        };
        if let Some(s) = decoded {
            return Ok(Some(s.chars().collect()));
        }
    }
    if let Some(fixed) = inconsistent::decode_inconsistent_utf8(text, depth)? {
        return Ok(Some(fixed));
    }
    if latin1 {
        if windows1252 {
            return Ok(None);
        }
        // Latin-1 but not sloppy Windows-1252: there are C1 controls. Strict Windows-1252
        // fails on the five bytes it leaves undefined.
        let strict: Option<Vec<char>> = text
            .iter()
            .map(|&c| match c as u32 {
                0x80..=0x9F => super::tables::CP1252_C1[(c as u32 - 0x80) as usize],
                _ => Some(c),
            })
            .collect();
        if let Some(fixed) = strict {
            if fixed != text {
                return Ok(Some(fixed));
            }
        }
    }
    if fixers::has_c1(text) {
        return Ok(fixers::fix_c1_controls(text));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        fix_encoding(&chars, 0).unwrap().map_or_else(|| s.to_string(), |v| v.into_iter().collect())
    }

    #[test]
    fn ftfy_docstring_examples() {
        assert_eq!(fix("s\u{c3}\u{b3}"), "s\u{f3}");
        assert_eq!(fix("voil\u{c3} le travail"), "voil\u{e0} le travail");
        assert_eq!(fix("\u{c3}\u{b3}"), "\u{f3}");
        assert_eq!(fix("\u{e2}\u{153}\u{201d} No problems"), "\u{2714} No problems");
    }

    #[test]
    fn layered_and_lossy() {
        // Two layers of UTF-8 read as Windows-1252.
        assert_eq!(fix("\u{c3}\u{192}\u{c2}\u{a9}"), "\u{e9}");
        // A lost continuation byte shown as U+FFFD.
        assert_eq!(fix("\u{e2}\u{20ac}\u{153}like this\u{e2}\u{20ac}\u{fffd}"), "\u{201c}like this\u{fffd}");
    }
}
