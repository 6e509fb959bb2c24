//! [`Engine`]: a loaded snapshot and the ways to evaluate it.

use crate::compile::{self, Compiled, Lazy};
use crate::eval::{self, Context, Env, Evaluation};
use crate::model::{Feature, ImplId, InputId, Kind, Slot, SlotId};
use crate::prelude::*;
use crate::{Problem, SnapshotError};
use alloc::borrow::Cow;
use core::mem::ManuallyDrop;

/// A loaded snapshot, ready to evaluate any number of times.
///
/// Loading checks the whole document and compiles what features share
/// (segments, activations); each feature is compiled the first time it is
/// evaluated or listed, and kept (see [`crate::compile`]).
///
/// With the `std` feature (the default) an engine is `Send` and `Sync`: one
/// loaded snapshot can serve every thread of a server (behind an `Arc`).
/// Without it, it is `Send` only.
#[derive(Clone)]
pub struct Engine {
    revision: String,
    segments: Vec<String>,
    /// Dropped by [`compile::discard`] (see `Drop`).
    features: ManuallyDrop<Lazy>,
}

/// A loaded snapshot is dropped by the snapshot crate, which the
/// WebAssembly build compiles for size: dropped here, its drop code (every
/// vector of the compiled features) was compiled for speed and inlined, 1.7
/// KB more of the module.
impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: `features` is taken once, here, and nothing uses it after.
        compile::discard(unsafe { ManuallyDrop::take(&mut self.features) });
    }
}

#[cfg(feature = "std")]
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<Engine>();
};
// Without `std`, one thread at a time, but it can move.
const _: () = {
    const fn movable<T: Send>() {}
    movable::<Engine>();
};

/// The engine in brief, as std's types show theirs: its revision, how many
/// features it declares and how many of them are compiled so far. Not the
/// snapshot, which can be megabytes ([`Engine::text`] has it), and not its
/// problems, which would compile every feature: a log line must not undo
/// lazy compilation ([`Engine::problems`] has them).
///
/// ```
/// let engine = feats_edge::Engine::load(r#"{"schema": 1, "revision": "r7",
///   "features": {"F": {"implementations": ["a"], "default": "a"}}}"#).unwrap();
/// assert_eq!(format!("{engine:?}"), r#"Engine { revision: "r7", features: 1, compiled: 0, .. }"#);
/// ```
impl core::fmt::Debug for Engine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Engine")
            .field("revision", &self.revision())
            .field("features", &self.feature_count())
            .field("compiled", &self.compiled_count())
            .finish_non_exhaustive()
    }
}

impl From<Compiled> for Engine {
    fn from(c: Compiled) -> Engine {
        Engine {
            revision: c.revision,
            segments: c.segments,
            features: ManuallyDrop::new(c.features),
        }
    }
}

impl Engine {
    /// Parses a snapshot document and prepares it for evaluation.
    ///
    /// # Errors
    /// A [`SnapshotError`] when the whole snapshot is refused: invalid JSON,
    /// a schema other than 1, a top level that is not an object, a limit
    /// exceeded. Problems confined to features are listed in [`Engine::problems`].
    pub fn load(text: &str) -> Result<Engine, SnapshotError> {
        compile::load(text).map(Engine::from)
    }

    /// Like [`Engine::load`], keeping `text` without copying it.
    ///
    /// # Errors
    /// As [`Engine::load`].
    pub fn load_owned(text: String) -> Result<Engine, SnapshotError> {
        compile::load_owned(text).map(Engine::from)
    }

    /// Like [`Engine::load`], from UTF-8 bytes; invalid sequences read as
    /// U+FFFD, as `TextDecoder` does.
    ///
    /// # Errors
    /// As [`Engine::load`].
    pub fn load_bytes(bytes: Vec<u8>) -> Result<Engine, SnapshotError> {
        compile::load_bytes(bytes).map(Engine::from)
    }

