// The client in Chromium where the page's life and the network get in the
// way: a relative snapshot URL on two pages, a snapshot on another origin
// that answers no CORS preflight, a network that goes down for a moment,
// a beacon still under way when the page posts again, two tabs that
// drew different arms of a random experiment, and localStorage full. Against a site
// of the test's own on 127.0.0.1 (the package, pages, snapshots with ETags,
// an exposure sink that can be slow), and a second origin for the CDN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { root, launchChromium, until } from '../helpers/runtimes.js';

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
const etagOf = (text) => `"${createHash('sha256').update(text).digest('hex').slice(0, 16)}"`;
const snapshotText = (revision) => JSON.stringify({
  schema: 1, revision,
  segments: { UserId: { from: { user: '{id}' } } },
  features: {
    Flag: { type: 'boolean', inputs: ['user'], default: false, rules: [{ serve: revision.endsWith('2') }] },
    Exp: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ split: { by: 'UserId', weights: { a: 50, b: 50 } } }] },
  },
});

/**
 * A site on 127.0.0.1: /pkg/ from the repository, any *.html a blank page,
 * `site.snapshots[path]` with its ETag (304 when If-None-Match has it;
 * `cors`: any origin may read it, the ETag exposed, but OPTIONS is 404 as
 * on many static hosts), POST /x an exposure sink that waits `sinkDelay` ms
 * (and answers `sinkStatus` instead while it is set: a failing sink).
 */
