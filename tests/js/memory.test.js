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
