// What an exposure is credited to, and when it is sent: uses before any
// snapshot loaded, implementations no loaded snapshot serves, a 2xx whose
// body breaks off, and snapshot answers that arrive out of order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createClient } from 'feats-edge';
import { snapshot, ctx } from '../helpers/snapshot.js';
import { until, sleep } from '../helpers/server.js';

/** A server on 127.0.0.1 whose handler the test writes; records exposure events. */
async function serve(t, handler) {
  const events = [], posts = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method === 'POST') posts.push(body), events.push(...JSON.parse(body).events);
      handler(req, res, posts.length);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  t.after(() => (server.closeAllConnections(), new Promise((r) => server.close(r))));
  return { base, events, posts };
}

/** The user of the Fixed experiment that the hash assigns `b`, with its id. */
function unitAssigned(client, impl) {
  for (let i = 0; i < 100; i++) if (client.findImplementation('Fixed', ctx(String(i))) === impl) return String(i);
  throw new Error(`no unit gets ${impl}`);
}

test('a use with no snapshot loaded is reported (revision null), not lost', async (t) => {
  const srv = await serve(t, (req, res) => res.writeHead(204).end());
  const client = await createClient({ exposureUrl: `${srv.base}/x`, flushInterval: 0 });
  t.after(() => client.close());
  const PP = client.feature('PaymentProcessor', { acme: () => 'ACME', premium: () => 'PREMIUM' }, { default: 'acme' });
  assert.equal(PP.create(ctx('1')), 'ACME');
  client.usedImplementation('Split', 'off', ctx('2'));
  assert.equal(client.stats.queued, 2);
  await client.flush();
  assert.deepEqual(srv.events.map((e) => [e.feature, e.implementation, e.reason, e.rule, e.experiment, e.unit, e.revision]), [
    ['PaymentProcessor', 'acme', 'ERROR', null, null, null, null],
    ['Split', 'off', 'ERROR', null, null, null, null],
  ]);
  assert.equal(client.stats.sent, 2);
});

test('an implementation no loaded snapshot serves is credited to no rule, experiment or unit, and not made sticky', async (t) => {
  // The snapshot arrives after the client resolved: what was found before is the code default.
  const srv = await serve(t, (req, res) => {
    if (req.method === 'POST') return res.writeHead(204).end();
    setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(snapshot('r1'))), 200);
  });
  const sticky = new Map();
  const client = await createClient({ snapshotUrl: `${srv.base}/s`, exposureUrl: `${srv.base}/x`, flushInterval: 0, timeout: 20, sticky });
  t.after(() => client.close());
  const PP = client.feature('PaymentProcessor', { acme: () => 1, premium: () => 2 }, { default: 'acme' });
  const FX = client.feature('Fixed', { a: () => 1, b: () => 2 }, { default: 'a' });
  const found = [PP.find(ctx('1', 'CA')), FX.find(ctx('0'))];
  assert.deepEqual(found, ['acme', 'a']); // nothing loaded yet
  await until(() => client.revision === 'r1', 3000, 'the snapshot');
  const unit = unitAssigned(client, 'b');
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');
  // Rendered before the load, reported after it.
  client.usedImplementation('PaymentProcessor', 'acme', ctx('1', 'CA'));
  client.usedImplementation('Fixed', 'a', ctx(unit));
  await client.flush();
  assert.deepEqual(srv.events.map((e) => [e.feature, e.implementation, e.reason, e.rule, e.experiment, e.unit, e.revision]), [
    ['PaymentProcessor', 'acme', 'DEFAULT', null, null, null, 'r1'],
    ['Fixed', 'a', 'DEFAULT', null, null, null, 'r1'],
  ]);
  // The unit keeps the experiment's own assignment.
  assert.equal(sticky.size, 0);
  const d = client.details('Fixed', ctx(unit));
  assert.deepEqual([d.implementation, d.reason], ['b', 'SPLIT']);
  // What the snapshot serves is still credited to its rule and made sticky.
  client.usedImplementation('Fixed', 'b', ctx(unit));
  await client.flush();
  assert.deepEqual([srv.events[2].reason, srv.events[2].experiment, srv.events[2].unit?.value], ['SPLIT', 'fixed', unit]);
  assert.equal(sticky.get(`fixed/${unit}`), 'b');
});

test('a 2xx to an exposure POST is an answer, whatever its body does after: the batch is not sent again', async (t) => {
  const srv = await serve(t, (req, res, n) => {
    if (req.method !== 'POST') return res.writeHead(404).end();
    if (n > 1) return res.writeHead(200).end('ok');
    // Promises 10 bytes, sends 2, then breaks the connection.
    res.writeHead(200, { 'Content-Length': '10' });
    res.write('ok');
    setTimeout(() => res.destroy(), 50);
  });
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: `${srv.base}/x`, flushInterval: 0, retryDelay: 10 });
  t.after(() => client.close());
  const errors = [];
  client.on('error', (e) => errors.push(e));
  client.create('PaymentProcessor', ctx('1', 'CA'));
  await client.flush();
  await sleep(300); // a retry would have come by now
  assert.equal(srv.posts.length, 1);
  assert.deepEqual(client.stats, { dropped: 0, sent: 1, failed: 0, queued: 0 });
  assert.deepEqual(errors, []);
});

