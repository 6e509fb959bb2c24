//! Features and their rules: implementations, default, kill switch, serve,
//! split and experiment, each checked against the feature's declarations.

use super::conditions;
use super::reader::{self, expected, quoted, Errs, Ptr};
use super::Scope;
use crate::hash;
use crate::index::Positions;
use crate::json::Value;
use crate::model::{
    Action, Body, Cond, Feature, ImplId, Kind, Part, Rule, SegmentSource, SlotId, Split,
};
use crate::ops::decimal;
use crate::prelude::*;
use crate::text::{concat, push_percent, quoted_some};

const BOOLEAN_IMPLEMENTATIONS: [&str; 2] = ["true", "false"];

/// What a feature declares before its rules: the feature with its name,
/// kind, implementations and (when readable) default, its implementation
/// ids by name, and the fields read after (`object`: whether the value is
/// an object whose fields could be read at all).
struct Header<'v> {
    object: bool,
    feature: Feature,
    impl_ids: Positions,
    inputs: Option<&'v Value<'v>>,
    enabled: Option<&'v Value<'v>>,
    rules: Option<&'v Value<'v>>,
}

/// A feature's fields (besides `description` and `meta`).
pub(super) const FIELDS: [&str; 6] = [
    "type",
    "inputs",
    "implementations",
    "default",
    "enabled",
    "rules",
];

/// Reads a feature's declarations (see [`Header`]).
fn header<'v>(name: &str, value: &'v Value<'v>, ptr: &Ptr<'_>, errs: &mut Errs) -> Header<'v> {
    let mut feature = Feature {
        name: name.to_owned(),
        kind: Kind::Multi,
        implementations: Vec::new(),
        default: None,
        inputs: Vec::new(),
        body: None,
        slots: Vec::new(),
    };
    reader::check_name(name, ptr, errs);
    let Some([kind, inputs, implementations, default, enabled, rules]) =
        reader::fields(value, ptr, FIELDS, errs)
    else {
        return Header {
            object: false,
            feature,
            impl_ids: Positions::default(),
            inputs: None,
            enabled: None,
            rules: None,
        };
    };
    if let Some(kind) = kind {
        feature.kind = read_kind(kind, ptr, errs);
    } else if implementations.is_none() && default.is_some_and(|d| d.as_bool().is_some()) {
        feature.kind = untyped_boolean(ptr, errs);
    }
    feature.implementations = read_implementations(feature.kind, implementations, ptr, errs);
    // Implementation ids by name, for the default, serves and weights: a
    // lookup each, not a scan of up to 10 000 names.
    let mut impl_ids = Positions::default();
    impl_ids.update(feature.implementations.len(), &|i| {
        feature.implementations.get(i).map(String::as_str)
    });
    if let Some(default) = reader::required(default, ptr, "default", errs) {
        feature.default = implementation(&feature, &impl_ids, default, &ptr.key("default"), errs);
    }
    Header {
        object: true,
        feature,
        impl_ids,
        inputs,
        enabled,
        rules,
    }
}

/// The kind a feature's `type` gives. Out of line, as are the other parts
/// of a feature only some features have: a WebAssembly engine compiles a
/// function when it is first called, so the first evaluation of a feature
/// without them does not compile them.
#[inline(never)]
fn read_kind(kind: &Value, ptr: &Ptr<'_>, errs: &mut Errs) -> Kind {
    match kind.as_str() {
        Some("multi") => Kind::Multi,
        Some("boolean") => Kind::Boolean,
        // `bool`, `Boolean`: a boolean feature meant (read as one, so
        // that its default and serves are not reported as well).
        Some(t)
            if t.as_bytes()
                .get(..4)
                .is_some_and(|b| b.eq_ignore_ascii_case(b"bool")) =>
        {
            errs.add(
                &ptr.key("type"),
                concat(&[
                    "the type must be \"multi\" or \"boolean\", found ",
                    &kind.to_json(),
                    " (write \"boolean\")",
                ]),
            );
            Kind::Boolean
        }
        _ => {
            errs.add(
                &ptr.key("type"),
                concat(&[
                    "the type must be \"multi\" or \"boolean\", found ",
                    &kind.to_json(),
                ]),
            );
            Kind::Multi
        }
    }
}

