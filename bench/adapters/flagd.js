// OpenFeature flagd's in-process evaluator (@openfeature/flagd-core): the
// configuration set directly; resolveAll for evaluate-all.
import { FlagdCore } from '@openfeature/flagd-core';
import { configs } from '../workload.js';

const logger = { error() {}, warn() {}, info() {}, debug() {} };
export async function setup(n) {
  const core = new FlagdCore(undefined, logger);
  core.setConfigurations(configs.flagd(n));
  return {
    one: (key, user) => core.resolveStringEvaluation(key, 'off', { targetingKey: user.id, country: user.country }, logger).value,
    all: (user) => core.resolveAll({ targetingKey: user.id, country: user.country }, logger),
  };
}
