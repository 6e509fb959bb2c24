// `snapshotEtag`: the ETag of a bootstrap snapshot (e.g. embedded in a
// server-rendered page), so that the first fetch revalidates it instead of
// downloading it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { startServer, until, longBackoff } from '../helpers/server.js';
import { snapshot } from '../helpers/snapshot.js';

/** A server, and a client of it with `options`; both closed after the test. */
async function setup(t, options, serverOptions = { snapshot: snapshot('r1'), etag: '"v1"' }) {
  const srv = await startServer(serverOptions);
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, retryDelay: 10, ...options });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  const errors = [], updates = [];
  client.on('error', (e) => errors.push(e));
  client.on('update', (u) => updates.push(u));
  return { srv, client, errors, updates };
}

/** The first snapshot request, once answered. */
const first = async (srv) => (await until(() => srv.state.snapshotRequests[0]?.status, 3000, 'the first request'), srv.state.snapshotRequests[0]);

test('snapshotEtag: the first request revalidates the bootstrap with If-None-Match, and a 304 keeps it', async (t) => {
  const { srv, client, errors, updates } = await setup(t, { snapshot: snapshot('r1'), snapshotEtag: '"v1"' });
  assert.equal(client.revision, 'r1');
  const req = await first(srv);
  assert.equal(req.headers['if-none-match'], '"v1"');
  assert.equal(req.status, 304);
  await client.refresh(); // the ETag is kept for the next requests
  assert.equal(srv.state.snapshotRequests[1].headers['if-none-match'], '"v1"');
  assert.equal(srv.state.snapshotRequests[1].status, 304);
  assert.deepEqual(errors, []);
  assert.deepEqual(updates, []);
  assert.equal(client.revision, 'r1');
});

test('snapshotEtag: a 200 to the first request replaces the bootstrap', async (t) => {
  const { srv, client, errors, updates } = await setup(t, { snapshot: snapshot('r1'), snapshotEtag: '"v1"' }, { snapshot: snapshot('r2'), etag: '"v2"' });
  const req = await first(srv);
  assert.equal(req.headers['if-none-match'], '"v1"');
  assert.equal(req.status, 200);
  await until(() => client.revision === 'r2', 3000, 'r2');
  assert.deepEqual(updates, [{ revision: 'r2', changed: [] }]); // (the same features)
  await client.refresh();
  assert.equal(srv.state.snapshotRequests[1].headers['if-none-match'], '"v2"');
  assert.equal(srv.state.snapshotRequests[1].status, 304);
  assert.deepEqual(errors, []);
});

test('snapshotEtag without a bootstrap snapshot is ignored: the first request fetches the snapshot', async (t) => {
  const { srv, client, errors } = await setup(t, { snapshotEtag: '"v1"' });
  const req = await first(srv);
  assert.equal(req.headers['if-none-match'], undefined);
  assert.equal(req.status, 200);
  assert.equal(client.revision, 'r1');
  assert.deepEqual(errors, []);
});

for (const [what, snapshotEtag] of [
  ['a number', 42],
  ['an object', { toString: () => '"v1"' }],
  ['an empty string', ''],
  ['a string with CR LF', '"v1"\r\nX-Injected: 1'],
]) {
  test(`snapshotEtag as ${what} (not a header value) is ignored, as if not given`, async (t) => {
    const { srv, client, errors } = await setup(t, { snapshot: snapshot('r1'), snapshotEtag });
    const req = await first(srv);
    assert.equal(req.headers['if-none-match'], undefined);
    assert.equal(req.headers['x-injected'], undefined);
    assert.equal(req.status, 200);
    assert.equal(client.revision, 'r1');
    assert.deepEqual(errors, []);
  });
}

test('an ETag of up to 1 024 characters is kept and sent back; a longer one is not', async (t) => {
  for (const [etag, kept] of [[`"${'e'.repeat(1022)}"`, true], [`"${'e'.repeat(1023)}"`, false]]) {
    const { srv, client } = await setup(t, {}, { snapshot: snapshot('r1'), etag });
    assert.equal(client.revision, 'r1');
    await client.refresh();
    const [a, b] = srv.state.snapshotRequests;
    assert.equal(a.headers['if-none-match'], undefined);
    assert.deepEqual([b.headers['if-none-match'], b.status], kept ? [etag, 304] : [undefined, 200], `an ETag of ${etag.length} characters`);
  }
});

test('snapshotEtag: a first request that fails with a 5xx or a network error keeps the ETag for the retry (outside pages: no CORS preflight to suspect), after its backoff', async (t) => {
  longBackoff(t); // (the retry a minute off, not drawn from zero up)
  for (const mode of ['500', 'drop']) {
    const { srv, client, errors } = await setup(t, { snapshot: snapshot('r1'), snapshotEtag: '"v1"', retryDelay: 60_000 }, { snapshot: snapshot('r1'), etag: '"v1"', mode });
    await until(() => errors.length, 3000, 'the failure');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(srv.state.snapshotRequests.map((r) => r.headers['if-none-match']), ['"v1"'], `${mode}: not asked again at once`);
    srv.state.mode = 'ok';
    await client.refresh();
    assert.deepEqual(srv.state.snapshotRequests.map((r) => r.headers['if-none-match']), ['"v1"', '"v1"'], mode);
    assert.deepEqual([srv.state.snapshotRequests[1].status, client.revision, client.stale], [304, 'r1', false], mode);
  }
});
