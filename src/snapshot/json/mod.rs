//! A small, strict JSON reader and writer (RFC 8259), with no dependencies.
//!
//! The snapshot format needs things general JSON libraries do not give:
//! every object member in document order with duplicates kept (so loading
//! can report them), numbers as their exact source text (so percentages and
//! thresholds are read as exact decimals), errors with line, column and the
//! JSON Pointer of the enclosing container, and hard limits on depth and list
//! length. It is also far smaller in WebAssembly than a serde-based parser:
//! nothing here uses `core::fmt`, and nothing panics on any input.
//!
//! ```
//! use feats_edge_snapshot::json::{parse, Limits};
//! let doc = parse(r#"{"a": [1, 2.50], "a": "last"}"#, &Limits::default()).unwrap();
//! assert_eq!(doc.get("a").and_then(|v| v.as_str()), Some("last"));
//! assert_eq!(doc.to_json(), r#"{"a":[1,2.50],"a":"last"}"#);
//! let err = parse("[1, 2,]", &Limits::default()).unwrap_err();
//! assert_eq!(err.describe(), "line 1, column 7: expected a value, found ']' (JSON has no comma before a closing bracket)");
//! ```

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod parse;
mod scan;
mod skim;
mod write;

use crate::prelude::*;
use alloc::borrow::Cow;

pub use parse::{parse, parse_deferring, Deferred, Limits, ParseError};
pub use write::{pointer_push, push_string, push_strings, push_value};

/// A JSON value.
/// Strings borrow from the parsed text unless they contain escapes.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, kept as its source text.
    Number(Number<'a>),
    /// A string.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object: every member in document order, duplicates included.
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

/// A JSON number as its exact source lexeme, e.g. `-1.5e3`.
///
/// The lexeme always matches the JSON number grammar
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number<'a>(Cow<'a, str>);

impl<'a> Number<'a> {
    /// The number written as `lexeme`, if that is a valid JSON number.
    #[must_use]
    pub fn new(lexeme: &'a str) -> Option<Number<'a>> {
        (scan::number_end(lexeme.as_bytes(), 0) == Some(lexeme.len()))
            .then_some(Number(Cow::Borrowed(lexeme)))
    }

    /// The lexeme, exactly as written in the source.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nearest `f64` (`1e400` is infinity, `-0` is negative zero).
    #[must_use]
    pub fn to_f64(&self) -> f64 {
        // Every lexeme of the JSON grammar parses; NaN is unreachable.
        self.0.parse().unwrap_or(f64::NAN)
    }
}

impl<'a> Value<'a> {
    /// The member `key` of an object; when repeated, the last one (as
    /// JavaScript's `JSON.parse` does). `None` for other kinds.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.as_object()?
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The same value, owning all its text.
    #[must_use]
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(n) => Value::Number(Number(Cow::Owned(n.0.into_owned()))),
            Value::String(s) => Value::String(Cow::Owned(s.into_owned())),
            Value::Array(items) => Value::Array(items.into_iter().map(Value::into_owned).collect()),
            Value::Object(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
        }
    }

    /// The string, if this is one.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    #[must_use]
    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members in document order, if this is an object.
    #[must_use]
    pub fn as_object(&self) -> Option<&[(Cow<'a, str>, Value<'a>)]> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The number, if this is one.
    #[must_use]
    pub fn as_number(&self) -> Option<&Number<'a>> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// About how many bytes this value takes as compact JSON text (escapes
    /// counted as the characters they stand for): a measure of its size
    /// where its text is not at hand. (Recursive: a parsed value nests at
    /// most [`Limits::max_depth`] levels.)
    #[must_use]
    pub fn weight(&self) -> usize {
        match self {
            Value::Null | Value::Bool(_) => 4,
            Value::Number(n) => n.0.len(),
            Value::String(s) => s.len() + 2,
            Value::Array(items) => items
                .iter()
                .fold(items.len() + 1, |sum, v| sum.saturating_add(v.weight())),
            Value::Object(members) => members.iter().fold(members.len() + 1, |sum, (k, v)| {
                sum.saturating_add(k.len() + 3).saturating_add(v.weight())
            }),
        }
    }

