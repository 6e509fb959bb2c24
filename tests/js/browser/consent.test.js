// A page before its visitor consents to storage, in Chromium: with
// `storageKey: null` the client neither reads nor writes localStorage
// through the page's whole life (evaluations, uses, flushes, page hide,
// the next page), while exposures still go out; and the README's recipe
// ("Before consent to storage"), taken from README.md as it is written,
// keeps what a page used in memory and writes it at consent, so that the
// next page, made with the defaults, serves each unit the arm it used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, flagSiteInChromium, until } from '../helpers/runtimes.js';

/** A random experiment over four arms (a redraw shows), one that falls through for most units, and a boolean split. */
const snapshot = JSON.stringify({
  schema: 1, revision: 'consent-1',
  segments: { Email: { from: { user: '{email}' } }, UserId: { from: { user: '{id}' } } },
  features: {
    Hero: { inputs: ['user'], implementations: ['a', 'b', 'c', 'd'], default: 'a',
      rules: [{ experiment: { name: 'hero-exp', by: 'Email', random: true, weights: { a: 25, b: 25, c: 25, d: 25 } } }] },
    Beta: { inputs: ['user'], implementations: ['off', 'on'], default: 'off',
      rules: [{ experiment: { name: 'beta-exp', by: 'Email', random: true, weights: { on: 10 } } }] },
    Stats: { type: 'boolean', inputs: ['user'], default: false, rules: [{ split: { by: 'UserId', weights: { true: 50 } } }] },
  },
});

const site = { snapshot, etag: '"c1"', events: /** @type {any[]} */ ([]), page: '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>shop</title>', url: '', server: /** @type {any} */ (null) };
let recipe = '';

const rt = flagSiteInChromium(site, async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('### Before consent to storage')));
  assert.ok(block, 'the README has the recipe');
  // As a bundler resolves the package: the files of pkg/ on this server.
  recipe = block[1].replace('from "feats-edge"', 'from "/pkg/index.js"');
  assert.notEqual(recipe, block[1]);
  return root;
});

/** A page of the site in a fresh context (empty localStorage), the recipe at /flags.js; its errors must stay none. */
async function open() {
  const context = await rt.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/flags.js', (r) => r.fulfill({ contentType: 'text/javascript', body: recipe }));
  await page.goto(`${site.url}/index.html`);
  return { context, page, errors };
}

/** localStorage of the page, as {key: value}. */
const stored = (page) => page.evaluate(() => Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)])));

