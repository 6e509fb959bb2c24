// A Worker's client with a `headers` option (tests/js/workerd/headers-worker.js)
// whose snapshot redirects to another origin: workerd's fetch would carry
// the headers there; the client follows the redirect itself and leaves
// them behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, startTestWorker } from '../helpers/runtimes.js';
import { recordingServer as serve } from '../helpers/server.js';
import { snapshot } from '../helpers/snapshot.js';

test('in workerd, a snapshot redirected to another origin loads without the headers option going there', async (t) => {
  const other = await serve(t, (req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(snapshot('moved'))));
  const own = await serve(t, (req, res) => res.writeHead(302, { Location: `${other.url.replace('127.0.0.1', 'localhost')}/snapshot.json` }).end());
  const worker = await startTestWorker(join(root, 'tests/js/workerd/headers-worker.js'), {
    bindings: { SNAPSHOT_URL: `${own.url}/snapshot.json`, API_KEY: 'secret' },
  });
  t.after(() => worker.stop());
  const answer = await (await fetch(`${worker.url}/`)).json();
  assert.deepEqual(answer, { revision: 'moved', errors: [] }, worker.log());
  assert.equal(own.requests[0].headers['x-api-key'], 'secret');
  assert.equal(other.requests.length, 1);
  assert.equal(other.requests[0].headers['x-api-key'], undefined);
});
