// The options of `createClient` as it reads them: numbers and intervals
// in range, URLs against the page and those `fetch` would refuse, headers
// no request can carry, and a sticky store given as the engine reads it.

import { text } from './engine.js';

/** A numeric option: `v` if it is a number from `min` up (Infinity included), else `fallback`. */
export const num = (v, fallback, min = 0) => (typeof v == 'number' && v >= min ? v : fallback);

/**
 * The shortest `refreshInterval` (ms): a shorter one polls this often. A
 * value meant in seconds (`refreshInterval: 60`, as some SDKs take it)
 * polled every 60 ms, from every page open, and `1` as fast as the
 * snapshot host answered.
 */
const MIN_REFRESH = 1e3;

/**
 * The `refreshInterval` option as the client reads it (ms): 0 for never,
 * else at least MIN_REFRESH; one that is no number from 0 up, the default
 * (a minute).
 * @param {unknown} v
 */
export const refreshEvery = (v) => {
  const ms = num(v, 6e4);
  return ms && Math.max(ms, MIN_REFRESH);
};

/**
 * `u` resolved against the page: [its path and query on the page's origin,
 * else the whole URL; whether it is on another origin]. Outside pages, [u, false].
 */
export function resolved(u) {
  try {
    const r = new URL(u, document.baseURI), same = r.origin == location.origin;
    return [same ? r.pathname + r.search : r.href, !same];
  } catch {
    return [String(u), false];
  }
}

/**
 * The error of a URL `fetch` would refuse on every try (a relative one
 * outside pages), permanent; null for one it takes, for none, and when a
 * `fetch` option of the caller's own (`custom`) may read it otherwise.
 * @param {unknown} u @param {string} name @param {unknown} custom
 */
export function unusable(u, name, custom) {
  if (u == null || u === '' || custom) return null;
  let base;
  try {
    base = globalThis.document?.baseURI ?? globalThis.location?.href; // a page's (a srcdoc frame's is its parent's) or a web worker's
  } catch {}
  try {
    new URL(/** @type {string} */ (u), base);
    return null;
  } catch {
    const err = new Error(`feats-edge: ${name} ${JSON.stringify(text(u))} is no absolute URL (only pages resolve relative ones)`);
    return Object.assign(err, { permanent: true });
  }
}

/**
 * Said of options that are a URL (`createClient(url)`, as other SDKs take
 * their key or URL): the options object to give instead. "" otherwise.
 * @param {unknown} o
 */
export function urlGiven(o) {
  try {
    const u = typeof o == 'string' ? o : o instanceof URL ? o.href : null;
    return u == null ? '' : ` (createClient takes options, not a URL: createClient({ snapshotUrl: ${JSON.stringify(u)} }))`;
  } catch {
    return ''; // (a Proxy whose traps throw: options like any)
  }
}

/**
 * The error of a `headers` option no request can carry (a value with a
 * line break inside, a name with a space, something `Headers` cannot be
 * made of), permanent: `fetch` would refuse it on every try. Null for
 * none and for one it takes.
 * @param {unknown} h
 */
export function unsendable(h) {
  try {
    if (h != null) new Headers(/** @type {HeadersInit} */ (h));
    return null;
  } catch (e) {
    const why = badHeader(h) ?? text(/** @type {any} */ (e)?.message).replace(/\.$/, '');
    const err = new TypeError(`feats-edge: the headers option cannot be sent: ${why}: no snapshot is fetched and no exposure is sent until it is fixed`);
    return Object.assign(err, { permanent: true });
  }
}

/**
 * Which header of an object or list of pairs `Headers` refuses, named
 * without its value: the runtime's message quotes the value (an API key,
 * line break and all), which an error log would keep. Undefined when no
 * single one is to blame (a string, a number: the runtime's words then).
 * Any iterable is read as pairs, as `Headers` reads it: a Map of them
 * too, whose bad value was quoted in the error; and a function's own
 * properties, which `Headers` reads as an object's.
 * @param {any} h
 */
function badHeader(h) {
  try {
    const pairs = typeof h != 'object' && typeof h != 'function' ? [] : Symbol.iterator in h ? Array.from(h) : Object.entries(h);
    for (const [name, value] of pairs) {
      if (refuses(name, '')) return `${JSON.stringify(text(name))} is no header name`;
      if (refuses(name, value)) return `the value of ${text(name)} is none a header can carry (a line break or NUL inside it, a character past U+00FF)`;
    }
  } catch {}
}

/**
 * True when `Headers` refuses the header `name: value` (else undefined).
 * @param {unknown} name @param {unknown} value
 */
function refuses(name, value) {
  try {
    new Headers([[/** @type {string} */ (name), /** @type {string} */ (value)]]);
  } catch {
    return true;
  }
}

/**
 * A sticky store given to the client, as the engine reads it: its `get`
 * and `set` are called synchronously. A `get` that answers a promise (a
 * store over Redis, say) has no assignment to give: none, and said once
 * through `error` (fill a synchronous store first, as the README shows).
 * A `set` whose promise rejects is said too, not left to end the process
 * as an unhandled rejection. A plain object of assignments is read as it is.
 * @param {any} store @param {(err: Error) => void} say
 */
export function checked(store, say) {
  const thenable = (/** @type {any} */ v) => v !== null && (typeof v == 'object' || typeof v == 'function') && typeof v.then == 'function';
  let told = false;
  try {
    if (typeof store.get != 'function') return store;
  } catch {
    return store;
  }
  return {
    /** @param {string} key */
    get(key) {
      const v = store.get(key);
      if (!thenable(v)) return v;
      Promise.resolve(v).catch(() => {});
      if (!told) (told = true), say(new Error("feats-edge: the sticky store's get returned a promise: stores are read synchronously, so no assignment was read (fill a synchronous store before evaluating)"));
    },
    /** @param {string} key @param {string} value */
    set(key, value) {
      const r = store.set(key, value);
      if (thenable(r)) Promise.resolve(r).catch((e) => say(new Error(`feats-edge: the sticky store's set failed: ${text(e?.message ?? e)}`, { cause: e })));
    },
  };
}
