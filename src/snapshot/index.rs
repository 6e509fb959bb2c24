//! [`NameIndex`]: a small open-addressing hash table from strings to `u32`,
//! used wherever loading needs a lookup by name.
//!
//! One concrete type instead of `BTreeMap`/`HashMap` instantiations keeps the
//! WebAssembly build small (each generic map costs kilobytes per key/value
//! pair). Its hash is keyed with a seed of the process (see [`set_seed`]),
//! so that a snapshot cannot choose names that all collide.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::prelude::*;

/// The key of the name hash for the indexes made from now on; 0 until one
/// is set (or, with the standard library, drawn at the first index).
static SEED: AtomicU64 = AtomicU64::new(0);

/// Keys the hash of the indexes made from now on with `seed`: the
/// WebAssembly entry calls it once, before any snapshot loads, with
/// randomness from the host (the core draws none). Unkeyed, the hash let a
/// snapshot choose 10 000 `in` values that all collided (one 1.7 MB list
/// took 3 s to compile, and each lookup 700 µs). An index keeps the key it
/// was made with, so a later call changes no table already built. With the
/// standard library a key is drawn at the first index when none was set.
pub fn set_seed(seed: u64) {
    SEED.store(seed, Ordering::Relaxed);
}

/// The key for a new index.
fn seed() -> u64 {
    let seed = SEED.load(Ordering::Relaxed);
    #[cfg(feature = "std")]
    if seed == 0 {
        use std::hash::{BuildHasher, Hasher};
        let drawn = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            | 1;
        // (Two threads may both draw: each index keeps the one it read.)
        SEED.store(drawn, Ordering::Relaxed);
        return drawn;
    }
    seed
}

/// Where a key starts probing: a multiply-fold over 4-byte words.
///
/// Not the bucketing hash (XXH3): this one only has to spread names over
/// the table. It is kept small because a load calls it once per name (a
/// thousand times for a thousand features), and a WebAssembly engine
/// optimizes a function called that often in the background, on threads
/// that compete with the load (XXH3 here cost such a compile on every cold
/// load: docs/performance.md).
fn name_hash(key: &[u8], seed: u64) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |h: u64, word: u64| {
        let p = (h ^ word).wrapping_mul(K);
        p ^ (p >> 32)
    };
    let mut h = mix(seed, key.len() as u64);
    let mut words = key.chunks_exact(4);
    for w in &mut words {
        h = mix(
            h,
            u64::from(u32::from_le_bytes(w.try_into().unwrap_or_default())),
        );
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let word = tail.iter().rev().fold(0u64, |n, &b| n << 8 | u64::from(b));
        h = mix(h, word | 1 << 32);
    }
    h
}

/// Where `key` looks first in a table of `mask + 1` slots, and how far
/// it moves each time after that: an odd stride from the hash's high
/// half, which visits every slot of a table whose length is a power of
/// two. Names whose first slots are near each other do not make one long
/// run, as they do when each looks at the next slot: with a hash that is
/// not seeded, a snapshot can choose its names so (one in eight
/// qualifies), and 100 000 such features took 15 s to load.
#[inline]
fn start(key: &[u8], mask: usize, seed: u64) -> (usize, usize) {
    let h = name_hash(key, seed);
    (h as usize & mask, (h >> 32) as usize | 1)
}

/// Strings (owned) to `u32` values.
///
/// The keys are kept end to end in one string (one allocation for all of
/// them, not one each: a snapshot's features are indexed at load).
#[derive(Clone, Debug)]
pub struct NameIndex {
    /// The hash's key, the process's when the index was made.
    seed: u64,
    /// Every key, end to end, in insertion order.
    text: String,
    /// Where each key ends in `text`.
    ends: Vec<u32>,
    /// Each key's value; empty while every value is 0 (a set: 4 bytes a
    /// member saved).
    values: Vec<u32>,
    /// Slots hold `entry + 1`; 0 is empty. Length is a power of two.
    table: Vec<u32>,
}

impl Default for NameIndex {
    fn default() -> Self {
        NameIndex {
            seed: seed(),
            text: String::new(),
            ends: Vec::new(),
            values: Vec::new(),
            table: Vec::new(),
        }
    }
}

