//! rapidfuzz's `Levenshtein.opcodes(s1, s2)` (rapidfuzz 3.14, rapidfuzz-cpp 6c10b68): the same
//! alignment among the many of least cost, because it is computed the same way.
//!
//! A verdict of `dedup.align` depends on which words the alignment pairs, and two alignments
//! of equal cost can pair different ones. rapidfuzz's choice is a product of its algorithm,
//! so this is a line-by-line port of `levenshtein_editops` in
//! `rapidfuzz/distance/Levenshtein_impl.hpp` and of `Opcodes(const Editops&)` in
//! `rapidfuzz/details/types.hpp`:
//!
//! 1. the common prefix and suffix are dropped;
//! 2. when the bit matrix would take at least 1 MiB (`2 * band * len(s2) / 8` bytes, band =
//!    `min(len(s1), 2 * max + 1)`) and `len(s1) >= 65` and `len(s2) >= 10`, Hirschberg's
//!    split: `s2` is cut in half and `s1` where the left and right Levenshtein rows (banded
//!    by Ukkonen's rule, computed on the reversed strings for the right) sum least, the first
//!    such place; each half is aligned the same way;
//! 3. otherwise the Hyyrö bit-parallel matrix (one word when `len(s1) <= 64`, a diagonal band
//!    of one word when the band fits in 64 bits, else blocks of 64 within Ukkonen's band) is
//!    recorded and walked back from the end: a deletion where the vertical difference is +1,
//!    else an insertion where the vertical difference of the row above is -1, else a
//!    diagonal step (a replacement when the symbols differ);
//! 4. edit operations become opcodes: runs of one kind at consecutive positions, with the
//!    equal runs between them.
//!
//! Symbols are `u32` ids below `alphabet` (equal symbols, equal ids).
//!
//! One module per step: `hirschberg` (steps 1 and 2), `kernel` (the bit-parallel matrix of step 3)
//! over the vectors of `bits`, `walk` (its walk back); step 4 is here. [`distance_within`]
//! (`distance`) is the plain bounded distance, for short sequences.

mod bits;
mod distance;
mod hirschberg;
mod kernel;
mod walk;

pub use distance::distance_within;

use bits::BlockPm;
use hirschberg::align_hirschberg;
use kernel::{block, Record};
use walk::align;

/// The kind of an opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    /// `s1[i1:i2] == s2[j1:j2]`.
    Equal,
    /// `s1[i1:i2]` replaced by `s2[j1:j2]` (equal lengths).
    Replace,
    /// `s2[j1:j2]` inserted (`i1 == i2`).
    Insert,
    /// `s1[i1:i2]` deleted (`j1 == j2`).
    Delete,
}

/// One opcode: `s1[i1:i2]` becomes `s2[j1:j2]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opcode {
    /// What happens.
    pub tag: Tag,
    /// Start in `s1`.
    pub i1: usize,
    /// End in `s1`.
    pub i2: usize,
    /// Start in `s2`.
    pub j1: usize,
    /// End in `s2`.
    pub j2: usize,
}

/// One edit operation (rapidfuzz's `EditOp`): `tag` at `s1[src]`, `s2[dest]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EditOp {
    tag: Tag,
    src: usize,
    dest: usize,
}

/// A placeholder: the operations are written back to front into a buffer sized to the distance.
const EMPTY_OP: EditOp = EditOp { tag: Tag::Equal, src: 0, dest: 0 };

/// `Levenshtein.opcodes(s1, s2)`; symbols below `alphabet`.
pub fn opcodes(s1: &[u32], s2: &[u32], alphabet: usize) -> Vec<Opcode> {
    let mut ops: Vec<EditOp> = Vec::new();
    // score_hint is SIZE_MAX from Python, so no distance is computed first.
    let score_cutoff = s1.len().max(s2.len());
    align_hirschberg(&mut ops, s1, s2, 0, 0, 0, score_cutoff, alphabet);
    to_opcodes(&ops, s1.len(), s2.len())
}

/// The same opcodes as [`opcodes`], found faster for near copies: when the distance is at most
/// 31 (found in a band of that width) and no Hirschberg split is made, the matrix is recorded
/// in a band of that width only -- what rapidfuzz itself does when given a score hint. That this gives
/// the alignment of the default (full-band) run is checked by tests against rapidfuzz, not
/// derived from its code: both walk back the same rule over exact Levenshtein values.
pub fn opcodes_fast(s1: &[u32], s2: &[u32], alphabet: usize) -> Vec<Opcode> {
    let prefix = s1.iter().zip(s2).take_while(|(a, b)| a == b).count();
    let (t1, t2) = (&s1[prefix..], &s2[prefix..]);
    let suffix = t1.iter().rev().zip(t2.iter().rev()).take_while(|(a, b)| a == b).count();
    let (t1, t2) = (&t1[..t1.len() - suffix], &t2[..t2.len() - suffix]);
    let max = t1.len().max(t2.len());
    let full_band = t1.len().min(2 * max + 1);
    let hirschberg = !(2 * full_band * t2.len() / 8 < 1024 * 1024 || t1.len() < 65 || t2.len() < 10);
    if hirschberg || t1.len() <= 64 || t2.is_empty() {
        return opcodes(s1, s2, alphabet); // the band does not matter here, or the split does
    }
    // One try at a band of 31 edits (one word of bits): the common case of near copies. Past
    // it, the full-band run costs little more than finding the distance would.
    const BAND: usize = 31;
    if t1.len().abs_diff(t2.len()) > BAND || max <= BAND {
        return opcodes(s1, s2, alphabet);
    }
    let dist = block(&BlockPm::new(t1, alphabet), t1.len(), t2, BAND, Record::Distance).dist;
    if dist > BAND {
        return opcodes(s1, s2, alphabet);
    }
    let mut ops: Vec<EditOp> = Vec::new();
    align(&mut ops, t1, t2, dist, prefix, prefix, 0, alphabet);
    to_opcodes(&ops, s1.len(), s2.len())
}

