//! Many patterns matched at once, through a trie of them: anywhere in a
//! value for `contains` ([`Many`], Aho–Corasick), at its start or end for
//! `starts_with` and `ends_with` ([`Affixes`]). Each takes at most two
//! steps a byte of the value (one for the anchored ones), whatever the
//! number and lengths of the patterns.
//!
//! The trie's nodes are numbered breadth first, so that a node's children
//! are consecutive and in the order of their bytes: a node takes 9 bytes
//! (where its children begin, its byte, its link), and there is at most
//! one per byte of the patterns, fewer where patterns share their start.
//! Nothing below a node that ends a pattern is made: a match stops there.

use crate::prelude::*;

/// The bit of a link that says a pattern ends at the node (nodes number
/// fewer than 2^31: at most one per byte of a snapshot).
const FOUND: u32 = 1 << 31;

/// `n` as a node number (it is one: see [`FOUND`]).
fn node(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX) & !FOUND
}

/// The trie of a list of patterns, none empty.
#[derive(Clone, Debug, Default)]
struct Trie {
    /// The children of node `u` are the nodes `first[u]..first[u + 1]`.
    first: Vec<u32>,
    /// The byte on the edge into each node (the root's is unused).
    label: Vec<u8>,
    /// Each node's link (the node of its longest proper suffix in the
    /// trie; 0, the root, in a trie without links), with [`FOUND`] set
    /// when a pattern ends at that node or, with links, at a suffix of it.
    link: Vec<u32>,
    /// With links, the root's child for each byte (0: none): a search
    /// anywhere takes most of its steps from the root (1 KiB a trie; an
    /// anchored walk takes one step from the root, by `first`).
    root: Vec<u32>,
}

impl Trie {
    /// The trie of `count` patterns, each read by `bytes`; `linked`: with
    /// Aho–Corasick's links, for a search anywhere in a value.
    fn new<'a>(count: usize, bytes: &dyn Fn(u32) -> &'a [u8], linked: bool) -> Trie {
        let mut order: Vec<u32> = (0..count).map(node).collect();
        crate::index::heapsort(&mut order, |&a, &b| bytes(a) < bytes(b));
        // The trie's size, from what neighbours in that order share: room
        // for it at once (grown by doubling, the vectors took twice it).
        let mut nodes = 1usize;
        let mut prev: &[u8] = &[];
        for &i in &order {
            let p = bytes(i);
            let shared = p.iter().zip(prev).take_while(|(a, b)| a == b).count();
            nodes = nodes.saturating_add(p.len().saturating_sub(shared));
            prev = p;
        }
        let mut t = Trie {
            first: Vec::with_capacity(nodes.saturating_add(1)),
            label: Vec::with_capacity(nodes),
            link: Vec::with_capacity(nodes),
            root: if linked { vec![0; 256] } else { Vec::new() },
        };
        t.label.push(0);
        t.link.push(0);
        // Breadth first, a level at a time. The patterns under a node are
        // a range of `order` (sorted, those that share a prefix are
        // together), and its children's ranges split it by the next byte.
        let mut level: Vec<(usize, usize)> = vec![(0, order.len())];
        let mut next: Vec<(usize, usize)> = Vec::new();
        let byte_at =
            |k: usize, depth: usize| order.get(k).and_then(|&i| bytes(i).get(depth)).copied();
        let mut depth = 0usize;
        let mut u = 0usize;
        while !level.is_empty() {
            for &(lo, hi) in &level {
                t.first.push(node(t.label.len()));
                let found = t.found(node(u));
                let mut a = lo;
                while !found && a < hi {
                    // (Every pattern under a node where none ends is
                    // longer than the node's depth.)
                    let Some(x) = byte_at(a, depth) else { break };
                    let mut b = a.saturating_add(1);
                    while b < hi && byte_at(b, depth) == Some(x) {
                        b = b.saturating_add(1);
                    }
                    // The shortest sorts first: it ends at the child when
                    // the child's depth is its length.
                    let ends = order
                        .get(a)
                        .is_some_and(|&i| bytes(i).len() == depth.saturating_add(1));
                    // The link's node is shallower, so made already (and
                    // where its children begin is known).
                    let to = if u == 0 || !linked {
                        0
                    } else {
                        t.step(t.link.get(u).map_or(0, |l| l & !FOUND), x)
                    };
                    let found = ends || (linked && t.found(to));
                    if u == 0 {
                        if let Some(r) = t.root.get_mut(usize::from(x)) {
                            *r = node(t.label.len());
                        }
                    }
                    t.label.push(x);
                    t.link.push(to | if found { FOUND } else { 0 });
                    next.push((a, b));
                    a = b;
                }
                u = u.saturating_add(1);
            }
            core::mem::swap(&mut level, &mut next);
            next.clear();
            depth = depth.saturating_add(1);
        }
        t.first.push(node(t.label.len()));
        // (Less where a pattern ends where another goes on.)
        t.first.shrink_to_fit();
        t.label.shrink_to_fit();
        t.link.shrink_to_fit();
        t
    }

    /// Whether a match stops at node `s`.
    #[inline]
    fn found(&self, s: u32) -> bool {
        self.link.get(s as usize).is_some_and(|l| l & FOUND != 0)
    }

    /// The child of node `s` by byte `x`.
    #[inline]
    fn child(&self, s: u32, x: u8) -> Option<u32> {
        if s == 0 && !self.root.is_empty() {
            return self.root.get(usize::from(x)).copied().filter(|&c| c != 0);
        }
        let s = s as usize;
        let lo = *self.first.get(s)? as usize;
        let hi = *self.first.get(s.wrapping_add(1))? as usize;
        let k = self.label.get(lo..hi)?.binary_search(&x).ok()?;
        Some(node(lo.wrapping_add(k)))
    }

    /// The state after byte `x` in state `s` of a search anywhere: its
    /// child by `x`, else its link's, and so on up to the root. Links lead
    /// to shallower nodes, so the loop ends; a search's steps up are at
    /// most its steps down.
    #[inline]
    fn step(&self, mut s: u32, x: u8) -> u32 {
        loop {
            #[cfg(test)]
            STEPS.with(|n| n.set(n.get().saturating_add(1)));
            if let Some(c) = self.child(s, x) {
                return c;
            }
            if s == 0 {
                return 0;
            }
            s = self.link.get(s as usize).map_or(0, |l| l & !FOUND);
        }
    }
}

