// The edge worker (www/edge/worker.js under workerd) as a platform engineer
// may misconfigure it, or an origin or sink may misbehave: each case gives a
// clear log line or answer and a documented fallback, never a silent loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, until, startOrigin, startEdge } from '../helpers/runtimes.js';

const good = readFileSync(join(root, 'www/edge/snapshot.json'), 'utf8');
const revisionOf = (text) => JSON.parse(text).revision;

/** An origin and the worker against it, stopped after the test. */
async function edgeFor(t, options = {}, snapshot = good) {
  const origin = await startOrigin(snapshot, '"v1"');
  // Closed even when the edge fails to start (else the file never ends).
  let edge;
  t.after(async () => {
    await edge?.stop();
    await origin.close();
  });
  edge = await startEdge(origin, options);
  return { origin, edge };
}
const page = (edge, init = {}) => fetch(`${edge.url}/`, { ...init, headers: { Cookie: 'uid=u-config', ...init.headers } });
const relay = (edge, events) => fetch(`${edge.url}/exposures`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ events }),
});
const event = (revision) => ({
  feature: 'ListStyle', implementation: 'cards', reason: 'SPLIT', rule: 0, experiment: null,
  unit: { segment: 'UserId', value: 'u-config' }, revision, timestamp: new Date().toISOString(),
});

test('a REVALIDATE_MS that is no number of milliseconds is the default (30 s), said once in the log (it used to stop revalidation for good)', async (t) => {
  const { edge } = await edgeFor(t, { revalidateMs: '30s' });
  for (let i = 0; i < 3; i++) assert.equal((await page(edge)).status, 200);
  await until(() => edge.log().includes('REVALIDATE_MS'), 3000);
  const said = edge.log().split('\n').filter((l) => l.includes('REVALIDATE_MS must be a number'));
  assert.equal(said.length, 1, edge.log());
  assert.match(said[0], /not "30s": revalidating every 30000 ms/);
});

test('REVALIDATE_MS not set in the environment is the default, with nothing said (workerd binds it as null)', async (t) => {
  const { edge } = await edgeFor(t, { revalidateMs: null });
  for (let i = 0; i < 3; i++) assert.equal((await page(edge)).status, 200);
  // The warning is said with the first load's revalidation deadline; give it time to appear.
  await new Promise((r) => setTimeout(r, 300));
  assert.doesNotMatch(edge.log(), /REVALIDATE_MS/);
});

test('a snapshot ETag too long to send back is not kept: a proxy refusing it cannot hold the worker on its snapshot', async (t) => {
  const long = (v) => `"${v}-${'x'.repeat(10_000)}"`;
  const { origin, edge } = await edgeFor(t, { revalidateMs: 0 });
  origin.etag = long('r1');
  origin.maxIfNoneMatch = 8000;
  const revision = async () => (await (await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body: '{}' })).json()).metadata?.revision;
  await until(async () => (await revision()) === revisionOf(good), 5000);
  const next = good.replace(`"revision": "${revisionOf(good)}"`, '"revision": "long-etag-2"');
  assert.notEqual(next, good);
  origin.snapshot = next;
  origin.etag = long('r2');
  assert.ok(await until(async () => (await revision()) === 'long-etag-2', 5000), edge.log());
  assert.deepEqual(origin.fetches.filter((f) => f.status === 431), [], 'no long If-None-Match was sent');
});

test('an exposure sink that redirects: the relay answers 502 and says why; nothing is sent on as a GET', async (t) => {
  const { origin, edge } = await edgeFor(t);
  origin.exposureFailWith = 302;
  const res = await relay(edge, [event(revisionOf(good))]);
  assert.equal(res.status, 502);
  assert.equal(origin.movedRequests, 0, 'the redirect was not followed');
  await until(() => edge.log().includes('the exposure sink redirects'), 3000);
  assert.match(edge.log(), /the exposure sink redirects \(\/moved\): exposures are not sent on/);
});

test('a snapshot is read as `feats-edge validate` reads it: one byte order mark skipped, a second refused with a log line, the last good one kept', async (t) => {
  const { origin, edge } = await edgeFor(t, { revalidateMs: 0 });
  const revision = async () => (await (await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body: '{}' })).json()).metadata?.revision;
  await until(async () => (await revision()) === revisionOf(good), 5000);
  const as = (r) => good.replace(`"revision": "${revisionOf(good)}"`, `"revision": "${r}"`);
  origin.snapshot = `\ufeff\ufeff${as('two-marks')}`;
  origin.etag = '"two-marks"';
  await revision(); // starts a revalidation
  await until(() => edge.log().includes('expected a value, found U+FEFF'), 5000);
  assert.match(edge.log(), new RegExp(`snapshot refused, keeping ${revisionOf(good)}: invalid JSON: line 1, column 1: expected a value, found U\\+FEFF`));
  assert.equal(await revision(), revisionOf(good));
  origin.snapshot = `\ufeff${as('one-mark')}`;
  origin.etag = '"one-mark"';
  assert.ok(await until(async () => (await revision()) === 'one-mark', 5000), edge.log());
});

