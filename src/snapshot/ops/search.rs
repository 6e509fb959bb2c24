//! Substring search for the `contains` operator, in time linear in the
//! value and the pattern whatever they hold; many patterns at once
//! ([`Many`]) in one pass over the value.
//!
//! A plain scan costs up to `value × pattern` byte compares: a pattern of
//! 10 000 `a`s and a `b`, against a value of a million `a`s, took seconds
//! per evaluation, and values come from requests. Long patterns use the
//! Two-Way algorithm (Crochemore and Perrin, 1991), which needs no memory
//! beyond a few integers; short ones the plain scan, whose worst case is
//! then small. The standard library's searcher would do too, but brings
//! about 4 KB (gzipped) to the WebAssembly module.

use crate::prelude::*;

/// Patterns up to this long are found by the plain scan (at most this
/// many compares per byte of the value).
const SHORT: usize = 16;

/// Whether `needle` occurs in `hay`.
#[must_use]
#[inline]
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else {
        return true;
    };
    if needle.len() > hay.len() {
        return false;
    }
    if needle.len() <= SHORT {
        return hay
            .windows(needle.len())
            .any(|w| w.first() == Some(&first) && w == needle);
    }
    two_way(hay, needle)
}

// Positions are `i64` and lengths below 2^32 (a wasm32 memory), so no sum
// or difference below can overflow: the arithmetic lint of `ops` is
// allowed where they are computed.

/// The byte at `i`, or `None` past either end.
#[inline]
fn at(s: &[u8], i: i64) -> Option<u8> {
    usize::try_from(i).ok().and_then(|i| s.get(i).copied())
}

/// The maximal suffix of `n` for the byte order (`reversed`: the opposite
/// order): the position just before it (-1 for the whole) and its period.
#[allow(clippy::arithmetic_side_effects)]
fn maximal_suffix(n: &[u8], reversed: bool) -> (i64, i64) {
    let len = n.len() as i64;
    let (mut i, mut j, mut k, mut p): (i64, i64, i64, i64) = (-1, 0, 1, 1);
    while j + k < len {
        let (a, b) = (at(n, i + k), at(n, j + k));
        if a == b {
            if k == p {
                j += p;
                k = 1;
            } else {
                k += 1;
            }
        } else if (a > b) != reversed {
            j += k;
            k = 1;
            p = j - i;
        } else {
            i = j;
            j += 1;
            k = 1;
            p = 1;
        }
    }
    (i, p)
}

/// Two-Way search (`needle` longer than [`SHORT`], not longer than `hay`).
#[allow(clippy::arithmetic_side_effects)]
fn two_way(hay: &[u8], needle: &[u8]) -> bool {
    let l = needle.len() as i64;
    // The critical factorization: needle = u v, |u| = ms + 1.
    let (ms1, p1) = maximal_suffix(needle, false);
    let (ms2, p2) = maximal_suffix(needle, true);
    let (ms, mut p) = if ms2 > ms1 { (ms2, p2) } else { (ms1, p1) };
    // Whether u is a suffix of v's period (the needle is periodic): then a
    // match of the right half lets the next try skip what it has seen.
    let u_len = usize::try_from(ms + 1).unwrap_or(0);
    let periodic = usize::try_from(p).ok().is_some_and(|p| {
        needle.get(..u_len).is_some()
            && needle.get(..u_len) == needle.get(p..p.saturating_add(u_len))
    });
    let memory_after_shift = if periodic {
        l - p
    } else {
        p = ms.max(l - ms - 1) + 1;
        0
    };
    let end = hay.len() as i64;
    let (mut pos, mut memory): (i64, i64) = (0, 0);
    while pos + l <= end {
        // The right half, left to right, from what is known to match.
        let mut k = (ms + 1).max(memory);
        while k < l && at(needle, k) == at(hay, pos + k) {
            k += 1;
        }
        if k < l {
            pos += k - ms;
            memory = 0;
            continue;
        }
        // The left half, right to left, down to what is known to match.
        let mut k = ms + 1;
        while k > memory && at(needle, k - 1) == at(hay, pos + k - 1) {
            k -= 1;
        }
        if k <= memory {
            return true;
        }
        pos += p;
        memory = memory_after_shift;
    }
    false
}

