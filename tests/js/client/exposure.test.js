// The exposure half of the HTTP protocol (SPEC section 5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'feats-edge';
import { startServer, until, sleep, longBackoff } from '../helpers/server.js';
import { snapshot, ctx, SECRET } from '../helpers/snapshot.js';

const NOW = Date.parse('2026-11-22T10:00:00.000Z');
const FIELDS = ['experiment', 'feature', 'implementation', 'reason', 'revision', 'rule', 'timestamp', 'unit'];

/** A server and a client loaded with the bootstrap snapshot; only flush() sends unless options say otherwise. */
async function setup(t, options = {}) {
  const srv = await startServer({ snapshot: snapshot('r1') });
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, retryDelay: 10, now: () => NOW, ...options,
  });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  return { srv, client };
}

test('findImplementation, findImplementations and details send nothing', async (t) => {
  const { srv, client } = await setup(t);
  assert.equal(client.findImplementation('PaymentProcessor', ctx('1', 'CA')), 'premium');
  assert.equal(client.findImplementations(ctx('1', 'CA')).PaymentProcessor, 'premium');
  assert.equal(client.details('PaymentProcessor', ctx('1', 'CA')).implementation, 'premium');
  assert.equal(client.feature('PaymentProcessor', {}).find(ctx('1')), 'acme');
  await client.flush();
  assert.equal(srv.state.exposureRequests.length, 0);
  assert.equal(client.stats.queued, 0);
});

test('usedImplementation with no implementation (null, undefined, an empty name) reports and stores nothing', async (t) => {
  const { srv, client } = await setup(t);
  const heard = [];
  client.on('exposure', (e) => heard.push(e.implementation));
  for (const impl of [null, undefined, '']) {
    client.usedImplementation('PaymentProcessor', impl, ctx('1', 'CA'));
    client.usedImplementation('Random', impl, ctx('7'));
  }
  assert.equal(client.stats.queued, 0);
  assert.deepEqual(heard, []);
  // Nothing stored: the random experiment still draws for unit 7.
  const drawn = new Set(Array.from({ length: 40 }, () => client.findImplementation('Random', ctx('7'))));
  assert.ok(drawn.size > 1, 'still random');
  await client.flush();
  assert.equal(srv.state.exposureRequests.length, 0);
});

test('create with nothing chosen (nothing loaded, no code default) reports nothing', async (t) => {
  const srv = await startServer({});
  t.after(() => srv.close());
  const client = await createClient({ exposureUrl: srv.exposureUrl, flushInterval: 0 });
  t.after(() => client.close());
  client.on('error', () => {});
  const heard = [];
  client.on('exposure', (e) => heard.push(e));
  assert.equal(client.create('PaymentProcessor', ctx('1', 'CA')), null);
  assert.equal(client.feature('Split', { a: () => 'A' }).create(ctx('1')), undefined);
  assert.equal(client.stats.queued, 0);
  assert.deepEqual(heard, []);
});

test('create sends exactly one event with the SPEC fields, once per (feature, implementation, unit)', async (t) => {
  const { srv, client } = await setup(t);
  assert.equal(client.create('Split', ctx('42')), client.findImplementation('Split', ctx('42')));
  const impl = client.create('Split', ctx('42'));
  client.create('Split', ctx('42'));
  assert.equal(client.stats.queued, 1);
  await client.flush();
  assert.equal(srv.state.exposureRequests.length, 1);
  const [req] = srv.state.exposureRequests;
  assert.equal(req.headers['content-type'], 'application/json');
  const body = JSON.parse(req.body);
  assert.deepEqual(Object.keys(body), ['events']);
  assert.equal(body.events.length, 1);
  const [event] = body.events;
  assert.deepEqual(Object.keys(event).sort(), FIELDS);
  assert.deepEqual(event, {
    feature: 'Split', implementation: impl, reason: 'SPLIT', rule: 0, experiment: null,
    unit: { segment: 'UserId', value: '42' }, revision: 'r1', timestamp: '2026-11-22T10:00:00.000Z',
  });
  assert.deepEqual(client.stats, { dropped: 0, sent: 1, failed: 0, queued: 0 });

  // Still deduplicated after the flush; another unit is a new event.
  client.create('Split', ctx('42'));
  client.create('Split', ctx('43'));
  await client.flush();
  assert.equal(srv.state.exposureRequests.length, 2);
  assert.deepEqual(JSON.parse(srv.state.exposureRequests[1].body).events.map((e) => e.unit.value), ['43']);
});

