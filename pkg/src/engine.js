// Engine: a snapshot compiled inside WebAssembly, evaluated from JavaScript.
//
// The context never crosses the boundary as an object. For each feature the
// engine knows which (input, path) slots its segments read; this file reads
// just those values from the context, writes their UTF-8 bytes into a scratch
// area in wasm memory, and gets back an implementation index. See
// src/wasm/mod.rs for the layout. All rule logic lives in Rust.

import { PASSED, lookups } from './store.js';
import { need, wasm } from './wasm.js';

/** A snapshot refused as a whole: invalid JSON, wrong schema, over the limits. */
export class SnapshotError extends Error {
  /** @param {string} message @param {string} path JSON Pointer */
  constructor(message, path) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'SnapshotError';
    this.path = path;
    this.reason = message;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ABSENT = 0xffffffff;
/** The most units `simulate` takes (the command line's limit). */
const MAX_UNITS = 1e8;
const NONE = 0xffff;
/**
 * The most features whose evaluate-all result is built by a generated
 * constructor (see `shapeOf`); past it, by a loop. V8 keeps objects of more
 * than about 250 properties out of line or as dictionaries whatever builds
 * them, and there the loop is the one way that is not slow somewhere.
 */
const SHAPE_MAX = 400;
/**
 * How many evaluate-all calls build their result by a loop before the
 * constructor is generated: until V8 has optimized it, a large generated
 * function is slower than the loop, so short-lived engines never pay for it.
 */
const SHAPE_AFTER = 16;
/**
 * How many reads of a plan's context values go through the generic loop
 * before its straight-line reader is generated: compiling the generated
 * function costs about 0.2 ms, which a cold start's first evaluation need
 * not pay.
 */
const WRITER_AFTER = 4;
/**
 * Frees an Engine's wasm side once the Engine is collected. A refusal (an
 * engine whose call an exception unwound, see `repairStack`) must not be
 * thrown here: an exception in a finalization callback is an uncaught error.
 */
const cleanup = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(finalize) : null;

/** @param {{ free(): void }} raw */
function finalize(raw) {
  try {
    raw.free();
  } catch {
    repairStack();
  }
}

/** A stack repair is queued (see repairStack). */
let repairQueued = false;

/**
 * After an exception unwound through wasm: puts the module's own stack
 * pointer back where it stands with no call under way, once the JavaScript
 * stack is empty (a microtask), when no wasm frame can be using it.
 *
 * A call made near JavaScript's stack limit can overflow it inside wasm or
 * in a host callback, and the exception skips the epilogues of the wasm
 * frames it unwinds: the stack pointer stays lowered by their frames (a
 * few hundred bytes each time, until the stack runs into the heap), and
 * the engine stays held (see `RawEngine` in src/wasm/mod.rs; released by
 * `Engine#_recover` at its next call). Never throws: near the stack's limit
 * even queueing can fail, and the engine's next call queues it again.
 */
function repairStack() {
  if (repairQueued) return;
  try {
    // A promise's job, not queueMicrotask: Jest's fake timers hold that
    // (for good once they are uninstalled, and no repair was queued again).
    Promise.resolve().then(resetStack);
    repairQueued = true;
  } catch {}
}

function resetStack() {
  repairQueued = false;
  try {
    const { stack, top } = need();
    const sp = stack(0);
    if (sp !== top) stack(top - sp);
  } catch {}
}

/**
 * Runs `fn`, a call into wasm off the evaluation paths (a load, the lists,
 * `bucket`). Where it starts, the stack pointer is read; an exception that
 * ends it may have unwound through wasm, and the pointer is put back where
 * it was (off the evaluation paths a wasm call more costs nothing that
 * matters; on them, see repairStack).
 * @template T @param {() => T} fn @returns {T}
 */
function coldCall(fn) {
  let sp;
  try {
    sp = wasm?.stack(0);
  } catch {}
  try {
    return fn();
  } catch (e) {
    try {
      const now = wasm?.stack(0);
      if (sp !== undefined && now !== undefined && now !== sp) wasm?.stack(sp - now);
    } catch {
      try {
        repairStack();
      } catch {}
    }
    throw e;
  }
}

/**
 * Sets `o[k] = v` as an own data property, also for the key `__proto__`
 * (a valid feature name), which a plain assignment would take as the
 * object's prototype.
 */
export function setOwn(o, k, v) {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/**
 * A context's input `name`: `ctx[name]`, except that `__proto__` counts
 * only as an own property (as in the same context given as JSON text).
 */
const input = (ctx, name) => (name !== '__proto__' || Object.hasOwn(ctx, name) ? ctx[name] : undefined);

/**
 * `o[key]` for a segment path's key holding U+FFFD (in the snapshot, maybe a
 * lone surrogate, which reaches wasm as U+FFFD), read as the command line's
 * JSON reader reads the context: its keys with lone surrogates hold U+FFFD
 * too, and of keys that become the same, the last counts (as of a key given
 * twice in JSON). No own key of that form: `o[key]`, inherited ones included.
 * Only such keys pay for the scan.
 */
function replacedKey(o, key) {
  let last;
  for (const k of Object.getOwnPropertyNames(o)) if (k.toWellFormed() === key) last = k;
  return o[last ?? key];
}

/** Which keys of a path hold U+FFFD (read by replacedKey), or null for none: worked out once per plan. @param {string[]} path */
const oddKeys = (path) => (path.some((k) => k.includes('\uFFFD')) ? path.map((k) => k.includes('\uFFFD')) : null);

/**
 * The generated constructor of evaluate-all results for these feature
 * names: `new Shape(codes, impls)` is a plain object (its prototype is
 * `Object.prototype`) with one property per feature, in order. V8 builds an
 * object whose properties a constructor assigns with its properties in line:
 * 200 features cost ~5 ns each in Node 20 and Chromium 156 alike, where an
 * object literal of more than 127 properties costs 9 and 86, and a loop
 * 33–47 (measured when the constructor was introduced; docs/performance.md
 * has the figures past 400 features).
 * @param {string[]} names
 */
function shapeOf(names) {
  const lines = names.map((name, i) => {
    const v = `n[${i}][c[${i}]] ?? null`;
    return name === '__proto__' ? `own(this, "__proto__", ${v});` : `this[${JSON.stringify(name)}] = ${v};`;
  });
  const Shape = new Function('own', `return function Implementations(c, n) {\n${lines.join('\n')}\n}`)(setOwn);
  Shape.prototype = Object.prototype;
  return Shape;
}

/** @param {unknown} v */
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Generated code where the runtime allows it (Node, most pages), else null:
 * Cloudflare Workers and pages with a strict Content-Security-Policy forbid
 * `new Function`, and get the generic loops instead. Only names the engine
 * validated and JSON-quoted keys are ever written into the code.
 */
function compile(make) {
  try {
    return make();
  } catch {
    return null;
  }
}

/** @type {boolean | undefined} */
let allowed;
/**
 * Whether this runtime allows generated code (see compile): asked once per
 * page, when an engine first has a use for it, so that a strict
 * Content-Security-Policy sees one attempt, not one per snapshot.
 */
const codegen = () => (allowed ??= compile(() => new Function('return true')()) === true);

/**
 * The host object wasm calls back: time, sticky assignments, randomness.
 * Made outside the Engine's constructor on purpose: wasm keeps the host
 * alive, and closures created inside the constructor would share its
 * scope, `this` included, so the Engine could never be collected (nor its
 * wasm memory freed).
 */
function makeHost(call, memory) {
  return {
    now: () => {
      const t = call.now;
      return typeof t === 'number' && Number.isFinite(t) ? t : (call.now = dateTime(t) ?? clockNow(call.clock));
    },
    sticky: (feature, head, headLen, unit, unitLen, kept) => stickyLookup(call, memory, feature, head, headLen, unit, unitLen, kept),
    random,
  };
}

/**
 * The host's sticky lookup: the implementation index stored for the sticky
 * key whose two parts are in wasm memory (see `sticky` in
 * src/wasm/mod.rs), -1 if none. A store that throws counts as none. A long
 * unit the engine `kept` in the scratch area is read once per call,
 * however many experiments ask for it, and the stores of store.js take
 * the key in its two parts, to digest the unit once per call too.
 */
function stickyLookup(call, memory, feature, head, headLen, at, len, kept) {
  const store = call.sticky;
  if (!store) return -1;
  try {
    let value;
    if (kept) {
      const prefix = read(memory, head, headLen), unit = keptUnit(call, memory, at, len);
      const parts = lookups.get(store);
      value = parts ? parts(prefix, unit) : lookup(call, store, prefix + unit.text);
    } else value = lookup(call, store, read(memory, head, headLen + len)); // the unit follows the head
    // Only a string names an implementation (a number 5 is not "5", as
    // the command line's --sticky refuses it): anything else counts as none.
    if (typeof value !== 'string') return -1;
    if (value === PASSED) return -2;
    return call.impls[feature]?.indexOf(value) ?? -1;
  } catch {
    return -1;
  }
}

/**
 * A sticky store's or plain map's value for `key`. Keys are the units'
 * well-formed forms (`U+FFFD` for a lone surrogate), so a plain map is
 * read by its keys' forms only where `key` holds one (see withReplacement).
 */
const lookup = (call, store, key) =>
  typeof store.get === 'function' ? store.get(key) : key.includes('\uFFFD') ? withReplacement(call, store, key) : Object.hasOwn(store, key) ? store[key] : undefined;

/** The UTF-8 text at `ptr..ptr+len` in wasm memory. */
const read = (memory, ptr, len) => decoder.decode(new Uint8Array(memory.buffer, ptr, len));

/**
 * The unit at `at..at+len` in the scratch area, which holds still for the
 * whole call: read on its first use in the call (`call.units`, emptied by
 * `_begin`), the same object after.
 * @returns {import('./store.js').Unit}
 */
function keptUnit(call, memory, at, len) {
  const units = (call.units ??= new Map());
  let unit = units.get(at);
  if (unit === undefined || unit.len !== len) units.set(at, (unit = { text: read(memory, at, len), len }));
  return unit;
}

/** `call.replaced` for a plain sticky map none of whose keys holds a lone surrogate. */
const WELL_FORMED = new Map();

/**
 * A plain sticky map's value for `key` (which has U+FFFD, the unit's form
 * as TextEncoder writes it), read as the command line's JSON reader reads
 * the map: its keys with lone surrogates hold U+FFFD instead, and of keys
 * that become the same, the last in the map's order counts (as of a key
 * given twice in JSON). The map's keys are indexed by that form once per
 * call (`call.replaced`, emptied by `_begin`), and only if one of them
 * holds a lone surrogate.
 */
function withReplacement(call, map, key) {
  let index = call.replaced;
  if (!index) {
    const keys = Object.getOwnPropertyNames(map);
    index = call.replaced = keys.every((k) => k.isWellFormed()) ? WELL_FORMED : new Map(keys.map((k) => [k.toWellFormed(), k]));
  }
  const k = index === WELL_FORMED ? key : index.get(key);
  return k !== undefined && Object.hasOwn(map, k) ? map[k] : undefined;
}

/**
 * The host clock's time; Date.now() if it throws (nothing may throw through
 * wasm) or reads as no finite number (NaN from an unreadable date), as for
 * `opts.now`.
 */
function clockNow(clock) {
  try {
    const t = +clock();
    if (Number.isFinite(t)) return t;
  } catch {}
  return Date.now();
}

/**
 * A `Date`'s time (of any realm), or undefined for anything else and for
 * an invalid date: a `now` given as `new Date(...)` is that instant.
 */
function dateTime(v) {
  if (typeof v !== 'object' || v === null) return undefined;
  try {
    const t = Date.prototype.getTime.call(v);
    return Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

/** `String(v)`, or "" when that throws. */
export function text(v) {
  try {
    return String(v);
  } catch {
    return '';
  }
}

/**
 * Evaluate-all's details from wasm's form, where each distinct unit value
 * is written once (`units`) and referred to by index: long unit values are
 * not repeated per feature in wasm memory, which keeps what it grows to.
 * @param {{units: string[], details: Record<string, any>}} all
 */
function shared({ units, details }) {
  for (const d of Object.values(details)) {
    if (d.unit) {
      d.unit.value = units[d.unit.value];
      if (d.experiment != null) d.stickyKey = `${d.experiment}/${d.unit.value}`;
    }
  }
  return details;
}

/**
 * A load (and what is read of it at once), whose trap (the WebAssembly
 * memory exhausted, in practice) is a SnapshotError that says so, as
 * `problems` says it, not a bare `RuntimeError: unreachable`. (What a trap
 * left half made is not freed: the instance is not to be trusted after one.)
 * @template T @param {() => T} fn @returns {T}
 */
function loadOrSay(fn) {
  try {
    return coldCall(fn);
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError)) throw e;
    throw new SnapshotError(`the snapshot could not be loaded: ${e.message} (is the WebAssembly memory exhausted?)`, '');
  }
}

/**
 * The details of an evaluation that did not run: started from inside
 * another on the same engine (a context getter, sticky store or clock that
 * evaluates), whose context it would overwrite (GENERAL), or after `free()`
 * (PROVIDER_NOT_READY).
 * @param {string} feature @param {Engine} e
 */
function notRun(feature, e) {
  return { feature, implementation: null, reason: 'ERROR', rule: null, experiment: null, unit: null,
    stickyKey: null, errorCode: e._raw ? 'GENERAL' : 'PROVIDER_NOT_READY', revision: e.revision };
}

/**
 * The index `details` takes for a used implementation: NONE for a name
 * that is not one of the feature's (no arm has it: it is not drawn either).
 * @param {string[]} impls @param {string} used
 */
function usedIndex(impls, used) {
  const k = impls.indexOf(used);
  return k < 0 ? NONE : k;
}

/** Random 32-bit integers for `random` experiments. */
const random = () => (Math.random() * 4294967296) >>> 0;

/**
 * Writes one context value into the scratch area: its UTF-8 bytes at string
 * offset `p` and its table entry at word `at`. A string as is, a number as
 * String(n), a boolean as "true"/"false"; anything else (null, objects,
 * arrays, BigInt, symbols) is absent. Returns the next free string offset.
 *
 * The common case (an ASCII string that fits) is kept this small so that V8
 * inlines two or three of it, with the generated writer, into the caller's
 * loop; everything else is `putOther`.
 * @param {Engine} e @param {unknown} v @param {number} at @param {number} p
 */
function put(e, v, at, p) {
  if (typeof v !== 'string') return putOther(e, v, at, p);
  const n = v.length, q = e._strings + p;
  if (q + 3 * n > e._cap) return putOther(e, v, at, p);
  const u8 = e._u8;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c > 127) return putOther(e, v, at, p);
    u8[q + i] = c;
  }
  const u32 = e._u32;
  u32[at] = p;
  u32[at + 1] = n;
  return p + n;
}

