//! ftfy's character-by-character fixers: `fix_c1_controls`, `fix_latin_ligatures`,
//! `fix_character_width` and `remove_control_chars`.
//!
//! Each maps single characters through one of ftfy's tables and returns `None` when nothing
//! changed, so that [`super::fix_and_explain`] knows when a round was idle without comparing texts.

use super::tables::{CONTROL_CHARS, LIGATURES, SLOPPY_1252_C1, WIDTH_MAP};

/// Replace each character `map` has an entry for; `None` if no character was replaced.
fn translate(text: &[char], map: impl Fn(char) -> Option<&'static str>) -> Option<Vec<char>> {
    let first = text.iter().position(|&c| map(c).is_some())?;
    let mut out = Vec::with_capacity(text.len() + 8);
    out.extend_from_slice(&text[..first]);
    for &c in &text[first..] {
        match map(c) {
            Some(s) => out.extend(s.chars()),
            None => out.push(c),
        }
    }
    Some(out)
}

/// The C1 control (U+0080..U+009F) as `sloppy-windows-1252` reads its byte, where that differs.
#[inline]
pub fn c1_to_1252(c: char) -> Option<char> {
    let u = c as u32;
    if (0x80..=0x9F).contains(&u) {
        let w = SLOPPY_1252_C1[(u - 0x80) as usize];
        (w != c).then_some(w)
    } else {
        None
    }
}

/// `fix_c1_controls`: C1 controls become their Windows-1252 characters, as browsers show them.
pub fn fix_c1_controls(text: &[char]) -> Option<Vec<char>> {
    let first = text.iter().position(|&c| c1_to_1252(c).is_some())?;
    let mut out = text.to_vec();
    for c in &mut out[first..] {
        if let Some(w) = c1_to_1252(*c) {
            *c = w;
        }
    }
    Some(out)
}

/// Whether `text` holds a C1 control (`C1_CONTROL_RE.search`).
pub fn has_c1(text: &[char]) -> bool {
    text.iter().any(|&c| (0x80..=0x9F).contains(&(c as u32)))
}

fn lookup(table: &'static [(char, &'static str)], c: char) -> Option<&'static str> {
    table.binary_search_by_key(&c, |&(k, _)| k).ok().map(|i| table[i].1)
}

/// `fix_latin_ligatures`: "ﬁ" becomes "fi" (and the other Latin ligatures and digraphs).
pub fn fix_latin_ligatures(text: &[char]) -> Option<Vec<char>> {
    translate(text, |c| if matches!(c as u32, 0x132..=0x1F3 | 0xFB00..=0xFB06) { lookup(&LIGATURES, c) } else { None })
}

/// `fix_character_width`: full-width ASCII and half-width kana to the usual width; U+3000 to a space.
pub fn fix_character_width(text: &[char]) -> Option<Vec<char>> {
    translate(text, |c| if matches!(c as u32, 0x3000 | 0xFF01..=0xFFEF) { lookup(&WIDTH_MAP, c) } else { None })
}

/// `remove_control_chars`: drop controls with no visible effect (not tabs, line breaks or C1).
pub fn remove_control_chars(text: &[char]) -> Option<Vec<char>> {
    let gone = |c: char| {
        let u = c as u32;
        CONTROL_CHARS.iter().any(|&(a, b)| a <= u && u < b)
    };
    let first = text.iter().position(|&c| gone(c))?;
    let mut out = text[..first].to_vec();
    out.extend(text[first..].iter().copied().filter(|&c| !gone(c)));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&[char]) -> Option<Vec<char>>, s: &str) -> Option<String> {
        f(&s.chars().collect::<Vec<_>>()).map(|v| v.into_iter().collect())
    }

    #[test]
    fn each_fixer() {
        assert_eq!(run(fix_c1_controls, "a\u{80}\u{81}\u{93}").as_deref(), Some("a\u{20ac}\u{81}\u{201c}"));
        assert_eq!(run(fix_c1_controls, "a\u{81}"), None);
        assert_eq!(run(fix_latin_ligatures, "\u{fb03}x").as_deref(), Some("ffix"));
        assert_eq!(run(fix_character_width, "\u{ff21}\u{3000}\u{ff71}").as_deref(), Some("A \u{30a2}"));
        assert_eq!(run(remove_control_chars, "a\u{0}\t\n\r\u{7f}\u{feff}b").as_deref(), Some("a\t\n\rb"));
        assert_eq!(run(remove_control_chars, "plain"), None);
    }
}
