//! The normalizer's `regex`-module patterns, run by the `regex` crate with the `regex` module's tables.
//!
//! The Python patterns (`_BOILERPLATE_LINE`, `_DATELINE`, `_VIDEO_SOURCE` in `dedup/normalize.py`)
//! are kept here verbatim and translated when first used: `\d`, `\s`, `\p{Lu}`, `\p{L}` and
//! `\p{Zs}` become explicit classes of the code points the `regex` module matches
//! ([`super::tables`]), a case-insensitive literal becomes the class of the characters the
//! `regex` module matches for it, `^` becomes `\A` and `$` becomes `\n?\z` (Python's `$`
//! also matches before a final line break). What remains (literals, groups, alternation, greedy
//! quantifiers) means the same in both engines, and the `regex` crate reports the match a
//! backtracking engine finds first (leftmost-first), so match ends agree too.
//!
//! Only the syntax these patterns use is translated; anything else panics when the patterns
//! are built, which the tests do.

use super::chars::rx_nocase;
use super::tables;
use regex::Regex;
use std::fmt::Write;
use std::sync::OnceLock;

/// `_BOILERPLATE_LINE` (compiled with `regex.VERBOSE`): a whole line of page furniture.
pub const BOILERPLATE_LINE: &str = r"^(?:
        \d{1,2}:\d{2}(?::\d{2})?\s*-\s*(?i:source)\s*:.{0,60}            # video duration + source
      | (?i:source|credit|photo|image|video|watch)\s*:.{0,60}          # Source: CNN
      | (?:By|BY|by)\s+\p{Lu}[\p{L}.'-]*                               # byline: By Jane Doe
        (?:\s+(?:\p{Lu}[\p{L}.'-]*|and|de|van|von|la|le|,)){0,6}
        (?:\s*,\s*[\p{L} ]{0,40})?
      | (?i:copyright|\(c\)|©).{0,120}
      | (?i:advertisement|read\ more|related\ articles?|sign\ up.{0,60}|follow\ us.{0,60}|share\ this.{0,40})
      | (?i:cnn|reuters|ap|afp|upi)\s*-\s*
    )$";

/// `_DATELINE`: a news-agency dateline opening a text.
pub const DATELINE: &str = r"^(?:\p{Lu}[\p{Lu}\p{Zs}.,'-]{1,40}(?:,?\s*\p{L}{3,9}\.?\s+\d{1,2})?\s*)?\((?i:reuters|ap|afp|cnn|upi)\)\s*-+\s*|^(?i:cnn|reuters|afp)\s*-+\s+";

/// `_VIDEO_SOURCE` (compiled with `regex.IGNORECASE`): the `05:36 - Source: CNN` line of a video caption.
pub const VIDEO_SOURCE: &str = r"^\d{1,2}:\d{2}(?::\d{2})?\s*-\s*source\s*:";

/// The three patterns, translated and compiled once.
pub struct Patterns {
    pub boilerplate_line: Regex,
    pub dateline: Regex,
    pub video_source: Regex,
}

static PATTERNS: OnceLock<Patterns> = OnceLock::new();

/// The compiled patterns (built on first use, unless [`build_in_background`] built them first).
pub fn patterns() -> &'static Patterns {
    PATTERNS.get_or_init(build)
}

fn build() -> Patterns {
    Patterns {
        boilerplate_line: compile(BOILERPLATE_LINE, true, false),
        dateline: compile(DATELINE, false, false),
        video_source: compile(VIDEO_SOURCE, false, true),
    }
}

/// Start building the patterns on a thread of their own, once per process: compiling them takes
/// about 50 ms, which a command otherwise spends before its first text. The thread builds them
/// unlocked and only then stores them, so a first text that comes sooner builds them itself (no
/// wait), and a process forked meanwhile is not left waiting on a lock its copy can never release.
pub fn build_in_background() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static STARTED: AtomicBool = AtomicBool::new(false);
    if PATTERNS.get().is_some() || STARTED.swap(true, Ordering::Relaxed) {
        return;
    }
    // A thread that cannot start only means the first text builds them.
    let _ = std::thread::Builder::new().name("dedup-patterns".into()).spawn(|| {
        let _ = PATTERNS.set(build());
    });
}

fn compile(pattern: &str, verbose: bool, ignore_case: bool) -> Regex {
    let translated = translate(pattern, verbose, ignore_case);
    regex::RegexBuilder::new(&translated)
        .size_limit(1 << 26)
        .dfa_size_limit(1 << 25)
        .build()
        .unwrap_or_else(|e| panic!("pattern {pattern:?} does not translate: {e}"))
}

fn push_cp(out: &mut String, c: u32) {
    write!(out, "\\x{{{c:X}}}").unwrap();
}

/// Class items (no brackets) for a range table.
fn push_ranges(out: &mut String, ranges: &[(u32, u32)]) {
    for &(a, b) in ranges {
        push_cp(out, a);
        if b - 1 > a {
            out.push('-');
            push_cp(out, b - 1);
        }
    }
}

fn escape_class(name: char, prop: Option<&str>) -> &'static [(u32, u32)] {
    match (name, prop) {
        ('d', None) => tables::RX_DIGIT,
        ('s', None) => tables::RX_SPACE,
        ('p', Some("Lu")) => tables::RX_LU,
        ('p', Some("L")) => tables::RX_L,
        ('p', Some("Zs")) => tables::RX_ZS,
        _ => panic!("escape \\{name}{{{}}} is not translated", prop.unwrap_or("")),
    }
}

