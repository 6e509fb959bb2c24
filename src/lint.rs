//! Advice on a snapshot that loads without problems but probably does not
//! do what its author meant: `feats-edge validate` prints it as warnings.
//!
//! A warning never changes evaluation (the SPEC defines what such a
//! snapshot does); it points at the place, as a problem does:
//! - a rule whose condition can never hold (an empty `in`, `any` or
//!   `cidr` list; `after` not before `before`), or whose time window has
//!   already ended;
//! - rules after one that serves every context, which are never reached;
//! - a split or experiment whose weights are all 0, which serves no unit,
//!   or add up to at most 1 % over several implementations (fractions of 1
//!   written where percentages are meant);
//! - a hashed split or experiment that shares its salt and `by` with an
//!   earlier one of the same feature that has no condition: the units that
//!   reach it are those whose buckets the earlier one left, so it does not
//!   split "the rest" by its weights (some implementations may get no unit);
//! - one experiment name in several features that assign units
//!   differently: the SPEC's sticky key is `experiment/unit`, so each
//!   overwrites the other's assignments. (With the same implementations,
//!   weights, salt, `by` and `random` they are one experiment over several
//!   features, which is fine.)
//!
//! Only features that compiled are looked at: the others have problems.

use crate::model::{Action, Body, Cond, Feature, Split};
use crate::ops::instant::format_rfc3339;
use crate::prelude::*;
use crate::{Engine, Problem};
use alloc::format;

/// The warnings for `engine`'s snapshot at the instant `now` (ms since the
/// epoch), in document order.
#[must_use]
pub fn lint(engine: &Engine, now: i64) -> Vec<Problem> {
    let mut out = Vec::new();
    // Each experiment seen so far: its name, feature, rule and assignment.
    let mut experiments: Vec<(&str, &str, usize, Assignment)> = Vec::new();
    for feature in engine.features() {
        let Some(body) = &feature.body else { continue };
        let at = |rest: &str| format!("/features/{}/rules/{rest}", feature.name);
        let mut served_by: Option<usize> = None;
        let mut analysis = Analysis::new(body);
        // Hashed splits with no condition so far: rule, seed, `by`, end.
        let mut unconditional: Vec<(usize, u64, u32, u16)> = Vec::new();
        for (i, rule) in body.rules.iter().enumerate() {
            if let Some(j) = served_by {
                let last = body.rules.len().saturating_sub(1);
                let which = if last == i {
                    format!("rule {i} is")
                } else {
                    format!("rules {i}–{last} are")
                };
                out.push(warning(
                    at(&i.to_string()),
                    format!(
                        "{which} never reached: rule {j} serves '{}' to every context",
                        body.rules
                            .get(j)
                            .map_or("?", |r| served(feature, &r.action))
                    ),
                ));
                break;
            }
            match analysis.window(&rule.when, 0) {
                Err(why) => out.push(warning(
                    at(&format!("{i}/when")),
                    format!("the rule never applies: {why}"),
                )),
                Ok((_, end)) if end <= now => out.push(warning(
                    at(&format!("{i}/when")),
                    format!(
                        "the rule no longer applies: its time window ended at {}",
                        format_rfc3339(end)
                    ),
                )),
                Ok(_) => {}
            }
            let (kind, split, hashed) = match &rule.action {
                Action::Serve(_) => {
                    if analysis.always(&rule.when, 0) {
                        served_by = Some(i);
                    }
                    continue;
                }
                Action::Split(split) => ("split", split, true),
                Action::Experiment {
                    name,
                    split,
                    random,
                } => {
                    let this = Assignment::of(feature, body, split, *random);
                    if let Some((_, other, k, _)) = experiments
                        .iter()
                        .find(|(n, f, _, a)| n == name && *f != feature.name && *a != this)
                    {
                        out.push(warning(
                            at(&format!("{i}/experiment/name")),
                            format!(
                                "experiment '{name}' is also run by feature '{other}' (rule {k}), \
                                 which assigns units differently: the two share sticky \
                                 assignments ('{name}/<unit>') and overwrite each other's; give \
                                 each its own name, or the same implementations, weights, \
                                 salt, `by` and `random`"
                            ),
                        ));
                    }
                    experiments.push((name, &feature.name, i, this));
                    ("experiment", split, !*random)
                }
            };
            if hashed {
                let by = body
                    .segments
                    .get(usize::from(split.by))
                    .map_or(u32::MAX, |s| s.segment);
                let earlier = unconditional
                    .iter()
                    .filter(|&&(_, seed, b, _)| seed == split.seed && b == by)
                    .max_by_key(|&&(_, _, _, end)| end);
                if let Some(&(j, _, _, from)) = earlier {
                    if let Some(message) = shadowed(feature, split, j, from) {
                        out.push(warning(at(&format!("{i}/{kind}")), message));
                    }
                }
                if analysis.always(&rule.when, 0) {
                    let end = split.ranges.last().map_or(0, |&(end, _)| end);
                    unconditional.push((i, split.seed, by, end));
                }
            }
            if serves_none(split) {
                out.push(warning(
                    at(&format!("{i}/{kind}/weights")),
                    "every weight is 0: no unit gets an implementation, and every unit \
                     falls through to the next rule"
                        .to_owned(),
                ));
            } else if let Some(total) = fractions(split) {
                out.push(warning(
                    at(&format!("{i}/{kind}/weights")),
                    format!(
                        "the weights add up to {total}%: if they are fractions of 1, write \
                         percentages from 0 to 100 (as written, most units fall through to \
                         the next rule)"
                    ),
                ));
            }
        }
    }
    out
}

