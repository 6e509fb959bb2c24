// Browser behaviour under Node, with stand-ins for document, localStorage,
// navigator.sendBeacon and window events (this file runs in its own process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { recordingServer, startServer, until, longBackoff } from '../helpers/server.js';
import { snapshot, ctx } from '../helpers/snapshot.js';

/** A Storage over a Map. */
class MemoryStorage {
  #m = new Map();
  getItem(k) { return this.#m.has(k) ? this.#m.get(k) : null; }
  setItem(k, v) { this.#m.set(k, String(v)); }
  removeItem(k) { this.#m.delete(k); }
  clear() { this.#m.clear(); }
  get length() { return this.#m.size; }
  key(i) { return [...this.#m.keys()][i] ?? null; }
}

const windowEvents = new EventTarget();
const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
const beacons = [];
let beaconAnswer = true;
globalThis.document = document;
globalThis.localStorage = new MemoryStorage();
globalThis.addEventListener = windowEvents.addEventListener.bind(windowEvents);
globalThis.removeEventListener = windowEvents.removeEventListener.bind(windowEvents);
Object.defineProperty(globalThis, 'navigator', {
  configurable: true,
  value: { sendBeacon: (url, data) => (beacons.push({ url, data }), beaconAnswer) },
});
const { createClient } = await import('feats-edge');

/** The page hidden while the browser refuses every beacon. */
function hideRefusingBeacons() {
  beaconAnswer = false;
  try {
    windowEvents.dispatchEvent(new Event('pagehide'));
  } finally {
    beaconAnswer = true;
  }
}

const setVisibility = (state) => {
  document.visibilityState = state;
  document.dispatchEvent(new Event('visibilitychange'));
};

/** Kept events for `units`, as a page going away leaves them. */
const keptValue = (...units) => JSON.stringify({ events: units.map((value) => ({ feature: 'Split', implementation: 'on', unit: { segment: 'UserId', value } })) });

/** The time part of a kept key written `ago` ms ago: base 36, 9 digits. */
const keptTime = (ago) => (Date.now() - ago).toString(36).padStart(9, '0');

/** The localStorage keys that start with `start`. */
const keysFrom = (start) => Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i)).filter((k) => k.startsWith(start));

/** The unit values of the events kept under the keys that start with `start`, key by key. */
const keptUnits = (start) => keysFrom(start).flatMap((k) => JSON.parse(localStorage.getItem(k)).events.map((e) => e.unit.value));

test('cache first: a returning visitor starts from localStorage at once, then revalidates with its ETag', async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  // First visit: loads from the network and caches.
  const first = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  assert.equal(first.revision, 'r1');
  await first.close();
  const cached = JSON.parse(localStorage.getItem('feats-edge:snapshot:' + srv.snapshotUrl));
  assert.equal(cached.etag, '"v1"');
  assert.equal(JSON.parse(cached.text).revision, 'r1');

  // Second visit with the server hanging: ready at once from the cache.
  srv.state.mode = 'hang';
  const second = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, timeout: 5000 });
  assert.equal(second.revision, 'r1');
  assert.equal(second.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');
  await until(() => srv.state.snapshotRequests.length === 2, 3000, 'the revalidation');
  assert.equal(srv.state.snapshotRequests[1].headers['if-none-match'], '"v1"');
  await second.close();

  // A custom storageKey keeps its own cache.
  srv.state.mode = 'ok';
  const other = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, storageKey: 'app:' });
  assert.equal(srv.state.snapshotRequests.at(-1).headers['if-none-match'], undefined);
  assert.ok(localStorage.getItem('app:snapshot:' + srv.snapshotUrl));
  await other.close();
});

test('a cached entry whose ETag no header can carry (a corrupt value) starts the page all the same, and its revalidation goes without it', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r2'), etag: '"v2"' });
  t.after(() => srv.close());
  for (const etag of ['"v1"\n"v0"', '"\u20ac"', { tag: '"v1"' }]) {
    localStorage.clear();
    localStorage.setItem('feats-edge:snapshot:' + srv.snapshotUrl, JSON.stringify({ text: JSON.stringify(snapshot('r1')), etag, at: Date.now() }));
    const errors = [];
    const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
    client.on('error', (e) => errors.push(e.message));
    assert.equal(client.revision, 'r1', 'started from the cache');
    await client.refresh();
    assert.equal(client.revision, 'r2', JSON.stringify(etag));
    assert.equal(srv.state.snapshotRequests.at(-1).headers['if-none-match'], undefined);
    assert.deepEqual(errors, []);
    await client.close();
  }
});

test('sticky assignments persist in localStorage across clients', async () => {
  localStorage.clear();
  const a = await createClient({ snapshot: snapshot('r1') });
  a.usedImplementation('Random', 'b', ctx('visitor'));
  await a.close();
  assert.equal(localStorage.getItem('feats-edge:sticky:exp/visitor'), 'b');
  const b = await createClient({ snapshot: snapshot('r1') });
  assert.equal(b.details('Random', ctx('visitor')).reason, 'STICKY');
  for (let i = 0; i < 20; i++) assert.equal(b.findImplementation('Random', ctx('visitor')), 'b');
  await b.close();
});

test('localStorage keeps at most 1 000 sticky keys, the first written forgotten first', async () => {
  localStorage.clear();
  const c = await createClient({ snapshot: snapshot('r1') });
  for (let i = 0; i < 1005; i++) c.usedImplementation('Random', 'b', ctx(`v${i}`));
  // The same key again is no new key.
  for (let i = 0; i < 3; i++) c.usedImplementation('Random', 'b', ctx('v1004'));
  await c.close();
  const kept = [...Array(1005).keys()].filter((i) => localStorage.getItem(`feats-edge:sticky:exp/v${i}`) === 'b');
  assert.equal(kept.length, 1000);
  assert.deepEqual(kept.slice(0, 2), [5, 6], 'the first five are gone');
  assert.equal(JSON.parse(localStorage.getItem('feats-edge:sticky:#')).length, 1000);
  // A later client of the page still finds the newest.
  const d = await createClient({ snapshot: snapshot('r1') });
  assert.equal(d.details('Random', ctx('v1004')).reason, 'STICKY');
  await d.close();
});

test('sticky keys in localStorage: the first written forgotten first, one used again included, after a reload too, whatever order the storage lists its keys in', async (t) => {
  // (Browsers list an origin's keys in an order of their own: Chromium's
  // is not the order written. This one lists them backwards.)
  class Backwards extends MemoryStorage {
    key(i) { return super.key(this.length - 1 - i); }
  }
  const page = globalThis.localStorage;
  globalThis.localStorage = new Backwards();
  t.after(() => { globalThis.localStorage = page; });
  const first = await createClient({ snapshot: snapshot('r1') });
  for (let i = 0; i < 1000; i++) first.usedImplementation('Random', 'b', ctx(`v${i}`));
  // Used again: still the first written.
  assert.equal(first.details('Random', ctx('v0')).reason, 'STICKY');
  first.usedImplementation('Random', 'b', ctx('v0'));
  await first.close();
  // The page reloaded: its next key pushes out the first written.
  const next = await createClient({ snapshot: snapshot('r1') });
  next.usedImplementation('Random', 'a', ctx('new'));
  await next.close();
  assert.deepEqual(['v0', 'v1', 'v999', 'new'].map((id) => localStorage.getItem(`feats-edge:sticky:exp/${id}`)), [null, 'b', 'b', 'a']);
  assert.equal(JSON.parse(localStorage.getItem('feats-edge:sticky:#')).length, 1000);
});

test('sticky keys an earlier version wrote without a list of them are bounded too, forgotten before newer ones', async () => {
  localStorage.clear();
  // As a version without the bound left them: 3 000 assignments, no list.
  for (let i = 0; i < 3000; i++) localStorage.setItem(`feats-edge:sticky:exp/old${i}`, 'b');
  localStorage.setItem('feats-edge:sticky:exp/gone', '(none)');
  localStorage.setItem('feats-edge:sticky:notes', 'the application\'s, not an assignment');
  const c = await createClient({ snapshot: snapshot('r1') });
  assert.equal(c.details('Random', ctx('old2999')).reason, 'STICKY', 'read as before');
  c.usedImplementation('Random', 'a', ctx('new'));
  await c.close();
  const keys = [...Array(localStorage.length).keys()].map((i) => localStorage.key(i)).filter((k) => k.startsWith('feats-edge:sticky:exp/'));
  assert.equal(keys.length, 1000, `${keys.length} assignments kept`);
  assert.equal(localStorage.getItem('feats-edge:sticky:exp/new'), 'a');
  assert.equal(localStorage.getItem('feats-edge:sticky:exp/old2999'), 'b', 'the last 999 the storage lists stay');
  assert.equal(localStorage.getItem('feats-edge:sticky:notes'), 'the application\'s, not an assignment');
  assert.equal(JSON.parse(localStorage.getItem('feats-edge:sticky:#')).length, 1000);
});

test('an application\'s own keys under the sticky prefix (an empty storageKey) are no sticky keys: never counted against the bound nor removed; the earlier version\'s assignments beside them are', async () => {
  localStorage.clear();
  // The application's, first written: a key without a slash, values no
  // implementation name can be; and after, one outside the prefix.
  const own = { 'sticky:theme': 'dark', 'sticky:draft/1': 'hello world', 'sticky:draft/2': 'dark mode!', 'sticky:draft/3': '', 'settings/ui': 'compact' };
  for (const [k, v] of Object.entries(own)) if (k !== 'settings/ui') localStorage.setItem(k, v);
  // As a version without the bound left them: 1 500 assignments, no list.
  for (let i = 0; i < 1500; i++) localStorage.setItem(`sticky:exp/old${i}`, 'aperture');
  localStorage.setItem('settings/ui', own['settings/ui']);
  const c = await createClient({ snapshot: snapshot('r1'), storageKey: '' });
  c.usedImplementation('Random', 'a', ctx('new'));
  await c.close();
  for (const [k, v] of Object.entries(own)) assert.equal(localStorage.getItem(k), v, k);
  const keys = [...Array(localStorage.length).keys()].map((i) => localStorage.key(i)).filter((k) => k.startsWith('sticky:exp/'));
  assert.equal(keys.length, 1000, `${keys.length} assignments kept`);
  assert.deepEqual([localStorage.getItem('sticky:exp/old500'), localStorage.getItem('sticky:exp/old501')], [null, 'aperture'], 'the first written forgotten first');
  assert.equal(localStorage.getItem('sticky:exp/new'), 'a');
  assert.deepEqual(JSON.parse(localStorage.getItem('sticky:#')), [...keys.slice(0, -1).map((k) => k.slice('sticky:'.length)), 'exp/new']);
});

test('a quota that an earlier version filled with sticky keys makes room for the next one', async (t) => {
  /** A Storage that refuses a new key past 3 001 (the quota). */
  class FullStorage extends MemoryStorage {
    setItem(k, v) {
      if (this.getItem(k) === null && this.length >= 3001) throw new DOMException('quota', 'QuotaExceededError');
      super.setItem(k, v);
    }
  }
  const page = globalThis.localStorage;
  t.after(() => (globalThis.localStorage = page));
  globalThis.localStorage = new FullStorage();
  for (let i = 0; i < 3001; i++) localStorage.setItem(`feats-edge:sticky:exp/old${i}`, 'b');
  const c = await createClient({ snapshot: snapshot('r1') });
  c.usedImplementation('Random', 'a', ctx('new'));
  await c.close();
  assert.equal(localStorage.getItem('feats-edge:sticky:exp/new'), 'a', 'written');
  assert.equal(localStorage.length, 1001, 'the 1 000 newest and their list');
  // The next visit reads it.
  const d = await createClient({ snapshot: snapshot('r1') });
  assert.equal(d.details('Random', ctx('new')).reason, 'STICKY');
  await d.close();
});

