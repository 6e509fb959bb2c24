// The client of SPEC sections 4 and 5: fetches and caches the snapshot, keeps
// sticky assignments, reports exposures. All rule logic lives in the engine.

import { Engine, MAX_BYTES, SnapshotError, everyFeature, isBytes, setOwn, text } from './engine.js';
import { PASSED, local, short, snapshotCache, stickyStore } from './store.js';
import { loading, runtime, wasm } from './wasm.js';
import { Queue } from './queue.js';
import { BEACON_BYTES, EVENT_TEXT, KEEPALIVE_BYTES, KEEPALIVE_PAUSE, KEPT_CHARS, KEPT_FOR, MAX_BATCH, SEEN, bytes, chosenByNone, keptEvents, remember, sizeOf, sumOf, unnoted } from './exposures.js';
import { MAX_REDIRECTS, REDIRECTS, REFUSALS, delivered, dropped, etagOf, httpError, ok, retryable, retryablePost } from './http.js';
import { checked, num, refreshEvery, resolved, unsendable, unusable, urlGiven } from './options.js';
import { CORS_HINT, REQUEST_TIMEOUT, abortable, discard, failed, joined, timedOut, utf8 } from './requests.js';
import { MAX_DELAY, later, nextTask, waiting } from './timers.js';

/**
 * SPEC section 4, plus `headers` (sent with every request but beacons), `storageKey`
 * (localStorage prefix, "feats-edge:"; null, or any value not a string: no localStorage at all), `retryDelay` (first retry, ms: 1000,
 * doubling up to 60 s, full jitter) and `snapshotEtag` (the bootstrap
 * snapshot's ETag: the first fetch revalidates it), `maxAge` (ms: a
 * localStorage snapshot fetched longer ago is not started from; 0: any
 * age) and `overrides`
 * (`{feature: implementation}` this client answers, for QA: see `override`).
 * @typedef {{snapshotUrl?: string, snapshot?: string | object, snapshotEtag?: string, exposureUrl?: string,
 *   overrides?: Record<string, string | boolean>,
 *   refreshInterval?: number, flushInterval?: number, maxBatch?: number, maxQueue?: number,
 *   timeout?: number, retryDelay?: number, maxAge?: number, sticky?: import('./store.js').Store,
 *   fetch?: typeof fetch, now?: () => number, headers?: HeadersInit, storageKey?: string | null}} Options
 */

/** The most errors of `createClient`'s wait kept for the first `error` listener. */
const EARLY = 10;

/**
 * The Engines given as `snapshot` that a client took: each is that
 * client's, which frees it when it replaces it or closes. Given to a
 * second client, one is refused: it served there until the first client
 * closed, then answered nothing, with nothing said (several clients made
 * per request over one Engine).
 * @type {WeakSet<Engine>}
 */
const taken = new WeakSet();

/** Marks the options of a client that serves requests one at a time, as in Workers (see isolate.js). */
export const REQUEST_BOUND = Symbol('feats-edge: request-bound');

/**
 * The key of a request-bound client's method that gives the snapshot fetch
 * under way, or null. Right after `createClient` that is one it started
 * and did not wait for (a bootstrap's revalidation, a first fetch past
 * `timeout`): it belongs to the request that made the client, and is lost
 * with that request's response unless its `ctx.waitUntil` holds it (see isolate.js).
 */
export const FETCHING = Symbol('feats-edge: fetching');

/**
 * The key of a client's getter that says whether it has been closed: the
 * client of `isolateClient` that a request closed is replaced by the next
 * request (see isolate.js).
 */
export const CLOSED = Symbol('feats-edge: closed');

/**
 * The key of a client's method `(details, implementation)` that records a
 * use with the evaluation that chose it (this client's `details`), for
 * callers that hold it, such as the OpenFeature providers: asked again, a
 * `random` experiment would draw anew. A registered symbol, so that
 * `openfeature.js` finds it without importing this module.
 */
export const USE = Symbol.for('feats-edge.use');

/**
 * The key of a client's method `(feature)` that says whether the loaded
 * snapshot declares `feature` boolean (false for none, or no snapshot):
 * the OpenFeature providers type their flags by it, as the OFREP routes
 * do. Enumerable, so that a client spread into a wrapper carries it.
 */
export const BOOLEAN = Symbol.for('feats-edge.boolean');

/** Where a snapshot read from localStorage came from, for its refusal. */
const CACHED = 'the snapshot cached in localStorage';

/**
 * A refused snapshot's error as the client reports it: a SnapshotError
 * (its `path` and `reason` as they were) whose message starts with
 * `feats-edge:` and says which snapshot was refused (an `error` listener
 * of a client with a `snapshotUrl` and a bootstrap, or of several
 * clients, could not tell otherwise). Other errors are kept as they are.
 * @param {unknown} err @param {string} from e.g. "the snapshot from https://…"
 */
function refusal(err, from) {
  if (err instanceof SnapshotError && !err.message.startsWith('feats-edge:')) err.message = `feats-edge: ${from} was refused: ${err.message}`;
  return err;
}

/**
 * Numeric options out of range (negative, NaN, not numbers; below 1 for
 * `maxBatch` and `retryDelay`) take their defaults; delays past ~24.8 days
 * (Infinity included) wait that long; a `refreshInterval` above 0 is a
 * second at least (see MIN_REFRESH). A `snapshotEtag` that is not a string
 * a header can carry is ignored, as is one without `snapshot`. What reading
 * an option throws (a getter, a Proxy's trap) rejects, as the platform's
 * own APIs rethrow it, before anything is started; `now` and `headers` are
 * read again at each use, and what they throw then stays inside.
 * @param {Options} [o]
 */
