//! The screen of one pair from its signatures and figures (`dedup.verify.Verifier.screen`):
//! a similarity threshold met, and the figures not disagreeing.

use crate::numbers;
use crate::pairs::Thresholds;

/// The number rule of the screen (`dedup.numbers.disagree`).
#[derive(Clone, Copy, Debug)]
pub struct NumberRule {
    /// Fraction of the numbers of the text stating fewer the other must state (0: off).
    pub min_agreement: f64,
    /// Numbers each text must state (and be compared) for the rule to apply.
    pub min_numbers: u64,
    /// Estimated Jaccard at or above which the figures are not looked at.
    pub max_jaccard: f64,
}

/// Screens pairs of rows of one set of signatures, shingle-set sizes and number sketches.
pub struct Screen<'a> {
    /// Signatures, `k` values per row.
    pub sigs: &'a [u32],
    /// Signature length.
    pub k: usize,
    /// Shingle-set size of each row.
    pub sizes: &'a [i64],
    /// Number sketches, `width` values per row (`numbers::sketch_into` rows).
    pub nums: &'a [u32],
    /// Width of a sketch row.
    pub width: usize,
    /// The similarity thresholds.
    pub thresholds: Thresholds,
    /// The number rule.
    pub numbers: NumberRule,
}

impl Screen<'_> {
    /// 1 when rows `a` and `b` pass, -1 when they meet a threshold but their figures disagree,
    /// 0 when they meet no threshold -- the float operations of `dedup.verify.estimates`.
    pub fn verdict(&self, a: usize, b: usize) -> i8 {
        let k = self.k;
        let agree = self.sigs[a * k..(a + 1) * k].iter().zip(&self.sigs[b * k..(b + 1) * k]).filter(|(x, y)| x == y).count();
        let (sa, sb) = (self.sizes[a], self.sizes[b]);
        if !self.thresholds.pass(agree as i64, k, sa, sb) {
            return 0;
        }
        let jac = if sa.min(sb) > 0 { agree as f64 / k as f64 } else { 0.0 };
        let rule = self.numbers;
        if rule.min_agreement > 0.0 && jac < rule.max_jaccard && self.width >= 2 {
            let (ra, rb) = (&self.nums[a * self.width..(a + 1) * self.width], &self.nums[b * self.width..(b + 1) * self.width]);
            if (ra[0].min(rb[0]) as u64) >= rule.min_numbers {
                let (shared, seen) = numbers::agreement(ra, rb);
                if seen >= rule.min_numbers && (shared as f64) < rule.min_agreement * seen as f64 {
                    return -1;
                }
            }
        }
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_then_figures() {
        // Rows 0 and 1 agree everywhere; rows 0 and 2 nowhere.
        let sigs = [1u32, 2, 3, 4, 1, 2, 3, 4, 9, 9, 9, 9];
        let sizes = [10i64, 10, 10];
        let mut nums = vec![0u32; 3 * 9];
        let mut found = Vec::new();
        for (r, t) in ["1 2 3 4", "5 6 7 8", "1 2 3 4"].iter().enumerate() {
            let cps: Vec<u32> = t.chars().map(|c| c as u32).collect();
            numbers::sketch_into(&cps, &mut nums[r * 9..(r + 1) * 9], &mut found);
        }
        let rule = NumberRule { min_agreement: 0.5, min_numbers: 4, max_jaccard: 0.6 };
        let s = Screen { sigs: &sigs, k: 4, sizes: &sizes, nums: &nums, width: 9, thresholds: Thresholds { jaccard: 0.4, containment: 0.8 }, numbers: rule };
        assert_eq!(s.verdict(0, 2), 0);
        assert_eq!(s.verdict(0, 1), 1); // J = 1: the figures are not looked at
        let sigs2 = [1u32, 2, 3, 4, 1, 2, 7, 8];
        let s2 = Screen { sigs: &sigs2, k: 4, sizes: &sizes[..2], nums: &nums[..18], width: 9, thresholds: Thresholds { jaccard: 0.4, containment: 0.8 }, numbers: rule };
        assert_eq!(s2.verdict(0, 1), -1); // J = 0.5, other figures
    }
}
