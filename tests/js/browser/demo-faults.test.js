// The demo's server and page when things go wrong: malformed requests, an
// editor that saves by renaming, a dropped event stream, scripts or storage
// that fail, a snapshot the server sends that is refused; and the page's
// keyboard and screen-reader behaviour while the list changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { root, demoInChromium, until } from '../helpers/runtimes.js';

const text = readFileSync(join(root, 'www/snapshot.json'), 'utf8');
const rt = demoInChromium();

/** The revision served; null while an in-place write is half done (the server may read the file between truncation and write). */
const revisionServed = async () => {
  try {
    return JSON.parse(await (await fetch(`${rt.server.url}/flags/snapshot.json`)).text()).revision;
  } catch {
    return null;
  }
};
const withRevision = (revision) => JSON.stringify({ ...JSON.parse(text), revision }, null, 2);
const put = async (body) => assert.equal((await fetch(`${rt.server.url}/flags/snapshot.json`, { method: 'PUT', body })).status, 204);

/** The raw server-sent events of /flags/events for `ms`, sending `headers`. */
function events(headers, ms = 400) {
  return new Promise((resolve, reject) => {
    const req = request(`${rt.server.url}/flags/events`, { headers }, (res) => {
      let out = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { out += d; });
      setTimeout(() => { req.destroy(); resolve(out); }, ms);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A page of the demo for a fresh visitor, its page errors collected; `setup(page)` runs before it loads. */
async function open(setup) {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route(`${rt.server.url}/__blank`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  await page.goto(`${rt.server.url}/__blank`);
  await page.evaluate(() => localStorage.clear());
  await setup?.(page);
  await page.goto(`${rt.server.url}/`);
  return { page, errors };
}

const visible = (page) => page.waitForFunction(() => !document.documentElement.classList.contains('pending'), null, { timeout: 6000 });

test('a path with a malformed % escape is a 400, and the server goes on serving', async () => {
  for (const path of ['/%E0%A4%A', '/%', '/pkg/%zz']) {
    const res = await fetch(`${rt.server.url}${path}`);
    assert.equal(res.status, 400, path);
  }
  assert.equal(await revisionServed(), JSON.parse(text).revision);
  const exited = await Promise.race([rt.server.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))]);
  assert.equal(exited, false, 'the server is still running');
});

test('a request target that is not a URL path (//, //[) is a 400, and the server goes on serving', async () => {
  for (const path of ['//', '//[', '//:x']) {
    const status = await new Promise((resolve, reject) => {
      const req = request(`${rt.server.url}/`, { path }, (res) => (res.resume(), resolve(res.statusCode)));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 400, path);
  }
  assert.equal(await revisionServed(), JSON.parse(text).revision);
  const exited = await Promise.race([rt.server.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))]);
  assert.equal(exited, false, 'the server is still running');
});

test('the snapshot file saved by renaming a new file over it, again and again, is served each time', async () => {
  try {
    for (const n of [1, 2, 3]) {
      const tmp = `${rt.server.file}.tmp`;
      writeFileSync(tmp, withRevision(`renamed-${n}`));
      renameSync(tmp, rt.server.file);
      assert.ok(await until(async () => (await revisionServed()) === `renamed-${n}`, 5000), `rename ${n} is served`);
    }
    writeFileSync(rt.server.file, withRevision('in-place'));
    assert.ok(await until(async () => (await revisionServed()) === 'in-place', 5000), 'an in-place save after the renames is served');
  } finally {
    writeFileSync(rt.server.file, text);
    assert.ok(await until(async () => (await revisionServed()) === JSON.parse(text).revision, 5000), 'restored');
  }
});

test('a reconnecting event stream gets only the exposures after the last one it saw', async () => {
  await fetch(`${rt.server.url}/flags/exposures`, { method: 'DELETE' });
  const event = (unit) => ({ feature: 'F', implementation: 'a', reason: 'SPLIT', rule: 0, experiment: null, unit: { segment: 'UserId', value: unit }, revision: 'r', timestamp: '2026-11-22T10:00:00.000Z' });
  const post = (events) => fetch(`${rt.server.url}/flags/exposures`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ events }) });
  await post([event('u1'), event('u2')]);
  const first = await events({});
  const ids = [...first.matchAll(/^id: (.+)$/gm)].map((m) => m[1]);
  assert.equal(ids.length, 2, first);
  assert.equal((first.match(/^event: exposure$/gm) ?? []).length, 2);
  await post([event('u3')]);
  const again = await events({ 'Last-Event-ID': ids[1] });
  assert.equal((again.match(/^event: exposure$/gm) ?? []).length, 1, again);
  assert.match(again, /"value":"u3"/);
  // An id from another start of the server (or none): everything.
  const other = await events({ 'Last-Event-ID': `older:${ids[1].split(':')[1]}` });
  assert.equal((other.match(/^event: exposure$/gm) ?? []).length, 3, other);
  // And the page's log, after its stream is cut and reconnects, shows each once.
  const { page, errors } = await open();
  try {
    await page.waitForFunction(() => document.querySelectorAll('#exposures li').length >= 3, null, { timeout: 5000 });
    const before = await page.locator('#exposures li').count();
    // The network drops for half a second: EventSource reconnects with its last id.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await new Promise((r) => setTimeout(r, 500));
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await post([event('u4')]);
    await page.waitForFunction((n) => document.querySelectorAll('#exposures li').length > n, before, { timeout: 10000 });
    await new Promise((r) => setTimeout(r, 500));
    const items = await page.locator('#exposures li').allTextContents();
    assert.equal(new Set(items).size, items.length, `no repeats: ${items.join(' | ')}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('a demo script that does not load leaves a readable page that says so', async () => {
  const { page } = await open((p) => p.route(`${rt.server.url}/pkg/index.js`, (r) => r.fulfill({ status: 404, body: 'gone' })));
  try {
    await visible(page).catch(() => assert.fail('the page stayed hidden'));
    assert.match(await page.textContent("#flags-note"), /^The demo failed: http:.*\/demo\.js \(or a module it imports\) did not load$/);
  } finally {
    await page.close();
  }
});

test('storage that throws (blocked, or full) does not stop the demo', async () => {
  for (const [name, script] of [
    ['blocked', () => { Storage.prototype.getItem = Storage.prototype.setItem = () => { throw new DOMException('denied', 'SecurityError'); }; }],
    ['full', () => { Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); }; }],
  ]) {
    const { page, errors } = await open((p) => p.addInitScript(script));
    try {
      await visible(page);
      await page.waitForFunction(() => document.getElementById('app').dataset.priorities, null, { timeout: 5000 });
      assert.equal(await page.textContent('#flags-note'), '', name);
      await page.fill('#app input[name=title]', 'works');
      await page.click('#app button[type=submit]');
      assert.equal(await page.locator('#app ul.todos li').count(), 1, name);
      assert.deepEqual(errors, [], name);
    } finally {
      await page.close();
    }
  }
});

test('a snapshot the server sends that is refused is said in the page, which stays on the last good one', async () => {
  const { page, errors } = await open();
  const good = JSON.parse(text).revision;
  try {
    await page.waitForFunction((r) => document.getElementById('revision').textContent === r, good, { timeout: 5000 });
    await put('{"schema": 1, "features": {');
    await page.waitForFunction(() => document.getElementById('flags-note').textContent !== '', null, { timeout: 5000 })
      .catch(() => assert.fail('nothing said in the page'));
    assert.match(await page.textContent('#flags-note'), new RegExp(`^The latest snapshot was refused \\(.*invalid JSON.*\\); still on revision ${good}\\.$`));
    assert.equal(await page.textContent('#revision'), good);
    await put(withRevision('fixed'));
    await page.waitForFunction(() => document.getElementById('revision').textContent === 'fixed', null, { timeout: 5000 });
    assert.equal(await page.textContent('#flags-note'), '');
    assert.deepEqual(errors, []);
  } finally {
    await put(text);
    await page.close();
  }
});

test('changing the list keeps the keyboard focus in place and says what changed in a status line', async () => {
  const { page, errors } = await open();
  try {
    await visible(page);
    assert.equal(await page.getAttribute('#app', 'aria-live'), null, 'the whole list is not a live region');
    for (const title of ['one', 'two', 'three']) {
      await page.fill('#app input[name=title]', title);
      await page.press('#app input[name=title]', 'Enter');
    }
    assert.equal(await page.textContent('#app-status'), 'Added three');
    assert.equal(await page.getAttribute('#app-status', 'role'), 'status');
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.name ?? document.activeElement?.tagName);
    assert.equal(await focused(), 'New todo');
    await page.focus('#app input[aria-label="Done: two"]');
    await page.keyboard.press('Space');
    assert.equal(await focused(), 'Done: two', 'the checkbox keeps the focus');
    assert.equal(await page.textContent('#app-status'), 'two: done');
    await page.focus('#app button[aria-label="Remove two"]');
    await page.keyboard.press('Enter');
    assert.equal(await focused(), 'Remove three', 'the next item\'s remove button');
    assert.equal(await page.textContent('#app-status'), 'Removed two');
    await page.keyboard.press('Enter');
    assert.equal(await focused(), 'Remove one', 'the last item removed: the one before');
    await page.keyboard.press('Enter');
    assert.equal(await focused(), 'New todo', 'the list empty: the input');
    await page.fill('#app input[name=title]', '   ');
    await page.press('#app input[name=title]', 'Enter');
    assert.equal(await page.locator('#app ul.todos li').count(), 0, 'a title of spaces is not added');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
