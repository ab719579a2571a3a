//! Texts kept for later reading, each compressed apart (LZ4 block format) in one arena.
//!
//! The engine keeps every document's prepared text to align the pairs that pass its
//! thresholds; most are never read again. Kept as Python strings they are the largest part of
//! a run's memory; here a text costs its compressed size (about half of news text) plus eight
//! bytes, and is decompressed only when read.

use rayon::prelude::*;

/// An append-only list of UTF-8 texts, compressed.
#[derive(Default)]
pub struct TextStore {
    data: Vec<u8>,
    /// End of each text's block in `data`.
    ends: Vec<usize>,
}

impl TextStore {
    pub fn new() -> TextStore {
        TextStore::default()
    }

    /// Append `texts`, in order (compressed in parallel on the current rayon pool).
    pub fn extend<S: AsRef<[u8]> + Sync>(&mut self, texts: &[S]) {
        let blocks: Vec<Vec<u8>> = texts.par_iter().with_min_len(16).map(|t| lz4_flex::block::compress_prepend_size(t.as_ref())).collect();
        self.data.reserve(blocks.iter().map(Vec::len).sum());
        for b in blocks {
            self.data.extend_from_slice(&b);
            self.ends.push(self.data.len());
        }
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held (compressed texts and their offsets).
    pub fn nbytes(&self) -> usize {
        self.data.len() + self.ends.len() * std::mem::size_of::<usize>()
    }

    /// Text `i`'s bytes (None when there is no text `i`).
    pub fn get(&self, i: usize) -> Option<Vec<u8>> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        // The blocks are this store's own output: a failure would be a bug, reported as no text.
        lz4_flex::block::decompress_size_prepended(self.data.get(start..end)?).ok()
    }

    /// Text `i` as a string (None when there is none, or it is not UTF-8).
    pub fn get_str(&self, i: usize) -> Option<String> {
        String::from_utf8(self.get(i)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_as_given() {
        let mut s = TextStore::new();
        assert!(s.is_empty() && s.get(0).is_none());
        let texts: Vec<String> = (0..200).map(|i| format!("text {i} {}", "é the same words again ".repeat(i % 7))).collect();
        s.extend(&texts[..150]);
        s.extend(&texts[150..]);
        s.extend::<&str>(&[""]);
        assert_eq!(s.len(), 201);
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(s.get_str(i).as_deref(), Some(t.as_str()));
        }
        assert_eq!(s.get_str(200).as_deref(), Some(""));
        assert!(s.get(201).is_none());
        let raw: usize = texts.iter().map(String::len).sum();
        assert!(s.nbytes() < raw, "{} >= {raw}", s.nbytes());
    }
}
