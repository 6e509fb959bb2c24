// The workload both package benchmarks run (package.mjs in Node, browser.mjs
// in Chromium), the one of ../shared/BOUNDARY.md: n features, each
// `Country in [US, CA, GB, DE, FR]` then a 50/50 split by `UserId`.

/** The users' countries, by user number modulo 10. */
export const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'BR', 'JP', 'IN', 'MX'];

/** The snapshot text with `n` features (f0000, f0001, ...). */
export function snapshot(n) {
  const features = {};
  for (let i = 0; i < n; i++) {
    features[`f${String(i).padStart(4, '0')}`] = {
      inputs: ['user'], implementations: ['control', 'treatment', 'off'], default: 'off',
      rules: [{ when: { segment: 'Country', in: ['US', 'CA', 'GB', 'DE', 'FR'] }, split: { by: 'UserId', weights: { control: 50, treatment: 50 } } }],
    };
  }
  return JSON.stringify({ schema: 1, revision: 'bench', segments: { Country: { from: { user: '{country}' } }, UserId: { from: { user: '{id}' } } }, features });
}
