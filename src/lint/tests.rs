//! The tests of the warnings: each builds a snapshot, loads it and
//! compares the warnings [`lint`] gives with those meant.

use super::*;

fn warnings(features: &str) -> Vec<String> {
    let text = format!(
        r#"{{"schema": 1, "segments": {{"Country": {{"from": {{"user": "{{country}}"}}}},
           "UserId": {{"from": {{"user": "{{id}}"}}}}, "Ip": {{"from": {{"user": "{{ip}}"}}}}}},
           "activations": {{"Never": {{"when": {{"segment": "Country", "in": []}}}}, "Always": {{"when": {{"all": []}}}},
             "Na": {{"when": {{"segment": "Country", "in": ["US", "CA", "MX"]}}}}}},
           "features": {features}}}"#
    );
    let engine = Engine::load(&text).unwrap();
    assert_eq!(engine.problems(), &[], "{text}");
    lint(&engine, 1_800_000_000_000)
        .iter()
        .map(Problem::line)
        .collect()
}

fn feature(rules: &str) -> String {
    format!(
        r#"{{"F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": {rules}}}}}"#
    )
}

#[test]
fn a_clean_snapshot_has_no_warnings() {
    let rules = r#"[{"when": {"segment": "Country", "in": ["CA"]}, "serve": "b"},
                    {"when": {"all": [{"after": "2020-01-01T00:00:00Z"}, {"before": "2100-01-01T00:00:00Z"}]}, "serve": "b"},
                    {"when": {"activation": "Always"}, "split": {"by": "UserId", "weights": {"a": 0, "b": 10}}},
                    {"serve": "a"}]"#;
    assert_eq!(warnings(&feature(rules)), Vec::<String>::new());
}

#[test]
fn conditions_that_never_hold() {
    let rules = r#"[{"when": {"segment": "Country", "in": []}, "serve": "b"},
                    {"when": {"any": []}, "serve": "b"},
                    {"when": {"segment": "Ip", "cidr": []}, "serve": "b"},
                    {"when": {"segment": "Country", "starts_with": []}, "serve": "b"},
                    {"when": {"all": [{"after": "2030-01-01T00:00:00Z"}, {"before": "2029-01-01T00:00:00Z"}]}, "serve": "b"},
                    {"when": {"any": [{"activation": "Never"}, {"segment": "Country", "in": []}]}, "serve": "b"},
                    {"when": {"not": {"activation": "Always"}}, "serve": "b"},
                    {"when": {"any": [{"activation": "Never"}, {"segment": "Country", "in": ["CA"]}]}, "serve": "b"}]"#;
    assert_eq!(
        warnings(&feature(rules)),
        [
            "/activations/Never/when/in: the activation never holds: an empty `in` list matches no value",
            "/features/F/rules/0/when/in: the rule never applies: an empty `in` list matches no value",
            "/features/F/rules/1/when/any: the rule never applies: `any` of an empty list is false",
            "/features/F/rules/2/when/cidr: the rule never applies: an empty `cidr` list matches no address",
            "/features/F/rules/3/when/starts_with: the rule never applies: an empty list of patterns matches no value",
            "/features/F/rules/4/when: the rule never applies: its `after` and `before` leave no instant between them",
            "/features/F/rules/5/when/any: the rule never applies: none of the conditions of its `any` can hold",
            "/features/F/rules/6/when: the rule never applies: `not` of a condition that always holds",
        ]
    );
}

/// A finding inside an activation, or deep in a condition, is said
/// where it is: the rule's warning points at the condition inside the
/// rule (the activation's reference), names the activations it passes
/// through and where the cause is; each activation is warned about
/// once, at its cause.
#[test]
fn findings_point_at_their_condition_through_activations() {
    let text = r#"{"schema": 1,
      "segments": {"Plan": {"from": {"user": "{plan}"}}},
      "activations": {
        "Promo": {"when": {"all": [{"after": "2026-12-01T00:00:00Z"}, {"before": "2026-11-01T00:00:00Z"}]}},
        "Empty": {"when": {"segment": "Plan", "in": []}},
        "Ended": {"when": {"all": [{"segment": "Plan", "in": ["x"]}, {"not": {"after": "2025-01-01T00:00:00Z"}}]}},
        "Wrap": {"when": {"all": [{"activation": "Ended"}]}},
        "Unused": {"when": {"segment": "Plan", "in": []}},
        "Empty2": {"when": {"segment": "Plan", "in": []}},
        "Empty3": {"when": {"segment": "Plan", "in": []}}},
      "features": {
        "A": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [
          {"when": {"activation": "Promo"}, "serve": "b"},
          {"when": {"all": [{"segment": "Plan", "in": ["pro"]}, {"activation": "Empty"}]}, "serve": "b"},
          {"when": {"all": [{"segment": "Plan", "in": ["pro"]}, {"any": [{"segment": "Plan", "starts_with": []}]}]}, "serve": "b"},
          {"when": {"all": [{"segment": "Plan", "in": ["pro"]}, {"activation": "Wrap"}]}, "serve": "b"},
          {"when": {"not": {"after": "2025-01-01T00:00:00Z"}}, "serve": "b"}]},
        "B": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [
          {"when": {"activation": "Empty"}, "serve": "b"}]},
        "C": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [
          {"when": {"all": [{"not": {"activation": "Empty2"}}, {"segment": "Plan", "in": ["x"]}]}, "serve": "b"},
          {"when": {"activation": "Empty2"}, "serve": "b"}]},
        "D": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [
          {"when": {"all": [{"segment": "Plan", "in": ["x"]}, {"not": {"activation": "Empty3"}}]}, "serve": "b"}]}}}"#;
    let engine = Engine::load(text).unwrap();
    assert_eq!(engine.problems(), &[]);
    let found: Vec<String> = lint(&engine, 1_780_000_000_000)
        .iter()
        .map(Problem::line)
        .collect();
    assert_eq!(
        found,
        [
            "/activations/Promo/when: the activation never holds: its `after` and `before` leave no instant between them",
            "/activations/Empty/when/in: the activation never holds: an empty `in` list matches no value",
            "/activations/Ended/when/all/1/not/after: the activation no longer holds: its time window ended at 2025-01-01T00:00:00Z",
            "/activations/Wrap/when/all/0: the activation no longer holds: its time window ended at 2025-01-01T00:00:00Z, with activation 'Ended' (/activations/Ended/when/all/1/not/after)",
            // Met first under `not` (feature C): still said at its own place;
            // and only there, after a condition that may fail (feature D).
            "/activations/Empty2/when/in: the activation never holds: an empty `in` list matches no value",
            "/activations/Empty3/when/in: the activation never holds: an empty `in` list matches no value",
            "/features/A/rules/0/when: the rule never applies: activation 'Promo' never holds (/activations/Promo/when: its `after` and `before` leave no instant between them)",
            "/features/A/rules/1/when/all/1: the rule never applies: activation 'Empty' never holds (/activations/Empty/when/in: an empty `in` list matches no value)",
            "/features/A/rules/2/when/all/1/any/0/starts_with: the rule never applies: an empty list of patterns matches no value",
            "/features/A/rules/3/when/all/1: the rule no longer applies: its time window ended at 2025-01-01T00:00:00Z, with activation 'Wrap' → 'Ended' (/activations/Ended/when/all/1/not/after)",
            "/features/A/rules/4/when/not/after: the rule no longer applies: its time window ended at 2025-01-01T00:00:00Z",
            "/features/B/rules/0/when: the rule never applies: activation 'Empty' never holds (/activations/Empty/when/in: an empty `in` list matches no value)",
            "/features/C/rules/1/when: the rule never applies: activation 'Empty2' never holds (/activations/Empty2/when/in: an empty `in` list matches no value)",
        ]
    );
}

