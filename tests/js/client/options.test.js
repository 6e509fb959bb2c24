// Options out of range, and the edges of a client's life: no request storm,
// no endless loop, no event sent twice or lost, nothing thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { startServer, until, sleep } from '../helpers/server.js';
import { snapshot, ctx } from '../helpers/snapshot.js';

/** A server and a client of it; both closed after the test. */
async function setup(t, options, serverOptions = { snapshot: snapshot('r1') }) {
  const srv = await startServer(serverOptions);
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, ...options });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  return { srv, client };
}

for (const maxBatch of [-1, 0, 0.5, 'abc', NaN]) {
  test(`maxBatch ${String(maxBatch)} takes the default: the event is sent once and flush() settles`, { timeout: 5000 }, async (t) => {
    const { srv, client } = await setup(t, { refreshInterval: 0, flushInterval: 0, maxBatch });
    client.create('Split', ctx('u1'));
    await client.flush();
    assert.equal(srv.state.exposureRequests.length, 1);
    assert.equal(srv.accepted().length, 1);
    assert.equal(client.stats.queued, 0);
  });
}

test('maxQueue NaN takes the default (1 000): the queue stays bounded and drops are counted', async (t) => {
  const { client } = await setup(t, { refreshInterval: 0, flushInterval: 0, maxQueue: NaN, maxBatch: 1e6 });
  for (let i = 0; i < 1500; i++) client.create('Split', ctx(`u${i}`));
  assert.equal(client.stats.queued, 1000);
  assert.equal(client.stats.dropped, 500);
});

test('a numeric option given as a string (an environment variable read as is) takes its default: maxQueue "5" holds 1 000', async (t) => {
  const { client } = await setup(t, { refreshInterval: 0, flushInterval: 0, maxQueue: '5', maxBatch: 1e6 });
  for (let i = 0; i < 20; i++) client.create('Split', ctx(`u${i}`));
  assert.deepEqual([client.stats.queued, client.stats.dropped], [20, 0]);
});

test('maxBatch 1, the least it takes, is taken: one event per POST', async (t) => {
  const { srv, client } = await setup(t, { refreshInterval: 0, flushInterval: 0, maxBatch: 1 });
  for (const id of ['u1', 'u2', 'u3']) client.create('Split', ctx(id));
  await client.flush();
  assert.deepEqual(srv.state.exposureRequests.map((r) => JSON.parse(r.body).events.length), [1, 1, 1]);
  assert.equal(srv.accepted().length, 3);
});

test('refreshInterval -1 and retryDelay 0 take their defaults: no request storm', async (t) => {
  const { srv, client } = await setup(t, { refreshInterval: -1, flushInterval: 0 });
  await sleep(300);
  assert.equal(srv.state.snapshotRequests.length, 1, 'one fetch, then the default 60 s interval');
  client.close();
  srv.state.mode = '500';
  // The backoff's full jitter draws each delay at random: a draw of 0.5
  // makes the default's retries come 0.5, 1, 2 s after the failure, where a
  // retryDelay of 0 would retry at once, hundreds of times in 400 ms. (Left
  // to chance, three retries came within 400 ms about once in 800 runs.)
  t.mock.method(Math, 'random', () => 0.5);
  const failing = await createClient({ snapshotUrl: srv.snapshotUrl, retryDelay: 0, timeout: 50 });
  await sleep(400);
  failing.close();
  assert.ok(srv.state.snapshotRequests.length - 1 <= 2, `${srv.state.snapshotRequests.length - 1} requests`);
});

test('a refreshInterval above 0 and under a second (1, or 60 meant as seconds) polls every second, not as fast as the host answers', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1'), etag: '"v1"' });
  t.after(() => srv.close());
  for (const refreshInterval of [1, 0.001, 60]) {
    const before = srv.state.snapshotRequests.length;
    const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval });
    t.after(() => client.close());
    await sleep(300);
    assert.equal(srv.state.snapshotRequests.length - before, 1, `refreshInterval ${refreshInterval}: the first fetch only`);
    // It polls all the same.
    await until(() => srv.state.snapshotRequests.length - before >= 2, 5000, 'a poll');
    client.close();
  }
});

