//! Loading: the snapshot document (the wire form) checked and compiled into
//! the model that evaluation runs on (SPEC section 1).
//!
//! Whole-snapshot errors refuse the document; every other problem is
//! recorded with its JSON Pointer and breaks only the feature it touches.
//!
//! Loading checks the whole text (JSON syntax and limits everywhere), the
//! top level, segments and activations, and finds each feature's value in
//! the text without building it; a feature is compiled the first time
//! it is evaluated or listed, so a cold start costs one feature, not all.
//!
//! Here are the entry points ([`load`], [`load_owned`], [`load_bytes`]),
//! the refusals of a text that is too big or not JSON, and what the
//! features of a snapshot share (`Shared`). Each other part has its
//! module:
//! - `document`: the document as a whole at load (top level, schema,
//!   segments, the activations read and checked on their own);
//! - `annotations`: which `description` or `meta` member of a map of
//!   names is an annotation;
//! - `lazy`: the features found at load, each compiled on first use
//!   ([`Lazy`]), and their declarations listed;
//! - `scope`: one feature's view while it compiles, and the segments it
//!   resolves for its inputs;
//! - `activations`: the activations a feature resolves, compiled once for
//!   every feature, and their problems;
//! - `cache`: what features build once and share behind a lock (the
//!   lists of activations' conditions);
//! - `features`, `conditions`, `segments`: a feature and its rules, a
//!   condition, a segment, compiled;
//! - `reader`: reading the JSON with pointers, and the problems said.

mod activations;
mod annotations;
mod cache;
mod conditions;
mod document;
mod features;
mod lazy;
pub(crate) mod reader;
mod scope;
mod segments;
pub use segments::MAX_PLACEHOLDERS;

use activations::{ActivationCache, Parses};
use cache::{Cache, Payload, SetCache};
use document::{compile_document, SECTIONS};
pub use lazy::{discard, Lazy};
use scope::Scope;
pub use segments::{has_placeholder, placeholders};
use segments::{Interner, SegmentDef};

use crate::index::NameIndex;
use crate::json::{self, Value};
use crate::prelude::*;
use crate::problem::SnapshotError;
use crate::text::concat;
/// A value computed once, on first use: shared between threads where the
/// standard library is there, a plain cell in the single-threaded
/// WebAssembly build.
#[cfg(not(feature = "std"))]
use core::cell::OnceCell as Once;
#[cfg(feature = "std")]
use std::sync::OnceLock as Once;

/// The largest snapshot accepted: 16 MiB.
pub const MAX_SNAPSHOT_BYTES: usize = 16 * 1024 * 1024;

fn refuse(path: &str, message: String) -> SnapshotError {
    SnapshotError {
        path: path.to_owned(),
        message,
    }
}

/// Loads a snapshot from text (see [`load_owned`]). A text over
/// [`MAX_SNAPSHOT_BYTES`] is refused before it is copied: a server handed
/// a 1 GB body would otherwise hold it twice only to refuse it.
pub fn load(text: &str) -> Result<Compiled, SnapshotError> {
    if text.len() > MAX_SNAPSHOT_BYTES {
        return Err(too_big(text.len()));
    }
    load_owned(text.to_owned())
}

/// Loads a snapshot from UTF-8 bytes (see [`load_owned`]). Invalid
/// sequences read as U+FFFD, as `TextDecoder` and `fetch`'s `text()` do.
pub fn load_bytes(bytes: Vec<u8>) -> Result<Compiled, SnapshotError> {
    if bytes.len() > MAX_SNAPSHOT_BYTES {
        return Err(too_big(bytes.len()));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => lossy(e.as_bytes()),
    };
    load_owned(text)
}

