//! SemVer 2.0.0 versions and their precedence, for `version_*` conditions.
//!
//! `MAJOR.MINOR.PATCH`, optional `-pre.release` and `+build` (ignored for
//! precedence). Numeric identifiers have no leading zeros. One leading `v`
//! is accepted (`v2.3.0`), as versions are often written that way.

use core::cmp::Ordering;

/// A version parsed at load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    core: [Box<str>; 3],
    pre: Option<Box<str>>,
}

/// A version borrowed from text.
struct Parts<'a> {
    core: [&'a str; 3],
    pre: Option<&'a str>,
}

fn numeric(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

fn valid_numeric(id: &str) -> bool {
    numeric(id)
        && (id.len() == 1 || !id.starts_with('0'))
        && id.len() <= 20
        && id.parse::<u64>().is_ok()
}

fn valid_ident(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn parse_parts(s: &str) -> Option<Parts<'_>> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let (s, build) = match s.split_once('+') {
        Some((v, b)) => (v, Some(b)),
        None => (s, None),
    };
    if let Some(build) = build {
        if !build.split('.').all(valid_ident) {
            return None;
        }
    }
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    if let Some(pre) = pre {
        if !pre
            .split('.')
            .all(|id| valid_ident(id) && (!numeric(id) || id.len() == 1 || !id.starts_with('0')))
        {
            return None;
        }
    }
    let mut it = core.split('.');
    let core = [it.next()?, it.next()?, it.next()?];
    if it.next().is_some() || !core.iter().all(|id| valid_numeric(id)) {
        return None;
    }
    Some(Parts { core, pre })
}

/// Compares numeric identifiers of any length: by length, then digits.
fn cmp_numeric(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn cmp_ident(a: &str, b: &str) -> Ordering {
    match (numeric(a), numeric(b)) {
        (true, true) => cmp_numeric(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

fn cmp_parts(a: &Parts<'_>, b: &Parts<'_>) -> Ordering {
    for (x, y) in a.core.iter().zip(b.core.iter()) {
        let o = cmp_numeric(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    match (a.pre, b.pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            let (mut xs, mut ys) = (x.split('.'), y.split('.'));
            loop {
                match (xs.next(), ys.next()) {
                    (None, None) => return Ordering::Equal,
                    (None, Some(_)) => return Ordering::Less,
                    (Some(_), None) => return Ordering::Greater,
                    (Some(p), Some(q)) => {
                        let o = cmp_ident(p, q);
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                }
            }
        }
    }
}

impl Version {
    /// Parses a version; `None` if `s` is not one.
    #[must_use]
    pub fn parse(s: &str) -> Option<Version> {
        let p = parse_parts(s)?;
        Some(Version {
            core: p.core.map(Into::into),
            pre: p.pre.map(Into::into),
        })
    }

    /// The precedence of `value` relative to this version; `None` if `value`
    /// is not a version.
    #[must_use]
    pub fn cmp_text(&self, value: &str) -> Option<Ordering> {
        let v = parse_parts(value)?;
        let [a, b, c] = &self.core;
        let me = Parts {
            core: [a, b, c],
            pre: self.pre.as_deref(),
        };
        Some(cmp_parts(&v, &me))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lt(a: &str, b: &str) -> bool {
        Version::parse(b).unwrap().cmp_text(a) == Some(Ordering::Less)
    }

    #[test]
    fn the_semver_precedence_chain() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
            "10.0.0",
        ];
        for (i, a) in chain.iter().enumerate() {
            for b in chain.iter().skip(i + 1) {
                assert!(lt(a, b), "{a} < {b}");
                assert!(!lt(b, a), "not {b} < {a}");
            }
        }
    }

    #[test]
    fn build_metadata_is_ignored_and_v_is_accepted() {
        let v = Version::parse("1.0.0+a").unwrap();
        assert_eq!(v.cmp_text("1.0.0+b"), Some(Ordering::Equal));
        assert_eq!(v.cmp_text("v1.0.0"), Some(Ordering::Equal));
        assert_eq!(
            Version::parse("2.3.0")
                .unwrap()
                .cmp_text("9999999999999999999.0.0"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            Version::parse("1.0.0-99999999999999999999999")
                .unwrap()
                .cmp_text("1.0.0-100000000000000000000000"),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn bad_versions() {
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.3-01",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-a..b",
            "a.b.c",
            " 1.2.3",
            "1.2.3 ",
            "1.2.3-ü",
            "100000000000000000000.0.0",
        ] {
            assert!(Version::parse(bad).is_none(), "{bad:?}");
        }
        assert!(Version::parse("1.2.3-0.a-b.01a").is_some());
    }
}
