// What a snapshot server's redirects and ETags may do to a client in Node:
// the `headers` option (a server's API key) goes to the snapshot's own
// origin only, and no ETag, however long, can keep a client from the
// next snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { until, sleep, recordingServer as serve, longBackoff } from '../helpers/server.js';
import { snapshot } from '../helpers/snapshot.js';

/** A client of `snapshotUrl` with `options`, closed after the test, with its errors. */
async function client(t, snapshotUrl, options = {}) {
  const c = await createClient({ snapshotUrl, refreshInterval: 0, retryDelay: 10, timeout: 2000, ...options });
  t.after(() => c.close());
  const errors = [];
  c.on('error', (e) => errors.push(e.message));
  return { c, errors };
}

const json = (res, text, headers = {}) => res.writeHead(200, { 'Content-Type': 'application/json', ...headers }).end(text);

test('a snapshot redirected to another origin: the headers option stays behind (fetch dropped only Authorization), the snapshot loads', async (t) => {
  const other = await serve(t, (req, res) => json(res, JSON.stringify(snapshot('elsewhere'))));
  // 127.0.0.1 and localhost are two origins: the second hop crosses.
  const elsewhere = other.url.replace('127.0.0.1', 'localhost');
  const own = await serve(t, (req, res) => {
    if (req.url === '/snapshot.json') return res.writeHead(302, { Location: '/moved/snapshot.json' }).end();
    res.writeHead(307, { Location: `${elsewhere}/final.json` }).end();
  });
  const { c, errors } = await client(t, `${own.url}/snapshot.json`, { headers: { 'X-Api-Key': 'secret', Authorization: 'Bearer secret', 'X-Trace': 't' } });
  assert.equal(c.revision, 'elsewhere', errors.join('\n'));
  // Both hops on the snapshot's own origin carried them.
  assert.deepEqual(own.requests.map((r) => [r.url, r.headers['x-api-key'], r.headers['x-trace']]), [['/snapshot.json', 'secret', 't'], ['/moved/snapshot.json', 'secret', 't']]);
  assert.equal(other.requests.length, 1);
  for (const name of ['x-api-key', 'authorization', 'x-trace']) assert.equal(other.requests[0].headers[name], undefined, name);
  assert.deepEqual(errors, []);
});

test('a redirect loop is given up on after 20 redirects, as fetch does: an error that says so', async (t) => {
  const loop = await serve(t, (req, res) => res.writeHead(302, { Location: '/snapshot.json' }).end());
  const { c, errors } = await client(t, `${loop.url}/snapshot.json`, { headers: { 'X-Api-Key': 'k' } });
  assert.equal(c.revision, null);
  assert.equal(loop.requests.length >= 21, true, `${loop.requests.length} requests`);
  assert.match(errors[0], /answered 302/);
});

test('an ETag over 1 024 characters is not sent back (a proxy refuses such headers, and no poll would pass again)', async (t) => {
  let revision = 'r1';
  const origin = await serve(t, (req, res) => {
    if ((req.headers['if-none-match'] ?? '').length > 8000) return res.writeHead(431).end();
    json(res, JSON.stringify(snapshot(revision)), { ETag: `"${revision}-${'x'.repeat(10_000)}"` });
  });
  const { c, errors } = await client(t, `${origin.url}/snapshot.json`);
  assert.equal(c.revision, 'r1');
  revision = 'r2';
  await c.refresh();
  assert.equal(c.revision, 'r2', errors.join('\n'));
  assert.equal(origin.requests[1].headers['if-none-match'], undefined);
  assert.deepEqual(errors, []);
});

