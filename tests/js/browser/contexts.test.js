// The client in pages of unusual kinds, in Chromium: frames and pages
// whose localStorage throws or is full, a page prerendered by
// Speculation Rules (not shown yet, maybe never), a page whose
// Content-Security-Policy refuses the exposure sink, and a service worker
// that evaluates per request and is stopped between requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { root, launchChromium, until } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/tmp.js';

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
/** The snapshot served, at revision `revision`. */
let revision = 'r1';
const snapshotText = () => JSON.stringify({
  schema: 1, revision, segments: { UserId: { from: { user: '{id}' } } },
  features: {
    Checkout: { inputs: ['user'], implementations: ['classic', 'onepage'], default: 'classic' },
    Random: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ experiment: { name: 'exp', by: 'UserId', weights: { a: 50, b: 50 }, random: true } }] },
  },
});
/** What the server saw, in order: `GET /flags.json`, `POST /exposures`, `mark <what the page said>`. */
let seen = [];
/** Pages by path: [headers, body]. */
const pages = new Map();
/** Whether the prerendering page may navigate to the prerendered one. */
let go = false;
/** Whether /moving.json redirects to an origin the pages' policy refuses (as an expired session to a sign-in page). */
let moving = false;
let server, browser, base, sink;

/** A server of the package, `pages`, a snapshot and an exposure sink; `seen` records what reached it. */
function serve() {
  return createServer((req, res) => {
    const url = new URL(req.url, 'http://x'), path = url.pathname;
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*' };
    if (req.method == 'OPTIONS') return res.writeHead(204, cors).end();
    if (path == '/flags.json') return seen.push('GET /flags.json'), res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...cors }).end(snapshotText());
    if (path == '/exposures') return seen.push('POST /exposures'), res.writeHead(204, cors).end();
    if (path == '/mark') return seen.push(`mark ${url.search.slice(1)}`), res.writeHead(204).end();
    if (path == '/moving.json') {
      if (moving) return seen.push('GET /moving.json 302'), res.writeHead(302, { Location: 'http://localhost:9/sign-in', 'Cache-Control': 'no-store' }).end();
      return seen.push('GET /moving.json'), res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(snapshotText());
    }
    if (path == '/go') return res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' }).end(String(go));
    if (pages.has(path)) {
      const [headers, body] = pages.get(path);
      return res.writeHead(200, { 'Content-Type': path.endsWith('.js') ? 'text/javascript' : 'text/html', ...headers }).end(body);
    }
    // (With CORS: frames of other origins, and sandboxed ones, import it.)
    const file = join(root, path);
    if (path.startsWith('/pkg/') && existsSync(file)) return res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', ...cors }).end(readFileSync(file));
    res.writeHead(404).end();
  });
}

before(async () => {
  server = serve();
  sink = serve();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  for (const s of [server, sink]) await new Promise((r) => (s.closeAllConnections(), s.close(r)));
});

/**
 * A page that makes a client of `base` and uses a `random` experiment 20
 * times for one unit, then gives `report` what it saw: whether
 * localStorage threw, the revision, the arms served, the errors heard and
 * what was thrown. `prepare`: code run first.
 */
const storagePage = (report, prepare = '') => `<!doctype html><title>storage</title><script type="module">
  const thrown = [];
  addEventListener('error', (e) => thrown.push(String(e.message)));
  addEventListener('unhandledrejection', (e) => thrown.push(String(e.reason)));
  ${prepare}
  let storage = 'ok';
  try {
    localStorage.setItem('probe', '1');
  } catch (e) {
    storage = e.name;
  }
  const { createClient } = await import('${base}/pkg/index.js');
  const errors = [];
  const c = await createClient({ snapshotUrl: '${base}/flags.json', exposureUrl: '${base}/exposures' });
  c.on('error', (e) => errors.push(e.message));
  const arms = new Set();
  for (let i = 0; i < 20; i++) arms.add(c.create('Random', { user: { id: 'u1' } }));
  await c.flush();
  ${report}({ storage, revision: c.revision, arms: [...arms], errors, thrown });
</script>`;