/// The total, in percent, of weights that look like fractions of 1: two
/// or more implementations sharing at most 1 % of units.
fn fractions(split: &Split) -> Option<String> {
    let &(end, _) = split.ranges.last()?;
    (split.ranges.len() > 1 && end <= 100).then(|| percent(end))
}

/// What a split whose units all have buckets from `from` up (rule `j`,
/// with the same salt and `by` and no condition, took those below) really
/// serves, when that is not its weights' shares of those units.
fn shadowed(feature: &Feature, split: &Split, j: usize, from: u16) -> Option<String> {
    if from == 0 || serves_none(split) {
        return None;
    }
    let same = format!(
        "this rule hashes units as rule {j} does (the same salt and `by`), and rule {j} has no \
         condition"
    );
    let fix = "to split the units that fall through by these weights, give this rule a `salt` \
               of its own";
    if from >= FULL {
        return Some(format!(
            "{same} and serves every unit it hashes: no unit reaches this rule's weights; {fix}"
        ));
    }
    let mut shares = Vec::new();
    let mut start = 0;
    for &(end, implementation) in &split.ranges {
        let name = feature
            .implementations
            .get(usize::from(implementation))
            .map_or("?", String::as_str);
        let first = start.max(from);
        if end > start {
            shares.push(if end <= first {
                format!("'{name}' gets no unit")
            } else {
                format!(
                    "'{name}' only those from {}% to {}%",
                    percent(first),
                    percent(end)
                )
            });
        }
        start = end;
    }
    Some(format!(
        "{same}: the units that reach this rule are those with buckets from {}% up, so {}; {fix}",
        percent(from),
        crate::text::join(&shares, ", "),
    ))
}

/// Every bucket, in basis points (100 %).
const FULL: u16 = 10_000;

/// Basis points as a percentage (`1250` is `12.5`).
fn percent(bp: u16) -> String {
    let mut s = String::new();
    crate::text::push_percent(&mut s, u64::from(bp));
    s
}

/// How an experiment assigns units: two experiments with one name and
/// the same assignment are one experiment over several features, whose
/// shared sticky assignments agree.
#[derive(PartialEq, Eq)]
struct Assignment<'e> {
    ranges: Vec<(u16, &'e str)>,
    seed: u64,
    by: u32,
    random: bool,
}

impl<'e> Assignment<'e> {
    fn of(feature: &'e Feature, body: &Body, split: &Split, random: bool) -> Self {
        Assignment {
            ranges: split
                .ranges
                .iter()
                .map(|&(end, i)| {
                    let name = feature.implementations.get(usize::from(i));
                    (end, name.map_or("", String::as_str))
                })
                .collect(),
            seed: split.seed,
            by: body
                .segments
                .get(usize::from(split.by))
                .map_or(u32::MAX, |s| s.segment),
            random,
        }
    }
}

