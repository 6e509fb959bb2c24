// Starts the real runtimes the package targets, for the tests (not a test
// file): workerd from npm running the edge worker or a test worker, an origin
// for them (a snapshot with ETag/304 and an exposure sink), Debian's Chromium
// through playwright-core, the demo server and a static server for pages.
// Everything listens on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { before, after } from 'node:test';
import { createServer } from 'node:http';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tmp.js';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
const chromiumPath = '/usr/bin/chromium';

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
async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The snapshot the Workers tests serve: one feature, Checkout, split 50/50
 * between "classic" and "onepage" by the user's id, at this revision.
 */
export const checkoutSnapshot = (revision) => JSON.stringify({
  schema: 1, revision,
  segments: { UserId: { from: { user: '{id}' } } },
  features: {
    Checkout: {
      inputs: ['user'], implementations: ['classic', 'onepage'], default: 'classic',
      rules: [{ split: { by: 'UserId', weights: { classic: 50, onepage: 50 } } }],
    },
  },
});

/**
 * A gate for startOrigin's `snapshotGate` or `exposureGate`: `promise`
 * settles when `open()` is called. Requests wait on the gate that was set
 * when they arrived, so a test can hold one answer as long as it needs
 * (however slow the machine) and let later requests through.
 */
export function gate() {
  let open;
  const promise = new Promise((r) => (open = r));
  return { promise, open };
}

/**
 * The origin: GET /snapshot.json serves `origin.snapshot` with `origin.etag`
 * (304 when If-None-Match lists it; `failWith`: that status instead);
 * POST /exposures records the events (after `exposureDelay` ms). On a
 * free port of 127.0.0.1; the fields below change how it answers.
 */
