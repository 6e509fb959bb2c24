//! The skimmer: checks that a JSON value is well formed and within the
//! limits, as fast as a byte loop allows, building nothing.
//!
//! It accepts exactly what the parser accepts (same grammar, same limits)
//! but reports only *that* something is wrong: the caller then runs the
//! parser, which says what and where. Used for the values loading defers
//! (each feature's rules), which are compiled one by one later.

use super::scan::{number_end, plain_end};
use super::Limits;
use crate::prelude::*;

/// Where the value starting at `start` ends, if it is one well-formed JSON
/// value whose containers nest within `limits` when the value itself sits
/// inside `outer` containers. `None` when anything is wrong.
///
/// `stack` is scratch space (per open container: whether it is an array,
/// and how many elements it has so far), passed in so that one allocation
/// serves every value a load skims.
///
/// Kept out of line and small: it is the hot loop of loading, which a
/// WebAssembly engine optimizes in the background while a cold load runs,
/// competing with it for the CPU. One loop takes every token, a member's
/// key included, and opening a container is a few lines of it: V8 optimizes
/// each function that runs often enough in a job of its own, and helpers
/// for keys and for opening containers were two more such jobs during every
/// cold load. The strings' scan and what is rare per token (numbers and
/// literals, escapes) are functions of their own, so that the loop stays
/// quick to optimize.
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
    // Whether the token at `pos` must be a member's key.
    let mut key = false;
    loop {
        // A value at `pos`, or a key.
        pos = match *bytes.get(pos)? {
            b'"' => string_end(bytes, pos),
            _ if key => return None,
            b @ (b'{' | b'[') => {
                if outer + stack.len() >= limits.max_depth {
                    return None;
                }
                stack.push((b == b'[', 0));
                pos + 1
            }
            _ => scalar_end(bytes, pos),
        };
        // After it: a key's colon, the next element, or containers closing.
        loop {
            let Some((array, count)) = stack.last_mut() else {
                return (pos != BAD).then_some(pos);
            };
            pos = skip_ws(bytes, pos);
            let b = *bytes.get(pos)?;
            if key {
                if b != b':' {
                    return None;
                }
                key = false;
                pos = skip_ws(bytes, pos + 1);
                break;
            }
            match b {
                // The container closes (below).
                b']' if *array => {}
                b'}' if !*array => {}
                b',' if *count > 0 => {
                    pos = skip_ws(bytes, pos + 1);
                    if !next(*array, count, limits) {
                        return None;
                    }
                    key = !*array;
                    break;
                }
                // The first element, right after the opening bracket.
                _ if *count == 0 => {
                    if !next(*array, count, limits) {
                        return None;
                    }
                    key = !*array;
                    break;
                }
                _ => return None,
            }
            pos += 1;
            stack.pop();
        }
    }
}

/// Counts one more element of the container on top of the stack; `false`
/// when an array would have more than the limit allows.
#[inline(always)]
fn next(array: bool, count: &mut usize, limits: &Limits) -> bool {
    if array && *count >= limits.max_array_len {
        return false;
    }
    *count += 1;
    true
}

// The helpers below answer a position, or `BAD` when the bytes are wrong: a
// plain integer comes back from a WebAssembly call in a register, where an
// `Option` goes through memory. `BAD` is past any input, so a position that
// is `BAD` reads as the end of the input (`bytes.get` answers `None`) and
// the caller fails there.

/// No position: the bytes are not well-formed.
const BAD: usize = usize::MAX >> 1;

/// The end of the number, `true`, `false` or `null` at `pos`.
#[inline(never)]
fn scalar_end(bytes: &[u8], pos: usize) -> usize {
    match bytes.get(pos) {
        Some(b't') => word(bytes, pos, b"true"),
        Some(b'f') => word(bytes, pos, b"false"),
        Some(b'n') => word(bytes, pos, b"null"),
        Some(b'-' | b'0'..=b'9') => number_end(bytes, pos).unwrap_or(BAD),
        _ => BAD,
    }
}

/// Past the whitespace at `pos`: a test inline, the loop out of line.
///
/// A minified snapshot has no whitespace, and a loop of its own at every
/// place that skips it made each of the skimmer's functions slower to
/// optimize (V8 unrolls small inner loops when it does).
#[inline(always)]
fn skip_ws(bytes: &[u8], pos: usize) -> usize {
    match bytes.get(pos) {
        Some(b' ' | b'\t' | b'\n' | b'\r') => ws_end(bytes, pos),
        _ => pos,
    }
}

/// The end of the whitespace at `pos`.
#[inline(never)]
fn ws_end(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

fn word(bytes: &[u8], pos: usize, w: &[u8]) -> usize {
    match bytes.get(pos..) {
        Some(rest) if rest.starts_with(w) => pos + w.len(),
        _ => BAD,
    }
}

/// The end of the string whose opening quote is at `pos`.
///
/// Out of line: inlined into [`value_end`], its loops made that function
/// several times slower to optimize.
#[inline(never)]
fn string_end(bytes: &[u8], pos: usize) -> usize {
    let mut pos = pos + 1;
    loop {
        pos = plain_end(bytes, pos);
        match bytes.get(pos) {
            Some(b'"') => return pos + 1,
            Some(b'\\') => pos = escape_end(bytes, pos),
            _ => return BAD, // a control character, or the end
        }
    }
}

/// The end of the escape sequence whose backslash is at `pos`.
#[cold]
#[inline(never)]
fn escape_end(bytes: &[u8], pos: usize) -> usize {
    match bytes.get(pos + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => pos + 2,
        Some(b'u')
            if bytes
                .get(pos + 2..pos + 6)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
        {
            pos + 6
        }
        _ => BAD,
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
        let tiny = Limits {
            max_depth: 2,
            max_array_len: 0,
        };
        for limits in [Limits::default(), small, tiny] {
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
            "[1]",
            "[[1]]",
            "{\"a\":[true]}",
            "{\"a\":{}}",
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
            // Whitespace at every place between tokens.
            " { \"a\" : [ ] , \"b\" : { } , \"c\" : [ [ ] , { } , 1 ] } ",
            "{\n\t\"a\"\r:\n[\n1\n,\n2\n]\n}",
            "[ , ]",
            "{ : }",
            // Empty containers among others, keys where values belong and
            // back, separators missing or doubled.
            "[{},[],{\"a\":{}}]",
            "[[],[[]],[]]",
            "{\"a\":1,\"b\"}",
            "{\"a\" 1}",
            "{\"a\"::1}",
            "{,\"a\":1}",
            "[1,,2]",
            "{\"a\":1,\"b\":2,}",
            "{\"a\":[}",
            "[{]",
            "{\"a\":1]",
            "[1}",
            "{[]:1}",
            "{\"a\":\"b\":1}",
            "[\"a\":1]",
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