/// A feature without `type` or `implementations` whose default is `true`
/// or `false`: a boolean feature whose `type` was forgotten. One problem,
/// saying to add it; read as boolean (as a misspelt type is), so that its
/// default serves and its serves are not reported as not strings.
#[cold]
#[inline(never)]
fn untyped_boolean(ptr: &Ptr<'_>, errs: &mut Errs) -> Kind {
    errs.add(
        ptr,
        "a feature with no implementations and a default of true or false is a boolean \
         feature: add \"type\": \"boolean\""
            .to_owned(),
    );
    Kind::Boolean
}

/// A feature as [`compile`] gives it, without its body: its name, kind,
/// implementations, default and declared inputs, read without compiling
/// its rules (for listing features). Problems are not reported.
pub fn declarations(name: &str, value: &Value) -> Feature {
    let mut errs = Errs::default();
    let ptr = Ptr::root("");
    let Header {
        mut feature,
        inputs,
        ..
    } = header(name, value, &ptr, &mut errs);
    if let Some(inputs) = inputs {
        feature.inputs = read_inputs(inputs, &ptr, &mut errs);
    }
    feature
}

/// Compiles `/features/NAME`. A feature with problems keeps its name,
/// implementations and (when readable) its default, and has no body.
pub fn compile(
    name: &str,
    value: &Value,
    ptr: &Ptr<'_>,
    scope: &mut Scope<'_>,
    errs: &mut Errs,
) -> Feature {
    let Header {
        object,
        mut feature,
        impl_ids,
        inputs,
        enabled,
        rules,
    } = header(name, value, ptr, errs);
    if !object {
        return feature;
    }
    let mut ids = Vec::new();
    if let Some(inputs) = inputs {
        if inputs.as_array().is_none() {
            // Unreadable (a problem already): the segments are not judged
            // against inputs the feature does not have.
            scope.begin_any_input();
        }
        feature.inputs = read_inputs(inputs, &ptr.key("inputs"), errs);
        // Inputs no segment converts are valid but never read, so they get no id.
        for n in &feature.inputs {
            if let Some(id) = scope.input_id(n) {
                ids.push(id);
            }
        }
    }
    let enabled = enabled
        .and_then(|e| reader::boolean(e, &ptr.key("enabled"), errs))
        .unwrap_or(true);
    scope.begin_feature(name, &ids, core::mem::take(&mut feature.inputs));
    let mut compiled = Vec::new();
    if let Some(rules) = rules {
        let rules_ptr = ptr.key("rules");
        if let Some(items) = reader::array(rules, &rules_ptr, errs) {
            compiled.reserve_exact(items.len());
            for (i, rule) in items.iter().enumerate() {
                let at = rules_ptr.at(i);
                if let Some(r) = compile_rule(&feature, &impl_ids, rule, &at, scope, errs) {
                    compiled.push(r);
                }
            }
        }
    }
    let (segments, activations, activation_ids, inputs) = scope.end_feature();
    feature.inputs = inputs;
    feature.slots = slots_read(&segments);
    if errs.is_empty() && !feature.implementations.is_empty() && feature.default.is_some() {
        feature.body = Some(Body {
            enabled,
            rules: compiled,
            segments,
            activations,
            activation_ids,
        });
    }
    feature
}

/// The slots the feature's segments read, each once, in the order first met.
/// Sorted to find repeats (a template may hold thousands of placeholders).
/// Plain loops where an iterator chain (`flat_map`, `filter_map`, `zip`)
/// was some fifteen generic functions, which every first evaluation
/// compiled. The list kept is still collected in place, into the pairs'
/// memory: allocated apart, it changed where each feature's list sits among
/// what an engine frees, and a client swapping large snapshots
/// (tests/js/client/swap-memory.test.js) held 16.3 MB of wasm memory
/// instead of 12.8.
fn slots_read(segments: &[SegmentSource]) -> Vec<SlotId> {
    // (slot, where met)
    let mut met: Vec<(u32, u32)> = Vec::new();
    for s in segments {
        for (_, t) in &s.candidates {
            for part in t.parts.iter() {
                if let &Part::Slot(slot) = part {
                    met.push((slot, met.len() as u32));
                }
            }
        }
    }
    // By slot, then where met: the first of each slot is kept, as (where
    // met, slot).
    crate::index::sort_pairs(&mut met);
    let (mut kept, mut last) = (0, None);
    for i in 0..met.len() {
        let Some(&(slot, at)) = met.get(i) else { break };
        if last != Some(slot) {
            last = Some(slot);
            if let Some(place) = met.get_mut(kept) {
                *place = (at, slot);
            }
            kept += 1;
        }
    }
    met.truncate(kept);
    crate::index::sort_pairs(&mut met);
    let mut slots: Vec<SlotId> = met.into_iter().map(|(_, slot)| slot).collect();
    slots.shrink_to_fit();
    slots
}