/// A description in `from` with a placeholder is read as an input's
/// template: said, with the way to write braces as text.
#[test]
fn a_description_read_as_an_input() {
    let text = r#"{"schema": 1, "segments": {"U": {"from": {"user": "{id}",
        "description": "see {id}", "meta": "the {{id}} field"}},
        "V": {"from": {"user": "{id}"}}, "V": {"from": {"user": "{id}", "description": "{id}"}},
        "W": {"from": {"user": "{id}"}, "from": {"user": "{id}", "description": "{id}"}}}}"#;
    let engine = Engine::load(text).unwrap();
    // (V and W are not loaded: given twice; no warning about them.)
    assert_eq!(engine.problems().len(), 2, "{:?}", engine.problems());
    let found: Vec<String> = lint(&engine, 0).iter().map(Problem::line).collect();
    assert_eq!(
        found,
        ["/segments/U/from/description: read as the template of an input named 'description' \
          (its value has a {placeholder}); if it describes the segment, write braces in it as {{ and }}"]
    );
}

/// A placeholder that repeats its input's name, or has spaces around
/// a key, reads nothing in the contexts meant: said, with the path to
/// write. A path into a key of another name, and one key alone named
/// as the input, are not.
#[test]
fn a_placeholder_outside_its_input() {
    let text = r#"{"schema": 1, "segments": {
        "UserId": {"from": {"user": "{user.id}", "request": "{user.id}"}},
        "Country": {"from": {"user": "{address.country_code}-{ address.region }"}},
        "Whole": {"from": {"user": "{user}"}}}}"#;
    let engine = Engine::load(text).unwrap();
    assert_eq!(engine.problems(), &[]);
    let found: Vec<String> = lint(&engine, 0).iter().map(Problem::line).collect();
    assert_eq!(
        found,
        [
            "/segments/UserId/from/user: the placeholder {user.id} reads the key 'user' inside \
             the input 'user' (a path starts inside its input, so this reads user.user.id): write {id}",
            "/segments/Country/from/user: the placeholder { address.region } reads keys with \
             spaces around them, which contexts seldom have: write {address.region}",
        ]
    );
}

/// A rule with a condition after a split or experiment that has none
/// and covers every unit is reached only by contexts without a unit:
/// said. Not for a catch-all or an `exists: false` of the unit after
/// it (fallbacks for those contexts), nor after a split that leaves
/// units or has a condition.
#[test]
fn a_condition_after_a_split_of_every_unit() {
    let tail = "gives every other context an implementation (its weights add up to 100%); \
                to target contexts that have one, move this rule before rule 0";
    let rules = r#"[{"experiment": {"name": "E", "by": "UserId", "weights": {"a": 50, "b": 50}}},
                    {"when": {"all": [{"segment": "Country", "in": ["US"]}, {"segment": "UserId", "exists": false}]}, "serve": "a"},
                    {"when": {"segment": "Country", "in": ["CA"]}, "serve": "b"},
                    {"when": {"segment": "UserId", "exists": false}, "serve": "b"},
                    {"serve": "a"}]"#;
    assert_eq!(
        warnings(&feature(rules)),
        [format!(
            "/features/F/rules/2: rule 2 is reached only by contexts without a value for \
             segment 'UserId': rule 0 {tail}"
        )]
    );
    for first in [
        r#"{"split": {"by": "UserId", "weights": {"a": 50, "b": 40}}}"#,
        r#"{"when": {"segment": "Country", "in": ["US"]}, "split": {"by": "UserId", "weights": {"a": 50, "b": 50}}}"#,
    ] {
        let rules = format!(
            r#"[{first}, {{"when": {{"segment": "Country", "in": ["CA"]}}, "serve": "b"}}]"#
        );
        assert_eq!(warnings(&feature(&rules)), Vec::<String>::new(), "{first}");
    }
}

