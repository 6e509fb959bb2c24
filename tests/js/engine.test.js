// The wasm engine in Node: the shared bucket vectors, the SPEC's API, and
// parity with the native build (the `feats-edge` binary) on the example
// snapshots and on contexts that exercise JavaScript value rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { init, Engine, SnapshotError, bucket } from 'feats-edge';
import { tempDir } from './helpers/tmp.js';

const root = new URL('../../', import.meta.url);
const read = (p) => readFileSync(new URL(p, root), 'utf8');
const cli = new URL('target/debug/feats-edge', root).pathname;

await init();

test('the 1 000 shared bucket vectors', () => {
  const { cases } = JSON.parse(read('tests/vectors/buckets.json'));
  assert.equal(cases.length, 1000);
  const wrong = cases.filter((c) => bucket(c.salt, c.unit) !== c.bucket);
  assert.deepEqual(wrong, []);
});

// The bindings name the module's imports with a hash of the crate's
// version: equal versions are what makes the .wasm of another release
// refuse to pair with this JavaScript (see `start` in pkg/index.js).
test("the npm package's version is the crate's", () => {
  const crate = /^version = "([^"]+)"$/m.exec(read('Cargo.toml'))?.[1];
  assert.equal(JSON.parse(read('pkg/package.json')).version, crate);
});

test('a snapshot still on its way (a promise not awaited, the Response it came in) is refused saying so', async () => {
  const text = read('examples/shop.json');
  const refused = (snapshot) => { try { new Engine(snapshot); } catch (e) { return e; } };
  for (const [snapshot, said] of [[Promise.resolve(text), /^the snapshot is a Promise: await it/], [new Response(text), /^the snapshot is a Response: give its text \(await res\.text\(\)\)/]]) {
    const e = refused(snapshot);
    assert.ok(e instanceof SnapshotError, String(e));
    assert.match(e.message, said);
    assert.equal(e.path, '');
  }
  // What they hold loads.
  assert.equal(new Engine(await new Response(text).text()).revision, '2026-11-22.7');
});

test('an Engine given to new Engine is refused saying so, freed or not (it was read as a snapshot without schema)', () => {
  const engine = new Engine(read('examples/shop.json'));
  const refused = () => { try { new Engine(engine); } catch (e) { return e; } };
  for (const e of [refused(), (engine.free(), refused())]) {
    assert.ok(e instanceof SnapshotError, String(e));
    assert.match(e.message, /^the snapshot is an Engine already: use it as it is/);
    assert.equal(e.path, '');
  }
});

test('engine metadata: revision, problems, features', () => {
  const e = new Engine(read('examples/shop.json'));
  assert.equal(e.revision, '2026-11-22.7');
  assert.deepEqual(e.problems, []);
  assert.deepEqual(e.features.find((f) => f.name === 'PaymentProcessor'),
    { name: 'PaymentProcessor', type: 'multi', implementations: ['acme', 'premium', 'aperture'], default: 'acme', inputs: ['user'] });
  assert.deepEqual(e.features.find((f) => f.name === 'ImageProcessing'),
    { name: 'ImageProcessing', type: 'boolean', implementations: ['true', 'false'], default: 'true', inputs: [] });
  // Inputs as declared, also those no segment converts.
  const declared = new Engine({ schema: 1, segments: { UserId: { from: { user: '{id}' } } },
    features: { A: { inputs: ['account', 'user', 'request'], implementations: ['x'], default: 'x' }, B: { inputs: ['request'], implementations: ['x'], default: 'x' } } });
  assert.deepEqual(declared.features.map((f) => f.inputs), [['account', 'user', 'request'], ['request']]);
  const broken = new Engine({ schema: 1, features: { F: { implementations: ['a'], defualt: 'a' } } });
  assert.deepEqual(broken.problems.map((p) => p.path), ['/features/F/defualt', '/features/F']);
  assert.equal(broken.evaluate('F', {}).errorCode, 'PARSE_ERROR');
});

test('whole-snapshot errors throw SnapshotError with a pointer', () => {
  for (const [text, path, words] of [
    ['{"schema": 2}', '/schema', 'unsupported schema'],
    ['{"schema": 1,\n "features": {,}}', '/features', 'line 2, column 15'],
    ['[]', '', 'must be a JSON object'],
  ]) {
    assert.throws(() => new Engine(text), (err) => err instanceof SnapshotError && err.path === path && err.message.includes(words));
  }
  const cyclic = {};
  cyclic.self = cyclic;
  assert.throws(() => new Engine(cyclic), SnapshotError);
});

