//! Every class of snapshot error, with its JSON Pointer: whole-snapshot
//! refusals and problems that break only the feature they touch.

mod common;

use common::*;
use feats_edge::Engine;

const NOW: i64 = 1_795_000_000_000;

fn refused(text: &str) -> String {
    match Engine::load(text) {
        Ok(_) => panic!("expected a refusal for {text}"),
        Err(e) => e.line(),
    }
}

/// Problems of a one-feature snapshot, and the feature's evaluation.
fn broken(feature: &str) -> Vec<String> {
    let text = with_feature(feature);
    let e = load(&text);
    let d = details(&e, "F", r#"{"user": {"id": 1}}"#, NOW);
    assert_eq!(
        d.get("reason").and_then(|v| v.as_str()),
        Some("ERROR"),
        "{feature}"
    );
    assert_eq!(
        d.get("errorCode").and_then(|v| v.as_str()),
        Some("PARSE_ERROR")
    );
    problems(&text)
}

fn has(lines: &[String], want: &str) {
    assert!(
        lines.iter().any(|l| l.contains(want)),
        "no problem containing {want:?} in {lines:#?}"
    );
}

#[test]
fn whole_snapshot_errors_refuse_the_document() {
    assert!(refused("{\"schema\": 1,\n  \"features\": {,}}")
        .starts_with("/features: invalid JSON: line 2, column 16"));
    assert_eq!(
        refused("[]"),
        "the snapshot must be a JSON object, found an array"
    );
    assert!(refused(r#"{"schema": 2}"#).contains("/schema: unsupported schema 2"));
    // A comment after the document is named as one, as inside it.
    assert_eq!(
        refused("{\"schema\": 1}\n// generated\n"),
        "invalid JSON: line 2, column 1: trailing characters after the JSON value (JSON has no comments)"
    );
    // A string that reads as 1 is refused too, saying that the type is wrong.
    assert_eq!(
        refused(r#"{"schema": "1"}"#),
        r#"/schema: unsupported schema "1"; this engine reads schema 1 (the schema is a number: write "schema": 1)"#
    );
    // Text that reads as another number is a schema this engine does not
    // read: writing 1 would not fix it, so that is not said.
    for other in ["2", "1.5", "one", ""] {
        assert_eq!(
            refused(&format!(r#"{{"schema": "{other}"}}"#)),
            format!(r#"/schema: unsupported schema "{other}"; this engine reads schema 1"#)
        );
    }
    assert!(refused(r#"{"schema": " 1.0 "}"#)
        .ends_with(r#"(the schema is a number: write "schema": 1)"#));
    for other in ["1.5", "0.1e1e", "\"1\"", "10e-2", "-1"] {
        let text = format!(r#"{{"schema": {other}}}"#);
        assert!(Engine::load(&text).is_err(), "schema {other}");
    }
    for one in ["1", "1.0", "1e0", "10e-1", "0.1e1"] {
        let text = format!(r#"{{"schema": {one}}}"#);
        assert!(Engine::load(&text).is_ok(), "schema {one}");
    }
    assert!(refused(r#"{"features": {}}"#).contains("'schema' is required"));
    assert!(refused(r#"{"schema": 1, "schema": 1}"#).contains("appears more than once"));
    // What nothing reads, given twice, is a problem: the snapshot loads.
    for key in ["description", "meta"] {
        let text = format!(r#"{{"schema": 1, "{key}": "a", "{key}": "b", "features": {{}}}}"#);
        let engine = Engine::load(&text).expect(key);
        let problems: Vec<String> = engine
            .problems()
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        assert_eq!(
            problems,
            [format!(
                "/{key}: the field '{key}' appears more than once (the first is kept)"
            )]
        );
    }
    assert!(
        refused(r#"{"schema": 1, "revision": "a", "revision": "b"}"#)
            .contains("appears more than once")
    );
    let deep = format!(
        r#"{{"schema": 1, "meta": {}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(refused(&deep).contains("nesting deeper than 128 levels"));
    assert!(
        refused(&deep).contains("over the limits: line 1, column"),
        "{}",
        refused(&deep)
    );
    let long = format!(r#"{{"schema": 1, "meta": [{}0]}}"#, "0,".repeat(10_000));
    assert!(refused(&long).contains("more than 10000 values in one list"));
    assert!(
        refused(&long).contains("over the limits: line"),
        "{}",
        refused(&long)
    );
    assert!(refused("{\"schema\": 1,}").starts_with("invalid JSON: "));
    let big = format!(
        r#"{{"schema": 1, "meta": "{}"}}"#,
        "x".repeat(16 * 1024 * 1024)
    );
    assert!(refused(&big).contains("more than the limit of 16 MiB"));
}

/// Bytes below the limit load as the text they decode to, an invalid
/// sequence read as U+FFFD (as `TextDecoder` reads it).
#[test]
fn a_snapshot_loads_from_bytes() {
    let e = Engine::load_bytes(b"{\"schema\": 1, \"revision\": \"r\xff\"}".to_vec());
    assert_eq!(e.expect("loads").revision(), "r\u{fffd}");
    let e = Engine::load_bytes(br#"{"schema": 1, "revision": "r7"}"#.to_vec());
    assert_eq!(e.expect("loads").revision(), "r7");
}

#[test]
fn a_snapshot_at_the_limits_loads() {
    let list = format!(r#"{{"schema": 1, "meta": [{}0]}}"#, "0,".repeat(9_999));
    assert!(Engine::load(&list).is_ok());
    // 16 MiB exactly, as text and as bytes; a byte more is refused.
    let base = r#"{"schema": 1}"#;
    let at = |n: usize| format!("{base}{}", " ".repeat(n - base.len()));
    let limit = 16 * 1024 * 1024;
    assert!(Engine::load(&at(limit)).is_ok());
    assert!(Engine::load_bytes(at(limit).into_bytes()).is_ok());
    for refused in [
        Engine::load(&at(limit + 1)).err(),
        Engine::load_bytes(at(limit + 1).into_bytes()).err(),
    ] {
        let e = refused.expect("refused").line();
        assert!(e.contains("more than the limit of 16 MiB"), "{e}");
    }
}

#[test]
fn feature_errors_break_only_their_feature() {
    let text = r#"{"schema": 1, "revision": "r",
        "segments": {"UserId": {"from": {"user": "{id}"}}},
        "features": {
          "Good": {"inputs": ["user"], "implementations": ["a", "b"], "default": "b", "rules": [{"serve": "a"}]},
          "Bad":  {"inputs": ["user"], "implementations": ["a", "b"], "defualt": "b"},
          "Worse": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                    "rules": [{"split": {"by": "UserId", "weights": {"a": 60, "b": 45}}}]}}}"#;
    let e = load(text);
    assert_eq!(pick(&e, "Good", "{}", NOW).as_deref(), Some("a"));
    let bad = details(&e, "Bad", "{}", NOW);
    assert_eq!(
        bad.get("implementation").map(|v| v.to_json()).as_deref(),
        Some("null"),
        "an unreadable default serves null"
    );
    assert_eq!(
        bad.get("errorCode").and_then(|v| v.as_str()),
        Some("PARSE_ERROR")
    );
    assert_eq!(
        pick(&e, "Worse", "{}", NOW).as_deref(),
        Some("a"),
        "a readable default is served"
    );
    let lines = problems(text);
    has(
        &lines,
        "/features/Bad/defualt: unknown field 'defualt' (did you mean 'default'?)",
    );
    has(&lines, "/features/Bad: the field 'default' is required");
    has(
        &lines,
        "/features/Worse/rules/0/split/weights: percentages add up to 105, more than 100",
    );
}

#[test]
fn rule_and_condition_errors_name_their_place() {
    has(
        &broken(r#"{"inputs": ["user"], "implementations": ["a"], "default": "z"}"#),
        "/features/F/default: unknown implementation 'z'",
    );
    has(
        &broken(r#"{"inputs": ["user"], "implementations": [], "default": "a"}"#),
        "/features/F/implementations: a feature needs at least one implementation",
    );
    has(
        &broken(r#"{"inputs": ["user"], "implementations": ["a", "a"], "default": "a"}"#),
        "/features/F/implementations/1: the implementation 'a' is listed twice",
    );
    has(
        &broken(r#"{"inputs": ["user"], "implementations": ["a b"], "default": "a b"}"#),
        "/features/F/implementations/0: invalid name 'a b'",
    );
    has(
        &broken(r#"{"type": "flag", "default": true}"#),
        "/features/F/type: the type must be",
    );
    has(
        &broken(r#"{"type": "boolean", "default": "yes"}"#),
        "/features/F/default: a boolean feature serves true or false, found 'yes'",
    );
    has(
        &broken(r#"{"implementations": ["a"], "default": "a", "rules": [{}]}"#),
        "/features/F/rules/0: a rule needs one of 'serve', 'split' or 'experiment'",
    );
    has(
        &broken(
            r#"{"implementations": ["a"], "default": "a", "rules": [{"serve": "a", "split": {}}]}"#,
        ),
        "/features/F/rules/0: a rule takes only one of",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"segment": "Nope", "in": ["x"]}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/segment: unknown segment 'Nope'",
    );
    has(&broken(r#"{"inputs": ["request"], "implementations": ["a"], "default": "a", "rules": [{"when": {"segment": "Country", "in": ["x"]}, "serve": "a"}]}"#), "/features/F/rules/0/when/segment: the segment 'Country' converts 'user', none of the inputs of feature 'F' ('request')");
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"segment": "Plan", "in": ["gold"]}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/in/0: 'gold' is not one of the options of segment 'Plan'",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"segment": "Country", "in": [1]}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/in/0: expected a string, found a number",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"segment": "Country", "in": ["x"], "gt": 1}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when: a condition takes exactly one operator",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"segment": "Country", "like": "x"}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/like: unknown condition operator 'like'",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"segment": "Version", "version_gt": "2.x"}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/version_gt: not a SemVer version: '2.x'",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"segment": "Ip", "cidr": ["10.0.0.0/33"]}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/cidr/0: not a CIDR block: '10.0.0.0/33'",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"after": "yesterday"}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/after: not an RFC 3339 instant",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"before": "2026-02-30T00:00:00Z"}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/before: not an RFC 3339 instant",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"segment": "Age", "gt": "old"}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/gt: not a decimal number: 'old' (write e.g. 1000, 12.5 or 1e3)",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"activation": "Nope"}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/activation: unknown activation 'Nope'",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"when": {"any": [{"nope": 1}]}, "serve": "a"}]}"#,
        ),
        "/features/F/rules/0/when/any/0/nope: unknown condition operator 'nope'",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"split": {"by": "UserId", "weights": {"c": 5}}}]}"#,
        ),
        "/features/F/rules/0/split/weights/c: unknown implementation 'c'",
    );
    has(&broken(r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"split": {"by": "UserId", "weights": {"a": 5.555}}}]}"#), "/features/F/rules/0/split/weights/a: a percentage is a number ≥ 0 with at most two decimals, found 5.555");
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"split": {"by": "UserId", "weights": {"a": -1}}}]}"#,
        ),
        "/features/F/rules/0/split/weights/a: a percentage is a number ≥ 0",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"split": {"weights": {"a": 5}}}]}"#,
        ),
        "/features/F/rules/0/split: the field 'by' is required",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"experiment": {"by": "UserId", "weights": {"a": 5}}}]}"#,
        ),
        "/features/F/rules/0/experiment: the field 'name' is required",
    );
    has(
        &broken(
            r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"experiment": {"name": "e", "by": "UserId", "weights": {"a": 5}, "random": "yes"}}]}"#,
        ),
        "/features/F/rules/0/experiment/random: expected true or false",
    );
    has(
        &broken(r#"{"inputs": ["user", "user"], "implementations": ["a"], "default": "a"}"#),
        "/features/F/inputs/1: the input 'user' is listed twice",
    );
    has(
        &broken(r#"{"implementations": ["a"], "default": "a", "enabled": "no"}"#),
        "/features/F/enabled: expected true or false",
    );
}

#[test]
fn segment_and_activation_errors() {
    let text = r#"{"schema": 1,
        "segments": {"Bad": {"from": {"user": "{id"}}, "Empty": {"from": {}}, "Typo": {"form": {"user": "{id}"}}},
        "activations": {"A": {"when": {"activation": "B"}}, "B": {"when": {"activation": "A"}},
                        "Unused": {"when": {"segment": "Nope", "in": ["x"]}}},
        "features": {"F": {"inputs": ["user"], "implementations": ["a"], "default": "a",
                           "rules": [{"when": {"segment": "Bad", "in": ["x"]}, "serve": "a"}]},
                     "G": {"inputs": ["user"], "implementations": ["a"], "default": "a",
                           "rules": [{"when": {"activation": "A"}, "serve": "a"}]}}}"#;
    let lines = problems(text);
    has(
        &lines,
        "/segments/Bad/from/user: template '{id': a '{' without its '}'",
    );
    has(
        &lines,
        "/segments/Empty/from: a segment needs at least one input",
    );
    has(
        &lines,
        "/segments/Typo/form: unknown field 'form' (did you mean 'from'?)",
    );
    has(
        &lines,
        "/features/F/rules/0/when/segment: the segment 'Bad' has problems (see /segments/Bad)",
    );
    has(
        &lines,
        "activations refer to each other in a cycle: A → B → A",
    );
    has(
        &lines,
        "/activations/Unused/when/segment: unknown segment 'Nope'",
    );
    let e = load(text);
    assert_eq!(reason(&e, "G", "{}", NOW), "ERROR");
}