async function startSite({ cors = false } = {}) {
  const site = { snapshots: {}, log: [], events: [], sinkDelay: 0, sinkStatus: 0, refused: 0, url: '' };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    if (req.method === 'OPTIONS') return site.log.push({ path, method: 'OPTIONS' }), res.writeHead(404).end();
    const text = site.snapshots[path];
    if (text !== undefined) {
      const etag = etagOf(text), inm = req.headers['if-none-match'];
      site.log.push({ path, method: req.method, inm });
      const h = { etag, 'cache-control': 'no-cache', 'content-type': 'application/json',
        ...(cors && { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'ETag' }) };
      return inm === etag ? res.writeHead(304, h).end() : res.writeHead(200, h).end(text);
    }
    if (path === '/x' && req.method === 'POST') {
      await new Promise((r) => setTimeout(r, site.sinkDelay));
      if (site.sinkStatus) return site.refused++, res.writeHead(site.sinkStatus).end();
      site.events.push(...JSON.parse(Buffer.concat(chunks).toString()).events);
      return res.writeHead(204).end();
    }
    if (path.startsWith('/pkg/')) {
      try {
        const file = normalize(join(root, path));
        return res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
      } catch {
        return res.writeHead(404).end();
      }
    }
    if (path.endsWith('.html')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>page</title>');
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  site.url = `http://127.0.0.1:${server.address().port}`;
  site.close = () => new Promise((r) => (server.closeAllConnections(), server.close(r)));
  return site;
}

let browser, site, cdn;
before(async () => {
  [browser, site, cdn] = await Promise.all([launchChromium(), startSite(), startSite({ cors: true })]);
});
after(async () => {
  await browser?.close();
  await site?.close();
  await cdn?.close();
});

/** A fresh page at `path` of the site, localStorage empty; its page errors must stay none. */
async function open(path, body) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${site.url}${path}`);
    await page.evaluate(() => localStorage.clear());
    await body(page);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
}

/** In the page: wraps fetch and sendBeacon to note every POST (`window.__net`). */
const instrument = () => {
  window.__net = [];
  const f = window.fetch;
  window.fetch = (u, init) => {
    if (init?.method !== 'POST') return f(u, init);
    const note = { keepalive: !!init.keepalive, bytes: init.body.length };
    window.__net.push(note);
    return f(u, init).then((r) => ((note.status = r.status), r), (e) => ((note.failed = e.name), Promise.reject(e)));
  };
  const beacon = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (u, d) => {
    const sent = beacon(u, d);
    window.__net.push({ beacon: true, bytes: d.size, sent });
    return sent;
  };
};

test('a relative snapshotUrl is cached under the URL it resolves to: one page never starts from another page\'s snapshot', async () => {
  site.snapshots['/shop/snap.json'] = snapshotText('shop-1');
  site.snapshots['/admin/snap.json'] = snapshotText('admin-2');
  const page = await browser.newPage();
  try {
    const visit = (path) => page.goto(`${site.url}${path}`).then(() => page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const c = await createClient({ snapshotUrl: 'snap.json', refreshInterval: 0, timeout: 1000 });
      const seen = { revision: c.revision, keys: Object.keys(localStorage).sort() };
      c.close();
      return seen;
    }));
    await page.goto(`${site.url}/shop/index.html`);
    await page.evaluate(() => localStorage.clear());
    assert.deepEqual(await visit('/shop/index.html'), { revision: 'shop-1', keys: ['feats-edge:snapshot:/shop/snap.json'] });
    // The admin page's own snapshot server hangs: nothing of its own is
    // cached, so it waits (and answers with defaults), never with the shop's.
    const hung = site.snapshots['/admin/snap.json'];
    delete site.snapshots['/admin/snap.json'];
    await page.route('**/admin/snap.json', () => {});
    const admin = await visit('/admin/index.html');
    assert.equal(admin.revision, null);
    await page.unroute('**/admin/snap.json');
    site.snapshots['/admin/snap.json'] = hung;
    assert.deepEqual((await visit('/admin/index.html')).keys, ['feats-edge:snapshot:/admin/snap.json', 'feats-edge:snapshot:/shop/snap.json']);
  } finally {
    await page.close();
  }
});

test('the snapshot cache keeps the entries of the 4 snapshot URLs used last: a URL that names a version leaves no entry per version', async () => {
  site.snapshots['/v/snap.json'] = snapshotText('v-1');
  const page = await browser.newPage();
  try {
    await page.goto(`${site.url}/v/index.html`);
    await page.evaluate(() => localStorage.clear());
    let keys;
    for (let v = 1; v <= 7; v++) {
      keys = await page.evaluate(async (v) => {
        const { createClient } = await import('/pkg/index.js');
        const c = await createClient({ snapshotUrl: `snap.json?v=${v}`, refreshInterval: 0, timeout: 1000 });
        c.close();
        return Object.keys(localStorage).sort();
      }, v);
    }
    assert.deepEqual(keys, [4, 5, 6, 7].map((v) => `feats-edge:snapshot:/v/snap.json?v=${v}`));
    // Another storageKey's entries are its own.
    keys = await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const c = await createClient({ snapshotUrl: 'snap.json?v=8', storageKey: 'other:', refreshInterval: 0, timeout: 1000 });
      c.close();
      return Object.keys(localStorage).filter((k) => !k.startsWith('other:')).length;
    });
    assert.equal(keys, 4);
    // With an empty storageKey, the application's own keys that look like
    // cache keys are no cache entries: left alone.
    keys = await page.evaluate(async () => {
      localStorage.clear();
      for (let i = 0; i < 5; i++) localStorage.setItem(`snapshot:mine-${i}`, JSON.stringify({ draft: i }));
      const { createClient } = await import('/pkg/index.js');
      for (let v = 1; v <= 6; v++) (await createClient({ snapshotUrl: `snap.json?v=${v}`, storageKey: '', refreshInterval: 0, timeout: 1000 })).close();
      return Object.keys(localStorage).sort();
    });
    assert.deepEqual(keys, [...[3, 4, 5, 6].map((v) => `snapshot:/v/snap.json?v=${v}`), ...[0, 1, 2, 3, 4].map((i) => `snapshot:mine-${i}`)]);
  } finally {
    await page.close();
  }
});

test('a snapshot on another origin that answers no CORS preflight is revalidated all the same (by the HTTP cache, no If-None-Match of ours)', () =>
  open('/a.html', async (page) => {
    cdn.snapshots['/snap.json'] = snapshotText('cdn-1');
    cdn.log.length = 0;
    const u = `${cdn.url}/snap.json`;
    await page.evaluate(async (u) => {
      const { createClient } = await import('/pkg/index.js');
      window.__errors = [];
      window.__c = await createClient({ snapshotUrl: u, refreshInterval: 0 });
      window.__c.on('error', (e) => window.__errors.push(e.message));
    }, u);
    const refresh = () => page.evaluate(async () => (await window.__c.refresh(), { revision: window.__c.revision, errors: window.__errors }));
    assert.deepEqual(await refresh(), { revision: 'cdn-1', errors: [] });
    cdn.snapshots['/snap.json'] = snapshotText('cdn-2');
    assert.deepEqual(await refresh(), { revision: 'cdn-2', errors: [] });
    const etag1 = etagOf(snapshotText('cdn-1'));
    assert.deepEqual(cdn.log.map((r) => [r.method, r.inm]), [['GET', undefined], ['GET', etag1], ['GET', etag1]],
      'no preflight; the browser revalidates with the ETag it keeps (a 304, then the change)');
    await page.evaluate(() => window.__c.close());
  }));

test('a network down for a moment is no browser refusing keepalive: POSTs keep it once it is back', () =>
  open('/a.html', async (page) => {
    site.snapshots['/snap.json'] = snapshotText('r1');
    await page.evaluate(instrument);
    await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      // (The retry comes after the network is back: one made while it is still
      // down, but seen after, would read as a browser refusing keepalive.
      // Backoff at its ceiling: 1 s.)
      Math.random = () => 1 - 2 ** -53;
      window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0, retryDelay: 1000 });
    });
    await page.context().setOffline(true);
    await page.evaluate(() => (window.__c.create('Exp', { user: { id: 'offline' } }), window.__c.flush()));
    await page.context().setOffline(false);
    // The retry (with backoff) goes through; then two more batches.
    await until(() => page.evaluate(() => window.__c.stats.sent === 1), 10000);
    for (const id of ['next', 'last']) await page.evaluate((id) => (window.__c.create('Exp', { user: { id } }), window.__c.flush()), id);
    const net = await page.evaluate(() => window.__net.filter((n) => !n.failed));
    assert.deepEqual(net.slice(-2).map((n) => [n.keepalive, n.status]), [[true, 204], [true, 204]],
      'after the outage: keepalive (a plain POST is cancelled with its events when the tab closes)');
    assert.deepEqual(await page.evaluate(() => ({ ...window.__c.stats })), { sent: 3, failed: 0, dropped: 0, queued: 0 });
    await page.evaluate(() => window.__c.close());
  }));

test('a beacon still under way counts against the keepalive quota: the POST after it is not refused, and keepalive goes on', () =>
  open('/a.html', async (page) => {
    site.snapshots['/snap.json'] = snapshotText('r1');
    site.events.length = 0;
    site.sinkDelay = 3000; // a slow uplink: the beacon is in flight 3 s
    try {
      await page.evaluate(instrument);
      await page.clock.install();
      await page.evaluate(async () => {
        const { createClient } = await import('/pkg/index.js');
        window.__errors = [];
        window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0, maxBatch: 10000 });
        window.__c.on('error', (e) => window.__errors.push(e.message));
        let state = 'visible';
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
        window.__show = (s) => ((state = s), document.dispatchEvent(new Event('visibilitychange')));
        window.__make = (tag, n) => { for (let j = 0; j < n; j++) window.__c.create('Exp', { user: { id: `${tag}-${j}-`.padEnd(300, 'x') } }); };
      });
      // ~50 KB leave by one beacon when the page is hidden; visible again,
      // ~27 KB are flushed while the beacon is still in flight.
      const first = await page.evaluate(async () => {
        window.__make('hidden', 120);
        window.__show('hidden');
        window.__show('visible');
        window.__make('after', 55);
        await window.__c.flush();
        return { net: window.__net.splice(0), errors: window.__errors };
      });
      assert.equal(first.net[0].beacon, true);
      assert.equal(first.net[0].sent, true);
      assert.deepEqual(first.errors, [], 'no POST refused for the quota the beacon holds');
      assert.deepEqual(first.net.slice(1).map((n) => [n.keepalive, n.status]), [[false, 204]], 'plain while the beacon may hold the quota');
      // Once the beacon is delivered and its 30 s are over, keepalive again.
      await until(() => site.events.length === 175, 10000);
      await page.clock.runFor(31_000);
      const later = await page.evaluate(async () => (window.__make('later', 1), await window.__c.flush(), window.__net.splice(0)));
      assert.deepEqual(later.map((n) => [n.keepalive, n.status]), [[true, 204]]);
      assert.deepEqual(await page.evaluate(() => ({ ...window.__c.stats })), { sent: 176, failed: 0, dropped: 0, queued: 0 });
      await page.evaluate(() => window.__c.close());
    } finally {
      site.sinkDelay = 0;
    }
  }));

test('back online, what waited out a network error goes at once: the snapshot is fetched and the exposures sent', () =>
  open('/a.html', async (page) => {
    site.snapshots['/snap.json'] = snapshotText('r1');
    site.events.length = 0;
    // Timers stand still: only the `online` event can start the retries.
    await page.clock.install();
    await page.clock.pauseAt(Date.now() + 1000);
    await page.evaluate(async () => {
      window.__m = await import('/pkg/index.js');
      await window.__m.init();
    });
    await page.context().setOffline(true);
    // A bootstrap snapshot to serve (and report exposures for) meanwhile.
    await page.evaluate(async (bootstrap) => {
      const c = (window.__c = await window.__m.createClient({
        snapshot: bootstrap, snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0,
      }));
      window.__errors = [];
      c.on('error', (e) => window.__errors.push(e.message));
    }, snapshotText('r0'));
    await until(() => page.evaluate(() => window.__errors.length === 1), 5000); // the snapshot fetch failed
    const before = await page.evaluate(async () => {
      const c = window.__c;
      c.create('Exp', { user: { id: 'offline' } });
      await c.flush();
      return { revision: c.revision, stats: { ...c.stats }, errors: window.__errors.length };
    });
    assert.deepEqual(before, { revision: 'r0', stats: { sent: 0, failed: 0, dropped: 0, queued: 1 }, errors: 2 });
    await page.context().setOffline(false);
    const after = await until(() => page.evaluate(() => window.__c.revision === 'r1' && window.__c.stats.sent === 1 && { ...window.__c.stats }), 5000);
    assert.deepEqual(after, { sent: 1, failed: 0, dropped: 0, queued: 0 }, 'loaded and sent without waiting out the backoff');
    assert.deepEqual(site.events.map((e) => e.unit?.value), ['offline']);
    await page.evaluate(() => window.__c.close());
  }));

test('a page going away with more exposures queued than the keepalive quota holds: the rest leave by plain POSTs, and arrive', async () => {
  site.snapshots['/snap.json'] = snapshotText('r1');
  site.events.length = 0;
  site.sinkDelay = 0;
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${site.url}/a.html`);
    await page.evaluate(() => localStorage.clear());
    await page.evaluate(instrument);
    // 1 000 events (~200 bytes each: ~200 KB) wait; nothing is sent before the page goes.
    await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0, maxBatch: 10000 });
      for (let i = 0; i < 1000; i++) c.create('Exp', { user: { id: `leaving-${i}` } });
      window.__c = c;
    });
    assert.equal(await page.evaluate(() => window.__c.stats.queued), 1000);
    await page.goto(`${site.url}/b.html`);
    await until(() => site.events.length >= 1000, 10000); // (the events of the page gone; counted below)
    const units = new Set(site.events.map((e) => e.unit.value));
    assert.equal(site.events.length, 1000, 'every event');
    assert.equal(units.size, 1000, 'each event once');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

