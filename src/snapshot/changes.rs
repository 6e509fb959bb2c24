//! Which features two snapshots may evaluate differently.
//!
//! A feature's implementation depends on the feature as written and on the
//! segments and activations it names (and those they name), nothing else
//! in the document. Each is compared in a form where what cannot matter is
//! alike ([`canonical`]): members in key order, numbers by value, no
//! annotations. So a snapshot published again with its keys reordered,
//! re-indented or re-annotated changes no feature, a country added to one
//! feature's rule changes that feature, and an edited segment changes
//! every feature that reads it. What may make a feature broken in one
//! snapshot and not the other (a key or a name given twice, activations
//! that refer to each other in a cycle or too deep, more input names
//! than a snapshot may have) is never taken as alike: such a feature is
//! always said to have changed.
//!
//! Each segment and activation is read once per document (an activation
//! with what it refers to, all the way down), so the work grows with the
//! document, not with how many features share an activation.
//!
//! Used by the npm package (the client's `update` event, OpenFeature's
//! `flagsChanged`) and by the command-line tool's `diff`, through
//! `feats_edge::changes`. It lives in this crate, which the WebAssembly
//! build compiles for size: it runs once per snapshot update.

use crate::compile::Lazy;
use crate::index::{heapsort, NameIndex};
use crate::json::{self, Value};
use crate::ops::decimal::Decimal;
use crate::prelude::*;
use alloc::borrow::Cow;

/// How deep activations are followed: past the SPEC's 32 levels a chain is
/// a problem of its own, so features that reach that far are never alike.
const MAX_CHAIN: u32 = 34;

/// How one feature is written, for comparison: the feature itself, and
/// what it reads (the segments and activations it names, all the way
/// down, by name and as written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// The feature as written ([`canonical`]), hashed.
    pub own: u64,
    /// What it reads, hashed.
    pub reads: u64,
}

/// The members of one of a document's sections (`segments`,
/// `activations`, `features`) by name, found in constant time. A name
/// given twice is a problem of the snapshot: it is found, as such.
struct Section<'v> {
    index: NameIndex,
    /// Each member, `None` for a name given twice.
    values: Vec<Option<&'v Value<'v>>>,
}

impl<'v> Section<'v> {
    fn new(members: &'v [(Cow<'v, str>, Value<'v>)]) -> Self {
        let mut section = Section {
            index: NameIndex::new(),
            values: Vec::with_capacity(members.len()),
        };
        for (name, value) in members {
            match section.index.get(name) {
                Some(at) => {
                    if let Some(slot) = section.values.get_mut(at as usize) {
                        *slot = None;
                    }
                }
                None => {
                    let at = u32::try_from(section.values.len()).unwrap_or(u32::MAX);
                    section.index.insert(name, at);
                    section.values.push(Some(value));
                }
            }
        }
        section
    }

    /// Member `name`: `None` when there is none, `Some(None)` when it is
    /// given twice.
    fn get(&self, name: &str) -> Option<Option<&'v Value<'v>>> {
        let at = self.index.get(name)?;
        self.values.get(at as usize).copied()
    }
}

/// The segments and activations a part of a document names itself (not
/// through the activations it names), each once, in name order: the value
/// of a `segment` or `by` member, of an `activation` member.
#[derive(Default)]
struct Named<'v> {
    segments: Vec<&'v str>,
    activations: Vec<&'v str>,
}

impl<'v> Named<'v> {
    fn of(value: &'v Value<'v>) -> Self {
        let mut named = Named::default();
        // An explicit stack: documents nest as deep as the reader allows.
        let mut stack = vec![value];
        while let Some(value) = stack.pop() {
            match value {
                Value::Object(members) => {
                    for (key, v) in members.iter() {
                        match (key.as_ref(), v) {
                            ("segment" | "by", Value::String(s)) => named.segments.push(s),
                            ("activation", Value::String(s)) => named.activations.push(s),
                            _ => stack.push(v),
                        }
                    }
                }
                Value::Array(items) => stack.extend(items.iter()),
                _ => {}
            }
        }
        for names in [&mut named.segments, &mut named.activations] {
            heapsort(names, |a, b| a < b);
            names.dedup();
        }
        named
    }
}

/// Writes `value` as compact JSON in a form where what cannot matter to a
/// feature is alike: each object's members in key order (no object's order
/// means anything: weights follow the order of `implementations`), numbers
/// in one form whatever their spelling (`50`, `50.0` and `5e1` are
/// `0.5e2`: see [`Decimal::push_normal`]), and no annotations (a
/// `description` that is a string, a `meta`). In the objects whose keys
/// are names (`weights`, `from`) they are annotations only where the
/// snapshot reads them so (see [`Keys`]). Returns whether the value can be
/// compared at all: `false` when an object gives a key twice (a problem of
/// the snapshot, which the rest of the value does not show).
pub fn canonical(value: &Value, out: &mut String) -> bool {
    canonical_in(value, Keys::Fields, out)
}

