//! `ftfy.fixes.decode_inconsistent_utf8`: repair UTF-8 mojibake embedded in other text.
//!
//! When a line mixes mojibake with text that is fine ("Hernández met HernÃ¡ndez"), no codec
//! re-encodes the whole line into valid UTF-8. ftfy then looks for runs that look like UTF-8
//! read as a single-byte codec (`UTF8_DETECTOR_RE`: a lead-byte character followed by one to
//! three continuation-byte characters, repeated) and repairs each run on its own with
//! `fix_encoding`, if the run is shorter than the text and bad by itself.
//!
//! The regex, `(?<![strict]) ( [first2][cont] | [first3][cont]{2} | [first4][cont]{3} )+`, is
//! written out here; its character classes come from [`super::tables`]. Python's backtracking
//! takes, at each repetition, the first alternative that matches and stops at the first
//! repetition where none does; nothing after the group can fail, so it never backtracks.

use super::tables::{
    CLUE_CONTINUATION, CLUE_CONTINUATION_STRICT, CLUE_FIRST_OF_2, CLUE_FIRST_OF_3, CLUE_FIRST_OF_4, UTF8_CLUE_HIGH,
    UTF8_CLUE_LOW,
};
use super::{badness, encoding, Unsure};

/// The `UTF8_CLUES` classes `c` belongs to (`CLUE_*` bits).
#[inline]
fn clues(c: char) -> u8 {
    let c = c as u32;
    if c < 256 {
        return UTF8_CLUE_LOW[c as usize];
    }
    super::range_value(&UTF8_CLUE_HIGH, c)
}

/// The end of the `UTF8_DETECTOR_RE` match starting at `pos`, if there is one.
fn match_at(m: &[u8], pos: usize) -> Option<usize> {
    if pos > 0 && m[pos - 1] & CLUE_CONTINUATION_STRICT != 0 {
        return None;
    }
    let cont = |from: usize, k: usize| from + k <= m.len() && m[from..from + k].iter().all(|&b| b & CLUE_CONTINUATION != 0);
    let mut end = pos;
    while end < m.len() {
        let lead = m[end];
        let step = if lead & CLUE_FIRST_OF_2 != 0 && cont(end + 1, 1) {
            2
        } else if lead & CLUE_FIRST_OF_3 != 0 && cont(end + 1, 2) {
            3
        } else if lead & CLUE_FIRST_OF_4 != 0 && cont(end + 1, 3) {
            4
        } else {
            break;
        };
        end += step;
    }
    (end > pos).then_some(end)
}

/// `decode_inconsistent_utf8(text)`, or `None` if it changes nothing. `depth` counts the
/// `fix_encoding` calls this is nested in.
pub fn decode_inconsistent_utf8(text: &[char], depth: usize) -> Result<Option<Vec<char>>, Unsure> {
    let masks: Vec<u8> = text.iter().map(|&c| clues(c)).collect();
    let mut out = Vec::with_capacity(text.len());
    let mut changed = false;
    let mut pos = 0;
    while pos < text.len() {
        let Some(end) = match_at(&masks, pos) else {
            out.push(text[pos]);
            pos += 1;
            continue;
        };
        let run = &text[pos..end];
        if run.len() < text.len() && badness::is_bad(run) {
            match encoding::fix_encoding(run, depth + 1)? {
                Some(fixed) if fixed != run => {
                    out.extend(fixed);
                    changed = true;
                }
                _ => out.extend_from_slice(run),
            }
        } else {
            out.extend_from_slice(run);
        }
        pos = end;
    }
    Ok(changed.then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        decode_inconsistent_utf8(&chars, 0).unwrap().map_or_else(|| s.to_string(), |v| v.into_iter().collect())
    }

    #[test]
    fn embedded_runs_are_fixed() {
        assert_eq!(fix("Hern\u{e1}ndez met Hern\u{c3}\u{a1}ndez"), "Hern\u{e1}ndez met Hern\u{e1}ndez");
        assert_eq!(fix("plain"), "plain");
    }
}
