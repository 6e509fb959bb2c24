//! The document as a whole, checked at load: its top level (the fields,
//! the schema, the revision), its segments compiled, its activations read
//! and each checked on its own, and its features found; what refuses the
//! whole snapshot is decided here.

use super::annotations::{deferred_annotation, map_annotation, ACTIVATION_FIELDS, SEGMENT_FIELDS};
use super::lazy::index_features;
use super::reader::{self, child, quoted, Errs, Ptr};
use super::segments::{self, Interner, SegmentDef};
use super::{refuse, ActivationCache, Cache, Compiled, Lazy, Once, Scope, SetCache, Shared};
use crate::index::NameIndex;
use crate::json::{self, Value};
use crate::prelude::*;
use crate::problem::{Problems, SnapshotError};
use crate::text::concat;

/// The sections of the document a load defers: each member's value is
/// checked and its place noted, and it is parsed when it compiles (the
/// index of a name here is [`json::Deferred::section`]).
pub(super) const SECTIONS: [&str; 2] = ["features", "activations"];

pub(super) fn compile_document(
    doc: &Value,
    deferred: Vec<json::Deferred<'_>>,
    text: &str,
) -> Result<Compiled, SnapshotError> {
    let Some(members) = doc.as_object() else {
        return Err(refuse(
            "",
            concat(&["the snapshot must be a JSON object, found ", doc.kind()]),
        ));
    };
    const TOP: [&str; 7] = [
        "schema",
        "revision",
        "segments",
        "activations",
        "features",
        "description",
        "meta",
    ];
    let mut fields: [Option<&Value>; 7] = [None; 7];
    let mut problems = Problems::default();
    // Unknown fields seen so far: a repeated one is a problem, not a
    // refusal (it is ignored either way).
    let mut unknown = NameIndex::new();
    for (key, value) in members {
        let known = TOP.iter().position(|k| k == key);
        let Some(slot) = known.and_then(|i| fields.get_mut(i)) else {
            unknown_field(key, &TOP, &mut unknown, &mut problems);
            continue;
        };
        if slot.is_some() {
            // Read by nothing: the first is kept, the rest said. (Another
            // field given twice is ambiguous: which `features` was meant?)
            top_field_again(key, &mut problems)?;
            continue;
        }
        *slot = Some(value);
    }
    let top = |name: &str| {
        TOP.iter()
            .position(|k| *k == name)
            .and_then(|i| fields.get(i).copied().flatten())
    };
    match top("schema") {
        Some(Value::Number(n)) if reads_as_one(n.as_str()) => {}
        other => return Err(unsupported_schema(other)),
    }
    // A wrong type below the top level is a problem, not a refusal (SPEC:
    // only the whole-snapshot errors refuse): the part reads as empty.
    let revision = match top("revision") {
        None => String::new(),
        Some(Value::String(s)) => s.to_string(),
        Some(other) => {
            problems.push("/revision", reader::expected("a string", other));
            String::new()
        }
    };
    if let Some(d) = top("description").filter(|d| d.as_str().is_none()) {
        problems.push("/description", reader::expected("a string", d));
    }
    let mut section = |name: &str| match top(name) {
        None => &[][..],
        Some(v) => v.as_object().unwrap_or_else(|| {
            problems.push(&child("", name), reader::expected("an object", v));
            &[]
        }),
    };
    let segments_doc = section("segments");
    let (features_doc, activations_doc) = (section("features"), section("activations"));
    // The parser defers the members of `features` and `activations`, each
    // only when it is an object; should it have deferred any otherwise,
    // they are none of these.
    let is_object = |name: &str| matches!(top(name), Some(Value::Object(_)));
    let (features_object, activations_object) = (is_object("features"), is_object("activations"));
    let (deferred, deferred_activations): (Vec<_>, Vec<_>) =
        deferred.into_iter().partition(|d| d.section == 0);
    let deferred = if features_object {
        deferred
    } else {
        Vec::new()
    };

    let mut interner = Interner::default();
    let mut segments: Vec<SegmentDef> = Vec::with_capacity(segments_doc.len());
    let mut segment_ids = NameIndex::new();
    let segments_root = Ptr::root("/segments");
    let mut annotations = [false; 2];
    for (name, value) in segments_doc {
        if map_annotation(
            name,
            value,
            "/segments",
            &SEGMENT_FIELDS,
            &mut annotations,
            &mut problems,
        ) {
            continue;
        }
        let ptr = segments_root.key(name);
        let mut errs = Errs::within(name.len().saturating_add(value.weight()));
        let def = if segment_ids.contains(name) {
            errs.add(
                &ptr,
                concat(&["the segment ", &quoted(name), " is declared more than once"]),
            );
            None
        } else {
            Some(segments::compile(
                name,
                value,
                &ptr,
                &mut interner,
                &mut errs,
            ))
        };
        for (p, m) in errs.finish(&ptr) {
            problems.push(&p, m);
        }
        match def {
            Some(def) => {
                segment_ids.insert(name, u32::try_from(segments.len()).unwrap_or(u32::MAX));
                segments.push(def);
            }
            None => {
                if let Some(existing) = segment_ids
                    .get(name)
                    .and_then(|i| segments.get_mut(i as usize))
                {
                    existing.ok = false;
                    existing.templates.clear();
                    existing.by_input.clear();
                }
            }
        }
    }

    let mut shared = Shared {
        segments,
        segment_ids,
        activations: Vec::new(),
        activation_ids: NameIndex::new(),
        repeated_activations: Vec::new(),
        interner,
        sets: SetCache::default(),
        compiled: ActivationCache::default(),
        parsed: Cache::default(),
    };
    if activations_object && !activations_doc.is_empty() {
        activations(deferred_activations, text, &mut shared, &mut problems);
    }

    // Features are only found here; each compiles on first use (see Lazy).
    let (entries, order, feature_ids) =
        index_features(deferred, features_doc.len(), text, &mut problems);
    let names = shared.segments.iter().map(|s| s.name.clone()).collect();
    let lazy = Lazy {
        text: Box::default(),
        shared,
        entries,
        by_name: feature_ids,
        order,
        at_load: problems.into_vec(),
        all_problems: Once::new(),
    };

    Ok(Compiled {
        revision,
        segments: names,
        features: lazy,
    })
}

