// The packed package in Next.js 16 applications, built by `next build` and
// served by `next start`: the README's middleware, lib/flags.js and proxy
// (section "In Next.js"), taken from README.md as they are written, with a
// server component and a route handler on that client; the middleware on the
// edge runtime (the package's `edge-light` entry, in Next's sandbox), built
// by Turbopack and by webpack; route handlers on the edge runtime and on Node
// (its `node` entry) that answer as the package of this checkout; the
// README's server-rendered page in Chromium, with and without a snapshot on
// the server; an edge route's client, whose requests belong to the
// invocation that made them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile as execFileCb, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as api from 'feats-edge';
import { root, startOrigin, checkoutSnapshot, until, launchChromiumBrowser } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/tmp.js';

const execFile = promisify(execFileCb);
const snapshot = readFileSync(join(root, 'examples/shop.json'), 'utf8');
const { probe } = await import('./app/probe.js');
const expected = await probe(api, snapshot);
const user = { user: { id: 'u-7', address: { country_code: 'CA' } } };

/** The code blocks of the README's section "In Next.js", by the file each names on its first line. */
function readme() {
  const text = readFileSync(join(root, 'README.md'), 'utf8');
  const section = text.slice(text.indexOf('### In Next.js'), text.indexOf('### With OpenFeature'));
  const blocks = Object.fromEntries([...section.matchAll(/```jsx?\n\/\/ (\S+)\n([\s\S]*?)```/g)].map((m) => [m[1], `// ${m[1]}\n${m[2]}`]));
  for (const file of ['middleware.js', 'lib/flags.js', 'proxy.js', 'app/shop/page.js', 'app/shop/report.js', 'next.config.js']) {
    assert.ok(blocks[file], `the README has ${file}`);
  }
  return blocks;
}

/** The pages every application has: the checkout the middleware or proxy rewrites to. */
const pages = {
  'app/layout.js': 'export default function RootLayout({ children }) { return <html><body>{children}</body></html>; }\n',
  'app/page.js': 'export default function Page() { return <p>home</p>; }\n',
  'app/checkout/[implementation]/page.js': `export default async function Page({ params }) {
  const { implementation } = await params;
  return <p id="checkout">Checkout: {implementation}</p>;
}
`,
};

/** Route handlers beside the middleware, on each runtime, and an edge route with a client of the origin it is given. */
const routes = {
  'app/api/edge/route.js': `import * as api from "feats-edge";
import { probe } from "../../../probe.js";
import snapshot from "../../../snapshot.js";
export const runtime = "edge";
export async function GET() { return Response.json({ result: await probe(api, snapshot), edge: typeof EdgeRuntime == "string" }); }
`,
  'app/api/node/route.js': `import * as api from "feats-edge";
import { probe } from "../../../probe.js";
import snapshot from "../../../snapshot.js";
export const runtime = "nodejs";
export const dynamic = "force-dynamic";
export async function GET() { return Response.json({ result: await probe(api, snapshot), edge: typeof EdgeRuntime == "string" }); }
`,
  // One load, one use reported, a refresh; then 2.5 s in which a client
  // whose timers outlived the invocation would poll every second (the
  // shortest refreshInterval there is).
  'app/api/client/route.js': `import { createClient } from "feats-edge";
export const runtime = "edge";
export async function GET(request) {
  const origin = new URL(request.url).searchParams.get("origin");
  const client = await createClient({ snapshotUrl: origin + "/snapshot.json", exposureUrl: origin + "/exposures", refreshInterval: 1000, flushInterval: 0 });
  const context = JSON.parse(request.headers.get("x-context"));
  const found = client.findImplementation("PaymentProcessor", context), created = client.create("PaymentProcessor", context);
  await client.flush();
  await client.refresh();
  await new Promise((r) => setTimeout(r, 2500));
  const out = { revision: client.revision, found, created, stats: { ...client.stats } };
  await client.close();
  return Response.json(out);
}
`,
};

/** The Next.js configuration the README gives for code on Node. */
const config = { 'next.config.js': 'export default { serverExternalPackages: ["feats-edge"] };\n' };

