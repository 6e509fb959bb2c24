// The README's first page examples, taken from README.md as they are
// written and run in Chromium as a page's module: "30 seconds" (a feature
// handle that builds the chosen class and reports it once) and "In a
// browser" (preselect, render, report; the code default past `timeout`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, flagSiteInChromium, until } from '../helpers/runtimes.js';

const snapshot = readFileSync(join(root, 'examples/shop.json'), 'utf8');
const engine = new Engine(snapshot);
const site = { snapshot, etag: '"shop-1"', delay: 0, events: /** @type {any[]} */ ([]), page: '', url: '', server: /** @type {any} */ (null) };
const rt = flagSiteInChromium(site, root);

/**
 * The first `js` block after `heading`, its import pointed at the package's
 * files on the test server (as a bundler resolves "feats-edge").
 * @param {string} heading
 */
function block(heading) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const found = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(heading)));
  assert.ok(found, `the README has the block under ${heading}`);
  const code = found[1].replace('from "feats-edge"', 'from "/pkg/index.js"');
  assert.notEqual(code, found[1], 'the block imports feats-edge');
  return code;
}

/**
 * Runs `code` as the module of a fresh page, with `prelude` before it (the
 * names the block takes as given) and `epilogue` after it; resolves with
 * what the epilogue puts in `window.__result`.
 * @param {string} prelude @param {string} code @param {string} epilogue
 */
async function runPage(prelude, code, epilogue) {
  const context = await rt.browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/recipe.js', (r) => r.fulfill({ contentType: 'text/javascript', body: `${prelude}\n${code}\n${epilogue}` }));
    site.page = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>shop</title><script type="module" src="/recipe.js"></script>';
    await page.goto(`${site.url}/index.html`);
    await page.waitForFunction(() => window.__result, null, { timeout: 10000 });
    const result = await page.evaluate(() => window.__result);
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await context.close();
  }
}

/** Users of the example snapshot for whom PaymentProcessor serves each of its implementations. */
function usersByProcessor() {
  const users = { premium: { id: 7, address: { country_code: 'CA' } }, acme: { id: 7, address: { country_code: 'DE' } } };
  for (let id = 1; !users.aperture; id++) {
    const user = { id, address: { country_code: 'US' } };
    if (engine.evaluate('PaymentProcessor', { user }).implementation === 'aperture') users.aperture = user;
  }
  return users;
}

test('the README\'s "30 seconds" example, as written, in a page: the handle builds the class the snapshot chooses for the user, and reports it once', async () => {
  const code = block('## 30 seconds');
  for (const [implementation, user] of Object.entries(usersByProcessor())) {
    site.events.length = 0;
    const prelude = `class Acme {} class Premium {} class Aperture {}\nconst user = ${JSON.stringify(user)};`;
    const epilogue = 'Payment.create({ user });\nawait client.flush();\nwindow.__result = { built: processor.constructor.name, revision: client.revision };';
    const got = await runPage(prelude, code, epilogue);
    const details = engine.evaluate('PaymentProcessor', { user });
    assert.equal(details.implementation, implementation);
    assert.deepEqual(got, { built: implementation[0].toUpperCase() + implementation.slice(1), revision: engine.revision });
    assert.ok(await until(() => site.events.length === 1), `one exposure: ${JSON.stringify(site.events)}`);
    const [event] = site.events;
    assert.deepEqual([event.feature, event.implementation, event.reason, event.rule], ['PaymentProcessor', implementation, details.reason, details.rule]);
  }
});

test('the README\'s "In a browser" example, as written: the experiment\'s arm rendered and reported; past `timeout`, the code default', async () => {
  const code = block('### In a browser (or with a bundler)');
  const prelude = 'const rendered = [];\nconst render = (impl) => rendered.push(impl);';
  const epilogue = 'const revision = client.revision;\nawait client.flush();\nwindow.__result = { rendered, revision };';
  const user = { id: 42 };
  const details = engine.evaluate('AllowedPriorities', { user });
  site.events.length = 0;
  const got = await runPage(`${prelude}\nconst user = ${JSON.stringify(user)};`, code, epilogue);
  assert.deepEqual(got, { rendered: [details.implementation], revision: engine.revision });
  assert.ok(await until(() => site.events.length === 1), `one exposure: ${JSON.stringify(site.events)}`);
  assert.deepEqual([site.events[0].implementation, site.events[0].reason, site.events[0].experiment], [details.implementation, 'SPLIT', 'priorities-2026']);

  // A snapshot slower than the block's `timeout` (1 500 ms): the page renders
  // the code default with nothing loaded, and reports that.
  site.events.length = 0;
  site.delay = 2500;
  try {
    const slow = await runPage(`${prelude}\nconst user = ${JSON.stringify(user)};`, code, epilogue);
    assert.deepEqual(slow, { rendered: ['no_priority'], revision: null });
    assert.ok(await until(() => site.events.some((e) => e.revision === null)), `the default's exposure: ${JSON.stringify(site.events)}`);
    assert.deepEqual([site.events[0].implementation, site.events[0].reason], ['no_priority', 'ERROR']);
  } finally {
    site.delay = 0;
  }
});