/// `Opcodes(const Editops&)`: runs of one kind at consecutive positions, with the equal runs between them.
fn to_opcodes(ops: &[EditOp], src_len: usize, dest_len: usize) -> Vec<Opcode> {
    let mut out = Vec::new();
    let (mut src, mut dest) = (0usize, 0usize);
    let mut i = 0;
    while i < ops.len() {
        if src < ops[i].src || dest < ops[i].dest {
            out.push(Opcode { tag: Tag::Equal, i1: src, i2: ops[i].src, j1: dest, j2: ops[i].dest });
            src = ops[i].src;
            dest = ops[i].dest;
        }
        let (src_begin, dest_begin) = (src, dest);
        let tag = ops[i].tag;
        loop {
            match tag {
                Tag::Equal => {}
                Tag::Replace => {
                    src += 1;
                    dest += 1;
                }
                Tag::Insert => dest += 1,
                Tag::Delete => src += 1,
            }
            i += 1;
            if !(i < ops.len() && ops[i].tag == tag && src == ops[i].src && dest == ops[i].dest) {
                break;
            }
        }
        out.push(Opcode { tag, i1: src_begin, i2: src, j1: dest_begin, j2: dest });
    }
    if src < src_len || dest < dest_len {
        out.push(Opcode { tag: Tag::Equal, i1: src, i2: src_len, j1: dest, j2: dest_len });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(a: &[u32], b: &[u32]) -> Vec<(Tag, usize, usize, usize, usize)> {
        let n = a.iter().chain(b).max().map_or(0, |&m| m as usize + 1);
        opcodes(a, b, n).iter().map(|o| (o.tag, o.i1, o.i2, o.j1, o.j2)).collect()
    }

    #[test]
    fn small_cases() {
        use Tag::*;
        assert!(ops(&[], &[]).is_empty());
        assert_eq!(ops(&[1, 2], &[1, 2]), [(Equal, 0, 2, 0, 2)]);
        assert_eq!(ops(&[1, 2, 3], &[1, 4, 3]), [(Equal, 0, 1, 0, 1), (Replace, 1, 2, 1, 2), (Equal, 2, 3, 2, 3)]);
        assert_eq!(ops(&[1, 2, 3], &[]), [(Delete, 0, 3, 0, 0)]);
        assert_eq!(ops(&[], &[5]), [(Insert, 0, 0, 0, 1)]);
    }

    /// Reconstructs s2 from s1 and the opcodes, and checks their cost is the Levenshtein distance.
    #[test]
    fn opcodes_are_optimal_alignments() {
        let mut x = 987654321u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..200 {
            let la = (next() % if round < 150 { 150 } else { 900 }) as usize;
            let alpha = 2 + next() % 6;
            let a: Vec<u32> = (0..la).map(|_| (next() % alpha) as u32).collect();
            let mut b = a.clone();
            for _ in 0..(next() % 40) {
                let k = (next() % (b.len() as u64 + 1)) as usize;
                match next() % 3 {
                    0 if k < b.len() => {
                        b.remove(k);
                    }
                    1 => b.insert(k, (next() % alpha) as u32),
                    _ if k < b.len() => b[k] = (next() % alpha) as u32,
                    _ => {}
                }
            }
            let codes = opcodes(&a, &b, alpha as usize);
            let mut rebuilt = Vec::new();
            let mut cost = 0;
            for o in &codes {
                match o.tag {
                    Tag::Equal => {
                        assert_eq!(a[o.i1..o.i2], b[o.j1..o.j2]);
                        rebuilt.extend_from_slice(&a[o.i1..o.i2]);
                    }
                    _ => {
                        rebuilt.extend_from_slice(&b[o.j1..o.j2]);
                        cost += (o.i2 - o.i1).max(o.j2 - o.j1);
                    }
                }
            }
            assert_eq!(rebuilt, b);
            let mut d: Vec<usize> = (0..=b.len()).collect();
            for i in 1..=a.len() {
                let mut prev = d[0];
                d[0] = i;
                for j in 1..=b.len() {
                    let t = d[j];
                    d[j] = (d[j] + 1).min(d[j - 1] + 1).min(prev + (a[i - 1] != b[j - 1]) as usize);
                    prev = t;
                }
            }
            assert_eq!(cost, d[b.len()], "round {round}");
        }
    }
}
