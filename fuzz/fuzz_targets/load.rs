//! Snapshot loading from arbitrary bytes (as UTF-8 when valid): a compiled
//! engine or a refusal, never a panic. Checked: a refusal names its place
//! as a JSON Pointer; a loaded snapshot lists its problems and features as
//! valid JSON (listed before compiling, the same), has warnings (`validate`'s) that are JSON Pointers, and
//! evaluates every feature for an empty context; and the
//! same document written compactly (whitespace is not meaning) loads to the
//! same problems and the same results, or is refused with the same message.
//! (How many of a unit's problems are listed grows with the unit's text, so
//! whitespace may list more or fewer of them: see [`Problems`].)
#![no_main]

use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::{json, Engine};
use libfuzzer_sys::fuzz_target;

const DEEP: json::Limits = json::Limits { max_depth: 1 << 20, max_array_len: usize::MAX };

/// A load's problems by unit (a feature, segment or activation: the first
/// two tokens of a pointer), in order: how many were found, and those
/// listed. How many are listed is a budget that grows with the unit's text
/// (`Errs::within` in src/snapshot/compile/reader.rs), so whitespace may
/// list more or fewer; what is found, and the order, do not change.
#[derive(Debug)]
struct Problems(Vec<(String, usize, Vec<(String, String)>)>);

impl Problems {
    fn of(engine: &Engine) -> Problems {
        let mut units: Vec<(String, usize, Vec<(String, String)>)> = Vec::new();
        for p in engine.problems() {
            let unit = match p.path.match_indices('/').nth(2) {
                Some((at, _)) => &p.path[..at],
                None => &p.path[..],
            };
            if units.last().is_none_or(|(u, _, _)| u != unit) {
                units.push((unit.to_owned(), 0, Vec::new()));
            }
            let Some(last) = units.last_mut() else { unreachable!() };
            let more = p.message.strip_suffix(" more problem here is not listed")
                .or_else(|| p.message.strip_suffix(" more problems here are not listed"))
                .and_then(|n| n.parse::<usize>().ok());
            match more {
                Some(n) if p.path == unit => last.1 += n,
                _ => {
                    last.1 += 1;
                    last.2.push((p.path.clone(), p.message.clone()));
                }
            }
        }
        Problems(units)
    }
}

impl PartialEq for Problems {
    fn eq(&self, other: &Problems) -> bool {
        self.0.len() == other.0.len()
            && self.0.iter().zip(&other.0).all(|((u, n, a), (v, m, b))| {
                let listed = a.len().min(b.len());
                u == v && n == m && a[..listed] == b[..listed]
            })
    }
}

/// What a load gives, in comparable form.
fn outcome(text: &str) -> Result<(Problems, String, String), String> {
    match Engine::load(text) {
        Err(e) => {
            assert!(e.path.is_empty() || e.path.starts_with('/'), "a JSON Pointer: {:?}", e.path);
            assert!(!e.message.is_empty());
            Err(e.line())
        }
        Ok(engine) => {
            let problems = engine.problems_json();
            let features = engine.features_json();
            json::parse(&problems, &DEEP).expect("problems are JSON");
            json::parse(&features, &DEEP).expect("features are JSON");
            // Listing without compiling (declarations) lists what compiling gives.
            let fresh = Engine::load(text).expect("loads again");
            assert_eq!(fresh.features_json(), features, "declarations of {text:?}");
            assert_eq!(fresh.compiled_count(), 0);
            for p in engine.problems() {
                assert!(p.path.is_empty() || p.path.starts_with('/'), "a JSON Pointer: {:?}", p.path);
            }
            let doc = json::parse(text, &DEEP).expect("a loaded snapshot is JSON");
            for now in [i64::MIN, 0, 1_800_000_000_000, i64::MAX] {
                for w in feats_edge::lint::lint(&engine, now) {
                    let place = ["/features/", "/activations/", "/segments/"].iter().any(|p| w.path.starts_with(p));
                    assert!(place, "a feature's, an activation's or a segment's place: {:?}", w.path);
                    assert!(resolve(&doc, &w.path).is_some(), "{:?} is in the document {text:?}", w.path);
                    assert!(!w.message.is_empty());
                }
            }
            let empty = json::Value::Object(Vec::new());
            let ctx = JsonContext::new(&engine, &empty);
            let mut env = FixedEnv { now: 0, sticky: Default::default(), random: || 7 };
            let details = engine.details_all(&ctx, &mut env);
            let parsed = json::parse(&details, &DEEP).expect("details are JSON");
            assert_eq!(parsed.as_object().map(<[_]>::len), Some(engine.feature_count()));
            Ok((Problems::of(&engine), features, details))
        }
    }
}

/// The value a JSON Pointer names in `doc` (the first of repeated keys).
fn resolve<'d>(doc: &'d json::Value<'d>, pointer: &str) -> Option<&'d json::Value<'d>> {
    let mut value = doc;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        value = match value {
            json::Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            json::Value::Object(members) => &members.iter().find(|(k, _)| *k == token)?.1,
            _ => return None,
        };
    }
    Some(value)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let first = outcome(text);
    // Only documents that parse have a compact form; refusals for invalid
    // JSON carry a line and column, which compaction moves.
    let Ok(doc) = json::parse(text, &json::Limits::default()) else { return };
    let compact = doc.to_json();
    let limit = feats_edge::compile::MAX_SNAPSHOT_BYTES;
    if text.len() > limit || compact.len() > limit {
        return;
    }
    assert_eq!(outcome(&compact), first, "{text:?} and its compact form {compact:?}");
});
