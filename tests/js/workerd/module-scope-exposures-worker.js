// A test-only worker whose client is made at module scope from a bootstrap
// snapshot, with an exposure URL (the EXPOSURE_URL binding) and the other
// options left to their defaults: Workers allow no timers there, and the
// client sends exposures with `ctx.waitUntil(client.flush())`.
// GET /?user=ID → Checkout for that user (its exposure recorded).
import { env } from 'cloudflare:workers';
import { createClient } from 'feats-edge';

const client = await createClient({
  snapshot: {
    schema: 1, revision: 'module-2', segments: { UserId: { from: { user: '{id}' } } },
    features: { Checkout: { inputs: ['user'], implementations: ['classic', 'onepage'], default: 'classic', rules: [{ split: { by: 'UserId', weights: { classic: 50, onepage: 50 } } }] } },
  },
  exposureUrl: env.EXPOSURE_URL,
});

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/__ready') return new Response(null, { status: 204 });
    const checkout = client.create('Checkout', { user: { id: url.searchParams.get('user') } });
    ctx.waitUntil(client.flush());
    return new Response(`${client.revision} ${checkout}`);
  },
};
