//! Records of JSON Lines, read as Python's `json.loads` reads them, for the lines that are plain.
//!
//! A line is parsed strictly (RFC 8259) and only the id and text fields are kept. A line is a
//! [`Line::Record`] when it is one JSON object whose id field is a string or an integer that fits
//! in 64 bits and whose text fields are strings, each field present once. Anything else a line
//! may hold -- invalid JSON or UTF-8, a missing or mistyped field, a field given twice, a lone
//! surrogate escape, `NaN`, very long numbers, deep nesting -- is [`Line::Other`]: the caller reads
//! that line the slow way, which gives its exact error (or its value). So every line this module
//! accepts has the value `json.loads` would give, and the errors stay Python's.
//!
//! The grammar is `parser` (objects, values, numbers), with its string literals in `strings`;
//! cutting a block into lines and the kind of each line are here.

mod parser;
mod strings;

use parser::Parser;

/// What one line holds.
#[derive(Debug, PartialEq)]
pub enum Line {
    /// Only JSON whitespace or ASCII spaces (`bytes.strip()` leaves nothing): no record.
    Blank,
    /// An id and the text fields joined.
    Record { id: Id, text: String },
    /// Anything else: for the caller to read.
    Other,
}

/// A record's id.
#[derive(Debug, PartialEq)]
pub enum Id {
    Str(String),
    Int(i64),
}

/// One line of a block: where it ends (after its newline) and what it holds; `over` when it is
/// longer than the limit (then it is not parsed).
#[derive(Debug, PartialEq)]
pub struct Parsed {
    pub end: usize,
    pub over: bool,
    pub line: Line,
}

/// The complete lines of `data` (a piece of a JSON Lines stream that starts at a line start),
/// and how many bytes they take: the bytes after the last newline are the start of a line
/// that continues in the next piece, unless `eof`, when they are the last line. A line longer
/// than `max_bytes` (its newline included) is marked `over` and not parsed.
pub fn parse_lines(data: &[u8], eof: bool, max_bytes: Option<usize>, id_field: &str, texts: &[&str], join: &str) -> (Vec<Parsed>, usize) {
    let mut out = Vec::new();
    let mut start = 0;
    while start < data.len() {
        let end = match memchr::memchr(b'\n', &data[start..]) {
            Some(k) => start + k + 1,
            None if eof => data.len(),
            None => break,
        };
        let line = &data[start..end];
        let over = max_bytes.is_some_and(|m| line.len() > m);
        let line = if over { Line::Other } else { parse_line(line, id_field, texts, join) };
        out.push(Parsed { end, over, line });
        start = end;
    }
    (out, start)
}

/// Parse one line (its bytes, a trailing newline allowed); `texts` are the text field names,
/// their values joined by `join`.
pub fn parse_line(line: &[u8], id_field: &str, texts: &[&str], join: &str) -> Line {
    if line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)) {
        return Line::Blank;
    }
    let Ok(text) = std::str::from_utf8(line) else {
        return Line::Other;
    };
    let mut p = Parser::new(text);
    match p.record(id_field, texts) {
        Some((id, parts)) => {
            if !p.finished() {
                return Line::Other;
            }
            Line::Record { id, text: if parts.len() == 1 { parts.into_iter().next().unwrap_or_default() } else { parts.join(join) } }
        }
        None => Line::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn rec(line: &str) -> Line {
        parse_line(line.as_bytes(), "id", &["text"], "\n\n")
    }

    pub(super) fn ok(id: Id, text: &str) -> Line {
        Line::Record { id, text: text.to_string() }
    }

    #[test]
    fn lines_of_a_block() {
        let data = b"{\"id\":1,\"text\":\"a\"}\n\n{\"id\":2,\"text\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}\n{\"id\":3";
        let (lines, used) = parse_lines(data, false, Some(40), "id", &["text"], "");
        assert_eq!(lines.len(), 3);
        assert_eq!(used, data.len() - 7);
        assert_eq!(lines[0], Parsed { end: 20, over: false, line: ok(Id::Int(1), "a") });
        assert_eq!(lines[1], Parsed { end: 21, over: false, line: Line::Blank });
        assert!(lines[2].over && lines[2].line == Line::Other);
        let (last, used) = parse_lines(&data[used..], true, None, "id", &["text"], "");
        assert_eq!((last.len(), used), (1, 7));
        assert_eq!(last[0].line, Line::Other);
    }

    #[test]
    fn blank_lines() {
        assert_eq!(rec(""), Line::Blank);
        assert_eq!(rec(" \t\r\n"), Line::Blank);
        assert_eq!(rec("\x0b\x0c\n"), Line::Blank);
    }
}
