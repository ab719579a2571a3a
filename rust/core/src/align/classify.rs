//! The verdict of one pair: `dedup.align.template_fill(a, b)`, i.e.
//! `_classify(a, b, detail=False).template_fill` with the texts in canonical order.
//!
//! The words of the two texts (in the order `a <= b`, by code points) are aligned with
//! rapidfuzz's Levenshtein opcodes ([`levenshtein`](super::levenshtein)). Then, run by run:
//!
//! * equal runs count shared words and shared figures;
//! * a replaced run whose sides are equal once non-word characters are dropped, and are not
//!   both all letters and digits, differs in punctuation only: nothing;
//! * a replaced run reading almost the same by characters (Indel similarity of the joined
//!   words at least `NOISE_SIMILARITY`) with the same digits once OCR's letters for digits are
//!   read as digits (when it holds figures) is damage: its length counts as noisy words, and
//!   once they reach `max(NOISY_WORDS, NOISY_RATE * aligned words)` the pair is an OCR'd copy,
//!   no template fill;
//! * any other replaced run is judged once the damage is known: noise again when the pair is
//!   damaged (`DAMAGED_RATE`), the run reads similar and its digits are close (at most one in
//!   three inserted, dropped or replaced); a copy's own edge when it is the first
//!   or last run and short (`EDGE_WORDS`; at the start only with figures on both sides, a
//!   dateline); else its changed figures (figures the other text does not state in its
//!   unpaired words, not even rounded, and whose digits neither begin nor extend those of the
//!   word they replace), changed words (at least `MIN_FACT_LETTERS` long, not
//!   among the other text's unpaired words, not inside or around a word they replace) and
//!   names (capitalized words inside a sentence of mixed-case text) are counted.
//!
//! A pair is a template fill when its changed figures reach `FIGURE_COUNT` or
//! `FIGURE_SHARE` of its aligned figures, or its changed words (names twice) reach
//! `CONTENT_SHARE` plus its noise rate of its aligned words. Pairs of more than
//! `MAX_ALIGN_CELLS` word pairs are not aligned: no verdict (false).

use super::chars::{self, ALNUM, UPPER, WORD};
use super::doc::Doc;
use super::figures;
use super::indel;
use super::levenshtein::{self, Tag};
use super::Params;

/// The words of both texts as common ids: `a`'s distinct words keep their numbers, `b`'s
/// others follow. Returns the ids of `b`'s words and the number of ids.
fn common_ids(a: &Doc, b: &Doc) -> (Vec<u32>, usize) {
    let mut next = a.n_distinct() as u32;
    let map: Vec<u32> = (0..b.n_distinct() as u32)
        .map(|d| match a.find(b.distinct(d), b.distinct_key(d)) {
            Some(id) => id,
            None => {
                next += 1;
                next - 1
            }
        })
        .collect();
    (b.local.iter().map(|&d| map[d as usize]).collect(), next as usize)
}

/// `template_fill(a, b)`: the texts in either order.
pub fn template_fill(a: &Doc, b: &Doc, p: &Params) -> bool {
    canonical(a, b, p, false).is_some_and(|c| c.fill)
}

/// `Verifier.figures_agree` of two tokenized texts: the full alignment (`align(a, b)`, every run counted,
/// as with `detail`) finds no template fill, at least one shared figure and no changed one. False for a
/// pair too long to align.
pub fn figures_agree(a: &Doc, b: &Doc, p: &Params) -> bool {
    canonical(a, b, p, true).is_some_and(|c| !c.fill && c.shared_figures > 0 && c.changed_figures == 0)
}

/// [`classify`] of `a` and `b` in canonical order (the smaller text first, as `align` orders them).
fn canonical(a: &Doc, b: &Doc, p: &Params, full: bool) -> Option<Counts> {
    if a.text <= b.text {
        classify(a, b, p, full)
    } else {
        classify(b, a, p, full)
    }
}

/// What a classification found: the verdict and the figures it paired and changed.
#[derive(Clone, Copy, Debug)]
struct Counts {
    fill: bool,
    shared_figures: usize,
    changed_figures: usize,
}

fn joined(d: &Doc, lo: usize, hi: usize) -> Vec<u32> {
    let mut out = Vec::new();
    for k in lo..hi {
        out.extend_from_slice(d.word(k));
    }
    out
}

fn word_chars(s: &[u32]) -> impl Iterator<Item = u32> + '_ {
    s.iter().copied().filter(|&c| chars::is(c, WORD))
}

