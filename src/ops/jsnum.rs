//! JavaScript's `String(n)` for JSON numbers, so a context read natively
//! gives the same segment values as one read in a browser (`42`, `1.5`,
//! `1e+21`, `0` for `-0`, `Infinity` for `1e400`).

/// Appends what `String(Number(lexeme))` gives in JavaScript.
pub fn push_js_number(out: &mut String, lexeme: &str) {
    let x: f64 = lexeme.parse().unwrap_or(f64::NAN);
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x < 0.0 { "-Infinity" } else { "Infinity" });
        return;
    }
    if x == 0.0 {
        out.push('0');
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    // Shortest round-trip digits and exponent: "d.ddde±x".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().unwrap_or(0) + 1; // value = 0.digits × 10^n
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::push_js_number;

    /// (lexeme, what Node 20 prints for `String(Number(lexeme))`).
    pub const CASES: &[(&str, &str)] = &[
        ("0", "0"),
        ("-0", "0"),
        ("0.0", "0"),
        ("42", "42"),
        ("-42", "-42"),
        ("1.5", "1.5"),
        ("-1.5", "-1.5"),
        ("1.50", "1.5"),
        ("1e21", "1e+21"),
        ("1e20", "100000000000000000000"),
        ("123456789012345678901", "123456789012345680000"),
        ("1e-7", "1e-7"),
        ("1e-6", "0.000001"),
        ("0.000001234", "0.000001234"),
        ("0.0000001234", "1.234e-7"),
        ("1e400", "Infinity"),
        ("-1e400", "-Infinity"),
        ("5e-324", "5e-324"),
        ("1e-400", "0"),
        ("0.1", "0.1"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("100", "100"),
        ("1E2", "100"),
        ("1e+2", "100"),
        ("12.34e1", "123.4"),
        ("9007199254740993", "9007199254740992"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("2.5e-5", "0.000025"),
        ("123e-20", "1.23e-18"),
        ("1.23e21", "1.23e+21"),
        ("999999999999999999999", "1e+21"),
        ("0.5", "0.5"),
        ("-0.0001", "-0.0001"),
        ("3.14159", "3.14159"),
        ("1e0", "1"),
        ("10", "10"),
        ("1.0e1", "10"),
        ("4.35", "4.35"),
        ("-5e-7", "-5e-7"),
        ("2e-6", "0.000002"),
        ("123456.789", "123456.789"),
    ];

    #[test]
    fn matches_javascript() {
        for (lexeme, want) in CASES {
            let mut s = String::new();
            push_js_number(&mut s, lexeme);
            assert_eq!(&s, want, "{lexeme}");
        }
    }
}
