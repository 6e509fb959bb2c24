// A Workers module that exposes the engine to the runtime test: the shared
// bucket vectors and evaluations, computed inside workerd.
import { Engine, bucket } from 'feats-edge';

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const body = request.method === 'POST' ? await request.json() : null;
    if (url.pathname === '/buckets') {
      return Response.json(body.cases.map((c) => bucket(c.salt, c.unit)));
    }
    if (url.pathname === '/evaluate') {
      const engine = new Engine(body.snapshot);
      const results = body.contexts.map((ctx) => ({
        all: engine.evaluateAll(ctx, { now: body.now }),
        fast: engine.implementations(ctx, { now: body.now }),
      }));
      return Response.json({ codegen: engine._codegen(), results });
    }
    return new Response('not found', { status: 404 });
  },
};