for (const [sinkDelay, how] of [[0, 'a sink that answers at once'], [500, 'a sink that takes 500 ms to answer']]) {
  test(`a page going away with 1 000 exposures queued (maxBatch 100), to ${how}: what it could not be sure to send is kept, and the next page of the origin sends it first: every event arrives`, async () => {
    site.snapshots['/snap.json'] = snapshotText('r1');
    site.events.length = 0;
    site.sinkDelay = sinkDelay; // (busy connections: plain POSTs started at page hide wait for one, and die with the page)
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${site.url}/a.html`);
      await page.evaluate(() => localStorage.clear());
      await page.evaluate(async () => {
        const { createClient } = await import('/pkg/index.js');
        const c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0 });
        for (let i = 0; i < 1000; i++) c.create('Exp', { user: { id: `leaving-${i}` } });
      });
      await page.goto(`${site.url}/b.html`);
      // The next page of the origin, with a client of the same sink.
      const kept = await page.evaluate(async () => {
        const keys = () => Object.keys(localStorage).filter((k) => k.startsWith('feats-edge:exposures:/x '));
        const kept = { kept: keys().map((k) => JSON.parse(localStorage.getItem(k)).events.length) };
        const { createClient } = await import('/pkg/index.js');
        window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0 });
        return kept;
      });
      // (Taken under a Web Lock, a few tasks later; polled from here: an earlier test's clock may stand still in the pages.)
      const keys = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('feats-edge:exposures:/x ')));
      await until(async () => (await keys()).length === 0, 2000).catch(() => {});
      kept.after = await keys();
      assert.ok(kept.kept.length <= 1, 'one key for the page');
      assert.deepEqual(kept.after, [], 'taken by the next client');
      const units = () => new Set(site.events.map((e) => e.unit.value));
      await until(() => units().size >= 1000 && page.evaluate(() => window.__c.stats.queued === 0), 20000);
      assert.equal(units().size, 1000, `every event (${kept.kept} kept for the next page)`);
      // An event sent again is the same, field for field: a sink can store each once.
      const byUnit = new Map();
      for (const e of site.events) {
        const text = JSON.stringify(e);
        assert.equal(byUnit.get(e.unit.value) ?? text, text);
        byUnit.set(e.unit.value, text);
      }
      assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('exposures'))), []);
      await page.evaluate(() => window.__c.close());
      assert.deepEqual(errors, []);
    } finally {
      site.sinkDelay = 0;
      await page.close();
    }
  });
}

test('a value under the exposures key that holds no events (another script\'s, truncated) is ignored and removed, nothing thrown; the events of one that holds some are sent', () =>
  open('/a.html', async (page) => {
    site.snapshots['/snap.json'] = snapshotText('r1');
    site.events.length = 0;
    const event = { feature: 'Exp', implementation: 'b', reason: 'SPLIT', rule: 0, experiment: null, unit: { segment: 'UserId', value: 'kept-0' }, revision: 'r0', timestamp: '2026-11-22T10:00:00.000Z' };
    const values = ['not json', '{"events":[', 'null', '42', '"x"', '[1,2]', '{"events":5}', '{"events":{"0":{}}}', '{"events":[1,null,"x",[],{"feature":7}]}', JSON.stringify({ events: [null, event] })];
    // (Polled from here: an earlier test's clock may stand still in the pages.)
    const left = () => page.evaluate(() => localStorage.getItem('feats-edge:exposures:/x 0'));
    const got = [];
    for (const v of values) {
      await page.evaluate(async (v) => {
        const { createClient } = await import('/pkg/index.js');
        localStorage.setItem('feats-edge:exposures:/x 0', v);
        window.__errors = [];
        window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0 });
        window.__c.on('error', (e) => window.__errors.push(e.message));
      }, v);
      await until(async () => (await left()) === null, 2000).catch(() => {}); // (taken under a Web Lock, a few tasks later)
      const taken = await page.evaluate(() => window.__c.stats.queued + window.__c.stats.sent);
      got.push({ left: await left(), taken, ...(await page.evaluate(async () => (await window.__c.close(), { sent: window.__c.stats.sent, errors: window.__errors }))) });
    }
    assert.deepEqual(got.slice(0, -1), values.slice(1).map(() => ({ left: null, taken: 0, sent: 0, errors: [] })));
    assert.deepEqual(got.at(-1), { left: null, taken: 1, sent: 1, errors: [] });
    assert.deepEqual(site.events, [event], 'sent as it was kept');
  }));

test('a kept key the storage refuses to empty (every write refused) is taken all the same: its events are sent once, and it is gone', () =>
  open('/a.html', async (page) => {
    site.snapshots['/snap.json'] = snapshotText('r1');
    site.events.length = 0;
    await page.evaluate(async () => {
      const event = { feature: 'Exp', implementation: 'b', reason: 'SPLIT', rule: 0, experiment: null, unit: { segment: 'UserId', value: 'refused-0' }, revision: 'r0', timestamp: '2026-11-22T10:00:00.000Z' };
      localStorage.setItem(`feats-edge:exposures:/x ${Date.now().toString(36).padStart(9, '0')}abc123`, JSON.stringify({ events: [event] }));
      const set = Storage.prototype.setItem;
      Storage.prototype.setItem = () => { throw new DOMException('refused', 'QuotaExceededError'); };
      window.__restore = () => (Storage.prototype.setItem = set);
      const { createClient } = await import('/pkg/index.js');
      window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0 });
      window.__c.on('error', () => {});
      await navigator.locks.request('feats-edge feats-edge:exposures:/x', () => {}); // (after the client's: it has taken what was kept)
    });
    await until(() => site.events.length === 1, 5000).catch(() => {});
    const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('exposures')));
    await page.evaluate(() => (window.__restore(), window.__c.close()));
    assert.deepEqual(left, []);
    assert.deepEqual(site.events.map((e) => e.unit.value), ['refused-0']);
  }));

test('what pages kept over 30 days ago for another exposure URL (the application changed its sink) is removed, counted as dropped and said; what they kept since, and keys of other prefixes, stay', () =>
  open('/a.html', async (page) => {
    site.snapshots['/snap.json'] = snapshotText('r1');
    site.events.length = 0;
    await page.evaluate(keeping);
    await page.evaluate(async () => {
      window.__keep(`feats-edge:exposures:/old ${window.__id(31)}`, 'old-0', 'old-1');
      window.__keep(`feats-edge:exposures:http://cdn.example/x ${window.__id(400)}`, 'cdn-0');
      window.__keep(`feats-edge:exposures:/old ${window.__id(29)}`, 'recent');
      window.__keep(`feats-edge:exposures:/x ${window.__id(31)}`, 'own'); // (this sink's: sent whatever its age)
      window.__keep(`other:exposures:/old ${window.__id(31)}`, 'other-prefix');
      window.__keep('feats-edge:exposures:/old x', 'no-time');
      const { createClient } = await import('/pkg/index.js');
      window.__errors = [];
      // A client with no exposure URL leaves what pages kept alone, old or not.
      const kept = () => Object.keys(localStorage).filter((k) => k.includes('exposures')).sort();
      const before = kept(), quiet = await createClient({ snapshotUrl: '/snap.json', refreshInterval: 0 });
      quiet.on('error', (e) => window.__errors.push(e.message));
      window.__quiet = { same: JSON.stringify(kept()) === JSON.stringify(before) && before.length === 6, dropped: quiet.stats.dropped };
      await quiet.close();
      window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0 });
      window.__c.on('error', (e) => window.__errors.push(e.message));
    });
    // (Polled from here: an earlier test's clock may stand still in the pages.)
    await until(() => page.evaluate(() => window.__c.stats.sent === 1), 5000).catch(() => {});
    const got = await page.evaluate(() => {
      const keys = Object.keys(localStorage).filter((k) => k.includes('exposures')).map((k) => k.replace(/ \w+$/, (m) => (m === ' x' ? m : ' <id>'))).sort();
      return { keys, dropped: window.__c.stats.dropped, sent: window.__c.stats.sent, errors: window.__errors, quiet: window.__quiet };
    });
    await page.evaluate(() => window.__c.close());
    assert.deepEqual(got.quiet, { same: true, dropped: 0 });
    assert.deepEqual(got.keys, ['feats-edge:exposures:/old <id>', 'feats-edge:exposures:/old x', 'other:exposures:/old <id>']);
    assert.equal(got.dropped, 3);
    assert.equal(got.sent, 1);
    assert.equal(got.errors.length, 1);
    assert.match(got.errors[0], /^feats-edge: 3 exposure events kept over 30 days ago for another exposure URL were removed from localStorage$/);
    assert.deepEqual(site.events.map((e) => e.unit.value), ['own']);
  }));

