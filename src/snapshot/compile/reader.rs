//! Reading the JSON document with pointers: field sets, names, strings, lists.
//!
//! Each helper records what is wrong as a [`Problem`](crate::Problem) with
//! the place as a JSON Pointer and returns `None`, so callers can go on and
//! report every problem, not just the first.

use crate::json::{self, Value};
use crate::names;
use crate::prelude::*;
use crate::text::{concat, push_code_point, push_quoted};

/// A JSON Pointer under construction. Loading passes one down to every
/// reader; it is rendered to text only when a problem is reported, so a
/// clean snapshot allocates no pointers at all.
#[derive(Clone, Copy)]
pub struct Ptr<'a> {
    parent: Option<&'a Ptr<'a>>,
    token: Token<'a>,
}

#[derive(Clone, Copy)]
enum Token<'a> {
    /// An already rendered pointer prefix (`""`, `"/features"`).
    Text(&'a str),
    Key(&'a str),
    Index(usize),
}

impl<'a> Ptr<'a> {
    /// A pointer starting from rendered text.
    pub fn root(text: &'a str) -> Ptr<'a> {
        Ptr {
            parent: None,
            token: Token::Text(text),
        }
    }

    /// This pointer extended by an object key.
    pub fn key(&'a self, key: &'a str) -> Ptr<'a> {
        Ptr {
            parent: Some(self),
            token: Token::Key(key),
        }
    }

    /// This pointer extended by an array index.
    pub fn at(&'a self, i: usize) -> Ptr<'a> {
        Ptr {
            parent: Some(self),
            token: Token::Index(i),
        }
    }

    /// The pointer as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.write(out);
        }
        match self.token {
            Token::Text(t) => out.push_str(t),
            Token::Key(k) => json::pointer_push(out, k),
            Token::Index(i) => {
                out.push('/');
                crate::text::push_u64(out, i as u64);
            }
        }
    }
}

/// The problems found while compiling one unit (a feature, a segment, an
/// activation), listed up to a budget of bytes that grows with the unit's
/// own text ([`Errs::within`]); past it, problems are only counted, and
/// [`Errs::finish`] says how many at the unit's place.
///
/// Every pointer repeats the unit's name, so unbounded, a long name times
/// many bad rules would cost far more memory (and copying) than the text
/// that caused it.
pub struct Errs {
    /// `(pointer, message)` pairs in the order found.
    pub list: Vec<(String, String)>,
    /// Bytes the list may still grow by.
    left: usize,
    /// Problems found after the budget ran out.
    unlisted: usize,
}

/// Where an [`Errs`] stood (see [`Errs::mark`]).
#[derive(Clone, Copy)]
pub struct Mark {
    len: usize,
    left: usize,
    unlisted: usize,
}

/// The budget of a unit of no text.
const BASE_BUDGET: usize = 1024;
/// What each problem costs beyond its two strings: the pair, the
/// allocations, its entry in the load's list of problems.
const PER_PROBLEM: usize = 64;

impl Default for Errs {
    fn default() -> Self {
        Errs::within(0)
    }
}

impl Errs {
    /// Problems of a unit whose text is about `text_len` bytes long: they
    /// are listed up to 1 KiB plus eight times that.
    pub fn within(text_len: usize) -> Errs {
        Errs {
            list: Vec::new(),
            left: BASE_BUDGET.saturating_add(text_len.saturating_mul(8)),
            unlisted: 0,
        }
    }

    /// Records a problem: listed while within budget (the first always is),
    /// counted after.
    pub fn add(&mut self, ptr: &Ptr<'_>, message: String) {
        if self.unlisted > 0 {
            self.unlisted = self.unlisted.saturating_add(1);
            return;
        }
        let path = ptr.render();
        let cost = path.len() + message.len() + PER_PROBLEM;
        if cost > self.left && !self.list.is_empty() {
            self.unlisted = 1;
            return;
        }
        self.left = self.left.saturating_sub(cost);
        self.list.push((path, message));
    }

    /// Where the record stands, to [`Errs::rewind`] to.
    pub fn mark(&self) -> Mark {
        Mark {
            len: self.list.len(),
            left: self.left,
            unlisted: self.unlisted,
        }
    }

    /// Forgets what was recorded since `mark`, and gives back its budget.
    pub fn rewind(&mut self, mark: Mark) {
        self.list.truncate(mark.len);
        self.left = mark.left;
        self.unlisted = mark.unlisted;
    }

