//! Exact decimal numbers for the `gt`/`gte`/`lt`/`lte` conditions: a
//! segment value read as a decimal is compared with a threshold digit by
//! digit, with no floating point, so `0.1 < 0.10000001` and
//! `123456789012345678901 > 123456789012345678900` come out right.
//!
//! Accepted text: an optional `+` or `-`; then `digits`, `digits.`,
//! `digits.digits` or `.digits`; then optionally `e` or `E`, an optional
//! sign and digits. Nothing else: no spaces, `Infinity`, `NaN`,
//! hexadecimal or `_` separators. Exponents of any length are accepted;
//! beyond ±2^50 they saturate, so `1e99999999999999999999` is simply a very
//! large number (two numbers that both lie beyond `10^(2^50)` may compare
//! equal).

use crate::prelude::*;
use core::cmp::Ordering;

/// Exponents saturate here, far beyond any meaningful value and far enough
/// below `i64::MAX` that adding a digit count to them cannot overflow.
const EXP_LIMIT: i64 = 1 << 50;

/// The value of an ASCII digit.
fn digit(b: u8) -> Option<u8> {
    b.checked_sub(b'0').filter(|d| *d < 10)
}

/// A decimal borrowed from its text: `±int.frac × 10^exp`.
struct Parts<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exp: i64,
}

impl Parts<'_> {
    /// The significant digits (leading and trailing zeros of `int` and
    /// `frac` skipped), how many there are, and the exponent `e` such that
    /// the magnitude is `0.d1d2d3… × 10^e`. Zero has no digits.
    fn significant(&self) -> (impl Iterator<Item = u8> + '_, usize, i64) {
        let all = || self.int.iter().chain(self.frac.iter()).copied();
        let total = self.int.len().saturating_add(self.frac.len());
        let leading = all().take_while(|d| *d == b'0').count();
        let trailing = all().rev().take_while(|d| *d == b'0').count();
        let count = total.saturating_sub(leading).saturating_sub(trailing);
        // The first significant digit sits `int.len() - leading` places
        // left of the point (negative: right of it).
        let int_len = i64::try_from(self.int.len()).unwrap_or(i64::MAX);
        let exp = int_len
            .saturating_sub(i64::try_from(leading).unwrap_or(i64::MAX))
            .saturating_add(self.exp);
        (all().skip(leading).take(count), count, exp)
    }
}

/// Splits `s` into a sign and the rest.
fn sign(s: &[u8]) -> (bool, &[u8]) {
    match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    }
}

/// Splits off the leading ASCII digits of `s`.
fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
    s.split_at_checked(n).unwrap_or((s, &[]))
}

/// Reads decimal text per the grammar in the module documentation.
fn parse_parts(s: &str) -> Option<Parts<'_>> {
    let (negative, rest) = sign(s.as_bytes());
    let (int, rest) = split_digits(rest);
    let (frac, rest) = match rest.split_first() {
        Some((b'.', after)) => split_digits(after),
        _ => (&[][..], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exp = match rest.split_first() {
        None => 0,
        Some((b'e' | b'E', after)) => {
            let (exp_negative, digits) = sign(after);
            if digits.is_empty() {
                return None;
            }
            let mut exp: i64 = 0;
            for &b in digits {
                let d = digit(b)?;
                exp = exp
                    .saturating_mul(10)
                    .saturating_add(i64::from(d))
                    .min(EXP_LIMIT);
            }
            if exp_negative {
                exp.saturating_neg()
            } else {
                exp
            }
        }
        Some(_) => return None,
    };
    Some(Parts {
        negative,
        int,
        frac,
        exp,
    })
}

/// A decimal number, parsed once when a snapshot is loaded and then
/// compared with context values by [`Decimal::cmp_text`].
///
/// Normalized: zero has a single representation (`-0`, `0.000` and `0e9`
/// are all zero, and not negative).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// Whether the value is below zero.
    negative: bool,
    /// Significant digits as ASCII, without leading or trailing zeros;
    /// empty for zero.
    digits: Box<[u8]>,
    /// The magnitude is `0.digits × 10^exp`; 0 for zero.
    exp: i64,
}