test('where localStorage throws (a sandboxed iframe, a third-party iframe) or is full: the snapshot loads, nothing is thrown, and an assignment holds for the page', async () => {
  const other = `http://localhost:${sink.address().port}`;
  const frame = storagePage("parent.postMessage", '').replace("({ storage", "({ frame: self.origin, storage").replace("errors, thrown });", "errors, thrown }, '*');");
  pages.set('/frame', [{}, frame]);
  pages.set('/frames', [{}, `<!doctype html><title>frames</title>
    <script>window.got = []; addEventListener('message', (e) => got.push(e.data));</script>
    <iframe sandbox="allow-scripts" src="/frame"></iframe><iframe src="${other}/frame"></iframe>`]);
  // The quota filled with the page's own data before the client starts.
  pages.set('/full', [{}, storagePage('window.done = ', `
    for (const size of [1e6, 1e3, 1]) {
      try {
        for (let i = 0; ; i++) localStorage.setItem(size + ':' + i, 'x'.repeat(size));
      } catch {}
    }`)]);
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/frames`);
    await page.waitForFunction(() => window.got.length == 2, null, { timeout: 20000 });
    const frames = await page.evaluate(() => window.got);
    // (A third-party frame's storage is blocked or partitioned, as the browser's settings say.)
    assert.deepEqual(frames.map((f) => f.frame).sort(), ['null', other].sort());
    for (const f of frames) {
      if (f.frame == 'null') assert.equal(f.storage, 'SecurityError', JSON.stringify(f));
      assert.deepEqual([f.revision, f.arms.length, f.errors, f.thrown], ['r1', 1, [], []], JSON.stringify(f));
    }
    await page.goto(`${base}/full`);
    await page.waitForFunction(() => window.done, null, { timeout: 60000 });
    const full = await page.evaluate(() => window.done);
    assert.equal(full.storage, 'QuotaExceededError');
    assert.deepEqual([full.revision, full.arms.length, full.thrown], ['r1', 1, []]);
    assert.equal(full.errors.length, 1, full.errors.join('\n'));
    assert.match(full.errors[0], /did not fit in localStorage/);
  } finally {
    await page.evaluate(() => localStorage.clear()).catch(() => {});
    await page.close();
  }
});

test("a quota full from the start: the page's localStorage is looked through once, not again at each new assignment", async () => {
  pages.set('/full-keys', [{}, `<!doctype html><title>full</title><script type="module">
    let keys = 0;
    for (const size of [1e6, 1e3, 1]) {
      try {
        for (let i = 0; ; i++) localStorage.setItem(size + ':' + i, 'x'.repeat(size)), keys++;
      } catch {}
    }
    const { createClient } = await import('/pkg/index.js');
    const c = await createClient({ snapshotUrl: '/flags.json' });
    // Each call of Storage's key() is one step of a look through all of it.
    let steps = 0;
    const key = Storage.prototype.key;
    Storage.prototype.key = function (i) {
      steps++;
      return key.call(this, i);
    };
    const arms = [];
    for (let i = 0; i < 50; i++) arms.push(c.create('Random', { user: { id: 'u' + i } }));
    const again = arms.every((arm, i) => c.create('Random', { user: { id: 'u' + i } }) == arm);
    Storage.prototype.key = key;
    localStorage.clear();
    window.done = { keys, steps, again };
  </script>`]);
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/full-keys`);
    await page.waitForFunction(() => window.done, null, { timeout: 60000 });
    const { keys, steps, again } = await page.evaluate(() => window.done);
    assert.ok(keys > 10, `${keys} keys`);
    assert.ok(again, 'an assignment changed');
    assert.ok(steps <= keys + 10, `${steps} steps through ${keys} keys for 50 new assignments`);
  } finally {
    await page.close();
  }
});