impl NameIndex {
    /// An empty index.
    #[must_use]
    pub fn new() -> Self {
        NameIndex::default()
    }

    /// An empty index with room for `keys` keys of `bytes` bytes in all,
    /// so that filling it allocates once and never rehashes (a set of
    /// 10 000 ids built key by key held twice its size while it grew).
    #[must_use]
    pub fn with_capacity(keys: usize, bytes: usize) -> Self {
        let mut index = NameIndex::default();
        index.text.reserve_exact(bytes);
        index.ends.reserve_exact(keys);
        let slots = keys
            .saturating_add(1)
            .saturating_mul(2)
            .checked_next_power_of_two();
        if let Some(slots) = slots.filter(|_| keys > 0) {
            index.table = vec![0; slots.max(16)];
        }
        index
    }

    fn slot(&self, key: &str) -> (usize, Option<u32>) {
        let mask = self.table.len().wrapping_sub(1);
        let (mut i, stride) = start(key.as_bytes(), mask, self.seed);
        loop {
            match self.table.get(i).copied() {
                None | Some(0) => return (i, None),
                Some(e) => {
                    let entry = e - 1;
                    if self.key_bytes(entry as usize) == Some(key.as_bytes()) {
                        return (i, Some(entry));
                    }
                }
            }
            i = i.wrapping_add(stride) & mask;
        }
    }

    /// The value of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<u32> {
        if self.table.is_empty() {
            return None;
        }
        let (_, entry) = self.slot(key);
        entry.map(|e| self.values.get(e as usize).copied().unwrap_or(0))
    }

    /// Where the key inserted `n`-th sits in `text`.
    #[inline]
    fn span(&self, n: usize) -> Option<core::ops::Range<usize>> {
        let end = *self.ends.get(n)? as usize;
        let start = match n.checked_sub(1) {
            Some(prev) => *self.ends.get(prev)? as usize,
            None => 0,
        };
        Some(start..end)
    }

    #[inline]
    fn key_bytes(&self, n: usize) -> Option<&[u8]> {
        self.text.as_bytes().get(self.span(n)?)
    }

    /// The key inserted `n`-th (from 0): entries keep their insertion order.
    #[must_use]
    pub fn key(&self, n: usize) -> Option<&str> {
        self.text.get(self.span(n)?)
    }

    /// Whether `key` is present.
    #[must_use]
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Inserts `key → value` unless `key` is present; returns whether it was inserted.
    pub fn insert(&mut self, key: &str, value: u32) -> bool {
        if (self.ends.len() + 1) * 2 > self.table.len() {
            self.grow();
        }
        let (i, entry) = self.slot(key);
        if entry.is_some() {
            return false;
        }
        let (Ok(next), Ok(end)) = (
            u32::try_from(self.ends.len() + 1),
            u32::try_from(self.text.len() + key.len()),
        ) else {
            return false;
        };
        if let Some(s) = self.table.get_mut(i) {
            *s = next;
        }
        if value != 0 && self.values.len() < self.ends.len() {
            self.values.resize(self.ends.len(), 0);
        }
        self.text.push_str(key);
        self.ends.push(end);
        if value != 0 || !self.values.is_empty() {
            self.values.push(value);
        }
        true
    }

    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(16);
        self.table = vec![0; size];
        let mask = size - 1;
        for n in 0..self.ends.len() {
            let key = self.key_bytes(n).unwrap_or_default();
            let (mut i, stride) = start(key, mask, self.seed);
            while self.table.get(i).is_some_and(|&s| s != 0) {
                i = i.wrapping_add(stride) & mask;
            }
            if let Some(s) = self.table.get_mut(i) {
                *s = u32::try_from(n + 1).unwrap_or(0);
            }
        }
    }
}

/// The positions of names in a list that only grows at its end (the
/// entries of a list, or of a memo, given by `key`), found without a scan:
/// a list of at most [`Positions::SHORT`] names is scanned (and costs no
/// allocation: most lists are that short), a longer one is hashed.
///
/// Loading looks up names in lists of up to 10 000 implementations,
/// inputs, segments or activations: a scan per lookup made those loads
/// quadratic.
#[derive(Clone, Debug, Default)]
pub struct Positions {
    index: NameIndex,
    /// How many entries `index` holds (a repeated key is counted, not held).
    indexed: usize,
}

