//! Comparing two figures, and the exact decimal arithmetic that comparison and parsing rest on.

use super::{Figure, Precision};
use std::cmp::Ordering;
use std::fmt;

/// How figure b stands against figure a (see [`compare`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Same subject, property, scope and unit, and the quantities overlap.
    Agrees,
    /// Same subject, property, scope and unit, but the quantities do not overlap.
    DifferentValue,
    /// Same subject and property, different scope.
    DifferentScope,
    /// Same subject, property and scope, different unit.
    DifferentUnit,
    /// Different subject or property.
    Unrelated,
}

/// How figure b stands against figure a: Unrelated when subject or property differ
/// (case-insensitive, trimmed); DifferentScope when scope differs; DifferentUnit when units
/// differ; DifferentValue when the quantities do not overlap (exact decimals; intervals for
/// at_least/at_most/range; "about" = within ±10%, i.e. `[0.9·v, 1.1·v]`); else Agrees.
pub fn compare(a: &Figure, b: &Figure) -> Comparison {
    if !same_text(&a.subject, &b.subject) || !same_text(&a.property, &b.property) {
        return Comparison::Unrelated;
    }
    let scope = |f: &Figure| {
        f.scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
    };
    if scope(a) != scope(b) {
        return Comparison::DifferentScope;
    }
    if !same_unit(&a.unit, &b.unit) {
        return Comparison::DifferentUnit;
    }
    match (Interval::of(a), Interval::of(b)) {
        (Some(x), Some(y)) if x.overlaps(&y) => Comparison::Agrees,
        _ => Comparison::DifferentValue,
    }
}

/// Exact decimal comparison of normalized decimal strings (no floats); `None` when either is
/// not a normalized decimal.
pub fn compare_decimal(a: &str, b: &str) -> Option<Ordering> {
    let a = Dec::parse_normalized(a)?;
    let b = Dec::parse_normalized(b)?;
    Some(a.cmp_value(&b))
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn same_unit(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    match (a.strip_prefix("count:"), b.strip_prefix("count:")) {
        (Some(x), Some(y)) => x.to_lowercase() == y.to_lowercase(),
        _ => a == b,
    }
}

/// A closed interval; `None` bounds are infinite.
struct Interval {
    lo: Option<Dec>,
    hi: Option<Dec>,
}

impl Interval {
    fn of(f: &Figure) -> Option<Interval> {
        let v = Dec::parse_normalized(&f.value)?;
        Some(match f.precision {
            Precision::Exact => Interval {
                lo: Some(v.clone()),
                hi: Some(v),
            },
            Precision::About => {
                // 0.9·v and 1.1·v, exactly: multiply the digits, move the point one place.
                let x = v.mul_small(9).div_pow10(1);
                let y = v.mul_small(11).div_pow10(1);
                if x.cmp_value(&y) == Ordering::Greater {
                    Interval {
                        lo: Some(y),
                        hi: Some(x),
                    }
                } else {
                    Interval {
                        lo: Some(x),
                        hi: Some(y),
                    }
                }
            }
            Precision::AtLeast => Interval {
                lo: Some(v),
                hi: None,
            },
            Precision::AtMost => Interval {
                lo: None,
                hi: Some(v),
            },
            Precision::Range => Interval {
                lo: Some(Dec::parse_normalized(f.lower.as_deref()?)?),
                hi: Some(Dec::parse_normalized(f.upper.as_deref()?)?),
            },
        })
    }

    fn overlaps(&self, other: &Interval) -> bool {
        fn le(lo: &Option<Dec>, hi: &Option<Dec>) -> bool {
            match (lo, hi) {
                (Some(l), Some(h)) => l.cmp_value(h) != Ordering::Greater,
                _ => true,
            }
        }
        le(&self.lo, &self.hi)
            && le(&other.lo, &other.hi)
            && le(&self.lo, &other.hi)
            && le(&other.lo, &self.hi)
    }
}

// ---------------------------------------------------------------------------------------
// Exact decimals
// ---------------------------------------------------------------------------------------

/// `±digits × 10^-scale`, kept trimmed: no leading zero digits, no trailing zero digits
/// after the point, zero is `digits = []` and never negative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Dec {
    neg: bool,
    digits: Vec<u8>,
    scale: usize,
}

