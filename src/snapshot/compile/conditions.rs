//! Conditions (`when`), compiled for one feature: segment names resolved to
//! the feature's sources; an activation's condition compiled once for all
//! features (see `CompiledWhen`).

use super::reader::{self, expected, quoted, Errs, Ptr};
use super::{Payload, Scope, SetCache};
use crate::json::Value;
use crate::model::{Cmp, Cond, LocalSegment, Patterns, StrSet, TextOp, MANY};
use crate::ops::{
    decimal::Decimal, instant::parse_rfc3339, ip::Cidr, patterns::Many, semver::Version,
};
use crate::prelude::*;
use crate::text::{concat, quoted_some};
use alloc::sync::Arc;

/// How deep conditions may nest, counting through activations.
pub const MAX_COND_DEPTH: u32 = 256;
/// How deep activations may refer to activations (SPEC: 32 levels).
pub const MAX_ACTIVATION_DEPTH: usize = 32;

const SEGMENT_OPS: [&str; 17] = [
    "in",
    "not_in",
    "starts_with",
    "ends_with",
    "contains",
    "gt",
    "gte",
    "lt",
    "lte",
    "version_gt",
    "version_gte",
    "version_lt",
    "version_lte",
    "version_eq",
    "cidr",
    "exists",
    "segment",
];
const OTHER_OPS: [&str; 6] = ["after", "before", "all", "any", "not", "activation"];

/// Compiles a condition at `ptr`.
pub fn compile(
    scope: &mut Scope<'_>,
    value: &Value,
    ptr: &Ptr<'_>,
    depth: u32,
    errs: &mut Errs,
) -> Option<Cond> {
    if depth > MAX_COND_DEPTH {
        if !scope.conditions_too_deep(None) {
            errs.add(
                ptr,
                "conditions nest deeper than 256 levels (counting through activations)".to_owned(),
            );
        }
        return None;
    }
    scope.condition(depth);
    let Some(members) = value.as_object() else {
        errs.add(ptr, expected("a condition object", value));
        return None;
    };
    if members.iter().any(|(k, _)| k == "segment") {
        return segment_condition(scope, value, ptr, errs);
    }
    operator_condition(scope, value, members, ptr, depth, errs)
}

/// A condition without `segment` (`value`, whose `members` these are).
/// Out of line: a WebAssembly engine compiles a function on its first
/// call, so the first feature compiled with segment conditions only does
/// not compile this.
#[inline(never)]
fn operator_condition(
    scope: &mut Scope<'_>,
    value: &Value,
    members: &[(alloc::borrow::Cow<'_, str>, Value<'_>)],
    ptr: &Ptr<'_>,
    depth: u32,
    errs: &mut Errs,
) -> Option<Cond> {
    let ops: Vec<&str> = members
        .iter()
        .map(|(k, _)| k.as_ref())
        .filter(|k| *k != "description" && *k != "meta")
        .collect();
    let [op] = ops.as_slice() else {
        several_operators(&ops, value, ptr, errs);
        return None;
    };
    if !OTHER_OPS.contains(op) {
        let message = if SEGMENT_OPS.contains(op) {
            concat(&["the operator ", &quoted(op), " needs a 'segment'"])
        } else {
            unknown_operator(op, false)
        };
        errs.add(&ptr.key(op), message);
        return None;
    }
    let fields = reader::fields(value, ptr, [op], errs)?;
    let arg = fields.into_iter().flatten().next()?;
    let at = ptr.key(op);
    match *op {
        "after" | "before" => {
            let Some(text) = arg.as_str() else {
                errs.add(&at, not_a_string_instant(arg));
                return None;
            };
            let Some(ms) = parse_rfc3339(text) else {
                errs.add(&at, not_an_instant(text));
                return None;
            };
            Some(if *op == "after" {
                Cond::After(ms)
            } else {
                Cond::Before(ms)
            })
        }
        "all" | "any" => {
            let items = reader::array(arg, &at, errs)?;
            let mut conds = Vec::with_capacity(items.len());
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                match compile(scope, item, &at.at(i), depth + 1, errs) {
                    Some(c) => conds.push(c),
                    None => ok = false,
                }
            }
            ok.then(|| {
                if *op == "all" {
                    Cond::All(conds)
                } else {
                    Cond::Any(conds)
                }
            })
        }
        "not" => compile(scope, arg, &at, depth + 1, errs).map(|c| Cond::Not(Box::new(c))),
        _ => {
            let name = reader::name(arg, &at, errs)?;
            scope
                .activation(name, &at, depth, errs)
                .map(Cond::Activation)
        }
    }
}

