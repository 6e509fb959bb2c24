// `feats-edge/openfeature`: OpenFeature's server and web SDKs with the
// package's providers over a client of a real snapshot server: values,
// variants and reasons as the client's details give them, the caller's
// default with OpenFeature's error codes on failures, exposures reported
// for what was resolved, and provider events from the client's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OpenFeature as ServerFeature } from '@openfeature/server-sdk';
import { OpenFeature as WebFeature } from '@openfeature/web-sdk';
import { createClient } from 'feats-edge';
import { FeatsEdgeProvider, FeatsEdgeWebProvider, byTargetingKey } from 'feats-edge/openfeature';
import { startServer, until } from '../helpers/server.js';
import { snapshot } from '../helpers/snapshot.js';

const servers = [];
after(async () => {
  await ServerFeature.close();
  await WebFeature.close();
  for (const s of servers) await s.close();
});

async function setup() {
  const srv = await startServer({ snapshot: snapshot('r1'), etag: '"v1"' });
  servers.push(srv);
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, refreshInterval: 0, flushInterval: 0 });
  return { srv, client };
}

/** A client serving a bootstrap snapshot (r0) whose origin answers 500: stale. */
async function staleClient() {
  const srv = await startServer({ snapshot: snapshot('r1'), etag: '"v1"', mode: '500' });
  servers.push(srv);
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, snapshot: snapshot('r0'), refreshInterval: 0, flushInterval: 0, retryDelay: 60_000 });
  client.on('error', () => {});
  await client.refresh();
  assert.equal(client.stale, true);
  return { srv, client };
}

/** A snapshot of one feature, R, a `random` experiment 'rx' by user id (arms drawn until used). */
const randomExperiment = {
  schema: 1, segments: { UserId: { from: { user: '{id}' } } },
  features: { R: { inputs: ['user'], implementations: ['control', 'b'], default: 'control',
    rules: [{ experiment: { name: 'rx', by: 'UserId', random: true, weights: { control: 10, b: 10 } } }] } },
};

/** The events the sink received. */
const received = (srv) => srv.state.exposureRequests.flatMap((r) => JSON.parse(r.body).events);

test('byTargetingKey: the targeting key is the user id unless the context has one', () => {
  assert.deepEqual(byTargetingKey({ targetingKey: '42' }), { user: { id: '42' } });
  assert.deepEqual(byTargetingKey({ targetingKey: '42', user: { country: 'CA' } }), { user: { country: 'CA', id: '42' } });
  assert.deepEqual(byTargetingKey({ targetingKey: '42', user: { id: '7' } }), { user: { id: '7' } });
  assert.deepEqual(byTargetingKey({ user: { id: '7' }, request: { ip: '1' } }), { user: { id: '7' }, request: { ip: '1' } });
  assert.deepEqual(byTargetingKey(undefined), {});
  // An empty key is none; a null user is none.
  assert.deepEqual(byTargetingKey({ targetingKey: '', user: { country: 'CA' } }), { user: { country: 'CA' } });
  assert.deepEqual(byTargetingKey({ targetingKey: 'u1', user: null }), { user: { id: 'u1' } });
  assert.deepEqual(byTargetingKey({ targetingKey: 'u1', user: 'x' }), { user: 'x' });
  // A user of no prototype (JSON of Object.create(null)) is copied as a plain object is.
  const bare = Object.assign(Object.create(null), { country: 'CA' });
  assert.deepEqual(byTargetingKey({ targetingKey: '42', user: bare }), { user: { country: 'CA', id: '42' } });
  assert.deepEqual(Object.keys(bare), ['country'], 'the caller\'s user is left as it was');
});

test('server SDK: values, variants and reasons from the client; failures give the caller\'s default with OpenFeature\'s codes', async () => {
  const { srv, client } = await setup();
  const provider = new FeatsEdgeProvider(client);
  await ServerFeature.setProviderAndWait(provider);
  const of = ServerFeature.getClient();
  assert.equal(of.metadata.providerMetadata.name, 'feats-edge');
  const ca = { targetingKey: 'u1', user: { country: 'CA' } };

  const pay = await of.getStringDetails('PaymentProcessor', 'fallback', ca);
  assert.deepEqual(
    { value: pay.value, variant: pay.variant, reason: pay.reason, errorCode: pay.errorCode, flagMetadata: pay.flagMetadata },
    { value: 'premium', variant: 'premium', reason: 'TARGETING_MATCH', errorCode: undefined, flagMetadata: { rule: 0, revision: 'r1' } },
  );
  assert.equal(await of.getBooleanValue('Dark', false, ca), true);
  assert.equal(await of.getBooleanValue('Dark', true, { targetingKey: 'u1', user: { country: 'FR' } }), false);
  const fixed = await of.getStringDetails('Fixed', 'x', { targetingKey: 'u2' });
  const want = client.details('Fixed', { user: { id: 'u2' } });
  assert.deepEqual([fixed.value, fixed.reason, fixed.flagMetadata.experiment], [want.implementation, 'SPLIT', 'fixed']);

  // Failures: the caller's default and OpenFeature's error code.
  for (const [call, mine, code] of [
    [() => of.getStringDetails('Nope', 'mine', ca), 'mine', 'FLAG_NOT_FOUND'],
    [() => of.getBooleanDetails('PaymentProcessor', true, ca), true, 'TYPE_MISMATCH'],
    [() => of.getNumberDetails('PaymentProcessor', 7, ca), 7, 'TYPE_MISMATCH'],
    [() => of.getObjectDetails('PaymentProcessor', { a: 1 }, ca), { a: 1 }, 'TYPE_MISMATCH'],
  ]) {
    const d = await call();
    assert.deepEqual([d.value, d.reason, d.errorCode], [mine, 'ERROR', code], d.flagKey);
  }
  // A flag's failure is no failure of the provider.
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(of.providerStatus, 'READY');
  // A user that is no object: its segments are absent (the default), as the client answers.
  const odd = await of.getStringDetails('PaymentProcessor', 'mine', { targetingKey: 'u1', user: 'not an object' });
  assert.deepEqual([odd.value, odd.reason], ['acme', 'DEFAULT']);
  const mapped = new FeatsEdgeProvider(client, { context: () => { throw new Error('no mapping'); } });
  assert.deepEqual(await mapped.resolveStringEvaluation('PaymentProcessor', 'mine', ca), { value: 'mine', reason: 'ERROR', errorCode: 'INVALID_CONTEXT', errorMessage: 'no mapping' });
  // A mapping that throws what is no Error: said as text.
  for (const thrown of [null, undefined, 'not mapped']) {
    const odd = new FeatsEdgeProvider(client, { context: () => { throw thrown; } });
    assert.deepEqual(await odd.resolveStringEvaluation('PaymentProcessor', 'mine', ca), { value: 'mine', reason: 'ERROR', errorCode: 'INVALID_CONTEXT', errorMessage: String(thrown) });
  }

  // What was resolved is reported once per (feature, implementation, unit).
  await client.flush();
  const events = received(srv);
  assert.deepEqual(events.map((e) => [e.feature, e.implementation]).sort(), [['Dark', 'false'], ['Dark', 'true'], ['Fixed', want.implementation], ['PaymentProcessor', 'acme'], ['PaymentProcessor', 'premium']]);
  assert.ok(events.every((e) => !JSON.stringify(e).includes('CA')), 'no context beyond the unit');
});