test('localStorage keeps at most 250 000 characters of sticky keys: long unit ids do not fill its quota', async () => {
  localStorage.clear();
  const c = await createClient({ snapshot: snapshot('r1') });
  // 4 500-character ids (a token as the unit): 548 of them filled Chromium's quota.
  const id = (i) => `token-${i}-`.padEnd(4500, 'x');
  for (let i = 0; i < 300; i++) c.usedImplementation('Random', 'b', ctx(id(i)));
  await c.close();
  const order = JSON.parse(localStorage.getItem('feats-edge:sticky:#'));
  const chars = order.reduce((n, k) => n + k.length, 0);
  assert.ok(chars <= 250000, `${chars} characters of sticky keys`);
  const kept = [...Array(300).keys()].filter((i) => localStorage.getItem(`feats-edge:sticky:exp/${id(i)}`) === 'b');
  assert.deepEqual(kept, [...Array(order.length).keys()].map((i) => 300 - order.length + i), 'the newest are kept, the list says which');
  assert.ok(kept.length > 50, `${kept.length} kept`);
  // The newest stays for the page's next client.
  const d = await createClient({ snapshot: snapshot('r1') });
  assert.equal(d.details('Random', ctx(id(299))).reason, 'STICKY');
  await d.close();
});

test('sticky keys of exactly 250 000 characters stay in localStorage, one character more forgets the first written; a newest key longer than all that stays till the next', async () => {
  const unit = (key) => key.slice('exp/'.length);
  for (const [extra, first] of [[0, 'a'], [1, null]]) {
    localStorage.clear();
    const c = await createClient({ snapshot: snapshot('r1') });
    // (Counted as listed: `<experiment>/<unit>`.)
    const [one, two] = ['exp/1-'.padEnd(125_000, 'x'), 'exp/2-'.padEnd(125_000 + extra, 'x')];
    c.usedImplementation('Random', 'a', ctx(unit(one)));
    c.usedImplementation('Random', 'b', ctx(unit(two)));
    await c.close();
    assert.deepEqual([one, two].map((k) => localStorage.getItem(`feats-edge:sticky:${k}`)), [first, 'b'], `${250_000 + extra} characters`);
  }
  localStorage.clear();
  const c = await createClient({ snapshot: snapshot('r1') });
  const huge = 'exp/'.padEnd(250_001, 'x');
  c.usedImplementation('Random', 'a', ctx(unit(huge)));
  assert.equal(localStorage.getItem(`feats-edge:sticky:${huge}`), 'a', 'the newest stays, however long');
  assert.deepEqual(JSON.parse(localStorage.getItem('feats-edge:sticky:#')), [huge]);
  c.usedImplementation('Random', 'b', ctx('next'));
  await c.close();
  assert.equal(localStorage.getItem(`feats-edge:sticky:${huge}`), null, 'forgotten by the next');
  assert.deepEqual(JSON.parse(localStorage.getItem('feats-edge:sticky:#')), ['exp/next']);
});

test('a list of sticky keys holding values that are no keys (another script wrote it): they count no characters, and no key is removed for them', async () => {
  localStorage.clear();
  const key = 'exp/1-'.padEnd(125_000, 'x');
  localStorage.setItem(`feats-edge:sticky:${key}`, 'a');
  localStorage.setItem('feats-edge:sticky:7', "another script's");
  localStorage.setItem('feats-edge:sticky:#', JSON.stringify([7, null, { k: 1 }, key]));
  const c = await createClient({ snapshot: snapshot('r1') });
  // 250 001 characters with the list's key: the first written key goes, and so do the values before it.
  c.usedImplementation('Random', 'b', ctx('2-'.padEnd(125_001 - 'exp/'.length, 'x')));
  await c.close();
  assert.equal(localStorage.getItem(`feats-edge:sticky:${key}`), null);
  assert.equal(localStorage.getItem('feats-edge:sticky:7'), "another script's");
  assert.deepEqual(JSON.parse(localStorage.getItem('feats-edge:sticky:#')), ['exp/2-'.padEnd(125_001, 'x')]);
});

test('a sticky key the application removed from localStorage and the client wrote again is listed once, as the newest: 1 000 keys still fit, it among them', async () => {
  localStorage.clear();
  const c = await createClient({ snapshot: snapshot('r1') });
  for (let i = 0; i < 10; i++) c.usedImplementation('Random', 'b', ctx(`v${i}`));
  await c.close();
  // (A user's reset of that experiment, say.)
  localStorage.removeItem('feats-edge:sticky:exp/v0');
  const d = await createClient({ snapshot: snapshot('r1') });
  d.usedImplementation('Random', 'a', ctx('v0'));
  for (let i = 0; i < 990; i++) d.usedImplementation('Random', 'a', ctx(`w${i}`));
  await d.close();
  assert.deepEqual(['v0', 'v1', 'w989'].map((id) => localStorage.getItem(`feats-edge:sticky:exp/${id}`)), ['a', 'b', 'a']);
  const list = JSON.parse(localStorage.getItem('feats-edge:sticky:#'));
  assert.deepEqual([list.length, new Set(list).size, list[9]], [1000, 1000, 'exp/v0']);
});

test('assignments of long unit ids stay under their whole key in localStorage, as stored before', async () => {
  localStorage.clear();
  const id = 'visitor-'.padEnd(30000, 'x'), other = 'other-'.padEnd(30000, 'y');
  // As an earlier version stored it: the whole sticky key.
  localStorage.setItem(`feats-edge:sticky:exp/${id}`, 'b');
  const a = await createClient({ snapshot: snapshot('r1') });
  assert.equal(a.details('Random', ctx(id)).reason, 'STICKY');
  for (let i = 0; i < 20; i++) assert.equal(a.findImplementations(ctx(id)).Random, 'b');
  a.usedImplementation('Random', 'a', ctx(other));
  await a.close();
  assert.equal(localStorage.getItem(`feats-edge:sticky:exp/${other}`), 'a');
  const b = await createClient({ snapshot: snapshot('r1') });
  for (let i = 0; i < 20; i++) assert.equal(b.findImplementation('Random', ctx(other)), 'a');
  await b.close();
});

test('a localStorage that refuses writes (full quota) still keeps assignments for the page', async (t) => {
  localStorage.clear();
  const setItem = localStorage.setItem;
  localStorage.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); };
  t.after(() => { localStorage.setItem = setItem; });
  const c = await createClient({ snapshot: snapshot('r1') });
  const used = c.create('Random', ctx('quota'));
  assert.equal(c.details('Random', ctx('quota')).reason, 'STICKY');
  for (let i = 0; i < 30; i++) assert.equal(c.findImplementation('Random', ctx('quota')), used);
  assert.equal(localStorage.getItem('feats-edge:sticky:exp/quota'), null, 'nothing was written');
  await c.close();
});

test('hidden page: exposures leave by keepalive fetch; on page hide by sendBeacon as application/json, else fetch with keepalive', async () => {
  localStorage.clear();
  const posts = [];
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0,
    fetch: async (url, init) => (posts.push({ url, init }), new Response(null, { status: 204 })),
  });
  const units = (body) => JSON.parse(body).events.map((e) => e.unit.value);
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  setVisibility('hidden');
  assert.equal(beacons.length, 0);
  assert.equal(posts.length, 1);
  assert.equal(posts[0].init.keepalive, true);
  assert.deepEqual(units(posts[0].init.body), ['1', '2']);
  assert.ok(await until(() => client.stats.sent === 2));
  setVisibility('visible');

  client.create('Split', ctx('3'));
  windowEvents.dispatchEvent(new Event('pagehide'));
  assert.equal(beacons.length, 1);
  assert.equal(beacons[0].url, '/flags/exposures');
  assert.equal(beacons[0].data.type, 'application/json');
  assert.deepEqual(units(await beacons[0].data.text()), ['3']);
  assert.equal(client.stats.queued, 0);

  beaconAnswer = false;
  client.create('Split', ctx('4'));
  windowEvents.dispatchEvent(new Event('pagehide'));
  assert.equal(beacons.length, 2);
  assert.equal(posts.length, 2);
  assert.equal(posts[1].init.keepalive, true);
  assert.equal(posts[1].init.method, 'POST');
  assert.deepEqual(units(posts[1].init.body), ['4']);
  beaconAnswer = true;
  await client.close();
});

test('a POST too large for keepalive goes plain, and leaves the keepalive share as it was: the next one that fits goes with keepalive', async () => {
  localStorage.clear();
  const posts = [];
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxBatch: 1000,
    fetch: async (url, init) => (posts.push(init.keepalive === true), new Response(null, { status: 204 })),
  });
  for (let i = 0; i < 300; i++) client.create('Split', ctx(`u${i}`)); // ~50 KB: over the share
  await client.flush();
  client.create('Split', ctx('small'));
  await client.flush();
  assert.deepEqual(posts, [false, true]);
  assert.equal(client.stats.sent, 301);
  await client.close();
});

test('a keepalive POST answered gives its share of the keepalive quota back: POSTs one after another keep it, whatever they carried in all', async () => {
  localStorage.clear();
  const posts = [];
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxBatch: 1000,
    fetch: async (url, init) => (posts.push([init.keepalive === true, init.body.length]), new Response(null, { status: 204 })),
  });
  for (let k = 0; k < 4; k++) {
    for (let i = 0; i < 100; i++) client.create('Split', ctx(`u${k}-${i}`));
    await client.flush();
  }
  // Each ~17 KB, under the 30 KB share; together past it.
  assert.ok(posts.every(([, n]) => n > 15_000 && n < 30_000), JSON.stringify(posts));
  assert.deepEqual(posts.map(([k]) => k), [true, true, true, true]);
  await client.close();
});

/** The page back online, and what its client does at once (within 30 ms). */
async function backOnline() {
  windowEvents.dispatchEvent(new Event('online'));
  await new Promise((r) => setTimeout(r, 30));
}

/** A request lost to the network, and one the server failed (a 503): each answer, and the requests made once back online. */
const lostOrFailed = [[() => Promise.reject(new TypeError('Failed to fetch')), 2], [async () => new Response('down', { status: 503 }), 1]];

test('back online once a retry after a network error got through: what waits goes at its time, not at once', async () => {
  localStorage.clear();
  let posts = 0;
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, retryDelay: 10,
    fetch: async () => {
      if (posts++ === 0) throw new TypeError('Failed to fetch');
      return new Response(null, { status: 204 });
    },
  });
  client.on('error', () => {});
  client.create('Split', ctx('1'));
  await client.flush();
  assert.ok(await until(() => client.stats.sent === 1), 'the retry');
  client.create('Split', ctx('2')); // waits for the next flush
  await backOnline();
  assert.deepEqual([posts, client.stats.queued], [2, 1]);
  await client.close();
});

test('back online with no request lost: what waits goes at its time, not at once', async () => {
  localStorage.clear();
  let posts = 0;
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 60_000,
    fetch: async () => (posts++, new Response(null, { status: 204 })),
  });
  client.create('Split', ctx('1'));
  await backOnline();
  assert.deepEqual([posts, client.stats.queued], [0, 1]);
  await client.close();
});

