//! The candidate rule of an LSH bucket: one rule for `dedup cluster`, the persistent index and Spark.
//!
//! A *bucket* is the set of documents that share a key in one *column* (a band of the Jaccard layout,
//! or a band of a length-ratio level). Its members are ranked in document order (insertion order).
//! The member of rank `k` pairs with every member before it while `k < cap`, and with the first
//! [`TAIL_HUBS`] members only from rank `cap` on.
//!
//! - A bucket of at most `cap` members yields all its pairs.
//! - A larger one (boilerplate, a flood of near-copies) yields [`TAIL_HUBS`] pairs per later
//!   member, so a hot bucket costs time and memory linear in its size. Its members are *crowded*
//!   ([`crowded`]): their candidates are a sample of their matches, and the linkage samples their
//!   pairs itself.
//! - The pairs of a member never depend on the members after it. An engine that sees the
//!   documents a batch at a time therefore proposes what one that sees them all proposes: the
//!   persistent index files a key's first `cap` documents only, pairs a new document with all of
//!   them while fewer than `cap` are filed and with the first [`TAIL_HUBS`] once `cap` are
//!   ([`grouped_pairs`] with the stored members counted `ahead`).

mod members;

use members::{column_members, runs};
use rayon::prelude::*;

/// The members of a full bucket (`cap` or more before it) a later member pairs with: the first two.
pub const TAIL_HUBS: usize = 2;

/// How many of the first members the member of rank `rank` pairs with: every earlier one below rank
/// `cap`, the first [`TAIL_HUBS`] from there on.
#[inline]
pub fn hubs_before(rank: usize, cap: usize) -> usize {
    if rank < cap {
        rank
    } else {
        TAIL_HUBS.min(rank)
    }
}

/// Whether a bucket of `size` members lists only a sample of its pairs under the rule.
#[inline]
pub fn is_crowded(size: usize, cap: usize) -> bool {
    size > cap && size > TAIL_HUBS + 1
}

/// Columns whose pairs are made in parallel before they are merged into the result: bounds the
/// repeats held at once (a pair shared in many columns is made once per column) and the group's
/// keys (8 bytes per document and column: 12.8 MB at 200,000 documents).
const COLUMNS_PER_MERGE: usize = 8;

/// The candidate pair codes `a * n + c` (`a < c`) of `n` documents with `cols` key columns, sorted
/// and distinct: in every column, each member of a bucket with each hub before it. `key(d, col)` is
/// document `d`'s key in column `col`; documents where `live(d)` fails are in no bucket. A pair is
/// kept when `keep(a, c, col)` holds for some column that proposes it (tested as each is made, so
/// the pairs that fail are never held).
pub fn rule_codes(
    n: usize,
    cols: usize,
    cap: usize,
    key: impl Fn(usize, usize) -> u64 + Sync,
    live: impl Fn(usize) -> bool + Sync,
    keep: impl Fn(usize, usize, usize) -> bool + Sync,
) -> Vec<i64> {
    rule_codes_and_crowded(n, cols, cap, key, &live, &live, keep).0
}

/// [`rule_codes`] and [`crowded`] of the same columns in one pass: the buckets are those of the
/// documents where `member(d)` holds (what [`crowded`] counts), and the pairs those of the rule among
/// a bucket's members where `live(d)` also holds, in document order (what [`rule_codes`] gives with
/// `live`). Returns `(codes, crowded)`.
pub fn rule_codes_and_crowded(
    n: usize,
    cols: usize,
    cap: usize,
    key: impl Fn(usize, usize) -> u64 + Sync,
    member: impl Fn(usize) -> bool + Sync,
    live: impl Fn(usize) -> bool + Sync,
    keep: impl Fn(usize, usize, usize) -> bool + Sync,
) -> (Vec<i64>, Vec<bool>) {
    let keys = |d: usize, first: usize, out: &mut [u64]| {
        for (c, k) in out.iter_mut().enumerate() {
            *k = key(d, first + c);
        }
    };
    rule_codes_confirmed(n, cols, cap, keys, member, live, keep, |_, _| true)
}

