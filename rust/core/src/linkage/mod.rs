//! Average linkage over verified pairs, deciding sparse groups by a sample of their pairs
//! (`dedup.cluster.average_linkage`).
//!
//! Clusters `A` and `B` merge, along edges taken in decreasing weight, when matches minus vetoes
//! between them reach `min_fraction * |A| * |B|`. The edges alone decide when they suffice; when
//! they are too few because LSH listed only a sample of them (both ends of the edge shared a
//! bucket too large to list every pair, `crate::buckets`), up to
//! `sample_pairs` pairs between the two clusters are judged -- every pair when there are that
//! few, else a deterministic sample -- and matches minus vetoes must reach the fraction of the
//! judged pairs. Each pair of clusters is sampled again only after one of them grew.
//!
//! Edges may arrive screened but not confirmed: `confirm` is asked for their last verdict lazily,
//! `chunk` edges at a time in merge order and only for edges whose ends are still apart, plus,
//! when a decision hangs on them, the unconfirmed edges between the two clusters. The decisions
//! along the edges are those the confirmed edges alone would give.
//!
//! The clusters and what is known between them are `clusters`; the sample, `sample`.

mod clusters;
mod sample;

use std::collections::HashMap;

use clusters::{Between, State};
use sample::dense_sample;
pub use sample::splitmix;

/// The graph to cluster: `n` nodes, edges `left[e] -- right[e]` of weight `weights[e]`.
pub struct Graph<'a> {
    /// Number of nodes.
    pub n: usize,
    /// First end of each edge.
    pub left: &'a [i64],
    /// Second end of each edge.
    pub right: &'a [i64],
    /// Weight of each edge (larger first).
    pub weights: &'a [f64],
    /// A content-derived key per node: equal weights are taken in order of the ends' keys.
    pub keys: &'a [i64],
    /// Documents each node stands for.
    pub counts: &'a [i64],
    /// Node pairs known to be vetoed.
    pub apart: &'a [(usize, usize)],
    /// Nodes whose edges are a sample of their matches (they shared an LSH bucket too large to
    /// list every pair): only an edge between two of them may call for a sample. Empty: all.
    pub hot: &'a [bool],
}

/// Settings of [`average_linkage`].
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Fraction of matching pairs two clusters need to merge.
    pub min_fraction: f64,
    /// Pairs judged to decide two clusters the edges leave undecided (0: never sample).
    pub sample_pairs: usize,
    /// Edges confirmed at once.
    pub chunk: usize,
}

/// A weight ordered by `f64::total_cmp`.
#[derive(Clone, Copy, PartialEq)]
struct OrdF64(f64);

impl Eq for OrdF64 {}

impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Average linkage of `g` (see the module documentation); only edges between two `hot` nodes
/// call for a sample. `judge(pairs)` gives the verdict of
/// node pairs that are no edge (1 match, -1 vetoed, 0 no match); `confirm(edges)` the last
/// verdict of screened edges (None: every edge is confirmed already). Returns the root of each
/// node and each edge's verdict (1 confirmed, 0 vetoed, -1 never asked).
pub fn average_linkage(
    g: &Graph,
    s: Settings,
    judge: &mut dyn FnMut(&[(usize, usize)]) -> Vec<i8>,
    mut confirm: Option<&mut dyn FnMut(&[usize]) -> Vec<bool>>,
) -> (Vec<i64>, Vec<i8>) {
    let n = g.n;
    let m = g.left.len();
    let end = |k: usize| (g.left[k] as usize, g.right[k] as usize);
    let mut verdict = vec![if confirm.is_some() { -1i8 } else { 1 }; m];
    let mut st = State::new(n, g.counts);
    let w = |a: usize, b: usize| g.counts[a] * g.counts[b];
    for k in 0..m {
        let (a, b) = end(k);
        let d = if confirm.is_some() { Between { pending: w(a, b), ..Default::default() } } else { Between { links: w(a, b), ..Default::default() } };
        st.add(a, b, d);
    }
    for &(a, b) in g.apart {
        if a != b {
            st.add(a, b, Between { bars: w(a, b), ..Default::default() });
        }
    }
    // Known verdicts of node pairs, for the samples.
    let code = |a: usize, b: usize| (a.min(b) * n + a.max(b)) as u64;
    let mut edge_of: Vec<(u64, usize)> = if s.sample_pairs > 0 { (0..m).map(|k| (code(end(k).0, end(k).1), k)).collect() } else { Vec::new() };
    edge_of.sort_unstable();
    let mut apart_codes: Vec<u64> = g.apart.iter().map(|&(a, b)| code(a, b)).collect();
    apart_codes.sort_unstable();
    // Incident edges of each node (to find the unconfirmed edges between two clusters).
    let (start, incident) = crate::components::incidence(n, m, end);
    let settle = |st: &mut State, verdict: &mut [i8], idx: &[usize], confirm: &mut Option<&mut dyn FnMut(&[usize]) -> Vec<bool>>| {
        if idx.is_empty() {
            return;
        }
        let Some(f) = confirm.as_mut() else { return };
        let got = f(idx);
        for (&k, &ok) in idx.iter().zip(&got) {
            verdict[k] = ok as i8;
            let (a, b) = end(k);
            let (ra, rb) = (st.find(a), st.find(b));
            if ra == rb {
                continue;
            }
            let x = w(a, b);
            st.add(ra, rb, Between { pending: -x, links: if ok { x } else { 0 }, bars: if ok { 0 } else { x } });
        }
    };
    let mut sampled: HashMap<(usize, usize), (i64, i64)> = HashMap::new();
    // Decreasing weight, then the ends' keys, then edge order.
    let mut sort_keys: Vec<(std::cmp::Reverse<OrdF64>, i64, i64, usize)> = (0..m)
        .map(|k| {
            let (a, b) = end(k);
            (std::cmp::Reverse(OrdF64(g.weights[k])), g.keys[a].min(g.keys[b]), g.keys[a].max(g.keys[b]), k)
        })
        .collect();
    sort_keys.sort_unstable();
    let order: Vec<usize> = sort_keys.into_iter().map(|t| t.3).collect();
    let chunk = s.chunk.max(1);
    for part in order.chunks(chunk) {
        for (i, &k) in part.iter().enumerate() {
            let (a, b) = end(k);
            let (ra, rb) = (st.find(a), st.find(b));
            if ra == rb {
                continue;
            }
            if verdict[k] == -1 {
                // Confirm this edge and the later ones of the part that would join two clusters if every
                // edge before them joined its ends (the first time at the part's start; again only
                // where a merge so assumed did not happen).
                let todo = joining(&part[i..], &verdict, &mut st, &end);
                settle(&mut st, &mut verdict, &todo, &mut confirm);
            }
            if verdict[k] != 1 {
                continue; // vetoed edges join nothing
            }
            let need = s.min_fraction * (st.size[ra] * st.size[rb]) as f64;
            let mut rec = st.get(ra, rb);
            let score = (rec.links - rec.bars) as f64;
            let p = rec.pending as f64;
            if rec.pending > 0 && score + p >= need && need > score - p {
                // The unconfirmed edges between the two clusters decide: confirm them.
                let (small, other) = if st.members[ra].len() <= st.members[rb].len() { (ra, rb) } else { (rb, ra) };
                let mut todo = Vec::new();
                let xs = st.members[small].clone();
                for x in xs {
                    for &e in &incident[start[x]..start[x + 1]] {
                        if verdict[e] == -1 {
                            let (ea, eb) = end(e);
                            let y = if ea == x { eb } else { ea };
                            if st.find(y) == other {
                                todo.push(e);
                            }
                        }
                    }
                }
                todo.sort_unstable();
                todo.dedup();
                settle(&mut st, &mut verdict, &todo, &mut confirm);
                rec = st.get(ra, rb);
            }
            let score = (rec.links - rec.bars) as f64;
            let mut ok = score + rec.pending as f64 >= need;
            if !ok && s.sample_pairs > 0 && (g.hot.is_empty() || (g.hot[a] && g.hot[b])) {
                ok = dense_sample(&mut st, g, s, ra, rb, a, b, &mut sampled, &edge_of, &apart_codes, &mut verdict, judge, &mut |st, v, idx| settle(st, v, idx, &mut confirm));
            }
            if ok {
                st.merge(ra, rb);
            }
        }
    }
    let roots = (0..n).map(|i| st.find(i) as i64).collect();
    (roots, verdict)
}