test('timeout Infinity waits for the first snapshot; flushInterval Infinity never fires at once', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.mode = 'slow';
  srv.state.delay = 300;
  const started = Date.now();
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, timeout: Infinity, flushInterval: Infinity, refreshInterval: 0 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.ok(Date.now() - started >= 250, 'resolved when the snapshot arrived');
  assert.equal(client.revision, 'r1');
  client.create('Split', ctx('u1'));
  await sleep(100);
  assert.equal(srv.state.exposureRequests.length, 0);
});

test('close() lets an exposure POST under way finish: the batch arrives once', async (t) => {
  const { srv, client } = await setup(t, { refreshInterval: 0, flushInterval: 0 });
  srv.state.exposureMode = 'slow';
  srv.state.delay = 300;
  client.create('Split', ctx('u1'));
  client.flush();
  await until(() => srv.state.exposureRequests.length === 1, 3000, 'the POST');
  await client.close();
  await sleep(50);
  assert.equal(srv.state.exposureRequests.length, 1);
  assert.equal(srv.state.exposureRequests[0].status, 204);
  assert.equal(client.stats.sent, 1);
});

test('a retryable exposure failure is retried with backoff, with no flush interval too', async (t) => {
  const { srv, client } = await setup(t, { refreshInterval: 0, flushInterval: 0, retryDelay: 20 });
  srv.state.exposureMode = '500';
  client.create('Split', ctx('u1'));
  await client.flush();
  srv.state.exposureMode = 'ok';
  await until(() => srv.accepted().length === 1, 3000, 'the retry');
  await until(() => client.stats.queued === 0, 3000, 'its answer'); // queued counts the batch until answered
});

test('a changed snapshot without a revision replaces the current one (a kill switch applies)', async (t) => {
  const doc = (enabled) => ({ schema: 1, features: { Checkout: { type: 'boolean', default: true, enabled } } });
  const { srv, client } = await setup(t, { refreshInterval: 0 }, { snapshot: doc(true) });
  assert.equal(client.details('Checkout', {}).reason, 'STATIC');
  const updates = [];
  client.on('update', (u) => updates.push(u));
  srv.state.snapshot = doc(false);
  srv.state.etag = '"v2"';
  await client.refresh();
  assert.equal(client.details('Checkout', {}).reason, 'DISABLED');
  assert.deepEqual(updates, [{ revision: '', changed: ['Checkout'] }]);
});

test('refresh() after close() fetches nothing', async (t) => {
  const { srv, client } = await setup(t, { refreshInterval: 0 });
  await client.close();
  await client.refresh();
  assert.equal(srv.state.snapshotRequests.length, 1);
  assert.equal(client.revision, null);
});

test('odd arguments to on(), usedImplementation(), feature() and createClient() throw nothing', async () => {
  const client = await createClient({ snapshot: snapshot('r1') });
  const hostile = { toString() { throw new Error('boom'); } };
  for (const type of ['constructor', 'toString', '__proto__', 'nope']) {
    const off = client.on(type, () => {});
    off();
  }
  client.usedImplementation('Fixed', hostile, ctx('1'));
  const H = client.feature('Nope', { y: () => 'Y' }, { default: hostile });
  assert.equal(H.create(ctx('1')), undefined);
  assert.equal(client.feature('Nope', null, { default: 'y' }).create(ctx('1')), undefined);
  await client.close();
  const bare = await createClient(null);
  assert.equal(bare.findImplementation('Fixed', ctx('1')), null);
  await bare.close();
});

