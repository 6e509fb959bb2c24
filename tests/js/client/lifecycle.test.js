// Timers never keep a process alive, and close() stops everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient } from 'feats-edge';
import { startServer, sleep } from '../helpers/server.js';
import { snapshot, ctx } from '../helpers/snapshot.js';

/** Timers created by the client (set from src/client.js, or from gen/node.js,
 * the Node entry bundled) that have neither fired nor been cleared. */
const live = new Set();
for (const [set, clear, once] of [['setTimeout', 'clearTimeout', true], ['setInterval', 'clearInterval', false]]) {
  const original = globalThis[set];
  const originalClear = globalThis[clear];
  globalThis[set] = (fn, ms, ...args) => {
    const mine = /(src[\\/]client|pkg[\\/]gen[\\/]node)\.js/.test(new Error().stack);
    const t = original((...a) => (once && live.delete(t), fn(...a)), ms, ...args);
    if (mine) live.add(t);
    return t;
  };
  globalThis[clear] = (t) => (live.delete(t), originalClear(t));
}
const timers = () => live.size;

test('close() clears every timer and stops polling and flushing', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  await sleep(20);
  const before = timers();
  const client = await createClient({
    snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, refreshInterval: 10, flushInterval: 10, retryDelay: 10,
  });
  client.create('Split', ctx('1'));
  await sleep(50);
  assert.ok(timers() > before, 'the client has timers while open');
  await client.close();
  await sleep(20);
  assert.equal(timers(), before);
  const polls = srv.state.snapshotRequests.length;
  const posts = srv.state.exposureRequests.length;
  client.create('Split', ctx('2'));
  await sleep(60);
  assert.equal(srv.state.snapshotRequests.length, polls);
  assert.equal(srv.state.exposureRequests.length, posts);
});

test('close() also clears a pending exposure retry', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  srv.state.exposureMode = '500';
  await sleep(20);
  const before = timers();
  t.mock.method(Math, 'random', () => 0.5); // the retry in 30 s, not by chance within the test
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, retryDelay: 60_000 });
  client.create('Split', ctx('1'));
  await client.flush();
  assert.equal(srv.state.exposureRequests.length, 1);
  assert.equal(timers(), before + 1, 'the retry waits on a timer');
  await client.close(); // sends once more (503 again): no new retry after close
  assert.equal(srv.state.exposureRequests.length, 2);
  assert.equal(timers(), before);
});

/** Runs `code` in a child Node process; resolves with its exit code, or 'hung'. */
function run(code, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: fileURLToPath(new URL('../../..', import.meta.url)), env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => (child.kill(), resolve('hung')), 8000);
    child.on('exit', (code) => (clearTimeout(timer), resolve(code)));
  });
}

const script = (close) => `
  import { createClient } from 'feats-edge';
  const client = await createClient({ snapshotUrl: process.env.SNAPSHOT, exposureUrl: process.env.EXPOSURES,
    refreshInterval: 20, flushInterval: 20, timeout: 5000 }); // resolves at the load: a loaded machine may need seconds
  if (client.revision !== 'r1') process.exit(3);
  client.create('Split', { user: { id: '1' } });
  await client.flush();
  await new Promise((r) => setTimeout(r, 100));
  ${close ? 'await client.close();' : ''}
`;

test('a Node process exits on its own, with or without close()', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const env = { SNAPSHOT: srv.snapshotUrl, EXPOSURES: srv.exposureUrl };
  assert.equal(await run(script(true), env), 0);
  assert.equal(await run(script(false), env), 0);
  assert.ok(srv.accepted().length >= 2);
});

test('a client whose snapshot server hangs lets the process exit after close()', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.mode = 'hang';
  t.after(() => srv.close());
  const code = `
    import { createClient } from 'feats-edge';
    const client = await createClient({ snapshotUrl: process.env.SNAPSHOT, timeout: 50 });
    if (client.revision !== null) process.exit(3);
    client.close();
  `;
  assert.equal(await run(code, { SNAPSHOT: srv.snapshotUrl }), 0);
});