test('back online once a snapshot fetch after a network error got through: no fetch at once', async () => {
  localStorage.clear();
  let fetches = 0;
  const client = await createClient({
    snapshotUrl: 'http://127.0.0.1:9/s.json', refreshInterval: 0, retryDelay: 10, timeout: 2000,
    fetch: async () => {
      if (fetches++ === 0) throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify(snapshot('r1')));
    },
  });
  client.on('error', () => {});
  assert.deepEqual([client.revision, fetches], ['r1', 2]);
  await backOnline();
  assert.equal(fetches, 2);
  await client.close();
});

test('back online while a snapshot fetch lost to the network waits for its retry: fetched at once; one the server failed (a 503) waits; closed, nothing', async (t) => {
  localStorage.clear();
  longBackoff(t); // (the retries a minute off)
  for (const [answer, fetched] of lostOrFailed) {
    let fetches = 0;
    const client = await createClient({
      snapshot: snapshot('r1'), snapshotUrl: 'http://127.0.0.1:9/s.json', refreshInterval: 0, retryDelay: 60_000,
      fetch: () => (fetches++, answer()),
    });
    client.on('error', () => {});
    await until(() => client.stale);
    await backOnline();
    assert.equal(fetches, fetched, String(fetched));
    await client.close();
    await backOnline();
    assert.equal(fetches, fetched, `${fetched}: closed`);
  }
});

test('back online while a batch lost to the network waits for its retry: sent at once; one the server failed (a 503) waits; closed, nothing', async (t) => {
  localStorage.clear();
  longBackoff(t); // (the retries a minute off)
  for (const [answer, posted] of lostOrFailed) {
    let posts = 0;
    const client = await createClient({
      snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, retryDelay: 60_000,
      fetch: () => (posts++, answer()),
    });
    client.on('error', () => {});
    client.create('Split', ctx('1'));
    await client.flush();
    assert.equal(posts, 1);
    await backOnline();
    assert.equal(posts, posted, String(posted));
    client.create('Split', ctx('2'));
    await client.close();
    const closed = posts;
    await backOnline();
    assert.equal(posts, closed, `${posted}: closed`);
  }
});

test('hidden while the sink is failing: no beacons into it (a hidden page retries); page hide still beacons', async () => {
  localStorage.clear();
  let failing = true, posts = 0;
  // Batches of 300 events (~50 KB) are over the keepalive share: on hide they would all leave by beacon.
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxBatch: 1000, retryDelay: 60_000,
    fetch: async () => (posts++, new Response(null, { status: failing ? 503 : 204 })),
  });
  for (let i = 0; i < 300; i++) client.create('Split', ctx(`u${i}`));
  await client.flush();
  assert.equal(posts, 1);
  assert.equal(client.stats.queued, 300, 'the 503 kept the batch');
  const before = beacons.length;
  setVisibility('hidden');
  assert.equal(beacons.length, before, 'no beacon into a failing sink');
  assert.equal(posts, 1, 'nor a keepalive POST: the batch is over its share');
  assert.equal(client.stats.sent, 0);
  assert.equal(client.stats.queued, 300);
  setVisibility('visible');
  // Going away for good: the last chance, by beacon.
  windowEvents.dispatchEvent(new Event('pagehide'));
  assert.ok(beacons.length > before);
  assert.equal(client.stats.sent + client.stats.queued, 300);
  // Once a POST gets through, a hidden page beacons again.
  failing = false;
  client.create('Split', ctx('after'));
  await client.flush();
  assert.equal(client.stats.queued, 0);
  for (let i = 0; i < 300; i++) client.create('Split', ctx(`v${i}`));
  const now = beacons.length;
  setVisibility('hidden');
  assert.ok(beacons.length > now, 'by beacon');
  setVisibility('visible');
  await client.close();
});

test("hidden during a sink's Retry-After: no POST until it ends; page hide still beacons", async () => {
  localStorage.clear();
  let posts = 0;
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0,
    fetch: async () => (posts++, new Response(null, { status: 429, headers: { 'Retry-After': '120' } })),
  });
  for (let i = 0; i < 3; i++) client.create('Split', ctx(`u${i}`));
  await client.flush();
  assert.equal(posts, 1);
  const before = beacons.length;
  // A tab switched away from and back, again and again, in the sink's two minutes.
  for (let i = 0; i < 3; i++) setVisibility('hidden'), setVisibility('visible');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(posts, 1, 'the sink asked for two minutes of quiet');
  assert.equal(beacons.length, before);
  assert.equal(client.stats.queued, 3);
  // Going away for good: the last chance, by beacon.
  windowEvents.dispatchEvent(new Event('pagehide'));
  assert.equal(beacons.length, before + 1);
  assert.equal(client.stats.sent, 3);
  await client.close();
});

test("hidden during the client's own backoff (a 503, no Retry-After): the POST goes, with keepalive; the page may get no other event", async (t) => {
  localStorage.clear();
  const random = Math.random;
  Math.random = () => 1 - 2 ** -53; // (the retry a minute away: only hiding the page sends)
  t.after(() => (Math.random = random));
  const posts = [];
  let status = 503;
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, retryDelay: 60_000,
    fetch: async (url, init) => (posts.push(init.keepalive === true), new Response(null, { status })),
  });
  client.on('error', () => {});
  client.create('Split', ctx('1'));
  await client.flush();
  status = 204;
  setVisibility('hidden');
  setVisibility('visible');
  assert.ok(await until(() => client.stats.sent === 1));
  assert.deepEqual(posts, [true, true]);
  await client.close();
});

test("page hide while the sink fails keeps what its beacons carry too; a POST answered afterwards leaves that copy as it is", async (t) => {
  localStorage.clear();
  const base = 'feats-edge:exposures:/flags/exposures';
  const answers = [];
  let status = 503;
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxBatch: 2, retryDelay: 60_000,
    // The first POST fails at once; the next waits to be answered.
    fetch: (url, init) => (status == 503 ? Promise.resolve(new Response(null, { status })) : new Promise((r) => answers.push(() => r(new Response(null, { status }))))),
  });
  t.after(() => (answers.forEach((answer) => answer()), client.close()));
  client.on('error', () => {});
  client.create('Split', ctx('a'));
  await client.flush();
  assert.equal(client.stats.queued, 1, 'the 503 kept the event; the sink is failing');
  status = 204;
  for (const id of ['b', 'c', 'd']) client.create('Split', ctx(id));
  const flushed = client.flush();
  assert.equal(answers.length, 1, 'the first batch is under way');
  const before = beacons.length;
  windowEvents.dispatchEvent(new Event('pagehide'));
  assert.equal(beacons.length, before + 1, 'the rest left by beacon, into a sink that was failing');
  const kept = () => keptUnits(base).sort();
  assert.deepEqual(kept(), ['a', 'b', 'c', 'd'], 'the POST under way and the beacons: all kept for the next page');
  // The POST under way gets through before the page is gone: the beacons'
  // events may still be lost, so the copy stays whole.
  answers.shift()();
  await flushed;
  assert.equal(client.stats.queued, 0);
  assert.deepEqual(kept(), ['a', 'b', 'c', 'd']);
  windowEvents.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
});

test('page hide: beacons fit the browser\'s keepalive quota; what it refuses stays queued, and only what left counts as sent', async (t) => {
  localStorage.clear();
  const answer = navigator.sendBeacon, accepted = [];
  let inFlight = 0; // as Chromium: 64 KiB for all keepalive requests in flight
  navigator.sendBeacon = (url, blob) => (inFlight + blob.size > 65536 ? false : ((inFlight += blob.size), accepted.push(blob), true));
  t.after(() => { navigator.sendBeacon = answer; });
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxQueue: 10_000, maxBatch: 1000,
    fetch: async () => { throw new TypeError('Failed to fetch'); }, // the keepalive quota is spent too
  });
  for (let i = 0; i < 450; i++) client.create('Split', ctx(`visitor-${i}`));
  windowEvents.dispatchEvent(new Event('pagehide'));
  await until(() => client.stats.queued + client.stats.sent === 450, 1000, 'the refused batch back in the queue');
  const left = (await Promise.all(accepted.map((b) => b.text()))).flatMap((text) => JSON.parse(text).events);
  for (const b of accepted) assert.ok(b.size <= 60_000, `a beacon of ${b.size} bytes`);
  assert.ok(left.length > 0 && left.length < 450, `${left.length} left by beacon`);
  // (A refused body halved until one fits what is left of the quota.)
  assert.ok(accepted.length > 1 && accepted.reduce((sum, b) => sum + b.size, 0) > 64_000, `beacons of ${accepted.map((b) => b.size)} bytes`);
  assert.equal(client.stats.sent, left.length);
  assert.equal(client.stats.queued, 450 - left.length, 'nothing lost');
  assert.equal(client.stats.failed, 0);
  await client.close();
});

test('page hide: once the keepalive quota is spent, what is left leaves by plain POSTs, in full batches', async (t) => {
  localStorage.clear();
  const answer = navigator.sendBeacon, accepted = [];
  let inFlight = 0; // as Chromium: 64 KiB for all keepalive requests in flight
  navigator.sendBeacon = (url, blob) => (inFlight + blob.size > 65536 ? false : ((inFlight += blob.size), accepted.push(blob), true));
  t.after(() => { navigator.sendBeacon = answer; });
  const plain = [];
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxQueue: 10_000, maxBatch: 100,
    fetch: async (url, init) => {
      if (init.keepalive) throw new TypeError('Failed to fetch'); // the quota is spent for keepalive too
      plain.push(JSON.parse(init.body).events.length);
      return new Response(null, { status: 204 });
    },
  });
  for (let i = 0; i < 1000; i++) client.create('Split', ctx(`visitor-${i}`));
  // (The first full batch left as it filled, while the page was shown: 900 wait.)
  const before = plain.length;
  windowEvents.dispatchEvent(new Event('pagehide'));
  // Started while the page is still there: later, a page going away runs nothing.
  const started = plain.slice(before).reduce((a, b) => a + b, 0);
  const beaconed = (await Promise.all(accepted.map((b) => b.text()))).flatMap((text) => JSON.parse(text).events).length;
  assert.ok(beaconed > 0 && beaconed < 1000, `${beaconed} left by beacon`);
  // (Beacons, then plain POSTs of maxBatch.)
  assert.equal(beaconed + started, 900, `${started} events in plain POSTs started in pagehide`);
  // The batch the browser refused, and every later one, left at once by a
  // plain POST of up to maxBatch (a keepalive fetch would be refused too).
  const sum = () => plain.reduce((a, b) => a + b, 0);
  await until(() => client.stats.sent === 1000, 10_000, 'every plain POST answered');
  assert.ok(plain.every((n) => n <= 100) && plain.filter((n) => n < 100).length <= 1, `batches ${plain}`);
  assert.equal(client.stats.sent, 1000, 'nothing lost');
  assert.equal(client.stats.queued, 0);
  await client.close();
});

