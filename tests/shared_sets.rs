//! An activation's `in` set is built once, however many features use it:
//! live memory counted by a global allocator of this test binary alone. A
//! "beta users" activation of 10 000 ids used by 500 features kept 500
//! copies of its hashed set (about 190 MiB in WebAssembly, 1.4 s to build).

#![allow(clippy::unwrap_used)]

use feats_edge::Engine;

mod common;
use common::pick;

const NOW: i64 = 1_795_000_000_000;

#[path = "common/counting.rs"]
mod counting;

use counting::{Counting, LIVE};
use std::sync::atomic::Ordering::Relaxed;

#[global_allocator]
static A: Counting = Counting;

#[test]
fn an_activation_set_is_shared_by_the_features_that_use_it() {
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