impl Decimal {
    /// Parses decimal text (grammar in the module documentation); `None`
    /// if `s` is not a decimal.
    #[must_use]
    pub fn parse(s: &str) -> Option<Decimal> {
        let parts = parse_parts(s)?;
        let (digits, count, exp) = parts.significant();
        let digits: Box<[u8]> = digits.collect();
        let zero = count == 0;
        Some(Decimal {
            negative: parts.negative && !zero,
            digits,
            exp: if zero { 0 } else { exp },
        })
    }

    /// How `value` compares with this decimal: `Some(Less)` when `value`
    /// is smaller. `None` when `value` is not decimal text. Does not
    /// allocate.
    #[must_use]
    #[inline]
    pub fn cmp_text(&self, value: &str) -> Option<Ordering> {
        let parts = parse_parts(value)?;
        let (digits, count, exp) = parts.significant();
        let negative = parts.negative && count != 0;
        let magnitude = match (count == 0, self.digits.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            // Both non-zero and normalized: the larger exponent is the
            // larger magnitude; with equal exponents the digits decide,
            // and a prefix is smaller (no trailing zeros on either side).
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

    /// Writes this decimal in one form whatever its spelling:
    /// `0.DIGITSeEXP`, after a `-` when negative (`50`, `50.0` and `5e1`
    /// all give `0.5e2`), and `0` for zero.
    pub fn push_normal(&self, out: &mut String) {
        if self.digits.is_empty() {
            out.push('0');
            return;
        }
        if self.negative {
            out.push('-');
        }
        out.push_str("0.");
        out.extend(self.digits.iter().map(|&d| char::from(d)));
        out.push('e');
        if self.exp < 0 {
            out.push('-');
        }
        crate::text::push_u64(out, self.exp.unsigned_abs());
    }

    /// `self × 10^scale` when that is a whole number ≥ 0 that fits in a
    /// `u64`, else `None`. With `scale` 2, a percentage becomes basis
    /// points: `12.5` → 1250, `5e1` → 5000, `-0` → 0, while `12.345` and
    /// `-1` give `None`.
    #[must_use]
    pub fn to_scaled_u64(&self, scale: u32) -> Option<u64> {
        let digits = self.digits.iter().copied();
        scaled(self.negative, digits, self.digits.len(), self.exp, scale)
    }
}

/// Whether the number `s` is positive and at least 1000 (four or more
/// digits before the point): past any percentage, whatever its decimals.
#[must_use]
pub fn thousand_or_more(s: &str) -> bool {
    parse_parts(s).is_some_and(|p| {
        let (_, count, exp) = p.significant();
        !p.negative && count > 0 && exp >= 4
    })
}

/// The decimal text `s` × 10^scale when that is a whole number ≥ 0 that fits
/// in a `u64`, as [`Decimal::to_scaled_u64`] gives it, without building the
/// [`Decimal`] (no allocation: used for every weight of every split).
#[must_use]
pub fn scaled_u64(s: &str, scale: u32) -> Option<u64> {
    let parts = parse_parts(s)?;
    let (digits, count, exp) = parts.significant();
    scaled(parts.negative, digits, count, exp, scale)
}

/// `0.digits × 10^exp × 10^scale` as a `u64`, if whole, ≥ 0 and in range;
/// `count` digits, normalized (no leading or trailing zeros; none for zero).
fn scaled(
    negative: bool,
    digits: impl Iterator<Item = u8>,
    count: usize,
    exp: i64,
    scale: u32,
) -> Option<u64> {
    if count == 0 {
        return Some(0);
    }
    if negative {
        return None;
    }
    // Number of integer digits once scaled; u64 holds at most 20.
    let int_digits = exp.checked_add(i64::from(scale))?;
    let len = i64::try_from(count).ok()?;
    if int_digits < len || int_digits > 20 {
        return None;
    }
    let mut n: u64 = 0;
    for b in digits {
        n = n.checked_mul(10)?.checked_add(u64::from(digit(b)?))?;
    }
    for _ in len..int_digits {
        n = n.checked_mul(10)?;
    }
    Some(n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    /// How `value` compares with `threshold`.
    fn cmp(value: &str, threshold: &str) -> Option<Ordering> {
        Decimal::parse(threshold).unwrap().cmp_text(value)
    }

    #[test]
    fn numbers_compare_by_value_not_by_text() {
        assert_eq!(cmp("10", "9"), Some(Greater));
        assert_eq!(cmp("9", "10"), Some(Less));
        assert_eq!(cmp("1e2", "100"), Some(Equal));
        assert_eq!(cmp("100", "1E+2"), Some(Equal));
        assert_eq!(cmp("0.1", "0.10000001"), Some(Less));
        assert_eq!(cmp("123.456", "123.4559"), Some(Greater));
        assert_eq!(cmp("0012", "12"), Some(Equal));
        assert_eq!(cmp(".5", "0.5"), Some(Equal));
        assert_eq!(cmp("5.", "5"), Some(Equal));
        assert_eq!(cmp("+7", "7.000"), Some(Equal));
        assert_eq!(cmp("0.05", "5e-2"), Some(Equal));
        assert_eq!(cmp("1234.5e-2", "12.345"), Some(Equal));
        assert_eq!(
            cmp("123456789012345678901", "123456789012345678900"),
            Some(Greater)
        );
    }

    #[test]
    fn signs_and_zero() {
        assert_eq!(cmp("-0", "0"), Some(Equal));
        assert_eq!(cmp("0", "-0.0"), Some(Equal));
        assert_eq!(cmp("0e999", "0.000"), Some(Equal));
        assert_eq!(cmp("-5", "-4"), Some(Less));
        assert_eq!(cmp("-4", "-5"), Some(Greater));
        assert_eq!(cmp("-0.5", "-0.25"), Some(Less));
        assert_eq!(cmp("0", "1"), Some(Less));
        assert_eq!(cmp("0", "-1"), Some(Greater));
        assert_eq!(cmp("-1", "0"), Some(Less));
        assert_eq!(cmp("5", "0"), Some(Greater));
        assert_eq!(cmp("-1e-9", "0"), Some(Less));
        assert_eq!(Decimal::parse("-0"), Decimal::parse("0"));
    }

    #[test]
    fn huge_exponents_saturate_instead_of_overflowing() {
        assert_eq!(cmp("1e99999999999999999999", "1e300"), Some(Greater));
        assert_eq!(cmp("-1e99999999999999999999", "-1e300"), Some(Less));
        assert_eq!(cmp("1e-99999999999999999999", "0"), Some(Greater));
        assert_eq!(cmp("1e-99999999999999999999", "1e-300"), Some(Less));
        assert_eq!(
            cmp("1e99999999999999999999", "1e99999999999999999999"),
            Some(Equal)
        );
        assert_eq!(
            cmp("2e99999999999999999999", "1e99999999999999999999"),
            Some(Greater)
        );
        assert_eq!(
            Decimal::parse("1e99999999999999999999")
                .unwrap()
                .to_scaled_u64(u32::MAX),
            None
        );
    }

    #[test]
    fn text_that_is_not_a_decimal() {
        for bad in [
            "",
            "abc",
            "1.2.3",
            " 1",
            "1 ",
            "Infinity",
            "-Infinity",
            "NaN",
            "0x10",
            "1_000",
            "-",
            "+",
            ".",
            "-.",
            "e5",
            "1e",
            "1e+",
            "1e-",
            "1e1.5",
            "1e:",
            "1e/",
            "1ee1",
            "--1",
            "+-1",
            "1,5",
            "١",
        ] {
            assert_eq!(cmp(bad, "1"), None, "{bad:?}");
            assert_eq!(Decimal::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn one_normal_form_whatever_the_spelling() {
        let normal = |t: &str| {
            let mut out = String::new();
            Decimal::parse(t).unwrap().push_normal(&mut out);
            out
        };
        for (text, want) in [
            ("50", "0.5e2"),
            ("50.0", "0.5e2"),
            ("5e1", "0.5e2"),
            ("-50", "-0.5e2"),
            ("0.05", "0.5e-1"),
            ("5e-2", "0.5e-1"),
            ("0.5", "0.5e0"),
            ("0", "0"),
            ("-0.0", "0"),
        ] {
            assert_eq!(normal(text), want, "{text}");
        }
    }

    #[test]
    fn a_thousand_or_more_is_positive_with_four_digits_before_the_point() {
        for text in ["1000", "1e3", "0.1e4", "9999.99", "1e400", "+1000"] {
            assert!(thousand_or_more(text), "{text}");
        }
        for text in ["999.99", "100", "-1000", "-1e9", "0", "0e9", "abc", ""] {
            assert!(!thousand_or_more(text), "{text}");
        }
    }

    #[test]
    fn percentages_as_basis_points() {
        let bp = |t: &str| Decimal::parse(t).unwrap().to_scaled_u64(2);
        assert_eq!(bp("12.5"), Some(1250));
        assert_eq!(bp("12.345"), None);
        assert_eq!(bp("5e1"), Some(5000));
        assert_eq!(bp("-1"), None);
        assert_eq!(bp("-0"), Some(0));
        assert_eq!(bp("100"), Some(10000));
        assert_eq!(bp("0.01"), Some(1));
        assert_eq!(bp("0.001"), None);
        assert_eq!(bp("1e30"), None);
        assert_eq!(bp("184467440737095516.15"), Some(u64::MAX));
        assert_eq!(bp("184467440737095516.16"), None);
        let whole = |t: &str| Decimal::parse(t).unwrap().to_scaled_u64(0);
        assert_eq!(whole("1"), Some(1));
        assert_eq!(whole("1.0"), Some(1));
        assert_eq!(whole("1.5"), None);
        assert_eq!(whole("18446744073709551615"), Some(u64::MAX));
        assert_eq!(whole("18446744073709551616"), None);
    }

    #[test]
    fn comparison_is_consistent() {
        let values = [
            "-1e10",
            "-100",
            "-99.99",
            "-1",
            "-0.5",
            "-1e-10",
            "0",
            "1e-10",
            "0.1",
            "0.10000001",
            "0.5",
            "1",
            "1.5",
            "9",
            "10",
            "99.99",
            "100",
            "1e10",
            "1e99999999999999999999",
        ];
        for (i, a) in values.iter().enumerate() {
            let d = Decimal::parse(a).unwrap();
            for (j, b) in values.iter().enumerate() {
                assert_eq!(d.cmp_text(b), Some(j.cmp(&i)), "{b} vs {a}");
            }
        }
    }

    #[test]
    fn scaled_without_building_agrees_with_decimal() {
        let cases = [
            "0",
            "-0",
            "0.0",
            "50",
            "50.5",
            "50.25",
            "12.345",
            "1e2",
            "1E-2",
            "0.01",
            "-1",
            "-0.5",
            "1e18",
            "1e19",
            "1e20",
            "1e21",
            "18446744073709551615",
            "18446744073709551616",
            "1844674407370955161.5",
            "00012.3400",
            "5e-3",
            "abc",
            "",
            "-",
            "1e",
            "1.",
            ".5",
            "100.00",
            "99.99",
            "0.001",
        ];
        for text in cases {
            for scale in [0, 2, 4] {
                assert_eq!(
                    scaled_u64(text, scale),
                    Decimal::parse(text).and_then(|d| d.to_scaled_u64(scale)),
                    "{text} at scale {scale}"
                );
            }
        }
        assert_eq!(scaled_u64("50.25", 2), Some(5025));
        assert_eq!(scaled_u64("50.255", 2), None);
    }
}
