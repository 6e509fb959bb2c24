//! The value readers conditions use: decimals, SemVer versions, IP
//! addresses and CIDR blocks, RFC 3339 instants, with simple invariants.
#![no_main]

use core::cmp::Ordering;

use feats_edge::ops::{decimal::Decimal, instant::parse_rfc3339, ip, semver::Version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (a, b) = text.split_once('\0').unwrap_or((text, text));
    if let Some(d) = Decimal::parse(a) {
        assert_eq!(d.cmp_text(a), Some(Ordering::Equal), "a decimal equals itself: {a:?}");
        let _ = d.to_scaled_u64(2);
        if let (Some(x), Some(y)) = (d.cmp_text(b), Decimal::parse(b).and_then(|e| e.cmp_text(a))) {
            assert_eq!(x, y.reverse(), "comparison is antisymmetric: {a:?} {b:?}");
        }
    } else {
        let _ = Decimal::parse("1").and_then(|d| d.cmp_text(a));
    }
    if let Some(v) = Version::parse(a) {
        assert_eq!(v.cmp_text(a), Some(Ordering::Equal), "a version equals itself: {a:?}");
        if let (Some(x), Some(y)) = (v.cmp_text(b), Version::parse(b).and_then(|w| w.cmp_text(a))) {
            assert_eq!(x, y.reverse(), "precedence is antisymmetric: {a:?} {b:?}");
        }
    }
    if let Some(addr) = ip::parse_ip(a) {
        let host = ip::Cidr::parse(a).expect("an address is a one-address block");
        assert!(host.contains(addr));
    }
    if let Some(block) = ip::Cidr::parse(a) {
        let _ = ip::parse_ip(b).map(|x| block.contains(x));
    }
    if let Some(ms) = parse_rfc3339(a) {
        assert!((-62_167_305_600_000..=253_402_387_200_000).contains(&ms), "{a:?} → {ms}");
    }
});