/// What an object's keys are, for telling its annotations from its entries.
#[derive(Clone, Copy, PartialEq)]
enum Keys {
    /// Field names: a string `description` and any `meta` are annotations
    /// (a `description` that is no string is a problem, so it counts).
    Fields,
    /// A `weights`' implementation names: a `description` or `meta` whose
    /// value is a number may be the weight of an implementation of that
    /// name (it counts); any other is the annotation.
    Weights,
    /// A `from`'s input names: a `description` or `meta` string with a
    /// placeholder may be the template of an input of that name (it
    /// counts); any other `meta`, and any other string `description`, is
    /// the annotation.
    From,
}

/// Whether member `key: v` of an object whose keys are `keys` is an
/// annotation, as the snapshot reads it; where it may be an entry, not.
fn annotation(keys: Keys, key: &str, v: &Value) -> bool {
    let entry = match keys {
        Keys::Fields => false,
        Keys::Weights => matches!(v, Value::Number(_)),
        Keys::From => v.as_str().is_some_and(crate::compile::has_placeholder),
    };
    match (key, v) {
        ("description", Value::String(_)) | ("meta", _) => !entry,
        _ => false,
    }
}

fn canonical_in(value: &Value, keys: Keys, out: &mut String) -> bool {
    match value {
        Value::Object(members) => {
            let mut sorted: Vec<(&str, &Value)> =
                members.iter().map(|(key, v)| (key.as_ref(), v)).collect();
            heapsort(&mut sorted, |a, b| a.0 < b.0);
            let mut clean = sorted.windows(2).all(|w| match w {
                [a, b] => a.0 != b.0,
                _ => true,
            });
            out.push('{');
            let mut first = true;
            for (key, v) in sorted {
                if annotation(keys, key, v) {
                    continue;
                }
                if !core::mem::replace(&mut first, false) {
                    out.push(',');
                }
                json::push_string(out, key);
                out.push(':');
                let inner = match key {
                    "weights" if keys == Keys::Fields => Keys::Weights,
                    "from" if keys == Keys::Fields => Keys::From,
                    _ => Keys::Fields,
                };
                clean &= canonical_in(v, inner, out);
            }
            out.push('}');
            clean
        }
        Value::Array(items) => {
            out.push('[');
            let mut clean = true;
            for (k, v) in items.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                clean &= canonical_in(v, Keys::Fields, out);
            }
            out.push(']');
            clean
        }
        Value::Number(n) => {
            match Decimal::parse(n.as_str()) {
                Some(decimal) => decimal.push_normal(out),
                None => out.push_str(n.as_str()),
            }
            true
        }
        other => {
            json::push_value(out, other);
            true
        }
    }
}

/// The hash of `value` in its canonical form; `None` when it cannot be
/// compared (see [`canonical`]).
fn print(value: &Value) -> Option<u64> {
    let mut text = String::new();
    canonical(value, &mut text).then(|| crate::hash::xxh3_64(text.as_bytes(), 0))
}

/// What is known of an activation while a document is read.
#[derive(Clone, Copy)]
enum State {
    /// Being read: met again, a cycle.
    Reading,
    /// Its print, with what it reads all the way down (`None`: never alike).
    Read(Option<u64>),
}

/// One document, read for comparison: its sections, and the prints of the
/// segments and activations met so far.
struct Document<'v> {
    /// Whether the document has more input names than a snapshot may
    /// (65 536): which segments fail then depends on their order, which no
    /// feature's print shows, so no feature is alike.
    wide: bool,
    segments: Section<'v>,
    activations: Section<'v>,
    /// By segment name: its print.
    segment_prints: (NameIndex, Vec<Option<u64>>),
    /// By activation name: its state.
    activation_states: (NameIndex, Vec<State>),
}

impl<'v> Document<'v> {
    fn new(root: &'v Value<'v>) -> Self {
        let members = |key| root.get(key).and_then(Value::as_object).unwrap_or_default();
        let section = |key| Section::new(members(key));
        // Input names given, counted with repeats (never fewer than there are).
        let inputs = members("segments")
            .iter()
            .filter_map(|(_, segment)| segment.get("from")?.as_object())
            .fold(0usize, |n, from| n.saturating_add(from.len()));
        Document {
            wide: inputs > 1 << 16,
            segments: section("segments"),
            activations: section("activations"),
            segment_prints: (NameIndex::new(), Vec::new()),
            activation_states: (NameIndex::new(), Vec::new()),
        }
    }

