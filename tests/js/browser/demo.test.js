// The demo (www/index.html + www/demo.js, served by www/server.js) in
// Chromium: the first visible frame already holds the implementation chosen
// for the user; exactly one exposure per rendered implementation; a reload
// keeps the experiment assignment even after the weights move; a snapshot
// change reaches the open page without a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, demoInChromium, firstFrameScript, until } from '../helpers/runtimes.js';

const text = readFileSync(join(root, 'www/snapshot.json'), 'utf8');
const snapshot = JSON.parse(text);
const engine = new Engine(text);
const levels = { no_priority: [], two_priorities: ['low', 'high'], three_priorities: ['low', 'medium', 'high'] };
const contextOf = (uid) => ({ user: { id: uid, plan: 'free' } });
/** A user id for which `want(implementations)` holds (the demo's context). */
const userWhere = (want) => {
  for (let i = 0; ; i++) if (want(engine.implementations(contextOf(`test-user-${i}`)))) return `test-user-${i}`;
};

const rt = demoInChromium();

const exposures = async () => (await fetch(`${rt.server.url}/flags/exposures`)).json();
const put = async (snap) => assert.equal((await fetch(`${rt.server.url}/flags/snapshot.json`, { method: 'PUT', body: JSON.stringify(snap, null, 2) })).status, 204);
const serverSnapshot = async () => (await fetch(`${rt.server.url}/flags/snapshot.json`)).json();
const strip = ({ timestamp, ...event }) => event;
/** The SPEC's exposure event for a details object. */
const eventOf = ({ stickyKey, errorCode, ...d }) => d;

const look = () => {
  const app = document.getElementById('app');
  return {
    priorities: app.dataset.priorities ?? null,
    stats: app.dataset.stats ?? null,
    form: !!app.querySelector('form.add'),
    options: [...app.querySelectorAll('select[name=priority] option')].map((o) => o.value),
    statsPanel: !!document.getElementById('stats'),
  };
};

