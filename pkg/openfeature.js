// OpenFeature providers over a feats-edge client: every flag evaluated in
// process from the client's snapshot (no request per flag), for
// @openfeature/server-sdk (`FeatsEdgeProvider`) and @openfeature/web-sdk
// (`FeatsEdgeWebProvider`). No dependency on either SDK: they are plain
// objects with the methods and events the SDKs call.

/** OpenFeature's provider event names. */
const READY = 'PROVIDER_READY', ERROR = 'PROVIDER_ERROR', STALE = 'PROVIDER_STALE', CHANGED = 'PROVIDER_CONFIGURATION_CHANGED';

/**
 * The default context mapping: the evaluation context as it is (its
 * objects are the inputs segments read, e.g. `{user: {...}}`), with
 * `targetingKey` as `user.id` when the context has no user id.
 * @param {Record<string, any>} context
 */
export function byTargetingKey(context) {
  const { targetingKey, ...rest } = context ?? {};
  if (targetingKey == null) return rest;
  const user = rest.user;
  if (user === undefined) return { ...rest, user: { id: targetingKey } };
  return user !== null && typeof user == 'object' && !Array.isArray(user) && user.id == null ? { ...rest, user: { ...user, id: targetingKey } } : rest;
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
   * @param {import('./index.js').Client} client the feats-edge client (the provider closes it on `onClose`)
   * @param {{context?: (context: Record<string, any>) => object, report?: boolean}} [options]
   *   `context`: maps an evaluation context to a feats-edge context (default `byTargetingKey`);
   *   `report`: report each resolved implementation as used (exposures; default true)
   */
  constructor(client, options = {}) {
    this.client = client;
    this.events = new Events();
    this.metadata = { name: 'feats-edge' };
    this._map = options.context ?? byTargetingKey;
    this._report = options.report ?? true;
    this._stale = false;
    this._off = [
      client.on('update', ({ revision }) => {
        if (this._stale) (this._stale = false), this.events.emit(READY, { message: `revision ${revision}` });
        this.events.emit(CHANGED, { message: `revision ${revision}` });
      }),
      client.on('error', (e) => {
        // A loaded snapshot keeps serving: stale, not failed.
        const loaded = client.revision !== null;
        this._stale = loaded;
        this.events.emit(loaded ? STALE : ERROR, { message: String(e?.message ?? e) });
      }),
    ];
  }

  /** Waits for the client's first snapshot; rejects if none loaded in its `timeout`. */
  async initialize() {
    if (!(await this.client.ready)) throw new Error('feats-edge: no snapshot loaded');
  }

  /** Stops the client's listeners and closes it (sends what it holds). */
  async onClose() {
    for (const off of this._off) off();
    await this.client.close();
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
    const d = this.client.details(flag, ctx);
    if (d.errorCode) return { value: fallback, reason: 'ERROR', errorCode: d.errorCode, errorMessage: `feats-edge: ${d.errorCode} for '${flag}'` };
    const name = d.implementation;
    // Implementations are names: a boolean feature's are "true" and "false".
    const value = type == 'string' ? name : type == 'boolean' && (name == 'true' || name == 'false') ? name == 'true' : undefined;
    if (value === undefined || name == null) {
      return { value: fallback, reason: 'ERROR', errorCode: 'TYPE_MISMATCH', errorMessage: `feats-edge: '${flag}' gives implementation names, not ${type} values` };
    }
    if (this._report) this.client.usedImplementation(flag, name, ctx);
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
