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
//! Symbols are `u32` ids below `alphabet` (equal symbols, equal ids). Where the C++ reads or
//! writes past a bit-matrix row it reads or writes the next row (one flat buffer); so does
//! this port, and it reads nothing beyond the buffer.

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EditOp {
    tag: Tag,
    src: usize,
    dest: usize,
}

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

/// The Levenshtein distance of two short sequences (a row of the dynamic program at a time), or
/// `None` once it exceeds `max`.
pub fn distance_within(a: &[u32], b: &[u32], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        let mut best = row[0];
        for (j, &cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != cb)).min(up + 1).min(row[j] + 1);
            diag = up;
            best = best.min(row[j + 1]);
        }
        if best > max {
            return None;
        }
    }
    (row[b.len()] <= max).then_some(row[b.len()])
}

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

// -- pattern match vectors -----------------------------------------------------------------

/// `BlockPatternMatchVector`: for each symbol, the bits of its positions in `s`, 64 to a word.
/// Symbols above those of `s` have no bits: they share one row of zeros (the last).
struct BlockPm {
    words: usize,
    symbols: usize,
    bits: Vec<u64>,
}

impl BlockPm {
    fn new(s: &[u32], alphabet: usize) -> BlockPm {
        let words = s.len().div_ceil(64).max(1);
        let symbols = s.iter().max().map_or(0, |&m| m as usize + 1).min(alphabet);
        let mut bits = vec![0u64; (symbols + 1) * words];
        for (i, &c) in s.iter().enumerate() {
            bits[c as usize * words + i / 64] |= 1u64 << (i % 64);
        }
        BlockPm { words, symbols, bits }
    }

    #[inline]
    fn get(&self, word: usize, c: u32) -> u64 {
        self.row(c)[word]
    }

    /// The words of symbol `c`.
    #[inline]
    fn row(&self, c: u32) -> &[u64] {
        let c = (c as usize).min(self.symbols);
        &self.bits[c * self.words..(c + 1) * self.words]
    }
}

// -- recorded bit matrices -----------------------------------------------------------------

/// `ShiftedBitMatrix<uint64_t>`: rows of `cols` words in one buffer, each row shifted by an offset.
/// Words are stored XOR `fill` (the initial value), so the buffer starts zeroed (no fill pass).
struct ShiftedBits {
    cols: usize,
    fill: u64,
    data: Vec<u64>,
    offsets: Vec<isize>,
}

impl ShiftedBits {
    fn new(rows: usize, cols: usize, fill: u64) -> ShiftedBits {
        ShiftedBits { cols, fill, data: vec![0; rows * cols], offsets: vec![0; rows] }
    }

    fn empty() -> ShiftedBits {
        ShiftedBits { cols: 0, fill: 0, data: Vec::new(), offsets: Vec::new() }
    }

    #[inline]
    fn set(&mut self, row: usize, word: usize, v: u64) {
        self.set_flat(row * self.cols + word, v);
    }

    /// Word `i` of the flat buffer (`row * cols + word`).
    #[inline]
    fn set_flat(&mut self, i: usize, v: u64) {
        if let Some(x) = self.data.get_mut(i) {
            *x = v ^ self.fill;
        }
    }

    fn test_bit(&self, row: usize, col: usize) -> bool {
        let offset = self.offsets[row];
        let col = if offset < 0 {
            col + offset.unsigned_abs()
        } else if col >= offset as usize {
            col - offset as usize
        } else {
            return false; // left of the band
        };
        self.data.get(row * self.cols + col / 64).is_some_and(|w| ((w ^ self.fill) >> (col % 64)) & 1 == 1)
    }
}

struct Matrix {
    vp: ShiftedBits,
    vn: ShiftedBits,
    dist: usize,
}

/// Hyyrö's algorithm for `len(s1) <= 64`, recording every row (`levenshtein_hyrroe2003<true, false>`).
fn hyrroe2003_matrix(pm: &BlockPm, len1: usize, s2: &[u32]) -> Matrix {
    let (mut vp, mut vn) = (!0u64, 0u64);
    let mut dist = len1;
    let mut m = Matrix { vp: ShiftedBits::new(s2.len(), 1, !0), vn: ShiftedBits::new(s2.len(), 1, 0), dist: 0 };
    let mask = 1u64 << (len1 - 1);
    for (i, &c) in s2.iter().enumerate() {
        let x = pm.get(0, c);
        let d0 = (((x & vp).wrapping_add(vp)) ^ vp) | x | vn;
        let mut hp = vn | !(d0 | vp);
        let mut hn = d0 & vp;
        dist += (hp & mask != 0) as usize;
        dist -= (hn & mask != 0) as usize;
        hp = (hp << 1) | 1;
        hn <<= 1;
        vp = hn | !(d0 | hp);
        vn = hp & d0;
        m.vp.set(i, 0, vp);
        m.vn.set(i, 0, vn);
    }
    m.dist = dist;
    m
}