    /// The snapshot's text, as loaded (bytes as read, invalid sequences as
    /// U+FFFD).
    #[must_use]
    pub fn text(&self) -> &str {
        self.features.text()
    }

    /// The loaded snapshot (for [`crate::changes`]).
    pub(crate) fn snapshot(&self) -> &Lazy {
        &self.features
    }

    /// The snapshot's revision, `""` when it has none.
    #[must_use]
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// Problems confined to features (and unknown top-level fields); empty
    /// when clean. Compiles every feature not compiled yet.
    #[must_use]
    pub fn problems(&self) -> &[Problem] {
        self.features.problems()
    }

    /// How many features the snapshot declares.
    #[must_use]
    pub fn feature_count(&self) -> usize {
        self.features.len()
    }

    /// The feature at `index` (document order), compiled on first use.
    #[must_use]
    pub fn feature(&self, index: usize) -> Option<&Feature> {
        self.features.feature(index)
    }

    /// How many features have been compiled so far (each is compiled on its
    /// first evaluation or listing).
    #[must_use]
    pub fn compiled_count(&self) -> usize {
        self.features.compiled_count()
    }

    /// The name of the feature at `index`, without compiling it.
    #[must_use]
    pub fn feature_name(&self, index: usize) -> Option<&str> {
        self.features.name(index)
    }

    /// The JSON text of the feature at `index`, as the snapshot has it;
    /// `None` for a name declared more than once.
    #[must_use]
    pub fn feature_source(&self, index: usize) -> Option<&str> {
        self.features.source(index)
    }

