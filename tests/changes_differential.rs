//! `changes::changed` against evaluation: pairs of snapshots (one a random
//! mutation of the other, each written out with its own key order,
//! spacing, number spellings and annotations) are evaluated for many
//! contexts, clocks and sticky maps, and every feature that evaluates
//! differently must be said to have changed. A snapshot only written
//! otherwise must change no feature that is alike in itself.
//!
//! Seeded and bounded: the same cases on every run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};

use feats_edge::changes::{self, Changes};
use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::{json, Engine};

/// SplitMix64: small, seeded, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A JSON document to mutate: numbers keep their value as text, objects
/// their members in order, duplicates included.
#[derive(Clone, Debug, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn from_value(v: &json::Value) -> J {
    match v {
        json::Value::Null => J::Null,
        json::Value::Bool(b) => J::Bool(*b),
        json::Value::Number(n) => J::Num(n.as_str().to_owned()),
        json::Value::String(s) => J::Str(s.to_string()),
        json::Value::Array(items) => J::Arr(items.iter().map(from_value).collect()),
        json::Value::Object(members) => J::Obj(
            members
                .iter()
                .map(|(k, v)| (k.to_string(), from_value(v)))
                .collect(),
        ),
    }
}

fn parse(text: &str) -> J {
    from_value(&json::parse(text, &json::Limits::default()).unwrap())
}

const BASE: &str = r#"{
 "schema": 1, "revision": "r1",
 "segments": {
   "Country": {"description": "ISO", "from": {"user": "{country}", "address": "{country}"}},
   "UserId": {"from": {"user": "{id}"}},
   "Team": {"from": {"user": "{team}-{id}"}},
   "Plan": {"from": {"user": "{plan}"}, "options": ["free", "pro", "enterprise"]},
   "Age": {"from": {"user": "{age}"}},
   "Version": {"from": {"request": "{version}"}},
   "Ip": {"from": {"request": "{ip}"}},
   "Device": {"from": {"request": "{device}"}, "options": ["ios", "android", "web"]},
   "Request": {"from": {"request": "{id}"}},
   "Nested": {"from": {"user": "{address.country}"}}
 },
 "activations": {
   "Office": {"when": {"segment": "Ip", "cidr": ["10.0.0.0/8", "2001:db8::/32"]}},
   "Staff": {"when": {"any": [{"activation": "Office"}, {"segment": "Plan", "in": ["enterprise"]}]}},
   "Launched": {"when": {"after": "2026-01-01T00:00:00Z"}},
   "Window": {"when": {"all": [{"after": "2025-06-01T00:00:00Z"}, {"before": "2026-06-01T00:00:00Z"}]}},
   "Adult": {"when": {"segment": "Age", "gte": 18}},
   "Modern": {"when": {"segment": "Version", "version_gte": "2.0.0"}},
   "Local": {"when": {"segment": "Country", "in": ["CA", "US"]}},
   "StaffLaunched": {"when": {"all": [{"activation": "Staff"}, {"activation": "Launched"}]}}
 },
 "features": {
   "Checkout": {"inputs": ["user"], "implementations": ["old", "new", "beta"], "default": "old",
     "rules": [{"when": {"segment": "Country", "in": ["CA"]}, "serve": "new"},
               {"when": {"segment": "Country", "in": ["US"]},
                "split": {"by": "UserId", "weights": {"beta": 25, "new": 50}}}]},
   "Dark": {"type": "boolean", "inputs": ["user", "request"], "default": false,
     "rules": [{"when": {"activation": "Staff"}, "serve": true},
               {"when": {"activation": "Modern"}, "serve": "true"}]},
   "Pricing": {"inputs": ["user"], "implementations": ["a", "b", "c"], "default": "a",
     "rules": [{"when": {"activation": "Adult"},
                "experiment": {"name": "price-1", "by": "UserId", "weights": {"a": 33.33, "b": 33.33, "c": 33.34}}}]},
   "Lottery": {"inputs": ["user"], "implementations": ["x", "y"], "default": "x",
     "rules": [{"experiment": {"name": "lot", "by": "UserId", "weights": {"y": 50}, "random": true, "salt": "s1"}}]},
   "Promo": {"inputs": ["request", "user"], "implementations": ["none", "banner"], "default": "none", "enabled": true,
     "rules": [{"when": {"all": [{"activation": "Window"}, {"not": {"segment": "Device", "in": ["web"]}}]}, "serve": "banner"},
               {"when": {"segment": "Request", "starts_with": ["req-1"]},
                "split": {"by": "Request", "weights": {"banner": 10.5}, "salt": "promo"}}]},
   "Legacy": {"inputs": ["address", "user"], "implementations": ["on", "off"], "default": "off", "enabled": false,
     "rules": [{"when": {"segment": "Country", "not_in": ["FR"]}, "serve": "on"}]},
   "Regional": {"inputs": ["address", "user"], "implementations": ["on", "off"], "default": "off",
     "rules": [{"when": {"activation": "Local"}, "serve": "on"},
               {"when": {"segment": "Age", "lte": 30}, "split": {"by": "Country", "weights": {"on": 40, "off": 40}}}]},
   "Static": {"type": "boolean", "inputs": [], "default": true},
   "Gate": {"inputs": ["user", "request"], "implementations": ["closed", "open"], "default": "closed",
     "rules": [{"when": {"activation": "StaffLaunched"}, "serve": "open"},
               {"when": {"any": [{"segment": "Team", "ends_with": ["-7"]}, {"segment": "Nested", "exists": true},
                                 {"segment": "Age", "lt": 13}]}, "serve": "open"},
               {"when": {"segment": "Version", "version_lt": "1.5.0"},
                "split": {"by": "Team", "weights": {"open": 50}}}]},
   "Beta": {"inputs": ["request"], "implementations": ["off", "on"], "default": "off",
     "rules": [{"when": {"any": [{"activation": "Office"}, {"segment": "Version", "version_eq": "2.0.0-beta"}]},
                "experiment": {"name": "beta-exp", "by": "Request", "weights": {"on": 60, "off": 40}}},
               {"when": {"segment": "Device", "contains": ["o"]}, "serve": "on"}]}
 }
}"#;