test('details follow the SPEC, fast paths agree with them', () => {
  const e = new Engine(read('examples/shop.json'));
  const user = { id: 'u-1', address: { country_code: 'US' } };
  let inRollout = 0;
  for (let i = 0; i < 2000; i++) {
    user.id = `u-${i}`;
    const d = e.evaluate('PaymentProcessor', { user });
    assert.equal(e.implementation('PaymentProcessor', { user }), d.implementation);
    if (bucket('PaymentProcessor', user.id) < 500) {
      inRollout++;
      assert.deepEqual(d, { feature: 'PaymentProcessor', implementation: 'aperture', reason: 'SPLIT', rule: 1, experiment: null,
        unit: { segment: 'UserId', value: user.id }, stickyKey: null, errorCode: null, revision: '2026-11-22.7' });
    } else {
      assert.equal(d.reason, 'DEFAULT');
    }
  }
  assert.ok(inRollout > 50 && inRollout < 150, `${inRollout}`);
  const ctx = { user: { id: 'u-7' }, request: { ip: '10.0.0.1', app_version: '2.4.0' } };
  const all = e.evaluateAll(ctx);
  assert.deepEqual(e.implementations(ctx), Object.fromEntries(Object.entries(all).map(([k, d]) => [k, d.implementation])));
  assert.equal(all.NewCheckout.implementation, 'true');
  assert.equal(all.NewCheckout.reason, 'TARGETING_MATCH');
});

test('unknown features, bad contexts, kill switch, sticky map and store', () => {
  const e = new Engine(read('examples/novi.json'));
  assert.equal(e.implementation('Nope', {}), null);
  assert.equal(e.evaluate('Nope', {}).errorCode, 'FLAG_NOT_FOUND');
  for (const bad of [null, [], 42, 'user', undefined]) {
    const d = e.evaluate('SearchEngine', bad);
    assert.equal(d.implementation, 'legacy');
    assert.equal(d.errorCode, 'INVALID_CONTEXT');
  }
  assert.equal(e.evaluate('Recommendations', { user: { id: 1 } }).reason, 'DISABLED');
  const shop = new Engine(read('examples/shop.json'));
  const key = 'priorities-2026/u-7';
  for (const sticky of [{ [key]: 'two_priorities' }, new Map([[key, 'two_priorities']])]) {
    const d = shop.evaluate('AllowedPriorities', { user: { id: 'u-7' } }, { sticky });
    assert.equal(d.implementation, 'two_priorities');
    assert.equal(d.reason, 'STICKY');
    assert.equal(d.stickyKey, key);
  }
});

test('a sticky assignment is honoured by every way of evaluating', () => {
  const shop = new Engine(read('examples/shop.json'));
  const names = shop.features.map((f) => f.name);
  assert.ok(names.indexOf('AllowedPriorities') > 0, 'not the first feature: a wrong feature index would show');
  const ctx = { user: { id: 'u-7' } };
  const plain = shop.implementation('AllowedPriorities', ctx);
  const impls = shop.features.find((f) => f.name === 'AllowedPriorities').implementations;
  const other = impls.find((i) => i !== plain);
  const sticky = { 'priorities-2026/u-7': other };
  assert.equal(shop.implementation('AllowedPriorities', ctx, { sticky }), other);
  assert.equal(shop.implementations(ctx, { sticky }).AllowedPriorities, other);
  assert.equal(shop.evaluate('AllowedPriorities', ctx, { sticky }).implementation, other);
  const all = shop.evaluateAll(ctx, { sticky }).AllowedPriorities;
  assert.equal(all.implementation, other);
  assert.equal(all.reason, 'STICKY');
  // Evaluated without the store, each way gives the bucket's choice again.
  assert.equal(shop.evaluateAll(ctx).AllowedPriorities.implementation, plain);
});

test('evaluate with opts.used gives the evaluation that served a used implementation (random experiments are not drawn again)', () => {
  const e = new Engine({
    schema: 1, segments: { UserId: { from: { user: '{id}' } } },
    features: { R: { inputs: ['user'], implementations: ['a', 'b', 'c'], default: 'a',
      rules: [{ experiment: { name: 'x', by: 'UserId', random: true, weights: { b: 1, c: 1 } } }, { serve: 'a' }] } },
  });
  const ctx = { user: { id: 'u' } };
  // Without `used`, 98 % of draws fall through to `serve: a`.
  for (let i = 0; i < 20; i++) {
    const d = e.evaluate('R', ctx, { used: 'c' });
    assert.deepEqual([d.implementation, d.reason, d.rule, d.experiment, d.stickyKey], ['c', 'SPLIT', 0, 'x', 'x/u']);
  }
  assert.deepEqual([e.evaluate('R', ctx, { used: 'a' }).reason, e.evaluate('R', ctx, { used: 'zzz' }).rule], ['TARGETING_MATCH', 1]);
  // A sticky assignment still wins.
  assert.equal(e.evaluate('R', ctx, { used: 'c', sticky: { 'x/u': 'b' } }).implementation, 'b');
});