test('server SDK: a provider set over a client already stale is STALE without an evaluation, and READY when the origin answers', async () => {
  const { srv, client } = await staleClient();
  const seen = [], said = [];
  const handlers = ['PROVIDER_READY', 'PROVIDER_STALE'].map((type) => [type, (details) => (seen.push(type), type == 'PROVIDER_STALE' && said.push(details.message))]);
  for (const [type, h] of handlers) ServerFeature.addHandler(type, h);
  seen.length = 0; // (a READY handler added in READY, under the last test's provider, runs at once)
  await ServerFeature.setProviderAndWait(new FeatsEdgeProvider(client, { report: false }));
  const of = ServerFeature.getClient();
  await until(() => of.providerStatus == 'STALE', 3000, 'stale');
  assert.deepEqual(seen, ['PROVIDER_READY', 'PROVIDER_STALE']);
  assert.deepEqual(said, ['feats-edge: the last snapshot fetch failed'], 'said without the error, which came before the provider listened');
  assert.equal(await of.getStringValue('PaymentProcessor', 'x', { targetingKey: 'u', user: { country: 'CA' } }), 'premium', 'a stale provider still answers');
  srv.state.mode = 'ok';
  await client.refresh();
  await until(() => of.providerStatus == 'READY', 3000, 'ready');
  assert.deepEqual(seen, ['PROVIDER_READY', 'PROVIDER_STALE', 'PROVIDER_READY']);
  for (const [type, h] of handlers) ServerFeature.removeHandler(type, h);
  await client.close();
});

test('a provider closed while its initialize waits (replaced at once) stays closed: no state and no events after onClose', async () => {
  const { client } = await staleClient();
  for (const Provider of [FeatsEdgeProvider, FeatsEdgeWebProvider]) {
    const provider = new Provider(client, { report: false });
    const seen = [];
    for (const type of ['PROVIDER_READY', 'PROVIDER_STALE', 'PROVIDER_ERROR', 'PROVIDER_CONFIGURATION_CHANGED']) provider.events.addHandler(type, () => seen.push(type));
    const initialized = provider.initialize();
    await provider.onClose();
    await initialized; // (settles as it would have: the client has a snapshot)
    await new Promise((r) => setTimeout(r, 20)); // past the timer that says STALE after initialize
    assert.deepEqual(seen, [], Provider.name);
    assert.equal(provider._status, '', Provider.name);
    // Set again, it works as any provider does.
    await provider.initialize();
    await until(() => seen.length == 1, 3000, 'stale');
    assert.deepEqual(seen, ['PROVIDER_STALE'], Provider.name);
    await provider.onClose();
  }
  // Through the SDK: set, then replaced before it was ready.
  const replaced = new FeatsEdgeProvider(client, { report: false });
  const seen = [];
  replaced.events.addHandler('PROVIDER_STALE', () => seen.push('PROVIDER_STALE'));
  const first = ServerFeature.setProviderAndWait('closed-at-once', replaced);
  await ServerFeature.setProviderAndWait('closed-at-once', new FeatsEdgeProvider(client, { report: false }));
  await first;
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, []);
  // Closed once initialize has returned, before it says STALE: nothing said.
  const quick = new FeatsEdgeProvider(client, { report: false });
  quick.events.addHandler('PROVIDER_STALE', () => seen.push('PROVIDER_STALE'));
  await quick.initialize();
  await quick.onClose();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, []);
  // Closed again, or never initialized: nothing to undo.
  await quick.onClose();
  await new FeatsEdgeWebProvider(client).onClose();
  await client.close();
  // Over a client with nothing loaded, closed while it waits: it rejects all the same.
  const down = await startServer({ snapshot: snapshot('r1'), mode: '500' });
  servers.push(down);
  const empty = await createClient({ snapshotUrl: down.snapshotUrl, refreshInterval: 0, timeout: 100, retryDelay: 60_000 });
  empty.on('error', () => {});
  const unready = new FeatsEdgeProvider(empty, { report: false });
  const waits = unready.initialize();
  await unready.onClose();
  await assert.rejects(waits, /no snapshot loaded/);
  await empty.close();
});

