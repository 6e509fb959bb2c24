// The edge worker (www/edge/) and the README's Worker pattern under workerd
// when the snapshot origin or the exposure sink fails: nothing reported is
// lost or sent twice, and a failing origin or sink is not asked once per
// request. Each case starts a workerd of its own, so its isolate starts empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, until, gate, startOrigin, startEdge, startTestWorker } from '../helpers/runtimes.js';

const good = readFileSync(join(root, 'www/edge/snapshot.json'), 'utf8');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** An origin and an edge worker for one test, stopped after it. */
async function edgeWith(t, setup = () => {}, options = {}) {
  const origin = await startOrigin(good, '"v1"');
  // Closed even when the edge fails to start (else the file never ends).
  let edge;
  t.after(async () => {
    await edge?.stop();
    await origin.close();
  });
  setup(origin);
  edge = await startEdge(origin, options);
  return { origin, edge };
}

const page = async (edge, uid) => (await fetch(`${edge.url}/`, { headers: { Cookie: `uid=${uid}` } })).status;
const headlines = (origin, uid) => origin.exposures.filter((e) => e.feature === 'Headline' && e.unit?.value === uid);
const event = (uid) => ({ feature: 'ListStyle', implementation: 'cards', reason: 'SPLIT', rule: 1, experiment: null,
  unit: { segment: 'UserId', value: uid }, revision: 'edge-1', timestamp: new Date().toISOString() });
const relay = (edge, body, type = 'application/json') =>
  fetch(`${edge.url}/exposures`, { method: 'POST', headers: { 'Content-Type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });

test('the relay passes a failing sink on (503), so the page\'s client keeps the batch; a refusal (4xx) too', async (t) => {
  const { origin, edge } = await edgeWith(t);
  assert.equal(await page(edge, 'warm'), 200);
  origin.exposureFailWith = 503;
  const failed = await relay(edge, { events: [event('r-1')] });
  assert.equal(failed.status, 503, edge.log());
  assert.ok(failed.headers.get('Retry-After'));
  origin.exposureFailWith = 400;
  assert.equal((await relay(edge, { events: [event('r-2')] })).status, 400);
  // A status with no meaning for a POST (a 304 made the worker throw) is a bad gateway.
  origin.exposureFailWith = 304;
  assert.equal((await relay(edge, { events: [event('r-3')] })).status, 502);
  assert.doesNotMatch(edge.log(), /Uncaught|Invalid response status/);
  origin.exposureFailWith = 0;
  // A use before any snapshot loaded (revision null) is relayed too.
  const early = await relay(edge, { events: [{ ...event('r-4'), reason: 'ERROR', rule: null, unit: null, revision: null }] });
  assert.equal(early.headers.get('Feats-Accepted'), '1');
  const ok = await relay(edge, { events: [event('r-1')] }); // the client's retry
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('Feats-Accepted'), '1');
  assert.deepEqual(origin.exposures.filter((e) => e.feature === 'ListStyle').map((e) => e.unit?.value ?? null), [null, 'r-1']);
  // The type is checked before the body is read.
  assert.equal((await relay(edge, 'hello', 'text/plain')).status, 415);
});

test('an origin without ETags: the same snapshot again is no new snapshot, and nothing is reported twice', async (t) => {
  const { origin, edge } = await edgeWith(t, (o) => (o.noEtag = true), { revalidateMs: 0 });
  for (let i = 0; i < 5; i++) {
    assert.equal(await page(edge, 'alice'), 200);
    // The first page's fetch loads the snapshot; each later page revalidates it after its response.
    assert.ok(await until(() => origin.fetches.length === i + 1, 2000, 10), `${origin.fetches.length} fetches after ${i + 1} pages`);
  }
  assert.ok(await until(() => headlines(origin, 'alice').length > 0, 3000), edge.log());
  await sleep(300);
  assert.equal(headlines(origin, 'alice').length, 1, JSON.stringify(headlines(origin, 'alice')));
});

test('a snapshot swapped while the sink fails: the old snapshot\'s exposures are sent once the sink is back', async (t) => {
  const { origin, edge } = await edgeWith(t, () => {}, { revalidateMs: 0 });
  assert.equal(await page(edge, 'warm'), 200);
  assert.ok(await until(() => headlines(origin, 'warm').length === 1, 3000));
  origin.exposureFailWith = 503;
  assert.equal(await page(edge, 'dave'), 200);
  // A new revision: the page that notices it swaps the snapshot (and its client) after its response.
  origin.snapshot = good.replace('"edge-1"', '"edge-2"');
  origin.etag = '"v2"';
  assert.ok(await until(async () => {
    const html = await (await fetch(`${edge.url}/`, { headers: { Cookie: 'uid=erin' } })).text();
    return html.includes('edge-2');
  }, 5000, 50), 'the edge took edge-2');
  origin.exposureFailWith = 0;
  for (const uid of ['f1', 'f2', 'f3']) assert.equal(await page(edge, uid), 200);
  // No timer runs between requests in Workers: later requests flush what
  // waits, once its backoff has passed. The backoff doubles with each
  // failure and is drawn at random below that, up to 60 s: the wait covers
  // the longest, as a slow machine's longer failing phase may draw it.
  let n = 0;
  assert.ok(await until(async () => (await page(edge, `later-${n++}`), ['dave', 'erin', 'f1', 'f2', 'f3'].every((u) => headlines(origin, u).length)), 75_000, 200),
    JSON.stringify(origin.exposures.map((e) => e.unit?.value)));
  await sleep(300);
  // Once per unit and snapshot (erin's pages were served by both revisions).
  for (const u of ['warm', 'dave', 'erin', 'f1', 'f2', 'f3']) {
    const revisions = headlines(origin, u).map((e) => e.revision);
    assert.deepEqual(revisions, [...new Set(revisions)], u);
  }
  assert.deepEqual(headlines(origin, 'dave')[0].revision, 'edge-1');
});

test('a cold edge whose origin fails asks it once per backoff step, not once per request', async (t) => {
  const { origin, edge } = await edgeWith(t, (o) => (o.failWith = 500));
  for (let i = 0; i < 40; i++) {
    const res = await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 500);
    await res.text();
  }
  assert.ok(origin.fetches.length <= 4, `${origin.fetches.length} fetches for 40 requests`);
  origin.failWith = 0;
  // Served again once the backoff (at most 2 s after three failures) has passed.
  assert.ok(await until(async () => (await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body: '{}' })).status === 200, 10000, 200), edge.log());
});

