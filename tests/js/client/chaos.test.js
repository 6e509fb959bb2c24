// A seeded, deterministic chaos harness for the client (SPEC sections 4 and 5).
//
// Real HTTP servers on 127.0.0.1 misbehave at random (statuses, bodies,
// resets, stalls, odd Retry-After values, redirects, gzip that does not
// inflate, ETags weak, unquoted or given twice), while a random sequence
// of client calls runs. The client's own timers and Date.now run on a
// virtual clock (timers set from the package's code are intercepted; every
// other timer, the sockets and the servers are real), so 30-second aborts,
// 5-minute Retry-After caps and polling intervals are exercised in
// milliseconds, and each seed replays the same way: after every timer the
// harness waits until the network is quiet (a request a server holds on
// purpose excepted) before the next one fires.
//
// Invariants checked (see `violation` calls):
// - no evaluation call throws (a handle factory's own error excepted); the
//   results have the documented types;
// - no unhandled rejection, uncaught exception, or throwing client timer;
// - exposure conservation: sent + dropped + failed + queued == events created,
//   every event not delivered is counted as not sent (stats.sent never counts
//   an event the sink did not accept with a 2xx), no event delivered that was
//   never created, duplicates identical, each delivered event has exactly the
//   SPEC's fields and no context data beyond the unit; once per (feature,
//   implementation, unit);
// - a model of the snapshot protocol (ETag / If-None-Match, 304, refused
//   bodies, answers overtaken by later fetches): client.revision is always the
//   last good snapshot, the If-None-Match sent is the last ETag, every failure
//   is an `error` event and every load an `update` (and no more of either);
// - evaluations (findImplementation(s), details, create, isEnabled) answer
//   what a fresh Engine on the last good snapshot answers, or the code
//   defaults with none loaded or after close() (features without experiments);
// - listeners that call the client back (an `update` one that evaluates,
//   `error` ones that flush, refresh or close, a `stale` one that
//   refreshes, an `exposure` one that uses another unit) change none of it;
// - after the servers recover, polling resumes on its own (refreshInterval >
//   0) and everything queued is delivered (by timers when flushInterval > 0);
// - refresh(), flush() and close() resolve; after close() no client timer is
//   left and evaluations still answer.
//
// A share of the seeds runs the client request-bound, as `isolateClient`
// gives it in Workers: no timer of its own; each simulated request gets the
// isolate's client (revalidating a snapshot older than refreshInterval), makes
// its calls, and hands `client.flush()` to `ctx.waitUntil`.
//
// CHAOS_SEEDS (default 40) and CHAOS_SEED (first seed, default 1) choose the
// seeds; CHAOS_ISOLATE (0 to 1, default 0.3) the share of request-bound
// ones; CHAOS_TRACE=1 prints every seed's trace; CHAOS_POST_REDIRECTS=0
// leaves out 301/302/303 answers to exposure POSTs (followed, fetch would
// send the POST on as a GET without its body: the client does not follow
// redirects of exposure POSTs, and these seeds check it);
// CHAOS_PKG=/path/to/pkg/node.js runs another copy of the package
// (unbundled sources, a fix being tried).
//
// A violation prints its seed, the invariant, and the last 60 lines of the
// seed's trace (every server answer and client call, on the virtual clock);
// CHAOS_SEEDS=1 CHAOS_SEED=n CHAOS_TRACE=1 replays that seed in full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
// CHAOS_PKG: another copy of the package's Node entry (e.g. /tmp/x/pkg/node.js, sources unbundled) to run against.
const { createClient, Engine, isolateClient } = await import(process.env.CHAOS_PKG ?? 'feats-edge');

const SEEDS = Number(process.env.CHAOS_SEEDS ?? 40);
const FIRST = Number(process.env.CHAOS_SEED ?? 1);
const TRACE = !!process.env.CHAOS_TRACE;
/** What the seeds exercised, summed over seeds (printed at the end). */
const COVERAGE = {};
const cover = (what) => (COVERAGE[what] = (COVERAGE[what] ?? 0) + 1);
/**
 * The share of seeds whose client is request-bound, as in Workers
 * (`isolateClient`: no timers, each request refreshes and flushes);
 * CHAOS_ISOLATE=0 or 1 makes it none or all.
 */
const ISOLATE = process.env.CHAOS_ISOLATE === undefined ? 0.3 : Number(process.env.CHAOS_ISOLATE);
/** CHAOS_POST_REDIRECTS=0 leaves out 301/302/303 answers to exposure POSTs (which fetch, if it followed them, turns into GETs). */
const POST_REDIRECTS = process.env.CHAOS_POST_REDIRECTS !== '0';

// ---------------------------------------------------------------- randomness

/** sfc32: a small seeded generator. */
function prng(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
    /** `pairs`: [[weight, value], ...] */
    weighted(pairs) {
      const total = pairs.reduce((s, [w]) => s + w, 0);
      let x = next() * total;
      for (const [w, v] of pairs) if ((x -= w) < 0) return v;
      return pairs[pairs.length - 1][1];
    },
  };
  return r;
}

// ------------------------------------------------------------- virtual clock

const REAL = {
  setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval, clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate, now: Date.now, random: Math.random,
};
/** Frames of the package (the Node bundle, or the sources run unbundled). */
const FROM_PKG = /pkg[\\/](?:gen[\\/]node|node|src[\\/]\w+)\.js/;
const TIMEOUT_MAX = 2 ** 31 - 1;
const V = { on: false, epoch: 0, t: 0, seq: 0, /** @type {Set<VTimer>} */ timers: new Set() };

class VTimer {
  constructor(fn, ms, args, repeat, owner) {
    ms = Number(ms);
    // Node: a delay outside [1, TIMEOUT_MAX] (NaN included) is 1 ms.
    this.ms = ms >= 1 && ms <= TIMEOUT_MAX ? ms : 1;
    Object.assign(this, { fn, args, repeat, owner, id: ++V.seq });
    this.schedule();
  }
  schedule() {
    this.due = V.t + this.ms;
    this.order = ++V.seq;
    V.timers.add(this);
  }
  unref() { return this; }
  ref() { return this; }
  hasRef() { return true; }
  refresh() { this.schedule(); return this; }
  [Symbol.toPrimitive]() { return this.id; }
}

const fromPkg = () => V.on && FROM_PKG.test(new Error().stack);
globalThis.setTimeout = function setTimeout(fn, ms, ...args) {
  return fromPkg() ? new VTimer(fn, ms, args, false, 'client') : REAL.setTimeout(fn, ms, ...args);
};
globalThis.setInterval = function setInterval(fn, ms, ...args) {
  return fromPkg() ? new VTimer(fn, ms, args, true, 'client') : REAL.setInterval(fn, ms, ...args);
};
globalThis.clearTimeout = function clearTimeout(t) {
  if (t instanceof VTimer) V.timers.delete(t);
  else REAL.clearTimeout(t);
};
globalThis.clearInterval = function clearInterval(t) {
  if (t instanceof VTimer) V.timers.delete(t);
  else REAL.clearInterval(t);
};
Date.now = () => (V.on ? V.epoch + Math.floor(V.t) : REAL.now());

/** A harness timer on the virtual clock (servers that stall). */
const vAfter = (ms, fn) => new VTimer(fn, ms, [], false, 'harness');
const realSleep = (ms) => new Promise((r) => REAL.setTimeout(r, ms));
const tickReal = () => new Promise((r) => REAL.setImmediate(r));

// ------------------------------------------------------------------ fixtures

const SECRETS = ['jane.doe+secret@example.com', 'tok_0xDEADBEEF', '10.9.8.7', 'cookie=s3cr3t', 'Secretstrasse 1'];
const FIELDS = ['experiment', 'feature', 'implementation', 'reason', 'revision', 'rule', 'timestamp', 'unit'].join();
const REASONS = new Set(['STATIC', 'DEFAULT', 'TARGETING_MATCH', 'SPLIT', 'STICKY', 'DISABLED', 'ERROR']);

