//! The values of conditions' lists that cannot be what was meant: a value
//! of an `in` or `not_in` list given twice or with blanks around it, and
//! a `cidr` block written IPv4-mapped with an IPv4 prefix. Looked for in
//! the document as written, once for the whole snapshot.

use super::{quoted, warning};
use crate::json::{self, Value};
use crate::prelude::*;
use crate::{Engine, Problem};
use alloc::format;

/// The values of conditions' lists that cannot be what was meant: a
/// `cidr` block written IPv4-mapped with a prefix under 96
/// (`::ffff:10.0.0.0/8`), an IPv6 block that holds no IPv4 address, where
/// `10.0.0.0/8` was most likely meant; a value of an `in` or `not_in` list
/// given twice, or with blanks around it (see [`in_list`]). Every `when`
/// of the document is looked through (an explicit stack: conditions nest
/// deep).
pub(super) fn listed_values(engine: &Engine, doc: &Value, out: &mut Vec<Problem>) {
    let mut stack: Vec<(String, &Value)> = Vec::new();
    let owners = |key: &str| doc.get(key).and_then(Value::as_object).unwrap_or_default();
    for (name, activation) in owners("activations") {
        if let Some(when) = activation.get("when") {
            let mut ptr = String::from("/activations");
            json::pointer_push(&mut ptr, name);
            ptr.push_str("/when");
            stack.push((ptr, when));
        }
        walk_lists(&mut stack, out);
    }
    for (name, feature) in owners("features") {
        // Features that compiled, as the other warnings (a broken one has its problems).
        let compiled = engine
            .feature_index(name)
            .and_then(|i| engine.feature(i))
            .is_some_and(|f| f.body.is_some());
        if !compiled {
            continue;
        }
        let rules = feature
            .get("rules")
            .and_then(Value::as_array)
            .unwrap_or_default();
        for (i, rule) in rules.iter().enumerate().rev() {
            if let Some(when) = rule.get("when") {
                let mut ptr = String::from("/features");
                json::pointer_push(&mut ptr, name);
                ptr.push_str(&format!("/rules/{i}/when"));
                stack.push((ptr, when));
            }
        }
        walk_lists(&mut stack, out);
    }
}

/// The walk of [`listed_values`], in document order. Only containers are
/// given pointers (a list of 10 000 values makes none, but for the values
/// warned about).
fn walk_lists(stack: &mut Vec<(String, &Value)>, out: &mut Vec<Problem>) {
    let nested = |v: &Value| matches!(v, Value::Object(_) | Value::Array(_));
    while let Some((ptr, value)) = stack.pop() {
        match value {
            Value::Object(members) => {
                for (key, v) in members.iter().rev() {
                    // (Annotations are not read: a `cidr` there is none.)
                    if key == "description" || key == "meta" {
                        continue;
                    }
                    if key == "cidr" {
                        let at = format!("{ptr}/cidr");
                        let blocks = v.as_array().unwrap_or_default();
                        for (i, block) in blocks.iter().enumerate() {
                            if let Some(text) = block.as_str() {
                                mapped_block(&format!("{at}/{i}"), text, out);
                            }
                        }
                    } else if key == "in" || key == "not_in" {
                        let mut at = ptr.clone();
                        json::pointer_push(&mut at, key);
                        in_list(&at, v.as_array().unwrap_or_default(), out);
                    } else if nested(v) {
                        let mut at = ptr.clone();
                        json::pointer_push(&mut at, key);
                        stack.push((at, v));
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate().rev() {
                    if nested(v) {
                        stack.push((format!("{ptr}/{i}"), v));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The warning for one block of a `cidr` list, at `at`, if it is written
/// IPv4-mapped with a prefix under 96.
fn mapped_block(at: &str, text: &str, out: &mut Vec<Problem>) {
    let Some(prefix) = crate::ops::ip::short_mapped_prefix(text) else {
        return;
    };
    let address = text.split_once('/').map_or(text, |(a, _)| a);
    let v4 = address
        .rsplit_once(':')
        .map(|(_, last)| last)
        .filter(|last| last.contains('.'));
    let meant = match v4.filter(|_| prefix <= 32) {
        Some(v4) => format!(
            ": for IPv4 addresses write {} (or the mapped form with {} bits: {})",
            quoted(&format!("{v4}/{prefix}")),
            prefix + 96,
            quoted(&format!("{address}/{}", prefix + 96))
        ),
        None if prefix <= 32 => format!(
            ": an IPv4-mapped block takes a prefix of 96 to 128 ({} for an IPv4 /{prefix})",
            prefix + 96
        ),
        None => ": an IPv4-mapped block takes a prefix of 96 to 128".to_owned(),
    };
    out.push(warning(
        at.to_owned(),
        format!(
            "{} is an IPv6 block of {prefix} bits, which holds no IPv4 address (nor an \
             IPv4-mapped one){meant}",
            quoted(text)
        ),
    ));
}

/// The warnings for the `in` or `not_in` list `values` at `at`: a value
/// with blanks around it (`" US"`, a no-break space pasted after it),
/// which matching exactly compares as written, so that it matches no
/// context's `US`; a value given again, which changes nothing and is most
/// often a slip for another (`["US", "CA", "US"]` meant `MX`), warned
/// about once, at its second place, with how many more there are (a
/// generated list of one value 10 000 times gave 9 999 warnings). A map of
/// the values seen: linear in the list's length (up to 10 000 values).
fn in_list(at: &str, values: &[Value], out: &mut Vec<Problem>) {
    // By value: where it is first, and how many times it is given.
    let mut seen: std::collections::HashMap<&str, (usize, usize)> =
        std::collections::HashMap::new();
    for (i, text) in values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((i, v.as_str()?)))
    {
        seen.entry(text).or_insert((i, 0)).1 += 1;
    }
    for (i, value) in values.iter().enumerate() {
        let Some(text) = value.as_str() else { continue };
        let Some(&(j, count)) = seen.get(text) else {
            continue;
        };
        if j != i {
            if count > 1 {
                let more = match count - 2 {
                    0 => String::new(),
                    1 => " and once more after this".to_owned(),
                    n => format!(" and {n} more times after this"),
                };
                out.push(warning(
                    format!("{at}/{i}"),
                    format!(
                        "{} is listed already (at {at}/{j}){more}: a value given twice changes \
                         nothing; remove it, or write the value meant",
                        quoted(text)
                    ),
                ));
                // (Its later places are in the count.)
                seen.insert(text, (j, 0));
            }
            continue;
        }
        let blank = |c: char| c.is_whitespace() || crate::text::is_invisible(c);
        let trimmed = text.trim_matches(blank);
        let (start, end) = (text.starts_with(blank), text.ends_with(blank));
        let place = match (start, end) {
            _ if trimmed.is_empty() => continue,
            (true, true) => "at both ends",
            (true, false) => "at its start",
            (false, true) => "at its end",
            (false, false) => continue,
        };
        out.push(warning(
            format!("{at}/{i}"),
            format!(
                "{} has a blank or invisible character {place}: values are matched exactly \
                 as written, so it does not match {}; remove it",
                quoted(text),
                quoted(trimmed)
            ),
        ));
    }
}