export async function startOrigin(snapshot, etag = '"v1"') {
  const origin = {
    snapshot, etag, url: '',
    /** ms the exposure sink waits before answering */ exposureDelay: 0,
    /** ms the snapshot endpoint waits before answering */ snapshotDelay: 0,
    /** a promise a snapshot request that arrives now waits for before it is answered (see `gate`) */ snapshotGate: null,
    /** a promise an exposure POST that arrives now waits for before it is answered */ exposureGate: null,
    /** an HTTP status the snapshot endpoint answers instead (0: none) */ failWith: 0,
    /** the Retry-After header sent with `failWith` (undefined: none) */ failRetryAfter: undefined,
    /** answer 200 with no ETag, whatever If-None-Match says (an origin without ETags) */ noEtag: false,
    /** the longest If-None-Match answered; longer ones get 431, as proxies refuse long headers (0: any) */ maxIfNoneMatch: 0,
    /** an HTTP status the exposure sink answers instead, recording nothing (0: none) */ exposureFailWith: 0,
    /** every connection is cut before an answer, as from a host that is down */ down: false,
    /** @type {{ifNoneMatch: string | undefined, status: number}[]} */ fetches: [],
    /** @type {string[]} the User-Agent of each of `fetches`, in its order */ agents: [],
    /** snapshot requests that arrived (counted before the gate and the delay) */ snapshotArrivals: 0,
    /** @type {any[]} */ exposures: [],
    exposurePosts: 0,
    /** requests that followed a redirect of the exposure sink */ movedRequests: 0,
  };
  const server = createServer(async (req, res) => {
    if (origin.down) return req.socket.destroy();
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.method === 'GET' && req.url === '/snapshot.json') {
      const inm = req.headers['if-none-match'];
      const answered = (status) => (origin.fetches.push({ ifNoneMatch: inm, status }), origin.agents.push(req.headers['user-agent'] ?? ''));
      origin.snapshotArrivals++;
      await origin.snapshotGate;
      if (origin.snapshotDelay) await new Promise((r) => setTimeout(r, origin.snapshotDelay));
      if (origin.maxIfNoneMatch && (inm ?? '').length > origin.maxIfNoneMatch) {
        answered(431);
        return res.writeHead(431).end();
      }
      if (origin.failWith) {
        answered(origin.failWith);
        const retry = origin.failRetryAfter === undefined ? {} : { 'Retry-After': origin.failRetryAfter };
        return res.writeHead(origin.failWith, { 'Content-Type': 'text/plain', ...retry }).end('failing on purpose');
      }
      if (origin.noEtag) {
        answered(200);
        return res.writeHead(200, { 'Content-Type': 'application/json' }).end(origin.snapshot);
      }
      const hit = inm?.split(',').some((t) => t.trim() === origin.etag);
      answered(hit ? 304 : 200);
      if (hit) return res.writeHead(304, { ETag: origin.etag }).end();
      return res.writeHead(200, { 'Content-Type': 'application/json', ETag: origin.etag }).end(origin.snapshot);
    }
    if (req.method === 'POST' && req.url === '/exposures') {
      origin.exposurePosts++;
      await origin.exposureGate;
      if (origin.exposureDelay) await new Promise((r) => setTimeout(r, origin.exposureDelay));
      // (A redirect leads to /moved, which takes a GET: what a followed 302 becomes.)
      if (origin.exposureFailWith) return res.writeHead(origin.exposureFailWith, origin.exposureFailWith < 400 ? { Location: '/moved' } : {}).end('failing on purpose');
      try {
        origin.exposures.push(...JSON.parse(body).events);
      } catch {
        return res.writeHead(400).end();
      }
      return res.writeHead(204).end();
    }
    if (req.url === '/moved') return (origin.movedRequests++, res.writeHead(200).end('moved'));
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
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
  // The binary itself: the package's `.bin/workerd` may be a Node wrapper
  // (when its install script did not run) that a kill would leave its
  // workerd child behind, holding this process's pipes open.
  const workerdBin = await import('workerd').then((m) => m.default?.default ?? m.default, () => '');
  if (!workerdBin || !existsSync(workerdBin)) throw new Error(`workerd is missing (${workerdBin || 'package not found'}): run npm ci (./dev test does)`);
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

/**
 * The edge worker with its own config (www/edge/config.capnp), against
 * `origin`. `revalidateMs: null` leaves REVALIDATE_MS out of the
 * environment (as the README's commands do).
 */
export function startEdge(origin, { revalidateMs = 0, targetingKey, exposureUrl = `${origin.url}/exposures` } = {}) {
  return startWorkerd('config.capnp', {
    cwd: join(root, 'www/edge'),
    env: {
      SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: exposureUrl,
      ...(revalidateMs === null ? {} : { REVALIDATE_MS: String(revalidateMs) }),
      ...(targetingKey === undefined ? {} : { TARGETING_KEY: targetingKey }),
    },
  });
}

/**
 * A test worker (`file`, which may import 'feats-edge') under workerd, with
 * the package laid out as in www/edge/config.capnp (as a bundler uploads
 * it: the .wasm as a compiled module). `bindings`: text bindings;
 * `modules`: more ES modules it may import, {name: file};
 * `compatibilityDate` and `compatibilityFlags`: the Worker's (the demo's
 * date and no flags by default). Outbound fetches may reach 127.0.0.1.
 */
export function startTestWorker(file, { bindings = {}, modules = {}, compatibilityDate = '2026-10-01', compatibilityFlags = [] } = {}) {
  const dir = tempDir('workerd');
  const rel = (p) => JSON.stringify(relative(dir, join(root, p)));
  const js = ['gen/feats_edge.js', ...readdirSync(join(root, 'pkg/src')).map((f) => `src/${f}`)];
  const texts = Object.entries(bindings).map(([name, v]) => `(name = "${name}", text = ${JSON.stringify(String(v))})`);
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w), (name = "internet", network = (allow = ["public", "private", "local"]))],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed ${JSON.stringify(relative(dir, file))}),
    ${Object.entries(modules).map(([name, f]) => `(name = ${JSON.stringify(name)}, esModule = embed ${JSON.stringify(relative(dir, f))}),`).join('\n    ')}
    (name = "feats-edge", esModule = embed ${rel('pkg/workerd.js')}),
    ${js.map((f) => `(name = "${f}", esModule = embed ${rel(`pkg/${f}`)}),`).join('\n    ')}
    (name = "gen/feats_edge_bg.wasm", wasm = embed ${rel('pkg/gen/feats_edge_bg.wasm')}),
  ],
  bindings = [${texts.join(', ')}],
  globalOutbound = "internet",
  compatibilityDate = "${compatibilityDate}",
  compatibilityFlags = ${JSON.stringify(compatibilityFlags)},
);
`);
  return startWorkerd(join(dir, 'config.capnp'), { cwd: dir });
}

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** playwright-core's chromium; fails clearly when Debian's Chromium is missing. */
async function chromium() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is missing at ${chromiumPath}: apt-get install -y chromium (./dev test installs it)`);
  }
  return (await import('playwright-core')).chromium;
}

