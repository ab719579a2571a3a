//! Fast scans of UTF-8 text that is mostly ASCII: ASCII runs are skipped eight bytes at a time.
//!
//! Most steps only care about the non-ASCII characters of a text (NFKC, invisible characters,
//! curly quotes, case folding beyond ASCII), so they look at those and copy the rest in bulk.

/// Bytes from `i` on in `b` up to the next non-ASCII byte (or the end).
#[inline]
pub fn ascii_run(b: &[u8], mut i: usize) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let word = |k: usize| u64::from_le_bytes(b[k..k + 8].try_into().expect("eight bytes"));
    while i + 16 <= b.len() && (word(i) | word(i + 8)) & HIGH == 0 {
        i += 16;
    }
    while i + 8 <= b.len() && word(i) & HIGH == 0 {
        i += 8;
    }
    while i < b.len() && b[i] < 0x80 {
        i += 1;
    }
    i
}

/// The non-ASCII characters of `text` with their byte offsets, and whether ASCII comes just before.
pub fn non_ascii(text: &str) -> impl Iterator<Item = (usize, char, bool)> + '_ {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        let j = ascii_run(b, i);
        let c = text[j..].chars().next()?;
        i = j + c.len_utf8();
        Some((j, c, j > 0 && b[j - 1] < 0x80))
    })
}

/// The characters of `text` with every run of ASCII made one `'a'` (for checks that only need
/// to know where ASCII characters are, such as NFKC's quick check).
pub fn squeezed(text: &str) -> impl Iterator<Item = char> + '_ {
    non_ascii(text).flat_map(|(_, c, after_ascii)| [after_ascii.then_some('a'), Some(c)].into_iter().flatten())
}

/// `text` with each non-ASCII character replaced by what `f` writes for it (possibly nothing),
/// the ASCII runs between them copied in bulk.
pub fn map_non_ascii(text: &str, mut f: impl FnMut(char, &mut String)) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (k, c, _) in non_ascii(text) {
        out.push_str(&text[at..k]);
        f(c, &mut out);
        at = k + c.len_utf8();
    }
    out.push_str(&text[at..]);
    out
}

/// Byte offset of the `n`-th character of `text` (its length if it has at most `n`).
pub fn char_offset(text: &str, n: usize) -> usize {
    let b = text.as_bytes();
    let mut seen = 0;
    for (k, &x) in b.iter().enumerate() {
        if x & 0xC0 != 0x80 {
            if seen == n {
                return k;
            }
            seen += 1;
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans() {
        let t = "abcdefghij\u{e9}k\u{2014}\u{2014}xyz\u{1f600}";
        let got: Vec<_> = non_ascii(t).collect();
        assert_eq!(got, vec![(10, '\u{e9}', true), (13, '\u{2014}', true), (16, '\u{2014}', false), (22, '\u{1f600}', true)]);
        assert_eq!(non_ascii("\u{e9}").collect::<Vec<_>>(), vec![(0, '\u{e9}', false)]);
        assert_eq!(squeezed("ab\u{e9}\u{e9}c\u{e8}").collect::<String>(), "a\u{e9}\u{e9}a\u{e8}");
        assert_eq!(ascii_run(b"abcdefghijkl\xc3", 0), 12);
        assert_eq!(ascii_run(&[b'a'; 40], 3), 40);
        assert_eq!(map_non_ascii("a\u{e9}b\u{e8}", |c, out| if c == '\u{e9}' { out.push('E') }), "aEb");
        for n in 0..8 {
            assert_eq!(char_offset("a\u{e9}b\u{2014}c", n), "a\u{e9}b\u{2014}c".char_indices().nth(n).map_or(8, |(k, _)| k));
        }
    }
}