test('options whose getters throw: createClient rejects with what they threw, before it fetches anything', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const boom = new Error('a getter that throws');
  for (const key of ['snapshot', 'exposureUrl', 'refreshInterval', 'sticky', 'fetch', 'headers', 'storageKey']) {
    const o = { snapshotUrl: srv.snapshotUrl, timeout: 60_000 };
    Object.defineProperty(o, key, { get() { throw boom; } });
    await assert.rejects(createClient(o), (e) => e === boom, key);
  }
  await assert.rejects(createClient(new Proxy({}, { get() { throw boom; } })), (e) => e === boom);
  assert.equal(srv.state.snapshotRequests.length, 0);
});

test("a relative snapshotUrl in a Web Worker is resolved against the worker's location: fetched, no error said", async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  // A worker: no document, a location, and a fetch that resolves against it.
  globalThis.location = { href: `${new URL(srv.snapshotUrl).origin}/worker.js` };
  t.after(() => delete globalThis.location);
  const workerFetch = globalThis.fetch;
  t.mock.method(globalThis, 'fetch', (u, init) => workerFetch(new URL(u, globalThis.location.href), init));
  const errors = [];
  const client = await createClient({ snapshotUrl: 'snapshot.json', refreshInterval: 0 });
  t.after(() => client.close());
  client.on('error', (e) => errors.push(e.message));
  assert.equal(client.revision, 'r1');
  assert.deepEqual(errors, []);
});

test('a relative snapshotUrl or exposureUrl outside pages: an error said once, no wait for the timeout, no retries, exposures counted as failed', { timeout: 10000 }, async (t) => {
  // fetch refuses a relative URL on every try: it is a setting to fix, not
  // an outage to retry (and createClient would wait its whole timeout).
  const client = await createClient({ snapshotUrl: '/flags/snapshot.json', exposureUrl: 'flags/exposures', timeout: 60000, flushInterval: 0 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  await sleep(0);
  assert.deepEqual([client.revision, await client.ready], [null, false]);
  assert.deepEqual(errors, ['feats-edge: snapshotUrl "/flags/snapshot.json" is no absolute URL (only pages resolve relative ones)']);
  await client.refresh();
  assert.equal(errors.length, 1, 'refresh() fetches nothing');
  // A bootstrap snapshot serves; its exposures fail as a 4xx would, said each time.
  const boot = await createClient({ snapshot: snapshot('r1'), exposureUrl: 'flags/exposures', flushInterval: 0 });
  t.after(() => boot.close());
  boot.on('error', (e) => errors.push(e.message));
  boot.create('Split', ctx('u1'));
  await boot.flush();
  assert.deepEqual(errors.slice(1), ['feats-edge: exposureUrl "flags/exposures" is no absolute URL (only pages resolve relative ones)']);
  assert.deepEqual([boot.stats.failed, boot.stats.queued, boot.stats.sent], [1, 0, 0]);
  // A fetch of the caller's own may read relative URLs: left to it.
  const asked = [];
  const own = await createClient({ snapshotUrl: '/flags/snapshot.json', timeout: 0, fetch: async (u) => (asked.push(u), new Response(JSON.stringify(snapshot('r2')))) });
  t.after(() => own.close());
  await until(() => own.revision === 'r2', 3000);
  assert.deepEqual(asked, ['/flags/snapshot.json']);
  // With the headers option too, the request goes to it as it is: those
  // headers and the signal that bounds it, its redirects its own to follow.
  const inits = [];
  const withHeaders = await createClient({
    snapshotUrl: '/flags/snapshot.json', timeout: 0, headers: { 'X-Api-Key': 'k' },
    fetch: async (u, init) => (inits.push(init), new Response(JSON.stringify(snapshot('r3')))),
  });
  t.after(() => withHeaders.close());
  await until(() => withHeaders.revision === 'r3', 3000);
  assert.equal(inits.length, 1);
  assert.deepEqual([new Headers(inits[0].headers).get('X-Api-Key'), inits[0].signal instanceof AbortSignal, inits[0].redirect], ['k', true, undefined]);
});

test('a client with no snapshotUrl and no snapshot (an unset environment variable) says so to its first error listener', async (t) => {
  for (const o of [{}, { snapshotUrl: undefined, exposureUrl: 'http://127.0.0.1:9/x' }, { snapshotUrl: '' }, null]) {
    const client = await createClient(o);
    t.after(() => client.close());
    const errors = [];
    client.on('error', (e) => errors.push(e.message, e.permanent));
    await sleep(0);
    // (Permanent: asking again cannot help.)
    assert.deepEqual(errors, ['feats-edge: no snapshotUrl and no snapshot: nothing to load, so every call serves the code defaults', true], JSON.stringify(o));
  }
  // A URL given in place of the options (as other SDKs take their key or URL): the options to give instead.
  for (const url of ['https://flags.example/snapshot.json', new URL('https://flags.example/snapshot.json')]) {
    const client = await createClient(url);
    t.after(() => client.close());
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    await sleep(0);
    assert.deepEqual(errors, ['feats-edge: no snapshotUrl and no snapshot (createClient takes options, not a URL: createClient({ snapshotUrl: "https://flags.example/snapshot.json" })): nothing to load, so every call serves the code defaults']);
  }
  // Options that are no URL, whose instanceof throws (a Proxy's trap): said as for any options.
  const proxied = await createClient(new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } }));
  t.after(() => proxied.close());
  const said = [];
  proxied.on('error', (e) => said.push(e.message));
  await sleep(0);
  assert.deepEqual(said, ['feats-edge: no snapshotUrl and no snapshot: nothing to load, so every call serves the code defaults']);
  // Given something to load, no such error.
  const boot = await createClient({ snapshot: snapshot('r1') });
  t.after(() => boot.close());
  const errors = [];
  boot.on('error', (e) => errors.push(e.message));
  await sleep(0);
  assert.deepEqual(errors, []);
});

