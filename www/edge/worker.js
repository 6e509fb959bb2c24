// A Cloudflare Workers module worker built on feats-edge (see README.md).
//
//   POST /ofrep/v1/evaluate/flags        OFREP bulk evaluation of every feature for a context,
//                                        with an ETag and 304 on If-None-Match
//   POST /ofrep/v1/evaluate/flags/{key}  OFREP single-flag evaluation
//   GET  /ofrep/v1/configuration         OFREP configuration (polling interval, flag types)
//   GET  /                               a page whose implementations are chosen here for the
//                                        visitor in the `uid` cookie, handed to the browser as a
//                                        bootstrap so that it renders them with no flicker
//   POST /exposures                      the page's exposures, checked (same origin, JSON, known
//                                        features and implementations) and relayed to EXPOSURE_URL;
//                                        the answer passes the sink's outcome on (503: retry)
//   GET  /pkg/...                        the browser build of the package (from the ASSETS binding)
//
// Bindings: SNAPSHOT_URL (the origin's snapshot; required), EXPOSURE_URL
// (where exposures go; optional), REVALIDATE_MS (how stale the snapshot may
// get before a request revalidates it in the background; default 30000),
// TARGETING_KEY (the context path an OFREP `targetingKey` fills when the
// context lacks it; default user.id; empty: not mapped),
// ASSETS (a fetcher serving pkg/; optional, needed by the page's script).
//
// The parsed snapshot lives in module scope across requests, with a client
// made from it that reports this worker's own exposures: each request queues
// what it rendered and sends it after its response with
// ctx.waitUntil(client.flush()). Requests past REVALIDATE_MS revalidate the
// snapshot with its ETag after their response (ctx.waitUntil), or before it
// past twice REVALIDATE_MS (an isolate left idle: see OVERDUE); an invalid
// snapshot from the origin is refused and the last good one keeps serving.
// Workers tie I/O to the request that started it, so the snapshot fetch is
// never a promise other requests wait on (a cold isolate's concurrent first
// requests each fetch for themselves).
//
// Limits: an OFREP body is read up to MAX_CONTEXT_BYTES (a 400 past it), an
// exposure batch up to MAX_EXPOSURE_BYTES and MAX_EXPOSURE_EVENTS events;
// each exposure's strings up to MAX_EXPOSURE_STRING characters.
import { Engine, createClient } from 'feats-edge';

/**
 * The last good snapshot, and the client that reports this worker's exposures (null without EXPOSURE_URL; it owns the Engine).
 * @type {{engine: Engine, client: Awaited<ReturnType<typeof createClient>> | null, text: string, etag: string | null, digest?: string, readonly types: Map<string, string>, readonly implementations: Map<string, Set<string>>, readonly drawn: Set<string>} | null}
 */
let current = null;
/** The ETag of the last snapshot the origin sent that was refused: sent back in If-None-Match, so an origin still serving it answers 304. */
let rejectedEtag = null;
/** When the last revalidation finished, and when the running one started (0: none). Plain numbers: no shared promise. */
let checkedAt = 0;
let checkingSince = 0;
/** When a revalidation that requests wait for started (0: none; see OVERDUE). */
let overdueSince = 0;
/**
 * Whether the last revalidation failed (no answer, or an HTTP error): an
 * idle isolate's next request is then not held for the next one (see
 * OVERDUE), which an origin that hangs would make wait OVERDUE_WAIT, every
 * request of a quiet route finding the isolate idle again.
 */
let lastFailed = false;
/**
 * With nothing loaded, failed fetches in a row, and the wait before the
 * next may be made (when it began, how long: see `waiting`): a down
 * origin gets one fetch per backoff step, not one per request.
 * Fetches that were under way together (a burst of requests on a cold
 * isolate) count as one failure: `coldWave` changes at each counted one,
 * and a fetch that started before it is of the wave already counted.
 */
let coldFailures = 0;
let coldSince = 0, coldFor = 0;
let coldWave = 0;
/**
 * Clients of replaced snapshots that still hold exposures (their sink was
 * failing at the swap): flushed with the current one until they are empty,
 * then closed. At most MAX_RETIRING; past it the oldest is closed as it is.
 * @type {Awaited<ReturnType<typeof createClient>>[]}
 */
const retiring = [];
const MAX_RETIRING = 4;

const FETCH_TIMEOUT = 10000;
/** How often a cold request waiting for another's fetch looks whether it has ended (ms). */
const COLD_POLL = 5;
/**
 * Past this many REVALIDATE_MS since the last revalidation (an isolate
 * left idle), a request waits for the revalidation it starts, at most
 * OVERDUE_WAIT ms, and so do requests that arrive meanwhile: served at
 * once, it got whatever the isolate held, a kill switch published an
 * hour before included. Busier isolates revalidate after the response,
 * and so does every isolate while the last revalidation failed (see
 * lastFailed).
 */
