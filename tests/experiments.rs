//! What `docs/experiments.md` tells people who run rollouts and
//! experiments, checked over many units: ramps that keep their units,
//! a renamed feature that keeps its salt, experiment traffic ramped by a
//! holdout, an arm stopped, and units that are empty strings.

mod common;

use common::*;
use feats_edge::hash;

const NOW: i64 = 1_795_000_000_000;
const UNITS: u32 = 20_000;

fn snapshot(features: &str) -> String {
    format!(
        r#"{{"schema": 1, "revision": "r", "segments": {{"UserId": {{"from": {{"user": "{{id}}"}}}}}},
            "features": {{{features}}}}}"#
    )
}

fn user(id: u32) -> String {
    format!(r#"{{"user": {{"id": "u{id}"}}}}"#)
}

/// Each unit's implementation and whether an experiment assigned it.
fn picks(engine: &feats_edge::Engine, feature: &str) -> Vec<(Option<String>, bool)> {
    (0..UNITS)
        .map(|id| {
            let d = details(engine, feature, &user(id), NOW);
            let experiment = d.get("experiment").and_then(|v| v.as_str()).is_some();
            let implementation = d
                .get("implementation")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            (implementation, experiment)
        })
        .collect()
}

fn rollout(name: &str, weight: u32, salt: &str) -> String {
    snapshot(&format!(
        r#""{name}": {{"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
             "rules": [{{"split": {{"by": "UserId", "weights": {{"new": {weight}}}{salt}}}}}]}}"#
    ))
}

#[test]
fn a_rollout_ramped_up_keeps_every_unit_it_had() {
    let mut before: Vec<bool> = vec![false; UNITS as usize];
    for weight in [1, 5, 20, 50, 100] {
        let engine = load(&rollout("NewCheckout", weight, ""));
        let now: Vec<bool> = picks(&engine, "NewCheckout")
            .into_iter()
            .map(|(i, _)| i.as_deref() == Some("new"))
            .collect();
        for (id, (was, is)) in before.iter().zip(&now).enumerate() {
            assert!(!was || *is, "unit u{id} left the rollout at {weight} %");
        }
        let share = now.iter().filter(|&&x| x).count() as f64 / f64::from(UNITS);
        let want = f64::from(weight) / 100.0;
        assert!((share - want).abs() < 0.015, "{weight} %: share {share}");
        before = now;
    }
}

#[test]
fn a_rollout_ramped_down_takes_out_the_last_let_in_first_and_rules_in_front_move_no_one() {
    let at = |weight: u32| -> Vec<bool> {
        picks(&load(&rollout("NewCheckout", weight, "")), "NewCheckout")
            .into_iter()
            .map(|(i, _)| i.as_deref() == Some("new"))
            .collect()
    };
    let (fifty, twenty, five) = (at(50), at(20), at(5));
    for id in 0..UNITS as usize {
        // Whoever is in at 5 % stays in at 20 %; whoever leaves going from
        // 50 % to 20 % came in last going up.
        assert!(!five[id] || twenty[id], "u{id}");
        assert!(!twenty[id] || fifty[id], "u{id}");
    }
    // A rule put in front that takes some units moves none of the others.
    let with_rule = snapshot(
        r#""NewCheckout": {"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
             "rules": [{"when": {"segment": "UserId", "in": ["u1", "u2", "u3"]}, "serve": "old"},
                       {"split": {"by": "UserId", "weights": {"new": 20}}}]}"#,
    );
    let moved = picks(&load(&with_rule), "NewCheckout");
    for (id, (was, now)) in twenty.iter().zip(&moved).enumerate() {
        let now_in = now.0.as_deref() == Some("new");
        if (1..=3).contains(&id) {
            assert!(!now_in);
        } else {
            assert_eq!(*was, now_in, "u{id}");
        }
    }
}

/// A unit whose bucket under `salt` is `bucket`: the first of `u0`, `u1`, …
fn unit_in_bucket(salt: &str, bucket: u32) -> u32 {
    (0..)
        .find(|id| hash::bucket(salt, &format!("u{id}")) == bucket)
        .unwrap()
}