test('time windows use opts.now', async () => {
  const e = new Engine(read('examples/novi.json'));
  const at = (iso) => e.implementation('SaleBanner', { user: { id: 1 } }, { now: Date.parse(iso) });
  assert.equal(at('2023-11-25T23:59:59.999Z'), 'false');
  assert.equal(at('2023-11-26T00:00:00Z'), 'true');
  assert.equal(at('2023-11-28T00:00:00Z'), 'false');
  // Not a finite number (an unreadable date): the clock's time, as without `now`.
  const clock = () => Date.parse('2023-11-26T12:00:00Z');
  for (const now of [NaN, Infinity, -Infinity, '2023-11-26', new Date(NaN), {}, { valueOf: () => 0 }]) {
    assert.equal(e.implementation('SaleBanner', { user: { id: 1 } }, { now, clock }), 'true', String(now));
  }
  // A Date is its instant, in every call that takes `now`.
  const before = new Date('2023-11-25T23:59:59.999Z'), inside = new Date('2023-11-26T00:00:00Z');
  assert.deepEqual([before, inside].map((now) => e.implementation('SaleBanner', { user: { id: 1 } }, { now, clock })), ['false', 'true']);
  assert.equal(e.evaluate('SaleBanner', { user: { id: 1 } }, { now: before, clock }).implementation, 'false');
  assert.equal(e.implementations({ user: { id: 1 } }, { now: before, clock }).SaleBanner, 'false');
  assert.equal(e.evaluateAll({ user: { id: 1 } }, { now: before, clock }).SaleBanner.implementation, 'false');
  // A Date of another realm too (an iframe's, a vm context's).
  const { runInNewContext } = await import('node:vm');
  assert.equal(e.implementation('SaleBanner', { user: { id: 1 } }, { now: runInNewContext('new Date("2023-11-25T12:00:00Z")'), clock }), 'false');
  // A fraction of a millisecond is dropped towards the past (as the command
  // line's --now), before 1970 too: -1.5 ms has not reached -1 ms.
  const epoch = new Engine({ schema: 1, features: { F: { implementations: ['old', 'new'], default: 'old',
    rules: [{ when: { after: '1969-12-31T23:59:59.999Z' }, serve: 'new' }] } } });
  for (const [now, want] of [[-1.5, 'old'], [-1, 'new'], [-0.5, 'new'], [-2, 'old']]) {
    assert.equal(epoch.implementation('F', {}, { now }), want, String(now));
    assert.equal(epoch.implementation('F', {}, { clock: () => now }), want, `clock ${now}`);
  }
  const start = Date.parse('2023-11-26T00:00:00Z');
  assert.equal(e.implementation('SaleBanner', { user: { id: 1 } }, { now: start - 0.5 }), 'false');
});

test('simulate splits units as the weights say', () => {
  const e = new Engine(read('examples/shop.json'));
  const sim = e.simulate('AllowedPriorities', 100000);
  assert.equal(sim.segment, 'UserId');
  assert.ok(Math.abs(sim.counts.no_priority / 1000 - 34) < 1);
  assert.ok(Math.abs(sim.counts.two_priorities / 1000 - 33) < 1);
  assert.throws(() => e.simulate('ImageProcessing', 10), /no split or experiment/);
  // A name that is no string is read as String(name), as evaluate reads it, and named so.
  assert.throws(() => e.simulate(Symbol('Nope'), 10), (err) => err.constructor === Error && err.message === 'cannot simulate Symbol(Nope): no such feature');
  // A count the command line refuses is refused here too, before any work
  // (-1 wrapped to 2^32 - 1 units ran for minutes).
  for (const units of [-1, 0, 2.5, NaN, Infinity, 4294967297, 1e8 + 1, '10', null, undefined]) {
    assert.throws(() => e.simulate('AllowedPriorities', units), (err) => err instanceof RangeError
      && err.message === `cannot simulate AllowedPriorities: units must be a whole number from 1 to 100000000, not ${typeof units == 'string' ? `the string "${units}"` : String(units)}`, String(units));
  }
  assert.equal(e.simulate('AllowedPriorities', 1).units, 1);
  // A context that is no object, as the command line's --context: refused
  // (every unit would get the default, a share that says nothing).
  for (const [context, kind] of [[[], 'an array'], [null, 'null'], ['x', 'a string'], [42, 'a number']]) {
    assert.throws(() => e.simulate('AllowedPriorities', 10, context), (err) => err instanceof TypeError
      && err.message === `cannot simulate AllowedPriorities: the context must be an object, not ${kind}`, kind);
  }
});