    /// How many problems were recorded since `mark`, listed or not.
    pub fn since(&self, mark: Mark) -> usize {
        self.count()
            .saturating_sub(mark.len.saturating_add(mark.unlisted))
    }

    /// How many problems were recorded, listed or not.
    pub fn count(&self) -> usize {
        self.list.len() + self.unlisted
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// The listed problems, followed, if some were not listed, by one at
    /// `unit` (the unit's own place) saying how many.
    pub fn finish(mut self, unit: &Ptr<'_>) -> Vec<(String, String)> {
        if self.unlisted > 0 {
            let mut message = String::new();
            crate::text::push_u64(&mut message, self.unlisted as u64);
            message.push_str(if self.unlisted == 1 {
                " more problem here is not listed"
            } else {
                " more problems here are not listed"
            });
            self.list.push((unit.render(), message));
        }
        self.list
    }
}

/// `ptr` extended by one reference token.
pub fn child(ptr: &str, token: &str) -> String {
    let mut out = String::with_capacity(ptr.len() + token.len() + 1);
    out.push_str(ptr);
    json::pointer_push(&mut out, token);
    out
}

/// `"expected X, found Y"`.
pub fn expected(what: &str, found: &Value) -> String {
    concat(&["expected ", what, ", found ", found.kind()])
}

/// Quotes a name or value for a message: `'name'` (see [`push_quoted`]).
pub fn quoted(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 2);
    push_quoted(&mut s, name);
    s
}

/// Reads an object whose fields are `keys` (plus `description` and `meta`,
/// which any object may carry). Unknown and repeated fields are problems;
/// the result holds each known field's value, in the order of `keys`.
///
/// A shell over [`fields_into`], which does the work: one copy of it serves
/// every `N`, so the code the WebAssembly engine compiles when the first
/// feature is used is smaller.
#[inline(always)]
pub fn fields<'v, const N: usize>(
    value: &'v Value<'v>,
    ptr: &Ptr<'_>,
    keys: [&str; N],
    errs: &mut Errs,
) -> Option<[Option<&'v Value<'v>>; N]> {
    read_fields(value, ptr, keys, true, errs)
}

/// [`fields`], for a caller that has said what the unknown fields are.
#[inline(always)]
pub fn known_fields<'v, const N: usize>(
    value: &'v Value<'v>,
    ptr: &Ptr<'_>,
    keys: [&str; N],
    errs: &mut Errs,
) -> Option<[Option<&'v Value<'v>>; N]> {
    read_fields(value, ptr, keys, false, errs)
}

#[inline(always)]
fn read_fields<'v, const N: usize>(
    value: &'v Value<'v>,
    ptr: &Ptr<'_>,
    keys: [&str; N],
    unknown: bool,
    errs: &mut Errs,
) -> Option<[Option<&'v Value<'v>>; N]> {
    let mut out: [Option<&'v Value<'v>>; N] = [None; N];
    fields_into(value, ptr, &keys, &mut out, unknown, errs).then_some(out)
}

/// [`fields`] into `out` (as long as `keys`), unknown fields reported when
/// `unknown`; false when `value` is not an object.
#[inline(never)]
fn fields_into<'v>(
    value: &'v Value<'v>,
    ptr: &Ptr<'_>,
    keys: &[&str],
    out: &mut [Option<&'v Value<'v>>],
    unknown: bool,
    errs: &mut Errs,
) -> bool {
    let Some(members) = value.as_object() else {
        errs.add(ptr, expected("an object", value));
        return false;
    };
    let mut seen_meta = [false; 2];
    for (key, v) in members {
        if let Some(i) = keys.iter().position(|k| k == key) {
            match out.get_mut(i) {
                Some(slot @ None) => *slot = Some(v),
                _ => errs.add(
                    &ptr.key(key),
                    concat(&["the field ", &quoted(key), " appears more than once"]),
                ),
            }
        } else if !annotation(key, v.kind(), false, &mut seen_meta, ptr, errs) && unknown {
            let mut message = concat(&["unknown field ", &quoted(key)]);
            if !did_you_mean(&mut message, &[keys, &["description", "meta"]], key) {
                fields_here(&mut message, keys);
            }
            errs.add(&ptr.key(key), message);
        }
    }
    true
}

