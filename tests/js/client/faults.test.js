// Network faults at scale, on real sockets on 127.0.0.1: a revision that
// goes backwards, and 10 000 exposures through an endpoint that alternates
// 500 and 200: the client keeps serving, its memory stays bounded, and
// every event up to maxQueue arrives exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createClient } from 'feats-edge';
import { startServer, until, sleep, longBackoff } from '../helpers/server.js';
import { snapshot, ctx } from '../helpers/snapshot.js';
// gc() before the heap is measured: the figure is what is held, not what
// the collector has not reached yet.
import '../helpers/gc.js';

test('a snapshot whose revision goes backwards is loaded (a rollback is the origin\'s call)', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r2'), etag: '"a"' });
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, retryDelay: 10 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, 'r2');
  const updates = [];
  client.on('update', (e) => updates.push(e.revision));
  srv.state.snapshot = snapshot('r1');
  srv.state.etag = '"b"';
  await client.refresh();
  assert.equal(client.revision, 'r1');
  assert.deepEqual(updates, ['r1']);
  assert.equal(client.findImplementation('Split', ctx('u1')) !== null, true, 'still serving');
});

test('10 000 exposures through an endpoint alternating 500 and 200: each arrives exactly once, memory bounded', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, retryDelay: 1, maxBatch: 100, maxQueue: 10_000,
  });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  srv.state.exposureMode = 'alternate';
  globalThis.gc();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10_000; i++) {
    client.create('Split', ctx(`u${i}`));
    if (i % 1000 === 999) await client.flush();
  }
  await until(async () => {
    await client.flush();
    return client.stats.queued === 0;
  }, 20_000, 'the queue to drain');
  const units = srv.accepted().map((e) => e.unit.value);
  assert.equal(units.length, 10_000);
  assert.equal(new Set(units).size, 10_000, 'no duplicates');
  assert.equal(client.stats.sent, 10_000);
  assert.equal(client.stats.dropped, 0);
  const failures = srv.state.exposureRequests.filter((r) => r.status >= 500).length;
  assert.ok(failures > 0, 'the endpoint did fail half of the time');
  globalThis.gc();
  const grown = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  assert.ok(grown < 64, `heap grew ${grown.toFixed(1)} MB`);
  // Past maxQueue the oldest are dropped and counted; nothing else is lost.
  srv.state.exposureMode = '500';
  const small = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, retryDelay: 1, maxQueue: 50 });
  for (let i = 0; i < 80; i++) small.create('Split', ctx(`v${i}`));
  assert.equal(small.stats.queued, 50);
  assert.equal(small.stats.dropped, 30);
  srv.state.exposureMode = 'ok';
  await small.flush();
  const late = srv.accepted().map((e) => e.unit.value).filter((v) => v.startsWith('v'));
  assert.deepEqual(late, Array.from({ length: 50 }, (_, i) => `v${i + 30}`));
  await small.close();
});

