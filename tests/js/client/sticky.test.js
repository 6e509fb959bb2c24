// Sticky assignments (SPEC sections 1, 2 and 4): random experiments vary until
// an implementation is used, then stick; stored assignments win over buckets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { snapshot, ctx } from '../helpers/snapshot.js';
import { startServer } from '../helpers/server.js';

/**
 * A client of `snap` reporting to a sink of its own, with `sticky` as its
 * store; both closed after the test. `events()`: what the sink received.
 */
async function withSink(t, snap, sticky = new Map(), options = {}) {
  const srv = await startServer({ snapshot: snap });
  const client = await createClient({ snapshot: snap, exposureUrl: srv.exposureUrl, flushInterval: 0, sticky, ...options });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  const events = () => srv.state.exposureRequests.flatMap((r) => JSON.parse(r.body).events);
  return { client, sticky, events };
}

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

test('usedImplementation on a random experiment records the arm that was rendered, even where a new draw would fall through', async (t) => {
  // 60 % of draws go to the experiment's arms, 40 % fall through to `serve: a`.
  const snap = {
    schema: 1, revision: 'partial',
    segments: { UserId: { from: { user: '{id}' } } },
    features: {
      Partial: {
        inputs: ['user'], implementations: ['a', 'b', 'c'], default: 'a',
        rules: [{ experiment: { name: 'part', by: 'UserId', random: true, weights: { b: 50, c: 10 } } }, { serve: 'a' }],
      },
    },
  };
  const { client, sticky, events } = await withSink(t, snap);
  const rendered = new Map();
  for (let i = 0; rendered.size < 300 && i < 20_000; i++) {
    const c = ctx(`v${i}`);
    const impl = client.findImplementation('Partial', c);
    if (impl === 'a') continue; // fell through: not part of the experiment
    client.usedImplementation('Partial', impl, c);
    rendered.set(`v${i}`, impl);
  }
  assert.equal(rendered.size, 300, '300 draws reach an arm within 20 000 units');
  for (const [id, impl] of rendered) {
    assert.equal(sticky.get(`part/${id}`), impl, `the assignment of ${id} was stored`);
    const d = client.details('Partial', ctx(id));
    assert.deepEqual([d.implementation, d.reason], [impl, 'STICKY'], id);
  }
  await client.flush();
  assert.equal(events().length, 300, 'one exposure per unit');
  for (const e of events()) {
    assert.deepEqual([e.experiment, e.reason, e.rule, e.unit.segment], ['part', 'SPLIT', 0, 'UserId']);
    assert.equal(e.implementation, rendered.get(e.unit.value));
  }
  // A used implementation that is not an arm (the fallback's) is the
  // fallback's use: the unit's draw fell through, and it draws no more.
  client.usedImplementation('Partial', 'a', ctx('fallback-user'));
  assert.equal(sticky.get('part/fallback-user'), '(none)');
  await client.flush();
  const last = events().at(-1);
  assert.deepEqual([last.implementation, last.reason, last.rule, last.experiment, last.unit], ['a', 'TARGETING_MATCH', 1, null, null]);
});

test('the default in-memory sticky store forgets the least recently used assignment first, not one in use', async () => {
  const client = await createClient({ snapshot: snapshot('r1') }); // Node: the bounded in-memory store
  const kept = ctx('regular');
  client.create('Random', kept);
  assert.equal(client.details('Random', kept).reason, 'STICKY');
  // 12 000 other units use the experiment (the store holds 10 000); the
  // regular comes back every 500 of them.
  for (let i = 0; i < 12_000; i++) {
    client.create('Random', ctx(`passer-${i}`));
    if (i % 500 === 0) assert.equal(client.details('Random', kept).reason, 'STICKY', `after ${i}`);
  }
  assert.equal(client.details('Random', kept).reason, 'STICKY');
  // The first passers, not seen since, were forgotten.
  assert.equal(client.details('Random', ctx('passer-0')).reason, 'SPLIT');
  assert.equal(client.details('Random', ctx('passer-11999')).reason, 'STICKY');
  await client.close();
});