impl Positions {
    /// The longest list that is scanned.
    pub const SHORT: usize = 16;

    /// Takes in the entries added since the last call, once the list (of
    /// `len` entries) is longer than [`Positions::SHORT`]. Call it after
    /// the list grows, before [`Positions::find`].
    pub fn update<'k>(&mut self, len: usize, key: &dyn Fn(usize) -> Option<&'k str>) {
        if len <= Self::SHORT {
            return;
        }
        while self.indexed < len {
            if let Some(k) = key(self.indexed) {
                // A repeated key keeps its first position, as a scan finds.
                self.index
                    .insert(k, u32::try_from(self.indexed).unwrap_or(u32::MAX));
            }
            self.indexed += 1;
        }
    }

    /// The first position of `name` among the `len` entries.
    #[must_use]
    pub fn find<'k>(
        &self,
        len: usize,
        key: &dyn Fn(usize) -> Option<&'k str>,
        name: &str,
    ) -> Option<usize> {
        if len <= Self::SHORT {
            return (0..len).find(|&i| key(i) == Some(name));
        }
        self.index.get(name).map(|i| i as usize)
    }
}

/// Sorts pairs in ascending order (by the first, then the second), in
/// place, in O(n log n) (see [`heapsort`]).
pub fn sort_pairs(v: &mut [(u32, u32)]) {
    heapsort(v, |a, b| a < b);
}

