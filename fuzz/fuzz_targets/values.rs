//! The bucketing hash against the `xxhash-rust` crate, on the raw bytes
//! (the first eight are the seed). The value readers conditions use: decimals, SemVer versions, IP
//! addresses and CIDR blocks, RFC 3339 instants; and the string matching
//! of `in` sets and `contains`, against the standard library's. The input is split at NUL
//! bytes into up to three texts `a`, `b`, `c`; every reader is run on each
//! (never a panic), and the invariants below are checked on what parses.
#![no_main]

use core::cmp::Ordering;

use feats_edge::model::StrSet;
use feats_edge::ops::{
    decimal::Decimal,
    instant::parse_rfc3339,
    ip::{parse_ip, Cidr, Ip},
    patterns, search,
    semver::Version,
};
use feats_edge::hash;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hashes(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(3, '\0');
    let a = parts.next().unwrap_or_default();
    let b = parts.next().unwrap_or(a);
    let c = parts.next().unwrap_or(b);
    decimals(a, b, c);
    versions(a, b);
    addresses(a, b);
    blocks(a, b);
    instants(a);
    strings(a, b, c);
});

fn hashes(data: &[u8]) {
    let seed = data.first_chunk::<8>().map_or(0, |s| u64::from_le_bytes(*s));
    for input in [data, data.get(8..).unwrap_or_default()] {
        for seed in [seed, 0] {
            assert_eq!(
                hash::xxh3_64(input, seed),
                xxhash_rust::xxh3::xxh3_64_with_seed(input, seed),
                "{} bytes, seed {seed:#x}",
                input.len()
            );
        }
    }
}

fn strings(a: &str, b: &str, c: &str) {
    for (hay, needle) in [(a, b), (b, a), (a, c), (c, b)] {
        assert_eq!(search::contains(hay.as_bytes(), needle.as_bytes()), hay.contains(needle), "{hay:?} {needle:?}");
    }
    // A set of the pieces of `a` (split at '|', up to 12: hashed past 8).
    let members: Vec<&str> = a.split('|').take(12).collect();
    let set = StrSet::new(&members);
    for probe in [a, b, c].into_iter().chain(members.iter().copied()) {
        assert_eq!(set.contains(probe), members.contains(&probe), "{probe:?} in {members:?}");
    }
    // The same pieces as `contains` patterns searched together, and as
    // `starts_with` and `ends_with` patterns.
    let many = patterns::Many::new(&members);
    let starts = patterns::Affixes::new(&members, false);
    let ends = patterns::Affixes::new(&members, true);
    for hay in [a, b, c] {
        assert_eq!(many.any_in(hay.as_bytes()), members.iter().any(|m| hay.contains(m)), "{members:?} in {hay:?}");
        assert_eq!(starts.any_of(hay.as_bytes()), members.iter().any(|m| hay.starts_with(m)), "{members:?} start {hay:?}");
        assert_eq!(ends.any_of(hay.as_bytes()), members.iter().any(|m| hay.ends_with(m)), "{members:?} end {hay:?}");
    }
}

fn decimals(a: &str, b: &str, c: &str) {
    let one = Decimal::parse("1").unwrap();
    for s in [a, b, c] {
        let _ = one.cmp_text(s); // never panics, whatever the text
    }
    let Some(d) = Decimal::parse(a) else {
        assert_eq!(one.cmp_text(a), None, "parse and cmp_text accept the same texts: {a:?}");
        return;
    };
    assert_eq!(d.cmp_text(a), Some(Ordering::Equal), "a decimal equals itself: {a:?}");
    // Antisymmetry and transitivity against b and c.
    let e = Decimal::parse(b);
    if let (Some(x), Some(e)) = (d.cmp_text(b), &e) {
        assert_eq!(e.cmp_text(a), Some(x.reverse()), "antisymmetric: {a:?} {b:?}");
        if let Some(y) = e.cmp_text(c) {
            // x: b vs a; y: c vs b.
            if x == y && x != Ordering::Equal {
                assert_eq!(d.cmp_text(c), Some(x), "transitive: {a:?} {b:?} {c:?}");
            }
        }
    }
    // Basis points, when exact, name the same number.
    if let Some(bp) = d.to_scaled_u64(2) {
        let back = format!("{bp}e-2");
        assert_eq!(d.cmp_text(&back), Some(Ordering::Equal), "{a:?} is {back}");
    }
    if let Some(n) = d.to_scaled_u64(0) {
        assert_eq!(d.cmp_text(&n.to_string()), Some(Ordering::Equal), "{a:?} is {n}");
    }
    // The negation of an unsigned decimal is below it, unless it is zero.
    if !a.starts_with(['-', '+']) {
        let neg = format!("-{a}");
        let zero = Decimal::parse("0").unwrap().cmp_text(a) == Some(Ordering::Equal);
        let want = if zero { Ordering::Equal } else { Ordering::Less };
        assert_eq!(d.cmp_text(&neg), Some(want), "-{a:?}");
    }
}

fn versions(a: &str, b: &str) {
    let base = Version::parse("1.0.0").unwrap();
    let _ = base.cmp_text(b);
    let Some(v) = Version::parse(a) else {
        assert_eq!(base.cmp_text(a), None, "parse and cmp_text accept the same texts: {a:?}");
        return;
    };
    assert_eq!(v.cmp_text(a), Some(Ordering::Equal), "a version equals itself: {a:?}");
    if let (Some(x), Some(w)) = (v.cmp_text(b), Version::parse(b)) {
        assert_eq!(w.cmp_text(a), Some(x.reverse()), "antisymmetric: {a:?} {b:?}");
    }
    if !a.contains('+') {
        // Build metadata never changes precedence.
        assert_eq!(v.cmp_text(&format!("{a}+fuzz.01")), Some(Ordering::Equal), "{a:?}+build");
        if !a.contains('-') {
            // A pre-release is below its release.
            assert_eq!(v.cmp_text(&format!("{a}-0")), Some(Ordering::Less), "{a:?}-0");
        }
    }
}