test('events without a unit are deduplicated per (feature, implementation)', async (t) => {
  const { srv, client } = await setup(t);
  assert.equal(client.create('PaymentProcessor', ctx('1', 'CA')), 'premium');
  assert.equal(client.create('PaymentProcessor', ctx('2', 'CA')), 'premium');
  assert.equal(client.create('PaymentProcessor', ctx('3', 'FR')), 'acme');
  assert.equal(client.isEnabled('ImageProcessing', {}), true);
  assert.equal(client.isEnabled('ImageProcessing', ctx('9')), true);
  client.usedImplementation('PaymentProcessor', 'aperture', ctx('1', 'CA'));
  await client.flush();
  const events = srv.accepted();
  assert.deepEqual(events.map((e) => [e.feature, e.implementation, e.reason, e.rule, e.unit]), [
    ['PaymentProcessor', 'premium', 'TARGETING_MATCH', 0, null],
    ['PaymentProcessor', 'acme', 'DEFAULT', null, null],
    ['ImageProcessing', 'true', 'STATIC', null, null],
    // Not what the snapshot serves to CA (rule 0 serves premium): no rule chose it.
    ['PaymentProcessor', 'aperture', 'DEFAULT', null, null],
  ]);
});

test('a feature handle calls the chosen factory and records the exposure', async (t) => {
  const { srv, client } = await setup(t);
  const made = [];
  const PP = client.feature('PaymentProcessor', {
    acme: (c) => (made.push(['acme', c]), 'ACME'),
    premium: (c) => (made.push(['premium', c]), 'PREMIUM'),
  }, { default: 'acme' });
  const c = ctx('1', 'CA');
  assert.equal(PP.create(c), 'PREMIUM');
  assert.deepEqual(made, [['premium', c]]);
  assert.equal(PP.find(ctx('2', 'DE')), 'acme');
  await client.flush();
  assert.deepEqual(srv.accepted().map((e) => e.implementation), ['premium']);
});

test('a factory that throws is reported as nothing: its error reaches the caller, no exposure, no sticky assignment', async (t) => {
  const sticky = new Map();
  const { srv, client } = await setup(t, { sticky: { get: (k) => sticky.get(k), set: (k, v) => sticky.set(k, v) } });
  const PP = client.feature('PaymentProcessor', {
    acme: () => 'ACME',
    premium: () => { throw new Error('premium is down'); },
  }, { default: 'acme' });
  assert.throws(() => PP.create(ctx('1', 'CA')), /premium is down/);
  await client.flush();
  assert.deepEqual(srv.accepted(), []);
  assert.equal(client.stats.queued, 0);
  // An experiment's arm whose factory throws is not made sticky either.
  const Exp = client.feature('Random', { a: () => { throw new Error('broken'); }, b: () => { throw new Error('broken'); } });
  assert.throws(() => Exp.create(ctx('1', 'CA')), /broken/);
  assert.deepEqual([...sticky.keys()], []);
  assert.equal(PP.create(ctx('2', 'DE')), 'ACME', 'the handle still works');
  await client.flush();
  assert.deepEqual(srv.accepted().map((e) => e.implementation), ['acme']);
});

test('an async factory has used its implementation once called: reported at once, its promise returned as it is, a later rejection the caller\'s', async (t) => {
  const { srv, client } = await setup(t);
  const PP = client.feature('PaymentProcessor', {
    acme: async () => 'ACME',
    premium: async () => { throw new Error('premium is down'); },
  }, { default: 'acme' });
  const made = PP.create(ctx('1', 'CA'));
  assert.ok(made instanceof Promise);
  await assert.rejects(made, /premium is down/);
  assert.equal(await PP.create(ctx('2')), 'ACME');
  await client.flush();
  assert.deepEqual(srv.accepted().map((e) => e.implementation), ['premium', 'acme']);
});

test('a handle whose chosen implementation has no factory falls back to its code default', async (t) => {
  const { srv, client } = await setup(t);
  const PP = client.feature('PaymentProcessor', { acme: () => 'ACME' }, { default: 'acme' });
  assert.equal(PP.create(ctx('1', 'CA')), 'ACME');
  await client.flush();
  assert.deepEqual(srv.accepted().map((e) => e.implementation), ['acme']);
});

test('maxBatch waiting events trigger a send', async (t) => {
  const { srv, client } = await setup(t, { maxBatch: 3 });
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  await sleep(30);
  assert.equal(srv.state.exposureRequests.length, 0);
  client.create('Split', ctx('3'));
  await until(() => srv.state.exposureRequests.length === 1, 3000, 'the batch');
  assert.equal(JSON.parse(srv.state.exposureRequests[0].body).events.length, 3);
});

test('flushInterval sends periodically', async (t) => {
  const { srv, client } = await setup(t, { flushInterval: 20 });
  client.create('Split', ctx('1'));
  await until(() => srv.accepted().length === 1, 3000, 'the periodic flush');
  client.create('Split', ctx('2'));
  await until(() => srv.accepted().length === 2, 3000, 'the second periodic flush');
});

test('flush() sends in batches of maxBatch', async (t) => {
  const { srv, client } = await setup(t, { maxBatch: 4 });
  for (let i = 0; i < 10; i++) client.create('Split', ctx(String(i)));
  await client.flush();
  await client.flush();
  assert.equal(srv.accepted().length, 10);
  assert.ok(srv.state.exposureRequests.every((r) => JSON.parse(r.body).events.length <= 4));
});

