//! Writing compact JSON text and JSON Pointers.

use super::Value;
use crate::prelude::*;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The escape for byte `b` of a string, if it needs one; `Some("")` for the
/// control characters written as `\u00XX`.
fn escape_for(b: u8) -> Option<&'static str> {
    match b {
        b'"' => Some("\\\""),
        b'\\' => Some("\\\\"),
        b'\n' => Some("\\n"),
        b'\r' => Some("\\r"),
        b'\t' => Some("\\t"),
        0x08 => Some("\\b"),
        0x0c => Some("\\f"),
        0..=0x1f => Some(""),
        _ => None,
    }
}

fn hex_char(nibble: u8) -> char {
    char::from(HEX.get(usize::from(nibble & 15)).copied().unwrap_or(b'0'))
}

/// Appends `s` as a JSON string literal, quotes included: `"` and `\` are
/// escaped, control characters as `\n \r \t \b \f` or `\u00XX` (lowercase
/// hex), everything else as raw UTF-8.
#[inline]
pub fn push_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    match s.bytes().position(|b| escape_for(b).is_some()) {
        None => out.push_str(s),
        Some(first) => push_escaped(out, s, first),
    }
    out.push('"');
}

/// Appends `s`, whose first byte to escape is at `first`, escaped.
///
/// Out of line: the strings a program writes seldom need escapes, and
/// each copy of [`push_string`] stays a scan and a copy (0.8 KB less
/// WebAssembly).
#[cold]
#[inline(never)]
fn push_escaped(out: &mut String, s: &str, first: usize) {
    out.push_str(s.get(..first).unwrap_or_default());
    let mut start = first;
    for (i, b) in s.bytes().enumerate().skip(first) {
        let Some(escape) = escape_for(b) else {
            continue;
        };
        // `i` is an ASCII byte, so both slices fall on character boundaries.
        out.push_str(s.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(hex_char(b >> 4));
            out.push(hex_char(b));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
}

/// Appends `items` as a JSON array of strings.
#[inline]
pub fn push_strings(out: &mut String, items: &[String]) {
    out.push('[');
    for (j, item) in items.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        push_string(out, item);
    }
    out.push(']');
}

/// Appends `v` as compact JSON (no spaces), numbers as their lexeme and
/// object members in order, duplicates included.
pub fn push_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(n.as_str()),
        Value::String(s) => push_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_value(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_string(out, key);
                out.push(':');
                push_value(out, item);
            }
            out.push('}');
        }
    }
}

/// Appends `/` and `token` to a JSON Pointer, escaping `~` as `~0` and `/`
/// as `~1` (RFC 6901).
pub fn pointer_push(pointer: &mut String, token: &str) {
    pointer.reserve(token.len() + 1);
    pointer.push('/');
    if !token.contains(['~', '/']) {
        pointer.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::json::{parse, Limits};

    fn string(s: &str) -> String {
        let mut out = String::new();
        push_string(&mut out, s);
        out
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string(""), r#""""#);
        assert_eq!(string("plain"), r#""plain""#);
        assert_eq!(string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(string("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(
            string("\u{0}\u{1}\u{1a}\u{1f} \u{7f}"),
            "\"\\u0000\\u0001\\u001a\\u001f \u{7f}\""
        );
        assert_eq!(string("/é😀\u{2028}"), "\"/é😀\u{2028}\"");
        // The first escape after text, and after it more text and escapes.
        assert_eq!(string("héllo\u{1}wörld\""), "\"héllo\\u0001wörld\\\"\"");
    }

    /// A list of names (a feature's implementations or inputs, as
    /// `engine.features` lists them): comma-separated, each escaped.
    #[test]
    fn lists_of_strings_are_written_as_arrays() {
        let list = |items: &[&str]| {
            let items: Vec<String> = items.iter().map(|s| (*s).to_owned()).collect();
            let mut out = String::from("x=");
            push_strings(&mut out, &items);
            out
        };
        assert_eq!(list(&[]), "x=[]");
        assert_eq!(list(&["on"]), r#"x=["on"]"#);
        assert_eq!(list(&["control", "a\"b", ""]), r#"x=["control","a\"b",""]"#);
    }

    #[test]
    fn every_control_character_round_trips() {
        let all: String = (0u8..0x20).map(char::from).collect();
        let written = string(&all);
        assert!(written.bytes().all(|b| b >= 0x20));
        let back = parse(&written, &Limits::default()).unwrap();
        assert_eq!(back.as_str(), Some(all.as_str()));
    }

    #[test]
    fn values_are_written_compactly() {
        let v = parse(
            "{ \"a\" : [ 1 , 2.50 , -0 , 1E+9 ] , \"b\" : { \"c\" : null } , \"a\" : \"\\u0041\\n\" }",
            &Limits::default(),
        )
        .unwrap();
        let mut out = String::from("x=");
        push_value(&mut out, &v);
        assert_eq!(out, r#"x={"a":[1,2.50,-0,1E+9],"b":{"c":null},"a":"A\n"}"#);
        assert_eq!(
            v.to_json(),
            r#"{"a":[1,2.50,-0,1E+9],"b":{"c":null},"a":"A\n"}"#
        );
    }

    #[test]
    fn pointers_are_escaped() {
        let mut p = String::from("/features");
        pointer_push(&mut p, "PaymentProcessor");
        pointer_push(&mut p, "a/b~c");
        pointer_push(&mut p, "");
        pointer_push(&mut p, "~1");
        assert_eq!(p, "/features/PaymentProcessor/a~1b~0c//~01");
    }
}