test('server SDK: events: a first snapshot late makes the provider ready; a new one is a configuration change; a failed fetch makes it stale until the next 304', async () => {
  const srv = await startServer({ snapshot: snapshot('r1'), etag: '"v1"', mode: '500' });
  servers.push(srv);
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, refreshInterval: 0, flushInterval: 0, timeout: 100, retryDelay: 60_000 });
  client.on('error', () => {});
  const seen = [];
  const types = ['PROVIDER_READY', 'PROVIDER_ERROR', 'PROVIDER_STALE', 'PROVIDER_CONFIGURATION_CHANGED'];
  const changes = [], said = [];
  const handlers = types.map((type) => [type, (details) => (seen.push(type), said.push(details.message), type == 'PROVIDER_CONFIGURATION_CHANGED' && changes.push(details.flagsChanged))]);
  for (const [type, h] of handlers) ServerFeature.addHandler(type, h);
  await assert.rejects(ServerFeature.setProviderAndWait(new FeatsEdgeProvider(client, { report: false })));
  const of = ServerFeature.getClient();
  assert.equal(of.providerStatus, 'ERROR');
  seen.length = 0;
  said.length = 0;
  // The origin back: the first snapshot makes it ready.
  srv.state.mode = 'ok';
  await client.refresh();
  await until(() => seen.includes('PROVIDER_READY'), 3000, 'ready');
  assert.equal(of.providerStatus, 'READY');
  assert.equal(await of.getStringValue('PaymentProcessor', 'x', { targetingKey: 'u', user: { country: 'CA' } }), 'premium');
  // Failed fetches: stale once, values still served; then a 304: ready.
  srv.state.mode = '500';
  await client.refresh();
  srv.state.mode = 'drop';
  await client.refresh();
  await until(() => seen.includes('PROVIDER_STALE'), 3000, 'stale');
  assert.equal(of.providerStatus, 'STALE');
  const stale = await of.getStringDetails('PaymentProcessor', 'x', { targetingKey: 'u', user: { country: 'CA' } });
  assert.deepEqual([stale.value, stale.reason, stale.errorCode], ['premium', 'TARGETING_MATCH', undefined]);
  srv.state.mode = 'ok';
  await client.refresh();
  assert.deepEqual(srv.state.snapshotRequests.map((r) => r.status).slice(-3), [500, 0, 304]);
  await until(() => of.providerStatus == 'READY', 3000, 'ready again');
  assert.deepEqual(seen, ['PROVIDER_READY', 'PROVIDER_STALE', 'PROVIDER_READY']);
  // Said with the revision, and a stale one with the client's error (not its name).
  const failed = `feats-edge: ${srv.snapshotUrl} answered 500`;
  assert.deepEqual(said, ['revision r1', failed, 'revision r1 confirmed']);
  seen.length = 0;
  said.length = 0;
  // Stale again, then a new snapshot: a configuration change, with the
  // flags it may change, and ready again.
  srv.state.mode = '500';
  await client.refresh();
  srv.state.mode = 'ok';
  const r2 = snapshot('r2');
  r2.features.Dark.default = true;
  srv.state.snapshot = r2;
  srv.state.etag = '"v2"';
  await client.refresh();
  await until(() => seen.includes('PROVIDER_READY'), 3000, 'changed');
  assert.deepEqual(seen, ['PROVIDER_STALE', 'PROVIDER_CONFIGURATION_CHANGED', 'PROVIDER_READY']);
  assert.deepEqual(changes, [['Dark']]);
  assert.deepEqual(said, [failed, 'revision r2', 'revision r2 confirmed']);
  assert.equal(await of.getBooleanValue('Dark', false, { targetingKey: 'u', user: { country: 'FR' } }), true);
  assert.equal(of.providerStatus, 'READY');
  assert.equal((await of.getStringDetails('PaymentProcessor', 'x', { targetingKey: 'u' })).flagMetadata.revision, 'r2');
  for (const [type, h] of handlers) ServerFeature.removeHandler(type, h);
  // report: false: nothing was reported.
  await client.flush();
  assert.deepEqual(received(srv), []);
  await client.close();
});

test('a provider replaced or closed leaves its client open: the client and other providers over it keep serving', async () => {
  const { client } = await setup();
  const ca = { targetingKey: 'u1', user: { country: 'CA' } };
  await ServerFeature.setProviderAndWait(new FeatsEdgeProvider(client));
  await WebFeature.setContext(ca);
  await WebFeature.setProviderAndWait(new FeatsEdgeWebProvider(client));
  await ServerFeature.setProviderAndWait(new FeatsEdgeProvider(client, { report: false }));
  await WebFeature.close();
  assert.equal(client.revision, 'r1');
  assert.equal(client.findImplementation('PaymentProcessor', ca), 'premium');
  assert.equal(await ServerFeature.getClient().getStringValue('PaymentProcessor', 'x', ca), 'premium');
  // Set again after closing: it serves again.
  await WebFeature.setContext(ca);
  await WebFeature.setProviderAndWait(new FeatsEdgeWebProvider(client));
  assert.equal(WebFeature.getClient().getStringValue('PaymentProcessor', 'x'), 'premium');
  // A closed client: initializing over it fails.
  await client.close();
  await assert.rejects(new FeatsEdgeProvider(client).initialize(), /no snapshot loaded/);
});

test('a provider bound to two domains, then replaced in one: that domain hears its new provider\'s events alone', async () => {
  const { srv, client } = await setup();
  // (The default over a client of its own: a domain's emitter made when its
  // provider is set also listens to the default provider, as the SDK builds it.)
  const { Engine } = await import('feats-edge');
  const aside = await createClient({ snapshot: new Engine(snapshot('r1')) });
  await ServerFeature.setProviderAndWait(new FeatsEdgeProvider(aside, { report: false }));
  const shared = new FeatsEdgeProvider(client, { report: false });
  await ServerFeature.setProviderAndWait('kept', shared);
  await ServerFeature.setProviderAndWait('replaced', shared);
  await ServerFeature.setProviderAndWait('replaced', new FeatsEdgeProvider(client, { report: false }));
  const heard = { kept: 0, replaced: 0 };
  for (const domain of ['kept', 'replaced']) ServerFeature.getClient(domain).addHandler('PROVIDER_CONFIGURATION_CHANGED', () => heard[domain]++);
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"v2"';
  await client.refresh();
  await until(() => heard.kept && heard.replaced, 3000, 'both changed');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(heard, { kept: 1, replaced: 1 }, 'the shared provider no longer speaks for the domain it left');
  await client.close();
  await aside.close();
});

test('the providers\' events are an emitter as OpenFeature\'s: a handler removed alone, a type\'s or all at once, a throwing one stops none, the logger set in a chain', () => {
  for (const Provider of [FeatsEdgeProvider, FeatsEdgeWebProvider]) {
    const { events } = new Provider(/** @type {any} */ ({}));
    const heard = [];
    const a = () => heard.push('a'), b = () => heard.push('b');
    events.removeHandler('PROVIDER_READY', a); // none yet: nothing to do
    events.addHandler('PROVIDER_READY', () => { throw new Error('a handler of the application'); });
    events.addHandler('PROVIDER_READY', a);
    events.addHandler('PROVIDER_READY', b);
    events.addHandler('PROVIDER_STALE', a);
    assert.equal(events.getHandlers('PROVIDER_READY').length, 3, Provider.name);
    assert.deepEqual(events.getHandlers('PROVIDER_ERROR'), [], Provider.name);
    events.removeHandler('PROVIDER_READY', a);
    events.emit('PROVIDER_READY');
    events.emit('PROVIDER_STALE');
    events.emit('PROVIDER_ERROR');
    assert.deepEqual(heard, ['b', 'a'], Provider.name);
    events.removeAllHandlers('PROVIDER_READY');
    assert.deepEqual([events.getHandlers('PROVIDER_READY'), events.getHandlers('PROVIDER_STALE')], [[], [a]], Provider.name);
    events.removeAllHandlers();
    assert.deepEqual(events.getHandlers('PROVIDER_STALE'), [], Provider.name);
    assert.equal(events.setLogger(console), events, Provider.name);
  }
});

