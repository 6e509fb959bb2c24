// The edge worker (www/edge/worker.js with www/edge/config.capnp) under
// workerd from npm, against an origin on 127.0.0.1: OFREP bulk evaluation
// equal to the engine in Node, ETag/304, OFREP errors, the bootstrap page
// and its cookie, exposures sent after the response, the last good snapshot
// kept when the origin sends an invalid one. (The bucket vectors and the
// example scenarios inside workerd: tests/js/runtimes/.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, until, gate, startOrigin, startEdge } from '../helpers/runtimes.js';

const good = readFileSync(join(root, 'www/edge/snapshot.json'), 'utf8');
const engine = new Engine(good);
let origin, edge;

before(async () => {
  origin = await startOrigin(good, '"v1"');
  edge = await startEdge(origin);
});
after(async () => {
  await edge?.stop();
  await origin?.close();
});

const ofrep = (body, headers = {}) => fetch(`${edge.url}/ofrep/v1/evaluate/flags`, {
  method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
});

/**
 * What the worker must answer for a context, from the engine in Node: the
 * bulk answer's flags, or with `one` the single-flag answers (which carry
 * the revision; a bulk answer says it once, beside its flags).
 */
function expectedFlags(e, context, one = false) {
  const types = new Map(e.features.map((f) => [f.name, f.type]));
  return Object.values(e.evaluateAll(context)).map((d) => {
    const metadata = one ? { revision: d.revision } : {};
    if (d.rule !== null) metadata.rule = d.rule;
    if (d.experiment !== null) metadata.experiment = d.experiment;
    const value = types.get(d.feature) === 'boolean' ? d.implementation === 'true' : d.implementation;
    return { key: d.feature, value, variant: d.implementation, reason: d.reason, metadata };
  });
}

const bootstrapOf = (html) => JSON.parse(/<script type="application\/json" id="feats-bootstrap">(.*?)<\/script>/s.exec(html)[1]);

test('OFREP bulk evaluation: every feature, as the engine in Node evaluates it', async () => {
  const contexts = [
    { user: { id: 'u-1' }, request: { country: 'NL' } },
    { user: { id: 'u-2' } },
    { user: { id: 42 }, request: { country: 'DE' } },
    { user: { id: 'ünï-ß' } },
    { user: 'not an object' },
    {},
  ];
  // Enough users that every implementation of every feature shows up.
  for (let i = 0; i < 30; i++) contexts.push({ user: { id: `user-${i}` } });
  const seen = new Set();
  for (const context of contexts) {
    const res = await ofrep({ context });
    assert.equal(res.status, 200, edge.log());
    assert.match(res.headers.get('Content-Type'), /^application\/json/);
    const body = await res.json();
    assert.deepEqual(body, { flags: expectedFlags(engine, context), metadata: { revision: 'edge-1' } }, JSON.stringify(context));
    for (const f of body.flags) seen.add(`${f.key}=${JSON.stringify(f.value)}`);
  }
  for (const want of ['Headline="plain"', 'Headline="friendly"', 'Headline="urgent"', 'ListStyle="compact"', 'ListStyle="cards"', 'Chat=true', 'Chat=false']) {
    assert.ok(seen.has(want), `${want} never served: ${[...seen]}`);
  }
  const nl = await (await ofrep({ context: { user: { id: 'x' }, request: { country: 'NL' } } })).json();
  assert.deepEqual(nl.flags[1], { key: 'ListStyle', value: 'cards', variant: 'cards', reason: 'TARGETING_MATCH', metadata: { rule: 0 } });
});

