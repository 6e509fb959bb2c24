// The client in Chromium in the usual production layout: the page on one
// origin (127.0.0.1), the snapshot on a CDN's (localhost: another site), the
// exposure sink on an analytics origin, each on a port of its own and each
// answering CORS as the test sets it. What each origin receives is
// asserted request by request: preflights, conditional GETs, POSTs and
// beacons, and the cookies they carry. A client in a Web Worker too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { root, launchChromium, until } from '../helpers/runtimes.js';

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** What an error of a request to another origin that got no answer adds to the browser's "Failed to fetch". */
const CORS = ' (on another origin: a network error, or an answer without the CORS headers that let this page read it)';
const etagOf = (text) => `"${createHash('sha256').update(text).digest('hex').slice(0, 16)}"`;
const snapshotText = (revision) => JSON.stringify({
  schema: 1, revision,
  segments: { UserId: { from: { user: '{id}' } } },
  features: { Exp: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ split: { by: 'UserId', weights: { a: 50, b: 50 } } }] } },
});

/**
 * An origin on a free port of 127.0.0.1, named `http://<host>:<port>`. It
 * serves /pkg/ from the repository and any *.html as a blank page (the
 * page's origin), `o.snapshots[path]` with its ETag (304 when
 * If-None-Match has it; `Cache-Control: no-cache`), `o.files[path]` as
 * JavaScript, `o.redirects[path]`
 * as a 302, and takes exposures at POST /x. `o.cors` is what it answers,
 * preflights (OPTIONS) included: 'none' (no CORS header, OPTIONS 404 as on
 * static hosts), 'star' (`*`), 'credentials' (the request's Origin and
 * `Allow-Credentials: true`), or an origin it allows alone; `preflight`
 * false: OPTIONS is 404 all the same (a static host's CORS). Preflights are
 * not cached (`Max-Age: 0`, or `maxAge` seconds), so that each request
 * that needs one shows it.
 * `o.expose`: ETag readable cross-origin; `o.hold`: a promise that
 * answers other than to preflights wait for. Every request is in `o.log`.
 */
async function startOrigin(host, { cors = 'none', expose = false, preflight = true, maxAge = 0 } = {}) {
  const o = { cors, expose, hold: null, snapshots: {}, files: {}, redirects: {}, log: [], url: '' };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname, h = req.headers;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString();
    const entry = { method: req.method, path, origin: h.origin ?? null, inm: h['if-none-match'] ?? null, cookie: h.cookie ?? null };
    if (!path.startsWith('/pkg/') && path !== '/favicon.ico') o.log.push(entry);
    const allow = o.cors === 'none' ? {}
      : o.cors === 'star' ? { 'access-control-allow-origin': '*' }
      : o.cors === 'credentials' ? { 'access-control-allow-origin': h.origin ?? '', 'access-control-allow-credentials': 'true', vary: 'Origin' }
      : { 'access-control-allow-origin': o.cors };
    if (req.method === 'OPTIONS') {
      if (o.cors === 'none' || !preflight) return res.writeHead(404).end();
      return res.writeHead(204, { ...allow, 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': String(maxAge) }).end();
    }
    if (o.files[path]) return res.writeHead(200, { 'content-type': 'text/javascript' }).end(o.files[path]);
    if (o.redirects[path]) return res.writeHead(302, { location: o.redirects[path], ...allow }).end();
    await o.hold; // (see `hold`)
    const text = o.snapshots[path];
    if (text !== undefined) {
      const etag = etagOf(text);
      const head = { etag, 'cache-control': 'no-cache', 'content-type': 'application/json', ...allow, ...(o.expose && { 'access-control-expose-headers': 'ETag' }) };
      return entry.inm === etag ? res.writeHead(304, head).end() : res.writeHead(200, head).end(text);
    }
    if (path === '/x' && req.method === 'POST') {
      entry.units = JSON.parse(body).events.map((e) => e.unit.value);
      return res.writeHead(204, allow).end();
    }
    if (path.startsWith('/pkg/')) {
      try {
        const file = normalize(join(root, path));
        return res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
      } catch {
        return res.writeHead(404).end();
      }
    }
    if (path.endsWith('.html')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>page</title>');
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  o.url = `http://${host}:${server.address().port}`;
  o.close = () => new Promise((r) => (server.closeAllConnections(), server.close(r)));
  return o;
}

/** The requests of `o.log` as [method, path, If-None-Match] (GETs) or [method, units] (POSTs), OPTIONS as ['OPTIONS']. */
const requests = (o) => o.log.map((r) => (r.method === 'OPTIONS' ? ['OPTIONS'] : r.method === 'POST' ? ['POST', r.units] : ['GET', r.path, r.inm]));

let browser;
const started = [];
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await Promise.all(started.map((o) => o.close()));
});

/** Origins of the test's own (closed after the file's tests). */
async function origins(...specs) {
  const list = await Promise.all(specs.map(([host, o]) => startOrigin(host, o)));
  started.push(...list);
  return list;
}

/** A fresh page at /a.html of `site`, localStorage and cookies empty; its page errors must stay none. */
async function open(site, body) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await browser.clearCookies();
    await page.goto(`${site.url}/a.html`);
    await page.evaluate(() => localStorage.clear());
    await body(page);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
}

