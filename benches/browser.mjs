// The npm package's benchmark in headless Chromium (Debian's, through
// playwright-core): the workload of benches/package.mjs, in the runtime most
// of the package's users ship to.
//   W1  one evaluation (engine.implementation), fresh context   ns/eval
//   W2  all 200 features for one context (implementations)     µs/context
//   W3  cold start in a new browser context (empty caches): import of the
//       bundled package (fetched from 127.0.0.1), `init()` (the .wasm fetched,
//       compiled and instantiated), load of the 1 000-feature snapshot (text
//       already in memory) and the first evaluation, ms; each phase's median
// The package is bundled by esbuild as an application would ship it, served
// with the .wasm from 127.0.0.1. Medians over repetitions; `--quick` for a
// short run. Writes target/browser-bench.json.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { snapshot } from './workload.mjs';
import { launchChromiumBrowser, startStatic } from '../tests/js/helpers/runtimes.js';

const quick = process.argv.includes('--quick');
const root = new URL('../', import.meta.url);
const out = new URL('target/browser-bench/', root);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// The bundle and the .wasm beside it, where `init()` looks for it.
mkdirSync(new URL('gen/', out), { recursive: true });
copyFileSync(new URL('pkg/gen/feats_edge_bg.wasm', root), new URL('gen/feats_edge_bg.wasm', out));
execFileSync(new URL('node_modules/.bin/esbuild', root).pathname, [
  new URL('pkg/index.js', root).pathname, '--bundle', '--minify', '--format=esm', '--log-level=warning',
  `--outfile=${new URL('feats-edge.js', out).pathname}`,
]);
writeFileSync(new URL('page.html', out), '<!doctype html><meta charset="utf-8"><title>feats-edge benchmark</title>\n');
writeFileSync(new URL('snapshot-200.json', out), snapshot(200));
writeFileSync(new URL('snapshot-1000.json', out), snapshot(1000));

const server = await startStatic();
const page = `${server.url}/target/browser-bench/page.html`;
const browser = await launchChromiumBrowser();

try {
  // W3: each run in a browser context of its own, so no HTTP cache, module
  // cache or compiled-wasm cache carries over from the previous run.
  const cold = [];
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(page);
    cold.push(await tab.evaluate(async () => {
      const text = await (await fetch('./snapshot-1000.json')).text();
      const t0 = performance.now();
      const { init, Engine } = await import('./feats-edge.js');
      const t1 = performance.now();
      await init();
      const t2 = performance.now();
      const engine = new Engine(text);
      const t3 = performance.now();
      const impl = engine.implementation('f0000', { user: { id: 'user-1', country: 'US' } });
      const t4 = performance.now();
      if (impl === null) throw new Error('no implementation');
      return { total: t4 - t0, import: t1 - t0, init: t2 - t1, load: t3 - t2, first: t4 - t3 };
    }));
    await context.close();
  }

  // W1 and W2 in one page, as in benches/package.mjs.
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(page);
  const warm = await tab.evaluate(async ({ reps, n1, n2 }) => {
    const { init, Engine } = await import('./feats-edge.js');
    await init();
    const engine = new Engine(await (await fetch('./snapshot-200.json')).text());
    const names = engine.features.map((f) => f.name);
    const ids = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
    const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'BR', 'JP', 'IN', 'MX'];
    const w1 = [], w2 = [];
    let check = 0;
    for (let r = -1; r < reps; r++) {
      const t0 = performance.now();
      for (let i = 0; i < n1; i++) {
        const u = i % 100_000;
        check += engine.implementation(names[i % 200], { user: { id: ids[u], country: COUNTRIES[u % 10] } }).length;
      }
      if (r >= 0) w1.push(((performance.now() - t0) * 1e6) / n1);
    }
    for (let r = -1; r < reps; r++) {
      const t0 = performance.now();
      for (let i = 0; i < n2; i++) check += engine.implementations({ user: { id: ids[i], country: COUNTRIES[i % 10] } }).f0000.length;
      if (r >= 0) w2.push(((performance.now() - t0) * 1e3) / n2);
    }
    return { w1, w2, check, userAgent: navigator.userAgent };
  }, { reps: quick ? 3 : 7, n1: quick ? 200_000 : 1_000_000, n2: quick ? 2_000 : 10_000 });
  await context.close();

  const version = browser.version();
  const result = {
    date: new Date().toISOString(), browser: `Chromium ${version}`, quick,
    w1NsPerEval: +median(warm.w1).toFixed(1), w1BestNs: +Math.min(...warm.w1).toFixed(1),
    w2UsPerContext: +median(warm.w2).toFixed(2), w2BestUs: +Math.min(...warm.w2).toFixed(2),
    w3ColdStartMs: +median(cold.map((c) => c.total)).toFixed(2),
    w3Phases: Object.fromEntries(['import', 'init', 'load', 'first'].map((k) => [k, +median(cold.map((c) => c[k])).toFixed(2)])),
  };
  console.log(`feats-edge package, headless Chromium ${version}`);
  console.log(`W1 single evaluation      ${result.w1NsPerEval} ns/eval, best ${result.w1BestNs}        (target ≤ 100)`);
  console.log(`W2 evaluate-all (200)     ${result.w2UsPerContext} µs/context, best ${result.w2BestUs}     (target ≤ 10)`);
  console.log(`W3 cold start (1 000)     ${result.w3ColdStartMs} ms (import ${result.w3Phases.import}, init ${result.w3Phases.init}, load ${result.w3Phases.load}, first ${result.w3Phases.first})`);
  writeFileSync(new URL('target/browser-bench.json', root), JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  server.stop();
}
