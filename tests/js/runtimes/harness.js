// Starts the real runtimes the package targets: workerd (from npm) running a
// module worker, and Debian's Chromium driven by playwright-core. Everything
// listens on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** Polls `url` until it answers (or throws after `ms`). */
export async function waitFor(url, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url);
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Runs `workerFile` (a module worker that imports 'feats-edge') under
 * workerd, with the package laid out as a bundler would upload it: the
 * entry as the module `feats-edge`, its files beside it, the .wasm as a
 * wasm module. `bindings` are text bindings. Outbound fetches may reach
 * 127.0.0.1 (for the test's origin). Returns {url, log, stop}.
 */
export async function startWorkerd(workerFile, { bindings = {} } = {}) {
  const bin = join(root, 'node_modules/.bin/workerd');
  if (!existsSync(bin)) throw new Error('workerd is missing: run npm ci (./dev test does)');
  const dir = mkdtempSync(join(tmpdir(), 'feats-edge-workerd-'));
  symlinkSync(join(root, 'pkg'), join(dir, 'pkg'));
  symlinkSync(workerFile, join(dir, 'worker.js'));
  const js = ['gen/feats_edge.js', ...readdirSync(join(root, 'pkg/src')).map((f) => `src/${f}`)];
  const port = await freePort();
  const modules = [
    `(name = "worker.js", esModule = embed "worker.js")`,
    `(name = "feats-edge", esModule = embed "pkg/workerd.js")`,
    ...js.map((f) => `(name = "${f}", esModule = embed "pkg/${f}")`),
    `(name = "gen/feats_edge_bg.wasm", wasm = embed "pkg/gen/feats_edge_bg.wasm")`,
  ];
  const texts = Object.entries(bindings).map(([name, value]) => `(name = "${name}", text = ${JSON.stringify(String(value))})`);
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${modules.join(',\n    ')}],
  bindings = [${texts.join(', ')}],
  globalOutbound = "internet",
  compatibilityDate = "2024-09-23",
);
`);
  const child = spawn(bin, ['serve', join(dir, 'config.capnp'), '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(url);
  } catch (e) {
    child.kill();
    throw new Error(`workerd did not start: ${log}`);
  }
  return { url, log: () => log, stop: () => child.kill() };
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Serves the repository read-only on 127.0.0.1 (for pages that load /pkg/). */
export async function startStatic() {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!path.startsWith(root)) return res.writeHead(403).end();
    try {
      const data = readFileSync(path);
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(data);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => server.close() };
}

/** Launches Debian's Chromium headless; fails clearly when it is missing. */
export async function launchChromium() {
  const executablePath = '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error('chromium is missing: apt-get install -y chromium (./dev test does)');
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'feats-edge-chromium-')), {
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
