// isolateClient under Node, a runtime whose timers do run between
// requests: the client it makes runs none once it is made (each request
// refreshes it instead), a snapshot without a revision counts as loaded,
// and refreshInterval still caps how long a Retry-After is honoured.
// (tests/js/workerd/ runs it under workerd through the README's worker.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isolateClient } from 'feats-edge';
import { startServer, sleep, until, longBackoff } from '../helpers/server.js';
import { snapshot } from '../helpers/snapshot.js';

/** A ctx whose waitUntil promises are awaited by `settle()`. */
function requestCtx() {
  const pending = [];
  return { waitUntil: (p) => pending.push(p), settle: () => Promise.all(pending) };
}

/** One request through `get`, its waitUntil work settled: the client it got. */
function requester(get) {
  return async () => {
    const ctx = requestCtx();
    const c = await get({}, ctx);
    await ctx.settle();
    return c;
  };
}

/** The client a request is given, or 'held' when it is not given one within 3 s. */
const servedOrHeld = (request) => Promise.race([request, sleep(3000).then(() => 'held')]);

/**
 * A first request through `get`, which must be served within 3 s (not
 * held for the timeout): its client, and its ctx (`what` names the case).
 */
async function servedAtOnce(t, get, what = '') {
  const ctx = requestCtx();
  const request = get({}, ctx);
  t.after(async () => (await request).close());
  const served = await servedOrHeld(request);
  assert.notEqual(served, 'held', `${what}held for the timeout`);
  return { client: /** @type {any} */ (served), ctx };
}

/** Waits (by the real timers: Date.now may be the test's) until `client` serves `revision`, 2 s at most. */
async function loads(client, revision) {
  for (let i = 0; i < 400 && client.revision !== revision; i++) await sleep(5);
  assert.equal(client.revision, revision);
}

/** Date.now moved by `clock.offset` ms for the test (the wall clock the client reads). */
function shiftedClock(t) {
  const realNow = Date.now, clock = { offset: 0 };
  Date.now = () => realNow() + clock.offset;
  t.after(() => (Date.now = realNow));
  return clock;
}

/** Date.now held at `clock.ms` ms after the test's start, which the test moves. */
function frozenClock(t) {
  const realNow = Date.now, t0 = realNow(), clock = { ms: 0 };
  Date.now = () => t0 + clock.ms;
  t.after(() => (Date.now = realNow));
  return clock;
}

/**
 * A `fetch` option whose requests are answered when the test says
 * (`answer[i](response)`), or aborted at close; `started`: the clock's ms
 * at each one's start.
 */
function heldFetch(clock) {
  const started = [], answer = [];
  const fetch = (url, init) => {
    started.push(clock.ms);
    return new Promise((resolve, reject) => {
      answer.push(resolve);
      init?.signal?.addEventListener('abort', () => reject(init.signal.reason));
    });
  };
  return { fetch, started, answer };
}

/** The client of a first request through `get`, once the test has answered its fetch (`answer[0]`) with `response`. */
async function firstAnswered(t, get, answer, response) {
  const first = get({}, requestCtx());
  await until(() => answer.length == 1, 3000, 'the first fetch');
  answer[0](response);
  const client = await first;
  t.after(() => client.close());
  return client;
}

/** A snapshot response with an ETag. */
const snapshotResponse = (revision) => new Response(JSON.stringify(snapshot(revision)), { headers: { ETag: `"${revision}"` } });

test('options(env) that gives no options (a binding missing): each request gets a client serving the code defaults, said once, and nothing thrown', async (t) => {
  const logged = [];
  const { warn } = console;
  console.warn = (...args) => logged.push(args.map(String).join(' '));
  t.after(() => (console.warn = warn));
  for (const given of [undefined, null]) {
    const get = isolateClient(() => given);
    const ctx = requestCtx();
    const client = await get({}, ctx);
    await ctx.settle();
    t.after(() => client.close());
    assert.deepEqual([client.revision, client.findImplementation('Split', { user: { id: '1' } })], [null, null], String(given));
  }
  await sleep(20); // (the wait's errors are logged once createClient has returned, if no listener was added)
  assert.equal(logged.filter((l) => l.includes('no snapshotUrl and no snapshot')).length, 2, logged.join('\n'));
});