/// Many patterns for one `contains`, searched together in one pass over
/// the value: an Aho–Corasick automaton (1975) over the patterns' trie.
/// Searched one by one, 10 000 patterns cost 10 000 passes over a value;
/// searched with one pass per pattern length (Rabin–Karp, before this),
/// 1 000 patterns of as many lengths took 170 ms natively (360 ms in wasm)
/// against a 60 KB value, and 1 024 patterns chosen to collide under that
/// rolling hash 25–50 ms.
#[derive(Clone, Debug)]
pub struct Many {
    /// Whether a pattern is empty: every value contains it.
    empty: bool,
    trie: Trie,
}

impl Many {
    /// The matcher for `patterns`.
    #[must_use]
    pub fn new(patterns: &[&str]) -> Many {
        let empty = patterns.iter().any(|p| p.is_empty());
        let bytes = |i: u32| patterns.get(i as usize).map_or(&[][..], |p| p.as_bytes());
        let trie = if empty {
            Trie::default()
        } else {
            Trie::new(patterns.len(), &bytes, true)
        };
        Many { empty, trie }
    }

    /// Whether `hay` contains one of the patterns.
    #[must_use]
    pub fn any_in(&self, hay: &[u8]) -> bool {
        if self.empty {
            return true;
        }
        let mut s = 0u32;
        for &x in hay {
            s = self.trie.step(s, x);
            if self.trie.found(s) {
                return true;
            }
        }
        false
    }
}

/// Many patterns for one `starts_with` or `ends_with`, matched together:
/// a walk down the trie of the patterns (each reversed, for `ends_with`)
/// as far as the value leads, one step a byte of the value at most. One
/// by one, each pattern is compared: 1 000 domains in an `ends_with` took
/// 2.8 µs per evaluation in wasm, 0.17 µs so.
#[derive(Clone, Debug)]
pub struct Affixes {
    /// Whether a pattern is empty: every value matches.
    empty: bool,
    /// Whether the patterns are suffixes (the trie holds them reversed).
    suffixes: bool,
    trie: Trie,
}

