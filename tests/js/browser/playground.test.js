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
/**
 * Puts `text` in the field as a paste does (one `input` event). For long
 * texts: Playwright's `fill` types them through the browser's input
 * pipeline, which took 12–15 s for 3 000 lines and timed the test out on a
 * busy machine.
 */
const paste = (page, selector, text) => page.$eval(selector, (field, value) => {
  field.value = value;
  field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
}, text);
const problems = (page) => page.$$eval('#problems li', (lis) => lis.map((li) => li.textContent));
const clean = 'No problems (revision demo-1, 2 features); feats-edge validate also lists warnings.';

test('playground: the split chart, and problems with their JSON Pointer as the snapshot is edited', async () => {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${rt.server.url}/playground.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  assert.deepEqual(await problems(page), [clean]);
  assert.deepEqual(await page.$$eval('#results tbody tr td:first-child', (tds) => tds.map((td) => td.textContent)), ['AllowedPriorities', 'TodoStats']);
  assert.equal(await page.inputValue('#feature'), 'AllowedPriorities');
  await chartNear(page, { no_priority: 0.34, two_priorities: 0.33, three_priorities: 0.33 });
  assert.match(await page.textContent('#sim-note'), /^by UserId, 100,000 units in \d+ ms \(1…100,000 in the placeholders the context leaves empty, or in all if it fills each; the rest as typed\)$/);

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
  await page.screenshot({ path: join(root, 'target/screenshots/playground.png'), fullPage: true });

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
  assert.deepEqual(await problems(page), [`(document) invalid JSON: line ${lines}, column 3: trailing characters after the JSON value (snapshot refused) Show`]);
  // "Show" selects the character the error names (lines are not wrapped, so they are the lines seen).
  const selected = () => page.$eval('#snapshot', (t) => [t.value.slice(t.selectionStart, t.selectionEnd), document.activeElement === t]);
  await page.click('#snapshot');
  await page.keyboard.press('Control+Home');
  await page.click('#problems li.refused button.goto');
  assert.deepEqual(await selected(), ['x', true]);
  assert.equal(await page.$eval('#snapshot', (t) => getComputedStyle(t).whiteSpace), 'pre');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.waitForFunction(() => !document.querySelector('#problems li.refused'));

  // In a long snapshot, and far along a line, the field scrolls to it.
  const long = JSON.stringify({ ...snapshot, meta: Array.from({ length: 3000 }, (_, i) => `line ${i}`) }, null, 2);
  await paste(page, '#snapshot', long.replace('"line 2500"', `"${'y'.repeat(2000)}" x`));
  await page.waitForFunction(() => document.querySelector('#problems li.refused'));
  await page.click('#problems li.refused button.goto');
  assert.deepEqual(await selected(), ['x', true]);
  const seen = await page.$eval('#snapshot', (t) => {
    const lineHeight = parseFloat(getComputedStyle(t).lineHeight);
    const row = t.value.slice(0, t.selectionStart).split('\n').length - 1;
    const y = row * lineHeight;
    return { row, inView: y >= t.scrollTop && y + lineHeight <= t.scrollTop + t.clientHeight, scrolledRight: t.scrollLeft > 1000 };
  });
  assert.ok(seen.row > 2000, JSON.stringify(seen));
  assert.deepEqual([seen.inView, seen.scrolledRight], [true, true], JSON.stringify(seen));
  await paste(page, '#snapshot', long);
  await page.waitForFunction(() => !document.querySelector('#problems li.refused'));

  // Columns count characters, as the engine does: an emoji (two UTF-16 units) is one.
  await page.fill('#snapshot', '{"schema": 1,\n "description": "x", "features": {\n  "😀": [1,,2]}}');
  await page.waitForFunction(() => document.querySelector('#problems li.refused'));
  assert.deepEqual(await problems(page), ["/features/😀 invalid JSON: line 3, column 11: expected a value, found ',' (snapshot refused) Show"]);
  await page.click('#problems li.refused button.goto');
  assert.deepEqual(await page.$eval('#snapshot', (t) => [t.selectionStart, t.value.slice(t.selectionStart, t.selectionEnd)]), [60, ',']);
  await page.fill('#snapshot', '{"schema": 1, "description": "😀😀", ]');
  await page.waitForFunction(() => document.querySelector('#problems li.refused')?.textContent.includes('column 36'));
  await page.click('#problems li.refused button.goto');
  assert.deepEqual(await selected(), [']', true]);

  // A wrong schema: the pointer of the field.
  await page.fill('#snapshot', JSON.stringify({ ...snapshot, schema: 2 }));
  await page.waitForFunction(() => document.querySelector('#problems li.refused')?.textContent.includes('schema'));
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

test('playground: "Show" selects the character the error names in a text that starts with a byte-order mark (which the engine does not count)', async () => {
  const { page, errors } = await openPlayground();
  await page.fill('#snapshot', '\uFEFF{"schema": 1, x}');
  await page.waitForFunction(() => document.querySelector('#problems li.refused')?.textContent.includes('line 1, column 15'));
  await page.click('#problems li.refused button.goto');
  assert.deepEqual(await page.$eval('#snapshot', (t) => [t.selectionStart, t.value.slice(t.selectionStart, t.selectionEnd)]), [15, 'x']);
  await page.fill('#snapshot', '\uFEFF{"schema": 1,\n x}');
  await page.waitForFunction(() => document.querySelector('#problems li.refused')?.textContent.includes('line 2, column 2'));
  await page.click('#problems li.refused button.goto');
  assert.deepEqual(await page.$eval('#snapshot', (t) => t.value.slice(t.selectionStart, t.selectionEnd)), 'x');
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
  assert.match(await page.textContent('#context-error'), /^The context is not JSON \(.+\): every feature without problems answers INVALID_CONTEXT until it is\.$/);
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
  // The longest name allowed, chosen for the chart (its note names it).
  const longest = `Checkout.${'Variant'.repeat(17)}`;
  await page.fill('#snapshot', JSON.stringify({ ...snapshot, features: { ...snapshot.features, [longest]: { type: 'boolean', inputs: [], default: true } } }));
  await page.waitForFunction((name) => [...document.querySelectorAll('#feature option')].some((o) => o.value === name), longest);
  await page.selectOption('#feature', longest);
  await page.waitForFunction((name) => document.getElementById('sim-note').textContent.includes(name), longest);
  const chosen = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(chosen <= 375, `scrollWidth ${chosen} with the long name chosen`);
  assert.deepEqual(errors, []);
  await page.close();
});

const ready = (page) => page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 5000 })
  .catch(async () => assert.fail(`the page never became ready; problems: ${JSON.stringify(await problems(page))}`));
