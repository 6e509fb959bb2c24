//! `diff OLD NEW`: which units two snapshots give different
//! implementations, feature by feature: what publishing NEW over OLD does
//! to a rollout or a running experiment (a salt changed, implementations
//! reordered, an arm added), which `validate` cannot tell from one file.
//!
//! Each feature in both is evaluated for the same synthetic units (the
//! unit segment's placeholders that `--context` leaves empty set to
//! `1..N`, or its declared `options`, the rest of the context as
//! `--context` gives it), as `simulate` does,
//! and the units whose implementation changed are counted by (old, new)
//! implementation. The unit segment is the one the feature's splits hash;
//! a version that does not read it gives every unit the same. Splits that
//! hash different segments, or a unit segment that reads another value in
//! NEW, are not compared (and said). Units with a stored experiment
//! assignment keep it while the rule applies; these counts are for units
//! without one. A feature written differently whose units do not move for
//! the context given is said to be (a rule behind a condition the context
//! does not meet may have changed).

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;

use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::eval::Env;
use feats_edge::model::{Action, Feature};
use feats_edge::simulate::{self, SimulateError};
use feats_edge::{changes, Engine};

use super::args::Args;
use super::commands::{
    line, load_path, now_option, object_option, option_text, quote, random, stdin_once, text_line,
    Reaching,
};
use super::Usage;

/// Units compared when `--units` is not given.
const DEFAULT_UNITS: u64 = 10_000;
/// The most units `--units` takes (two evaluations each, per feature).
const MAX_UNITS: u64 = 1_000_000;

/// What the comparison of one feature found.
enum Outcome {
    /// In NEW only; `true` when it has problems there.
    Added(bool),
    /// In OLD only.
    Removed,
    /// It has problems in OLD, NEW or both (named).
    Broken(&'static str),
    /// It has problems in both, and serves another default in each (the
    /// old and the new implementation, `(null)` for an unreadable one):
    /// every unit moves.
    BrokenDefault(String, String),
    /// A `random` experiment, unchanged when `true` (in both, written
    /// alike): units draw on each evaluation.
    Random(bool),
    /// No split or experiment in either, and no `--by`: compared for the
    /// context given alone (old and new implementation).
    NoUnit(String, String),
    /// The unit segments cannot be compared (why).
    Incomparable(String),
    /// Written differently in NEW, though no unit moved for the context
    /// given (what was compared: a `NoUnit` or `Units` that changes
    /// nothing): a rule behind a condition the context does not meet may
    /// have changed. `true` when the feature's own text is alike, and a
    /// segment or activation it reads is not.
    Unmoved(Box<Outcome>, bool),
    /// Units by `by` (the segment's declared options when `options` is
    /// their number): how many moved from which implementation to which;
    /// `sticky`, the `(implementation, experiment)` arms that units moved
    /// out of though NEW still reaches that experiment's rule for them, so
    /// that those with a stored assignment keep it.
    Units {
        by: String,
        options: Option<usize>,
        moves: BTreeMap<(String, String), u64>,
        sticky: Vec<(String, String)>,
    },
}

impl Outcome {
    /// Whether publishing NEW changes anything for this feature (or may:
    /// what could not be compared counts, but for what is broken or
    /// random alike in both).
    fn changes(&self) -> bool {
        match self {
            Outcome::NoUnit(a, b) => a != b,
            Outcome::Units { moves, .. } => !moves.is_empty(),
            Outcome::Broken(which) => *which != "OLD and NEW",
            Outcome::Random(same) => !same,
            Outcome::Added(_)
            | Outcome::Removed
            | Outcome::BrokenDefault(..)
            | Outcome::Incomparable(_)
            | Outcome::Unmoved(..) => true,
        }
    }

