//! One feature's view while it compiles ([`Scope`]): its inputs, and the
//! segments it refers to resolved for them (which of a segment's templates
//! it reads, or why it can read none); the activations it refers to are
//! resolved in [`super::activations`].

use super::activations::{ActivationState, Foreign, Recording, Ref};
use super::reader::{self, child, quoted, Errs, Ptr};
use super::{SetCache, Shared};
use crate::index::Positions;
use crate::model::{
    Body, InputId, LocalSegment, Part, SegmentSource, StrSet, Template, UsedActivation,
};
use crate::prelude::*;
use crate::text::{concat, quoted_some};

/// One feature's view while it compiles: its inputs, the segments and
/// activations it has resolved so far.
pub(crate) struct Scope<'a> {
    pub(super) shared: &'a Shared,
    /// The snapshot's text, where each activation's value is.
    pub(super) text: &'a str,
    feature: String,
    inputs: Vec<InputId>,
    declared: Vec<String>,
    pub(super) any_input: bool,
    pub(super) segments: Vec<SegmentSource>,
    /// Segments resolved so far (by id), in the order met, and where each
    /// is in that list, by segment name.
    segment_memo: Vec<(u32, Option<LocalSegment>)>,
    segment_slots: Positions,
    pub(super) activations: Vec<UsedActivation>,
    /// For each of `activations`: see [`Body::activation_ids`].
    pub(super) activation_ids: Vec<u32>,
    /// Activations met so far (by id), in the order met, and where each is
    /// in that list, by activation name.
    pub(super) activation_memo: Vec<(usize, ActivationState)>,
    pub(super) activation_slots: Positions,
    pub(super) stack: Vec<usize>,
    /// A chain of activations found deeper than the limit, while the
    /// activation that heads it (the bottom of `stack`) is compiled.
    pub(super) too_deep: Option<String>,
    /// The chain of activations through which conditions went deeper than
    /// their limit, while the one that heads it is compiled: said where
    /// that one is referred to (each activation of it may be fine alone).
    pub(super) deep_conditions: Option<String>,
    /// The deepest activation the one being compiled refers to so far:
    /// its levels and its id.
    pub(super) below: (u32, Option<usize>),
    /// The deepest level of conditions met so far, counting through the
    /// activations referred to (compiled then or before), in the rule or
    /// activation being compiled.
    pub(super) deepest: u32,
    /// Whether a problem of the feature's own (its limit on activations)
    /// was said inside the activations being compiled: see
    /// [`Scope::activation`]'s rewind.
    pub(super) bound_problem: bool,
    /// A segment, inside the activations being compiled, that converts
    /// none of the feature's inputs: said where the feature refers to the
    /// activation heading them (the activations themselves are fine).
    pub(super) foreign: Option<Foreign>,
    /// Beside `stack`: what each activation compiling refers to (`None`
    /// for one resolved from its
    /// [`CompiledWhen`](super::activations::CompiledWhen) condition).
    pub(super) recording: Vec<Option<Recording>>,
}

impl<'a> Scope<'a> {
    pub(super) fn new(shared: &'a Shared, text: &'a str) -> Self {
        Scope {
            shared,
            text,
            feature: String::new(),
            inputs: Vec::new(),
            declared: Vec::new(),
            any_input: false,
            segments: Vec::new(),
            segment_memo: Vec::new(),
            segment_slots: Positions::default(),
            activations: Vec::new(),
            activation_ids: Vec::new(),
            activation_memo: Vec::new(),
            activation_slots: Positions::default(),
            stack: Vec::new(),
            too_deep: None,
            deep_conditions: None,
            below: (0, None),
            deepest: 0,
            bound_problem: false,
            foreign: None,
            recording: Vec::new(),
        }
    }

    /// Checks activations on their own: any input a segment converts is accepted.
    pub(super) fn begin_any_input(&mut self) {
        self.any_input = true;
    }

    /// Starts compiling a feature with these inputs.
    pub fn begin_feature(&mut self, name: &str, inputs: &[InputId], declared: Vec<String>) {
        name.clone_into(&mut self.feature);
        self.inputs = inputs.to_vec();
        self.declared = declared;
    }