#[inline]
fn shr64(a: u64, shift: isize) -> u64 {
    if shift >= 64 {
        0
    } else {
        a.wrapping_shr(shift as u32) // a negative shift only meets an empty entry (0)
    }
}

/// The diagonal band of one word, recording every row (`levenshtein_hyrroe2003_small_band<true>`).
fn small_band_matrix(s1: &[u32], s2: &[u32], max: usize, alphabet: usize) -> Matrix {
    let (len1, len2) = (s1.len(), s2.len());
    let mut vp = !0u64 << (64 - max - 1);
    let mut vn = 0u64;
    let mut m = Matrix { vp: ShiftedBits::new(len2, 1, !0), vn: ShiftedBits::new(len2, 1, 0), dist: max };
    let start_offset = max as isize + 2 - 64;
    for i in 0..len2 {
        m.vp.offsets[i] = start_offset + i as isize;
        m.vn.offsets[i] = start_offset + i as isize;
    }
    let diagonal_mask = 1u64 << 63;
    let mut horizontal_mask = 1u64 << 62;
    let break_score = (2 * max + len2).wrapping_sub(len1);
    // HybridGrowingHashmap<symbol, (last position, bits)>: absent symbols read (0, 0).
    let mut pm: Vec<(isize, u64)> = vec![(0, 0); alphabet];
    let mut it1 = 0usize;
    for j in -(max as isize)..0 {
        let x = &mut pm[s1[it1] as usize];
        x.1 = shr64(x.1, j - x.0) | (1u64 << 63);
        x.0 = j;
        it1 += 1;
    }
    let mut i = 0usize;
    while i < len1 - max {
        {
            let x = &mut pm[s1[it1] as usize];
            x.1 = shr64(x.1, i as isize - x.0) | (1u64 << 63);
            x.0 = i as isize;
        }
        let y = pm[s2[i] as usize];
        let x = shr64(y.1, i as isize - y.0);
        let d0 = (((x & vp).wrapping_add(vp)) ^ vp) | x | vn;
        let hp = vn | !(d0 | vp);
        let hn = d0 & vp;
        m.dist += (d0 & diagonal_mask == 0) as usize;
        if m.dist > break_score {
            m.dist = max + 1;
            return m;
        }
        vp = hn | !((d0 >> 1) | hp);
        vn = (d0 >> 1) & hp;
        m.vp.set(i, 0, vp);
        m.vn.set(i, 0, vn);
        it1 += 1;
        i += 1;
    }
    while i < len2 {
        if it1 < len1 {
            let x = &mut pm[s1[it1] as usize];
            x.1 = shr64(x.1, i as isize - x.0) | (1u64 << 63);
            x.0 = i as isize;
            it1 += 1;
        }
        let y = pm[s2[i] as usize];
        let x = shr64(y.1, i as isize - y.0);
        let d0 = (((x & vp).wrapping_add(vp)) ^ vp) | x | vn;
        let hp = vn | !(d0 | vp);
        let hn = d0 & vp;
        m.dist += (hp & horizontal_mask != 0) as usize;
        m.dist = m.dist.wrapping_sub((hn & horizontal_mask != 0) as usize);
        horizontal_mask >>= 1;
        if m.dist > break_score {
            m.dist = max + 1;
            return m;
        }
        vp = hn | !((d0 >> 1) | hp);
        vn = (d0 >> 1) & hp;
        m.vp.set(i, 0, vp);
        m.vn.set(i, 0, vn);
        i += 1;
    }
    if m.dist > max {
        m.dist = max + 1;
    }
    m
}

enum Record {
    Matrix,
    Row(usize),
    Distance,
}

/// What `levenshtein_hyrroe2003_block` returns: the matrix, or one row of bit vectors.
struct BlockOut {
    dist: usize,
    matrix: Option<Matrix>,
    first_block: usize,
    last_block: usize,
    prev_score: usize,
    vecs: Vec<(u64, u64)>,
}

