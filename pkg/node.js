// Node entry: the wasm is read from disk and instantiated at import, so
// `init()` resolves at once.
import { readFileSync } from 'node:fs';
import * as bindings from './gen/feats_edge.js';
import { setWasm } from './src/wasm.js';

const exports = bindings.initSync({ module: readFileSync(new URL('./gen/feats_edge_bg.wasm', import.meta.url)) });
setWasm(bindings, exports);

/** Loads the wasm; already done in Node. */
export const init = async () => {};
/** Instantiates synchronously; already done here. */
export const initSync = () => {};
export { Engine, SnapshotError, bucket } from './src/engine.js';
export { createClient } from './src/client.js';