test('a fetch option that rejects with null or undefined, or resolves to no Response, is a network error: reported, retried, nothing lost', async (t) => {
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  let mode = 'null', calls = 0;
  const srv = await startServer({ snapshot: snapshot('r2') });
  const fetchOption = async (url, init) => {
    calls++;
    if (mode === 'null') throw null;
    if (mode === 'undefined') throw undefined;
    if (mode === 'nothing') return undefined;
    return fetch(url, init);
  };
  const errors = [];
  const client = await createClient({
    snapshot: snapshot('r1'), snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, fetch: fetchOption,
    refreshInterval: 0, flushInterval: 0, maxBatch: 2, retryDelay: 5,
  });
  client.on('error', (e) => errors.push(e));
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  // The revalidation at start fails: retried with backoff, not stopped.
  await until(() => calls >= 3, 2000, 'snapshot fetches retried');
  for (const m of ['undefined', 'nothing']) {
    mode = m;
    const n = errors.length;
    await client.refresh(); // resolves: the failure is an error event
    assert.ok(errors.length > n, `an error event for ${m}`);
  }
  assert.equal(client.revision, 'r1', 'the bootstrap keeps serving');
  // Exposures: the first two make a full batch, whose send no flush of ours awaits.
  mode = 'null';
  client.isEnabled('ImageProcessing', ctx('1'));
  client.create('Split', ctx('first'));
  for (const m of ['null', 'undefined', 'nothing']) {
    mode = m;
    client.create('Split', ctx(`${m}-1`));
    client.create('Split', ctx(`${m}-2`));
    await client.flush();
  }
  await sleep(50);
  assert.deepEqual({ ...client.stats }, { dropped: 0, sent: 0, failed: 0, queued: 8 }, 'every event kept for a retry');
  assert.ok(errors.every((e) => e instanceof Error), 'the errors are Errors');
  assert.ok(errors.some((e) => /fetch\(.*\) gave no Response/.test(e.message)));
  // Each names the request that failed.
  assert.ok(errors.some((e) => e.message === `feats-edge: ${srv.exposureUrl}: null`), errors.map((e) => e.message).join('\n'));
  assert.ok(errors.some((e) => e.message === `feats-edge: ${srv.snapshotUrl}: undefined`));
  mode = 'real';
  await client.refresh();
  assert.equal(client.revision, 'r2');
  await until(async () => (await client.flush(), client.stats.queued === 0), 2000, 'the queue to drain');
  assert.equal(srv.accepted().length, 8);
  assert.deepEqual(unhandled, []);
});

test('a fetch option that resolves to something with a status but no headers to read is no Response either: said so, for a snapshot and for a POST', async (t) => {
  longBackoff(t);
  const snapshotUrl = 'http://127.0.0.1:9/snapshot.json', exposureUrl = 'http://127.0.0.1:9/exposures';
  for (const answer of [{ status: 200 }, { status: 200, headers: {} }, { status: 204, headers: { get: 'no function' } }]) {
    const client = await createClient({ snapshot: snapshot('r1'), snapshotUrl, exposureUrl, fetch: async () => answer, refreshInterval: 0, flushInterval: 0, retryDelay: 6e5 });
    t.after(() => client.close());
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    await client.refresh();
    client.create('Split', ctx('u1'));
    await client.flush();
    const said = JSON.stringify(answer);
    assert.deepEqual(errors.slice(-2), [`feats-edge: fetch(${snapshotUrl}) gave no Response`, `feats-edge: fetch(${exposureUrl}) gave no Response`], said);
    assert.deepEqual([client.revision, client.stats.sent, client.stats.queued], ['r1', 0, 1], said);
  }
});

test('a fetch option that rejects with a permanent error, nothing loaded: createClient resolves at once, not ready, and nothing is retried', async (t) => {
  let calls = 0;
  const client = await createClient({
    snapshotUrl: 'http://127.0.0.1:9/snapshot.json', timeout: 60_000, retryDelay: 10, refreshInterval: 0,
    fetch: async () => { calls++; throw Object.assign(new Error('feats-edge: not allowed here'), { permanent: true }); },
  });
  t.after(() => client.close());
  assert.deepEqual([await client.ready, client.revision], [false, null]);
  await sleep(100);
  assert.equal(calls, 1);
});

test('a fetch option that rejects with a plain object saying a status: an Error all the same, with that status', async (t) => {
  let thrown;
  const client = await createClient({
    snapshot: snapshot('r1'), snapshotUrl: 'http://flags.example/snap.json', fetch: async () => { throw thrown; },
    refreshInterval: 0, retryDelay: 6e5,
  });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e));
  for (thrown of [{ status: 404 }, { status: 503, message: 'Service Unavailable' }, { permanent: true, message: 'no' }]) await client.refresh();
  assert.ok(errors.every((e) => e instanceof Error), 'the errors are Errors');
  assert.deepEqual(errors.slice(-3).map((e) => [e.message, e.status, e.permanent, e.cause]), [
    ['feats-edge: http://flags.example/snap.json: status 404', 404, undefined, { status: 404 }],
    ['feats-edge: http://flags.example/snap.json: Service Unavailable', 503, undefined, { status: 503, message: 'Service Unavailable' }],
    ['feats-edge: http://flags.example/snap.json: no', undefined, true, { permanent: true, message: 'no' }],
  ]);
});

