// isolateClient with a bootstrap snapshot under workerd
// (tests/js/workerd/bootstrap-worker.js): the first request serves the
// bootstrap at once, and the fetch that revalidates it, started by that
// request, lives on after its response (workerd cancels I/O that no
// `ctx.waitUntil` covers once a response is sent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, until, startOrigin, startTestWorker, checkoutSnapshot } from '../helpers/runtimes.js';

test('a bootstrap snapshot is revalidated by the first request, after its response: the origin\'s snapshot serves next', async (t) => {
  const origin = await startOrigin(checkoutSnapshot('origin-2'), '"o2"');
  origin.snapshotDelay = 300; // answered after the first response has gone
  const worker = await startTestWorker(join(root, 'tests/js/workerd/bootstrap-worker.js'), {
    bindings: { BOOTSTRAP: checkoutSnapshot('bundled-1'), SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures` },
  });
  t.after(async () => {
    await worker.stop();
    await origin.close();
  });
  const revision = async (u) => (await fetch(`${worker.url}/?user=${u}`)).headers.get('X-Revision');
  assert.equal(await revision('first'), 'bundled-1');
  assert.ok(await until(() => origin.fetches.length === 1, 5000), 'the first request revalidates the bootstrap');
  await new Promise((r) => setTimeout(r, 300)); // (the answer reaches the isolate)
  assert.equal(await revision('second'), 'origin-2', `workerd said:\n${worker.log()}`);
  assert.equal(origin.fetches.length, 1, JSON.stringify(origin.fetches));
  assert.doesNotMatch(worker.log(), /Uncaught|different request/i);
});

test('a bootstrap ETag the origin refuses (a 4xx to the conditional request) is dropped and the snapshot asked for again at once, in the same request', async (t) => {
  const origin = await startOrigin(checkoutSnapshot('origin-3'), '"o3"');
  origin.maxIfNoneMatch = 16; // a proxy's header limit: a 431
  let worker;
  t.after(async () => {
    await worker?.stop();
    await origin.close();
  });
  worker = await startTestWorker(join(root, 'tests/js/workerd/bootstrap-worker.js'), {
    bindings: { BOOTSTRAP: checkoutSnapshot('bundled-1'), BOOTSTRAP_ETAG: `"${'b'.repeat(40)}"`, SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures` },
  });
  const revision = async (u) => (await fetch(`${worker.url}/?user=${u}`)).headers.get('X-Revision');
  assert.equal(await revision('first'), 'bundled-1');
  assert.ok(await until(() => origin.fetches.length === 2, 5000), JSON.stringify(origin.fetches));
  assert.deepEqual(origin.fetches.map((f) => f.status), [431, 200]);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await revision('second'), 'origin-3', `workerd said:\n${worker.log()}`);
});
