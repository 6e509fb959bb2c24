// The package in the runtimes it is for: inside workerd and inside Chromium,
// the 1 000 shared bucket vectors and the example scenarios give exactly what
// they give in Node (and natively: see engine.test.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, startTestWorker, startStatic, launchChromium } from '../helpers/runtimes.js';

const vectors = JSON.parse(readFileSync(join(root, 'tests/vectors/buckets.json'), 'utf8')).cases;
const expected = vectors.map((c) => c.bucket);
const now = Date.parse('2023-11-27T12:00:00Z');
const scenarios = ['shop.json', 'novi.json'].map((name) => ({
  snapshot: readFileSync(join(root, 'examples', name), 'utf8'),
  contexts: [
    { user: { id: 42, address: { country_code: 'US' } } },
    { user: { id: 'u-7', address: { country_code: 'CA' }, plan: 'pro' }, request: { ip: '10.1.2.3', app_version: '2.3.1' } },
    { user: { id: 'ünï', email: 'a@example.com', age: 30, country: 'NL' } },
    { user: { id: 1.5, age: '17' }, request: { ip: '2001:db8::1' } },
    { user: [] },
    {},
  ],
}));
const inNode = scenarios.map(({ snapshot, contexts }) => {
  const engine = new Engine(snapshot);
  return contexts.map((ctx) => ({ all: engine.evaluateAll(ctx, { now }), fast: engine.implementations(ctx, { now }) }));
});

let workerd;
before(async () => {
  workerd = await startTestWorker(join(root, 'tests/js/runtimes/probe-worker.js'));
});
after(() => workerd?.stop());

test('workerd: the 1 000 bucket vectors', async () => {
  const res = await fetch(`${workerd.url}/buckets`, { method: 'POST', body: JSON.stringify({ cases: vectors }) });
  assert.equal(res.status, 200, workerd.log());
  assert.deepEqual(await res.json(), expected);
});

test('workerd: the example scenarios evaluate as in Node, without code generation', async () => {
  for (const [i, s] of scenarios.entries()) {
    const res = await fetch(`${workerd.url}/evaluate`, { method: 'POST', body: JSON.stringify({ ...s, now }) });
    assert.equal(res.status, 200, workerd.log());
    const body = await res.json();
    assert.equal(body.codegen, false, 'Workers forbid new Function: the generic readers run');
    assert.deepEqual(body.results, inNode[i]);
  }
});

test('Chromium: the 1 000 bucket vectors and the example scenarios', async () => {
  const site = await startStatic();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${site.url}/tests/js/runtimes/blank.html`);
    const out = await page.evaluate(async ({ vectors, scenarios, now }) => {
      const { init, Engine, bucket } = await import('/pkg/index.js');
      await init();
      const buckets = vectors.map((c) => bucket(c.salt, c.unit));
      const results = scenarios.map(({ snapshot, contexts }) => {
        const engine = new Engine(snapshot);
        return contexts.map((ctx) => ({ all: engine.evaluateAll(ctx, { now }), fast: engine.implementations(ctx, { now }) }));
      });
      return { buckets, results, agent: navigator.userAgent };
    }, { vectors, scenarios, now });
    assert.deepEqual(errors, []);
    assert.match(out.agent, /Chrome/);
    assert.deepEqual(out.buckets, expected);
    assert.deepEqual(out.results, inNode);
  } finally {
    await browser.close();
    site.stop();
  }
});
