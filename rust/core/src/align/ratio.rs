//! Python's `int / int` (true division) on non-negative integers of any size: the quotient
//! correctly rounded to a float (CPython's `long_true_divide`: both below 2**53 they are
//! divided as floats; otherwise the quotient is formed with 2 or 3 extra bits and a sticky
//! bit and rounded half to even), or None where Python raises `OverflowError`.
//! `true_divide(x, 1)` is `float(x)`.
//!
//! Only fractions in figures (`6-1/2`) come here; the integers are small but for the rare
//! token of many digits, so the arithmetic is the plainest that is exact.

use std::cmp::Ordering;

/// A non-negative integer: little-endian 32-bit limbs, no high zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Big(Vec<u32>);

const DBL_MANT_DIG: i64 = 53;
const DBL_MAX_EXP: i64 = 1024;
const DBL_MIN_EXP: i64 = -1021;

impl Big {
    /// 0.
    pub fn zero() -> Big {
        Big(Vec::new())
    }

    /// 1.
    pub fn one() -> Big {
        Big(vec![1])
    }

    /// The integer of decimal digit values, most significant first.
    pub fn from_digits(digits: impl Iterator<Item = u32>) -> Big {
        let mut limbs: Vec<u32> = Vec::new();
        for d in digits {
            let mut carry = d as u64;
            for l in limbs.iter_mut() {
                let t = *l as u64 * 10 + carry;
                *l = t as u32;
                carry = t >> 32;
            }
            if carry != 0 {
                limbs.push(carry as u32);
            }
        }
        let mut b = Big(limbs);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// Whether it is 0.
    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bits(&self) -> i64 {
        match self.0.last() {
            None => 0,
            Some(&top) => (self.0.len() as i64 - 1) * 32 + (32 - top.leading_zeros() as i64),
        }
    }

    fn to_u64(&self) -> Option<u64> {
        match self.0.len() {
            0 => Some(0),
            1 => Some(self.0[0] as u64),
            2 => Some(self.0[0] as u64 | (self.0[1] as u64) << 32),
            _ => None,
        }
    }

    fn shl(&self, k: u64) -> Big {
        if self.is_zero() {
            return Big::zero();
        }
        let (limbs, bits) = ((k / 32) as usize, (k % 32) as u32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            if bits == 0 {
                out.push(l);
            } else {
                out.push(l << bits | carry);
                carry = l >> (32 - bits);
            }
        }
        if carry != 0 {
            out.push(carry);
        }
        Big(out)
    }

    /// `self >> k`, and whether a bit shifted out was set.
    fn shr(&self, k: u64) -> (Big, bool) {
        let (limbs, bits) = ((k / 32) as usize, (k % 32) as u32);
        if limbs >= self.0.len() {
            return (Big::zero(), !self.is_zero());
        }
        let mut lost = self.0[..limbs].iter().any(|&l| l != 0);
        let src = &self.0[limbs..];
        let mut out = Vec::with_capacity(src.len());
        for i in 0..src.len() {
            if bits == 0 {
                out.push(src[i]);
            } else {
                let hi = src.get(i + 1).map_or(0, |&h| h << (32 - bits));
                out.push(src[i] >> bits | hi);
            }
        }
        if bits != 0 {
            lost |= src[0] & ((1u32 << bits) - 1) != 0;
        }
        let mut b = Big(out);
        b.trim();
        (b, lost)
    }

    fn cmp_big(&self, other: &Big) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let t = self.0[i] as i64 - other.0.get(i).map_or(0, |&x| x as i64) - borrow;
            borrow = (t < 0) as i64;
            self.0[i] = t.rem_euclid(1 << 32) as u32;
        }
        self.trim();
    }
}

/// `a / b` as Python computes it for non-negative integers, `b` not 0; None for `OverflowError`.
pub fn true_divide(a: &Big, b: &Big) -> Option<f64> {
    debug_assert!(!b.is_zero());
    if a.is_zero() {
        return Some(0.0);
    }
    const SMALL: u64 = 1 << DBL_MANT_DIG;
    if let (Some(x), Some(y)) = (a.to_u64(), b.to_u64()) {
        if x < SMALL && y < SMALL {
            return Some(x as f64 / y as f64); // exact operands: one correctly rounded division
        }
    }
    let diff = a.bits() - b.bits();
    if diff > DBL_MAX_EXP {
        return None;
    }
    if diff < DBL_MIN_EXP - DBL_MANT_DIG - 1 {
        return Some(0.0);
    }
    let shift = diff.max(DBL_MIN_EXP) - DBL_MANT_DIG - 2;
    let (mut x, mut inexact) = if shift <= 0 { (a.shl((-shift) as u64), false) } else { a.shr(shift as u64) };
    // x //= b; the quotient has at most 57 bits, so it is found bit by bit.
    let mut q: u64 = 0;
    let top = x.bits() - b.bits();
    for i in (0..=top.max(-1)).rev() {
        let d = b.shl(i as u64);
        if x.cmp_big(&d) != Ordering::Less {
            x.sub_assign(&d);
            q |= 1u64 << i;
        }
    }
    inexact |= !x.is_zero();
    let x_bits = 64 - q.leading_zeros() as i64;
    let extra = x_bits.max(DBL_MIN_EXP - shift) - DBL_MANT_DIG;
    debug_assert!(extra == 2 || extra == 3);
    let mask = 1u64 << (extra - 1);
    let low = q | inexact as u64;
    if low & mask != 0 && low & (3 * mask - 1) != 0 {
        q += mask;
    }
    q &= !(2 * mask - 1);
    let dx = q as f64; // at most 54 significant bits, low ones clear: exact
    if shift + x_bits >= DBL_MAX_EXP && (shift + x_bits > DBL_MAX_EXP || dx == ldexp(1.0, x_bits)) {
        return None;
    }
    Some(ldexp(dx, shift))
}

/// `x * 2**e`, exact when the result is representable (it is here: `x` has its low bits clear).
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    let pow2 = |k: i64| f64::from_bits(((k + 1023) as u64) << 52);
    while e > 1000 {
        x *= pow2(1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= pow2(-1000);
        e += 1000;
    }
    x * pow2(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(s: &str) -> Big {
        Big::from_digits(s.bytes().map(|b| (b - b'0') as u32))
    }

    #[test]
    fn small_and_large_quotients() {
        assert_eq!(true_divide(&big("1"), &big("2")), Some(0.5));
        assert_eq!(true_divide(&big("0"), &big("7")), Some(0.0));
        assert_eq!(true_divide(&big("10000000000000000000001"), &big("10000000000000000000000")), Some(1.0));
        assert_eq!(true_divide(&big("12345678901234567890123456789"), &big("1")), Some(1.2345678901234568e28));
        assert_eq!(true_divide(&big("1"), &big("3000000000000000000000")), Some(1.0 / 3e21));
        assert_eq!(true_divide(&big(&"9".repeat(400)), &big("1")), None);
        assert_eq!(true_divide(&big("1"), &big(&format!("1{}", "0".repeat(400)))), Some(0.0));
        // 2**53 + 1 rounds half to even
        assert_eq!(true_divide(&big("9007199254740993"), &big("1")), Some(9007199254740992.0));
    }
}