/// Whether `needle` occurs in `hay` (Python's `needle in hay` on strings).
fn contains(hay: &[u32], needle: &[u32]) -> bool {
    let n = needle.len();
    if n > hay.len() {
        return false;
    }
    let Some((&first, rest)) = needle.split_first() else { return true };
    (0..=hay.len() - n).any(|s| hay[s] == first && hay[s + 1..s + n].iter().zip(rest).all(|(x, y)| x == y))
}

/// `_plain_digits(text)`: the ASCII digits of `text`, in order.
fn plain_digits(text: &[u32]) -> Vec<u32> {
    text.iter().copied().filter(|&c| (0x30..=0x39).contains(&c)).collect()
}

/// `_close_digits(xa, xb)`: at most one digit in three (and at least one) inserted, dropped or replaced.
fn close_digits(xa: &[u32], xb: &[u32]) -> bool {
    let (da, db) = (plain_digits(xa), plain_digits(xb));
    levenshtein::distance_within(&da, &db, 1.max(da.len().max(db.len()) / 3)).is_some()
}

/// Word `t` of `other`'s run `lo..hi`, if the run is that long.
fn counterpart(other: &Doc, lo: usize, hi: usize, t: usize) -> Option<&[u32]> {
    (lo + t < hi).then(|| other.word(lo + t))
}

/// `_extends(tok, [word])`: the figure's digits (two or more) begin those of the word it
/// replaces (two or more, not equal), or those begin its own; `word` is None past the other run.
fn extends(tok: &[u32], word: Option<&[u32]>) -> bool {
    let Some(word) = word else { return false };
    let mine = plain_digits(tok);
    if mine.len() < 2 {
        return false;
    }
    let theirs = plain_digits(word);
    theirs.len() >= 2 && theirs != mine && (theirs.starts_with(&mine) || mine.starts_with(&theirs))
}

/// `_fact_word(word, others)`: `others` are the other run's distinct words of at least
/// `MIN_FACT_LETTERS` (the shorter ones never count).
fn fact_word(word: &[u32], others: &[&[u32]], p: &Params) -> bool {
    if (word.len() as i64) < p.min_fact_letters {
        return false;
    }
    !others.iter().any(|o| if o.len() <= word.len() { contains(word, o) } else { contains(o, word) })
}

/// The distinct words of `d`'s words `lo..hi` (ids `ids`) of at least `MIN_FACT_LETTERS`;
/// `stamp` marks ids already taken (with `mark`).
fn long_words<'d>(d: &'d Doc, ids: &[u32], lo: usize, hi: usize, p: &Params, stamp: &mut [u32], mark: u32) -> Vec<&'d [u32]> {
    let mut out = Vec::new();
    for n in lo..hi {
        let w = d.word(n);
        if w.len() as i64 >= p.min_fact_letters && stamp[ids[n] as usize] != mark {
            stamp[ids[n] as usize] = mark;
            out.push(w);
        }
    }
    out
}

/// `_is_name(doc, n)`.
#[allow(clippy::nonminimal_bool)] // written as the Python condition
fn is_name(d: &Doc, n: usize, p: &Params) -> bool {
    let raw = d.raw(n);
    if !(d.mixed && chars::is(raw[0], UPPER) && !chars::str_isupper(raw) && !d.figure[n]) {
        return false;
    }
    let start = d.spans[n].0 as usize;
    let mut before = &d.text[start.saturating_sub(3)..start];
    while let [rest @ .., last] = before {
        if *last == ' ' as u32 || *last == '\t' as u32 {
            before = rest;
        } else {
            break;
        }
    }
    match before.last() {
        None => false,
        Some(c) => !p.sentence_marks.contains(c),
    }
}

struct Pending {
    k: usize,
    i1: usize,
    i2: usize,
    j1: usize,
    j2: usize,
    sim: f64,
}

