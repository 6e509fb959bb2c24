//! The commands validate, eval, simulate and bucket (`diff` has its own module).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Read;

use feats_edge::compile::{too_big, MAX_SNAPSHOT_BYTES};
use feats_edge::context::{FixedEnv, JsonContext};
use feats_edge::eval::{Assignment, Env};
use feats_edge::json::{self, Value};
use feats_edge::model::Action;
use feats_edge::simulate::SimulateError;
use feats_edge::{hash, Engine, SnapshotError};

use super::args::Args;
use super::pretty;
use super::width::{columns, pad};
use super::Usage;

/// The most bytes read from a `--context` or `--sticky` file. A context
/// is not held to the snapshot limits, but reading stops somewhere
/// (`@/dev/zero` would otherwise fill the memory).
const MAX_OPTION_BYTES: usize = 256 * 1024 * 1024;

/// The bytes of `source` (a path, or `-` for standard input), reading no
/// more than `limit + 1`: more than `limit` bytes means "too big".
fn read_bytes(source: &str, what: &str, limit: usize) -> Result<Vec<u8>, Usage> {
    let max = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut buf = Vec::new();
    if source == "-" {
        std::io::stdin()
            .take(max)
            .read_to_end(&mut buf)
            .map_err(|e| Usage(format!("cannot read {what} from standard input: {e}")))?;
    } else {
        std::fs::File::open(source)
            .and_then(|file| file.take(max).read_to_end(&mut buf))
            .map_err(|e| Usage(format!("cannot read {what} '{source}': {e}")))?;
    }
    Ok(buf)
}

/// `bytes` as text, or an error naming `what` and `source`.
fn utf8(bytes: Vec<u8>, source: &str, what: &str) -> Result<String, Usage> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        Usage(format!(
            "{what} '{source}' is not valid UTF-8 (at byte {offset})"
        ))
    })
}

/// Why `bytes` are UTF-16, if they are: they start with its byte order
/// mark (never valid UTF-8), or, for ASCII text written without one, one of
/// their first two bytes is NUL and the other is not (valid UTF-8, but no
/// JSON text starts so). What Windows PowerShell 5's `>` writes.
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        Some("the file is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8")
    } else if matches!(bytes.get(..2), Some([a, b]) if (*a == 0) != (*b == 0)) {
        Some("the file looks like UTF-16 (every other byte is 0): save it as UTF-8")
    } else {
        None
    }
}

/// The text of a `--context` or `--sticky` file (or `-`). A UTF-16 file is
/// said to be one, as a snapshot file is: `is not valid UTF-8 (at byte
/// 0)`, or a JSON error at its second character, did not say what to do.
fn read_text(source: &str, what: &str) -> Result<String, Usage> {
    let bytes = read_bytes(source, what, MAX_OPTION_BYTES)?;
    if bytes.len() > MAX_OPTION_BYTES {
        return Err(Usage(format!(
            "{what} '{source}' is more than {MAX_OPTION_BYTES} bytes"
        )));
    }
    if let Some(why) = utf16(&bytes) {
        return Err(Usage(format!("{what} '{source}': {why}")));
    }
    utf8(bytes, source, what)
}

/// A snapshot file, loaded: the engine or why it was refused, and a
/// warning when its bytes are not UTF-8.
struct Loaded {
    engine: Result<Engine, SnapshotError>,
    not_utf8: Option<feats_edge::Problem>,
}

