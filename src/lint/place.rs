//! Where a finding points in the document: the pointer of a rule's or an
//! activation's condition, followed step by step into the activations it
//! names, with their names for the message.

use super::analysis::Step;
use super::quoted;
use crate::json::{self, Value};
use crate::prelude::*;
use alloc::collections::BTreeMap;
use alloc::format;

/// A condition's place in the document: its pointer, and its JSON value
/// when the document could be read (for the names of activations).
pub(super) struct Place<'d> {
    pub(super) ptr: String,
    value: Option<&'d Value<'d>>,
    doc: Option<&'d Doc<'d>>,
}

/// The document as read, with its features and activations by name (the
/// last of a name given twice, as [`Value::get`] finds it): looked up once
/// per rule and per activation a finding passes through, where a scan of
/// the document's list made `validate` quadratic (40 000 features: 8 s).
pub(super) struct Doc<'d> {
    pub(super) features: BTreeMap<&'d str, &'d Value<'d>>,
    activations: BTreeMap<&'d str, &'d Value<'d>>,
}

impl<'d> Doc<'d> {
    pub(super) fn new(doc: &'d Value<'d>) -> Self {
        let by_name = |key| {
            doc.get(key)
                .and_then(Value::as_object)
                .map(|members| members.iter().map(|(k, v)| (&**k, v)).collect())
                .unwrap_or_default()
        };
        Doc {
            features: by_name("features"),
            activations: by_name("activations"),
        }
    }
}

/// Where a trail leads: the pointer inside the owner's own condition (up
/// to the first activation it refers to), the activations it passes
/// through, and where it ends.
pub(super) struct Followed<'d> {
    pub(super) own: String,
    pub(super) through: Vec<String>,
    pub(super) end: Place<'d>,
}

impl<'d> Place<'d> {
    /// The `when` of rule `i` of feature `name`.
    pub(super) fn rule(doc: Option<&'d Doc<'d>>, name: &str, i: usize) -> Self {
        let mut ptr = String::from("/features");
        json::pointer_push(&mut ptr, name);
        ptr.push_str(&format!("/rules/{i}/when"));
        let value = doc.and_then(|d| {
            d.features
                .get(name)?
                .get("rules")?
                .as_array()?
                .get(i)?
                .get("when")
        });
        Place { ptr, value, doc }
    }

    /// The `when` of the activation a trail from here ends in (its
    /// innermost step an [`Step::Activation`]).
    pub(super) fn activation(&self, trail: &[Step]) -> Option<Place<'d>> {
        let followed = self.follow(trail);
        (!followed.through.is_empty()).then_some(followed.end)
    }

    /// Follows `trail` (innermost step first) from this place, into the
    /// activations it names.
    pub(super) fn follow(&self, trail: &[Step]) -> Followed<'d> {
        let mut ptr = self.ptr.clone();
        let mut value = self.value;
        let mut own = None;
        let mut through = Vec::new();
        for step in trail.iter().rev() {
            match *step {
                Step::Key(k) => json::pointer_push(&mut ptr, k),
                Step::Index(i) => ptr.push_str(&format!("/{i}")),
                Step::Activation => {
                    let name = value
                        .and_then(|v| v.get("activation")?.as_str())
                        .unwrap_or("?")
                        .to_owned();
                    let mut at = String::from("/activations");
                    json::pointer_push(&mut at, &name);
                    at.push_str("/when");
                    own.get_or_insert(core::mem::replace(&mut ptr, at));
                    value = self
                        .doc
                        .and_then(|d| d.activations.get(name.as_str())?.get("when"));
                    through.push(name);
                    continue;
                }
            }
            value = value.and_then(|v| descend(v, *step));
        }
        Followed {
            own: own.unwrap_or_else(|| ptr.clone()),
            through,
            end: Place {
                ptr,
                value,
                doc: self.doc,
            },
        }
    }
}

/// `'a' → 'b'`: the activations a finding passes through.
pub(super) fn chain(names: &[String]) -> String {
    let each: Vec<String> = names.iter().map(|n| quoted(n)).collect();
    crate::text::join(&each, " → ")
}

/// The value one step inside `value`.
fn descend<'d>(value: &'d Value<'d>, step: Step) -> Option<&'d Value<'d>> {
    match step {
        Step::Key(k) => value.get(k),
        Step::Index(i) => value.as_array()?.get(i),
        Step::Activation => None,
    }
}
