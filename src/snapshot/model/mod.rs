//! The compiled form of a snapshot: what evaluation runs on.
//!
//! Everything here is prepared once, at load: names are indices, lists are
//! hashed for lookup, templates are split into literal and slot parts,
//! salts are seeds, weights are integer bucket ranges, versions, CIDR blocks
//! and instants are parsed. The JSON document itself (the wire form) is read
//! by [`crate::compile`] and never consulted again.

use crate::ops::decimal::Decimal;
use crate::ops::ip::Cidr;
use crate::ops::semver::Version;
use crate::prelude::*;
use alloc::sync::Arc;

/// Index of an input (`user`, `request`) in [`Lazy::inputs`](crate::compile::Lazy::inputs).
pub type InputId = u16;
/// Index of a slot: one (input, path) pair that some segment reads.
pub type SlotId = u32;
/// Index of an implementation within its feature.
pub type ImplId = u16;

/// One value a segment template reads from a context: an input and a key path into it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    /// The input the path starts from.
    pub input: InputId,
    /// The keys, outermost first: `{address.country_code}` is `["address", "country_code"]`.
    pub path: Vec<String>,
}

/// A segment template, split at load into literal text and slots.
#[derive(Clone, Debug, Default)]
pub struct Template {
    /// The parts, in order; shared by every feature that reads the segment.
    pub parts: alloc::sync::Arc<[Part]>,
}

/// One part of a [`Template`].
#[derive(Clone, Debug)]
pub enum Part {
    /// Literal text (with `{{`/`}}` already unescaped).
    Text(String),
    /// The value of a slot.
    Slot(SlotId),
}

/// How one feature reads one segment: the candidate inputs in the feature's order.
#[derive(Clone, Debug)]
pub struct SegmentSource {
    /// Index of the segment in the snapshot's segment list (for its name).
    pub segment: u32,
    /// `(input, template)` pairs, in the order of the feature's inputs. The
    /// first whose input the context holds as an object gives the value.
    pub candidates: Vec<(InputId, Template)>,
    /// Set when the value is the same for every feature: the segment
    /// converts one input, with a one-placeholder template; the value is
    /// then that slot's when the context holds that input. Evaluation reads
    /// it directly, and evaluate-all once per context (see `eval::Memo` in `feats-edge`).
    pub shared: Option<(InputId, SlotId)>,
}

/// Index into a feature's [`Body::segments`].
pub type LocalSegment = u16;

/// A set of strings: a list for a few, hashed when larger.
///
/// In a small set, each member of up to seven bytes (country codes, plan
/// names, most ids of a few characters) is one integer holding its bytes
/// and its length, so matching a short value is one integer scan with no
/// string compare. Longer members are compared as strings.
#[derive(Clone, Debug)]
pub struct StrSet {
    /// The short members, each packed by [`short_key`], then [`NO_KEY`]:
    /// a fixed row, compared whole without a branch per member.
    keys: [u64; StrSet::LINEAR],
    /// The longer members, concatenated in declared order.
    long: Box<str>,
    /// The end of each longer member in `long`.
    ends: Box<[u32]>,
    /// Past [`StrSet::LINEAR`] members, all of them, hashed (behind a
    /// pointer: a condition's size is its largest kind's, and most sets are
    /// small; shared, so that the set of an activation that many features
    /// use is built once, see `compile::SetCache`).
    index: Option<alloc::sync::Arc<crate::index::NameIndex>>,
}

/// A key no string has (lengths stop at 7): the filler of a set's unused keys.
const NO_KEY: u64 = u64::MAX;

impl Default for StrSet {
    fn default() -> Self {
        StrSet {
            keys: [NO_KEY; StrSet::LINEAR],
            long: Box::default(),
            ends: Box::default(),
            index: None,
        }
    }
}