test('OFREP: ETag per revision and context, 304 on If-None-Match', async () => {
  const context = { user: { id: 'u-9' } };
  const first = await ofrep({ context });
  const etag = first.headers.get('ETag');
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  assert.equal((await ofrep({ context })).headers.get('ETag'), etag, 'stable for the same revision and context');
  for (const inm of [etag, `"other", ${etag}`, `W/${etag}`]) {
    const res = await ofrep({ context }, { 'If-None-Match': inm });
    assert.equal(res.status, 304, inm);
    assert.equal(res.headers.get('ETag'), etag);
    assert.equal(await res.text(), '');
  }
  const other = await ofrep({ context: { user: { id: 'u-10' } } }, { 'If-None-Match': etag });
  assert.equal(other.status, 200);
  assert.notEqual(other.headers.get('ETag'), etag);
  assert.equal((await ofrep({ context }, { 'If-None-Match': '"stale"' })).status, 200);
  // `*` is no ETag: OFREP answers 304 only for one of those listed.
  assert.equal((await ofrep({ context }, { 'If-None-Match': '*' })).status, 200);
});

for (const [mark, what] of [['', ''], ['\uFEFF', ' (in a snapshot after a byte order mark too)']]) test(`OFREP: a random experiment's draws are left out of the ETag, so a poll is answered 304 and keeps its draw${what}`, async (t) => {
  const snap = JSON.parse(good);
  snap.features.Coin = { inputs: ['user'], implementations: ['heads', 'tails'], default: 'heads',
    rules: [{ experiment: { name: 'coin', by: 'UserId', random: true, weights: { heads: 50, tails: 50 } } }] };
  const coinOrigin = await startOrigin(mark + JSON.stringify(snap), '"coin"');
  const coinEdge = await startEdge(coinOrigin);
  t.after(async () => {
    await coinEdge.stop();
    await coinOrigin.close();
  });
  const ask = (headers = {}) => fetch(`${coinEdge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', headers, body: JSON.stringify({ context: { user: { id: 'u-1' } } }) });
  const first = await ask();
  const etag = first.headers.get('ETag');
  const draws = new Set();
  for (let i = 0; i < 12; i++) {
    const res = await ask({ 'If-None-Match': etag });
    assert.equal(res.status, 304, coinEdge.log());
    const again = await (await ask()).json();
    draws.add(again.flags.find((f) => f.key === 'Coin').value);
  }
  assert.deepEqual([...draws].sort(), ['heads', 'tails'], 'the draws do differ');
  // Another context's answer still differs where it does (the other flags).
  const other = await fetch(`${coinEdge.url}/ofrep/v1/evaluate/flags`, { method: 'POST', headers: { 'If-None-Match': etag }, body: JSON.stringify({ context: { user: { id: 'x' }, request: { country: 'NL' } } }) });
  assert.equal(other.status, 200);
});

test('OFREP errors: 400 INVALID_CONTEXT for a body that is not JSON or has no object context', async () => {
  for (const body of ['{not json', '[]', '{"context": [1]}', '{"context": "u-1"}', '"text"']) {
    const res = await ofrep(body);
    assert.equal(res.status, 400, body);
    assert.match(res.headers.get('Content-Type'), /^application\/json/);
    const err = await res.json();
    assert.equal(err.errorCode, 'INVALID_CONTEXT', body);
    assert.equal(typeof err.errorDetails, 'string');
  }
  assert.equal((await fetch(`${edge.url}/ofrep/v1/evaluate/flags`)).status, 405);
  // Single-flag evaluation, for server-side providers.
  const one = await fetch(`${edge.url}/ofrep/v1/evaluate/flags/Chat`, { method: 'POST', body: JSON.stringify({ context: { user: { id: 'u-1' } } }) });
  assert.deepEqual(await one.json(), expectedFlags(engine, { user: { id: 'u-1' } }, true)[2]);
  const missing = await fetch(`${edge.url}/ofrep/v1/evaluate/flags/Nope`, { method: 'POST', body: '{"context": {}}' });
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).errorCode, 'FLAG_NOT_FOUND');
  // OFREP's evaluation failures name the flag.
  const bad = await fetch(`${edge.url}/ofrep/v1/evaluate/flags/Chat`, { method: 'POST', body: '{bad' });
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys(await bad.json()), ['key', 'errorCode', 'errorDetails']);
  // A malformed escape in the key: no such flag (it was an uncaught URIError, 500).
  const malformed = await fetch(`${edge.url}/ofrep/v1/evaluate/flags/%E0%A4%A`, { method: 'POST', body: '{"context": {}}' });
  assert.equal(malformed.status, 404);
  assert.equal((await malformed.json()).errorCode, 'FLAG_NOT_FOUND');
  assert.doesNotMatch(edge.log(), /Uncaught|URIError/);
});

test('OFREP: the context is optional, as OFREP has it (none: {})', async () => {
  for (const body of ['{}', '{"context": null}', '', ' ']) {
    const res = await ofrep(body);
    assert.equal(res.status, 200, body);
    assert.deepEqual((await res.json()).flags, expectedFlags(engine, {}), body);
  }
});

test('OFREP answers browsers on other origins: preflight, CORS headers, a readable ETag', async () => {
  const pre = await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, {
    method: 'OPTIONS',
    headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, if-none-match' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('Access-Control-Allow-Origin'), '*');
  assert.equal(pre.headers.get('Access-Control-Allow-Methods'), 'POST');
  assert.equal(pre.headers.get('Access-Control-Allow-Headers'), 'content-type, if-none-match');
  const res = await ofrep({ context: { user: { id: 'u-1' } } }, { Origin: 'https://app.example' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('Access-Control-Allow-Origin'), '*');
  assert.equal(res.headers.get('Access-Control-Expose-Headers'), 'ETag, Retry-After');
  const one = await fetch(`${edge.url}/ofrep/v1/evaluate/flags/Nope`, { method: 'POST', body: '{}' });
  assert.equal(one.headers.get('Access-Control-Allow-Origin'), '*', 'errors too');
  // An OFREP endpoint this worker lacks (a later version): a 404 a page can read.
  const missing = await fetch(`${edge.url}/ofrep/v2/evaluate/flags`, { method: 'POST', body: '{}', headers: { Origin: 'https://app.example' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('Access-Control-Allow-Origin'), '*');
});

test('the page: implementations preselected at the edge for the cookie\'s user; a cookie for newcomers', async () => {
  const fresh = await fetch(`${edge.url}/`);
  assert.equal(fresh.status, 200, edge.log());
  assert.match(fresh.headers.get('Content-Type'), /^text\/html/);
  assert.match(fresh.headers.get('Cache-Control'), /private/);
  const cookie = fresh.headers.get('Set-Cookie');
  assert.match(cookie, /^uid=[0-9a-f-]{36}; Path=\/; Max-Age=\d+; SameSite=Lax; HttpOnly$/);
  const newcomer = /uid=([^;]+)/.exec(cookie)[1];
  assert.equal(bootstrapOf(await fresh.text()).context.user.id, newcomer, 'the new visitor is evaluated as the id in the cookie');

  for (const [uid, country] of [['alice', ''], ['bob', 'NL'], ['user-3', ''], ['user-7', 'BE'], ['carol_9', 'US']]) {
    const res = await fetch(`${edge.url}/`, { headers: { Cookie: `theme=dark; uid=${uid}`, 'X-Country': country } });
    assert.equal(res.headers.get('Set-Cookie'), null, 'a known visitor gets no new cookie');
    const html = await res.text();
    const boot = bootstrapOf(html);
    const context = { user: { id: uid }, request: { country } };
    assert.deepEqual(boot.context, context);
    assert.equal(boot.snapshot, good, 'the bootstrap holds the snapshot text');
    assert.equal(boot.revision, 'edge-1');
    assert.deepEqual(boot.implementations, engine.implementations(context));
    assert.match(html, new RegExp(`<h1 data-implementation="${engine.implementation('Headline', context)}">`));
    assert.match(html, new RegExp(`<body data-uid="${uid}">`));
  }
  // A cookie that is not a plausible id is replaced.
  const bad = await fetch(`${edge.url}/`, { headers: { Cookie: 'uid=<script>' } });
  assert.match(bad.headers.get('Set-Cookie'), /^uid=[0-9a-f-]{36};/);
  assert.doesNotMatch(await bad.text(), /<script>"/);
});

test('the page\'s headline is one of its own texts: an implementation named like an object\'s built-in member (toString) shows the plain one', async (t) => {
  // Valid implementation names: the page has no text for them.
  const snapshot = JSON.parse(good);
  snapshot.features.Headline = { inputs: ['user'], implementations: ['toString', 'constructor', '__proto__'], default: 'toString',
    rules: [{ split: { by: 'UserId', weights: JSON.parse('{"constructor": 40, "__proto__": 40}') } }] };
  const text = JSON.stringify(snapshot);
  const mine = await startOrigin(text, '"names"');
  let worker;
  t.after(async () => {
    await worker?.stop();
    await mine.close();
  });
  worker = await startEdge(mine);
  const names = new Engine(text);
  const seen = new Set();
  for (let i = 0; seen.size < 3 && i < 200; i++) {
    const uid = `u-${i}`, headline = names.implementation('Headline', { user: { id: uid } });
    if (seen.has(headline)) continue;
    seen.add(headline);
    const html = await (await fetch(`${worker.url}/`, { headers: { Cookie: `uid=${uid}` } })).text();
    assert.match(html, new RegExp(`<h1 data-implementation="${headline}">Your list</h1>`), worker.log());
  }
  assert.deepEqual([...seen].sort(), ['__proto__', 'constructor', 'toString']);
});

test('the worker reports what it rendered (Headline) after the response', async () => {
  origin.exposureDelay = 0;
  const uid = `visitor-${Date.now()}`;
  const context = { user: { id: uid }, request: { country: '' } };
  const want = engine.evaluate('Headline', context);
  const before = origin.exposurePosts;
  const res = await fetch(`${edge.url}/`, { headers: { Cookie: `uid=${uid}` } });
  await res.text();
  const mine = () => origin.exposures.filter((e) => e.unit?.value === uid);
  assert.ok(await until(() => mine().length), `no exposure reached the sink: ${edge.log()}`);
  assert.ok(origin.exposurePosts > before);
  assert.deepEqual(mine().map(({ timestamp, ...e }) => e), [{
    feature: 'Headline', implementation: want.implementation, reason: want.reason, rule: want.rule,
    experiment: 'headline-2026', unit: { segment: 'UserId', value: uid }, revision: 'edge-1',
  }], 'only the feature the worker rendered; the page reports its own');
  assert.ok(Math.abs(Date.parse(mine()[0].timestamp) - Date.now()) < 60000);
});

test('exposures are sent after the response: a sink that has not answered does not hold the page', async () => {
  // The sink answers nothing until the page has arrived: a page that
  // waited for it would never come (the fetch below would time out).
  const held = gate();
  origin.exposureGate = held.promise;
  try {
    const uid = `slow-${Date.now()}`;
    const res = await fetch(`${edge.url}/`, { headers: { Cookie: `uid=${uid}` }, signal: AbortSignal.timeout(20_000) });
    await res.text();
    assert.equal(origin.exposures.some((e) => e.unit?.value === uid), false);
    origin.exposureGate = null;
    held.open();
    assert.ok(await until(() => origin.exposures.some((e) => e.unit?.value === uid), 5000), 'the exposure arrived later');
  } finally {
    origin.exposureGate = null;
    held.open();
  }
});

test('the page\'s exposures are relayed to the sink; junk is refused', async () => {
  const event = { feature: 'ListStyle', implementation: 'cards', reason: 'SPLIT', rule: 1, experiment: null,
    unit: { segment: 'UserId', value: 'relay-1' }, revision: 'edge-1', timestamp: new Date().toISOString() };
  const res = await fetch(`${edge.url}/exposures`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ events: [event] }) });
  assert.equal(res.status, 204);
  assert.ok(await until(() => origin.exposures.some((e) => e.unit?.value === 'relay-1')));
  assert.deepEqual(origin.exposures.find((e) => e.unit?.value === 'relay-1'), event);
  for (const body of ['nope', '{"events": 1}', '[]']) {
    assert.equal((await fetch(`${edge.url}/exposures`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })).status, 400, body);
    assert.equal((await fetch(`${edge.url}/exposures`, { method: 'POST', body })).status, 415, `${body} as text/plain`);
  }
  assert.equal((await fetch(`${edge.url}/exposures`)).status, 405);
});

test('the page\'s script and the package files are served; nothing else is', async () => {
  const js = await fetch(`${edge.url}/pkg/index.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('Content-Type'), /^text\/javascript/);
  const wasm = await fetch(`${edge.url}/pkg/gen/feats_edge_bg.wasm`);
  assert.equal(wasm.headers.get('Content-Type'), 'application/wasm');
  assert.ok(WebAssembly.validate(new Uint8Array(await wasm.arrayBuffer())));
  for (const path of ['/pkg/package.json', '/pkg/gen/', '/pkg/../README.md', '/nope']) {
    assert.equal((await fetch(`${edge.url}${path}`)).status, 404, path);
  }
});

