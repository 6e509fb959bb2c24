//! The seed scenarios, as a user of feats.py or Novi would describe them,
//! run against the snapshots in `examples/`.

mod common;

use common::*;
use feats_edge::hash;

const NOW: i64 = 1_795_000_000_000;

fn s(v: &feats_edge::json::Value, key: &str) -> Option<String> {
    v.get(key).and_then(|v| v.as_str()).map(str::to_owned)
}

// --- feats.py: PaymentProcessor ------------------------------------------

#[test]
fn canadians_get_the_premium_processor_by_targeting() {
    let e = example("shop.json");
    let d = details(
        &e,
        "PaymentProcessor",
        r#"{"user": {"id": 1, "address": {"country_code": "CA"}}}"#,
        NOW,
    );
    assert_eq!(s(&d, "implementation").as_deref(), Some("premium"));
    assert_eq!(s(&d, "reason").as_deref(), Some("TARGETING_MATCH"));
    assert_eq!(d.get("rule").map(|v| v.to_json()), Some("0".into()));
    assert_eq!(d.get("unit").map(|v| v.to_json()), Some("null".into()));
    assert_eq!(s(&d, "revision").as_deref(), Some("2026-11-22.7"));
}

#[test]
fn five_percent_of_americans_get_aperture_and_the_rest_fall_through_to_the_default() {
    let e = example("shop.json");
    let mut aperture = 0;
    for id in 0..20_000u32 {
        let ctx = format!(r#"{{"user": {{"id": {id}, "address": {{"country_code": "US"}}}}}}"#);
        let d = details(&e, "PaymentProcessor", &ctx, NOW);
        let in_rollout = hash::bucket("PaymentProcessor", &id.to_string()) < 500;
        if in_rollout {
            aperture += 1;
            assert_eq!(s(&d, "implementation").as_deref(), Some("aperture"));
            assert_eq!(s(&d, "reason").as_deref(), Some("SPLIT"));
            assert_eq!(d.get("rule").map(|v| v.to_json()), Some("1".into()));
            assert_eq!(
                d.get("unit").map(|v| v.to_json()),
                Some(format!(r#"{{"segment":"UserId","value":"{id}"}}"#))
            );
        } else {
            assert_eq!(s(&d, "implementation").as_deref(), Some("acme"));
            assert_eq!(s(&d, "reason").as_deref(), Some("DEFAULT"));
        }
    }
    let share = f64::from(aperture) / 20_000.0;
    assert!((0.04..0.06).contains(&share), "aperture share {share}");
}

#[test]
fn the_spec_example_user_42_is_outside_the_five_percent() {
    let e = example("shop.json");
    assert_eq!(hash::bucket("PaymentProcessor", "42"), 8632);
    assert_eq!(
        pick(
            &e,
            "PaymentProcessor",
            r#"{"user": {"id": 42, "address": {"country_code": "US"}}}"#,
            NOW
        )
        .as_deref(),
        Some("acme")
    );
}

#[test]
fn a_user_without_an_address_gets_the_default() {
    let e = example("shop.json");
    assert_eq!(
        reason(&e, "PaymentProcessor", r#"{"user": {"id": 7}}"#, NOW),
        "DEFAULT"
    );
    assert_eq!(reason(&e, "PaymentProcessor", r#"{}"#, NOW), "DEFAULT");
}

#[test]
fn a_boolean_feature_without_rules_is_static() {
    let e = example("shop.json");
    let d = details(&e, "ImageProcessing", "{}", NOW);
    assert_eq!(s(&d, "implementation").as_deref(), Some("true"));
    assert_eq!(s(&d, "reason").as_deref(), Some("STATIC"));
}

// --- feats.py: the AllowedPriorities experiment ----------------------------

fn expected_priority(id: &str) -> &'static str {
    match hash::bucket("priorities-2026", id) {
        b if b < 3400 => "no_priority",
        b if b < 6700 => "two_priorities",
        _ => "three_priorities",
    }
}

#[test]
fn the_priorities_experiment_splits_34_33_33_by_user() {
    let e = example("shop.json");
    let mut counts = [0u32; 3];
    for id in 0..30_000 {
        let d = details(
            &e,
            "AllowedPriorities",
            &format!(r#"{{"user": {{"id": "u-{id}"}}}}"#),
            NOW,
        );
        let got = s(&d, "implementation").unwrap();
        assert_eq!(got, expected_priority(&format!("u-{id}")));
        assert_eq!(s(&d, "experiment").as_deref(), Some("priorities-2026"));
        assert_eq!(s(&d, "stickyKey"), Some(format!("priorities-2026/u-{id}")));
        counts[["no_priority", "two_priorities", "three_priorities"]
            .iter()
            .position(|n| *n == got)
            .unwrap()] += 1;
    }
    for (count, want) in counts.iter().zip([0.34, 0.33, 0.33]) {
        let share = f64::from(*count) / 30_000.0;
        assert!((share - want).abs() < 0.01, "share {share} vs {want}");
    }
}

#[test]
fn a_sticky_assignment_wins_over_the_bucket() {
    let e = example("shop.json");
    let natural = expected_priority("u-7");
    let other = if natural == "three_priorities" {
        "no_priority"
    } else {
        "three_priorities"
    };
    let mut env = env(NOW);
    env.sticky
        .insert("priorities-2026/u-7".into(), other.into());
    let d = details_with(
        &e,
        "AllowedPriorities",
        r#"{"user": {"id": "u-7"}}"#,
        &mut env,
    );
    assert_eq!(s(&d, "implementation").as_deref(), Some(other));
    assert_eq!(s(&d, "reason").as_deref(), Some("STICKY"));
    // A stored value that is not an implementation of the feature is ignored.
    env.sticky
        .insert("priorities-2026/u-7".into(), "gone".into());
    let d = details_with(
        &e,
        "AllowedPriorities",
        r#"{"user": {"id": "u-7"}}"#,
        &mut env,
    );
    assert_eq!(s(&d, "implementation").as_deref(), Some(natural));
    assert_eq!(s(&d, "reason").as_deref(), Some("SPLIT"));
}

#[test]
fn a_random_experiment_draws_from_the_host_until_sticky() {
    let e = load(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{"experiment": {"name": "exp", "by": "UserId", "weights": {"a": 50, "b": 50}, "random": true}}]}"#,
    ));
    let mut draws = [0u32, u32::MAX, u32::MAX / 2 - 1, u32::MAX / 2 + 2].into_iter();
    let mut env = feats_edge::context::FixedEnv {
        now: NOW,
        sticky: Default::default(),
        random: move || draws.next().unwrap_or(0),
    };
    let picks: Vec<String> = (0..4)
        .map(|_| {
            s(
                &details_with(&e, "F", r#"{"user": {"id": 1}}"#, &mut env),
                "implementation",
            )
            .unwrap()
        })
        .collect();
    assert_eq!(picks, ["a", "b", "a", "b"]);
    env.sticky.insert("exp/1".into(), "b".into());
    for _ in 0..10 {
        let d = details_with(&e, "F", r#"{"user": {"id": 1}}"#, &mut env);
        assert_eq!(s(&d, "implementation").as_deref(), Some("b"));
        assert_eq!(s(&d, "reason").as_deref(), Some("STICKY"));
    }
}

/// A host whose caller has used implementation `used`: draws are not expected.
struct Used(Option<u16>);

impl feats_edge::eval::Env for Used {
    fn now(&mut self) -> i64 {
        NOW
    }
    fn sticky(&mut self, _: &str, _: &str, _: &[String]) -> Option<feats_edge::eval::Assignment> {
        None
    }
    fn random(&mut self) -> u32 {
        panic!("a used implementation is not drawn again")
    }
    fn used(&self) -> Option<u16> {
        self.0
    }
}

#[test]
fn a_used_implementation_is_the_random_draw_that_served_it() {
    // 60 % of draws reach an arm, the rest fall through to `serve: a`.
    let e = load(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a", "b", "c", "d"], "default": "a",
            "rules": [{"experiment": {"name": "exp", "by": "UserId", "weights": {"b": 50, "c": 10, "d": 0}, "random": true}},
                      {"serve": "a"}]}"#,
    ));
    let c = ctx(&e, r#"{"user": {"id": 1}}"#);
    let eval = |used| {
        let ev = e.evaluate("F", &c, &mut Used(Some(used)));
        (
            ev.implementation,
            ev.reason.as_str(),
            ev.rule,
            ev.experiment,
        )
    };
    // An arm: the experiment served it, whatever a new draw would give.
    assert_eq!(eval(1), (Some(1), "SPLIT", Some(0), Some("exp")));
    assert_eq!(eval(2), (Some(2), "SPLIT", Some(0), Some("exp")));
    // Not an arm (no weight, or a weight of 0): the draw fell through.
    assert_eq!(eval(0), (Some(0), "TARGETING_MATCH", Some(1), None));
    assert_eq!(eval(3), (Some(0), "TARGETING_MATCH", Some(1), None));
}

// --- Novi: date windows, weighted splits, AND/OR, kill switch ----------------

#[test]
fn a_date_window_is_inclusive_at_its_start_and_exclusive_at_its_end() {
    let e = example("novi.json");
    let banner = |instant: &str| pick(&e, "SaleBanner", r#"{"user": {"id": 1}}"#, at(instant));
    assert_eq!(banner("2023-11-25T23:59:59.999Z").as_deref(), Some("false"));
    assert_eq!(banner("2023-11-26T00:00:00Z").as_deref(), Some("true"));
    assert_eq!(banner("2023-11-27T23:59:59.999Z").as_deref(), Some("true"));
    assert_eq!(banner("2023-11-28T00:00:00Z").as_deref(), Some("false"));
}

#[test]
fn a_100_0_0_split_gives_everyone_the_first() {
    let e = example("novi.json");
    for id in 0..2000 {
        assert_eq!(
            pick(
                &e,
                "SearchEngine",
                &format!(r#"{{"user": {{"id": {id}}}}}"#),
                NOW
            )
            .as_deref(),
            Some("elastic")
        );
    }
    // Without the unit the split does not apply.
    assert_eq!(
        reason(&e, "SearchEngine", r#"{"user": {}}"#, NOW),
        "DEFAULT"
    );
}

#[test]
fn and_or_combinations() {
    let e = example("novi.json");
    let beta = |user: &str| pick(&e, "BetaArea", &format!(r#"{{"user": {user}}}"#), NOW);
    assert_eq!(
        beta(r#"{"email": "ann@example.com", "age": 15}"#).as_deref(),
        Some("true")
    );
    assert_eq!(
        beta(r#"{"email": "bob@else.org", "age": 18, "country": "NL"}"#).as_deref(),
        Some("true")
    );
    assert_eq!(
        beta(r#"{"email": "bob@else.org", "age": 17.5, "country": "NL"}"#).as_deref(),
        Some("false")
    );
    assert_eq!(
        beta(r#"{"email": "bob@else.org", "age": 40, "country": "US"}"#).as_deref(),
        Some("false")
    );
    assert_eq!(
        beta(r#"{"age": "40", "country": "BE"}"#).as_deref(),
        Some("true")
    );
}

#[test]
fn the_kill_switch_serves_the_default_with_reason_disabled() {
    let e = example("novi.json");
    let d = details(&e, "Recommendations", r#"{"user": {"id": 1}}"#, NOW);
    assert_eq!(s(&d, "implementation").as_deref(), Some("popular"));
    assert_eq!(s(&d, "reason").as_deref(), Some("DISABLED"));
}

// --- General ---------------------------------------------------------------

#[test]
fn unknown_features_and_bad_contexts() {
    let e = example("shop.json");
    let d = details(&e, "Nope", "{}", NOW);
    assert_eq!(
        d.get("implementation").map(|v| v.to_json()),
        Some("null".into())
    );
    assert_eq!(s(&d, "errorCode").as_deref(), Some("FLAG_NOT_FOUND"));
    for bad in ["[]", "null", "42", r#""user""#] {
        let d = details(&e, "PaymentProcessor", bad, NOW);
        assert_eq!(s(&d, "implementation").as_deref(), Some("acme"), "{bad}");
        assert_eq!(s(&d, "reason").as_deref(), Some("ERROR"));
        assert_eq!(s(&d, "errorCode").as_deref(), Some("INVALID_CONTEXT"));
    }
    // SPEC section 2: the context is judged before a kill switch, so a
    // disabled feature with a context that is no object is an error too.
    let novi = example("novi.json");
    for bad in ["[]", "null", "42", r#""user""#] {
        let d = details(&novi, "Recommendations", bad, NOW);
        assert_eq!(s(&d, "implementation").as_deref(), Some("popular"), "{bad}");
        assert_eq!(s(&d, "reason").as_deref(), Some("ERROR"), "{bad}");
        assert_eq!(s(&d, "errorCode").as_deref(), Some("INVALID_CONTEXT"));
    }
    let d = details(&novi, "Recommendations", "{}", NOW);
    assert_eq!(s(&d, "reason").as_deref(), Some("DISABLED"));
}

#[test]
fn the_first_input_the_context_holds_gives_the_segment_value() {
    // Country converts user and address; NewCheckout-like features read the
    // first of their inputs that the context holds as an object.
    let e = load(
        r#"{"schema": 1, "segments": {"Country": {"from": {"user": "{address.country_code}", "address": "{country_code}"}}},
            "features": {"F": {"inputs": ["address", "user"], "implementations": ["x", "y"], "default": "x",
                               "rules": [{"when": {"segment": "Country", "in": ["CA"]}, "serve": "y"}]}}}"#,
    );
    assert_eq!(
        pick(
            &e,
            "F",
            r#"{"address": {"country_code": "CA"}, "user": {}}"#,
            NOW
        )
        .as_deref(),
        Some("y")
    );
    assert_eq!(
        pick(
            &e,
            "F",
            r#"{"user": {"address": {"country_code": "CA"}}}"#,
            NOW
        )
        .as_deref(),
        Some("y")
    );
    // The address input is held, lacks the path: absent, and user is not tried.
    assert_eq!(
        pick(
            &e,
            "F",
            r#"{"address": {}, "user": {"address": {"country_code": "CA"}}}"#,
            NOW
        )
        .as_deref(),
        Some("x")
    );
    // An input that is not an object does not count as held.
    assert_eq!(
        pick(
            &e,
            "F",
            r#"{"address": "CA", "user": {"address": {"country_code": "CA"}}}"#,
            NOW
        )
        .as_deref(),
        Some("y")
    );
}

#[test]
fn templates_join_several_placeholders_and_render_numbers_like_javascript() {
    let e = example("shop.json");
    let c = ctx(
        &e,
        r#"{"user": {"address": {"country_code": "US", "subdivision_code": "CA"}}}"#,
    );
    let region = e
        .slots()
        .iter()
        .position(|s| s.path == ["address", "subdivision_code"]);
    assert!(region.is_some());
    let e2 = load(
        r#"{"schema": 1, "segments": {"Region": {"from": {"user": "{address.country_code}-{address.subdivision_code}"}},
                                       "N": {"from": {"user": "n={n}"}}},
            "features": {"F": {"inputs": ["user"], "implementations": ["x", "y"], "default": "x",
                               "rules": [{"when": {"segment": "Region", "in": ["US-CA"]}, "serve": "y"}]},
                         "G": {"inputs": ["user"], "implementations": ["x", "y"], "default": "x",
                               "rules": [{"when": {"segment": "N", "in": ["n=1e+21", "n=1.5", "n=true"]}, "serve": "y"}]}}}"#,
    );
    drop(c);
    assert_eq!(
        pick(
            &e2,
            "F",
            r#"{"user": {"address": {"country_code": "US", "subdivision_code": "CA"}}}"#,
            NOW
        )
        .as_deref(),
        Some("y")
    );
    assert_eq!(
        pick(
            &e2,
            "F",
            r#"{"user": {"address": {"country_code": "US"}}}"#,
            NOW
        )
        .as_deref(),
        Some("x")
    );
    for n in ["1e21", "1000000000000000000000", "1.50", "true"] {
        assert_eq!(
            pick(&e2, "G", &format!(r#"{{"user": {{"n": {n}}}}}"#), NOW).as_deref(),
            Some("y"),
            "{n}"
        );
    }
    for n in ["null", "[1]", "{}", "2"] {
        assert_eq!(
            pick(&e2, "G", &format!(r#"{{"user": {{"n": {n}}}}}"#), NOW).as_deref(),
            Some("x"),
            "{n}"
        );
    }
}