test('a request with no ctx (no waitUntil to hold work past it, as in Node or a test) is given the client, and a bootstrap\'s revalidation goes on by itself', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, snapshot: snapshot('r0') });
  const client = await get({});
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.ok(['r0', 'r1'].includes(client.revision), String(client.revision));
  await loads(client, 'r1');
  assert.equal(await get(), client, 'the next request, with no env either, gets the same one');
  // Nothing loaded (the origin failing): each such request revalidates, and is served.
  const down = await startServer({ snapshot: snapshot('r1'), mode: '500' });
  t.after(() => down.close());
  const getDown = isolateClient({ snapshotUrl: down.snapshotUrl, retryDelay: 1 });
  const empty = await getDown();
  t.after(() => empty.close());
  empty.on('error', () => {});
  await sleep(20);
  assert.equal(await getDown(), empty);
  assert.equal(empty.revision, null);
  await until(() => down.state.snapshotRequests.length >= 2, 3000, 'a second fetch');
});

test('refreshInterval 0: the snapshot loaded is kept, and no request revalidates it', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  const clock = shiftedClock(t);
  const request = requester(get);
  let client;
  for (let i = 0; i < 5; i++, clock.offset += 3_600_000) client = await request();
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, 'r1');
  assert.equal(srv.state.snapshotRequests.length, 1, 'one fetch for 5 requests an hour apart');
});

test('a snapshot without a revision is loaded: requests within refreshInterval do not fetch it again', async (t) => {
  const { revision, ...unnamed } = snapshot('r1');
  assert.equal(revision, 'r1');
  const srv = await startServer({ snapshot: unnamed });
  const request = requester(isolateClient({ snapshotUrl: srv.snapshotUrl }));
  let client;
  for (let i = 0; i < 11; i++) client = await request();
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, '');
  assert.equal(srv.state.snapshotRequests.length, 1, 'one fetch for 11 requests');
});

test('a failing origin is not asked again between requests, only by the next request once its backoff ends', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1'), mode: '500' });
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, timeout: 300, retryDelay: 50 });
  const ctx = requestCtx();
  const client = await get({}, ctx);
  await ctx.settle();
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.deepEqual([client.revision, await client.ready], [null, false]);
  const made = srv.state.snapshotRequests.length;
  assert.ok(made >= 1, `${made} fetches while the first request waited`);
  // No request comes for a while: nothing is fetched.
  await sleep(1500);
  assert.equal(srv.state.snapshotRequests.length, made, 'no fetch between requests');
  // The next request, past the backoff, fetches; the origin is back.
  srv.state.mode = 'ok';
  const next = requestCtx();
  assert.equal(await get({}, next), client);
  await next.settle();
  assert.equal(srv.state.snapshotRequests.length, made + 1);
  assert.equal(client.revision, 'r1');
});

test('a first snapshot the engine refuses, nothing loaded: the request is served at once (the code defaults), not held for the timeout; said; the next request past the backoff fetches again', async (t) => {
  const srv = await startServer({ snapshot: '{"schema": 1, "features": ' });
  t.after(() => srv.close());
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, timeout: 20_000, retryDelay: 50 });
  const { client, ctx } = await servedAtOnce(t, get);
  await ctx.settle();
  assert.equal(await client.ready, false);
  assert.deepEqual([client.revision, srv.state.snapshotRequests.length], [null, 1]);
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  await until(() => errors.length, 3000, 'the refusal');
  assert.match(errors[0], /^feats-edge: the snapshot from http:\/\/127\.0\.0\.1:\d+\/snapshot\.json was refused: /);
  srv.state.snapshot = snapshot('r1');
  await sleep(150);
  const next = requestCtx();
  assert.equal(await get({}, next), client);
  await next.settle();
  assert.deepEqual([client.revision, srv.state.snapshotRequests.length], ['r1', 2]);
});

test('an origin that fails a first fetch (a 500, a 404, the connection dropped), nothing loaded: the request is served at once, not held for the timeout', async (t) => {
  longBackoff(t); // (no retry while the test waits)
  for (const mode of ['500', '404', 'drop']) {
    const srv = await startServer({ snapshot: snapshot('r1'), mode });
    t.after(() => srv.close());
    const get = isolateClient({ snapshotUrl: srv.snapshotUrl, timeout: 20_000, retryDelay: 60_000 });
    const { client, ctx } = await servedAtOnce(t, get, `${mode}: `);
    client.on('error', () => {});
    await ctx.settle();
    assert.deepEqual([await client.ready, client.revision, srv.state.snapshotRequests.length], [false, null, 1], mode);
  }
});

