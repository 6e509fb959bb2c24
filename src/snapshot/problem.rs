//! Errors as data: every snapshot problem names its place as a JSON Pointer.

use crate::prelude::*;

/// A problem found in a snapshot that does not stop it from loading: the
/// feature it touches serves its default with reason `ERROR`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// RFC 6901 JSON Pointer to the offending place, e.g. `/features/A/rules/1/split/weights`.
    pub path: String,
    /// What is wrong, as a sentence a person understands.
    pub message: String,
}

impl Problem {
    /// The one-line form `path: message` used by the command-line tool.
    #[must_use]
    pub fn line(&self) -> String {
        line(&self.path, &self.message)
    }

    /// `list` as a JSON array of `{path, message}`.
    #[must_use]
    pub fn list_json(list: &[Problem]) -> String {
        use crate::json::push_string;
        let mut out = String::from("[");
        for (i, p) in list.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"path\":");
            push_string(&mut out, &p.path);
            out.push_str(",\"message\":");
            push_string(&mut out, &p.message);
            out.push('}');
        }
        out.push(']');
        out
    }
}

/// `path: message`, as [`Problem::line`] gives it, so that a problem can
/// be logged as it is (`{problem}`).
impl core::fmt::Display for Problem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write_line(f, &self.path, &self.message)
    }
}

/// A problem that refuses the whole snapshot: invalid JSON, a `schema` other
/// than 1, a top level that is not an object, or a limit exceeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotError {
    /// JSON Pointer to the place, `""` for the document itself.
    pub path: String,
    /// What is wrong; for invalid JSON it starts with `line L, column C:`.
    pub message: String,
}

impl SnapshotError {
    /// The one-line form `path: message`.
    #[must_use]
    pub fn line(&self) -> String {
        line(&self.path, &self.message)
    }
}

/// `path: message`, as [`SnapshotError::line`] gives it.
impl core::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write_line(f, &self.path, &self.message)
    }
}

/// [`line`], written to a formatter.
fn write_line(f: &mut core::fmt::Formatter<'_>, path: &str, message: &str) -> core::fmt::Result {
    if !path.is_empty() {
        f.write_str(path)?;
        f.write_str(": ")?;
    }
    f.write_str(message)
}

impl core::error::Error for SnapshotError {}

/// `path: message`; the message alone for the document itself (whose
/// pointer is `""`: `/` would point at a key named `""`), as the
/// JavaScript `SnapshotError` writes it.
fn line(path: &str, message: &str) -> String {
    if path.is_empty() {
        return message.to_owned();
    }
    crate::text::concat(&[path, ": ", message])
}

/// The problems of one load, kept in the order found and without repeats.
#[derive(Default, Debug)]
pub struct Problems {
    list: Vec<Problem>,
    seen: crate::index::NameIndex,
}

impl Problems {
    /// Records a problem unless the same one is already recorded.
    pub fn push(&mut self, path: &str, message: String) {
        if self
            .seen
            .insert(&crate::text::concat(&[path, "\u{0}", &message]), 0)
        {
            self.list.push(Problem {
                path: path.to_owned(),
                message,
            });
        }
    }

    /// The problems, in the order found.
    #[must_use]
    pub fn into_vec(self) -> Vec<Problem> {
        self.list
    }
}