/** A page for `uid` with an empty localStorage (no sticky assignment, no cached snapshot; `todos` as the saved list if given), recording its first visible frame. */
async function freshPage(uid, todos) {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route(`${rt.server.url}/__blank`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  // The page renders its defaults if the flags take more than 1.5 s; these
  // tests check the first frame with the flags, so a slow machine gets 10 s
  // (the page renders as soon as the flags arrive either way).
  await page.route(`${rt.server.url}/demo.js`, async (r) => {
    const res = await r.fetch();
    const code = await res.text();
    if (!code.includes('timeout: 1500,')) errors.push('www/demo.js no longer sets timeout: 1500 (see freshPage)');
    await r.fulfill({ response: res, body: code.replace('timeout: 1500,', 'timeout: 10000,') });
  });
  await page.goto(`${rt.server.url}/__blank`);
  await page.evaluate(([id, saved]) => {
    localStorage.clear();
    localStorage.setItem('demo-user', id);
    if (saved !== undefined) localStorage.setItem('demo-todos', saved);
  }, [uid, todos]);
  await page.addInitScript(firstFrameScript(look));
  await page.goto(`${rt.server.url}/`);
  await page.waitForFunction(() => window.__firstFrame);
  return { page, errors };
}

test('the first visible frame holds the chosen implementation; one exposure per rendered implementation', async () => {
  await fetch(`${rt.server.url}/flags/exposures`, { method: 'DELETE' });
  const uid = userWhere((c) => c.AllowedPriorities !== 'no_priority' && c.TodoStats === 'true');
  const context = contextOf(uid);
  const chosen = engine.evaluate('AllowedPriorities', context);
  const stats = engine.evaluate('TodoStats', context);
  const { page, errors } = await freshPage(uid);

  const first = await page.evaluate(() => window.__firstFrame);
  assert.deepEqual(first, { priorities: chosen.implementation, stats: 'true', form: true, options: levels[chosen.implementation], statsPanel: true });
  const pending = await page.evaluate(() => window.__pendingFrames);
  assert.ok(pending.every((v) => v === 'hidden'), `frames before were hidden: ${pending}`);
  assert.equal(await page.textContent('#user'), uid);

  // Exactly one exposure per rendered implementation (the page flushes every 250 ms).
  const mine = (all) => all.filter((e) => e.unit?.value === uid);
  const arrived = await until(async () => {
    const m = mine(await exposures());
    return m.some((e) => e.feature === 'AllowedPriorities') && m.some((e) => e.feature === 'TodoStats');
  });
  assert.ok(arrived, `exposures did not arrive: ${JSON.stringify(await exposures())}`);
  // Using the rendered UI (adding items re-renders the list) reports nothing new.
  for (const [title, priority] of [['Write the release notes', 'high'], ['Water the plants', 'low']]) {
    await page.fill('#app input[name=title]', title);
    await page.selectOption('#app select[name=priority]', priority);
    await page.click('#app button[type=submit]');
  }
  assert.equal(await page.locator('#app ul.todos li').count(), 2);
  assert.equal(await page.textContent('#stats'), '0 of 2 done');
  await page.waitForTimeout(800); // three flush intervals: a duplicate would have been sent by now
  const all = await exposures();
  assert.deepEqual(mine(all).map(strip).sort((a, b) => a.feature.localeCompare(b.feature)), [eventOf(chosen), eventOf(stats)]);
  assert.equal(all.length, 2, 'nothing else was reported');
  for (const e of all) assert.ok(Math.abs(Date.parse(e.timestamp) - Date.now()) < 60000, e.timestamp);
  await page.waitForFunction(() => document.querySelectorAll('#exposures li').length === 2); // the page's log of what the server got

  // The .wasm was preloaded with the page and that preload was used: one
  // fetch of it, started by the <link>.
  const wasm = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => e.name.endsWith('/pkg/gen/feats_edge_bg.wasm')).map((e) => e.initiatorType));
  assert.deepEqual(wasm, ['link']);

  await page.screenshot({ path: join(root, 'target/screenshots/demo.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a first visit says how the experiment assigned the user, and the design without statistics is reported too', async () => {
  const uid = userWhere((c) => c.AllowedPriorities !== 'no_priority' && c.TodoStats === 'false');
  const context = contextOf(uid);
  const chosen = engine.evaluate('AllowedPriorities', context);
  const stats = engine.evaluate('TodoStats', context);
  assert.equal(chosen.reason, 'SPLIT');
  await fetch(`${rt.server.url}/flags/exposures`, { method: 'DELETE' });
  const { page, errors } = await freshPage(uid);
  try {
    // Read before the design was built (which makes it sticky): SPLIT, as the exposure says.
    assert.match(await page.textContent('#choices'), new RegExp(`AllowedPriorities${chosen.implementation} \\(SPLIT in priorities-2026\\)`));
    // (A unit outside the rollout's share gets the default, with no unit.)
    const mine = exposures;
    assert.ok(await until(async () => (await mine()).length === 2), `exposures: ${JSON.stringify(await mine())}`);
    assert.deepEqual((await mine()).map(strip).sort((a, b) => a.feature.localeCompare(b.feature)), [eventOf(chosen), eventOf(stats)]);
    // On the next render (a reload), the assignment is sticky, and said so.
    await page.reload();
    await page.waitForFunction(() => window.__firstFrame);
    assert.match(await page.textContent('#choices'), /\(STICKY in priorities-2026: kept from this user's first assignment\)/);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('a reload keeps the experiment assignment, even after the weights move', async () => {
  const uid = userWhere((c) => c.AllowedPriorities === 'two_priorities');
  const { page, errors } = await freshPage(uid);
  try {
    const assigned = (await page.evaluate(() => window.__firstFrame)).priorities;
    assert.equal(assigned, 'two_priorities');
    await page.reload();
    await page.waitForFunction(() => window.__firstFrame);
    assert.equal((await page.evaluate(() => window.__firstFrame)).priorities, assigned);
    assert.equal(await page.evaluate((u) => localStorage.getItem(`feats-edge:sticky:priorities-2026/${u}`), uid), assigned);

    // Everyone new now gets three_priorities; this user keeps what they saw.
    const moved = structuredClone(snapshot);
    moved.revision = 'sticky-test';
    moved.features.AllowedPriorities.rules[0].experiment.weights = { three_priorities: 100 };
    await put(moved);
    await page.reload();
    await page.waitForFunction(() => window.__firstFrame);
    assert.equal((await page.evaluate(() => window.__firstFrame)).priorities, assigned, 'first frame after the reload');
    await page.waitForFunction(() => document.getElementById('revision').textContent === 'sticky-test', null, { timeout: 5000 });
    assert.equal(await page.getAttribute('#app', 'data-priorities'), assigned, 'still, on the new snapshot');
    const newcomer = await freshPage(`${uid}-newcomer`);
    await newcomer.page.waitForFunction(() => document.getElementById('revision').textContent === 'sticky-test');
    assert.equal(await newcomer.page.getAttribute('#app', 'data-priorities'), 'three_priorities');
    assert.deepEqual(newcomer.errors, []);
    await newcomer.page.close();
    assert.deepEqual(errors, []);
  } finally {
    await put(snapshot);
    await page.close();
  }
});

test('a snapshot change reaches the open page without a reload', async () => {
  const uid = userWhere((c) => c.TodoStats === 'true');
  const { page, errors } = await freshPage(uid);
  try {
    assert.equal(await page.getAttribute('#app', 'data-stats'), 'true');
    await page.evaluate(() => { window.__sameDocument = true; });
    const off = structuredClone(snapshot);
    off.revision = 'stats-off';
    off.features.TodoStats.enabled = false;
    await page.waitForFunction(() => document.getElementById('flip').textContent === 'Turn the stats kill switch on', null, { timeout: 5000 });
    assert.match(await page.textContent('#choices'), /TodoStatstrue \(SPLIT\)/);
    await put(off);
    await page.waitForFunction(() => document.getElementById('revision').textContent === 'stats-off', null, { timeout: 5000 });
    await page.waitForFunction(() => document.getElementById('flip').textContent === 'Turn the stats kill switch off', null, { timeout: 5000 });
    assert.equal(await page.getAttribute('#app', 'data-stats'), 'false');
    assert.equal(await page.locator('#stats').count(), 0);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
    // The page says the switch is on, and offers to turn it off.
    assert.match(await page.textContent('#choices'), /TodoStatsfalse \(kill switch on: default\)/);

    // The page's own button flips the kill switch back on the server, and says so.
    await page.click('#flip');
    await page.waitForFunction(() => document.getElementById('app').dataset.stats === 'true', null, { timeout: 5000 });
    assert.equal(await page.textContent('#flip-note'), 'Kill switch off: TodoStats follows its rules again.');
    assert.equal(await page.textContent('#flip'), 'Turn the stats kill switch on');
    assert.equal(await page.locator('#stats').count(), 1);
    assert.match(await page.textContent('#revision'), /^demo-\d+$/);
    assert.equal((await serverSnapshot()).features.TodoStats.enabled, true);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
    // Someone else changes the snapshot: the note on this page's flip goes.
    await put({ ...structuredClone(snapshot), revision: 'by-someone-else' });
    await page.waitForFunction(() => document.getElementById('flip-note').textContent === '', null, { timeout: 5000 });
    assert.deepEqual(errors, []);
  } finally {
    await put(snapshot);
    await page.close();
  }
});

test('a feature with problems in the server\'s snapshot: the page says so, and shows its default', async () => {
  const uid = userWhere((c) => c.AllowedPriorities === 'three_priorities');
  const { page, errors } = await freshPage(uid);
  try {
    assert.equal(await page.getAttribute('#app', 'data-priorities'), 'three_priorities');
    assert.equal(await page.textContent('#problems-note'), '');
    const broken = structuredClone(snapshot);
    broken.revision = 'broken-weights';
    broken.features.AllowedPriorities.rules[0].experiment.weights.no_priority = 90;
    await put(broken);
    await page.waitForFunction(() => document.getElementById('revision').textContent === 'broken-weights', null, { timeout: 5000 });
    assert.equal(await page.textContent('#problems-note'),
      "AllowedPriorities has problems in the server's snapshot: the default is shown (the Playground lists them).");
    assert.match(await page.textContent('#choices'), /AllowedPrioritiesno_priority \(ERROR: PARSE_ERROR\)/);
    // A switched-off TodoStats with problems of its own: the button still
    // names what the server has (it answers ERROR, not DISABLED).
    const killedBroken = structuredClone(broken);
    killedBroken.revision = 'killed-broken';
    killedBroken.features.TodoStats.enabled = false;
    killedBroken.features.TodoStats.rules[0].serve = 'nope';
    await put(killedBroken);
    await page.waitForFunction(() => document.getElementById('revision').textContent === 'killed-broken', null, { timeout: 5000 });
    await page.waitForFunction(() => document.getElementById('flip').textContent === 'Turn the stats kill switch off', null, { timeout: 5000 });
    assert.equal(await page.textContent('#problems-note'),
      "AllowedPriorities and TodoStats have problems in the server's snapshot: the default is shown (the Playground lists them).");
    // No TodoStats at all: said, and nothing to switch.
    const without = structuredClone(snapshot);
    without.revision = 'no-stats';
    delete without.features.TodoStats;
    await put(without);
    await page.waitForFunction(() => document.getElementById('revision').textContent === 'no-stats', null, { timeout: 5000 });
    assert.equal(await page.textContent('#problems-note'), "TodoStats is not in the server's snapshot: the default is shown.");
    await page.waitForFunction(() => document.getElementById('flip').getAttribute('aria-disabled') === 'true', null, { timeout: 5000 });
    assert.equal(await page.textContent('#flip'), 'No TodoStats feature to switch');
    await put(snapshot);
    await page.waitForFunction((rev) => document.getElementById('revision').textContent === rev, snapshot.revision, { timeout: 5000 });
    assert.equal(await page.textContent('#problems-note'), '');
    assert.deepEqual(errors, []);
  } finally {
    await put(snapshot);
    await page.close();
  }
});

test('the kill switch button reports a failing snapshot endpoint in the page, without uncaught errors', async () => {
  const { page, errors } = await freshPage(userWhere(() => true));
  try {
    const failures = {
      500: (r) => r.fulfill({ status: 500, body: 'boom' }),
      html: (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><p>login</p>' }),
      truncated: (r) => r.fulfill({ contentType: 'application/json', body: text.slice(0, 40) }),
      refused: (r) => r.abort('connectionrefused'),
      'PUT 500': (r) => (r.request().method() === 'PUT' ? r.fulfill({ status: 500, body: 'boom' }) : r.fallback()),
    };
    for (const [name, fail] of Object.entries(failures)) {
      await page.route(`${rt.server.url}/flags/snapshot.json`, fail);
      await page.click('#flip');
      await page.waitForFunction(() => document.getElementById('flip-note').textContent !== '', null, { timeout: 3000 })
        .catch(() => assert.fail(`${name}: no message in the page`));
      await page.unroute(`${rt.server.url}/flags/snapshot.json`);
      await page.evaluate(() => { document.getElementById('flip-note').textContent = ''; });
    }
    assert.equal((await serverSnapshot()).revision, snapshot.revision, 'nothing was changed on the server');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('flags that cannot load on a first visit: the page says so and runs on the defaults, then picks them up', async () => {
  const uid = userWhere((c) => c.AllowedPriorities !== 'no_priority');
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    // The retries' full jitter drawn at 0.5: they come 0.5, 1.5, 3.5 and
    // 7.5 s after the first failure, within the wait below whenever the
    // route is lifted. (Left to chance, a few small draws put the next one
    // past it about once in 200 runs.) The demo draws nothing else here.
    await page.addInitScript(() => { Math.random = () => 0.5; });
    await page.route(`${rt.server.url}/flags/snapshot.json`, (r) => r.fulfill({ status: 503, body: 'down' }));
    await page.route(`${rt.server.url}/__blank`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
    await page.goto(`${rt.server.url}/__blank`);
    await page.evaluate((id) => { localStorage.clear(); localStorage.setItem('demo-user', id); }, uid);
    await page.goto(`${rt.server.url}/`);
    await page.waitForFunction(() => document.getElementById('flags-note').textContent !== '', null, { timeout: 5000 })
      .catch(() => assert.fail('no word in the page that the flags failed'));
    assert.match(await page.textContent('#flags-note'), /^The flags could not be loaded \(.*503.*\): the defaults are shown; retrying\.$/);
    assert.equal(await page.isVisible('#flags-note'), true);
    assert.equal(await page.getAttribute('#app', 'data-priorities'), 'no_priority', 'the default');
    assert.equal(await page.textContent('#revision'), '(none)');

    await page.unroute(`${rt.server.url}/flags/snapshot.json`);
    await page.waitForFunction(() => document.getElementById('revision').textContent !== '(none)', null, { timeout: 10000 });
    assert.equal(await page.textContent('#flags-note'), '');
    assert.equal(await page.isVisible('#flags-note'), false);
    assert.equal(await page.getAttribute('#app', 'data-priorities'), engine.implementation('AllowedPriorities', contextOf(uid)));
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('a corrupted saved todo list counts as empty; items that are not objects are dropped', async () => {
  for (const [saved, count] of [['not json', 0], ['{}', 0], ['[null]', 0], ['"text"', 0], ['[null, 5, {"title": "kept", "done": true}]', 1]]) {
    const { page, errors } = await freshPage(userWhere(() => true), saved);
    assert.equal(await page.locator('#app ul.todos li').count(), count, saved);
    await page.fill('#app input[name=title]', 'after');
    await page.click('#app button[type=submit]');
    assert.equal(await page.locator('#app ul.todos li').count(), count + 1, saved);
    assert.deepEqual(errors, [], saved);
    await page.close();
  }
});

test('at 375 px the demo does not scroll sideways, even with a long unbroken todo title; inline favicon', async () => {
  const { page, errors } = await freshPage(userWhere((c) => c.AllowedPriorities === 'three_priorities'));
  try {
    assert.equal(await page.evaluate(() => document.querySelector('link[rel=icon]')?.getAttribute('href')), 'data:,');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.fill('#app input[name=title]', 'w'.repeat(150));
    await page.click('#app button[type=submit]');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `scrollWidth ${width}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('the demo controls have accessible names', async () => {
  const { page, errors } = await freshPage(userWhere((c) => c.AllowedPriorities === 'three_priorities' && c.TodoStats === 'true'));
  try {
    await page.getByRole('textbox', { name: 'New todo', exact: true }).fill('Buy milk', { timeout: 2000 });
    await page.getByRole('combobox', { name: 'Priority', exact: true }).selectOption('medium', { timeout: 2000 });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('checkbox', { name: 'Done: Buy milk', exact: true }).check({ timeout: 2000 });
    assert.equal(await page.textContent('#stats'), '1 of 1 done');
    await page.getByRole('button', { name: 'Remove Buy milk', exact: true }).click({ timeout: 2000 });
    assert.equal(await page.locator('#app ul.todos li').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('a flags server that stops answering once the flags are loaded: the page says it stays on them, and clears that once the server answers', async () => {
  const page = await rt.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    // (Retries drawn at half their full jitter: 0.5 s after the first failure.)
    await page.addInitScript(() => { Math.random = () => 0.5; });
    await page.goto(`${rt.server.url}/`);
    await page.waitForFunction(() => document.getElementById('revision').textContent !== '(none)', null, { timeout: 10000 });
    const revision = await page.textContent('#revision');
    await page.route(`${rt.server.url}/flags/snapshot.json`, (r) => r.fulfill({ status: 503, body: 'down' }));
    await page.waitForFunction(() => document.getElementById('flags-note').textContent !== '', null, { timeout: 5000 })
      .catch(() => assert.fail('nothing said in the page'));
    assert.match(await page.textContent('#flags-note'), new RegExp(`^The flags server did not answer \\(.*503.*\\); still on revision ${revision}, retrying\\.$`));
    assert.equal(await page.textContent('#revision'), revision);
    await page.unroute(`${rt.server.url}/flags/snapshot.json`);
    await page.waitForFunction(() => document.getElementById('flags-note').textContent === '', null, { timeout: 10000 })
      .catch(() => assert.fail('the note stayed once the server answered'));
    assert.equal(await page.textContent('#revision'), revision, 'a 304: the same flags');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
