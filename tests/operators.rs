//! Every condition operator with its edge cases: absent values, values that
//! are not numbers, versions or addresses, SemVer ordering, IPv4 and IPv6.

mod common;

use common::*;

const NOW: i64 = 1_795_000_000_000;

/// A feature serving `on` when `when` holds, else `off`.
fn holds(when: &str, user: &str) -> bool {
    let e = load(&with_feature(&format!(
        r#"{{"inputs": ["user"], "implementations": ["on", "off"], "default": "off", "rules": [{{"when": {when}, "serve": "on"}}]}}"#
    )));
    assert!(e.problems().is_empty(), "{:?}", e.problems());
    match pick(&e, "F", &format!(r#"{{"user": {user}}}"#), NOW).as_deref() {
        Some("on") => true,
        Some("off") => false,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn in_and_not_in() {
    let w = r#"{"segment": "Country", "in": ["CA", "US"]}"#;
    assert!(holds(w, r#"{"country": "CA"}"#));
    assert!(
        !holds(w, r#"{"country": "ca"}"#),
        "matching is case-sensitive"
    );
    assert!(!holds(w, r#"{}"#));
    let w = r#"{"segment": "Country", "not_in": ["CA"]}"#;
    assert!(holds(w, r#"{"country": "US"}"#));
    assert!(!holds(w, r#"{"country": "CA"}"#));
    assert!(!holds(w, r#"{}"#), "not_in is false for absent values");
    assert!(
        holds(r#"{"not": {"segment": "Country", "in": ["CA"]}}"#, r#"{}"#),
        "not/in includes absent values"
    );
}

/// A segment that declares its `options` is matched by `in` and `not_in`
/// like any other once every listed value is one of them.
#[test]
fn in_and_not_in_on_a_segment_with_options() {
    let w = r#"{"segment": "Plan", "in": ["pro"]}"#;
    assert!(holds(w, r#"{"plan": "pro"}"#));
    assert!(!holds(w, r#"{"plan": "free"}"#));
    assert!(!holds(w, r#"{}"#));
    let w = r#"{"segment": "Plan", "not_in": ["free", "pro"]}"#;
    assert!(holds(w, r#"{"plan": "team"}"#));
    assert!(!holds(w, r#"{"plan": "free"}"#));
}

/// Text is matched as written, byte for byte: no Unicode normalization
/// and no case folding (README, Decisions). `Zürich` with a precomposed
/// `ü` (U+00FC) and with `u` and a combining diaeresis (U+0308) are two
/// values, for every operator; a pattern matches the base letter of the
/// decomposed form, as JavaScript's `startsWith` and `includes` do.
#[test]
fn text_is_matched_as_written_without_normalization_or_case_folding() {
    let composed = r#"{"country": "Z\u00fcrich"}"#;
    let decomposed = r#"{"country": "Zu\u0308rich"}"#;
    let on =
        |op: &str, pattern: &str| format!(r#"{{"segment": "Country", "{op}": ["{pattern}"]}}"#);
    for op in ["in", "starts_with", "ends_with", "contains"] {
        let pattern = if op == "ends_with" {
            r"\u00fcrich"
        } else {
            r"Z\u00fcrich"
        };
        assert!(holds(&on(op, pattern), composed), "{op} composed");
        assert!(
            !holds(&on(op, pattern), decomposed),
            "{op}: the decomposed form is another value"
        );
    }
    assert!(
        holds(&on("starts_with", "Zu"), decomposed),
        "the decomposed form starts with Zu"
    );
    assert!(!holds(&on("starts_with", "Zu"), composed));
    assert!(
        !holds(&on("in", r"Z\u00dcRICH"), composed),
        "no case folding"
    );
    assert!(!holds(
        &on("in", r"T\u00fcrkiye"),
        r#"{"country": "t\u00fcrkiye"}"#
    ));
    // The hash is over the bytes as written too: the two forms are two units.
    assert_ne!(
        feats_edge::hash::bucket("F", "Z\u{fc}rich"),
        feats_edge::hash::bucket("F", "Zu\u{308}rich")
    );
}

/// `contains` with more than four patterns (searched together, in one
/// pass over the value) answers as with few: any pattern, anywhere, with
/// unicode, repeats, an empty pattern, patterns longer than the value.
#[test]
fn contains_with_many_patterns() {
    let many = r#"{"segment": "Country", "contains": ["bot", "crawl", "spider", "Søk", "bot", "a-very-long-pattern-of-many-bytes"]}"#;
    for (value, want) in [
        ("Mozilla/5.0 (compatible; Googlebot/2.1)", true),
        ("SomeCrawler", false), // (case matters)
        ("webcrawler", true),
        ("SøkSpider", true),
        ("spide", false),
        ("bo", false),
        ("", false),
        ("here is a-very-long-pattern-of-many-bytes!", true),
        ("a-very-long-pattern-of-many-byte", false),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", false),
    ] {
        assert_eq!(
            holds(many, &format!(r#"{{"country": "{value}"}}"#)),
            want,
            "{value:?}"
        );
    }
    assert!(!holds(many, r#"{}"#), "absent");
    let empty = r#"{"segment": "Country", "contains": ["q", "w", "e", "r", ""]}"#;
    assert!(holds(empty, r#"{"country": "zz"}"#), "the empty pattern");
    assert!(!holds(empty, r#"{}"#));
}

/// `starts_with` and `ends_with` with more than four patterns (matched
/// together, a walk down a trie of them) answer as with few: prefixes of
/// each other, unicode, repeats, an empty pattern, longer than the value.
#[test]
fn affixes_with_many_patterns() {
    let starts = r#"{"segment": "Country", "starts_with": ["/api/v1/", "/api/v2/", "/admin", "/ad", "/é", "/api/v1/"]}"#;
    for (value, want) in [
        ("/api/v1/users", true),
        ("/api/v3/users", false),
        ("/adm", true),
        ("/a", false),
        ("/é/x", true),
        ("", false),
        ("x/admin", false),
    ] {
        let context = format!(r#"{{"country": "{value}"}}"#);
        assert_eq!(holds(starts, &context), want, "starts {value:?}");
    }
    let ends =
        r#"{"segment": "Country", "ends_with": ["@acme.com", "@acme.co", ".gov", "@b.org", "ü"]}"#;
    for (value, want) in [
        ("ann@acme.com", true),
        ("ann@acme.co", true),
        ("ann@acme.com.evil", false),
        ("irs.gov", true),
        ("gov", false),
        ("müü", true),
        ("", false),
    ] {
        let context = format!(r#"{{"country": "{value}"}}"#);
        assert_eq!(holds(ends, &context), want, "ends {value:?}");
    }
    assert!(!holds(ends, r#"{}"#), "absent");
    let empty = r#"{"segment": "Country", "ends_with": ["q", "w", "e", "r", ""]}"#;
    assert!(holds(empty, r#"{"country": "zz"}"#), "the empty pattern");
    assert!(!holds(empty, r#"{}"#));
}

#[test]
fn text_operators() {
    assert!(holds(
        r#"{"segment": "Country", "starts_with": ["X", "U"]}"#,
        r#"{"country": "US"}"#
    ));
    assert!(holds(
        r#"{"segment": "Country", "ends_with": ["S"]}"#,
        r#"{"country": "US"}"#
    ));
    assert!(holds(
        r#"{"segment": "Country", "contains": ["nite"]}"#,
        r#"{"country": "United"}"#
    ));
    assert!(!holds(
        r#"{"segment": "Country", "contains": ["x"]}"#,
        r#"{"country": "United"}"#
    ));
    assert!(!holds(
        r#"{"segment": "Country", "starts_with": [""]}"#,
        r#"{}"#
    ));
    assert!(holds(
        r#"{"segment": "Country", "starts_with": [""]}"#,
        r#"{"country": ""}"#
    ));
}

#[test]
fn numbers_compare_as_decimals() {
    let gte18 = r#"{"segment": "Age", "gte": 18}"#;
    assert!(holds(gte18, r#"{"age": 18}"#));
    assert!(holds(gte18, r#"{"age": "18.0"}"#));
    assert!(holds(gte18, r#"{"age": 1e2}"#));
    assert!(!holds(gte18, r#"{"age": 17.999}"#));
    assert!(
        !holds(gte18, r#"{"age": "eighteen"}"#),
        "not a number: false"
    );
    assert!(!holds(gte18, r#"{"age": ""}"#));
    assert!(!holds(gte18, r#"{}"#));
    assert!(!holds(gte18, r#"{"age": true}"#));
    assert!(holds(
        r#"{"segment": "Age", "gt": "0.1"}"#,
        r#"{"age": 0.10000000001}"#
    ));
    assert!(holds(r#"{"segment": "Age", "lt": 0}"#, r#"{"age": -0.5}"#));
    assert!(holds(r#"{"segment": "Age", "lte": 0}"#, r#"{"age": -0}"#));
    let lte18 = r#"{"segment": "Age", "lte": "18"}"#;
    assert!(holds(lte18, r#"{"age": 17.5}"#), "lte holds below too");
    assert!(holds(lte18, r#"{"age": 18}"#));
    assert!(!holds(lte18, r#"{"age": 18.001}"#));
    assert!(!holds(r#"{"segment": "Age", "lt": 0}"#, r#"{"age": -0}"#));
    assert!(
        !holds(r#"{"segment": "Age", "gt": 1e300}"#, r#"{"age": 1e400}"#),
        "1e400 renders as Infinity, not a number"
    );
}

#[test]
fn versions_follow_semver_precedence() {
    let chain = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ];
    for pair in chain.windows(2) {
        let when = format!(r#"{{"segment": "Version", "version_lt": "{}"}}"#, pair[1]);
        assert!(
            holds(&when, &format!(r#"{{"version": "{}"}}"#, pair[0])),
            "{} < {}",
            pair[0],
            pair[1]
        );
        let when = format!(r#"{{"segment": "Version", "version_gt": "{}"}}"#, pair[0]);
        assert!(holds(&when, &format!(r#"{{"version": "{}"}}"#, pair[1])));
    }
    let eq = r#"{"segment": "Version", "version_eq": "2.3.0+build.1"}"#;
    assert!(
        holds(eq, r#"{"version": "2.3.0+build.9"}"#),
        "build metadata is ignored"
    );
    assert!(holds(
        r#"{"segment": "Version", "version_gte": "2.3.0"}"#,
        r#"{"version": "2.10.0"}"#
    ));
    assert!(holds(
        r#"{"segment": "Version", "version_lte": "2.3.0"}"#,
        r#"{"version": "2.3.0"}"#
    ));
    assert!(
        !holds(
            r#"{"segment": "Version", "version_gte": "2.3.0"}"#,
            r#"{"version": "2.3"}"#
        ),
        "not a version: false"
    );
    assert!(!holds(
        r#"{"segment": "Version", "version_lt": "2.3.0"}"#,
        r#"{"version": "02.0.0"}"#
    ));
    assert!(!holds(
        r#"{"segment": "Version", "version_lt": "2.3.0"}"#,
        r#"{}"#
    ));
}

#[test]
fn cidr_blocks_match_ipv4_and_ipv6() {
    let office = r#"{"segment": "Ip", "cidr": ["10.0.0.0/8", "2001:db8::/32"]}"#;
    assert!(holds(office, r#"{"ip": "10.1.2.3"}"#));
    assert!(!holds(office, r#"{"ip": "11.0.0.1"}"#));
    assert!(holds(office, r#"{"ip": "2001:db8::1"}"#));
    assert!(holds(office, r#"{"ip": "2001:0DB8:ffff::"}"#));
    assert!(!holds(office, r#"{"ip": "2001:db9::1"}"#));
    assert!(
        holds(office, r#"{"ip": "::ffff:10.0.0.1"}"#),
        "IPv4-mapped IPv6 matches IPv4 blocks"
    );
    assert!(!holds(office, r#"{"ip": "10.0.0"}"#));
    assert!(!holds(office, r#"{"ip": "not an ip"}"#));
    assert!(!holds(office, r#"{}"#));
    assert!(holds(
        r#"{"segment": "Ip", "cidr": ["0.0.0.0/0"]}"#,
        r#"{"ip": "192.168.1.1"}"#
    ));
    assert!(holds(
        r#"{"segment": "Ip", "cidr": ["192.168.1.1"]}"#,
        r#"{"ip": "192.168.1.1"}"#
    ));
}

#[test]
fn exists() {
    assert!(holds(
        r#"{"segment": "Country", "exists": true}"#,
        r#"{"country": ""}"#
    ));
    assert!(!holds(
        r#"{"segment": "Country", "exists": true}"#,
        r#"{"country": null}"#
    ));
    assert!(holds(r#"{"segment": "Country", "exists": false}"#, r#"{}"#));
    assert!(
        holds(
            r#"{"segment": "Country", "exists": false}"#,
            r#"{"country": {"a": 1}}"#
        ),
        "objects are absent"
    );
    assert!(
        holds(
            r#"{"segment": "Country", "exists": false}"#,
            r#"{"country": ["CA"]}"#
        ),
        "arrays are absent"
    );
}

#[test]
fn combinations() {
    let ca = r#"{"segment": "Country", "in": ["CA"]}"#;
    let adult = r#"{"segment": "Age", "gte": 18}"#;
    assert!(holds(
        &format!(r#"{{"all": [{ca}, {adult}]}}"#),
        r#"{"country": "CA", "age": 20}"#
    ));
    assert!(!holds(
        &format!(r#"{{"all": [{ca}, {adult}]}}"#),
        r#"{"country": "CA", "age": 2}"#
    ));
    assert!(holds(
        &format!(r#"{{"any": [{ca}, {adult}]}}"#),
        r#"{"country": "US", "age": 20}"#
    ));
    assert!(holds(r#"{"all": []}"#, "{}"), "an empty all is true");
    assert!(!holds(r#"{"any": []}"#, "{}"), "an empty any is false");
    assert!(holds(
        &format!(r#"{{"not": {{"not": {ca}}}}}"#),
        r#"{"country": "CA"}"#
    ));
}

#[test]
fn time_windows_use_the_hosts_clock() {
    let e = load(&with_feature(
        r#"{"inputs": [], "implementations": ["on", "off"], "default": "off",
            "rules": [{"when": {"all": [{"after": "2026-01-01T00:00:00+01:00"}, {"before": "2026-02-01T00:00:00.0005Z"}]}, "serve": "on"}]}"#,
    ));
    assert_eq!(
        pick(&e, "F", "{}", at("2025-12-31T22:59:59.999Z")).as_deref(),
        Some("off")
    );
    assert_eq!(
        pick(&e, "F", "{}", at("2025-12-31T23:00:00Z")).as_deref(),
        Some("on")
    );
    assert_eq!(
        pick(&e, "F", "{}", at("2026-02-01T00:00:00Z")).as_deref(),
        Some("on"),
        "sub-millisecond end rounds up"
    );
    assert_eq!(
        pick(&e, "F", "{}", at("2026-02-01T00:00:00.001Z")).as_deref(),
        Some("off")
    );
}

#[test]
fn activations_refer_to_activations() {
    let e = load(
        r#"{"schema": 1, "segments": {"Country": {"from": {"user": "{country}"}}},
            "activations": {"NA": {"when": {"any": [{"activation": "CA"}, {"segment": "Country", "in": ["US"]}]}},
                            "CA": {"when": {"segment": "Country", "in": ["CA"]}}},
            "features": {"F": {"inputs": ["user"], "implementations": ["on", "off"], "default": "off",
                               "rules": [{"when": {"activation": "NA"}, "serve": "on"}]}}}"#,
    );
    assert!(e.problems().is_empty());
    assert_eq!(
        pick(&e, "F", r#"{"user": {"country": "CA"}}"#, NOW).as_deref(),
        Some("on")
    );
    assert_eq!(
        pick(&e, "F", r#"{"user": {"country": "US"}}"#, NOW).as_deref(),
        Some("on")
    );
    assert_eq!(
        pick(&e, "F", r#"{"user": {"country": "MX"}}"#, NOW).as_deref(),
        Some("off")
    );
}

#[test]
fn splits_fall_through_and_absent_units_skip_the_rule() {
    let e = load(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a", "b", "c"], "default": "c",
            "rules": [{"split": {"by": "UserId", "weights": {"a": 10}}},
                      {"split": {"by": "UserId", "weights": {"b": 100}, "salt": "other"}}]}"#,
    ));
    let mut a = 0;
    for id in 0..5000 {
        let d = details(&e, "F", &format!(r#"{{"user": {{"id": {id}}}}}"#), NOW);
        let got = d
            .get("implementation")
            .and_then(|v| v.as_str())
            .unwrap()
            .to_owned();
        let want = if feats_edge::hash::bucket("F", &id.to_string()) < 1000 {
            "a"
        } else {
            "b"
        };
        assert_eq!(got, want);
        a += usize::from(got == "a");
    }
    assert!((400..600).contains(&a));
    assert_eq!(reason(&e, "F", r#"{"user": {}}"#, NOW), "DEFAULT");
}

/// The buckets of 2 000 units, as SPEC section 3 lays ranges out.
fn units() -> impl Iterator<Item = String> {
    (0..2000).map(|id| id.to_string())
}

/// Split ranges follow the implementations' declared order, not the order
/// of the `weights` object: with `c` declared first, `c` takes buckets 0 to
/// 2 999 whatever `weights` lists first.
#[test]
fn split_ranges_follow_the_declared_order() {
    let e = load(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["c", "a", "b"], "default": "a",
            "rules": [{"split": {"by": "UserId", "weights": {"b": 20, "a": 50, "c": 30}}}]}"#,
    ));
    assert!(e.problems().is_empty());
    for id in units() {
        let b = feats_edge::hash::bucket("F", &id);
        let want = match b {
            0..3000 => "c",
            3000..8000 => "a",
            _ => "b",
        };
        let got = pick(&e, "F", &format!(r#"{{"user": {{"id": "{id}"}}}}"#), NOW);
        assert_eq!(got.as_deref(), Some(want), "unit {id}, bucket {b}");
    }
}

/// An experiment hashes with its name as the salt, or with its `salt` when
/// given; a split with the feature's name.
#[test]
fn an_experiments_salt_is_its_name_unless_given() {
    for (salt, hashed) in [(None, "exp-1"), (Some("mine"), "mine")] {
        let salt = salt.map_or(String::new(), |s| format!(r#", "salt": "{s}""#));
        let e = load(&with_feature(&format!(
            r#"{{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                "rules": [{{"experiment": {{"name": "exp-1", "by": "UserId", "weights": {{"a": 50, "b": 50}}{salt}}}}}]}}"#
        )));
        assert!(e.problems().is_empty());
        let mut differs_from_name = false;
        for id in units() {
            let want = if feats_edge::hash::bucket(hashed, &id) < 5000 {
                "a"
            } else {
                "b"
            };
            let by_name = if feats_edge::hash::bucket("exp-1", &id) < 5000 {
                "a"
            } else {
                "b"
            };
            differs_from_name |= want != by_name;
            let got = pick(&e, "F", &format!(r#"{{"user": {{"id": "{id}"}}}}"#), NOW);
            assert_eq!(got.as_deref(), Some(want), "salt {hashed}, unit {id}");
        }
        assert_eq!(
            differs_from_name,
            hashed != "exp-1",
            "the salts give different splits"
        );
    }
}

/// Boolean features split with `true` laid out first, whatever the order
/// of `weights`; `serve` may write the value as a string.
#[test]
fn boolean_features_split_true_first_and_serve_strings() {
    let e = load(&with_feature(
        r#"{"type": "boolean", "inputs": ["user"], "default": false,
            "rules": [{"when": {"segment": "Country", "in": ["CA"]}, "serve": "true"},
                      {"experiment": {"name": "b-exp", "by": "UserId", "weights": {"false": 60, "true": 40}}}]}"#,
    ));
    assert!(e.problems().is_empty(), "{:?}", e.problems());
    assert_eq!(
        pick(&e, "F", r#"{"user": {"id": "1", "country": "CA"}}"#, NOW).as_deref(),
        Some("true")
    );
    for id in units() {
        let want = if feats_edge::hash::bucket("b-exp", &id) < 4000 {
            "true"
        } else {
            "false"
        };
        let got = pick(&e, "F", &format!(r#"{{"user": {{"id": "{id}"}}}}"#), NOW);
        assert_eq!(got.as_deref(), Some(want), "unit {id}");
    }
}

/// `{{` and `}}` in a template are literal braces in the segment's value.
#[test]
fn templates_write_doubled_braces_as_braces() {
    let text = r#"{"schema": 1, "segments": {"Tagged": {"from": {"user": "{{{id}}}-{{x}}"}}},
        "features": {"F": {"inputs": ["user"], "implementations": ["on", "off"], "default": "off",
            "rules": [{"when": {"segment": "Tagged", "in": ["{42}-{x}"]}, "serve": "on"}]}}}"#;
    let e = load(text);
    assert!(e.problems().is_empty(), "{:?}", e.problems());
    assert_eq!(
        pick(&e, "F", r#"{"user": {"id": 42}}"#, NOW).as_deref(),
        Some("on")
    );
    assert_eq!(
        pick(&e, "F", r#"{"user": {"id": 43}}"#, NOW).as_deref(),
        Some("off")
    );
}
