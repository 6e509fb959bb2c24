// The bad-input matrix (docs/bad-input.md) in Node, through the package:
// each row's documented outcome, and nothing thrown into the caller of an
// evaluation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { init, Engine, SnapshotError, bucket, createClient } from 'feats-edge';
import './helpers/gc.js';

await init();
const shop = readFileSync(new URL('../../examples/shop.json', import.meta.url), 'utf8');
const split = new Engine({
  schema: 1, segments: { UserId: { from: { user: '{id}' } } },
  features: { F: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ split: { by: 'UserId', weights: { a: 50, b: 50 } } }] } },
});
const expected = (unit) => (bucket('F', unit) < 5000 ? 'a' : 'b');

test('snapshots: invalid UTF-8, invalid JSON, over the limits: refused with a pointer', () => {
  // Bytes are read as UTF-8 with replacement characters (as TextDecoder does), then parsed.
  const bytes = new TextEncoder().encode('{"schema": 1, "revision": "caf\u00e9"}');
  const broken = Uint8Array.from([...bytes.slice(0, 30), 0xff, ...bytes.slice(30)]);
  assert.equal(new Engine(broken).revision, 'caf\uFFFD\u00e9');
  assert.equal(new Engine(broken.buffer).revision, 'caf\uFFFD\u00e9', 'an ArrayBuffer reads the same');
  assert.throws(() => new Engine(Uint8Array.from([0xff, 0xfe])), (e) => e instanceof SnapshotError && /invalid JSON/.test(e.message));
  // A string (encoded by TextEncoder, not checked again in wasm) and its
  // bytes (checked there) read alike: raw lone surrogates as U+FFFD, as the
  // platform's encoder writes them.
  const utf8 = (s) => new TextDecoder().decode(new TextEncoder().encode(s));
  for (const revision of ['caf\u00e9 \uD83D\uDE00', 'a\uD800b', '\uDC00', 'x\u07FF\u0800\uFFFF\uD800']) {
    const text = `{"schema": 1, "revision": "${revision}"}`;
    assert.equal(new Engine(text).revision, utf8(revision), JSON.stringify(revision));
    assert.equal(new Engine(new TextEncoder().encode(text)).revision, utf8(revision));
  }
  assert.equal(utf8('a\uD800b'), 'a\uFFFDb');
  assert.throws(() => new Engine('{"schema": 1,'), (e) => e instanceof SnapshotError && /line 1, column 14/.test(e.message));
  // A blank that is not JSON's (a no-break space pasted from a web page, a
  // zero-width space) is named by its code point: quoted, it shows nothing.
  assert.throws(() => new Engine('{"schema":\u00a01}'), (e) => e.path === '/schema'
    && e.reason.startsWith('invalid JSON: line 1, column 11: expected a value, found U+00A0, which shows as a blank or as nothing'));
  assert.throws(() => new Engine('{"schema": 1\u200b}'), (e) => e.path === ''
    && e.reason.startsWith("invalid JSON: line 1, column 13: expected ',' or '}' after an object member, found U+200B"));
  const limit = 16 * 1024 * 1024;
  const base = '{"schema": 1}';
  assert.equal(new Engine(base + ' '.repeat(limit - base.length)).revision, '');
  assert.throws(() => new Engine(base + ' '.repeat(limit - base.length + 1)), /more than the limit of 16 MiB/);
  // As bytes too (read by their length, not as text).
  assert.equal(new Engine(new TextEncoder().encode(base + ' '.repeat(limit - base.length))).revision, '');
  assert.throws(() => new Engine(new TextEncoder().encode(base + ' '.repeat(limit - base.length + 1))), /more than the limit of 16 MiB/);
  const list = { schema: 1, meta: Array.from({ length: 10_001 }, () => 0) };
  assert.throws(() => new Engine(list), (e) => e.path === '/meta' && /more than 10000 values/.test(e.message));
  assert.throws(() => new Engine(`{"schema": 1, "meta": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`), /nesting deeper than 128 levels/);
  const cyclic = { schema: 1 };
  cyclic.meta = cyclic;
  assert.throws(() => new Engine(cyclic), (e) => e instanceof SnapshotError && /cannot be serialized/.test(e.message));
});

test('snapshot bytes whose length lies (a subclass, an own property, a Proxy) are read as they are; other engines are untouched', () => {
  const snap = JSON.stringify({ schema: 1, segments: { Country: { from: { user: '{country}' } } },
    features: { Geo: { inputs: ['user'], implementations: ['x', 'y'], default: 'x',
      rules: [{ when: { segment: 'Country', in: ['CA'] }, serve: 'y' }] } } });
  const ctx = { user: { country: 'CA' } };
  // Loaded and not yet evaluated: their features compile from the text in wasm memory.
  const engines = Array.from({ length: 200 }, () => new Engine(snap));
  class Short extends Uint8Array {
    get length() { return 1; }
  }
  const own = new Uint8Array(16384).fill(0x20);
  Object.defineProperty(own, 'length', { value: 1 });
  let reads = 0;
  const growing = new Proxy(new Uint8Array(16384).fill(0x20), {
    get: (t, k) => (k === 'length' ? (reads++ ? 16384 : 1) : Reflect.get(t, k)),
  });
  const blank = (e) => e instanceof SnapshotError && /invalid JSON/.test(e.message);
  for (const [fill, bytes] of [[0, new Short(16384)], [0x20, new Short(16384).fill(0x20)], [0x20, own]]) {
    assert.throws(() => new Engine(bytes), blank, `${bytes.constructor.name} of ${fill}`);
  }
  // Nothing but blanks (a server's empty answer): said plainly.
  for (const empty of ['', ' \r\n', new Uint8Array(0)]) {
    assert.throws(() => new Engine(empty), (e) => e instanceof SnapshotError && e.message === 'invalid JSON: the snapshot is empty' && e.path === '');
  }
  // A value that is not JSON is named by its place (a feature's section is
  // read apart from the rest); an element that never began, by its list.
  for (const [text, path] of [
    ['{"schema": 1, "features": {"A": {"inputs": [], "default": tru}}}', '/features/A/default'],
    ['{"schema": 1, "revision": nul}', '/revision'],
    ['{"schema": 1, "segments": {"S": {"from": {"user": "{id}"}, "options": ["a", 01]}}}', '/segments/S/options/1'],
    ['{"schema": 1, "segments": {"S": {"from": {"user": "{id}"}, "options": ["a",]}}}', '/segments/S/options'],
  ]) {
    assert.throws(() => new Engine(text), (e) => e instanceof SnapshotError && /invalid JSON/.test(e.message) && e.path === path, text);
  }
  // A Proxy is no typed array: refused as a snapshot.
  assert.throws(() => new Engine(growing), (e) => e instanceof SnapshotError && /bytes cannot be read/.test(e.message) && e.path === '');
  // What a subclass holds is read, whatever its length says.
  const text = new TextEncoder().encode('{"schema": 1, "revision": "sub"}');
  const sub = new Short(text.length);
  sub.set(text);
  assert.equal(new Engine(sub).revision, 'sub');
  // A Proxy whose trap throws what is no Error: refused all the same.
  assert.throws(() => new Engine(new Proxy(new Uint8Array(4), { get() { throw null; } })), (e) => e instanceof SnapshotError && /bytes cannot be read/.test(e.message) && e.path === '');
  // Something that only looks like bytes is refused as a snapshot.
  assert.throws(() => new Engine(Object.create(Uint8Array.prototype)), (e) => e instanceof SnapshotError && /bytes cannot be read/.test(e.message) && e.path === '');
  for (const e of engines) assert.deepEqual([e.implementation('Geo', ctx), e.evaluate('Geo', ctx).reason], ['y', 'TARGETING_MATCH']);
});

