// The playground (www/playground.html + www/playground.js) in Chromium:
// problems with their JSON Pointer as the snapshot is edited, the split
// chart. (The package's bucket vectors in Chromium: tests/js/runtimes/.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, demoInChromium } from '../helpers/runtimes.js';

const snapshot = JSON.parse(readFileSync(join(root, 'www/snapshot.json'), 'utf8'));
const rt = demoInChromium();

const bars = (page) => page.$$eval('#chart g.bar', (gs) => gs.map((g) => [g.dataset.implementation, Number(g.dataset.share)]));
/** Waits until the chart's shares are within 0.01 of `want` ({implementation: share}). */
async function chartNear(page, want) {
  await page.waitForFunction((w) => {
    const got = [...document.querySelectorAll('#chart g.bar')].map((g) => [g.dataset.implementation, Number(g.dataset.share)]);
    return got.length === Object.keys(w).length && got.every(([name, share]) => Math.abs(share - w[name]) < 0.01);
  }, want, { timeout: 5000 }).catch(async () => assert.fail(`chart ${JSON.stringify(await bars(page))}, wanted about ${JSON.stringify(want)}`));
}
const problems = (page) => page.$$eval('#problems li', (lis) => lis.map((li) => li.textContent));

test('playground: the split chart, and problems with their JSON Pointer as the snapshot is edited', async () => {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${rt.server.url}/playground.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  assert.deepEqual(await problems(page), ['No problems. Revision demo-1, 2 features.']);
  assert.deepEqual(await page.$$eval('#results tbody tr td:first-child', (tds) => tds.map((td) => td.textContent)), ['AllowedPriorities', 'TodoStats']);
  assert.equal(await page.inputValue('#feature'), 'AllowedPriorities');
  await chartNear(page, { no_priority: 0.34, two_priorities: 0.33, three_priorities: 0.33 });
  assert.match(await page.textContent('#sim-note'), /^by UserId, 100,000 units in \d+ ms$/);

  // New weights, and a typo in another feature: that feature's problem is listed with its pointer, the chart follows the weights.
  const edited = structuredClone(snapshot);
  edited.features.AllowedPriorities.rules[0].experiment.weights = { no_priority: 60, two_priorities: 30, three_priorities: 10 };
  edited.features.TodoStats.defualt = false;
  await page.fill('#snapshot', JSON.stringify(edited, null, 2));
  await page.waitForFunction(() => document.getElementById('problems').textContent.includes('defualt'));
  assert.deepEqual(await problems(page), ["/features/TodoStats/defualt unknown field 'defualt' (did you mean 'default'?)"]);
  await chartNear(page, { no_priority: 0.6, two_priorities: 0.3, three_priorities: 0.1 });
  assert.match(await page.textContent('#results tbody tr.error'), /^TodoStats.*ERROR \(PARSE_ERROR\)/);
  await page.selectOption('#feature', 'TodoStats');
  await page.waitForFunction(() => document.getElementById('sim-note').textContent.startsWith('cannot simulate TodoStats'));
  await page.selectOption('#feature', 'AllowedPriorities');
  await chartNear(page, { no_priority: 0.6, two_priorities: 0.3, three_priorities: 0.1 });
  await page.screenshot({ path: '/tmp/feats-edge-playground.png', fullPage: true });

  // Percentages over 100.
  const over = structuredClone(snapshot);
  over.features.AllowedPriorities.rules[0].experiment.weights.no_priority = 39;
  await page.fill('#snapshot', JSON.stringify(over, null, 2));
  await page.waitForFunction(() => document.getElementById('problems').textContent.includes('105'));
  assert.deepEqual(await problems(page), ['/features/AllowedPriorities/rules/0/experiment/weights percentages add up to 105, more than 100']);
  assert.equal(await page.textContent('#problems li code'), '/features/AllowedPriorities/rules/0/experiment/weights');

  // Typed by hand: a stray character after the document refuses the whole snapshot, with line and column.
  await page.click('#snapshot');
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' x');
  await page.waitForFunction(() => document.querySelector('#problems li.refused'));
  const lines = JSON.stringify(over, null, 2).split('\n').length;
  assert.deepEqual(await problems(page), [`(document) invalid JSON: line ${lines}, column 3: trailing characters after the JSON value (snapshot refused)`]);
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.waitForFunction(() => !document.querySelector('#problems li.refused'));

  // A wrong schema: the pointer of the field.
  await page.fill('#snapshot', JSON.stringify({ ...snapshot, schema: 2 }));
  await page.waitForFunction(() => document.querySelector('#problems li.refused'));
  assert.equal(await page.textContent('#problems li.refused code'), '/schema');
  assert.deepEqual(errors, []);
  await page.close();
});