/// Hyyrö's algorithm in blocks of 64 within Ukkonen's band (`levenshtein_hyrroe2003_block`),
/// recording the matrix or the bit vectors of row `stop_row`.
#[allow(clippy::needless_range_loop)] // indices as in the C++
fn block(pm: &BlockPm, len1: usize, s2: &[u32], max_in: usize, record: Record) -> BlockOut {
    let len2 = s2.len();
    let mut out = BlockOut { dist: 0, matrix: None, first_block: 0, last_block: 0, prev_score: 0, vecs: Vec::new() };
    if max_in < len1.abs_diff(len2) {
        out.dist = max_in.wrapping_add(1);
        return out;
    }
    let words = pm.words;
    let mut vecs: Vec<(u64, u64)> = vec![(!0u64, 0u64); words];
    let mut scores = vec![0usize; words];
    let last = 1u64 << ((len1 - 1) % 64);
    for (i, s) in scores.iter_mut().enumerate().take(words - 1) {
        *s = (i + 1) * 64;
    }
    scores[words - 1] = len1;
    let mut matrix = match record {
        Record::Matrix => {
            let full_band = len1.min(max_in.wrapping_mul(2).wrapping_add(1));
            let full_band_words = words.min(full_band / 64 + 2);
            Some(Matrix { vp: ShiftedBits::new(len2, full_band_words, !0), vn: ShiftedBits::new(len2, full_band_words, 0), dist: 0 })
        }
        Record::Row(_) | Record::Distance => None,
    };
    let mut max = max_in.min(len1.max(len2));
    let mut first_block = 0usize;
    let mut last_block = words.min((max.min((max + len1 - len2) / 2) + 1).div_ceil(64)) - 1;
    let row_num = |word: usize| if word + 1 == words { len1 - 1 } else { (word + 1) * 64 - 1 };

    for (row, &c) in s2.iter().enumerate() {
        let pm_row = pm.row(c);
        let mut hp_carry = 1u64;
        let mut hn_carry = 0u64;
        let mut base = 0usize;
        if let Some(m) = matrix.as_mut() {
            m.vp.offsets[row] = (first_block * 64) as isize;
            m.vn.offsets[row] = (first_block * 64) as isize;
            base = row * m.vp.cols;
        }
        // `advance_block(word)`: one block of the row; returns the change of its last cell.
        let advance = |word: usize, hp_carry: &mut u64, hn_carry: &mut u64, vecs: &mut [(u64, u64)], matrix: &mut Option<Matrix>| -> i64 {
            let (vp, vn) = vecs[word];
            let x = pm_row[word] | *hn_carry;
            let d0 = (((x & vp).wrapping_add(vp)) ^ vp) | x | vn;
            let mut hp = vn | !(d0 | vp);
            let mut hn = d0 & vp;
            let (hp_in, hn_in) = (*hp_carry, *hn_carry);
            if word < words - 1 {
                *hp_carry = hp >> 63;
                *hn_carry = hn >> 63;
            } else {
                *hp_carry = (hp & last != 0) as u64;
                *hn_carry = (hn & last != 0) as u64;
            }
            hp = (hp << 1) | hp_in;
            hn = (hn << 1) | hn_in;
            let v = (hn | !(d0 | hp), hp & d0);
            vecs[word] = v;
            if let Some(m) = matrix.as_mut() {
                m.vp.set_flat((base + word).wrapping_sub(first_block), v.0);
                m.vn.set_flat((base + word).wrapping_sub(first_block), v.1);
            }
            *hp_carry as i64 - *hn_carry as i64
        };
        // The blocks of the band, as `advance_block` one after the other (a loop over slices).
        let band = first_block..last_block + 1;
        let flat = base..base + band.len(); // `row * cols + word - first_block`
        let rows_fit = matrix.as_ref().is_none_or(|m| flat.end <= m.vp.data.len());
        if rows_fit {
            let mut out: Option<(&mut [u64], &mut [u64], u64)> = matrix.as_mut().map(|m| {
                let fill = m.vp.fill;
                (&mut m.vp.data[flat.clone()], &mut m.vn.data[flat.clone()], fill)
            });
            let (vecs_b, pm_b, scores_b) = (&mut vecs[band.clone()], &pm_row[band.clone()], &mut scores[band.clone()]);
            for k in 0..vecs_b.len() {
                let (vp, vn) = vecs_b[k];
                let x = pm_b[k] | hn_carry;
                let d0 = (((x & vp).wrapping_add(vp)) ^ vp) | x | vn;
                let hp = vn | !(d0 | vp);
                let hn = d0 & vp;
                let top = if first_block + k + 1 == words { last } else { 1u64 << 63 };
                let (hp_out, hn_out) = ((hp & top != 0) as u64, (hn & top != 0) as u64);
                let hp = (hp << 1) | hp_carry;
                let hn = (hn << 1) | hn_carry;
                hp_carry = hp_out;
                hn_carry = hn_out;
                let v = (hn | !(d0 | hp), hp & d0);
                vecs_b[k] = v;
                if let Some((vp_out, vn_out, fill)) = out.as_mut() {
                    vp_out[k] = v.0 ^ *fill;
                    vn_out[k] = v.1;
                }
                scores_b[k] = (scores_b[k] as i64 + hp_out as i64 - hn_out as i64) as usize;
            }
        } else {
            for word in band {
                let d = advance(word, &mut hp_carry, &mut hn_carry, &mut vecs, &mut matrix);
                scores[word] = (scores[word] as i64 + d) as usize;
            }
        }
        max = (max as isize).min(
            scores[last_block] as isize + (len2 as isize - row as isize - 1).max(len1 as isize - (((1 + last_block) * 64 - 1) as isize - 1)),
        ) as usize;

        // Ukkonen: the next block may enter the band.
        if last_block + 1 < words {
            let cond = (max + 2 * 64 + row + len1) as isize - (scores[last_block] + 2 + len2) as isize;
            if (row_num(last_block) as isize) < cond {
                last_block += 1;
                vecs[last_block] = (!0u64, 0u64);
                let chars_in_block = if last_block + 1 == words { (len1 - 1) % 64 + 1 } else { 64 };
                scores[last_block] = (scores[last_block - 1] + chars_in_block).wrapping_sub(hp_carry as usize).wrapping_add(hn_carry as usize);
                let d = advance(last_block, &mut hp_carry, &mut hn_carry, &mut vecs, &mut matrix);
                scores[last_block] = (scores[last_block] as i64 + d) as usize;
            }
        }
        // Blocks that left the band at the bottom ...
        let mut lb = last_block as isize;
        while lb >= first_block as isize {
            let l = lb as usize;
            let in1 = scores[l] < max + 64;
            let cond = (max + 2 * 64 + row + len1 + 1) as isize - (scores[l] + 2 + len2) as isize;
            let in2 = row_num(l) as isize <= cond;
            if in1 && in2 {
                break;
            }
            lb -= 1;
        }
        // ... and at the top.
        let mut fb = first_block;
        while fb as isize <= lb {
            let in1 = scores[fb] < max + 64;
            let cond = (scores[fb] + len1 + row) as isize - (max + len2) as isize;
            let in2 = row_num(fb) as isize >= cond;
            if in1 && in2 {
                break;
            }
            fb += 1;
        }
        if lb < fb as isize {
            out.dist = max + 1; // the band is gone: the distance is beyond max
            return out;
        }
        last_block = lb as usize;
        first_block = fb;

        if let Record::Row(stop_row) = record {
            if row == stop_row {
                out.prev_score = if first_block == 0 {
                    stop_row + 1
                } else {
                    let relevant = ((first_block + 1) * 64).min(len1) % 64;
                    let mask = if relevant != 0 { !0u64 >> (64 - relevant) } else { !0u64 };
                    (scores[first_block] + (vecs[first_block].1 & mask).count_ones() as usize).wrapping_sub((vecs[first_block].0 & mask).count_ones() as usize)
                };
                out.first_block = first_block;
                out.last_block = last_block;
                out.vecs = vecs;
                out.dist = 0;
                return out;
            }
        }
    }
    out.dist = scores[words - 1];
    if out.dist > max {
        out.dist = max + 1;
    }
    if let Some(mut m) = matrix {
        m.dist = out.dist;
        out.matrix = Some(m);
    }
    out
}