/** In the page: a client of snapshot `u` (and sink `x`), never polling, as `window.__c`; its `error` messages in `window.__errors`. */
const startClient = async ([u, x, timeout, retryDelay]) => {
  const { createClient } = await import('/pkg/index.js');
  window.__errors = [];
  const c = (window.__c = await createClient({ snapshotUrl: u, exposureUrl: x, refreshInterval: 0, flushInterval: 0, timeout, retryDelay }));
  c.on('error', (e) => window.__errors.push(e.message));
  // The page's visibility, as the test sets it (headless pages stay visible).
  let state = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  window.__show = (s) => ((state = s), document.dispatchEvent(new Event('visibilitychange')));
  window.__now = () => ({ ...c.stats, errors: window.__errors.splice(0) });
  return { revision: c.revision };
};
/** In the page: refresh(), then what the client serves and said. */
const refresh = async () => (await window.__c.refresh(), { revision: window.__c.revision, stale: window.__c.stale, errors: window.__errors.splice(0) });

test('a snapshot on a CDN that allows any origin: cached in localStorage, revalidated by the HTTP cache across reloads, with its ETag exposed or not', async () => {
  const [site] = await origins(['127.0.0.1']);
  for (const expose of [true, false]) {
    const [cdn] = await origins(['localhost', { cors: 'star', expose, preflight: false }]);
    const u = `${cdn.url}/snap.json`, key = `feats-edge:snapshot:${u}`;
    const [t1, t2] = [snapshotText('cdn-1'), snapshotText('cdn-2')];
    cdn.snapshots['/snap.json'] = t1;
    await open(site, async (page) => {
      assert.deepEqual(await page.evaluate(startClient, [u]), { revision: 'cdn-1' });
      assert.deepEqual(await page.evaluate(refresh), { revision: 'cdn-1', stale: false, errors: [] });
      cdn.snapshots['/snap.json'] = t2;
      assert.deepEqual(await page.evaluate(refresh), { revision: 'cdn-2', stale: false, errors: [] });
      const entry = JSON.parse(await page.evaluate((key) => localStorage.getItem(key), key));
      assert.equal(entry.etag, expose ? etagOf(t2) : null, 'the ETag is readable only when the CDN exposes it');
      // A reload starts from the cached snapshot at once (the CDN holds its answer), then revalidates.
      let release;
      cdn.hold = new Promise((r) => (release = r));
      await page.reload();
      assert.deepEqual(await page.evaluate(startClient, [u, undefined, 60000]), { revision: 'cdn-2' });
      await until(() => cdn.log.length === 4);
      cdn.hold = null;
      release();
      assert.deepEqual(await page.evaluate(refresh), { revision: 'cdn-2', stale: false, errors: [] });
      await page.evaluate(() => window.__c.close());
    });
    assert.deepEqual(requests(cdn), [
      ['GET', '/snap.json', null],
      ['GET', '/snap.json', etagOf(t1)], ['GET', '/snap.json', etagOf(t1)],
      ['GET', '/snap.json', etagOf(t2)], ['GET', '/snap.json', etagOf(t2)],
    ], `no preflight, the browser's ETag (expose: ${expose})`);
    assert.ok(cdn.log.every((r) => r.origin === site.url && r.cookie === null), 'CORS GETs, without cookies');
  }
});