/**
 * The rest of `put`: numbers and booleans (as text, back through `put`),
 * objects that JSON carries as one of those, absent values, and strings
 * that are not ASCII or need more room.
 */
function putOther(e, v, at, p) {
  if (typeof v === 'number') return put(e, '' + v, at, p);
  if (typeof v === 'boolean') return put(e, v ? 'true' : 'false', at, p);
  if (typeof v === 'object' && v !== null) {
    const j = asJson(v);
    if (j !== v && (typeof j === 'string' || typeof j === 'number' || typeof j === 'boolean')) return put(e, j, at, p);
  }
  if (typeof v !== 'string') {
    e._u32[at + 1] = ABSENT;
    return p;
  }
  const n = v.length, q = e._strings + p;
  let room = 3 * n;
  if (q + room > e._cap) {
    // Room for the string's exact UTF-8 length, not three bytes a character:
    // wasm memory never shrinks. A string memory cannot hold is absent.
    room = utf8Length(v);
    if (q + room > e._cap) e._grow(p, room);
    if (q + room > e._cap) {
      e._u32[at + 1] = ABSENT;
      return p;
    }
  }
  const len = encoder.encodeInto(v, e._u8.subarray(q, q + room)).written;
  const u32 = e._u32;
  u32[at] = p;
  u32[at + 1] = len;
  return p + len;
}

