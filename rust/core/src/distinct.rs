//! The distinct values of a slice of 64-bit hashes, in first-seen order.
//!
//! A document's shingle hashes repeat (a phrase used twice, a repeated line); MinHash needs
//! each value once and the shingle count is the number of distinct values. Sorting a copy
//! costs `O(n log n)`; an open-addressing table (linear probing, at most a quarter full so a
//! probe rarely reads past its first slot, indexed by Fibonacci hashing of the value so
//! structured hashes spread too) costs `O(n)` and stays in cache for news-sized documents.

/// Reusable scratch memory for [`distinct_into`].
#[derive(Default)]
pub struct Scratch {
    table: Vec<u64>,
}

/// The slot marker of an empty table entry; the value itself is tracked apart.
const FREE: u64 = u64::MAX;

/// Write the distinct values of `hashes` into `out` (cleared first), in order of first
/// appearance.
pub fn distinct_into(hashes: &[u64], scratch: &mut Scratch, out: &mut Vec<u64>) {
    out.clear();
    if hashes.is_empty() {
        return;
    }
    let bits = (4 * hashes.len()).next_power_of_two().trailing_zeros().max(4);
    let mask = (1usize << bits) - 1;
    let table = &mut scratch.table;
    table.clear();
    table.resize(1 << bits, FREE);
    let mut seen_free = false;
    for &h in hashes {
        if h == FREE {
            if !seen_free {
                seen_free = true;
                out.push(h);
            }
            continue;
        }
        let mut at = (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize;
        loop {
            let slot = table[at];
            if slot == h {
                break;
            }
            if slot == FREE {
                table[at] = h;
                out.push(h);
                break;
            }
            at = (at + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_sorting(hashes: &[u64]) -> Vec<u64> {
        let mut v = hashes.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn the_same_values_as_sorting_in_first_seen_order() {
        let mut s = Scratch::default();
        let mut out = Vec::new();
        distinct_into(&[], &mut s, &mut out);
        assert!(out.is_empty());
        distinct_into(&[7, 0, 5, 5, 0, 7, u64::MAX, u64::MAX, 3], &mut s, &mut out);
        assert_eq!(out, vec![7, 0, 5, u64::MAX, 3]);
        // Many values, structured (multiples of a power of two collide in low bits), reused scratch.
        for n in [1usize, 2, 15, 16, 17, 1000, 5000] {
            let hashes: Vec<u64> = (0..n as u64).map(|i| (i % 997) << 40).chain((0..n as u64).map(|i| i * 3)).collect();
            distinct_into(&hashes, &mut s, &mut out);
            let mut sorted = out.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, by_sorting(&hashes));
            assert_eq!(out.len(), by_sorting(&hashes).len());
        }
    }
}
