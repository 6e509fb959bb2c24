// The snapshot half of the HTTP protocol (SPEC section 5): ETag/304, refused
// snapshots, failures, backoff, Retry-After, bootstrap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, Engine } from 'feats-edge';
import { startServer, refusedUrl, until, sleep, longBackoff } from '../helpers/server.js';
import { snapshot, ctx } from '../helpers/snapshot.js';

const fast = { refreshInterval: 0, retryDelay: 10, timeout: 2000 };

/** Starts a server and a client; both are closed after the test. */
async function setup(t, options = {}, serverOptions = {}) {
  const srv = await startServer({ snapshot: snapshot('r1'), ...serverOptions });
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast, ...options });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  return { srv, client };
}

test('loads the snapshot, then revalidates with If-None-Match and keeps the engine on 304', async (t) => {
  const { srv, client } = await setup(t, { refreshInterval: 1000 }); // (the shortest there is)
  const updates = [];
  client.on('update', (u) => updates.push(u));
  assert.equal(client.revision, 'r1');
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');
  await until(() => srv.state.snapshotRequests.length >= 3, 5000, 'two revalidations');
  const [first, second, third] = srv.state.snapshotRequests;
  assert.equal(first.headers['if-none-match'], undefined);
  assert.equal(first.status, 200);
  assert.equal(second.headers['if-none-match'], '"v1"');
  assert.equal(second.status, 304);
  assert.equal(third.status, 304);
  assert.deepEqual(updates, []);
  assert.equal(client.revision, 'r1');
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');

  // A new revision on the server is picked up by the next poll.
  const next = snapshot('r2');
  next.features.PaymentProcessor.rules[0].serve = 'aperture';
  srv.state.snapshot = next;
  srv.state.etag = '"v2"';
  await until(() => client.revision === 'r2', 5000, 'r2');
  assert.deepEqual(updates, [{ revision: 'r2', changed: ['PaymentProcessor'] }]);
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'aperture');
  await until(() => srv.state.snapshotRequests.at(-1).headers['if-none-match'] === '"v2"', 5000, 'the new ETag');
});

test('refresh() fetches at once; a 200 with the same text is skipped without an update (the ETag is kept)', async (t) => {
  const { srv, client } = await setup(t);
  let updates = 0;
  const said = [];
  client.on('update', () => updates++);
  client.on('stale', (e) => said.push(`stale: ${e.message}`));
  client.on('error', (e) => said.push(`error: ${e.message}`));
  srv.state.etag = '"v1-again"';
  await client.refresh();
  assert.equal(srv.state.snapshotRequests.length, 2);
  assert.equal(srv.state.snapshotRequests[1].status, 200);
  assert.equal(updates, 0);
  // Nor is it a refusal: nothing said, and the client is not stale.
  assert.deepEqual([said, client.stale], [[], false]);
  await client.refresh();
  assert.equal(srv.state.snapshotRequests[2].headers['if-none-match'], '"v1-again"');
  assert.equal(srv.state.snapshotRequests[2].status, 304);
});

for (const [mode, what] of [
  ['html', 'an HTML page served with 200'],
  ['truncated', 'a truncated JSON body'],
  ['schema', 'a snapshot with schema 2'],
]) {
  test(`${what} is refused with an error event and the last good snapshot keeps serving`, async (t) => {
    const { srv, client } = await setup(t);
    const errors = [];
    let updates = 0;
    client.on('error', (e) => errors.push(e));
    client.on('update', () => updates++);
    if (mode === 'schema') {
      srv.state.snapshot = { ...snapshot('r9'), schema: 2 };
      srv.state.etag = '"v9"';
    } else srv.state.mode = mode;
    await client.refresh();
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof Error);
    assert.equal(errors[0].name, 'SnapshotError');
    // It says which snapshot was refused, and keeps the engine's path and reason.
    const { path, reason } = errors[0];
    assert.equal(errors[0].message, `feats-edge: the snapshot from ${srv.snapshotUrl} was refused: ${path ? `${path}: ` : ''}${reason}`);
    if (mode === 'schema') assert.deepEqual([path, reason], ['/schema', 'unsupported schema 2; this engine reads schema 1']);
    assert.equal(updates, 0);
    assert.equal(client.revision, 'r1');
    assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');
    // The refused response's ETag is not kept: the next request revalidates the good one.
    srv.state.mode = 'ok';
    srv.state.snapshot = snapshot('r1');
    srv.state.etag = '"v1"';
    await client.refresh();
    assert.equal(srv.state.snapshotRequests.at(-1).headers['if-none-match'], '"v1"');
    assert.equal(srv.state.snapshotRequests.at(-1).status, 304);
  });
}