// Contexts whose values JavaScript and Rust must render the same way.
const parity = {
  schema: 1, revision: 'parity',
  segments: { N: { from: { user: '{n}' } }, Both: { from: { user: '{a.b}-{n}' } }, Id: { from: { user: '{id}' } } },
  features: {
    ByN: { inputs: ['user'], implementations: ['x', 'y'], default: 'x', rules: [{ split: { by: 'N', weights: { x: 50, y: 50 } } }] },
    ByBoth: { inputs: ['user'], implementations: ['x', 'y'], default: 'x', rules: [{ split: { by: 'Both', weights: { x: 50, y: 50 } } }] },
    Big: { inputs: ['user'], implementations: ['x', 'y'], default: 'x', rules: [{ when: { segment: 'N', gte: 1e21 }, serve: 'y' }] },
  },
};
const values = [0, -0, 42, -7, 1.5, 0.1, 1e21, 1e-7, 123456789.123, 2 ** 53 + 2, true, false, '', 'é', '中文', 'a\u0000b', null, [], {}, [1]];

test('parity with the native build on rendering and on the examples', () => {
  assert.ok(existsSync(cli), `${cli} is missing: build it with cargo build (./dev test does)`);
  const now = Date.parse('2026-11-22T10:00:00Z');
  const dir = tempDir('parity');
  const cases = [];
  for (const n of values) cases.push(['parity', parity, { user: { n, a: { b: n }, id: 1 } }]);
  const users = [{ id: 42, address: { country_code: 'US' } }, { id: 'u-7', address: { country_code: 'CA' } }, { id: 3, plan: 'pro' }, {}];
  for (const user of users) {
    cases.push(['shop', JSON.parse(read('examples/shop.json')), { user, request: { ip: '2001:db8::5', app_version: '2.3.1', device: 'ios' } }]);
    cases.push(['novi', JSON.parse(read('examples/novi.json')), { user: { ...user, email: 'x@example.com', age: 30, country: 'NL' } }]);
  }
  for (const [name, snapshot, ctx] of cases) {
    const text = JSON.stringify(snapshot);
    const file = join(dir, `${name}.json`);
    writeFileSync(file, text);
    const native = JSON.parse(execFileSync(cli, ['eval', file, '--context', JSON.stringify(ctx), '--now', '2026-11-22T10:00:00Z']));
    const wasm = new Engine(text).evaluateAll(ctx, { now });
    assert.deepEqual(wasm, native, `${name} ${JSON.stringify(ctx)}`);
  }
});

test('simulate keeps the placeholders of the unit segment that the context fills: the members of one organization', () => {
  // `{org}:{id}` behind a rule for acme: with the organization given, the
  // units are acme:1, acme:2, … (both placeholders took the unit's number,
  // 1:1, 2:2, …, and no unit met the rule: 100 % old).
  const e = new Engine({ schema: 1, segments: { Member: { from: { user: '{org}:{id}' } }, Org: { from: { user: '{org}' } } },
    features: { F: { inputs: ['user'], implementations: ['old', 'new'], default: 'old',
      rules: [{ when: { segment: 'Org', in: ['acme'] }, split: { by: 'Member', weights: { new: 50 } } }] } } });
  const counts = { old: 0, new: 0 };
  for (let n = 1; n <= 2000; n++) counts[e.implementation('F', { user: { org: 'acme', id: String(n) } })]++;
  assert.ok(counts.new > 900 && counts.new < 1100, JSON.stringify(counts));
  assert.deepEqual(e.simulate('F', 2000, { user: { org: 'acme' } }).counts, counts);
  // Both given: both vary, as with neither.
  assert.deepEqual(e.simulate('F', 100, { user: { org: 'acme', id: '7' } }).counts, { old: 100, new: 0 });
});

