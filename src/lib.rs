//! # feats-edge
//!
//! Feature-flag and experiment evaluation. A **snapshot** (features,
//! segments, activations, rules) is compiled once into an [`Engine`]; each
//! evaluation picks one **implementation** of a feature for a **context**,
//! deterministically, without I/O.
//!
//! Where things live:
//! - [`json`]: the JSON reader and writer (line/column errors, limits);
//! - [`compile`]: the snapshot document checked and compiled, every problem with a JSON Pointer;
//! - [`model`]: the compiled form evaluation runs on;
//! - [`eval`]: the evaluator, total and panic-free;
//! - [`hash`]: the bucketing function shared with every runtime;
//! - [`ops`]: decimal, SemVer, IP and RFC 3339 readers used by conditions;
//! - [`context`]: contexts read from JSON natively;
//! - `wasm` (on `wasm32` only): the WebAssembly boundary used by the npm package.
//!
//! ```
//! use feats_edge::{Engine, context::{JsonContext, FixedEnv}, json};
//! let engine = Engine::load(r#"{"schema": 1, "segments": {"Country": {"from": {"user": "{country}"}}},
//!   "features": {"Checkout": {"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
//!     "rules": [{"when": {"segment": "Country", "in": ["CA"]}, "serve": "new"}]}}}"#).unwrap();
//! let ctx = json::parse(r#"{"user": {"country": "CA"}}"#, &json::Limits::default()).unwrap();
//! let ctx = JsonContext::new(&engine, &ctx);
//! let mut env = FixedEnv { now: 0, sticky: Default::default(), random: || 0 };
//! let result = engine.evaluate("Checkout", &ctx, &mut env);
//! assert_eq!(engine.implementation_name(0, result.implementation), Some("new"));
//! ```

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

pub mod compile;
pub mod context;
mod engine;
pub mod eval;
pub mod hash;
mod index;
pub mod json;
pub mod model;
pub mod names;
pub mod ops;
mod problem;
pub mod simulate;
pub mod text;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use engine::{sticky_key, Engine};
pub use eval::{ErrorCode, Evaluation, Reason};
pub use problem::{Problem, SnapshotError};
