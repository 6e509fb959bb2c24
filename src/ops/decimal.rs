//! Exact decimal numbers: `gt`/`gte`/`lt`/`lte` compare a segment value read
//! as a decimal with a threshold, digit by digit, with no floating point.
//!
//! Accepted: optional sign, digits with an optional fraction (`1`, `1.`,
//! `1.5`, `.5`), optional exponent (`e`/`E`, optional sign, digits). Nothing
//! else: no spaces, `Infinity`, hexadecimal or separators.

use core::cmp::Ordering;

/// A decimal borrowed from text: sign, significant digits, exponent, such
/// that the value is `0.d1d2d3… × 10^exp`. Zero has no digits.
struct Parts<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exp: i64,
}

impl Parts<'_> {
    /// Significant digits (leading zeros of int+frac and trailing zeros
    /// skipped) as an iterator, and the exponent of the first one.
    fn digits(&self) -> (impl Iterator<Item = u8> + '_, i64, usize) {
        let all = || self.int.iter().chain(self.frac.iter()).copied();
        let leading = all().take_while(|&d| d == b'0').count();
        let total = self.int.len() + self.frac.len();
        let trailing = all().rev().take_while(|&d| d == b'0').count();
        let count = total.saturating_sub(leading).saturating_sub(trailing);
        // Position of the first significant digit relative to the point.
        let point = i64::try_from(self.int.len()).unwrap_or(i64::MAX);
        let first = point.saturating_sub(i64::try_from(leading).unwrap_or(i64::MAX));
        (
            all().skip(leading).take(count),
            first.saturating_add(self.exp),
            count,
        )
    }
}

fn parse_parts(s: &str) -> Option<Parts<'_>> {
    let b = s.as_bytes();
    let (negative, rest) = match b.first() {
        Some(b'-') => (true, b.get(1..)?),
        Some(b'+') => (false, b.get(1..)?),
        _ => (false, b),
    };
    let int_len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    let int = rest.get(..int_len)?;
    let mut rest = rest.get(int_len..)?;
    let mut frac: &[u8] = &[];
    if rest.first() == Some(&b'.') {
        let after = rest.get(1..)?;
        let n = after.iter().take_while(|c| c.is_ascii_digit()).count();
        frac = after.get(..n)?;
        rest = after.get(n..)?;
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut exp: i64 = 0;
    if let Some(b'e' | b'E') = rest.first() {
        let after = rest.get(1..)?;
        let (neg, digits) = match after.first() {
            Some(b'-') => (true, after.get(1..)?),
            Some(b'+') => (false, after.get(1..)?),
            _ => (false, after),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        for &d in digits {
            // Saturate far beyond any meaningful exponent.
            exp = exp
                .saturating_mul(10)
                .saturating_add(i64::from(d - b'0'))
                .min(1 << 50);
        }
        if neg {
            exp = -exp;
        }
        rest = &[];
    }
    if !rest.is_empty() {
        return None;
    }
    Some(Parts {
        negative,
        int,
        frac,
        exp,
    })
}

/// A normalized decimal, parsed once at load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    negative: bool,
    /// Significant digits as ASCII, no leading or trailing zeros; empty for zero.
    digits: Box<[u8]>,
    /// Exponent of the first digit: the value is `0.digits × 10^exp`.
    exp: i64,
}

impl Decimal {
    /// Parses a decimal; `None` if `s` is not one.
    #[must_use]
    pub fn parse(s: &str) -> Option<Decimal> {
        let parts = parse_parts(s)?;
        let (digits, exp, _) = parts.digits();
        let digits: Box<[u8]> = digits.collect();
        let negative = parts.negative && !digits.is_empty();
        Some(Decimal {
            negative,
            exp: if digits.is_empty() { 0 } else { exp },
            digits,
        })
    }

    /// How `value` orders against this decimal; `None` if `value` is not a decimal.
    #[must_use]
    pub fn cmp_text(&self, value: &str) -> Option<Ordering> {
        let parts = parse_parts(value)?;
        let (digits, exp, count) = parts.digits();
        let negative = parts.negative && count > 0;
        let magnitude = match (count == 0, self.digits.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => exp
                .cmp(&self.exp)
                .then_with(|| digits.cmp(self.digits.iter().copied())),
        };
        Some(match (negative, self.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => magnitude,
            (true, true) => magnitude.reverse(),
        })
    }

    /// `self × 10^scale` when it is a whole number ≥ 0 that fits in a `u64`.
    #[must_use]
    pub fn to_scaled_u64(&self, scale: u32) -> Option<u64> {
        if self.digits.is_empty() {
            return Some(0);
        }
        if self.negative {
            return None;
        }
        let shifted = self.exp.checked_add(i64::from(scale))?;
        let len = i64::try_from(self.digits.len()).ok()?;
        if shifted < len || shifted > 20 {
            return None;
        }
        let mut n: u64 = 0;
        for &d in self.digits.iter() {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        for _ in 0..(shifted - len) {
            n = n.checked_mul(10)?;
        }
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(value: &str, threshold: &str) -> Option<Ordering> {
        Decimal::parse(threshold).unwrap().cmp_text(value)
    }

    #[test]
    fn comparisons() {
        assert_eq!(cmp("10", "9"), Some(Greater));
        assert_eq!(cmp("1e2", "100"), Some(Equal));
        assert_eq!(cmp("-0", "0"), Some(Equal));
        assert_eq!(cmp("0", "-0.0"), Some(Equal));
        assert_eq!(cmp("0.1", "0.10000001"), Some(Less));
        assert_eq!(cmp("-5", "-4"), Some(Less));
        assert_eq!(cmp("-4", "-5"), Some(Greater));
        assert_eq!(cmp("0", "1"), Some(Less));
        assert_eq!(cmp("0", "-1"), Some(Greater));
        assert_eq!(cmp("-1", "0"), Some(Less));
        assert_eq!(cmp("5", "0"), Some(Greater));
        assert_eq!(cmp(".5", "0.5"), Some(Equal));
        assert_eq!(cmp("5.", "5"), Some(Equal));
        assert_eq!(cmp("+7", "7.000"), Some(Equal));
        assert_eq!(cmp("1e99999999999999999999", "1e300"), Some(Greater));
        assert_eq!(cmp("1e-99999999999999999999", "0"), Some(Greater));
        assert_eq!(cmp("123.456", "123.4559"), Some(Greater));
        assert_eq!(cmp("0012", "12"), Some(Equal));
        for bad in [
            "", "abc", "1.2.3", " 1", "1 ", "Infinity", "0x10", "1_000", "-", ".", "e5", "1e",
            "1e+",
        ] {
            assert_eq!(cmp(bad, "1"), None, "{bad:?}");
        }
    }

    #[test]
    fn scaled() {
        let s = |t: &str| Decimal::parse(t).unwrap().to_scaled_u64(2);
        assert_eq!(s("12.5"), Some(1250));
        assert_eq!(s("12.345"), None);
        assert_eq!(s("5e1"), Some(5000));
        assert_eq!(s("-1"), None);
        assert_eq!(s("-0"), Some(0));
        assert_eq!(s("100"), Some(10000));
        assert_eq!(s("0.01"), Some(1));
        assert_eq!(s("0.001"), None);
        assert_eq!(s("1e30"), None);
        assert_eq!(Decimal::parse("1").unwrap().to_scaled_u64(0), Some(1));
        assert_eq!(Decimal::parse("1.0").unwrap().to_scaled_u64(0), Some(1));
    }
}
