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
//! `flagsChanged`) and by the command-line tool's `diff`.

use crate::index::{heapsort, NameIndex};
use crate::json::{self, Value};
use crate::ops::decimal::Decimal;
use crate::prelude::*;
use crate::Engine;
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
/// `description` that is a string, a `meta`), but in the objects whose
/// keys are names (`weights`, `from`). Returns whether the value can be
/// compared at all: `false` when an object gives a key twice (a problem of
/// the snapshot, which the rest of the value does not show).
pub fn canonical(value: &Value, out: &mut String) -> bool {
    canonical_in(value, false, out)
}

fn canonical_in(value: &Value, names: bool, out: &mut String) -> bool {
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
                let annotation = match (key, v) {
                    ("description", Value::String(_)) | ("meta", _) => !names,
                    _ => false,
                };
                if annotation {
                    continue;
                }
                if !core::mem::replace(&mut first, false) {
                    out.push(',');
                }
                json::push_string(out, key);
                out.push(':');
                let keyed = !names && (key == "weights" || key == "from");
                clean &= canonical_in(v, keyed, out);
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
                clean &= canonical_in(v, false, out);
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
pub fn changed(old: &Engine, new: &Engine) -> Changes {
    fn name(e: &Engine, i: usize) -> &str {
        e.feature_name(i).unwrap_or_default()
    }
    let removed = (0..old.feature_count())
        .filter(|&i| new.feature_index(name(old, i)).is_none())
        .collect();
    // One document read at a time: a snapshot read whole takes several
    // times its size, which WebAssembly's memory keeps once grown.
    let changed = match (written(old), written(new)) {
        (Some(before), Some(after)) => (0..new.feature_count())
            .filter(|&i| {
                let was = old.feature_index(name(new, i)).and_then(|j| before.get(j));
                !matches!((was, after.get(i)), (Some(Some(a)), Some(Some(b))) if a == b)
            })
            .collect(),
        _ => (0..new.feature_count()).collect(),
    };
    Changes { changed, removed }
}

/// How each of `engine`'s features is written (see [`Written`]), by
/// index: `None` for one never alike (a key or a name given twice, a cycle
/// or chain of activations too deep). `None` when the document cannot be
/// read again. Its features are read one at a time, each from its own
/// place in the text (the document's `features` are only skimmed).
#[must_use]
pub fn written(engine: &Engine) -> Option<Vec<Option<Written>>> {
    let limits = json::Limits::default();
    let (doc, _) = json::parse_deferring(engine.text(), &limits, &["features"]).ok()?;
    let mut document = Document::new(&doc);
    let out = (0..engine.feature_count())
        .map(|i| {
            let feature = json::parse(engine.feature_source(i)?, &limits).ok()?;
            document.written(&feature)
        })
        .collect();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of [`changed`]'s features: those of `new`, then those of `old`.
    fn changed(old: &Engine, new: &Engine) -> Vec<String> {
        let Changes { changed, removed } = super::changed(old, new);
        let names = |e: &Engine, at: Vec<usize>| -> Vec<String> {
            at.into_iter()
                .map(|i| e.feature_name(i).unwrap().to_owned())
                .collect()
        };
        [names(new, changed), names(old, removed)].concat()
    }

    fn doc(features: &str, segments: &str, activations: &str) -> Engine {
        let text = [
            r#"{"schema": 1, "segments": {"#,
            segments,
            r#"}, "activations": {"#,
            activations,
            r#"}, "features": {"#,
            features,
            "}}",
        ]
        .concat();
        Engine::load(&text).unwrap()
    }

    const SEGMENTS: &str =
        r#""Country": {"from": {"user": "{country}"}}, "Id": {"from": {"user": "{id}"}}"#;
    const ACTIVATIONS: &str = r#""Office": {"when": {"segment": "Country", "in": ["CA"]}}, "Staff": {"when": {"activation": "Office"}}"#;

    fn feature(name: &str, rule: &str) -> String {
        [
            "\"",
            name,
            r#"": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": ["#,
            rule,
            "]}",
        ]
        .concat()
    }

    fn three() -> String {
        [
            feature(
                "ByCountry",
                r#"{"when": {"segment": "Country", "in": ["US"]}, "serve": "b"}"#,
            ),
            feature(
                "BySplit",
                r#"{"split": {"by": "Id", "weights": {"b": 50}}}"#,
            ),
            feature(
                "ByStaff",
                r#"{"when": {"activation": "Staff"}, "serve": "b"}"#,
            ),
        ]
        .join(",")
    }

    #[test]
    fn the_same_document_written_otherwise_changes_nothing() {
        let old = doc(&three(), SEGMENTS, ACTIVATIONS);
        // Reordered, re-indented, re-annotated, numbers written otherwise.
        let new = Engine::load(
            r#"{"features": {
                 "BySplit": {"rules": [{"split": {"weights": {"b": 5e1}, "by": "Id"}}],
                             "default": "a", "implementations": ["a", "b"], "inputs": ["user"],
                             "description": "a note"},
                 "ByStaff": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                             "rules": [{"serve": "b", "when": {"activation": "Staff"}}], "meta": {"owner": "x"}},
                 "ByCountry": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                               "rules": [{"when": {"in": ["US"], "segment": "Country"}, "serve": "b"}]}},
               "activations": {"Staff": {"when": {"activation": "Office"}},
                               "Office": {"when": {"segment": "Country", "in": ["CA"]}, "description": "x"}},
               "segments": {"Id": {"from": {"user": "{id}"}}, "Country": {"from": {"user": "{country}"}}},
               "revision": "another", "schema": 1}"#,
        )
        .unwrap();
        assert_eq!(changed(&old, &new), Vec::<String>::new());
        assert_eq!(changed(&new, &old), Vec::<String>::new());
    }

    #[test]
    fn a_feature_edited_changes_alone() {
        let old = doc(&three(), SEGMENTS, ACTIVATIONS);
        let edited = three().replace(r#"["US"]"#, r#"["US", "CA"]"#);
        assert_eq!(
            changed(&old, &doc(&edited, SEGMENTS, ACTIVATIONS)),
            ["ByCountry"]
        );
        let weights = three().replace(r#""b": 50"#, r#""b": 51"#);
        assert_eq!(
            changed(&old, &doc(&weights, SEGMENTS, ACTIVATIONS)),
            ["BySplit"]
        );
    }

    #[test]
    fn a_segment_or_activation_edited_changes_the_features_that_read_it() {
        let old = doc(&three(), SEGMENTS, ACTIVATIONS);
        let country = SEGMENTS.replace("{country}", "{address.country}");
        // ByStaff reads Country through Staff, then Office.
        assert_eq!(
            changed(&old, &doc(&three(), &country, ACTIVATIONS)),
            ["ByCountry", "ByStaff"]
        );
        let id = SEGMENTS.replace("{id}", "{uid}");
        assert_eq!(changed(&old, &doc(&three(), &id, ACTIVATIONS)), ["BySplit"]);
        let office = ACTIVATIONS.replace(r#"["CA"]"#, r#"["CA", "MX"]"#);
        assert_eq!(
            changed(&old, &doc(&three(), SEGMENTS, &office)),
            ["ByStaff"]
        );
        // A segment added that nothing reads changes nothing.
        let more = [SEGMENTS, r#", "Plan": {"from": {"user": "{plan}"}}"#].concat();
        assert_eq!(
            changed(&old, &doc(&three(), &more, ACTIVATIONS)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn features_added_and_removed_are_changed() {
        let old = doc(&three(), SEGMENTS, ACTIVATIONS);
        let four = [three(), feature("New", r#"{"serve": "b"}"#)].join(",");
        let new = doc(&four, SEGMENTS, ACTIVATIONS);
        assert_eq!(changed(&old, &new), ["New"]);
        assert_eq!(changed(&new, &old), ["New"]);
        let two = [
            feature(
                "ByCountry",
                r#"{"when": {"segment": "Country", "in": ["US"]}, "serve": "b"}"#,
            ),
            feature("New", r#"{"serve": "b"}"#),
        ]
        .join(",");
        assert_eq!(
            changed(&old, &doc(&two, SEGMENTS, ACTIVATIONS)),
            ["New", "BySplit", "ByStaff"]
        );
    }

    #[test]
    fn numbers_are_alike_when_their_values_are() {
        let limits = json::Limits::default();
        let normal = |text: &str| {
            let mut out = String::new();
            canonical(&json::parse(text, &limits).unwrap(), &mut out);
            out
        };
        assert_eq!(
            normal("[50, 50.0, 5e1, 500e-1, 0.5E+2]"),
            "[0.5e2,0.5e2,0.5e2,0.5e2,0.5e2]"
        );
        assert_eq!(
            normal("[0, -0, 0.0e7, -12.5, 0.001]"),
            "[0,0,0,-0.125e2,0.1e-2]"
        );
        assert_ne!(normal("0.1"), normal("0.10000000000000001"));
    }

    #[test]
    fn a_key_or_a_name_given_twice_is_never_alike() {
        let limits = json::Limits::default();
        let mut out = String::new();
        assert!(!canonical(
            &json::parse(r#"[{"b": 1, "a": 1, "a": 1}]"#, &limits).unwrap(),
            &mut out
        ));
        assert!(canonical(
            &json::parse(r#"[{"b": 1, "a": 1}]"#, &limits).unwrap(),
            &mut out
        ));
        // Each makes the feature serve its default (a problem), in the
        // new snapshot only or in both: said to have changed either way.
        let plain = feature(
            "F",
            r#"{"when": {"segment": "Country", "in": ["CA"]}, "serve": "b"}"#,
        );
        let old = doc(&plain, SEGMENTS, ACTIVATIONS);
        let twice = [
            (
                plain.replace(r#""default": "a""#, r#""default": "b", "default": "a""#),
                SEGMENTS.to_owned(),
                ACTIVATIONS.to_owned(),
            ),
            (
                plain.replace(r#""in": ["CA"]"#, r#""in": ["US"], "in": ["CA"]"#),
                SEGMENTS.to_owned(),
                ACTIVATIONS.to_owned(),
            ),
            (
                plain.replace(
                    r#""default": "a""#,
                    r#""default": "a", "meta": 1, "meta": 2"#,
                ),
                SEGMENTS.to_owned(),
                ACTIVATIONS.to_owned(),
            ),
            (
                [plain.as_str(), ",", &plain].concat(),
                SEGMENTS.to_owned(),
                ACTIVATIONS.to_owned(),
            ),
            (
                plain.clone(),
                [SEGMENTS, r#", "Country": {"from": {"user": "{country}"}}"#].concat(),
                ACTIVATIONS.to_owned(),
            ),
        ];
        for (features, segments, activations) in &twice {
            let new = doc(features, segments, activations);
            assert_eq!(changed(&old, &new), ["F"], "{features} {segments}");
            assert_eq!(changed(&new, &new), ["F"], "{features} {segments}");
        }
        let through = feature("G", r#"{"when": {"activation": "Staff"}, "serve": "b"}"#);
        let staff = [
            ACTIVATIONS,
            r#", "Staff": {"when": {"activation": "Office"}}"#,
        ]
        .concat();
        let new = doc(&through, SEGMENTS, &staff);
        assert_eq!(changed(&doc(&through, SEGMENTS, ACTIVATIONS), &new), ["G"]);
    }

    #[test]
    fn annotations_that_are_no_annotations_count() {
        let plain = feature(
            "F",
            r#"{"when": {"segment": "Country", "in": ["CA"]}, "serve": "b"}"#,
        );
        let old = doc(&plain, SEGMENTS, ACTIVATIONS);
        // A description that is no string is a problem of the feature.
        let described = plain.replace(r#""default": "a""#, r#""default": "a", "description": 5"#);
        assert_eq!(
            changed(&old, &doc(&described, SEGMENTS, ACTIVATIONS)),
            ["F"]
        );
        let noted = plain.replace(
            r#""default": "a""#,
            r#""default": "a", "description": "a note", "meta": {"x": 1}"#,
        );
        assert_eq!(
            changed(&old, &doc(&noted, SEGMENTS, ACTIVATIONS)),
            Vec::<String>::new()
        );
        // An input named `meta` is an input.
        let input = |template: &str| {
            let segments = [r#""M": {"from": {"meta": ""#, template, r#""}}"#].concat();
            let f = r#""F": {"inputs": ["meta"], "implementations": ["a", "b"], "default": "a",
                "rules": [{"when": {"segment": "M", "in": ["1"]}, "serve": "b"}]}"#;
            doc(f, &segments, "")
        };
        assert_eq!(changed(&input("{id}"), &input("{uid}")), ["F"]);
        assert_eq!(
            changed(&input("{id}"), &input("{id}")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn past_the_snapshots_input_names_nothing_is_alike() {
        // Which segment fails past 65 536 input names depends on the order
        // of the segments: moving one changes a feature that reads none.
        let many: Vec<String> = (0..65_536)
            .map(|i| alloc::format!(r#""s{i}": {{"from": {{"i{i}": "{{a}}"}}}}"#))
            .collect();
        let segments = [SEGMENTS, ",", &many.join(",")].concat();
        let f = feature(
            "F",
            r#"{"when": {"segment": "Country", "in": ["CA"]}, "serve": "b"}"#,
        );
        let old = doc(&f, &segments, ACTIVATIONS);
        assert_eq!(changed(&old, &old), ["F"]);
    }

    #[test]
    fn an_activation_cycle_is_never_alike() {
        let cycle = r#""A": {"when": {"activation": "B"}}, "B": {"when": {"activation": "A"}}"#;
        let features = feature("F", r#"{"when": {"activation": "A"}, "serve": "b"}"#);
        let old = doc(&features, SEGMENTS, cycle);
        assert_eq!(changed(&old, &old), ["F"]);
        // Nor a chain past 32 levels.
        let chain: Vec<String> = (0..40)
            .map(|i| alloc::format!(r#""C{i}": {{"when": {{"activation": "C{}"}}}}"#, i + 1))
            .chain(core::iter::once(
                r#""C40": {"when": {"after": "2020-01-01T00:00:00Z"}}"#.to_owned(),
            ))
            .collect();
        let deep = doc(
            &feature("F", r#"{"when": {"activation": "C0"}, "serve": "b"}"#),
            SEGMENTS,
            &chain.join(","),
        );
        assert_eq!(changed(&deep, &deep), ["F"]);
        let short = doc(
            &feature("F", r#"{"when": {"activation": "C35"}, "serve": "b"}"#),
            SEGMENTS,
            &chain.join(","),
        );
        assert_eq!(changed(&short, &short), Vec::<String>::new());
    }
}