test('a keepalive POST that fails unanswered as the page goes away: its events go back to the queue a task later, so the beacon of page hide does not send them a second time', async (t) => {
  // A page navigating away fails its keepalive POSTs just before page
  // hide, while the browser goes on sending them. The next task is a
  // message: this channel holds the client's until page hide has run.
  localStorage.clear();
  const Channel = globalThis.MessageChannel, held = [];
  globalThis.MessageChannel = class {
    constructor() {
      const port1 = { onmessage: null, close() {} };
      this.port1 = port1;
      this.port2 = { postMessage: () => held.push(() => port1.onmessage?.({})) };
    }
  };
  t.after(() => { globalThis.MessageChannel = Channel; });
  const answer = navigator.sendBeacon, beaconed = [];
  navigator.sendBeacon = (url, blob) => (beaconed.push(blob), true);
  t.after(() => { navigator.sendBeacon = answer; });
  const posts = [];
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, retryDelay: 60_000,
    fetch: async (url, init) => {
      posts.push(init.keepalive ? 'keepalive' : 'plain');
      if (init.keepalive) throw new TypeError('Failed to fetch');
      return new Response(null, { status: 204 });
    },
  });
  t.after(() => client.close());
  client.on('error', () => {});
  client.create('Split', ctx('leaving'));
  const flushed = client.flush();
  await new Promise((r) => setImmediate(r)); // (the POST has failed)
  assert.deepEqual(posts, ['keepalive']);
  windowEvents.dispatchEvent(new Event('pagehide'));
  assert.deepEqual(beaconed, [], 'page hide found nothing to send');
  assert.equal(held.length, 1, 'the batch waits for the next task');
  // The page lives on: the next task puts the batch back, for a retry.
  held.splice(0).forEach((deliver) => deliver());
  await flushed;
  assert.deepEqual([client.stats.queued, client.stats.sent, client.stats.failed], [1, 0, 0]);
});

test('beacons accepted a moment ago do not cut the next ones to one event each', async (t) => {
  localStorage.clear();
  const answer = navigator.sendBeacon, accepted = [];
  navigator.sendBeacon = (url, blob) => (accepted.push(blob.size), true);
  t.after(() => { navigator.sendBeacon = answer; });
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0,
    fetch: async () => new Response(null, { status: 204 }),
  });
  for (let i = 0; i < 400; i++) client.create('Split', ctx(`visitor-${i}`));
  windowEvents.dispatchEvent(new Event('pagehide'));
  const first = accepted.length;
  assert.ok(first >= 1 && first <= 4, `${first} beacons: bodies of up to maxBatch (100) events`);
  // Within 30 s, visible and hidden again: 60 more leave in one body.
  for (let i = 0; i < 60; i++) client.create('Split', ctx(`later-${i}`));
  windowEvents.dispatchEvent(new Event('pagehide'));
  assert.equal(accepted.length, first + 1);
  await until(() => client.stats.sent === 460, 1000, 'every event sent');
  await client.close();
});

/**
 * The bytes of a `Fixed` exposure event but its unit id's: the same for
 * every unit (implementation `a` or `b`; a timestamp of fixed length).
 */
async function fixedEventBase() {
  const c = await createClient({ snapshot: snapshot('r1') });
  let event;
  c.on('exposure', (e) => (event = e));
  c.create('Fixed', ctx('probe'));
  await c.close();
  return Buffer.byteLength(JSON.stringify(event)) - 'probe'.length;
}

/**
 * Unit ids (`tag` first) whose `Fixed` events make a body of exactly
 * `total` bytes: `{"events":[…]}`, 13 bytes, and each event and its comma.
 */
function filling(total, base, tag) {
  const L = 24, e = base + L + 1;
  const k = Math.floor((total - 13 - base - L) / e);
  const units = Array.from({ length: k }, (_, i) => `${tag}-${i}-`.padEnd(L, 'x'));
  units.push(`${tag}-last-`.padEnd(total - 13 - k * e - base, 'x'));
  return units;
}

/**
 * A fetch whose first exposure POST hangs until `release()`; the rest
 * answered 204. Each POST noted as [keepalive, bytes], its Content-Type in `types`.
 */
function firstPostHeld() {
  const posts = [], types = new Set();
  let release;
  const fetch = (url, init) => {
    posts.push([init.keepalive === true, Buffer.byteLength(init.body)]);
    types.add(new Headers(init.headers).get('Content-Type'));
    if (posts.length > 1) return Promise.resolve(new Response(null, { status: 204 }));
    return new Promise((resolve) => (release = () => resolve(new Response(null, { status: 204 }))));
  };
  return { fetch, posts, types, release: () => release?.() };
}

test('page hide: beacons of up to 60 000 bytes less the keepalive POSTs in flight; exactly that leaves in one body, a byte more in two; one event alone over 60 000 bytes leaves by a plain POST', async (t) => {
  localStorage.clear();
  const base = await fixedEventBase();
  const answer = navigator.sendBeacon, accepted = [];
  navigator.sendBeacon = (url, blob) => (accepted.push(blob.size), true);
  t.after(() => { navigator.sendBeacon = answer; });
  const { fetch, posts, release } = firstPostHeld();
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxBatch: 1000, fetch });
  t.after(() => (release(), client.close()));
  let created = 0;
  const create = (units) => units.forEach((u) => (client.create('Fixed', ctx(u)), created++));
  /** Page hide with `units` queued: the sizes of the beacons it sent. */
  const hide = (units) => {
    accepted.length = 0;
    create(units);
    windowEvents.dispatchEvent(new Event('pagehide'));
    return [...accepted];
  };
  // A keepalive POST in flight, never answered here.
  create(filling(20_000, base, 'held'));
  const flushed = client.flush();
  assert.deepEqual(posts, [[true, 20_000]]);
  assert.deepEqual(hide(filling(40_000, base, 'fits')), [40_000]);
  const split = hide(filling(40_001, base, 'over'));
  assert.equal(split.length, 2, `beacons of ${split}`);
  assert.equal(split[0] + split[1], 40_001 + 12, 'the same events, in two bodies');
  // One event alone is tried by beacon up to 60 000 bytes, whatever is in
  // flight (the browser says whether it fits); one larger goes by fetch,
  // plain (keepalive requests may hold no more than a beacon may).
  assert.deepEqual(hide(['alone'.padEnd(60_000 - 13 - base, 'x')]), [60_000]);
  assert.deepEqual(hide(['larger'.padEnd(60_001 - 13 - base, 'x')]), []);
  assert.deepEqual(posts.slice(1), [[false, 60_001]]);
  release();
  await flushed;
  assert.equal(client.stats.sent, created);
});

test('page hide, beacons refused: the first fetch goes with keepalive when it fits in 60 000 bytes with the keepalive POSTs in flight (exactly included), else plain; one answered gives its share back and says nothing', async (t) => {
  localStorage.clear();
  const base = await fixedEventBase();
  const answer = navigator.sendBeacon;
  navigator.sendBeacon = () => false;
  t.after(() => { navigator.sendBeacon = answer; });
  const { fetch, posts, types, release } = firstPostHeld();
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxBatch: 1000, fetch });
  t.after(() => (release(), client.close()));
  const errors = [];
  client.on('error', (e) => errors.push(e));
  let created = 0;
  const create = (units) => units.forEach((u) => (client.create('Fixed', ctx(u)), created++));
  const hide = async (units) => {
    create(units);
    windowEvents.dispatchEvent(new Event('pagehide'));
    await until(() => client.stats.sent + held === created, 1000, 'the fetch answered');
  };
  create(filling(20_000, base, 'held'));
  const held = created;
  const flushed = client.flush();
  await hide(filling(40_000, base, 'fits'));
  await hide(filling(40_001, base, 'over'));
  assert.deepEqual(posts, [[true, 20_000], [true, 40_000], [false, 40_001]]);
  release();
  await flushed;
  // Nothing in flight: a POST that fits the share of POSTs sent while the page lives goes with keepalive.
  create(filling(30_000, base, 'later'));
  await client.flush();
  assert.deepEqual(posts.at(-1), [true, 30_000]);
  assert.deepEqual(errors, []);
  assert.deepEqual([...types], ['application/json']);
});

test('page hide, beacons refused, the fetch that takes their place redirected: said as a redirect not followed, its events dropped', async (t) => {
  localStorage.clear();
  const answer = navigator.sendBeacon;
  navigator.sendBeacon = () => false;
  t.after(() => { navigator.sendBeacon = answer; });
  const sink = await recordingServer(t, (req, res) => req.resume().on('end', () => res.writeHead(req.url === '/moved' ? 204 : 307, { Location: '/moved' }).end()));
  const exposureUrl = `${sink.url}/exposures`;
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl, flushInterval: 0 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  client.create('Split', ctx('1'));
  windowEvents.dispatchEvent(new Event('pagehide'));
  await until(() => errors.length === 1, 3000, 'the error');
  assert.deepEqual(errors, [`feats-edge: ${exposureUrl} answered 307 (a redirect: exposures are not sent on to another URL; give exposureUrl the one it leads to): 1 exposure event dropped (stats.failed)`]);
  assert.deepEqual(sink.requests.map((r) => r.url), ['/exposures']);
  assert.deepEqual([client.stats.failed, client.stats.queued], [1, 0]);
});

test('visible again: the snapshot is refetched; after close() events are ignored', async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 60000 });
  assert.equal(srv.state.snapshotRequests.length, 1);
  setVisibility('hidden');
  setVisibility('visible');
  await until(() => srv.state.snapshotRequests.length === 2, 3000, 'the refetch');
  assert.equal(srv.state.snapshotRequests[1].status, 304);
  await client.close();
  setVisibility('hidden');
  setVisibility('visible');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(srv.state.snapshotRequests.length, 2);
});

test('visible again while the last visibility\'s fetch is under way: that fetch is waited for, not asked again', async (t) => {
  localStorage.clear();
  const answer = [];
  const fetch = () => new Promise((resolve) => answer.push(resolve));
  const starting = createClient({ snapshotUrl: 'http://127.0.0.1:9/snapshot.json', fetch, refreshInterval: 60000 });
  await until(() => answer.length === 1, 3000, 'the first fetch');
  answer[0](new Response(JSON.stringify(snapshot('r1')), { headers: { ETag: '"v1"' } }));
  const client = await starting;
  t.after(() => client.close());
  assert.equal(client.revision, 'r1');
  setVisibility('hidden');
  setVisibility('visible');
  assert.equal(answer.length, 2, 'visible again: a fetch');
  setVisibility('hidden');
  setVisibility('visible');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(answer.length, 2, 'a second fetch while the first is under way');
  answer[1](new Response(null, { status: 304, headers: { ETag: '"v1"' } }));
});

test('the snapshot cache: the 4 URLs fetched last keep their entries, the newest fetched again included; an application\'s own value under the prefix that is no JSON stays; a snapshot cached says nothing', async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  // (With an empty storageKey, the application's keys share the prefix.)
  localStorage.setItem('snapshot:notes', 'not JSON {');
  const url = (v) => `${srv.snapshotUrl}?v=${v}`;
  const errors = [];
  for (const [i, v] of [1, 2, 3, 4, 4].entries()) {
    // (The last, a new snapshot there: written again.)
    if (i === 4) Object.assign(srv.state, { snapshot: snapshot('r2'), etag: '"v2"' });
    const c = await createClient({ snapshotUrl: url(v), storageKey: '', refreshInterval: 0 });
    c.on('error', (e) => errors.push(e.message));
    await c.refresh();
    await c.close();
  }
  assert.deepEqual(errors, []);
  const keys = [...Array(localStorage.length).keys()].map((i) => localStorage.key(i)).sort();
  assert.deepEqual(keys, [...[1, 2, 3, 4].map((v) => `snapshot:${url(v)}`), 'snapshot:notes'].sort());
  assert.equal(localStorage.getItem('snapshot:notes'), 'not JSON {');
  assert.equal(JSON.parse(JSON.parse(localStorage.getItem(`snapshot:${url(4)}`)).text).revision, 'r2');
});

test('a cached entry that is not an object (corrupt storage) is no cache: the client fetches', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  for (const junk of ['5', '"some text"', 'true', '[1]', '{"text": 5}']) {
    localStorage.clear();
    localStorage.setItem('feats-edge:snapshot:' + srv.snapshotUrl, junk);
    const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
    assert.equal(client.revision, 'r1', junk);
    await client.close();
  }
});

