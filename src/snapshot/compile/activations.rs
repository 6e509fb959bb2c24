//! The activations a feature refers to, resolved for its inputs: each
//! compiled once for every feature ([`CompiledWhen`]) and replayed for
//! the next, its value parsed once or kept parsed, and the problems of
//! activations (cycles, nesting, conditions too deep, segments that do not
//! fit the feature) found and said at the right reference.

use super::reader::{self, child, quoted, Errs, Ptr};
use super::{conditions, parse_span, Cache, Scope, Shared};
use crate::json::Value;
use crate::model::{Body, Cond, LocalSegment, UsedActivation};
use crate::prelude::*;
use crate::text::{concat, join};
use alloc::sync::Arc;

/// How far an activation's value has been parsed (see [`Shared::parsed`]).
#[derive(Clone, Default)]
pub(super) enum Parses {
    #[default]
    Never,
    Once,
    Kept(Arc<Value<'static>>),
}

/// An activation's value as a compile reads it: parsed from the text just
/// now, or kept parsed.
enum Parsed<'t> {
    Fresh(Value<'t>),
    Kept(Arc<Value<'static>>),
}

impl<'t> Parsed<'t> {
    fn value(&self) -> &Value<'t> {
        match self {
            Parsed::Fresh(v) => v,
            Parsed::Kept(v) => v,
        }
    }
}

/// An activation's condition as it compiled the first time without
/// problems, for every feature that uses it after: the condition, with
/// its segments and activations numbered its own way (see
/// [`UsedActivation`]), and what it refers to in the order met, so that
/// another feature resolves those for itself (its inputs) without
/// compiling the condition again. An activation of 10 000 conditions used
/// by 100 features took 94 MB of WebAssembly memory, one condition tree
/// per feature, and 1 MB of such a snapshot ran out of memory.
#[derive(Debug)]
pub(crate) struct CompiledWhen {
    when: Arc<Cond>,
    refs: Box<[Ref]>,
    /// How many levels below the reference its own conditions reach.
    height: u32,
    /// How many segments and activations it numbers.
    segments: usize,
    activations: usize,
    /// At most how many activations a feature resolves with it: itself
    /// and, below it, each it refers to with theirs (counted once per
    /// reference, so never fewer than there are).
    reach: usize,
}

/// A segment or activation an activation's condition refers to.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ref {
    pub(super) activation: bool,
    /// The snapshot's id of the segment or activation.
    pub(super) id: u32,
    /// How many levels below the activation's reference (for activations).
    pub(super) offset: u32,
    /// Its number in the condition.
    pub(super) rel: u32,
}

/// What an activation's condition referred to while it compiled.
#[derive(Default)]
pub(super) struct Recording {
    /// The depth of the reference being compiled.
    base: u32,
    /// How many levels below `base` its own conditions reach.
    height: u32,
    /// Each segment or activation met, in order: what it is, and the
    /// feature's number it resolved to.
    pub(super) met: Vec<(Ref, Option<u16>)>,
}

/// [`CompiledWhen`] conditions by activation id.
pub(super) type ActivationCache = Cache<Vec<Option<Arc<CompiledWhen>>>>;

impl ActivationCache {
    fn get(&self, id: usize) -> Option<Arc<CompiledWhen>> {
        self.with(|all| all.get(id).cloned().flatten()).flatten()
    }

    fn put(&self, id: usize, compiled: CompiledWhen) {
        self.with(|all| {
            if all.len() <= id {
                all.resize(id.saturating_add(1), None);
            }
            if let Some(slot) = all.get_mut(id) {
                *slot = Some(Arc::new(compiled));
            }
        });
    }
}

#[derive(Clone)]
pub(super) enum ActivationState {
    InProgress,
    /// Compiled: its local index, how many levels of activations it nests
    /// (1 when it refers to none), the activation below it on its deepest
    /// path, and how many levels its conditions reach below a reference
    /// to it (through activations too).
    Done(u16, u32, Option<usize>, u32),
    /// Not compiled: the segment met in it (or below it) that converts
    /// none of the feature's inputs (see [`Foreign`]), and whether it has
    /// problems of its own besides.
    Failed(Option<Foreign>, bool),
    /// Met inside a chain too deep from further up: not judged, compiled
    /// again where it is referenced from nearer the top.
    Unjudged,
}

