// Memory under load, in one Node process: N evaluations with fresh contexts
// and S snapshot swaps (dropped engines left to the FinalizationRegistry,
// then freed explicitly). Prints samples; exits 1 if wasm memory or the JS
// heap keep growing after warm-up.
//   node --expose-gc tests/js/memory.mjs [evaluations=10000000] [swaps=10000]
import { readFileSync } from 'node:fs';
import { init, Engine } from 'feats-edge';

export async function measure({ evaluations, swaps, log = () => {} }) {
  await init();
  const text = readFileSync(new URL('../../examples/shop.json', import.meta.url), 'utf8');
  const gc = () => globalThis.gc?.();
  const sample = (engine, label) => {
    gc();
    const m = process.memoryUsage();
    const s = { label, wasmMB: engine._memory.buffer.byteLength / 2 ** 20, heapMB: m.heapUsed / 2 ** 20, rssMB: m.rss / 2 ** 20 };
    log(`${label.padEnd(34)} wasm ${s.wasmMB.toFixed(1).padStart(6)} MB  heap ${s.heapMB.toFixed(1).padStart(6)} MB  rss ${s.rssMB.toFixed(1).padStart(6)} MB`);
    return s;
  };
  const engine = new Engine(text);
  const ctx = (i) => ({ user: { id: `u-${i}`, address: { country_code: i % 3 ? 'US' : 'CA' } }, request: { ip: '10.0.0.1' } });
  const features = engine.features.map((f) => f.name);
  for (let i = 0; i < 100_000; i++) engine.implementation(features[i % features.length], ctx(i));
  const samples = [sample(engine, 'after warm-up')];
  const step = Math.max(1, Math.floor(evaluations / 4));
  for (let done = 0; done < evaluations; done += step) {
    for (let i = done; i < done + step; i++) engine.implementation(features[i % features.length], ctx(i));
    samples.push(sample(engine, `${(done + step).toLocaleString()} evaluations`));
  }
  const swapSamples = [sample(engine, 'before swaps')];
  for (let i = 0; i < swaps; i++) {
    const e = new Engine(text); // dropped: the FinalizationRegistry frees it
    e.implementation('PaymentProcessor', ctx(i));
    if (i % 100 === 99) {
      // Wasm memory puts no pressure on the JS garbage collector, so dropped
      // engines wait for the next collection; collect here as a busy app would.
      gc();
      await new Promise((r) => setImmediate(r)); // lets finalizers run
    }
  }
  await new Promise((r) => setTimeout(r, 10));
  gc();
  await new Promise((r) => setTimeout(r, 10));
  swapSamples.push(sample(engine, `${swaps.toLocaleString()} swaps (finalizers)`));
  for (let i = 0; i < swaps; i++) {
    const e = new Engine(text);
    e.implementation('PaymentProcessor', ctx(i));
    e.free();
  }
  swapSamples.push(sample(engine, `${swaps.toLocaleString()} swaps (free())`));
  return { samples, swapSamples };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [evaluations = 10_000_000, swaps = 10_000] = process.argv.slice(2).map(Number);
  if (!globalThis.gc) console.log('(run with --expose-gc for exact figures)');
  const { samples, swapSamples } = await measure({ evaluations, swaps, log: console.log });
  const grew = (a, b, k) => b[k] > a[k] * 1.5 + 8;
  const bad = grew(samples[0], samples.at(-1), 'wasmMB') || grew(samples[0], samples.at(-1), 'heapMB')
    || grew(swapSamples[0], swapSamples.at(-1), 'wasmMB') || grew(swapSamples[0], swapSamples.at(-1), 'heapMB');
  console.log(bad ? 'memory grew' : 'memory flat');
  process.exit(bad ? 1 : 0);
}