test('an implementation found just before a snapshot swap is reported with the revision that chose it, not credited to the new one', async (t) => {
  const snap = (revision, experiment, impl) => JSON.stringify({
    schema: 1, revision, segments: { UserId: { from: { user: '{id}' } } },
    features: { Exp: { inputs: ['user'], implementations: ['x', 'y'], default: 'x', rules: [{ experiment: { name: experiment, by: 'UserId', weights: { [impl]: 100 } } }] } },
  });
  const srv = await startServer({ snapshot: snap('A', 'exp-A', 'x'), etag: '"a"' });
  const sticky = new Map();
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, refreshInterval: 0, flushInterval: 0, sticky });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  const c = ctx('u1');
  assert.equal(client.findImplementation('Exp', c), 'x');
  srv.state.snapshot = snap('B', 'exp-B', 'y');
  srv.state.etag = '"b"';
  await client.refresh();
  assert.equal(client.revision, 'B');
  client.usedImplementation('Exp', 'x', c); // rendered from A's answer
  await client.flush();
  const [event] = srv.accepted();
  assert.deepEqual([event.implementation, event.revision, event.experiment, event.reason], ['x', 'A', 'exp-A', 'SPLIT']);
  assert.deepEqual([...sticky], [['exp-A/u1', 'x']], 'not an assignment of exp-B');
  assert.equal(client.findImplementation('Exp', c), 'y', 'B still assigns by its own weights');
});

test('long units are read and digested once per evaluation by the default store, not once per experiment', async () => {
  // 400 experiments, alternately by two 16 KiB values of the context; three
  // of them draw at random until a unit has used an implementation, one of
  // those by a unit that joins the two.
  const features = {};
  for (let i = 0; i < 400; i++) {
    features[`E${i}`] = {
      inputs: ['user'], implementations: ['a', 'b'], default: 'a',
      rules: [{ experiment: { name: `e${i}`, by: i === 9 ? 'Pair' : i % 2 ? 'DeviceId' : 'UserId', weights: { a: 50, b: 50 }, random: [6, 7, 9].includes(i) } }],
    };
  }
  const segments = { UserId: { from: { user: '{id}' } }, DeviceId: { from: { user: '{device}' } }, Pair: { from: { user: '{id}-{device}' } } };
  const client = await createClient({ snapshot: { schema: 1, revision: 'r', segments, features } }); // Node: the in-memory store
  const n = 16384, c = { user: { id: 'i'.repeat(n), device: 'd'.repeat(n) } };
  const before = client.findImplementations(c);
  for (const f of ['E6', 'E7', 'E9']) client.usedImplementation(f, 'b', c);
  // Every character JavaScript reads from a string, counted.
  let reads = 0;
  const { charCodeAt } = String.prototype;
  String.prototype.charCodeAt = function (i) {
    reads++;
    return charCodeAt.call(this, i);
  };
  let after;
  try {
    after = client.findImplementations(c);
  } finally {
    String.prototype.charCodeAt = charCodeAt;
  }
  // The two values written into wasm memory and digested, once each, and
  // the joined one digested: not 400 keys of 16 KiB digested (6.5 million
  // characters).
  assert.ok(reads < 10 * n, `${reads} characters read`);
  // The same answers, the stored assignments honoured.
  assert.deepEqual(after, { ...before, E6: 'b', E7: 'b', E9: 'b' });
  assert.equal(client.details('E7', c).reason, 'STICKY');
  assert.equal(client.details('E9', c).reason, 'STICKY');
  assert.equal(client.details('E8', c).reason, 'SPLIT');
  await client.close();
  // A store of the application's own is asked for whole keys.
  const asked = new Set();
  const own = await createClient({ snapshot: { schema: 1, revision: 'r', segments, features }, sticky: { get: (k) => void asked.add(k), set() {} } });
  own.findImplementations(c);
  assert.equal(asked.size, 400);
  for (const k of [`e8/${c.user.id}`, `e7/${c.user.device}`, `e9/${c.user.id}-${c.user.device}`]) assert.ok(asked.has(k), k.slice(0, 3));
  await own.close();
});

/** Feature R: `random` experiment `rx` over part of the units, falling through to the default `control`. */
const partial = (weights) => ({
  schema: 1, revision: 'partial',
  segments: { UserId: { from: { user: '{id}' } } },
  features: {
    R: { inputs: ['user'], implementations: ['control', 'b'], default: 'control',
      rules: [{ experiment: { name: 'rx', by: 'UserId', random: true, weights } }] },
  },
});

