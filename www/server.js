// The demo server: serves www/ and the npm package, the snapshot with an
// ETag (304 on If-None-Match), collects exposures, and streams what happens
// (snapshot changes, exposures) to open pages as server-sent events.
//
//   node www/server.js [--port 8787] [--snapshot www/snapshot.json]
//
// GET  /flags/snapshot.json   the snapshot (ETag, Cache-Control: no-cache)
// PUT  /flags/snapshot.json   replace it (the demo's kill switch button and the tests use it)
// POST /flags/exposures       {"events": [...]}, Content-Type: application/json, from this
//                             server's own origin, at most 1 MiB (413 past it); the last
//                             MAX_EXPOSURES kept in memory
// GET  /flags/exposures       the exposures kept
// GET  /flags/events          server-sent events: "exposure" (those so far first; after a
//                             reconnect, those after Last-Event-ID), "snapshot"
// The snapshot file is watched: editing it reaches open pages by polling,
// also when an editor saves by renaming a new file over it.
//
// Every request must name this server in Host (127.0.0.1 or localhost, on
// its port: a page on a rebound DNS name can neither read the exposure log
// nor change anything), and one that changes something (POST, PUT, DELETE
// under /flags/) must come from this server's origin when it has an
// Origin: another page open in the developer's browser cannot fill the
// exposure log or replace the snapshot. A page's event stream that stops
// being read is cut off past 1 MiB unsent.

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { readFileSync, watch } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const port = Number(arg('port', process.env.PORT ?? 8787));
const snapshotPath = resolve(arg('snapshot', join(root, 'www/snapshot.json')));

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png',
};

let snapshot = { text: '', etag: '' };
function setSnapshot(text) {
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"`;
  if (etag === snapshot.etag) return false;
  snapshot = { text, etag };
  broadcast('snapshot', { etag });
  return true;
}

/** How many exposures are kept (the oldest go first), and the largest one kept, in bytes of JSON. */
const MAX_EXPOSURES = 10000;
const MAX_EXPOSURE_BYTES = 4096;
/**
 * The last MAX_EXPOSURES exposures received, oldest first, each with its
 * event id: this server's start and a sequence number (which keeps counting
 * as the oldest are dropped).
 */
const exposures = [];
const boot = Date.now().toString(36);
let sequence = 0;
const listeners = new Set();
/** The most a stream may hold unsent: a page that stops reading is cut off (EventSource reconnects and catches up). */
const MAX_UNSENT = 1 << 20;
const message = (event, data, id) => `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
function broadcast(event, data, id) {
  for (const res of listeners) {
    if (res.writableLength > MAX_UNSENT) listeners.delete(res), res.destroy();
    else res.write(message(event, data, id));
  }
}
/**
 * The sequence number after which a stream has not had the exposures: 0,
 * or after a reconnect (EventSource sends the last id it saw) that id's,
 * so that a page's log shows each once. An id from another start of the
 * server: 0 (all kept). An id older than the oldest kept: all kept (those
 * between were dropped).
 */
function seenUpTo(lastId) {
  const [start, n] = String(lastId ?? '').split(':');
  return start === boot && Number(n) >= 0 ? Number(n) : 0;
}
/** The index of the first kept exposure after sequence number `seq` (they are in order). */
function after(seq) {
  let lo = 0;
  let hi = exposures.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (exposures[mid].seq > seq) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
/**
 * A page's event stream: the snapshot's ETag, the exposures it has not had
 * (sent as fast as it reads them: one that does not read holds a buffer's
 * worth, not the log), then every new one as it comes.
 */
async function stream(req, res) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(message('snapshot', { etag: snapshot.etag }));
  let seq = seenUpTo(req.headers['last-event-id']);
  for (let x; !res.destroyed && (x = exposures[after(seq)]); seq = x.seq) {
    if (!res.write(message('exposure', x.event, `${boot}:${x.seq}`))) {
      await new Promise((r) => {
        const go = () => (res.off('drain', go), res.off('close', go), r());
        res.on('drain', go).on('close', go);
      });
    }
  }
  if (res.destroyed) return;
  listeners.add(res);
  req.on('close', () => listeners.delete(res));
}

setSnapshot(readFileSync(snapshotPath, 'utf8'));
try {
  // The directory, not the file: an editor that saves by renaming a new
  // file over the old one would leave a watch on the file deaf.
  // Read 50 ms after the last event: a save is several (truncate, write).
  let timer;
  watch(dirname(snapshotPath), { persistent: false }, (_, name) => {
    if (name !== null && name !== basename(snapshotPath)) return;
    clearTimeout(timer);
    timer = setTimeout(() => readFile(snapshotPath, 'utf8').then(setSnapshot, () => {}), 50);
  });
} catch { /* watching is a convenience */ }

/**
 * A request's body as text, at most `limit` bytes. Past it, an error with
 * status 413: a page's client sends a batch of exposures answered 413
 * again in halves (answered 400, it dropped the batch).
 */
async function body(req, limit = 16 * 1024 * 1024 + 1) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > limit) throw Object.assign(new Error('too large'), { status: 413 });
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// Static files: www/ at /, the package at /pkg/.
async function serveFile(res, urlPath) {
  const base = urlPath.startsWith('/pkg/') ? join(root, 'pkg') : join(root, 'www');
  const rel = urlPath.startsWith('/pkg/') ? urlPath.slice(4) : urlPath;
  let name;
  try {
    name = decodeURIComponent(rel);
  } catch {
    return send(res, 400, 'malformed % escape in the path');
  }
  let file = normalize(join(base, name));
  if (!file.startsWith(base + sep)) return send(res, 403, 'forbidden'); // not a sibling such as www2/
  try {
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    const data = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(data);
  } catch {
    send(res, 404, 'not found');
  }
}

/** Host names this server answers to as its own (it listens on 127.0.0.1 only). */
const ownHosts = new Set(['127.0.0.1', 'localhost']);
/**
 * Why a request is refused (403), or '' if it is not: its Host must be this
 * server (a page on a rebound DNS name reads nothing either: the exposure
 * log holds unit ids), and a request that changes something (`writes`)
 * must come from this server's own origin when it says where from.
 */
function refusal(req, writes) {
  let host;
  try {
    host = new URL(`http://${req.headers.host}`);
  } catch {
    return 'the Host header is not this server';
  }
  if (!ownHosts.has(host.hostname) || Number(host.port || 80) !== server.address().port) return 'the Host header is not this server';
  const origin = req.headers.origin;
  if (writes && origin !== undefined && origin.toLowerCase() !== host.origin) return `requests from ${origin} are refused: only from ${host.origin}`;
  return '';
}