/// The problem for an `after` or `before` that is not RFC 3339 text: a
/// number is most likely a Unix time, said as such. (The instant it
/// stands for is not written out: formatting one would take 2 KB of the
/// WebAssembly module, for a message.)
#[cold]
fn not_a_string_instant(arg: &Value) -> String {
    let mut message = expected("an RFC 3339 instant as a string", arg);
    message.push_str(if arg.as_number().is_some() {
        " (not a Unix time: write the instant as text, e.g. \"2026-11-22T00:00:00Z\")"
    } else {
        " (write e.g. \"2026-11-22T00:00:00Z\")"
    });
    message
}

/// The problem for text that is not an RFC 3339 instant, saying what it
/// lacks when it is one but for its time zone (`2026-12-01T00:00:00`,
/// local time to its author but not to every runtime) or its time.
#[cold]
fn not_an_instant(text: &str) -> String {
    let fix = if parse_rfc3339(&concat(&[text, "Z"])).is_some() {
        concat(&[
            "it has no time zone: write ",
            text,
            "Z for UTC, or an offset such as ",
            text,
            "+02:00",
        ])
    } else if parse_rfc3339(&concat(&[text, "T00:00:00Z"])).is_some() {
        concat(&[
            "a date needs a time and a time zone: write ",
            text,
            "T00:00:00Z for midnight UTC",
        ])
    } else {
        "write e.g. 2026-11-22T00:00:00Z".to_owned()
    };
    concat(&["not an RFC 3339 instant: ", &quoted(text), " (", &fix, ")"])
}

/// A condition without `segment` whose keys are not one operator: empty,
/// a key repeated, typos (each named, with the operator it is near), or
/// several operators.
#[inline(never)]
fn several_operators(ops: &[&str], value: &Value, ptr: &Ptr<'_>, errs: &mut Errs) {
    let Some(&first) = ops.first() else {
        errs.add(
            ptr,
            "an empty condition: give one of segment, after, before, all, any, not, activation"
                .to_owned(),
        );
        return;
    };
    if ops.iter().all(|op| *op == first) {
        // One operator given twice: said at the repeated key.
        let _ = reader::fields(value, ptr, [first], errs);
        return;
    }
    let mut unknown = false;
    for op in ops {
        if !SEGMENT_OPS.contains(op) && !OTHER_OPS.contains(op) {
            errs.add(&ptr.key(op), unknown_operator(op, false));
            unknown = true;
        }
    }
    if !unknown {
        errs.add(
            ptr,
            "a condition takes exactly one operator; combine several with 'all' or 'any'"
                .to_owned(),
        );
    }
}

/// The message for a key that is no operator, with the one it is near;
/// `beside_segment` when the condition has a `segment` already.
fn unknown_operator(op: &str, beside_segment: bool) -> String {
    let mut message = concat(&["unknown condition operator ", &quoted(op)]);
    let word = match op {
        ">" => "gt",
        ">=" => "gte",
        "<" => "lt",
        "<=" => "lte",
        "=" | "==" | "===" | "eq" | "equals" => "in",
        "!=" | "!==" | "ne" => "not_in",
        _ => match OTHER_WORDS
            .iter()
            .find(|(words, _)| words.split(' ').any(|w| w.eq_ignore_ascii_case(op)))
        {
            Some((_, word)) if beside_segment => return word_beside_segment(message, word),
            Some((_, word)) => word,
            None => {
                reader::did_you_mean(&mut message, &[&SEGMENT_OPS, &OTHER_OPS], op);
                return message;
            }
        },
    };
    message.push_str(" (write ");
    message.push_str(&quoted(word));
    message.push(')');
    message
}

/// Other languages' words for an operator, known in any case (`AND`,
/// `Or`), a space between them, each group with the operator to write.
/// Words in a string rather than a list of strings: less WebAssembly.
const OTHER_WORDS: [(&str, &str); 4] = [
    // The logical words of other languages (SQL, JavaScript, MongoDB
    // and GrowthBook's `$and`). Said before the typo hint, which took
    // `and` for a misspelt `any`: the opposite of what was meant.
    ("and && $and", "all"),
    ("or || $or", "any"),
    ("! $not", "not"),
    // LaunchDarkly's and GrowthBook's `attribute`, Unleash's
    // `contextName`: rules here name a segment, not a raw attribute.
    ("attribute attr contextName property", "segment"),
];

/// The message for another language's word for `word` beside `segment`,
/// where writing `word` there would not do. An attribute word
/// (`attribute`): the segment already names what the condition reads, so
/// "write 'segment'" would give it twice; the attribute is what the
/// segment's `from` reads. A logical word (`and`, `!`): `all`, `any` or
/// `not` beside `segment` is two conditions in one object, refused in
/// turn, so the message says to write it around the segment condition.
#[cold]
fn word_beside_segment(mut message: String, word: &str) -> String {
    if word == "segment" {
        message.push_str(
            " (the condition's 'segment' names what it reads, and the segment's 'from' where \
             that is in the context: remove it)",
        );
        return message;
    }
    let inner = if word == "not" {
        "{\"segment\": …}"
    } else {
        "[{\"segment\": …}, …]"
    };
    message.push_str(&concat(&[
        " (beside 'segment' it would make two conditions in one object: write ",
        &quoted(word),
        " around the segment condition instead, as in {\"",
        word,
        "\": ",
        inner,
        "})",
    ]));
    message
}

