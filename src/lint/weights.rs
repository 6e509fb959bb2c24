//! The weights of a split or experiment that cannot be what was meant:
//! all 0, fractions of 1 written where percentages are meant, or just
//! short of 100 %; and the basis points they are read in.

use crate::model::Split;
use crate::prelude::*;

pub(super) fn serves_none(split: &Split) -> bool {
    split.ranges.last().is_none_or(|&(end, _)| end == 0)
}

/// The total, in percent, of weights that look like fractions of 1: two
/// or more implementations sharing at most 1 % of units.
pub(super) fn fractions(split: &Split) -> Option<String> {
    let &(end, _) = split.ranges.last()?;
    (split.ranges.len() > 1 && end <= 100).then(|| percent(end))
}

/// The total and the rest, in percent, of the weights of two or more
/// implementations that fall just short of 100 % (99 % or more): meant
/// as every unit, as with 33/33/33 (tools that scale weights to their
/// sum read those as thirds).
pub(super) fn short_of_whole(split: &Split) -> Option<(String, String)> {
    let &(end, _) = split.ranges.last()?;
    let mut start = 0;
    let mut weighted = 0;
    for &(e, _) in &split.ranges {
        if e > start {
            weighted += 1;
        }
        start = e;
    }
    (weighted > 1 && (9_900..FULL).contains(&end)).then(|| (percent(end), percent(FULL - end)))
}

/// Every bucket, in basis points (100 %).
pub(super) const FULL: u16 = 10_000;

/// Basis points as a percentage (`1250` is `12.5`).
pub(super) fn percent(bp: u16) -> String {
    let mut s = String::new();
    crate::text::push_percent(&mut s, u64::from(bp));
    s
}
