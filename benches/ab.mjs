// Two builds of the package side by side, alternating, so that a machine
// whose speed drifts hits both alike: how this project decides whether a
// change is faster.
//
//   node benches/ab.mjs DIR_A DIR_B [w3|w1|w2] [--rounds N]
//
// DIR_A, DIR_B: copies of pkg/ after `./dev build` (e.g. `cp -r pkg /tmp/a`).
//   w3  (default) N pairs of fresh processes, in alternating order, each
//       timing the cold start's phases as package.mjs does (cold-start.mjs):
//       import (by the package's name), load of the 1 000-feature snapshot
//       text, first evaluation. Per phase: each
//       build's median, the median of the paired differences (B − A), and
//       in how many pairs B was faster.
//   w1, w2  both builds in one process, in alternating blocks (W1: 200 000
//       evaluations, W2: 5 000 contexts); each build's minimum and median.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COUNTRIES, snapshot } from './workload.mjs';

const args = process.argv.slice(2);
const flag = (name, d) => { const i = args.indexOf(name); return i >= 0 ? +args[i + 1] : d; };
const [dirA, dirB] = args;
const what = ['w1', 'w2', 'w3'].find((w) => args.includes(w)) ?? 'w3';
const rounds = flag('--rounds', what === 'w3' ? 40 : 20);
if (!dirA || !dirB) {
  console.error('usage: node benches/ab.mjs DIR_A DIR_B [w3|w1|w2] [--rounds N]');
  process.exit(2);
}
const entry = (dir) => pathToFileURL(join(resolve(dir), 'gen/node.js')).href;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const f = (x) => x.toFixed(2);

if (what === 'w3') {
  const dir = mkdtempSync(join(tmpdir(), 'feats-edge-ab-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const text = join(dir, 'snapshot.json');
  writeFileSync(text, snapshot(1000));
  // cold-start.mjs beside a node_modules/feats-edge of each build, so that
  // it imports the build by the package's name, as package.mjs does (and
  // an application), not by a path that skips Node's resolution of the
  // name (0.7–1 ms of every cold start).
  const place = (d, name) => {
    mkdirSync(join(dir, name, 'node_modules'), { recursive: true });
    symlinkSync(resolve(d), join(dir, name, 'node_modules', 'feats-edge'), 'dir');
    copyFileSync(new URL('cold-start.mjs', import.meta.url), join(dir, name, 'cold-start.mjs'));
    return join(dir, name, 'cold-start.mjs');
  };
  const scripts = new Map([[dirA, place(dirA, 'a')], [dirB, place(dirB, 'b')]]);
  const run = (d) => JSON.parse(execFileSync(process.execPath, [scripts.get(d), text]).toString());
  const a = [], b = [];
  for (let i = 0; i < rounds; i++) {
    if (i & 1) { b.push(run(dirB)); a.push(run(dirA)); } else { a.push(run(dirA)); b.push(run(dirB)); }
  }
  console.log(`W3 phases, ${rounds} alternating pairs of fresh processes (ms)`);
  console.log('phase     A median  B median  B−A median  B faster');
  for (const k of ['import', 'load', 'first', 'total']) {
    const d = a.map((x, i) => b[i][k] - x[k]);
    console.log(`${k.padEnd(8)} ${f(median(a.map((x) => x[k]))).padStart(9)} ${f(median(b.map((x) => x[k]))).padStart(9)} ${f(median(d)).padStart(11)}  ${d.filter((x) => x < 0).length}/${rounds}`);
  }
} else {
  const ids = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
  const runs = [];
  for (const d of [dirA, dirB]) {
    const { init, Engine } = await import(entry(d));
    await init();
    const engine = new Engine(snapshot(200));
    const names = engine.features.map((x) => x.name);
    // A loop of its own per build, so that each stays monomorphic.
    const loop = what === 'w1'
      ? new Function('e', 'names', 'ids', 'C', 'n', `let c = 0;
          for (let i = 0; i < n; i++) { const u = i % 100000; c += e.implementation(names[i % 200], { user: { id: ids[u], country: C[u % 10] } }).length; }
          return c;`)
      : new Function('e', 'names', 'ids', 'C', 'n', `let c = 0;
          for (let i = 0; i < n; i++) c += e.implementations({ user: { id: ids[i], country: C[i % 10] } }).f0000.length;
          return c;`);
    const n = what === 'w1' ? 200_000 : 5_000;
    runs.push({ d, n, go: () => loop(engine, names, ids, COUNTRIES, n), t: [] });
  }
  for (const r of runs) r.go(); // warm-up
  for (let k = 0; k < rounds; k++) {
    for (const r of k & 1 ? [...runs].reverse() : runs) {
      const t0 = process.hrtime.bigint();
      r.go();
      r.t.push(Number(process.hrtime.bigint() - t0) / r.n / (what === 'w1' ? 1 : 1000));
    }
  }
  const unit = what === 'w1' ? 'ns per evaluation' : 'µs per context';
  console.log(`${what.toUpperCase()}, ${rounds} alternating blocks in one process (${unit})`);
  for (const [name, r] of [['A', runs[0]], ['B', runs[1]]]) console.log(`${name}  min ${f(Math.min(...r.t))}  median ${f(median(r.t))}  (${r.d})`);
}