const OVERDUE = 2;
const OVERDUE_WAIT = 3000;
/** The most bytes an OFREP request body may have: a context is a few inputs, and wasm memory never shrinks. */
const MAX_CONTEXT_BYTES = 64 * 1024;
/** The most bytes and events an exposure batch (POST /exposures) may have. */
const MAX_EXPOSURE_BYTES = 1 << 20;
const MAX_EXPOSURE_EVENTS = 1000;
/** The longest string an exposure event may carry in any of its fields. */
const MAX_EXPOSURE_STRING = 256;
/** The longest a cold isolate waits between fetches of a failing origin (ms). */
const MAX_COLD_BACKOFF = 30000;
/** …and at least this long, whatever the origin's Retry-After says (ms). */
const MIN_COLD_BACKOFF = 1000;
/** The largest snapshot the engine loads (SPEC: 16 MiB): a longer body is not read further. */
const MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024;
/** The longest snapshot ETag kept and sent back (as the package's client). */
const MAX_ETAG = 1024;
/** How stale the snapshot may get without REVALIDATE_MS (ms). */
const DEFAULT_REVALIDATE = 30000;

/** A misconfigured binding is logged once per isolate, not on every request. */
const warned = new Set();
const warnOnce = (what, message) => warned.has(what) || (warned.add(what), console.log(`feats-edge: ${message}`));

/**
 * REVALIDATE_MS as milliseconds ≥ 0; not set (undefined, or null: workerd's
 * `fromEnvironment` for a variable the environment lacks) is the default;
 * anything else (`30s`, empty, negative) is the default too, said once.
 */
function revalidateMs(env) {
  const raw = env.REVALIDATE_MS;
  if (raw == null) return DEFAULT_REVALIDATE;
  const ms = typeof raw === 'number' ? raw : /^\s*\d+(\.\d+)?\s*$/.test(String(raw)) ? Number(raw) : NaN;
  if (ms >= 0 && ms <= Number.MAX_SAFE_INTEGER) return ms;
  warnOnce('REVALIDATE_MS', `REVALIDATE_MS must be a number of milliseconds (0 or more), not ${JSON.stringify(String(raw))}: revalidating every ${DEFAULT_REVALIDATE} ms`);
  return DEFAULT_REVALIDATE;
}

/** TARGETING_KEY as path keys (default user.id; empty: none); a path with an empty or spaced key maps nothing, said once. */
function targetingPath(env) {
  const raw = String(env.TARGETING_KEY ?? 'user.id');
  if (raw === '') return null;
  const keys = raw.split('.');
  if (keys.every((k) => k !== '' && !/\s|,/.test(k))) return keys;
  warnOnce('TARGETING_KEY', `TARGETING_KEY must be a dotted path such as user.id, not ${JSON.stringify(raw)}: targetingKey fills nothing`);
  return null;
}

/**
 * A failed fetch (started in `wave`) with nothing loaded: the next waits 1,
 * 2, 4 … s, or the origin's Retry-After in seconds, between 1 and 30 s
 * either way (an HTTP-date Retry-After counts as none; `0` would have every
 * request ask). The other failures of a wave already counted change nothing.
 */
function coldFailure(res, wave) {
  if (current || wave !== coldWave) return;
  coldWave++;
  const header = res?.headers.get('Retry-After');
  const after = header ? Number(header) : NaN; // seconds (an HTTP date counts as none)
  const wait = after >= 0 ? after * 1000 : 1000 * 2 ** coldFailures;
  coldFailures++;
  coldSince = Date.now();
  coldFor = Math.min(Math.max(wait, MIN_COLD_BACKOFF), MAX_COLD_BACKOFF);
}

/**
 * The answer to a request that found no snapshot loaded, with the seconds
 * until the origin is asked again: a 503, but on the OFREP routes a 500
 * (see ofrep).
 */
function notReady(body, status = 503) {
  const left = waiting(coldSince, coldFor) ? coldSince + coldFor - Date.now() : 0;
  const seconds = Math.max(1, Math.ceil(left / 1000));
  return json(body, status, { 'Retry-After': String(seconds) });
}

/**
 * Fetches the snapshot (conditionally) and swaps it in if it loads. Never
 * throws. Module state is only touched synchronously, and no request reads
 * an Engine across an await, so freeing the old one here is safe.
 */