#[test]
fn activation_nesting_is_judged_the_same_whichever_rule_refers_first() {
    // A0 → A1 → … → A32: A0 nests 33 levels (too deep), A1 32 (fine).
    let mut acts: Vec<String> = (0..32)
        .map(|i| format!(r#""A{i}": {{"when": {{"activation": "A{}"}}}}"#, i + 1))
        .collect();
    acts.push(r#""A32": {"when": {"after": "2020-01-01T00:00:00Z"}}"#.to_owned());
    let snapshot = |first: &str, second: &str| {
        format!(
            r#"{{"schema": 1, "activations": {{{}}}, "features": {{
                "F": {{"implementations": ["a", "b", "c"], "default": "a", "rules": [
                    {{"when": {{"activation": "{first}"}}, "serve": "b"}}, {{"when": {{"activation": "{second}"}}, "serve": "c"}}]}},
                "G": {{"implementations": ["a", "b"], "default": "a", "rules": [{{"when": {{"activation": "A1"}}, "serve": "b"}}]}}}}}}"#,
            acts.join(",")
        )
    };
    let chain = (0..=32)
        .map(|i| format!("A{i}"))
        .collect::<Vec<_>>()
        .join(" → ");
    for (first, second, rule) in [("A1", "A0", 1), ("A0", "A1", 0)] {
        let text = snapshot(first, second);
        let lines = problems(&text);
        assert_eq!(
            lines,
            [
                format!("/activations/A0: activations nest deeper than 32 levels: {chain}"),
                format!("/features/F/rules/{rule}/when/activation: the activation 'A0' has problems (see /activations/A0)"),
            ],
            "{first} first"
        );
        let e = load(&text);
        assert_eq!(reason(&e, "F", "{}", NOW), "ERROR", "{first} first");
        assert_eq!(
            pick(&e, "G", "{}", NOW).as_deref(),
            Some("b"),
            "{first} first"
        );
    }
}

/// Two chains of the same depth below an activation: the one its
/// condition meets first is named.
#[test]
fn of_two_chains_too_deep_the_first_met_is_named() {
    // Top → X → B1 → … → B31 and Top → X → C1 → … → C31: 33 levels, B1 and
    // C1 compiled (31 levels each) before X.
    let mut acts = vec![
        r#""Top": {"when": {"all": [{"activation": "B1"}, {"activation": "C1"}, {"activation": "X"}]}}"#.to_owned(),
        r#""X": {"when": {"all": [{"activation": "B1"}, {"activation": "C1"}]}}"#.to_owned(),
    ];
    for chain in ["B", "C"] {
        for i in 1..31 {
            acts.push(format!(
                r#""{chain}{i}": {{"when": {{"activation": "{chain}{}"}}}}"#,
                i + 1
            ));
        }
        acts.push(format!(
            r#""{chain}31": {{"when": {{"after": "2020-01-01T00:00:00Z"}}}}"#
        ));
    }
    let text = format!(
        r#"{{"schema": 1, "activations": {{{}}}, "features": {{}}}}"#,
        acts.join(",")
    );
    let chain = (1..=31)
        .map(|i| format!("B{i}"))
        .collect::<Vec<_>>()
        .join(" → ");
    assert_eq!(
        problems(&text),
        [format!(
            "/activations/Top: activations nest deeper than 32 levels: Top → X → {chain}"
        )]
    );
}

#[test]
fn activations_nested_deeper_than_32_levels_are_an_error() {
    let mut acts = Vec::new();
    for i in 0..40 {
        acts.push(format!(
            r#""A{i}": {{"when": {{"activation": "A{}"}}}}"#,
            i + 1
        ));
    }
    acts.push(r#""A40": {"when": {"after": "2020-01-01T00:00:00Z"}}"#.to_owned());
    let text = format!(
        r#"{{"schema": 1, "activations": {{{}}}, "features": {{"F": {{"implementations": ["a"], "default": "a", "rules": [{{"when": {{"activation": "A0"}}, "serve": "a"}}]}}}}}}"#,
        acts.join(",")
    );
    has(&problems(&text), "activations nest deeper than 32 levels");
    // 32 levels are fine.
    let text = text.replace(
        r#""A31": {"when": {"activation": "A32"}}"#,
        r#""A31": {"when": {"after": "2020-01-01T00:00:00Z"}}"#,
    );
    let e = load(&text);
    assert_eq!(pick(&e, "F", "{}", NOW).as_deref(), Some("a"));
    assert_eq!(reason(&e, "F", "{}", NOW), "TARGETING_MATCH");
}

/// Conditions nest at most 256 levels counting through activations (the
/// stack a rule's evaluation may take). Past it, the problem is where the
/// chain that goes too deep starts: at the activation that is too deep on
/// its own, and at a rule's reference; activations further down the chain
/// are fine alone, and a feature using one of them loads.
#[test]
fn conditions_nested_past_256_levels_through_activations() {
    // A0 → A1 → … → A31, each `when` wrapped in `wraps` levels of `all`:
    // each activation takes wraps + 1 levels (its reference is one).
    let chain = |wraps: usize| {
        let acts: Vec<String> = (0..32)
            .map(|i| {
                let mut when = if i < 31 {
                    format!(r#"{{"activation": "A{}"}}"#, i + 1)
                } else {
                    r#"{"after": "2020-01-01T00:00:00Z"}"#.to_owned()
                };
                for _ in 0..wraps {
                    when = format!(r#"{{"all": [{when}]}}"#);
                }
                format!(r#""A{i}": {{"when": {when}}}"#)
            })
            .collect();
        format!(
            r#"{{"schema": 1, "activations": {{{}}}, "features": {{
                "F": {{"implementations": ["a", "b"], "default": "a", "rules": [{{"when": {{"activation": "A0"}}, "serve": "b"}}]}},
                "G": {{"implementations": ["a", "b"], "default": "a", "rules": [{{"when": {{"activation": "A28"}}, "serve": "b"}}]}}}}}}"#,
            acts.join(",")
        )
    };
    // 32 activations of 8 levels: 256, the most.
    let e = load(&chain(7));
    assert!(e.problems().is_empty(), "{:?}", e.problems());
    assert_eq!(reason(&e, "F", "{}", NOW), "TARGETING_MATCH");
    // One level more in the rule: the rule's reference goes too deep, the
    // activations are fine.
    let nested = chain(7).replace(
        r#""when": {"activation": "A0"}, "serve""#,
        r#""when": {"all": [{"activation": "A0"}]}, "serve""#,
    );
    assert_eq!(
        problems(&nested),
        ["/features/F/rules/0/when/all/0/activation: conditions nest deeper than 256 levels through the activations A0 → A1 → A2 → A3 → A4 → A5 → A6 → A7 → A8 → A9 → A10 → A11 → A12 → A13 → A14 → A15 → A16 → A17 → A18 → A19 → A20 → A21 → A22 → A23 → A24 → A25 → A26 → A27 → A28 → A29 → A30 → A31"]
    );
    // Of 9 levels: A0 to A3 are too deep on their own (29 activations of
    // 9 levels are 261), A4 to A31 are not.
    let text = chain(8);
    let lines = problems(&text);
    let through = |from: usize, to: usize| {
        (from..=to)
            .map(|i| format!("A{i}"))
            .collect::<Vec<_>>()
            .join(" → ")
    };
    let deep = "conditions nest deeper than 256 levels through the activations";
    assert_eq!(
        lines,
        [
            format!("/activations/A0: {deep} {}", through(0, 28)),
            format!("/activations/A1: {deep} {}", through(1, 29)),
            format!("/activations/A2: {deep} {}", through(2, 30)),
            format!("/activations/A3: {deep} {}", through(3, 31)),
            format!(
                "/features/F/rules/0/when/activation: {deep} {}",
                through(0, 28)
            ),
        ]
    );
    let e = load(&text);
    assert_eq!(reason(&e, "F", "{}", NOW), "ERROR");
    assert_eq!(pick(&e, "G", "{}", NOW).as_deref(), Some("b"));
}