test('a provider initialized twice without onClose (by hand, then by an SDK) listens to its client once: one event per change, none after onClose', async () => {
  const { srv, client } = await setup();
  const provider = new FeatsEdgeProvider(client, { report: false });
  const seen = [];
  provider.events.addHandler('PROVIDER_CONFIGURATION_CHANGED', (d) => seen.push(d.message));
  await provider.initialize();
  await provider.initialize();
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"v2"';
  await client.refresh();
  assert.deepEqual(seen, ['revision r2']);
  await provider.onClose();
  srv.state.snapshot = snapshot('r3');
  srv.state.etag = '"v3"';
  await client.refresh();
  assert.equal(client.revision, 'r3');
  assert.deepEqual(seen, ['revision r2'], 'nothing after onClose');
  // Initialized again (set again after it was removed): listening once again.
  await provider.initialize();
  srv.state.snapshot = snapshot('r4');
  srv.state.etag = '"v4"';
  await client.refresh();
  assert.deepEqual(seen, ['revision r2', 'revision r4']);
  await provider.onClose();
  await client.close();
});

test('a client closed under a stale provider: OpenFeature\'s error state at the next evaluation', async () => {
  const { client } = await staleClient();
  await ServerFeature.setProviderAndWait('stale-closed', new FeatsEdgeProvider(client, { report: false }));
  const of = ServerFeature.getClient('stale-closed');
  await until(() => of.providerStatus == 'STALE', 3000, 'stale');
  const errors = [];
  of.addHandler('PROVIDER_ERROR', (e) => errors.push(e?.message));
  await client.close();
  assert.equal((await of.getStringDetails('PaymentProcessor', 'mine', { targetingKey: 'u' })).errorCode, 'PROVIDER_NOT_READY');
  await until(() => errors.length > 0, 3000, 'PROVIDER_ERROR');
  assert.equal(of.providerStatus, 'ERROR');
  assert.deepEqual(errors, ['feats-edge: the client has no snapshot (closed)']);
});

test('each provider is for its own SDK: the server one set on the web SDK, or the web one on the server SDK, is refused', async () => {
  const { Engine } = await import('feats-edge');
  const client = await createClient({ snapshot: new Engine(snapshot('r1')) });
  assert.throws(() => WebFeature.setProvider('misplaced', new FeatsEdgeProvider(client)), /intended for use on the server/);
  assert.throws(() => ServerFeature.setProvider('misplaced', new FeatsEdgeWebProvider(client)), /intended for use on the client/);
  await client.close();
});

test('an evaluation started from inside another (a sticky store that evaluates) is GENERAL, said without a hint; the outer one is answered', async () => {
  const { Engine } = await import('feats-edge');
  let provider, inner;
  const sticky = { get: () => void (inner ??= provider.resolveStringEvaluation('R', 'mine', { targetingKey: 'v' })), set() {} };
  const client = await createClient({ snapshot: new Engine(randomExperiment), sticky });
  provider = new FeatsEdgeWebProvider(client, { report: false });
  const outer = provider.resolveStringEvaluation('R', 'x', { targetingKey: 'u' });
  assert.ok(['control', 'b'].includes(outer.value) && outer.reason != 'ERROR', JSON.stringify(outer));
  assert.deepEqual(inner, { value: 'mine', reason: 'ERROR', errorCode: 'GENERAL', errorMessage: "feats-edge: GENERAL for 'R'" });
  await client.close();
});

test('where no timer can be set (as in a Worker\'s global scope), a provider over a stale client says STALE at its first evaluation, and nothing if the client recovered first', async () => {
  /** Initializes `provider` while setTimeout throws (only microtasks run meanwhile: the client's ready has settled). */
  const withoutTimers = async (provider) => {
    const { setTimeout } = globalThis;
    globalThis.setTimeout = () => { throw new Error('Disallowed operation called within global scope'); };
    try {
      await provider.initialize();
    } finally {
      globalThis.setTimeout = setTimeout;
    }
  };
  const ctx = { targetingKey: 'u', user: { country: 'CA' } };
  for (const recoveredFirst of [false, true]) {
    const { srv, client } = await staleClient();
    const provider = new FeatsEdgeWebProvider(client, { report: false });
    const seen = [];
    for (const type of ['PROVIDER_READY', 'PROVIDER_STALE']) provider.events.addHandler(type, (d) => seen.push(`${type}: ${d.message}`));
    await withoutTimers(provider);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, [], 'nothing said by initialize');
    if (recoveredFirst) {
      srv.state.mode = 'ok';
      await client.refresh();
      assert.equal(client.stale, false);
    }
    assert.equal(provider.resolveStringEvaluation('PaymentProcessor', 'x', ctx).value, 'premium');
    if (!recoveredFirst) {
      srv.state.mode = 'ok';
      await client.refresh();
    }
    assert.deepEqual(seen, recoveredFirst ? [] : ['PROVIDER_STALE: feats-edge: the last snapshot fetch failed', 'PROVIDER_READY: revision r1 confirmed'], `recovered first: ${recoveredFirst}`);
    await provider.onClose();
    await client.close();
  }
});

test('a client of an older version, whose updates name no changed flags: a configuration change without the list (the SDKs then re-evaluate every flag)', async () => {
  const { Engine } = await import('feats-edge');
  const client = await createClient({ snapshot: new Engine(snapshot('r1')) });
  let update;
  const older = /** @type {any} */ ({ ...client, on: (type, fn) => (type == 'update' ? ((update = fn), () => {}) : client.on(type, fn)) });
  const provider = new FeatsEdgeProvider(older, { report: false });
  const seen = [];
  provider.events.addHandler('PROVIDER_CONFIGURATION_CHANGED', (d) => seen.push(d));
  await provider.initialize();
  update({ revision: 'r2' });
  assert.deepEqual(seen, [{ message: 'revision r2' }]);
  await provider.onClose();
  await client.close();
});