/// Reads and loads the snapshot at `path` (or `-`). A refused snapshot is
/// `Loaded::engine`'s error: one over [`MAX_SNAPSHOT_BYTES`] is refused as
/// the library refuses it, without reading more than one byte past the
/// limit. Bytes that are not UTF-8 read as U+FFFD, as every runtime's
/// client reads them (`TextDecoder`, `Engine::load_bytes`): the tool
/// answers what they would.
fn load_snapshot(path: &str) -> Result<Loaded, Usage> {
    let bytes = read_bytes(path, "snapshot", MAX_SNAPSHOT_BYTES)?;
    if bytes.len() > MAX_SNAPSHOT_BYTES {
        // A file's size is known; a stream's, only as far as it was read.
        let file = (path != "-")
            .then(|| std::fs::metadata(path).ok())
            .flatten()
            .filter(std::fs::Metadata::is_file);
        let error = match file {
            Some(m) => {
                too_big(usize::try_from(m.len()).map_or(usize::MAX, |len| len.max(bytes.len())))
            }
            // Read up to one byte past the limit: its size is unknown.
            None => SnapshotError {
                path: String::new(),
                message: "the snapshot is more than the limit of 16 MiB (16777216 bytes)"
                    .to_owned(),
            },
        };
        return Ok(Loaded {
            engine: Err(error),
            not_utf8: None,
        });
    }
    // Not an error (every client loads it so), but seldom what was meant.
    let not_utf8 = std::str::from_utf8(&bytes)
        .err()
        .map(|e| feats_edge::Problem {
            path: String::new(),
            message: if let Some(why) = utf16(&bytes) {
                why.to_owned()
            } else {
                format!(
                "the file is not valid UTF-8 (at byte {}): it was read, as every client reads it, \
                 with U+FFFD (\u{FFFD}) in place of each invalid sequence",
                e.valid_up_to()
            )
            },
        });
    // UTF-16 of ASCII text without a byte order mark is valid UTF-8 (every
    // other byte NUL), refused at its first or second character: say why.
    let utf16 = utf16(&bytes);
    let engine = Engine::load_bytes(bytes);
    let not_utf8 = not_utf8.or_else(|| {
        utf16
            .filter(|_| engine.is_err())
            .map(|why| feats_edge::Problem {
                path: String::new(),
                message: why.to_owned(),
            })
    });
    Ok(Loaded { engine, not_utf8 })
}

/// The text of a JSON option given inline or as `@FILE`.
pub(super) fn option_text(args: &Args, name: &str, default: &str) -> Result<String, Usage> {
    match args.value(name) {
        // (`-` for standard input is the snapshot's form; options take `@-`.)
        Some("-") => Err(Usage(format!(
            "--{name} -: to read standard input, write --{name} @-"
        ))),
        Some(text) => match text.strip_prefix('@') {
            Some(path) => {
                let text = read_text(path, &format!("--{name}"))?;
                if text.trim().is_empty() {
                    let what = if path == "-" {
                        "standard input"
                    } else {
                        "the file"
                    };
                    return Err(Usage(format!("--{name} @{path}: {what} is empty")));
                }
                Ok(text)
            }
            None => Ok(text.to_owned()),
        },
        None => Ok(default.to_owned()),
    }
}

/// Refuses standard input named twice (`eval - --context @-`): the second
/// reader would find it empty and report that as bad JSON.
pub(super) fn stdin_once(args: &Args) -> Result<(), Usage> {
    let readers = args.positional.iter().filter(|p| *p == "-").count()
        + usize::from(args.value("context") == Some("@-"))
        + usize::from(args.value("sticky") == Some("@-"));
    if readers > 1 {
        return Err(Usage(
            "standard input can be read once: give only one of SNAPSHOT -, --context @-, --sticky @-".to_owned(),
        ));
    }
    Ok(())
}

/// The limits of a JSON option. A context is not a snapshot: its lists
/// are not capped. Its nesting is, because the parser recurses: 1000
/// levels fit the main thread's stack with room to spare.
const OPTION_LIMITS: json::Limits = json::Limits {
    max_depth: 1000,
    max_array_len: usize::MAX,
};

/// Parses the text of a JSON option that must be an object: the base
/// context of `simulate` and `diff` (every unit of a context that is no
/// object would get the default, INVALID_CONTEXT: a share of 100 % that
/// says nothing).
pub(super) fn object_option<'a>(text: &'a str, name: &str) -> Result<Value<'a>, Usage> {
    let value = parse_option(text, name)?;
    if value.as_object().is_none() {
        return Err(Usage(format!(
            "--{name} must be a JSON object, not {}",
            value.kind()
        )));
    }
    Ok(value)
}

