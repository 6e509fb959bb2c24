// What docs/experiments.md ("Measured") says of shares, independence,
// moves and random experiments, measured through the npm package: splits'
// shares against their weights (chi-square goodness of fit), two features'
// assignments cross-tabulated (chi-square independence), the units a
// weight change moves, and the exposures of random experiments. Seeded:
// the same numbers on every run.
// `node benches/shares.mjs [--units N]` (200 000 units per shape by default: about 10 s; 1 000 000: half a minute).
import { init, Engine, createClient, bucket } from 'feats-edge';

await init();
const at = process.argv.indexOf('--units');
const N = at > 0 ? Number(process.argv[at + 1]) : 200_000;

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
const seeded = (seed) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** `n` unit ids of a realistic shape, the same on every run. */
function units(shape, n) {
  const r = seeded(42), hex = (digits) => Array.from({ length: digits }, () => Math.floor(r() * 16).toString(16)).join('');
  const u64 = () => (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
  const names = ['anna', 'bob', 'chen', 'dmitri', 'eve', 'fatima', 'li', 'maria'], domains = ['gmail.com', 'example.com', 'corp.io'];
  const make = {
    sequential: (i) => String(i),
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(r() * 4)]}${hex(3)}-${hex(12)}`,
    email: (i) => `${names[Math.floor(r() * names.length)]}.${i}@${domains[Math.floor(r() * domains.length)]}`,
    u64: () => String(u64()),
    snowflake: (i) => String(((1_700_000_000_000n + BigInt(i) * 3n) << 22n) | BigInt(i % 4096)),
  }[shape];
  return Array.from({ length: n }, (_, i) => make(i + 1));
}
const SHAPES = ['sequential', 'uuid', 'email', 'u64', 'snowflake'];

/** ln Γ(x) (Lanczos). */
function lnGamma(x) {
  const g = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x, ser = 1.000000000190015;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  for (const c of g) ser += c / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}
/** The regularized upper incomplete gamma Q(a, x). */
function gammaQ(a, x) {
  const front = Math.exp(-x + a * Math.log(x) - lnGamma(a));
  if (x < a + 1) {
    let sum = 1 / a, del = sum;
    for (let ap = a + 1; Math.abs(del) > Math.abs(sum) * 1e-15; ap++) sum += del *= x / ap;
    return 1 - sum * front;
  }
  let b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
  for (let i = 1; i < 1e5; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b || 1e-300;
    c = b + an / c || 1e-300;
    d = 1 / d;
    h *= d * c;
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return front * h;
}
/** The chance of a chi-square of `df` degrees of freedom above `stat`. */
const pValue = (stat, df) => (df > 0 ? gammaQ(df / 2, stat / 2) : NaN);

/** Goodness of fit of `counts` to `probs` (cells of probability 0 must be empty). */
function fit(counts, probs) {
  const n = counts.reduce((a, b) => a + b, 0);
  let stat = 0, df = -1;
  counts.forEach((c, i) => {
    if (probs[i] == 0) return void (c && (stat = Infinity));
    stat += (c - n * probs[i]) ** 2 / (n * probs[i]);
    df++;
  });
  return pValue(stat, df);
}
/** Independence of the rows and columns of a table of counts. */
function independence(table) {
  const rows = table.map((r) => r.reduce((a, b) => a + b, 0)), cols = table[0].map((_, j) => table.reduce((a, r) => a + r[j], 0));
  const n = rows.reduce((a, b) => a + b, 0);
  let stat = 0;
  table.forEach((r, i) => r.forEach((c, j) => rows[i] && cols[j] && (stat += (c - (rows[i] * cols[j]) / n) ** 2 / ((rows[i] * cols[j]) / n))));
  return pValue(stat, (rows.filter(Boolean).length - 1) * (cols.filter(Boolean).length - 1));
}

const snapshot = (features) => ({ schema: 1, segments: { UserId: { from: { user: '{id}' } } }, features });
const split = (weights, extra = {}) => ({ split: { by: 'UserId', weights, ...extra } });
const feature = (rules, implementations = ['z', 'a', 'b', 'c']) => ({ inputs: ['user'], implementations, default: implementations[0], rules });
/** Each unit's implementation of `name` (its index in `names`). */
const picks = (engine, name, ids, names) => ids.map((id) => names.indexOf(engine.implementation(name, { user: { id } })));
const p3 = (p) => (Number.isNaN(p) ? '-' : p.toFixed(3));

console.log(`Shares: ${N} units per shape; chi-square p-value of the counts against the weights`);
const cases = [['50/50', { a: 50, b: 50 }], ['33/33/34', { a: 33, b: 33, c: 34 }], ['33.33/33.33/33.34', { a: 33.33, b: 33.33, c: 33.34 }],
  ['1/99', { a: 1, b: 99 }], ['5 (rollout)', { b: 5 }], ['0.01', { b: 0.01 }], ['0.01/0.02/99.97', { a: 0.01, b: 0.02, c: 99.97 }]];
const names = ['z', 'a', 'b', 'c'];
const all = Object.fromEntries(SHAPES.map((s) => [s, units(s, N)]));
console.log(['shape'.padEnd(11), ...cases.map(([label]) => label.padStart(18)), 'buckets'.padStart(9)].join(''));
for (const shape of SHAPES) {
  const row = [shape.padEnd(11)];
  for (const [label, weights] of cases) {
    const engine = new Engine(snapshot({ F: feature([split(weights)]) }));
    const counts = [0, 0, 0, 0];
    for (const i of picks(engine, 'F', all[shape], names)) counts[i]++;
    const probs = names.map((n) => (weights[n] ?? 0) / 100);
    probs[0] = Math.max(0, 1 - probs.reduce((a, b) => a + b, 0));
    if (probs[0] < 1e-9) probs[0] = 0;
    row.push(`${label == '0.01' ? ` ${counts[2]} units, ` : ''}p ${p3(fit(counts, probs))}`.padStart(18));
    engine.free();
  }
  // The 10 000 buckets themselves.
  const buckets = new Array(10000).fill(0);
  for (const id of all[shape]) buckets[bucket('F', id)]++;
  row.push(p3(fit(buckets, buckets.map(() => 1e-4))).padStart(9));
  console.log(row.join(''));
}

console.log('\nIndependence: chi-square p-value of the cross-tabulation of two assignments of the same units');
{
  const engine = new Engine(snapshot({
    A: feature([split({ a: 50, b: 50 })]), B: feature([split({ a: 33, b: 33, c: 34 })]), C: feature([split({ a: 50, b: 50 })]),
    X: feature([{ experiment: { name: 'x-2026', by: 'UserId', weights: { a: 50, b: 50 } } }]),
    // A rollout, then an experiment (default salts: the feature's name, the experiment's).
    R: feature([split({ a: 20 }), { experiment: { name: 'r-2026', by: 'UserId', weights: { b: 50, c: 50 } } }]),
    E: feature([{ experiment: { name: 'r-2026', by: 'UserId', weights: { b: 50, c: 50 } } }]),
  }));
  const pairs = [['A', 'B', 'two features, 50/50 x 33/33/34'], ['A', 'C', 'two features, 50/50 x 50/50'], ['A', 'X', 'a split x an experiment'],
    ['R', 'E', 'a 20 % rollout x the experiment after it']];
  console.log(['shape'.padEnd(11), ...pairs.map(([, , l]) => l.padStart(42))].join(''));
  for (const shape of SHAPES) {
    const row = [shape.padEnd(11)];
    for (const [f, g] of pairs) {
      let x = picks(engine, f, all[shape], names), y = picks(engine, g, all[shape], names);
      // In the rollout or not (the experiment alone says the arm each unit would have).
      if (f == 'R') x = x.map((i) => +(i == 1));
      const table = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
      x.forEach((i, k) => table[i][y[k]]++);
      row.push(`p ${p3(independence(table.filter((r) => r.some(Boolean)).map((r) => r.filter((_, j) => table.some((t) => t[j])))))}`.padStart(42));
    }
    console.log(row.join(''));
  }
  engine.free();
}

console.log(`\nMoves: share of ${N} UUID units whose implementation a weight change moves, from -> to`);
for (const [label, before, after] of [
  ['rollout 10 -> 20', { b: 10 }, { b: 20 }], ['rollout 20 -> 10', { b: 20 }, { b: 10 }], ['rollout 99.99 -> 100', { b: 99.99 }, { b: 100 }],
  ['50/50 -> 34/33/33', { a: 50, b: 50 }, { a: 34, b: 33, c: 33 }], ['50/50 -> 50/25/25', { a: 50, b: 50 }, { a: 50, b: 25, c: 25 }],
  ['5/5 -> 25/25', { a: 5, b: 5 }, { a: 25, b: 25 }], ['{b: 5} -> {z: 95, b: 5}', { b: 5 }, { z: 95, b: 5 }],
]) {
  const [x, y] = [before, after].map((w) => {
    const engine = new Engine(snapshot({ F: feature([split(w)]) }));
    const out = picks(engine, 'F', all.uuid, names);
    engine.free();
    return out;
  });
  const moves = {};
  x.forEach((i, k) => i != y[k] && (moves[`${names[i]}->${names[y[k]]}`] = (moves[`${names[i]}->${names[y[k]]}`] ?? 0) + 1));
  const pct = (n) => `${((100 * n) / N).toFixed(2)} %`;
  const total = Object.values(moves).reduce((a, b) => a + b, 0);
  console.log(`${label.padEnd(24)} ${pct(total).padStart(8)}  ${Object.entries(moves).map(([k, n]) => `${k} ${pct(n)}`).join(', ')}`);
}

console.log('\nRandom experiments: 20 000 units, each finds, then uses what it found; exposures by arm, and the second visit');
Math.random = seeded(12345);
for (const [label, rules] of [
  ['50/50', [{ experiment: { name: 'x', by: 'UserId', random: true, weights: { z: 50, b: 50 } } }]],
  ['10/10, z also the default', [{ experiment: { name: 'x', by: 'UserId', random: true, weights: { z: 10, b: 10 } } }]],
  ['10/10, then a split b: 50', [{ experiment: { name: 'x', by: 'UserId', random: true, weights: { z: 10, b: 10 } } }, split({ b: 50 })]],
]) {
  const store = new Map(), exposures = {};
  const client = await createClient({ snapshot: snapshot({ F: feature(rules) }), refreshInterval: 0, sticky: { get: (k) => store.get(k), set: (k, v) => store.set(k, v) } });
  client.on('exposure', (e) => e.experiment && (exposures[e.implementation] = (exposures[e.implementation] ?? 0) + 1));
  for (let i = 1; i <= 20000; i++) client.usedImplementation('F', client.findImplementation('F', { user: { id: String(i) } }), { user: { id: String(i) } });
  let kept = 0, assigned = 0;
  for (let i = 1; i <= 20000; i++) {
    const arm = store.get(`x/${i}`);
    if (arm == null || arm == '(none)') continue;
    assigned++;
    kept += +(client.findImplementation('F', { user: { id: String(i) } }) === arm);
  }
  console.log(`${label.padEnd(26)} in the experiment: ${JSON.stringify(exposures)}; ${kept} of ${assigned} assigned units get their arm back`);
  client.close();
}
