// OpenFeature's own OFREP providers against the edge worker under workerd:
// the server SDK's (one request per evaluation) and the web SDK's (bulk
// evaluation, ETag polling), as an application would set them up. Their
// answers equal the engine's in Node; a broken feature and an unknown one
// give the caller's default with OpenFeature's error codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenFeature as ServerFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature as WebFeature } from '@openfeature/web-sdk';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { Engine, createClient } from 'feats-edge';
import { FeatsEdgeProvider } from 'feats-edge/openfeature';
import { root, startOrigin, startEdge } from '../helpers/runtimes.js';

const good = readFileSync(join(root, 'www/edge/snapshot.json'), 'utf8');
// ListStyle broken (its weights add up to 110): served as a failure.
const broken = JSON.parse(good);
broken.features.ListStyle.rules[1].split.weights = { cards: 70, compact: 40 };
const engine = new Engine(JSON.stringify(broken));
let origin, edge;

before(async () => {
  origin = await startOrigin(JSON.stringify(broken), '"b1"');
  edge = await startEdge(origin);
});
after(async () => {
  await ServerFeature.close();
  await WebFeature.close();
  await edge?.stop();
  await origin?.close();
});

/** What the engine in Node answers for user `id` (the worker's targetingKey fills user.id). */
const expected = (feature, id) => engine.evaluate(feature, { user: { id } });

test('the server SDK\'s OFREP provider: values, variants and reasons as the engine gives them; failures as OpenFeature codes', async () => {
  await ServerFeature.setProviderAndWait(new OFREPProvider({ baseUrl: edge.url }));
  const client = ServerFeature.getClient();
  for (const id of ['u-1', 'u-2', 'u-3', 'u-40']) {
    const headline = await client.getStringDetails('Headline', 'code-default', { targetingKey: id });
    const want = expected('Headline', id);
    assert.deepEqual([headline.value, headline.variant, headline.reason, headline.errorCode], [want.implementation, want.implementation, want.reason, undefined], id);
    const chat = await client.getBooleanDetails('Chat', true, { targetingKey: id });
    assert.deepEqual([chat.value, chat.reason], [expected('Chat', id).implementation === 'true', expected('Chat', id).reason], id);
  }
  const list = await client.getStringDetails('ListStyle', 'code-default', { targetingKey: 'u-1' });
  assert.deepEqual([list.value, list.reason, list.errorCode], ['code-default', 'ERROR', 'PARSE_ERROR']);
  const nope = await client.getBooleanDetails('Nope', true, { targetingKey: 'u-1' });
  assert.deepEqual([nope.value, nope.errorCode], [true, 'FLAG_NOT_FOUND']);
  const typed = await client.getNumberDetails('Headline', 7, { targetingKey: 'u-1' });
  assert.deepEqual([typed.value, typed.errorCode], [7, 'TYPE_MISMATCH']);
  // A context too large for the worker: INVALID_CONTEXT, read as such.
  const big = await client.getStringDetails('Headline', 'code-default', { targetingKey: 'u-1', pad: 'x'.repeat(70_000) });
  assert.deepEqual([big.value, big.errorCode], ['code-default', 'INVALID_CONTEXT']);
});

test('the web SDK\'s OFREP provider: one bulk evaluation for the context, re-evaluated when it changes', async () => {
  await WebFeature.setContext({ targetingKey: 'u-1' });
  await WebFeature.setProviderAndWait(new OFREPWebProvider({ baseUrl: edge.url, pollInterval: 0 }));
  const client = WebFeature.getClient();
  const check = (id) => {
    for (const feature of ['Headline', 'Chat']) {
      const got = feature === 'Chat' ? client.getBooleanDetails(feature, true) : client.getStringDetails(feature, 'code-default');
      const want = expected(feature, id);
      assert.deepEqual([got.value, got.variant, got.reason], [feature === 'Chat' ? want.implementation === 'true' : want.implementation, want.implementation, want.reason], `${feature} ${id}`);
    }
    const list = client.getStringDetails('ListStyle', 'code-default');
    assert.deepEqual([list.value, list.errorCode], ['code-default', 'PARSE_ERROR']);
    assert.equal(client.getBooleanDetails('Nope', true).errorCode, 'FLAG_NOT_FOUND');
  };
  check('u-1');
  await WebFeature.setContext({ targetingKey: 'u-2' });
  check('u-2');
});

