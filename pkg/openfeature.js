// OpenFeature providers over a feats-edge client: every flag evaluated in
// process from the client's snapshot (no request per flag), for
// @openfeature/server-sdk (`FeatsEdgeProvider`) and @openfeature/web-sdk
// (`FeatsEdgeWebProvider`). No dependency on either SDK: they are plain
// objects with the methods and events the SDKs call.

/** A client's method that records a use with the details that chose it (see USE in src/client.js). */
const USE = Symbol.for('feats-edge.use');
/** A client's method that says whether a feature is boolean (see BOOLEAN in src/client.js). */
const BOOLEAN = Symbol.for('feats-edge.boolean');

/** OpenFeature's provider event names. */
const READY = 'PROVIDER_READY', CHANGED = 'PROVIDER_CONFIGURATION_CHANGED', ERROR = 'PROVIDER_ERROR', STALE = 'PROVIDER_STALE';
/** A stale event's message when the client's error is not at hand. */
const STALE_MESSAGE = 'feats-edge: the last snapshot fetch failed';
/** Where to look when nothing is loaded. */
const WHY = "(the client's error event says why)";
/** What an evaluation's error code means for the flag, and where to look. */
const HINTS = {
  FLAG_NOT_FOUND: 'the snapshot has no such feature',
  PARSE_ERROR: "the snapshot's definition of it has problems (client.problems lists them)",
  PROVIDER_NOT_READY: `no snapshot is loaded ${WHY}`,
};
/** Why a provider is not ready, and where to look. */
const NOT_LOADED = `feats-edge: no snapshot loaded ${WHY}`;

/**
 * The default context mapping: the evaluation context as it is (its
 * objects are the inputs segments read, e.g. `{user: {...}}`), with a
 * non-empty `targetingKey` as `user.id` when the context has no user id.
 * @param {Record<string, any>} context
 */
export function byTargetingKey(context) {
  const { targetingKey, ...rest } = context ?? {};
  if (targetingKey == null || targetingKey === '') return rest;
  const user = rest.user;
  if (user == null) return { ...rest, user: { id: targetingKey } };
  return typeof user == 'object' && !Array.isArray(user) && user.id == null ? { ...rest, user: withId(user, targetingKey) } : rest;
}

/**
 * `user` with `id`: a plain object copied; any other (a class's, whose
 * getters a copy would lose) read through, as the engine reads it
 * (inherited values included), its getters run on the user itself
 * (private fields work).
 * @param {object} user @param {unknown} id
 */
function withId(user, id) {
  const proto = Object.getPrototypeOf(user);
  if (proto === Object.prototype || proto === null) return { ...user, id };
  return new Proxy(user, { get: (target, key) => (key === 'id' ? id : Reflect.get(target, key)) });
}