/** A persistent context on a fresh temporary profile. */
export async function launchChromium() {
  return (await chromium()).launchPersistentContext(tempDir('chromium'), {
    executablePath: chromiumPath,
    args: chromiumArgs,
    viewport: { width: 1200, height: 800 },
  });
}

/** A browser whose `newContext()` gives contexts with nothing cached (the benchmarks' cold starts). */
export async function launchChromiumBrowser() {
  return (await chromium()).launch({ executablePath: chromiumPath, args: chromiumArgs });
}

/**
 * For a test file: the demo server and Chromium, started before its tests
 * and stopped after them (whichever started, even if the other failed).
 * Returns an object whose `server` and `browser` are set once started.
 */
export function demoInChromium() {
  const it = { server: undefined, browser: undefined };
  before(async () => {
    const started = await Promise.allSettled([startDemoServer(), launchChromium()]);
    [it.server, it.browser] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    for (const r of started) if (r.status === 'rejected') throw r.reason;
  });
  after(async () => {
    await it.browser?.close();
    await it.server?.stop();
  });
  return it;
}

/**
 * For a test file: a flag site ({@link startFlagSite}) and Chromium, started
 * before its tests and stopped after them (the browser first, then the
 * server with its open connections). `dir` is the folder the site serves,
 * or an async function that prepares it and returns it (a bundle built
 * from the README's code), run in `before` so that what it asserts fails
 * the file's tests. Returns an object whose `browser` is set once started.
 * @param {Parameters<typeof startFlagSite>[0]} site
 * @param {string | (() => Promise<string>)} dir
 */
export function flagSiteInChromium(site, dir) {
  const it = { browser: /** @type {any} */ (undefined) };
  before(async () => {
    await startFlagSite(site, typeof dir === 'function' ? await dir() : dir);
    it.browser = await launchChromiumBrowser();
  });
  after(async () => {
    await it.browser?.close();
    site.server?.closeAllConnections();
    site.server?.close();
  });
  return it;
}

/**
 * Starts www/server.js on a free port (`--port 0`; it prints the port) with
 * a private copy of `snapshot` (default www/snapshot.json). Returns {url,
 * file (the copy, which the server watches), pid, log() (what it printed),
 * exited (its exit code, when it ends), stop()}.
 */