test('a snapshot on a CDN that answers no CORS: createClient resolves by its timeout with nothing loaded, and every fetch is an error event', async () => {
  const [site, cdn] = await origins(['127.0.0.1'], ['localhost', { cors: 'none' }]);
  cdn.snapshots['/snap.json'] = snapshotText('hidden');
  const u = `${cdn.url}/snap.json`;
  await open(site, async (page) => {
    assert.deepEqual(await page.evaluate(startClient, [u, undefined, 1000]), { revision: null });
    const got = await page.evaluate(refresh);
    assert.equal(got.revision, null);
    assert.ok(got.errors.length >= 1);
    for (const m of got.errors) assert.equal(m, `feats-edge: ${u}: Failed to fetch${CORS}`);
    await page.evaluate(() => window.__c.close());
  });
  assert.ok(cdn.log.length >= 2 && cdn.log.every((r) => r.method === 'GET' && r.inm === null), 'simple GETs, each answered and refused by the browser');
});

test('a CDN that redirects to a third origin: that origin is sent Origin: null, so it must allow any origin (allowing the page\'s alone fails)', async () => {
  const [site] = await origins(['127.0.0.1']);
  for (const allow of ['star', 'page']) {
    const [cdn, store] = await origins(['localhost', { cors: 'star' }], ['localhost', { cors: allow === 'star' ? 'star' : site.url }]);
    cdn.redirects['/snap.json'] = `${store.url}/snap.json`;
    store.snapshots['/snap.json'] = snapshotText('moved-1');
    const u = `${cdn.url}/snap.json`;
    await open(site, async (page) => {
      // The failed first fetch's retry held a minute off (drawn at the top
      // of its backoff), so that refresh() alone fetches and is heard.
      await page.evaluate(() => (Math.random = () => 1 - 2 ** -53));
      // (Loaded, createClient resolves at once; refused, by its timeout, 1 s.)
      const { revision } = await page.evaluate(startClient, [u, undefined, allow === 'star' ? 10_000 : 1000, 60_000]);
      // The first fetch's failure heard, also when it took longer than that
      // timeout (a slow host): else it was heard with refresh()'s.
      if (allow !== 'star') await page.waitForFunction(() => window.__errors.length > 0);
      const errors = await page.evaluate(() => window.__errors.splice(0));
      if (allow === 'star') {
        assert.deepEqual({ revision, errors }, { revision: 'moved-1', errors: [] });
        store.snapshots['/snap.json'] = snapshotText('moved-2');
        assert.deepEqual(await page.evaluate(refresh), { revision: 'moved-2', stale: false, errors: [] });
      } else {
        assert.deepEqual({ revision, errors }, { revision: null, errors: [`feats-edge: ${u}: Failed to fetch${CORS}`] });
        assert.deepEqual(await page.evaluate(refresh), { revision: null, stale: false, errors: [`feats-edge: ${u}: Failed to fetch${CORS}`] });
      }
      await page.evaluate(() => window.__c.close());
    });
    assert.ok(store.log.length >= 2 && store.log.every((r) => r.method === 'GET' && r.origin === 'null'));
  }
});

