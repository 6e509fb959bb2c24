//! Snapshot loading from arbitrary bytes: a result or a refusal, never a
//! panic; a loaded snapshot evaluates every feature for an empty context.
#![no_main]

use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::{json, Engine};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(engine) = Engine::load(text) {
        let ctx = JsonContext::new(&engine, &json::Value::Object(Vec::new()));
        let mut env = FixedEnv { now: 0, sticky: Default::default(), random: || 7 };
        let out = engine.details_all(&ctx, &mut env);
        assert!(json::parse(&out, &json::Limits { max_depth: 1024, max_array_len: usize::MAX }).is_ok());
    }
});