test('a body cut short by the connection closing is an error and is retried', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.next = ['cut'];
  const errors = [];
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  client.on('error', (e) => errors.push(e));
  await until(() => client.revision === 'r1', 3000, 'the retry');
  assert.equal(srv.state.snapshotRequests[0].mode, 'cut');
  assert.ok(srv.state.snapshotRequests.length >= 2);
});

test('snapshot server down: createClient resolves after the timeout, evaluations fall back, errors are reported', async (t) => {
  const url = await refusedUrl();
  const errors = [];
  const started = Date.now();
  const client = await createClient({ snapshotUrl: url, timeout: 100, retryDelay: 10, refreshInterval: 0 });
  t.after(() => client.close());
  client.on('error', (e) => errors.push(e));
  assert.ok(Date.now() - started >= 90, 'waited for the timeout');
  assert.equal(client.revision, null);
  assert.equal(await client.ready, false);
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), null);
  assert.equal(client.isEnabled('ImageProcessing', {}), false);
  await until(() => errors.length >= 2, 3000, 'retries');
  assert.ok(errors.every((e) => e instanceof Error));
});

test('an error listener added while nothing is loaded hears the last error at once; once loaded, not', async (t) => {
  longBackoff(t); // (no retry of the failed fetch while the test runs)
  // The server answers 500 from memory (no network I/O to wait for), so
  // the failure has been taken before createClient's 100 ms are up even on
  // a slow machine; then the real server answers.
  const srv = await startServer({ snapshot: snapshot('r1') });
  let down = true, failed = 0;
  const fetch500 = (url, init) => (down ? (failed++, Promise.resolve(new Response('oops', { status: 500 }))) : fetch(url, init));
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, fetch: fetch500, timeout: 100, retryDelay: 60_000, refreshInterval: 0 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(await client.ready, false);
  assert.ok(failed >= 1, 'a failed fetch, before any listener');
  const heard = [];
  client.on('error', (e) => heard.push(e.status));
  await Promise.resolve();
  assert.deepEqual(heard, [500]);
  down = false;
  await client.refresh();
  assert.equal(client.revision, 'r1');
  const later = [];
  client.on('error', (e) => later.push(e));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(later, []);
  assert.deepEqual(heard, [500]);
});

test('an error listener added while nothing is loaded, with the first fetch still under way and nothing failed, hears nothing', async () => {
  let answer;
  const pending = new Promise((r) => (answer = r));
  const client = await createClient({ snapshotUrl: 'http://127.0.0.1:9/flags.json', fetch: () => pending, timeout: 20, refreshInterval: 0 });
  assert.equal(await client.ready, false);
  const heard = [];
  client.on('error', (e) => heard.push(e));
  await sleep(20);
  assert.deepEqual(heard, []);
  answer(new Response(JSON.stringify(snapshot('r1')), { status: 200 }));
  await until(() => client.revision === 'r1', 2000, 'the answer loaded');
  assert.deepEqual(heard, []);
  await client.close();
});

test('an error listener added by another while an error is said hears that error once', async (t) => {
  longBackoff(t); // (no retry of the failed fetch while the test runs)
  // (As an application's error handler that sets up its error reporting on an error.)
  const fetch500 = () => Promise.resolve(new Response('oops', { status: 500 }));
  const client = await createClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', fetch: fetch500, timeout: 100, retryDelay: 60_000, refreshInterval: 0 });
  t.after(() => client.close());
  assert.equal(await client.ready, false);
  const heard = [];
  let armed = false, added = false;
  client.on('error', () => armed && !added && ((added = true), client.on('error', (e) => heard.push(e.status))));
  await new Promise((r) => setTimeout(r, 20)); // (the first listener hears the error of createClient's wait)
  armed = true;
  await client.refresh();
  assert.equal(added, true);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(heard, [500]);
  // A later error: once, as to any listener.
  await client.refresh();
  assert.deepEqual(heard, [500, 500]);
});