test('an after hook that throws: the caller gets the default while the resolved implementation stays reported; the README\'s finally hook reports only what the caller got', async () => {
  const { srv, client } = await setup();
  const ca = { targetingKey: 'u1', user: { country: 'CA' } };
  const throwing = { after: () => { throw new Error('rejected'); } };

  await ServerFeature.setProviderAndWait(new FeatsEdgeProvider(client));
  const of = ServerFeature.getClient();
  const d = await of.getStringDetails('PaymentProcessor', 'mine', ca, { hooks: [throwing] });
  assert.deepEqual([d.value, d.reason, d.errorCode], ['mine', 'ERROR', 'GENERAL']);
  await client.flush();
  assert.deepEqual(received(srv).map((e) => e.implementation), ['premium'], 'reported in the resolution');

  // report: false and a finally hook: reported only when the caller got it.
  const reporter = { finally: (hook, details) => {
    if (!details.errorCode) client.usedImplementation(details.flagKey, details.variant, byTargetingKey(hook.context));
  } };
  await ServerFeature.setProviderAndWait(new FeatsEdgeProvider(client, { report: false }));
  const us = { targetingKey: 'u2', user: { country: 'US' } };
  assert.equal(await of.getStringValue('PaymentProcessor', 'mine', us, { hooks: [reporter, throwing] }), 'mine');
  await client.flush();
  assert.equal(received(srv).length, 1, 'nothing reported for u2');
  assert.equal(await of.getStringValue('PaymentProcessor', 'mine', us, { hooks: [reporter] }), 'acme');
  await client.flush();
  assert.deepEqual(received(srv).map((e) => [e.feature, e.implementation]), [['PaymentProcessor', 'premium'], ['PaymentProcessor', 'acme']]);
  await client.close();
});

test('web SDK: synchronous values for the static context, and no snapshot is an error the SDK reports', async () => {
  const { client } = await setup();
  await WebFeature.setContext({ targetingKey: 'u1', user: { country: 'CA' } });
  await WebFeature.setProviderAndWait(new FeatsEdgeWebProvider(client));
  const of = WebFeature.getClient();
  assert.equal(of.getStringValue('PaymentProcessor', 'x'), 'premium');
  assert.equal(of.getBooleanValue('ImageProcessing', false), true);
  const d = of.getStringDetails('Nope', 'mine');
  assert.deepEqual([d.value, d.errorCode], ['mine', 'FLAG_NOT_FOUND']);
  const number = of.getNumberDetails('PaymentProcessor', 7), object = of.getObjectDetails('PaymentProcessor', { a: 1 });
  assert.deepEqual([number.value, number.errorCode, number.errorMessage], [7, 'TYPE_MISMATCH', "feats-edge: 'PaymentProcessor' is a feature of implementation names (strings), not a number flag"]);
  assert.deepEqual([object.value, object.errorCode, object.errorMessage], [{ a: 1 }, 'TYPE_MISMATCH', "feats-edge: 'PaymentProcessor' is a feature of implementation names (strings), not an object flag"]);

  // A client with nothing loaded: initialization fails, evaluations give the caller's default.
  const down = await startServer({ snapshot: snapshot('r1'), mode: '500' });
  servers.push(down);
  const empty = await createClient({ snapshotUrl: down.snapshotUrl, refreshInterval: 0, timeout: 100, retryDelay: 60_000 });
  empty.on('error', () => {});
  const provider = new FeatsEdgeWebProvider(empty);
  await assert.rejects(provider.initialize(), /no snapshot loaded/);
  assert.deepEqual(provider.resolveStringEvaluation('PaymentProcessor', 'mine', {}), { value: 'mine', reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY', errorMessage: "feats-edge: PROVIDER_NOT_READY for 'PaymentProcessor': no snapshot is loaded (the client's error event says why)" });
  await provider.onClose();
  await empty.close();
});

test('the provider records what it answered: the experiment it names is the one made sticky', async () => {
  const { Engine } = await import('feats-edge');
  const sticky = new Map();
  const client = await createClient({ snapshot: new Engine(randomExperiment), sticky });
  const provider = new FeatsEdgeProvider(client);
  for (let i = 0; i < 2000; i++) {
    const r = await provider.resolveStringEvaluation('R', 'none', { targetingKey: `u${i}` });
    const stored = sticky.get(`rx/u${i}`);
    if (r.flagMetadata.experiment === 'rx') assert.equal(stored, r.value, `u${i}`);
    else assert.deepEqual([r.value, r.reason, stored], ['control', 'DEFAULT', '(none)'], `u${i}`);
  }
  await client.close();
});

test('a client spread into a wrapper that overrides usedImplementation is reported through it', async () => {
  const { Engine } = await import('feats-edge');
  const client = await createClient({ snapshot: new Engine(snapshot('r1')) });
  const calls = [];
  const wrapped = { ...client, usedImplementation: (...args) => calls.push(args[1]) };
  const provider = new FeatsEdgeProvider(/** @type {any} */ (wrapped));
  const r = await provider.resolveStringEvaluation('PaymentProcessor', 'none', { targetingKey: '42' });
  assert.deepEqual(calls, [r.value]);
  await client.close();
});

test('a provider set once the client\'s late first snapshot has come is ready; closing the client under it is OpenFeature\'s error state', async () => {
  const srv = await startServer({ snapshot: snapshot('r1'), etag: '"v1"', mode: '500' });
  servers.push(srv);
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, flushInterval: 0, timeout: 100, retryDelay: 60_000 });
  client.on('error', () => {});
  assert.equal(await client.ready, false);
  srv.state.mode = 'ok';
  await client.refresh();
  assert.equal(client.revision, 'r1');
  // `ready` stays false for good; the snapshot is there all the same.
  await ServerFeature.setProviderAndWait('late', new FeatsEdgeProvider(client, { report: false }));
  const of = ServerFeature.getClient('late');
  assert.equal(of.providerStatus, 'READY');
  assert.equal(await of.getStringValue('PaymentProcessor', 'x', { targetingKey: 'u', user: { country: 'CA' } }), 'premium');

  const errors = [];
  of.addHandler('PROVIDER_ERROR', (e) => errors.push(e?.message));
  await client.close();
  const d = await of.getStringDetails('PaymentProcessor', 'mine', { targetingKey: 'u' });
  assert.deepEqual([d.value, d.errorCode], ['mine', 'PROVIDER_NOT_READY']);
  await until(() => errors.length > 0, 3000, 'PROVIDER_ERROR');
  assert.equal(of.providerStatus, 'ERROR');
  // Said once: the evaluations after it find the provider in error already.
  assert.equal((await of.getStringDetails('PaymentProcessor', 'mine', { targetingKey: 'u' })).errorCode, 'PROVIDER_NOT_READY');
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(errors, ['feats-edge: the client has no snapshot (closed)']);
  await ServerFeature.clearProviders?.();
});

