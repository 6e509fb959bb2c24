//! The skimmer: checks that a JSON value is well formed and within the
//! limits, as fast as a byte loop allows, building nothing.
//!
//! It accepts exactly what the parser accepts (same grammar, same limits)
//! but reports only *that* something is wrong: the caller then runs the
//! parser, which says what and where. Used for the values loading defers
//! (each feature's rules), which are compiled one by one later.

use super::parse::{number_end, plain_end};
use super::Limits;
use crate::prelude::*;

/// Where the value starting at `start` ends, if it is one well-formed JSON
/// value whose containers nest within `limits` when the value itself sits
/// inside `outer` containers. `None` when anything is wrong.
///
/// `stack` is scratch space (per open container: whether it is an array,
/// and its element count), passed in so that one allocation serves every
/// value a load skims.
///
/// Kept out of line: it is the hot loop of loading, and a small function
/// of its own is what a WebAssembly engine optimizes first and fastest.
#[inline(never)]
pub(super) fn value_end(
    bytes: &[u8],
    start: usize,
    outer: usize,
    limits: &Limits,
    stack: &mut Vec<(bool, usize)>,
) -> Option<usize> {
    stack.clear();
    let mut pos = start;
    loop {
        // A value at `pos`.
        match *bytes.get(pos)? {
            b'"' => pos = string_end(bytes, pos)?,
            b'{' | b'[' => {
                let array = matches!(bytes.get(pos), Some(b'['));
                if outer + stack.len() >= limits.max_depth {
                    return None;
                }
                pos = skip_ws(bytes, pos + 1);
                let close = if array { b']' } else { b'}' };
                if bytes.get(pos).is_some_and(|&b| b == close) {
                    pos += 1;
                } else {
                    stack.push((array, 1));
                    if array {
                        if limits.max_array_len == 0 {
                            return None;
                        }
                    } else {
                        pos = member_key(bytes, pos)?;
                    }
                    continue;
                }
            }
            b't' => pos = word(bytes, pos, b"true")?,
            b'f' => pos = word(bytes, pos, b"false")?,
            b'n' => pos = word(bytes, pos, b"null")?,
            b'-' | b'0'..=b'9' => pos = number_end(bytes, pos)?,
            _ => return None,
        }
        // After a value: close containers or move to the next element.
        loop {
            let Some((array, count)) = stack.last_mut() else {
                return Some(pos);
            };
            pos = skip_ws(bytes, pos);
            match *bytes.get(pos)? {
                b',' => {
                    pos = skip_ws(bytes, pos + 1);
                    if *array {
                        if *count >= limits.max_array_len {
                            return None;
                        }
                        *count += 1;
                    } else {
                        pos = member_key(bytes, pos)?;
                    }
                    break;
                }
                b']' if *array => {
                    pos += 1;
                    stack.pop();
                }
                b'}' if !*array => {
                    pos += 1;
                    stack.pop();
                }
                _ => return None,
            }
        }
    }
}

#[inline(always)]
fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

/// A member's key, the colon and the whitespace up to its value.
fn member_key(bytes: &[u8], pos: usize) -> Option<usize> {
    if !matches!(bytes.get(pos), Some(b'"')) {
        return None;
    }
    let pos = skip_ws(bytes, string_end(bytes, pos)?);
    if !matches!(bytes.get(pos), Some(b':')) {
        return None;
    }
    Some(skip_ws(bytes, pos + 1))
}

fn word(bytes: &[u8], pos: usize, w: &[u8]) -> Option<usize> {
    bytes.get(pos..)?.starts_with(w).then_some(pos + w.len())
}

/// The end of the string whose opening quote is at `pos`.
fn string_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut pos = pos + 1;
    loop {
        pos = plain_end(bytes, pos);
        match *bytes.get(pos)? {
            b'"' => return Some(pos + 1),
            b'\\' => {
                pos += match *bytes.get(pos + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                    b'u' => {
                        let hex = bytes.get(pos + 2..pos + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        6
                    }
                    _ => return None,
                };
            }
            _ => return None, // a control character
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::json::parse;

    /// Whether the skimmer takes `text` as one document (whitespace around).
    fn skims(text: &str, limits: &Limits) -> bool {
        let bytes = text.as_bytes();
        let start = skip_ws(bytes, 0);
        value_end(bytes, start, 0, limits, &mut Vec::new())
            .is_some_and(|end| skip_ws(bytes, end) == bytes.len())
    }

    fn same(text: &str) {
        let small = Limits {
            max_depth: 3,
            max_array_len: 2,
        };
        for limits in [Limits::default(), small] {
            assert_eq!(
                skims(text, &limits),
                parse(text, &limits).is_ok(),
                "{text:?} with {limits:?}"
            );
        }
    }

    #[test]
    fn accepts_exactly_what_the_parser_accepts() {
        let cases = [
            "1",
            "-0",
            "01",
            "1.",
            "1.5e+3",
            "-",
            "1e",
            "true",
            "tru",
            "nul",
            "null ",
            " [ ] ",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[1,2]",
            "[1,2,3]",
            "[[[]]]",
            "[[[[]]]]",
            "{}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{\"a\":1 \"b\":2}",
            "{\"a\":[1,{\"b\":null}]}",
            "{1:2}",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"\\ud800\"",
            "\"\\q\"",
            "\"a\u{1}\"",
            "\"é\\n\"",
            "\"",
            "\"\\",
            "[\"a\"]]",
            "{\"a\":1}}",
            "{\"a\" : [ true , false ] }",
            "\t\r\n1",
        ];
        for text in cases {
            same(text);
        }
        // Mutations of a document, as in the parser's own test.
        let base =
            "{\"a\": [1, -2.5e+3, \"x\\u00e9\\n\", true, null, {\"é\": [[]]}], \"b\": false}";
        let alphabet = [
            "", "\"", "\\", "[", "]", "{", "}", ",", ":", "0", "-", "e", ".", "u", "\\u", "\n",
            "\u{1}", "é", "t", " ", "1",
        ];
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..50_000 {
            let mut s = base.to_owned();
            for _ in 0..1 + next() % 3 {
                let mut at = (next() % (s.len() as u64 + 1)) as usize;
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                if next() % 3 == 0 && at < s.len() {
                    let mut end = at + 1;
                    while !s.is_char_boundary(end) {
                        end += 1;
                    }
                    s.replace_range(at..end, "");
                } else {
                    s.insert_str(at, alphabet[(next() % alphabet.len() as u64) as usize]);
                }
            }
            same(&s);
        }
    }
}