/// `{"segment": S, OP: ARG}`.
fn segment_condition(
    scope: &mut Scope<'_>,
    value: &Value,
    ptr: &Ptr<'_>,
    errs: &mut Errs,
) -> Option<Cond> {
    // `segment` beside `all`, `after`, …: two conditions in one object,
    // not an unknown field.
    if let Value::Object(members) = value {
        if let Some((other, _)) = members.iter().find(|(k, _)| OTHER_OPS.contains(&&**k)) {
            errs.add(
                ptr,
                concat(&[
                    "a condition takes exactly one operator, found 'segment' and ",
                    &quoted(other),
                    "; combine several with 'all' or 'any'",
                ]),
            );
            return None;
        }
    }
    // A key that is no operator beside `segment`: an operator misspelt
    // (`gte` as `>=` or `ge`), said as such rather than as an unknown field
    // (or an annotation misspelt, said as that), without "needs an
    // operator" after it. The rest is still checked, so that every
    // problem is listed; the condition is then dropped.
    let mut misspelt = false;
    for (key, _) in value.as_object().unwrap_or_default() {
        if !SEGMENT_OPS.contains(&&**key) && *key != "description" && *key != "meta" {
            let mut annotation = concat(&["unknown field ", &quoted(key)]);
            let message = if reader::did_you_mean(&mut annotation, &[&["description", "meta"]], key)
            {
                annotation
            } else {
                unknown_operator(key, true)
            };
            errs.add(&ptr.key(key), message);
            misspelt = true;
        }
    }
    let fields = reader::known_fields(value, ptr, SEGMENT_OPS, errs)?;
    let mut ops: Vec<(&str, &Value)> = Vec::new();
    let mut segment: Option<&Value> = None;
    for (key, v) in SEGMENT_OPS.iter().zip(fields) {
        let Some(v) = v else { continue };
        if *key == "segment" {
            segment = Some(v);
        } else {
            ops.push((key, v));
        }
    }
    if let [(first, _), (second, _), ..] = ops.as_slice() {
        errs.add(
            ptr,
            concat(&[
                "a condition takes exactly one operator, found ",
                &quoted(first),
                " and ",
                &quoted(second),
                "; combine them with 'all'",
            ]),
        );
    }
    if ops.is_empty() {
        if !misspelt {
            errs.add(ptr, "a segment condition needs an operator: in, not_in, starts_with, ends_with, contains, gt, gte, lt, lte, version_*, cidr or exists".to_owned());
        }
        let seg_ptr = ptr.key("segment");
        let name = segment.and_then(|s| reader::string(s, &seg_ptr, errs));
        let _ = name.and_then(|name| scope.segment(name, &seg_ptr, errs));
        return None;
    }
    let seg_ptr = ptr.key("segment");
    let name = segment.and_then(|s| reader::string(s, &seg_ptr, errs));
    let seg = name.and_then(|name| scope.segment(name, &seg_ptr, errs));
    let name = name.unwrap_or_default();
    // Every operand is checked, also when the segment failed or there are
    // several operators, so that every problem is listed; the condition is
    // then dropped.
    let local = seg.unwrap_or_default();
    let mut cond = None;
    for (i, &(op, arg)) in ops.iter().enumerate() {
        let at = ptr.key(op);
        let c = match op {
            "in" => membership(scope, local, name, false, arg, &at, errs),
            "not_in" => membership(scope, local, name, true, arg, &at, errs),
            _ => other_operator(local, op, arg, &at, scope.activation_sets(), errs),
        };
        if i == 0 {
            cond = c;
        }
    }
    seg.and(cond).filter(|_| ops.len() == 1 && !misspelt)
}