test("an error listener hears the error at once under a test runner's fake timers too (Jest's hold queueMicrotask)", async (t) => {
  // As Jest's `useFakeTimers()` does: callbacks queued, run only when the test advances the clock.
  const held = [];
  const { queueMicrotask } = globalThis;
  globalThis.queueMicrotask = (fn) => void held.push(fn);
  t.after(() => (globalThis.queueMicrotask = queueMicrotask));
  const client = await createClient({ refreshInterval: 0 });
  t.after(() => client.close());
  const heard = [];
  client.on('error', (e) => heard.push(e.message));
  await Promise.resolve();
  assert.deepEqual(heard, ['feats-edge: no snapshotUrl and no snapshot: nothing to load, so every call serves the code defaults']);
});

test('a refused first snapshot (HTML with 200) is fetched again with backoff until a valid one loads', async (t) => {
  const { srv, client } = await setup(t, { timeout: 100, retryDelay: 20, refreshInterval: 0 }, { mode: 'html' });
  assert.equal(await client.ready, false);
  await until(() => srv.state.snapshotRequests.length >= 3, 3000, 'retries');
  srv.state.mode = 'ok';
  await until(() => client.revision === 'r1', 3000, 'the valid snapshot');
  const n = srv.state.snapshotRequests.length;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(srv.state.snapshotRequests.length, n, 'refreshInterval 0: no fetch after the first success');
});

test('slow server: createClient resolves at the timeout, the late snapshot arrives as an update', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.mode = 'slow';
  srv.state.delay = 300;
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast, timeout: 50 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, null);
  const update = await new Promise((resolve) => client.on('update', (u) => resolve({ ...u })));
  // The first snapshot: every feature is new.
  assert.deepEqual(update, { revision: 'r1', changed: Object.keys(snapshot().features) });
  assert.equal(client.revision, 'r1');
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');
});

test('a hanging server does not block createClient, and close() cancels the request', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.mode = 'hang';
  t.after(() => srv.close());
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast, timeout: 50 });
  assert.equal(client.revision, null);
  await client.close();
  await until(() => srv.state.snapshotRequests[0]?.closed, 3000, 'the request to be cancelled');
});

test('500 answers are retried with backoff until the server recovers', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.next = ['500', '500', 'drop', '500'];
  const errors = [];
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  client.on('error', (e) => errors.push(e));
  assert.equal(client.revision, 'r1');
  assert.deepEqual(srv.state.snapshotRequests.map((r) => r.mode), ['500', '500', 'drop', '500', 'ok']);
  // No more requests once loaded (refreshInterval 0).
  await sleep(100);
  assert.equal(srv.state.snapshotRequests.length, 5);
});

test('a 404 is reported and not hammered', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  srv.state.mode = '404';
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, ...fast, timeout: 200 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, null);
  await until(() => srv.state.snapshotRequests.length >= 1, 5000, 'the request');
  await sleep(200); // a retry from a 404 would have come by now (retryDelay 10)
  assert.equal(srv.state.snapshotRequests.length, 1);
});

test('without polling, a 4xx on the first fetch resolves createClient at once, not at its timeout: nothing else will be fetched', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1'), mode: '404' });
  t.after(() => srv.close());
  const errors = [];
  let timer;
  const made = createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, timeout: 60_000 }).then((c) => (c.on('error', (e) => errors.push(e)), c));
  const client = await Promise.race([made, new Promise((r) => (timer = setTimeout(r, 10_000, null)))]);
  clearTimeout(timer);
  assert.ok(client, 'createClient resolved before its 60 s timeout');
  t.after(() => client.close());
  assert.equal(await client.ready, false);
  assert.equal(client.revision, null);
  await until(() => errors.length == 1, 1000, 'the 404 heard');
  assert.match(errors[0].message, /answered 404/);
  assert.deepEqual([errors[0].status, errors[0].retryAfter, errors[0].permanent], [404, undefined, undefined], 'as index.d.ts declares ClientError');
  // With polling, the next poll may bring it: createClient waits.
  const polling = createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 100, retryDelay: 10, timeout: 60_000 });
  await until(() => srv.state.snapshotRequests.length == 2, 5000, 'the second client\'s first fetch');
  srv.state.mode = 'ok';
  const second = await polling;
  t.after(() => second.close());
  assert.equal(second.revision, 'r1');
});

