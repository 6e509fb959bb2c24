//! The evaluator: a compiled feature, a context and a host environment in,
//! an [`Evaluation`] out (SPEC section 2).
//!
//! Evaluation is total: it never panics and never fails; every problem is a
//! result with a reason. Time, sticky assignments and randomness come from the
//! host through [`Env`]; the context's values through [`Context`]. Nothing is
//! parsed or allocated here that could have been prepared at load, except the
//! rendering of templates that join several parts, and the record of judged
//! activations in a feature that uses more than 64 of them.
//!
//! Each activation is judged at most once per evaluation, however many
//! conditions refer to it: activations that each refer to the one below
//! twice would otherwise cost 2^depth (a 2 KB snapshot, half a second per
//! evaluation at depth 24).

use crate::prelude::*;
use alloc::borrow::Cow;

use crate::compile::MAX_PLACEHOLDERS;
use crate::hash;
use crate::model::{
    Action, Body, Cmp, Cond, Feature, ImplId, InputId, LocalSegment, Part, Rule, SegmentSource,
    SlotId, Split, UsedActivation,
};
use crate::ops::ip::parse_ip;

/// The values of a context, as the engine reads them: which inputs it holds
/// as objects and the string value of each slot (`None` when absent).
pub trait Context {
    /// Whether the context itself is a JSON object (else `INVALID_CONTEXT`).
    fn is_object(&self) -> bool;
    /// Whether the context holds this input as an object.
    fn has_input(&self, input: InputId) -> bool;
    /// The value of a slot: a string, a number as JavaScript writes it, or a
    /// boolean as `true`/`false`; `None` when missing, null, an object or an array.
    fn slot(&self, slot: SlotId) -> Option<&str>;
}

/// What the host supplies: the time, sticky assignments and randomness.
pub trait Env {
    /// Milliseconds since the Unix epoch. Asked only when a rule needs it,
    /// and expected to answer the same within one evaluation.
    fn now(&mut self) -> i64;
    /// What this experiment unit has already used, if anything: an
    /// implementation (an index into `implementations`), or, for `random`
    /// experiments, what followed a draw that fell through ([`PASSED`]).
    fn sticky(
        &mut self,
        experiment: &str,
        unit: &str,
        implementations: &[String],
    ) -> Option<Assignment>;
    /// A uniformly random 32-bit number, for `random` experiments.
    fn random(&mut self) -> u32;
    /// The implementation the caller has used, when it asks for the
    /// evaluation that served it (to record that use): a `random`
    /// experiment then takes it as its draw if it is one of its arms (a
    /// weight above 0), and falls through otherwise, instead of drawing
    /// again. `None` (the default): draw.
    #[inline]
    fn used(&self) -> Option<ImplId> {
        None
    }
    /// Which feature (its index in the snapshot) the evaluation that follows
    /// is for; the engine says so before each one. For hosts that answer
    /// [`Env::sticky`] in their own terms; nothing by default.
    #[inline]
    fn feature(&mut self, _index: usize) {}
    /// A `random` experiment's draw fell through for this unit (the
    /// evaluation carried on with the next rule). A host that records uses
    /// stores [`PASSED`] under the unit's sticky key once the result is
    /// used, so that the unit stops drawing; nothing by default.
    #[inline]
    fn passed(&mut self, _experiment: &str, _unit: &str) {}
    /// The sticky keys of the experiments [`Env::passed`] told of since
    /// [`Env::clear_noted`], for hosts that note them (the details JSON
    /// lists them as `fellThrough`); none by default.
    #[inline]
    fn noted(&self) -> &[String] {
        &[]
    }
    /// Forgets the keys noted so far.
    #[inline]
    fn clear_noted(&mut self) {}
}

/// What a sticky store holds for an experiment unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignment {
    /// The unit used this implementation, the experiment's choice.
    Implementation(ImplId),
    /// The unit's draw in a `random` experiment fell through, and it used
    /// what the rules after it gave: the experiment passes it on without
    /// drawing again. Experiments that are not `random` ignore it.
    Passed,
}

/// The value a sticky store holds for [`Assignment::Passed`]. No
/// implementation can have this name (names take no parentheses).
pub const PASSED: &str = "(none)";

