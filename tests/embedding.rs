//! The crate as an application that embeds it sees it: what it brings into
//! the application's build, and how its types behave there.

#![allow(clippy::unwrap_used)]

mod common;

/// Each `[… dependencies]` table of the manifest (dev-dependencies aside),
/// with its entries: (table, name, declaration).
fn dependencies(manifest: &str) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    let mut table = String::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            table = line.to_owned();
        } else if table.ends_with("dependencies]") && !table.contains("dev-dependencies") {
            if let Some((name, declaration)) = line.split_once('=') {
                if !line.starts_with('#') {
                    found.push((
                        table.clone(),
                        name.trim().to_owned(),
                        declaration.trim().to_owned(),
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn the_library_brings_only_its_own_crates_into_a_native_build() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let deps = dependencies(&manifest);
    assert!(deps
        .iter()
        .any(|(_, name, _)| name == "feats-edge-snapshot"));
    for (table, name, declaration) in deps {
        // The WebAssembly build's own; this checkout's crates; what a
        // feature turns on (the command-line tool's, say: `required-features`).
        let wasm_only = table == r#"[target.'cfg(target_arch = "wasm32")'.dependencies]"#;
        let ours = declaration.contains("path = ");
        let optional = declaration.contains("optional = true");
        assert!(
            wasm_only || ours || optional,
            "{table} {name} = {declaration}: every native user of the library would build it; \
             make it optional, behind a feature"
        );
    }
}

#[test]
fn an_engine_debugs_as_what_it_is_not_as_its_snapshot() {
    let mut features = String::new();
    for i in 0..1_000 {
        features.push_str(&format!(
            r#""F{i}": {{"implementations": ["a", "b"], "default": "a", "description": "{}"}},"#,
            "x".repeat(100)
        ));
    }
    let engine = feats_edge::Engine::load(&format!(
        r#"{{"schema": 1, "revision": "2026-12-06.1", "features": {{{features}
            "Broken": {{"implementations": ["a"], "default": "b"}}}}}}"#
    ))
    .unwrap();
    assert_eq!(
        format!("{engine:?}"),
        r#"Engine { revision: "2026-12-06.1", features: 1001, compiled: 0, .. }"#
    );
    // Printing it compiled nothing.
    assert_eq!(engine.compiled_count(), 0);
    // A struct of the application's that holds one can derive Debug.
    #[derive(Debug)]
    #[allow(dead_code)]
    struct State {
        engine: std::sync::Arc<feats_edge::Engine>,
    }
    let state = format!(
        "{:?}",
        State {
            engine: std::sync::Arc::new(engine)
        }
    );
    assert!(state.len() < 100, "{state}");
}

#[test]
fn a_problem_displays_as_its_line() {
    let engine = feats_edge::Engine::load(
        r#"{"schema": 1, "features": {"F": {"implementations": ["a"], "default": "b"}}}"#,
    )
    .unwrap();
    let problem = &engine.problems()[0];
    assert_eq!(format!("{problem}"), problem.line());
    assert!(problem.line().starts_with("/features/F/default: "));
}

/// Every feature's (name, implementation) for a few users, in order.
fn served(engine: &feats_edge::Engine) -> Vec<(String, Option<String>)> {
    let mut all = Vec::new();
    for id in 0..50 {
        let context = common::ctx(
            engine,
            &format!(r#"{{"user": {{"id": {id}, "address": {{"country_code": "US"}}}}}}"#),
        );
        let mut env = common::env(0);
        for r in engine.evaluate_all(&context, &mut env) {
            all.push((r.feature.to_owned(), r.implementation.map(str::to_owned)));
        }
    }
    all
}

#[test]
fn one_engine_behind_an_arc_serves_threads_that_compile_its_features_at_once() {
    let alone = served(&common::example("shop.json"));
    let engine = std::sync::Arc::new(common::example("shop.json"));
    assert_eq!(engine.compiled_count(), 0);
    let start = std::sync::Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (engine, start) = (engine.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                served(&engine)
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), alone);
    }
    assert_eq!(engine.compiled_count(), engine.feature_count());
}

#[test]
fn an_engine_says_which_features_are_boolean() {
    let engine = feats_edge::Engine::load(
        r#"{"schema": 1, "features": {
            "Multi": {"implementations": ["true", "false"], "default": "true"},
            "Flag": {"type": "boolean", "default": true},
            "Off": {"type": "boolean", "default": false}}}"#,
    )
    .unwrap();
    let boolean = |name: &str| engine.is_boolean(engine.feature_index(name).unwrap());
    assert!(!boolean("Multi"), "a multi feature with true and false");
    assert!(boolean("Flag"));
    assert!(boolean("Off"));
    assert!(!engine.is_boolean(engine.feature_count()));
}

/// A context given one slot's value by the application
/// (`JsonContext::set`) has that slot's input, though the JSON it was read
/// from lacked it: a rule on the slot's segment applies.
#[test]
fn a_slot_set_on_a_context_brings_its_input() {
    let e = common::load(
        r#"{"schema": 1, "segments": {"Device": {"from": {"request": "{ua}"}}, "UserId": {"from": {"user": "{id}"}}},
            "features": {"F": {"inputs": ["user", "request"], "implementations": ["on", "off"], "default": "off",
                "rules": [{"when": {"segment": "UserId", "in": ["u1"]}, "serve": "on"}]}}}"#,
    );
    let slot = e.slots().iter().position(|s| s.path == ["id"]).unwrap();
    let mut c = common::ctx(&e, r#"{"request": {"ua": "x"}}"#);
    c.set(&e, slot.try_into().unwrap(), "u1".to_owned());
    let d = e.details("F", &c, &mut common::env(0));
    assert!(d.contains(r#""implementation":"on""#), "{d}");
}

/// An application's host environment that answers sticky assignments in
/// its own terms is told which feature each evaluation is for, also by
/// `details`.
#[test]
fn details_tell_the_host_which_feature_they_evaluate() {
    struct Told(Vec<usize>);
    impl feats_edge::eval::Env for Told {
        fn now(&mut self) -> i64 {
            0
        }
        fn sticky(
            &mut self,
            _experiment: &str,
            _unit: &str,
            _implementations: &[String],
        ) -> Option<feats_edge::eval::Assignment> {
            None
        }
        fn random(&mut self) -> u32 {
            0
        }
        fn feature(&mut self, index: usize) {
            self.0.push(index);
        }
    }
    let e = common::load(
        r#"{"schema": 1, "features": {"A": {"implementations": ["a"], "default": "a"},
            "B": {"implementations": ["b"], "default": "b"}}}"#,
    );
    let mut told = Told(Vec::new());
    let c = common::ctx(&e, "{}");
    let _ = e.details("B", &c, &mut told);
    let _ = e.details("A", &c, &mut told);
    assert_eq!(told.0, [1, 0]);
}
