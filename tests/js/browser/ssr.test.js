// Server rendering as the README's "Server rendering" section has it: a Node
// server chooses with its one client (`findImplementations`, no exposure)
// and hands the page `client.bootstrap()`, the context and its choices; the
// page, in Chromium, renders those choices and reports them. Checked: the
// page's own engine agrees with the server's on hashed features, a random
// experiment's draw becomes the browser's sticky assignment, each rendered
// use is reported once and only by the browser, and the page revalidates
// the snapshot with a 304 instead of downloading it again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createClient } from 'feats-edge';
import { launchChromium, serveFile } from '../helpers/runtimes.js';

const SNAPSHOT = JSON.stringify({
  schema: 1,
  revision: 'ssr-1',
  segments: { UserId: { from: { user: '{id}' } }, Country: { from: { user: '{country}' } } },
  features: {
    Checkout: { inputs: ['user'], implementations: ['old', 'new'], default: 'old', rules: [{ split: { by: 'UserId', weights: { old: 50, new: 50 } } }] },
    Banner: {
      inputs: ['user'], implementations: ['plain', 'bold', 'maple'], default: 'plain',
      rules: [
        { when: { segment: 'Country', in: ['CA'] }, serve: 'maple' },
        { experiment: { name: 'banner-2026', by: 'UserId', weights: { plain: 50, bold: 50 } } },
      ],
    },
    Layout: { inputs: ['user'], implementations: ['grid', 'list'], default: 'grid',
      rules: [{ experiment: { name: 'layout-r', by: 'UserId', random: true, weights: { grid: 50, list: 50 } } }] },
  },
}, null, 1);
const ETAG = '"s1"';
/** The features the page renders (and so reports). */
const RENDERED = ['Checkout', 'Banner', 'Layout'];

const state = { snapshotRequests: [], exposures: [], pages: [] };
let app, url, client, browser;

/** JSON inside a `<script>` element: no `<` that could end it. */
const scriptJson = (v) => JSON.stringify(v).replace(/</g, '\\u003c');

/** The page for `context`, rendered with the server's client as the README shows. */
function render(context) {
  const chosen = client.findImplementations(context); // once per page: no exposure
  const boot = { ...client.bootstrap(), context, chosen };
  state.pages.push({ context, chosen });
  return `<!doctype html><html><head><meta charset="utf-8"><title>ssr</title></head><body>
<h1 id="checkout" data-implementation="${chosen.Checkout}">checkout</h1>
<p id="banner" data-implementation="${chosen.Banner}">banner</p>
<ul id="layout" data-implementation="${chosen.Layout}"></ul>
<script type="application/json" id="feats">${scriptJson(boot)}</script>
<script type="module">
import { init, createClient } from '/pkg/index.js';
const { snapshot, snapshotEtag, context, chosen } = JSON.parse(document.getElementById('feats').textContent);
await init();
const client = await createClient({ snapshot, snapshotEtag, snapshotUrl: '/snapshot.json', exposureUrl: '/exposures', refreshInterval: 0 });
const own = client.findImplementations(context);
for (const feature of ${JSON.stringify(RENDERED)}) client.usedImplementation(feature, chosen[feature], context);
await client.flush();
window.__result = { own, after: client.findImplementations(context), revision: client.revision };
</script></body></html>`;
}

