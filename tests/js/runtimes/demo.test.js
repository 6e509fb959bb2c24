// The demo and the playground (www/) in Chromium, served by www/server.js:
// no flicker, one exposure per rendered implementation, sticky across
// reloads, snapshot changes reaching an open page, problems with their JSON
// Pointer and the split chart in the playground.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, launchChromium } from './harness.js';

let server, url, browser;
const snapshot = JSON.parse(readFileSync(join(root, 'www/snapshot.json'), 'utf8'));

before(async () => {
  const copy = join(mkdtempSync(join(tmpdir(), 'feats-edge-demo-')), 'snapshot.json');
  copyFileSync(join(root, 'www/snapshot.json'), copy);
  server = spawn(process.execPath, [join(root, 'www/server.js'), '--port', '0', '--snapshot', copy], { stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.kill();
});

const exposures = async () => (await fetch(`${url}/flags/exposures`)).json();
const put = (snap) => fetch(`${url}/flags/snapshot.json`, { method: 'PUT', body: JSON.stringify(snap) });

async function until(check, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('demo: the first paint already shows the preselected implementation; each rendered one is reported once', async () => {
  await fetch(`${url}/flags/exposures`, { method: 'DELETE' });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The moment the page becomes visible (the `pending` class goes), record what it shows.
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (!document.documentElement || document.documentElement.classList.contains('pending')) return;
      observer.disconnect();
      const app = document.getElementById('app');
      window.__firstVisible = {
        priorities: app?.dataset.priorities ?? null,
        selects: app?.querySelectorAll('select option').length ?? -1,
        hiddenBefore: true,
      };
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['class'] });
  });
  await page.goto(`${url}/`);
  await page.waitForFunction(() => window.__firstVisible);
  const first = await page.evaluate(() => window.__firstVisible);
  const levels = { no_priority: 0, two_priorities: 2, three_priorities: 3 };
  assert.ok(first.priorities in levels, JSON.stringify(first));
  assert.equal(first.selects, levels[first.priorities], 'the chosen UI is in the DOM when the page first becomes visible');
  const user = await page.evaluate(() => localStorage.getItem('demo-user'));
  const stats = await page.evaluate(() => document.getElementById('app').dataset.stats);
  const events = await until(async () => {
    const all = await exposures();
    return all.some((e) => e.feature === 'AllowedPriorities') && (stats === 'false' || all.some((e) => e.feature === 'TodoStats')) && all;
  });
  assert.ok(events, 'exposures arrived');
  await new Promise((r) => setTimeout(r, 400)); // one more flush interval: nothing else may come
  const all = await exposures();
  const mine = all.filter((e) => e.unit?.value === user || e.unit === null);
  assert.equal(mine.filter((e) => e.feature === 'AllowedPriorities').length, 1);
  assert.equal(mine.find((e) => e.feature === 'AllowedPriorities').implementation, first.priorities);
  assert.equal(mine.filter((e) => e.feature === 'TodoStats').length, stats === 'true' ? 1 : 0);
  assert.equal(all.length, mine.length, 'nothing else was reported');
  for (const e of all) assert.deepEqual(Object.keys(e).sort(), ['experiment', 'feature', 'implementation', 'reason', 'revision', 'rule', 'timestamp', 'unit']);
  assert.deepEqual(errors, []);

  // A reload keeps the experiment assignment (the sticky store is localStorage).
  await page.reload();
  await page.waitForFunction(() => !document.documentElement.classList.contains('pending'));
  assert.equal(await page.evaluate(() => document.getElementById('app').dataset.priorities), first.priorities);
  const sticky = await page.evaluate((u) => localStorage.getItem(`feats-edge:sticky:priorities-2026/${u}`), user);
  assert.equal(sticky, first.priorities);
  await page.close();
});

test('demo: a snapshot change reaches the open page without a reload', async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/`);
  await page.waitForFunction(() => !document.documentElement.classList.contains('pending'));
  await page.evaluate(() => { window.__noReload = true; });
  for (const enabled of [false, true]) {
    const next = structuredClone(snapshot);
    next.revision = `test-${enabled}`;
    next.features.TodoStats.enabled = enabled;
    next.features.TodoStats.rules = [{ serve: true }];
    await put(next);
    await page.waitForFunction((want) => document.getElementById('revision').textContent === want, `test-${enabled}`, { timeout: 8000 });
    assert.equal(await page.evaluate(() => document.getElementById('app').dataset.stats), String(enabled));
    assert.equal(await page.locator('#stats').count(), enabled ? 1 : 0);
    assert.equal(await page.evaluate(() => window.__noReload), true);
  }
  await put(snapshot);
  await page.close();
});

test('playground: problems with their JSON Pointer, details, and the split chart', async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/playground.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  const bars = await page.$$eval('#chart g.bar', (gs) => gs.map((g) => [g.dataset.implementation, Number(g.dataset.share)]));
  assert.deepEqual(bars.map((b) => b[0]), ['no_priority', 'two_priorities', 'three_priorities']);
  for (const [[, share], want] of bars.map((b, i) => [b, [0.34, 0.33, 0.33][i]])) assert.ok(Math.abs(share - want) < 0.01, `${share} vs ${want}`);
  assert.equal(await page.locator('#results tbody tr').count(), 2);

  const broken = structuredClone(snapshot);
  broken.features.AllowedPriorities.defualt = 'no_priority';
  delete broken.features.AllowedPriorities.default;
  await page.fill('#snapshot', JSON.stringify(broken, null, 2));
  await page.waitForFunction(() => document.getElementById('problems').textContent.includes('defualt'));
  const problems = await page.$$eval('#problems li', (lis) => lis.map((li) => li.textContent));
  assert.ok(problems.some((p) => p.startsWith('/features/AllowedPriorities/defualt unknown field')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('/features/AllowedPriorities the field \'default\' is required')));

  await page.fill('#snapshot', '{"schema": 1, "features": [}');
  await page.waitForFunction(() => document.querySelector('#problems li.refused'));
  assert.match(await page.textContent('#problems'), /^\/features invalid JSON: line 1, column 28: expected a value/);
  await page.close();
});