/// The base with a chain of activations around the SPEC's 32 levels
/// (`D0` names `D1`, … `D33` a segment), which a feature reads.
fn deep(mut base: J) -> J {
    let J::Obj(top) = &mut base else {
        unreachable!()
    };
    for (key, section) in top.iter_mut() {
        match (key.as_str(), section) {
            ("activations", J::Obj(members)) => {
                for i in 0..34 {
                    let when = if i < 33 {
                        format!(r#"{{"when": {{"activation": "D{}"}}}}"#, i + 1)
                    } else {
                        r#"{"when": {"segment": "Country", "in": ["CA"]}}"#.to_owned()
                    };
                    members.push((format!("D{i}"), parse(&when)));
                }
            }
            ("features", J::Obj(members)) => {
                // Deep reads 32 levels (fine), Deeper 33 (too deep).
                members.push((
                    "Deep".to_owned(),
                    parse(
                        r#"{"inputs": ["user"], "implementations": ["off", "on"], "default": "off",
                            "rules": [{"when": {"activation": "D2"}, "serve": "on"},
                                      {"when": {"any": [{"activation": "D3"}, {"segment": "Age", "lt": 13}]}, "serve": "on"}]}"#,
                    ),
                ));
                members.push((
                    "Deeper".to_owned(),
                    parse(
                        r#"{"inputs": ["user"], "implementations": ["off", "on"], "default": "on",
                            "rules": [{"when": {"activation": "D1"}, "serve": "off"}]}"#,
                    ),
                ));
            }
            _ => {}
        }
    }
    base
}

