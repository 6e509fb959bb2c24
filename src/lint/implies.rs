//! Whether one condition implies another: every context (at every instant)
//! for which the first holds, the second holds too. Used to find a rule
//! that an earlier `serve` rule always answers first.
//!
//! The answer is sound and incomplete: `true` is a proof, `false` only
//! means none was found. Lists are taken apart (`all`, `any`, activations),
//! and leaves compared where their meaning makes it plain: an `in` list
//! within another, a later `after`, a longer prefix, the same block. The
//! work is bounded by a budget of steps, after which nothing more is
//! proved (a feature of thousands of rules is not analysed in full).

use super::Activations;
use crate::model::{Cond, StrSet, TextOp};

/// Steps allowed for one feature's analysis.
const BUDGET: u32 = 200_000;

/// Deeper than this, nothing is proved (activations nest only so deep, but
/// the analysis must not trust that).
const MAX_DEPTH: u32 = 512;

/// Proves implications between the conditions of one feature.
pub(super) struct Implies<'b> {
    /// The conditions of [`Body::activations`], numbered the feature's way.
    activations: &'b Activations<'b>,
    steps: u32,
}

impl<'b> Implies<'b> {
    /// An analysis of a feature's conditions (`activations`: the
    /// conditions of its activations, numbered its way), with a fresh budget.
    pub(super) fn new(activations: &'b Activations<'b>) -> Self {
        Implies {
            activations,
            steps: 0,
        }
    }

    /// Whether the budget is spent (nothing more will be proved).
    pub(super) fn spent(&self) -> bool {
        self.steps >= BUDGET
    }

    /// Whether `a` holding proves that `b` holds.
    pub(super) fn holds(&mut self, a: &Cond, b: &Cond) -> bool {
        self.implies(a, b, 0)
    }

    fn implies(&mut self, a: &Cond, b: &Cond, depth: u32) -> bool {
        self.steps = self.steps.saturating_add(1);
        if self.steps > BUDGET || depth > MAX_DEPTH {
            return false;
        }
        let activation = |i: &u16| self.activations.get(usize::from(*i));
        match (a, b) {
            (_, Cond::True) => true,
            (Cond::Activation(i), Cond::Activation(j)) if i == j => true,
            (_, Cond::All(bs)) => bs.iter().all(|b| self.implies(a, b, depth + 1)),
            // `any` of nothing never holds, so it proves anything.
            (Cond::Any(cases), _) => cases.iter().all(|a| self.implies(a, b, depth + 1)),
            (Cond::Activation(i), _) => {
                activation(i).is_some_and(|a| self.implies(a, b, depth + 1))
            }
            _ if self.parts(a, b, depth) => true,
            (_, Cond::Activation(j)) => {
                activation(j).is_some_and(|b| self.implies(a, b, depth + 1))
            }
            (Cond::Not(a), Cond::Not(b)) => self.implies(b, a, depth + 1),
            _ => self.leaf(a, b),
        }
    }

    /// Whether every member of `set` passes `f`, each member a step of
    /// the budget (a list may have 10 000).
    fn members(&mut self, set: &StrSet, mut f: impl FnMut(&str) -> bool) -> bool {
        set.all(|m| {
            self.steps = self.steps.saturating_add(1);
            self.steps <= BUDGET && f(m)
        })
    }

    /// Takes `n` steps from the budget; whether it had them.
    fn charge(&mut self, n: usize) -> bool {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.steps = self.steps.saturating_add(n);
        self.steps <= BUDGET
    }

    /// One part of `a` proves `b`, or `b` is an `any` and `a` proves one
    /// of its cases.
    fn parts(&mut self, a: &Cond, b: &Cond, depth: u32) -> bool {
        (matches!(a, Cond::All(_)) || matches!(b, Cond::Any(_)))
            && match (a, b) {
                (Cond::All(parts), _) if parts.iter().any(|a| self.implies(a, b, depth + 1)) => {
                    true
                }
                (_, Cond::Any(cases)) => cases.iter().any(|b| self.implies(a, b, depth + 1)),
                _ => false,
            }
    }

