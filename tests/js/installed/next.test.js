// The packed package in a Next.js 16 application, built by `next build` and
// served by `next start`: the README's middleware (section "In Next.js"),
// taken from README.md as it is written, on the edge runtime (the package's
// `edge-light` entry, in Next's sandbox); route handlers on the edge runtime
// and on Node (its `node` entry, bundled by Turbopack) that answer as the
// package of this checkout; an edge route's client that polls with its ETag
// and reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile as execFileCb, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as api from 'feats-edge';
import { root, startOrigin, checkoutSnapshot, until } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/tmp.js';

const execFile = promisify(execFileCb);
const snapshot = readFileSync(join(root, 'examples/shop.json'), 'utf8');
const { probe } = await import('./app/probe.js');
const expected = await probe(api, snapshot);
const user = { user: { id: 'u-7', address: { country_code: 'CA' } } };

/** The application's pages and route handlers, beside the probe (its middleware is the README's). */
const files = {
  'app/layout.js': 'export default function RootLayout({ children }) { return <html><body>{children}</body></html>; }\n',
  'app/page.js': 'export default function Page() { return <p>home</p>; }\n',
  'app/checkout/[implementation]/page.js': `export default async function Page({ params }) {
  const { implementation } = await params;
  return <p id="checkout">Checkout: {implementation}</p>;
}
`,
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
  // A client of the origin the test names: one load, one use reported, a refresh.
  'app/api/client/route.js': `import { createClient } from "feats-edge";
export const runtime = "edge";
export async function GET(request) {
  const origin = new URL(request.url).searchParams.get("origin");
  const client = await createClient({ snapshotUrl: origin + "/snapshot.json", exposureUrl: origin + "/exposures", refreshInterval: 0, flushInterval: 0 });
  const context = JSON.parse(request.headers.get("x-context"));
  const found = client.findImplementation("PaymentProcessor", context), created = client.create("PaymentProcessor", context);
  await client.flush();
  await client.refresh();
  const out = { revision: client.revision, found, created, stats: { ...client.stats } };
  await client.close();
  return Response.json(out);
}
`,
};

let app = '';
let server = null;
let url = '';
/** The origin the README's middleware takes its snapshot from and reports to. */
let origin = null;

/** The first `js` block of the README's section "In Next.js". */
function readmeMiddleware() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('### In Next.js')));
  assert.ok(block, 'the README has the Next.js middleware');
  return block[1];
}

before(async () => {
  const packed = tempDir('next-pack');
  const { stdout } = await execFile('npm', ['pack', '--pack-destination', packed, '--silent'], { cwd: join(root, 'pkg') });
  const tarball = join(packed, stdout.trim().split('\n').pop());
  // Inside the repository (git-ignored target/), so that Next.js and React
  // resolve from its node_modules; the package itself is the tarball's.
  mkdirSync(join(root, 'target'), { recursive: true });
  app = mkdtempSync(join(root, 'target', 'next-app-'));
  process.once('exit', () => rmSync(app, { recursive: true, force: true }));
  cpSync(join(root, 'tests/js/installed/app/probe.js'), join(app, 'probe.js'));
  writeFileSync(join(app, 'snapshot.js'), `export default ${JSON.stringify(snapshot)};\n`);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'next-app', private: true, type: 'module' }));
  for (const [name, text] of Object.entries({ ...files, 'middleware.js': readmeMiddleware() })) {
    mkdirSync(join(app, name, '..'), { recursive: true });
    writeFileSync(join(app, name), text);
  }
  await execFile('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball], { cwd: app });
  const next = join(root, 'node_modules/next/dist/bin/next');
  origin = await startOrigin(checkoutSnapshot('next-1'));
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', SNAPSHOT_URL: `${origin.url}/snapshot.json`, EXPOSURE_URL: `${origin.url}/exposures` };
  await execFile(process.execPath, [next, 'build'], { cwd: app, env, maxBuffer: 16 << 20 }).catch((e) => {
    throw new Error(`next build failed:\n${e.stdout}\n${e.stderr}`);
  });
  server = spawn(process.execPath, [next, 'start', '--port', '0', '--hostname', '127.0.0.1'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`next start did not start: ${out}`)), 30000);
    const look = (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) clearTimeout(timer), resolve(`http://127.0.0.1:${m[1]}`);
    };
    server.stdout.on('data', look);
    server.stderr.on('data', look);
    server.on('exit', (code) => reject(new Error(`next start exited (${code}): ${out}`)));
  });
  server.log = () => out;
});

after(async () => {
  server?.kill('SIGTERM');
  await origin?.close();
});

test('Next.js 16: the README\'s middleware, as written, on the edge runtime: each user\'s implementation, reported once after the response', async () => {
  const engine = new api.Engine(checkoutSnapshot('next-1'));
  const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
  for (const id of [...users, ...users]) {
    const res = await fetch(`${url}/checkout`, { headers: { cookie: `uid=${id}` } });
    assert.equal(res.status, 200, server.log());
    const chosen = engine.implementation('Checkout', { user: { id } });
    assert.match(await res.text(), new RegExp(`Checkout: (<!-- -->)?${chosen}<`));
  }
  await until(() => origin.exposures.length >= users.length);
  assert.deepEqual(origin.exposures.map((e) => [e.unit.value, e.implementation, e.revision]).sort(),
    users.map((id) => [id, engine.implementation('Checkout', { user: { id } }), 'next-1']).sort());
  // One client for the isolate: one snapshot fetch for twelve requests.
  assert.deepEqual(origin.fetches, [{ ifNoneMatch: undefined, status: 200 }]);
  engine.free();
});

test('Next.js 16: route handlers on the edge runtime and on Node answer as this checkout', async () => {
  for (const [route, edge] of [['edge', true], ['node', false]]) {
    const res = await fetch(`${url}/api/${route}`);
    assert.equal(res.status, 200, `${route}: ${server.log()}`);
    const body = await res.json();
    assert.equal(body.edge, edge, `/api/${route} runs on the ${edge ? 'edge' : 'Node'} runtime`);
    assert.deepEqual(body.result, expected);
  }
});

test('Next.js 16: a client in an edge route loads, reports and revalidates with its ETag', async () => {
  const shop = await startOrigin(snapshot);
  try {
    const res = await fetch(`${url}/api/client?origin=${encodeURIComponent(shop.url)}`, { headers: { 'x-context': JSON.stringify(user) } });
    assert.equal(res.status, 200, server.log());
    const engine = new api.Engine(snapshot);
    const { stickyKey, errorCode, timestamp, ...event } = { ...engine.evaluate('PaymentProcessor', user), timestamp: 0 };
    engine.free();
    assert.deepEqual(await res.json(), { revision: engine.revision, found: event.implementation, created: event.implementation, stats: { dropped: 0, sent: 1, failed: 0, queued: 0 } });
    assert.deepEqual(shop.exposures.map(({ timestamp, ...e }) => e), [event]);
    assert.deepEqual(shop.fetches, [{ ifNoneMatch: undefined, status: 200 }, { ifNoneMatch: '"v1"', status: 304 }]);
  } finally {
    await shop.close();
  }
});
