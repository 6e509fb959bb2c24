// Vercel's Edge Runtime (`edge-light`: Next.js middleware and edge routes)
// entry: the wasm is imported as a compiled module (`?module`, as Next.js
// bundles it for the edge) and instantiated synchronously at import.
import * as bindings from './gen/feats_edge.js';
import compiled from './gen/feats_edge_bg.wasm?module';
import { setWasm } from './src/wasm.js';

// `next start` and `next dev` run edge code in a sandbox whose
// `WebAssembly` is not the realm that compiled the module: the bindings'
// `instanceof` check would refuse it, and try to compile it as bytes. The
// instance takes it all the same.
const module = compiled instanceof WebAssembly.Module ? compiled : Object.setPrototypeOf(compiled, WebAssembly.Module.prototype);
setWasm(bindings, bindings.initSync({ module }));

/** Loads the wasm; already done here. */
export const init = async () => {};
/** Instantiates synchronously; already done here. */
export const initSync = () => {};
export { Engine, SnapshotError, bucket } from './src/engine.js';
export { createClient } from './src/client.js';
export { isolateClient } from './src/isolate.js';
