// The package in the runtimes it is for: inside workerd, Chromium, Deno and
// Bun, the 1 000 shared bucket vectors and the example scenarios give
// exactly what they give in Node (and natively: see engine.test.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, startTestWorker, startStatic, launchChromium, startOrigin } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/tmp.js';

const vectors = JSON.parse(readFileSync(join(root, 'tests/vectors/buckets.json'), 'utf8')).cases;
const expected = vectors.map((c) => c.bucket);
const now = Date.parse('2023-11-27T12:00:00Z');
const scenarios = ['shop.json', 'novi.json'].map((name) => ({
  snapshot: readFileSync(join(root, 'examples', name), 'utf8'),
  contexts: [
    { user: { id: 42, address: { country_code: 'US' } } },
    { user: { id: 'u-7', address: { country_code: 'CA' }, plan: 'pro' }, request: { ip: '10.1.2.3', app_version: '2.3.1' } },
    { user: { id: 'ünï', email: 'a@example.com', age: 30, country: 'NL' } },
    // Text each runtime's encoder writes alike, or must: a lone surrogate
    // (U+FFFD), an astral character, NUL, a decomposed letter, a no-break
    // space and full-width digits where an address and a version are read.
    { user: { id: 'a\ud800\u{1f600}\u0000\udc00', address: { country_code: 'Zu\u0308rich' } }, request: { ip: '10.1.2.3\u00a0', app_version: '\uff12.3.1' } },
    { user: { id: 1.5, age: '17' }, request: { ip: '2001:db8::1' } },
    { user: [] },
    {},
  ],
}));
// A path key written with a lone surrogate (U+FFFD once loaded) finds
// context keys holding one, the last of those that read alike counting, as
// the command line reads them (see differential.test.js).
const oddKeys = { snapshot: JSON.stringify({ schema: 1, segments: { K: { from: { u: '{k\ud800.v}' } } },
  features: { F: { inputs: ['u'], implementations: ['a', 'b', 'c'], default: 'a',
    rules: [{ when: { segment: 'K', in: ['b'] }, serve: 'b' }, { when: { segment: 'K', in: ['c'] }, serve: 'c' }] } } }),
contexts: [
  { u: { 'k\udc00': { v: 'b' } } },
  { u: { 'k\ufffd': { v: 'b' }, 'k\ud800': { v: 'c' } } },
  { u: { 'k\ud800': { v: 'c' }, 'k\ufffd': { v: 'b' } } },
] };
scenarios.push(oddKeys);
const inNode = scenarios.map(({ snapshot, contexts }) => {
  const engine = new Engine(snapshot);
  return contexts.map((ctx) => ({ all: engine.evaluateAll(ctx, { now }), fast: engine.implementations(ctx, { now }) }));
});

test('Node: a path key written with a lone surrogate finds the context keys the command line finds', () => {
  assert.deepEqual(inNode.at(-1).map((r) => r.fast.F), ['b', 'c', 'b']);
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
    // The scenarios as JSON text: its lone surrogates are ASCII escapes, which
    // no encoding on the way to the page can replace.
    const out = await page.evaluate(async ({ vectors, scenariosText, now }) => {
      const scenarios = JSON.parse(scenariosText);
      const { init, Engine, bucket } = await import('/pkg/index.js');
      await init();
      const buckets = vectors.map((c) => bucket(c.salt, c.unit));
      const results = scenarios.map(({ snapshot, contexts }) => {
        const engine = new Engine(snapshot);
        return contexts.map((ctx) => ({ all: engine.evaluateAll(ctx, { now }), fast: engine.implementations(ctx, { now }) }));
      });
      return { buckets, results, agent: navigator.userAgent };
    }, { vectors, scenariosText: JSON.stringify(scenarios), now });
    assert.deepEqual(errors, []);
    assert.match(out.agent, /Chrome/);
    assert.deepEqual(out.buckets, expected);
    assert.deepEqual(out.results, inNode);
  } finally {
    await browser.close();
    site.stop();
  }
});

/**
 * Deno and Bun run the package from node_modules as Node does (both take
 * its `node` condition): `tests/js/runtimes/probe-cli.mjs` in `command`,
 * given the vectors, the scenarios and an origin its client polls and
 * reports to. Resolves when the process has ended on its own.
 */
function inRuntime(command, args) {
  return async () => {
    const origin = await startOrigin(readFileSync(join(root, 'examples/shop.json'), 'utf8'));
    try {
      const input = join(tempDir('runtime'), 'input.json');
      writeFileSync(input, JSON.stringify({ vectors, scenarios, now, origin: origin.url }));
      const bin = join(root, 'node_modules/.bin', command);
      // The client is left open, polling every minute: a timer that kept
      // the process alive would run it into this limit.
      const run = await new Promise((resolve) => execFile(bin, [...args, join(root, 'tests/js/runtimes/probe-cli.mjs'), input],
        { cwd: root, timeout: 30000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => resolve({ error, stdout, stderr })));
      assert.equal(run.error, null, `${command}: ${run.error?.signal ?? run.error?.code} ${run.stderr}`);
      const out = JSON.parse(run.stdout);
      assert.deepEqual(out.buckets, expected);
      assert.deepEqual(out.results, inNode);

      // The client: loaded, chose as the engine does, reported once, revalidated with its ETag.
      const user = { user: { id: 'u-7', address: { country_code: 'CA' } } };
      const engine = new Engine(scenarios[0].snapshot);
      const { stickyKey, errorCode, ...event } = engine.evaluate('PaymentProcessor', user, { now });
      assert.deepEqual(out.client, { revision: engine.revision, found: event.implementation, created: event.implementation, stats: { dropped: 0, sent: 1, failed: 0, queued: 0 } });
      assert.deepEqual(origin.exposures, [{ ...event, timestamp: new Date(now).toISOString() }]);
      assert.deepEqual(origin.fetches, [{ ifNoneMatch: undefined, status: 200 }, { ifNoneMatch: '"v1"', status: 304 }]);
    } finally {
      await origin.close();
    }
  };
}

test('Deno: the 1 000 bucket vectors, the example scenarios, and a client that polls and reports', inRuntime('deno', ['run', '--allow-read', '--allow-net=127.0.0.1']));

test('Bun: the 1 000 bucket vectors, the example scenarios, and a client that polls and reports', inRuntime('bun', []));