test('an origin that answers 404: the next request does not ask again until a backoff step has passed, each step twice the one before (1 s, 2 s, 4 s)', async (t) => {
  longBackoff(t); // (each step its whole length)
  const clock = shiftedClock(t);
  const srv = await startServer({ snapshot: snapshot('r1'), mode: '404' });
  t.after(() => srv.close());
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, timeout: 300, retryDelay: 1000 });
  const request = requester(get);
  const client = await request();
  t.after(() => client.close());
  client.on('error', () => {});
  const asked = () => srv.state.snapshotRequests.length;
  // [ms the clock moves, then a request: the fetches made by then]
  const steps = [[0, 1], [0, 1], [1001, 2], [1001, 2], [1000, 3], [3000, 3], [1001, 4], [7000, 4], [1001, 5]];
  for (const [ms, fetches] of steps) {
    clock.offset += ms;
    await request();
    assert.equal(asked(), fetches, `${clock.offset} ms after the first fetch`);
  }
  assert.equal(client.revision, null);
});

test('a revalidation whose If-None-Match the origin refuses (a 400): asked again without it within the same request', async (t) => {
  const clock = frozenClock(t);
  const asked = [];
  const fetch = async (url, init) => {
    const inm = new Headers(init?.headers).get('If-None-Match');
    asked.push(inm);
    if (inm) return new Response('bad header', { status: 400 });
    return new Response(JSON.stringify(snapshot(`r${asked.length}`)), { headers: { ETag: `"v${asked.length}"` } });
  };
  const get = isolateClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', fetch, refreshInterval: 1000 });
  const request = requester(get);
  const client = await request();
  t.after(() => client.close());
  client.on('error', () => {});
  assert.deepEqual([client.revision, asked], ['r1', [null]]);
  clock.ms = 1000;
  await request();
  assert.deepEqual([client.revision, asked], ['r3', [null, '"v1"', null]]);
});

test('refreshInterval caps how long a Retry-After is honoured (5 minutes when it is shorter)', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1'), mode: '429' });
  srv.state.retryAfter = '1800';
  const clock = shiftedClock(t);
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 3_600_000, timeout: 300 });
  const request = requester(get);
  // The first request meets a 429 asking for 30 minutes: nothing loads.
  const client = await request();
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, null);
  assert.equal(srv.state.snapshotRequests.length, 1);
  srv.state.mode = 'ok';
  // Six minutes later (past 5 minutes, within the 30 asked, and the hour
  // of refreshInterval): not asked, though nothing is loaded.
  clock.offset = 6 * 60_000;
  await request();
  assert.equal(srv.state.snapshotRequests.length, 1, 'the origin asked for 30 minutes');
  clock.offset = 31 * 60_000;
  await request();
  assert.equal(srv.state.snapshotRequests.length, 2);
  assert.equal(client.revision, 'r1');
});

test('an origin that hangs: each fetch started over one under way waits twice as long as the one before (1, 2, 4 … times the timeout), not one per timeout', async (t) => {
  // The clock is the test's; fetches never answer (aborted at close).
  const clock = frozenClock(t);
  const { fetch, started } = heldFetch(clock);
  // A snapshot to start from, revalidated each second (refreshInterval 1: its floor is a second).
  const get = isolateClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', snapshot: snapshot('r0'), fetch, timeout: 1000, refreshInterval: 1 });
  let client;
  for (let step = 0; step <= 40; step++, clock.ms += 250) {
    client = await get({}, requestCtx());
    await new Promise((r) => setImmediate(r));
  }
  t.after(() => client.close());
  assert.equal(client.revision, 'r0');
  assert.deepEqual(started, [0, 1000, 3000, 7000], 'the fetches\' start times over 10 s');
});

