// Node entry: the wasm is read from disk and instantiated at import, so
// `init()` resolves at once.
//
// The build bundles this file with everything it imports into gen/node.js
// (one ES module instead of six: ~2–3 ms less to import in a cold process),
// which is what the package's `node` condition points to. The .wasm is
// named relative to whichever of the two files runs (the build sets
// __FEATS_EDGE_WASM__, and the bundle keeps only its own name).
import { initSync as instantiate } from './gen/feats_edge.js';
import { setLoader, setWasm, loading } from './src/wasm.js';

/* global __FEATS_EDGE_WASM__ */

// `node:fs` is taken with `process.getBuiltinModule` (Node 20.16 and
// later), not imported: the first import of it as an ES module builds its
// facade, which loads Node's streams, and added about 1 ms to the import
// of this package in a process that had not imported it before. Earlier
// Node 20 imports it in `init()`, which then loads the wasm.
const fs = globalThis.process?.getBuiltinModule?.('node:fs');
if (fs) setWasm(instantiate({ module: read(fs) }));
else {
  /** @type {Promise<void> | null} */
  let pending = null;
  setLoader(() => (pending ??= import('node:fs').then((fs) => setWasm(instantiate({ module: read(fs) }))).catch((e) => {
    pending = null; // (tried again by the next `init()`)
    throw e;
  })));
}

/**
 * The .wasm's bytes, beside this module or elsewhere (see `elsewhere`).
 * @param {typeof import('node:fs')} fs
 */
function read(fs) {
  try {
    // import.meta.dirname (Node 20.11 and later) spares building a URL. A
    // bundler may leave it unset (Next.js's server components).
    const dir = import.meta.dirname;
    if (typeof dir != 'string') throw new Error('import.meta.dirname is not set here');
    return fs.readFileSync(`${dir}/${typeof __FEATS_EDGE_WASM__ == 'boolean' ? '' : 'gen/'}feats_edge_bg.wasm`);
  } catch (e) {
    return elsewhere(fs, e);
  }
}

/**
 * The .wasm when it is not beside this module: an application bundled the
 * module into its own file. webpack copies the file, as it does for any
 * `new URL(literal, import.meta.url)`, and rewrites the URL; after esbuild,
 * the installed package's is read.
 * @param {typeof import('node:fs')} fs @param {Error} missed why it was not found beside this module
 */
function elsewhere(fs, missed) {
  const places = [
    () => (typeof __FEATS_EDGE_WASM__ == 'boolean'
      ? new URL('./feats_edge_bg.wasm', import.meta.url)
      : new URL('./gen/feats_edge_bg.wasm', import.meta.url)),
    () => new URL(import.meta.resolve('feats-edge/feats_edge_bg.wasm')),
  ];
  for (const place of places) {
    try {
      return fs.readFileSync(place());
    } catch {}
  }
  throw new Error(
    `feats-edge: no feats_edge_bg.wasm beside ${import.meta.url} (${missed.message}), nor an installed feats-edge to take it from. ` +
      'A bundle of the package needs feats-edge/feats_edge_bg.wasm copied beside it, or the package left out of the bundle (esbuild --external:feats-edge, ' +
      "webpack externals, Next.js serverExternalPackages)",
    { cause: missed },
  );
}

/** Loads the wasm: done at import where `process.getBuiltinModule` is (Node 20.16 and later). */
export const init = async () => void (await loading());
/** Instantiates synchronously; already done here. */
export const initSync = () => {};
export { Engine, SnapshotError, bucket } from './src/engine.js';
export { createClient } from './src/client.js';
export { isolateClient } from './src/isolate.js';