test('snapshot bytes of another realm (a test runner\'s sandbox, an iframe) are bytes: read, not serialized as an object', async () => {
  // Jest's environments run the package in a context of their own while
  // `fs.readFileSync` answers a Buffer of Node's: `instanceof Uint8Array` is
  // false there. Such bytes were given to JSON.stringify and refused
  // (`the field 'schema' is required`).
  const text = '{"schema": 1, "revision": "other realm", "features": {"B": {"type": "boolean", "inputs": [], "default": true}}}';
  const other = vm.createContext({ text });
  const u8 = vm.runInContext('Uint8Array.from(text, (c) => c.charCodeAt(0))', other);
  const ab = vm.runInContext('Uint8Array.from(text, (c) => c.charCodeAt(0)).buffer', other);
  assert.ok(!(u8 instanceof Uint8Array) && !(ab instanceof ArrayBuffer));
  for (const bytes of [u8, ab]) {
    const e = new Engine(bytes);
    assert.equal(e.revision, 'other realm', Object.prototype.toString.call(bytes));
    assert.equal(e.implementation('B', {}), 'true');
    e.free();
  }
  // Other views and buffers are still no bytes (as in this realm).
  // (Each holding the snapshot: read as bytes, a Uint16Array of it would load.)
  for (const notBytes of [vm.runInContext('new DataView(Uint8Array.from(text, (c) => c.charCodeAt(0)).buffer)', other),
    vm.runInContext('Uint16Array.from(text, (c) => c.charCodeAt(0))', other), Uint16Array.from(text, (c) => c.charCodeAt(0))]) {
    assert.throws(() => new Engine(notBytes), (e) => e instanceof SnapshotError && /the field 'schema' is required/.test(e.message), Object.prototype.toString.call(notBytes));
  }
  // A Proxy whose getPrototypeOf trap throws (or a revoked one) is no
  // bytes: read as an object, refused with a SnapshotError when it cannot
  // be (`instanceof` threw the trap's error out of the constructor).
  const { proxy, revoke } = Proxy.revocable({ schema: 1 }, {});
  revoke();
  assert.throws(() => new Engine(proxy), (e) => e instanceof SnapshotError && /cannot be serialized/.test(e.message));
  const trap = new Proxy({ schema: 1, revision: 'proxied' }, { getPrototypeOf() { throw new Error('trap'); } });
  assert.equal(new Engine(trap).revision, 'proxied');
  // A client's bootstrap given so is given back as its text.
  const client = await createClient({ snapshot: u8 });
  assert.equal(client.revision, 'other realm');
  assert.deepEqual(client.bootstrap(), { snapshot: text });
  await client.close();
});