test("a snapshot URL of the page's own that redirects to a CDN exposing its ETag: polls keep working, with no If-None-Match of the client's", async () => {
  const [site, cdn] = await origins(['127.0.0.1'], ['localhost', { cors: 'star', expose: true, preflight: false }]);
  site.redirects['/flags.json'] = `${cdn.url}/snap.json`;
  const [t1, t2] = [snapshotText('r-1'), snapshotText('r-2')];
  cdn.snapshots['/snap.json'] = t1;
  await open(site, async (page) => {
    assert.deepEqual(await page.evaluate(startClient, ['/flags.json']), { revision: 'r-1' });
    assert.deepEqual(await page.evaluate(refresh), { revision: 'r-1', stale: false, errors: [] });
    cdn.snapshots['/snap.json'] = t2;
    assert.deepEqual(await page.evaluate(refresh), { revision: 'r-2', stale: false, errors: [] });
    // The next visit's first fetch too: the cache entry holds no ETag to send.
    assert.equal(JSON.parse(await page.evaluate(() => localStorage.getItem('feats-edge:snapshot:/flags.json'))).etag, null);
    await page.reload();
    assert.deepEqual(await page.evaluate(startClient, ['/flags.json']), { revision: 'r-2' });
    assert.deepEqual(await page.evaluate(refresh), { revision: 'r-2', stale: false, errors: [] });
    await page.evaluate(() => window.__c.close());
  });
  assert.deepEqual(site.log.filter((r) => r.path === '/flags.json').map((r) => r.inm), [null, null, null, null, null]);
  assert.deepEqual(requests(cdn), [
    ['GET', '/snap.json', null],
    ['GET', '/snap.json', etagOf(t1)], ['GET', '/snap.json', etagOf(t1)],
    ['GET', '/snap.json', etagOf(t2)], ['GET', '/snap.json', etagOf(t2)],
  ], 'no preflight: the browser revalidates with its own ETag');
});

test("a page's snapshot URL that starts redirecting to a CDN: a returning visitor's cached ETag is sent once, then the CDN's snapshot loads", async () => {
  const [site, cdn] = await origins(['127.0.0.1'], ['localhost', { cors: 'star', expose: true, preflight: false }]);
  const [t1, t2] = [snapshotText('own-1'), snapshotText('cdn-2')];
  site.snapshots['/moving.json'] = t1;
  cdn.snapshots['/snap.json'] = t2;
  await open(site, async (page) => {
    assert.deepEqual(await page.evaluate(startClient, ['/moving.json']), { revision: 'own-1' });
    await page.evaluate(() => window.__c.close());
    assert.equal(JSON.parse(await page.evaluate(() => localStorage.getItem('feats-edge:snapshot:/moving.json'))).etag, etagOf(t1));
    // The next visit: the URL now leads to the CDN, which answers no preflight.
    delete site.snapshots['/moving.json'];
    site.redirects['/moving.json'] = `${cdn.url}/snap.json`;
    await page.reload();
    assert.deepEqual(await page.evaluate(startClient, ['/moving.json']), { revision: 'own-1' });
    assert.equal(await until(() => page.evaluate(() => window.__c.revision === 'cdn-2'), 5000), true);
    assert.deepEqual(await page.evaluate(refresh), { revision: 'cdn-2', stale: false, errors: ['feats-edge: /moving.json: Failed to fetch'] });
    assert.deepEqual(await page.evaluate(refresh), { revision: 'cdn-2', stale: false, errors: [] });
    await page.evaluate(() => window.__c.close());
  });
  assert.deepEqual(site.log.filter((r) => r.path === '/moving.json').map((r) => r.inm), [null, etagOf(t1), null, null, null]);
  assert.deepEqual(requests(cdn), [['OPTIONS'], ['GET', '/snap.json', null], ['GET', '/snap.json', etagOf(t2)], ['GET', '/snap.json', etagOf(t2)]],
    "the cached ETag's preflight, refused; then the browser's own revalidation");
});

