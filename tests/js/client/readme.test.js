// The README's Node examples, taken from README.md as they are written
// and run in a Node process of their own: "In Node" (an Engine over a
// snapshot file) and "With OpenFeature" (the server SDK over a client).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Engine } from 'feats-edge';
import { root, checkoutSnapshot, startOrigin, until } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/tmp.js';

/** The first `js` block after `heading` in README.md. @param {string} heading */
function block(heading) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const found = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(heading)));
  assert.ok(found, `the README has the block under ${heading}`);
  return found[1];
}

/**
 * Runs `code` as a module of a directory of its own (the package and the
 * project's dependencies installed there, `files` beside it), with
 * `prelude` before it and `epilogue` after it; resolves with what the
 * process printed, parsed as JSON.
 * @param {string} prelude @param {string} code @param {string} epilogue @param {Record<string, string>} [files]
 */
async function run(prelude, code, epilogue, files = {}) {
  const dir = tempDir('readme-node');
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [name, from] of Object.entries(files)) copyFileSync(from, join(dir, name));
  writeFileSync(join(dir, 'main.mjs'), `${prelude}\n${code}\n${epilogue}`);
  const { stdout } = await promisify(execFile)(process.execPath, ['main.mjs'], { cwd: dir, timeout: 20000 });
  return JSON.parse(stdout);
}

test('the README\'s "In Node" example, as written: the Engine reads snapshot.json, and both calls answer what the comments say', async () => {
  const shop = join(root, 'examples/shop.json');
  const user = { id: 42, address: { country_code: 'DE' } };
  // The block's two calls, each as an expression statement: their values printed.
  const code = block('### In Node').replace(/^(engine\.\w+\(.*\));/gm, 'results.push($1);');
  assert.equal((code.match(/results\.push/g) ?? []).length, 2, 'the block makes two calls on the engine');
  const got = await run(`const results = [];\nconst user = ${JSON.stringify(user)};`, code,
    'console.log(JSON.stringify({ results, created: typeof createClient }));', { 'snapshot.json': shop });
  const details = new Engine(readFileSync(shop, 'utf8')).evaluate('PaymentProcessor', { user });
  assert.equal(details.implementation, 'acme');
  assert.deepEqual(got, { results: ['acme', details], created: 'function' });
});

test('the README\'s OpenFeature example, as written: the string value of the user\'s implementation, reported once by the client', async (t) => {
  const snapshot = checkoutSnapshot('of-readme');
  const origin = await startOrigin(snapshot);
  t.after(() => origin.close());
  const prelude = `const SNAPSHOT_URL = "${origin.url}/snapshot.json", EXPOSURE_URL = "${origin.url}/exposures";`;
  const epilogue = 'await OpenFeature.close();\nawait client.close();\nconsole.log(JSON.stringify({ checkout }));';
  const got = await run(prelude, block('### With OpenFeature'), epilogue);
  const want = new Engine(snapshot).evaluate('Checkout', { user: { id: '42' } });
  assert.deepEqual(got, { checkout: want.implementation });
  assert.ok(await until(() => origin.exposures.length === 1), `one exposure: ${JSON.stringify(origin.exposures)}`);
  const [event] = origin.exposures;
  assert.deepEqual([event.feature, event.implementation, event.reason, event.unit], ['Checkout', want.implementation, 'SPLIT', { segment: 'UserId', value: '42' }]);
});
