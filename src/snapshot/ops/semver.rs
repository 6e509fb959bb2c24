//! SemVer 2.0.0 versions and their precedence, for the `version_gt`,
//! `version_gte`, `version_lt`, `version_lte` and `version_eq` conditions.
//!
//! A version is `MAJOR.MINOR.PATCH` (numbers without leading zeros that fit
//! in a `u64`), an optional `-pre.release` (dot-separated, non-empty
//! identifiers of `[0-9A-Za-z-]`, numeric ones without leading zeros) and
//! an optional `+build` (same characters, leading zeros allowed), which
//! precedence ignores. One leading `v` is also accepted (`v2.3.0` is
//! `2.3.0`), because versions are often written that way; `V` and spaces
//! are not.
//!
//! Precedence (SemVer 2.0.0 §11): major, minor and patch compare
//! numerically; a version with a pre-release is lower than the same
//! version without; pre-release identifiers compare one by one, numeric
//! ones numerically (any length), alphanumeric ones in ASCII order,
//! numeric below alphanumeric, and a longer list is higher when all the
//! shared identifiers are equal.

use crate::prelude::*;
use core::cmp::Ordering;

/// A version, parsed once when a snapshot is loaded and then compared with
/// context values by [`Version::cmp_text`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Major, minor and patch.
    core: [u64; 3],
    /// The pre-release identifiers as written, without the `-`; empty
    /// when there is none (a present pre-release is never empty).
    pre: Box<str>,
}

/// A version borrowed from its text.
struct Parts<'a> {
    core: [u64; 3],
    pre: &'a str,
}

