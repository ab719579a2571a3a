//! Word characters: the `regex` module's `\w`, as a bit set over all code points.

use crate::word_ranges::WORD_RANGES;
use std::sync::OnceLock;

const CODE_POINTS: usize = 0x11_0000;

fn table() -> &'static [u64] {
    static TABLE: OnceLock<Vec<u64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut bits = vec![0u64; CODE_POINTS / 64];
        for &(start, end) in WORD_RANGES.iter() {
            for c in start..end {
                bits[(c / 64) as usize] |= 1u64 << (c % 64);
            }
        }
        bits
    })
}

/// Whether code point `c` is a word character. Values beyond Unicode are not.
#[inline]
pub fn is_word(c: u32) -> bool {
    if c < 128 {
        return (c as u8).is_ascii_alphanumeric() || c == 95;
    }
    match table().get((c / 64) as usize) {
        Some(w) => (w >> (c % 64)) & 1 == 1,
        None => false,
    }
}

/// ASCII capitals to lower case when `fold`; everything else unchanged.
#[inline(always)]
pub fn fold_ascii(c: u32, fold: bool) -> u32 {
    if fold && (65..=90).contains(&c) {
        c + 32
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_unicode_words() {
        assert!(is_word('a' as u32) && is_word('Z' as u32) && is_word('7' as u32) && is_word('_' as u32));
        assert!(!is_word(' ' as u32) && !is_word('-' as u32) && !is_word('.' as u32));
        assert!(is_word('é' as u32) && is_word('ß' as u32) && is_word('中' as u32));
        assert!(!is_word(0x2014) && !is_word(0xD800) && !is_word(0x11_0000) && !is_word(u32::MAX));
    }

    #[test]
    fn ranges_are_sorted_and_disjoint() {
        for w in WORD_RANGES.windows(2) {
            assert!(w[0].0 < w[0].1 && w[0].1 < w[1].0);
        }
    }
}

/// The word ranges, for checking them against the `regex` module from Python.
pub fn ranges() -> &'static [(u32, u32)] {
    &WORD_RANGES
}
