//! Advice on a snapshot that loads without problems but probably does not
//! do what its author meant: `feats-edge validate` prints it as warnings.
//!
//! A warning never changes evaluation (the SPEC defines what such a
//! snapshot does); it points at the place, as a problem does (the
//! condition that causes it; through activations, the rule's reference,
//! with the activations named and the place of the cause):
//! - a value of an `in` or `not_in` list given twice, or with blanks
//!   around it (`" US"`), which matches no context's `US`;
//! - a segment placeholder whose path starts with its input's name
//!   (`"user": "{user.id}"`) or has spaces around a key (`{ id }`): the
//!   segment is absent for every context meant;
//! - a rule whose condition can never hold (an empty `in`, `any` or
//!   `cidr` list; `after` not before `before`), or whose time window has
//!   already ended; and such an activation, once, at its own place;
//! - rules after one that serves every context, which are never reached
//!   (or no longer, when it does so from an instant past on), and a rule
//!   whose condition implies an earlier `serve` rule's (see the `implies` module);
//! - a rule with a condition after a split or experiment that has none and
//!   covers every unit: only contexts without the unit's segment reach it;
//! - a split or experiment whose weights are all 0, which serves no unit,
//!   or add up to at most 1 % over several implementations (fractions of 1
//!   written where percentages are meant), or to 99 % or more but less
//!   than 100 (33/33/33: the rest fall through);
//! - an experiment whose weights name one implementation alone: every unit
//!   it assigns gets that one, with nothing to compare it with;
//! - a hashed split or experiment that shares its salt and `by` with an
//!   earlier one of the same feature that has no condition: the units that
//!   reach it are those whose buckets the earlier one left, so it does not
//!   split "the rest" by its weights (some implementations may get no unit);
//! - one experiment name in several features, or in several rules of one
//!   feature, that assign units differently: the SPEC's sticky key is
//!   `experiment/unit`, so each overwrites the other's assignments (in one
//!   feature, a unit that used one rule's arm is served it by the other).
//!   (With the same implementations, weights, salt, `by` and `random` they
//!   are one experiment over several features or conditions, which is fine.)
//!
//! Only features that compiled are looked at: the others have problems.
//!
//! [`lint`] goes through the document and each feature's rules in order;
//! it says itself which rules are never (or no longer) reached, and which
//! are reached only by contexts without a split's unit. The other
//! families of warnings each have their module:
//! - `lists`: values of `in`, `not_in` and `cidr` lists;
//! - `templates`: placeholders of segments' `from`;
//! - `analysis`: conditions that never hold or whose window has ended,
//!   and those that always hold (with `place`: where a finding points,
//!   through activations);
//! - `implies`: a condition that implies an earlier `serve` rule's;
//! - `weights`: weights all 0, written as fractions, or short of 100 %;
//! - `experiments`: an experiment of one arm, and how an experiment
//!   assigns units (to warn of one name given to experiments that differ);
//! - `salts`: splits that hash as an earlier one, in the feature or in
//!   another by a default salt.

use crate::hash;
use crate::json;
use crate::model::{Action, Cond, Feature, LocalSegment};
use crate::ops::instant::format_rfc3339;
use crate::prelude::*;
use crate::{Engine, Problem};
use alloc::collections::BTreeMap;
use alloc::format;
use analysis::{Activations, Analysis, Shared};
use experiments::{one_arm, Assignment};
use implies::Implies;
use lists::listed_values;
use place::{Doc, Place};
use salts::{shadowed, shared_salt, Hashing};
use templates::{annotations_read_as_inputs, paths_outside_their_input};
use weights::{fractions, serves_none, short_of_whole, FULL};

mod analysis;
mod experiments;
mod implies;
mod lists;
mod place;
mod salts;
mod templates;
mod weights;