test('exposure server down then back: nothing lost up to maxQueue, the overflow is counted', async (t) => {
  const { srv, client } = await setup(t, { flushInterval: 15, maxQueue: 10 });
  srv.state.exposureMode = 'drop';
  const errors = [];
  client.on('error', (e) => errors.push(e));
  for (let i = 0; i < 13; i++) client.create('Split', ctx('u' + i));
  assert.deepEqual(client.stats, { dropped: 3, sent: 0, failed: 0, queued: 10 });
  await until(() => errors.length >= 3, 3000, 'failed attempts');
  assert.ok(srv.state.exposureRequests.length >= 3);
  srv.state.exposureMode = '500';
  await until(() => srv.state.exposureRequests.filter((r) => r.status === 503).length >= 2, 3000, '503 answers');
  srv.state.exposureMode = 'ok';
  await until(() => client.stats.sent === 10, 5000, 'the queue to drain');
  assert.deepEqual(srv.accepted().map((e) => e.unit.value), Array.from({ length: 10 }, (_, i) => 'u' + (i + 3)));
  assert.deepEqual(client.stats, { dropped: 3, sent: 10, failed: 0, queued: 0 });
});

test('alternating 500 and 200: every event arrives exactly once', async (t) => {
  const { srv, client } = await setup(t);
  srv.state.exposureMode = 'alternate';
  for (let i = 0; i < 5; i++) client.create('Split', ctx('a' + i));
  await client.flush(); // 503: kept
  assert.equal(client.stats.queued, 5);
  for (let i = 0; i < 3; i++) client.create('Split', ctx('b' + i));
  await client.flush(); // 200
  assert.equal(client.stats.queued, 0);
  for (let i = 0; i < 2; i++) client.create('Split', ctx('c' + i));
  await client.flush(); // 503
  await client.flush(); // 200
  const values = srv.accepted().map((e) => e.unit.value);
  assert.deepEqual(values, ['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'c0', 'c1']);
  assert.equal(client.stats.sent, 10);
});

test('a batch whose answer was lost after the sink read it is sent again, each event as it was: a sink deduplicates on the whole event', async (t) => {
  const { srv, client } = await setup(t, { now: undefined });
  srv.state.exposureMode = 'drop'; // the body is read, then the connection reset
  client.create('Split', ctx('1'));
  client.create('PaymentProcessor', ctx('2', 'CA'));
  await client.flush();
  assert.equal(client.stats.queued, 2);
  await sleep(5); // a later clock: the timestamps must still be the first ones
  srv.state.exposureMode = 'ok';
  await client.flush();
  const [lost, resent] = srv.state.exposureRequests.map((r) => JSON.parse(r.body).events);
  assert.equal(lost.length, 2);
  assert.deepEqual(resent, lost);
});

test('a 408 (the server gave up waiting for the body) keeps the batch for a retry: every event arrives once', async (t) => {
  const { srv, client } = await setup(t);
  srv.state.exposureMode = '408';
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  await client.flush();
  assert.deepEqual(client.stats, { dropped: 0, sent: 0, failed: 0, queued: 2 });
  srv.state.exposureMode = 'ok';
  await client.flush();
  assert.deepEqual(srv.accepted().map((e) => e.unit.value), ['1', '2']);
  assert.deepEqual(client.stats, { dropped: 0, sent: 2, failed: 0, queued: 0 });
});

test('other 4xx drop the batch and count it as failed', async (t) => {
  const { srv, client } = await setup(t);
  srv.state.exposureMode = '400';
  const errors = [];
  client.on('error', (e) => errors.push(e));
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  await client.flush();
  assert.deepEqual(client.stats, { dropped: 0, sent: 0, failed: 2, queued: 0 });
  assert.equal(errors[0].status, 400);
  assert.match(errors[0].message, /^feats-edge: http:\/\/127\.0\.0\.1:\d+\/\S+ answered 400: 2 exposure events dropped \(stats\.failed\)$/);
  srv.state.exposureMode = 'ok';
  await client.flush();
  assert.equal(srv.state.exposureRequests.length, 1);
});

/**
 * A client whose exposure POSTs `fetch` answers, closed after the test:
 * two events created and flushed; the `error` events it said.
 * @param {any} t @param {(url: string, init: any) => Promise<any>} fetch
 */
async function twoPosted(t, fetch) {
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: 'http://127.0.0.1:9/exposures', flushInterval: 0, fetch });
  t.after(() => client.close());
  /** @type {any[]} */
  const errors = [];
  client.on('error', (e) => errors.push(e));
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  await client.flush();
  return { client, errors };
}

test('the last 4xx (499) drops the batch as 400 does; the first 5xx (500) keeps it for a retry', async (t) => {
  for (const [status, stats] of [[499, { dropped: 0, sent: 0, failed: 2, queued: 0 }], [500, { dropped: 0, sent: 0, failed: 0, queued: 2 }]]) {
    const { client, errors } = await twoPosted(t, async () => new Response(null, { status }));
    assert.deepEqual(client.stats, stats, `answered ${status}`);
    assert.equal(errors[0].status, status);
  }
});