/**
 * An object as `JSON.stringify` would write it, when that is a string,
 * number or boolean: its `toJSON` (a `Date` its ISO 8601 text, or null
 * when invalid; a `URL` its href), or a boxed primitive's value (by its
 * brand, of any realm, converted as JSON converts it). What the command
 * line and the OFREP routes read, where the context came as JSON. A
 * number that is not finite, which JSON writes as null, and an object
 * whose reading throws are undefined: absent, this value only.
 * (`toJSON` is given the key "", not the property's name.)
 * @param {object} v
 */
function asJson(v) {
  try {
    /** @type {any} */
    let j = v;
    const toJSON = j.toJSON;
    if (typeof toJSON === 'function') j = toJSON.call(j, '');
    if (j !== null && typeof j === 'object') {
      if (branded(Number.prototype.valueOf, j)) j = Number(j);
      else if (branded(String.prototype.valueOf, j)) j = String(j);
      else if (branded(Boolean.prototype.valueOf, j)) j = Boolean.prototype.valueOf.call(j);
    }
    return typeof j === 'number' && !Number.isFinite(j) ? undefined : j;
  } catch {
    return undefined;
  }
}

/** Whether `o` is what `valueOf` belongs to (a boxed primitive of its kind). */
function branded(valueOf, o) {
  try {
    valueOf.call(o);
    return true;
  } catch {
    return false;
  }
}

