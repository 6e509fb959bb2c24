//! What a feature's conditions are found to be, activations included:
//! the window of instants within which each may hold, why one never
//! holds, and whether one holds for every context at every instant. Each
//! activation is analysed once for all the features that use it.

use super::place::{chain, Place};
use super::warning;
use crate::model::{Cond, TextOp, UsedActivation};
use crate::ops::instant::format_rfc3339;
use crate::prelude::*;
use crate::Problem;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::sync::Arc;
use core::cell::OnceCell;

/// How deep the analysis follows conditions, activations included
/// (loading refuses deeper snapshots).
const MAX_DEPTH: u32 = 512;

/// One step from a condition to a condition or operand inside it, as the
/// snapshot writes it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Step {
    /// A member of the condition object (`all`, `in`, `before`).
    Key(&'static str),
    /// An item of an `all` or `any` list.
    Index(usize),
    /// Into the activation the condition names: on to its `when`.
    Activation,
}

/// Where inside a condition a finding comes from: the steps, innermost
/// first (they are added as the analysis returns).
type Trail = Vec<Step>;

/// Why a condition never holds, and where.
#[derive(Clone, Debug)]
pub(super) struct Never {
    why: &'static str,
    at: Trail,
}

impl Never {
    fn new(why: &'static str, at: &[Step]) -> Self {
        Never {
            why,
            at: at.to_vec(),
        }
    }

    fn within(mut self, steps: &[Step]) -> Self {
        self.at.extend_from_slice(steps);
        self
    }

    /// The warning for the rule or activation at `place`.
    pub(super) fn warning(&self, place: &Place<'_>, owner: &str, verb: &str) -> Problem {
        let found = place.follow(&self.at);
        let message = if found.through.is_empty() {
            format!("the {owner} never {verb}: {}", self.why)
        } else {
            format!(
                "the {owner} never {verb}: activation {} never holds ({}: {})",
                chain(&found.through),
                found.end.ptr,
                self.why
            )
        };
        warning(found.own, message)
    }
}

/// The instants `[start, end)` within which a condition may hold, and
/// where its bounds come from (the `after` and `before` that set them).
#[derive(Clone, Debug)]
pub(super) struct Window {
    pub(super) start: i64,
    pub(super) end: i64,
    start_at: Trail,
    end_at: Trail,
    /// Whether the condition holds for every context at every instant of
    /// the window (it depends on time alone), so that its `not` holds
    /// exactly outside it.
    pub(super) exact: bool,
}

impl Window {
    /// Any instant, for some contexts.
    fn always() -> Self {
        Window {
            start: i64::MIN,
            end: i64::MAX,
            start_at: Vec::new(),
            end_at: Vec::new(),
            exact: false,
        }
    }

    /// Any instant, for every context.
    fn everywhere() -> Self {
        Window {
            exact: true,
            ..Window::always()
        }
    }

    fn within(mut self, steps: &[Step]) -> Self {
        self.start_at.extend_from_slice(steps);
        self.end_at.extend_from_slice(steps);
        self
    }

    /// The window of the condition's `not`, when it is one: outside an
    /// exact window that is bounded on one side.
    fn negated(self) -> Result<Window, Never> {
        if !self.exact {
            return Ok(Window::always());
        }
        match (self.start == i64::MIN, self.end == i64::MAX) {
            (true, true) => Err(Never::new("`not` of a condition that always holds", &[])),
            (true, false) => Ok(Window {
                start: self.end,
                start_at: self.end_at,
                ..Window::everywhere()
            }),
            (false, true) => Ok(Window {
                end: self.start,
                end_at: self.start_at,
                ..Window::everywhere()
            }),
            // Before one instant or after another: two pieces.
            (false, false) => Ok(Window::always()),
        }
    }

    /// Whether the window ends, at or before `now` (`i64::MAX`: no end).
    pub(super) fn has_ended(&self, now: i64) -> bool {
        self.end != i64::MAX && self.end <= now
    }

    /// The warning for a window that has ended, of the rule or activation
    /// at `place`.
    pub(super) fn ended(&self, place: &Place<'_>, owner: &str, verb: &str) -> Problem {
        let found = place.follow(&self.end_at);
        let end = format_rfc3339(self.end);
        let mut message = format!("the {owner} no longer {verb}: its time window ended at {end}");
        if !found.through.is_empty() {
            message.push_str(&format!(
                ", with activation {} ({})",
                chain(&found.through),
                found.end.ptr
            ));
        }
        warning(found.own, message)
    }
}