/// [`rule_codes_and_crowded`] with a second test of the pairs `keep` holds: `confirm(a, c)`, which
/// does not depend on the column, asked once per distinct pair that a merge group of columns makes
/// and no earlier group kept. A pair is kept when `keep(a, c, col)` holds in a column that proposes
/// it and `confirm(a, c)` holds: the same pairs as with the two tests joined in `keep`, but an
/// expensive `confirm` (a full signature comparison) runs once for a pair that many columns propose
/// (a flood of near-copies shares most of its bands), not once per column.
///
/// The keys come a document and a merge group at a time: `keys(d, first, out)` writes document
/// `d`'s keys in columns `first..first + out.len()`, so that independent keys can be made side by side.
#[allow(clippy::too_many_arguments)]
pub fn rule_codes_confirmed(
    n: usize,
    cols: usize,
    cap: usize,
    keys: impl Fn(usize, usize, &mut [u64]) + Sync,
    member: impl Fn(usize) -> bool + Sync,
    live: impl Fn(usize) -> bool + Sync,
    keep: impl Fn(usize, usize, usize) -> bool + Sync,
    confirm: impl Fn(usize, usize) -> bool + Sync,
) -> (Vec<i64>, Vec<bool>) {
    let mut out: Vec<i64> = Vec::new();
    let mut hot = vec![false; n];
    if n == 0 {
        return (out, hot);
    }
    let mut start = 0;
    while start < cols {
        let end = (start + COLUMNS_PER_MERGE).min(cols);
        // The group's keys, a document at a time: whatever a key reads of a document (its signature)
        // is read once for all the group's columns, not once per column from all over memory.
        let width = end - start;
        let mut block = vec![0u64; n * width];
        block.par_chunks_mut(width).enumerate().with_min_len(256).for_each(|(d, row)| {
            if member(d) {
                keys(d, start, row);
            }
        });
        let block = &block;
        let passes: Vec<(Vec<i64>, Vec<usize>)> = (start..end)
            .into_par_iter()
            .map(|col| column_pass(n, col, cap, |d| block[d * width + col - start], &member, &live, &keep))
            .collect();
        let mut got: Vec<i64> = Vec::with_capacity(passes.iter().map(|p| p.0.len()).sum());
        for (codes, crowded) in passes {
            got.extend_from_slice(&codes);
            for d in crowded {
                hot[d] = true;
            }
        }
        got.par_sort_unstable();
        got.dedup();
        let fresh = subtract(&got, &out);
        drop(got);
        let confirmed: Vec<i64> = fresh.par_iter().with_min_len(1024).copied().filter(|&code| confirm(code as usize / n, code as usize % n)).collect();
        out = merge_unique(&out, &confirmed);
        start = end;
    }
    (out, hot)
}

/// The rule inside one bucket: `f(a, c)` for each pair of places `a < c` in a list of `len` members
/// (in document order) ranked after `ahead` members not listed, member `c` with the listed members
/// before it that [`hubs_before`] gives it.
#[inline]
fn for_each_rule_pair(len: usize, ahead: usize, cap: usize, mut f: impl FnMut(usize, usize)) {
    for c in 1..len {
        for a in 0..hubs_before(ahead + c, cap).saturating_sub(ahead).min(c) {
            f(a, c);
        }
    }
}

/// One column of [`rule_codes_and_crowded`]: the codes it proposes (each bucket's pairs under the
/// rule among its live members, those `keep` holds for) and the members of its crowded buckets.
fn column_pass(
    n: usize,
    col: usize,
    cap: usize,
    key: impl Fn(usize) -> u64,
    member: &(impl Fn(usize) -> bool + Sync),
    live: &(impl Fn(usize) -> bool + Sync),
    keep: &(impl Fn(usize, usize, usize) -> bool + Sync),
) -> (Vec<i64>, Vec<usize>) {
    let members = column_members(n, key, member);
    let mut got = Vec::new();
    let mut hot = Vec::new();
    let mut alive: Vec<usize> = Vec::new();
    for run in runs(&members) {
        let bucket = &members[run];
        if is_crowded(bucket.len(), cap) {
            hot.extend(bucket.iter().map(|m| m.1));
        }
        if bucket.len() < 2 {
            continue;
        }
        alive.clear();
        alive.extend(bucket.iter().map(|m| m.1).filter(|&d| live(d)));
        for_each_rule_pair(alive.len(), 0, cap, |x, y| {
            let (a, c) = (alive[x], alive[y]);
            if keep(a, c, col) {
                got.push((a * n + c) as i64);
            }
        });
    }
    (got, hot)
}

/// The values of sorted distinct `a` that sorted distinct `b` lacks, in order.
fn subtract(a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(a.len());
    let mut j = 0;
    for &x in a {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        if j >= b.len() || b[j] != x {
            out.push(x);
        }
    }
    out
}

