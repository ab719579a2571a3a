//! Connected components by union-find (union by rank, path halving).

/// The component root of each of `n` nodes given the edges `left[e] -- right[e]`.
///
/// Roots are the ones union by rank picks processing edges in order, so the labelling is
/// deterministic. Endpoints outside `0..n` are an error.
pub fn components(n: usize, left: &[i64], right: &[i64]) -> Result<Vec<i64>, String> {
    let mut parent: Vec<usize> = (0..n).collect();
    let mut rank = vec![0u32; n];
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let node = |v: i64| -> Result<usize, String> {
        usize::try_from(v).ok().filter(|&u| u < n).ok_or_else(|| format!("edge endpoint {v} is not a node of 0..{n}"))
    };
    for (&l, &r) in left.iter().zip(right) {
        let mut a = find(&mut parent, node(l)?);
        let mut b = find(&mut parent, node(r)?);
        if a == b {
            continue;
        }
        if rank[a] < rank[b] {
            std::mem::swap(&mut a, &mut b);
        }
        parent[b] = a;
        if rank[a] == rank[b] {
            rank[a] += 1;
        }
    }
    Ok((0..n).map(|i| find(&mut parent, i) as i64).collect())
}

/// The edges incident to each of `n` nodes, as compressed rows: the edges at node `x` are
/// `incident[start[x]..start[x + 1]]`, in edge order; `end(k)` gives edge `k`'s two ends (of `m` edges).
pub fn incidence(n: usize, m: usize, end: impl Fn(usize) -> (usize, usize)) -> (Vec<usize>, Vec<usize>) {
    let mut start = vec![0usize; n + 1];
    for k in 0..m {
        let (a, b) = end(k);
        start[a + 1] += 1;
        start[b + 1] += 1;
    }
    for x in 0..n {
        start[x + 1] += start[x];
    }
    let mut fill = start.clone();
    let mut incident = vec![0usize; 2 * m];
    for k in 0..m {
        let (a, b) = end(k);
        incident[fill[a]] = k;
        fill[a] += 1;
        incident[fill[b]] = k;
        fill[b] += 1;
    }
    (start, incident)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_roots() {
        let roots = components(5, &[0, 3], &[1, 4]).unwrap();
        assert_eq!(roots[0], roots[1]);
        assert_eq!(roots[3], roots[4]);
        assert_ne!(roots[0], roots[3]);
        assert_eq!(roots[2], 2);
        assert!(components(2, &[0], &[2]).is_err());
        assert!(components(2, &[-1], &[0]).is_err());
    }
}