/// Parses the text of a JSON option.
pub(super) fn parse_option<'a>(text: &'a str, name: &str) -> Result<Value<'a>, Usage> {
    json::parse(text, &OPTION_LIMITS)
        .map_err(|e| Usage(format!("--{name} is not valid JSON: {}", e.describe())))
}

/// The snapshot of `eval` and `simulate`: refused is a usage error.
fn load(args: &Args) -> Result<Engine, Usage> {
    load_path(args.snapshot()?)
}

/// The snapshot at `path` (or `-`): refused is a usage error.
pub(super) fn load_path(path: &str) -> Result<Engine, Usage> {
    let Loaded { engine, not_utf8 } = load_snapshot(path)?;
    engine.map_err(|e| {
        let why = not_utf8
            .map(|w| format!("; {}", w.message))
            .unwrap_or_default();
        Usage(format!("snapshot '{path}' refused: {}{why}", e.line()))
    })
}

/// Adds `text` and a newline to `out`.
pub(super) fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

/// Adds a line for people to read: `text` with its control characters
/// escaped, so that a name holding a newline cannot start a line of its own.
pub(super) fn text_line(out: &mut String, text: &str) {
    line(out, &super::one_line(text));
}

pub(super) fn now_option(args: &Args) -> Result<i64, Usage> {
    match args.value("now") {
        Some(text) => feats_edge::ops::instant::parse_rfc3339_floor(text).ok_or_else(|| {
            Usage(format!(
                "--now '{text}' is not an RFC 3339 instant (e.g. 2026-11-22T10:00:00Z)"
            ))
        }),
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))),
    }
}

/// A random number for `random` experiments, from the standard library:
/// its hasher keys come from the operating system's randomness (and step
/// on for each new `RandomState`), so hashing nothing under a new one is a
/// new draw. No crate of its own for this: the tool's dependencies are its
/// package's, so every user of the library would build that crate too.
pub(super) fn random() -> u32 {
    use std::hash::BuildHasher;
    let bits = std::collections::hash_map::RandomState::new().hash_one(());
    (bits >> 32) as u32 ^ bits as u32
}

/// `validate SNAPSHOT`: a summary and exit 0, or every problem and exit 1.
/// Warnings (see [`feats_edge::lint`]) are listed too; they make the exit
/// code 1 only with `--strict`.
pub fn validate(args: &Args, out: &mut String) -> Result<i32, Usage> {
    let path = args.snapshot()?;
    let json_out = args.flag("json");
    let now = now_option(args)?;
    let Loaded { engine, not_utf8 } = load_snapshot(path)?;
    match engine {
        Err(e) => {
            if json_out {
                out.push_str("{\"ok\":false,\"refused\":true,\"problems\":[{\"path\":");
                json::push_string(out, &e.path);
                out.push_str(",\"message\":");
                json::push_string(out, &e.message);
                out.push_str("}],\"warnings\":");
                out.push_str(&feats_edge::Problem::list_json(not_utf8.as_slice()));
                out.push_str("}\n");
            } else {
                text_line(out, &e.line());
                // (A UTF-16 file is invalid JSON at its first byte: this says why.)
                if let Some(w) = &not_utf8 {
                    text_line(out, &format!("warning: {}", w.line()));
                }
                line(out, "snapshot refused");
            }
            Ok(1)
        }
        Ok(engine) => {
            let problems = engine.problems();
            let mut warnings = feats_edge::lint::lint(&engine, now);
            warnings.splice(0..0, not_utf8);
            // `ok` and the summary say what the exit code says.
            let strict = args.flag("strict") && !warnings.is_empty();
            let ok = problems.is_empty() && !strict;
            if json_out {
                line(out, &format!(
                    "{{\"ok\":{ok},\"refused\":false,\"revision\":{},\"features\":{},\"problems\":{},\"warnings\":{}}}",
                    quote(engine.revision()),
                    engine.feature_count(),
                    engine.problems_json(),
                    feats_edge::Problem::list_json(&warnings)
                ));
            } else {
                for p in problems {
                    text_line(out, &p.line());
                }
                for w in &warnings {
                    text_line(out, &format!("warning: {}", w.line()));
                }
                let broken = engine.features().filter(|f| f.body.is_none()).count();
                // Of those, the ones with no readable default serve null.
                let null = engine
                    .features()
                    .filter(|f| f.body.is_none() && f.default.is_none())
                    .count();
                let revision = if engine.revision().is_empty() {
                    "(none)"
                } else {
                    engine.revision()
                };
                let warned = match warnings.len() {
                    0 => String::new(),
                    1 => "; 1 warning".to_owned(),
                    n => format!("; {n} warnings"),
                };
                if problems.is_empty() {
                    text_line(
                        out,
                        &format!(
                            "{}: revision {revision}, {}, {}{warned}",
                            if ok { "ok" } else { "not ok with --strict" },
                            count(engine.feature_count(), "feature"),
                            count(engine.segments().len(), "segment")
                        ),
                    );
                } else {
                    let features = match (engine.feature_count(), null) {
                        (0, _) => "no features".to_owned(),
                        (n, 0) => {
                            format!("{broken} of {n} features serve their default with PARSE_ERROR")
                        }
                        (n, _) => format!(
                            "{broken} of {n} features serve their default with PARSE_ERROR \
                             ({null} of them null: no readable default)"
                        ),
                    };
                    line(
                        out,
                        &format!(
                            "{} problem{}; {features}{warned}",
                            problems.len(),
                            if problems.len() == 1 { "" } else { "s" },
                        ),
                    );
                }
            }
            Ok(i32::from(!ok))
        }
    }
}

