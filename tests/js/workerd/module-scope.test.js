// A client made at module scope in Workers, from a bootstrap snapshot
// (tests/js/workerd/module-scope-worker.js): it must not start a timer there.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, until, startOrigin, startTestWorker, checkoutSnapshot } from '../helpers/runtimes.js';

let worker;
after(() => worker?.stop());

test('a bootstrap-only client made at module scope starts and answers', async () => {
  worker = await startTestWorker(join(root, 'tests/js/workerd/module-scope-worker.js'));
  const res = await fetch(`${worker.url}/`);
  assert.equal(await res.text(), 'module-1 onepage', `workerd said:\n${worker.log()}`);
  assert.doesNotMatch(worker.log(), /Disallowed|Uncaught/i);
});

test('a bootstrap client with an exposure URL and default options, made at module scope, starts, and its requests\' exposures arrive', async (t) => {
  // (flushInterval is not used in Workers: no interval may be set there.)
  const origin = await startOrigin(checkoutSnapshot('unused'));
  // Closed even when the worker fails to start (else the file never ends).
  let w;
  t.after(async () => {
    await w?.stop();
    await origin.close();
  });
  w = await startTestWorker(join(root, 'tests/js/workerd/module-scope-exposures-worker.js'), { bindings: { EXPOSURE_URL: `${origin.url}/exposures` } });
  const res = await fetch(`${w.url}/?user=m-1`);
  assert.match(await res.text(), /^module-2 (classic|onepage)$/, `workerd said:\n${w.log()}`);
  assert.ok(await until(() => origin.exposures.length === 1, 5000), `workerd said:\n${w.log()}`);
  assert.equal(origin.exposures[0].unit.value, 'm-1');
  assert.doesNotMatch(w.log(), /Disallowed|Uncaught/i);
});