test('simulate gives what the native build gives: unit segments of one and two values, named or not, any context', () => {
  assert.ok(existsSync(cli), `${cli} is missing: build it with cargo build (./dev test does)`);
  const dir = tempDir('simulate');
  const files = { parity, shop: JSON.parse(read('examples/shop.json')), novi: JSON.parse(read('examples/novi.json')) };
  const user = { id: 42, n: 7, a: { b: 'q' }, address: { country_code: 'CA' }, plan: 'pro', email: 'x@example.com', age: 30, country: 'NL' };
  // (A context that is no object is refused by both: see above and tests/cli.rs.)
  const contexts = [{}, { user }, { user: { ...user, address: { country_code: 'US' } }, request: { ip: '2001:db8::5', app_version: '2.3.1', device: 'ios' } }, { user: 5 }];
  const cases = [
    ['parity', 'ByN', undefined], ['parity', 'ByBoth', undefined], ['parity', 'Big', 'N'], ['parity', 'ByBoth', 'Both'],
    ['shop', 'AllowedPriorities', undefined], ['shop', 'PaymentProcessor', undefined], ['shop', 'NewCheckout', undefined],
    ['shop', 'PaymentProcessor', 'Country'], ['novi', 'SearchEngine', undefined], ['novi', 'BetaArea', 'Email'],
  ];
  let compared = 0;
  for (const [file, feature, by] of cases) {
    const path = join(dir, `${file}.json`);
    writeFileSync(path, JSON.stringify(files[file]));
    const engine = new Engine(files[file]);
    for (const ctx of contexts) {
      const args = ['simulate', path, '--feature', feature, '--units', '3000', '--context', JSON.stringify(ctx), '--now', '2026-11-22T10:00:00Z', '--json'];
      if (by) args.push('--by', by);
      const native = JSON.parse(execFileSync(cli, args));
      const wasm = engine.simulate(feature, 3000, ctx, { by, now: Date.parse('2026-11-22T10:00:00Z') });
      const label = `${file} ${feature} by ${by} ${JSON.stringify(ctx)}`;
      assert.equal(wasm.segment, native.by, label);
      const counts = Object.fromEntries(Object.entries(native.implementations).map(([k, v]) => [k, v.units]));
      const none = counts['(null)'] ?? 0;
      delete counts['(null)'];
      for (const name of Object.keys(wasm.counts)) counts[name] ??= 0;
      assert.deepEqual({ ...wasm.counts, none: wasm.none }, { ...counts, none }, label);
      compared++;
    }
  }
  assert.equal(compared, cases.length * contexts.length);
  // What cannot be simulated is refused alike.
  for (const [feature, by, message] of [['ByN', 'Both', "the feature does not read segment 'Both'"], ['ByN', 'Nope', "no segment is named 'Nope'"], ['Big', undefined, 'the feature has no split or experiment'], ['Nope', undefined, 'no such feature']]) {
    const args = ['simulate', join(dir, 'parity.json'), '--feature', feature, '--units', '10', ...(by ? ['--by', by] : [])];
    assert.throws(() => execFileSync(cli, args, { stdio: 'pipe' }), (e) => e.stderr.toString().includes(message));
    assert.throws(() => new Engine(parity).simulate(feature, 10, {}, { by }), (e) => e.message.includes(message));
  }
  // A split that depends on the context: its simulation must see it.
  const shop = new Engine(files.shop);
  const ca = shop.simulate('PaymentProcessor', 3000, { user });
  const us = shop.simulate('PaymentProcessor', 3000, { user: { ...user, address: { country_code: 'US' } } });
  assert.notDeepEqual(ca.counts, us.counts);
});

test('the generic context reader (used where code generation is forbidden) agrees with the generated one', () => {
  const generated = new Engine(read('examples/shop.json'));
  const generic = new Engine(read('examples/shop.json'));
  assert.ok(generic._codegen(), 'Node allows code generation');
  generic._codegen = () => false; // as in Workers: nothing compiled yet, nothing will be
  const contexts = [
    { user: { id: 42, address: { country_code: 'CA', subdivision_code: 'QC' }, plan: 'pro' }, request: { ip: '10.0.0.1', app_version: '2.3.0' } },
    { user: { id: 'é', address: ['CA'] }, request: null },
    { user: [], request: { ip: '::ffff:10.0.0.1', device: 'ios' } },
    { user: { id: true, address: { country_code: 5e-7 } } },
    {},
  ];
  // Evaluate-all builds its result by a loop for its first calls, then by a
  // generated constructor: cover both.
  for (const ctx of [...contexts, ...contexts, ...contexts, ...contexts]) {
    assert.deepEqual(generic.evaluateAll(ctx, { now: 0 }), generated.evaluateAll(ctx, { now: 0 }));
    assert.deepEqual(generic.implementations(ctx, { now: 0 }), generated.implementations(ctx, { now: 0 }));
    for (const f of generated.features) assert.equal(generic.implementation(f.name, ctx, { now: 0 }), generated.implementation(f.name, ctx, { now: 0 }));
  }
  assert.equal(typeof generated._all.plan.write, 'function');
  assert.equal(generic._all.plan.write, false);
  assert.equal(typeof generated._all.shape, 'function');
  assert.equal(generic._all.shape, false);
  const throwing = { get user() { throw new Error('no'); } };
  assert.equal(generic.evaluate('PaymentProcessor', throwing).errorCode, 'INVALID_CONTEXT');
  assert.equal(generated.evaluate('PaymentProcessor', throwing).errorCode, 'INVALID_CONTEXT');
});

