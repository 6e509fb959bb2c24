// Vercel's Edge Runtime (`edge-light`: Next.js middleware and edge routes)
// entry: the wasm is imported as a compiled module (`?module`, as Next.js
// bundles it for the edge) and instantiated synchronously at import.
import { initSync as instantiate } from './gen/feats_edge.js';
import compiled from './gen/feats_edge_bg.wasm?module';
import { runtime, setWasm } from './src/wasm.js';

/**
 * `next start` and `next dev` run edge code in a sandbox whose
 * `WebAssembly` is not the realm that compiled the module: the bindings'
 * `instanceof` check would refuse it and try to compile it as bytes, while
 * the instance takes it all the same. (Anything but a module, such as
 * bytes, is left for the bindings to compile.)
 * @param {any} m
 */
function ownRealm(m) {
  if (m instanceof WebAssembly.Module) return m;
  try {
    WebAssembly.Module.exports(m); // throws unless `m` is a module, of any realm
  } catch {
    return m;
  }
  return Object.setPrototypeOf(m, WebAssembly.Module.prototype);
}

setWasm(instantiate({ module: ownRealm(compiled) }));
// As in Workers: Vercel's edge has refused I/O that one invocation started
// and another awaits (vercel/edge-runtime#169), so a client's requests
// belong to the call that made them.
runtime.perRequest = true;

/** Loads the wasm; already done here. */
export const init = async () => {};
/** Instantiates synchronously; already done here. */
export const initSync = () => {};
export { Engine, SnapshotError, bucket } from './src/engine.js';
export { createClient } from './src/client.js';
export { isolateClient } from './src/isolate.js';
