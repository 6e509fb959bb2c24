// Server rendering with experiment assignments kept in a cookie, as the
// README's "Server rendering" section shows: the page's client stores its
// assignments in a cookie (its `sticky` store), and the server's one client
// reads the request's cookie through AsyncLocalStorage (its `sticky` store
// too). Checked over visits in Chromium: a `random` experiment renders the
// same arm on every visit, and a hashed experiment keeps a unit's arm after
// its weights change, on the server as in the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer } from 'node:http';
import { createClient } from 'feats-edge';
import { launchChromium, serveFile } from '../helpers/runtimes.js';

/** The snapshot, with the hashed experiment's weights. */
const snapshot = (revision, plain, bold) => JSON.stringify({
  schema: 1,
  revision,
  segments: { UserId: { from: { user: '{id}' } } },
  features: {
    Banner: { inputs: ['user'], implementations: ['plain', 'bold'], default: 'plain',
      rules: [{ experiment: { name: 'banner-2026', by: 'UserId', weights: { plain, bold } } }] },
    Layout: { inputs: ['user'], implementations: ['grid', 'list'], default: 'grid',
      rules: [{ experiment: { name: 'layout-r', by: 'UserId', random: true, weights: { grid: 50, list: 50 } } }] },
  },
});
const RENDERED = ['Banner', 'Layout'];
const origin = { text: snapshot('s1', 50, 50), etag: '"s1"' };
const pages = [];
let app, url, client, browser;

// --- what the README shows --------------------------------------------------
/** The assignments of the request being rendered. */
const assignments = new AsyncLocalStorage();
/** The `feats` cookie's assignments (form-encoded `key=implementation` pairs). */
const fromCookie = (header) => new URLSearchParams(/(?:^|;\s*)feats=([^;]*)/.exec(header ?? '')?.[1] ?? '');
const scriptJson = (v) => JSON.stringify(v).replace(/</g, '\\u003c');

function render(req, context) {
  return assignments.run(fromCookie(req.headers.cookie), () => {
    const chosen = client.findImplementations(context);
    const boot = { ...client.bootstrap(), context, chosen };
    pages.push({ context, chosen });
    return `<!doctype html><meta charset="utf-8"><title>ssr</title>
<p id="banner" data-implementation="${chosen.Banner}">banner</p>
<ul id="layout" data-implementation="${chosen.Layout}"></ul>
<script type="application/json" id="feats">${scriptJson(boot)}</script>
<script type="module">
import { createClient } from '/pkg/index.js';
// The page keeps its assignments in the cookie the server reads.
const cookie = () => new URLSearchParams(/(?:^|;\\s*)feats=([^;]*)/.exec(document.cookie)?.[1] ?? '');
const sticky = {
  get: (key) => cookie().get(key),
  set(key, implementation) {
    const all = cookie();
    all.set(key, implementation);
    document.cookie = 'feats=' + all + '; path=/; max-age=31536000; samesite=lax';
  },
};
const { snapshot, snapshotEtag, context, chosen } = JSON.parse(document.getElementById('feats').textContent);
const client = await createClient({ snapshot, snapshotEtag, snapshotUrl: '/snapshot.json', exposureUrl: '/exposures', refreshInterval: 0, sticky });
for (const feature of ${JSON.stringify(RENDERED)}) client.usedImplementation(feature, chosen[feature], context);
await client.flush();
window.__result = { own: client.findImplementations(context) };
</script>`;
  });
}
// ----------------------------------------------------------------------------

before(async () => {
  app = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname === '/snapshot.json') {
        if (req.headers['if-none-match'] === origin.etag) return res.writeHead(304, { ETag: origin.etag }).end();
        return res.writeHead(200, { 'Content-Type': 'application/json', ETag: origin.etag }).end(origin.text);
      }
      if (u.pathname === '/exposures') return res.writeHead(204).end();
      if (u.pathname === '/') {
        return res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(render(req, { user: { id: u.searchParams.get('uid') } }));
      }
      // The package only.
      if (!u.pathname.startsWith('/pkg/')) return res.writeHead(403).end();
      return serveFile(req, res);
    });
  });
  await new Promise((r) => app.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${app.address().port}`;
  // The server's client reads the assignments of the request it renders.
  const sticky = { get: (key) => assignments.getStore()?.get(key) ?? null, set() {} };
  client = await createClient({ snapshotUrl: `${url}/snapshot.json`, refreshInterval: 0, sticky });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await client?.close();
  await new Promise((r) => app?.close(r));
});

/** Visits the page as `uid`; what the server rendered, and what the page's own client then chooses. */
async function visit(uid) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/?uid=${uid}`);
  await page.waitForFunction(() => window.__result, null, { timeout: 10_000 });
  const rendered = await page.$$eval('[data-implementation]', (els) => els.map((e) => e.dataset.implementation));
  const { own } = await page.evaluate(() => window.__result);
  await page.close();
  assert.deepEqual(errors, []);
  return { Banner: rendered[0], Layout: rendered[1], own };
}

test('server rendering with assignments in a cookie: a random experiment and a reweighed hashed one render the same arm on every visit', async () => {
  // Eight visitors at least, and more until both arms of the random
  // experiment are drawn (eight draws are all one arm once in 128 runs).
  const users = [], first = {};
  const arms = () => new Set(users.map((u) => first[u].Layout)).size;
  while (users.length < 8 || (arms() < 2 && users.length < 40)) {
    const uid = `u${users.length + 1}`;
    users.push(uid);
    first[uid] = await visit(uid);
  }
  // A random experiment: the server reads the page's assignment on later visits.
  for (let round = 0; round < 3; round++) {
    for (const uid of users) {
      const again = await visit(uid);
      assert.equal(again.Layout, first[uid].Layout, `${uid}, visit ${round + 2}`);
      assert.equal(again.own.Layout, first[uid].Layout);
    }
  }
  assert.deepEqual(new Set(users.map((u) => first[u].Layout)), new Set(['grid', 'list']), 'both arms drawn');

  // The hashed experiment's weights change: a unit keeps the arm it used.
  origin.text = snapshot('s2', 0, 100);
  origin.etag = '"s2"';
  await client.refresh();
  assert.equal(client.revision, 's2');
  const moved = users.filter((u) => first[u].Banner === 'plain');
  assert.ok(moved.length > 0, 'some unit had plain, which the new weights do not give');
  for (const uid of users) {
    const later = await visit(uid);
    assert.equal(later.Banner, first[uid].Banner, uid);
    assert.equal(later.own.Banner, first[uid].Banner, uid);
  }
  // A new visitor gets the new weights.
  assert.equal((await visit('u-new')).Banner, 'bold');
  assert.equal(pages.length, users.length * 5 + 1);
});
