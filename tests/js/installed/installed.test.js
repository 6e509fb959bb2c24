// The package as an application gets it: packed by `npm pack`, installed
// from the tarball into a fresh project (tests/js/installed/app/), imported
// by name. Node runs it (and Deno, as `npm:feats-edge` from a registry);
// TypeScript checks against its declarations; esbuild,
// webpack 5, Vite 8 and 7 (builds and dev servers) bundle it for a page
// in Chromium; esbuild bundles it for workerd as Wrangler does. Each answers
// what the package of this checkout answers in this process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile as execFileCb } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import * as api from 'feats-edge';
import { root, startStatic, startWorkerd, launchChromiumBrowser } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/tmp.js';

const execFile = promisify(execFileCb);
const source = fileURLToPath(new URL('./app/', import.meta.url));
const snapshot = readFileSync(join(root, 'examples/shop.json'), 'utf8');
const { probe } = await import(pathToFileURL(join(source, 'probe.js')).href);
const expected = await probe(api, snapshot);

/** The application: a fresh folder with the tarball installed (set up before the tests). */
let app = '';
/** The tarball `npm pack` made. */
let tarball = '';
let browser;
const servers = [];

before(async () => {
  const dir = realpathSync(tempDir('installed'));
  const { stdout } = await execFile('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: join(root, 'pkg') });
  tarball = join(dir, stdout.trim().split('\n').pop());
  app = join(dir, 'app');
  cpSync(source, app, { recursive: true });
  writeFileSync(join(app, 'snapshot.js'), `export default ${JSON.stringify(snapshot)};\n`);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // No registry needed: the package has no dependencies.
  await execFile('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: app });
  browser = await launchChromiumBrowser();
});

after(async () => {
  await browser?.close();
  for (const s of servers) await s.stop();
});

/** Opens `url` in a fresh browser context and returns the page's `window.__result`. */
async function inChromium(url) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const logs = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(String(e)));
    await page.goto(url);
    const handle = await page.waitForFunction(() => window.__result, null, { timeout: 20000 }).catch(() => null);
    assert.ok(handle, `${url} gave no result; its console:\n${logs.join('\n')}`);
    return await handle.jsonValue();
  } finally {
    await context.close();
  }
}

/** Serves `dir` on 127.0.0.1 until the tests end. */
async function serve(dir) {
  const s = await startStatic(dir);
  servers.push(s);
  return s.url;
}

test('the tarball holds every file its entries load, and nothing of the repository beside them', async () => {
  const { stdout } = await execFile('npm', ['pack', '--dry-run', '--json'], { cwd: join(root, 'pkg') });
  const files = JSON.parse(stdout)[0].files.map((f) => f.path).sort();
  for (const f of ['package.json', 'README.md', 'index.js', 'node.js', 'workerd.js', 'edge-light.js', 'openfeature.js', 'index.d.ts', 'openfeature.d.ts', 'gen/node.js', 'gen/feats_edge.js', 'gen/feats_edge_bg.wasm']) {
    assert.ok(files.includes(f), `${f} is not in the tarball: ${files.join(', ')}`);
  }
  assert.deepEqual(files.filter((f) => !/^(src\/|gen\/|[^/]+$)/.test(f)), []);
  assert.deepEqual(files.filter((f) => /test|\.rs$|\.capnp$/.test(f)), []);
});

test('Node: the installed package, imported by name, answers as this checkout', async () => {
  const { stdout } = await execFile(process.execPath, ['node.mjs'], { cwd: app });
  const { resolved, result } = JSON.parse(stdout);
  assert.equal(resolved, pathToFileURL(join(app, 'node_modules/feats-edge/gen/node.js')).href);
  assert.deepEqual(result, expected);
  assert.equal(result.bucket, 8632);
});

