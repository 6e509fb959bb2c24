// A test-only worker: the README's Worker pattern with a bootstrap snapshot
// (the BOOTSTRAP binding, as a snapshot bundled with a worker, and its ETag
// in BOOTSTRAP_ETAG) to serve before the origin answers. GET /?user=ID → Checkout for that user, with
// the revision in `X-Revision`.
import { isolateClient } from 'feats-edge';

const getClient = isolateClient((env) => ({
  snapshot: env.BOOTSTRAP,
  snapshotEtag: env.BOOTSTRAP_ETAG,
  snapshotUrl: env.SNAPSHOT_URL,
  exposureUrl: env.EXPOSURE_URL,
  refreshInterval: 60000,
}));

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== '/') return new Response(null, { status: url.pathname === '/__ready' ? 204 : 404 });
    const client = await getClient(env, ctx);
    const checkout = client.create('Checkout', { user: { id: url.searchParams.get('user') } });
    ctx.waitUntil(client.flush());
    return new Response(checkout, { headers: { 'X-Revision': String(client.revision) } });
  },
};
