//! The features a load found, each compiled on first use: [`Lazy`],
//! what an engine holds of them (their places in the text, their order
//! and names, the problems of each), and how they are listed.

use super::annotations::{deferred_annotation, FEATURE_FIELDS};
use super::reader::{child, quoted, Errs, Ptr};
use super::{features, parse_span, Once, Scope, Shared};
use crate::index::NameIndex;
use crate::json::{self, Value};
use crate::model::Feature;
use crate::prelude::*;
use crate::problem::{Problem, Problems};
use crate::text::concat;

/// The features a load found, in document order: their entries (text
/// spans, compiled on first use), the order of names with repeats, and the
/// index by name.
///
/// Kept out of line (see `dev`: wasm-opt is told not to inline it either):
/// its loop runs once per feature, and inside the large function that loads
/// a snapshot it made the WebAssembly engine re-optimize all of that
/// function, which runs once, at a cost of 10-15 ms of CPU during a load.
#[inline(never)]
pub(super) fn index_features(
    deferred: Vec<json::Deferred<'_>>,
    count: usize,
    text: &str,
    problems: &mut Problems,
) -> (Vec<Entry>, Vec<Member>, NameIndex) {
    let mut entries: Vec<Entry> = Vec::with_capacity(count);
    let mut order: Vec<Member> = Vec::with_capacity(count);
    let mut feature_ids = NameIndex::new();
    let mut annotations = [false; 2];
    for member in deferred {
        if deferred_annotation(
            &member,
            text,
            "/features",
            &FEATURE_FIELDS,
            &mut annotations,
            problems,
        ) {
            continue;
        }
        let name = member.key;
        if let Some(i) = feature_ids.get(&name) {
            if let Some(e) = entries.get_mut(i as usize) {
                e.duplicated = true;
            }
            order.push(Member::Duplicate(Problem {
                path: child("/features", &name),
                message: concat(&[
                    "the feature ",
                    &quoted(&name),
                    " is declared more than once",
                ]),
            }));
            continue;
        }
        let index = entries.len();
        // The index keeps the name: entry `i` is the name inserted `i`-th.
        if !feature_ids.insert(&name, u32::try_from(index).unwrap_or(u32::MAX)) {
            continue;
        }
        order.push(Member::Feature(index));
        entries.push(Entry {
            span: member.span,
            duplicated: false,
            compiled: Once::new(),
        });
    }
    (entries, order, feature_ids)
}

/// One member of `/features`, in document order.
#[derive(Clone, Debug)]
pub(super) enum Member {
    /// The feature at this index of [`Lazy::entries`].
    Feature(usize),
    /// A repeated name: the problem it reports.
    Duplicate(Problem),
}

/// A feature found at load, compiled on first use.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    /// Where its JSON value is in the snapshot text.
    span: core::ops::Range<usize>,
    /// Declared more than once: it serves its default with `PARSE_ERROR`.
    duplicated: bool,
    /// Boxed, so that a feature not yet compiled costs a pointer, not the
    /// room of a compiled one.
    compiled: Once<Box<(Feature, Vec<Problem>)>>,
}

/// The features of a snapshot, compiled one by one when first needed.
///
/// Loading checks the whole document (JSON syntax and limits, top level,
/// segments, activations) and finds each feature's place in the text; a
/// feature's rules are compiled the first time it is evaluated or listed.
/// So the first evaluation after a load costs what that feature costs, not
/// what the whole snapshot costs; [`Lazy::problems`] compiles them all.
#[derive(Clone, Debug)]
pub struct Lazy {
    pub(super) text: Box<str>,
    pub(super) shared: Shared,
    pub(super) entries: Vec<Entry>,
    /// Feature indices by name; also holds each entry's name.
    pub(super) by_name: NameIndex,
    pub(super) order: Vec<Member>,
    /// Problems found at load (top level, segments, activations).
    pub(super) at_load: Vec<Problem>,
    pub(super) all_problems: Once<Vec<Problem>>,
}

/// One feature of [`Lazy::declarations_json`].
fn write_declarations(out: &mut String, f: &Feature) {
    use crate::json::{push_string, push_strings};
    out.push_str("{\"name\":");
    push_string(out, &f.name);
    out.push_str(",\"type\":\"");
    out.push_str(f.kind.as_str());
    out.push_str("\",\"implementations\":");
    push_strings(out, &f.implementations);
    out.push_str(",\"default\":");
    match f
        .default
        .and_then(|d| f.implementations.get(usize::from(d)))
    {
        Some(name) => push_string(out, name),
        None => out.push_str("null"),
    }
    out.push_str(",\"inputs\":");
    push_strings(out, &f.inputs);
    out.push('}');
}

/// Drops `lazy`: the engine's drop calls this, so that the code that
/// drops a loaded snapshot is compiled with this crate (for size, in the
/// WebAssembly build), not inlined into the engine's.
#[inline(never)]
pub fn discard(lazy: Lazy) {
    drop(lazy);
}

impl Lazy {
    /// How many features the snapshot declares (a repeated name once).
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the snapshot declares no features.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many activations the snapshot declares (their ids are below it).
    pub fn activation_count(&self) -> usize {
        self.shared.activations.len()
    }