test('a client in a Web Worker with its snapshot on a CDN: polls keep working, with no If-None-Match of the client\'s', async () => {
  const [site, cdn] = await origins(['127.0.0.1'], ['localhost', { cors: 'star', expose: true, preflight: false }]);
  const [t1, t2] = [snapshotText('w-1'), snapshotText('w-2')];
  cdn.snapshots['/snap.json'] = t1;
  // Each message: the first creates the client, the next refresh it; the answer is what it serves and said.
  site.files['/worker.js'] = `
    import { createClient } from '/pkg/index.js';
    let c;
    const errors = [];
    onmessage = async (e) => {
      if (c) await c.refresh();
      else (c = await createClient({ snapshotUrl: e.data, refreshInterval: 0 })).on('error', (x) => errors.push(x.message));
      postMessage({ revision: c.revision, errors: errors.splice(0) });
    };`;
  await open(site, async (page) => {
    const ask = (u) => page.evaluate((u) => new Promise((r) => {
      window.__w ??= new Worker('/worker.js', { type: 'module' });
      window.__w.onmessage = (e) => r(e.data);
      window.__w.postMessage(u);
    }), u);
    const u = `${cdn.url}/snap.json`;
    assert.deepEqual(await ask(u), { revision: 'w-1', errors: [] });
    assert.deepEqual(await ask(u), { revision: 'w-1', errors: [] });
    cdn.snapshots['/snap.json'] = t2;
    assert.deepEqual(await ask(u), { revision: 'w-2', errors: [] });
  });
  assert.deepEqual(requests(cdn), [['GET', '/snap.json', null], ['GET', '/snap.json', etagOf(t1)], ['GET', '/snap.json', etagOf(t1)]],
    'no preflight: the browser revalidates with its own ETag');
});

/**
 * In a page of `site` with a sink at `x`: two exposures flushed while the
 * page is visible, one when it is hidden (then visible again), one when it
 * goes away (a navigation). What the page counted and heard at each step.
 */
async function threeWays(site, x) {
  const steps = {};
  await open(site, async (page) => {
    site.snapshots['/snap.json'] = snapshotText('r1');
    // No retry of a failed POST while the steps run (each backoff step its
    // ceiling, a minute): one under way at page hide would hold the events
    // that page hide beacons.
    await page.evaluate(startClient, ['/snap.json', x, undefined, 60_000]);
    await page.evaluate(() => (Math.random = () => 1 - 2 ** -53));
    steps.visible = await page.evaluate(async () => {
      window.__c.create('Exp', { user: { id: 'v1' } });
      window.__c.create('Exp', { user: { id: 'v2' } });
      await window.__c.flush();
      return window.__now();
    });
    steps.hidden = await page.evaluate(async () => {
      window.__c.create('Exp', { user: { id: 'h1' } });
      window.__show('hidden');
      await window.__c.flush();
      window.__show('visible');
      return window.__now();
    });
    await page.evaluate(() => {
      window.__c.create('Exp', { user: { id: 'p1' } });
      // (Read after the client's own pagehide listener, in a storage the next page reads.)
      addEventListener('pagehide', () => sessionStorage.setItem('at-pagehide', JSON.stringify({ ...window.__c.stats })));
    });
    await page.goto(`${site.url}/b.html`);
    steps.pagehide = JSON.parse(await page.evaluate(() => sessionStorage.getItem('at-pagehide')));
  });
  return steps;
}