test('storageKey: null: nothing is written to localStorage through a page\'s life, nor read from it, and exposures still go out', async () => {
  const { context, page, errors } = await open();
  try {
    site.events.length = 0;
    // What a visit before this client stored (consent since withdrawn, the
    // keys left): an older snapshot cached, and an assignment for the unit.
    const old = JSON.stringify({ ...JSON.parse(snapshot), revision: 'cached-0' });
    await page.evaluate((old) => {
      localStorage.setItem('feats-edge:snapshot:/flags/snapshot.json', JSON.stringify({ text: old, etag: '"c0"', at: 1 }));
      localStorage.setItem('feats-edge:sticky:hero-exp/alice@example.com', 'd');
    }, old);
    const before = await stored(page);
    const got = await page.evaluate(async () => {
      const { createClient } = await import('/pkg/index.js');
      const client = await createClient({ snapshotUrl: '/flags/snapshot.json', exposureUrl: '/flags/exposures', storageKey: null, refreshInterval: 0, flushInterval: 1e9 });
      const revision = client.revision, errors = [];
      client.on('error', (e) => errors.push(String(e.message)));
      const sizes = [localStorage.length];
      const user = (email) => ({ id: email.split('@')[0], email, name: 'Alice Example', address: { city: 'Berlin', country: 'DE' } });
      const alice = user('alice@example.com');
      const first = client.details('Hero', { user: alice });
      client.findImplementations({ user: alice });
      sizes.push(localStorage.length);
      const arms = [];
      for (let i = 0; i < 20; i++) {
        const u = user(`u${i}@example.org`);
        arms.push(client.create('Hero', { user: u }));
        client.create('Beta', { user: u });
        client.isEnabled('Stats', { user: u });
      }
      client.usedImplementation('Hero', first.implementation, { user: alice });
      sizes.push(localStorage.length);
      // Used again in this page: the arm it used (kept in memory).
      const again = arms.map((_, i) => client.details('Hero', { user: user(`u${i}@example.org`) }));
      await client.flush();
      sizes.push(localStorage.length);
      // Uses left for page hide, which sends them by beacon.
      client.create('Hero', { user: user('late@example.org') });
      dispatchEvent(new Event('pagehide'));
      sizes.push(localStorage.length);
      return { revision, first, arms, again, sizes, errors, stats: { sent: client.stats.sent, queued: client.stats.queued } };
    });
    assert.deepEqual(got.errors, []);
    assert.equal(got.revision, 'consent-1', 'the cached snapshot is not read: createClient waited for the network');
    assert.notEqual(got.first.reason, 'STICKY', 'the stored assignment is not read');
    assert.deepEqual(got.again.map((d) => [d.implementation, d.reason]), got.arms.map((a) => [a, 'STICKY']), 'assignments hold for the page, in memory');
    assert.deepEqual(got.sizes, got.sizes.map(() => Object.keys(before).length));
    assert.equal(got.stats.queued, 0);
    await until(() => site.events.some((e) => e.unit?.value === 'late@example.org'));
    assert.ok(site.events.some((e) => e.unit?.value === 'alice@example.com' && e.feature === 'Hero'), 'exposures go out');
    // Page hide of a real navigation, and the next page of the origin: nothing was added or changed.
    await page.goto(`${site.url}/index.html?next`);
    assert.deepEqual(await stored(page), before);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the README\'s consent recipe, as written: nothing stored before consent; at consent what the page used is stored, and the next page serves each unit that arm', async () => {
  const { context, page, errors } = await open();
  try {
    const users = Array.from({ length: 12 }, (_, i) => `v${i}@example.org`);
    const first = await page.evaluate(async (users) => {
      const { startFlags, consentGiven } = await import('/flags.js');
      const client = await startFlags(false);
      const arms = {};
      for (const email of users.slice(0, 8)) {
        arms[email] = client.create('Hero', { user: { id: email, email } });
        client.create('Beta', { user: { id: email, email } });
      }
      await client.flush();
      const before = localStorage.length;
      consentGiven();
      // Used after consent: stored as it is used.
      for (const email of users.slice(8)) arms[email] = client.create('Hero', { user: { id: email, email } });
      return { before, arms, revision: client.revision };
    }, users);
    assert.equal(first.revision, 'consent-1');
    assert.equal(first.before, 0, 'nothing stored before consent');
    const keys = await stored(page);
    for (const email of users) assert.equal(keys[`feats-edge:sticky:hero-exp/${email}`], first.arms[email], email);
    assert.ok(Object.keys(keys).every((k) => k.startsWith('feats-edge:sticky:')), 'no snapshot cache yet');
    // The next page, with consent given: the defaults, which read them back.
    await page.reload();
    const next = await page.evaluate(async (users) => {
      const { startFlags } = await import('/flags.js');
      const client = await startFlags(true);
      const got = Object.fromEntries(users.map((email) => [email, client.details('Hero', { user: { id: email, email } })]));
      // A new unit's use is stored by the default store, which lists the keys it keeps.
      client.create('Hero', { user: { id: 'w@example.org', email: 'w@example.org' } });
      return { got, list: JSON.parse(localStorage.getItem('feats-edge:sticky:#') ?? '[]') };
    }, users);
    for (const email of users) {
      assert.deepEqual([next.got[email].implementation, next.got[email].reason], [first.arms[email], 'STICKY'], email);
      assert.ok(next.list.includes(`hero-exp/${email}`), `${email} is in the default store's bounded list`);
    }
    assert.ok(Object.keys(await stored(page)).some((k) => k.startsWith('feats-edge:snapshot:')), 'the snapshot is cached once consent is given');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the README\'s consent recipe, withdrawn: what was stored is removed, nothing is stored again, and the page keeps serving each unit its arm', async () => {
  const { context, page, errors } = await open();
  try {
    const users = Array.from({ length: 8 }, (_, i) => `w${i}@example.org`);
    const got = await page.evaluate(async (users) => {
      const { startFlags, consentWithdrawn } = await import('/flags.js');
      const client = await startFlags(true);
      const arms = {};
      for (const email of users.slice(0, 4)) {
        arms[email] = client.create('Hero', { user: { id: email, email } });
        client.create('Beta', { user: { id: email, email } });
      }
      const before = localStorage.length;
      const next = await consentWithdrawn(client);
      const after = [localStorage.length];
      // The page goes on: the units it served, and new ones.
      const again = users.slice(0, 4).map((email) => next.create('Hero', { user: { id: email, email } }));
      for (const email of users.slice(4)) next.create('Hero', { user: { id: email, email } }), next.create('Beta', { user: { id: email, email } });
      // What the closed client would have done next: a use (the page still holds it).
      client.create('Hero', { user: { id: 'late@example.org', email: 'late@example.org' } });
      await next.flush();
      dispatchEvent(new Event('pagehide'));
      after.push(localStorage.length);
      return { before, after, again, arms: users.slice(0, 4).map((email) => arms[email]) };
    }, users);
    assert.ok(got.before > 0, 'stored while consent was given');
    assert.deepEqual(got.again, got.arms, 'the page keeps serving each unit the arm it served');
    assert.deepEqual(await stored(page), {}, 'nothing under the prefix once consent is withdrawn');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

/**
 * In the page: the browser refuses every beacon and no POST is ever
 * answered (a network gone with the page), so that page hide has
 * exposures it cannot be sure to send.
 */
const nothingLeaves = () => {
  navigator.sendBeacon = () => false;
  const f = window.fetch;
  window.fetch = (u, init) => (init?.method === 'POST' ? new Promise(() => {}) : f(u, init));
};

test('a page going away with exposures it cannot send keeps them for the next page only where localStorage is allowed: with storageKey: null, none', async () => {
  const { context, page, errors } = await open();
  try {
    const keptBy = async (storageKey) => {
      await page.goto(`${site.url}/index.html`);
      await page.evaluate(() => localStorage.clear());
      await page.evaluate(nothingLeaves);
      await page.evaluate(async (storageKey) => {
        const { createClient } = await import('/pkg/index.js');
        const client = await createClient({ snapshotUrl: '/flags/snapshot.json', exposureUrl: '/flags/exposures', storageKey, refreshInterval: 0, flushInterval: 0 });
        for (let i = 0; i < 250; i++) client.create('Hero', { user: { id: `k${i}`, email: `k${i}@example.org` } });
      }, storageKey);
      await page.goto(`${site.url}/index.html?next`);
      // (Each page's key ends in an id of its own.)
      return Object.keys(await stored(page)).filter((k) => !k.includes(':sticky:') && !k.includes(':snapshot:')).map((k) => k.replace(/ \w+$/, ' <id>'));
    };
    assert.deepEqual(await keptBy(undefined), ['feats-edge:exposures:/flags/exposures <id>'], 'kept with the defaults');
    assert.deepEqual(await keptBy('shop:'), ['shop:exposures:/flags/exposures <id>'], 'under a storageKey of its own');
    await page.goto(`${site.url}/index.html`);
    await page.evaluate(() => localStorage.clear());
    assert.deepEqual(await keptBy(null), [], 'none before consent');
    assert.deepEqual(await stored(page), {}, 'nothing at all before consent');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the README\'s consent recipe, withdrawn on the next page: the exposures a page going away kept are removed with the rest, unsent', async () => {
  const { context, page, errors } = await open();
  try {
    site.events.length = 0;
    await page.evaluate(nothingLeaves);
    await page.evaluate(async () => {
      const { startFlags } = await import('/flags.js');
      const client = await startFlags(true);
      for (let i = 0; i < 250; i++) client.create('Hero', { user: { id: `g${i}`, email: `g${i}@example.org` } });
    });
    await page.goto(`${site.url}/index.html?next`);
    assert.ok(Object.keys(await stored(page)).some((k) => k.startsWith('feats-edge:exposures:/flags/exposures ')), 'kept by the page gone');
    // The next page, before consent is known: nothing read, so the kept events stay; then withdrawn.
    const left = await page.evaluate(async () => {
      const { startFlags, consentWithdrawn } = await import('/flags.js');
      const client = await startFlags(false);
      const before = Object.keys(localStorage).some((k) => k.startsWith('feats-edge:exposures:/flags/exposures '));
      const next = await consentWithdrawn(client);
      next.create('Hero', { user: { id: 'after', email: 'after@example.org' } });
      dispatchEvent(new Event('pagehide'));
      return { before, keys: Object.keys(localStorage) };
    });
    assert.deepEqual(left, { before: true, keys: [] });
    await page.goto(`${site.url}/index.html?last`);
    assert.deepEqual(await stored(page), {}, 'nothing written by the page gone since');
    assert.ok(site.events.every((e) => !e.unit?.value.startsWith('g')), 'the kept events were not sent');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