test('what a page whose clock was set years ahead kept for another exposure URL is removed as well (it stayed until that time had come and gone); a key a day ahead stays', () =>
  open('/a.html', async (page) => {
    site.snapshots['/snap.json'] = snapshotText('r1');
    site.events.length = 0;
    await page.evaluate(keeping);
    await page.evaluate(async () => {
      window.__keep(`feats-edge:exposures:/old ${window.__id(-4 * 365)}`, 'ahead-0', 'ahead-1');
      window.__keep(`feats-edge:exposures:/old ${window.__id(-1)}`, 'tomorrow');
      const { createClient } = await import('/pkg/index.js');
      window.__errors = [];
      window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0 });
      window.__c.on('error', (e) => window.__errors.push(e.message));
    });
    // (Polled from here: an earlier test's clock may stand still in the pages.)
    await until(() => page.evaluate(() => window.__errors.length > 0), 5000).catch(() => {});
    const got = await page.evaluate(() => ({
      keys: Object.keys(localStorage).filter((k) => k.includes('exposures')).map((k) => JSON.parse(localStorage.getItem(k)).events[0].unit.value),
      dropped: window.__c.stats.dropped, errors: window.__errors,
    }));
    await page.evaluate(() => window.__c.close());
    assert.deepEqual(got.keys, ['tomorrow']);
    assert.equal(got.dropped, 2);
    assert.equal(got.errors.length, 1);
    assert.match(got.errors[0], /^feats-edge: 2 exposure events kept over 30 days ago for another exposure URL were removed from localStorage$/);
  }));

test('a page whose clock is over 30 days behind or ahead removes nothing other pages kept lately for other exposure URLs: the newest other key disagrees with its clock', async () => {
  for (const days of [-40, 40, -4 * 365]) {
    await open('/a.html', async (page) => {
      site.snapshots['/snap.json'] = snapshotText('r1');
      site.events.length = 0;
      await page.evaluate(keeping);
      await page.evaluate(async (days) => {
        // Kept by pages of the last hours, whose clocks were right.
        window.__keep(`feats-edge:exposures:/shop ${window.__id(1 / 24)}`, 'shop-0', 'shop-1');
        window.__keep(`feats-edge:exposures:http://cdn.example/x ${window.__id(30 / 24)}`, 'cdn-0');
        window.__keep(`feats-edge:exposures:/x ${window.__id(2 / 24)}`, 'own');
        // This page's clock is set `days` off.
        const real = Date.now;
        Date.now = () => real() + days * 864e5;
        const { createClient } = await import('/pkg/index.js');
        window.__errors = [];
        window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0 });
        window.__c.on('error', (e) => window.__errors.push(e.message));
      }, days);
      // (Polled from here: an earlier test's clock may stand still in the pages.)
      await until(() => page.evaluate(() => window.__c.stats.sent === 1), 5000).catch(() => {});
      const got = await page.evaluate(() => ({
        kept: Object.keys(localStorage).filter((k) => k.includes('exposures')).flatMap((k) => JSON.parse(localStorage.getItem(k)).events.map((e) => e.unit.value)).sort(),
        dropped: window.__c.stats.dropped, sent: window.__c.stats.sent, errors: window.__errors,
      }));
      await page.evaluate(() => window.__c.close());
      assert.deepEqual(got, { kept: ['cdn-0', 'shop-0', 'shop-1'], dropped: 0, sent: 1, errors: [] }, `a clock ${days} days off`);
      assert.deepEqual(site.events.map((e) => e.unit.value), ['own']);
    });
  }
});

test('what a page kept over 30 days ago for another exposure URL, alone, stays (nothing tells this page\'s clock right); beside what a page kept lately for this sink, it is removed', async () => {
  for (const own of [false, true]) {
    await open('/a.html', async (page) => {
      site.snapshots['/snap.json'] = snapshotText('r1');
      site.events.length = 0;
      await page.evaluate(keeping);
      await page.evaluate(async (own) => {
        window.__keep(`feats-edge:exposures:/old ${window.__id(31)}`, 'old-0', 'old-1');
        if (own) window.__keep(`feats-edge:exposures:/x ${window.__id(0.1)}`, 'own');
        const { createClient } = await import('/pkg/index.js');
        window.__errors = [];
        window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0 });
        window.__c.on('error', (e) => window.__errors.push(e.message));
        // (A mark taken after the client's, under the same Web Lock: the client has taken what was kept.)
        await navigator.locks.request('feats-edge feats-edge:exposures:/x', () => {});
      }, own);
      await until(() => page.evaluate((own) => window.__c.stats.sent === +own, own), 5000).catch(() => {});
      const got = await page.evaluate(() => ({
        kept: Object.keys(localStorage).filter((k) => k.includes('exposures')).length, dropped: window.__c.stats.dropped, errors: window.__errors.length,
      }));
      await page.evaluate(() => window.__c.close());
      assert.deepEqual(got, own ? { kept: 0, dropped: 2, errors: 1 } : { kept: 1, dropped: 0, errors: 0 });
    });
  }
});

/**
 * In the page: a client of sink /x that retries after a minute, whose
 * page can be said hidden or shown (`__show`), and `__make(tag, n)`, n
 * uses of n units.
 */
const hideable = async () => {
  const { createClient } = await import('/pkg/index.js');
  window.__c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0, retryDelay: 60000 });
  window.__c.on('error', () => {});
  // (The browser's own state until one is shown: a page going away is hidden.)
  const real = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState').get;
  let state = null;
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state ?? real.call(document) });
  window.__show = (s) => ((state = s), document.dispatchEvent(new Event('visibilitychange')));
  window.__make = (tag, n) => { for (let j = 0; j < n; j++) window.__c.create('Exp', { user: { id: `${tag}-${j}` } }); };
};

/** The sink fails (503) and has received nothing; the snapshot is revision r1. */
function failingSink() {
  site.snapshots['/snap.json'] = snapshotText('r1');
  site.events.length = site.refused = 0;
  site.sinkStatus = 503;
}

