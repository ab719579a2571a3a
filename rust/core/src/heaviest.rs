//! The heaviest edges of each node, for a linkage that needs only a few edges per node.

use rayon::prelude::*;
use std::cmp::Ordering;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

/// Per edge `left[e] -- right[e]` of weight `weights[e]`: whether it is among the `degree`
/// heaviest edges of one of its ends, ties broken by the other end (the lower first).
///
/// Linear in the edges: they are bucketed by end, and each end's `degree` heaviest are
/// selected in place, the ends in parallel on the current rayon pool. Endpoints outside `0..n`
/// are an error; so are differing lengths.
pub fn heaviest_edges(n: usize, left: &[i64], right: &[i64], weights: &[f64], degree: usize) -> Result<Vec<bool>, String> {
    if left.len() != right.len() || left.len() != weights.len() {
        return Err(format!("left, right and weights have lengths {}, {} and {}", left.len(), right.len(), weights.len()));
    }
    let node = |v: i64| -> Result<usize, String> {
        usize::try_from(v).ok().filter(|&u| u < n).ok_or_else(|| format!("edge endpoint {v} is not a node of 0..{n}"))
    };
    let ends: Vec<(usize, usize)> = left.par_iter().zip(right).map(|(&l, &r)| Ok((node(l)?, node(r)?))).collect::<Result<_, String>>()?;
    if degree == 0 {
        return Ok(vec![false; ends.len()]);
    }
    let keep: Vec<AtomicBool> = (0..ends.len()).map(|_| AtomicBool::new(false)).collect();
    // Each node's (other end, edge) entries, bucketed by node, one slice per node.
    let (start, by_node) = crate::components::incidence(n, ends.len(), |e| ends[e]);
    let mut incident: Vec<(usize, usize)> = vec![(0, 0); by_node.len()];
    let mut slices: Vec<(usize, &mut [(usize, usize)])> = Vec::with_capacity(n);
    let mut rest: &mut [(usize, usize)] = &mut incident;
    for x in 0..n {
        let (mine, tail) = std::mem::take(&mut rest).split_at_mut(start[x + 1] - start[x]);
        slices.push((x, mine));
        rest = tail;
    }
    let heavier = |x: &(usize, usize), y: &(usize, usize)| -> Ordering { weights[y.1].total_cmp(&weights[x.1]).then(x.0.cmp(&y.0)) };
    slices.into_par_iter().with_min_len(256).for_each(|(x, mine)| {
        for (slot, &e) in mine.iter_mut().zip(&by_node[start[x]..start[x + 1]]) {
            *slot = (if ends[e].0 == x { ends[e].1 } else { ends[e].0 }, e);
        }
        if mine.len() > degree {
            mine.select_nth_unstable_by(degree - 1, heavier);
        }
        for &(_, e) in &mine[..mine.len().min(degree)] {
            keep[e].store(true, AtomicOrdering::Relaxed);
        }
    });
    Ok(keep.into_iter().map(AtomicBool::into_inner).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_heaviest_of_either_end() {
        // A star around 0 (weights rising with the leaf) and one edge between two leaves.
        let left = [0, 0, 0, 0, 3];
        let right = [1, 2, 3, 4, 4];
        let w = [0.1, 0.2, 0.3, 0.4, 0.05];
        let keep = heaviest_edges(5, &left, &right, &w, 2).unwrap();
        // Node 0 keeps 0-4 and 0-3; 0-1 and 0-2 are the heaviest of leaves 1 and 2; 3-4 is one of 3's two.
        assert_eq!(keep, vec![true, true, true, true, true]);
        let keep = heaviest_edges(5, &left, &right, &w, 1).unwrap();
        assert_eq!(keep, vec![true, true, true, true, false]);
    }

    #[test]
    fn ties_go_to_the_lower_other_end() {
        let keep = heaviest_edges(4, &[0, 0, 0], &[3, 1, 2], &[0.5, 0.5, 0.5], 1).unwrap();
        // 0 keeps 0-1; each leaf keeps its only edge.
        assert_eq!(keep, vec![true, true, true]);
        let keep = heaviest_edges(4, &[0, 0, 0, 1, 1], &[3, 1, 2, 2, 3], &[0.5, 0.5, 0.5, 0.5, 0.5], 1).unwrap();
        // 0: 0-1; 1: 1-0; 2: 2-0; 3: 3-0.
        assert_eq!(keep, vec![true, true, true, false, false]);
    }

    #[test]
    fn the_same_as_sorting_each_ends_edges() {
        // 3,000 random edges among 200 nodes (weights with ties), degrees 1..5
        let n = 200usize;
        let mut x = 12345u64;
        let mut next = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> 33
        };
        let mut pairs: Vec<(i64, i64)> = (0..3000).map(|_| (next() % n as u64, next() % n as u64)).filter(|(a, b)| a != b).map(|(a, b)| (a.min(b) as i64, a.max(b) as i64)).collect();
        pairs.sort();
        pairs.dedup();
        let (left, right): (Vec<i64>, Vec<i64>) = pairs.iter().copied().unzip();
        let w: Vec<f64> = (0..left.len()).map(|_| (next() % 7) as f64 / 7.0).collect();
        for degree in 1..=5 {
            let mut want = vec![false; left.len()];
            for v in 0..n as i64 {
                let mut mine: Vec<(f64, i64, usize)> = (0..left.len()).filter(|&e| left[e] == v || right[e] == v).map(|e| (-w[e], if left[e] == v { right[e] } else { left[e] }, e)).collect();
                mine.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                for &(_, _, e) in mine.iter().take(degree) {
                    want[e] = true;
                }
            }
            assert_eq!(heaviest_edges(n, &left, &right, &w, degree).unwrap(), want, "degree {degree}");
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(heaviest_edges(2, &[0], &[2], &[1.0], 1).is_err());
        assert!(heaviest_edges(2, &[0], &[1], &[], 1).is_err());
        assert_eq!(heaviest_edges(2, &[0], &[1], &[1.0], 0).unwrap(), vec![false]);
    }
}
