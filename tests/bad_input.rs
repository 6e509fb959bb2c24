//! The bad-input matrix (docs/bad-input.md), natively: each row's documented
//! outcome, and never a panic.

mod common;

use common::*;
use feats_edge::{hash, Engine};

const NOW: i64 = 1_795_000_000_000;

fn refused(text: &str) -> String {
    match Engine::load(text) {
        Ok(_) => panic!("expected a refusal"),
        Err(e) => e.line(),
    }
}

#[test]
fn size_limit_is_exactly_16_mib() {
    let base = r#"{"schema": 1}"#;
    let limit = 16 * 1024 * 1024;
    let at_limit = format!("{base}{}", " ".repeat(limit - base.len()));
    assert_eq!(at_limit.len(), limit);
    assert!(Engine::load(&at_limit).is_ok());
    let over = format!("{at_limit} ");
    assert!(refused(&over).contains("16777217 bytes, more than the limit of 16 MiB"));
}

#[test]
fn list_and_depth_limits_refuse_with_a_pointer() {
    let list = format!(
        r#"{{"schema": 1, "features": {{"F": {{"implementations": [{}], "default": "a0"}}}}}}"#,
        (0..10_001)
            .map(|i| format!("\"a{i}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert_eq!(
        refused(&list).split(": over the limits").next(),
        Some("/features/F/implementations")
    );
    assert!(refused(&list).contains("more than 10000 values in one list"));
    let deep = format!(
        r#"{{"schema": 1, "meta": {}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(refused(&deep).contains("nesting deeper than 128 levels"));
    let deep_objects = format!(
        r#"{{"schema": 1, "meta": {}1{}}}"#,
        r#"{"a":"#.repeat(10_000),
        "}".repeat(10_000)
    );
    assert!(refused(&deep_objects).contains("nesting deeper than 128 levels"));
}

#[test]
fn huge_and_negative_zero_numbers() {
    let weights = |w: &str| {
        problems(&with_feature(&format!(
            r#"{{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{{"split": {{"by": "UserId", "weights": {{"b": {w}}}}}}}]}}"#
        )))
    };
    assert!(weights("1e400")[0].contains("a percentage is at most 100, found 1e400"));
    assert!(weights("1e-400")[0]
        .contains("a percentage is a number ≥ 0 with at most two decimals, found 1e-400"));
    assert!(weights("-0").is_empty(), "-0 is 0 %");
    assert!(weights("5e1").is_empty());
    // Thresholds are exact decimals, whatever their size.
    let e = load(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"when": {"segment": "Age", "gt": 1e400}, "serve": "b"}]}"#,
    ));
    assert_eq!(
        pick(&e, "F", r#"{"user": {"age": "1e401"}}"#, NOW).as_deref(),
        Some("b")
    );
    assert_eq!(
        pick(&e, "F", r#"{"user": {"age": 1e308}}"#, NOW).as_deref(),
        Some("a")
    );
    // In a context, 1e400 is JavaScript's Infinity (not a number to compare); -0 is "0".
    let d = details(&e, "F", r#"{"user": {"age": 1e400}}"#, NOW);
    assert_eq!(d.get("reason").and_then(|v| v.as_str()), Some("DEFAULT"));
    let ids = load(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"split": {"by": "UserId", "weights": {"a": 50, "b": 50}}}]}"#,
    ));
    for (raw, rendered) in [("1e400", "Infinity"), ("-0", "0"), ("-1e400", "-Infinity")] {
        let d = details(&ids, "F", &format!(r#"{{"user": {{"id": {raw}}}}}"#), NOW);
        assert_eq!(
            d.get("unit")
                .and_then(|u| u.get("value"))
                .and_then(|v| v.as_str()),
            Some(rendered)
        );
    }
}

#[test]
fn a_feature_that_refers_to_itself_through_activations() {
    let text = r#"{"schema": 1, "activations": {"Loop": {"when": {"any": [{"after": "2020-01-01T00:00:00Z"}, {"activation": "Loop"}]}}},
        "features": {"F": {"implementations": ["a", "b"], "default": "a", "rules": [{"when": {"activation": "Loop"}, "serve": "b"}]},
                     "G": {"implementations": ["a"], "default": "a"}}}"#;
    let lines = problems(text);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("activations refer to each other in a cycle: Loop → Loop")),
        "{lines:?}"
    );
    let e = load(text);
    assert_eq!(reason(&e, "F", "{}", NOW), "ERROR");
    assert_eq!(
        reason(&e, "G", "{}", NOW),
        "STATIC",
        "other features are unaffected"
    );
}

