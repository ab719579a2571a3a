//! The clusters as the linkage grows them: a union-find over the nodes, each cluster with its
//! members and, per neighbouring cluster, what is known of the pairs between them (confirmed,
//! pending, vetoed), moved to the merged cluster when two merge.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiplicative hasher for node numbers (the maps here are keyed by small integers chosen
/// by no adversary; SipHash cost more than the linkage itself).
#[derive(Default, Clone, Copy)]
struct NodeHasher(u64);

impl Hasher for NodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7CC1_B727_220A_95);
        }
    }
    fn write_usize(&mut self, i: usize) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 ^= self.0 >> 32;
    }
}

type Map<K, V> = HashMap<K, V, BuildHasherDefault<NodeHasher>>;

/// What is known of the pairs between two clusters, in documents (a node may stand for
/// several identical documents, so an edge weighs the product of their counts).
#[derive(Clone, Copy, Default, Debug)]
pub(super) struct Between {
    /// Confirmed matching pairs.
    pub(super) links: i64,
    /// Screened edges not confirmed yet.
    pub(super) pending: i64,
    /// Vetoed pairs.
    pub(super) bars: i64,
}

impl Between {
    fn is_empty(&self) -> bool {
        self.links == 0 && self.pending == 0 && self.bars == 0
    }
}

/// The clusters: each node's parent (a root is its own), and per root its size in documents,
/// what is known between it and each neighbouring root, and its nodes.
pub(super) struct State {
    parent: Vec<usize>,
    pub(super) size: Vec<i64>,
    between: Vec<Map<usize, Between>>,
    pub(super) members: Vec<Vec<usize>>,
}

impl State {
    /// `n` clusters of one node each, node `i` standing for `counts[i]` documents; nothing known between them.
    pub(super) fn new(n: usize, counts: &[i64]) -> State {
        State { parent: (0..n).collect(), size: counts.to_vec(), between: vec![Map::default(); n], members: (0..n).map(|i| vec![i]).collect() }
    }

    /// The root of `x`'s cluster (halving the path on the way).
    pub(super) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// What is known between clusters `a` and `b` (roots).
    pub(super) fn get(&self, a: usize, b: usize) -> Between {
        self.between[a].get(&b).copied().unwrap_or_default()
    }

    /// Add `d` to the record between clusters `a` and `b` (both sides), dropping it when empty.
    pub(super) fn add(&mut self, a: usize, b: usize, d: Between) {
        for (x, y) in [(a, b), (b, a)] {
            let e = self.between[x].entry(y).or_default();
            e.links += d.links;
            e.pending += d.pending;
            e.bars += d.bars;
            if e.is_empty() {
                self.between[x].remove(&y);
            }
        }
    }

    /// Merge cluster `ra` into `rb` (or the reverse, the one with fewer neighbours into the other).
    pub(super) fn merge(&mut self, mut ra: usize, mut rb: usize) {
        if self.between[ra].len() > self.between[rb].len() {
            std::mem::swap(&mut ra, &mut rb);
        }
        let moved = std::mem::take(&mut self.between[ra]);
        for (c, d) in moved {
            if c == rb {
                continue;
            }
            self.between[c].remove(&ra);
            self.add(rb, c, d);
        }
        self.between[rb].remove(&ra);
        self.parent[ra] = rb;
        self.size[rb] += self.size[ra];
        let m = std::mem::take(&mut self.members[ra]);
        self.members[rb].extend(m);
    }
}
