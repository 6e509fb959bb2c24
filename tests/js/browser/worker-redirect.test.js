// A client in a browser's Web Worker (no `document`: the package takes it
// for a server runtime) with the `headers` option, whose snapshot URL
// redirects: a redirect the worker cannot see (`redirect: "manual"` gives
// an opaque answer there) is left to `fetch`, and the snapshot loads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { root, launchChromium } from '../helpers/runtimes.js';

const snapshot = JSON.stringify({ schema: 1, revision: 'via-redirect', features: {} });
/** What /flags.json serves (see the kill switch test). */
let flags = JSON.stringify({ schema: 1, revision: 'before-kill', features: {} });
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
let server, browser, base;

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/old.json') return res.writeHead(302, { Location: '/snapshot.json' }).end();
    if (path === '/snapshot.json') return res.writeHead(200, { 'Content-Type': 'application/json' }).end(snapshot);
    // A plain static host: Last-Modified ten days back, no ETag, no Cache-Control.
    if (path === '/flags.json') return res.writeHead(200, { 'Content-Type': 'application/json', 'Last-Modified': new Date(Date.now() - 10 * 86400e3).toUTCString() }).end(flags);
    if (path === '/poller.js') {
      return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(`
        import { createClient } from '/pkg/index.js';
        const c = await createClient({ snapshotUrl: location.origin + '/flags.json', refreshInterval: 200 });
        onmessage = () => postMessage(c.revision);
        postMessage('started');`);
    }
    if (path === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>worker</title>');
    if (path === '/worker.js') {
      return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(`
        import { createClient } from '/pkg/index.js';
        onmessage = async (e) => {
          const errors = [];
          const c = await createClient({ snapshotUrl: location.origin + '/old.json', refreshInterval: 0, timeout: 3000, ...e.data });
          c.on('error', (x) => errors.push(x.message));
          postMessage({ revision: c.revision, errors });
        };`);
    }
    const file = join(root, path);
    if (path.startsWith('/pkg/') && existsSync(file)) return res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await new Promise((r) => (server.closeAllConnections(), server.close(r)));
});

test("in a Web Worker, a snapshot behind a redirect loads with the headers option as without it", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  for (const options of [{}, { headers: { 'X-Api-Key': 'k' } }]) {
    const out = await page.evaluate((data) => new Promise((resolve) => {
      const w = new Worker('/worker.js', { type: 'module' });
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => resolve({ error: e.message });
      w.postMessage(data);
    }), options);
    assert.deepEqual(out, { revision: 'via-redirect', errors: [] }, JSON.stringify(options));
  }
  await page.close();
});

test('in a Web Worker, a kill switch reaches a client polling a host that sends Last-Modified and no ETag (the HTTP cache is asked to revalidate)', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/`);
    await page.evaluate(() => new Promise((resolve, reject) => {
      window.poller = new Worker('/poller.js', { type: 'module' });
      window.poller.onmessage = () => resolve();
      window.poller.onerror = (e) => reject(new Error(e.message));
    }));
    const revision = () => page.evaluate(() => new Promise((resolve) => {
      window.poller.onmessage = (e) => resolve(e.data);
      window.poller.postMessage(0);
    }));
    assert.equal(await revision(), 'before-kill');
    flags = JSON.stringify({ schema: 1, revision: 'killed', features: {} });
    let seen;
    for (let i = 0; i < 100 && (seen = await revision()) !== 'killed'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen, 'killed', 'the worker kept the snapshot from before the kill');
  } finally {
    await page.close();
  }
});