test('a fetch option that does not pass the signal on is given up on all the same: close() settles a refresh under way', { timeout: 10000 }, async (t) => {
  let calls = 0;
  const never = () => (calls++, new Promise(() => {})); // ignores init.signal
  const client = await createClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', fetch: never, timeout: 0 });
  t.after(() => client.close());
  const refreshed = client.refresh();
  assert.equal(calls, 2, 'the first fetch and the refresh');
  await client.close();
  await refreshed; // settles: aborted
  assert.equal(client.revision, null);
  // A snapshot that answers, then a body that never ends, ignoring the signal too.
  const stalled = await createClient({
    snapshotUrl: 'http://127.0.0.1:9/snapshot.json', timeout: 0,
    fetch: async () => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"schema"')); } })),
  });
  const again = stalled.refresh();
  await stalled.close();
  await again;
});

test('the errors of createClient\'s wait reach the first error listener, though a snapshot loaded in the end', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.next = ['500', '500'];
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, retryDelay: 5, timeout: 5000 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, 'r1');
  const first = [], second = [];
  client.on('error', (e) => first.push(e.message));
  client.on('error', (e) => second.push(e.message));
  assert.deepEqual(first, [], 'called a microtask after on() returns, as the README says');
  await sleep(0);
  assert.deepEqual(first, [`feats-edge: ${srv.snapshotUrl} answered 500`, `feats-edge: ${srv.snapshotUrl} answered 500`]);
  assert.deepEqual(second, [], 'only the first listener');
});

test("the first error listener hears at most 10 errors of createClient's wait, each once", async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.next = Array(12).fill('500');
  const random = Math.random;
  Math.random = () => 0; // (every backoff step 0: twelve failures well within the timeout)
  t.after(() => (Math.random = random));
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, timeout: 5000 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.deepEqual([client.revision, srv.state.snapshotRequests.length], ['r1', 13]);
  const heard = [];
  client.on('error', (e) => heard.push(e));
  await sleep(0);
  assert.equal(heard.length, 10);
  assert.equal(new Set(heard).size, 10, 'each error once');
});