/** Snapshot documents: revisions differ in weights; `variant` 1 has a broken feature, 2 is padded (~300 KB). */
function doc(rev, variant = 0) {
  const k = Number(String(rev).replace(/\D/g, '')) || 0;
  const d = {
    schema: 1,
    revision: rev,
    segments: { UserId: { from: { user: '{id}' } }, Country: { from: { user: '{country}' } } },
    features: {
      PaymentProcessor: {
        inputs: ['user'], implementations: ['acme', 'premium', 'aperture'], default: 'acme',
        rules: [{ when: { segment: 'Country', in: ['CA'] }, serve: 'premium' },
          { split: { by: 'UserId', weights: { aperture: 10 + 10 * (k % 4) } } }],
      },
      ImageProcessing: { type: 'boolean', inputs: [], default: true, enabled: k % 3 !== 2 },
      Dark: { type: 'boolean', inputs: ['user'], default: false, rules: [{ when: { segment: 'Country', in: ['CA'] }, serve: true }] },
      Random: { inputs: ['user'], implementations: ['a', 'b'], default: 'a',
        rules: [{ experiment: { name: 'exp', by: 'UserId', weights: { a: 50, b: 50 }, random: true } }] },
      Fixed: { inputs: ['user'], implementations: ['a', 'b'], default: 'a',
        rules: [{ experiment: { name: 'fixed', by: 'UserId', weights: { a: 30 + k, b: 70 - k } } }] },
      Split: { inputs: ['user'], implementations: ['on', 'off'], default: 'off',
        rules: [{ split: { by: 'UserId', weights: { on: 50, off: 50 } } }] },
    },
  };
  if (k % 2) delete d.features.Dark; // a feature that comes and goes
  if (variant === 1) d.features.Broken = { inputs: ['user'], implementations: ['x'], default: 'x', defualt: 'y' };
  if (variant === 2) d.meta = { padding: 'x'.repeat(300_000) };
  return d;
}
/** Features no experiment reads the sticky store for, and the code defaults the driver's handles give. */
const DETERMINISTIC = new Set(['PaymentProcessor', 'ImageProcessing', 'Dark', 'Split', 'Broken', 'Ghost']);
const CODE_DEFAULTS = { PaymentProcessor: 'acme', Ghost: 'x', Dark: 'false' };
const FEATURES = ['PaymentProcessor', 'ImageProcessing', 'Dark', 'Random', 'Fixed', 'Split', 'Broken', 'Ghost'];
const IMPLS = ['acme', 'premium', 'aperture', 'a', 'b', 'on', 'off', 'true', 'false', 'x', 'nope'];

/** What the engine makes of an id as a unit value (undefined: absent). */
function unitOf(id) {
  if (typeof id === 'string') return id.toWellFormed();
  if (typeof id === 'number' || typeof id === 'boolean') return String(id);
  return undefined;
}

const person = (id, country = 'FR') => ({
  user: { id, country, email: SECRETS[0], token: SECRETS[1], address: { street: SECRETS[4] } },
  request: { ip: SECRETS[2], cookie: SECRETS[3] },
});

// --------------------------------------------------------------------- world

/** Everything one seed runs: servers, client, model, oracle, trace. */
class World {
  constructor(seed) {
    this.seed = seed;
    this.rng = prng(seed * 7919 + 1);
    this.snapRng = prng(seed * 7919 + 2);
    this.sinkRng = prng(seed * 7919 + 3);
    this.randRng = prng(seed * 7919 + 4);
    this.trace = [];
    this.violations = [];
    this.nextId = 0;
    /** id -> {kind, n, url} fetches not finished (client side) */
    this.pending = new Map();
    /** chaos id -> the number of the GET it belongs to */
    this.gets = new Map();
    /** id -> latest server-side request record */
    this.byId = new Map();
    this.serverBusy = new Set();
    this.getCount = 0;
    this.recentGetDone = 0;
    // Expected and observed `update` / `error` events (observed from when the listeners are on).
    this.exp = { update: 0, error: 0 };
    this.obs = { update: 0, error: 0 };
    this.listening = false;
    // Exposure oracle.
    this.created = new Map(); // timestamp -> action
    this.lastTs = 0;
    this.action = null;
    this.delivered = new Map(); // timestamp -> event JSON
    this.deliveries = 0;
    this.posts = [];
    this.raw = [];
    this.closed = false;
    this.model = new SnapModel(this);
  }

  log(line) {
    const m = /-> (\d{3}|reset|stall|200 cut|200 invalid \([^)]*\)|body read|304 unconditional|200 chunked|200 with Content-Length|200 r\d, half)/.exec(line);
    if (m) cover(`${line.includes('sink') ? 'sink' : 'snapshot'} answered ${m[1]}`);
    if (/VIOLATION/.test(line)) cover('violations');
    const s = `[v+${String(Math.round(V.t)).padStart(7)}] ${line}`;
    this.trace.push(s);
    if (TRACE) console.log(`seed ${this.seed} ${s}`);
  }

  violation(kind, detail) {
    const v = { seed: this.seed, at: Math.round(V.t), kind, detail: String(detail).slice(0, 600) };
    this.violations.push(v);
    this.log(`!!! VIOLATION ${kind}: ${v.detail}`);
  }

  /** The `now` option: unique, increasing timestamps; each one handed out is an event queued (no rule reads the time). */
  clock = () => {
    const ts = Math.max(this.lastTs + 1, Date.now());
    this.lastTs = ts;
    const iso = new Date(ts).toISOString();
    if (!this.action) this.violation('event created outside any call', iso);
    this.created.set(iso, this.action);
    return ts;
  };

  /** The `fetch` option: real fetch, tagged with an id and tracked until the client is done with the answer. */
  fetch = (url, init) => {
    const id = ++this.nextId;
    const post = init?.method === 'POST';
    // A redirect the client follows itself (with the `headers` option) is
    // the same fetch as the request redirected: its number, and its If-None-Match.
    const from = post ? undefined : this.gets.get(Number(/[?&]via=\d+-(\d+)/.exec(url)?.[1]));
    const n = post ? 0 : from ?? ++this.getCount;
    const h = new Headers(init?.headers);
    h.set('x-chaos-id', String(id));
    const entry = { id, kind: post ? 'POST' : 'GET', n };
    if (!post) this.gets.set(id, n);
    this.pending.set(id, entry);
    const finish = () => this.pending.delete(id);
    if (!post && from === undefined) this.model.onGetStart(n, init.headers.get('If-None-Match'));
    init?.signal?.addEventListener('abort', () => {
      // An aborted GET is done reading; the fetch or read rejects too.
      if (this.pending.has(id) && entry.res && !post) this.getDone(entry, null), finish();
    });
    return fetch(url, { ...init, headers: h }).then(
      (res) => {
        entry.res = res;
        if (post) {
          if (!res.ok) this.exp.error++;
          finish();
          return res;
        }
        const stream = res.body;
        if (!stream) {
          this.getDone(entry, new Uint8Array(0)), finish();
          return res;
        }
        // A redirect the client follows itself (with the `headers` option):
        // its body is cancelled, and the hop is no answer of its own.
        const cancel = stream.cancel.bind(stream);
        stream.cancel = (...a) => {
          if (this.pending.has(id) && res.status > 299 && res.status < 400) cover('snapshot: a redirect followed by the client'), finish();
          return cancel(...a);
        };
        const chunks = [];
        const getReader = stream.getReader.bind(stream);
        stream.getReader = (...a) => {
          const reader = getReader(...a);
          const read = reader.read.bind(reader);
          reader.read = () => read().then((x) => {
            if (x.done) {
              if (this.pending.has(id)) this.getDone(entry, Buffer.concat(chunks)), finish();
            } else chunks.push(x.value);
            return x;
          }, (e) => {
            if (this.pending.has(id)) this.getDone(entry, null), finish();
            throw e;
          });
          return reader;
        };
        return res;
      },
      (e) => {
        if (!post) this.getDone(entry, null);
        else this.exp.error++;
        finish();
        throw e;
      },
    );
  };

  /** A GET finished on the client side: `bytes` of a full body, or null when it failed. */
  getDone(entry, bytes) {
    this.recentGetDone = REAL.now();
    const res = entry.res;
    const outcome = bytes
      ? this.model.onGet(entry.n, res.status, res.headers.get('ETag'), new TextDecoder().decode(bytes))
      : this.model.onGetFailed(entry.n);
    if (outcome !== 'none') this.exp[outcome]++;
    this.log(`client GET #${entry.n} done: ${bytes ? `${res.status}, ${bytes.length} bytes` : 'failed'} -> expect ${outcome}; model rev ${this.model.rev} etag ${this.model.etag}`);
  }

  busy() {
    for (const p of this.pending.values()) if (this.byId.get(p.id)?.state !== 'held') return true;
    if (this.serverBusy.size) return true;
    if (REAL.now() - this.recentGetDone < 4) return true;
    if (this.listening && (this.obs.update < this.exp.update || this.obs.error < this.exp.error)) return true;
    return false;
  }

  fingerprint() {
    const c = this.client;
    return JSON.stringify([c && { ...c.stats }, c?.revision, this.obs, this.exp, this.nextId, this.posts.length]);
  }

  async settle() {
    const start = REAL.now();
    let quiet = 0, last;
    for (;;) {
      await tickReal();
      const busy = this.busy();
      const fp = this.fingerprint();
      if (!busy && fp === last) {
        if (++quiet >= 2) break;
      } else quiet = 0;
      last = fp;
      if (busy) await realSleep(1);
      if (REAL.now() - start > 4000) {
        const pend = [...this.pending.values()].map((p) => `${p.kind}#${p.id}:${this.byId.get(p.id)?.state}`);
        this.violation('client did not settle within 4 s (real)', `pending ${pend.join(' ')}; server busy ${this.serverBusy.size}; expected ${JSON.stringify(this.exp)} observed ${JSON.stringify(this.obs)}`);
        this.obs = { ...this.exp };
        break;
      }
    }
    this.check();
  }

  /** Runs the virtual clock `ms` forward, firing timers in order, quiet network between them. */
  async advance(ms) {
    const end = V.t + ms;
    for (;;) {
      let next = null;
      for (const t of V.timers) if (t.due <= end && (!next || t.due < next.due || (t.due === next.due && t.order < next.order))) next = t;
      if (!next) break;
      V.t = Math.max(V.t, next.due);
      if (next.repeat) next.schedule();
      else V.timers.delete(next);
      try {
        next.fn(...next.args);
      } catch (e) {
        this.violation(`a ${next.owner} timer threw`, e?.stack ?? e);
      }
      await this.settle();
    }
    V.t = end;
    await this.settle();
  }

  /** Checks that hold at any quiet moment. */
  check() {
    const c = this.client;
    if (!c) return;
    const s = c.stats;
    const created = this.created.size;
    if (s.sent + s.dropped + s.failed + s.queued !== created) {
      this.violation('exposure conservation', `sent ${s.sent} + dropped ${s.dropped} + failed ${s.failed} + queued ${s.queued} != created ${created}`);
      this.created.set(`(resync ${this.violations.length})`, null); // report once per drift
      while (this.created.size < s.sent + s.dropped + s.failed + s.queued) this.created.set(`(resync ${this.violations.length} ${this.created.size})`, null);
    }
    const undelivered = [...this.created.keys()].filter((ts) => !ts.startsWith('(') && !this.delivered.has(ts)).length;
    if (undelivered > s.dropped + s.failed + s.queued + (this.lostOk ?? 0)) {
      this.violation('events counted as sent were never delivered', `${undelivered} created events not delivered, but only dropped ${s.dropped} + failed ${s.failed} + queued ${s.queued} are counted as not sent (sent ${s.sent}, delivered ${this.delivered.size})`);
      this.lostOk = undelivered - (s.dropped + s.failed + s.queued);
    }
    if (this.late && this.late.since !== null && !this.busy() && this.late.heard !== this.obs.error - this.late.since + this.late.replayed) {
      this.violation('an error listener added by another heard a wrong number of errors', `${this.late.heard}, not ${this.obs.error - this.late.since} since it was added (+${this.late.replayed} from on())`);
      this.late = null;
    }
    // Every `error` is one the protocol calls for: a failed fetch or POST, a refused snapshot.
    if (this.listening && (this.obs.update > this.exp.update || this.obs.error > this.exp.error)) {
      this.violation('more events than the answers call for', `expected ${JSON.stringify(this.exp)}, observed ${JSON.stringify(this.obs)}`);
      this.exp = { ...this.obs };
    }
    const rev = this.closed ? null : this.model.rev;
    if (c.revision !== rev) {
      this.violation('revision is not the last good snapshot', `client.revision ${JSON.stringify(c.revision)}, model ${JSON.stringify(rev)}`);
      this.model.rev = c.revision;
    }
  }

  /** Runs a client call; any throw is a violation (except those `allowed`). */
  call(label, fn, action, allowed) {
    const outer = this.action; // (a listener's call inside another call)
    this.action = action;
    try {
      return fn();
    } catch (e) {
      if (!allowed?.(e)) this.violation(`${label} threw`, e?.stack ?? e);
    } finally {
      this.action = outer;
    }
  }
}

