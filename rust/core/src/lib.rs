//! The compiled core of dedup.
//!
//! Each module is one concept of the Python package and keeps its definitions bit for bit:
//! the hashes, signatures, sketches and band-map lookups computed here are the ones stored
//! in index files, so they are a format, not an implementation detail.
//!
//! Texts arrive as Unicode code points (UTF-32) so that positions and characters mean
//! what they mean in Python's `str`.

// Safe code throughout, but for the two audited calls in `simd` that run a loop compiled for AVX2 or AVX-512
// after the CPU has said it has that extension.
#![deny(unsafe_code)]

pub mod align;
pub mod bandmap;
pub mod buckets;
pub mod codepoints;
pub mod components;
pub mod containment;
pub mod distinct;
pub mod fingerprint;
pub mod flags;
pub mod hash;
pub mod heaviest;
pub mod jsonl;
pub mod layout;
pub mod linkage;
pub mod minhash;
pub mod mojibake;
pub mod normalize;
pub mod numbers;
pub mod overlap;
pub mod pairs;
pub mod screen;
pub mod shingle;
pub mod textstore;
#[cfg(test)]
mod testing;
mod simd;
pub mod words;
mod word_ranges;
