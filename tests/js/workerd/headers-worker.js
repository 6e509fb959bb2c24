// A test-only worker whose client sends a `headers` option (an API key) with
// its snapshot requests. GET / → the revision it loaded.
import { createClient } from 'feats-edge';

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/__ready') return new Response(null, { status: 204 });
    const client = await createClient({ snapshotUrl: env.SNAPSHOT_URL, headers: { 'X-Api-Key': env.API_KEY }, refreshInterval: 0, timeout: 3000 });
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    const revision = client.revision;
    await client.close();
    return Response.json({ revision, errors });
  },
};