test('a random experiment over 20 % reports 10 % control and 10 % b, though its fall-through is control too', async (t) => {
  const { client, sticky, events: received } = await withSink(t, partial({ control: 10, b: 10 }), new Map(), { maxQueue: 100000 });
  const units = 20000;
  for (let i = 0; i < units; i++) {
    const c = ctx(`u${i}`);
    client.usedImplementation('R', client.findImplementation('R', c), c);
  }
  await client.flush();
  const events = received();
  const count = (impl, experiment) => events.filter((e) => e.implementation === impl && e.experiment === experiment).length;
  // Each Binomial(20 000, 0.1): mean 2 000, sd 42. (Crediting every use of
  // `control` to the experiment gave about 18 000.)
  for (const impl of ['control', 'b']) {
    const n = count(impl, 'rx');
    assert.ok(Math.abs(n - 2000) < 300, `${n} units in arm ${impl}`);
  }
  // The rest fell through: one exposure of the default (no unit), and each
  // unit's draw stored as done.
  assert.deepEqual(events.filter((e) => e.experiment === null).map((e) => [e.implementation, e.reason, e.unit]), [['control', 'DEFAULT', null]]);
  const passed = [...sticky.values()].filter((v) => v === '(none)').length;
  assert.equal(sticky.size, units);
  assert.equal(passed, units - count('control', 'rx') - count('b', 'rx'));
});

test('a unit whose draw fell through and was used stops drawing: coverage does not grow with visits', async () => {
  const client = await createClient({ snapshot: partial({ b: 10 }) });
  const users = 1000, seen = Array.from({ length: users }, () => new Set());
  const share = [];
  for (let visit = 0; visit < 10; visit++) {
    let b = 0;
    for (let i = 0; i < users; i++) {
      const impl = client.create('R', ctx(`v${i}`));
      seen[i].add(impl);
      b += impl === 'b' ? 1 : 0;
    }
    share.push(b);
  }
  // (Before: 0.10 of units on the first visit, 0.67 by the tenth; 576 saw both.)
  assert.equal(seen.filter((s) => s.size > 1).length, 0, 'no unit saw both');
  assert.ok(Math.abs(share[0] - 100) < 50, `${share[0]} of ${users} in b`);
  assert.deepEqual(share, Array(10).fill(share[0]));
  await client.close();
});

test('the details of one feature list the draws that fell through; evaluate-all does not repeat them', async () => {
  const { Engine } = await import('feats-edge');
  const engine = new Engine(partial({ b: 10 }));
  const c = ctx('u1');
  let fell;
  for (let i = 0; i < 200 && !fell; i++) {
    const d = engine.evaluate('R', c);
    if (d.implementation === 'control') fell = d;
  }
  assert.deepEqual([fell.reason, fell.fellThrough], ['DEFAULT', ['rx/u1']]);
  for (let i = 0; i < 50; i++) assert.equal('fellThrough' in engine.evaluateAll(c).R, false);
  // A marker: nothing drawn, nothing listed.
  const d = engine.evaluate('R', c, { sticky: { 'rx/u1': '(none)' } });
  assert.deepEqual([d.implementation, d.reason, 'fellThrough' in d], ['control', 'DEFAULT', false]);
  engine.free();
});

test('markers of draws that fell through do not push assignments out of the default memory store', async () => {
  const client = await createClient({ snapshot: partial({ b: 10 }) });
  const first = new Map();
  for (let i = 0; i < 2000; i++) first.set(`f${i}`, client.create('R', ctx(`f${i}`)));
  // 10 000 more units: about 9 000 markers, 1 000 assignments.
  for (let i = 0; i < 10000; i++) client.create('R', ctx(`m${i}`));
  const inB = [...first].filter(([, impl]) => impl === 'b');
  assert.ok(inB.length > 100, `${inB.length} in b`);
  // (Markers are bounded apart, at 10 000 too: the first ones are gone.)
  for (const [id, impl] of inB) assert.equal(client.findImplementation('R', ctx(id)), impl, id);
  await client.close();
});

test("another tab's fallen-through draw does not turn this tab's arm into a default", async (t) => {
  const stored = new Map([['rx/u1', '(none)'], ['rx/u2', 'control']]);
  const { client, sticky, events } = await withSink(t, partial({ control: 10, b: 10 }), stored);
  client.usedImplementation('R', 'b', ctx('u1'));
  client.usedImplementation('R', 'b', ctx('u2'));
  await client.flush();
  assert.deepEqual(events().map((e) => [e.implementation, e.reason, e.experiment, e.unit?.value]), [['b', 'SPLIT', 'rx', 'u1'], ['b', 'SPLIT', 'rx', 'u2']]);
  // What was stored first stays.
  assert.deepEqual([sticky.get('rx/u1'), sticky.get('rx/u2')], ['(none)', 'control']);
});