    /// Implications between conditions that are neither lists nor activations.
    fn leaf(&mut self, a: &Cond, b: &Cond) -> bool {
        match (a, b) {
            (Cond::In(s, small), Cond::In(t, large)) => {
                s == t && self.members(small, |m| large.contains(m))
            }
            (Cond::NotIn(s, large), Cond::NotIn(t, small)) => {
                s == t && self.members(small, |m| large.contains(m))
            }
            (Cond::In(s, some), Cond::NotIn(t, none)) => {
                s == t && self.members(some, |m| !none.contains(m))
            }
            // Both read a present value.
            (
                Cond::In(s, _)
                | Cond::NotIn(s, _)
                | Cond::Text(s, ..)
                | Cond::ContainsAny(s, _)
                | Cond::Number(s, ..)
                | Cond::Version(s, ..)
                | Cond::Cidr(s, _)
                | Cond::Exists(s, true),
                Cond::Exists(t, true),
            ) => s == t,
            (Cond::Exists(s, x), Cond::Exists(t, y)) => s == t && x == y,
            (Cond::After(t), Cond::After(u)) => t >= u,
            (Cond::Before(t), Cond::Before(u)) => t <= u,
            (Cond::Text(s, narrow), Cond::Text(t, wide)) if s == t && narrow.op() == wide.op() => {
                // Charged by the bytes each comparison may read, not one
                // step per pair: 440 patterns of 16 KB on each side took
                // 0.4 s per feature within the budget of pairs.
                let bytes = |list: &[alloc::string::String]| {
                    list.iter()
                        .map(alloc::string::String::len)
                        .fold(0usize, usize::saturating_add)
                };
                let cost = narrow
                    .len()
                    .saturating_mul(wide.len())
                    .saturating_add(wide.len().saturating_mul(bytes(narrow)))
                    .saturating_add(narrow.len().saturating_mul(bytes(wide)));
                self.charge(cost)
                    && narrow.iter().all(|p| {
                        wide.iter().any(|q| match narrow.op() {
                            TextOp::StartsWith => p.starts_with(q.as_str()),
                            TextOp::EndsWith => p.ends_with(q.as_str()),
                            TextOp::Contains => p.contains(q.as_str()),
                        })
                    })
            }
            (Cond::Number(s, op, x), Cond::Number(t, op2, y)) => s == t && op == op2 && x == y,
            (Cond::Version(s, op, x), Cond::Version(t, op2, y)) => s == t && op == op2 && x == y,
            (Cond::Cidr(s, narrow), Cond::Cidr(t, wide)) => {
                s == t
                    && self.charge(narrow.len().saturating_mul(wide.len()))
                    && narrow.iter().all(|block| wide.contains(block))
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    #[test]
    fn nothing_is_proved_past_the_budget() {
        let text = r#"{"schema": 1, "segments": {"C": {"from": {"user": "{c}"}}},
            "features": {"F": {"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [
              {"when": {"segment": "C", "in": ["x", "y"]}, "serve": "a"},
              {"when": {"segment": "C", "in": ["x"]}, "serve": "a"}]}}}"#;
        let engine = Engine::load(text).unwrap();
        let feature = engine.features().next().unwrap();
        let body = feature.body.as_ref().unwrap();
        let (wide, narrow) = (&body.rules[0].when, &body.rules[1].when);
        let none = Activations::new(&[]);
        let mut implies = Implies::new(&none);
        assert!(implies.holds(narrow, wide));
        assert!(!implies.holds(wide, narrow));
        // A proof of `in ["x"]` within `in ["x", "y"]` takes two steps
        // (the condition, its one member): with two left, it is found; then
        // none are left.
        implies.steps = BUDGET - 2;
        assert!(!implies.spent());
        assert!(implies.holds(narrow, wide));
        assert!(implies.spent());
        assert!(!implies.holds(narrow, wide));
    }

    /// Text patterns are charged by the bytes their comparisons read: a
    /// few long ones spend the budget that many short ones do.
    #[test]
    fn long_text_patterns_are_charged_by_their_length() {
        use alloc::format;
        let text = |n: usize| {
            let long = "x".repeat(n);
            format!(
                r#"{{"schema": 1, "segments": {{"C": {{"from": {{"user": "{{c}}"}}}}}},
                "features": {{"F": {{"inputs": ["user"], "implementations": ["a"], "default": "a", "rules": [
                  {{"when": {{"segment": "C", "starts_with": ["{long}", "y"]}}, "serve": "a"}},
                  {{"when": {{"segment": "C", "starts_with": ["{long}z", "yy"]}}, "serve": "a"}}]}}}}}}"#
            )
        };
        for (n, proved) in [(1_000, true), (BUDGET as usize, false)] {
            let engine = Engine::load(&text(n)).unwrap();
            let feature = engine.features().next().unwrap();
            let body = feature.body.as_ref().unwrap();
            let (wide, narrow) = (&body.rules[0].when, &body.rules[1].when);
            assert_eq!(
                Implies::new(&Activations::new(&[])).holds(narrow, wide),
                proved,
                "{n}"
            );
        }
    }
}
