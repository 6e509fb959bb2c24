// The npm package's benchmark in Node (SPEC workload of BOUNDARY.md):
// 200 features, each `Country in [US, CA, GB, DE, FR]` then a 50/50 split by
// UserId; 100 000 users over 10 countries; a fresh context object per call.
//   W1  one evaluation (engine.implementation)              ns/eval
//   W2  all 200 features for one context (implementations)  µs/context
//   W3  cold start: import + wasm + 1 000-feature snapshot (text in memory) + first evaluation, fresh process, ms
//   size: the .wasm plus the package's JS, gzipped
// Medians over repetitions. `--quick` for a short run.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { COUNTRIES, snapshot } from './workload.mjs';

const quick = process.argv.includes('--quick');
const pkg = new URL('../pkg/', import.meta.url);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function inProcess() {
  const { init, Engine } = await import('feats-edge');
  await init();
  const engine = new Engine(snapshot(200));
  const names = engine.features.map((f) => f.name);
  const ids = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
  const reps = quick ? 3 : 7;

  const w1 = [];
  const n1 = quick ? 200_000 : 1_000_000;
  let treat = 0, us = 0, check = 0;
  for (let r = -1; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n1; i++) {
      const u = i % 100_000;
      const impl = engine.implementation(names[i % 200], { user: { id: ids[u], country: COUNTRIES[u % 10] } });
      check += impl.length;
      if (r === 0 && u % 10 === 0) { us++; if (impl === 'treatment') treat++; }
    }
    const ns = Number(process.hrtime.bigint() - t0) / n1;
    if (r >= 0) w1.push(ns); // r = -1 is the warm-up
  }

  const w2 = [];
  const n2 = quick ? 2_000 : 10_000;
  for (let r = -1; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n2; i++) {
      const all = engine.implementations({ user: { id: ids[i], country: COUNTRIES[i % 10] } });
      check += all.f0000.length;
    }
    const us2 = Number(process.hrtime.bigint() - t0) / n2 / 1000;
    if (r >= 0) w2.push(us2);
  }
  return { w1: median(w1), w2: median(w2), w1Best: Math.min(...w1), w2Best: Math.min(...w2), usTreatmentShare: treat / us, check };
}

function coldStart() {
  const file = join(tmpdir(), 'feats-edge-bench-1000.json');
  writeFileSync(file, snapshot(1000));
  // As in bench/ (the peer comparison): the snapshot text is in memory
  // before the clock starts; import, instantiation, load and the first
  // evaluation are timed, by cold-start.mjs run as a file (why not as
  // `node -e`: see there), which imports the package by its name.
  const script = new URL('cold-start.mjs', import.meta.url);
  const runs = [];
  for (let i = 0; i < (quick ? 3 : 5); i++) runs.push(JSON.parse(execFileSync(process.execPath, [script.pathname, file])));
  rmSync(file, { force: true });
  const phase = (k) => median(runs.map((r) => r[k]));
  return { total: phase('total'), import: phase('import'), load: phase('load'), first: phase('first') };
}

function size() {
  const gz = (buf) => gzipSync(buf, { level: 9 }).length;
  const wasm = readFileSync(new URL('gen/feats_edge_bg.wasm', pkg));
  // The JS as an application ships it: the browser entry bundled and
  // minified by esbuild (what a bundler does), then gzipped.
  const esbuild = new URL('../node_modules/.bin/esbuild', import.meta.url);
  const bundle = execFileSync(esbuild.pathname, [new URL('index.js', pkg).pathname, '--bundle', '--minify', '--format=esm', '--log-level=warning']);
  // And the sources as published, each file gzipped on its own.
  const sources = ['index.js', 'gen/feats_edge.js', ...readdirSync(new URL('src/', pkg)).map((f) => `src/${f}`)];
  const sourcesGz = sources.reduce((a, f) => a + gz(readFileSync(new URL(f, pkg))), 0);
  return { wasmRaw: wasm.length, wasmGz: gz(wasm), jsMinGz: gz(bundle), jsSourcesGz: sourcesGz, totalGz: gz(wasm) + gz(bundle) };
}

const r = await inProcess();
const cold = coldStart();
const s = size();
const result = {
  date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cpus: cpus().length, quick,
  w1NsPerEval: +r.w1.toFixed(1), w2UsPerContext: +r.w2.toFixed(2), w3ColdStartMs: +cold.total.toFixed(2),
  w3PhasesMs: { import: +cold.import.toFixed(2), load: +cold.load.toFixed(2), first: +cold.first.toFixed(2) },
  w1BestNs: +r.w1Best.toFixed(1), w2BestUs: +r.w2Best.toFixed(2),
  usTreatmentShare: +r.usTreatmentShare.toFixed(4), size: s,
};
console.log(`feats-edge package, Node ${process.version}, ${result.cpus} × ${result.cpu}`);
console.log(`W1 single evaluation      ${result.w1NsPerEval} ns/eval, best ${result.w1BestNs}        (target ≤ 100)`);
console.log(`W2 evaluate-all (200)     ${result.w2UsPerContext} µs/context, best ${result.w2BestUs}     (target ≤ 10)`);
console.log(`W3 cold start (1 000)     ${result.w3ColdStartMs} ms            (target ≤ 8; import ${result.w3PhasesMs.import}, load ${result.w3PhasesMs.load}, first evaluation ${result.w3PhasesMs.first}: each phase's median)`);
console.log(`size                      wasm ${s.wasmRaw} B raw, ${s.wasmGz} B gz; JS ${s.jsMinGz} B min+gz (sources ${s.jsSourcesGz} B gz); total ${s.totalGz} B gz (target ≤ 25 600)`);
console.log(`sanity: US users in treatment ${(result.usTreatmentShare * 100).toFixed(1)} %`);
writeFileSync(new URL('../target/package-bench.json', import.meta.url), JSON.stringify(result, null, 2));