test('a fetch option that gives what the types ask (a status, headers, and text for a snapshot), no Response: its 2xx are taken as 2xx', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  // Over real requests: only the answer's form is that of a test double (tests/types/bare.ts).
  const statuses = [];
  const fetchLike = async (url, init) => {
    const res = await fetch(url, init);
    statuses.push(res.status);
    return { status: res.status, headers: res.headers, text: () => res.text() };
  };
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, fetch: fetchLike, refreshInterval: 0, flushInterval: 0, timeout: 2000 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  assert.equal(client.revision, 'r1');
  await client.refresh(); // a 304
  assert.equal(client.create('PaymentProcessor', ctx('1', 'CA')), 'premium');
  await client.flush();
  assert.deepEqual(statuses, [200, 304, 204]);
  assert.deepEqual({ ...client.stats }, { dropped: 0, sent: 1, failed: 0, queued: 0 });
  assert.equal(srv.accepted().length, 1);
  assert.deepEqual(errors, []);
});

test('an exposure POST answered with a redirect is not followed: the batch counts as failed, with an error that says why', async (t) => {
  // fetch would send a 301, 302 or 303 on as a GET without the events,
  // and a 200 to that GET (an app's catch-all page) looked like delivery.
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${body.length}`);
      if (req.url.startsWith('/moved')) return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html>');
      res.writeHead(Number(req.url.slice(1)), { Location: '/moved' }).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => (server.closeAllConnections(), server.close()));
  const base = `http://127.0.0.1:${server.address().port}`;
  for (const status of [301, 302, 303, 307, 308]) {
    requests.length = 0;
    const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: `${base}/${status}`, flushInterval: 0, refreshInterval: 0 });
    const errors = [];
    client.on('error', (e) => errors.push(e));
    client.create('Split', ctx('u1'));
    await client.flush();
    assert.deepEqual({ ...client.stats }, { sent: 0, failed: 1, dropped: 0, queued: 0 }, `${status}`);
    assert.deepEqual(requests, [`POST /${status} ${requests[0]?.split(' ')[2]}`], `${status}: the redirect is not followed`);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].status, status);
    assert.match(errors[0].message, new RegExp(`answered ${status} \\(a redirect: .*give exposureUrl the one it leads to\\)`));
    await client.close();
  }
});

test('a network error names the request that failed, with the runtime\'s error as its cause', async (t) => {
  // A port that refuses connections.
  const srv = await startServer({ snapshot: snapshot('r1') });
  const { snapshotUrl, exposureUrl } = srv;
  await srv.close();
  const client = await createClient({ snapshot: snapshot('r1'), snapshotUrl, exposureUrl, refreshInterval: 0, flushInterval: 0, retryDelay: 60000 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e));
  await client.refresh();
  client.create('Split', ctx('n-1'));
  await client.flush();
  // (The revalidation at start failed too.)
  assert.deepEqual([...new Set(errors.map((e) => e.message))], [`feats-edge: ${snapshotUrl}: fetch failed`, `feats-edge: ${exposureUrl}: fetch failed`]);
  assert.ok(errors.every((e) => e.cause instanceof TypeError && e.name === 'TypeError'));
});

test('a request given up on after 30 s says so, as an AbortError, not as one the application aborted', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  // A server that never answers: the `fetch` option rejects only when its signal aborts.
  const hanging = (u, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
  const snapshotUrl = 'http://flags.example/snap.json', exposureUrl = 'http://flags.example/x';
  const client = await createClient({ snapshot: snapshot('r1'), snapshotUrl, exposureUrl, fetch: hanging, refreshInterval: 0, flushInterval: 0, retryDelay: 6e5 });
  t.after(async () => {
    const closed = client.close(); // which sends the batch again, to a server that never answers
    t.mock.timers.tick(30_000);
    await closed;
  });
  const errors = [];
  client.on('error', (e) => errors.push(e));
  client.create('Split', ctx('n-1'));
  const flushed = client.flush();
  t.mock.timers.tick(30_000);
  await flushed;
  await new Promise((r) => setImmediate(r)); // (setTimeout is the mock's)
  assert.deepEqual(errors.map((e) => e.message).sort(), [
    `feats-edge: ${snapshotUrl} did not answer in full within 30 s`,
    `feats-edge: ${exposureUrl} did not answer in full within 30 s`,
  ].sort());
  assert.ok(errors.every((e) => e instanceof Error && e.name === 'AbortError'));
  assert.equal(client.stats.failed, 0, 'the batch waits for a retry');
});

