// Sticky assignments (SPEC sections 1, 2 and 4): random experiments vary until
// an implementation is used, then stick; stored assignments win over buckets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { snapshot, ctx } from '../helpers/snapshot.js';

test('a random experiment varies across findImplementation until usedImplementation, then sticks', async () => {
  const client = await createClient({ snapshot: snapshot('r1') });
  const c = ctx('visitor-1');
  const seen = new Set();
  for (let i = 0; i < 200 && seen.size < 2; i++) seen.add(client.findImplementation('Random', c));
  assert.deepEqual([...seen].sort(), ['a', 'b'], 'both implementations come up before any use');
  assert.equal(client.details('Random', c).stickyKey, 'exp/visitor-1');

  client.usedImplementation('Random', 'b', c);
  for (let i = 0; i < 50; i++) assert.equal(client.findImplementation('Random', c), 'b');
  for (let i = 0; i < 50; i++) assert.equal(client.findImplementations(c).Random, 'b');
  assert.equal(client.details('Random', c).reason, 'STICKY');
  // Another unit is not affected.
  const other = new Set();
  for (let i = 0; i < 200 && other.size < 2; i++) other.add(client.findImplementation('Random', ctx('visitor-2')));
  assert.equal(other.size, 2);
  await client.close();
});

test('create on a random experiment makes the returned implementation stick', async () => {
  const client = await createClient({ snapshot: snapshot('r1') });
  const c = ctx('visitor-3');
  const chosen = client.create('Random', c);
  for (let i = 0; i < 50; i++) assert.equal(client.findImplementation('Random', c), chosen);
  await client.close();
});

test('a non-random experiment honours a sticky entry over its bucket', async () => {
  const sticky = new Map();
  const client = await createClient({ snapshot: snapshot('r1'), sticky });
  const c = ctx('42');
  const natural = client.details('Fixed', c);
  assert.equal(natural.reason, 'SPLIT');
  assert.equal(natural.stickyKey, 'fixed/42');
  const other = natural.implementation === 'a' ? 'b' : 'a';
  sticky.set('fixed/42', other);
  const d = client.details('Fixed', c);
  assert.equal(d.implementation, other);
  assert.equal(d.reason, 'STICKY');
  assert.equal(d.experiment, 'fixed');
  assert.equal(client.findImplementation('Fixed', c), other);
  // An entry naming no implementation of the feature is ignored.
  sticky.set('fixed/42', 'zzz');
  assert.equal(client.details('Fixed', c).implementation, natural.implementation);
  await client.close();
});

test('usedImplementation stores stickyKey -> implementation, and only for experiments', async () => {
  const writes = [];
  const sticky = { get: () => undefined, set: (k, v) => writes.push([k, v]) };
  const client = await createClient({ snapshot: snapshot('r1'), sticky });
  client.usedImplementation('Fixed', 'b', ctx('9'));
  client.usedImplementation('Split', 'on', ctx('9'));
  client.usedImplementation('PaymentProcessor', 'acme', ctx('9'));
  client.isEnabled('ImageProcessing', ctx('9'));
  assert.deepEqual(writes, [['fixed/9', 'b']]);
  await client.close();
});

test('a sticky store that throws never reaches the caller', async () => {
  const sticky = { get() { throw new Error('get'); }, set() { throw new Error('set'); } };
  const client = await createClient({ snapshot: snapshot('r1'), sticky });
  assert.ok(['a', 'b'].includes(client.findImplementation('Fixed', ctx('1'))));
  assert.ok(['a', 'b'].includes(client.create('Fixed', ctx('1'))));
  client.usedImplementation('Random', 'a', ctx('1'));
  await client.close();
});
