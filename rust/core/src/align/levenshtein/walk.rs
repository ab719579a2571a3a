//! The alignment walk: the matrix of a piece recorded by the kernel, in the shape that fits it,
//! and walked back from the end into edit operations (rapidfuzz's `levenshtein_align` and
//! `recover_alignment`).

use super::bits::{BlockPm, Matrix, ShiftedBits};
use super::kernel::{block, hyrroe2003_matrix, small_band_matrix, Record};
use super::{EditOp, Tag, EMPTY_OP};

/// Walk `m` back from its end, writing its `m.dist` operations into `ops[at..]` (positions offset
/// by `src_pos`, `dest_pos`): a deletion where the vertical difference is +1, else an insertion
/// where the vertical difference of the row above is -1, else a diagonal step (a replacement
/// when the symbols differ).
#[allow(clippy::too_many_arguments)]
fn recover(ops: &mut [EditOp], s1: &[u32], s2: &[u32], m: &Matrix, src_pos: usize, dest_pos: usize, at: usize) {
    let mut dist = m.dist;
    let (mut col, mut row) = (s1.len(), s2.len());
    while row > 0 && col > 0 {
        if m.vp.test_bit(row - 1, col - 1) {
            dist -= 1;
            col -= 1;
            ops[at + dist] = EditOp { tag: Tag::Delete, src: col + src_pos, dest: row + dest_pos };
        } else {
            row -= 1;
            if row > 0 && m.vn.test_bit(row - 1, col - 1) {
                dist -= 1;
                ops[at + dist] = EditOp { tag: Tag::Insert, src: col + src_pos, dest: row + dest_pos };
            } else {
                col -= 1;
                if s1[col] != s2[row] {
                    dist -= 1;
                    ops[at + dist] = EditOp { tag: Tag::Replace, src: col + src_pos, dest: row + dest_pos };
                }
            }
        }
    }
    while col > 0 {
        dist -= 1;
        col -= 1;
        ops[at + dist] = EditOp { tag: Tag::Delete, src: col + src_pos, dest: row + dest_pos };
    }
    while row > 0 {
        dist -= 1;
        row -= 1;
        ops[at + dist] = EditOp { tag: Tag::Insert, src: col + src_pos, dest: row + dest_pos };
    }
}

/// The operations of `s1` into `s2`, at most `max` of them, written into `ops[at..]` (`ops` is
/// sized to the distance when empty): the matrix is recorded and walked back.
#[allow(clippy::too_many_arguments)]
pub(super) fn align(ops: &mut Vec<EditOp>, s1: &[u32], s2: &[u32], max: usize, src_pos: usize, dest_pos: usize, at: usize, alphabet: usize) {
    let max = max.min(s1.len().max(s2.len()));
    let full_band = s1.len().min(2 * max + 1);
    let m = if s1.is_empty() || s2.is_empty() {
        Matrix { vp: ShiftedBits::empty(), vn: ShiftedBits::empty(), dist: s1.len() + s2.len() }
    } else if s1.len() <= 64 {
        hyrroe2003_matrix(&BlockPm::new(s1, alphabet), s1.len(), s2)
    } else if full_band <= 64 {
        small_band_matrix(s1, s2, max, alphabet)
    } else {
        let out = block(&BlockPm::new(s1, alphabet), s1.len(), s2, max, Record::Matrix);
        match out.matrix {
            Some(m) => m,
            None => Matrix { vp: ShiftedBits::empty(), vn: ShiftedBits::empty(), dist: out.dist },
        }
    };
    debug_assert!(m.dist <= max);
    if m.dist != 0 {
        if ops.is_empty() {
            ops.resize(m.dist, EMPTY_OP);
        }
        recover(ops, s1, s2, &m, src_pos, dest_pos, at);
    }
}