before(async () => {
  app = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const u = new URL(req.url, 'http://x');
      const ua = req.headers['user-agent'] ?? '';
      if (u.pathname === '/snapshot.json') {
        const fresh = req.headers['if-none-match'] === ETAG;
        state.snapshotRequests.push({ ua, ifNoneMatch: req.headers['if-none-match'], status: fresh ? 304 : 200 });
        return fresh ? res.writeHead(304, { ETag: ETAG }).end() : res.writeHead(200, { 'Content-Type': 'application/json', ETag: ETAG }).end(SNAPSHOT);
      }
      if (u.pathname === '/exposures') {
        for (const e of JSON.parse(body).events) state.exposures.push({ ua, ...e });
        return res.writeHead(204).end();
      }
      if (u.pathname === '/') {
        const context = { user: { id: u.searchParams.get('uid'), country: u.searchParams.get('country') } };
        return res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(render(context));
      }
      // The package only.
      if (!u.pathname.startsWith('/pkg/')) return res.writeHead(403).end();
      return serveFile(req, res);
    });
  });
  await new Promise((r) => app.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${app.address().port}`;
  client = await createClient({ snapshotUrl: `${url}/snapshot.json`, exposureUrl: `${url}/exposures`, refreshInterval: 0, flushInterval: 50 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await client?.close();
  await new Promise((r) => app?.close(r));
});

test('server rendering: the page renders and reports what the server chose, once, and revalidates the snapshot', async () => {
  assert.equal(client.revision, 'ssr-1');
  // Twelve visitors at least, and more until both arms of the random
  // Layout are drawn (12 draws of 50/50 are all one arm once in 2 048 runs; 40, once in 500 billion).
  const users = [], results = [];
  const arms = () => new Set(state.pages.map((p) => p.chosen.Layout)).size;
  while (users.length < 12 || (arms() < 2 && users.length < 40)) {
    const i = users.length, uid = `user-${i}`, country = i % 3 === 0 ? 'CA' : 'FR';
    users.push({ uid, country });
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/?uid=${uid}&country=${country}`);
    // The server's choices are in the HTML itself, before any script runs.
    const inHtml = await page.$$eval('[data-implementation]', (els) => els.map((e) => e.dataset.implementation));
    await page.waitForFunction(() => window.__result, null, { timeout: 10_000 });
    results.push({ uid, inHtml, ...(await page.evaluate(() => window.__result)) });
    assert.deepEqual(errors, []);
    await page.close();
  }
  await client.flush();

  assert.equal(state.pages.length, users.length);
  const layouts = new Set();
  for (const [i, { context, chosen }] of state.pages.entries()) {
    const r = results[i];
    assert.equal(r.uid, context.user.id);
    assert.deepEqual(r.inHtml, [chosen.Checkout, chosen.Banner, chosen.Layout]);
    assert.equal(r.revision, 'ssr-1');
    // The page's own engine chooses as the server's did, but for the random draw.
    assert.equal(r.own.Checkout, chosen.Checkout, context.user.id);
    assert.equal(r.own.Banner, chosen.Banner, context.user.id);
    if (context.user.country === 'CA') assert.equal(chosen.Banner, 'maple');
    // After the use, the server's draw is the browser's assignment.
    assert.equal(r.after.Layout, chosen.Layout, context.user.id);
    layouts.add(chosen.Layout);
  }
  assert.deepEqual([...layouts].sort(), ['grid', 'list'], `both arms were drawn over ${users.length} users`);

  // Each rendered use reported once, by the browser, as the server chose it.
  assert.ok(state.exposures.every((e) => /Chrome/.test(e.ua)), JSON.stringify(state.exposures.map((e) => e.ua)));
  assert.equal(state.exposures.length, users.length * RENDERED.length);
  for (const { context, chosen } of state.pages) {
    for (const feature of RENDERED) {
      const mine = state.exposures.filter((e) => e.feature === feature && e.unit?.value === context.user.id);
      // (A targeted banner has no unit: below.)
      const targeted = feature === 'Banner' && context.user.country === 'CA';
      assert.equal(mine.length, targeted ? 0 : 1, `${feature} ${context.user.id}`);
      if (targeted) continue;
      assert.equal(mine[0].implementation, chosen[feature]);
      assert.equal(mine[0].reason, 'SPLIT');
      assert.equal(mine[0].unit.segment, 'UserId');
      assert.equal(mine[0].experiment, { Checkout: null, Banner: 'banner-2026', Layout: 'layout-r' }[feature]);
    }
  }
  // The targeted banner: one event per page from Canada (each page is a client of its own).
  const maple = state.exposures.filter((e) => e.feature === 'Banner' && e.implementation === 'maple');
  assert.equal(maple.length, users.filter((u) => u.country === 'CA').length, 'one per page: each page is its own client');
  assert.ok(maple.every((e) => e.reason === 'TARGETING_MATCH' && e.unit === null && e.rule === 0));

  // The server fetched the snapshot once; each page revalidated it with a 304.
  const fromNode = state.snapshotRequests.filter((r) => !/Chrome/.test(r.ua));
  const fromPages = state.snapshotRequests.filter((r) => /Chrome/.test(r.ua));
  assert.deepEqual(fromNode.map((r) => r.status), [200]);
  assert.equal(fromPages.length, users.length);
  assert.ok(fromPages.every((r) => r.ifNoneMatch === ETAG && r.status === 304), JSON.stringify(fromPages));
});
