// Where the client keeps things between calls: sticky assignments, and in
// browsers the last good snapshot. Every access is guarded: storage that
// throws (Safari private mode, sandboxed frames, a full quota) is ignored.

/**
 * At most this many sticky assignments are kept in memory, the least
 * recently used forgotten first (a forgotten unit of a `random` experiment
 * draws again). Servers with more units pass a store of their own.
 */
const LIMIT = 10000;

/**
 * @typedef {{get(key: string): string | null | undefined, set(key: string, value: string): void}} Store
 * A synchronous key-value store: the sticky store of `createClient`.
 */

/** The page's localStorage, or null outside browsers or where it is refused. */
export function local() {
  try {
    const ls = typeof document == 'object' ? globalThis.localStorage : null;
    ls?.getItem('');
    return ls ?? null;
  } catch {
    return null;
  }
}

/**
 * The default sticky store: localStorage under `prefix` in browsers, else a
 * bounded in-memory map.
 * @param {Storage | null} ls @param {string} prefix
 * @returns {Store}
 */
export function stickyStore(ls, prefix) {
  const m = memoryStore();
  if (!ls) return m;
  // Kept in memory too: where localStorage reads but refuses to write (a
  // full quota, some private modes), assignments still hold in this page.
  return {
    get: (k) => m.get(k) ?? ls.getItem(prefix + k),
    set(k, v) {
      m.set(k, v);
      ls.setItem(prefix + k, v);
    },
  };
}

/** A bounded in-memory store (see LIMIT); long keys kept as digests. @returns {Store} */
function memoryStore() {
  const m = new Map();
  return {
    get(k) {
      k = short(k);
      const v = m.get(k);
      // Used again: the most recent now.
      if (v !== undefined) m.delete(k), m.set(k, v);
      return v;
    },
    set(k, v) {
      k = short(k);
      m.delete(k);
      m.set(k, v);
      if (m.size > LIMIT) m.delete(m.keys().next().value);
    },
  };
}

/** Keys longer than this are kept as a digest: a bound on count is a bound on memory only for short keys. */
const LONG = 256;

/**
 * `key`, or for a long one a 64-bit digest with its length: 10 000 sticky
 * keys of 60 KB unit ids held 600 MB. Two long keys share a digest with a
 * chance of about 1 in 2^64 per pair (one unit would then read the other's
 * assignment, or not be reported).
 * @param {string} key
 */
export function short(key) {
  if (key.length <= LONG) return key;
  let a = 0x811c9dc5, b = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return `#${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}.${key.length}`;
}

/**
 * The snapshot cache of a browser: the last good snapshot text and its ETag.
 * @param {Storage | null} ls @param {string} key
 */
export function snapshotCache(ls, key) {
  return {
    /** @returns {{text: string, etag: string | null} | undefined} (only an object: a corrupt entry is none) */
    read() {
      try {
        const entry = JSON.parse(ls?.getItem(key) ?? 'null');
        return entry !== null && typeof entry == 'object' && !Array.isArray(entry) ? entry : undefined;
      } catch {}
    },
    /** @param {string} text @param {string | null} etag */
    write(text, etag) {
      try {
        ls?.setItem(key, JSON.stringify({ text, etag }));
      } catch {
        // Over quota: the old entry would start every visit from a stale
        // snapshot and revalidate it with a stale ETag (a full download each time).
        try {
          ls?.removeItem(key);
        } catch {}
      }
    },
  };
}