test('a 4xx to a conditional request (an ETag the server now refuses) is asked again at once without If-None-Match', async (t) => {
  let revision = 'r1';
  const origin = await serve(t, (req, res) => {
    if (req.headers['if-none-match'] === '"old"') return res.writeHead(400).end('bad header');
    json(res, JSON.stringify(snapshot(revision)), { ETag: `"${revision}"` });
  });
  revision = 'r2';
  // A bootstrap with an ETag the server refuses (a page rendered from an older version).
  const { c, errors } = await client(t, `${origin.url}/snapshot.json`, { snapshot: snapshot('r1'), snapshotEtag: '"old"' });
  await until(() => c.revision === 'r2', 3000, 'r2');
  assert.deepEqual(origin.requests.map((r) => r.headers['if-none-match']), ['"old"', undefined]);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /answered 400/);
  // And the ETag of the answer is used from then on.
  await c.refresh();
  assert.equal(origin.requests[2].headers['if-none-match'], '"r2"');
});

test('a server that refuses If-None-Match itself (its own ETag, just sent) three times in a row is asked without it from then on: one request a poll, no error', async (t) => {
  let revision = 'r1', refuse = true;
  const origin = await serve(t, (req, res) => {
    if (refuse && req.headers['if-none-match'] !== undefined) return res.writeHead(400).end('no conditional requests here');
    if (req.headers['if-none-match'] === `"${revision}"`) return res.writeHead(304, { ETag: `"${revision}"` }).end();
    json(res, JSON.stringify(snapshot(revision)), { ETag: `"${revision}"` });
  });
  const { c, errors } = await client(t, `${origin.url}/snapshot.json`);
  assert.equal(c.revision, 'r1');
  /**
   * A poll: refused, then asked again at once without If-None-Match (the
   * same ETag), and that answer taken (its ETag kept again) before the
   * next: a refresh made while it is under way would go without one.
   */
  const refused = async () => {
    const before = origin.requests.length;
    await c.refresh();
    await until(() => origin.requests.length == before + 2, 3000, 'asked again');
    await until(() => c.bootstrap()?.snapshotEtag === `"${revision}"`, 3000, 'the answer taken');
  };
  // Twice refused, then taken: the count starts over.
  await refused();
  await refused();
  refuse = false;
  await c.refresh();
  assert.equal(origin.requests.at(-1).headers['if-none-match'], '"r1"', 'still conditional');
  refuse = true;
  for (let i = 0; i < 3; i++) await refused();
  assert.equal(errors.length, 5);
  await c.refresh();
  revision = 'r2';
  await c.refresh();
  assert.equal(c.revision, 'r2');
  assert.deepEqual(origin.requests.slice(-3).map((r) => r.headers['if-none-match']), [undefined, undefined, undefined], 'none sent once refused three times in a row');
  assert.equal(origin.requests.length, 1 + 2 * 2 + 1 + 3 * 2 + 2);
  assert.equal(errors.length, 5, errors.join('\n'));
  assert.equal(c.stale, false);
});

test('with the headers option, redirects are followed as fetch follows them: 301, 302, 303, 307, 308 to http(s) only', async (t) => {
  let target = '';
  const origin = await serve(t, (req, res) => {
    if (req.url === '/final.json') return json(res, JSON.stringify(snapshot('final')));
    if (req.url === '/300') return res.writeHead(300, { Location: '/final.json' }).end();
    res.writeHead(302, { Location: target }).end();
  });
  // A data: URL is no place to go: fetch refuses it there too.
  target = `data:application/json,${encodeURIComponent(JSON.stringify(snapshot('from-data')))}`;
  const data = await client(t, `${origin.url}/snapshot.json`, { headers: { 'X-Api-Key': 'k' } });
  assert.equal(data.c.revision, null);
  assert.match(data.errors[0], /redirected to a data: URL, not followed/);
  // 300 is not followed.
  const multiple = await client(t, `${origin.url}/300`, { headers: { 'X-Api-Key': 'k' } });
  assert.equal(multiple.c.revision, null);
  assert.match(multiple.errors[0], /answered 300/);
  // A 302 to http(s) is.
  target = '/final.json';
  const followed = await client(t, `${origin.url}/snapshot.json`, { headers: { 'X-Api-Key': 'k' } });
  assert.equal(followed.c.revision, 'final');
});