/// The bytes of a string of at most seven bytes and its length, as one
/// integer (the length in the top byte, so `"a"` and `"a\0"` differ);
/// `None` for longer strings. Reads whole words, without a byte loop.
#[inline]
#[must_use]
pub fn short_key(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let n = b.len();
    let bytes = match n {
        0 => 0,
        1..=3 => {
            // The first, middle and last bytes cover every position.
            let at = |i: usize| u64::from(b.get(i).copied().unwrap_or(0)) << (8 * i);
            at(0) | at(n / 2) | at(n - 1)
        }
        4..=7 => {
            // Two overlapping words; where they overlap, the bytes agree.
            let lo = b.first_chunk::<4>().map_or(0, |w| u32::from_le_bytes(*w));
            let hi = b.last_chunk::<4>().map_or(0, |w| u32::from_le_bytes(*w));
            u64::from(lo) | (u64::from(hi) << (8 * (n - 4)))
        }
        _ => return None,
    };
    Some(bytes | ((n as u64) << 56))
}

impl StrSet {
    /// How many items a set holds before it is hashed.
    const LINEAR: usize = 8;

    /// Builds a set from any strings.
    #[must_use]
    pub fn new(items: &[&str]) -> Self {
        let mut set = StrSet::default();
        if items.len() > Self::LINEAR {
            let bytes = items.iter().fold(0usize, |n, s| n.saturating_add(s.len()));
            let mut ix = crate::index::NameIndex::with_capacity(items.len(), bytes);
            for item in items {
                ix.insert(item, 0);
            }
            set.index = Some(alloc::sync::Arc::new(ix));
            return set;
        }
        let short = items.iter().filter(|s| s.len() <= 7).count();
        let mut long = String::new();
        let mut ends = Vec::with_capacity(items.len() - short);
        // At most LINEAR items: every short one finds a free key.
        let mut free = set.keys.iter_mut();
        for item in items {
            match short_key(item) {
                Some(key) => {
                    if let Some(slot) = free.next() {
                        *slot = key;
                    }
                }
                None => {
                    long.push_str(item);
                    ends.push(u32::try_from(long.len()).unwrap_or(u32::MAX));
                }
            }
        }
        set.long = long.into_boxed_str();
        set.ends = ends.into_boxed_slice();
        set
    }

    /// Whether the set has no members.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.index.is_none() && self.keys.first() == Some(&NO_KEY) && self.ends.is_empty()
    }

    /// Whether `value` is in the set.
    #[must_use]
    #[inline]
    pub fn contains(&self, value: &str) -> bool {
        match short_key(value) {
            Some(key) if self.index.is_none() => {
                self.keys.iter().fold(false, |hit, &k| hit | (k == key))
            }
            _ => self.contains_slow(value),
        }
    }

    /// Whether `f` holds for every member (for analyses of a snapshot, not
    /// for evaluation).
    pub fn all(&self, mut f: impl FnMut(&str) -> bool) -> bool {
        if let Some(ix) = &self.index {
            return (0..).map_while(|n| ix.key(n)).all(f);
        }
        // A short key holds the string's bytes in order, lowest first, and
        // its length in the top byte.
        let short = self.keys.iter().take_while(|&&k| k != NO_KEY).all(|&k| {
            let bytes = k.to_le_bytes();
            let n = usize::from(bytes[7]).min(7);
            bytes
                .get(..n)
                .and_then(|b| core::str::from_utf8(b).ok())
                .is_some_and(&mut f)
        });
        let mut start = 0;
        short
            && self.ends.iter().all(|&end| {
                let end = end as usize;
                let member = self.long.get(start..end).unwrap_or_default();
                start = end;
                f(member)
            })
    }

    /// Hashed sets and long values.
    #[cold]
    #[inline(never)]
    fn contains_slow(&self, value: &str) -> bool {
        if let Some(ix) = &self.index {
            return ix.contains(value);
        }
        let mut start = 0;
        self.ends.iter().any(|&end| {
            let end = end as usize;
            let hit = self.long.get(start..end) == Some(value);
            start = end;
            hit
        })
    }
}

/// A numeric comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `==` (versions only)
    Eq,
}

/// A string-matching operator over a list of patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextOp {
    /// The value starts with one of the patterns.
    StartsWith,
    /// The value ends with one of the patterns.
    EndsWith,
    /// The value contains one of the patterns.
    Contains,
}