/// Names and values mutations draw from: what the base uses, and near
/// misses of it.
const STRINGS: &[&str] = &[
    "Country",
    "UserId",
    "Team",
    "Plan",
    "Age",
    "Version",
    "Ip",
    "Device",
    "Request",
    "Nested",
    "Office",
    "Staff",
    "Launched",
    "Window",
    "Adult",
    "Modern",
    "Local",
    "StaffLaunched",
    "Checkout",
    "Dark",
    "Pricing",
    "Promo",
    "Gate",
    "New",
    "Other",
    "old",
    "new",
    "beta",
    "a",
    "b",
    "c",
    "x",
    "y",
    "on",
    "off",
    "open",
    "closed",
    "none",
    "banner",
    "true",
    "false",
    "boolean",
    "multi",
    "user",
    "request",
    "address",
    "meta",
    "description",
    "CA",
    "US",
    "FR",
    "DE",
    "",
    "free",
    "pro",
    "enterprise",
    "ios",
    "web",
    "req-1",
    "-7",
    "o",
    "1.5.0",
    "2.0.0",
    "2.0.0-beta",
    "10.0.0",
    "2",
    "1.10.0",
    "10.0.0.0/8",
    "2001:db8::/32",
    "192.168.0.0/16",
    "10.1.2.3/32",
    "2025-06-01T00:00:00Z",
    "2026-01-01T00:00:00Z",
    "2026-06-01T00:00:00Z",
    "2026-01-01T01:00:00+01:00",
    "{country}",
    "{id}",
    "{plan}",
    "{age}",
    "{address.country}",
    "{team}-{id}",
    "{{id}}",
    "{ip}",
    "price-1",
    "lot",
    "beta-exp",
    "s1",
    "promo",
];
const NUMBERS: &[&str] = &[
    "0", "1", "5", "10.5", "12.34", "13", "18", "25", "30", "33.33", "33.34", "40", "50", "60",
    "99.99", "100", "101", "-1", "0.001", "1e2", "2", "1.0",
];
const KEYS: &[&str] = &[
    "when",
    "serve",
    "split",
    "experiment",
    "by",
    "weights",
    "salt",
    "name",
    "random",
    "segment",
    "in",
    "not_in",
    "starts_with",
    "ends_with",
    "contains",
    "gt",
    "gte",
    "lt",
    "lte",
    "version_gt",
    "version_gte",
    "version_lt",
    "version_lte",
    "version_eq",
    "cidr",
    "exists",
    "after",
    "before",
    "all",
    "any",
    "not",
    "activation",
    "type",
    "inputs",
    "implementations",
    "default",
    "enabled",
    "rules",
    "from",
    "options",
    "description",
    "meta",
    "Country",
    "UserId",
    "Office",
    "Staff",
    "Checkout",
    "Gate",
    "New",
    "user",
    "request",
    "a",
    "on",
];

fn scalar(rng: &mut Rng) -> J {
    match rng.below(10) {
        0..=5 => J::Str(rng.pick(STRINGS).to_string()),
        6..=7 => J::Num(rng.pick(NUMBERS).to_string()),
        8 => J::Bool(rng.chance(50)),
        _ => J::Null,
    }
}

/// Every node's path (indices into arrays and objects), the root first.
fn paths(j: &J, at: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(at.clone());
    let children: Vec<&J> = match j {
        J::Arr(items) => items.iter().collect(),
        J::Obj(members) => members.iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    for (i, child) in children.into_iter().enumerate() {
        at.push(i);
        paths(child, at, out);
        at.pop();
    }
}

fn node<'a>(j: &'a mut J, path: &[usize]) -> &'a mut J {
    match path.split_first() {
        None => j,
        Some((&i, rest)) => match j {
            J::Arr(items) => node(&mut items[i], rest),
            J::Obj(members) => node(&mut members[i].1, rest),
            _ => unreachable!(),
        },
    }
}

fn get<'a>(j: &'a J, path: &[usize]) -> &'a J {
    match path.split_first() {
        None => j,
        Some((&i, rest)) => match j {
            J::Arr(items) => get(&items[i], rest),
            J::Obj(members) => get(&members[i].1, rest),
            _ => unreachable!(),
        },
    }
}

/// A number near `n`: another value, or the same one (respelt when written).
fn near(n: &str, rng: &mut Rng) -> String {
    let v: f64 = n.parse().unwrap_or(0.0);
    let w = match rng.below(7) {
        0 => v + 1.0,
        1 => v - 1.0,
        2 => v * 2.0,
        3 => v + 0.01,
        4 => (v / 2.0 * 100.0).round() / 100.0,
        5 => 0.0,
        _ => return rng.pick(NUMBERS).to_string(),
    };
    let text = format!("{w}");
    if text.contains("e") || text.contains("inf") || text.contains("NaN") {
        "1".to_owned()
    } else {
        text
    }
}

