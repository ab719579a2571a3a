//! The single-byte codecs ftfy re-encodes text with: `chardata.possible_encoding` and `str.encode`.
//!
//! Mojibake is UTF-8 bytes decoded with a single-byte codec; undoing it starts by encoding the
//! text back with that codec. ftfy tries ten of them in a fixed order ([`CHARMAPS`]); a text is
//! "possible" in a codec when every character has a byte there. The `sloppy-` codecs are ftfy's:
//! they map the bytes a Windows code page leaves undefined to the Latin-1 characters, and byte
//! 0x1A to U+FFFD (so U+001A itself is not encodable in them).

use super::tables::{Charmap, CHARMAPS};

/// The codecs of `ftfy.chardata.CHARMAP_ENCODINGS`, in the order ftfy tries them.
pub fn all() -> &'static [Charmap] {
    &CHARMAPS
}

/// The codec called `name` (ftfy's spelling).
pub fn by_name(name: &str) -> &'static Charmap {
    CHARMAPS.iter().find(|m| m.name == name).expect("a codec of CHARMAP_ENCODINGS")
}

/// The byte `c` encodes to, if `map` has one.
#[inline]
pub fn encode_char(map: &Charmap, c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 && u != 0x1A {
        return Some(u as u8);
    }
    map.chars.binary_search_by_key(&c, |&(ch, _)| ch).ok().map(|i| map.chars[i].1)
}

/// `text.encode(map.name)` if `possible_encoding(text, map.name)`, else `None`.
pub fn encode(map: &Charmap, text: &[char]) -> Option<Vec<u8>> {
    text.iter().map(|&c| encode_char(map, c)).collect()
}

/// `possible_encoding(text, "ascii")`: every character is below U+0080.
pub fn is_ascii(text: &[char]) -> bool {
    text.iter().all(|&c| (c as u32) < 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_in_ftfy_order() {
        let names: Vec<_> = all().iter().map(|m| m.name).collect();
        assert_eq!(names[..2], ["latin-1", "sloppy-windows-1252"]);
        assert_eq!(names.len(), 10);
    }

    #[test]
    fn encoding_and_holes() {
        let latin1 = by_name("latin-1");
        let w1252 = by_name("sloppy-windows-1252");
        assert_eq!(encode(latin1, &['\u{c3}', '\u{a9}']), Some(vec![0xC3, 0xA9]));
        assert_eq!(encode(latin1, &['\u{20ac}']), None);
        assert_eq!(encode(w1252, &['\u{20ac}', '\u{81}', '\u{fffd}']), Some(vec![0x80, 0x81, 0x1A]));
        assert_eq!(encode(w1252, &['\u{1a}']), None);
        assert_eq!(encode(w1252, &['\u{85}']), None);
    }
}
