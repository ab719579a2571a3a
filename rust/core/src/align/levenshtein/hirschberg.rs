//! Hirschberg's split, for pieces whose bit matrix would take 1 MiB or more: `s2` is cut in half
//! and `s1` where the left and right Levenshtein rows (banded by Ukkonen's rule, the right one
//! computed on the reversed strings) sum least, the first such place; each half is aligned the
//! same way (rapidfuzz's `find_hirschberg_pos` and `levenshtein_align_hirschberg`).

use super::bits::BlockPm;
use super::kernel::{block, Record};
use super::walk::align;
use super::{EditOp, EMPTY_OP};

/// Where a piece is cut, and the distances of its two halves.
struct HirschbergPos {
    left_score: usize,
    right_score: usize,
    s1_mid: usize,
    s2_mid: usize,
}

/// The cut of `s1` and `s2` (the band doubled until the distance fits in it).
fn find_hirschberg_pos(s1: &[u32], s2: &[u32], mut max: usize, alphabet: usize) -> HirschbergPos {
    let len1 = s1.len();
    let r1: Vec<u32> = s1.iter().rev().copied().collect();
    let r2: Vec<u32> = s2.iter().rev().copied().collect();
    let (pm, pm_rev) = (BlockPm::new(s1, alphabet), BlockPm::new(&r1, alphabet));
    loop {
        let left_size = s2.len() / 2;
        let right_size = s2.len() - left_size;
        let mut hpos = HirschbergPos { left_score: 0, right_score: 0, s1_mid: 0, s2_mid: left_size };
        let mut best = usize::MAX;

        let right = block(&pm_rev, len1, &r2, max, Record::Row(right_size - 1));
        if right.dist > max {
            max *= 2;
            continue;
        }
        let right_first = right.first_block * 64;
        let right_last = len1.min(right.last_block * 64 + 64);
        let mut right_scores = vec![0usize; right_last - right_first + 1];
        right_scores[0] = right.prev_score;
        for i in right_first..right_last {
            let (w, bit) = (i / 64, 1u64 << (i % 64));
            let k = i - right_first;
            right_scores[k + 1] = right_scores[k].wrapping_sub((right.vecs[w].1 & bit != 0) as usize).wrapping_add((right.vecs[w].0 & bit != 0) as usize);
        }

        let left = block(&pm, len1, s2, max, Record::Row(left_size - 1));
        if left.dist > max {
            max *= 2;
            continue;
        }
        let left_first = left.first_block * 64;
        let left_last = len1.min(left.last_block * 64 + 64);
        let mut left_score = left.prev_score;
        if len1 >= left_first + right_first {
            let ri = len1 - left_first - right_first;
            if ri < right_scores.len() {
                best = right_scores[ri] + left_score;
                hpos.left_score = left_score;
                hpos.right_score = right_scores[ri];
                hpos.s1_mid = left_first;
            }
        }
        for i in left_first..left_last {
            let (w, bit) = (i / 64, 1u64 << (i % 64));
            left_score = left_score.wrapping_sub((left.vecs[w].1 & bit != 0) as usize).wrapping_add((left.vecs[w].0 & bit != 0) as usize);
            if len1 < i + 1 + right_first {
                continue;
            }
            let ri = len1 - i - 1 - right_first;
            if ri >= right_scores.len() {
                continue;
            }
            if right_scores[ri] + left_score < best {
                best = right_scores[ri] + left_score;
                hpos.left_score = left_score;
                hpos.right_score = right_scores[ri];
                hpos.s1_mid = i + 1;
            }
        }
        if hpos.left_score + hpos.right_score > max {
            max *= 2;
            continue;
        }
        return hpos;
    }
}

/// The operations of `s1` into `s2` (at most `max`), into `ops[at..]`: the common prefix and suffix
/// dropped, then the piece aligned whole or split in two.
#[allow(clippy::too_many_arguments)]
pub(super) fn align_hirschberg(ops: &mut Vec<EditOp>, s1: &[u32], s2: &[u32], src_pos: usize, dest_pos: usize, at: usize, max: usize, alphabet: usize) {
    // The common prefix and suffix need no operations.
    let prefix = s1.iter().zip(s2).take_while(|(a, b)| a == b).count();
    let (s1, s2) = (&s1[prefix..], &s2[prefix..]);
    let suffix = s1.iter().rev().zip(s2.iter().rev()).take_while(|(a, b)| a == b).count();
    let (s1, s2) = (&s1[..s1.len() - suffix], &s2[..s2.len() - suffix]);
    let (src_pos, dest_pos) = (src_pos + prefix, dest_pos + prefix);

    let max = max.min(s1.len().max(s2.len()));
    let full_band = s1.len().min(2 * max + 1);
    let matrix_size = 2 * full_band * s2.len() / 8;
    if matrix_size < 1024 * 1024 || s1.len() < 65 || s2.len() < 10 {
        align(ops, s1, s2, max, src_pos, dest_pos, at, alphabet);
    } else {
        let h = find_hirschberg_pos(s1, s2, max, alphabet);
        if ops.is_empty() {
            ops.resize(h.left_score + h.right_score, EMPTY_OP);
        }
        align_hirschberg(ops, &s1[..h.s1_mid], &s2[..h.s2_mid], src_pos, dest_pos, at, h.left_score, alphabet);
        align_hirschberg(ops, &s1[h.s1_mid..], &s2[h.s2_mid..], src_pos + h.s1_mid, dest_pos + h.s2_mid, at + h.left_score, h.right_score, alphabet);
    }
}
