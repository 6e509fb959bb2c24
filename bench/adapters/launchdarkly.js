// LaunchDarkly's Node server SDK (@launchdarkly/node-server-sdk) from its
// file data source (it reads and parses the file), events and diagnostics
// off, so nothing is sent. Its evaluation API is asynchronous: every call
// returns a Promise, which the harness awaits.
import { init, integrations } from '@launchdarkly/node-server-sdk';

export const info = {
  label: 'LaunchDarkly',
  package: '@launchdarkly/node-server-sdk',
  wasm: false,
  async: true,
  config: '`init(key, {updateProcessor: FileDataSourceFactory({paths}), sendEvents: false, diagnosticOptOut: true})`, `waitForInitialization`',
  one: '`await client.variation(key, {kind: "user", key: id, country}, "off")`',
  all: '`await client.allFlagsState({kind: "user", key: id, country})` (bulk API) → `getFlagValue`',
};

const quiet = { error() {}, warn() {}, info() {}, debug() {} };

export async function setup({ file }) {
  const client = init('sdk-key-offline-bench', {
    updateProcessor: new integrations.FileDataSourceFactory({ paths: [file], autoUpdate: false }).getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: quiet,
  });
  await client.waitForInitialization({ timeout: 30 });
  return {
    one: (key, u) => client.variation(key, { kind: 'user', key: u.id, country: u.country }, 'off'),
    all: (u) => client.allFlagsState({ kind: 'user', key: u.id, country: u.country }),
    pick: (state, j, key) => state.getFlagValue(key),
    close: () => client.close(),
  };
}

// A Node server SDK: bundled for Node when a browser build is impossible.
export const bundleEntry = `
import { init, integrations } from '@launchdarkly/node-server-sdk';
const client = init('k', { updateProcessor: new integrations.FileDataSourceFactory({ paths: ['flags.json'] }).getFactory(), sendEvents: false });
await client.waitForInitialization({ timeout: 5 });
console.log(await client.variation('f000', { kind: 'user', key: 'u1', country: 'US' }, 'off'));
`;
