// Exposure events by size: what one POST and the keepalive requests may
// carry, what the queue and a page going away keep, which (feature,
// implementation, unit) keys were seen; and the details of a use that no
// rule chose.

/** The most events in one POST (a larger maxBatch is this). */
export const MAX_BATCH = 1e4;

/**
 * The most bytes of keepalive requests (beacons included) this client has
 * in flight: browsers allow 64 KiB for all of a page's.
 */
export const BEACON_BYTES = 6e4;

/**
 * The most of those that POSTs sent while the page lives may hold, so that
 * they outlive it: the rest stays free for the beacons of page hide.
 */
export const KEEPALIVE_BYTES = 3e4;

/**
 * How long POSTs go plain after a keepalive one failed unanswered and a
 * plain one then got through (a browser may refuse keepalive: 5 minutes).
 */
export const KEEPALIVE_PAUSE = 3e5;

const encoder = new TextEncoder();

/** UTF-8 length of a string. @param {string} s */
export const bytes = (s) => encoder.encode(s).length;

/** The most (feature, implementation, unit) keys remembered for deduplication. */
export const SEEN = 5e4;

/**
 * Adds `key` to `set` as its most recent, keeping at most SEEN keys (the
 * least recently added or renewed forgotten first); whether it was there.
 * @param {Set<string>} set @param {string} key
 */
export function remember(set, key) {
  const known = set.delete(key);
  set.add(key);
  if (!known && set.size > SEEN) set.delete(/** @type {string} */ (set.values().next().value));
  return known;
}

/**
 * The exposure queue holds at most this many characters of events for each
 * event `maxQueue` allows (4 MiB for the default 1 000), the oldest dropped
 * first: a unit value can be any length, and 1 000 events with 64 KiB
 * units held 64 MiB while the sink failed. Ten times what an event with a
 * usual unit id takes.
 */
export const EVENT_TEXT = 4096;

/**
 * The most characters of exposure events a page going away keeps in
 * localStorage for the next page (see `keepUnsent` in client.js): 1 000 events of 500
 * characters. An origin's localStorage holds about 5 million characters in
 * Chromium, shared with the snapshot cache (a few MB at most) and the
 * sticky keys (at most 250 000 characters, each kept twice).
 */
export const KEPT_CHARS = 5e5;

/**
 * How long what pages kept for another exposure URL stays in localStorage
 * (see `dropStale` in client.js): 30 days.
 */
export const KEPT_FOR = 2592e6;

/**
 * The events of a value kept under an exposures key (`{"events": [...]}`,
 * see `keepUnsent` in client.js): each object with a `feature` string, as they were
 * queued. Anything else (a value another version or script wrote there,
 * a truncated one) is none, and throws nothing.
 * @param {string | null} text
 * @returns {Record<string, any>[]}
 */
export function keptEvents(text) {
  let v;
  try {
    v = JSON.parse(text ?? 'null');
  } catch {}
  const list = v !== null && typeof v == 'object' && Array.isArray(v.events) ? v.events : [];
  return list.filter((e) => e !== null && typeof e == 'object' && !Array.isArray(e) && typeof e.feature == 'string');
}

/** `s`'s length if it is a string, else 0. */
const len = (s) => (typeof s == 'string' ? s.length : 0);

/**
 * An event's size in the queue: the length of its strings, plus 200 for the
 * rest of its JSON (names of fields, reason, rule, timestamp).
 */
export const sizeOf = (e) => 200 + len(e.feature) + len(e.implementation) + len(e.experiment) + len(e.revision) + len(e.unit?.segment) + len(e.unit?.value);

/** The sizes of `events`, summed. */
export const sumOf = (events) => events.reduce((n, e) => n + sizeOf(e), 0);

/**
 * Details for an implementation used that no rule chose (a code default,
 * the caller's own choice): reported as a default, with no rule,
 * experiment or unit, and made sticky nowhere.
 */
export const chosenByNone = (d) => ({ ...unnoted(d), reason: 'DEFAULT', rule: null, experiment: null, unit: null, stickyKey: null });

/** Details without `fellThrough`: for a use that no draw of this evaluation led to, nothing to store. */
export const unnoted = ({ fellThrough, ...d }) => d;
