// The loaded WebAssembly module, shared by every part of the package.
// Entry points (index.js, node.js, workerd.js) call `setWasm` once; an entry
// that loads it asynchronously (index.js) also registers its `init` with
// `setLoader`, so that a client can start it itself.

/** @type {{ RawEngine: any, bucket: (salt: string, unit: string) => number, buckets: (salt: string, text: string) => Uint16Array, memory: WebAssembly.Memory } | null} */
export let wasm = null;

/** @type {(() => Promise<void>) | null} */
let loader = null;

/**
 * How the runtime ties I/O to requests. `perRequest` (set by the Workers
 * entry): a promise started while serving one request must not be awaited
 * while serving another, so a client's flushes share nothing.
 */
export const runtime = { perRequest: false };

/** @param {any} bindings the generated module  @param {any} exports the instance's exports */
export function setWasm(bindings, exports) {
  wasm = { RawEngine: bindings.RawEngine, bucket: bindings.bucket, buckets: bindings.buckets, memory: exports.memory };
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