/// Why an evaluation gave what it gave. New reasons may come in a minor
/// release, so a `match` needs a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// A `serve` rule matched.
    TargetingMatch,
    /// A split or experiment placed the unit.
    Split,
    /// An experiment honoured an earlier assignment.
    Sticky,
    /// No rule yielded; the default was served.
    Default,
    /// The feature has no rules; the default was served.
    Static,
    /// The feature is switched off; the default was served.
    Disabled,
    /// Something went wrong; see the [`ErrorCode`].
    Error,
}

impl Reason {
    /// The SPEC's name, e.g. `TARGETING_MATCH`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::TargetingMatch => "TARGETING_MATCH",
            Reason::Split => "SPLIT",
            Reason::Sticky => "STICKY",
            Reason::Default => "DEFAULT",
            Reason::Static => "STATIC",
            Reason::Disabled => "DISABLED",
            Reason::Error => "ERROR",
        }
    }
}

/// What went wrong when the reason is [`Reason::Error`]. New codes may
/// come in a minor release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// No feature of that name.
    FlagNotFound,
    /// The context is not a JSON object.
    InvalidContext,
    /// The feature has snapshot problems.
    ParseError,
}

impl ErrorCode {
    /// The SPEC's name, e.g. `FLAG_NOT_FOUND`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::FlagNotFound => "FLAG_NOT_FOUND",
            ErrorCode::InvalidContext => "INVALID_CONTEXT",
            ErrorCode::ParseError => "PARSE_ERROR",
        }
    }
}

/// The unit a split or experiment hashed: the segment and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit<'c> {
    /// Index of the segment in [`Engine::segments`](crate::Engine::segments).
    pub segment: u32,
    /// The segment's value for the context.
    pub value: Cow<'c, str>,
}

/// The result of one evaluation. Fields may be added in a minor release,
/// so it is built only by the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Evaluation<'e, 'c> {
    /// The chosen implementation, an index into the feature's implementations.
    pub implementation: Option<ImplId>,
    /// Why.
    pub reason: Reason,
    /// The index of the rule that decided.
    pub rule: Option<u32>,
    /// What went wrong, with [`Reason::Error`].
    pub error: Option<ErrorCode>,
    /// The unit hashed by the deciding split or experiment.
    pub unit: Option<Unit<'c>>,
    /// The deciding experiment's name.
    pub experiment: Option<&'e str>,
}

impl Evaluation<'_, '_> {
    fn plain(implementation: Option<ImplId>, reason: Reason, error: Option<ErrorCode>) -> Self {
        Evaluation {
            implementation,
            reason,
            rule: None,
            error,
            unit: None,
            experiment: None,
        }
    }

    /// The result for a feature that does not exist.
    #[must_use]
    pub fn not_found() -> Self {
        Evaluation::plain(None, Reason::Error, Some(ErrorCode::FlagNotFound))
    }
}

/// The longest value a template of several parts renders (64 KiB); a
/// longer one is absent. A template joins at most 64 placeholders, so
/// without a bound a context of long values would make each evaluation
/// copy up to 64 times their length (a 16 MiB value: 1 GiB).
pub const MAX_RENDERED: usize = 64 * 1024;

/// What is known of one context when many features are evaluated for it:
/// the values of shared segments (see
/// [`crate::model::SegmentSource::shared`]), each read once, and whether
/// each activation that holds alike in every feature (see
/// [`Body::activation_ids`]) holds, each judged once. (An activation that
/// every feature uses, with a `contains` of many patterns over a long
/// value, was judged once per feature.)
#[derive(Debug, Default)]
pub struct Memo<'c> {
    values: Vec<Option<Option<&'c str>>>,
    /// By activation id: whether it holds, once judged.
    activations: Vec<Option<bool>>,
}

impl<'c> Memo<'c> {
    /// An empty memo for a snapshot with `segments` segments and
    /// `activations` activations.
    #[must_use]
    pub fn new(segments: usize, activations: usize) -> Self {
        Memo {
            values: vec![None; segments],
            activations: vec![None; activations],
        }
    }
}