/// Many patterns for one `contains`, searched together in one pass over
/// the value whatever their number and lengths: an Aho–Corasick automaton
/// (1975) over the patterns' trie. Searched one by one, 10 000 patterns
/// cost 10 000 passes over a value; searched with one pass per pattern
/// length (Rabin–Karp, before this), 1 000 patterns of as many lengths
/// took 170 ms natively (360 ms in wasm) against a 60 KB value, and 1 024
/// patterns chosen to collide under that rolling hash 25–50 ms.
///
/// The trie's nodes are numbered breadth first, so that a node's children
/// are consecutive and in the order of their bytes: a node takes 9 bytes
/// (where its children begin, its byte, its link), and there is at most
/// one per byte of the patterns. Nothing below a node that ends a pattern
/// is made: a search stops there.
#[derive(Clone, Debug)]
pub struct Many {
    /// Whether a pattern is empty: every value contains it.
    empty: bool,
    /// The children of node `u` are the nodes `first[u]..first[u + 1]`.
    first: Vec<u32>,
    /// The byte on the edge into each node (the root's is unused).
    label: Vec<u8>,
    /// Each node's link (the node of its longest proper suffix in the
    /// trie), with [`FOUND`] set when that node or a suffix of it ends a
    /// pattern. The root is node 0, its own link.
    link: Vec<u32>,
    /// The root's child for each byte (0: none): a search takes most of
    /// its steps from the root.
    root: Vec<u32>,
}

/// The bit of a link that says a pattern ends at the node (nodes number
/// fewer than 2^31: at most one per byte of a snapshot).
const FOUND: u32 = 1 << 31;

/// `n` as a node number (it is one: see [`FOUND`]).
fn node(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX) & !FOUND
}

impl Many {
    /// The matcher for `patterns`.
    #[must_use]
    pub fn new(patterns: &[&str]) -> Many {
        let mut m = Many {
            empty: patterns.iter().any(|p| p.is_empty()),
            first: Vec::new(),
            label: vec![0],
            link: vec![0],
            root: vec![0; 256],
        };
        if m.empty {
            return m;
        }
        let bytes = |i: u32| patterns.get(i as usize).map_or(&[][..], |p| p.as_bytes());
        let mut order: Vec<u32> = (0..patterns.len()).map(node).collect();
        sort_by_bytes(&mut order, &bytes);
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
        m.first.reserve_exact(nodes.saturating_add(1));
        m.label.reserve_exact(nodes);
        m.link.reserve_exact(nodes);
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
                m.first.push(node(m.label.len()));
                // A search that reaches a node where a pattern ends stops.
                let found = m.link.get(u).is_some_and(|l| l & FOUND != 0);
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
                    let to = if u == 0 {
                        0
                    } else {
                        m.step(m.link.get(u).map_or(0, |l| l & !FOUND), x)
                    };
                    let inherited = m.link.get(to as usize).is_some_and(|l| l & FOUND != 0);
                    if u == 0 {
                        if let Some(r) = m.root.get_mut(usize::from(x)) {
                            *r = node(m.label.len());
                        }
                    }
                    m.label.push(x);
                    m.link.push(to | if ends || inherited { FOUND } else { 0 });
                    next.push((a, b));
                    a = b;
                }
                u = u.saturating_add(1);
            }
            core::mem::swap(&mut level, &mut next);
            next.clear();
            depth = depth.saturating_add(1);
        }
        m.first.push(node(m.label.len()));
        // (Less where a pattern ends where another goes on.)
        m.first.shrink_to_fit();
        m.label.shrink_to_fit();
        m.link.shrink_to_fit();
        m
    }

    /// Whether `hay` contains one of the patterns.
    #[must_use]
    pub fn any_in(&self, hay: &[u8]) -> bool {
        if self.empty {
            return true;
        }
        let mut s = 0u32;
        for &x in hay {
            s = self.step(s, x);
            if self.link.get(s as usize).is_some_and(|l| l & FOUND != 0) {
                return true;
            }
        }
        false
    }

    /// The state after byte `x` in state `s`: its child by `x`, else its
    /// link's, and so on up to the root. Links lead to shallower nodes,
    /// so the loop ends; a search's steps up are at most its steps down.
    #[inline]
    fn step(&self, mut s: u32, x: u8) -> u32 {
        loop {
            #[cfg(test)]
            STEPS.with(|n| n.set(n.get().saturating_add(1)));
            if s == 0 {
                return self.root.get(usize::from(x)).copied().unwrap_or(0);
            }
            if let Some(c) = self.child(s, x) {
                return c;
            }
            s = self.link.get(s as usize).map_or(0, |l| l & !FOUND);
        }
    }

    /// The child of node `s` by byte `x`.
    #[inline]
    fn child(&self, s: u32, x: u8) -> Option<u32> {
        let s = s as usize;
        let lo = *self.first.get(s)? as usize;
        let hi = *self.first.get(s.wrapping_add(1))? as usize;
        let k = self.label.get(lo..hi)?.binary_search(&x).ok()?;
        Some(node(lo.wrapping_add(k)))
    }
}

