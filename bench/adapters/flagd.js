// OpenFeature flagd's in-process evaluation engine (@openfeature/flagd-core),
// the core the flagd in-process providers use: flag definitions handed to
// setConfigurations (it parses and validates the JSON), no flagd daemon.
import { FlagdCore } from '@openfeature/flagd-core';

export const info = {
  label: 'flagd',
  package: '@openfeature/flagd-core',
  wasm: false,
  async: false,
  config: 'flag definitions (JSON text) → `new FlagdCore()` + `setConfigurations(text)`',
  one: '`core.resolveStringEvaluation(key, "off", {targetingKey: id, country})` → `.value`',
  all: '`core.resolveAll({targetingKey: id, country})` (bulk API, resolution details per flag)',
};

const quiet = { error() {}, warn() {}, info() {}, debug() {} };

export async function setup({ text }) {
  const core = new FlagdCore(undefined, quiet);
  core.setConfigurations(text);
  return {
    one: (key, u) => core.resolveStringEvaluation(key, 'off', { targetingKey: u.id, country: u.country }, quiet).value,
    all: (u) => core.resolveAll({ targetingKey: u.id, country: u.country }, quiet),
    // resolveAll keeps the configuration's order; fall back to a search.
    pick: (res, j, key) => (res[j]?.flagKey === key ? res[j] : res.find((r) => r.flagKey === key)).value,
  };
}

export const bundleEntry = `
import { FlagdCore } from '@openfeature/flagd-core';
const core = new FlagdCore();
core.setConfigurations(CONFIG);
console.log(core.resolveStringEvaluation('f000', 'off', { targetingKey: 'u1', country: 'US' }).value);
`;
