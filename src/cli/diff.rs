//! `diff OLD NEW`: which units two snapshots give different
//! implementations, feature by feature: what publishing NEW over OLD does
//! to a rollout or a running experiment (a salt changed, implementations
//! reordered, an arm added), which `validate` cannot tell from one file.
//!
//! Each feature in both is evaluated for the same synthetic units (the
//! unit segment's placeholders set to `1..N`, the rest of the context as
//! `--context` gives it), as `simulate` does, and the units whose
//! implementation changed are counted by (old, new) implementation. Units
//! with a stored experiment assignment keep it while the rule applies;
//! these counts are for units without one.

use std::collections::BTreeMap;

use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::model::{Action, Feature};
use feats_edge::simulate::{self, SimulateError};
use feats_edge::Engine;

use super::args::Args;
use super::commands::{
    line, load_path, now_option, option_text, parse_option, quote, random, stdin_once, text_line,
};
use super::Usage;

/// Units compared when `--units` is not given.
const DEFAULT_UNITS: u64 = 10_000;
/// The most units `--units` takes (two evaluations each, per feature).
const MAX_UNITS: u64 = 1_000_000;

/// What the comparison of one feature found.
enum Outcome {
    /// In NEW only.
    Added,
    /// In OLD only.
    Removed,
    /// It has problems in OLD, NEW or both (named).
    Broken(&'static str),
    /// A `random` experiment: units draw on each evaluation.
    Random,
    /// No split or experiment in either, and no `--by`: compared for the
    /// context given alone (old and new implementation).
    NoUnit(String, String),
    /// The unit segments cannot be compared (why).
    Incomparable(String),
    /// Units by `by`: how many moved from which implementation to which.
    Units {
        by: String,
        moves: BTreeMap<(String, String), u64>,
    },
}

impl Outcome {
    /// Whether publishing NEW changes anything for this feature.
    fn changes(&self) -> bool {
        match self {
            Outcome::NoUnit(a, b) => a != b,
            Outcome::Units { moves, .. } => !moves.is_empty(),
            _ => true,
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

/// `diff OLD NEW`: exit 0 when no unit moves and no feature is added,
/// removed or broken, 1 otherwise (as `diff` does).
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
                    "--units must be a whole number from 1 to {MAX_UNITS}"
                ))
            })?,
    };
    let context_text = option_text(args, "context", "{}")?;
    let context = parse_option(&context_text, "context")?;
    if context.as_object().is_none() {
        return Err(Usage(format!(
            "--context must be a JSON object, not {}",
            context.kind()
        )));
    }
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
    let mut compare = |name: &str| -> Outcome {
        let (Some(of), Some(nf)) = (feature(&old, name), feature(&new, name)) else {
            return if feature(&old, name).is_some() {
                Outcome::Removed
            } else {
                Outcome::Added
            };
        };
        match (of.body.is_none(), nf.body.is_none()) {
            (true, true) => return Outcome::Broken("OLD and NEW"),
            (true, false) => return Outcome::Broken("OLD"),
            (false, true) => return Outcome::Broken("NEW"),
            (false, false) => {}
        }
        if draws(of) || draws(nf) {
            return Outcome::Random;
        }
        // The unit segment: --by, else NEW's first split's, else OLD's.
        let by = match args.value("by") {
            Some(by) => by.to_owned(),
            None => match simulate::unit(&new, name, None)
                .or_else(|_| simulate::unit(&old, name, None))
            {
                Ok(unit) => unit.segment,
                Err(_) => {
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
            },
        };
        let mut before = Vec::new();
        let picked =
            simulate::each_unit(&old, name, Some(&by), units, &old_ctx, &mut env, |i, _| {
                before.push(i);
            });
        if let Err(e) = picked {
            return Outcome::Incomparable(unit_problem(&by, "OLD", &e));
        }
        let mut moves = BTreeMap::new();
        let mut at = before.iter();
        let picked =
            simulate::each_unit(&new, name, Some(&by), units, &new_ctx, &mut env, |i, _| {
                let was = at.next().copied().flatten();
                let from = impl_name(of, was);
                let to = impl_name(nf, i);
                if from != to {
                    *moves.entry((from.to_owned(), to.to_owned())).or_insert(0) += 1;
                }
            });
        match picked {
            Ok(_) => Outcome::Units { by, moves },
            Err(e) => Outcome::Incomparable(unit_problem(&by, "NEW", &e)),
        }
    };
    let outcomes: Vec<(&str, Outcome)> = names.iter().map(|&n| (n, compare(n))).collect();
    let changed = outcomes.iter().filter(|(_, o)| o.changes()).count();
    if args.flag("json") {
        let rows: Vec<String> = outcomes.iter().map(|(n, o)| json_row(n, o)).collect();
        line(
            out,
            &format!("{{\"units\":{units},\"features\":[{}]}}", rows.join(",")),
        );
    } else {
        let one = args.value("feature").is_some();
        for (name, outcome) in &outcomes {
            if one || outcome.changes() {
                text_rows(out, name, outcome, units);
            }
        }
        if !one {
            line(
                out,
                &format!(
                    "{} compared, {changed} with changes ({units} unit{} each)",
                    count(outcomes.len(), "feature"),
                    if units == 1 { "" } else { "s" }
                ),
            );
        }
    }
    Ok(i32::from(changed > 0))
}

