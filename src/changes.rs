//! Which features two snapshots may evaluate differently.
//!
//! A feature's implementation depends on the feature as written and on the
//! segments and activations it names (and those they name), nothing else
//! in the document. Each is compared in a form where what cannot matter is
//! alike ([`canonical`]): members in key order, numbers as JavaScript
//! writes them, no `description` or `meta`. So a snapshot published again
//! with its keys reordered, re-indented or re-annotated changes no
//! feature, a country added to one feature's rule changes that feature,
//! and an edited segment changes every feature that reads it.
//!
//! Used by the npm package (the client's `update` event, OpenFeature's
//! `flagsChanged`) and by the command-line tool's `diff`.

use crate::index::{heapsort, NameIndex};
use crate::json::{self, Value};
use crate::ops::decimal::Decimal;
use crate::prelude::*;
use crate::Engine;

/// The members of one of a document's sections (`segments`,
/// `activations`, `features`) by name, found in constant time; the last of
/// a repeated name, as everywhere in a snapshot.
pub struct Section<'v> {
    index: NameIndex,
    values: Vec<&'v Value<'v>>,
}

impl<'v> Section<'v> {
    /// The section `key` of `root` (empty when there is none).
    #[must_use]
    pub fn new(root: &'v Value<'v>, key: &str) -> Self {
        let members = root.get(key).and_then(Value::as_object).unwrap_or_default();
        let mut section = Section {
            index: NameIndex::new(),
            values: Vec::with_capacity(members.len()),
        };
        for (name, value) in members.iter().rev() {
            let at = u32::try_from(section.values.len()).unwrap_or(u32::MAX);
            if section.index.insert(name, at) {
                section.values.push(value);
            }
        }
        section
    }

    /// The member `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'v Value<'v>> {
        let at = self.index.get(name)?;
        self.values.get(at as usize).copied()
    }
}

/// The segments and activations a part of a document names, each once,
/// in name order: the value of a `segment` or `by` member, of an
/// `activation` member.
#[derive(Default)]
pub struct Named<'v> {
    /// Segments named.
    pub segments: Vec<&'v str>,
    /// Activations named.
    pub activations: Vec<&'v str>,
}

