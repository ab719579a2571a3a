//! The heaviest edges of each node, for a linkage that needs only a few edges per node.

use std::cmp::Ordering;

/// Per edge `left[e] -- right[e]` of weight `weights[e]`: whether it is among the `degree`
/// heaviest edges of one of its ends, ties broken by the other end (the lower first).
///
/// Linear in the edges: they are bucketed by end, and each end's `degree` heaviest are
/// selected in place. Endpoints outside `0..n` are an error; so are differing lengths.
pub fn heaviest_edges(n: usize, left: &[i64], right: &[i64], weights: &[f64], degree: usize) -> Result<Vec<bool>, String> {
    if left.len() != right.len() || left.len() != weights.len() {
        return Err(format!("left, right and weights have lengths {}, {} and {}", left.len(), right.len(), weights.len()));
    }
    let node = |v: i64| -> Result<usize, String> {
        usize::try_from(v).ok().filter(|&u| u < n).ok_or_else(|| format!("edge endpoint {v} is not a node of 0..{n}"))
    };
    let ends: Vec<(usize, usize)> = left.iter().zip(right).map(|(&l, &r)| Ok((node(l)?, node(r)?))).collect::<Result<_, String>>()?;
    // Each node's (other end, edge) entries, bucketed by node.
    let (start, by_node) = crate::components::incidence(n, ends.len(), |e| ends[e]);
    let mut incident: Vec<(usize, usize)> = (0..n)
        .flat_map(|x| by_node[start[x]..start[x + 1]].iter().map(move |&e| (x, e)))
        .map(|(x, e)| (if ends[e].0 == x { ends[e].1 } else { ends[e].0 }, e))
        .collect();
    let heavier = |x: &(usize, usize), y: &(usize, usize)| -> Ordering { weights[y.1].total_cmp(&weights[x.1]).then(x.0.cmp(&y.0)) };
    let mut keep = vec![false; ends.len()];
    for i in 0..n {
        let mine = &mut incident[start[i]..start[i + 1]];
        if mine.len() > degree {
            if degree == 0 {
                continue;
            }
            mine.select_nth_unstable_by(degree - 1, heavier);
        }
        for &(_, e) in &mine[..mine.len().min(degree)] {
            keep[e] = true;
        }
    }
    Ok(keep)
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
    fn bad_input_is_an_error() {
        assert!(heaviest_edges(2, &[0], &[2], &[1.0], 1).is_err());
        assert!(heaviest_edges(2, &[0], &[1], &[], 1).is_err());
        assert_eq!(heaviest_edges(2, &[0], &[1], &[1.0], 0).unwrap(), vec![false]);
    }
}
