// A Cloudflare Workers module worker built on feats-edge.
//
//   POST /ofrep/v1/evaluate/flags   bulk evaluation for a context (OFREP style),
//                                   with an ETag and 304 on If-None-Match
//   GET  /                          a page whose implementations are chosen here,
//                                   for the visitor in the `uid` cookie, and handed
//                                   to the browser as a bootstrap (no flicker)
//
// Bindings: SNAPSHOT_URL (the origin's snapshot), EXPOSURE_URL (where
// exposures go), REVALIDATE_MS (how often to revalidate, default 30000).
// The parsed snapshot is kept in module scope across requests and
// revalidated in the background with its ETag; an invalid snapshot from the
// origin is refused and the last good one keeps serving.
import { Engine, createClient } from 'feats-edge';

/** @type {{engine: Engine, text: string, etag: string | null, checked: number, client: any} | null} */
let current = null;
let revalidating = false;

/** Fetches the snapshot (conditionally); swaps it in only if it loads. */
async function revalidate(env) {
  revalidating = true;
  try {
    const headers = current?.etag ? { 'If-None-Match': current.etag } : {};
    const res = await fetch(env.SNAPSHOT_URL, { headers });
    if (current) current.checked = Date.now();
    if (res.status === 304 || !res.ok) return;
    const text = await res.text();
    let engine;
    try {
      engine = new Engine(text);
    } catch (e) {
      console.log(`snapshot refused, keeping ${current?.engine.revision ?? 'none'}: ${e.message}`);
      return;
    }
    const client = await createClient({ snapshot: text, exposureUrl: env.EXPOSURE_URL, refreshInterval: 0, flushInterval: 0, timeout: 0 });
    current?.engine.free();
    current = { engine, text, etag: res.headers.get('ETag'), checked: Date.now(), client };
  } catch (e) {
    console.log(`snapshot fetch failed: ${e.message}`);
  } finally {
    revalidating = false;
  }
}

/** The snapshot for this request: the first request waits for it, later ones revalidate in the background. */
async function snapshot(env, ctx) {
  if (!current) await revalidate(env); // each waiting request fetches for itself: no promise shared across requests
  else if (!revalidating && Date.now() - current.checked >= Number(env.REVALIDATE_MS ?? 30000)) ctx.waitUntil(revalidate(env));
  return current;
}

const json = (body, init = {}) => new Response(JSON.stringify(body), { ...init, headers: { 'content-type': 'application/json', ...init.headers } });