/// A `contains` of more patterns than this is compiled to
/// [`Cond::ContainsAny`]: one pass over the value instead of one per
/// pattern; a `starts_with` or `ends_with` of more to a walk down a trie of
/// them ([`Patterns`]).
pub const MANY: usize = 4;

/// The patterns of a `starts_with`, `ends_with` or `contains` as written
/// (what `validate` compares), and, for a `starts_with` or `ends_with` of
/// more than [`MANY`], the trie that matches them all at once.
#[derive(Clone, Debug)]
pub struct Patterns {
    op: TextOp,
    list: Vec<String>,
    affixes: Option<Box<crate::ops::patterns::Affixes>>,
}

impl Patterns {
    /// The patterns of `op`, with a trie where there are many.
    #[must_use]
    pub fn new(op: TextOp, list: Vec<String>) -> Patterns {
        let affixes = (op != TextOp::Contains && list.len() > MANY).then(|| {
            let refs: Vec<&str> = list.iter().map(String::as_str).collect();
            Box::new(crate::ops::patterns::Affixes::new(
                &refs,
                op == TextOp::EndsWith,
            ))
        });
        Patterns { op, list, affixes }
    }

    /// The operator the patterns were made for.
    #[must_use]
    pub fn op(&self) -> TextOp {
        self.op
    }

    /// Whether `value` matches one of the patterns (by the operator they
    /// were made for).
    #[inline]
    #[must_use]
    pub fn match_any(&self, value: &str) -> bool {
        if let Some(affixes) = &self.affixes {
            return affixes.any_of(value.as_bytes());
        }
        self.list.iter().any(|p| match self.op {
            TextOp::StartsWith => value.starts_with(p.as_str()),
            TextOp::EndsWith => value.ends_with(p.as_str()),
            TextOp::Contains => crate::ops::search::contains(value.as_bytes(), p.as_bytes()),
        })
    }
}

impl core::ops::Deref for Patterns {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.list
    }
}

/// A compiled condition.
#[derive(Clone, Debug)]
pub enum Cond {
    /// Always true (a rule without `when`).
    True,
    /// `in`: the value is one of these.
    In(LocalSegment, StrSet),
    /// `not_in`: the value is present and none of these.
    NotIn(LocalSegment, StrSet),
    /// `starts_with`, `ends_with`, `contains`, as [`Patterns::op`] says
    /// (shared by the features that use one activation).
    Text(LocalSegment, Arc<Patterns>),
    /// `contains` of more than [`MANY`] patterns, searched together.
    ContainsAny(LocalSegment, Arc<crate::ops::patterns::Many>),
    /// `gt`, `gte`, `lt`, `lte`: the value read as a decimal number.
    Number(LocalSegment, Cmp, Decimal),
    /// `version_*`: the value read as a SemVer version.
    Version(LocalSegment, Cmp, Version),
    /// `cidr`: the value read as an IP address, inside one of the blocks.
    Cidr(LocalSegment, Arc<[Cidr]>),
    /// `exists`: whether the value is present.
    Exists(LocalSegment, bool),
    /// `after`: now ≥ this instant (ms since the epoch).
    After(i64),
    /// `before`: now < this instant (ms since the epoch).
    Before(i64),
    /// All hold (true when empty).
    All(Vec<Cond>),
    /// One holds (false when empty).
    Any(Vec<Cond>),
    /// The condition does not hold.
    Not(Box<Cond>),
    /// An activation, as an index into the feature's [`Body::activations`]
    /// (in an activation's own condition, into its
    /// [`UsedActivation::activations`]).
    Activation(u16),
}

/// An activation as one feature uses it: its condition, compiled once and
/// shared by every feature that uses it, and where the segments it reads
/// and the activations it refers to are in this feature.
#[derive(Clone, Debug)]
pub struct UsedActivation {
    /// The condition. Its segments are indices into `segments`, its
    /// activations indices into `activations`: the activation's own
    /// numbering, the same in every feature.
    pub when: Arc<Cond>,
    /// For each of the activation's segments, the feature's.
    pub segments: Box<[LocalSegment]>,
    /// For each activation it refers to, the feature's (an index into
    /// [`Body::activations`]).
    pub activations: Box<[u16]>,
}

