// A test-only worker: a client made by the first request with nothing kept
// waiting after its response, then `GET /refresh` → "settled" once
// `client.refresh()` settles (or "pending" after 5 s), and `GET /` → the
// revision, `GET /updates` → the `update` events after the first, as
// [revision, changed] pairs. Workers tie a fetch to the request that started it: one left
// by a finished request may never settle, and must not hold up refreshes.
import { createClient } from 'feats-edge';

let client;
const updates = [];

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === '/__ready') return new Response(null, { status: 204 });
    if (!client) {
      client = await createClient({ snapshotUrl: env.SNAPSHOT_URL, refreshInterval: 0, flushInterval: 0, timeout: 1000 });
      client.on('update', (u) => updates.push([u.revision, u.changed]));
    }
    if (pathname === '/updates') return Response.json(updates);
    if (pathname === '/refresh') {
      const pending = new Promise((r) => setTimeout(() => r('pending'), 5000));
      return new Response(await Promise.race([client.refresh().then(() => 'settled'), pending]));
    }
    return new Response(String(client.revision));
  },
};
