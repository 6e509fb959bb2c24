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
    pub parts: std::sync::Arc<[Part]>,
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
/// Small sets compare a packed form first (the first eight bytes and the
/// length, as integers), so matching a short value such as a country code
/// against a short list costs a few integer comparisons, not string compares.
#[derive(Clone, Debug, Default)]
pub struct StrSet {
    /// The strings, concatenated in declared order.
    text: String,
    /// Per string: its end in `text` and its packed first eight bytes.
    entries: Vec<(usize, u64)>,
    index: Option<crate::index::NameIndex>,
}

/// The first eight bytes of `s` as a little-endian integer.
#[inline]
fn pack(s: &str) -> u64 {
    s.bytes()
        .take(8)
        .enumerate()
        .fold(0, |acc, (i, b)| acc | (u64::from(b) << (8 * i)))
}

impl StrSet {
    /// How many items a set holds before it is hashed.
    const LINEAR: usize = 8;

    /// Builds a set from any strings.
    #[must_use]
    pub fn new(items: &[&str]) -> Self {
        let index = (items.len() > Self::LINEAR).then(|| {
            let mut ix = crate::index::NameIndex::new();
            for item in items {
                ix.insert(item, 0);
            }
            ix
        });
        let mut text = String::with_capacity(items.iter().map(|s| s.len()).sum());
        let mut entries = Vec::with_capacity(if index.is_some() { 0 } else { items.len() });
        for item in items {
            text.push_str(item);
            if index.is_none() {
                entries.push((text.len(), pack(item)));
            }
        }
        StrSet {
            text,
            entries,
            index,
        }
    }

    /// Whether `value` is in the set.
    #[must_use]
    #[inline]
    pub fn contains(&self, value: &str) -> bool {
        if let Some(ix) = &self.index {
            return ix.contains(value);
        }
        let key = pack(value);
        let mut start = 0;
        for &(end, packed) in &self.entries {
            if packed == key
                && end - start == value.len()
                && (value.len() <= 8 || self.text.get(start..end) == Some(value))
            {
                return true;
            }
            start = end;
        }
        false
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

/// A compiled condition.
#[derive(Clone, Debug)]
pub enum Cond {
    /// Always true (a rule without `when`).
    True,
    /// `in`: the value is one of these.
    In(LocalSegment, StrSet),
    /// `not_in`: the value is present and none of these.
    NotIn(LocalSegment, StrSet),
    /// `starts_with`, `ends_with`, `contains`.
    Text(LocalSegment, TextOp, Vec<String>),
    /// `gt`, `gte`, `lt`, `lte`: the value read as a decimal number.
    Number(LocalSegment, Cmp, Decimal),
    /// `version_*`: the value read as a SemVer version.
    Version(LocalSegment, Cmp, Version),
    /// `cidr`: the value read as an IP address, inside one of the blocks.
    Cidr(LocalSegment, Vec<Cidr>),
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
    /// An activation, as an index into the feature's [`Body::activations`].
    Activation(u16),
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
        self.ranges
            .iter()
            .find(|(end, _)| bucket < u32::from(*end))
            .map(|&(_, implementation)| implementation)
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
    /// The activations this feature uses, compiled for its inputs.
    pub activations: Vec<Cond>,
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
    /// The names of the inputs it is evaluated for.
    pub inputs: Vec<InputId>,
    /// The rules and what they need, or `None` when the feature has problems.
    pub body: Option<Body>,
    /// Every slot the feature's segments read, so a caller can
    /// prepare just those.
    pub slots: Vec<SlotId>,
}