/// Adds ` (the fields here are 'a', 'b' and 'c')` to the message of an
/// unknown field that is no typo of one (`rolout`, GrowthBook's `seed` or
/// `condition`): what this object takes, so that the author can find the
/// one meant without the SPEC at hand.
fn fields_here(message: &mut String, keys: &[&str]) {
    message.push_str(" (the fields here are ");
    for (i, k) in keys.iter().enumerate() {
        message.push_str(if i == 0 { "" } else { ", " });
        push_quoted(message, k);
    }
    message.push_str(", 'description' and 'meta')");
}

/// Whether `key`, a member of the object at `ptr` whose value is of kind
/// `found` ([`Value::kind`]), is one of the annotations every object of the
/// document may carry (SPEC §1): `description` (a string) and `meta` (any
/// JSON). In an object keyed by names, where the two are names too, they
/// annotate only when their value could not be an entry (`entry` false).
/// A description of another kind, and an annotation given twice, are
/// problems.
#[inline(never)]
pub fn annotation(
    key: &str,
    found: &str,
    entry: bool,
    seen: &mut [bool; 2],
    ptr: &Ptr<'_>,
    errs: &mut Errs,
) -> bool {
    let i = match key {
        "description" => 0,
        "meta" => 1,
        _ => return false,
    };
    if entry {
        return false;
    }
    if seen.get_mut(i).is_some_and(|s| core::mem::replace(s, true)) {
        errs.add(
            &ptr.key(key),
            concat(&["the field ", &quoted(key), " appears more than once"]),
        );
    }
    if i == 0 && found != "a string" {
        errs.add(&ptr.key(key), concat(&["expected a string, found ", found]));
    }
    true
}

/// The most names a "did you mean" looks through: past that (a snapshot
/// of thousands of segments, each misspelt reference compared with all of
/// them) the hint is left out, so that loading stays linear.
pub const HINTED: usize = 1000;

/// Adds ` (did you mean 'a'?)` to a message, naming every one of
/// `candidates` that `key` is a small typo of (`ge`: `'gt' or 'gte'`, so
/// that the hint does not pick the strict operator for the author);
/// whether it named any.
pub fn did_you_mean(message: &mut String, candidates: &[&[&str]], key: &str) -> bool {
    if candidates.iter().map(|c| c.len()).sum::<usize>() > HINTED {
        return false;
    }
    // Loops rather than an iterator chain: cold code, each chain its own
    // copies of the adapters in the WebAssembly module.
    let mut any = false;
    for list in candidates {
        for k in *list {
            if similar(k, key) || alike(k, key) {
                message.push_str(if any { " or " } else { " (did you mean " });
                push_quoted(message, k);
                any = true;
            }
        }
    }
    if any {
        message.push_str("?)");
    }
    any
}

/// Whether two names differ by a small typo: one character inserted,
/// removed or replaced, or two adjacent characters swapped (an optimal
/// string alignment distance of 1). Linear and allocation-free: after
/// their common prefix and suffix, what differs must be that small.
/// Characters, not bytes: a name typed with a lookalike (`Сountry`, a
/// Cyrillic `С` of two bytes) or with an invisible character (a zero-width
/// space, three bytes) is one character away, and where a suggestion is
/// most needed (the message quotes a name that looks right).
fn similar(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    // Whether byte `i` of `s` starts a character (or is its end).
    let starts = |s: &[u8], i: usize| s.get(i).is_none_or(|&c| c & 0xC0 != 0x80);
    let mut head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while !(starts(a, head) && starts(b, head)) {
        head -= 1;
    }
    let (a, b) = (
        a.get(head..).unwrap_or_default(),
        b.get(head..).unwrap_or_default(),
    );
    let mut tail = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    while !starts(a, a.len() - tail) {
        tail -= 1;
    }
    let a = a.get(..a.len() - tail).unwrap_or_default();
    let b = b.get(..b.len() - tail).unwrap_or_default();
    // What differs, split at its second character (empty: none).
    fn second(s: &[u8]) -> (&[u8], &[u8]) {
        let at = (1..s.len()).find(|&i| s.get(i).is_none_or(|&c| c & 0xC0 != 0x80));
        s.split_at_checked(at.unwrap_or(s.len()))
            .unwrap_or((s, &[]))
    }
    let ((p, q), (r, t)) = (second(a), second(b));
    match (second(q).1, second(t).1) {
        ([], []) if q.is_empty() && t.is_empty() => true,
        ([], []) => p == t && q == r,
        _ => false,
    }
}

