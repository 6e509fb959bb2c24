// A test-only worker whose client is made at module scope from a bootstrap
// snapshot (no URL, no timers): Workers allow no timers and no I/O there.
import { createClient } from 'feats-edge';

const client = await createClient({
  snapshot: { schema: 1, revision: 'module-1', features: { Checkout: { implementations: ['classic', 'onepage'], default: 'onepage' } } },
  refreshInterval: 0, flushInterval: 0,
});

export default {
  async fetch(request) {
    if (new URL(request.url).pathname === '/__ready') return new Response(null, { status: 204 });
    return new Response(`${client.revision} ${client.findImplementation('Checkout', {})}`);
  },
};
