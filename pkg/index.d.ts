// Type declarations for the feats-edge package (SPEC section 4).

// Only names that Node's and Workers' type libraries declare too, so that
// projects without the DOM library compile: BufferSource, RequestInfo and
// HeadersInit are spelled out. The host's classes (URL, Request, Response,
// Headers, fetch) are taken from the project's libraries when they declare
// them, so that a project with none of them (`"lib": ["es2022"]`,
// `"types": []`) compiles too.

/** Bytes (the DOM's `BufferSource`). */
type Bytes = ArrayBuffer | ArrayBufferView;
/** The instances of the global class `K` where the project's libraries declare it, else nothing. */
type HostClass<K extends string> = typeof globalThis extends { [k in K]: abstract new (...args: any[]) => infer T } ? T : never;
/** `WebAssembly.Module` where the project's libraries declare it (an object: its interface is empty, which anything but null would fit), else any object. */
type WasmModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: any[]) => infer M } } ? M & object : object;

/**
 * Loads the wasm once; resolves at once where it is loaded synchronously
 * (Node, Workers). `source` (browser entry): where the `.wasm` comes from,
 * a URL to fetch, a `Response` or a promise of one (`fetch(url)`), its
 * bytes or a compiled module (default: the package's own
 * `feats_edge_bg.wasm`, next to its JS); ignored once loaded.
 * Rejects when it cannot be loaded (a `TypeError` for a source of none of
 * those kinds, such as wasm-bindgen's `{module_or_path}`: give the value
 * itself); after a failure a later call tries
 * again, except when the page's Content-Security-Policy forbids
 * WebAssembly (rejected for good). `createClient` needs no `init()` first;
 * where the wasm loads asynchronously (browsers), `new Engine` and `bucket`
 * throw before it has loaded.
 * @example
 * import { init, Engine } from "feats-edge";
 * await init();
 * const engine = new Engine(await (await fetch("/flags/snapshot.json")).text());
 */
export function init(source?: string | HostClass<'URL'> | HostClass<'Request'> | HostClass<'Response'> | PromiseLike<HostClass<'Response'>> | Bytes | WasmModule): Promise<void>;
/** Synchronous instantiation from the `.wasm`'s bytes or a compiled module (browser entry), for where `await init()` cannot be used; throws when they are no WebAssembly module. */
export function initSync(module: Bytes | WasmModule): void;

/**
 * The bucket of a unit under a salt (SPEC section 3): an integer in
 * [0, 10000), the same in every runtime and in the command-line tool.
 * Throws before the wasm has loaded (browser entry: `await init()` first).
 * @example bucket("PaymentProcessor", "42") // 8632
 */
export function bucket(salt: string, unit: string): number;

/** A whole snapshot refused: invalid JSON, a schema other than 1, a top level that is not an object, over the limits. */
export class SnapshotError extends Error {
  name: 'SnapshotError';
  /** JSON Pointer of the place ("" for the document). */
  path: string;
  /** What is wrong, without the path. */
  reason: string;
  constructor(message: string, path: string);
}

/** A problem confined to a feature; the feature serves its default with PARSE_ERROR. */
export interface Problem {
  /** JSON Pointer, e.g. "/features/PaymentProcessor/rules/1/split/weights". */
  path: string;
  message: string;
}

/** A feature as the snapshot declares it (SPEC section 1). */
export interface FeatureInfo {
  name: string;
  type: 'multi' | 'boolean';
  /** In the snapshot's order (the order splits lay out); `["true", "false"]` for a boolean feature. */
  implementations: string[];
  /** The implementation served when no rule yields; null when the declaration has none usable (a broken feature). */
  default: string | null;
  /** The context inputs it is evaluated for, e.g. `["user"]`. */
  inputs: string[];
}

/** The SPEC's reasons, and OVERRIDE: a client's override (see `Client.override`). */
export type Reason = 'TARGETING_MATCH' | 'SPLIT' | 'STICKY' | 'DEFAULT' | 'STATIC' | 'DISABLED' | 'ERROR' | 'OVERRIDE';
/** PROVIDER_NOT_READY: no snapshot loaded (client) or the engine freed; GENERAL: an evaluation started inside another on the same engine, not run. */
export type ErrorCode = 'FLAG_NOT_FOUND' | 'INVALID_CONTEXT' | 'PARSE_ERROR' | 'PROVIDER_NOT_READY' | 'GENERAL';