/// Percentages become whole buckets (one per 0.01 %) laid out from bucket
/// 0 in declared order, each range ending where the next begins: checked
/// through loaded snapshots on units at either side of every boundary.
#[test]
fn weights_become_bucket_ranges_exact_to_the_hundredth_of_a_percent() {
    let edges = [0, 1, 3332, 3333, 3334, 6665, 6666, 6667, 9998, 9999];
    let units: Vec<(u32, u32)> = edges
        .iter()
        .map(|&b| (b, unit_in_bucket("Split", b)))
        .collect();
    let cases = [
        (r#"{"a": 33.33, "b": 33.33, "c": 33.34}"#, "aaabbbcccc"),
        (r#"{"c": 33.34, "b": 33.33, "a": 33.33}"#, "aaabbbcccc"),
        (r#"{"b": 0.01}"#, "bzzzzzzzzz"),
        (r#"{"b": 99.99}"#, "bbbbbbbbbz"),
        (r#"{"a": 0, "b": 100}"#, "bbbbbbbbbb"),
        (r#"{"a": 33.34, "b": 0, "c": 33.33}"#, "aaaaccczzz"),
        (r#"{"a": 0.01, "b": 99.98, "c": 0.01}"#, "abbbbbbbbc"),
        (r#"{"a": 0}"#, "zzzzzzzzzz"),
    ];
    for (weights, want) in cases {
        let engine = load(&snapshot(&format!(
            r#""Split": {{"inputs": ["user"], "implementations": ["z", "a", "b", "c"], "default": "z",
                 "rules": [{{"split": {{"by": "UserId", "weights": {weights}}}}}]}}"#
        )));
        assert!(engine.problems().is_empty(), "{:?}", engine.problems());
        let got: String = units
            .iter()
            .map(|(_, id)| pick(&engine, "Split", &user(*id), NOW).unwrap())
            .collect();
        assert_eq!(got, want, "{weights} at buckets {edges:?}");
    }
}

/// Each feature, and each rule with its own salt, draws its units apart
/// from the others: over 20 000 units, a unit's arm in one says nothing of
/// its arm in another (each of the four cells of two 50/50 splits holds a
/// quarter of the units), and the units a rollout leaves to the
/// experiment after it split by the experiment's weights, in or out of
/// the rollout alike.
#[test]
fn features_and_rules_with_their_own_salts_assign_units_independently() {
    let engine = load(&snapshot(
        r#""Checkout": {"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
              "rules": [{"split": {"by": "UserId", "weights": {"old": 50, "new": 50}}}]},
            "Search": {"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
              "rules": [{"split": {"by": "UserId", "weights": {"old": 50, "new": 50}}}]},
            "Pricing": {"inputs": ["user"], "implementations": ["list", "rollout", "b"], "default": "list",
              "rules": [{"split": {"by": "UserId", "weights": {"rollout": 20}}},
                        {"experiment": {"name": "pricing-2026", "by": "UserId", "weights": {"list": 50, "b": 50}}}]}"#,
    ));
    // The experiment alone: what each unit would get without the rollout.
    let alone = load(&snapshot(
        r#""Pricing": {"inputs": ["user"], "implementations": ["list", "rollout", "b"], "default": "list",
              "rules": [{"experiment": {"name": "pricing-2026", "by": "UserId", "weights": {"list": 50, "b": 50}}}]}"#,
    ));
    let new = |p: &(Option<String>, bool)| p.0.as_deref() == Some("new");
    let (checkout, search) = (picks(&engine, "Checkout"), picks(&engine, "Search"));
    let mut cells = [[0u32; 2]; 2];
    for (c, s) in checkout.iter().zip(&search) {
        cells[usize::from(new(c))][usize::from(new(s))] += 1;
    }
    let quarter = f64::from(UNITS) / 4.0;
    for n in cells.iter().flatten() {
        assert!((f64::from(*n) / quarter - 1.0).abs() < 0.05, "{cells:?}");
    }
    // In the rollout or not, half of the units have `b` in the experiment.
    let (pricing, alone) = (picks(&engine, "Pricing"), picks(&alone, "Pricing"));
    let mut b_share = [(0u32, 0u32); 2];
    for (p, a) in pricing.iter().zip(&alone) {
        let in_rollout = p.0.as_deref() == Some("rollout");
        if !in_rollout {
            assert_eq!(p, a, "a unit the rollout leaves gets the experiment's arm");
        }
        let (b, all) = &mut b_share[usize::from(in_rollout)];
        *b += u32::from(a.0.as_deref() == Some("b"));
        *all += 1;
    }
    let rollout = f64::from(b_share[1].1) / f64::from(UNITS);
    assert!((rollout - 0.2).abs() < 0.01, "{rollout}");
    for (b, all) in b_share {
        let share = f64::from(b) / f64::from(all);
        assert!((share - 0.5).abs() < 0.02, "{b_share:?}");
    }
}

#[test]
fn a_renamed_feature_keeps_its_units_when_it_keeps_its_salt() {
    let old = picks(&load(&rollout("NewCheckout", 30, "")), "NewCheckout");
    let renamed = picks(&load(&rollout("Checkout2", 30, "")), "Checkout2");
    let kept = picks(
        &load(&rollout("Checkout2", 30, r#", "salt": "NewCheckout""#)),
        "Checkout2",
    );
    assert_eq!(kept, old);
    let moved = old.iter().zip(&renamed).filter(|(a, b)| a != b).count();
    assert!(moved > 4_000, "{moved} units changed with the name");
}

#[test]
fn experiment_traffic_ramped_by_a_holdout_keeps_each_unit_in_its_arm() {
    let by_weights = |w: u32| {
        load(&snapshot(&format!(
            r#""Pricing": {{"inputs": ["user"], "implementations": ["control", "b"], "default": "control",
                 "rules": [{{"experiment": {{"name": "pricing-2026", "by": "UserId", "weights": {{"control": {w}, "b": {w}}}}}}}]}}"#
        )))
    };
    let by_holdout = |h: u32| {
        load(&snapshot(&format!(
            r#""Pricing": {{"inputs": ["user"], "implementations": ["control", "b"], "default": "control",
                 "rules": [{{"split": {{"by": "UserId", "weights": {{"control": {h}}}, "salt": "pricing-2026-holdout"}}}},
                           {{"experiment": {{"name": "pricing-2026", "by": "UserId", "weights": {{"control": 50, "b": 50}}}}}}]}}"#
        )))
    };
    // Growing the arms' weights from 5/5 to 25/25 moves every unit of `b`
    // at 5/5 (buckets 5–10 %) into `control` (buckets 0–25 %).
    let small = picks(&by_weights(5), "Pricing");
    let large = picks(&by_weights(25), "Pricing");
    let mut switched = 0;
    for (id, (a, b)) in small.iter().zip(&large).enumerate() {
        if a.1 && b.1 && a.0 != b.0 {
            switched += 1;
            let bucket = hash::bucket("pricing-2026", &format!("u{id}"));
            assert!((500..1000).contains(&bucket), "u{id}: bucket {bucket}");
        }
    }
    assert!(switched > 500, "{switched}");
    // Shrinking a holdout in front of fixed weights only lets units in.
    let mut before = picks(&by_holdout(90), "Pricing");
    for h in [50, 10, 0] {
        let now = picks(&by_holdout(h), "Pricing");
        for (id, (a, b)) in before.iter().zip(&now).enumerate() {
            if a.1 {
                assert_eq!(a, b, "u{id} at holdout {h} %");
            }
        }
        let inside = now.iter().filter(|p| p.1).count() as f64 / f64::from(UNITS);
        assert!(
            (inside - f64::from(100 - h) / 100.0).abs() < 0.015,
            "{h}: {inside}"
        );
        before = now;
    }
}

#[test]
fn an_arm_at_weight_0_keeps_its_sticky_units_until_it_leaves_the_implementations() {
    let feature = |implementations: &str, weights: &str| {
        load(&snapshot(&format!(
            r#""Pricing": {{"inputs": ["user"], "implementations": {implementations}, "default": "control",
                 "rules": [{{"experiment": {{"name": "pricing-2026", "by": "UserId", "weights": {weights}}}}}]}}"#
        )))
    };
    let stopped = feature(
        r#"["control", "b", "c"]"#,
        r#"{"control": 50, "b": 50, "c": 0}"#,
    );
    let removed = feature(r#"["control", "b"]"#, r#"{"control": 50, "b": 50}"#);
    let mut env = env(NOW);
    env.sticky.insert("pricing-2026/u1".into(), "c".into());
    let d = details_with(&stopped, "Pricing", &user(1), &mut env);
    assert_eq!(d.get("implementation").and_then(|v| v.as_str()), Some("c"));
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("STICKY"));
    // No new unit gets `c`.
    assert!(picks(&stopped, "Pricing")
        .iter()
        .all(|p| p.0.as_deref() != Some("c")));
    let d = details_with(&removed, "Pricing", &user(1), &mut env);
    let hashed = if hash::bucket("pricing-2026", "u1") < 5000 {
        "control"
    } else {
        "b"
    };
    assert_eq!(
        d.get("implementation").and_then(|v| v.as_str()),
        Some(hashed)
    );
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("SPLIT"));
}