test('a snapshot body over 16 MiB is not read further: refused with a log line, the last good one kept', async (t) => {
  const { origin, edge } = await edgeFor(t, { revalidateMs: 0 });
  assert.equal((await page(edge)).status, 200);
  origin.snapshot = ' '.repeat(17 * 1024 * 1024) + good;
  origin.etag = '"huge"';
  await page(edge); // starts a revalidation
  await until(() => edge.log().includes('over 16777216 bytes'), 10000);
  assert.match(edge.log(), new RegExp(`snapshot refused, keeping ${revisionOf(good)}: the body is over 16777216 bytes`));
  assert.equal((await page(edge)).status, 200);
});

test('HEAD / renders nothing, so it reports no exposure', async (t) => {
  const { origin, edge } = await edgeFor(t);
  for (let i = 0; i < 3; i++) assert.equal((await page(edge, { method: 'HEAD', headers: { Cookie: `uid=head-${i}` } })).status, 200);
  const res = await page(edge);
  assert.equal(res.status, 200);
  await res.text();
  await until(() => origin.exposures.length > 0, 5000);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(origin.exposures.map((e) => `${e.feature} ${e.unit?.value}`), ['Headline u-config'], 'the GET alone');
});

test('an EXPOSURE_URL that is no URL: the relay answers 500 (not a 503 that clients retry forever), said once; the worker\'s own reporting failures are logged', async (t) => {
  const { edge } = await edgeFor(t, { exposureUrl: 'not a url' });
  for (let i = 0; i < 2; i++) {
    const res = await relay(edge, [event(revisionOf(good))]);
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: 'EXPOSURE_URL is not a URL' });
  }
  assert.equal(edge.log().split('\n').filter((l) => l.includes('EXPOSURE_URL is not a URL')).length, 1);
  assert.equal((await page(edge)).status, 200); // the headline's exposure fails to go
  await until(() => edge.log().includes("reporting this worker's exposures failed"), 5000);
});

test('a TARGETING_KEY with an empty or spaced key maps nothing, said once', async (t) => {
  const { edge } = await edgeFor(t, { targetingKey: 'user..id' });
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ context: { targetingKey: 'u-1' } }),
    });
    assert.equal(res.status, 200);
  }
  await until(() => edge.log().includes('TARGETING_KEY must be'), 3000);
  assert.equal(edge.log().split('\n').filter((l) => l.includes('TARGETING_KEY must be')).length, 1);
});

test('an isolate left idle past twice REVALIDATE_MS revalidates before answering: a kill switch published meanwhile is served at once', async (t) => {
  const { origin, edge } = await edgeFor(t, { revalidateMs: 300 });
  const flags = async () => (await (await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body: '{}' })).json());
  assert.equal((await flags()).metadata?.revision, revisionOf(good));
  const killed = JSON.parse(good);
  killed.revision = 'killed-2';
  for (const f of Object.values(killed.features)) f.enabled = false;
  origin.snapshot = JSON.stringify(killed);
  origin.etag = '"v2"';
  origin.snapshotDelay = 300; // a request arrives while the revalidation is under way
  await new Promise((r) => setTimeout(r, 1000)); // idle past twice REVALIDATE_MS
  const [first, during] = await Promise.all([flags(), new Promise((r) => setTimeout(r, 100)).then(flags)]);
  assert.equal(first.metadata?.revision, 'killed-2', 'the first request after the idle spell was served the snapshot from before the kill');
  assert.equal(during.metadata?.revision, 'killed-2', 'a request during that revalidation was served the snapshot from before the kill');
  assert.ok(first.flags.every((f) => f.reason === 'DISABLED'), JSON.stringify(first.flags));
});

test('an idle isolate whose last revalidation failed answers at once: a snapshot origin that is down does not hold every request of a quiet route for 3 s', async (t) => {
  const { origin, edge } = await edgeFor(t, { revalidateMs: 300 });
  const flags = async () => (await (await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body: '{}' })).json());
  assert.equal((await flags()).metadata?.revision, revisionOf(good));
  // Idle past twice REVALIDATE_MS, the origin failing: the request waits for the failure.
  origin.failWith = 503;
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await flags()).metadata?.revision, revisionOf(good));
  await until(() => origin.fetches.at(-1)?.status === 503, 3000);
  // Idle again, the origin now hanging: answered from what the isolate holds.
  origin.failWith = 0;
  let release;
  origin.snapshotGate = new Promise((r) => (release = r));
  t.after(() => release());
  await new Promise((r) => setTimeout(r, 1000));
  const arrived = origin.snapshotArrivals;
  const answer = await Promise.race([flags().then(() => 'answered'), new Promise((r) => setTimeout(r, 1500, 'held'))]);
  assert.equal(answer, 'answered', 'held for 3 s by an origin already known to fail');
  await until(() => origin.snapshotArrivals > arrived, 3000); // its revalidation was started all the same
});