/// `_classify(a, b, detail=full)`'s counts, `a` and `b` in canonical order: None for no verdict (too many
/// word pairs to align; without `full`, a noisy pair as soon as its noise shows, as `_Tally.scan` stops).
fn classify(da: &Doc, db: &Doc, p: &Params, full: bool) -> Option<Counts> {
    let (na, nb) = (da.len(), db.len());
    if (na as i128) * (nb as i128) > p.max_align_cells as i128 {
        return None; // not aligned: no verdict
    }
    let ids_a: &[u32] = &da.local;
    let (ids_b, alphabet) = common_ids(da, db);
    let runs = levenshtein::opcodes_fast(ids_a, &ids_b, alphabet);
    let last = runs.len().wrapping_sub(1);
    let fig_a = |i1: usize, i2: usize| da.figures_before[i2] - da.figures_before[i1];
    let fig_b = |j1: usize, j2: usize| db.figures_before[j2] - db.figures_before[j1];

    let total: usize = runs.iter().filter(|r| matches!(r.tag, Tag::Equal | Tag::Replace)).map(|r| (r.i2 - r.i1).max(r.j2 - r.j1)).sum();
    let stop_at = if full { f64::INFINITY } else { (p.noisy_words as f64).max(p.noisy_rate * total as f64) };
    let (mut shared_words, mut shared_figures, mut noisy, mut replaced) = (0usize, 0usize, 0usize, 0usize);
    let mut pending: Vec<Pending> = Vec::new();
    let (mut da_digits, mut db_digits) = (Vec::new(), Vec::new());
    for (k, r) in runs.iter().enumerate() {
        let (i1, i2, j1, j2) = (r.i1, r.i2, r.j1, r.j2);
        match r.tag {
            Tag::Equal => {
                shared_words += i2 - i1;
                shared_figures += fig_a(i1, i2) as usize;
            }
            Tag::Replace => {
                replaced += (i2 - i1).max(j2 - j1);
                let (xa, xb) = (joined(da, i1, i2), joined(db, j1, j2));
                if !(chars::all(&xa, ALNUM) && chars::all(&xb, ALNUM)) && word_chars(&xa).eq(word_chars(&xb)) {
                    continue; // only punctuation differs
                }
                let sim = indel::normalized_similarity(&xa, &xb);
                let figures = fig_a(i1, i2) > 0 || fig_b(j1, j2) > 0;
                let mut same_digits = || {
                    figures::ocr_digits(&xa, p, &mut da_digits);
                    figures::ocr_digits(&xb, p, &mut db_digits);
                    da_digits == db_digits
                };
                if sim >= p.noise_similarity && (!figures || same_digits()) {
                    noisy += (i2 - i1).max(j2 - j1);
                    if noisy as f64 >= stop_at {
                        return None; // an OCR'd copy: no verdict
                    }
                } else {
                    pending.push(Pending { k, i1, i2, j1, j2, sim });
                }
            }
            Tag::Insert | Tag::Delete => {}
        }
    }
    let aligned_words = shared_words + replaced;
    let is_noisy = noisy as f64 >= (p.noisy_words as f64).max(p.noisy_rate * aligned_words as f64);
    let damaged = noisy as f64 >= 1f64.max(p.damaged_rate * aligned_words as f64);
    let (mut changed_figures, mut changed_words, mut changed_names) = (0usize, 0usize, 0usize);
    if !pending.is_empty() && !is_noisy {
        // The words each text leaves unpaired, and the numbers of its figures among them.
        let mut in_a = vec![false; alphabet];
        let mut in_b = vec![false; alphabet];
        for r in runs.iter().filter(|r| r.tag != Tag::Equal) {
            for &id in &ids_a[r.i1..r.i2] {
                in_a[id as usize] = true;
            }
            for &id in &ids_b[r.j1..r.j2] {
                in_b[id as usize] = true;
            }
        }
        let figure_of_id = {
            let mut f = vec![false; alphabet];
            for (n, &id) in ids_a.iter().enumerate() {
                f[id as usize] = da.figure[n];
            }
            for (n, &id) in ids_b.iter().enumerate() {
                f[id as usize] = db.figure[n];
            }
            f
        };
        let values_of = |d: &Doc, ids: &[u32], in_set: &[bool]| -> Vec<f64> {
            let mut seen = vec![false; alphabet];
            let mut vals = Vec::new();
            for (n, &id) in ids.iter().enumerate() {
                if in_set[id as usize] && d.figure[n] && !seen[id as usize] {
                    seen[id as usize] = true;
                    if let Some(v) = d.values[d.local[n] as usize].0 {
                        vals.push(v);
                    }
                }
            }
            vals.sort_by(f64::total_cmp);
            vals
        };
        let vals_a = values_of(da, ids_a, &in_a);
        let vals_b = values_of(db, &ids_b, &in_b);
        let mut stamp = vec![u32::MAX; alphabet];
        for (t, pd) in pending.iter().enumerate() {
            let Pending { k, i1, i2, j1, j2, sim } = *pd;
            if sim >= p.noise_similarity && damaged && close_digits(&joined(da, i1, i2), &joined(db, j1, j2)) {
                continue; // damage in a damaged pair
            }
            if (k == 0 || k == last) && (is_noisy || own_edge(k == 0, da, i1, i2, db, j1, j2, p)) {
                continue; // a copy's own dateline, byline or sign-off
            }
            // Word `t` of a replaced run replaces word `t` of the other side's run.
            let changed_figure = |d: &Doc, n: usize, id: u32, in_other: &[bool], other_vals: &[f64], replaced: Option<&[u32]>| {
                let (v, half) = d.values[d.local[n] as usize];
                d.figure[n]
                    && !(in_other[id as usize] && figure_of_id[id as usize])
                    && !figures::found(v, half, other_vals, &p.scales)
                    && !extends(d.word(n), replaced)
            };
            let fa = (i1..i2).filter(|&n| changed_figure(da, n, ids_a[n], &in_b, &vals_b, counterpart(db, j1, j2, n - i1))).count();
            let fb = (j1..j2).filter(|&n| changed_figure(db, n, ids_b[n], &in_a, &vals_a, counterpart(da, i1, i2, n - j1))).count();
            let long_b = long_words(db, &ids_b, j1, j2, p, &mut stamp, 2 * t as u32);
            let long_a = long_words(da, ids_a, i1, i2, p, &mut stamp, 2 * t as u32 + 1);
            let na_: Vec<usize> = (i1..i2).filter(|&n| !da.figure[n] && !in_b[ids_a[n] as usize] && fact_word(da.word(n), &long_b, p)).collect();
            let nb_: Vec<usize> = (j1..j2).filter(|&n| !db.figure[n] && !in_a[ids_b[n] as usize] && fact_word(db.word(n), &long_a, p)).collect();
            let c_all = (fa + na_.len()).min(fb + nb_.len());
            let c_fig = if !is_noisy { fa.min(fb) } else { 0 };
            let c_word = c_all - c_fig;
            let mut c_name = 0;
            if c_word > 0 {
                let names_a = na_.iter().filter(|&&n| is_name(da, n, p)).count();
                let names_b = nb_.iter().filter(|&&n| is_name(db, n, p)).count();
                c_name = c_word.min(names_a).min(names_b);
            }
            changed_figures += c_fig;
            changed_words += c_word;
            changed_names += c_name;
        }
    }
    let fill = verdict(noisy, aligned_words, shared_figures, changed_figures, changed_words, changed_names, p);
    Some(Counts { fill, shared_figures, changed_figures })
}