/** A server component and a route handler on the README's `lib/flags.js`, beside its proxy. */
const onNode = {
  'app/sc/page.js': `import { cookies } from "next/headers";
import { flags } from "../../lib/flags.js";
export const dynamic = "force-dynamic";
export default async function Page() {
  const client = await flags();
  const user = { id: (await cookies()).get("uid")?.value };
  return <p id="sc">Server: {client.findImplementation("Checkout", { user }) ?? "classic"}</p>;
}
`,
  'app/api/flags/route.js': `import { flags } from "../../../lib/flags.js";
export const dynamic = "force-dynamic";
export async function GET(request) {
  const client = await flags();
  const id = new URL(request.url).searchParams.get("uid");
  return Response.json({ checkout: client.findImplementation("Checkout", { user: { id } }), revision: client.revision });
}
`,
};

/**
 * The applications: the README's middleware with the routes, built by
 * Turbopack and by webpack, and the README's proxy with a server component
 * and a route handler on its client.
 */
const apps = {
  turbopack: { build: [], files: () => ({ ...pages, ...routes, ...config, 'middleware.js': readme()['middleware.js'] }) },
  // (Next.js 16.4's webpack build fails on any route handler with the edge
  // runtime, with or without the package: only the Node one here.)
  webpack: { build: ['--webpack'], files: () => ({ ...pages, 'app/api/node/route.js': routes['app/api/node/route.js'], ...config, 'middleware.js': readme()['middleware.js'] }) },
  proxy: { build: [], files: () => ({ ...pages, ...onNode, ...named(['lib/flags.js', 'proxy.js', 'app/shop/page.js', 'app/shop/report.js', 'next.config.js']) }) },
  // The shop page of a server whose snapshot origin is down; the browser's is up.
  cold: { build: [], files: () => ({ ...pages, ...named(['lib/flags.js', 'app/shop/page.js', 'app/shop/report.js', 'next.config.js']) }),
    env: { SNAPSHOT_URL: 'http://127.0.0.1:9/snapshot.json' } },
};

/** The README's blocks for `files`. @param {string[]} files */
const named = (files) => {
  const blocks = readme();
  return Object.fromEntries(files.map((f) => [f, blocks[f]]));
};

/** Per application: its folder, its origin (snapshot and exposures), `next start`'s URL and process. */
const running = {};

/**
 * Builds application `name` in a folder of its own inside the repository
 * (git-ignored target/, so that Next.js and React resolve from its
 * node_modules; the package itself is the tarball's) and starts it.
 */
async function start(name, tarball) {
  const { build, files, env: own = {} } = apps[name];
  mkdirSync(join(root, 'target'), { recursive: true });
  const dir = mkdtempSync(join(root, 'target', `next-${name}-`));
  const it = (running[name] = { dir, origin: await startOrigin(checkoutSnapshot('next-1')), url: '', server: null, out: '' });
  cpSync(join(root, 'tests/js/installed/app/probe.js'), join(dir, 'probe.js'));
  writeFileSync(join(dir, 'snapshot.js'), `export default ${JSON.stringify(snapshot)};\n`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `next-${name}`, private: true, type: 'module' }));
  for (const [file, text] of Object.entries(files())) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  await execFile('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball], { cwd: dir });
  const next = join(root, 'node_modules/next/dist/bin/next');
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', SNAPSHOT_URL: `${it.origin.url}/snapshot.json`, EXPOSURE_URL: `${it.origin.url}/exposures`, FLAGS_ORIGIN: it.origin.url, ...own };
  await execFile(process.execPath, [next, 'build', ...build], { cwd: dir, env, maxBuffer: 16 << 20 }).catch((e) => {
    throw new Error(`${name}: next build failed:\n${e.stdout}\n${e.stderr}`);
  });
  // (Next.js runs server modules while it builds: what its clients asked then is not the server's.)
  it.origin.fetches.length = 0;
  it.origin.agents.length = 0;
  it.origin.exposures.length = 0;
  it.server = spawn(process.execPath, [next, 'start', '--port', '0', '--hostname', '127.0.0.1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  it.exited = new Promise((r) => it.server.on('exit', r));
  it.url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: next start did not start: ${it.out}`)), 30000);
    const look = (d) => {
      it.out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(it.out);
      if (m) clearTimeout(timer), resolve(`http://127.0.0.1:${m[1]}`);
    };
    it.server.stdout.on('data', look);
    it.server.stderr.on('data', look);
    it.exited.then((code) => reject(new Error(`${name}: next start exited (${code}): ${it.out}`)));
  });
}