test("a Content-Security-Policy whose connect-src refuses the snapshot's origin: said once, naming it, and asked again only at the polling interval or by refresh()", async () => {
  const other = `http://localhost:${sink.address().port}/flags.json`;
  pages.set('/csp-snapshot', [{ 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; connect-src 'self'" },
    `<!doctype html><title>csp</title><script type="module">
    import { createClient } from '/pkg/index.js';
    window.violations = 0;
    document.addEventListener('securitypolicyviolation', (e) => e.blockedURI == ${JSON.stringify(other)} && window.violations++);
    window.errors = [];
    const c = await createClient({ snapshotUrl: ${JSON.stringify(other)}, retryDelay: 50, timeout: 60000 });
    c.on('error', (e) => errors.push(e.message));
    window.ready = await c.ready;
    window.c = c;
  </script>`]);
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/csp-snapshot`);
    // (createClient resolves once the refusal is known, not after its timeout.)
    await page.waitForFunction(() => window.c, null, { timeout: 10000 });
    // Long enough for several retries with a backoff that starts at 50 ms.
    await page.waitForTimeout(2000);
    const got = await page.evaluate(() => ({ errors, violations, revision: c.revision, ready }));
    const csp = got.errors.filter((m) => m.includes('Content-Security-Policy'));
    assert.equal(csp.length, 1, got.errors.join('\n'));
    assert.ok(csp[0].includes(other) && csp[0].includes('connect-src'), csp[0]);
    assert.ok(got.violations <= 2, `${got.violations} refused requests for the snapshot`);
    assert.deepEqual([got.revision, got.ready], [null, false]);
    // refresh() asks again, once (no retries after a backoff), and says nothing more.
    await page.evaluate(() => c.refresh());
    await page.waitForFunction((n) => window.violations > n, got.violations, { timeout: 5000 });
    await page.waitForTimeout(1000);
    assert.deepEqual(await page.evaluate(() => [errors, violations]), [got.errors, got.violations + 1]);
  } finally {
    await page.close();
  }
});

// Chromium prerenders nothing for a browser under DevTools (Playwright's):
// this test starts one of its own, which the pages drive through the server.
test('a prerendered page loads its snapshot but neither polls nor reports exposures until it is shown', async () => {
  seen = [];
  go = false;
  pages.set('/', [{}, `<!doctype html><title>start</title>
    <script type="speculationrules">{"prerender": [{"source": "list", "urls": ["/next"]}]}</script>
    <script>setInterval(async () => (await (await fetch('/go')).text()) == 'true' && (location.href = '/next'), 100)</script>`]);
  pages.set('/next', [{}, `<!doctype html><title>next</title><script type="module">
    import { createClient } from '/pkg/index.js';
    const c = await createClient({ snapshotUrl: '/flags.json', exposureUrl: '/exposures', refreshInterval: 1000, flushInterval: 200 });
    c.usedImplementation('Checkout', 'classic', { user: { id: 'u1' } });
    await c.flush();
    fetch('/mark?used-' + (document.prerendering ? 'prerendering' : 'shown'));
  </script>`]);
  const chromium = spawn('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${tempDir('prerender')}`, `${base}/`], { stdio: 'ignore' });
  try {
    assert.ok(await until(() => seen.includes('mark used-prerendering'), 20000), `the page was not prerendered: ${seen}`);
    // Three polling intervals of a page not shown.
    await new Promise((r) => setTimeout(r, 3000));
    const before = seen.slice();
    assert.deepEqual(before.filter((s) => s != 'mark used-prerendering'), ['GET /flags.json'], 'polled or reported while prerendered');
    go = true;
    assert.ok(await until(() => seen.includes('POST /exposures'), 10000), `the exposure was not sent once shown: ${seen}`);
    assert.ok(await until(() => seen.filter((s) => s == 'GET /flags.json').length > 1, 10000), 'no poll once shown');
  } finally {
    chromium.kill();
  }
});

