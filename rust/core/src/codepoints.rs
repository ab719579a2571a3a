//! A text's Unicode code points, the form the alignment and the number sketches read.

/// The code points of `s` into `out` (cleared first), grown once to the right size: runs of ASCII
/// bytes are copied as they are, other characters decoded one at a time (collecting `s.chars()`
/// would grow the vector a step at a time).
pub fn code_points_into(s: &str, out: &mut Vec<u32>) {
    out.clear();
    out.reserve(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let ascii = bytes[i..].iter().position(|&b| b >= 0x80).map_or(bytes.len(), |k| i + k);
        out.extend(bytes[i..ascii].iter().map(|&b| u32::from(b)));
        i = ascii;
        if i < bytes.len() {
            // A character boundary (an ASCII byte ends one); the next character is not ASCII.
            let ch = s[i..].chars().next().unwrap_or('\0');
            out.push(u32::from(ch));
            i += ch.len_utf8();
        }
    }
}

/// [`code_points_into`] a new vector.
pub fn code_points(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    code_points_into(s, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_points_are_those_of_chars() {
        let mut out = vec![7u32; 3];
        for t in ["", "plain ASCII", "é", "naïve café – “quoted” 😀 end", "😀", "a\u{0}b\u{7f}\u{80}\u{10ffff}"] {
            code_points_into(t, &mut out);
            assert_eq!(out, t.chars().map(u32::from).collect::<Vec<u32>>(), "{t:?}");
            assert_eq!(code_points(t), out);
        }
    }
}