/// An activation that is fine on its own but does not fit the feature
/// using it: the activation (id) holding the segment that converts none of
/// the feature's inputs, and what that segment converts.
pub(super) type Foreign = (usize, String);

impl<'a> Scope<'a> {
    /// Whether `used` holds or not alike in every feature: it reads only
    /// segments that convert one input (the same value whatever the
    /// feature's inputs), and activations that hold alike.
    fn alike(&self, used: &UsedActivation) -> bool {
        let segment = |seg: &LocalSegment| {
            self.segments
                .get(usize::from(*seg))
                .and_then(|s| self.shared.segments.get(s.segment as usize))
                .is_some_and(|def| def.templates.len() == 1)
        };
        let activation = |local: &u16| {
            self.activation_ids
                .get(usize::from(*local))
                .is_some_and(|&id| id != Body::OWN)
        };
        used.segments.iter().all(segment) && used.activations.iter().all(activation)
    }

    /// Says at a feature's reference to activation `name` that it does
    /// not fit the feature (see [`Foreign`]).
    fn report_foreign(&self, name: &str, (holder, tail): &Foreign, ptr: &Ptr<'_>, errs: &mut Errs) {
        let mut message = concat(&[
            "the activation ",
            &quoted(name),
            " does not fit this feature: ",
        ]);
        let holder = self.shared.activations.get(*holder).map(|a| a.0.as_str());
        if let Some(holder) = holder.filter(|h| *h != name) {
            message.push_str("in the activation ");
            message.push_str(&quoted(holder));
            message.push_str(", ");
        }
        message.push_str(tail);
        errs.add(ptr, message);
    }

    /// Notes that the activation being compiled refers to `id`, which
    /// nests `levels` levels.
    fn note_below(&mut self, levels: u32, id: usize) {
        if levels > self.below.0 {
            self.below = (levels, Some(id));
        }
    }

    /// Where activation `id` is in `activation_memo`.
    fn memo_slot(&self, id: usize) -> Option<usize> {
        let (name, _, _) = self.shared.activations.get(id)?;
        let (memo, shared) = (&self.activation_memo, self.shared);
        let key = |i: usize| activation_name(shared, memo, i);
        self.activation_slots.find(memo.len(), &key, name)
    }

    /// What is known of activation `id` in this scope.
    fn memo(&self, id: usize) -> Option<&ActivationState> {
        let slot = self.memo_slot(id)?;
        self.activation_memo.get(slot).map(|(_, state)| state)
    }

    fn set_activation(&mut self, id: usize, state: ActivationState) {
        match self
            .memo_slot(id)
            .and_then(|slot| self.activation_memo.get_mut(slot))
        {
            Some(entry) => entry.1 = state,
            None => {
                self.activation_memo.push((id, state));
                let (memo, shared) = (&self.activation_memo, self.shared);
                let key = |i: usize| activation_name(shared, memo, i);
                self.activation_slots.update(memo.len(), &key);
            }
        }
    }

    /// Conditions went deeper than their limit (`through` the activation
    /// named, compiled before, when it is that one's conditions that do):
    /// inside an activation, the chain is noted for the reference that
    /// heads it (true); in a rule's own conditions, it is for the caller
    /// to say (false).
    pub fn conditions_too_deep(&mut self, through: Option<&str>) -> bool {
        if self.stack.is_empty() {
            return false;
        }
        if self.deep_conditions.is_none() {
            self.deep_conditions = Some(self.chain(0, through));
        }
        true
    }

    /// The names of the activations on the stack from position `from` on,
    /// then `last`, joined by arrows: the chain a problem about a cycle or
    /// a depth names. (One function for the three: `collect` was an
    /// instance each.)
    fn chain(&self, from: usize, last: Option<&str>) -> String {
        let mut names: Vec<&str> = Vec::new();
        for &a in self.stack.get(from..).unwrap_or_default() {
            if let Some(activation) = self.shared.activations.get(a) {
                names.push(activation.0.as_str());
            }
        }
        if let Some(last) = last {
            names.push(last);
        }
        join(&names, " → ")
    }