test('an error listener that refreshes on a refused conditional request: that refresh goes without the refused If-None-Match, and brings the snapshot', async (t) => {
  let revision = 'r1';
  const origin = await serve(t, (req, res) => {
    if (req.headers['if-none-match'] === '"old"') return res.writeHead(400).end('bad header');
    json(res, JSON.stringify(snapshot(revision)), { ETag: `"${revision}"` });
  });
  revision = 'r2';
  // A bootstrap with an ETag the server refuses, and a listener that asks again on an error.
  const { c, errors } = await client(t, `${origin.url}/snapshot.json`, { snapshot: snapshot('r1'), snapshotEtag: '"old"' });
  const refreshed = [];
  c.on('error', () => refreshed.push(c.refresh()));
  await until(() => refreshed.length > 0, 3000, 'the refusal said');
  await Promise.all(refreshed);
  assert.equal(c.revision, 'r2', errors.join('\n'));
  assert.deepEqual(origin.requests.map((r) => r.headers['if-none-match']), ['"old"', undefined]);
  assert.equal(c.stale, false);
});

test('a snapshot answer of 300 (no redirect to follow) is said by its status alone: what is said of redirected exposure POSTs is not', async (t) => {
  const client = await createClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', refreshInterval: 0, retryDelay: 60_000, timeout: 0, fetch: async () => new Response(null, { status: 300 }) });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e));
  await until(() => errors.length === 1, 3000, 'the answer');
  assert.deepEqual([errors[0].message, errors[0].status], ['feats-edge: http://127.0.0.1:9/snapshot.json answered 300', 300]);
});

test('a snapshot answer of 199 (below 2xx, from a fetch option) is an error said by its status: the snapshot it carries is not loaded', async (t) => {
  longBackoff(t); // (no retry of the failed fetch while the test waits for its error)
  const answer = { status: 199, headers: new Headers(), body: null, text: async () => JSON.stringify(snapshot('r1')) };
  const client = await createClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', refreshInterval: 0, retryDelay: 60_000, timeout: 0, fetch: async () => answer });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e));
  await until(() => errors.length === 1, 3000, 'the answer');
  assert.deepEqual([errors[0].message, errors[0].status, client.revision], ['feats-edge: http://127.0.0.1:9/snapshot.json answered 199', 199, null]);
});

test('an answer of status 0 is said for what it was: a redirect not followed (opaqueredirect), an answer a no-cors fetch cannot read (opaque), else status 0; a snapshot\'s and an exposure POST\'s alike', async (t) => {
  // (A page's fetch gives these through a fetch option that asks with
  // `redirect: "manual"` or `mode: "no-cors"`; all three were said as a redirect.)
  const snapshotUrl = 'http://127.0.0.1:9/snapshot.json', exposureUrl = 'http://127.0.0.1:9/exposures';
  const cases = [
    ['opaqueredirect', 'a redirect', ' (exposures are not sent on to another URL; give exposureUrl the one it leads to): 1 exposure event dropped (stats.failed)', 300],
    ['opaque', "with an opaque response (a no-cors request's, whose status and body cannot be read)", null, 0],
    ['error', 'status 0 (a response of type "error")', '', 0],
    [undefined, 'status 0', '', 0],
    // (A type that is empty or not a string names none.)
    ['', 'status 0', '', 0],
    [1, 'status 0', '', 0],
  ];
  for (const [type, answered, posted, status] of cases) {
    const answer = { status: 0, type, headers: new Headers(), body: null, text: async () => '' };
    let posts = 0;
    const fetch = async (/** @type {any} */ url) => (String(url) == exposureUrl && posts++, answer);
    const client = await createClient({ snapshot: snapshot('r1'), snapshotUrl, exposureUrl, fetch, refreshInterval: 0, flushInterval: 0, retryDelay: 60_000 });
    t.after(() => client.close());
    const errors = [];
    client.on('error', (e) => errors.push(e));
    await client.refresh();
    client.create('Split', { user: { id: 'u1' } });
    await client.flush();
    const said = (/** @type {string} */ url) => errors.filter((e) => e.message.startsWith(`feats-edge: ${url} `)).map((e) => [e.message, e.status]);
    assert.deepEqual(said(snapshotUrl).at(-1), [`feats-edge: ${snapshotUrl} answered ${answered}`, status], String(type));
    // An opaque answer to the POST is the sink's, whatever it says: the
    // events are sent (as a beacon's), not said as a failure nor sent again.
    assert.deepEqual(said(exposureUrl), posted == null ? [] : [[`feats-edge: ${exposureUrl} answered ${answered}${posted}`, status]], String(type));
    if (posted == null) {
      await sleep(50);
      assert.deepEqual([posts, client.stats.sent, client.stats.queued, said(exposureUrl).length], [1, 1, 0, 0]);
    }
  }
});