/// `n thing` or `n things`.
fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

pub(super) fn quote(s: &str) -> String {
    let mut out = String::new();
    json::push_string(&mut out, s);
    out
}

/// `eval SNAPSHOT`: details for one feature or all.
pub fn eval(args: &Args, out: &mut String) -> Result<i32, Usage> {
    // The arguments first: after `--`, an option is an unexpected argument.
    args.snapshot()?;
    args.require("context")?;
    stdin_once(args)?;
    let engine = load(args)?;
    let context_text = option_text(args, "context", "{}")?;
    let context = parse_option(&context_text, "context")?;
    let sticky_text = option_text(args, "sticky", "{}")?;
    let sticky = sticky_map(&parse_option(&sticky_text, "sticky")?)?;
    let mut env = FixedEnv {
        now: now_option(args)?,
        sticky,
        random,
    };
    let ctx = JsonContext::new(&engine, &context);
    let details = match args.value("feature") {
        Some(name) => engine.details(name, &ctx, &mut env),
        None => engine.details_all(&ctx, &mut env),
    };
    line(out, &pretty::reformat(&details));
    Ok(0)
}

fn sticky_map(value: &Value) -> Result<BTreeMap<String, String>, Usage> {
    let Some(members) = value.as_object() else {
        return Err(Usage(
            "--sticky must be a JSON object of stickyKey to implementation".to_owned(),
        ));
    };
    members
        .iter()
        .map(|(k, v)| match v.as_str() {
            Some(s) => Ok((k.to_string(), s.to_owned())),
            None => Err(Usage(format!(
                "--sticky: the value of '{k}' must be an implementation name (a string)"
            ))),
        })
        .collect()
}

