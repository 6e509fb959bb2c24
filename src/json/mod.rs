//! A small, strict JSON reader and writer (RFC 8259), with no dependencies.
//!
//! The snapshot format needs things general JSON libraries do not give:
//! every object member in document order with duplicates kept (so loading
//! can report them), numbers as their exact source text (so percentages and
//! thresholds are read as exact decimals), errors with line, column and the
//! JSON Pointer of the enclosing container, and hard limits on depth and list
//! length. It is also far smaller in WebAssembly than a serde-based parser.

mod parse;
mod write;

pub use parse::{parse, Limits, ParseError};
pub use write::{pointer_push, push_string, push_value};

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, kept as its source text.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object: every member in document order, duplicates included.
    Object(Vec<(String, Value)>),
}

/// A JSON number as its exact source lexeme, e.g. `-1.5e3`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number(pub(crate) Box<str>);

impl Number {
    /// The lexeme.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nearest `f64` (`1e400` is infinity).
    #[must_use]
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }
}

impl Value {
    /// The member `key` of an object; when repeated, the last one (as
    /// JavaScript's `JSON.parse` does). `None` for other kinds.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
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
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members, if this is an object.
    #[must_use]
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The number, if this is one.
    #[must_use]
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// Whether this is `null`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The kind, for messages: "a string", "an array", …
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

    /// Compact JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        push_value(&mut out, self);
        out
    }
}
