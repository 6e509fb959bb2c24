// One measurement of one SDK in a fresh process, started by run.js:
//
//   node --import ./offline.js child.js SDK TASK --config FILE [--quick]
//
// TASK: info | w1 (+ sanity) | w2 (+ evaluate-all vs single check) | cold | memory.
// Prints one line `BENCH_RESULT {json}` (SDKs may log other lines).
import { readFileSync } from 'node:fs';
import { featureKeys, users, WORKLOAD } from './workload.js';

const [sdk, task] = process.argv.slice(2);
const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const quick = process.argv.includes('--quick');
const configFile = arg('--config');
const adapterPath = `./adapters/${sdk}.js`;

const P = quick
  ? { w1Warm: 20_000, w1N: 50_000, w2Warm: 100, w2N: 500, reps: 3, sanityUsers: 20_000, checkUsers: 20 }
  : { w1Warm: 200_000, w1N: 1_000_000, w2Warm: 1_000, w2N: 10_000, reps: 5, sanityUsers: 100_000, checkUsers: 100 };

const done = (v) => {
  v.network = globalThis.__benchNetworkAttempts ?? null;
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(v)}\n`);
  process.exit(0);
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const now = () => process.hrtime.bigint();

// ---- info: what the adapter says about itself, and whether it can run.
if (task === 'info') {
  const a = await import(adapterPath);
  const reason = a.available ? a.available() : null;
  let version = a.version?.();
  if (!version) {
    const pj = new URL(`./node_modules/${a.info.package}/package.json`, import.meta.url);
    version = JSON.parse(readFileSync(pj, 'utf8')).version;
  }
  done({ info: a.info, version, unavailable: reason, bundleEntry: a.bundleEntry, packageDir: a.PKG_DIR });
}

// Everything below measures: the configuration is read before any clock starts.
const text = readFileSync(configFile, 'utf8');
const nFeatures = Number(arg('--features'));
const keys = featureKeys(nFeatures);

// ---- cold (W3): import of the SDK to the first evaluation, in this fresh process.
if (task === 'cold') {
  const u = { id: 'u0000000000000001', country: 'US' };
  const t0 = performance.now();
  const a = await import(adapterPath);
  const s = await a.setup({ text, file: configFile, keys, cold: true });
  const v = await s.one(keys[0], u);
  const t1 = performance.now();
  // What an adapter checks of the build it loaded, outside the timed span:
  // a number for another build is no number at all.
  const wrong = a.measured?.();
  if (wrong) throw new Error(`${sdk}: not the build under test: ${wrong}`);
  done({ ms: t1 - t0, sinceProcessStart: t1, value: v });
}

// ---- memory: resident size after loading the configuration and one evaluation.
if (task === 'memory') {
  const gc = globalThis.gc ?? (() => {});
  let cfg = text;
  gc();
  const before = process.memoryUsage();
  const a = await import(adapterPath);
  const s = await a.setup({ text: cfg, file: configFile, keys });
  const v = await s.one(keys[0], { id: 'u0000000000000001', country: 'US' });
  cfg = null;
  for (let k = 0; k < 3; k++) { gc(); await new Promise((r) => setTimeout(r, 30)); }
  const m = process.memoryUsage();
  globalThis.__keep = s;
  const MB = 2 ** 20;
  done({ rssMB: m.rss / MB, heapUsedMB: m.heapUsed / MB, externalMB: m.external / MB, arrayBuffersMB: m.arrayBuffers / MB, rssBeforeImportMB: before.rss / MB, value: v });
}

// ---- w1 / w2
const a = await import(adapterPath);
const s = await a.setup({ text, file: configFile, keys });
const population = users(WORKLOAD.users);
const isAsync = !!a.info.async;
const { one, all, pick } = s;
const K = keys.length;
const U = population.length;

// Call i evaluates feature i mod 200 for user i mod 100 000; the adapter
// builds the SDK's own context object inside the call, fresh every time.
function w1Sync(start, n) {
  let sum = 0;
  for (let i = start, end = start + n; i < end; i++) sum += one(keys[i % K], population[i % U]).length;
  return sum;
}
async function w1Async(start, n) {
  let sum = 0;
  for (let i = start, end = start + n; i < end; i++) sum += (await one(keys[i % K], population[i % U])).length;
  return sum;
}
function w2Sync(start, n) {
  let sum = 0;
  for (let i = start, end = start + n; i < end; i++) {
    const j = i % K;
    sum += pick(all(population[i % U]), j, keys[j]).length;
  }
  return sum;
}
async function w2Async(start, n) {
  let sum = 0;
  for (let i = start, end = start + n; i < end; i++) {
    const j = i % K;
    sum += pick(await all(population[i % U]), j, keys[j]).length;
  }
  return sum;
}

/** Runs `loop` `reps` times over `n` calls after a warm-up; per-call ns per rep. */
async function measure(loop, warm, n, reps, stride) {
  let checksum = await loop(0, warm);
  const perCall = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    checksum += await loop(warm + r * stride, n);
    perCall.push(Number(now() - t0) / n);
  }
  return { perCall, checksum };
}

if (task === 'w1') {
  // Sanity, from the values returned: share of US users in `treatment`;
  // targeted users must never get `off`, the others always `off`.
  const targeted = new Set(WORKLOAD.targeted);
  let us = 0, usTreatment = 0, tgt = 0, tgtTreatment = 0, wrong = 0;
  for (let i = 0; i < P.sanityUsers; i++) {
    const u = population[i];
    const v = await one(keys[i % K], u);
    if (targeted.has(u.country)) {
      tgt++;
      if (v === 'treatment') tgtTreatment++;
      else if (v !== 'control') wrong++;
      if (u.country === 'US') { us++; if (v === 'treatment') usTreatment++; }
    } else if (v !== WORKLOAD.default) wrong++;
  }
  const { perCall, checksum } = await measure(isAsync ? w1Async : w1Sync, P.w1Warm, P.w1N, P.reps, 0);
  done({
    w1: { median: median(perCall), reps: perCall, calls: P.w1N, warmup: P.w1Warm },
    sanity: { usTreatment: usTreatment / us, usUsers: us, targetedTreatment: tgtTreatment / tgt, wrong, users: P.sanityUsers },
    checksum,
  });
}

if (task === 'w2') {
  // Evaluate-all must agree with single evaluations.
  let mismatches = 0;
  for (let i = 0; i < P.checkUsers; i++) {
    const u = population[U - 1 - i];
    const res = await all(u);
    for (let j = 0; j < K; j++) if (pick(res, j, keys[j]) !== (await one(keys[j], u))) mismatches++;
  }
  // Each repetition evaluates a different slice of 10 000 users.
  const { perCall, checksum } = await measure(isAsync ? w2Async : w2Sync, P.w2Warm, P.w2N, P.reps, P.w2N);
  const us = perCall.map((ns) => ns / 1000);
  done({ w2: { median: median(us), reps: us, users: P.w2N, warmup: P.w2Warm, features: K }, allVsOneMismatches: mismatches, checksum });
}

throw new Error(`unknown task ${task}`);
