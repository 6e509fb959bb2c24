//! The WebAssembly boundary used by the npm package (`pkg/`).
//!
//! Designed so that one evaluation costs little more than reading the few
//! context values the snapshot's segments use:
//! - the snapshot crosses once, as text, and is compiled here;
//! - the context never crosses as an object: JavaScript reads only the slots
//!   ([`Engine::slots`]) a feature needs and writes their UTF-8 bytes into a
//!   scratch area owned by the engine, whose layout is fixed per snapshot;
//! - results come back as small integers (implementation indices), mapped to
//!   names by a JavaScript array built once per snapshot; evaluate-all writes
//!   one `u16` per feature into an output area;
//! - the host (time, sticky store, randomness) is a JavaScript object whose
//!   methods are called only when a rule needs them.
//!
//! - little crosses at load: the revision, the slots and the scratch layout
//!   ([`RawEngine::head`]); a feature's slots and implementation names cross
//!   when JavaScript first evaluates it ([`RawEngine::plan`]), the full
//!   lists only when asked for ([`RawEngine::features`], [`RawEngine::problems`]).
//!
//! Scratch layout, in bytes from [`RawEngine::scratch`]: one flag byte per
//! input (1 = the context holds it as an object), padded to 4; then two
//! `u32` per slot (offset into the string area, length; `u32::MAX` = absent);
//! then the string area, of which each call names how many bytes it wrote
//! (`used`; -1 for a context that is not a JSON object). The string area is
//! checked as UTF-8 once per call; if it is not, every value reads as absent.

mod heap;

use crate::prelude::*;
use core::cell::{Cell, UnsafeCell};
use wasm_bindgen::prelude::*;

/// The allocator: Talc in place of the standard library's dlmalloc. A
/// compile of a feature makes a few dozen small allocations, and a cold
/// module runs them in baseline code, where Talc's shorter paths cost less;
/// it is also smaller. Its memory grows in proportional steps ([`heap`]).
#[cfg(not(target_feature = "atomics"))]
#[global_allocator]
static ALLOCATOR: talc::cell::TalcSyncCell<heap::Pages, talc::wasm::WasmBinning> =
    talc::cell::TalcSyncCell::new_wasm(heap::Pages::new());

/// A panic traps the instance, as `panic = "abort"` would, without the
/// standard library's panic machinery (its message formatting and hook are
/// several kilobytes of the module). Evaluation is panic-free by
/// construction (the crates deny `unwrap`, `expect`, indexing and `panic!`),
/// so this is reached only through a bug.
#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

use crate::eval::{Assignment, Context, Env};
use crate::json::{push_string, push_strings};
use crate::model::{ImplId, InputId, Kind, SlotId};
use crate::text::{push_u64, put};
use crate::Engine;

#[wasm_bindgen]
extern "C" {
    /// The host object handed to [`RawEngine::load`].
    pub type Host;
    /// Milliseconds since the epoch for the current evaluation.
    #[wasm_bindgen(method)]
    fn now(this: &Host) -> f64;
    /// The implementation index stored for a sticky key of feature number
    /// `feature`, -1 if none, -2 for [`crate::eval::PASSED`]. The key is in
    /// two parts in wasm memory (UTF-8): `"<experiment>/"` at
    /// `head..head+head_len`, then the unit at
    /// `unit..unit+unit_len`, which follows the head unless `kept`. A kept
    /// unit is a long context value in the scratch area, which stays where
    /// it is, unchanged, for the whole call: the host may read it once per
    /// call however many experiments ask (a 64 KiB id and 1 000
    /// experiments were 64 MB to decode).
    #[wasm_bindgen(method)]
    fn sticky(
        this: &Host,
        feature: u32,
        head: u32,
        head_len: u32,
        unit: u32,
        unit_len: u32,
        kept: bool,
    ) -> i32;
    /// A uniformly random 32-bit number.
    #[wasm_bindgen(method)]
    fn random(this: &Host) -> u32;
}

