//! IPv4 and IPv6 addresses and CIDR blocks, for `cidr` conditions.
//!
//! Addresses are read by hand (no allocation, no `core::fmt`):
//! - IPv4: a dotted quad, exactly four decimal parts 0–255, without leading
//!   zeros except `0` itself (`01.2.3.4` is refused, as it is ambiguous:
//!   some readers take it as octal);
//! - IPv6: RFC 4291 §2.2 text: eight groups of 1–4 hex digits (either
//!   case), `::` once for one or more zero groups, and an IPv4 dotted quad
//!   in place of the last two groups. No zone (`%eth0`), no brackets, no
//!   spaces.
//!
//! An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, `::ffff:a00:1`) is read
//! as the IPv4 address it carries, because dual-stack servers report IPv4
//! clients that way; it then matches IPv4 blocks.

/// An IP address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ip {
    /// An IPv4 address (including one written IPv4-mapped in IPv6 form).
    V4(u32),
    /// Any other IPv6 address.
    V6(u128),
}

/// A decimal part of a dotted quad: 0–255, no leading zero.
fn octet(part: &[u8]) -> Option<u32> {
    match part {
        [] | [b'0', _, ..] => None,
        _ if part.len() > 3 => None,
        _ => {
            let n = part.iter().try_fold(0u32, |n, &b| {
                let d = char::from(b).to_digit(10)?;
                n.checked_mul(10)?.checked_add(d)
            })?;
            (n <= 255).then_some(n)
        }
    }
}

/// A dotted-quad IPv4 address.
fn parse_v4(s: &[u8]) -> Option<u32> {
    let mut parts = s.split(|b| *b == b'.');
    let mut v: u32 = 0;
    for _ in 0..4 {
        v = v.checked_mul(256)?.checked_add(octet(parts.next()?)?)?;
    }
    parts.next().is_none().then_some(v)
}

/// One IPv6 group: 1–4 hex digits.
fn group(piece: &str) -> Option<u128> {
    if piece.is_empty() || piece.len() > 4 {
        return None;
    }
    piece.bytes().try_fold(0u128, |n, b| {
        let d = char::from(b).to_digit(16)?;
        n.checked_mul(16)?.checked_add(u128::from(d))
    })
}

/// The groups on one side of a `::` (or of a whole uncompressed address):
/// their value and how many 16-bit groups they make. `last`: this text
/// ends the address, so its final piece may be a dotted quad.
fn groups(s: &str, last: bool) -> Option<(u128, u32)> {
    let mut value: u128 = 0;
    let mut count: u32 = 0;
    if s.is_empty() {
        return Some((value, count));
    }
    let mut pieces = s.split(':').peekable();
    while let Some(piece) = pieces.next() {
        if last && pieces.peek().is_none() && piece.contains('.') {
            let v4 = parse_v4(piece.as_bytes())?;
            value = value
                .checked_mul(0x1_0000_0000)?
                .checked_add(u128::from(v4))?;
            count = count.checked_add(2)?;
        } else {
            value = value.checked_mul(0x1_0000)?.checked_add(group(piece)?)?;
            count = count.checked_add(1)?;
        }
        if count > 8 {
            return None;
        }
    }
    Some((value, count))
}

/// An IPv6 address in RFC 4291 text form, as a number.
fn parse_v6(s: &str) -> Option<u128> {
    // The first "::", found without the standard library's substring
    // searcher (which would bring its panic formatting into the wasm).
    let double = s.as_bytes().windows(2).position(|w| w == b"::");
    match double.and_then(|i| Some((s.get(..i)?, s.get(i.checked_add(2)?..)?))) {
        None => {
            let (value, count) = groups(s, true)?;
            (count == 8).then_some(value)
        }
        Some((head, tail)) => {
            let (high, high_count) = groups(head, false)?;
            let (low, low_count) = groups(tail, true)?;
            // `::` stands for at least one zero group.
            if high_count.checked_add(low_count)? > 7 {
                return None;
            }
            let shift = 8u32.checked_sub(high_count)?.checked_mul(16)?;
            Some(high.checked_shl(shift).unwrap_or(0) | low)
        }
    }
}

/// Whether a 128-bit address is in `::ffff:0:0/96`, IPv4-mapped.
fn is_mapped(v6: u128) -> bool {
    v6 & !0xffff_ffff_u128 == 0xffff_0000_0000
}

/// The IPv4 address in the low 32 bits.
fn low32(v6: u128) -> u32 {
    u32::try_from(v6 & 0xffff_ffff).unwrap_or(0)
}