/// One random edit somewhere in the document; returns what it did.
fn mutate(doc: &mut J, rng: &mut Rng) -> String {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    // Mostly below the sections (depth ≥ 2), where features live.
    let deep: Vec<&Vec<usize>> = all.iter().filter(|p| p.len() >= 2).collect();
    let path = (*rng.pick(&deep)).clone();
    let donor_path = rng.pick(&all).clone();
    let donor = get(doc, &donor_path).clone();
    let target = node(doc, &path);
    let what = rng.below(100);
    match target {
        J::Num(n) if what < 60 => {
            *n = near(n, rng);
            return format!("number at {path:?} -> {n}");
        }
        J::Str(s) if what < 60 => {
            *s = rng.pick(STRINGS).to_string();
            return format!("string at {path:?} -> {s}");
        }
        J::Bool(b) if what < 60 => {
            if rng.chance(70) {
                *b = !*b;
            } else {
                *target = J::Str(b.to_string());
            }
            return format!("bool at {path:?}");
        }
        J::Arr(items) if what < 60 => {
            let len = items.len();
            match rng.below(6) {
                0 if len > 0 => {
                    items.remove(rng.below(len));
                }
                1 if len > 0 => {
                    let i = rng.below(len);
                    items.insert(rng.below(len + 1), items[i].clone());
                }
                2 if len > 1 => {
                    let (i, k) = (rng.below(len), rng.below(len));
                    items.swap(i, k);
                }
                3 => items.reverse(),
                4 => items.insert(rng.below(len + 1), scalar(rng)),
                _ => items.insert(rng.below(len + 1), donor),
            }
            return format!("array at {path:?}");
        }
        J::Obj(members) if what < 60 => {
            let len = members.len();
            match rng.below(6) {
                0 if len > 0 => {
                    members.remove(rng.below(len));
                }
                1 if len > 0 => {
                    let i = rng.below(len);
                    members[i].0 = rng.pick(KEYS).to_string();
                }
                2 if len > 0 => {
                    let i = rng.below(len);
                    members.insert(rng.below(len + 1), members[i].clone());
                }
                3 => members.push((rng.pick(KEYS).to_string(), scalar(rng))),
                4 if len > 1 => {
                    let (i, k) = (rng.below(len), rng.below(len));
                    members.swap(i, k);
                }
                _ => members.push((rng.pick(KEYS).to_string(), donor)),
            }
            return format!("object at {path:?}");
        }
        _ => {}
    }
    match rng.below(5) {
        0 => *target = J::Obj(vec![("not".to_owned(), target.clone())]),
        1 => *target = J::Obj(vec![("all".to_owned(), J::Arr(vec![target.clone()]))]),
        2 => {
            *target = J::Obj(vec![(
                "any".to_owned(),
                J::Arr(vec![target.clone(), donor.clone()]),
            )])
        }
        3 => *target = scalar(rng),
        _ => *target = donor,
    }
    format!("replaced at {path:?}")
}