/// docs/experiments.md, "Ending an experiment": a `serve` in front of the
/// experiment gives the winner to every unit, stored assignments
/// included; the winner's weight raised to 100 leaves those to `control`.
#[test]
fn a_winner_served_in_front_moves_sticky_units_and_one_weighted_100_does_not() {
    let feature = |rules: &str| {
        load(&snapshot(&format!(
            r#""Pricing": {{"inputs": ["user"], "implementations": ["control", "b"], "default": "control",
                 "rules": {rules}}}"#
        )))
    };
    let experiment = |weights: &str| {
        format!(
            r#"{{"experiment": {{"name": "pricing-2026", "by": "UserId", "weights": {weights}}}}}"#
        )
    };
    let served = feature(&format!(
        r#"[{{"serve": "b"}}, {}]"#,
        experiment(r#"{"control": 50, "b": 50}"#)
    ));
    let weighted = feature(&format!("[{}]", experiment(r#"{"control": 0, "b": 100}"#)));
    let mut env = env(NOW);
    env.sticky
        .insert("pricing-2026/u1".into(), "control".into());
    let d = details_with(&served, "Pricing", &user(1), &mut env);
    assert_eq!(d.get("implementation").and_then(|v| v.as_str()), Some("b"));
    assert_eq!(
        d.get("reason").and_then(|v| v.as_str()),
        Some("TARGETING_MATCH")
    );
    assert!(d.get("experiment").is_some_and(|v| v.is_null()), "{d:?}");
    let d = details_with(&weighted, "Pricing", &user(1), &mut env);
    assert_eq!(
        d.get("implementation").and_then(|v| v.as_str()),
        Some("control")
    );
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("STICKY"));
}

/// docs/experiments.md, "The next experiment in the same feature": the
/// sticky key is the experiment's name and the unit, whatever the feature.
#[test]
fn an_experiment_name_used_again_in_another_feature_brings_its_assignments_back() {
    let checkout = |name: &str| {
        load(&snapshot(&format!(
            r#""Checkout": {{"inputs": ["user"], "implementations": ["control", "treatment"], "default": "control",
                 "rules": [{{"experiment": {{"name": "{name}", "by": "UserId", "weights": {{"control": 50, "treatment": 50}}}}}}]}}"#
        )))
    };
    // A unit the hash gives `control`, stored as `treatment` by an earlier
    // experiment of that name in another feature.
    let id = (0..UNITS)
        .find(|&id| hash::bucket("pricing-2026", &format!("u{id}")) < 5000)
        .unwrap();
    let mut env = env(NOW);
    env.sticky
        .insert(format!("pricing-2026/u{id}"), "treatment".into());
    let d = details_with(&checkout("pricing-2026"), "Checkout", &user(id), &mut env);
    assert_eq!(
        d.get("implementation").and_then(|v| v.as_str()),
        Some("treatment")
    );
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("STICKY"));
    let d = details_with(&checkout("checkout-2026"), "Checkout", &user(id), &mut env);
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("SPLIT"));
}

