// A test-only worker: the edge worker (www/edge/worker.js) with a wall
// clock the test sets back or forward. GET /__clock?offset=MS makes
// Date.now() read MS more than workerd's clock; everything else goes to
// the edge worker.
import edge from 'edge.js';

const real = Date.now;
let offset = 0;
Date.now = () => real() + offset;

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/__ready') return new Response(null, { status: 204 });
    if (url.pathname === '/__clock') return (offset = Number(url.searchParams.get('offset'))), new Response(null, { status: 204 });
    return edge.fetch(request, env, ctx);
  },
};
