// Helpers for the tests that run workerd: an origin on 127.0.0.1 (the
// snapshot, with ETag/304, and an exposure sink) and workerd itself, from
// npm, on a free port. Not a test file (no `.test.js`).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const workerdBin = join(root, 'node_modules/.bin/workerd');

/** Polls `check` (sync or async) until it returns something truthy; returns the last value after `ms`. */
export async function until(check, ms = 5000, every = 25) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A free TCP port on 127.0.0.1 (for programs that cannot report the one they bound). */
export async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The origin: GET /snapshot.json serves `origin.snapshot` with `origin.etag`
 * (304 when If-None-Match lists it; `failWith`: that status instead);
 * POST /exposures records the events
 * (after `exposureDelay` ms). `port` 0: any free one.
 */
export async function startOrigin(snapshot, etag = '"v1"', port = 0) {
  const origin = {
    snapshot, etag, url: '',
    /** ms the exposure sink waits before answering */ exposureDelay: 0,
    /** an HTTP status the snapshot endpoint answers instead (0: none) */ failWith: 0,
    /** @type {{ifNoneMatch: string | undefined, status: number}[]} */ fetches: [],
    /** @type {any[]} */ exposures: [],
    exposurePosts: 0,
  };
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.method === 'GET' && req.url === '/snapshot.json') {
      const inm = req.headers['if-none-match'];
      if (origin.failWith) {
        origin.fetches.push({ ifNoneMatch: inm, status: origin.failWith });
        return res.writeHead(origin.failWith, { 'Content-Type': 'text/plain' }).end('failing on purpose');
      }
      const hit = inm?.split(',').some((t) => t.trim() === origin.etag);
      origin.fetches.push({ ifNoneMatch: inm, status: hit ? 304 : 200 });
      if (hit) return res.writeHead(304, { ETag: origin.etag }).end();
      return res.writeHead(200, { 'Content-Type': 'application/json', ETag: origin.etag }).end(origin.snapshot);
    }
    if (req.method === 'POST' && req.url === '/exposures') {
      origin.exposurePosts++;
      if (origin.exposureDelay) await new Promise((r) => setTimeout(r, origin.exposureDelay));
      try {
        origin.exposures.push(...JSON.parse(body).events);
      } catch {
        return res.writeHead(400).end();
      }
      return res.writeHead(204).end();
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  origin.url = `http://127.0.0.1:${server.address().port}`;
  origin.close = () => new Promise((r) => {
    server.closeAllConnections?.();
    server.close(r);
  });
  return origin;
}

/**
 * Runs `workerd serve <config>` with the socket "http" on a free port of
 * 127.0.0.1. `cwd`: where relative disk paths resolve. Returns
 * {url, log(), stop()}; fails with workerd's output if it does not answer.
 */
export async function startWorkerd(config, { cwd, env = {} } = {}) {
  if (!existsSync(workerdBin)) throw new Error(`workerd is missing at ${workerdBin}: run npm ci (./dev test does)`);
  let lastLog = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(workerdBin, ['serve', config, '--verbose', '--socket-addr', `http=127.0.0.1:${port}`], {
      cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '', exited = false;
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    const exit = new Promise((r) => child.on('exit', () => r((exited = true))));
    const url = `http://127.0.0.1:${port}`;
    const up = await until(async () => {
      if (exited) return 'exited';
      try {
        await (await fetch(`${url}/__ready`)).arrayBuffer();
        return 'up';
      } catch {
        return null;
      }
    }, 10000, 50);
    if (up === 'up') {
      return {
        url,
        log: () => log,
        async stop() {
          if (!exited) child.kill('SIGTERM');
          await exit;
        },
      };
    }
    if (!exited) child.kill('SIGKILL');
    await exit;
    lastLog = log;
    if (!/address already in use/i.test(log)) break; // only a lost port race is worth retrying
  }
  throw new Error(`workerd did not start:\n${lastLog}`);
}

/** The edge worker with its own config (www/edge/config.capnp), against `origin`. */
export function startEdge(origin, { revalidateMs = 0 } = {}) {
  return startWorkerd('config.capnp', {
    cwd: join(root, 'www/edge'),
    env: { SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures`, REVALIDATE_MS: String(revalidateMs) },
  });
}

/**
 * A test worker (`file`, which may import 'feats-edge') under workerd, with
 * the package laid out as in www/edge/config.capnp. `bindings`: text
 * bindings; with any, outbound fetches may reach 127.0.0.1.
 */
export function startTestWorker(file, { bindings = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'feats-edge-workerd-'));
  const rel = (p) => JSON.stringify(relative(dir, join(root, p)));
  const js = ['gen/feats_edge.js', 'src/wasm.js', 'src/engine.js', 'src/client.js', 'src/store.js'];
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w), (name = "internet", network = (allow = ["public", "private", "local"]))],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed ${JSON.stringify(relative(dir, file))}),
    (name = "feats-edge", esModule = embed ${rel('pkg/workerd.js')}),
    ${js.map((f) => `(name = "${f}", esModule = embed ${rel(`pkg/${f}`)}),`).join('\n    ')}
    (name = "gen/feats_edge_bg.wasm", wasm = embed ${rel('pkg/gen/feats_edge_bg.wasm')}),
  ],
  bindings = [${Object.entries(bindings).map(([name, v]) => `(name = "${name}", text = ${JSON.stringify(String(v))})`).join(', ')}],
  globalOutbound = "internet",
  compatibilityDate = "2026-10-01",
);
`);
  return startWorkerd(join(dir, 'config.capnp'), { cwd: dir });
}
