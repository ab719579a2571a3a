//! String literals of the grammar: the plain runs copied whole, the escapes decoded; a raw
//! control character is refused (as Python's strict parser refuses it) and a lone surrogate
//! escape left to Python (a `String` cannot hold it).

use super::parser::Parser;

impl Parser<'_> {
    /// A string literal at the cursor, decoded into `out` (cleared first) when given.
    pub(super) fn string(&mut self, mut out: Option<&mut String>) -> Option<()> {
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

    /// The four hex digits of a `\u` escape, as the code unit they spell.
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