const isJson = (req) => (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/json';

/** The exposures worth keeping from a POSTed batch: objects (not null, not arrays) of at most MAX_EXPOSURE_BYTES. */
const keepable = (e) => e !== null && typeof e === 'object' && !Array.isArray(e) && Buffer.byteLength(JSON.stringify(e)) <= MAX_EXPOSURE_BYTES;

function send(res, status, text, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

/**
 * Whether an `If-None-Match` header names `etag` (RFC 9110: a list, compared
 * weakly, or `*`). An edge cache sends the ETag it holds beside one it
 * refused (`"good", "refused"`), and gets a 304 for either.
 */
function matches(header, etag) {
  if (!header) return false;
  const weak = (t) => t.trim().replace(/^W\//, '');
  return header.trim() === '*' || header.split(',').some((t) => weak(t) === weak(etag));
}

const server = createServer(async (req, res) => {
  try {
    // Inside the try: a request target such as `//` is no URL (a 400, not a crash).
    const url = new URL(req.url, 'http://localhost');
    const why = refusal(req, url.pathname.startsWith('/flags/') && ['POST', 'PUT', 'DELETE'].includes(req.method));
    if (why) return send(res, 403, why);
    if (url.pathname === '/flags/snapshot.json') {
      if (req.method === 'PUT') {
        setSnapshot(await body(req));
        return send(res, 204, '');
      }
      if (matches(req.headers['if-none-match'], snapshot.etag)) {
        res.writeHead(304, { etag: snapshot.etag });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json', etag: snapshot.etag, 'cache-control': 'no-cache' });
      return res.end(snapshot.text);
    }
    if (url.pathname === '/flags/exposures') {
      if (req.method === 'POST') {
        const { events } = JSON.parse(await body(req, 1 << 20));
        if (!Array.isArray(events)) return send(res, 400, 'events must be an array');
        // application/json only: a page on another origin cannot send it without a preflight, which is not answered here.
        if (!isJson(req)) return send(res, 415, 'expected Content-Type: application/json');
        // Events that are not objects (the page's log reads their fields) or are too large are dropped.
        const kept = events.filter(keepable).slice(-MAX_EXPOSURES);
        for (const e of kept) {
          const x = { seq: ++sequence, event: e };
          exposures.push(x);
          broadcast('exposure', e, `${boot}:${x.seq}`);
        }
        if (exposures.length > MAX_EXPOSURES) exposures.splice(0, exposures.length - MAX_EXPOSURES);
        return send(res, 204, '', { 'feats-accepted': String(kept.length) });
      }
      if (req.method === 'DELETE') {
        exposures.length = 0;
        return send(res, 204, '');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(exposures.map((x) => x.event)));
    }
    // The exposures received so far first: a page's own may arrive before it connects.
    if (url.pathname === '/flags/events') return await stream(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    return await serveFile(res, url.pathname === '/' ? '/index.html' : url.pathname);
  } catch (e) {
    return send(res, e?.status ?? 400, String(e?.message ?? e));
  }
});

server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  console.log(`feats-edge demo on http://127.0.0.1:${actual}/  (playground: /playground.html)`);
});
