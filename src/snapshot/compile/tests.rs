//! The tests of the loading helpers that have none of their own in
//! `tests/`: reading invalid UTF-8 as `from_utf8_lossy` does, and what a
//! loaded snapshot says of itself (whether it declares features, a
//! segment's options).

use super::*;

#[test]
fn lossy_reads_invalid_sequences_as_from_utf8_lossy_does() {
    let cases: [&[u8]; 10] = [
        b"plain",
        b"",
        b"\xff",
        b"a\xffb\xfe",
        b"\xc0\x80 overlong",
        b"\xed\xa0\x80 surrogate",
        b"\xf4\x90\x80\x80 past U+10FFFF",
        b"cut \xe2\x82",
        b"cut \xe2\x82 inside \xf0\x9f\x98",
        b"\xe2\x82\xac \xf0\x9f\x98\x80 \xe9",
    ];
    for bytes in cases {
        assert_eq!(lossy(bytes), String::from_utf8_lossy(bytes), "{bytes:?}");
    }
}

/// A snapshot declares no features when `features` is empty or holds only
/// annotations; a name declared twice is one feature.
#[test]
fn a_snapshot_is_empty_when_it_declares_no_feature() {
    let f = r#"{"implementations": ["a"], "default": "a"}"#;
    for (features, len) in [
        ("{}".to_owned(), 0),
        (r#"{"description": "none yet", "meta": {}}"#.to_owned(), 0),
        (format!(r#"{{"F": {f}}}"#), 1),
        (format!(r#"{{"F": {f}, "F": {f}}}"#), 1),
        (format!(r#"{{"F": {f}, "G": {f}}}"#), 2),
    ] {
        let text = format!(r#"{{"schema": 1, "features": {features}}}"#);
        let lazy = load(&text).map(|c| c.features).map_err(|e| e.message);
        let lazy = lazy.as_ref().expect("loads");
        assert_eq!(lazy.len(), len, "{text}");
        assert_eq!(lazy.is_empty(), len == 0, "{text}");
    }
}

/// A segment's options are the values it declares, as declared (repeats
/// kept); none for a segment that declares none, or an unknown segment.
#[test]
fn segment_options_are_those_declared() {
    let text = r#"{"schema": 1, "segments": {
        "Country": {"from": {"user": "{country}"}, "options": ["CA", "US", "CA"]},
        "None": {"from": {"user": "{id}"}, "options": []},
        "Id": {"from": {"user": "{id}"}}}}"#;
    let loaded = load(text).map(|c| c.features).map_err(|e| e.message);
    let lazy = loaded.as_ref().expect("loads");
    let want = ["CA", "US", "CA"].map(String::from);
    assert_eq!(lazy.segment_options("Country"), Some(&want[..]));
    assert_eq!(lazy.segment_options("None"), Some(&[][..]));
    assert_eq!(lazy.segment_options("Id"), None);
    assert_eq!(lazy.segment_options("Other"), None);
}