fn warning(path: String, message: String) -> Problem {
    Problem { path, message }
}

/// The implementation a `serve` names.
fn served<'f>(feature: &'f Feature, action: &Action) -> &'f str {
    match action {
        Action::Serve(i) => feature
            .implementations
            .get(usize::from(*i))
            .map_or("?", String::as_str),
        _ => "?",
    }
}

fn serves_none(split: &Split) -> bool {
    split.ranges.last().is_none_or(|&(end, _)| end == 0)
}

/// How deep the analysis follows conditions, activations included
/// (loading refuses deeper snapshots).
const MAX_DEPTH: u32 = 512;

/// Whole-instant bounds: a condition that may hold at any time.
const ALWAYS: (i64, i64) = (i64::MIN, i64::MAX);

/// What is known of one feature's conditions. Each activation is analysed
/// once: activations that refer to the ones below several times would
/// otherwise cost exponential time, as in evaluation.
struct Analysis<'b> {
    body: &'b Body,
    windows: Vec<Option<Result<(i64, i64), &'static str>>>,
    always: Vec<Option<bool>>,
}

impl<'b> Analysis<'b> {
    fn new(body: &'b Body) -> Self {
        Analysis {
            body,
            windows: vec![None; body.activations.len()],
            always: vec![None; body.activations.len()],
        }
    }

