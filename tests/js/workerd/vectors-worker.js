// A test-only worker: POST {"cases": [{salt, unit}, ...]} → [bucket, ...],
// computed by the package inside workerd.
import { bucket } from 'feats-edge';

export default {
  async fetch(request) {
    if (request.method !== 'POST') return new Response('POST {"cases": [...]}', { status: 404 });
    const { cases } = await request.json();
    return Response.json(cases.map((c) => bucket(c.salt, c.unit)));
  },
};