impl Dec {
    /// `int.frac × 10^exp`; `int` and `frac` are ASCII digit strings.
    pub(super) fn from_parts(neg: bool, int: &str, frac: &str, exp: usize) -> Dec {
        let mut digits: Vec<u8> = int
            .bytes()
            .chain(frac.bytes())
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        let f = frac.len();
        let scale = if exp >= f {
            digits.extend(std::iter::repeat_n(0, exp - f));
            0
        } else {
            f - exp
        };
        Dec { neg, digits, scale }.trimmed()
    }

    fn trimmed(mut self) -> Dec {
        while self.scale > 0 && self.digits.last() == Some(&0) {
            self.digits.pop();
            self.scale -= 1;
        }
        let lead = self.digits.iter().take_while(|d| **d == 0).count();
        self.digits.drain(..lead);
        if self.digits.is_empty() {
            self.neg = false;
            self.scale = 0;
        }
        self
    }

    /// Read a string in the normalized grammar; `None` for anything else (including "-0").
    pub(super) fn parse_normalized(s: &str) -> Option<Dec> {
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if int.len() > 1 && int.starts_with('0') {
            return None;
        }
        if let Some(f) = frac {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) || f.ends_with('0') {
                return None;
            }
        }
        if neg && int == "0" && frac.is_none() {
            return None;
        }
        Some(Dec::from_parts(neg, int, frac.unwrap_or(""), 0))
    }

    pub(super) fn is_integer(&self) -> bool {
        self.scale == 0
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    pub(super) fn mul_small(&self, k: u32) -> Dec {
        let mut out: Vec<u8> = Vec::with_capacity(self.digits.len() + 3);
        let mut carry: u32 = 0;
        for d in self.digits.iter().rev() {
            let x = u32::from(*d) * k + carry;
            out.push((x % 10) as u8);
            carry = x / 10;
        }
        while carry > 0 {
            out.push((carry % 10) as u8);
            carry /= 10;
        }
        out.reverse();
        Dec {
            neg: self.neg,
            digits: out,
            scale: self.scale,
        }
        .trimmed()
    }

    pub(super) fn div_pow10(mut self, n: usize) -> Dec {
        self.scale += n;
        self.trimmed()
    }

    fn cmp_magnitude(&self, other: &Dec) -> Ordering {
        let s = self.scale.max(other.scale);
        let a = self
            .digits
            .iter()
            .copied()
            .chain(std::iter::repeat_n(0, s - self.scale));
        let b = other
            .digits
            .iter()
            .copied()
            .chain(std::iter::repeat_n(0, s - other.scale));
        let la = self.digits.len() + (s - self.scale);
        let lb = other.digits.len() + (s - other.scale);
        // Trimmed: no leading zeros, so the longer digit string is the larger.
        la.cmp(&lb).then_with(|| a.cmp(b))
    }

    pub(super) fn cmp_value(&self, other: &Dec) -> Ordering {
        let sign = |d: &Dec| -> i8 {
            if d.is_zero() {
                0
            } else if d.neg {
                -1
            } else {
                1
            }
        };
        let (sa, sb) = (sign(self), sign(other));
        if sa != sb {
            return sa.cmp(&sb);
        }
        let m = self.cmp_magnitude(other);
        if sa < 0 { m.reverse() } else { m }
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        if self.neg {
            f.write_str("-")?;
        }
        let digit = |d: &u8| char::from(b'0' + d);
        let n = self.digits.len();
        if self.scale >= n {
            f.write_str("0.")?;
            for _ in 0..self.scale - n {
                f.write_str("0")?;
            }
            self.digits
                .iter()
                .map(digit)
                .try_for_each(|c| f.write_fmt(format_args!("{c}")))
        } else {
            let split = n - self.scale;
            for (i, d) in self.digits.iter().enumerate() {
                if i == split {
                    f.write_str(".")?;
                }
                f.write_fmt(format_args!("{}", digit(d)))?;
            }
            Ok(())
        }
    }
}