/// Edits that keep to the snapshot's shape: a section member renamed,
/// removed or copied, a feature's list reordered, a flag flipped.
fn targeted(doc: &mut J, rng: &mut Rng) -> String {
    let J::Obj(top) = doc else { unreachable!() };
    let sections: Vec<usize> = (0..top.len())
        .filter(|&i| matches!(top[i].1, J::Obj(ref m) if !m.is_empty()))
        .filter(|&i| ["segments", "activations", "features"].contains(&top[i].0.as_str()))
        .collect();
    let s = *rng.pick(&sections);
    let section_name = top[s].0.clone();
    let J::Obj(members) = &mut top[s].1 else {
        unreachable!()
    };
    let i = rng.below(members.len());
    let name = members[i].0.clone();
    match rng.below(8) {
        0 => {
            members[i].0 = format!("{name}2");
            format!("{section_name}/{name} renamed")
        }
        1 => {
            members.remove(i);
            format!("{section_name}/{name} removed")
        }
        2 => {
            let k = rng.below(members.len());
            let other = members[k].0.clone();
            members[i].1 = members[k].1.clone();
            format!("{section_name}/{name} given {other}'s value")
        }
        3 => {
            let copy = members[i].clone();
            members.push((rng.pick(STRINGS).to_string(), copy.1));
            format!("{section_name}/{name} copied")
        }
        _ => {
            let J::Obj(fields) = &mut members[i].1 else {
                return "nothing".to_owned();
            };
            let key = match rng.below(6) {
                0 => "enabled",
                1 => "type",
                2 => "default",
                _ => "order",
            };
            match key {
                "enabled" => {
                    let at = fields.iter().position(|(k, _)| k == "enabled");
                    match at {
                        Some(at) => {
                            if let J::Bool(b) = &mut fields[at].1 {
                                *b = !*b;
                            } else {
                                fields.remove(at);
                            }
                        }
                        None => fields.push(("enabled".to_owned(), J::Bool(false))),
                    }
                }
                "type" => {
                    let at = fields.iter().position(|(k, _)| k == "type");
                    match at {
                        Some(at) => {
                            fields.remove(at);
                        }
                        None => fields.push(("type".to_owned(), J::Str("boolean".to_owned()))),
                    }
                }
                "default" => {
                    for (k, v) in fields.iter_mut() {
                        if k == "default" {
                            *v = scalar(rng);
                        }
                    }
                }
                _ => {
                    // Reverse a list: inputs, implementations, rules, or a
                    // condition's operands.
                    let lists: Vec<usize> = (0..fields.len())
                        .filter(|&f| matches!(fields[f].1, J::Arr(_)))
                        .collect();
                    if lists.is_empty() {
                        return "nothing".to_owned();
                    }
                    let f = *rng.pick(&lists);
                    if let J::Arr(items) = &mut fields[f].1 {
                        items.reverse();
                    }
                    return format!("{section_name}/{name}/{} reversed", fields[f].0);
                }
            }
            format!("{section_name}/{name}/{key} edited")
        }
    }
}

/// How a document is written: its own key order, spacing, number
/// spellings and annotations, none of which may count.
struct Style {
    shuffle: bool,
    spaces: bool,
    respell: bool,
    annotate: bool,
    escape: bool,
}

/// Writes `s` as a JSON string, some characters as `\uXXXX` escapes
/// when `escape` gives the randomness to choose them.
fn push_string(out: &mut String, s: &str, mut escape: Option<&mut Rng>) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ if escape.as_mut().is_some_and(|rng| rng.chance(10)) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// `n` written another way with the same value: `50`, `50.0`, `5e1`,
/// `500e-1`, `0.5E+2`.
fn respell(n: &str, rng: &mut Rng) -> String {
    let (negative, body) = match n.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, n),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], body[at + 1..].parse::<i64>().unwrap_or(0)),
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{int}{frac}");
    let exp = exp - frac.len() as i64;
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        let zeros: &[&str] = &["0", "0.0", "0e5", "-0", "0.00E-3"];
        return rng.pick(zeros).to_string();
    }
    let sign = if negative { "-" } else { "" };
    let len = digits.len() as i64;
    match rng.below(5) {
        0 => format!("{sign}{digits}e{exp}"),
        1 => format!("{sign}{digits}00E{}", exp - 2),
        2 => format!("{sign}0.{digits}E+{}", exp + len),
        3 if exp >= 0 => format!("{sign}{digits}{}.0", "0".repeat(exp as usize)),
        _ => n.to_owned(),
    }
}