// -- alignment -----------------------------------------------------------------------------

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

#[allow(clippy::too_many_arguments)]
fn align(ops: &mut Vec<EditOp>, s1: &[u32], s2: &[u32], max: usize, src_pos: usize, dest_pos: usize, at: usize, alphabet: usize) {
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

struct HirschbergPos {
    left_score: usize,
    right_score: usize,
    s1_mid: usize,
    s2_mid: usize,
}

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

#[allow(clippy::too_many_arguments)]
fn align_hirschberg(ops: &mut Vec<EditOp>, s1: &[u32], s2: &[u32], src_pos: usize, dest_pos: usize, at: usize, max: usize, alphabet: usize) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(a: &[u32], b: &[u32]) -> Vec<(Tag, usize, usize, usize, usize)> {
        let n = a.iter().chain(b).max().map_or(0, |&m| m as usize + 1);
        opcodes(a, b, n).iter().map(|o| (o.tag, o.i1, o.i2, o.j1, o.j2)).collect()
    }

    #[test]
    fn distance_within_a_bound() {
        let cps = |s: &str| s.chars().map(u32::from).collect::<Vec<u32>>();
        assert_eq!(distance_within(&cps("1755"), &cps("1718"), 4), Some(2));
        assert_eq!(distance_within(&cps("1755"), &cps("1718"), 1), None);
        assert_eq!(distance_within(&cps(""), &cps("12"), 2), Some(2));
        assert_eq!(distance_within(&cps("12345"), &cps("1"), 3), None);
        assert_eq!(distance_within(&cps("kitten"), &cps("sitting"), 3), Some(3));
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