#[test]
fn an_empty_id_is_one_unit_for_everyone_who_has_it_unless_a_condition_leaves_it_out() {
    let experiment = |when: &str| {
        load(&snapshot(&format!(
            r#""Pricing": {{"inputs": ["user"], "implementations": ["control", "b"], "default": "control",
                 "rules": [{{{when}"experiment": {{"name": "pricing-2026", "by": "UserId", "weights": {{"control": 50, "b": 50}}}}}}]}}"#
        )))
    };
    let empty = r#"{"user": {"id": ""}}"#;
    let d = details(&experiment(""), "Pricing", empty, NOW);
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("SPLIT"));
    assert_eq!(
        d.get("stickyKey").and_then(|v| v.as_str()),
        Some("pricing-2026/")
    );
    let guarded = experiment(r#""when": {"segment": "UserId", "not_in": [""]}, "#);
    let d = details(&guarded, "Pricing", empty, NOW);
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("DEFAULT"));
    assert_eq!(d.get("unit").map(|v| v.to_json()), Some("null".into()));
    let d = details(&guarded, "Pricing", &user(7), NOW);
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("SPLIT"));
}

/// A host whose caller used `used`, with a seeded random source and a
/// sticky map; notes the experiments whose draw fell through.
struct Using {
    used: Option<u16>,
    state: u64,
    sticky: std::collections::BTreeMap<String, String>,
    passed: Vec<String>,
}