/// `_own_edge`: a short replaced run at a text's end that is the copy's own (at the start: a dateline).
#[allow(clippy::too_many_arguments)]
fn own_edge(first: bool, da: &Doc, i1: usize, i2: usize, db: &Doc, j1: usize, j2: usize, p: &Params) -> bool {
    if (i2 - i1).max(j2 - j1) as i64 > p.edge_words {
        return false;
    }
    if !first {
        return true;
    }
    da.figures_before[i2] > da.figures_before[i1] && db.figures_before[j2] > db.figures_before[j1]
}

/// `Alignment.reason is not None`.
fn verdict(noisy: usize, aligned: usize, shared_figures: usize, changed_figures: usize, changed_words: usize, changed_names: usize, p: &Params) -> bool {
    if noisy as f64 >= (p.noisy_words as f64).max(p.noisy_rate * aligned as f64) {
        return false;
    }
    let figure_share = changed_figures as f64 / (changed_figures + shared_figures).max(1) as f64;
    if changed_figures as i64 >= p.figure_count || (changed_figures > 0 && figure_share >= p.figure_share) {
        return true;
    }
    let content_share = (changed_words + changed_names) as f64 / aligned.max(1) as f64;
    let content_limit = p.content_share + noisy as f64 / aligned.max(1) as f64;
    content_share >= content_limit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cps(s: &str) -> Vec<u32> {
        s.chars().map(u32::from).collect()
    }

    #[test]
    fn close_digits_allows_one_in_three() {
        assert!(close_digits(&cps("2.1"), &cps("2.6"))); // one digit of two
        assert!(!close_digits(&cps("17.55"), &cps("17.18"))); // two of four
        assert!(close_digits(&cps("altitude4411"), &cps("altitufle1411")));
        assert!(close_digits(&cps("word"), &cps("ward"))); // no digits: equal
        assert!(close_digits(&cps("123456"), &cps("124457"))); // two of six
    }
}