impl Affixes {
    /// The matcher for values that start (`suffixes`: end) with one of
    /// `patterns`.
    #[must_use]
    pub fn new(patterns: &[&str], suffixes: bool) -> Affixes {
        let empty = patterns.iter().any(|p| p.is_empty());
        let reversed: Vec<Vec<u8>> = if suffixes && !empty {
            patterns.iter().map(|p| p.bytes().rev().collect()).collect()
        } else {
            Vec::new()
        };
        let bytes = |i: u32| {
            let i = i as usize;
            if suffixes {
                reversed.get(i).map_or(&[][..], |p| p.as_slice())
            } else {
                patterns.get(i).map_or(&[][..], |p| p.as_bytes())
            }
        };
        let trie = if empty {
            Trie::default()
        } else {
            Trie::new(patterns.len(), &bytes, false)
        };
        Affixes {
            empty,
            suffixes,
            trie,
        }
    }

    /// Whether `value` starts (or ends) with one of the patterns.
    #[must_use]
    pub fn any_of(&self, value: &[u8]) -> bool {
        if self.empty {
            return true;
        }
        let len = value.len();
        let mut s = 0u32;
        for k in 0..len {
            let at = if self.suffixes {
                len.wrapping_sub(k).wrapping_sub(1)
            } else {
                k
            };
            let Some(c) = value.get(at).and_then(|&x| self.trie.child(s, x)) else {
                return false;
            };
            if self.trie.found(c) {
                return true;
            }
            s = c;
        }
        false
    }
}