/** The length of `s` in UTF-8 (a lone surrogate as U+FFFD: 3 bytes, as TextEncoder writes it). */
function utf8Length(s) {
  let len = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) len += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) len += 2, i++; // a pair: 4 bytes for 2 units
    else len += 2;
  }
  return len;
}

const typedArrayTag = /** @type {(this: unknown) => string | undefined} */ (
  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)?.get);
const bufferLength = /** @type {(this: unknown) => number} */ (Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')?.get);

/**
 * Whether `v` is a Uint8Array or an ArrayBuffer, of this realm or another:
 * a test runner's sandbox (Jest's environments, where `fs.readFileSync`
 * answers Node's Buffer) or an iframe, where `instanceof` is false.
 * Checked by their internal slots, as the platform's own APIs check them.
 * @param {unknown} v
 */
export function isBytes(v) {
  if (v === null || typeof v !== 'object') return false;
  try {
    // (`instanceof` asks a Proxy's getPrototypeOf trap, which may throw.)
    if (v instanceof Uint8Array || v instanceof ArrayBuffer) return true;
    if (ArrayBuffer.isView(v)) return typedArrayTag.call(v) === 'Uint8Array';
    bufferLength.call(v); // throws for anything but an ArrayBuffer
    return true;
  } catch {
    return false;
  }
}

/** The largest snapshot accepted, in bytes (SPEC section 1: 16 MiB); the client reads no more of an answer. */
export const MAX_BYTES = 16 * 1024 * 1024;

/**
 * `bytes`, unless they are over the limit: refused here as wasm refuses
 * them (`too_big` in src/snapshot/compile), before they are copied into
 * wasm memory, which would keep their size for good (wasm memory never
 * shrinks), or trap where it cannot take them.
 * @template {Uint8Array} T @param {T} bytes @returns {T}
 */
function withinLimit(bytes) {
  if (bytes.length <= MAX_BYTES) return bytes;
  throw new SnapshotError(`the snapshot is ${bytes.length} bytes, more than the limit of 16 MiB (${MAX_BYTES} bytes)`, '');
}

/** Marks an Engine, of this copy of the package or another (a registered symbol: every copy has the same). */
const ENGINE = Symbol.for('feats-edge.engine');

/**
 * Whether `v` is an Engine of another copy of the package (two bundles
 * that each include it, or its Node and default entries both loaded):
 * not one of this copy's, whose engines live in another instance's
 * memory. Serialized, its fields read as a snapshot without `schema`.
 * @param {unknown} v
 */
function ofAnotherCopy(v) {
  try {
    return v !== null && typeof v === 'object' && !(v instanceof Engine) && /** @type {any} */ (v)[ENGINE] === true;
  } catch {
    return false; // (a Proxy whose traps throw: read as any object)
  }
}

/**
 * What `v` is when it is the snapshot still on its way (a promise not
 * awaited, the Response it came in), or already loaded (an Engine of this
 * copy), said with what to give instead; null otherwise. Serialized, each
 * read as a snapshot without `schema`.
 * @param {unknown} v
 */
function onItsWay(v) {
  try {
    if (v === null || typeof v !== 'object') return null;
    if (v instanceof Engine) return 'an Engine already: use it as it is (createClient takes it as `snapshot`), or give the snapshot it was made from';
    if (typeof (/** @type {any} */ (v).then) === 'function') return 'a Promise: await it, and give what it resolves to';
    if (typeof Response === 'function' && v instanceof Response) return 'a Response: give its text (await res.text()) or its bytes';
  } catch {} // (a Proxy whose traps throw: read as any object)
  return null;
}

/**
 * Loads the snapshot into wasm: bytes as they are (checked as UTF-8 there),
 * a string encoded natively, an object serialized first.
 * @param {any} RawEngine
 * @param {unknown} snapshot
 * @param {object} host
 */
function load(RawEngine, snapshot, host) {
  if (isBytes(snapshot)) {
    // The bindings size wasm's copy by `length`, then copy what the array
    // holds: a subclass or a Proxy whose `length` says less would have the
    // copy write past it, into other engines' memory. Anything but a plain
    // Uint8Array is first copied into one, whose length is what it holds.
    let bytes;
    try {
      const plain = ArrayBuffer.isView(snapshot) && Object.getPrototypeOf(snapshot) === Uint8Array.prototype && !Object.hasOwn(snapshot, 'length');
      bytes = plain ? snapshot : new Uint8Array(/** @type {any} */ (snapshot));
    } catch (e) {
      throw new SnapshotError(`the snapshot's bytes cannot be read: ${/** @type {Error} */ (e)?.message}`, '');
    }
    return RawEngine.load(withinLimit(bytes), host);
  }
  if (ofAnotherCopy(snapshot)) {
    throw new SnapshotError('the snapshot is an Engine of another copy of feats-edge (the package is loaded twice, each with its own WebAssembly instance): give the snapshot itself, or have the application import one copy', '');
  }
  const pending = onItsWay(snapshot);
  if (pending) throw new SnapshotError(`the snapshot is ${pending}`, '');
  let text = snapshot;
  if (typeof text !== 'string') {
    try {
      text = JSON.stringify(snapshot);
    } catch (e) {
      throw new SnapshotError(`the snapshot cannot be serialized: ${/** @type {Error} */ (e).message}`, '');
    }
    if (typeof text !== 'string') throw new SnapshotError('the snapshot must be JSON text or a JSON object', '');
  }
  // The encoder's output is UTF-8 by definition: wasm does not check it again.
  return RawEngine.load_text(withinLimit(encoder.encode(text)), host);
}

export class Engine {
  /** The mark of an Engine (see ofAnotherCopy). */
  get [ENGINE]() {
    return true;
  }

  /**
   * @param {string | object | Uint8Array | ArrayBuffer} snapshot the snapshot
   *   document: JSON text, its UTF-8 bytes, or the parsed object
   * @throws {SnapshotError} when the snapshot is refused as a whole, or
   *   could not be loaded (path "": the WebAssembly memory exhausted)
   */
  constructor(snapshot) {
    const { RawEngine, memory } = need();
    /** @type {{ now?: unknown, clock: () => number, sticky: any, impls: (string[] | undefined)[], units: Map<number, any> | null, replaced: Map<string, string> | null }} */
    const call = this._call = { now: undefined, clock: Date.now, sticky: null, impls: [], units: null, replaced: null };
    // Bytes cross in one copy; a string is encoded natively first.
    const [raw, headText] = loadOrSay(() => {
      const raw = load(RawEngine, snapshot, makeHost(call, memory));
      return [raw, raw.head()];
    });
    // Little crosses at load (see src/wasm/mod.rs): each feature's plan and
    // names cross on its first evaluation, the full lists when asked for.
    // A refused snapshot's head is the error alone.
    const head = JSON.parse(headText);
    if (head.refused) {
      raw.free();
      throw new SnapshotError(head.refused.message, head.refused.path);
    }
    this._raw = raw;
    this._memory = memory;
    /** @type {string} */
    this.revision = head.revision;
    this._count = head.count;
    call.impls = new Array(head.count);
    /** @type {Record<string, number>} feature indices by name, filled as
     * names are asked (a prototype-less object: faster than a Map here) */
    this._index = Object.create(null);
    this._inputs = head.inputs;
    this._slotInput = head.slots.map((s) => s[0]);
    this._slotPath = head.slots.map((s) => s.slice(1));
    this._table = head.table >> 2;
    this._strings = head.strings;
    /** @type {any[]} per feature its plan, on first use */
    this._plans = new Array(head.count);
    /** @type {Set<number>} the boolean features among those planned */
    this._booleans = new Set();
    /** @type {Map<string, any>} plans by their slots: features that read the same share one */
    this._shared = new Map();
    this._all = undefined;
    /** an evaluation is running: one started meanwhile is not run (see notRun) */
    this._busy = false;
    /**
     * free() was called during an evaluation (from a context getter,
     * sticky store or clock): done when it ends, by the call's `finally`,
     * which calls nothing else (near the stack's limit a call there could
     * throw before `_busy` was reset, and the engine would refuse every
     * later call); out of stack, by a later call's end or the collector
     */
    this._freeLater = false;
    /** an exception ended a call into wasm: the engine is released at the next (see _recover) */
    this._unwound = false;
    this._features = undefined;
    this._problems = undefined;
    /** whether generated code may be used (tests replace it) */
    this._codegen = codegen;
    this._views();
    cleanup?.register(this, raw, this);
  }

  /** @type {{path: string, message: string}[]} feature problems (checks every feature once) */
  get problems() {
    if (this._problems === undefined) {
      try {
        this._problems = JSON.parse(coldCall(() => this._raw?.problems()) ?? '[]');
      } catch (e) {
        // Compiling every feature trapped (wasm memory exhausted: by a
        // snapshot, or by engines of this instance not freed).
        const hint = e instanceof WebAssembly.RuntimeError ? ' (is the WebAssembly memory exhausted?)' : '';
        return [{ path: '', message: `the features could not all be compiled: ${e?.message ?? e}${hint}` }];
      }
    }
    return this._problems;
  }

  /** @type {{name: string, type: 'multi'|'boolean', implementations: string[], default: string|null, inputs: string[]}[]} */
  get features() {
    return this._list(false);
  }

  /**
   * The features this engine may evaluate differently from `previous`, the
   * engine of the snapshot it replaces: those whose definition, or a
   * segment or activation they read, is written differently (key order,
   * spacing, how numbers are spelt, `description` and `meta` aside), and
   * those added, in this engine's order; then those removed. Every feature
   * when `previous` is no engine, or either has been freed (of a freed
   * engine, those it listed before, through `features`).
   * @param {Engine | null | undefined} previous
   * @returns {string[]}
   */
  changes(previous) {
    const all = () => everyFeature(this, previous instanceof Engine ? previous : null);
    if (!this._raw || !(previous instanceof Engine) || !previous._raw) return all();
    try {
      const at = coldCall(() => this._raw.changes(previous._raw));
      const names = this.features, before = previous.features;
      return Array.from(at, (i) => (i < names.length ? names[i] : before[i - names.length]).name);
    } catch {
      // A trapped instance (memory exhausted reading both documents).
      return all();
    }
  }

  /**
   * The features (see `features`), read once. `compile`: every feature
   * compiled first, for evaluate-all (listing alone reads declarations).
   */
  _list(compile) {
    if (this._features === undefined) {
      this._features = JSON.parse(coldCall(() => this._raw?.features(compile)) ?? '[]');
      this._features.forEach((f, i) => { this._call.impls[i] ??= f.implementations; });
    }
    return this._features;
  }

  /**
   * The index of a feature by name, -1 if none (or not a string); asks
   * wasm once per name. See _findAny.
   */
  _find(name) {
    if (typeof name !== 'string') return -1;
    let i = this._index[name];
    if (i !== undefined) return i;
    if (!this._raw) return -1;
    i = this._raw.find(name);
    if (i >= 0) this._index[name] = i;
    return i;
  }

  /**
   * _find for a name that may not be a string: read as `String(name)` (as
   * an object's key would be), so that `new String("F")` is feature F.
   * (Kept out of _find: the coercion there made the fast path ~10 % slower.)
   */
  _findAny(name) {
    return this._find(typeof name === 'string' ? name : text(name));
  }

  /**
   * Whether feature `name` is boolean; null for no such feature (or when
   * it cannot be told: during an evaluation, freed): for the client's
   * `isEnabled` and the OpenFeature providers' typing.
   * @param {string} name
   * @returns {boolean | null}
   */
  _isBoolean(name) {
    if (this._busy || !this._raw) return null;
    try {
      const i = coldCall(() => this._findAny(name));
      if (i < 0) return null;
      coldCall(() => this._plan(i));
      return this._booleans.has(i);
    } catch {
      return null;
    }
  }

  /** The plan of feature `i`, fetched and compiled on first use. */
  _plan(i) {
    const known = this._plans[i];
    if (known !== undefined) return known;
    const p = JSON.parse(this._raw.plan(i));
    this._call.impls[i] = p.implementations;
    if (p.boolean) this._booleans.add(i);
    return (this._plans[i] = this._makePlan(p.slots));
  }

  /** Everything evaluate-all needs: every feature's names, and every slot. */
  _everything() {
    if (this._all) return this._all;
    const features = this._list(true);
    this._all = {
      plan: this._makePlan(this._slotInput.map((_, i) => i)), // every slot
      names: features.map((f) => f.name),
      impls: this._call.impls,
      shape: undefined,
      calls: 0,
      /** @type {Uint16Array | undefined} */
      codes: undefined,
    };
    return this._all;
  }

  /**
   * What to read for a set of slots: the inputs as flat [index, name, …]
   * pairs, and per slot its table position, input, key path and, where a
   * key of it holds U+FFFD, which ones (`odd`, else null: see replacedKey).
   * One plan (and one generated writer) per distinct set of slots.
   * @param {number[]} slots
   */
  _makePlan(slots) {
    const key = slots.join();
    const known = this._shared.get(key);
    if (known) return known;
    const inputs = [...new Set(slots.map((s) => this._slotInput[s]))];
    const plan = {
      inputs: inputs.flatMap((i) => [i, this._inputs[i]]),
      slots: slots.map((s) => ({ at: this._table + 2 * s, input: this._slotInput[s], path: this._slotPath[s], odd: oddKeys(this._slotPath[s]) })),
      write: undefined, // generated after WRITER_AFTER uses: see _writer
      uses: 0,
    };
    this._shared.set(key, plan);
    return plan;
  }

  /**
   * The plan's generated writer: straight-line code with literal keys, so
   * every property load is monomorphic, writing each value as it is read.
   * Null where code generation is not allowed.
   */
  _writer(plan) {
    if (plan.write !== undefined) return plan.write;
    const q = JSON.stringify;
    const obj = (v) => `(${v} !== null && typeof ${v} === 'object' && !Array.isArray(${v}))`;
    const lines = [];
    for (let k = 0; k < plan.inputs.length; k += 2) {
      const i = plan.inputs[k];
      const name = this._inputs[i];
      const read = name === '__proto__' ? `input(ctx, "__proto__")` : `ctx[${q(name)}]`;
      lines.push(`const i${i} = ${read}, o${i} = ${obj(`i${i}`)}; u8[${i}] = o${i} ? 1 : 0;`);
    }
    lines.push('let v, p = 0;');
    for (const slot of plan.slots) {
      slot.path.forEach((key, k) => {
        const at = (o) => (slot.odd?.[k] ? `replacedKey(${o}, ${q(key)})` : `${o}[${q(key)}]`);
        lines.push(k === 0 ? `v = o${slot.input} ? ${at(`i${slot.input}`)} : undefined;`
          : `v = v !== undefined && ${obj('v')} ? ${at('v')} : undefined;`);
      });
      if (slot.path.length === 0) lines.push(`v = o${slot.input} ? i${slot.input} : undefined;`);
      lines.push(`p = put(e, v, ${slot.at}, p);`);
    }
    lines.push('return p;');
    return (plan.write = this._codegen() && compile(() => new Function('put', 'input', 'replacedKey', `return (ctx, u8, e) => {\n${lines.join('\n')}\n}`)(put, input, replacedKey)));
  }

  _views() {
    const buf = this._memory.buffer;
    const base = this._raw.scratch();
    this._cap = this._raw.scratch_len();
    this._u8 = new Uint8Array(buf, base, this._cap);
    this._u32 = new Uint32Array(buf, base, this._cap >> 2);
  }

  /** Makes room for `extra` more string bytes past `used`. */
  _grow(used, extra) {
    const need = this._strings + used + extra + 1024;
    this._raw.reserve(Math.max(this._cap * 2, need));
    this._views();
    if (this._cap >= need) return;
    this._raw.reserve(need); // doubling was more than memory allows: just enough
    this._views();
  }

  /**
   * Writes the context's values for a plan into the scratch area.
   * @returns {number} the string bytes written, or -1 when the context is
   *   not an object or cannot be read
   */
  _write(ctx, plan) {
    // Memory grew: the views were detached. (`length`, not `byteLength`:
    // on wasm memory V8 answers the first in ~1 ns, the second in ~15.)
    if (this._u8.length === 0) this._views();
    const used = this._writeOnce(ctx, plan);
    if (this._u8.length !== 0) return used;
    // It grew while the context was read (a getter that evaluates with
    // another engine): what was written went nowhere. Written again, once.
    this._views();
    const again = this._writeOnce(ctx, plan);
    return this._u8.length !== 0 ? again : -1;
  }

  _writeOnce(ctx, plan) {
    try {
      if (!isObject(ctx)) return -1; // (a revoked Proxy throws here)
      let write = plan.write;
      if (write === undefined) write = ++plan.uses > WRITER_AFTER ? this._writer(plan) : null;
      return write ? write(ctx, this._u8, this) : this._read(ctx, plan);
    } catch {
      // A getter or Proxy that throws: the context cannot be read. (Or the
      // stack ran out growing the scratch area in wasm: released at the
      // next call, as after any exception.)
      this._unwound = true;
      return -1;
    }
  }

  /** The generic writer, where code generation is not allowed (Workers, strict CSP). */
  _read(ctx, plan) {
    const ins = plan.inputs, slots = plan.slots, u8 = this._u8;
    const objs = [];
    for (let k = 0; k < ins.length; k += 2) {
      const v = input(ctx, ins[k + 1]);
      const ok = isObject(v);
      objs[ins[k]] = ok ? v : undefined;
      u8[ins[k]] = ok ? 1 : 0;
    }
    let p = 0;
    for (let k = 0; k < slots.length; k++) {
      const path = slots[k].path, odd = slots[k].odd;
      let v = objs[slots[k].input];
      for (let j = 0; v !== undefined && j < path.length; j++) v = isObject(v) ? (odd !== null && odd[j] ? replacedKey(v, path[j]) : v[path[j]]) : undefined;
      p = put(this, v, slots[k].at, p);
    }
    return p;
  }

  _begin(opts) {
    const call = this._call;
    // Read as an instant only when a rule asks for the time (see makeHost):
    // a finite number, a valid Date; anything else (NaN from an unreadable
    // date) is not given, and the clock's time is taken.
    call.now = opts?.now;
    call.clock = typeof opts?.clock === 'function' ? opts.clock : Date.now;
    call.sticky = opts?.sticky ?? null;
    call.units = null;
    call.replaced = null;
  }

  /**
   * The implementation name for a feature, without details: the fast path.
   * @param {string} feature
   * @param {object} context
   * @param {{now?: number, sticky?: object}} [opts]
   * @returns {string | null}
   */
  implementation(feature, context, opts) {
    if (this._busy || !this._raw) return null;
    this._busy = true;
    try {
      if (this._unwound) this._recover();
      let i = this._find(feature);
      if (i < 0 && (typeof feature === 'string' || (i = this._findAny(feature)) < 0)) return null;
      const plan = this._plan(i);
      this._begin(opts);
      const r = this._raw.eval(i, this._write(context, plan));
      return r < 0 ? null : this._call.impls[i][r];
    } catch {
      // Throwing options, an exception through wasm (see repairStack), a trapped
      // instance (memory exhausted; README, "Decisions"): every engine of a
      // trapped instance answers as not run.
      this._unwound = true;
      try {
        repairStack();
      } catch { /* out of stack: queued again by _recover */ }
      return null;
    } finally {
      this._busy = false;
      if (this._freeLater) {
        try {
          this.free();
        } catch { /* out of stack: see _freeLater */ }
      }
    }
  }

  /**
   * Every feature's implementation name for one context: `{feature: name}`.
   * @param {object} context
   * @param {{now?: number, sticky?: object}} [opts]
   * @returns {Record<string, string | null>}
   */
  implementations(context, opts) {
    if (this._busy || !this._raw) return {};
    this._busy = true;
    try {
      if (this._unwound) this._recover();
      const all = this._everything();
      this._begin(opts);
      const ptr = this._raw.eval_all(this._write(context, all.plan));
      // 0: the engine is still held after an exception (see _recover); the
      // output area holds an earlier call's answers.
      if (ptr === 0) return {};
      // The output area never moves; its view is remade only when memory grew.
      let codes = all.codes;
      if (codes === undefined || codes.length !== this._count) {
        codes = all.codes = new Uint16Array(this._memory.buffer, ptr, this._count);
      }
      const impls = all.impls;
      // From call SHAPE_AFTER + 1, a generated constructor (the code NONE
      // indexes nothing: null), up to SHAPE_MAX features.
      if (all.shape === undefined && ++all.calls > SHAPE_AFTER) {
        all.shape = this._codegen() && all.names.length <= SHAPE_MAX && compile(() => shapeOf(all.names));
      }
      if (all.shape) return new all.shape(codes, impls);
      /** @type {Record<string, string | null>} */
      const out = {};
      for (let i = 0; i < codes.length; i++) {
        const c = codes[i];
        setOwn(out, all.names[i], c === NONE ? null : impls[i][c]);
      }
      return out;
    } catch {
      this._unwound = true;
      try {
        repairStack();
      } catch { /* out of stack: queued again by _recover */ }
      return {};
    } finally {
      // After the codes are read: a free() meanwhile releases them.
      this._busy = false;
      if (this._freeLater) {
        try {
          this.free();
        } catch { /* out of stack: see _freeLater */ }
      }
    }
  }

  /**
   * The details of one evaluation (SPEC section 2). Never throws.
   *
   * `opts.used`: the implementation the caller has used, to ask for the
   * evaluation that served it (what an exposure reports): a `random`
   * experiment takes it as its draw when only its draw could give it,
   * falls through when it is not one of its arms, and decides at random,
   * by the chance of each, when the rules after it could give it too.
   * Details list in `fellThrough` the sticky keys of `random` experiments
   * whose draw fell through (absent when none).
   * @param {string} feature
   * @param {object} context
   * @param {{now?: number, sticky?: object, used?: string}} [opts]
   */
  evaluate(feature, context, opts) {
    const name = typeof feature === 'string' ? feature : text(feature);
    if (this._busy || !this._raw) return notRun(name, this);
    this._busy = true;
    try {
      if (this._unwound) this._recover();
      const i = this._findAny(name);
      this._begin(opts);
      const used = i < 0 ? 0 : this._write(context, this._plan(i));
      const served = i < 0 || typeof opts?.used !== 'string' ? -1 : usedIndex(this._call.impls[i], opts.used);
      return JSON.parse(this._raw.details(i, name, used, served));
    } catch {
      this._unwound = true;
      try {
        repairStack();
      } catch { /* out of stack: queued again by _recover */ }
      return notRun(name, this);
    } finally {
      this._busy = false;
      if (this._freeLater) {
        try {
          this.free();
        } catch { /* out of stack: see _freeLater */ }
      }
    }
  }

  /**
   * The details of every feature for one context: `{feature: details}`.
   * @param {object} context
   * @param {{now?: number, sticky?: object}} [opts]
   */
  evaluateAll(context, opts) {
    if (this._busy || !this._raw) return {};
    this._busy = true;
    try {
      if (this._unwound) this._recover();
      const all = this._everything();
      this._begin(opts);
      return shared(JSON.parse(this._raw.details_all(this._write(context, all.plan))));
    } catch {
      this._unwound = true;
      try {
        repairStack();
      } catch { /* out of stack: queued again by _recover */ }
      return {};
    } finally {
      this._busy = false;
      if (this._freeLater) {
        try {
          this.free();
        } catch { /* out of stack: see _freeLater */ }
      }
    }
  }

  /**
   * How `units` synthetic units split across a feature's implementations:
   * the unit segment's placeholders that `context` leaves empty set to
   * "1".."N", the rest of `context` as given.
   * @param {string} feature
   * @param {number} units
   * @param {object} [context]
   * @param {{by?: string, now?: number}} [opts] `by`: the unit segment (default, when left out: the first split's; `""` is refused)
   * @returns {{segment: string, units: number, counts: Record<string, number>, none: number}}
   * @throws {Error} when the feature cannot be simulated; a RangeError when
   *   `units` is not a whole number from 1 to 100 000 000
   */
  simulate(feature, units, context = {}, opts) {
    if (this._busy || !this._raw) throw new Error(`cannot simulate ${text(feature)}: ${this._raw ? 'called during an evaluation' : 'the engine is freed'}`);
    // As the command line's --units: a count that wraps (-1 as 2^32 - 1) would run for minutes.
    if (!Number.isInteger(units) || units < 1 || units > MAX_UNITS) {
      // (A string quoted: "not 10" said of "10" read as a contradiction.)
      const given = typeof units == 'string' ? `the string ${JSON.stringify(units)}` : text(units);
      throw new RangeError(`cannot simulate ${text(feature)}: units must be a whole number from 1 to ${MAX_UNITS}, not ${given}`);
    }
    // As --context: every unit of a context that is no object would get the default.
    if (!isObject(context)) throw new TypeError(`cannot simulate ${text(feature)}: the context must be an object, not ${context === null ? 'null' : Array.isArray(context) ? 'an array' : `a ${typeof context}`}`);
    this._busy = true;
    let r, impls;
    try {
      if (this._unwound) this._recover();
      const all = this._everything();
      this._begin(opts);
      const by = opts?.by, segment = by == null ? '' : String(by);
      // As the command line's `--by ''`: an empty name is a mistake (an
      // unset variable, an empty field), not a request for the default,
      // which is `by` left out.
      r = by != null && !segment ? { error: 'by is empty' } : JSON.parse(this._raw.simulate(String(feature), segment, units, this._write(context, all.plan)));
      // Read now: a free() from the context, clock or sticky store releases the engine in `finally`.
      impls = this._call.impls[this._find(String(feature))];
    } catch (e) {
      this._unwound = true;
      try {
        repairStack();
      } catch { /* out of stack: queued again by _recover */ }
      throw e;
    } finally {
      this._busy = false;
      if (this._freeLater) {
        try {
          this.free();
        } catch { /* out of stack: see _freeLater */ }
      }
    }
    // (`text`: a Symbol, read as String(feature) above, throws in a template.)
    if (r.error) throw new Error(`cannot simulate ${text(feature)}: ${r.error}`);
    return {
      segment: r.segment,
      units,
      counts: Object.fromEntries(impls.map((name, i) => [name, r.counts[i]])),
      none: r.counts[impls.length],
    };
  }

  /**
   * At the start of a call, after an exception ended this engine's previous
   * one (noted in the `catch` of each call): releases the wasm side's hold
   * on its scratch area, which no frame can be using now, and has the
   * stack repaired (queued there too, if the stack left room for it).
   */
  _recover() {
    this._unwound = false;
    this._raw.recover();
    repairStack();
  }

  /** Releases the wasm memory now instead of at garbage collection (after the call under way, if any). */
  free() {
    if (this._busy) {
      this._freeLater = true;
      return;
    }
    this._freeLater = false;
    if (!this._raw) return;
    cleanup?.unregister(this);
    try {
      this._raw.free();
    } catch {
      // A trapped instance refuses, and so does an engine whose call an
      // exception unwound (see repairStack): dropped all the same, its memory
      // leaked. The refusal was thrown from inside wasm.
      repairStack();
    }
    this._raw = null;
  }
}

/**
 * Every feature of `engine`, then those of `previous` it lacks: what
 * `changes` answers where it cannot compare (of a freed engine, the
 * features it listed before).
 * @param {Engine} engine @param {Engine | null} previous
 * @returns {string[]}
 */
export function everyFeature(engine, previous) {
  const names = engine.features.map((f) => f.name), mine = new Set(names);
  return names.concat(previous ? previous.features.map((f) => f.name).filter((n) => !mine.has(n)) : []);
}

/**
 * The bucket of SPEC section 3: an integer in [0, 10000).
 * @param {string} salt @param {string} unit
 */
export function bucket(salt, unit) {
  const [s, u] = [String(salt), String(unit)];
  return coldCall(() => need().bucket(s, u));
}
