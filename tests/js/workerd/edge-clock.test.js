// The edge worker (www/edge/) under workerd when the wall clock is set
// back (an NTP step, a restored VM): its waits (a cold isolate's backoff,
// REVALIDATE_MS) end as they would have, not once the clock has caught up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, until, startOrigin, startTestWorker } from '../helpers/runtimes.js';

const good = readFileSync(join(root, 'www/edge/snapshot.json'), 'utf8');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** An origin and the edge worker with a settable clock, stopped after the test. */
async function edgeWith(t, revalidateMs) {
  const origin = await startOrigin(good, '"v1"');
  let edge;
  t.after(async () => {
    await edge?.stop();
    await origin.close();
  });
  edge = await startTestWorker(join(root, 'tests/js/workerd/clock-worker.js'), {
    modules: { 'edge.js': join(root, 'www/edge/worker.js') },
    bindings: { SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures`, REVALIDATE_MS: revalidateMs },
  });
  return { origin, edge };
}

const page = (edge) => fetch(`${edge.url}/`, { headers: { Cookie: 'uid=alice' } });
const setClock = async (edge, offset) => assert.equal((await fetch(`${edge.url}/__clock?offset=${offset}`)).status, 204);

test('a cold isolate whose clock is set back an hour during its backoff asks the origin again once the backoff has passed', async (t) => {
  const { origin, edge } = await edgeWith(t, 30000);
  origin.failWith = 503;
  const first = await page(edge);
  assert.equal(first.status, 503, edge.log());
  assert.equal(first.headers.get('Retry-After'), '1');
  assert.equal(origin.fetches.length, 1);
  origin.failWith = 0;
  await setClock(edge, -3_600_000);
  await sleep(1100); // past the backoff of a second
  const next = await page(edge);
  assert.equal(next.status, 200, `${next.status}, Retry-After ${next.headers.get('Retry-After')}`);
  assert.equal(origin.fetches.length, 2);
});

test('a clock set back an hour holds revalidation back no longer than REVALIDATE_MS', async (t) => {
  const { origin, edge } = await edgeWith(t, 1000);
  assert.equal((await page(edge)).status, 200, edge.log());
  assert.equal(origin.fetches.length, 1);
  await setClock(edge, -3_600_000);
  await sleep(1100); // past REVALIDATE_MS
  assert.equal((await page(edge)).status, 200);
  assert.ok(await until(() => origin.fetches.length === 2, 3000), `${origin.fetches.length} fetches`);
});