/** The result of one evaluation (SPEC section 2). */
export interface Details {
  feature: string;
  /** The implementation served: null for an unknown feature (else the feature's default when no rule yields). For boolean features "true" or "false". */
  implementation: string | null;
  reason: Reason;
  /** The index of the rule that decided, else null. */
  rule: number | null;
  /** The experiment that chose, else null. */
  experiment: string | null;
  /** The hashed segment and its value, for splits and experiments; else null. */
  unit: { segment: string; value: string } | null;
  /** `"<experiment name>/<unit value>"` for experiments, else null: the key of the sticky assignment. */
  stickyKey: string | null;
  /** Null unless `reason` is `ERROR` (or a broken feature's `PARSE_ERROR`). */
  errorCode: ErrorCode | null;
  /** The snapshot's revision ("" when it has none); null from a client with nothing loaded. */
  revision: string | null;
  /**
   * Beyond the SPEC: the sticky keys of the `random` experiments whose draw
   * fell through in this evaluation, when there are any (in the details of
   * one feature; evaluate-all leaves them out). A use of the result stores
   * `"(none)"` under each, and the experiment then passes the unit on
   * without drawing again.
   */
  fellThrough?: string[];
}

/**
 * A context: inputs by name, e.g. `{user: {...}, request: {...}}`. Any
 * object is accepted (an interface or a class instance too); one that is
 * not usable evaluates with errorCode `INVALID_CONTEXT`.
 */
export type Context = object;

/** Sticky assignments: a plain object `{stickyKey: implementation}` or a store. */
export type StickyMap = Record<string, string> | { get(key: string): string | null | undefined };

export interface EvaluateOptions {
  /** Milliseconds since the epoch, or a `Date`; default: now. */
  now?: number | Date | undefined;
  /** A clock called only if a rule needs the time. */
  clock?: (() => number) | undefined;
  /** The sticky assignments experiments honour (`STICKY`), by `stickyKey`; default: none. A client passes its store. */
  sticky?: StickyMap | undefined;
  /**
   * `evaluate` only: the implementation the caller has used, to get the
   * evaluation that served it (what an exposure reports). A `random`
   * experiment takes it as its draw when only a draw could give it, falls
   * through when it is none of its arms, and when the rules after it could
   * give it too, decides at random by the chance of each.
   */
  used?: string | undefined;
}

/**
 * One snapshot, compiled in wasm, evaluated synchronously: no I/O, no
 * exposures (a client does those). Needs `init()` first.
 * @example
 * await init();
 * const engine = new Engine(snapshotText);
 * const d = engine.evaluate("PaymentProcessor", { user: { id: "42" } });
 * d.implementation; // "acme", or null with d.errorCode when it has none
 */