/// `simulate SNAPSHOT --feature F --units N`: the share of each implementation.
pub fn simulate(args: &Args, out: &mut String) -> Result<i32, Usage> {
    stdin_once(args)?;
    let engine = load(args)?;
    let name = args.require("feature")?;
    let given = args.require("units")?;
    let units: u64 = given
        .parse()
        .ok()
        .filter(|n| (1..=100_000_000).contains(n))
        .ok_or_else(|| {
            Usage(format!(
                "--units must be a whole number from 1 to 100000000, not '{given}'"
            ))
        })?;
    let context_text = option_text(args, "context", "{}")?;
    let context = object_option(&context_text, "context")?;
    let ctx = JsonContext::new(&engine, &context);
    let mut env = FixedEnv {
        now: now_option(args)?,
        sticky: BTreeMap::new(),
        random,
    };
    let implementation_count = engine
        .feature_index(name)
        .and_then(|i| engine.feature(i))
        .map_or(0, |f| f.implementations.len());
    // Units per implementation (then none), and per (implementation, rule).
    let mut counts = vec![0u64; implementation_count + 1];
    let mut sources: BTreeMap<(usize, Option<u32>), u64> = BTreeMap::new();
    // The experiments some unit reached: only their assignments apply.
    let reached = RefCell::new(Vec::new());
    let segment = feats_edge::simulate::each_unit(
        &engine,
        name,
        args.value("by"),
        units,
        &ctx,
        &mut Reaching {
            env: &mut env,
            reached: &reached,
        },
        |implementation, rule| {
            let at = implementation.map_or(implementation_count, |i| i.min(implementation_count));
            if let Some(c) = counts.get_mut(at) {
                *c += 1;
            }
            *sources.entry((at, rule)).or_insert(0) += 1;
        },
    )
    .map_err(|e| {
        let why = match (e, args.value("by")) {
            (SimulateError::NoSuchSegment, Some("")) => "--by is empty".to_owned(),
            (e, by) => e.describe(by),
        };
        let mut quoted = String::new();
        feats_edge::text::push_quoted(&mut quoted, name);
        Usage(format!("cannot simulate {quoted}: {why}"))
    })?;
    let feature = engine
        .feature_index(name)
        .and_then(|i| engine.feature(i))
        .ok_or_else(|| Usage(format!("no feature '{name}'")))?;
    // Which placeholders took the units' values: those --context leaves empty.
    let varied = match feats_edge::simulate::unit(&engine, name, args.value("by")) {
        Ok(unit) if unit.varied_in(&ctx).len() < unit.slots.len() => {
            "its placeholders --context leaves empty"
        }
        _ => "its placeholders",
    };
    // A unit segment that declares its values: each value is one unit, and
    // real contexts carry only those, so the split is by whole values.
    let options = engine.segment_options(&segment).unwrap_or(&[]);
    // Each value once (a list may repeat one).
    let mut seen = std::collections::HashSet::new();
    let option_refs: Vec<&str> = options
        .iter()
        .map(String::as_str)
        .filter(|o| seen.insert(*o))
        .collect();
    let per_option = if option_refs.is_empty() {
        None
    } else {
        feats_edge::simulate::per_value(
            &engine,
            name,
            args.value("by"),
            &option_refs,
            &ctx,
            &mut env,
        )
        .ok()
        .flatten()
        .map(|picks| {
            picks
                .into_iter()
                .map(|i| {
                    i.and_then(|i| feature.implementations.get(i))
                        .map(String::as_str)
                })
                .collect::<Vec<Option<&str>>>()
        })
    };
    let rows: Vec<(usize, &str, u64)> = feature
        .implementations
        .iter()
        .map(String::as_str)
        .chain(std::iter::once("(null)"))
        .zip(counts.iter().copied())
        .enumerate()
        .map(|(i, (n, c))| (i, n, c))
        .filter(|&(_, n, c)| n != "(null)" || c > 0)
        .collect();
    // What gave each implementation: a rule, or the default.
    let source_name = |rule: Option<u32>| match rule {
        None => "default".to_owned(),
        Some(r) => {
            let kind = feature
                .body
                .as_ref()
                .and_then(|b| b.rules.get(r as usize))
                .map_or(String::new(), |rule| match &rule.action {
                    Action::Serve(_) => " (serve)".to_owned(),
                    Action::Split(_) => " (split)".to_owned(),
                    Action::Experiment { name, .. } => format!(" (experiment '{name}')"),
                });
            format!("rule {r}{kind}")
        }
    };
    // An implementation's sources: its rules in order, then the default.
    let of = |i: usize| {
        let rules = sources.range((i, Some(0))..=(i, Some(u32::MAX)));
        rules.chain(sources.get_key_value(&(i, None)))
    };
    let several = rows.iter().any(|&(i, _, _)| of(i).count() > 1);
    if args.flag("json") {
        let shares: Vec<String> = rows
            .iter()
            .map(|&(i, n, c)| {
                let by_rule: Vec<String> = of(i)
                    .map(|(&(_, rule), k)| {
                        let key = rule.map_or("default".to_owned(), |r| r.to_string());
                        format!("\"{key}\":{k}")
                    })
                    .collect();
                format!(
                    "{}:{{\"units\":{c},\"share\":{},\"rules\":{{{}}}}}",
                    quote(n),
                    c as f64 / units as f64,
                    by_rule.join(",")
                )
            })
            .collect();
        // Each option's implementation, when the segment declares options.
        let options_json = per_option.as_ref().map_or(String::new(), |picks| {
            let pairs: Vec<String> = option_refs
                .iter()
                .zip(picks)
                .map(|(o, i)| format!("{}:{}", quote(o), i.map_or("null".to_owned(), quote)))
                .collect();
            format!(",\"options\":{{{}}}", pairs.join(","))
        });
        line(
            out,
            &format!(
                "{{\"feature\":{},\"by\":{},\"units\":{units},\"implementations\":{{{}}}{options_json}}}",
                quote(name),
                quote(&segment),
                shares.join(",")
            ),
        );
    } else {
        text_line(
            out,
            &format!(
                "{name}: {units} synthetic unit{} by {} ({varied} set to 1..{units})",
                if units == 1 { "" } else { "s" },
                segment
            ),
        );
        let labels = rows
            .iter()
            .filter(|_| several)
            .flat_map(|&(i, _, _)| of(i))
            .map(|(&(_, rule), _)| source_name(rule).chars().count() + 2);
        let width = rows
            .iter()
            .map(|(_, n, _)| n.chars().count())
            .chain(labels)
            .max()
            .unwrap_or(0)
            .max(14);
        line(
            out,
            &format!(
                "{:<width$}  {:>10}  {:>7}",
                "implementation", "units", "share"
            ),
        );
        for &(i, n, c) in &rows {
            let share = c as f64 * 100.0 / units as f64;
            let bar = "█".repeat((share / 2.5).round() as usize);
            text_line(out, &format!("{n:<width$}  {c:>10}  {share:>6.2}%  {bar}"));
            // Where an implementation comes from more than one place (a
            // holdout's control and the experiment's), each one.
            if several {
                for (&(_, rule), k) in of(i) {
                    let label = format!("  {}", source_name(rule));
                    let share = *k as f64 * 100.0 / units as f64;
                    text_line(out, &format!("{label:<width$}  {k:>10}  {share:>6.2}%"));
                }
            }
        }
        if feature.body.as_ref().is_some_and(|b| !b.enabled) {
            line(
                out,
                "the feature is disabled (\"enabled\": false): every unit gets its default",
            );
        } else {
            sticky_note(out, feature, &reached.borrow());
        }
        if let Some(picks) = &per_option {
            print_options(out, &segment, &option_refs, picks, &feature.implementations);
        }
    }
    Ok(0)
}

