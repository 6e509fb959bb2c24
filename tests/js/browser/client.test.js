// The client in Chromium, against the demo server (www/server.js: the package,
// the snapshot with ETag and the exposure sink on one origin): the wasm loaded
// by createClient itself while the first snapshot is fetched, and again after
// a failed fetch of the .wasm (also for a bootstrap snapshot); cache first from localStorage on a reload;
// exposures when the page goes away (sendBeacon; a POST under way kept alive
// behind a slow uplink; keepalive refused or given up; a hidden page's batch
// by keepalive fetch; a page-hide fetch that never answers); a sink's 413
// (the batch again in halves); a refetch when the page is visible again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { demoInChromium, gate, serveFile, until } from '../helpers/runtimes.js';

const rt = demoInChromium();

const WASM = '**/pkg/gen/feats_edge_bg.wasm';
const SNAPSHOT = '**/flags/snapshot.json';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `body` on a page of the demo's origin with nothing on it and an
 * empty localStorage; the page must raise no error. Closes it after.
 */
async function onBlankPage(body) {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.route(`${rt.server.url}/__blank`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
    await page.goto(`${rt.server.url}/__blank`);
    await page.evaluate(() => localStorage.clear());
    await body(page);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
}

/** In the page: a client of the demo's snapshot, never polling; what it has loaded. */
async function startClient(o) {
  const { createClient } = await import('/pkg/index.js');
  const errors = [];
  const client = await createClient({ snapshotUrl: '/flags/snapshot.json', refreshInterval: 0, ...o });
  client.on('error', (e) => errors.push(String(e.message)));
  window.__client = client;
  const user = { id: 'browser-test', plan: 'free' };
  return { ready: await client.ready, revision: client.revision, priorities: client.findImplementation('AllowedPriorities', { user }), errors };
}

test('createClient without init(): the .wasm loads while the first snapshot is fetched', () =>
  onBlankPage(async (page) => {
    const log = [];
    let seen;
    const snapshotSeen = new Promise((r) => (seen = r));
    page.on('request', (r) => r.url().endsWith('/flags/snapshot.json') && (log.push('snapshot requested'), seen()));
    // The .wasm is answered only once the snapshot has been requested (or
    // after 5 s): the snapshot must not wait for it.
    await page.route(WASM, async (route) => {
      log.push('wasm requested');
      await Promise.race([snapshotSeen, sleep(5000)]);
      log.push('wasm answered');
      await route.continue();
    });
    const got = await page.evaluate(startClient, {});
    assert.equal(got.ready, true);
    assert.match(got.revision, /\S/);
    assert.ok(['no_priority', 'two_priorities', 'three_priorities'].includes(got.priorities), got.priorities);
    assert.deepEqual(log, ['wasm requested', 'snapshot requested', 'wasm answered']);
  }));

test('createClient without init(), with a bootstrap snapshot and its ETag: the snapshot is asked once the .wasm has loaded it, with its ETag (a 304)', () =>
  onBlankPage(async (page) => {
    const res = await fetch(`${rt.server.url}/flags/snapshot.json`);
    const boot = { snapshot: await res.text(), etag: res.headers.get('ETag') };
    assert.ok(boot.etag, 'the demo server sends an ETag');
    const asked = [];
    page.on('request', (r) => r.url().endsWith('/flags/snapshot.json') && asked.push(r.headers()['if-none-match'] ?? null));
    page.on('response', (r) => r.url().endsWith('/flags/snapshot.json') && asked.push(r.status()));
    // The .wasm is held half a second: a fetch that does not wait for it goes before.
    await page.route(WASM, async (route) => (await sleep(500), route.continue()));
    const got = await page.evaluate(async ({ snapshot, etag }) => {
      const { createClient } = await import('/pkg/index.js');
      const client = await createClient({ snapshot, snapshotEtag: etag, snapshotUrl: '/flags/snapshot.json', refreshInterval: 0 });
      return { ready: await client.ready, revision: client.revision };
    }, boot);
    assert.deepEqual(got, { ready: true, revision: JSON.parse(boot.snapshot).revision });
    await until(() => asked.length >= 2, 5000);
    await sleep(200);
    assert.deepEqual(asked, [boot.etag, 304]);
  }));

test('a .wasm that cannot be fetched at first is fetched again when the snapshot arrives', () =>
  onBlankPage(async (page) => {
    let wasmRequests = 0;
    await page.route(WASM, (route) => (++wasmRequests === 1 ? route.fulfill({ status: 503, body: 'later' }) : route.continue()));
    const got = await page.evaluate(startClient, {});
    assert.equal(got.ready, true);
    assert.match(got.revision, /\S/);
    assert.equal(wasmRequests, 2);
  }));

test('a bootstrap snapshot waits for a .wasm that failed to load: init() is tried again, with backoff, until it loads', () =>
  onBlankPage(async (page) => {
    let wasmRequests = 0;
    await page.route(WASM, (route) => (++wasmRequests <= 2 ? route.fulfill({ status: 503, body: 'later' }) : route.continue()));
    const got = await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const snapshot = await (await fetch('/flags/snapshot.json')).text();
      const client = await createClient({ snapshot, retryDelay: 20 });
      const errors = [];
      client.on('error', (e) => errors.push(String(e.message)));
      const user = { id: 'browser-test', plan: 'free' };
      const before = { ready: await client.ready, revision: client.revision, priorities: client.findImplementation('AllowedPriorities', { user }) };
      const update = await new Promise((r) => (client.on('update', r), setTimeout(() => r('no update in 5 s'), 5000)));
      return { before, update, revision: client.revision, priorities: client.findImplementation('AllowedPriorities', { user }), errors };
    });
    assert.deepEqual(got.before, { ready: false, revision: null, priorities: null });
    assert.match(got.revision, /\S/);
    // The first snapshot: every feature is new.
    assert.deepEqual(got.update, { revision: got.revision, changed: got.update.changed });
    assert.ok(got.update.changed.includes('AllowedPriorities'), String(got.update.changed));
    assert.ok(['no_priority', 'two_priorities', 'three_priorities'].includes(got.priorities), got.priorities);
    assert.equal(wasmRequests, 3);
    // The first 503 came before any listener: the first one hears it at once; then the second.
    assert.equal(got.errors.length, 2, got.errors.join('; '));
    assert.match(got.errors[0], /^feats-edge: http:\/\/127\.0\.0\.1:\d+\/pkg\/gen\/feats_edge_bg\.wasm answered 503$/);
  }));

test('a client closed while init() is tried again says nothing of that try after close()', () =>
  onBlankPage(async (page) => {
    let wasmRequests = 0;
    const held = gate();
    await page.route(WASM, async (route) => {
      if (++wasmRequests > 1) await held.promise;
      await route.fulfill({ status: 503, body: 'later' });
    });
    await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const snapshot = await (await fetch('/flags/snapshot.json')).text();
      const client = (window.__client = await createClient({ snapshot, retryDelay: 20 }));
      window.__errors = [];
      client.on('error', (e) => window.__errors.push(String(e.message)));
    });
    // The second try is under way: closed then, and it fails after.
    assert.ok(await until(() => wasmRequests == 2), 'a second try of the .wasm');
    const before = await page.evaluate(() => (window.__client.close(), window.__errors.length));
    held.open();
    const after = await page.evaluate(async () => (await new Promise((r) => setTimeout(r, 300)), window.__errors.length));
    assert.equal(before, 1, 'the first failure was heard');
    assert.equal(after, before, 'nothing after close()');
    assert.equal(wasmRequests, 2, 'no third try');
  }));

test('the .wasm hosted elsewhere: after init(url) failed, the client loads it from that URL again, not from beside the package', () =>
  onBlankPage(async (page) => {
    const log = [];
    await page.route('**/static/engine.wasm', async (route) => {
      log.push('given');
      if (log.length === 1) return route.fulfill({ status: 503, body: 'later' });
      const wasm = await page.request.get(`${rt.server.url}/pkg/gen/feats_edge_bg.wasm`);
      await route.fulfill({ status: 200, contentType: 'application/wasm', body: await wasm.body() });
    });
    // A bundle that did not copy the .wasm beside the package.
    await page.route(WASM, (route) => (log.push('beside the package'), route.fulfill({ status: 404, body: 'not found' })));
    const got = await page.evaluate(async () => {
      const { init, createClient } = await import('/pkg/index.js');
      const first = await init('/static/engine.wasm').then(() => 'loaded', (e) => String(e.message));
      const snapshot = await (await fetch('/flags/snapshot.json')).text();
      const client = await createClient({ snapshot, retryDelay: 20 });
      const revision = client.revision ?? await new Promise((r) => (client.on('update', (u) => r(u.revision)), setTimeout(() => r(null), 3000)));
      await client.close();
      return { first, revision };
    });
    assert.match(got.first, /static\/engine\.wasm answered 503$/);
    assert.match(String(got.revision), /\S/);
    assert.deepEqual(log, ['given', 'given']);
  }));

