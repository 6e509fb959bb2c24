// The one workload, described once, and a generator per SDK that writes the
// SDK's own configuration from it, so that every SDK evaluates the same rules:
//
//   N string features f000, f001, ... each with two implementations
//   (`control`, `treatment`) plus the default `off`, and one rule:
//   country in [US, CA, GB, DE, FR] → a 50/50 split by user id, salted per
//   feature; everyone else gets the default `off`.
//
// Every generator returns JSON text: each SDK starts from the bytes it would
// receive over the network or read from a file, and parses them itself.

export const WORKLOAD = Object.freeze({
  features: 200, // W1, W2, sanity
  coldFeatures: 1_000, // W3
  memoryFeatures: 10_000, // memory
  users: 100_000,
  seed: 0x5eed_f1a9,
  countries: Object.freeze(['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'BR', 'JP', 'IN', 'MX']),
  targeted: Object.freeze(['US', 'CA', 'GB', 'DE', 'FR']),
  implementations: Object.freeze(['control', 'treatment']),
  default: 'off',
  weights: Object.freeze({ control: 50, treatment: 50 }), // percent
});

/** The name of feature `i`: f000 … f999, then f1000 … f9999. */
export const featureKey = (i) => `f${String(i).padStart(3, '0')}`;
export const featureKeys = (n) => Array.from({ length: n }, (_, i) => featureKey(i));

/** mulberry32: a small seeded PRNG, so the users are the same in every run. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` deterministic users `{id, country}`: a 16-hex-digit id and one of the
 * 10 countries, uniformly, both drawn from the seeded PRNG.
 */
export function users(n = WORKLOAD.users, seed = WORKLOAD.seed) {
  const rnd = prng(seed);
  const hex = () => Math.floor(rnd() * 2 ** 32).toString(16).padStart(8, '0');
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = { id: `u${hex()}${hex()}`, country: WORKLOAD.countries[Math.floor(rnd() * WORKLOAD.countries.length)] };
  }
  return out;
}

const range = (n) => Array.from({ length: n }, (_, i) => i);
const W = WORKLOAD;
const [A, B] = W.implementations;

/** Each SDK's configuration for `n` features, as JSON text. */
export const generators = {
  // SPEC section 1, schema 1.
  'feats-edge': (n) => JSON.stringify({
    schema: 1,
    revision: 'bench',
    segments: { Country: { from: { user: '{country}' } }, UserId: { from: { user: '{id}' } } },
    features: Object.fromEntries(range(n).map((i) => [featureKey(i), {
      inputs: ['user'],
      implementations: [A, B, W.default],
      default: W.default,
      rules: [{ when: { segment: 'Country', in: W.targeted }, split: { by: 'UserId', weights: { [A]: W.weights[A], [B]: W.weights[B] } } }],
    }])),
  }),

  // GrowthBook SDK payload: an experiment rule (hashVersion 2, seeded by
  // the feature key) behind an attribute condition.
  growthbook: (n) => JSON.stringify({
    features: Object.fromEntries(range(n).map((i) => [featureKey(i), {
      defaultValue: W.default,
      rules: [{
        id: `r-${featureKey(i)}`,
        condition: { country: { $in: W.targeted } },
        key: featureKey(i),
        seed: featureKey(i),
        hashAttribute: 'id',
        hashVersion: 2,
        variations: [A, B],
        weights: [W.weights[A] / 100, W.weights[B] / 100],
        coverage: 1,
      }],
    }])),
  }),

  // flagd flag definitions: JSONLogic `in`, then `fractional` with its
  // default bucketing key (flag key + targetingKey).
  flagd: (n) => JSON.stringify({
    flags: Object.fromEntries(range(n).map((i) => [featureKey(i), {
      state: 'ENABLED',
      variants: { [A]: A, [B]: B, [W.default]: W.default },
      defaultVariant: W.default,
      targeting: {
        if: [
          { in: [{ var: 'country' }, [...W.targeted]] },
          { fractional: [[A, W.weights[A]], [B, W.weights[B]]] },
          W.default,
        ],
      },
    }])),
  }),

  // Flipt's client evaluation snapshot (what its server serves at
  // /internal/v1/evaluation/snapshot/namespace/default).
  flipt: (n) => JSON.stringify({
    namespace: { key: 'default' },
    flags: range(n).map((i) => ({
      key: featureKey(i),
      name: featureKey(i),
      description: '',
      enabled: true,
      type: 'VARIANT_FLAG_TYPE',
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      defaultVariant: { id: `${featureKey(i)}-off`, key: W.default, attachment: '' },
      rules: [{
        id: `${featureKey(i)}-r0`,
        rank: 1,
        segmentOperator: 'OR_SEGMENT_OPERATOR',
        segments: [{
          key: 'targeted',
          matchType: 'ALL_SEGMENT_MATCH_TYPE',
          constraints: [{
            id: 'c0', type: 'STRING_CONSTRAINT_COMPARISON_TYPE', property: 'country', operator: 'isoneof',
            value: JSON.stringify(W.targeted),
          }],
        }],
        distributions: [
          { id: `${featureKey(i)}-d0`, ruleId: `${featureKey(i)}-r0`, variantId: `${featureKey(i)}-a`, variantKey: A, variantAttachment: '', rollout: W.weights[A] },
          { id: `${featureKey(i)}-d1`, ruleId: `${featureKey(i)}-r0`, variantId: `${featureKey(i)}-b`, variantKey: B, variantAttachment: '', rollout: W.weights[B] },
        ],
      }],
      rollouts: [],
    })),
  }),

  // Unleash client API features: a flexible rollout (100 %) constrained to
  // the countries, with two variants; the default comes from the fallback
  // variant passed to getVariant.
  unleash: (n) => JSON.stringify({
    version: 2,
    features: range(n).map((i) => ({
      name: featureKey(i),
      enabled: true,
      type: 'experiment',
      project: 'default',
      impressionData: false,
      strategies: [{
        name: 'flexibleRollout',
        parameters: { rollout: '100', stickiness: 'userId', groupId: featureKey(i) },
        constraints: [{ contextName: 'country', operator: 'IN', values: [...W.targeted], inverted: false, caseInsensitive: false }],
        variants: [
          { name: A, weight: W.weights[A] * 10, weightType: 'variable', stickiness: 'userId', payload: { type: 'string', value: A } },
          { name: B, weight: W.weights[B] * 10, weightType: 'variable', stickiness: 'userId', payload: { type: 'string', value: B } },
        ],
      }],
    })),
  }),

  // LaunchDarkly flag data, as its file data source reads it: a rule with
  // an `in` clause and a 50/50 rollout by context key, salted per flag.
  launchdarkly: (n) => JSON.stringify({
    flags: Object.fromEntries(range(n).map((i) => [featureKey(i), {
      key: featureKey(i),
      version: 1,
      on: true,
      salt: featureKey(i),
      variations: [A, B, W.default],
      offVariation: 2,
      fallthrough: { variation: 2 },
      targets: [],
      contextTargets: [],
      prerequisites: [],
      trackEvents: false,
      trackEventsFallthrough: false,
      rules: [{
        id: `${featureKey(i)}-r0`,
        clauses: [{ contextKind: 'user', attribute: 'country', op: 'in', values: [...W.targeted], negate: false }],
        rollout: { variations: [{ variation: 0, weight: W.weights[A] * 1000 }, { variation: 1, weight: W.weights[B] * 1000 }], bucketBy: 'key' },
        trackEvents: false,
      }],
    }])),
  }),
};
