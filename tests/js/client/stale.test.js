// Whether the snapshot a client serves is known to be the origin's: the
// `stale` event when a fetch fails or brings a snapshot that is refused,
// once per outage, `recovered` when a fetch confirms (304) or replaces it,
// and `client.stale` in between; against a real snapshot server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { recordingServer, startServer, until, longBackoff } from '../helpers/server.js';
import { snapshot } from '../helpers/snapshot.js';

const servers = [];
after(async () => {
  for (const s of servers) await s.close();
});

const CA = { user: { id: 'u1', country: 'CA' } };

/** Records the client's events in order, as [type, what came with it]. */
function record(client) {
  const log = [];
  for (const type of ['update', 'error', 'stale', 'recovered']) client.on(type, (v) => log.push([type, v]));
  return log;
}

test('stale once per outage with the error `error` got, recovered on a 304 or a snapshot that loads; the client serves throughout', async () => {
  const srv = await startServer({ snapshot: snapshot('r1'), etag: '"v1"' });
  servers.push(srv);
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, flushInterval: 0, retryDelay: 60_000 });
  const log = record(client);
  assert.equal(client.stale, false);

  // A 500, then a dropped connection: one `stale`, with the first error.
  srv.state.mode = '500';
  await client.refresh();
  srv.state.mode = 'drop';
  await client.refresh();
  assert.deepEqual(log.map(([t]) => t), ['error', 'stale', 'error']);
  assert.equal(log[1][1], log[0][1], 'the same error as `error`');
  assert.match(log[1][1].message, /answered 500/);
  assert.equal(client.stale, true);
  assert.equal(client.findImplementation('PaymentProcessor', CA), 'premium');

  // A 304 confirms what is served.
  log.length = 0;
  srv.state.mode = 'ok';
  await client.refresh();
  assert.deepEqual(srv.state.snapshotRequests.at(-1).status, 304);
  assert.deepEqual(log, [['recovered', { revision: 'r1' }]]);
  assert.equal(client.stale, false);
  // Another 304 says nothing.
  await client.refresh();
  assert.deepEqual(log.length, 1);

  // A snapshot that is refused: stale with the refusal, r1 still served.
  log.length = 0;
  srv.state.mode = 'html';
  await client.refresh();
  assert.deepEqual(log.map(([t]) => t), ['error', 'stale']);
  assert.equal(log[1][1], log[0][1]);
  assert.equal(log[1][1].name, 'SnapshotError');
  assert.equal(client.revision, 'r1');
  assert.equal(client.stale, true);

  // A new snapshot: its update, then recovered.
  log.length = 0;
  srv.state.mode = 'ok';
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"v2"';
  await client.refresh();
  assert.deepEqual(log.map(([t, v]) => [t, v.revision]), [['update', 'r2'], ['recovered', 'r2']]);
  assert.equal(client.stale, false);

  // A 429 and a 404 are failures too; closing ends it without a `recovered`.
  log.length = 0;
  srv.state.mode = '429';
  await client.refresh();
  assert.deepEqual(log.map(([t]) => t), ['error', 'stale']);
  assert.equal(log[1][1].status, 429);
  srv.state.mode = '404';
  await client.refresh();
  assert.equal(client.stale, true);
  await client.close();
  assert.equal(client.stale, false);
  assert.deepEqual(log.map(([t]) => t), ['error', 'stale', 'error']);
});

test('with nothing served, a failed fetch is an error and nothing is stale; the first snapshot is an update, not a recovery', async () => {
  const srv = await startServer({ snapshot: snapshot('r1'), etag: '"v1"', mode: '500' });
  servers.push(srv);
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, flushInterval: 0, timeout: 100, retryDelay: 60_000 });
  const log = record(client);
  await client.refresh();
  assert.equal(client.revision, null);
  assert.equal(client.stale, false);
  srv.state.mode = 'ok';
  await client.refresh();
  assert.equal(client.revision, 'r1');
  assert.deepEqual(log.filter(([t]) => t != 'error').map(([t]) => t), ['update']);
  assert.ok(log.some(([t]) => t == 'error'), 'the failures were errors');
  await client.close();
});

test('a bootstrap snapshot whose first fetch fails is stale at once', async () => {
  const srv = await startServer({ snapshot: snapshot('r1'), etag: '"v1"', mode: '500' });
  servers.push(srv);
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, snapshot: snapshot('r0'), refreshInterval: 0, flushInterval: 0, retryDelay: 60_000 });
  const log = record(client);
  await client.refresh();
  assert.equal(client.revision, 'r0');
  assert.equal(client.stale, true);
  srv.state.mode = 'ok';
  await client.refresh();
  assert.deepEqual(log.filter(([t]) => t == 'update' || t == 'recovered').map(([t, v]) => [t, v.revision]), [['update', 'r1'], ['recovered', 'r1']]);
  await client.close();
});