/// An experiment of one arm assigns every unit it takes to that arm:
/// said, with weights to write. An arm stopped with a 0 beside the
/// other, all weights 0, and a split of one implementation are not.
#[test]
fn an_experiment_of_one_arm() {
    let rules = r#"[{"experiment": {"name": "E1", "by": "UserId", "weights": {"b": 10}}},
                    {"experiment": {"name": "E2", "by": "UserId", "weights": {"b": 100}}},
                    {"experiment": {"name": "E3", "by": "UserId", "weights": {"a": 0, "b": 50}}},
                    {"experiment": {"name": "E4", "by": "UserId", "weights": {"a": 0}}},
                    {"split": {"by": "UserId", "weights": {"b": 10}, "salt": "s"}}]"#;
    assert_eq!(
        warnings(&feature(rules)),
        [
            "/features/F/rules/0/experiment/weights: the experiment has one arm: every unit it \
             assigns gets 'b', and nothing in it can be compared with that; give the \
             implementation to compare with a weight too (\"a\": 10, \"b\": 10), or make the \
             rule a split",
            "/features/F/rules/1/experiment/weights: the experiment has one arm: every unit it \
             assigns gets 'b', and nothing in it can be compared with that; give the \
             implementation to compare with a weight too (\"a\": 50, \"b\": 50), or make the \
             rule a split",
            "/features/F/rules/3/experiment/weights: no implementation has a weight above 0: \
             no unit gets an implementation, and every unit falls through to the next rule",
        ]
    );
}

/// A condition with no end in time has not ended, whenever `now` is.
#[test]
fn no_end_is_no_ended_window() {
    let text = r#"{"schema": 1, "features": {"F": {"implementations": ["a", "b"], "default": "a",
        "rules": [{"when": {"after": "2020-01-01T00:00:00Z"}, "serve": "b"}]}}}"#;
    let engine = Engine::load(text).unwrap();
    for now in [i64::MIN, 0, i64::MAX] {
        assert_eq!(lint(&engine, now), &[], "at {now}");
    }
}

#[test]
fn a_window_that_has_ended() {
    let rules = r#"[{"when": {"before": "2025-03-01T12:00:00Z"}, "serve": "b"},
                    {"when": {"any": [{"before": "2025-01-01T00:00:00Z"}, {"before": "2026-06-01T00:00:00.250Z"}]}, "serve": "b"},
                    {"when": {"any": [{"before": "2025-01-01T00:00:00Z"}, {"segment": "Country", "in": ["CA"]}]}, "serve": "b"}]"#;
    assert_eq!(
        warnings(&feature(rules)),
        [
            "/features/F/rules/0/when/before: the rule no longer applies: its time window ended at 2025-03-01T12:00:00Z",
            "/features/F/rules/1/when/any/1/before: the rule no longer applies: its time window ended at 2026-06-01T00:00:00.250Z",
        ]
    );
}

/// `not` of what holds from an instant on, for every context, holds
/// before it: through activations, `any`, `all` and `not` alike.
#[test]
fn not_of_what_holds_from_an_instant_on() {
    let text = r#"{"schema": 1, "segments": {"Country": {"from": {"user": "{country}"}}},
        "activations": {"Launched": {"when": {"after": "2025-01-01T00:00:00Z"}},
          "LaunchedInCa": {"when": {"all": [{"after": "2025-01-01T00:00:00Z"}, {"segment": "Country", "in": ["CA"]}]}}},
        "features": {"F": {"implementations": ["a", "b"], "default": "a", "inputs": ["user"], "rules": [
          {"when": {"not": {"activation": "Launched"}}, "serve": "b"},
          {"when": {"not": {"any": [{"after": "2025-06-01T00:00:00Z"}, {"all": [{"after": "2025-01-01T00:00:00Z"}, {"before": "2025-07-01T00:00:00Z"}]}]}}, "serve": "b"},
          {"when": {"not": {"not": {"before": "2025-02-01T00:00:00Z"}}}, "serve": "b"},
          {"when": {"not": {"any": [{"after": "2025-01-01T00:00:00Z"}, {"before": "2025-01-01T00:00:00Z"}]}}, "serve": "b"},
          {"when": {"not": {"activation": "LaunchedInCa"}}, "serve": "b"},
          {"when": {"not": {"any": [{"before": "2024-01-01T00:00:00Z"}, {"after": "2030-01-01T00:00:00Z"}]}}, "serve": "b"},
          {"when": {"not": {"all": [{"after": "2024-01-01T00:00:00Z"}, {"before": "2030-01-01T00:00:00Z"}]}}, "serve": "b"},
          {"when": {"not": {"not": {"after": "2030-01-01T00:00:00Z"}}}, "serve": "b"}]}}}"#;
    let engine = Engine::load(text).unwrap();
    assert_eq!(engine.problems(), &[]);
    let found: Vec<String> = lint(&engine, 1_800_000_000_000)
        .iter()
        .map(Problem::line)
        .collect();
    assert_eq!(
        found,
        [
            "/features/F/rules/0/when/not: the rule no longer applies: its time window ended at 2025-01-01T00:00:00Z, with activation 'Launched' (/activations/Launched/when/after)",
            "/features/F/rules/1/when/not/any/1/all/0/after: the rule no longer applies: its time window ended at 2025-01-01T00:00:00Z",
            "/features/F/rules/2/when/not/not/before: the rule no longer applies: its time window ended at 2025-02-01T00:00:00Z",
            "/features/F/rules/3/when: the rule never applies: `not` of a condition that always holds",
            // 4: not in Canada still applies; 5 and 6: `not` of a window
            // with a gap, or of one bounded on both sides, holds in
            // two pieces; 7: from 2030 on.
        ]
    );
}

