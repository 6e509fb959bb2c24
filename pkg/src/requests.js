// A request's life outside its answer: given up on after REQUEST_TIMEOUT
// or when its signal aborts, its body read or let go, and what it threw
// as an Error that names it.

import { text } from './engine.js';

/** The longest a request may take, its body included (ms). */
export const REQUEST_TIMEOUT = 3e4;

/**
 * `p`, or its signal's reason once `signal` aborts: a `fetch` option that
 * does not pass the signal on is given up on all the same (after 30 s, or
 * by close()), though what it started runs on.
 * @template T @param {Promise<T>} p @param {AbortSignal} signal @returns {Promise<T>}
 */
export function abortable(p, signal) {
  return new Promise((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    Promise.resolve(p)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', stop));
    if (signal.aborted) stop();
  });
}

/**
 * Why a request was given up on after REQUEST_TIMEOUT: what `fetch` and
 * the body's reader reject with. Without it they rejected with "This
 * operation was aborted", as if the application had aborted it. Named
 * `AbortError` as that was (a POST given up on is a slow link, not a
 * refusal: see `send` in client.js).
 * @param {unknown} u
 */
export function timedOut(u) {
  const err = new Error(`feats-edge: ${text(u)} did not answer in full within ${REQUEST_TIMEOUT / 1000} s`);
  err.name = 'AbortError';
  return err;
}

/**
 * What a request to `u` threw, as an Error that names it: a runtime's
 * network error says only "Failed to fetch", and a `fetch` option may
 * reject with anything (`null` included). Errors that start with
 * `feats-edge:` (the client's own), or say `status` or `permanent` (a
 * `fetch` option's that read the answer), are kept as they are; else the
 * original is the `cause`, its name is kept (an `AbortError` stays one),
 * and so are the `status` and `permanent` it says (a `fetch` option that
 * rejects with a plain object: the listeners get an Error all the same).
 * `extra`: said after the original's message.
 * @param {unknown} e @param {unknown} u @param {string} [extra]
 */
export function failed(e, u, extra = '') {
  const object = Object(e) === e ? /** @type {any} */ (e) : null;
  if (object instanceof Error && (object.permanent || object.status !== undefined || String(object.message).startsWith('feats-edge:'))) return object;
  const why = object?.message === undefined && typeof object?.status == 'number' ? `status ${object.status}` : object ? text(object.message) : text(e);
  const err = new Error(`feats-edge: ${text(u)}: ${why}${extra}`, { cause: e });
  if (typeof object?.name == 'string') err.name = object.name;
  if (typeof object?.status == 'number') Object.assign(err, { status: object.status });
  if (object?.permanent === true) Object.assign(err, { permanent: true });
  return err;
}

/**
 * Said of a request to another origin that a page's `fetch` failed with no
 * answer: the browser tells the page no more than "Failed to fetch" for a
 * network error and for an answer CORS does not let it read (its console
 * says which), and the second is the usual mistake of a new deployment.
 */
export const CORS_HINT = ' (on another origin: a network error, or an answer without the CORS headers that let this page read it)';

/** Lets a response's body go unread (what throws or rejects there is of no use). @param {any} res */
export function discard(res) {
  try {
    res.body?.cancel?.().catch(() => {});
  } catch {}
}

/**
 * `chunks` in one array, copied once. Not through a `Blob`: where the
 * page's `Blob` is an emulation's (jsdom, as Jest's environment gives it) it may
 * have no `arrayBuffer()`, and every snapshot longer than one chunk failed.
 * @param {Uint8Array[]} chunks
 */
export function joined(chunks) {
  if (chunks.length == 1) return chunks[0];
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) all.set(c, at), (at += c.byteLength);
  return all;
}

/**
 * Reads a fetched snapshot's bytes as text with a leading byte order mark
 * kept: the engine skips one, as it does for `new Engine(bytes)` and the
 * command line for a file. Skipped here too (TextDecoder's default), a
 * second mark was skipped by the engine, and a body that `validate` refuses
 * loaded.
 */
export const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