impl Using {
    fn new(used: Option<u16>, seed: u64) -> Self {
        Using {
            used,
            state: seed,
            sticky: Default::default(),
            passed: Vec::new(),
        }
    }
}

impl feats_edge::eval::Env for Using {
    fn now(&mut self) -> i64 {
        NOW
    }
    fn sticky(
        &mut self,
        experiment: &str,
        unit: &str,
        implementations: &[String],
    ) -> Option<feats_edge::eval::Assignment> {
        use feats_edge::eval::{Assignment, PASSED};
        let v = self.sticky.get(&feats_edge::sticky_key(experiment, unit))?;
        if v == PASSED {
            return Some(Assignment::Passed);
        }
        let i = implementations.iter().position(|i| i == v)?;
        Some(Assignment::Implementation(u16::try_from(i).ok()?))
    }
    fn random(&mut self) -> u32 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        (self.state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
    fn used(&self) -> Option<u16> {
        self.used
    }
    fn passed(&mut self, experiment: &str, unit: &str) {
        self.passed.push(feats_edge::sticky_key(experiment, unit));
    }
}

/// `random` experiment `rx` over 20 % (`control` 10, `b` 10), whose
/// fall-through serves `control` too (the default), then `rest`.
fn partial_random(rest: &str) -> feats_edge::Engine {
    load(&snapshot(&format!(
        r#""R": {{"inputs": ["user"], "implementations": ["control", "b", "c"], "default": "control",
             "rules": [{{"experiment": {{"name": "rx", "by": "UserId", "random": true,
                                         "weights": {{"control": 10, "b": 10}}}}}}{rest}]}}"#
    )))
}

#[test]
fn a_use_of_an_arm_that_falling_through_also_gives_is_credited_by_the_chance_of_each() {
    // Of the units shown `control`, 10 in 90 drew it: the rest fell through.
    let engine = partial_random("");
    let mut env = Using::new(Some(0), 0x9e37_79b9_7f4a_7c15);
    let mut credited = 0;
    for id in 0..UNITS {
        let c = ctx(&engine, &user(id));
        env.passed.clear();
        let ev = engine.evaluate("R", &c, &mut env);
        assert_eq!(ev.implementation, Some(0), "u{id}");
        if ev.experiment == Some("rx") {
            credited += 1;
            assert!(env.passed.is_empty());
        } else {
            assert_eq!(ev.reason.as_str(), "DEFAULT");
            assert_eq!(env.passed, [format!("rx/u{id}")], "u{id}");
        }
    }
    // Binomial(20 000, 1/9): mean 2 222, sd 44.
    assert!(
        (2_000..2_450).contains(&credited),
        "{credited} credited to the experiment"
    );
    // `b` comes only from a draw: always the experiment's, with no draw made.
    let mut env = Using::new(Some(1), 1);
    for id in 0..1_000 {
        let c = ctx(&engine, &user(id));
        let ev = engine.evaluate("R", &c, &mut env);
        assert_eq!((ev.implementation, ev.experiment), (Some(1), Some("rx")));
    }
    assert_eq!(env.state, 1, "no random number was drawn");
    // `c`, no arm of `rx`, falls through it (and is given by nothing here).
    let mut env = Using::new(Some(2), 1);
    let c = ctx(&engine, &user(0));
    let ev = engine.evaluate("R", &c, &mut env);
    assert_eq!((ev.implementation, ev.experiment), (Some(0), None));
    assert_eq!(env.passed, ["rx/u0"]);
}

/// A host that used `control` and whose every random number is `.0`.
struct Draws(u32);