test('a redirect of an exposure POST as a page reads it (opaqueredirect, status 0) is said as a redirect, counted as 300, and the batch dropped', async (t) => {
  const answer = { status: 0, type: 'opaqueredirect', headers: new Headers(), body: null };
  const { client, errors } = await twoPosted(t, async () => answer);
  assert.deepEqual(errors.map((e) => [e.message, e.status]), [[
    'feats-edge: http://127.0.0.1:9/exposures answered a redirect (exposures are not sent on to another URL; give exposureUrl the one it leads to): 2 exposure events dropped (stats.failed)', 300,
  ]]);
  assert.deepEqual(client.stats, { dropped: 0, sent: 0, failed: 2, queued: 0 });
});

test('a 413 sends the batch again in halves, down to one event, which alone is dropped', async (t) => {
  const { srv, client } = await setup(t, { maxBatch: 20 });
  srv.state.exposureMode = '413';
  srv.state.maxBody = 1000; // about four events
  const errors = [];
  client.on('error', (e) => errors.push(e));
  for (let i = 0; i < 10; i++) client.create('Split', ctx('u' + i));
  client.create('Split', ctx('x'.repeat(2000))); // too large alone
  client.create('Split', ctx('u10'));
  await client.flush();
  // The event too large alone ends that flush: the next one sends the rest.
  assert.deepEqual(client.stats, { dropped: 0, sent: 10, failed: 1, queued: 1 });
  await client.flush();
  assert.deepEqual(srv.accepted().map((e) => e.unit.value), Array.from({ length: 11 }, (_, i) => 'u' + i));
  assert.ok(srv.state.exposureRequests.every((r) => r.status === 204 || r.status === 413));
  assert.deepEqual(client.stats, { dropped: 0, sent: 11, failed: 1, queued: 0 });
  assert.ok(errors.every((e) => e.status === 413));
  assert.match(errors[0].message, /answered 413: its 12 exposure events are sent again in batches of 6 \(a smaller maxBatch avoids this\)$/);
  const drops = errors.filter((e) => /dropped/.test(e.message));
  assert.equal(drops.length, 1);
  assert.match(drops[0].message, /answered 413: 1 exposure event dropped \(stats\.failed\)$/);
});

test('a sink that answers 413 to anything gets a few requests per flush, not one per event', async (t) => {
  const { srv, client } = await setup(t, { maxBatch: 20 });
  srv.state.exposureMode = '413';
  srv.state.maxBody = 0;
  for (let i = 0; i < 12; i++) client.create('Split', ctx('u' + i));
  await client.flush();
  // 12, 6, 3, 2 events, then 1 alone: dropped, and the flush ends.
  assert.deepEqual(srv.state.exposureRequests.map((r) => JSON.parse(r.body).events.length), [12, 6, 3, 2, 1]);
  assert.deepEqual(client.stats, { dropped: 0, sent: 0, failed: 1, queued: 11 });
});

test('a flush during another sends its own events at once, and resolves when both are answered', async (t) => {
  const srv = await startServer();
  let release;
  const gate = new Promise((r) => (release = r));
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, now: () => NOW,
    fetch: async (url, init) => {
      if (JSON.parse(init.body).events[0].unit.value === '1') await gate; // the first POST hangs until released
      return fetch(url, init);
    },
  });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  client.create('Split', ctx('1'));
  const first = client.flush();
  client.create('Split', ctx('2'));
  let secondDone = false;
  const second = client.flush().then(() => (secondDone = true));
  await until(() => srv.state.exposureRequests.length === 1, 3000, 'the second POST, not held up by the first');
  assert.deepEqual(JSON.parse(srv.state.exposureRequests[0].body).events.map((e) => e.unit.value), ['2']);
  await sleep(50);
  assert.equal(secondDone, false, 'the second flush waits for the first POST too');
  release();
  await Promise.all([first, second]);
  assert.deepEqual(srv.state.exposureRequests.map((r) => JSON.parse(r.body).events.map((e) => e.unit.value)).sort(), [['1'], ['2']]);
  assert.equal(client.stats.sent, 2);
  assert.equal(client.stats.queued, 0);
});

test('no request carries context data other than the unit', async (t) => {
  const { srv, client } = await setup(t, { snapshotUrl: undefined });
  const PP = client.feature('PaymentProcessor', { acme: () => 1, premium: () => 2, aperture: () => 3 });
  for (let i = 0; i < 5; i++) {
    const c = ctx('user-' + i, 'CA');
    c.request = { ip: '10.1.2.3', cookie: SECRET };
    client.create('Split', c);
    client.create('Random', c);
    client.create('Fixed', c);
    client.isEnabled('Dark', c);
    client.isEnabled('ImageProcessing', c);
    PP.create(c);
    client.usedImplementation('PaymentProcessor', 'aperture', c);
  }
  await client.flush();
  assert.ok(srv.accepted().length > 10);
  for (const raw of srv.state.raw) {
    assert.ok(!raw.includes(SECRET), raw);
    assert.ok(!raw.includes('10.1.2.3'), raw);
    assert.ok(!raw.includes('"CA"'), raw);
  }
  for (const e of srv.accepted()) assert.ok(e.unit === null || /^user-\d$/.test(e.unit.value));
});