/// An activation compiled in one rule and referred to again deeper in a
/// later one: its conditions must fit below each reference. Only the first
/// was checked, so a feature could nest conditions past any limit through
/// activations reused deeper and deeper, until the evaluator's fence cut
/// them short (a wrong answer that depended on the order of evaluation).
#[test]
fn an_activation_reused_deeper_must_still_fit() {
    let nots =
        |n: usize, inner: &str| (0..n).fold(inner.to_owned(), |c, _| format!(r#"{{"not": {c}}}"#));
    // Below a reference to it, C reaches 121 levels (its `when`'s 120
    // `not`s and the condition they wrap) and B 242 (120 `not`s, then C).
    let text = format!(
        r#"{{"schema": 1, "segments": {{"S": {{"from": {{"user": "{{v}}"}}}}}},
            "activations": {{"C": {{"when": {}}}, "B": {{"when": {}}}, "A": {{"when": {}}}}},
            "features": {{"F": {{"inputs": ["user"], "implementations": ["a", "b", "c", "d"], "default": "a",
              "rules": [{{"when": {{"activation": "B"}}, "serve": "b"}},
                        {{"when": {}, "serve": "c"}},
                        {{"when": {{"activation": "A"}}, "serve": "d"}}]}},
              "G": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
              "rules": [{{"when": {{"all": [{{"segment": "S", "in": ["never"]}}, {{"activation": "B"}}]}}, "serve": "b"}},
                        {{"when": {}, "serve": "b"}}]}}}}}}"#,
        nots(120, r#"{"segment": "S", "in": ["x"]}"#),
        nots(120, r#"{"activation": "C"}"#),
        nots(20, r#"{"activation": "B"}"#),
        nots(15, r#"{"activation": "B"}"#),
        nots(14, r#"{"activation": "B"}"#),
    );
    let deep = "conditions nest deeper than 256 levels through the activations";
    assert_eq!(
        problems(&text),
        [
            format!("/activations/A: {deep} A → B → C"),
            format!(
                "/features/F/rules/1/when{}/activation: {deep} B",
                "/not".repeat(15)
            ),
            format!("/features/F/rules/2/when/activation: {deep} A → B"),
        ]
    );
    let e = load(&text);
    assert_eq!(reason(&e, "F", r#"{"user": {"v": "y"}}"#, NOW), "ERROR");
    // 14 levels above B's 242: 256, the most.
    let g = |v: &str| pick(&e, "G", &format!(r#"{{"user": {{"v": "{v}"}}}}"#), NOW);
    assert_eq!(g("x").as_deref(), Some("b"));
    assert_eq!(g("y").as_deref(), Some("a"));
}

/// An activation that refers twice to another must fit below each of its
/// references: the second, deeper one too, also once it has compiled
/// without problems at load.
#[test]
fn an_activation_referred_to_twice_must_fit_below_each_reference() {
    let nots =
        |n: usize, inner: &str| (0..n).fold(inner.to_owned(), |c, _| format!(r#"{{"not": {c}}}"#));
    let text = |above: usize| {
        format!(
            r#"{{"schema": 1, "segments": {{"S": {{"from": {{"user": "{{v}}"}}}}}},
            "activations": {{"Q": {{"when": {}}},
              "P": {{"when": {{"all": [{{"activation": "Q"}}, {}]}}}}}},
            "features": {{"F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
              "rules": [{{"when": {}, "serve": "b"}}]}}}}}}"#,
            nots(100, r#"{"segment": "S", "in": ["x"]}"#),
            nots(120, r#"{"activation": "Q"}"#),
            nots(above, r#"{"activation": "P"}"#),
        )
    };
    let fits = text(10);
    assert_eq!(problems(&fits), Vec::<String>::new());
    let too_deep = text(40);
    assert_eq!(
        problems(&too_deep),
        [format!(
            "/features/F/rules/0/when{}/activation: conditions nest deeper than 256 levels through the activations P → Q",
            "/not".repeat(40)
        )]
    );
    assert_eq!(
        reason(&load(&too_deep), "F", r#"{"user": {"v": "y"}}"#, NOW),
        "ERROR"
    );
}

#[test]
fn duplicates_and_unknown_fields() {
    let text = r#"{"schema": 1, "extra": 1,
        "features": {"F": {"implementations": ["a"], "default": "a"}, "F": {"implementations": ["b"], "default": "b"},
                     "G": {"implementations": ["a"], "default": "a", "default": "a"}}}"#;
    let lines = problems(text);
    has(&lines, "/extra: unknown field 'extra' (ignored)");
    has(
        &lines,
        "/features/F: the feature 'F' is declared more than once",
    );
    has(
        &lines,
        "/features/G/default: the field 'default' appears more than once",
    );
    let e = load(text);
    assert_eq!(reason(&e, "F", "{}", NOW), "ERROR");
    assert_eq!(pick(&e, "F", "{}", NOW).as_deref(), Some("a"));
}

#[test]
fn a_repeated_unknown_top_level_field_is_a_problem() {
    let text = r#"{"schema": 1, "foo": 1, "foo": 2, "foo": 3,
        "features": {"F": {"implementations": ["a"], "default": "a"}}}"#;
    assert_eq!(
        problems(text),
        [
            "/foo: unknown field 'foo' (ignored)",
            "/foo: the field 'foo' appears more than once",
        ]
    );
    let e = load(text);
    assert_eq!(pick(&e, "F", "{}", NOW).as_deref(), Some("a"));
}

#[test]
fn descriptions_and_meta_are_allowed_everywhere() {
    let text = r#"{"schema": 1, "description": "d", "meta": {"any": ["thing"]},
        "segments": {"S": {"description": "d", "meta": 1, "from": {"user": "{id}"}}},
        "activations": {"A": {"description": "d", "meta": null, "when": {"description": "d", "segment": "S", "exists": true}}},
        "features": {"F": {"description": "d", "meta": [], "inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                           "rules": [{"description": "d", "meta": {}, "when": {"activation": "A", "meta": 2}, "serve": "b"}]}}}"#;
    assert!(problems(text).is_empty(), "{:?}", problems(text));
    let e = load(text);
    assert_eq!(
        pick(&e, "F", r#"{"user": {"id": 1}}"#, NOW).as_deref(),
        Some("b")
    );
    has(
        &problems(
            r#"{"schema": 1, "features": {"F": {"description": 5, "implementations": ["a"], "default": "a"}}}"#,
        ),
        "/features/F/description: expected a string",
    );
}

/// Inputs that are not a list are one problem: the segments the rules use
/// are not then said to convert none of them.
#[test]
fn unreadable_inputs_are_one_problem() {
    let text = r#"{"schema": 1, "segments": {"C": {"from": {"user": "{c}"}}},
        "features": {"F": {"inputs": "user", "implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"segment": "C", "in": ["x"]}, "serve": "b"}]}}}"#;
    assert_eq!(
        problems(text),
        ["/features/F/inputs: expected an array, found a string"]
    );
    let e = load(text);
    assert_eq!(
        pick(&e, "F", r#"{"user": {"c": "x"}}"#, NOW).as_deref(),
        Some("a")
    );
    // Inputs that are a list are judged as before.
    let text = text.replace(r#""inputs": "user""#, r#""inputs": ["account"]"#);
    has(
        &problems(&text),
        "converts 'user', none of the inputs of feature 'F' ('account')",
    );
}

/// SPEC §1: "Every object in the document may carry `description` and
/// `meta`". In objects keyed by names (`segments`, `activations`,
/// `features`, `from`, `weights`) the two are also names, which the name
/// rule allows: there they annotate when their value could not be an
/// entry (an object without the entry's required field, a string without
/// a placeholder, not a number), and are names otherwise.
#[test]
fn descriptions_and_meta_annotate_maps_of_names_too() {
    let text = r#"{"schema": 1,
        "segments": {"description": "the checkout team's", "meta": {"owner": "pay"},
                     "UserId": {"from": {"user": "{id}", "description": "the account id, not {{email}}", "meta": 1}}},
        "activations": {"description": "none yet", "meta": {"owner": "pay", "ticket": "X-1"}},
        "features": {"description": "checkout flags", "meta": {"owner": "pay", "ticket": "X-1"},
          "Checkout": {"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
            "rules": [{"split": {"by": "UserId", "weights": {"new": 100, "description": "full ramp", "meta": {}}}}]}}}"#;
    assert!(problems(text).is_empty(), "{:?}", problems(text));
    let e = load(text);
    assert_eq!(e.feature_count(), 1);
    assert_eq!(e.segments(), ["UserId"]);
    assert_eq!(
        pick(&e, "Checkout", r#"{"user": {"id": 7}}"#, NOW).as_deref(),
        Some("new")
    );

    // A value that could be an entry makes a name: a feature and a segment
    // named so, an input template, an implementation's weight.
    let text = r#"{"schema": 1,
        "segments": {"description": {"from": {"meta": "{plan}", "description": "the plan"}}},
        "features": {"meta": {"inputs": ["meta"], "implementations": ["a", "meta"], "default": "a",
            "rules": [{"when": {"segment": "description", "in": ["pro"]}, "serve": "meta"},
                      {"split": {"by": "description", "weights": {"meta": 100}}}]}}}"#;
    assert!(problems(text).is_empty(), "{:?}", problems(text));
    let e = load(text);
    assert_eq!(e.feature_count(), 1);
    assert_eq!(e.segments(), ["description"]);
    let d = details(&e, "meta", r#"{"meta": {"plan": "pro"}}"#, NOW);
    assert_eq!(
        d.get("implementation").and_then(|v| v.as_str()),
        Some("meta")
    );
    assert_eq!(
        d.get("reason").and_then(|v| v.as_str()),
        Some("TARGETING_MATCH")
    );
    let d = details(&e, "meta", r#"{"meta": {"plan": "free"}}"#, NOW);
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("SPLIT"));

    // A description that is not a string, an annotation given twice, a
    // `from` with annotations only: problems at them.
    let text = r#"{"schema": 1,
        "segments": {"description": 1, "S": {"from": {"description": "only a description"}},
                     "Id": {"from": {"user": "{id}", "description": "x", "description": 5}}},
        "activations": {"meta": 1, "meta": 2},
        "features": {"description": 5,
          "F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                "rules": [{"split": {"by": "Id", "weights": {"b": 10, "description": true}}}]}}}"#;
    let found = problems(text);
    let want = [
        "/segments/description: expected a string, found a number",
        "/segments/S/from: a segment needs at least one input in 'from'",
        "/segments/Id/from/description: the field 'description' appears more than once",
        "/segments/Id/from/description: expected a string, found a number",
        "/activations/meta: the field 'meta' appears more than once",
        "/features/description: expected a string, found a number",
        "/features/F/rules/0/split/weights/description: expected a string, found a boolean",
    ];
    for w in want {
        has(&found, w);
    }
    // (and the feature using the broken segment says so)
    assert_eq!(found.len(), want.len() + 1, "{found:#?}");
    let d = details(&load(text), "F", "{}", NOW);
    assert_eq!(
        d.get("errorCode").and_then(|v| v.as_str()),
        Some("PARSE_ERROR")
    );

    // An entry named so that has a mistake is that entry with its
    // problems, not an annotation that drops it: a `meta` object with one
    // of the entry's fields (or a near misspelling), a `description` object.
    let text = r#"{"schema": 1,
        "segments": {"description": {"form": {"user": "{id}"}}},
        "activations": {"meta": {"When": {"after": "2020-01-01T00:00:00Z"}}},
        "features": {"meta": {"implementations": ["a", "b"], "rules": [{"serve": "b"}]}}}"#;
    let found = problems(text);
    for want in [
        "/segments/description/form: unknown field 'form' (did you mean 'from'?)",
        "/activations/meta/When: unknown field 'When' (did you mean 'when'?)",
        "/features/meta: the field 'default' is required",
    ] {
        has(&found, want);
    }
    assert_eq!(load(text).feature_count(), 1);
}

/// SPEC §1: `meta` is "any JSON, ignored by evaluation", in `weights` too.
/// A number there is a weight only when the feature has an implementation
/// of that name; otherwise it can be nothing but the annotation (and a
/// `description` number is a description of the wrong type).
#[test]
fn a_meta_number_in_weights_of_a_feature_without_such_an_arm_is_an_annotation() {
    let text = r#"{"schema": 1,
        "segments": {"UserId": {"from": {"user": "{id}"}}},
        "features": {"Checkout": {"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
            "rules": [{"split": {"by": "UserId", "weights": {"new": 100, "meta": 3}}}]}}}"#;
    assert!(problems(text).is_empty(), "{:?}", problems(text));
    let d = details(&load(text), "Checkout", r#"{"user": {"id": 7}}"#, NOW);
    assert_eq!(
        d.get("implementation").and_then(|v| v.as_str()),
        Some("new")
    );
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("SPLIT"));

    let text = text.replace(r#""meta": 3"#, r#""description": 3"#);
    assert_eq!(
        problems(&text),
        ["/features/Checkout/rules/0/split/weights/description: expected a string, found a number"]
    );
}

/// In `from`, a `description` or `meta` string is an input's template only
/// when it has a `{placeholder}`: a brace that opens none (`{country`,
/// `{}`, `{a..b}`) leaves it the annotation SPEC §1 allows, and does not
/// break the segment and the features that use it.
#[test]
fn a_description_in_from_with_a_brace_but_no_placeholder_is_an_annotation() {
    for text_in_from in [
        "the id; {country is elsewhere",
        "ids like {} here",
        "see {a..b}",
    ] {
        let text = r#"{"schema": 1,
            "segments": {"UserId": {"from": {"user": "{id}", "description": "DESC", "meta": "DESC"}}},
            "features": {"F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                "rules": [{"split": {"by": "UserId", "weights": {"b": 100}}}]}}}"#
            .replace("DESC", text_in_from);
        assert!(
            problems(&text).is_empty(),
            "{text_in_from}: {:?}",
            problems(&text)
        );
        let d = details(&load(&text), "F", r#"{"user": {"id": 7}}"#, NOW);
        assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("SPLIT"));
    }
    // One placeholder makes it a template, a broken one a problem.
    let text = r#"{"schema": 1,
        "segments": {"UserId": {"from": {"user": "{id}", "description": "{plan} then {"}}}}"#;
    has(
        &problems(text),
        "/segments/UserId/from/description: template '{plan} then {': a '{' without its '}' (write '{{' for a literal brace)",
    );
}

/// Features compile on first use; what loading checks up front and what it
/// leaves for later give the same answers as compiling everything at once.
#[test]
fn features_compile_on_first_use() {
    let text = r#"{"schema": 1, "revision": "r",
        "segments": {"Country": {"from": {"user": "{country}"}}},
        "features": {
          "A": {"inputs": ["user"], "implementations": ["x", "y"], "default": "x",
                "rules": [{"when": {"segment": "Country", "in": ["CA"]}, "serve": "y"}]},
          "B": {"inputs": ["user"], "implementations": ["x"], "default": "x", "rules": [{"serve": "nope"}]},
          "C": {"inputs": ["user"], "implementations": ["x"], "default": "x"},
          "B": {"inputs": [], "implementations": ["z"], "default": "z"}
        }}"#;
    let e = Engine::load(text).unwrap();
    assert_eq!(e.compiled_count(), 0, "nothing compiled at load");
    assert_eq!(e.feature_count(), 3);
    assert_eq!(e.feature_name(1), Some("B"));
    let ctx = r#"{"user": {"country": "CA"}}"#;
    assert_eq!(pick(&e, "A", ctx, NOW).as_deref(), Some("y"));
    assert_eq!(e.compiled_count(), 1, "only the feature evaluated");
    // A broken feature, and a repeated one, degrade alone when first used.
    let b = details(&e, "B", ctx, NOW);
    assert_eq!(
        b.get("errorCode").and_then(|v| v.as_str()),
        Some("PARSE_ERROR")
    );
    assert_eq!(e.compiled_count(), 2);
    // Listing the problems compiles the rest; they come in document order.
    let lines: Vec<String> = e.problems().iter().map(|p| p.line()).collect();
    assert_eq!(e.compiled_count(), 3);
    assert_eq!(
        lines,
        [
            "/features/B/rules/0/serve: unknown implementation 'nope'; this feature has 'x'",
            "/features/B: the feature 'B' is declared more than once",
        ],
        "{lines:?}"
    );
}

#[test]
fn activation_names_follow_the_name_rule() {
    let text = r#"{"schema": 1,
        "activations": {"bad name": {"when": {"after": "2020-01-01T00:00:00Z"}}},
        "features": {"F": {"implementations": ["a", "b"], "default": "a",
                           "rules": [{"when": {"activation": "bad name"}, "serve": "b"}]}}}"#;
    let lines = problems(text);
    has(
        &lines,
        "/activations/bad name: invalid name 'bad name': a name may only use the characters",
    );
    has(
        &lines,
        "/features/F/rules/0/when/activation: invalid name 'bad name'",
    );
    let d = details(&load(text), "F", "{}", NOW);
    assert_eq!(d.get("implementation").and_then(|v| v.as_str()), Some("a"));
    assert_eq!(
        d.get("errorCode").and_then(|v| v.as_str()),
        Some("PARSE_ERROR")
    );
}

#[test]
fn a_broken_feature_serves_its_default_when_readable() {
    for (implementations, default, served) in [
        (r#"["a", "a", "b"]"#, r#""a""#, Some("a")),
        (r#"["a", "b c"]"#, r#""a""#, Some("a")),
        (r#"["b", 5, "a"]"#, r#""a""#, Some("a")),
        (r#"["a", "b c"]"#, r#""b c""#, None),
        (r#"["a", "a"]"#, r#""z""#, None),
    ] {
        let feature = format!(r#"{{"implementations": {implementations}, "default": {default}}}"#);
        let e = load(&with_feature(&feature));
        let d = details(&e, "F", "{}", NOW);
        assert_eq!(
            d.get("implementation").and_then(|v| v.as_str()),
            served,
            "{feature}"
        );
        assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("ERROR"));
        assert_eq!(
            d.get("errorCode").and_then(|v| v.as_str()),
            Some("PARSE_ERROR")
        );
    }
}

#[test]
fn top_level_type_errors_are_problems() {
    let text = r#"{"schema": 1, "revision": 7, "segments": [], "activations": "none",
        "features": {"F": {"implementations": ["a"], "default": "a"}}}"#;
    let e = load(text);
    assert_eq!(e.revision(), "");
    assert_eq!(pick(&e, "F", "{}", NOW).as_deref(), Some("a"));
    assert_eq!(reason(&e, "F", "{}", NOW), "STATIC");
    assert_eq!(
        problems(text),
        [
            "/revision: expected a string, found a number",
            "/segments: expected an object, found an array",
            "/activations: expected an object, found a string",
        ]
    );
    for (features, kind) in [
        (
            r#"[{"F": {"implementations": ["a"], "default": "a"}}]"#,
            "an array",
        ),
        ("null", "null"),
    ] {
        let text = format!(r#"{{"schema": 1, "features": {features}}}"#);
        let e = load(&text);
        assert_eq!(e.feature_count(), 0);
        assert_eq!(
            problems(&text),
            [format!("/features: expected an object, found {kind}")]
        );
        assert_eq!(
            details(&e, "F", "{}", NOW)
                .get("errorCode")
                .and_then(|v| v.as_str()),
            Some("FLAG_NOT_FOUND")
        );
    }
}

#[test]
fn a_condition_on_a_bad_segment_still_checks_its_operand() {
    for (when, segment_problem, operand_problem) in [
        (
            r#"{"segment": "Nope", "cidr": ["not-a-block"]}"#,
            "/when/segment: unknown segment 'Nope'",
            "/when/cidr/0: not a CIDR block: 'not-a-block'",
        ),
        (
            r#"{"segment": "Nope", "in": [5]}"#,
            "/when/segment: unknown segment 'Nope'",
            "/when/in/0: expected a string, found a number",
        ),
        (
            r#"{"segment": 5, "version_gt": "2.x"}"#,
            "/when/segment: expected a string, found a number",
            "/when/version_gt: not a SemVer version: '2.x'",
        ),
        (
            r#"{"segment": "Plan", "not_in": ["gold"]}"#,
            "/when/segment: the segment 'Plan' converts 'user', none of the inputs",
            "/when/not_in/0: 'gold' is not one of the options of segment 'Plan'",
        ),
    ] {
        let lines = broken(&format!(
            r#"{{"inputs": ["request"], "implementations": ["a"], "default": "a", "rules": [{{"when": {when}, "serve": "a"}}]}}"#
        ));
        has(&lines, &format!("/features/F/rules/0{segment_problem}"));
        has(&lines, &format!("/features/F/rules/0{operand_problem}"));
    }
}

#[test]
fn a_feature_using_a_broken_activation_says_so_at_its_reference() {
    let text = r#"{"schema": 1,
        "segments": {"Ip": {"from": {"user": "{ip}"}}},
        "activations": {"Bad": {"when": {"segment": "Ip", "cidr": ["not-a-block"]}},
                        "Outer": {"when": {"activation": "Bad"}}},
        "features": {"F": {"inputs": ["user"], "implementations": ["a"], "default": "a",
                           "rules": [{"when": {"activation": "Bad"}, "serve": "a"},
                                     {"when": {"activation": "Bad"}, "serve": "a"}]}}}"#;
    assert_eq!(
        problems(text),
        [
            "/activations/Bad/when/cidr/0: not a CIDR block: 'not-a-block' (write e.g. 10.0.0.0/8 or 2001:db8::/32)",
            "/features/F/rules/0/when/activation: the activation 'Bad' has problems (see /activations/Bad)",
            "/features/F/rules/1/when/activation: the activation 'Bad' has problems (see /activations/Bad)",
        ]
    );
    assert_eq!(reason(&load(text), "F", "{}", NOW), "ERROR");
}

#[test]
fn an_activation_for_other_inputs_is_said_at_the_feature_that_uses_it() {
    // Office is fine (G uses it); F and H take the user, not the request.
    let text = r#"{"schema": 1,
        "segments": {"Ip": {"from": {"request": "{ip}"}}},
        "activations": {"Office": {"when": {"segment": "Ip", "cidr": ["10.0.0.0/8"]}},
                        "Outer": {"when": {"any": [{"activation": "Office"}]}}},
        "features": {
          "F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                "rules": [{"when": {"activation": "Office"}, "serve": "b"},
                          {"when": {"activation": "Office"}, "serve": "a"}]},
          "H": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                "rules": [{"when": {"activation": "Outer"}, "serve": "b"},
                          {"when": {"activation": "Office"}, "serve": "b"}]},
          "G": {"inputs": ["request"], "implementations": ["a", "b"], "default": "a",
                "rules": [{"when": {"activation": "Outer"}, "serve": "b"}]}}}"#;
    let tail = "the segment 'Ip' converts 'request', none of the inputs of feature";
    assert_eq!(
        problems(text),
        [
            format!("/features/F/rules/0/when/activation: the activation 'Office' does not fit this feature: {tail} 'F' ('user')"),
            format!("/features/F/rules/1/when/activation: the activation 'Office' does not fit this feature: {tail} 'F' ('user')"),
            format!("/features/H/rules/0/when/activation: the activation 'Outer' does not fit this feature: in the activation 'Office', {tail} 'H' ('user')"),
            format!("/features/H/rules/1/when/activation: the activation 'Office' does not fit this feature: {tail} 'H' ('user')"),
        ]
    );
    let engine = load(text);
    assert_eq!(reason(&engine, "F", "{}", NOW), "ERROR");
    let office = r#"{"request": {"ip": "10.1.2.3"}}"#;
    assert_eq!(reason(&engine, "G", office, NOW), "TARGETING_MATCH");
}

#[test]
fn an_activation_is_not_blamed_for_a_sibling_that_does_not_fit() {
    // A1 refers to A2 (for the request, not the user) and A3 (broken):
    // A3 is reported for its own problem, A2 as not fitting, A1 for both.
    let text = r#"{"schema": 1,
        "segments": {"Country": {"from": {"request": "{country}"}}},
        "activations": {"A2": {"when": {"segment": "Country", "in": ["NL"]}},
                        "A3": {"when": {"segment": "Nope", "exists": true}},
                        "A1": {"when": {"all": [{"activation": "A2"}, {"activation": "A3"}]}}},
        "features": {"F": {"inputs": ["user"], "implementations": ["a"], "default": "a",
          "rules": [{"when": {"activation": "A1"}, "serve": "a"},
                    {"when": {"activation": "A3"}, "serve": "a"},
                    {"when": {"activation": "A2"}, "serve": "a"}]}}}"#;
    let tail =
        "the segment 'Country' converts 'request', none of the inputs of feature 'F' ('user')";
    assert_eq!(
        problems(text),
        [
            "/activations/A3/when/segment: unknown segment 'Nope'".to_owned(),
            "/features/F/rules/0/when/activation: the activation 'A1' has problems (see /activations/A1)".to_owned(),
            format!("/features/F/rules/0/when/activation: the activation 'A1' does not fit this feature: in the activation 'A2', {tail}"),
            "/features/F/rules/1/when/activation: the activation 'A3' has problems (see /activations/A3)".to_owned(),
            format!("/features/F/rules/2/when/activation: the activation 'A2' does not fit this feature: {tail}"),
        ]
    );
}

#[test]
fn typos_name_every_near_choice() {
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "descripton": "x", "implementations": ["a"], "default": "a",
            "rules": [{"when": {"segment": "Age", "ge": "18"}, "serve": "a"},
                      {"when": {"segment": "Version", "version_le": "2.0.0"}, "serve": "a"},
                      {"when": {"segment": "Age", "equals": "18"}, "serve": "a"},
                      {"when": {"segment": "Agge", ">=": "18"}, "serve": "a"}]}"#,
    ));
    assert_eq!(
        lines,
        [
            "/features/F/descripton: unknown field 'descripton' (did you mean 'description'?)",
            "/features/F/rules/0/when/ge: unknown condition operator 'ge' (did you mean 'gt' or 'gte'?)",
            "/features/F/rules/1/when/version_le: unknown condition operator 'version_le' (did you mean 'version_lt' or 'version_lte'?)",
            "/features/F/rules/2/when/equals: unknown condition operator 'equals' (write 'in')",
            "/features/F/rules/3/when/>=: unknown condition operator '>=' (write 'gte')",
            "/features/F/rules/3/when/segment: unknown segment 'Agge' (did you mean 'Age'?)",
        ]
    );
}

#[test]
fn comparison_symbols_and_words_say_which_operator_to_write() {
    // Other languages' comparison and equality spellings, each beside a
    // segment: the operator to write, not a near typo.
    for (op, write) in [
        (">", "gt"),
        (">=", "gte"),
        ("<", "lt"),
        ("<=", "lte"),
        ("=", "in"),
        ("==", "in"),
        ("===", "in"),
        ("eq", "in"),
        ("equals", "in"),
        ("!=", "not_in"),
        ("!==", "not_in"),
        ("ne", "not_in"),
    ] {
        let lines = problems(&with_feature(&format!(
            r#"{{"inputs": ["user"], "implementations": ["a"], "default": "a",
                "rules": [{{"when": {{"segment": "Age", "{op}": "18"}}, "serve": "a"}}]}}"#
        )));
        assert_eq!(
            lines,
            [format!(
                "/features/F/rules/0/when/{op}: unknown condition operator '{op}' (write '{write}')"
            )]
        );
    }
}

#[test]
fn instants_written_another_way_say_how_to_write_them() {
    // A Unix time (milliseconds, or seconds), a local time without a
    // zone, a date alone: each says how to write it as RFC 3339 text.
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a"], "default": "a",
            "rules": [{"when": {"after": 1764547200000}, "serve": "a"},
                      {"when": {"after": 1764547200}, "serve": "a"},
                      {"when": {"before": "2026-12-01T09:30:00"}, "serve": "a"},
                      {"when": {"before": "2026-12-01"}, "serve": "a"},
                      {"when": {"before": true}, "serve": "a"}]}"#,
    ));
    assert_eq!(
        lines,
        [
            r#"/features/F/rules/0/when/after: expected an RFC 3339 instant as a string, found a number (not a Unix time: write the instant as text, e.g. "2026-11-22T00:00:00Z")"#,
            r#"/features/F/rules/1/when/after: expected an RFC 3339 instant as a string, found a number (not a Unix time: write the instant as text, e.g. "2026-11-22T00:00:00Z")"#,
            "/features/F/rules/2/when/before: not an RFC 3339 instant: '2026-12-01T09:30:00' (it has no time zone: write 2026-12-01T09:30:00Z for UTC, or an offset such as 2026-12-01T09:30:00+02:00)",
            "/features/F/rules/3/when/before: not an RFC 3339 instant: '2026-12-01' (a date needs a time and a time zone: write 2026-12-01T00:00:00Z for midnight UTC)",
            r#"/features/F/rules/4/when/before: expected an RFC 3339 instant as a string, found a boolean (write e.g. "2026-11-22T00:00:00Z")"#,
        ]
    );
}

#[test]
fn an_unknown_field_that_is_no_typo_lists_the_fields_of_its_object() {
    // Other tools' words (GrowthBook's `condition` and `seed`) and a
    // misspelling too far from any field: what the object takes instead.
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rolout": 5,
            "rules": [{"condition": {"segment": "Country", "in": ["US"]}, "serve": "b"},
                      {"split": {"by": "UserId", "weights": {"b": 5}, "seed": "x"}}]}"#,
    ));
    assert_eq!(
        lines,
        [
            "/features/F/rolout: unknown field 'rolout' (the fields here are 'type', 'inputs', 'implementations', 'default', 'enabled', 'rules', 'description' and 'meta')",
            "/features/F/rules/0/condition: unknown field 'condition' (the fields here are 'when', 'serve', 'split', 'experiment', 'description' and 'meta')",
            "/features/F/rules/1/split/seed: unknown field 'seed' (the fields here are 'by', 'weights', 'salt', 'description' and 'meta')",
        ]
    );
}

