// `feats-edge/openfeature` in Chromium: OpenFeature's web SDK (its ES
// modules as installed, through an import map) with `FeatsEdgeWebProvider`
// over the package's browser client: values for the static context, a
// context change, a random experiment that sticks once resolved (the
// assignment in localStorage), and the exposures that reach the sink.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, startStatic } from '../helpers/runtimes.js';
import { snapshot } from '../helpers/snapshot.js';

let server, browser;
before(async () => {
  [server, browser] = await Promise.all([startStatic(), launchChromium()]);
});
after(async () => {
  await browser?.close();
  server?.stop();
});

const page = (snap) => `<!doctype html><meta charset="utf-8"><title>openfeature</title>
<script type="importmap">{"imports": {
  "@openfeature/core": "/node_modules/@openfeature/core/dist/esm/index.js",
  "@openfeature/web-sdk": "/node_modules/@openfeature/web-sdk/dist/esm/index.js"
}}</script>
<script type="module">
import { OpenFeature } from '@openfeature/web-sdk';
import { createClient } from '/pkg/index.js';
import { FeatsEdgeWebProvider } from '/pkg/openfeature.js';
const client = await createClient({ snapshot: ${JSON.stringify(snap)}, exposureUrl: '/exposures', flushInterval: 0 });
await OpenFeature.setContext({ targetingKey: 'u1', user: { country: 'FR' } });
await OpenFeature.setProviderAndWait(new FeatsEdgeWebProvider(client));
const of = OpenFeature.getClient();
const fr = of.getStringValue('PaymentProcessor', 'x');
const random = Array.from({ length: 20 }, () => of.getStringValue('Random', 'x'));
await OpenFeature.setContext({ targetingKey: 'u1', user: { country: 'CA' } });
const ca = of.getStringDetails('PaymentProcessor', 'x');
const dark = of.getBooleanValue('Dark', false);
const missing = of.getStringDetails('Nope', 'mine');
await client.flush();
window.__result = { fr, random, ca: [ca.value, ca.reason, ca.flagMetadata.rule], dark, missing: [missing.value, missing.errorCode],
  status: of.providerStatus, stored: localStorage.getItem('feats-edge:sticky:exp/u1') };
</script>`;

test('OpenFeature web SDK in Chromium: the provider over the browser client', async () => {
  const tab = await browser.newPage();
  const errors = [], events = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  await tab.route(`${server.url}/__openfeature`, (r) => r.fulfill({ contentType: 'text/html', body: page(snapshot('r1')) }));
  await tab.route(`${server.url}/exposures`, (r) => {
    events.push(...JSON.parse(r.request().postData() ?? '{"events": []}').events);
    return r.fulfill({ status: 204 });
  });
  await tab.goto(`${server.url}/__openfeature`);
  await tab.waitForFunction(() => window.__result, null, { timeout: 10_000 });
  const got = await tab.evaluate(() => window.__result);
  assert.deepEqual(errors, []);
  assert.equal(got.status, 'READY');
  assert.equal(got.fr, 'acme');
  assert.deepEqual(got.ca, ['premium', 'TARGETING_MATCH', 0]);
  assert.equal(got.dark, true);
  assert.deepEqual(got.missing, ['mine', 'FLAG_NOT_FOUND']);
  // Random until used: the first resolution is used, and sticks.
  assert.equal(new Set(got.random).size, 1, got.random.join());
  assert.equal(got.stored, got.random[0]);
  assert.deepEqual(events.map((e) => [e.feature, e.implementation, e.unit?.value ?? null]).sort(), [
    ['Dark', 'true', null],
    ['PaymentProcessor', 'acme', null],
    ['PaymentProcessor', 'premium', null],
    ['Random', got.random[0], 'u1'],
  ]);
  await tab.close();
});

test('OpenFeature web SDK in Chromium: a failed fetch makes the provider stale, a 304 ready again', async () => {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  let answer = 'ok';
  const statuses = [];
  await tab.route(`${server.url}/__stale`, (r) => r.fulfill({ contentType: 'text/html', body: `<!doctype html><meta charset="utf-8"><title>stale</title>
<script type="importmap">{"imports": {
  "@openfeature/core": "/node_modules/@openfeature/core/dist/esm/index.js",
  "@openfeature/web-sdk": "/node_modules/@openfeature/web-sdk/dist/esm/index.js"
}}</script>
<script type="module">
import { OpenFeature } from '@openfeature/web-sdk';
import { createClient } from '/pkg/index.js';
import { FeatsEdgeWebProvider } from '/pkg/openfeature.js';
Math.random = () => 1 - 2 ** -53; // (the failed fetch's retry a minute later: not while the test runs)
const client = await createClient({ snapshotUrl: '/__snap', refreshInterval: 0, retryDelay: 60000, storageKey: 'stale-test:' });
client.on('error', () => {});
await OpenFeature.setContext({ targetingKey: 'u1', user: { country: 'CA' } });
await OpenFeature.setProviderAndWait(new FeatsEdgeWebProvider(client, { report: false }));
const of = OpenFeature.getClient();
const seen = [];
for (const type of ['PROVIDER_STALE', 'PROVIDER_READY']) OpenFeature.addHandler(type, () => seen.push(type));
seen.length = 0;
window.step = async () => { await client.refresh(); await new Promise((r) => setTimeout(r)); return { status: of.providerStatus, value: of.getStringValue('PaymentProcessor', 'x'), stale: client.stale, seen: [...seen] }; };
window.__ready = true;
</script>` }));
  await tab.route(`${server.url}/__snap`, (r) => {
    statuses.push(answer);
    if (answer == 'down') return r.fulfill({ status: 503, body: 'down' });
    if (r.request().headers()['if-none-match'] === '"s1"') return r.fulfill({ status: 304, headers: { ETag: '"s1"' } });
    return r.fulfill({ contentType: 'application/json', headers: { ETag: '"s1"' }, body: JSON.stringify(snapshot('r1')) });
  });
  await tab.goto(`${server.url}/__stale`);
  await tab.waitForFunction(() => window.__ready, null, { timeout: 10_000 });
  answer = 'down';
  assert.deepEqual(await tab.evaluate(() => window.step()), { status: 'STALE', value: 'premium', stale: true, seen: ['PROVIDER_STALE'] });
  answer = 'ok';
  assert.deepEqual(await tab.evaluate(() => window.step()), { status: 'READY', value: 'premium', stale: false, seen: ['PROVIDER_STALE', 'PROVIDER_READY'] });
  assert.deepEqual(statuses, ['ok', 'down', 'ok']);
  assert.deepEqual(errors, []);
  await tab.close();
});
