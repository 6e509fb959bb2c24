//! Helpers for this crate's tests.

/// A deterministic xorshift64 stream from `seed` (not zero), for tests that
/// generate many inputs.
pub fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}
