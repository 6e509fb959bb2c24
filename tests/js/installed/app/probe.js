// What every installed copy of the package computes (in Node, in pages
// bundled by esbuild and Vite, in workerd): the test compares it with what
// the package of this checkout computes in the test's own process.
const now = Date.parse('2023-11-27T12:00:00Z');
const contexts = [
  { user: { id: 42, address: { country_code: 'US' } } },
  { user: { id: 'u-7', address: { country_code: 'CA' }, plan: 'pro' }, request: { ip: '10.1.2.3', app_version: '2.3.1' } },
  {},
];

/**
 * @param {typeof import('feats-edge')} api the package, imported by name
 * @param {string} snapshot a snapshot's text
 */
export async function probe({ init, Engine, bucket, createClient }, snapshot) {
  await init();
  const engine = new Engine(snapshot);
  const client = await createClient({ snapshot, now: () => now });
  try {
    return {
      bucket: bucket('PaymentProcessor', '42'),
      revision: engine.revision,
      problems: engine.problems,
      all: contexts.map((c) => engine.evaluateAll(c, { now })),
      client: contexts.map((c) => client.findImplementations(c)),
    };
  } finally {
    engine.free();
    client.close();
  }
}