const rows = (page) => page.$$eval('#results tbody tr', (trs) => trs.map((tr) => tr.textContent));
/** Waits for `check` in the page; fails with `what` and what the page shows. */
const waitFor = (page, check, arg, what) => page.waitForFunction(check, arg, { timeout: 3000 })
  .catch(async () => assert.fail(`${what}: problems ${JSON.stringify(await problems(page))}, note ${JSON.stringify(await page.textContent('#sim-note'))}`));

test('playground: both fields survive a reload and a navigation; "Reset to the server\'s snapshot" brings back the server\'s snapshot and the default context', async () => {
  const { page, errors } = await openPlayground();
  const server = await page.inputValue('#snapshot');
  const defaultContext = await page.inputValue('#context');
  const edited = JSON.stringify({ ...snapshot, revision: 'kept' });
  await page.fill('#snapshot', edited);
  await page.fill('#context', '{"user": {"id": "9"}}');
  await waitFor(page, () => document.getElementById('problems').textContent.includes('kept'), null, 'the edit');
  await page.selectOption('#feature', 'TodoStats');
  await page.selectOption('#by', 'Plan');
  for (const leave of [() => page.reload(), () => page.goto('about:blank').then(() => page.goto(`${rt.server.url}/playground.html`))]) {
    await leave();
    await ready(page);
    assert.equal(await page.inputValue('#snapshot'), edited);
    assert.equal(await page.inputValue('#context'), '{"user": {"id": "9"}}');
    assert.equal(await page.inputValue('#feature'), 'TodoStats', 'the chart\'s feature is kept');
    assert.equal(await page.inputValue('#by'), 'Plan', 'and its segment');
    assert.match((await problems(page))[0], /revision kept/);
    assert.match((await rows(page))[0], /UserId=9/);
  }
  // Typed and left at once, before the wait after typing ends: saved when the page goes.
  await page.fill('#context', '{"user": {"id": "10"}}');
  await page.reload();
  await ready(page);
  assert.equal(await page.inputValue('#context'), '{"user": {"id": "10"}}');
  assert.ok(await page.isVisible('#reset'));
  await page.click('#reset', { timeout: 2000 });
  await waitFor(page, () => document.getElementById('problems').textContent.includes('demo-1'), null, 'reset');
  assert.equal(await page.inputValue('#snapshot'), server);
  assert.equal(await page.inputValue('#context'), defaultContext);
  assert.equal(await page.inputValue('#feature'), 'AllowedPriorities');
  await page.reload();
  await ready(page);
  assert.equal(await page.inputValue('#snapshot'), server, 'the saved snapshot is cleared');
  assert.equal(await page.inputValue('#context'), defaultContext, 'the saved context is cleared');
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: with sessionStorage blocked or full the page still works, and Reset still resets', async () => {
  const broken = {
    blocked: () => Object.defineProperty(window, 'sessionStorage', { get() { throw new DOMException('denied', 'SecurityError'); } }),
    full: () => { Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); }; },
  };
  for (const [name, script] of Object.entries(broken)) {
    const page = await rt.browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(script);
    await page.goto(`${rt.server.url}/playground.html`);
    await ready(page);
    assert.equal((await rows(page)).length, 2, name);
    await page.fill('#snapshot', JSON.stringify({ ...snapshot, revision: 'unsaved' }));
    await page.fill('#context', '{"user": {"id": "5"}}');
    await waitFor(page, () => document.getElementById('problems').textContent.includes('unsaved'), null, `${name}: edit`);
    // What a reload will lose is said under the field.
    assert.equal(await page.textContent('#save-note'), name === 'full'
      ? "Too large to keep in this tab across reloads: a reload brings back the server's snapshot."
      : "This page's storage is blocked: a reload brings back the server's snapshot.", name);
    // And under the context's (it was lost without a word).
    await waitFor(page, () => document.getElementById('context-note').textContent !== '', null, `${name}: context note`);
    assert.equal(await page.textContent('#context-note'), name === 'full'
      ? 'Too large to keep in this tab across reloads: a reload brings back the sample context.'
      : "This page's storage is blocked: a reload brings back the sample context.", name);
    await page.click('#reset', { timeout: 2000 });
    await waitFor(page, () => document.getElementById('problems').textContent.includes('demo-1'), null, `${name}: reset`);
    assert.equal(await page.textContent('#save-note'), '', name);
    assert.equal(await page.textContent('#context-note'), '', name);
    assert.match((await rows(page))[0], /UserId=42/, name);
    assert.deepEqual(errors, [], name);
    await page.close();
  }
});