test('a snapshot over 16 MiB is refused before it is copied into wasm memory, which does not grow by its size', async () => {
  // In a process of its own: wasm memory never shrinks, so an earlier test
  // could have grown it enough to hide the growth. Each was copied into
  // wasm memory to be measured there, which kept its size for good (a
  // 100 MB text: 100 MB more, in a Worker limited to 128 MB); one past
  // what the memory could take trapped and was said to have exhausted it.
  const { execFileSync } = await import('node:child_process');
  const script = `
    const { Engine } = await import(${JSON.stringify(import.meta.resolve('feats-edge'))});
    const e = new Engine({ schema: 1 });
    const before = e._memory.buffer.byteLength;
    const big = 64 * 1024 * 1024;
    const text = '{"schema": 1, "revision": "' + 'x'.repeat(big) + '"}';
    const refusals = [];
    let huge = null;
    try { huge = new Uint8Array(4000 * 1024 * 1024); } catch {}
    for (const snapshot of [text, new TextEncoder().encode(text), new TextEncoder().encode(text).buffer, { schema: 1, revision: 'x'.repeat(big) }, huge]) {
      if (snapshot === null) continue;
      try { new Engine(snapshot); refusals.push('loaded'); } catch (err) { refusals.push([err.name, err.path, err.message]); }
    }
    console.log(JSON.stringify({ grown: e._memory.buffer.byteLength - before, refusals, huge: huge !== null }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 }));
  const over = (n) => ['SnapshotError', '', `the snapshot is ${n} bytes, more than the limit of 16 MiB (16777216 bytes)`];
  const n = 64 * 1024 * 1024 + '{"schema": 1, "revision": ""}'.length, m = 64 * 1024 * 1024 + '{"schema":1,"revision":""}'.length;
  assert.deepEqual(out.refusals, [over(n), over(n), over(n), over(m), ...(out.huge ? [over(4000 * 1024 * 1024)] : [])]);
  assert.ok(out.grown < 4 * 1024 * 1024, `wasm memory grew ${out.grown} bytes`);
});

test('calls made at the edge of the stack break no engine: each answers again at its next call', async () => {
  // One call per stack depth near JavaScript's limit: some overflow inside
  // wasm or in the host's clock, and the exception unwinds through wasm.
  // Those engines answered GENERAL for good (their borrow stayed taken, or
  // their busy flag: the reset in `finally` was a call that overflowed too),
  // and every later call lowered the module's stack pointer a little more.
  const snap = { schema: 1, segments: { C: { from: { user: '{c}' } } }, features: {
    T: { inputs: ['user'], implementations: ['old', 'new'], default: 'old', rules: [{ when: { after: '2020-01-01T00:00:00Z' }, serve: 'new' }] },
    G: { inputs: ['user'], implementations: ['x', 'y'], default: 'x', rules: [{ when: { segment: 'C', in: ['CA'] }, serve: 'y' }] } } };
  const ctx = { user: { c: 'CA' } };
  // Engines dropped after such a call, then collected: their finalizer's
  // free() is refused (the unwound call's reference was never released),
  // and a refusal thrown there is an uncaught error.
  const uncaught = [];
  const onUncaught = (e) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  let k = 0;
  const near = (n, call) => {
    try {
      near(n + 1, call);
    } catch {}
    try {
      call(k++);
    } catch {} // (calling anything there may throw before the call begins)
  };
  {
    const dropped = Array.from({ length: 2000 }, () => new Engine(snap));
    near(0, (i) => dropped[i]?.evaluate('T', ctx));
  }
  for (let i = 0; i < 10; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  process.off('uncaughtException', onUncaught);
  assert.deepEqual(uncaught.map((e) => e.message), []);
  const engines = Array.from({ length: 2000 }, () => new Engine(snap));
  k = 0;
  near(0, (i) => engines[i]?.evaluate('T', ctx));
  assert.ok(k >= engines.length, `${k} calls`);
  assert.deepEqual(engines.filter((e) => e.implementation('G', ctx) !== 'y').length, 0);
  assert.deepEqual(engines.filter((e) => e.evaluate('T', ctx).implementation !== 'new').length, 0);
  // The same through clients (whose engines' clock is the host's).
  const clients = [];
  for (let i = 0; i < 300; i++) clients.push(await createClient({ snapshot: snap, refreshInterval: 0 }));
  k = 0;
  near(0, (i) => clients[i]?.findImplementation('T', ctx));
  assert.deepEqual(clients.filter((c) => c.findImplementation('G', ctx) !== 'y').length, 0);
  for (const c of clients) c.close();
  for (const e of engines) e.free();
});

test('after calls at the edge of the stack, the module\'s stack pointer is back where it started once the stack is empty', async () => {
  // The package's sources, unbundled, to read the stack pointer (a module
  // instance of their own).
  const { Engine: SourceEngine } = await import('../../pkg/node.js');
  const { need } = await import('../../pkg/src/wasm.js');
  const { stack, top } = need();
  const snap = { schema: 1, features: { T: { implementations: ['old', 'new'], default: 'old', rules: [{ when: { after: '2020-01-01T00:00:00Z' }, serve: 'new' }] } } };
  const engines = Array.from({ length: 2000 }, () => new SourceEngine(snap));
  let k = 0, lowest = top;
  const near = (n) => {
    try {
      near(n + 1);
    } catch {}
    try {
      engines[k++]?.evaluate('T', {});
      lowest = Math.min(lowest, stack(0));
    } catch {}
  };
  // Under a test runner's fake timers too: Jest's hold queueMicrotask
  // until the test advances them (and drop it once they are uninstalled).
  const { queueMicrotask } = globalThis;
  globalThis.queueMicrotask = () => {};
  try {
    // Twice: a repair is queued again after the first has run.
    for (const round of [1, 2]) {
      (k = 0), (lowest = top);
      near(0);
      assert.ok(lowest < top, `round ${round}: no exception unwound through wasm: the test proves nothing`);
      await null;
      assert.equal(stack(0), top, `round ${round}`);
    }
  } finally {
    globalThis.queueMicrotask = queueMicrotask;
  }
  assert.deepEqual(engines.filter((e) => e.implementation('T', {}) !== 'new').length, 0);
  // Loads at the edge of the stack, round after round in one task: each
  // puts the pointer back itself (thousands of them ran it into the heap).
  // (Only the deepest 200 frames load: the stack's edge is there.)
  for (let round = 0; round < 20; round++) {
    let left = 200;
    const loads = (n) => {
      try {
        loads(n + 1);
      } catch {}
      if (left-- <= 0) return;
      try {
        new SourceEngine(snap).free();
      } catch {}
    };
    loads(0);
  }
  assert.equal(stack(0), top);
  assert.equal(new SourceEngine(snap).implementation('T', {}), 'new');
});

test('simulate with a `by` that is not a string reads it as String(by), and allocates nothing for it', () => {
  assert.deepEqual(split.simulate('F', 10, {}, { by: ['UserId'] }).segment, 'UserId');
  for (let i = 0; i < 5; i++) {
    assert.throws(() => split.simulate('F', 10, {}, { by: { length: 1e9 } }), /cannot simulate F: no segment is named '\[object Object\]'$/);
  }
  assert.equal(split.simulate('F', 10, {}, { by: null }).segment, 'UserId');
  // Empty, it is refused, as the command line's `--by ''` is: left out, it is the default.
  for (const by of ['', []]) assert.throws(() => split.simulate('F', 10, {}, { by }), (err) => err.constructor === Error && err.message === 'cannot simulate F: by is empty');
  assert.equal(split.simulate('F', 10, {}, {}).segment, 'UserId');
  assert.ok(split._memory.buffer.byteLength < 64 * 1024 * 1024, `${split._memory.buffer.byteLength} bytes of wasm memory`);
});

test('snapshots: duplicate keys, unknown fields, self-referring activations: problems, other features unaffected', () => {
  const e = new Engine(`{"schema": 1, "extra": true,
    "activations": {"Loop": {"when": {"activation": "Loop"}}},
    "features": {"A": {"implementations": ["x"], "default": "x", "default": "x"},
                 "B": {"implementations": ["x", "y"], "default": "x", "rules": [{"when": {"activation": "Loop"}, "serve": "y"}]},
                 "C": {"implementations": ["x"], "default": "x", "colour": 1},
                 "D": {"implementations": ["x"], "default": "x"}}}`);
  const paths = e.problems.map((p) => p.path);
  for (const p of ['/extra', '/features/A/default', '/features/C/colour']) assert.ok(paths.includes(p), `${p} in ${paths}`);
  assert.ok(e.problems.some((p) => p.message.includes('cycle: Loop → Loop')));
  for (const f of ['A', 'B', 'C']) assert.equal(e.evaluate(f, {}).errorCode, 'PARSE_ERROR');
  assert.equal(e.evaluate('D', {}).reason, 'STATIC');
  assert.equal(e.evaluate('A', {}).implementation, 'x', 'the readable default is served');
});

test('numbers: 1e400 and -0 in snapshots and contexts', () => {
  assert.throws(() => new Engine('{"schema": 1e400}'), /unsupported schema/);
  const weights = new Engine({ schema: 1, segments: { U: { from: { user: '{id}' } } },
    features: { F: { inputs: ['user'], implementations: ['a'], default: 'a', rules: [{ split: { by: 'U', weights: { a: -0 } } }] } } });
  assert.deepEqual(weights.problems, []);
  // JSON.parse turns 1e400 into Infinity; in a context it renders as "Infinity", like String(Infinity).
  assert.deepEqual(split.evaluate('F', JSON.parse('{"user": {"id": 1e400}}')).unit, { segment: 'UserId', value: 'Infinity' });
  assert.deepEqual(split.evaluate('F', { user: { id: -0 } }).unit, { segment: 'UserId', value: '0' });
  assert.deepEqual(split.evaluate('F', { user: { id: NaN } }).unit, { segment: 'UserId', value: 'NaN' });
});

test('contexts: null, arrays, cyclic objects, throwing getters, Proxies, BigInt, Symbol', () => {
  const e = new Engine(shop);
  for (const ctx of [null, undefined, [], [{ user: {} }], 42, 'user', true]) {
    assert.equal(e.evaluate('PaymentProcessor', ctx).errorCode, 'INVALID_CONTEXT', String(ctx));
    assert.equal(e.implementation('PaymentProcessor', ctx), 'acme');
  }
  const cyclic = { user: { id: 'u-1', address: { country_code: 'CA' } } };
  cyclic.user.self = cyclic.user;
  cyclic.self = cyclic;
  assert.equal(e.evaluate('PaymentProcessor', cyclic).implementation, 'premium', 'only the paths segments read are walked');
  const getter = { get user() { throw new Error('boom'); } };
  assert.equal(e.evaluate('PaymentProcessor', getter).errorCode, 'INVALID_CONTEXT');
  const proxy = new Proxy({}, { get() { throw new Error('trap'); } });
  assert.equal(e.evaluate('PaymentProcessor', proxy).errorCode, 'INVALID_CONTEXT');
  assert.equal(e.evaluate('PaymentProcessor', { user: proxy }).errorCode, 'INVALID_CONTEXT');
  assert.deepEqual(e.implementations(proxy), e.implementations([]));
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  assert.equal(e.evaluate('PaymentProcessor', { user: revoked.proxy }).errorCode, 'INVALID_CONTEXT');
  // Revoked as the whole context: even Array.isArray throws on it.
  assert.equal(e.evaluate('PaymentProcessor', revoked.proxy).errorCode, 'INVALID_CONTEXT');
  assert.equal(e.implementation('PaymentProcessor', revoked.proxy), 'acme');
  assert.equal(e.implementations(revoked.proxy).PaymentProcessor, 'acme');
  assert.equal(e.evaluateAll(revoked.proxy).PaymentProcessor.errorCode, 'INVALID_CONTEXT');
  // BigInt, Symbol and functions are not JSON values: the segment is absent.
  for (const id of [10n, Symbol('x'), () => 1]) {
    const d = split.evaluate('F', { user: { id } });
    assert.equal(d.reason, 'DEFAULT');
    assert.equal(d.unit, null);
  }
});

test('context values that are objects are read as JSON carries them: a Date as its ISO text, a URL as its href, toJSON, boxed primitives', async () => {
  const { runInNewContext } = await import('node:vm');
  const unit = (id) => split.evaluate('F', { user: { id } }).unit?.value ?? null;
  const day = new Date('2019-05-01T00:00:00Z');
  for (const [id, want] of [
    [day, '2019-05-01T00:00:00.000Z'],
    [runInNewContext('new Date(Date.UTC(2019, 4, 1))'), '2019-05-01T00:00:00.000Z'], // another realm's
    [new Date(Date.UTC(10000, 0, 1)), '+010000-01-01T00:00:00.000Z'],
    [new URL('https://example.com/a?b=1'), 'https://example.com/a?b=1'],
    [{ toJSON: () => 'u-7' }, 'u-7'],
    [{ toJSON: () => 42 }, '42'],
    [new Number(5), '5'],
    [new String('u-8'), 'u-8'],
    [new Boolean(false), 'false'],
    [new Date(NaN), null], // JSON's null: absent
    [{ toJSON: () => NaN }, null],
    [new Number(Infinity), null],
    [{ toJSON: () => ({ nested: 1 }) }, null],
    [{ toJSON: () => ({ toJSON: () => 'u-11' }) }, null], // (called once: JSON writes `{}`)
    [{ toJSON: (key) => (key === '' ? 'u-12' : key) }, 'u-12'], // (given the key "", as at the top of JSON text)
    [{ toJSON: 'not a function' }, null],
    [{}, null],
    // Boxed by brand, of any realm, converted as JSON converts them.
    [runInNewContext('new Number(6)'), '6'],
    [runInNewContext('new String("u-9")'), 'u-9'],
    [Object.assign(new String('zz'), { toString: () => 'u-10' }), 'u-10'],
    [Object.create(Number.prototype), null], // not a boxed number: `{}` in JSON
  ]) {
    assert.equal(unit(id), want, String(want));
    // The command line, reading the context as JSON, sees the same.
    assert.equal(unit(JSON.parse(JSON.stringify(id)) ?? undefined), want === null ? null : want);
  }
  assert.equal(split.implementation('F', { user: { id: day } }), expected(day.toISOString()));
  // A toJSON that throws (a Proxy around a Date too: not a Date) leaves that
  // value absent; the context's other values are read, in evaluate-all too.
  const both = new Engine({
    schema: 1, segments: { UserId: { from: { user: '{id}' } }, Name: { from: { user: '{name}' } } },
    features: {
      F: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ split: { by: 'UserId', weights: { a: 50, b: 50 } } }] },
      G: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ when: { segment: 'Name', in: ['N'] }, serve: 'b' }] },
    },
  });
  for (const id of [{ toJSON() { throw new Error('no'); } }, new Proxy(day, {}), { get toJSON() { throw new Error('no'); } }]) {
    const d = both.evaluate('F', { user: { id, name: 'N' } });
    assert.deepEqual([d.reason, d.unit, d.errorCode], ['DEFAULT', null, null]);
    const all = both.evaluateAll({ user: { id, name: 'N' } });
    assert.deepEqual([all.F.reason, all.G.implementation], ['DEFAULT', 'b']);
  }
});

test('an evaluation started inside another on the same engine is not run (GENERAL); the outer one is unaffected', () => {
  const e = new Engine(shop);
  const user = (id, inner) => ({ user: { address: { country_code: 'US' }, get id() { inner(); return id; } } });
  const plain = (id) => e.evaluate('PaymentProcessor', { user: { id, address: { country_code: 'US' } } });
  const seen = [];
  // Each way in, from a context getter, 50 units: the outer result is the plain one.
  const nested = [
    () => seen.push(e.implementation('PaymentProcessor', { user: { id: 'x', address: { country_code: 'CA' } } })),
    () => seen.push(e.evaluate('PaymentProcessor', { user: { id: 'x', address: { country_code: 'CA' } } })),
    () => seen.push(e.implementations({ user: { id: 'x', address: { country_code: 'CA' } } })),
    () => seen.push(e.evaluateAll({ user: { id: 'x', address: { country_code: 'CA' } } })),
  ];
  for (let i = 0; i < 50; i++) {
    const id = `u-${i}`, want = plain(id);
    for (const inner of nested) {
      assert.deepEqual(e.evaluate('PaymentProcessor', user(id, inner)), want, id);
      assert.equal(e.implementation('PaymentProcessor', user(id, inner)), want.implementation, id);
      assert.equal(e.implementations(user(id, inner)).PaymentProcessor, want.implementation, id);
      assert.deepEqual(e.evaluateAll(user(id, inner)).PaymentProcessor, want, id);
    }
  }
  assert.ok(seen.length >= 800);
  for (const r of seen) {
    if (r === null) continue; // implementation(): null
    if ('errorCode' in r) assert.equal(r.errorCode, 'GENERAL');
    else assert.deepEqual(r, {}); // implementations() and evaluateAll(): nothing
  }
  assert.ok(seen.includes(null));
  let refused;
  e.evaluate('PaymentProcessor', user('u', () => { try { e.simulate('PaymentProcessor', 10); } catch (err) { refused = err; } }));
  assert.match(String(refused?.message), /called during an evaluation/);
  // From a sticky store: the experiment's own lookup runs inside the evaluation.
  const x = new Engine({ schema: 1, segments: { UserId: { from: { user: '{id}' } } }, features: {
    X: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ experiment: { name: 'x', by: 'UserId', weights: { a: 50, b: 50 } } }] } } });
  const sticky = { get: (k) => (x.evaluate('X', { user: { id: 'other' } }).errorCode === 'GENERAL' ? (k === 'x/u-1' ? 'b' : undefined) : 'a') };
  const d = x.evaluate('X', { user: { id: 'u-1' } }, { sticky });
  assert.deepEqual([d.implementation, d.reason, d.stickyKey, d.unit.value], ['b', 'STICKY', 'x/u-1', 'u-1']);
  // A freed engine answers as one with nothing loaded, and throws nothing.
  x.free();
  assert.equal(x.implementation('X', { user: { id: 'u-1' } }), null);
  assert.equal(x.evaluate('X', { user: { id: 'u-1' } }).errorCode, 'PROVIDER_NOT_READY');
  assert.deepEqual(x.implementations({}), {});
});

test('free() from inside an evaluation (a getter, sticky store or clock) takes effect when it ends; nothing throws, nothing leaks', () => {
  const text = JSON.stringify({ schema: 1, segments: { UserId: { from: { user: '{id}' } } }, features: {
    X: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [
      { when: { after: '2000-01-01T00:00:00Z' }, experiment: { name: 'x', by: 'UserId', weights: { a: 50, b: 50 } } }] } } });
  const calls = {
    implementation: (e, ctx, o) => e.implementation('X', ctx, o),
    evaluate: (e, ctx, o) => e.evaluate('X', ctx, o).implementation,
    implementations: (e, ctx, o) => e.implementations(ctx, o).X,
    evaluateAll: (e, ctx, o) => e.evaluateAll(ctx, o).X?.implementation,
  };
  const want = split.evaluate('F', { user: { id: 'u-1' } }) && new Engine(text).implementation('X', { user: { id: 'u-1' } });
  for (const [name, call] of Object.entries(calls)) {
    for (const from of ['getter', 'sticky', 'clock']) {
      const e = new Engine(text);
      const ctx = from === 'getter' ? { user: { get id() { e.free(); return 'u-1'; } } } : { user: { id: 'u-1' } };
      const opts = from === 'sticky' ? { sticky: { get: () => { e.free(); } } } : from === 'clock' ? { clock: () => { e.free(); return Date.now(); } } : undefined;
      assert.equal(call(e, ctx, opts), want, `${name} from a ${from}: the evaluation under way finishes`);
      // Freed now: answers as with nothing loaded, and throws nothing.
      assert.equal(e.implementation('X', { user: { id: 'u-1' } }), null, `${name} ${from}`);
      assert.equal(e.evaluate('X', { user: { id: 'u-1' } }).errorCode, 'PROVIDER_NOT_READY', `${name} ${from}`);
      assert.deepEqual(e.implementations({}), {}, `${name} ${from}`);
      assert.deepEqual(e.evaluateAll({}), {}, `${name} ${from}`);
    }
  }
  // simulate too: it gave its counts, not a TypeError from the freed engine.
  const counts = new Engine(text).simulate('X', 1000, { user: { id: 'u-1' } });
  for (const from of ['getter', 'sticky', 'clock']) {
    const e = new Engine(text);
    const ctx = from === 'getter' ? { user: { get id() { e.free(); return 'u-1'; } } } : { user: { id: 'u-1' } };
    const opts = from === 'sticky' ? { sticky: { get: () => { e.free(); } } } : from === 'clock' ? { clock: () => { e.free(); return Date.now(); } } : undefined;
    assert.deepEqual(e.simulate('X', 1000, ctx, opts), counts, `simulate from a ${from}`);
    assert.equal(e.evaluate('X', { user: { id: 'u-1' } }).errorCode, 'PROVIDER_NOT_READY', `simulate ${from}`);
  }
});

test('options whose getters throw: the evaluation answers, nothing is thrown', () => {
  const bad = { get now() { throw new Error('now'); }, get sticky() { throw new Error('sticky'); } };
  assert.equal(split.implementation('F', { user: { id: 'u' } }, bad), null);
  assert.deepEqual([split.evaluate('F', { user: { id: 'u' } }, bad).reason, split.evaluate('F', { user: { id: 'u' } }, bad).errorCode], ['ERROR', 'GENERAL']);
  assert.deepEqual(split.implementations({ user: { id: 'u' } }, bad), {});
  assert.deepEqual(split.evaluateAll({ user: { id: 'u' } }, bad), {});
  assert.equal(split.implementation('F', { user: { id: 'u' } }), expected('u'), 'the engine is unaffected');
});

test('a long context value grows the wasm memory by about its UTF-8 length, not three bytes a character', () => {
  const e = new Engine(JSON.stringify({ schema: 1, segments: { UserId: { from: { user: '{id}' } } }, features: {
    F: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ split: { by: 'UserId', weights: { a: 50, b: 50 } } }] } } }));
  const memory = () => e._memory.buffer.byteLength;
  const before = memory();
  const id = 'x'.repeat(24 << 20); // 24 MiB of ASCII
  assert.equal(e.implementation('F', { user: { id } }), expected(id));
  const grown = memory() - before;
  // The scratch area takes the 24 MiB (and, while it moves, its old copy is freed); at 3 bytes a character it took 72 MiB and more.
  assert.ok(grown < 56 << 20, `the memory grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
  e.free();
});

