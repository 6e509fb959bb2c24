//! A global allocator that counts, for the test binaries that measure
//! memory (`footprint`, `shared_sets`): live bytes and allocations made.
//! Each binary installs it with `#[global_allocator]`; it forwards every
//! call to the system allocator unchanged.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

/// The counting allocator.
pub struct Counting;

/// Bytes allocated and not yet freed.
pub static LIVE: AtomicIsize = AtomicIsize::new(0);
/// Allocations made.
pub static ALLOCS: AtomicUsize = AtomicUsize::new(0);
/// The most bytes live at once since it was last set (to [`LIVE`]).
#[allow(dead_code)]
pub static PEAK: AtomicIsize = AtomicIsize::new(0);
/// Bytes ever allocated (a growth counts what it adds).
#[allow(dead_code)]
pub static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOCATED.fetch_add(l.size(), Relaxed);
        let live = LIVE.fetch_add(l.size() as isize, Relaxed) + l.size() as isize;
        PEAK.fetch_max(live, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCATED.fetch_add(n.saturating_sub(l.size()), Relaxed);
        // A move holds both blocks for a moment: counted as such.
        let live = LIVE.fetch_add(n as isize - l.size() as isize, Relaxed);
        PEAK.fetch_max(live + n as isize, Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}
