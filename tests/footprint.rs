//! What a compiled feature keeps in memory, counted by a global allocator
//! of this test binary alone: live bytes and allocations after compiling
//! every feature of a 1 000-feature snapshot, against the engine as loaded.
//! Guards against spare capacity and stray per-feature allocations (a
//! vector grown by pushing once held four rules' room for one).

#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

use feats_edge::Engine;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        LIVE.fetch_add(l.size() as isize, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// The package benchmark's shape: a country rule and a 50/50 split.
fn snapshot(n: usize) -> String {
    let features: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#""f{i:04}": {{"inputs": ["user"], "implementations": ["control", "treatment", "off"], "default": "off",
                   "rules": [{{"when": {{"segment": "Country", "in": ["US", "CA", "GB", "DE", "FR"]}},
                              "split": {{"by": "UserId", "weights": {{"control": 50, "treatment": 50}}}}}}]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"schema": 1, "segments": {{"Country": {{"from": {{"user": "{{country}}"}}}}, "UserId": {{"from": {{"user": "{{id}}"}}}}}},
            "features": {{{}}}}}"#,
        features.join(",")
    )
}

#[test]
fn a_compiled_feature_keeps_little() {
    let text = snapshot(1000);
    let engine = Engine::load(&text).unwrap();
    let (live, allocs) = (LIVE.load(Relaxed), ALLOCS.load(Relaxed));
    assert_eq!(engine.features().count(), 1000);
    let kept = (LIVE.load(Relaxed) - live) / 1000;
    let made = (ALLOCS.load(Relaxed) - allocs) / 1000;
    // Measured: 440 bytes kept (64-bit) and 31 allocations per feature.
    assert!(kept <= 600, "{kept} bytes kept per compiled feature");
    assert!(made <= 40, "{made} allocations per compiled feature");
    drop(engine);
}
