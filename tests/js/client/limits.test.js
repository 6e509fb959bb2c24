// What a client reads and keeps when servers misbehave at scale: snapshot
// bodies past the SPEC's 16 MiB, a 304 with nothing cached, a day-long
// Retry-After followed by a recovery, and batches too large to requeue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createClient, SnapshotError } from 'feats-edge';
import { startServer, until, sleep, longBackoff } from '../helpers/server.js';
import { snapshot, ctx } from '../helpers/snapshot.js';

/** A server on 127.0.0.1 answering every request with `handler`. */
async function serve(t, handler) {
  const server = createServer(handler);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => (server.closeAllConnections(), server.close(r))));
  return `http://127.0.0.1:${server.address().port}/snapshot.json`;
}

test('a snapshot body past 16 MiB is cut off while it streams, not read into memory', async (t) => {
  // Every request (a retry too) streams spaces until the client hangs up.
  const requests = [];
  const url = await serve(t, (req, res) => {
    const r = { sent: 0, closed: false };
    requests.push(r);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const chunk = Buffer.alloc(1 << 20, 0x20);
    const more = () => {
      while (!r.closed && r.sent < 256 << 20) {
        r.sent += chunk.length;
        if (!res.write(chunk)) return res.once('drain', more);
      }
      res.end();
    };
    res.on('close', () => (r.closed = true));
    more();
  });
  // (createClient resolves after its timeout: nothing loads.)
  const client = await createClient({ snapshotUrl: url, refreshInterval: 0, retryDelay: 60_000, timeout: 300 });
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  t.after(() => client.close());
  await until(() => requests[0]?.closed, 10_000, 'the connection cut');
  assert.ok(requests[0].sent < 64 << 20, `${requests[0].sent >> 20} MiB were sent before the client hung up`);
  await until(() => errors.length, 3000, 'the error');
  assert.match(errors[0], /^feats-edge: the snapshot from http:\/\/[^ ]+ was refused: the snapshot is more than the limit of 16 MiB \(16777216 bytes\)$/);
  assert.equal(client.revision, null);
});

test('a Content-Length past 16 MiB is refused before the body is read', async (t) => {
  let answered = false;
  const url = await serve(t, (req, res) => {
    res.writeHead(200, { 'Content-Length': String(17 << 20) });
    res.write('{');
    answered = true; // and never more
  });
  const client = await createClient({ snapshotUrl: url, refreshInterval: 0, retryDelay: 60_000, timeout: 300 });
  const errors = [], refusals = [];
  client.on('error', (e) => (errors.push(e.message), refusals.push(e)));
  t.after(() => client.close());
  assert.ok(answered);
  await until(() => errors.length, 3000, 'the error');
  // Refused as new Engine refuses it: a SnapshotError of the whole document.
  assert.ok(refusals[0] instanceof SnapshotError);
  assert.deepEqual([refusals[0].path, refusals[0].reason], ['', 'the snapshot is 17825792 bytes, more than the limit of 16 MiB (16777216 bytes)']);
  assert.match(errors[0], /^feats-edge: the snapshot from http:\/\/[^ ]+ was refused: the snapshot is 17825792 bytes, more than the limit of 16 MiB \(16777216 bytes\)$/);
});

test('a 304 to a request without If-None-Match is an error, retried until a snapshot comes', async (t) => {
  let n = 0;
  const url = await serve(t, (req, res) => {
    if (++n <= 2) return res.writeHead(304).end();
    res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"s1"' }).end(JSON.stringify(snapshot('r1')));
  });
  const client = await createClient({ snapshotUrl: url, refreshInterval: 0, retryDelay: 10 });
  t.after(() => client.close());
  await until(() => client.revision === 'r1', 5000, 'the snapshot after the 304s');
  assert.equal(n, 3);
});

test('a 304 to a request without If-None-Match, with nothing loaded, is said as what it is', async (t) => {
  longBackoff(t);
  const url = await serve(t, (req, res) => res.writeHead(304).end());
  const client = await createClient({ snapshotUrl: url, refreshInterval: 0, retryDelay: 60_000, timeout: 100 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.message)); // (nothing loaded: the last error is heard)
  await until(() => errors.length, 3000, 'the error');
  assert.deepEqual(errors, [`feats-edge: ${url} answered 304 to a request without If-None-Match`]);
});

