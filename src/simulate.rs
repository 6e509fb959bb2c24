//! Rollout simulation: how N synthetic units split across a feature's
//! implementations, for `feats-edge simulate` and the playground's chart.
//!
//! The unit segment (the `by` of the feature's first split or experiment,
//! or one named) is given the values `1`, `2`, … `N`: each of its
//! placeholders the context leaves empty takes the value (all of them when
//! the context fills every one); the rest of the context stays as given.

use crate::eval::{self, Context, Env};
use crate::model::{Action, InputId, Part, SlotId};
use crate::prelude::*;
use crate::Engine;

/// The outcome of a simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simulation {
    /// The segment whose value varied.
    pub segment: String,
    /// Units per implementation, in declared order, then units that got none.
    pub counts: Vec<u64>,
}

/// Why a simulation could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimulateError {
    /// No feature of that name.
    UnknownFeature,
    /// The feature has snapshot problems.
    BrokenFeature,
    /// No segment has that name.
    NoSuchSegment,
    /// The named segment exists, but the feature does not read it.
    UnknownSegment,
    /// No segment named and the feature has no split or experiment.
    NoUnit,
}

impl SimulateError {
    /// A sentence for people.
    #[must_use]
    pub fn message(&self) -> &'static str {
        match self {
            SimulateError::UnknownFeature => "no such feature",
            SimulateError::BrokenFeature => "the feature has problems; validate the snapshot",
            SimulateError::NoSuchSegment => "no segment has that name",
            SimulateError::UnknownSegment => "the feature does not read that segment",
            SimulateError::NoUnit => {
                "the feature has no split or experiment; name the unit segment"
            }
        }
    }
}

impl SimulateError {
    /// [`SimulateError::message`], naming the segment asked for (`by`)
    /// where it is the cause: what the command line and the JavaScript
    /// engine both say.
    #[must_use]
    pub fn describe(&self, by: Option<&str>) -> String {
        // (Pushed, not formatted: `format!` adds its machinery to the wasm.)
        let head = match (self, by) {
            (SimulateError::NoSuchSegment, Some(_)) => "no segment is named ",
            (SimulateError::UnknownSegment, Some(_)) => "the feature does not read segment ",
            _ => return self.message().to_owned(),
        };
        let mut s = String::from(head);
        // Quoted as problems quote names: one holding a no-break space
        // (`'Id '`) shows what is wrong.
        crate::text::push_quoted(&mut s, by.unwrap_or_default());
        s
    }
}

/// The sentence of [`SimulateError::message`].
impl core::fmt::Display for SimulateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for SimulateError {}

/// A context whose unit slots are overridden by one value.
struct WithUnit<'a, C: ?Sized> {
    base: &'a C,
    input: InputId,
    slots: &'a [SlotId],
    value: &'a str,
}

impl<C: Context + ?Sized> Context for WithUnit<'_, C> {
    fn is_object(&self) -> bool {
        // The unit makes it one (a base that is no object gives the unit
        // alone, as the wasm's simulation does; the CLI and `engine.simulate`
        // refuse such a base first).
        true
    }
    fn has_input(&self, input: InputId) -> bool {
        input == self.input || self.base.has_input(input)
    }
    fn slot(&self, slot: SlotId) -> Option<&str> {
        if self.slots.contains(&slot) {
            Some(self.value)
        } else {
            self.base.slot(slot)
        }
    }
}

/// What a simulation varies: the feature, and the unit segment's input and
/// slots (each given the unit's value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// The feature's index.
    pub feature: usize,
    /// The unit segment's name.
    pub segment: String,
    /// The input the unit's value belongs to.
    pub input: InputId,
    /// The slots of that input the unit segment reads.
    pub slots: Vec<SlotId>,
    /// Whether the segment's value is one placeholder's value and nothing
    /// more, so that a value given to the slots is the segment's value.
    pub whole: bool,
}

impl Unit {
    /// The slots that take each synthetic unit's value, given which of the
    /// unit segment's slots the context fills (`given`): those it leaves
    /// empty, so that a placeholder it fills keeps its value (the `{org}`
    /// of `{org}:{id}`, which a condition may read too: set to the unit's
    /// number, it made a rule for one organization match no unit); every
    /// slot when it fills them all.
    #[must_use]
    pub fn varied(&self, given: impl Fn(SlotId) -> bool) -> Vec<SlotId> {
        // A loop: `collect` reads the first item apart, a second copy of
        // `given` in the WebAssembly build.
        let mut empty = Vec::new();
        for &slot in &self.slots {
            if !given(slot) {
                empty.push(slot);
            }
        }
        if empty.is_empty() {
            self.slots.clone()
        } else {
            empty
        }
    }

    /// [`Unit::varied`] for the context `base` (one that is no object fills none).
    #[must_use]
    pub fn varied_in<C: Context + ?Sized>(&self, base: &C) -> Vec<SlotId> {
        let holds = base.is_object() && base.has_input(self.input);
        self.varied(|s| holds && base.slot(s).is_some())
    }
}