test('a bootstrap snapshot evaluates before any fetch completes', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r2') });
  srv.state.mode = 'slow';
  srv.state.delay = 200;
  const client = await createClient({ snapshot: snapshot('r1'), snapshotUrl: srv.snapshotUrl, ...fast });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(await client.ready, true);
  assert.equal(client.revision, 'r1');
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');
  assert.equal(srv.state.snapshotRequests[0]?.status ?? 0, 0, 'the fetch has not been answered yet');
  await until(() => client.revision === 'r2', 3000, 'the fetched snapshot');
});

for (const [mark, what] of [['', ''], ['\uFEFF', ', after a byte order mark']]) test(`a bootstrap object and the same snapshot fetched as text (formatted otherwise${what}): no reload, no update`, async (t) => {
  // (A mark inside a string is the snapshot's own: only a leading one is skipped.)
  const boot = { ...snapshot('r1'), description: 'a\uFEFFb' };
  const srv = await startServer({ snapshot: mark + JSON.stringify(boot, null, 2) });
  const client = await createClient({ snapshot: boot, snapshotUrl: srv.snapshotUrl, ...fast });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  const updates = [];
  client.on('update', (u) => updates.push(u));
  await client.refresh();
  assert.equal(srv.state.snapshotRequests.at(-1).status, 200);
  assert.deepEqual(updates, [], 'the same snapshot: not rebuilt');
  // A changed one still replaces it.
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"v2"';
  await client.refresh();
  // (A new revision of the same features: none changed.)
  assert.deepEqual(updates, [{ revision: 'r2', changed: [] }]);
});

test('bootstrap only (text), no URL: ready at once, no requests', async () => {
  const client = await createClient({ snapshot: JSON.stringify(snapshot('boot')), fetch: () => assert.fail('no fetch') });
  assert.equal(client.revision, 'boot');
  assert.equal(client.isEnabled('ImageProcessing', {}), true);
  await client.close();
});

test('an Engine as the bootstrap: used as it is (not parsed again), then the client\'s; a freed one is refused', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r2'), etag: '"r2"' });
  t.after(() => srv.close());
  const engine = new Engine(snapshot('r1'));
  const client = await createClient({ snapshot: engine, snapshotUrl: srv.snapshotUrl, refreshInterval: 0, exposureUrl: srv.exposureUrl, flushInterval: 0 });
  await until(() => client.revision === 'r2', 2000, 'the fetched snapshot');
  // Replaced, the bootstrap is kept as the snapshot before (see attribution.test.js) until close().
  assert.equal(client.create('Split', ctx('u1')) !== null, true);
  await client.flush();
  assert.deepEqual(srv.accepted().map((e) => e.revision), ['r2']);
  await client.close();
  assert.equal(engine.implementation('Split', ctx('u1')), null, 'freed by close()');

  const mine = new Engine(snapshot('r3'));
  const only = await createClient({ snapshot: mine });
  assert.equal(only.revision, 'r3');
  assert.equal(only.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');
  only.close();
  assert.equal(mine.implementation('PaymentProcessor', ctx('1', 'CA')), null, 'the client freed it');

  const errors = [];
  const freed = await createClient({ snapshot: mine, timeout: 10 });
  freed.on('error', (e) => errors.push(e.message));
  await sleep(0);
  assert.equal(freed.revision, null);
  assert.equal(errors[0], 'feats-edge: the Engine given as snapshot has been freed');
  freed.close();
});