impl<'v> Named<'v> {
    /// What `feature` names, following the activations it names (found
    /// by `activation`) until no new one (each once: a cycle, a problem of
    /// its own, ends too).
    #[must_use]
    pub fn of(feature: &'v Value<'v>, activation: &dyn Fn(&str) -> Option<&'v Value<'v>>) -> Self {
        let mut named = Named::default();
        let mut seen = NameIndex::new();
        // An explicit stack: documents nest as deep as the reader allows.
        let mut stack = vec![feature];
        while let Some(value) = stack.pop() {
            match value {
                Value::Object(members) => {
                    for (key, v) in members.iter().rev() {
                        match (key.as_ref(), v) {
                            ("description" | "meta", _) => {}
                            ("segment" | "by", Value::String(s)) => named.segments.push(s),
                            ("activation", Value::String(s)) => {
                                if seen.insert(s, 0) {
                                    named.activations.push(s);
                                    stack.extend(activation(s));
                                }
                            }
                            _ => stack.push(v),
                        }
                    }
                }
                Value::Array(items) => stack.extend(items.iter().rev()),
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

/// `value` as compact JSON in a form where what cannot matter to a
/// feature is alike: each object's members in key order (no object's order
/// means anything: weights follow the order of `implementations`), numbers
/// in one form whatever their spelling (`50`, `50.0` and `5e1` are
/// `0.5e2`: see [`Decimal::push_normal`]), and no
/// `description` or `meta` (annotations) but among `weights`, whose keys
/// are implementations (`weights` says which object this is). A member
/// repeated keeps its last value, as everywhere in a snapshot.
pub fn canonical(value: &Value, out: &mut String) {
    canonical_in(value, false, out);
}

fn canonical_in(value: &Value, weights: bool, out: &mut String) {
    match value {
        Value::Object(members) => {
            let mut sorted: Vec<(usize, &str, &Value)> = members
                .iter()
                .enumerate()
                .filter(|(_, (key, _))| weights || (key != "description" && key != "meta"))
                .map(|(i, (key, v))| (i, key.as_ref(), v))
                .collect();
            // By key, the last of a repeated key first; the others dropped.
            heapsort(&mut sorted, |a, b| (a.1, b.0) < (b.1, a.0));
            sorted.dedup_by(|later, first| later.1 == first.1);
            out.push('{');
            for (k, (_, key, v)) in sorted.into_iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                json::push_string(out, key);
                out.push(':');
                canonical_in(v, !weights && key == "weights", out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (k, v) in items.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                canonical_in(v, false, out);
            }
            out.push(']');
        }
        Value::Number(n) => match Decimal::parse(n.as_str()) {
            Some(decimal) => decimal.push_normal(out),
            None => out.push_str(n.as_str()),
        },
        other => json::push_value(out, other),
    }
}

/// One snapshot, read for comparison: its sections, and the fingerprint
/// of each segment and activation met so far.
struct Side<'v> {
    /// Segments (0) and activations (1).
    sections: [Section<'v>; 2],
    /// Segments (0) and activations (1) met: where each one's print is.
    known: [NameIndex; 2],
    prints: Vec<u64>,
}

impl<'v> Side<'v> {
    fn new(root: &'v Value<'v>) -> Self {
        Side {
            sections: [
                Section::new(root, "segments"),
                Section::new(root, "activations"),
            ],
            known: [NameIndex::new(), NameIndex::new()],
            prints: Vec::new(),
        }
    }

    /// The fingerprint of `feature` as written, with the names of the
    /// segments and activations it reads and how each is written (see
    /// [`Named`]).
    fn feature(&mut self, feature: &'v Value<'v>) -> u64 {
        let mut text = String::new();
        canonical(feature, &mut text);
        let [_, defined] = &self.sections;
        let Named {
            segments,
            activations,
        } = Named::of(feature, &|name| defined.get(name));
        for (kind, names) in [(0, &segments), (1, &activations)] {
            for &one in names {
                let print = self.print(kind, one);
                // After the feature's JSON, which ends with its object:
                // `/s"name"print` (`a` for an activation) cannot be read
                // two ways.
                text.push_str(if kind == 0 { "/s" } else { "/a" });
                json::push_string(&mut text, one);
                crate::text::push_u64(&mut text, print);
            }
        }
        crate::hash::xxh3_64(text.as_bytes(), 0)
    }

    /// The fingerprint of segment (`kind` 0) or activation (1) `name`:
    /// `0` where it is not defined.
    fn print(&mut self, kind: usize, name: &str) -> u64 {
        let (Some(known), Some(section)) = (self.known.get_mut(kind), self.sections.get(kind))
        else {
            return 0;
        };
        if let Some(print) = known.get(name).and_then(|i| self.prints.get(i as usize)) {
            return *print;
        }
        let print = section.get(name).map_or(0, |value| {
            let mut text = String::new();
            canonical(value, &mut text);
            // Never 0, which stands for "not defined".
            crate::hash::xxh3_64(text.as_bytes(), 0).max(1)
        });
        let at = u32::try_from(self.prints.len()).unwrap_or(u32::MAX);
        if known.insert(name, at) {
            self.prints.push(print);
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
    let changed = match (prints(old), prints(new)) {
        (Some(before), Some(after)) => (0..new.feature_count())
            .filter(|&i| {
                let was = old.feature_index(name(new, i)).and_then(|j| before.get(j));
                was.is_none() || was != after.get(i)
            })
            .collect(),
        _ => (0..new.feature_count()).collect(),
    };
    Changes { changed, removed }
}

/// The fingerprint of each of `engine`'s features (see [`Side::feature`]),
/// by index (`0` for one not found in the document); `None` when its
/// document cannot be read again.
fn prints(engine: &Engine) -> Option<Vec<u64>> {
    let doc = json::parse(engine.text(), &json::Limits::default()).ok()?;
    let mut side = Side::new(&doc);
    let features = Section::new(&doc, "features");
    Some(
        (0..engine.feature_count())
            .map(|i| {
                let name = engine.feature_name(i).unwrap_or_default();
                features.get(name).map_or(0, |f| side.feature(f))
            })
            .collect(),
    )
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
    fn a_repeated_member_counts_as_its_last_value() {
        let mut once = String::new();
        let mut twice = String::new();
        let limits = json::Limits::default();
        canonical(
            &json::parse(r#"{"a": 2, "b": 1}"#, &limits).unwrap(),
            &mut once,
        );
        canonical(
            &json::parse(r#"{"b": 1, "a": 1, "a": 2}"#, &limits).unwrap(),
            &mut twice,
        );
        assert_eq!(once, twice);
        assert_eq!(once, r#"{"a":0.2e1,"b":0.1e1}"#);
    }

    #[test]
    fn an_activation_cycle_ends() {
        let cycle = r#""A": {"when": {"activation": "B"}}, "B": {"when": {"activation": "A"}}"#;
        let features = feature("F", r#"{"when": {"activation": "A"}, "serve": "b"}"#);
        let old = doc(&features, SEGMENTS, cycle);
        let new = doc(
            &features,
            SEGMENTS,
            &cycle.replace(r#""A"}}"#, r#""A"}, "meta": 1}"#),
        );
        assert_eq!(changed(&old, &new), Vec::<String>::new());
        let edited = cycle.replacen(r#""B"}}"#, r#""C"}}"#, 1);
        assert_eq!(changed(&old, &doc(&features, SEGMENTS, &edited)), ["F"]);
    }
}
