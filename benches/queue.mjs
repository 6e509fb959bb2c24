// The client's cost per new exposure while its sink is down: filling the
// queue, and once it is full (each new event drops the oldest), for
// several `maxQueue`. A full queue's cost should not grow with maxQueue.
// `node benches/queue.mjs [--quick]`: µs per `create` (find and use) of a new unit.
import { createServer } from 'node:net';
import { createClient } from 'feats-edge';

const quick = process.argv.includes('--quick');
const snapshot = JSON.stringify({
  schema: 1, segments: { UserId: { from: { user: '{id}' } } },
  features: { F: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ split: { by: 'UserId', weights: { a: 50, b: 50 } } }] } },
});

// A port that refuses connections: a sink that is down.
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
    s.close(() => resolve(port));
  });
});

const perUse = (client, from, n) => {
  const t0 = process.hrtime.bigint();
  for (let i = from; i < from + n; i++) client.create('F', { user: { id: `u${i}` } });
  return Number(process.hrtime.bigint() - t0) / n / 1000;
};

console.log('maxQueue   filling µs/use   full µs/use');
for (const maxQueue of quick ? [1e3, 1e5] : [1e3, 1e4, 1e5, 1e6]) {
  const client = await createClient({ snapshot, exposureUrl: `http://127.0.0.1:${port}/x`, maxQueue, flushInterval: 0 });
  client.on('error', () => {});
  const filling = perUse(client, 0, maxQueue);
  await new Promise((r) => setTimeout(r, 200)); // the failed POST's backoff set: no flush for a while
  const full = perUse(client, maxQueue, quick ? 5_000 : 20_000);
  console.log(`${String(maxQueue).padStart(8)} ${filling.toFixed(2).padStart(16)} ${full.toFixed(2).padStart(13)}   dropped ${client.stats.dropped}`);
  await client.close();
}
