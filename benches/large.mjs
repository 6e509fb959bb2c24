// Large snapshots in Node: how the engine's calls grow with the number of
// features (a doubling of features should about double each figure; a
// call that grows faster is a scan per feature somewhere). Each snapshot
// has 300 segments, 500 activations (5 of them `in` lists of 10 000 ids,
// which the others refer to), and features of two or three rules (an
// activation, a segment and country then a 50/50 split, an experiment in
// one feature of ten). `changes` compares it with a copy in which one
// feature in ten serves another default.
//   load        new Engine(text), ms
//   features    engine.features (declarations), ms
//   problems    engine.problems (compiles every feature), ms
//   all         engine.evaluateAll, first and second, ms
//   changes     engine.changes(previous), ms
//   memory      wasm memory after both engines, MiB
// Usage: node benches/large.mjs [N,N,...] (default 1000,10000,40000; 40 000
// features is 14 MB, near the 16 MiB limit). Timings are single runs: the
// point is how they grow.
import { Engine } from 'feats-edge';

/** The snapshot text with `n` features; `changed` of them serve `control` by default. */
function large(n, { changed = 0, revision = 'a' } = {}) {
  const segments = { UserId: { from: { user: '{id}' } }, Country: { from: { user: '{country}' } } };
  for (let s = 0; s < 300; s++) segments[`Seg${s}`] = { from: { user: `{attr${s}}`, org: `{attr${s}}` } };
  const activations = {};
  for (let a = 0; a < 500; a++) {
    activations[`Act${a}`] = a < 5
      ? { when: { segment: 'UserId', in: Array.from({ length: 10_000 }, (_, k) => `u${a}-${k}`) } }
      : { when: { any: [{ segment: `Seg${a % 300}`, in: ['x', `v${a}`] }, { activation: `Act${a % 5}` },
        { all: [{ segment: 'Country', in: ['US', 'CA'] }, { not: { segment: `Seg${(a + 1) % 300}`, exists: true } }] }] } };
  }
  const features = {};
  for (let i = 0; i < n; i++) {
    const r = (i * 2654435761) >>> 0;
    features[`feature.${i}`] = {
      inputs: ['user', 'org'], implementations: ['control', 'treatment', 'off'], default: i < changed ? 'control' : 'off',
      rules: [
        { when: { activation: `Act${r % 500}` }, serve: 'treatment' },
        { when: { all: [{ segment: `Seg${r % 300}`, in: ['a', 'b'] }, { segment: 'Country', in: ['US', 'CA', 'GB'] }] },
          split: { by: 'UserId', weights: { control: 50, treatment: 50 } } },
        ...(i % 10 == 0 ? [{ experiment: { name: `exp${i}`, by: 'UserId', weights: { control: 50, treatment: 50 } } }] : []),
      ],
    };
  }
  return JSON.stringify({ schema: 1, revision, segments, activations, features });
}

const timed = (f) => {
  const t = performance.now();
  const r = f();
  return [+(performance.now() - t).toFixed(1), r];
};

const sizes = (process.argv[2] ?? '1000,10000,40000').split(',').map(Number);
const memory = new Engine('{"schema": 1}')._memory;
for (const n of sizes) {
  const text = large(n), next = large(n, { changed: n / 10, revision: 'b' });
  const [load, before] = timed(() => new Engine(text));
  const after = new Engine(next);
  const [features] = timed(() => before.features);
  const [problems] = timed(() => before.problems);
  const ctx = { user: { id: 'u1-5', country: 'US', attr3: 'a' } };
  const [all] = timed(() => before.evaluateAll(ctx));
  const [again] = timed(() => before.evaluateAll(ctx));
  const [changes, changed] = timed(() => after.changes(before));
  if (changed.length !== n / 10) throw new Error(`changes found ${changed.length} of ${n / 10}`);
  const mib = Math.round(memory.buffer.byteLength / 2 ** 20);
  console.log(`${n} features (${(text.length / 1e6).toFixed(1)} MB): load ${load} ms, features ${features}, problems ${problems}, ` +
    `all ${all} then ${again}, changes ${changes}; wasm memory ${mib} MiB`);
  before.free();
  after.free();
}
