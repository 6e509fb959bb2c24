//! [`NameIndex`]: a small open-addressing hash table from strings to `u32`,
//! used wherever loading needs a lookup by name.
//!
//! One concrete type instead of `BTreeMap`/`HashMap` instantiations keeps the
//! WebAssembly build small (each generic map costs kilobytes per key/value
//! pair) and needs no random seed.

use crate::prelude::*;

/// Where a key starts probing: a multiply-fold over 4-byte words.
///
/// Not the bucketing hash (XXH3): this one only has to spread names over
/// the table. It is kept small because a load calls it once per name (a
/// thousand times for a thousand features), and a WebAssembly engine
/// optimizes a function called that often in the background, on threads
/// that compete with the load (XXH3 here cost such a compile on every cold
/// load: README, Performance).
fn name_hash(key: &[u8]) -> usize {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |h: u64, word: u64| {
        let p = (h ^ word).wrapping_mul(K);
        p ^ (p >> 32)
    };
    let mut h = key.len() as u64;
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
    h as usize
}

/// Strings (owned) to `u32` values.
///
/// The keys are kept end to end in one string (one allocation for all of
/// them, not one each: a snapshot's features are indexed at load).
#[derive(Clone, Debug, Default)]
pub struct NameIndex {
    /// Every key, end to end, in insertion order.
    text: String,
    /// Where each key ends in `text`.
    ends: Vec<u32>,
    values: Vec<u32>,
    /// Slots hold `entry + 1`; 0 is empty. Length is a power of two.
    table: Vec<u32>,
}

impl NameIndex {
    /// An empty index.
    #[must_use]
    pub fn new() -> Self {
        NameIndex::default()
    }

    fn slot(&self, key: &str) -> (usize, Option<u32>) {
        let mask = self.table.len().wrapping_sub(1);
        let mut i = name_hash(key.as_bytes()) & mask;
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
            i = (i + 1) & mask;
        }
    }

    /// The value of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<u32> {
        if self.table.is_empty() {
            return None;
        }
        let (_, entry) = self.slot(key);
        entry.and_then(|e| self.values.get(e as usize).copied())
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
        self.text.push_str(key);
        self.ends.push(end);
        self.values.push(value);
        true
    }

    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(16);
        self.table = vec![0; size];
        let mask = size - 1;
        for n in 0..self.ends.len() {
            let key = self.key_bytes(n).unwrap_or_default();
            let mut i = name_hash(key) & mask;
            while self.table.get(i).is_some_and(|&s| s != 0) {
                i = (i + 1) & mask;
            }
            if let Some(s) = self.table.get_mut(i) {
                *s = u32::try_from(n + 1).unwrap_or(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            .map(|k| name_hash(k.as_bytes()) & 4095)
            .collect();
        starts.sort_unstable();
        starts.dedup();
        // Thrown at random, 3 064 keys fill ~2 157 of 4 096 slots (σ ≈ 20).
        assert!(starts.len() > 2_050, "{} distinct starts", starts.len());
    }
}