/// Whether two names are the same but for case and the separators `_`,
/// `-` and space: the habits of other languages (`notIn`, `startsWith`,
/// `IN`, a segment `userid` for `UserId`), several bytes from the name
/// and so no typo for [`similar`]. Linear and allocation-free.
fn alike(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        let (x, y) = (letter(&mut a), letter(&mut b));
        if x != y {
            return false;
        }
        if x.is_none() {
            return true;
        }
    }
}

/// The next byte of a name in lower case, past `_`, `-` and space; `None`
/// at its end.
fn letter(s: &mut &[u8]) -> Option<u8> {
    while let [c, rest @ ..] = *s {
        *s = rest;
        if !matches!(c, b'_' | b'-' | b' ') {
            return Some(c.to_ascii_lowercase());
        }
    }
    None
}

/// A required field, or a problem saying it is missing.
pub fn required<'v>(
    value: Option<&'v Value<'v>>,
    ptr: &Ptr<'_>,
    key: &str,
    errs: &mut Errs,
) -> Option<&'v Value<'v>> {
    if value.is_none() {
        errs.add(ptr, concat(&["the field ", &quoted(key), " is required"]));
    }
    value
}

/// A string.
pub fn string<'v>(value: &'v Value<'v>, ptr: &Ptr<'_>, errs: &mut Errs) -> Option<&'v str> {
    let s = value.as_str();
    if s.is_none() {
        errs.add(ptr, expected("a string", value));
    }
    s
}

/// A name (1 to 128 characters from `A-Z a-z 0-9 _ . : -`).
pub fn name<'v>(value: &'v Value<'v>, ptr: &Ptr<'_>, errs: &mut Errs) -> Option<&'v str> {
    let s = string(value, ptr, errs)?;
    check_name(s, ptr, errs).then_some(s)
}

/// Whether `s` is a valid name, recording a problem when not.
pub fn check_name(s: &str, ptr: &Ptr<'_>, errs: &mut Errs) -> bool {
    match names::problem(s) {
        None => true,
        Some(why) => {
            let mut message = concat(&["invalid name ", &quoted(s), ": ", why]);
            // The first character that is not allowed, by its code point:
            // a lookalike (Cyrillic а) or an invisible one (U+200B) shows
            // nothing wrong otherwise.
            let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-');
            if let Some(c) = s.chars().find(|&c| !allowed(c)) {
                message.push_str(" (not ");
                push_code_point(&mut message, c);
                message.push(')');
            }
            errs.add(ptr, message);
            false
        }
    }
}

/// A boolean.
pub fn boolean(value: &Value, ptr: &Ptr<'_>, errs: &mut Errs) -> Option<bool> {
    let b = value.as_bool();
    if b.is_none() {
        errs.add(ptr, expected("true or false", value));
    }
    b
}

/// An array.
pub fn array<'v>(value: &'v Value<'v>, ptr: &Ptr<'_>, errs: &mut Errs) -> Option<&'v [Value<'v>]> {
    let a = value.as_array();
    if a.is_none() {
        errs.add(ptr, expected("an array", value));
    }
    a
}

