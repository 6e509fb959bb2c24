// Timers and waits: timers that never keep Node alive, the next task
// (which hidden pages do not hold back), and waits that a clock set back
// ends.

/** The longest delay timers take (about 24.8 days); longer ones fire at once. */
export const MAX_DELAY = 2 ** 31 - 1;

/** A timer that never keeps Node alive. */
export const later = (fn, ms) => {
  const t = setTimeout(fn, Math.min(ms, MAX_DELAY));
  t.unref?.();
  return t;
};

/**
 * A promise settled by the next task: a message, which hidden pages do not
 * hold back as they do timers (to a second).
 */
export const nextTask = () => new Promise((r) => {
  // (Read from globalThis: webpack's edge builds warn of a bare MessageChannel.)
  const Channel = globalThis.MessageChannel;
  if (typeof Channel != 'function') return setTimeout(r);
  const { port1, port2 } = new Channel();
  port1.onmessage = () => (port1.close(), r());
  port2.postMessage(0);
});

/**
 * Whether a wait of `ms` that began at `since` (a `Date.now()`) still
 * runs. A wall clock set back since (an NTP step, a restored VM) ends it:
 * read as `Date.now() < since + ms`, a wait of a second held requests
 * back for as long as the clock went back (hours). One set forward ends
 * it early, as it ends any wait.
 * @param {number} since @param {number} ms
 */
export const waiting = (since, ms) => {
  const gone = Date.now() - since;
  return gone >= 0 && gone < ms;
};
