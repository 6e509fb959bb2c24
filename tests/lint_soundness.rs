//! `validate`'s "never reached" warnings are sound: for thousands of
//! generated pairs of rules (a `serve`, then another rule), whenever the
//! second is warned as never reached, no context of a grid that covers
//! every value the conditions name (and absent ones, and unreadable ones)
//! at any of the instants around their `after`s and `before`s reaches it.

mod common;

use common::*;
use feats_edge::lint::lint;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// A non-empty subset of `items`, as a JSON list.
    fn subset(&mut self, items: &[&str]) -> String {
        let mut chosen: Vec<String> = items
            .iter()
            .filter(|_| self.below(2) == 0)
            .map(|s| format!("{s:?}"))
            .collect();
        if chosen.is_empty() {
            chosen.push(format!("{:?}", self.pick(items)));
        }
        format!("[{}]", chosen.join(", "))
    }
}

const COUNTRIES: [&str; 5] = ["US", "CA", "MX", "FR", ""];
/// Nine members: hashed past eight.
const MANY: [&str; 9] = [
    "US",
    "CA",
    "MX",
    "FR",
    "DE",
    "NL",
    "BE",
    "a-long-country",
    "",
];
const PATTERNS: [&str; 5] = ["a", "ab", "@x.io", "b@x.io", "x"];
const BLOCKS: [&str; 4] = ["10.0.0.0/8", "10.1.0.0/16", "192.168.1.0/24", "10.1.2.3"];
const INSTANTS: [&str; 3] = [
    "2030-01-01T00:00:00Z",
    "2030-06-01T00:00:00Z",
    "2031-01-01T00:00:00Z",
];

/// A condition of at most `depth` levels of lists.
fn condition(r: &mut Rng, depth: u32) -> String {
    let kinds = if depth == 0 { 10 } else { 14 };
    match r.below(kinds) {
        0 => format!(
            r#"{{"segment": "Country", "in": {}}}"#,
            r.subset(&COUNTRIES)
        ),
        1 => format!(r#"{{"segment": "Country", "in": {}}}"#, r.subset(&MANY)),
        2 => format!(
            r#"{{"segment": "Country", "not_in": {}}}"#,
            r.subset(&COUNTRIES)
        ),
        3 => format!(
            r#"{{"segment": {:?}, "exists": {}}}"#,
            r.pick(&["Country", "Email", "Ip"]),
            r.below(2) == 0
        ),
        4 => format!(
            r#"{{"segment": "Email", {:?}: {}}}"#,
            r.pick(&["starts_with", "ends_with", "contains"]),
            r.subset(&PATTERNS)
        ),
        5 => format!(r#"{{"segment": "Ip", "cidr": {}}}"#, r.subset(&BLOCKS)),
        6 => format!(r#"{{"after": {:?}}}"#, r.pick(&INSTANTS)),
        7 => format!(r#"{{"before": {:?}}}"#, r.pick(&INSTANTS)),
        8 => format!(r#"{{"activation": {:?}}}"#, r.pick(&["A", "B"])),
        9 => format!(
            r#"{{"segment": "Score", {:?}: {}}}"#,
            r.pick(&["gt", "gte", "lt", "lte"]),
            r.pick(&["1", "2.5"])
        ),
        10 | 11 => {
            let n = r.below(3) + 1;
            let parts: Vec<String> = (0..n).map(|_| condition(r, depth - 1)).collect();
            format!(
                r#"{{{:?}: [{}]}}"#,
                r.pick(&["all", "any"]),
                parts.join(", ")
            )
        }
        _ => format!(r#"{{"not": {}}}"#, condition(r, depth - 1)),
    }
}

/// Every context of the grid, as JSON.
fn contexts() -> Vec<String> {
    let field = |name: &str, values: &[&str]| -> Vec<String> {
        values
            .iter()
            .map(|v| match *v {
                "<absent>" => String::new(),
                v => format!(r#""{name}": {v:?}"#),
            })
            .collect()
    };
    let countries = field(
        "country",
        &[
            "US",
            "CA",
            "MX",
            "FR",
            "DE",
            "a-long-country",
            "",
            "<absent>",
        ],
    );
    let emails = field("email", &["ab@x.io", "b@x.io", "x", "", "<absent>"]);
    let ips = field(
        "ip",
        &[
            "10.1.2.3",
            "10.2.0.1",
            "192.168.1.5",
            "8.8.8.8",
            "bad",
            "<absent>",
        ],
    );
    let scores = field("score", &["0", "1", "2", "2.5", "3", "x", "<absent>"]);
    let mut out = Vec::new();
    for c in &countries {
        for e in &emails {
            for i in &ips {
                for s in &scores {
                    let fields: Vec<&str> = [c, e, i, s]
                        .iter()
                        .map(|f| f.as_str())
                        .filter(|f| !f.is_empty())
                        .collect();
                    out.push(format!(r#"{{"user": {{{}}}}}"#, fields.join(", ")));
                }
            }
        }
    }
    out
}

#[test]
fn a_rule_warned_as_never_reached_is_never_reached() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let grid = contexts();
    let nows: Vec<i64> = [
        "2029-12-31T23:59:59.999Z",
        "2030-01-01T00:00:00Z",
        "2030-03-01T00:00:00Z",
        "2030-06-01T00:00:00Z",
        "2030-09-01T00:00:00Z",
        "2031-01-01T00:00:00Z",
        "2032-01-01T00:00:00Z",
    ]
    .iter()
    .map(|t| at(t))
    .collect();
    let mut warned = 0;
    for case in 0..10_000 {
        let (a, b) = (condition(&mut r, 2), condition(&mut r, 1));
        let (first, second) = (condition(&mut r, 2), condition(&mut r, 2));
        let text = format!(
            r#"{{"schema": 1,
              "segments": {{"Country": {{"from": {{"user": "{{country}}"}}}}, "Email": {{"from": {{"user": "{{email}}"}}}},
                "Ip": {{"from": {{"user": "{{ip}}"}}}}, "Score": {{"from": {{"user": "{{score}}"}}}}}},
              "activations": {{"A": {{"when": {a}}}, "B": {{"when": {b}}}}},
              "features": {{"F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": [
                {{"when": {first}, "serve": "b"}}, {{"when": {second}, "serve": "a"}}]}}}}}}"#
        );
        let engine = load(&text);
        if !engine.problems().is_empty() {
            continue; // (an activation referring to itself, say)
        }
        let never = lint(&engine, nows[0])
            .iter()
            .any(|w| w.path == "/features/F/rules/1" && w.message.contains("is never reached"));
        if !never {
            continue;
        }
        warned += 1;
        for context in &grid {
            let c = ctx(&engine, context);
            for &now in &nows {
                let e = engine.evaluate("F", &c, &mut env(now));
                assert_ne!(
                    e.rule,
                    Some(1),
                    "case {case}: rule 1 is reached for {context} at {now}, though warned as never reached:\n{text}"
                );
            }
        }
    }
    // Enough proofs to test: the generator makes many implied pairs.
    assert!(warned > 100, "only {warned} pairs warned");
}
