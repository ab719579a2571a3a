//! Sorted runs of `(band key, document)` entries and a directory over the keys' top bits.
//!
//! Band keys are hashes (`i64`), so the top `bits` bits of `key XOR sign bit` (signed order
//! made unsigned order) spread them evenly: a directory slot covers `n / 2^bits` keys.

const SIGN: u64 = 1 << 63;

#[inline(always)]
fn prefix(key: i64, shift: u32) -> usize {
    ((key as u64 ^ SIGN) >> shift) as usize
}

/// Bits of a directory over `n` keys: 4-8 keys per slot.
pub fn directory_bits(n: usize) -> u32 {
    let q = n / 8;
    let len = usize::BITS - q.leading_zeros();
    len.clamp(1, 40)
}

/// `out[p]` = first position of sorted `keys` whose top `bits` bits are `>= p`, for `p` in `0..=2^bits`.
pub fn key_directory(keys: &[i64], bits: u32) -> Vec<i64> {
    let m = 1usize << bits;
    let shift = 64 - bits;
    let mut out = Vec::with_capacity(m + 1);
    for (j, &k) in keys.iter().enumerate() {
        let q = prefix(k, shift);
        while out.len() <= q {
            out.push(j as i64);
        }
    }
    out.resize(m + 1, keys.len() as i64);
    out
}

/// For each query: where its equal keys start in sorted `keys` (`lo`) and how many there are (`cnt`).
///
/// `directory` comes from [`key_directory`] with the same `bits`; positions it holds are read
/// with bounds checks, so a directory that does not fit `keys` gives empty ranges, never a panic.
pub fn find_keys(keys: &[i64], directory: &[i64], bits: u32, queries: &[i64], lo: &mut [i64], cnt: &mut [i64]) {
    let shift = 64 - bits;
    let n = keys.len();
    let at = |p: usize| directory.get(p).map_or(n, |&v| (v.max(0) as usize).min(n));
    for ((&x, l), c) in queries.iter().zip(lo.iter_mut()).zip(cnt.iter_mut()) {
        let p = prefix(x, shift);
        let end = at(p + 1);
        let mut a = at(p).min(end);
        let mut b = end;
        while b - a > 8 {
            let mid = (a + b) >> 1;
            if keys[mid] < x {
                a = mid + 1;
            } else {
                b = mid;
            }
        }
        while a < end && keys[a] < x {
            a += 1;
        }
        let mut e = a;
        while e < end && keys[e] == x {
            e += 1;
        }
        *l = a as i64;
        *c = (e - a) as i64;
    }
}

/// Merge sorted `add_*` into sorted `keys[..n]`/`docs[..n]` in place, from the back; the arrays
/// must have room for `n + add_keys.len()` entries. Equal keys: the existing entries first.
pub fn merge_into(keys: &mut [i64], docs: &mut [u32], n: usize, add_keys: &[i64], add_docs: &[u32]) {
    let mut i = n;
    let mut j = add_keys.len();
    let mut w = n + add_keys.len();
    while j > 0 {
        w -= 1;
        if i > 0 && keys[i - 1] > add_keys[j - 1] {
            keys[w] = keys[i - 1];
            docs[w] = docs[i - 1];
            i -= 1;
        } else {
            keys[w] = add_keys[j - 1];
            docs[w] = add_docs[j - 1];
            j -= 1;
        }
    }
}

/// Keep, in place and in order, the entries of `keys[..n]`/`docs[..n]` whose doc is not in sorted
/// `dead`; returns how many are kept.
pub fn drop_rows(keys: &mut [i64], docs: &mut [u32], n: usize, dead: &[i64]) -> usize {
    let mut w = 0;
    for i in 0..n {
        if dead.binary_search(&(docs[i] as i64)).is_ok() {
            continue;
        }
        keys[w] = keys[i];
        docs[w] = docs[i];
        w += 1;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_finds_every_key() {
        let mut keys: Vec<i64> = (0..1000).map(|i: i64| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15u64 as i64)) ^ (i << 7)).collect();
        keys.push(keys[3]);
        keys.sort();
        let bits = directory_bits(keys.len());
        let dir = key_directory(&keys, bits);
        assert_eq!(dir.len(), (1 << bits) + 1);
        let queries = [keys[10], keys[500], 12345];
        let (mut lo, mut cnt) = ([0i64; 3], [0i64; 3]);
        find_keys(&keys, &dir, bits, &queries, &mut lo, &mut cnt);
        for q in 0..3 {
            let want = keys.iter().filter(|&&k| k == queries[q]).count() as i64;
            assert_eq!(cnt[q], want);
            if want > 0 {
                assert_eq!(keys[lo[q] as usize], queries[q]);
            }
        }
        find_keys(&keys, &dir[..3], bits, &queries, &mut lo, &mut cnt); // a short directory: no panic
    }

    #[test]
    fn merge_and_drop() {
        let mut keys = vec![1, 5, 9, 0, 0];
        let mut docs = vec![10, 50, 90, 0, 0];
        merge_into(&mut keys, &mut docs, 3, &[5, 10], &[51, 100]);
        assert_eq!(keys, vec![1, 5, 5, 9, 10]);
        assert_eq!(docs, vec![10, 50, 51, 90, 100]);
        let kept = drop_rows(&mut keys, &mut docs, 5, &[50, 90]);
        assert_eq!(kept, 3);
        assert_eq!(&docs[..3], &[10, 51, 100]);
    }

    #[test]
    fn bits_grow_with_size() {
        assert_eq!(directory_bits(0), 1);
        assert_eq!(directory_bits(8), 1);
        assert_eq!(directory_bits(1 << 20), 18);
    }
}
