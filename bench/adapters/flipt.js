// Flipt's client-side engine (Rust compiled to wasm, @flipt-io/flipt-client-js),
// handed the snapshot through its `fetcher` option: no server.
import { FliptClient } from '@flipt-io/flipt-client-js';
import { configs } from '../workload.js';

export const wasm = true;
export async function setup(n, keys) {
  const doc = configs.flipt(n);
  const fetcher = async () => ({ ok: true, status: 200, statusText: 'OK', headers: { get: () => null }, json: async () => doc });
  const client = await FliptClient.init({ namespace: 'default', fetcher, updateInterval: 0 });
  return {
    one: (key, user) => client.evaluateVariant({ flagKey: key, entityId: user.id, context: { country: user.country } }).variantKey,
    all: (user) => client.evaluateBatch(keys.map((flagKey) => ({ flagKey, entityId: user.id, context: { country: user.country } }))),
    close: () => client.close?.(),
  };
}