    /// Whether this is `null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The kind, for messages such as "expected a string, found an array":
    /// "null", "a boolean", "a number", "a string", "an array" or "an object".
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// Compact JSON text (no spaces; numbers as their lexeme).
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        push_value(&mut out, self);
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Value<'_> {
        parse(text, &Limits::default()).unwrap()
    }

    #[test]
    fn accessors_match_their_kind() {
        let v = doc(r#"{"s": "x", "b": true, "n": 1.5, "a": [null], "o": {}, "z": null}"#);
        assert_eq!(v.get("s").unwrap().as_str(), Some("x"));
        assert_eq!(v.get("b").unwrap().as_bool(), Some(true));
        assert_eq!(v.get("n").unwrap().as_number().unwrap().as_str(), "1.5");
        assert_eq!(v.get("a").unwrap().as_array().unwrap().len(), 1);
        assert_eq!(v.get("o").unwrap().as_object().unwrap().len(), 0);
        assert!(v.get("z").unwrap().is_null());
        assert!(v.get("missing").is_none());
        assert!(v.get("a").unwrap().get("0").is_none());
        let s = v.get("s").unwrap();
        assert_eq!(
            (s.as_bool(), s.as_number(), s.as_array(), s.as_object()),
            (None, None, None, None)
        );
        assert!(!s.is_null());
        assert_eq!(v.get("b").unwrap().as_str(), None);
    }

    #[test]
    fn kinds_read_well_in_messages() {
        let v = doc(r#"[null, false, 0, "", [], {}]"#);
        let kinds: Vec<&str> = v.as_array().unwrap().iter().map(Value::kind).collect();
        assert_eq!(
            kinds,
            [
                "null",
                "a boolean",
                "a number",
                "a string",
                "an array",
                "an object"
            ]
        );
    }

    #[test]
    fn duplicate_keys_are_kept_and_the_last_wins() {
        let v = doc(r#"{"k": 1, "other": 0, "k": 2}"#);
        let keys: Vec<&str> = v
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_ref())
            .collect();
        assert_eq!(keys, ["k", "other", "k"]);
        assert_eq!(v.get("k").unwrap().as_number().unwrap().as_str(), "2");
    }

    #[test]
    fn numbers_keep_their_lexeme() {
        let v = doc("[1e400, -0, 0.5, 1E+2, -12.50e-3, 123456789012345678901234567890]");
        let lexemes: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_number().unwrap().as_str())
            .collect();
        assert_eq!(
            lexemes,
            [
                "1e400",
                "-0",
                "0.5",
                "1E+2",
                "-12.50e-3",
                "123456789012345678901234567890"
            ]
        );
        let f: Vec<f64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_number().unwrap().to_f64())
            .collect();
        assert_eq!(f[0], f64::INFINITY);
        assert!(f[1] == 0.0 && f[1].is_sign_negative());
        assert_eq!(&f[2..5], [0.5, 100.0, -0.0125]);
        assert_eq!(
            doc("-1e400").as_number().unwrap().to_f64(),
            f64::NEG_INFINITY
        );
        assert_eq!(doc("1e-400").as_number().unwrap().to_f64(), 0.0);
    }

    #[test]
    fn numbers_can_be_made_from_valid_lexemes_only() {
        assert_eq!(Number::new("-0.5e+3").unwrap().as_str(), "-0.5e+3");
        for bad in [
            "", "-", "01", "1.", ".5", "+1", "1e", "1e+", "1 ", "NaN", "0x10", "1.5.3",
        ] {
            assert!(Number::new(bad).is_none(), "{bad}");
        }
    }
}
