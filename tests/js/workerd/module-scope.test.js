// A client made at module scope in Workers, from a bootstrap snapshot
// (tests/js/workerd/module-scope-worker.js): it must not start a timer there.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, startTestWorker } from '../helpers/runtimes.js';

let worker;
after(() => worker?.stop());

test('a bootstrap-only client made at module scope starts and answers', async () => {
  worker = await startTestWorker(join(root, 'tests/js/workerd/module-scope-worker.js'));
  const res = await fetch(`${worker.url}/`);
  assert.equal(await res.text(), 'module-1 onepage', `workerd said:\n${worker.log()}`);
  assert.doesNotMatch(worker.log(), /Disallowed|Uncaught/i);
});