test('an Engine freed by the application while a client holds it: said once, and the next fetch loads the snapshot again (a 304 to its ETag kept the freed one)', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const engine = new Engine(snapshot('r1'));
  const client = await createClient({ snapshot: engine, snapshotEtag: '"v1"', snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  t.after(() => client.close());
  await client.refresh();
  assert.equal(srv.state.snapshotRequests.at(-1).headers['if-none-match'], '"v1"', 'the bootstrap revalidated');
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  engine.free();
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), null);
  assert.equal(client.details('PaymentProcessor', ctx('1', 'CA')).errorCode, 'PROVIDER_NOT_READY');
  assert.equal(client.revision, null, 'nothing loaded, as served');
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^feats-edge: the client's Engine was freed by the application/);
  await client.refresh();
  assert.equal(srv.state.snapshotRequests.at(-1).headers['if-none-match'], undefined);
  assert.equal(client.revision, 'r1');
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');
});

test('an Engine freed by the application is noticed by whichever evaluation call comes first: said once, and nothing is served from it', async () => {
  const calls = {
    findImplementation: (c) => c.findImplementation('PaymentProcessor', ctx('1', 'CA')),
    find: (c) => c.feature('PaymentProcessor', {}, { default: 'classic' }).find(ctx('1', 'CA')),
    details: (c) => c.details('PaymentProcessor', ctx('1', 'CA')).implementation,
    create: (c) => c.feature('PaymentProcessor', { premium: () => 'premium', classic: () => 'classic' }, { default: 'classic' }).create(ctx('1', 'CA')),
    isEnabled: (c) => c.isEnabled('ImageProcessing', ctx('1', 'CA')),
    usedImplementation: (c) => c.usedImplementation('PaymentProcessor', 'premium', ctx('1', 'CA')) ?? null,
    findImplementations: (c) => JSON.stringify(c.findImplementations(ctx('1', 'CA'))),
  };
  // (The code defaults: the handle's; none known to findImplementations.)
  const served = { findImplementation: null, find: 'classic', details: null, create: 'classic', isEnabled: false, usedImplementation: null, findImplementations: '{}' };
  for (const [name, call] of Object.entries(calls)) {
    const engine = new Engine(snapshot('r1'));
    const client = await createClient({ snapshot: engine });
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    engine.free();
    assert.equal(call(client), served[name], name);
    assert.equal(client.revision, null, `${name}: nothing loaded, as served`);
    assert.equal(errors.length, 1, name);
    assert.match(errors[0], /^feats-edge: the client's Engine was freed by the application/, name);
    call(client);
    assert.equal(errors.length, 1, `${name}: said once`);
    await client.close();
  }
});

test("an Engine given to a second client is refused with an error event: the first frees it when it closes, and the second answered nothing from then on, unsaid", async () => {
  const engine = new Engine(snapshot('r1'));
  const first = await createClient({ snapshot: engine });
  const second = await createClient({ snapshot: engine, timeout: 10 });
  const errors = [];
  second.on('error', (e) => errors.push(e.message));
  await sleep(0);
  assert.match(errors[0] ?? '', /^feats-edge: the Engine given as snapshot is another client's already/);
  assert.equal(second.revision, null, 'the second serves the code defaults, as it says');
  assert.equal(first.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium', 'the first keeps it');
  await first.close();
  await second.close();
});

test('an invalid bootstrap is refused without throwing', async () => {
  const client = await createClient({ snapshot: '{"schema": 1, ', timeout: 10 });
  const errors = [];
  client.on('error', (e) => errors.push(e));
  await sleep(0);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].name, 'SnapshotError');
  assert.equal(errors[0].message, 'feats-edge: the `snapshot` option was refused: invalid JSON: line 1, column 15: unexpected end of input');
  assert.deepEqual([errors[0].path, errors[0].reason], ['', 'invalid JSON: line 1, column 15: unexpected end of input']);
  assert.equal(client.revision, null);
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1')), null);
  await client.close();
});

test('a fetched snapshot is read as new Engine reads its bytes: one byte order mark skipped, a second refused as `validate` refuses it', async () => {
  const BOM = [0xef, 0xbb, 0xbf];
  const text = JSON.stringify(snapshot('r-\u00e9'));
  for (const marks of [1, 2]) {
    const bytes = new Uint8Array([...Array(marks).fill(BOM).flat(), ...new TextEncoder().encode(text)]);
    const client = await createClient({
      snapshotUrl: 'http://flags.invalid/snapshot.json', ...fast, timeout: 500,
      fetch: async () => new Response(bytes, { status: 200, headers: { ETag: '"b"' } }),
    });
    const errors = [];
    client.on('error', (e) => errors.push(e));
    await sleep(0);
    let engine;
    try {
      engine = new Engine(bytes);
    } catch {}
    if (marks === 1) {
      assert.equal(engine?.revision, 'r-\u00e9');
      assert.equal(client.revision, 'r-\u00e9');
      assert.deepEqual(errors, []);
    } else {
      assert.equal(engine, undefined);
      assert.equal(client.revision, null);
      assert.equal(errors[0]?.name, 'SnapshotError');
      assert.match(errors[0].reason, /^invalid JSON: line 1, column 1: expected a value/);
    }
    engine?.free();
    await client.close();
  }
});

test('extra headers are sent; a custom fetch is used', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  let calls = 0;
  const client = await createClient({
    snapshotUrl: srv.snapshotUrl, ...fast, headers: { Authorization: 'Bearer x' },
    fetch: (url, init) => (calls++, fetch(url, init)),
  });
  assert.equal(client.revision, 'r1');
  assert.equal(calls, 1);
  assert.equal(srv.state.snapshotRequests[0].headers.authorization, 'Bearer x');
  await client.close();
});

