// The README's Cloudflare Worker pattern (tests/js/workerd/readme-worker.js)
// when the snapshot origin fails the first request and under sustained
// traffic, and refresh() after a first fetch left by a finished request
// (tests/js/workerd/refresh-worker.js). Each worker is a workerd of its
// own, so its isolate starts empty.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, until, gate, startOrigin, startTestWorker, checkoutSnapshot } from '../helpers/runtimes.js';

const snapshot = checkoutSnapshot('outage-1');
let origin, worker;

/**
 * An origin and a README worker of its own (closed after the test), and
 * `ask(user)`: the revision and the implementation the worker answers.
 */
async function fresh(t, etag) {
  const origin = await startOrigin(snapshot, etag);
  const worker = await startTestWorker(join(root, 'tests/js/workerd/readme-worker.js'), {
    bindings: { SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures`, REFRESH_MS: 60000 },
  });
  t.after(async () => {
    await worker.stop();
    await origin.close();
  });
  const ask = async (u) => {
    const res = await fetch(`${worker.url}/?user=${u}`);
    return [res.headers.get('X-Revision'), await res.text()];
  };
  return { origin, worker, ask };
}

before(async () => {
  origin = await startOrigin(snapshot, '"o1"');
  worker = await startTestWorker(join(root, 'tests/js/workerd/readme-worker.js'), {
    bindings: { SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures`, REFRESH_MS: 60000 },
  });
});
after(async () => {
  await worker?.stop();
  await origin?.close();
});

const ask = async (u) => {
  const res = await fetch(`${worker.url}/?user=${u}`);
  return [res.headers.get('X-Revision'), await res.text()];
};

test('a first snapshot fetch that outlives the first request does not leave the isolate without flags', async () => {
  // Held past createClient's timeout (3 s): the first request answers
  // with the defaults, and the fetch it started goes on after its response.
  const held = gate();
  origin.snapshotGate = held.promise;
  assert.deepEqual(await ask('first'), ['null', '']);
  origin.snapshotGate = null;
  held.open();
  assert.ok(await until(() => origin.fetches.length >= 1, 5000), 'the origin has answered, to a request that is over');
  const revision = await until(async () => {
    await new Promise((r) => setTimeout(r, 100));
    return (await ask('later'))[0] === 'outage-1';
  }, 8000);
  assert.ok(revision, `no snapshot after the outage; ${origin.fetches.length} fetches; workerd said:\n${worker.log()}`);
});

test('a burst of first requests makes one snapshot fetch: the others wait for its client', async (t) => {
  const { origin, worker, ask } = await fresh(t, '"b1"');
  const held = gate();
  origin.snapshotGate = held.promise;
  const burst = Array.from({ length: 12 }, (_, i) => ask(`b-${i}`));
  assert.ok(await until(() => origin.snapshotArrivals >= 1, 10000, 20));
  await new Promise((r) => setTimeout(r, 300)); // (the burst's other requests have arrived)
  origin.snapshotGate = null;
  held.open();
  for (const [revision, impl] of await Promise.all(burst)) {
    assert.equal(revision, 'outage-1', worker.log());
    assert.ok(impl === 'classic' || impl === 'onepage', impl);
  }
  assert.equal(origin.snapshotArrivals, 1, JSON.stringify(origin.fetches));
  assert.doesNotMatch(worker.log(), /different request|never generate a response|hung|Uncaught/i);
});

test('sustained traffic: every request\'s flush is its own, so workerd cancels none and complains of none', async () => {
  const before = origin.exposures.length;
  const users = [];
  for (let round = 0; round < 100; round++) {
    const batch = Array.from({ length: 10 }, (_, i) => `s-${round}-${i}`);
    users.push(...batch);
    await Promise.all(batch.map((u) => ask(u)));
  }
  const mine = () => origin.exposures.slice(before).map((e) => e.unit.value).filter((u) => u.startsWith('s-'));
  await until(() => mine().length >= users.length, 15000);
  await new Promise((r) => setTimeout(r, 300));
  const got = mine().sort();
  assert.deepEqual(got, [...users].sort(), 'each exposure once');
  assert.doesNotMatch(worker.log(), /different request|never generate a response|hung|Uncaught/i);
});

