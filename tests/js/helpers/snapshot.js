// The snapshot the client tests serve (SPEC section 1), and helpers to vary it.

/** @param {string} [revision] */
export function snapshot(revision = 'r1') {
  return {
    schema: 1,
    revision,
    segments: {
      UserId: { from: { user: '{id}' } },
      Country: { from: { user: '{country}' } },
    },
    features: {
      PaymentProcessor: {
        inputs: ['user'],
        implementations: ['acme', 'premium', 'aperture'],
        default: 'acme',
        rules: [{ when: { segment: 'Country', in: ['CA'] }, serve: 'premium' }],
      },
      ImageProcessing: { type: 'boolean', inputs: [], default: true },
      Dark: { type: 'boolean', inputs: ['user'], default: false, rules: [{ when: { segment: 'Country', in: ['CA'] }, serve: true }] },
      Random: {
        inputs: ['user'],
        implementations: ['a', 'b'],
        default: 'a',
        rules: [{ experiment: { name: 'exp', by: 'UserId', weights: { a: 50, b: 50 }, random: true } }],
      },
      Fixed: {
        inputs: ['user'],
        implementations: ['a', 'b'],
        default: 'a',
        rules: [{ experiment: { name: 'fixed', by: 'UserId', weights: { a: 50, b: 50 } } }],
      },
      Split: {
        inputs: ['user'],
        implementations: ['on', 'off'],
        default: 'off',
        rules: [{ split: { by: 'UserId', weights: { on: 50, off: 50 } } }],
      },
    },
  };
}

/** A context holding data that must never leave the client. */
export const SECRET = 'jane.doe+secret@example.com';
/** @param {string} id @param {string} [country] */
export const ctx = (id, country = 'FR') => ({ user: { id, country, email: SECRET, token: 'tok_' + SECRET } });