/** A new page of the site, its localStorage cleared, with the client of `hideable`. */
async function hideablePage() {
  const page = await browser.newPage();
  await page.goto(`${site.url}/a.html`);
  await page.evaluate(() => localStorage.clear());
  await page.evaluate(hideable);
  return page;
}

/** How many keys of kept exposure events the page's localStorage holds. */
const keptCount = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('exposures')).length);

/**
 * In the page: `__keep(key, ...values)` writes under `key` what a page kept
 * (an event of unit value each), and `__id(days)` a key's id kept `days` ago.
 */
function keeping() {
  const event = (value) => ({ feature: 'Exp', implementation: 'b', reason: 'SPLIT', rule: 0, experiment: null, unit: { segment: 'UserId', value }, revision: 'r0', timestamp: '2026-11-22T10:00:00.000Z' });
  window.__id = (days) => (Date.now() - days * 864e5).toString(36).padStart(9, '0') + 'abc123';
  window.__keep = (key, ...values) => localStorage.setItem(key, JSON.stringify({ events: values.map(event) }));
}

/** Kills the page's renderer: no `pagehide`, no `unload`, as a mobile browser discards a hidden page. */
async function crash(page) {
  const crashed = new Promise((r) => page.once('crash', r));
  (await page.context().newCDPSession(page)).send('Page.crash').catch(() => {});
  await crashed;
}

/** A new page of the site whose client of sink /x sends what earlier pages kept; resolves once the sink holds `n` events. */
async function nextPage(n) {
  const page = await browser.newPage();
  try {
    await page.goto(`${site.url}/b.html`);
    await page.evaluate(hideable);
    await until(async () => site.events.length >= n && (await page.evaluate(() => window.__c.stats.queued)) === 0, 5000).catch(() => {});
    return await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('exposures')));
  } finally {
    await page.close();
  }
}

/** The units the sink received, and how many times each. */
const received = () => {
  const counts = {};
  for (const e of site.events) counts[e.unit.value] = (counts[e.unit.value] ?? 0) + 1;
  return counts;
};
const once = (tag, n) => Object.fromEntries(Array.from({ length: n }, (_, j) => [`${tag}-${j}`, 1]));

test('a page hidden while the sink fails, then killed without page hide (as mobile browsers discard hidden pages): what it held was kept, and the next page of the origin sends each event once', async () => {
  failingSink();
  const page = await hideablePage();
  try {
    await page.evaluate(async () => (window.__make('hidden', 20), await window.__c.flush(), window.__show('hidden')));
    await until(() => site.refused === 2, 5000); // (the hidden page's keepalive fetch, refused too)
    await crash(page);
  } finally {
    site.sinkStatus = 0;
    await page.close();
  }
  assert.deepEqual(await nextPage(20), [], 'taken by the next page');
  assert.deepEqual(received(), once('hidden', 20));
});

test('a client whose Web Lock is granted only after its page was hidden does not take its own copy: it sends each event once', () =>
  open('/a.html', async (page) => {
    failingSink();
    try {
      // The lock the client takes what was kept under, held a while (as by another tab taking it first).
      await page.evaluate(() => new Promise((held) => navigator.locks.request('feats-edge feats-edge:exposures:/x', () => new Promise((r) => ((window.__release = r), held())))));
      await page.evaluate(hideable);
      await page.evaluate(async () => (window.__make('own', 20), await window.__c.flush(), window.__show('hidden')));
      await until(() => site.refused === 2, 5000); // (the hidden page's keepalive fetch, refused too)
      const after = await page.evaluate(async () => {
        window.__release();
        // (Granted after the client's request: the client has taken what was kept.)
        await navigator.locks.request('feats-edge feats-edge:exposures:/x', () => {});
        return { queued: window.__c.stats.queued, keys: Object.keys(localStorage).filter((k) => k.includes('exposures')).length };
      });
      assert.deepEqual(after, { queued: 20, keys: 1 }, 'its copy left to the next page, its queue as it was');
      await page.evaluate(() => window.__c.flush()); // (the hide's POST answered before the sink is back)
      site.sinkStatus = 0;
      await page.evaluate(async () => (window.__show('visible'), await window.__c.flush(true)));
      await until(() => site.events.length >= 20, 5000);
      assert.deepEqual(received(), once('own', 20));
      assert.equal(await page.evaluate(() => window.__c.stats.sent), 20);
    } finally {
      site.sinkStatus = 0;
      await page.evaluate(() => window.__c.close());
    }
  }));

test('a page hidden while the sink fails, whose copy the next page of the origin takes and sends, leaves those events to it: shown again, it sends none of them a second time; a copy another tab removed (the application clearing its keys) it still sends', async () => {
  for (const how of ['taken', 'removed']) {
    failingSink();
    const page = await hideablePage();
    try {
      await page.evaluate(async (how) => {
        Math.random = () => 1 - 2 ** -53; // (its retry a minute later: not while the test runs)
        window.__make(how, 20);
        await window.__c.flush();
        window.__show('hidden');
      }, how);
      await until(() => site.refused === 2, 5000); // (the hidden page's keepalive fetch, refused too)
      site.sinkStatus = 0;
      // Another tab of the origin, while this one is hidden.
      if (how == 'taken') assert.deepEqual(await nextPage(20), [], 'taken by the next page');
      else {
        const other = await browser.newPage();
        await other.goto(`${site.url}/b.html`);
        await other.evaluate(() => Object.keys(localStorage).forEach((k) => k.includes('exposures') && localStorage.removeItem(k)));
        await other.close();
      }
      await until(() => page.evaluate(() => window.__c.stats.queued === 0), 2000).catch(() => {}); // (told a few tasks later)
      await page.evaluate(async () => (window.__show('visible'), window.__make('after', 1), await window.__c.flush(true)));
      await until(() => site.events.length >= 21, 5000);
      assert.deepEqual(received(), { ...once(how, 20), 'after-0': 1 }, how);
      assert.deepEqual(await page.evaluate(() => ({ ...window.__c.stats })), { sent: how == 'taken' ? 1 : 21, failed: 0, dropped: 0, queued: 0 });
      await page.evaluate(() => window.__c.close());
    } finally {
      site.sinkStatus = 0;
      await page.close();
    }
  }
});

test('a hidden page whose copy another tab takes while its own POST of those events is under way does not put them back when that POST fails: each is sent once, by the other tab', async () => {
  failingSink();
  const page = await hideablePage();
  let other;
  try {
    await page.evaluate(async () => {
      Math.random = () => 1 - 2 ** -53; // (its retry a minute later: not while the test runs)
      window.__make('flying', 20);
      await window.__c.flush();
    });
    site.sinkDelay = 1500; // (the hidden page's POST under way while the other tab takes its copy)
    await page.evaluate(() => window.__show('hidden'));
    other = await browser.newPage();
    await other.goto(`${site.url}/b.html`);
    await other.evaluate(hideable);
    await until(() => site.refused === 3, 5000); // (the hidden page's POST, then the other tab's)
    // (The other tab's POST answered before the sink is back: else its 503,
    // heard after, put the events back with a minute's retry.)
    await other.evaluate(() => window.__c.flush());
    site.sinkDelay = site.sinkStatus = 0;
    await other.evaluate(() => window.__c.flush());
    assert.deepEqual(received(), once('flying', 20), 'sent by the other tab');
    await page.evaluate(async () => (window.__show('visible'), window.__make('after', 1), await window.__c.flush()));
    assert.deepEqual(received(), { ...once('flying', 20), 'after-0': 1 });
    assert.deepEqual(await page.evaluate(() => ({ ...window.__c.stats })), { sent: 1, failed: 0, dropped: 0, queued: 0 });
  } finally {
    site.sinkDelay = site.sinkStatus = 0;
    await page.evaluate(() => window.__c.close());
    await page.close();
    await other?.close();
  }
});

