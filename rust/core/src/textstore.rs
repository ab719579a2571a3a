//! Texts kept for later reading, in one arena in memory and, past a point, in a spill file.
//!
//! The engine keeps every document's prepared text to align the pairs that pass its
//! thresholds; most are never read again. Kept as Python strings they would be the largest
//! part of a run's memory. Here a text costs twelve bytes of index plus its block, which is held
//! in memory, or written to a file once the caller turns spilling on ([`TextStore::spill_to`]):
//! then a large run holds almost none of its texts, and the operating system's page cache
//! serves the few read again. A block is the text as it is, or compressed apart (Zstandard,
//! level 1: news text takes about 0.54 of its size) for a caller that keeps texts in memory.

use rayon::prelude::*;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// An append-only list of UTF-8 texts.
#[derive(Default)]
pub struct TextStore {
    /// The blocks held in memory: those appended before spilling began.
    data: Vec<u8>,
    /// End of each text's block in the store's bytes (`data`, then the spill file's).
    ends: Vec<usize>,
    /// Each text's length in bytes (what decompressing it needs room for).
    lens: Vec<u32>,
    /// Where blocks go once spilling began.
    spill: Option<Spill>,
}

/// The spill file: the store's bytes from `base` on (`base` = the bytes in memory when it began).
struct Spill {
    file: File,
    base: usize,
}

/// Why texts could not be kept.
#[derive(Debug)]
pub enum StoreError {
    /// A text of 4 GiB or more (Python's text fields are far smaller).
    TooLong,
    /// Writing the spill file failed (a full disk, say).
    Write(io::Error),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::TooLong => write!(f, "a text of 4 GiB or more cannot be kept"),
            StoreError::Write(e) => write!(f, "writing the texts' spill file failed: {e}"),
        }
    }
}

/// The compression level: Zstandard's fastest standard level.
const LEVEL: i32 = 1;

impl TextStore {
    pub fn new() -> TextStore {
        TextStore::default()
    }