test('a .wasm served with another Content-Type than application/wasm loads all the same, with a warning that says how to serve it', () =>
  onBlankPage(async (page) => {
    const warnings = [];
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    await page.route(WASM, async (route) => {
      const wasm = await page.request.get(`${rt.server.url}/pkg/gen/feats_edge_bg.wasm`);
      await route.fulfill({ status: 200, contentType: 'application/octet-stream', body: await wasm.body() });
    });
    const got = await page.evaluate(async () => {
      const { init, Engine } = await import('/pkg/index.js');
      await init();
      const snapshot = await (await fetch('/flags/snapshot.json')).text();
      return new Engine(snapshot).revision;
    });
    assert.match(String(got), /\S/);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /^feats-edge: http:\/\/127\.0\.0\.1:\d+\/pkg\/gen\/feats_edge_bg\.wasm is served as application\/octet-stream, not application\/wasm: compiled from its bytes, which is slower \(serve it as application\/wasm\)/);
  }));

test('a .wasm from another origin (CORS) with another Content-Type, or a Response the page made of its bytes, loads all the same, with the warning naming it', async () => {
  const warned = async (source) => {
    const warnings = [];
    let loaded;
    await onBlankPage(async (page) => {
      page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
      const wasm = await (await page.request.get(`${rt.server.url}/pkg/gen/feats_edge_bg.wasm`)).body();
      await page.route('http://cdn.invalid/feats_edge_bg.wasm', (route) => route.fulfill({ status: 200, contentType: 'application/octet-stream', headers: { 'Access-Control-Allow-Origin': '*' }, body: wasm }));
      loaded = await page.evaluate(async (source) => {
        const { init } = await import('/pkg/index.js');
        const given = source == 'cdn' ? 'http://cdn.invalid/feats_edge_bg.wasm' : new Response(await (await fetch('/pkg/gen/feats_edge_bg.wasm')).arrayBuffer());
        return init(given).then(() => 'loaded', (e) => String(e.message));
      }, source);
    });
    assert.equal(loaded, 'loaded', source);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    return warnings[0];
  };
  assert.match(await warned('cdn'), /^feats-edge: http:\/\/cdn\.invalid\/feats_edge_bg\.wasm is served as application\/octet-stream, not application\/wasm: compiled from its bytes/);
  assert.match(await warned('made'), /^feats-edge: the response is served as no Content-Type, not application\/wasm: compiled from its bytes/);
});

