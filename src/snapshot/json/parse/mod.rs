//! The parser: strict RFC 8259, byte-oriented, with limits and precise errors.
//!
//! The happy path keeps no bookkeeping for error reports: a failure records
//! only its byte offset, and on its way out of the recursion each enclosing
//! container adds its step to the JSON Pointer. Line and column are computed
//! from the offset only when an error is reported.

use crate::prelude::*;
use alloc::borrow::Cow;

use super::scan::{number_end, plain_end};
use super::{Number, Value};
use crate::text::{concat, is_invisible, push_code_point, push_u64};
use error::{fail, Failure, Res, Step};

pub use error::ParseError;

mod error;

/// Hard limits that keep hostile documents cheap to refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of arrays and objects: a top-level array or object is
    /// level 1, and one nested deeper than `max_depth` levels is an error.
    ///
    /// It bounds the stack too: reading a value, writing it and dropping
    /// it go one call deeper per level (about 300 bytes a level in an
    /// optimized build, over 1 KiB in a debug build). A document nested
    /// deeper than the thread's stack allows aborts the process with a
    /// stack overflow, which is no error to handle; so a `max_depth` in
    /// the thousands needs a thread with a larger stack than the 2 MiB
    /// that Rust gives new threads. (The command line reads contexts at
    /// 1 000 levels.)
    pub max_depth: usize,
    /// Most elements in one array (objects are not limited).
    pub max_array_len: usize,
}

impl Default for Limits {
    /// 128 levels and 10 000 elements per array.
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_array_len: 10_000,
        }
    }
}

const BOM: &str = "\u{feff}";

/// Parses a whole document: one JSON value, surrounded by optional
/// whitespace, after an optional UTF-8 byte order mark.
///
/// # Errors
/// A [`ParseError`] for anything that is not one JSON value within `limits`.
pub fn parse<'a>(text: &'a str, limits: &Limits) -> Result<Value<'a>, ParseError> {
    run(text, limits, &[]).map(|(v, _)| v)
}

/// A member whose value [`parse_deferring`] checked but did not build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deferred<'a> {
    /// Which of the sections it is in (an index into those given).
    pub section: usize,
    /// The member's key.
    pub key: Cow<'a, str>,
    /// Where its value is in the text, in bytes; `parse` of that slice
    /// gives the value.
    pub span: core::ops::Range<usize>,
}

/// Parses a whole document like [`parse`], except the members of the
/// top-level object's `sections` (each that is an object): their values are
/// checked as strictly, against the same limits at their real depth, but
/// not built. They stand in the tree as `null`, and are listed in document
/// order with their places in the text, to be parsed when needed.
///
/// # Errors
/// The same [`ParseError`] as [`parse`] gives for the same text.
pub fn parse_deferring<'a>(
    text: &'a str,
    limits: &Limits,
    sections: &[&str],
) -> Result<(Value<'a>, Vec<Deferred<'a>>), ParseError> {
    run(text, limits, sections)
}

/// The starting room of the parser's stacks of array elements and object members.
const STACK_START: usize = 16;

/// The document, and the members of `sections` it deferred.
fn run<'a>(
    text: &'a str,
    limits: &Limits,
    sections: &[&str],
) -> Result<(Value<'a>, Vec<Deferred<'a>>), ParseError> {
    let start = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: start,
        limits,
        // Room for a small document's values from the start, so reading a
        // feature does not regrow them value by value.
        items: Vec::with_capacity(STACK_START),
        members: Vec::with_capacity(STACK_START),
        sections,
        defer_next: None,
        deferred: Vec::new(),
        skim_stack: Vec::new(),
    };
    match p.document() {
        Ok(v) => Ok((v, p.deferred)),
        Err(f) => Err(f.report(text, start)),
    }
}

/// Moves the elements of `stack` above `mark` into a vector of exactly their
/// number. (Nested containers have taken theirs off already, so these are
/// the ones of the container that pushed at `mark`.) `hole` is what a moved
/// element leaves behind until the stack is truncated: unlike `drain`, this
/// has no bounds check that could panic.
fn take_above<T>(stack: &mut Vec<T>, mark: usize, hole: impl Fn() -> T) -> Vec<T> {
    let taken = stack.get_mut(mark..).map_or_else(Vec::new, |above| {
        above
            .iter_mut()
            .map(|v| core::mem::replace(v, hole()))
            .collect()
    });
    stack.truncate(mark);
    taken
}

