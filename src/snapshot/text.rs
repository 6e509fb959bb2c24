//! Small text helpers that build messages without `core::fmt`, and a
//! substring test without the standard library's searcher.
//!
//! The WebAssembly build stays small only if nothing on its paths pulls in
//! Rust's formatting machinery, so messages are assembled with these. The
//! standard substring searcher is avoided for the same reason: its panic
//! paths format messages (about 7 KB of the wasm).

use crate::prelude::*;

/// Appends `text` to `out`, out of line. For JSON written once per call
/// (details, the WebAssembly boundary's answers): `push_str` inlined at
/// opt-level 3 is a capacity check and a copy at each site.
#[inline(never)]
pub fn put(out: &mut String, text: &str) {
    out.push_str(text);
}

/// Appends the decimal digits of `n`.
#[inline]
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &b in buf.iter().skip(i) {
        out.push(b as char);
    }
}

/// Appends the decimal digits of `n`, with a minus sign when negative.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Appends the code point of `c` in hex, at least `min` digits of `digits`.
fn push_hex(out: &mut String, c: char, min: u32, digits: &[u8; 16]) {
    let code = u32::from(c);
    for shift in (0..6).rev().map(|i| i * 4) {
        if code >> shift != 0 || shift < min * 4 {
            let digit = digits.get(((code >> shift) & 0xF) as usize);
            out.push(char::from(digit.copied().unwrap_or(b'0')));
        }
    }
}

/// Appends `U+` and the code point of `c` in at least four upper-case hex
/// digits (`U+00A0`, `U+1F600`), as Unicode writes it.
pub fn push_code_point(out: &mut String, c: char) {
    out.push_str("U+");
    push_hex(out, c, 4, b"0123456789ABCDEF");
}

/// Whether `c` shows as a blank or as nothing though it is no ASCII blank:
/// Unicode's other white space (the no-break space U+00A0 that pasting from
/// a web page or a chat brings, U+2028, the ideographic space) and its
/// invisible format characters (the zero-width space U+200B, the byte
/// order mark U+FEFF, the soft hyphen, directional marks). Quoted in a
/// message, such a character shows nothing wrong. Not the zero-width
/// joiners U+200C and U+200D: they hold emoji sequences and Persian and
/// Indic words together, where they show as intended.
#[must_use]
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00A0}' | '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{1680}' | '\u{180E}'
        | '\u{2000}'..='\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{2028}'..='\u{202F}'
        | '\u{205F}'..='\u{206F}' | '\u{3000}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}')
}

/// Appends a basis-point amount as a percentage: `10500` → `105`, `1250` → `12.5`.
pub fn push_percent(out: &mut String, basis_points: u64) {
    push_u64(out, basis_points / 100);
    let frac = basis_points % 100;
    if frac != 0 {
        out.push('.');
        if frac < 10 {
            out.push('0');
            push_u64(out, frac);
        } else if frac % 10 == 0 {
            push_u64(out, frac / 10);
        } else {
            push_u64(out, frac);
        }
    }
}

/// Joins string pieces into one owned string.
pub fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// `parts` with `sep` between them: a plain loop where the standard
/// library's `join` brings specialised copies (about 1.4 KB of the wasm for
/// the two element types used, all on error paths).
#[must_use]
pub fn join<S: AsRef<str>>(parts: &[S], sep: &str) -> String {
    let mut s = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        s.push_str(part.as_ref());
    }
    s
}

/// Appends `text` in single quotes, for a message, with each character
/// that shows as a blank or as nothing ([`is_invisible`]) written as its
/// escape (`\u{200b}`, as JavaScript and Rust write it): a value copied
/// with a zero-width space made `'U​S' is not one of the options ('CA',
/// 'US')`, which shows nothing wrong.
pub fn push_quoted(out: &mut String, text: &str) {
    out.push('\'');
    for c in text.chars() {
        if is_invisible(c) {
            out.push_str("\\u{");
            push_hex(out, c, 1, b"0123456789abcdef");
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out.push('\'');
}

/// Names for a message, each in single quotes with `, ` between them, at
/// most [`LISTED`] of them, then `…` and how many there are in all: a
/// message that names the choices stays short when a snapshot has
/// thousands (each of thousands of problems repeating every one of them
/// made the problem list quadratic in size). Quoted, so that a name such as
/// `a` or `none` does not read as a word of the sentence.
#[must_use]
pub fn quoted_some<S: AsRef<str>>(parts: &[S]) -> String {
    let mut s = String::new();
    for (i, part) in parts.iter().take(LISTED).enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        push_quoted(&mut s, part.as_ref());
    }
    if parts.len() > LISTED {
        s.push_str(", … (");
        push_u64(&mut s, parts.len() as u64);
        s.push_str(" in all)");
    }
    s
}

/// How many choices a message names at most (see [`quoted_some`]).
pub const LISTED: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_as_the_standard_library_does() {
        let owned: Vec<String> = ["a", "bé", "", "c"].map(String::from).to_vec();
        for sep in ["", ", ", " → "] {
            for n in 0..=owned.len() {
                assert_eq!(join(&owned[..n], sep), owned[..n].join(sep));
                let borrowed: Vec<&str> = owned[..n].iter().map(String::as_str).collect();
                assert_eq!(join(&borrowed, sep), borrowed.join(sep));
            }
        }
    }

    #[test]
    fn quoted_lists() {
        assert_eq!(quoted_some::<&str>(&[]), "");
        assert_eq!(quoted_some(&["a"]), "'a'");
        assert_eq!(quoted_some(&["a", "b c"]), "'a', 'b c'");
        // What shows as a blank or as nothing, as its escape; the rest as is.
        assert_eq!(
            quoted_some(&[
                "U\u{200b}S",
                "NZ\u{a0}",
                "\u{feff}\u{3000}",
                "Z\u{fc}rich \u{1f600}",
                "\u{1f468}\u{200d}\u{1f467}"
            ]),
            r"'U\u{200b}S', 'NZ\u{a0}', '\u{feff}\u{3000}', 'Zürich 😀', '👨‍👧'"
        );
        let mut s = String::new();
        push_code_point(&mut s, '\u{a0}');
        push_code_point(&mut s, '\u{1f600}');
        assert_eq!(s, "U+00A0U+1F600");
        let many: Vec<String> = (0..12).map(|i| i.to_string()).collect();
        assert_eq!(
            quoted_some(&many[..10]),
            "'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'"
        );
        assert_eq!(
            quoted_some(&many),
            "'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', … (12 in all)"
        );
    }

    #[test]
    fn numbers() {
        let mut s = String::new();
        push_u64(&mut s, 0);
        s.push(' ');
        push_u64(&mut s, u64::MAX);
        s.push(' ');
        push_i64(&mut s, i64::MIN);
        assert_eq!(s, "0 18446744073709551615 -9223372036854775808");
    }

    #[test]
    fn percents() {
        for (bp, want) in [
            (10500, "105"),
            (1250, "12.5"),
            (5, "0.05"),
            (1234, "12.34"),
            (0, "0"),
        ] {
            let mut s = String::new();
            push_percent(&mut s, bp);
            assert_eq!(s, want);
        }
    }
}