/// A loaded snapshot as JavaScript sees it.
///
/// Every export takes `&self`, and what a call changes (the scratch and
/// output areas) is behind [`RawEngine::enter`]. A JavaScript exception can
/// unwind through wasm frames without running their destructors: the
/// engine stack overflowing during a call made near JavaScript's stack
/// limit (in a host callback, or in wasm itself). Had the exports taken
/// `&mut self`, wasm-bindgen's borrow of the engine would stay taken for
/// good, and every later call would throw. Here only `busy` stays set, and
/// [`RawEngine::recover`] clears it (see `pkg/src/engine.js`).
#[wasm_bindgen]
pub struct RawEngine {
    engine: Option<Engine>,
    refused: String,
    host: Host,
    table_words: usize,
    strings_byte: usize,
    /// Whether a call holds `state`.
    busy: Cell<bool>,
    state: UnsafeCell<State>,
}

/// What a call changes: the areas JavaScript writes and reads.
struct State {
    /// The scratch area, as `u32` words so the slot table is aligned.
    scratch: Vec<u32>,
    /// Where sticky keys are written for the host to read.
    key: Vec<u8>,
    /// Evaluate-all's output: one implementation code per feature.
    out: Vec<u16>,
    /// The sticky keys a details call notes (see [`Env::noted`]).
    noted: Vec<String>,
}

/// A call's hold on the engine's [`State`], released when it ends.
struct Held<'a> {
    busy: &'a Cell<bool>,
    state: &'a mut State,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.busy.set(false);
    }
}

const ABSENT: u32 = u32::MAX;
/// What the host's sticky lookup answers for [`crate::eval::PASSED`].
const PASSED_CODE: i32 = -2;
/// The code for "no implementation" in results.
const NONE: u16 = u16::MAX;

impl RawEngine {
    /// The state for one call; `None` while another call holds it (which
    /// JavaScript never lets happen: a call made during another is not
    /// run) or after a call was unwound, until [`RawEngine::recover`].
    #[inline(always)]
    fn enter(&self) -> Option<Held<'_>> {
        if self.busy.replace(true) {
            return None;
        }
        // SAFETY: `busy` was clear, so no other reference to the state is
        // alive: every `Held` clears it when dropped, and one that an
        // unwinding skipped left no frame behind that could still use its
        // reference (`recover` is called only with no call under way).
        let state = unsafe { &mut *self.state.get() };
        Some(Held {
            busy: &self.busy,
            state,
        })
    }

    /// [`RawEngine::open`] out of line, for the entry points that are not hot.
    #[inline(never)]
    fn open_cold<'a>(
        &'a self,
        scratch: &'a [u32],
        key: &'a mut Vec<u8>,
        used: i32,
    ) -> (Scratch<'a>, HostEnv<'a>) {
        self.open(scratch, key, used)
    }

    /// The context in the scratch area and the host, for one call.
    /// `used`: the string bytes JavaScript wrote, or -1 when the context is
    /// not a JSON object. Inlined into the two hot entry points
    /// (`eval`, `eval_all`); the others call [`RawEngine::open_cold`].
    /// The state's scratch area and key buffer are passed apart, so that a
    /// call can write its output area meanwhile.
    #[inline(always)]
    fn open<'a>(
        &'a self,
        scratch: &'a [u32],
        key: &'a mut Vec<u8>,
        used: i32,
    ) -> (Scratch<'a>, HostEnv<'a>) {
        let ctx = Scratch::new(scratch, self.table_words, self.strings_byte, used);
        let strings = ctx.strings;
        (
            ctx,
            HostEnv {
                host: &self.host,
                strings,
                feature: 0,
                now: None,
                key,
                used: None,
                noted: None,
            },
        )
    }

    /// The engine for a load's result, with its scratch and output areas.
    fn new(loaded: Result<Engine, crate::SnapshotError>, host: Host) -> RawEngine {
        let (engine, refused) = match loaded {
            Ok(engine) => (Some(engine), String::new()),
            Err(e) => {
                let mut s = String::from("{\"refused\":{\"path\":");
                push_string(&mut s, &e.path);
                put(&mut s, ",\"message\":");
                push_string(&mut s, &e.message);
                put(&mut s, "}}");
                (None, s)
            }
        };
        let (inputs, slots, features) = engine.as_ref().map_or((0, 0, 0), |e| {
            (e.inputs().len(), e.slots().len(), e.feature_count())
        });
        let table_words = inputs.div_ceil(4);
        let strings_byte = (table_words + 2 * slots) * 4;
        let raw = RawEngine {
            engine,
            refused,
            host,
            table_words,
            strings_byte,
            busy: Cell::new(false),
            state: UnsafeCell::new(State {
                scratch: Vec::new(),
                key: Vec::new(),
                out: vec![NONE; features],
                noted: Vec::new(),
            }),
        };
        raw.reserve(4096);
        raw
    }
}