test('page hide with a headers option that throws: the events go back to the queue with an error event, and leave later', async () => {
  localStorage.clear();
  const posts = [];
  let bad = false;
  // A header whose value cannot be read for a while (it could when the
  // client was made): the beacon's fallback fetch cannot be built.
  const headers = { get 'X-Tag'() { if (bad) throw new TypeError('no header now'); return 'ok'; } };
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, headers,
    fetch: async (url, init) => (posts.push(init), new Response(null, { status: 204 })),
  });
  bad = true;
  const errors = [];
  client.on('error', (e) => errors.push(e));
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  hideRefusingBeacons();
  assert.ok(await until(() => errors.length === 1));
  assert.match(errors[0].message, /the headers option cannot be sent: no header now/);
  assert.equal(errors[0].cause?.cause?.message, 'no header now', "the getter's error kept, as the cause of the one said");
  assert.deepEqual({ ...client.stats }, { dropped: 0, sent: 0, failed: 0, queued: 2 });
  bad = false;
  await client.flush();
  assert.equal(client.stats.sent, 2);
  assert.equal(posts.length, 1);
  assert.deepEqual(JSON.parse(posts[0].body).events.map((e) => e.unit.value), ['1', '2']);
  await client.close();
});

test("a 'pagehide' listener of the page's own that closes the client, run before the client's: what close()'s POSTs did not take leaves by beacon", async () => {
  localStorage.clear();
  const posts = [], answers = [];
  const closeOnHide = () => client.close();
  // Added before the client adds its own (an application that closes
  // whatever client it has when the page goes).
  windowEvents.addEventListener('pagehide', closeOnHide);
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxBatch: 2,
    // The page goes away before a POST is answered.
    fetch: (url, init) => (posts.push(init), new Promise((r) => answers.push(r))),
  });
  const sent = beacons.length;
  for (let i = 1; i <= 6; i++) client.create('Split', ctx(String(i)));
  windowEvents.dispatchEvent(new Event('pagehide'));
  windowEvents.removeEventListener('pagehide', closeOnHide);
  // A full batch went when it was full; close() sends the next.
  assert.deepEqual(posts.map((p) => JSON.parse(p.body).events.map((e) => e.unit.value)), [['1', '2'], ['3', '4']]);
  assert.equal(beacons.length, sent + 1, 'the rest by beacon, at once');
  assert.deepEqual(JSON.parse(await beacons.at(-1).data.text()).events.map((e) => e.unit.value), ['5', '6']);
  for (const answer of answers) answer(new Response(null, { status: 204 }));
  await until(() => client.stats.sent === 6);
  // Once close() is answered, page hide is no longer heard.
  windowEvents.dispatchEvent(new Event('pagehide'));
  assert.equal(beacons.length, sent + 1);
});

test('a client closed while its sink fails leaves what its hidden page kept for the next page: shown again from the back-forward cache, it takes nothing back', async (t) => {
  localStorage.clear();
  t.after(() => setVisibility('visible'));
  const base = 'feats-edge:exposures:/flags/exposures';
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, retryDelay: 60_000,
    fetch: async () => new Response(null, { status: 503 }),
  });
  client.on('error', () => {});
  client.create('Split', ctx('a'));
  client.create('Split', ctx('b'));
  const kept = () => keptUnits(base).sort();
  await client.flush();
  assert.equal(client.stats.queued, 2, 'the sink is failing');
  setVisibility('hidden');
  assert.deepEqual(kept(), ['a', 'b'], 'kept by the hidden page');
  await client.close();
  assert.equal(client.stats.queued, 2, "close()'s POST failed too");
  assert.deepEqual(kept(), ['a', 'b'], 'left for the next page');
  windowEvents.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
  setVisibility('visible');
  assert.deepEqual(kept(), ['a', 'b'], 'not taken back by a closed client');
});

test('a hidden page hears only its own kept copy taken: emptied by another page, its events leave the queue; another key emptied, one removed, or another storage changes nothing', async (t) => {
  localStorage.clear();
  t.after(() => setVisibility('visible'));
  const base = 'feats-edge:exposures:/flags/exposures';
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, retryDelay: 60_000,
    fetch: async () => new Response(null, { status: 503 }),
  });
  t.after(() => client.close());
  client.on('error', () => {});
  client.create('Split', ctx('a'));
  client.create('Split', ctx('b'));
  await client.flush();
  let failed = 0;
  client.on('error', () => failed++);
  setVisibility('hidden');
  // (Hidden, the page tries the sink once more: its batch back in the queue when it fails.)
  await until(() => failed === 1, 3000, "the hidden page's POST failed");
  const keys = keysFrom(base);
  assert.equal(keys.length, 1, 'kept by the hidden page');
  const [mine] = keys, other = `${base} 000000000other`;
  /** Another page's write to `key` (null: removed), and the event this page gets for it. */
  const write = (key, newValue, storageArea = localStorage) => {
    if (storageArea == localStorage) newValue == null ? localStorage.removeItem(key) : localStorage.setItem(key, newValue);
    windowEvents.dispatchEvent(Object.assign(new Event('storage'), { key, newValue, storageArea }));
  };
  write(other, '{"events":[]}');
  write(other, '');
  write(mine, '', new MemoryStorage());
  write(mine, '{"events":[]}', new MemoryStorage());
  assert.equal(client.stats.queued, 2, 'another key emptied, or the same key of another storage');
  write(mine, null);
  assert.equal(client.stats.queued, 2, 'its copy removed (not taken): still its own to send');
  localStorage.setItem(mine, '{"events":[]}');
  write(mine, '');
  assert.equal(client.stats.queued, 0, 'its copy taken: the other page sends it');
});

test('a client whose close() sends all that waits removes what its hidden page kept (the next page would have sent it again)', async (t) => {
  localStorage.clear();
  t.after(() => setVisibility('visible'));
  const base = 'feats-edge:exposures:/flags/exposures';
  let status = 429;
  const posts = [];
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0,
    fetch: async (url, init) => (posts.push(JSON.parse(init.body).events.map((e) => e.unit.value)), new Response(null, { status, headers: { 'Retry-After': '60' } })),
  });
  client.on('error', () => {});
  client.create('Split', ctx('a'));
  client.create('Split', ctx('b'));
  await client.flush();
  const kept = () => keptUnits(base).sort();
  // (No POST during the sink's Retry-After.)
  setVisibility('hidden');
  assert.deepEqual(kept(), ['a', 'b'], 'kept by the hidden page while the sink asks for quiet');
  status = 204;
  await client.close();
  assert.deepEqual(posts, [['a', 'b'], ['a', 'b']]);
  assert.deepEqual({ ...client.stats }, { dropped: 0, sent: 2, failed: 0, queued: 0 });
  assert.deepEqual(kept(), [], 'sent by close(): no copy left');
});

test("page hide, beacons refused, the sink failing: an 'error' listener that closes the client has close send the events back", async () => {
  localStorage.clear();
  const answers = [503], posts = [];
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0,
    fetch: async (url, init) => (posts.push(init), new Response(null, { status: answers.shift() ?? 204 })),
  });
  let closing;
  client.on('error', () => (closing ??= client.close()));
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  hideRefusingBeacons();
  assert.ok(await until(() => closing !== undefined));
  await closing;
  assert.equal(posts.length, 2);
  assert.deepEqual(JSON.parse(posts[1].body).events.map((e) => e.unit.value), ['1', '2']);
  assert.deepEqual({ ...client.stats }, { dropped: 0, sent: 2, failed: 0, queued: 0 });
});

test('a snapshot the cache refuses is said once, not again each time the same text comes back', async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  const setItem = localStorage.setItem;
  localStorage.setItem = function (k, v) {
    if (k.startsWith('feats-edge:snapshot:')) throw new DOMException('full', 'QuotaExceededError');
    return setItem.call(this, k, v);
  };
  t.after(() => {
    localStorage.setItem = setItem;
    return srv.close();
  });
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  // The same text under new ETags (a server whose ETags change with every answer).
  for (let i = 2; i < 5; i++) {
    srv.state.etag = `"v${i}"`;
    await client.refresh();
  }
  assert.equal(client.revision, 'r1');
  const said = (r) => `feats-edge: the snapshot (${JSON.stringify(snapshot(r)).length} characters) did not fit in localStorage: returning visits wait for the network`;
  // The first refusal came during createClient's wait: the first listener hears it.
  assert.deepEqual(errors, [said('r1')]);
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"v9"';
  await client.refresh();
  srv.state.etag = '"v10"';
  await client.refresh();
  assert.equal(client.revision, 'r2');
  assert.deepEqual(errors, [said('r1'), said('r2')]);
  // A second listener hears only what comes after it.
  const later = [];
  client.on('error', (e) => later.push(e.message));
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(later, []);
  client.close();
});

/**
 * Another tab's cache write: the entry (a string is written as it is: what
 * another script may leave), and the storage event this page gets for it.
 */
function otherTabCaches(key, entry) {
  const value = typeof entry == 'string' ? entry : JSON.stringify(entry);
  localStorage.setItem(key, value);
  windowEvents.dispatchEvent(Object.assign(new Event('storage'), { key, newValue: value, storageArea: localStorage }));
}

/** A page's client of a snapshot server at r1, with nothing cached before, and its cache key. */
async function oneTab(t) {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  t.after(() => client.close());
  assert.equal(client.revision, 'r1');
  return { srv, client, key: 'feats-edge:snapshot:' + srv.snapshotUrl };
}

test('tabs: a fetch over which another tab cached a later one is not loaded, nor cached over it; a clock set back holds up no later fetch', async (t) => {
  const { srv, client, key } = await oneTab(t);
  // A slow fetch of r2; meanwhile another tab caches r3, fetched later.
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"v2"';
  srv.state.mode = 'slow';
  srv.state.delay = 150;
  const slow = client.refresh();
  await new Promise((r) => setTimeout(r, 30));
  otherTabCaches(key, { text: JSON.stringify(snapshot('r3')), etag: '"v3"', at: Date.now() });
  assert.equal(client.revision, 'r3', 'loaded from the cache at once');
  await slow;
  assert.equal(client.revision, 'r3', 'the slower answer is not loaded over it');
  assert.equal(JSON.parse(localStorage.getItem(key)).etag, '"v3"', 'nor cached over it');
  // Nor is another fetch made for it (no polling: none till the next refresh).
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(srv.state.snapshotRequests.length, 2);
  // An entry from a fetch that started before ours is not loaded.
  srv.state.mode = 'ok';
  srv.state.snapshot = snapshot('r4');
  srv.state.etag = '"v4"';
  await client.refresh();
  assert.equal(client.revision, 'r4');
  otherTabCaches(key, { text: JSON.stringify(snapshot('r0')), etag: '"v0"', at: Date.now() - 60_000 });
  assert.equal(client.revision, 'r4');
  // The clock set back an hour: this tab's own fetches still load.
  const now = Date.now;
  Date.now = () => now() - 3_600_000;
  t.after(() => (Date.now = now));
  srv.state.snapshot = snapshot('r5');
  srv.state.etag = '"v5"';
  await client.refresh();
  assert.equal(client.revision, 'r5');
});

test('tabs: a 304 to an ETag this tab no longer holds (another tab\'s snapshot came meanwhile) confirms nothing: asked again at once with the new ETag', async (t) => {
  const { srv, client, key } = await oneTab(t);
  await new Promise((r) => setTimeout(r, 10));
  // A slow conditional fetch, answered 304 (the server still has "v1");
  // meanwhile another tab's entry from before it started comes in.
  srv.state.mode = 'slow';
  srv.state.delay = 1000;
  const before = Date.now();
  const slow = client.refresh();
  await new Promise((r) => setTimeout(r, 30));
  otherTabCaches(key, { text: JSON.stringify(snapshot('r3')), etag: '"v3"', at: before - 1 });
  assert.equal(client.revision, 'r3', 'loaded from the cache at once');
  await slow;
  await until(() => srv.state.snapshotRequests.length === 3, 3000, 'the fetch asked again');
  assert.deepEqual(srv.state.snapshotRequests.map((r) => r.headers['if-none-match']), [undefined, '"v1"', '"v3"']);
});

