// A Worker whose requests fill a batch (tests/js/workerd/batch-worker.js,
// maxBatch 1) in front of a slow exposure sink: in Workers a full batch
// must not start a POST of its own, which no `ctx.waitUntil` covers and
// workerd cancels when the request is done.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, until, startOrigin, startTestWorker } from '../helpers/runtimes.js';

const snapshot = JSON.stringify({
  schema: 1, revision: 'batches-1',
  segments: { UserId: { from: { user: '{id}' } } },
  features: {
    Checkout: {
      inputs: ['user'], implementations: ['classic', 'onepage'], default: 'classic',
      rules: [{ split: { by: 'UserId', weights: { classic: 50, onepage: 50 } } }],
    },
  },
});
let origin, worker;

before(async () => {
  origin = await startOrigin(snapshot, '"b1"');
  worker = await startTestWorker(join(root, 'tests/js/workerd/batch-worker.js'), {
    bindings: { SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures`, MAX_BATCH: 1 },
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
  const stats = await until(async () => {
    const s = await (await fetch(`${worker.url}/stats`)).json();
    return s.queued === 0 && s;
  }, 5000);
  assert.deepEqual(mine().map((e) => e.unit.value).sort(), users, worker.log());
  assert.deepEqual(stats, { dropped: 0, sent: 5, failed: 0, queued: 0 }, worker.log());
});