test('an invalid snapshot from the origin is refused; the last good one keeps serving', async () => {
  let n = 0;
  const revision = async () => (await (await ofrep({ context: { user: { id: `r-${n++}` } } })).json()).metadata.revision;
  /** Keeps making requests (each may start a background revalidation) until `check()` holds; every answer must be `serving`. */
  const revalidatedUntil = (check, serving = 'edge-1') => until(async () => {
    assert.equal(await revision(), serving);
    return check();
  }, 5000, 20);
  try {
    // The origin now serves a truncated document under a new ETag.
    origin.snapshot = good.slice(0, 200);
    origin.etag = '"v2"';
    let from = origin.fetches.length;
    assert.ok(await revalidatedUntil(() => origin.fetches.slice(from).some((f) => f.status === 200)), 'the worker revalidated');
    assert.ok(await revalidatedUntil(() => /snapshot refused, keeping edge-1: invalid JSON: line \d+, column \d+/.test(edge.log())), edge.log());
    // Then it asks with both ETags, so an origin still serving the refused one answers 304.
    from = origin.fetches.length;
    assert.ok(await revalidatedUntil(() => origin.fetches.length > from), 'revalidated again');
    const ask = origin.fetches[from];
    assert.deepEqual(ask.ifNoneMatch.split(/,\s*/).sort(), ['"v1"', '"v2"'], JSON.stringify(ask));
    assert.equal(ask.status, 304);

    // A wrong schema is refused the same way; an origin answering 500 changes nothing either.
    origin.snapshot = '{"schema": 2}';
    origin.etag = '"v3"';
    assert.ok(await revalidatedUntil(() => /snapshot refused, keeping edge-1: \/schema/.test(edge.log())), edge.log());
    origin.failWith = 500;
    assert.ok(await revalidatedUntil(() => /snapshot origin answered 500, keeping edge-1/.test(edge.log())), edge.log());
    origin.failWith = 0;

    // A good new snapshot is taken at the next revalidation.
    origin.snapshot = good.replace('"edge-1"', '"edge-2"');
    origin.etag = '"v4"';
    assert.ok(await until(async () => (await revision()) === 'edge-2', 5000, 20), 'the worker moved on to edge-2');
    const page = bootstrapOf(await (await fetch(`${edge.url}/`, { headers: { Cookie: 'uid=after' } })).text());
    assert.equal(page.revision, 'edge-2');
    assert.equal(page.snapshot, origin.snapshot);
  } finally {
    origin.failWith = 0;
    origin.snapshot = good;
    origin.etag = '"v1"';
  }
});

