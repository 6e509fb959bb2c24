// A Retry-After far ahead is honoured up to a cap: the polling (or flush)
// interval, at least 5 minutes. The client's timers are node:test's fake
// ones, so the scheduled waits are observed without waiting for them; the
// requests are real.
//
// setTimeout is faked once for the whole file, before the first fetch, and
// the tests run one after another: fetch (undici) keeps timers across
// requests, and one made under a previous fake clock, cleared under the
// next, removed the wrong timer.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createClient } from 'feats-edge';
import { startServer } from '../helpers/server.js';
import { snapshot, ctx } from '../helpers/snapshot.js';

const MINUTE = 6e4, DAY = 864e5;
/** The real timer, kept for waiting on the network. */
const realTimeout = globalThis.setTimeout;
mock.timers.enable({ apis: ['setTimeout'] });

/** Resolves when `check()` is truthy, in real time; fails after `ms`. */
async function until(check, ms, what) {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => realTimeout(r, 5));
  }
}

/** An HTTP date `ms` ahead. */
const ahead = (ms) => new Date(Date.now() + ms).toUTCString();

/**
 * A server answering 503 with `retryAfter` once, then snapshot r2 (ETag
 * "v2") to GETs and 204 to exposure POSTs.
 */
async function unavailableOnce(t, retryAfter) {
  let failed = false;
  const accepted = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (!failed) return (failed = true), res.writeHead(503, { 'Retry-After': retryAfter }).end();
      if (req.method == 'POST') return accepted.push(...JSON.parse(body).events), res.writeHead(204).end();
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"v2"' }).end(JSON.stringify(snapshot('r2')));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => (server.closeAllConnections(), new Promise((r) => server.close(r))));
  return { url: `http://127.0.0.1:${server.address().port}/`, accepted };
}

/** A fetch that counts its calls (a call is the request leaving). */
function counted() {
  const calls = [];
  return { calls, fetch: (u, init) => (calls.push(u), fetch(u, init)) };
}

/** A bootstrapped client; closed after the test. Resolves with it and a promise of its first error. */
async function client(t, options) {
  const c = await createClient({ snapshot: snapshot('r1'), retryDelay: 10, ...options });
  t.after(() => c.close());
  return { client: c, failed: new Promise((r) => c.on('error', r)) };
}

/** Lets the microtasks and I/O callbacks that follow an answer run (the retry gets scheduled). */
const settle = () => new Promise((r) => setImmediate(r));

/** Advances the fake clock to just before `ms` from now, checks that nothing was sent, then to `ms`. */
function retriedAt(calls, ms) {
  const before = calls.length;
  mock.timers.tick(ms - 1);
  assert.equal(calls.length, before, `a request before ${ms} ms`);
  mock.timers.tick(1);
  assert.equal(calls.length, before + 1, `no request at ${ms} ms`);
}

test('snapshot 429 with Retry-After: 86400 and no polling is retried after 5 minutes', async (t) => {
  const { calls, fetch } = counted();
  const srv = await startServer({ snapshot: snapshot('r2'), etag: '"v2"' });
  t.after(() => srv.close());
  srv.state.next = ['429'];
  srv.state.retryAfter = '86400';
  const { client: c, failed } = await client(t, { snapshotUrl: srv.snapshotUrl, refreshInterval: 0, fetch });
  assert.equal((await failed).status, 429);
  await settle();
  retriedAt(calls, 5 * MINUTE);
  await until(() => c.revision === 'r2', 3000, 'the retry to load r2');
});

test('snapshot 503 with a Retry-After date a day ahead waits the refresh interval when it is longer than 5 minutes', async (t) => {
  const { calls, fetch } = counted();
  const srv = await unavailableOnce(t, ahead(DAY));
  const { client: c, failed } = await client(t, { snapshotUrl: srv.url, refreshInterval: 10 * MINUTE, fetch });
  assert.equal((await failed).status, 503);
  await settle();
  retriedAt(calls, 10 * MINUTE);
  await until(() => c.revision === 'r2', 3000, 'the retry to load r2');
});

test('snapshot 429 with a Retry-After under the cap is honoured exactly', async (t) => {
  const { calls, fetch } = counted();
  const srv = await startServer({ snapshot: snapshot('r2'), etag: '"v2"' });
  t.after(() => srv.close());
  srv.state.next = ['429'];
  srv.state.retryAfter = '120';
  const { client: c, failed } = await client(t, { snapshotUrl: srv.snapshotUrl, refreshInterval: 0, fetch });
  await failed;
  await settle();
  retriedAt(calls, 2 * MINUTE);
  await until(() => c.revision === 'r2', 3000, 'the retry to load r2');
});

test('exposures 429 with a Retry-After date a day ahead and no flush interval are retried after 5 minutes', async (t) => {
  const { calls, fetch } = counted();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  srv.state.exposureMode = '429';
  srv.state.retryAfter = ahead(DAY);
  const { client: c } = await client(t, { exposureUrl: srv.exposureUrl, flushInterval: 0, fetch });
  c.create('Split', ctx('1'));
  await c.flush(); // answered 429: the batch waits for the retry
  assert.equal(c.stats.queued, 1);
  srv.state.exposureMode = 'ok';
  retriedAt(calls, 5 * MINUTE);
  await until(() => srv.accepted().length === 1, 3000, 'the retry to be accepted');
});

test('exposures 503 with Retry-After: 86400 wait the flush interval when it is longer than 5 minutes', async (t) => {
  const { calls, fetch } = counted();
  const srv = await unavailableOnce(t, '86400');
  const { client: c } = await client(t, { exposureUrl: srv.url, flushInterval: 10 * MINUTE, fetch });
  c.create('Split', ctx('1'));
  await c.flush();
  assert.equal(c.stats.queued, 1);
  retriedAt(calls, 10 * MINUTE);
  await until(() => srv.accepted.length === 1, 3000, 'the retry to be accepted');
});