#[cfg(test)]
std::thread_local! {
    /// The turns of [`Trie::step`]'s loop in this thread, for the tests'
    /// bound on a search's work.
    static STEPS: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::search::contains;
    extern crate std;

    /// [`Many`] against each pattern searched on its own: random lists
    /// (lengths mixed, repeats, empty patterns, longer than the value)
    /// over small alphabets, where windows often share hashes' inputs.
    #[test]
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    fn many_agrees_with_one_by_one() {
        fn next(seed: &mut u64, n: u64) -> u64 {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed % n
        }
        fn word(seed: &mut u64, alphabet: &[u8], max: u64) -> String {
            let len = next(seed, max + 1);
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[next(seed, alphabet.len() as u64) as usize])
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..4000usize {
            let alphabet = &[b'a', b'b', b'c', 0xff][..2 + (round % 3)];
            let count = 5 + next(&mut seed, 20) as usize;
            let max = if round % 5 == 0 { 30 } else { 6 };
            let patterns: Vec<String> =
                (0..count).map(|_| word(&mut seed, alphabet, max)).collect();
            let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
            let many = Many::new(&refs);
            for _ in 0..8 {
                let hay = word(&mut seed, alphabet, 80);
                let want = patterns
                    .iter()
                    .any(|p| contains(hay.as_bytes(), p.as_bytes()));
                STEPS.with(|n| n.set(0));
                assert_eq!(many.any_in(hay.as_bytes()), want, "{hay:?} in {patterns:?}");
                assert!(STEPS.with(core::cell::Cell::get) <= 2 * hay.len());
            }
        }
        // No pattern found: every window of every length was looked up.
        let many = Many::new(&["xyz", "xy1", "abcd", "zzzzzzzzzzzzzzzzzzzzz", "q", "r"]);
        assert!(!many.any_in(b"aaaa xz abc zzzzzzzzzzzzzzzzzzzz p s"));
        assert!(many.any_in(b"at the end: r"));
        assert!(many.any_in(b"abcd"));
        assert!(!Many::new(&["aa", "bb", "cc", "dd", "ee"]).any_in(b""));
        assert!(Many::new(&["aa", "bb", "cc", "dd", ""]).any_in(b""));
    }

    /// One pass whatever the patterns' lengths: each byte of the value
    /// is a step down the trie, and each step up undoes one, so a search
    /// takes at most two steps a byte. A pass per length took 2 000
    /// passes here; patterns sharing long prefixes made a search by
    /// prefixes check every pattern at every byte.
    #[test]
    fn many_takes_one_pass_whatever_the_lengths() {
        let steps = |many: &Many, hay: &[u8]| {
            STEPS.with(|n| n.set(0));
            let found = many.any_in(hay);
            (found, STEPS.with(core::cell::Cell::get))
        };
        let lengths: Vec<String> = (1..=2000)
            .map(|l| alloc::format!("{}y", "x".repeat(l - 1)))
            .collect();
        let refs: Vec<&str> = lengths.iter().map(String::as_str).collect();
        let many = Many::new(&refs);
        let total: usize = refs.iter().map(|p| p.len()).sum();
        assert!(many.trie.label.len() <= total + 1);
        let xs = "x".repeat(100_000);
        let (found, n) = steps(&many, xs.as_bytes());
        assert!(!found);
        assert!(n <= 2 * xs.len(), "{n} steps");
        let (found, n) = steps(&many, alloc::format!("{xs}y").as_bytes());
        assert!(found);
        assert!(n <= 2 * (xs.len() + 1), "{n} steps");
        // Only what a search can reach is kept: nothing below `ab`, nor
        // below `xab`, whose suffix `ab` is a pattern.
        let pruned = Many::new(&["ab", "abcdefgh", "abcdefghij", "zz", "yy"]);
        assert_eq!(pruned.trie.label.len(), 1 + 2 + 2 + 2);
        let suffixed = Many::new(&["ab", "xabcd", "q", "r", "s"]);
        assert_eq!(suffixed.trie.label.len(), 1 + 2 + 3 + 3);
        assert!(suffixed.any_in(b"..xab"));
        assert!(!suffixed.any_in(b"xa b"));
        // An anchored trie is cut only below a pattern's own end.
        let anchored = Affixes::new(&["ab", "xabcd", "q", "r", "s"], false);
        assert_eq!(anchored.trie.label.len(), 1 + 2 + 5 + 3);
        assert!(anchored.any_of(b"xabcd!"));
        assert!(!anchored.any_of(b"xabc"));
        assert!(pruned.any_in(b"..abcdefg"));
        assert!(!pruned.any_in(b"a b z y"));
        // A pattern that contains another is found by the other.
        let inner = Many::new(&["xabcx", "b", "qq", "rr", "ss"]);
        assert!(inner.any_in(b"abc"));
    }

    /// [`Affixes`] against each pattern compared on its own: random lists
    /// over small alphabets (repeats, empty patterns, patterns that are
    /// prefixes of others, longer than the value), both ends.
    #[test]
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    fn affixes_agree_with_one_by_one() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut checked = [0usize; 2];
        for round in 0..3000usize {
            let alphabet = &[b'a', b'b', b'c', 0xff][..2 + (round % 3)];
            let mut word = |max: u64| -> String {
                let len = next(max + 1);
                let bytes: Vec<u8> = (0..len)
                    .map(|_| alphabet[next(alphabet.len() as u64) as usize])
                    .collect();
                String::from_utf8_lossy(&bytes).into_owned()
            };
            let count = 5 + (round % 20);
            let patterns: Vec<String> = (0..count)
                .map(|k| word(if k % 7 == 0 { 0 } else { 6 }))
                .filter(|p| round % 4 == 0 || !p.is_empty())
                .collect();
            let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
            let starts = Affixes::new(&refs, false);
            let ends = Affixes::new(&refs, true);
            for _ in 0..8 {
                let value = word(12);
                let want_start = patterns.iter().any(|p| value.starts_with(p.as_str()));
                let want_end = patterns.iter().any(|p| value.ends_with(p.as_str()));
                assert_eq!(
                    starts.any_of(value.as_bytes()),
                    want_start,
                    "{value:?} {patterns:?}"
                );
                assert_eq!(
                    ends.any_of(value.as_bytes()),
                    want_end,
                    "{value:?} {patterns:?}"
                );
                checked[usize::from(want_start)] += 1;
            }
        }
        assert!(checked[0] > 1000 && checked[1] > 1000, "{checked:?}");
        let domains = Affixes::new(&["@acme.com", "@b.org", ".gov", "@acme.co", "x"], true);
        assert!(domains.any_of(b"ann@acme.com"));
        assert!(domains.any_of(b"ann@acme.co"));
        assert!(domains.any_of(b"irs.gov"));
        assert!(!domains.any_of(b"ann@acme.com.evil"));
        assert!(!domains.any_of(b""));
        let paths = Affixes::new(&["/admin", "/api/v1/", "/api/v2/", "/b", "/c"], false);
        assert!(paths.any_of(b"/api/v1/users"));
        assert!(!paths.any_of(b"/api/v3/users"));
        assert!(!paths.any_of(b"/ad"));
        assert!(paths.any_of(b"/admin"));
    }
}
