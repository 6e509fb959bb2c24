// feats-edge beside GrowthBook in headless Chromium (Debian's, through
// playwright-core): the SDKs a page would ship, bundled by esbuild as an
// application bundles them, driven as in run.js (same workload, same users,
// a fresh context object per call).
//
//   node bench/browser.js [--quick]
//
//   W1  one evaluation, ns                 (one page per SDK)
//   W2  all 200 features for one user, µs  (one page per SDK)
//   W3  cold start: import of the bundle, instantiation, the 1 000-feature
//       configuration (text already in the page) and the first evaluation,
//       ms; each run in a new browser context, the SDKs alternating.
//
// GrowthBook is the JavaScript SDK made for pages; the other SDKs of run.js
// are server SDKs (or need their own wasm loading) and are not run here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { generators, featureKeys, users, WORKLOAD } from './workload.js';
import { launchChromiumBrowser, startStatic } from '../tests/js/helpers/runtimes.js';

const quick = process.argv.includes('--quick');
const root = new URL('../', import.meta.url);
const out = new URL('target/browser-peers/', root);
mkdirSync(new URL('gen/', out), { recursive: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Each SDK as one ES module exporting `setup(text)` → {one(key, user), all(user)}.
const entries = {
  'feats-edge': `
    import { init, Engine } from '${new URL('pkg/index.js', root).pathname}';
    export async function setup(text) {
      await init();
      const e = new Engine(text);
      return {
        one: (key, u) => e.implementation(key, { user: { id: u.id, country: u.country } }),
        all: (u) => e.implementations({ user: { id: u.id, country: u.country } }),
      };
    }`,
  growthbook: `
    import { setup as gbSetup } from '${new URL('adapters/growthbook.js', import.meta.url).pathname}';
    export async function setup(text) {
      const s = await gbSetup({ text });
      return { one: s.one, all: s.all };
    }`,
};
const sdks = Object.keys(entries);
for (const sdk of sdks) {
  const file = new URL(`${sdk}.entry.js`, out).pathname;
  writeFileSync(file, entries[sdk]);
  await build({ entryPoints: [file], bundle: true, minify: true, format: 'esm', platform: 'browser', logLevel: 'warning',
    outfile: new URL(`${sdk}.js`, out).pathname, nodePaths: [new URL('node_modules/', import.meta.url).pathname] });
  for (const n of [WORKLOAD.features, WORKLOAD.coldFeatures]) writeFileSync(new URL(`${sdk}-${n}.json`, out), generators[sdk](n));
}
// feats-edge's bundle finds its .wasm next to itself.
writeFileSync(new URL('gen/feats_edge_bg.wasm', out), (await import('node:fs')).readFileSync(new URL('pkg/gen/feats_edge_bg.wasm', root)));
writeFileSync(new URL('page.html', out), '<!doctype html><meta charset="utf-8"><title>peers</title>\n');

const server = await startStatic();
const page = `${server.url}/target/browser-peers/page.html`;
const browser = await launchChromiumBrowser();
const results = Object.fromEntries(sdks.map((s) => [s, { w3: [] }]));
try {
  const keys = featureKeys(WORKLOAD.coldFeatures);
  for (let i = 0; i < (quick ? 3 : 11); i++) {
    for (const sdk of i & 1 ? [...sdks].reverse() : sdks) {
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.goto(page);
      results[sdk].w3.push(await tab.evaluate(async ({ sdk, n, key }) => {
        const text = await (await fetch(`./${sdk}-${n}.json`)).text();
        const t0 = performance.now();
        const { setup } = await import(`./${sdk}.js`);
        const s = await setup(text);
        const v = s.one(key, { id: 'u0000000000000001', country: 'US' });
        const ms = performance.now() - t0;
        if (v == null) throw new Error(`${sdk}: no value`);
        return ms;
      }, { sdk, n: WORKLOAD.coldFeatures, key: keys[0] }));
      await context.close();
    }
  }
  const population = users(WORKLOAD.users);
  for (const sdk of sdks) {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(page);
    Object.assign(results[sdk], await tab.evaluate(async ({ sdk, n, population, reps, n1, n2 }) => {
      const { setup } = await import(`./${sdk}.js`);
      const s = await setup(await (await fetch(`./${sdk}-${n}.json`)).text());
      const keys = Array.from({ length: n }, (_, i) => `f${String(i).padStart(3, '0')}`);
      const w1 = [], w2 = [];
      let check = 0;
      for (let r = -1; r < reps; r++) {
        const t0 = performance.now();
        for (let i = 0; i < n1; i++) check += s.one(keys[i % n], population[i % population.length]).length;
        if (r >= 0) w1.push(((performance.now() - t0) * 1e6) / n1);
      }
      for (let r = -1; r < reps; r++) {
        const t0 = performance.now();
        for (let i = 0; i < n2; i++) check += s.all(population[i % population.length])[keys[0]].length;
        if (r >= 0) w2.push(((performance.now() - t0) * 1e3) / n2);
      }
      return { w1s: w1, w2s: w2, check };
    }, { sdk, n: WORKLOAD.features, population, reps: quick ? 3 : 5, n1: quick ? 100_000 : 500_000, n2: quick ? 1_000 : 5_000 }));
    await context.close();
  }
  const version = browser.version();
  console.log(`headless Chromium ${version}; medians (W1, W2 over ${quick ? 3 : 5} repetitions; W3 over ${results[sdks[0]].w3.length} fresh contexts)`);
  console.log('SDK            W1 ns    W2 µs    W3 ms');
  for (const sdk of sdks) {
    const r = results[sdk];
    console.log(`${sdk.padEnd(12)} ${median(r.w1s).toFixed(0).padStart(7)} ${median(r.w2s).toFixed(1).padStart(8)} ${median(r.w3).toFixed(1).padStart(8)}`);
  }
  writeFileSync(new URL('target/browser-peers.json', root), JSON.stringify({ date: new Date().toISOString(), browser: `Chromium ${version}`, quick, results }, null, 2));
} finally {
  await browser.close();
  server.stop();
}