#[wasm_bindgen]
impl RawEngine {
    /// Compiles a snapshot given as bytes by the caller. Never throws: a
    /// refused snapshot gives an engine whose [`RawEngine::head`] says
    /// why. The bytes are read as UTF-8, invalid sequences as U+FFFD;
    /// they are kept, not copied again.
    pub fn load(bytes: Vec<u8>, host: Host) -> RawEngine {
        RawEngine::new(Engine::load_bytes(bytes), host)
    }

    /// Compiles a snapshot given as a string, which JavaScript encoded with
    /// `TextEncoder` (natively, then copied in one move). Like
    /// [`RawEngine::load`] without checking the UTF-8 again: on a cold load
    /// of a large snapshot that check was one long call that the engine
    /// optimized in the background, competing with the load for the CPU
    /// (docs/performance.md).
    pub fn load_text(encoded: Vec<u8>, host: Host) -> RawEngine {
        // SAFETY: the JavaScript wrapper (`pkg/src/engine.js`) calls this
        // only with the output of `TextEncoder.encode`, which is UTF-8 by
        // definition (lone surrogates become U+FFFD): the contract
        // wasm-bindgen's own glue relies on when it passes a string as a
        // `String`.
        let text = unsafe { String::from_utf8_unchecked(encoded) };
        RawEngine::new(Engine::load_owned(text), host)
    }

    /// What JavaScript reads once per snapshot, as JSON: `revision`,
    /// `count` (features), `inputs`, `slots` (`[input, key, …]` each), and
    /// the scratch layout (`table`, `strings`: byte offsets). Small: it does
    /// not grow with the number of features. For a refused snapshot,
    /// `{"refused": {path, message}}`, the whole-snapshot error (one export
    /// for both: each export is its own wasm-bindgen glue).
    pub fn head(&self) -> String {
        let Some(engine) = &self.engine else {
            return self.refused.clone();
        };
        let mut s = String::from("{\"revision\":");
        push_string(&mut s, engine.revision());
        put(&mut s, ",\"count\":");
        push_u64(&mut s, engine.feature_count() as u64);
        put(&mut s, ",\"inputs\":");
        push_strings(&mut s, engine.inputs());
        put(&mut s, ",\"slots\":[");
        for (i, slot) in engine.slots().iter().enumerate() {
            if i > 0 {
                put(&mut s, ",");
            }
            put(&mut s, "[");
            push_u64(&mut s, u64::from(slot.input));
            for key in &slot.path {
                put(&mut s, ",");
                push_string(&mut s, key);
            }
            put(&mut s, "]");
        }
        put(&mut s, "],\"table\":");
        push_u64(&mut s, (self.table_words * 4) as u64);
        put(&mut s, ",\"strings\":");
        push_u64(&mut s, self.strings_byte as u64);
        put(&mut s, "}");
        s
    }

    /// The index of the feature called `name`, -1 if none. JavaScript asks
    /// once per name.
    pub fn find(&self, name: &str) -> i32 {
        self.engine
            .as_ref()
            .and_then(|e| e.feature_index(name))
            .and_then(|i| i32::try_from(i).ok())
            .unwrap_or(-1)
    }

    /// What JavaScript needs to evaluate feature `index`, as JSON:
    /// `{"slots": [slot ids it reads], "implementations": [names]}`, with
    /// `"boolean": true` for a boolean feature; `null`
    /// for no such feature. Compiles the feature if it is not yet.
    pub fn plan(&self, index: usize) -> String {
        let Some(f) = self.engine.as_ref().and_then(|e| e.feature(index)) else {
            return String::from("null");
        };
        let mut s = String::from("{\"slots\":[");
        for (j, slot) in f.slots.iter().enumerate() {
            if j > 0 {
                put(&mut s, ",");
            }
            push_u64(&mut s, u64::from(*slot));
        }
        put(&mut s, "],\"implementations\":");
        push_strings(&mut s, &f.implementations);
        if f.kind == Kind::Boolean {
            put(&mut s, ",\"boolean\":true");
        }
        put(&mut s, "}");
        s
    }

