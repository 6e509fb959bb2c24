// A small HTTP server for the client tests: a snapshot endpoint with ETag/304
// and switchable failures, and an exposure endpoint that records bodies.
import { createServer } from 'node:http';

/**
 * @typedef {'ok' | '500' | '429' | 'hang' | 'slow' | 'truncated' | 'cut' | 'html' | 'drop' | '404'} SnapshotMode
 * @typedef {'ok' | '500' | '429' | '400' | '408' | '413' | 'drop' | 'alternate' | 'slow'} ExposureMode
 */

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startServer({ snapshot = null, etag = '"v1"', mode = /** @type {SnapshotMode} */ ('ok') } = {}) {
  const state = {
    /** @type {object | string | null} */ snapshot,
    etag,
    /** @type {SnapshotMode} */ mode,
    /** @type {ExposureMode} */ exposureMode: 'ok',
    retryAfter: '1',
    /** the Date header of a 429 for snapshots (a server whose clock is off); undefined: the real one */
    date: undefined,
    delay: 300,
    /** the longest exposure body (bytes) taken in mode '413': longer ones are answered 413 */
    maxBody: 1000,
    /** @type {SnapshotMode[]} modes used once each, before `mode` */ next: [],
    /** @type {{time: number, headers: import('node:http').IncomingHttpHeaders, status: number}[]} */
    snapshotRequests: [],
    /** @type {{time: number, headers: import('node:http').IncomingHttpHeaders, body: string, status: number}[]} */
    exposureRequests: [],
    /** every request body and URL, to grep for leaks */
    raw: [],
    alternate: 0,
  };
  const sockets = new Set();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      state.raw.push(req.method + ' ' + req.url + ' ' + JSON.stringify(req.headers) + ' ' + body);
      if (req.url.startsWith('/snapshot')) serveSnapshot(req, res);
      else if (req.url.startsWith('/exposures')) serveExposure(req, res, body);
      else res.writeHead(404).end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function serveSnapshot(req, res) {
    const mode = state.next.shift() ?? state.mode;
    const entry = { time: performance.now(), wall: Date.now(), headers: req.headers, status: 0, mode, closed: false };
    state.snapshotRequests.push(entry);
    res.on('close', () => (entry.closed = true));
    const text = typeof state.snapshot === 'string' ? state.snapshot : JSON.stringify(state.snapshot);
    const send = (status, headers, body) => {
      entry.status = status;
      res.writeHead(status, headers).end(body);
    };
    switch (mode) {
      case 'hang': return;
      case 'drop': return req.socket.destroy();
      case '500': return send(500, { 'Content-Type': 'text/plain' }, 'oops');
      case '404': return send(404, { 'Content-Type': 'text/plain' }, 'not found');
      case '429': return send(429, { 'Retry-After': state.retryAfter, ...(state.date && { Date: state.date }) }, 'slow down');
      case 'html': return send(200, { 'Content-Type': 'text/html', ETag: '"html"' }, '<!doctype html><title>Login</title>');
      case 'truncated': // a chunked body that just stops: the client reads half a JSON document
        return send(200, { 'Content-Type': 'application/json', ETag: '"half"' }, text.slice(0, text.length >> 1));
      case 'cut': // Content-Length promises more than arrives, then the connection closes
        entry.status = 200;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': text.length, ETag: '"cut"' });
        res.write(text.slice(0, text.length >> 1));
        return setTimeout(() => req.socket.destroy(), 10);
      case 'slow':
        return setTimeout(() => serveOk(req, send, text), state.delay);
      default:
        return serveOk(req, send, text);
    }
  }

  function serveOk(req, send, text) {
    if (state.snapshot == null) return send(404, {}, '');
    if (req.headers['if-none-match'] === state.etag) return send(304, { ETag: state.etag });
    send(200, { 'Content-Type': 'application/json', ETag: state.etag }, text);
  }

  function serveExposure(req, res, body) {
    let mode = state.exposureMode;
    if (mode === 'alternate') mode = state.alternate++ % 2 === 0 ? '500' : 'ok';
    const entry = { time: performance.now(), headers: req.headers, body, status: 0, mode };
    state.exposureRequests.push(entry);
    const send = (status, headers = {}) => {
      entry.status = status;
      res.writeHead(status, headers).end();
    };
    switch (mode) {
      case 'drop': return req.socket.destroy();
      case '500': return send(503);
      case '429': return send(429, { 'Retry-After': state.retryAfter });
      case '400': return send(400);
      case '408': return send(408);
      case '413': return send(Buffer.byteLength(body) > state.maxBody ? 413 : 204);
      case 'slow': return setTimeout(() => send(204), state.delay);
      default: return send(204);
    }
  }

  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    state,
    base,
    snapshotUrl: `${base}/snapshot.json`,
    exposureUrl: `${base}/exposures`,
    /** Every event the exposure endpoint accepted (2xx). */
    accepted: () => state.exposureRequests.filter((r) => r.status >= 200 && r.status < 300).flatMap((r) => JSON.parse(r.body).events),
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

/** A URL on which nothing listens: connections are refused. */
export async function refusedUrl(path = '/snapshot.json') {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}${path}`;
}

/**
 * A server on 127.0.0.1 answering with `handle(req, res)`, recording each
 * request's URL and headers; closed after the test `t`.
 * @param {import('node:test').TestContext} t
 * @param {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void} handle
 */
export async function recordingServer(t, handle) {
  /** @type {{url: string | undefined, headers: import('node:http').IncomingHttpHeaders}[]} */
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url, headers: req.headers });
    handle(req, res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => (server.closeAllConnections(), server.close(r))));
  return { url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`, requests };
}

/** Resolves when `check()` is truthy; fails after `ms`. */
export async function until(check, ms = 3000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Every backoff step at its ceiling (`Math.random` at its top) until test
 * `t` ends: for a test about what one failure says, which a retry after a
 * random step could otherwise come inside (a step is drawn from zero up),
 * and for one that checks the steps themselves.
 * @param {import('node:test').TestContext} t
 */
export function longBackoff(t) {
  const random = Math.random;
  Math.random = () => 1 - 2 ** -53;
  t.after(() => {
    Math.random = random;
  });
}