/// Sorts `v` in place by `less`, in O(n log n) comparisons: a heapsort,
/// kept small, where each instance of the standard library's sorts adds
/// several kilobytes to the WebAssembly build.
pub fn heapsort<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let less = |v: &[T], a: usize, b: usize| match (v.get(a), v.get(b)) {
        (Some(a), Some(b)) => less(a, b),
        _ => false,
    };
    // Moves the item at `root` down the heap `v[..end]`.
    let sift_down = |v: &mut [T], mut root: usize, end: usize| loop {
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

    /// Values are stored only once one is not 0 (most indexes map each
    /// name to its own position, the first to 0): any order of zero and
    /// other values reads back as inserted, the first key's too.
    #[test]
    fn values_read_back_whatever_the_order_of_zeros() {
        for values in [[7, 0, 0, 9], [0, 0, 5, 0], [0, 1, 2, 3], [0; 4]] {
            let mut index = NameIndex::new();
            for (i, v) in values.iter().enumerate() {
                assert!(index.insert(&format!("k{i}"), *v));
            }
            assert!(!index.insert("k0", 1), "present already");
            for (i, v) in values.iter().enumerate() {
                assert_eq!(index.get(&format!("k{i}")), Some(*v), "{values:?}");
            }
        }
    }

    /// An index made with room for its keys is filled without growing.
    #[test]
    fn an_index_with_capacity_does_not_grow_while_filled() {
        for keys in [1, 7, 8, 100, 1000] {
            let mut index = NameIndex::with_capacity(keys, keys * 5);
            let slots = index.table.len();
            assert!(slots >= 2 * (keys + 1), "{keys}: {slots} slots");
            for i in 0..keys {
                assert!(index.insert(&format!("n{i:04}"), i as u32));
            }
            assert_eq!(index.table.len(), slots, "{keys}");
        }
        assert!(NameIndex::with_capacity(0, 0).table.is_empty());
    }

    /// Names chosen so that their first slots in the final table all fall
    /// in its first eighth (one candidate in eight does) are found in a few
    /// looks each, not in a run as long as their number.
    #[test]
    fn names_whose_first_slots_are_near_each_other() {
        let count = 20_000;
        let size = (count + 1usize).next_power_of_two() * 2;
        let names: Vec<String> = (0..)
            .map(|i| format!("f{i:07}"))
            .filter(|n| (name_hash(n.as_bytes(), 0) as usize & (size - 1)) < size / 8)
            .take(count)
            .collect();
        let mut index = NameIndex::new();
        index.seed = 0;
        for (i, n) in names.iter().enumerate() {
            assert!(index.insert(n, i as u32));
        }
        assert_eq!(index.table.len(), size);
        let mut looks = 0;
        for (i, n) in names.iter().enumerate() {
            assert_eq!(index.get(n), Some(i as u32));
            let mask = size - 1;
            let (mut at, stride) = start(n.as_bytes(), mask, 0);
            while index.table[at] != i as u32 + 1 {
                at = (at + stride) & mask;
                looks += 1;
            }
        }
        // Each looked at the next slot: 2 500 per name on average; then
        // 1, 2, 3 … slots further: 82.
        assert!(looks / count < 4, "{} looks per name", looks / count);
    }

    /// Keys of 12 printable bytes per block, in pairs with the same hash under
    /// `seed` (found by matching the high halves of the state after two
    /// words, then choosing the third words to cancel the low halves):
    /// every choice of one key of each pair gives the same hash, 2^blocks
    /// keys in all, as a snapshot could write them for an unkeyed hash.
    fn colliding(seed: u64, blocks: usize) -> Vec<String> {
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let mix = |h: u64, w: u64| {
            let p = (h ^ w).wrapping_mul(K);
            p ^ (p >> 32)
        };
        let ascii = |b: u8| (b' '..=b'~').contains(&b);
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let len = (blocks * 12) as u64;
        let mut h = mix(seed, len);
        let mut pairs: Vec<([u8; 12], [u8; 12])> = Vec::new();
        while pairs.len() < blocks {
            let mut seen: std::collections::HashMap<u64, ([u8; 8], u64)> =
                std::collections::HashMap::new();
            loop {
                let mut w = [0u8; 8];
                for b in &mut w {
                    *b = b'a' + (next() % 26) as u8;
                }
                let lo = u64::from(u32::from_le_bytes(w[..4].try_into().unwrap()));
                let hi = u64::from(u32::from_le_bytes(w[4..].try_into().unwrap()));
                let state = mix(mix(h, lo), hi);
                if let Some(&(w0, state0)) = seen.get(&(state >> 32)) {
                    let d = ((state0 ^ state) as u32).to_le_bytes();
                    // Third words a and b with a ^ b = d, both letters.
                    let third: Option<Vec<(u8, u8)>> = d
                        .iter()
                        .map(|&d| (b' '..=b'~').find(|&c| ascii(c ^ d)).map(|c| (c, c ^ d)))
                        .collect();
                    if let (Some(third), true) = (third, w0 != w) {
                        let (mut x, mut y) = ([0u8; 12], [0u8; 12]);
                        x[..8].copy_from_slice(&w0);
                        y[..8].copy_from_slice(&w);
                        for (i, (a, b)) in third.into_iter().enumerate() {
                            x[8 + i] = a;
                            y[8 + i] = b;
                        }
                        let (a, b) = (&x[8..], &y[8..]);
                        let ha = mix(state0, u64::from(u32::from_le_bytes(a.try_into().unwrap())));
                        let hb = mix(state, u64::from(u32::from_le_bytes(b.try_into().unwrap())));
                        assert_eq!(ha, hb);
                        h = ha;
                        pairs.push((x, y));
                        break;
                    }
                }
                seen.insert(state >> 32, (w, state));
            }
        }
        (0..1usize << blocks)
            .map(|choice| {
                let mut key = Vec::new();
                for (i, (x, y)) in pairs.iter().enumerate() {
                    key.extend_from_slice(if choice >> i & 1 == 1 { y } else { x });
                }
                String::from_utf8(key).unwrap()
            })
            .collect()
    }

    /// Keys that all collide under one key of the hash do not under
    /// another: a snapshot cannot choose them without knowing the key,
    /// which each process draws (or its host gives).
    #[test]
    fn colliding_keys_are_colliding_under_one_seed_only() {
        let keys = colliding(0, 6);
        assert_eq!(keys.len(), 64);
        let hashes = |seed: u64| {
            let mut h: Vec<u64> = keys.iter().map(|k| name_hash(k.as_bytes(), seed)).collect();
            h.sort_unstable();
            h.dedup();
            h.len()
        };
        assert_eq!(
            hashes(0),
            1,
            "all 64 share one hash under the seed they were made for"
        );
        assert_eq!(hashes(0x9E37_79B9_7F4A_7C15), 64);
        // An index made now has a drawn key: they are found in a few looks.
        let mut index = NameIndex::new();
        assert_ne!(index.seed, 0);
        for (i, k) in keys.iter().enumerate() {
            assert!(index.insert(k, i as u32));
        }
        let mask = index.table.len() - 1;
        let mut looks = 0;
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(index.get(k), Some(i as u32));
            let (mut at, stride) = start(k.as_bytes(), mask, index.seed);
            while index.table[at] != i as u32 + 1 {
                at = (at + stride) & mask;
                looks += 1;
            }
        }
        assert!(
            looks < 4 * keys.len(),
            "{looks} looks for {} keys",
            keys.len()
        );
        // A key set later changes no index already made, and keys the
        // next one (as the WebAssembly entry's key from the host does).
        set_seed(index.seed ^ 1);
        assert!(keys.iter().all(|k| index.contains(k)));
        assert_eq!(NameIndex::new().seed, index.seed ^ 1);
        set_seed(0);
    }

    #[test]
    fn sort_pairs_sorts_as_the_standard_sort() {
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for n in [0usize, 1, 2, 3, 5, 16, 17, 100, 1000] {
            for range in [2u64, 10, 1 << 32] {
                let mut v: Vec<(u32, u32)> = (0..n)
                    .map(|_| ((next() % range) as u32, (next() % range) as u32))
                    .collect();
                let mut want = v.clone();
                want.sort_unstable();
                sort_pairs(&mut v);
                assert_eq!(v, want, "{n} {range}");
            }
        }
    }

    #[test]
    fn positions_short_and_long() {
        let mut names: Vec<String> = Vec::new();
        let mut at = Positions::default();
        for i in 0..100 {
            // Every name twice: the first position is the one found.
            for _ in 0..2 {
                names.push(format!("n{i}"));
                let key = |j: usize| names.get(j).map(String::as_str);
                at.update(names.len(), &key);
                assert_eq!(at.find(names.len(), &key, &format!("n{i}")), Some(2 * i));
                assert_eq!(at.find(names.len(), &key, "n100"), None);
            }
        }
        let key = |j: usize| names.get(j).map(String::as_str);
        for i in 0..100 {
            assert_eq!(at.find(names.len(), &key, &format!("n{i}")), Some(2 * i));
        }
    }

    #[test]
    fn insert_and_get() {
        let mut ix = NameIndex::new();
        assert_eq!(ix.get("a"), None);
        for i in 0..1000u32 {
            assert!(ix.insert(&format!("k{i}"), i * 2));
        }
        assert!(!ix.insert("k5", 0), "the first value stays");
        for i in 0..1000u32 {
            assert_eq!(ix.get(&format!("k{i}")), Some(i * 2));
        }
        assert_eq!(ix.get("k1000"), None);
        assert_eq!(ix.key(7), Some("k7"));
        assert_eq!(ix.key(1000), None);
    }

    /// Names that differ in one byte anywhere, or only in length, probe from
    /// different places: few share a start in a table of 4 096.
    #[test]
    fn names_spread_over_the_table() {
        let mut keys: Vec<String> = (0..1000).map(|i| format!("f{i:04}")).collect();
        keys.extend((0..1000).map(|i| format!("{i}-PaymentProcessor")));
        keys.extend((0..1000).map(|i| format!("Checkout{i}")));
        keys.extend((0..32).map(|n| "a".repeat(n)));
        keys.extend((0..32).map(|n| "\0".repeat(n)));
        let mut starts: Vec<usize> = keys
            .iter()
            .map(|k| start(k.as_bytes(), 4095, 0).0)
            .collect();
        starts.sort_unstable();
        starts.dedup();
        // Thrown at random, 3 064 keys fill ~2 157 of 4 096 slots (σ ≈ 20).
        assert!(starts.len() > 2_050, "{} distinct starts", starts.len());
    }
}