test('flags are typed by the feature\'s declaration: a boolean feature only as a boolean, any other only as a string, whatever its names', async () => {
  const { Engine } = await import('feats-edge');
  const snap = {
    schema: 1, segments: { UserId: { from: { user: '{id}' } } },
    features: {
      Bool: { type: 'boolean', inputs: [], default: false },
      MultiBool: { inputs: [], implementations: ['true', 'false'], default: 'false' },
      Tri: { inputs: ['user'], implementations: ['true', 'false', 'maybe'], default: 'maybe',
        rules: [{ split: { by: 'UserId', weights: { true: 34, false: 33, maybe: 33 } } }] },
    },
  };
  const client = await createClient({ snapshot: new Engine(snap) });
  for (const provider of [new FeatsEdgeProvider(client, { report: false }), new FeatsEdgeProvider(/** @type {any} */ ({ ...client }), { report: false })]) {
    const codes = new Set();
    for (let i = 0; i < 40; i++) {
      const ctx = { targetingKey: `u${i}` };
      assert.deepEqual(await provider.resolveBooleanEvaluation('Bool', true, ctx), { value: false, variant: 'false', reason: 'STATIC', flagMetadata: {} });
      assert.equal((await provider.resolveStringEvaluation('Bool', 'x', ctx)).errorCode, 'TYPE_MISMATCH');
      assert.equal((await provider.resolveBooleanEvaluation('MultiBool', true, ctx)).errorCode, 'TYPE_MISMATCH');
      assert.equal((await provider.resolveStringEvaluation('MultiBool', 'x', ctx)).value, 'false');
      const tri = await provider.resolveStringEvaluation('Tri', 'x', ctx);
      codes.add(tri.value);
      assert.deepEqual(await provider.resolveBooleanEvaluation('Tri', true, ctx), { value: true, reason: 'ERROR', errorCode: 'TYPE_MISMATCH', errorMessage: "feats-edge: 'Tri' is a feature of implementation names (strings), not a boolean flag" });
    }
    assert.deepEqual([...codes].sort(), ['false', 'maybe', 'true'], 'every name served, each a string');
  }
  // Overrides too, where the snapshot declares the feature; by their name where it does not.
  client.override('Tri', 'true');
  client.override('MultiBool', 'false');
  client.override('Bool', 'true');
  client.override('Ghost', 'true');
  const provider = new FeatsEdgeProvider(client, { report: false });
  assert.deepEqual(await provider.resolveStringEvaluation('Tri', 'x', {}), { value: 'true', variant: 'true', reason: 'OVERRIDE', flagMetadata: {} });
  assert.equal((await provider.resolveBooleanEvaluation('Tri', false, {})).errorCode, 'TYPE_MISMATCH');
  assert.equal((await provider.resolveStringEvaluation('MultiBool', 'x', {})).value, 'false');
  assert.equal((await provider.resolveBooleanEvaluation('MultiBool', true, {})).errorCode, 'TYPE_MISMATCH');
  assert.equal((await provider.resolveBooleanEvaluation('Bool', false, {})).value, true);
  assert.equal((await provider.resolveStringEvaluation('Bool', 'x', {})).errorCode, 'TYPE_MISMATCH');
  assert.equal((await provider.resolveBooleanEvaluation('Ghost', false, {})).value, true);
  assert.equal((await provider.resolveStringEvaluation('Ghost', 'x', {})).errorCode, 'TYPE_MISMATCH');
  client.override('Ghost', 'false');
  assert.equal((await provider.resolveBooleanEvaluation('Ghost', true, {})).value, false);
  client.override('Ghost', 'blue');
  assert.equal((await provider.resolveStringEvaluation('Ghost', 'x', {})).value, 'blue');
  assert.equal((await provider.resolveBooleanEvaluation('Ghost', true, {})).errorCode, 'TYPE_MISMATCH');
  // A client of an older version, without the method that says which features
  // are boolean: typed by the names served.
  const older = /** @type {any} */ ({ ...client });
  delete older[Symbol.for('feats-edge.boolean')];
  const byName = new FeatsEdgeProvider(older, { report: false });
  client.override('Ghost', null);
  client.override('Bool', null);
  client.override('MultiBool', null);
  assert.equal((await byName.resolveBooleanEvaluation('Bool', true, {})).value, false);
  assert.equal((await byName.resolveBooleanEvaluation('MultiBool', true, {})).value, false);
  assert.equal((await byName.resolveStringEvaluation('MultiBool', 'x', {})).errorCode, 'TYPE_MISMATCH');
  client.override('Tri', null);
  for (let i = 0; i < 20; i++) {
    const served = client.findImplementation('Tri', { user: { id: `u${i}` } });
    const as = served == 'maybe' ? await byName.resolveStringEvaluation('Tri', 'x', { targetingKey: `u${i}` }) : await byName.resolveBooleanEvaluation('Tri', !JSON.parse(served), { targetingKey: `u${i}` });
    assert.equal(String(as.value), served, `u${i}`);
  }
  // The message names the flag type the caller asked for, in plain English.
  assert.equal((await provider.resolveObjectEvaluation('Bool', {}, {})).errorMessage, "feats-edge: 'Bool' is a boolean feature, not an object flag");
  assert.equal((await provider.resolveNumberEvaluation('Bool', 1, {})).errorMessage, "feats-edge: 'Bool' is a boolean feature, not a number flag");
  await client.close();
});

