//! Evaluating every feature for one context (`details_all`, the wasm
//! `implementations`): what is shared between the features' evaluations
//! (segment values, activations that hold alike in every feature) is read
//! or judged once, and each feature's result is what its own evaluation
//! gives.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
/// What an evaluation served: the implementation and the rule.
type Served = (Option<u16>, Option<u32>);

/// Every feature's evaluation in one pass with a memo, as evaluate-all
/// does, against each evaluated alone: (implementation, rule) per feature.
fn both(engine: &feats_edge::Engine, context: &str) -> (Vec<Served>, Vec<Served>, usize) {
    let json = ctx(engine, context);
    let counting = Reads::new(&json);
    let mut memo = engine.memo();
    let mut e = env(0);
    let together = (0..engine.feature_count())
        .map(|i| {
            let ev = engine.evaluate_index_with(i, &counting, &mut e, &mut memo);
            (ev.implementation, ev.rule)
        })
        .collect();
    let alone = (0..engine.feature_count())
        .map(|i| {
            let ev = engine.evaluate_index(i, &json, &mut env(0));
            (ev.implementation, ev.rule)
        })
        .collect();
    (together, alone, counting.count.get())
}

/// An activation every feature uses, on a segment of one input whose
/// template joins two values (so each judgement reads two slots): judged
/// once for all 200 features.
#[test]
fn an_activation_every_feature_uses_is_judged_once() {
    let features: Vec<String> = (0..200)
        .map(|i| {
            format!(
                r#""F{i}": {{"inputs": ["request"], "implementations": ["a", "b"], "default": "a",
                "rules": [{{"when": {{"activation": "Bot"}}, "serve": "b"}}]}}"#
            )
        })
        .collect();
    let text = format!(
        r#"{{"schema": 1, "segments": {{"Agent": {{"from": {{"request": "{{ua}} {{via}}"}}}}}},
        "activations": {{"Bot": {{"when": {{"segment": "Agent", "contains": ["bot", "crawl", "spider", "slurp", "fetch", "scan"]}}}}}},
        "features": {{{}}}}}"#,
        features.join(",")
    );
    let engine = load(&text);
    assert_eq!(engine.problems(), &[]);
    for (context, served) in [
        (r#"{"request": {"ua": "Googlebot/2.1", "via": "x"}}"#, 1),
        (r#"{"request": {"ua": "Mozilla/5.0", "via": "x"}}"#, 0),
    ] {
        let (together, alone, reads) = both(&engine, context);
        assert_eq!(together, alone);
        assert!(together.iter().all(|&(i, _)| i == Some(served)));
        // Judged once (two slots), not once per feature (400 reads).
        assert_eq!(reads, 2, "{context}");
    }
}

/// A segment that converts two inputs has a value that depends on which
/// of them the feature reads: an activation on it is judged per feature,
/// and features reading different inputs get different answers.
#[test]
fn an_activation_on_a_segment_of_several_inputs_is_judged_per_feature() {
    let text = r#"{"schema": 1,
        "segments": {"Who": {"from": {"user": "{id}", "account": "{id}"}}, "Plan": {"from": {"user": "{plan}"}}},
        "activations": {"IsX": {"when": {"segment": "Who", "in": ["x"]}},
          "Paid": {"when": {"segment": "Plan", "in": ["pro"]}},
          "PaidX": {"when": {"all": [{"activation": "Paid"}, {"activation": "IsX"}]}}},
        "features": {
          "ByUser": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"activation": "IsX"}, "serve": "b"}]},
          "ByAccount": {"inputs": ["account", "user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"activation": "IsX"}, "serve": "b"}]},
          "PaidByUser": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"activation": "PaidX"}, "serve": "b"}]},
          "PaidByAccount": {"inputs": ["account", "user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"activation": "PaidX"}, "serve": "b"}]},
          "Paid": {"inputs": ["account", "user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"activation": "Paid"}, "serve": "b"}]}}}"#;
    let engine = load(text);
    assert_eq!(engine.problems(), &[]);
    let context = r#"{"user": {"id": "x", "plan": "pro"}, "account": {"id": "y"}}"#;
    let (together, alone, _) = both(&engine, context);
    assert_eq!(together, alone);
    let served: Vec<Option<u16>> = together.iter().map(|&(i, _)| i).collect();
    assert_eq!(served, [Some(1), Some(0), Some(1), Some(0), Some(1)]);
}

/// A segment that converts two inputs, in the rules of features that each
/// declare one of them: each feature gets the value of its own input, not
/// the one another feature read first.
#[test]
fn a_segment_of_several_inputs_gives_each_feature_its_own_input() {
    let text = r#"{"schema": 1,
        "segments": {"Who": {"from": {"user": "{id}", "account": "{id}"}}},
        "features": {
          "ByUser": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"segment": "Who", "in": ["x"]}, "serve": "b"}]},
          "ByAccount": {"inputs": ["account"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"segment": "Who", "in": ["x"]}, "serve": "b"}]}}}"#;
    let engine = load(text);
    assert_eq!(engine.problems(), &[]);
    for (context, served) in [
        (
            r#"{"user": {"id": "x"}, "account": {"id": "y"}}"#,
            [Some(1), Some(0)],
        ),
        (
            r#"{"user": {"id": "y"}, "account": {"id": "x"}}"#,
            [Some(0), Some(1)],
        ),
    ] {
        let (together, alone, _) = both(&engine, context);
        assert_eq!(together, alone, "{context}");
        let got: Vec<Option<u16>> = together.iter().map(|&(i, _)| i).collect();
        assert_eq!(got, served, "{context}");
    }
}

