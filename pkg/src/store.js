// Where the client keeps things between calls: sticky assignments, and in
// browsers the last good snapshot. Every access is guarded: storage that
// throws (Safari private mode, sandboxed frames, a full quota) is ignored.

/**
 * At most this many sticky assignments are kept in memory, the least
 * recently used forgotten first (a forgotten unit of a `random` experiment
 * draws again), and as many markers of draws that fell through, apart:
 * in an experiment over 10 % of units they are nine in ten, and would
 * push the assignments out. Servers with more units pass a store of their own.
 */
const LIMIT = 10000;

/**
 * What a sticky store holds for a unit whose draw in a `random` experiment
 * fell through and which used what followed (`PASSED` in src/eval): the
 * experiment passes it on without drawing again.
 */
export const PASSED = '(none)';

/**
 * @typedef {{get(key: string): string | null | undefined, set(key: string, value: string): void}} Store
 * A synchronous key-value store: the sticky store of `createClient`.
 */

/**
 * @typedef {{text: string, digest?: string}} Unit
 * The unit of a sticky key, read once per evaluation however many
 * experiments ask for it; a store made here keeps its digest on it.
 */

/**
 * The stores made here, each with its lookup of a sticky key given in two
 * parts: the experiment's `"<name>/"` and the unit. Such a store digests a
 * long unit once per evaluation, not once per experiment (1 000
 * experiments and a 64 KiB id were 64 MB to digest). A map, so that the
 * engine asks nothing of other stores but `get`.
 * @type {WeakMap<object, (head: string, unit: Unit) => string | null | undefined>}
 */
export const lookups = new WeakMap();

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
 * At most this many sticky keys are kept in localStorage, the first
 * written forgotten first: one per experiment and unit a browser used,
 * which no experiment's end removes (68 000 filled Chromium's quota, and
 * the snapshot cache no longer fit).
 */
const LOCAL_LIMIT = 1000;

/**
 * And at most this many characters of them, the first written forgotten
 * first too (each key is kept twice: itself, and in the list of keys): a
 * bound on count is one on space only for short keys. 1 000 keys of
 * 4 500-character unit ids (a token as the unit) filled Chromium's quota
 * at the 548th: from then on the application's own writes failed, and no
 * key was ever forgotten again (none more could be written).
 */
const LOCAL_CHARS = 250000;

/**
 * The default sticky store: localStorage under `prefix` in browsers, else a
 * bounded in-memory map.
 * @param {Storage | null} ls @param {string} prefix
 * @returns {Store}
 */
export function stickyStore(ls, prefix) {
  const m = memoryStore();
  if (!ls) return m;
  const inMemory = /** @type {(head: string, unit: Unit) => string | null | undefined} */ (lookups.get(m));
  // The keys found by `unlisted`, once per store: where the list cannot be
  // written (a quota full from the start), each new key scanned the whole
  // of localStorage again (35 ms per use with 100 000 keys of the page's own).
  const found = { keys: /** @type {string[] | null} */ (null) };
  // Kept in memory too: where localStorage reads but refuses to write (a
  // full quota, some private modes), assignments still hold in this page.
  // localStorage keeps each under its whole key, as it always has, and
  // the keys in the order they were first written under `prefix + "#"`
  // (no experiment name holds a `#`), to forget the oldest past LOCAL_LIMIT
  // (or LOCAL_CHARS).
  /** @type {Store} */
  const store = {
    get: (k) => m.get(k) ?? ls.getItem(prefix + k),
    set(k, v) {
      m.set(k, v);
      // Listed before it is written: the first written are removed first,
      // so that a quota already full (an earlier version's keys) makes room
      // for it, not refuses it with nothing ever forgotten again.
      if (ls.getItem(prefix + k) == null) written(ls, prefix, k, found);
      ls.setItem(prefix + k, v);
    },
  };
  lookups.set(store, (head, unit) => inMemory(head, unit) ?? ls.getItem(prefix + head + unit.text));
  return store;
}