test('a page hidden then shown again takes back what it kept, and sends it itself; hidden with the sink answering, then killed, it kept nothing: each event arrives once', async () => {
  failingSink();
  const page = await hideablePage();
  try {
    const keys = () => keptCount(page);
    await page.evaluate(async () => (window.__make('shown', 20), await window.__c.flush(), window.__show('hidden')));
    assert.equal(await keys(), 1, 'kept while hidden');
    await page.evaluate(() => window.__show('visible'));
    assert.equal(await keys(), 0, 'taken back when shown');
    await page.evaluate(() => window.__c.flush()); // (the hide's POST answered first: see the next test)
    site.sinkStatus = 0;
    await page.evaluate(async () => (window.__make('killed', 20), await window.__c.flush(true)));
    await page.evaluate(() => window.__show('hidden'));
    assert.equal(await keys(), 0, 'nothing kept: the beacons of the hidden page went');
    await until(() => site.events.length === 40, 5000);
    await crash(page);
  } finally {
    site.sinkStatus = 0;
    await page.close();
  }
  assert.deepEqual(await nextPage(40), []);
  assert.deepEqual(received(), { ...once('shown', 20), ...once('killed', 20) });
});

test('a client closed while its page is hidden removes the copy it kept once close() has sent what waits: the next page sends nothing again; what close() could not send (the sink still down) stays kept, and the next page sends it once', async () => {
  for (const back of [true, false]) {
    failingSink();
    const page = await hideablePage();
    try {
      const keys = () => keptCount(page);
      await page.evaluate(async () => (window.__make('closed', 20), await window.__c.flush(), window.__show('hidden')));
      await until(() => site.refused === 2, 5000); // (the hidden page's keepalive fetch, refused too)
      assert.equal(await keys(), 1, 'kept while hidden');
      await page.evaluate(() => window.__c.flush()); // (the hide's POST answered before the sink is back)
      if (back) site.sinkStatus = 0;
      await page.evaluate(() => window.__c.close()); // (the application is done with it, or consent was withdrawn)
      assert.equal(site.events.length, back ? 20 : 0);
      assert.equal(await keys(), back ? 0 : 1, back ? 'sent by close(): no copy left' : 'refused: still kept');
      await crash(page);
    } finally {
      site.sinkStatus = 0;
      await page.close();
    }
    assert.deepEqual(await nextPage(20), []);
    assert.deepEqual(received(), once('closed', 20), back ? 'sent once, by close()' : 'sent once, by the next page');
  }
});

test('a client closed by a pagehide listener of the application\'s, after its own page hide, while the sink fails: what page hide kept stays (its beacons went into the failing sink), and the next page sends it', async () => {
  failingSink();
  const page = await hideablePage();
  try {
    await page.evaluate(async () => {
      window.__make('closing', 20);
      await window.__c.flush();
      addEventListener('pagehide', () => window.__c.close()); // (added after the client's own)
    });
    await page.goto(`${site.url}/b.html`); // (page hide: kept, and beaconed into the failing sink)
    await until(() => site.refused === 2, 5000);
    assert.equal((await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('exposures')))).length, 1, 'kept for the next page');
  } finally {
    site.sinkStatus = 0;
    await page.close();
  }
  assert.deepEqual(await nextPage(20), []);
  assert.deepEqual(received(), once('closing', 20));
});

test('a hidden page whose retry gets through while it is still hidden keeps no copy of what arrived: killed then, the next page sends nothing again', async () => {
  failingSink();
  const page = await hideablePage();
  try {
    const keys = () => keptCount(page);
    await page.evaluate(async () => (window.__make('retried', 20), await window.__c.flush(), window.__show('hidden')));
    await page.evaluate(() => window.__c.flush()); // (the hide's POST answered 503 too)
    assert.equal(await keys(), 1, 'kept while hidden');
    site.sinkStatus = 0;
    await page.evaluate(() => window.__c.flush()); // (as the retry timer does, the page still hidden)
    assert.equal(site.events.length, 20);
    assert.equal(await keys(), 0, 'nothing left to keep');
    await crash(page);
  } finally {
    site.sinkStatus = 0;
    await page.close();
  }
  assert.deepEqual(await nextPage(20), []);
  assert.deepEqual(received(), once('retried', 20));
});

test('a page hidden and shown again while the sink fails, with localStorage full: nothing is counted as dropped or said (its events wait in its queue), and once the sink is back each is sent', () =>
  open('/a.html', async (page) => {
    failingSink();
    try {
      await page.evaluate(hideable);
      await page.evaluate(() => {
        window.__errors = [];
        window.__c.on('error', (e) => window.__errors.push(e.message));
        // Filled to Chromium's quota: every write throws.
        for (let size = 1 << 20, i = 0; size >= 1; ) {
          try {
            localStorage.setItem(`fill-${i++}`, 'x'.repeat(size));
          } catch {
            size >>= 1;
          }
        }
      });
      await page.evaluate(async () => (window.__make('full', 20), await window.__c.flush()));
      for (let i = 0; i < 3; i++) await page.evaluate(() => (window.__show('hidden'), window.__show('visible')));
      // (The last hide's POST may still be under way: answered 503 once the
      // sink is back, its events would wait out a minute's retry. A flush
      // resolves once every POST under way is answered.)
      await page.evaluate(() => window.__c.flush());
      site.sinkStatus = 0;
      await page.evaluate(() => window.__c.flush(true));
      await until(() => site.events.length === 20, 5000);
      const got = await page.evaluate(() => ({ sent: window.__c.stats.sent, dropped: window.__c.stats.dropped, errors: window.__errors.filter((m) => !/answered 503/.test(m)) }));
      assert.deepEqual(got, { sent: 20, dropped: 0, errors: [] });
      assert.deepEqual(received(), once('full', 20));
    } finally {
      site.sinkStatus = 0;
      await page.evaluate(() => (window.__c.close(), localStorage.clear()));
    }
  }));

test('a page hidden while the sink fails removes nothing another page kept to make room for its own copy: shown again, it takes its own back, and what the other page kept stays for the next page', () =>
  open('/a.html', async (page) => {
    failingSink();
    try {
      await page.evaluate(hideable);
      await page.evaluate(async () => {
        window.__errors = [];
        window.__c.on('error', (e) => window.__errors.push(e.message));
        // 600 uses of long units (about 230 000 characters kept).
        for (let j = 0; j < 600; j++) window.__c.create('Exp', { user: { id: `own-${j}-`.padEnd(200, 'y') } });
        await window.__c.flush();
        // Another tab went away a minute ago, keeping 1 000 events (about 380 000 characters).
        const event = (j) => ({ feature: 'Exp', implementation: 'b', reason: 'SPLIT', rule: 0, experiment: null, unit: { segment: 'UserId', value: `gone-${j}-`.padEnd(200, 'x') }, revision: 'r0', timestamp: '2026-11-22T10:00:00.000Z' });
        localStorage.setItem(`feats-edge:exposures:/x ${(Date.now() - 6e4).toString(36).padStart(9, '0')}abc123`, JSON.stringify({ events: Array.from({ length: 1000 }, (_, j) => event(j)) }));
      });
      /** What is kept for sink /x, by page: the number of events and the first one's unit. */
      const kept = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('feats-edge:exposures:/x ')).sort()
        .map((k) => JSON.parse(localStorage.getItem(k)).events).map((events) => [events.length, events[0].unit.value.replace(/-x+$|-y+$/, '')]));
      await page.evaluate(() => window.__show('hidden'));
      const hidden = await kept();
      assert.deepEqual(hidden[0], [1000, 'gone-0'], 'the other page\'s events stay');
      assert.ok(hidden.length == 2 && hidden[1][0] > 0 && hidden[1][0] < 600, 'the newest of its own that fit in the room left');
      await page.evaluate(() => window.__show('visible'));
      assert.deepEqual(await kept(), [[1000, 'gone-0']], 'its own taken back');
      const got = await page.evaluate(() => ({ dropped: window.__c.stats.dropped, errors: window.__errors.filter((m) => !/answered 503/.test(m)) }));
      assert.deepEqual(got, { dropped: 0, errors: [] });
    } finally {
      site.sinkStatus = 0;
      await page.evaluate(() => (window.__c.close(), localStorage.clear()));
    }
  }));