/** The handlers of each event, as the SDKs' emitters keep them. */
class Events {
  /** @type {Map<string, Set<Function>>} */
  #handlers = new Map();
  /** @param {string} type @param {Function} handler */
  addHandler(type, handler) {
    let set = this.#handlers.get(type);
    if (!set) this.#handlers.set(type, (set = new Set()));
    set.add(handler);
  }
  /** @param {string} type @param {Function} handler */
  removeHandler(type, handler) {
    this.#handlers.get(type)?.delete(handler);
  }
  /** @param {string} [type] */
  removeAllHandlers(type) {
    if (type === undefined) this.#handlers.clear();
    else this.#handlers.delete(type);
  }
  /** @param {string} type */
  getHandlers(type) {
    return [...(this.#handlers.get(type) ?? [])];
  }
  /** @param {string} type @param {object} [details] */
  emit(type, details) {
    for (const handler of this.getHandlers(type)) {
      try {
        handler(details);
      } catch {}
    }
  }
  setLogger() {
    return this;
  }
}

/** Resolves flags from a client, synchronously (both providers' core). */
class Resolver {
  /**
   * @param {import('./index.js').Client} client the feats-edge client (not closed by the provider: close it yourself)
   * @param {{context?: (context: Record<string, any>) => object, report?: boolean}} [options]
   *   `context`: maps an evaluation context to a feats-edge context (default `byTargetingKey`);
   *   `report`: report each resolved implementation as used (exposures and
   *   sticky assignments, as `usedImplementation`; default true)
   */
  constructor(client, options = {}) {
    this.client = client;
    this.events = new Events();
    this.metadata = { name: 'feats-edge' };
    this._map = options.context ?? byTargetingKey;
    this._report = options.report ?? true;
    /** 'ready' once a snapshot is there, 'error' when initialize found none, 'stale' while the client is */
    this._status = '';
    /** @type {(() => void) | null} removes the client listener (while the provider is set) */
    this._off = null;
    /** How many times onClose was called: an initialize it overtook leaves the provider closed. */
    this._closes = 0;
  }

  /**
   * Waits for the client's first snapshot; rejects if it has none by its
   * `timeout` (or is closed). A snapshot that loads later makes the
   * provider ready; each new one after that is a configuration change.
   * A fetch that fails or brings a snapshot the client refuses makes it
   * stale (the client keeps serving the last snapshot it loaded), and the
   * next that confirms or replaces it ready again. Closed before the
   * client's `ready` settled (the provider replaced at once), it settles
   * as it would have, and the provider stays closed: no state, no events.
   */
  async initialize() {
    const closes = this._closes;
    if (!this._off) {
      const client = this.client;
      const offs = [
        client.on('update', (update) => {
          const message = `revision ${update.revision}`;
          // (An override set with nothing loaded makes no snapshot.)
          if (this._status == 'error' && client.revision !== null) (this._status = 'ready'), this.events.emit(READY, { message });
          // The flags whose values may have changed: the SDKs re-evaluate only
          // those (a client without the list: all, as when it is not given).
          else if (this._status == 'ready' || this._status == 'stale') this.events.emit(CHANGED, Array.isArray(update.changed) ? { message, flagsChanged: update.changed } : { message });
        }),
        // (A client of an older version says neither: the provider stays ready.)
        client.on('stale', (/** @type {any} */ err) => {
          if (this._status == 'ready') this._stale(String(err?.message ?? err));
        }),
        client.on('recovered', (/** @type {any} */ event) => {
          if (this._status == 'stale') (this._status = 'ready'), this.events.emit(READY, { message: `revision ${event?.revision} confirmed` });
        }),
      ];
      this._off = () => offs.forEach((off) => off());
    }
    // Whether a snapshot is there now: `ready` settled false for good when
    // the first one came late, which another provider may have waited for.
    await this.client.ready;
    const loaded = this.client.revision !== null;
    if (this._closes != closes) {
      // (A stale provider said so after its onClose, to whoever still listened.)
      if (!loaded) throw new Error(NOT_LOADED);
      return;
    }
    this._status = loaded ? 'ready' : 'error';
    if (!loaded) throw new Error(NOT_LOADED);
    // Stale already (a cached or bootstrap snapshot, the origin down): the
    // SDK makes the provider READY once this returns, so it is said after.
    if (this.client.stale === true) {
      this._status = 'stale';
      try {
        setTimeout(() => this._status == 'stale' && this.client.stale === true && this.events.emit(STALE, { message: STALE_MESSAGE }));
      } catch {
        this._status = 'ready'; // no timers here: said at the first evaluation instead
      }
    }
  }

  /** Becomes stale, and says so. @param {string} message */
  _stale(message) {
    this._status = 'stale';
    this.events.emit(STALE, { message });
  }

  /** Stops listening to the client (which stays open: it may serve others). */
  async onClose() {
    this._closes++;
    this._off?.();
    this._off = null;
    this._status = '';
  }

  /**
   * @param {string} flag @param {any} fallback @param {Record<string, any>} context
   * @param {'boolean' | 'string' | 'number' | 'object'} type
   */
  _resolve(flag, fallback, context, type) {
    let ctx;
    try {
      ctx = this._map(context);
    } catch (e) {
      return { value: fallback, reason: 'ERROR', errorCode: 'INVALID_CONTEXT', errorMessage: String(e?.message ?? e) };
    }
    // Stale before the provider listened, where no timer could say so
    // after initialize: said at the first evaluation.
    if (this._status == 'ready' && this.client.stale === true) this._stale(STALE_MESSAGE);
    // The messages name `d.feature`, the flag key as the client read it:
    // a key that is no string (a Symbol) has no template text of its own.
    const d = this.client.details(flag, ctx);
    if (d.errorCode) {
      // The client was closed under a ready provider: OpenFeature's error state.
      if (d.errorCode == 'PROVIDER_NOT_READY' && (this._status == 'ready' || this._status == 'stale')) {
        this._status = 'error';
        this.events.emit(ERROR, { message: 'feats-edge: the client has no snapshot (closed)' });
      }
      const hint = Object.hasOwn(HINTS, d.errorCode) ? `: ${HINTS[d.errorCode]}` : '';
      return { value: fallback, reason: 'ERROR', errorCode: d.errorCode, errorMessage: `feats-edge: ${d.errorCode} for '${d.feature}'${hint}` };
    }
    const name = d.implementation;
    // Typed by the feature's declaration, as the OFREP routes type it: a
    // boolean feature's implementations ("true", "false") are booleans,
    // any other feature's are strings, whatever their names. (A client
    // without the method: by the name served.)
    const isBoolean = this.client[BOOLEAN];
    const byName = name == 'true' || name == 'false';
    // (An override of a flag the snapshot does not declare is typed by its name.)
    const declared = typeof isBoolean == 'function' ? isBoolean(flag) : undefined;
    const boolean = declared === undefined ? byName : d.reason != 'OVERRIDE' ? !!declared : declared ?? byName;
    const value = name == null ? undefined : type == 'string' && !boolean ? name : type == 'boolean' && boolean ? name == 'true' : undefined;
    if (value === undefined) {
      const is = boolean ? 'a boolean feature' : 'a feature of implementation names (strings)';
      return { value: fallback, reason: 'ERROR', errorCode: 'TYPE_MISMATCH', errorMessage: `feats-edge: '${d.feature}' is ${is}, not ${type == 'object' ? 'an' : 'a'} ${type} flag` };
    }
    // Recorded with the evaluation that chose (asked again, a `random`
    // experiment would draw anew); a client without that method is asked.
    if (this._report) {
      const use = this.client[USE];
      if (typeof use == 'function') use(d, name);
      else this.client.usedImplementation(flag, name, ctx);
    }
    /** @type {Record<string, string | number>} */
    const flagMetadata = {};
    if (d.rule != null) flagMetadata.rule = d.rule;
    if (d.experiment != null) flagMetadata.experiment = d.experiment;
    if (d.revision) flagMetadata.revision = d.revision;
    return { value, variant: name, reason: d.reason, flagMetadata };
  }
}

/** For @openfeature/server-sdk: `OpenFeature.setProviderAndWait(new FeatsEdgeProvider(client))`. */
export class FeatsEdgeProvider extends Resolver {
  runsOn = 'server';
  /** @param {string} flag @param {boolean} fallback @param {Record<string, any>} context */
  async resolveBooleanEvaluation(flag, fallback, context) {
    return this._resolve(flag, fallback, context, 'boolean');
  }
  /** @param {string} flag @param {string} fallback @param {Record<string, any>} context */
  async resolveStringEvaluation(flag, fallback, context) {
    return this._resolve(flag, fallback, context, 'string');
  }
  /** @param {string} flag @param {number} fallback @param {Record<string, any>} context */
  async resolveNumberEvaluation(flag, fallback, context) {
    return this._resolve(flag, fallback, context, 'number');
  }
  /** @param {string} flag @param {any} fallback @param {Record<string, any>} context */
  async resolveObjectEvaluation(flag, fallback, context) {
    return this._resolve(flag, fallback, context, 'object');
  }
}

/** For @openfeature/web-sdk: `await OpenFeature.setProviderAndWait(new FeatsEdgeWebProvider(client))`. */
export class FeatsEdgeWebProvider extends Resolver {
  runsOn = 'client';
  /**
   * Nothing to fetch (evaluations read the context as they come). The SDK
   * makes the provider READY once this returns: stale, it is said again
   * after that; with no snapshot to serve (none came, or the client was
   * closed, also with no evaluation since), it throws, which the SDK
   * makes its ERROR state.
   */
  onContextChange() {
    if (this._status != '' && this.client.revision === null) {
      this._status = 'error';
      throw new Error(NOT_LOADED);
    }
    // (A promise's job, not queueMicrotask: Jest's fake timers hold that until the test advances them.)
    if (this._status == 'stale') Promise.resolve().then(() => this._status == 'stale' && this.client.stale === true && this.events.emit(STALE, { message: STALE_MESSAGE }));
  }
  /** @param {string} flag @param {boolean} fallback @param {Record<string, any>} context */
  resolveBooleanEvaluation(flag, fallback, context) {
    return this._resolve(flag, fallback, context, 'boolean');
  }
  /** @param {string} flag @param {string} fallback @param {Record<string, any>} context */
  resolveStringEvaluation(flag, fallback, context) {
    return this._resolve(flag, fallback, context, 'string');
  }
  /** @param {string} flag @param {number} fallback @param {Record<string, any>} context */
  resolveNumberEvaluation(flag, fallback, context) {
    return this._resolve(flag, fallback, context, 'number');
  }
  /** @param {string} flag @param {any} fallback @param {Record<string, any>} context */
  resolveObjectEvaluation(flag, fallback, context) {
    return this._resolve(flag, fallback, context, 'object');
  }
}