export class Engine {
  /**
   * Checks the whole snapshot; each feature's rules compile on its first
   * evaluation. `snapshot`: its JSON text, the parsed object, or its bytes,
   * read as UTF-8 (invalid sequences as U+FFFD); not a `Response` or a
   * promise (`await (await fetch(url)).text()` first), nor an `Engine`,
   * which are refused saying so.
   * @throws {SnapshotError} when the snapshot is refused as a whole, or
   *   could not be loaded (path "": the WebAssembly memory exhausted)
   * @throws {Error} before the wasm has loaded (browser entry: `await init()` first)
   */
  constructor(snapshot: string | object | Uint8Array | ArrayBuffer);
  /** The snapshot's `revision`, "" when it has none. */
  readonly revision: string;
  /** Feature problems; the first access compiles every feature. */
  readonly problems: Problem[];
  /** The features, in document order: their declarations, read without compiling any rules. */
  readonly features: FeatureInfo[];
  /**
   * The features this engine may evaluate differently from `previous`, the
   * engine of the snapshot it replaces: those whose definition, or a segment
   * or activation they read, is written differently (key order, spacing, how
   * numbers are spelt, `description` and `meta` aside), and those added, in
   * this engine's order; then those removed. Every feature when `previous`
   * is no engine, or either has been freed (of a freed engine, those it
   * listed before, through `features`).
   */
  changes(previous: Engine | null | undefined): string[];
  /**
   * The details of one evaluation (SPEC section 2). Never throws: an
   * unknown feature, a context that cannot be read or a freed engine give
   * `implementation: null` (or the feature's default) with an `errorCode`.
   * @example
   * engine.evaluate("PaymentProcessor", { user: { id: "42" } }, { now: Date.now(), sticky: {} });
   * // {feature: "PaymentProcessor", implementation: "acme", reason: "SPLIT", rule: 1, ...}
   */
  evaluate(feature: string, context: Context, opts?: EvaluateOptions): Details;
  /** The details of every feature for one context, `{feature: details}` (`opts.used` aside). Never throws (`{}` when freed). */
  evaluateAll(context: Context, opts?: EvaluateOptions): Record<string, Details>;
  /** The implementation name only (null where `evaluate` would give none): the fast path. Never throws. */
  implementation(feature: string, context: Context, opts?: EvaluateOptions): string | null;
  /** Every feature's implementation name, in one crossing into wasm. */
  implementations(context: Context, opts?: EvaluateOptions): Record<string, string | null>;
  /**
   * How `units` synthetic units split across the implementations: the
   * unit segment's placeholders that `context` leaves empty set to
   * "1".."N" (`{cc}-{id}` with `cc` given as "CA": "CA-1".."CA-N").
   * `units`: a whole number from 1 to 100 000 000, else a `RangeError`
   * (as the command line's `--units`). A `TypeError` when the
   * context is not an object; an `Error` when the feature cannot be
   * simulated: not in the snapshot, broken, or with no split or experiment
   * and no `by`, or a `by` that is no segment it may read, or empty (as
   * the command line's `--by ''`; leave `by` out for the default).
   */
  simulate(feature: string, units: number, context?: Context, opts?: EvaluateOptions & { by?: string | undefined }):
    { segment: string; units: number; counts: Record<string, number>; none: number };
  /** Releases the wasm memory now (otherwise done at garbage collection). */
  free(): void;
}

/** A sticky store: synchronous. */
export interface StickyStore {
  get(key: string): string | null | undefined;
  set(key: string, value: string): void;
}

export interface ClientOptions {
  /** Where the snapshot is fetched. Outside pages a relative URL is an `error` event and no fetch is made (unless `fetch` is given). */
  snapshotUrl?: string | undefined;
  /**
   * A bootstrap snapshot, used before (or instead of) fetching: JSON text,
   * the parsed object, its UTF-8 bytes, or an `Engine` already made from it (not parsed
   * again; the client owns it from then on, and frees it when it is
   * replaced or the client is closed: another client refuses it).
   */
  snapshot?: string | object | Engine | undefined;
  /** The ETag of the bootstrap `snapshot`: the first fetch sends it as `If-None-Match`, and a 304 keeps the bootstrap. Ignored without `snapshot`, or if not a valid header value. */
  snapshotEtag?: string | undefined;
  /** `{feature: implementation}` this client answers whatever the snapshot says, for QA and tests (see `Client.override`). */
  overrides?: Record<string, string | boolean> | undefined;
  /** Where exposures are POSTed; without it nothing is reported. Outside pages a relative URL is an `error` event and its exposures count as `stats.failed` (unless `fetch` is given). */
  exposureUrl?: string | undefined;
  /** ms between polls; 0 = never poll. Default 60000. At least 1000: a shorter one polls every second (one meant in seconds, `60`, polled every 60 ms). A longer `Retry-After` than this or 5 minutes (whichever is longer) waits that long only. In Workers and on Next.js's edge runtime, no polling once `createClient` has resolved (its requests belong to that invocation): see `isolateClient`. */
  refreshInterval?: number | undefined;
  /** ms between exposure flushes. Default 5000. A longer `Retry-After` than this or 5 minutes (whichever is longer) waits that long only. In Workers and on Next.js's edge runtime, not used: exposures leave with `flush()`. */
  flushInterval?: number | undefined;
  /** The most exposures sent in one POST (at most 10 000). Default 100. A sink's `413` to a POST has its events sent again in halves. */
  maxBatch?: number | undefined;
  /**
   * Default 1000; past that the oldest events are dropped and counted, and
   * also past 4 KiB of events for each event it allows (an event counts
   * the length of its strings, its unit's value included).
   */
  maxQueue?: number | undefined;
  /** ms: createClient resolves by then even if nothing loaded (the wait for the `.wasm` included). Default 3000. In Workers (`isolateClient`) it also resolves on the first failed fetch. */
  timeout?: number | undefined;
  /** First retry delay in ms, doubling to 60 s with full jitter. Default 1000. */
  retryDelay?: number | undefined;
  /**
   * ms: in browsers, a snapshot cached in localStorage that was fetched
   * (or confirmed unchanged by a 304) longer ago than this is not started from; the page waits for the
   * fetch (at most `timeout`) as on a first visit, and serves the code
   * defaults if nothing comes. Default 0: start from the cache, whatever
   * its age, and revalidate it (a feature killed since the last visit is
   * then still on in the first render).
   */
  maxAge?: number | undefined;
  /** Default: localStorage in browsers, memory elsewhere. */
  sticky?: StickyStore | undefined;
  /**
   * Default `globalThis.fetch`. Called with a URL string and an init of
   * `method`, `headers`, `body`, `signal`, `cache`, `keepalive` and
   * `redirect`, as `fetch` takes them, and expected to give a `Response`
   * (at least its status, headers and `text()`: a snapshot's body is read
   * from `body` when there is one, else by `text()`).
   * It should pass `init.signal` on; one that does not is given up on all
   * the same, after 30 s or by `close()`, though the request it started
   * runs on. An exposure POST answered `opaque` (sent with
   * `mode: "no-cors"`, which also needs `redirect: "follow"`) counts its
   * events sent, as a beacon's: what the sink answered cannot be read.
   */
  fetch?: ((url: string, init: any) => PromiseLike<{ status: number; headers: { get(name: string): string | null }; text(): PromiseLike<string> }>) | undefined;
  /** Clock in ms; default Date.now. */
  now?: (() => number) | undefined;
  /** Extra headers sent with every request (not with beacons). */
  headers?: HostClass<'Headers'> | Iterable<readonly [string, string]> | Record<string, string> | undefined;
  /**
   * localStorage key prefix; default "feats-edge:". `null`: nothing is read
   * from or written to localStorage (before consent to storage): no
   * snapshot cache, and the default sticky store keeps assignments in
   * memory for this page only.
   */
  storageKey?: string | null | undefined;
}