/// Parses an IP address: a dotted quad, or IPv6 text (no zone, no
/// brackets), per the module documentation. An IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`, `::ffff:0a0b:0c0d`) gives [`Ip::V4`], so that IPv4
/// clients reported by dual-stack servers match IPv4 blocks. `None` if `s`
/// is not an address. Does not allocate.
#[must_use]
#[inline]
pub fn parse_ip(s: &str) -> Option<Ip> {
    if s.contains(':') {
        let v6 = parse_v6(s)?;
        Some(if is_mapped(v6) {
            Ip::V4(low32(v6))
        } else {
            Ip::V6(v6)
        })
    } else {
        parse_v4(s.as_bytes()).map(Ip::V4)
    }
}

/// The network mask of an IPv4 prefix length (at most 32).
fn mask_v4(prefix: u32) -> u32 {
    u32::MAX
        .checked_shl(32u32.saturating_sub(prefix))
        .unwrap_or(0)
}

/// The network mask of an IPv6 prefix length (at most 128).
fn mask_v6(prefix: u32) -> u128 {
    u128::MAX
        .checked_shl(128u32.saturating_sub(prefix))
        .unwrap_or(0)
}

/// A prefix length: decimal, no leading zero, at most `max`.
fn prefix_len(s: &str, max: u32) -> Option<u32> {
    match s.as_bytes() {
        [] | [b'0', _, ..] => None,
        _ if s.len() > 3 => None,
        bytes => {
            let n = bytes.iter().try_fold(0u32, |n, &b| {
                n.checked_mul(10)?.checked_add(char::from(b).to_digit(10)?)
            })?;
            (n <= max).then_some(n)
        }
    }
}

/// The network and mask of a block, per family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    V4 { network: u32, mask: u32 },
    V6 { network: u128, mask: u128 },
}

/// A CIDR block such as `10.0.0.0/8` or `2001:db8::/32`, parsed once when
/// a snapshot is loaded.
///
/// IPv6 blocks inside `::ffff:0:0/96` (prefix 96 or longer) are IPv4
/// blocks written IPv4-mapped and become those IPv4 blocks:
/// `::ffff:10.0.0.0/104` is `10.0.0.0/8`, `::ffff:0:0/96` is `0.0.0.0/0`.
/// Any other IPv6 block, including wider ones that cover the mapped range
/// (`::/0`, `::ffff:0:0/95`), stays an IPv6 block and contains no IPv4
/// address, whether it arrived as IPv4 or IPv4-mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr(Block);

impl Cidr {
    /// Parses `address/prefix` (prefix 0–32 for IPv4, 0–128 for IPv6, no
    /// leading zeros), or a bare address as a one-address block. Host bits
    /// set below the prefix are accepted and ignored (`10.1.2.3/8` is
    /// `10.0.0.0/8`). `None` if `s` is not a block.
    #[must_use]
    pub fn parse(s: &str) -> Option<Cidr> {
        let (address, prefix) = match s.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (s, None),
        };
        let block = if address.contains(':') {
            let prefix = match prefix {
                Some(p) => prefix_len(p, 128)?,
                None => 128,
            };
            let mask = mask_v6(prefix);
            let network = parse_v6(address)? & mask;
            match prefix.checked_sub(96) {
                Some(v4_prefix) if is_mapped(network) => {
                    let mask = mask_v4(v4_prefix);
                    Block::V4 {
                        network: low32(network) & mask,
                        mask,
                    }
                }
                _ => Block::V6 { network, mask },
            }
        } else {
            let prefix = match prefix {
                Some(p) => prefix_len(p, 32)?,
                None => 32,
            };
            let mask = mask_v4(prefix);
            Block::V4 {
                network: parse_v4(address.as_bytes())? & mask,
                mask,
            }
        };
        Some(Cidr(block))
    }

    /// Whether `ip` is in this block. An IPv4 address is never in an IPv6
    /// block, nor the reverse (IPv4-mapped addresses and blocks count as
    /// IPv4, see [`parse_ip`] and [`Cidr`]).
    #[must_use]
    #[inline]
    pub fn contains(&self, ip: Ip) -> bool {
        match (self.0, ip) {
            (Block::V4 { network, mask }, Ip::V4(a)) => a & mask == network,
            (Block::V6 { network, mask }, Ip::V6(a)) => a & mask == network,
            _ => false,
        }
    }
}

