// The README's Node shutdown pattern, in a process of its own: exposures
// still queued at SIGTERM reach the server when the handler closes the
// client, and are lost when nothing does (Node ends without waiting).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startServer, until } from '../helpers/server.js';
import { snapshot } from '../helpers/snapshot.js';

const script = (closeOnSigterm) => `
  import { createClient } from 'feats-edge';
  const client = await createClient({ snapshotUrl: process.env.SNAPSHOT_URL, exposureUrl: process.env.EXPOSURE_URL });
  ${closeOnSigterm ? 'process.once("SIGTERM", async () => { await client.close(); process.exit(0); });' : 'process.once("SIGTERM", () => process.exit(0));'}
  client.create('Split', { user: { id: 'leaving', country: 'CA' } });
  console.log('ready');
  setInterval(() => {}, 1000); // a server's own work keeps it running
`;

for (const [closes, want] of [[true, 1], [false, 0]]) {
  test(`SIGTERM ${closes ? 'with' : 'without'} client.close(): ${want} of 1 queued exposure arrives`, async (t) => {
    const srv = await startServer({ snapshot: snapshot('r1') });
    t.after(() => srv.close());
    const child = spawn(process.execPath, ['--input-type=module', '-e', script(closes)], {
      cwd: new URL('../../../', import.meta.url), env: { ...process.env, SNAPSHOT_URL: srv.snapshotUrl, EXPOSURE_URL: srv.exposureUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await until(() => out.includes('ready'), 5000, 'the process ready');
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(srv.accepted().length, want);
  });
}

// The README's recipe for an HTTP server: stop taking requests, let those
// under way finish with the client's flags, then close the client. Closed
// at once instead, a request under way would find no snapshot and report
// nothing.
const serving = `
  import { createServer } from 'node:http';
  import { createClient } from 'feats-edge';
  const client = await createClient({ snapshotUrl: process.env.SNAPSHOT_URL, exposureUrl: process.env.EXPOSURE_URL });
  const server = createServer(async (req, res) => {
    const context = { user: { id: req.url.slice(1), country: 'CA' } };
    const chosen = client.findImplementation('Split', context);
    console.log('handling');
    await new Promise((r) => setTimeout(r, 300)); // the request's own work
    client.usedImplementation('Split', chosen, context);
    res.end(String(chosen));
  }).listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
  process.once("SIGTERM", () => server.close(async () => {   // requests under way finish with the flags
    await client.close();                                     // then what waits is sent
    process.exit(0);
  }));
`;

test('SIGTERM while a request is under way, with the README\'s server recipe: it finishes with the flags, and its exposure arrives', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const child = spawn(process.execPath, ['--input-type=module', '-e', serving], {
    cwd: new URL('../../../', import.meta.url), env: { ...process.env, SNAPSHOT_URL: srv.snapshotUrl, EXPOSURE_URL: srv.exposureUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const port = (await until(() => /port (\d+)/.exec(out), 5000, 'the server listening'))[1];
  const answer = fetch(`http://127.0.0.1:${port}/draining`).then((r) => r.text());
  await until(() => out.includes('handling'), 5000, 'the request under way');
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  const chosen = await answer;
  assert.ok(chosen === 'on' || chosen === 'off', `the request under way chose ${chosen}`);
  assert.equal(await exited, 0);
  assert.deepEqual(srv.accepted().map((e) => [e.unit?.value, e.implementation]), [['draining', chosen]]);
});