test('a fetch overtaken by a later one whose answer was taken says nothing stale when it fails: what the later one said stands', async (t) => {
  longBackoff(t); // (no retry of the 500 among the fetches the test answers)
  // Snapshot fetches answered by hand, in the order the test chooses.
  const pending = [];
  const fetch = (_u, init) => new Promise((resolve, reject) => pending.push({ resolve, reject, inm: new Headers(init.headers).get('If-None-Match') }));
  const answer = (status, body = null) => new Response(body, { status, headers: { ETag: '"v1"' } });
  const created = createClient({ snapshotUrl: 'http://snapshots.test/s.json', fetch, refreshInterval: 0, flushInterval: 0, retryDelay: 60_000 });
  await until(() => pending.length == 1, 3000, 'the first fetch');
  pending.shift().resolve(answer(200, JSON.stringify(snapshot('r1'))));
  const client = await created;
  const log = record(client);
  // A slow fetch, then one started after it that is answered first (a 304).
  const slow = client.refresh(), fast = client.refresh();
  await until(() => pending.length == 2, 3000, 'both fetches');
  const [first, second] = pending.splice(0);
  assert.equal(second.inm, '"v1"');
  second.resolve(answer(304));
  await fast;
  // The slow one fails after: an error, but the snapshot was just confirmed.
  first.reject(new TypeError('fetch failed'));
  await slow;
  assert.deepEqual(log.map(([t]) => t), ['error']);
  assert.equal(client.stale, false);
  // Stale, then the same overtaken the other way round: still stale, recovered once.
  client.refresh();
  await until(() => pending.length == 1, 3000, 'a fetch');
  pending.shift().resolve(answer(500, 'oops'));
  await until(() => client.stale, 3000, 'stale');
  const slow2 = client.refresh(), fast2 = client.refresh();
  await until(() => pending.length == 2, 3000, 'both fetches');
  const [first2, second2] = pending.splice(0);
  second2.resolve(answer(304));
  await fast2;
  first2.reject(new TypeError('fetch failed'));
  await slow2;
  assert.deepEqual(log.map(([t]) => t), ['error', 'error', 'stale', 'recovered', 'error']);
  assert.equal(client.stale, false);
  await client.close();
});

test('a fetch answered after a later one failed does not recover: the failure, the origin\'s later word, stands', async () => {
  // Snapshot fetches answered by hand, in the order the test chooses.
  const pending = [];
  const fetch = (_u, init) => new Promise((resolve, reject) => pending.push({ resolve, reject, inm: new Headers(init.headers).get('If-None-Match') }));
  const answer = (status, body = null, tag = '"v1"') => new Response(body, { status, headers: { ETag: tag } });
  const created = createClient({ snapshotUrl: 'http://snapshots.test/s.json', fetch, refreshInterval: 0, flushInterval: 0, retryDelay: 60_000 });
  await until(() => pending.length == 1, 3000, 'the first fetch');
  pending.shift().resolve(answer(200, JSON.stringify(snapshot('r1'))));
  const client = await created;
  const log = record(client);
  // A slow fetch (a page's revalidation), then one started after it that fails first.
  const slow = client.refresh(), fast = client.refresh();
  await until(() => pending.length == 2, 3000, 'both fetches');
  const [first, second] = pending.splice(0);
  second.resolve(answer(503, 'down'));
  await fast;
  assert.equal(client.stale, true);
  // The slow one's 304 comes after: it confirms the snapshot as it was before the failure.
  first.resolve(answer(304));
  await slow;
  assert.deepEqual(log.map(([t]) => t), ['error', 'stale']);
  assert.equal(client.stale, true);
  // The same with a new snapshot: loaded (it is newer than the one served), still stale.
  const slow2 = client.refresh(), fast2 = client.refresh();
  await until(() => pending.length == 2, 3000, 'both fetches');
  const [first2, second2] = pending.splice(0);
  second2.resolve(answer(503, 'down'));
  await fast2;
  first2.resolve(answer(200, JSON.stringify(snapshot('r2')), '"v2"'));
  await slow2;
  assert.equal(client.revision, 'r2');
  assert.deepEqual(log.map(([t]) => t), ['error', 'stale', 'error', 'update']);
  assert.equal(client.stale, true);
  // A fetch started after the failures recovers.
  client.refresh();
  await until(() => pending.length == 1, 3000, 'a fetch');
  assert.equal(pending[0].inm, '"v2"');
  pending.shift().resolve(answer(304, null, '"v2"'));
  await until(() => !client.stale, 3000, 'recovered');
  assert.deepEqual(log.map(([t]) => t), ['error', 'stale', 'error', 'update', 'recovered']);
  await client.close();
});

test('a 4xx to a conditional request, asked again at once without If-None-Match, is not stale unless that one fails too', async (t) => {
  let revision = 'r1', refuse = false;
  const origin = await recordingServer(t, (req, res) => {
    if (req.headers['if-none-match'] === '"old"') return res.writeHead(400).end('bad header');
    if (refuse) return res.writeHead(503).end('down');
    res.writeHead(200, { 'Content-Type': 'application/json', ETag: `"${revision}"` }).end(JSON.stringify(snapshot(revision)));
  });
  revision = 'r2';
  // A page rendered from an older version: its bootstrap's ETag is refused.
  const client = await createClient({ snapshotUrl: `${origin.url}/snapshot.json`, snapshot: snapshot('r1'), snapshotEtag: '"old"',
    refreshInterval: 0, flushInterval: 0, retryDelay: 60_000 });
  const log = record(client);
  await until(() => client.revision === 'r2', 3000, 'r2');
  assert.deepEqual(origin.requests.map((r) => r.headers['if-none-match']), ['"old"', undefined]);
  assert.deepEqual(log.map(([t]) => t), ['error', 'update']);
  assert.equal(client.stale, false);
  // The retry fails too: stale, with the retry's error.
  refuse = true;
  const c2 = await createClient({ snapshotUrl: `${origin.url}/snapshot.json`, snapshot: snapshot('r1'), snapshotEtag: '"old"',
    refreshInterval: 0, flushInterval: 0, retryDelay: 60_000 });
  const log2 = record(c2);
  await until(() => c2.stale, 3000, 'stale');
  assert.deepEqual(origin.requests.slice(2).map((r) => r.headers['if-none-match']), ['"old"', undefined]);
  assert.deepEqual(log2.map(([t]) => t), ['error', 'error', 'stale']);
  assert.match(log2[2][1].message, /answered 503/);
  assert.equal(c2.revision, 'r1');
  await client.close();
  await c2.close();
});