export async function createClient(o) {
  o ??= {};
  // Workers, or a client of isolateClient's: each request flushes and
  // refreshes, and no timer runs between requests.
  const perRequest = runtime.perRequest || o[REQUEST_BOUND] === true;
  const { exposureUrl: xurl } = o;
  // Outside pages a relative URL names nothing, and fetch refuses it on
  // every try: said once (an error event), and no fetch is made.
  const badUrl = unusable(o.snapshotUrl, 'snapshotUrl', o.fetch), badXurl = unusable(xurl, 'exposureUrl', o.fetch);
  // So does a `headers` option with a line break in a value (an API key
  // read from a file with its newline): a setting to fix, not an outage to
  // retry with backoff for good. (One that stops working later, a getter
  // that throws, spoils only the requests it is read for: see `headers`.)
  const badHeaders = unsendable(o.headers);
  const url = badUrl || badHeaders ? undefined : o.snapshotUrl;
  const every = refreshEvery(o.refreshInterval), flushInterval = num(o.flushInterval, 5e3);
  const retryDelay = num(o.retryDelay, 1e3, 1), timeout = num(o.timeout, 3e3), bootTag = etagOf(o.snapshotEtag);
  const maxAge = num(o.maxAge, 0);
  const maxBatch = Math.min(MAX_BATCH, Math.floor(num(o.maxBatch, 100, 1))), maxQueue = num(o.maxQueue, 1e3);
  const maxText = maxQueue * EVENT_TEXT;
  const get = o.fetch ?? ((u, init) => fetch(u, init));
  // Whether requests go through a `fetch` option of the application's (see `onViolation`).
  const fetchGiven = o.fetch != null;
  const now = () => {
    let t;
    try {
      t = +(o.now ?? Date.now)();
    } catch {}
    return Math.abs(t) <= 8.64e15 ? t : Date.now(); // a valid Date
  };
  // `storageKey: null`: nothing read from or written to localStorage (a
  // page before its visitor consents to storage): no snapshot cache, and
  // the default sticky store in memory, for this page only. So is any
  // other value that is not a string (`false` meant as "no storage" too).
  const keyed = typeof o.storageKey == 'string';
  const prefix = keyed ? o.storageKey : 'feats-edge:', ls = keyed || o.storageKey === undefined ? local() : null;
  const sticky = o.sticky == null ? stickyStore(ls, prefix + 'sticky:') : checked(o.sticky, (err) => emit('error', err));
  // The snapshot URL resolved against the page (`snap.json` on two pages
  // is two snapshots): the path and query when it is on the page's origin.
  // On another origin (`remote`, known in pages only), an If-None-Match of
  // ours would make every poll a CORS preflight, which static hosts often
  // do not answer (the first, unconditional GET works, then no poll ever
  // does): the browser's HTTP cache revalidates instead, with its ETag.
  // A URL of the page's own that redirects to another origin (a CDN, a
  // bucket) is one there too, once its first answer says so, and so is
  // one on another origin in a Web Worker (see `moved`).
  let [place, remote] = url ? resolved(url) : ['', false], moved = false;
  const cacheKey = prefix + 'snapshot:' + place, cache = snapshotCache(ls, cacheKey, prefix + 'snapshot:');
  const browser = typeof document == 'object';
  /**
   * Whether the page is being prerendered (Speculation Rules): not shown
   * yet, and maybe never. Its client loads a snapshot, then neither polls
   * nor sends exposures until it is shown (`prerenderingchange`): SPEC
   * section 5 reports implementations used, and a page never shown used none.
   */
  const prerendering = () => browser && document.prerendering === true;
  // A poll put off while the page was prerendered, made when it is shown.
  let deferred = false;
  // Where pages going away keep the exposure events they could not be sure
  // to send, for the next client of this sink on the origin (see
  // `keepUnsent`): under the prefix, the sink's URL resolved as the
  // snapshot's is, then a space and each page's own id (see `keptKeys`).
  // None without localStorage (`storageKey: null`).
  const keptKey = browser && ls && xurl && !badXurl && !perRequest ? prefix + 'exposures:' + resolved(xurl)[0] : null;
  // Where fetch goes through a browser's HTTP cache: pages, and their Web
  // Workers (`importScripts` and a `location`; Workers, Node, Deno and Bun
  // have no such cache). workerd has `importScripts` before compatibility
  // date 2024-03-04 but never a `location`, and its fetch throws on any
  // `cache` option before 2024-11-11, and on `'no-cache'` before 2025-08-07.
  const httpCache = browser || (typeof (/** @type {any} */ (globalThis).importScripts) == 'function' && typeof location == 'object');
  // Snapshot redirects followed by the client itself (see `follow`).
  const own = !browser && o.headers != null;
  const opts = { sticky, clock: now };
  /**
   * This page's own arms where the store holds another page's assignment
   * for the unit (see `served`), by sticky key (long ones as digests, at
   * most SEEN): evaluations here answer them before the store, which
   * keeps the first assignment for the pages after. Read through a store
   * of its own, set in `opts` when the first is kept.
   * @type {Map<string, string>}
   */
  const mine = new Map();
  /** Keeps `impl` as this page's arm under sticky key `key`. @param {string} key @param {string} impl */
  const keep = (key, impl) => {
    if (!mine.size) {
      const base = /** @type {any} */ (sticky);
      opts.sticky = { get: (/** @type {string} */ k) => mine.get(short(k)) ?? (typeof base.get == 'function' ? base.get(k) : Object.hasOwn(base, k) ? base[k] : undefined) };
    }
    mine.delete((key = short(key)));
    mine.set(key, impl);
    if (mine.size > SEEN) mine.delete(/** @type {string} */ (mine.keys().next().value));
  };
  const defaults = new Map(); // handles' code defaults, by String(name)
  /**
   * The code default of feature `name`: a handle's `own`, else the last
   * one set for that name (a name that is not a string read as
   * String(name), as the engine reads it).
   */
  const defaultOf = (name, own) => own || defaults.get(typeof name == 'string' ? name : text(name));
  /** Implementations this client answers whatever the snapshot says (see `override`), by String(name). */
  const overrides = new Map();
  /** Sets (or with none, removes) the override of `feature`; whether it changed. */
  const setOverride = (feature, impl) => {
    const name = text(feature), value = impl == null ? '' : text(impl); // "" when String(impl) throws
    if (overrides.get(name) === (value || undefined)) return false;
    value ? overrides.set(name, value) : overrides.delete(name);
    return true;
  };
  // Each one read on its own: a getter that throws loses that one only.
  let given = [];
  try {
    given = o.overrides == null ? [] : Object.keys(o.overrides);
  } catch {}
  for (const k of given) {
    try {
      setOverride(k, o.overrides[k]);
    } catch {}
  }
  /** The details of an overridden feature, or undefined. */
  const overridden = (feature) => {
    if (!overrides.size) return;
    const name = typeof feature == 'string' ? feature : text(feature), impl = overrides.get(name);
    if (impl === undefined) return;
    return { feature: name, implementation: impl, reason: 'OVERRIDE', rule: null, experiment: null, unit: null,
      stickyKey: null, errorCode: null, revision: engine?.revision ?? null };
  };
  const listeners = { update: new Set(), error: new Set(), exposure: new Set(), stale: new Set(), recovered: new Set() };
  const aborts = new Set(), seen = new Set(), posts = new Set(), queue = /** @type {Queue<Record<string, any>>} */ (new Queue());
  /** The sticky keys (long ones as digests) this client stored as fallen through, at most SEEN: a marker not among them is another tab's. */
  const passed = new Set();
  let sending = 0; // events in POSTs under way
  /**
   * The batches of POSTs under way that may die with the page, oldest
   * first: plain ones, which the browser cancels with a page that goes
   * away, those of page hide, and keepalive ones started while the sink
   * fails, whose `503` a page gone never hears (see `keepUnsent`).
   * @type {Set<Record<string, any>[]>}
   */
  const unsure = new Set();
  /** The key `keepUnsent` last wrote (see `takeBack`). @type {string | null} */
  let keptHere = null;
  /** Whether a hidden page wrote it (see `keepUnsent`), not page hide. */
  let keptHidden = false;
  /** The events kept under it: another page that takes the key sends them, not this one (see `onTaken`). */
  let copied = /** @type {Record<string, any>[]} */ ([]);
  const takenAway = new WeakSet();
  let queued = 0; // the sizes of the events in the queue, summed (see sizeOf)
  let kept = 0; // bytes in keepalive requests under way (browsers: see KEEPALIVE_BYTES)
  let beaconed = 0; // bytes of beacons accepted in the last 30 s, maybe still under way
  // A keepalive POST failed with no answer while the page lived (the retry
  // goes plain); when a plain one then gets through, POSTs go plain until
  // KEEPALIVE_PAUSE from `plainSince`.
  let suspect = false, plainSince = -Infinity;
  const stats = { dropped: 0, sent: 0, failed: 0, get queued() { return queue.length + sending; } };
  /** @type {Engine | null} */
  let engine = null;
  /** @type {Engine | null} the snapshot before this one: what an implementation found just before a swap was chosen by */
  let previous = null;
  let started = 0, answered = 0; // fetches started; the latest whose answer was taken
  // A failed snapshot fetch's backoff or Retry-After: when it began, and how long (see `waiting`).
  let snapshotRetrySince = 0, snapshotRetryFor = 0;
  // Request-bound: when the latest snapshot fetch started, while it is
  // under way, and how many were started over one still under way (see `busy`).
  let fetchingSince = 0, overlaps = 0;
  // When the fetch that brought or confirmed the current snapshot started
  // (wall clock, shared by the tabs), here or in the tab whose cache entry
  // it came from: a cache entry fetched before it is not loaded over it.
  // And the cache entries other tabs wrote: how many were seen, and when
  // the latest one's fetch started. A fetch of ours over which another
  // tab's later one was cached is not loaded (see `fetchSnapshot`). Only
  // entries seen while a fetch is under way count against it, so a clock
  // set back holds up no later fetch.
  let freshAt = 0, others = 0, othersAt = 0;
  // When the last snapshot fetch that made this client stale started: a
  // later fetch's snapshot that another tab cached, once loaded, is the
  // origin's again (see onStorage). And which of our fetches that was: one
  // started before it and answered after it (a revalidation overtaken by
  // refresh()) recovers nothing, the failure being the origin's later word.
  let failedAt = 0, failedN = 0;
  /** The last snapshot text the cache refused (said once, not once per poll). */
  let uncached;
  // The last snapshot fetch, or exposure POST, failed with no answer: the
  // network may be down, and a browser's `online` event retries at once.
  let snapshotLost = false, postsLost = false;
  /**
   * Conditional requests left before none is sent: a server that refuses
   * its own current ETag as If-None-Match (see `again` in fetchSnapshot)
   * REFUSALS times in a row gets none again, or each poll would be two
   * requests and an error; one it answers restores the count. And the
   * ETag last refused, until the next 200.
   */
  let conditional = REFUSALS, refusedTag = null;
  /**
   * Why the snapshot served is not known to be the origin's: the error of
   * the last snapshot fetch, which failed or brought one that was refused;
   * null once a fetch confirms (304) or replaces it (see `freshness`).
   */
  let staleBy = null;
  /** Makes the last `update`'s `changed` every feature of both, while no listener has read it: called before the engine it compares with is freed (see load). */
  let unread = null;
  // (`retrySince`, `retryFor`: a failed exposure POST's backoff or Retry-After, as `snapshotRetry*`;
  // `asked`: that wait is the sink's own Retry-After.)
  let asked = false;
  /** The error of an exposure URL the page's Content-Security-Policy refuses, once one was (see `onViolation`). */
  let blocked = null;
  /** The same for the snapshot URL (see `snapshotRefused`). */
  let snapshotBlocked = null;
  /**
   * With a `fetch` option, the exposure URL the page's policy refuses to
   * its beacons (see `onViolation`): page hide sends by POST instead.
   */
  let beaconsBlocked = false;
  let etag, loaded, fromObject, closed, fails = 0, xfails = 0, retrySince = 0, retryFor = 0, inflight, pollTimer, retryTimer, initTimer, readyTimer, done, failure, settled = false;
  // Request-bound, polling stops once createClient has returned: each
  // request refreshes instead (a timer left then would run between them).
  // (Resolved early, the timeout's timer goes: Workers allow none left over.)
  const ready = new Promise((r) => (done = (v) => (clearTimeout(readyTimer), perRequest && clearTimeout(pollTimer), (settled = true), r(v))));

  // A listener that throws, or an async one that rejects, changes nothing
  // (a rejection left unhandled would end a Node process).
  const call = (fn, v) => {
    try {
      const r = fn(v);
      if (r !== null && typeof r == 'object' && typeof r.then == 'function') Promise.resolve(r).catch(() => {});
    } catch {}
  };
  // Errors of createClient's wait that no listener heard (it had not
  // returned): the first `error` listener gets them (at most EARLY).
  const early = [];
  /** The error `on` is calling a listener with, if any. @type {unknown} */
  let replaying;
  let returned = false;
  // The first error no listener hears is logged, so that a client whose
  // snapshot is refused or out of reach is not silent about it; later
  // ones are not (a host down for a day would fill a server's log), and
  // nothing is logged while an `error` listener is added. Errors of the
  // wait are logged only if none is added as createClient returns.
  let told = false;
  // A `console.warn` that throws (a test setup that fails on warnings)
  // changes nothing either: thrown from here, it ended the fetch under way,
  // and polling stopped for good (`refresh()` rejected), or, from the
  // timer after createClient, the Node process.
  const tell = (err) => {
    if (told || listeners.error.size) return;
    told = true;
    try {
      console.warn('feats-edge: an error no "error" listener heard (later ones are not logged; hear them with client.on("error", fn)):', err);
    } catch {}
  };
  /**
   * Calls the listeners of `set` with `v`: those there when the event came
   * that are still there at their turn, as DOM events and Node's emitters
   * do. One added by a listener hears the next event, not this one (a
   * listener that removed itself and added itself again, as a new
   * function, was called again at once, forever).
   * @param {Set<Function>} set @param {unknown} v
   */
  const dispatch = (set, v) => {
    for (const fn of [...set]) if (set.has(fn)) call(fn, v);
  };
  const emit = (type, v) => {
    if (type == 'error') (failure = v), returned ? tell(v) : !listeners.error.size && early.length < EARLY && !early.includes(v) && early.push(v);
    dispatch(listeners[type], v);
  };
  const backoff = (n) => Math.random() * Math.min(6e4, retryDelay * 2 ** n);
  /**
   * The request's headers. A `headers` option they cannot be made of is
   * said as such (the runtime's words name no option), under the URL of
   * the request it spoiled (see `failed`); one that never can, once
   * (`badHeaders`).
   */
  const headers = (type) => {
    if (badHeaders) throw badHeaders;
    let h;
    try {
      h = new Headers(o.headers ?? undefined); // (null is none, as unsendable reads it: `new Headers(null)` throws)
    } catch (e) {
      throw new TypeError(`the headers option cannot be sent: ${text(/** @type {any} */ (e)?.message)}`, { cause: e });
    }
    if (type) h.set('Content-Type', type);
    return h;
  };

  /**
   * [response, body], aborted after 30 s; snapshot fetches by close() too.
   * An exposure POST (`post`) is left to finish by close() (aborted, it
   * would be sent again), and its status is its answer: its body is not
   * read (a body that breaks off after a 2xx would otherwise send the
   * batch again).
   */
  async function request(u, init, post) {
    if (post && (badXurl || blocked)) throw badXurl || blocked;
    const ac = new AbortController(), t = later(() => ac.abort(timedOut(u)), REQUEST_TIMEOUT);
    if (!post) aborts.add(ac);
    try {
      // (What it throws is made an Error by the callers: see `failed`.)
      const res = post || !own ? await abortable(get(u, { ...init, ...(post && { redirect: 'manual' }), signal: ac.signal }), ac.signal)
        : await follow(u, init, ac.signal);
      // A `fetch` option that resolves to something else: a network error.
      if (typeof res?.status != 'number' || typeof res.headers?.get != 'function') throw new TypeError(`feats-edge: fetch(${u}) gave no Response`);
      if (!post) return [res, await abortable(body(res, u), ac.signal)];
      discard(res);
      return [res];
    } catch (e) {
      ac.abort(); // what is left of the download (a body cut off past 16 MiB)
      const cross = browser && /** @type {any} */ (e)?.name == 'TypeError' && (post ? resolved(u)[1] : remote);
      throw failed(e, u, cross ? CORS_HINT : '');
    } finally {
      clearTimeout(t);
      aborts.delete(ac);
    }
  }

  /**
   * A snapshot GET with the `headers` option given, outside browsers: its
   * redirects followed here, so that those headers (a server's API key)
   * go to the snapshot's own origin only, not to one it redirects to
   * (`fetch` drops `Authorization` alone there). In browsers, where
   * redirects cannot be seen, `fetch` follows them: a page's headers are
   * no secret from whoever loads the page.
   */
  async function follow(u, init, signal) {
    // (A relative URL, which a `fetch` option may take: its own redirects.)
    let first;
    try {
      first = new URL(u).origin;
    } catch {
      return abortable(get(u, { ...init, signal }), signal);
    }
    const from = u;
    for (let hops = 0; ; hops++) {
      const res = await abortable(get(u, { ...init, redirect: 'manual', signal }), signal);
      // A redirect that cannot be seen (a browser's Web Worker): `fetch` follows it.
      if (res.type == 'opaqueredirect') return abortable(get(u, { ...init, signal }), signal);
      // The redirects `fetch` follows, to http(s) only (it refuses `data:` there, Deno's reads `file:`).
      const to = REDIRECTS.includes(res.status) && res.headers.get('Location');
      if (!to || hops == MAX_REDIRECTS) return res;
      discard(res);
      const next = new URL(to, u);
      if (!/^https?:$/.test(next.protocol)) throw new TypeError(`feats-edge: ${from}: redirected to a ${next.protocol} URL, not followed`);
      if (next.origin != first && init.headers) {
        const h = new Headers(init.headers);
        for (const [k] of new Headers(o.headers)) h.delete(k);
        init = { ...init, headers: h };
      }
      u = next.href;
    }
  }

  /**
   * The text of a response, read no further than a snapshot may go (SPEC:
   * 16 MiB): an endless or huge body is cut off, not held in memory.
   */
  async function body(res, u) {
    // Refused as `new Engine` refuses it, a SnapshotError in its words (its
    // size when known): a listener tells a refused snapshot from a network
    // failure by that.
    const tooBig = (size = 0) => refusal(
      new SnapshotError(`the snapshot is ${size ? `${size} bytes, ` : ''}more than the limit of 16 MiB (${MAX_BYTES} bytes)`, ''),
      `the snapshot from ${res.url || text(u)}`,
    );
    // (The download is aborted by `request`, once this error is what it throws.)
    const length = +res.headers.get('Content-Length');
    if (length > MAX_BYTES) throw tooBig(length);
    const reader = res.body?.getReader?.();
    if (!reader) return res.text();
    const chunks = [];
    for (let size = 0; ; ) {
      const { done, value } = await reader.read();
      if (done) break;
      if ((size += value.byteLength) > MAX_BYTES) throw tooBig();
      chunks.push(value);
    }
    return utf8.decode(joined(chunks));
  }

  /**
   * A refused snapshot is reported; the current one stays. The same text
   * again (a 200 from a server without ETags) only updates the ETag.
   * @param {unknown} doc @param {string | null | undefined} tag
   * @param {string} from where the snapshot came from, for the error (see `refusal`)
   */
  function load(doc, tag, from) {
    if (closed) return false;
    if (engine && same(doc)) return (etag = tag), true;
    // The snapshot before the current one goes before the new one is
    // built: wasm memory never shrinks, and three engines at once (the
    // two kept and the new one) held memory for three from then on. The
    // last update's `changed`, if listeners had it and none read it, is
    // every feature of both from now on (the engine it compares with goes).
    unread?.();
    unread = null;
    previous?.free();
    previous = null;
    let e;
    try {
      // An Engine given is the client's from then on (freed when replaced or closed).
      if (doc instanceof Engine && !doc._raw) throw new Error('feats-edge: the Engine given as snapshot has been freed');
      if (doc instanceof Engine && taken.has(doc)) {
        throw new Error("feats-edge: the Engine given as snapshot is another client's already, which frees it when it replaces it or closes: give each client an Engine of its own, or the snapshot's text");
      }
      e = doc instanceof Engine ? doc : new Engine(doc);
      if (e === doc) taken.add(e);
    } catch (err) {
      return emit('error', refusal(err, from));
    }
    etag = tag;
    // A bootstrap object is kept as its JSON, to know the same snapshot fetched as text.
    fromObject = doc?.constructor === Object;
    loaded = fromObject ? JSON.stringify(doc) : doc;
    const before = engine;
    previous = engine;
    engine = e;
    failure = undefined;
    done(true);
    // `changed` is worked out when first read (both documents are read
    // again in wasm), until the next snapshot arrives or the client
    // closes; each read gets its own copy.
    let changed;
    const stale = () => {
      try {
        changed ??= everyFeature(e, before ?? null);
      } catch {
        changed ??= []; // a trapped instance lists nothing
      }
    };
    unread = listeners.update.size ? stale : null;
    emit('update', {
      revision: e.revision,
      get changed() {
        if (unread === stale) unread = null;
        return [...(changed ??= e.changes(before))];
      },
    });
    return true;
  }

  /**
   * The cache's entry, loaded when its fetch started after the one that
   * brought the current snapshot (only then: a slower tab's older answer
   * is not loaded over a newer one). Whether it is served now.
   */
  function fromCache(entry = cache.read()) {
    if (typeof entry?.text != 'string' || !(entry.at > freshAt)) return false;
    freshAt = +entry.at;
    return same(entry.text) || !!load(entry.text, etagOf(entry.etag), CACHED);
  }

  /**
   * After a 304 to `tag`, a fetch started at `at`: with `maxAge`, the cache
   * entry of that snapshot is marked fetched then. `maxAge` counts from the
   * origin's last word on the snapshot, not from its download: a snapshot
   * that had not changed for longer was never started from, each visit
   * waiting for the network although the last poll had confirmed it.
   * (Without `maxAge` the time is not read, and the entry not rewritten.)
   * @param {string | undefined} tag the If-None-Match sent @param {number} at
   */
  function confirmed(tag, at) {
    if (!maxAge || !tag) return;
    const entry = cache.read();
    if (typeof entry?.text == 'string' && etagOf(entry.etag) === tag && !(+entry.at >= at)) cache.write(entry.text, tag, at);
  }

  /**
   * Whether `doc` is the snapshot loaded: the same text, or the same JSON
   * as the bootstrap object (past a byte order mark, which the engine
   * skips and JSON.parse does not).
   */
  function same(doc) {
    if (doc === loaded) return true;
    if (!fromObject || typeof doc != 'string') return false;
    try {
      return JSON.stringify(JSON.parse(doc.replace(/^\uFEFF/, ''))) === loaded;
    } catch {
      return false;
    }
  }

  /** Fetch `n`, started at `at`, made this client stale: noted, unless a later fetch's failure is (see `failedAt`). */
  const failing = (n, at) => n > failedN && ((failedN = n), (failedAt = at));
  /** Whether fetch `n` started after the last one that failed: only then does its answer recover. */
  const sinceFailure = (n) => n > failedN;

  /** A retry in `ms`: also what refresh() waits for in Workers (see `refresh`). */
  const wait = (ms) => ((snapshotRetrySince = Date.now()), (snapshotRetryFor = ms));

  /** Resolves with the delay before the next fetch, if any. */
  async function fetchSnapshot() {
    // (`held`: the ETag when this fetch started, sent or not: a 304 asks
    // again at once only when another tab's snapshot changed it meanwhile.)
    const n = ++started, at = Date.now(), othersBefore = others, held = etag;
    fetchingSince = at;
    let sent;
    try {
      // In a browser, a fetch without an If-None-Match of ours (another
      // origin, a host that sends no ETag, a first visit) goes with
      // `cache: "no-cache"`: the browser's HTTP cache must ask the origin,
      // not answer from a copy it thinks fresh. A host that sends
      // `Last-Modified` and no ETag or `Cache-Control` (a plain static
      // server) is cached by heuristic for a tenth of the file's age: a
      // snapshot a day old, so killed, stayed in every page for hours,
      // polls and new pages alike. (With our If-None-Match the browser
      // does not use its cache at all.)
      const h = headers();
      sent = etag && !remote && conditional > 0 ? etag : undefined;
      if (sent) h.set('If-None-Match', sent);
      const [res, body] = await request(url, { headers: h, ...((remote || (httpCache && !sent)) && { cache: 'no-cache' }) }, false);
      // Answered: the page's policy no longer refuses it (see snapshotRefused).
      snapshotBlocked = null;
      // An answer from another origin, read through CORS (browsers only
      // say so: a URL that redirected there, or any URL in a Web Worker,
      // where `resolved` knows no page): fetched as a URL there from now
      // on, and its ETag not kept (in the localStorage cache either, for
      // the next visit's first fetch): sent back, it made every poll a CORS
      // preflight, which the first (unconditional) GET never needed.
      if (!remote && res.type == 'cors') remote = moved = true;
      // (A 304: the snapshot held is still the origin's.)
      const unchanged = res.status == 304;
      // A fetch started before the answer already taken (a slow poll
      // overtaken by refresh()) would bring an older snapshot back.
      if (n < answered) return every || undefined;
      // So would one over which another tab cached a later fetch's
      // snapshot: that one instead (this tab may not have loaded it yet),
      // the origin's as much as this answer (when it is one: see freshness).
      if (others > othersBefore && othersAt > at) return await loading(), fromCache(), (ok(res) || unchanged) && sinceFailure(n) && freshness(null), every || undefined;
      // A 304 to an ETag no longer ours (another tab's snapshot came
      // meanwhile) confirms nothing we hold: asked again. (One to a request
      // without If-None-Match, with no ETag held or none sent, keeps the
      // current snapshot: asked again at once, such a server was asked
      // hundreds of times a second.)
      if (unchanged && etag !== held) return 0;
      if (ok(res) || unchanged) (answered = n), (freshAt = at), sent && (conditional = REFUSALS);
      // A 304 with nothing loaded (no ETag was sent) holds no snapshot: an error, retried.
      if (unchanged && !engine) throw new Error(`feats-edge: ${url} answered 304 to a request without If-None-Match`);
      if (unchanged) confirmed(sent, at);
      let refused = null;
      if (!unchanged) {
        if (!ok(res)) throw httpError(url, res, every);
        await loading(); // a first fetch may finish before the wasm is loaded
        const before = failure, tag = moved ? null : etagOf(res.headers.get('ETag'));
        // The origin's own current ETag was refused as If-None-Match (see `conditional`).
        if (tag && tag === refusedTag) conditional--;
        refusedTag = null;
        if (load(body, tag, `the snapshot from ${text(url)}`)) {
          // Said, not silent: cache first is gone for returning visits.
          if (cache.write(body, etag, at)) uncached = undefined;
          else if (uncached !== body) emit('error', new Error(`feats-edge: the snapshot (${(uncached = body).length} characters) did not fit in localStorage: returning visits wait for the network`));
        }
        // Refused (reported by load) with nothing to serve: retried with backoff.
        else if (!engine && !closed) return perRequest && done(false), wait(backoff(fails++));
        else refused = failure !== before ? failure : new Error(`feats-edge: ${url}: the snapshot was refused`);
      }
      fails = 0;
      snapshotRetryFor = 0;
      snapshotLost = false;
      if (refused) failing(n, at);
      // (A snapshot loaded all the same: it is newer than the one served.)
      if (refused || sinceFailure(n)) freshness(refused);
    } catch (e) {
      if (closed) return;
      // (A fetch the page's policy refused is said once, and asked again
      // at the polling interval: see snapshotRefused.)
      if (snapshotBlocked) return every || undefined;
      const err = failed(e, url);
      // A 4xx to a conditional request may be the If-None-Match itself
      // refused (a proxy's header limit, an ETag cached by an older
      // version): asked again at once without it (none is kept now; see
      // `refusedTag` for a server that refuses its own),
      // and stale only if that one fails too.
      // In a page, so may a conditional request that got no answer before
      // any fetch of this client's did: an ETag cached by an earlier visit
      // (or a `snapshotEtag`) on a URL that now redirects to another origin
      // makes it a CORS preflight, which a CDN may not answer (see
      // `moved`), on every poll for good. Asked again at once without it,
      // that once (a network that is down costs one request more).
      const unanswered = browser && !err.status && !answered && err.name != 'AbortError';
      const again = sent && sent === etag && (unanswered || (err.status >= 400 && err.status < 500 && err.status != 429));
      // The ETag goes before the error is said: an `error` listener that
      // calls refresh() asks without it too. Said first, that refresh sent
      // the refused ETag again, was refused again, and took the place of
      // the request without it (with no polling, the snapshot stayed for good).
      if (again) unanswered || (refusedTag = etag), (etag = null);
      emit('error', err);
      // (A fetch overtaken by one whose answer was taken changes nothing: that answer stands.
      // Nor does one over which another tab cached a later fetch's snapshot,
      // loaded here: that one is the origin's, as when this fetch is answered.)
      const overtaken = others > othersBefore && othersAt > at;
      if (n >= answered && !again && !overtaken) failing(n, at), freshness(err);
      // e.g. the page refuses WebAssembly: asking again changes nothing, and
      // createClient need not wait for its timeout.
      if (err.permanent) return void done(!!engine);
      // Request-bound, a first request waits for one answer, not for
      // `timeout` (the next request tries again once the backoff allows).
      if (perRequest) done(!!engine);
      if (again) return 0;
      if (retryable(err.status)) return (snapshotLost = !err.status), wait(err.retryAfter ?? backoff(fails++));
      // Other 4xx wait for the next poll elsewhere; in Workers, where each
      // request may refresh, for a backoff step (a 404 was asked by every request).
      if (perRequest) wait(backoff(fails++));
      // Without polling there is no next one: createClient need not wait for its timeout.
      else if (!every) done(!!engine);
    } finally {
      if (n == started) (fetchingSince = 0), (overlaps = 0);
    }
    return every || undefined;
  }

  /**
   * After each snapshot fetch: `stale` (with the error) when the one
   * served stops being known to be the origin's, `recovered` when a fetch
   * confirms or replaces it again. With nothing served, neither.
   * @param {any} err why the fetch did not bring the origin's snapshot; null when it did
   */
  function freshness(err) {
    if (closed || !engine || !err === !staleBy) return void (staleBy &&= err);
    staleBy = err;
    err ? emit('stale', err) : emit('recovered', { revision: engine.revision });
  }

  /**
   * Request-bound: whether a snapshot fetch another request started is
   * still under way, and recent enough to wait for: started less than
   * `timeout` ago (1 s at least), doubled for each fetch already started
   * over one under way, up to 30 s (when a fetch is aborted). An origin
   * that hangs gets a few fetches, not one per request; one whose request
   * was cancelled (and so never settles) holds the next back no longer.
   */
  function busy() {
    if (!fetchingSince) return false;
    if (waiting(fetchingSince, Math.min(3e4, Math.max(1e3, timeout) * 2 ** overlaps))) return true;
    overlaps++;
    return false;
  }

  /**
   * A fetch, then the next one scheduled. Timers and visibility share the
   * one under way; `own` (an explicit `refresh()`) starts its own: in
   * Workers a fetch belongs to the request that started it, and one left
   * by a finished request never settles.
   */
  const poll = (own) => {
    clearTimeout(pollTimer);
    if (inflight && !own) return inflight;
    const p = fetchSnapshot().then((ms) => {
      if (inflight !== p) return; // a later one schedules
      inflight = null;
      if (closed || ms == null) return;
      // Request-bound, no timer outlives the request: a fetch due at once
      // (the If-None-Match refused) is made now, as part of this one.
      if (!(perRequest && settled)) pollTimer = later(due, ms);
      else if (ms === 0) return poll(own);
    });
    return (inflight = p);
  };

  /** A poll at its time, unless the page is prerendered with a snapshot loaded (see `prerendering`). */
  const due = () => (prerendering() && engine ? (deferred = true) : poll());

  /** Takes the first `n` events out of the queue. */
  const take = (n) => {
    const events = queue.take(n);
    queued -= sumOf(events);
    return events;
  };
  /** Drops the oldest events past `maxQueue` of them, or past `maxText` of their size (see EVENT_TEXT). */
  const trim = () => {
    let n = Math.max(0, queue.length - maxQueue), size = queued;
    for (let i = 0; i < n; i++) size -= sizeOf(queue.at(i));
    while (n < queue.length && size > maxText) size -= sizeOf(queue.at(n++));
    if (n) stats.dropped += take(n).length;
  };
  /** Adds events at the queue's end, or (`front`) back in front of it: a batch that was not delivered. */
  const enqueue = (events, front) => {
    // An event larger than the whole bound is dropped alone: trimming would
    // push every other one out before it.
    const fit = events.filter((e) => sizeOf(e) <= maxText);
    stats.dropped += events.length - fit.length;
    front ? queue.unshift(fit) : queue.push(fit);
    queued += sumOf(fit);
    trim();
  };
  const requeue = (events) => enqueue(events.filter((e) => !takenAway.has(e)), true);

  /**
   * Whether a POST's failure is a sink's body limit (413 Payload Too Large)
   * that a smaller batch may pass: its events go again at once in halves
   * (each halving said through `error`, so that the operator can lower
   * `maxBatch`), and only one event alone answered 413 is dropped (counted
   * in `stats.failed`), which ends that send.
   * Dropped whole, a batch of `maxBatch` events was lost to a sink that
   * takes bodies of a few kilobytes, each event of which it would have taken.
   * @param {Error & {status?: number}} err @param {unknown[]} batch
   */
  const tooLarge = (err, batch) => err.status == 413 && batch.length > 1;

  /**
   * Sends what waits now; a retryable failure puts the batch back and
   * stops. `keptOnly` (a page just hidden): only batches that go with
   * keepalive, and those that may not are left to the beacon.
   */
  async function send(keptOnly) {
    // Events per POST: halved by each 413 (see `tooLarge`) for the rest of this send.
    let most = maxBatch;
    for (let n = queue.length; n > 0; ) {
      const batch = queue.first(Math.min(n, most));
      if (!batch.length) break; // another flush took them
      // In a browser a POST that fits goes with keepalive: the page may go
      // away before it is answered (a tab closed on a slow uplink), and the
      // browser cancels a plain one, events and all.
      const body = JSON.stringify({ events: batch }), size = browser ? bytes(body) : 0;
      const keepalive = browser && !suspect && !waiting(plainSince, KEEPALIVE_PAUSE) && kept + beaconed + size <= KEEPALIVE_BYTES;
      if (keptOnly && !keepalive) break;
      take(batch.length);
      n -= batch.length;
      sending += batch.length;
      if (keepalive) kept += size;
      if (!keepalive || sinkFailing()) unsure.add(batch);
      // A failure is said once its batch is back in the queue (or counted
      // failed) and no longer under way: an `error` listener that closes
      // the client has close() send it.
      // (`stop`: this send ends here, its batch retried later or the rest left to the next flush.)
      let err, stop = false;
      try {
        const [res] = await request(xurl, { method: 'POST', headers: headers('application/json'), body, ...(keepalive && { keepalive }) }, true);
        if (!delivered(res)) throw httpError(xurl, res, flushInterval, true);
        if (suspect && !keepalive) (suspect = false), (plainSince = Date.now());
        stats.sent += batch.length;
        xfails = retryFor = 0; // answered: timers may flush again
        postsLost = false;
      } catch (e) {
        err = blocked ?? failed(e, xurl);
        if (tooLarge(err, batch)) {
          requeue(batch);
          n += batch.length;
          most = Math.ceil(batch.length / 2);
          err.message += `: its ${batch.length} exposure events are sent again in batches of ${most} (a smaller maxBatch avoids this)`;
        } else if (err.permanent || !retryablePost(err.status)) {
          stats.failed += dropped(err, batch.length);
          // One event alone too large: the rest wait for the next flush, so
          // that a sink that answers 413 to anything gets a few requests per
          // flush, not one per event.
          stop = err.status == 413;
        } else {
          // A page that navigates away fails its keepalive POSTs just before
          // page hide, while the browser goes on sending them: put back a
          // task later, the beacon of page hide does not send them again.
          if (keepalive && !err.status) {
            await nextTask();
            // The page lives on: unless it was given up after 30 s (a slow
            // link, not a refusal), the retry goes plain.
            // (Nor is a network that is down: neither would have gone.)
            if (err.name != 'AbortError' && navigator.onLine !== false) suspect = true;
          }
          requeue(batch);
          postsLost = !err.status;
          const ms = err.retryAfter ?? backoff(xfails++);
          asked = err.retryAfter != null;
          (retrySince = Date.now()), (retryFor = ms);
          clearTimeout(retryTimer); // also without a flush interval
          // Not in Workers: a timer there runs only while its request lives
          // on (another `waitUntil`), and the POST it started was cancelled
          // with that request, events and all. The first request's flush
          // after the wait sends.
          if (!closed && !perRequest) retryTimer = later(() => !closed && queue.length && flush(), ms);
          stop = true;
        }
      } finally {
        sending -= batch.length;
        if (keepalive) kept -= size;
        unsure.delete(batch);
      }
      // Arrived while the hidden page keeps a copy: the copy is made again
      // of what is left, else the next page sent these events again once
      // this one was ended. (Not page hide's copy, which holds what its
      // beacons carried into a failing sink too.)
      if (!err && keptHere != null && keptHidden) keepUnsent(true);
      // (The policy's refusal is said once, by `onViolation`, which may
      // come while a refused POST's failure is handled.)
      if (err && !blocked) emit('error', err);
      if (stop) return;
    }
    // Full batches that waited while this one was sent.
    if (queue.length >= maxBatch) autoFlush();
  }

  /**
   * Sends what waits in requests of its own (several flushes may be under
   * way), and resolves when those sent earlier are answered too. In Workers
   * it waits for its own alone: a request must not wait on another's I/O;
   * and there, where no timer runs between requests and each request
   * flushes, a flush during a failure's backoff or Retry-After sends
   * nothing (`force`: close() sends all the same).
   */
  const flush = (force, keptOnly) => {
    // (A prerendered page's events wait for it to be shown: see `prerendering`.)
    if (!xurl || prerendering() || (perRequest && !force && waiting(retrySince, retryFor))) return Promise.resolve();
    const mine = send(keptOnly);
    posts.add(mine);
    mine.finally(() => posts.delete(mine));
    return perRequest ? mine : Promise.all(posts).then(() => {});
  };

  /** Whether the sink is failing: a POST failed and none got through since (a `429` with `Retry-After` too). */
  const sinkFailing = () => !!(xfails || retryFor);

  /**
   * A flush from a timer or a full batch: one at a time, none while
   * retrying later. None in Workers: a POST no `ctx.waitUntil` covers is
   * cancelled with the request that started it, and its events with it;
   * each request's `flush()` sends every batch that waits.
   */
  const autoFlush = () => !perRequest && queue.length && !closed && !sending && !waiting(retrySince, retryFor) && flush();

  /**
   * The page is hidden or going away: what waits leaves by sendBeacon, in
   * bodies that fit what keepalive POSTs under way leave of the browser's
   * keepalive quota (they go on after the page). A refused body is halved
   * until one event alone is refused; then the rest leave by POSTs, plain
   * when this client's own beacons fill the quota (a keepalive fetch is
   * refused too), else the first with keepalive: a plain POST started now
   * arrives even from a page going away (left queued, they died with it:
   * 100 to 400 of 1 000 events). What is not accepted goes back to the
   * queue (counted as sent only when it was).
   */
  function beacon() {
    // (With a `headers` option no request can carry, nothing is sent, as
    // the error said: a beacon, which carries no headers, would be.)
    if (badHeaders || blocked || beaconsBlocked || prerendering()) return void flush();
    let refused = false, keepFirst = false, room = BEACON_BYTES - kept;
    while (xurl && queue.length) {
      // As many events as fit in one body (at least one), each serialized once.
      const parts = [];
      let size = 12;
      while (parts.length < Math.min(queue.length, maxBatch)) {
        const part = JSON.stringify(queue.at(parts.length));
        if (parts.length && size + bytes(part) + 1 > (refused ? Infinity : room)) break;
        size += bytes(part) + 1;
        parts.push(part);
      }
      const n = parts.length, events = take(n), body = `{"events":[${parts.join(',')}]}`;
      const back = () => requeue(events);
      const post = (keepalive) => {
        const held = keepalive ? size : 0;
        sending += n;
        kept += held;
        // (A keepalive one too: the browser that refused a beacon may
        // refuse it as well, a task later, with the page gone.)
        unsure.add(events);
        // (Given up after 30 s like any POST: one left hanging held back
        // every timer flush.) Started now, while the page is still there;
        // what throws at once (an invalid `headers` option) puts the
        // events back too. A failure is said once the events are back (as in `send`).
        let sent, err;
        try {
          sent = request(xurl, { method: 'POST', headers: headers('application/json'), body, keepalive }, true);
        } catch (e) {
          sent = Promise.reject(e);
        }
        sent
          .then(([res]) => {
            if (!delivered(res)) throw httpError(xurl, res, flushInterval, true);
            stats.sent += n;
          })
          .catch((e) => {
            err = blocked ?? failed(e, xurl);
            retryablePost(err.status) ? back() : (stats.failed += dropped(err, n));
          })
          .finally(() => {
            sending -= n;
            kept -= held;
            unsure.delete(events);
            if (err && !blocked) emit('error', err);
          });
      };
      // One event too big for any beacon, or beacons refused: a fetch (a
      // plain one may not outlive the page), so that it does not hold the
      // others back.
      if (size > BEACON_BYTES || refused) {
        const keepalive = keepFirst && beaconed + kept + size <= BEACON_BYTES;
        keepFirst = false;
        post(keepalive);
        continue;
      }
      try {
        if (navigator.sendBeacon(xurl, new Blob([body], { type: 'application/json' }))) {
          stats.sent += n;
          // In the browser's keepalive quota until it is delivered (not
          // told): counted for 30 s by the POSTs of the page still alive
          // (one the browser refused would seem a browser that refuses
          // them all), not by the beacons of this loop.
          beaconed += size;
          later(() => (beaconed -= size), 3e4);
          continue;
        }
      } catch {}
      // Refused. The page's keepalive quota is the page's: other scripts'
      // beacons share it, and what is left of it takes smaller bodies, so
      // a refused body is halved until one event alone is refused (after
      // another script's 40 KB beacon, none of 100 events arrived).
      requeue(events);
      if (n > 1) {
        room = size >> 1;
        continue;
      }
      // Then this one and the rest leave by fetch, in full batches: with
      // this client's own keepalive requests filling the quota, keepalive
      // fetches are refused too (in Chromium one tried here failed, and its
      // events died with the page), so they go plain; otherwise (a browser
      // that refuses beacons) the first batch tries a keepalive fetch.
      refused = true;
      keepFirst = true;
    }
  }

  /** The keys pages keep their events under for this sink, oldest first (ids are times). */
  const keptKeys = () => {
    const keys = [];
    for (let i = 0; i < ls.length; i++) {
      const k = ls.key(i);
      if (k?.startsWith(keptKey + ' ') && !k.includes(' ', keptKey.length + 1)) keys.push(k);
    }
    return keys.sort();
  };

  /**
   * The page goes away: what it cannot be sure to send (events still
   * queued, those of plain POSTs under way, which the browser cancels with
   * the page, and those of the POSTs of page hide: 543 of 1 000 events
   * were lost in Chromium behind a sink that took a second to answer) is
   * kept in localStorage for the next client of this sink on the origin,
   * which sends it (see `claimUnsent`). Each page under a key of its own
   * (`keptKey`, a space, the time and a random part): tabs closed together
   * that read and rewrote one key kept the events of one tab alone. At
   * most `maxQueue` events, and KEPT_CHARS characters with what other
   * pages kept for this sink, the oldest dropped first (counted in
   * `stats.dropped`, and said). Accepted beacons and the keepalive POSTs of
   * the page alive are not kept: the browser sends them on after the page.
   * A kept event whose POST arrived all the same is sent again (delivery
   * is at least once), serialized as it was, field for field. A closed
   * client keeps nothing: consent withdrawn closes it, and nothing may be
   * stored from then on; what it kept while hidden is removed once close()
   * has sent its queue (see close()). A page keeps under one key at a
   * time: what it kept when hidden is replaced at page hide, not kept
   * twice. `hidden`: the page lives on, and its events past the bounds are
   * not lost yet (not counted).
   * @param {boolean} [hidden]
   */
  function keepUnsent(hidden) {
    // (Nor a prerendered page's: never shown, it used nothing; see
    // `prerendering`. Nor what no request may carry: a sink the page's
    // policy refuses, a `headers` option no request can carry.)
    if (!keptKey || closed || prerendering() || blocked || badHeaders) return;
    takeBack();
    const mine = [...unsure].flat().concat(queue.first(queue.length));
    if (!mine.length) return;
    let n = mine.length, dropped = 0, full = false;
    try {
      const parts = mine.map((e) => JSON.stringify(e));
      const others = keptKeys().map((k) => [k, ls.getItem(k) ?? '']);
      let room = KEPT_CHARS - others.reduce((sum, [, v]) => sum + v.length, 0);
      // The newest that fit, as the queue keeps them: a hidden page in the
      // room other pages left, as it removes none of what they kept (it
      // lives on, and takes its own back when shown: a page only hidden,
      // then shown, removed another tab's events for good).
      const most = hidden ? room : KEPT_CHARS;
      let chars = 12;
      n = 0;
      for (let i = parts.length - 1; i >= 0 && n < maxQueue && chars + parts[i].length + 1 <= most; i--) (chars += parts[i].length + 1), n++;
      dropped = hidden ? 0 : parts.length - n;
      // Room made by the oldest other pages' events, whole keys first.
      for (const [k, v] of hidden ? [] : others) {
        if (room >= chars) break;
        ls.removeItem(k);
        (room += v.length), (dropped += keptEvents(v).length);
      }
      if (n) {
        const key = `${keptKey} ${Date.now().toString(36).padStart(9, '0')}${Math.random().toString(36).slice(2, 8)}`;
        ls.setItem(key, `{"events":[${parts.slice(parts.length - n).join(',')}]}`);
        keptHere = key;
        keptHidden = !!hidden;
        copied = mine.slice(mine.length - n);
      }
    } catch {
      // (Refused: over quota, or a storage that throws. A hidden page's
      // events are still in its queue, and sent when the sink is back:
      // counted, they were dropped again at each hide.)
      if (!hidden) (dropped += n), (full = true);
    }
    if (!dropped) return;
    stats.dropped += dropped;
    const why = full ? 'did not fit in localStorage' : `were past maxQueue (${maxQueue}) or ${KEPT_CHARS} characters`;
    emit('error', new Error(`feats-edge: ${dropped} exposure events left unsent by pages going away were not kept for the next page: they ${why}`));
  }

  /**
   * What pages of this origin kept for this sink when they went away (see
   * `keepUnsent`): taken, oldest first, and sent at once, before this
   * client's own events. Each key is removed as it is read, under a Web
   * Lock where there are some: two tabs started together that read and
   * removed without one both sent them (in Chromium, 5 pairs of 6). A
   * POST that fails puts them back in the queue, as any batch, and page
   * hide keeps them again. A value that holds no events (another
   * script's, a truncated one) is removed and ignored.
   */
  function claimUnsent() {
    const take = () => {
      if (closed) return;
      let events = [];
      try {
        dropStale(); // (before this sink's keys go: their times are clocks too)
        for (const k of keptKeys()) {
          // (Not this page's own: a lock granted late, after the page was
          // hidden, took its copy into its queue, which held them already.)
          if (k == keptHere) continue;
          events = events.concat(keptEvents(ls.getItem(k)));
          // Emptied as it goes: the page that kept it, hidden and still
          // alive, hears that it was taken (see `onTaken`), not dropped.
          try {
            ls.setItem(k, '');
          } catch {} // (refused: removed all the same)
          ls.removeItem(k);
        }
      } catch {}
      if (events.length) enqueue(events, true), void flush();
    };
    const locks = globalThis.navigator?.locks;
    try {
      if (typeof locks?.request != 'function') return take();
      locks.request('feats-edge ' + keptKey, take).catch(take); // (refused, as in some sandboxed frames: without it)
    } catch {
      take();
    }
  }

  /**
   * Removes what pages kept over KEPT_FOR ago for other exposure URLs under
   * this prefix (by the time that starts each key's id, see `keepUnsent`):
   * an application that changed its sink left it, no client of the origin
   * sends it, and it held up to KEPT_CHARS of the origin's quota for good.
   * What a page kept for a sink still in use is sent by the next page of
   * that sink long before. Counted in `stats.dropped`, and said. So is a
   * key whose time is over KEPT_FOR ahead: a page whose clock was set
   * years ahead kept it, and it stayed until that time had come and gone.
   * This page's clock alone does not judge: set over KEPT_FOR behind (or
   * ahead), it found every other sink's fresh key as far, and removed
   * their events. A second clock must agree, the newest time among the
   * other keys under the prefix (this sink's own included): a page kept
   * it lately, by the clock it had. A key goes when it is over KEPT_FOR
   * from this page's clock while that newest other time is within
   * KEPT_FOR of it; a page whose clock is wrong finds the newest other
   * key as far, and removes nothing. Nor is a key alone removed, with
   * nothing to tell the page's clock right: it goes once a page of the
   * origin keeps something again.
   */
  function dropStale() {
    const keys = [], now = Date.now(), far = (/** @type {number} */ t) => Math.abs(now - t) > KEPT_FOR;
    for (let i = 0; i < ls.length; i++) {
      const k = ls.key(i) ?? '', t = / ([\da-z]{9})[\da-z]*$/.exec(k);
      if (t && k.startsWith(prefix + 'exposures:')) keys.push({ k, t: parseInt(t[1], 36) });
    }
    keys.sort((a, b) => b.t - a.t); // newest first
    // (No other key: -Infinity, far from any clock.)
    const newestOther = (/** @type {{ k: string }} */ e) => (keys[0] == e ? keys[1] : keys[0])?.t ?? -Infinity;
    const old = keys.filter((e) => !e.k.startsWith(keptKey + ' ') && far(e.t) && !far(newestOther(e))).map((e) => e.k);
    let n = 0;
    for (const k of old) (n += keptEvents(ls.getItem(k)).length), ls.removeItem(k);
    if (n) (stats.dropped += n), emit('error', new Error(`feats-edge: ${n} exposure events kept over 30 days ago for another exposure URL were removed from localStorage`));
  }

  /**
   * What this page last kept for the next page is taken back, unless
   * another page took it since (and sends it: see `onTaken`): the page
   * lives on with its queue (shown again, or restored from the
   * back-forward cache), and sends it itself.
   */
  function takeBack() {
    try {
      if (keptHere != null) ls.removeItem(keptHere);
    } catch {}
    keptHere = null;
    copied = [];
  }

  /**
   * Another page took what this hidden page kept (its client emptied the
   * key as it took it, see `claimUnsent`): those events are its to send
   * now, and leave this page's queue (nor are they put back when a POST
   * under way fails; no longer in `stats.queued` here). This page, shown
   * again or retrying while hidden, sent each of them a second time.
   * Only a key emptied says so: one removed is dropped (another page made
   * room, the application cleared its keys), and its events still this
   * page's to send. A page shown at the very moment another takes its copy
   * may still send them too (at least once): each tab reads localStorage
   * as it was when its task began, and sees another tab's changes only
   * between tasks (in Chromium, a tab reading in a loop for 300 ms saw
   * none of the 23 000 writes another tab made meanwhile), which no Web
   * Lock changes.
   */
  function onTaken() {
    for (const e of copied) takenAway.add(e);
    keptHere = null;
    copied = [];
    enqueue(take(queue.length).filter((e) => !takenAway.has(e)));
  }
  /** @param {PageTransitionEvent} e */
  const onShow = (e) => e.persisted && takeBack();

  /**
   * Page hide: what waits leaves (see `beacon`), and what may not arrive is
   * kept for the next page. While the sink fails, what the beacons carry is
   * kept as well, before they go: a beacon hears no `503`, and its events
   * were lost there, counted as sent. Beaconed all the same, as the sink
   * may be back: a page seen once, after one POST failed, still delivers
   * with no next page (which sends the kept copy again: at least once).
   */
  const pageHide = () => (sinkFailing() ? (keepUnsent(), beacon()) : (beacon(), keepUnsent()));

  /** @param {string} [used] the implementation used, to get the evaluation that served it */
  /**
   * After an evaluation that answered nothing: whether the engine was freed
   * by the application (an Engine given as `snapshot` is the client's,
   * which frees it when it replaces it or closes). If so, said once, and
   * the client holds nothing: it served the code defaults while it still
   * said the snapshot's revision, and asked the origin with that
   * snapshot's ETag, so that a 304 kept it so. Now the next fetch asks for
   * the snapshot again.
   */
  function freedElsewhere() {
    if (closed || !engine || engine._raw) return;
    engine = null;
    etag = loaded = undefined;
    emit('error', new Error("feats-edge: the client's Engine was freed by the application (an Engine given as snapshot is the client's, which frees it when it replaces it or closes): the code defaults are served until a snapshot loads again"));
  }

  function evaluate(feature, ctx, used) {
    const forced = overridden(feature);
    if (forced) return forced;
    try {
      if (engine) {
        const d = engine.evaluate(feature, ctx, used === undefined ? opts : { ...opts, used });
        if (d.errorCode == 'PROVIDER_NOT_READY') freedElsewhere();
        return d;
      }
    } catch {}
    return { feature: text(feature), implementation: null, reason: 'ERROR', rule: null, experiment: null, unit: null,
      stickyKey: null, errorCode: 'PROVIDER_NOT_READY', revision: null };
  }

  /**
   * The evaluation that served `used`: the current snapshot's, or, when it
   * would not serve it and the one before would (found just before a
   * swap), that one's, with its revision, rule and experiment. When
   * neither serves it (a code default found before the first snapshot
   * loaded, or the caller's own choice), no rule, experiment or unit chose
   * it: it is reported as a default, and not made sticky.
   */
  function served(feature, ctx, used) {
    const d = evaluate(feature, ctx, used);
    if (d.implementation === used) return d;
    try {
      // An assignment stored since this page drew (another tab's, in a
      // random experiment): what the experiment gives without it is what
      // was rendered. Reported as the experiment's; the first assignment
      // stays stored, and this page keeps its own arm (`kept`: see `mine`).
      /** What the experiments give with nothing stored. */
      const drawn = () => engine.evaluate(feature, ctx, { ...opts, sticky: {}, used });
      if (d.reason == 'STICKY') {
        const e = drawn();
        if (e.implementation === used && e.experiment === d.experiment) return { ...unnoted(e), stickyKey: null, kept: e.stickyKey };
        // Or this page's draw fell through that experiment (to what serves
        // after it): the page keeps that as it keeps an arm, in `mine`, the
        // marker of each experiment it fell through and the arm of a later
        // one that drew it (else a later random experiment drew again, and
        // the page flipped to the other tab's arm); the other tab's arm stays stored.
        if (e.implementation === used && e.fellThrough?.includes(d.stickyKey)) return { ...unnoted(e), stickyKey: null, kept: e.stickyKey, keptPassed: e.fellThrough };
      }
      const before = previous?.evaluate(feature, ctx, { ...opts, used });
      if (before?.implementation === used) return before;
      // The same for a draw stored as fallen through by another tab: this
      // page's draw gave an arm, kept for this page. (One this client stored stands: the unit
      // was passed on, and its use of the arm is not the experiment's.)
      if (engine) {
        const e = unnoted(drawn());
        if (e.implementation === used && e.experiment != null && !passed.has(short(`${e.experiment}/${e.unit?.value}`))) return { ...e, stickyKey: null, kept: e.stickyKey };
      }
    } catch {}
    if (d.errorCode) return d; // nothing loaded, unknown feature, bad context, broken feature: as is
    return chosenByNone(d);
  }

  /** The SPEC's details, the code default (see defaultOf) in place of none. */
  function details(feature, ctx, own) {
    const d = evaluate(feature, ctx);
    d.implementation ??= defaultOf(feature, own) ?? null;
    return d;
  }

  /**
   * Stores the sticky assignment (and, for each `random` experiment whose
   * draw fell through, that it did: the unit stops drawing), reports once
   * per (feature, impl, unit).
   */
  function use(d, impl) {
    // An override is the tester's choice: not stored, not reported.
    if (d.reason == 'OVERRIDE') return;
    try {
      // (This page's own arm used again leaves the other page's assignment
      // stored: see `mine`. Pages only: a server's client, shared by every
      // request, follows the store.)
      if (d.kept != null || d.keptPassed) {
        if (browser) {
          for (const key of d.keptPassed ?? []) keep(key, PASSED);
          if (d.kept != null) keep(d.kept, impl);
        }
      } else if (d.stickyKey != null) {
        const own = mine.size ? short(d.stickyKey) : '';
        if (!own || mine.get(own) !== impl) mine.delete(own), sticky.set(d.stickyKey, impl);
      }
    } catch {}
    for (const key of d.fellThrough ?? []) {
      // Noted first: a store that throws (localStorage full) after keeping
      // the marker in memory still has this client's marker.
      remember(passed, short(key));
      try {
        sticky.set(key, PASSED);
      } catch {}
    }
    const { stickyKey, errorCode, fellThrough, kept, keptPassed, ...event } = d;
    // Also with nothing loaded (revision null): a code default was used.
    if ((!xurl && !listeners.exposure.size) || closed || errorCode == 'FLAG_NOT_FOUND') return;
    // A use with nothing loaded has a key of its own: it must not stand for
    // the same implementation served by a rule once a snapshot is there.
    // So does each experiment: a unit reported before an experiment began
    // (a rollout, an earlier experiment) that it now serves the same
    // implementation is reported again, or that arm lost the units that
    // kept their implementation and the arms' shares were off.
    const key = short(JSON.stringify([d.feature, impl, d.unit, d.revision == null, d.experiment ?? null]));
    // (A unit still active is not reported again.)
    if (remember(seen, key)) return;
    Object.assign(event, { implementation: impl, timestamp: new Date(now()).toISOString() });
    // Each listener gets a copy (what it changes is not what is sent),
    // once the event is queued (a listener may close the client).
    if (xurl) enqueue([event]);
    for (const fn of [...listeners.exposure]) listeners.exposure.has(fn) && call(fn, { ...event, unit: event.unit && { ...event.unit } });
    if (xurl && queue.length >= maxBatch) autoFlush();
  }

  const found = (d, impl = d.implementation) => (impl != null && use(d, impl), impl);

  /** @param {string} feature @param {any} ctx @param {string} [own] a handle's own code default */
  function findImplementation(feature, ctx, own) {
    const forced = overridden(feature);
    if (forced) return forced.implementation;
    let impl;
    try {
      impl = engine?.implementation(feature, ctx, opts);
    } catch {}
    if (impl == null) freedElsewhere();
    return impl ?? defaultOf(feature, own) ?? null;
  }

  if (badUrl || badHeaders) emit('error', badUrl || badHeaders);
  // Nothing to load (an unset environment variable, most often): said, not left to look like an outage.
  else if ((url == null || url === '') && o.snapshot == null) {
    emit('error', Object.assign(new Error(`feats-edge: no snapshotUrl and no snapshot${urlGiven(o)}: nothing to load, so every call serves the code defaults`), { permanent: true }));
  }
  // A cached snapshot fetched longer than `maxAge` ago is not started
  // from: the page waits for the fetch (at most `timeout`) as a first
  // visit does, rather than render from a snapshot a kill switch may have
  // overtaken since. (An entry without its fetch time is as old as can be.)
  let cached = o.snapshot == null && url ? cache.read() : null;
  if (cached && maxAge > 0 && !waiting(+cached.at || 0, maxAge)) cached = null;
  // A stored ETag a header cannot carry (a corrupt entry) would make every fetch throw: none.
  if (cached) cached.etag = etagOf(cached.etag);
  const wasmLoading = loading();
  // `timeout` bounds the wait for the wasm as well as for the snapshot; with
  // neither to wait for, no timer (Workers allow none outside a request).
  // Not unref'd, so that Node waits for `await createClient()`: `timeout` at most.
  if (url || wasmLoading) readyTimer = setTimeout(() => done(!!engine), Math.min(timeout, MAX_DELAY));
  let polled = false;
  const start = () => wasm && (o.snapshot != null ? load(o.snapshot, bootTag, 'the `snapshot` option') : cached && ((freshAt = +cached.at || 0), load(cached.text, cached.etag, CACHED)));
  /** The wasm failed to load: init() again with backoff, for the bootstrap or cached snapshot. */
  const retryInit = (n) =>
    (initTimer = later(() => {
      // (A failure after close() is no news to anyone.)
      if (!closed && !engine) Promise.resolve(loading()).then(start, (err) => closed || (emit('error', err), err?.permanent || retryInit(n + 1)));
    }, backoff(n)));
  /** With the wasm loaded (or failed): the bootstrap or cached snapshot, then polling. */
  const begin = () => {
    if (closed) return;
    start();
    if (!wasm && (o.snapshot != null || cached)) retryInit(0);
    // The page refuses WebAssembly (permanent): no snapshot will load, so
    // createClient need not wait for the first fetch or its timeout.
    if (engine || !url || (!wasm && failure?.permanent)) done(!!engine);
    if (url && !polled) poll();
  };
  if (wasmLoading) {
    // The wasm is not loaded yet (init() not awaited, or not called): a
    // first visit fetches the snapshot meanwhile; a cached one is loaded,
    // then revalidated with its ETag, once the wasm is there.
    if (url && !cached && o.snapshot == null) {
      poll();
      polled = true;
    }
    // A failure has no listener yet (the first `error` listener gets it);
    // each fetched snapshot tries init() again (fetchSnapshot) and reports
    // what fails then, and a bootstrap or cached snapshot waits for it
    // (retryInit).
    wasmLoading.catch((err) => emit('error', err)).then(begin);
  } else begin();
  // None request-bound, where autoFlush sends nothing: an interval would
  // only be refused at a Worker's module scope, and left behind in a request.
  const flushTimer = xurl && flushInterval > 0 && !perRequest ? setInterval(autoFlush, Math.min(flushInterval, MAX_DELAY)) : 0;
  flushTimer.unref?.();
  // Visible again: a fetch, unless a failed one's backoff or Retry-After is still running.
  // Hidden (maybe the last event a mobile page gets): a batch that fits
  // goes by keepalive fetch, which outlives the page and, unlike a beacon,
  // hears a 503 or 429 and puts the batch back; the rest by beacon, unless
  // the sink is failing (a POST failed and none got through since): a
  // beacon would be lost there and counted as sent, while a hidden page's
  // retry timer still runs. Page hide (`pagehide`) beacons all the same.
  // What may not arrive is then kept for the next page (see `keepUnsent`):
  // a mobile browser often ends a hidden page with no `pagehide`. Shown
  // again, the page takes it back.
  const onVisible = () => {
    if (document.visibilityState == 'visible') return void (takeBack(), url && every && !waiting(snapshotRetrySince, snapshotRetryFor) && poll());
    // Hidden: no fetch while the sink's own Retry-After runs (a tab
    // switched away from and back sent one each time into a sink that had
    // asked for minutes of quiet; the retry timer sends when it ends), and
    // no beacon while the sink fails: a `429` with a `Retry-After` is a
    // failure too (`retryFor`, cleared by a POST that gets through), not
    // only one retried with backoff (`xfails`). During a backoff of the
    // client's own, the fetch goes: the page may get no other event.
    if (!(asked && waiting(retrySince, retryFor))) flush(false, true);
    if (!sinkFailing()) beacon();
    // (Not over what page hide just kept: a page going away is hidden after it.)
    if (keptHere == null) keepUnsent(true);
  };
  // Back online: what waits out a network error's backoff goes now (not
  // what a server's Retry-After holds back).
  const onOnline = () => {
    if (closed) return;
    if (snapshotLost) poll();
    if (postsLost && queue.length) (retryFor = 0), flush();
  };
  // Another tab of this application cached a snapshot it fetched: loaded
  // here too, at once and without a fetch of our own (its ETag comes with
  // it, so our next poll revalidates it).
  const onStorage = (/** @type {StorageEvent} */ e) => {
    if (!closed && e.key != null && e.key === keptHere && e.newValue === '' && e.storageArea === ls) return onTaken();
    if (closed || !url || e.key !== cacheKey || e.newValue == null || e.storageArea !== ls) return;
    // Counted with the wasm still loading too: a fetch under way is not
    // loaded over it (nor cached over it).
    const entry = cache.read();
    others++;
    othersAt = +entry?.at || 0;
    // Fetched after our last failed fetch started: what is served is the
    // origin's again (else this tab stayed stale until its own next fetch,
    // which a Retry-After may hold back for minutes).
    if (wasm && fromCache(entry) && othersAt > failedAt) freshness(null);
  };
  /**
   * URL `u` resolved against the page, without its fragment, and its
   * origin: what a `securitypolicyviolation` event names as blocked (the
   * origin alone after a redirect). Empty for none, and outside pages.
   * @param {unknown} u
   */
  const blockedAs = (u) => {
    try {
      const r = new URL(/** @type {string} */ (u), document.baseURI);
      r.hash = '';
      return u ? [r.href, r.origin] : [];
    } catch {
      return [];
    }
  };
  const sinkNames = blockedAs(xurl), snapshotNames = blockedAs(url);
  /**
   * The page's Content-Security-Policy refuses the exposure URL (its
   * `connect-src`): from then on what waits and what comes is dropped
   * (counted in `stats.failed`) without a request, as with an exposure URL
   * that cannot be fetched, and that is said once. A refused POST fails as
   * a network error does: it was retried with backoff for the page's life,
   * each try one more violation report and one more "Failed to fetch", and
   * the beacon of page hide, which the browser accepts and then refuses,
   * counted its events as sent.
   * @param {SecurityPolicyViolationEvent} e
   */
  const onViolation = (e) => {
    // (What the client fetches and sends is a connection: `connect-src`, or
    // `default-src` without one, which the event names as `connect-src` too.)
    if (closed || e.disposition != 'enforce' || e.effectiveDirective != 'connect-src') return;
    // With a `fetch` option of the application's, the client's requests
    // may go elsewhere than their URL (a first-party proxy, a native HTTP
    // layer), whatever the policy says of it: only its beacons are the
    // browser's own requests to the exposure URL, and those alone stop.
    // (Taken as the sink refused, one page hide whose beacon the policy
    // refused dropped every later exposure, though the POSTs got through.)
    if (fetchGiven) return void (beaconsBlocked ||= sinkNames.includes(e.blockedURI));
    if (!snapshotBlocked && snapshotNames.includes(e.blockedURI)) snapshotRefused(e);
    if (blocked || !sinkNames.includes(e.blockedURI)) return;
    blocked = Object.assign(new Error(`feats-edge: ${text(xurl)} is refused by the page's Content-Security-Policy (${e.effectiveDirective}): no exposure is sent; allow its origin in connect-src`), { permanent: true });
    clearTimeout(retryTimer);
    (retryFor = 0), (xfails = 0), (postsLost = false);
    stats.failed += dropped(blocked, take(queue.length).length);
    emit('error', blocked);
  };
  /**
   * The same for the snapshot URL: said once, rather than once per poll or
   * backoff step, each a "Failed to fetch" and a violation report. What is
   * served stays, stale; with nothing served, createClient resolves at
   * once. It is asked again at the polling interval (and by refresh()),
   * unsaid until it is answered: the browser names the URL asked for
   * when a redirect of it is what the policy refuses (an expired session
   * sent to a sign-in origin), and that ends. (Fetched no more, such a
   * page kept its stale snapshot for good once the redirect had ended.)
   * @param {SecurityPolicyViolationEvent} e
   */
  const snapshotRefused = (e) => {
    snapshotBlocked = new Error(`feats-edge: ${text(url)} is refused by the page's Content-Security-Policy (${e.effectiveDirective}), or where it redirects: asked again each refreshInterval; allow that origin in connect-src`);
    clearTimeout(pollTimer);
    deferred = false;
    // (A fetch under way schedules the next when it fails: see fetchSnapshot.)
    if (every && !inflight) pollTimer = later(due, every);
    emit('error', snapshotBlocked);
    freshness(snapshotBlocked);
    done(!!engine);
  };
  // A prerendered page shown: the poll put off, and what waits to be sent.
  const onShown = () => {
    if (closed) return;
    if (deferred) (deferred = false), poll();
    autoFlush();
  };
  if (browser) {
    document.addEventListener('visibilitychange', onVisible);
    document.addEventListener('prerenderingchange', onShown);
    document.addEventListener('securitypolicyviolation', onViolation);
    addEventListener('pagehide', pageHide);
    addEventListener('pageshow', onShow);
    addEventListener('online', onOnline);
    addEventListener('storage', onStorage);
  }
  if (keptKey) claimUnsent();

  const client = {
    ready,
    stats,
    get revision() {
      return engine?.revision ?? null;
    },
    /** Whether the last snapshot fetch failed, or brought a snapshot that was refused, while one is served. */
    get stale() {
      return !!staleBy && !!engine;
    },
    /** The loaded snapshot's feature problems (the engine's; the first read per snapshot compiles every feature). */
    get problems() {
      try {
        return engine?.problems ?? [];
      } catch {
        return [];
      }
    },
    /**
     * The loaded snapshot as `createClient` takes it back, for a page this
     * process renders (its text, as loaded or as its JSON when given
     * parsed, and its ETag); null before one loads, and for an Engine
     * given (its text stays in wasm memory only).
     */
    bootstrap() {
      // Given as bytes: decoded once, as the engine read them.
      if (isBytes(loaded)) loaded = new TextDecoder().decode(loaded);
      if (!engine || typeof loaded != 'string') return null;
      return etag ? { snapshot: loaded, snapshotEtag: etag } : { snapshot: loaded };
    },
    findImplementation: (feature, ctx) => findImplementation(feature, ctx),
    findImplementations(ctx) {
      const out = {};
      try {
        for (const [k, v] of defaults) setOwn(out, k, v);
        const all = engine?.implementations(ctx, opts);
        for (const k in all) setOwn(out, k, all[k] ?? defaults.get(k) ?? null);
      } catch {}
      freedElsewhere();
      for (const [k, v] of overrides) setOwn(out, k, v);
      return out;
    },
    details: (feature, ctx) => details(feature, ctx),
    /**
     * Makes this client answer `implementation` for `feature` whatever the
     * snapshot says (`null` removes the override): for QA and tests. Every
     * evaluation call answers it, with reason OVERRIDE; a use of it is not
     * reported nor made sticky. A change is an `update` naming the feature
     * (once a snapshot is loaded).
     */
    override(feature, implementation) {
      if (!closed && setOverride(feature, implementation) && engine) emit('update', { revision: engine.revision, changed: [text(feature)] });
    },
    /** The overrides, as `{feature: implementation}`. */
    get overrides() {
      return Object.fromEntries(overrides);
    },
    /**
     * A boolean feature's value; a multi feature is not one, even with
     * implementations named "true" and "false" (false, nothing recorded:
     * OpenFeature's TYPE_MISMATCH).
     */
    isEnabled(feature, ctx) {
      const d = evaluate(feature, ctx);
      if (d.reason == 'OVERRIDE') return d.implementation == 'true';
      let boolean = false;
      try {
        boolean = !!engine?._isBoolean(feature);
      } catch {}
      // Nothing loaded: the page rendered `false`, reported as a use with
      // no snapshot (as a handle's code default is).
      if (d.errorCode == 'PROVIDER_NOT_READY') use(d, 'false');
      return boolean && found(d) === 'true';
    },
    usedImplementation(feature, impl, ctx) {
      const name = impl == null ? '' : text(impl);
      if (name) use(served(feature, ctx, name), name);
    },
    create: (feature, ctx) => found(details(feature, ctx)),
    /** @template T @param {string} name @param {Record<string, (ctx: any) => T>} impls @param {{default?: string | boolean}} [options] */
    feature(name, impls, options) {
      let fallback = '';
      try {
        fallback = options?.default == null ? '' : text(options.default); // a getter may throw
      } catch {}
      if (fallback) defaults.set(text(name), fallback);
      /**
       * The factory of implementation `k`: a function of `impls`, its own or
       * its class's (a method), but none every object has (`toString`,
       * `constructor`: names an implementation may have); else undefined
       * (a Proxy trap that throws too).
       */
      const factory = (k) => {
        try {
          const f = k != null && impls != null && (Object.hasOwn(impls, k) || (k in impls && !(k in Object.prototype))) ? impls[k] : undefined;
          return typeof f == 'function' ? f : undefined;
        } catch {}
      };
      // (The handle's own default first: another handle of the same name may set another.)
      return {
        find: (ctx) => findImplementation(name, ctx, fallback),
        /** @returns {T | undefined} the chosen factory's product (or the default's) */
        create(ctx) {
          let d = details(name, ctx, fallback), impl = d.implementation, make = factory(impl);
          // No factory for the chosen one (an implementation newer than this
          // code): the code default, reported as a default, not as the rule's choice.
          // (An override keeps its reason: a use of it is not reported.)
          if (!make) (impl = defaultOf(name, fallback)), d.reason == 'OVERRIDE' || (d = chosenByNone(d)), (make = factory(impl));
          if (!make) return;
          // Built first: a factory that throws has used nothing, and is not reported.
          const made = make.call(impls, ctx);
          found(d, impl);
          return made;
        },
      };
    },
    /** @param {'update' | 'error' | 'exposure' | 'stale' | 'recovered'} type @param {Function} fn @returns {() => void} */
    /**
     * An `error` listener added while nothing is loaded because of an error
     * is called with that error at once (as OpenFeature runs a handler
     * added in the state it listens for); the first one is also called
     * with the errors of `createClient`'s wait (at most 10), which no
     * listener could hear (a snapshot the cache refused on a first visit).
     */
    on(type, fn) {
      const name = text(type); // as an object key reads it; "" when String(type) throws
      const set = Object.hasOwn(listeners, name) ? listeners[name] : null;
      set?.add(fn);
      if (set && name == 'error') {
        const heard = early.splice(0);
        // Not to one added while a listener is called with it by `on`: a
        // listener that adds itself again as a new function (a component
        // subscribing anew on each error) was called with it forever.
        if (!engine && failure !== undefined && failure !== replaying && !heard.includes(failure)) heard.push(failure);
        const replay = (err) => {
          replaying = err;
          set.has(fn) && call(fn, err); // (`call` throws nothing)
          replaying = undefined;
        };
        // (A promise's job, not queueMicrotask: Jest's fake timers hold that until the test advances them.)
        if (heard.length) Promise.resolve().then(() => heard.forEach(replay));
      }
      return () => void set?.delete(fn);
    },
    /**
     * In Workers, nothing during a failed fetch's backoff or Retry-After,
     * or while another request's fetch is under way (see `busy`): each
     * request may call it.
     */
    refresh: () => (url && !closed && !(perRequest && (waiting(snapshotRetrySince, snapshotRetryFor) || busy())) ? poll(true) : Promise.resolve()),
    flush: () => flush(),
    /**
     * Stops everything, frees the engine's wasm memory (evaluations then
     * answer as with no snapshot), and sends what waits one last time.
     */
    close() {
      closed = true;
      clearTimeout(pollTimer);
      clearTimeout(retryTimer);
      clearTimeout(initTimer);
      clearInterval(flushTimer);
      aborts.forEach((ac) => ac.abort());
      done(!!engine);
      if (browser) {
        document.removeEventListener('visibilitychange', onVisible);
        document.removeEventListener('prerenderingchange', onShown);
        document.removeEventListener('securitypolicyviolation', onViolation);
        removeEventListener('pageshow', onShow);
        removeEventListener('online', onOnline);
        removeEventListener('storage', onStorage);
      }
      const sent = flush(true);
      // Page hide still beacons what waits until the POSTs of close() are
      // answered: a `pagehide` listener of the application's that closes
      // the client may run before this client's own, which, removed then,
      // never ran, and what the first POST had not taken was lost with the page.
      // What a hidden page kept (see `keepUnsent`) goes once close() has
      // sent all that waits, with nothing left under way, into a sink that
      // answers: left there, the next page sent it again. What the sink
      // refused stays in the queue, never retried, and so does the copy,
      // for the next page; so does page hide's, with its POSTs still under
      // way, or its beacons gone into a failing sink (an application's
      // `pagehide` listener that closes the client after its own).
      if (browser) sent.finally(() => (removeEventListener('pagehide', pageHide), stats.queued || sinkFailing() || takeBack()));
      unread?.(); // (see load)
      engine?.free(); // runtimes such as workerd may never run finalizers
      previous?.free();
      engine = previous = null;
      return sent;
    },
  };
  // Not enumerable: a client spread into another object (a wrapper that
  // overrides `usedImplementation`) does not carry it.
  Object.defineProperty(client, USE, { value: (/** @type {any} */ d, /** @type {string} */ impl) => void found(d, impl) });
  Object.defineProperty(client, FETCHING, { value: () => inflight ?? null });
  Object.defineProperty(client, CLOSED, { get: () => !!closed });
  Object.defineProperty(client, BOOLEAN, { value: (/** @type {string} */ feature) => engine?._isBoolean(feature) ?? null, enumerable: true });
  await ready;
  returned = true;
  // (A task later: code on the line after `await createClient(…)` adds its listener first.)
  if (early.length) setTimeout(() => early.length && tell(early[0]));
  return client;
}