test('a headers option no request can carry: an error said once, permanent, no fetch and no wait for the timeout; exposures counted as failed', { timeout: 10000 }, async (t) => {
  // fetch would refuse it on every try: a setting to fix, not an outage
  // to retry with backoff (and createClient would wait its whole timeout).
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  // (A Map, which fetch takes as it takes a list of pairs, included.)
  for (const headers of [{ 'bad header': 'x' }, { 'X-Key': 'a\nb' }, { 'X-Key': '€' }, new Map([['X-Key', 'a\nb']]), 'X-Key: k', 5]) {
    const client = await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, headers, retryDelay: 1, timeout: 60_000, flushInterval: 0 });
    t.after(() => client.close());
    const errors = [];
    client.on('error', (e) => errors.push(e));
    await sleep(50);
    assert.equal(client.revision, null);
    assert.equal(errors.length, 1, JSON.stringify(headers));
    assert.match(errors[0].message, /^feats-edge: the headers option cannot be sent: .*[^.]: no snapshot is fetched and no exposure is sent until it is fixed$/);
    assert.ok(!/a\nb|€/.test(errors[0].message) && !errors[0].cause, 'a value (often a credential) is not repeated');
    assert.equal(errors[0].permanent, true);
    await client.refresh();
    assert.equal(errors.length, 1, 'refresh() fetches nothing');
    // A bootstrap snapshot serves; its exposures fail as a 4xx would, said each time.
    const boot = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, headers, flushInterval: 0 });
    t.after(() => boot.close());
    const said = [];
    boot.on('error', (e) => said.push(e));
    boot.create('Split', ctx('u1'));
    await boot.flush();
    assert.deepEqual(said.map((e) => e.message), [errors[0].message, errors[0].message]);
    assert.deepEqual([boot.stats.failed, boot.stats.queued, boot.stats.sent], [1, 0, 0]);
  }
  assert.equal(srv.state.snapshotRequests.length, 0);
  assert.equal(srv.state.exposureRequests.length, 0);
  // Headers that only look odd are sent as fetch sends them (a value's
  // surrounding blanks, a newline read from a file with the key, trimmed).
  const fine = await createClient({ snapshotUrl: srv.snapshotUrl, headers: { 'X-Key': 'k\n', 'X-N': 5 }, refreshInterval: 0 });
  t.after(() => fine.close());
  assert.equal(fine.revision, 'r1');
  assert.equal(srv.state.snapshotRequests[0].headers['x-key'], 'k');
  assert.equal(srv.state.snapshotRequests[0].headers['content-type'], undefined, 'a GET has no body, and no Content-Type (a CORS preflight in pages)');
});

test('the headers error names the header at fault, never its value, after headers that are fine', async (t) => {
  const why = (w) => `feats-edge: the headers option cannot be sent: ${w}: no snapshot is fetched and no exposure is sent until it is fixed`;
  const value = (name) => why(`the value of ${name} is none a header can carry (a line break or NUL inside it, a character past U+00FF)`);
  const cases = [
    [{ 'X-Ok': 'fine', 'bad header': 'x' }, why('"bad header" is no header name')],
    [{ 'X-Ok': 'fine', 'X-Key': 'a\0b' }, value('X-Key')],
    [[['X-Ok', '1'], ['Bad Name', 'v']], why('"Bad Name" is no header name')],
    [new Map([['X-Ok', '1'], ['X-Key', 'a\nb']]), value('X-Key')],
    // (A function with properties: `Headers` reads it as an object, and its runtime's message quoted the value.)
    [Object.assign(() => {}, { 'X-Ok': 'fine', 'X-Key': 'a\nb' }), value('X-Key')],
  ];
  for (const [headers, message] of cases) {
    const client = await createClient({ snapshot: snapshot('r1'), headers });
    t.after(() => client.close());
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    await sleep(0);
    assert.deepEqual(errors, [message], JSON.stringify([...(headers instanceof Map ? headers : Object.entries(headers))]));
  }
});