/// `bytes` as text, each invalid sequence (or an incomplete one at the end)
/// as one U+FFFD: what `String::from_utf8_lossy` gives, by the `from_utf8`
/// that the module links anyway (`from_utf8_lossy` brings a second UTF-8
/// decoder, 1 KB of WebAssembly).
fn lossy(mut bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() + 2);
    loop {
        match core::str::from_utf8(bytes) {
            Ok(valid) => {
                text.push_str(valid);
                return text;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                text.push_str(core::str::from_utf8(valid).unwrap_or_default());
                text.push(char::REPLACEMENT_CHARACTER);
                bytes = rest
                    .get(e.error_len().unwrap_or(rest.len())..)
                    .unwrap_or_default();
            }
        }
    }
}

/// The refusal of a snapshot of `len` bytes, over [`MAX_SNAPSHOT_BYTES`]:
/// for callers that stop reading past the limit (the command line).
#[must_use]
pub fn too_big(len: usize) -> SnapshotError {
    let mut message = String::from("the snapshot is ");
    crate::text::push_u64(&mut message, len as u64);
    message.push_str(" bytes, more than the limit of 16 MiB (16777216 bytes)");
    refuse("", message)
}

/// Checks a snapshot and prepares it for evaluation, keeping the text:
/// each feature is compiled from it on first use.
pub fn load_owned(text: String) -> Result<Compiled, SnapshotError> {
    if text.len() > MAX_SNAPSHOT_BYTES {
        return Err(too_big(text.len()));
    }
    let (doc, deferred) = json::parse_deferring(&text, &json::Limits::default(), &SECTIONS)
        .map_err(|e| unreadable(&text, &e))?;
    let mut compiled = compile_document(&doc, deferred, &text)?;
    drop(doc);
    compiled.features.text = text.into_boxed_str();
    Ok(compiled)
}

/// The refusal of `text`, which did not parse as JSON within the limits
/// (`e`). Out of line, like the other refusals and problems of a load: a
/// WebAssembly engine compiles a function when it is first called, so a
/// load that finds nothing wrong does not compile them.
#[cold]
#[inline(never)]
fn unreadable(text: &str, e: &json::ParseError) -> SnapshotError {
    // (A server's empty answer, an empty file: said plainly.)
    let rest = text.strip_prefix('\u{feff}').unwrap_or(text);
    if rest
        .bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        return refuse("", "invalid JSON: the snapshot is empty".to_owned());
    }
    let what = if e.is_limit() {
        "over the limits: "
    } else {
        "invalid JSON: "
    };
    refuse(&e.pointer, concat(&[what, &e.describe()]))
}

/// A snapshot checked and prepared for evaluation: what an `Engine` holds.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The snapshot's revision, `""` when it has none.
    pub revision: String,
    /// The segment names, by segment id.
    pub segments: Vec<String>,
    /// The features, each compiled on first use.
    pub features: Lazy,
}

/// The value at `span` of `text`, a place a load found and checked (see
/// [`SECTIONS`]), so its parse does not fail; if it did, the value would
/// read as null and its feature or activation say it expected an object.
fn parse_span(text: &str, span: core::ops::Range<usize>) -> Value<'_> {
    (text.get(span))
        .and_then(|t| json::parse(t, &json::Limits::default()).ok())
        .unwrap_or(Value::Null)
}

/// What all features of one snapshot share while they compile: the
/// segments and activations, checked at load.
#[derive(Clone, Debug)]
pub(crate) struct Shared {
    segments: Vec<SegmentDef>,
    segment_ids: NameIndex,
    /// Each activation's name, where its value is in the snapshot's
    /// text, and its JSON Pointer.
    activations: Vec<(String, core::ops::Range<usize>, String)>,
    activation_ids: NameIndex,
    /// Per activation id, whether it is declared more than once.
    repeated_activations: Vec<bool>,
    interner: Interner,
    /// What the conditions of activations hold beyond their segment (the
    /// sets, patterns and blocks), built once.
    sets: SetCache,
    /// Each activation's condition, compiled once (see
    /// [`CompiledWhen`](activations::CompiledWhen)).
    compiled: ActivationCache,
    /// Per activation id, whether its value was parsed, and the value,
    /// kept once it is parsed a second time (see [`Scope::activation_value`]).
    parsed: Cache<Vec<Parses>>,
}

#[cfg(test)]
mod tests;