test('problems whose compiling traps (memory exhausted) are one problem that says so, not an exception', () => {
  const e = new Engine(shop);
  // (A trap takes gigabytes to provoke: the call into wasm is made to throw as one does.)
  const raw = e._raw;
  e._raw = new Proxy(raw, { get: (t, k) => (k === 'problems' ? () => { throw new WebAssembly.RuntimeError('unreachable'); } : Reflect.get(t, k)) });
  assert.deepEqual(e.problems, [{ path: '', message: 'the features could not all be compiled: unreachable (is the WebAssembly memory exhausted?)' }]);
  e._raw = raw;
  assert.deepEqual(e.problems, []);
  e.free();
});

test('a clock that throws, or reads no finite number, reads as Date.now()', () => {
  const e = new Engine({ schema: 1, features: { W: { implementations: ['old', 'new'], default: 'old', rules: [{ when: { after: '2000-01-01T00:00:00Z' }, serve: 'new' }] } } });
  assert.equal(e.implementation('W', {}, { clock: () => { throw new Error('clock'); } }), 'new');
  assert.equal(e.evaluate('W', {}, { clock: () => { throw new Error('clock'); } }).implementation, 'new');
  // As `now` that is no finite number (an unreadable date), and as the
  // client's `now` option: not 1970 (NaN) or the end of time (Infinity).
  for (const t of [NaN, undefined, 'soon', Infinity, -Infinity]) {
    assert.equal(e.implementation('W', {}, { clock: () => t }), 'new', String(t));
    assert.equal(e.evaluate('W', {}, { clock: () => t }).implementation, 'new', String(t));
    assert.equal(e.implementations({}, { clock: () => t }).W, 'new', String(t));
  }
  const before = new Engine({ schema: 1, features: { W: { implementations: ['old', 'new'], default: 'old', rules: [{ when: { before: '2000-01-01T00:00:00Z' }, serve: 'old' }, { serve: 'new' }] } } });
  assert.equal(before.implementation('W', {}, { clock: () => new Date('unreadable').getTime() }), 'new');
});

