//! Reading re-encoded bytes as UTF-8: Python's strict `utf-8` codec and ftfy's `utf-8-variants`.
//!
//! ftfy decodes with `utf-8-variants` whenever the bytes hold 0xED or 0xC0. That codec is strict
//! UTF-8 except for two extensions, ported here with the quirks of the regex that finds them
//! (`SPECIAL_BYTES_RE`, whose `$` also matches before a final newline):
//!
//! * `C0 80` (Java's encoding of U+0000) is U+0000; so is `C0` followed by a final `\n`;
//! * CESU-8, a UTF-16 surrogate pair encoded as two 3-byte sequences
//!   (`ED A0-AF 80-BF ED B0-BF 80-BF`), is the supplementary character; the last byte may
//!   instead be a final `\n`, which then counts as `0A`.
//!
//! Any other `ED A0..BF` (a lone surrogate) is an error, as in strict UTF-8.

/// `bytes.decode("utf-8")`, or `None` where Python raises `UnicodeDecodeError`.
///
/// Rust and Python accept exactly the same byte strings: both follow the Unicode table of
/// well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
pub fn decode_strict(bytes: &[u8]) -> Option<String> {
    std::str::from_utf8(bytes).ok().map(str::to_owned)
}

/// `bytes.decode("utf-8-variants")`, or `None` where it raises.
pub fn decode_variants(bytes: &[u8]) -> Option<String> {
    let n = bytes.len();
    // Where `$` matches in SPECIAL_BYTES_RE: the end, or just before a final newline.
    let at_end = |k: usize| k == n || (k + 1 == n && bytes[k] == b'\n');
    let mut out = String::with_capacity(n);
    let mut start = 0;
    let mut pos = 0;
    while pos < n {
        match bytes[pos] {
            0xC0 => {
                out.push_str(std::str::from_utf8(&bytes[start..pos]).ok()?);
                // NULL_EXPR matched with two bytes left (the second 0x80 or a final "\n"), or
                // C0 is malformed: a lone C0 goes to the strict decoder, which raises.
                if n - pos >= 2 && (bytes[pos + 1] == 0x80 || (n - pos == 2 && bytes[pos + 1] == b'\n')) {
                    out.push('\0');
                    pos += 2;
                    start = pos;
                } else {
                    return None;
                }
            }
            0xED if at_end(pos + 1) || (0xA0..=0xBF).contains(&bytes[pos + 1]) => {
                out.push_str(std::str::from_utf8(&bytes[start..pos]).ok()?);
                // A surrogate: only a whole CESU-8 pair decodes; anything else raises.
                let r = &bytes[pos..];
                let cesu = r.len() >= 6
                    && (0xA0..=0xAF).contains(&r[1])
                    && (0x80..=0xBF).contains(&r[2])
                    && r[3] == 0xED
                    && (0xB0..=0xBF).contains(&r[4])
                    && ((0x80..=0xBF).contains(&r[5]) || (r.len() == 6 && r[5] == b'\n'));
                if !cesu {
                    return None;
                }
                let cp = ((u32::from(r[1]) & 0x0F) << 16)
                    + ((u32::from(r[2]) & 0x3F) << 10)
                    + ((u32::from(r[4]) & 0x0F) << 6)
                    + (u32::from(r[5]) & 0x3F)
                    + 0x10000;
                out.push(char::from_u32(cp)?);
                pos += 6;
                start = pos;
            }
            _ => pos += 1,
        }
    }
    out.push_str(std::str::from_utf8(&bytes[start..]).ok()?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict() {
        assert_eq!(decode_strict(b"caf\xc3\xa9").as_deref(), Some("caf\u{e9}"));
        assert_eq!(decode_strict(b"\xed\xa0\x80"), None);
        assert_eq!(decode_strict(b"\xc3"), None);
    }

    #[test]
    fn variants() {
        assert_eq!(decode_variants(b"a\xc0\x80b").as_deref(), Some("a\0b"));
        assert_eq!(decode_variants(b"a\xc0\n").as_deref(), Some("a\0"));
        assert_eq!(decode_variants(b"\xed\xa0\xbd\xed\xb8\x80").as_deref(), Some("\u{1f600}"));
        assert_eq!(decode_variants(b"\xed\x95\x9c").as_deref(), Some("\u{d55c}"));
        assert_eq!(decode_variants(b"\xed\xa0\x80x"), None);
        assert_eq!(decode_variants(b"\xc0"), None);
        assert_eq!(decode_variants(b"\xc0A"), None);
        assert_eq!(decode_variants(b"\xedn"), None);
    }
}