    /// `engine.features` as JSON: each feature's declarations, its rules
    /// not compiled; with `compile`, every feature compiled first (for
    /// evaluate-all, which compiles them all anyway: one parse each).
    pub fn features(&self, compile: bool) -> String {
        let Some(engine) = &self.engine else {
            return String::from("[]");
        };
        if compile {
            engine.features().for_each(drop);
        }
        engine.features_json()
    }

    /// The features this engine may evaluate differently from `old`'s
    /// (see [`crate::changes`]): its own by index, then those of `old` that
    /// it lacks, by index plus its feature count. Every feature of its own
    /// when `old` holds no snapshot.
    pub fn changes(&self, old: &RawEngine) -> Vec<u32> {
        let Some(new) = &self.engine else {
            return Vec::new();
        };
        let count = new.feature_count();
        // Plain loops: an iterator chain collected here was its own
        // instance of `collect` and of `chain`, for a call made once per
        // update.
        let mut out = Vec::new();
        match &old.engine {
            Some(old) => {
                let crate::changes::Changes { changed, removed } =
                    crate::changes::changed(old, new);
                out.reserve_exact(changed.len() + removed.len());
                for i in changed {
                    out.push(u32::try_from(i).unwrap_or(u32::MAX));
                }
                for i in removed {
                    out.push(u32::try_from(i.saturating_add(count)).unwrap_or(u32::MAX));
                }
            }
            None => {
                out.reserve_exact(count);
                for i in 0..count {
                    out.push(u32::try_from(i).unwrap_or(u32::MAX));
                }
            }
        }
        out
    }

    /// `engine.problems` as JSON (compiles every feature).
    pub fn problems(&self) -> String {
        self.engine
            .as_ref()
            .map_or_else(|| String::from("[]"), Engine::problems_json)
    }

    /// Makes the scratch area at least `bytes` long if memory allows (it
    /// stays as it was otherwise: a failed allocation must not trap, which
    /// would break the instance); returns its address (0 while a call
    /// holds the engine).
    pub fn reserve(&self, bytes: usize) -> *const u32 {
        let Some(held) = self.enter() else {
            return core::ptr::null();
        };
        let words = bytes.div_ceil(4).max(self.strings_byte / 4 + 64);
        let scratch = &mut held.state.scratch;
        if let Some(more) = words.checked_sub(scratch.len()).filter(|&m| m > 0) {
            if scratch.try_reserve_exact(more).is_ok() {
                scratch.resize(words, 0);
            }
        }
        scratch.as_ptr()
    }

    /// The scratch area's address (0 while a call holds the engine).
    pub fn scratch(&self) -> *const u32 {
        self.enter()
            .map_or(core::ptr::null(), |held| held.state.scratch.as_ptr())
    }

    /// Its length in bytes (0 while a call holds the engine).
    pub fn scratch_len(&self) -> usize {
        self.enter().map_or(0, |held| held.state.scratch.len() * 4)
    }

    /// Releases the engine after a call that a JavaScript exception
    /// unwound (see [`RawEngine`]). JavaScript calls it only when no call
    /// of any engine is under way, so no frame can still hold the state.
    pub fn recover(&self) {
        self.busy.set(false);
    }

    /// Evaluates feature `index` against the context in the scratch area;
    /// `used` is the number of string bytes written, -1 when the context is
    /// not a JSON object. Returns the implementation index, or -1 for none.
    pub fn eval(&self, index: usize, used: i32) -> i32 {
        let (Some(engine), Some(held)) = (&self.engine, self.enter()) else {
            return -1;
        };
        let (ctx, mut env) = self.open(&held.state.scratch, &mut held.state.key, used);
        let ev = engine.evaluate_index(index, &ctx, &mut env);
        ev.implementation.map_or(-1, i32::from)
    }

