// The README's React recipe (section "With React"), taken from README.md as
// it is written, bundled by esbuild with React 19 and run in Chromium under
// StrictMode: one arm of a random experiment for the whole page, each use
// reported once, a re-render when a snapshot changes with its revision
// unchanged, and past `timeout` the fallbacks reported, then each use again
// under the snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, until, bundleApp, flagSiteInChromium } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/tmp.js';

/** A random experiment over four arms, and a feature served by a rule. */
const snapshot = (theme) => JSON.stringify({
  schema: 1, revision: 'react-1',
  segments: { UserId: { from: { user: '{id}' } } },
  features: {
    Hero: { inputs: ['user'], implementations: ['a', 'b', 'c', 'd'], default: 'a',
      rules: [{ experiment: { name: 'hero-exp', by: 'UserId', random: true, weights: { a: 25, b: 25, c: 25, d: 25 } } }] },
    Theme: { implementations: ['light', 'dark'], default: 'light', rules: [{ serve: theme }] },
  },
});

const app = `
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { FlagsProvider, useFeature, client } from "./flags.jsx";

const user = { id: new URLSearchParams(location.search).get("u") };
function Part({ id }) {
  const hero = useFeature("Hero", "a"), theme = useFeature("Theme", "light");
  // A valid name the snapshot lacks, which is also a member of every object.
  const missing = useFeature("constructor", "none");
  return <p id={id} data-hero={hero} data-theme={theme} data-missing={missing}>{hero} {theme}</p>;
}
window.featsClient = client;
createRoot(document.getElementById("root")).render(
  <StrictMode><FlagsProvider user={user}><Part id="header" /><Part id="footer" /></FlagsProvider></StrictMode>);
`;

/** The site: the bundled page, the .wasm beside it, and the flag endpoints the recipe names. */
const site = { snapshot: snapshot('dark'), etag: '"r1"', delay: 0, events: /** @type {any[]} */ ([]), url: '', server: /** @type {any} */ (null) };
const rt = flagSiteInChromium(site, async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```jsx\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('### With React')));
  assert.ok(block, 'the README has the React recipe');
  const dir = tempDir('react');
  writeFileSync(join(dir, 'flags.jsx'), block[1]);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><div id="root"></div><script type="module" src="/app.js"></script>');
  await bundleApp(dir, app);
  return dir;
});

/** Opens the page for user `u` in a fresh context; returns it once both parts show a snapshot's choice. */
async function open(u, shown = 'document.getElementById("footer")?.dataset.theme') {
  const context = await rt.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${site.url}/index.html?u=${u}`);
  await page.waitForFunction(shown, null, { timeout: 20000 });
  const parts = () => page.evaluate(() => ['header', 'footer'].map((id) => ({ ...document.getElementById(id).dataset })));
  return { context, page, errors, shown: parts };
}

test('the README\'s React recipe, as written: one arm of a random experiment on the whole page, each use reported once', async () => {
  const arms = new Set();
  for (let i = 0; i < 8; i++) {
    const u = `user-${i}`;
    const { context, page, errors, shown } = await open(u);
    try {
      await page.evaluate(() => window.featsClient.flush());
      const [header, footer] = await shown();
      assert.deepEqual(header, footer, `${u}: both parts show the same choices`);
      assert.equal(header.theme, 'dark');
      assert.equal(header.missing, 'none', 'a feature the snapshot lacks is its fallback, whatever its name');
      arms.add(header.hero);
      const hero = site.events.filter((e) => e.feature === 'Hero' && e.unit?.value === u);
      assert.deepEqual(hero.map((e) => [e.implementation, e.experiment, e.reason]), [[header.hero, 'hero-exp', 'SPLIT']], `${u}: ${JSON.stringify(hero)}`);
      // The page drew once: a reload shows the arm it used (stored), not a new draw.
      await page.reload();
      await page.waitForFunction(() => document.getElementById('footer')?.dataset.theme);
      assert.deepEqual((await shown()).map((p) => p.hero), [header.hero, header.hero]);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  }
  assert.ok(arms.size >= 2, `the experiment draws: ${[...arms]}`);
});

test('the README\'s React recipe re-renders when a snapshot changes with its revision unchanged', async () => {
  const { context, page, errors, shown } = await open('user-update');
  try {
    assert.deepEqual((await shown()).map((p) => p.theme), ['dark', 'dark']);
    site.snapshot = snapshot('light');
    site.etag = '"r2"';
    await page.evaluate(() => window.featsClient.refresh());
    await until(async () => (await shown()).every((p) => p.theme === 'light'));
    // What the page now renders is reported.
    await page.evaluate(() => window.featsClient.flush());
    assert.ok(site.events.some((e) => e.feature === 'Theme' && e.implementation === 'light'), JSON.stringify(site.events));
    assert.deepEqual(errors, []);
  } finally {
    site.snapshot = snapshot('dark');
    site.etag = '"r1"';
    await context.close();
  }
});

test('the README\'s React recipe past `timeout`: the fallbacks rendered and reported with nothing loaded, then each use reported again under the snapshot', async () => {
  // The snapshot serves Theme's fallback itself: the rendered implementation does not change.
  site.snapshot = snapshot('light');
  site.delay = 4000; // past createClient's timeout (3 s)
  const u = 'user-late';
  const { context, page, errors, shown } = await open(u, 'document.getElementById("footer")');
  try {
    assert.deepEqual((await shown()).map((p) => [p.hero, p.theme, p.missing]), [['a', 'light', 'none'], ['a', 'light', 'none']]);
    await page.evaluate(() => window.featsClient.ready);
    await until(() => page.evaluate(() => window.featsClient.revision !== null), 10000);
    await page.evaluate(() => window.featsClient.flush());
    const theme = site.events.filter((e) => e.feature === 'Theme' && e.unit === null && (e.revision === null || e.revision === 'react-1'));
    const before = theme.filter((e) => e.revision === null), after = theme.filter((e) => e.revision === 'react-1');
    assert.ok(before.length >= 1 && before.every((e) => e.implementation === 'light' && e.reason === 'ERROR'), JSON.stringify(theme));
    assert.ok(after.some((e) => e.implementation === 'light' && e.reason === 'TARGETING_MATCH'), JSON.stringify(theme));
    const hero = site.events.filter((e) => e.feature === 'Hero' && e.unit?.value === u);
    assert.equal(hero.length, 1, JSON.stringify(hero));
    assert.deepEqual(errors, []);
  } finally {
    site.snapshot = snapshot('dark');
    site.delay = 0;
    await context.close();
  }
});
