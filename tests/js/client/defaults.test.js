// Evaluation calls never throw: no snapshot, unknown features, bad contexts,
// throwing listeners and clocks (SPEC section 4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { snapshot, ctx } from '../helpers/snapshot.js';

test('with no snapshot: code defaults from feature handles, else null; isEnabled false; details ERROR', async () => {
  const client = await createClient({});
  assert.equal(client.revision, null);
  assert.equal(await client.ready, false);
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1')), null);
  const PP = client.feature('PaymentProcessor', { acme: () => 'ACME', premium: () => 'PREMIUM' }, { default: 'acme' });
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1')), 'acme');
  assert.equal(PP.find(ctx('1')), 'acme');
  assert.equal(PP.create(ctx('1')), 'ACME');
  assert.equal(client.create('PaymentProcessor', ctx('1')), 'acme');
  assert.deepEqual(client.findImplementations(ctx('1')), { PaymentProcessor: 'acme' });
  const d = client.details('PaymentProcessor', ctx('1'));
  assert.equal(d.implementation, 'acme');
  assert.equal(d.reason, 'ERROR');
  assert.equal(d.revision, null);
  assert.equal(client.isEnabled('ImageProcessing', {}), false);
  client.feature('ImageProcessing', { true: () => 1, false: () => 0 }, { default: true });
  assert.equal(client.findImplementation('ImageProcessing', {}), 'true');
  assert.equal(client.isEnabled('ImageProcessing', {}), false);
  assert.equal(client.feature('Nothing', { x: () => 1 }).create({}), undefined);
  await client.close();
});

test('a handle with no default (no options, none in them, or a `default` getter that throws) has none: null with nothing loaded, and none for findImplementations; implementations named "null" or "undefined" are not built for none', async () => {
  const client = await createClient({});
  const impls = { null: () => 'NULL', undefined: () => 'UNDEFINED', acme: () => 'ACME' };
  const options = [undefined, {}, { default: null }, { get default() { throw new Error('no'); } }];
  for (const [i, o] of options.entries()) {
    const handle = client.feature(`F${i}`, impls, o);
    assert.equal(handle.find(ctx('1')), null, `options ${i}`);
    assert.equal(handle.create(ctx('1')), undefined, `options ${i}`);
    assert.equal(client.findImplementation(`F${i}`, ctx('1')), null, `options ${i}`);
  }
  assert.deepEqual(client.findImplementations(ctx('1')), {});
  assert.equal(client.stats.queued, 0);
  await client.close();
});

test('unknown features: code default or null, isEnabled false, FLAG_NOT_FOUND, no exposure', async () => {
  let posts = 0;
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: 'http://127.0.0.1:9/x', fetch: () => (posts++, Promise.reject(new Error('down'))) });
  assert.equal(client.findImplementation('Nope', ctx('1')), null);
  assert.equal(client.create('Nope', ctx('1')), null);
  assert.equal(client.isEnabled('Nope', ctx('1')), false);
  assert.equal(client.details('Nope', ctx('1')).errorCode, 'FLAG_NOT_FOUND');
  const H = client.feature('Nope', { x: () => 'X', y: () => 'Y' }, { default: 'y' });
  assert.equal(client.findImplementation('Nope', ctx('1')), 'y');
  assert.equal(H.create(ctx('1')), 'Y');
  assert.equal(client.findImplementations(ctx('1')).Nope, 'y');
  assert.equal(client.stats.queued, 0);
  await client.close();
  assert.equal(posts, 0);
});

test('bad contexts and arguments never throw', async () => {
  const client = await createClient({ snapshot: snapshot('r1') });
  const hostile = { get user() { throw new Error('getter'); } };
  const proxy = new Proxy({}, { get() { throw new Error('proxy'); } });
  for (const c of [undefined, null, 42, 'x', [], hostile, proxy, { user: null }, { user: { id: {} } }]) {
    assert.equal(client.findImplementation('PaymentProcessor', c), 'acme');
    assert.equal(typeof client.details('Random', c).reason, 'string');
    client.create('Fixed', c);
    client.isEnabled('Dark', c);
    client.usedImplementation('Fixed', 'a', c);
    client.findImplementations(c);
  }
  for (const f of [undefined, null, 42, {}, Symbol.iterator]) {
    client.findImplementation(f, {});
    client.isEnabled(f, {});
    client.create(f, {});
    client.details(f, {});
  }
  client.usedImplementation('Fixed', null, ctx('1'));
  await client.close();
});

