// Node entry: the wasm is read from disk and instantiated at import, so
// `init()` resolves at once.
//
// The build bundles this file with everything it imports into gen/node.js
// (one ES module instead of six: ~2–3 ms less to import in a cold process),
// which is what the package's `node` condition points to. The .wasm is
// named relative to whichever of the two files runs (the build sets
// __FEATS_EDGE_WASM__, and the bundle keeps only its own name).
import { readFileSync } from 'node:fs';
import { initSync as instantiate } from './gen/feats_edge.js';
import { setWasm } from './src/wasm.js';

/* global __FEATS_EDGE_WASM__ */
let bytes;
try {
  // import.meta.dirname (Node 20.11 and later) spares building a URL. A
  // bundler may leave it unset (Next.js's server components).
  const dir = import.meta.dirname;
  if (typeof dir != 'string') throw new Error('import.meta.dirname is not set here');
  bytes = readFileSync(`${dir}/${typeof __FEATS_EDGE_WASM__ == 'boolean' ? '' : 'gen/'}feats_edge_bg.wasm`);
} catch (e) {
  bytes = elsewhere(e);
}
setWasm(instantiate({ module: bytes }));

/**
 * The .wasm when it is not beside this module: an application bundled the
 * module into its own file. webpack copies the file, as it does for any
 * `new URL(literal, import.meta.url)`, and rewrites the URL; after esbuild,
 * the installed package's is read.
 * @param {Error} missed why it was not found beside this module
 */
function elsewhere(missed) {
  const places = [
    () => (typeof __FEATS_EDGE_WASM__ == 'boolean'
      ? new URL('./feats_edge_bg.wasm', import.meta.url)
      : new URL('./gen/feats_edge_bg.wasm', import.meta.url)),
    () => new URL(import.meta.resolve('feats-edge/feats_edge_bg.wasm')),
  ];
  for (const place of places) {
    try {
      return readFileSync(place());
    } catch {}
  }
  throw new Error(
    `feats-edge: no feats_edge_bg.wasm beside ${import.meta.url} (${missed.message}), nor an installed feats-edge to take it from. ` +
      'A bundle of the package needs feats-edge/feats_edge_bg.wasm copied beside it, or the package left out of the bundle (esbuild --external:feats-edge, ' +
      "webpack externals, Next.js serverExternalPackages)",
    { cause: missed },
  );
}

/** Loads the wasm; already done in Node. */
export const init = async () => {};
/** Instantiates synchronously; already done here. */
export const initSync = () => {};
export { Engine, SnapshotError, bucket } from './src/engine.js';
export { createClient } from './src/client.js';
export { isolateClient } from './src/isolate.js';