/// Evaluates one feature.
pub fn evaluate<'e, 'c, C, E>(feature: &'e Feature, ctx: &'c C, env: &mut E) -> Evaluation<'e, 'c>
where
    C: Context + ?Sized,
    E: Env + ?Sized,
{
    evaluate_with(feature, ctx, env, None)
}

/// Evaluates one feature, reading shared segment values through `memo`
/// (which must have been made for this context).
#[inline]
pub fn evaluate_with<'e, 'c, C, E>(
    feature: &'e Feature,
    ctx: &'c C,
    env: &mut E,
    memo: Option<&mut Memo<'c>>,
) -> Evaluation<'e, 'c>
where
    C: Context + ?Sized,
    E: Env + ?Sized,
{
    let Some(body) = &feature.body else {
        return Evaluation::plain(feature.default, Reason::Error, Some(ErrorCode::ParseError));
    };
    if !ctx.is_object() {
        return Evaluation::plain(
            feature.default,
            Reason::Error,
            Some(ErrorCode::InvalidContext),
        );
    }
    if !body.enabled {
        return Evaluation::plain(feature.default, Reason::Disabled, None);
    }
    let mut run = Run {
        body,
        ctx,
        env,
        memo,
        judged: Judged::default(),
        fenced: false,
    };
    for (index, rule) in body.rules.iter().enumerate() {
        if !run.holds_top(&rule.when) {
            continue;
        }
        let rule_index = u32::try_from(index).ok();
        match &rule.action {
            Action::Serve(implementation) => {
                return Evaluation {
                    rule: rule_index,
                    ..Evaluation::plain(Some(*implementation), Reason::TargetingMatch, None)
                };
            }
            Action::Split(split) => {
                let Some(unit) = run.value(split.by) else {
                    continue;
                };
                let Some(implementation) = split.pick(hash::bucket_seeded(split.seed, &unit))
                else {
                    continue;
                };
                return Evaluation {
                    implementation: Some(implementation),
                    reason: Reason::Split,
                    rule: rule_index,
                    error: None,
                    unit: Some(Unit {
                        segment: run.segment_id(split.by),
                        value: unit,
                    }),
                    experiment: None,
                };
            }
            Action::Experiment {
                name,
                split,
                random,
            } => {
                let Some(unit) = run.value(split.by) else {
                    continue;
                };
                let rest = body.rules.get(index + 1..).unwrap_or_default();
                let Some((implementation, reason)) =
                    run.assign(name, split, *random, &unit, rest, feature)
                else {
                    continue;
                };
                return Evaluation {
                    implementation: Some(implementation),
                    reason,
                    rule: rule_index,
                    error: None,
                    unit: Some(Unit {
                        segment: run.segment_id(split.by),
                        value: unit,
                    }),
                    experiment: Some(name),
                };
            }
        }
    }
    let reason = if body.rules.is_empty() {
        Reason::Static
    } else {
        Reason::Default
    };
    Evaluation::plain(feature.default, reason, None)
}

/// A split's pick for a unit by its bucket, out of line (for what is not hot).
#[inline(never)]
fn hashed(split: &Split, unit: &str) -> Option<ImplId> {
    split.pick(hash::bucket_seeded(split.seed, unit))
}

/// How deep conditions may nest at evaluation, counting through activations.
/// Loading checks every reference against 256 levels (an activation's
/// conditions must fit below each reference to it, not only the first), so
/// no loaded feature reaches this fence: it stands as a guard.
const MAX_EVAL_DEPTH: u32 = 512;

struct Run<'e, 'c, 'v, C: ?Sized, E: ?Sized> {
    body: &'e Body,
    ctx: &'c C,
    env: &'v mut E,
    memo: Option<&'v mut Memo<'c>>,
    judged: Judged,
    /// Whether the depth fence was met (see [`MAX_EVAL_DEPTH`]): an
    /// activation judged so is not kept in the memo, since it may hold at
    /// a shallower depth.
    fenced: bool,
}

/// The activations judged so far in one evaluation, and how: bits for the
/// first 64, a byte each past them (0 not judged, 1 false, 2 true).
#[derive(Default)]
struct Judged {
    known: u64,
    holds: u64,
    more: Vec<u8>,
}

