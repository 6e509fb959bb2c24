// The demo and the playground as someone using a keyboard or a screen reader
// meets them: axe-core's WCAG 2.2 A and AA rules (and its landmark and
// heading rules) in each page's main states, status lines that exist before
// they speak, and the main flows with the keyboard alone, the focus always
// visible and kept where it was when a list is drawn again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, demoInChromium } from '../helpers/runtimes.js';

const text = readFileSync(join(root, 'www/snapshot.json'), 'utf8');
const snapshot = JSON.parse(text);
const engine = new Engine(text);
const rt = demoInChromium();

/** A demo user id for whom `want(implementations)` holds (the demo's context). */
const userWhere = (want) => {
  for (let i = 0; ; i++) if (want(engine.implementations({ user: { id: `a11y-user-${i}`, plan: 'free' } }))) return `a11y-user-${i}`;
};
const put = async (body) => assert.equal((await fetch(`${rt.server.url}/flags/snapshot.json`, { method: 'PUT', body })).status, 204);
const withRevision = (revision, edit = (s) => s) => JSON.stringify(edit({ ...structuredClone(snapshot), revision }), null, 2);

/** axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices on landmarks and headings. */
const axeOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  rules: Object.fromEntries(['region', 'landmark-one-main', 'landmark-unique', 'page-has-heading-one', 'heading-order', 'empty-heading']
    .map((id) => [id, { enabled: true }])),
};

/** Runs axe-core in the page as it is now; fails with every violation, named by `state`. */
async function audit(page, state) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: join(root, 'node_modules/axe-core/axe.min.js') });
  const { violations } = await page.evaluate((options) => window.axe.run(document, options), axeOptions);
  const said = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\s*\n\s*/g, '; ')}`).join('\n')}`);
  assert.deepEqual(said, [], `${state}:\n${said.join('\n')}`);
}

/** A page for a visitor with this id (a new one if null) and saved todos, the page's errors collected. */
async function demo(uid = null, todos = []) {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route(`${rt.server.url}/__blank`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  // The page renders its defaults if the flags take more than 1.5 s: a slow
  // machine gets 10 s, so that the design is the one chosen for `uid`.
  await page.route(`${rt.server.url}/demo.js`, async (r) => {
    const res = await r.fetch();
    await r.fulfill({ response: res, body: (await res.text()).replace('timeout: 1500,', 'timeout: 10000,') });
  });
  await page.goto(`${rt.server.url}/__blank`);
  await page.evaluate(([id, saved]) => {
    localStorage.clear();
    if (id) localStorage.setItem('demo-user', id);
    localStorage.setItem('demo-todos', JSON.stringify(saved));
  }, [uid, todos]);
  await page.goto(`${rt.server.url}/`);
  await shown(page);
  return { page, errors };
}
/** Waits for the demo to be painted with flags. */
const shown = (page) => page.waitForFunction(() => !document.documentElement.classList.contains('pending')
  && document.getElementById('revision').textContent !== '', null, { timeout: 10000 });
const revision = (page, r) => page.waitForFunction((want) => document.getElementById('revision').textContent === want, r, { timeout: 5000 });

async function playground() {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${rt.server.url}/playground.html`);
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 5000 });
  return { page, errors };
}

/**
 * The live regions of the page (role=status, aria-live) that are not in its
 * accessibility tree: a screen reader does not hear text that appears in
 * one of them (it must be there, empty, before it speaks).
 */
async function silentRegions(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root: doc } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: doc.nodeId, selector: '[role=status], [aria-live]' });
    const silent = [];
    for (const nodeId of nodeIds) {
      const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
      const { node } = await cdp.send('DOM.describeNode', { nodeId });
      const id = node.attributes[node.attributes.indexOf('id') + 1];
      if (nodes[0]?.ignored) silent.push(`#${id}`);
    }
    return silent;
  } finally {
    await cdp.detach();
  }
}

/**
 * Presses Tab until the focus is on an element for which `is(element)`
 * holds (at most `max` times); fails if it never is. Returns how many presses.
 */
async function tabTo(page, is, what, max = 40) {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(is)) return i;
  }
  assert.fail(`Tab never reached ${what}`);
}
/** What has the focus: its accessible name as the page gives it, or its id, or its tag. */
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'nothing';
  return el.getAttribute('aria-label') ?? (el.id || null) ?? el.getAttribute('name') ?? el.textContent.trim();
});

/**
 * Tabs through the whole page once, from the top: every stop must look
 * different focused than not (an outline or a shadow of its own). Returns
 * the stops, each named by `focused`.
 */
