//! The `alloc` names the standard library's prelude would bring: the crate
//! is `no_std`, so that the WebAssembly build carries no standard library.

pub use alloc::borrow::ToOwned;
pub use alloc::string::{String, ToString};
pub use alloc::vec;
pub use alloc::vec::Vec;