/// For a block written as an IPv4-mapped address with a prefix under 96
/// (`::ffff:10.0.0.0/8`, most likely meant as `10.0.0.0/8` or
/// `::ffff:10.0.0.0/104`): its prefix. Such a block is an IPv6 block that
/// holds no IPv4 address (see [`Cidr`]).
#[must_use]
pub fn short_mapped_prefix(s: &str) -> Option<u32> {
    let (address, prefix) = s.split_once('/')?;
    let prefix = prefix_len(prefix, 128)?;
    (prefix < 96 && address.contains(':') && is_mapped(parse_v6(address)?)).then_some(prefix)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// Whether address `ip` is inside `block`.
    fn inside(block: &str, ip: &str) -> bool {
        let cidr = Cidr::parse(block).unwrap();
        cidr.contains(parse_ip(ip).unwrap())
    }

    #[test]
    fn ipv4_addresses() {
        assert_eq!(parse_ip("0.0.0.0"), Some(Ip::V4(0)));
        assert_eq!(parse_ip("10.0.0.1"), Some(Ip::V4(0x0a00_0001)));
        assert_eq!(parse_ip("255.255.255.255"), Some(Ip::V4(u32::MAX)));
        assert_eq!(parse_ip("192.168.100.200"), Some(Ip::V4(0xc0a8_64c8)));
    }

    #[test]
    fn ipv6_addresses() {
        assert_eq!(parse_ip("::"), Some(Ip::V6(0)));
        assert_eq!(parse_ip("::1"), Some(Ip::V6(1)));
        assert_eq!(parse_ip("1::"), Some(Ip::V6(1 << 112)));
        assert_eq!(
            parse_ip("2001:DB8::ff00:42:8329"),
            Some(Ip::V6(0x2001_0db8_0000_0000_0000_ff00_0042_8329))
        );
        assert_eq!(
            parse_ip("2001:0db8:0000:0000:0000:ff00:0042:8329"),
            parse_ip("2001:db8::ff00:42:8329")
        );
        assert_eq!(
            parse_ip("1:2:3:4:5:6:7::"),
            Some(Ip::V6(0x0001_0002_0003_0004_0005_0006_0007_0000))
        );
        assert_eq!(
            parse_ip("::2:3:4:5:6:7:8"),
            Some(Ip::V6(0x0000_0002_0003_0004_0005_0006_0007_0008))
        );
        assert_eq!(
            parse_ip("64:ff9b::192.0.2.33"),
            Some(Ip::V6(0x0064_ff9b_0000_0000_0000_0000_c000_0221))
        );
        assert_eq!(
            parse_ip("::1.2.3.4"),
            Some(Ip::V6(0x0102_0304)),
            "IPv4-compatible stays IPv6"
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4() {
        let v4 = Some(Ip::V4(0x0a00_0001));
        assert_eq!(parse_ip("::ffff:10.0.0.1"), v4);
        assert_eq!(parse_ip("::ffff:0a00:0001"), v4);
        assert_eq!(parse_ip("::FFFF:a00:1"), v4);
        assert_eq!(parse_ip("0:0:0:0:0:ffff:10.0.0.1"), v4);
        assert!(inside("10.0.0.0/8", "::ffff:10.0.0.1"));
        assert!(!inside("::/0", "::ffff:10.0.0.1"));
    }

    #[test]
    fn membership() {
        assert!(inside("10.0.0.0/8", "10.255.1.2"));
        assert!(!inside("10.0.0.0/8", "11.0.0.0"));
        assert!(inside("2001:db8::/32", "2001:db8:1::1"));
        assert!(inside(
            "2001:db8::/32",
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"
        ));
        assert!(!inside("2001:db8::/32", "2001:db9::1"));
        assert!(inside("::/0", "::1"));
        assert!(inside("::/0", "::"));
        assert!(inside("0.0.0.0/0", "1.2.3.4"));
        assert!(!inside("0.0.0.0/0", "::1"), "families differ");
        assert!(!inside("::/0", "1.2.3.4"), "families differ");
        assert!(inside("1.2.3.4/32", "1.2.3.4"));
        assert!(!inside("1.2.3.4/32", "1.2.3.5"));
        assert!(inside("::1/128", "::1"));
        assert!(!inside("::1/128", "::2"));
        assert!(inside("192.168.1.1", "192.168.1.1"), "a bare address");
        assert!(!inside("192.168.1.1", "192.168.1.2"));
        assert!(inside("::1", "::1"));
        assert!(inside("10.1.2.3/8", "10.9.9.9"), "host bits are masked off");
        assert!(inside("192.168.0.0/23", "192.168.1.255"));
        assert!(!inside("192.168.0.0/23", "192.168.2.0"));
    }

    #[test]
    fn ipv4_mapped_blocks_are_ipv4_blocks() {
        assert_eq!(
            Cidr::parse("::ffff:10.0.0.0/104"),
            Cidr::parse("10.0.0.0/8")
        );
        assert_eq!(Cidr::parse("::ffff:0:0/96"), Cidr::parse("0.0.0.0/0"));
        assert_eq!(Cidr::parse("::ffff:1.2.3.4"), Cidr::parse("1.2.3.4/32"));
        assert!(inside("::ffff:10.0.0.0/104", "10.3.4.5"));
        assert!(inside("::ffff:0:0/96", "8.8.8.8"));
        assert!(
            !inside("::ffff:0:0/95", "8.8.8.8"),
            "wider blocks stay IPv6"
        );
        assert!(inside("::ffff:0:0/95", "::fffe:0:1"));
    }

    #[test]
    fn bad_addresses() {
        for bad in [
            "",
            "1.2.3",
            "1.2.3.4.5",
            "256.0.0.1",
            "1.2.3.-1",
            "01.2.3.4",
            "1.2.3.04",
            "1..2.3",
            "1.2.3.4.",
            " 1.2.3.4",
            "1.2.3.4 ",
            "0x1.2.3.4",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4::5:6:7:8",
            ":::",
            ":",
            "1:::2",
            "1::2::3",
            ":1::",
            "::1:",
            "12345::",
            "g::",
            "fe80::1%eth0",
            "[::1]",
            "::1.2.3",
            "::256.0.0.1",
            "::01.2.3.4",
            "1.2.3.4::",
            "::1.2.3.4:5",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::ffff:1.2.3.4/32",
        ] {
            assert_eq!(parse_ip(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bad_blocks() {
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "/8",
            "10.0.0.0/08",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0.0/8/8",
            "10.0.0.0/ 8",
            "::/0000",
            "x/8",
            "1.2.3/8",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad:?}");
        }
    }

    /// An IPv4-mapped block with a prefix under 96 holds no IPv4 address,
    /// and is told apart (for the warning about it) with its prefix.
    #[test]
    fn mapped_blocks_with_a_short_prefix() {
        assert_eq!(short_mapped_prefix("::ffff:10.0.0.0/8"), Some(8));
        assert_eq!(short_mapped_prefix("::ffff:0:0/95"), Some(95));
        for other in [
            "::ffff:10.0.0.0/104",
            "::ffff:0:0/96",
            "::ffff:10.0.0.0",
            "10.0.0.0/8",
            "2001:db8::/32",
            "::/0",
            "::ffff:10.0.0.0/129",
        ] {
            assert_eq!(short_mapped_prefix(other), None, "{other}");
        }
        let block = Cidr::parse("::ffff:10.0.0.0/8").unwrap();
        assert!(!block.contains(parse_ip("10.0.0.1").unwrap()));
        assert!(!block.contains(parse_ip("::ffff:10.0.0.1").unwrap()));
    }

    /// The same answers as the standard library's parser, with the
    /// IPv4-mapped rule applied, on random text made of address characters.
    #[test]
    fn agrees_with_the_standard_library() {
        use std::net::IpAddr;
        fn std_ip(s: &str) -> Option<Ip> {
            match s.parse::<IpAddr>().ok()? {
                IpAddr::V4(a) => Some(Ip::V4(u32::from(a))),
                IpAddr::V6(a) => Some(match a.to_ipv4_mapped() {
                    Some(v4) => Ip::V4(u32::from(v4)),
                    None => Ip::V6(u128::from(a)),
                }),
            }
        }
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        let alphabet = b"0123456789abcdefABCDEF::::....";
        let mut valid = 0;
        for round in 0..300_000 {
            let s = if round % 2 == 0 {
                // Printed addresses, sometimes with one character changed.
                let text = if next() % 2 == 0 {
                    std::net::Ipv4Addr::from(next() as u32 >> (next() % 32)).to_string()
                } else {
                    let mut v = u128::from(next()) << 64 | u128::from(next());
                    v &= u128::MAX >> (next() % 129).min(127);
                    v <<= next() % 100;
                    if next() % 4 == 0 {
                        v = 0xffff_0000_0000 | (v & 0xffff_ffff);
                    }
                    std::net::Ipv6Addr::from(v).to_string()
                };
                let mut bytes = text.into_bytes();
                if next() % 2 == 0 {
                    let at = next() as usize % bytes.len();
                    bytes[at] = alphabet[next() as usize % alphabet.len()];
                }
                String::from_utf8(bytes).unwrap()
            } else {
                let len = next() as usize % 24;
                (0..len)
                    .map(|_| char::from(alphabet[next() as usize % alphabet.len()]))
                    .collect()
            };
            let ours = parse_ip(&s);
            assert_eq!(ours, std_ip(&s), "{s:?}");
            if let Some(ip) = ours {
                valid += 1;
                assert!(Cidr::parse(&s).unwrap().contains(ip), "{s:?}");
            }
        }
        assert!(valid > 100_000, "{valid}");
    }
}