/// The warnings for `engine`'s snapshot at the instant `now` (ms since the
/// epoch), in a fixed order: first those about the whole document
/// (annotations read as inputs, values of `in` and `not_in` lists given
/// twice or with blanks around them, IPv4-mapped `cidr` blocks) and activations
/// that never hold or have ended, then each feature's, in document order.
#[must_use]
pub fn lint(engine: &Engine, now: i64) -> Vec<Problem> {
    let mut out = Vec::new();
    // Activations that never hold or have ended, each said once, before
    // the features' warnings (the document's order, as a rule).
    let mut ahead = Vec::new();
    let mut activations_seen = std::collections::BTreeSet::new();
    // The document, for the names of activations a finding passes through.
    let doc = json::parse(engine.text(), &json::Limits::default()).ok();
    if let Some(doc) = &doc {
        annotations_read_as_inputs(doc, &mut ahead);
        paths_outside_their_input(doc, &mut ahead);
        listed_values(engine, doc, &mut ahead);
    }
    let doc = doc.as_ref().map(Doc::new);
    // Each experiment seen so far, by name: its features, rules and
    // assignments (at most two features for each assignment: enough to
    // find one other than the feature looking).
    let mut experiments: BTreeMap<&str, Vec<(&str, usize, Assignment)>> = BTreeMap::new();
    // The first hashed rule of each (seed, `by`), for salts that two
    // features share.
    let mut salts: BTreeMap<(u64, u32), Hashing> = BTreeMap::new();
    // What each activation was found to be, for every feature that uses it.
    let mut shared = Shared::new();
    for feature in engine.features() {
        let Some(body) = &feature.body else { continue };
        let at = |rest: &str| format!("/features/{}/rules/{rest}", feature.name);
        // The rule that serves every context (since an instant past, when
        // it depends on time).
        let mut served_by: Option<(usize, Option<i64>)> = None;
        // The activations' conditions with the feature's numbering.
        let activations = Activations::new(&body.activations);
        let mut analysis = Analysis::new(&activations, &mut shared);
        let mut implies = Implies::new(&activations);
        // The `serve` rules so far whose condition can hold: rule, condition.
        let mut serves: Vec<(usize, &Cond)> = Vec::new();
        // Hashed splits with no condition so far: rule, seed, `by`, end.
        let mut unconditional: Vec<(usize, u64, u32, u16)> = Vec::new();
        // The first split or experiment with no condition whose weights
        // cover every unit: rule, the name of its `by` segment.
        let mut splits_all: Option<(usize, LocalSegment, &str)> = None;
        for (i, rule) in body.rules.iter().enumerate() {
            if let Some((j, since)) = served_by {
                let last = body.rules.len().saturating_sub(1);
                let which = if last == i {
                    format!("rule {i} is")
                } else {
                    format!("rules {i}–{last} are")
                };
                let what = body
                    .rules
                    .get(j)
                    .map_or("?", |r| served(feature, &r.action));
                out.push(warning(
                    at(&i.to_string()),
                    match since {
                        None => format!(
                            "{which} never reached: rule {j} serves {} to every context",
                            quoted(what)
                        ),
                        Some(t) => format!(
                            "{which} no longer reached: since {}, rule {j} serves {} to every \
                             context",
                            format_rfc3339(t),
                            quoted(what)
                        ),
                    },
                ));
                break;
            }
            let when = Place::rule(doc.as_ref(), &feature.name, i);
            let window = analysis.window(&rule.when, 0);
            match &window {
                Err(never) => out.push(never.warning(&when, "rule", "applies")),
                Ok(w) if w.has_ended(now) => out.push(w.ended(&when, "rule", "applies")),
                Ok(_) => {}
            }
            let always = analysis.always(&rule.when, 0);
            // A condition after such a split: the rule is reached only
            // by contexts without a unit (a catch-all there, or a rule for
            // `exists: false` of the unit, is a fallback for them, written
            // on purpose, and not said).
            let fallback = |by| always || asks_absent(&rule.when, by);
            if let Some((j, _, by)) = splits_all.filter(|&(_, s, _)| !fallback(s) && window.is_ok())
            {
                out.push(warning(
                    at(&i.to_string()),
                    format!(
                        "rule {i} is reached only by contexts without a value for segment \
                         {}: rule {j} gives every other context an implementation (its \
                         weights add up to 100%); to target contexts that have one, move this \
                         rule before rule {j}",
                        quoted(by)
                    ),
                ));
            }
            // (Past the budget, each pair would still be a call.)
            if window.is_ok() && !implies.spent() {
                let first = serves
                    .iter()
                    .find(|&&(_, when)| implies.holds(&rule.when, when));
                if let Some(&(j, _)) = first {
                    let what = body
                        .rules
                        .get(j)
                        .map_or("?", |r| served(feature, &r.action));
                    out.push(warning(
                        at(&i.to_string()),
                        format!(
                            "rule {i} is never reached: rule {j} serves {} to every context \
                             it applies to",
                            quoted(what)
                        ),
                    ));
                }
            }
            // Holds for every context from an instant past on (`after`).
            let since = match &window {
                Ok(w)
                    if !always
                        && w.exact
                        && w.end == i64::MAX
                        && w.start > i64::MIN
                        && w.start <= now =>
                {
                    Some(w.start)
                }
                _ => None,
            };
            for (a, found) in analysis.activations.drain(..) {
                let Some(place) = when.activation(&a) else {
                    continue;
                };
                if activations_seen.insert(place.ptr.clone()) {
                    match found {
                        Err(never) => ahead.push(never.warning(&place, "activation", "holds")),
                        Ok(w) if w.has_ended(now) => {
                            ahead.push(w.ended(&place, "activation", "holds"));
                        }
                        Ok(_) => {}
                    }
                }
            }
            let (kind, split, hashed) = match &rule.action {
                Action::Serve(_) => {
                    if window.is_ok() {
                        serves.push((i, &rule.when));
                    }
                    if always {
                        served_by = Some((i, None));
                    } else if let Some(t) = since {
                        served_by = Some((i, Some(t)));
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
                    let seen = experiments.entry(name).or_default();
                    // (An earlier rule of this feature too: a unit that used
                    // one rule's arm is served it by the other, whose weights
                    // may not give it, and reported so.)
                    if let Some((other, k, _)) = seen.iter().find(|(_, _, a)| *a != this) {
                        let key = quoted(&format!("{name}/<unit>"));
                        let name = quoted(name);
                        let message = if *other == feature.name {
                            format!(
                                "experiment {name} is also run by rule {k} of this feature, \
                                 which assigns units differently: the two share sticky \
                                 assignments ({key}), so a unit that used one's arm \
                                 is served it by the other; give each its own name, or the \
                                 same weights, salt, `by` and `random`"
                            )
                        } else {
                            format!(
                                "experiment {name} is also run by feature {} (rule {k}), \
                                 which assigns units differently: the two share sticky \
                                 assignments ({key}) and overwrite each other's; give \
                                 each its own name, or the same implementations, weights, \
                                 salt, `by` and `random`",
                                quoted(other)
                            )
                        };
                        out.push(warning(at(&format!("{i}/experiment/name")), message));
                    }
                    let same = || seen.iter().filter(|(_, _, a)| *a == this);
                    if same().count() < 2 && same().all(|(f, _, _)| *f != feature.name) {
                        seen.push((&feature.name, i, this));
                    }
                    let weights = doc
                        .as_ref()
                        .and_then(|d| d.features.get(feature.name.as_str()))
                        .and_then(|f| f.get("rules")?.as_array()?.get(i)?.get("experiment"))
                        .and_then(|e| e.get("weights"));
                    if let Some(message) = one_arm(feature, split, weights) {
                        out.push(warning(at(&format!("{i}/experiment/weights")), message));
                    }
                    ("experiment", split, !*random)
                }
            };
            if hashed {
                let by = body
                    .segments
                    .get(usize::from(split.by))
                    .map_or(u32::MAX, |s| s.segment);
                let experiment = match &rule.action {
                    Action::Experiment { name, .. } => Some(name.as_str()),
                    _ => None,
                };
                // A salt written in the rule (the document says; without
                // it, a salt that is the default counts as one).
                let written = doc.as_ref().and_then(|d| {
                    let rule = d
                        .features
                        .get(feature.name.as_str())?
                        .get("rules")?
                        .as_array()?
                        .get(i)?;
                    Some(rule.get(kind)?.get("salt").is_some())
                });
                let default = experiment.unwrap_or(&feature.name);
                let this = Hashing {
                    feature: &feature.name,
                    rule: i,
                    experiment,
                    default,
                    by_default: written != Some(true) && split.seed == hash::seed(default),
                };
                match salts.get(&(split.seed, by)) {
                    None => {
                        salts.insert((split.seed, by), this);
                    }
                    Some(other) => {
                        if let Some(message) = shared_salt(other, &this, engine, by) {
                            out.push(warning(at(&format!("{i}/{kind}")), message));
                        }
                    }
                }
                let earlier = unconditional
                    .iter()
                    .filter(|&&(_, seed, b, _)| seed == split.seed && b == by)
                    .max_by_key(|&&(_, _, _, end)| end);
                if let Some(&(j, _, _, from)) = earlier {
                    if let Some(message) = shadowed(feature, split, j, from) {
                        out.push(warning(at(&format!("{i}/{kind}")), message));
                    }
                }
                if always {
                    let end = split.ranges.last().map_or(0, |&(end, _)| end);
                    unconditional.push((i, split.seed, by, end));
                }
            }
            if always && splits_all.is_none() && split.ranges.last().map(|r| r.0) == Some(FULL) {
                let by = body
                    .segments
                    .get(usize::from(split.by))
                    .and_then(|s| engine.segments().get(s.segment as usize));
                splits_all = by.map(|by| (i, split.by, by.as_str()));
            }
            if serves_none(split) {
                out.push(warning(
                    at(&format!("{i}/{kind}/weights")),
                    "no implementation has a weight above 0: no unit gets an \
                     implementation, and every unit falls through to the next rule"
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
            } else if let Some((total, rest)) = short_of_whole(split) {
                out.push(warning(
                    at(&format!("{i}/{kind}/weights")),
                    format!(
                        "the weights add up to {total}%: the other {rest}% of units get none \
                         of these implementations and fall through to the next rule (weights \
                         are percentages of all units, not scaled to add up to 100)"
                    ),
                ));
            }
        }
    }
    ahead.append(&mut out);
    ahead
}

/// Whether `cond` holds only where the segment `by` is absent: it is
/// `{"exists": false}` of it, or an `all` with that among its conditions.
fn asks_absent(cond: &Cond, by: LocalSegment) -> bool {
    match cond {
        Cond::Exists(s, false) => *s == by,
        Cond::All(items) => items.iter().any(|c| asks_absent(c, by)),
        _ => false,
    }
}

fn warning(path: String, message: String) -> Problem {
    Problem { path, message }
}

/// A name or value for a message, in single quotes with what shows as a
/// blank or as nothing escaped, as problems quote them
/// ([`crate::text::push_quoted`]).
fn quoted(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    crate::text::push_quoted(&mut s, text);
    s
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

#[cfg(test)]
mod tests;