fn feature<'e>(engine: &'e Engine, name: &str) -> Option<&'e Feature> {
    engine.feature_index(name).and_then(|i| engine.feature(i))
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

fn unit_problem(by: &str, which: &str, e: &SimulateError) -> String {
    match e {
        SimulateError::NoSuchSegment => format!("{which} has no segment '{by}'"),
        SimulateError::UnknownSegment => format!("it does not read segment '{by}' in {which}"),
        other => format!("in {which}: {}", other.message()),
    }
}

fn count(n: usize, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// The lines for one feature.
fn text_rows(out: &mut String, name: &str, outcome: &Outcome, units: u64) {
    match outcome {
        Outcome::Added => text_line(out, &format!("{name}: added")),
        Outcome::Removed => text_line(out, &format!("{name}: removed")),
        Outcome::Broken(which) => text_line(
            out,
            &format!("{name}: has problems in {which} (validate it): not compared"),
        ),
        Outcome::Random => text_line(
            out,
            &format!("{name}: a random experiment (units draw until used): not compared"),
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
        Outcome::Units { by, moves } => {
            let moved = outcome.moved();
            if moved == 0 {
                text_line(
                    out,
                    &format!("{name}: no unit moves ({units} units by {by})"),
                );
                return;
            }
            text_line(
                out,
                &format!(
                    "{name}: {moved} of {units} units by {by} move ({:.2}%)",
                    moved as f64 * 100.0 / units as f64
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
                        *n as f64 * 100.0 / units as f64
                    ),
                );
            }
        }
    }
}

/// One feature as JSON.
fn json_row(name: &str, outcome: &Outcome) -> String {
    let status = match outcome {
        Outcome::Added => "added",
        Outcome::Removed => "removed",
        Outcome::Broken(_) => "broken",
        Outcome::Random => "random",
        Outcome::Incomparable(_) => "not compared",
        Outcome::NoUnit(..) | Outcome::Units { .. } if outcome.changes() => "changed",
        Outcome::NoUnit(..) | Outcome::Units { .. } => "same",
    };
    let mut row = format!("{{\"feature\":{},\"status\":\"{status}\"", quote(name));
    match outcome {
        Outcome::Broken(which) => row.push_str(&format!(",\"in\":\"{which}\"")),
        Outcome::Incomparable(why) => row.push_str(&format!(",\"why\":{}", quote(why))),
        Outcome::NoUnit(a, b) => {
            row.push_str(&format!(
                ",\"context\":{{\"from\":{},\"to\":{}}}",
                quote(a),
                quote(b)
            ));
        }
        Outcome::Units { by, moves } => {
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
    row.push('}');
    row
}
