// A Worker whose requests fill a batch (tests/js/workerd/batch-worker.js,
// maxBatch 1) in front of a slow or failing exposure sink: in Workers
// neither a full batch nor a retry timer may start a POST of its own,
// which no `ctx.waitUntil` covers and workerd cancels when the request is
// done.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, until, gate, startOrigin, startTestWorker, checkoutSnapshot } from '../helpers/runtimes.js';

const snapshot = checkoutSnapshot('batches-1');
let origin, worker;

before(async () => {
  origin = await startOrigin(snapshot, '"b1"');
  worker = await startTestWorker(join(root, 'tests/js/workerd/batch-worker.js'), {
    bindings: { SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures`, MAX_BATCH: 1, RETRY_DELAY: 200 },
  });
});
after(async () => {
  await worker?.stop();
  await origin?.close();
});

test('requests that each fill a batch: every exposure arrives once, and the client has none left under way', async () => {
  origin.exposureDelay = 300; // a sink slower than the request
  const users = Array.from({ length: 5 }, (_, i) => `b-${i}`);
  for (const u of users) assert.match(await (await fetch(`${worker.url}/?user=${u}`)).text(), /^(classic|onepage)$/);
  const mine = () => origin.exposures.filter((e) => users.includes(e.unit?.value));
  await until(() => mine().length >= users.length, 10000);
  const ask = async () => (await fetch(`${worker.url}/stats`)).json();
  await until(async () => (await ask()).queued === 0, 5000);
  const stats = await ask();
  assert.deepEqual(mine().map((e) => e.unit.value).sort(), users, worker.log());
  assert.deepEqual(stats, { dropped: 0, sent: 5, failed: 0, queued: 0 }, worker.log());
});

test('a failed POST is retried by a later request, not by a timer in the failing one: nothing is left under way', async () => {
  const stats = async () => (await fetch(`${worker.url}/stats`)).json();
  const base = await stats();
  origin.exposureDelay = 0;
  origin.exposureFailWith = 503;
  // The request lives on after its flush fails: its refresh() waits on the snapshot origin.
  const held = gate();
  origin.snapshotGate = held.promise;
  const posts = origin.exposurePosts;
  assert.match(await (await fetch(`${worker.url}/?user=r-0&refresh=1`)).text(), /^(classic|onepage)$/);
  assert.ok(await until(() => origin.exposurePosts > posts, 5000), 'the first POST, answered 503');
  origin.exposureFailWith = 0;
  origin.exposureDelay = 2000; // a retry now is still under way when the request ends
  // Longer than any backoff the failure drew (200 ms): a timer in that request would have fired.
  await new Promise((r) => setTimeout(r, 700));
  origin.snapshotGate = null;
  held.open();
  await new Promise((r) => setTimeout(r, 200)); // the request has ended
  assert.match(await (await fetch(`${worker.url}/?user=r-1`)).text(), /^(classic|onepage)$/);
  const mine = () => origin.exposures.filter((e) => /^r-\d$/.test(e.unit?.value));
  await until(() => mine().length >= 2, 10000);
  await until(async () => (await stats()).queued === 0, 5000);
  const after = await stats();
  assert.deepEqual(mine().map((e) => e.unit.value).sort(), ['r-0', 'r-1'], worker.log());
  assert.deepEqual({ ...after, sent: after.sent - base.sent }, { dropped: 0, sent: 2, failed: 0, queued: 0 }, worker.log());
});
