//! The bucketing hash (SPEC section 3).
//!
//! A unit (the value of a segment, such as a user id) is placed in one of
//! 10 000 buckets by XXH3-64 seeded with the XXH3-64 of the salt. Every
//! runtime computes the same bucket for the same salt and unit; the shared
//! vectors in `tests/vectors/buckets.json` pin that down.
//!
//! A crate of its own so that the WebAssembly build compiles it once, for
//! speed, for both the snapshot compiler (built for size, which seeds each
//! rule) and the evaluator (which hashes each unit).

#![no_std]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

#[cfg(test)]
extern crate std;

mod xxh3;

pub use xxh3::xxh3_64;

/// The number of buckets: one bucket is one basis point (0.01 %).
pub const BUCKETS: u32 = 10_000;

/// The seed a salt stands for. Computed once per rule when a snapshot loads.
#[must_use]
#[inline]
pub fn seed(salt: &str) -> u64 {
    xxh3_64(salt.as_bytes(), 0)
}

/// The bucket of `unit` under a seed made by [`seed`]: an integer in `[0, 10000)`.
#[must_use]
#[inline]
pub fn bucket_seeded(seed: u64, unit: &str) -> u32 {
    scale(xxh3_64(unit.as_bytes(), seed))
}

/// The bucket of `unit` under `salt`: an integer in `[0, 10000)`.
#[must_use]
pub fn bucket(salt: &str, unit: &str) -> u32 {
    bucket_seeded(seed(salt), unit)
}

/// Maps the high 32 bits of a 64-bit hash onto `[0, 10000)` without division.
#[must_use]
#[inline]
pub fn scale(h: u64) -> u32 {
    // (h >> 32) < 2^32, times 10 000 < 2^46: no overflow, and the result is < 10 000.
    (((h >> 32) * u64::from(BUCKETS)) >> 32) as u32
}

/// Maps a 32-bit random draw onto `[0, 10000)`, for `random` experiments.
#[must_use]
#[inline]
pub fn scale_random(r: u32) -> u32 {
    ((u64::from(r) * u64::from(BUCKETS)) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example() {
        assert_eq!(bucket("PaymentProcessor", "42"), 8632);
    }

    #[test]
    fn bounds() {
        assert_eq!(scale(0), 0);
        assert_eq!(scale(u64::MAX), BUCKETS - 1);
        assert_eq!(scale_random(u32::MAX), BUCKETS - 1);
        assert_eq!(scale_random(0), 0);
    }
}
