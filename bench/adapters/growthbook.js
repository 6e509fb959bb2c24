// GrowthBook (@growthbook/growthbook): the multi-user GrowthBookClient, its
// SDK payload handed to initSync (no network), one user context per call.
// GrowthBook has no bulk call for values: evaluate-all is a loop over the
// feature names, as an application would write it.
import { GrowthBookClient } from '@growthbook/growthbook';

export const info = {
  label: 'GrowthBook',
  package: '@growthbook/growthbook',
  wasm: false,
  async: false,
  config: 'SDK payload (JSON.parse) → `new GrowthBookClient()` + `initSync({payload, streaming: false})`',
  one: '`client.getFeatureValue(key, "off", {attributes: {id, country}})`',
  all: 'a loop of `getFeatureValue` over the 200 names (no bulk value API) into `{key: value}`',
};

export async function setup({ text }) {
  const payload = JSON.parse(text);
  const names = Object.keys(payload.features);
  const gb = new GrowthBookClient();
  gb.initSync({ payload, streaming: false });
  return {
    one: (key, u) => gb.getFeatureValue(key, 'off', { attributes: { id: u.id, country: u.country } }),
    all: (u) => {
      const ctx = { attributes: { id: u.id, country: u.country } };
      const out = {};
      for (let i = 0; i < names.length; i++) out[names[i]] = gb.getFeatureValue(names[i], 'off', ctx);
      return out;
    },
    pick: (res, j, key) => res[key],
    close: () => gb.destroy(),
  };
}

// W4: a minimal browser entry (CONFIG is the one-feature payload text).
export const bundleEntry = `
import { GrowthBookClient } from '@growthbook/growthbook';
const gb = new GrowthBookClient();
gb.initSync({ payload: JSON.parse(CONFIG), streaming: false });
console.log(gb.getFeatureValue('f000', 'off', { attributes: { id: 'u1', country: 'US' } }));
`;
