//! An activation's `in` set, and its condition, are built once, however
//! many features use them: live memory counted by a global allocator of
//! this test binary alone. A "beta users" activation of 10 000 ids used by
//! 500 features kept 500 copies of its hashed set (about 190 MiB in
//! WebAssembly, 1.4 s to build); an activation of 10 000 conditions used
//! by 100 features, 100 copies of its condition (94 MB).

#![allow(clippy::unwrap_used)]

use feats_edge::Engine;

mod common;
use common::pick;

const NOW: i64 = 1_795_000_000_000;

#[path = "common/counting.rs"]
mod counting;

use counting::{Counting, ALLOCATED, LIVE, PEAK};
use std::sync::atomic::Ordering::Relaxed;

#[global_allocator]
static A: Counting = Counting;

/// The tests that count live memory run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// An activation keeps its place in the snapshot's text, not its parsed
/// value, and its set is built at its final size: once loaded, a list of
/// 10 000 ids costs its hashed set alone (the text aside). Kept parsed, it
/// cost as much again for as long as the engine lived, and the set grew
/// by doubling and rehashing (measured, 64-bit: 84 bytes an id kept and
/// 136 at the peak before; 27 and 84 after).
#[test]
fn an_activation_list_costs_its_set_alone_once_loaded() {
    let _one = SERIAL.lock();
    let ids: Vec<String> = (0..10_000).map(|i| format!("\"user-{i:05}\"")).collect();
    let text = format!(
        r#"{{"schema": 1, "segments": {{"U": {{"from": {{"user": "{{id}}"}}}}}},
            "activations": {{"Beta": {{"when": {{"segment": "U", "in": [{ids}]}}}}}},
            "features": {{"F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                "rules": [{{"when": {{"activation": "Beta"}}, "serve": "b"}}]}}}}}}"#,
        ids = ids.join(",")
    );
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let engine = Engine::load(&text).unwrap();
    for (id, want) in [
        ("user-09999", "b"),
        ("user-00000", "b"),
        ("user-10000", "a"),
    ] {
        let context = format!(r#"{{"user": {{"id": "{id}"}}}}"#);
        assert_eq!(
            pick(&engine, "F", &context, NOW).as_deref(),
            Some(want),
            "{id}"
        );
    }
    let per_id = |bytes: isize| (bytes - before - text.len() as isize) / 10_000;
    let (kept, peak) = (per_id(LIVE.load(Relaxed)), per_id(PEAK.load(Relaxed)));
    eprintln!("kept {kept} bytes an id, peak {peak}");
    assert!(kept < 45, "{kept} bytes an id kept");
    assert!(peak < 100, "{peak} bytes an id at the peak");
}

/// An activation whose condition has a problem is not shared: each
/// feature that uses it compiles it again. It is parsed at most twice (at
/// load, then kept parsed by the first feature that compiles it), not once
/// per feature: 1 000 features parsed its 10 000 ids 1 000 times (850 MB
/// allocated natively to compile them; 5.6 MB kept parsed).
#[test]
fn a_bad_activation_is_parsed_at_most_twice_however_many_features_use_it() {
    let _one = SERIAL.lock();
    let ids: Vec<String> = (0..10_000).map(|i| format!("\"user-{i:05}\"")).collect();
    let features: Vec<String> = (0..1_000)
        .map(|j| {
            format!(
                r#""F{j}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                    "rules": [{{"when": {{"activation": "Beta"}}, "serve": "b"}}]}}"#
            )
        })
        .collect();
    let text = format!(
        r#"{{"schema": 1, "segments": {{"U": {{"from": {{"user": "{{id}}"}}}}}},
            "activations": {{"Beta": {{"when": {{"all": [{{"segment": "U", "in": [{ids}]}},
                                                       {{"segment": "Nope", "in": ["x"]}}]}}}}}},
            "features": {{{features}}}}}"#,
        ids = ids.join(","),
        features = features.join(",")
    );
    let engine = Engine::load(&text).unwrap();
    let before = ALLOCATED.load(Relaxed);
    // Every feature compiles, each saying the activation's problem.
    let problems = engine.problems();
    assert_eq!(problems.len(), 1 + 1_000, "{:?}", problems.first());
    let allocated = ALLOCATED.load(Relaxed) - before;
    eprintln!("{allocated} bytes allocated to compile 1 000 features");
    assert!(allocated < 40_000_000, "{allocated} bytes allocated");
}

#[test]
fn an_activation_set_is_shared_by_the_features_that_use_it() {
    let _one = SERIAL.lock();
    let ids: Vec<String> = (0..10_000).map(|i| format!("\"user-{i}\"")).collect();
    let features: Vec<String> = (0..500)
        .map(|j| {
            // Half through `in`, half through `not_in` of the same list.
            let rule = if j % 2 == 0 {
                r#"{"when": {"activation": "Beta"}, "serve": "b"}"#
            } else {
                r#"{"when": {"not": {"activation": "NotBeta"}}, "serve": "b"}"#
            };
            format!(
                r#""F{j}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{rule}]}}"#
            )
        })
        .collect();
    let text = format!(
        r#"{{"schema": 1, "segments": {{"U": {{"from": {{"user": "{{id}}"}}}}}},
            "activations": {{"Beta": {{"when": {{"segment": "U", "in": [{ids}]}}}},
                             "NotBeta": {{"when": {{"segment": "U", "not_in": [{ids}]}}}}}},
            "features": {{{features}}}}}"#,
        ids = ids.join(","),
        features = features.join(",")
    );
    let before = LIVE.load(Relaxed);
    let engine = Engine::load(&text).unwrap();
    assert_eq!(engine.problems(), &[]);
    let per_feature = (LIVE.load(Relaxed) - before - text.len() as isize) / 500;
    // Measured (64-bit): 4.0 KB per feature with the sets shared (the two
    // sets and the activations' parsed lists included, spread over the 500);
    // with a copy of the set in each feature, 396 KB.
    assert!(per_feature < 8_000, "{per_feature} bytes per feature");
    for j in [0, 1, 250, 499] {
        let f = format!("F{j}");
        assert_eq!(
            pick(&engine, &f, r#"{"user": {"id": "user-9999"}}"#, NOW).as_deref(),
            Some("b"),
            "{f}"
        );
        assert_eq!(
            pick(&engine, &f, r#"{"user": {"id": "user-10000"}}"#, NOW).as_deref(),
            Some("a"),
            "{f}"
        );
        assert_eq!(
            pick(&engine, &f, r#"{"user": {}}"#, NOW).as_deref(),
            Some(if j % 2 == 0 { "a" } else { "b" }),
            "{f}"
        );
    }
}

/// A snapshot whose activation `Paid` is an `any` of `n` conditions on the
/// segment `Plan` (which converts a `user` or an `account`), `Outer` holds
/// `Paid` and a `Country` (a `user`'s only), and `features` in order, as
/// (name, input, activation used).
fn paid(n: usize, features: &[(&str, &str, &str)]) -> String {
    padded(n, features, 0)
}

/// [`paid`] with `padding` more activations that no feature uses.
fn padded(n: usize, features: &[(&str, &str, &str)], padding: usize) -> String {
    let conds: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"segment": "Plan", "in": ["p{i}"]}}"#))
        .collect();
    let features: Vec<String> = features
        .iter()
        .map(|(name, input, activation)| {
            format!(
                r#""{name}": {{"inputs": ["{input}"], "implementations": ["a", "b"], "default": "a",
                    "rules": [{{"when": {{"activation": "{activation}"}}, "serve": "b"}}]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"schema": 1,
            "segments": {{"Plan": {{"from": {{"user": "{{plan}}", "account": "{{tier}}"}}}},
                          "Country": {{"from": {{"user": "{{country}}"}}}}}},
            "activations": {{{padding}"Paid": {{"when": {{"any": [{conds}]}}}},
                             "Outer": {{"when": {{"all": [{{"activation": "Paid"}}, {{"segment": "Country", "in": ["CA"]}}]}}}}}},
            "features": {{{features}}}}}"#,
        conds = conds.join(","),
        features = features.join(","),
        padding = (0..padding)
            .map(|i| format!(r#""pad{i}": {{"when": {{"after": "2020-01-01T00:00:00Z"}}}},"#))
            .collect::<String>(),
    )
}

#[test]
fn an_activation_condition_is_compiled_once_for_every_feature() {
    let _one = SERIAL.lock();
    // 10 000 conditions, used by features through two inputs: each feature
    // reads `Plan` from its own input.
    let names: Vec<String> = (0..100).map(|j| format!("F{j}")).collect();
    let features: Vec<(&str, &str, &str)> = names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            (
                name.as_str(),
                if j % 2 == 0 { "user" } else { "account" },
                "Paid",
            )
        })
        .collect();
    // What each feature adds: 100 features against 2 (the activation's
    // parsed document and its 10 000 sets are there in both).
    let live = |features: &[(&str, &str, &str)], padding: usize| {
        let text = padded(10_000, features, padding);
        let before = LIVE.load(Relaxed);
        let engine = Engine::load(&text).unwrap();
        assert_eq!(engine.problems(), &[]);
        (LIVE.load(Relaxed) - before - text.len() as isize, engine)
    };
    // Measured (64-bit): 1.12 MB per feature with a condition tree of its
    // own, 713 bytes with the condition shared. Shared still in a snapshot
    // of 65 536 activations (as many as one feature may use), where none
    // of these features is near that limit.
    for padding in [0, 65_535] {
        let (two, _) = live(&features[..2], padding);
        let (hundred, _) = live(&features, padding);
        let per_feature = (hundred - two) / 98;
        assert!(
            per_feature < 2_000,
            "{per_feature} bytes per feature among {} activations",
            padding + 1
        );
    }
    let (_, engine) = live(&features, 0);
    for (j, name) in names.iter().enumerate().step_by(33) {
        let (mine, other) = if j % 2 == 0 {
            ("user", "account")
        } else {
            ("account", "user")
        };
        let field = |input: &str| if input == "user" { "plan" } else { "tier" };
        let ctx =
            |input: &str, plan: &str| format!(r#"{{"{input}": {{"{}": "{plan}"}}}}"#, field(input));
        for (input, plan, want) in [
            (mine, "p9999", "b"),
            (mine, "p0", "b"),
            (mine, "p10000", "a"),
            // Not its input: not read.
            (other, "p1", "a"),
        ] {
            assert_eq!(
                pick(&engine, name, &ctx(input, plan), NOW).as_deref(),
                Some(want),
                "{name} {input} {plan}"
            );
        }
    }
}

#[test]
fn an_activation_compiled_for_one_feature_is_judged_for_another_as_if_compiled_there() {
    // `Outer` reads `Country`, which converts no `account`: it does not fit
    // an account's feature, whether another feature compiled it first or not.
    let problems = |features: &[(&str, &str, &str)]| common::problems(&paid(3, features));
    let alone = problems(&[("Acct", "account", "Outer")]);
    let after = problems(&[("User", "user", "Outer"), ("Acct", "account", "Outer")]);
    assert_eq!(alone.len(), 1, "{alone:?}");
    assert!(alone[0].contains("/features/Acct/rules/0/when/activation: the activation 'Outer' does not fit this feature"), "{alone:?}");
    assert_eq!(after, alone);
    // And through `Paid` alone, both fit and answer alike.
    let engine = Engine::load(&paid(
        3,
        &[
            ("User", "user", "Outer"),
            ("Acct", "account", "Paid"),
            ("User2", "user", "Paid"),
        ],
    ))
    .unwrap();
    assert_eq!(engine.problems(), &[]);
    assert_eq!(
        pick(
            &engine,
            "User",
            r#"{"user": {"plan": "p2", "country": "CA"}}"#,
            NOW
        )
        .as_deref(),
        Some("b")
    );
    assert_eq!(
        pick(
            &engine,
            "User",
            r#"{"user": {"plan": "p2", "country": "US"}}"#,
            NOW
        )
        .as_deref(),
        Some("a")
    );
    assert_eq!(
        pick(&engine, "Acct", r#"{"account": {"tier": "p2"}}"#, NOW).as_deref(),
        Some("b")
    );
    assert_eq!(
        pick(&engine, "Acct", r#"{"user": {"plan": "p2"}}"#, NOW).as_deref(),
        Some("a")
    );
    assert_eq!(
        pick(&engine, "User2", r#"{"user": {"plan": "p2"}}"#, NOW).as_deref(),
        Some("b")
    );
}

#[test]
fn features_compiled_in_any_order_have_the_same_problems_and_answers() {
    let _one = SERIAL.lock();
    // Activations nested three deep over segments of different inputs, used
    // by features of different inputs at different depths: which feature
    // compiles an activation first (and which resolve it from that) must
    // not matter.
    let text = r#"{"schema": 1,
      "segments": {"Plan": {"from": {"user": "{plan}", "account": "{tier}"}},
                   "Country": {"from": {"user": "{country}"}},
                   "Seats": {"from": {"account": "{seats}"}},
                   "Id": {"from": {"user": "{id}", "account": "{id}"}}},
      "activations": {
        "Paid": {"when": {"any": [{"segment": "Plan", "in": ["pro", "team"]}, {"segment": "Plan", "starts_with": ["ent"]}]}},
        "Big": {"when": {"all": [{"activation": "Paid"}, {"segment": "Seats", "gte": 50}]}},
        "Local": {"when": {"all": [{"activation": "Paid"}, {"segment": "Country", "in": ["CA", "US"]}, {"not": {"segment": "Plan", "in": ["team"]}}]}},
        "Either": {"when": {"any": [{"activation": "Big"}, {"activation": "Local"}, {"not": {"activation": "Paid"}}]}}
      },
      "features": {
        "U1": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"when": {"activation": "Either"}, "serve": "b"}]},
        "A1": {"inputs": ["account"], "implementations": ["a", "b"], "default": "a", "rules": [{"when": {"activation": "Either"}, "serve": "b"}]},
        "A2": {"inputs": ["account"], "implementations": ["a", "b"], "default": "a", "rules": [{"when": {"all": [{"not": {"activation": "Big"}}]}, "serve": "b"}]},
        "U2": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"when": {"any": [{"activation": "Local"}, {"segment": "Id", "in": ["7"]}]}, "serve": "b"}]},
        "B1": {"inputs": ["user", "account"], "implementations": ["a", "b"], "default": "a", "rules": [{"when": {"activation": "Either"}, "serve": "b"}, {"when": {"activation": "Paid"}, "serve": "a"}]},
        "B2": {"inputs": ["account", "user"], "implementations": ["a", "b"], "default": "a", "rules": [{"when": {"not": {"not": {"activation": "Local"}}}, "serve": "b"}]},
        "U3": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"when": {"activation": "Big"}, "serve": "b"}]}
      }}"#;
    let names = ["U1", "A1", "A2", "U2", "B1", "B2", "U3"];
    let contexts = [
        r#"{}"#,
        r#"{"user": {"plan": "pro", "country": "CA", "id": "7"}}"#,
        r#"{"user": {"plan": "team", "country": "US"}}"#,
        r#"{"user": {"plan": "free", "country": "CA"}}"#,
        r#"{"account": {"tier": "enterprise", "seats": "80", "id": "7"}}"#,
        r#"{"account": {"tier": "pro", "seats": "10"}}"#,
        r#"{"user": {"plan": "pro", "country": "CA"}, "account": {"tier": "free", "seats": "99"}}"#,
        r#"{"user": {"plan": "free"}, "account": {"tier": "team", "seats": "50"}}"#,
    ];
    // Each feature compiles on its first evaluation: in this order.
    let run = |order: &[&str]| {
        let engine = Engine::load(text).unwrap();
        let mut answers: Vec<(String, String, Option<String>)> = Vec::new();
        for name in order {
            for ctx in contexts {
                answers.push((
                    name.to_string(),
                    ctx.to_owned(),
                    pick(&engine, name, ctx, NOW),
                ));
            }
        }
        answers.sort();
        let mut problems: Vec<String> = engine.problems().iter().map(|p| p.line()).collect();
        problems.sort();
        (answers, problems)
    };
    let forward = run(&names);
    let mut reversed = names;
    reversed.reverse();
    assert_eq!(run(&reversed), forward);
    let shuffled = ["B2", "U3", "A1", "U1", "B1", "A2", "U2"];
    assert_eq!(run(&shuffled), forward);
    // What the features say: an account's feature cannot use Local (Country).
    assert_eq!(
        forward.1,
        [
            "/features/A1/rules/0/when/activation: the activation 'Either' does not fit this feature: in the activation 'Local', the segment 'Country' converts 'user', none of the inputs of feature 'A1' ('account')",
            "/features/U3/rules/0/when/activation: the activation 'Big' does not fit this feature: the segment 'Seats' converts 'account', none of the inputs of feature 'U3' ('user')",
            "/features/U1/rules/0/when/activation: the activation 'Either' does not fit this feature: in the activation 'Big', the segment 'Seats' converts 'account', none of the inputs of feature 'U1' ('user')",
        ]
        .map(str::to_owned)
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
    // And some answers, worked out by hand.
    let answer = |name: &str, ctx: &str| {
        forward
            .0
            .iter()
            .find(|(n, c, _)| n == name && c == ctx)
            .and_then(|(_, _, a)| a.clone())
    };
    let b = Some("b".to_owned());
    let a = Some("a".to_owned());
    assert_eq!(answer("U2", contexts[1]), b); // Local: pro in CA
    assert_eq!(answer("U2", contexts[2]), a); // team is excluded; id not 7
    assert_eq!(answer("A2", contexts[4]), a); // Big: enterprise, 80 seats
    assert_eq!(answer("A2", contexts[5]), b);
    // Not Paid (the user's plan, free, read first).
    assert_eq!(answer("B1", contexts[7]), b);
    // Local through the user.
    assert_eq!(answer("B2", contexts[1]), b);
    // Plan through the account first (B2's inputs' order): free, not Paid.
    assert_eq!(answer("B2", contexts[6]), a);
}