test('tabs: what another tab leaves under the cache key that is no newer snapshot (a corrupt value, an entry without text, one fetched when ours was or before) changes nothing and says nothing; a stale tab stays stale until a newer one comes', async (t) => {
  const { srv, client, key } = await oneTab(t);
  const said = [];
  client.on('error', (e) => /answered 500/.test(e.message) || said.push(`error: ${e.message}`));
  client.on('stale', () => said.push('stale'));
  client.on('recovered', (r) => said.push(`recovered ${r.revision}`));
  // The fetch that brought r1 started at `ours` (the time it cached it under).
  const ours = JSON.parse(localStorage.getItem(key)).at;
  srv.state.mode = '500';
  await client.refresh();
  assert.deepEqual([said, client.stale], [['stale'], true]);
  await new Promise((r) => setTimeout(r, 5));
  otherTabCaches(key, 'not JSON');
  otherTabCaches(key, { etag: '"v9"', at: Date.now() });
  otherTabCaches(key, { text: JSON.stringify(snapshot('r9')), etag: '"v9"', at: ours });
  assert.deepEqual([said, client.stale, client.revision], [['stale'], true, 'r1']);
  // A newer one the engine refuses: said, and the tab still stale.
  otherTabCaches(key, { text: '{"schema": 1, "features": ', etag: '"v8"', at: Date.now() });
  assert.equal(said.length, 2);
  assert.match(said[1], /^error: feats-edge: the snapshot cached in localStorage was refused: \/features: invalid JSON/);
  assert.deepEqual([client.stale, client.revision], [true, 'r1']);
  said.pop();
  // A newer one is loaded (and the tab is the origin's again); one fetched before it then is not.
  await new Promise((r) => setTimeout(r, 5)); // (later than the refused one, whose time is taken)
  const newer = Date.now();
  otherTabCaches(key, { text: JSON.stringify(snapshot('r3')), etag: '"v3"', at: newer });
  otherTabCaches(key, { text: JSON.stringify(snapshot('r2')), etag: '"v2"', at: newer - 1 });
  assert.deepEqual([said, client.stale, client.revision], [['stale', 'recovered r3'], false, 'r3']);
});

test('tabs: a fetch over which another tab cached a later snapshot, failing after that entry was removed (and other keys changed), says nothing: what the tab loaded stands', async (t) => {
  localStorage.clear();
  const answer = [];
  const fetch = () => new Promise((resolve) => answer.push(resolve));
  const url = 'http://127.0.0.1:9/snapshot.json', key = 'feats-edge:snapshot:' + url;
  const starting = createClient({ snapshotUrl: url, fetch, refreshInterval: 0 });
  await until(() => answer.length === 1, 3000, 'the first fetch');
  answer[0](new Response(JSON.stringify(snapshot('r1')), { headers: { ETag: '"v1"' } }));
  const client = await starting;
  t.after(() => client.close());
  const said = [];
  client.on('stale', () => said.push('stale'));
  client.on('error', (e) => said.push('error'));
  await new Promise((r) => setTimeout(r, 5));
  const refreshed = client.refresh();
  // Another tab caches a later snapshot, loaded here; then the entry is
  // removed (an application clearing its keys), and other keys and
  // storages change: none of it is a snapshot cached.
  otherTabCaches(key, { text: JSON.stringify(snapshot('r3')), etag: '"v3"', at: Date.now() + 1 });
  assert.equal(client.revision, 'r3');
  const changed = (key, newValue, storageArea = localStorage) => windowEvents.dispatchEvent(Object.assign(new Event('storage'), { key, newValue, storageArea }));
  localStorage.removeItem(key);
  changed(key, null);
  localStorage.setItem('theme', 'dark');
  changed('theme', 'dark');
  changed(key, JSON.stringify({ text: JSON.stringify(snapshot('r4')), etag: '"v4"', at: Date.now() + 2 }), new MemoryStorage());
  answer[1](new Response('down', { status: 500 }));
  await refreshed;
  assert.deepEqual([said, client.stale, client.revision], [[], false, 'r3']);
});

test('tabs: a closed client loads nothing another tab caches, and says nothing', async (t) => {
  const { client, key } = await oneTab(t);
  const said = [];
  for (const type of ['update', 'error', 'stale', 'recovered']) client.on(type, () => said.push(type));
  await client.close();
  const revision = client.revision;
  otherTabCaches(key, { text: JSON.stringify(snapshot('r3')), etag: '"v3"', at: Date.now() + 1 });
  assert.deepEqual([client.revision, said], [revision, []]);
});

test("tabs: a stale tab whose own fetch is answered after another tab cached a snapshot this tab refuses: a 500 leaves it stale, a 304 makes it the origin's again, serving what it had", async (t) => {
  const { srv, client, key } = await oneTab(t);
  const said = [];
  client.on('error', (e) => /answered 500/.test(e.message) || said.push('error'));
  client.on('stale', () => said.push('stale'));
  client.on('recovered', (r) => said.push(`recovered ${r.revision}`));
  srv.state.mode = '500';
  await client.refresh();
  assert.deepEqual([said, client.stale], [['stale'], true]);
  // Its next fetch fails too (a 500) after another tab cached such a snapshot: still stale.
  const failing = client.refresh();
  otherTabCaches(key, { text: '{"schema": 1, "features": ', etag: '"v7"', at: Date.now() + 1 });
  await failing;
  assert.deepEqual([said, client.stale], [['stale', 'error'], true]);
  // Back, slowly (a 304); meanwhile another tab caches a snapshot this engine refuses.
  srv.state.mode = 'slow';
  srv.state.delay = 500; // (ample: the entry must come while it is under way)
  await new Promise((r) => setTimeout(r, 5));
  const slow = client.refresh();
  await new Promise((r) => setTimeout(r, 30));
  otherTabCaches(key, { text: '{"schema": 1, "features": ', etag: '"v8"', at: Date.now() });
  assert.deepEqual([said, client.stale], [['stale', 'error', 'error'], true]);
  await slow;
  assert.equal(srv.state.snapshotRequests.at(-1).status, 304);
  assert.deepEqual([said, client.stale, client.revision], [['stale', 'error', 'error', 'recovered r1'], false, 'r1']);
});

/**
 * A page's client at r1, whose fetches are answered by the test
 * (`answers`, in the order made; the first one answered), with the
 * `stale` and `recovered` events it says in `said`, and its cache key.
 * @param {import('node:test').TestContext} t
 */
async function answeredTab(t) {
  localStorage.clear();
  const url = 'http://127.0.0.1:9/snapshot.json', key = 'feats-edge:snapshot:' + url;
  /** @type {((r: Response) => void)[]} */
  const answers = [];
  const fetch = () => new Promise((/** @type {(r: Response) => void} */ r) => answers.push(r));
  const first = createClient({ snapshotUrl: url, refreshInterval: 0, retryDelay: 60_000, fetch });
  await until(() => answers.length === 1);
  answers[0](new Response(JSON.stringify(snapshot('r1')), { headers: { ETag: '"v1"' } }));
  const client = await first;
  t.after(() => client.close());
  /** @type {string[]} */
  const said = [];
  client.on('error', () => {});
  client.on('stale', () => said.push('stale'));
  client.on('recovered', (r) => said.push(`recovered ${r.revision}`));
  return { client, answers, said, key };
}

test("tabs: of two fetches that fail, the one started last says from when the origin failed: another tab's snapshot fetched between their starts loads, and the tab stays stale", async (t) => {
  const { client, answers, said, key } = await answeredTab(t);
  await new Promise((r) => setTimeout(r, 5));
  const startedA = Date.now();
  const a = client.refresh();
  await new Promise((r) => setTimeout(r, 10));
  const b = client.refresh();
  await until(() => answers.length === 3);
  // The later fetch fails first, then the earlier one.
  answers[2](new Response('down', { status: 500 }));
  await b;
  answers[1](new Response('down', { status: 500 }));
  await a;
  assert.deepEqual([said, client.stale], [['stale'], true]);
  // Another tab's snapshot, from a fetch started after the first failed one began and before the last.
  otherTabCaches(key, { text: JSON.stringify(snapshot('r2')), etag: '"v2"', at: startedA + 1 });
  assert.deepEqual([said, client.stale, client.revision], [['stale'], true, 'r2']);
});

test('tabs: a page started from its cache does not load what another tab leaves there from an earlier fetch', async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r6'), mode: 'hang' });
  t.after(() => srv.close());
  const key = 'feats-edge:snapshot:' + srv.snapshotUrl, at = Date.now() - 60_000;
  localStorage.setItem(key, JSON.stringify({ text: JSON.stringify(snapshot('r5')), etag: '"v5"', at }));
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  t.after(() => client.close());
  assert.equal(client.revision, 'r5', 'started from the cache; its revalidation hangs');
  otherTabCaches(key, { text: JSON.stringify(snapshot('r4')), etag: '"v4"', at: at - 1000 });
  assert.equal(client.revision, 'r5');
  otherTabCaches(key, { text: JSON.stringify(snapshot('r7')), etag: '"v7"', at: at + 1000 });
  assert.equal(client.revision, 'r7', 'a later fetch of another tab loads');
});

test("tabs: a fetch that fails while another tab caches a snapshot fetched before it started: that snapshot loads, and the tab is stale (the origin failed since)", async (t) => {
  const { client, answers, said, key } = await answeredTab(t);
  await new Promise((r) => setTimeout(r, 10));
  const started = Date.now();
  const a = client.refresh();
  await until(() => answers.length === 2);
  otherTabCaches(key, { text: JSON.stringify(snapshot('r2')), etag: '"v2"', at: started - 1 });
  assert.equal(client.revision, 'r2');
  answers[1](new Response('down', { status: 500 }));
  await a;
  assert.deepEqual([said, client.stale, client.revision], [['stale'], true, 'r2']);
});

test("a snapshot that arrives in several chunks loads where the page's Blob has no arrayBuffer() (jsdom's, under Jest)", async (t) => {
  localStorage.clear();
  const { Blob } = globalThis;
  globalThis.Blob = class extends Blob {};
  globalThis.Blob.prototype.arrayBuffer = undefined;
  t.after(() => (globalThis.Blob = Blob));
  const text = JSON.stringify({ ...snapshot('chunked'), description: 'x'.repeat(100_000) });
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(text.slice(0, 1000));
    setTimeout(() => res.end(text.slice(1000)), 20);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => (server.closeAllConnections(), server.close()));
  const client = await createClient({ snapshotUrl: `http://127.0.0.1:${server.address().port}/s`, refreshInterval: 0, retryDelay: 60_000 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  assert.deepEqual(errors, []);
  assert.equal(client.revision, 'chunked');
});

test('storageKey null, false or any other value that is not a string: nothing is read from or written to localStorage', async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  for (const storageKey of [null, false, 0]) {
    localStorage.clear();
    const c = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, storageKey });
    assert.equal(c.revision, 'r1');
    c.create('PaymentProcessor', ctx('42'));
    await c.close();
    assert.equal(localStorage.length, 0, `storageKey ${storageKey}: ${localStorage.key(0)}`);
  }
});