/// An activation that refers to another holds alike in every feature when
/// the one it refers to does: judged once for all 200 features (its own
/// segment read twice, the other's twice), not once per feature.
#[test]
fn an_activation_over_one_judged_once_is_judged_once() {
    let features: Vec<String> = (0..200)
        .map(|i| {
            format!(
                r#""F{i}": {{"inputs": ["request"], "implementations": ["a", "b"], "default": "a",
                "rules": [{{"when": {{"activation": "Crawler"}}, "serve": "b"}}]}}"#
            )
        })
        .collect();
    let text = format!(
        r#"{{"schema": 1, "segments": {{"Agent": {{"from": {{"request": "{{ua}} {{via}}"}}}}}},
        "activations": {{"Bot": {{"when": {{"segment": "Agent", "contains": ["bot"]}}}},
          "Crawler": {{"when": {{"all": [{{"activation": "Bot"}}, {{"segment": "Agent", "contains": ["Google"]}}]}}}}}},
        "features": {{{}}}}}"#,
        features.join(",")
    );
    let engine = load(&text);
    assert_eq!(engine.problems(), &[]);
    let (together, alone, reads) = both(
        &engine,
        r#"{"request": {"ua": "Googlebot/2.1", "via": "x"}}"#,
    );
    assert_eq!(together, alone);
    assert!(together.iter().all(|&(i, _)| i == Some(1)));
    assert_eq!(reads, 4);
}

