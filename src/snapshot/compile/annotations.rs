//! Annotations in the maps of names (`/segments`, `/activations`,
//! `/features`): which `description` or `meta` member is one rather than
//! an entry of that name, and the problems it has.

use super::reader::{self, Errs, Ptr};
use super::{features, parse_span};
use crate::json::{self, Value};
use crate::prelude::*;
use crate::problem::Problems;

/// Whether member `key` of the map of names at `root` (`/segments`,
/// `/activations`, `/features`) is an annotation ([`reader::annotation`]):
/// when its value could not be an entry. A `description` that is an object
/// is an entry; a `meta` that is an object is one when it has one of the
/// entry's `fields`, or a near misspelling of one (a feature without its
/// `default` is still said to lack it). Its problems go to `problems`.
#[inline(never)]
pub(super) fn map_annotation(
    key: &str,
    value: &Value,
    root: &str,
    fields: &[&str],
    seen: &mut [bool; 2],
    problems: &mut Problems,
) -> bool {
    let mut errs = Errs::default();
    // (A field misspelt counts: `{"defualt": …}` is a feature with a typo.)
    let field =
        |k: &str| fields.contains(&k) || reader::did_you_mean(&mut String::new(), &[fields], k);
    let entry = value
        .as_object()
        .is_some_and(|members| key == "description" || members.iter().any(|(k, _)| field(k)));
    let found = reader::annotation(key, value.kind(), entry, seen, &Ptr::root(root), &mut errs);
    for (p, m) in errs.finish(&Ptr::root(root)) {
        problems.push(&p, m);
    }
    found
}

/// The fields of a feature, a segment, an activation: a `meta` object
/// with one of them is an entry ([`map_annotation`]).
pub(super) const FEATURE_FIELDS: [&str; 6] = features::FIELDS;
pub(super) const SEGMENT_FIELDS: [&str; 2] = ["from", "options"];
pub(super) const ACTIVATION_FIELDS: [&str; 1] = ["when"];

/// [`map_annotation`] for `member` of `root` (`/features`,
/// `/activations`), whose value a load does not parse otherwise: only a
/// `description` or a `meta` may be an annotation, and only theirs are
/// parsed. Out of line: the load's loops over features and activations
/// stay small.
#[inline(never)]
pub(super) fn deferred_annotation(
    member: &json::Deferred<'_>,
    text: &str,
    root: &str,
    fields: &[&str],
    seen: &mut [bool; 2],
    problems: &mut Problems,
) -> bool {
    if member.key != "description" && member.key != "meta" {
        return false;
    }
    let value = parse_span(text, member.span.clone());
    map_annotation(&member.key, &value, root, fields, seen, problems)
}