/**
 * A handle's factory: called with the context given to `create`. Its
 * parameter may be typed with the application's own context type.
 */
export type Factory<T = unknown> = (context: any) => T;

/**
 * A handle's factories: an object whose members are all factories, by
 * implementation name (an object literal, a record, or a class instance,
 * whose methods are called on it).
 */
export type Factories<M> = { [K in keyof M]: Factory | undefined };

/** What a handle's `create` takes: what every one of its factories takes (an intersection), or any context. */
export type FactoryContext<M> =
  (M[keyof M] extends infer F ? (F extends (context: infer C) => unknown ? (c: unknown extends C ? Context : C) => void : never) : never) extends (c: infer I) => void
    ? I & Context
    : Context;

/** What `client.feature` makes: a feature's factories, chosen by the client's snapshot. */
export interface FeatureHandle<T, C extends Context = Context> {
  /** The implementation name, no exposure: the handle's default with nothing loaded or for an unknown feature, null without one. */
  find(context: C): string | null;
  /**
   * Calls the chosen implementation's factory (on the factories object,
   * with `context`) and records the exposure. With no factory for the
   * implementation chosen (or none chosen), the default's is called and
   * the use reported as a default; undefined when there is no such factory
   * either. What a factory throws is thrown, and nothing is recorded.
   */
  create(context: C): T | undefined;
}

/**
 * The keys `M` names one by one and surely has: not those of an index
 * signature (`string`, or a pattern such as `` `v${string}` ``), nor
 * optional ones.
 */
export type NamedKeys<M> = keyof { [K in keyof M as K extends string ? ({} extends Record<K, 1> ? never : {} extends Pick<M, K> ? never : K) : never]: 1 };

/** A `default` that names a factory `M` surely has: its key, or for factories `true` and `false`, a boolean. */
export type NamedDefault<M> = NamedKeys<M> | ('true' | 'false' extends NamedKeys<M> ? boolean : never);

/**
 * A handle whose `default` names one of its factories: `find` always names
 * an implementation, and `create` always builds one (the default's when
 * the chosen one has no factory, or nothing is loaded).
 */
export interface DefaultedFeatureHandle<T, C extends Context = Context> extends FeatureHandle<T, C> {
  /** The implementation name, no exposure: the default's with nothing loaded or for an unknown feature. */
  find(context: C): string;
  /**
   * Calls the chosen implementation's factory (on the factories object,
   * with `context`) and records the exposure; the default's factory when
   * the one chosen has none, or nothing is loaded. What a factory throws
   * is thrown, and nothing is recorded.
   */
  create(context: C): T;
}

