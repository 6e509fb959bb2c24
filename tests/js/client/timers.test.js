// The SPEC's defaults and the backoff, read from the delays the client
// asks its timers for (setTimeout and setInterval wrapped to record them;
// they still run). With Math.random at its top, a backoff is its ceiling:
// retryDelay × 2^n, doubling with each failure in a row, up to a minute.
// Also the `now` option as the clock that evaluations run on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { startServer, until, longBackoff } from '../helpers/server.js';
import { snapshot, ctx } from '../helpers/snapshot.js';

/** Records the delays of timers set while `body` runs (and after, until it resolves). */
async function recording(body) {
  const { setTimeout: st, setInterval: si } = globalThis;
  const timeouts = [], intervals = [];
  globalThis.setTimeout = (fn, ms, ...a) => (timeouts.push(Math.round(ms)), st(fn, ms, ...a));
  globalThis.setInterval = (fn, ms, ...a) => (intervals.push(ms), si(fn, ms, ...a));
  try {
    return await body({ timeouts, intervals });
  } finally {
    globalThis.setTimeout = st;
    globalThis.setInterval = si;
  }
}

/** Whether `want` appears in `got` in order (other timers may come between). */
const inOrder = (got, want) => want.every(((i) => (w) => (i = got.indexOf(w, i) + 1) > 0)(0));

test('defaults: timeout 3 000 ms, flushInterval 5 000 ms, maxBatch 100', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  const { client, timeouts, intervals } = await recording(async ({ timeouts, intervals }) => ({
    client: await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl }), timeouts, intervals,
  }));
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.ok(timeouts.includes(3000), `the first load's time limit among ${timeouts}`);
  assert.deepEqual(intervals, [5000]);
  for (let i = 0; i < 99; i++) client.create('Split', ctx(`u${i}`));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(srv.state.exposureRequests.length, 0, '99 wait');
  client.create('Split', ctx('u99'));
  await until(() => srv.state.exposureRequests.length === 1, 2000, 'the batch of 100');
  assert.equal(srv.accepted().length, 100);
});

test('snapshot fetches that fail in a row wait twice as long each time (retryDelay × 2^n)', (t) => {
  longBackoff(t); // (each step its ceiling, to the millisecond: delays are recorded rounded)
  return recording(async ({ timeouts }) => {
    let calls = 0;
    const client = await createClient({
      snapshotUrl: 'http://127.0.0.1:9/none', retryDelay: 7, timeout: 0,
      fetch: async () => (calls++, Promise.reject(new TypeError('fetch failed'))),
    });
    await until(() => calls >= 6, 3000, 'six fetches');
    await client.close();
    assert.ok(inOrder(timeouts, [7, 14, 28, 56, 112]), `backoffs ${timeouts}`);
  });
});

test('snapshots refused in a row wait twice as long each time too (retryDelay × 2^n), and one that loads within the timeout makes createClient resolve with it', (t) => {
  longBackoff(t); // (each step its ceiling, to the millisecond: delays are recorded rounded)
  return recording(async ({ timeouts }) => {
    let calls = 0;
    const client = await createClient({
      snapshotUrl: 'http://127.0.0.1:9/none', retryDelay: 7, timeout: 5000, refreshInterval: 0,
      fetch: async () => new Response(++calls < 6 ? '{"schema": 1, "features": ' : JSON.stringify(snapshot('r1'))),
    });
    assert.deepEqual([await client.ready, client.revision, calls], [true, 'r1', 6]);
    await client.close();
    assert.ok(inOrder(timeouts, [7, 14, 28, 56, 112]), `backoffs ${timeouts}`);
  });
});

test('exposure POSTs that fail in a row wait twice as long each time, and a success starts again from retryDelay', (t) => {
  longBackoff(t); // (each step its ceiling, to the millisecond: delays are recorded rounded)
  return recording(async ({ timeouts }) => {
    let posts = 0, fail = true;
    const client = await createClient({
      snapshot: snapshot('r1'), exposureUrl: 'http://127.0.0.1:9/x', flushInterval: 0, retryDelay: 3,
      fetch: async () => (posts++, fail ? new Response(null, { status: 503 }) : new Response(null, { status: 204 })),
    });
    client.create('Split', ctx('1'));
    await client.flush();
    await until(() => posts >= 5, 3000, 'five POSTs');
    fail = false;
    await until(() => client.stats.sent === 1, 3000, 'the retry that gets through');
    const before = timeouts.length;
    fail = true;
    client.create('Split', ctx('2'));
    await client.flush();
    await until(() => timeouts.slice(before).includes(3), 3000, 'a retry');
    await client.close();
    assert.ok(inOrder(timeouts, [3, 6, 12, 24]), `backoffs ${timeouts}`);
    assert.ok(!timeouts.slice(before).includes(48), `the count started again: ${timeouts.slice(before)}`);
  });
});