test('client.problems: the loaded snapshot\'s feature problems, read again after an update; none before a load and once closed', async (t) => {
  const broken = snapshot('r1');
  broken.features.Split.rules[0].split.weights = { on: 60, off: 50 };
  const srv = await startServer({ snapshot: broken, etag: '"v1"' });
  t.after(() => srv.close());
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  assert.deepEqual(client.problems, [{ path: '/features/Split/rules/0/split/weights', message: 'percentages add up to 110, more than 100' }]);
  assert.equal(client.details('Split', ctx('u1')).errorCode, 'PARSE_ERROR');
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"v2"';
  await client.refresh();
  assert.equal(client.revision, 'r2');
  assert.deepEqual(client.problems, []);
  await client.close();
  assert.deepEqual(client.problems, []);
  const down = await startServer({ snapshot: broken, mode: '500' });
  t.after(() => down.close());
  const empty = await createClient({ snapshotUrl: down.snapshotUrl, refreshInterval: 0, timeout: 100, retryDelay: 60_000 });
  empty.on('error', () => {});
  assert.deepEqual(empty.problems, []);
  await empty.close();
});

test('update: `changed` names the features the new snapshot may evaluate differently, and no other', async (t) => {
  const { srv, client } = await setup(t);
  const seen = [];
  client.on('update', (u) => seen.push([u.revision, u.changed]));
  const publish = async (doc, etag) => {
    srv.state.snapshot = doc;
    srv.state.etag = etag;
    await client.refresh();
  };
  // The same features written otherwise (keys reordered, numbers spelt
  // otherwise, annotations): a new revision, nothing changed.
  const same = snapshot('r2');
  same.features = Object.fromEntries(Object.entries(same.features).reverse());
  same.features.Split = { description: 'a note', rules: [{ split: { weights: { off: 5e1, on: 50.0 }, by: 'UserId' } }], default: 'off', implementations: ['on', 'off'], inputs: ['user'] };
  same.segments = { Country: { from: { user: '{country}' } }, UserId: { from: { user: '{id}' }, meta: { owner: 'x' } } };
  await publish(same, '"v2"');
  // One rule edited: that feature.
  const edited = snapshot('r3');
  edited.features.PaymentProcessor.rules[0].when.in = ['CA', 'MX'];
  await publish(edited, '"v3"');
  // A segment edited: every feature that reads it (Country: PaymentProcessor, Dark).
  const moved = snapshot('r4');
  moved.segments.Country = { from: { user: '{address.country}' } };
  await publish(moved, '"v4"');
  // One added, one removed.
  const swapped = snapshot('r5');
  delete swapped.features.Random;
  swapped.features.Banner = { type: 'boolean', inputs: [], default: false };
  await publish(swapped, '"v5"');
  assert.deepEqual(seen, [
    ['r2', []],
    ['r3', ['PaymentProcessor']],
    ['r4', ['PaymentProcessor', 'Dark']],
    ['r5', ['PaymentProcessor', 'Dark', 'Banner', 'Random']],
  ]);
  assert.equal(client.findImplementation('PaymentProcessor', { user: { country: 'CA' } }), 'premium');
});

