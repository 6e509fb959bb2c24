//! Arbitrary contexts against the example snapshots, and arbitrary
//! snapshot/context pairs (split at the first NUL byte): evaluation gives
//! valid JSON details, the same twice.
#![no_main]

use std::sync::OnceLock;

use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::{json, Engine};
use libfuzzer_sys::fuzz_target;

fn examples() -> &'static [Engine] {
    static E: OnceLock<Vec<Engine>> = OnceLock::new();
    E.get_or_init(|| {
        [include_str!("../../examples/shop.json"), include_str!("../../examples/novi.json")]
            .iter()
            .filter_map(|t| Engine::load(t).ok())
            .collect()
    })
}

fn check(engine: &Engine, context: &str) {
    let Ok(value) = json::parse(context, &json::Limits::default()) else { return };
    let ctx = JsonContext::new(engine, &value);
    let mut env = FixedEnv { now: 1_700_000_000_000, sticky: Default::default(), random: || 12345 };
    let first = engine.details_all(&ctx, &mut env);
    let second = engine.details_all(&ctx, &mut env);
    assert_eq!(first, second);
    assert!(json::parse(&first, &json::Limits { max_depth: 1024, max_array_len: usize::MAX }).is_ok());
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for engine in examples() {
        check(engine, text);
    }
    if let Some((snapshot, context)) = text.split_once('\0') {
        if let Ok(engine) = Engine::load(snapshot) {
            check(&engine, context);
        }
    }
});
