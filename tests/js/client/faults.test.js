// Network faults at scale, on real sockets on 127.0.0.1: a revision that
// goes backwards, and 10 000 exposures through an endpoint that alternates
// 500 and 200: the client keeps serving, its memory stays bounded, and
// every event up to maxQueue arrives exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { startServer, until } from '../helpers/server.js';
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
