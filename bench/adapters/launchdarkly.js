// LaunchDarkly's Node server SDK from a file data source, events off.
// Evaluation is asynchronous (a Promise per call); allFlagsState for
// evaluate-all.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, integrations } from '@launchdarkly/node-server-sdk';
import { configs } from '../workload.js';

export const async = true;
export async function setup(n) {
  const file = join(tmpdir(), `feats-edge-bench-ld-${n}.json`);
  writeFileSync(file, JSON.stringify(configs.launchdarkly(n)));
  const logger = { error() {}, warn() {}, info() {}, debug() {} };
  const client = init('sdk-key-bench', {
    updateProcessor: new integrations.FileDataSourceFactory({ paths: [file] }).getFactory(), sendEvents: false, diagnosticOptOut: true, logger,
  });
  await client.waitForInitialization({ timeout: 10 });
  return {
    one: (key, user) => client.variation(key, { kind: 'user', key: user.id, country: user.country }, 'off'),
    all: async (user) => (await client.allFlagsState({ kind: 'user', key: user.id, country: user.country })).allValues(),
    close: () => client.close(),
  };
}