/// The unit of a simulation of feature `name`: segment `by`, or the `by`
/// of the feature's first split or experiment.
///
/// # Errors
/// When the feature or segment cannot be simulated.
pub fn unit(engine: &Engine, name: &str, by: Option<&str>) -> Result<Unit, SimulateError> {
    let index = engine
        .feature_index(name)
        .ok_or(SimulateError::UnknownFeature)?;
    let feature = engine.feature(index).ok_or(SimulateError::UnknownFeature)?;
    let body = feature.body.as_ref().ok_or(SimulateError::BrokenFeature)?;
    let local = match by {
        Some(by) => {
            let id = engine
                .segments()
                .iter()
                .position(|s| s == by)
                .ok_or(SimulateError::NoSuchSegment)?;
            body.segments
                .iter()
                .position(|s| s.segment as usize == id)
                .ok_or(SimulateError::UnknownSegment)?
        }
        None => body
            .rules
            .iter()
            .find_map(|r| match &r.action {
                Action::Split(s) | Action::Experiment { split: s, .. } => Some(usize::from(s.by)),
                Action::Serve(_) => None,
            })
            .ok_or(SimulateError::NoUnit)?,
    };
    let source = body
        .segments
        .get(local)
        .ok_or(SimulateError::UnknownSegment)?;
    let (input, template) = source
        .candidates
        .first()
        .ok_or(SimulateError::UnknownSegment)?;
    // (A loop, as in `Unit::varied`: once per simulation, no `collect`.)
    let mut slots = Vec::new();
    for part in &*template.parts {
        if let Part::Slot(s) = part {
            slots.push(*s);
        }
    }
    let whole = matches!(&*template.parts, [Part::Slot(_)]);
    Ok(Unit {
        feature: index,
        segment: engine
            .segments()
            .get(source.segment as usize)
            .cloned()
            .unwrap_or_default(),
        input: *input,
        slots,
        whole,
    })
}

/// Counts per implementation (in declared order, then "none") of `units`
/// evaluations; `evaluate(n)` evaluates unit `n` (from 1) and gives the
/// implementation's index.
pub fn tally(
    implementations: usize,
    units: u64,
    mut evaluate: impl FnMut(u64) -> Option<usize>,
) -> Vec<u64> {
    let mut counts = vec![0u64; implementations + 1];
    for n in 1..=units {
        let at = evaluate(n).unwrap_or(implementations);
        if let Some(c) = counts.get_mut(at) {
            *c += 1;
        }
    }
    counts
}

/// Evaluates feature `name` for `units` synthetic units.
///
/// # Errors
/// When the feature or segment cannot be simulated.
pub fn simulate<C, E>(
    engine: &Engine,
    name: &str,
    by: Option<&str>,
    units: u64,
    base: &C,
    env: &mut E,
) -> Result<Simulation, SimulateError>
where
    C: Context + ?Sized,
    E: Env + ?Sized,
{
    let (unit, feature) = unit_of(engine, name, by)?;
    env.feature(unit.feature);
    let slots = unit.varied_in(base);
    let mut value = String::with_capacity(12);
    let counts = tally(feature.implementations.len(), units, |n| {
        value.clear();
        crate::text::push_u64(&mut value, n);
        pick(feature, &unit, &slots, base, &value, env)
    });
    Ok(Simulation {
        segment: unit.segment,
        counts,
    })
}

/// Evaluates feature `name` for the synthetic units `1..=units`, in order,
/// giving each one's implementation (its index; `None` for none) and the
/// rule that chose it (`None`: the default) to `f` (for comparing two
/// snapshots unit by unit, and for telling rules apart); returns the unit
/// segment's name.
///
/// # Errors
/// When the feature or segment cannot be simulated.
pub fn each_unit<C, E>(
    engine: &Engine,
    name: &str,
    by: Option<&str>,
    units: u64,
    base: &C,
    env: &mut E,
    f: impl FnMut(Option<usize>, Option<u32>),
) -> Result<String, SimulateError>
where
    C: Context + ?Sized,
    E: Env + ?Sized,
{
    let fill = |n: u64, value: &mut String| crate::text::push_u64(value, n);
    each(engine, name, by, units, fill, base, env, f)
}

/// [`each_unit`] for the units `values` (a segment's declared options).
///
/// # Errors
/// When the feature or segment cannot be simulated.
pub fn each_value<C, E>(
    engine: &Engine,
    name: &str,
    by: Option<&str>,
    values: &[&str],
    base: &C,
    env: &mut E,
    f: impl FnMut(Option<usize>, Option<u32>),
) -> Result<String, SimulateError>
where
    C: Context + ?Sized,
    E: Env + ?Sized,
{
    let fill = |n: u64, value: &mut String| {
        let at = usize::try_from(n - 1).unwrap_or(usize::MAX);
        value.push_str(values.get(at).copied().unwrap_or_default());
    };
    each(engine, name, by, values.len() as u64, fill, base, env, f)
}