impl Judged {
    #[inline]
    fn get(&self, index: u16) -> Option<bool> {
        match 1u64.checked_shl(u32::from(index)) {
            Some(bit) => (self.known & bit != 0).then_some(self.holds & bit != 0),
            None => match self.more.get(usize::from(index)) {
                Some(1) => Some(false),
                Some(2) => Some(true),
                _ => None,
            },
        }
    }

    fn set(&mut self, index: u16, holds: bool, count: usize) {
        match 1u64.checked_shl(u32::from(index)) {
            Some(bit) => {
                self.known |= bit;
                if holds {
                    self.holds |= bit;
                }
            }
            None => {
                if self.more.len() < count {
                    self.more.resize(count, 0);
                }
                if let Some(slot) = self.more.get_mut(usize::from(index)) {
                    *slot = 1 + u8::from(holds);
                }
            }
        }
    }
}

impl<'e, 'c, C: Context + ?Sized, E: Env + ?Sized> Run<'e, 'c, '_, C, E> {
    fn segment_id(&self, seg: LocalSegment) -> u32 {
        self.body
            .segments
            .get(usize::from(seg))
            .map_or(0, |s| s.segment)
    }

    /// The value of a segment for this context, `None` when absent.
    #[inline(always)]
    fn value(&mut self, seg: LocalSegment) -> Option<Cow<'c, str>> {
        let body = self.body;
        let source = body.segments.get(usize::from(seg))?;
        let Some((input, slot)) = source.shared else {
            return self.rendered(source);
        };
        let ctx = self.ctx;
        let read = || {
            if ctx.has_input(input) {
                ctx.slot(slot)
            } else {
                None
            }
        };
        let value = match self
            .memo
            .as_deref_mut()
            .and_then(|m| m.values.get_mut(source.segment as usize))
        {
            Some(known) => *known.get_or_insert_with(read),
            None => read(),
        };
        value.map(Cow::Borrowed)
    }

    /// [`Run::value`] out of line, for what is not hot.
    #[inline(never)]
    fn value_cold(&mut self, seg: LocalSegment) -> Option<Cow<'c, str>> {
        self.value(seg)
    }

    /// The value of a segment whose template depends on which input the
    /// context holds, or joins several parts.
    #[inline(never)]
    fn rendered(&self, source: &SegmentSource) -> Option<Cow<'c, str>> {
        let (_, template) = source
            .candidates
            .iter()
            .find(|(input, _)| self.ctx.has_input(*input))?;
        match &*template.parts {
            [Part::Slot(slot)] => self.ctx.slot(*slot).map(Cow::Borrowed),
            parts => {
                // Each slot read once, and the length measured first: a
                // value longer than MAX_RENDERED is absent.
                let mut values = [""; MAX_PLACEHOLDERS];
                let (mut len, mut n) = (0usize, 0);
                for part in parts {
                    len = len.saturating_add(match part {
                        Part::Text(text) => text.len(),
                        Part::Slot(slot) => {
                            let value = self.ctx.slot(*slot)?;
                            *values.get_mut(n)? = value;
                            n += 1;
                            value.len()
                        }
                    });
                }
                if len > MAX_RENDERED {
                    return None;
                }
                let mut out = String::with_capacity(len);
                let mut read = values.iter();
                for part in parts {
                    out.push_str(match part {
                        Part::Text(text) => text,
                        Part::Slot(_) => read.next()?,
                    });
                }
                Some(Cow::Owned(out))
            }
        }
    }

    /// An experiment's implementation for a unit, and why; `None` when it
    /// falls through. `rest`: the rules after it.
    #[inline(never)]
    fn assign(
        &mut self,
        name: &str,
        split: &Split,
        random: bool,
        unit: &str,
        rest: &[Rule],
        feature: &Feature,
    ) -> Option<(ImplId, Reason)> {
        match (
            self.env.sticky(name, unit, &feature.implementations),
            random,
        ) {
            (Some(Assignment::Implementation(i)), _) => Some((i, Reason::Sticky)),
            (Some(Assignment::Passed), true) => None,
            (_, false) => hashed(split, unit).map(|i| (i, Reason::Split)),
            (None, true) => {
                let drawn = self.draw(split, rest, feature);
                if drawn.is_none() {
                    self.env.passed(name, unit);
                }
                drawn.map(|i| (i, Reason::Split))
            }
        }
    }

    /// A `random` experiment's draw for a unit with nothing stored: the
    /// arm, or `None` when it falls through. Asked for the evaluation that
    /// served an implementation the caller used (see [`Env::used`]), the
    /// draw is taken as having given it: an arm that only a draw can give
    /// is that draw. An arm that the rules after the experiment (`rest`)
    /// could also give is ambiguous (drew it, or fell through to it), and
    /// is decided at random by the chance of each, so that the
    /// experiment's arms hold the share of units their weights say.
    fn draw(&mut self, split: &Split, rest: &[Rule], feature: &Feature) -> Option<ImplId> {
        let Some(used) = self.env.used() else {
            return split.pick(hash::scale_random(self.env.random()));
        };
        let weight = split.weight(used);
        if weight == 0 {
            return None;
        }
        let uncovered = hash::BUCKETS.saturating_sub(split.total());
        let otherwise = if uncovered == 0 {
            0.0
        } else {
            self.chance(rest, used, feature)
        };
        if otherwise <= 0.0 {
            return Some(used);
        }
        let weight = f64::from(weight);
        let share = weight / (weight + f64::from(uncovered) * otherwise);
        (f64::from(self.env.random()) < share * 4_294_967_296.0).then_some(used)
    }

    /// The chance that the rules `rest`, then the default, give `target`
    /// for this context: 0 or 1 but for the `random` experiments among
    /// them, whose draws are still to come.
    fn chance(&mut self, rest: &[Rule], target: ImplId, feature: &Feature) -> f64 {
        let gives = |i: ImplId| if i == target { 1.0 } else { 0.0 };
        // The chance of reaching the rule, and of `target` before it.
        let (mut reach, mut chance) = (1.0, 0.0);
        for rule in rest {
            if !self.holds(&rule.when, 0, None) {
                continue;
            }
            let (name, split, random) = match &rule.action {
                Action::Serve(i) => return chance + reach * gives(*i),
                Action::Split(split) => (None, split, false),
                Action::Experiment {
                    name,
                    split,
                    random,
                } => (Some(name), split, *random),
            };
            let Some(unit) = self.value_cold(split.by) else {
                continue;
            };
            let sticky = name.and_then(|n| self.env.sticky(n, &unit, &feature.implementations));
            match (sticky, random) {
                (Some(Assignment::Implementation(i)), _) => return chance + reach * gives(i),
                (Some(Assignment::Passed), true) => {}
                (_, false) => {
                    if let Some(i) = hashed(split, &unit) {
                        return chance + reach * gives(i);
                    }
                }
                (None, true) => {
                    let all = f64::from(hash::BUCKETS);
                    chance += reach * f64::from(split.weight(target)) / all;
                    reach *= f64::from(hash::BUCKETS.saturating_sub(split.total())) / all;
                }
            }
        }
        chance + reach * f64::from(u8::from(feature.default == Some(target)))
    }

    /// A rule's condition: the commonest kinds inline, the rest through
    /// [`Run::holds`].
    #[inline(always)]
    fn holds_top(&mut self, cond: &Cond) -> bool {
        match cond {
            Cond::True => true,
            Cond::In(seg, set) => match self.value(*seg) {
                Some(v) => set.contains(&v),
                None => false,
            },
            _ => self.holds(cond, 0, None),
        }
    }

    /// [`Run::value`] out of line, for the conditions off the fast path.
    #[inline(never)]
    fn lookup(&mut self, seg: LocalSegment) -> Option<Cow<'c, str>> {
        self.value(seg)
    }

    /// Whether `cond` holds: a rule's own (`within` none), or inside the
    /// condition of the activation `within`, whose segments and
    /// activations are numbered its own way.
    fn holds(&mut self, cond: &Cond, depth: u32, within: Option<&'e UsedActivation>) -> bool {
        if depth > MAX_EVAL_DEPTH {
            self.fenced = true;
            return false;
        }
        // The feature's segment (an index past its segments: absent).
        let seg = |s: &LocalSegment| match within {
            None => *s,
            Some(a) => a
                .segments
                .get(usize::from(*s))
                .copied()
                .unwrap_or(LocalSegment::MAX),
        };
        match cond {
            Cond::True => true,
            Cond::In(s, set) => self.lookup(seg(s)).is_some_and(|v| set.contains(&v)),
            Cond::NotIn(s, set) => self.lookup(seg(s)).is_some_and(|v| !set.contains(&v)),
            Cond::Text(s, patterns) => self.lookup(seg(s)).is_some_and(|v| patterns.match_any(&v)),
            Cond::ContainsAny(s, many) => self
                .lookup(seg(s))
                .is_some_and(|v| many.any_in(v.as_bytes())),
            Cond::Number(s, cmp, threshold) => self
                .lookup(seg(s))
                .and_then(|v| threshold.cmp_text(&v))
                .is_some_and(|ord| compares(ord, *cmp)),
            Cond::Version(s, cmp, version) => self
                .lookup(seg(s))
                .and_then(|v| version.cmp_text(&v))
                .is_some_and(|ord| compares(ord, *cmp)),
            Cond::Cidr(s, blocks) => self
                .lookup(seg(s))
                .and_then(|v| parse_ip(&v))
                .is_some_and(|ip| blocks.iter().any(|b| b.contains(ip))),
            Cond::Exists(s, want) => self.lookup(seg(s)).is_some() == *want,
            Cond::After(instant) => self.env.now() >= *instant,
            Cond::Before(instant) => self.env.now() < *instant,
            Cond::All(conds) => conds.iter().all(|c| self.holds(c, depth + 1, within)),
            Cond::Any(conds) => conds.iter().any(|c| self.holds(c, depth + 1, within)),
            Cond::Not(cond) => !self.holds(cond, depth + 1, within),
            Cond::Activation(index) => {
                // The feature's activation.
                let index = match within {
                    None => index,
                    Some(a) => match a.activations.get(usize::from(*index)) {
                        Some(i) => i,
                        None => return false,
                    },
                };
                if let Some(known) = self.judged.get(*index) {
                    return known;
                }
                let body = self.body;
                // Judged once per context for all the features evaluated.
                let id = body
                    .activation_ids
                    .get(usize::from(*index))
                    .copied()
                    .filter(|&id| id != Body::OWN);
                let known = match (id, self.memo.as_deref()) {
                    (Some(id), Some(memo)) => memo.activations.get(id as usize).copied().flatten(),
                    _ => None,
                };
                let outer = core::mem::replace(&mut self.fenced, false);
                let holds = known.unwrap_or_else(|| {
                    body.activations
                        .get(usize::from(*index))
                        .is_some_and(|a| self.holds(&a.when, depth + 1, Some(a)))
                });
                let fenced = self.fenced;
                self.fenced |= outer;
                self.judged.set(*index, holds, body.activations.len());
                if let (Some(id), None, false, Some(memo)) =
                    (id, known, fenced, self.memo.as_deref_mut())
                {
                    if let Some(slot) = memo.activations.get_mut(id as usize) {
                        *slot = Some(holds);
                    }
                }
                holds
            }
        }
    }
}

