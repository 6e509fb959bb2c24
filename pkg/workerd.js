// Cloudflare Workers (workerd) entry: the wasm is imported as a compiled
// module (Workers refuse to compile wasm from bytes at run time) and
// instantiated synchronously at import.
import { initSync as instantiate } from './gen/feats_edge.js';
import module from './gen/feats_edge_bg.wasm';
import { runtime, setWasm } from './src/wasm.js';

setWasm(instantiate({ module }));
runtime.perRequest = true;

/** Loads the wasm; already done in Workers. */
export const init = async () => {};
/** Instantiates synchronously; already done here. */
export const initSync = () => {};
export { Engine, SnapshotError, bucket } from './src/engine.js';
export { createClient } from './src/client.js';
export { isolateClient } from './src/isolate.js';