    /// Notes a condition at level `depth`.
    pub fn reach(&mut self, depth: u32) {
        self.deepest = self.deepest.max(depth);
    }

    /// Notes a condition of the rule or activation being compiled, at
    /// level `depth`.
    pub fn condition(&mut self, depth: u32) {
        self.reach(depth);
        if let Some(Some(recording)) = self.recording.last_mut() {
            recording.height = recording.height.max(depth.saturating_sub(recording.base));
        }
    }

    /// Activation `id`'s value, at `span` of the text. A condition that
    /// compiles without problems is shared ([`CompiledWhen`]) and not
    /// parsed again; one parsed a second time (it has problems, or its
    /// replay was refused) is kept parsed from then on: a bad activation
    /// of 10 000 ids used by 10 000 features was parsed 10 000 times
    /// (2.7 s in WebAssembly), and kept parsed by every activation, good
    /// ones too, it cost 48 bytes an id for as long as the engine lived.
    fn activation_value(&self, id: usize, span: &core::ops::Range<usize>) -> Parsed<'a> {
        let before = (self.shared.parsed)
            .with(|all| {
                if all.len() <= id {
                    all.resize(id.saturating_add(1), Parses::Never);
                }
                let slot = all.get_mut(id)?;
                let before = slot.clone();
                if let Parses::Never = slot {
                    *slot = Parses::Once;
                }
                Some(before)
            })
            .flatten()
            .unwrap_or_default();
        let parsed_before = match before {
            Parses::Kept(kept) => return Parsed::Kept(kept),
            Parses::Once => true,
            Parses::Never => false,
        };
        let value = parse_span(self.text, span.clone());
        if !parsed_before {
            return Parsed::Fresh(value);
        }
        let kept = Arc::new(value.into_owned());
        (self.shared.parsed).with(|all| {
            if let Some(slot) = all.get_mut(id) {
                *slot = Parses::Kept(kept.clone());
            }
        });
        Parsed::Kept(kept)
    }

    /// Resolves an activation for this feature, compiling it on first use.
    pub fn activation(
        &mut self,
        name: &str,
        ptr: &Ptr<'_>,
        depth: u32,
        errs: &mut Errs,
    ) -> Option<u16> {
        let local = self.activation_inner(name, ptr, depth, errs);
        if let Some(Some(recording)) = self.recording.last_mut() {
            let id = self.shared.activation_ids.get(name).unwrap_or(u32::MAX);
            let met = Ref {
                activation: true,
                id,
                offset: depth.saturating_sub(recording.base),
                rel: 0,
            };
            recording.met.push((met, local));
        }
        local
    }

    /// An activation's condition resolved for this feature from its
    /// [`CompiledWhen`] form: what it refers to, resolved in the order a
    /// compile would meet them (so every problem and limit is met as it
    /// would be), and the condition shared.
    fn replay(
        &mut self,
        compiled: &CompiledWhen,
        depth: u32,
        at: &Ptr<'_>,
        errs: &mut Errs,
    ) -> Option<UsedActivation> {
        self.recording.push(None);
        let mut segments = vec![LocalSegment::MAX; compiled.segments];
        let mut activations = vec![u16::MAX; compiled.activations];
        let mut ok = true;
        let shared = self.shared;
        for r in compiled.refs.iter() {
            let id = r.id as usize;
            let (got, slot) = if r.activation {
                let name = shared.activations.get(id).map(|a| a.0.as_str());
                let depth = depth.saturating_add(r.offset);
                let got = name.and_then(|n| self.activation(n, at, depth, errs));
                (got, activations.get_mut(r.rel as usize))
            } else {
                let name = shared.segments.get(id).map(|d| d.name.as_str());
                let got = name.and_then(|n| self.segment(n, at, errs));
                (got, segments.get_mut(r.rel as usize))
            };
            match (got, slot) {
                (Some(local), Some(slot)) => *slot = local,
                _ => ok = false,
            }
        }
        self.recording.pop();
        self.reach(depth.saturating_add(compiled.height));
        ok.then(|| UsedActivation {
            when: compiled.when.clone(),
            segments: segments.into(),
            activations: activations.into(),
        })
    }

    /// An activation's condition as a walk compiled it for this feature
    /// (`when`, numbered the feature's way; `recording`, what it met),
    /// numbered its own way for every feature: for this one, and
    /// [`CompiledWhen`] for the others.
    fn relocate(
        &self,
        mut when: Cond,
        recording: Recording,
    ) -> Option<(UsedActivation, CompiledWhen)> {
        // The feature's numbers met, numbered in the order met.
        let mut segment_rel = vec![u32::MAX; self.segments.len()];
        let mut activation_rel = vec![u32::MAX; self.activations.len()];
        let (mut segments, mut activations) = (Vec::new(), Vec::new());
        let mut refs = Vec::with_capacity(recording.met.len());
        let mut reach: usize = 1;
        for (mut r, local) in recording.met {
            let local = local?;
            let (table, list) = if r.activation {
                (&mut activation_rel, &mut activations)
            } else {
                (&mut segment_rel, &mut segments)
            };
            let rel = table.get_mut(usize::from(local))?;
            if *rel == u32::MAX {
                *rel = u32::try_from(list.len()).ok()?;
                list.push(local);
                if r.activation {
                    let below = self.shared.compiled.get(r.id as usize);
                    reach = reach.saturating_add(below.map_or(usize::MAX, |c| c.reach));
                }
            } else if !r.activation {
                // A segment met again resolves as it did (to the same
                // number, or to nothing with nothing more said): resolved
                // once. (An activation met again is resolved at each place:
                // its conditions must fit below each.)
                continue;
            }
            r.rel = *rel;
            refs.push(r);
        }
        let number = |table: &[u32], n: u16| {
            table
                .get(usize::from(n))
                .and_then(|&r| u16::try_from(r).ok())
                .unwrap_or(u16::MAX)
        };
        when.renumber(&|s| number(&segment_rel, s), &|a| {
            number(&activation_rel, a)
        });
        let when = Arc::new(when);
        let compiled = CompiledWhen {
            when: when.clone(),
            refs: refs.into(),
            height: recording.height,
            segments: segments.len(),
            activations: activations.len(),
            reach,
        };
        let used = UsedActivation {
            when,
            segments: segments.into(),
            activations: activations.into(),
        };
        Some((used, compiled))
    }

    fn activation_inner(
        &mut self,
        name: &str,
        ptr: &Ptr<'_>,
        depth: u32,
        errs: &mut Errs,
    ) -> Option<u16> {
        let Some(id) = self.shared.activation_ids.get(name).map(|i| i as usize) else {
            let mut message = concat(&["unknown activation ", &quoted(name)]);
            let activations = &self.shared.activations;
            if activations.len() <= reader::HINTED {
                let names: Vec<&str> = activations.iter().map(|a| a.0.as_str()).collect();
                reader::did_you_mean(&mut message, &[&names], name);
            }
            errs.add(ptr, message);
            return None;
        };
        match self.memo(id).cloned() {
            Some(ActivationState::Done(local, levels, _, height)) => {
                // Compiled before, maybe nearer the top: its conditions
                // must still fit below this reference.
                let reach = depth.saturating_add(height);
                if reach > conditions::MAX_COND_DEPTH {
                    if !self.conditions_too_deep(Some(name)) {
                        report_deep_conditions(name, ptr, errs);
                    }
                    return None;
                }
                self.reach(reach);
                self.note_below(levels, id);
                return Some(local);
            }
            Some(ActivationState::Failed(Some(foreign), own)) => {
                if !self.stack.is_empty() {
                    self.foreign.get_or_insert(foreign);
                    return None;
                }
                if own {
                    report_activation(name, ptr, errs);
                }
                self.report_foreign(name, &foreign, ptr, errs);
                return None;
            }
            Some(ActivationState::Failed(None, _)) => {
                report_activation(name, ptr, errs);
                return None;
            }
            Some(ActivationState::InProgress) => {
                let from = self.stack.iter().position(|&a| a == id);
                let chain = self.chain(from.unwrap_or(self.stack.len()), Some(name));
                errs.add(
                    ptr,
                    concat(&["activations refer to each other in a cycle: ", &chain]),
                );
                return None;
            }
            Some(ActivationState::Unjudged) | None => {}
        }
        if !self.stack.is_empty() && (self.too_deep.is_some() || self.deep_conditions.is_some()) {
            // A chain too deep was found under the reference nearer the top
            // that this one is inside: that reference fails, and the rest
            // of it is not compiled. (Each activation on the way is left
            // unjudged, so every further reference to it would compile it
            // again: 2^depth for activations that each refer twice to the
            // one below.)
            return None;
        }
        let (_, span, act_ptr) = self.shared.activations.get(id)?;
        if self
            .shared
            .repeated_activations
            .get(id)
            .copied()
            .unwrap_or(false)
        {
            self.set_activation(id, ActivationState::Failed(None, true));
            errs.add(
                ptr,
                concat(&[
                    "the activation ",
                    &quoted(name),
                    " is declared more than once",
                ]),
            );
            return None;
        }
        if self.stack.len() >= conditions::MAX_ACTIVATION_DEPTH {
            // Too deep counted from the activation at the bottom of the
            // stack: the problem is that one's (below).
            if self.too_deep.is_none() {
                self.too_deep = Some(self.chain(0, Some(name)));
            }
            return None;
        }
        // What is met while this one compiles is its own (not a sibling's).
        let outer_foreign = self.foreign.take();
        self.set_activation(id, ActivationState::InProgress);
        self.stack.push(id);
        let outer = core::mem::take(&mut self.below);
        let mark = errs.mark();
        let outer_bound = core::mem::replace(&mut self.bound_problem, false);
        let outer_deepest = core::mem::replace(&mut self.deepest, depth);
        let act = Ptr::root(act_ptr);
        // Compiled before without problems, and its conditions within
        // their limit from here: resolved, not compiled again. (Where it
        // may take the feature past its limit on activations or segments,
        // which is said at the reference past it, compiled: a replay knows
        // no reference's place.)
        let room = (1usize << 16).saturating_sub(self.activations.len());
        let segment_room = self.segment_room();
        let compiled = (self.shared.compiled.get(id))
            .filter(|c| depth.saturating_add(c.height) <= conditions::MAX_COND_DEPTH)
            .filter(|c| c.reach <= room && c.segments <= segment_room);
        let mut walked = None;
        let when = if let Some(compiled) = compiled {
            self.replay(&compiled, depth, &act.key("when"), errs)
        } else {
            self.recording.push(Some(Recording {
                base: depth,
                ..Recording::default()
            }));
            let value = self.activation_value(id, span);
            let when = reader::fields(value.value(), &act, ["when"], errs)
                .and_then(|[when]| reader::required(when, &act, "when", errs))
                .and_then(|when| {
                    conditions::compile(self, when, &act.key("when"), depth + 1, errs)
                });
            let recording = self.recording.pop().flatten();
            match (when, recording) {
                (Some(when), Some(recording)) => {
                    self.relocate(when, recording).map(|(used, compiled)| {
                        walked = Some(compiled);
                        used
                    })
                }
                _ => None,
            }
        };
        self.stack.pop();
        let bound_here = core::mem::replace(&mut self.bound_problem, outer_bound);
        self.bound_problem |= bound_here;
        let foreign = core::mem::replace(&mut self.foreign, outer_foreign);
        let (below, next) = core::mem::replace(&mut self.below, outer);
        let levels = below.saturating_add(1);
        let height = self.deepest.saturating_sub(depth);
        self.deepest = self.deepest.max(outer_deepest);
        if levels > conditions::MAX_ACTIVATION_DEPTH as u32 && self.too_deep.is_none() {
            // Deeper than the limit through activations compiled before:
            // the same problem, found without recursing again.
            let mut chain = vec![name];
            let mut at = next;
            while let Some(a) = at.filter(|_| chain.len() <= conditions::MAX_ACTIVATION_DEPTH) {
                chain.extend(self.shared.activations.get(a).map(|x| x.0.as_str()));
                at = match self.memo(a) {
                    Some(ActivationState::Done(_, _, n, _)) => *n,
                    _ => None,
                };
            }
            self.too_deep = Some(join(&chain, " → "));
        }
        if self.too_deep.is_some() {
            if !self.stack.is_empty() && levels <= conditions::MAX_ACTIVATION_DEPTH as u32 {
                // Inside a chain that is too deep from further up: whether
                // this activation is fine on its own is decided where it is
                // referenced from nearer the top, so nothing is remembered.
                self.set_activation(id, ActivationState::Unjudged);
                return None;
            }
            // This activation heads the chain: nesting is its own problem,
            // whichever rule refers to it first.
            let chain = self.too_deep.take().unwrap_or_default();
            errs.add(
                &act,
                concat(&["activations nest deeper than 32 levels: ", &chain]),
            );
        }
        if self.deep_conditions.is_some() {
            // Not remembered: nearer the top of a rule, or from another
            // rule, the same activation may be shallow enough.
            self.set_activation(id, ActivationState::Unjudged);
            if self.stack.is_empty() {
                let chain = self.deep_conditions.take().unwrap_or_default();
                report_deep_conditions(&chain, ptr, errs);
            }
            return None;
        }
        match when.filter(|_| errs.since(mark) == 0) {
            Some(cond) => {
                // A feature's activations are numbered in 16 bits.
                let Ok(local) = u16::try_from(self.activations.len()) else {
                    self.set_activation(id, ActivationState::Failed(None, true));
                    self.bound_problem = true;
                    errs.add(ptr, self.limit_problem("activations"));
                    return None;
                };
                let alike = self.alike(&cond);
                self.activation_ids.push(match u32::try_from(id) {
                    Ok(id) if alike => id,
                    _ => Body::OWN,
                });
                if let Some(compiled) = walked {
                    self.shared.compiled.put(id, compiled);
                }
                self.activations.push(cond);
                self.set_activation(id, ActivationState::Done(local, levels, next, height));
                self.note_below(levels, id);
                Some(local)
            }
            None => {
                let own = errs.since(mark) > 0;
                self.set_activation(id, ActivationState::Failed(foreign.clone(), own));
                if !self.stack.is_empty() {
                    // Said where the chain is referred to from the feature.
                    if let Some(foreign) = foreign {
                        self.foreign.get_or_insert(foreign);
                    }
                } else if !self.any_input {
                    // The activation's own problems are listed at load, at
                    // its place: the feature says that it refers to a
                    // broken one, and keeps its budget for its own. (Unless
                    // one of them comes from this feature: the limit on its
                    // activations.)
                    if !bound_here {
                        errs.rewind(mark);
                    }
                    // Said at a feature's own reference only: not inside
                    // another activation (a chain would repeat it at every
                    // link), nor when checking activations at load (the
                    // reference is then the activation itself).
                    if own || foreign.is_none() {
                        report_activation(name, ptr, errs);
                    }
                    if let Some(foreign) = &foreign {
                        self.report_foreign(name, foreign, ptr, errs);
                    }
                }
                None
            }
        }
    }
}

/// The name of the activation at `i` in a scope's memo.
fn activation_name<'s>(
    shared: &'s Shared,
    memo: &[(usize, ActivationState)],
    i: usize,
) -> Option<&'s str> {
    let (id, _) = memo.get(i)?;
    shared
        .activations
        .get(*id)
        .map(|(name, _, _)| name.as_str())
}

/// Reports, at a reference, that conditions nest too deep through the
/// activations of `chain`.
fn report_deep_conditions(chain: &str, ptr: &Ptr<'_>, errs: &mut Errs) {
    errs.add(
        ptr,
        concat(&[
            "conditions nest deeper than 256 levels through the activations ",
            chain,
        ]),
    );
}

/// Reports, at a reference to it, that an activation has problems.
fn report_activation(name: &str, ptr: &Ptr<'_>, errs: &mut Errs) {
    errs.add(
        ptr,
        concat(&[
            "the activation ",
            &quoted(name),
            " has problems (see ",
            &child("/activations", name),
            ")",
        ]),
    );
}
