//! Loading stays linear (or n log n) in the size of each part of a
//! snapshot: the shapes below once made a load quadratic (a scan of a list
//! per member of it), and within the SPEC's limits took seconds to hours.
//!
//! No timing is asserted: each test loads a large instance of one shape
//! (sized so that a debug build loads it in well under a second) and checks
//! the result. Before the fix each of these took from ten seconds to many
//! minutes in a debug build, so a regression shows as a test that hangs.
//! `/tmp/scaling/run.sh` (not part of the repository) measured release
//! load times per shape and size.

mod common;

use common::{load, pick, reason};
use feats_edge::Engine;

const NOW: i64 = 1_795_000_000_000;

fn snapshot(segments: &str, activations: &str, features: &str) -> String {
    format!(
        r#"{{"schema": 1, "segments": {{"UserId": {{"from": {{"user": "{{id}}"}}}}{segments}}},
            "activations": {{{activations}}}, "features": {{{features}}}}}"#
    )
}

fn lines(engine: &Engine) -> Vec<String> {
    engine.problems().iter().map(|p| p.line()).collect()
}

fn joined(parts: impl Iterator<Item = String>) -> String {
    parts.collect::<Vec<_>>().join(",")
}

/// A segment's `from` with 50 000 inputs (one repeated): one problem, and
/// the value is read from the feature's first input that the context holds.
#[test]
fn a_segment_converting_fifty_thousand_inputs() {
    let from = joined((0..50_000).map(|k| format!(r#""i{k}": "{{id}}-{k}""#)));
    let segments = format!(r#", "Big": {{"from": {{{from}, "i7": "{{id}}"}}}}"#);
    let features = r#""F": {"inputs": ["i49999", "i3"], "implementations": ["a", "b"],
        "default": "a", "rules": [{"when": {"segment": "Big", "in": ["u-3"]},
        "split": {"by": "Big", "weights": {"b": 100}}}]}"#;
    let engine = load(&snapshot(&segments, "", features));
    assert_eq!(
        lines(&engine),
        [
            "/segments/Big/from/i7: the input 'i7' appears more than once",
            "/features/F/rules/0/when/segment: the segment 'Big' has problems (see /segments/Big)",
            "/features/F/rules/0/split/by: the segment 'Big' has problems (see /segments/Big)",
        ]
    );
    assert_eq!(engine.inputs().len(), 1 + 50_000, "user, then i0 to i49999");
    let ctx = r#"{"i3": {"id": "u"}, "i49999": {"id": "u"}}"#;
    assert_eq!(pick(&engine, "F", ctx, NOW).as_deref(), Some("a"));
    let engine = load(&snapshot(
        &segments.replace(r#", "i7": "{id}""#, ""),
        "",
        features,
    ));
    assert!(lines(&engine).is_empty());
    // i49999 comes first in the feature's inputs: "u-49999" is not listed.
    assert_eq!(pick(&engine, "F", ctx, NOW).as_deref(), Some("a"));
    assert_eq!(
        pick(&engine, "F", r#"{"i3": {"id": "u"}}"#, NOW).as_deref(),
        Some("b")
    );
    let f = engine.feature(engine.feature_index("F").unwrap()).unwrap();
    assert_eq!(f.slots.len(), 2, "the feature reads only its inputs' slots");
}

/// 10 000 implementations (the most a list holds; one repeated), a split
/// weighting each, serves and a default naming the last: lookups by name,
/// not scans.
#[test]
fn a_split_over_ten_thousand_implementations() {
    let names: Vec<String> = (0..9_999).map(|k| format!("m{k}")).collect();
    let impls = joined(names.iter().map(|n| format!("{n:?}")));
    let weights = joined(names.iter().map(|n| format!("{n:?}: 0.01")));
    let features = format!(
        r#""F": {{"inputs": ["user"], "implementations": [{impls}, "m5"], "default": "m9998",
            "rules": [{{"when": {{"segment": "UserId", "in": ["x"]}}, "serve": "m9997"}},
                      {{"split": {{"by": "UserId", "weights": {{{weights}}}}}}}]}},
           "G": {{"inputs": ["user"], "implementations": [{impls}], "default": "m0",
            "rules": [{{"experiment": {{"name": "e", "by": "UserId", "weights": {{{weights}, "m3": 0}}}}}}]}}"#
    );
    let engine = load(&snapshot("", "", &features));
    assert_eq!(
        lines(&engine),
        [
            "/features/F/implementations/9999: the implementation 'm5' is listed twice",
            "/features/G/rules/0/experiment/weights/m3: the implementation 'm3' is weighted twice",
        ]
    );
    let f = engine.feature(engine.feature_index("F").unwrap()).unwrap();
    assert_eq!(f.implementations.len(), 9_999);
    assert_eq!(f.default, Some(9_998));
    let engine = load(&snapshot("", "", &features.replace(r#", "m5"]"#, "]")));
    assert_eq!(lines(&engine).len(), 1);
    assert_eq!(
        pick(&engine, "F", r#"{"user": {"id": "x"}}"#, NOW).as_deref(),
        Some("m9997")
    );
    // 0.01 % each (99.99 % in all): unit "u1" lands in one of them.
    let got = pick(&engine, "F", r#"{"user": {"id": "u1"}}"#, NOW).unwrap();
    assert!(got.starts_with('m'), "{got}");
}

/// A feature with 10 000 inputs (one repeated), each converted by a segment
/// of 10 000 inputs: the value comes from the first one in the
/// feature's order, whether the feature or the segment lists more.
#[test]
fn a_feature_with_ten_thousand_inputs() {
    let from = joined((0..10_000).map(|k| format!(r#""i{k}": "{{id}}-{k}""#)));
    let inputs = joined((0..9_999).rev().map(|k| format!(r#""i{k}""#)));
    let segments = format!(
        r#", "Big": {{"from": {{{from}}}}}, "Few": {{"from": {{"i2": "{{id}}-2", "i9000": "{{id}}-9000"}}}}"#
    );
    let rules = r#"[{"when": {"segment": "S", "in": ["u-9000", "u-2", "u-1"]}, "serve": "b"}]"#;
    let features = format!(
        r#""F": {{"inputs": [{inputs}, "i4"], "implementations": ["a", "b"], "default": "a",
              "rules": {big}}},
           "G": {{"inputs": [{inputs}], "implementations": ["a", "b"], "default": "a",
              "rules": {few}}}"#,
        big = rules.replace("\"S\"", "\"Big\""),
        few = rules.replace("\"S\"", "\"Few\""),
    );
    let engine = load(&snapshot(&segments, "", &features));
    assert_eq!(
        lines(&engine),
        ["/features/F/inputs/9999: the input 'i4' is listed twice"]
    );
    let engine = load(&snapshot(
        &segments,
        "",
        &features.replace(r#", "i4"]"#, "]"),
    ));
    assert!(lines(&engine).is_empty(), "{:?}", lines(&engine));
    // i9000 comes before i2 and i1 in the features' inputs.
    let ctx = r#"{"i1": {"id": "u"}, "i2": {"id": "u"}, "i9000": {"id": "v"}}"#;
    assert_eq!(pick(&engine, "F", ctx, NOW).as_deref(), Some("a"));
    assert_eq!(pick(&engine, "G", ctx, NOW).as_deref(), Some("a"));
    let ctx = r#"{"i1": {"id": "u"}, "i2": {"id": "u"}, "i9000": {"id": "u"}}"#;
    assert_eq!(pick(&engine, "F", ctx, NOW).as_deref(), Some("b"));
    assert_eq!(pick(&engine, "G", ctx, NOW).as_deref(), Some("b"));
    let ctx = r#"{"i1": {"id": "u"}}"#;
    assert_eq!(pick(&engine, "F", ctx, NOW).as_deref(), Some("b"));
    assert_eq!(pick(&engine, "G", ctx, NOW).as_deref(), Some("a"));
}

/// 40 000 activations, each declared twice, each used by a feature, and
/// all 20 000 of a second set used by one feature: every activation is
/// checked once per place it is used, and found by name.
#[test]
fn forty_thousand_activations() {
    let one = |k: usize| format!(r#""A{k}": {{"when": {{"segment": "UserId", "in": ["u{k}"]}}}}"#);
    let activations = joined((0..20_000).map(one).chain((0..20_000).map(one)));
    let refs = |from: usize| {
        // `any` holds at most 10 000 conditions: two of them.
        let half = |h: usize| {
            joined((h..h + 10_000).map(|k| format!(r#"{{"activation": "A{}"}}"#, from + k)))
        };
        format!(
            r#"{{"any": [{{"any": [{}]}}, {{"any": [{}]}}]}}"#,
            half(0),
            half(10_000)
        )
    };
    let features = format!(
        r#""F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
             "rules": [{{"when": {}, "serve": "b"}}]}}"#,
        refs(0)
    );
    let engine = load(&snapshot("", &activations, &features));
    let problems = lines(&engine);
    assert_eq!(problems.len(), 20_000 + 20_000);
    assert_eq!(
        problems[19_999],
        "/activations/A19999: the activation 'A19999' is declared more than once"
    );
    assert_eq!(
        problems[39_999],
        "/features/F/rules/0/when/any/1/any/9999/activation: the activation 'A19999' is declared more than once"
    );
    let unique = joined((0..20_000).map(one).chain((20_000..40_000).map(one)));
    let features = format!(
        r#""F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
             "rules": [{{"when": {}, "serve": "b"}}]}}"#,
        refs(20_000)
    );
    let engine = load(&snapshot("", &unique, &features));
    assert!(lines(&engine).is_empty());
    assert_eq!(
        pick(&engine, "F", r#"{"user": {"id": "u39999"}}"#, NOW).as_deref(),
        Some("b")
    );
    assert_eq!(
        pick(&engine, "F", r#"{"user": {"id": "u19999"}}"#, NOW).as_deref(),
        Some("a")
    );
}

/// 20 000 activations using one segment of 20 000 inputs: checking each
/// activation on its own does not copy the segment's templates.
#[test]
fn activations_using_a_segment_of_twenty_thousand_inputs() {
    let from = joined((0..20_000).map(|k| format!(r#""i{k}": "{{id}}""#)));
    let segments = format!(r#", "Big": {{"from": {{{from}}}}}"#);
    let activations = joined(
        (0..20_000).map(|k| format!(r#""A{k}": {{"when": {{"segment": "Big", "in": ["u{k}"]}}}}"#)),
    );
    let features = r#""F": {"inputs": ["i5"], "implementations": ["a", "b"], "default": "a",
        "rules": [{"when": {"activation": "A19999"}, "serve": "b"}]}"#;
    let engine = load(&snapshot(&segments, &activations, features));
    assert!(lines(&engine).is_empty());
    assert_eq!(
        pick(&engine, "F", r#"{"i5": {"id": "u19999"}}"#, NOW).as_deref(),
        Some("b")
    );
}

/// A feature using 22 000 segments, 2 000 of them templates of 25
/// placeholders each written twice (a template holds at most 64): 50 000
/// slots in all, segments found by name, slots kept once each, in order.
#[test]
fn twenty_thousand_segments_and_fifty_thousand_slots() {
    let segments = joined(
        (0..20_000).map(|k| format!(r#""S{k}": {{"from": {{"user": "{{id}}-{{k{k}}}"}}}}"#)),
    );
    let wide = joined((0..2_000).map(|w| {
        let placeholders: String = (25 * w..25 * w + 25).map(|k| format!("{{p{k}}}")).collect();
        format!(r#""W{w}": {{"from": {{"user": "{placeholders}{placeholders}"}}}}"#)
    }));
    let segments = format!(r#", {segments}, {wide}"#);
    let conds = |h: usize| {
        joined((h..h + 10_000).map(|k| format!(r#"{{"segment": "S{k}", "exists": true}}"#)))
    };
    let wides = joined((0..2_000).map(|w| format!(r#"{{"segment": "W{w}", "exists": true}}"#)));
    let features = format!(
        r#""F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
             "rules": [{{"when": {{"any": [{{"any": [{}]}}, {{"any": [{}]}},
                                          {{"segment": "S0", "exists": true}}]}}, "serve": "b"}},
                       {{"when": {{"any": [{wides}]}}, "serve": "b"}}]}}"#,
        conds(0),
        conds(10_000)
    );
    let engine = load(&snapshot(&segments, "", &features));
    assert!(lines(&engine).is_empty());
    let f = engine.feature(engine.feature_index("F").unwrap()).unwrap();
    // {id}, then k0..k19999, then p0..p49999: first met first.
    assert_eq!(f.slots.len(), 1 + 20_000 + 50_000);
    let path = |i: usize| engine.slots()[f.slots[i] as usize].path.join(".");
    assert_eq!(path(0), "id");
    assert_eq!(path(1), "k0");
    assert_eq!(path(20_000), "k19999");
    assert_eq!(path(20_001), "p0");
    assert_eq!(path(70_000), "p49999");
    assert_eq!(
        pick(&engine, "F", r#"{"user": {"id": "u", "k19999": 1}}"#, NOW).as_deref(),
        Some("b")
    );
    assert_eq!(
        pick(&engine, "F", r#"{"user": {"id": "u"}}"#, NOW).as_deref(),
        Some("a")
    );
}

/// Past 65 536 activations in one feature (they are numbered in 16 bits)
/// the feature has a problem and serves its default with reason ERROR; it
/// never loses a rule in silence.
#[test]
fn a_feature_using_more_than_65_536_activations() {
    let one = |k: usize| format!(r#""A{k}": {{"when": {{"segment": "UserId", "in": ["u{k}"]}}}}"#);
    let activations = joined((0..65_537).map(one));
    // `any` holds at most 10 000 conditions: groups of them.
    let refs = |n: usize| {
        let groups = (0..n).step_by(10_000).map(|g| {
            let members = (g..n.min(g + 10_000)).map(|k| format!(r#"{{"activation": "A{k}"}}"#));
            format!(r#"{{"any": [{}]}}"#, joined(members))
        });
        format!(r#"{{"any": [{}]}}"#, joined(groups))
    };
    let feature = |name: &str, n: usize| {
        format!(
            r#""{name}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                 "rules": [{{"when": {}, "serve": "b"}}]}}"#,
            refs(n)
        )
    };
    let features = format!("{},{}", feature("All", 65_537), feature("Most", 65_536));
    let engine = load(&snapshot("", &activations, &features));
    assert_eq!(
        lines(&engine),
        ["/features/All/rules/0/when/any/6/any/5536/activation: a feature may use at most 65 536 activations"]
    );
    let ctx = r#"{"user": {"id": "u0"}}"#;
    assert_eq!(pick(&engine, "All", ctx, NOW).as_deref(), Some("a"));
    assert_eq!(reason(&engine, "All", ctx, NOW), "ERROR");
    assert_eq!(pick(&engine, "Most", ctx, NOW).as_deref(), Some("b"));
}

/// Past 65 536 segments in one feature (they are numbered in 16 bits) the
/// feature has a problem at each reference past the limit, said as such
/// (not as a segment that converts none of its inputs), whether the
/// reference is the feature's own or inside an activation another feature
/// compiled first; a feature within the limit is untouched.
#[test]
fn a_feature_using_more_than_65_536_segments() {
    let one = |k: usize| format!(r#""S{k}": {{"from": {{"user": "{{id}}"}}}}"#);
    let segments = format!(",{}", joined((0..65_537).map(one)));
    let cond = |k: usize| format!(r#"{{"segment": "S{k}", "in": ["u{k}"]}}"#);
    // `any` holds at most 10 000 conditions: groups of them.
    let refs = |n: usize| {
        let groups = (0..n).step_by(10_000).map(|g| {
            format!(
                r#"{{"any": [{}]}}"#,
                joined((g..n.min(g + 10_000)).map(cond))
            )
        });
        format!(r#"{{"any": [{}]}}"#, joined(groups))
    };
    let feature = |name: &str, rules: &[String]| {
        let rules = joined(
            rules
                .iter()
                .map(|when| format!(r#"{{"when": {when}, "serve": "b"}}"#)),
        );
        format!(
            r#""{name}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{rules}]}}"#
        )
    };
    let extra = r#"{"activation": "Extra"}"#.to_owned();
    let features = [
        feature("Small", std::slice::from_ref(&extra)),
        feature("All", &[refs(65_537), cond(65_536)]),
        feature("Most", &[refs(65_536)]),
        feature("Via", &[refs(65_536), extra]),
    ];
    let activations = format!(r#""Extra": {{"when": {}}}"#, cond(65_536));
    let engine = load(&snapshot(&segments, &activations, &features.join(",")));
    let limit = "a feature may use at most 65 536 segments";
    assert_eq!(
        lines(&engine),
        [
            format!("/features/All/rules/0/when/any/6/any/5536/segment: {limit}"),
            format!("/features/All/rules/1/when/segment: {limit}"),
            format!("/activations/Extra/when/segment: {limit}, and feature 'Via' goes past it here"),
            "/features/Via/rules/1/when/activation: the activation 'Extra' has problems (see /activations/Extra)".to_owned(),
        ]
    );
    for (name, user, want) in [
        ("All", "u0", "a"),
        ("Most", "u0", "b"),
        ("Most", "u65535", "b"),
        ("Via", "u0", "a"),
        ("Small", "u65536", "b"),
    ] {
        let ctx = format!(r#"{{"user": {{"id": "{user}"}}}}"#);
        assert_eq!(
            pick(&engine, name, &ctx, NOW).as_deref(),
            Some(want),
            "{name} {user}"
        );
        let served = if want == "a" && name != "Most" {
            "ERROR"
        } else {
            "TARGETING_MATCH"
        };
        assert_eq!(reason(&engine, name, &ctx, NOW), served, "{name} {user}");
    }
}

/// Past 65 536 input names in the snapshot (numbered in 16 bits), the
/// template that would add one more is a problem of its segment; it is not
/// dropped in silence.
#[test]
fn more_than_65_536_input_names() {
    let from = joined((0..65_537).map(|k| format!(r#""i{k}": "{{id}}""#)));
    let segments = format!(r#", "Big": {{"from": {{{from}}}}}"#);
    let features = r#""F": {"inputs": ["i3"], "implementations": ["a", "b"],
        "default": "a", "rules": [{"when": {"segment": "Big", "in": ["u"]}, "serve": "b"}]}"#;
    let engine = load(&snapshot(&segments, "", features));
    // `user` and i0 to i65534 have the 65 536 ids.
    assert_eq!(
        lines(&engine),
        [
            "/segments/Big/from/i65535: more than 65 536 different input names in the snapshot",
            "/segments/Big/from/i65536: more than 65 536 different input names in the snapshot",
            "/features/F/rules/0/when/segment: the segment 'Big' has problems (see /segments/Big)",
        ]
    );
    assert_eq!(reason(&engine, "F", r#"{"i3": {"id": "u"}}"#, NOW), "ERROR");
}

/// 20 000 segments and 20 000 features, each misspelling a segment and an
/// activation: a "did you mean" would compare each with all of them (4·10⁸
/// comparisons): past 1 000 names the hint is left out. With fewer, it is
/// given.
#[test]
fn misspelt_names_among_twenty_thousand() {
    let n = 20_000;
    let segments =
        joined((0..n).map(|k| format!(r#""Seg{k}": {{"from": {{"user": "{{s{k}}}"}}}}"#)));
    let activations = joined(
        (0..n).map(|k| format!(r#""Act{k}": {{"when": {{"segment": "Seg{k}", "exists": true}}}}"#)),
    );
    let features = joined((0..n).map(|k| {
        format!(
            r#""F{k}": {{"inputs": ["user"], "implementations": ["a"], "default": "a",
                "rules": [{{"when": {{"segment": "Sge{k}", "exists": true}}, "serve": "a"}},
                          {{"when": {{"activation": "Atc{k}"}}, "serve": "a"}}]}}"#
        )
    }));
    let engine = load(&snapshot(&format!(",{segments}"), &activations, &features));
    let problems = lines(&engine);
    assert_eq!(problems.len(), 2 * n);
    assert_eq!(
        problems[0],
        "/features/F0/rules/0/when/segment: unknown segment 'Sge0'"
    );
    assert_eq!(
        problems[1],
        "/features/F0/rules/1/when/activation: unknown activation 'Atc0'"
    );
    let few = snapshot(
        r#", "Seg0": {"from": {"user": "{s}"}}"#,
        r#""Act0": {"when": {"segment": "Seg0", "exists": true}}"#,
        r#""F0": {"inputs": ["user"], "implementations": ["a"], "default": "a",
            "rules": [{"when": {"segment": "Sge0", "exists": true}, "serve": "a"},
                      {"when": {"activation": "Atc0"}, "serve": "a"}]}"#,
    );
    assert_eq!(
        lines(&load(&few)),
        [
            "/features/F0/rules/0/when/segment: unknown segment 'Sge0' (did you mean 'Seg0'?)",
            "/features/F0/rules/1/when/activation: unknown activation 'Atc0' (did you mean 'Act0'?)",
        ]
    );
}

/// Long names in a "did you mean": a segment name of 100 000 characters
/// (an invalid name, still a segment to compare with) and a reference one
/// character off once made an edit-distance table of 10¹⁰ cells (the
/// allocation aborted); 1 000 names of 128 characters and 500 misspelt
/// references took minutes. The comparison is linear now.
#[test]
fn misspelt_long_names() {
    let long = "a".repeat(100_000);
    let off = format!("b{}", &long[1..]);
    let text = snapshot(
        &format!(r#", "{long}": {{"from": {{"user": "{{x}}"}}}}"#),
        "",
        &format!(
            r#""F": {{"inputs": ["user"], "implementations": ["a"], "default": "a",
                "rules": [{{"when": {{"segment": "{off}", "exists": true}}, "serve": "a"}}]}}"#
        ),
    );
    let problems = lines(&load(&text));
    assert!(
        problems.iter().any(|p| p
            .starts_with("/features/F/rules/0/when/segment: unknown segment 'b")
            && p.ends_with(&format!("(did you mean '{long}'?)"))),
        "{:?}",
        problems
            .iter()
            .map(|p| &p[..80.min(p.len())])
            .collect::<Vec<_>>()
    );
    let name = |k: usize| format!("{k:0>128}");
    let segments =
        joined((0..1000).map(|k| format!(r#""{}": {{"from": {{"user": "{{x}}"}}}}"#, name(k))));
    let rules = joined((0..500).map(|k| {
        format!(
            r#"{{"when": {{"segment": "{}x", "exists": true}}, "serve": "a"}}"#,
            &name(k)[1..]
        )
    }));
    let text = snapshot(
        &format!(",{segments}"),
        "",
        &format!(
            r#""F": {{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{rules}]}}"#
        ),
    );
    assert_eq!(lines(&load(&text)).len(), 500);
}

/// Activations that each refer twice to the one below, in a chain past the
/// nesting limits (32 activations; 256 condition levels): one problem per
/// activation that heads a chain too deep. The chain below a too-deep
/// reference was compiled again for each reference to it: 2^33 times.
#[test]
fn a_chain_too_deep_whose_activations_refer_twice_to_the_next() {
    let wrap =
        |levels: usize, inner: String| (0..levels).fold(inner, |c, _| format!(r#"{{"not": {c}}}"#));
    for (count, nots) in [(34, 0), (26, 12)] {
        let activations = joined((0..count).map(|i| {
            let when = if i + 1 == count {
                r#"{"after": "2020-01-01T00:00:00Z"}"#.to_owned()
            } else {
                let next = format!(r#"{{"activation": "A{}"}}"#, i + 1);
                wrap(nots, format!(r#"{{"all": [{next}, {next}, {next}]}}"#))
            };
            format!(r#""A{i}": {{"when": {when}}}"#)
        }));
        let features = r#""F": {"implementations": ["a", "b"], "default": "a",
            "rules": [{"when": {"activation": "A0"}, "serve": "b"}]}"#;
        let engine = load(&snapshot("", &activations, features));
        let found = lines(&engine);
        let too_deep = if nots == 0 {
            ": activations nest deeper than 32 levels: A"
        } else {
            ": conditions nest deeper than 256 levels through the activations A"
        };
        let heads = found.iter().filter(|l| l.contains(too_deep)).count();
        assert!(heads >= 1 && heads < count, "{found:?}");
        assert!(
            found.iter().any(|l| l.starts_with("/activations/A0")),
            "{found:?}"
        );
        let feature = if nots == 0 {
            "/features/F/rules/0/when/activation: the activation 'A0' has problems (see /activations/A0)"
        } else {
            "/features/F/rules/0/when/activation: conditions nest deeper than 256 levels through the activations A0 → A1 → "
        };
        assert!(found.iter().any(|l| l.starts_with(feature)), "{found:?}");
        assert_eq!(reason(&engine, "F", "{}", NOW), "ERROR");
    }
}

/// `validate`'s warnings for 30 000 features that run one experiment, one
/// of them differently: found without a scan of the document's features
/// per rule, nor of the experiments seen per experiment.
#[test]
fn thirty_thousand_features_running_one_experiment() {
    let features = joined((0..30_000).map(|i| {
        let weights = if i == 29_999 {
            r#"{"a": 10, "b": 10}"#
        } else {
            r#"{"a": 50, "b": 50}"#
        };
        format!(
            r#""F{i}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
            "rules": [{{"experiment": {{"name": "E", "by": "UserId", "weights": {weights}}}}}]}}"#
        )
    }));
    let engine = load(&snapshot("", "", &features));
    assert!(
        engine.problems().is_empty(),
        "{:?}",
        engine.problems().first()
    );
    let found: Vec<String> = feats_edge::lint::lint(&engine, NOW)
        .iter()
        .map(|p| p.line())
        .collect();
    assert_eq!(found.len(), 1, "{:?}", found.get(..3));
    assert!(
        found[0].starts_with("/features/F29999/rules/0/experiment/name: experiment 'E' is also run by feature 'F0' (rule 0)"),
        "{found:?}"
    );
}

/// Every problem's pointer repeats the name of its feature, segment or
/// activation, so a long name with many bad rules made a list of problems
/// thousands of times the size of the text (an 8 MiB name with 10 000 bad
/// rules: ~80 GB). Each now lists its problems up to 1 KiB plus eight
/// times its own text, then says at its place how many more it found;
/// others are listed as before.
#[test]
fn problems_of_a_long_name_are_listed_within_a_budget() {
    let long = "x".repeat(64 * 1024);
    let ones = joined((0..2000).map(|_| "1".to_owned()));
    let text = snapshot(
        &format!(r#", "S{long}": {{"from": {{"user": "{{id}}"}}, "options": [{ones}]}}"#),
        &format!(r#""A{long}": {{"when": {{"all": [{ones}]}}}}"#),
        &format!(
            r#""F{long}": {{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [{ones}]}},
               "G": {{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [1, 2, {{"serve": "b"}}]}}"#
        ),
    );
    let engine = load(&text);
    let problems = engine.problems();
    let bytes: usize = problems
        .iter()
        .map(|p| p.path.len() + p.message.len())
        .sum();
    assert!(
        bytes < 9 * text.len(),
        "{bytes} bytes of problems for {} of text",
        text.len()
    );
    let short: Vec<String> = problems
        .iter()
        .map(|p| p.line().replace(&long, "…"))
        .collect();
    for owner in ["/segments/S…", "/activations/A…", "/features/F…"] {
        let mine: Vec<&String> = short.iter().filter(|l| l.starts_with(owner)).collect();
        // The name's problem (longer than 128 characters), then the 2 000 bad entries'.
        let listed = mine.len() - 1;
        assert!((2..100).contains(&listed), "{owner}: {mine:?}");
        assert!(mine[0].contains("a name must be at most 128 characters long"));
        assert_eq!(
            mine[listed],
            &format!(
                "{owner}: {} more problems here are not listed",
                2001 - listed
            ),
            "{mine:?}"
        );
    }
    let g: Vec<&String> = short
        .iter()
        .filter(|l| l.starts_with("/features/G"))
        .collect();
    assert_eq!(g.len(), 3, "{g:?}");
    assert_eq!(
        reason(&engine, "G", r#"{"user": {"id": "u"}}"#, NOW),
        "ERROR"
    );
}

/// A feature that refers to a broken activation says so at its reference;
/// the activation's own problems, listed at load at its place, are not
/// charged to the feature's budget again (they once filled it, and hid the
/// feature's own problems behind "N more").
#[test]
fn an_activations_problems_do_not_spend_a_features_budget() {
    let nope = joined((0..60).map(|i| format!(r#"{{"segment": "Nope{i}", "exists": true}}"#)));
    let text = snapshot(
        "",
        &format!(r#""A": {{"when": {{"all": [{nope}]}}}}"#),
        r#""F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
             "rules": [{"when": {"activation": "A"}, "serve": "b"}, {"serve": "zzz"}]}"#,
    );
    let found = lines(&load(&text));
    assert_eq!(found.len(), 62, "{found:?}");
    assert!(found[..60]
        .iter()
        .all(|l| l.starts_with("/activations/A/when/all/")));
    assert_eq!(
        &found[60..],
        [
            "/features/F/rules/0/when/activation: the activation 'A' has problems (see /activations/A)",
            "/features/F/rules/1/serve: unknown implementation 'zzz'; this feature has 'a', 'b'",
        ]
    );
}

/// `validate` on 94 `not`s around an activation (2 KB): each `not` asked
/// both whether what it wraps always holds and when it may, and each of
/// those asked the same of the next `not`, a Fibonacci number of times.
/// Now each condition is analysed once.
#[test]
fn validate_of_nested_nots_around_an_activation() {
    let when = (0..94).fold(r#"{"activation": "A"}"#.to_owned(), |c, _| {
        format!(r#"{{"not": {c}}}"#)
    });
    let engine = load(&snapshot(
        "",
        r#""A": {"when": {"after": "2020-01-01T00:00:00Z"}}"#,
        &format!(
            r#""F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                 "rules": [{{"when": {when}, "serve": "b"}}]}}"#
        ),
    ));
    assert!(engine.problems().is_empty(), "{:?}", engine.problems());
    // An even number of `not`s: the rule applies as the activation does,
    // since 2020 for every context; nothing is warned about.
    let found: Vec<String> = feats_edge::lint::lint(&engine, NOW)
        .iter()
        .map(|p| p.line())
        .collect();
    assert_eq!(found, Vec::<String>::new());
}

/// `validate` on 50 features whose `in` lists hold 10 000 values, the
/// last of each one of the first again: values given twice are found with
/// a set of those seen (comparing each value with every other would be
/// 2.5 billion comparisons).
#[test]
fn validate_of_in_lists_of_ten_thousand_values() {
    let features = joined((0..50).map(|i| {
        let values = joined(
            (0..9_999)
                .map(|k| format!(r#""u{k}""#))
                .chain(["\"u0\"".to_owned()]),
        );
        format!(
            r#""F{i}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                 "rules": [{{"when": {{"segment": "UserId", "in": [{values}]}}, "serve": "b"}}]}}"#
        )
    }));
    let engine = load(&snapshot("", "", &features));
    assert!(engine.problems().is_empty(), "{:?}", engine.problems());
    let found: Vec<String> = feats_edge::lint::lint(&engine, NOW)
        .iter()
        .map(|p| p.line())
        .collect();
    assert_eq!(found.len(), 50, "{:?}", found.get(..3));
    assert_eq!(
        found[49],
        "/features/F49/rules/0/when/in/9999: 'u0' is listed already (at \
         /features/F49/rules/0/when/in/0): a value given twice changes nothing; remove it, or \
         write the value meant"
    );
}

/// `validate` on 4 000 features that use one activation of 10 000
/// conditions (1.1 MB): each feature analysed the activation again (25 s
/// in a release build). Now an activation is analysed once, for the first
/// feature that uses it; what it refers to is warned about once.
#[test]
fn validate_of_a_long_activation_that_many_features_use() {
    let any = joined(
        (0..9_999)
            .map(|k| format!(r#"{{"segment": "UserId", "in": ["u{k}"]}}"#))
            .chain([r#"{"activation": "Never"}"#.to_owned()]),
    );
    let activations = format!(
        r#""Never": {{"when": {{"segment": "UserId", "in": []}}}}, "Many": {{"when": {{"any": [{any}]}}}}"#
    );
    let features = joined((0..4_000).map(|i| {
        format!(
            r#""F{i}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                 "rules": [{{"when": {{"activation": "Many"}}, "serve": "b"}}]}}"#
        )
    }));
    let engine = load(&snapshot("", &activations, &features));
    assert!(engine.problems().is_empty(), "{:?}", engine.problems());
    let found: Vec<String> = feats_edge::lint::lint(&engine, NOW)
        .iter()
        .map(|p| p.line())
        .collect();
    assert_eq!(
        found,
        ["/activations/Never/when/in: the activation never holds: an empty `in` list matches no value"]
    );
    let ctx = r#"{"user": {"id": "u9998"}}"#;
    assert_eq!(pick(&engine, "F3999", ctx, NOW).as_deref(), Some("b"));
}
