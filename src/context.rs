//! Contexts built from JSON on the native side: each slot read once, with
//! JavaScript's rendering of numbers, so results match the browser's.

use crate::prelude::*;
use alloc::collections::BTreeMap;

use crate::eval::{Assignment, Context, Env, PASSED};
use crate::json::Value;
use crate::model::{ImplId, InputId, SlotId};
use crate::Engine;

/// A context prepared for one engine: the slot values read out of a JSON object.
#[derive(Clone, Debug, Default)]
pub struct JsonContext {
    object: bool,
    inputs: Vec<bool>,
    slots: Vec<Option<String>>,
}

impl JsonContext {
    /// Reads every slot of `engine` out of `context`.
    #[must_use]
    pub fn new(engine: &Engine, context: &Value) -> JsonContext {
        let Some(_) = context.as_object() else {
            return JsonContext {
                object: false,
                inputs: Vec::new(),
                slots: Vec::new(),
            };
        };
        let inputs: Vec<Option<&Value>> = engine
            .inputs()
            .iter()
            .map(|name| context.get(name).filter(|v| v.as_object().is_some()))
            .collect();
        let slots = engine
            .slots()
            .iter()
            .map(|slot| {
                let mut v = inputs.get(usize::from(slot.input)).copied().flatten()?;
                for key in &slot.path {
                    v = v.as_object().and(v.get(key))?;
                }
                render(v)
            })
            .collect();
        JsonContext {
            object: true,
            inputs: inputs.iter().map(Option::is_some).collect(),
            slots,
        }
    }

    /// Overrides one slot (and marks its input present): to vary one value,
    /// the unit say, while keeping the rest of a context.
    pub fn set(&mut self, engine: &Engine, slot: SlotId, value: String) {
        if let Some(input) = engine.slot_input(slot) {
            if let Some(flag) = self.inputs.get_mut(usize::from(input)) {
                *flag = true;
            }
        }
        if let Some(s) = self.slots.get_mut(slot as usize) {
            *s = Some(value);
        }
    }
}

/// A placeholder's value: a string as is, a number as JavaScript's `String(n)`
/// writes it, a boolean as `true`/`false`; anything else is absent.
#[must_use]
pub fn render(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => {
            let mut out = String::new();
            crate::ops::jsnum::push_js_number(&mut out, n.as_str());
            Some(out)
        }
        Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_owned()),
        _ => None,
    }
}

impl Context for JsonContext {
    fn is_object(&self) -> bool {
        self.object
    }
    fn has_input(&self, input: InputId) -> bool {
        self.inputs
            .get(usize::from(input))
            .copied()
            .unwrap_or(false)
    }
    fn slot(&self, slot: SlotId) -> Option<&str> {
        self.slots.get(slot as usize)?.as_deref()
    }
}

/// A host environment with a fixed time, a sticky map and a random source.
pub struct FixedEnv<R: FnMut() -> u32> {
    /// Milliseconds since the epoch.
    pub now: i64,
    /// `stickyKey → implementation` (`"<experiment>/<unit>" → name`).
    pub sticky: BTreeMap<String, String>,
    /// Randomness for `random` experiments.
    pub random: R,
}

/// The time and the sticky map (the random source is a closure).
impl<R: FnMut() -> u32> core::fmt::Debug for FixedEnv<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FixedEnv")
            .field("now", &self.now)
            .field("sticky", &self.sticky)
            .finish_non_exhaustive()
    }
}

impl<R: FnMut() -> u32> Env for FixedEnv<R> {
    fn now(&mut self) -> i64 {
        self.now
    }
    fn sticky(
        &mut self,
        experiment: &str,
        unit: &str,
        implementations: &[String],
    ) -> Option<Assignment> {
        let chosen = self
            .sticky
            .get(&crate::engine::sticky_key(experiment, unit))?;
        if chosen == PASSED {
            return Some(Assignment::Passed);
        }
        implementations
            .iter()
            .position(|i| i == chosen)
            .and_then(|i| ImplId::try_from(i).ok())
            .map(Assignment::Implementation)
    }
    fn random(&mut self) -> u32 {
        (self.random)()
    }
}
