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
  assert.deepEqual(await problems(page), [`/ invalid JSON: line ${lines}, column 3: trailing characters after the JSON value (snapshot refused)`]);
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
