//! Segment templates from arbitrary text, rendered for arbitrary values:
//! a problem or a value, never a panic.
#![no_main]

use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::{json, Engine};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (template, value) = text.split_once('\0').unwrap_or((text, "x"));
    let mut snapshot = String::from(r#"{"schema": 1, "segments": {"S": {"from": {"user": "#);
    json::push_string(&mut snapshot, template);
    snapshot.push_str(r#"}}}, "features": {"F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
        "rules": [{"when": {"segment": "S", "exists": true}, "split": {"by": "S", "weights": {"b": 50}}}]}}}"#);
    let Ok(engine) = Engine::load(&snapshot) else { return };
    let mut user = String::from(r#"{"user": {"a": {"b": "#);
    json::push_string(&mut user, value);
    user.push_str(r#"}, "id": "#);
    json::push_string(&mut user, value);
    user.push_str("}}");
    let Ok(ctx) = json::parse(&user, &json::Limits::default()) else { return };
    let ctx = JsonContext::new(&engine, &ctx);
    let mut env = FixedEnv { now: 0, sticky: Default::default(), random: || 0 };
    let _ = engine.details("F", &ctx, &mut env);
});