test('a sink on another origin that allows the page\'s origin with credentials: every exposure arrives once, POSTs and the beacon alike', async () => {
  const [site, sink] = await origins(['127.0.0.1'], ['localhost', { cors: 'credentials' }]);
  const steps = await threeWays(site, `${sink.url}/x`);
  assert.deepEqual(steps, {
    visible: { dropped: 0, sent: 2, failed: 0, queued: 0, errors: [] },
    hidden: { dropped: 0, sent: 3, failed: 0, queued: 0, errors: [] },
    pagehide: { dropped: 0, sent: 4, failed: 0, queued: 0 },
  });
  await until(() => sink.log.length === 6);
  // The POSTs (application/json: a preflight each), the hidden page's by keepalive fetch, then the beacon.
  assert.deepEqual(requests(sink), [['OPTIONS'], ['POST', ['v1', 'v2']], ['OPTIONS'], ['POST', ['h1']], ['OPTIONS'], ['POST', ['p1']]]);
  assert.ok(sink.log.every((r) => r.origin === site.url));
});

test('a sink that allows any origin (*) but no credentials: POSTs arrive, the beacon of page hide is counted sent and dropped by the browser', async () => {
  const [site, sink] = await origins(['127.0.0.1'], ['localhost', { cors: 'star' }]);
  const steps = await threeWays(site, `${sink.url}/x`);
  assert.deepEqual(steps, {
    visible: { dropped: 0, sent: 2, failed: 0, queued: 0, errors: [] },
    hidden: { dropped: 0, sent: 3, failed: 0, queued: 0, errors: [] },
    pagehide: { dropped: 0, sent: 4, failed: 0, queued: 0 },
  });
  await until(() => sink.log.length === 5);
  await sleep(500); // (a POST would follow its preflight at once)
  assert.deepEqual(requests(sink), [['OPTIONS'], ['POST', ['v1', 'v2']], ['OPTIONS'], ['POST', ['h1']], ['OPTIONS']],
    "the beacon's preflight (credentialed: `*` refused), and no POST");
});

test('a sink that answers no CORS: POSTs fail as network errors and are retried, a hidden page sends no beacon, page hide beacons all the same (lost)', async () => {
  const [site, sink] = await origins(['127.0.0.1'], ['localhost', { cors: 'none' }]);
  const x = `${sink.url}/x`;
  const steps = await threeWays(site, x);
  const { errors: first, ...visible } = steps.visible, { errors: then, ...hidden } = steps.hidden;
  assert.deepEqual(visible, { dropped: 0, sent: 0, failed: 0, queued: 2 }, 'kept for a retry, not counted failed');
  assert.deepEqual(hidden, { dropped: 0, sent: 0, failed: 0, queued: 3 }, 'no beacon while the sink fails');
  assert.ok(first.length >= 1);
  for (const m of [...first, ...then]) assert.equal(m, `feats-edge: ${x}: Failed to fetch${CORS}`);
  assert.deepEqual(steps.pagehide, { dropped: 0, sent: 4, failed: 0, queued: 0 }, 'what the browser accepted');
  assert.ok(sink.log.length >= 3 && sink.log.every((r) => r.method === 'OPTIONS'), 'preflights only: nothing arrived');
});

test('a sink that answers no CORS, posted to by a fetch option in no-cors mode: the opaque answer counts the events sent, each arrives once, none is sent again', async () => {
  const [site, sink] = await origins(['127.0.0.1'], ['localhost', { cors: 'none' }]);
  site.snapshots['/snap.json'] = snapshotText('r1');
  await open(site, async (page) => {
    const stats = await page.evaluate(async (x) => {
      const { createClient } = await import('/pkg/index.js');
      const errors = [];
      // (no-cors allows no JSON Content-Type, so the POST goes as text/plain
      // with no preflight, and no redirect but followed: the client's
      // `redirect: "manual"` is overridden, or the request throws.)
      const fetchNoCors = (u, init) => fetch(u, init?.method === 'POST' ? { ...init, mode: 'no-cors', redirect: 'follow' } : init);
      const c = (window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: x, refreshInterval: 0, flushInterval: 0, retryDelay: 50, fetch: fetchNoCors }));
      c.on('error', (e) => errors.push(e.message));
      c.create('Exp', { user: { id: 'v1' } });
      c.create('Exp', { user: { id: 'v2' } });
      await c.flush();
      await new Promise((r) => setTimeout(r, 500)); // (a retry would have gone by now)
      return { revision: c.revision, ...c.stats, errors };
    }, `${sink.url}/x`);
    assert.deepEqual(stats, { revision: 'r1', dropped: 0, sent: 2, failed: 0, queued: 0, errors: [] });
  });
  assert.deepEqual(requests(sink), [['POST', ['v1', 'v2']]]);
});

