// The loaded WebAssembly module, shared by every part of the package.
// Entry points (index.js, node.js, workerd.js) call `setWasm` once.

/** @type {{ RawEngine: any, bucket: (salt: string, unit: string) => number, buckets: (salt: string, text: string) => Uint16Array, memory: WebAssembly.Memory } | null} */
export let wasm = null;

/** @param {any} bindings the generated module  @param {any} exports the instance's exports */
export function setWasm(bindings, exports) {
  wasm = { RawEngine: bindings.RawEngine, bucket: bindings.bucket, buckets: bindings.buckets, memory: exports.memory };
}

/** @returns {NonNullable<typeof wasm>} */
export function need() {
  if (!wasm) throw new Error('feats-edge: call `await init()` first');
  return wasm;
}
