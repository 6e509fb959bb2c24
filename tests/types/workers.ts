// The declarations in a Worker's project (tsconfig.workers.json: Cloudflare's
// workers-types, which declare Headers and URL as classes, not as globals'
// properties): the README's Worker compiles, with headers given as Headers.
import { isolateClient, createClient } from 'feats-edge';

interface Env { SNAPSHOT_URL: string; EXPOSURE_URL: string; TOKEN: string }
const getClient = isolateClient((env: Env) => ({
  snapshotUrl: env.SNAPSHOT_URL,
  exposureUrl: env.EXPOSURE_URL,
  headers: new Headers({ authorization: `Bearer ${env.TOKEN}` }),
  fetch: (url: string, init?: RequestInit) => fetch(url, init),
}));
export default {
  async fetch(request, env, ctx) {
    const client = await getClient(env, ctx);
    const user = { id: request.headers.get('X-User-Id'), country: request.cf?.country };
    const checkout = client.create('Checkout', { user }) ?? 'classic';
    ctx.waitUntil(client.flush());
    return new Response(`Checkout: ${checkout}`);
  },
} satisfies ExportedHandler<Env>;
// @ts-expect-error: headers are strings
await createClient({ headers: [['a', 1]] });
// `init` takes the Workers' own URL and Response (classes there, not globals' properties).
import { init } from 'feats-edge';
await init(new URL('https://example.com/feats_edge_bg.wasm'));
await init(new Response(new Uint8Array(8)));
await init(new Request('https://example.com/feats_edge_bg.wasm'));
// @ts-expect-error: not a source
await init(42);
