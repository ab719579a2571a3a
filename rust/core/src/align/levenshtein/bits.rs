//! The bit vectors of the bit-parallel kernel: the pattern-match vectors of `s1` (where each
//! symbol occurs) and the recorded bit matrices that the alignment walk reads back.
//!
//! Where the C++ reads or writes past a bit-matrix row it reads or writes the next row (one
//! flat buffer); so does this port, and it reads nothing beyond the buffer.

/// `BlockPatternMatchVector`: for each symbol, the bits of its positions in `s`, 64 to a word.
/// Symbols above those of `s` have no bits: they share one row of zeros (the last).
pub(super) struct BlockPm {
    pub(super) words: usize,
    symbols: usize,
    bits: Vec<u64>,
}

impl BlockPm {
    pub(super) fn new(s: &[u32], alphabet: usize) -> BlockPm {
        let words = s.len().div_ceil(64).max(1);
        let symbols = s.iter().max().map_or(0, |&m| m as usize + 1).min(alphabet);
        let mut bits = vec![0u64; (symbols + 1) * words];
        for (i, &c) in s.iter().enumerate() {
            bits[c as usize * words + i / 64] |= 1u64 << (i % 64);
        }
        BlockPm { words, symbols, bits }
    }

    #[inline]
    pub(super) fn get(&self, word: usize, c: u32) -> u64 {
        self.row(c)[word]
    }

    /// The words of symbol `c`.
    #[inline]
    pub(super) fn row(&self, c: u32) -> &[u64] {
        let c = (c as usize).min(self.symbols);
        &self.bits[c * self.words..(c + 1) * self.words]
    }
}

/// `ShiftedBitMatrix<uint64_t>`: rows of `cols` words in one buffer, each row shifted by an offset.
/// Words are stored XOR `fill` (the initial value), so the buffer starts zeroed (no fill pass).
pub(super) struct ShiftedBits {
    pub(super) cols: usize,
    pub(super) fill: u64,
    pub(super) data: Vec<u64>,
    pub(super) offsets: Vec<isize>,
}

impl ShiftedBits {
    pub(super) fn new(rows: usize, cols: usize, fill: u64) -> ShiftedBits {
        ShiftedBits { cols, fill, data: vec![0; rows * cols], offsets: vec![0; rows] }
    }

    pub(super) fn empty() -> ShiftedBits {
        ShiftedBits { cols: 0, fill: 0, data: Vec::new(), offsets: Vec::new() }
    }

    #[inline]
    pub(super) fn set(&mut self, row: usize, word: usize, v: u64) {
        self.set_flat(row * self.cols + word, v);
    }

    /// Word `i` of the flat buffer (`row * cols + word`).
    #[inline]
    pub(super) fn set_flat(&mut self, i: usize, v: u64) {
        if let Some(x) = self.data.get_mut(i) {
            *x = v ^ self.fill;
        }
    }

    pub(super) fn test_bit(&self, row: usize, col: usize) -> bool {
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

/// A recorded matrix: the vertical positive and negative differences of each row, and the distance.
pub(super) struct Matrix {
    pub(super) vp: ShiftedBits,
    pub(super) vn: ShiftedBits,
    pub(super) dist: usize,
}