    /// Evaluates every feature; writes one `u16` per feature (`0xFFFF` for
    /// none) to the output area and returns its address (0 while a call
    /// holds the engine).
    pub fn eval_all(&self, used: i32) -> *const u16 {
        let Some(held) = self.enter() else {
            return core::ptr::null();
        };
        let State {
            scratch, key, out, ..
        } = held.state;
        if let Some(engine) = &self.engine {
            let (ctx, mut env) = self.open(scratch, key, used);
            let mut memo = engine.memo();
            for (i, slot) in out.iter_mut().enumerate() {
                *slot = engine
                    .evaluate_index_with(i, &ctx, &mut env, &mut memo)
                    .implementation
                    .unwrap_or(NONE);
            }
        }
        out.as_ptr()
    }

    /// The details JSON of feature `index` (`name` for unknown features).
    /// `served`: the index of the implementation the caller used, when it
    /// asks for the evaluation that served it (see [`Env::used`]); -1 else.
    pub fn details(&self, index: i32, name: &str, used: i32, served: i32) -> String {
        let (Some(engine), Some(held)) = (&self.engine, self.enter()) else {
            return String::new();
        };
        let State {
            scratch,
            key,
            noted,
            ..
        } = held.state;
        let (ctx, mut env) = self.open_cold(scratch, key, used);
        env.used = ImplId::try_from(served).ok();
        env.noted = Some(noted);
        let index = usize::try_from(index)
            .ok()
            .filter(|&i| i < engine.feature_count());
        let name = index.and_then(|i| engine.feature_name(i)).unwrap_or(name);
        let out = engine.details_at(index, name, &ctx, &mut env);
        // (What was noted is in the answer: not kept in memory till the next call.)
        env.clear_noted();
        out
    }

    /// The details of every feature, each unit value written once (see
    /// [`Engine::details_all_shared`]).
    pub fn details_all(&self, used: i32) -> String {
        let Some(engine) = &self.engine else {
            return String::from("{\"units\":[],\"details\":{}}");
        };
        let Some(held) = self.enter() else {
            return String::new();
        };
        let (ctx, mut env) = self.open_cold(&held.state.scratch, &mut held.state.key, used);
        engine.details_all_shared(&ctx, &mut env)
    }
}

#[wasm_bindgen]
impl RawEngine {
    /// Simulates `units` synthetic units of feature `name` against the
    /// context in the scratch area (see [`crate::simulate`]). Returns JSON
    /// `{"segment", "counts"}` or `{"error"}`.
    pub fn simulate(&self, name: &str, by: &str, units: u32, used: i32) -> String {
        let Some(engine) = &self.engine else {
            return String::from("{\"error\":\"no snapshot\"}");
        };
        let Some(held) = self.enter() else {
            return String::from("{\"error\":\"called during another call\"}");
        };
        let by = (!by.is_empty()).then_some(by);
        let unit = match crate::simulate::unit(engine, name, by) {
            Ok(unit) => unit,
            Err(e) => {
                let mut s = String::from("{\"error\":");
                push_string(&mut s, &e.describe(by));
                put(&mut s, "}");
                return s;
            }
        };
        let implementations = engine
            .feature(unit.feature)
            .map_or(0, |f| f.implementations.len());
        let head = self.strings_byte / 4;
        let (base, mut env) = self.open_cold(&held.state.scratch, &mut held.state.key, used);
        let mut varied = Varied::new(&base, head, &unit);
        let counts = crate::simulate::tally(implementations, u64::from(units), |n| {
            varied.set(n);
            let ctx = varied.scratch();
            engine
                .evaluate_index(unit.feature, &ctx, &mut env)
                .implementation
                .map(usize::from)
        });
        let mut s = String::from("{\"segment\":");
        push_string(&mut s, &unit.segment);
        put(&mut s, ",\"counts\":[");
        for (i, c) in counts.iter().enumerate() {
            if i > 0 {
                put(&mut s, ",");
            }
            crate::text::push_u64(&mut s, *c);
        }
        put(&mut s, "]}");
        s
    }
}

