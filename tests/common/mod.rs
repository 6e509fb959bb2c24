//! Helpers shared by the integration tests: load a snapshot, build a
//! context from JSON text, evaluate with a fixed clock and sticky map.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::{json, Engine};

/// A context that counts the slot values the evaluator reads from it.
pub struct Reads<'a> {
    pub inner: &'a JsonContext,
    pub count: std::cell::Cell<usize>,
}

impl<'a> Reads<'a> {
    pub fn new(inner: &'a JsonContext) -> Self {
        Reads {
            inner,
            count: std::cell::Cell::new(0),
        }
    }
}

impl feats_edge::eval::Context for Reads<'_> {
    fn is_object(&self) -> bool {
        self.inner.is_object()
    }
    fn has_input(&self, input: feats_edge::model::InputId) -> bool {
        self.inner.has_input(input)
    }
    fn slot(&self, slot: feats_edge::model::SlotId) -> Option<&str> {
        self.count.set(self.count.get() + 1);
        self.inner.slot(slot)
    }
}

pub fn load(text: &str) -> Engine {
    match Engine::load(text) {
        Ok(e) => e,
        Err(e) => panic!("snapshot refused: {}", e.line()),
    }
}

pub fn example(name: &str) -> Engine {
    let path = format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    load(&std::fs::read_to_string(path).unwrap())
}

pub fn ctx(engine: &Engine, context: &str) -> JsonContext {
    JsonContext::new(
        engine,
        &json::parse(context, &json::Limits::default()).unwrap(),
    )
}

/// Milliseconds of an RFC 3339 instant.
pub fn at(instant: &str) -> i64 {
    feats_edge::ops::instant::parse_rfc3339(instant).unwrap()
}

pub fn env(now: i64) -> FixedEnv<fn() -> u32> {
    FixedEnv {
        now,
        sticky: BTreeMap::new(),
        random: || 0,
    }
}

/// The details object of one evaluation, parsed.
pub fn details(engine: &Engine, feature: &str, context: &str, now: i64) -> json::Value<'static> {
    details_with(engine, feature, context, &mut env(now))
}

pub fn details_with<R: FnMut() -> u32>(
    engine: &Engine,
    feature: &str,
    context: &str,
    env: &mut FixedEnv<R>,
) -> json::Value<'static> {
    let c = ctx(engine, context);
    json::parse(&engine.details(feature, &c, env), &json::Limits::default())
        .unwrap()
        .into_owned()
}

/// The implementation name an evaluation gives (`None` for null).
pub fn pick(engine: &Engine, feature: &str, context: &str, now: i64) -> Option<String> {
    details(engine, feature, context, now)
        .get("implementation")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

pub fn reason(engine: &Engine, feature: &str, context: &str, now: i64) -> String {
    details(engine, feature, context, now)
        .get("reason")
        .and_then(|v| v.as_str())
        .unwrap()
        .to_owned()
}

/// Problems as `path: message` lines.
pub fn problems(text: &str) -> Vec<String> {
    load(text).problems().iter().map(|p| p.line()).collect()
}

/// A snapshot with the standard segments and one feature body.
pub fn with_feature(feature: &str) -> String {
    format!(
        r#"{{"schema": 1, "revision": "r1",
  "segments": {{"UserId": {{"from": {{"user": "{{id}}"}}}}, "Country": {{"from": {{"user": "{{country}}"}}}},
               "Version": {{"from": {{"user": "{{version}}"}}}}, "Ip": {{"from": {{"user": "{{ip}}"}}}},
               "Age": {{"from": {{"user": "{{age}}"}}}}, "Plan": {{"from": {{"user": "{{plan}}"}}, "options": ["free", "pro"]}}}},
  "features": {{"F": {feature}}}}}"#
    )
}

/// The benchmarks' workload (`../shared/BOUNDARY.md`) with `n` features:
/// each a `Country in [US, CA, GB, DE, FR]` rule with a 50/50 split by
/// `UserId`. Shared by `benches/evaluate.rs` and `tests/footprint.rs`.
pub fn workload(n: usize) -> String {
    let features: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#""f{i:03}": {{"inputs": ["user"], "implementations": ["control", "treatment", "off"], "default": "off",
                   "rules": [{{"when": {{"segment": "Country", "in": ["US", "CA", "GB", "DE", "FR"]}},
                              "split": {{"by": "UserId", "weights": {{"control": 50, "treatment": 50}}}}}}]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"schema": 1, "revision": "bench", "segments": {{"Country": {{"from": {{"user": "{{country}}"}}}}, "UserId": {{"from": {{"user": "{{id}}"}}}}}},
            "features": {{{}}}}}"#,
        features.join(",")
    )
}