async function tabStops(page) {
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  await page.mouse.click(1, 1); // the sequential focus starts at the top
  const looks = [];
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    // (A date field takes several presses, one per part: one stop.)
    const stop = await page.evaluate((n) => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      if (el.dataset.stop) return el.dataset.stop === String(n - 1) ? 'same' : null;
      el.dataset.stop = String(n);
      const s = getComputedStyle(el);
      return { look: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} ${s.boxShadow}` };
    }, looks.length);
    if (stop === 'same') continue;
    if (!stop) break;
    looks.push({ ...stop, name: await focused(page) });
  }
  await page.evaluate(() => document.activeElement?.blur());
  const unfocused = await page.$$eval('[data-stop]', (els) => els.map((el) => {
    const s = getComputedStyle(el);
    delete el.dataset.stop;
    return `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} ${s.boxShadow}`;
  }));
  const unseen = looks.filter((s, i) => s.look === unfocused[i]).map((s) => s.name);
  assert.deepEqual(unseen, [], `focus not visible on: ${unseen.join(', ')}`);
  return looks.map((s) => s.name);
}

test('demo: no WCAG 2.2 AA violations at load, in each design, with its notes shown, and with a long exposure log', async () => {
  const three = userWhere((c) => c.AllowedPriorities === 'three_priorities' && c.TodoStats === 'true');
  const { page, errors } = await demo(three, [{ title: 'Buy milk', priority: 'high', done: false }, { title: 'Call Ann', priority: 'low', done: true }]);
  try {
    await audit(page, 'at load, three priorities and statistics');
    for (const design of ['no_priority', 'two_priorities']) {
      const other = await demo(userWhere((c) => c.AllowedPriorities === design && c.TodoStats === 'false'), [{ title: 'Buy milk', priority: null, done: false }]);
      await audit(other.page, design);
      assert.deepEqual(other.errors, []);
      await other.page.close();
    }
    await page.click('#new-user');
    await shown(page);
    await audit(page, 'after "Be someone else"');

    await page.click('#flip');
    await page.waitForFunction(() => document.getElementById('flip-note').textContent !== '', null, { timeout: 5000 });
    await audit(page, 'the kill switch flipped, its note shown');

    await put(withRevision('broken', (s) => { s.features.AllowedPriorities.rules[0].experiment.weights.no_priority = 90; return s; }));
    await revision(page, 'broken');
    assert.notEqual(await page.textContent('#problems-note'), '');
    await audit(page, 'a feature with problems, its note shown');

    await put('{"schema": 1, "features": {');
    await page.waitForFunction(() => document.getElementById('flags-note').textContent !== '', null, { timeout: 5000 });
    await audit(page, 'a refused snapshot, the stale note shown');

    const post = (n) => fetch(`${rt.server.url}/flags/exposures`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ events: Array.from({ length: n }, (_, i) => ({ feature: 'AllowedPriorities', implementation: 'no_priority', reason: 'SPLIT', rule: 0,
        experiment: null, unit: { segment: 'UserId', value: `log-${i}` }, revision: 'r', timestamp: '2026-11-22T10:00:00.000Z' })) }) });
    await post(40);
    await page.waitForFunction(() => document.getElementById('exposures').scrollHeight > document.getElementById('exposures').clientHeight, null, { timeout: 5000 });
    await audit(page, 'an exposure log longer than its box');
    assert.deepEqual(errors, []);
  } finally {
    await put(text);
    await page.close();
  }
});

test('demo: no WCAG 2.2 AA violations when the flags cannot load (the page runs on the defaults and says so)', async () => {
  const page = await rt.browser.newPage();
  try {
    // A first visit: no snapshot cached by an earlier page.
    await page.route(`${rt.server.url}/__blank`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
    await page.goto(`${rt.server.url}/__blank`);
    await page.evaluate(() => localStorage.clear());
    await page.route(`${rt.server.url}/flags/snapshot.json`, (r) => r.fulfill({ status: 503, body: 'down' }));
    await page.goto(`${rt.server.url}/`);
    await page.waitForFunction(() => document.getElementById('flags-note').textContent.startsWith('The flags could not be loaded'), null, { timeout: 10000 });
    await audit(page, 'on the defaults, the note shown');
  } finally {
    await page.close();
  }
});

test('demo and playground: every status line is in the accessibility tree before it speaks', async () => {
  const { page } = await demo(userWhere((c) => c.AllowedPriorities === 'two_priorities'));
  try {
    assert.equal(await page.textContent('#flags-note'), '');
    assert.deepEqual(await silentRegions(page), []);
  } finally {
    await page.close();
  }
  const pg = await playground();
  try {
    assert.deepEqual(await silentRegions(pg.page), []);
  } finally {
    await pg.page.close();
  }
});

test('playground: no WCAG 2.2 AA violations with the chart, empty, with problems listed, refused, and at 375 px', async () => {
  const { page, errors } = await playground();
  try {
    await page.waitForSelector('#chart g.bar', { state: 'attached' });
    await audit(page, 'the server\'s snapshot, its chart shown');
    await page.fill('#snapshot', '');
    await page.waitForFunction(() => document.getElementById('problems').textContent.includes('empty'));
    await audit(page, 'an empty snapshot');
    const typo = structuredClone(snapshot);
    typo.features.TodoStats.defualt = false;
    await page.fill('#snapshot', JSON.stringify(typo, null, 2));
    await page.waitForFunction(() => document.getElementById('problems').textContent.includes('defualt'));
    await audit(page, 'problems listed');
    await page.fill('#snapshot', '{"schema": 1,\n x}');
    await page.waitForSelector('#problems li.refused button.goto');
    await audit(page, 'a refused snapshot, with "Show"');
    await page.fill('#context', '[]');
    await page.waitForFunction(() => document.getElementById('context-error').textContent !== '');
    await audit(page, 'a context that is not an object');
    await page.click('#reset');
    await page.waitForSelector('#chart g.bar', { state: 'attached' });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.fill('#context', '{"user": {"id": "42", "plan": "free", "address": {"country_code": "US"}}, "more": 1}');
    await page.waitForFunction(() => document.querySelector('.scroll').scrollWidth > document.querySelector('.scroll').clientWidth, null, { timeout: 5000 });
    await audit(page, 'at 375 px, the table scrolling sideways');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('demo with the keyboard alone: add, prioritise, tick and remove a todo, flip the kill switch, scroll the log; the focus always visible', async () => {
  const { page, errors } = await demo(userWhere((c) => c.AllowedPriorities === 'three_priorities'));
  try {
    await page.waitForFunction(() => document.querySelectorAll('#exposures li').length > 0, null, { timeout: 5000 });
    const stops = await tabStops(page);
    for (const name of ['New todo', 'Priority', 'Add', 'new-user', 'exposures', 'flip']) assert.ok(stops.includes(name), `${name} in ${stops.join(', ')}`);

    await page.mouse.click(1, 1);
    await tabTo(page, () => document.activeElement?.getAttribute('aria-label') === 'New todo', 'the new todo field');
    await page.keyboard.type('Water the plants');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'Priority');
    await page.keyboard.press('End'); // the last option, high
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    assert.equal(await page.textContent('#app-status'), 'Added Water the plants');
    assert.equal(await focused(page), 'New todo', 'the focus stays in the field');
    assert.equal(await page.textContent('#app .prio'), 'high');

    await tabTo(page, () => document.activeElement?.type === 'checkbox', 'the checkbox');
    await page.keyboard.press('Space');
    assert.equal(await focused(page), 'Done: Water the plants', 'the redrawn list keeps the focus on the checkbox');
    assert.equal(await page.textContent('#app-status'), 'Water the plants: done');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'Remove Water the plants');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#app ul.todos li').count(), 0);
    assert.equal(await focused(page), 'New todo', 'the list empty: back to the field');

    await tabTo(page, () => document.activeElement?.id === 'exposures', 'the exposure log');
    await page.keyboard.press('End');
    await page.waitForFunction(() => document.getElementById('exposures').scrollTop > 0 || document.getElementById('exposures').scrollHeight <= document.getElementById('exposures').clientHeight);
    await tabTo(page, () => document.activeElement?.id === 'flip', 'the kill switch');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('flip-note').textContent.startsWith('Kill switch on'), null, { timeout: 5000 });
    assert.equal(await focused(page), 'flip', 'the button keeps the focus');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.getElementById('flip-note').textContent.startsWith('Kill switch off'), null, { timeout: 5000 });
    assert.deepEqual(errors, []);
  } finally {
    await put(text);
    await page.close();
  }
});

test('demo: when a snapshot change brings another design, the focus and the text being typed stay in the new todo field', async () => {
  const { page, errors } = await demo(userWhere((c) => c.AllowedPriorities === 'three_priorities'), [{ title: 'Buy milk', priority: 'low', done: false }]);
  try {
    await page.focus('#app input[name=title]');
    await page.keyboard.type('half typ');
    await put(withRevision('broken', (s) => { s.features.AllowedPriorities.rules[0].experiment.weights.no_priority = 90; return s; }));
    await page.waitForFunction(() => document.getElementById('app').dataset.priorities === 'no_priority', null, { timeout: 5000 });
    assert.equal(await focused(page), 'New todo');
    await page.keyboard.type('ed');
    assert.equal(await page.inputValue('#app input[name=title]'), 'half typed');
    // From the priority menu, which the new design lacks: the field.
    await put(text);
    await page.waitForFunction(() => document.getElementById('app').dataset.priorities === 'three_priorities', null, { timeout: 5000 });
    await page.focus('#app select[name=priority]');
    await put(withRevision('broken-again', (s) => { s.features.AllowedPriorities.rules[0].experiment.weights.no_priority = 90; return s; }));
    await page.waitForFunction(() => document.getElementById('app').dataset.priorities === 'no_priority', null, { timeout: 5000 });
    assert.equal(await focused(page), 'New todo');
    // A todo's checkbox: the same todo's in the new design.
    await page.focus('#app input[aria-label="Done: Buy milk"]');
    await put(text);
    await page.waitForFunction(() => document.getElementById('app').dataset.priorities === 'three_priorities', null, { timeout: 5000 });
    assert.equal(await focused(page), 'Done: Buy milk');
    // A focus elsewhere is left alone.
    await page.focus('#new-user');
    await put(withRevision('broken-once-more', (s) => { s.features.AllowedPriorities.rules[0].experiment.weights.no_priority = 90; return s; }));
    await page.waitForFunction(() => document.getElementById('app').dataset.priorities === 'no_priority', null, { timeout: 5000 });
    assert.equal(await focused(page), 'new-user');
    assert.deepEqual(errors, []);
  } finally {
    await put(text);
    await page.close();
  }
});

test('demo: the kill switch button keeps the keyboard focus when a snapshot without TodoStats disables it, and does nothing then', async () => {
  const { page, errors } = await demo();
  try {
    await page.mouse.click(1, 1);
    await tabTo(page, () => document.activeElement?.id === 'flip', 'the kill switch');
    await put(withRevision('no-stats', (s) => { delete s.features.TodoStats; return s; }));
    await page.waitForFunction(() => document.getElementById('flip').textContent === 'No TodoStats feature to switch', null, { timeout: 5000 });
    assert.equal(await focused(page), 'flip');
    assert.equal(await page.getAttribute('#flip', 'aria-disabled'), 'true');
    await audit(page, 'the kill switch disabled');
    // Pressed, it does not even read the server's snapshot (a click starts with that, at once).
    await page.evaluate(() => {
      const real = window.fetch;
      window.fetched = 0;
      window.fetch = (...args) => (window.fetched++, real(...args));
    });
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => window.fetched), 0);
    assert.equal(await page.textContent('#flip-note'), '');
    await put(text);
    await page.waitForFunction(() => document.getElementById('flip').getAttribute('aria-disabled') === 'false', null, { timeout: 5000 });
    assert.equal(await focused(page), 'flip');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('flip-note').textContent.startsWith('Kill switch on'), null, { timeout: 5000 });
    assert.deepEqual(errors, []);
  } finally {
    await put(text);
    await page.close();
  }
});

test('playground with the keyboard alone: every control reached, the focus visible (on a refused snapshot too), "Show" with Enter', async () => {
  const { page, errors } = await playground();
  try {
    await page.fill('#snapshot', '{"schema": 1,\n x}');
    await page.waitForSelector('#problems li.refused button.goto');
    assert.equal(await page.getAttribute('#snapshot', 'aria-invalid'), 'true');
    const stops = await tabStops(page);
    for (const name of ['reset', 'snapshot', 'context', 'now', 'Show', 'feature', 'by', 'units']) assert.ok(stops.includes(name), `${name} in ${stops.join(', ')}`);
    // In a contrast theme (forced colours, no shadows drawn) too: marked, and the focus seen.
    await page.emulateMedia({ forcedColors: 'active' });
    const look = (sel) => page.$eval(sel, (t) => { const s = getComputedStyle(t); return `${s.outline} ${s.boxShadow} ${s.border}`; });
    assert.notEqual(await look('#snapshot'), await look('#context'), 'the refused snapshot looks like the valid context');
    await tabStops(page);
    await page.emulateMedia({ forcedColors: 'none' });
    await page.mouse.click(1, 1);
    await tabTo(page, () => document.activeElement?.classList.contains('goto'), '"Show"');
    await page.keyboard.press('Enter');
    assert.deepEqual(await page.$eval('#snapshot', (t) => [t.value.slice(t.selectionStart, t.selectionEnd), document.activeElement === t]), ['x', true]);
    await page.mouse.click(1, 1);
    await tabTo(page, () => document.activeElement?.id === 'reset', 'Reset');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#chart g.bar', { state: 'attached' });
    assert.equal(await focused(page), 'reset');
    await tabTo(page, () => document.activeElement?.id === 'feature', 'the feature menu');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.getElementById('chart').getAttribute('aria-label').startsWith('TodoStats: '), null, { timeout: 5000 });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
