//! Hashed splits and experiments that share a salt and `by` with an
//! earlier one: after one of the same feature that has no condition, the
//! units that reach them are not split by their weights; in another
//! feature, by a salt taken by default, the same units land in the same
//! ranges of both.

use super::quoted;
use super::weights::{percent, serves_none, FULL};
use crate::model::{Feature, Split};
use crate::prelude::*;
use crate::Engine;
use alloc::format;

/// What a split whose units all have buckets from `from` up (rule `j`,
/// with the same salt and `by` and no condition, took those below) really
/// serves, when that is not its weights' shares of those units.
pub(super) fn shadowed(feature: &Feature, split: &Split, j: usize, from: u16) -> Option<String> {
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
    if same_shares(split, from) {
        // (`{"new": 50}` then `{"old": 100}`: the rest get `old`, as meant.)
        return None;
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
                format!("{} gets no unit", quoted(name))
            } else {
                format!(
                    "{} only those from {}% to {}%",
                    quoted(name),
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

/// Whether the units with buckets from `from` up get each implementation
/// (and fall through) in the shares `split`'s weights give all units.
fn same_shares(split: &Split, from: u16) -> bool {
    let (full, from) = (u64::from(FULL), u64::from(from));
    let same = |start: u64, end: u64| {
        let reaching = end.max(from).saturating_sub(start.max(from));
        reaching * full == end.saturating_sub(start) * full.saturating_sub(from)
    };
    let mut start = 0;
    for &(end, _) in &split.ranges {
        let end = u64::from(end);
        if !same(start, end) {
            return false;
        }
        start = end;
    }
    same(start, full)
}

/// A hashed split or experiment, for comparing salts across features.
pub(super) struct Hashing<'e> {
    pub(super) feature: &'e str,
    pub(super) rule: usize,
    /// The experiment's name, for an experiment.
    pub(super) experiment: Option<&'e str>,
    /// Its default salt: the experiment's name, else the feature's.
    pub(super) default: &'e str,
    /// Whether its salt is that default (given or not).
    pub(super) by_default: bool,
}

/// The warning for `this`, which hashes with the salt and `by` of `first`
/// (an earlier rule): when they are in two features and one of them took
/// its salt by default, the same units land in the same ranges of both,
/// most likely by accident (a feature named as another's experiment). Not
/// for one experiment run by several features, nor for a salt both set.
pub(super) fn shared_salt(
    first: &Hashing,
    this: &Hashing,
    engine: &Engine,
    by: u32,
) -> Option<String> {
    if first.feature == this.feature || !(first.by_default || this.by_default) {
        return None;
    }
    if first.experiment.is_some() && first.experiment == this.experiment {
        return None;
    }
    let salt = quoted(if this.by_default {
        this.default
    } else {
        first.default
    });
    let whose = |h: &Hashing| match h.experiment {
        Some(name) if h.by_default => format!("the name of its experiment {}", quoted(name)),
        None if h.by_default => "its feature's name".to_owned(),
        _ => "its `salt`".to_owned(),
    };
    let by = engine
        .segments()
        .get(by as usize)
        .map_or("?", String::as_str);
    Some(format!(
        "this rule hashes units by {} with the salt {salt} ({}), as rule {} of feature {} does \
         ({}): each unit gets the same bucket in both, so their assignments go together (the \
         units in the first ranges of one are those in the first ranges of the other); give \
         this rule a `salt` of its own, or set `salt` to {salt} in both if that is meant",
        quoted(by),
        whose(this),
        first.rule,
        quoted(first.feature),
        whose(first),
    ))
}