test('a page served for the .wasm (a single-page app\'s fallback: the file not where the package looks) is refused naming what came', () =>
  onBlankPage(async (page) => {
    await page.route(WASM, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>app</title>' }));
    const [[message, cause], made] = await page.evaluate(async () => {
      const { init } = await import('/pkg/index.js');
      const said = (p) => p.then(() => ['loaded'], (e) => [String(e.message), e.cause?.constructor.name]);
      // And a Response the page made, of bytes that are no module, with no Content-Type.
      return [await said(init()), (await said(init(new Response(new Uint8Array([0x3c, 0x68]))))).slice(0, 1)];
    });
    assert.equal(cause, 'CompileError', 'the runtime\'s refusal kept as the cause');
    assert.match(made[0], /^feats-edge: the response is not feats_edge_bg\.wasm \(no Content-Type; .+\)\. Serve the package's feats_edge_bg\.wasm there/);
    assert.match(message, /^feats-edge: http:\/\/127\.0\.0\.1:\d+\/pkg\/gen\/feats_edge_bg\.wasm is not feats_edge_bg\.wasm \(text\/html; .+\)\. Serve the package's feats_edge_bg\.wasm there, or pass its URL to init\(\)/);
  }));

test('bytes that are no module, given to init() or initSync(), are refused in the package\'s words, and the right ones load after', () =>
  onBlankPage(async (page) => {
    let asked = 0;
    page.on('request', (r) => r.url().endsWith('/feats_edge_bg.wasm') && asked++);
    const got = await page.evaluate(async () => {
      const { init, initSync, Engine } = await import('/pkg/index.js');
      const junk = new Uint8Array([0x3c, 0x68, 0x74, 0x6d, 0x6c, 0x3e]); // "<html>"
      const messages = [];
      try {
        initSync(junk);
      } catch (e) {
        messages.push(e.message);
      }
      await init(junk).catch((e) => messages.push(e.message));
      initSync(await (await fetch('/pkg/gen/feats_edge_bg.wasm')).arrayBuffer());
      await init(); // loaded already: nothing fetched
      return { messages, revision: new Engine({ schema: 1, revision: 'r', features: {} }).revision };
    });
    assert.equal(asked, 1, 'the .wasm was fetched by the page alone');
    assert.equal(got.messages.length, 2, got.messages.join('\n'));
    for (const m of got.messages) assert.match(m, /^feats-edge: the bytes given to init\(\) or initSync\(\) are not feats_edge_bg\.wasm \(.+\): give the package's file, or its URL$/);
    assert.equal(got.revision, 'r');
  }));

test("wasm-bindgen's own loader form ({module_or_path}, {module}) given to init() or initSync() is refused saying so, and a client then loads the package's .wasm", () =>
  onBlankPage(async (page) => {
    await page.route('**/pkg/gen/moved.wasm', (route) => route.fulfill({ status: 404, body: 'not found' }));
    const got = await page.evaluate(async () => {
      const { init, initSync, createClient } = await import('/pkg/index.js');
      const messages = [];
      await init({ module_or_path: '/pkg/gen/feats_edge_bg.wasm' }).catch((e) => messages.push(e.message));
      try {
        initSync({ module: new Uint8Array(8) });
      } catch (e) {
        messages.push(e.message);
      }
      // Each form's advice names the call it was given to.
      await init({ module: new Uint8Array(8) }).catch((e) => messages.push(e.message));
      try {
        initSync({ module_or_path: '/pkg/gen/feats_edge_bg.wasm' });
      } catch (e) {
        messages.push(e.message);
      }
      // Other values of no kind it takes: each named.
      for (const odd of [42, () => {}, Object.create(null)]) await init(odd).catch((e) => messages.push(e.message));
      // A promise-like of the response (a fetch wrapper's) is taken, as a promise is; it fails here.
      await init({ then: (resolve) => resolve(fetch('/pkg/gen/moved.wasm')) }).catch((e) => messages.push(e.message));
      // (The object was the source of the client's own init() too, tried again for good.)
      const snapshot = await (await fetch('/flags/snapshot.json')).text();
      const client = await createClient({ snapshot, retryDelay: 20, timeout: 3000 });
      const revision = client.revision;
      await client.close();
      return { messages, revision };
    });
    assert.deepEqual(got.messages, [
      "feats-edge: init() takes the .wasm's URL, a Response or a promise of one, its bytes or a compiled WebAssembly.Module, not an object in the form of wasm-bindgen's own loader ({module_or_path: …}): give it the value itself (init(url))",
      "feats-edge: initSync() takes the .wasm's bytes or a compiled WebAssembly.Module, not an object in the form of wasm-bindgen's own loader ({module: …}): give it the value itself (initSync(bytes))",
      "feats-edge: init() takes the .wasm's URL, a Response or a promise of one, its bytes or a compiled WebAssembly.Module, not an object in the form of wasm-bindgen's own loader ({module: …}): give it the value itself (init(bytes))",
      "feats-edge: initSync() takes the .wasm's bytes or a compiled WebAssembly.Module, not an object in the form of wasm-bindgen's own loader ({module_or_path: …}): give it the value itself (initSync(bytes))",
      ...['a number', 'a function', 'a plain object'].map((what) => `feats-edge: init() takes the .wasm's URL, a Response or a promise of one, its bytes or a compiled WebAssembly.Module, not ${what}`),
      got.messages[7],
    ]);
    assert.match(got.messages[7], /^feats-edge: http:\/\/127\.0\.0\.1:\d+\/pkg\/gen\/moved\.wasm answered 404\./);
    assert.match(String(got.revision), /\S/);
  }));

/**
 * A module as another version's bindings made it: one import the bindings
 * of this version do not give (each import's name carries a hash of the
 * package's version).
 */
function otherVersionWasm() {
  const str = (t) => [t.length, ...Buffer.from(t)];
  const section = (id, body) => [id, body.length, ...body];
  const imports = [1, ...str('./feats_edge_bg.js'), ...str('__wbg_sticky_0123456789abcdef'), 0, 0];
  return Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, [1, 0x60, 0, 0]), ...section(2, imports)]);
}

test('a .wasm of another version (an older file a CDN keeps under the same URL) is refused saying so, and the right one loads after', () =>
  onBlankPage(async (page) => {
    const other = otherVersionWasm();
    let served = 0;
    await page.route(WASM, (route) => (served++, route.fulfill({ status: 200, contentType: 'application/wasm', body: other })));
    const got = await page.evaluate(async (bytes) => {
      const { init, initSync, Engine } = await import('/pkg/index.js');
      const messages = [], causes = [];
      const refused = (e) => (messages.push(e.message), causes.push(e.cause?.constructor.name));
      await init().catch(refused);
      try {
        initSync(new Uint8Array(bytes));
      } catch (e) {
        refused(e);
      }
      // Its URL given relative, and the module compiled: each named.
      await init('/pkg/gen/feats_edge_bg.wasm').catch(refused);
      await init(await WebAssembly.compile(new Uint8Array(bytes))).catch(refused);
      await init('/pkg/gen/feats_edge_bg.wasm?right').catch(refused);
      return { messages, causes, revision: new Engine({ schema: 1, revision: 'r', features: {} }).revision };
    }, [...other]);
    assert.equal(served, 2);
    assert.equal(got.messages.length, 4, got.messages.join('\n'));
    for (const i of [0, 2]) assert.match(got.messages[i], /^feats-edge: http:\/\/127\.0\.0\.1:\d+\/pkg\/gen\/feats_edge_bg\.wasm is the feats_edge_bg\.wasm of another version of the package than this JavaScript \(.*__wbg_sticky_0123456789abcdef.*\)\. A cache or CDN may keep an older file under the same URL: serve the \.wasm that came with this JavaScript, under a URL that changes with each version \(a bundler's hashed file name, a path with the version\), or pass that URL to init\(\)$/);
    assert.match(got.messages[1], /^feats-edge: the module given to initSync\(\) is the feats_edge_bg\.wasm of another version/);
    assert.match(got.messages[3], /^feats-edge: the module given to init\(\) is the feats_edge_bg\.wasm of another version/);
    assert.deepEqual(got.causes, ['LinkError', 'LinkError', 'LinkError', 'LinkError'], 'the runtime\'s refusal kept as the cause');
    assert.equal(got.revision, 'r');
  }));

test('initSync() while init() is loading: one instance, and the engines made on it keep their own snapshots', () =>
  onBlankPage(async (page) => {
    const got = await page.evaluate(async () => {
      const { init, initSync, Engine } = await import('/pkg/index.js');
      const module = await WebAssembly.compile(await (await fetch('/pkg/gen/feats_edge_bg.wasm')).arrayBuffer());
      const doc = (revision, serve) => JSON.stringify({ schema: 1, revision, features: { F: { implementations: ['x', 'y'], default: serve } } });
      // Two parts of a page: one awaits init(), the other cannot await.
      const loading = init(module);
      initSync(module);
      const a = new Engine(doc('a', 'x'));
      await loading;
      const b = new Engine(doc('b', 'y'));
      const read = (e) => { const d = e.evaluate('F', {}); return `${d.revision}:${d.implementation}`; };
      return [read(a), read(b), a.implementation('F', {}), b.implementation('F', {})];
    });
    assert.deepEqual(got, ['a:x', 'b:y', 'x', 'y']);
  }));

test('a .wasm that is not found: init() says what to do, naming the URL asked (one given relative, or as a Request, resolved); a Request for the right one loads', () =>
  onBlankPage(async (page) => {
    await page.route(WASM, (route) => route.fulfill({ status: 404, body: 'not found' }));
    await page.route('**/pkg/gen/{moved,elsewhere}.wasm', (route) => route.fulfill({ status: 404, body: 'not found' }));
    const got = await page.evaluate(async () => {
      const { init, Engine } = await import('/pkg/index.js');
      const said = (p) => p.then(() => 'loaded', (e) => String(e.message));
      const messages = [await said(init()), await said(init('/pkg/gen/moved.wasm')), await said(init(new Request('/pkg/gen/moved.wasm')))];
      // A response, or a promise of one, is read once: the next init() tries the last source it may fetch again.
      await init(fetch('/pkg/gen/elsewhere.wasm')).catch(() => {});
      await init(await fetch('/pkg/gen/elsewhere.wasm')).catch(() => {});
      messages.push(await said(init()));
      messages.push(await said(init(new Request('/pkg/gen/feats_edge_bg.wasm?right'))));
      return { messages, revision: new Engine({ schema: 1, revision: 'r', features: {} }).revision };
    });
    const notFound = (file) => new RegExp(`^feats-edge: http://127\\.0\\.0\\.1:\\d+/pkg/gen/${file} answered 404\\. Serve the package's feats_edge_bg\\.wasm there, or pass its URL to init\\(\\)`);
    assert.match(got.messages[0], notFound('feats_edge_bg\\.wasm'));
    assert.match(got.messages[1], notFound('moved\\.wasm'));
    assert.match(got.messages[2], notFound('moved\\.wasm'));
    assert.match(got.messages[3], notFound('moved\\.wasm'));
    assert.deepEqual([got.messages[4], got.revision], ['loaded', 'r']);
  }));


test('a file: URL that a browser cannot fetch (a page opened from disk, an app shell): init() names it, and does not say it runs outside a browser', () =>
  onBlankPage(async (page) => {
    const got = await page.evaluate(async () => {
      const { init } = await import('/pkg/index.js');
      const said = () => init('file:///app/feats_edge_bg.wasm').then(() => ['loaded'], (e) => [String(e.message), e.cause?.constructor.name]);
      const plain = await said();
      // A page with a `process` shim of its own (as some bundles define), without versions.
      globalThis.process = { env: {} };
      return [plain, await said()];
    });
    for (const [message, cause] of got) {
      assert.match(message, /^feats-edge: file:\/\/\/app\/feats_edge_bg\.wasm: Failed to fetch$/);
      assert.equal(cause, 'TypeError', 'the runtime\'s error kept as the cause');
    }
  }));
test('timeout bounds the wait for a slow .wasm too: a first visit, a bootstrap and a cached snapshot resolve by then, and update when it arrives', () =>
  onBlankPage(async (page) => {
    await page.route(WASM, async (route) => {
      await sleep(1500);
      await route.continue().catch(() => {});
    });
    const snapshot = await (await fetch(`${rt.server.url}/flags/snapshot.json`)).text();
    for (const how of ['first visit', 'bootstrap', 'cached']) {
      await page.reload();
      const got = await page.evaluate(async ([how, snapshot]) => {
        if (how === 'cached') localStorage.setItem('feats-edge:snapshot:/flags/snapshot.json', JSON.stringify({ text: snapshot, etag: null }));
        else localStorage.clear();
        const { createClient } = await import('/pkg/index.js');
        const t0 = performance.now();
        const client = await createClient(how === 'bootstrap' ? { snapshot, timeout: 300 } : { snapshotUrl: '/flags/snapshot.json', refreshInterval: 0, timeout: 300 });
        const waited = performance.now() - t0;
        const before = { ready: await client.ready, revision: client.revision };
        const update = await new Promise((r) => (client.on('update', r), setTimeout(() => r('no update in 8 s'), 8000)));
        await client.close();
        return { waited, before, update };
      }, [how, snapshot]);
      assert.ok(got.waited < 1200, `${how}: createClient waited ${got.waited} ms for the .wasm (1.5 s late)`);
      assert.deepEqual(got.before, { ready: false, revision: null }, how);
      assert.match(got.update?.revision ?? String(got.update), /^demo-/, how);
    }
  }));

/**
 * Runs `body` on a page served with this Content-Security-Policy, which
 * counts its violations in `window.__violations`; the page must raise no
 * error. Closes it after.
 */
async function withPolicy(policy, body) {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.route(`${rt.server.url}/__csp`, (r) => r.fulfill({
      contentType: 'text/html', headers: { 'Content-Security-Policy': `${policy} 'nonce-t'` },
      body: '<!doctype html><title>csp</title><script nonce="t">window.__violations = 0; document.addEventListener("securitypolicyviolation", () => window.__violations++)</script>',
    }));
    await page.goto(`${rt.server.url}/__csp`);
    await body(page);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
}

test('under a Content-Security-Policy without unsafe-eval, everything works and code generation is tried once per page, not once per snapshot', () =>
  withPolicy("script-src 'self' 'wasm-unsafe-eval'", async (page) => {
    const got = await page.evaluate(async () => {
      const { init, Engine } = await import('/pkg/index.js');
      await init();
      const text = await (await fetch('/flags/snapshot.json')).text();
      const picks = [];
      for (let i = 0; i < 3; i++) {
        const e = new Engine(text); // a snapshot update, three times
        for (let j = 0; j < 40; j++) picks.push(e.implementation('AllowedPriorities', { user: { id: `u${j}` } }), Object.keys(e.implementations({ user: { id: `u${j}` } })).length);
        e.free();
      }
      // Violation events are dispatched later: wait for the first, then a
      // while for any more.
      for (let i = 0; i < 100 && !window.__violations; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      return { violations: window.__violations, picks: picks.filter((p) => p === null).length };
    });
    assert.equal(got.picks, 0, 'every evaluation answered');
    assert.equal(got.violations, 1);
  }));

test('a Content-Security-Policy that forbids WebAssembly: a clear error naming wasm-unsafe-eval, asked once, nothing thrown', () =>
  withPolicy("script-src 'self'", async (page) => {
    const got = await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const client = await createClient({ snapshotUrl: '/flags/snapshot.json', retryDelay: 20, timeout: 500 });
      const heard = [], causes = [];
      client.on('error', (e) => (heard.push(e.message), causes.push(e.cause?.constructor.name)));
      await new Promise((r) => setTimeout(r, 1000)); // retries would have run by now
      const answer = client.findImplementation('AllowedPriorities', { user: { id: '1' } });
      await client.close();
      return { heard, causes, violations: window.__violations, ready: await client.ready, answer };
    });
    assert.equal(got.ready, false);
    assert.deepEqual(new Set(got.causes), new Set(['CompileError']), 'the runtime\'s refusal kept as the cause');
    assert.equal(got.answer, null);
    assert.ok(got.heard.length >= 1);
    for (const m of got.heard) assert.match(m, /Content-Security-Policy does not allow WebAssembly: add 'wasm-unsafe-eval' to script-src/);
    assert.equal(got.violations, 1, 'the page was asked once');
  }));

test('cache first: a reload starts from localStorage with the snapshot server silent, then revalidates with the ETag', () =>
  onBlankPage(async (page) => {
    const first = await page.evaluate(startClient, {});
    assert.equal(first.ready, true);
    const ifNoneMatch = [];
    await page.route(SNAPSHOT, (route) => {
      ifNoneMatch.push(route.request().headers()['if-none-match']);
      // Never answered: the page must not wait for it.
    });
    await page.reload();
    const t0 = Date.now();
    const second = await page.evaluate(startClient, { timeout: 10000 });
    assert.ok(Date.now() - t0 < 5000, 'ready from the cache, not after the timeout');
    assert.equal(second.ready, true);
    assert.equal(second.revision, first.revision);
    assert.equal(second.priorities, first.priorities);
    for (let i = 0; i < 100 && ifNoneMatch.length === 0; i++) await sleep(30); // the revalidation, sent after
    assert.equal(ifNoneMatch.length, 1);
    assert.match(ifNoneMatch[0], /^".+"$/);
  }));

test('exposures still queued when the page goes away leave by sendBeacon', () =>
  onBlankPage(async (page) => {
    const unit = `beacon-${Date.now()}`;
    await page.evaluate(startClient, { exposureUrl: '/flags/exposures', flushInterval: 0 });
    const impl = await page.evaluate((id) => window.__client.create('AllowedPriorities', { user: { id, plan: 'free' } }), unit);
    assert.equal(await page.evaluate(() => window.__client.stats.queued), 1);
    // Which way they leave, noted where the next page of this origin can
    // read it (the real sendBeacon still sends them).
    await page.evaluate(() => {
      const send = navigator.sendBeacon.bind(navigator);
      navigator.sendBeacon = (url, data) => {
        sessionStorage.setItem('beacon', JSON.stringify({ url, type: data.type }));
        return send(url, data);
      };
    });
    await page.goto(`${rt.server.url}/__blank`); // pagehide
    let mine = [];
    for (let i = 0; i < 100 && mine.length === 0; i++) {
      await sleep(50);
      mine = (await (await fetch(`${rt.server.url}/flags/exposures`)).json()).filter((e) => e.unit?.value === unit);
    }
    assert.equal(mine.length, 1);
    assert.equal(mine[0].feature, 'AllowedPriorities');
    assert.equal(mine[0].implementation, impl);
    assert.deepEqual(JSON.parse(await page.evaluate(() => sessionStorage.getItem('beacon'))), { url: '/flags/exposures', type: 'application/json' });
  }));

test("an 'exposure' listener hears each use once, with the event the sink receives, in the page", () =>
  onBlankPage(async (page) => {
    const unit = `listener-${Date.now()}`;
    await page.evaluate(startClient, { exposureUrl: '/flags/exposures', flushInterval: 0 });
    const heard = await page.evaluate(async (id) => {
      const heard = [];
      window.__client.on('exposure', (e) => heard.push(e));
      const user = { id, plan: 'free' };
      window.__client.create('AllowedPriorities', { user });
      window.__client.create('AllowedPriorities', { user });
      await window.__client.flush();
      return heard;
    }, unit);
    const sent = (await (await fetch(`${rt.server.url}/flags/exposures`)).json()).filter((e) => e.unit?.value === unit);
    assert.equal(heard.length, 1);
    assert.deepEqual(heard, sent);
  }));

test('a QA override from the page URL answers in the page, and its use leaves nothing behind (no exposure, no sticky assignment)', () =>
  onBlankPage(async (page) => {
    const unit = `override-${Date.now()}`;
    await page.goto(`${rt.server.url}/__blank?feats-edge.AllowedPriorities=three_priorities`);
    const got = await page.evaluate(async (id) => {
      // As an application would read it: the page's query, feats-edge.FEATURE=IMPLEMENTATION.
      const overrides = {};
      for (const [k, v] of new URLSearchParams(location.search)) if (k.startsWith('feats-edge.')) overrides[k.slice(11)] = v;
      const { createClient } = await import('/pkg/index.js');
      const client = await createClient({ snapshotUrl: '/flags/snapshot.json', exposureUrl: '/flags/exposures', refreshInterval: 0, flushInterval: 0, overrides });
      const user = { id, plan: 'free' };
      const before = Object.keys(localStorage).filter((k) => k.includes('sticky')).length;
      const answers = [client.create('AllowedPriorities', { user }), client.details('AllowedPriorities', { user }).reason];
      await client.flush();
      const after = Object.keys(localStorage).filter((k) => k.includes('sticky')).length;
      client.override('AllowedPriorities', null);
      const rules = client.findImplementation('AllowedPriorities', { user });
      await client.close();
      return { answers, stickyAdded: after - before, rules };
    }, unit);
    assert.deepEqual(got.answers, ['three_priorities', 'OVERRIDE']);
    assert.equal(got.stickyAdded, 0);
    assert.ok(['no_priority', 'two_priorities', 'three_priorities'].includes(got.rules), got.rules);
    const sent = (await (await fetch(`${rt.server.url}/flags/exposures`)).json()).filter((e) => e.unit?.value === unit);
    assert.deepEqual(sent, []);
  }));

/**
 * A slow uplink in front of the demo server: an origin of its own that
 * passes every request on, except that an exposure POST waits on `held`
 * (the gate set when it arrived) and is passed on only if the browser is
 * still there to be answered then; one the browser gave up is lost, as on
 * a link too slow to carry it before the page went away.
 */
async function slowUplink() {
  const link = { url: '', held: null, posts: 0, lost: 0, cut: null };
  let cut;
  link.cut = new Promise((r) => (cut = r)); // settles when the browser drops a held POST
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      if (req.method === 'POST' && req.url === '/flags/exposures') {
        link.posts++;
        res.on('close', () => res.writableFinished || cut());
        await link.held;
        if (res.destroyed) return link.lost++;
      }
      // As the demo server's own origin (it refuses POSTs from others).
      const to = new URL(req.url, rt.server.url);
      const headers = { ...req.headers, host: to.host, ...(req.headers.origin && { origin: to.origin }) };
      const out = request(to, { method: req.method, headers }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
      out.on('error', () => res.destroy());
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  link.url = `http://127.0.0.1:${server.address().port}`;
  link.close = () => new Promise((r) => (server.closeAllConnections(), server.close(r)));
  return link;
}

for (const how of ['navigates away', 'is closed']) {
  test(`an exposure POST under way when the page ${how} outlives the page (keepalive), and is sent once`, async () => {
    const link = await slowUplink();
    const page = await rt.browser.newPage();
    try {
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.route(`${link.url}/__blank`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
      await page.goto(`${link.url}/__blank`);
      const unit = `uplink-${Date.now()}`;
      await page.evaluate(startClient, { exposureUrl: '/flags/exposures', flushInterval: 0 });
      const held = gate();
      link.held = held.promise;
      await page.evaluate((id) => {
        window.__client.create('AllowedPriorities', { user: { id, plan: 'free' } });
        window.__client.flush(); // under way, not answered
      }, unit);
      assert.ok(await until(() => link.posts === 1), 'the POST reached the link');
      assert.deepEqual(errors, []);
      // Page hide with nothing queued and one POST under way.
      // (With runBeforeUnload, as a user closes a tab: close() resolves before the page is gone.)
      if (how === 'is closed') await Promise.all([page.waitForEvent('close'), page.close({ runBeforeUnload: true })]);
      else await page.goto(`${link.url}/__blank`);
      // A renderer going away drops its plain requests soon, not at once.
      await Promise.race([link.cut, sleep(1000)]);
      held.open();
      const mine = await until(async () => {
        const got = (await (await fetch(`${rt.server.url}/flags/exposures`)).json()).filter((e) => e.unit?.value === unit);
        return (got.length || link.lost) && got;
      });
      assert.equal(link.lost, 0, 'the browser gave the POST up with the page');
      assert.equal(mine.length, 1);
      assert.equal(link.posts, 1, 'sent again by the beacon of page hide');
    } finally {
      if (!page.isClosed()) await page.close();
      await link.close();
    }
  });
}

/**
 * Replaces the page's fetch: each POST is noted in `window.__posts`
 * ('keepalive' or 'plain'), and `refuse` picks those that fail: every
 * keepalive one (a network error), or the first (as aborted).
 * @param {'keepalive' | 'the first, as aborted'} refuse
 */
function notePosts(page, refuse) {
  return page.evaluate((refuse) => {
    const real = window.fetch;
    window.__posts = [];
    window.fetch = (url, init) => {
      if (init?.method !== 'POST') return real(url, init);
      window.__posts.push(init.keepalive ? 'keepalive' : 'plain');
      if (refuse === 'keepalive' && init.keepalive) return Promise.reject(new TypeError('Failed to fetch'));
      if (refuse !== 'keepalive' && window.__posts.length === 1) return Promise.reject(new DOMException('signal is aborted without reason', 'AbortError'));
      return real(url, init);
    };
  }, refuse);
}

test('where keepalive POSTs fail, the client retries them plain and sends plain for 5 minutes: nothing is lost', () =>
  onBlankPage(async (page) => {
    const tag = `nokeepalive-${Date.now()}`;
    // A browser whose keepalive requests fail before they leave (as some did
    // with a preflight), this page's fetch standing in for it.
    await notePosts(page, 'keepalive');
    await page.evaluate(startClient, { exposureUrl: '/flags/exposures', flushInterval: 0, retryDelay: 20 });
    const got = await page.evaluate(async (tag) => {
      const c = window.__client, errors = [];
      c.on('error', (e) => errors.push(e.message));
      const send = async (i) => {
        c.create('AllowedPriorities', { user: { id: `${tag}-${i}`, plan: 'free' } });
        await c.flush();
        for (let t = 0; t < 200 && c.stats.queued; t++) await new Promise((r) => setTimeout(r, 10));
      };
      for (let i = 0; i < 4; i++) await send(i);
      const before = window.__posts.splice(0);
      const real = Date.now;
      Date.now = () => real() + 300001; // 5 minutes later
      await send(4);
      return { before, after: window.__posts, stats: { ...c.stats, queued: c.stats.queued }, errors };
    }, tag);
    assert.deepEqual(got.before, ['keepalive', 'plain', 'plain', 'plain', 'plain']);
    assert.deepEqual(got.after, ['keepalive', 'plain']);
    assert.deepEqual(got.stats, { dropped: 0, sent: 5, failed: 0, queued: 0 });
    assert.equal(got.errors.length, 2);
    const mine = (await (await fetch(`${rt.server.url}/flags/exposures`)).json()).filter((e) => e.unit?.value.startsWith(`${tag}-`));
    assert.equal(mine.length, 5);
  }));

test('a page hidden sends by keepalive fetch, which hears a 503 and sends again (a beacon would not)', () =>
  onBlankPage(async (page) => {
    const tag = `hidden-${Date.now()}`;
    let posts = 0;
    await page.route('**/flags/exposures', (route) =>
      route.request().method() === 'POST' && ++posts === 1 ? route.fulfill({ status: 503, body: 'later' }) : route.continue());
    await page.evaluate(startClient, { exposureUrl: '/flags/exposures', flushInterval: 0, retryDelay: 20 });
    const got = await page.evaluate(async (tag) => {
      const c = window.__client;
      let beacons = 0;
      const send = navigator.sendBeacon.bind(navigator);
      navigator.sendBeacon = (u, d) => (beacons++, send(u, d));
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      c.create('AllowedPriorities', { user: { id: tag, plan: 'free' } });
      document.dispatchEvent(new Event('visibilitychange'));
      for (let i = 0; i < 200 && c.stats.sent < 1; i++) await new Promise((r) => setTimeout(r, 10));
      return { sent: c.stats.sent, queued: c.stats.queued, beacons };
    }, tag);
    assert.deepEqual(got, { sent: 1, queued: 0, beacons: 0 });
    assert.equal(posts, 2);
    const mine = (await (await fetch(`${rt.server.url}/flags/exposures`)).json()).filter((e) => e.unit?.value === tag);
    assert.equal(mine.length, 1);
  }));

test('an exposure POST answered with a redirect is not followed (it would arrive as a GET without the events): failed, and said', () =>
  onBlankPage(async (page) => {
    const seen = [];
    await page.route('**/flags/exposures', (route) => (seen.push(route.request().method()), route.fulfill({ status: 302, headers: { Location: '/__moved' } })));
    await page.route('**/__moved', (route) => (seen.push(`moved ${route.request().method()}`), route.fulfill({ status: 200, body: '<!doctype html>' })));
    await page.evaluate(startClient, { exposureUrl: '/flags/exposures', flushInterval: 0 });
    const got = await page.evaluate(async () => {
      const c = window.__client, errors = [];
      c.on('error', (e) => errors.push({ status: e.status, message: e.message }));
      c.create('AllowedPriorities', { user: { id: 'redirected', plan: 'free' } });
      await c.flush();
      return { stats: { ...c.stats }, errors };
    });
    assert.deepEqual(got.stats, { sent: 0, failed: 1, dropped: 0, queued: 0 });
    assert.equal(got.errors.length, 1);
    assert.equal(got.errors[0].status, 300);
    assert.match(got.errors[0].message, /answered a redirect \(exposures are not sent on to another URL; give exposureUrl the one it leads to\): 1 exposure event dropped \(stats\.failed\)$/);
    assert.deepEqual(seen, ['POST']);
  }));

test('a keepalive POST given up unanswered (after 30 s) is retried with keepalive: a slow link is no refusal', () =>
  onBlankPage(async (page) => {
    const tag = `slowlink-${Date.now()}`;
    // The page's fetch stands in for the 30 s abort: the first POST rejects as aborted.
    await notePosts(page, 'the first, as aborted');
    await page.evaluate(startClient, { exposureUrl: '/flags/exposures', flushInterval: 0, retryDelay: 20 });
    const got = await page.evaluate(async (tag) => {
      const c = window.__client;
      for (let i = 0; i < 2; i++) {
        c.create('AllowedPriorities', { user: { id: `${tag}-${i}`, plan: 'free' } });
        await c.flush();
        for (let t = 0; t < 200 && c.stats.queued; t++) await new Promise((r) => setTimeout(r, 10));
      }
      return { posts: window.__posts, sent: c.stats.sent };
    }, tag);
    assert.deepEqual(got, { posts: ['keepalive', 'keepalive', 'keepalive'], sent: 2 });
  }));

test('a page-hide fetch that never answers is given up after 30 s: the timer flushes send what waits', () =>
  onBlankPage(async (page) => {
    const tag = `hung-${Date.now()}`;
    let posts = 0;
    // The first exposure POST is never answered; sendBeacon refuses, so page hide falls back to fetch.
    await page.route('**/flags/exposures', (route) => (route.request().method() === 'POST' && ++posts === 1 ? undefined : route.continue()));
    // The page's clock is Playwright's: the 30 s pass at once.
    await page.clock.install();
    await page.evaluate(startClient, { exposureUrl: '/flags/exposures', flushInterval: 200 });
    await page.evaluate((tag) => {
      const c = window.__client;
      navigator.sendBeacon = () => false;
      let state = 'visible';
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      c.create('AllowedPriorities', { user: { id: `${tag}-0`, plan: 'free' } });
      state = 'hidden';
      document.dispatchEvent(new Event('visibilitychange')); // the fetch that hangs
      state = 'visible';
      document.dispatchEvent(new Event('visibilitychange'));
      c.create('AllowedPriorities', { user: { id: `${tag}-1`, plan: 'free' } });
    }, tag);
    for (let i = 0; i < 100 && posts === 0; i++) await sleep(20);
    await page.clock.runFor(5000);
    assert.deepEqual(await page.evaluate(() => ({ ...window.__client.stats })), { dropped: 0, sent: 0, failed: 0, queued: 2 }, 'held by the hung POST');
    let got;
    for (let i = 0; i < 60; i++) {
      await page.clock.runFor(1000);
      got = await page.evaluate(() => ({ sent: window.__client.stats.sent, queued: window.__client.stats.queued }));
      if (got.sent === 2) break;
    }
    assert.deepEqual(got, { sent: 2, queued: 0 });
    const mine = (await (await fetch(`${rt.server.url}/flags/exposures`)).json()).filter((e) => e.unit?.value.startsWith(`${tag}-`));
    assert.equal(mine.length, 2);
    assert.equal(posts >= 2, true);
  }));

test('a page visible again refetches the snapshot (304 with the same ETag)', () =>
  onBlankPage(async (page) => {
    await page.evaluate(startClient, { refreshInterval: 60000 });
    const statuses = [];
    page.on('response', (r) => r.url().endsWith('/flags/snapshot.json') && statuses.push(r.status()));
    // Headless Chromium keeps every page visible; the page's own
    // visibilityState is overridden so that the real event reaches the client.
    await page.evaluate(() => {
      let state = 'visible';
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      window.__setVisibility = (s) => {
        state = s;
        document.dispatchEvent(new Event('visibilitychange'));
      };
      window.__setVisibility('hidden');
      window.__setVisibility('visible');
    });
    for (let i = 0; i < 100 && statuses.length === 0; i++) await sleep(30);
    assert.deepEqual(statuses, [304]);
  }));

test('a cached entry whose ETag no header can carry is revalidated all the same (the ETag dropped)', () =>
  onBlankPage(async (page) => {
    const first = await page.evaluate(startClient, {});
    const key = 'feats-edge:snapshot:/flags/snapshot.json';
    await page.evaluate((k) => {
      const entry = JSON.parse(localStorage.getItem(k));
      localStorage.setItem(k, JSON.stringify({ text: entry.text, etag: 'a\nb' }));
    }, key);
    const asked = [];
    page.on('request', (r) => r.url().endsWith('/flags/snapshot.json') && asked.push(r.headers()['if-none-match'] ?? null));
    await page.reload();
    const second = await page.evaluate(startClient, { timeout: 5000 });
    assert.equal(second.revision, first.revision);
    for (let i = 0; i < 100 && asked.length === 0; i++) await sleep(30);
    assert.deepEqual(asked, [null], 'fetched, with no If-None-Match');
    assert.deepEqual(second.errors, []);
    // And the good answer replaced the corrupt entry.
    for (let i = 0; i < 100 && /\n/.test(await page.evaluate((k) => JSON.parse(localStorage.getItem(k)).etag ?? '\n', key)); i++) await sleep(30);
    assert.match(await page.evaluate((k) => JSON.parse(localStorage.getItem(k)).etag, key), /^".+"$/);
  }));

test('a snapshot the cache cannot take (quota) removes the stale entry instead of keeping it, and says so', () =>
  onBlankPage(async (page) => {
    await page.evaluate(startClient, {});
    const key = 'feats-edge:snapshot:/flags/snapshot.json';
    const left = await page.evaluate(async (k) => {
      window.__client.close();
      // The stored entry is from another revision (ETag "old"); writes of the snapshot now fail as over quota.
      localStorage.setItem(k, JSON.stringify({ text: '{"schema": 1, "revision": "old", "features": {}}', etag: '"old"' }));
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (name, value) {
        if (name === k) throw new DOMException('full', 'QuotaExceededError');
        return setItem.call(this, name, value);
      };
      const { createClient } = await import('/pkg/index.js');
      const client = await createClient({ snapshotUrl: '/flags/snapshot.json', refreshInterval: 0 });
      const errors = [];
      client.on('error', (e) => errors.push(e.message));
      for (let i = 0; i < 100 && client.revision === 'old'; i++) await new Promise((r) => setTimeout(r, 30));
      for (let i = 0; i < 100 && !errors.length; i++) await new Promise((r) => setTimeout(r, 30));
      const revision = client.revision;
      await client.close();
      Storage.prototype.setItem = setItem;
      return { revision, entry: localStorage.getItem(k), errors };
    }, key);
    assert.notEqual(left.revision, 'old', 'the network snapshot was loaded');
    assert.equal(left.entry, null, 'the stale entry is gone');
    assert.equal(left.errors.length, 1, JSON.stringify(left.errors));
    assert.match(left.errors[0], /^feats-edge: the snapshot \(\d+ characters\) did not fit in localStorage: returning visits wait for the network$/);
  }));

test('a page made visible during a Retry-After does not fetch again', () =>
  onBlankPage(async (page) => {
    await page.evaluate(startClient, { refreshInterval: 60000 });
    let asked = 0;
    await page.route(SNAPSHOT, (route) => (asked++, route.fulfill({ status: 429, headers: { 'Retry-After': '120' }, body: 'slow down' })));
    await page.evaluate(async () => {
      await window.__client.refresh();
      let state = 'visible';
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      for (let i = 0; i < 5; i++) {
        state = 'hidden';
        document.dispatchEvent(new Event('visibilitychange'));
        state = 'visible';
        document.dispatchEvent(new Event('visibilitychange'));
      }
    });
    await sleep(300);
    assert.equal(asked, 1);
  }));

test('a Content-Security-Policy that forbids WebAssembly: createClient resolves at once, not after its timeout', () =>
  withPolicy("script-src 'self'", async (page) => {
    const got = await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const made = createClient({ snapshotUrl: '/flags/snapshot.json', timeout: 60000 }).then((c) => (c.close(), 'resolved'));
      return Promise.race([made, new Promise((r) => setTimeout(() => r('still waiting'), 5000))]);
    });
    assert.equal(got, 'resolved');
  }));

test('a Content-Security-Policy that forbids WebAssembly, with a slow snapshot server: createClient resolves when the .wasm is refused', () =>
  withPolicy("script-src 'self'", async (page) => {
    // The snapshot answers after 4 s; the refusal comes long before.
    await page.route('**/flags/snapshot.json', async (route) => {
      await sleep(4000);
      await route.continue().catch(() => {});
    });
    const got = await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const t0 = performance.now();
      const made = createClient({ snapshotUrl: '/flags/snapshot.json', timeout: 60000 }).then((c) => (c.close(), 'resolved'));
      const how = await Promise.race([made, new Promise((r) => setTimeout(() => r('still waiting'), 2000))]);
      return { how, ms: performance.now() - t0 };
    });
    assert.equal(got.how, 'resolved', `after ${got.ms} ms`);
  }));