test('without exposureUrl nothing is reported, and sticky still records', async () => {
  const sticky = new Map();
  let calls = 0;
  const client = await createClient({ snapshot: snapshot('r1'), sticky, fetch: () => (calls++, Promise.reject(new Error('no'))) });
  client.create('Fixed', ctx('7'));
  client.usedImplementation('Random', 'b', ctx('7'));
  await client.flush();
  assert.equal(calls, 0);
  assert.equal(client.stats.queued, 0);
  assert.equal(sticky.get('exp/7'), 'b');
  assert.equal(sticky.get('fixed/7'), client.findImplementation('Fixed', ctx('7')));
  await client.close();
});

test('close() sends what is waiting one last time', async (t) => {
  const srv = await startServer();
  t.after(() => srv.close());
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, now: () => NOW });
  client.create('Split', ctx('1'));
  await client.close();
  assert.equal(srv.accepted().length, 1);
});

test('deduplication forgets the least recently used keys first: units still in use are not reported again', async (t) => {
  const { client } = await setup(t, { maxQueue: 100_000, maxBatch: 100_000 });
  // 50 010 units: ten more than the keys remembered.
  for (let i = 0; i < 50_010; i++) client.create('Split', ctx(`u${i}`));
  assert.equal(client.stats.queued, 50_010);
  for (let i = 10; i < 1010; i++) client.create('Split', ctx(`u${i}`));
  assert.equal(client.stats.queued, 50_010, 'remembered units are not queued again');
  client.create('Split', ctx('u0'));
  assert.equal(client.stats.queued, 50_011, 'the least recently used unit was forgotten');
});

test('isEnabled on a feature that is not boolean answers false and records nothing', async (t) => {
  const sticky = new Map();
  const { srv, client } = await setup(t, { sticky });
  assert.equal(client.isEnabled('Fixed', ctx('7')), false); // an experiment of a and b
  assert.equal(client.isEnabled('PaymentProcessor', ctx('7')), false);
  assert.deepEqual([...sticky], [], 'no assignment stored');
  await client.flush();
  assert.equal(srv.state.exposureRequests.length, 0, 'no exposure');
  // A boolean feature is reported as before.
  assert.equal(client.isEnabled('Dark', ctx('7', 'CA')), true);
  await client.flush();
  assert.deepEqual(srv.accepted().map((e) => [e.feature, e.implementation]), [['Dark', 'true']]);
});

test('isEnabled on a multi feature whose implementations are named true and false answers false and records nothing', async (t) => {
  const sticky = new Map();
  const doc = snapshot('r1');
  doc.features.Named = { inputs: ['user'], implementations: ['false', 'true', 'maybe'], default: 'true' };
  const srv = await startServer({ snapshot: doc });
  const client = await createClient({ snapshot: doc, exposureUrl: srv.exposureUrl, flushInterval: 0, sticky, now: () => NOW });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  assert.equal(client.findImplementation('Named', ctx('7')), 'true');
  assert.equal(client.isEnabled('Named', ctx('7')), false);
  assert.equal(client.isEnabled('Missing', ctx('7')), false);
  await client.flush();
  assert.equal(srv.state.exposureRequests.length, 0, 'no exposure');
  // After evaluate-all has listed the features, the answer is the same.
  client.findImplementations(ctx('7'));
  assert.equal(client.isEnabled('Named', ctx('7')), false);
  assert.equal(client.isEnabled('ImageProcessing', ctx('7')), true);
  await client.flush();
  assert.deepEqual(srv.accepted().map((e) => [e.feature, e.implementation]), [['ImageProcessing', 'true']]);
});

