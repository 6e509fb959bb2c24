//! Substring search for the `contains` operator, in time linear in the
//! value and the pattern whatever they hold (many patterns at once:
//! [`super::patterns::Many`]).
//!
//! A plain scan costs up to `value × pattern` byte compares: a pattern of
//! 10 000 `a`s and a `b`, against a value of a million `a`s, took seconds
//! per evaluation, and values come from requests. Long patterns use the
//! Two-Way algorithm (Crochemore and Perrin, 1991), which needs no memory
//! beyond a few integers; short ones the plain scan, whose worst case is
//! then small. The standard library's searcher would do too, but brings
//! about 4 KB (gzipped) to the WebAssembly module.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    extern crate std;

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

    /// The case the module exists for: a long needle that matches all but
    /// its last byte at every position of a long hay. The plain scan takes
    /// about `(hay - needle) × needle` compares (here 1.6 × 10^13, minutes
    /// even as `memcmp`); Two-Way a few per byte of the hay. No time is
    /// asserted: a regression to the scan shows as a test that runs for
    /// minutes.
    #[test]
    fn a_near_miss_at_every_position_takes_linear_time() {
        let hay = "a".repeat(8_000_000);
        let needle = alloc::format!("{}b", "a".repeat(4_000_000));
        assert!(!contains(hay.as_bytes(), needle.as_bytes()));
        let hay = alloc::format!("{hay}b");
        assert!(contains(hay.as_bytes(), needle.as_bytes()));
    }

    /// Needles that repeat a short word with a byte or two changed, in
    /// hays that repeat the same word from any offset with their own
    /// changes: the near misses where Two-Way's factorization, period and
    /// what a shift remembers decide the answer (against the standard
    /// library's search; a fixed pseudo-random sequence).
    #[test]
    #[allow(clippy::unwrap_used, clippy::indexing_slicing)]
    fn near_periodic_needles_in_near_periodic_hays() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| -> usize {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % n as u64).unwrap()
        };
        let mut found = 0;
        for _ in 0..40_000 {
            let letters = [b'a', b'b', b'c'];
            let alphabet = 2 + next(2);
            let period = 1 + next(7);
            let word: Vec<u8> = (0..period).map(|_| letters[next(alphabet)]).collect();
            let repeat = |from: usize, len: usize| -> Vec<u8> {
                (from..from + len)
                    .map(|i| word[i % period])
                    .collect::<Vec<u8>>()
            };
            let len = SHORT + 1 + next(16);
            let mut needle = repeat(next(period), len);
            for _ in 0..next(3) {
                let at = next(len);
                needle[at] = letters[next(alphabet)];
            }
            let mut hay = repeat(next(period), len + next(3 * len));
            for _ in 0..next(3) {
                let at = next(hay.len());
                hay[at] = letters[next(alphabet)];
            }
            if next(4) == 0 {
                let at = next(hay.len() - len + 1);
                hay[at..at + len].copy_from_slice(&needle);
            }
            let (h, n) = (
                String::from_utf8(hay.clone()).unwrap(),
                String::from_utf8(needle.clone()).unwrap(),
            );
            let want = h.contains(n.as_str());
            assert_eq!(contains(&hay, &needle), want, "{h:?} {n:?}");
            found += usize::from(want);
        }
        assert!(found > 5_000, "{found}");
    }
}