test('evaluate-all of a large snapshot (built by a loop past 400 features) agrees with one-by-one', () => {
  const features = {};
  for (let i = 0; i < 1200; i++) {
    features[`f${i}`] = { inputs: ['user'], implementations: ['a', 'b', 'c'], default: 'c',
      rules: [{ when: { segment: 'Country', in: ['US', 'CA'] }, split: { by: 'UserId', weights: { a: 50, b: 50 } } }] };
  }
  features.f7.rules = 'broken';
  const big = new Engine(JSON.stringify({ schema: 1, segments: { Country: { from: { user: '{country}' } }, UserId: { from: { user: '{id}' } } }, features }));
  const contexts = [{ user: { id: 'u-1', country: 'US' } }, { user: { id: 'u-2', country: 'NL' } }, { user: 7 }];
  for (let k = 0; k < 20; k++) {
    const ctx = contexts[k % 3];
    const all = big.implementations(ctx);
    assert.equal(Object.keys(all).length, 1200);
    if (k < 3 || k > 16) for (const name of Object.keys(features)) assert.equal(all[name], big.implementation(name, ctx), name);
  }
  assert.equal(big._all.shape, false, 'no generated constructor past 400 features');
});

test('evaluate-all results are plain objects, one property per feature in order, on either side of the generated constructor\'s limit', () => {
  for (const n of [400, 401]) {
    const features = {};
    for (let i = 0; i < n; i++) features[`f${i}`] = { implementations: ['a', 'b'], default: i % 2 ? 'a' : 'b' };
    features.f3 = { implementations: ['a', 'b'], rules: 'broken' };
    const e = new Engine({ schema: 1, features });
    for (let k = 0; k < 20; k++) {
      const all = e.implementations({});
      assert.equal(Object.getPrototypeOf(all), Object.prototype);
      assert.deepEqual(Object.keys(all), Object.keys(features));
      assert.equal(all.f0, 'b');
      assert.equal(all.f1, 'a');
      assert.equal(all.f3, null, 'a broken feature without a default has no implementation');
      assert.equal(e.implementation('f3', {}), null);
      assert.ok(Object.hasOwn(all, 'f3'));
    }
    assert.equal(typeof e._all.shape, n <= 400 ? 'function' : 'boolean', `${n} features`);
  }
});

test('a feature or an input named __proto__ is an ordinary name', () => {
  // As JSON text: in an object literal "__proto__" would set the prototype.
  // The segment reads the first of its inputs that the context holds.
  const text = `{"schema": 1,
    "segments": {"Id": {"from": {"__proto__": "{id}", "user": "{id}"}}},
    "features": {
      "__proto__": {"inputs": ["__proto__", "user"], "implementations": ["on", "off"], "default": "off",
                    "rules": [{"when": {"segment": "Id", "in": ["7"]}, "serve": "on"}]},
      "after": {"implementations": ["x"], "default": "x"}}}`;
  const e = new Engine(text);
  assert.deepEqual(e.problems, []);
  // Contexts as JSON text gives them, and what the native build answers.
  const cases = [['{}', 'off'], ['{"__proto__": {"id": 7}}', 'on'], ['{"user": {"id": 7}}', 'on'], ['{"__proto__": 5, "user": {"id": 7}}', 'on']];
  for (const codegen of [true, false]) {
    e._codegen = () => codegen;
    // Plans, readers and evaluate-all's result builder start over.
    e._all = undefined;
    e._shared.clear();
    e._plans.fill(undefined);
    for (let k = 0; k < 20; k++) {
      for (const [json, want] of cases) {
        const ctx = JSON.parse(json);
        const all = e.implementations(ctx);
        assert.equal(Object.getPrototypeOf(all), Object.prototype);
        assert.deepEqual(Object.entries(all), [['__proto__', want], ['after', 'x']], `${json}, call ${k}, codegen ${codegen}`);
        // An ordinary property: the application may change or delete it.
        assert.deepEqual(Object.getOwnPropertyDescriptor(all, '__proto__'), { value: want, writable: true, enumerable: true, configurable: true });
        assert.equal(e.implementation('__proto__', ctx), want, json);
        assert.equal(e.evaluate('__proto__', ctx).implementation, want, json);
      }
    }
    assert.equal(typeof e._all.shape, codegen ? 'function' : 'boolean');
    assert.equal(typeof e._all.plan.write, codegen ? 'function' : 'boolean');
  }
});

test('a context getter that evaluates with another engine and grows the wasm memory does not leave the answer unwritten', () => {
  const text = JSON.stringify({
    schema: 1, segments: { V: { from: { user: '{v}' } } },
    features: { F: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ when: { segment: 'V', in: ['third'] }, serve: 'b' }] } },
  });
  const a = new Engine(text), b = new Engine(text);
  let grown = 0;
  const ctx = {
    user: {
      get v() {
        // Another engine, a 4 MiB value: wasm memory grows, A's views detach.
        b.evaluate('F', { user: { v: 'x'.repeat((4 << 20) + grown++) } });
        return 'third';
      },
    },
  };
  for (let i = 0; i < 3; i++) {
    const d = a.evaluate('F', ctx);
    assert.deepEqual([d.implementation, d.reason], ['b', 'TARGETING_MATCH'], `round ${i}`);
  }
  a.free();
  b.free();
});