/// The sorted distinct union of two sorted distinct lists.
pub fn merge_unique(a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] < b[j] {
            out.push(a[i]);
            i += 1;
        } else if b[j] < a[i] {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Per document: whether, in some column, it shares a bucket the rule lists only a sample of
/// ([`is_crowded`]). Arguments as in [`rule_codes`].
pub fn crowded(n: usize, cols: usize, cap: usize, key: impl Fn(usize, usize) -> u64 + Sync, live: impl Fn(usize) -> bool + Sync) -> Vec<bool> {
    rule_codes_and_crowded(n, cols, cap, key, live, |_| false, |_, _, _| false).1
}

/// The pairs of buckets given as lists: bucket `b` holds `members[starts[b]..starts[b + 1]]`, in
/// document order, after `ahead[b]` members not listed (already filed elsewhere, ranked first).
/// Returns `(a, c, b)` per pair: member `c` with each listed hub `a` before it. This is the rule for
/// an engine that groups the buckets itself (Spark) or adds a batch to stored buckets (the index).
/// `None` when `starts` does not describe `members` (not increasing from 0 to its length) or
/// `ahead` has not one count per bucket.
pub fn grouped_pairs<T: Copy>(members: &[T], starts: &[usize], ahead: &[usize], cap: usize) -> Option<Vec<(T, T, usize)>> {
    let buckets = starts.len().checked_sub(1)?;
    if ahead.len() != buckets || starts[0] != 0 || starts[buckets] != members.len() || starts.windows(2).any(|w| w[0] > w[1]) {
        return None;
    }
    let mut out = Vec::new();
    for b in 0..buckets {
        let list = &members[starts[b]..starts[b + 1]];
        for_each_rule_pair(list.len(), ahead[b], cap, |a, c| out.push((list[a], list[c], b)));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(codes: &[i64], n: usize) -> Vec<(usize, usize)> {
        codes.iter().map(|&c| ((c as usize) / n, (c as usize) % n)).collect()
    }

    /// The rule written plainly: per column, per bucket, member `k` with every earlier member while
    /// `k < cap`, with the first `TAIL_HUBS` after.
    fn plain(keys: &[u64], n: usize, cols: usize, cap: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for col in 0..cols {
            let mut seen: Vec<(u64, Vec<usize>)> = Vec::new();
            for d in 0..n {
                let k = keys[d * cols + col];
                match seen.iter_mut().find(|(x, _)| *x == k) {
                    Some((_, m)) => m.push(d),
                    None => seen.push((k, vec![d])),
                }
            }
            for (_, m) in seen {
                for (x, &c) in m.iter().enumerate() {
                    let hubs = if x < cap { x } else { TAIL_HUBS.min(x) };
                    for &a in &m[..hubs] {
                        out.push((a, c));
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn small_buckets_give_every_pair_once() {
        // 4 documents, 2 columns: 0,1,2 share column 0; 0,1 share column 1 too (listed once).
        let keys = [5u64, 9, 5, 9, 5, 7, 6, 8];
        let codes = rule_codes(4, 2, 8, |d, c| keys[d * 2 + c], |_| true, |_, _, _| true);
        assert_eq!(decode(&codes, 4), vec![(0, 1), (0, 2), (1, 2)]);
    }

    #[test]
    fn a_hot_bucket_pairs_later_members_with_the_first_two() {
        let n = 7;
        let codes = rule_codes(n, 1, 4, |_, _| 1, |_| true, |_, _, _| true);
        // the first 4 pair among themselves; members 4, 5, 6 with 0 and 1
        let want = vec![(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (2, 3)];
        assert_eq!(decode(&codes, n), want);
        assert!(is_crowded(5, 4) && !is_crowded(4, 4) && !is_crowded(3, 1));
    }

    #[test]
    fn the_rule_matches_its_plain_statement() {
        let (n, cols) = (300, 40);
        // keys from a few values per column, so buckets of every size occur (more columns than one merge)
        let keys: Vec<u64> = (0..n * cols).map(|i| ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 59) % (1 + (i % cols) as u64)).collect();
        for cap in [1, 3, 8, 400] {
            let got = decode(&rule_codes(n, cols, cap, |d, c| keys[d * cols + c], |_| true, |_, _, _| true), n);
            assert_eq!(got, plain(&keys, n, cols, cap), "cap {cap}");
        }
    }

    #[test]
    fn a_confirm_asked_once_per_pair_keeps_what_the_joined_test_keeps() {
        use std::collections::HashMap;
        use std::sync::Mutex;
        let (n, cols) = (300, 40);
        // few key values per column: buckets of every size, crowded ones, pairs in many columns
        let key = |d: usize, c: usize| ((d * 7 + c * 13) % (3 + c % 5)) as u64 + (d % 11 == 0) as u64 * 100;
        let keep = |a: usize, c: usize, col: usize| (a + c + col) % 3 != 0;
        let confirm = |a: usize, c: usize| (a * 31 + c * 17) % 5 != 0;
        let joined = rule_codes_and_crowded(n, cols, 6, key, |d| d % 13 != 0, |d| d % 17 != 0, |a, c, col| keep(a, c, col) && confirm(a, c));
        let asked: Mutex<HashMap<(usize, usize), usize>> = Mutex::new(HashMap::new());
        let keys = |d: usize, first: usize, out: &mut [u64]| out.iter_mut().enumerate().for_each(|(c, k)| *k = key(d, first + c));
        let confirmed = rule_codes_confirmed(n, cols, 6, keys, |d| d % 13 != 0, |d| d % 17 != 0, keep, |a, c| {
            *asked.lock().unwrap().entry((a, c)).or_insert(0) += 1;
            confirm(a, c)
        });
        assert_eq!(confirmed, joined);
        assert!(joined.0.len() > 100 && joined.1.iter().any(|&h| h));
        // a pair that is kept was confirmed once, though many columns propose it
        let asked = asked.into_inner().unwrap();
        assert!(joined.0.iter().all(|&code| asked[&(code as usize / n, code as usize % n)] == 1));
    }

    #[test]
    fn keep_and_live_filter() {
        let keys = [1u64; 5];
        let codes = rule_codes(5, 1, 8, |d, _| keys[d], |d| d != 1, |a, c, _| a + c != 4);
        // document 1 is in no bucket; (0, 4) is not kept
        assert_eq!(decode(&codes, 5), vec![(0, 2), (0, 3), (2, 3), (2, 4), (3, 4)]);
    }

    #[test]
    fn crowded_documents_share_a_big_bucket() {
        // 2 columns: documents 0-3 share column 0; 4 is alone in both; 1 and 4 share column 1.
        let keys = [1u64, 10, 1, 11, 1, 12, 1, 13, 2, 11];
        assert_eq!(crowded(5, 2, 3, |d, c| keys[d * 2 + c], |_| true), vec![true, true, true, true, false]);
        assert_eq!(crowded(5, 2, 4, |d, c| keys[d * 2 + c], |_| true), vec![false; 5]);
    }

    #[test]
    fn grouped_pairs_follow_the_same_rule() {
        // one bucket of 5 in document order, cap 3: the first 3 pair among themselves, then 13, 14 with 10, 11
        let got = grouped_pairs(&[10, 11, 12, 13, 14], &[0, 5], &[0], 3).unwrap();
        let pairs: Vec<(i32, i32)> = got.iter().map(|&(a, c, _)| (a, c)).collect();
        assert_eq!(pairs, vec![(10, 11), (10, 12), (11, 12), (10, 13), (11, 13), (10, 14), (11, 14)]);
        // a second bucket after one stored member (rank 0): listed ranks 1, 2, 3; cap 3
        let got = grouped_pairs(&[1, 2, 3, 7, 8, 9], &[0, 3, 6], &[0, 1], 3).unwrap();
        let second: Vec<(i32, i32)> = got.iter().filter(|p| p.2 == 1).map(|&(a, c, _)| (a, c)).collect();
        // 8 (rank 2) with 7 (rank 1); 9 (rank 3, the bucket full) with ranks 0 and 1: the stored one and 7
        assert_eq!(second, vec![(7, 8), (7, 9)]);
        // a full bucket (cap documents ahead) lists no pairs among its new members
        assert!(grouped_pairs(&[1, 2, 3], &[0, 3], &[3], 3).unwrap().is_empty());
        assert!(grouped_pairs(&[1, 2], &[0, 3], &[0], 2).is_none());
        assert!(grouped_pairs(&[1, 2], &[0, 2], &[], 2).is_none());
    }

    #[test]
    fn batches_after_stored_members_follow_the_rule() {
        // one bucket of 12 seen whole, or as 5 stored (the index keeps the first cap = 5) then 7 listed
        let whole = grouped_pairs(&(0..12).collect::<Vec<i32>>(), &[0, 12], &[0], 5).unwrap();
        let later = grouped_pairs(&(5..12).collect::<Vec<i32>>(), &[0, 7], &[5], 5).unwrap();
        let listed: Vec<(i32, i32)> = whole.iter().filter(|p| p.0 >= 5).map(|&(a, c, _)| (a, c)).collect();
        assert_eq!(later.iter().map(|&(a, c, _)| (a, c)).collect::<Vec<_>>(), listed);
    }
}
