//! Where the allocator's memory comes from: WebAssembly pages, taken in
//! steps that grow with the memory.
//!
//! Talc's own source grows the memory by what the allocation that ran out
//! needs, one page (64 KiB) at a time for small ones. A host pays for each
//! `memory.grow`: V8 detaches the memory's `ArrayBuffer`, makes a new one
//! and counts the growth as external memory, which starts its garbage
//! collector again and again: loading lists that grew the memory by 103 MB,
//! a page at a time, spent 0.84 s of its 1.1 s collecting garbage
//! (docs/performance.md). Here a growth takes a quarter of the memory's
//! size ([`STEP_DIVISOR`]), up to 8 MiB ([`MAX_STEP`]), or what the
//! allocation needs when that is more: the memory grows a few dozen times
//! on the way to 100 MB, and holds at most 8 MiB more than it has needed,
//! which matters where a host counts it against a limit (128 MB an
//! isolate in Cloudflare Workers). When the step does not fit under the
//! memory's own limit, just what the allocation needs is asked for. (A
//! floor of 1 MiB a step made a cold load of 1 000 features 0.1–0.2 ms
//! slower, so there is none.)

use core::alloc::Layout;
use core::arch::wasm32::{memory_grow, memory_size};
use core::ptr::NonNull;
use talc::base::{binning::Binning, Talc, CHUNK_UNIT};

/// A WebAssembly page.
const PAGE: usize = 64 * 1024;

/// A growth takes the memory's size divided by this...
const STEP_DIVISOR: usize = 4;

/// ...up to this many pages (8 MiB) more than the allocation needs.
const MAX_STEP: usize = 128;

/// Grows WebAssembly memory in proportional steps and extends the heap over
/// the new pages (or claims them as a new heap when something else grew the
/// memory in between).
#[derive(Debug)]
pub struct Pages {
    /// The end of the heap Talc was last given, to extend when the next
    /// pages follow it.
    end: Option<NonNull<u8>>,
}

impl Pages {
    /// A source that has given the allocator nothing yet.
    #[must_use]
    pub const fn new() -> Self {
        Pages { end: None }
    }
}

/// The pages an allocation of `layout` needs in a heap of its own: its
/// size, its alignment and the allocator's bookkeeping, with room to spare.
fn pages_for(layout: Layout) -> usize {
    layout
        .size()
        .saturating_add(layout.align())
        .saturating_add(4 * CHUNK_UNIT)
        .div_ceil(PAGE)
}

// SAFETY: `acquire` neither allocates nor touches the allocator other than
// through `talc`, and gives it only pages that `memory.grow` has just added,
// which nothing else uses.
unsafe impl talc::source::Source for Pages {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        let need = pages_for(layout);
        let step = need.max((memory_size::<0>() / STEP_DIVISOR).min(MAX_STEP));
        let (first, pages) = match memory_grow::<0>(step) {
            usize::MAX if step > need => match memory_grow::<0>(need) {
                usize::MAX => return Err(()),
                first => (first, need),
            },
            usize::MAX => return Err(()),
            first => (first, step),
        };
        let base = (first * PAGE) as *mut u8;
        let bytes = pages * PAGE;
        if let Some(end) = talc.source.end.take() {
            if end.as_ptr() == base {
                // Pages that reach the top of the 4 GiB end at an address
                // one past the last: it saturates (wrapped to 0, the heap
                // would not be extended, and the pages would be lost).
                let new_end = (base as usize).saturating_add(bytes) as *mut u8;
                // SAFETY: the heap ends where the new pages begin.
                talc.source.end = Some(unsafe { talc.extend(end, new_end) });
                return Ok(());
            }
        }
        // SAFETY: the pages are new and the allocator's alone.
        talc.source.end = unsafe { talc.claim(base, bytes) };
        talc.source.end.map(|_| ()).ok_or(())
    }
}
