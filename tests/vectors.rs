//! The 1 000 shared bucket vectors (`tests/vectors/buckets.json`, a copy of
//! the cross-runtime contract) reproduced natively.

use feats_edge::{hash, json};

#[test]
fn all_shared_vectors_match() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/buckets.json"
    ))
    .unwrap();
    let doc = json::parse(&text, &json::Limits::default()).unwrap();
    let cases = doc.get("cases").and_then(|c| c.as_array()).unwrap();
    assert_eq!(cases.len(), 1000);
    let mut failures = Vec::new();
    for case in cases {
        let salt = case.get("salt").and_then(|v| v.as_str()).unwrap();
        let unit = case.get("unit").and_then(|v| v.as_str()).unwrap();
        let want: u32 = case
            .get("bucket")
            .and_then(|v| v.as_number())
            .unwrap()
            .as_str()
            .parse()
            .unwrap();
        let got = hash::bucket(salt, unit);
        if got != want {
            failures.push(format!("bucket({salt:?}, {unit:?}) = {got}, want {want}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 1000 vectors differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The copy above is the shared contract's file, byte for byte, whenever the
/// shared folder sits beside the repository (as it does in CI).
#[test]
fn the_copy_is_the_shared_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = dir.join("../shared/vectors/buckets.json");
    let Ok(want) = std::fs::read(&shared) else {
        eprintln!("{} not found: the copy is not compared", shared.display());
        return;
    };
    let copy = std::fs::read(dir.join("tests/vectors/buckets.json")).unwrap();
    assert!(
        copy == want,
        "tests/vectors/buckets.json differs from ../shared/vectors/buckets.json: copy it again"
    );
}