test("a Content-Security-Policy whose connect-src refuses the exposure sink: said once, naming the sink, and no request is tried again", async () => {
  const other = `http://localhost:${sink.address().port}/exposures`;
  pages.set('/csp', [{ 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; connect-src 'self'" },
    `<!doctype html><title>csp</title><script type="module">
    import { createClient } from '/pkg/index.js';
    window.violations = 0;
    document.addEventListener('securitypolicyviolation', (e) => e.blockedURI == ${JSON.stringify(other)} && window.violations++);
    // (Three events of three units, one a batch: some are still queued when the policy's refusal is heard.)
    const c = await createClient({ snapshotUrl: '/flags.json', exposureUrl: ${JSON.stringify(other)}, flushInterval: 50, retryDelay: 50, maxBatch: 1 });
    window.errors = [];
    c.on('error', (e) => errors.push(e.message));
    for (const id of ['u1', 'u3', 'u4']) c.usedImplementation('Random', 'a', { user: { id } });
    window.c = c;
  </script>`]);
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/csp`);
    await page.waitForFunction(() => window.c);
    await page.waitForFunction(() => window.errors.some((m) => m.includes('Content-Security-Policy')), null, { timeout: 10000 });
    // Long enough for several retries with a backoff that starts at 50 ms.
    await page.waitForTimeout(2000);
    const first = await page.evaluate(() => ({ errors, violations, stats: { ...c.stats, queued: c.stats.queued } }));
    const csp = first.errors.filter((m) => m.includes('Content-Security-Policy'));
    assert.equal(csp.length, 1, first.errors.join('\n'));
    assert.ok(csp[0].includes(other) && csp[0].includes('connect-src'), csp[0]);
    assert.ok(first.violations <= 2, `${first.violations} refused requests to the sink`);
    assert.deepEqual(first.stats, { dropped: 0, sent: 0, failed: 3, queued: 0 });
    // A use after the refusal, then page hide: no beacon is counted as sent.
    const after = await page.evaluate(async () => {
      c.usedImplementation('Checkout', 'onepage', { user: { id: 'u2' } });
      dispatchEvent(new Event('pagehide'));
      await c.flush();
      return { violations, stats: { ...c.stats, queued: c.stats.queued } };
    });
    assert.equal(after.violations, first.violations);
    assert.deepEqual(after.stats, { dropped: 0, sent: 0, failed: 4, queued: 0 });
  } finally {
    await page.close();
  }
});

test("a Content-Security-Policy-Report-Only whose connect-src would refuse the exposure sink: its reports refuse nothing, and exposures go", async () => {
  const other = `http://localhost:${sink.address().port}/exposures`;
  pages.set('/csp-report-only', [{ 'Content-Security-Policy-Report-Only': "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; connect-src 'self'" },
    `<!doctype html><title>csp report-only</title><script type="module">
    import { createClient } from '/pkg/index.js';
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => e.blockedURI == ${JSON.stringify(other)} && violations.push(e.disposition));
    const c = await createClient({ snapshotUrl: '/flags.json', exposureUrl: ${JSON.stringify(other)}, flushInterval: 50 });
    window.errors = [];
    c.on('error', (e) => errors.push(e.message));
    c.usedImplementation('Checkout', 'classic', { user: { id: 'u1' } });
    window.c = c;
  </script>`]);
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/csp-report-only`);
    await page.waitForFunction(() => window.c && c.stats.sent == 1 && violations.length > 0, null, { timeout: 10000 });
    // A use after the report: sent too.
    await page.evaluate(() => c.usedImplementation('Checkout', 'onepage', { user: { id: 'u2' } }));
    await page.waitForFunction(() => c.stats.sent == 2, null, { timeout: 10000 }).catch(() => {});
    const got = await page.evaluate(() => ({ errors, violations: [...new Set(violations)], stats: { ...c.stats, queued: c.stats.queued } }));
    assert.deepEqual(got, { errors: [], violations: ['report'], stats: { dropped: 0, sent: 2, failed: 0, queued: 0 } });
  } finally {
    await page.close();
  }
});

test('in a service worker stopped after each request, isolateClient with the FetchEvent and its waitUntil delivers every exposure and picks up a new snapshot', async () => {
  seen = [];
  revision = 'r1';
  pages.set('/sw/', [{}, '<!doctype html><title>sw</title>']);
  pages.set('/sw/worker.js', [{}, `
    import { isolateClient } from '/pkg/index.js';
    const getClient = isolateClient({ snapshotUrl: '/flags.json', exposureUrl: '/exposures', refreshInterval: 1000 });
    self.addEventListener('install', () => self.skipWaiting());
    self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
    self.addEventListener('fetch', (e) => {
      const url = new URL(e.request.url);
      if (url.pathname != '/sw/eval') return;
      e.respondWith((async () => {
        const client = await getClient(undefined, e);
        const impl = client.create('Checkout', { user: { id: url.searchParams.get('id') } });
        e.waitUntil(client.flush());
        return Response.json({ impl, revision: client.revision });
      })());
    });`]);
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/sw/`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.register('/sw/worker.js', { type: 'module' });
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    const ask = (id) => page.evaluate((id) => fetch(`/sw/eval?id=${id}`).then((r) => r.json()), id);
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(await ask(`u${i}`), { impl: 'classic', revision: 'r1' });
      await cdp.send('ServiceWorker.stopAllWorkers');
    }
    assert.ok(await until(() => seen.filter((s) => s == 'POST /exposures').length == 4, 5000), `exposures lost with the worker: ${seen}`);
    // A worker that lives on revalidates at its requests: the new snapshot arrives.
    revision = 'r2';
    const last = await until(async () => (await ask('u9')).revision == 'r2', 10000, 300);
    assert.ok(last, 'the new snapshot never reached the worker');
  } finally {
    await page.close();
  }
});

