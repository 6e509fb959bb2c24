// Unleash's Node SDK from a bootstrap, metrics off, no polling. The URL is
// never reached (refreshInterval 0 and the bootstrap wins). No bulk API for
// variants: evaluate-all is a loop.
import { Unleash, InMemStorageProvider } from 'unleash-client';
import { configs } from '../workload.js';

export async function setup(n, keys) {
  const unleash = new Unleash({
    url: 'http://127.0.0.1:9/api/', appName: 'bench', disableMetrics: true, refreshInterval: 0,
    bootstrap: { data: configs.unleash(n) }, storageProvider: new InMemStorageProvider(), skipInstanceCountWarning: true,
  });
  unleash.on('error', () => {});
  await new Promise((resolve) => unleash.once('ready', resolve));
  const one = (key, user) => {
    const v = unleash.getVariant(key, { userId: user.id, properties: { country: user.country } });
    return v.enabled ? v.name : 'off';
  };
  return {
    one,
    all: (user) => {
      const out = {};
      for (const k of keys) out[k] = one(k, user);
      return out;
    },
    close: () => unleash.destroy(),
  };
}