test('a flag key that is no string, even one with no text (a Symbol, a throwing toString), is not found as the client reads it: the providers answer, they do not throw', async () => {
  const { client } = await setup();
  const server = new FeatsEdgeProvider(client), web = new FeatsEdgeWebProvider(client);
  await server.initialize();
  await web.initialize();
  const keys = [[Symbol('PaymentProcessor'), 'Symbol(PaymentProcessor)'], [{ toString() { throw new Error('no text'); } }, '']];
  for (const [key, read] of keys) {
    const want = { value: 'mine', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', errorMessage: `feats-edge: FLAG_NOT_FOUND for '${read}': the snapshot has no such feature` };
    assert.deepEqual(await server.resolveStringEvaluation(key, 'mine', {}), want);
    assert.deepEqual(web.resolveStringEvaluation(key, 'mine', {}), want);
  }
  // A boxed name is the feature's (as the client reads it), and a type mismatch names it.
  assert.equal(web.resolveStringEvaluation(new String('PaymentProcessor'), 'mine', {}).variant, 'acme');
  assert.equal(web.resolveBooleanEvaluation(new String('PaymentProcessor'), true, {}).errorMessage,
    "feats-edge: 'PaymentProcessor' is a feature of implementation names (strings), not a boolean flag");
  await server.onClose();
  await web.onClose();
  client.close();
});

test('OpenFeature datetimes in the context are read as their ISO text, as OFREP\'s JSON carries them, wherever they are; a mapping of its own sees them as dates', async () => {
  const { Engine } = await import('feats-edge');
  const snap = {
    schema: 1, segments: { Signup: { from: { user: '{signup}' } } },
    features: { Since: { inputs: ['user'], implementations: ['old', 'new', 'none'], default: 'none',
      rules: [{ when: { segment: 'Signup', starts_with: ['2019'] }, serve: 'old' }, { when: { segment: 'Signup', exists: true }, serve: 'new' }] } },
  };
  const client = await createClient({ snapshot: new Engine(snap) });
  const provider = new FeatsEdgeProvider(client, { report: false });
  const of = async (user) => (await provider.resolveStringEvaluation('Since', 'x', { targetingKey: 'u', user })).value;
  assert.equal(await of({ signup: new Date('2019-05-01T00:00:00Z') }), 'old');
  assert.equal(await of({ signup: new Date('2020-01-01T00:00:00Z') }), 'new');
  assert.equal(await of({ signup: new Date(NaN) }), 'none', 'an invalid date is null, as JSON has it: absent');
  // A class instance keeps its prototype's getters where a date in it is
  // replaced.
  class User { constructor() { this.id = 'u1'; this.at = new Date('2019-01-02T00:00:00Z'); } get signup() { return this.at; } }
  assert.equal(await of(new User()), 'old');
  const cyclic = { signup: new Date('2019-01-01T00:00:00Z') };
  cyclic.self = cyclic;
  cyclic.more = [cyclic, cyclic];
  assert.equal(await of(cyclic), 'old');
  // One object in two places.
  const shared = { signup: new Date('2019-01-01T00:00:00Z') };
  assert.equal((await provider.resolveStringEvaluation('Since', 'x', { targetingKey: 'u', account: shared, user: shared })).value, 'old');
  // A mapping of the application's own gets the context as given.
  const own = new FeatsEdgeProvider(client, { report: false, context: (c) => ({ user: { signup: c.signedUp.toISOString().slice(0, 4) } }) });
  assert.equal((await own.resolveStringEvaluation('Since', 'x', { targetingKey: 'u', signedUp: new Date('2019-06-01T00:00:00Z') })).value, 'old');
  await client.close();
});

test('web SDK: a new snapshot is a configuration change naming the flags it may change', async () => {
  const { srv, client } = await setup();
  await WebFeature.setContext({ targetingKey: 'u1', user: { country: 'CA' } });
  await WebFeature.setProviderAndWait(new FeatsEdgeWebProvider(client, { report: false }));
  const of = WebFeature.getClient();
  const changes = [];
  const handler = (details) => changes.push(details.flagsChanged);
  WebFeature.addHandler('PROVIDER_CONFIGURATION_CHANGED', handler);
  assert.equal(of.getStringValue('PaymentProcessor', 'x'), 'premium');
  // The Country segment edited: the flags that read it.
  const next = snapshot('r2');
  next.segments.Country = { from: { user: '{region}' } };
  srv.state.snapshot = next;
  srv.state.etag = '"v2"';
  await client.refresh();
  // A new revision of the same flags: a change of none.
  srv.state.snapshot = { ...next, revision: 'r3' };
  srv.state.etag = '"v3"';
  await client.refresh();
  await until(() => changes.length == 2, 3000, 'two changes');
  assert.deepEqual(changes, [['PaymentProcessor', 'Dark'], []]);
  assert.equal(of.getStringValue('PaymentProcessor', 'x'), 'acme');
  WebFeature.removeHandler('PROVIDER_CONFIGURATION_CHANGED', handler);
  await client.close();
});

test('web SDK: a provider set over a client already stale (a bootstrap snapshot, the origin down) turns stale right after the SDK makes it ready, and ready when the origin answers', async () => {
  const { srv, client } = await staleClient();
  await WebFeature.setContext({ targetingKey: 'u1', user: { country: 'CA' } });
  await WebFeature.setProviderAndWait(new FeatsEdgeWebProvider(client, { report: false }));
  const of = WebFeature.getClient();
  const seen = [];
  const handlers = ['PROVIDER_READY', 'PROVIDER_STALE'].map((type) => [type, () => seen.push(type)]);
  for (const [type, h] of handlers) WebFeature.addHandler(type, h);
  seen.length = 0; // (a READY handler added in READY runs at once)
  // No evaluation needed: the provider says so itself.
  await until(() => of.providerStatus == 'STALE', 3000, 'stale');
  assert.equal(of.getStringValue('PaymentProcessor', 'x'), 'premium', 'a stale provider still answers');
  srv.state.mode = 'ok';
  await client.refresh();
  await until(() => of.providerStatus == 'READY', 3000, 'ready');
  assert.deepEqual(seen, ['PROVIDER_STALE', 'PROVIDER_READY']);
  for (const [type, h] of handlers) WebFeature.removeHandler(type, h);
  await client.close();
});

test('web SDK: a context change while stale leaves the provider stale (the SDK makes it READY after any context change)', async () => {
  const srv = await startServer({ snapshot: snapshot('r1'), etag: '"v1"' });
  servers.push(srv);
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0, flushInterval: 0, retryDelay: 60_000 });
  client.on('error', () => {});
  await WebFeature.setContext({ targetingKey: 'u1', user: { country: 'CA' } });
  await WebFeature.setProviderAndWait(new FeatsEdgeWebProvider(client, { report: false }));
  const of = WebFeature.getClient();
  const seen = [];
  const handlers = ['PROVIDER_READY', 'PROVIDER_STALE', 'PROVIDER_CONTEXT_CHANGED'].map((type) => [type, (d) => seen.push(type == 'PROVIDER_STALE' ? `${type}: ${d.message}` : type)]);
  for (const [type, h] of handlers) WebFeature.addHandler(type, h);
  seen.length = 0; // (a READY handler added in READY runs at once)
  srv.state.mode = '500';
  await client.refresh();
  await until(() => of.providerStatus == 'STALE', 3000, 'stale');
  // (Under a test runner's fake timers too: Jest's hold queueMicrotask.)
  const { queueMicrotask } = globalThis;
  globalThis.queueMicrotask = () => {};
  try {
    await WebFeature.setContext({ targetingKey: 'u2', user: { country: 'CA' } });
  } finally {
    globalThis.queueMicrotask = queueMicrotask;
  }
  assert.equal(of.providerStatus, 'STALE', 'still stale once the context has changed');
  assert.equal(of.getStringValue('PaymentProcessor', 'x'), 'premium');
  srv.state.mode = 'ok';
  await client.refresh();
  await until(() => of.providerStatus == 'READY', 3000, 'ready');
  const failed = `PROVIDER_STALE: feats-edge: ${srv.snapshotUrl} answered 500`;
  assert.deepEqual(seen, [failed, 'PROVIDER_CONTEXT_CHANGED', 'PROVIDER_STALE: feats-edge: the last snapshot fetch failed', 'PROVIDER_READY']);
  // Not stale: a context change says nothing more.
  seen.length = 0;
  await WebFeature.setContext({ targetingKey: 'u3', user: { country: 'CA' } });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(of.providerStatus, 'READY');
  assert.deepEqual(seen, ['PROVIDER_CONTEXT_CHANGED']);
  for (const [type, h] of handlers) WebFeature.removeHandler(type, h);
  await client.close();
});