test('a burst of requests on a cold edge makes one fetch: they wait for it, and its failure is one step of the backoff', async (t) => {
  const { origin, edge } = await edgeWith(t, (o) => (o.failWith = 503));
  let held = gate();
  origin.snapshotGate = held.promise;
  const ask = () => fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body: '{}' });
  const burst = Array.from({ length: 12 }, ask);
  assert.ok(await until(() => origin.snapshotArrivals >= 1, 10000, 20));
  await sleep(300); // (the burst's other requests have arrived and wait)
  assert.equal(origin.snapshotArrivals, 1, 'one fetch for the burst');
  held.open();
  for (const res of await Promise.all(burst)) {
    assert.equal(res.status, 500);
    // The one failure: the origin is asked again in a second, not 30.
    assert.equal((await res.text(), res.headers.get('Retry-After')), '1', edge.log());
  }
  // Back: a burst again waits for one fetch, and every request is served.
  origin.failWith = 0;
  await sleep(1100);
  held = gate();
  origin.snapshotGate = held.promise;
  const again = Array.from({ length: 12 }, ask);
  assert.ok(await until(() => origin.snapshotArrivals >= 2, 10000, 20));
  await sleep(300);
  held.open();
  for (const res of await Promise.all(again)) assert.equal((await res.text(), res.status), 200, edge.log());
  assert.equal(origin.snapshotArrivals, 2, JSON.stringify(origin.fetches));
});