/// Writes `j`; `names`: its keys are names (`weights`, `from`), which
/// take no annotation.
fn write(j: &J, style: &Style, names: bool, rng: &mut Rng, out: &mut String) {
    let pad = |out: &mut String, rng: &mut Rng| {
        if style.spaces && rng.chance(30) {
            let spaces: &[&str] = &[" ", "\n", "\n  ", "\t", "\r\n "];
            out.push_str(rng.pick::<&str>(spaces));
        }
    };
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => {
            if style.respell && rng.chance(50) {
                out.push_str(&respell(n, rng));
            } else {
                out.push_str(n);
            }
        }
        J::Str(s) => push_string(out, s, style.escape.then_some(rng)),
        J::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, rng);
                write(item, style, false, rng, out);
            }
            pad(out, rng);
            out.push(']');
        }
        J::Obj(members) => {
            let mut members: Vec<(String, J)> = members.clone();
            // Keys given twice keep their order among themselves (which
            // one wins is for the engine to say).
            let unique = {
                let keys: BTreeSet<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
                keys.len() == members.len()
            };
            if style.shuffle && unique {
                for i in (1..members.len()).rev() {
                    let k = rng.below(i + 1);
                    members.swap(i, k);
                }
            }
            let has = |members: &[(String, J)], key: &str| members.iter().any(|(k, _)| k == key);
            if style.annotate && !names {
                if !has(&members, "description") && rng.chance(20) {
                    let at = rng.below(members.len() + 1);
                    members.insert(at, ("description".to_owned(), J::Str("a note".to_owned())));
                }
                if !has(&members, "meta") && rng.chance(20) {
                    let meta = parse(r#"{"owner": "growth", "ticket": 12, "tags": ["a"]}"#);
                    let at = rng.below(members.len() + 1);
                    members.insert(at, ("meta".to_owned(), meta));
                }
            }
            out.push('{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, rng);
                push_string(out, key, style.escape.then_some(&mut *rng));
                out.push(':');
                pad(out, rng);
                let keyed = !names && (key == "weights" || key == "from");
                write(value, style, keyed, rng, out);
            }
            pad(out, rng);
            out.push('}');
        }
    }
}

fn render(doc: &J, rng: &mut Rng, plain: bool) -> String {
    let style = Style {
        shuffle: !plain && rng.chance(70),
        spaces: !plain && rng.chance(50),
        respell: !plain && rng.chance(60),
        annotate: !plain && rng.chance(50),
        escape: !plain && rng.chance(20),
    };
    let mut out = String::new();
    write(doc, &style, false, rng, &mut out);
    out
}

/// Contexts: users, requests and addresses with values from the rules'
/// neighbourhood, some missing, some of another type.
fn contexts(rng: &mut Rng, n: usize) -> Vec<String> {
    const IDS: &[&str] = &[
        "1", "2", "7", "42", "u-1", "u-7", "1001", "99", "abc", "7.0",
    ];
    const COUNTRIES: &[&str] = &["\"CA\"", "\"US\"", "\"FR\"", "\"DE\"", "\"\"", "null", "5"];
    const PLANS: &[&str] = &["\"free\"", "\"pro\"", "\"enterprise\"", "\"gold\""];
    const AGES: &[&str] = &[
        "10", "13", "18", "18.0", "\"21\"", "\"abc\"", "1e2", "30", "-1",
    ];
    const VERSIONS: &[&str] = &[
        "\"1.0.0\"",
        "\"1.4.9\"",
        "\"2.0.0\"",
        "\"2.0.0-beta\"",
        "\"10.0.0\"",
        "\"x\"",
        "2",
    ];
    const IPS: &[&str] = &[
        "\"10.1.2.3\"",
        "\"192.168.0.1\"",
        "\"2001:db8::1\"",
        "\"bad\"",
        "\"::1\"",
    ];
    const DEVICES: &[&str] = &["\"ios\"", "\"android\"", "\"web\"", "\"tv\""];
    const REQUESTS: &[&str] = &["\"req-1\"", "\"req-17\"", "\"req-2\"", "\"r\""];
    let mut out = Vec::new();
    for _ in 0..n {
        let mut inputs = Vec::new();
        let member = |rng: &mut Rng, key: &str, values: &[&str], fields: &mut Vec<String>| {
            if rng.chance(85) {
                fields.push(format!("\"{key}\": {}", rng.pick(values)));
            }
        };
        if rng.chance(90) {
            let mut f = Vec::new();
            if rng.chance(90) {
                f.push(format!("\"id\": \"{}\"", rng.pick(IDS)));
            } else {
                f.push("\"id\": 7".to_owned());
            }
            member(rng, "country", COUNTRIES, &mut f);
            member(rng, "plan", PLANS, &mut f);
            member(rng, "age", AGES, &mut f);
            member(rng, "team", &["\"t1\"", "\"t2\""], &mut f);
            if rng.chance(30) {
                f.push(format!(
                    "\"address\": {{\"country\": {}}}",
                    rng.pick(COUNTRIES)
                ));
            }
            inputs.push(format!("\"user\": {{{}}}", f.join(", ")));
        } else if rng.chance(50) {
            inputs.push("\"user\": \"not an object\"".to_owned());
        }
        if rng.chance(80) {
            let mut f = Vec::new();
            member(rng, "ip", IPS, &mut f);
            member(rng, "version", VERSIONS, &mut f);
            member(rng, "device", DEVICES, &mut f);
            member(rng, "id", REQUESTS, &mut f);
            inputs.push(format!("\"request\": {{{}}}", f.join(", ")));
        }
        if rng.chance(50) {
            inputs.push(format!(
                "\"address\": {{\"country\": {}}}",
                rng.pick(COUNTRIES)
            ));
        }
        out.push(format!("{{{}}}", inputs.join(", ")));
    }
    out
}