/// Whether `id` is a non-empty run of `[0-9A-Za-z-]`.
fn is_identifier(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Whether `id` is a non-empty run of digits.
fn is_numeric(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a numeric identifier has a forbidden leading zero.
fn has_leading_zero(id: &str) -> bool {
    id.len() > 1 && id.starts_with('0')
}

/// A valid pre-release identifier.
fn is_pre_identifier(id: &str) -> bool {
    is_identifier(id) && !(is_numeric(id) && has_leading_zero(id))
}

/// A major, minor or patch number: digits, no leading zero, fits a `u64`.
fn number(id: &str) -> Option<u64> {
    if !is_numeric(id) || has_leading_zero(id) {
        return None;
    }
    id.bytes().try_fold(0u64, |n, b| {
        n.checked_mul(10)?
            .checked_add(u64::from(b.checked_sub(b'0')?))
    })
}

/// Reads a version per the module documentation, without allocating.
fn parse_parts(s: &str) -> Option<Parts<'_>> {
    let s = s.strip_prefix('v').unwrap_or(s);
    // `+` appears in no identifier, and `-` in no core number, so the first
    // `+` starts the build and the first `-` before it the pre-release.
    let s = match s.split_once('+') {
        Some((version, build)) => {
            if !build.split('.').all(is_identifier) {
                return None;
            }
            version
        }
        None => s,
    };
    let (core, pre) = match s.split_once('-') {
        Some((core, pre)) => {
            if !pre.split('.').all(is_pre_identifier) {
                return None;
            }
            (core, pre)
        }
        None => (s, ""),
    };
    let mut numbers = core.split('.');
    let major = number(numbers.next()?)?;
    let minor = number(numbers.next()?)?;
    let patch = number(numbers.next()?)?;
    if numbers.next().is_some() {
        return None;
    }
    Some(Parts {
        core: [major, minor, patch],
        pre,
    })
}

/// Compares two valid pre-release identifiers.
fn cmp_identifier(a: &str, b: &str) -> Ordering {
    match (is_numeric(a), is_numeric(b)) {
        // No leading zeros: the longer number is the larger one.
        (true, true) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.as_bytes().cmp(b.as_bytes()),
    }
}

/// Compares two pre-releases (empty: none).
fn cmp_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let (mut xs, mut ys) = (a.split('.'), b.split('.'));
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match cmp_identifier(x, y) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

impl Version {
    /// Parses a version (`1.2.3`, `v1.2.3`, `1.2.3-rc.1+build.5`); `None`
    /// if `s` is not one. See the module documentation for the rules.
    #[must_use]
    pub fn parse(s: &str) -> Option<Version> {
        let parts = parse_parts(s)?;
        Some(Version {
            core: parts.core,
            pre: parts.pre.into(),
        })
    }

    /// The precedence of `value` relative to this version: `Some(Less)`
    /// when `value` is lower. `None` when `value` is not a version by the
    /// same rules as [`Version::parse`]. Does not allocate.
    #[must_use]
    #[inline]
    pub fn cmp_text(&self, value: &str) -> Option<Ordering> {
        let value = parse_parts(value)?;
        Some(
            value
                .core
                .cmp(&self.core)
                .then_with(|| cmp_pre(value.pre, &self.pre)),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    /// The precedence of `value` relative to `version`.
    fn cmp(value: &str, version: &str) -> Option<Ordering> {
        Version::parse(version).unwrap().cmp_text(value)
    }

    #[test]
    fn the_semver_spec_precedence_chain() {
        // SemVer 2.0.0 §11, extended with core-number steps.
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
            "1.10.0",
            "2.0.0",
            "10.0.0",
        ];
        for (i, a) in chain.iter().enumerate() {
            for (j, b) in chain.iter().enumerate() {
                assert_eq!(cmp(a, b), Some(i.cmp(&j)), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn pre_release_details() {
        assert_eq!(cmp("1.0.0-2", "1.0.0-10"), Some(Less), "numeric, not text");
        assert_eq!(cmp("1.0.0-9", "1.0.0-a"), Some(Less), "numeric < alpha");
        assert_eq!(cmp("1.0.0-B", "1.0.0-a"), Some(Less), "ASCII order");
        assert_eq!(cmp("1.0.0-a-b", "1.0.0-a"), Some(Greater));
        assert_eq!(
            cmp("1.0.0-1a", "1.0.0-1"),
            Some(Greater),
            "1a is alphanumeric"
        );
        assert_eq!(cmp("1.0.0-rc.1", "1.0.0-rc.1"), Some(Equal));
        assert_eq!(cmp("1.0.0-0", "1.0.0"), Some(Less));
    }

    #[test]
    fn build_metadata_is_ignored() {
        assert_eq!(cmp("1.0.0+b", "1.0.0+a"), Some(Equal));
        assert_eq!(cmp("1.0.0", "1.0.0+a"), Some(Equal));
        assert_eq!(cmp("1.0.0-rc.1+001", "1.0.0-rc.1"), Some(Equal));
        assert_eq!(cmp("1.0.0+exp.sha.5114f85", "1.0.1"), Some(Less));
        assert_eq!(
            cmp("1.0.0+0.build-1.01", "1.0.0"),
            Some(Equal),
            "zeros allowed"
        );
    }

    #[test]
    fn one_leading_v_is_accepted() {
        assert_eq!(cmp("v2.3.0", "2.3.0"), Some(Equal));
        assert_eq!(cmp("2.3.0", "v2.3.0"), Some(Equal));
        assert_eq!(cmp("vv2.3.0", "2.3.0"), None);
        assert_eq!(cmp("V2.3.0", "2.3.0"), None);
    }

    #[test]
    fn huge_numbers() {
        let max = "18446744073709551615.0.0";
        assert_eq!(cmp(max, "2.3.0"), Some(Greater));
        assert_eq!(cmp("18446744073709551614.0.0", max), Some(Less));
        assert_eq!(cmp("18446744073709551616.0.0", "1.0.0"), None, "past u64");
        assert_eq!(
            cmp(
                "1.0.0-100000000000000000000000",
                "1.0.0-99999999999999999999999"
            ),
            Some(Greater),
            "pre-release numbers of any length"
        );
    }

    #[test]
    fn leading_zeros_are_refused() {
        for bad in ["01.2.3", "1.02.3", "1.2.03", "1.2.3-01", "1.2.3-rc.00"] {
            assert_eq!(Version::parse(bad), None, "{bad:?}");
        }
        for good in ["0.0.0", "1.2.3-0", "1.2.3-0a", "1.2.3-rc.0", "1.2.3+01"] {
            assert!(Version::parse(good).is_some(), "{good:?}");
        }
    }

    #[test]
    fn text_that_is_not_a_version() {
        for bad in [
            "",
            "v",
            "1",
            "1.2",
            "1.2.3.4",
            "1..3",
            "a.b.c",
            "2.x",
            " 1.2.3",
            "1.2.3 ",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-+b",
            "1.2.3-a..b",
            "1.2.3-a.",
            "1.2.3+a..b",
            "1.2.3+a+b",
            "1.2.3-ü",
            "1.2.3_4",
            "-1.2.3",
            "+1.2.3",
            "1.2.-3",
        ] {
            assert_eq!(Version::parse(bad), None, "{bad:?}");
            assert_eq!(cmp(bad, "1.0.0"), None, "{bad:?}");
        }
    }
}