test('an idle isolate whose revalidation hangs serves its next request once timeout has passed, not later', async (t) => {
  // The clock is the test's; the second fetch never answers (aborted at close).
  const clock = frozenClock(t);
  const { fetch, started, answer } = heldFetch(clock);
  const get = isolateClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', fetch, timeout: 300, refreshInterval: 1 });
  const client = await firstAnswered(t, get, answer, snapshotResponse('r1'));
  assert.equal(client.revision, 'r1');
  clock.ms += 5000; // idle for over twice refreshInterval
  // A second request meanwhile waits for that revalidation too, as long
  // (counted in looks: this clock does not move).
  const [one, other] = await Promise.all([servedOrHeld(get({}, requestCtx())), servedOrHeld(get({}, requestCtx()))]);
  assert.ok(one === client && other === client, 'both served, by what the isolate holds');
  assert.deepEqual(started, [0, 5000], 'its revalidation started, and still hangs');
});

test('a revalidation past refreshInterval, but within twice it, goes on after the response: the request is not held while it hangs', async (t) => {
  const clock = frozenClock(t);
  const { fetch, started, answer } = heldFetch(clock);
  const get = isolateClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', fetch, timeout: 30_000, refreshInterval: 1 });
  const client = await firstAnswered(t, get, answer, snapshotResponse('r1'));
  clock.ms += 1500;
  assert.equal(await servedOrHeld(get({}, requestCtx())), client);
  assert.deepEqual(started, [0, 1500], 'its revalidation started, and still hangs');
});

test('nothing loaded, idle for long, an origin that now hangs: the next request is served at once (the code defaults), not held for the timeout', async (t) => {
  const clock = frozenClock(t);
  const { fetch, started, answer } = heldFetch(clock);
  const get = isolateClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', fetch, timeout: 30_000, refreshInterval: 1, retryDelay: 1 });
  const client = await firstAnswered(t, get, answer, new Response('down', { status: 500 }));
  client.on('error', () => {});
  assert.equal(client.revision, null);
  clock.ms += 600_000;
  assert.equal(await servedOrHeld(get({}, requestCtx())), client);
  assert.deepEqual(started, [0, 600_000], 'its fetch started, and still hangs');
});

test('concurrent first requests wait for the first one\'s client up to timeout plus a second; past that (as when the first request was cancelled) the next one makes its own', { timeout: 10_000 }, async (t) => {
  // The clock is the test's; each fetch answers when the test says.
  const clock = frozenClock(t);
  const { fetch, started, answer } = heldFetch(clock);
  const get = isolateClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', fetch, timeout: 1000, refreshInterval: 1 });
  const a = get({}, requestCtx());
  await until(() => answer.length == 1, 3000, 'the first fetch');
  clock.ms = 1900;
  const b = get({}, requestCtx());
  await sleep(20);
  clock.ms = 2100;
  const c = get({}, requestCtx());
  await until(() => answer.length == 2, 3000, 'the second fetch');
  for (const reply of answer) reply(snapshotResponse('r1'));
  const [first, second, third] = await Promise.all([a, b, c]);
  t.after(() => first.close());
  assert.deepEqual(started, [0, 2100], 'the one at 1.9 s waited; the one at 2.1 s made its own');
  assert.ok(second === first && third === first, 'the first client is kept, and given to all three');
  assert.equal(first.revision, 'r1');
});

test('an origin that hangs, then answers the fetch another was started over: the one under way still holds later requests back', async (t) => {
  // The clock is the test's; each fetch answers when the test says (aborted at close).
  const clock = frozenClock(t);
  const { fetch, started, answer } = heldFetch(clock);
  const get = isolateClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', snapshot: snapshot('r0'), fetch, timeout: 1000, refreshInterval: 1 });
  let client;
  const requestAt = async (ms) => {
    clock.ms = ms;
    client = await get({}, requestCtx());
    await new Promise((r) => setImmediate(r));
  };
  await requestAt(0);
  await requestAt(1000);
  t.after(() => client.close());
  assert.deepEqual(started, [0, 1000]);
  // The first fetch is answered; the second, started over it, is still under way.
  answer[0](snapshotResponse('r1'));
  await loads(client, 'r1');
  for (let ms = 1250; ms < 3000; ms += 250) await requestAt(ms);
  assert.deepEqual(started, [0, 1000], 'a fetch while the second was under way (it waits 2 s: it started over one)');
  await requestAt(3000);
  assert.deepEqual(started, [0, 1000, 3000]);
});

