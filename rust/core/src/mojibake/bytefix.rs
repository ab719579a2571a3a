//! Repairs of re-encoded bytes before they are read as UTF-8: `restore_byte_a0` and
//! `replace_lossy_sequences`.
//!
//! Mojibake often went through one more accident: a no-break space (byte 0xA0, the second byte
//! of "à" and of U+00A0 itself) became a plain space, or bytes a codec could not decode became
//! U+FFFD (re-encoded by the sloppy codecs as 0x1A). ftfy patches those byte sequences with
//! regex substitutions; the regexes are alternations of fixed-length byte-class sequences,
//! held as data in [`ALTERED_UTF8`] and [`LOSSY_UTF8`] and matched here with Python's `re.sub`
//! semantics (leftmost match, first alternative that matches, no overlap).

use super::tables::{ALTERED_UTF8, LOSSY_UTF8};

/// A 256-bit set of bytes.
type ByteSet = [u64; 4];

#[inline]
fn has(set: &ByteSet, b: u8) -> bool {
    (set[(b >> 6) as usize] >> (b & 63)) & 1 == 1
}

/// The length of the first alternative of `alts` matching `bytes` at `pos`.
fn match_at(alts: &[&[ByteSet]], bytes: &[u8], pos: usize) -> Option<usize> {
    alts.iter()
        .find(|seq| pos + seq.len() <= bytes.len() && seq.iter().zip(&bytes[pos..]).all(|(set, &b)| has(set, b)))
        .map(|seq| seq.len())
}

/// The bytes that can begin a match of `alts`.
fn first_bytes(alts: &[&[ByteSet]]) -> ByteSet {
    alts.iter().filter_map(|seq| seq.first()).fold([0; 4], |acc, set| [acc[0] | set[0], acc[1] | set[1], acc[2] | set[2], acc[3] | set[3]])
}

/// `re.sub(alts, replace, bytes)`: each match `m` becomes `replace(m)`.
fn substitute(alts: &[&[ByteSet]], bytes: &[u8], replace: impl Fn(&[u8], &mut Vec<u8>)) -> Vec<u8> {
    let first = first_bytes(alts);
    let mut out = Vec::with_capacity(bytes.len() + 8);
    let mut pos = 0;
    while pos < bytes.len() {
        if !has(&first, bytes[pos]) {
            out.push(bytes[pos]);
            pos += 1;
            continue;
        }
        match match_at(alts, bytes, pos) {
            Some(len) => {
                replace(&bytes[pos..pos + len], &mut out);
                pos += len;
            }
            None => {
                out.push(bytes[pos]);
                pos += 1;
            }
        }
    }
    out
}

/// `ALTERED_UTF8_RE.search(bytes)`: would some UTF-8 sequence be valid with a space put back to 0xA0?
pub fn altered_utf8_search(bytes: &[u8]) -> bool {
    let first = first_bytes(ALTERED_UTF8);
    (0..bytes.len()).any(|pos| has(&first, bytes[pos]) && match_at(ALTERED_UTF8, bytes, pos).is_some())
}

/// `fixes.restore_byte_a0`: first `A_GRAVE_WORD_RE` (`\xc3 (?! |quele|quela|quilo|s )` becomes
/// `\xc3\xa0 `, keeping the space: "Ã la" was "à la"), then every space inside an
/// `ALTERED_UTF8_RE` match becomes 0xA0.
pub fn restore_byte_a0(bytes: &[u8]) -> Vec<u8> {
    let mut graved = Vec::with_capacity(bytes.len() + 4);
    let mut pos = 0;
    while pos < bytes.len() {
        if bytes[pos] == 0xC3 && bytes.get(pos + 1) == Some(&b' ') {
            let rest = &bytes[pos + 2..];
            let excluded = [&b" "[..], b"quele", b"quela", b"quilo", b"s "].iter().any(|w| rest.starts_with(w));
            if !excluded {
                graved.extend_from_slice(b"\xc3\xa0 ");
                pos += 2;
                continue;
            }
        }
        graved.push(bytes[pos]);
        pos += 1;
    }
    substitute(ALTERED_UTF8, &graved, |m, out| out.extend(m.iter().map(|&b| if b == b' ' { 0xA0 } else { b })))
}

/// `fixes.replace_lossy_sequences`: a UTF-8 sequence with a lost byte (0x1A, or one `?`) becomes
/// the UTF-8 of U+FFFD, and so does a lone 0x1A.
pub fn replace_lossy_sequences(bytes: &[u8]) -> Vec<u8> {
    substitute(LOSSY_UTF8, bytes, |_, out| out.extend_from_slice("\u{fffd}".as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a0_is_restored() {
        assert!(altered_utf8_search(b"\xc3 la"));
        assert_eq!(restore_byte_a0(b"\xc3 la"), b"\xc3\xa0 la");
        assert_eq!(restore_byte_a0(b"\xc3 s "), b"\xc3\xa0s ");
        assert_eq!(restore_byte_a0(b"\xe2\x80 x"), b"\xe2\x80\xa0x");
        assert!(!altered_utf8_search(b"plain text"));
    }

    #[test]
    fn lossy_sequences_become_fffd() {
        assert_eq!(replace_lossy_sequences(b"\xe2\x80\x1a!"), b"\xef\xbf\xbd!");
        assert_eq!(replace_lossy_sequences(b"\xc3?"), b"\xef\xbf\xbd");
        assert_eq!(replace_lossy_sequences(b"a\x1ab"), b"a\xef\xbf\xbdb");
        assert_eq!(replace_lossy_sequences(b"what?"), b"what?");
    }
}
