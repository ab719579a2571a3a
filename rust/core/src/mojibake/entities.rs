//! `ftfy.fixes.unescape_html`: decode HTML entities, conservatively.
//!
//! ftfy decodes only what matches `&#?[0-9A-Za-z]{1,24};`: a name of the HTML5 table (or an
//! all-caps variant ftfy adds, like `&EACUTE;`), or a numeric reference that `html.unescape`
//! decodes completely. Numeric references follow `html._replace_charref`: HTML5's remapping of
//! some numbers (0x80 is "€"), U+FFFD for surrogates and numbers past U+10FFFF, nothing for
//! the code points HTML forbids. A reference that decodes to ";" is left as it was (ftfy takes
//! a ";" in the result for a partial decoding).

use super::tables::{HTML_ENTITIES, INVALID_CHARREFS, INVALID_CODEPOINTS};

/// Longest name `HTML_ENTITY_RE` accepts.
const MAX_NAME: usize = 24;

/// `unescape_html(text)`, or `None` if it changes nothing.
pub fn unescape_html(text: &[char]) -> Option<Vec<char>> {
    if !text.contains(&'&') {
        return None;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut changed = false;
    let mut pos = 0;
    while pos < text.len() {
        if text[pos] == '&' {
            if let Some((end, replacement)) = entity_at(text, pos) {
                out.extend(replacement.chars());
                changed = true;
                pos = end;
                continue;
            }
        }
        out.push(text[pos]);
        pos += 1;
    }
    changed.then_some(out)
}

/// The entity `HTML_ENTITY_RE` matches at `pos` (a "&"), if ftfy replaces it: the position after
/// its ";" and the replacement.
fn entity_at(text: &[char], pos: usize) -> Option<(usize, String)> {
    let mut start = pos + 1;
    let numeric = text.get(start) == Some(&'#');
    if numeric {
        start += 1;
    }
    let run = text[start..].iter().take(MAX_NAME + 1).take_while(|c| c.is_ascii_alphanumeric()).count();
    let semicolon = start + run;
    if run == 0 || run > MAX_NAME || text.get(semicolon) != Some(&';') {
        return None;
    }
    let body: String = text[start..semicolon].iter().collect();
    if !numeric {
        let i = HTML_ENTITIES.binary_search_by(|&(name, _)| name.cmp(body.as_str())).ok()?;
        return Some((semicolon + 1, HTML_ENTITIES[i].1.to_string()));
    }
    let value = charref(&body)?;
    if value.contains(';') {
        return None;
    }
    Some((semicolon + 1, value))
}

/// What `html.unescape("&#" + body + ";")` gives when it decodes the whole reference.
fn charref(body: &str) -> Option<String> {
    let (digits, radix) = match body.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (body, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        // `html.unescape` decodes a prefix or nothing; the ";" stays and ftfy keeps the text.
        return None;
    }
    let num = digits.chars().fold(0u128, |acc, c| {
        acc.saturating_mul(u128::from(radix)).saturating_add(u128::from(c.to_digit(radix).unwrap_or(0)))
    });
    if let Ok(i) = INVALID_CHARREFS.binary_search_by_key(&num, |&(n, _)| u128::from(n)) {
        return Some(INVALID_CHARREFS[i].1.to_string());
    }
    if (0xD800..=0xDFFF).contains(&num) || num > 0x10FFFF {
        return Some("\u{fffd}".to_string());
    }
    let num = num as u32;
    if INVALID_CODEPOINTS.binary_search(&num).is_ok() {
        return Some(String::new());
    }
    char::from_u32(num).map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unescape(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        unescape_html(&chars).map_or_else(|| s.to_string(), |v| v.into_iter().collect())
    }

    #[test]
    fn names_and_numbers() {
        assert_eq!(unescape("&lt;tag&gt;"), "<tag>");
        assert_eq!(unescape("P&EACUTE;REZ &eacute;"), "P\u{c9}REZ \u{e9}");
        assert_eq!(unescape("&ntilde; &Ntilde; &NTILDE; &nTILDE;"), "\u{f1} \u{d1} \u{d1} &nTILDE;");
        assert_eq!(unescape("&#233;&#xE9;&#XE9;&#0233;"), "\u{e9}\u{e9}\u{e9}\u{e9}");
        assert_eq!(unescape("&#128;&#0;&#xD800;&#x110000;&#1;"), "\u{20ac}\u{fffd}\u{fffd}\u{fffd}");
    }

    #[test]
    fn what_is_left_alone() {
        for s in ["&#59;", "&#12ab;", "&#x;", "&#xyz;", "&amp", "&nosuchname;", "AT&T", "&aaaaaaaaaaaaaaaaaaaaaaaaa;"] {
            assert_eq!(unescape(s), s);
        }
        assert_eq!(unescape("&&amp;;"), "&&;");
    }
}