test('an origin that answered, then hangs: the fetch started over the hung one waits one timeout (2 s), as a first one does', async (t) => {
  const clock = frozenClock(t);
  const { fetch, started, answer } = heldFetch(clock);
  const get = isolateClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', snapshot: snapshot('r0'), fetch, timeout: 2000, refreshInterval: 1 });
  const client = await get({}, requestCtx());
  t.after(() => client.close());
  answer[0](snapshotResponse('r1'));
  await loads(client, 'r1');
  // A request each 250 ms, revalidating each second (refreshInterval's floor); the second fetch hangs.
  for (let ms = 250; ms <= 3000; ms += 250) {
    clock.ms = ms;
    await get({}, requestCtx());
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(started, [0, 1000, 3000]);
});

test('a wall clock set back (an NTP step, a restored VM) after a failed fetch or POST holds neither back for as long as it went back', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1'), mode: '500' });
  srv.state.exposureMode = '500';
  const clock = shiftedClock(t);
  // Backoffs of at most a second.
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, timeout: 300, retryDelay: 1000 });
  const request = requester(get);
  // The first request meets a 500: nothing loads.
  const client = await request();
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, null);
  assert.equal(srv.state.snapshotRequests.length, 1);
  // The clock goes back an hour; two seconds later (past the backoff) the origin is back.
  srv.state.mode = 'ok';
  clock.offset = -3_600_000 + 2000;
  await request();
  assert.equal(srv.state.snapshotRequests.length, 2, 'the next request past the backoff fetches');
  assert.equal(client.revision, 'r1');
  // A POST fails; the clock goes back an hour again; past the backoff the sink is back.
  client.create('PaymentProcessor', { user: { id: 1 } });
  await client.flush();
  assert.equal(srv.state.exposureRequests.length, 1);
  assert.equal(client.stats.queued, 1);
  srv.state.exposureMode = 'ok';
  clock.offset -= 3_600_000 - 2000;
  await client.flush();
  assert.equal(srv.state.exposureRequests.length, 2, 'the next flush past the backoff sends');
  assert.equal(srv.accepted().length, 1);
});

test('a wall clock set back while a fetch hangs holds the next request\'s fetch back no longer than it would have', async (t) => {
  // The clock is the test's; fetches never answer (aborted at close).
  const clock = frozenClock(t);
  const { fetch, started } = heldFetch(clock);
  const get = isolateClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', snapshot: snapshot('r0'), fetch, timeout: 1000, refreshInterval: 1 });
  const client = await get({}, requestCtx());
  t.after(() => client.close());
  assert.equal(started.length, 1);
  client.refresh();
  assert.equal(started.length, 1, 'a fetch under way is waited for');
  // An hour back, then past the second a hanging fetch is waited for.
  clock.ms -= 3_600_000 - 1500;
  client.refresh();
  assert.equal(started.length, 2);
});

test('a wall clock set back does not hold revalidation back for as long as it went back: the next request past refreshInterval revalidates', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  const clock = shiftedClock(t);
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 1000 });
  const request = requester(get);
  const client = await request();
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, 'r1');
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"r2"';
  // The clock goes back an hour; two seconds later, past refreshInterval.
  clock.offset = -3_600_000 + 2000;
  await request();
  assert.equal(srv.state.snapshotRequests.length, 2);
  assert.equal(client.revision, 'r2');
});

test('a refreshInterval under a second revalidates once a second at most, not on every request', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1'), etag: '"v1"' });
  // The clock is the test's: it moves only as the test says.
  const realNow = Date.now;
  let now = realNow();
  Date.now = () => now;
  t.after(() => (Date.now = realNow));
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 1 });
  const request = requester(get);
  const client = await request();
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(srv.state.snapshotRequests.length, 1);
  // Requests 100 ms apart: one revalidation, the first past the second.
  for (let i = 1; i <= 15; i++) {
    now += 100;
    await request();
    assert.equal(srv.state.snapshotRequests.length, i < 10 ? 1 : 2, `${i * 100} ms on`);
  }
});