test('an event too big for a beacon does not hold back the others when the page goes away', () =>
  onBlankPage(async (page) => {
    const tag = `big-${Date.now()}`;
    await page.evaluate(startClient, { exposureUrl: '/flags/exposures', flushInterval: 0 });
    await page.evaluate((t) => {
      window.__client.create('AllowedPriorities', { user: { id: `${t}-`.padEnd(70000, 'x'), plan: 'free' } });
      for (let i = 0; i < 5; i++) window.__client.create('AllowedPriorities', { user: { id: `${t}-${i}`, plan: 'free' } });
    }, tag);
    // Hidden a while first (the big one's failed send is back at the head of the queue), then gone.
    await page.evaluate(async () => {
      let state = 'visible';
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      state = 'hidden';
      document.dispatchEvent(new Event('visibilitychange'));
      await new Promise((r) => setTimeout(r, 300));
      state = 'visible';
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.goto(`${rt.server.url}/__blank`); // pagehide
    let mine = [];
    for (let i = 0; i < 100 && mine.length < 5; i++) {
      await sleep(50);
      mine = (await (await fetch(`${rt.server.url}/flags/exposures`)).json()).filter((e) => /^big-\d+-\d$/.test(e.unit?.value ?? '') && e.unit.value.startsWith(tag));
    }
    assert.equal(mine.length, 5);
  }));

test("another script's beacon at page hide spends most of the keepalive quota: what is left of it still carries beacons (none arrived)", () =>
  onBlankPage(async (page) => {
    const tag = `shared-${Date.now()}`;
    // An analytics script whose listener runs first: a 40 KB beacon of its own.
    await page.evaluate(() => addEventListener('pagehide', () => navigator.sendBeacon('/__analytics', 'a'.repeat(40000))));
    await page.evaluate(startClient, { exposureUrl: '/flags/exposures', flushInterval: 0, maxBatch: 1000 });
    // 100 events of about 400 bytes: one beacon's worth that no longer fits
    // in the 24 KiB the other beacon leaves; halves of it do, until that is
    // spent too (the rest goes plain, and may die with the page).
    await page.evaluate((t) => {
      for (let i = 0; i < 100; i++) window.__client.create('AllowedPriorities', { user: { id: `${t}-${i}-`.padEnd(200, 'u'), plan: 'free' } });
    }, tag);
    await page.goto(`${rt.server.url}/__blank`); // pagehide
    let mine = [], still = 0;
    for (let i = 0; i < 100 && mine.length < 100 && still < 10; i++) {
      await sleep(50);
      const before = mine.length;
      mine = (await (await fetch(`${rt.server.url}/flags/exposures`)).json()).filter((e) => e.unit?.value?.startsWith(`${tag}-`));
      still = mine.length && mine.length === before ? still + 1 : 0;
    }
    assert.ok(mine.length >= 50, `${mine.length} of 100 arrived`);
  }));

test('a .wasm request that never answers is given up after 30 s and made again: the client loads', () =>
  onBlankPage(async (page) => {
    let wasmRequests = 0;
    await page.route(WASM, (route) => (++wasmRequests === 1 ? undefined : route.continue())); // the first hangs
    // The page's clock is Playwright's: the 30 s pass at once.
    await page.clock.install();
    await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      window.__heard = [];
      window.__made = createClient({ snapshotUrl: '/flags/snapshot.json', refreshInterval: 0, timeout: 500, retryDelay: 100 })
        .then((c) => (c.on('error', (e) => window.__heard.push(e.message)), (window.__client = c)));
    });
    for (let i = 0; i < 100 && wasmRequests === 0; i++) await sleep(20);
    assert.equal(wasmRequests, 1);
    await page.clock.runFor(1000); // createClient's timeout
    assert.equal(await page.evaluate(async () => (await window.__made).revision), null, 'nothing loaded yet');
    await page.clock.runFor(30_000); // the .wasm request given up
    let revision = null;
    for (let i = 0; i < 100 && !revision; i++) {
      await page.clock.runFor(1000); // retries' backoff
      revision = await page.evaluate(() => window.__client.revision);
    }
    await page.evaluate(() => window.__client.close());
    assert.match(revision ?? '', /\S/, 'loaded after the first .wasm request was given up');
    assert.equal(wasmRequests, 2);
    const heard = await page.evaluate(() => window.__heard);
    assert.match(heard.join('\n'), /^feats-edge: http:\/\/127\.0\.0\.1:\d+\/pkg\/gen\/feats_edge_bg\.wasm did not load within 30 s$/m);
  }));