    /// Units that move (for a unit comparison).
    fn moved(&self) -> u64 {
        match self {
            Outcome::Units { moves, .. } => moves.values().sum(),
            _ => 0,
        }
    }
}

/// `diff OLD NEW`: exit 0 when nothing changes, 1 when something does or
/// could not be compared (as `diff` does; see [`Outcome::changes`]).
pub fn diff(args: &Args, out: &mut String) -> Result<i32, Usage> {
    stdin_once(args)?;
    let (old_path, new_path) = match args.positional.as_slice() {
        [old, new] => (old, new),
        [] | [_] => {
            return Err(Usage(
                "diff needs two snapshots: OLD NEW (file paths, or - for standard input)"
                    .to_owned(),
            ))
        }
        [_, _, extra, ..] => return Err(Usage(format!("unexpected argument '{extra}'"))),
    };
    let units = match args.value("units") {
        None => DEFAULT_UNITS,
        Some(n) => n
            .parse()
            .ok()
            .filter(|n| (1..=MAX_UNITS).contains(n))
            .ok_or_else(|| {
                Usage(format!(
                    "--units must be a whole number from 1 to {MAX_UNITS}, not '{n}'"
                ))
            })?,
    };
    let context_text = option_text(args, "context", "{}")?;
    let context = object_option(&context_text, "context")?;
    let now = now_option(args)?;
    let old = load_path(old_path)?;
    let new = load_path(new_path)?;
    let names: Vec<&str> = match args.value("feature") {
        Some(name) => {
            if old.feature_index(name).is_none() && new.feature_index(name).is_none() {
                return Err(Usage(format!("no feature '{name}' in either snapshot")));
            }
            vec![name]
        }
        // NEW's order, then what only OLD has.
        None => new
            .features()
            .map(|f| f.name.as_str())
            .chain(
                old.features()
                    .map(|f| f.name.as_str())
                    .filter(|n| new.feature_index(n).is_none()),
            )
            .collect(),
    };
    if let Some(by) = args.value("by") {
        if [&old, &new]
            .iter()
            .all(|e| !e.segments().iter().any(|s| s == by))
        {
            return Err(Usage(format!("no segment '{by}' in either snapshot")));
        }
    }
    let old_ctx = JsonContext::new(&old, &context);
    let new_ctx = JsonContext::new(&new, &context);
    let mut env = FixedEnv {
        now,
        sticky: BTreeMap::new(),
        random,
    };
    // How each feature is written, read when one is compared.
    let (old_doc, new_doc) = (OnceCell::new(), OnceCell::new());
    let alike = |name: &str| -> (bool, bool) {
        let (was, is) = (written(&old_doc, &old, name), written(&new_doc, &new, name));
        match (was, is) {
            (Some(a), Some(b)) => (a == b, a.own == b.own),
            _ => (false, false),
        }
    };
    let mut units_of = |name: &str| -> Outcome {
        let (Some(of), Some(nf)) = (feature(&old, name), feature(&new, name)) else {
            return match feature(&new, name) {
                Some(nf) => Outcome::Added(nf.body.is_none()),
                None => Outcome::Removed,
            };
        };
        match (of.body.is_none(), nf.body.is_none()) {
            // Broken, a feature serves its default whatever the unit: the
            // same one in both changes nothing.
            (true, true) => {
                let (was, is) = (
                    impl_name(of, of.default.map(usize::from)),
                    impl_name(nf, nf.default.map(usize::from)),
                );
                return if was == is {
                    Outcome::Broken("OLD and NEW")
                } else {
                    Outcome::BrokenDefault(was.to_owned(), is.to_owned())
                };
            }
            (true, false) => return Outcome::Broken("OLD"),
            (false, true) => return Outcome::Broken("NEW"),
            (false, false) => {}
        }
        match (draws(of), draws(nf)) {
            // Unchanged when its text is, with what it names.
            (true, true) => {
                return Outcome::Random(alike(name).0);
            }
            (true, false) | (false, true) => return Outcome::Random(false),
            (false, false) => {}
        }
        // The unit segment: the one the splits hash, else --by.
        let mut hashed: Vec<&str> = hashes(&old, of);
        hashed.extend(hashes(&new, nf));
        hashed.sort_unstable();
        hashed.dedup();
        // (--by is for features with no split: one with splits is compared
        // by the segment they hash.)
        let by = match (hashed.as_slice(), args.value("by")) {
            ([one], _) => (*one).to_owned(),
            ([], Some(by)) => by.to_owned(),
            ([], None) => {
                let mut answer = |engine: &Engine, ctx: &JsonContext| {
                    let e = engine.evaluate(name, ctx, &mut env);
                    engine
                        .feature_index(name)
                        .and_then(|i| engine.implementation_name(i, e.implementation))
                        .unwrap_or("(null)")
                        .to_owned()
                };
                return Outcome::NoUnit(answer(&old, &old_ctx), answer(&new, &new_ctx));
            }
            (several, _) => {
                return Outcome::Incomparable(format!(
                    "its splits hash different segments ({}): compare contexts with eval",
                    several.join(", ")
                ))
            }
        };
        // Each version reads the unit's value as its own template does.
        let (old_unit, new_unit) = (
            simulate::unit(&old, name, Some(&by)).ok(),
            simulate::unit(&new, name, Some(&by)).ok(),
        );
        if let (Some(o), Some(n)) = (&old_unit, &new_unit) {
            let (was, is) = (reads(&old, o), reads(&new, n));
            if was != is {
                return Outcome::Incomparable(format!(
                    "its unit segment '{by}' reads {was} in OLD and {is} in NEW"
                ));
            }
        }
        // A unit segment that declares its values: those are the units.
        let whole = [&old_unit, &new_unit]
            .iter()
            .all(|u| u.as_ref().is_none_or(|u| u.whole));
        let mut options: Vec<&str> = [&old, &new]
            .iter()
            .flat_map(|e| e.segment_options(&by).unwrap_or(&[]))
            .map(String::as_str)
            .collect();
        options.sort_unstable();
        options.dedup();
        let values = (whole && !options.is_empty()).then_some(options);
        let options = values.as_ref().map(Vec::len);
        // Written alike in both, with every segment and activation it
        // reads: each unit gets what it got, so no unit is evaluated. (Each
        // was evaluated twice: a diff of 40 000 features in which one had
        // changed took 72 s, all but 0.4 of them confirming the others.)
        if alike(name).0 {
            return Outcome::Units {
                by,
                options,
                moves: BTreeMap::new(),
                sticky: Vec::new(),
            };
        }
        // Each unit's implementation and deciding rule, in unit order.
        let each = |engine: &Engine,
                    ctx: &JsonContext,
                    reads: bool,
                    env: &mut dyn Env,
                    push: &mut dyn FnMut(Option<usize>, Option<u32>)| {
            let done = if !reads {
                Err(SimulateError::UnknownSegment)
            } else if let Some(values) = &values {
                simulate::each_value(engine, name, Some(&by), values, ctx, env, &mut *push)
            } else {
                simulate::each_unit(engine, name, Some(&by), units, ctx, env, &mut *push)
            };
            if done.is_err() {
                // It does not read the unit: every unit gets the same.
                let e = engine.evaluate(name, ctx, env);
                let n = values.as_ref().map_or(units, |v| v.len() as u64);
                for _ in 0..n {
                    push(e.implementation.map(usize::from), e.rule);
                }
            }
        };
        let mut before = Vec::new();
        each(
            &old,
            &old_ctx,
            old_unit.is_some(),
            &mut env,
            &mut |i, rule| {
                before.push((i, rule));
            },
        );
        // NEW, noting for each unit whether it still reaches the experiment
        // that chose its old implementation: only there does a stored
        // assignment apply (a rule put in front, or a `when` that no
        // longer holds, moves the units that used an arm too).
        let reached = RefCell::new(Vec::new());
        let mut after = Vec::new();
        let mut reaching = Reaching {
            env: &mut env,
            reached: &reached,
        };
        each(
            &new,
            &new_ctx,
            new_unit.is_some(),
            &mut reaching,
            &mut |i, _| {
                let names = reached.take();
                let kept = before
                    .get(after.len())
                    .and_then(|&(_, rule)| experiment_of(of, rule))
                    .is_some_and(|e| names.iter().any(|n| n == e));
                after.push((i, kept));
            },
        );
        let mut moves = BTreeMap::new();
        // (rule, implementation) of OLD, in that order.
        let mut kept_arms = std::collections::BTreeSet::new();
        for (&(was, rule), &(is, kept)) in before.iter().zip(&after) {
            let (from, to) = (impl_name(of, was), impl_name(nf, is));
            if from == to {
                continue;
            }
            *moves.entry((from.to_owned(), to.to_owned())).or_insert(0) += 1;
            if let (true, Some(rule), Some(was)) = (kept, rule, was) {
                kept_arms.insert((rule, was));
            }
        }
        let mut sticky: Vec<(String, String)> = Vec::new();
        for (rule, was) in kept_arms {
            let (arm, experiment) = (impl_name(of, Some(was)), experiment_of(of, Some(rule)));
            // (A stored arm NEW no longer declares is not honoured.)
            let declared = nf.implementations.iter().any(|i| i == arm);
            if let (true, Some(experiment)) = (declared, experiment) {
                let pair = (arm.to_owned(), experiment.to_owned());
                if !sticky.contains(&pair) {
                    sticky.push(pair);
                }
            }
        }
        Outcome::Units {
            by,
            options,
            moves,
            sticky,
        }
    };
    // No unit moved, yet the feature, or what it reads, is written
    // differently: said, not passed over (a rule behind a condition the
    // context does not meet).
    let mut compare = |name: &str| -> Outcome {
        let outcome = units_of(name);
        let compared = matches!(outcome, Outcome::NoUnit(..) | Outcome::Units { .. });
        if compared && !outcome.changes() {
            let (same, itself) = alike(name);
            if !same {
                return Outcome::Unmoved(Box::new(outcome), itself);
            }
        }
        outcome
    };
    let outcomes: Vec<(&str, Outcome, Notes)> = names
        .iter()
        .map(|&n| {
            let outcome = compare(n);
            let notes = notes(feature(&old, n), feature(&new, n), &outcome);
            (n, outcome, notes)
        })
        .collect();
    let changed = outcomes.iter().filter(|(_, o, _)| o.changes()).count();
    if args.flag("json") {
        let rows: Vec<String> = outcomes.iter().map(|(n, o, k)| json_row(n, o, k)).collect();
        line(
            out,
            &format!("{{\"units\":{units},\"features\":[{}]}}", rows.join(",")),
        );
    } else {
        let one = args.value("feature").is_some();
        for (name, outcome, notes) in &outcomes {
            if one || outcome.changes() {
                text_rows(out, name, outcome, units);
                text_notes(out, notes);
            }
        }
        if !one {
            line(
                out,
                &format!(
                    "{}, {changed} with changes ({units} unit{} each)",
                    count(outcomes.len(), "feature"),
                    if units == 1 { "" } else { "s" }
                ),
            );
        }
    }
    Ok(i32::from(changed > 0))
}

/// What the unit counts alone do not say about a feature in an incident.
#[derive(Default)]
struct Notes {
    /// The kill switch flipped: `Some(false)` when NEW disables the
    /// feature (with the default every unit gets), `Some(true)` when it
    /// enables it again.
    switched: Option<(bool, String)>,
    /// Whether OLD runs an experiment (whose stored assignments a kill
    /// switch overrides too).
    experiments: bool,
    /// `(implementation, experiment)`: arms that units move out of, of an
    /// experiment NEW still runs under the same name and still reaches for
    /// them (see [`Outcome::Units`]). Units that used such an arm keep it
    /// (sticky assignments win over the weights), so the counts are for
    /// units without one.
    kept: Vec<(String, String)>,
}

/// The notes of a feature in both snapshots (none otherwise).
fn notes(of: Option<&Feature>, nf: Option<&Feature>, outcome: &Outcome) -> Notes {
    let mut notes = Notes::default();
    let (Some(of), Some(nf)) = (of, nf) else {
        return notes;
    };
    let (Some(ob), Some(nb)) = (&of.body, &nf.body) else {
        return notes;
    };
    if ob.enabled != nb.enabled {
        let default = impl_name(nf, nf.default.map(usize::from)).to_owned();
        notes.switched = Some((nb.enabled, default));
        notes.experiments = ob
            .rules
            .iter()
            .any(|r| matches!(r.action, Action::Experiment { .. }));
    }
    // Disabled in NEW, the experiment no longer applies: every unit moves.
    if let Outcome::Units { sticky, .. } = outcome {
        if nb.enabled {
            notes.kept.clone_from(sticky);
        }
    }
    notes
}

/// The lines of a feature's notes, below its rows.
fn text_notes(out: &mut String, notes: &Notes) {
    match &notes.switched {
        Some((false, default)) => text_line(
            out,
            &format!(
                "  disabled in NEW (\"enabled\": false): every unit gets its default '{default}'{}",
                if notes.experiments {
                    ", stored experiment assignments included"
                } else {
                    ""
                }
            ),
        ),
        Some((true, _)) => text_line(out, "  enabled again in NEW (\"enabled\": true)"),
        None => {}
    }
    for (arm, experiment) in &notes.kept {
        text_line(
            out,
            &format!(
                "  units that already used '{arm}' in experiment '{experiment}' keep it (sticky): \
                 these counts are for units without one; \"enabled\": false moves them all"
            ),
        );
    }
}

/// The name of the experiment whose rule `rule` of `feature` is, if it is one.
fn experiment_of(feature: &Feature, rule: Option<u32>) -> Option<&str> {
    let rule = feature.body.as_ref()?.rules.get(rule? as usize)?;
    match &rule.action {
        Action::Experiment { name, .. } => Some(name),
        _ => None,
    }
}

fn feature<'e>(engine: &'e Engine, name: &str) -> Option<&'e Feature> {
    engine.feature_index(name).and_then(|i| engine.feature(i))
}