    /// The instants `[start, end)` within which `cond` may hold, or why it
    /// never holds. Segment conditions may hold at any time; the window is
    /// an over-estimate (`any` of two windows spans both).
    fn window(&mut self, cond: &Cond, depth: u32) -> Result<(i64, i64), &'static str> {
        if depth > MAX_DEPTH {
            return Ok(ALWAYS);
        }
        match cond {
            Cond::In(_, set) if set.is_empty() => Err("an empty `in` list matches no value"),
            Cond::Text(_, _, patterns) if patterns.is_empty() => {
                Err("an empty list of patterns matches no value")
            }
            Cond::Cidr(_, blocks) if blocks.is_empty() => {
                Err("an empty `cidr` list matches no address")
            }
            Cond::After(t) => Ok((*t, i64::MAX)),
            Cond::Before(t) => Ok((i64::MIN, *t)),
            Cond::All(conds) => {
                let (mut start, mut end) = ALWAYS;
                for c in conds {
                    let (s, e) = self.window(c, depth + 1)?;
                    start = start.max(s);
                    end = end.min(e);
                }
                if start >= end {
                    Err("its `after` and `before` leave no instant between them")
                } else {
                    Ok((start, end))
                }
            }
            Cond::Any(conds) => {
                let mut hull: Option<(i64, i64)> = None;
                let mut why = "`any` of an empty list is false";
                for c in conds {
                    match self.window(c, depth + 1) {
                        Ok((s, e)) => {
                            hull = Some(hull.map_or((s, e), |(hs, he)| (hs.min(s), he.max(e))));
                        }
                        Err(w) => why = w,
                    }
                }
                hull.ok_or(why)
            }
            Cond::Not(inner) if self.always(inner, depth + 1) => {
                Err("`not` of a condition that always holds")
            }
            Cond::Activation(index) => {
                let i = usize::from(*index);
                if let Some(Some(known)) = self.windows.get(i) {
                    return *known;
                }
                let body = self.body;
                let w = match body.activations.get(i) {
                    Some(c) => self.window(c, depth + 1),
                    None => Ok(ALWAYS),
                };
                if let Some(slot) = self.windows.get_mut(i) {
                    *slot = Some(w);
                }
                w
            }
            _ => Ok(ALWAYS),
        }
    }

    /// Whether `cond` holds for every context at every instant.
    fn always(&mut self, cond: &Cond, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match cond {
            Cond::True => true,
            Cond::All(conds) => conds.iter().all(|c| self.always(c, depth + 1)),
            Cond::Any(conds) => conds.iter().any(|c| self.always(c, depth + 1)),
            Cond::Not(inner) => self.window(inner, depth + 1).is_err(),
            Cond::Activation(index) => {
                let i = usize::from(*index);
                if let Some(Some(known)) = self.always.get(i) {
                    return *known;
                }
                let body = self.body;
                let a = body
                    .activations
                    .get(i)
                    .is_some_and(|c| self.always(c, depth + 1));
                if let Some(slot) = self.always.get_mut(i) {
                    *slot = Some(a);
                }
                a
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(features: &str) -> Vec<String> {
        let text = format!(
            r#"{{"schema": 1, "segments": {{"Country": {{"from": {{"user": "{{country}}"}}}},
               "UserId": {{"from": {{"user": "{{id}}"}}}}, "Ip": {{"from": {{"user": "{{ip}}"}}}}}},
               "activations": {{"Never": {{"when": {{"segment": "Country", "in": []}}}}, "Always": {{"when": {{"all": []}}}}}},
               "features": {features}}}"#
        );
        let engine = Engine::load(&text).unwrap();
        assert_eq!(engine.problems(), &[], "{text}");
        lint(&engine, 1_800_000_000_000)
            .iter()
            .map(Problem::line)
            .collect()
    }

    fn feature(rules: &str) -> String {
        format!(
            r#"{{"F": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a", "rules": {rules}}}}}"#
        )
    }

    #[test]
    fn a_clean_snapshot_has_no_warnings() {
        let rules = r#"[{"when": {"segment": "Country", "in": ["CA"]}, "serve": "b"},
                        {"when": {"all": [{"after": "2020-01-01T00:00:00Z"}, {"before": "2100-01-01T00:00:00Z"}]}, "serve": "b"},
                        {"when": {"activation": "Always"}, "split": {"by": "UserId", "weights": {"a": 0, "b": 10}}},
                        {"serve": "a"}]"#;
        assert_eq!(warnings(&feature(rules)), Vec::<String>::new());
    }

    #[test]
    fn conditions_that_never_hold() {
        let rules = r#"[{"when": {"segment": "Country", "in": []}, "serve": "b"},
                        {"when": {"any": []}, "serve": "b"},
                        {"when": {"segment": "Ip", "cidr": []}, "serve": "b"},
                        {"when": {"segment": "Country", "starts_with": []}, "serve": "b"},
                        {"when": {"all": [{"after": "2030-01-01T00:00:00Z"}, {"before": "2029-01-01T00:00:00Z"}]}, "serve": "b"},
                        {"when": {"any": [{"activation": "Never"}, {"segment": "Country", "in": []}]}, "serve": "b"},
                        {"when": {"not": {"activation": "Always"}}, "serve": "b"},
                        {"when": {"any": [{"activation": "Never"}, {"segment": "Country", "in": ["CA"]}]}, "serve": "b"}]"#;
        assert_eq!(
            warnings(&feature(rules)),
            [
                "/features/F/rules/0/when: the rule never applies: an empty `in` list matches no value",
                "/features/F/rules/1/when: the rule never applies: `any` of an empty list is false",
                "/features/F/rules/2/when: the rule never applies: an empty `cidr` list matches no address",
                "/features/F/rules/3/when: the rule never applies: an empty list of patterns matches no value",
                "/features/F/rules/4/when: the rule never applies: its `after` and `before` leave no instant between them",
                "/features/F/rules/5/when: the rule never applies: an empty `in` list matches no value",
                "/features/F/rules/6/when: the rule never applies: `not` of a condition that always holds",
            ]
        );
    }

    #[test]
    fn a_window_that_has_ended() {
        let rules = r#"[{"when": {"before": "2025-03-01T12:00:00Z"}, "serve": "b"},
                        {"when": {"any": [{"before": "2025-01-01T00:00:00Z"}, {"before": "2026-06-01T00:00:00.250Z"}]}, "serve": "b"},
                        {"when": {"any": [{"before": "2025-01-01T00:00:00Z"}, {"segment": "Country", "in": ["CA"]}]}, "serve": "b"}]"#;
        assert_eq!(
            warnings(&feature(rules)),
            [
                "/features/F/rules/0/when: the rule no longer applies: its time window ended at 2025-03-01T12:00:00Z",
                "/features/F/rules/1/when: the rule no longer applies: its time window ended at 2026-06-01T00:00:00.250Z",
            ]
        );
    }

    #[test]
    fn rules_after_one_that_serves_everyone() {
        for (always, reached) in [
            (r#"{"serve": "b"}"#, false),
            (r#"{"when": {"all": []}, "serve": "b"}"#, false),
            (r#"{"when": {"activation": "Always"}, "serve": "b"}"#, false),
            (r#"{"when": {"not": {"any": []}}, "serve": "b"}"#, false),
            (
                r#"{"when": {"after": "2020-01-01T00:00:00Z"}, "serve": "b"}"#,
                true,
            ),
            (
                r#"{"split": {"by": "UserId", "weights": {"b": 100}}}"#,
                true,
            ),
        ] {
            let rules = format!(
                r#"[{always}, {{"when": {{"segment": "Country", "in": ["CA"]}}, "serve": "b"}}, {{"serve": "a"}}]"#
            );
            let got = warnings(&feature(&rules));
            if reached {
                assert_eq!(got, Vec::<String>::new(), "{always}");
            } else {
                assert_eq!(
                    got,
                    ["/features/F/rules/1: rules 1–2 are never reached: rule 0 serves 'b' to every context"],
                    "{always}"
                );
            }
        }
        let rules = r#"[{"serve": "b"}, {"serve": "a"}]"#;
        assert_eq!(
            warnings(&feature(rules)),
            ["/features/F/rules/1: rule 1 is never reached: rule 0 serves 'b' to every context"]
        );
    }

    #[test]
    fn weights_that_serve_no_unit() {
        let rules = r#"[{"split": {"by": "UserId", "weights": {"a": 0, "b": 0}}},
                        {"split": {"by": "UserId", "weights": {}}},
                        {"experiment": {"name": "E", "by": "UserId", "weights": {"a": 0}}}]"#;
        assert_eq!(
            warnings(&feature(rules)),
            [
                "/features/F/rules/0/split/weights: every weight is 0: no unit gets an implementation, and every unit falls through to the next rule",
                "/features/F/rules/1/split/weights: every weight is 0: no unit gets an implementation, and every unit falls through to the next rule",
                "/features/F/rules/2/experiment/weights: every weight is 0: no unit gets an implementation, and every unit falls through to the next rule",
            ]
        );
    }

    #[test]
    fn weights_written_as_fractions() {
        let rules = r#"[{"split": {"by": "UserId", "weights": {"a": 0.5, "b": 0.5}}},
                        {"experiment": {"name": "E", "by": "UserId", "weights": {"a": 0.25, "b": 0.5}}},
                        {"split": {"by": "UserId", "weights": {"a": 1}, "salt": "s2"}},
                        {"split": {"by": "UserId", "weights": {"a": 1, "b": 0.01}, "salt": "s3"}}]"#;
        assert_eq!(
            warnings(&feature(rules)),
            [
                "/features/F/rules/0/split/weights: the weights add up to 1%: if they are fractions of 1, write percentages from 0 to 100 (as written, most units fall through to the next rule)",
                "/features/F/rules/1/experiment/weights: the weights add up to 0.75%: if they are fractions of 1, write percentages from 0 to 100 (as written, most units fall through to the next rule)",
            ]
        );
    }

    #[test]
    fn an_experiment_name_in_two_features() {
        let experiment = |feature: &str, implementations: &str, extra: &str| {
            format!(
                r#""{feature}": {{"inputs": ["user"], "implementations": {implementations}, "default": "a",
                   "rules": [{{"experiment": {{"name": "E", "by": "UserId", "weights": {{"a": 50, "b": 50}}{extra}}}}}]}}"#
            )
        };
        // One experiment over two features: the same assignment everywhere.
        let same = format!(
            "{{{}, {}}}",
            experiment("F", r#"["a", "b"]"#, ""),
            experiment("G", r#"["a", "b", "c"]"#, r#", "salt": "E""#)
        );
        assert_eq!(warnings(&same), Vec::<String>::new());
        let message = "experiment 'E' is also run by feature 'F' (rule 0), which assigns units differently: the two share sticky assignments ('E/<unit>') and overwrite each other's; give each its own name, or the same implementations, weights, salt, `by` and `random`";
        for (implementations, extra) in [
            (r#"["b", "a"]"#, ""),
            (r#"["a", "b"]"#, r#", "salt": "G""#),
            (r#"["a", "b"]"#, r#", "random": true"#),
            (r#"["a", "b"]"#, r#", "by": "Country""#),
        ] {
            let extra_by = extra.replace(r#", "by": "Country""#, "");
            let g = experiment("G", implementations, &extra_by);
            let g = if extra.contains("Country") {
                g.replace(r#""by": "UserId""#, r#""by": "Country""#)
            } else {
                g
            };
            let two = format!("{{{}, {g}}}", experiment("F", r#"["a", "b"]"#, ""));
            assert_eq!(
                warnings(&two),
                [format!("/features/G/rules/0/experiment/name: {message}")],
                "{g}"
            );
        }
        // Other weights, in a second rule of the same feature as well.
        let weights = r#"{"F": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                           "rules": [{"experiment": {"name": "E", "by": "UserId", "weights": {"a": 50, "b": 50}}}]},
                          "G": {"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                           "rules": [{"experiment": {"name": "E", "by": "UserId", "weights": {"a": 50, "b": 50}}},
                                     {"experiment": {"name": "E", "by": "UserId", "weights": {"a": 10, "b": 90}}}]}}"#;
        assert_eq!(
            warnings(weights),
            [
                format!("/features/G/rules/1/experiment/name: {message}"),
                "/features/G/rules/1/experiment: this rule hashes units as rule 0 does (the same \
                 salt and `by`), and rule 0 has no condition and serves every unit it hashes: no \
                 unit reaches this rule's weights; to split the units that fall through by these \
                 weights, give this rule a `salt` of its own"
                    .to_owned()
            ]
        );
    }

    #[test]
    fn splits_that_hash_as_an_earlier_one_with_no_condition() {
        let rules = r#"[{"split": {"by": "UserId", "weights": {"a": 50}}},
                        {"split": {"by": "UserId", "weights": {"b": 30}}},
                        {"when": {"segment": "Country", "in": ["US"]}, "split": {"by": "UserId", "weights": {"a": 30, "b": 30}}},
                        {"split": {"by": "UserId", "weights": {"a": 30, "b": 30}, "salt": "own"}},
                        {"split": {"by": "Country", "weights": {"b": 90}}},
                        {"experiment": {"name": "F", "by": "UserId", "weights": {"a": 70, "b": 12.5}}}]"#;
        let tail = "to split the units that fall through by these weights, give this rule a `salt` of its own";
        assert_eq!(
            warnings(&feature(rules)),
            [
                format!("/features/F/rules/1/split: this rule hashes units as rule 0 does (the same salt and `by`), and rule 0 has no condition: the units that reach this rule are those with buckets from 50% up, so 'b' gets no unit; {tail}"),
                format!("/features/F/rules/2/split: this rule hashes units as rule 0 does (the same salt and `by`), and rule 0 has no condition: the units that reach this rule are those with buckets from 50% up, so 'a' gets no unit, 'b' only those from 50% to 60%; {tail}"),
                // An experiment named as the feature has the feature's salt.
                format!("/features/F/rules/5/experiment: this rule hashes units as rule 0 does (the same salt and `by`), and rule 0 has no condition: the units that reach this rule are those with buckets from 50% up, so 'a' only those from 50% to 70%, 'b' only those from 70% to 82.5%; {tail}"),
            ]
        );
        // An earlier split with a condition leaves units of every bucket,
        // and so does a random experiment (it hashes nothing).
        let rules = r#"[{"when": {"segment": "Country", "in": ["US"]}, "split": {"by": "UserId", "weights": {"a": 50}}},
                        {"experiment": {"name": "F", "by": "UserId", "weights": {"a": 50}, "random": true}},
                        {"split": {"by": "UserId", "weights": {"b": 30}}}]"#;
        assert_eq!(warnings(&feature(rules)), Vec::<String>::new());
    }
}
