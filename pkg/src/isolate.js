// One client per isolate, shared by the requests it serves, for runtimes
// that tie I/O to the request that started it and run no timers between
// requests (Cloudflare Workers and the like).
import { CLOSED, FETCHING, REQUEST_BOUND, createClient } from './client.js';
import { num, refreshEvery } from './options.js';
import { waiting } from './timers.js';

/** How often a request waiting for another's first load looks again (ms). */
const POLL = 5;
/** The longest `createClient` waits for its first snapshot (its own cap on `timeout`). */
const MAX_WAIT = 0x7fffffff;
/** One look's wait (POLL ms). */
const pause = () => new Promise((r) => setTimeout(r, POLL));
/**
 * Past this many `refreshInterval`s since the snapshot was last checked,
 * a request waits for the revalidation it starts (at most `timeout`)
 * before it is served. An isolate idle for longer (a quiet route or
 * region) served its next request whatever it held: a kill switch
 * published an hour before, included. Busier isolates revalidate after
 * the response, as before.
 */
const OVERDUE = 2;

/**
 * @typedef {import('./client.js').Options} Options
 * @typedef {Awaited<ReturnType<typeof createClient>>} Client
 * @typedef {{ waitUntil(promise: Promise<unknown>): void }} WaitUntil
 */

/**
 * A function that gives each request the isolate's client, made by the
 * first request with `options` (or `options(env)`), with its timers off:
 * `refreshInterval` is instead how stale the snapshot may get before a
 * request revalidates it (ETag) after its response, with
 * `ctx.waitUntil`, as it does while nothing is loaded. Past twice that
 * (an isolate left idle), the request waits for that revalidation, at
 * most `timeout`, and so do those that arrive meanwhile, unless the last
 * one failed (the snapshot stale). Concurrent first
 * requests wait for the first one's client rather than each making one:
 * they look at it every 5 ms, since a promise of one request is not
 * awaited by another. A fetch the first request's `createClient` left
 * under way (a bootstrap `snapshot`'s revalidation, a first fetch past
 * `timeout`) goes on after its response, with `ctx.waitUntil`. A first
 * request whose client never came (the request was cancelled) is given
 * up on after `timeout` plus a second.
 * Exposures are sent by `ctx.waitUntil(client.flush())` after a response.
 * A client a request closed is replaced by a new one at the next request.
 * @param {Options | ((env: any) => Options)} options
 * @returns {(env?: any, ctx?: WaitUntil) => Promise<Client>}
 */
export function isolateClient(options) {
  /** @type {Client | null} */
  let client = null;
  let loading = 0, lost = 0, checked = 0, every = 0, limit = 0;
  // When an overdue revalidation started (0: none under way): requests
  // that arrive meanwhile wait for it too, looking every 5 ms (its
  // promise is its request's), for at most `timeout`.
  let overdueSince = 0;
  /**
   * The client for a request that waited for a revalidation (its own or
   * another's): the isolate's, or, where a request found it closed
   * meanwhile and is making the next, that one, as for a request that came
   * after. (The isolate's is null while it is made: that null was given
   * to the application.)
   * @param {any} env @param {WaitUntil} [ctx]
   * @returns {Client | Promise<Client>}
   */
  const afterWait = (env, ctx) => client ?? get(env, ctx);
  /** @param {any} env @param {WaitUntil} [ctx] @returns {Promise<Client>} */
  const get = async (env, ctx) => {
    // A client a request closed (`ctx.waitUntil(client.close())`, as for a
    // client made per request) serves nothing more: the next request makes
    // a new one. (Kept, every later request of the isolate got the code
    // defaults, and its exposures went nowhere, with no error said.)
    if (client?.[CLOSED]) client = null;
    // (A wall clock set back meanwhile ends these waits: see `waiting`.)
    while (!client && loading && waiting(loading, lost)) await pause();
    if (!client) {
      const o = typeof options == 'function' ? options(env) : options;
      // (Read as createClient reads them.)
      every = refreshEvery(o?.refreshInterval);
      limit = Math.min(num(o?.timeout, 3e3), MAX_WAIT);
      lost = limit + 1e3;
      const started = (loading = Date.now());
      try {
        // (refreshInterval stays: it also caps how long a Retry-After is honoured.)
        const mine = await createClient({ ...o, flushInterval: 0, [REQUEST_BOUND]: true });
        if (client) mine.close();
        else {
          client = mine;
          checked = Date.now();
          // A fetch it started and did not wait for (a bootstrap's
          // revalidation, a first fetch past `timeout`) is this request's:
          // held past the response, else workerd cancels it.
          const left = mine[FETCHING]();
          if (left && typeof ctx?.waitUntil == 'function') ctx.waitUntil(left);
        }
      } finally {
        if (loading == started) loading = 0;
      }
    }
    // (Nothing loaded: null. A snapshot without a revision has "".)
    if (client.revision === null || (every > 0 && !waiting(checked, every))) {
      // (Not while the last revalidation failed, `stale`: a snapshot host
      // that hangs held every request of a quiet isolate for `timeout`,
      // each finding it idle again. Its revalidation still starts, after
      // the response; once one succeeds, idle requests wait again.)
      const overdue = client.revision !== null && !client.stale && !waiting(checked, every * OVERDUE);
      const started = (checked = Date.now());
      const refreshed = client.refresh();
      if (typeof ctx?.waitUntil == 'function') ctx.waitUntil(refreshed);
      if (overdue) {
        overdueSince = started;
        const settled = Promise.resolve(refreshed).catch(() => {}).then(() => overdueSince == started && (overdueSince = 0));
        /** @type {any} */
        let timer;
        await Promise.race([settled, new Promise((r) => (timer = setTimeout(r, limit)))]);
        clearTimeout(timer);
        return afterWait(env, ctx);
      }
    }
    // Another request's overdue revalidation is under way: waited for as
    // well, at most `timeout` from its start (counted in looks too, should
    // the clock not move).
    for (let n = Math.ceil(limit / POLL); n > 0 && overdueSince && waiting(overdueSince, limit); n--) await pause();
    return afterWait(env, ctx);
  };
  return get;
}