/**
 * A page's client of the sink `/flags/exposures` whose POSTs go unanswered
 * while the test runs (`answer()` answers them, as the test's end does
 * before close()); with `failFirst`, the first is answered 503 at once.
 */
async function unanswered(t, options = {}, failFirst = false) {
  const answers = [];
  let posts = 0;
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, ...options,
    fetch: async () => (failFirst && !posts++ ? new Response(null, { status: 503 }) : new Promise((r) => answers.push(() => r(new Response(null, { status: 204 }))))),
  });
  const answer = () => answers.splice(0).forEach((a) => a());
  t.after(() => (answer(), client.close()));
  return { client, answer };
}

/** localStorage refusing every write of kept events (over quota) until the test ends. */
function refusingKeptWrites(t) {
  const set = localStorage.setItem;
  localStorage.setItem = function (k, v) {
    if (k.startsWith('feats-edge:exposures:')) throw new DOMException('quota', 'QuotaExceededError');
    return set.call(this, k, v);
  };
  t.after(() => { localStorage.setItem = set; });
}

test('storageKey null: a page going away while its sink fails keeps nothing for the next page, and says nothing of it', async (t) => {
  localStorage.clear();
  const { client } = await unanswered(t, { storageKey: null });
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  client.create('Split', ctx('1'));
  hideRefusingBeacons();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual([localStorage.length, client.stats.dropped, errors], [0, 0, []]);
});

test('maxAge counts from the last fetch the origin answered, a 304 included: a snapshot confirmed a moment ago is started from', async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const key = 'feats-edge:snapshot:' + srv.snapshotUrl;
  const first = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  await first.close();
  // Downloaded 59 s ago: young enough for a minute's maxAge, for a second more.
  const entry = JSON.parse(localStorage.getItem(key));
  localStorage.setItem(key, JSON.stringify({ ...entry, at: Date.now() - 59_000 }));
  // Without maxAge, a 304 leaves the entry as it was (its time is not read).
  const kept = localStorage.getItem(key);
  const plain = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  await plain.refresh();
  assert.deepEqual(srv.state.snapshotRequests.slice(-2).map((r) => r.status), [304, 304]);
  await plain.close();
  assert.equal(localStorage.getItem(key), kept);
  const second = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, maxAge: 60_000 });
  assert.equal(second.revision, 'r1', 'started from the cache');
  await second.refresh(); // the origin answers 304: the cached snapshot is still its own
  assert.equal(srv.state.snapshotRequests.at(-1).status, 304);
  await second.close();
  await new Promise((r) => setTimeout(r, 1500));
  // Confirmed 1.5 s ago, downloaded a minute ago: started from, the origin down.
  srv.state.mode = 'hang';
  const third = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, maxAge: 60_000, timeout: 100 });
  assert.equal(third.revision, 'r1', 'a snapshot confirmed by a 304 a moment ago was not started from');
  await third.close();
});

test('maxAge: a 304 marks the cache entry confirmed only when it holds the snapshot that ETag names and an older time; else it is left as it is', async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const key = 'feats-edge:snapshot:' + srv.snapshotUrl;
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, maxAge: 60_000 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  const text = JSON.parse(localStorage.getItem(key)).text;
  for (const value of [
    // Another tab's snapshot, its storage event not in yet.
    JSON.stringify({ text: JSON.stringify(snapshot('r2')), etag: '"v2"', at: 1 }),
    // This one, confirmed later than this fetch started (another tab's 304).
    JSON.stringify({ text, etag: '"v1"', at: Date.now() + 60_000 }),
    // None (the application cleared the storage).
    null,
  ]) {
    if (value == null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
    await client.refresh();
    assert.equal(srv.state.snapshotRequests.at(-1).status, 304);
    assert.equal(localStorage.getItem(key), value);
  }
  assert.deepEqual([errors, client.stale, client.revision], [[], false, 'r1']);
});

test('a headers option no request can carry: page hide sends no beacon either, the events counted as failed', async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, headers: { 'X-Key': 'a\nb' }, flushInterval: 0 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  client.create('Split', ctx('u1'));
  client.create('Split', ctx('u2'));
  const before = beacons.length;
  windowEvents.dispatchEvent(new Event('pagehide'));
  assert.ok(await until(() => client.stats.failed === 2), JSON.stringify(client.stats));
  assert.equal(beacons.length, before, 'no beacon');
  assert.deepEqual([client.stats.sent, client.stats.queued], [0, 0]);
  assert.equal(srv.state.exposureRequests.length, 0);
  assert.match(errors.at(-1), /the headers option cannot be sent/);
});

test('page hide keeps what it could not send under a key of its own, making room by removing what the oldest pages kept past 500 000 characters (counted dropped, and said); a page restored from the back-forward cache takes its own back; the next page takes all, oldest first', async (t) => {
  localStorage.clear();
  const base = 'feats-edge:exposures:/flags/exposures';
  const posts = [], answers = [];
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxBatch: 10,
    // Not answered while the page goes away (answered after the test, for close()).
    fetch: (url, init) => (posts.push(init), new Promise((r) => answers.push(() => r(new Response(null, { status: 204 }))))),
  });
  t.after(() => (answers.forEach((answer) => answer()), client.close()));
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  for (let i = 0; i < 50; i++) client.create('Split', ctx(`visitor-${i}`));
  // (40 queued: the first full batch left by keepalive while the page was shown, and goes on after it.)
  // What two pages gone before kept, one event of 248 000 characters each.
  const big = (name) => JSON.stringify({ events: [{ feature: 'Split', implementation: 'a', unit: { segment: 'UserId', value: name.padEnd(248_000, 'x') } }] });
  localStorage.setItem(`${base} 000000001old`, big('oldest'));
  localStorage.setItem(`${base} 000000002new`, big('newer'));
  hideRefusingBeacons();
  // Page hide's POSTs (beacons refused) are under way, the first with keepalive.
  assert.deepEqual(posts.map((p) => p.keepalive), [true, true, false, false, false]);
  const keys = keysFrom(base).sort();
  assert.equal(keys.length, 2);
  assert.equal(keys[0], `${base} 000000002new`, 'the oldest removed to make room');
  assert.match(keys[1], /^feats-edge:exposures:\/flags\/exposures [0-9a-z]{9}[0-9a-z]+$/);
  const kept = JSON.parse(localStorage.getItem(keys[1])).events;
  assert.deepEqual(kept.map((e) => e.unit.value), Array.from({ length: 40 }, (_, i) => `visitor-${i + 10}`));
  assert.equal(client.stats.dropped, 1);
  await until(() => errors.length === 1);
  assert.match(errors[0], /1 exposure events left unsent by pages going away were not kept for the next page: they were past maxQueue \(1000\) or 500000 characters/);
  // Restored: the page sends its own; what the other page kept stays.
  windowEvents.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
  assert.equal(localStorage.getItem(keys[1]), null);
  assert.ok(localStorage.getItem(keys[0]));
  // Gone again, then the next page: it takes what both pages kept, oldest first, and sends it at once.
  hideRefusingBeacons();
  const sent = [];
  const next = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, maxBatch: 100,
    fetch: async (url, init) => (sent.push(...JSON.parse(init.body).events), new Response(null, { status: 204 })),
  });
  t.after(() => next.close());
  assert.deepEqual(keysFrom(base), []);
  await until(() => next.stats.sent === 41);
  assert.deepEqual(sent.map((e) => e.unit.value.slice(0, 10)), ['newerxxxxx', ...Array.from({ length: 40 }, (_, i) => `visitor-${i + 10}`)]);
});

test("the next page takes its sink's kept keys alone, oldest first by the times in their names (whatever order the storage lists them in); another sink's, one that only begins like them, and the application's stay", async (t) => {
  localStorage.clear();
  const base = 'feats-edge:exposures:/flags/exposures';
  const stay = [`${base}-v2 ${keptTime(2000)}cccccc`, `${base}.bak`, 'settings'];
  localStorage.setItem(`${base} ${keptTime(1000)}bbbbbb`, keptValue('newer'));
  localStorage.setItem(`${base} ${keptTime(2000)}aaaaaa`, keptValue('older'));
  for (const k of stay) localStorage.setItem(k, keptValue('not this sink'));
  const sent = [];
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0,
    fetch: async (url, init) => (sent.push(...JSON.parse(init.body).events.map((e) => e.unit.value)), new Response(null, { status: 204 })),
  });
  t.after(() => client.close());
  await until(() => client.stats.sent === 2, 1000, 'the kept events sent');
  assert.deepEqual(sent, ['older', 'newer']);
  assert.deepEqual(keysFrom('').sort(), stay.sort());
});

/** Web Locks whose grants the test makes (`grant()`), each lock's name noted in `names`. */
function heldLocks(t) {
  const names = [], waiting = [];
  navigator.locks = { request: (name, fn) => (names.push(name), new Promise((resolve) => waiting.push(() => resolve(fn())))) };
  t.after(() => delete navigator.locks);
  return { names, grant: () => waiting.splice(0).forEach((run) => run()) };
}

test("what pages kept is taken under a Web Lock of the sink's key: granted late, it goes before the page's own events; a client closed meanwhile takes nothing", async (t) => {
  const base = 'feats-edge:exposures:/flags/exposures';
  for (const closeFirst of [false, true]) {
    localStorage.clear();
    const key = `${base} ${keptTime(1000)}aaaaaa`;
    localStorage.setItem(key, keptValue('kept'));
    const locks = heldLocks(t), sent = [];
    const client = await createClient({
      snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0,
      fetch: async (url, init) => (sent.push(...JSON.parse(init.body).events.map((e) => e.unit.value)), new Response(null, { status: 204 })),
    });
    assert.deepEqual(locks.names, [`feats-edge ${base}`]);
    assert.ok(localStorage.getItem(key), 'not taken before the lock is granted');
    if (closeFirst) {
      await client.close();
      locks.grant();
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(localStorage.getItem(key), 'a closed client took it: the next page would not send it');
      assert.deepEqual(sent, []);
    } else {
      t.after(() => client.close());
      client.create('Split', ctx('own'));
      locks.grant();
      await until(() => client.stats.sent === 2, 1000, 'both sent');
      assert.deepEqual(sent, ['kept', 'own']);
      assert.equal(localStorage.getItem(key), null);
    }
  }
});

test('a Web Locks API that throws or refuses the lock (as in some sandboxed frames): what pages kept is taken without it', async (t) => {
  const base = 'feats-edge:exposures:/flags/exposures';
  t.after(() => delete navigator.locks);
  const denied = () => new DOMException('denied', 'SecurityError');
  for (const request of [() => { throw denied(); }, async () => { throw denied(); }]) {
    localStorage.clear();
    localStorage.setItem(`${base} ${keptTime(1000)}aaaaaa`, keptValue('kept'));
    navigator.locks = { request };
    const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, fetch: async () => new Response(null, { status: 204 }) });
    t.after(() => client.close());
    await until(() => client.stats.sent === 1, 1000, 'the kept event sent');
    assert.deepEqual(keysFrom(base), []);
  }
});