/// The context of a simulation in scratch form: the caller's, with the
/// unit's slots (those it leaves empty: see [`crate::simulate::Unit::varied`])
/// pointing at each unit's value, written after a copy of the
/// caller's strings. Evaluating it takes the same code as `eval` (the
/// generic `simulate` would instantiate the evaluator a second time, about
/// 6 KB of the module).
struct Varied {
    words: Vec<u32>,
    strings: String,
    given: usize,
    table_words: usize,
    slots: Vec<SlotId>,
}

impl Varied {
    /// `head`: the words of the flag table and slot entries.
    fn new(base: &Scratch<'_>, head: usize, unit: &crate::simulate::Unit) -> Varied {
        // (Read before the words are copied: the slots the caller's context fills.)
        let slots = unit.varied_in(base);
        let mut words = base.words.get(..head).unwrap_or_default().to_vec();
        let table_words = base.table_words;
        if !base.object {
            // Not an object: nothing but the unit is there.
            for (i, w) in words.iter_mut().enumerate() {
                if i < table_words {
                    *w = 0;
                } else if (i - table_words) % 2 == 1 {
                    *w = ABSENT;
                }
            }
        }
        let input = usize::from(unit.input);
        if let Some(w) = words.get_mut(input / 4) {
            *w |= 1 << (8 * (input % 4));
        }
        // Empty when the context is not an object (see `Scratch::new`).
        let strings = String::from(base.strings);
        Varied {
            words,
            given: strings.len(),
            strings,
            table_words,
            slots,
        }
    }

    /// Gives the unit slots the value `n`.
    fn set(&mut self, n: u64) {
        self.strings.truncate(self.given);
        crate::text::push_u64(&mut self.strings, n);
        let (at, len) = (self.given as u32, (self.strings.len() - self.given) as u32);
        for &slot in &self.slots {
            let entry = self.table_words + 2 * slot as usize;
            if let Some([offset, length]) = self.words.get_mut(entry..entry + 2) {
                *offset = at;
                *length = len;
            }
        }
    }

    fn scratch(&self) -> Scratch<'_> {
        Scratch {
            words: &self.words,
            table_words: self.table_words,
            strings: &self.strings,
            object: true,
        }
    }
}

/// Keys the hash of the name tables with randomness from the host
/// (`crate::index::set_seed`): called once, when the module is
/// instantiated, before any snapshot loads.
#[wasm_bindgen]
pub fn seed(lo: u32, hi: u32) {
    crate::index::set_seed(u64::from(hi) << 32 | u64::from(lo));
}

/// The bucket of SPEC section 3.
#[wasm_bindgen]
pub fn bucket(salt: &str, unit: &str) -> u32 {
    crate::hash::bucket(salt, unit)
}

/// The context as JavaScript wrote it into the scratch area.
struct Scratch<'a> {
    words: &'a [u32],
    table_words: usize,
    /// The string area, checked as UTF-8 once for the call.
    strings: &'a str,
    object: bool,
}

/// The string area as text, `None` if it is not UTF-8. Contexts are mostly
/// ASCII (ids, codes), checked here inline; the rest by `from_utf8`.
#[inline(always)]
fn utf8(area: &[u8]) -> Option<&str> {
    // Eight bytes at a time: any high bit means not ASCII.
    let words = area.chunks_exact(8);
    let tail = words
        .remainder()
        .iter()
        .fold(0, |acc, &b| acc | u64::from(b));
    let all = words.fold(tail, |acc, w| {
        acc | w.try_into().map_or(u64::MAX, u64::from_ne_bytes)
    });
    if all & 0x8080_8080_8080_8080 == 0 {
        // SAFETY: ASCII bytes are valid UTF-8.
        Some(unsafe { core::str::from_utf8_unchecked(area) })
    } else {
        core::str::from_utf8(area).ok()
    }
}

impl<'a> Scratch<'a> {
    fn new(words: &'a [u32], table_words: usize, strings_byte: usize, used: i32) -> Self {
        // SAFETY: a `[u32]` is always a valid `[u8]` of four times the length;
        // u8 has no alignment or validity requirements.
        let bytes =
            unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 4) };
        let object = used >= 0;
        let strings = strings_byte
            .checked_add(usize::try_from(used).unwrap_or(0))
            .and_then(|end| bytes.get(strings_byte..end))
            .and_then(utf8)
            .unwrap_or("");
        Scratch {
            words,
            table_words,
            strings,
            object,
        }
    }

    fn flag(&self, input: InputId) -> u8 {
        let word = self.words.get(usize::from(input) / 4).copied().unwrap_or(0);
        (word >> (8 * (usize::from(input) % 4))) as u8
    }
}