/// Evaluates the units `1..=count`, the `n`-th unit's value written by
/// `fill(n, value)`, for [`each_unit`] and [`each_value`].
#[allow(clippy::too_many_arguments)]
fn each<C, E>(
    engine: &Engine,
    name: &str,
    by: Option<&str>,
    count: u64,
    mut fill: impl FnMut(u64, &mut String),
    base: &C,
    env: &mut E,
    mut f: impl FnMut(Option<usize>, Option<u32>),
) -> Result<String, SimulateError>
where
    C: Context + ?Sized,
    E: Env + ?Sized,
{
    let (unit, feature) = unit_of(engine, name, by)?;
    env.feature(unit.feature);
    let slots = unit.varied_in(base);
    let mut value = String::with_capacity(12);
    for n in 1..=count {
        value.clear();
        fill(n, &mut value);
        let ctx = WithUnit {
            base,
            input: unit.input,
            slots: &slots,
            value: &value,
        };
        let e = eval::evaluate(feature, &ctx, env);
        f(e.implementation.map(usize::from), e.rule);
    }
    Ok(unit.segment)
}

/// The implementation (its index; `None` for none) that feature `name`
/// gives each of `values` as the unit segment's value, the rest of the
/// context as `base` gives it. `Ok(None)` when that would not say what
/// units of that value get: when the segment's value is made of more than
/// one placeholder's value (or of text around it), or when a split or
/// experiment of the feature draws at random or hashes another segment.
///
/// # Errors
/// When the feature or segment cannot be simulated.
pub fn per_value<C, E>(
    engine: &Engine,
    name: &str,
    by: Option<&str>,
    values: &[&str],
    base: &C,
    env: &mut E,
) -> Result<Option<Vec<Option<usize>>>, SimulateError>
where
    C: Context + ?Sized,
    E: Env + ?Sized,
{
    let (unit, feature) = unit_of(engine, name, by)?;
    let body = feature.body.as_ref().ok_or(SimulateError::BrokenFeature)?;
    let id = engine.segments().iter().position(|s| *s == unit.segment);
    let hashed_by_unit = body.rules.iter().all(|r| match &r.action {
        Action::Serve(_) => true,
        Action::Split(s) => hashes(body, s, id),
        Action::Experiment { split, random, .. } => !random && hashes(body, split, id),
    });
    if !unit.whole || !hashed_by_unit {
        return Ok(None);
    }
    env.feature(unit.feature);
    let slots = unit.varied_in(base);
    let picks = values
        .iter()
        .map(|value| pick(feature, &unit, &slots, base, value, env))
        .collect();
    Ok(Some(picks))
}

/// The unit of a simulation of feature `name` (see [`unit`]) and the feature.
fn unit_of<'e>(
    engine: &'e Engine,
    name: &str,
    by: Option<&str>,
) -> Result<(Unit, &'e crate::model::Feature), SimulateError> {
    let unit = unit(engine, name, by)?;
    let feature = engine
        .feature(unit.feature)
        .ok_or(SimulateError::UnknownFeature)?;
    Ok((unit, feature))
}

/// The implementation `feature` gives `value` as the unit (in the unit
/// segment's slots `slots`), the rest of the context as `base` gives it.
fn pick<C, E>(
    feature: &crate::model::Feature,
    unit: &Unit,
    slots: &[SlotId],
    base: &C,
    value: &str,
    env: &mut E,
) -> Option<usize>
where
    C: Context + ?Sized,
    E: Env + ?Sized,
{
    let ctx = WithUnit {
        base,
        input: unit.input,
        slots,
        value,
    };
    eval::evaluate(feature, &ctx, env)
        .implementation
        .map(usize::from)
}

/// Whether `split` hashes the segment whose id is `id`.
fn hashes(body: &crate::model::Body, split: &crate::model::Split, id: Option<usize>) -> bool {
    let by = body
        .segments
        .get(usize::from(split.by))
        .map(|s| s.segment as usize);
    by.is_some() && by == id
}

#[cfg(test)]
mod tests {
    use super::tally;
    use alloc::vec;

    /// Units 1 to 7 counted by what each evaluates to: implementation 1
    /// for 1, 4, 7; none for 2, 5 (counted last); implementation 0 for 3, 6.
    #[test]
    fn tally_counts_each_implementation_then_none() {
        let counts = tally(2, 7, |n| match n % 3 {
            1 => Some(1),
            2 => None,
            _ => Some(0),
        });
        assert_eq!(counts, vec![2, 3, 2]);
        assert_eq!(tally(3, 0, |_| Some(0)), vec![0; 4]);
    }
}