    /// How `feature` is written; `None` when it is never alike.
    fn written<'f>(&mut self, feature: &'f Value<'f>) -> Option<Written> {
        if self.wide {
            return None;
        }
        let own = print(feature)?;
        let reads = self.reads(feature, 0)?;
        Some(Written { own, reads })
    }

    /// The print of what `value` names: each segment and activation by
    /// name with its print (an activation's with what it reads); `0` for a
    /// name not defined.
    fn reads<'f>(&mut self, value: &'f Value<'f>, depth: u32) -> Option<u64> {
        let Named {
            segments,
            activations,
        } = Named::of(value);
        let mut text = String::new();
        for name in segments {
            let print = self.segment(name)?;
            text.push_str("/s");
            json::push_string(&mut text, name);
            crate::text::push_u64(&mut text, print);
        }
        for name in activations {
            let print = self.activation(name, depth)?;
            text.push_str("/a");
            json::push_string(&mut text, name);
            crate::text::push_u64(&mut text, print);
        }
        Some(crate::hash::xxh3_64(text.as_bytes(), 0))
    }

    fn segment(&mut self, name: &str) -> Option<u64> {
        let (index, prints) = &mut self.segment_prints;
        if let Some(at) = index.get(name) {
            return prints.get(at as usize).copied().flatten();
        }
        let value = match self.segments.get(name) {
            None => Some(0),
            Some(None) => None,
            Some(Some(value)) => print(value).map(|p| p.max(1)),
        };
        let at = u32::try_from(prints.len()).unwrap_or(u32::MAX);
        if index.insert(name, at) {
            prints.push(value);
        }
        value
    }

    fn activation(&mut self, name: &str, depth: u32) -> Option<u64> {
        let known = {
            let (index, states) = &self.activation_states;
            index
                .get(name)
                .and_then(|at| states.get(at as usize).copied())
        };
        match known {
            Some(State::Read(print)) => return print,
            Some(State::Reading) => return None,
            None => {}
        }
        let value = match self.activations.get(name) {
            None => return Some(0),
            Some(None) => None,
            Some(Some(value)) => Some(value),
        };
        let (index, states) = &mut self.activation_states;
        let at = u32::try_from(states.len()).unwrap_or(u32::MAX);
        index.insert(name, at);
        states.push(State::Reading);
        let print = value.filter(|_| depth < MAX_CHAIN).and_then(|value| {
            let own = print(value)?;
            let reads = self.reads(value, depth + 1)?;
            let mut text = String::new();
            crate::text::push_u64(&mut text, own);
            text.push('/');
            crate::text::push_u64(&mut text, reads);
            Some(crate::hash::xxh3_64(text.as_bytes(), 0).max(1))
        });
        if let Some(state) = self.activation_states.1.get_mut(at as usize) {
            *state = State::Read(print);
        }
        print
    }
}

/// Which features `new` may evaluate differently from `old`, by index:
/// those of `new` written differently in `old` or absent from it, then
/// those of `old` absent from `new`, each in its engine's order. Written
/// differently: the feature itself, or a segment or activation it reads
/// (see the module's doc). Where a document cannot be read again, every
/// feature of both.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Features of `new` (indices), changed or added.
    pub changed: Vec<usize>,
    /// Features of `old` (indices) that `new` does not have.
    pub removed: Vec<usize>,
}

/// See [`Changes`].
#[must_use]
pub fn changed(old: &Lazy, new: &Lazy) -> Changes {
    fn name(e: &Lazy, i: usize) -> &str {
        e.name(i).unwrap_or_default()
    }
    let removed = indices(old.len(), &|i| new.index_of(name(old, i)).is_none());
    // One document read at a time: a snapshot read whole takes several
    // times its size, which WebAssembly's memory keeps once grown.
    let changed = match (written(old), written(new)) {
        (Some(before), Some(after)) => indices(new.len(), &|i| {
            let was = old.index_of(name(new, i)).and_then(|j| before.get(j));
            !matches!((was, after.get(i)), (Some(Some(a)), Some(Some(b))) if a == b)
        }),
        _ => indices(new.len(), &|_| true),
    };
    Changes { changed, removed }
}

/// The indices below `n` that `keep` keeps: one function for the lists
/// of [`changed`], where `collect` was an instance each.
fn indices(n: usize, keep: &dyn Fn(usize) -> bool) -> Vec<usize> {
    let mut out = Vec::new();
    for i in 0..n {
        if keep(i) {
            out.push(i);
        }
    }
    out
}

/// How each of `snapshot`'s features is written (see [`Written`]), by
/// index: `None` for one never alike (a key or a name given twice, a cycle
/// or chain of activations too deep). `None` when the document cannot be
/// read again. Its features are read one at a time, each from its own
/// place in the text (the document's `features` are only skimmed).
#[must_use]
pub fn written(snapshot: &Lazy) -> Option<Vec<Option<Written>>> {
    let limits = json::Limits::default();
    let (doc, _) = json::parse_deferring(snapshot.text(), &limits, &["features"]).ok()?;
    let mut document = Document::new(&doc);
    let out = (0..snapshot.len())
        .map(|i| {
            let feature = json::parse(snapshot.source(i)?, &limits).ok()?;
            document.written(&feature)
        })
        .collect();
    Some(out)
}
