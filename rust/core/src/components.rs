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

/// The indices of the pairs `left[m] -- right[m]` (ids of any size) grouped by the connected
/// component of the graph they make: the components in the order of their first pair, the pairs
/// of each in order. A batch of pairs cut into rounds along this order brings each text's pairs
/// into as few rounds as the component sizes allow (a text is read and prepared once per round).
pub fn pair_order_by_component(left: &[usize], right: &[usize]) -> Vec<usize> {
    let mut id: std::collections::HashMap<usize, i64> = std::collections::HashMap::with_capacity(2 * left.len());
    let mut compact = |x: usize| {
        let next = id.len() as i64;
        *id.entry(x).or_insert(next)
    };
    let (l, r): (Vec<i64>, Vec<i64>) = left.iter().zip(right).map(|(&a, &b)| (compact(a), compact(b))).unzip();
    let root = components(id.len(), &l, &r).unwrap_or_else(|_| (0..id.len() as i64).collect());
    let component = |m: usize| root[l[m] as usize] as usize;
    let mut first = vec![usize::MAX; id.len()];
    for m in 0..l.len() {
        first[component(m)] = first[component(m)].min(m);
    }
    let mut order: Vec<usize> = (0..l.len()).collect();
    order.sort_by_key(|&m| (first[component(m)], m));
    order
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
    fn pairs_come_grouped_by_component() {
        // texts 100, 7, 55 joined through pairs 0 and 2; 9 -- 8 apart; 3 -- 4 apart.
        let left = [100, 9, 7, 3, 8];
        let right = [7, 8, 55, 4, 9];
        assert_eq!(pair_order_by_component(&left, &right), vec![0, 2, 1, 4, 3]);
        assert!(pair_order_by_component(&[], &[]).is_empty());
    }

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
