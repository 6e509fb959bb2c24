// The last pages of the 4 GiB of WebAssembly memory are usable: a growth
// that ends exactly at the top extends the heap (src/wasm/heap.rs). A file
// of its own: it fills this process's memory to the top.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, Engine } from 'feats-edge';

await init();
const PAGE = 65536, MAX = 65536;

test('a growth that ends at the top of the 4 GiB extends the heap', () => {
  const e = new Engine('{"schema": 1, "features": {}}');
  const memory = e._memory, raw = e._raw;
  const pages = () => memory.buffer.byteLength / PAGE;
  // 64 pages left, of which the allocator knows none (grown from here).
  memory.grow(MAX - 64 - pages());
  // A scratch area of 16 pages, less a little: too little room left for a
  // quarter of the memory, so the allocator takes just those pages, as a
  // heap of its own (claimed).
  const first = 16 * PAGE - 256;
  raw.reserve(first);
  assert.ok(raw.scratch_len() >= first, `a scratch area of ${first} bytes`);
  // The rest, 48 pages, for one of 48 pages less a little: those pages end
  // at the top, and extend the heap before them.
  const second = 48 * PAGE - 256;
  raw.reserve(second);
  assert.equal(pages(), MAX);
  assert.ok(raw.scratch_len() >= second, `a scratch area of ${raw.scratch_len()} bytes, not ${second}`);
  // And the engine still evaluates.
  const f = new Engine('{"schema": 1, "features": {"F": {"implementations": ["a"], "default": "a"}}}');
  assert.equal(f.implementation('F', {}), 'a');
});