test('Node 20 before 20.16 (no `process.getBuiltinModule`): `init()` loads the wasm, and the installed package answers as this checkout; before it, an evaluation says to call it', async () => {
  const older = `data:text/javascript,${encodeURIComponent('delete process.getBuiltinModule;')}`;
  const { stdout } = await execFile(process.execPath, ['--import', older, 'node.mjs'], { cwd: app });
  assert.deepEqual(JSON.parse(stdout).result, expected);
  const early = 'import { Engine, init, createClient, bucket } from "feats-edge";' +
    'let said; try { new Engine("{}"); } catch (e) { said = e.message; }' +
    // (Not awaited: a client starts loading the wasm itself, as in a browser.)
    'const client = createClient({ snapshot: process.argv[1] }); await init();' +
    'console.log(JSON.stringify({ said, bucket: bucket("PaymentProcessor", "42"), impl: (await client).findImplementation("PaymentProcessor", { user: { id: 42 } }) }));';
  const run = await execFile(process.execPath, ['--import', older, '--input-type=module', '-e', early, snapshot], { cwd: app });
  const got = JSON.parse(run.stdout);
  assert.equal(got.said, 'feats-edge: call `await init()` first');
  assert.equal(got.bucket, 8632);
  assert.equal(typeof got.impl, 'string');
});

test('Node, CommonJS: `require` of the installed package answers as this checkout', async () => {
  const { stdout, stderr } = await execFile(process.execPath, ['node.cjs'], { cwd: app });
  const { resolved, result } = JSON.parse(stdout);
  assert.equal(resolved, join(app, 'node_modules/feats-edge/gen/node.js'));
  assert.deepEqual(result, expected);
  // (Node 20 says that loading ES modules with `require` is experimental.)
  assert.doesNotMatch(stderr, /Error/);
});