/** The client's snapshot state, as SPEC section 5 and the README's decisions describe it. */
class SnapModel {
  constructor(w) {
    this.w = w;
    this.has = false; // an engine is loaded
    this.rev = null;
    this.loaded = undefined;
    this.fromObject = false;
    this.etag = undefined;
    this.answered = 0;
    /** @type {Map<number, string | null>} the If-None-Match each GET sent */
    this.sent = new Map();
  }
  /** The bootstrap snapshot, as `load(o.snapshot, bootTag)`. */
  boot(snapshot, tag) {
    const rev = tryLoad(snapshot);
    if (rev === undefined) return void this.w.exp.error++;
    Object.assign(this, { has: true, rev, etag: kept(tag), fromObject: snapshot?.constructor === Object });
    this.loaded = this.fromObject ? JSON.stringify(snapshot) : snapshot;
    this.w.exp.update++;
  }
  /**
   * A `findImplementation` answer is what a fresh Engine on the last good
   * snapshot answers (the handles' code default in place of none), or the
   * code default with nothing loaded (or after close()). Features whose
   * experiments read the sticky store are left out.
   */
  checkAnswer(feature, ctx, got, label) {
    if (!DETERMINISTIC.has(feature)) return;
    let want = null;
    if (this.has && !this.w.closed) want = this.answerOf(feature, ctx);
    want ??= CODE_DEFAULTS[feature] ?? null;
    cover(`evaluation compared with a fresh Engine${this.has && !this.w.closed ? '' : ' (code default)'}`);
    if (got !== want) this.w.violation('evaluation is not the last good snapshot\'s', `${label}: ${JSON.stringify(got)}, a fresh Engine on ${this.rev} answers ${JSON.stringify(want)}`);
  }
  /** An `isEnabled` answer of a boolean feature: the fresh Engine's "true", false with nothing loaded. */
  checkEnabled(feature, ctx, got, label) {
    const want = this.has && !this.w.closed && this.answerOf(feature, ctx) === 'true';
    if (got !== want) this.w.violation('isEnabled is not the last good snapshot\'s', `${label}: ${got}, a fresh Engine on ${this.rev} answers ${want}`);
  }
  /** What a fresh Engine on the last good snapshot answers (no sticky assignment). */
  answerOf(feature, ctx) {
    if (this.oracleFor !== this.loaded) {
      this.oracle?.free();
      this.oracle = new Engine(this.loaded);
      this.oracleFor = this.loaded;
    }
    return this.oracle.implementation(feature, ctx, { sticky: {}, now: 0 });
  }
  onGetStart(n, inm) {
    const want = this.etag || null;
    this.sent.set(n, inm ?? null);
    if ((inm ?? null) !== want) this.w.violation('If-None-Match is not the last ETag', `GET #${n} sent ${JSON.stringify(inm)}, last ETag ${JSON.stringify(want)}`);
  }
  same(text) {
    if (text === this.loaded) return true;
    if (!this.fromObject) return false;
    try {
      return JSON.stringify(JSON.parse(text)) === this.loaded;
    } catch {
      return false;
    }
  }
  /** @returns {'update' | 'error' | 'none'} */
  onGet(n, status, etag, text) {
    if (this.w.closed) return 'none';
    if (n < this.answered) return cover('snapshot: answer overtaken by a later fetch, ignored'), 'none';
    if (status === 304) cover(this.has ? (this.etag ? 'snapshot: 304 keeps the current one' : 'snapshot: 304 to a request without If-None-Match, with a snapshot') : 'snapshot: 304 with nothing loaded (error)');
    const ok = status >= 200 && status < 300;
    if (ok || status === 304) this.answered = n;
    if (status === 304) return this.has ? 'none' : 'error';
    // A 4xx to a conditional request: the ETag is dropped (asked again without it).
    if (status >= 400 && status < 500 && status !== 429 && this.sent.get(n) && this.sent.get(n) === this.etag) cover('snapshot: 4xx to a conditional request drops the ETag'), (this.etag = null);
    if (!ok) return 'error';
    if (etag != null && kept(etag) === null && etag.trim()) cover('snapshot: an ETag too long to keep');
    etag = kept(etag);
    if (this.has && this.same(text)) return cover('snapshot: same text again'), (this.etag = etag), 'none';
    const rev = tryLoad(text);
    if (rev === undefined) return cover(this.has ? 'snapshot: refused, last good kept' : 'snapshot: refused with nothing loaded'), 'error';
    cover('snapshot: loaded');
    Object.assign(this, { has: true, rev, etag, loaded: text, fromObject: false });
    return 'update';
  }
  onGetFailed() {
    cover('snapshot: fetch or body failed');
    return this.w.closed ? 'none' : 'error';
  }
}