/**
 * Runs `body(a, b, first)` on two blank pages of the demo's origin (two
 * tabs sharing localStorage, emptied first), each with a client of the
 * demo's snapshot (`first`: what tab A loaded); no page may raise an
 * error. Closes both after.
 */
async function inTwoTabs(body) {
  const [a, b] = [await rt.browser.newPage(), await rt.browser.newPage()];
  const errors = [];
  try {
    const blank = (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' });
    for (const p of [a, b]) {
      p.on('pageerror', (e) => errors.push(e.message));
      await p.route(`${rt.server.url}/__blank`, blank);
      await p.goto(`${rt.server.url}/__blank`);
    }
    await a.evaluate(() => localStorage.clear());
    const first = await a.evaluate(startClient, {});
    await b.evaluate(startClient, {});
    await body(a, b, first);
    assert.deepEqual(errors, []);
  } finally {
    for (const p of [a, b]) await p.evaluate(() => window.__client?.close()).catch(() => {});
    await a.close();
    await b.close();
  }
}

test('another tab\'s newer snapshot is loaded at once from the cache it writes, without a fetch of its own', () =>
  inTwoTabs(async (a, b, first) => {
    // Tab B started from the cache, and revalidates it: that fetch done
    // first (on a busy machine it was still to start when counting began).
    await b.evaluate(() => window.__client.refresh());
    let fetchedByB = 0;
    b.on('request', (r) => r.url().endsWith('/flags/snapshot.json') && fetchedByB++);
    await b.evaluate(() => {
      window.__updates = [];
      window.__client.on('update', (e) => window.__updates.push(e.revision));
    });
    // Tab A fetches a newer snapshot (and caches it).
    const newer = JSON.parse(await (await fetch(`${rt.server.url}/flags/snapshot.json`)).text());
    newer.revision = `${first.revision}+tab`;
    await a.route(SNAPSHOT, (route) => route.fulfill({ contentType: 'application/json', headers: { ETag: '"tab"' }, body: JSON.stringify(newer) }));
    await a.evaluate(() => window.__client.refresh());
    assert.equal(await a.evaluate(() => window.__client.revision), newer.revision);
    await until(() => b.evaluate(() => window.__updates.length > 0), 5000); // (the assertions below say what is missing)
    assert.deepEqual(await b.evaluate(() => [window.__updates, window.__client.revision]), [[newer.revision], newer.revision]);
    assert.equal(fetchedByB, 0, 'tab B fetched nothing');
    // Its next poll revalidates the ETag it was given.
    let asked;
    await b.route(SNAPSHOT, (route) => ((asked = route.request().headers()['if-none-match']), route.fulfill({ status: 304, headers: { ETag: '"tab"' } })));
    await b.evaluate(() => window.__client.refresh());
    assert.equal(asked, '"tab"');
  }));

test('a slower tab\'s older answer is not loaded over a newer snapshot another tab cached, in either tab', () =>
  inTwoTabs(async (a, b, first) => {
    for (const p of [a, b]) {
      await p.evaluate(() => {
        window.__updates = [];
        window.__client.on('update', (e) => window.__updates.push(e.revision));
      });
    }
    const base = JSON.parse(await (await fetch(`${rt.server.url}/flags/snapshot.json`)).text());
    const version = (name) => JSON.stringify({ ...base, revision: `${first.revision}+${name}` });
    // Tab A's fetch starts first and is answered last, with the older snapshot.
    let release, asked;
    const held = new Promise((r) => (release = r));
    const seen = new Promise((r) => (asked = r));
    await a.route(SNAPSHOT, async (route) => (asked(), await held, route.fulfill({ contentType: 'application/json', headers: { ETag: '"old"' }, body: version('old') })));
    const slow = a.evaluate(() => window.__client.refresh());
    await seen;
    await sleep(20); // (the two fetches start in different milliseconds)
    await b.route(SNAPSHOT, (route) => route.fulfill({ contentType: 'application/json', headers: { ETag: '"new"' }, body: version('new') }));
    await b.evaluate(() => window.__client.refresh());
    await until(() => a.evaluate(() => window.__updates.length > 0), 5000); // (tab A's update from the cache)
    release();
    await slow;
    await sleep(200); // (a storage event from A, had it cached the old one, would have reached B)
    const state = async (p) => p.evaluate(() => [window.__client.revision, window.__updates]);
    assert.deepEqual(await state(a), [`${first.revision}+new`, [`${first.revision}+new`]]);
    assert.deepEqual(await state(b), [`${first.revision}+new`, [`${first.revision}+new`]]);
  }));

test('a .wasm download that fails is reported under the .wasm\'s URL, not the snapshot\'s', () =>
  onBlankPage(async (page) => {
    await page.route(WASM, (route) => route.abort('connectionreset'));
    const got = await page.evaluate(startClient, { timeout: 500 });
    assert.equal(got.revision, null);
    assert.ok(got.errors.length >= 1, JSON.stringify(got.errors));
    for (const e of got.errors) assert.match(e, /^feats-edge: http:\/\/127\.0\.0\.1:\d+\/pkg\/gen\/feats_edge_bg\.wasm: Failed to fetch$/);
  }));

test('a snapshot URL that redirects is followed by the browser: one request to it per fetch, with a headers option too', () =>
  onBlankPage(async (page) => {
    let asked = 0;
    await page.route('**/flags/moved.json', (route) => (asked++, route.fulfill({ status: 302, headers: { Location: '/flags/snapshot.json' } })));
    const got = await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const revisions = [];
      for (const headers of [undefined, { 'X-Team': 'web' }]) {
        // (No cache: each client fetches before it resolves.)
        const client = await createClient({ snapshotUrl: `${location.origin}/flags/moved.json`, refreshInterval: 0, storageKey: null, headers });
        revisions.push(client.revision);
        await client.close();
      }
      return revisions;
    });
    assert.equal(got.length, 2);
    for (const revision of got) assert.match(String(revision), /\S/);
    assert.equal(asked, 2, 'one request to the redirecting URL for each client');
  }));