impl UsedActivation {
    /// The condition with the feature's numbering (a copy): what the
    /// feature's own analysis reads.
    #[must_use]
    pub fn materialize(&self) -> Cond {
        let mut cond = Cond::clone(&self.when);
        cond.renumber(
            &|s| {
                self.segments
                    .get(usize::from(s))
                    .copied()
                    .unwrap_or(LocalSegment::MAX)
            },
            &|a| {
                self.activations
                    .get(usize::from(a))
                    .copied()
                    .unwrap_or(u16::MAX)
            },
        );
        cond
    }
}

impl Cond {
    /// Replaces, in place, each segment `s` with `segment(s)` and each
    /// activation `a` with `activation(a)`.
    pub fn renumber(
        &mut self,
        segment: &dyn Fn(LocalSegment) -> LocalSegment,
        activation: &dyn Fn(u16) -> u16,
    ) {
        match self {
            Cond::True | Cond::After(_) | Cond::Before(_) => {}
            Cond::In(s, _)
            | Cond::NotIn(s, _)
            | Cond::Text(s, _)
            | Cond::ContainsAny(s, _)
            | Cond::Number(s, _, _)
            | Cond::Version(s, _, _)
            | Cond::Cidr(s, _)
            | Cond::Exists(s, _) => *s = segment(*s),
            Cond::All(cs) | Cond::Any(cs) => {
                for c in cs {
                    c.renumber(segment, activation);
                }
            }
            Cond::Not(c) => c.renumber(segment, activation),
            Cond::Activation(a) => *a = activation(*a),
        }
    }
}

/// A split of units into implementations by bucket.
#[derive(Clone, Debug)]
pub struct Split {
    /// The segment whose value is the unit.
    pub by: LocalSegment,
    /// The seed of the salt.
    pub seed: u64,
    /// `(end, implementation)`: buckets below `end` and at or above the
    /// previous end go to that implementation. Ends are increasing.
    pub ranges: Vec<(u16, ImplId)>,
}

impl Split {
    /// The implementation a bucket falls in, `None` when it falls through.
    #[must_use]
    #[inline]
    pub fn pick(&self, bucket: u32) -> Option<ImplId> {
        // The ranges the bucket is past, counted without a branch per range
        // (a 50/50 split would mispredict half the time).
        let past = self
            .ranges
            .iter()
            .map(|&(end, _)| usize::from(bucket >= u32::from(end)))
            .sum::<usize>();
        self.ranges
            .get(past)
            .map(|&(_, implementation)| implementation)
    }

    /// How many buckets go to `implementation` (its weight in basis points).
    #[must_use]
    pub fn weight(&self, implementation: ImplId) -> u32 {
        let mut start = 0;
        self.ranges
            .iter()
            .map(|&(end, i)| {
                let width = u32::from(end.saturating_sub(start));
                start = end;
                if i == implementation {
                    width
                } else {
                    0
                }
            })
            .sum()
    }

    /// How many buckets go to some implementation; the rest fall through.
    #[must_use]
    pub fn total(&self) -> u32 {
        self.ranges.last().map_or(0, |&(end, _)| u32::from(end))
    }
}

/// What a rule serves when its condition holds.
#[derive(Clone, Debug)]
pub enum Action {
    /// One implementation.
    Serve(ImplId),
    /// A split: units outside the allocated ranges fall through.
    Split(Split),
    /// An experiment: a split with a name, sticky assignments and optional randomness.
    Experiment {
        /// The experiment's name, reported in exposures and sticky keys.
        name: String,
        /// How units are assigned.
        split: Split,
        /// Draw the bucket at random until the unit has used an implementation.
        random: bool,
    },
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// When the rule applies.
    pub when: Cond,
    /// What it serves.
    pub action: Action,
}

