// Flipt's client-side evaluation (@flipt-io/flipt-client-js): Flipt's Rust
// engine compiled to wasm. The evaluation snapshot is handed over through
// the `fetcher` option (a Response built from the text; it parses it), so no
// Flipt server is needed; no background refresh.
import { FliptClient } from '@flipt-io/flipt-client-js';

export const info = {
  label: 'Flipt',
  package: '@flipt-io/flipt-client-js',
  wasm: true,
  async: false,
  config: 'evaluation snapshot through `FliptClient.init({fetcher, updateInterval: 0})`',
  one: '`client.evaluateVariant({flagKey, entityId: id, context: {country}})` → `.variantKey`',
  all: '`client.evaluateBatch([...200 requests])` (bulk API)',
};

export async function setup({ text, keys }) {
  const fetcher = async () => new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
  const client = await FliptClient.init({ namespace: 'default', fetcher, updateInterval: 0 });
  return {
    one: (key, u) => client.evaluateVariant({ flagKey: key, entityId: u.id, context: { country: u.country } }).variantKey,
    all: (u) => {
      const context = { country: u.country };
      const requests = new Array(keys.length);
      for (let i = 0; i < keys.length; i++) requests[i] = { flagKey: keys[i], entityId: u.id, context };
      return client.evaluateBatch(requests);
    },
    pick: (res, j) => res.responses[j].variantEvaluationResponse.variantKey,
    close: () => client.close?.(),
  };
}

export const bundleEntry = `
import { FliptClient } from '@flipt-io/flipt-client-js';
const fetcher = async () => new Response(CONFIG, { status: 200, headers: { 'content-type': 'application/json' } });
const client = await FliptClient.init({ namespace: 'default', fetcher, updateInterval: 0 });
console.log(client.evaluateVariant({ flagKey: 'f000', entityId: 'u1', context: { country: 'US' } }).variantKey);
`;