impl feats_edge::eval::Env for Draws {
    fn now(&mut self) -> i64 {
        NOW
    }
    fn sticky(&mut self, _: &str, _: &str, _: &[String]) -> Option<feats_edge::eval::Assignment> {
        None
    }
    fn random(&mut self) -> u32 {
        self.0
    }
    fn used(&self) -> Option<u16> {
        Some(0)
    }
}

#[test]
fn a_use_that_either_way_gives_is_credited_to_the_draw_by_exactly_its_chance() {
    // `control` drawn by half the units, the other half falling through to
    // it (the default): a unit shown `control` drew it with a chance of
    // 1/2, so the lower half of the 2^32 random numbers credit the draw.
    let engine = load(&snapshot(
        r#""R": {"inputs": ["user"], "implementations": ["control", "b"], "default": "control",
             "rules": [{"experiment": {"name": "rx", "by": "UserId", "random": true, "weights": {"control": 50}}}]}"#,
    ));
    let c = ctx(&engine, &user(0));
    for (draw, credited) in [
        (0, true),
        (0x7fff_ffff, true),
        (0x8000_0000, false),
        (u32::MAX, false),
    ] {
        let ev = engine.evaluate("R", &c, &mut Draws(draw));
        assert_eq!(ev.implementation, Some(0));
        assert_eq!(ev.experiment.is_some(), credited, "{draw:#x}");
    }
}

