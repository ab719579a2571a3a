//! One cheap scan of a text telling the normalizer which expensive steps it needs.

/// The text has a code point above ASCII.
pub const NONASCII: u32 = 1;
/// Damage: a UTF-8 lead byte read as Latin-1 followed by a continuation byte (mojibake),
/// a C1 control, U+FFFD, or an HTML entity.
pub const DAMAGE: u32 = 2;
/// Invisible format characters: zero-width, soft hyphen, bidi controls.
pub const INVISIBLE: u32 = 4;

/// UTF-8 continuation bytes 0x80-0xBF as decoded by cp1252 where it differs from Latin-1.
pub const CP1252_CONT: [u32; 27] = [
    0x20AC, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017D,
    0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x017E,
    0x0178,
];

/// Whether `c` is what a UTF-8 continuation byte becomes when decoded as cp1252 or Latin-1.
#[inline]
pub fn is_continuation(c: u32) -> bool {
    (0x80..=0xBF).contains(&c) || (c >= 0x0152 && CP1252_CONT.contains(&c))
}

#[inline(always)]
fn is_alnum_ascii(c: u32) -> bool {
    (48..=57).contains(&c) || (65..=90).contains(&c) || (97..=122).contains(&c)
}

/// Whether `c` is an invisible format character (see [`INVISIBLE`]).
#[inline]
pub fn is_invisible(c: u32) -> bool {
    c == 0xAD
        || (0x200B..=0x200F).contains(&c)
        || c == 0x2060
        || c == 0xFEFF
        || (0x202A..=0x202E).contains(&c)
        || (0x2066..=0x2069).contains(&c)
}

/// The bit mask of [`NONASCII`], [`DAMAGE`] and [`INVISIBLE`] for one text.
///
/// An entity is `&` then `#digits`, `#x hex` or a letter run of up to 32 ASCII alphanumerics, then `;`.
pub fn text_flags(cps: &[u32]) -> u32 {
    let mut flags = 0;
    let n = cps.len();
    for i in 0..n {
        let c = cps[i];
        if c == 38 {
            let mut j = i + 1;
            if j < n && cps[j] == 35 {
                j += 1;
                if j < n && (cps[j] == 120 || cps[j] == 88) {
                    j += 1;
                }
            }
            let start = j;
            while j < n && j - start < 32 && is_alnum_ascii(cps[j]) {
                j += 1;
            }
            if j > start && j < n && cps[j] == 59 {
                flags |= DAMAGE;
            }
            continue;
        }
        if c < 128 {
            continue;
        }
        flags |= NONASCII;
        if c <= 0x9F || c == 0xFFFD {
            flags |= DAMAGE;
        } else if (0xC2..=0xF4).contains(&c) {
            if i + 1 < n && is_continuation(cps[i + 1]) {
                flags |= DAMAGE;
            }
        } else if is_invisible(c) {
            flags |= INVISIBLE;
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(s: &str) -> u32 {
        text_flags(&s.chars().map(|c| c as u32).collect::<Vec<_>>())
    }

    #[test]
    fn what_each_flag_sees() {
        assert_eq!(flags("plain ascii & more"), 0);
        assert_eq!(flags("AT&amp;T"), DAMAGE);
        assert_eq!(flags("&#233; &#xE9;"), DAMAGE);
        assert_eq!(flags("Hern\u{c3}\u{a1}ndez"), NONASCII | DAMAGE);
        assert_eq!(flags("Hern\u{e1}ndez"), NONASCII);
        assert_eq!(flags("zero\u{200b}width"), NONASCII | INVISIBLE);
        assert_eq!(flags("\u{fffd}"), NONASCII | DAMAGE);
        assert_eq!(flags("don\u{e2}\u{20ac}\u{2122}t"), NONASCII | DAMAGE);
    }
}
