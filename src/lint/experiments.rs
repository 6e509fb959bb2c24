//! Experiments that cannot be compared or that overwrite each other: one
//! whose weights name one implementation alone, and how an experiment
//! assigns units, to tell one experiment run by several features or
//! rules from two that share a name (and so sticky assignments).

use super::quoted;
use super::weights::{percent, FULL};
use crate::json::Value;
use crate::model::{Body, Feature, Split};
use crate::prelude::*;
use alloc::format;

/// An experiment whose weights name one implementation alone
/// (`{"b": 100}`, `{"b": 10}`): every unit it assigns gets that one, so
/// its exposures have nothing to compare it with (the units it leaves
/// fall through, outside the experiment). Not an arm stopped with a
/// weight of 0 beside the others (`{"control": 50, "b": 0}`), which is
/// how the experiment's guide says to stop one, and not all weights 0
/// (said on their own).
pub(super) fn one_arm(feature: &Feature, split: &Split, weights: Option<&Value>) -> Option<String> {
    let named = weights?
        .as_object()?
        .iter()
        .filter(|(_, v)| v.as_number().is_some())
        .count();
    let &[(end, arm)] = split.ranges.as_slice() else {
        return None;
    };
    let name = |i: crate::model::ImplId| feature.implementations.get(usize::from(i));
    let arm = name(arm)?;
    // The default is the usual control; else any other implementation.
    let other = feature
        .default
        .and_then(name)
        .filter(|d| *d != arm)
        .or_else(|| feature.implementations.iter().find(|i| *i != arm))?;
    // The same share on each side, as far as 100 % allows.
    let each = percent(end.min(FULL / 2));
    (named == 1).then(|| {
        format!(
            "the experiment has one arm: every unit it assigns gets {}, and nothing in it can \
             be compared with that; give the implementation to compare with a weight too \
             (\"{other}\": {each}, \"{arm}\": {each}), or make the rule a split",
            quoted(arm)
        )
    })
}

/// How an experiment assigns units: two experiments with one name and
/// the same assignment are one experiment over several features, whose
/// shared sticky assignments agree.
#[derive(PartialEq, Eq)]
pub(super) struct Assignment<'e> {
    ranges: Vec<(u16, &'e str)>,
    seed: u64,
    by: u32,
    random: bool,
}

impl<'e> Assignment<'e> {
    pub(super) fn of(feature: &'e Feature, body: &Body, split: &Split, random: bool) -> Self {
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