test('a handle entry that is not a function (a value, a getter that throws) is no factory: the default is built, nothing throws', async (t) => {
  const { srv, client } = await setup(t);
  const PP = client.feature('PaymentProcessor', { acme: () => 'ACME', premium: 'not a function' }, { default: 'acme' });
  assert.equal(PP.create(ctx('1', 'CA')), 'ACME');
  const trap = new Proxy({ acme: () => 'ACME' }, { get: (o, k) => (k === 'premium' ? assert.fail('read') : o[k]), getOwnPropertyDescriptor: (o, k) => { if (k === 'premium') throw new Error('trap'); return Reflect.getOwnPropertyDescriptor(o, k); } });
  assert.equal(client.feature('PaymentProcessor', trap, { default: 'acme' }).create(ctx('2', 'CA')), 'ACME');
  // A factory called as a method of the object it came from.
  const impls = { tag: 'T', acme() { return `acme-${this.tag}`; } };
  assert.equal(client.feature('PaymentProcessor', impls, { default: 'acme' }).create(ctx('3', 'DE')), 'acme-T');
  // The methods of a class are factories too, called on the instance; what
  // every object has (toString, constructor) is none.
  class Processors {
    tag = 'C';
    acme() { return `acme-${this.tag}`; }
  }
  assert.equal(client.feature('PaymentProcessor', new Processors(), { default: 'acme' }).create(ctx('4', 'DE')), 'acme-C');
  for (const name of ['toString', 'constructor', 'hasOwnProperty']) {
    assert.equal(client.feature('Undeclared', new Processors(), { default: name }).create(ctx('5', 'DE')), undefined, name);
  }
  await client.flush();
  const got = srv.accepted().map((e) => [e.unit?.value ?? null, e.implementation, e.reason]);
  // Each time the code default, no rule's choice: one event (no unit).
  assert.deepEqual(got, [[null, 'acme', 'DEFAULT']]);
});

test('a handle without a factory for the chosen implementation builds its default and reports a default, not the rule', async (t) => {
  const sticky = new Map();
  const { srv, client } = await setup(t, { sticky });
  // Fixed is an experiment of a and b; this code only knows a.
  const chosen = client.details('Fixed', ctx('7')).implementation;
  const handle = client.feature('Fixed', { a: () => 'built a' }, { default: 'a' });
  const unit = chosen === 'b' ? '7' : ['8', '9', '10', '11', '12', '13'].find((u) => client.details('Fixed', ctx(u)).implementation === 'b');
  assert.equal(handle.create(ctx(unit)), 'built a');
  assert.equal(sticky.size, 0, 'no arm of the experiment recorded');
  await client.flush();
  const [event] = srv.accepted();
  assert.deepEqual([event.implementation, event.reason, event.rule, event.experiment, event.unit], ['a', 'DEFAULT', null, null, null]);
});

test("an 'exposure' listener that another adds while an event is said hears the events after it, not that one", async (t) => {
  const client = await createClient({ snapshot: snapshot('r1'), now: () => NOW });
  t.after(() => client.close());
  const later = [];
  let added = false;
  client.on('exposure', () => added || ((added = true), client.on('exposure', (e) => later.push(e.unit.value))));
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  assert.deepEqual(later, ['2']);
});

test("'exposure' listeners get each event as it is queued, with or without exposureUrl; a copy, once per (feature, implementation, unit)", async (t) => {
  const { srv, client } = await setup(t);
  const heard = [];
  const off = client.on('exposure', (e) => {
    heard.push(structuredClone(e));
    // What a listener changes is not what is sent.
    e.feature = 'changed';
    e.unit.value = 'changed';
  });
  client.on('exposure', () => { throw new Error('a listener that throws'); });
  const impl = client.create('Split', ctx('42'));
  client.create('Split', ctx('42'));
  client.usedImplementation('Nope', 'x', ctx('42')); // not declared: no exposure
  assert.equal(client.isEnabled('Dark', ctx('42', 'CA')), true);
  await client.flush();
  const sent = srv.state.exposureRequests.flatMap((r) => JSON.parse(r.body).events);
  assert.deepEqual(heard, sent);
  assert.deepEqual(heard.map((e) => [e.feature, e.implementation, e.unit?.value ?? null]), [['Split', impl, '42'], ['Dark', 'true', null]]);
  assert.deepEqual(Object.keys(heard[0]).sort(), FIELDS);
  assert.ok(!JSON.stringify(heard).includes(SECRET), 'no context beyond the unit');
  off();
  client.create('Split', ctx('43'));
  assert.equal(heard.length, 2, 'a listener removed hears nothing');

  // Without exposureUrl: nothing is sent, the listeners still hear each use once.
  const local = await createClient({ snapshot: snapshot('r1'), now: () => NOW });
  t.after(() => local.close());
  const mine = [];
  // A use with neither a sink nor a listener is no one's: a listener added
  // afterwards hears the next use of it.
  local.create('Split', ctx('7'));
  local.on('exposure', (e) => mine.push(e));
  local.create('Split', ctx('7'));
  local.create('Split', ctx('7'));
  local.feature('PaymentProcessor', { acme: () => 1, premium: () => 2 }, { default: 'acme' }).create(ctx('7', 'CA'));
  assert.deepEqual(mine.map((e) => [e.feature, e.unit?.value ?? null, e.revision, e.timestamp]), [
    ['Split', '7', 'r1', '2026-11-22T10:00:00.000Z'],
    ['PaymentProcessor', null, 'r1', '2026-11-22T10:00:00.000Z'],
  ]);
  assert.deepEqual(local.stats, { sent: 0, failed: 0, dropped: 0, queued: 0 });
  // Closed: nothing more.
  await local.close();
  local.create('Split', ctx('8'));
  assert.equal(mine.length, 2);
});