#[test]
fn names_in_another_case_or_spelling_are_hinted() {
    // camelCase operators, names in capitals, a segment in lower case:
    // more than one typo from the name, the same name all the same.
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a"], "default": "a", "DEFAULT": "a",
            "rules": [{"when": {"segment": "Country", "notIn": ["US"]}, "serve": "a"},
                      {"when": {"segment": "Country", "startsWith": ["U"]}, "serve": "a"},
                      {"when": {"NOT": {"segment": "Age", "exists": true}}, "serve": "a"},
                      {"split": {"by": "userid", "weights": {"a": 5}}}]}"#,
    ));
    assert_eq!(
        lines,
        [
            "/features/F/DEFAULT: unknown field 'DEFAULT' (did you mean 'default'?)",
            "/features/F/rules/0/when/notIn: unknown condition operator 'notIn' (did you mean 'not_in'?)",
            "/features/F/rules/1/when/startsWith: unknown condition operator 'startsWith' (did you mean 'starts_with'?)",
            "/features/F/rules/2/when/NOT: unknown condition operator 'NOT' (did you mean 'not'?)",
            "/features/F/rules/3/split/by: unknown segment 'userid' (did you mean 'UserId'?)",
        ]
    );
}

#[test]
fn words_of_other_languages_name_the_operator_to_write() {
    // `and` is one letter from `any`: a typo hint named the opposite.
    // Other tools name a raw attribute where a segment is meant.
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a"], "default": "a",
            "rules": [{"when": {"and": [{"segment": "Age", "gte": "18"}]}, "serve": "a"},
                      {"when": {"OR": []}, "serve": "a"},
                      {"when": {"$and": []}, "serve": "a"},
                      {"when": {"||": []}, "serve": "a"},
                      {"when": {"!": {"segment": "Age", "exists": true}}, "serve": "a"},
                      {"when": {"attribute": "Age", "gte": "18"}, "serve": "a"}]}"#,
    ));
    assert_eq!(
        lines,
        [
            "/features/F/rules/0/when/and: unknown condition operator 'and' (write 'all')",
            "/features/F/rules/1/when/OR: unknown condition operator 'OR' (write 'any')",
            "/features/F/rules/2/when/$and: unknown condition operator '$and' (write 'all')",
            "/features/F/rules/3/when/||: unknown condition operator '||' (write 'any')",
            "/features/F/rules/4/when/!: unknown condition operator '!' (write 'not')",
            "/features/F/rules/5/when/attribute: unknown condition operator 'attribute' (write 'segment')",
        ]
    );
    // Each of the words, in any case; a word with a space inside is none.
    for (word, write) in [
        ("&&", "all"),
        ("AND", "all"),
        ("$Or", "any"),
        ("$NOT", "not"),
        ("Attr", "segment"),
        ("contextname", "segment"),
        ("PROPERTY", "segment"),
    ] {
        let lines = problems(&with_feature(&format!(
            r#"{{"inputs": ["user"], "implementations": ["a"], "default": "a",
                "rules": [{{"when": {{"{word}": []}}, "serve": "a"}}]}}"#
        )));
        assert_eq!(
            lines,
            [format!(
                "/features/F/rules/0/when/{word}: unknown condition operator '{word}' (write '{write}')"
            )]
        );
    }
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a"], "default": "a",
            "rules": [{"when": {"and or": []}, "serve": "a"}]}"#,
    ));
    assert_eq!(
        lines,
        ["/features/F/rules/0/when/and or: unknown condition operator 'and or'"]
    );
    // Beside a `segment`, writing one more would give it twice.
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a"], "default": "a",
            "rules": [{"when": {"segment": "Age", "attribute": "age", "gte": "18"}, "serve": "a"}]}"#,
    ));
    assert_eq!(
        lines,
        [
            "/features/F/rules/0/when/attribute: unknown condition operator 'attribute' (the \
          condition's 'segment' names what it reads, and the segment's 'from' where that is in \
          the context: remove it)"
        ]
    );
    // Nor a logical word: `all` beside `segment` is two conditions in one
    // object, so the message says to write it around the condition.
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a"], "default": "a",
            "rules": [{"when": {"segment": "Age", "gte": "18", "and": [{"segment": "Country", "in": ["US"]}]}, "serve": "a"},
                      {"when": {"segment": "Age", "OR": []}, "serve": "a"},
                      {"when": {"segment": "Age", "!": {"gte": "18"}}, "serve": "a"}]}"#,
    ));
    assert_eq!(
        lines,
        [
            r#"/features/F/rules/0/when/and: unknown condition operator 'and' (beside 'segment' it would make two conditions in one object: write 'all' around the segment condition instead, as in {"all": [{"segment": …}, …]})"#,
            r#"/features/F/rules/1/when/OR: unknown condition operator 'OR' (beside 'segment' it would make two conditions in one object: write 'any' around the segment condition instead, as in {"any": [{"segment": …}, …]})"#,
            r#"/features/F/rules/2/when/!: unknown condition operator '!' (beside 'segment' it would make two conditions in one object: write 'not' around the segment condition instead, as in {"not": {"segment": …}})"#,
        ]
    );
}