test('a slow poll answered after a later refresh() does not bring the older snapshot back', async (t) => {
  let gets = 0, release, slowSent = false;
  const held = new Promise((r) => (release = r));
  const srv = await serve(t, (req, res) => {
    const n = ++gets;
    const text = JSON.stringify(snapshot(n === 1 ? 'r1' : n === 2 ? 'r2' : 'r3'));
    const send = () => res.writeHead(200, { ETag: `"v${n}"` }).end(text);
    // The second fetch (the timer's poll) is answered only after the
    // third (refresh) has been; the others at once.
    if (n === 2) held.then(() => (send(), (slowSent = true)));
    else send();
  });
  const client = await createClient({ snapshotUrl: `${srv.base}/s`, refreshInterval: 100 });
  t.after(() => client.close());
  const updates = [];
  client.on('update', (u) => updates.push(u.revision));
  assert.equal(client.revision, 'r1');
  await until(() => gets >= 2, 5000, 'the timer poll');
  await client.refresh();
  assert.equal(client.revision, 'r3');
  release();
  await until(() => slowSent, 5000, 'the slow answer');
  await sleep(200); // and was read
  assert.equal(client.revision, 'r3');
  assert.deepEqual(updates.slice(0, 1), ['r3']);
  assert.ok(!updates.includes('r2'), `updates: ${updates}`);
});

test('findImplementations never throws, whatever a handle was named', async () => {
  const client = await createClient({ snapshot: snapshot('r1') });
  client.feature({ toString() { throw new Error('bad name'); } }, { a: () => 1 }, { default: 'a' });
  client.feature('Nope', { x: () => 1 }, { default: 'x' });
  const all = client.findImplementations(ctx('1', 'CA'));
  assert.equal(all.PaymentProcessor, 'premium');
  assert.equal(all.Nope, 'x');
  await client.close();
});

test('a use before the snapshot loaded does not stand for the same implementation served after it', async (t) => {
  const srv = await serve(t, (req, res) => {
    if (req.method === 'POST') return res.writeHead(204).end();
    setTimeout(() => res.writeHead(200).end(JSON.stringify(snapshot('r1'))), 200);
  });
  const client = await createClient({ snapshotUrl: `${srv.base}/s`, exposureUrl: `${srv.base}/x`, flushInterval: 0, timeout: 20 });
  t.after(() => client.close());
  const PP = client.feature('PaymentProcessor', { acme: () => 1, premium: () => 2 }, { default: 'premium' });
  PP.create(ctx('1', 'CA')); // nothing loaded: the code default
  await until(() => client.revision === 'r1', 3000, 'the snapshot');
  PP.create(ctx('1', 'CA')); // rule 0 serves premium, with no unit
  await client.flush();
  assert.deepEqual(srv.events.map((e) => [e.implementation, e.reason, e.rule, e.revision]), [
    ['premium', 'ERROR', null, null],
    ['premium', 'TARGETING_MATCH', 0, 'r1'],
  ]);
});

test('a closed client queues nothing more', async (t) => {
  const srv = await serve(t, (req, res) => res.writeHead(204).end());
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: `${srv.base}/x`, flushInterval: 0 });
  await client.close();
  client.create('PaymentProcessor', ctx('1', 'CA'));
  client.usedImplementation('Split', 'on', ctx('2'));
  client.feature('Split', { on: () => 1, off: () => 0 }, { default: 'off' }).create(ctx('3'));
  assert.equal(client.stats.queued, 0);
  await client.flush();
  assert.equal(srv.posts.length, 0);
});

test('random experiment, two pages sharing a store: the page that drew the other arm reports it as the experiment\'s, and the first assignment stays', async (t) => {
  const srv = await serve(t, (req, res) => res.writeHead(204).end());
  // Two tabs: two clients, one localStorage.
  const shared = new Map();
  const store = { get: (k) => shared.get(k), set: (k, v) => void shared.set(k, v) };
  const open = () => createClient({ snapshot: snapshot('r1'), exposureUrl: `${srv.base}/x`, flushInterval: 0, sticky: store });
  const [one, two] = [await open(), await open()];
  t.after(() => Promise.all([one.close(), two.close()]));
  // A unit for which the two pages draw different arms before either renders.
  let unit, first, second;
  for (let i = 0; i < 200 && first === second; i++) {
    unit = ctx(`tab-${i}`);
    [first, second] = [one.findImplementation('Random', unit), two.findImplementation('Random', unit)];
  }
  assert.notEqual(first, second, 'two different draws');
  one.usedImplementation('Random', first, unit);
  two.usedImplementation('Random', second, unit);
  await Promise.all([one.flush(), two.flush()]);
  const drawn = (impl) => ({ feature: 'Random', implementation: impl, reason: 'SPLIT', rule: 0, experiment: 'exp', unit: { segment: 'UserId', value: unit.user.id }, revision: 'r1' });
  assert.deepEqual(srv.events.map(({ timestamp, ...e }) => e), [drawn(first), drawn(second)]);
  // The first use made the assignment; the second did not overwrite it.
  // Outside a browser each client follows the store from then on (a
  // server's client serves every request; a page keeps its own arm: see
  // tests/js/browser/lifecycle.test.js), as does one made after.
  assert.equal(shared.get(`exp/${unit.user.id}`), first);
  assert.equal(two.findImplementation('Random', unit), first);
  assert.equal(one.findImplementation('Random', unit), first);
  const three = await open();
  t.after(() => three.close());
  assert.equal(three.findImplementation('Random', unit), first);
});

