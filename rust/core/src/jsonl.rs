//! Records of JSON Lines, read as Python's `json.loads` reads them, for the lines that are plain.
//!
//! A line is parsed strictly (RFC 8259) and only the id and text fields are kept. A line is a
//! [`Line::Record`] when it is one JSON object whose id field is a string or an integer that fits
//! in 64 bits and whose text fields are strings, each field present once. Anything else a line
//! may hold -- invalid JSON or UTF-8, a missing or mistyped field, a field given twice, a lone
//! surrogate escape, `NaN`, very long numbers, deep nesting -- is [`Line::Other`]: the caller reads
//! that line the slow way, which gives its exact error (or its value). So every line this module
//! accepts has the value `json.loads` would give, and the errors stay Python's.

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

/// Deeper nesting than this is left to the caller (Python's parser recurses per level).
const MAX_DEPTH: usize = 200;
/// Longer number literals are left to the caller (Python limits integer digits).
const MAX_NUMBER: usize = 300;

/// Parse one line (its bytes, a trailing newline allowed); `texts` are the text field names,
/// their values joined by `join`.
pub fn parse_line(line: &[u8], id_field: &str, texts: &[&str], join: &str) -> Line {
    if line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)) {
        return Line::Blank;
    }
    let Ok(text) = std::str::from_utf8(line) else {
        return Line::Other;
    };
    let mut p = Parser { t: text, s: text.as_bytes(), at: 0, key: String::new() };
    match p.record(id_field, texts) {
        Some((id, parts)) => {
            p.ws();
            if p.at != p.s.len() {
                return Line::Other;
            }
            Line::Record { id, text: if parts.len() == 1 { parts.into_iter().next().unwrap_or_default() } else { parts.join(join) } }
        }
        None => Line::Other,
    }
}