/// Instants around those the pools name.
const NOWS: &[&str] = &[
    "2025-01-01T00:00:00Z",
    "2025-12-31T23:30:00Z",
    "2026-03-01T00:00:00Z",
    "2027-01-01T00:00:00Z",
];

/// A sticky map over the pools' experiments and units.
fn sticky(rng: &mut Rng) -> BTreeMap<String, String> {
    const EXPERIMENTS: &[&str] = &["price-1", "lot", "beta-exp", "Other", "a"];
    const UNITS: &[&str] = &[
        "1", "2", "7", "42", "u-1", "u-7", "99", "req-1", "req-17", "CA",
    ];
    const PICKS: &[&str] = &["a", "b", "c", "x", "y", "on", "off", "new", "(none)", "zzz"];
    let mut map = BTreeMap::new();
    for e in EXPERIMENTS {
        for u in UNITS {
            if rng.chance(60) {
                map.insert(format!("{e}/{u}"), rng.pick(PICKS).to_string());
            }
        }
    }
    map
}

/// What an evaluation says, without the revision (a new one alone
/// changes no feature).
fn outcome(details: &str) -> String {
    match json::parse(details, &json::Limits::default()).unwrap() {
        json::Value::Object(members) => json::Value::Object(
            members
                .into_iter()
                .filter(|(k, _)| k != "revision")
                .collect(),
        )
        .to_json(),
        other => other.to_json(),
    }
}

/// The names `changed` lists: features of `new`, then of `old`.
fn listed(old: &Engine, new: &Engine) -> BTreeSet<String> {
    let Changes { changed, removed } = changes::changed(old, new);
    let mut names = BTreeSet::new();
    for i in changed {
        names.insert(new.feature_name(i).unwrap().to_owned());
    }
    for i in removed {
        names.insert(old.feature_name(i).unwrap().to_owned());
    }
    names
}

fn names(e: &Engine) -> BTreeSet<String> {
    (0..e.feature_count())
        .map(|i| e.feature_name(i).unwrap().to_owned())
        .collect()
}

/// The first evaluation of feature `name` that differs between the two
/// snapshots, if any: (context, now, sticky, old, new).
fn difference(
    old: &Engine,
    new: &Engine,
    name: &str,
    contexts: &[json::Value],
    stickies: &[BTreeMap<String, String>],
    nows: &[i64],
) -> Option<String> {
    let randoms: [fn() -> u32; 2] = [|| 0, || 0xC000_0000];
    for c in contexts {
        let (a, b) = (JsonContext::new(old, c), JsonContext::new(new, c));
        for &now in nows {
            for sticky in stickies {
                for random in randoms {
                    let mut env = FixedEnv {
                        now,
                        sticky: sticky.clone(),
                        random,
                    };
                    let before = outcome(&old.details(name, &a, &mut env));
                    let after = outcome(&new.details(name, &b, &mut env));
                    if before != after {
                        return Some(format!(
                            "context {}\nnow {now}\nold {before}\nnew {after}",
                            c.to_json()
                        ));
                    }
                }
            }
        }
    }
    None
}

