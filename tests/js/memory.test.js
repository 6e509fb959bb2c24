// Memory stays flat under evaluations and snapshot swaps (a smaller run of
// tests/js/memory.mjs, which the README's figures come from).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import './helpers/gc.js'; // gc() for exact figures
import { measure } from './memory.mjs';

test('wasm memory and the JS heap stay flat over evaluations and snapshot swaps', async () => {
  const { samples, swapSamples } = await measure({ evaluations: 400_000, swaps: 1_000 });
  const first = samples[0], last = samples.at(-1);
  assert.ok(last.wasmMB <= first.wasmMB * 1.5 + 8, `wasm ${first.wasmMB} → ${last.wasmMB} MB`);
  assert.ok(last.heapMB <= first.heapMB * 1.5 + 8, `heap ${first.heapMB} → ${last.heapMB} MB`);
  const before = swapSamples[0], after = swapSamples.at(-1);
  assert.ok(after.wasmMB <= before.wasmMB * 1.5 + 8, `wasm after swaps ${before.wasmMB} → ${after.wasmMB} MB`);
  assert.ok(after.heapMB <= before.heapMB * 1.5 + 8, `heap after swaps ${before.heapMB} → ${after.heapMB} MB`);
});

test('an engine dropped without free() has its wasm side freed at the first collection after it', async () => {
  const { Engine } = await import('feats-edge');
  let freed = 0;
  const drop = () => {
    const e = new Engine('{"schema": 1, "features": {"F": {"implementations": ["a"], "default": "a"}}}');
    assert.equal(e.implementation('F', {}), 'a');
    const raw = e._raw, free = raw.free;
    raw.free = function () {
      freed++;
      return free.call(this);
    };
  };
  for (let i = 0; i < 10; i++) drop();
  globalThis.gc();
  // (Finalizers run in tasks after the collection.)
  for (let i = 0; i < 100 && freed < 10; i++) await new Promise((r) => setTimeout(r, 0));
  assert.equal(freed, 10);
});
