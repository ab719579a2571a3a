//! The strict JSON grammar (RFC 8259) of one line, as far as a record needs it: the top-level
//! object with its id and text fields, every other value checked and skipped, number literals.
//! Whatever it refuses, or leaves to Python by the limits below, is `None`.

use super::Id;

/// Deeper nesting than this is left to the caller (Python's parser recurses per level).
const MAX_DEPTH: usize = 200;
/// Longer number literals are left to the caller (Python limits integer digits).
const MAX_NUMBER: usize = 300;

/// A cursor over one line (valid UTF-8: `t` and its bytes `s`).
pub(super) struct Parser<'a> {
    pub(super) t: &'a str,
    pub(super) s: &'a [u8],
    pub(super) at: usize,
    key: String,
}

impl<'a> Parser<'a> {
    /// A cursor at the start of `text`.
    pub(super) fn new(text: &'a str) -> Parser<'a> {
        Parser { t: text, s: text.as_bytes(), at: 0, key: String::new() }
    }

    /// Whether nothing but JSON whitespace follows the cursor (which skips it).
    pub(super) fn finished(&mut self) -> bool {
        self.ws();
        self.at == self.s.len()
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    pub(super) fn eat(&mut self, b: u8) -> Option<()> {
        if self.peek() == Some(b) {
            self.at += 1;
            Some(())
        } else {
            None
        }
    }

    /// The top-level object: its id and text fields (each once), other values checked and skipped.
    pub(super) fn record(&mut self, id_field: &str, texts: &[&str]) -> Option<(Id, Vec<String>)> {
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
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ok, rec};
    use super::super::{parse_line, Id, Line};

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