test('what pages kept over 30 days ago for other sinks is removed (exactly 30 days, not yet) whatever order the storage lists the keys in; a sticky key that ends like a kept one (a space and 9 letters) is no kept key', async (t) => {
  localStorage.clear();
  const realNow = Date.now, now = realNow();
  Date.now = () => now;
  t.after(() => (Date.now = realNow));
  const days = 24 * 3600 * 1000;
  // (One of a sink whose URL begins with this page's.)
  const old = [
    `feats-edge:exposures:/old/a ${keptTime(40 * days)}aaaaaa`, `feats-edge:exposures:/old/b ${keptTime(30 * days + 1)}bbbbbb`,
    `feats-edge:exposures:/flags/exposures-v1 ${keptTime(40 * days)}vvvvvv`,
  ];
  for (const k of old) localStorage.setItem(k, keptValue('gone'));
  const thirty = `feats-edge:exposures:/old/c ${keptTime(30 * days)}cccccc`;
  localStorage.setItem(thirty, keptValue('kept 30 days ago'));
  const sticky = 'feats-edge:sticky:exp/visitor zzzzzzzzz';
  localStorage.setItem(sticky, 'b');
  // A page kept something a moment ago: its time tells this page's clock right.
  const fresh = `feats-edge:exposures:/other/exposures ${keptTime(1000)}ffffff`;
  localStorage.setItem(fresh, keptValue('lately'));
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, fetch: async () => new Response(null, { status: 204 }) });
  t.after(() => client.close());
  assert.deepEqual(keysFrom('feats-edge:').sort(), [fresh, sticky, thirty].sort());
  assert.equal(client.stats.dropped, 3);
});

test('page hide makes room by removing what other pages kept only while that and its own events are over 500 000 characters: exactly that, or nothing of its own, nothing is removed', async (t) => {
  localStorage.clear();
  const base = 'feats-edge:exposures:/flags/exposures';
  const { client } = await unanswered(t);
  client.on('error', () => {});
  const other = `${base} ${keptTime(60_000)}oooooo`, unit = (n) => 'x'.repeat(n - keptValue('').length);
  // With nothing of its own to keep, nothing is removed, however much other pages kept.
  localStorage.setItem(other, keptValue(unit(600_000)));
  hideRefusingBeacons();
  assert.deepEqual([keysFrom(`${base} `), client.stats.dropped], [[other], 0]);
  for (let i = 0; i < 3; i++) client.create('Split', ctx(`visitor-${i}`));
  localStorage.removeItem(other);
  hideRefusingBeacons();
  const size = localStorage.getItem(keysFrom(`${base} `)[0]).length;
  // Another page's copy, then page hide again (it keeps the same events anew).
  localStorage.setItem(other, keptValue(unit(500_000 - size)));
  hideRefusingBeacons();
  assert.equal(keysFrom(`${base} `).length, 2, 'exactly 500 000 characters: both kept');
  assert.equal(client.stats.dropped, 0);
  localStorage.setItem(other, keptValue(unit(500_001 - size)));
  hideRefusingBeacons();
  assert.equal(keysFrom(`${base} `).length, 1, 'one more: the other page\'s removed');
  assert.ok(localStorage.getItem(other) == null);
  assert.equal(client.stats.dropped, 1);
});

test('page hide keeps at most maxQueue events, the newest: those of a POST under way into a failing sink and those queued since, the oldest counted dropped', async (t) => {
  localStorage.clear();
  const base = 'feats-edge:exposures:/flags/exposures';
  const { client } = await unanswered(t, { retryDelay: 60_000, maxQueue: 3 }, true);
  client.on('error', () => {});
  for (const u of ['a', 'b', 'c']) client.create('Split', ctx(u));
  await client.flush();
  client.flush(); // (into the failing sink: these may die with the page)
  for (const u of ['d', 'e', 'f']) client.create('Split', ctx(u));
  assert.equal(client.stats.queued, 6);
  hideRefusingBeacons();
  assert.deepEqual(keptUnits(`${base} `), ['d', 'e', 'f']);
  assert.equal(client.stats.dropped, 3);
});

test('page hide keeps its newest events up to 500 000 characters: a copy of exactly that is kept whole, one a character longer loses its oldest event', async (t) => {
  const base = 'feats-edge:exposures:/flags/exposures';
  const eventBase = await fixedEventBase();
  for (const [total, kept] of [[500_000, ['older', 'newer']], [500_001, ['newer']]]) {
    localStorage.clear();
    const { client, answer } = await unanswered(t);
    client.on('error', () => {});
    // Two events that make a copy of `total` characters (`{"events":[…]}`, 13, and a comma), and one before them.
    const units = ['oldest', 'older'.padEnd(200_000, 'x')];
    units.push('newer'.padEnd(total - 13 - 1 - 2 * eventBase - units[1].length, 'x'));
    for (const u of units) client.create('Fixed', ctx(u));
    hideRefusingBeacons();
    assert.deepEqual(keptUnits(`${base} `).map((u) => u.replace(/x+$/, '')), kept, `${total} characters`);
    assert.equal(client.stats.dropped, 3 - kept.length);
    answer();
    await client.close(); // (else it keeps again at the next page hide)
  }
});

test('a hidden page keeps the newest of its events that fit the room other pages left, and nothing when none fits; another page that takes that copy takes those alone from its queue', async (t) => {
  localStorage.clear();
  t.after(() => setVisibility('visible'));
  const base = 'feats-edge:exposures:/flags/exposures';
  const eventBase = await fixedEventBase();
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: '/flags/exposures', flushInterval: 0, retryDelay: 60_000,
    fetch: async () => new Response(null, { status: 503 }),
  });
  t.after(() => client.close());
  let failed = 0;
  client.on('error', () => failed++);
  for (const u of ['unit-a', 'unit-b', 'unit-c']) client.create('Fixed', ctx(u));
  await client.flush();
  // Another page's copy leaves room for two of these events (and a comma each), not three.
  const other = `${base} ${keptTime(60_000)}oooooo`;
  localStorage.setItem(other, 'x'.repeat(500_000 - (12 + 2 * (eventBase + 6 + 1)) - 5));
  setVisibility('hidden');
  // (Hidden, the page tries the sink once more: its batch back in the queue when it fails.)
  await until(() => failed === 2, 3000, "the hidden page's POST failed");
  const [mine] = keysFrom(`${base} `).filter((k) => k !== other);
  assert.deepEqual(JSON.parse(localStorage.getItem(mine)).events.map((e) => e.unit.value), ['unit-b', 'unit-c']);
  assert.equal(client.stats.dropped, 0, 'a page that lives on loses nothing yet');
  // Another page takes that copy: those two leave this page's queue.
  localStorage.setItem(mine, '');
  windowEvents.dispatchEvent(Object.assign(new Event('storage'), { key: mine, newValue: '', storageArea: localStorage }));
  localStorage.removeItem(mine);
  assert.equal(client.stats.queued, 1);
  // Shown, then hidden with no room for its one event: nothing kept.
  setVisibility('visible');
  localStorage.setItem(other, 'x'.repeat(500_000 - 20));
  setVisibility('hidden');
  assert.deepEqual(keysFrom(`${base} `), [other]);
});

test("a kept key's name holds the time it was written, in 9 digits: another sink's next page, which removes what was kept over 30 days ago for sinks no longer used, leaves it", async (t) => {
  localStorage.clear();
  const { client: gone } = await unanswered(t, { exposureUrl: '/a/exposures' });
  gone.on('error', () => {});
  gone.create('Split', ctx('1'));
  hideRefusingBeacons();
  const [kept] = keysFrom('feats-edge:exposures:/a/exposures ');
  assert.ok(kept);
  // The next page of another sink, which a page of its own left events for a moment ago.
  localStorage.setItem(`feats-edge:exposures:/b/exposures ${keptTime(1000)}bbbbbb`, keptValue('b'));
  const next = await createClient({ snapshot: snapshot('r1'), exposureUrl: '/b/exposures', flushInterval: 0, fetch: async () => new Response(null, { status: 204 }) });
  t.after(() => next.close());
  const errors = [];
  next.on('error', (e) => errors.push(e.message));
  await until(() => next.stats.sent === 1, 1000, "the other sink's kept event sent");
  assert.ok(localStorage.getItem(kept));
  assert.deepEqual([next.stats.dropped, errors], [0, []]);
});

test('page hide with a localStorage that refuses the write (over quota): the events it could not keep are counted dropped and said, nothing thrown', async (t) => {
  localStorage.clear();
  refusingKeptWrites(t);
  const { client } = await unanswered(t, { maxBatch: 1000 });
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  for (let i = 0; i < 5; i++) client.create('Split', ctx(`visitor-${i}`));
  hideRefusingBeacons();
  assert.equal(client.stats.dropped, 5);
  await until(() => errors.length === 1);
  assert.match(errors[0], /5 exposure events left unsent by pages going away were not kept for the next page: they did not fit in localStorage/);
});

test('a hidden page whose localStorage refuses its copy counts nothing dropped and says nothing: the events are still its own to send; page hide then counts them', async (t) => {
  localStorage.clear();
  t.after(() => setVisibility('visible'));
  refusingKeptWrites(t);
  const { client } = await unanswered(t, { retryDelay: 60_000 }, true);
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  for (let i = 0; i < 3; i++) client.create('Split', ctx(`visitor-${i}`));
  await client.flush();
  assert.equal(errors.length, 1, 'the 503');
  setVisibility('hidden');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual([client.stats.dropped, client.stats.queued, errors.length], [0, 3, 1]);
  hideRefusingBeacons();
  assert.equal(client.stats.dropped, 3);
  await until(() => errors.length === 2);
  assert.match(errors[1], /3 exposure events left unsent by pages going away were not kept for the next page: they did not fit in localStorage/);
});

/** The page's address for the test: `document.baseURI`, and `location` unless `withLocation` is false. */
function placePage(t, href, withLocation = true) {
  document.baseURI = href;
  if (withLocation) globalThis.location = { href, origin: new URL(href).origin };
  t.after(() => {
    delete document.baseURI;
    delete globalThis.location;
  });
}

test("a snapshot on the page's own origin: cached under its path and query, and revalidated with its ETag", async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  placePage(t, `${new URL(srv.snapshotUrl).origin}/app/`);
  const url = `${srv.snapshotUrl}?v=1`;
  const first = await createClient({ snapshotUrl: url, refreshInterval: 0 });
  await first.close();
  const keys = keysFrom('');
  assert.deepEqual(keys, ['feats-edge:snapshot:/snapshot.json?v=1']);
  const second = await createClient({ snapshotUrl: url, refreshInterval: 0 });
  t.after(() => second.close());
  await until(() => srv.state.snapshotRequests.length === 2, 3000, 'the revalidation');
  assert.equal(srv.state.snapshotRequests[1].headers['if-none-match'], '"v1"');
});

test('a snapshot on another origin than the page: cached under its whole URL, and asked for without If-None-Match (which would make every poll a CORS preflight)', async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  placePage(t, 'https://app.example/page');
  const first = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  await first.close();
  const keys = keysFrom('');
  assert.deepEqual(keys, [`feats-edge:snapshot:${srv.snapshotUrl}`]);
  const second = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  t.after(() => second.close());
  await until(() => srv.state.snapshotRequests.length === 2, 3000, 'the revalidation');
  assert.equal(srv.state.snapshotRequests[1].headers['if-none-match'], undefined);
});

test("a relative snapshotUrl is resolved against the page's base URL: fetched, no error said", async (t) => {
  localStorage.clear();
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  // A page whose base URL is known (document.baseURI) with no `location`
  // in reach, and its fetch, which resolves relative URLs against it.
  placePage(t, `${new URL(srv.snapshotUrl).origin}/app/`, false);
  const pageFetch = globalThis.fetch;
  t.mock.method(globalThis, 'fetch', (u, init) => pageFetch(new URL(u, document.baseURI), init));
  const errors = [];
  const client = await createClient({ snapshotUrl: '/snapshot.json', refreshInterval: 0 });
  t.after(() => client.close());
  client.on('error', (e) => errors.push(e.message));
  assert.equal(client.revision, 'r1');
  assert.deepEqual(errors, []);
});