test('Engine.changes: by the engine replaced; every feature against no engine or a freed one, and for a snapshot unchanged, none', () => {
  const a = new Engine(snapshot('r1'));
  const b = new Engine({ ...snapshot('r2'), segments: { ...snapshot().segments, UserId: { from: { user: '{uid}' } } } });
  const all = Object.keys(snapshot().features);
  // UserId is read by the experiments and the split.
  assert.deepEqual(b.changes(a), ['Random', 'Fixed', 'Split']);
  assert.deepEqual(a.changes(new Engine(JSON.stringify(snapshot('r1'), null, 2))), []);
  assert.deepEqual(b.changes(null), all);
  assert.deepEqual(b.changes(/** @type {any} */ ({ features: [] })), all);
  a.free();
  assert.deepEqual(b.changes(a), all);
  b.free();
});

test('update: `changed` not read before a refused snapshot arrives is every feature of both (the engine it compares with goes before a load)', async (t) => {
  const { srv, client } = await setup(t);
  const events = [];
  client.on('update', (u) => events.push(u));
  client.on('error', () => {});
  const r2 = snapshot('r2');
  delete r2.features.Random;
  srv.state.snapshot = r2;
  srv.state.etag = '"v2"';
  await client.refresh();
  srv.state.snapshot = '{"schema": 1, "features": ';
  srv.state.etag = '"v3"';
  await client.refresh();
  assert.equal(client.revision, 'r2', 'the refused snapshot changed nothing served');
  assert.deepEqual(events[0].changed, [...Object.keys(r2.features), 'Random']);
});

test('update: `changed` read in time is exact; read after the next snapshot or after close, every feature of both; each read is a copy', async (t) => {
  const { srv, client } = await setup(t);
  const events = [];
  client.on('update', (u) => events.push(u)); // kept, read later
  const publish = async (doc, etag) => {
    srv.state.snapshot = doc;
    srv.state.etag = etag;
    await client.refresh();
  };
  const names = Object.keys(snapshot().features);
  const r2 = snapshot('r2');
  r2.features.PaymentProcessor.default = 'premium';
  await publish(r2, '"v2"');
  const r3 = snapshot('r3');
  r3.features.PaymentProcessor.default = 'premium';
  delete r3.features.Random;
  await publish(r3, '"v3"');
  // Read before the next snapshot: exact (and then kept).
  assert.deepEqual(events[1].changed, ['Random']);
  const r4 = structuredClone(r3);
  r4.revision = 'r4';
  r4.features.Dark.default = true;
  await publish(r4, '"v4"');
  await client.close();
  const without = names.filter((n) => n != 'Random');
  assert.deepEqual(events.map((e) => [e.revision, e.changed]), [
    // Not read before r3 loaded: every feature of both.
    ['r2', names],
    ['r3', ['Random']],
    // Not read before the client closed: every feature of both.
    ['r4', without],
  ]);
  const [first] = events;
  first.changed.push('mine');
  assert.deepEqual(first.changed, names);
});

test('an error listener that adds itself again as a new function each time it is called, with nothing loaded, is not called forever', async (t) => {
  longBackoff(t); // (no retry of the failed fetch while the test runs)
  // (As a component that subscribes anew on each error it hears.)
  const fetch500 = () => Promise.resolve(new Response('oops', { status: 500 }));
  const client = await createClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', fetch: fetch500, timeout: 100, retryDelay: 60_000, refreshInterval: 0 });
  t.after(() => client.close());
  assert.equal(await client.ready, false);
  let calls = 0;
  const subscribe = () => {
    const off = client.on('error', () => {
      calls++;
      off();
      if (calls < 1000) subscribe();
    });
  };
  subscribe();
  await new Promise((r) => setTimeout(r, 50));
  // The first hears the error from on(); the one it adds, nothing more of that error.
  assert.equal(calls, 1);
  // A later error: to the listener there, and from on() to the one it adds
  // while the error is said (as to any added then), which adds the next: no more.
  await client.refresh();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(calls, 3);
});