/** What a client's `update` listener gets. */
export interface UpdateEvent {
  /** The loaded snapshot's `revision` ("" when it has none). */
  readonly revision: string;
  /** The features the snapshot may evaluate differently from the one it replaced (all, for the first). */
  readonly changed: string[];
}

/** An exposure, as SPEC section 5 sends it: what a client's `exposure` listener gets (a copy). */
export interface ExposureEvent {
  feature: string;
  implementation: string;
  reason: Reason;
  rule: number | null;
  experiment: string | null;
  /** The unit the result hashed; null when none (reported once per feature and implementation). */
  unit: { segment: string; value: string } | null;
  /** null when the use came with nothing loaded (a code default). */
  revision: string | null;
  /** ISO 8601, from the client's `now`. */
  timestamp: string;
}

/**
 * What a client's `error` and `stale` listeners get: an `Error` whose
 * message starts with `feats-edge:` (a refused snapshot's is a
 * `SnapshotError`), with what is known of the failure.
 */
export interface ClientError extends Error {
  /** The status of the HTTP answer that failed (300 for an exposure POST's redirect a browser hides); absent with no answer (a network error, a timeout). */
  status?: number | undefined;
  /** From the answer's `Retry-After`: the ms the client waits before it asks again (capped: see `refreshInterval`). */
  retryAfter?: number | undefined;
  /** True when trying again cannot help, and the client does not (a relative URL outside pages, nothing to load, WebAssembly refused by the page). */
  permanent?: boolean | undefined;
}

/**
 * What `createClient` resolves with. Its evaluation calls never throw:
 * with no snapshot loaded, or an unknown feature, they answer the code
 * default of the feature's handle (`client.feature(name, …, {default})`)
 * if there is one, else `null` (`isEnabled`: `false`); failures of its
 * fetches and POSTs are `error` events, never rejections.
 */
/** What each of a client's events gives its listeners (see `Client.on`). */
export interface ClientEvents {
  update: UpdateEvent;
  exposure: ExposureEvent;
  error: ClientError;
  stale: ClientError;
  recovered: { revision: string };
}