/// An activation that refers only to one judged per feature is judged per
/// feature too: features reading different inputs get different answers.
#[test]
fn an_activation_over_one_judged_per_feature_is_judged_per_feature() {
    let text = r#"{"schema": 1,
        "segments": {"Who": {"from": {"user": "{id}", "account": "{id}"}}},
        "activations": {"IsX": {"when": {"segment": "Who", "in": ["x"]}},
          "AboutX": {"when": {"activation": "IsX"}}},
        "features": {
          "ByUser": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"activation": "AboutX"}, "serve": "b"}]},
          "ByAccount": {"inputs": ["account", "user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"activation": "AboutX"}, "serve": "b"}]}}}"#;
    let engine = load(text);
    assert_eq!(engine.problems(), &[]);
    let context = r#"{"user": {"id": "x"}, "account": {"id": "y"}}"#;
    let (together, alone, _) = both(&engine, context);
    assert_eq!(together, alone);
    let served: Vec<Option<u16>> = together.iter().map(|&(i, _)| i).collect();
    assert_eq!(served, [Some(1), Some(0)]);
}

/// Activations of about 110 levels each, referred to in a chain that an
/// earlier rule compiled from the bottom up. The chain once reached the
/// evaluator's depth fence in the first feature, and what an activation
/// gave there (cut short) was shared with the second feature, which refers
/// to it directly. Loading now finds the chain too deep in the first
/// feature (`tests/errors.rs` an_activation_reused_deeper_must_still_fit);
/// the two ways of evaluating still agree.
#[test]
fn an_activation_judged_past_the_depth_fence_is_not_shared() {
    let nots =
        |n: usize, inner: &str| (0..n).fold(inner.to_owned(), |c, _| format!(r#"{{"not": {c}}}"#));
    for n in [108usize, 110] {
        let mut activations = vec![format!(
            r#""A4": {{"when": {}}}"#,
            nots(n, r#"{"segment": "S", "in": ["x"]}"#)
        )];
        for i in (0..4).rev() {
            let next = format!(r#"{{"activation": "A{}"}}"#, i + 1);
            activations.push(format!(r#""A{i}": {{"when": {}}}"#, nots(n, &next)));
        }
        let never = r#"{"segment": "S", "in": ["never"]}"#;
        let first: Vec<String> = (1..5)
            .rev()
            .map(|i| {
                format!(
                    r#"{{"when": {{"all": [{never}, {{"activation": "A{i}"}}]}}, "serve": "a"}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"schema": 1, "segments": {{"S": {{"from": {{"user": "{{v}}"}}}}}},
            "activations": {{{}}},
            "features": {{
              "F1": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                 "rules": [{}, {{"when": {{"activation": "A0"}}, "serve": "b"}}]}},
              "F2": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                 "rules": [{{"when": {{"activation": "A4"}}, "serve": "b"}}]}}}}}}"#,
            activations.join(","),
            first.join(",")
        );
        let engine = load(&text);
        let at: Vec<&str> = engine.problems().iter().map(|p| p.path.as_str()).collect();
        assert!(
            at.contains(&"/features/F1/rules/2/when/all/1/activation"),
            "{at:?}"
        );
        for context in [r#"{"user": {"v": "x"}}"#, r#"{"user": {"v": "y"}}"#] {
            let (together, alone, _) = both(&engine, context);
            assert_eq!(together, alone, "{n} levels, {context}");
        }
    }
}

#[test]
fn evaluate_all_names_each_feature_and_what_it_serves() {
    let engine = load(
        r#"{"schema": 1, "revision": "r1",
          "segments": {"Country": {"from": {"user": "{country}"}}, "UserId": {"from": {"user": "{id}"}}},
          "features": {
            "Checkout": {"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
              "rules": [{"when": {"segment": "Country", "in": ["CA"]}, "serve": "new"}]},
            "Broken": {"implementations": ["a"], "default": "b"},
            "Layout": {"inputs": ["user"], "implementations": ["g", "l"], "default": "g",
              "rules": [{"experiment": {"name": "L", "by": "UserId", "weights": {"g": 50, "l": 50}}}]},
            "Off": {"implementations": ["x", "y"], "default": "y", "enabled": false}}}"#,
    );
    let context = ctx(&engine, r#"{"user": {"country": "CA", "id": "42"}}"#);
    let mut e = env(0);
    let all: Vec<_> = engine.evaluate_all(&context, &mut e).collect();
    let names: Vec<_> = all.iter().map(|r| (r.index, r.feature)).collect();
    assert_eq!(
        names,
        [(0, "Checkout"), (1, "Broken"), (2, "Layout"), (3, "Off")]
    );
    for r in &all {
        // What the feature gives evaluated alone, by name; the same
        // implementation by name as the engine's lookup.
        assert_eq!(
            r.evaluation,
            engine.evaluate(r.feature, &context, &mut env(0)),
            "{}",
            r.feature
        );
        assert_eq!(
            r.implementation,
            engine.implementation_name(r.index, r.evaluation.implementation)
        );
        assert_eq!(engine.feature_index(r.feature), Some(r.index));
    }
    let served: Vec<_> = all.iter().map(|r| r.implementation).collect();
    let layout = all[2].implementation;
    assert_eq!(served, [Some("new"), None, layout, Some("y")]);
    assert!(matches!(layout, Some("g" | "l")));
    assert_eq!(
        all[1].evaluation.error,
        Some(feats_edge::ErrorCode::ParseError)
    );
    assert_eq!(all[2].evaluation.experiment, Some("L"));
}

/// A host that evaluates, then writes the details itself
/// (`Engine::write_details`), writes what `details` gives: the unit's
/// value and the sticky key in full, and no `fellThrough`.
#[test]
fn written_details_are_the_details_of_the_evaluation() {
    let e = load(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"experiment": {"name": "ex", "by": "UserId", "weights": {"a": 50, "b": 50}}}]}"#,
    ));
    let c = ctx(&e, r#"{"user": {"id": "u1"}}"#);
    let ev = e.evaluate("F", &c, &mut env(0));
    let mut out = String::new();
    e.write_details(e.feature_index("F"), "F", &ev, &mut out);
    assert_eq!(out, e.details("F", &c, &mut env(0)));
    assert!(out.contains(r#""unit":{"segment":"UserId","value":"u1"},"stickyKey":"ex/u1""#));
    assert!(!out.contains("fellThrough"), "{out}");
    // Evaluate-all's shared form writes the value once, by index, and
    // leaves the sticky key to the reader, which makes it from the two.
    let all = e.details_all_shared(&c, &mut env(0));
    assert!(
        all.contains(r#""unit":{"segment":"UserId","value":0},"stickyKey":null"#),
        "{all}"
    );
}