/// The segments the feature's splits and experiments hash.
fn hashes<'e>(engine: &'e Engine, feature: &Feature) -> Vec<&'e str> {
    let Some(body) = &feature.body else {
        return Vec::new();
    };
    body.rules
        .iter()
        .filter_map(|r| match &r.action {
            Action::Split(s) | Action::Experiment { split: s, .. } => Some(s.by),
            Action::Serve(_) => None,
        })
        .filter_map(|local| body.segments.get(usize::from(local)))
        .filter_map(|source| engine.segments().get(source.segment as usize))
        .map(String::as_str)
        .collect()
}

/// What a unit segment reads, as `input.path` of each placeholder (for
/// telling whether two versions read the same value).
fn reads(engine: &Engine, unit: &simulate::Unit) -> String {
    let input = engine
        .inputs()
        .get(usize::from(unit.input))
        .map_or("?", String::as_str);
    let paths: Vec<String> = unit
        .slots
        .iter()
        .map(|&s| {
            let path = engine
                .slots()
                .get(s as usize)
                .map_or(String::new(), |s| s.path.join("."));
            format!("{input}.{path}")
        })
        .collect();
    paths.join(" and ")
}

/// How feature `name` is written in `engine`'s document, and what it
/// reads (see [`changes::Written`]); every feature's read once into `doc`.
/// `None` where it cannot be compared (never alike).
fn written(
    doc: &OnceCell<Option<Vec<Option<changes::Written>>>>,
    engine: &Engine,
    name: &str,
) -> Option<changes::Written> {
    let all = doc.get_or_init(|| changes::written(engine)).as_ref()?;
    all.get(engine.feature_index(name)?).copied().flatten()
}