test('a relative snapshotUrl in a srcdoc frame resolves against the document\'s base URL, as fetch does', () =>
  onBlankPage(async (page) => {
    const got = await page.evaluate(async () => {
      const frame = document.createElement('iframe');
      frame.srcdoc = '<!doctype html><title>frame</title>';
      await new Promise((r) => ((frame.onload = r), document.body.append(frame)));
      const w = /** @type {any} */ (frame.contentWindow);
      const run = w.eval(`(async () => {
        const { createClient } = await import('/pkg/index.js');
        const errors = [];
        const client = await createClient({ snapshotUrl: 'flags/snapshot.json', refreshInterval: 0 });
        client.on('error', (e) => errors.push(e.message));
        const out = { href: location.href, revision: client.revision, errors };
        client.close();
        return out;
      })()`);
      return run;
    });
    assert.equal(got.href, 'about:srcdoc');
    assert.deepEqual(got.errors, []);
    assert.match(got.revision, /\S/);
  }));

test('a stale tab whose fetch is answered while another tab caches a later one loads that one and is no longer stale', () =>
  inTwoTabs(async (a, b, first) => {
    await a.evaluate(() => {
      window.__log = [];
      for (const type of ['update', 'stale', 'recovered']) window.__client.on(type, (e) => window.__log.push(type));
    });
    // The origin fails tab A, asking it to wait two minutes: stale. (Without
    // the Retry-After, the retry after a backoff of up to a second could
    // come before the fetch held below, get the origin's 304 and recover.)
    await a.route(SNAPSHOT, (route) => route.fulfill({ status: 503, headers: { 'Retry-After': '120' }, body: 'down' }));
    await a.evaluate(() => window.__client.refresh());
    assert.equal(await a.evaluate(() => window.__client.stale), true);
    await a.unroute(SNAPSHOT);
    // It is back: tab A's next fetch is answered (a 304) after tab B's later one cached a newer snapshot.
    const base = JSON.parse(await (await fetch(`${rt.server.url}/flags/snapshot.json`)).text());
    let release, asked;
    const held = new Promise((r) => (release = r));
    const seen = new Promise((r) => (asked = r));
    await a.route(SNAPSHOT, async (route) => (asked(), await held, route.fulfill({ status: 304, headers: { ETag: route.request().headers()['if-none-match'] ?? '"x"' } })));
    const slow = a.evaluate(() => window.__client.refresh());
    await seen;
    await sleep(20); // (the two fetches start in different milliseconds)
    await b.route(SNAPSHOT, (route) => route.fulfill({ contentType: 'application/json', headers: { ETag: '"new"' }, body: JSON.stringify({ ...base, revision: `${first.revision}+new` }) }));
    await b.evaluate(() => window.__client.refresh());
    await until(() => a.evaluate(() => window.__log.includes('update')), 5000);
    release();
    await slow;
    assert.deepEqual(await a.evaluate(() => [window.__client.revision, window.__client.stale, window.__log]),
      [`${first.revision}+new`, false, ['stale', 'update', 'recovered']]);
  }));