for (const [what, options, headers] of [
  ['a bootstrap snapshot without an ETag', { snapshot: snapshot('r1') }, {}],
  ['a snapshot fetched without an ETag', {}, {}],
]) {
  test(`a 304 to a request without If-None-Match, with ${what} loaded, keeps it until the next poll (no fetch at once)`, async (t) => {
    const requests = [];
    const url = await serve(t, (req, res) => {
      requests.push(req.headers['if-none-match']);
      if (requests.length == 1 && !options.snapshot) return res.writeHead(200, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(snapshot('r1')));
      res.writeHead(304).end();
    });
    const client = await createClient({ snapshotUrl: url, refreshInterval: 60_000, retryDelay: 10, ...options });
    t.after(() => client.close());
    const updates = [];
    client.on('update', (u) => updates.push(u.revision));
    if (!options.snapshot) await client.refresh(); // (the 304)
    await sleep(300);
    assert.equal(requests.length, options.snapshot ? 1 : 2, `${requests.length} requests in 300 ms`);
    assert.deepEqual(requests, options.snapshot ? [undefined] : [undefined, undefined]);
    assert.equal(client.revision, 'r1');
    assert.deepEqual(updates, []);
  });
}

test('after a day-long Retry-After, a send that succeeds lets timers flush again', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.exposureMode = '429';
  srv.state.retryAfter = '86400';
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 50 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  client.create('Split', ctx('first'));
  await client.flush(); // 429: retry in a day
  srv.state.exposureMode = 'ok';
  await client.flush(); // the app flushes by hand: answered
  for (let i = 0; i < 100; i++) {
    client.create('Split', ctx(`later-${i}`));
    if (i % 20 === 0) await sleep(60);
  }
  await until(() => client.stats.queued === 0, 3000, 'the timer flushes');
  assert.equal(client.stats.dropped, 0);
  assert.equal(srv.accepted().length, 101);
});

test('a huge maxBatch is capped: a failed batch goes back to the queue without overflowing the stack', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.exposureMode = '500';
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, maxBatch: 200_000, maxQueue: 200_000, retryDelay: 60_000 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  for (let i = 0; i < 150_000; i++) client.create('Split', ctx(`u${i}`));
  await client.flush();
  assert.equal(client.stats.queued, 150_000, 'nothing lost');
  assert.ok(srv.state.exposureRequests.length >= 1);
  assert.ok(JSON.parse(srv.state.exposureRequests[0].body).events.length <= 10_000);
});

test('long unit ids are remembered as digests: deduplication and sticky assignments keep a bounded size, and still work', async (t) => {
  await import('../helpers/gc.js');
  const srv = await startServer({ snapshot: snapshot('r1') });
  // (A maxQueue with room for the 60 MB of events the loop below queues
  // before any is sent: 4 KiB of events per event of maxQueue.)
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, refreshInterval: 0, maxQueue: 20_000 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  const user = (i) => ({ user: { id: `${i}-`.padEnd(30000, 'x') } });
  const use = (feature, i, impl = client.findImplementation(feature, user(i))) => (client.usedImplementation(feature, impl, user(i)), impl);
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const random = [];
  for (let i = 0; i < 2000; i++) {
    use('Fixed', i);
    if (i < 20) random.push(use('Random', i));
  }
  await client.flush();
  const sent = srv.state.exposureRequests.flatMap((r) => JSON.parse(r.body).events);
  assert.equal(sent.filter((e) => e.feature === 'Fixed').length, 2000);
  // (What the server kept is not the client's.)
  sent.length = srv.state.exposureRequests.length = srv.state.raw.length = 0;
  globalThis.gc();
  const grown = process.memoryUsage().heapUsed - before;
  // (2 000 ids of 30 KB, in a key each for deduplication and for stickiness: 120 MB.)
  assert.ok(grown < 10 * 1024 * 1024, `the heap grew by ${(grown / 1048576).toFixed(1)} MiB`);
  // Used again: not reported again; a random experiment's draw sticks.
  use('Fixed', 7);
  assert.equal(client.stats.queued, 0);
  for (let i = 0; i < 20; i++) assert.equal(client.findImplementation('Random', user(i)), random[i], `unit ${i}`);
});

