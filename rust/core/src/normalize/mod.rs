//! Text normalization (the steps of `dedup.Normalizer`), bit-identical to the Python reference.
//!
//! `dedup/normalize.py` is the reference: for every input, [`normalize`] gives the string
//! `Normalizer.__call__` gives and [`for_shingling`] the string `Normalizer.for_shingling` gives,
//! or says why it cannot ([`Fallback`]) so that Python computes it instead:
//!
//! * [`Fallback::Encoding`]: the text shows damage ([`crate::flags::DAMAGE`]), `fix_encoding`
//!   is on, and [`encoding`] cannot repair it as Python does: the text is ASCII (Python's
//!   `html.unescape`), the ftfy port is not the installed ftfy's ([`Options::mojibake_port`] off),
//!   or the port is unsure of a line. Python repairs the encoding and hands the text back to
//!   [`steps`] for the rest.
//! * [`Fallback::Unassigned`]: NFKC would meet a code point that Python's `unicodedata` does not
//!   assign (see [`unicode`]).
//!
//! The steps, in order (each one module): `fix_encoding` ([`encoding`]), [`unicode`], [`punctuation`],
//! line breaks `\r\n` and `\r` made `\n`, [`boilerplate`], `dehyphenate` and `unwrap` ([`lines`]),
//! [`whitespace`], casefold ([`case`]; then NFKC again, as folding can denormalize). Character
//! classes and case mappings are Python's own, from tables generated from the running Python
//! ([`chars`]); the `regex`-module patterns are translated with the `regex` module's tables
//! ([`patterns`]).

pub mod boilerplate;
pub mod case;
pub mod chars;
pub mod encoding;
pub mod lines;
pub mod patterns;
pub mod punctuation;
pub mod scan;
mod tables;
pub mod unicode;
pub mod whitespace;

use crate::flags;
use rayon::prelude::*;
use std::borrow::Cow;
use std::cell::RefCell;

/// Which steps run: the fields of `dedup.Normalizer`, all on by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub fix_encoding: bool,
    pub unicode: bool,
    pub punctuation: bool,
    pub boilerplate: bool,
    pub dehyphenate: bool,
    pub unwrap: bool,
    pub whitespace: bool,
    pub casefold: bool,
    /// Whether the core's ftfy port ([`crate::mojibake`]) stands for the installed ftfy (the same
    /// ftfy and Unicode versions), so that [`encoding`] may repair text; bit 8.
    pub mojibake_port: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options::from_bits(u32::MAX)
    }
}

impl Options {
    /// Bit `i` is the `i`-th field in declaration order (`fix_encoding` is bit 0, `casefold` bit 7),
    /// as `Normalizer` packs them; bit 8 is [`Options::mojibake_port`].
    pub fn from_bits(bits: u32) -> Options {
        let on = |i: u32| bits >> i & 1 == 1;
        Options {
            fix_encoding: on(0),
            unicode: on(1),
            punctuation: on(2),
            boilerplate: on(3),
            dehyphenate: on(4),
            unwrap: on(5),
            whitespace: on(6),
            casefold: on(7),
            mojibake_port: on(8),
        }
    }
}

/// Why a text is left to Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// The text needs its encoding repaired (ftfy or `html.unescape`), which Python does.
    Encoding,
    /// The text holds a code point Python's Unicode does not assign (NFKC could differ).
    Unassigned,
}

impl From<unicode::Unassigned> for Fallback {
    fn from(_: unicode::Unassigned) -> Self {
        Fallback::Unassigned
    }
}

/// The first `n` characters of `s` (`s[:n]`).
pub(crate) fn prefix_chars(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    if s.as_bytes()[..n].is_ascii() {
        return &s[..n];
    }
    &s[..scan::char_offset(s, n)]
}

/// `text.split("\n")`.
pub(crate) fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut at = 0;
    let mut breaks = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || {
        if at > text.len() {
            return None;
        }
        let end = breaks.next().unwrap_or(text.len());
        let line = &text[at..end];
        at = end + 1;
        Some(line)
    })
}

/// Whether `text` holds a line break.
pub(crate) fn has_break(text: &str) -> bool {
    memchr::memchr(b'\n', text.as_bytes()).is_some()
}

/// `len(s) <= n`, in characters.
pub(crate) fn char_len_at_most(s: &str, n: usize) -> bool {
    s.len() <= n || s.chars().nth(n).is_none()
}

/// Python's `text_flags(text)`: the [`flags`] bits, 0 for ASCII text without `&`.
pub fn text_flags(text: &str) -> u32 {
    if text.is_ascii() && !text.contains('&') {
        return 0;
    }
    thread_local! {
        static CPS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    }
    CPS.with(|cps| {
        let mut cps = cps.borrow_mut();
        cps.clear();
        cps.extend(text.chars().map(u32::from));
        flags::text_flags(&cps)
    })
}