#[test]
fn details_at_lists_the_draws_that_fell_through_as_the_host_notes_them() {
    // `details` notes them itself; `details_at` asks the host, and one
    // that notes nothing (the trait's default) has none listed.
    let engine = partial_random("");
    let c = ctx(&engine, &user(0));
    let d = engine.details("R", &c, &mut Draws(u32::MAX));
    assert!(d.ends_with(r#","fellThrough":["rx/u0"]}"#), "{d}");
    let d = engine.details_at(Some(0), "R", &c, &mut Draws(u32::MAX));
    assert!(
        d.contains(r#""reason":"DEFAULT""#) && d.ends_with(r#""revision":"r"}"#),
        "{d}"
    );
}

#[test]
fn the_chance_of_the_rules_after_counts_their_own_draws_and_splits() {
    // After `rx`: a random experiment `ry` giving `control` to 50 %, then
    // `serve: c`. A unit shown `control` drew it in `rx` (10 %), or fell
    // through (80 %) and drew it in `ry` (half of those): 10 / (10 + 40).
    let engine = partial_random(
        r#", {"experiment": {"name": "ry", "by": "UserId", "random": true, "weights": {"control": 50}}}, {"serve": "c"}"#,
    );
    let mut env = Using::new(Some(0), 7);
    let (mut rx, mut ry) = (0, 0);
    for id in 0..UNITS {
        let c = ctx(&engine, &user(id));
        match engine.evaluate("R", &c, &mut env).experiment {
            Some("rx") => rx += 1,
            Some("ry") => ry += 1,
            other => panic!("u{id}: {other:?}"),
        }
    }
    // Binomial(20 000, 1/5): mean 4 000, sd 57.
    assert!((3_700..4_300).contains(&rx), "rx {rx}, ry {ry}");
    // A split after it that gives `c` to everyone: `control` is only the draw's.
    let engine = partial_random(r#", {"split": {"by": "UserId", "weights": {"c": 100}}}"#);
    let mut env = Using::new(Some(0), 7);
    for id in 0..1_000 {
        let c = ctx(&engine, &user(id));
        let ev = engine.evaluate("R", &c, &mut env);
        assert_eq!(ev.experiment, Some("rx"));
    }
    assert_eq!(env.state, 7, "no random number was drawn");
}

/// `details` passes the host's use on to the draw, and tells the host, and
/// lists as `fellThrough`, the draws that fell through.
#[test]
fn details_take_the_use_and_list_the_draws_that_fell_through() {
    let engine = partial_random("");
    let c = ctx(&engine, &user(0));
    // `b` comes only from a draw: the experiment's, with no draw made.
    let mut env = Using::new(Some(1), 1);
    let d = engine.details("R", &c, &mut env);
    assert!(
        d.contains(r#""implementation":"b","reason":"SPLIT","rule":0,"experiment":"rx""#),
        "{d}"
    );
    assert!(!d.contains("fellThrough"), "{d}");
    assert_eq!(env.state, 1, "no random number was drawn");
    // `c`, no arm of `rx`: it falls through.
    let mut env = Using::new(Some(2), 1);
    let d = engine.details("R", &c, &mut env);
    assert!(d.contains(r#""reason":"DEFAULT""#), "{d}");
    assert!(d.contains(r#""fellThrough":["rx/u0"]"#), "{d}");
    assert_eq!(env.passed, ["rx/u0"]);
}

#[test]
fn a_unit_whose_draw_fell_through_and_was_used_stops_drawing() {
    let engine = partial_random("");
    let mut env = Using::new(None, 3);
    env.sticky
        .insert("rx/u1".to_owned(), feats_edge::eval::PASSED.to_owned());
    for _ in 0..200 {
        let c = ctx(&engine, &user(1));
        let ev = engine.evaluate("R", &c, &mut env);
        assert_eq!(
            (ev.implementation, ev.reason.as_str()),
            (Some(0), "DEFAULT")
        );
    }
    assert!(env.passed.is_empty(), "nothing drawn, nothing noted again");
    // Widened to every unit, the experiment still passes it on
    // (docs/experiments.md, "Random experiments"): a new name draws it again.
    let widened = |name: &str| {
        load(&snapshot(&format!(
            r#""R": {{"inputs": ["user"], "implementations": ["control", "b", "c"], "default": "control",
                 "rules": [{{"experiment": {{"name": "{name}", "by": "UserId", "random": true,
                                             "weights": {{"control": 50, "b": 50}}}}}}]}}"#
        )))
    };
    let all = widened("rx");
    let c = ctx(&all, &user(1));
    let ev = all.evaluate("R", &c, &mut env);
    assert_eq!((ev.reason.as_str(), ev.experiment), ("DEFAULT", None));
    let renamed = widened("rx-2");
    let c = ctx(&renamed, &user(1));
    let ev = renamed.evaluate("R", &c, &mut env);
    assert_eq!((ev.reason.as_str(), ev.experiment), ("SPLIT", Some("rx-2")));
    // Another unit still draws: its arms come up.
    let c = ctx(&engine, &user(2));
    let seen: std::collections::BTreeSet<_> = (0..400)
        .map(|_| engine.evaluate("R", &c, &mut env).experiment)
        .collect();
    assert!(seen.contains(&Some("rx")) && seen.contains(&None));
    // A marker means nothing to an experiment that is not random: the bucket decides.
    let fixed = load(&snapshot(
        r#""F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
             "rules": [{"experiment": {"name": "fx", "by": "UserId", "weights": {"a": 50, "b": 50}}}]}"#,
    ));
    let mut env = Using::new(None, 3);
    env.sticky
        .insert("fx/u1".to_owned(), feats_edge::eval::PASSED.to_owned());
    let c = ctx(&fixed, &user(1));
    let ev = fixed.evaluate("F", &c, &mut env);
    assert_eq!((ev.reason.as_str(), ev.experiment), ("SPLIT", Some("fx")));
}

#[test]
fn the_chance_of_the_rules_after_counts_how_many_reach_them_their_stored_assignments_and_conditions(
) {
    // Units of 20 000 shown `control` credited to `rx`, with `rest` after it.
    let credited = |rest: &str, stored: Option<&str>| {
        let engine = partial_random(rest);
        let mut env = Using::new(Some(0), 11);
        (0..UNITS)
            .filter(|&id| {
                if let Some(value) = stored {
                    env.sticky.insert(format!("fx/u{id}"), value.to_owned());
                }
                let c = ctx(&engine, &user(id));
                engine.evaluate("R", &c, &mut env).experiment == Some("rx")
            })
            .count()
    };
    // Two random experiments giving `control` to half each, then `c`: the
    // rest gives `control` with a chance of 0.5 + 0.5 × 0.5, so 10 in
    // 10 + 80 × 0.75 (1 in 7: 2 857, sd 49).
    let two = r#", {"experiment": {"name": "ry", "by": "UserId", "random": true, "weights": {"control": 50}}},
                  {"experiment": {"name": "rz", "by": "UserId", "random": true, "weights": {"control": 50}}},
                  {"serve": "c"}"#;
    let n = credited(two, None);
    assert!((2_650..3_070).contains(&n), "{n}");
    // A stored assignment to `control` in a later experiment that would
    // give `c`: the rest gives `control` (1 in 9: 2 222, sd 44).
    let fixed = r#", {"experiment": {"name": "fx", "by": "UserId", "weights": {"c": 100}}}"#;
    assert_eq!(
        credited(fixed, None),
        UNITS as usize,
        "the rest gives c: control is the draw's"
    );
    let n = credited(fixed, Some("control"));
    assert!((2_000..2_450).contains(&n), "{n}");
    // A later rule whose condition does not hold gives nothing.
    let unmet = r#", {"when": {"segment": "UserId", "in": ["nobody"]}, "serve": "c"}"#;
    let n = credited(unmet, None);
    assert!((2_000..2_450).contains(&n), "{n}");
    // After a random experiment giving `control` to half, what the rules
    // after it give to the other half counts: a rule serving `control`, or
    // a split giving it to everyone, makes the rest give `control` always
    // (1 in 9); a stored assignment to `c` only through the draw, half of
    // the time: 10 in 10 + 80 × 0.5 (1 in 5: 4 000, sd 57).
    let ry = r#", {"experiment": {"name": "ry", "by": "UserId", "random": true, "weights": {"control": 50}}}"#;
    let served = format!(r#"{ry}, {{"serve": "control"}}"#);
    let n = credited(&served, None);
    assert!((2_000..2_450).contains(&n), "{n}");
    let split = format!(r#"{ry}, {{"split": {{"by": "UserId", "weights": {{"control": 100}}}}}}"#);
    let n = credited(&split, None);
    assert!((2_000..2_450).contains(&n), "{n}");
    let n = credited(&format!("{ry}{fixed}"), Some("c"));
    assert!((3_700..4_300).contains(&n), "{n}");
}

/// Two experiments on one shared salt (a layer): the first takes buckets
/// 0–4999 and lets the rest fall through; the second serves its default by
/// a split to the first half, then lays its arms after a weight on that
/// default, so that they start at bucket 5000 (docs/experiments.md,
/// "Experiments that must not share units").
#[test]
fn two_experiments_on_one_layer_share_no_unit() {
    let engine = load(&snapshot(
        r#""Checkout": {"inputs": ["user"], "implementations": ["classic", "onepage"], "default": "classic",
              "rules": [{"experiment": {"name": "checkout-2026", "by": "UserId", "salt": "layer-1",
                                         "weights": {"classic": 25, "onepage": 25}}}]},
            "Pricing": {"inputs": ["user"], "implementations": ["list", "discount"], "default": "list",
              "rules": [{"split": {"by": "UserId", "salt": "layer-1", "weights": {"list": 50}}},
                        {"experiment": {"name": "pricing-2026", "by": "UserId", "salt": "layer-1",
                                         "weights": {"list": 75, "discount": 25}}}]}"#,
    ));
    assert!(engine.problems().is_empty(), "{:?}", engine.problems());
    let (checkout, pricing) = (picks(&engine, "Checkout"), picks(&engine, "Pricing"));
    let mut arms = std::collections::BTreeMap::new();
    for (id, ((c, in_c), (p, in_p))) in checkout.iter().zip(&pricing).enumerate() {
        assert!(!(*in_c && *in_p), "u{id} is in both experiments");
        // Outside an experiment, each serves its default.
        assert!(*in_c || c.as_deref() == Some("classic"), "u{id}");
        assert!(*in_p || p.as_deref() == Some("list"), "u{id}");
        let arm = match (in_c, in_p) {
            (true, _) => format!("checkout {}", c.as_deref().unwrap()),
            (_, true) => format!("pricing {}", p.as_deref().unwrap()),
            _ => "neither".to_owned(),
        };
        *arms.entry(arm).or_insert(0u32) += 1;
    }
    // A quarter of the units in each arm, within 3 %; none in neither.
    assert_eq!(
        arms.keys().collect::<Vec<_>>(),
        [
            "checkout classic",
            "checkout onepage",
            "pricing discount",
            "pricing list"
        ]
    );
    for (arm, n) in &arms {
        assert!(
            (f64::from(*n) / f64::from(UNITS) - 0.25).abs() < 0.03,
            "{arm}: {n}"
        );
    }
}