/// Whether a rule of the feature is a `random` experiment.
fn draws(feature: &Feature) -> bool {
    feature.body.as_ref().is_some_and(|b| {
        b.rules
            .iter()
            .any(|r| matches!(r.action, Action::Experiment { random: true, .. }))
    })
}

fn impl_name(feature: &Feature, i: Option<usize>) -> &str {
    i.and_then(|i| feature.implementations.get(i))
        .map_or("(null)", String::as_str)
}

fn count(n: usize, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// The lines for one feature.
fn text_rows(out: &mut String, name: &str, outcome: &Outcome, units: u64) {
    match outcome {
        Outcome::Added(false) => text_line(out, &format!("{name}: added")),
        Outcome::Added(true) => text_line(
            out,
            &format!("{name}: added, with problems in NEW (validate it): it serves its default"),
        ),
        Outcome::Unmoved(compared, itself) => {
            let what = if *itself {
                "reads a segment or activation written differently"
            } else {
                "written differently"
            };
            text_line(
                out,
                &format!(
                    "{name}: {what}, but no unit moves for the context given \
                     (a rule behind a condition it does not meet may have changed: give --context)"
                ),
            );
            if let Outcome::NoUnit(a, _) = &**compared {
                text_line(out, &format!("  '{a}' for the context given, in both"));
            }
        }
        Outcome::Removed => text_line(out, &format!("{name}: removed")),
        Outcome::Broken(which) => text_line(
            out,
            &format!("{name}: has problems in {which} (validate it): not compared"),
        ),
        Outcome::BrokenDefault(was, is) => text_line(
            out,
            &format!(
                "{name}: has problems in OLD and NEW (validate it): it serves its default, \
                 '{was}' in OLD and '{is}' in NEW, to every unit"
            ),
        ),
        Outcome::Random(same) => text_line(
            out,
            &format!(
                "{name}: a random experiment (units draw until used), {}: not compared",
                if *same { "unchanged" } else { "changed" }
            ),
        ),
        Outcome::NoUnit(a, b) if a == b => text_line(
            out,
            &format!("{name}: no split or experiment; '{a}' for the context given, in both"),
        ),
        Outcome::NoUnit(a, b) => text_line(
            out,
            &format!("{name}: no split or experiment; for the context given, '{a}' becomes '{b}'"),
        ),
        Outcome::Incomparable(why) => {
            text_line(out, &format!("{name}: units not compared: {why}"));
        }
        Outcome::Units {
            by, options, moves, ..
        } => {
            let moved = outcome.moved();
            // Units, or the options a segment declares (each one unit).
            let (total, what) = match options {
                Some(n) => (*n as u64, format!("options of {by}")),
                None => (units, format!("units by {by}")),
            };
            if moved == 0 {
                text_line(out, &format!("{name}: no unit moves ({total} {what})"));
                return;
            }
            text_line(
                out,
                &format!(
                    "{name}: {moved} of {total} {what} move ({:.2}%)",
                    moved as f64 * 100.0 / total as f64
                ),
            );
            let width = moves
                .keys()
                .map(|(a, b)| a.chars().count() + b.chars().count() + 4)
                .max()
                .unwrap_or(0);
            for ((from, to), n) in moves {
                let label = format!("{from} -> {to}");
                text_line(
                    out,
                    &format!(
                        "  {label:<width$}  {n:>9}  {:>6.2}%",
                        *n as f64 * 100.0 / total as f64
                    ),
                );
            }
        }
    }
}

/// One feature as JSON.
fn json_row(name: &str, outcome: &Outcome, notes: &Notes) -> String {
    let status = match outcome {
        Outcome::Added(_) => "added",
        Outcome::Unmoved(..) => "edited",
        Outcome::Removed => "removed",
        Outcome::Broken(_) | Outcome::BrokenDefault(..) => "broken",
        Outcome::Random(_) => "random",
        Outcome::Incomparable(_) => "not compared",
        Outcome::NoUnit(..) | Outcome::Units { .. } if outcome.changes() => "changed",
        Outcome::NoUnit(..) | Outcome::Units { .. } => "same",
    };
    let mut row = format!("{{\"feature\":{},\"status\":\"{status}\"", quote(name));
    // What was compared, for an edit that moved no unit.
    let outcome = match outcome {
        Outcome::Unmoved(compared, itself) => {
            let what = if *itself { "segments" } else { "feature" };
            row.push_str(&format!(",\"edited\":\"{what}\""));
            compared
        }
        Outcome::Added(true) => {
            row.push_str(",\"in\":\"NEW\"");
            outcome
        }
        other => other,
    };
    match outcome {
        Outcome::Broken(which) => row.push_str(&format!(",\"in\":\"{which}\"")),
        Outcome::BrokenDefault(was, is) => row.push_str(&format!(
            ",\"in\":\"OLD and NEW\",\"default\":{{\"from\":{},\"to\":{}}}",
            quote(was),
            quote(is)
        )),
        Outcome::Incomparable(why) => row.push_str(&format!(",\"why\":{}", quote(why))),
        Outcome::NoUnit(a, b) => {
            row.push_str(&format!(
                ",\"context\":{{\"from\":{},\"to\":{}}}",
                quote(a),
                quote(b)
            ));
        }
        Outcome::Units {
            by, options, moves, ..
        } => {
            if let Some(n) = options {
                row.push_str(&format!(",\"options\":{n}"));
            }
            let list: Vec<String> = moves
                .iter()
                .map(|((from, to), n)| {
                    format!(
                        "{{\"from\":{},\"to\":{},\"units\":{n}}}",
                        quote(from),
                        quote(to)
                    )
                })
                .collect();
            row.push_str(&format!(
                ",\"by\":{},\"moved\":{},\"moves\":[{}]",
                quote(by),
                outcome.moved(),
                list.join(",")
            ));
        }
        _ => {}
    }
    if let Some((to, _)) = &notes.switched {
        row.push_str(&format!(",\"enabled\":{{\"from\":{},\"to\":{to}}}", !to));
    }
    if !notes.kept.is_empty() {
        let kept: Vec<String> = notes
            .kept
            .iter()
            .map(|(arm, experiment)| {
                format!(
                    "{{\"implementation\":{},\"experiment\":{}}}",
                    quote(arm),
                    quote(experiment)
                )
            })
            .collect();
        row.push_str(&format!(",\"sticky\":[{}]", kept.join(",")));
    }
    row.push('}');
    row
}