test('playground: a context that is JSON but not an object says so under the field, and the chart is not simulated', async () => {
  const { page, errors } = await openPlayground();
  for (const [typed, kind] of [['[1,2]', 'an array'], ['42', 'a number'], ['null', 'null'], ['"hello"', 'a string']]) {
    await page.fill('#context', typed);
    await waitFor(page, (k) => document.getElementById('context-error').textContent.includes(`not ${k}:`), kind,
      `${typed}: context error ${JSON.stringify(await page.textContent('#context-error'))}`);
    assert.equal(await page.textContent('#context-error'), `The context must be a JSON object, not ${kind}: every feature without problems answers INVALID_CONTEXT until it is.`);
    assert.equal(await page.getAttribute('#context', 'aria-invalid'), 'true');
    assert.deepEqual(await page.$$eval('#results tbody tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent)),
      ['ERROR (INVALID_CONTEXT)', 'ERROR (INVALID_CONTEXT)'], typed);
    assert.deepEqual(await bars(page), [], `${typed}: no chart`);
    assert.equal(await page.textContent('#sim-note'), 'not simulated: the context is invalid');
  }
  await page.fill('#context', '{"user": {"id": "42"}}');
  await chartNear(page, { no_priority: 0.34, two_priorities: 0.33, three_priorities: 0.33 });
  assert.equal(await page.textContent('#context-error'), '');
  assert.equal(await page.getAttribute('#context', 'aria-invalid'), 'false');
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: when the server\'s snapshot cannot be fetched (500, 404, network error) the page says so, is ready, and evaluates a pasted snapshot', async () => {
  const failures = {
    500: (route) => route.fulfill({ status: 500, contentType: 'text/plain', body: 'oops' }),
    404: (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }),
    'network error': (route) => route.abort('connectionrefused'),
  };
  for (const [name, fail] of Object.entries(failures)) {
    const page = await rt.browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/flags/snapshot.json', fail);
    await page.goto(`${rt.server.url}/playground.html`);
    await ready(page);
    assert.equal(await page.inputValue('#snapshot'), '', `${name}: nothing in the field`);
    assert.match((await problems(page))[0], /^Could not load the server's snapshot \(.+\)\.$/, name);
    if (name !== 'network error') assert.match((await problems(page))[0], new RegExp(`\\(${name}\\b`));
    await page.fill('#snapshot', JSON.stringify(snapshot));
    await okLine(page);
    assert.deepEqual(await problems(page), [clean], `${name}: the note goes once a snapshot is typed`);
    assert.equal((await rows(page)).length, 2);
    await chartNear(page, { no_priority: 0.34, two_priorities: 0.33, three_priorities: 0.33 });
    assert.deepEqual(errors, [], name);
    await page.close();
  }
});

test('playground: when the wasm does not load, the page says nothing can be evaluated, and is ready', async () => {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*.wasm', (route) => route.abort('connectionrefused'));
  await page.goto(`${rt.server.url}/playground.html`);
  await ready(page);
  const said = /^The WebAssembly engine did not load \(.+\): nothing can be evaluated\. Reload the page to try again\.$/;
  assert.match((await problems(page)).join('\n'), said);
  assert.deepEqual(JSON.parse(await page.inputValue('#snapshot')), snapshot, 'the server\'s snapshot is still shown');
  await page.fill('#snapshot', JSON.stringify({ ...snapshot, revision: 'typed' }));
  await page.waitForTimeout(300);
  assert.match((await problems(page)).join('\n'), said);
  assert.deepEqual(await rows(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: problems are summed up in a status line (not read again whole); the chart\'s accessible name carries the shares', async () => {
  const { page, errors } = await openPlayground();
  assert.equal(await page.getAttribute('#problems-status', 'role'), 'status');
  assert.equal(await page.getAttribute('#problems', 'aria-live'), null);
  assert.equal(await page.textContent('#problems-status'), 'No problems');
  await chartNear(page, { no_priority: 0.34, two_priorities: 0.33, three_priorities: 0.33 });
  const named = async (feature) => {
    const label = await page.getAttribute('#chart', 'aria-label');
    const shown = await bars(page);
    const m = new RegExp(`^${feature}: ${shown.map(([name]) => `${name} (\\d+\\.\\d)%`).join(', ')}$`).exec(label);
    assert.ok(m, `aria-label ${JSON.stringify(label)}`);
    shown.forEach(([, share], i) => assert.ok(Math.abs(Number(m[i + 1]) - share * 100) <= 0.06, `${m[i + 1]} vs ${share}`));
  };
  await named('AllowedPriorities');
  // The chart's status line says its name when the split changes, once.
  assert.equal(await page.getAttribute('#chart-status', 'role'), 'status');
  const said = () => page.evaluate(() => document.getElementById('chart-status').textContent);
  assert.equal(await said(), await page.getAttribute('#chart', 'aria-label'));
  await page.evaluate(() => {
    window.__said = [];
    new MutationObserver(() => window.__said.push(document.getElementById('chart-status').textContent))
      .observe(document.getElementById('chart-status'), { childList: true, characterData: true, subtree: true });
  });
  await page.selectOption('#feature', 'TodoStats');
  await chartNear(page, { true: 0.5, false: 0.5 });
  await named('TodoStats');
  assert.equal(await said(), await page.getAttribute('#chart', 'aria-label'));
  // An edit of the context that leaves the split as it was (another unit:
  // the simulation sets its own) says nothing more once it is evaluated.
  const heard = await page.evaluate(() => window.__said.length);
  await page.fill('#context', (await page.inputValue('#context')).replace('"id": "42"', '"id": "43"'));
  await page.waitForFunction(() => document.querySelector('#results tbody').textContent.includes('=43'));
  assert.equal(await page.evaluate(() => window.__said.length), heard, 'said again though the split did not change');
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: the chosen chart feature is kept while the snapshot is briefly refused or lacks it', async () => {
  const { page, errors } = await openPlayground();
  await page.selectOption('#feature', 'TodoStats');
  await chartNear(page, { true: 0.5, false: 0.5 });
  await page.click('#snapshot');
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' x');
  await page.waitForFunction(() => document.querySelector('#problems li.refused'));
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await okLine(page);
  assert.equal(await page.inputValue('#feature'), 'TodoStats');
  await chartNear(page, { true: 0.5, false: 0.5 });
  // Without the feature: the first one; with it again: it.
  const { TodoStats, ...others } = snapshot.features;
  await page.fill('#snapshot', JSON.stringify({ ...snapshot, features: others }));
  await waitFor(page, () => document.querySelectorAll('#feature option').length === 1, null, 'one feature');
  assert.equal(await page.inputValue('#feature'), 'AllowedPriorities');
  await page.fill('#snapshot', JSON.stringify(snapshot));
  await waitFor(page, () => document.querySelectorAll('#feature option').length === 2, null, 'two features');
  assert.equal(await page.inputValue('#feature'), 'TodoStats');
  await chartNear(page, { true: 0.5, false: 0.5 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: "By segment" offers the segments the feature reads, and names the unit segment of a feature that has no split', async () => {
  const { page, errors } = await openPlayground();
  const options = () => page.$$eval('#by option', (os) => os.map((o) => [o.value, o.textContent]));
  // A feature's segment is offered however many segments come before it.
  const many = structuredClone(snapshot);
  many.segments = Object.fromEntries([...Array.from({ length: 250 }, (_, i) => [`S${i}`, { from: { request: '{x}' } }]), ...Object.entries(snapshot.segments)]);
  await page.fill('#snapshot', JSON.stringify(many));
  await waitFor(page, () => document.getElementById('problems').textContent.includes('No problems'), null, 'many segments');
  assert.deepEqual(await options(), [['', "(the rule's own)"], ['UserId', 'UserId']]);
  // A snapshot that starts with a byte-order mark (the engine reads it): the same.
  await page.fill('#snapshot', `\uFEFF${JSON.stringify({ ...many, revision: 'bom' })}`);
  await waitFor(page, () => document.getElementById('problems').textContent.includes('revision bom'), null, 'a BOM');
  assert.deepEqual(await options(), [['', "(the rule's own)"], ['UserId', 'UserId']]);
  await page.fill('#snapshot', JSON.stringify(snapshot));
  await waitFor(page, () => document.querySelectorAll('#by option').length === 2 && document.getElementById('problems').textContent.includes('demo-1'), null, 'back');
  // AllowedPriorities reads UserId alone; TodoStats reads Plan and UserId.
  assert.equal(await page.inputValue('#feature'), 'AllowedPriorities');
  assert.deepEqual(await options(), [['', "(the rule's own)"], ['UserId', 'UserId']]);
  await page.selectOption('#feature', 'TodoStats');
  assert.deepEqual(await options(), [['', "(the rule's own)"], ['UserId', 'UserId'], ['Plan', 'Plan']]);
  const withPro = structuredClone(snapshot);
  withPro.features.ProOnly = { type: 'boolean', inputs: ['user'], default: false, rules: [{ when: { segment: 'Plan', in: ['pro'] }, serve: true }] };
  await page.fill('#snapshot', JSON.stringify(withPro));
  await waitFor(page, () => document.querySelector('#feature option[value=ProOnly]'), null, 'ProOnly listed');
  await page.selectOption('#feature', 'ProOnly');
  await waitFor(page, () => /^cannot simulate ProOnly: .*name the unit segment/.test(document.getElementById('sim-note').textContent), null, 'the error');
  assert.deepEqual(await options(), [['', "(the rule's own)"], ['Plan', 'Plan']]);
  await page.selectOption('#by', 'Plan');
  await waitFor(page, () => document.getElementById('sim-note').textContent.startsWith('by Plan, '), null, 'by Plan');
  await chartNear(page, { true: 0, false: 1 });
  // Kept across snapshot edits.
  await page.fill('#snapshot', JSON.stringify({ ...withPro, revision: 'again' }));
  await waitFor(page, () => document.getElementById('problems').textContent.includes('again'), null, 'edit');
  assert.equal(await page.inputValue('#by'), 'Plan');
  assert.match(await page.textContent('#sim-note'), /^by Plan, /);
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: long implementation names are cut with an ellipsis before the bars, the full name in a tooltip', async () => {
  const { page, errors } = await openPlayground();
  const layout = () => page.$$eval('#chart g.bar', (gs) => gs.map((g) => {
    const box = g.querySelector('text').getBBox();
    return { label: g.querySelector('text').textContent, right: box.x + box.width, bar: Number(g.querySelector('rect').getAttribute('x')), title: g.querySelector('title')?.textContent ?? '' };
  }));
  await chartNear(page, { no_priority: 0.34, two_priorities: 0.33, three_priorities: 0.33 });
  assert.deepEqual((await layout()).map((b) => b.label), ['no_priority', 'two_priorities', 'three_priorities'], 'short names are whole');
  const long = (name) => `${name}_${'x'.repeat(64 - name.length)}`;
  const edited = structuredClone(snapshot);
  const f = edited.features.AllowedPriorities;
  f.implementations = f.implementations.map(long);
  f.default = long(f.default);
  f.rules[0].experiment.weights = Object.fromEntries(Object.entries(f.rules[0].experiment.weights).map(([k, v]) => [long(k), v]));
  await page.fill('#snapshot', JSON.stringify(edited));
  await chartNear(page, { [long('no_priority')]: 0.34, [long('two_priorities')]: 0.33, [long('three_priorities')]: 0.33 });
  for (const [i, b] of (await layout()).entries()) {
    const name = f.implementations[i];
    assert.equal(name.length, 65);
    assert.ok(b.right <= b.bar, `label ${JSON.stringify(b.label)} ends at ${b.right}, the bar starts at ${b.bar}`);
    assert.ok(b.label.endsWith('…') && name.startsWith(b.label.slice(0, -1)), b.label);
    assert.ok(b.title.includes(name), `tooltip ${JSON.stringify(b.title)}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: with no problems, the page says feats-edge validate also lists warnings', async () => {
  const { page, errors } = await openPlayground();
  assert.deepEqual(await problems(page), [clean]);
  assert.equal(await page.textContent('#problems li.ok code'), 'feats-edge validate');
  await page.fill('#snapshot', JSON.stringify({ schema: 1, features: { A: { type: 'boolean', default: true } } }));
  await waitFor(page, () => document.getElementById('problems').textContent.includes('1 feature'), null, 'one feature');
  assert.deepEqual(await problems(page), ['No problems (no revision, 1 feature); feats-edge validate also lists warnings.']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: the results are listed in the snapshot\'s order, names like "10" included', async () => {
  const { page, errors } = await openPlayground();
  const feature = { implementations: ['a', 'b'], default: 'a' };
  const text = JSON.stringify({ schema: 1, revision: 'order', features: { b: feature, 10: feature, a: feature, 2: feature } });
  // JSON.stringify writes integer-like keys first too: the snapshot text is written by hand.
  const ordered = text.replace(/"features":\{.*\}\}$/, `"features":{"b":${JSON.stringify(feature)},"10":${JSON.stringify(feature)},"a":${JSON.stringify(feature)},"2":${JSON.stringify(feature)}}}`);
  await page.fill('#snapshot', ordered);
  await page.waitForFunction(() => document.getElementById('problems').textContent.includes('order'));
  const names = await page.$$eval('#results tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(names, ['b', '10', 'a', '2']);
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: a snapshot of thousands of features lists the first 200 rows and problems and says how many more; a refused snapshot marks its field', async () => {
  const { page, errors } = await openPlayground();
  const big = structuredClone(snapshot);
  for (let i = 0; i < 3000; i++) {
    big.features[`F${i}`] = { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ split: { by: 'UserId', weights: { a: 60, b: 50 } } }] };
  }
  await page.$eval('#snapshot', (el, text) => {
    el.value = text;
    el.dispatchEvent(new Event('input'));
  }, JSON.stringify(big));
  await waitFor(page, () => document.getElementById('problems-status').textContent === '3,000 problems', null, 'the big snapshot');
  assert.equal(await page.locator('#problems li').count(), 201);
  assert.equal(await page.textContent('#problems li:last-child'), 'and 2,800 more (feats-edge validate lists them all)');
  assert.equal(await page.locator('#results tbody tr').count(), 201);
  assert.equal(await page.textContent('#results tbody tr:last-child'), 'and 2,802 more features (the first 200 are shown)');
  assert.equal(await page.getAttribute('#snapshot', 'aria-invalid'), 'false');
  await page.fill('#snapshot', '{"schema": 2}');
  await waitFor(page, () => document.querySelector('#problems li.refused'), null, 'refused');
  assert.equal(await page.getAttribute('#snapshot', 'aria-invalid'), 'true');
  assert.match(await page.textContent('#problems-status'), /^\/schema /);
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: at 375 px the chart scales to the column, its labels inside it', async () => {
  const { page, errors } = await openPlayground();
  await page.setViewportSize({ width: 375, height: 800 });
  const all = structuredClone(snapshot);
  all.features.AllowedPriorities.rules[0].experiment.weights = { no_priority: 100, two_priorities: 0, three_priorities: 0 };
  await page.fill('#snapshot', JSON.stringify(all));
  await chartNear(page, { no_priority: 1, two_priorities: 0, three_priorities: 0 });
  const fit = await page.$eval('#chart', (svg) => {
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')].map((t) => t.getBoundingClientRect());
    const size = parseFloat(getComputedStyle(svg.querySelector('text')).fontSize) * svg.getScreenCTM().a;
    return { width: box.width, inside: texts.every((t) => t.left >= box.left - 0.5 && t.right <= box.right + 0.5), page: document.documentElement.scrollWidth, size };
  });
  assert.ok(fit.width <= 375, `chart ${fit.width} px wide`);
  // Drawn at the column's width: the labels keep their 12 px (scaled, they were ~7.5).
  assert.ok(fit.size >= 11.5, `labels at ${fit.size.toFixed(1)} px`);
  assert.ok(fit.inside, 'every label inside the chart');
  assert.ok(fit.page <= 375, `the page scrolls sideways: ${fit.page}`);
  assert.deepEqual(errors, []);
  await page.close();
});
