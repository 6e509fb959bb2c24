// GrowthBook's multi-user client (GrowthBookClient), payload given at init:
// no network. No bulk API for values: evaluate-all is a loop.
import { GrowthBookClient } from '@growthbook/growthbook';
import { configs } from '../workload.js';

export async function setup(n, keys) {
  const gb = new GrowthBookClient({ enableDevMode: false });
  gb.initSync({ payload: configs.growthbook(n), streaming: false });
  const one = (key, user) => gb.getFeatureValue(key, 'off', { attributes: { id: user.id, country: user.country } });
  return {
    one,
    all: (user) => {
      const ctx = { attributes: { id: user.id, country: user.country } };
      const out = {};
      for (const k of keys) out[k] = gb.getFeatureValue(k, 'off', ctx);
      return out;
    },
    close: () => gb.destroy?.(),
  };
}