test('a conditional poll redirected to another origin: the headers option stays behind, If-None-Match goes on (the ETag is that origin\'s), and its 304 is taken', async (t) => {
  const other = await serve(t, (req, res) => {
    if (req.headers['if-none-match'] === '"e1"') return res.writeHead(304, { ETag: '"e1"' }).end();
    json(res, JSON.stringify(snapshot('elsewhere')), { ETag: '"e1"' });
  });
  const elsewhere = other.url.replace('127.0.0.1', 'localhost');
  const own = await serve(t, (req, res) => res.writeHead(302, { Location: `${elsewhere}/final.json` }).end());
  const { c, errors } = await client(t, `${own.url}/snapshot.json`, { headers: { 'X-Api-Key': 'secret' } });
  assert.equal(c.revision, 'elsewhere', errors.join('\n'));
  await c.refresh();
  assert.deepEqual(own.requests.map((r) => [r.headers['x-api-key'], r.headers['if-none-match']]), [['secret', undefined], ['secret', '"e1"']]);
  assert.deepEqual(other.requests.map((r) => [r.headers['x-api-key'], r.headers['if-none-match']]), [[undefined, undefined], [undefined, '"e1"']]);
  assert.deepEqual([c.revision, c.stale, errors], ['elsewhere', false, []]);
});

test('an exposure POST with the headers option is not sent on by a redirect (307 or 308 would resend its body): said, its events dropped', async (t) => {
  const posted = [];
  const sink = await serve(t, (req, res) => {
    if (req.url === '/moved') return req.resume().on('end', () => (posted.push(req.method), res.writeHead(204).end()));
    req.resume().on('end', () => res.writeHead(307, { Location: '/moved' }).end());
  });
  const { c, errors } = await client(t, undefined, { snapshot: snapshot('r1'), exposureUrl: `${sink.url}/exposures`, flushInterval: 0, headers: { 'X-Api-Key': 'secret' } });
  c.create('Split', { user: { id: 'u1' } });
  await c.flush();
  assert.deepEqual(sink.requests.map((r) => [r.url, r.headers['x-api-key']]), [['/exposures', 'secret']]);
  assert.deepEqual(posted, []);
  assert.deepEqual(errors, [`feats-edge: ${sink.url}/exposures answered 307 (a redirect: exposures are not sent on to another URL; give exposureUrl the one it leads to): 1 exposure event dropped (stats.failed)`]);
  assert.deepEqual([c.stats.sent, c.stats.failed, c.stats.queued], [0, 1, 0]);
});

test('a snapshot too large, reached by redirects: the error names the URL that answered, with or without the headers option', async (t) => {
  const origin = await serve(t, (req, res) => {
    if (req.url === '/snapshot.json') return res.writeHead(302, { Location: '/big.json' }).end();
    res.writeHead(200, { 'Content-Length': String(17 << 20) }).write('{');
  });
  for (const options of [{}, { headers: { 'X-Api-Key': 'k' } }]) {
    const { errors } = await client(t, `${origin.url}/snapshot.json`, { retryDelay: 60_000, ...options });
    await until(() => errors.length, 3000, 'the error');
    assert.equal(errors[0], `feats-edge: the snapshot from ${origin.url}/big.json was refused: the snapshot is 17825792 bytes, more than the limit of 16 MiB (16777216 bytes)`, JSON.stringify(options));
  }
});
