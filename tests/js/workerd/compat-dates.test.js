// The README's Worker (tests/js/workerd/readme-worker.js) under older
// compatibility dates, which deployed Workers keep: the last day before
// each change that reaches the client. Before 2024-03-04 workerd defines
// `importScripts`, as a browser's Web Worker does; before 2024-11-11 its
// fetch throws on any `cache` option, and before 2025-08-07 on
// `cache: 'no-cache'`. A client that took workerd for a browser's worker
// sent that option and loaded no snapshot. And today's date with
// `nodejs_compat`, which many Workers set: Node's `process` and `Buffer`
// are globals there, and the package must not take workerd for Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, until, startOrigin, startTestWorker, checkoutSnapshot } from '../helpers/runtimes.js';
import { recordingServer as serve } from '../helpers/server.js';
import { snapshot as tiny } from '../helpers/snapshot.js';

const snapshot = checkoutSnapshot('dated-1');
const engine = new Engine(snapshot);

const dates = [...['2021-11-03', '2024-03-03', '2024-11-10', '2025-08-06'].map((date) => [date, []]), ['2026-10-01', ['nodejs_compat']]];
for (const [date, flags] of dates) {
  test(`compatibility date ${date}${flags.map((f) => ` with ${f}`).join('')}: the snapshot loads, its exposure arrives, and a revalidation is conditional`, async (t) => {
    const origin = await startOrigin(snapshot, '"d1"');
    t.after(() => origin.close());
    const worker = await startTestWorker(join(root, 'tests/js/workerd/readme-worker.js'), {
      bindings: { SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures`, REFRESH_MS: 1000 },
      compatibilityDate: date,
      compatibilityFlags: flags,
    });
    t.after(() => worker.stop());
    const res = await fetch(`${worker.url}/?user=u-3`);
    assert.equal(res.headers.get('X-Revision'), 'dated-1', worker.log());
    assert.equal(await res.text(), engine.implementation('Checkout', { user: { id: 'u-3' } }));
    assert.ok(await until(() => origin.exposures.length === 1), 'its exposure');
    assert.equal(origin.exposures[0].unit.value, 'u-3');
    await new Promise((r) => setTimeout(r, 1100)); // past refreshInterval: the next response revalidates
    await (await fetch(`${worker.url}/?user=u-4`)).text();
    assert.ok(await until(() => origin.fetches.length === 2), JSON.stringify(origin.fetches));
    assert.deepEqual(origin.fetches, [{ ifNoneMatch: undefined, status: 200 }, { ifNoneMatch: '"d1"', status: 304 }]);
    assert.doesNotMatch(worker.log(), /Uncaught|not implemented|Unsupported cache mode/i);
  });
}

test('compatibility date 2021-11-03: a client with a headers option follows a redirect to another origin itself', async (t) => {
  const other = await serve(t, (req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(tiny('moved'))));
  const own = await serve(t, (req, res) => res.writeHead(302, { Location: `${other.url.replace('127.0.0.1', 'localhost')}/snapshot.json` }).end());
  const worker = await startTestWorker(join(root, 'tests/js/workerd/headers-worker.js'), {
    bindings: { SNAPSHOT_URL: `${own.url}/snapshot.json`, API_KEY: 'secret' },
    compatibilityDate: '2021-11-03',
  });
  t.after(() => worker.stop());
  assert.deepEqual(await (await fetch(`${worker.url}/`)).json(), { revision: 'moved', errors: [] }, worker.log());
  assert.equal(own.requests[0].headers['x-api-key'], 'secret');
  assert.equal(other.requests[0].headers['x-api-key'], undefined);
});