#[test]
fn past_a_features_limit_on_activations_each_reference_is_said_at_its_place() {
    let _one = SERIAL.lock();
    // 65 540 activations gathered by 7 others, all used by one feature: the
    // references past its 65 536th are each said where they are (not at
    // the activation that holds them, as a condition resolved from its
    // compiled form would place them).
    let mut activations: Vec<String> = (0..65_540)
        .map(|i| format!(r#""a{i}": {{"when": {{"after": "2020-01-01T00:00:00Z"}}}}"#))
        .collect();
    for g in 0..7 {
        let refs: Vec<String> = (g * 10_000..(g * 10_000 + 10_000).min(65_540))
            .map(|i| format!(r#"{{"activation": "a{i}"}}"#))
            .collect();
        activations.push(format!(
            r#""G{g}": {{"when": {{"any": [{}]}}}}"#,
            refs.join(",")
        ));
    }
    let groups: Vec<String> = (0..7)
        .map(|g| format!(r#"{{"activation": "G{g}"}}"#))
        .collect();
    let groups = groups.join(",");
    // The feature refers to the groups, or to the last through one more
    // activation (fine alone at load): the references past the limit are
    // said either way.
    activations.push(r#""H": {"when": {"activation": "G6"}}"#.to_owned());
    let through = groups.replace(r#"{"activation": "G6"}"#, r#"{"activation": "H"}"#);
    for when in [
        format!(r#"{{"any": [{groups}]}}"#),
        format!(r#"{{"any": [{through}]}}"#),
    ] {
        let text = format!(
            r#"{{"schema": 1, "activations": {{{}}}, "features": {{"F": {{"inputs": [], "implementations": ["a", "b"],
            "default": "a", "rules": [{{"when": {when}, "serve": "b"}}]}}}}}}"#,
            activations.join(","),
        );
        let problems = common::problems(&text);
        let limit: Vec<&String> = problems
            .iter()
            .filter(|p| p.contains("at most 65 536"))
            .collect();
        assert_eq!(limit.len(), 10, "{when}: {problems:?}");
        assert_eq!(
            limit[0],
            "/activations/G6/when/any/5530/activation: a feature may use at most 65 536 activations, and feature 'F' goes past it here",
        );
        assert!(
            limit[9].starts_with("/activations/G6/when/any/5539/activation: "),
            "{limit:?}"
        );
    }
}