test('the exposure queue is bounded in size too: past 4 KiB of events per event of maxQueue the oldest are dropped, and counted', async (t) => {
  await import('../helpers/gc.js');
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.exposureMode = '500';
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, refreshInterval: 0, retryDelay: 60_000 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  const user = (i) => ({ user: { id: `${i}-`.padEnd(65536, 'x') } });
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1000; i++) client.create('Split', user(i));
  await client.flush(); // refused: the batch goes back
  // (What the server kept is not the client's.)
  srv.state.exposureRequests.length = srv.state.raw.length = 0;
  globalThis.gc();
  const grown = process.memoryUsage().heapUsed - before;
  // (1 000 events with 64 KiB units held 64 MiB; the default maxQueue, 1 000,
  // allows 4 MiB of events. Sending them takes a few MiB more.)
  assert.ok(grown < 20 * 1024 * 1024, `the heap grew by ${(grown / 1048576).toFixed(1)} MiB`);
  const { queued, dropped } = client.stats;
  assert.ok(queued >= 60 && queued <= 64, `${queued} queued`);
  assert.equal(queued + dropped, 1000);
  // The newest wait, and are delivered once the sink is back.
  srv.state.exposureMode = 'ok';
  await client.flush();
  const ids = srv.accepted().map((e) => parseInt(e.unit.value, 10));
  assert.deepEqual(ids, Array.from({ length: queued }, (_, i) => 1000 - queued + i));
  assert.equal(client.stats.dropped, dropped);

  // A smaller maxQueue allows less: 40 KiB for 10, not one of these events.
  srv.state.exposureMode = '500';
  const small = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, refreshInterval: 0, maxQueue: 10 });
  t.after(() => small.close());
  for (let i = 0; i < 5; i++) small.create('Split', user(i));
  small.create('Split', ctx('short'));
  assert.deepEqual([small.stats.queued, small.stats.dropped], [1, 5]);
  // Such an event is dropped alone: the ones that wait stay (they were all
  // pushed out before it).
  for (let i = 0; i < 8; i++) small.create('Split', ctx(`waiting-${i}`));
  small.create('Split', user('huge'));
  assert.deepEqual([small.stats.queued, small.stats.dropped], [9, 6]);
});

test('a snapshot of exactly 16 MiB loads, with a Content-Length or streamed; a byte more is refused', async (t) => {
  const limit = 16 * 1024 * 1024;
  const base = JSON.stringify(snapshot('big'));
  for (const [n, streamed] of [[limit, false], [limit, true], [limit + 1, false], [limit + 1, true]]) {
    const body = Buffer.from(base + ' '.repeat(n - Buffer.byteLength(base)));
    const url = await serve(t, (req, res) => {
      if (!streamed) return res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }).end(body);
      // In pieces of 1 MiB, with no length said (chunked).
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (let i = 0; i < body.length; i += 1 << 20) res.write(body.subarray(i, i + (1 << 20)));
      res.end();
    });
    const client = await createClient({ snapshotUrl: url, refreshInterval: 0, retryDelay: 60_000, timeout: 10_000 });
    t.after(() => client.close());
    const how = `${n} bytes, ${streamed ? 'streamed' : 'with a Content-Length'}`;
    assert.equal(client.revision, n === limit ? 'big' : null, how);
    assert.equal(await client.ready, n === limit, how);
    if (n === limit) continue;
    // Refused for its size: asked again, it says so.
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    await client.refresh();
    assert.match(errors.join('\n'), / was refused: the snapshot is (\d+ bytes, )?more than the limit of 16 MiB \(16777216 bytes\)/, how);
  }
});

/**
 * Two user ids, `a…` of 3 000 characters and `b…` of 3 000 to 4 999,
 * whose events' sizes by `size` add up to `total`.
 * @param {(id: string) => number} size @param {number} total
 */