test('the package\'s provider in process and OFREP\'s through the worker give one answer: the same types, values and codes, dates included', async () => {
  const snap = JSON.stringify({
    schema: 1, revision: 'typed',
    segments: { UserId: { from: { user: '{id}' } }, Signup: { from: { user: '{signup}' } } },
    features: {
      Bool: { type: 'boolean', inputs: ['user'], default: false, rules: [{ split: { by: 'UserId', weights: { true: 50, false: 50 } } }] },
      MultiBool: { inputs: [], implementations: ['true', 'false'], default: 'false' },
      Tri: { inputs: ['user'], implementations: ['true', 'false', 'maybe'], default: 'maybe',
        rules: [{ split: { by: 'UserId', weights: { true: 34, false: 33, maybe: 33 } } }] },
      Since: { inputs: ['user'], implementations: ['old', 'new', 'none'], default: 'none',
        rules: [{ when: { segment: 'Signup', starts_with: ['2019'] }, serve: 'old' }, { when: { segment: 'Signup', exists: true }, serve: 'new' }] },
    },
  });
  const typedOrigin = await startOrigin(snap, '"t1"');
  const typedEdge = await startEdge(typedOrigin);
  const client = await createClient({ snapshot: snap });
  try {
    await ServerFeature.setProviderAndWait('ofrep', new OFREPProvider({ baseUrl: typedEdge.url }));
    await ServerFeature.setProviderAndWait('inproc', new FeatsEdgeProvider(client, { report: false }));
    const [remote, local] = [ServerFeature.getClient('ofrep'), ServerFeature.getClient('inproc')];
    const seen = new Set();
    for (let i = 0; i < 12; i++) {
      const signup = [new Date('2019-03-01T00:00:00Z'), new Date('2021-03-01T00:00:00Z'), undefined][i % 3];
      const ctx = { targetingKey: `u-${i}`, user: signup ? { signup } : {} };
      for (const flag of ['Bool', 'MultiBool', 'Tri', 'Since']) {
        for (const [type, fallback] of [['Boolean', true], ['String', 'fallback']]) {
          const [a, b] = await Promise.all([remote, local].map((c) => c[`get${type}Details`](flag, fallback, ctx)));
          assert.deepEqual([b.value, b.variant, b.errorCode], [a.value, a.variant, a.errorCode], `${flag} as ${type} for u-${i}`);
          seen.add(`${flag} ${type} ${a.errorCode ?? JSON.stringify(a.value)}`);
        }
      }
    }
    // Both types and both outcomes were met: values of each flag, and mismatches.
    for (const want of ['Bool Boolean true', 'Bool Boolean false', 'Bool String TYPE_MISMATCH', 'MultiBool Boolean TYPE_MISMATCH', 'MultiBool String "false"',
      'Tri Boolean TYPE_MISMATCH', 'Tri String "true"', 'Tri String "maybe"', 'Since String "old"', 'Since String "new"', 'Since String "none"']) {
      assert.ok(seen.has(want), `${want} in ${[...seen]}`);
    }
    // A key of `..` arrives as the evaluate path itself: a flag not found, read as such.
    const dots = await remote.getStringDetails('..', 'fallback', { targetingKey: 'u-1' });
    assert.deepEqual([dots.value, dots.errorCode], ['fallback', 'FLAG_NOT_FOUND']);
    const res = await fetch(`${typedEdge.url}/ofrep/v1/evaluate/flags/.`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    assert.equal((await res.json()).errorCode, 'FLAG_NOT_FOUND');
  } finally {
    await client.close();
    await typedEdge.stop();
    await typedOrigin.close();
  }
});

test('OFREP configuration: polling no faster than the snapshot is revalidated, boolean and string flags, with an ETag and CORS', async () => {
  const url = `${edge.url}/ofrep/v1/configuration`;
  const res = await fetch(url, { headers: { Origin: 'https://app.example' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.deepEqual(await res.json(), {
    name: 'feats-edge',
    // (This edge revalidates its snapshot on every request: REVALIDATE_MS 0.)
    capabilities: { cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 0 } }, flagEvaluation: { supportedTypes: ['boolean', 'string'] } },
  });
  const etag = res.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]+"$/);
  const again = await fetch(url, { headers: { 'If-None-Match': `W/${etag}` } });
  assert.deepEqual([again.status, again.headers.get('etag')], [304, etag]);
  const post = await fetch(url, { method: 'POST', body: '{}' });
  assert.deepEqual([post.status, post.headers.get('allow')], [405, 'GET, HEAD, OPTIONS']);
  const pre = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'if-none-match' } });
  assert.deepEqual([pre.status, pre.headers.get('access-control-allow-methods')], [204, 'GET, HEAD']);
});