test('the `now` option is the clock evaluations run on (after and before)', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const doc = snapshot('r1');
  doc.features.Sale = {
    inputs: [], implementations: ['on', 'off'], default: 'off',
    rules: [{ when: { all: [{ after: '2026-06-01T00:00:00Z' }, { before: '2026-07-01T00:00:00Z' }] }, serve: 'on' }],
  };
  const client = await createClient({ snapshot: doc, now: () => now });
  assert.equal(client.findImplementation('Sale', {}), 'off');
  now = Date.parse('2026-06-15T00:00:00Z');
  assert.equal(client.findImplementation('Sale', {}), 'on');
  assert.equal(client.details('Sale', {}).reason, 'TARGETING_MATCH');
  now = Date.parse('2026-07-01T00:00:00Z');
  assert.equal(client.findImplementation('Sale', {}), 'off');
  await client.close();
});

test('a runtime whose setTimeout answers a number (as browsers and Deno do) loads, polls and reports: its timers need no unref', async (t) => {
  const { setTimeout: st, clearTimeout: ct } = globalThis;
  const handles = new Map();
  let next = 0;
  globalThis.setTimeout = (fn, ms, ...a) => {
    const id = ++next;
    handles.set(id, st(() => (handles.delete(id), fn(...a)), ms));
    return id;
  };
  globalThis.clearTimeout = (id) => (typeof id == 'number' ? (ct(handles.get(id)), handles.delete(id)) : ct(id));
  /** @type {any} */
  let client;
  // (Closed first, while its timers are still the ones it set.)
  t.after(async () => {
    await client?.close();
    globalThis.setTimeout = st;
    globalThis.clearTimeout = ct;
  });
  // (A fetch option of its own: Node's fetch sets timers of its own, which it unrefs.)
  const gets = [], posts = [];
  const fetch = async (url, init = {}) => {
    if (init.method == 'POST') return posts.push(JSON.parse(init.body)), new Response(null, { status: 204 });
    gets.push(url);
    return new Response(JSON.stringify(snapshot('r1')), { headers: { 'content-type': 'application/json' } });
  };
  const errors = [];
  client = await createClient({ snapshotUrl: 'https://flags.test/snapshot.json', exposureUrl: 'https://flags.test/exposures', fetch, refreshInterval: 1000, flushInterval: 0 });
  client.on('error', (e) => errors.push(e.message));
  assert.equal(client.revision, 'r1');
  await until(() => gets.length >= 2, 5000, 'a second poll');
  client.create('Split', ctx('u1'));
  await client.flush();
  assert.equal(posts.length, 1);
  assert.deepEqual(errors, []);
});

test("each request's 30 s bound is cleared when it settles, answered or failed: none is left pending", async (t) => {
  longBackoff(t); // (no retry of the failures while the test counts requests)
  const { setTimeout: st, clearTimeout: ct } = globalThis;
  const bounds = new Set(), cleared = new Set();
  globalThis.setTimeout = (fn, ms, ...a) => {
    const h = st(fn, ms, ...a);
    if (ms === 30_000) bounds.add(h);
    return h;
  };
  globalThis.clearTimeout = (h) => (cleared.add(h), ct(h));
  t.after(() => Object.assign(globalThis, { setTimeout: st, clearTimeout: ct }));
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, refreshInterval: 0, flushInterval: 0, retryDelay: 6e5 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  await client.refresh(); // a 304
  client.create('Split', ctx('u1'));
  await client.flush();
  srv.state.mode = '500';
  srv.state.exposureMode = '500';
  await client.refresh();
  client.create('Split', ctx('u2'));
  await client.flush();
  assert.equal(srv.state.snapshotRequests.length, 3);
  assert.equal(srv.state.exposureRequests.length, 2);
  assert.equal(errors.length, 2);
  assert.equal(bounds.size, 5);
  assert.deepEqual([...bounds].filter((h) => !cleared.has(h)), []);
});

test('a refresh() over a poll under way: the next poll is an interval after the later fetch ends, not the earlier', async (t) => {
  const t0 = Date.now(), started = [], answer = [];
  const fetch = () => new Promise((resolve) => (started.push(Date.now() - t0), answer.push(resolve)));
  const body = JSON.stringify(snapshot('r1'));
  const client = await createClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', fetch, refreshInterval: 1000, timeout: 0 });
  t.after(() => client.close());
  answer[0](new Response(body, { headers: { ETag: '"v1"' } }));
  await until(() => client.revision === 'r1', 3000, 'the first snapshot');
  await until(() => started.length === 2, 3000, 'the first poll');
  // The poll under way, then a refresh() over it; the poll ends, the refresh is held over a second.
  client.refresh();
  assert.equal(started.length, 3);
  answer[1](new Response(null, { status: 304, headers: { ETag: '"v1"' } }));
  await new Promise((r) => setTimeout(r, 1300));
  assert.equal(started.length, 3, `a poll ${started.at(-1) - started[1]} ms after the first poll, with the refresh under way`);
  answer[2](new Response(null, { status: 304, headers: { ETag: '"v1"' } }));
  const ended = Date.now() - t0;
  await until(() => started.length === 4, 3000, 'the next poll');
  assert.ok(started[3] >= ended + 990, `the next poll ${started[3] - ended} ms after the refresh ended`);
});