test('isEnabled before any snapshot loaded reports the false it answered (revision null), as a handle\'s code default is', async (t) => {
  const srv = await serve(t, (req, res) => {
    if (req.method === 'POST') return res.writeHead(204).end();
    res.writeHead(503).end();
  });
  const client = await createClient({ snapshotUrl: `${srv.base}/s`, exposureUrl: `${srv.base}/x`, flushInterval: 0, timeout: 20 });
  t.after(() => client.close());
  assert.equal(client.revision, null);
  assert.equal(client.isEnabled('ImageProcessing', ctx('1')), false);
  await client.flush();
  assert.deepEqual(srv.events.map(({ timestamp, ...e }) => e), [
    { feature: 'ImageProcessing', implementation: 'false', reason: 'ERROR', rule: null, experiment: null, unit: null, revision: null },
  ]);
});

test('a unit reported before an experiment started is reported again in the experiment, with the same implementation', async (t) => {
  // r1 rolls Split out by a split; r2 makes the same split an experiment
  // (same salt, so every unit keeps its arm). The experiment's analysis
  // needs each unit it served, in each arm.
  const r2 = snapshot('r2');
  r2.features.Split.rules = [{ experiment: { name: 'launch', by: 'UserId', weights: { on: 50, off: 50 }, salt: 'Split' } }];
  const srv = await serve(t, (req, res) => {
    if (req.method === 'POST') return res.writeHead(204).end();
    res.writeHead(200, { ETag: `"${srv.revision}"` }).end(JSON.stringify(srv.revision === 'r1' ? snapshot('r1') : r2));
  });
  srv.revision = 'r1';
  const client = await createClient({ snapshotUrl: `${srv.base}/s`, exposureUrl: `${srv.base}/x`, flushInterval: 0, refreshInterval: 0 });
  t.after(() => client.close());
  const impl = client.create('Split', ctx('42'));
  srv.revision = 'r2';
  await client.refresh();
  assert.equal(client.revision, 'r2');
  assert.equal(client.create('Split', ctx('42')), impl);
  client.create('Split', ctx('42')); // once in the experiment too
  await client.flush();
  assert.deepEqual(srv.events.map((e) => [e.implementation, e.reason, e.experiment, e.unit.value, e.revision]), [
    [impl, 'SPLIT', null, '42', 'r1'],
    [impl, 'SPLIT', 'launch', '42', 'r2'],
  ]);
});

test('a unit that leaves a holdout for the implementation it had is reported again, in the experiment', async (t) => {
  // docs/experiments.md: the holdout shrinks to 0 %, and the held-out
  // unit's `control` is now the experiment's.
  const at = (revision, held) => {
    const s = snapshot(revision);
    s.features.Fixed.rules = [
      { split: { by: 'UserId', weights: { a: held }, salt: 'fixed-holdout' } },
      { experiment: { name: 'fixed', by: 'UserId', weights: { a: 50, b: 50 } } },
    ];
    return s;
  };
  const srv = await serve(t, (req, res) => {
    if (req.method === 'POST') return res.writeHead(204).end();
    res.writeHead(200, { ETag: `"${srv.revision}"` }).end(JSON.stringify(srv.revision === 'r1' ? at('r1', 100) : at('r2', 0)));
  });
  srv.revision = 'r1';
  const client = await createClient({ snapshotUrl: `${srv.base}/s`, exposureUrl: `${srv.base}/x`, flushInterval: 0, refreshInterval: 0 });
  t.after(() => client.close());
  srv.revision = 'r2';
  await client.refresh();
  const id = unitAssigned(client, 'a');
  srv.revision = 'r1';
  await client.refresh();
  assert.equal(client.create('Fixed', ctx(id)), 'a');
  srv.revision = 'r2';
  await client.refresh();
  assert.equal(client.create('Fixed', ctx(id)), 'a');
  await client.flush();
  assert.deepEqual(srv.events.map((e) => [e.implementation, e.reason, e.experiment, e.unit.value, e.revision]), [
    ['a', 'SPLIT', null, id, 'r1'],
    ['a', 'SPLIT', 'fixed', id, 'r2'],
  ]);
});
