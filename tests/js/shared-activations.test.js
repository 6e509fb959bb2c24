// An activation used by many features is compiled for each of them, but
// what its conditions hold (the sets of `in`, the patterns of text
// operators, the blocks of `cidr`) is built once and shared: one of 10 000
// `contains` patterns or `cidr` blocks used by 10 000 features made a 1 MB
// snapshot take more than 3 GB of wasm memory. (Its own process: the
// figures are this file's wasm instance's.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from 'feats-edge';

test('an activation\'s sets, patterns and blocks are built once for all the features that use it', () => {
  let s = 7;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8;
  const word = (n) => Array.from({ length: n }, () => String.fromCharCode(97 + (rnd() % 26))).join('');
  const many = (n, f) => Array.from({ length: n }, f);
  const activations = {
    Agents: { when: { segment: 'Ua', contains: many(9_999, () => word(8)) } },
    Paths: { when: { segment: 'Path', starts_with: many(9_999, () => `/${word(8)}`) } },
    Nets: { when: { segment: 'Ip', cidr: many(9_999, () => `${rnd() % 224}.${rnd() % 256}.${rnd() % 256}.0/24`) } },
    Ids: { when: { segment: 'Ua', in: many(9_999, () => word(8)) } },
  };
  activations.Agents.when.contains.push('needle');
  activations.Paths.when.starts_with.push('/needle');
  activations.Nets.when.cidr.push('192.0.2.0/24');
  const names = Object.keys(activations);
  const features = {};
  for (let i = 0; i < 300; i++) {
    features[`f${i}`] = { inputs: ['req'], implementations: ['a', 'b'], default: 'a', rules: [{ when: { activation: names[i % 4] }, serve: 'b' }] };
  }
  const text = JSON.stringify({
    schema: 1,
    segments: { Ua: { from: { req: '{ua}' } }, Path: { from: { req: '{path}' } }, Ip: { from: { req: '{ip}' } } },
    activations, features,
  });
  const tiny = new Engine('{"schema": 1}');
  const before = tiny._memory.buffer.byteLength;
  const e = new Engine(text);
  assert.deepEqual(e.problems, []); // every feature compiled
  const grown = (e._memory.buffer.byteLength - before) / 1048576;
  // Built once: a few MB (300 copies took hundreds).
  assert.ok(grown < 40, `wasm memory grew by ${grown.toFixed(1)} MB for a ${(text.length / 1048576).toFixed(1)} MB snapshot`);
  // Every feature answers through what it shares.
  const hit = { req: { ua: 'a needle in it', path: '/needle/x', ip: '192.0.2.9' } };
  const miss = { req: { ua: '-', path: '-', ip: '198.51.100.1' } };
  const want = activations.Ids.when.in[17];
  for (let i = 0; i < 300; i++) {
    const name = names[i % 4];
    assert.equal(e.implementation(`f${i}`, name === 'Ids' ? { req: { ua: want } } : hit), 'b', `f${i} (${name})`);
    assert.equal(e.implementation(`f${i}`, miss), 'a', `f${i} (${name})`);
  }
  e.free();
});

test('a shared list serves each feature through its own inputs; a list with problems is said at every feature that uses it', () => {
  const patterns = ['bot', 'crawler', 'spider', 'slurp', 'wget', 'curl'];
  const e = new Engine({
    schema: 1,
    segments: { Agent: { from: { req: '{ua}', user: '{agent}' } }, Plan: { from: { user: '{plan}' }, options: ['free', 'pro'] } },
    activations: {
      Bots: { when: { segment: 'Agent', contains: patterns } },
      Paid: { when: { segment: 'Plan', in: ['pro', 'enterprise'] } },
    },
    features: {
      ByRequest: { inputs: ['req'], implementations: ['human', 'bot'], default: 'human', rules: [{ when: { activation: 'Bots' }, serve: 'bot' }] },
      ByUser: { inputs: ['user'], implementations: ['human', 'bot'], default: 'human', rules: [{ when: { activation: 'Bots' }, serve: 'bot' }] },
      Either: { inputs: ['user', 'req'], implementations: ['human', 'bot'], default: 'human', rules: [{ when: { activation: 'Bots' }, serve: 'bot' }] },
      P1: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ when: { activation: 'Paid' }, serve: 'b' }] },
      P2: { inputs: ['user'], implementations: ['a', 'b'], default: 'a', rules: [{ when: { activation: 'Paid' }, serve: 'b' }] },
    },
  });
  const ctx = { req: { ua: 'Googlebot/2.1' }, user: { agent: 'Firefox' } };
  assert.deepEqual(['ByRequest', 'ByUser', 'Either'].map((f) => e.implementation(f, ctx)), ['bot', 'human', 'human']);
  assert.deepEqual(['ByRequest', 'ByUser', 'Either'].map((f) => e.implementation(f, { req: { ua: 'curl/8' }, user: { agent: 'wget' } })), ['bot', 'bot', 'bot']);
  // 'enterprise' is not one of Plan's options: both features that use the list say so.
  const paths = e.problems.map((p) => p.path);
  assert.ok(paths.some((p) => p.startsWith('/features/P1')) && paths.some((p) => p.startsWith('/features/P2')), JSON.stringify(e.problems));
  e.free();
});