/// An [`Env`] that notes which experiments an evaluation reaches: the
/// engine asks for a unit's stored assignment where an experiment's rule
/// applies to the context and holds the unit, and only there, so those are
/// the experiments whose assignments the evaluation would honour.
pub(super) struct Reaching<'a, E: ?Sized> {
    pub env: &'a mut E,
    /// The names of the experiments reached (since last taken, for a
    /// caller that takes them unit by unit).
    pub reached: &'a RefCell<Vec<String>>,
}

impl<E: Env + ?Sized> Env for Reaching<'_, E> {
    fn now(&mut self) -> i64 {
        self.env.now()
    }
    fn sticky(
        &mut self,
        experiment: &str,
        unit: &str,
        implementations: &[String],
    ) -> Option<Assignment> {
        let mut reached = self.reached.borrow_mut();
        if !reached.iter().any(|n| n == experiment) {
            reached.push(experiment.to_owned());
        }
        self.env.sticky(experiment, unit, implementations)
    }
    fn random(&mut self) -> u32 {
        self.env.random()
    }
    // The rest as the host answers them.
    fn used(&self) -> Option<feats_edge::model::ImplId> {
        self.env.used()
    }
    fn feature(&mut self, index: usize) {
        self.env.feature(index);
    }
    fn passed(&mut self, experiment: &str, unit: &str) {
        self.env.passed(experiment, unit);
    }
    fn noted(&self) -> &[String] {
        self.env.noted()
    }
    fn clear_noted(&mut self) {
        self.env.clear_noted();
    }
}