/// Whether `value ⟨cmp⟩ threshold`, given how the value orders against the threshold.
fn compares(ord: core::cmp::Ordering, cmp: Cmp) -> bool {
    use core::cmp::Ordering::{Equal, Greater, Less};
    match cmp {
        Cmp::Gt => ord == Greater,
        Cmp::Gte => ord != Less,
        Cmp::Lt => ord == Less,
        Cmp::Lte => ord != Greater,
        Cmp::Eq => ord == Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, UsedActivation};
    use alloc::boxed::Box;
    use alloc::sync::Arc;

    /// A context that is an object holding nothing.
    struct Nothing;

    impl Context for Nothing {
        fn is_object(&self) -> bool {
            true
        }
        fn has_input(&self, _: InputId) -> bool {
            false
        }
        fn slot(&self, _: SlotId) -> Option<&str> {
            None
        }
    }

    /// A host at the epoch, with no sticky store.
    struct Host;

    impl Env for Host {
        fn now(&mut self) -> i64 {
            0
        }
        fn sticky(&mut self, _: &str, _: &str, _: &[String]) -> Option<Assignment> {
            None
        }
        fn random(&mut self) -> u32 {
            0
        }
    }

    /// A feature with one rule, `when`, over `activations` (by the
    /// snapshot's ids `ids`), serving `b` (else its default, `a`).
    fn feature(when: Cond, activations: Vec<UsedActivation>, ids: &[u32]) -> Feature {
        Feature {
            name: "F".into(),
            kind: Kind::Multi,
            implementations: vec!["a".into(), "b".into()],
            default: Some(0),
            inputs: Vec::new(),
            body: Some(Body {
                enabled: true,
                rules: vec![Rule {
                    when,
                    action: Action::Serve(1),
                }],
                segments: Vec::new(),
                activations,
                activation_ids: ids.into(),
            }),
            slots: Vec::new(),
        }
    }

    /// Whether the rule of a [`feature`] with activations of its own serves.
    fn served(when: Cond, activations: Vec<UsedActivation>) -> bool {
        let ids = vec![Body::OWN; activations.len()];
        let f = feature(when, activations, &ids);
        evaluate(&f, &Nothing, &mut Host).implementation == Some(1)
    }

    /// An activation whose condition is `when`, referring to the feature's
    /// activations `refers` (its `activation` 0, 1, … in turn).
    fn activation(when: Cond, refers: &[u16]) -> UsedActivation {
        UsedActivation {
            when: Arc::new(when),
            segments: Box::new([]),
            activations: refers.into(),
        }
    }

    /// `inner` at `levels` levels of `all`, the rule's own condition the first.
    fn under(levels: u32, inner: Cond) -> Cond {
        (0..levels).fold(inner, |c, _| Cond::All(vec![c]))
    }

    #[test]
    fn conditions_nested_past_the_fence_read_as_not_holding() {
        // Loading refuses conditions nested past 256 levels, so only a
        // feature built by hand meets this fence, a guard for the stack.
        let any = |levels| (0..levels).fold(Cond::True, |c, _| Cond::Any(vec![c]));
        let not_not = |c| Cond::Not(Box::new(Cond::Not(Box::new(c))));
        let depth = MAX_EVAL_DEPTH;
        assert!(served(under(depth, Cond::True), Vec::new()));
        assert!(!served(under(depth + 1, Cond::True), Vec::new()));
        assert!(served(any(depth), Vec::new()));
        assert!(!served(any(depth + 1), Vec::new()));
        // Each `not` is a level: past the fence the `true` inside them
        // reads as `false`, which the two give back as `false`.
        assert!(served(under(depth - 2, not_not(Cond::True)), Vec::new()));
        assert!(!served(under(depth - 1, not_not(Cond::True)), Vec::new()));
        // An activation's condition is a level below the reference to it.
        let refer = || Cond::Activation(0);
        let holding = || vec![activation(Cond::True, &[])];
        assert!(served(under(depth - 1, refer()), holding()));
        assert!(!served(under(depth, refer()), holding()));
    }

    #[test]
    fn an_activation_judged_past_the_fence_is_not_kept_for_other_features() {
        // Activation 0 (the snapshot's id 0, judged once for every feature
        // when it holds alike in all): `any` of a `true` two levels down
        // and of activation 1, which holds nowhere. Referred to 509 levels
        // down, its `true` is past the fence, and activation 1, judged
        // after it, is not: a feature that refers to it near the top must
        // judge it again, not take the fenced answer.
        let outer = activation(
            Cond::Any(vec![
                Cond::All(vec![Cond::All(vec![Cond::True])]),
                Cond::Activation(0),
            ]),
            &[1],
        );
        let never = activation(Cond::Any(Vec::new()), &[]);
        let ids = [0, Body::OWN];
        let deep = feature(
            under(MAX_EVAL_DEPTH - 3, Cond::Activation(0)),
            vec![outer.clone(), never.clone()],
            &ids,
        );
        let near = feature(Cond::Activation(0), vec![outer, never], &ids);
        let mut memo = Memo::new(0, 1);
        let mut judge =
            |f: &Feature| evaluate_with(f, &Nothing, &mut Host, Some(&mut memo)).implementation;
        assert_eq!(judge(&deep), Some(0));
        assert_eq!(judge(&near), Some(1));
    }
}
