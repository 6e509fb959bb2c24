// A test-only worker written as the README's "In a Cloudflare Worker"
// section tells users to: one client per isolate (`isolateClient`), made
// by the first request, each request's exposures sent after its response
// with `ctx.waitUntil(client.flush())`, the snapshot revalidated (ETag)
// after a response once it is older than REFRESH_MS (or while nothing is
// loaded). GET /?user=ID → the implementation of Checkout for that user
// (its exposure recorded), with the revision in `X-Revision`.
import { isolateClient } from 'feats-edge';

const getClient = isolateClient((env) => ({
  snapshotUrl: env.SNAPSHOT_URL,
  exposureUrl: env.EXPOSURE_URL,
  refreshInterval: Number(env.REFRESH_MS),
}));

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== '/') return new Response(null, { status: url.pathname === '/__ready' ? 204 : 404 });
    const client = await getClient(env, ctx);
    const checkout = client.create('Checkout', { user: { id: url.searchParams.get('user') } });
    ctx.waitUntil(client.flush()); // exposures go out after the response
    return new Response(checkout, { headers: { 'X-Revision': String(client.revision) } });
  },
};