test('async listeners that reject (exposure, update, error) change nothing and leave no unhandled rejection', async (t) => {
  longBackoff(t); // (no retry of the 500 while the test listens)
  const srv = await startServer({ snapshot: snapshot('r1') });
  const client = await createClient({ snapshotUrl: srv.snapshotUrl, exposureUrl: srv.exposureUrl, flushInterval: 0, refreshInterval: 0, retryDelay: 60_000 });
  t.after(async () => {
    await client.close();
    await srv.close();
  });
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  const heard = [];
  for (const type of ['exposure', 'update', 'error']) {
    client.on(type, async () => {
      heard.push(type);
      throw new Error(`an analytics call for ${type} failed`);
    });
  }
  client.create('Split', ctx('9'));
  srv.state.snapshot = snapshot('r2');
  srv.state.etag = '"v2"';
  await client.refresh();
  srv.state.mode = '500';
  await client.refresh();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(heard, ['exposure', 'update', 'error']);
  assert.deepEqual(unhandled, []);
  await client.flush();
  assert.equal(srv.state.exposureRequests.flatMap((r) => JSON.parse(r.body).events).length, 1);
});

test('a listener added or removed by a listener: as DOM events, the one added hears the next event, not this one', async (t) => {
  const { client } = await setup(t);
  // A listener that subscribes again as a new function each time (a
  // component re-subscribing as it renders): called once per event. (It
  // stops after 50 turns: once per event, that is far more than the test
  // makes; called again at once, it looped forever.)
  let turns = 0, off;
  const subscribe = () => (off = client.on('exposure', () => (off(), ++turns < 50 && subscribe())));
  subscribe();
  client.create('Split', ctx('1'));
  assert.equal(turns, 1, 'the listener added during the event did not hear it');
  client.create('Split', ctx('2'));
  assert.equal(turns, 2);

  const heard = [];
  client.on('update', (e) => {
    heard.push(`first ${e.changed}`);
    client.on('update', (e) => heard.push(`added ${e.changed}`));
  });
  // One removed by an earlier listener of the same event is not called.
  const second = () => heard.push('removed');
  client.on('update', () => client.on('update', second)());
  client.on('update', second);
  client.override('Split', 'on');
  assert.deepEqual(heard, ['first Split']);
  client.override('Dark', 'true');
  assert.deepEqual(heard, ['first Split', 'first Dark', 'added Dark']);
});

test("an 'exposure' listener that closes the client: the event it heard is sent by close", async (t) => {
  const srv = await startServer({ snapshot: snapshot('r1') });
  t.after(() => srv.close());
  const client = await createClient({ snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0 });
  let closing;
  client.on('exposure', () => (closing ??= client.close()));
  client.create('Split', ctx('5'));
  await closing;
  assert.deepEqual(srv.state.exposureRequests.flatMap((r) => JSON.parse(r.body).events).map((e) => e.unit.value), ['5']);
});

test("an 'error' listener that closes the client when a POST fails: close sends the batch that failed", async (t) => {
  const { srv, client } = await setup(t);
  srv.state.exposureMode = '500';
  let closing;
  // (The sink is back by the time close sends: a shutdown after an outage.)
  client.on('error', () => ((srv.state.exposureMode = 'ok'), (closing ??= client.close())));
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  await client.flush();
  await closing;
  assert.deepEqual(srv.state.exposureRequests.map((r) => r.status), [503, 204]);
  assert.deepEqual(srv.accepted().map((e) => e.unit.value), ['1', '2']);
  assert.deepEqual(client.stats, { dropped: 0, sent: 2, failed: 0, queued: 0 });
});

test("an 'error' listener sees the failed batch back in the queue, counted once", async (t) => {
  const { srv, client } = await setup(t);
  srv.state.exposureMode = '500';
  const queued = [];
  client.on('error', () => queued.push(client.stats.queued));
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  await client.flush();
  assert.deepEqual(queued, [2]);
});

test('a client remembers the last 50 000 keys it reported: a unit is reported again once 50 000 others came after it, and one used meanwhile is not', async (t) => {
  const client = await createClient({ snapshot: snapshot('r1') });
  t.after(() => client.close());
  const reported = [];
  client.on('exposure', (e) => reported.push(e.unit.value));
  await sleep(0);
  for (let i = 0; i < 50_000; i++) {
    client.create('Split', ctx(`u${i}`));
    if (i === 25_000) client.create('Split', ctx('u1')); // renewed: the most recent again
  }
  client.create('Split', ctx('u1'));
  assert.equal(reported.filter((u) => u === 'u0').length, 1);
  client.create('Split', ctx('u50000')); // the 50 001st: u0, the least recently used, is forgotten
  client.create('Split', ctx('u0'));
  client.create('Split', ctx('u1'));
  await sleep(0);
  assert.deepEqual([reported.filter((u) => u === 'u0').length, reported.filter((u) => u === 'u1').length], [2, 1]);
});

/** Each exposure POST's units, in order. */
const posted = (srv) => srv.state.exposureRequests.map((r) => JSON.parse(r.body).events.map((e) => e.unit.value));