async function sha256(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** OFREP bulk evaluation: every feature's value, variant and reason for one context. */
async function ofrep(request, state) {
  let body;
  try {
    body = await request.json();
  } catch {
    return json({ errorCode: 'PARSE_ERROR', errorDetails: 'the body is not JSON' }, { status: 400 });
  }
  const context = body?.context;
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    return json({ errorCode: 'INVALID_CONTEXT', errorDetails: 'context must be a JSON object' }, { status: 400 });
  }
  const etag = `"${await sha256(`${state.engine.revision}\n${JSON.stringify(context)}`)}"`;
  if (request.headers.get('If-None-Match') === etag) return new Response(null, { status: 304, headers: { ETag: etag } });
  const types = new Map(state.engine.features.map((f) => [f.name, f.type]));
  const flags = Object.values(state.engine.evaluateAll(context)).map((d) => {
    const value = types.get(d.feature) === 'boolean' ? d.implementation === 'true' : d.implementation;
    const flag = { key: d.feature, value, variant: d.implementation, reason: d.reason, metadata: { revision: d.revision } };
    if (d.errorCode) Object.assign(flag, { errorCode: d.errorCode });
    return flag;
  });
  return json({ flags }, { headers: { ETag: etag, 'Cache-Control': 'private, no-cache' } });
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// JSON inside <script>: no "</script>" can close it early.
const scriptJson = (v) => JSON.stringify(v).replace(/</g, '\\u003c');

const headlines = {
  plain: 'Your list',
  friendly: 'Hello again! Here is your list',
  urgent: 'Three things need you today',
};

/** The page: Headline is rendered here (and its exposure reported here); ListStyle and Chat are preselected here and rendered, then reported, by the browser. */
function page(request, state, ctx) {
  const cookie = request.headers.get('Cookie') ?? '';
  let uid = /(?:^|;\s*)uid=([A-Za-z0-9-]{1,64})/.exec(cookie)?.[1];
  const headers = { 'content-type': 'text/html; charset=utf-8', 'Cache-Control': 'private, no-store' };
  if (!uid) {
    uid = crypto.randomUUID();
    headers['Set-Cookie'] = `uid=${uid}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly`;
  }
  const context = { user: { id: uid }, request: { country: request.cf?.country ?? request.headers.get('X-Country') ?? '' } };
  const { client } = state;
  const headline = client.create('Headline', context); // rendered now: reported now
  ctx.waitUntil(client.flush());
  // Preselected for the browser: the details it needs to report what it renders.
  const preselected = Object.fromEntries(['ListStyle', 'Chat'].map((f) => [f, client.details(f, context)]));
  const bootstrap = { exposureUrl: '/exposures', revision: state.engine.revision, preselected };
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>feats-edge at the edge</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto}.cards li{border:1px solid #ccc;border-radius:.5rem;padding:.6rem;margin:.4rem 0;list-style:none}.compact li{padding:.1rem 0}</style>
<script type="application/json" id="feats-bootstrap">${scriptJson(bootstrap)}</script>
</head><body data-uid="${escape(uid)}">
<h1 data-implementation="${escape(headline)}">${escape(headlines[headline] ?? headlines.plain)}</h1>
<ul id="list"></ul>
<script>
// Renders the preselected implementations synchronously (before the first
// paint), then reports exactly those it rendered.
(() => {
  const boot = JSON.parse(document.getElementById('feats-bootstrap').textContent);
  const used = [];
  const style = boot.preselected.ListStyle;
  const list = document.getElementById('list');
  list.className = style.implementation;
  list.dataset.implementation = style.implementation;
  for (const item of ['Buy milk', 'Call Ann', 'Ship it']) list.append(Object.assign(document.createElement('li'), { textContent: item }));
  used.push(style);
  if (boot.preselected.Chat.implementation === 'true') {
    document.body.append(Object.assign(document.createElement('button'), { id: 'chat', textContent: 'Chat with us' }));
    used.push(boot.preselected.Chat);
  }
  const timestamp = new Date().toISOString();
  const events = used.map((d) => ({ feature: d.feature, implementation: d.implementation, reason: d.reason, rule: d.rule,
    experiment: d.experiment, unit: d.unit, revision: d.revision, timestamp }));
  const body = JSON.stringify({ events });
  if (!navigator.sendBeacon?.(boot.exposureUrl, new Blob([body], { type: 'application/json' }))) {
    fetch(boot.exposureUrl, { method: 'POST', body, headers: { 'content-type': 'application/json' }, keepalive: true });
  }
})();
</script>
</body></html>`;
  return new Response(html, { headers });
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const state = await snapshot(env, ctx);
    if (url.pathname === '/exposures' && request.method === 'POST') {
      // The browser's exposures, relayed to the collector after the response.
      ctx.waitUntil(fetch(env.EXPOSURE_URL, { method: 'POST', body: await request.text(), headers: { 'content-type': 'application/json' } }));
      return new Response(null, { status: 204 });
    }
    if (!state) return json({ errorCode: 'PROVIDER_NOT_READY', errorDetails: 'no snapshot could be loaded' }, { status: 503 });
    if (url.pathname === '/ofrep/v1/evaluate/flags' && request.method === 'POST') return ofrep(request, state);
    if (url.pathname === '/' && request.method === 'GET') return page(request, state, ctx);
    return new Response('not found', { status: 404 });
  },
};