    /// From now on write appended texts' blocks to a new file at `path` (created, or emptied),
    /// instead of keeping them in memory. The caller may remove the path once this returns (the
    /// open file stays); on Windows, which does not allow that, the file is deleted when closed. A store spills to one file: a second call is
    /// an error.
    pub fn spill_to(&mut self, path: &Path) -> io::Result<()> {
        if self.spill.is_some() {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "the store spills already"));
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(true);
        #[cfg(windows)]
        {
            // Windows keeps an open file's name: have it deleted when the store closes it.
            use std::os::windows::fs::OpenOptionsExt;
            const FILE_FLAG_DELETE_ON_CLOSE: u32 = 0x0400_0000;
            options.custom_flags(FILE_FLAG_DELETE_ON_CLOSE);
        }
        let file = options.open(path)?;
        self.spill = Some(Spill { file, base: self.stream_len() });
        Ok(())
    }

    /// Whether appended blocks go to a spill file.
    pub fn spills(&self) -> bool {
        self.spill.is_some()
    }

    /// The store's bytes so far (in memory and spilled).
    fn stream_len(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Append `texts`, in order, compressed (in parallel on the current rayon pool) when
    /// `compress`, else as they are. On an error nothing is added.
    pub fn extend<S: AsRef<[u8]> + Sync>(&mut self, texts: &[S], compress: bool) -> Result<(), StoreError> {
        if texts.iter().any(|t| t.as_ref().len() > u32::MAX as usize) {
            return Err(StoreError::TooLong);
        }
        let blocks: Vec<Vec<u8>> = if compress {
            texts.par_iter().with_min_len(16).map_init(|| zstd::bulk::Compressor::new(LEVEL).ok(), |c, t| pack(c.as_mut(), t.as_ref())).collect()
        } else {
            Vec::new()
        };
        let block_len = |k: usize| if compress { blocks[k].len() } else { texts[k].as_ref().len() + 1 };
        let total: usize = (0..texts.len()).map(block_len).sum();
        let start = self.stream_len();
        let mut out = Vec::with_capacity(total);
        let sink = if self.spill.is_some() { &mut out } else { &mut self.data };
        sink.reserve(total);
        for (k, t) in texts.iter().enumerate() {
            if compress {
                sink.extend_from_slice(&blocks[k]);
            } else {
                sink.push(RAW);
                sink.extend_from_slice(t.as_ref());
            }
        }
        if let Some(spill) = &self.spill {
            if let Err(e) = write_all_at(&spill.file, &out, (start - spill.base) as u64) {
                return Err(StoreError::Write(e));
            }
        }
        let mut end = start;
        for (k, t) in texts.iter().enumerate() {
            end += block_len(k);
            self.ends.push(end);
            self.lens.push(t.as_ref().len() as u32);
        }
        Ok(())
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held in memory (blocks and their offsets; not the spilled blocks).
    pub fn nbytes(&self) -> usize {
        self.data.len() + self.ends.len() * (std::mem::size_of::<usize>() + std::mem::size_of::<u32>())
    }

    /// Bytes written to the spill file.
    pub fn spilled_bytes(&self) -> usize {
        self.spill.as_ref().map_or(0, |s| self.stream_len() - s.base)
    }

    /// Text `i`'s block (None when there is no text `i`, or its spilled block cannot be read).
    fn block(&self, i: usize) -> Option<Vec<u8>> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        match &self.spill {
            Some(s) if start >= s.base => {
                let mut block = vec![0u8; end - start];
                read_exact_at(&s.file, &mut block, (start - s.base) as u64).ok()?;
                Some(block)
            }
            _ => self.data.get(start..end).map(<[u8]>::to_vec),
        }
    }

    /// Text `i`'s bytes (None when there is no text `i`, or it cannot be read back).
    pub fn get(&self, i: usize) -> Option<Vec<u8>> {
        let mut block = self.block(i)?;
        let len = self.lens[i] as usize;
        match block.first() {
            Some(&RAW) => {
                block.remove(0);
                Some(block).filter(|t| t.len() == len)
            }
            // The blocks are this store's own output: a failure would be a bug, reported as no text.
            Some(&ZSTD) => zstd::bulk::decompress(&block[1..], len).ok().filter(|t| t.len() == len),
            _ => None,
        }
    }

    /// Text `i` as a string (None when there is none, or it is not UTF-8).
    pub fn get_str(&self, i: usize) -> Option<String> {
        String::from_utf8(self.get(i)?).ok()
    }
}

#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_write(buf, offset)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "spill file write wrote nothing"));
        }
        buf = &buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "spill file ended early"));
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
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
        assert!(s.extend(&texts[..150], true).is_ok());
        assert!(s.extend(&texts[150..180], false).is_ok());
        assert!(s.extend(&texts[180..], true).is_ok());
        assert!(s.extend::<&str>(&[""], true).is_ok());
        assert_eq!(s.len(), 201);
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(s.get_str(i).as_deref(), Some(t.as_str()));
        }
        assert_eq!(s.get_str(200).as_deref(), Some(""));
        assert!(s.get(201).is_none());
        let raw: usize = texts.iter().map(String::len).sum();
        assert!(s.nbytes() < raw, "{} >= {raw}", s.nbytes());
    }

    #[test]
    fn spilled_texts_come_back_from_the_file() {
        let dir = std::env::temp_dir().join(format!("dedup-textstore-test-{}", std::process::id()));
        let texts: Vec<String> = (0..300).map(|i| format!("story {i}: {}", "ü words of a story ".repeat(i % 11))).collect();
        let mut s = TextStore::new();
        s.extend(&texts[..100], false).unwrap();
        let held = s.nbytes();
        s.spill_to(&dir).unwrap();
        std::fs::remove_file(&dir).unwrap(); // the open file stays readable and writable
        assert!(s.spills() && s.spill_to(&dir).is_err());
        s.extend(&texts[100..200], false).unwrap();
        s.extend(&texts[200..], true).unwrap();
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(s.get_str(i).as_deref(), Some(t.as_str()), "text {i}");
        }
        assert!(s.get(300).is_none());
        // Memory holds the first blocks and the offsets only.
        assert_eq!(s.nbytes(), held + 200 * 12);
        let raw: usize = texts[100..200].iter().map(|t| t.len() + 1).sum();
        assert!(s.spilled_bytes() > raw);
    }
}