test('beacons refused: the events leave by a keepalive fetch (with its preflight) and arrive from the page gone, with or without credentials allowed', async () => {
  for (const cors of ['credentials', 'star']) {
    const [site, sink] = await origins(['127.0.0.1'], ['localhost', { cors }]);
    await open(site, async (page) => {
      site.snapshots['/snap.json'] = snapshotText('r1');
      await page.evaluate(startClient, ['/snap.json', `${sink.url}/x`]);
      await page.evaluate(() => {
        window.__net = [];
        navigator.sendBeacon = (u, d) => (window.__net.push(['beacon', d.size > 0]), false);
        const f = window.fetch;
        window.fetch = (u, init) => (init?.method === 'POST' && window.__net.push(['fetch', init.keepalive]), f(u, init));
        for (let i = 0; i < 3; i++) window.__c.create('Exp', { user: { id: `gone-${i}` } });
        addEventListener('pagehide', () => sessionStorage.setItem('net', JSON.stringify(window.__net)));
      });
      await page.goto(`${site.url}/b.html`);
      assert.deepEqual(JSON.parse(await page.evaluate(() => sessionStorage.getItem('net'))),
        [['beacon', true], ['beacon', true], ['fetch', true]], 'halved to one event refused, then one keepalive fetch');
    });
    await until(() => sink.log.length === 2);
    assert.deepEqual(requests(sink), [['OPTIONS'], ['POST', ['gone-0', 'gone-1', 'gone-2']]]);
  }
});

test("cookies: the client's fetches send none to another origin; a beacon is credentialed and carries the cookies of the sink's host", async () => {
  // The sink on the page's host, another port: another origin, the same cookies (cookies ignore ports).
  const [site, cdn, sink] = await origins(['127.0.0.1'], ['127.0.0.1', { cors: 'star' }], ['127.0.0.1', { cors: 'credentials' }]);
  cdn.snapshots['/snap.json'] = snapshotText('c1');
  site.snapshots['/snap.json'] = snapshotText('c1');
  await open(site, async (page) => {
    await page.evaluate(() => (document.cookie = 'session=page-secret; path=/'));
    await page.evaluate(startClient, [`${cdn.url}/snap.json`, `${sink.url}/x`]);
    await page.evaluate(async () => (window.__c.create('Exp', { user: { id: 'c-post' } }), await window.__c.flush()));
    await page.evaluate(() => window.__c.create('Exp', { user: { id: 'c-beacon' } }));
    await page.goto(`${site.url}/b.html`);
  });
  await until(() => sink.log.length === 4);
  assert.deepEqual(sink.log.map((r) => [r.method, r.units ?? null, r.cookie]), [
    ['OPTIONS', null, null], ['POST', ['c-post'], null],
    ['OPTIONS', null, null], ['POST', ['c-beacon'], 'session=page-secret'],
  ]);
  assert.deepEqual(cdn.log.map((r) => [r.method, r.cookie]), [['GET', null]]);
  assert.ok(site.log.filter((r) => r.path === '/b.html').every((r) => r.cookie === 'session=page-secret'), '(the cookie was set)');
});

