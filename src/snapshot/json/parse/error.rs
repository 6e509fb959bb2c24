//! The parser's errors: a failure carries only its byte offset and message
//! out of the recursion, each enclosing container adding its step to the
//! pointer; line, column and pointer are worked out only when it is
//! reported, as a [`ParseError`].

use crate::prelude::*;
use crate::text::push_u64;

/// Why a text is not acceptable JSON, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters (Unicode scalar values) of the line.
    pub column: u32,
    /// RFC 6901 JSON Pointer of the array or object being read when the
    /// error happened (`""` for the top level).
    pub pointer: String,
    /// What is wrong: a short lowercase sentence.
    pub message: String,
}

impl ParseError {
    /// `line L, column C: message`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut s = String::with_capacity(self.message.len() + 24);
        s.push_str("line ");
        push_u64(&mut s, u64::from(self.line));
        s.push_str(", column ");
        push_u64(&mut s, u64::from(self.column));
        s.push_str(": ");
        s.push_str(&self.message);
        s
    }

    /// Whether the text is JSON that goes past a limit (nesting, list
    /// length) rather than text that is not JSON.
    #[must_use]
    pub fn is_limit(&self) -> bool {
        self.message.starts_with("nesting deeper than ")
            || (self.message.starts_with("more than ")
                && self.message.ends_with(" values in one list"))
    }
}

/// `line L, column C: message`, as [`ParseError::describe`] gives it.
impl core::fmt::Display for ParseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl core::error::Error for ParseError {}

/// One step of a JSON Pointer, collected while an error leaves the recursion.
pub(super) enum Step {
    Index(usize),
    Key(String),
}

/// An error on its way out: the byte offset, the message, and the pointer
/// steps added so far (innermost first).
pub(super) struct Failure {
    at: usize,
    message: String,
    pub(super) steps: Vec<Step>,
}

/// Boxed so that `Result<Value, _>` stays as small as `Value`.
pub(super) type Res<T> = Result<T, Box<Failure>>;

#[cold]
#[inline(never)]
pub(super) fn fail(at: usize, message: String) -> Box<Failure> {
    Box::new(Failure {
        at,
        message,
        steps: Vec::new(),
    })
}

impl Failure {
    /// The error as reported: line and column counted from the start of
    /// `text` (not counting a skipped byte order mark), the pointer built.
    #[cold]
    pub(super) fn report(self, text: &str, start: usize) -> ParseError {
        let bytes = text.as_bytes();
        let before = bytes.get(..self.at).unwrap_or(bytes);
        // A line ends at LF, CRLF or a lone CR (as editors count lines).
        let breaks =
            |i: usize, &b: &u8| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        let line = before
            .iter()
            .enumerate()
            .filter(|(i, b)| breaks(*i, b))
            .count()
            + 1;
        let line_start = before
            .iter()
            .enumerate()
            .rev()
            .find(|(i, b)| breaks(*i, b))
            .map_or(start, |(i, _)| i + 1);
        let column = before
            .get(line_start..)
            .map_or(0, |l| l.iter().filter(|&&b| !is_continuation(b)).count())
            + 1;
        let mut pointer = String::new();
        for step in self.steps.iter().rev() {
            match step {
                Step::Index(i) => {
                    pointer.push('/');
                    push_u64(&mut pointer, *i as u64);
                }
                Step::Key(k) => crate::json::pointer_push(&mut pointer, k),
            }
        }
        ParseError {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            pointer,
            message: self.message,
        }
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}