/// Activations in `layers` layers of `width`, each referring to every
/// activation of the layer below (through `all` or `any`): 2 KB of text,
/// width^layers paths from the top. Evaluation judges each activation once.
fn fanned(layers: usize, width: usize, combine: &str) -> String {
    let mut acts = vec![format!(
        r#""L0_0": {{"when": {{"segment": "Country", "in": ["CA"]}}}}"#
    )];
    let mut below = vec!["L0_0".to_owned()];
    for layer in 1..=layers {
        let names: Vec<String> = (0..width).map(|i| format!("L{layer}_{i}")).collect();
        for name in &names {
            let refs = below
                .iter()
                .map(|b| format!(r#"{{"activation": "{b}"}}"#))
                .collect::<Vec<_>>()
                .join(",");
            acts.push(format!(
                r#""{name}": {{"when": {{"{combine}": [{refs}]}}}}"#
            ));
        }
        below = names;
    }
    format!(
        r#"{{"schema": 1, "segments": {{"Country": {{"from": {{"user": "{{country}}"}}}}}},
            "activations": {{{}}},
            "features": {{"F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
              "rules": [{{"when": {{"activation": "{}"}}, "serve": "b"}}]}}}}}}"#,
        acts.join(","),
        below[0]
    )
}

#[test]
fn activations_that_fan_out_are_judged_once_each() {
    // 2^30 paths (width 2), and 3^30 through 91 activations (past the 64
    // judged in bits): minutes to forever if each reference were judged anew.
    for (width, combine) in [(2, "any"), (2, "all"), (3, "any"), (3, "all")] {
        let text = fanned(30, width, combine);
        assert!(text.len() < 20_000, "{}", text.len());
        let e = load(&text);
        assert_eq!(e.problems(), &[], "{combine} × {width}");
        assert_eq!(
            pick(&e, "F", r#"{"user": {"country": "CA"}}"#, NOW).as_deref(),
            Some("b"),
            "{combine} × {width}"
        );
        assert_eq!(
            pick(&e, "F", r#"{"user": {"country": "US"}}"#, NOW).as_deref(),
            Some("a"),
            "{combine} × {width}"
        );
        assert_eq!(
            pick(&e, "F", r#"{"user": {}}"#, NOW).as_deref(),
            Some("a"),
            "{combine} × {width}"
        );
        // `validate`'s warnings analyse each activation once too.
        assert_eq!(
            feats_edge::lint::lint(&e, NOW),
            vec![],
            "{combine} × {width}"
        );
    }
}

#[test]
fn activations_past_the_first_64_of_a_feature_are_judged_once_each_too() {
    // The first 64 a feature uses are judged in bits, the rest a byte
    // each: 70 activations used by the first rule, then a fan of 12
    // layers (4 096 paths down to the one that reads the country) that
    // the second rule uses, all of it numbered past 64. Each context
    // makes the fan judge every path but for what is known: `any` where
    // nothing holds, `all` where everything does.
    let others: Vec<String> = (0..70)
        .map(|i| format!(r#""P{i}": {{"when": {{"segment": "Plan", "in": ["p{i}"]}}}}"#))
        .collect();
    let refs: Vec<String> = (0..70)
        .map(|i| format!(r#"{{"activation": "P{i}"}}"#))
        .collect();
    for (combine, country, served) in [("any", "US", "a"), ("all", "CA", "b")] {
        let text = fanned(12, 2, combine)
            .replacen(
                r#""activations": {"#,
                &format!(r#""activations": {{{},"#, others.join(",")),
                1,
            )
            .replacen(
                r#""segments": {"#,
                r#""segments": {"Plan": {"from": {"user": "{plan}"}}, "#,
                1,
            )
            .replacen(
                r#""rules": ["#,
                &format!(
                    r#""rules": [{{"when": {{"any": [{}]}}, "serve": "a"}}, "#,
                    refs.join(",")
                ),
                1,
            );
        let e = load(&text);
        assert_eq!(e.problems(), &[], "{combine}");
        let c = ctx(
            &e,
            &format!(r#"{{"user": {{"country": "{country}", "plan": "free"}}}}"#),
        );
        let counted = Reads::new(&c);
        let ev = e.evaluate("F", &counted, &mut env(NOW));
        assert_eq!(
            e.implementation_name(0, ev.implementation),
            Some(served),
            "{combine}"
        );
        // One read for each of the 70, one for the country.
        assert_eq!(counted.count.get(), 71, "{combine}");
    }
}

/// How many problems of `owner` its last line says are not listed.
fn not_listed(line: &str, owner: &str) -> Option<usize> {
    line.strip_prefix(owner)?
        .strip_prefix(": ")?
        .strip_suffix(" more problems here are not listed")?
        .parse()
        .ok()
}

#[test]
fn messages_name_at_most_ten_choices() {
    // 10 000 implementations and 5 000 weights naming none of them: each
    // problem listed all 10 000 (400 MB of problems in all).
    let impls: Vec<String> = (0..10_000).map(|i| format!("\"i{i}\"")).collect();
    let weights: Vec<String> = (0..5_000).map(|i| format!("\"u{i}\": 0")).collect();
    let text = format!(
        r#"{{"schema": 1, "segments": {{"S": {{"from": {{"user": "{{id}}"}}, "options": [{impls}]}}}},
            "features": {{"F": {{"inputs": ["user"], "implementations": [{impls}], "default": "i0",
              "rules": [{{"when": {{"segment": "S", "in": ["x", "y"]}}, "split": {{"by": "S", "weights": {{{weights}}}}}}}]}}}}}}"#,
        impls = impls.join(","),
        weights = weights.join(",")
    );
    let lines = problems(&text);
    // 5 002 problems, listed up to the feature's budget (eight times its
    // text), then counted.
    let more = lines.last().and_then(|l| not_listed(l, "/features/F"));
    assert_eq!(
        lines.len() - 1 + more.unwrap_or(0),
        5_002,
        "{:?}",
        lines.last()
    );
    assert!(lines.len() > 1_000, "{}", lines.len());
    assert!(lines.iter().map(String::len).sum::<usize>() < 1 << 20);
    assert_eq!(
        lines[2],
        "/features/F/rules/0/split/weights/u0: unknown implementation 'u0'; this feature has \
         'i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i8', 'i9', … (10000 in all)"
    );
    assert!(
        lines.contains(
            &"/features/F/rules/0/when/in/0: 'x' is not one of the options of segment 'S' \
              ('i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i8', 'i9', … (10000 in all))"
                .to_owned()
        ),
        "{:?}",
        &lines[..3]
    );
}

#[test]
fn contexts_that_are_not_objects() {
    let e = example("shop.json");
    for ctx in ["null", "[]", "[{\"user\": {}}]", "42", "\"user\"", "true"] {
        let d = details(&e, "PaymentProcessor", ctx, NOW);
        assert_eq!(
            d.get("errorCode").and_then(|v| v.as_str()),
            Some("INVALID_CONTEXT"),
            "{ctx}"
        );
        assert_eq!(
            d.get("implementation").and_then(|v| v.as_str()),
            Some("acme")
        );
    }
}

#[test]
fn megabyte_strings_nul_and_lone_surrogates() {
    let e = load(&with_feature(
        r#"{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [{"split": {"by": "UserId", "weights": {"a": 50, "b": 50}}}]}"#,
    ));
    let big = "x".repeat(1 << 20);
    let d = details(&e, "F", &format!(r#"{{"user": {{"id": "{big}"}}}}"#), NOW);
    let want = if hash::bucket("F", &big) < 5000 {
        "a"
    } else {
        "b"
    };
    assert_eq!(d.get("implementation").and_then(|v| v.as_str()), Some(want));
    for (escaped, unit) in [
        (r"a\u0000b", "a\0b"),
        (r"\ud800", "\u{fffd}"),
        (r"x\udc00y", "x\u{fffd}y"),
    ] {
        let d = details(
            &e,
            "F",
            &format!(r#"{{"user": {{"id": "{escaped}"}}}}"#),
            NOW,
        );
        assert_eq!(
            d.get("unit")
                .and_then(|u| u.get("value"))
                .and_then(|v| v.as_str()),
            Some(unit)
        );
        let want = if hash::bucket("F", unit) < 5000 {
            "a"
        } else {
            "b"
        };
        assert_eq!(d.get("implementation").and_then(|v| v.as_str()), Some(want));
    }
    // A megabyte string inside a snapshot is just a string.
    let text = format!(
        r#"{{"schema": 1, "description": "{big}", "features": {{"F": {{"implementations": ["a"], "default": "a"}}}}}}"#
    );
    assert!(Engine::load(&text).is_ok());
}

/// A template holds at most 64 placeholders (each is read and copied on
/// every evaluation: 550 000 of them rendered 550 MB from a 1 KB value),
/// and one of several parts renders at most 64 KiB: longer, it is absent
/// (a context's values may be any length).
#[test]
fn templates_are_bounded_in_placeholders_and_in_what_they_render() {
    let snapshot = |template: &str| {
        format!(
            r#"{{"schema": 1, "segments": {{"S": {{"from": {{"user": "{template}"}}}}}},
              "features": {{"F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                "rules": [{{"split": {{"by": "S", "weights": {{"b": 100}}}}}}]}}}}}}"#
        )
    };
    let at_limit = "{ua}".repeat(64);
    assert_eq!(problems(&snapshot(&at_limit)), Vec::<String>::new());
    assert_eq!(
        problems(&snapshot(&"{ua}".repeat(65))),
        vec![
            "/segments/S/from/user: the template has more than 64 placeholders",
            "/features/F/rules/0/split/by: the segment 'S' has problems (see /segments/S)"
        ]
    );
    // 64 KiB rendered is a value; a byte more is absent (the split does not apply).
    let engine = load(&snapshot("{a}-{b}"));
    let context = |a: usize| format!(r#"{{"user": {{"a": "{}", "b": "y"}}}}"#, "x".repeat(a));
    let fits = 64 * 1024 - 2;
    assert_eq!(reason(&engine, "F", &context(fits), NOW), "SPLIT");
    assert_eq!(reason(&engine, "F", &context(fits + 1), NOW), "DEFAULT");
    // A single placeholder passes its value as it is, however long.
    let whole = load(&snapshot("{a}"));
    assert_eq!(reason(&whole, "F", &context(1 << 20), NOW), "SPLIT");
}

/// A segment's problems are listed within a budget of 1 KiB plus eight
/// times its text (each problem costing about its path and message plus
/// 64 bytes), then counted, as a feature's are: a large segment lists
/// proportionally more, and never more than that. The segment's text is
/// weighed from its parsed value, so it is written compact here.
#[test]
fn a_segments_problems_are_listed_within_its_texts_budget() {
    // The last: most of the text in one string, weighed once.
    for (n, pad) in [(400, 0), (4_000, 0), (4_000, 8_000)] {
        let segment = format!(
            r#"{{"from":{{"user":"{{id}}{}"}},"options":[{}]}}"#,
            "-".repeat(pad),
            vec!["1"; n].join(",")
        );
        let text = format!(r#"{{"schema": 1, "segments": {{"S": {segment}}}, "features": {{}}}}"#);
        let lines = problems(&text);
        let (listed, last) = lines.split_at(lines.len() - 1);
        let more = not_listed(&last[0], "/segments/S");
        assert_eq!(more, Some(n - listed.len()), "{last:?}");
        let message = ": expected a string, found a number \
                       (segment values are strings: write it in quotes)";
        assert!(listed
            .iter()
            .all(|l| l.starts_with("/segments/S/options/") && l.ends_with(message)));
        // Each line is about the path, ": " and the message.
        let spent: usize = listed.iter().map(|l| l.len() - 2 + 64).sum();
        let budget = 1024 + 8 * ("S".len() + segment.len());
        assert!(
            (budget * 9 / 10..budget * 11 / 10).contains(&spent),
            "{n}, {pad}: {spent} bytes listed of a budget of {budget}"
        );
    }
}