struct Parser<'a> {
    t: &'a str,
    s: &'a [u8],
    at: usize,
    key: String,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        if self.peek() == Some(b) {
            self.at += 1;
            Some(())
        } else {
            None
        }
    }

    /// The top-level object: its id and text fields (each once), other values checked and skipped.
    fn record(&mut self, id_field: &str, texts: &[&str]) -> Option<(Id, Vec<String>)> {
        self.ws();
        self.eat(b'{')?;
        let mut id: Option<Id> = None;
        let mut parts: Vec<Option<String>> = texts.iter().map(|_| None).collect();
        self.ws();
        if self.eat(b'}').is_none() {
            loop {
                self.ws();
                let mut key = std::mem::take(&mut self.key);
                let got = self.string(Some(&mut key));
                self.key = key;
                got?;
                self.ws();
                self.eat(b':')?;
                self.ws();
                let slot = texts.iter().position(|t| *t == self.key);
                if self.key == id_field {
                    if id.is_some() || slot.is_some() {
                        return None; // given twice, or one field both id and text: Python decides
                    }
                    id = Some(self.id()?);
                } else if let Some(k) = slot {
                    if parts[k].is_some() {
                        return None;
                    }
                    let mut v = String::new();
                    if self.peek() != Some(b'"') {
                        return None;
                    }
                    self.string(Some(&mut v))?;
                    parts[k] = Some(v);
                } else {
                    self.value(1)?;
                }
                self.ws();
                if self.eat(b',').is_some() {
                    continue;
                }
                self.eat(b'}')?;
                break;
            }
        }
        let parts: Option<Vec<String>> = parts.into_iter().collect();
        Some((id?, parts?))
    }

    /// An id value: a string, or an integer literal that fits in `i64`.
    fn id(&mut self) -> Option<Id> {
        if self.peek() == Some(b'"') {
            let mut v = String::new();
            self.string(Some(&mut v))?;
            return Some(Id::Str(v));
        }
        let start = self.at;
        if !self.number()? {
            return None; // a fraction or exponent: a float id, which Python refuses
        }
        let lit = std::str::from_utf8(&self.s[start..self.at]).ok()?;
        lit.parse::<i64>().ok().map(Id::Int)
    }

    /// Any value, checked and skipped.
    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string(None),
            b'{' => {
                self.at += 1;
                self.ws();
                if self.eat(b'}').is_some() {
                    return Some(());
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return None;
                    }
                    self.string(None)?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    if self.eat(b',').is_some() {
                        continue;
                    }
                    return self.eat(b'}');
                }
            }
            b'[' => {
                self.at += 1;
                self.ws();
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    if self.eat(b',').is_some() {
                        continue;
                    }
                    return self.eat(b']');
                }
            }
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            _ => self.number().map(|_| ()),
        }
    }

    fn word(&mut self, w: &[u8]) -> Option<()> {
        if self.s.get(self.at..self.at + w.len()) == Some(w) {
            self.at += w.len();
            Some(())
        } else {
            None
        }
    }

    /// A number literal (RFC 8259 grammar); whether it is an integer (no fraction, no exponent).
    fn number(&mut self) -> Option<bool> {
        let start = self.at;
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let mut integer = true;
        if self.eat(b'.').is_some() {
            integer = false;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return None;
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return None;
            }
            self.digits();
        }
        (self.at - start <= MAX_NUMBER).then_some(integer)
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }

    /// A string literal at the cursor, decoded into `out` (cleared first) when given.
    fn string(&mut self, mut out: Option<&mut String>) -> Option<()> {
        self.eat(b'"')?;
        if let Some(o) = out.as_deref_mut() {
            o.clear();
        }
        loop {
            // The plain run up to the next quote or backslash, copied whole; a raw control
            // character in it is refused below.
            let run = memchr::memchr2(b'"', b'\\', &self.s[self.at..])?;
            let plain = &self.s[self.at..self.at + run];
            if plain.iter().fold(false, |c, &b| c | (b < 0x20)) {
                return None; // a raw control character: Python's strict parser refuses it
            }
            if let Some(o) = out.as_deref_mut() {
                // The line is valid UTF-8 and the run ends before an ASCII byte: a whole-character slice.
                o.push_str(self.t.get(self.at..self.at + run)?);
            }
            self.at += run;
            match self.s[self.at] {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => {
                    self.at += 1;
                    let c = self.escape()?;
                    if let Some(o) = out.as_deref_mut() {
                        o.push(c);
                    }
                }
                _ => return None,
            }
        }
    }

    /// The character of an escape (after its backslash); a lone surrogate is left to Python.
    fn escape(&mut self) -> Option<char> {
        let b = self.peek()?;
        self.at += 1;
        Some(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                if (0xD800..0xDC00).contains(&hi) {
                    if self.s.get(self.at..self.at + 2) != Some(b"\\u") {
                        return None;
                    }
                    self.at += 2;
                    let lo = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                } else {
                    char::from_u32(hi)? // a lone low surrogate has no char: None
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.s.get(self.at..self.at + 4)?;
        let mut v = 0u32;
        for &d in digits {
            v = v * 16 + (d as char).to_digit(16)?;
        }
        self.at += 4;
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: &str) -> Line {
        parse_line(line.as_bytes(), "id", &["text"], "\n\n")
    }

    fn ok(id: Id, text: &str) -> Line {
        Line::Record { id, text: text.to_string() }
    }

    #[test]
    fn plain_records() {
        assert_eq!(rec("{\"id\": \"a\", \"text\": \"hello\"}\n"), ok(Id::Str("a".into()), "hello"));
        assert_eq!(rec(" {\"text\":\"x\",\"id\":-12,\"n\":[1,2.5e3,{\"k\":null}],\"b\":true} \r\n"), ok(Id::Int(-12), "x"));
        assert_eq!(rec("{\"id\":1,\"text\":\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\"}"), ok(Id::Int(1), "a\"b\\c/\n\u{e9}\u{1F600}"));
        assert_eq!(rec("{\"id\":\"z\",\"text\":\"caf\u{e9} \u{4e2d}\"}"), ok(Id::Str("z".into()), "caf\u{e9} \u{4e2d}"));
        let two = parse_line(b"{\"id\":0,\"t\":\"a\",\"b\":\"c\"}", "id", &["t", "b"], "\n\n");
        assert_eq!(two, ok(Id::Int(0), "a\n\nc"));
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

    #[test]
    fn everything_unusual_is_left_to_the_caller() {
        for line in [
            "[1]", "{\"id\":1}", "{\"text\":\"x\"}", "{\"id\":1,\"text\":2}", "{\"id\":1.5,\"text\":\"x\"}",
            "{\"id\":true,\"text\":\"x\"}", "{\"id\":null,\"text\":\"x\"}", "{\"id\":[1],\"text\":\"x\"}",
            "{\"id\":1,\"id\":2,\"text\":\"x\"}", "{\"id\":1,\"text\":\"x\",\"text\":\"y\"}", "{\"id\":1,\"text\":\"x\"} x",
            "{\"id\":1,\"text\":\"x\",}", "{\"id\":1,\"text\":\"\\ud800\"}", "{\"id\":1,\"text\":\"\\udc00x\"}",
            "{\"id\":1,\"text\":\"a\tb\"}", "{\"id\":1,\"text\":\"x\",\"n\":NaN}", "{\"id\":1,\"text\":\"x\",\"n\":01}",
            "{\"id\":1,\"text\":\"x\",\"n\":1.}", "{\"id\":99999999999999999999,\"text\":\"x\"}", "{\"id\":1,\"text\":\"\\x\"}",
            "\x0c{\"id\":1,\"text\":\"x\"}", "{'id':1}", "{\"id\":1,\"text\":\"x\"", "{\"id\":1,\"text\":\"x\",\"n\":tru}",
        ] {
            assert_eq!(rec(line), Line::Other, "{line:?}");
        }
        assert_eq!(parse_line(b"{\"id\":1,\"text\":\"\xff\"}", "id", &["text"], ""), Line::Other);
        let deep = format!("{{\"id\":1,\"text\":\"x\",\"n\":{}{}}}", "[".repeat(300), "]".repeat(300));
        assert_eq!(rec(&deep), Line::Other);
        let long = format!("{{\"id\":1,\"text\":\"x\",\"n\":{}}}", "9".repeat(400));
        assert_eq!(rec(&long), Line::Other);
        // One field both the id and the text: left to the caller.
        assert_eq!(parse_line(b"{\"k\":\"x\"}", "k", &["k"], ""), Line::Other);
    }
}