#[cfg(test)]
std::thread_local! {
    /// The turns of [`Many::step`]'s loop in this thread, for the tests'
    /// bound on a search's work.
    static STEPS: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// Sorts `v` by `key` in byte order, in place, in O(n log n) comparisons
/// (a heapsort: each instance of the standard library's sorts adds
/// kilobytes to the WebAssembly build).
fn sort_by_bytes<'a>(v: &mut [u32], key: &dyn Fn(u32) -> &'a [u8]) {
    let less = |v: &[u32], a: usize, b: usize| match (v.get(a), v.get(b)) {
        (Some(&a), Some(&b)) => key(a) < key(b),
        _ => false,
    };
    let sift_down = |v: &mut [u32], mut root: usize, end: usize| loop {
        let left = root.saturating_mul(2).saturating_add(1);
        if left >= end {
            return;
        }
        let right = left.saturating_add(1);
        let child = if right < end && less(v, left, right) {
            right
        } else {
            left
        };
        if !less(v, root, child) {
            return;
        }
        v.swap(root, child);
        root = child;
    };
    let n = v.len();
    for root in (0..n / 2).rev() {
        sift_down(v, root, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert!(many.label.len() <= total + 1);
        let xs = "x".repeat(100_000);
        let (found, n) = steps(&many, xs.as_bytes());
        assert!(!found);
        assert!(n <= 2 * xs.len(), "{n} steps");
        let (found, n) = steps(&many, alloc::format!("{xs}y").as_bytes());
        assert!(found);
        assert!(n <= 2 * (xs.len() + 1), "{n} steps");
        // Only what a search can reach is kept: nothing below `ab`.
        let pruned = Many::new(&["ab", "abcdefgh", "abcdefghij", "zz", "yy"]);
        assert_eq!(pruned.label.len(), 1 + 2 + 2 + 2);
        assert!(pruned.any_in(b"..abcdefg"));
        assert!(!pruned.any_in(b"a b z y"));
        // A pattern that contains another is found by the other.
        let inner = Many::new(&["xabcx", "b", "qq", "rr", "ss"]);
        assert!(inner.any_in(b"abc"));
    }

    /// Every hay and needle over `ab` up to the given lengths, against
    /// the standard library's search (the needles long enough for Two-Way).
    #[test]
    fn agrees_with_the_standard_library_on_small_alphabets() {
        let words = |max: usize, min: usize| -> Vec<String> {
            let mut out = Vec::new();
            for len in min..=max {
                for bits in 0u32..(1 << len.min(20)) {
                    out.push(
                        (0..len)
                            .map(|i| if bits >> (i % 20) & 1 == 1 { 'b' } else { 'a' })
                            .collect(),
                    );
                }
            }
            out
        };
        let needles: Vec<String> = words(19, 17).into_iter().step_by(9001).collect();
        let mut hays = Vec::new();
        for n in &needles {
            for pad in ["", "a", "ab", "ba", "bbb", "aaaaaaaaaaaaaaaaaaaaaaa"] {
                hays.push(alloc::format!("{pad}{n}{pad}"));
                hays.push(alloc::format!("{pad}{}{pad}", &n[1..]));
                hays.push(alloc::format!("{n}{n}{pad}"));
            }
        }
        let mut found = 0;
        for n in &needles {
            for h in &hays {
                let want = h.contains(n.as_str());
                assert_eq!(contains(h.as_bytes(), n.as_bytes()), want, "{h:?} {n:?}");
                found += usize::from(want);
            }
        }
        assert!(found > 1000, "{found}");
    }

    #[test]
    fn periodic_and_adversarial_needles() {
        let a = |n: usize| "a".repeat(n);
        let cases = [
            (a(100), alloc::format!("{}b", a(20)), false),
            (
                alloc::format!("{}b", a(100)),
                alloc::format!("{}b", a(20)),
                true,
            ),
            (a(100), a(40), true),
            (a(39), a(40), false),
            (
                "abcabcabcabcabcabcabcabcabd".repeat(3),
                "abcabcabcabcabcabcabd".into(),
                true,
            ),
            (
                "abcabcabcabcabcabcabcabcabc".repeat(3),
                "abcabcabcabcabcabcabd".into(),
                false,
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148".into(),
                "like Mac OS X) Mobile".into(),
                true,
            ),
            ("é".repeat(30), "é".repeat(9), true),
            // Periodic needles against near misses: what a shift by the
            // period may assume already matches.
            (
                "bbababababababababbb".into(),
                "ababababababababab".into(),
                false,
            ),
            (
                "bbababababababababbba".into(),
                "ababababababababab".into(),
                false,
            ),
            (
                "bababababababababab".into(),
                "ababababababababab".into(),
                true,
            ),
        ];
        for (hay, needle, want) in cases {
            assert_eq!(
                contains(hay.as_bytes(), needle.as_bytes()),
                want,
                "{hay:?} {needle:?}"
            );
            assert_eq!(hay.contains(needle.as_str()), want);
        }
    }
}