test('an idle isolate whose last revalidation failed serves its next request at once: a snapshot host that is down does not hold every request of a quiet route for the timeout', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  const clock = shiftedClock(t);
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 1000, timeout: 20_000, retryDelay: 1 });
  const request = requester(get);
  const client = await request();
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, 'r1');
  // Idle past twice refreshInterval, the host failing: the request waits for the failure.
  clock.offset += 2500;
  srv.state.mode = 'drop';
  await request();
  assert.equal(client.stale, true);
  // Idle again, the host now hanging: served from what the isolate holds,
  // its revalidation left to run after the response.
  clock.offset += 2500;
  srv.state.mode = 'hang';
  const ctx = requestCtx();
  const served = await Promise.race([get({}, ctx).then(() => 'served'), sleep(1000).then(() => 'held')]);
  assert.equal(served, 'served', 'held for the timeout by a host already known to fail');
  assert.ok(await until(() => srv.state.snapshotRequests.at(-1).mode === 'hang', 3000), 'the revalidation was started');
});

test("a full batch waits for its request's flush(): a POST no waitUntil covers would be cancelled with the request", async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, maxBatch: 2 });
  const ctx = requestCtx();
  const client = await get({}, ctx);
  t.after(() => client.close());
  for (const id of ['1', '2', '3']) client.create('Split', { user: { id } });
  await sleep(100);
  assert.equal(srv.state.exposureRequests.length, 0, 'sent before the request flushed');
  ctx.waitUntil(client.flush());
  await ctx.settle();
  assert.deepEqual(srv.state.exposureRequests.map((r) => JSON.parse(r.body).events.length), [2, 1]);
});

test('a request that closes the isolate\'s client (as one closes a client made per request): the next request gets a new one, loaded, its exposures sent', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  // (A long timeout: the next request is not held for it, nor for the first client's making.)
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, timeout: 30_000 });
  let client;
  for (let i = 0; i < 3; i++) {
    const ctx = requestCtx();
    client = await servedOrHeld(get({}, ctx));
    assert.notEqual(client, 'held', `request ${i} held`);
    assert.equal(client.revision, 'r1', `request ${i} is served the snapshot`);
    client.create('Split', { user: { id: String(i) } });
    ctx.waitUntil(client.close());
    await ctx.settle();
  }
  t.after(() => srv.close());
  assert.deepEqual(srv.accepted().map((e) => e.unit.value), ['0', '1', '2']);
});

test('a request that closes the isolate\'s client during the sink\'s Retry-After: close() sends what waits all the same, one last time (a flush() waits it out)', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  srv.state.exposureMode = '429';
  srv.state.retryAfter = '60';
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl });
  let ctx = requestCtx();
  const client = await get({}, ctx);
  client.on('error', () => {});
  client.create('Split', { user: { id: 'a' } });
  ctx.waitUntil(client.flush());
  await ctx.settle();
  assert.equal(srv.state.exposureRequests.length, 1, 'answered 429, Retry-After: 60');
  srv.state.exposureMode = 'ok';
  ctx = requestCtx();
  assert.equal(await get({}, ctx), client);
  client.create('Split', { user: { id: 'b' } });
  ctx.waitUntil(client.flush());
  await ctx.settle();
  assert.equal(srv.state.exposureRequests.length, 1, 'the Retry-After is waited out by flush()');
  ctx = requestCtx();
  ctx.waitUntil(client.close());
  await ctx.settle();
  assert.deepEqual(srv.accepted().map((e) => e.unit.value).sort(), ['a', 'b']);
  assert.equal(client.stats.queued, 0);
});

test('requests waiting for an idle isolate\'s revalidation while another request closes its client and a new request makes the next: each is given a client, loaded', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  const clock = shiftedClock(t);
  const get = isolateClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 1000, timeout: 20_000 });
  const first = await get({}, requestCtx());
  assert.equal(first.revision, 'r1');
  // Idle past twice refreshInterval, the host hanging: the next request
  // waits for its revalidation, and one after it waits for that too.
  clock.offset += 2500;
  srv.state.mode = 'hang';
  const revalidating = get({}, requestCtx());
  const waiting = get({}, requestCtx());
  await until(() => srv.state.snapshotRequests.at(-1)?.mode === 'hang', 3000, 'the revalidation');
  // The first request closes its client; a request arriving then makes the next.
  srv.state.mode = 'ok';
  first.close();
  const next = await get({}, requestCtx());
  t.after(async () => {
    await next.close();
    await srv.close();
  });
  assert.equal(next.revision, 'r1');
  for (const c of [await revalidating, await waiting]) {
    assert.ok(c, 'a request was given no client');
    assert.equal(c.revision, 'r1');
  }
});
