// The README's Cloudflare Worker example, taken from README.md as it is
// written and run under workerd: the implementation a user gets, its
// exposure after the response, and the code default while the origin fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, until, startOrigin, startTestWorker, checkoutSnapshot } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/tmp.js';

/** The first `js` block of the README's section "In a Cloudflare Worker". */
function readmeWorker() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### In a Cloudflare Worker'));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'the README has the Worker example');
  const file = join(tempDir('readme-worker'), 'worker.js');
  writeFileSync(file, block[1]);
  return file;
}

async function start(t, snapshot) {
  const origin = await startOrigin(snapshot, '"l1"');
  const worker = await startTestWorker(readmeWorker(), {
    bindings: { SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures` },
  });
  t.after(async () => {
    await worker.stop();
    await origin.close();
  });
  const ask = async (id) => (await fetch(worker.url, { headers: { 'X-User-Id': id } })).text();
  return { origin, worker, ask };
}

test('the README\'s Worker example, as written: the implementation for the user, its exposure sent after the response', async (t) => {
  const snapshot = checkoutSnapshot('literal-1');
  const { origin, worker, ask } = await start(t, snapshot);
  const engine = new Engine(snapshot);
  const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
  for (const id of users) {
    assert.equal(await ask(id), `Checkout: ${engine.evaluate('Checkout', { user: { id } }).implementation}`, worker.log());
  }
  // (workerd's readiness probe is a request with no user: the default, with no unit.)
  const mine = () => origin.exposures.filter((e) => e.unit).map((e) => e.unit.value).sort();
  assert.ok(await until(() => mine().length === users.length, 5000), `exposures: ${JSON.stringify(origin.exposures)}`);
  assert.deepEqual(mine(), users);
  assert.doesNotMatch(worker.log(), /Uncaught|Error/);
});

test('the README\'s Worker example while the origin fails: the code default at once, the snapshot once the origin is back', async (t) => {
  const { origin, ask } = await start(t, checkoutSnapshot('literal-2'));
  origin.failWith = 500;
  assert.equal(await ask('u1'), 'Checkout: classic');
  assert.equal(origin.fetches.length, 1);
  origin.failWith = 0;
  const engine = new Engine(checkoutSnapshot('literal-2'));
  const want = `Checkout: ${engine.evaluate('Checkout', { user: { id: 'u2' } }).implementation}`;
  assert.ok(await until(async () => (await ask('u2')) === want, 8000), 'loaded after the outage');
});
