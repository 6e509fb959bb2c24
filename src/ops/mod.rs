//! Readers and comparators for the values conditions test: exact decimals,
//! SemVer versions, IP addresses and CIDR blocks, RFC 3339 instants, and
//! JavaScript's rendering of numbers.
//!
//! Load-time parsers may allocate; the functions that read a context value
//! during evaluation do not.

pub mod decimal;
pub mod instant;
pub mod ip;
pub mod jsnum;
pub mod semver;