test('a stale tab that loads a snapshot another tab fetched after its own fetch failed is no longer stale', () =>
  inTwoTabs(async (a, b, first) => {
    await b.evaluate(() => {
      window.__log = [];
      for (const type of ['update', 'stale', 'recovered']) window.__client.on(type, () => window.__log.push(type));
    });
    // The origin fails tab B, asking it to wait two minutes: stale. (Tab B
    // started from A's cached snapshot and may still be revalidating it:
    // a 304 to that earlier fetch, answered after the 503, confirms nothing.)
    await b.route(SNAPSHOT, (route) => route.fulfill({ status: 503, headers: { 'Retry-After': '120' }, body: 'down' }));
    await b.evaluate(() => window.__client.refresh());
    assert.equal(await b.evaluate(() => window.__client.stale), true);
    // It is back: tab A's fetch, started after B's failed, brings a newer snapshot and caches it.
    const base = JSON.parse(await (await fetch(`${rt.server.url}/flags/snapshot.json`)).text());
    await sleep(20); // (the two fetches start in different milliseconds)
    await a.route(SNAPSHOT, (route) => route.fulfill({ contentType: 'application/json', headers: { ETag: '"new"' }, body: JSON.stringify({ ...base, revision: `${first.revision}+new` }) }));
    await a.evaluate(() => window.__client.refresh());
    await until(() => b.evaluate(() => window.__log.includes('update')), 5000);
    assert.deepEqual(await b.evaluate(() => [window.__client.revision, window.__client.stale, window.__log]),
      [`${first.revision}+new`, false, ['stale', 'update', 'recovered']]);
  }));

