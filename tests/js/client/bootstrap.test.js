// `client.bootstrap()`: the loaded snapshot and its ETag as `createClient`
// takes them back, so that a server hands a page it renders the very
// snapshot its choices came from (and the page revalidates it with a 304).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, createClient } from 'feats-edge';
import { startServer, until } from '../helpers/server.js';
import { ctx, snapshot } from '../helpers/snapshot.js';

/** Every choice but the random experiment's (drawn on each call until used). */
const hashed = ({ Random, ...rest }) => (assert.ok(Random), rest);

test('bootstrap(): the fetched text and ETag; a client made from it revalidates with a 304 and chooses the same', async (t) => {
  // Served as text with its own spacing: handed on byte for byte.
  const text = JSON.stringify(snapshot('r1'), null, 1);
  const srv = await startServer({ snapshot: text, etag: '"v1"' });
  t.after(() => srv.close());
  const server = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  const boot = server.bootstrap();
  assert.deepEqual(boot, { snapshot: text, snapshotEtag: '"v1"' });

  const page = await createClient({ ...boot, snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  await until(() => srv.state.snapshotRequests[1]?.status, 3000, "the page's request");
  assert.equal(srv.state.snapshotRequests[1].headers['if-none-match'], '"v1"');
  assert.equal(srv.state.snapshotRequests[1].status, 304);
  for (let i = 0; i < 50; i++) assert.deepEqual(hashed(page.findImplementations(ctx(`u${i}`))), hashed(server.findImplementations(ctx(`u${i}`))));
  assert.equal(page.bootstrap().snapshot, text);

  // A new snapshot: the new text and ETag.
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"v2"';
  await server.refresh();
  assert.equal(server.revision, 'r2');
  assert.deepEqual(server.bootstrap(), { snapshot: JSON.stringify(snapshot('r2')), snapshotEtag: '"v2"' });
  await page.close();
  await server.close();
  assert.equal(server.bootstrap(), null);
});

test('bootstrap(): null before a snapshot loads', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1'), mode: '500' });
  t.after(() => srv.close());
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, timeout: 100, retryDelay: 60_000 });
  client.on('error', () => {});
  t.after(() => client.close());
  assert.equal(client.revision, null);
  assert.equal(client.bootstrap(), null);
});

test('bootstrap(): a snapshot given parsed or as bytes is handed on as text, without an ETag; an Engine given, not', async (t) => {
  const doc = snapshot('r3');
  const json = JSON.stringify(doc);
  const spaced = JSON.stringify(doc, null, 2);
  const engine = await createClient({ snapshot: new Engine(spaced) });
  t.after(() => engine.close());
  assert.equal(engine.revision, 'r3');
  assert.equal(engine.bootstrap(), null);
  for (const [given, want] of [
    [doc, json],
    [new TextEncoder().encode(spaced), spaced],
    [new TextEncoder().encode(spaced).buffer, spaced],
    // Bytes that are not UTF-8 read as U+FFFD, as the engine reads them.
    [new Uint8Array([...new TextEncoder().encode(json.slice(0, -1)), ...new TextEncoder().encode(',"description":"'), 0xff, 0x22, 0x7d]), `${json.slice(0, -1)},"description":"\ufffd"}`],
  ]) {
    const client = await createClient({ snapshot: given });
    t.after(() => client.close());
    const boot = client.bootstrap();
    assert.deepEqual(boot, { snapshot: want }, given?.constructor?.name);
    assert.deepEqual(client.bootstrap(), boot);
    const again = await createClient(boot);
    t.after(() => again.close());
    assert.equal(again.revision, 'r3');
    assert.deepEqual(hashed(again.findImplementations(ctx('42'))), hashed(client.findImplementations(ctx('42'))));
  }
});

test('a bootstrap object, then a fetched body that is no JSON (an HTML error page answered 200): refused and said, the bootstrap keeps serving', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1'), mode: 'html' });
  t.after(() => srv.close());
  const client = await createClient({ snapshot: snapshot('r1'), snapshotUrl: srv.snapshotUrl, refreshInterval: 0, retryDelay: 60_000 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  await until(() => errors.length, 3000, 'the refusal');
  assert.match(errors[0], /^feats-edge: the snapshot from http:\/\/127\.0\.0\.1:\d+\/snapshot\.json was refused: /);
  assert.deepEqual([client.revision, client.stale], ['r1', true]);
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');
});