test('a context value that fits the scratch area only by its exact UTF-8 length is written whole, and the area does not grow', () => {
  const e = new Engine({ schema: 1, segments: { UserId: { from: { user: '{id}' } } },
    features: { F: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ split: { by: 'UserId', weights: { a: 50, b: 50 } } }] } } });
  e.implementation('F', { user: { id: 'first' } });
  const cap = e._cap, room = cap - e._strings;
  // Characters of 1 to 4 bytes (those at each length's bounds too), lone
  // surrogates (3 bytes each, as U+FFFD) after each kind, and pairs; the
  // rest ASCII, up to the last byte.
  const tail = '\u007f\u0080\u07ff\u0800\uffff\u20ac\udc00\u00e9\udc00\udc00\udc00\ud800x\ud800\u00e9\ud83d\ude00\ud800\udc00\udbff\udfff\udfff';
  const id = 'x'.repeat(room - new TextEncoder().encode(tail).length) + tail;
  assert.ok(3 * id.length > room, 'three bytes a character would not fit');
  assert.equal(new TextEncoder().encode(id).length, room);
  const d = e.evaluate('F', { user: { id } });
  assert.equal(d.unit.value, id.toWellFormed());
  assert.equal(d.implementation, expected(id.toWellFormed()));
  assert.equal(e._cap, cap, 'the scratch area grew');
  // One byte more, where memory cannot grow (as near its 4 GiB): the value is absent.
  const raw = e._raw;
  e._raw = new Proxy(raw, { get: (t, k) => (k === 'reserve' ? () => {} : Reflect.get(t, k)) });
  const over = e.evaluate('F', { user: { id: `${id}x` } });
  assert.deepEqual([over.implementation, over.reason, over.unit], ['a', 'DEFAULT', null]);
  e._raw = raw;
  assert.equal(e.evaluate('F', { user: { id } }).unit.value, id.toWellFormed());
  e.free();
  // Absent alone: the values read before and after it are as given.
  const two = new Engine({ schema: 1, segments: { UserId: { from: { user: '{id}' } }, Country: { from: { user: '{country}' } } },
    features: { F: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ when: { segment: 'Country', in: ['US'] }, serve: 'b' }, { split: { by: 'UserId', weights: { a: 50, b: 50 } } }] } } });
  two.implementation('F', { user: { id: 'first', country: 'US' } });
  const twoRaw = two._raw;
  two._raw = new Proxy(twoRaw, { get: (t, k) => (k === 'reserve' ? () => {} : Reflect.get(t, k)) });
  // (The second: the country's place still says where the first one's was,
  // now the start of the id's bytes: "US" again, were it not marked absent.)
  for (const user of [{ country: 'US', id: 'x'.repeat(two._cap) }, { country: 'x'.repeat(two._cap), id: 'USA' }]) {
    const d = two.evaluate('F', { user });
    if (user.country === 'US') assert.deepEqual([d.implementation, d.reason], ['b', 'TARGETING_MATCH']);
    else assert.deepEqual([d.implementation, d.reason, d.unit], [expected('USA'), 'SPLIT', { segment: 'UserId', value: 'USA' }]);
  }
  two._raw = twoRaw;
  two.free();
});