before(async () => {
  const packed = tempDir('next-pack');
  const { stdout } = await execFile('npm', ['pack', '--pack-destination', packed, '--silent'], { cwd: join(root, 'pkg') });
  const tarball = join(packed, stdout.trim().split('\n').pop());
  for (const name of Object.keys(apps)) await start(name, tarball);
});

after(async () => {
  for (const it of Object.values(running)) {
    if (it.server && it.server.exitCode === null) {
      it.server.kill('SIGTERM');
      await it.exited;
    }
    await it.origin.close();
    rmSync(it.dir, { recursive: true, force: true });
  }
});

/** Six users asking twice: each one's implementation, reported once; one snapshot fetch. */
async function checkout(name) {
  const { url, origin, out } = running[name];
  const engine = new api.Engine(checkoutSnapshot('next-1'));
  const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
  const chosen = (id) => engine.implementation('Checkout', { user: { id } });
  for (const id of [...users, ...users]) {
    const res = await fetch(`${url}/checkout`, { headers: { cookie: `uid=${id}` } });
    assert.equal(res.status, 200, out);
    assert.match(await res.text(), new RegExp(`Checkout: (<!-- -->)?${chosen(id)}<`));
  }
  // (The proxy's client sends its batch every flushInterval: 5 s.)
  await until(() => origin.exposures.length >= users.length, 15000);
  assert.deepEqual(origin.exposures.map((e) => [e.unit.value, e.implementation, e.revision]).sort(),
    users.map((id) => [id, chosen(id), 'next-1']).sort());
  assert.deepEqual(origin.fetches, [{ ifNoneMatch: undefined, status: 200 }]);
  engine.free();
}

/** Route handlers of application `name` (on the edge runtime and on Node: `runtimes`). */
async function routesAnswer(name, runtimes) {
  for (const [route, edge] of runtimes) {
    const res = await fetch(`${running[name].url}/api/${route}`);
    assert.equal(res.status, 200, `${route}: ${running[name].out}`);
    const body = await res.json();
    assert.equal(body.edge, edge, `/api/${route} runs on the ${edge ? 'edge' : 'Node'} runtime`);
    assert.deepEqual(body.result, expected);
  }
}

test('Next.js 16, Turbopack: the README\'s middleware, as written, on the edge runtime: each user\'s implementation, reported once after the response', () => checkout('turbopack'));

test('Next.js 16, webpack: the README\'s middleware, as written, builds and answers the same', () => checkout('webpack'));

test('Next.js 16, Node: the README\'s proxy, as written: each user\'s implementation, reported once', () => checkout('proxy'));

test('Next.js 16, Node: a server component and a route handler on the README\'s lib/flags.js share the proxy\'s client', async () => {
  const { url, origin, out } = running.proxy;
  const engine = new api.Engine(checkoutSnapshot('next-1'));
  for (const id of ['u1', 'u2', 'u3', 'u4']) {
    const chosen = engine.implementation('Checkout', { user: { id } });
    const page = await fetch(`${url}/sc`, { headers: { cookie: `uid=${id}` } });
    assert.equal(page.status, 200, out);
    assert.match(await page.text(), new RegExp(`Server: (<!-- -->)?${chosen}<`));
    assert.deepEqual(await (await fetch(`${url}/api/flags?uid=${id}`)).json(), { checkout: chosen, revision: 'next-1' });
  }
  engine.free();
  // One client for the process: the proxy's fetch was the only one.
  assert.deepEqual(origin.fetches, [{ ifNoneMatch: undefined, status: 200 }]);
});

test('Next.js 16, Turbopack and webpack: route handlers on the edge runtime and on Node answer as this checkout', async () => {
  await routesAnswer('turbopack', [['edge', true], ['node', false]]);
  await routesAnswer('webpack', [['node', false]]);
});

test('Next.js 16: a client in an edge route loads, reports and revalidates with its ETag, and does not poll while the route waits', async () => {
  const shop = await startOrigin(snapshot);
  try {
    const res = await fetch(`${running.turbopack.url}/api/client?origin=${encodeURIComponent(shop.url)}`, { headers: { 'x-context': JSON.stringify(user) } });
    assert.equal(res.status, 200, running.turbopack.out);
    const engine = new api.Engine(snapshot);
    const { stickyKey, errorCode, ...event } = engine.evaluate('PaymentProcessor', user);
    engine.free();
    assert.deepEqual(await res.json(), { revision: engine.revision, found: event.implementation, created: event.implementation, stats: { dropped: 0, sent: 1, failed: 0, queued: 0 } });
    assert.deepEqual(shop.exposures.map(({ timestamp, ...e }) => e), [event]);
    // The first load and the refresh: no poll timer after the first load (its requests belong to the invocation).
    assert.deepEqual(shop.fetches, [{ ifNoneMatch: undefined, status: 200 }, { ifNoneMatch: '"v1"', status: 304 }]);
  } finally {
    await shop.close();
  }
});

