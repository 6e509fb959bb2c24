//! The caches the features of one snapshot share while they compile,
//! behind a lock: [`Cache`], and [`SetCache`], the lists of activations'
//! conditions (value sets, patterns, blocks) built once for every feature.

use super::reader::Ptr;
use crate::index::NameIndex;
use crate::model::StrSet;
use crate::prelude::*;
use alloc::sync::Arc;

/// What the features of one snapshot build once and share while they
/// compile, behind a lock (features may compile on several threads).
/// A copy starts empty: what it holds is rebuilt as features compile.
pub(crate) struct Cache<T> {
    #[cfg(not(feature = "std"))]
    inner: core::cell::RefCell<T>,
    #[cfg(feature = "std")]
    inner: std::sync::Mutex<T>,
}

impl<T: Default> Default for Cache<T> {
    fn default() -> Self {
        Cache {
            inner: Default::default(),
        }
    }
}

impl<T: Default> Clone for Cache<T> {
    fn clone(&self) -> Self {
        Cache::default()
    }
}

impl<T> core::fmt::Debug for Cache<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Cache")
    }
}

impl<T> Cache<T> {
    /// `f` of what it holds; `None` while another call holds it.
    pub(super) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        #[cfg(not(feature = "std"))]
        let mut inner = self.inner.try_borrow_mut().ok()?;
        #[cfg(feature = "std")]
        let mut inner = self.inner.lock().ok()?;
        Some(f(&mut inner))
    }
}

/// What the activations' conditions hold beyond their segment (the value
/// sets of `in` and `not_in`, the patterns of text operators, the blocks of
/// `cidr`), by the JSON Pointer of their list (an activation's condition is
/// parsed anew each time it compiles, so the pointer, not the parsed
/// value, names the list; activations are named once, so it names one
/// list). Every feature that uses an activation compiles it for its own
/// inputs, but these, the costly part, are built once and shared: a "beta
/// users" activation of 10 000 ids used by 500 features took 1.4 s and
/// 190 MiB in WebAssembly, and one of 10 000 `contains` patterns or `cidr`
/// blocks used by 10 000 features, in a 1 MB snapshot, more than 3 GB.
pub(crate) type SetCache = Cache<(NameIndex, Vec<Payload>)>;

/// One condition's list, built (see [`SetCache`]).
#[derive(Clone)]
pub(crate) enum Payload {
    /// `in`, `not_in`.
    Set(StrSet),
    /// `contains` of more than `MANY` patterns.
    Many(Arc<crate::ops::patterns::Many>),
    /// The other text operators.
    Patterns(Arc<crate::model::Patterns>),
    /// `cidr`.
    Blocks(Arc<[crate::ops::ip::Cidr]>),
}

impl SetCache {
    /// What was built for the list at `at`, if anything.
    pub(crate) fn get(&self, at: &Ptr<'_>) -> Option<Payload> {
        let key = at.render();
        self.with(|(index, sets)| index.get(&key).and_then(|i| sets.get(i as usize).cloned()))
            .flatten()
    }

    /// Keeps `built` as what the list at `at` gives.
    pub(crate) fn put(&self, at: &Ptr<'_>, built: Payload) {
        let key = at.render();
        self.with(|(index, sets)| {
            let i = u32::try_from(sets.len()).unwrap_or(u32::MAX);
            if index.insert(&key, i) {
                sets.push(built);
            }
        });
    }
}
