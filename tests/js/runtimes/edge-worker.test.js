// The edge worker of www/edge/ under workerd, against an origin on
// 127.0.0.1: OFREP bulk evaluation with ETag/304, the bootstrap page,
// exposures sent after the response, and an invalid snapshot refused while
// the last good one keeps serving. Then the page in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, startWorkerd, launchChromium } from './harness.js';

const good = readFileSync(join(root, 'www/edge/snapshot.json'), 'utf8');
const engine = new Engine(good);
const origin = { snapshot: good, etag: '"v1"', fetches: 0, exposures: [] };
let server, worker, base;

before(async () => {
  server = createServer(async (req, res) => {
    if (req.url === '/snapshot.json') {
      origin.fetches++;
      if (req.headers['if-none-match'] === origin.etag) return res.writeHead(304, { ETag: origin.etag }).end();
      return res.writeHead(200, { 'content-type': 'application/json', ETag: origin.etag }).end(origin.snapshot);
    }
    if (req.url === '/exposures' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      origin.exposures.push(...JSON.parse(body).events);
      return res.writeHead(204).end();
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  worker = await startWorkerd(join(root, 'www/edge/worker.js'), {
    bindings: { SNAPSHOT_URL: `${base}/snapshot.json`, EXPOSURE_URL: `${base}/exposures`, REVALIDATE_MS: '0' },
  });
});
after(() => {
  worker?.stop();
  server?.close();
});

const ofrep = (context, headers = {}) => fetch(`${worker.url}/ofrep/v1/evaluate/flags`, {
  method: 'POST', body: typeof context === 'string' ? context : JSON.stringify({ context }), headers,
});

async function until(check, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

test('OFREP bulk evaluation answers every feature as the engine does', async () => {
  for (const context of [{ user: { id: 'u-1' }, request: { country: 'NL' } }, { user: { id: 'u-2' } }, {}]) {
    const res = await ofrep(context);
    assert.equal(res.status, 200, worker.log());
    const { flags } = await res.json();
    const want = engine.evaluateAll(context);
    assert.deepEqual(flags.map((f) => f.key), Object.keys(want));
    for (const f of flags) {
      const d = want[f.key];
      assert.equal(f.variant, d.implementation);
      assert.equal(f.reason, d.reason);
      assert.equal(f.value, f.key === 'Chat' ? d.implementation === 'true' : d.implementation);
      assert.equal(f.metadata.revision, 'edge-1');
    }
  }
  const nl = await (await ofrep({ user: { id: 'x' }, request: { country: 'NL' } })).json();
  assert.deepEqual(nl.flags.find((f) => f.key === 'ListStyle'), { key: 'ListStyle', value: 'cards', variant: 'cards', reason: 'TARGETING_MATCH', metadata: { revision: 'edge-1' } });
});

test('OFREP: ETag and 304; bad requests', async () => {
  const context = { user: { id: 'u-9' } };
  const first = await ofrep(context);
  const etag = first.headers.get('ETag');
  assert.match(etag, /^"[0-9a-f]{24}"$/);
  const again = await ofrep(context, { 'If-None-Match': etag });
  assert.equal(again.status, 304);
  const other = await ofrep({ user: { id: 'u-10' } }, { 'If-None-Match': etag });
  assert.equal(other.status, 200);
  const bad = await ofrep('{not json');
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).errorCode, 'PARSE_ERROR');
  const arr = await ofrep([1]);
  assert.equal(arr.status, 400);
  assert.equal((await arr.json()).errorCode, 'INVALID_CONTEXT');
});

test('the page is preselected at the edge for the cookie\'s user, and its exposure follows the response', async () => {
  const fresh = await fetch(`${worker.url}/`);
  const cookie = fresh.headers.get('Set-Cookie');
  assert.match(cookie, /^uid=[0-9a-f-]{36}; Path=\//);
  const uid = /uid=([^;]+)/.exec(cookie)[1];
  const html = await (await fetch(`${worker.url}/`, { headers: { Cookie: `uid=${uid}` } })).text();
  const boot = JSON.parse(/<script type="application\/json" id="feats-bootstrap">(.*?)<\/script>/s.exec(html)[1]);
  const context = { user: { id: uid }, request: { country: '' } };
  assert.equal(boot.preselected.ListStyle.implementation, engine.evaluate('ListStyle', context).implementation);
  assert.equal(boot.preselected.Chat.implementation, engine.evaluate('Chat', context).implementation);
  const headline = engine.evaluate('Headline', context);
  assert.match(html, new RegExp(`<h1 data-implementation="${headline.implementation}">`));
  // The worker's own exposure (Headline, rendered at the edge) arrives after the response.
  assert.ok(await until(() => origin.exposures.some((e) => e.feature === 'Headline' && e.unit?.value === uid)), 'no Headline exposure');
  const event = origin.exposures.find((e) => e.feature === 'Headline' && e.unit?.value === uid);
  assert.deepEqual(Object.keys(event).sort(), ['experiment', 'feature', 'implementation', 'reason', 'revision', 'rule', 'timestamp', 'unit']);
  assert.equal(event.experiment, 'headline-2026');
  assert.equal(event.implementation, headline.implementation);
  const cookieAgain = (await fetch(`${worker.url}/`, { headers: { Cookie: `uid=${uid}` } })).headers.get('Set-Cookie');
  assert.equal(cookieAgain, null, 'a known visitor gets no new cookie');
});

test('an invalid snapshot from the origin is refused; the last good one keeps serving', async () => {
  origin.snapshot = '{"schema": 1, "features": {'; // truncated
  origin.etag = '"v2"';
  const before = origin.fetches;
  await ofrep({ user: { id: 'a' } }); // serves, and revalidates in the background
  assert.ok(await until(() => origin.fetches > before), 'the worker revalidated');
  await new Promise((r) => setTimeout(r, 100));
  const res = await ofrep({ user: { id: 'a' } });
  assert.equal(res.status, 200);
  const { flags } = await res.json();
  assert.equal(flags.length, 3);
  assert.equal(flags[0].metadata.revision, 'edge-1');
  assert.match(worker.log(), /snapshot refused, keeping edge-1/);
  // A good new snapshot is then taken.
  origin.snapshot = good.replace('"edge-1"', '"edge-2"');
  origin.etag = '"v3"';
  // Requests go on; one of them revalidates and takes it.
  let revision;
  for (let i = 0; i < 40 && revision !== 'edge-2'; i++) {
    revision = (await (await ofrep({ user: { id: `b${i}` } })).json()).flags[0].metadata.revision;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(revision, 'edge-2');
});

test('Chromium: the first paint holds the preselected implementations; rendered ones are reported', async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    // Record the list's state at the first animation frame, i.e. the first paint.
    await page.addInitScript(() => {
      requestAnimationFrame(() => {
        window.__firstPaint = document.getElementById('list')?.dataset.implementation ?? null;
      });
    });
    const from = origin.exposures.length;
    await page.goto(`${worker.url}/`);
    await page.waitForFunction(() => window.__firstPaint !== undefined);
    const { firstPaint, uid, items } = await page.evaluate(() => ({
      firstPaint: window.__firstPaint, uid: document.body.dataset.uid, items: document.querySelectorAll('#list li').length,
    }));
    const context = { user: { id: uid }, request: { country: '' } };
    const list = engine.evaluate('ListStyle', context);
    assert.equal(firstPaint, list.implementation);
    assert.equal(items, 3);
    // Only this page reports from here on: the browser's events are the ListStyle it rendered, and Chat only if it rendered the button.
    const fromPage = () => origin.exposures.slice(from).filter((e) => e.feature !== 'Headline');
    assert.ok(await until(() => fromPage().some((e) => e.feature === 'ListStyle')), `no ListStyle exposure: ${worker.log().slice(-300)}`);
    const listEvent = fromPage().find((e) => e.feature === 'ListStyle');
    assert.equal(listEvent.implementation, list.implementation);
    assert.deepEqual(listEvent.unit, list.unit);
    const chat = engine.evaluate('Chat', context).implementation === 'true';
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(fromPage().some((e) => e.feature === 'Chat'), chat, 'Chat is reported only when rendered');
    assert.equal(await page.locator('#chat').count(), chat ? 1 : 0);
  } finally {
    await browser.close();
  }
});
