// The declarations in a Node project without the DOM library (tsconfig.node.json).
import { readFileSync } from 'node:fs';
import { init, initSync, Engine, createClient, bucket, type Details } from 'feats-edge';

await init();
await init(readFileSync('pkg/gen/feats_edge_bg.wasm'));
initSync(new Uint8Array(readFileSync('pkg/gen/feats_edge_bg.wasm')));
const engine = new Engine(readFileSync('examples/shop.json', 'utf8'));
const d: Details = engine.evaluate('PaymentProcessor', { user: { id: '42' } }, { now: Date.now() });
const impl: string | null = engine.implementation('PaymentProcessor', { user: { id: '42' } });
const n: number = bucket('PaymentProcessor', '42');
const client = await createClient({
  snapshotUrl: 'http://127.0.0.1:8787/flags/snapshot.json',
  headers: { authorization: 'Bearer x' },
  fetch: (url, init) => fetch(url, init),
});
client.usedImplementation('PaymentProcessor', client.findImplementation('PaymentProcessor', { user: { id: '42' } }), { user: { id: '42' } });
client.close();
export { d, impl, n };

// The providers are what OpenFeature's SDKs take.
import { OpenFeature as ServerFeature } from '@openfeature/server-sdk';
import { OpenFeature as WebFeature } from '@openfeature/web-sdk';
import { FeatsEdgeProvider, FeatsEdgeWebProvider } from 'feats-edge/openfeature';
export async function providers(c: Awaited<ReturnType<typeof createClient>>) {
  await ServerFeature.setProviderAndWait(new FeatsEdgeProvider(c));
  await WebFeature.setProviderAndWait(new FeatsEdgeWebProvider(c));
  const on: boolean = await ServerFeature.getClient().getBooleanValue('Dark', false, { targetingKey: '42' });
  const name: string = WebFeature.getClient().getStringValue('PaymentProcessor', 'acme');
  void [on, name];
}