test('web SDK: a provider with no snapshot to serve stays in ERROR across a context change, and a closed client puts it there', async () => {
  const down = await startServer({ snapshot: snapshot('r1'), etag: '"v1"', mode: '500' });
  servers.push(down);
  const client = await createClient({ snapshotUrl: down.snapshotUrl, refreshInterval: 0, timeout: 100, retryDelay: 60_000 });
  client.on('error', () => {});
  await assert.rejects(WebFeature.setProviderAndWait(new FeatsEdgeWebProvider(client, { report: false })));
  const of = WebFeature.getClient();
  assert.equal(of.providerStatus, 'ERROR');
  await WebFeature.setContext({ targetingKey: 'u2', user: { country: 'CA' } });
  assert.equal(of.providerStatus, 'ERROR', 'not READY with nothing to serve');
  assert.deepEqual([of.getStringDetails('PaymentProcessor', 'x').errorCode], ['PROVIDER_NOT_READY']);
  // The snapshot comes: ready, and a context change leaves it so.
  down.state.mode = 'ok';
  await client.refresh();
  await until(() => of.providerStatus == 'READY', 3000, 'ready');
  await WebFeature.setContext({ targetingKey: 'u1', user: { country: 'CA' } });
  assert.equal(of.providerStatus, 'READY');
  assert.equal(of.getStringValue('PaymentProcessor', 'x'), 'premium');
  // Closed under it: ERROR at the next evaluation, and after a context change too.
  await client.close();
  assert.equal(of.getStringDetails('PaymentProcessor', 'x').errorCode, 'PROVIDER_NOT_READY');
  assert.equal(of.providerStatus, 'ERROR');
  await WebFeature.setContext({ targetingKey: 'u3' });
  assert.equal(of.providerStatus, 'ERROR');
});

test('web SDK: a client closed under a ready provider, then a context change before any evaluation: ERROR, not READY', async () => {
  const { Engine } = await import('feats-edge');
  const client = await createClient({ snapshot: new Engine(snapshot('r1')) });
  await WebFeature.setContext({ targetingKey: 'u1', user: { country: 'CA' } });
  await WebFeature.setProviderAndWait(new FeatsEdgeWebProvider(client, { report: false }));
  const of = WebFeature.getClient();
  assert.equal(of.providerStatus, 'READY');
  await client.close();
  await WebFeature.setContext({ targetingKey: 'u2', user: { country: 'CA' } });
  assert.equal(of.providerStatus, 'ERROR', 'nothing to serve');
  assert.equal(of.getStringDetails('PaymentProcessor', 'x').errorCode, 'PROVIDER_NOT_READY');
  assert.equal(of.providerStatus, 'ERROR');
});

test('byTargetingKey: a user of a class without an id keeps what its class gives (getters, private fields) beside the targeting key', async () => {
  const { Engine } = await import('feats-edge');
  const client = await createClient({ snapshot: new Engine(snapshot('r1')) });
  class User { #country; constructor(c) { this.#country = c; } get country() { return this.#country; } }
  const provider = new FeatsEdgeProvider(client, { report: false });
  assert.equal(client.findImplementation('PaymentProcessor', { user: new User('CA') }), 'premium');
  const d = await provider.resolveStringEvaluation('PaymentProcessor', 'x', { targetingKey: 'u1', user: new User('CA') });
  assert.deepEqual([d.value, d.reason], ['premium', 'TARGETING_MATCH']);
  const mapped = byTargetingKey({ targetingKey: 'u1', user: new User('CA') });
  assert.deepEqual([mapped.user.id, mapped.user.country], ['u1', 'CA']);
  // The user's id is the targeting key: a split by it follows the key.
  for (const id of ['u1', 'u2', 'u3', 'u4']) {
    assert.equal((await provider.resolveStringEvaluation('Split', 'x', { targetingKey: id, user: new User('FR') })).value, client.findImplementation('Split', { user: { id } }), id);
  }
  await client.close();
});

test('an error code is said with what it means for the flag and where to look', async () => {
  const s = snapshot('r1');
  s.features.Broken = { implementations: ['a', 'b'], default: 'zzz' };
  const client = await createClient({ snapshot: s, flushInterval: 0 });
  assert.ok(client.problems.some((p) => p.path.startsWith('/features/Broken')), JSON.stringify(client.problems));
  const provider = new FeatsEdgeProvider(client, { report: false });
  const broken = await provider.resolveStringEvaluation('Broken', 'mine', { targetingKey: 'u' });
  assert.deepEqual(broken, { value: 'mine', reason: 'ERROR', errorCode: 'PARSE_ERROR',
    errorMessage: "feats-edge: PARSE_ERROR for 'Broken': the snapshot's definition of it has problems (client.problems lists them)" });
  await client.close();
});