#[test]
fn rules_after_one_that_serves_everyone() {
    for (always, reached) in [
        (r#"{"serve": "b"}"#, false),
        (r#"{"when": {"all": []}, "serve": "b"}"#, false),
        (r#"{"when": {"activation": "Always"}, "serve": "b"}"#, false),
        (r#"{"when": {"not": {"any": []}}, "serve": "b"}"#, false),
        (
            r#"{"when": {"after": "2030-01-01T00:00:00Z"}, "serve": "b"}"#,
            true,
        ),
        (
            r#"{"split": {"by": "UserId", "weights": {"b": 100}}}"#,
            true,
        ),
    ] {
        let rules = format!(
            r#"[{always}, {{"when": {{"segment": "Country", "in": ["CA"]}}, "serve": "b"}}, {{"serve": "a"}}]"#
        );
        let got = warnings(&feature(&rules));
        if always.contains("split") {
            // Reached, by the contexts without a unit: said so.
            assert_eq!(
                got,
                [
                    "/features/F/rules/1: rule 1 is reached only by contexts without a value \
                  for segment 'UserId': rule 0 gives every other context an implementation \
                  (its weights add up to 100%); to target contexts that have one, move this \
                  rule before rule 0"
                ],
                "{always}"
            );
        } else if reached {
            assert_eq!(got, Vec::<String>::new(), "{always}");
        } else {
            assert_eq!(
                got,
                ["/features/F/rules/1: rules 1–2 are never reached: rule 0 serves 'b' to every context"],
                "{always}"
            );
        }
    }
    let rules = r#"[{"serve": "b"}, {"serve": "a"}]"#;
    assert_eq!(
        warnings(&feature(rules)),
        ["/features/F/rules/1: rule 1 is never reached: rule 0 serves 'b' to every context"]
    );
    // From an instant past on, for every context: no longer reached
    // (the launch is done); with a segment condition, or only until
    // an instant to come, the rules after it still are.
    for (launched, since) in [
        (
            r#"{"after": "2020-01-01T00:00:00Z"}"#,
            Some("2020-01-01T00:00:00Z"),
        ),
        (
            r#"{"not": {"before": "2020-01-01T00:00:00Z"}}"#,
            Some("2020-01-01T00:00:00Z"),
        ),
        (
            r#"{"all": [{"after": "2020-01-01T00:00:00Z"}, {"activation": "Always"}]}"#,
            Some("2020-01-01T00:00:00Z"),
        ),
        (
            r#"{"all": [{"after": "2020-01-01T00:00:00Z"}, {"segment": "Country", "in": ["CA"]}]}"#,
            None,
        ),
        (
            r#"{"all": [{"after": "2020-01-01T00:00:00Z"}, {"before": "2030-01-01T00:00:00Z"}]}"#,
            None,
        ),
    ] {
        let rules = format!(r#"[{{"when": {launched}, "serve": "b"}}, {{"serve": "a"}}]"#);
        let expected: Vec<String> = since
            .map(|t| format!("/features/F/rules/1: rule 1 is no longer reached: since {t}, rule 0 serves 'b' to every context"))
            .into_iter()
            .collect();
        assert_eq!(warnings(&feature(&rules)), expected, "{launched}");
    }
}

#[test]
fn rules_an_earlier_serve_answers_first() {
    // Each (earlier serve's condition, later rule's condition) where the
    // later one's implies the earlier's.
    let shadowed = [
        (
            r#"{"segment": "Country", "in": ["US", "CA"]}"#,
            r#"{"segment": "Country", "in": ["CA"]}"#,
        ),
        (
            r#"{"segment": "Country", "in": ["US", "CA"]}"#,
            r#"{"all": [{"segment": "Country", "in": ["US"]}, {"segment": "UserId", "in": ["7"]}]}"#,
        ),
        (
            r#"{"segment": "Country", "in": ["US"]}"#,
            r#"{"any": [{"segment": "Country", "in": ["US"]}, {"all": [{"segment": "Country", "in": ["US"]}, {"after": "2020-01-01T00:00:00Z"}]}]}"#,
        ),
        (
            r#"{"any": [{"segment": "Country", "in": ["US"]}, {"segment": "Ip", "cidr": ["10.0.0.0/8"]}]}"#,
            r#"{"segment": "Ip", "cidr": ["10.0.0.0/8"]}"#,
        ),
        (
            r#"{"activation": "Na"}"#,
            r#"{"segment": "Country", "in": ["MX"]}"#,
        ),
        (
            r#"{"segment": "Country", "in": ["US", "MX", "CA"]}"#,
            r#"{"activation": "Na"}"#,
        ),
        (r#"{"activation": "Na"}"#, r#"{"activation": "Na"}"#),
        (
            r#"{"segment": "Country", "not_in": ["FR"]}"#,
            r#"{"segment": "Country", "not_in": ["FR", "DE"]}"#,
        ),
        (
            r#"{"segment": "Country", "not_in": ["FR"]}"#,
            r#"{"segment": "Country", "in": ["US"]}"#,
        ),
        (
            r#"{"segment": "Country", "exists": true}"#,
            r#"{"segment": "Country", "starts_with": ["U"]}"#,
        ),
        (
            r#"{"segment": "UserId", "starts_with": ["test-"]}"#,
            r#"{"segment": "UserId", "starts_with": ["test-eu-"]}"#,
        ),
        (
            r#"{"segment": "UserId", "contains": ["qa"]}"#,
            r#"{"segment": "UserId", "contains": ["@qa.example"]}"#,
        ),
        (
            r#"{"after": "2030-01-01T00:00:00Z"}"#,
            r#"{"after": "2031-01-01T00:00:00Z"}"#,
        ),
        (
            r#"{"before": "2040-01-01T00:00:00Z"}"#,
            r#"{"before": "2039-01-01T00:00:00Z"}"#,
        ),
        (
            r#"{"not": {"segment": "Country", "in": ["US"]}}"#,
            r#"{"not": {"segment": "Country", "in": ["US", "CA"]}}"#,
        ),
        (
            r#"{"segment": "Ip", "cidr": ["10.0.0.0/8", "192.168.0.0/16"]}"#,
            r#"{"segment": "Ip", "cidr": ["192.168.0.0/16"]}"#,
        ),
        // Sets hashed past eight members.
        (
            r#"{"segment": "Country", "in": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "a-long-code"]}"#,
            r#"{"segment": "Country", "in": ["a-long-code", "i"]}"#,
        ),
    ];
    for (earlier, later) in shadowed {
        let rules =
            format!(r#"[{{"when": {earlier}, "serve": "b"}}, {{"when": {later}, "serve": "a"}}]"#);
        assert_eq!(
            warnings(&feature(&rules)),
            ["/features/F/rules/1: rule 1 is never reached: rule 0 serves 'b' to every context it applies to"],
            "{earlier} then {later}"
        );
    }
    // Not implied, or not proved (both rules can be reached).
    let reached = [
        (
            r#"{"segment": "Country", "in": ["CA"]}"#,
            r#"{"segment": "Country", "in": ["US", "CA"]}"#,
        ),
        (
            r#"{"segment": "Country", "in": ["CA"]}"#,
            r#"{"segment": "UserId", "in": ["CA"]}"#,
        ),
        (
            r#"{"segment": "UserId", "ends_with": ["@example.com"]}"#,
            r#"{"segment": "UserId", "ends_with": ["@dev.example.com"]}"#,
        ),
        (
            r#"{"segment": "UserId", "starts_with": ["test-eu-"]}"#,
            r#"{"segment": "UserId", "starts_with": ["test-"]}"#,
        ),
        (
            r#"{"all": [{"segment": "Country", "in": ["US"]}, {"segment": "UserId", "in": ["7"]}]}"#,
            r#"{"segment": "Country", "in": ["US"]}"#,
        ),
        (
            r#"{"after": "2031-01-01T00:00:00Z"}"#,
            r#"{"after": "2030-01-01T00:00:00Z"}"#,
        ),
        (
            r#"{"segment": "Country", "not_in": ["FR", "DE"]}"#,
            r#"{"segment": "Country", "not_in": ["FR"]}"#,
        ),
        (
            r#"{"segment": "Country", "not_in": ["US"]}"#,
            r#"{"segment": "Country", "in": ["US", "CA"]}"#,
        ),
        (
            r#"{"segment": "Country", "in": ["US"]}"#,
            r#"{"not": {"segment": "Country", "in": ["CA"]}}"#,
        ),
        (
            r#"{"segment": "Country", "exists": false}"#,
            r#"{"segment": "Country", "not_in": ["US"]}"#,
        ),
        // Covered by two earlier rules together: not proved.
        (
            r#"{"segment": "Country", "in": ["US", "CA"]}"#,
            r#"{"activation": "Na"}"#,
        ),
    ];
    for (earlier, later) in reached {
        let rules =
            format!(r#"[{{"when": {earlier}, "serve": "b"}}, {{"when": {later}, "serve": "a"}}]"#);
        assert_eq!(
            warnings(&feature(&rules)),
            Vec::<String>::new(),
            "{earlier} then {later}"
        );
    }
    // Only a `serve` answers every context it applies to: a split lets
    // units fall through, an experiment too.
    let rules = r#"[{"when": {"segment": "Country", "in": ["US"]}, "split": {"by": "UserId", "weights": {"b": 100}}},
                    {"when": {"segment": "Country", "in": ["US"]}, "serve": "a"}]"#;
    assert_eq!(warnings(&feature(rules)), Vec::<String>::new());
    // An earlier rule that never applies answers nothing.
    let rules = r#"[{"when": {"segment": "Country", "in": []}, "serve": "b"},
                    {"when": {"segment": "Country", "in": []}, "serve": "a"}]"#;
    let found = warnings(&feature(rules));
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().all(|w| w.contains("never applies")),
        "{found:?}"
    );
    // The first serve that answers is named.
    let rules = r#"[{"when": {"segment": "Country", "in": ["FR"]}, "serve": "a"},
                    {"when": {"segment": "Country", "in": ["US", "CA"]}, "serve": "b"},
                    {"when": {"segment": "Country", "in": ["US"]}, "serve": "a"},
                    {"when": {"segment": "Country", "in": ["US"]}, "experiment": {"name": "E", "by": "UserId", "weights": {"a": 50, "b": 50}}}]"#;
    assert_eq!(
        warnings(&feature(rules)),
        [
            "/features/F/rules/2: rule 2 is never reached: rule 1 serves 'b' to every context it applies to",
            "/features/F/rules/3: rule 3 is never reached: rule 1 serves 'b' to every context it applies to",
        ]
    );
}

#[test]
fn weights_that_serve_no_unit() {
    let rules = r#"[{"split": {"by": "UserId", "weights": {"a": 0, "b": 0}}},
                    {"split": {"by": "UserId", "weights": {}}},
                    {"experiment": {"name": "E", "by": "UserId", "weights": {"a": 0}}}]"#;
    assert_eq!(
        warnings(&feature(rules)),
        [
            "/features/F/rules/0/split/weights: no implementation has a weight above 0: no unit gets an implementation, and every unit falls through to the next rule",
            "/features/F/rules/1/split/weights: no implementation has a weight above 0: no unit gets an implementation, and every unit falls through to the next rule",
            "/features/F/rules/2/experiment/weights: no implementation has a weight above 0: no unit gets an implementation, and every unit falls through to the next rule",
        ]
    );
}

#[test]
fn weights_written_as_fractions() {
    let rules = r#"[{"split": {"by": "UserId", "weights": {"a": 0.5, "b": 0.5}}},
                    {"experiment": {"name": "E", "by": "UserId", "weights": {"a": 0.25, "b": 0.5}}},
                    {"split": {"by": "UserId", "weights": {"a": 1}, "salt": "s2"}},
                    {"split": {"by": "UserId", "weights": {"a": 1, "b": 0.01}, "salt": "s3"}}]"#;
    assert_eq!(
        warnings(&feature(rules)),
        [
            "/features/F/rules/0/split/weights: the weights add up to 1%: if they are fractions of 1, write percentages from 0 to 100 (as written, most units fall through to the next rule)",
            "/features/F/rules/1/experiment/weights: the weights add up to 0.75%: if they are fractions of 1, write percentages from 0 to 100 (as written, most units fall through to the next rule)",
        ]
    );
}

#[test]
fn weights_just_short_of_every_unit() {
    let rules = r#"[{"split": {"by": "UserId", "weights": {"a": 49.5, "b": 49.5}, "salt": "s1"}},
                    {"experiment": {"name": "E", "by": "UserId", "weights": {"a": 50, "b": 49.99}}},
                    {"split": {"by": "UserId", "weights": {"a": 49, "b": 49}, "salt": "s3"}},
                    {"split": {"by": "UserId", "weights": {"a": 0, "b": 99.5}, "salt": "s4"}},
                    {"split": {"by": "UserId", "weights": {"a": 50, "b": 50}, "salt": "s5"}}]"#;
    let why = "fall through to the next rule (weights are percentages of all units, not scaled to add up to 100)";
    assert_eq!(
        warnings(&feature(rules)),
        [
            format!("/features/F/rules/0/split/weights: the weights add up to 99%: the other 1% of units get none of these implementations and {why}"),
            format!("/features/F/rules/1/experiment/weights: the weights add up to 99.99%: the other 0.01% of units get none of these implementations and {why}"),
        ]
    );
}

#[test]
fn in_list_values_given_twice_or_with_blanks_around_them() {
    let f = r#"{"F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
        "rules": [{"when": {"any": [{"segment": "Country", "in": ["US", " US", "CA", "US", "MX\u00a0", "\u200bDE ", " ", "US"]},
                                    {"segment": "Country", "not_in": ["FR", "FR"], "meta": {"in": ["x", "x"]}},
                                    {"segment": "Country", "in": ["IT", "IT", "ES", "IT", "IT", "IT"]}]}, "serve": "b"}]}}"#;
    assert_eq!(
        warnings(f),
        [
            "/features/F/rules/0/when/any/0/in/1: ' US' has a blank or invisible character at its start: values are matched exactly as written, so it does not match 'US'; remove it",
            "/features/F/rules/0/when/any/0/in/3: 'US' is listed already (at /features/F/rules/0/when/any/0/in/0) and once more after this: a value given twice changes nothing; remove it, or write the value meant",
            r"/features/F/rules/0/when/any/0/in/4: 'MX\u{a0}' has a blank or invisible character at its end: values are matched exactly as written, so it does not match 'MX'; remove it",
            r"/features/F/rules/0/when/any/0/in/5: '\u{200b}DE ' has a blank or invisible character at both ends: values are matched exactly as written, so it does not match 'DE'; remove it",
            "/features/F/rules/0/when/any/1/not_in/1: 'FR' is listed already (at /features/F/rules/0/when/any/1/not_in/0): a value given twice changes nothing; remove it, or write the value meant",
            "/features/F/rules/0/when/any/2/in/1: 'IT' is listed already (at /features/F/rules/0/when/any/2/in/0) and 3 more times after this: a value given twice changes nothing; remove it, or write the value meant",
        ]
    );
}