/// The implementation names: the readable ones, each once, in order (a
/// bad or repeated item is a problem and is left out, so that a broken
/// feature can still serve a default that names one of the others).
fn read_implementations(
    kind: Kind,
    value: Option<&Value>,
    ptr: &Ptr<'_>,
    errs: &mut Errs,
) -> Vec<String> {
    let at = ptr.key("implementations");
    if kind == Kind::Boolean {
        return boolean_implementations(value, &at, errs);
    }
    let Some(value) = reader::required(value, ptr, "implementations", errs) else {
        return Vec::new();
    };
    let Some(items) = reader::array(value, &at, errs) else {
        return Vec::new();
    };
    if items.is_empty() {
        errs.add(
            &at,
            "a feature needs at least one implementation".to_owned(),
        );
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    let mut listed = Positions::default();
    for (i, item) in items.iter().enumerate() {
        let item_ptr = at.at(i);
        let Some(name) = reader::name(item, &item_ptr, errs) else {
            continue;
        };
        let key = |i: usize| out.get(i).map(String::as_str);
        if listed.find(out.len(), &key, name).is_some() {
            errs.add(
                &item_ptr,
                concat(&["the implementation ", &quoted(name), " is listed twice"]),
            );
        } else {
            out.push(name.to_owned());
            listed.update(out.len(), &|i| out.get(i).map(String::as_str));
        }
    }
    out
}

/// A boolean feature's implementations, [`BOOLEAN_IMPLEMENTATIONS`]; a
/// problem at `at` if `value` lists others. Out of line (see [`read_kind`]).
#[inline(never)]
fn boolean_implementations(value: Option<&Value>, at: &Ptr<'_>, errs: &mut Errs) -> Vec<String> {
    if let Some(value) = value {
        let names: Option<Vec<&str>> = value
            .as_array()
            .and_then(|items| items.iter().map(boolean_name).collect());
        if names.as_deref() != Some(&BOOLEAN_IMPLEMENTATIONS[..]) {
            errs.add(
                at,
                "a boolean feature's implementations are [true, false]; leave the field out"
                    .to_owned(),
            );
        }
    }
    BOOLEAN_IMPLEMENTATIONS
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The id of the implementation `name` of `feature`, whose names `ids` indexes.
fn implementation_id(feature: &Feature, ids: &Positions, name: &str) -> Option<usize> {
    let names = &feature.implementations;
    ids.find(names.len(), &|i| names.get(i).map(String::as_str), name)
}

fn boolean_name(value: &Value) -> Option<&'static str> {
    match value {
        Value::Bool(true) => Some("true"),
        Value::Bool(false) => Some("false"),
        Value::String(s) if s == "true" => Some("true"),
        Value::String(s) if s == "false" => Some("false"),
        _ => None,
    }
}

/// Resolves an implementation named in a rule or default.
fn implementation(
    feature: &Feature,
    impl_ids: &Positions,
    value: &Value,
    ptr: &Ptr<'_>,
    errs: &mut Errs,
) -> Option<ImplId> {
    let name = if feature.kind == Kind::Boolean {
        let Some(name) = boolean_name(value) else {
            let message = match value {
                Value::String(s) => {
                    concat(&["a boolean feature serves true or false, found ", &quoted(s)])
                }
                _ => expected("true or false", value),
            };
            errs.add(ptr, message);
            return None;
        };
        name
    } else {
        reader::string(value, ptr, errs)?
    };
    let found = implementation_id(feature, impl_ids, name);
    if found.is_none() {
        unknown_implementation(feature, name, ptr, errs);
    }
    found.and_then(|i| ImplId::try_from(i).ok())
}

/// A name that is none of the feature's implementations. Not said when
/// the feature has none: that is its problem, said at `implementations`.
fn unknown_implementation(feature: &Feature, name: &str, ptr: &Ptr<'_>, errs: &mut Errs) {
    if !feature.implementations.is_empty() {
        errs.add(
            ptr,
            concat(&[
                "unknown implementation ",
                &quoted(name),
                "; this feature has ",
                &quoted_some(&feature.implementations),
            ]),
        );
    }
}

fn read_inputs(value: &Value, ptr: &Ptr<'_>, errs: &mut Errs) -> Vec<String> {
    let Some(items) = reader::array(value, ptr, errs) else {
        return Vec::new();
    };
    let mut names: Vec<&str> = Vec::with_capacity(items.len());
    let mut listed = Positions::default();
    for (i, item) in items.iter().enumerate() {
        let at = ptr.at(i);
        let Some(name) = reader::name(item, &at, errs) else {
            continue;
        };
        let key = |i: usize| names.get(i).copied();
        if listed.find(names.len(), &key, name).is_some() {
            errs.add(
                &at,
                concat(&["the input ", &quoted(name), " is listed twice"]),
            );
        } else {
            names.push(name);
            listed.update(names.len(), &|i| names.get(i).copied());
        }
    }
    let mut owned = Vec::with_capacity(names.len());
    for name in names {
        owned.push(name.to_owned());
    }
    owned
}

fn compile_rule(
    feature: &Feature,
    impl_ids: &Positions,
    value: &Value,
    ptr: &Ptr<'_>,
    scope: &mut Scope<'_>,
    errs: &mut Errs,
) -> Option<Rule> {
    let [when, serve, split, experiment] =
        reader::fields(value, ptr, ["when", "serve", "split", "experiment"], errs)?;
    let when = match when {
        Some(c) => conditions::compile(scope, c, &ptr.key("when"), 0, errs),
        None => Some(Cond::True),
    };
    let action = match (serve, split, experiment) {
        (Some(serve), None, None) => {
            implementation(feature, impl_ids, serve, &ptr.key("serve"), errs).map(Action::Serve)
        }
        (None, Some(split), None) => {
            let at = ptr.key("split");
            let [by, weights, salt] = reader::fields(split, &at, ["by", "weights", "salt"], errs)?;
            let split = (by, weights, salt);
            compile_split(feature, impl_ids, split, &feature.name, &at, scope, errs)
                .map(Action::Split)
        }
        (None, None, Some(experiment)) => {
            let at = ptr.key("experiment");
            compile_experiment(feature, impl_ids, experiment, &at, scope, errs)?
        }
        (None, None, None) => {
            errs.add(
                ptr,
                "a rule needs one of 'serve', 'split' or 'experiment'".to_owned(),
            );
            None
        }
        _ => {
            errs.add(
                ptr,
                "a rule takes only one of 'serve', 'split' or 'experiment'".to_owned(),
            );
            None
        }
    };
    Some(Rule {
        when: when?,
        action: action?,
    })
}

/// A rule's `experiment` (at `ptr`): `None` when its fields cannot be
/// read, `Some(None)` when they have problems. Out of line (see
/// [`read_kind`]).
#[inline(never)]
fn compile_experiment(
    feature: &Feature,
    impl_ids: &Positions,
    experiment: &Value,
    at: &Ptr<'_>,
    scope: &mut Scope<'_>,
    errs: &mut Errs,
) -> Option<Option<Action>> {
    let keys = ["name", "by", "weights", "salt", "random"];
    let [name, by, weights, salt, random] = reader::fields(experiment, at, keys, errs)?;
    // Without a usable name the rest is still checked, so that
    // every problem is listed at once.
    let name = reader::required(name, at, "name", errs)
        .and_then(|name| reader::name(name, &at.key("name"), errs));
    let random = random
        .and_then(|r| reader::boolean(r, &at.key("random"), errs))
        .unwrap_or(false);
    let split = compile_split(
        feature,
        impl_ids,
        (by, weights, salt),
        name.unwrap_or_default(),
        at,
        scope,
        errs,
    );
    Some(name.zip(split).map(|(name, split)| Action::Experiment {
        name: name.to_owned(),
        split,
        random,
    }))
}

/// The fields of a split (or of an experiment): `by`, `weights`, `salt`.
type SplitFields<'v> = (
    Option<&'v Value<'v>>,
    Option<&'v Value<'v>>,
    Option<&'v Value<'v>>,
);

