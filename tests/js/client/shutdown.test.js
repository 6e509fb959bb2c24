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