test('unit values: 1 MB strings, NUL, lone surrogates (U+FFFD, as TextEncoder writes them)', () => {
  const big = 'é'.repeat(1 << 19) + 'x'.repeat(1 << 19);
  assert.equal(split.implementation('F', { user: { id: big } }), expected(big));
  const ascii = 'x'.repeat(1 << 21); // ASCII that does not fit: the scratch area grows
  assert.equal(split.implementation('F', { user: { id: ascii } }), expected(ascii));
  for (const [id, unit] of [['a\u0000b', 'a\u0000b'], ['\uD800', '\uFFFD'], ['x\uDC00y', 'x\uFFFDy'], ['\uD83D\uDE00', '\uD83D\uDE00']]) {
    const d = split.evaluate('F', { user: { id } });
    assert.equal(d.unit.value, unit);
    assert.equal(d.implementation, expected(unit));
    assert.equal(split.implementation('F', { user: { id } }), expected(unit));
  }
});

test('the client never throws from an evaluation call, whatever it is given', async () => {
  const client = await createClient({ snapshot: shop, refreshInterval: 0 });
  const proxy = new Proxy({}, { get() { throw new Error('trap'); } });
  for (const ctx of [null, [], proxy, { user: proxy }, { user: { id: 10n } }]) {
    assert.equal(client.findImplementation('PaymentProcessor', ctx), 'acme');
    assert.equal(client.isEnabled('ImageProcessing', ctx), true, 'INVALID_CONTEXT serves the default (true here)');
    client.usedImplementation('PaymentProcessor', 'acme', ctx);
    assert.equal(client.details('Nope', ctx).errorCode, 'FLAG_NOT_FOUND');
  }
  await client.close();
});

