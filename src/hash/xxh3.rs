//! XXH3-64 with a seed: the hash SPEC section 3 is built on.
//!
//! Written for this crate rather than taken from a general xxHash crate for
//! one reason: WebAssembly has no 64×64→128-bit multiply, and a general
//! implementation's `u128` product becomes a call to the compiler's
//! `__multi3`, which passes its result through memory. Every unit of 9
//! bytes or more needs that product at least once. Here it is four 32-bit
//! products on `wasm32` ([`fold_limbs`]) and the native 128-bit product
//! elsewhere. Only what the bucketing needs is here: the 64-bit hash, the
//! default secret, any seed, any length.
//!
//! Every length class (0, 1–3, 4–8, 9–16, 17–128, 129–240, over 240, with
//! whole and partial 1 KiB blocks) is checked against the `xxhash-rust`
//! crate in the tests below and in the fuzz target `values`; the shared
//! vectors check it against the reference implementation.

/// The default secret of XXH3 (192 bytes).
const SECRET: [u8; 192] = [
    0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
    0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
    0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
    0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
    0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
    0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
    0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
    0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
    0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
    0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
    0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
    0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
];

const P32_1: u64 = 0x9E37_79B1;
const P32_2: u64 = 0x85EB_CA77;
const P32_3: u64 = 0xC2B2_AE3D;
const P64_1: u64 = 0x9E37_79B1_85EB_CA87;
const P64_2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P64_3: u64 = 0x1656_67B1_9E37_79F9;
const P64_4: u64 = 0x85EB_CA77_C2B2_AE63;
const P64_5: u64 = 0x27D4_EB2F_1656_67C5;
const MX1: u64 = 0x1656_6791_9E37_79F9;
const MX2: u64 = 0x9FB2_1C65_1E98_DF25;

/// The secret's little-endian word at byte `at`, read when compiling.
#[allow(clippy::indexing_slicing)] // const context only: out of range fails the build
const fn word(at: usize) -> u64 {
    let s = &SECRET;
    u64::from_le_bytes([
        s[at],
        s[at + 1],
        s[at + 2],
        s[at + 3],
        s[at + 4],
        s[at + 5],
        s[at + 6],
        s[at + 7],
    ])
}

/// The secret's words the inputs of up to 16 bytes are keyed with.
const KEY_0: u64 = word(56) ^ word(64);
const KEY_1_3: u64 = ((word(0) as u32) ^ ((word(0) >> 32) as u32)) as u64;
const KEY_4_8: u64 = word(8) ^ word(16);
const KEY_9_16: [u64; 2] = [word(24) ^ word(32), word(40) ^ word(48)];

/// The secret as 16-byte pairs of words, for inputs of 17 to 128 bytes.
const PAIRS: [[u64; 2]; 12] = pairs();

#[allow(clippy::indexing_slicing)] // const context only: out of range fails the build
const fn pairs() -> [[u64; 2]; 12] {
    let mut out = [[0; 2]; 12];
    let mut i = 0;
    while i < 12 {
        out[i] = [word(16 * i), word(16 * i + 8)];
        i += 1;
    }
    out
}

/// XXH3-64 of `input` with `seed` (seed 0 is the unseeded hash).
#[must_use]
pub fn xxh3_64(input: &[u8], seed: u64) -> u64 {
    let len = input.len();
    if len <= 16 {
        up_to_16(input, seed)
    } else if len <= 128 {
        up_to_128(input, seed)
    } else if len <= 240 {
        up_to_240(input, seed)
    } else {
        long(input, seed)
    }
}

/// The 128-bit product of `a` and `b`, its halves xored.
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        fold_limbs(a, b)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let p = u128::from(a) * u128::from(b);
        (p as u64) ^ ((p >> 64) as u64)
    }
}

/// [`fold`] from four 32×32→64-bit products, for targets without a wide
/// multiply. No sum overflows: each is at most (2³²−1)² + 2·(2³²−1).
#[inline(always)]
#[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
fn fold_limbs(a: u64, b: u64) -> u64 {
    // Unless hidden, LLVM recognises the pattern and turns it back into a
    // 128-bit multiply, that is, into the call this function exists to avoid.
    let (al, ah) = (a & 0xFFFF_FFFF, core::hint::black_box(a >> 32));
    let (bl, bh) = (b & 0xFFFF_FFFF, b >> 32);
    let ll = al * bl;
    let hl = ah * bl;
    let lh = al * bh;
    let hh = ah * bh;
    let cross = (ll >> 32) + (hl & 0xFFFF_FFFF) + lh;
    let high = (hl >> 32) + (cross >> 32) + hh;
    let low = (cross << 32) | (ll & 0xFFFF_FFFF);
    low ^ high
}

