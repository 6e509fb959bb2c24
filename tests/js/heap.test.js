// How the package's WebAssembly memory grows: in steps of a quarter of its
// size, up to 8 MiB (src/wasm/heap.rs), so that a snapshot of large lists
// grows it a few dozen times, not once per 64 KiB page (each growth costs
// V8 a new ArrayBuffer and garbage collections); and, near the 4 GiB limit,
// by just what is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, Engine } from 'feats-edge';

await init();
const PAGE = 65536;
const memory = new Engine('{"schema": 1, "features": {}}')._memory;
const pages = () => memory.buffer.byteLength / PAGE;

/** A snapshot whose feature F holds `lists` lists of 10 000 ids; `user-1` is in the first. */
function lists(n) {
  const ids = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
  const rules = Array.from({ length: n }, (_, k) => ({ when: { segment: 'U', in: k ? ids.map((id) => `${id}/${k}`) : ids }, serve: 'b' }));
  return JSON.stringify({ schema: 1, segments: { U: { from: { user: '{id}' } } },
    features: { F: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules } } });
}

test('memory grows by a quarter of its size, up to 8 MiB, at a time', () => {
  const raw = new Engine('{"schema": 1, "features": {}}')._raw;
  // Pages the allocator does not know of (grown from here) make the memory
  // 16 MiB: a scratch area of 2 MiB (33 pages) then grows it by a quarter.
  memory.grow(256 - pages());
  let before = pages();
  raw.reserve(2 * 2 ** 20);
  assert.equal(pages() - before, 64, 'a quarter of 256 pages');
  // At 64 MiB a quarter is 16 MiB: 8 MiB (128 pages) are taken.
  memory.grow(1024 - pages());
  before = pages();
  raw.reserve(4 * 2 ** 20);
  assert.equal(pages() - before, 128, 'at most 8 MiB more than needed');
  // More than that is needed: just that is taken.
  before = pages();
  raw.reserve(20 * 2 ** 20);
  const grown = pages() - before;
  assert.ok(grown >= 320 && grown < 330, `${grown} pages for 20 MiB`);
  const e = new Engine(lists(8));
  assert.equal(e.implementation('F', { user: { id: 'user-1' } }), 'b');
  e.free();
});

test('near the limit, memory grows by what a load needs; past it, the evaluation that compiles answers null', () => {
  const max = 65536; // 4 GiB
  memory.grow(max - 100 - pages()); // fewer than a step of 8 MiB
  const e = new Engine(lists(8));
  assert.equal(e.implementation('F', { user: { id: 'user-1' } }), 'b');
  assert.equal(e.implementation('F', { user: { id: 'user-1/7' } }), 'b');
  assert.equal(e.implementation('F', { user: { id: 'someone' } }), 'a');
  assert.ok(pages() < max, 'the step was not refused whole: only what the load needed was taken');
  // What is left cannot hold a snapshot five times as large: its load is
  // refused with a SnapshotError that says why, or, when the load fits, the
  // evaluation that compiles the feature answers null. No other exception.
  memory.grow(max - 8 - pages());
  let full;
  try {
    full = new Engine(lists(40));
  } catch (e) {
    assert.equal(e.name, 'SnapshotError');
    assert.match(e.message, /^the snapshot could not be loaded: .*\(is the WebAssembly memory exhausted\?\)$/);
    assert.equal(e.path, '');
  }
  if (full) assert.equal(full.implementation('F', { user: { id: 'user-1' } }), null);
});
