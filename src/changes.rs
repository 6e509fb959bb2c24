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
//! `flagsChanged`) and by the command-line tool's `diff`. The work is done
//! in `feats-edge-snapshot`, compiled for size in the WebAssembly build
//! (it runs once per snapshot update, not per evaluation).

use crate::prelude::*;
use crate::Engine;

pub use feats_edge_snapshot::changes::{canonical, Changes, Written};

/// See [`Changes`].
#[must_use]
pub fn changed(old: &Engine, new: &Engine) -> Changes {
    feats_edge_snapshot::changes::changed(old.snapshot(), new.snapshot())
}

/// How each of `engine`'s features is written (see [`Written`]), by
/// index: `None` for one never alike (a key or a name given twice, a cycle
/// or chain of activations too deep). `None` when the document cannot be
/// read again.
#[must_use]
pub fn written(engine: &Engine) -> Option<Vec<Option<Written>>> {
    feats_edge_snapshot::changes::written(engine.snapshot())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

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
    fn annotations_among_names_are_annotations_too() {
        // In `weights` and `from` a `description` or `meta` is the
        // annotation where it cannot be an entry (SPEC section 1: any
        // object may carry one): rewording it changes no feature.
        let split = |note: &str, meta: &str| {
            let weights = [
                r#"{"b": 50, "description": ""#,
                note,
                r#"", "meta": "#,
                meta,
                "}",
            ]
            .concat();
            feature(
                "F",
                &[r#"{"split": {"by": "Id", "weights": "#, &weights, "}}"].concat(),
            )
        };
        let from = |note: &str, meta: &str| {
            [
                r#""Country": {"from": {"user": "{country}", "description": ""#,
                note,
                r#"", "meta": "#,
                meta,
                r#"}}, "Id": {"from": {"user": "{id}"}}"#,
            ]
            .concat()
        };
        let f = feature(
            "F",
            r#"{"when": {"segment": "Country", "in": ["CA"]}, "serve": "b"}"#,
        );
        let none = Vec::<String>::new();
        let reworded = [
            (
                doc(&split("ramp", r#""x""#), SEGMENTS, ""),
                doc(&split("ramp to 50%", r#"{"owner": "y"}"#), SEGMENTS, ""),
            ),
            (
                doc(&f, &from("the country", r#""x""#), ""),
                doc(&f, &from("see {country", r#"["y"]"#), ""),
            ),
        ];
        for (old, new) in &reworded {
            assert_eq!(changed(old, new), none);
        }
        // Where it may be an entry, it is one: a string with a placeholder
        // in `from` is the template of an input so named.
        let template = doc(&f, &from("{id}", r#""x""#), "");
        assert_eq!(
            changed(&template, &doc(&f, &from("{uid}", r#""x""#), "")),
            ["F"]
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