test('a fetch that fails while another tab caches a later fetch\'s snapshot leaves the tab serving that one, not stale', () =>
  inTwoTabs(async (a, b, first) => {
    await b.evaluate(() => {
      window.__log = [];
      for (const type of ['update', 'stale', 'recovered']) window.__client.on(type, () => window.__log.push(type));
    });
    // Tab B's fetch hangs, then fails with no answer, after tab A's later one cached a newer snapshot.
    const base = JSON.parse(await (await fetch(`${rt.server.url}/flags/snapshot.json`)).text());
    let release, asked;
    const held = new Promise((r) => (release = r));
    const seen = new Promise((r) => (asked = r));
    await b.route(SNAPSHOT, async (route) => (asked(), await held, route.abort('connectionreset')));
    const slow = b.evaluate(() => window.__client.refresh());
    await seen;
    await sleep(20); // (the two fetches start in different milliseconds)
    await a.route(SNAPSHOT, (route) => route.fulfill({ contentType: 'application/json', headers: { ETag: '"new"' }, body: JSON.stringify({ ...base, revision: `${first.revision}+new` }) }));
    await a.evaluate(() => window.__client.refresh());
    await until(() => b.evaluate(() => window.__log.includes('update')), 5000);
    release();
    await slow;
    assert.deepEqual(await b.evaluate(() => [window.__client.revision, window.__client.stale, window.__log]),
      [`${first.revision}+new`, false, ['update']]);
  }));

test('a kill switch reaches open and new pages through a host that sends Last-Modified and no ETag (the HTTP cache is asked to revalidate)', async () => {
  // A plain static host: Last-Modified ten days back, no ETag, no
  // Cache-Control. Chromium then keeps the answer fresh by heuristic for
  // a day (a tenth of its age): polls and later pages got the copy.
  const snap = (enabled, revision) => JSON.stringify({ schema: 1, revision, segments: { UserId: { from: { user: '{id}' } } },
    features: { Checkout: { inputs: ['user'], implementations: ['classic', 'broken'], default: 'classic', enabled, rules: [{ serve: 'broken' }] } } });
  let body = snap(true, 'r1');
  const modified = new Date(Date.now() - 10 * 86400e3).toUTCString();
  const server = createServer((req, res) => {
    if (req.url === '/flags.json') return res.writeHead(200, { 'content-type': 'application/json', 'last-modified': modified }).end(body);
    if (req.url === '/__blank') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>blank</title>');
    serveFile(req, res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  // (No page.route here: routing turns the browser's HTTP cache off.)
  const open = async () => {
    const page = await rt.browser.newPage();
    await page.goto(`${url}/__blank`);
    await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      window.__client = await createClient({ snapshotUrl: '/flags.json', refreshInterval: 200, storageKey: null });
    });
    return page;
  };
  const checkout = (page) => page.evaluate(() => [window.__client.revision, window.__client.findImplementation('Checkout', { user: { id: '1' } })]);
  const pages = [];
  try {
    pages.push(await open());
    assert.deepEqual(await checkout(pages[0]), ['r1', 'broken']);
    body = snap(false, 'r2'); // the kill switch, published
    const killed = await until(async () => (await checkout(pages[0]))[0] === 'r2', 5000, 50);
    assert.ok(killed, 'the open page kept the snapshot from before the kill');
    pages.push(await open());
    assert.deepEqual(await checkout(pages[1]), ['r2', 'classic'], 'a page opened after the kill rendered the killed implementation');
  } finally {
    for (const p of pages) await p.close();
    server.close();
  }
});

test('maxAge: a page opened after a kill switch does not start from a cached snapshot fetched longer ago than that; without it, it does', async () => {
  const snap = (enabled, revision) => JSON.stringify({ schema: 1, revision, segments: {},
    features: { Checkout: { inputs: [], implementations: ['classic', 'broken'], default: 'classic', enabled, rules: [{ serve: 'broken' }] } } });
  let body = snap(true, 'r1');
  const server = createServer((req, res) => {
    if (req.url === '/flags.json') {
      const etag = `"${JSON.parse(body).revision}"`, text = body;
      // Answered late, so that a cache-first page closes before its
      // revalidation could cache what is newer.
      return void setTimeout(() => {
        if (req.headers['if-none-match'] === etag) return res.writeHead(304, { etag }).end();
        res.writeHead(200, { 'content-type': 'application/json', etag }).end(text);
      }, 200);
    }
    if (req.url === '/__blank') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>blank</title>');
    serveFile(req, res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  /** A new page's client (polling off): what its first render sees. */
  const firstRender = async (o) => {
    const page = await rt.browser.newPage();
    try {
      await page.goto(`${url}/__blank`);
      return await page.evaluate(async (o) => {
        const { createClient } = await import('/pkg/index.js');
        const c = await createClient({ snapshotUrl: '/flags.json', refreshInterval: 0, ...o });
        const seen = `${c.revision} ${c.findImplementation('Checkout', {})}`;
        c.close();
        return seen;
      }, o);
    } finally {
      await page.close();
    }
  };
  try {
    assert.equal(await firstRender({}), 'r1 broken'); // cached in localStorage
    body = snap(false, 'r2'); // the kill switch, published
    await sleep(300);
    // (The next page's revalidation would cache r2: the cache-first page comes first.)
    assert.equal(await firstRender({}), 'r1 broken', 'cache first, whatever its age');
    assert.equal(await firstRender({ maxAge: 100 }), 'r2 classic', 'started from a cached snapshot older than maxAge');
    // A cached snapshot younger than maxAge is started from, as before.
    body = snap(true, 'r3');
    assert.equal(await firstRender({ maxAge: 60_000 }), 'r2 classic');
  } finally {
    server.close();
  }
});
test('a sink that answers 413 to large bodies gets the batch again in halves: every event but one too large alone arrives', () =>
  onBlankPage(async (page) => {
    const bodies = [];
    await page.route('**/flags/exposures', (route) => {
      const body = route.request().postData() ?? '';
      const status = Buffer.byteLength(body) > 1500 ? 413 : 204;
      bodies.push({ status, events: JSON.parse(body).events });
      return route.fulfill({ status });
    });
    const got = await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const client = await createClient({ snapshotUrl: '/flags/snapshot.json', exposureUrl: '/flags/exposures', refreshInterval: 0, flushInterval: 0, maxBatch: 50 });
      const errors = [];
      client.on('error', (e) => errors.push(String(e.message)));
      for (let i = 0; i < 30; i++) client.create('AllowedPriorities', { user: { id: 'u' + i } });
      client.create('AllowedPriorities', { user: { id: 'x'.repeat(3000) } });
      await client.flush();
      await client.flush();
      const stats = { ...client.stats };
      client.close();
      return { stats, errors };
    });
    const delivered = bodies.filter((b) => b.status === 204).flatMap((b) => b.events.map((e) => e.unit.value));
    assert.deepEqual(delivered, Array.from({ length: 30 }, (_, i) => 'u' + i));
    assert.deepEqual(got.stats, { dropped: 0, sent: 30, failed: 1, queued: 0 });
    assert.equal(got.errors.filter((m) => /answered 413: 1 exposure event dropped/.test(m)).length, 1, got.errors.join('\n'));
  }));