/**
 * Notes sticky key `k` as written to localStorage (under `prefix`), and
 * removes the first written past LOCAL_LIMIT keys or LOCAL_CHARS of them
 * (the newest stays, however long). A list another tab changes
 * meanwhile may lose a key (never forgotten then) or keep a removed one
 * (removed again, harmlessly). Without a stored list, the keys `unlisted`
 * finds are looked for once and kept in `found` (kept up to date here).
 * @param {Storage} ls @param {string} prefix @param {string} k @param {{keys: string[] | null}} found
 */
function written(ls, prefix, k, found) {
  try {
    let order;
    try {
      order = JSON.parse(ls.getItem(prefix + '#') ?? 'null');
    } catch {}
    if (!Array.isArray(order)) order = found.keys ??= unlisted(ls, prefix);
    const at = order.indexOf(k);
    if (at >= 0) order.splice(at, 1);
    order.push(k);
    const len = (/** @type {unknown} */ o) => (typeof o == 'string' ? o.length : 0);
    let chars = order.reduce((n, o) => n + len(o), 0), n = 0;
    while (n < order.length - 1 && (order.length - n > LOCAL_LIMIT || chars > LOCAL_CHARS)) chars -= len(order[n++]);
    for (const old of order.splice(0, n)) {
      if (typeof old == 'string') ls.removeItem(prefix + old);
    }
    ls.setItem(prefix + '#', JSON.stringify(order));
  } catch {}
}

/**
 * The sticky keys under `prefix` when there is no list of them (or it is
 * corrupt): those an earlier version of the package wrote, which kept no
 * list and no bound (68 000 of them filled the quota, and the snapshot
 * cache no longer fit), taken as the first written so that the bound
 * applies to them too. Only keys that read as assignments
 * (`<experiment>/<unit>` holding an implementation name or the marker):
 * with an empty `storageKey` the prefix is `sticky:`, which an application's
 * own keys may start with too.
 * @param {Storage} ls @param {string} prefix
 * @returns {string[]}
 */
function unlisted(ls, prefix) {
  const keys = [];
  for (let i = 0; i < ls.length; i++) {
    const k = ls.key(i);
    if (k === null || !k.startsWith(prefix) || !k.includes('/', prefix.length)) continue;
    const v = ls.getItem(k);
    if (v !== null && (v === PASSED || /^[A-Za-z0-9_.:-]{1,128}$/.test(v))) keys.push(k.slice(prefix.length));
  }
  return keys;
}

/**
 * A bounded in-memory store (see LIMIT): assignments and markers in maps
 * of their own; long keys kept as digests.
 * @returns {Store}
 */
function memoryStore() {
  /** @type {Map<string, string>} */
  const m = new Map();
  /** @type {Map<string, string>} */
  const markers = new Map();
  /** @param {Map<string, string>} map @param {string} k */
  const touch = (map, k) => {
    const v = map.get(k);
    // Used again: the most recent now.
    if (v !== undefined) map.delete(k), map.set(k, v);
    return v;
  };
  /** @param {string} k */
  const get = (k) => touch(m, k) ?? touch(markers, k);
  /** @type {Store} */
  const store = {
    get: (k) => get(stickyKey(k)),
    set(k, v) {
      k = stickyKey(k);
      m.delete(k);
      markers.delete(k);
      const map = v === PASSED ? markers : m;
      map.set(k, v);
      if (map.size > LIMIT) map.delete(/** @type {string} */ (map.keys().next().value));
    },
  };
  lookups.set(store, (head, unit) => get(partsKey(head, unit)));
  return store;
}

/** Keys longer than this are kept as a digest: a bound on count is a bound on memory only for short keys. */
const LONG = 256;

/**
 * A 64-bit digest of `s`, with its length. Two strings share one with a
 * chance of about 1 in 2^64 per pair (they are not cryptographic).
 * @param {string} s
 */
function digest(s) {
  let a = 0x811c9dc5, b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}.${s.length}`;
}

/**
 * `key`, or for a long one `#` and its digest: 10 000 keys of 60 KB unit
 * ids held 600 MB. Two long keys that share a digest are one key.
 * @param {string} key
 */