test('refresh() starts a fetch of its own: one left pending by a finished request does not hold it up', async (t) => {
  const slow = await startOrigin(snapshot, '"o1"');
  const w = await startTestWorker(join(root, 'tests/js/workerd/refresh-worker.js'), { bindings: { SNAPSHOT_URL: `${slow.url}/snapshot.json` } });
  t.after(async () => {
    await w.stop();
    await slow.close();
  });
  // The first fetch is held past the first request's life (createClient's
  // timeout: 1 s) and until refresh() has settled.
  const held = gate();
  t.after(held.open);
  slow.snapshotGate = held.promise;
  assert.equal(await (await fetch(`${w.url}/`)).text(), 'null');
  slow.snapshotGate = null;
  assert.equal(await (await fetch(`${w.url}/refresh`)).text(), 'settled', `workerd said:\n${w.log()}`);
  held.open();
  assert.equal(await (await fetch(`${w.url}/`)).text(), 'outage-1');
});

test('an origin that hangs gets a few snapshot fetches, not one per request', async (t) => {
  const { origin: hung, worker: w, ask } = await fresh(t, '"h1"');
  const held = gate();
  t.after(held.open);
  hung.snapshotGate = held.promise;
  // The first request waits for createClient's timeout (3 s), then the
  // requests after it find a fetch under way: the one the second started.
  assert.deepEqual(await ask('first'), ['null', '']);
  for (let i = 0; i < 40; i++) assert.deepEqual(await ask(`h-${i}`), ['null', '']);
  assert.ok(hung.snapshotArrivals <= 3, `${hung.snapshotArrivals} snapshot fetches for 41 requests`);
  assert.doesNotMatch(w.log(), /Uncaught/i);
});

test('a first request while the origin fails waits for one answer, not for the timeout; the next tries again', async (t) => {
  const { origin: failing, ask } = await fresh(t, '"f1"');
  // Retry-After: 0 lets a client retry at once: waiting for its timeout,
  // the first request made one fetch after another until then.
  failing.failWith = 503;
  failing.failRetryAfter = '0';
  assert.deepEqual(await ask('first'), ['null', '']);
  assert.equal(failing.fetches.length, 1, JSON.stringify(failing.fetches));
  failing.failWith = 0;
  assert.equal(await until(async () => (await ask('next'))[0] === 'outage-1' && 'loaded', 5000), 'loaded');
  assert.equal(failing.fetches.filter((f) => f.status === 200).length, 1);
});

test('an origin that answers 404 is asked once per backoff step, not by every request', async (t) => {
  const { origin: missing, ask } = await fresh(t, '"m1"');
  missing.failWith = 404;
  for (let i = 0; i < 20; i++) assert.deepEqual(await ask(`m-${i}`), ['null', '']);
  // The backoff's first steps are at most 1, 2 and 4 s (with jitter): 20 quick requests see a few.
  assert.ok(missing.fetches.length <= 4, `${missing.fetches.length} snapshot fetches for 20 requests`);
  missing.failWith = 0;
  assert.equal(await until(async () => (await ask('back'))[0] === 'outage-1' && 'loaded', 10000), 'loaded');
});

test('in workerd, an update names the features the new snapshot may evaluate differently', async (t) => {
  const doc = (revision, checkout, banner) => {
    const d = JSON.parse(checkoutSnapshot(revision));
    d.features.Checkout.rules[0].split.weights = checkout;
    if (banner) d.features.Banner = { type: 'boolean', inputs: [], default: banner == 'on' };
    return JSON.stringify(d);
  };
  const o = await startOrigin(doc('c1', { classic: 50, onepage: 50 }, 'off'), '"c1"');
  const w = await startTestWorker(join(root, 'tests/js/workerd/refresh-worker.js'), { bindings: { SNAPSHOT_URL: `${o.url}/snapshot.json` } });
  t.after(async () => {
    await w.stop();
    await o.close();
  });
  assert.equal(await (await fetch(`${w.url}/`)).text(), 'c1');
  const publish = async (text, etag) => {
    o.snapshot = text;
    o.etag = etag;
    assert.equal(await (await fetch(`${w.url}/refresh`)).text(), 'settled', w.log());
  };
  await publish(doc('c2', { classic: 50, onepage: 50 }, 'on'), '"c2"');
  await publish(doc('c3', { onepage: 50.0, classic: 5e1 }, 'on'), '"c3"');
  await publish(doc('c4', { classic: 10, onepage: 90 }), '"c4"');
  assert.deepEqual(await (await fetch(`${w.url}/updates`)).json(), [['c2', ['Banner']], ['c3', []], ['c4', ['Checkout', 'Banner']]]);
});
