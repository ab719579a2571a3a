//! Step `casefold`: Python's `str.casefold()`, full case folding of Python's Unicode version.
//!
//! Case folding maps each character on its own (unlike `str.lower`, which looks at the context of
//! a capital sigma), so a per-character table taken from the running Python is exact.

use super::{chars, scan};
use std::borrow::Cow;

/// `text.casefold()`.
pub fn casefold(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let changes = chars::casefold_changes;
    if !b.iter().any(u8::is_ascii_uppercase) && !scan::non_ascii(text).any(|(_, c, _)| changes(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < b.len() {
        // An ASCII run, lower-cased in bulk, then one non-ASCII character.
        let j = scan::ascii_run(b, i);
        let start = out.len();
        out.push_str(&text[i..j]);
        out[start..].make_ascii_lowercase();
        let Some(c) = text[j..].chars().next() else { break };
        match chars::casefold(c) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
        i = j + c.len_utf8();
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_folding() {
        assert_eq!(casefold("Straße ΣΑΣ ς İ ﬁ"), "strasse σασ σ i\u{307} fi");
        assert_eq!(casefold("ABC def"), "abc def");
        assert!(matches!(casefold("déjà vu"), Cow::Borrowed(_)));
    }
}
