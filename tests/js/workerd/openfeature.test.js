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
import { Engine } from 'feats-edge';
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