#[inline(always)]
fn avalanche(mut h: u64) -> u64 {
    h ^= h >> 37;
    h = h.wrapping_mul(MX1);
    h ^ (h >> 32)
}

#[inline(always)]
fn avalanche_xxh64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(P64_2);
    h ^= h >> 29;
    h = h.wrapping_mul(P64_3);
    h ^ (h >> 32)
}

#[inline(always)]
fn rrmxmx(mut h: u64, len: u64) -> u64 {
    h ^= h.rotate_left(49) ^ h.rotate_left(24);
    h = h.wrapping_mul(MX2);
    h ^= (h >> 35).wrapping_add(len);
    h = h.wrapping_mul(MX2);
    h ^ (h >> 28)
}

/// The 64-bit little-endian word at `at` in `b`, 0 past its end (never the
/// case for the offsets used here).
#[inline(always)]
fn read64(b: &[u8], at: usize) -> u64 {
    b.get(at..)
        .and_then(<[u8]>::first_chunk::<8>)
        .map_or(0, |w| u64::from_le_bytes(*w))
}

/// One 16-byte lane of input against two secret words.
#[inline(always)]
fn mix16(lane: &[u8], secret: [u64; 2], seed: u64) -> u64 {
    let lo = read64(lane, 0) ^ secret[0].wrapping_add(seed);
    let hi = read64(lane, 8) ^ secret[1].wrapping_sub(seed);
    fold(lo, hi)
}

#[inline(always)]
fn up_to_16(input: &[u8], seed: u64) -> u64 {
    let len = input.len() as u64;
    if let (Some(first), Some(last)) = (input.first_chunk::<8>(), input.last_chunk::<8>()) {
        if len > 8 {
            let lo = u64::from_le_bytes(*first) ^ KEY_9_16[0].wrapping_add(seed);
            let hi = u64::from_le_bytes(*last) ^ KEY_9_16[1].wrapping_sub(seed);
            let acc = len
                .wrapping_add(lo.swap_bytes())
                .wrapping_add(hi)
                .wrapping_add(fold(lo, hi));
            return avalanche(acc);
        }
    }
    if let (Some(first), Some(last)) = (input.first_chunk::<4>(), input.last_chunk::<4>()) {
        let seed = seed ^ (u64::from((seed as u32).swap_bytes()) << 32);
        let both =
            u64::from(u32::from_le_bytes(*last)) + (u64::from(u32::from_le_bytes(*first)) << 32);
        return rrmxmx(both ^ KEY_4_8.wrapping_sub(seed), len);
    }
    if let (Some(&c1), Some(&c2), Some(&c3)) =
        (input.first(), input.get(input.len() >> 1), input.last())
    {
        let combined =
            (u32::from(c1) << 16) | (u32::from(c2) << 24) | u32::from(c3) | ((len as u32) << 8);
        let flip = KEY_1_3.wrapping_add(seed);
        return avalanche_xxh64(u64::from(combined) ^ flip);
    }
    avalanche_xxh64(seed ^ KEY_0)
}

#[inline]
fn up_to_128(input: &[u8], seed: u64) -> u64 {
    let len = input.len();
    // Lane k from the front and lane k from the back, k < ⌈len / 32⌉, each
    // pair against the secret's next 32 bytes.
    let rounds = (len - 1) / 32 + 1;
    let mut acc = (len as u64).wrapping_mul(P64_1);
    let pairs = input
        .chunks_exact(16)
        .zip(input.rchunks_exact(16))
        .zip(PAIRS.chunks_exact(2));
    for ((front, back), secret) in pairs.take(rounds) {
        if let [s0, s1] = secret {
            acc = acc
                .wrapping_add(mix16(front, *s0, seed))
                .wrapping_add(mix16(back, *s1, seed));
        }
    }
    avalanche(acc)
}

#[inline(never)]
fn up_to_240(input: &[u8], seed: u64) -> u64 {
    let len = input.len();
    let secret = |at: usize| [read64(&SECRET, at), read64(&SECRET, at + 8)];
    let mut acc = (len as u64).wrapping_mul(P64_1);
    let mut lanes = input.chunks_exact(16);
    for (k, lane) in lanes.by_ref().take(8).enumerate() {
        acc = acc.wrapping_add(mix16(lane, secret(16 * k), seed));
    }
    acc = avalanche(acc);
    for (k, lane) in lanes.enumerate() {
        acc = acc.wrapping_add(mix16(lane, secret(16 * k + 3), seed));
    }
    let last = input.len().saturating_sub(16);
    acc = acc.wrapping_add(mix16(
        input.get(last..).unwrap_or_default(),
        secret(136 - 17),
        seed,
    ));
    avalanche(acc)
}