#[test]
fn a_misspelt_key_beside_segment_leaves_the_rest_checked() {
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a"], "default": "a",
            "rules": [{"when": {"segment": "Contry", "in": [5], "descripton": "x"}, "serve": "a"}]}"#,
    ));
    assert_eq!(
        lines,
        [
            "/features/F/rules/0/when/descripton: unknown field 'descripton' (did you mean 'description'?)",
            "/features/F/rules/0/when/segment: unknown segment 'Contry' (did you mean 'Country'?)",
            "/features/F/rules/0/when/in/0: expected a string, found a number (segment values are strings: write it in quotes)",
        ]
    );
}

#[test]
fn a_misspelt_top_level_field_is_ignored_with_a_hint() {
    let lines = problems(r#"{"schema": 1, "revision": "r1", "Features": {}, "segmetns": {}}"#);
    assert_eq!(
        lines,
        [
            "/Features: unknown field 'Features' (ignored) (did you mean 'features'?)",
            "/segmetns: unknown field 'segmetns' (ignored) (did you mean 'segments'?)",
        ]
    );
}

#[test]
fn a_boolean_type_misspelt_is_one_problem() {
    // Read as boolean: its `true` default is not a second problem.
    for kind in ["bool", "Boolean", "BOOLEAN"] {
        let lines = problems(&with_feature(&format!(
            r#"{{"type": "{kind}", "inputs": [], "default": true, "rules": [{{"serve": false}}]}}"#
        )));
        assert_eq!(
            lines,
            [format!(
                "/features/F/type: the type must be \"multi\" or \"boolean\", found \"{kind}\" (write \"boolean\")"
            )]
        );
    }
}

#[test]
fn a_type_other_than_a_boolean_one_is_read_as_multi() {
    // "multi" written out is what a feature without `type` is.
    let multi =
        r#""inputs": [], "implementations": ["a", "b"], "default": "a", "rules": [{"serve": "b"}]"#;
    let text = with_feature(&format!(r#"{{"type": "multi", {multi}}}"#));
    assert_eq!(problems(&text), Vec::<String>::new());
    let d = details(&load(&text), "F", "{}", NOW);
    assert_eq!(d.get("implementation").and_then(|v| v.as_str()), Some("b"));
    // Another type is one problem, with no hint to write "boolean", and the
    // feature is read as multi: its implementations, default and serve are
    // not problems too.
    for kind in [r#""string""#, r#""bo""#, r#""multiple""#, "1", "null"] {
        assert_eq!(
            problems(&with_feature(&format!(r#"{{"type": {kind}, {multi}}}"#))),
            [format!(
                "/features/F/type: the type must be \"multi\" or \"boolean\", found {kind}"
            )],
            "{kind}"
        );
    }
}

#[test]
fn a_boolean_feature_writes_true_and_false_as_booleans_or_strings() {
    for (implementations, default, serve) in [
        ("", "true", "false"),
        (
            r#""implementations": [true, false], "#,
            r#""true""#,
            "false",
        ),
        (
            r#""implementations": ["true", "false"], "#,
            "true",
            r#""false""#,
        ),
        (
            r#""implementations": [true, "false"], "#,
            r#""true""#,
            r#""false""#,
        ),
    ] {
        let text = with_feature(&format!(
            r#"{{"type": "boolean", {implementations}"inputs": ["user"], "default": {default},
                "rules": [{{"when": {{"segment": "Plan", "in": ["pro"]}}, "serve": {serve}}}]}}"#
        ));
        assert_eq!(problems(&text), Vec::<String>::new(), "{text}");
        let e = load(&text);
        for (plan, served) in [("free", "true"), ("pro", "false")] {
            let user = format!(r#"{{"user": {{"plan": "{plan}"}}}}"#);
            let d = details(&e, "F", &user, NOW);
            assert_eq!(
                d.get("implementation").and_then(|v| v.as_str()),
                Some(served),
                "{text} {plan}"
            );
        }
    }
    // Other implementations, or these in another order, are one problem.
    for implementations in [
        r#"["on", "off"]"#,
        r#"["false", "true"]"#,
        "[true]",
        "[]",
        r#""true""#,
    ] {
        assert_eq!(
            problems(&with_feature(&format!(
                r#"{{"type": "boolean", "implementations": {implementations}, "inputs": [], "default": true}}"#
            ))),
            ["/features/F/implementations: a boolean feature's implementations are [true, false]; leave the field out"],
            "{implementations}"
        );
    }
}

#[test]
fn a_boolean_feature_without_its_type_is_one_problem_saying_to_add_it() {
    // No `type`, no `implementations`, a default of true: read as boolean,
    // so that its default and serve are not problems too, and it serves
    // its default (with PARSE_ERROR) rather than null.
    let text = with_feature(r#"{"inputs": [], "default": true, "rules": [{"serve": false}]}"#);
    assert_eq!(
        problems(&text),
        [
            "/features/F: a feature with no implementations and a default of true or false is a \
          boolean feature: add \"type\": \"boolean\""
        ]
    );
    let d = details(&load(&text), "F", "{}", NOW);
    assert_eq!(
        d.get("implementation").and_then(|v| v.as_str()),
        Some("true")
    );
    assert_eq!(
        d.get("errorCode").and_then(|v| v.as_str()),
        Some("PARSE_ERROR")
    );
    // A string default is a multi feature's, whose implementations are missing.
    has(
        &problems(&with_feature(r#"{"inputs": [], "default": "true"}"#)),
        "/features/F: the field 'implementations' is required",
    );
}

#[test]
fn a_feature_without_implementations_says_only_that() {
    // Its serve, split and default name an implementation it does not list:
    // one problem, not one more per name with an empty list of choices.
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": [], "default": "a",
            "rules": [{"serve": "a"}, {"split": {"by": "UserId", "weights": {"a": 5}}},
                      {"experiment": {"name": "e", "by": "UserId", "weights": {"a": 5}}}]}"#,
    ));
    assert_eq!(
        lines,
        ["/features/F/implementations: a feature needs at least one implementation"]
    );
}

#[test]
fn every_problem_of_a_rule_is_listed_at_once() {
    // An experiment without a name: its segment and weights are still checked.
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"experiment": {"by": "UserID", "weights": {"a": 50, "bb": 60}}}]}"#,
    ));
    assert_eq!(
        lines,
        [
            "/features/F/rules/0/experiment: the field 'name' is required",
            "/features/F/rules/0/experiment/by: unknown segment 'UserID' (did you mean 'UserId'?)",
            "/features/F/rules/0/experiment/weights/bb: unknown implementation 'bb'; this feature has 'a', 'b'",
        ]
    );
    // Two operators on one segment: the segment and both operands are still checked.
    let lines = problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a"], "default": "a",
            "rules": [{"when": {"segment": "Contry", "in": ["US"], "not_in": [5]}, "serve": "a"}]}"#,
    ));
    assert_eq!(
        lines,
        [
            "/features/F/rules/0/when: a condition takes exactly one operator, found 'in' and 'not_in'; combine them with 'all'",
            "/features/F/rules/0/when/segment: unknown segment 'Contry' (did you mean 'Country'?)",
            "/features/F/rules/0/when/not_in/0: expected a string, found a number (segment values are strings: write it in quotes)",
        ]
    );
}