test('throwing listeners and clocks stay inside the client', async () => {
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: 'http://127.0.0.1:9/x',
    now: () => { throw new Error('clock'); },
    fetch: () => { throw new Error('sync fetch failure'); },
  });
  const off = client.on('error', () => { throw new Error('listener'); });
  client.on('update', () => { throw new Error('listener'); });
  assert.equal(client.create('Split', ctx('1')).length > 0, true);
  await client.flush();
  assert.equal(client.stats.queued, 1);
  off();
  await client.refresh();
  await client.close();
});

test('isEnabled follows boolean features', async () => {
  const client = await createClient({ snapshot: snapshot('r1') });
  assert.equal(client.isEnabled('ImageProcessing', {}), true);
  assert.equal(client.isEnabled('Dark', ctx('1', 'CA')), true);
  assert.equal(client.isEnabled('Dark', ctx('1', 'FR')), false);
  assert.equal(client.isEnabled('PaymentProcessor', ctx('1')), false);
  assert.equal(client.findImplementation('Dark', ctx('1', 'CA')), 'true');
  await client.close();
});

test('on() returns an unsubscribe function', async () => {
  const client = await createClient({ snapshot: snapshot('r1'), snapshotUrl: 'http://127.0.0.1:9/s', refreshInterval: 0, retryDelay: 5,
    fetch: async () => new Response('nope', { status: 500 }) });
  let n = 0;
  const off = client.on('error', () => n++);
  await client.refresh();
  const seen = n;
  assert.ok(seen >= 1);
  off();
  await client.refresh();
  assert.equal(n, seen);
  await client.close();
});

test('findImplementations keeps a feature named __proto__ as its own property', async () => {
  const text = '{"schema": 1, "features": {"__proto__": {"implementations": ["on", "off"], "default": "on"}, "Other": {"implementations": ["a"], "default": "a"}}}';
  const client = await createClient({ snapshot: text });
  client.feature('Later', { z: () => 'Z' }, { default: 'z' });
  for (let k = 0; k < 20; k++) {
    const all = client.findImplementations({});
    assert.equal(Object.getPrototypeOf(all), Object.prototype);
    assert.deepEqual(Object.entries(all).sort(), [['Later', 'z'], ['Other', 'a'], ['__proto__', 'on']]);
  }
  assert.equal(client.findImplementation('__proto__', {}), 'on');
  await client.close();
});

test('odd feature names never throw, with no snapshot loaded or after close()', async () => {
  const client = await createClient({ exposureUrl: 'http://127.0.0.1:9/x', fetch: () => Promise.reject(new Error('down')) });
  const cyclic = {};
  cyclic.self = cyclic;
  for (const name of [10n, cyclic, Symbol('s'), { toString() { throw new Error('no'); } }]) {
    client.usedImplementation(name, 'a', {});
    client.create(name, {});
    client.details(name, {});
    client.feature(name, { a: () => 1 }, { default: 'a' }).create({});
    client.findImplementations({});
  }
  await client.close();
  client.create(10n, {});
  client.feature(10n, { a: () => 1 }, { default: 'a' }).create({});
});

test('a handle keeps its own default when another handle of the same name sets another (its type promises it builds)', async () => {
  const client = await createClient({});
  const A = client.feature('PaymentProcessor', { acme: () => 'ACME', premium: () => 'A-PREMIUM' }, { default: 'acme' });
  const B = client.feature('PaymentProcessor', { premium: () => 'PREMIUM', acme: () => 'B-ACME' }, { default: 'premium' });
  assert.deepEqual([A.find(ctx('1')), A.create(ctx('1'))], ['acme', 'ACME']);
  assert.deepEqual([B.find(ctx('1')), B.create(ctx('1'))], ['premium', 'PREMIUM']);
  // The client's own calls take the last default set.
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1')), 'premium');
  // With a snapshot serving an implementation neither has: each builds its own default.
  const loaded = await createClient({ snapshot: snapshot('r1') });
  const C = loaded.feature('PaymentProcessor', { nothing: () => 'N' }, { default: 'nothing' });
  const D = loaded.feature('PaymentProcessor', { other: () => 'O' }, { default: 'other' });
  assert.deepEqual([C.create(ctx('1')), D.create(ctx('1'))], ['N', 'O']);
  await client.close();
  await loaded.close();
});