/// Names and values are quoted as problems quote them: what shows as a
/// blank or as nothing (a zero-width space pasted into an input's
/// name) as its escape, or the message shows nothing wrong.
#[test]
fn names_are_quoted_as_problems_quote_them() {
    let text = r#"{"schema": 1, "segments": {"Id": {"from": {"us\u200ber": "{us\u200ber.id}"}}}, "features": {}}"#;
    let engine = Engine::load(text).unwrap();
    let problem = engine.problems()[0].line();
    assert!(problem.contains(r"'us\u{200b}er'"), "{problem}");
    let found: Vec<String> = lint(&engine, 1_800_000_000_000)
        .iter()
        .map(|w| w.message.clone())
        .collect();
    assert_eq!(
        found,
        [
            "the placeholder {us\u{200b}er.id} reads the key 'us\\u{200b}er' inside the input \
          'us\\u{200b}er' (a path starts inside its input, so this reads \
          us\u{200b}er.us\u{200b}er.id): write {id}"
        ]
    );
}

#[test]
fn an_ipv4_mapped_block_with_an_ipv4_prefix() {
    let f = r#"{"F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
        "rules": [{"when": {"not": {"segment": "Ip", "cidr": ["::ffff:10.0.0.0/104", "::ffff:10.0.0.0/8"]}}, "serve": "b"}]}}"#;
    assert_eq!(
        warnings(f),
        ["/features/F/rules/0/when/not/cidr/1: '::ffff:10.0.0.0/8' is an IPv6 block of 8 bits, which holds no IPv4 address (nor an IPv4-mapped one): for IPv4 addresses write '10.0.0.0/8' (or the mapped form with 104 bits: '::ffff:10.0.0.0/104')"]
    );
    // A prefix that is no IPv4 one: no impossible block suggested.
    let wide = f.replace("::ffff:10.0.0.0/8", "::ffff:10.0.0.0/64");
    assert_eq!(
        warnings(&wide),
        ["/features/F/rules/0/when/not/cidr/1: '::ffff:10.0.0.0/64' is an IPv6 block of 64 bits, which holds no IPv4 address (nor an IPv4-mapped one): an IPv4-mapped block takes a prefix of 96 to 128"]
    );
    // Annotations are not read.
    let noted = f.replace(
        r#""serve": "b""#,
        r#""serve": "b", "meta": {"cidr": ["::ffff:10.0.0.0/8"]}"#,
    );
    assert_eq!(warnings(&noted).len(), 1, "{:?}", warnings(&noted));
    for quiet in [
        "10.0.0.0/8",
        "::ffff:0:0/96",
        "::/0",
        "2001:db8::/32",
        "::ffff:10.0.0.1",
    ] {
        let f = f.replace("::ffff:10.0.0.0/8", quiet);
        assert_eq!(warnings(&f), Vec::<String>::new(), "{quiet}");
    }
}