/// `text_flags(text) & FLAG_DAMAGE`: [`text_flags`] runs only where damage could be (an `&`, a C1
/// control, U+FFFD, or a lead-byte letter before a continuation character), which is rare.
fn damaged(text: &str) -> bool {
    let maybe = memchr::memchr(b'&', text.as_bytes()).is_some() || {
        let mut prev_lead = false;
        scan::non_ascii(text).any(|(_, c, after_ascii)| {
            let c = c as u32;
            let hit = c <= 0x9F || c == 0xFFFD || (prev_lead && !after_ascii && flags::is_continuation(c));
            prev_lead = (0xC2..=0xF4).contains(&c);
            hit
        })
    };
    maybe && text_flags(text) & flags::DAMAGE != 0
}

/// Apply a step that may return (a part of) its input, keeping the borrow when nothing changed.
fn apply<'a>(cur: Cow<'a, str>, step: impl for<'b> FnOnce(&'b str) -> Cow<'b, str>) -> Cow<'a, str> {
    match cur {
        Cow::Borrowed(s) => step(s),
        Cow::Owned(s) => {
            let changed = match step(&s) {
                Cow::Owned(t) => Some(t),
                Cow::Borrowed(b) if b.len() == s.len() => None,
                Cow::Borrowed(b) => Some(b.to_owned()),
            };
            Cow::Owned(changed.unwrap_or(s))
        }
    }
}