test('an OpenFeature targetingKey is the user id unless the context has one; the TARGETING_KEY binding moves or turns it off', async (t) => {
  const users = Array.from({ length: 40 }, (_, i) => `tk-${i}`);
  const bulkOf = async (context, url = edge.url) => (await fetch(`${url}/ofrep/v1/evaluate/flags`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ context }),
  })).json();
  const flagsOf = async (context, url = edge.url) => (await bulkOf(context, url)).flags;
  // The edge serves the origin's current snapshot first (an earlier test may have changed it).
  const engine = new Engine(origin.snapshot);
  assert.ok(await until(async () => (await bulkOf({})).metadata.revision === engine.revision, 5000, 20), 'the edge caught up');
  const answers = new Set();
  for (const id of users) {
    const flags = await flagsOf({ targetingKey: id });
    assert.deepEqual(flags, expectedFlags(engine, { targetingKey: id, user: { id } }), id);
    answers.add(JSON.stringify(flags.map((f) => f.variant)));
    // A user id given in the context wins over the targetingKey.
    assert.deepEqual(await flagsOf({ targetingKey: id, user: { id: 'given' } }), expectedFlags(engine, { targetingKey: id, user: { id: 'given' } }));
  }
  assert.ok(answers.size > 1, 'the split sees the units');
  // Another path, or none.
  for (const [binding, context] of [['visitor.key', (id) => ({ targetingKey: id, visitor: { key: id } })], ['', (id) => ({ targetingKey: id })]]) {
    const other = await startEdge(origin, { targetingKey: binding });
    try {
      for (const id of users.slice(0, 5)) assert.deepEqual(await flagsOf({ targetingKey: id }, other.url), expectedFlags(engine, context(id)), `${binding} ${id}`);
    } finally {
      await other.stop();
    }
  }
});