test('a cold edge says when the origin is asked again (OFREP: a 500 with OFREP\'s error body; the page and the relay: a 503); an origin\'s Retry-After of 0 still waits a second, one of 20 is followed', async (t) => {
  const { origin, edge } = await edgeWith(t, (o) => {
    o.failWith = 503;
    o.failRetryAfter = '0';
  });
  const ask = () => fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body: '{}' });
  const start = Date.now();
  const first = await ask();
  assert.equal(first.status, 500);
  assert.equal(first.headers.get('Retry-After'), '1');
  assert.deepEqual(await first.json(), { errorCode: 'GENERAL', errorDetails: 'PROVIDER_NOT_READY: no snapshot could be loaded from the origin' });
  const one = await fetch(`${edge.url}/ofrep/v1/evaluate/flags/Headline`, { method: 'POST', body: '{}' });
  assert.deepEqual([one.status, await one.json()], [500, { key: 'Headline', errorCode: 'GENERAL', errorDetails: 'PROVIDER_NOT_READY: no snapshot could be loaded from the origin' }]);
  for (let i = 0; i < 20 && Date.now() - start < 800; i++) assert.equal((await ask()).status, 500);
  // Within the second, one fetch (a slow machine may reach a second one).
  if (Date.now() - start < 900) assert.equal(origin.fetches.length, 1, JSON.stringify(origin.fetches));
  // Past that second the origin is asked again, and now says 20 s: the
  // worker waits that long, and its answers say what is left of it.
  origin.failRetryAfter = '20';
  assert.ok(await until(async () => (await (await ask()).text(), origin.fetches.length >= 2), 5000, 100), edge.log());
  const later = await ask();
  assert.equal(later.status, 500);
  const left = Number(later.headers.get('Retry-After'));
  assert.ok(left >= 15 && left <= 20, `Retry-After: ${left}`);
  const home = fetch(`${edge.url}/`, { headers: { Cookie: 'uid=cold' } });
  for (const [res, status] of (await Promise.all([ask(), home, relay(edge, { events: [event('c-1')] })])).map((r, i) => [r, i ? 503 : 500])) {
    assert.equal(res.status, status);
    assert.ok(Number(res.headers.get('Retry-After')) >= 15, res.headers.get('Retry-After'));
  }
  assert.equal(origin.fetches.length, 2);
});

test('OFREP: an empty body is no context; a null user or an empty targetingKey as OFREP clients send them', async (t) => {
  const { edge } = await edgeWith(t);
  const flags = async (body) => {
    const res = await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body });
    assert.equal(res.status, 200, body);
    return (await res.json()).flags.map((f) => f.variant).join();
  };
  assert.equal(await flags(''), await flags('{}'));
  // The Headline experiment is by UserId: a null user id is filled by the targetingKey like a missing one.
  const ids = Array.from({ length: 20 }, (_, i) => `tk-${i}`);
  for (const id of ids) {
    assert.equal(await flags(JSON.stringify({ context: { targetingKey: id, user: null } })), await flags(JSON.stringify({ context: { targetingKey: id } })), id);
    assert.equal(await flags(JSON.stringify({ context: { targetingKey: id, user: { id: null } } })), await flags(JSON.stringify({ context: { targetingKey: id } })), id);
  }
  // An empty targetingKey is no unit.
  assert.equal(await flags('{"context": {"targetingKey": ""}}'), await flags('{}'));
});

test('the README\'s Worker pattern: a failing sink is not asked once per request, and nothing is lost or sent twice', async (t) => {
  const snapshot = JSON.stringify({
    schema: 1, revision: 'o-1', segments: { UserId: { from: { user: '{id}' } } },
    features: { Checkout: { inputs: ['user'], implementations: ['classic', 'onepage'], default: 'classic',
      rules: [{ split: { by: 'UserId', weights: { classic: 50, onepage: 50 } } }] } },
  });
  const origin = await startOrigin(snapshot, '"o1"');
  const worker = await startTestWorker(join(root, 'tests/js/workerd/readme-worker.js'), {
    bindings: { SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures`, REFRESH_MS: 60000 },
  });
  t.after(async () => {
    await worker.stop();
    await origin.close();
  });
  const ask = async (u) => (await fetch(`${worker.url}/?user=${u}`)).text();
  const of = (u) => origin.exposures.filter((e) => e.unit?.value === u);
  await ask('first');
  assert.ok(await until(() => of('first').length === 1, 3000));
  origin.exposureFailWith = 500;
  const posts = origin.exposurePosts;
  const users = Array.from({ length: 40 }, (_, i) => `u-${i}`);
  for (const u of users) await ask(u);
  await sleep(200);
  assert.ok(origin.exposurePosts - posts <= 10, `${origin.exposurePosts - posts} POSTs to a failing sink for 40 requests`);
  origin.exposureFailWith = 0;
  // Later requests flush once the backoff has passed: every user arrives.
  // (The backoff is drawn at random up to 60 s, doubling with each failure:
  // the wait covers the longest.)
  assert.ok(await until(async () => (await ask('later'), users.every((u) => of(u).length)), 75_000, 250),
    `${users.filter((u) => !of(u).length).length} users missing`);
  await sleep(300);
  for (const u of ['first', ...users]) assert.equal(of(u).length, 1, u);
});