test('sticky assignments of experiments by different units, in one call: each read under its own unit', () => {
  // Units of one length, experiment names of one length: each lookup's key
  // is written where the one before it was.
  const snap = { schema: 1, segments: { UserId: { from: { user: '{id}' } }, DeviceId: { from: { device: '{id}' } } },
    features: {
      F1: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ experiment: { name: 'e1', by: 'UserId', weights: { a: 0, b: 0 } } }] },
      F2: { inputs: ['device'], implementations: ['a', 'b'], default: 'a', rules: [{ experiment: { name: 'e2', by: 'DeviceId', weights: { a: 0, b: 0 } } }] },
    } };
  const e = new Engine(snap);
  const ctx = { user: { id: 'u1' }, device: { id: 'd1' } };
  for (const sticky of [{ 'e1/u1': 'b', 'e2/d1': 'b' }, new Map([['e1/u1', 'b'], ['e2/d1', 'b']])]) {
    assert.deepEqual(e.implementations(ctx, { sticky }), { F1: 'b', F2: 'b' });
    const all = e.evaluateAll(ctx, { sticky });
    assert.deepEqual([all.F1.reason, all.F1.stickyKey, all.F2.reason, all.F2.stickyKey], ['STICKY', 'e1/u1', 'STICKY', 'e2/d1']);
  }
  assert.deepEqual(e.implementations(ctx, { sticky: { 'e1/u1': 'b', 'e2/u1': 'b' } }), { F1: 'b', F2: 'a' });
  e.free();
});

test('a sticky value counts only as a string that names an implementation (the command line refuses the rest)', () => {
  const snap = (impls) => JSON.stringify({
    schema: 1, segments: { UserId: { from: { user: '{id}' } } },
    features: { F: { inputs: ['user'], implementations: impls, default: impls[0],
      rules: [{ experiment: { name: 'E', by: 'UserId', weights: Object.fromEntries(impls.map((i) => [i, 0])) } }] } },
  });
  // Weights of 0: without a sticky assignment no arm serves, so the default does.
  const e = new Engine(snap(['x', '5', 'true']));
  const ctx = { user: { id: '1' } };
  assert.equal(e.evaluate('F', ctx).reason, 'DEFAULT');
  for (const value of [5, true, ['5'], { toString: () => '5' }]) {
    for (const sticky of [{ 'E/1': value }, new Map([['E/1', value]])]) {
      const d = e.evaluate('F', ctx, { sticky });
      assert.deepEqual([d.implementation, d.reason], ['x', 'DEFAULT'], `${typeof value} ${String(value)}`);
    }
  }
  assert.equal(e.evaluate('F', ctx, { sticky: { 'E/1': '5' } }).reason, 'STICKY');
  // A store whose reading throws holds nothing.
  for (const sticky of [{ get() { throw new Error('get'); } }, { get 'E/1'() { throw new Error('get'); } }]) {
    const d = e.evaluate('F', ctx, { sticky });
    assert.deepEqual([d.implementation, d.reason], ['x', 'DEFAULT']);
    assert.equal(e.implementation('F', ctx, { sticky }), 'x');
  }
});

test('a plain sticky map is read for a U+FFFD unit once per call, not once per experiment', () => {
  // A unit with a lone surrogate is looked up by its U+FFFD form; the map's
  // keys that hold lone surrogates are matched to it (as the command line's
  // JSON reader does). Listing the map's keys once per experiment made
  // evaluate-all over 10 000 keys and 100 experiments ~300 times slower.
  const n = 100;
  const features = {};
  for (let i = 0; i < n; i++) {
    features[`F${i}`] = { inputs: ['user'], implementations: ['a', 'b'], default: 'a',
      rules: [{ experiment: { name: `E${i}`, by: 'Id', weights: { a: 100 } } }] };
  }
  const e = new Engine({ schema: 1, segments: { Id: { from: { user: '{id}' } } }, features });
  const map = {};
  for (let i = 0; i < 1000; i++) map[`other/${i}`] = 'b';
  map['E3/x\uD800'] = 'b'; // the unit as written, lone surrogate and all
  map['E7/x\uFFFD'] = 'b'; // the unit's U+FFFD form
  map['E9/x\uD800'] = 'a'; // another lone surrogate with the same U+FFFD form as…
  map['E9/x\uDC00'] = 'b'; // …this one: the last in the map's order counts, as of a key given twice in JSON
  let listed = 0;
  const sticky = new Proxy(map, { ownKeys: (t) => (listed++, Reflect.ownKeys(t)) });
  const all = e.evaluateAll({ user: { id: 'x\uD800' } }, { sticky });
  assert.equal(listed, 1, 'the keys are listed once in the call');
  const sticked = Object.keys(all).filter((f) => all[f].reason === 'STICKY').sort();
  assert.deepEqual(sticked, ['F3', 'F7', 'F9']);
  assert.deepEqual([all.F3.implementation, all.F7.implementation, all.F9.implementation], ['b', 'b', 'b']);
  // Each call lists them anew (the map may have changed between calls).
  delete map['E3/x\uD800'];
  assert.equal(e.evaluate('F3', { user: { id: 'x\uD800' } }, { sticky }).reason, 'SPLIT');
  assert.equal(listed, 2);
  assert.equal(e.evaluate('F9', { user: { id: 'x\uD800' } }, { sticky }).implementation, 'b');
});