test("a headers option that throws as it is read (a getter whose secret is not there): its error's own words are said, the final full stop dropped", async (t) => {
  const headers = { get Authorization() { throw new Error('the vault is locked. Unlock it first.'); } };
  const client = await createClient({ snapshot: snapshot('r1'), headers });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  await sleep(0);
  assert.deepEqual(errors, ['feats-edge: the headers option cannot be sent: the vault is locked. Unlock it first: no snapshot is fetched and no exposure is sent until it is fixed']);
});

test('a headers option whose getter throws null: the client is made all the same, and says the headers cannot be sent', async (t) => {
  const headers = { get Authorization() { throw null; } };
  const client = await createClient({ snapshot: snapshot('r1'), headers });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e));
  await sleep(0);
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /^feats-edge: the headers option cannot be sent: .*: no snapshot is fetched and no exposure is sent until it is fixed$/);
  assert.equal(errors[0].permanent, true);
});

test('a headers option of null is none, as undefined is: the snapshot is fetched and exposures are sent', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  for (const headers of [null, undefined]) {
    const client = await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, headers, refreshInterval: 0, flushInterval: 0 });
    t.after(() => client.close());
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    client.create('Split', ctx('u1'));
    await client.flush();
    assert.equal(client.revision, 'r1', String(headers));
    assert.deepEqual([client.stats.sent, client.stats.failed], [1, 0], String(headers));
    assert.deepEqual(errors, []);
  }
});

test('a console.warn that throws (a test setup that fails on warnings) stops nothing: refresh() resolves, polling goes on, the process lives', { timeout: 10000 }, async (t) => {
  t.mock.method(console, 'warn', () => { throw new Error('console.warn called'); });
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  // Errors of createClient's wait, logged a task later when no listener is added.
  srv.state.mode = '500';
  const waited = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, retryDelay: 5, timeout: 100 });
  t.after(() => waited.close());
  await sleep(20);
  // A client that loaded, whose host fails, then serves a new snapshot.
  srv.state.mode = 'ok';
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 1000, retryDelay: 5 });
  t.after(() => client.close());
  srv.state.mode = '500';
  await client.refresh();
  srv.state.mode = 'ok';
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"v2"';
  await until(() => client.revision === 'r2', 5000, 'the next poll');
});

test('the first error no listener hears is logged once (console.warn); a listener added as createClient returns hears the errors instead', { timeout: 10000 }, async (t) => {
  const warned = t.mock.method(console, 'warn', () => {});
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const open = async () => {
    const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, retryDelay: 5, timeout: 200 });
    t.after(() => client.close());
    return client;
  };
  srv.state.mode = '500';
  // Nothing loaded and nobody listening: said once, whatever follows.
  const unheard = await open();
  await sleep(20);
  assert.equal(warned.mock.callCount(), 1);
  assert.match(String(warned.mock.calls[0].arguments[0]), /^feats-edge: an error no "error" listener heard/);
  assert.equal(warned.mock.calls[0].arguments[1].message, `feats-edge: ${srv.snapshotUrl} answered 500`);
  await unheard.refresh();
  await unheard.refresh();
  assert.equal(warned.mock.callCount(), 1, 'later errors are not logged');
  // A listener added on the line after createClient: it hears them, nothing is logged.
  const heard = [];
  const listened = await open();
  listened.on('error', (e) => heard.push(e.message));
  await sleep(20);
  await listened.refresh();
  assert.ok(heard.length >= 2, JSON.stringify(heard));
  assert.equal(warned.mock.callCount(), 1);
  // A client that loaded, whose host fails later, with no listener: said once.
  srv.state.mode = 'ok';
  const loaded = await open();
  assert.equal(loaded.revision, 'r1');
  assert.equal(warned.mock.callCount(), 1);
  srv.state.mode = '500';
  await loaded.refresh();
  await loaded.refresh();
  assert.equal(warned.mock.callCount(), 2);
  assert.equal(warned.mock.calls[1].arguments[1].message, `feats-edge: ${srv.snapshotUrl} answered 500`);
});
