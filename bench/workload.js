// One workload, described once, and each SDK's own configuration generated
// from it, so that every SDK evaluates the same rules:
//   N string features, implementations `control` and `treatment` plus the
//   default `off`; one rule: country in [US, CA, GB, DE, FR] → 50/50 split
//   by user id; everyone else gets `off`.
export const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'BR', 'JP', 'IN', 'MX'];
export const TARGETED = ['US', 'CA', 'GB', 'DE', 'FR'];
export const key = (i) => `f${String(i).padStart(5, '0')}`;

/** Deterministic users: `user-<i>` over 10 countries. */
export function users(n) {
  return Array.from({ length: n }, (_, i) => ({ id: `user-${i}`, country: COUNTRIES[i % COUNTRIES.length] }));
}

const range = (n) => Array.from({ length: n }, (_, i) => i);

export const configs = {
  'feats-edge': (n) => JSON.stringify({
    schema: 1, revision: 'bench',
    segments: { Country: { from: { user: '{country}' } }, UserId: { from: { user: '{id}' } } },
    features: Object.fromEntries(range(n).map((i) => [key(i), {
      inputs: ['user'], implementations: ['control', 'treatment', 'off'], default: 'off',
      rules: [{ when: { segment: 'Country', in: TARGETED }, split: { by: 'UserId', weights: { control: 50, treatment: 50 } } }],
    }])),
  }),

  growthbook: (n) => ({
    features: Object.fromEntries(range(n).map((i) => [key(i), {
      defaultValue: 'off',
      rules: [{ condition: { country: { $in: TARGETED } }, key: key(i), variations: ['control', 'treatment'],
        weights: [0.5, 0.5], coverage: 1, hashAttribute: 'id', hashVersion: 2 }],
    }])),
  }),

  flagd: (n) => JSON.stringify({
    flags: Object.fromEntries(range(n).map((i) => [key(i), {
      state: 'ENABLED', variants: { control: 'control', treatment: 'treatment', off: 'off' }, defaultVariant: 'off',
      targeting: { if: [{ in: [{ var: 'country' }, TARGETED] }, { fractional: [{ var: 'targetingKey' }, ['control', 50], ['treatment', 50]] }, 'off'] },
    }])),
  }),

  flipt: (n) => ({
    namespace: { key: 'default' },
    flags: range(n).map((i) => ({
      key: key(i), name: key(i), type: 'VARIANT_FLAG_TYPE', enabled: true, rollouts: [],
      defaultVariant: { id: 'off', key: 'off' },
      rules: [{
        segmentOperator: 'OR_SEGMENT_OPERATOR',
        segments: [{ key: 'targeted', matchType: 'ALL_SEGMENT_MATCH_TYPE', constraints: [
          { type: 'STRING_CONSTRAINT_COMPARISON_TYPE', property: 'country', operator: 'isoneof', value: JSON.stringify(TARGETED) }] }],
        distributions: [{ variantKey: 'control', rollout: 50 }, { variantKey: 'treatment', rollout: 50 }],
      }],
    })),
  }),

  unleash: (n) => range(n).map((i) => ({
    name: key(i), enabled: true, type: 'experiment', project: 'default', impressionData: false,
    strategies: [{ name: 'flexibleRollout', parameters: { rollout: '100', stickiness: 'userId', groupId: key(i) },
      constraints: [{ contextName: 'country', operator: 'IN', values: TARGETED }],
      variants: [
        { name: 'control', weight: 500, weightType: 'variable', stickiness: 'userId', payload: { type: 'string', value: 'control' } },
        { name: 'treatment', weight: 500, weightType: 'variable', stickiness: 'userId', payload: { type: 'string', value: 'treatment' } },
      ] }],
  })),

  launchdarkly: (n) => ({
    flags: Object.fromEntries(range(n).map((i) => [key(i), {
      key: key(i), version: 1, on: true, salt: key(i), variations: ['control', 'treatment', 'off'], offVariation: 2,
      fallthrough: { variation: 2 }, targets: [], contextTargets: [], prerequisites: [],
      rules: [{ id: 'r0', clauses: [{ contextKind: 'user', attribute: 'country', op: 'in', values: TARGETED, negate: false }],
        rollout: { variations: [{ variation: 0, weight: 50000 }, { variation: 1, weight: 50000 }], bucketBy: 'key' } }],
    }])),
  }),
};