fn compile_split(
    feature: &Feature,
    impl_ids: &Positions,
    (by, weights, salt): SplitFields<'_>,
    default_salt: &str,
    ptr: &Ptr<'_>,
    scope: &mut Scope<'_>,
    errs: &mut Errs,
) -> Option<Split> {
    let by_ptr = ptr.key("by");
    let by = reader::required(by, ptr, "by", errs).and_then(|b| reader::string(b, &by_ptr, errs));
    let by = by.and_then(|b| scope.segment(b, &by_ptr, errs));
    let salt = match salt {
        Some(s) => reader::string(s, &ptr.key("salt"), errs),
        None => Some(default_salt),
    };
    let ranges = reader::required(weights, ptr, "weights", errs)
        .and_then(|w| compile_weights(feature, impl_ids, w, &ptr.key("weights"), errs));
    Some(Split {
        by: by?,
        seed: hash::seed(salt?),
        ranges: ranges?,
    })
}

/// Percentages into bucket ranges, laid out in the feature's declared order.
fn compile_weights(
    feature: &Feature,
    impl_ids: &Positions,
    value: &Value,
    ptr: &Ptr<'_>,
    errs: &mut Errs,
) -> Option<Vec<(u16, ImplId)>> {
    let Some(members) = value.as_object() else {
        errs.add(
            ptr,
            expected("an object of implementations to percentages", value),
        );
        return None;
    };
    let mut points: Vec<Option<u64>> = vec![None; feature.implementations.len()];
    let mut ok = true;
    let mut annotations = [false; 2];
    for (name, weight) in members {
        // (A number could be the weight of an implementation of that name;
        // without one, `meta` can only be the annotation, "any JSON".)
        let (kind, seen) = (weight.kind(), &mut annotations);
        let entry = kind == "a number"
            && (!matches!(name.as_ref(), "description" | "meta")
                || implementation_id(feature, impl_ids, name).is_some());
        if reader::annotation(name, kind, entry, seen, ptr, errs) {
            continue;
        }
        let at = ptr.key(name);
        // A boolean feature's implementations are BOOLEAN_IMPLEMENTATIONS.
        let Some(i) = implementation_id(feature, impl_ids, name) else {
            unknown_implementation(feature, name, &at, errs);
            ok = false;
            continue;
        };
        let bp = match weight {
            Value::Number(n) => decimal::scaled_u64(n.as_str(), 2),
            _ => None,
        };
        // One weight over 100 is named where it stands, not only by the
        // sum it makes (a typo such as 150 for 15).
        let Some(bp) = bp.filter(|bp| *bp <= u64::from(hash::BUCKETS)) else {
            bad_weight(weight, bp, &at, errs);
            ok = false;
            continue;
        };
        match points.get_mut(i) {
            Some(slot @ None) => *slot = Some(bp),
            _ => {
                errs.add(
                    &at,
                    concat(&["the implementation ", &quoted(name), " is weighted twice"]),
                );
                ok = false;
            }
        }
    }
    let total = points
        .iter()
        .flatten()
        .fold(0u64, |a, b| a.saturating_add(*b));
    if total > u64::from(hash::BUCKETS) {
        over_100(total, ptr, errs);
        ok = false;
    }
    if !ok {
        return None;
    }
    let mut end = 0u64;
    let mut ranges = Vec::new();
    for (i, bp) in points.iter().enumerate() {
        let Some(bp) = bp.filter(|bp| *bp > 0) else {
            continue;
        };
        end += bp;
        ranges.push((u16::try_from(end).ok()?, ImplId::try_from(i).ok()?));
    }
    Some(ranges)
}

/// The problem for a `weight` that is not a percentage (`bp`: it scaled
/// to that many hundredths, over 100 %). Out of line (see [`read_kind`]).
#[cold]
#[inline(never)]
fn bad_weight(weight: &Value, bp: Option<u64>, at: &Ptr<'_>, errs: &mut Errs) {
    // A number too large to scale is, above all, over 100.
    let over =
        matches!(weight, Value::Number(n) if bp.is_some() || decimal::thousand_or_more(n.as_str()));
    let why = if over {
        "a percentage is at most 100, found "
    } else {
        "a percentage is a number ≥ 0 with at most two decimals, found "
    };
    errs.add(at, concat(&[why, &weight.to_json()]));
}

/// The problem for weights whose `total` (in hundredths) is over 100 %.
#[cold]
#[inline(never)]
fn over_100(total: u64, ptr: &Ptr<'_>, errs: &mut Errs) {
    let mut message = String::from("percentages add up to ");
    push_percent(&mut message, total);
    message.push_str(", more than 100");
    errs.add(ptr, message);
}