    /// The features, in document order (compiling those not compiled yet).
    pub fn features(&self) -> impl Iterator<Item = &Feature> + '_ {
        (0..self.features.len()).filter_map(|i| self.features.feature(i))
    }

    /// The input names segments convert, by [`InputId`].
    #[must_use]
    pub fn inputs(&self) -> &[String] {
        self.features.inputs()
    }

    /// Every (input, path) the snapshot's segments read, by [`SlotId`].
    #[must_use]
    pub fn slots(&self) -> &[Slot] {
        self.features.slots()
    }

    /// The segment names, by index (as in [`eval::Unit::segment`]).
    #[must_use]
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The values segment `name` declares as its `options`, as declared;
    /// `None` when it declares none.
    #[must_use]
    pub fn segment_options(&self, name: &str) -> Option<&[String]> {
        self.features.segment_options(name)
    }

    /// The index of a feature by name.
    #[must_use]
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.features.index_of(name)
    }

    /// Evaluates the feature at `index` (see [`Engine::feature_index`]).
    #[inline]
    pub fn evaluate_index<'e, 'c, C, E>(
        &'e self,
        index: usize,
        ctx: &'c C,
        env: &mut E,
    ) -> Evaluation<'e, 'c>
    where
        C: Context + ?Sized,
        E: Env + ?Sized,
    {
        self.evaluate_at(index, ctx, env, None)
    }

    /// Evaluates the feature at `index`, sharing segment values with the
    /// other evaluations of the same context through `memo` (made by
    /// [`Engine::memo`] for this context).
    pub fn evaluate_index_with<'e, 'c, C, E>(
        &'e self,
        index: usize,
        ctx: &'c C,
        env: &mut E,
        memo: &mut eval::Memo<'c>,
    ) -> Evaluation<'e, 'c>
    where
        C: Context + ?Sized,
        E: Env + ?Sized,
    {
        self.evaluate_at(index, ctx, env, Some(memo))
    }

    #[inline(always)]
    fn evaluate_at<'e, 'c, C, E>(
        &'e self,
        index: usize,
        ctx: &'c C,
        env: &mut E,
        memo: Option<&mut eval::Memo<'c>>,
    ) -> Evaluation<'e, 'c>
    where
        C: Context + ?Sized,
        E: Env + ?Sized,
    {
        match self.features.feature(index) {
            Some(feature) => {
                env.feature(index);
                eval::evaluate_with(feature, ctx, env, memo)
            }
            None => Evaluation::not_found(),
        }
    }

    /// A memo for evaluating many features against one context.
    #[must_use]
    pub fn memo<'c>(&self) -> eval::Memo<'c> {
        eval::Memo::new(self.segments.len(), self.features.activation_count())
    }

    /// Evaluates a feature by name; an unknown name gives `FLAG_NOT_FOUND`.
    pub fn evaluate<'e, 'c, C, E>(
        &'e self,
        name: &str,
        ctx: &'c C,
        env: &mut E,
    ) -> Evaluation<'e, 'c>
    where
        C: Context + ?Sized,
        E: Env + ?Sized,
    {
        match self.feature_index(name) {
            Some(i) => self.evaluate_index(i, ctx, env),
            None => Evaluation::not_found(),
        }
    }

    /// Evaluates every feature for one context, in document order, sharing
    /// what the features have in common as [`Engine::details_all`] does
    /// (each segment value read once, each activation that holds alike in
    /// every feature judged once). Each result says which feature it is
    /// for and names the implementation served, so that it can be keyed by
    /// name or looked up again by index.
    ///
    /// ```
    /// use feats_edge::{Engine, context::{JsonContext, FixedEnv}, json};
    /// use std::collections::BTreeMap;
    /// let engine = Engine::load(r#"{"schema": 1, "segments": {"Country": {"from": {"user": "{country}"}}},
    ///   "features": {"Checkout": {"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
    ///     "rules": [{"when": {"segment": "Country", "in": ["CA"]}, "serve": "new"}]},
    ///   "Search": {"implementations": ["basic"], "default": "basic"}}}"#).unwrap();
    /// let ctx = json::parse(r#"{"user": {"country": "CA"}}"#, &json::Limits::default()).unwrap();
    /// let ctx = JsonContext::new(&engine, &ctx);
    /// let mut env = FixedEnv { now: 0, sticky: Default::default(), random: || 0 };
    /// let served: BTreeMap<&str, &str> = engine
    ///     .evaluate_all(&ctx, &mut env)
    ///     .filter_map(|r| Some((r.feature, r.implementation?)))
    ///     .collect();
    /// assert_eq!(served, BTreeMap::from([("Checkout", "new"), ("Search", "basic")]));
    /// ```
    pub fn evaluate_all<'e, 'c, 'v, C, E>(
        &'e self,
        ctx: &'c C,
        env: &'v mut E,
    ) -> impl Iterator<Item = Evaluated<'e, 'c>> + use<'e, 'c, 'v, C, E>
    where
        C: Context + ?Sized,
        E: Env + ?Sized,
    {
        let mut memo = self.memo();
        (0..self.features.len()).filter_map(move |index| {
            let feature = self.features.feature(index)?;
            let evaluation = self.evaluate_index_with(index, ctx, env, &mut memo);
            let implementation = evaluation
                .implementation
                .and_then(|id| feature.implementations.get(usize::from(id)))
                .map(String::as_str);
            Some(Evaluated {
                index,
                feature: &feature.name,
                implementation,
                evaluation,
            })
        })
    }

    /// The name of an implementation of the feature at `index`.
    #[must_use]
    pub fn implementation_name(
        &self,
        index: usize,
        implementation: Option<ImplId>,
    ) -> Option<&str> {
        let feature = self.features.feature(index)?;
        feature
            .implementations
            .get(usize::from(implementation?))
            .map(String::as_str)
    }

    /// Writes a result as the SPEC's details JSON object.
    pub fn write_details(
        &self,
        index: Option<usize>,
        name: &str,
        ev: &Evaluation<'_, '_>,
        out: &mut String,
    ) {
        self.write_details_as(index, name, ev, None, &[], out);
    }

    /// [`Engine::write_details`], the unit's value written as `unit_index`
    /// when given (an index into a list of values written once) and
    /// `stickyKey` then `null` (the reader makes it from the two).
    fn write_details_as(
        &self,
        index: Option<usize>,
        name: &str,
        ev: &Evaluation<'_, '_>,
        unit_index: Option<usize>,
        passed: &[String],
        out: &mut String,
    ) {
        use crate::json::push_string;
        use crate::text::put;
        let implementation = index.and_then(|i| self.implementation_name(i, ev.implementation));
        put(out, "{\"feature\":");
        push_string(out, name);
        put(out, ",\"implementation\":");
        opt_string(out, implementation);
        put(out, ",\"reason\":\"");
        put(out, ev.reason.as_str());
        put(out, "\",\"rule\":");
        match ev.rule {
            Some(r) => crate::text::push_u64(out, u64::from(r)),
            None => put(out, "null"),
        }
        put(out, ",\"experiment\":");
        opt_string(out, ev.experiment);
        put(out, ",\"unit\":");
        match &ev.unit {
            Some(unit) => {
                put(out, "{\"segment\":");
                push_string(
                    out,
                    self.segments
                        .get(unit.segment as usize)
                        .map_or("", String::as_str),
                );
                put(out, ",\"value\":");
                match unit_index {
                    Some(i) => crate::text::push_u64(out, i as u64),
                    None => push_string(out, &unit.value),
                }
                put(out, "}");
            }
            None => put(out, "null"),
        }
        put(out, ",\"stickyKey\":");
        match (ev.experiment, &ev.unit) {
            (Some(experiment), Some(unit)) if unit_index.is_none() => {
                push_string(out, &sticky_key(experiment, &unit.value))
            }
            _ => put(out, "null"),
        }
        put(out, ",\"errorCode\":");
        opt_string(out, ev.error.map(|e| e.as_str()));
        put(out, ",\"revision\":");
        push_string(out, &self.revision);
        if !passed.is_empty() {
            put(out, ",\"fellThrough\":");
            crate::json::push_strings(out, passed);
        }
        put(out, "}");
    }

    /// The details JSON of one feature by name.
    #[must_use]
    pub fn details<C, E>(&self, name: &str, ctx: &C, env: &mut E) -> String
    where
        C: Context + ?Sized,
        E: Env + ?Sized,
    {
        self.details_at(self.feature_index(name), name, ctx, &mut Noting::new(env))
    }

    /// The details JSON of the feature at `index` (`None`: an unknown
    /// feature, called `name`). Beyond the SPEC's fields, `fellThrough`
    /// lists the sticky keys of the `random` experiments whose draw fell
    /// through, when there are any and `env` notes them (see
    /// [`Env::noted`]): a host that records uses stores [`eval::PASSED`]
    /// under each once the result is used.
    #[must_use]
    pub fn details_at<C, E>(&self, index: Option<usize>, name: &str, ctx: &C, env: &mut E) -> String
    where
        C: Context + ?Sized,
        E: Env + ?Sized,
    {
        env.clear_noted();
        let ev = match index {
            Some(i) => self.evaluate_index(i, ctx, env),
            None => Evaluation::not_found(),
        };
        let mut out = String::with_capacity(256);
        self.write_details_as(index, name, &ev, None, env.noted(), &mut out);
        out
    }

    /// The details of every feature, as one JSON object keyed by feature name.
    #[must_use]
    pub fn details_all<C, E>(&self, ctx: &C, env: &mut E) -> String
    where
        C: Context + ?Sized,
        E: Env + ?Sized,
    {
        self.write_all(ctx, env, None)
    }

    /// [`Engine::details_all`] with each distinct unit value written once:
    /// `{"units": [value, …], "details": {feature: details}}`, where a
    /// details' `unit.value` is an index into `units` and its `stickyKey`
    /// is `null`, for the reader to make (`experiment/value` when both
    /// are there). A long unit value that every feature splits by would
    /// otherwise be written twice per feature (a 60 KB value and 1 000
    /// features: over 100 MB that WebAssembly memory keeps for good).
    #[must_use]
    pub fn details_all_shared<C, E>(&self, ctx: &C, env: &mut E) -> String
    where
        C: Context + ?Sized,
        E: Env + ?Sized,
    {
        let mut units = Units::default();
        let details = self.write_all(ctx, env, Some(&mut units));
        crate::text::concat(&["{\"units\":[", &units.json, "],\"details\":", &details, "}"])
    }

    /// The details of every feature, keyed by name; unit values written in
    /// `units` when given (see [`Engine::details_all_shared`]).
    fn write_all<'c, C, E>(
        &self,
        ctx: &'c C,
        env: &mut E,
        mut units: Option<&mut Units<'c>>,
    ) -> String
    where
        C: Context + ?Sized,
        E: Env + ?Sized,
    {
        let mut out = String::with_capacity(256 * self.features.len() + 2);
        out.push('{');
        let mut memo = self.memo();
        for (i, feature) in self.features().enumerate() {
            if i > 0 {
                out.push(',');
            }
            crate::json::push_string(&mut out, &feature.name);
            out.push(':');
            let ev = self.evaluate_index_with(i, ctx, env, &mut memo);
            let unit_index = match (&mut units, &ev.unit) {
                (Some(units), Some(unit)) => Some(units.index(unit)),
                _ => None,
            };
            // (No `fellThrough` here: uses are recorded from one feature's
            // details, and every feature's keys would repeat a long unit.)
            self.write_details_as(Some(i), &feature.name, &ev, unit_index, &[], &mut out);
        }
        out.push('}');
        out
    }

    /// The features as the JSON array `engine.features` gives in JavaScript:
    /// `[{name, type, implementations, default, inputs}]`.
    #[must_use]
    pub fn features_json(&self) -> String {
        self.features.declarations_json()
    }

    /// The problems as a JSON array of `{path, message}`.
    #[must_use]
    pub fn problems_json(&self) -> String {
        Problem::list_json(self.problems())
    }

    /// Whether a feature is boolean.
    #[must_use]
    pub fn is_boolean(&self, index: usize) -> bool {
        self.features
            .feature(index)
            .is_some_and(|f| f.kind == Kind::Boolean)
    }

    /// The input a slot starts from.
    #[must_use]
    pub fn slot_input(&self, slot: SlotId) -> Option<InputId> {
        self.slots().get(slot as usize).map(|s| s.input)
    }
}