/**
 * A client whose exposure POSTs wait while `held()` says so (a `fetch`
 * option in front of the real one), for a test about what comes in
 * while one is under way.
 */
async function gated(t, options = {}) {
  const srv = await startServer();
  let release = () => {};
  let hold = true;
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: srv.exposureUrl, flushInterval: 0, now: () => NOW, ...options,
    fetch: async (url, init) => {
      if (hold) await new Promise((r) => (release = r));
      return fetch(url, init);
    },
  });
  t.after(async () => {
    hold = false;
    release();
    await client.close();
    await srv.close();
  });
  return { srv, client, release: () => ((hold = false), release()) };
}

test('a flush sends what waited when it began: events queued while its POST is under way wait for the next', async (t) => {
  const { srv, client, release } = await gated(t);
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2'));
  const flushed = client.flush();
  client.create('Split', ctx('3'));
  release();
  await flushed;
  assert.deepEqual(posted(srv), [['1', '2']]);
  assert.equal(client.stats.queued, 1);
  await client.flush();
  assert.deepEqual(posted(srv), [['1', '2'], ['3']]);
});

test('full batches that waited while a POST was under way go when it is answered, without a flush', async (t) => {
  const { srv, client, release } = await gated(t, { maxBatch: 2 });
  client.create('Split', ctx('1'));
  client.create('Split', ctx('2')); // a full batch: sent at once (held)
  client.create('Split', ctx('3'));
  client.create('Split', ctx('4')); // full again, while the first is under way
  await sleep(30);
  assert.equal(client.stats.queued, 4);
  release();
  await until(() => srv.state.exposureRequests.length === 2, 3000, 'the second batch');
  assert.deepEqual(posted(srv), [['1', '2'], ['3', '4']]);
});

test('a failed batch ends its flush when it is to be retried, not when it is dropped', async (t) => {
  longBackoff(t); // (the retry after the first 503 a minute away: only flush() sends)
  const { srv, client } = await setup(t, { maxBatch: 2, retryDelay: 60_000 });
  client.on('error', () => {});
  srv.state.exposureMode = '500';
  for (const id of ['1', '2', '3', '4']) client.create('Split', ctx(id)); // the first two go at once
  await until(() => srv.state.exposureRequests.length === 1, 3000, 'the first batch');
  await sleep(30);
  // A 503: the batch goes back, and this flush sends no more (one POST, not one per batch).
  await client.flush();
  assert.deepEqual(posted(srv), [['1', '2'], ['1', '2']]);
  assert.equal(client.stats.queued, 4);
  // A 400: the batch is dropped, and the flush goes on with the next.
  srv.state.exposureMode = '400';
  await client.flush();
  assert.deepEqual(posted(srv).slice(2), [['1', '2'], ['3', '4']]);
  assert.deepEqual(client.stats, { dropped: 0, sent: 0, failed: 4, queued: 0 });
});

test('retries of a failing sink wait longer each time: retryDelay doubled at each failure', async (t) => {
  longBackoff(t); // (each step at its ceiling: 100, 200, 400 ms)
  const { srv, client } = await setup(t, { retryDelay: 100 });
  client.on('error', () => {});
  srv.state.exposureMode = '500';
  client.create('Split', ctx('1'));
  await client.flush();
  await until(() => srv.state.exposureRequests.length === 4, 3000, 'three retries');
  const times = srv.state.exposureRequests.map((r) => r.time);
  const gaps = times.slice(1).map((x, i) => x - times[i]);
  assert.ok(gaps[0] >= 90 && gaps[1] >= 190 && gaps[2] >= 390, `gaps ${gaps.map(Math.round)} ms`);
});

test('the body of an answer to a POST is let go, not left unread (it would hold its connection)', async (t) => {
  let cancelled = 0;
  const client = await createClient({
    snapshot: snapshot('r1'), exposureUrl: 'http://127.0.0.1:9/exposures', flushInterval: 0,
    fetch: async () => new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(1024)), cancel: () => void cancelled++ }), { status: 200 }),
  });
  t.after(() => client.close());
  client.create('Split', ctx('1'));
  await client.flush();
  assert.deepEqual([client.stats.sent, cancelled], [1, 1]);
});

test("a `now` option's time stamps the events up to the last time a Date holds (8.64e15 ms); past it, or not a number, the wall clock does", async () => {
  const stamps = [];
  for (const t of [8.64e15, -8.64e15, 8.64e15 + 1, NaN, 'soon']) {
    const client = await createClient({ snapshot: snapshot('r1'), now: () => t });
    client.on('exposure', (e) => stamps.push(e.timestamp));
    client.create('Split', ctx('1'));
    await client.close();
  }
  assert.deepEqual(stamps.slice(0, 2), ['+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z']);
  for (const s of stamps.slice(2)) assert.ok(Math.abs(Date.parse(s) - Date.now()) < 60_000, s);
});