test('a feature name that is not a string is read as String(name), everywhere alike', async () => {
  const engine = new Engine(shop);
  const user = { user: { id: '1', address: { country_code: 'CA' } } };
  const name = new String('PaymentProcessor');
  const d = engine.evaluate(name, user);
  assert.equal(d.feature, 'PaymentProcessor');
  assert.equal(d.implementation, 'premium');
  assert.equal(d.errorCode, null);
  assert.equal(engine.implementation(name, user), 'premium');
  const client = await createClient({ snapshot: shop, refreshInterval: 0 });
  assert.equal(client.findImplementation(name, user), 'premium');
  assert.equal(client.details(name, user).implementation, 'premium');
  assert.equal(client.isEnabled(new String('ImageProcessing'), user), true);
  // A name whose String() throws is no feature.
  const bad = { toString() { throw new Error('t'); } };
  assert.equal(engine.evaluate(bad, user).errorCode, 'FLAG_NOT_FOUND');
  assert.equal(client.findImplementation(bad, user), null);
  await client.close();
  engine.free();
});

test('client.feature() and client.on() with options or names that throw: nothing is thrown', async () => {
  const client = await createClient({ snapshot: shop, refreshInterval: 0 });
  const handle = client.feature('PaymentProcessor', { acme: () => 'A', premium: () => 'P' }, { get default() { throw new Error('d'); } });
  assert.equal(handle.find({ user: { id: '1', address: { country_code: 'CA' } } }), 'premium');
  const off = client.on({ toString() { throw new Error('t'); } }, () => {});
  assert.equal(typeof off, 'function');
  off();
  await client.close();
});

