// The package in a runtime other than Node that runs it from node_modules
// (Deno, Bun), for the runtime test: reads {vectors, scenarios, now, origin}
// from the JSON file named by its argument, prints what it computes.
//   buckets, results  the shared bucket vectors and the example scenarios
//   client            a client of `origin` (tests/js/helpers/runtimes.js):
//                     its first load, a choice used and flushed, a refresh
// The client is left open: its timers must not keep the process alive, as
// in Node (the test waits for the process to end on its own).
import { readFileSync } from 'node:fs';
import { Engine, bucket, createClient } from 'feats-edge';

const { vectors, scenarios, now, origin } = JSON.parse(readFileSync(process.argv[process.argv.length - 1], 'utf8'));
const buckets = vectors.map((c) => bucket(c.salt, c.unit));
const results = scenarios.map(({ snapshot, contexts }) => {
  const engine = new Engine(snapshot);
  return contexts.map((ctx) => ({ all: engine.evaluateAll(ctx, { now }), fast: engine.implementations(ctx, { now }) }));
});

const client = await createClient({
  snapshotUrl: `${origin}/snapshot.json`, exposureUrl: `${origin}/exposures`,
  refreshInterval: 60000, flushInterval: 60000, now: () => now,
});
const user = { user: { id: 'u-7', address: { country_code: 'CA' } } };
const found = client.findImplementation('PaymentProcessor', user);
const created = client.create('PaymentProcessor', user);
await client.flush();
await client.refresh();
const out = { buckets, results, client: { revision: client.revision, found, created, stats: { ...client.stats } } };
process.stdout.write(JSON.stringify(out));