/// The problem for `key`, a field at the top level that is none of `top`:
/// said once per name, then as a repeat (`unknown` holds the names seen).
#[cold]
#[inline(never)]
fn unknown_field(key: &str, top: &[&str], unknown: &mut NameIndex, problems: &mut Problems) {
    let message = if unknown.insert(key, 0) {
        let mut m = concat(&["unknown field ", &quoted(key), " (ignored)"]);
        reader::did_you_mean(&mut m, &[top], key);
        m
    } else {
        concat(&["the field ", &quoted(key), " appears more than once"])
    };
    problems.push(&child("", key), message);
}

/// A known field given again at the top level: a problem for a
/// `description` or a `meta` (the first is kept), a refusal for any other.
#[cold]
#[inline(never)]
fn top_field_again(key: &str, problems: &mut Problems) -> Result<(), SnapshotError> {
    if key == "description" || key == "meta" {
        problems.push(
            &child("", key),
            concat(&[
                "the field ",
                &quoted(key),
                " appears more than once (the first is kept)",
            ]),
        );
        return Ok(());
    }
    Err(refuse(
        &child("", key),
        concat(&["the field ", &quoted(key), " appears more than once"]),
    ))
}

/// The refusal of a snapshot whose `schema` is missing (`None`) or not 1.
#[cold]
#[inline(never)]
fn unsupported_schema(schema: Option<&Value>) -> SnapshotError {
    let Some(other) = schema else {
        return refuse(
            "",
            "the field 'schema' is required (this engine reads schema 1)".to_owned(),
        );
    };
    // `"1"` read as 1 by its author: say that it is the type that is wrong.
    // Only for text that reads as 1: `"2"` is a schema this engine does
    // not read, which writing 1 would not make it.
    let hint = if other.as_str().is_some_and(reads_as_one) {
        " (the schema is a number: write \"schema\": 1)"
    } else {
        ""
    };
    refuse(
        "/schema",
        concat(&[
            "unsupported schema ",
            &other.to_json(),
            "; this engine reads schema 1",
            hint,
        ]),
    )
}

/// Whether text given as the schema reads as the number 1 (`"1"`,
/// `" 1.0 "`), as a number given as the schema must. Also the test of the
/// number itself (whose text has no blanks to trim): one copy of the test.
fn reads_as_one(text: &str) -> bool {
    crate::ops::decimal::scaled_u64(text.trim_ascii(), 0) == Some(1)
}

/// The top-level activations: read into `shared` (each its name, where
/// its value is in the text, and its pointer), then each (its name and its
/// condition) checked on its own so that problems in unused ones are
/// reported too. Out of line, and called only when there are some: a
/// WebAssembly engine compiles a function when it is first called.
///
/// An activation keeps its place in the text, not its parsed value: a
/// condition is parsed when it compiles (once, when it compiles without
/// problems, see [`CompiledWhen`](super::activations::CompiledWhen); one
/// parsed a second time is kept parsed, see [`Scope::activation_value`]).
/// Kept parsed, a list of 10 000 ids held about 48 bytes of WebAssembly
/// memory an id for as long as the engine lived, beside the set built from
/// it.
#[inline(never)]
fn activations(
    deferred: Vec<json::Deferred<'_>>,
    text: &str,
    shared: &mut Shared,
    problems: &mut Problems,
) {
    shared.activations.reserve_exact(deferred.len());
    let mut annotations = [false; 2];
    for member in deferred {
        if deferred_annotation(
            &member,
            text,
            "/activations",
            &ACTIVATION_FIELDS,
            &mut annotations,
            problems,
        ) {
            continue;
        }
        let name = member.key;
        let ptr = child("/activations", &name);
        if let Some(i) = shared.activation_ids.get(&name) {
            problems.push(
                &ptr,
                concat(&[
                    "the activation ",
                    &quoted(&name),
                    " is declared more than once",
                ]),
            );
            if let Some(r) = shared.repeated_activations.get_mut(i as usize) {
                *r = true;
            }
            continue;
        }
        let id = u32::try_from(shared.activations.len()).unwrap_or(u32::MAX);
        shared.activation_ids.insert(&name, id);
        shared
            .activations
            .push((name.into_owned(), member.span, ptr));
        shared.repeated_activations.push(false);
    }
    let shared = &*shared;
    for (name, span, ptr) in &shared.activations {
        let mut errs = Errs::within(name.len().saturating_add(span.len()));
        let at = Ptr::root(ptr);
        reader::check_name(name, &at, &mut errs);
        let mut scope = Scope::new(shared, text);
        scope.begin_any_input();
        scope.activation(name, &at, 0, &mut errs);
        for (p, m) in errs.finish(&at) {
            problems.push(&p, m);
        }
    }
}