fn hex_digit(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

fn is_high_surrogate(u: u32) -> bool {
    (0xD800..0xDC00).contains(&u)
}

fn is_low_surrogate(u: u32) -> bool {
    (0xDC00..0xE000).contains(&u)
}

struct Parser<'t, 'l> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    limits: &'l Limits,
    /// Elements of the arrays being read, innermost last: each array moves
    /// its own off the top when it closes, into a vector of the exact size.
    items: Vec<Value<'t>>,
    /// Members of the objects being read, likewise.
    members: Vec<(Cow<'t, str>, Value<'t>)>,
    /// The top-level members whose members are deferred.
    sections: &'l [&'l str],
    /// Set just before a deferred section's object is read: which one.
    defer_next: Option<usize>,
    /// The deferred members met so far.
    deferred: Vec<Deferred<'t>>,
    /// The skimmer's scratch stack, kept from one deferred value to the next.
    skim_stack: Vec<(bool, usize)>,
}

// The small helpers below are `#[inline(always)]`: this crate builds at
// opt-level "z", where even one-line functions otherwise stay calls, one
// per byte read or token.
impl<'t> Parser<'t, '_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Consumes `b` if it is next.
    #[inline(always)]
    fn eat(&mut self, b: u8) -> bool {
        let found = matches!(self.peek(), Some(c) if c == b);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Consumes `word` if it is next.
    fn eat_word(&mut self, word: &[u8]) -> bool {
        let found = self
            .bytes
            .get(self.pos..)
            .is_some_and(|r| r.starts_with(word));
        if found {
            self.pos += word.len();
        }
        found
    }

    /// Past the whitespace at the current position: a test inline, the
    /// loop out of line ([`Parser::ws_end`]).
    #[inline(always)]
    fn skip_ws(&mut self) {
        if let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.ws_end();
        }
    }

    /// Skips whitespace. Out of line: inline at each of the dozen places
    /// that skip it, its loop made the parser's functions larger to
    /// compile, and the loop over a pretty-printed snapshot's features one
    /// that V8 optimized, unrolling each copy, during every cold load.
    #[inline(never)]
    fn ws_end(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// A failure at the current position.
    #[cold]
    fn fail_here(&self, message: &str) -> Box<Failure> {
        fail(self.pos, message.to_owned())
    }

    /// "unexpected end of input" at the end, else `message` here, with
    /// what is likely meant when the text is JavaScript rather than JSON.
    #[cold]
    fn expected(&self, message: &str) -> Box<Failure> {
        let hint = match self.peek() {
            None => return self.fail_here("unexpected end of input"),
            Some(0x80..) => {
                let mut m = concat(&[message, ", found "]);
                if self.name_invisible(&mut m) {
                    return fail(self.pos, m);
                }
                ""
            }
            Some(c)
                if message.starts_with("expected a string key")
                    && (c.is_ascii_alphabetic() || c == b'_') =>
            {
                " (JSON keys are in double quotes)"
            }
            _ => self.hint(),
        };
        fail(self.pos, concat(&[message, hint]))
    }

    /// What JavaScript habit the text at the current position shows, if any.
    #[cold]
    fn hint(&self) -> &'static str {
        let after_comma = || {
            let before = self.bytes.get(..self.pos).unwrap_or_default();
            before.trim_ascii_end().last() == Some(&b',')
        };
        match self.peek() {
            Some(b'/') => " (JSON has no comments)",
            Some(b'\'') => " (JSON strings and keys are in double quotes)",
            Some(b'}' | b']') if after_comma() => " (JSON has no comma before a closing bracket)",
            _ => "",
        }
    }

    /// Appends the character here by its code point, and what it is,
    /// when it shows as a blank or as nothing ([`is_invisible`]: a no-break
    /// space pasted from a web page, a zero-width space): quoted, it shows
    /// nothing wrong, and `found ' '` reads as if a space were refused.
    /// Whether it did.
    #[cold]
    fn name_invisible(&self, m: &mut String) -> bool {
        match self.text.get(self.pos..).and_then(|r| r.chars().next()) {
            Some(c) if is_invisible(c) => {
                push_code_point(m, c);
                m.push_str(", which shows as a blank or as nothing (JSON's blanks are only space, tab, line feed and carriage return)");
                true
            }
            _ => false,
        }
    }

    /// `expected a value, found 'x'`, naming a whole word such as `NaN`.
    #[cold]
    fn expected_value(&self) -> Box<Failure> {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        let Some(c) = rest.chars().next() else {
            return self.fail_here("unexpected end of input");
        };
        let mut m = String::from("expected a value, found ");
        if c.is_control() {
            m.push_str("a control character");
        } else if !self.name_invisible(&mut m) {
            let word = rest
                .char_indices()
                .find(|&(_, c)| !c.is_ascii_alphanumeric())
                .map_or(rest, |(i, _)| rest.get(..i).unwrap_or_default());
            m.push('\'');
            if word.is_empty() || word.len() > 20 {
                m.push(c);
            } else {
                m.push_str(word);
            }
            m.push('\'');
            m.push_str(self.hint());
        }
        fail(self.pos, m)
    }

    fn document(&mut self) -> Res<Value<'t>> {
        self.skip_ws();
        let v = self.value(0)?;
        self.skip_ws();
        if self.pos < self.bytes.len() {
            // (A comment after the document, such as a generator's footer,
            // is named as one, as it is inside the document.)
            let mut m = String::from("trailing characters after the JSON value, from ");
            if !self.name_invisible(&mut m) {
                m.truncate(m.len() - ", from ".len());
                m.push_str(self.hint());
            }
            return Err(fail(self.pos, m));
        }
        Ok(v)
    }

    /// One value, inside `outer` enclosing containers.
    fn value(&mut self, outer: usize) -> Res<Value<'t>> {
        match self.peek() {
            Some(b'"') => self.string().map(Value::String),
            Some(b'{') if self.defer_next.is_some() => self.deferred_object(outer),
            Some(b'{') => self.object(outer),
            Some(b'[') => self.array(outer),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(b't') if self.eat_word(b"true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat_word(b"false") => Ok(Value::Bool(false)),
            Some(b'n') if self.eat_word(b"null") => Ok(Value::Null),
            _ => Err(self.expected_value()),
        }
    }

    /// A child value of a container. If it fails, `step` (the child's place
    /// in this container) joins the pointer: `"default": tru` is an error
    /// at `/default`. But an element that never began (`[1,]`, or the end
    /// of the text) is no place: the array is the one the pointer names.
    fn child(&mut self, level: usize, step: impl FnOnce() -> Step) -> Res<Value<'t>> {
        let opening = self.peek();
        self.value(level).map_err(|mut f| {
            let began = match step() {
                Step::Index(i) => {
                    (!matches!(opening, None | Some(b']' | b'}' | b','))).then_some(Step::Index(i))
                }
                key => Some(key),
            };
            f.steps.extend(began);
            f
        })
    }

    /// Checks the depth limit for a container opening at the current position;
    /// returns the container's level.
    fn enter(&self, outer: usize) -> Res<usize> {
        if outer >= self.limits.max_depth {
            let mut m = String::from("nesting deeper than ");
            push_u64(&mut m, self.limits.max_depth as u64);
            m.push_str(" levels");
            return Err(fail(self.pos, m));
        }
        Ok(outer + 1)
    }

    #[cold]
    fn too_long(&self) -> Box<Failure> {
        let mut m = String::from("more than ");
        push_u64(&mut m, self.limits.max_array_len as u64);
        m.push_str(" values in one list");
        fail(self.pos, m)
    }

    fn array(&mut self, outer: usize) -> Res<Value<'t>> {
        let level = self.enter(outer)?;
        self.pos += 1; // '['
        self.skip_ws();
        if self.eat(b']') {
            return Ok(Value::Array(Vec::new()));
        }
        let mark = self.items.len();
        let mut index = 0usize;
        loop {
            if index >= self.limits.max_array_len {
                return Err(self.too_long());
            }
            let item = self.child(level, move || Step::Index(index))?;
            self.items.push(item);
            index += 1;
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(take_above(&mut self.items, mark, || {
                        Value::Null
                    })));
                }
                _ => return Err(self.expected("expected ',' or ']' after an array element")),
            }
        }
    }

    /// The object whose `{` is the current byte, each member (key and level)
    /// read by `member`, which pushes it onto `members` (or skips it).
    /// One loop for [`Parser::object`] and [`Parser::deferred_object`],
    /// inlined into each.
    #[inline(always)]
    fn object_with(
        &mut self,
        outer: usize,
        mut member: impl FnMut(&mut Self, Cow<'t, str>, usize) -> Res<()>,
    ) -> Res<Value<'t>> {
        let level = self.enter(outer)?;
        self.pos += 1; // '{'
        self.skip_ws();
        if self.eat(b'}') {
            return Ok(Value::Object(Vec::new()));
        }
        let mark = self.members.len();
        let mut count = 0usize;
        loop {
            let key = self.member_key(count)?;
            count += 1;
            member(self, key, level)?;
            if let Some(object) = self.member_end(mark)? {
                return Ok(object);
            }
        }
    }

    fn object(&mut self, outer: usize) -> Res<Value<'t>> {
        self.object_with(outer, |p, key, level| {
            if level == 1 && p.peek() == Some(b'{') {
                p.defer_next = p.sections.iter().position(|s| *s == key);
            }
            let value = match p.child(level, || Step::Key(String::new())) {
                Ok(v) => v,
                Err(f) => return Err(Self::keyed(f, key.into_owned())),
            };
            p.members.push((key, value));
            Ok(())
        })
    }

    /// A member's key, its colon and the whitespace up to its value;
    /// `count` members came before it.
    #[inline(always)]
    fn member_key(&mut self, count: usize) -> Res<Cow<'t, str>> {
        if self.peek() != Some(b'"') {
            return Err(self.expected(if count == 0 {
                "expected a string key or '}' in an object"
            } else {
                "expected a string key after ',' in an object"
            }));
        }
        let key = self.string()?;
        self.skip_ws();
        if !self.eat(b':') {
            return Err(self.expected("expected ':' after an object key"));
        }
        self.skip_ws();
        Ok(key)
    }

    /// After a member: `,` (then `None`, more members follow) or `}`, which
    /// closes the object whose members start at `mark` on the stack.
    #[inline(always)]
    fn member_end(&mut self, mark: usize) -> Res<Option<Value<'t>>> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_ws();
                Ok(None)
            }
            Some(b'}') => {
                self.pos += 1;
                Ok(Some(Value::Object(take_above(
                    &mut self.members,
                    mark,
                    || (Cow::Borrowed(""), Value::Null),
                ))))
            }
            _ => Err(self.expected("expected ',' or '}' after an object member")),
        }
    }

    /// The deferred section's object: each member's value is checked by the
    /// skimmer and listed with its place in the text, not built.
    ///
    /// Kept out of line (see `dev`: wasm-opt is told not to inline it
    /// either): its loop runs once per feature of a snapshot, and inside
    /// [`Parser::value`] it made the WebAssembly engine re-optimize that
    /// function during every load.
    #[inline(never)]
    fn deferred_object(&mut self, outer: usize) -> Res<Value<'t>> {
        let section = self.defer_next.take().unwrap_or_default();
        self.object_with(outer, |p, key, level| {
            p.deferred_member(section, key, level)
        })
    }

    /// One member of the deferred section, its key read: the value skimmed
    /// and its place listed. A function of its own so that the loop above
    /// stays a few bytes long: the WebAssembly engine charges a loop's whole
    /// length to its tier-up budget on every turn.
    #[inline(never)]
    fn deferred_member(&mut self, section: usize, key: Cow<'t, str>, level: usize) -> Res<()> {
        // Checked by the skimmer; if it finds anything wrong, the parser
        // reads the value again to say what and where.
        let start = self.pos;
        match super::skim::value_end(self.bytes, start, level, self.limits, &mut self.skim_stack) {
            Some(end) => self.pos = end,
            None => self.reread(level, &key)?,
        }
        let end = self.pos;
        self.deferred.push(Deferred {
            section,
            key: key.clone(),
            span: start..end,
        });
        self.members.push((key, Value::Null));
        Ok(())
    }

    /// A deferred value the skimmer refused, read by the parser to say what
    /// is wrong and where.
    #[cold]
    #[inline(never)]
    fn reread(&mut self, level: usize, key: &str) -> Res<()> {
        match self.child(level, || Step::Key(String::new())) {
            Ok(_) => Ok(()),
            Err(f) => Err(Self::keyed(f, key.to_owned())),
        }
    }

    /// Fills in the key of a placeholder step added by [`Self::child`]
    /// (so that the key is moved, not cloned, and only on failure).
    #[cold]
    fn keyed(mut f: Box<Failure>, key: String) -> Box<Failure> {
        if let Some(Step::Key(k)) = f.steps.last_mut() {
            *k = key;
        }
        f
    }

    /// A string; the current byte is its opening quote.
    fn string(&mut self) -> Res<Cow<'t, str>> {
        let start = self.pos + 1;
        let end = plain_end(self.bytes, start);
        if let Some(b'"') = self.bytes.get(end) {
            // The common case: no escapes, one exact allocation.
            self.pos = end + 1;
            return Ok(Cow::Borrowed(self.text.get(start..end).unwrap_or_default()));
        }
        self.string_with_escapes(start, end)
    }

    /// The rest of a string whose plain start is `start..end`.
    ///
    /// Out of line: a load calls [`Parser::string`] for every key, and a
    /// WebAssembly engine optimizes such a function in the background while
    /// the load runs; the smaller it is, the less that costs.
    #[cold]
    #[inline(never)]
    fn string_with_escapes(&mut self, start: usize, end: usize) -> Res<Cow<'t, str>> {
        let mut out = String::with_capacity(end.saturating_sub(start) + 16);
        out.push_str(self.text.get(start..end).unwrap_or_default());
        self.pos = end;
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(b'\n' | b'\r') => {
                    return Err(
                        self.fail_here("line break in a string (is its closing '\"' missing?)")
                    )
                }
                Some(_) => return Err(self.fail_here("control character in a string")),
                None => return Err(self.fail_here("unexpected end of input in a string")),
            }
            let run_end = plain_end(self.bytes, self.pos);
            out.push_str(self.text.get(self.pos..run_end).unwrap_or_default());
            self.pos = run_end;
        }
    }

    /// One escape sequence; the current byte is its backslash.
    fn escape(&mut self, out: &mut String) -> Res<()> {
        let c = match self.bytes.get(self.pos + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(out),
            Some(_) => return Err(self.invalid_escape()),
            None => {
                return Err(fail(
                    self.bytes.len(),
                    "unexpected end of input in a string".to_owned(),
                ))
            }
        };
        out.push(c);
        self.pos += 2;
        Ok(())
    }

    /// `\uXXXX`, combining a surrogate pair; a lone surrogate becomes U+FFFD.
    fn unicode_escape(&mut self, out: &mut String) -> Res<()> {
        let Some(unit) = self.hex4(self.pos + 2) else {
            return Err(
                self.fail_here("invalid escape '\\u' in a string (four hex digits expected)")
            );
        };
        self.pos += 6;
        let c = if is_high_surrogate(unit) {
            self.low_surrogate()
                .and_then(|low| char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)))
        } else {
            char::from_u32(unit)
        };
        out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
        Ok(())
    }

    /// A `\uXXXX` low surrogate at the current position, consumed if present.
    fn low_surrogate(&mut self) -> Option<u32> {
        if !self.bytes.get(self.pos..)?.starts_with(b"\\u") {
            return None;
        }
        let low = self.hex4(self.pos + 2).filter(|&u| is_low_surrogate(u))?;
        self.pos += 6;
        Some(low)
    }

    /// Four hex digits at `at`.
    fn hex4(&self, at: usize) -> Option<u32> {
        self.bytes
            .get(at..at + 4)?
            .iter()
            .try_fold(0, |n, &b| Some(n * 16 + hex_digit(b)?))
    }

    #[cold]
    fn invalid_escape(&self) -> Box<Failure> {
        let c = self
            .text
            .get(self.pos + 1..)
            .and_then(|s| s.chars().next())
            .unwrap_or(' ');
        if c.is_control() {
            return self.fail_here("invalid escape in a string");
        }
        let mut m = String::from("invalid escape '\\");
        m.push(c);
        m.push_str("' in a string");
        fail(self.pos, m)
    }

    fn number(&mut self) -> Res<Number<'t>> {
        let start = self.pos;
        let end = number_end(self.bytes, start).ok_or_else(|| self.fail_here("invalid number"))?;
        self.pos = end;
        Ok(Number(Cow::Borrowed(
            self.text.get(start..end).unwrap_or("0"),
        )))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests;