/// One feature's result from [`Engine::evaluate_all`]: which feature, the
/// implementation served by name, and the evaluation itself (an
/// [`Evaluation`] alone says neither: it is what was asked for, by index
/// or by name). Fields may be added in a minor release.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Evaluated<'e, 'c> {
    /// The feature's index, as [`Engine::feature_index`] gives it.
    pub index: usize,
    /// The feature's name.
    pub feature: &'e str,
    /// The name of the implementation served (the evaluation's
    /// `implementation`); `None` when it serves none (a feature whose
    /// default cannot be read).
    pub implementation: Option<&'e str>,
    /// The reason, rule, experiment and unit, as evaluating it alone gives.
    pub evaluation: Evaluation<'e, 'c>,
}

/// A host environment passed through, noting the sticky keys of the
/// `random` experiments whose draw fell through (see [`Env::noted`]).
struct Noting<'a, E: ?Sized> {
    env: &'a mut E,
    passed: Vec<String>,
}

impl<'a, E: Env + ?Sized> Noting<'a, E> {
    fn new(env: &'a mut E) -> Self {
        Noting {
            env,
            passed: Vec::new(),
        }
    }
}

impl<E: Env + ?Sized> Env for Noting<'_, E> {
    fn now(&mut self) -> i64 {
        self.env.now()
    }
    fn sticky(
        &mut self,
        experiment: &str,
        unit: &str,
        implementations: &[String],
    ) -> Option<eval::Assignment> {
        self.env.sticky(experiment, unit, implementations)
    }
    fn random(&mut self) -> u32 {
        self.env.random()
    }
    fn used(&self) -> Option<ImplId> {
        self.env.used()
    }
    fn feature(&mut self, index: usize) {
        self.env.feature(index);
    }
    fn passed(&mut self, experiment: &str, unit: &str) {
        self.env.passed(experiment, unit);
        self.passed.push(sticky_key(experiment, unit));
    }
    fn noted(&self) -> &[String] {
        &self.passed
    }
    fn clear_noted(&mut self) {
        self.passed.clear();
    }
}

