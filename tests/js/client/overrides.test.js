// A client's overrides (beyond the SPEC, for QA and tests): every
// evaluation call answers them, with reason OVERRIDE, and no use of them is
// reported or made sticky; changing one is an update naming the feature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { FeatsEdgeProvider } from 'feats-edge/openfeature';
import { OpenFeature } from '@openfeature/server-sdk';
import { startServer } from '../helpers/server.js';
import { snapshot, ctx } from '../helpers/snapshot.js';

async function setup(t, options = {}) {
  const srv = await startServer({ snapshot: snapshot('r1') });
  /** @type {Map<string, string>} */
  const stored = new Map();
  const sticky = { get: (k) => stored.get(k), set: (k, v) => void stored.set(k, v) };
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, sticky, ...options });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  return { srv, client, stored };
}

test('an override answers every evaluation call, with reason OVERRIDE; nothing is reported or stored', async (t) => {
  const { srv, client, stored } = await setup(t, { overrides: { PaymentProcessor: 'aperture', Dark: true, Fixed: 'b' } });
  const ca = ctx('1', 'CA'), fr = ctx('1', 'FR');
  assert.deepEqual(client.overrides, { PaymentProcessor: 'aperture', Dark: 'true', Fixed: 'b' });
  // The rules would give premium (CA) and false (FR).
  assert.equal(client.findImplementation('PaymentProcessor', ca), 'aperture');
  assert.deepEqual(client.details('PaymentProcessor', ca), {
    feature: 'PaymentProcessor', implementation: 'aperture', reason: 'OVERRIDE', rule: null, experiment: null,
    unit: null, stickyKey: null, errorCode: null, revision: 'r1',
  });
  const all = client.findImplementations(fr);
  assert.deepEqual([all.PaymentProcessor, all.Dark, all.Fixed, all.Split], ['aperture', 'true', 'b', client.findImplementation('Split', fr)]);
  assert.equal(client.isEnabled('Dark', fr), true);
  assert.equal(client.create('Fixed', ca), 'b');
  const built = [];
  const handle = client.feature('PaymentProcessor', { acme: () => 'A', premium: () => 'P', aperture: (c) => (built.push(c), 'X') }, { default: 'acme' });
  assert.equal(handle.create(ca), 'X');
  assert.deepEqual(built, [ca]);
  client.usedImplementation('PaymentProcessor', 'aperture', ca);
  // Through OpenFeature too.
  await OpenFeature.setProviderAndWait(new FeatsEdgeProvider(client));
  const of = await OpenFeature.getClient().getStringDetails('PaymentProcessor', 'x', { targetingKey: '1', user: { country: 'CA' } });
  assert.deepEqual([of.value, of.reason], ['aperture', 'OVERRIDE']);
  await OpenFeature.close();
  await client.flush();
  assert.deepEqual(srv.state.exposureRequests, []);
  assert.deepEqual([...stored], [], 'the Fixed experiment stored no assignment');
  assert.equal(client.stats.queued, 0);
});

test('override() sets and removes one, as an update naming the feature; a name no factory has builds the default, unreported', async (t) => {
  const { srv, client } = await setup(t);
  const updates = [];
  client.on('update', (u) => updates.push([u.revision, u.changed]));
  const ca = ctx('2', 'CA');
  assert.equal(client.findImplementation('PaymentProcessor', ca), 'premium');
  client.override('PaymentProcessor', 'acme');
  client.override('PaymentProcessor', 'acme'); // the same: no update
  assert.equal(client.findImplementation('PaymentProcessor', ca), 'acme');
  // Not checked against the snapshot: answered as given.
  client.override('PaymentProcessor', 'nope');
  assert.equal(client.findImplementation('PaymentProcessor', ca), 'nope');
  const handle = client.feature('PaymentProcessor', { acme: () => 'A', premium: () => 'P' }, { default: 'acme' });
  assert.equal(handle.create(ca), 'A');
  client.override('PaymentProcessor', null);
  assert.equal(client.findImplementation('PaymentProcessor', ca), 'premium');
  assert.deepEqual(client.overrides, {});
  assert.deepEqual(updates, [['r1', ['PaymentProcessor']], ['r1', ['PaymentProcessor']], ['r1', ['PaymentProcessor']]]);
  await client.flush();
  assert.deepEqual(srv.state.exposureRequests, []);
  // The rules again: reported.
  client.create('PaymentProcessor', ca);
  await client.flush();
  assert.deepEqual(srv.state.exposureRequests.flatMap((r) => JSON.parse(r.body).events).map((e) => e.implementation), ['premium']);
});

test('with nothing loaded, an override still answers (no update); bad overrides are ignored', async () => {
  const client = await createClient({ overrides: /** @type {any} */ ({ Dark: true, PaymentProcessor: '', Other: null }), timeout: 50 });
  assert.equal(client.revision, null);
  assert.equal(client.isEnabled('Dark', ctx('3')), true);
  assert.deepEqual(client.details('Dark', ctx('3')).revision, null);
  assert.equal(client.findImplementation('PaymentProcessor', ctx('3')), null);
  assert.deepEqual(client.overrides, { Dark: 'true' });
  let updates = 0;
  client.on('update', () => updates++);
  client.override('Dark', false);
  assert.equal(client.isEnabled('Dark', ctx('3')), false);
  assert.equal(updates, 0);
  const throwing = await createClient({ overrides: /** @type {any} */ (new Proxy({}, { ownKeys() { throw new Error('no'); } })), timeout: 50 });
  assert.deepEqual(throwing.overrides, {});
  await client.close();
  await throwing.close();
});

test('overrides given badly: each one read on its own, and one whose implementation cannot be read removed; through OpenFeature a boolean override is a boolean, declared or not', async () => {
  const given = { Split: 'on', get Dark() { throw new Error('no'); }, Fixed: 'b' };
  const client = await createClient({ snapshot: snapshot('r1'), overrides: /** @type {any} */ (given) });
  assert.deepEqual(client.overrides, { Split: 'on', Fixed: 'b' });
  client.override('Split', /** @type {any} */ ({ toString() { throw new Error('no'); } }));
  assert.deepEqual(client.overrides, { Fixed: 'b' }, 'an unreadable name removes the override (as "" does)');
  // A boolean override of a flag the snapshot lacks, through the provider.
  client.override('NotDeclared', true);
  const provider = new FeatsEdgeProvider(client, { report: false });
  assert.deepEqual(await provider.resolveBooleanEvaluation('NotDeclared', false, {}), { value: true, variant: 'true', reason: 'OVERRIDE', flagMetadata: { revision: 'r1' } });
  assert.deepEqual(await provider.resolveStringEvaluation('Fixed', 'x', {}), { value: 'b', variant: 'b', reason: 'OVERRIDE', flagMetadata: { revision: 'r1' } });
  // With nothing loaded too.
  const none = await createClient({ overrides: { Dark: true }, timeout: 10 });
  none.on('error', () => {});
  assert.equal((await new FeatsEdgeProvider(none, { report: false }).resolveBooleanEvaluation('Dark', false, {})).value, true);
  await client.close();
  await none.close();
});

test('a feature named by a value that is not a string is overridden under String(name), as the engine reads names', async (t) => {
  const { client } = await setup(t, { overrides: { 42: 'b' } });
  assert.equal(client.findImplementation('42', ctx('1')), 'b');
  assert.equal(client.findImplementation(/** @type {any} */ (42), ctx('1')), 'b');
  const d = client.details(/** @type {any} */ (42), ctx('1'));
  assert.deepEqual([d.feature, d.reason], ['42', 'OVERRIDE']);
});