impl Context for Scratch<'_> {
    fn is_object(&self) -> bool {
        self.object
    }
    fn has_input(&self, input: InputId) -> bool {
        self.flag(input) != 0
    }
    fn slot(&self, slot: SlotId) -> Option<&str> {
        let at = self.table_words + 2 * slot as usize;
        let offset = *self.words.get(at)? as usize;
        let len = *self.words.get(at + 1)?;
        if len == ABSENT {
            return None;
        }
        // `str::get` also refuses ranges that split a character.
        self.strings.get(offset..offset.checked_add(len as usize)?)
    }
}

/// Units longer than this (in bytes) are not copied into sticky keys when
/// the context holds them (see `Host::sticky`): below it, reading the whole
/// key in one piece costs the host less.
const KEPT: usize = 256;

/// Whether `part` lies within `area` (compared as addresses).
fn within(area: &str, part: &str) -> bool {
    let start = area.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    at >= start && at.saturating_add(part.len()) <= start.saturating_add(area.len())
}

struct HostEnv<'a> {
    host: &'a Host,
    /// The scratch area's strings, as JavaScript wrote them for this call.
    strings: &'a str,
    feature: u32,
    now: Option<i64>,
    key: &'a mut Vec<u8>,
    /// The implementation the caller used (see [`Env::used`]).
    used: Option<ImplId>,
    /// Where the keys [`Env::passed`] tells of are noted, for details.
    noted: Option<&'a mut Vec<String>>,
}

impl Env for HostEnv<'_> {
    fn now(&mut self) -> i64 {
        if let Some(now) = self.now {
            return now;
        }
        let now = self.host.now();
        // A fraction of a millisecond is dropped towards the past, as the
        // command line's --now does (-1.5 is before -1); NaN and
        // out-of-range times saturate.
        let now = if now.is_nan() {
            0
        } else {
            let toward_zero = now as i64;
            toward_zero.saturating_sub(i64::from((toward_zero as f64) > now))
        };
        self.now = Some(now);
        now
    }
    fn sticky(
        &mut self,
        experiment: &str,
        unit: &str,
        implementations: &[String],
    ) -> Option<Assignment> {
        self.key.clear();
        self.key.extend_from_slice(experiment.as_bytes());
        self.key.push(b'/');
        let head = self.key.len();
        // A long unit read straight from the context is in the scratch
        // area, and the host is told where; any other (a short one, a
        // template of several parts, a simulated unit) follows the head in
        // the key buffer, and the host reads the key in one piece.
        let kept = unit.len() > KEPT && within(self.strings, unit);
        if !kept {
            self.key.extend_from_slice(unit.as_bytes());
        }
        let at = if kept {
            unit.as_ptr()
        } else {
            self.key.as_ptr().wrapping_add(head)
        };
        let found = self.host.sticky(
            self.feature,
            self.key.as_ptr() as u32,
            head as u32,
            at as u32,
            unit.len() as u32,
            kept,
        );
        if found == PASSED_CODE {
            return Some(Assignment::Passed);
        }
        let found = ImplId::try_from(found).ok()?;
        (usize::from(found) < implementations.len()).then_some(Assignment::Implementation(found))
    }
    fn feature(&mut self, index: usize) {
        self.feature = u32::try_from(index).unwrap_or(u32::MAX);
    }
    fn random(&mut self) -> u32 {
        self.host.random()
    }
    fn used(&self) -> Option<ImplId> {
        self.used
    }
    fn passed(&mut self, experiment: &str, unit: &str) {
        if let Some(noted) = self.noted.as_deref_mut() {
            noted.push(crate::sticky_key(experiment, unit));
        }
    }
    fn noted(&self) -> &[String] {
        self.noted.as_deref().map_or(&[], Vec::as_slice)
    }
    fn clear_noted(&mut self) {
        if let Some(noted) = self.noted.as_deref_mut() {
            noted.clear();
        }
    }
}