test('Next.js 16, Node: the README\'s server-rendered page, as written, in Chromium: the server\'s choice in the HTML, reported once by the browser, whose snapshot is a 304', async () => {
  const { url, origin, out } = running.proxy;
  const engine = new api.Engine(checkoutSnapshot('next-1'));
  const browser = await launchChromiumBrowser();
  try {
    for (const id of ['s1', 's2', 's3', 's4', 's5']) {
      const heading = engine.implementation('Checkout', { user: { id } }) === 'onepage' ? 'One-page checkout' : 'Classic checkout';
      const html = await (await fetch(`${url}/shop`, { headers: { cookie: `uid=${id}` } })).text();
      assert.match(html, new RegExp(`<h1 id="checkout">${heading}</h1>`), out);
      const context = await browser.newContext();
      await context.addCookies([{ name: 'uid', value: id, url }]);
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // (A failed load is said by its response, with its URL: the browser's own ask for /favicon.ico is not the page's.)
      page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
      page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`));
      // What the browser said of its reports (for the message if one is not heard).
      const reports = [];
      const report = (r) => r.url().endsWith('/flags/exposures');
      context.on('request', (r) => report(r) && reports.push(`${r.method()} ${r.postData()?.length ?? 0} B`));
      context.on('requestfinished', async (r) => report(r) && reports.push(`answered ${(await r.response())?.status()}`));
      context.on('requestfailed', (r) => report(r) && reports.push(`failed: ${r.failure()?.errorText}`));
      const fetches = origin.fetches.length;
      await page.goto(`${url}/shop`);
      assert.equal(await page.textContent('#checkout'), heading);
      // The page's client revalidated the server's snapshot: a 304 (the
      // browser's request: the server's client may poll meanwhile).
      const browsers = () => origin.fetches.filter((f, i) => i >= fetches && /Chrome/.test(origin.agents[i]));
      await until(() => browsers().length > 0, 10000);
      assert.deepEqual(browsers(), [{ ifNoneMatch: '"v1"', status: 304 }]);
      // Its report leaves when the page goes away (or with the next batch).
      await page.close({ runBeforeUnload: true });
      const heard = await until(() => origin.exposures.some((e) => e.unit?.value === id), 15000);
      assert.ok(heard, `${id}: no report heard 15 s after the page closed. The browser's reports: ${JSON.stringify(reports)}; `
        + `the origin's exposure POSTs: ${origin.exposurePosts}; the page's errors: ${JSON.stringify(errors)}; the server said: ${running.proxy.out.slice(-2000)}`);
      await context.close();
      assert.deepEqual(errors, [], 'no hydration or other error');
    }
    for (const id of ['s1', 's2', 's3', 's4', 's5']) {
      const mine = origin.exposures.filter((e) => e.unit?.value === id);
      assert.deepEqual(mine.map((e) => [e.feature, e.implementation, e.reason, e.revision]), [['Checkout', engine.implementation('Checkout', { user: { id } }), 'SPLIT', 'next-1']]);
    }
  } finally {
    await browser.close();
    engine.free();
  }
});

test('Next.js 16, Node: the README\'s server-rendered page with no snapshot on the server: the code default rendered, and reported by the browser', async () => {
  const { url, origin, out } = running.cold;
  const browser = await launchChromiumBrowser();
  try {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'uid', value: 'c1', url }]);
    const page = await context.newPage();
    await page.goto(`${url}/shop`);
    assert.equal(await page.textContent('#checkout'), 'Classic checkout', out);
    // The page's client loads the snapshot first, then reports (in its next batch: 5 s).
    await until(() => origin.exposures.length > 0, 15000);
    await context.close();
    assert.deepEqual(origin.exposures.map((e) => [e.feature, e.implementation, e.revision]), [['Checkout', 'classic', 'next-1']]);
    // The browser loaded the snapshot itself (no bootstrap to revalidate).
    assert.deepEqual(origin.fetches, [{ ifNoneMatch: undefined, status: 200 }]);
  } finally {
    await browser.close();
  }
});
