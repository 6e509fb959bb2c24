// The edge worker's limits (www/edge/worker.js under workerd, against an
// origin on 127.0.0.1): OFREP bodies over 64 KiB are refused with a 400
// whether or not they say their length, the bulk ETag does not depend on
// parts of the context no rule reads, and /exposures takes only JSON from
// its own origin and relays only the SPEC's fields of events for features
// and implementations the snapshot has.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { root, until, startOrigin, startEdge } from '../helpers/runtimes.js';

const good = readFileSync(join(root, 'www/edge/snapshot.json'), 'utf8');
const LIMIT = 64 * 1024;
let origin, edge;

before(async () => {
  origin = await startOrigin(good, '"v1"');
  edge = await startEdge(origin);
});
after(async () => {
  await edge?.stop();
  await origin?.close();
});

/** A body of exactly `bytes` bytes: a context with a padding input no rule reads. */
const contextBody = (bytes, context = { user: { id: 'u-1' } }) => {
  const empty = JSON.stringify({ context: { ...context, pad: '' } });
  return JSON.stringify({ context: { ...context, pad: 'x'.repeat(bytes - empty.length) } });
};
/** `text` as a stream: sent chunked, with no Content-Length. */
const streamOf = (text, chunk = 8192) => {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, (at += chunk)));
    },
  });
};
/**
 * POSTs `body` with node:http (a Content-Length, or chunked) and resolves
 * with the answer even when the worker answers before the body is all sent
 * and drops the connection (fetch would fail on the write). A connection
 * dropped before any answer: {status: 0, error}.
 */