test("a Content-Security-Policy that refuses the exposure sink's origin, with a fetch option that sends through a path of the page's own: page hide's refused beacon stops beacons alone, and exposures still go", async () => {
  seen = [];
  const other = `http://localhost:${sink.address().port}/exposures`;
  pages.set('/csp-proxy', [{ 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; connect-src 'self'" },
    `<!doctype html><title>csp</title><script type="module">
    import { createClient } from '/pkg/index.js';
    const sink = ${JSON.stringify(other)};
    window.violations = 0;
    document.addEventListener('securitypolicyviolation', (e) => e.blockedURI == sink && window.violations++);
    // The sink's origin is not in connect-src: its POSTs go through the page's own origin.
    const c = await createClient({ snapshotUrl: '/flags.json', exposureUrl: sink, flushInterval: 0,
      fetch: (u, init) => fetch(u === sink ? '/exposures' : u, init) });
    window.errors = [];
    c.on('error', (e) => errors.push(e.message));
    window.c = c;
  </script>`]);
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/csp-proxy`);
    await page.waitForFunction(() => window.c);
    const posts = () => seen.filter((s) => s == 'POST /exposures').length;
    const use = (id) => page.evaluate((id) => c.usedImplementation('Random', 'a', { user: { id } }), id);
    // Page hide with an exposure waiting: its beacon goes to the sink, which the policy refuses.
    await use('u1');
    await page.evaluate(() => dispatchEvent(new Event('pagehide')));
    await page.waitForFunction(() => window.violations > 0, null, { timeout: 10000 });
    // The page lives on (restored from the back/forward cache, say): its exposures still go.
    await use('u2');
    await page.evaluate(() => c.flush());
    assert.equal(posts(), 1, seen.join('\n'));
    // The next page hide sends by POST, not by a beacon the policy refuses.
    await use('u3');
    const violations = await page.evaluate(() => violations);
    await page.evaluate(() => dispatchEvent(new Event('pagehide')));
    assert.ok(await until(() => posts() == 2, 5000), seen.join('\n'));
    const got = await page.evaluate(() => ({ errors, violations, failed: c.stats.failed }));
    assert.equal(got.violations, violations);
    assert.deepEqual(got.errors, []);
    assert.equal(got.failed, 0);
  } finally {
    await page.close();
  }
});

test("with a fetch option that fetches the snapshot through a path of the page's own, another script's request the policy refuses at the snapshot URL stops nothing", async () => {
  seen = [];
  const other = `http://localhost:${sink.address().port}/flags.json`;
  pages.set('/csp-proxy-snapshot', [{ 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; connect-src 'self'" },
    `<!doctype html><title>csp</title><script type="module">
    import { createClient } from '/pkg/index.js';
    const snapshotUrl = ${JSON.stringify(other)};
    window.violations = 0;
    document.addEventListener('securitypolicyviolation', (e) => e.blockedURI == snapshotUrl && window.violations++);
    const c = await createClient({ snapshotUrl, refreshInterval: 1000, fetch: (u, init) => fetch(u === snapshotUrl ? '/flags.json' : u, init) });
    window.errors = [];
    c.on('error', (e) => errors.push(e.message));
    // Another script asks the snapshot's own origin, which the policy refuses.
    fetch(snapshotUrl).catch(() => {});
    window.c = c;
  </script>`]);
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/csp-proxy-snapshot`);
    await page.waitForFunction(() => window.c && window.violations > 0, null, { timeout: 10000 });
    const gets = seen.filter((s) => s == 'GET /flags.json').length;
    // Polled on, through the page's own path.
    assert.ok(await until(() => seen.filter((s) => s == 'GET /flags.json').length > gets, 5000), seen.join('\n'));
    const got = await page.evaluate(() => ({ errors, revision: c.revision, stale: c.stale }));
    assert.deepEqual(got, { errors: [], revision, stale: false });
  } finally {
    await page.close();
  }
});

test("a snapshot URL of the page's own origin redirected for a while to an origin connect-src refuses (an expired session sent to sign in): said once, and loaded once the redirect ends", async () => {
  seen = [];
  moving = true;
  revision = 'r1';
  pages.set('/csp-moving', [{ 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; connect-src 'self'" },
    `<!doctype html><title>csp</title><script type="module">
    import { createClient } from '/pkg/index.js';
    window.errors = [];
    const c = await createClient({ snapshotUrl: '/moving.json', refreshInterval: 1000, retryDelay: 50, timeout: 60000 });
    c.on('error', (e) => errors.push(e.message));
    window.c = c;
  </script>`]);
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/csp-moving`);
    await page.waitForFunction(() => window.c, null, { timeout: 10000 });
    await page.waitForFunction(() => errors.some((m) => m.includes('Content-Security-Policy')), null, { timeout: 10000 });
    assert.equal(await page.evaluate(() => c.revision), null);
    // Signed in again: the next poll is answered.
    moving = false;
    await page.waitForFunction(() => c.revision == 'r1', null, { timeout: 10000 });
    const errors = await page.evaluate(() => errors);
    assert.equal(errors.filter((m) => m.includes('Content-Security-Policy')).length, 1, errors.join('\n'));
  } finally {
    moving = false;
    await page.close();
  }
});

