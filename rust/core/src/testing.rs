//! Helpers the tests of several modules share.

/// Every string of at most `max_len` characters over `alphabet`, shortest first: for checking a
/// fast path against its plain statement on every mix of character classes.
pub fn every_string(alphabet: &str, max_len: u32) -> Vec<String> {
    let letters: Vec<char> = alphabet.chars().collect();
    let base = letters.len() as u32;
    let mut out = Vec::new();
    for len in 0..=max_len {
        for code in 0..base.pow(len) {
            let mut c = code;
            out.push((0..len).map(|_| {
                let ch = letters[(c % base) as usize];
                c /= base;
                ch
            }).collect());
        }
    }
    out
}