    /// Ends a feature, handing over the segments and activations it uses
    /// (without spare capacity: they live as long as the snapshot), and
    /// back its declared inputs.
    pub fn end_feature(
        &mut self,
    ) -> (
        Vec<SegmentSource>,
        Vec<UsedActivation>,
        Box<[u32]>,
        Vec<String>,
    ) {
        let mut segments = core::mem::take(&mut self.segments);
        let mut activations = core::mem::take(&mut self.activations);
        segments.shrink_to_fit();
        activations.shrink_to_fit();
        let ids = core::mem::take(&mut self.activation_ids);
        // (None needed when no activation holds alike: no allocation.)
        let ids = if ids.iter().all(|&id| id == Body::OWN) {
            Box::default()
        } else {
            ids.into_boxed_slice()
        };
        (
            segments,
            activations,
            ids,
            core::mem::take(&mut self.declared),
        )
    }

    /// The id of an input that some segment converts.
    pub fn input_id(&self, name: &str) -> Option<InputId> {
        self.shared.interner.find_input(name)
    }

    /// The cache of activation sets, while an activation is being compiled;
    /// `None` for a feature's own rules.
    pub fn activation_sets(&self) -> Option<&'a SetCache> {
        (!self.stack.is_empty()).then_some(&self.shared.sets)
    }

    /// The options of a segment, if it declares some.
    pub fn options(&self, name: &str) -> Option<&'a (StrSet, Vec<String>)> {
        let id = self.shared.segment_ids.get(name)?;
        self.shared.segments.get(id as usize)?.options.as_ref()
    }

    /// Resolves a segment name for this feature.
    pub fn segment(&mut self, name: &str, ptr: &Ptr<'_>, errs: &mut Errs) -> Option<LocalSegment> {
        let local = self.segment_inner(name, ptr, errs);
        if let Some(Some(recording)) = self.recording.last_mut() {
            // (One not resolved leaves the activation uncompiled: its id is of no use.)
            let source = local.and_then(|l| self.segments.get(usize::from(l)));
            let id = source.map_or(u32::MAX, |s| s.segment);
            let met = Ref {
                activation: false,
                id,
                offset: 0,
                rel: 0,
            };
            recording.met.push((met, local));
        }
        local
    }

    fn segment_inner(
        &mut self,
        name: &str,
        ptr: &Ptr<'_>,
        errs: &mut Errs,
    ) -> Option<LocalSegment> {
        let Some(id) = self.shared.segment_ids.get(name) else {
            let mut message = concat(&["unknown segment ", &quoted(name)]);
            let segments = &self.shared.segments;
            if segments.len() <= reader::HINTED {
                let names: Vec<&str> = segments.iter().map(|d| d.name.as_str()).collect();
                reader::did_you_mean(&mut message, &[&names], name);
            }
            errs.add(ptr, message);
            return None;
        };
        let (memo, shared) = (&self.segment_memo, self.shared);
        let key = |i: usize| segment_name(shared, memo, i);
        let found = self.segment_slots.find(memo.len(), &key, name);
        if let Some(&(_, memo)) = found.and_then(|i| self.segment_memo.get(i)) {
            if memo.is_none() {
                self.report_segment(id, name, ptr, errs);
            }
            return memo;
        }
        let local = match self.resolve_segment(id) {
            Ok(local) => Some(local),
            Err(Unresolved::Unfit) => {
                self.report_segment(id, name, ptr, errs);
                None
            }
            Err(Unresolved::Full) => {
                // The feature's own problem, said at each reference past
                // the limit (so not remembered as the segment's), and kept
                // when it is met inside an activation (see `bound_problem`).
                self.bound_problem = true;
                errs.add(ptr, self.limit_problem("segments"));
                return None;
            }
        };
        self.segment_memo.push((id, local));
        let memo = &self.segment_memo;
        self.segment_slots
            .update(memo.len(), &|i| segment_name(shared, memo, i));
        local
    }

    /// The problem of a reference past the feature's limit on `what`
    /// (`segments`, `activations`): inside an activation, which is fine on
    /// its own, naming the feature that goes past it there.
    pub(super) fn limit_problem(&self, what: &str) -> String {
        let mut message = concat(&["a feature may use at most 65 536 ", what]);
        if !self.stack.is_empty() && !self.any_input {
            message.push_str(", and feature ");
            message.push_str(&quoted(&self.feature));
            message.push_str(" goes past it here");
        }
        message
    }

    /// How many more segments the feature can number (in 16 bits).
    pub(super) fn segment_room(&self) -> usize {
        (usize::from(LocalSegment::MAX) + 1).saturating_sub(self.segments.len())
    }

    fn resolve_segment(&mut self, id: u32) -> Result<LocalSegment, Unresolved> {
        let def = self
            .shared
            .segments
            .get(id as usize)
            .ok_or(Unresolved::Unfit)?;
        if !def.ok {
            return Err(Unresolved::Unfit);
        }
        let mut candidates: Vec<(InputId, Template)> = if self.any_input {
            // Checking activations on their own: the sources are not kept,
            // so they are not copied (a segment may convert 65 536 inputs,
            // and be used by as many activations).
            if def.templates.is_empty() {
                return Err(Unresolved::Unfit);
            }
            Vec::new()
        } else {
            // The templates of the feature's inputs, in the feature's
            // order: each input looked up among the segment's (sorted).
            // (A loop, not an iterator chain: its adapters were generic
            // functions of their own, which a first evaluation compiled.)
            let mut of_inputs = Vec::new();
            for input in &self.inputs {
                let rank = rank_of(&def.by_input, *input);
                if let Some(t) = rank.and_then(|t| def.templates.get(t as usize)) {
                    of_inputs.push(t.clone());
                }
            }
            of_inputs
        };
        candidates.shrink_to_fit();
        if candidates.is_empty() && !self.any_input {
            return Err(Unresolved::Unfit);
        }
        let local = LocalSegment::try_from(self.segments.len()).map_err(|_| Unresolved::Full)?;
        let shared = match candidates.as_slice() {
            [(input, t)] if def.templates.len() == 1 => match *t.parts {
                [Part::Slot(slot)] => Some((*input, slot)),
                _ => None,
            },
            _ => None,
        };
        self.segments.push(SegmentSource {
            segment: id,
            candidates,
            shared,
        });
        Ok(local)
    }

    fn report_segment(&mut self, id: u32, name: &str, ptr: &Ptr<'_>, errs: &mut Errs) {
        let Some(def) = self.shared.segments.get(id as usize) else {
            return;
        };
        if !def.ok {
            errs.add(
                ptr,
                concat(&[
                    "the segment ",
                    &quoted(name),
                    " has problems (see ",
                    &child("/segments", name),
                    ")",
                ]),
            );
            return;
        }
        let converts: Vec<&str> = def
            .templates
            .iter()
            .filter_map(|(i, _)| {
                self.shared
                    .interner
                    .inputs
                    .get(usize::from(*i))
                    .map(String::as_str)
            })
            .collect();
        let inputs: Vec<&str> = self.declared.iter().map(String::as_str).collect();
        let mut message = concat(&[
            "the segment ",
            &quoted(name),
            " converts ",
            &quoted_some(&converts),
            ", none of the inputs of feature ",
            &quoted(&self.feature),
        ]);
        message.push_str(if inputs.is_empty() {
            " (it declares no inputs)"
        } else {
            " ("
        });
        if !inputs.is_empty() {
            message.push_str(&quoted_some(&inputs));
            message.push(')');
        }
        match self.stack.last() {
            Some(&holder) if !self.any_input => {
                self.foreign.get_or_insert((holder, message));
            }
            _ => errs.add(ptr, message),
        }
    }
}

/// Why a segment does not resolve for a feature.
enum Unresolved {
    /// It has problems, or converts none of the feature's inputs (said by
    /// [`Scope::report_segment`]).
    Unfit,
    /// The feature numbers 65 536 segments already.
    Full,
}

/// The name of the segment at `i` in a scope's memo.
fn segment_name<'s>(
    shared: &'s Shared,
    memo: &[(u32, Option<LocalSegment>)],
    i: usize,
) -> Option<&'s str> {
    let (id, _) = memo.get(i)?;
    shared.segments.get(*id as usize).map(|d| d.name.as_str())
}

/// The second of the pair whose first is `input`, in a list sorted by input.
fn rank_of(sorted: &[(u32, u32)], input: InputId) -> Option<u32> {
    let at = sorted
        .binary_search_by_key(&u32::from(input), |&(i, _)| i)
        .ok()?;
    sorted.get(at).map(|&(_, r)| r)
}
