// Browser, bundler and default entry: `await init()` fetches and
// instantiates the .wasm next to this file (or the source you pass).
import { initSync as instantiate } from './gen/feats_edge.js';
import { setLoader, setWasm, wasm } from './src/wasm.js';

let loading = null;
/**
 * The source last given to `init()` that can be loaded again (not a
 * Response, nor a promise of one: its body is read once): what the tries
 * after a failure load, a client's own included, which call `init()`
 * without one.
 */
let given;
/** The longest the .wasm may take to arrive (ms). */
const WASM_TIMEOUT = 3e4;

/**
 * Loads the wasm once. Optional `source`: a URL, Response, BufferSource or
 * WebAssembly.Module, for pages that host the .wasm elsewhere. After a
 * failure (the .wasm unreachable, say) the next call tries again, from
 * the source it gives, else the last one given (see `given`).
 * `createClient` calls it itself if nothing has, while it fetches the first
 * snapshot.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [source]
 */
export function init(source) {
  if (wasm) return Promise.resolve();
  const refused = unloadable(source, 'init()');
  if (refused) return Promise.reject(refused);
  if (again(source)) given = source;
  loading ??= (async () => {
    source ??= given ?? new URL('./gen/feats_edge_bg.wasm', import.meta.url);
    // A URL is fetched here, under a time limit that also covers reading
    // the body: a .wasm request that never answers would otherwise hold
    // every snapshot load of a client for the page's life.
    // (A Request is fetched as a URL is, and named by its URL.)
    const request = typeof Request == 'function' && source instanceof Request;
    const name = request ? /** @type {Request} */ (source).url : source;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error(`feats-edge: ${name} did not load within ${WASM_TIMEOUT / 1000} s`)), WASM_TIMEOUT);
    try {
      const byUrl = typeof source == 'string' || source instanceof URL || request;
      // (A promise of a Response, as `fetch(url)`, is taken too.)
      const from = byUrl ? await fetched(/** @type {RequestInfo | URL} */ (source), ac.signal, name) : await source;
      // (Not there: what to do. A server error passes.)
      if (from instanceof Response && !from.ok) throw new Error(`feats-edge: ${from.url || name} answered ${from.status}${from.status == 404 ? `. ${HINT}` : ''}`);
      const module = await compile(from).catch((e) => {
        throw e instanceof WebAssembly.CompileError ? notWasm(from, e) : e;
      });
      // Instantiated now, synchronously: an `initSync()` made while this
      // compiled is kept (the bindings answer its instance again).
      if (!wasm) start(module, from instanceof Response ? from.url || name : 'the module given to init()');
    } finally {
      clearTimeout(timer);
    }
  })().catch((e) => {
    if (!refusedByPolicy(e)) {
      loading = null;
      throw e;
    }
    // Permanent: kept, so that nothing asks the page again (each refusal is a violation report).
    throw Object.assign(
      new Error(`feats-edge: this page's Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval' to script-src (${e.message})`, { cause: e }),
      { permanent: true },
    );
  });
  return loading;
}

/**
 * The response to `source`. A failure names the .wasm (the runtime's says
 * only "Failed to fetch"), a runtime with no `fetch` at all too; a file:
 * URL that Node cannot fetch is this entry run outside a browser, and the
 * error says what to do instead. (Not in a browser, which has no
 * `process`: a page opened from disk or an app shell's file: page is in
 * one, and the advice would mislead.)
 * @param {RequestInfo | URL} source @param {AbortSignal} signal @param {unknown} name
 */
async function fetched(source, signal, name) {
  try {
    return await fetch(source, { signal });
  } catch (e) {
    if (String(e?.message).startsWith('feats-edge:')) throw e; // the time limit's
    const outside = String(name).startsWith('file:') && typeof globalThis.process?.versions?.node == 'string';
    throw new Error(`feats-edge: ${name}: ${e?.message}${outside ? `. ${OUTSIDE}` : ''}`, { cause: e });
  }
}

/** What to do when this entry runs where only Node's file system reaches the .wasm. */
const OUTSIDE = "This is the package's browser entry, run outside a browser (a test runner's DOM environment, such as Jest's jsdom): " +
  "have the runner resolve its node entry (Jest: testEnvironmentOptions: { customExportConditions: ['node'] }), or pass the .wasm's bytes to init()";

/**
 * The error for a `source` of no kind that `init()` or `initSync()`
 * (`name`) takes, saying which it takes; null for one it may. A plain
 * object (the bindings' own `{module_or_path}` or `{module}` form), a
 * number or a function went to WebAssembly as it was ("Argument 0 must be
 * a buffer source"), and `init()` kept it as the source of every later
 * try, a client's own included: the page never loaded the .wasm it loads
 * by default.
 * @param {unknown} source @param {string} name
 */