function pairOfSize(size, total) {
  const first = 'a'.padEnd(3000, 'x');
  for (let k = 3000; k < 5000; k++) {
    const second = 'b'.padEnd(k, 'x');
    if (size(first) + size(second) === total) return [first, second];
  }
  throw new Error(`no pair of ${total}`);
}

test('the exposure queue\'s size bound holds events of exactly maxQueue × 4 KiB; one character more drops the oldest', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.exposureMode = '500';
  t.after(() => srv.close());
  /** Two users whose events' sizes (their strings, and 200: sizeOf in pkg/src/exposures.js) add up to `total`. */
  const pair = (client, total) =>
    pairOfSize((id) => 200 + 'Split'.length + client.findImplementation('Split', { user: { id } }).length + 'r1'.length + 'UserId'.length + id.length, total);
  for (const [extra, queued, dropped] of [[0, 2, 0], [1, 1, 1]]) {
    const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, refreshInterval: 0, retryDelay: 60_000, maxQueue: 2 });
    t.after(() => client.close());
    for (const id of pair(client, 2 * 4096 + extra)) client.create('Split', { user: { id } });
    assert.deepEqual([client.stats.queued, client.stats.dropped], [queued, dropped], `${2 * 4096 + extra} characters of events`);
  }
});

test('an experiment\'s name counts in the exposure queue\'s size bound: events of exactly maxQueue × 4 KiB with it are held, one character more drops the oldest', async (t) => {
  // (Its name is at most 128 characters, but events are held by the
  // thousand: left out, the bound let them past it.)
  const name = 'experiment-'.padEnd(128, 'x');
  const s = snapshot('r1');
  s.features.Fixed.rules[0].experiment.name = name;
  const srv = await startServer({ snapshot: s });
  srv.state.exposureMode = '500';
  const clients = [];
  t.after(async () => {
    for (const c of clients) await c.close();
    await srv.close();
  });
  /** Two users whose events' sizes (sizeOf in pkg/src/exposures.js), experiment included, add up to `total`. */
  const pair = (client, total) =>
    pairOfSize((id) => 200 + 'Fixed'.length + client.findImplementation('Fixed', { user: { id } }).length + name.length + 'r1'.length + 'UserId'.length + id.length, total);
  for (const [extra, queued, dropped] of [[0, 2, 0], [1, 1, 1]]) {
    const client = await createClient({ snapshot: s, exposureUrl: srv.exposureUrl, flushInterval: 0, refreshInterval: 0, retryDelay: 60_000, maxQueue: 2 });
    clients.push(client);
    client.on('error', () => {}); // (the sink's 503s)
    for (const id of pair(client, 2 * 4096 + extra)) client.create('Fixed', { user: { id } });
    assert.deepEqual([client.stats.queued, client.stats.dropped], [queued, dropped], `${2 * 4096 + extra} characters of events`);
  }
  // What was queued is what the sizes above count: the experiment is in each event.
  srv.state.exposureMode = 'ok';
  const client = await createClient({ snapshot: s, exposureUrl: srv.exposureUrl, flushInterval: 0, refreshInterval: 0, maxQueue: 2 });
  clients.push(client);
  client.create('Fixed', ctx('one'));
  await client.flush();
  assert.equal(srv.accepted().at(-1).experiment, name);
});

test('past maxQueue the oldest events go first, and the size bound then counts only the events left', async (t) => {
  // maxQueue 2 allows 2 × 4 KiB of events. A long event, a short one and a
  // middling one are more than that together, and not once the long one,
  // the oldest, is dropped for the count: that one alone goes.
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.exposureMode = '500';
  t.after(() => srv.close());
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, refreshInterval: 0, retryDelay: 60_000, maxQueue: 2 });
  t.after(() => client.close());
  for (const id of ['long-'.padEnd(7000, 'x'), 'short', 'middling-'.padEnd(1000, 'x')]) client.create('Split', { user: { id } });
  assert.deepEqual([client.stats.queued, client.stats.dropped], [2, 1]);
  srv.state.exposureMode = 'ok';
  await client.flush();
  assert.deepEqual(srv.accepted().map((e) => e.unit.value.slice(0, 5)), ['short', 'middl']);
});
