//! The sample that decides two clusters the edges leave undecided: every pair between them when
//! there are few, else a deterministic sample drawn with `splitmix64`, the known verdicts read
//! from the edges and vetoes and the rest asked of the judge.

use std::collections::HashMap;

use super::clusters::State;
use super::{Graph, Settings};

/// `splitmix64`: the sample positions.
pub fn splitmix(x: u64) -> u64 {
    let mut x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Whether matches minus vetoes reach `min_fraction` of a sample of the pairs between clusters
/// `ra` and `rb` (all pairs when there are at most `sample_pairs`), the edge `a -- b` being the
/// one that brought them together.
#[allow(clippy::too_many_arguments)]
pub(super) fn dense_sample(
    st: &mut State,
    g: &Graph,
    s: Settings,
    ra: usize,
    rb: usize,
    a: usize,
    b: usize,
    sampled: &mut HashMap<(usize, usize), (i64, i64)>,
    edge_of: &[(u64, usize)],
    apart_codes: &[u64],
    verdict: &mut [i8],
    judge: &mut dyn FnMut(&[(usize, usize)]) -> Vec<i8>,
    settle: &mut dyn FnMut(&mut State, &mut [i8], &[usize]),
) -> bool {
    let state = (st.size[ra], st.size[rb]);
    let tag = (ra.min(rb), ra.max(rb));
    if sampled.get(&tag) == Some(&state) {
        return false;
    }
    sampled.insert(tag, state);
    let (ma, mb) = (&st.members[ra], &st.members[rb]);
    let pairs: Vec<(usize, usize)> = if ma.len() * mb.len() <= s.sample_pairs {
        ma.iter().flat_map(|&x| mb.iter().map(move |&y| (x, y))).collect()
    } else {
        let seed = splitmix(((g.keys[a] as u64) << 1) ^ (g.keys[b] as u64) ^ ((ma.len() as u64) << 40) ^ mb.len() as u64);
        (0..s.sample_pairs as u64)
            .map(|t| {
                let h = splitmix(seed.wrapping_add(t));
                (ma[(h % ma.len() as u64) as usize], mb[((h >> 32) % mb.len() as u64) as usize])
            })
            .collect()
    };
    let n = g.n;
    let code = |x: usize, y: usize| (x.min(y) * n + x.max(y)) as u64;
    let known: Vec<Option<usize>> = pairs
        .iter()
        .map(|&(x, y)| {
            let c = code(x, y);
            let at = edge_of.partition_point(|e| e.0 < c);
            edge_of.get(at).filter(|e| e.0 == c).map(|e| e.1)
        })
        .collect();
    let unconfirmed: Vec<usize> = known.iter().flatten().copied().filter(|&k| verdict[k] == -1).collect();
    settle(st, verdict, &unconfirmed);
    let mut v = vec![0i8; pairs.len()];
    let mut ask = Vec::new();
    let mut ask_at = Vec::new();
    for (t, (&(x, y), e)) in pairs.iter().zip(&known).enumerate() {
        match e {
            Some(k) => v[t] = if verdict[*k] == 1 { 1 } else { -1 },
            None if apart_codes.binary_search(&code(x, y)).is_ok() => v[t] = -1,
            None => {
                ask.push((x, y));
                ask_at.push(t);
            }
        }
    }
    if !ask.is_empty() {
        for (t, got) in ask_at.into_iter().zip(judge(&ask)) {
            v[t] = got;
        }
    }
    let (mut got, mut total) = (0i64, 0i64);
    for (&(x, y), &vv) in pairs.iter().zip(&v) {
        let wt = g.counts[x] * g.counts[y];
        got += wt * vv as i64;
        total += wt;
    }
    got as f64 >= s.min_fraction * total as f64
}
