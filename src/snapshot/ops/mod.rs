//! Readers and comparators for the values conditions test: exact decimals,
//! SemVer versions, IP addresses and CIDR blocks, RFC 3339 instants,
//! JavaScript's rendering of numbers, and substring search (one pattern, or
//! many at once).
//!
//! Everything here runs inside WebAssembly with `panic = "abort"`, on text
//! that comes from contexts, so nothing may panic on any input: no
//! `unwrap`, no slice indexing, no arithmetic that can overflow (the lints
//! below hold every submodule to that). The parsers used when a snapshot is
//! loaded (`Decimal::parse`, `Version::parse`, `Cidr::parse`,
//! `parse_rfc3339`) may allocate; the functions that read a context value
//! during evaluation (`Decimal::cmp_text`, `Version::cmp_text`, `parse_ip`,
//! `Cidr::contains`) do not. None of the WebAssembly-side code uses
//! `core::fmt` or float parsing, which would bloat the binary; [`jsnum`]
//! does, and is used natively only.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

pub mod decimal;
pub mod instant;
pub mod ip;
pub mod jsnum;
pub mod patterns;
pub mod search;
pub mod semver;
