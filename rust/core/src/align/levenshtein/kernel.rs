//! The bit-parallel kernel: Hyyrö's Levenshtein algorithm (rapidfuzz's `levenshtein_hyrroe2003*`),
//! 64 cells of a row at a time, in the three shapes rapidfuzz uses -- one word when
//! `len(s1) <= 64`, a diagonal band of one word when the band fits in 64 bits, else blocks of
//! 64 within Ukkonen's band -- each recording what its caller reads back: the matrix, one row,
//! or only the distance.

use super::bits::{BlockPm, Matrix, ShiftedBits};

/// Hyyrö's algorithm for `len(s1) <= 64`, recording every row (`levenshtein_hyrroe2003<true, false>`).
pub(super) fn hyrroe2003_matrix(pm: &BlockPm, len1: usize, s2: &[u32]) -> Matrix {
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
pub(super) fn small_band_matrix(s1: &[u32], s2: &[u32], max: usize, alphabet: usize) -> Matrix {
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

/// What [`block`] records: the whole matrix (for the walk back), the bit vectors of one row
/// (for a Hirschberg split), or nothing but the distance.
pub(super) enum Record {
    Matrix,
    Row(usize),
    Distance,
}

/// What `levenshtein_hyrroe2003_block` returns: the matrix, or one row of bit vectors.
pub(super) struct BlockOut {
    pub(super) dist: usize,
    pub(super) matrix: Option<Matrix>,
    pub(super) first_block: usize,
    pub(super) last_block: usize,
    pub(super) prev_score: usize,
    pub(super) vecs: Vec<(u64, u64)>,
}

/// Hyyrö's algorithm in blocks of 64 within Ukkonen's band (`levenshtein_hyrroe2003_block`),
/// recording the matrix or the bit vectors of row `stop_row`.
#[allow(clippy::needless_range_loop)] // indices as in the C++
pub(super) fn block(pm: &BlockPm, len1: usize, s2: &[u32], max_in: usize, record: Record) -> BlockOut {
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