export interface Client {
  /** Resolves with whether a snapshot is loaded, once one is or the timeout passed. */
  readonly ready: Promise<boolean>;
  /** The loaded snapshot's `revision` ("" when it has none); null while nothing is loaded. */
  readonly revision: string | null;
  /**
   * Whether the snapshot served is not known to be the origin's: the last
   * fetch failed or brought a snapshot that was refused (false with none served,
   * or without `snapshotUrl`). Between `stale` and `recovered`.
   */
  readonly stale: boolean;
  /**
   * The loaded snapshot's feature problems (`[]` with none loaded): each
   * broken feature serves its default with `PARSE_ERROR`. The first read
   * for a snapshot compiles every feature (as `engine.problems`); read it
   * on `update` to be told of a broken edit.
   */
  readonly problems: Problem[];
  /** Exposures sent, dropped past maxQueue (in number or size), refused (a 4xx but 408; after a 413, one event alone); queued: waiting or being sent. */
  readonly stats: { dropped: number; sent: number; failed: number; readonly queued: number };
  /**
   * The loaded snapshot as `createClient` takes it back (spread it into a
   * page's options): its text (a snapshot given parsed, as its JSON) and
   * ETag, when it has one. Null before a snapshot loads, once closed, and
   * while the snapshot is an `Engine` given as `snapshot` (its text is in
   * wasm memory only; a fetched snapshot replaces it).
   */
  bootstrap(): { snapshot: string; snapshotEtag?: string } | null;
  /**
   * The implementation `feature` has for `context`, with no exposure (to
   * render with, then report with `usedImplementation`). Null with nothing
   * loaded or for an unknown feature (a handle's default, when it has one).
   * @example
   * const impl = client.findImplementation("PaymentProcessor", { user: { id: "42" } }) ?? "acme";
   * client.usedImplementation("PaymentProcessor", impl, { user: { id: "42" } });
   */
  findImplementation(feature: string, context: Context): string | null;
  /** Every feature's implementation, `{feature: implementation}`, with no exposure (`{}` with nothing loaded, handles' defaults aside). */
  findImplementations(context: Context): Record<string, string | null>;
  /**
   * Queues an exposure, and records the sticky assignment when an experiment chose the implementation.
   * A null implementation (what find returns for an unknown feature with no handle default) records nothing.
   * A use while nothing is loaded is reported with `revision: null`. Never throws.
   * @example
   * client.usedImplementation("PaymentProcessor", "acme", { user: { id: "42" } });
   */
  usedImplementation(feature: string, implementation: string | boolean | null | undefined, context: Context): void;
  /** `findImplementation` then `usedImplementation`: returns the implementation name (null as find does), its exposure queued. */
  create(feature: string, context: Context): string | null;
  /**
   * A boolean feature's value, its use reported (find + used). False with
   * nothing loaded (reported as a code default), for an unknown feature,
   * and for a multi feature, even one with implementations named "true"
   * and "false" (nothing recorded). Never throws.
   */
  isEnabled(feature: string, context: Context): boolean;
  /** The evaluation's details, no exposure; with nothing loaded, `errorCode: "PROVIDER_NOT_READY"` (a handle's default as the implementation, when it has one). */
  details(feature: string, context: Context): Details;
  /**
   * Makes this client answer `implementation` for `feature` whatever the
   * snapshot says (`null` removes the override), for QA and tests (the
   * client's, for every call it answers: with `isolateClient`, every request): every
   * evaluation call answers it, with reason `OVERRIDE`, and a use of it is
   * neither reported nor made sticky. Not checked against the snapshot (a
   * handle without a factory of that name builds its default). Once a
   * snapshot is loaded, a change is an `update` whose `changed` names the feature.
   */
  override(feature: string, implementation: string | boolean | null | undefined): void;
  /** The overrides, as `{feature: implementation}`. */
  readonly overrides: Record<string, string>;
  /**
   * A handle whose `create` returns what any of the factories returns (a union when they differ).
   * With a `default` that names one of the factories, `create` always builds (factories typed by an index signature, `Record<string, …>` or a pattern, name none for sure).
   * @example
   * const Payments = client.feature("PaymentProcessor", {
   *   acme: (ctx) => new Acme(ctx),
   *   premium: (ctx) => new Premium(ctx),
   * }, { default: "acme" });
   * const processor = Payments.create({ user: { id: "42" } }); // Acme | Premium, its exposure queued
   */
  feature<M extends Factories<M>, D extends NamedDefault<M>>(name: string, implementations: M, options: { default: D }): DefaultedFeatureHandle<ReturnType<NonNullable<M[keyof M]>>, FactoryContext<M>>;
  feature<M extends Factories<M>>(name: string, implementations: M, options?: { default?: string | boolean | undefined }): FeatureHandle<ReturnType<NonNullable<M[keyof M]>>, FactoryContext<M>>;
  /** With the type the factories share given: `feature<Processor>(name, {...})`. */
  feature<T, C extends Context = Context>(name: string, implementations: Record<string, (context: C) => T>, options?: { default?: string | boolean | undefined }): FeatureHandle<T, C>;
  /**
   * A snapshot was loaded. `changed`: the features it may evaluate
   * differently from the one it replaces (see `Engine.changes`; every
   * feature for the first), worked out when first read; read only after
   * the next snapshot has arrived (loaded or refused) or the client has
   * closed, every feature of both. Each read is a copy.
   */
  on(type: 'update', listener: (event: UpdateEvent) => void): () => void;
  /**
   * An exposure, once per (feature, implementation, unit) and client (and
   * per experiment: one that began since reports the unit again), when
   * it is queued for `exposureUrl`, or without one: to send exposures to an
   * analytics tool of your own as well or instead. A use of a feature the
   * snapshot does not declare is none. What the listener changes in its
   * copy is not what is sent.
   */
  on(type: 'exposure', listener: (event: ExposureEvent) => void): () => void;
  /** Added while nothing is loaded because of an error, the listener is called with that error; the first one added is also called with the errors of `createClient`'s wait that no listener heard (at most 10). Those calls come in a microtask after `on` returns. Without any `error` listener, the client logs the first error with `console.warn`, once. */
  on(type: 'error', listener: (error: ClientError) => void): () => void;
  /**
   * The snapshot served stopped being known to be the origin's: a fetch
   * failed (network, timeout, 4xx, 429, 5xx; a 4xx to a conditional
   * request, asked again at once without If-None-Match, when that one
   * fails too) or brought a snapshot that was refused, while one is served
   * (not a fetch overtaken by a later one whose answer was taken). Said
   * once (with the error `error` also got), not for each failed retry; it
   * keeps serving. See `stale`.
   */
  on(type: 'stale', listener: (error: ClientError) => void): () => void;
  /** After `stale`: a fetch confirmed the snapshot served (304) or brought one that loaded (after its `update`), or was answered while another tab cached a later fetch's snapshot (loaded instead). */
  on(type: 'recovered', listener: (event: { revision: string }) => void): () => void;
  /**
   * Adds a listener; returns the function that removes it. `type`: one of
   * the events above (a listener for any other name is never called). An
   * event goes to the listeners there when it comes, still there at their
   * turn: one added by a listener hears the next event, not this one.
   */
  on<K extends 'update' | 'exposure' | 'error' | 'stale' | 'recovered'>(type: K, listener: (event: ClientEvents[K]) => void): () => void;
  /** Fetches the snapshot now; resolves once it is answered, never rejects (a failure is an `error` event). Nothing without `snapshotUrl` or once closed (in Workers: not during a failed fetch's backoff or Retry-After, nor while another request's fetch is under way, for `timeout` doubling up to 30 s). */
  refresh(): Promise<void>;
  /** Sends the queued exposures now; resolves once they are answered, never rejects (a failure is an `error` event; what is refused counts in `stats.failed`) (in Workers: not during a failed POST's backoff or Retry-After). */
  flush(): Promise<void>;
  /** Stops polling and flushing, frees the engine (evaluations then answer as with no snapshot), sends what waits; resolves once that is answered, never rejects. */
  close(): Promise<void>;
}

