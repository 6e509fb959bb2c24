// A test-only worker written as the README's "In a Cloudflare Worker"
// section tells users to: one client per isolate, made by the first
// request, each request's exposures sent after its response with
// `ctx.waitUntil(client.flush())`, the snapshot revalidated (ETag) after a
// response once it is older than REFRESH_MS (or while nothing is loaded). GET /?user=ID → the
// implementation of Checkout for that user (its exposure recorded), with
// the revision in `X-Revision`.
import { createClient } from 'feats-edge';

let client, checked, loading = 0; // one per isolate, kept across requests

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== '/') return new Response(null, { status: url.pathname === '/__ready' ? 204 : 404 });
    // Concurrent first requests wait for the first one's client (Workers tie I/O to a
    // request, so they look every 5 ms instead of awaiting its promise); 10 s: it was lost.
    while (!client && Date.now() - loading < 10000) await new Promise((r) => setTimeout(r, 5));
    if (!client) {
      loading = Date.now();
      const mine = await createClient({ snapshotUrl: env.SNAPSHOT_URL, exposureUrl: env.EXPOSURE_URL, refreshInterval: 0, flushInterval: 0 });
      if (client) mine.close();
      else (client = mine), (checked = Date.now()); // (at module scope, Date.now() is 0 in Workers)
    }
    if (!client.revision || Date.now() - checked > Number(env.REFRESH_MS)) {
      checked = Date.now();
      ctx.waitUntil(client.refresh()); // ETag revalidation (or a first load that failed), after the response
    }
    const checkout = client.create('Checkout', { user: { id: url.searchParams.get('user') } });
    ctx.waitUntil(client.flush()); // exposures go out after the response
    return new Response(checkout, { headers: { 'X-Revision': String(client.revision) } });
  },
};