#[test]
fn typos_in_condition_keys_are_named_where_they_are() {
    let when = |cond: &str| {
        problems(&with_feature(&format!(
            r#"{{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{{"when": {cond}, "serve": "a"}}]}}"#
        )))
    };
    assert_eq!(
        when(r#"{"segmnet": "Country", "in": ["US"]}"#),
        ["/features/F/rules/0/when/segmnet: unknown condition operator 'segmnet' (did you mean 'segment'?)"]
    );
    assert_eq!(
        when(r#"{"Segment": "Country", "in": ["US"]}"#),
        ["/features/F/rules/0/when/Segment: unknown condition operator 'Segment' (did you mean 'segment'?)"]
    );
    assert_eq!(
        when(r#"{"activaton": "X"}"#),
        ["/features/F/rules/0/when/activaton: unknown condition operator 'activaton' (did you mean 'activation'?)"]
    );
    assert_eq!(
        when(r#"{"all": [], "all": []}"#),
        ["/features/F/rules/0/when/all: the field 'all' appears more than once"]
    );
    // A segment condition beside another kind: two conditions in one object.
    assert_eq!(
        when(r#"{"all": [], "segment": "Country", "in": ["US"]}"#),
        ["/features/F/rules/0/when: a condition takes exactly one operator, found 'segment' and 'all'; combine several with 'all' or 'any'"]
    );
    assert_eq!(
        when(r#"{"segment": "Country", "after": "2020-01-01T00:00:00Z"}"#),
        ["/features/F/rules/0/when: a condition takes exactly one operator, found 'segment' and 'after'; combine several with 'all' or 'any'"]
    );
    // Known operators side by side are still one too many.
    assert_eq!(
        when(r#"{"after": "2020-01-01T00:00:00Z", "before": "2021-01-01T00:00:00Z"}"#),
        ["/features/F/rules/0/when: a condition takes exactly one operator; combine several with 'all' or 'any'"]
    );
}

#[test]
fn messages_name_the_actual_problem() {
    // A name of 70 non-ASCII characters: its characters, not its length.
    let name = "é".repeat(70);
    let lines = problems(&format!(
        r#"{{"schema": 1, "features": {{"{name}": {{"implementations": ["a"], "default": "a"}}}}}}"#
    ));
    assert!(
        lines[0].ends_with("a name may only use the characters A-Z a-z 0-9 _ . : - (not U+00E9)"),
        "{lines:?}"
    );
    // A lookalike or an invisible character is named by its code point.
    for (name, code) in [
        ("P\u{430}yment", "U+0430"),
        ("d\u{200b}", "U+200B"),
        ("e\u{1f600}", "U+1F600"),
    ] {
        let lines = problems(&format!(
            r#"{{"schema": 1, "features": {{"{name}": {{"implementations": ["a"], "default": "a"}}}}}}"#
        ));
        assert!(lines[0].ends_with(&format!("(not {code})")), "{lines:?}");
    }
    // A value quoted in a message shows a character that shows as a blank
    // or as nothing as its escape: `'U​S' is not one of the options ('CA',
    // 'US')` showed nothing wrong.
    let options = |when: &str| {
        problems(&format!(
            r#"{{"schema": 1, "segments": {{"C": {{"from": {{"user": "{{c}}"}}, "options": ["CA", "US", "NZ\u00a0"]}}}}, "features": {{"X": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{{"when": {when}, "serve": "b"}}]}}}}}}"#
        ))
    };
    assert_eq!(
        options(r#"{"segment": "C", "in": ["U\u200bS"]}"#),
        [
            r"/features/X/rules/0/when/in/0: 'U\u{200b}S' is not one of the options of segment 'C' ('CA', 'US', 'NZ\u{a0}')"
        ]
    );
    assert_eq!(
        options(r#"{"segment": "C\u2060", "in": ["US"]}"#),
        [r"/features/X/rules/0/when/segment: unknown segment 'C\u{2060}' (did you mean 'C'?)"]
    );
    // A name one character away is suggested whatever that character's
    // length in bytes: a lookalike, an accent, an invisible character.
    assert_eq!(
        options(r#"{"segment": "\u0421", "in": ["US"]}"#),
        ["/features/X/rules/0/when/segment: unknown segment '\u{421}' (did you mean 'C'?)"]
    );
    assert_eq!(
        problems(
            r#"{"schema": 1, "features": {"X": {"implementations": ["a"], "d\u00e9fault": "a"}}}"#
        ),
        [
            "/features/X/d\u{e9}fault: unknown field 'd\u{e9}fault' (did you mean 'default'?)",
            "/features/X: the field 'default' is required"
        ]
    );
    assert_eq!(
        options(r#"{"segment": "C", "version_gt": "1.2.3\ufeff"}"#),
        [
            r"/features/X/rules/0/when/version_gt: not a SemVer version: '1.2.3\u{feff}' (write e.g. 2.3.0 or 2.3.0-beta.1)"
        ]
    );
    let weight = |w: &str| {
        problems(&with_feature(&format!(
            r#"{{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{{"split": {{"by": "UserId", "weights": {{"a": {w}}}}}}}]}}"#
        )))
    };
    assert_eq!(
        weight("1e20"),
        ["/features/F/rules/0/split/weights/a: a percentage is at most 100, found 1e20"]
    );
    // A segment with an empty list of options allows no value, and says so.
    assert_eq!(
        problems(
            r#"{"schema": 1, "segments": {"Dev": {"from": {"user": "{d}"}, "options": []}}, "features": {"X": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"when": {"segment": "Dev", "not_in": ["web"]}, "serve": "b"}]}}}"#
        ),
        ["/features/X/rules/0/when/not_in/0: 'web' is not one of the options of segment 'Dev' (its list is empty)"]
    );
    // One weight over 100 is named at its place; the sum is not repeated.
    assert_eq!(
        weight("150"),
        ["/features/F/rules/0/split/weights/a: a percentage is at most 100, found 150"]
    );
    assert_eq!(
        weight("100.01"),
        ["/features/F/rules/0/split/weights/a: a percentage is at most 100, found 100.01"]
    );
    assert!(problems(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"split": {"by": "UserId", "weights": {"a": 100, "b": 0}}}]}"#
    ))
    .is_empty());
    // At the sum's limit: 100 % exactly passes, one basis point more does not.
    let two = |a: &str, b: &str| {
        problems(&with_feature(&format!(
            r#"{{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{{"split": {{"by": "UserId", "weights": {{"a": {a}, "b": {b}}}}}}}]}}"#
        )))
    };
    assert!(two("50", "50").is_empty());
    assert!(two("49.99", "50.01").is_empty());
    assert_eq!(
        two("50.01", "50"),
        ["/features/F/rules/0/split/weights: percentages add up to 100.01, more than 100"]
    );
    assert_eq!(
        weight("12.345"),
        ["/features/F/rules/0/split/weights/a: a percentage is a number ≥ 0 with at most two decimals, found 12.345"]
    );
}

#[test]
fn listing_features_compiles_no_rules_and_lists_what_compiling_gives() {
    let mut texts: Vec<String> = ["examples/shop.json", "examples/novi.json"]
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    // Features broken in every way their declarations can be.
    texts.push(
        r#"{"schema": 1, "segments": {"S": {"from": {"user": "{id}"}}}, "features": {
          "Ok": {"inputs": ["user", "account"], "implementations": ["a", "b"], "default": "b",
                 "rules": [{"split": {"by": "S", "weights": {"a": 50, "b": 50}}}]},
          "BadRule": {"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{"serve": "nope"}]},
          "BadType": {"type": "toggle", "implementations": ["a"], "default": "a"},
          "Bool": {"type": "boolean", "default": true, "inputs": ["user"]},
          "BoolStrings": {"type": "boolean", "default": "false"},
          "BoolWrong": {"type": "boolean", "implementations": ["false", "true"], "default": true},
          "Repeated": {"implementations": ["a", "a", 3, "b"], "default": "b"},
          "NoDefault": {"implementations": ["a"]},
          "UnknownDefault": {"implementations": ["a"], "default": "z"},
          "BadInputs": {"inputs": "user", "implementations": ["a"], "default": "a"},
          "BadInputNames": {"inputs": ["ok", "no way", 5], "implementations": ["a"], "default": "a"},
          "NotObject": [1, 2],
          "Empty": {},
          "Twice": {"implementations": ["a"], "default": "a"},
          "Twice": {"implementations": ["z"], "default": "z"},
          "Bad name!": {"implementations": ["a"], "default": "a"}
        }}"#
        .to_owned(),
    );
    for text in &texts {
        let listed = Engine::load(text).unwrap();
        let before = listed.features_json();
        assert_eq!(listed.compiled_count(), 0, "listing compiled rules");
        let compiled = Engine::load(text).unwrap();
        assert!(compiled.features().count() > 0); // every feature compiled
        assert_eq!(compiled.compiled_count(), compiled.feature_count());
        assert_eq!(before, compiled.features_json());
        // Once compiled, the listing reads the compiled features.
        assert_eq!(listed.features().count(), listed.feature_count());
        assert_eq!(listed.features_json(), before);
    }
}

/// The listing (`engine.features` in JavaScript) gives each feature's name,
/// type, implementations, default (`null` for none) and inputs, in order.
#[test]
fn the_listing_of_features_is_a_json_array_of_their_declarations() {
    let e = Engine::load(
        r#"{"schema": 1, "features": {
          "A": {"inputs": ["user", "device"], "implementations": ["on", "off"], "default": "off"},
          "B": {"type": "boolean", "default": false},
          "C": {"implementations": ["x"]}}}"#,
    )
    .unwrap();
    assert_eq!(
        e.features_json(),
        concat!(
            r#"[{"name":"A","type":"multi","implementations":["on","off"],"default":"off","inputs":["user","device"]},"#,
            r#"{"name":"B","type":"boolean","implementations":["true","false"],"default":"false","inputs":[]},"#,
            r#"{"name":"C","type":"multi","implementations":["x"],"default":null,"inputs":[]}]"#
        )
    );
    assert_eq!(e.compiled_count(), 0);
    let none = Engine::load(r#"{"schema": 1, "features": {}}"#).unwrap();
    assert_eq!(none.features_json(), "[]");
}

/// A feature's source is its JSON text as the snapshot writes it, spaces
/// inside kept; a name given twice has none.
#[test]
fn a_features_source_is_its_text_as_written() {
    let e = Engine::load(
        r#"{"schema": 1, "features": {
          "A": {"implementations": ["a"],  "default": "a"},
          "Twice": {"implementations": ["a"], "default": "a"},
          "Twice": {"implementations": ["z"], "default": "z"}}}"#,
    )
    .unwrap();
    let sources: Vec<_> = (0..e.feature_count())
        .map(|i| (e.feature_name(i), e.feature_source(i)))
        .collect();
    assert_eq!(
        sources,
        [
            (
                Some("A"),
                Some(r#"{"implementations": ["a"],  "default": "a"}"#)
            ),
            (Some("Twice"), None),
        ]
    );
}

/// The error types are `std::error::Error`s whose `Display` is their one
/// line: `?` takes them into `Box<dyn Error>` (or anyhow) as they are.
#[test]
fn errors_are_std_errors_that_display_their_line() {
    fn boxed<T, E: std::error::Error + 'static>(
        r: Result<T, E>,
    ) -> Result<T, Box<dyn std::error::Error>> {
        Ok(r?)
    }
    let refused = Engine::load(r#"{"schema": 2, "features": {}}"#).expect_err("refused");
    let line = refused.line();
    assert_eq!(
        boxed(Engine::load(r#"{"schema": 2, "features": {}}"#))
            .err()
            .map(|e| e.to_string()),
        Some(line.clone())
    );
    assert!(line.starts_with("/schema: "), "{line}");
    // The document itself: the message alone, as `line` writes it.
    let whole = Engine::load("[]").expect_err("refused");
    assert_eq!((whole.to_string(), whole.path.as_str()), (whole.line(), ""));

    let bad = feats_edge::json::parse("{\"a\": [1,", &feats_edge::json::Limits::default())
        .expect_err("not JSON");
    assert_eq!(bad.to_string(), bad.describe());
    assert!(bad.to_string().starts_with("line 1, column "), "{bad}");

    let engine = load(&with_feature(
        r#"{"implementations": ["a", "b"], "default": "a"}"#,
    ));
    let none = feats_edge::simulate::unit(&engine, "Nope", None).expect_err("no such feature");
    assert_eq!(
        boxed::<(), _>(Err(none.clone()))
            .err()
            .map(|e| e.to_string())
            .as_deref(),
        Some(none.message())
    );
}

/// `FixedEnv` prints its time and sticky map (an embedder's `{:?}` of a
/// struct that holds one compiles).
#[test]
fn fixed_env_is_debug() {
    let mut env = feats_edge::context::FixedEnv {
        now: 7,
        sticky: Default::default(),
        random: || 0,
    };
    env.sticky.insert("exp/u".into(), "a".into());
    assert_eq!(
        format!("{env:?}"),
        r#"FixedEnv { now: 7, sticky: {"exp/u": "a"}, .. }"#
    );
}
