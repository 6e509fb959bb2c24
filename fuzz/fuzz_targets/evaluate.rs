//! Evaluation of arbitrary contexts against the example snapshots, and of
//! arbitrary snapshot/context pairs (the input split at its first NUL byte).
//!
//! A context is the input's text when it is JSON; otherwise the text is
//! split at newlines into values for the snapshot's slots (so rules meet
//! arbitrary strings, numbers and booleans where they look). Checked:
//! `details_all` is valid JSON with one entry per feature, in order; each
//! entry equals `details` of that feature alone; evaluating twice gives the
//! same result; the reasons and error codes are those of SPEC section 2.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::{json, Engine};
use libfuzzer_sys::fuzz_target;

fn examples() -> &'static [Engine] {
    static E: OnceLock<Vec<Engine>> = OnceLock::new();
    E.get_or_init(|| {
        [include_str!("../../examples/shop.json"), include_str!("../../examples/novi.json")]
            .iter()
            .map(|t| Engine::load(t).expect("the examples load"))
            .collect()
    })
}

const DEEP: json::Limits = json::Limits { max_depth: 1 << 20, max_array_len: usize::MAX };

/// A context with the slots of `engine` set from the lines of `text`: a
/// line that is a JSON scalar is that value, anything else a string.
fn slot_context(engine: &Engine, text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut by_input: BTreeMap<&str, Vec<(&[String], String)>> = BTreeMap::new();
    for (k, slot) in engine.slots().iter().enumerate() {
        let line = lines.get(k).copied().unwrap_or_default();
        let mut value = String::new();
        match json::parse(line, &json::Limits::default()) {
            Ok(v) if v.as_array().is_none() && v.as_object().is_none() => value.push_str(&v.to_json()),
            _ => json::push_string(&mut value, line),
        }
        let input = engine.inputs()[usize::from(slot.input)].as_str();
        by_input.entry(input).or_default().push((&slot.path, value));
    }
    // Nested objects; when two slots disagree on a place, the first wins.
    fn object(entries: &[(&[String], String)]) -> String {
        let mut keys: Vec<&String> = Vec::new();
        for (path, _) in entries {
            if let Some(k) = path.first() {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        let mut out = String::from("{");
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::push_string(&mut out, key);
            out.push(':');
            let under: Vec<(&[String], String)> = entries
                .iter()
                .filter(|(p, _)| p.first() == Some(key))
                .map(|(p, v)| (&p[1..], v.clone()))
                .collect();
            match under.first() {
                Some((rest, v)) if rest.is_empty() => out.push_str(v),
                _ => out.push_str(&object(
                    &under.into_iter().filter(|(p, _)| !p.is_empty()).collect::<Vec<_>>(),
                )),
            }
        }
        out.push('}');
        out
    }
    let mut out = String::from("{");
    for (i, (input, entries)) in by_input.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json::push_string(&mut out, input);
        out.push(':');
        out.push_str(&object(entries));
    }
    out.push('}');
    out
}

fn check(engine: &Engine, context: &json::Value) {
    let ctx = JsonContext::new(engine, context);
    let mut sticky = BTreeMap::new();
    sticky.insert("priorities-2026/7".to_owned(), "three_priorities".to_owned());
    let mut env = FixedEnv { now: 1_700_000_000_000, sticky, random: || 12_345 };
    let first = engine.details_all(&ctx, &mut env);
    let second = engine.details_all(&ctx, &mut env);
    assert_eq!(first, second, "evaluation is deterministic");
    let all = json::parse(&first, &DEEP).expect("details_all is valid JSON");
    let members = all.as_object().expect("details_all is an object");
    assert_eq!(members.len(), engine.feature_count());
    let object = context.as_object().is_some();
    for ((name, details), feature) in members.iter().zip(engine.features()) {
        assert_eq!(name.as_ref(), feature.name);
        let alone = engine.details(&feature.name, &ctx, &mut env);
        assert_eq!(json::parse(&alone, &DEEP).as_ref(), Ok(details), "{name}: details = details_all[{name}]");
        let reason = details.get("reason").and_then(|v| v.as_str()).expect("a reason");
        let code = details.get("errorCode").and_then(|v| v.as_str());
        match (reason, code) {
            ("ERROR", Some("PARSE_ERROR")) => assert!(feature.body.is_none()),
            ("ERROR", Some("INVALID_CONTEXT")) => assert!(!object && feature.body.is_some()),
            ("ERROR", other) => panic!("{name}: ERROR with {other:?}"),
            (_, None) => assert!(object, "{name}: {reason} for a context that is not an object"),
            (_, Some(c)) => panic!("{name}: {reason} with errorCode {c}"),
        }
        let unit = details.get("unit").expect("a unit field");
        assert_eq!(unit.is_null(), !matches!(reason, "SPLIT" | "STICKY"), "{name}: unit {unit:?} with {reason}");
    }
    let missing = engine.details("\u{0}no such feature", &ctx, &mut env);
    assert!(missing.contains(r#""errorCode":"FLAG_NOT_FOUND""#), "{missing}");
}

fn contexts(engine: &Engine, text: &str) {
    match json::parse(text, &DEEP) {
        Ok(value) => check(engine, &value),
        Err(_) => {
            let context = slot_context(engine, text);
            let value = json::parse(&context, &DEEP).expect("slot contexts are JSON");
            check(engine, &value);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for engine in examples() {
        contexts(engine, text);
    }
    if let Some((snapshot, context)) = text.split_once('\0') {
        if let Ok(engine) = Engine::load(snapshot) {
            contexts(&engine, context);
        }
    }
});