test("a draw this client stored as fallen through stands: a later use of an arm is not the experiment's", async (t) => {
  const { client, sticky, events } = await withSink(t, partial({ control: 10, b: 10 }));
  let id = 0;
  while (id < 10_000 && (client.create('R', ctx(`u${id}`)) !== 'control' || sticky.get(`rx/u${id}`) !== '(none)')) id++;
  assert.equal(sticky.get(`rx/u${id}`), '(none)', 'a draw falls through within 10 000 units');
  client.usedImplementation('R', 'b', ctx(`u${id}`));
  await client.flush();
  const mine = events().filter((e) => e.unit?.value === `u${id}` || e.unit === null);
  assert.deepEqual(mine.slice(-2).map((e) => [e.implementation, e.reason, e.experiment, e.unit]), [['control', 'DEFAULT', null, null], ['b', 'DEFAULT', null, null]]);
  assert.equal(sticky.get(`rx/u${id}`), '(none)');
});

test('an asynchronous sticky store: a get that answers a promise reads as none, said once; a set that rejects is said, not an unhandled rejection', async (t) => {
  const stored = new Map([['fixed/u1', 'b']]);
  const writes = [];
  const store = {
    get: async (k) => stored.get(k),
    set: async (k, v) => {
      writes.push([k, v]);
      throw new Error('redis is down');
    },
  };
  const { client } = await withSink(t, snapshot('r1'), store);
  const errors = [];
  client.on('error', (e) => errors.push(e.message));
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  // Fixed's bucket for u1 decides (the stored 'b' is not read).
  const d = client.details('Fixed', ctx('u1'));
  assert.notEqual(d.reason, 'STICKY');
  client.details('Fixed', ctx('u2'));
  client.create('Fixed', ctx('u3'));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(writes, [['fixed/u3', client.findImplementation('Fixed', ctx('u3'))]]);
  assert.deepEqual(unhandled, []);
  assert.deepEqual(errors, [
    "feats-edge: the sticky store's get returned a promise: stores are read synchronously, so no assignment was read (fill a synchronous store before evaluating)",
    "feats-edge: the sticky store's set failed: redis is down",
  ]);
});

test('a sticky get that answers a thenable function is said as one that answers a promise; an object or a function without `then` is no promise: read as none, nothing said', async (t) => {
  // (A thenable is any object or function with a `then` method: `await`
  // and Promise.resolve take a function with one as a promise.)
  const bucket = (await withSink(t, snapshot('r1'))).client.findImplementation('Fixed', ctx('u1'));
  const other = bucket === 'a' ? 'b' : 'a';
  const thenableFunction = Object.assign(() => other, { then: (/** @type {any} */ resolve) => resolve(other) });
  const cases = [
    [thenableFunction, ["feats-edge: the sticky store's get returned a promise: stores are read synchronously, so no assignment was read (fill a synchronous store before evaluating)"]],
    [{ value: other }, []],
    [new String(other), []],
    [() => other, []],
  ];
  for (const [answer, said] of cases) {
    const { client } = await withSink(t, snapshot('r1'), { get: () => answer, set() {} });
    const errors = [];
    client.on('error', (e) => errors.push(e.message));
    const d = client.details('Fixed', ctx('u1'));
    assert.deepEqual([d.reason, d.implementation], ['SPLIT', bucket], `${typeof answer}: the bucket decides`);
    client.details('Fixed', ctx('u2'));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(errors, said, typeof answer);
  }
});

test('a plain object of assignments as the sticky store is read as it is', async (t) => {
  const { client } = await withSink(t, snapshot('r1'), { 'fixed/u1': 'b', 'fixed/u2': 'a' });
  assert.deepEqual([client.details('Fixed', ctx('u1')).reason, client.findImplementation('Fixed', ctx('u1'))], ['STICKY', 'b']);
  assert.deepEqual([client.details('Fixed', ctx('u2')).reason, client.findImplementation('Fixed', ctx('u2'))], ['STICKY', 'a']);
});

