// What preloading the .wasm saves a page, in headless Chromium: the time
// from navigation to the first evaluation (1 000-feature snapshot), for
//   plain       a module script that imports the bundle, then init() fetches the .wasm
//   wasm        the same page with <link rel="preload" as="fetch" crossorigin> of the .wasm
//   wasm+module also <link rel="modulepreload"> of the bundle
// every response held back by DELAY ms (a network's round trip; default 40),
// each page in a new browser context (empty caches), the three alternating.
//   node benches/preload.mjs [DELAY] [REPETITIONS]
// Also checks that each page fetched the .wasm once (a preload that does
// not match the package's fetch is fetched twice).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { snapshot } from './workload.mjs';
import { launchChromiumBrowser } from '../tests/js/helpers/runtimes.js';

const delay = Number(process.argv[2] ?? 40), reps = Number(process.argv[3] ?? 9);
const root = new URL('../', import.meta.url);
const out = new URL('target/preload-bench/', root);
mkdirSync(new URL('gen/', out), { recursive: true });
copyFileSync(new URL('pkg/gen/feats_edge_bg.wasm', root), new URL('gen/feats_edge_bg.wasm', out));
execFileSync(new URL('node_modules/.bin/esbuild', root).pathname, [new URL('pkg/index.js', root).pathname,
  '--bundle', '--minify', '--format=esm', '--log-level=warning', `--outfile=${new URL('feats-edge.js', out).pathname}`]);
writeFileSync(new URL('snapshot-1000.json', out), snapshot(1000));
const script = `<script type="module">
const text = await (await fetch('./snapshot-1000.json')).text();
const { init, Engine } = await import('./feats-edge.js');
await init();
const engine = new Engine(text);
if (engine.implementation('f0000', { user: { id: 'user-1', country: 'US' } }) === null) throw new Error('no implementation');
window.__done = performance.now();
</script>`;
const wasmLink = '<link rel="preload" href="gen/feats_edge_bg.wasm" as="fetch" crossorigin>';
const pages = {
  plain: '',
  wasm: wasmLink,
  'wasm+module': `${wasmLink}\n<link rel="modulepreload" href="feats-edge.js">`,
};
for (const [name, head] of Object.entries(pages)) {
  writeFileSync(new URL(`${name}.html`, out), `<!doctype html><meta charset="utf-8"><title>${name}</title>\n${head}\n${script}`);
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
let wasmFetches = 0;
const server = createServer((req, res) => {
  const path = new URL(`.${new URL(req.url, 'http://x').pathname}`, out);
  if (path.pathname.endsWith('.wasm')) wasmFetches++;
  setTimeout(() => {
    let body;
    try {
      body = readFileSync(path);
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': types[path.pathname.slice(path.pathname.lastIndexOf('.'))] ?? 'application/octet-stream' }).end(body);
  }, delay);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}`;
const browser = await launchChromiumBrowser();
const times = Object.fromEntries(Object.keys(pages).map((k) => [k, []]));
try {
  for (let i = 0; i < reps; i++) {
    const order = Object.keys(pages);
    for (const name of i % 2 ? order : order.reverse()) {
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.goto(`${url}/${name}.html`);
      await tab.waitForFunction(() => window.__done);
      times[name].push(await tab.evaluate(() => window.__done));
      await context.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`navigation to first evaluation, responses held ${delay} ms, medians of ${reps}:`);
for (const [name, xs] of Object.entries(times)) console.log(`  ${name.padEnd(12)} ${median(xs).toFixed(1)} ms`);
const pagesLoaded = reps * Object.keys(pages).length;
if (wasmFetches !== pagesLoaded) throw new Error(`the .wasm was fetched ${wasmFetches} times for ${pagesLoaded} pages`);