/// `simulate`'s note on the experiments the units reached (`reached`, by
/// name): a unit that used an arm keeps it while the rule applies (sticky
/// assignments win over the weights), so the shares are those of units
/// with no assignment. An arm lowered to 0 % shows no unit, yet those that
/// used it are still served it. An experiment no unit reached (behind a
/// rule that answers every unit, or a `when` that does not hold) gives
/// none of them its stored arm, and is not named.
fn sticky_note(out: &mut String, feature: &feats_edge::model::Feature, reached: &[String]) {
    let Some(body) = &feature.body else {
        return;
    };
    // In the order of the rules.
    let mut names: Vec<&str> = Vec::new();
    for rule in &body.rules {
        if let Action::Experiment { name, .. } = &rule.action {
            if !names.contains(&name.as_str()) && reached.contains(name) {
                names.push(name);
            }
        }
    }
    for name in names {
        text_line(
            out,
            &format!(
                "units that already used an arm of experiment '{name}' keep it (sticky): \
                 these shares are for units without one"
            ),
        );
    }
}

/// How many options `simulate` lists one by one (`--json` lists every one).
const OPTIONS_LISTED: usize = 50;
/// How many characters of an option `simulate` shows (`--json` shows all).
const OPTION_SHOWN: usize = 60;

/// `simulate`'s note on a unit segment that declares its values: each is
/// one unit, so the feature splits whole values (a split by country gives
/// each country one implementation), and which value gets what.
fn print_options(
    out: &mut String,
    segment: &str,
    options: &[&str],
    picks: &[Option<&str>],
    implementations: &[String],
) {
    // Values per implementation, in declared order, then none.
    let summary: Vec<String> = implementations
        .iter()
        .map(|n| Some(n.as_str()))
        .chain([None])
        .filter_map(|n| {
            let c = picks.iter().filter(|&&p| p == n).count();
            (c > 0).then(|| format!("{} {c}", n.unwrap_or("(null)")))
        })
        .collect();
    text_line(
        out,
        &format!(
            "{segment} declares {} option{}: real contexts carry only those, each one unit, so \
             the split is by whole values ({}):",
            options.len(),
            if options.len() == 1 { "" } else { "s" },
            summary.join(", ")
        ),
    );
    // Long options are cut short: padding each line to a huge one would
    // multiply the output (and Rust refuses widths past 65 535). Each is
    // escaped before it is measured, as its line will show it.
    let shown: Vec<String> = options
        .iter()
        .take(OPTIONS_LISTED)
        .map(|o| match o.char_indices().nth(OPTION_SHOWN) {
            Some((end, _)) => format!("{}…", &o[..end]),
            None => (*o).to_owned(),
        })
        .map(|o| super::one_line(&o))
        .collect();
    // Padded by the columns each takes: options are any text, and one in
    // Chinese or with a combining accent would misalign the column after it.
    let width = shown.iter().map(|o| columns(o)).max().unwrap_or(0);
    for (o, i) in shown.iter().zip(picks) {
        let n = i.unwrap_or("(null)");
        text_line(out, &format!("  {}  {n}", pad(o, width)));
    }
    if options.len() > OPTIONS_LISTED {
        text_line(
            out,
            &format!("  … ({} in all; --json lists every one)", options.len()),
        );
    }
}

/// `bucket --salt S --unit U`: the bucket of SPEC section 3.
pub fn bucket(args: &Args, out: &mut String) -> Result<i32, Usage> {
    if let Some(extra) = args.positional.first() {
        return Err(Usage(format!("unexpected argument '{extra}'")));
    }
    line(
        out,
        &format!(
            "{}",
            hash::bucket(args.require("salt")?, args.require("unit")?)
        ),
    );
    Ok(0)
}