test('a page going away while the sink fails beacons what waits and keeps it too: the next page sends it once the sink is back (hidden first, it is kept once); with the sink back by then, the beacons deliver it with no next page', async () => {
  for (const how of ['failing', 'hidden first', 'back']) {
    failingSink();
    const page = await hideablePage();
    try {
      await page.evaluate(async (hidden) => (window.__make('away', 20), await window.__c.flush(), hidden && window.__show('hidden')), how == 'hidden first');
      if (how == 'back') site.sinkStatus = 0;
      await page.goto(`${site.url}/b.html`); // (page hide: its beacon refused too, unless the sink is back)
      await until(() => site.refused === { failing: 2, 'hidden first': 3, back: 1 }[how] && (how != 'back' || site.events.length === 20), 5000);
      if (how == 'back') assert.deepEqual(received(), once('away', 20), 'delivered by the beacon');
      assert.equal((await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('exposures')))).length, 1, 'one key for the page');
    } finally {
      site.sinkStatus = 0;
      await page.close();
    }
    assert.deepEqual(await nextPage(how == 'back' ? 40 : 20), []);
    // (Sent again by the next page when the beacon arrived: the same events, field for field.)
    const twice = { ...once('away', 20) };
    for (const k in twice) twice[k] = 2;
    assert.deepEqual(received(), how == 'back' ? twice : once('away', 20), how);
    assert.equal(new Set(site.events.map((e) => JSON.stringify(e))).size, 20);
  }
});

test('tabs closed together each keep what they could not send, and tabs opened together send each event once', async () => {
  site.snapshots['/snap.json'] = snapshotText('r1');
  site.events.length = 0;
  const tabs = [await browser.newPage(), await browser.newPage(), await browser.newPage()];
  const errors = [];
  for (const p of tabs) p.on('pageerror', (e) => errors.push(e.message));
  const base = 'feats-edge:exposures:/x ';
  const keptNow = (page) => page.evaluate((base) => Object.keys(localStorage).filter((k) => k.startsWith(base)).flatMap((k) => JSON.parse(localStorage.getItem(k)).events.map((e) => e.unit.value)), base);
  await tabs[0].goto(`${site.url}/a.html`);
  await tabs[0].evaluate(() => localStorage.clear());
  await Promise.all(tabs.slice(1).map((p, k) => p.goto(`${site.url}/t${k}.html`)));
  // Each tab: 60 uses, none of which can leave (beacons refused, POSTs never answered).
  await Promise.all(tabs.map((p, k) => p.evaluate(async (k) => {
    navigator.sendBeacon = () => false;
    const f = window.fetch;
    window.fetch = (u, init) => (init?.method === 'POST' ? new Promise(() => {}) : f(u, init));
    const { createClient } = await import('/pkg/index.js');
    const c = await createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0, maxBatch: 1000 });
    for (let i = 0; i < 60; i++) c.create('Exp', { user: { id: `tab${k}-${i}` } });
    // The three go away at once: page hide in each, then the client closed
    // (a closed one keeps nothing more), all in one task. (Pages closed by
    // the browser as the page hide ran lost one tab's writes now and then
    // beside other Chromium tests.)
    window.__c = c;
  }, k)));
  await Promise.all(tabs.map((p) => p.evaluate(() => (dispatchEvent(new Event('pagehide')), void window.__c.close()))));
  await Promise.all(tabs.map((p) => p.close()));
  const next = [await browser.newPage(), await browser.newPage()];
  for (const p of next) p.on('pageerror', (e) => errors.push(e.message));
  try {
    await Promise.all(next.map((p, k) => p.goto(`${site.url}/n${k}.html`)));
    await until(async () => (await keptNow(next[0])).length === 180, 20000); // (every tab's page hide has written)
    assert.equal(new Set(await keptNow(next[0])).size, 180, 'what each tab kept');
    await Promise.all(next.map((p) => p.evaluate(async () => { window.__m = await import('/pkg/index.js'); await window.__m.init(); })));
    await Promise.all(next.map((p) => p.evaluate(async () => {
      window.__c = await window.__m.createClient({ snapshotUrl: '/snap.json', exposureUrl: '/x', refreshInterval: 0, flushInterval: 0 });
    })));
    await until(() => site.events.length >= 180, 20000);
    await new Promise((r) => setTimeout(r, 300)); // (a second sending would have arrived)
    const units = site.events.map((e) => e.unit.value);
    assert.equal(new Set(units).size, 180, 'every event');
    assert.equal(units.length, 180, 'each once');
    assert.deepEqual(await keptNow(next[0]), []);
    for (const p of next) await p.evaluate(() => window.__c.close());
    assert.deepEqual(errors, []);
  } finally {
    for (const p of next) await p.close();
  }
});

/**
 * Two tabs of the site, each with a client of the snapshot at `url` that
 * records its exposures in `window.__events`, localStorage cleared first:
 * `body(a, b)`, then both clients closed, and no page error.
 */
async function twoTabs(url, body) {
  const start = async (url) => {
    const { createClient } = await import('/pkg/index.js');
    window.__events = [];
    window.__c = await createClient({ snapshotUrl: url, refreshInterval: 0 });
    window.__c.on('exposure', (e) => window.__events.push(e));
  };
  const [a, b] = [await browser.newPage(), await browser.newPage()];
  const errors = [];
  for (const p of [a, b]) p.on('pageerror', (e) => errors.push(e.message));
  try {
    await a.goto(`${site.url}/a.html`);
    await b.goto(`${site.url}/b.html`);
    await a.evaluate(() => localStorage.clear());
    await a.evaluate(start, url);
    await b.evaluate(start, url);
    await body(a, b);
    for (const p of [a, b]) await p.evaluate(() => window.__c.close());
    assert.deepEqual(errors, []);
  } finally {
    await a.close();
    await b.close();
  }
}