test('a snapshot with a broken feature loads; OFREP reports that feature\'s error', async () => {
  const broken = JSON.parse(good);
  broken.revision = 'edge-broken';
  broken.features.ListStyle.rules[1].split.weights = { cards: 70, compact: 40 };
  broken.features.Headline.default = 'nope'; // not one of its implementations: no default to serve
  try {
    origin.snapshot = JSON.stringify(broken);
    origin.etag = '"broken"';
    const flags = await until(async () => {
      const body = await (await ofrep({ context: { user: { id: 'u-1' } } })).json();
      return body.metadata.revision === 'edge-broken' && body.flags;
    }, 5000, 50);
    assert.ok(flags, 'the snapshot loaded');
    // OFREP evaluation failures: no value and no variant (the provider's
    // code default), also when the snapshot's default could be served; with
    // them the entry would match both sides of the bulk answer's `oneOf`.
    assert.deepEqual(flags[1], {
      key: 'ListStyle', reason: 'ERROR', metadata: {},
      errorCode: 'PARSE_ERROR', errorDetails: '/features/ListStyle/rules/1/split/weights: percentages add up to 110, more than 100',
    });
    assert.deepEqual(flags[0], {
      key: 'Headline', reason: 'ERROR', metadata: {},
      errorCode: 'PARSE_ERROR', errorDetails: "/features/Headline/default: unknown implementation 'nope'; this feature has 'plain', 'friendly', 'urgent'",
    });
    assert.deepEqual(flags[2], expectedFlags(new Engine(broken), { user: { id: 'u-1' } })[2], 'the other features are untouched');
  } finally {
    origin.snapshot = good;
    origin.etag = '"v1"';
  }
});

test('a cold worker whose origin is unreachable answers 503, then serves once the origin is back', async () => {
  // Down: every connection cut unanswered (not a closed port that another
  // socket could take before it is opened again).
  const back = await startOrigin(good, '"v1"');
  back.down = true;
  const cold = await startEdge(back);
  try {
    const page = await fetch(`${cold.url}/`);
    assert.equal(page.status, 503);
    assert.equal((await page.json()).errorCode, 'PROVIDER_NOT_READY');
    assert.ok(await until(() => /snapshot fetch failed, keeping nothing/.test(cold.log())), cold.log());
    back.down = false;
    // Asked again once its backoff has passed (a second or two), not by every request.
    let res;
    assert.ok(await until(async () => (res = await fetch(`${cold.url}/ofrep/v1/evaluate/flags`, { method: 'POST', body: '{"context": {}}' })).status === 200, 10000, 100), cold.log());
    assert.deepEqual(await res.json(), { flags: expectedFlags(engine, {}), metadata: { revision: 'edge-1' } });
  } finally {
    await cold.stop();
    await back.close();
  }
});
