//! IPv4 and IPv6 addresses and CIDR blocks, for `cidr` conditions.
//!
//! An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is read as the IPv4
//! address it carries, because dual-stack servers report IPv4 clients that
//! way; it then matches IPv4 blocks.

use core::net::{Ipv4Addr, Ipv6Addr};

/// An address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ip {
    /// IPv4.
    V4(u32),
    /// IPv6.
    V6(u128),
}

/// Parses an address: a dotted quad, or IPv6 text (no zone, no brackets).
#[must_use]
pub fn parse_ip(s: &str) -> Option<Ip> {
    if s.contains(':') {
        let v6: Ipv6Addr = s.parse().ok()?;
        Some(match v6.to_ipv4_mapped() {
            Some(v4) => Ip::V4(u32::from(v4)),
            None => Ip::V6(u128::from(v6)),
        })
    } else {
        // core's parser refuses leading zeros and out-of-range parts.
        let v4: Ipv4Addr = s.parse().ok()?;
        Some(Ip::V4(u32::from(v4)))
    }
}

/// A CIDR block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: Ip,
    prefix: u8,
}

impl Cidr {
    /// Parses `address/prefix`, or a bare address as a one-address block.
    /// Host bits below the prefix are ignored.
    #[must_use]
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let mapped = addr.contains(':');
        let network = parse_ip(addr)?;
        let max: u8 = match network {
            Ip::V4(_) => 32,
            Ip::V6(_) => 128,
        };
        let prefix = match prefix {
            None => max,
            Some(p)
                if !p.is_empty()
                    && p.len() <= 3
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && (p == "0" || !p.starts_with('0')) =>
            {
                let n: u8 = p.parse().ok()?;
                // An IPv4-mapped block such as ::ffff:10.0.0.0/104 is an IPv4 block /8.
                match network {
                    Ip::V4(_) if mapped => n.checked_sub(96).filter(|_| n <= 128)?,
                    _ if n > max => return None,
                    _ => n,
                }
            }
            Some(_) => return None,
        };
        Some(Cidr {
            network: mask(network, prefix),
            prefix,
        })
    }

    /// Whether `ip` is in the block (families must match).
    #[must_use]
    pub fn contains(&self, ip: Ip) -> bool {
        mask(ip, self.prefix) == self.network
            && matches!(
                (ip, self.network),
                (Ip::V4(_), Ip::V4(_)) | (Ip::V6(_), Ip::V6(_))
            )
    }
}

fn mask(ip: Ip, prefix: u8) -> Ip {
    match ip {
        Ip::V4(a) => Ip::V4(
            a & u32::MAX
                .checked_shl(32 - u32::from(prefix.min(32)))
                .unwrap_or(0),
        ),
        Ip::V6(a) => Ip::V6(
            a & u128::MAX
                .checked_shl(128 - u32::from(prefix.min(128)))
                .unwrap_or(0),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(block: &str, ip: &str) -> bool {
        Cidr::parse(block).unwrap().contains(parse_ip(ip).unwrap())
    }

    #[test]
    fn membership() {
        assert!(inside("10.0.0.0/8", "10.255.1.2"));
        assert!(!inside("10.0.0.0/8", "11.0.0.0"));
        assert!(inside("2001:db8::/32", "2001:db8:1::1"));
        assert!(!inside("2001:db8::/32", "2001:db9::1"));
        assert!(inside("::/0", "::1"));
        assert!(inside("0.0.0.0/0", "1.2.3.4"));
        assert!(!inside("0.0.0.0/0", "::1"), "families differ");
        assert!(inside("1.2.3.4/32", "1.2.3.4"));
        assert!(!inside("1.2.3.4/32", "1.2.3.5"));
        assert!(inside("::1/128", "::1"));
        assert!(inside("10.1.2.3/8", "10.9.9.9"), "host bits are masked off");
        assert!(inside("10.0.0.0/8", "::ffff:10.0.0.1"), "IPv4-mapped");
        assert!(inside("10.0.0.0/8", "::ffff:0a00:0001"));
        assert!(inside("::ffff:10.0.0.0/104", "10.3.4.5"));
        assert!(inside("192.168.1.1", "192.168.1.1"));
    }

    #[test]
    fn bad_input() {
        for bad in [
            "1.2.3",
            "256.0.0.1",
            "01.2.3.4",
            "1:2:3:4:5:6:7:8:9",
            ":::",
            "fe80::1%eth0",
            "[::1]",
            "",
            "1.2.3.4 ",
        ] {
            assert!(parse_ip(bad).is_none(), "{bad:?}");
        }
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/08",
            "10.0.0.0/-1",
            "x/8",
            "::ffff:1.2.3.4/95",
        ] {
            assert!(Cidr::parse(bad).is_none(), "{bad:?}");
        }
    }
}