async function revalidate(env) {
  checkingSince = Date.now();
  const wave = coldWave;
  try {
    const headers = new Headers();
    const tags = [current?.etag, rejectedEtag].filter(Boolean);
    if (tags.length) headers.set('If-None-Match', tags.join(', '));
    const res = await fetch(env.SNAPSHOT_URL, { headers, signal: AbortSignal.timeout(FETCH_TIMEOUT) });
    lastFailed = !res.ok && res.status !== 304;
    if (res.status === 304) {
      res.body?.cancel();
      if (!current) coldFailure(res, wave), console.log('feats-edge: snapshot origin answered 304 to a request with no ETag it could match: nothing loaded');
      return;
    }
    if (!res.ok) {
      res.body?.cancel();
      // A 4xx to a conditional request may be the If-None-Match refused
      // (a proxy's header limit): the next revalidation goes without it.
      if (tags.length && res.status >= 400 && res.status < 500 && res.status !== 429) {
        if (current) current.etag = null;
        rejectedEtag = null;
      }
      coldFailure(res, wave);
      return console.log(`feats-edge: snapshot origin answered ${res.status}, keeping ${current?.engine.revision ?? 'nothing'}`);
    }
    // An ETag over MAX_ETAG characters is not kept: sent back, it may be
    // refused with every revalidation, and the snapshot never replaced.
    const tag = res.headers.get('ETag');
    const etag = tag !== null && tag.length <= MAX_ETAG ? tag : null;
    // Read with a cap: an endless or huge body would otherwise be held whole
    // (a Worker's memory is 128 MB), and the engine refuses it anyway.
    const text = await readCapped(res, MAX_SNAPSHOT_BYTES, snapshotDecoder);
    if (text === null) {
      rejectedEtag = etag;
      coldFailure(null, wave);
      return console.log(`feats-edge: snapshot refused, keeping ${current?.engine.revision ?? 'nothing'}: the body is over ${MAX_SNAPSHOT_BYTES} bytes (16 MiB)`);
    }
    // The same snapshot again (an origin without ETags): nothing changes,
    // and its client keeps what it has reported.
    if (current && text === current.text) {
      current.etag = etag;
      return;
    }
    let engine;
    try {
      engine = new Engine(text);
    } catch (e) {
      rejectedEtag = etag;
      coldFailure(null, wave);
      return console.log(`feats-edge: snapshot refused, keeping ${current?.engine.revision ?? 'nothing'}: ${e.message}`);
    }
    // (Its problems are not listed here: that compiles every feature, tens
    // of milliseconds of a cold start for 1 000 of them. OFREP names a
    // broken feature's problem; `feats-edge validate` lists them all.)
    // The client takes this Engine as it is (one parse per snapshot, one
    // copy in memory) and frees it when it is closed.
    const client = env.EXPOSURE_URL
      ? await createClient({ snapshot: engine, exposureUrl: env.EXPOSURE_URL, refreshInterval: 0, flushInterval: 0 })
      : null;
    // This worker's own exposures (the headline): a sink that fails them is logged.
    client?.on('error', (e) => console.log(`feats-edge: reporting this worker's exposures failed: ${e?.message ?? e}`));
    const old = current;
    current = Object.assign(features(engine), { engine, client, text, etag });
    rejectedEtag = null;
    coldFailures = 0;
    // Workers have no dependable finalizers: free explicitly (a client
    // frees its Engine when it is closed, once what it holds is sent).
    if (old?.client) await retire(old.client);
    else old?.engine.free();
  } catch (e) {
    lastFailed = true;
    coldFailure(null, wave);
    console.log(`feats-edge: snapshot fetch failed, keeping ${current?.engine.revision ?? 'nothing'}: ${e.message}`);
  } finally {
    checkedAt = Date.now();
    checkingSince = 0;
  }
}

/**
 * A replaced snapshot's client: closed once what it holds is sent (close()
 * sends it once); kept and flushed with later requests while its sink fails.
 */
async function retire(client) {
  await client.flush();
  if (!client.stats.queued) return void client.close();
  retiring.push(client);
  if (retiring.length > MAX_RETIRING) {
    const oldest = retiring.shift();
    console.log(`feats-edge: dropping ${oldest.stats.queued} exposure(s) of a replaced snapshot: the sink has been failing`);
    oldest.close();
  }
}

/** Sends what this worker's clients hold, after the response; retired clients that are empty are closed. */
function flushAll(ctx, state) {
  if (state.client) ctx.waitUntil(state.client.flush());
  for (const c of [...retiring]) {
    ctx.waitUntil(c.flush().then(() => {
      if (c.stats.queued || !retiring.includes(c)) return;
      retiring.splice(retiring.indexOf(c), 1);
      return c.close();
    }));
  }
}

/**
 * Each feature's type and implementations, listed on first use, not at
 * load: a bulk evaluation compiles every feature first, after which the
 * list costs nothing; a single flag lists declarations only (no rules).
 */
function features(engine) {
  let types, implementations, problems, drawn;
  return {
    /**
     * The features with a `random` experiment, read from the snapshot's
     * text (`this.text`) on first use: their draws are left out of the
     * bulk answer's ETag.
     * @returns {Set<string>}
     */
    get drawn() {
      if (!drawn) {
        drawn = new Set();
        try {
          // (Past a byte order mark, which the engine skips and JSON.parse does not.)
          for (const [name, f] of Object.entries(JSON.parse(this.text.replace(/^\uFEFF/, '')).features ?? {})) {
            if (Array.isArray(f?.rules) && f.rules.some((r) => r?.experiment?.random === true)) drawn.add(name);
          }
        } catch { /* none known: every draw counts */ }
      }
      return drawn;
    },
    /**
     * Each broken feature's first problem, by the feature's JSON Pointer
     * (built once: a scan of every problem per feature made a bulk answer
     * quadratic, 18 s for 20 000 broken features).
     * @returns {Map<string, {path: string, message: string}>}
     */
    get problems() {
      if (!problems) {
        problems = new Map();
        for (const p of engine.problems) {
          if (!p.path.startsWith('/features/')) continue;
          const end = p.path.indexOf('/', '/features/'.length);
          const at = end < 0 ? p.path : p.path.slice(0, end);
          if (!problems.has(at)) problems.set(at, p);
        }
      }
      return problems;
    },
    /** @returns {Map<string, string>} */
    get types() {
      return (types ??= new Map(engine.features.map((f) => [f.name, f.type])));
    },
    /** @returns {Map<string, Set<string>>} */
    get implementations() {
      return (implementations ??= new Map(engine.features.map((f) => [f.name, new Set(f.implementations)])));
    },
  };
}

