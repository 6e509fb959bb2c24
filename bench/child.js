// One measurement in a fresh process: `node child.js SDK TASK [--quick]`,
// printing one JSON line. Tasks: speed (W1, W2, sanity), cold (W3), memory.
import { users, key, TARGETED } from './workload.js';

const [sdk, task] = process.argv.slice(2);
const quick = process.argv.includes('--quick');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const out = (v) => process.stdout.write(`${JSON.stringify(v)}\n`);

/** ns per call of `step(i)`, over `n` calls or `maxMs`, whichever first. */
async function rate(step, n, maxMs, isAsync) {
  let i = 0, sink = 0;
  const t0 = process.hrtime.bigint();
  const limit = t0 + BigInt(maxMs) * 1_000_000n;
  while (i < n) {
    const end = Math.min(n, i + 10_000);
    if (isAsync) for (; i < end; i++) sink += (await step(i)) ? 1 : 0;
    else for (; i < end; i++) sink += step(i) ? 1 : 0;
    if (process.hrtime.bigint() > limit) break;
  }
  const ns = Number(process.hrtime.bigint() - t0) / i;
  if (sink < 0) console.log(sink); // keeps the work observable
  return ns;
}

if (task === 'cold') {
  const t0 = performance.now();
  const adapter = await import(`./adapters/${sdk}.js`);
  const keys = Array.from({ length: 1000 }, (_, i) => key(i));
  const s = await adapter.setup(1000, keys);
  const v = await s.one(keys[0], { id: 'user-1', country: 'US' });
  const ms = performance.now() - t0;
  out({ ms, v });
  await s.close?.();
  process.exit(0);
}

if (task === 'memory') {
  const adapter = await import(`./adapters/${sdk}.js`);
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const keys = Array.from({ length: 10_000 }, (_, i) => key(i));
  const s = await adapter.setup(10_000, keys);
  await s.one(keys[0], { id: 'user-1', country: 'US' });
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 50));
  globalThis.gc?.();
  const { rss } = process.memoryUsage();
  out({ rssMB: rss / 2 ** 20, deltaMB: (rss - before) / 2 ** 20 });
  await s.close?.();
  process.exit(0);
}

// speed: W1, W2 and the sanity share.
const adapter = await import(`./adapters/${sdk}.js`);
const keys = Array.from({ length: 200 }, (_, i) => key(i));
const s = await adapter.setup(200, keys);
const population = users(100_000);
const isAsync = !!adapter.async;
const reps = quick ? 2 : 5;

// Sanity: US users in treatment, from the values returned.
let us = 0, treat = 0;
for (let i = 0; i < 20_000; i += 10) {
  const u = population[i];
  if (u.country !== 'US') continue;
  us++;
  if ((await s.one(keys[i % 200], u)) === 'treatment') treat++;
}
// Off-target users must get the default.
const offTarget = population.find((u) => !TARGETED.includes(u.country));
const offValue = await s.one(keys[0], offTarget);

const n1 = quick ? 100_000 : 1_000_000;
const w1 = [];
await rate((i) => s.one(keys[i % 200], { id: population[i % 100_000].id, country: population[i % 100_000].country }), n1 / 4, 2000, isAsync);
for (let r = 0; r < reps; r++) {
  w1.push(await rate((i) => {
    const u = population[i % 100_000];
    return s.one(keys[i % 200], { id: u.id, country: u.country }); // a fresh context object per call
  }, n1, quick ? 1500 : 6000, isAsync));
}
const n2 = quick ? 1000 : 10_000;
const w2 = [];
await rate((i) => s.all(population[i % 100_000]), n2 / 10, 2000, isAsync);
for (let r = 0; r < reps; r++) {
  w2.push(await rate((i) => {
    const u = population[i % 100_000];
    return s.all({ id: u.id, country: u.country });
  }, n2, quick ? 1500 : 6000, false) / 1000);
}
if (isAsync) {
  // evaluate-all returns a Promise: measure it awaited.
  w2.length = 0;
  for (let r = 0; r < reps; r++) {
    w2.push(await rate((i) => s.all(population[i % 100_000]), n2, quick ? 1500 : 6000, true) / 1000);
  }
}
out({ w1: median(w1), w2: median(w2), sanity: treat / us, offValue });
await s.close?.();
process.exit(0);
