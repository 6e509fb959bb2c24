// HTTP answers as the client reads them: which are a success, which
// failures are retried, Retry-After and HTTP dates, the redirects a
// snapshot fetch follows, the ETags kept, and the errors said for answers.

/**
 * Whether an answer is a 2xx, read from its status as a Response's `ok`
 * is: a `fetch` option may give any object with a status and headers
 * (index.d.ts), which has no `ok`.
 * @param {{status: number}} res
 */
export const ok = (res) => res.status > 199 && res.status < 300;

/**
 * Whether an exposure POST's answer tells its events arrived: a 2xx, or
 * an answer a `no-cors` request cannot read (`opaque`, from a `fetch`
 * option asking that way): the sink received the POST and answered, and
 * what, nothing can tell, as with a beacon. Retried, it delivered the
 * same events again at each backoff step, for good.
 * @param {{status: number, type?: string}} res
 */
export const delivered = (res) => ok(res) || res.type == 'opaque';

/** Network errors, 429 and 5xx are retried. */
export const retryable = (s) => !s || s == 429 || s > 499;

/**
 * An exposure POST is retried on those and on 408 (Request Timeout): the
 * server gave up waiting for the body (a slow uplink), so the events were
 * not taken, and HTTP lets the request be repeated. Dropped as any other
 * 4xx, they were lost with the uplink's slowness.
 */
export const retryablePost = (s) => retryable(s) || s == 408;

/**
 * Retry-After is honoured up to the polling (or flush) interval or this (5
 * minutes), whichever is longer: a day-long one must not stop polling for a day.
 */
const MAX_RETRY_AFTER = 3e5;

/**
 * An HTTP date (which starts with a day's name, in any of RFC 9110's three
 * forms) as ms since the epoch; NaN for anything else (`Date.parse` reads
 * `0` as the year 2000 and `unknown 1` as 2001). The asctime form names no
 * zone, and `Date.parse` would read it as local time: it is GMT (so is the
 * same layout with the day's whole name, which no HTTP date has).
 * @param {string | null} h
 */
const httpDate = (h) =>
  /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,? /i.test(h ?? '')
    ? Date.parse(/^[a-z]+ [a-z]{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/i.test(/** @type {string} */ (h)) ? `${h} GMT` : /** @type {string} */ (h))
    : NaN;

/**
 * What an answer of status 0 was, by its `type`: a redirect not followed
 * (`opaqueredirect`, a `fetch` with `redirect: "manual"`), an answer a
 * `no-cors` fetch may not read (`opaque`), or a status 0 (a `fetch` option's
 * `Response.error()`, an object of its own). All three were said as a
 * redirect, which sent whoever read it looking for one.
 * @param {unknown} type
 */
const unread = (type) =>
  type == 'opaqueredirect' ? 'a redirect'
    : type == 'opaque' ? 'with an opaque response (a no-cors request\'s, whose status and body cannot be read)'
      : `status 0${typeof type == 'string' && type ? ` (a response of type ${JSON.stringify(type)})` : ''}`;

/**
 * An Error for an HTTP answer, with its status and Retry-After (ms, at most
 * max(`interval`, 5 minutes)). A redirect of an exposure POST (not followed:
 * fetch would send a 301, 302 or 303 on as a GET without the events; in a
 * browser its status reads 0) counts as status 300 and is not retried.
 */
export function httpError(url, res, interval, post) {
  const h = res.headers.get('Retry-After'); // seconds or an HTTP date
  // A date is read against the answer's own Date (a server's clock may be
  // off by hours), else against ours (Date is not exposed cross-origin).
  const at = httpDate(h);
  const ms = /^\d+$/.test(h) ? h * 1000 : at ? at - (httpDate(res.headers.get('Date')) || Date.now()) : 0;
  const status = res.type == 'opaqueredirect' ? 300 : res.status;
  const why = post && status > 299 && status < 400
    ? ` (${res.status ? 'a redirect: ' : ''}exposures are not sent on to another URL; give exposureUrl the one it leads to)` : '';
  return Object.assign(new Error(`feats-edge: ${url} answered ${res.status || unread(res.type)}${why}`), {
    status,
    retryAfter: Math.min(Math.max(0, ms), Math.max(interval, MAX_RETRY_AFTER)) || undefined,
  });
}

/**
 * Says in `err`, an answer's (a 4xx), that the `n` events of its POST are
 * given up: no retry can change it, and they are counted in
 * `stats.failed`. Answers `n`. (A setting's error, `permanent`, is one
 * object said once, and says already that nothing is sent.)
 * @param {Error & {permanent?: boolean}} err @param {number} n
 */
export function dropped(err, n) {
  try {
    if (!err.permanent) err.message += `: ${n} exposure event${n == 1 ? '' : 's'} dropped (stats.failed)`;
  } catch {}
  return n;
}

/** The most redirects a snapshot fetch follows (as `fetch` does), and the statuses it follows. */
export const MAX_REDIRECTS = 20, REDIRECTS = [301, 302, 303, 307, 308];

/** A header value option: `v` if it is a string a header can carry (trimmed, not empty), else undefined. */
const headerValue = (v) => {
  try {
    return (typeof v == 'string' && new Headers({ v }).get('v')) || undefined;
  } catch {}
};

/**
 * The longest ETag kept and sent back. Servers and proxies refuse request
 * headers past about 8 KB with a 4xx, which no poll would ever get past:
 * a 10 KB ETag (in localStorage too) held a client on its snapshot for
 * good, kill switches included.
 */
const MAX_ETAG = 1024;

/** An ETag to keep: a header value of at most MAX_ETAG characters, else null (the next fetch asks unconditionally). */
export const etagOf = (v) => {
  const tag = headerValue(v);
  return tag && tag.length <= MAX_ETAG ? tag : null;
};

/** How many times in a row a server may refuse its own current ETag as If-None-Match before none is sent (see `conditional` in client.js). */
export const REFUSALS = 3;
