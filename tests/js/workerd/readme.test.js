// The README's Cloudflare Worker pattern under workerd
// (tests/js/workerd/readme-worker.js): one client per isolate shared by
// concurrent requests, `ctx.waitUntil(client.flush())` per request, an ETag
// revalidation after a response now and then. Workers tie I/O to the
// request that started it; events lost or stuck, or workerd's complaints
// in its log, would show a client that breaks that rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, until, startOrigin, startTestWorker, checkoutSnapshot } from '../helpers/runtimes.js';

const snapshot = checkoutSnapshot('readme-1');
const engine = new Engine(snapshot);
let origin, worker;

before(async () => {
  origin = await startOrigin(snapshot, '"r1"');
  worker = await startTestWorker(join(root, 'tests/js/workerd/readme-worker.js'), {
    bindings: { SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures`, REFRESH_MS: 1000 }, // (the shortest refreshInterval there is)
  });
});
after(async () => {
  await worker?.stop();
  await origin?.close();
});

test('the first request loads the snapshot once: no revalidation right after it', async () => {
  const res = await fetch(`${worker.url}/?user=first`);
  assert.equal(res.headers.get('X-Revision'), 'readme-1');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(origin.fetches.length, 1, JSON.stringify(origin.fetches));
  assert.ok(await until(() => origin.exposures.length === 1), 'its exposure');
  origin.exposures.length = 0; // the next test counts its own
});

test('concurrent requests share one client: every exposure arrives exactly once, after its response', async () => {
  origin.exposureDelay = 150; // sends overlap: each request's flush starts while others are in flight
  const users = Array.from({ length: 120 }, (_, i) => `u-${i}`);
  for (let round = 0; round < 4; round++) {
    const batch = users.slice(round * 30, round * 30 + 30);
    const answers = await Promise.all(batch.map(async (u) => {
      const res = await fetch(`${worker.url}/?user=${u}`);
      return [u, await res.text()];
    }));
    for (const [u, impl] of answers) assert.equal(impl, engine.implementation('Checkout', { user: { id: u } }), u);
  }
  const arrived = await until(() => origin.exposures.length >= users.length && origin.exposures, 15000);
  await new Promise((r) => setTimeout(r, 500)); // a late duplicate would show up here
  const got = origin.exposures.map((e) => e.unit.value).sort();
  assert.deepEqual(got, [...users].sort(), `each user's exposure once; workerd said:\n${worker.log()}`);
  assert.ok(arrived);
  assert.doesNotMatch(worker.log(), /different request|never generate a response|Uncaught/i);
});

test('a request whose flush overlaps the previous one\'s slow send still gets its exposure out, with no later request', async () => {
  origin.exposureDelay = 1000;
  try {
    const before = origin.exposures.length;
    const a = fetch(`${worker.url}/?user=overlap-a`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 200));
    const b = fetch(`${worker.url}/?user=overlap-b`).then((r) => r.text());
    await Promise.all([a, b]);
    const got = await until(() => origin.exposures.length >= before + 2, 8000);
    assert.ok(got, `only ${origin.exposures.length - before} of 2 arrived; workerd said:\n${worker.log()}`);
  } finally {
    origin.exposureDelay = 0;
  }
});

test('the snapshot is revalidated with its ETag after a response; a new one takes over', async () => {
  const ask = async (u) => {
    const res = await fetch(`${worker.url}/?user=${u}`);
    return [res.headers.get('X-Revision'), await res.text()];
  };
  assert.equal((await ask('r-0'))[0], 'readme-1');
  const before = origin.fetches.length;
  await new Promise((r) => setTimeout(r, 1100));
  await ask('r-1'); // stale: revalidates after answering
  assert.ok(await until(() => origin.fetches.length > before), 'no revalidation reached the origin');
  assert.deepEqual(origin.fetches.at(-1), { ifNoneMatch: '"r1"', status: 304 });

  const next = JSON.parse(snapshot);
  next.revision = 'readme-2';
  next.features.Checkout.rules = [{ serve: 'onepage' }];
  origin.snapshot = JSON.stringify(next);
  origin.etag = '"r2"';
  const served = await until(async () => {
    await new Promise((r) => setTimeout(r, 100));
    const [revision, impl] = await ask('r-2');
    return revision === 'readme-2' && impl;
  }, 8000);
  assert.equal(served, 'onepage', `workerd said:\n${worker.log()}`);
  assert.doesNotMatch(worker.log(), /different request|never generate a response|Uncaught/i);
});

test('an isolate left idle past twice refreshInterval serves a kill switch published meanwhile to its next requests, not what it held', async () => {
  const ask = async (u) => {
    const res = await fetch(`${worker.url}/?user=${u}`);
    return `${res.headers.get('X-Revision')} ${await res.text()}`;
  };
  const onepage = JSON.parse(snapshot);
  onepage.revision = 'readme-3';
  onepage.features.Checkout.rules = [{ serve: 'onepage' }];
  origin.snapshot = JSON.stringify(onepage);
  origin.etag = '"r3"';
  assert.ok(await until(async () => (await ask('idle-0')) === 'readme-3 onepage', 8000), 'the worker loaded readme-3');
  // The kill switch, published while the isolate idles (REFRESH_MS is 1 000:
  // idle past twice that).
  const killed = { ...onepage, revision: 'readme-4' };
  killed.features = { Checkout: { ...onepage.features.Checkout, enabled: false } };
  origin.snapshot = JSON.stringify(killed);
  origin.etag = '"r4"';
  origin.snapshotDelay = 300; // the next two requests arrive while the revalidation is under way
  try {
    await new Promise((r) => setTimeout(r, 2500));
    const [a, b] = await Promise.all([ask('idle-1'), new Promise((r) => setTimeout(r, 100)).then(() => ask('idle-2'))]);
    assert.equal(a, 'readme-4 classic', 'the first request after the idle spell was served the snapshot from before the kill');
    assert.equal(b, 'readme-4 classic', 'a request during that revalidation was served the snapshot from before the kill');
  } finally {
    origin.snapshotDelay = 0;
  }
  assert.doesNotMatch(worker.log(), /different request|never generate a response|Uncaught/i);
});