/**
 * A client (SPEC sections 4 and 5). Needs no `init()` first: where the wasm
 * loads asynchronously it starts `init()` itself and fetches the first
 * snapshot meanwhile. Resolves once a snapshot is loaded, or after `timeout`
 * ms with nothing loaded (then `client.ready` is false and the calls answer
 * code defaults); never rejects (failures are `error` events), except with
 * what reading `options` throws (a getter, a Proxy's trap), as the
 * platform's own APIs rethrow it: before anything is started.
 * @example
 * const client = await createClient({ snapshotUrl: "/flags/snapshot.json", exposureUrl: "/flags/exposures" });
 * client.on("error", (e) => console.warn(e.message));
 * const checkout = client.create("Checkout", { user: { id: "42" } }) ?? "classic";
 */
export function createClient(options?: ClientOptions): Promise<Client>;

/** What a Worker's request handler gets as its third argument (`ctx`): background work after the response. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * One client per isolate, shared by the requests it serves, for runtimes
 * that tie I/O to a request and run no timers between requests
 * (Cloudflare Workers and the like). The function returned gives each
 * request the client, made by the first request with `options` (or
 * `options(env)`), its timers off: `refreshInterval` (default 60000, at
 * least 1000; 0: never) is how stale the snapshot may get before a request revalidates it
 * after its response, with `ctx.waitUntil`, as one does while nothing is
 * loaded (past twice that, an isolate left idle, the request waits for the
 * revalidation, at most `timeout`, and so do those that arrive meanwhile,
 * unless the last revalidation failed: `stale`);
 * and failed fetches and POSTs are retried by later requests, after
 * their backoff (a `Retry-After` honoured up to `refreshInterval` or 5
 * minutes, whichever is longer). Concurrent first requests share the first
 * one's client. A bootstrap `snapshot` serves at once, and the first
 * request revalidates it after its response (`ctx.waitUntil`), as it
 * finishes a first fetch that outlasted `timeout`.
 * Send each request's exposures with `ctx.waitUntil(client.flush())`; a
 * client a request closed is replaced by a new one at the next request.
 * @example
 * const getClient = isolateClient((env) => ({ snapshotUrl: env.SNAPSHOT_URL, exposureUrl: env.EXPOSURE_URL }));
 * export default {
 *   async fetch(request, env, ctx) {
 *     const client = await getClient(env, ctx);
 *     const checkout = client.create("Checkout", { user: { id: request.headers.get("X-User-Id") } }) ?? "classic";
 *     ctx.waitUntil(client.flush());
 *     return new Response(`Checkout: ${checkout}`);
 *   },
 * };
 */
export function isolateClient<Env = any>(
  options: ClientOptions | ((env: Env) => ClientOptions),
): (env?: Env, ctx?: WaitUntil) => Promise<Client>;

// Only what is exported above is the package's: the helper types stay here.
export {};