test("a Content-Security-Policy without 'unsafe-eval': engines evaluate by their generic code, alike, and code generation is tried once for the page, not once per engine", async () => {
  const { Engine } = await import('feats-edge');
  const snap = {
    schema: 1, segments: { UserId: { from: { user: '{id}' } }, Country: { from: { user: '{address.country}' } } },
    features: {
      F: { inputs: ['user'], implementations: ['a', 'b', 'c'], default: 'a', rules: [{ when: { segment: 'Country', in: ['CA'] }, serve: 'c' }, { split: { by: 'UserId', weights: { a: 50, b: 50 } } }] },
      G: { inputs: ['user'], implementations: ['x', 'y'], default: 'x', rules: [{ split: { by: 'UserId', weights: { x: 30, y: 70 } } }] },
    },
  };
  const user = (i) => ({ id: `u-${i}`, address: { country: i % 4 ? 'US' : 'CA' } });
  pages.set('/csp-eval', [{ 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; connect-src 'self'" },
    `<!doctype html><title>csp</title><script type="module">
    import { init, Engine } from '/pkg/index.js';
    window.evals = 0;
    document.addEventListener('securitypolicyviolation', (e) => e.blockedURI == 'eval' && window.evals++);
    await init();
    const user = ${user};
    const got = [];
    // Three engines, each past the calls after which generated code would be made.
    for (let k = 0; k < 3; k++) {
      const e = new Engine(${JSON.stringify(JSON.stringify(snap))});
      for (let i = 0; i < 40; i++) got.push([e.implementation('F', { user: user(i) }), e.implementations({ user: user(i) })]);
      e.free();
    }
    await new Promise((r) => setTimeout(r, 200)); // (violations are reported a task later)
    window.done = { got, evals };
  </script>`]);
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/csp-eval`);
    await page.waitForFunction(() => window.done, null, { timeout: 10000 });
    const { got, evals } = await page.evaluate(() => window.done);
    const e = new Engine(snap);
    const want = Array.from({ length: 40 }, (_, i) => [e.implementation('F', { user: user(i) }), e.implementations({ user: user(i) })]);
    e.free();
    assert.deepEqual(got, [...want, ...want, ...want]);
    assert.ok(new Set(want.map(([f]) => f)).size == 3, 'each implementation served');
    assert.equal(evals, 1);
  } finally {
    await page.close();
  }
});