/// [`apply`] for a step that may fail.
fn try_apply<'a, E>(cur: Cow<'a, str>, step: impl for<'b> FnOnce(&'b str) -> Result<Cow<'b, str>, E>) -> Result<Cow<'a, str>, E> {
    let mut err = None;
    let out = apply(cur, |s| match step(s) {
        Ok(t) => t,
        Err(e) => {
            err = Some(e);
            Cow::Borrowed(s)
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// `\r\n` and lone `\r` made `\n`.
fn line_breaks(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// One pass of every step after `fix_encoding` (`Normalizer._once` once the encoding is repaired).
///
/// `light` is the shingling pass: punctuation and whitespace are left as they are, and so is the
/// case of ASCII text. Python calls this after repairing a damaged text's encoding itself.
pub fn steps<'a>(text: &'a str, o: &Options, light: bool) -> Result<Cow<'a, str>, Fallback> {
    let mut cur = Cow::Borrowed(text);
    if o.unicode && !text.is_ascii() {
        cur = try_apply(cur, unicode::normalize_unicode)?;
    }
    if o.punctuation && !light {
        cur = apply(cur, punctuation::fix_punctuation);
    }
    cur = apply(cur, line_breaks);
    if o.boilerplate {
        cur = apply(cur, boilerplate::strip_boilerplate);
    }
    if o.dehyphenate {
        cur = apply(cur, lines::dehyphenate);
    }
    if o.unwrap && !o.whitespace {
        // With `whitespace` on every line break becomes a space anyway.
        cur = apply(cur, lines::unwrap_lines);
    }
    if o.whitespace && !light {
        cur = apply(cur, whitespace::collapse);
    }
    if o.casefold && !(light && cur.is_ascii()) {
        cur = apply(cur, case::casefold);
        if o.unicode && !cur.is_ascii() {
            // Case folding can denormalize (U+0130); renormalize so the result is a fixed point.
            cur = try_apply(cur, unicode::nfkc)?;
        }
    }
    Ok(cur)
}

/// `Normalizer._once`: [`steps`], after [`encoding::fix_encoding`] where the text needs its
/// encoding repaired (Python's, [`Fallback::Encoding`], where that cannot be done here).
fn once<'a>(text: &'a str, o: &Options, light: bool) -> Result<Cow<'a, str>, Fallback> {
    if o.fix_encoding && damaged(text) {
        if !o.mojibake_port || text.is_ascii() {
            return Err(Fallback::Encoding);
        }
        let fixed = encoding::fix_encoding(text).map_err(|_| Fallback::Encoding)?;
        return Ok(Cow::Owned(steps(&fixed, o, light)?.into_owned()));
    }
    steps(text, o, light)
}

/// `Normalizer._may_change`: whether another pass could change a normalized text.
fn may_change(text: &str, o: &Options) -> bool {
    if !(o.whitespace && o.unwrap) {
        return true;
    }
    if o.fix_encoding && damaged(text) {
        return true;
    }
    let p = patterns::patterns();
    o.boilerplate && ((char_len_at_most(text, 200) && p.boilerplate_line.is_match(text)) || p.dateline.is_match(text))
}

/// `Normalizer.__call__(text)`: the steps repeated until the text is stable (at most 9 passes).
pub fn normalize(text: &str, o: &Options) -> Result<String, Fallback> {
    let mut out = once(text, o, false)?.into_owned();
    for _ in 0..8 {
        if !may_change(&out, o) {
            break;
        }
        let again = once(&out, o, false)?;
        if again == out.as_str() {
            break;
        }
        out = again.into_owned();
    }
    Ok(out)
}

/// `Normalizer._may_change_light`: whether the shingling pass might differ from the full one.
fn may_change_light(text: &str, o: &Options) -> bool {
    if o.fix_encoding && damaged(text) {
        return true;
    }
    if !o.boilerplate {
        return false;
    }
    let head = punctuation::fix_punctuation(prefix_chars(text, 300));
    let head = whitespace::collapse(&head);
    let head = case::casefold(&head);
    let p = patterns::patterns();
    (char_len_at_most(text, 200) && p.boilerplate_line.is_match(&head)) || p.dateline.is_match(&head)
}

/// `Normalizer.for_shingling(text)`: a cheaper text with exactly the shingles of [`normalize`],
/// once ASCII letters are lower-cased.
pub fn for_shingling(text: &str, o: &Options) -> Result<String, Fallback> {
    if !(o.punctuation && o.whitespace && o.casefold && o.unwrap) {
        return normalize(text, o);
    }
    let out = once(text, o, true)?;
    if may_change_light(&out, o) {
        return normalize(text, o);
    }
    Ok(out.into_owned())
}

/// [`normalize`] (or with `shingling`, [`for_shingling`]) of every text, in parallel on the
/// current rayon pool. `None` in, or a text left to Python, gives `None` out.
pub fn batch(texts: &[Option<&str>], o: &Options, shingling: bool) -> Vec<Option<String>> {
    texts
        .par_iter()
        .with_min_len(8)
        .map(|t| t.and_then(|t| if shingling { for_shingling(t, o) } else { normalize(t, o) }.ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(s, &Options::default()).unwrap()
    }

    #[test]
    fn whole_pipeline() {
        assert_eq!(n("les fa-\nmilles"), "les familles");
        assert_eq!(n("US-\nMexico border"), "us- mexico border");
        assert_eq!(n("\u{201c}Hello\u{201d} \u{2014} it\u{2019}s   ME -- \tagain"), "\"hello\" - it's me - again");
        assert_eq!(n("ﬁne ＡＢＣ"), "fine abc");
        assert_eq!(n("Le château et l'âge"), "le château et l'âge");
        assert_eq!(n("A\r\nb"), "a b");
        assert_eq!(normalize("Tom &amp; Jerry", &Options::default()), Err(Fallback::Encoding));
        let off = Options { fix_encoding: false, ..Options::default() };
        assert_eq!(normalize("Tom &amp; Jerry", &off).unwrap(), "tom &amp; jerry");
        let keep_lines = Options { unwrap: false, whitespace: false, ..Options::default() };
        assert_eq!(normalize("A\nb", &keep_lines).unwrap(), "a\nb");
        // Mojibake is repaired here with the ftfy port, and left to Python without it.
        assert_eq!(n("Hern\u{c3}\u{a1}ndez Itâs"), "hernández it's");
        let no_port = Options { mojibake_port: false, ..Options::default() };
        assert_eq!(normalize("Hern\u{c3}\u{a1}ndez", &no_port), Err(Fallback::Encoding));
    }

    #[test]
    fn shingling_text() {
        let o = Options::default();
        assert_eq!(for_shingling("The Fed -- said \u{201c}NO\u{201d}", &o).unwrap(), "the fed -- said \u{201c}no\u{201d}");
        assert_eq!(for_shingling("The Fed said NO", &o).unwrap(), "The Fed said NO");
        assert_eq!(for_shingling("WASHINGTON (Reuters) - The Fed", &o).unwrap(), "The Fed");
    }

    #[test]
    fn damage_precheck_agrees_with_the_flags() {
        for t in [
            "", "plain", "AT&T", "AT&amp;T", "Hern\u{c3}\u{a1}ndez", "Hern\u{e1}ndez", "\u{c3}a\u{a1}", "\u{c3}\u{2122}",
            "x\u{9f}", "\u{fffd}", "\u{f4}\u{80}", "\u{f5}\u{80}", "\u{c2}", "d\u{e9}j\u{e0}", "\u{e2}\u{20ac}\u{201d}",
        ] {
            assert_eq!(damaged(t), text_flags(t) & flags::DAMAGE != 0, "{t:?}");
        }
    }

    #[test]
    fn helpers() {
        for t in ["", "a", "\n", "a\nb", "a\n\nb\n", "\u{e9}\n\u{e9}"] {
            assert_eq!(split_lines(t).collect::<Vec<_>>(), t.split('\n').collect::<Vec<_>>(), "{t:?}");
        }
        assert_eq!(prefix_chars("\u{e9}t\u{e9}", 2), "\u{e9}t");
        assert_eq!(prefix_chars("abc", 2), "ab");
        assert!(char_len_at_most("\u{e9}\u{e9}", 2) && !char_len_at_most("abc", 2));
    }

    #[test]
    fn options_bits() {
        assert_eq!(Options::from_bits(0x1FF), Options::default());
        assert_eq!(Options::from_bits(0xFF), Options { mojibake_port: false, ..Options::default() });
        let o = Options::from_bits(0b1000_0001);
        assert!(o.fix_encoding && o.casefold && !o.unicode && !o.whitespace && !o.mojibake_port);
    }

    #[test]
    fn batch_keeps_order_and_gaps() {
        let out = batch(&[Some("A b"), None, Some("&amp;"), Some("C")], &Options::default(), false);
        assert_eq!(out, vec![Some("a b".to_string()), None, None, Some("c".to_string())]);
    }
}