test('a freed engine answers as freed by every call, and keeps the lists it gave before', () => {
  const e = new Engine(read('examples/shop.json'));
  const features = e.features;
  e.free();
  e.free(); // twice: nothing more
  assert.deepEqual(e.features, features);
  assert.deepEqual(e.problems, []);
  assert.equal(e.implementation('AllowedPriorities', { user: { id: 'u-7' } }), null);
  assert.deepEqual(e.implementations({ user: { id: 'u-7' } }), {});
  assert.deepEqual(e.evaluateAll({ user: { id: 'u-7' } }), {});
  const d = e.evaluate('AllowedPriorities', { user: { id: 'u-7' } });
  assert.deepEqual([d.feature, d.implementation, d.reason, d.errorCode, d.revision], ['AllowedPriorities', null, 'ERROR', 'PROVIDER_NOT_READY', '2026-11-22.7']);
  assert.throws(() => e.simulate('AllowedPriorities', 10), (err) => err.message === 'cannot simulate AllowedPriorities: the engine is freed');
  // Freed before anything was listed: empty lists.
  const unlisted = new Engine(read('examples/shop.json'));
  unlisted.free();
  assert.deepEqual([unlisted.features, unlisted.problems], [[], []]);
});

test('simulate throws the error of options whose reading throws, and the engine runs the next call', () => {
  const e = new Engine(read('examples/shop.json'));
  const boom = new Error('no time');
  const ctx = { user: { id: 'u-7' } };
  assert.throws(() => e.simulate('AllowedPriorities', 10, ctx, { get now() { throw boom; } }), (err) => err === boom);
  assert.equal(e.simulate('AllowedPriorities', 10, ctx).units, 10);
  assert.equal(e.evaluate('AllowedPriorities', ctx).implementation, 'three_priorities');
});

test('implementations answers the same after the wasm memory grew between two calls', () => {
  const text = read('examples/shop.json');
  const e = new Engine(text), other = new Engine(text);
  const ctx = { user: { id: 'u-7' }, request: { ip: '10.0.0.1', app_version: '2.4.0' } };
  const first = e.implementations(ctx);
  assert.equal(Object.keys(first).length, 4);
  // Another engine's 4 MiB value: the memory grows, the views of the first detach.
  other.evaluate('AllowedPriorities', { user: { id: 'x'.repeat(4 << 20) } });
  assert.deepEqual(e.implementations(ctx), first);
  other.free();
});

test('a context value is read once per evaluation', () => {
  const e = new Engine(read('examples/shop.json'));
  let reads = 0;
  const ctx = { user: { get id() { reads++; return 'u-7'; } } };
  for (let i = 0; i < 10; i++) e.implementation('AllowedPriorities', ctx);
  e.evaluate('AllowedPriorities', ctx);
  assert.equal(reads, 11);
});

test('evaluate with opts.used: an unknown feature is still not found; without it a random experiment draws', () => {
  const e = new Engine({
    schema: 1, segments: { UserId: { from: { user: '{id}' } } },
    features: { R: { inputs: ['user'], implementations: ['a', 'b', 'c'], default: 'a',
      rules: [{ experiment: { name: 'x', by: 'UserId', random: true, weights: { b: 1, c: 1 } } }, { serve: 'a' }] } },
  });
  assert.equal(e.evaluate('Nope', {}, { used: 'a' }).errorCode, 'FLAG_NOT_FOUND');
  // 98 % of draws fall through to `serve: a`: 40 draws that all give `b` say `used` was taken as given.
  const got = new Set();
  for (let i = 0; i < 40; i++) got.add(e.evaluate('R', { user: { id: 'u' } }).implementation);
  assert.ok(got.has('a'), [...got].join());
});

test('changes names a feature the previous engine had and this one lacks, after those changed or added', () => {
  const f = (serve) => ({ implementations: ['a', 'b'], default: serve });
  // Removed first: its index in the previous engine is 0.
  const before = new Engine({ schema: 1, features: { Removed: f('a'), Kept: f('a'), Changed: f('a') } });
  const after = new Engine({ schema: 1, features: { Kept: f('a'), Changed: f('b'), Added: f('a') } });
  assert.deepEqual(after.changes(before), ['Changed', 'Added', 'Removed']);
});
