// A client swapping snapshots holds two engines (the current one, and the
// one before it for exposures of what it chose), not three: the one before
// goes before a new one is built. WebAssembly memory never shrinks, so
// three at once left it the size of three for good. A file of its own: it
// reads this process's wasm memory from the start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, createClient, Engine } from 'feats-edge';
import { startServer } from '../helpers/server.js';

await init();

/** A snapshot of 10 activations of 10 000 ids each, which 50 features use. */
function lists(rev) {
  const activations = {}, rules = [];
  for (let a = 0; a < 10; a++) {
    activations[`A${a}`] = { when: { segment: 'U', in: Array.from({ length: 10_000 }, (_, i) => `user-${rev}-${a}-${i}`) } };
    rules.push({ when: { activation: `A${a}` }, serve: 'b' });
  }
  const features = {};
  for (let f = 0; f < 50; f++) features[`F${f}`] = { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules };
  return JSON.stringify({ schema: 1, revision: rev, segments: { U: { from: { user: '{id}' } } }, activations, features });
}

test('swapping snapshots, wasm memory holds two engines, not three', async (t) => {
  const memory = new Engine('{"schema": 1, "features": {}}')._memory;
  const mb = () => memory.buffer.byteLength / 2 ** 20;
  const base = mb();
  const srv = await startServer({ snapshot: lists('r0'), etag: '"r0"' });
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, flushInterval: 0 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  const all = () => client.findImplementations({ user: { id: 'user-r0-0-1' } }); // compiles every feature
  assert.equal(all().F0, 'b');
  const one = mb() - base;
  for (let i = 1; i <= 6; i++) {
    srv.state.snapshot = lists(`r${i}`);
    srv.state.etag = `"r${i}"`;
    await client.refresh();
    assert.equal(client.revision, `r${i}`);
    all();
  }
  const grown = mb() - base;
  // Measured: 5.9 MB for one engine; after six swaps, 12.8 MB with two
  // held, 20.7 MB with three.
  assert.ok(grown < 2.6 * one, `${grown.toFixed(1)} MB after six swaps, ${one.toFixed(1)} MB for one engine`);
});
