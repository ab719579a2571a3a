//! Texts kept for later reading, each compressed apart (Zstandard, level 1) in one arena.
//!
//! The engine keeps every document's prepared text to align the pairs that pass its
//! thresholds; most are never read again. Kept as Python strings they are the largest part of
//! a run's memory; here a text costs its compressed size (news text: about 0.54 of it; LZ4
//! kept 0.8) plus twelve bytes, and is decompressed only when read.

use rayon::prelude::*;

/// An append-only list of UTF-8 texts, compressed.
#[derive(Default)]
pub struct TextStore {
    data: Vec<u8>,
    /// End of each text's block in `data`.
    ends: Vec<usize>,
    /// Each text's length in bytes (what decompressing it needs room for).
    lens: Vec<u32>,
}

/// The compression level: Zstandard's fastest standard level.
const LEVEL: i32 = 1;

impl TextStore {
    pub fn new() -> TextStore {
        TextStore::default()
    }

    /// Append `texts`, in order, compressed (in parallel on the current rayon pool) when
    /// `compress`, else as they are. A text of 4 GiB or more is not kept (Python's text fields
    /// are far smaller); `false` then, and nothing added.
    pub fn extend<S: AsRef<[u8]> + Sync>(&mut self, texts: &[S], compress: bool) -> bool {
        if texts.iter().any(|t| t.as_ref().len() > u32::MAX as usize) {
            return false;
        }
        let blocks: Vec<Vec<u8>> = if compress {
            texts.par_iter().with_min_len(16).map_init(|| zstd::bulk::Compressor::new(LEVEL).ok(), |c, t| pack(c.as_mut(), t.as_ref())).collect()
        } else {
            texts.iter().map(|t| pack(None, t.as_ref())).collect()
        };
        self.data.reserve(blocks.iter().map(Vec::len).sum());
        for (b, t) in blocks.iter().zip(texts) {
            self.data.extend_from_slice(b);
            self.ends.push(self.data.len());
            self.lens.push(t.as_ref().len() as u32);
        }
        true
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
        self.data.len() + self.ends.len() * (std::mem::size_of::<usize>() + std::mem::size_of::<u32>())
    }

    /// Text `i`'s bytes (None when there is no text `i`).
    pub fn get(&self, i: usize) -> Option<Vec<u8>> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        let block = self.data.get(start..end)?;
        let len = self.lens[i] as usize;
        if block.first() == Some(&RAW) {
            return block.get(1..).map(<[u8]>::to_vec);
        }
        // The blocks are this store's own output: a failure would be a bug, reported as no text.
        zstd::bulk::decompress(block.get(1..)?, len).ok().filter(|t| t.len() == len)
    }

    /// Text `i` as a string (None when there is none, or it is not UTF-8).
    pub fn get_str(&self, i: usize) -> Option<String> {
        String::from_utf8(self.get(i)?).ok()
    }
}

/// The first byte of a block: its text follows as is (compressing it did not help, or failed).
const RAW: u8 = 0;
/// The first byte of a block: a Zstandard frame of its text follows.
const ZSTD: u8 = 1;

/// A text's block: compressed when a compressor is given and that makes it smaller, else as is.
fn pack(c: Option<&mut zstd::bulk::Compressor<'static>>, text: &[u8]) -> Vec<u8> {
    if let Some(packed) = c.and_then(|c| c.compress(text).ok()).filter(|p| p.len() < text.len()) {
        let mut out = Vec::with_capacity(packed.len() + 1);
        out.push(ZSTD);
        out.extend_from_slice(&packed);
        return out;
    }
    let mut out = Vec::with_capacity(text.len() + 1);
    out.push(RAW);
    out.extend_from_slice(text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_as_given() {
        let mut s = TextStore::new();
        assert!(s.is_empty() && s.get(0).is_none());
        let texts: Vec<String> = (0..200).map(|i| format!("text {i} {}", "é the same words again ".repeat(i % 7))).collect();
        assert!(s.extend(&texts[..150], true));
        assert!(s.extend(&texts[150..180], false));
        assert!(s.extend(&texts[180..], true));
        assert!(s.extend::<&str>(&[""], true));
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