/**
 * Makes sure a snapshot is loaded: a cold isolate waits for it (one fetch
 * per backoff step while the origin fails); later requests revalidate it
 * in the background when it is stale. Callers read `current` after
 * awaiting this and use its Engine synchronously (a revalidation may swap
 * and free it at any later await).
 */
async function ensureSnapshot(env, ctx) {
  if (!current) {
    // Another request's fetch is under way: wait for what it brings, by
    // looking at module state (its promise belongs to its request), rather
    // than fetching too: a burst on a cold isolate is one fetch.
    while (!current && fetching()) await new Promise((r) => setTimeout(r, COLD_POLL));
    if (current || waiting(coldSince, coldFor)) return;
    return revalidate(env);
  }
  const every = revalidateMs(env);
  // A revalidation that has not finished within the fetch timeout was lost (its request was cancelled): start another.
  if (!fetching() && !waiting(checkedAt, every)) {
    const overdue = every > 0 && !lastFailed && !waiting(checkedAt, every * OVERDUE);
    const done = revalidate(env);
    ctx.waitUntil(done);
    if (!overdue) return;
    const started = (overdueSince = checkingSince);
    let timer;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, OVERDUE_WAIT)))]);
    clearTimeout(timer);
    if (overdueSince === started) overdueSince = 0;
    return;
  }
  // Another request's overdue revalidation is under way: waited for too,
  // by looking at module state (its promise is its request's).
  for (let n = Math.ceil(OVERDUE_WAIT / COLD_POLL); n > 0 && overdueSince && overdueSince === checkingSince && waiting(overdueSince, OVERDUE_WAIT); n--) {
    await new Promise((r) => setTimeout(r, COLD_POLL));
  }
}

/** Whether a fetch of the snapshot is under way (one older than the fetch timeout was lost with its request). */
const fetching = () => checkingSince !== 0 && waiting(checkingSince, FETCH_TIMEOUT + 1000);

/**
 * Whether a wait of `ms` that began at `since` (a `Date.now()`) still runs.
 * A wall clock set back since (an NTP step, a restored VM) ends it: read as
 * `Date.now() < since + ms`, a one-second backoff held every request back
 * for as long as the clock went back.
 */
const waiting = (since, ms) => {
  const gone = Date.now() - since;
  return gone >= 0 && gone < ms;
};