test("a tab that used its own arm of a random experiment after another tab stored a different one keeps its arm; the other tab's stays stored", async () => {
  site.snapshots['/rand.json'] = JSON.stringify({
    schema: 1, revision: 'rand-1',
    segments: { UserId: { from: { user: '{id}' } } },
    features: {
      Hero: { inputs: ['user'], implementations: ['a', 'b'], default: 'a',
        rules: [{ experiment: { name: 'hero-exp', by: 'UserId', random: true, weights: { a: 50, b: 50 } } }] },
    },
  });
  await twoTabs('/rand.json', async (a, b) => {
    for (const id of ['t1', 't2', 't3']) {
      const user = { id };
      // Tab B draws and renders an arm; tab A then uses the other one, which reaches B's localStorage.
      const mine = await b.evaluate((user) => window.__c.findImplementation('Hero', { user }), user);
      const theirs = mine === 'a' ? 'b' : 'a';
      await a.evaluate(([user, theirs]) => window.__c.usedImplementation('Hero', theirs, { user }), [user, theirs]);
      await until(() => b.evaluate((id) => localStorage.getItem(`feats-edge:sticky:hero-exp/${id}`) !== null, id));
      const seen = await b.evaluate(([user, mine]) => {
        window.__events.length = 0;
        window.__c.usedImplementation('Hero', mine, { user });
        const e = window.__events[0];
        return {
          reported: [e.implementation, e.experiment, e.unit?.value],
          later: [window.__c.findImplementation('Hero', { user }), window.__c.create('Hero', { user }), window.__c.details('Hero', { user }).implementation],
          stored: localStorage.getItem(`feats-edge:sticky:hero-exp/${user.id}`),
        };
      }, [user, mine]);
      assert.deepEqual(seen.reported, [mine, 'hero-exp', id], 'reported as the experiment\'s arm');
      assert.deepEqual(seen.later, [mine, mine, mine], 'the page keeps the arm it rendered and reported');
      assert.equal(seen.stored, theirs, 'the first assignment stays stored for the pages after');
      assert.equal(await a.evaluate((user) => window.__c.findImplementation('Hero', { user }), user), theirs);
    }
  });
});

test("a tab whose draw fell through a random experiment, used after another tab stored an arm, keeps what it rendered; the arm stays stored", async () => {
  site.snapshots['/fall.json'] = JSON.stringify({
    schema: 1, revision: 'fall-1',
    segments: { UserId: { from: { user: '{id}' } } },
    features: {
      Hero: { inputs: ['user'], implementations: ['a', 'b'], default: 'a',
        rules: [{ experiment: { name: 'hero-few', by: 'UserId', random: true, weights: { b: 10 } } }] },
    },
  });
  await twoTabs('/fall.json', async (a, b) => {
    for (const id of ['f1', 'f2', 'f3']) {
      const user = { id };
      // Tab B rendered the default its draw fell through to; tab A then uses the arm.
      await a.evaluate((user) => window.__c.usedImplementation('Hero', 'b', { user }), user);
      await until(() => b.evaluate((id) => localStorage.getItem(`feats-edge:sticky:hero-few/${id}`) !== null, id));
      const seen = await b.evaluate((user) => {
        window.__events.length = 0;
        window.__c.usedImplementation('Hero', 'a', { user });
        const e = window.__events[0];
        return {
          reported: e && [e.implementation, e.reason, e.experiment],
          later: [window.__c.findImplementation('Hero', { user }), window.__c.create('Hero', { user }), window.__c.details('Hero', { user }).implementation],
          stored: localStorage.getItem(`feats-edge:sticky:hero-few/${user.id}`),
        };
      }, user);
      // (A use that hashed no unit is reported once per client.)
      assert.deepEqual(seen.reported, id == 'f1' ? ['a', 'DEFAULT', null] : undefined, 'reported as what the experiment passed on to');
      assert.deepEqual(seen.later, ['a', 'a', 'a'], 'the page keeps what it rendered and reported');
      assert.equal(seen.stored, 'b', 'the other tab\'s arm stays stored for the pages after');
      assert.equal(await a.evaluate((user) => window.__c.findImplementation('Hero', { user }), user), 'b');
    }
  });
});

test("a tab whose draw fell through a random experiment to a later experiment, used after another tab stored an arm of the first, keeps what it rendered", async () => {
  for (const random of [true, false]) {
    site.snapshots[`/fall-next-${random}.json`] = JSON.stringify({
      schema: 1, revision: 'fall-next-1',
      segments: { UserId: { from: { user: '{id}' } } },
      features: {
        Hero: { inputs: ['user'], implementations: ['a', 'b', 'c', 'd'], default: 'a',
          rules: [{ experiment: { name: 'hero-first', by: 'UserId', random: true, weights: { b: 10 } } },
            { experiment: { name: 'hero-next', by: 'UserId', random, weights: { c: 50, d: 50 } } }] },
      },
    });
    await twoTabs(`/fall-next-${random}.json`, async (a, b) => {
      let tried = 0;
      for (let n = 0; tried < 3; n++) {
        if (n === 1000) throw new Error('no draw fell through the first experiment within 1 000 units');
        const user = { id: `n${n}` };
        // Tab B renders what its draw gave: the later experiment's arm when it fell through the first.
        const mine = await b.evaluate((user) => window.__c.findImplementation('Hero', { user }), user);
        if (mine === 'b') continue;
        tried++;
        await a.evaluate((user) => window.__c.usedImplementation('Hero', 'b', { user }), user);
        await until(() => b.evaluate((id) => localStorage.getItem(`feats-edge:sticky:hero-first/${id}`) !== null, user.id));
        const seen = await b.evaluate(([user, mine]) => {
          window.__events.length = 0;
          window.__c.usedImplementation('Hero', mine, { user });
          const e = window.__events[0];
          return {
            reported: e && [e.implementation, e.experiment],
            later: [window.__c.findImplementation('Hero', { user }), window.__c.create('Hero', { user }), window.__c.details('Hero', { user }).implementation],
            stored: localStorage.getItem(`feats-edge:sticky:hero-first/${user.id}`),
          };
        }, [user, mine]);
        assert.deepEqual(seen.reported, [mine, 'hero-next'], 'reported as the later experiment\'s arm');
        assert.deepEqual(seen.later, [mine, mine, mine], `the page keeps what it rendered (random: ${random})`);
        assert.equal(seen.stored, 'b', 'the other tab\'s arm stays stored for the pages after');
      }
    });
  }
});

test("with localStorage full, a draw this page stored as fallen through still stands: a later use of an arm is not the experiment's", () =>
  open('/a.html', async (page) => {
    const got = await page.evaluate(async () => {
      // Filled to Chromium's quota: every write throws.
      for (let size = 1 << 20, i = 0; size >= 1; ) {
        try {
          localStorage.setItem(`fill-${i++}`, 'x'.repeat(size));
        } catch {
          size >>= 1;
        }
      }
      const { createClient } = await import('/pkg/index.js');
      const c = await createClient({ snapshot: {
        schema: 1, revision: 'partial',
        segments: { UserId: { from: { user: '{id}' } } },
        features: { R: { inputs: ['user'], implementations: ['control', 'b'], default: 'control',
          rules: [{ experiment: { name: 'rx', by: 'UserId', random: true, weights: { control: 10, b: 10 } } }] } },
      } });
      const events = [];
      c.on('exposure', (e) => events.push([e.implementation, e.reason, e.experiment, e.unit?.value ?? null]));
      // A unit whose draw fell through (control, by no rule): passed on for good.
      let id = 0;
      while (id < 10_000 && (c.create('R', { user: { id: `u${id}` } }) !== 'control' || events.at(-1)[1] !== 'DEFAULT')) id++;
      if (id === 10_000) throw new Error('no draw fell through within 10 000 units');
      c.usedImplementation('R', 'b', { user: { id: `u${id}` } });
      const seen = { last: events.at(-1), after: c.findImplementation('R', { user: { id: `u${id}` } }), written: localStorage.getItem(`feats-edge:sticky:rx/u${id}`) };
      c.close();
      localStorage.clear();
      return seen;
    });
    assert.equal(got.written, null, 'nothing could be written');
    assert.deepEqual(got.last, ['b', 'DEFAULT', null, null], 'as with room in localStorage');
    assert.equal(got.after, 'control');
  }));