/// `in` (or, `negated`, `not_in`), the commonest operators.
fn membership(
    scope: &Scope<'_>,
    seg: LocalSegment,
    segment_name: &str,
    negated: bool,
    arg: &Value,
    at: &Ptr<'_>,
    errs: &mut Errs,
) -> Option<Cond> {
    let cache = scope.activation_sets();
    if let Some(Payload::Set(set)) = cache.and_then(|c| c.get(at)) {
        // Checked and built when another feature (or the load) compiled it.
        return Some(if negated {
            Cond::NotIn(seg, set)
        } else {
            Cond::In(seg, set)
        });
    }
    let values = reader::strings(arg, at, errs)?;
    if let Some((options, listed)) = scope.options(segment_name) {
        let mut ok = true;
        for (i, v) in values.iter().enumerate() {
            if !options.contains(v) {
                errs.add(
                    &at.at(i),
                    concat(&[
                        &quoted(v),
                        " is not one of the options of segment ",
                        &quoted(segment_name),
                        if listed.is_empty() {
                            " (its list is empty"
                        } else {
                            " ("
                        },
                        &quoted_some(listed),
                        ")",
                    ]),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
    }
    let set = StrSet::new(&values);
    if let Some(cache) = cache {
        cache.put(at, Payload::Set(set.clone()));
    }
    Some(if negated {
        Cond::NotIn(seg, set)
    } else {
        Cond::In(seg, set)
    })
}

/// The other operators, out of line: a WebAssembly engine compiles a
/// function when it is first called, so the compile of a feature that uses
/// only `in` (the first evaluation of a cold start) does not compile these.
#[inline(never)]
fn other_operator(
    seg: LocalSegment,
    op: &str,
    arg: &Value,
    at: &Ptr<'_>,
    cache: Option<&SetCache>,
    errs: &mut Errs,
) -> Option<Cond> {
    // Built when another feature compiled the same activation (see SetCache).
    match cache.and_then(|c| c.get(at)) {
        Some(Payload::Many(many)) => return Some(Cond::ContainsAny(seg, many)),
        Some(Payload::Patterns(p)) => return Some(Cond::Text(seg, p)),
        Some(Payload::Blocks(blocks)) => return Some(Cond::Cidr(seg, blocks)),
        _ => {}
    }
    let keep = |built: Payload| {
        if let Some(cache) = cache {
            cache.put(at, built);
        }
    };
    match op {
        "starts_with" | "ends_with" | "contains" => {
            let text_op = match op {
                "starts_with" => TextOp::StartsWith,
                "ends_with" => TextOp::EndsWith,
                _ => TextOp::Contains,
            };
            let patterns = reader::strings(arg, at, errs)?;
            if text_op == TextOp::Contains && patterns.len() > MANY {
                let many = Arc::new(Many::new(&patterns));
                keep(Payload::Many(many.clone()));
                return Some(Cond::ContainsAny(seg, many));
            }
            let built = Arc::new(Patterns::new(
                text_op,
                patterns.into_iter().map(str::to_owned).collect(),
            ));
            keep(Payload::Patterns(built.clone()));
            Some(Cond::Text(seg, built))
        }
        "gt" | "gte" | "lt" | "lte" => {
            let parsed = match arg {
                Value::Number(n) => Decimal::parse(n.as_str()),
                Value::String(s) => Decimal::parse(s),
                _ => None,
            };
            let Some(threshold) = parsed else {
                let message = match arg {
                    // Numeric strings are read; this one is not a number.
                    Value::String(s) => concat(&[
                        "not a decimal number: ",
                        &quoted(s),
                        " (write e.g. 1000, 12.5 or 1e3)",
                    ]),
                    _ => expected("a number", arg),
                };
                errs.add(at, message);
                return None;
            };
            Some(Cond::Number(
                seg,
                cmp(op.strip_prefix("version_").unwrap_or(op)),
                threshold,
            ))
        }
        "version_gt" | "version_gte" | "version_lt" | "version_lte" | "version_eq" => {
            let text = reader::string(arg, at, errs)?;
            let Some(version) = Version::parse(text) else {
                errs.add(
                    at,
                    concat(&[
                        "not a SemVer version: ",
                        &quoted(text),
                        " (write e.g. 2.3.0 or 2.3.0-beta.1)",
                    ]),
                );
                return None;
            };
            Some(Cond::Version(
                seg,
                cmp(op.strip_prefix("version_").unwrap_or(op)),
                version,
            ))
        }
        "cidr" => {
            let blocks = reader::strings(arg, at, errs)?;
            let mut out = Vec::with_capacity(blocks.len());
            let mut ok = true;
            for (i, b) in blocks.iter().enumerate() {
                match Cidr::parse(b) {
                    Some(c) => out.push(c),
                    None => {
                        errs.add(
                            &at.at(i),
                            concat(&[
                                "not a CIDR block: ",
                                &quoted(b),
                                " (write e.g. 10.0.0.0/8 or 2001:db8::/32)",
                            ]),
                        );
                        ok = false;
                    }
                }
            }
            if !ok {
                return None;
            }
            let blocks: Arc<[Cidr]> = out.into();
            keep(Payload::Blocks(blocks.clone()));
            Some(Cond::Cidr(seg, blocks))
        }
        _ => Some(Cond::Exists(seg, reader::boolean(arg, at, errs)?)),
    }
}

fn cmp(op: &str) -> Cmp {
    match op {
        "gt" => Cmp::Gt,
        "gte" => Cmp::Gte,
        "lt" => Cmp::Lt,
        "lte" => Cmp::Lte,
        _ => Cmp::Eq,
    }
}