/// An array of strings; every bad element is reported.
pub fn strings<'v>(value: &'v Value<'v>, ptr: &Ptr<'_>, errs: &mut Errs) -> Option<Vec<&'v str>> {
    let items = array(value, ptr, errs)?;
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) => out.push(s),
            None => {
                let mut message = expected("a string", item);
                if item.as_number().is_some() || item.as_bool().is_some() {
                    message.push_str(" (segment values are strings: write it in quotes)");
                }
                errs.add(&ptr.at(i), message);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::{alike, did_you_mean, similar, Errs, Ptr, HINTED};
    use crate::prelude::*;

    /// A unit of no text lists its problems within 1 KiB, each costing its
    /// pointer, its message and 64 bytes: up to that budget, not only
    /// below it; past it they are counted, and said in one problem.
    #[test]
    fn problems_are_listed_up_to_the_budget_then_counted() {
        let unit = Ptr::root("/u");
        let mut errs = Errs::within(0);
        // 2 + 458 + 64 = 524 bytes: 500 left.
        errs.add(&unit, "a".repeat(458));
        // Exactly the 500 left.
        errs.add(&unit, "b".repeat(434));
        assert_eq!(errs.count(), 2);
        for n in 3..=6 {
            errs.add(&unit, String::new());
            assert_eq!(errs.count(), n);
            assert!(!errs.is_empty());
        }
        let list = errs.finish(&unit);
        assert_eq!(list.len(), 3);
        assert_eq!(list[1].1.len(), 434);
        assert_eq!(
            list[2],
            (
                "/u".to_owned(),
                "4 more problems here are not listed".to_owned()
            )
        );
    }

    #[test]
    fn typos_are_similar() {
        assert!(similar("default", "defualt"));
        assert!(similar("default", "defaul"));
        assert!(similar("default", "defalt"));
        assert!(similar("default", "xefault"));
        assert!(similar("rules", "rule"));
        assert!(similar("gte", "ge"));
        assert!(similar("gt", "ge"));
        assert!(similar("ab", "ba"));
        assert!(similar("aa", "a"));
        assert!(!similar("serve", "split"));
        assert!(!similar("default", "enabled"));
        assert!(!similar("abc", "cba"));
        assert!(!similar("abcd", "badc"));
        assert!(!similar("gte", "g"));
        // Two characters swapped whose first bytes are the same: the common
        // prefix ends inside a character, and is cut back to its start.
        assert!(similar("aéèb", "aèéb"));
        assert!(similar("éè", "èé"));
        assert!(!similar("éèê", "êèé"));
        assert!(!similar("éx", "èy"));
        // The common suffix starts inside a character, and is cut back to its end.
        assert!(similar("©é", "é©"));
        assert!(!similar("a©é", "béé"));
    }

    /// A hint looks through at most HINTED names, all lists counted.
    #[test]
    fn a_hint_looks_through_at_most_hinted_names() {
        let names: Vec<String> = (0..HINTED).map(|i| format!("name{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = |lists: &[&[&str]]| {
            let mut message = String::new();
            did_you_mean(&mut message, lists, "nme999").then_some(message)
        };
        let last = " (did you mean 'name999'?)".to_owned();
        assert_eq!(hint(&[&names]), Some(last.clone()));
        assert_eq!(hint(&[&names[1..], &["other"]]), Some(last));
        assert_eq!(hint(&[&names, &["other"]]), None);
    }

    #[test]
    fn alike_ignores_case_and_separators_only() {
        assert!(alike("notIn", "not_in"));
        assert!(alike("user id", "UserId"));
        assert!(alike("-_ ", ""));
        assert!(alike("a-", "A"));
        assert!(!alike("in", "not_in"));
        assert!(!alike("not_in", "notI"));
        assert!(!alike("a", ""));
        assert!(!alike("é", "É"));
    }

    /// Against the edit-distance table it replaces (over characters), over
    /// every pair of short strings on a small alphabet of characters of
    /// one, two and four bytes.
    #[test]
    fn similar_is_distance_one() {
        fn osa(a: &[char], b: &[char]) -> usize {
            let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
            for (i, row) in d.iter_mut().enumerate() {
                row[0] = i;
            }
            for (j, cell) in d[0].iter_mut().enumerate() {
                *cell = j;
            }
            for i in 1..=a.len() {
                for j in 1..=b.len() {
                    let cost = usize::from(a[i - 1] != b[j - 1]);
                    let mut best = (d[i - 1][j] + 1)
                        .min(d[i][j - 1] + 1)
                        .min(d[i - 1][j - 1] + cost);
                    if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                        best = best.min(d[i - 2][j - 2] + 1);
                    }
                    d[i][j] = best;
                }
            }
            d[a.len()][b.len()]
        }
        let words: Vec<String> = (0..=4u32)
            .flat_map(|len| {
                (0..4u32.pow(len)).map(move |n| {
                    (0..len)
                        .map(|k| ["a", "b", "\u{e9}", "\u{1f600}"][(n / 4u32.pow(k) % 4) as usize])
                        .collect()
                })
            })
            .collect();
        for a in &words {
            for b in &words {
                assert_eq!(
                    similar(a, b),
                    osa(
                        &a.chars().collect::<Vec<_>>(),
                        &b.chars().collect::<Vec<_>>()
                    ) <= 1,
                    "{a:?} {b:?}"
                );
            }
        }
    }
}
