//! A column's bucket members: each document with its key, sorted so that a bucket is a run of
//! equal keys in document order.

/// One column's members `(key, document)`, sorted: each bucket a run of equal keys, in document order.
pub(super) fn column_members(n: usize, key: impl Fn(usize) -> u64, live: &impl Fn(usize) -> bool) -> Vec<(u64, usize)> {
    let members: Vec<(u64, usize)> = (0..n).filter(|&d| live(d)).map(|d| (key(d), d)).collect();
    sort_members(members)
}

/// `members` (in document order) sorted by key, then document: first distributed by the keys' top
/// bits into groups of about eight, in order (a counting sort, so the documents of a group stay in
/// order), then each group sorted. The keys are hashes, so the groups are small, and this takes
/// about half the time of sorting the whole list.
fn sort_members(mut members: Vec<(u64, usize)>) -> Vec<(u64, usize)> {
    let n = members.len();
    if n < 1024 {
        members.sort_unstable();
        return members;
    }
    let bits = (n / 8).next_power_of_two().trailing_zeros().clamp(4, 16);
    let group = |k: u64| (k >> (64 - bits)) as usize;
    let mut next = vec![0usize; (1 << bits) + 1];
    for &(k, _) in &members {
        next[group(k) + 1] += 1;
    }
    for g in 1..next.len() {
        next[g] += next[g - 1];
    }
    let starts = next.clone();
    let mut out = vec![(0u64, 0usize); n];
    for &m in &members {
        let g = group(m.0);
        out[next[g]] = m;
        next[g] += 1;
    }
    for w in starts.windows(2) {
        out[w[0]..w[1]].sort_unstable();
    }
    out
}

/// The buckets of [`column_members`]: the ranges of its runs of equal keys.
pub(super) fn runs(members: &[(u64, usize)]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut s = 0;
    std::iter::from_fn(move || {
        if s >= members.len() {
            return None;
        }
        let e = s + members[s..].iter().take_while(|m| m.0 == members[s].0).count();
        let run = s..e;
        s = e;
        Some(run)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_sort_as_a_plain_sort_does() {
        // hashed keys with repeats, one key for all, keys differing only in their top or low bits
        let n = 5_000usize;
        let shapes: [fn(usize) -> u64; 4] = [
            |d| ((d % 1_700) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            |_| 42,
            |d| ((d % 7) as u64) << 61,
            |d| (d % 13) as u64,
        ];
        for shape in shapes {
            for len in [0, 1, 1_023, 1_024, n] {
                let members: Vec<(u64, usize)> = (0..len).map(|d| (shape(d), d)).collect();
                let mut want = members.clone();
                want.sort_unstable();
                assert_eq!(sort_members(members), want, "len {len}");
            }
        }
    }
}
