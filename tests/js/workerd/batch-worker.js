// A test-only worker whose client sends small batches (MAX_BATCH): a
// request's uses can fill a batch before its `ctx.waitUntil(client.flush())`.
// GET /?user=ID → Checkout for that user (its exposure recorded); with
// `&refresh=1` the request also waits on `client.refresh()`, and so lives on
// after its flush; GET /stats → the client's stats.
import { createClient } from 'feats-edge';

let client; // one per isolate; the test asks one request at a time

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/__ready') return new Response(null, { status: 204 });
    client ??= await createClient({
      snapshotUrl: env.SNAPSHOT_URL, exposureUrl: env.EXPOSURE_URL, refreshInterval: 0, flushInterval: 0, maxBatch: Number(env.MAX_BATCH), retryDelay: Number(env.RETRY_DELAY),
    });
    const { dropped, sent, failed, queued } = client.stats;
    if (url.pathname === '/stats') return Response.json({ dropped, sent, failed, queued });
    const checkout = client.create('Checkout', { user: { id: url.searchParams.get('user') } });
    ctx.waitUntil(client.flush());
    if (url.searchParams.has('refresh')) ctx.waitUntil(client.refresh());
    return new Response(checkout);
  },
};