/// A literal character: itself, or under `(?i)` the class of what the `regex` module matches.
fn push_literal(out: &mut String, c: char, ignore_case: bool) {
    if ignore_case {
        out.push('[');
        for &m in rx_nocase(c) {
            push_cp(out, m as u32);
        }
        out.push(']');
    } else {
        push_cp(out, c as u32);
    }
}

/// Translate a `regex`-module pattern into `regex`-crate syntax with explicit classes.
pub fn translate(pattern: &str, verbose: bool, ignore_case: bool) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    // Case-insensitivity of each open group (and of the whole pattern at the bottom).
    let mut groups = vec![ignore_case];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let ci = *groups.last().expect("balanced groups");
        match c {
            _ if verbose && c.is_whitespace() => i += 1,
            '#' if verbose => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '^' => {
                out.push_str(r"\A");
                i += 1;
            }
            '$' => {
                out.push_str(r"(?:\n?\z)");
                i += 1;
            }
            '(' => {
                if chars[i + 1..].starts_with(&['?', ':']) {
                    groups.push(ci);
                    i += 3;
                } else if chars[i + 1..].starts_with(&['?', 'i', ':']) {
                    groups.push(true);
                    i += 4;
                } else {
                    assert!(chars.get(i + 1) != Some(&'?'), "group syntax at {i} is not translated");
                    groups.push(ci);
                    i += 1;
                }
                out.push_str("(?:");
            }
            ')' => {
                groups.pop();
                out.push(')');
                i += 1;
            }
            '|' | '.' | '*' | '+' | '?' => {
                out.push(c);
                i += 1;
            }
            '{' => {
                // A counted repetition: copied as it is.
                let end = i + chars[i..].iter().position(|&x| x == '}').expect("closed repetition");
                assert!(chars[i + 1..end].iter().all(|x| x.is_ascii_digit() || *x == ','), "repetition at {i}");
                out.extend(&chars[i..=end]);
                i = end + 1;
            }
            '[' => {
                assert!(!ci, "a class under (?i) is not translated");
                out.push('[');
                i += 1;
                assert!(chars[i] != '^', "negated classes are not translated");
                while chars[i] != ']' {
                    match chars[i] {
                        '\\' if chars[i + 1] == 'p' => {
                            let end = i + chars[i..].iter().position(|&x| x == '}').expect("closed property");
                            let prop: String = chars[i + 3..end].iter().collect();
                            push_ranges(&mut out, escape_class('p', Some(&prop)));
                            i = end + 1;
                        }
                        '\\' => panic!("class escape \\{} is not translated", chars[i + 1]),
                        '-' => {
                            // A literal dash: these patterns put it last (no ranges).
                            assert!(chars[i + 1] == ']', "class ranges are not translated");
                            out.push_str(r"\-");
                            i += 1;
                        }
                        '[' => panic!("nested classes are not translated"),
                        x => {
                            push_cp(&mut out, x as u32);
                            i += 1;
                        }
                    }
                }
                out.push(']');
                i += 1;
            }
            '\\' => {
                let e = chars[i + 1];
                match e {
                    'd' | 's' => {
                        out.push('[');
                        push_ranges(&mut out, escape_class(e, None));
                        out.push(']');
                        i += 2;
                    }
                    'p' => {
                        let end = i + chars[i..].iter().position(|&x| x == '}').expect("closed property");
                        let prop: String = chars[i + 3..end].iter().collect();
                        out.push('[');
                        push_ranges(&mut out, escape_class('p', Some(&prop)));
                        out.push(']');
                        i = end + 1;
                    }
                    '(' | ')' | '.' | ' ' | '-' => {
                        push_literal(&mut out, e, ci);
                        i += 2;
                    }
                    _ => panic!("escape \\{e} is not translated"),
                }
            }
            _ => {
                assert!(!c.is_ascii_punctuation() || ",:'-\"©".contains(c), "{c:?} is not translated");
                push_literal(&mut out, c, ci);
                i += 1;
            }
        }
    }
    assert_eq!(groups.len(), 1, "unbalanced groups");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_build_and_match() {
        let p = patterns();
        assert!(p.boilerplate_line.is_match("By Jane Doe"));
        assert!(p.boilerplate_line.is_match("SOURCE: CNN"));
        assert!(p.boilerplate_line.is_match("\u{17f}ource: CNN"));
        assert!(p.boilerplate_line.is_match("Copyright 2021 Cable News Network"));
        assert!(!p.boilerplate_line.is_match("By the way, it rained"));
        assert!(!p.boilerplate_line.is_match("by jane doe"));
        assert!(p.video_source.is_match("05:36 - SOURCE: CNN"));
        let m = p.dateline.find("WASHINGTON, March 3 (Reuters) - The Fed said").unwrap();
        assert_eq!((m.start(), m.end()), (0, 32));
        assert_eq!(p.dateline.find("CNN -- x").map(|m| m.end()), Some(7));
        assert!(p.dateline.find("The (Reuters) - x").is_none());
        assert!(p.dateline.find("x\nCNN - x").is_none());
    }

    #[test]
    fn translation() {
        assert_eq!(translate("^a(?i:b)$", false, false), r"\A\x{61}(?:[\x{42}\x{62}])(?:\n?\z)");
        assert_eq!(translate("a # note\n b", true, false), r"\x{61}\x{62}");
        assert_eq!(translate(r"\ ", false, true), r"[\x{20}]");
    }
}
