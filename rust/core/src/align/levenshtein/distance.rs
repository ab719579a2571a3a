//! The Levenshtein distance itself, of short sequences within a bound: the plain dynamic
//! program, a row at a time. The alignment ([`opcodes`](super::opcodes)) does not use it;
//! [`classify`](crate::align::classify) asks it whether the digits of two figures are close.

/// The Levenshtein distance of two short sequences (a row of the dynamic program at a time), or
/// `None` once it exceeds `max`.
pub fn distance_within(a: &[u32], b: &[u32], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        let mut best = row[0];
        for (j, &cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != cb)).min(up + 1).min(row[j] + 1);
            diag = up;
            best = best.min(row[j + 1]);
        }
        if best > max {
            return None;
        }
    }
    (row[b.len()] <= max).then_some(row[b.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_within_a_bound() {
        let cps = |s: &str| s.chars().map(u32::from).collect::<Vec<u32>>();
        assert_eq!(distance_within(&cps("1755"), &cps("1718"), 4), Some(2));
        assert_eq!(distance_within(&cps("1755"), &cps("1718"), 1), None);
        assert_eq!(distance_within(&cps(""), &cps("12"), 2), Some(2));
        assert_eq!(distance_within(&cps("12345"), &cps("1"), 3), None);
        assert_eq!(distance_within(&cps("kitten"), &cps("sitting"), 3), Some(3));
    }
}