/// The sticky key of an experiment unit: `"<experiment>/<unit value>"`.
#[must_use]
pub fn sticky_key(experiment: &str, unit: &str) -> String {
    crate::text::concat(&[experiment, "/", unit])
}

/// The distinct unit values of an evaluate-all, as a JSON list's items.
///
/// A value read straight from the context (a one-placeholder segment) is
/// known by where it was read: found there again, for the next feature
/// that splits by it, it is not compared byte by byte with the values
/// seen (a 64 KiB id and 1 000 features were 64 MB of comparisons).
#[derive(Default)]
struct Units<'c> {
    json: String,
    /// Each value met, with its index in the list: one entry per distinct
    /// value, and one more per other place in the context it was read from.
    seen: Vec<(Cow<'c, str>, usize)>,
    /// How many distinct values are written.
    count: usize,
}

impl<'c> Units<'c> {
    /// The index of `unit`'s value, written on its first time.
    fn index(&mut self, unit: &eval::Unit<'c>) -> usize {
        let value = &unit.value;
        // The same address and length in the context: the same bytes, which
        // the context holds unchanged for as long as it is borrowed.
        let place = |v: &Cow<'c, str>| match (v, value) {
            (Cow::Borrowed(a), Cow::Borrowed(b)) => core::ptr::eq(*a, *b),
            _ => false,
        };
        if let Some(&(_, i)) = self.seen.iter().find(|(v, _)| place(v)) {
            return i;
        }
        let i = match self.seen.iter().find(|(v, _)| same_text(v, value)) {
            // Known by a place of its own from now on (an owned value, made
            // for one feature, has none).
            Some(&(_, i)) if matches!(value, Cow::Borrowed(_)) => i,
            Some(&(_, i)) => return i,
            None => {
                if self.count > 0 {
                    self.json.push(',');
                }
                crate::json::push_string(&mut self.json, value);
                self.count += 1;
                self.count - 1
            }
        };
        self.seen.push((value.clone(), i));
        i
    }
}

