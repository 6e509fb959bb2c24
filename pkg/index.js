// Browser, bundler and default entry: `await init()` fetches and
// instantiates the .wasm next to this file (or the source you pass).
import * as bindings from './gen/feats_edge.js';
import { setLoader, setWasm, wasm } from './src/wasm.js';

let loading = null;

/**
 * Loads the wasm once. Optional `source`: a URL, Response, BufferSource or
 * WebAssembly.Module, for pages that host the .wasm elsewhere. After a
 * failure (the .wasm unreachable, say) the next call tries again.
 * `createClient` calls it itself if nothing has, while it fetches the first
 * snapshot.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [source]
 */
export function init(source) {
  if (wasm) return Promise.resolve();
  loading ??= (async () => {
    const exports = await bindings.default({ module_or_path: source ?? new URL('./gen/feats_edge_bg.wasm', import.meta.url) });
    setWasm(bindings, exports);
  })().catch((e) => {
    loading = null;
    throw e;
  });
  return loading;
}

setLoader(() => init());

/**
 * Instantiates synchronously from bytes or a compiled module (for runtimes
 * that forbid top-level await or fetch).
 * @param {BufferSource | WebAssembly.Module} module
 */
export function initSync(module) {
  if (!wasm) setWasm(bindings, bindings.initSync({ module }));
}

export { Engine, SnapshotError, bucket } from './src/engine.js';
export { createClient } from './src/client.js';