/// Whether the union of the intervals `[start, end)` is one interval.
fn contiguous(pieces: &mut [(i64, i64)]) -> bool {
    pieces.sort_unstable();
    let mut end = i64::MIN;
    for (i, &(s, e)) in pieces.iter().enumerate() {
        if i > 0 && s > end {
            return false;
        }
        end = end.max(e);
    }
    true
}

/// The member of a text condition (`starts_with`, …).
fn text_op(op: TextOp) -> &'static str {
    match op {
        TextOp::StartsWith => "starts_with",
        TextOp::EndsWith => "ends_with",
        TextOp::Contains => "contains",
    }
}

/// What each activation's own condition was found to be ([`Analysis::window`]
/// and [`Analysis::always`]), by the address of its compiled condition, which
/// every feature that uses the activation shares: the same for all of them.
/// Analysed again per feature, an activation of 10 000 conditions used by
/// 4 000 features made `validate` take 25 s (1.1 MB of snapshot).
pub(super) type Shared = BTreeMap<usize, Found>;

/// What is known of one activation's own condition: its window, whether it
/// always holds (each once worked out).
type Found = (Option<Result<Window, Never>>, Option<bool>);

/// A feature's activations' conditions with its numbering, each copied
/// ([`UsedActivation::materialize`]) when first read: once [`Shared`]
/// knows an activation, only a rule that
/// [`Implies`](super::implies::Implies) takes apart reads it (a copy per
/// feature of an activation of 10 000 conditions was most of what
/// `validate` spent on 4 000 features that use it).
pub(super) struct Activations<'b> {
    used: &'b [UsedActivation],
    conds: Vec<OnceCell<Cond>>,
}

impl<'b> Activations<'b> {
    pub(super) fn new(used: &'b [UsedActivation]) -> Self {
        Activations {
            used,
            conds: used.iter().map(|_| OnceCell::new()).collect(),
        }
    }

    /// The condition of the feature's `i`-th activation.
    pub(super) fn get(&self, i: usize) -> Option<&Cond> {
        let used = self.used.get(i)?;
        Some(self.conds.get(i)?.get_or_init(|| used.materialize()))
    }

    fn len(&self) -> usize {
        self.used.len()
    }
}

/// What is known of one feature's conditions. Each activation is analysed
/// once: activations that refer to the ones below several times would
/// otherwise cost exponential time, as in evaluation.
pub(super) struct Analysis<'b> {
    /// The conditions of
    /// [`Body::activations`](crate::model::Body::activations), numbered
    /// the feature's way.
    activations_when: &'b Activations<'b>,
    /// What earlier features found of their activations (see [`Shared`]).
    shared: &'b mut Shared,
    windows: Vec<Option<Result<Window, Never>>>,
    always: Vec<Option<bool>>,
    /// The activations analysed by the last calls: the steps that lead to
    /// each from the condition analysed (innermost first), and what was found.
    pub(super) activations: Vec<(Trail, Result<Window, Never>)>,
    /// What [`Analysis::window`] and [`Analysis::always`] found for each
    /// condition, by its address: `window` of a `not` asks `always` of
    /// what it wraps, and `always` of a `not` asks `window`, so nested
    /// `not`s were analysed a Fibonacci number of times (94 of them around
    /// an activation: a 2 KB snapshot that `validate` never finished).
    seen_windows: BTreeMap<usize, Result<Window, Never>>,
    seen_always: BTreeMap<usize, bool>,
}

impl<'b> Analysis<'b> {
    pub(super) fn new(activations_when: &'b Activations<'b>, shared: &'b mut Shared) -> Self {
        Analysis {
            activations_when,
            shared,
            windows: vec![None; activations_when.len()],
            always: vec![None; activations_when.len()],
            activations: Vec::new(),
            seen_windows: BTreeMap::new(),
            seen_always: BTreeMap::new(),
        }
    }

