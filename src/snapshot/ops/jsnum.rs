//! JavaScript's `String(Number(lexeme))` for JSON number lexemes, so that
//! a context read natively gives the same segment values as one read in a
//! browser or in Node: `42`, `1.5`, `1e+21`, `0` for `-0`, `Infinity` for
//! `1e400`, `123456789012345680000` for `123456789012345678901`.
//!
//! Native only: the WebAssembly build receives numbers already converted
//! by JavaScript, and this module's float parsing and formatting would
//! only add to its size.

use crate::prelude::*;

/// Appends to `out` exactly what JavaScript's `String(Number(lexeme))`
/// gives for the JSON number `lexeme`.
///
/// The number is read as the nearest `f64`; its shortest round-trip digits
/// are laid out by ECMAScript's `Number::toString` rules: plain digits
/// when the decimal exponent is in 1–21, `0.000…` down to `1e-6`,
/// exponential (`1.5e+300`, `1e-7`) otherwise. Text that is not a number
/// gives `NaN` (Rust's reader accepts `inf` and `nan` spellings that
/// JavaScript's does not, and neither is valid JSON).
pub fn push_js_number(out: &mut String, lexeme: &str) {
    let x: f64 = match lexeme.parse() {
        Ok(x) => x,
        Err(_) => {
            out.push_str("NaN");
            return;
        }
    };
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x < 0.0 { "-Infinity" } else { "Infinity" });
        return;
    }
    if x == 0.0 {
        // -0 too: String(-0) is "0".
        out.push('0');
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    // Rust writes the shortest round-trip digits: "d.ddde±x" or "de±x".
    // When two such k-digit values are equally close to x, ECMAScript takes
    // the even one and Rust's shortest form the upper one
    // (1125899906842624.25: JavaScript "…624.2", Rust "…624.3"); Rust's
    // form with a precision is exact and breaks ties to even, so the digits
    // are written again with the shortest form's count. At a power of two
    // the doubles below are twice as close as those above, and the value
    // nearest x with that many digits may then read back as another double
    // (2^-24: "5.960464477539062e-8"); only digits that read back as x are
    // candidates, so the shortest form stands.
    let shortest = format!("{:e}", x.abs());
    let count = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.chars().filter(char::is_ascii_digit).count());
    let even = format!("{:.*e}", count.saturating_sub(1), x.abs());
    let sci = if even.parse::<f64>() == Ok(x.abs()) {
        even
    } else {
        shortest
    };
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // ECMAScript's k (digit count) and n: the value is 0.digits × 10^n.
    let k = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let n = exponent.parse::<i64>().unwrap_or(0).saturating_add(1);
    // Zeros to write, as a count (every use below is of a small number).
    let zeros = |count: i64| core::iter::repeat_n('0', usize::try_from(count).unwrap_or(0));
    if k <= n && n <= 21 {
        // 1e20 → 100000000000000000000
        out.push_str(&digits);
        out.extend(zeros(n.saturating_sub(k)));
    } else if 0 < n && n <= 21 {
        // 123.4
        let point = usize::try_from(n).unwrap_or(0);
        let (int, frac) = digits.split_at_checked(point).unwrap_or((&digits, ""));
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        // 0.000001
        out.push_str("0.");
        out.extend(zeros(n.saturating_neg()));
        out.push_str(&digits);
    } else {
        // 1.5e+300, 1e-7
        let (first, rest) = digits.split_at_checked(1).unwrap_or((&digits, ""));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n.saturating_sub(1);
        out.push('e');
        out.push(if e > 0 { '+' } else { '-' });
        out.push_str(&e.unsigned_abs().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::push_js_number;
    use crate::prelude::*;

    /// (JSON lexeme, what `String(Number(lexeme))` gives), checked with
    /// Node 20: `node -e 'for (const s of [...]) console.log(s, String(Number(s)))'`.
    const CASES: &[(&str, &str)] = &[
        // Zero, whatever its sign or spelling, and values that round to it.
        ("0", "0"),
        ("-0", "0"),
        ("0.0", "0"),
        ("0e10", "0"),
        ("-0.0e-5", "0"),
        ("1e-400", "0"),
        ("-1e-400", "0"),
        // Beyond the largest double.
        ("1e400", "Infinity"),
        ("-1e400", "-Infinity"),
        ("1e99999999999999999999", "Infinity"),
        // Whole numbers up to 21 digits: digits, then zeros (k ≤ n ≤ 21).
        ("42", "42"),
        // Two closest shortest values, equally close: the even one.
        ("1125899906842624.25", "1125899906842624.2"),
        ("-1125899906842624.25", "-1125899906842624.2"),
        ("1880540906725970.2", "1880540906725970.2"),
        ("1125899906842624.75", "1125899906842624.8"),
        ("-42", "-42"),
        ("10", "10"),
        ("100", "100"),
        ("1e0", "1"),
        ("1e2", "100"),
        ("1E+2", "100"),
        ("1.0e1", "10"),
        ("4.2e1", "42"),
        ("1e20", "100000000000000000000"),
        ("100000000000000000000.5", "100000000000000000000"),
        ("123456789012345678901", "123456789012345680000"),
        ("9007199254740993", "9007199254740992"),
        ("1.7976931348623157e20", "179769313486231570000"),
        // A point among the digits (0 < n ≤ 21).
        ("1.5", "1.5"),
        ("-1.5", "-1.5"),
        ("1.50", "1.5"),
        ("3.14159", "3.14159"),
        ("123456.789", "123456.789"),
        ("12.34e1", "123.4"),
        ("1234567890.123456789", "1234567890.1234567"),
        ("4.35", "4.35"),
        ("0.1e1", "1"),
        ("12345678901234567890.5", "12345678901234567000"),
        // Leading "0." and zeros, down to 1e-6 (-6 < n ≤ 0).
        ("0.1", "0.1"),
        ("0.5", "0.5"),
        ("0.000001", "0.000001"),
        ("1e-6", "0.000001"),
        ("0.000001234", "0.000001234"),
        ("-0.0001", "-0.0001"),
        ("2.5e-5", "0.000025"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("2e-6", "0.000002"),
        ("0.0000019999", "0.0000019999"),
        ("0.123456789012345678", "0.12345678901234568"),
        // Exponential: from 1e21 up, and below 1e-6.
        ("1e21", "1e+21"),
        ("-1e21", "-1e+21"),
        ("1.23e21", "1.23e+21"),
        ("999999999999999999999", "1e+21"),
        ("1e-7", "1e-7"),
        ("-5e-7", "-5e-7"),
        ("0.0000001234", "1.234e-7"),
        ("5e-324", "5e-324"),
        ("4.9e-324", "5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("2.2250738585072014e-308", "2.2250738585072014e-308"),
        ("123e-20", "1.23e-18"),
        ("1.5e300", "1.5e+300"),
        ("-1.2345e-100", "-1.2345e-100"),
        ("1e100", "1e+100"),
        // Powers of two, where the doubles below are closer than those
        // above: the nearest value with as many digits may not read back.
        ("5.96046447753906250000e-8", "5.960464477539063e-8"),
        ("6.18970019642690137450e+26", "6.189700196426902e+26"),
        ("1.53568953742912609773e-238", "1.5356895374291261e-238"),
        ("1.60693804425899027554e+60", "1.6069380442589903e+60"),
        ("1.45041775992977891809e-216", "1.450417759929779e-216"),
        ("8.98846567431157953865e+307", "8.98846567431158e+307"),
        ("4.94065645841246544177e-324", "5e-324"),
    ];

    #[test]
    fn matches_javascript() {
        for (lexeme, want) in CASES {
            let mut s = String::from("[");
            push_js_number(&mut s, lexeme);
            assert_eq!(s.strip_prefix('['), Some(*want), "{lexeme}");
        }
    }

    /// What is written reads back as the same double: every power of two
    /// (where the rounding interval is lopsided) and its neighbours.
    #[test]
    fn reads_back_as_the_same_number() {
        for e in -1074_i32..=1023 {
            // 2^e exactly: a normal double's exponent field, or a subnormal's one bit.
            let p = if e >= -1022 {
                f64::from_bits(u64::try_from(e + 1023).unwrap_or(0) << 52)
            } else {
                f64::from_bits(1 << (e + 1074))
            };
            for x in [
                p,
                f64::from_bits(p.to_bits() + 1),
                f64::from_bits(p.to_bits().saturating_sub(1)),
            ] {
                if x == 0.0 || !x.is_finite() {
                    continue;
                }
                let mut s = String::new();
                push_js_number(&mut s, &format!("{x:e}"));
                assert_eq!(s.parse::<f64>(), Ok(x), "2^{e}: {x:e} written {s}");
            }
        }
    }

    #[test]
    fn not_a_number() {
        let mut s = String::new();
        push_js_number(&mut s, "abc");
        assert_eq!(s, "NaN");
    }
}
