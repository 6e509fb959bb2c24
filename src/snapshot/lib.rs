//! # feats-edge-snapshot
//!
//! A snapshot from its text to the model that evaluation runs on. This is
//! the part of feats-edge that runs once per snapshot; the evaluator, the
//! engine and the WebAssembly boundary (crate `feats-edge`) run per call.
//! They are two crates so that the WebAssembly build can compile this one
//! for size and the other for speed (`[profile.wasm.package]` in the
//! workspace's `Cargo.toml`). Whatever evaluation calls from here is marked
//! `#[inline]`, so that it is compiled into the evaluator's crate, for speed.
//! The bucketing hash, which both use, is a third crate (`src/hash/`,
//! re-exported here as [`hash`]), built for speed and linked once.
//!
//! - [`json`]: the JSON reader and writer (line/column errors, limits);
//! - [`changes`]: which features two snapshots may evaluate differently;
//! - [`compile`]: the snapshot document checked and compiled, every problem with a JSON Pointer;
//! - [`model`]: the compiled form evaluation runs on;
//! - [`hash`]: the bucketing function shared with every runtime;
//! - [`ops`]: decimal, SemVer, IP and RFC 3339 readers used by conditions;
//! - [`names`], [`text`], [`index`]: names, messages without `core::fmt`, a lookup table.

#![no_std]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

extern crate alloc;
#[cfg(test)]
#[macro_use]
extern crate std;
#[cfg(all(feature = "std", not(test)))]
extern crate std;

pub mod changes;
pub mod compile;
pub use feats_edge_hash as hash;
pub mod index;
pub mod json;
pub mod model;
pub mod names;
pub mod ops;
mod prelude;
mod problem;
#[cfg(test)]
mod testing;
pub mod text;

pub use problem::{Problem, SnapshotError};
