//! Properties over many generated inputs: split shares, stable growth of a
//! rollout, determinism, and no panic on arbitrary input.

mod common;

use common::*;
use feats_edge::context::JsonContext;
use feats_edge::{json, Engine};
use proptest::prelude::*;

const NOW: i64 = 1_795_000_000_000;

fn split_snapshot(weights: &str) -> Engine {
    load(&with_feature(&format!(
        r#"{{"inputs": ["user"], "implementations": ["a", "b", "c"], "default": "c",
             "rules": [{{"split": {{"by": "UserId", "weights": {weights}}}}}]}}"#
    )))
}

fn evaluate_ids(e: &Engine, ids: impl Iterator<Item = u32>) -> Vec<Option<u16>> {
    let mut env = env(NOW);
    ids.map(|id| {
        let c = ctx(e, &format!(r#"{{"user": {{"id": "user-{id}"}}}}"#));
        e.evaluate("F", &c, &mut env).implementation
    })
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Over 100 000 units each implementation's share is within ±1 point of its weight.
    #[test]
    fn split_shares_are_within_one_point(a in 0u32..=100, b_frac in 0u32..=100) {
        let b = (100 - a) * b_frac / 100;
        let e = split_snapshot(&format!(r#"{{"a": {a}, "b": {b}}}"#));
        let picks = evaluate_ids(&e, 0..100_000);
        let share = |i: u16| picks.iter().filter(|p| **p == Some(i)).count() as f64 / 1000.0;
        prop_assert!((share(0) - f64::from(a)).abs() <= 1.0, "a: {} vs {}", share(0), a);
        prop_assert!((share(1) - f64::from(b)).abs() <= 1.0, "b: {} vs {}", share(1), b);
    }

    /// Growing the last weighted implementation never moves a unit that had it,
    /// nor a unit that had an earlier one.
    #[test]
    fn growing_the_last_weight_keeps_every_unit_that_had_it(a in 0u32..50, b1 in 0u32..25, grow in 1u32..25) {
        let before = evaluate_ids(&split_snapshot(&format!(r#"{{"a": {a}, "b": {b1}}}"#)), 0..5000);
        let after = evaluate_ids(&split_snapshot(&format!(r#"{{"a": {a}, "b": {}}}"#, b1 + grow)), 0..5000);
        for (x, y) in before.iter().zip(&after) {
            if x.is_some() && *x != Some(2) {
                prop_assert_eq!(x, y);
            }
        }
    }

    /// Growing the only weighted implementation never moves a unit that had it.
    #[test]
    fn growing_the_only_weight_keeps_every_unit_that_had_it(w in 0u32..99, grow in 1u32..50) {
        let before = evaluate_ids(&split_snapshot(&format!(r#"{{"b": {w}}}"#)), 0..5000);
        let after = evaluate_ids(&split_snapshot(&format!(r#"{{"b": {}}}"#, (w + grow).min(100))), 0..5000);
        for (x, y) in before.iter().zip(&after) {
            if *x == Some(1) {
                prop_assert_eq!(y, &Some(1));
            }
        }
    }
}

/// Arbitrary JSON values, nested a little.
fn arb_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        ".{0,12}".prop_map(|s| {
            let mut out = String::new();
            json::push_string(&mut out, &s);
            out
        }),
        prop_oneof![
            Just("\"CA\""),
            Just("\"10.1.2.3\""),
            Just("\"2.3.1-beta\""),
            Just("\"42\""),
            Just("\"u-7\"")
        ]
        .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("user"),
                        Just("id"),
                        Just("country"),
                        Just("address"),
                        Just("country_code"),
                        Just("ip"),
                        Just("version"),
                        Just("x")
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|v| format!(
                "{{{}}}",
                v.iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Any context against the example snapshots: a result for every feature,
    /// the same result twice.
    #[test]
    fn evaluation_is_total_and_deterministic(context in arb_json(), now in any::<i64>()) {
        for name in ["shop.json", "novi.json"] {
            let e = example(name);
            let value = json::parse(&context, &json::Limits::default()).unwrap();
            let c = JsonContext::new(&e, &value);
            let mut env = env(now);
            let first = e.details_all(&c, &mut env);
            let second = e.details_all(&c, &mut env);
            prop_assert_eq!(&first, &second);
            prop_assert!(json::parse(&first, &json::Limits::default()).is_ok());
        }
    }

    /// Any JSON as a snapshot, and any JSON placed where a feature, a rule or
    /// a condition goes: loading gives a result or a refusal, never a panic.
    #[test]
    fn loading_arbitrary_json_never_panics(doc in arb_json()) {
        let _ = Engine::load(&doc);
        for text in [
            format!(r#"{{"schema": 1, "features": {{"F": {doc}}}}}"#),
            format!(r#"{{"schema": 1, "segments": {{"S": {doc}}}, "features": {{"F": {{"implementations": ["a"], "default": "a", "rules": [{{"when": {{"segment": "S", "in": ["x"]}}, "serve": "a"}}]}}}}}}"#),
            with_feature(&format!(r#"{{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{doc}]}}"#)),
            with_feature(&format!(r#"{{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{{"when": {doc}, "serve": "b"}}]}}"#)),
        ] {
            if let Ok(e) = Engine::load(&text) {
                let c = ctx(&e, r#"{"user": {"id": 1, "country": "CA"}}"#);
                let _ = e.details_all(&c, &mut env(NOW));
            }
        }
    }

    /// Arbitrary text as a snapshot: never a panic.
    #[test]
    fn loading_arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = Engine::load(&text);
    }
}

/// Contexts shaped like the example snapshots' inputs, each value drawn
/// from a few that the rules care about, or left out.
fn shop_context() -> impl Strategy<Value = String> {
    let pick = |xs: &'static [&'static str]| {
        proptest::option::of(proptest::sample::select(xs)).prop_map(|v| v.map(str::to_owned))
    };
    (
        pick(&["\"42\"", "7", "\"u-1\"", "true", "null"]),
        pick(&["\"CA\"", "\"US\"", "\"FR\"", "1"]),
        pick(&["\"QC\"", "\"ON\""]),
        pick(&["\"free\"", "\"pro\"", "\"gold\""]),
        pick(&["\"ios\"", "\"android\""]),
        pick(&["\"2.3.0\"", "\"1.0.0-beta\"", "\"x\""]),
        pick(&["\"10.1.2.3\"", "\"::1\"", "\"2001:db8::5\""]),
        any::<bool>(),
    )
        .prop_map(
            |(id, country, sub, plan, device, version, ip, address_input)| {
                let field =
                    |k: &str, v: &Option<String>| v.as_ref().map(|v| format!("\"{k}\": {v}"));
                let join = |xs: Vec<Option<String>>| {
                    xs.into_iter().flatten().collect::<Vec<_>>().join(", ")
                };
                let address = join(vec![
                    field("country_code", &country),
                    field("subdivision_code", &sub),
                ]);
                let user = join(vec![
                    field("id", &id),
                    field("plan", &plan),
                    Some(format!("\"address\": {{{address}}}")),
                ]);
                let request = join(vec![
                    field("device", &device),
                    field("app_version", &version),
                    field("ip", &ip),
                ]);
                let extra = if address_input {
                    format!(", \"address\": {{{address}}}")
                } else {
                    String::new()
                };
                format!("{{\"user\": {{{user}}}, \"request\": {{{request}}}{extra}}}")
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Evaluate-all, which reads each shared segment once per context, gives
    /// every feature the same details as evaluating it alone.
    #[test]
    fn evaluate_all_agrees_with_one_by_one(context in shop_context(), now in 1_600_000_000_000i64..1_900_000_000_000) {
        for name in ["shop.json", "novi.json"] {
            let e = example(name);
            let value = json::parse(&context, &json::Limits::default()).unwrap();
            let c = JsonContext::new(&e, &value);
            let all = e.details_all(&c, &mut env(now));
            let all = json::parse(&all, &json::Limits::default()).unwrap();
            for (i, f) in e.features().enumerate() {
                let one = e.details(&f.name, &c, &mut env(now));
                let one = json::parse(&one, &json::Limits::default()).unwrap();
                prop_assert_eq!(all.get(&f.name), Some(&one), "feature {} ({}) in {}", i, f.name, context);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The `contains` operator's search finds what the standard library
    /// finds: small alphabets make periodic patterns and near misses, and
    /// needles past 16 bytes take the Two-Way path.
    #[test]
    fn substring_search_agrees_with_the_standard_library(
        hay in "[ab]{0,200}|[abc]{0,120}|(ab|ba|b){0,30}|(aab|aba|b){0,25}",
        needle in "[ab]{0,40}|[abc]{17,30}|(ab){9,12}|(aab){6,8}|a(ab){8,10}|(aab){6,7}b",
        cut in 0usize..200,
        len in 0usize..60,
    ) {
        let from_hay = hay.get(cut.min(hay.len())..(cut + len).min(hay.len())).unwrap_or("");
        for n in [needle.as_str(), from_hay] {
            prop_assert_eq!(
                feats_edge::ops::search::contains(hay.as_bytes(), n.as_bytes()),
                hay.contains(n),
                "{:?} in {:?}", n, hay
            );
        }
    }
}