    /// The instants within which `cond` may hold, or why it never holds.
    /// Segment conditions may hold at any time; the window is an
    /// over-estimate (`any` of two windows spans both).
    pub(super) fn window(&mut self, cond: &Cond, depth: u32) -> Result<Window, Never> {
        if depth > MAX_DEPTH {
            return Ok(Window::always());
        }
        // (The activations it found were recorded the first time.)
        let at = core::ptr::from_ref(cond) as usize;
        if let Some(known) = self.seen_windows.get(&at) {
            return known.clone();
        }
        let found = self.window_of(cond, depth);
        self.seen_windows.insert(at, found.clone());
        found
    }

    /// [`Analysis::window`], worked out.
    fn window_of(&mut self, cond: &Cond, depth: u32) -> Result<Window, Never> {
        match cond {
            Cond::In(_, set) if set.is_empty() => Err(Never::new(
                "an empty `in` list matches no value",
                &[Step::Key("in")],
            )),
            Cond::Text(_, patterns) if patterns.is_empty() => Err(Never::new(
                "an empty list of patterns matches no value",
                &[Step::Key(text_op(patterns.op()))],
            )),
            Cond::Cidr(_, blocks) if blocks.is_empty() => Err(Never::new(
                "an empty `cidr` list matches no address",
                &[Step::Key("cidr")],
            )),
            Cond::True => Ok(Window::everywhere()),
            Cond::After(t) => Ok(Window {
                start: *t,
                start_at: vec![Step::Key("after")],
                ..Window::everywhere()
            }),
            Cond::Before(t) => Ok(Window {
                end: *t,
                end_at: vec![Step::Key("before")],
                ..Window::everywhere()
            }),
            Cond::All(conds) => {
                let mut all = Window::everywhere();
                // Every condition is analysed (the activations of those
                // after one that never holds are warned about too).
                let mut never = None;
                for (i, c) in conds.iter().enumerate() {
                    match self.child(c, depth, &[Step::Index(i), Step::Key("all")]) {
                        Err(n) => {
                            never.get_or_insert(n);
                        }
                        Ok(w) => {
                            all.exact &= w.exact;
                            if w.start > all.start {
                                all.start = w.start;
                                all.start_at = w.start_at;
                            }
                            if w.end < all.end {
                                all.end = w.end;
                                all.end_at = w.end_at;
                            }
                        }
                    }
                }
                if let Some(n) = never {
                    Err(n)
                } else if all.start >= all.end {
                    Err(Never::new(
                        "its `after` and `before` leave no instant between them",
                        &[],
                    ))
                } else {
                    Ok(all)
                }
            }
            Cond::Any(conds) => {
                let mut hull: Option<Window> = None;
                // The windows that hold, to tell whether they leave a gap.
                let mut pieces = Vec::new();
                let mut never = Never::new("`any` of an empty list is false", &[Step::Key("any")]);
                for (i, c) in conds.iter().enumerate() {
                    match self.child(c, depth, &[Step::Index(i), Step::Key("any")]) {
                        Ok(w) => {
                            pieces.push((w.start, w.end));
                            let mut h = hull.take().unwrap_or(Window {
                                start: i64::MAX,
                                end: i64::MIN,
                                ..Window::everywhere()
                            });
                            h.exact &= w.exact;
                            if w.start < h.start {
                                h.start = w.start;
                                h.start_at = w.start_at;
                            }
                            if w.end > h.end {
                                h.end = w.end;
                                h.end_at = w.end_at;
                            }
                            hull = Some(h);
                        }
                        Err(n) => never = n,
                    }
                }
                match hull {
                    Some(mut h) => {
                        h.exact &= contiguous(&mut pieces);
                        Ok(h)
                    }
                    // Where one of several fails, the others fail too.
                    None if conds.len() > 1 => Err(Never::new(
                        "none of the conditions of its `any` can hold",
                        &[Step::Key("any")],
                    )),
                    None => Err(never),
                }
            }
            Cond::Not(inner) => {
                let start = self.activations.len();
                let always = self.always(inner, depth + 1);
                self.place_since(start, &[Step::Key("not")]);
                if always {
                    return Err(Never::new("`not` of a condition that always holds", &[]));
                }
                // `not` of what holds from an instant on (`after`, or an
                // activation or `any` that is) holds before it, and the
                // reverse; `not` of what never holds, always.
                match self.child(inner, depth, &[Step::Key("not")]) {
                    Ok(w) => w.negated(),
                    Err(_) => Ok(Window::everywhere()),
                }
            }
            Cond::Activation(index) => {
                let i = usize::from(*index);
                let here = [Step::Activation];
                // Kept relative to the activation's own `when`, and placed
                // from the outer condition when returned.
                let own = match self.windows.get(i) {
                    Some(Some(known)) => known.clone(),
                    _ => {
                        let own = match self.shared(i).and_then(|s| s.0.clone()) {
                            // (What it refers to was analysed, and said,
                            // for the feature that first used it.)
                            Some(known) => known,
                            None => {
                                let start = self.activations.len();
                                let conds = self.activations_when;
                                let own = match conds.get(i) {
                                    Some(c) => self.window(c, depth + 1),
                                    None => Ok(Window::always()),
                                };
                                self.place_since(start, &here);
                                if let Some(s) = self.shared(i) {
                                    s.0 = Some(own.clone());
                                }
                                own
                            }
                        };
                        self.activations.push((here.to_vec(), own.clone()));
                        if let Some(slot) = self.windows.get_mut(i) {
                            *slot = Some(own.clone());
                        }
                        own
                    }
                };
                own.map(|w| w.within(&here)).map_err(|n| n.within(&here))
            }
            _ => Ok(Window::always()),
        }
    }

