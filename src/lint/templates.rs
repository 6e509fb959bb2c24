//! The templates of segments' `from` that cannot be what was meant: an
//! annotation (`description`, `meta`) with a `{placeholder}`, read as an
//! input's template, and a placeholder whose path starts with its input's
//! name or has spaces around a key. Looked for in the document as written,
//! once for the whole snapshot.

use super::{quoted, warning};
use crate::json::{self, Value};
use crate::prelude::*;
use crate::Problem;
use alloc::format;

/// A `description` or `meta` in a segment's `from` whose value has a
/// `{placeholder}`: read as a template for an input of that name, since it
/// could be one (names may be `description`); a description with braces
/// meant as text says so.
pub(super) fn annotations_read_as_inputs(doc: &Value, out: &mut Vec<Problem>) {
    let segments = doc
        .get("segments")
        .and_then(Value::as_object)
        .unwrap_or_default();
    let once = |members: &[(alloc::borrow::Cow<'_, str>, Value<'_>)], key: &str| {
        members.iter().filter(|(k, _)| k == key).count() == 1
    };
    for (name, segment) in segments {
        let from = segment
            .get("from")
            .and_then(Value::as_object)
            .unwrap_or_default();
        for (key, value) in from {
            let Some(text) = value.as_str() else { continue };
            let read =
                (key == "description" || key == "meta") && crate::compile::has_placeholder(text);
            // (A segment or `from` given twice is a problem, and not loaded.)
            let fields = segment.as_object().unwrap_or_default();
            if read && once(segments, name) && once(fields, "from") {
                let mut path = String::from("/segments");
                json::pointer_push(&mut path, name);
                path.push_str("/from");
                json::pointer_push(&mut path, key);
                out.push(warning(
                    path,
                    format!(
                        "read as the template of an input named {} (its value has a \
                         {{placeholder}}); if it describes the segment, write braces in it \
                         as {{{{ and }}}}",
                        quoted(key)
                    ),
                ));
            }
        }
    }
}

/// A placeholder whose path cannot be what was meant, in a segment's
/// `from`: one that starts with the input's own name (`{user.id}` for the
/// input `user`: a path starts inside the input, so this reads
/// `user.user.id`), or a key with spaces around it (`{ id }`). Either
/// makes the segment absent for every context the author had in mind,
/// so its rules never apply and its splits serve no unit, in silence.
pub(super) fn paths_outside_their_input(doc: &Value, out: &mut Vec<Problem>) {
    let segments = doc
        .get("segments")
        .and_then(Value::as_object)
        .unwrap_or_default();
    for (name, segment) in segments {
        let from = segment
            .get("from")
            .and_then(Value::as_object)
            .unwrap_or_default();
        for (input, value) in from {
            let Some(text) = value.as_str() else { continue };
            let Some(advice) =
                crate::compile::placeholders(text).find_map(|path| path_advice(input, path))
            else {
                continue;
            };
            let mut path = String::from("/segments");
            json::pointer_push(&mut path, name);
            path.push_str("/from");
            json::pointer_push(&mut path, input);
            out.push(warning(path, advice));
        }
    }
}

/// What is wrong with the placeholder path `path` of a template for
/// `input`, and how to write it, if it cannot be what was meant.
fn path_advice(input: &str, path: &str) -> Option<String> {
    let keys: Vec<&str> = path.split('.').collect();
    let trimmed: Vec<&str> = keys.iter().map(|k| k.trim()).collect();
    if trimmed != keys && !trimmed.contains(&"") {
        return Some(format!(
            "the placeholder {{{path}}} reads keys with spaces around them, which contexts \
             seldom have: write {{{}}}",
            trimmed.join(".")
        ));
    }
    match keys.as_slice() {
        [first, rest @ ..] if *first == input && !rest.is_empty() => Some(format!(
            "the placeholder {{{path}}} reads the key {} inside the input {} (a path \
             starts inside its input, so this reads {input}.{path}): write {{{}}}",
            quoted(input),
            quoted(input),
            rest.join(".")
        )),
        _ => None,
    }
}