export function short(key) {
  return key.length <= LONG ? key : `#${digest(key)}`;
}

/**
 * What a memory store keeps sticky key `head + unit.text` under: the key
 * when short, else `#`, the head and the unit's digest, made once per unit
 * (see Unit). No key kept whole starts with `#`, which no experiment name
 * holds. Two long keys of one experiment whose units share a digest are
 * one key: one unit would read the other's assignment.
 * @param {string} head `"<experiment>/"` @param {Unit} unit
 */
function partsKey(head, unit) {
  const { text } = unit;
  return head.length + text.length <= LONG ? head + text : `#${head}${(unit.digest ??= digest(text))}`;
}

/**
 * The same for a whole sticky key, cut after its first `/` (an experiment
 * name holds none).
 * @param {string} key
 */
function stickyKey(key) {
  if (key.length <= LONG) return key;
  const at = key.indexOf('/') + 1;
  return partsKey(key.slice(0, at), { text: key.slice(at) });
}

/**
 * At most this many snapshots are cached under one `storageKey`, those of
 * the snapshot URLs fetched last: an entry is one per URL a browser used,
 * which no later URL removed (a URL that names a version,
 * `flags.json?v=<build>`, left a whole snapshot per version, until the
 * current one no longer fit).
 */
const SNAPSHOTS = 4;

/**
 * Removes the cache entries under `head` other than `key` past
 * SNAPSHOTS - 1 of them, the least recently fetched first (by the `at`
 * of each): room for `key`'s. A value there that is no cache entry (an
 * application's own key, with an empty `storageKey`) is left alone.
 * @param {Storage} ls @param {string} head @param {string} key
 */
function evict(ls, head, key) {
  const others = [];
  for (let i = 0; i < ls.length; i++) {
    const k = ls.key(i);
    if (k !== null && k !== key && k.startsWith(head)) others.push(k);
  }
  if (others.length < SNAPSHOTS) return;
  /** When the entry's fetch started (0 when it says not), or null for no cache entry. @param {string} k */
  const at = (k) => {
    try {
      const entry = JSON.parse(/** @type {string} */ (ls.getItem(k)));
      return typeof entry?.text == 'string' ? +entry.at || 0 : null;
    } catch {
      return null;
    }
  };
  const entries = others.map((k) => ({ k, at: at(k) })).filter((e) => e.at !== null);
  entries.sort((a, b) => /** @type {number} */ (a.at) - /** @type {number} */ (b.at));
  for (const { k } of entries.slice(0, Math.max(0, entries.length - SNAPSHOTS + 1))) ls.removeItem(k);
}

/**
 * The snapshot cache of a browser: the last good snapshot text and its
 * ETag, under `key`, which starts with `head` as the entries of the other
 * snapshot URLs do (at most SNAPSHOTS are kept).
 * @param {Storage | null} ls @param {string} key @param {string} [head]
 */
export function snapshotCache(ls, key, head) {
  return {
    /** @returns {{text: string, etag: string | null, at?: number} | undefined} (only an object: a corrupt entry is none) */
    read() {
      try {
        const entry = JSON.parse(ls?.getItem(key) ?? 'null');
        return entry !== null && typeof entry == 'object' && !Array.isArray(entry) ? entry : undefined;
      } catch {}
    },
    /**
     * @param {string} text @param {string | null} etag @param {number} at when its fetch started (ms)
     * @returns {boolean} false when the storage refused it (over quota)
     */
    write(text, etag, at) {
      try {
        if (ls && head) evict(ls, head, key);
      } catch {}
      try {
        ls?.setItem(key, JSON.stringify({ text, etag, at }));
        return true;
      } catch {
        // Over quota: the old entry would start every visit from a stale
        // snapshot and revalidate it with a stale ETag (a full download each time).
        try {
          ls?.removeItem(key);
        } catch {}
        return false;
      }
    },
  };
}