#[test]
fn a_salt_two_features_share_by_default() {
    let split = |feature: &str, salt: &str| {
        format!(
            r#""{feature}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
               "rules": [{{"split": {{"by": "UserId", "weights": {{"b": 50}}{salt}}}}}]}}"#
        )
    };
    let experiment = |feature: &str, name: &str| {
        format!(
            r#""{feature}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
               "rules": [{{"experiment": {{"name": "{name}", "by": "UserId", "weights": {{"a": 50, "b": 50}}}}}}]}}"#
        )
    };
    // A feature named as another feature's experiment.
    let named = format!(
        "{{{}, {}}}",
        split("Checkout", ""),
        experiment("Pricing", "Checkout")
    );
    assert_eq!(
        warnings(&named),
        ["/features/Pricing/rules/0/experiment: this rule hashes units by 'UserId' with the salt 'Checkout' (the name of its experiment 'Checkout'), as rule 0 of feature 'Checkout' does (its feature's name): each unit gets the same bucket in both, so their assignments go together (the units in the first ranges of one are those in the first ranges of the other); give this rule a `salt` of its own, or set `salt` to 'Checkout' in both if that is meant"]
    );
    // Another feature's name given as a salt, the other taking it by default.
    let given = format!("{{{}, {}}}", split("A", ""), split("B", r#", "salt": "A""#));
    assert_eq!(warnings(&given).len(), 1, "{:?}", warnings(&given));
    // Set in both: meant. Other salts, or another `by`: nothing shared.
    for quiet in [
        format!(
            "{{{}, {}}}",
            split("A", r#", "salt": "A""#),
            split("B", r#", "salt": "A""#)
        ),
        format!("{{{}, {}}}", split("A", ""), split("B", "")),
        format!(
            "{{{}, {}}}",
            split("A", ""),
            split("B", r#", "salt": "A""#).replace("UserId", "Country")
        ),
        format!("{{{}, {}}}", experiment("A", "E"), experiment("B", "E")),
    ] {
        assert_eq!(warnings(&quiet), Vec::<String>::new(), "{quiet}");
    }
}

#[test]
fn an_experiment_name_in_two_features() {
    let experiment = |feature: &str, implementations: &str, extra: &str| {
        format!(
            r#""{feature}": {{"inputs": ["user"], "implementations": {implementations}, "default": "a",
               "rules": [{{"experiment": {{"name": "E", "by": "UserId", "weights": {{"a": 50, "b": 50}}{extra}}}}}]}}"#
        )
    };
    // One experiment over two features: the same assignment everywhere.
    let same = format!(
        "{{{}, {}}}",
        experiment("F", r#"["a", "b"]"#, ""),
        experiment("G", r#"["a", "b", "c"]"#, r#", "salt": "E""#)
    );
    assert_eq!(warnings(&same), Vec::<String>::new());
    let message = "experiment 'E' is also run by feature 'F' (rule 0), which assigns units differently: the two share sticky assignments ('E/<unit>') and overwrite each other's; give each its own name, or the same implementations, weights, salt, `by` and `random`";
    for (implementations, extra) in [
        (r#"["b", "a"]"#, ""),
        (r#"["a", "b"]"#, r#", "salt": "G""#),
        (r#"["a", "b"]"#, r#", "random": true"#),
        (r#"["a", "b"]"#, r#", "by": "Country""#),
    ] {
        let extra_by = extra.replace(r#", "by": "Country""#, "");
        let g = experiment("G", implementations, &extra_by);
        let g = if extra.contains("Country") {
            g.replace(r#""by": "UserId""#, r#""by": "Country""#)
        } else {
            g
        };
        let two = format!("{{{}, {g}}}", experiment("F", r#"["a", "b"]"#, ""));
        assert_eq!(
            warnings(&two),
            [format!("/features/G/rules/0/experiment/name: {message}")],
            "{g}"
        );
    }
    // Other weights, in a second rule of the same feature as well.
    let weights = r#"{"F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                       "rules": [{"experiment": {"name": "E", "by": "UserId", "weights": {"a": 50, "b": 50}}}]},
                      "G": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                       "rules": [{"experiment": {"name": "E", "by": "UserId", "weights": {"a": 50, "b": 50}}},
                                 {"experiment": {"name": "E", "by": "UserId", "weights": {"a": 10, "b": 90}}}]}}"#;
    assert_eq!(
        warnings(weights),
        [
            format!("/features/G/rules/1/experiment/name: {message}"),
            "/features/G/rules/1/experiment: this rule hashes units as rule 0 does (the same \
             salt and `by`), and rule 0 has no condition and serves every unit it hashes: no \
             unit reaches this rule's weights; to split the units that fall through by these \
             weights, give this rule a `salt` of its own"
                .to_owned()
        ]
    );
}

/// Two rules of one feature that run one experiment: alike (one
/// experiment under two conditions), nothing to say; assigning units
/// differently, the second serves what a unit used from the first.
#[test]
fn an_experiment_name_in_two_rules_of_one_feature() {
    let rules = |second: &str| {
        feature(&format!(
            r#"[{{"when": {{"segment": "Country", "in": ["CA"]}}, "experiment": {{"name": "E", "by": "UserId", "weights": {{"a": 50, "b": 50}}}}}},
                {{"experiment": {{"name": "E", "by": "UserId", "weights": {second}}}}}]"#
        ))
    };
    assert_eq!(
        warnings(&rules(r#"{"a": 50, "b": 50}"#)),
        Vec::<String>::new()
    );
    assert_eq!(
        warnings(&rules(r#"{"a": 10, "b": 90}"#)),
        [
            "/features/F/rules/1/experiment/name: experiment 'E' is also run by rule 0 of \
          this feature, which assigns units differently: the two share sticky assignments \
          ('E/<unit>'), so a unit that used one's arm is served it by the other; give each \
          its own name, or the same weights, salt, `by` and `random`"
        ]
    );
}

#[test]
fn splits_that_hash_as_an_earlier_one_with_no_condition() {
    let rules = r#"[{"split": {"by": "UserId", "weights": {"a": 50}}},
                    {"split": {"by": "UserId", "weights": {"b": 30}}},
                    {"when": {"segment": "Country", "in": ["US"]}, "split": {"by": "UserId", "weights": {"a": 30, "b": 30}}},
                    {"split": {"by": "UserId", "weights": {"a": 30, "b": 30}, "salt": "own"}},
                    {"split": {"by": "Country", "weights": {"b": 90}}},
                    {"experiment": {"name": "F", "by": "UserId", "weights": {"a": 70, "b": 12.5}}}]"#;
    let tail =
        "to split the units that fall through by these weights, give this rule a `salt` of its own";
    assert_eq!(
        warnings(&feature(rules)),
        [
            format!("/features/F/rules/1/split: this rule hashes units as rule 0 does (the same salt and `by`), and rule 0 has no condition: the units that reach this rule are those with buckets from 50% up, so 'b' gets no unit; {tail}"),
            format!("/features/F/rules/2/split: this rule hashes units as rule 0 does (the same salt and `by`), and rule 0 has no condition: the units that reach this rule are those with buckets from 50% up, so 'a' gets no unit, 'b' only those from 50% to 60%; {tail}"),
            // An experiment named as the feature has the feature's salt.
            format!("/features/F/rules/5/experiment: this rule hashes units as rule 0 does (the same salt and `by`), and rule 0 has no condition: the units that reach this rule are those with buckets from 50% up, so 'a' only those from 50% to 70%, 'b' only those from 70% to 82.5%; {tail}"),
        ]
    );
    // An earlier split with a condition leaves units of every bucket,
    // and so does a random experiment (it hashes nothing).
    let rules = r#"[{"when": {"segment": "Country", "in": ["US"]}, "split": {"by": "UserId", "weights": {"a": 50}}},
                    {"experiment": {"name": "F", "by": "UserId", "weights": {"a": 25, "b": 25}, "random": true}},
                    {"split": {"by": "UserId", "weights": {"b": 30}}}]"#;
    assert_eq!(warnings(&feature(rules)), Vec::<String>::new());
    // One implementation for every bucket: the units that reach the
    // rule all get it, in the share its weight gives (the rest get `b`).
    let rules = r#"[{"split": {"by": "UserId", "weights": {"a": 50}}},
                    {"split": {"by": "UserId", "weights": {"b": 100}}}]"#;
    assert_eq!(warnings(&feature(rules)), Vec::<String>::new());
    let rules = r#"[{"split": {"by": "UserId", "weights": {"a": 50}}},
                    {"split": {"by": "UserId", "weights": {"a": 30, "b": 70}}}]"#;
    assert_eq!(
        warnings(&feature(rules)),
        [format!("/features/F/rules/1/split: this rule hashes units as rule 0 does (the same salt and `by`), and rule 0 has no condition: the units that reach this rule are those with buckets from 50% up, so 'a' gets no unit, 'b' only those from 50% to 100%; {tail}")]
    );
}

/// Every placeholder of a template is read, also after one whose last
/// character takes more than one byte.
#[test]
fn a_path_after_a_placeholder_ending_in_a_wide_character() {
    let text = r#"{"schema": 1, "segments": {"Id": {"from": {"user": "{café}-{user.id}"}}}, "features": {}}"#;
    let engine = Engine::load(text).unwrap();
    assert_eq!(engine.problems(), []);
    let found: Vec<String> = lint(&engine, 1_800_000_000_000)
        .iter()
        .map(|w| w.message.clone())
        .collect();
    assert_eq!(
        found,
        [
            "the placeholder {user.id} reads the key 'user' inside the input 'user' (a path \
             starts inside its input, so this reads user.user.id): write {id}"
        ]
    );
}
