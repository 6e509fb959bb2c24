// Unleash's Node SDK (unleash-client): the features handed over as a
// bootstrap, metrics off (no registration, no counting), refreshInterval 0
// (it never polls, so the URL, a closed loopback port, is never contacted),
// in-memory storage (no backup file). The default comes from the fallback
// variant. No bulk call: evaluate-all is a loop over the feature names.
import { Unleash, InMemStorageProvider } from 'unleash-client';

export const info = {
  label: 'Unleash',
  package: 'unleash-client',
  wasm: false,
  async: false,
  config: '`new Unleash({bootstrap: {data}, refreshInterval: 0, disableMetrics: true, storageProvider: InMemStorageProvider})`, wait for `ready`',
  one: '`unleash.getVariant(key, {userId: id, properties: {country}}, {name: "off", enabled: false})` → `.name`',
  all: 'a loop of `getVariant` over the 200 names (no bulk API in the Node SDK) into `{key: name}`',
};

const FALLBACK = Object.freeze({ name: 'off', enabled: false });

export async function setup({ text }) {
  const { features } = JSON.parse(text);
  const names = features.map((f) => f.name);
  const unleash = new Unleash({
    url: 'http://127.0.0.1:9/api/',
    appName: 'feats-edge-bench',
    refreshInterval: 0,
    disableMetrics: true,
    skipInstanceCountWarning: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: { data: features },
  });
  unleash.on('error', () => {});
  unleash.on('warn', () => {});
  if (!unleash.ready) await new Promise((resolve) => unleash.once('ready', resolve));
  const one = (key, u) => unleash.getVariant(key, { userId: u.id, properties: { country: u.country } }, FALLBACK).name;
  return {
    one,
    all: (u) => {
      const out = {};
      for (let i = 0; i < names.length; i++) out[names[i]] = unleash.getVariant(names[i], { userId: u.id, properties: { country: u.country } }, FALLBACK).name;
      return out;
    },
    pick: (res, j, key) => res[key],
    close: () => unleash.destroy(),
  };
}

// A Node SDK: bundled for Node when a browser build is impossible.
export const bundleEntry = `
import { Unleash, InMemStorageProvider } from 'unleash-client';
const unleash = new Unleash({ url: 'http://127.0.0.1:9/api/', appName: 'a', refreshInterval: 0, disableMetrics: true,
  storageProvider: new InMemStorageProvider(), bootstrap: { data: JSON.parse(CONFIG).features } });
unleash.once('ready', () => console.log(unleash.getVariant('f000', { userId: 'u1', properties: { country: 'US' } }, { name: 'off', enabled: false }).name));
`;