function rawPost(path, body, { chunked = false, chunk = 65536, headers = {} } = {}) {
  return new Promise((resolve) => {
    const bytes = Buffer.from(body);
    let answered = false;
    const req = request(`${edge.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers, ...(chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': bytes.length }) },
    }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      const done = () => resolve({ status: res.statusCode, headers: res.headers, text });
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', (error) => answered || resolve({ status: 0, error: error.code }));
    for (let at = 0; at < bytes.length; at += chunk) req.write(bytes.subarray(at, at + chunk));
    req.end();
  });
}
const post = (path, body, headers = {}) => fetch(`${edge.url}${path}`, {
  method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body,
  ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
});

test('OFREP: a body over 64 KiB is a 400 INVALID_CONTEXT (what OFREP providers read), with a Content-Length or chunked; one at the limit is answered', async () => {
  for (const path of ['/ofrep/v1/evaluate/flags', '/ofrep/v1/evaluate/flags/Chat']) {
    const at = contextBody(LIMIT);
    assert.equal(new TextEncoder().encode(at).length, LIMIT);
    const ok = await post(path, at);
    assert.equal(ok.status, 200, `${path} at the limit: ${await ok.clone().text()}`);
    await ok.arrayBuffer();
    for (const [how, body, chunked] of [
      ['one byte over, with a Content-Length', contextBody(LIMIT + 1), false],
      ['10 MB, with a Content-Length', contextBody(10e6), false],
      ['one byte over, chunked', contextBody(LIMIT + 1), true],
      ['1 MB, chunked', contextBody(1e6), true],
      ['10 MB, chunked', contextBody(10e6), true],
    ]) {
      const res = await rawPost(path, body, { chunked });
      // The worker does not read a large body to its end: its connection
      // may close while the client is still sending, before it reads the 400
      // (seen at 1 MB chunked as well as 10 MB). A body one byte over fits
      // in the socket's buffers: that one's 400 is always read.
      if (res.status === 0 && !how.startsWith('one byte over')) {
        assert.match(res.error, /^(EPIPE|ECONNRESET)$/, how);
        continue;
      }
      assert.equal(res.status, 400, `${path}, ${how}: ${res.error ?? res.text.slice(0, 200)}`);
      assert.match(res.headers['content-type'], /^application\/json/);
      assert.equal(res.headers['access-control-allow-origin'], '*', 'readable from other origins, like every OFREP answer');
      const err = JSON.parse(res.text);
      assert.equal(err.errorCode, 'INVALID_CONTEXT', how);
      assert.match(err.errorDetails, /65536 bytes/);
      if (path.endsWith('/Chat')) assert.deepEqual(Object.keys(err), ['key', 'errorCode', 'errorDetails']);
      assert.equal(err.key, path.endsWith('/Chat') ? 'Chat' : undefined);
    }
    // A chunked body under the limit is read whole.
    const chunked = await post(path, streamOf(contextBody(LIMIT - 10), 1000));
    assert.equal(chunked.status, 200, path);
    await chunked.arrayBuffer();
  }
  // The worker goes on answering.
  const after = await post('/ofrep/v1/evaluate/flags', '{"context": {}}');
  assert.equal(after.status, 200);
  await after.arrayBuffer();
  assert.doesNotMatch(edge.log(), /Uncaught/);
});

test('OFREP bulk: the ETag hashes the revision and the answer, so parts of the context no rule reads do not change it', async () => {
  const etagOf = async (context, headers) => {
    const res = await post('/ofrep/v1/evaluate/flags', JSON.stringify({ context }), headers);
    await res.arrayBuffer();
    return [res.status, res.headers.get('ETag')];
  };
  const [, etag] = await etagOf({ user: { id: 'u-9' } });
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  const [, same] = await etagOf({ user: { id: 'u-9', plan: 'pro' }, noise: { a: [1, 2, 3] } });
  assert.equal(same, etag, 'the same answer: the same ETag');
  assert.deepEqual(await etagOf({ noise: 'x'.repeat(1000), user: { id: 'u-9' } }, { 'If-None-Match': etag }), [304, etag]);
  const [status, other] = await etagOf({ user: { id: 'u-10' } }, { 'If-None-Match': etag });
  assert.equal(status, 200, 'another answer is sent');
  assert.notEqual(other, etag);
});

/** An exposure event as the page's client sends it. */
const event = (unit, over = {}) => ({
  feature: 'ListStyle', implementation: 'cards', reason: 'SPLIT', rule: 1, experiment: null,
  unit: { segment: 'UserId', value: unit }, revision: 'edge-1', timestamp: '2026-11-22T10:00:00.000Z', ...over,
});
const relayed = (prefix) => origin.exposures.filter((e) => typeof e?.unit?.value === 'string' && e.unit.value.startsWith(prefix));

test('/exposures: only application/json (415), only from the worker\'s own origin (403); no preflight is granted', async () => {
  const body = JSON.stringify({ events: [event('gate-refused')] });
  const posts = origin.exposurePosts;
  for (const [headers, status] of [
    [{ 'Content-Type': 'text/plain' }, 415],
    [{ 'Content-Type': 'text/plain;charset=UTF-8' }, 415],
    [{ 'Content-Type': 'application/x-www-form-urlencoded' }, 415],
    [{ 'Content-Type': 'multipart/form-data; boundary=x' }, 415],
    [{ 'Content-Type': 'application/json', Origin: 'https://evil.example' }, 403],
    [{ 'Content-Type': 'text/plain', Origin: 'https://evil.example' }, 403],
    [{ 'Content-Type': 'application/json', Origin: 'null' }, 403],
  ]) {
    const res = await post('/exposures', body, headers);
    assert.equal(res.status, status, JSON.stringify(headers));
    assert.equal(res.headers.get('Access-Control-Allow-Origin'), null);
    await res.arrayBuffer();
  }
  // A page on another origin needs a preflight for application/json: not granted.
  const pre = await fetch(`${edge.url}/exposures`, {
    method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
  });
  assert.equal(pre.headers.get('Access-Control-Allow-Origin'), null);
  assert.notEqual(pre.status, 204);
  // The worker's own origin, and no Origin at all (not a browser), are taken.
  for (const [unit, headers] of [['gate-own', { Origin: edge.url }], ['gate-none', {}], ['gate-charset', { 'Content-Type': 'application/json; charset=utf-8' }]]) {
    const res = await post('/exposures', JSON.stringify({ events: [event(unit)] }), headers);
    assert.equal(res.status, 204, unit);
    assert.equal(res.headers.get('Feats-Accepted'), '1');
  }
  assert.ok(await until(() => relayed('gate-').length === 3), JSON.stringify(relayed('gate-')));
  assert.deepEqual(relayed('gate-').map((e) => e.unit.value).sort(), ['gate-charset', 'gate-none', 'gate-own']);
  assert.ok(origin.exposurePosts >= posts + 1);
});

test('/exposures: only events for the snapshot\'s features and implementations, with only the SPEC\'s fields, are relayed', async () => {
  const long = 'x'.repeat(257);
  const keep = [
    event('shape-keep-1'),
    event('shape-keep-2', { feature: 'Chat', implementation: 'true', reason: 'TARGETING_MATCH', rule: 0 }),
    event('shape-keep-3', { feature: 'Headline', implementation: 'urgent', experiment: 'headline-2026', rule: 0 }),
    { ...event('shape-keep-4'), extra: 'dropped', unit: { segment: 'UserId', value: 'shape-keep-4', email: 'a@b.c' }, stickyKey: 'k' },
    event('shape-keep-5', { reason: 'DEFAULT', rule: null, unit: null, feature: 'Headline', implementation: 'plain' }),
  ];
  const drop = [
    null, 1, 'text', [], [event('shape-drop-array')],
    event('shape-drop-feature', { feature: 'Nope' }),
    event('shape-drop-impl', { implementation: 'nope' }),
    event('shape-drop-impl2', { feature: 'Chat', implementation: 'cards' }),
    event('shape-drop-proto', { feature: '__proto__' }),
    event('shape-drop-bool', { feature: 'Chat', implementation: true }),
    event('shape-drop-reason', { reason: 7 }),
    event('shape-drop-rule', { rule: '1' }),
    event('shape-drop-rule2', { rule: -1 }),
    event('shape-drop-rule3', { rule: 1.5 }),
    event('shape-drop-experiment', { experiment: {} }),
    event('shape-drop-unit', { unit: { segment: 'UserId', value: 42 } }),
    event('shape-drop-unit2', { unit: 'shape-drop-unit2' }),
    event('shape-drop-revision', { revision: 7 }), // (null is kept: a use before any snapshot loaded)
    event('shape-drop-time', { timestamp: 'yesterday' }),
    event('shape-drop-long', { reason: long }),
    event('shape-drop-long2', { revision: long }),
    event(`shape-drop-long3${long}`),
    (({ experiment, ...e }) => e)(event('shape-drop-missing')),
  ];
  const mixed = [drop[0], keep[0], ...drop.slice(1, 10), keep[1], keep[2], ...drop.slice(10), keep[3], keep[4]];
  const res = await post('/exposures', JSON.stringify({ events: mixed }));
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('Feats-Accepted'), String(keep.length));
  assert.ok(await until(() => relayed('shape-keep-').length === 4), JSON.stringify(origin.exposures.slice(-10)));
  const byUnit = (v) => origin.exposures.find((e) => e?.unit?.value === v);
  assert.deepEqual(byUnit('shape-keep-1'), keep[0]);
  assert.deepEqual(byUnit('shape-keep-2'), keep[1]);
  assert.deepEqual(byUnit('shape-keep-3'), keep[2]);
  assert.deepEqual(byUnit('shape-keep-4'), event('shape-keep-4'), 'fields beyond the SPEC\'s are dropped, in the unit too');
  assert.deepEqual(Object.keys(byUnit('shape-keep-4')), ['feature', 'implementation', 'reason', 'rule', 'experiment', 'unit', 'revision', 'timestamp']);
  assert.ok(origin.exposures.some((e) => e?.feature === 'Headline' && e.implementation === 'plain' && e.unit === null && e.reason === 'DEFAULT'));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(relayed('shape-drop'), [], 'nothing that was refused reached the sink');
  assert.ok(!origin.exposures.some((e) => e === null || typeof e !== 'object' || Array.isArray(e)));

  // A batch with nothing worth keeping is answered, and nothing is posted.
  const posts = origin.exposurePosts;
  const none = await post('/exposures', JSON.stringify({ events: drop }));
  assert.equal(none.status, 204);
  assert.equal(none.headers.get('Feats-Accepted'), '0');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(origin.exposurePosts, posts);
});

test('/exposures: a batch over 1 MiB is a 413, chunked or not, and so is one of more than 1000 events', async () => {
  const big = JSON.stringify({ events: [event('size-big', { reason: 'x'.repeat(1 << 20) })] });
  // The 413 may come while the body is still being written: the socket is
  // then closed under the writer (EPIPE or ECONNRESET).
  const refused = (r) => r.status === 413 || /^(EPIPE|ECONNRESET)$/.test(r.error);
  for (const chunked of [false, true]) {
    const r = await rawPost('/exposures', big, { chunked });
    assert.ok(refused(r), JSON.stringify({ chunked, ...r }));
  }
  const many = JSON.stringify({ events: Array.from({ length: 1001 }, (_, i) => event(`size-many-${i}`)) });
  assert.equal((await post('/exposures', many)).status, 413);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(relayed('size-'), []);
  assert.doesNotMatch(edge.log(), /Uncaught/);
});