/** An ETag as the client keeps it: trimmed, at most 1 024 characters, else null. */
function kept(tag) {
  const t = typeof tag == 'string' ? tag.trim() : '';
  return t && t.length <= 1024 ? t : null;
}

/** The revision a snapshot loads with, or undefined when it is refused. */
function tryLoad(snapshot) {
  try {
    const e = new Engine(snapshot);
    const rev = e.revision;
    e.free();
    return rev;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------- servers

const RETRY_AFTER = () => [null, '', '0', '1', '2', '-1', '-86400', '1.5', '0x10', '1e3', ' 7 ', 'soon', '120abc',
  '99999999999999999999999', '86400', 'Infinity', httpDate(3e3), httpDate(-6e4), httpDate(2 * 864e5), 'Wed, 21 Oct 2015 07:28:00 GMT'];
const httpDate = (ms) => new Date(Date.now() + ms).toUTCString();
const STALLS = [50, 1000, 10_000, 29_000, 29_999, 30_000, 31_000, 120_000, Infinity];

/** `text` gzipped, then spoiled: a byte flipped in the deflate data or the checksum, or the stream cut short. */
function badGzip(text, r) {
  const z = Buffer.from(gzipSync(text));
  const how = r.pick(['flip', 'crc', 'cut']);
  if (how === 'cut') return z.subarray(0, z.length >> 1);
  const at = how === 'crc' ? z.length - 8 : 10 + r.int(z.length - 18);
  z[at] ^= 0xff;
  return z;
}

/** A server whose every answer is drawn from the world's generator for it; records everything. */
async function startChaosServer(w, role) {
  const sockets = new Set();
  const server = createServer((req, res) => {
    const id = Number(req.headers['x-chaos-id']) || 0;
    const rec = { id, role, method: req.method, url: req.url, headers: req.headers, body: '', state: 'receiving', req, res, status: 0 };
    if (id) w.byId.set(id, rec);
    w.serverBusy.add(rec);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', () => {});
    res.on('close', () => {
      if (rec.state !== 'done') w.log(`${role} #${id} ${req.method} ${req.url}: connection closed (${rec.state})`);
      rec.state = 'done';
      w.serverBusy.delete(rec);
    });
    req.on('end', () => {
      rec.body = Buffer.concat(chunks).toString('utf8');
      w.raw.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${rec.body}`);
      rec.state = 'answering';
      (role === 'snapshot' ? serveSnapshot : serveSink)(w, rec);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

/** Writes an answer; `rec.state` follows it. */
function answer(w, rec, status, headers, body) {
  const { res } = rec;
  if (res.destroyed || rec.state === 'done') return;
  rec.status = status;
  rec.state = 'responding';
  res.on('finish', () => {
    rec.state = 'done';
    w.serverBusy.delete(rec);
  });
  res.writeHead(status, headers).end(body);
}

/** Holds a request on the virtual clock, then runs `then` (unless the connection went away). */
function hold(w, rec, ms, then, what) {
  rec.state = 'held';
  w.serverBusy.delete(rec);
  w.log(`${rec.role} #${rec.id}: ${what} ${ms === Infinity ? 'forever' : ms + ' ms'}`);
  w.held.add(rec);
  const go = () => {
    if (rec.released) return;
    rec.released = true;
    w.held.delete(rec);
    if (rec.res.destroyed || rec.state === 'done') return;
    rec.state = 'answering';
    w.serverBusy.add(rec);
    then();
  };
  rec.release = go;
  if (ms !== Infinity) vAfter(ms, go);
}

function reset(w, rec) {
  rec.state = 'done';
  w.serverBusy.delete(rec);
  rec.req.socket.destroy();
}

function serveSnapshot(w, rec) {
  const r = w.snapRng, st = w.snapState;
  const mood = w.recovered ? 'healthy' : st.mood;
  const inm = rec.headers['if-none-match'];
  const b = mood === 'healthy' ? 'ok'
    : r.weighted({
      flaky: [[30, 'ok'], [6, 'new'], [2, 'retag'], [4, '304'], [6, 'invalid'], [3, 'cut'], [1, 'huge'], [4, 'redirect'], [3, '4xx'], [5, '429'], [6, '5xx'], [5, 'reset'], [6, 'stall'], [3, 'slowbody']],
      down: [[1, 'ok'], [6, '5xx'], [3, 'reset'], [2, '429'], [2, 'stall']],
      limited: [[1, 'ok'], [8, '429'], [1, 'stall']],
      garbage: [[2, 'ok'], [6, 'invalid'], [3, 'cut'], [2, '304'], [1, 'redirect']],
      answers: [[3, '4xx'], [1, 'redirect'], [2, 'invalid'], [1, 'retag']], // errors that are answers (not retried)
    }[mood]);
  const ra = () => {
    const v = r.pick(RETRY_AFTER());
    return v === null ? {} : { 'Retry-After': v };
  };
  const what = (s) => w.log(`snapshot #${rec.id} GET ${rec.url} inm=${JSON.stringify(inm ?? null)} [${mood}] -> ${s}`);
  const ok = () => {
    const text = st.text;
    if (inm && inm === st.etag && r.chance(0.9)) return what(`304 (etag ${st.etag})`), answer(w, rec, 304, r.chance(0.5) ? { ETag: st.etag } : {});
    what(`200 ${st.rev} etag ${st.etag} (${text.length} bytes${st.gzip ? ', gzip' : ''})`);
    const type = r.weighted([[8, 'application/json'], [1, 'text/html; charset=iso-8859-1'], [1, 'application/octet-stream']]);
    answer(w, rec, 200, { 'Content-Type': type, ...(st.etag && { ETag: st.etag }), ...(st.gzip && { 'Content-Encoding': 'gzip' }) }, st.gzip ? gzipSync(text) : text);
  };
  switch (b) {
    case 'ok': return ok();
    case 'retag': // the same text under a new ETag (a CDN re-encoding, a deploy of the same file)
      st.etag = `"retag-${r.int(1e6)}"`;
      return ok();
    case 'new': {
      // The origin publishes: a new revision, a reformatted copy, a broken feature, a padded one; ETag or not.
      const rev = r.pick(['r1', 'r2', 'r3', 'r4', 'r5']);
      const variant = r.weighted([[6, 0], [2, 1], [1, 2]]);
      const d = doc(rev, variant);
      st.rev = rev;
      st.text = r.chance(0.2) ? JSON.stringify(d, null, 1) : JSON.stringify(d);
      st.etag = r.weighted([[5, `"${rev}-${variant}-${r.int(1000)}"`], [1, null], [1, `W/"${rev}"`], [1, '"same"'], [1, '"\xe9t\xe9"'], [1, `"${'e'.repeat(4000)}"`],
        [1, `${rev}-unquoted`], [1, [`"${rev}-a"`, `"${rev}-b"`]]]); // (two ETag lines: read as one, joined by ", ")
      st.gzip = r.chance(0.2);
      return ok();
    }
    case '304': {
      const tag = r.chance(0.5) ? { ETag: r.pick(['"zzz"', st.etag ?? '"q"']) } : {};
      return what(`304 unconditional ${JSON.stringify(tag)}`), answer(w, rec, 304, tag);
    }
    case 'invalid': {
      const text = st.text;
      const bodies = [
        ['empty', ''], ['html', '<!doctype html><title>Login</title>'], ['half', text.slice(0, text.length >> 1)],
        ['schema 2', JSON.stringify({ ...JSON.parse(text), schema: 2 })], ['array', '[]'], ['null', 'null'], ['string', '"x"'],
        ['bad utf-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])], ['nul', '\0'], ['text', 'OK'], ['trailing', text + '}'],
        ['claims gzip', text], ['bad gzip', badGzip(text, r)], ['list too long', JSON.stringify({ schema: 1, revision: 'big', features: { F: { implementations: Array.from({ length: 10_001 }, (_, i) => `i${i}`), default: 'i0' } } })],
      ];
      const [name, body] = r.pick(bodies);
      const etag = r.chance(0.5) ? { ETag: `"bad-${r.int(100)}"` } : {};
      what(`200 invalid (${name}) ${JSON.stringify(etag)}`);
      cover(`snapshot refused: ${name}`);
      const enc = name === 'claims gzip' || name === 'bad gzip' ? { 'Content-Encoding': 'gzip' } : {};
      return answer(w, rec, r.chance(0.8) ? 200 : r.pick([201, 203, 204]), { 'Content-Type': r.pick(['application/json', 'text/html']), ...etag, ...enc }, body);
    }
    case 'cut': {
      // Content-Length promises all, half arrives, then the connection closes (maybe after a stall).
      const text = Buffer.from(st.text);
      const stall = r.chance(0.5) ? r.pick(STALLS) : 0;
      what(`200 cut after ${text.length >> 1} of ${text.length} bytes, stall ${stall}`);
      rec.status = 200;
      rec.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': text.length, ...(st.etag && { ETag: st.etag }) });
      rec.res.write(text.subarray(0, text.length >> 1));
      const kill = () => reset(w, rec);
      return stall ? hold(w, rec, stall, kill, 'mid-body stall, then reset') : REAL.setTimeout(kill, 10);
    }
    case 'slowbody': {
      const text = Buffer.from(st.text);
      const stall = r.pick(STALLS);
      what(`200 ${st.rev}, half the body, stall ${stall}, then the rest`);
      rec.status = 200;
      rec.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': text.length, ...(st.etag && { ETag: st.etag }) });
      rec.res.write(text.subarray(0, text.length >> 1));
      return hold(w, rec, stall, () => {
        rec.res.on('finish', () => ((rec.state = 'done'), w.serverBusy.delete(rec)));
        rec.res.end(text.subarray(text.length >> 1));
      }, 'mid-body stall');
    }
    case 'huge': {
      if (r.chance(0.5)) {
        what('200 with Content-Length 17 MiB, then reset');
        rec.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 17 * 2 ** 20 });
        rec.res.write('{"schema":1,');
        return REAL.setTimeout(() => reset(w, rec), 10);
      }
      what('200 chunked body of 17 MiB');
      rec.status = 200;
      rec.res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 17 && !rec.res.destroyed) {
          sent++;
          if (!rec.res.write(chunk)) return rec.res.once('drain', pump);
        }
        if (!rec.res.destroyed) rec.res.end('{}');
      };
      rec.state = 'responding';
      rec.res.on('finish', () => ((rec.state = 'done'), w.serverBusy.delete(rec)));
      return pump();
    }
    case 'redirect': {
      const status = r.pick([301, 302, 303, 307, 308]);
      const loc = r.chance(0.8) ? { Location: `/snapshot.json?via=${status}-${rec.id}` } : {};
      what(`${status} ${JSON.stringify(loc)}`);
      return answer(w, rec, status, loc, '');
    }
    case '4xx': {
      const status = r.pick([400, 401, 403, 404, 408, 410, 413, 418]);
      what(`${status}`);
      return answer(w, rec, status, { 'Content-Type': 'text/plain' }, 'no');
    }
    case '429':
    case '5xx': {
      const status = b === '429' ? 429 : r.pick([500, 502, 503, 504]);
      const h = ra();
      what(`${status} ${JSON.stringify(h)}`);
      return answer(w, rec, status, h, 'busy');
    }
    case 'reset':
      what('reset before any answer');
      return reset(w, rec);
    case 'stall': {
      const ms = r.pick(STALLS);
      what(`stall ${ms}`);
      return hold(w, rec, ms, () => serveSnapshot(w, rec), 'stall before answering');
    }
  }
}

function serveSink(w, rec, again) {
  const r = w.sinkRng;
  const mood = w.recovered ? 'healthy' : w.sinkMood;
  const post = rec.method === 'POST';
  let events = null;
  if (post) {
    if (!again) w.posts.push(rec), checkBody(w, rec);
    try {
      events = JSON.parse(rec.body).events;
    } catch {}
  }
  const b = mood === 'healthy' ? 'ok'
    : r.weighted({
      flaky: [[30, 'ok'], [4, '4xx'], [6, '429'], [6, '5xx'], [5, 'redirect'], [5, 'reset'], [3, 'resetAfter'], [6, 'stall'], [2, 'okCut']],
      down: [[1, 'ok'], [6, '5xx'], [4, 'reset'], [2, 'stall']],
      limited: [[1, 'ok'], [8, '429'], [1, 'stall']],
      strict: [[3, 'ok'], [3, '4xx'], [2, 'redirect']],
    }[mood]);
  const what = (s) => w.log(`sink #${rec.id} ${rec.method} ${rec.url} ${events ? `${events.length} events` : ''} [${mood}] -> ${s}`);
  const accept = (status, rest) => {
    what(`${status}${rest ? ' ' + rest : ''}`);
    rec.res.on('finish', () => {
      if (post && events) deliver(w, rec, events);
    });
  };
  const ra = () => {
    const v = r.pick(RETRY_AFTER());
    return v === null ? {} : { 'Retry-After': v };
  };
  switch (b) {
    case 'ok': {
      const status = r.pick([200, 202, 204]);
      const gz = status !== 204 && r.chance(0.2) ? { 'Content-Encoding': 'gzip' } : {};
      accept(status, gz['Content-Encoding'] ? 'with a body that is not gzip' : '');
      return answer(w, rec, status, gz, status === 204 ? undefined : '{"ok":true}');
    }
    case 'okCut': {
      // A 2xx whose body breaks off: delivered (the status is the answer).
      accept(200, 'then the body breaks off');
      rec.status = 200;
      rec.state = 'responding';
      rec.res.writeHead(200, { 'Content-Length': '10' });
      rec.res.write('ok', () => {
        if (post && events) deliver(w, rec, events);
        vAfter(r.pick([0, 1000, 40_000]), () => reset(w, rec));
        rec.state = 'held';
        w.serverBusy.delete(rec);
      });
      return;
    }
    case '4xx': {
      const status = r.pick([400, 404, 405, 408, 413, 422]);
      what(`${status}`);
      return answer(w, rec, status, {}, 'no');
    }
    case '429':
    case '5xx': {
      const status = b === '429' ? 429 : r.pick([500, 502, 503, 504]);
      const h = ra();
      what(`${status} ${JSON.stringify(h)}`);
      return answer(w, rec, status, h, '');
    }
    case 'redirect': {
      const status = r.pick(POST_REDIRECTS || !post ? [301, 302, 303, 307, 308] : [307, 308]);
      const loc = r.chance(0.8) ? { Location: `/exposures?via=${status}-${rec.id}` } : {};
      what(`${status} ${JSON.stringify(loc)}`);
      return answer(w, rec, status, loc, '');
    }
    case 'reset':
      what('reset');
      return reset(w, rec);
    case 'resetAfter':
      what('body read, then reset without an answer');
      return reset(w, rec);
    case 'stall': {
      const ms = r.pick(STALLS);
      what(`stall ${ms}`);
      return hold(w, rec, ms, () => serveSink(w, rec, true), 'stall before answering');
    }
  }
}

/** Each POST body has exactly the SPEC's shape. */
function checkBody(w, rec) {
  if (rec.headers['content-type'] !== 'application/json') w.violation('exposure POST Content-Type', rec.headers['content-type']);
  let body;
  try {
    body = JSON.parse(rec.body);
  } catch {
    return w.violation('exposure POST body is not JSON', rec.body);
  }
  if (Object.keys(body).join() !== 'events' || !Array.isArray(body.events) || !body.events.length) w.violation('exposure body shape', rec.body);
  for (const e of body.events ?? []) checkEvent(w, e);
}

function checkEvent(w, e) {
  const bad = (why) => w.violation('exposure event', `${why}: ${JSON.stringify(e)}`);
  if (Object.keys(e).sort().join() !== FIELDS) return bad('fields are not the SPEC\'s');
  if (typeof e.feature !== 'string' || typeof e.implementation !== 'string' || !e.implementation) bad('feature/implementation');
  if (!REASONS.has(e.reason)) bad('reason');
  if (!(e.rule === null || Number.isInteger(e.rule))) bad('rule');
  if (!(e.experiment === null || typeof e.experiment === 'string')) bad('experiment');
  if (!(e.revision === null || typeof e.revision === 'string')) bad('revision');
  if (e.unit !== null && (Object.keys(e.unit).sort().join() !== 'segment,value' || typeof e.unit.value !== 'string')) bad('unit');
  const action = w.created.get(e.timestamp);
  if (action === undefined) return bad('an event that was never created (unknown timestamp)');
  if (action === null) return;
  if (action.feature !== undefined && e.feature !== action.feature) bad(`feature is not the one used (${action.feature})`);
  if (action.impl !== undefined && e.implementation !== action.impl) bad(`implementation is not the one used (${action.impl})`);
  if (action.revision !== undefined && e.revision !== action.revision) bad(`revision is not the one that served it (${action.revision})`);
  if (e.unit && !action.anyUnit && !action.units.includes(e.unit.value)) bad(`unit value is not the context's unit (${JSON.stringify(action.units)})`);
  for (const s of SECRETS) if (JSON.stringify(e).includes(s)) bad('context data beyond the unit');
}

/** A 2xx was written in full: these events are delivered. */
function deliver(w, rec, events) {
  w.deliveries++;
  for (const e of events) {
    const json = JSON.stringify(e);
    const before = w.delivered.get(e.timestamp);
    if (before !== undefined) {
      w.duplicates = (w.duplicates ?? 0) + 1;
      if (before !== json) w.violation('an event delivered twice with different content', `${before} / ${json}`);
    }
    w.delivered.set(e.timestamp, json);
  }
  // Once per (feature, implementation, unit), apart from uses before any snapshot loaded.
  for (const e of events) {
    const key = JSON.stringify([e.feature, e.implementation, e.unit, e.revision === null]);
    const ts = (w.keys ??= new Map()).get(key);
    if (ts !== undefined && ts !== e.timestamp) w.violation('reported twice for the same (feature, implementation, unit)', `${key}: ${ts} and ${e.timestamp}`);
    w.keys.set(key, e.timestamp);
  }
}

// -------------------------------------------------------------------- driver

/** Contexts: ordinary people with secrets around the unit, and odd ones. */
function context(w, r) {
  const id = r.weighted([[8, `u${r.int(60)}`], [1, 42], [1, true], [1, null], [1, { nested: SECRETS[0] }], [1, 'lone\ud800'], [1, '']]);
  const units = [unitOf(id)].filter((u) => u !== undefined);
  const base = () => person(id, r.pick(['FR', 'CA', 'US']));
  const kind = r.weighted([[14, 'person'], [1, 'null'], [1, 'number'], [1, 'array'], [1, 'cyclic'], [1, 'proxy'], [1, 'getter'], [1, 'reentrant'], [1, 'date'], [1, 'bigint'], [1, 'huge']]);
  switch (kind) {
    case 'person': return { ctx: base(), units, plain: true };
    case 'null': return { ctx: r.pick([null, undefined]), units: [] };
    case 'number': return { ctx: r.pick([0, 1, 'user', Symbol('s')]), units: [] };
    case 'array': return { ctx: [base()], units: [] };
    case 'cyclic': {
      const c = base();
      c.user.self = c;
      c.self = c.user;
      return { ctx: c, units };
    }
    case 'proxy': return { ctx: new Proxy({}, { get() { throw new Error('trap'); }, has() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } }), units: [] };
    case 'getter': {
      const c = base();
      Object.defineProperty(c.user, 'country', { get() { throw new Error('getter'); }, enumerable: true });
      return { ctx: c, units };
    }
    case 'reentrant': {
      // Reading the context calls the client again (another evaluation, a use).
      const c = base();
      let depth = 0;
      Object.defineProperty(c, 'user', {
        enumerable: true,
        get() {
          if (depth++ < 2 && w.client) {
            w.client.findImplementation('Split', person('u-inner'));
            w.client.create('Split', person('u-inner'));
            w.client.isEnabled('Dark', person('u-inner', 'CA'));
          }
          return { id, country: 'CA', email: SECRETS[0] };
        },
      });
      return { ctx: c, units: [...units, 'u-inner'], anyUnit: false, reentrant: true };
    }
    case 'date': return { ctx: { user: new Date(0) }, units: [] };
    case 'bigint': return { ctx: { user: { id: 10n, country: 'CA' } }, units: [] };
    case 'huge': return { ctx: person(`u-huge-${'x'.repeat(200_000)}`), units: [`u-huge-${'x'.repeat(200_000)}`] };
  }
}

const OPTIONS = (r) => ({
  refreshInterval: r.pick([0, 1000, 5000, 30_000, 60_000]),
  flushInterval: r.pick([0, 500, 2000, 5000, 10_000]),
  maxBatch: r.pick([1, 2, 3, 5, 10, 100]),
  maxQueue: r.pick([3, 5, 10, 50, 1000]),
  retryDelay: r.pick([undefined, 10, 100, 1000]),
  timeout: r.pick([0, 50, 500, 3000]),
});

async function runSeed(seed) {
  const w = new World(seed);
  const r = w.rng;
  w.held = new Set();
  V.timers = new Set();
  V.t = 0;
  V.epoch = Date.UTC(2026, 10, 22, 10) + seed * 1000;
  V.on = true;
  Math.random = w.randRng.next;
  const snap = await startChaosServer(w, 'snapshot');
  const sink = await startChaosServer(w, 'sink');
  const first = doc('r1');
  w.snapState = { mood: 'flaky', rev: 'r1', text: JSON.stringify(first), etag: '"r1-0"' };
  w.sinkMood = 'flaky';
  const o = OPTIONS(r);
  const boot = r.weighted([[3, 'none'], [2, 'object'], [1, 'text'], [1, 'invalid']]);
  const options = {
    ...o,
    snapshotUrl: `${snap.base}/snapshot.json`,
    exposureUrl: `${sink.base}/exposures`,
    fetch: w.fetch,
    now: w.clock,
    ...(boot === 'object' && { snapshot: doc('r0') }),
    ...(boot === 'text' && { snapshot: JSON.stringify(doc('r0')) }),
    ...(boot === 'invalid' && { snapshot: '{"schema": 1, ' }),
    ...(boot !== 'none' && r.chance(0.5) && { snapshotEtag: r.pick(['"r0"', ' "r1-0" ', 'a\nb']) }),
    ...(r.chance(0.3) && { headers: { 'X-App': 'chaos' } }),
    ...stickyOption(w, r),
  };
  const isolate = prng(seed * 7919 + 5).chance(ISOLATE);
  if (isolate) cover('request-bound (isolateClient)');
  w.log(`options ${JSON.stringify({ ...o, boot, snapshotEtag: options.snapshotEtag, headers: options.headers, isolate })}`);
  const promises = [];
  // Request-bound: what each request hands to `ctx.waitUntil` must settle too.
  const ctx = { waitUntil: (p) => promises.push(['waitUntil', watch(p)]) };
  const getClient = isolate ? isolateClient(options) : null;
  /** Request-bound: one request gets the isolate's client (on the virtual clock: it may wait for a revalidation). */
  const request = async () => {
    w.log('request');
    const got = watch(w.call('request', () => getClient({}, ctx), {}));
    await w.settle();
    for (let k = 0; !got.settled && k < 800; k++) await w.advance(10);
    if (!got.settled) w.violation('a request did not get the client', 'within 8 virtual seconds');
    else if (got.rejected) w.violation('a request did not get the client', got.error?.stack ?? got.error);
  };
  /** Request-bound: the end of a request, its exposures sent after the response. */
  const respond = async () => {
    if (!isolate || w.closed) return;
    ctx.waitUntil(w.call('flush', () => w.client.flush(), {}));
    await w.settle();
  };
  let unhandled = [];
  const onRejection = (e) => unhandled.push(['unhandledRejection', e]);
  const onException = (e) => unhandled.push(['uncaughtException', e]);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  try {
    if (options.snapshot !== undefined) {
      const tag = typeof options.snapshotEtag === 'string' && !/[\r\n]/.test(options.snapshotEtag) ? options.snapshotEtag.trim() || undefined : undefined;
      w.model.boot(options.snapshot, tag);
    }
    // createClient resolves by `timeout` (virtual) at the latest.
    let client, failedToCreate;
    const creating = (isolate ? getClient({}, ctx) : createClient(options)).then((c) => (client = c), (e) => (failedToCreate = e));
    await w.settle();
    const deadline = Math.max(1, o.timeout); // (Node runs a 0 ms timer after 1 ms)
    while (!client && !failedToCreate && V.t < deadline) await w.advance(Math.min(10, deadline - V.t));
    await w.settle();
    if (failedToCreate) throw failedToCreate;
    if (!client) {
      w.violation('createClient did not resolve by its timeout', `timeout ${o.timeout}`);
      while (!client) await w.advance(1000);
    }
    await creating;
    w.client = client;
    // Listeners that call the client back: an application re-renders on
    // `update`, and may flush or refresh on `error`.
    const lr = prng(seed * 7919 + 6), reenter = lr.chance(0.5);
    client.on('update', (u) => {
      w.obs.update++;
      if (!reenter) return;
      w.call('update listener', () => {
        if (u.revision !== client.revision) w.violation('update names another revision than the client serves', `${u.revision} / ${client.revision}`);
        const ctx = person(`u${lr.int(60)}`, lr.pick(['FR', 'CA']));
        w.model.checkAnswer('PaymentProcessor', ctx, client.findImplementation('PaymentProcessor', ctx), 'findImplementation in an update listener');
        void u.changed;
      }, {});
    });
    client.on('error', (e) => {
      w.obs.error++;
      w.log(`error event: ${String(e?.message).slice(0, 160)}`);
      if (!(e instanceof Error)) w.violation('an error event that is not an Error', e);
      if (!reenter || w.closed) return;
      const what = lr.weighted([[6, 'none'], [1, 'flush'], [1, 'refresh'], [0.05, 'close'], [0.2, 'listen']]);
      if (what === 'listen' && !w.late) {
        // Another error listener, added while this error is said: it hears the errors after it
        // (and, with nothing loaded, this one once, from on()).
        cover('an error listener added by an error listener');
        // Added while `on` replays the wait's errors to the first (before the
        // resync below): what `on` gives it then depends on which of them is
        // being replayed (unit tests pin that); it is counted from the resync.
        const replaying = !w.listening;
        const late = (w.late = { heard: 0, since: replaying ? null : w.obs.error, replayed: !replaying && client.revision === null ? 1 : 0 });
        client.on('error', () => late.since !== null && late.heard++);
      }
      if (what === 'close') {
        w.log('close() in an error listener');
        cover('close() in an error listener');
        w.closed = true;
        promises.push(['close', watch(w.call('close in an error listener', () => client.close(), {}))]);
      }
      if (what === 'flush') promises.push(['flush', watch(w.call('flush in an error listener', () => client.flush(), {}))]);
      if (what === 'refresh') promises.push(['refresh', watch(w.call('refresh in an error listener', () => client.refresh(), {}))]);
    });
    if (reenter) {
      // A stale client asks again; an exposure listener evaluates (another unit's use, queued while one is reported).
      client.on('stale', () => lr.chance(0.3) && !w.closed && promises.push(['refresh', watch(w.call('refresh in a stale listener', () => client.refresh(), {}))]));
      client.on('exposure', () => {
        if (!lr.chance(0.1) || w.closed) return;
        const units = [`x${lr.int(20)}`], a = { feature: 'Split', units };
        a.impl = w.call('create in an exposure listener', () => client.create('Split', person(units[0])), a) ?? undefined;
      });
    }
    await tickReal();
    // Resync: errors before the listeners were added were not observed (and one may be replayed).
    w.obs = { ...w.exp };
    w.listening = true;
    if (w.late && w.late.since === null) w.late.since = w.obs.error;
    await w.settle();

    const handles = {
      PP: client.feature('PaymentProcessor', { acme: () => 'ACME', premium: () => 'PREMIUM', aperture: 'not a function' }, { default: 'acme' }),
      Random: client.feature('Random', { a: () => 'A', b: () => { throw Object.assign(new Error('factory b'), { factory: true }); } }),
      Ghost: client.feature('Ghost', { x: () => 'X' }, { default: 'x' }),
      Dark: client.feature('Dark', { true: () => 'on', false: () => 'off' }, { default: false }),
    };
    const steps = 40 + r.int(60);
    for (let i = 0; i < steps && !w.closed; i++) {
      const op = r.weighted([[10, 'eval'], [5, 'advance'], [1, 'refresh'], [1, 'flush'], [1, 'mood'], [1, 'burst'], [0.15, 'close']]);
      if (op === 'eval') {
        if (isolate) await request();
        drive(w, r, handles);
        await respond();
      } else if (op === 'burst') {
        if (isolate) await request();
        // Many new units at once: full batches start POSTs of their own, the queue overflows.
        const n = 1 + r.int(25), tag = r.int(1e6);
        w.log(`burst of ${n} creates`);
        for (let k = 0; k < n; k++) {
          const units = [`b${tag}-${k}`], a = { feature: 'Split', units };
          a.impl = w.call('create', () => client.create('Split', person(units[0])), a) ?? undefined;
        }
        await w.settle();
        await respond();
      }
      else if (op === 'advance') {
        const ms = r.weighted([[3, 0], [3, 10], [4, 300], [4, 2000], [2, 10_000], [2, 31_000], [1, 90_000], [1, 301_000]]);
        w.log(`advance ${ms}`);
        await w.advance(ms);
      } else if (op === 'refresh') {
        w.log('refresh()');
        promises.push(['refresh', watch(w.call('refresh', () => client.refresh(), {}))]);
        await w.settle();
      } else if (op === 'flush') {
        w.log('flush()');
        promises.push(['flush', watch(w.call('flush', () => client.flush(), {}))]);
        await w.settle();
      } else if (op === 'mood') {
        w.snapState.mood = r.pick(['flaky', 'flaky', 'down', 'limited', 'garbage']);
        w.sinkMood = r.pick(['flaky', 'flaky', 'down', 'limited', 'strict']);
        w.log(`moods: snapshot ${w.snapState.mood}, sink ${w.sinkMood}`);
      } else {
        w.log('close() during the chaos');
        w.closed = true;
        promises.push(['close', watch(w.call('close', () => client.close(), {}))]);
        await w.settle();
      }
    }

    // The last answers before recovery are errors that are answers (4xx, 3xx, refused bodies): polling must go on after them.
    if (!w.closed && o.refreshInterval > 0) {
      w.snapState.mood = 'answers';
      w.log('=== snapshot server answers errors for one interval');
      await w.advance(o.refreshInterval + 1);
      if (isolate) await request(), await respond();
    }
    // Recovery: both servers healthy, a new snapshot published; requests held are answered or cut.
    w.recovered = true;
    Object.assign(w.snapState, { rev: 'r9', text: JSON.stringify(doc('r9')), etag: '"final"' });
    w.log('=== servers recover; snapshot r9 published');
    for (const rec of [...w.held]) {
      if (r.chance(0.5)) rec.release();
      else (w.held.delete(rec), reset(w, rec));
    }
    await w.settle();
    // Long enough for any backoff (60 s), a capped Retry-After (max(interval, 5 min)) and an interval.
    // Request-bound, a request each minute.
    for (let k = 0; k < 8; k++) {
      await w.advance(60_000);
      if (isolate && !w.closed) await request(), await respond();
    }
    if (!w.closed) {
      if (o.refreshInterval > 0 && client.revision !== 'r9') w.violation('polling did not resume after recovery', `revision ${client.revision} after 8 virtual minutes (refreshInterval ${o.refreshInterval})`);
      if ((o.flushInterval > 0 || isolate) && client.stats.queued !== 0) w.violation('queued exposures not delivered by timers after recovery', JSON.stringify(client.stats));
      if (client.revision !== 'r9') {
        promises.push(['refresh', watch(client.refresh())]);
        await w.advance(1000);
        if (client.revision !== 'r9') w.violation('refresh() after recovery did not load the new snapshot', client.revision);
      }
      if (client.stats.queued) {
        promises.push(['flush', watch(client.flush())]);
        await w.advance(1000);
      }
      if (client.stats.queued !== 0) w.violation('queued exposures not delivered after recovery and flush()', JSON.stringify(client.stats));
      // A last round of calls, then close().
      for (let i = 0; i < 10; i++) drive(w, r, handles);
      w.log('close()');
      w.closed = true;
      promises.push(['close', watch(w.call('close', () => client.close(), {}))]);
      await w.settle();
    }
    // Everything started resolves (POSTs give up after 30 s).
    for (let k = 0; k < 3 && promises.some(([, p]) => !p.settled); k++) await w.advance(31_000);
    for (const [what, p] of promises) {
      if (!p.settled) w.violation(`${what}() never settled`, '');
      else if (p.rejected) w.violation(`${what}() rejected`, p.error?.stack ?? p.error);
    }
    await w.advance(10_000);
    const left = [...V.timers].filter((t) => t.owner === 'client');
    if (left.length) w.violation('client timers left after close()', left.map((t) => `${t.ms} ms ${t.repeat ? 'interval' : 'timeout'}`).join(', '));
    // After close(): evaluations answer as with no snapshot, and queue nothing.
    const before = w.created.size;
    for (let i = 0; i < 5; i++) drive(w, r, handles);
    if (client.revision !== null) w.violation('revision after close()', client.revision);
    if (w.created.size !== before) w.violation('events queued after close()', w.created.size - before);
    w.check();
    const raw = w.raw.join('\n');
    for (const s of SECRETS) if (raw.includes(s)) w.violation('context data sent to a server', s);
    await realSleep(5);
  } finally {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    for (const [kind, e] of unhandled) w.violation(kind, e?.stack ?? e);
    Math.random = REAL.random;
    V.on = false;
    V.timers = new Set();
    w.model.oracle?.free();
    await snap.close();
    await sink.close();
  }
  const s = w.client?.stats ?? {};
  const summary = `seed ${seed}: ${w.trace.length} trace lines, GETs ${w.getCount}, POSTs ${w.posts.length}, created ${w.created.size}, delivered ${w.delivered.size} (duplicates ${w.duplicates ?? 0}), stats ${JSON.stringify({ ...s })}, virtual ${Math.round(V.t / 1000)} s, violations ${w.violations.length}`;
  return { w, summary };
}

/** The sticky option: default, a Map, a store that throws, a store that calls the client back. */
function stickyOption(w, r) {
  const kind = r.weighted([[4, 'default'], [1, 'map'], [1, 'throws'], [1, 'reenters']]);
  cover(`sticky store: ${kind}`);
  if (kind === 'map') return { sticky: new Map() };
  if (kind === 'throws') return { sticky: { get() { throw new Error('get'); }, set() { throw new Error('set'); } } };
  if (kind === 'reenters') {
    const m = new Map();
    return { sticky: { get: (k) => (w.client?.findImplementation('Split', person('u1')), m.get(k)), set: (k, v) => (w.client?.details('Fixed', person('u2')), m.set(k, v)) } };
  }
  return {};
}

/** A promise's fate, kept for later checks. */
function watch(p) {
  const state = { settled: false, rejected: false, error: undefined };
  Promise.resolve(p).then(() => (state.settled = true), (e) => Object.assign(state, { settled: true, rejected: true, error: e }));
  return state;
}

/** One random client call. */
function drive(w, r, handles) {
  const c = w.client;
  const f = r.weighted([[20, () => r.pick(FEATURES)], [1, () => r.pick([Symbol('f'), { toString() { throw new Error('name'); } }, 123, null, '__proto__', ''])]])();
  const { ctx, units, reentrant, plain } = context(w, r);
  const name = typeof f === 'string' ? f : undefined;
  // A context that calls the client while it is read makes events of its own: only the units are checked then.
  const act = (extra) => (reentrant ? { units, anyUnit: true } : { feature: name, units, ...extra });
  const op = r.weighted([[4, 'find'], [1, 'findAll'], [1, 'details'], [5, 'create'], [3, 'isEnabled'], [3, 'used'], [3, 'handle'], [1, 'handleFind']]);
  const label = `${op} ${typeof f === 'symbol' ? 'Symbol' : JSON.stringify(f) ?? String(f)}`;
  const type = (ok, got) => ok || w.violation(`${op} answered a wrong type`, `${label}: ${String(got)}`);
  switch (op) {
    case 'find': {
      const v = w.call(label, () => c.findImplementation(f, ctx), act());
      if (plain && !reentrant && typeof f === 'string') w.model.checkAnswer(f, ctx, v, `${label} for ${JSON.stringify(units)}`);
      return type(v === null || typeof v === 'string', v);
    }
    case 'findAll': {
      const v = w.call(label, () => c.findImplementations(ctx), act());
      if (plain && !reentrant && v) for (const k of DETERMINISTIC) if (k in v || w.model.has) w.model.checkAnswer(k, ctx, v[k] ?? null, `findImplementations ${k} for ${JSON.stringify(units)}`);
      return type(v !== null && typeof v === 'object', v);
    }
    case 'details': {
      const v = w.call(label, () => c.details(f, ctx), act());
      if (plain && !reentrant && typeof f === 'string' && v) w.model.checkAnswer(f, ctx, v.implementation, `details ${label} for ${JSON.stringify(units)}`);
      return type(v && typeof v === 'object' && 'implementation' in v && 'reason' in v, JSON.stringify(v));
    }
    case 'create': {
      // (Its event names the revision that served it: the last good snapshot's, null with none.)
      const a = act(plain && !reentrant ? { revision: w.model.has && !w.closed ? w.model.rev : null } : {});
      const v = w.call(label, () => c.create(f, ctx), a);
      if (!reentrant) a.impl = v ?? undefined;
      if (plain && !reentrant && typeof f === 'string') w.model.checkAnswer(f, ctx, v, `create ${label} for ${JSON.stringify(units)}`);
      w.log(`${label} -> ${v}`);
      return type(v === null || typeof v === 'string', v);
    }
    case 'isEnabled': {
      const a = act();
      const v = w.call(label, () => c.isEnabled(f, ctx), a);
      w.log(`${label} -> ${v}`);
      if (plain && !reentrant && (f === 'ImageProcessing' || f === 'Dark')) w.model.checkEnabled(f, ctx, v, `${label} for ${JSON.stringify(units)}`);
      return type(typeof v === 'boolean', v);
    }
    case 'used': {
      const impl = r.pick([...IMPLS, null, 7]);
      const a = act({ impl: impl == null ? undefined : String(impl) });
      w.call(label, () => c.usedImplementation(f, impl, ctx), a);
      return w.log(`${label} used ${impl}`);
    }
    case 'handle': {
      const [k, h] = r.pick(Object.entries(handles));
      const feature = { PP: 'PaymentProcessor', Random: 'Random', Ghost: 'Ghost', Dark: 'Dark' }[k];
      const a = reentrant ? { units, anyUnit: true } : { feature, units };
      const v = w.call(`handle ${k}.create`, () => h.create(ctx), a, (e) => e?.factory === true);
      w.log(`handle ${k}.create -> ${v}`);
      return;
    }
    case 'handleFind': {
      const [, h] = r.pick(Object.entries(handles));
      const v = w.call('handle.find', () => h.find(ctx), act());
      return type(v === null || typeof v === 'string', v);
    }
  }
}

// ---------------------------------------------------------------------- test

test(`chaos: ${SEEDS} seeds from ${FIRST}`, { timeout: 600_000 }, async () => {
  const started = REAL.now();
  const all = [];
  for (let seed = FIRST; seed < FIRST + SEEDS; seed++) {
    const t0 = REAL.now();
    const { w, summary } = await runSeed(seed);
    console.log(`${summary} (${REAL.now() - t0} ms)`);
    if (w.violations.length) {
      console.log(w.violations.map((v) => `  seed ${v.seed} @${v.at}: ${v.kind}: ${v.detail}`).join('\n'));
      if (!TRACE) console.log(`  trace (last 60 lines):\n    ${w.trace.slice(-60).join('\n    ')}`);
    }
    all.push(...w.violations);
  }
  console.log(`chaos: ${SEEDS} seeds in ${REAL.now() - started} ms, ${all.length} violations`);
  console.log(`coverage: ${JSON.stringify(Object.fromEntries(Object.entries(COVERAGE).sort()), null, 1)}`);
  const kinds = {};
  for (const v of all) (kinds[v.kind] ??= []).push(v.seed);
  assert.deepEqual(kinds, {}, 'invariant violations by kind, with their seeds');
});

// Odd clocks: the `now` option may throw or answer anything; events still carry valid timestamps and nothing throws.
test('chaos: odd clocks never throw and still stamp events with valid dates', async () => {
  const bodies = [];
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => (bodies.push(b), res.writeHead(204).end()));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/exposures`;
  const clocks = [() => { throw new Error('clock'); }, () => NaN, () => Infinity, () => -Infinity, () => 1e300, () => -8.64e15, () => 8.64e15 + 1,
    () => '2026-01-01', () => null, () => undefined, () => ({ valueOf() { throw new Error('valueOf'); } }), () => 10n, () => Symbol('t'), () => 1.5, () => -1];
  try {
    for (const [i, now] of clocks.entries()) {
      const client = await createClient({ snapshot: doc('r1'), exposureUrl: url, flushInterval: 0, now });
      assert.doesNotThrow(() => client.create('Split', person(`c${i}`)), `clock ${i}`);
      await client.flush();
      await client.close();
    }
    const events = bodies.flatMap((b) => JSON.parse(b).events);
    assert.equal(events.length, clocks.length);
    for (const e of events) assert.ok(!Number.isNaN(Date.parse(e.timestamp)), e.timestamp);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