/** A playground page, ready, recording uncaught errors and failed responses. */
async function openPlayground() {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
  await page.goto(`${rt.server.url}/playground.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return { page, errors };
}
const okLine = (page) => page.waitForFunction(() => document.querySelector('#problems li.ok'));

test('playground: a context or now edit right after a snapshot edit does not drop the snapshot update', async () => {
  const { page, errors } = await openPlayground();
  const renamed = { ...snapshot, revision: 'debounced' };
  await page.evaluate((text) => {
    const fire = (sel, value) => Object.assign(document.querySelector(sel), { value }).dispatchEvent(new Event('input'));
    fire('#snapshot', text);
    fire('#context', '{"user": {"id": "7"}}');
    fire('#now', '2026-01-02T03:04:05');
  }, JSON.stringify(renamed));
  await page.waitForFunction(() => document.getElementById('problems').textContent.includes('debounced'), null, { timeout: 3000 })
    .catch(async () => assert.fail(`the snapshot update was dropped: ${await problems(page)}`));
  assert.match(await page.textContent('#results tbody tr:last-child'), /UserId=7/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: nothing is evaluated while the snapshot text is refused', async () => {
  const { page, errors } = await openPlayground();
  await page.fill('#snapshot', '{"schema": 1, "features": ');
  await page.waitForFunction(() => document.querySelector('#problems li.refused'));
  const shown = () => page.evaluate(() => ({
    rows: document.querySelectorAll('#results tbody tr').length,
    options: document.querySelectorAll('#feature option').length,
    bars: document.querySelectorAll('#chart g.bar').length,
    note: document.getElementById('sim-note').textContent,
  }));
  assert.deepEqual(await shown(), { rows: 0, options: 0, bars: 0, note: '' });
  await page.fill('#context', '{"user": {"id": "8"}}');
  await page.waitForTimeout(400);
  assert.deepEqual(await shown(), { rows: 0, options: 0, bars: 0, note: '' }, 'a context edit does not evaluate the old engine');
  await page.fill('#snapshot', JSON.stringify(snapshot));
  await okLine(page);
  assert.equal((await shown()).rows, 2);
  await chartNear(page, { no_priority: 0.34, two_priorities: 0.33, three_priorities: 0.33 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: a context that is not JSON says so under the field, and the message goes when it is fixed', async () => {
  const { page, errors } = await openPlayground();
  assert.equal(await page.textContent('#context-error'), '');
  await page.fill('#context', '{"user": {"id": "42",}}');
  await page.waitForFunction(() => document.getElementById('context-error').textContent !== '');
  assert.match(await page.textContent('#context-error'), /^The context is not JSON \(.+\): every feature answers INVALID_CONTEXT until it is\.$/);
  assert.equal(await page.getAttribute('#context', 'aria-invalid'), 'true');
  assert.deepEqual(await page.$$eval('#results tbody tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent)),
    ['ERROR (INVALID_CONTEXT)', 'ERROR (INVALID_CONTEXT)']);
  await page.fill('#context', '{"user": {"id": "42"}}');
  await page.waitForFunction(() => document.getElementById('context-error').textContent === '');
  assert.equal(await page.getAttribute('#context', 'aria-invalid'), 'false');
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: the units are clamped to the field\'s range, rounded, and written back', async () => {
  const { page, errors } = await openPlayground();
  for (const [typed, want] of [['0', '1000'], ['2500.6', '2501'], ['50000000', '1000000'], ['-5', '1000'], ['', '100000']]) {
    await page.fill('#units', typed);
    await page.dispatchEvent('#units', 'change');
    assert.equal(await page.inputValue('#units'), want, `typed ${JSON.stringify(typed)}`);
    assert.match(await page.textContent('#sim-note'), new RegExp(`^by UserId, ${Number(want).toLocaleString('en-US')} units in`));
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: has an inline favicon (no /favicon.ico 404)', async () => {
  const { page, errors } = await openPlayground();
  assert.equal(await page.evaluate(() => document.querySelector('link[rel=icon]')?.getAttribute('href')), 'data:,');
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: at 375 px nothing scrolls sideways, even with long unbroken names', async () => {
  const { page, errors } = await openPlayground();
  await page.setViewportSize({ width: 375, height: 800 });
  await page.fill('#snapshot', JSON.stringify({ ...snapshot, features: { ...snapshot.features, [`F${'x'.repeat(150)}`]: { default: true } } }));
  await okLine(page).catch(() => {});
  await page.fill('#context', `{"user": {"id": "${'y'.repeat(150)}"}}`);
  await page.waitForTimeout(300);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `scrollWidth ${width}`);
  assert.deepEqual(errors, []);
  await page.close();
});