test('Deno: `npm:feats-edge` fetched from a registry, with no node_modules (as Deno-based hosts import packages), answers as this checkout', async () => {
  // A registry of one package: its metadata and the tarball.
  const bytes = readFileSync(tarball);
  const manifest = JSON.parse(readFileSync(join(root, 'pkg/package.json'), 'utf8'));
  const asked = [];
  const registry = createServer((req, res) => {
    asked.push(req.url);
    const base = `http://127.0.0.1:${registry.address().port}`;
    if (req.url === '/feats-edge') {
      const dist = { tarball: `${base}/feats-edge/-/${basename(tarball)}`, shasum: createHash('sha1').update(bytes).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}` };
      return res.writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ name: 'feats-edge', 'dist-tags': { latest: manifest.version }, versions: { [manifest.version]: { ...manifest, dist } } }));
    }
    if (req.url === `/feats-edge/-/${basename(tarball)}`) return res.writeHead(200).end(bytes);
    res.writeHead(404).end();
  });
  await new Promise((r) => registry.listen(0, '127.0.0.1', r));
  try {
    // Away from any package.json, so that Deno uses its own cache, not node_modules.
    const dir = realpathSync(tempDir('deno-npm'));
    const script = join(dir, 'main.js');
    writeFileSync(script, [
      `import * as api from "npm:feats-edge@${manifest.version}";`,
      `import { probe } from ${JSON.stringify(pathToFileURL(join(app, 'probe.js')).href)};`,
      `import snapshot from ${JSON.stringify(pathToFileURL(join(app, 'snapshot.js')).href)};`,
      `console.log(JSON.stringify({ resolved: import.meta.resolve("npm:feats-edge@${manifest.version}"), result: await probe(api, snapshot) }));`,
    ].join('\n'));
    const env = { ...process.env, DENO_DIR: join(dir, 'cache'), NPM_CONFIG_REGISTRY: `http://127.0.0.1:${registry.address().port}/` };
    const { stdout } = await execFile(join(root, 'node_modules/.bin/deno'), ['run', '--allow-read', script], { cwd: dir, env, timeout: 60000 });
    const { resolved, result } = JSON.parse(stdout);
    assert.ok(resolved.startsWith(pathToFileURL(join(dir, 'cache/npm')).href) && resolved.endsWith(`/feats-edge/${manifest.version}/gen/node.js`), resolved);
    assert.deepEqual(result, expected);
    assert.deepEqual(asked, ['/feats-edge', `/feats-edge/-/${basename(tarball)}`]);
  } finally {
    registry.closeAllConnections();
    await new Promise((r) => registry.close(r));
  }
});

test('Node servers bundled with the package inside: webpack ships the .wasm beside the bundle, esbuild finds the installed one, and away from both the error says what to do', async () => {
  const run = (file) => execFile(process.execPath, [file]).then(({ stdout }) => JSON.parse(stdout), (e) => e);
  // webpack (as Next.js and other server builds use it): the .wasm is an asset of the bundle.
  const { default: webpack } = await import('webpack');
  const packed = join(app, 'server-webpack');
  const stats = await new Promise((resolve, reject) => webpack({
    mode: 'production', target: 'node20', context: app, entry: './node-bundled.mjs',
    output: { path: packed, filename: 'server.mjs', module: true, chunkFormat: 'module' }, experiments: { outputModule: true },
  }, (err, result) => (err ? reject(err) : resolve(result))));
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  const away = realpathSync(tempDir('away'));
  cpSync(packed, join(away, 'webpack'), { recursive: true });
  assert.deepEqual(await run(join(away, 'webpack/server.mjs')), expected);
  // esbuild: the bundle reads the installed package's .wasm while node_modules is there...
  await esbuild.build({
    absWorkingDir: app, entryPoints: ['node-bundled.mjs'], bundle: true, platform: 'node', format: 'esm',
    outfile: join(app, 'server-esbuild/server.mjs'), logLevel: 'silent',
  });
  assert.deepEqual(await run(join(app, 'server-esbuild/server.mjs')), expected);
  // ...and without it fails at import, saying how to ship the file.
  cpSync(join(app, 'server-esbuild'), join(away, 'esbuild'), { recursive: true });
  const failed = await run(join(away, 'esbuild/server.mjs'));
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /feats-edge: no feats_edge_bg\.wasm beside .*server\.mjs \(ENOENT.*\), nor an installed feats-edge to take it from\. A bundle of the package needs feats-edge\/feats_edge_bg\.wasm copied beside it, or the package left out of the bundle \(esbuild --external:feats-edge, webpack externals, Next\.js serverExternalPackages\)/);
  assert.match(failed.stderr, /\[cause\]: Error: ENOENT/, 'why it was not beside the bundle, kept as the cause');
});

test('TypeScript: the installed declarations check the application, under Node\'s and bundlers\' resolution', async () => {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const common = ['--noEmit', '--strict', '--exactOptionalPropertyTypes', '--target', 'es2022', '--lib', 'es2022,dom',
    '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'usage.ts'];
  for (const [resolution, module] of [['nodenext', 'nodenext'], ['bundler', 'esnext']]) {
    const run = await execFile(process.execPath, [tsc, '--moduleResolution', resolution, '--module', module, ...common], { cwd: app })
      .catch((e) => e);
    assert.equal(run.code ?? 0, 0, `${resolution}: ${run.stdout}`);
  }
});

test('esbuild: a page bundled for the browser, the .wasm put beside the bundle as the README says', async () => {
  const out = join(app, 'dist-esbuild');
  await esbuild.build({
    absWorkingDir: app, entryPoints: ['main.js'], bundle: true, format: 'esm', platform: 'browser',
    minify: true, outdir: out, logLevel: 'silent',
  });
  copyFileSync(join(app, 'index.html'), join(out, 'index.html'));
  mkdirSync(join(out, 'gen'));
  copyFileSync(join(app, 'node_modules/feats-edge/gen/feats_edge_bg.wasm'), join(out, 'gen/feats_edge_bg.wasm'));
  assert.deepEqual(await inChromium(`${await serve(out)}/index.html`), expected);
});

test('Vite 8 and 7: a production build finds and ships the .wasm with no configuration', async () => {
  for (const [name, major] of [['vite', '8'], ['vite7', '7']]) {
    const { build, version } = await import(name);
    assert.equal(version.split('.')[0], major);
    const outDir = join(app, `dist-${name}`);
    await build({ root: app, configFile: false, logLevel: 'silent', cacheDir: join(app, `.${name}`), build: { outDir } });
    assert.deepEqual(await inChromium(`${await serve(outDir)}/index.html`), expected, name);
  }
});

test('webpack 5: a production build finds and ships the .wasm with no configuration', async () => {
  const { default: webpack } = await import('webpack');
  const out = join(app, 'dist-webpack');
  const stats = await new Promise((resolve, reject) => webpack({
    mode: 'production', context: app, entry: './main.js', output: { path: out, filename: 'main.js' },
  }, (err, result) => (err ? reject(err) : resolve(result))));
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  copyFileSync(join(app, 'index.html'), join(out, 'index.html'));
  assert.deepEqual(await inChromium(`${await serve(out)}/index.html`), expected);
});

/** A Vite dev server (`vite` is the module) on the application, stopped after the tests. */
async function viteDev(vite, config) {
  const server = await vite.createServer({
    root: app, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', hmr: false }, ...config,
  });
  await server.listen();
  servers.push({ stop: () => server.close() });
  const { port } = server.httpServer.address();
  return `http://127.0.0.1:${port}`;
}

test('Vite 8: the dev server, dependencies pre-bundled, finds the .wasm with no configuration', async () => {
  const url = await viteDev(await import('vite'), { cacheDir: join(app, '.vite8-dev') });
  assert.deepEqual(await inChromium(`${url}/`), expected);
});

test('Vite 7: its dev server moves the package without the .wasm; the error says so and how to fix it, and the fix works', async () => {
  const vite7 = await import('vite7');
  assert.match(vite7.version, /^7\./);
  const broken = await inChromium(`${await viteDev(vite7, { cacheDir: join(app, '.vite7-dev') })}/`);
  assert.match(broken.error ?? '', /^feats-edge: http:\/\/127\.0\.0\.1:\d+\/.*\/deps\/.*feats_edge_bg\.wasm is not feats_edge_bg\.wasm \(text\/html/);
  assert.match(broken.error, /optimizeDeps: \{ exclude: \['feats-edge'\] \}/);
  const fixed = await viteDev(vite7, { cacheDir: join(app, '.vite7-excluded'), optimizeDeps: { exclude: ['feats-edge'] } });
  assert.deepEqual(await inChromium(`${fixed}/`), expected);
});

test('workerd: a Worker bundled as Wrangler bundles it (the "workerd" condition, the .wasm a module of its own)', async () => {
  const out = join(app, 'dist-worker');
  mkdirSync(out);
  await esbuild.build({
    absWorkingDir: app, entryPoints: ['worker.js'], bundle: true, format: 'esm', platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'], outdir: out, logLevel: 'silent',
    plugins: [{
      // Wrangler's rule for `.wasm` imports: each is uploaded as a compiled module under its own name.
      name: 'wasm-modules',
      setup(b) {
        b.onResolve({ filter: /\.wasm$/ }, (args) => {
          copyFileSync(join(args.resolveDir, args.path), join(out, basename(args.path)));
          return { path: `./${basename(args.path)}`, external: true };
        });
      },
    }],
  });
  writeFileSync(join(out, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w)],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "feats_edge_bg.wasm", wasm = embed "feats_edge_bg.wasm"),
  ],
  compatibilityDate = "2026-10-01",
);
`);
  const workerd = await startWorkerd(join(out, 'config.capnp'), { cwd: out });
  servers.push(workerd);
  const res = await fetch(`${workerd.url}/`);
  assert.equal(res.status, 200, workerd.log());
  assert.deepEqual(await res.json(), expected);
});