test('a sticky set whose promise rejects with no reason is said, with what it rejected with as the cause', async (t) => {
  const reasons = [undefined, null];
  const store = { get: () => undefined, set: () => Promise.reject(reasons.shift()) };
  const { client } = await withSink(t, snapshot('r1'), store);
  const errors = [];
  client.on('error', (e) => errors.push(e));
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  client.create('Fixed', ctx('u1'));
  client.create('Fixed', ctx('u2'));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(unhandled, []);
  assert.deepEqual(errors.map((e) => e.message), ["feats-edge: the sticky store's set failed: undefined", "feats-edge: the sticky store's set failed: null"]);
  assert.deepEqual(errors.map((e) => 'cause' in e && e.cause), [undefined, null]);
});

test('the default store outside browsers holds exactly 10 000 assignments, the least recently used forgotten first; units evaluated with none stored take no room', async () => {
  const client = await createClient({ snapshot: snapshot('r1') });
  const sticky = (id) => client.details('Fixed', ctx(id)).reason === 'STICKY';
  for (let i = 0; i < 10_000; i++) client.create('Fixed', ctx(`u${i}`));
  assert.ok(sticky('u0'), 'the first of 10 000 is kept (and now the most recent)');
  client.create('Fixed', ctx('u10000'));
  assert.deepEqual(['u1', 'u2', 'u0', 'u10000'].map(sticky), [false, true, true, true]);
  await client.close();

  // Units only evaluated (nothing used) have no assignment, and push none out.
  const other = await createClient({ snapshot: snapshot('r1') });
  other.create('Fixed', ctx('kept'));
  for (let i = 0; i < 10_001; i++) other.findImplementation('Fixed', ctx(`seen-${i}`));
  other.create('Fixed', ctx('next'));
  assert.deepEqual(['kept', 'next'].map((id) => other.details('Fixed', ctx(id)).reason), ['STICKY', 'STICKY']);
  await other.close();
});

test('long unit ids keep an assignment each, read back as stored: over 256 characters, and over 256 bytes in 256 characters or fewer (non-ASCII)', async () => {
  // (The engine hands a unit over 256 bytes to the store apart from its
  // experiment's name; the store keeps a key over 256 characters as a digest.)
  const client = await createClient({ snapshot: snapshot('r1') });
  t: for (const [what, id] of [
    ['300 characters', (/** @type {number} */ i) => `${i}-`.padEnd(300, 'x')],
    ['151 characters, about 300 bytes', (/** @type {number} */ i) => `${i}-`.padEnd(151, 'é')],
    ['250 characters (256 with "fixed/"), about 500 bytes', (/** @type {number} */ i) => `${i}`.padStart(250, 'é')],
  ]) {
    for (let i = 0; i < 50; i++) {
      const [u, v] = [id(i), id(i + 1)];
      const [bu, bv] = [u, v].map((x) => client.findImplementation('Fixed', { user: { id: x } }));
      if (bu === bv) continue;
      client.create('Fixed', { user: { id: u } });
      const [du, dv] = [u, v].map((x) => client.details('Fixed', { user: { id: x } }));
      assert.deepEqual([du.reason, du.implementation], ['STICKY', bu], `${what}: the unit's own, kept`);
      assert.deepEqual([dv.reason, dv.implementation], ['SPLIT', bv], `${what}: another unit's is not its`);
      continue t;
    }
    assert.fail(`${what}: no two units in different buckets`);
  }
  await client.close();
});

test("outside browsers a global localStorage (Node 22+'s Web Storage) is not the client's: assignments stay in memory, and nothing is written to it", async (t) => {
  const writes = [];
  const storage = {
    getItem: () => null,
    setItem: (/** @type {string} */ k) => void writes.push(k),
    removeItem: (/** @type {string} */ k) => void writes.push(k),
    key: () => null,
    length: 0,
    clear() {},
  };
  globalThis.localStorage = /** @type {any} */ (storage);
  t.after(() => delete globalThis.localStorage);
  const srv = await startServer({ snapshot: snapshot('r1') });
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, refreshInterval: 0 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.revision, 'r1');
  client.usedImplementation('Random', 'b', ctx('visitor-1'));
  assert.equal(client.details('Random', ctx('visitor-1')).reason, 'STICKY');
  assert.deepEqual(writes, []);
});