/// Groups of at most this many documents have every edge among them confirmed at once: their
/// merges weigh all of them (one veto can decide), while a larger group (a flood of near-copies)
/// needs only the edges that join it.
const SMALL_GROUP: i64 = 16;

/// The unconfirmed edges of `part` (in order) to confirm at once, assuming each edge before them
/// in `part` not vetoed joins its ends: those joining two clusters of `st` not yet joined so, and
/// those inside a group so joined of at most [`SMALL_GROUP`] documents. In a large group the
/// others are confirmed only when a decision hangs on them.
fn joining(part: &[usize], verdict: &[i8], st: &mut State, end: &impl Fn(usize) -> (usize, usize)) -> Vec<usize> {
    // A union-find over the clusters `part` touches: parent and, at a root, the documents it holds.
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut docs: HashMap<usize, i64> = HashMap::new();
    fn root(parent: &HashMap<usize, usize>, mut x: usize) -> usize {
        while let Some(&p) = parent.get(&x) {
            x = p;
        }
        x
    }
    let mut todo = Vec::new();
    for &k in part {
        if verdict[k] == 0 {
            continue; // a vetoed edge joins nothing
        }
        let (a, b) = end(k);
        let (ra, rb) = (st.find(a), st.find(b));
        if ra == rb {
            continue;
        }
        let (ta, tb) = (root(&parent, ra), root(&parent, rb));
        let size = |t: usize, r: usize, docs: &HashMap<usize, i64>| docs.get(&t).copied().unwrap_or(st.size[r]);
        if ta != tb {
            let (sa, sb) = (size(ta, ra, &docs), size(tb, rb, &docs));
            let (big, small) = if sa >= sb { (ta, tb) } else { (tb, ta) }; // by size: shallow trees
            parent.insert(small, big);
            docs.insert(big, sa + sb);
        } else if size(ta, ra, &docs) > SMALL_GROUP {
            continue;
        }
        if verdict[k] == -1 {
            todo.push(k);
        }
    }
    todo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(n: usize, edges: &[(usize, usize)], weights: &[f64], apart: &[(usize, usize)], f: f64, judge: &mut dyn FnMut(&[(usize, usize)]) -> Vec<i8>, sample: usize) -> Vec<i64> {
        let left: Vec<i64> = edges.iter().map(|e| e.0 as i64).collect();
        let right: Vec<i64> = edges.iter().map(|e| e.1 as i64).collect();
        let keys: Vec<i64> = (0..n as i64).collect();
        let counts = vec![1i64; n];
        let g = Graph { n, left: &left, right: &right, weights, keys: &keys, counts: &counts, apart, hot: &[] };
        average_linkage(&g, Settings { min_fraction: f, sample_pairs: sample, chunk: 4 }, judge, None).0
    }

    #[test]
    fn one_bridge_does_not_chain_two_triangles() {
        let edges = [(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5), (2, 3)];
        let w = [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5];
        // The judge says every other pair is no match: the bridge stays a bridge.
        let r = run(6, &edges, &w, &[], 0.5, &mut |p| vec![0; p.len()], 16);
        assert!(r[0] == r[1] && r[1] == r[2] && r[3] == r[4] && r[4] == r[5] && r[0] != r[3]);
    }

    #[test]
    fn a_star_of_near_copies_is_one_cluster_when_sampled() {
        // 100 nodes, only a star of edges: every pair matches, as the judge says.
        let n = 100;
        let edges: Vec<(usize, usize)> = (1..n).map(|i| (0, i)).collect();
        let w = vec![0.6; n - 1];
        let mut calls = 0;
        let r = run(n, &edges, &w, &[], 0.5, &mut |p| {
            calls += 1;
            vec![1; p.len()]
        }, 16);
        assert!(r.iter().all(|&x| x == r[0]));
        // Without sampling the star is split.
        let r = run(n, &edges, &w, &[], 0.5, &mut |p| vec![1; p.len()], 0);
        assert!(r.iter().any(|&x| x != r[0]));
        assert!(calls < n);
    }

    #[test]
    fn a_veto_keeps_a_chain_apart() {
        let r = run(3, &[(0, 2), (1, 2)], &[0.9, 0.8], &[(0, 1)], 0.5, &mut |p| vec![1; p.len()], 16);
        assert!(r[0] != r[1] && r[2] == r[0]);
    }

    #[test]
    fn a_large_group_confirms_the_edges_that_join_it() {
        // 60 near-copies, each with edges to the three before it, every pair a match: one cluster,
        // decided by samples, without confirming every edge (a small group would confirm all).
        let n = 60usize;
        let edges: Vec<(usize, usize)> = (1..n).flat_map(|i: usize| (i.saturating_sub(3)..i).map(move |a| (a, i))).collect();
        let w = vec![0.7; edges.len()];
        let left: Vec<i64> = edges.iter().map(|e| e.0 as i64).collect();
        let right: Vec<i64> = edges.iter().map(|e| e.1 as i64).collect();
        let keys: Vec<i64> = (0..n as i64).collect();
        let counts = vec![1i64; n];
        let g = Graph { n, left: &left, right: &right, weights: &w, keys: &keys, counts: &counts, apart: &[], hot: &[] };
        let s = Settings { min_fraction: 0.5, sample_pairs: 16, chunk: 1 << 16 };
        let mut asked = 0usize;
        let mut confirm = |idx: &[usize]| {
            asked += idx.len();
            vec![true; idx.len()]
        };
        let (roots, _) = average_linkage(&g, s, &mut |p| vec![1; p.len()], Some(&mut confirm));
        assert!(roots.iter().all(|&r| r == roots[0]));
        assert!(asked < edges.len(), "confirmed {asked} of {} edges", edges.len());
    }

    #[test]
    fn lazy_confirmation_gives_the_confirmed_decisions() {
        // Random graphs: confirming lazily decides as the confirmed edges alone (vetoes apart).
        let mut seed = 7u64;
        for _ in 0..200 {
            let n = 12;
            let mut edges = Vec::new();
            let mut w = Vec::new();
            let mut veto = Vec::new();
            for a in 0..n {
                for b in a + 1..n {
                    seed = splitmix(seed);
                    if seed % 3 == 0 {
                        edges.push((a, b));
                        w.push(((seed >> 8) % 5) as f64 / 5.0);
                        veto.push((seed >> 20) % 4 == 0);
                    }
                }
            }
            let left: Vec<i64> = edges.iter().map(|e| e.0 as i64).collect();
            let right: Vec<i64> = edges.iter().map(|e| e.1 as i64).collect();
            let keys: Vec<i64> = (0..n as i64).collect();
            let counts = vec![1i64; n];
            let g = Graph { n, left: &left, right: &right, weights: &w, keys: &keys, counts: &counts, apart: &[], hot: &[] };
            let s = Settings { min_fraction: 0.5, sample_pairs: 0, chunk: 3 };
            let mut confirm = |idx: &[usize]| idx.iter().map(|&k| !veto[k]).collect();
            let (lazy, v) = average_linkage(&g, s, &mut |p| vec![0; p.len()], Some(&mut confirm));
            let keep: Vec<usize> = (0..edges.len()).filter(|&k| !veto[k]).collect();
            let l2: Vec<i64> = keep.iter().map(|&k| left[k]).collect();
            let r2: Vec<i64> = keep.iter().map(|&k| right[k]).collect();
            let w2: Vec<f64> = keep.iter().map(|&k| w[k]).collect();
            let apart: Vec<(usize, usize)> = (0..edges.len()).filter(|&k| veto[k]).map(|k| edges[k]).collect();
            let g2 = Graph { n, left: &l2, right: &r2, weights: &w2, keys: &keys, counts: &counts, apart: &apart, hot: &[] };
            let (eager, _) = average_linkage(&g2, s, &mut |p| vec![0; p.len()], None);
            let same = |r: &[i64], x: usize, y: usize| r[x] == r[y];
            for x in 0..n {
                for y in 0..n {
                    assert_eq!(same(&lazy, x, y), same(&eager, x, y));
                }
            }
            assert!(v.iter().zip(&veto).all(|(&got, &vetoed)| got == -1 || (got == 0) == vetoed));
        }
    }
}
