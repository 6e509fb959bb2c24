//! # feats-edge
//!
//! Feature-flag and experiment evaluation. A **snapshot** (features,
//! segments, activations, rules) is compiled once into an [`Engine`]; each
//! evaluation picks one **implementation** of a feature for a **context**,
//! deterministically, without I/O.
//!
//! Where things live:
//! - in this crate, what runs per evaluation:
//!   - [`eval`]: the evaluator, total and panic-free;
//!   - [`Engine`]: a loaded snapshot and the ways to evaluate it (one
//!     feature, or all of them: [`Engine::evaluate_all`]);
//!   - [`context`]: contexts read from JSON natively;
//!   - [`simulate`]: what a rule set does to a population;
//!   - [`changes`]: which features two snapshots may evaluate differently;
//!   - `lint` (with `std`): warnings about a snapshot that loads but likely misleads;
//!   - `wasm` (on `wasm32` only): the WebAssembly boundary used by the npm package;
//! - in `feats-edge-snapshot` (`src/snapshot/`, re-exported here), what runs
//!   once per snapshot, built for size in WebAssembly:
//!   - [`json`]: the JSON reader and writer (line/column errors, limits);
//!   - [`compile`]: the snapshot document checked and compiled, every problem with a JSON Pointer;
//!   - [`model`]: the compiled form evaluation runs on;
//!   - [`ops`]: decimal, SemVer, IP and RFC 3339 readers used by conditions;
//! - in `feats-edge-hash` (`src/hash/`, re-exported here), the bucketing
//!   function shared with every runtime: [`hash`].
//!
//! ```
//! use feats_edge::{Engine, context::{JsonContext, FixedEnv}, json};
//! let engine = Engine::load(r#"{"schema": 1, "segments": {"Country": {"from": {"user": "{country}"}}},
//!   "features": {"Checkout": {"inputs": ["user"], "implementations": ["old", "new"], "default": "old",
//!     "rules": [{"when": {"segment": "Country", "in": ["CA"]}, "serve": "new"}]}}}"#).unwrap();
//! let ctx = json::parse(r#"{"user": {"country": "CA"}}"#, &json::Limits::default()).unwrap();
//! let ctx = JsonContext::new(&engine, &ctx);
//! let mut env = FixedEnv { now: 0, sticky: Default::default(), random: || 0 };
//! let checkout = engine.feature_index("Checkout").expect("declared");   // once, at load
//! let result = engine.evaluate_index(checkout, &ctx, &mut env);
//! assert_eq!(engine.implementation_name(checkout, result.implementation), Some("new"));
//! // Or by name, and the details as SPEC section 2 has them (JSON):
//! assert!(engine.details("Checkout", &ctx, &mut env).contains(r#""implementation":"new""#));
//! // Or every feature, each result naming its feature and what it serves:
//! for r in engine.evaluate_all(&ctx, &mut env) {
//!     assert_eq!((r.feature, r.implementation), ("Checkout", Some("new")));
//! }
//! // Errors are `std::error::Error`s: `?` into `Box<dyn Error>` or anyhow.
//! let refused = Engine::load(r#"{"schema": 2}"#).unwrap_err();
//! assert!(refused.to_string().starts_with("/schema: "));
//! ```

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
#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod changes;
pub mod context;
mod engine;
pub mod eval;
// Only the command-line tool gives advice; the WebAssembly build leaves it out.
#[cfg(feature = "std")]
pub mod lint;
mod prelude;
pub mod simulate;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use engine::{sticky_key, Engine, Evaluated};
pub use eval::{ErrorCode, Evaluation, Reason};
pub use feats_edge_snapshot::{compile, hash, index, json, model, names, ops, text};
pub use feats_edge_snapshot::{Problem, SnapshotError};
