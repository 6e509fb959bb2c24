// The declarations in a project with no host library at all (tsconfig.bare.json:
// no DOM, no @types/node, no Workers types): they compile, and still check.
import { init, Engine, createClient, bucket, type Details } from 'feats-edge';

await init();
await init('/feats_edge_bg.wasm');
await init(new Uint8Array(8));
const engine = new Engine('{"schema": 1}');
const d: Details = engine.evaluate('PaymentProcessor', { user: { id: '42' } }, { now: 0 });
const n: number = bucket('PaymentProcessor', '42');
const client = await createClient({
  snapshotUrl: '/flags/snapshot.json',
  headers: { authorization: 'Bearer x' },
  fetch: async (url: string) => ({ url, status: 200, headers: { get: (_name: string) => null }, text: async () => '{}' }),
});
// @ts-expect-error: fetch gives a Response (a status and headers at least)
await createClient({ fetch: async (_url: string) => 42 });
// @ts-expect-error: nor without a way to read its body
await createClient({ fetch: async (_url: string) => ({ status: 200, headers: { get: (_name: string) => null } }) });
const impl: string | null = client.findImplementation('PaymentProcessor', { user: { id: '42' } });
// @ts-expect-error: a number is no snapshot source
await init(42);
// @ts-expect-error: headers are strings
await createClient({ headers: { authorization: 1 } });
client.close();
export { d, n, impl };