export async function startDemoServer(snapshot = join(root, 'www/snapshot.json')) {
  const copy = join(tempDir('demo'), 'snapshot.json');
  copyFileSync(snapshot, copy);
  const child = spawn(process.execPath, [join(root, 'www/server.js'), '--port', '0', '--snapshot', copy], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exit = new Promise((r) => child.on('exit', r));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`www/server.js did not start: ${out}`)), 10000);
    const look = (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    exit.then((code) => reject(new Error(`www/server.js exited (${code}): ${out}`)));
  });
  return {
    url,
    file: copy,
    pid: child.pid,
    log: () => out,
    exited: exit,
    async stop() {
      child.kill('SIGTERM');
      await exit;
    },
  };
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Answers `req` with the file of its path under `dir` (403 outside it, 404 if none). */
export function serveFile(req, res, dir = root) {
  const path = normalize(join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  if (!path.startsWith(dir)) return res.writeHead(403).end();
  try {
    const data = readFileSync(path);
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(data);
  } catch {
    res.writeHead(404).end();
  }
}

/** Serves `dir` (default: the repository) read-only on 127.0.0.1 (for pages that load /pkg/). */
export async function startStatic(dir = root) {
  const server = createServer((req, res) => serveFile(req, res, dir));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => server.close() };
}

/**
 * An init script that records the first animation frame in which the page is
 * visible (`<html>` no longer has the class `pending`): `look()` runs in that
 * frame, before its paint, and its result lands in `window.__firstFrame`.
 * Frames before it record whether the body was really hidden.
 */
export function firstFrameScript(look) {
  return `(() => {
    const look = ${look};
    window.__pendingFrames = [];
    const tick = () => {
      const html = document.documentElement;
      if (html && document.body && !html.classList.contains('pending')) {
        window.__firstFrame = look();
        return;
      }
      if (document.body) window.__pendingFrames.push(getComputedStyle(document.body).visibility);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })();`;
}

/**
 * A page's React app bundled as an application would bundle it: `app.jsx`
 * (written from `app`) with its imports in `dir`, by esbuild for browsers
 * with React's development build (StrictMode renders and runs effects
 * twice), into `dir/app.js`, the package's .wasm copied to `dir/gen/`.
 * @param {string} dir @param {string} app
 */
export async function bundleApp(dir, app) {
  const { writeFileSync, mkdirSync, copyFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const esbuild = await import('esbuild');
  writeFileSync(join(dir, 'app.jsx'), app);
  await esbuild.build({
    entryPoints: [join(dir, 'app.jsx')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    jsx: 'automatic', outfile: join(dir, 'app.js'), nodePaths: [join(root, 'node_modules')], logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"development"' },
  });
  mkdirSync(join(dir, 'gen'));
  copyFileSync(join(root, 'pkg/gen/feats_edge_bg.wasm'), join(dir, 'gen/feats_edge_bg.wasm'));
}

/**
 * Serves a bundled app's `dir` on 127.0.0.1 with the flag endpoints the
 * README's recipes name: `GET /flags/snapshot.json` answers `site.snapshot`
 * with `site.etag` (304 when If-None-Match lists it; after `site.delay` ms
 * if set), `POST /flags/exposures` adds its events to `site.events`, and
 * `site.page` (if set) answers `/index.html`. Sets `site.server` and
 * `site.url`; the fields can change between requests.
 * @param {{snapshot: string, etag: string, events: any[], delay?: number, page?: string, server?: any, url?: string}} site
 * @param {string} dir
 */
export async function startFlagSite(site, dir) {
  site.server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.url === '/flags/snapshot.json') {
      if (site.delay) await new Promise((r) => setTimeout(r, site.delay));
      if (req.headers['if-none-match'] === site.etag) return res.writeHead(304, { ETag: site.etag }).end();
      return res.writeHead(200, { 'Content-Type': 'application/json', ETag: site.etag }).end(site.snapshot);
    }
    if (req.url === '/flags/exposures' && req.method === 'POST') {
      site.events.push(...JSON.parse(body).events);
      return res.writeHead(204).end();
    }
    if (site.page && req.url?.startsWith('/index.html')) return res.writeHead(200, { 'Content-Type': 'text/html' }).end(site.page);
    serveFile(req, res, dir);
  });
  await new Promise((r) => site.server.listen(0, '127.0.0.1', r));
  site.url = `http://127.0.0.1:${site.server.address().port}`;
}
