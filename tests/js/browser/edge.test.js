// The edge worker's page (www/edge/) in Chromium, served by workerd: the
// first visible frame already holds the implementations chosen at the edge
// for the cookie's user, and the page reports exactly what it rendered
// (through the package's client, relayed by the worker), the worker what it
// rendered itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, until, startOrigin, startEdge, launchChromium, firstFrameScript } from '../helpers/runtimes.js';

const good = readFileSync(join(root, 'www/edge/snapshot.json'), 'utf8');
const engine = new Engine(good);
const contextOf = (uid) => ({ user: { id: uid }, request: { country: '' } });
const userWhere = (want) => {
  for (let i = 0; ; i++) if (want(engine.implementations(contextOf(`edge-user-${i}`)))) return `edge-user-${i}`;
};
let origin, edge, browser;

before(async () => {
  origin = await startOrigin(good);
  // allSettled: whatever started is stopped by after() even if the other failed.
  const started = await Promise.allSettled([startEdge(origin, { revalidateMs: 60000 }), launchChromium()]);
  [edge, browser] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
  for (const r of started) if (r.status === 'rejected') throw r.reason;
});
after(async () => {
  await browser?.close();
  await edge?.stop();
  await origin?.close();
});

const look = () => ({
  headline: document.querySelector('h1').dataset.implementation,
  list: document.getElementById('list').dataset.implementation ?? null,
  listClass: document.getElementById('list').className,
  items: document.querySelectorAll('#list li').length,
  chat: !!document.getElementById('chat'),
});

for (const chat of ['true', 'false']) {
  test(`the first frame holds the edge's choices; the page reports what it rendered (Chat ${chat})`, async () => {
    const uid = userWhere((c) => c.Chat === chat && c.ListStyle === (chat === 'true' ? 'cards' : 'compact'));
    const context = contextOf(uid);
    const want = engine.implementations(context);
    await browser.addCookies([{ name: 'uid', value: uid, url: edge.url }]);
    const from = origin.exposures.length;
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.addInitScript(firstFrameScript(look));
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => (window.__violations ??= []).push(`${e.violatedDirective} ${e.blockedURI}`)));
    const response = await page.goto(`${edge.url}/`);
    const csp = response.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'wasm-unsafe-eval'/);
    assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
    await page.waitForFunction(() => window.__firstFrame);
    assert.deepEqual(await page.evaluate(() => window.__firstFrame), {
      headline: want.Headline, list: want.ListStyle, listClass: want.ListStyle, items: 3, chat: chat === 'true',
    });
    assert.ok((await page.evaluate(() => window.__pendingFrames)).every((v) => v === 'hidden'));

    // The page's client flushes once, then marks the page: its events travel in that one batch.
    await page.waitForFunction(() => document.documentElement.dataset.reported, null, { timeout: 5000 });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.reported), '2');
    // (A unit that falls through a split is served the default with no unit: `unit` is null then.)
    const mine = () => origin.exposures.slice(from);
    assert.ok(await until(() => mine().some((e) => e.feature === 'ListStyle')), `no ListStyle exposure: ${JSON.stringify(origin.exposures)}`);
    assert.ok(await until(() => mine().some((e) => e.feature === 'Headline')), 'no Headline exposure from the worker');
    assert.ok(await until(() => mine().some((e) => e.feature === 'Chat')), 'no Chat exposure');
    const events = mine().map(({ timestamp, ...e }) => e).sort((a, b) => a.feature.localeCompare(b.feature));
    const eventOf = (f) => {
      const { stickyKey, errorCode, ...d } = engine.evaluate(f, context);
      return d;
    };
    assert.deepEqual(events, ['Chat', 'Headline', 'ListStyle'].map(eventOf));
    assert.deepEqual(errors, []);
    assert.deepEqual(await page.evaluate(() => window.__violations ?? []), [], 'nothing the policy refused');
    if (chat === 'true') await page.screenshot({ path: join(root, 'target/screenshots/edge-page.png') });
    await page.close();
  });
}
