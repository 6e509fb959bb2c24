// The demo server's exposure log (www/server.js) against what the audit
// found: it keeps only the last 10 000 exposures (and event-stream replay by
// Last-Event-ID still works), takes only application/json from its own
// origin and Host (a page on another origin open in the same browser cannot
// fill it), and drops events that are not objects, which the demo page's
// log could not show. Also its snapshot's revalidation: If-None-Match as a
// list, as an edge cache sends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { demoInChromium, until } from '../helpers/runtimes.js';

const rt = demoInChromium();
const MAX = 10000;

const event = (unit, over = {}) => ({
  feature: 'F', implementation: 'a', reason: 'SPLIT', rule: 0, experiment: null,
  unit: { segment: 'UserId', value: unit }, revision: 'r', timestamp: '2026-11-22T10:00:00.000Z', ...over,
});
const post = (events, headers = { 'Content-Type': 'application/json' }) =>
  fetch(`${rt.server.url}/flags/exposures`, { method: 'POST', headers, body: JSON.stringify({ events }) });
const exposures = async () => (await fetch(`${rt.server.url}/flags/exposures`)).json();
const clear = async () => assert.equal((await fetch(`${rt.server.url}/flags/exposures`, { method: 'DELETE' })).status, 204);

/** The exposure events of /flags/events ({id, data}), read until `count` arrived (and 100 ms more) or `ms` passed, sending `headers`. */
function streamed(headers, count, ms = 10000) {
  return new Promise((resolve, reject) => {
    const got = [];
    let buffer = '', timer;
    const req = request(`${rt.server.url}/flags/events`, { headers }, (res) => {
      const done = () => {
        clearTimeout(timer);
        req.destroy();
        resolve(got);
      };
      timer = setTimeout(done, ms);
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buffer += d;
        const messages = buffer.split('\n\n');
        buffer = messages.pop();
        for (const m of messages) {
          const x = /^id: (.+)\nevent: exposure\ndata: (.*)$/.exec(m);
          if (x) got.push({ id: x[1], data: JSON.parse(x[2]) });
        }
        if (got.length >= count) {
          clearTimeout(timer);
          timer = setTimeout(done, 100); // a little more: nothing else may come
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw POST of exposures with the headers given (Host included), for what fetch will not send. */
function rawPost(headers, events = [event('raw')]) {
  const body = JSON.stringify({ events });
  return new Promise((resolve, reject) => {
    const req = request(`${rt.server.url}/flags/exposures`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('only the last 10 000 exposures are kept; event ids still replay what a stream missed', async () => {
  await clear();
  const total = MAX + 250;
  for (let from = 0; from < total; from += 2500) {
    const res = await post(Array.from({ length: Math.min(2500, total - from) }, (_, i) => event(`ring-${from + i}`)));
    assert.equal(res.status, 204);
  }
  const kept = await exposures();
  assert.equal(kept.length, MAX);
  assert.equal(kept[0].unit.value, `ring-${total - MAX}`, 'the oldest went first');
  assert.equal(kept.at(-1).unit.value, `ring-${total - 1}`);

  // A new stream gets what is kept, with ids that go on counting.
  const all = await streamed({}, MAX);
  assert.equal(all.length, MAX);
  assert.deepEqual(all.map((x) => x.data.unit.value), kept.map((e) => e.unit.value));
  const seq = (x) => Number(x.id.split(':')[1]);
  assert.equal(seq(all.at(-1)) - seq(all[0]), MAX - 1);
  // A reconnect with its last id gets only what came after it.
  const last = all.at(-1).id;
  assert.equal((await post([event('ring-after-1'), event('ring-after-2')])).status, 204);
  const after = await streamed({ 'Last-Event-ID': last }, 2, 1500);
  assert.deepEqual(after.map((x) => x.data.unit.value), ['ring-after-1', 'ring-after-2']);
  assert.deepEqual(after.map(seq), [seq(all.at(-1)) + 1, seq(all.at(-1)) + 2]);
  // An id from the middle of the log: the rest of it.
  const middle = await streamed({ 'Last-Event-ID': all[MAX - 11].id }, 12, 1500);
  assert.equal(middle.length, 12);
  assert.equal(middle[0].data.unit.value, all[MAX - 10].data.unit.value);
  // An id older than the oldest kept: everything kept (the ones between were dropped).
  const old = await streamed({ 'Last-Event-ID': `${last.split(':')[0]}:1` }, MAX);
  assert.equal(old.length, MAX);
  assert.equal(old[0].data.unit.value, `ring-${total - MAX + 2}`);
  // One batch larger than the log keeps its last 10 000.
  await clear();
  const big = Array.from({ length: MAX + 5 }, (_, i) => ({ u: i }));
  assert.equal((await post(big)).status, 204);
  const afterBig = await exposures();
  assert.equal(afterBig.length, MAX);
  assert.deepEqual([afterBig[0], afterBig.at(-1)], [{ u: 5 }, { u: MAX + 4 }]);
  await clear();
});

test('exposures are taken only as application/json (415 otherwise)', async () => {
  await clear();
  for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
    const res = await post([event(`type-${type}`)], { 'Content-Type': type });
    assert.equal(res.status, 415, type);
  }
  // No Content-Type at all.
  assert.equal(await rawPost({ 'Content-Type': '' }), 415);
  assert.deepEqual(await exposures(), []);
  assert.equal((await post([event('type-json')], { 'Content-Type': 'application/json; charset=utf-8' })).status, 204);
  assert.deepEqual((await exposures()).map((e) => e.unit.value), ['type-json']);
  await clear();
});

test('a batch of exposures over 1 MiB is a 413 (a page\'s client sends it again in halves), not a 400 (dropped)', async () => {
  await clear();
  const many = Array.from({ length: 6000 }, (_, i) => event(`size-${i}`));
  assert.equal((await post(many)).status, 413);
  assert.equal((await post(many.slice(0, 3000))).status, 204);
  assert.equal((await exposures()).length, 3000);
  await clear();
});

test('exposures are taken only from the server\'s own origin and Host (403 otherwise)', async () => {
  await clear();
  const { port } = new URL(rt.server.url);
  for (const headers of [
    { Origin: 'https://evil.example' },
    { Origin: 'null' },
    { Origin: `http://127.0.0.1:${Number(port) + 1}` },
    { Origin: `https://127.0.0.1:${port}` },
    // DNS rebinding: a page on evil.example whose name now points at 127.0.0.1.
    { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` },
    { Host: `evil.example:${port}` },
    { Host: `127.0.0.1:${Number(port) + 1}` },
  ]) {
    assert.equal(await rawPost(headers), 403, JSON.stringify(headers));
  }
  // Replacing the snapshot or clearing the log from elsewhere is refused too.
  const put = await new Promise((resolve, reject) => {
    const req = request(`${rt.server.url}/flags/snapshot.json`, { method: 'PUT', headers: { Host: `evil.example:${port}` } }, (res) => resolve(res.statusCode));
    req.on('error', reject);
    req.end('{}');
  });
  assert.equal(put, 403);
  assert.deepEqual(await exposures(), []);
  for (const headers of [{ Origin: `http://127.0.0.1:${port}` }, { Host: `localhost:${port}`, Origin: `http://localhost:${port}` }, {}]) {
    assert.equal(await rawPost(headers), 204, JSON.stringify(headers));
  }
  assert.equal((await exposures()).length, 3);
  await clear();
});

test('reads too need the server\'s own Host: a page on a rebound DNS name reads no exposure log (403)', async () => {
  await clear();
  assert.equal(await rawPost({}, [event('secret-unit')]), 204);
  const { port } = new URL(rt.server.url);
  const get = (path, headers) => new Promise((resolve, reject) => {
    const req = request(`${rt.server.url}${path}`, { headers }, (res) => {
      res.destroy();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
  for (const path of ['/flags/exposures', '/flags/events', '/flags/snapshot.json', '/', '/pkg/index.js']) {
    assert.equal(await get(path, { Host: `evil.example:${port}` }), 403, path);
    assert.equal(await get(path, { Host: `127.0.0.1:${port}` }), 200, path);
    assert.equal(await get(path, { Host: `localhost:${port}` }), 200, path);
  }
  await clear();
});

test('event streams that are not read hold a buffer each, not the log (40 of them held 1.4 GB)', { timeout: 60000 }, async () => {
  await clear();
  const big = (i) => event(`held-${i}`, { pad: 'x'.repeat(3500) });
  for (let from = 0; from < MAX; from += 250) { // (a batch is at most 1 MiB)
    assert.equal((await post(Array.from({ length: 250 }, (_, i) => big(from + i)))).status, 204);
  }
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${rt.server.pid}/status`, 'utf8'))[1]) * 1024;
  const before = rss();
  const { port } = new URL(rt.server.url);
  const held = await Promise.all(Array.from({ length: 20 }, () => new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET /flags/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      socket.pause(); // never read
      resolve(socket);
    });
    socket.on('error', reject);
  })));
  await new Promise((r) => setTimeout(r, 1500));
  const grown = rss() - before;
  for (const socket of held) socket.destroy();
  // (The log is 35 MB; each stream held all of it unsent.)
  assert.ok(grown < 150 * 1024 * 1024, `the server grew by ${(grown / 1048576).toFixed(0)} MiB`);
  // A stream that reads still gets everything (waiting for it to drain
  // thousands of times, with no listener left behind each time).
  const all = await streamed({}, MAX, 20000);
  assert.equal(all.length, MAX);
  assert.doesNotMatch(rt.server.log(), /MaxListeners|Warning/);
  await clear();
});

test('a page on another origin open in the same browser cannot fill the log', { timeout: 30000 }, async () => {
  await clear();
  // Another site, really served (on 127.0.0.1 too: the browser's rules for
  // public pages reaching local addresses are not what is tested here).
  const other = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
  await new Promise((r) => other.listen(0, '127.0.0.1', r));
  const page = await rt.browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${other.address().port}/`);
    const target = `${rt.server.url}/flags/exposures`;
    const body = JSON.stringify({ events: [event('cross-origin')] });
    const tried = await page.evaluate(async ({ target, body }) => {
      const out = [];
      // A simple request: no preflight, the answer unreadable, but sent.
      out.push(await fetch(target, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body }).then((r) => r.type, (e) => `error ${e.message}`));
      out.push(navigator.sendBeacon(target, body));
      // JSON needs a preflight, which the server does not grant.
      out.push(await fetch(target, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }).then((r) => r.status, () => 'refused'));
      // A form, posted into a hidden frame.
      const frame = Object.assign(document.createElement('iframe'), { name: 'sink' });
      document.body.append(frame);
      const form = Object.assign(document.createElement('form'), { method: 'POST', action: target, target: 'sink', enctype: 'text/plain' });
      // Its body is `name=value`: {"events": [...], "x": "="}.
      form.append(Object.assign(document.createElement('input'), { name: `${body.slice(0, -1)}, "x": "`, value: '"}' }));
      document.body.append(form);
      // (A 204 answer loads nothing in the frame: wait for its load at most 2 s.)
      const loaded = new Promise((r) => {
        frame.addEventListener('load', r, { once: true });
        setTimeout(r, 2000);
      });
      form.submit();
      await loaded;
      return out;
    }, { target, body });
    assert.equal(tried[2], 'refused', `the preflight was not granted: ${JSON.stringify(tried)}`);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await exposures(), [], `stored from another origin: ${JSON.stringify(tried)}`);
  } finally {
    await page.close();
    other.closeAllConnections();
    other.close();
  }
  await clear();
});

test('events that are not objects are dropped: the page\'s log shows the others and nothing throws', async () => {
  await clear();
  const res = await post([null, 1, 'text', true, [], [event('in-array')], event('object-1'), { feature: 'G' }, { big: 'x'.repeat(5000) }, event('object-2')]);
  assert.equal(res.status, 204);
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${rt.server.url}/`);
    assert.ok(await until(async () => (await page.locator('#exposures li').count()) >= 3, 5000), 'the page\'s log shows the exposures');
    await new Promise((r) => setTimeout(r, 300));
    const items = await page.locator('#exposures li').allTextContents();
    assert.ok(items.some((t) => t.includes('UserId=object-1')) && items.some((t) => t.includes('UserId=object-2')), items.join(' | '));
    // An object without the fields a client sends shows '?' for them, not "undefined".
    assert.ok(items.includes('G → ? (?)'), items.join(' | '));
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
  // What was kept of the batch (the page then reported its own exposures after it).
  assert.deepEqual((await exposures()).slice(0, 3), [event('object-1'), { feature: 'G' }, event('object-2')]);
  await clear();
});

test('the snapshot is revalidated by If-None-Match as a list, weak or not (RFC 9110): 304 when any tag matches', async () => {
  const url = `${rt.server.url}/flags/snapshot.json`;
  const etag = (await fetch(url)).headers.get('etag');
  assert.ok(etag);
  const status = async (inm) => (await fetch(url, { headers: { 'If-None-Match': inm } })).status;
  assert.equal(await status(etag), 304);
  assert.equal(await status(`"refused", ${etag}`), 304, 'the tag an edge cache holds beside one it refused');
  assert.equal(await status(`W/${etag}`), 304);
  assert.equal(await status('*'), 304);
  assert.equal(await status('"refused"'), 200);
  assert.equal(await status(`"x${etag.slice(1)}`), 200);
});
