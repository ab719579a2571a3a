//! The stable hashes everything else is built from.
//!
//! `fnv(x...)` is 64-bit FNV-1a over 32- or 64-bit units, `h = (h ^ x) * P`, finished with
//! MurmurHash3's 64-bit finalizer. MinHash folds a 64-bit hash to 32 bits and premixes it
//! with MurmurHash3's 32-bit finalizer.

/// FNV-1a offset basis: code points of a character n-gram, of a word.
pub const FNV_BASIS: u64 = 0xCBF2_9CE4_8422_2325;
/// The basis of a word n-gram (over its words' hashes), so it never collides by construction with a word.
pub const WORD_NGRAM_BASIS: u64 = 0x8422_2325_CBF2_9CE4;
/// The basis of a number's hash (over its code points).
pub const NUMBER_BASIS: u64 = 0x9E37_79B9_7F4A_7C15;
/// FNV-1a 64-bit prime.
pub const FNV_PRIME: u64 = 0x0000_0100_0000_01B3;

/// One FNV-1a step.
#[inline(always)]
pub fn fnv_step(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_mul(FNV_PRIME)
}

/// MurmurHash3's 64-bit finalizer (`fmix64`): every input bit affects every output bit.
#[inline(always)]
pub fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^= h >> 33;
    h
}

/// MurmurHash3's 32-bit finalizer (`fmix32`).
#[inline(always)]
pub fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^ (h >> 16)
}

/// `fmix64(fnv(units))` from `basis`.
pub fn fnv_units(basis: u64, units: impl IntoIterator<Item = u64>) -> u64 {
    fmix64(units.into_iter().fold(basis, fnv_step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finalizers_match_murmur3_reference_values() {
        // Reference values of MurmurHash3's finalizers (smhasher).
        assert_eq!(fmix64(0), 0);
        assert_eq!(fmix32(0), 0);
        assert_eq!(fmix64(1), 0xB456_BCFC_34C2_CB2C);
        assert_eq!(fmix32(1), 0x514E_28B7);
    }

    #[test]
    fn fnv_of_nothing_is_the_mixed_basis() {
        assert_eq!(fnv_units(FNV_BASIS, []), fmix64(FNV_BASIS));
        assert_eq!(fnv_step(FNV_BASIS, 97), (FNV_BASIS ^ 97).wrapping_mul(FNV_PRIME));
    }
}