fn format_ip(ip: Ip) -> String {
    match ip {
        Ip::V4(x) => {
            let [p, q, r, s] = x.to_be_bytes();
            format!("{p}.{q}.{r}.{s}")
        }
        Ip::V6(x) => (0..8)
            .map(|i| format!("{:x}", (x >> (112 - 16 * i)) & 0xffff))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

fn addresses(a: &str, b: &str) {
    let _ = parse_ip(b);
    let Some(ip) = parse_ip(a) else { return };
    // Written back in full, it reads the same.
    let text = format_ip(ip);
    assert_eq!(parse_ip(&text), Some(ip), "{a:?} → {text}");
    // An address is a one-address block, containing itself and nothing next to it.
    let host = Cidr::parse(a).expect("an address is a one-address block");
    assert!(host.contains(ip), "{a:?}");
    let next = match ip {
        Ip::V4(x) => Ip::V4(x.wrapping_add(1)),
        Ip::V6(x) => Ip::V6(x.wrapping_add(1)),
    };
    assert!(!host.contains(next), "{a:?} does not contain the next address");
}

const MAPPED: u128 = 0xffff_0000_0000;

fn is_mapped(x: u128) -> bool {
    x & !0xffff_ffff_u128 == MAPPED
}

/// A block's network address and size, computed here from the text (not
/// with the library's own masks): a CIDR block contains its network
/// address and its last address, and neither neighbour outside.
fn blocks(a: &str, b: &str) {
    let _ = Cidr::parse(b);
    let Some(block) = Cidr::parse(a) else { return };
    let (address, prefix) = match a.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (a, None),
    };
    let written = parse_ip(address).expect("a block's address is an address");
    if address.contains(':') {
        let prefix: u32 = prefix.map_or(128, |p| p.parse().expect("a prefix is digits"));
        assert!(prefix <= 128, "{a:?}");
        let raw: u128 = match written {
            Ip::V6(x) => x,
            Ip::V4(x) => MAPPED | u128::from(x),
        };
        let mask: u128 = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
        let network = raw & mask;
        let last = network | !mask;
        if prefix >= 96 && is_mapped(network) {
            // An IPv4 block written IPv4-mapped.
            let (network, last) = ((network & 0xffff_ffff) as u32, (last & 0xffff_ffff) as u32);
            check_v4(a, &block, network, last);
        } else {
            assert!(!is_mapped(network), "{a:?}: an IPv6 block's network is not IPv4-mapped");
            assert!(block.contains(Ip::V6(network)), "{a:?} contains its network address");
            assert!(block.contains(Ip::V6(last)), "{a:?} contains its last address");
            if let Some(below) = network.checked_sub(1) {
                assert!(!block.contains(Ip::V6(below)), "{a:?}");
            }
            if let Some(above) = last.checked_add(1) {
                assert!(!block.contains(Ip::V6(above)), "{a:?}");
            }
            let text = format_ip(Ip::V6(network));
            assert!(block.contains(parse_ip(&text).unwrap()), "{a:?} contains {text}");
            // No IPv4 address is in an IPv6 block.
            assert!(!block.contains(Ip::V4(0)) && !block.contains(Ip::V4(u32::MAX)), "{a:?}");
        }
    } else {
        let prefix: u32 = prefix.map_or(32, |p| p.parse().expect("a prefix is digits"));
        assert!(prefix <= 32, "{a:?}");
        let Ip::V4(raw) = written else { panic!("{a:?}: a dotted quad is IPv4") };
        let mask: u32 = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
        check_v4(a, &block, raw & mask, (raw & mask) | !mask);
    }
}

fn check_v4(a: &str, block: &Cidr, network: u32, last: u32) {
    assert!(block.contains(Ip::V4(network)), "{a:?} contains its network address");
    assert!(block.contains(Ip::V4(last)), "{a:?} contains its last address");
    if let Some(below) = network.checked_sub(1) {
        assert!(!block.contains(Ip::V4(below)), "{a:?}");
    }
    if let Some(above) = last.checked_add(1) {
        assert!(!block.contains(Ip::V4(above)), "{a:?}");
    }
    let text = format_ip(Ip::V4(network));
    assert!(block.contains(parse_ip(&text).unwrap()), "{a:?} contains {text}");
    let mapped = format!("::ffff:{text}");
    assert!(block.contains(parse_ip(&mapped).unwrap()), "{a:?} contains {mapped}");
    assert!(!block.contains(Ip::V6(1)), "{a:?}: no IPv6 address is in an IPv4 block");
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's
/// `civil_from_days`).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn instants(a: &str) {
    let Some(ms) = parse_rfc3339(a) else { return };
    // Years 0000–9999 with offsets up to ±23:59.
    assert!((-62_167_305_600_000..=253_402_387_200_000).contains(&ms), "{a:?} → {ms}");
    // Written back in UTC with milliseconds, it reads the same.
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil(days);
    if (0..=9999).contains(&y) {
        let utc = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
            rest / 3_600_000,
            rest / 60_000 % 60,
            rest / 1000 % 60,
            rest % 1000
        );
        assert_eq!(parse_rfc3339(&utc), Some(ms), "{a:?} is {utc}");
    }
    // Lowercase separators mean the same (RFC 3339 §5.6).
    assert_eq!(parse_rfc3339(&a.to_ascii_lowercase()), Some(ms), "{a:?} in lowercase");
}