const json = (body, status = 200, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

async function sha256(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest, 0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Reads a snapshot's bytes with a leading byte order mark kept: the engine
 * skips one, as `feats-edge validate` does. (Request bodies, parsed with
 * JSON.parse, which skips none, are read with TextDecoder's default.)
 */
const snapshotDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The request body as text (read by `decoder`), or null when it is longer
 * than `limit` bytes: refused by its Content-Length before reading, and,
 * since a chunked body has none (and a length may lie), counted while it
 * is read.
 */
async function readCapped(request, limit, decoder = new TextDecoder()) {
  const length = request.headers.get('Content-Length');
  if (length !== null && !(Number(length) <= limit)) {
    request.body?.cancel().catch(() => {});
    return null;
  }
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return decoder.decode(bytes);
}

/**
 * Whether an If-None-Match header (a list, weak tags) names `etag`. `*` is
 * no ETag: OFREP answers 304 only when the ETag is one of those listed.
 */
function matches(header, etag) {
  if (!header) return false;
  return header.split(',').some((t) => {
    t = t.trim();
    return t === etag || t === `W/${etag}`;
  });
}

/**
 * The context of an OFREP request (none given: `{}`, as OFREP makes it
 * optional), or a 400 Response (naming `key` for a single flag), also for
 * a body over MAX_CONTEXT_BYTES (OFREP's providers read an error's body on
 * 400, 404 and 500 alone: a 413 reached them as "unexpected"). An
 * OpenFeature `targetingKey` (a string) fills the path `targeting` (e.g.
 * `user.id`) when the context has no value there, so that splits by the
 * user find their unit.
 */
async function readContext(request, key, targeting) {
  const invalid = (errorDetails) => json({ ...(key === undefined ? {} : { key }), errorCode: 'INVALID_CONTEXT', errorDetails }, 400);
  const text = await readCapped(request, MAX_CONTEXT_BYTES);
  if (text === null) return invalid(`the request body is larger than ${MAX_CONTEXT_BYTES} bytes`);
  let body;
  try {
    // No body at all: no context, as OFREP has it optional.
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return invalid('the request body is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return invalid('the request body must be a JSON object: {"context": {...}}');
  const context = body.context ?? {};
  if (typeof context !== 'object' || Array.isArray(context)) return invalid('the context must be a JSON object');
  if (typeof context.targetingKey === 'string' && context.targetingKey !== '' && targeting) fill(context, targeting, context.targetingKey);
  return context;
}

/**
 * Sets `path` in `obj` to `value` if nothing is there (undefined or null,
 * which the engine reads as absent), making the objects on the way; not
 * through a value that is not an object.
 */
function fill(obj, path, value) {
  let at = obj;
  for (const [i, k] of path.entries()) {
    if (k === '__proto__' || !at || typeof at !== 'object' || Array.isArray(at)) return;
    if (i === path.length - 1) {
      at[k] ??= value;
      return;
    }
    at = at[k] ??= {};
  }
}

/** The flag key in an OFREP single-flag path, or null when its escapes are malformed. */
function flagKey(pathname) {
  try {
    return decodeURIComponent(pathname.slice('/ofrep/v1/evaluate/flags/'.length));
  } catch {
    return null;
  }
}

/**
 * OFREP is called from browsers on other origins (OpenFeature's web
 * provider): every answer may be read from anywhere, ETag included, and
 * preflights are answered. Evaluations read no cookies.
 */
function cors(res) {
  res.headers.set('Access-Control-Allow-Origin', '*');
  res.headers.set('Access-Control-Expose-Headers', 'ETag, Retry-After');
  return res;
}

function preflight(request, methods = 'POST') {
  return cors(new Response(null, {
    status: 204,
    headers: {
      'Access-Control-Allow-Methods': methods,
      'Access-Control-Allow-Headers': request.headers.get('Access-Control-Request-Headers') ?? 'Content-Type, If-None-Match',
      'Access-Control-Max-Age': '86400',
    },
  }));
}

/**
 * One feature's details as an OFREP flag: value = the implementation name
 * (boolean features: a JSON boolean), variant = the name. A broken feature
 * (reason ERROR) is an OFREP evaluation failure: errorCode and errorDetails,
 * no value and no variant (the provider serves its code default). With a
 * value too, the entry would match both of the bulk answer's `oneOf`.
 */
function flag(state, d, bulk = false) {
  const impl = d.implementation;
  // (A bulk answer says its revision once, beside the flags: in each entry,
  // a new revision changed every entry, and OpenFeature's web provider
  // announced every flag as changed.)
  const metadata = bulk ? {} : { revision: d.revision };
  if (d.rule !== null) metadata.rule = d.rule;
  if (d.experiment !== null) metadata.experiment = d.experiment;
  const out = { key: d.feature };
  if (impl !== null && !d.errorCode) {
    out.value = state.types.get(d.feature) === 'boolean' ? impl === 'true' : impl;
    out.variant = impl;
  }
  Object.assign(out, { reason: d.reason, metadata });
  if (d.errorCode) {
    out.errorCode = d.errorCode;
    const at = `/features/${d.feature.replace(/~/g, '~0').replace(/\//g, '~1')}`; // a JSON Pointer
    const problem = state.problems.get(at);
    out.errorDetails = problem ? `${problem.path}: ${problem.message}` : d.errorCode;
  }
  return out;
}

/**
 * OFREP bulk evaluation. The ETag hashes the snapshot and the answer (rules
 * on time can change the answer), not the context: the answer already
 * reflects it, and two contexts with the same answer may share a 304. The
 * draws of `random` experiments are left out of it: drawn again on every
 * request, they made every answer new, and no poll was answered 304 (the
 * poller keeps the draw it has).
 */
async function ofrepBulk(request, state, context) {
  // All engine work happens synchronously, before the first await.
  const revision = state.engine.revision;
  const flags = Object.values(state.engine.evaluateAll(context)).map((d) => flag(state, d, true));
  const body = JSON.stringify({ flags, metadata: { revision } });
  const drawn = state.drawn;
  const settled = drawn.size ? JSON.stringify(flags.map((f) => (drawn.has(f.key) ? f.key : f))) : body;
  state.digest ??= await sha256(state.text);
  const etag = `"${await sha256(`${revision}\n${state.digest}\n${settled}`)}"`;
  const headers = { ETag: etag, 'Cache-Control': 'private, no-cache' };
  if (matches(request.headers.get('If-None-Match'), etag)) return new Response(null, { status: 304, headers });
  return new Response(body, { headers: { 'Content-Type': 'application/json', ...headers } });
}

/** The configuration's answer, made once per isolate (see ofrepConfiguration). @type {{ms: number, body: string, etag: string} | null} */
let configuration = null;

/**
 * OFREP's configuration (an extension, which providers read when told to):
 * polling supported, no faster than the snapshot is revalidated (a poll
 * sooner than that sees the same snapshot), and the flag types served,
 * boolean and string. With an ETag of its body, and 304 to it.
 */
async function ofrepConfiguration(request, env) {
  if (request.method === 'OPTIONS') return preflight(request, 'GET, HEAD');
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405, headers: { Allow: 'GET, HEAD, OPTIONS' } });
  const ms = revalidateMs(env);
  if (configuration?.ms !== ms) {
    const body = JSON.stringify({
      name: 'feats-edge',
      capabilities: {
        cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: ms } },
        flagEvaluation: { supportedTypes: ['boolean', 'string'] },
      },
    });
    configuration = { ms, body, etag: `"${await sha256(body)}"` };
  }
  const { body, etag } = configuration;
  const headers = { ETag: etag, 'Cache-Control': 'no-cache' };
  if (matches(request.headers.get('If-None-Match'), etag)) return new Response(null, { status: 304, headers });
  return new Response(request.method === 'HEAD' ? null : body, { headers: { 'Content-Type': 'application/json', ...headers } });
}

/** OFREP single-flag evaluation (for server-side OpenFeature providers). */
function ofrepOne(state, context, key) {
  if (!state.types.has(key)) return json({ key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `no feature named ${key}` }, 404);
  const f = flag(state, state.engine.evaluate(key, context));
  return f.errorCode ? json({ key, errorCode: f.errorCode, errorDetails: f.errorDetails }, 400) : json(f);
}

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// JSON inside <script>: no "</script>" or "<!--" can end or change it.
const scriptJson = (v) => JSON.stringify(v).replace(/</g, '\\u003c');

const headlines = {
  plain: 'Your list',
  friendly: 'Hello again! Here is your list',
  urgent: 'Three things need you today',
};

/**
 * The text of headline `name`, the plain one for a name the page has no
 * text for: only the table's own entries count (an implementation named
 * `toString` or `__proto__` is a valid name, not one of its entries).
 */
const headlineText = (name) => (Object.hasOwn(headlines, name) ? headlines[name] : headlines.plain);

/**
 * The page. Headline is rendered here, so this worker reports its exposure;
 * ListStyle and Chat are chosen here and rendered by the page's inline
 * script before the first paint, and the page's client reports what it
 * rendered (usedImplementation) once the package has loaded.
 */
function page(request, env, ctx, state) {
  const url = new URL(request.url);
  const headers = new Headers({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'private, no-store', Vary: 'Cookie' });
  let uid = /(?:^|;\s*)uid=([A-Za-z0-9_-]{1,64})(?:;|$)/.exec(request.headers.get('Cookie') ?? '')?.[1];
  if (!uid) {
    uid = crypto.randomUUID();
    headers.set('Set-Cookie', `uid=${uid}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly${url.protocol === 'https:' ? '; Secure' : ''}`);
  }
  // Cloudflare sets request.cf.country; X-Country stands in for it under plain workerd.
  const country = request.cf?.country ?? request.headers.get('X-Country') ?? '';
  const context = { user: { id: uid }, request: { country } };
  const implementations = state.engine.implementations(context);
  const text = state.text;

  // This worker's own exposure (it rendered the headline), sent after the
  // response; not for a HEAD request, which renders nothing.
  if (request.method !== 'HEAD') state.client?.usedImplementation('Headline', implementations.Headline, context);
  flushAll(ctx, state);

  // A Content-Security-Policy as strict as the page allows: its own inline
  // style and scripts by nonce, modules and fetches from this origin, and
  // WebAssembly ('wasm-unsafe-eval'); no eval (the package does without).
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))));
  headers.set('Content-Security-Policy', [
    "default-src 'self'", `script-src 'self' 'nonce-${nonce}' 'wasm-unsafe-eval'`, `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
  ].join('; '));
  const bootstrap = { snapshot: text, revision: state.engine.revision, context, implementations, exposureUrl: '/exposures' };
  const headline = implementations.Headline;
  const html = `<!doctype html>
<html lang="en" class="pending"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>feats-edge at the edge</title>
<style nonce="${nonce}">
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;color:#1f2937;padding:0 1rem}
#list{padding:0}#list li{list-style:none}
#list.cards li{border:1px solid #cbd5e1;border-radius:.5rem;padding:.6rem;margin:.4rem 0}
#list.compact li{padding:.1rem 0;border-bottom:1px solid #e2e8f0}
#chat{position:fixed;right:1rem;bottom:1rem;padding:.6rem 1rem;border-radius:1rem;border:0;background:#2563eb;color:#fff}
.small{font-size:.8rem;color:#64748b}
.pending body{visibility:hidden}
</style>
<script type="application/json" id="feats-bootstrap">${scriptJson(bootstrap)}</script>
<link rel="modulepreload" href="/pkg/index.js">
</head><body data-uid="${escapeHtml(uid)}">
<h1 data-implementation="${escapeHtml(headline)}">${escapeHtml(headlineText(headline))}</h1>
<ul id="list"></ul>
<p class="small">Revision <code>${escapeHtml(state.engine.revision)}</code>, chosen at the edge for user <code>${escapeHtml(uid)}</code>.</p>
<script nonce="${nonce}">
// Renders the implementations chosen at the edge, synchronously: the first
// paint already shows them. Records what it rendered, for the reporter below.
(() => {
  const boot = JSON.parse(document.getElementById('feats-bootstrap').textContent);
  const chosen = boot.implementations, rendered = [];
  const list = document.getElementById('list');
  list.className = list.dataset.implementation = chosen.ListStyle;
  for (const item of ['Buy milk', 'Call Ann', 'Ship it']) list.append(Object.assign(document.createElement('li'), { textContent: item }));
  rendered.push(['ListStyle', chosen.ListStyle]);
  if (chosen.Chat === 'true') document.body.append(Object.assign(document.createElement('button'), { id: 'chat', type: 'button', textContent: 'Chat with us' }));
  // Either way a design was rendered (an analysis needs both halves).
  rendered.push(['Chat', chosen.Chat === 'true' ? 'true' : 'false']);
  window.featsRendered = rendered;
  document.documentElement.classList.remove('pending');
})();
</script>
<script type="module" nonce="${nonce}">
// Reports what the page rendered, through the package's client (after the
// first paint: nothing waits on this).
import { init, createClient } from '/pkg/index.js';
const boot = JSON.parse(document.getElementById('feats-bootstrap').textContent);
await init();
const client = await createClient({ snapshot: boot.snapshot, exposureUrl: boot.exposureUrl, refreshInterval: 0, flushInterval: 1000 });
for (const [feature, impl] of window.featsRendered) client.usedImplementation(feature, impl, boot.context);
await client.flush();
document.documentElement.dataset.reported = String(client.stats.sent);
</script>
</body></html>`;
  return new Response(html, { headers });
}

/**
 * One exposure as the SPEC has it (section 5), or null: only its fields, of
 * their types, strings up to MAX_EXPOSURE_STRING characters, for a feature
 * of the current snapshot and one of that feature's implementations.
 */
function exposure(e, implementations) {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return null;
  const str = (v) => typeof v === 'string' && v.length <= MAX_EXPOSURE_STRING;
  const { feature, implementation, reason, rule, experiment, unit, revision, timestamp } = e;
  if (!str(feature) || !str(implementation) || !implementations.get(feature)?.has(implementation)) return null;
  // (revision null: a code default used before any snapshot loaded)
  if (!str(reason) || !(revision === null || str(revision)) || !str(timestamp) || Number.isNaN(Date.parse(timestamp))) return null;
  if (rule !== null && !(Number.isSafeInteger(rule) && rule >= 0)) return null;
  if (experiment !== null && !str(experiment)) return null;
  if (unit !== null && (typeof unit !== 'object' || Array.isArray(unit) || !str(unit.segment) || !str(unit.value))) return null;
  return { feature, implementation, reason, rule, experiment, unit: unit && { segment: unit.segment, value: unit.value }, revision, timestamp };
}

/**
 * The page's exposures, checked and relayed to EXPOSURE_URL before the
 * answer, which passes the sink's outcome on (503 to retry, its 4xx to drop). Only from this worker's own origin (a present Origin must be
 * it: 403) and labelled `application/json` (415), so that a page on another
 * origin would need a preflight, which is not granted here. Events for
 * features or implementations the snapshot does not have, or not shaped as
 * the SPEC's, are dropped; the answer's `Feats-Accepted` header says how
 * many were kept. A script on this origin can still send made-up events:
 * nothing here is signed.
 */
async function relay(request, env, ctx) {
  const origin = request.headers.get('Origin');
  if (origin !== null && origin !== new URL(request.url).origin) return json({ error: 'exposures are only taken from this origin' }, 403);
  if (!env.EXPOSURE_URL) return new Response(null, { status: 204 });
  if (!URL.canParse(env.EXPOSURE_URL)) {
    warnOnce('EXPOSURE_URL', `EXPOSURE_URL is not a URL: ${JSON.stringify(env.EXPOSURE_URL)}`);
    return json({ error: 'EXPOSURE_URL is not a URL' }, 500);
  }
  const type = (request.headers.get('Content-Type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    request.body?.cancel().catch(() => {});
    return json({ error: 'expected Content-Type: application/json' }, 415);
  }
  const text = await readCapped(request, MAX_EXPOSURE_BYTES);
  if (text === null) return json({ error: `the request body is larger than ${MAX_EXPOSURE_BYTES} bytes` }, 413);
  let events;
  try {
    events = JSON.parse(text).events;
  } catch {}
  if (!Array.isArray(events)) return json({ error: 'expected {"events": [...]}' }, 400);
  // Too many is too large: the page's client sends a batch answered 413
  // again in halves (a 400 dropped every batch of a client whose maxBatch
  // is over the limit).
  if (events.length > MAX_EXPOSURE_EVENTS) return json({ error: `at most ${MAX_EXPOSURE_EVENTS} events in one request` }, 413);
  if (!env.SNAPSHOT_URL) return json({ error: 'SNAPSHOT_URL is not configured' }, 500);
  await ensureSnapshot(env, ctx);
  const state = current; // used synchronously from here on (see ensureSnapshot)
  if (!state) return notReady({ error: 'no snapshot could be loaded from the origin' });
  const kept = events.map((e) => exposure(e, state.implementations)).filter(Boolean);
  const accepted = { 'Feats-Accepted': String(kept.length) };
  if (!kept.length) return new Response(null, { status: 204, headers: accepted });
  // The page's client keeps a batch for a retry on a 5xx and drops it on a
  // 4xx: so the sink's answer is awaited and passed on (a network error, a
  // 429 or a 5xx as 503), not acknowledged before it is known.
  let res;
  try {
    // Not redirected: a 301, 302 or 303 would go on as a GET without the
    // events, and its 2xx would count them as delivered.
    res = await fetch(env.EXPOSURE_URL, { method: 'POST', body: JSON.stringify({ events: kept }), headers: { 'Content-Type': 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT) });
  } catch (e) {
    console.log(`feats-edge: relaying exposures failed: ${e.message}`);
    return json({ error: 'the exposure sink could not be reached' }, 503, { 'Retry-After': '5' });
  }
  res.body?.cancel();
  if (res.ok) return new Response(null, { status: 204, headers: accepted });
  console.log(`feats-edge: the exposure sink answered ${res.status}`);
  if (res.status === 429 || res.status >= 500) {
    return json({ error: `the exposure sink answered ${res.status}` }, 503, { 'Retry-After': res.headers.get('Retry-After') ?? '5' });
  }
  // Its 4xx: the events are refused, and the page's client drops them; a
  // status with no meaning here (3xx) is a bad gateway, retried.
  if (res.status >= 400) return json({ error: `the exposure sink refused the events (${res.status})` }, res.status);
  if (res.status >= 300) console.log(`feats-edge: the exposure sink redirects (${res.headers.get('Location') ?? 'no Location'}): exposures are not sent on; give EXPOSURE_URL the URL it leads to`);
  return json({ error: `the exposure sink answered ${res.status}` }, 502);
}

// The browser build of the package: only these files, with their types.
const assets = /^\/pkg\/(index\.js|src\/[a-z]+\.js|gen\/feats_edge\.js|gen\/feats_edge_bg\.wasm)$/;
async function asset(request, env, path) {
  if (!env.ASSETS) return new Response('not found', { status: 404 });
  const res = await env.ASSETS.fetch(new URL(`/${path}`, request.url), { method: 'GET' });
  if (!res.ok) return new Response('not found', { status: 404 });
  const type = path.endsWith('.wasm') ? 'application/wasm' : 'text/javascript; charset=utf-8';
  return new Response(res.body, { headers: { 'Content-Type': type, 'Cache-Control': 'public, max-age=300' } });
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const { pathname } = url;
    const method = request.method;
    const file = assets.exec(pathname);
    if (file) return method === 'GET' || method === 'HEAD' ? asset(request, env, file[1]) : new Response(null, { status: 405 });
    if (pathname === '/exposures') return method === 'POST' ? relay(request, env, ctx) : new Response(null, { status: 405, headers: { Allow: 'POST' } });

    // (`/ofrep/v1/evaluate/`: where a request for the flag `..` arrives.)
    const isOfrep = pathname.startsWith('/ofrep/v1/evaluate/flags/') || /^\/ofrep\/v1\/evaluate(\/|\/flags)?$/.test(pathname);
    if (pathname === '/ofrep/v1/configuration') return cors(await ofrepConfiguration(request, env));
    // (Under /ofrep/ with CORS headers, so that a page on another origin
    // asking for an endpoint this worker lacks sees a 404, not a failed fetch.)
    if (!isOfrep && pathname !== '/') return pathname.startsWith('/ofrep/') ? cors(new Response('not found', { status: 404 })) : new Response('not found', { status: 404 });
    if (isOfrep) return cors(await ofrep(request, env, ctx, pathname));
    if (method !== 'GET' && method !== 'HEAD') return new Response(null, { status: 405, headers: { Allow: 'GET' } });
    if (!env.SNAPSHOT_URL) return json({ errorDetails: 'SNAPSHOT_URL is not configured' }, 500);
    await ensureSnapshot(env, ctx);
    const state = current; // used synchronously from here on (see ensureSnapshot)
    if (!state) return notReady({ errorCode: 'PROVIDER_NOT_READY', errorDetails: 'no snapshot could be loaded from the origin' });
    return page(request, env, ctx, state);
  },
};

/** The OFREP routes (bulk and single flag), before CORS headers. */
async function ofrep(request, env, ctx, pathname) {
  if (request.method === 'OPTIONS') return preflight(request);
  if (request.method !== 'POST') return new Response(null, { status: 405, headers: { Allow: 'POST, OPTIONS' } });
  const bulk = pathname === '/ofrep/v1/evaluate/flags';
  // Flag keys `.` and `..` never arrive: the caller's URL parser removes
  // them as path segments (`..` also the segment before).
  if ((!bulk && !pathname.startsWith('/ofrep/v1/evaluate/flags/')) || pathname === '/ofrep/v1/evaluate/flags/') {
    return json({ key: '', errorCode: 'FLAG_NOT_FOUND', errorDetails: "no flag key in the path (a key of '.' or '..' is removed from URLs: read it from the bulk evaluation)" }, 404);
  }
  const key = bulk ? undefined : flagKey(pathname);
  // A malformed escape names no feature there can be.
  if (key === null) return json({ key: pathname.slice('/ofrep/v1/evaluate/flags/'.length), errorCode: 'FLAG_NOT_FOUND', errorDetails: 'the flag key is not a valid URL path segment' }, 404);
  if (!env.SNAPSHOT_URL) return json({ errorDetails: 'SNAPSHOT_URL is not configured' }, 500);
  const context = await readContext(request, key, targetingPath(env));
  if (context instanceof Response) return context;
  await ensureSnapshot(env, ctx);
  const state = current; // used synchronously from here on (see ensureSnapshot)
  // OFREP's error body with a status its providers read (they read no
  // 503's: the server's gave "does not match the expected format").
  if (!state) return notReady({ ...(key !== undefined && { key }), errorCode: 'GENERAL', errorDetails: 'PROVIDER_NOT_READY: no snapshot could be loaded from the origin' }, 500);
  // Replaced clients still holding exposures are flushed by OFREP traffic too, not only page views.
  if (retiring.length) flushAll(ctx, state);
  return bulk ? ofrepBulk(request, state, context) : ofrepOne(state, context, key);
}
