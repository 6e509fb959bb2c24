// The README's Next.js reporter (section "In Next.js", app/shop/report.js),
// taken from README.md as it is written, bundled by esbuild with React 19
// and run in Chromium. A client-side navigation renders the page again on
// the server, which may hand a newer snapshot than the page's client holds
// (its next poll is up to a minute away): what the server chose under it is
// reported as that snapshot's experiment, not as a default with no unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'feats-edge';
import { root, until, bundleApp, flagSiteInChromium } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/tmp.js';

/** Checkout: classic for everyone, then (s2) an experiment. */
const snapshot = (revision, rules) => JSON.stringify({
  schema: 1, revision,
  segments: { UserId: { from: { user: '{id}' } } },
  features: { Checkout: { inputs: ['user'], implementations: ['classic', 'onepage'], default: 'classic', rules } },
});
const S1 = snapshot('s1', []);
const S2 = snapshot('s2', [{ experiment: { name: 'checkout-2026', by: 'UserId', weights: { classic: 50, onepage: 50 } } }]);

// Two renders of the page, as the server renders them: the first with S1,
// the second (a client-side navigation back to it) with S2.
const app = `
import { useState } from "react";
import { createRoot } from "react-dom/client";
import { Report } from "./report.jsx";
const renders = window.renders;
function Shop() {
  const [i, setI] = useState(0);
  window.navigate = () => setI(1);
  const { boot, context, used } = renders[i];
  return <main><h1 id="checkout" data-render={i}>{used.Checkout}</h1><Report boot={boot} context={context} used={used} /></main>;
}
createRoot(document.getElementById("root")).render(<Shop />);
`;

const site = { snapshot: S1, etag: '"s1"', events: /** @type {any[]} */ ([]), url: '', server: /** @type {any} */ (null), page: '' };
const rt = flagSiteInChromium(site, async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```jsx\n(\/\/ app\/shop\/report\.js[\s\S]*?)```/.exec(readme.slice(readme.indexOf('### In Next.js')));
  assert.ok(block, 'the README has the reporter');
  const dir = tempDir('next-report');
  writeFileSync(join(dir, 'report.jsx'), block[1]);
  await bundleApp(dir, app);
  return dir;
});

test('the README\'s Next.js reporter: a render that brings a newer snapshot is reported as that snapshot chose', async () => {
  // The server's choices under each snapshot, for users in each arm of S2's experiment.
  const s2 = new Engine(S2);
  // One user in each arm.
  const ids = Array.from({ length: 20 }, (_, i) => `user-${i}`);
  const users = ['classic', 'onepage'].map((arm) => ids.find((id) => s2.implementation('Checkout', { user: { id } }) === arm));
  for (const id of users) {
    const context = { user: { id } };
    const renders = [
      { boot: { snapshot: S1, snapshotEtag: '"s1"' }, context, used: { Checkout: 'classic' } },
      { boot: { snapshot: S2, snapshotEtag: '"s2"' }, context, used: { Checkout: s2.implementation('Checkout', context) } },
    ];
    site.snapshot = S1;
    site.etag = '"s1"';
    site.page = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><div id="root"></div>
<script>window.renders = ${JSON.stringify(renders).replace(/</g, '\\u003c')};</script><script type="module" src="/app.js"></script>`;
    const context_ = await rt.browser.newContext();
    const page = await context_.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    try {
      await page.goto(`${site.url}/index.html`);
      site.events.length = 0;
      // Reported within flushInterval (5 s).
      await until(() => site.events.some((e) => e.revision === 's1'), 10000);
      site.events.length = 0;
      // The origin (and so the server) moves to S2; the user navigates back to the page.
      site.snapshot = S2;
      site.etag = '"s2"';
      await page.evaluate(() => window.navigate());
      await page.waitForFunction(() => document.getElementById('checkout')?.dataset.render === '1');
      // (Nothing at all may come: the same use as under S1 is not reported again.)
      await until(() => site.events.length, 7000).catch(() => {});
      assert.deepEqual(site.events.map((e) => [e.implementation, e.experiment, e.unit?.value, e.revision]),
        [[renders[1].used.Checkout, 'checkout-2026', id, 's2']], `${id}: ${JSON.stringify(site.events)}`);
      assert.deepEqual(errors, []);
    } finally {
      await context_.close();
    }
  }
  s2.free();
});