#[cfg(test)]
std::thread_local! {
    /// The bytes [`same_text`] compared on this thread.
    static COMPARED: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// Whether two unit values are the same text (in tests, counting the bytes
/// compared).
fn same_text(a: &str, b: &str) -> bool {
    #[cfg(test)]
    if a.len() == b.len() {
        COMPARED.with(|c| c.set(c.get() + a.len()));
    }
    a == b
}

fn opt_string(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => crate::json::push_string(out, s),
        None => crate::text::put(out, "null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{FixedEnv, JsonContext};
    use std::format;

    /// Evaluate-all with `features` features that split by one 64 KiB id,
    /// and a second segment, built from the id, that the last feature
    /// splits by: the bytes of unit values compared, and the output.
    fn shared_units(features: usize) -> (usize, String) {
        let list = splits((0..features).map(|i| {
            if i + 1 == features {
                "Tagged"
            } else {
                "UserId"
            }
        }));
        let engine = Engine::load(&format!(
            r#"{{"schema": 1, "segments": {{"UserId": {{"from": {{"user": "{{id}}"}}}},
               "Tagged": {{"from": {{"user": "{{id}}-{{id}}"}}}}}}, "features": {{{list}}}}}"#
        ))
        .unwrap();
        let id = "7".repeat(32_000); // joined twice, within MAX_RENDERED
        details_all(&engine, &format!(r#"{{"user": {{"id": "{id}"}}}}"#))
    }

    /// Features `F0`, `F1`, … that each split by the segment `by` gives it,
    /// as the members of a `features` object.
    fn splits<'a>(by: impl Iterator<Item = &'a str>) -> String {
        let features: Vec<String> = by
            .enumerate()
            .map(|(i, by)| {
                format!(
                    r#""F{i}": {{"inputs": ["user"], "implementations": ["a", "b"], "default": "a",
                       "rules": [{{"split": {{"by": "{by}", "weights": {{"a": 50, "b": 50}}}}}}]}}"#
                )
            })
            .collect();
        features.join(",")
    }

    /// Evaluate-all's details for `context`, and the bytes of unit values
    /// compared meanwhile.
    fn details_all(engine: &Engine, context: &str) -> (usize, String) {
        let value = crate::json::parse(context, &crate::json::Limits::default()).unwrap();
        let ctx = JsonContext::new(engine, &value);
        let mut env = FixedEnv {
            now: 0,
            sticky: Default::default(),
            random: || 0,
        };
        COMPARED.with(|c| c.set(0));
        let out = engine.details_all_shared(&ctx, &mut env);
        (COMPARED.with(core::cell::Cell::get), out)
    }

    #[test]
    fn a_unit_read_from_the_same_place_is_not_compared_again_per_feature() {
        let (compared, out) = shared_units(200);
        // Not one id's length per feature (the old way: 199 of them).
        assert!(compared <= 64 * 1024, "{compared} bytes compared");
        // Written once each, and referred to by index.
        let id = "7".repeat(32_000); // joined twice, within MAX_RENDERED
        assert!(out.starts_with(&format!(r#"{{"units":["{id}","{id}-{id}"],"details":"#)));
        assert!(out.contains(r#""F0":{"feature":"F0","implementation":"#));
        assert!(out.contains(r#""unit":{"segment":"UserId","value":0}"#));
        assert!(out.contains(r#""unit":{"segment":"Tagged","value":1}"#));
    }

    #[test]
    fn an_equal_value_met_at_another_place_is_compared_once_then_known_by_it() {
        // 200 features split by `A` and by `B` in turn, two places in the
        // context that hold the same 32 000 characters: compared once,
        // when `B` is first met (not once per feature that splits by it).
        let list = splits((0..200).map(|i| if i % 2 == 0 { "A" } else { "B" }));
        let engine = Engine::load(&format!(
            r#"{{"schema": 1, "segments": {{"A": {{"from": {{"user": "{{a}}"}}}},
               "B": {{"from": {{"user": "{{b}}"}}}}}}, "features": {{{list}}}}}"#
        ))
        .unwrap();
        let v = "7".repeat(32_000);
        let (compared, out) = details_all(
            &engine,
            &format!(r#"{{"user": {{"a": "{v}", "b": "{v}"}}}}"#),
        );
        assert_eq!(compared, 32_000);
        assert!(out.starts_with(&format!(r#"{{"units":["{v}"],"details":"#)));
    }

    #[test]
    fn equal_values_from_other_places_or_rendered_share_one_index() {
        let list = splits(["A", "B", "AC", "A", "B", "AC", "C", "B"].into_iter());
        let engine = Engine::load(&format!(
            r#"{{"schema": 1, "segments": {{"A": {{"from": {{"user": "{{a}}"}}}},
               "B": {{"from": {{"user": "{{b}}"}}}}, "C": {{"from": {{"user": "{{c}}"}}}},
               "AC": {{"from": {{"user": "{{a}}{{c}}"}}}}}}, "features": {{{list}}}}}"#
        ))
        .unwrap();
        let (_, out) = details_all(&engine, r#"{"user": {"a": "v", "b": "v", "c": ""}}"#);
        assert!(out.starts_with(r#"{"units":["v",""],"details":"#), "{out}");
        let indices: Vec<usize> = out
            .match_indices(r#""value":"#)
            .filter_map(|(at, m)| out.get(at + m.len()..at + m.len() + 1)?.parse().ok())
            .collect();
        assert_eq!(indices, [0, 0, 0, 0, 0, 0, 1, 0]);
    }
}