    /// What earlier features found of the feature's `i`-th activation (see
    /// [`Shared`]); `None` for no such activation.
    fn shared(&mut self, i: usize) -> Option<&mut Found> {
        let key = Arc::as_ptr(&self.activations_when.used.get(i)?.when) as usize;
        Some(self.shared.entry(key).or_default())
    }

    /// [`Analysis::window`] of `cond`, a condition `here` inside the one
    /// analysed (innermost step first): what it finds, and the activations
    /// it analyses, are placed from the outer condition.
    fn child(&mut self, cond: &Cond, depth: u32, here: &[Step]) -> Result<Window, Never> {
        let start = self.activations.len();
        let found = self.window(cond, depth + 1);
        self.place_since(start, here);
        found.map(|w| w.within(here)).map_err(|n| n.within(here))
    }

    /// Places the activations analysed since the `start`-th from the outer
    /// condition, in which their condition is `here` (innermost step first).
    fn place_since(&mut self, start: usize, here: &[Step]) {
        for (trail, _) in self.activations.iter_mut().skip(start) {
            trail.extend_from_slice(here);
        }
    }

    /// [`Analysis::always`] of `cond`, a condition `here` inside the one
    /// analysed (see [`Analysis::child`]).
    fn always_child(&mut self, cond: &Cond, depth: u32, here: &[Step]) -> bool {
        let start = self.activations.len();
        let always = self.always(cond, depth + 1);
        self.place_since(start, here);
        always
    }

    /// Whether `cond` holds for every context at every instant.
    pub(super) fn always(&mut self, cond: &Cond, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let at = core::ptr::from_ref(cond) as usize;
        if let Some(&known) = self.seen_always.get(&at) {
            return known;
        }
        let found = self.always_of(cond, depth);
        self.seen_always.insert(at, found);
        found
    }

    /// [`Analysis::always`], worked out.
    fn always_of(&mut self, cond: &Cond, depth: u32) -> bool {
        match cond {
            Cond::True => true,
            // Every condition is analysed, whatever the first ones give.
            Cond::All(conds) => conds.iter().enumerate().fold(true, |all, (i, c)| {
                self.always_child(c, depth, &[Step::Index(i), Step::Key("all")]) && all
            }),
            Cond::Any(conds) => conds.iter().enumerate().fold(false, |any, (i, c)| {
                self.always_child(c, depth, &[Step::Index(i), Step::Key("any")]) || any
            }),
            Cond::Not(inner) => self.child(inner, depth, &[Step::Key("not")]).is_err(),
            Cond::Activation(index) => {
                let i = usize::from(*index);
                if let Some(Some(known)) = self.always.get(i) {
                    return *known;
                }
                let a = match self.shared(i).and_then(|s| s.1) {
                    Some(known) => known,
                    None => {
                        let conds = self.activations_when;
                        let a = conds
                            .get(i)
                            .is_some_and(|c| self.always_child(c, depth, &[Step::Activation]));
                        if let Some(s) = self.shared(i) {
                            s.1 = Some(a);
                        }
                        a
                    }
                };
                if let Some(slot) = self.always.get_mut(i) {
                    *slot = Some(a);
                }
                a
            }
            _ => false,
        }
    }
}
