// The client in pages of unusual kinds, in Chromium: a page prerendered by
// Speculation Rules (not shown yet, maybe never) and a page whose
// Content-Security-Policy refuses the exposure sink.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { root, launchChromium, until } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/tmp.js';

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
const snapshot = JSON.stringify({
  schema: 1, revision: 'r1', segments: { UserId: { from: { user: '{id}' } } },
  features: { Checkout: { inputs: ['user'], implementations: ['classic', 'onepage'], default: 'classic' } },
});
/** What the server saw, in order: `GET /flags.json`, `POST /exposures`, `mark <what the page said>`. */
let seen = [];
/** Pages by path: [headers, body]. */
const pages = new Map();
/** Whether the prerendering page may navigate to the prerendered one. */
let go = false;
let server, browser, base, sink;

/** A server of the package, `pages`, a snapshot and an exposure sink; `seen` records what reached it. */
function serve() {
  return createServer((req, res) => {
    const url = new URL(req.url, 'http://x'), path = url.pathname;
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*' };
    if (req.method == 'OPTIONS') return res.writeHead(204, cors).end();
    if (path == '/flags.json') return seen.push('GET /flags.json'), res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...cors }).end(snapshot);
    if (path == '/exposures') return seen.push('POST /exposures'), res.writeHead(204, cors).end();
    if (path == '/mark') return seen.push(`mark ${url.search.slice(1)}`), res.writeHead(204).end();
    if (path == '/go') return res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' }).end(String(go));
    if (pages.has(path)) {
      const [headers, body] = pages.get(path);
      return res.writeHead(200, { 'Content-Type': 'text/html', ...headers }).end(body);
    }
    const file = join(root, path);
    if (path.startsWith('/pkg/') && existsSync(file)) return res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
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
    const c = await createClient({ snapshotUrl: '/flags.json', exposureUrl: ${JSON.stringify(other)}, flushInterval: 50, retryDelay: 50 });
    window.errors = [];
    c.on('error', (e) => errors.push(e.message));
    c.usedImplementation('Checkout', 'classic', { user: { id: 'u1' } });
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
    assert.deepEqual(first.stats, { dropped: 0, sent: 0, failed: 1, queued: 0 });
    // A use after the refusal, then page hide: no beacon is counted as sent.
    const after = await page.evaluate(async () => {
      c.usedImplementation('Checkout', 'onepage', { user: { id: 'u2' } });
      dispatchEvent(new Event('pagehide'));
      await c.flush();
      return { violations, stats: { ...c.stats, queued: c.stats.queued } };
    });
    assert.equal(after.violations, first.violations);
    assert.deepEqual(after.stats, { dropped: 0, sent: 0, failed: 2, queued: 0 });
  } finally {
    await page.close();
  }
});