test('a page going away with 1 000 exposures queued, to a sink that allows it with credentials: what the beacons carried arrives, nothing twice', async () => {
  // The rest, past the keepalive quota, leaves by plain POSTs, which a page
  // going away may not finish: with the sink's preflights cached, they
  // arrived in most runs (in about 1 of 15, none of their 652 events did);
  // with preflights not cached, they needed one of their own, and in most
  // runs did not arrive.
  const [site, sink] = await origins(['127.0.0.1'], ['localhost', { cors: 'credentials', maxAge: 600 }]);
  let atPagehide;
  await open(site, async (page) => {
    site.snapshots['/snap.json'] = snapshotText('r1');
    await page.evaluate(async (x) => {
      const { createClient } = await import('/pkg/index.js');
      const c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: x, refreshInterval: 0, flushInterval: 0, maxBatch: 10000 });
      // One POST while the page lives (its preflight cached), then 1 000 that wait for page hide.
      c.create('Exp', { user: { id: 'alive' } });
      await c.flush();
      for (let i = 0; i < 1000; i++) c.create('Exp', { user: { id: `leaving-${i}` } });
      addEventListener('pagehide', () => sessionStorage.setItem('at-pagehide', JSON.stringify({ ...c.stats })));
    }, `${sink.url}/x`);
    await page.goto(`${site.url}/b.html`);
    atPagehide = JSON.parse(await page.evaluate(() => sessionStorage.getItem('at-pagehide')));
  });
  const units = () => sink.log.flatMap((r) => r.units ?? []);
  // What the beacons carried is counted sent (the rest is under way).
  assert.ok(atPagehide.sent > 100 && atPagehide.sent < 1001 && atPagehide.queued === 1001 - atPagehide.sent, JSON.stringify(atPagehide));
  await until(() => units().length >= 1001, 5000);
  assert.ok(units().length >= atPagehide.sent, 'every event a beacon carried');
  assert.equal(new Set(units()).size, units().length, 'none twice');
  // (The oldest first: the POST of the page alive, then the beacons, in any order of arrival.)
  const got = new Set(units());
  assert.deepEqual(['alive', ...Array.from({ length: atPagehide.sent - 1 }, (_, i) => `leaving-${i}`)].filter((u) => !got.has(u)), []);
});

test('a page going away with 1 000 exposures queued (maxBatch 100) to a sink on another origin whose answers wait: what it could not be sure to send is kept, and the next page of the origin sends it: every event arrives', async () => {
  // The sink's answers held: the page's requests fill the connections to
  // it, and the plain POSTs of page hide that wait for one die with the
  // page (beacons and keepalive POSTs go on after it).
  const [site, sink] = await origins(['127.0.0.1'], ['localhost', { cors: 'credentials', maxAge: 600 }]);
  site.snapshots['/snap.json'] = snapshotText('r1');
  const x = `${sink.url}/x`;
  const start = async (x) => {
    const { createClient } = await import('/pkg/index.js');
    window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: x, refreshInterval: 0, flushInterval: 0 });
  };
  const units = () => new Set(sink.log.flatMap((r) => r.units ?? []));
  await open(site, async (page) => {
    await page.evaluate(start, x);
    await page.evaluate(() => (window.__c.create('Exp', { user: { id: 'alive' } }), window.__c.flush())); // (its preflight cached)
    let release;
    sink.hold = new Promise((r) => (release = r));
    await page.evaluate(() => { for (let i = 0; i < 1000; i++) window.__c.create('Exp', { user: { id: `leaving-${i}` } }); });
    await page.goto(`${site.url}/b.html`);
    release();
    sink.hold = null;
    // The next page of the origin, with a client of the same sink.
    const kept = await page.evaluate((key) => Object.keys(localStorage).filter((k) => k.startsWith(key)).reduce((n, k) => n + JSON.parse(localStorage.getItem(k)).events.length, 0), `feats-edge:exposures:${x} `);
    assert.ok(kept > 0, 'kept for the next page');
    await page.evaluate(start, x);
    await until(() => units().size >= 1001 && page.evaluate(() => window.__c.stats.queued === 0), 15000).catch(() => {});
    assert.equal(units().size, 1001, `every event (${kept} kept for the next page)`);
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':exposures:'))), []);
    await page.evaluate(() => window.__c.close());
  });
});
