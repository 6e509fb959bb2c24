// The loaded WebAssembly module, shared by every part of the package.
// Entry points (index.js, node.js, workerd.js, edge-light.js) instantiate
// it with the bindings' `initSync` and call `setWasm` once; an entry that
// loads it asynchronously (index.js) also registers its `init` with
// `setLoader`, so that a client can start it itself.
//
// The bindings are imported by name, here and in the entries, never as a
// namespace object: a bundler then leaves out what the package never
// calls (the bindings' own asynchronous loader).
import { RawEngine, bucket, seed } from '../gen/feats_edge.js';

/**
 * `stack(delta)` moves the module's own stack pointer by `delta` and
 * answers where it is; `top` is where it stands when no call is under way
 * (see `repair` in engine.js).
 * @type {{ RawEngine: any, bucket: (salt: string, unit: string) => number, memory: WebAssembly.Memory, stack: (delta: number) => number, top: number } | null}
 */
export let wasm = null;

/** @type {(() => Promise<void>) | null} */
let loader = null;

/**
 * How the runtime ties I/O to requests. `perRequest` (set by the Workers
 * entry): a promise started while serving one request must not be awaited
 * while serving another, so a client's flushes share nothing.
 */
export const runtime = { perRequest: false };

/** @param {any} exports the instance's exports */
export function setWasm(exports) {
  // The key of the engine's name tables (a snapshot cannot choose names
  // that collide without it), drawn here: the core draws no randomness.
  // Math.random, not crypto: its state is seeded per isolate and never
  // seen by a snapshot's author, and Node's first `crypto` access cost
  // 1.9 ms of every cold start (Workers refuse it at startup anyway).
  seed((Math.random() * 2 ** 32) >>> 0, ((Math.random() * 2 ** 32) | 1) >>> 0);
  // (`dev build` checks that the module exports it.)
  const stack = exports.__wbindgen_add_to_stack_pointer ?? (() => 0);
  wasm = { RawEngine, bucket, memory: exports.memory, stack, top: stack(0) };
}

/** @param {() => Promise<void>} load the entry's `init()` */
export function setLoader(load) {
  loader = load;
}

/**
 * Null once the wasm is loaded; else a promise of it, from the entry's
 * `init()` (started here if nothing started it yet).
 * @returns {Promise<void> | null}
 */
export function loading() {
  if (wasm) return null;
  return loader ? loader() : Promise.reject(new Error('feats-edge: call `await init()` first'));
}

/** @returns {NonNullable<typeof wasm>} */
export function need() {
  if (!wasm) throw new Error('feats-edge: call `await init()` first');
  return wasm;
}
