//! Substring search for the `contains` operator, in time linear in the
//! value and the pattern whatever they hold; many patterns at once
//! ([`Many`]) in a pass per pattern length.
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

/// Many patterns for one `contains`, searched together: for each length
/// they have, one pass over the value with a rolling hash, each window
/// looked up in a table of the patterns' hashes (Rabin and Karp). Searched
/// one by one, a list of 10 000 patterns cost 10 000 passes over a value,
/// and a value of 60 KB from a request took seconds.
#[derive(Clone, Debug)]
pub struct Many {
    /// The patterns of each length.
    groups: Vec<Group>,
    /// Whether a pattern is empty: every value contains it.
    empty: bool,
}

/// The patterns of one length.
#[derive(Clone, Debug)]
struct Group {
    len: usize,
    /// `BASE` to the power `len - 1`: what the byte leaving a window weighs.
    top: u64,
    /// Open addressing (a power of two long, at most half full): a
    /// pattern's index in `patterns` plus one, 0 for none.
    slots: Vec<u32>,
    /// The patterns, each with its hash.
    patterns: Vec<(u64, Box<[u8]>)>,
}

/// The rolling hash's multiplier (odd, with bits spread over the word).
const BASE: u64 = 0x9E37_79B9_7F4A_7C15;

/// The polynomial hash of `bytes`, wrapping (as the rolling form computes it).
fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |h, &b| {
        h.wrapping_mul(BASE).wrapping_add(u64::from(b))
    })
}

impl Group {
    /// The slot a hash starts its probe at: its high bits (the low bits of
    /// a hash that multiplies are the weakest).
    fn start(&self, h: u64) -> usize {
        let bits = self.slots.len().trailing_zeros();
        usize::try_from(h.checked_shr(64u32.saturating_sub(bits)).unwrap_or(0)).unwrap_or(0)
    }

    /// Whether a window (its hash `h` and bytes) is one of the patterns.
    fn holds(&self, h: u64, window: &[u8]) -> bool {
        let mask = self.slots.len().saturating_sub(1);
        let mut i = self.start(h);
        while let Some(&slot) = self.slots.get(i) {
            let Some(index) = slot.checked_sub(1) else {
                return false;
            };
            match self.patterns.get(index as usize) {
                Some((ph, p)) if *ph == h && **p == *window => return true,
                _ => i = i.wrapping_add(1) & mask,
            }
        }
        false
    }
}

impl Many {
    /// The matcher for `patterns`.
    #[must_use]
    pub fn new(patterns: &[&str]) -> Many {
        let mut groups: Vec<Group> = Vec::new();
        let mut empty = false;
        for p in patterns.iter().map(|p| p.as_bytes()) {
            if p.is_empty() {
                empty = true;
                continue;
            }
            let i = groups
                .iter()
                .position(|g| g.len == p.len())
                .unwrap_or_else(|| {
                    let top = (1..p.len()).fold(1u64, |t, _| t.wrapping_mul(BASE));
                    groups.push(Group {
                        len: p.len(),
                        top,
                        slots: Vec::new(),
                        patterns: Vec::new(),
                    });
                    groups.len().saturating_sub(1)
                });
            if let Some(g) = groups.get_mut(i) {
                g.patterns.push((hash(p), p.into()));
            }
        }
        for g in &mut groups {
            let size = g
                .patterns
                .len()
                .saturating_mul(2)
                .next_power_of_two()
                .max(2);
            g.slots = vec![0; size];
            let mask = size.saturating_sub(1);
            for index in 0..g.patterns.len() {
                let Some((h, p)) = g.patterns.get(index) else {
                    break;
                };
                // (A repeat is found as the first of it, and not entered.)
                if g.holds(*h, p) {
                    continue;
                }
                let mut i = g.start(*h);
                while g.slots.get(i).is_some_and(|&s| s != 0) {
                    i = i.wrapping_add(1) & mask;
                }
                if let Some(slot) = g.slots.get_mut(i) {
                    *slot = u32::try_from(index).map_or(0, |x| x.saturating_add(1));
                }
            }
        }
        Many { groups, empty }
    }

    /// Whether `hay` contains one of the patterns.
    #[must_use]
    pub fn any_in(&self, hay: &[u8]) -> bool {
        if self.empty {
            return true;
        }
        for g in &self.groups {
            let Some(first) = hay.get(..g.len) else {
                continue;
            };
            let mut h = hash(first);
            if g.holds(h, first) {
                return true;
            }
            // Slide: the byte at `i` leaves, the one at `i + len` comes in.
            for (i, &gone) in hay.iter().enumerate() {
                let Some(&come) = hay.get(i.wrapping_add(g.len)) else {
                    break;
                };
                h = h
                    .wrapping_sub(u64::from(gone).wrapping_mul(g.top))
                    .wrapping_mul(BASE)
                    .wrapping_add(u64::from(come));
                let start = i.wrapping_add(1);
                if let Some(window) = hay.get(start..start.wrapping_add(g.len)) {
                    if g.holds(h, window) {
                        return true;
                    }
                }
            }
        }
        false
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
                assert_eq!(many.any_in(hay.as_bytes()), want, "{hay:?} in {patterns:?}");
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