    /// The values segment `name` declares as its `options`, as declared;
    /// `None` when it declares none (or there is no such segment).
    pub fn segment_options(&self, name: &str) -> Option<&[String]> {
        let id = self.shared.segment_ids.get(name)?;
        let (_, listed) = self.shared.segments.get(id as usize)?.options.as_ref()?;
        Some(listed)
    }

    /// The snapshot's text, as loaded.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// How many features are compiled so far.
    pub fn compiled_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.compiled.get().is_some())
            .count()
    }

    /// The index of the feature named `name`.
    #[inline]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).map(|i| i as usize)
    }

    /// The name of the feature at `index`, without compiling it.
    #[inline]
    pub fn name(&self, index: usize) -> Option<&str> {
        self.by_name.key(index)
    }

    /// The JSON text of the feature at `index`, as the snapshot has it;
    /// `None` for a name declared more than once.
    pub fn source(&self, index: usize) -> Option<&str> {
        let entry = self.entries.get(index).filter(|e| !e.duplicated)?;
        self.text.get(entry.span.clone())
    }

    /// The feature at `index`, compiled on first use.
    #[inline]
    pub fn feature(&self, index: usize) -> Option<&Feature> {
        self.compiled(index).map(|(f, _)| f)
    }

    /// `f` of the feature at `index` as far as its declarations go (name,
    /// kind, implementations, default, declared inputs: what listing
    /// features needs), without compiling its rules when it is not compiled
    /// yet (nor keeping what was read).
    pub fn with_declarations<R>(&self, index: usize, f: impl FnOnce(&Feature) -> R) -> Option<R> {
        let entry = self.entries.get(index)?;
        if let Some(compiled) = entry.compiled.get() {
            return Some(f(&compiled.0));
        }
        let name = self.by_name.key(index).unwrap_or_default();
        Some(f(&features::declarations(name, &self.value(entry))))
    }

    /// The features' declarations as a JSON array of `{name, type,
    /// implementations, default, inputs}` (what `engine.features` gives in
    /// JavaScript), compiling no rules. Written here, in the crate built for
    /// size: a listing runs once per load, not per evaluation.
    pub fn declarations_json(&self) -> String {
        let mut out = String::from("[");
        for i in 0..self.len() {
            if i > 0 {
                out.push(',');
            }
            self.with_declarations(i, |f| write_declarations(&mut out, f));
        }
        out.push(']');
        out
    }

    /// A feature's JSON value, parsed from its place in the text. The text
    /// was checked at load, so this parse cannot fail; if it did, the
    /// feature would report "expected an object" and degrade alone.
    fn value(&self, entry: &Entry) -> Value<'_> {
        parse_span(&self.text, entry.span.clone())
    }

    #[inline]
    fn compiled(&self, index: usize) -> Option<&(Feature, Vec<Problem>)> {
        let entry = self.entries.get(index)?;
        match entry.compiled.get() {
            Some(done) => Some(done),
            None => self.compile_once(index, entry),
        }
    }

    /// Compiles feature `index` and keeps it. Not `get_or_init`: in the
    /// WebAssembly build its check against a reentrant init drops a
    /// compiled feature inline (0.8 KB of the module), where here the one
    /// dropped, if any, goes through the feature's own drop code.
    #[cold]
    #[inline(never)]
    fn compile_once<'a>(
        &self,
        index: usize,
        entry: &'a Entry,
    ) -> Option<&'a (Feature, Vec<Problem>)> {
        let made = Box::new(self.compile(index, entry));
        // (Already set only by another thread that compiled it meanwhile:
        // the same feature, so either one serves.)
        drop(entry.compiled.set(made));
        entry.compiled.get().map(|done| &**done)
    }

    #[cold]
    #[inline(never)]
    fn compile(&self, index: usize, entry: &Entry) -> (Feature, Vec<Problem>) {
        let name = self.by_name.key(index).unwrap_or_default();
        let features_root = Ptr::root("/features");
        let ptr = features_root.key(name);
        let value = self.value(entry);
        let mut errs = Errs::within(name.len().saturating_add(entry.span.len()));
        let mut scope = Scope::new(&self.shared, &self.text);
        let mut feature = features::compile(name, &value, &ptr, &mut scope, &mut errs);
        if entry.duplicated {
            feature.body = None;
        }
        let mut problems = Vec::new();
        for (path, message) in errs.finish(&ptr) {
            problems.push(Problem { path, message });
        }
        (feature, problems)
    }

    /// Every problem: those found at load, then each feature's in document
    /// order, without repeats. Compiles every feature.
    pub fn problems(&self) -> &[Problem] {
        self.all_problems.get_or_init(|| {
            let mut all = Problems::default();
            for p in &self.at_load {
                all.push(&p.path, p.message.clone());
            }
            for member in &self.order {
                match member {
                    Member::Duplicate(p) => all.push(&p.path, p.message.clone()),
                    Member::Feature(i) => {
                        for p in self.compiled(*i).map_or(&[][..], |(_, ps)| ps) {
                            all.push(&p.path, p.message.clone());
                        }
                    }
                }
            }
            all.into_vec()
        })
    }

    /// The input names segments convert, by [`InputId`](crate::model::InputId).
    pub fn inputs(&self) -> &[String] {
        &self.shared.interner.inputs
    }

    /// Every (input, path) the segments read, by [`crate::model::SlotId`].
    pub fn slots(&self) -> &[crate::model::Slot] {
        &self.shared.interner.slots
    }
}