/// Inputs over 240 bytes: 64-byte stripes into eight accumulators, with the
/// secret (shifted by the seed) scrambling them after every 16 stripes.
#[inline(never)]
fn long(input: &[u8], seed: u64) -> u64 {
    let mut secret = SECRET;
    if seed != 0 {
        for (k, pair) in secret.chunks_exact_mut(16).enumerate() {
            let lo = read64(&SECRET, 16 * k).wrapping_add(seed);
            let hi = read64(&SECRET, 16 * k + 8).wrapping_sub(seed);
            let (a, b) = pair.split_at_mut(8);
            a.copy_from_slice(&lo.to_le_bytes());
            b.copy_from_slice(&hi.to_le_bytes());
        }
    }
    let mut acc = [P32_3, P64_1, P64_2, P64_3, P64_4, P32_2, P64_5, P32_1];
    let len = input.len();
    let stripes = (len - 1) / 64;
    for (n, stripe) in input.chunks_exact(64).take(stripes).enumerate() {
        accumulate(
            &mut acc,
            stripe,
            secret.get(8 * (n % 16)..).unwrap_or_default(),
        );
        if n % 16 == 15 {
            for (i, a) in acc.iter_mut().enumerate() {
                let x = *a ^ (*a >> 47) ^ read64(&secret, 128 + 8 * i);
                *a = x.wrapping_mul(P32_1);
            }
        }
    }
    let last = input.get(len.saturating_sub(64)..).unwrap_or_default();
    accumulate(
        &mut acc,
        last,
        secret.get(192 - 64 - 7..).unwrap_or_default(),
    );
    let mut h = (len as u64).wrapping_mul(P64_1);
    for i in 0..4 {
        let (a, b) = (
            acc.get(2 * i).copied().unwrap_or(0),
            acc.get(2 * i + 1).copied().unwrap_or(0),
        );
        h = h.wrapping_add(fold(
            a ^ read64(&secret, 11 + 16 * i),
            b ^ read64(&secret, 11 + 16 * i + 8),
        ));
    }
    avalanche(h)
}

/// One 64-byte stripe into the accumulators.
#[inline(always)]
fn accumulate(acc: &mut [u64; 8], stripe: &[u8], secret: &[u8]) {
    for i in 0..8 {
        let value = read64(stripe, 8 * i);
        let key = value ^ read64(secret, 8 * i);
        if let Some(a) = acc.get_mut(i ^ 1) {
            *a = a.wrapping_add(value);
        }
        if let Some(a) = acc.get_mut(i) {
            *a = a.wrapping_add((key & 0xFFFF_FFFF).wrapping_mul(key >> 32));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// A deterministic byte stream: the reference hash of a counter.
    fn bytes(n: usize, seed: u64) -> Vec<u8> {
        (0..n as u64)
            .map(|i| (xxhash_rust::xxh3::xxh3_64_with_seed(&i.to_le_bytes(), seed) >> 24) as u8)
            .collect()
    }

    #[test]
    fn every_length_class_matches_xxhash_rust() {
        let data = bytes(4200, 7);
        for seed in [
            0,
            1,
            0x8000_0000_0000_0000,
            u64::MAX,
            0x1234_5678_9ABC_DEF0,
            42,
        ] {
            for len in 0..=data.len() {
                let input = &data[..len];
                assert_eq!(
                    xxh3_64(input, seed),
                    xxhash_rust::xxh3::xxh3_64_with_seed(input, seed),
                    "length {len}, seed {seed:#x}"
                );
            }
        }
    }

    #[test]
    fn limbs_match_the_wide_product() {
        let words: Vec<u64> = bytes(8 * 4000, 3)
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .chain([
                0,
                1,
                u64::MAX,
                u64::MAX - 1,
                1 << 32,
                (1 << 32) - 1,
                1 << 63,
            ])
            .collect();
        for pair in words.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let p = u128::from(a) * u128::from(b);
            assert_eq!(
                fold_limbs(a, b),
                (p as u64) ^ ((p >> 64) as u64),
                "{a:#x} × {b:#x}"
            );
        }
        for a in [0, 1, u64::MAX, (1 << 32) - 1] {
            for b in [0, 1, u64::MAX, (1 << 32) - 1] {
                let p = u128::from(a) * u128::from(b);
                assert_eq!(fold_limbs(a, b), (p as u64) ^ ((p >> 64) as u64));
            }
        }
    }
}