function unloadable(source, name) {
  if (source == null || typeof source == 'string') return null;
  let form = '';
  try {
    if (typeof source == 'object') {
      const proto = Object.getPrototypeOf(source);
      if ((proto !== Object.prototype && proto !== null) || typeof (/** @type {any} */ (source).then) == 'function') return null;
      form = ['module_or_path', 'module'].find((k) => k in source) ?? '';
    }
  } catch {
    return null; // (a Proxy whose traps throw: left to WebAssembly, as before)
  }
  const takes = name == 'init()' ? "the .wasm's URL, a Response or a promise of one, its bytes" : "the .wasm's bytes";
  const what = form
    ? `an object in the form of wasm-bindgen's own loader ({${form}: …}): give it the value itself (${name.replace(')', name == 'init()' && form == 'module_or_path' ? 'url)' : 'bytes)')})`
    : typeof source == 'object' ? 'a plain object' : `a ${typeof source}`;
  return new TypeError(`feats-edge: ${name} takes ${takes} or a compiled WebAssembly.Module, not ${what}`);
}

/**
 * Whether `source` may be loaded again after a failure: given, and not
 * read once (a Response, or a promise of one).
 * @param {unknown} source
 */
const again = (source) => source != null && !(typeof Response == 'function' && source instanceof Response) && typeof (/** @type {any} */ (source).then) != 'function';

/**
 * The module `from` holds, compiled but not instantiated. The bindings' own
 * asynchronous init instantiates when it has compiled, and replaces an
 * instance that `initSync()` made meanwhile (`init(module)` and
 * `initSync(module)` in the same task, or `initSync` while a client's
 * `init()` fetches): the engines already made on the first then read and
 * wrote the memory of the second, where other engines live.
 * @param {Response | BufferSource | WebAssembly.Module} from
 * @returns {Promise<WebAssembly.Module>}
 */
async function compile(from) {
  if (from instanceof WebAssembly.Module) return from;
  if (!(from instanceof Response)) return WebAssembly.compile(/** @type {BufferSource} */ (from));
  if (typeof WebAssembly.compileStreaming == 'function') {
    try {
      return await WebAssembly.compileStreaming(from);
    } catch (e) {
      // Served with another Content-Type than application/wasm: compiled
      // from its bytes, as the bindings did (with their warning).
      const typed = from.headers.get('Content-Type') === 'application/wasm';
      if (typed || from.bodyUsed || !['basic', 'cors', 'default'].includes(from.type)) throw e;
      console.warn(`feats-edge: ${from.url || 'the response'} is served as ${from.headers.get('Content-Type') || 'no Content-Type'}, not application/wasm: compiled from its bytes, which is slower (serve it as application/wasm)`, e);
    }
  }
  return WebAssembly.compile(await from.arrayBuffer());
}

/**
 * The error for a response that is not the module (a page's fallback HTML,
 * most often: a bundler moved this file and left the .wasm behind), or
 * for bytes given that are not.
 * @param {Response | BufferSource} from  @param {Error} e
 */
const notWasm = (from, e) => refusedByPolicy(e) ? e : new Error(
  from instanceof Response
    ? `feats-edge: ${from.url || 'the response'} is not feats_edge_bg.wasm (${from.headers.get('Content-Type') || 'no Content-Type'}; ${e.message}). ${HINT}`
    : `feats-edge: the bytes given to init() or initSync() are not feats_edge_bg.wasm (${e.message}): give the package's file, or its URL`,
  { cause: e },
);

/** What to do when the .wasm is not where the package looks. */
const HINT = "Serve the package's feats_edge_bg.wasm there, or pass its URL to init(); with Vite 5 to 7, add optimizeDeps: { exclude: ['feats-edge'] } to its config";

/**
 * Instantiates `module` as the package's wasm. A module whose imports the
 * bindings do not give is the .wasm of another version of the package
 * (the bindings name each import with a hash of the crate's version,
 * which a release keeps equal to the package's): an older
 * file that a cache or CDN keeps under the same URL, most often. Said so:
 * the runtime's LinkError names only a generated import.
 * @param {BufferSource | WebAssembly.Module} module @param {unknown} name
 */
function start(module, name) {
  try {
    setWasm(instantiate({ module }));
  } catch (e) {
    if (!(e instanceof WebAssembly.LinkError)) throw e;
    throw new Error(`feats-edge: ${name} is the feats_edge_bg.wasm of another version of the package than this JavaScript (${e.message}). ${STALE}`, { cause: e });
  }
}

/** What to do when the .wasm is another version's. */
const STALE = 'A cache or CDN may keep an older file under the same URL: serve the .wasm that came with this JavaScript, ' +
  "under a URL that changes with each version (a bundler's hashed file name, a path with the version), or pass that URL to init()";

/** Whether compiling the .wasm was refused by the page's Content-Security-Policy. */
const refusedByPolicy = (e) => e instanceof WebAssembly.CompileError && /Content Security Policy/i.test(e.message);

setLoader(() => init());

/**
 * Instantiates synchronously from bytes or a compiled module (for runtimes
 * that forbid top-level await or fetch).
 * @param {BufferSource | WebAssembly.Module} module
 */
export function initSync(module) {
  if (wasm) return;
  const refused = unloadable(module, 'initSync()');
  if (refused) throw refused;
  try {
    start(module, 'the module given to initSync()');
  } catch (e) {
    // Bytes that are no module: said as init() says it (the runtime's words name nothing).
    throw e instanceof WebAssembly.CompileError && !(module instanceof WebAssembly.Module) ? notWasm(/** @type {BufferSource} */ (module), e) : e;
  }
}

export { Engine, SnapshotError, bucket } from './src/engine.js';
export { createClient } from './src/client.js';
export { isolateClient } from './src/isolate.js';