/// How many pairs; `CHANGES_CASES` and `CHANGES_SEED` run others (a
/// longer hunt), the defaults being what the suite runs.
const CASES: usize = 400;
const SEED: u64 = 0x5EED_0FC4_A96E;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn every_feature_evaluated_differently_is_said_to_have_changed() {
    let bases = [parse(BASE), deep(parse(BASE))];
    let cases = setting("CHANGES_CASES", CASES as u64) as usize;
    let mut rng = Rng(setting("CHANGES_SEED", SEED));
    let nows: Vec<i64> = NOWS
        .iter()
        .map(|t| feats_edge::ops::instant::parse_rfc3339(t).unwrap())
        .collect();
    let mut failures = Vec::new();
    let (mut compared, mut differing, mut rewritten) = (0usize, 0usize, 0usize);
    for case in 0..cases {
        // The old snapshot is itself a mutation of the base now and then,
        // so that both sides meet broken and unusual documents.
        let mut old_doc = bases[usize::from(rng.chance(25))].clone();
        for _ in 0..rng.below(3).saturating_sub(1) {
            mutate(&mut old_doc, &mut rng);
        }
        let mut new_doc = old_doc.clone();
        let mut edits = Vec::new();
        let count = rng.below(4);
        for _ in 0..count {
            edits.push(if rng.chance(70) {
                mutate(&mut new_doc, &mut rng)
            } else {
                targeted(&mut new_doc, &mut rng)
            });
        }
        let plain = rng.chance(30);
        let old_text = render(&old_doc, &mut rng, plain);
        let new_text = render(&new_doc, &mut rng, false);
        let (Ok(old), Ok(new)) = (Engine::load(&old_text), Engine::load(&new_text)) else {
            continue;
        };
        compared += 1;
        // Features compile on first use: the new snapshot's in another
        // order than the old one's (evaluated by name).
        let mut order: Vec<usize> = (0..new.feature_count()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for i in order {
            let _ = new.feature(i);
        }
        let listed = listed(&old, &new);
        if edits.is_empty() {
            // Only written otherwise: nothing changes but what is never
            // alike in the old snapshot itself, or is broken (an unknown
            // segment or activation named `description` or `meta` may
            // meet an annotation of that name: said to have changed).
            rewritten += 1;
            let never = listed_self(&old);
            let broken = |name: &String| {
                old.feature_index(name)
                    .and_then(|i| old.feature(i))
                    .is_some_and(|f| f.body.is_none())
            };
            let extra: Vec<&String> = listed
                .difference(&never)
                .filter(|name| !broken(name))
                .collect();
            if !extra.is_empty() {
                failures.push(format!(
                    "case {case}: written otherwise, yet {extra:?} listed\nOLD {old_text}\nNEW {new_text}"
                ));
            }
        }
        let limits = json::Limits::default();
        let context_texts = contexts(&mut rng, 24);
        let contexts: Vec<json::Value> = context_texts
            .iter()
            .map(|t| json::parse(t, &limits).unwrap().into_owned())
            .collect();
        let stickies = [BTreeMap::new(), sticky(&mut rng)];
        let all: BTreeSet<String> = names(&old).union(&names(&new)).cloned().collect();
        for name in all {
            let Some(diff) = difference(&old, &new, &name, &contexts, &stickies, &nows) else {
                continue;
            };
            differing += 1;
            if !listed.contains(&name) {
                failures.push(format!(
                    "case {case}: {name} evaluates differently but is not listed (listed: {listed:?})\nedits: {edits:?}\n{diff}\nOLD {old_text}\nNEW {new_text}"
                ));
            }
        }
        if failures.len() >= 3 {
            break;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The cases must have compared something.
    assert!(compared > cases / 2, "only {compared} pairs loaded");
    assert!(differing > cases / 4, "only {differing} features differed");
    assert!(
        rewritten > 10,
        "only {rewritten} pairs only written otherwise"
    );
    eprintln!(
        "{compared} pairs compared, {differing} features differing, {rewritten} only rewritten"
    );
}

fn listed_self(e: &Engine) -> BTreeSet<String> {
    listed(e, e)
}