/// The evaluable part of a feature that compiled without problems.
#[derive(Clone, Debug, Default)]
pub struct Body {
    /// `false` is the kill switch.
    pub enabled: bool,
    /// The rules, in order.
    pub rules: Vec<Rule>,
    /// The segments this feature reads, with their sources resolved for its inputs.
    pub segments: Vec<SegmentSource>,
    /// The activations this feature uses.
    pub activations: Vec<UsedActivation>,
    /// For each of [`Body::activations`], the snapshot's id of the
    /// activation when it holds or not alike in every feature (it reads only
    /// segments that convert one input, and activations that hold alike),
    /// so that an evaluation of many features for one context judges it
    /// once; [`Body::OWN`] otherwise.
    pub activation_ids: Box<[u32]>,
}

impl Body {
    /// In [`Body::activation_ids`]: an activation judged per feature.
    pub const OWN: u32 = u32::MAX;
}

/// A feature's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A choice between named implementations.
    Multi,
    /// The implementations `true` and `false`.
    Boolean,
}

impl Kind {
    /// The SPEC's name for it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Multi => "multi",
            Kind::Boolean => "boolean",
        }
    }
}

/// A compiled feature. A feature with problems has no body and serves its
/// default with reason `ERROR` and errorCode `PARSE_ERROR`.
#[derive(Clone, Debug)]
pub struct Feature {
    /// The feature's name.
    pub name: String,
    /// Multi or boolean.
    pub kind: Kind,
    /// The implementations, in declared order.
    pub implementations: Vec<String>,
    /// The default, if readable.
    pub default: Option<ImplId>,
    /// The names of the inputs it is evaluated for, as declared (also
    /// those no segment converts).
    pub inputs: Vec<String>,
    /// The rules and what they need, or `None` when the feature has problems.
    pub body: Option<Body>,
    /// Every slot the feature's segments read, so a caller can
    /// prepare just those.
    pub slots: Vec<SlotId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Every string of up to four characters over an alphabet with one-,
    /// two- and four-byte characters and a NUL: lengths 0 to 16 bytes.
    fn strings() -> Vec<String> {
        let alphabet = ["a", "b", "\0", "é", "😀"];
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn short_keys_are_one_to_one() {
        let mut seen: HashMap<u64, String> = HashMap::new();
        let mut short = 0;
        for s in strings() {
            match short_key(&s) {
                Some(key) => {
                    short += 1;
                    assert!(s.len() <= 7, "{s:?}");
                    if let Some(other) = seen.insert(key, s.clone()) {
                        panic!("{s:?} and {other:?} share a key");
                    }
                }
                None => assert!(s.len() > 7, "{s:?}"),
            }
        }
        assert!(short > 300, "{short}");
    }

    #[test]
    fn a_split_picks_the_first_range_that_ends_past_the_bucket() {
        let splits = [
            vec![(5000, 0), (10000, 1)],
            vec![(3000, 2)],
            vec![(1, 0), (2, 1), (9999, 2), (10000, 3)],
            vec![],
        ];
        for ranges in splits {
            let split = Split {
                by: 0,
                seed: 0,
                ranges: ranges.clone(),
            };
            for bucket in 0..10_001u32 {
                let want = ranges
                    .iter()
                    .find(|(end, _)| bucket < u32::from(*end))
                    .map(|&(_, i)| i);
                assert_eq!(split.pick(bucket), want, "{bucket} in {ranges:?}");
            }
        }
    }

    #[test]
    fn sets_agree_with_a_list() {
        let all = strings();
        // Sets of 1 to 12 members (hashed past 8), short and long mixed.
        for size in 1..=12 {
            for offset in [0, 7, 101, 333, 600] {
                let members: Vec<&str> = all
                    .iter()
                    .skip(offset)
                    .step_by(37)
                    .take(size)
                    .map(String::as_str)
                    .collect();
                let set = StrSet::new(&members);
                let mut listed = Vec::new();
                assert!(set.all(|m| {
                    listed.push(m.to_owned());
                    true
                }));
                listed.sort();
                let mut want: Vec<String> = members.iter().map(|&m| m.to_owned()).collect();
                want.sort();
                assert_eq!(listed, want, "the members of {members:?}");
                let last = members.last().copied().unwrap_or_default();
                assert!(!set.all(|m| m != last));
                for s in &all {
                    assert_eq!(
                        set.contains(s),
                        members.contains(&s.as_str()),
                        "{s:?} in {members:?}"
                    );
                }
            }
        }
    }
}
