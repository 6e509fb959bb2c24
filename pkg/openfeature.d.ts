// OpenFeature providers over a feats-edge client (`feats-edge/openfeature`).
// Structural types: no dependency on @openfeature/server-sdk or web-sdk.

import type { Client, Context } from './index.js';

/** An OpenFeature evaluation context (flat attributes and objects). */
export type EvaluationContext = { targetingKey?: string | undefined; [key: string]: unknown };

/** What a provider resolves a flag to (OpenFeature's `ResolutionDetails`). */
export interface Resolution<T> {
  value: T;
  /** The implementation's name. */
  variant?: string;
  /** The evaluation's reason (OpenFeature's names, and `STICKY`). */
  reason?: string;
  /**
   * `FLAG_NOT_FOUND`, `PARSE_ERROR`, `TYPE_MISMATCH`, `INVALID_CONTEXT`,
   * `PROVIDER_NOT_READY`, `GENERAL`: the value is then the caller's
   * default. (Typed loosely: OpenFeature's `ErrorCode` is an enum, which
   * no string type is assignable to without importing it.)
   */
  errorCode?: any;
  errorMessage?: string;
  /** The deciding rule's index, the experiment's name, the snapshot's revision, when there are. */
  flagMetadata?: Record<string, string | number | boolean>;
}

export interface ProviderOptions {
  /** Maps an evaluation context to a feats-edge context. Default: `byTargetingKey`. */
  context?: ((context: EvaluationContext) => Context) | undefined;
  /**
   * Report each resolved implementation as used, as `usedImplementation`
   * does: an exposure (once per feature, implementation and unit) and the
   * experiment's sticky assignment. Default true; without it, `random`
   * experiments draw on each resolution.
   */
  report?: boolean | undefined;
}

/** The evaluation context as it is, with a non-empty `targetingKey` as `user.id` when the context has no user id. */
export function byTargetingKey(context: EvaluationContext | undefined): Context;

/** A handler of a provider event (the SDKs add their own details to it). */
export type ProviderEventHandler = (details?: any) => void;

/** The events the SDKs listen to (each with a `message`): ready (a first snapshot after `initialize` failed, or a fetch after stale), configuration changed, stale (a failed fetch), error (the client closed). */
export interface ProviderEvents {
  addHandler(type: string, handler: ProviderEventHandler): void;
  removeHandler(type: string, handler: ProviderEventHandler): void;
  removeAllHandlers(type?: string): void;
  getHandlers(type: string): ProviderEventHandler[];
  emit(type: string, details?: { message?: string }): void;
  setLogger(logger: unknown): this;
}

declare class Resolver {
  constructor(client: Client, options?: ProviderOptions);
  readonly client: Client;
  readonly metadata: { readonly name: 'feats-edge' };
  readonly events: ProviderEvents;
  /** Resolves once the client has a snapshot; rejects when none loaded within its `timeout` (or it is closed). */
  initialize(): Promise<void>;
  /** Stops listening to the client, which stays open (close it yourself); an `initialize` still waiting then changes nothing when it settles. */
  onClose(): Promise<void>;
}

/**
 * For `@openfeature/server-sdk`: `await OpenFeature.setProviderAndWait(new FeatsEdgeProvider(client))`.
 * Strings are implementation names; booleans are boolean features; numbers and objects are TYPE_MISMATCH.
 */
export class FeatsEdgeProvider extends Resolver {
  readonly runsOn: 'server';
  /** A boolean feature's value (called by the SDK's `getBooleanValue`); never rejects: on an error, `defaultValue` with an `errorCode`. */
  resolveBooleanEvaluation(flag: string, defaultValue: boolean, context: EvaluationContext): Promise<Resolution<boolean>>;
  /** A multi feature's implementation name (called by the SDK's `getStringValue`); never rejects: on an error, `defaultValue` with an `errorCode`. */
  resolveStringEvaluation(flag: string, defaultValue: string, context: EvaluationContext): Promise<Resolution<string>>;
  /** Always `defaultValue`, with an `errorCode`: `TYPE_MISMATCH` for a feature (features are no numbers). */
  resolveNumberEvaluation(flag: string, defaultValue: number, context: EvaluationContext): Promise<Resolution<number>>;
  /** Always `defaultValue`, with an `errorCode`: `TYPE_MISMATCH` for a feature (features are no objects). */
  resolveObjectEvaluation<T>(flag: string, defaultValue: T, context: EvaluationContext): Promise<Resolution<T>>;
}

/** For `@openfeature/web-sdk`: `await OpenFeature.setProviderAndWait(new FeatsEdgeWebProvider(client))`. */
export class FeatsEdgeWebProvider extends Resolver {
  readonly runsOn: 'client';
  /** Nothing to fetch; a stale provider, made READY by the SDK after a context change, says PROVIDER_STALE again; one with no snapshot to serve (none came, or its client was closed) throws (the SDK's ERROR state). */
  onContextChange(): void;
  /** A boolean feature's value (called by the SDK's `getBooleanValue`); never throws: on an error, `defaultValue` with an `errorCode`. */
  resolveBooleanEvaluation(flag: string, defaultValue: boolean, context: EvaluationContext): Resolution<boolean>;
  /** A multi feature's implementation name (called by the SDK's `getStringValue`); never throws: on an error, `defaultValue` with an `errorCode`. */
  resolveStringEvaluation(flag: string, defaultValue: string, context: EvaluationContext): Resolution<string>;
  /** Always `defaultValue`, with an `errorCode`: `TYPE_MISMATCH` for a feature (features are no numbers). */
  resolveNumberEvaluation(flag: string, defaultValue: number, context: EvaluationContext): Resolution<number>;
  /** Always `defaultValue`, with an `errorCode`: `TYPE_MISMATCH` for a feature (features are no objects). */
  resolveObjectEvaluation<T>(flag: string, defaultValue: T, context: EvaluationContext): Resolution<T>;
}

// Only what is exported above is the module's (not its `Resolver` base class).
export {};