test('client: a boxed feature or event name reads as String(name) in handles, defaults and listeners', async () => {
  const client = await createClient({ snapshot: shop, refreshInterval: 0 });
  // A handle's code default for a feature the snapshot lacks, named by a String object.
  const handle = client.feature(new String('Checkout'), { a: () => 'A', b: () => 'B' }, { default: 'b' });
  assert.equal(handle.find({}), 'b');
  assert.equal(client.findImplementation('Checkout', {}), 'b');
  assert.equal(client.findImplementation(new String('Checkout'), {}), 'b');
  assert.equal(client.findImplementations({}).Checkout, 'b');
  assert.equal(client.details(new String('Checkout'), {}).implementation, 'b');
  assert.equal(handle.create({}), 'B');
  await client.close();
  // A listener added under a String object hears its event.
  let revision = 'r1';
  const fetched = await createClient({
    snapshotUrl: 'http://127.0.0.1:9/snap', refreshInterval: 0,
    fetch: async () => new Response(JSON.stringify({ ...JSON.parse(shop), revision })),
  });
  const heard = [];
  const off = fetched.on(new String('update'), (e) => heard.push(e.revision));
  revision = 'r2';
  await fetched.refresh();
  assert.deepEqual(heard, ['r2']);
  off();
  await fetched.close();
});

test('evaluate-all writes a long unit value once, not twice per feature: wasm memory stays small', async () => {
  // In a process of its own: wasm memory never shrinks, so an earlier test
  // could have grown it enough to hide the growth.
  const { execFileSync } = await import('node:child_process');
  const script = `
    const { Engine } = await import(${JSON.stringify(import.meta.resolve('feats-edge'))});
    const features = {};
    for (let i = 0; i < 300; i++) features['f' + i] = { inputs: ['user'], implementations: ['a', 'b'], default: 'a',
      rules: [i % 2 ? { experiment: { name: 'e' + i, by: 'UserId', weights: { a: 50, b: 50 } } } : { split: { by: 'UserId', weights: { b: 50 } } }] };
    const e = new Engine({ schema: 1, segments: { UserId: { from: { user: '{id}' } } }, features });
    e.evaluateAll({ user: { id: 'warm' } });
    const before = e._memory.buffer.byteLength;
    const id = 'x'.repeat(60000);
    const all = e.evaluateAll({ user: { id } });
    const grown = e._memory.buffer.byteLength - before;
    const differ = Object.keys(all).filter((name) => JSON.stringify(all[name]) !== JSON.stringify(e.evaluate(name, { user: { id } })));
    console.log(JSON.stringify({ grown, differ, n: Object.keys(all).length, sticky: all.f1.stickyKey === 'e1/' + id, value: all.f0.unit?.value === id }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.deepEqual(out.differ, [], 'evaluate-all answers as evaluate does, key order included');
  assert.equal(out.n, 300);
  assert.ok(out.sticky && out.value, JSON.stringify(out));
  // 300 features × 60 KB, twice for experiments: 27 MB when each was written.
  assert.ok(out.grown < 4 * 1024 * 1024, `wasm memory grew ${out.grown} bytes`);
});

test('an Engine of another copy of the package (loaded twice) is refused as such, by new Engine and by createClient', async () => {
  // The package's sources, unbundled: a copy with a WebAssembly instance of its own.
  const { Engine: OtherEngine } = await import('../../pkg/node.js');
  const other = new OtherEngine({ schema: 1, revision: 'other', features: { F: { implementations: ['a', 'b'], default: 'b' } } });
  const said = /an Engine of another copy of feats-edge \(the package is loaded twice/;
  // The mark every copy, of any version, knows an Engine by.
  assert.equal(other[Symbol.for('feats-edge.engine')], true);
  assert.throws(() => new Engine(other), (e) => e instanceof SnapshotError && said.test(e.message) && e.path === '');
  const client = await createClient({ snapshot: other, refreshInterval: 0 });
  const heard = [];
  client.on('error', (e) => heard.push(e.message));
  await null;
  assert.equal(client.revision, null);
  assert.equal(heard.length, 1);
  assert.match(heard[0], said);
  client.close();
  // Still its own copy's (not freed by the client that refused it).
  assert.equal(other.implementation('F', {}), 'b');
  other.free();
});

test("the browser entry run outside a browser (a test runner's DOM environment): init() names the .wasm and says what to do, with no fetch at all too", async () => {
  // The default entry, as Jest's jsdom environment resolves the package
  // (its .wasm a file: URL), in a process of its own: the unbundled sources
  // loaded here by another test share its module state.
  const script = `
    const browser = await import(${JSON.stringify(new URL('../../pkg/index.js', import.meta.url).href)});
    const said = [await browser.init().catch((e) => e.message)];
    const { fetch } = globalThis;
    delete globalThis.fetch;
    said.push(await browser.init().catch((e) => e.message));
    globalThis.fetch = fetch;
    // An http: URL out of reach is no sign of running outside a browser.
    said.push(await browser.init('http://127.0.0.1:9/feats_edge_bg.wasm').catch((e) => e.message));
    // The way out it offers.
    await browser.init((await import('node:fs')).readFileSync(new URL('gen/feats_edge_bg.wasm', import.meta.resolve(${JSON.stringify(new URL('../../pkg/index.js', import.meta.url).href)}))));
    said.push(new browser.Engine(${JSON.stringify(shop)}).implementation('PaymentProcessor', { user: { id: 42, address: { country_code: 'US' } } }));
    console.log(JSON.stringify(said));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  const [failed, none, unreached, answer] = JSON.parse(stdout);
  const said = (how) => new RegExp(`^feats-edge: file:///.*/pkg/gen/feats_edge_bg\\.wasm: ${how}\\. This is the package's browser entry, run outside a browser \\(.*\\): ` +
    "have the runner resolve its node entry \\(Jest: testEnvironmentOptions: \\{ customExportConditions: \\['node'\\] \\}\\), or pass the \\.wasm's bytes to init\\(\\)$");
  assert.match(failed, said('fetch failed'));
  assert.equal(unreached, 'feats-edge: http://127.0.0.1:9/feats_edge_bg.wasm: fetch failed');
  assert.match(none, said('fetch is not defined'));
  assert.equal(answer, 'acme');
});