test('a fetch option that closes the client and does not pass the signal on: the refresh settles at once, with nothing said, though its request goes on', async (t) => {
  // (A fetch option may close the client: an application's kill switch. Its
  // request's signal is then aborted before the client waits on it, and an
  // abort listener added then never runs: the refresh waited for as long as
  // that request, for good on a server that never answers, 30 s included.)
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  let client, closing = false;
  const fetchLike = (u, init) => {
    if (!closing) return fetch(u, init);
    client.close();
    return fetch(u);
  };
  client = await createClient({ snapshotUrl: srv.snapshotUrl, fetch: fetchLike, refreshInterval: 0, retryDelay: 60_000 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e));
  srv.state.mode = 'hang';
  closing = true;
  let settled = false;
  const refreshed = client.refresh().then(() => (settled = true));
  await until(() => srv.state.snapshotRequests.length === 2, 3000, 'the request at the server');
  assert.equal(srv.state.snapshotRequests[1].status, 0, 'not answered');
  assert.ok(settled, 'the refresh did not wait for it');
  await refreshed;
  assert.deepEqual(errors, []);
});

test('what a fetch option rejects with is said as an Error naming the URL, with the original as its cause; an error of its own that says a status is kept as it is', async (t) => {
  longBackoff(t); // (no retry of a failed fetch while the test runs)
  const url = 'http://127.0.0.1:9/snapshot.json';
  const statused = Object.assign(new Error('nope'), { status: 503 });
  const cases = [
    [new TypeError('Failed to fetch'), `feats-edge: ${url}: Failed to fetch`, 'TypeError'],
    ['boom', `feats-edge: ${url}: boom`, 'Error'],
    [null, `feats-edge: ${url}: null`, 'Error'],
  ];
  for (const [thrown, message, name] of cases) {
    const client = await createClient({ snapshotUrl: url, refreshInterval: 0, retryDelay: 60_000, timeout: 0, fetch: () => Promise.reject(thrown) });
    t.after(() => client.close());
    const errors = [];
    client.on('error', (e) => errors.push(e));
    await until(() => errors.length === 1, 3000, 'the failure');
    assert.deepEqual([errors[0].message, errors[0].name, errors[0].cause], [message, name, thrown]);
  }
  const client = await createClient({ snapshotUrl: url, refreshInterval: 0, retryDelay: 60_000, timeout: 0, fetch: () => Promise.reject(statused) });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e));
  await until(() => errors.length === 1, 3000, 'the failure');
  assert.equal(errors[0], statused);
});

test('a fetched snapshot with two byte order marks is refused, as validate refuses it; one is skipped', async (t) => {
  longBackoff(t); // (a refused snapshot is fetched again after a backoff step: not while the test runs)
  for (const [bom, revision] of [['\uFEFF\uFEFF', null], ['\uFEFF', 'r2']]) {
    let fetches = 0;
    const fetch = async () => (fetches++, new Response(bom + JSON.stringify(snapshot('r2'))));
    const client = await createClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', refreshInterval: 0, retryDelay: 60_000, timeout: 300, fetch });
    t.after(() => client.close());
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    await sleep(0);
    assert.equal(client.revision, revision, `${bom.length} marks`);
    assert.equal(fetches, 1);
    assert.equal(errors.length, revision ? 0 : 1);
    for (const message of errors) assert.match(message, /refused: invalid JSON: line 1, column 1: expected a value, found U\+FEFF/);
  }
});
