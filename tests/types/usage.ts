// Compiled with `tsc --noEmit` by the test command: the declarations in
// pkg/index.d.ts must describe the SPEC's API as users write it.
import { init, Engine, SnapshotError, bucket, createClient, isolateClient, type Details } from 'feats-edge';

async function main(): Promise<void> {
  await init();
  // The browser entry's sources: a URL, a Response or a promise of one, bytes.
  await init(fetch('/feats_edge_bg.wasm'));
  await init(new URL('/feats_edge_bg.wasm', 'https://example.com'));
  const engine = new Engine('{"schema": 1}');
  const rev: string = engine.revision;
  const problems: { path: string; message: string }[] = engine.problems;
  const d: Details = engine.evaluate('PaymentProcessor', { user: { id: 1 } }, { now: Date.now(), sticky: {} });
  const all: Record<string, Details> = engine.evaluateAll({ user: {} }, { now: 0 });
  const b: number = bucket('PaymentProcessor', '42');
  const client = await createClient({ snapshotUrl: '/flags/snapshot.json', exposureUrl: '/flags/exposures', refreshInterval: 60000,
    flushInterval: 5000, maxBatch: 100, maxQueue: 1000, timeout: 3000, sticky: undefined, fetch: undefined, now: undefined });
  const impl: string | null = client.findImplementation('PaymentProcessor', { user: {} });
  const impls: Record<string, string | null> = client.findImplementations({ user: {} });
  client.usedImplementation('PaymentProcessor', 'acme', { user: {} });
  const created: string | null = client.create('PaymentProcessor', { user: {} });
  const on: boolean = client.isEnabled('ImageProcessing', { user: {} });
  const PP = client.feature('PaymentProcessor', { acme: () => 1, premium: () => 2 }, { default: 'acme' });
  // A default that names a factory: create always builds, find always names.
  const n: number = PP.create({ user: {} });
  const named: string = PP.find({ user: {} });
  const Loose = client.feature('PaymentProcessor', { acme: () => 1 }, { default: 'other' });
  // @ts-expect-error: a default that names no factory builds nothing when chosen
  const none: number = Loose.create({ user: {} });
  // Factories typed by an index signature name no implementation for sure.
  const widened: Record<string, () => number> = { acme: () => 1 };
  // @ts-expect-error: the default may name no factory there
  const wide: number = client.feature('PaymentProcessor', widened, { default: 'premium' }).create({ user: {} });
  const patterned: Record<`v${string}`, () => number> = { v1: () => 1 };
  // @ts-expect-error: nor with keys of a pattern
  const byPattern: number = client.feature('PaymentProcessor', patterned, { default: 'v2' }).create({ user: {} });
  // Literal keys beside an index signature are named.
  const mixed: { acme: () => number } & Record<string, () => number> = { acme: () => 1 };
  const named2: number = client.feature('PaymentProcessor', mixed, { default: 'acme' }).create({ user: {} });
  // The methods of a class instance are factories.
  class Processors {
    acme() { return 1; }
    premium() { return 2; }
  }
  const byClass: number = client.feature('PaymentProcessor', new Processors(), { default: 'acme' }).create({ user: {} });
  void byClass;
  // @ts-expect-error: and without a default, find may answer null
  const unnamed: string = client.feature('PaymentProcessor', { acme: () => 1 }).find({ user: {} });
  // Factories of different types: create returns their union.
  const UI = client.feature('Checkout', { classic: () => 1, modern: (ctx) => String(ctx.user) }, { default: 'classic' });
  const ui: number | string | undefined = UI.create({ user: {} });
  // @ts-expect-error: the union is not narrowed to the first factory's type
  const only: number | undefined = UI.create({ user: {} });
  // The type the factories share, given (README): classes behind one interface.
  interface Processor { pay(cents: number): string }
  class Acme implements Processor { pay() { return 'acme'; } }
  class Premium implements Processor { pay() { return 'premium'; } extra = 1; }
  const Pay = client.feature<Processor>('PaymentProcessor', { acme: () => new Acme(), premium: () => new Premium() }, { default: 'acme' });
  const paid: string | undefined = Pay.create({ user: {} })?.pay(100);
  // Contexts typed by an application's interface or class (no index signature).
  interface AppContext { user: { id: string; country?: string } }
  class RequestContext { constructor(readonly user: { id: string }) {} }
  const appCtx: AppContext = { user: { id: 'u1' } };
  const viaInterface: string | null = client.findImplementation('PaymentProcessor', appCtx);
  const viaClass: Details = engine.evaluate('PaymentProcessor', new RequestContext({ id: 'u2' }));
  const handleCtx: number | undefined = PP.create(appCtx);
  // Factories typed with the application's context: create takes what they all take.
  const Typed = client.feature('PaymentProcessor', { acme: (ctx: AppContext) => ctx.user.id, premium: () => 2 }, { default: 'acme' });
  const typed: string | number | undefined = Typed.create(appCtx);
  // @ts-expect-error: not the context the factories take
  Typed.create({ account: 1 });
  const Shared = client.feature<Processor, AppContext>('PaymentProcessor', { acme: (ctx: AppContext) => (ctx.user.id ? new Acme() : new Premium()) });
  const sharedPaid: string | undefined = Shared.create(appCtx)?.pay(1);
  // Factories that may be missing (optional keys): the default may name
  // none there, so create may build nothing.
  const some: Partial<Record<'acme' | 'premium', () => string>> = { acme: () => 'a' };
  // @ts-expect-error: not always built
  const partial: string = client.feature('PaymentProcessor', some, { default: 'premium' }).create({ user: {} });
  const partialMaybe: string | undefined = client.feature('PaymentProcessor', some, { default: 'premium' }).create({ user: {} });
  // A boolean feature's default as a boolean names its factory.
  const dark: string = client.feature('Dark', { true: () => 'on', false: () => 'off' }, { default: false }).create({ user: {} });
  // @ts-expect-error: a boolean names no factory of a feature that is not boolean
  const notBoolean: string = client.feature('Checkout', { classic: () => 'c' }, { default: false }).create({ user: {} });
  // What an OpenFeature hook has: a variant that may be undefined (which records nothing).
  const variant: string | undefined = Math.random() > 0.5 ? 'acme' : undefined;
  client.usedImplementation('PaymentProcessor', variant, { user: {} });
  console.log(partial, partialMaybe, dark, notBoolean);
  // Optional options take undefined (exactOptionalPropertyTypes).
  const maybe: string | undefined = Math.random() > 0.5 ? 'acme' : undefined;
  client.feature('PaymentProcessor', { acme: () => 1 }, { default: maybe });
  engine.simulate('PaymentProcessor', 100, { user: {} }, { by: maybe });
  console.log(viaInterface, viaClass, handleCtx, typed, sharedPaid, n, named, none, unnamed, wide, byPattern, named2);
  const off = client.on('update', (e) => e.revision.length + e.changed.filter((name) => name.length).length);
  off();
  // @ts-expect-error a misspelt event name (at run time it adds nothing)
  client.on('updated', () => {});
  // An event name chosen at run time: the listener gets what any of them gives.
  const either: 'stale' | 'error' = Math.random() > 0.5 ? 'stale' : 'error';
  client.on(either, (err) => void err.status);
  const anyEvent: 'update' | 'recovered' = Math.random() > 0.5 ? 'update' : 'recovered';
  client.on(anyEvent, (e) => void e.revision);
  // @ts-expect-error a listener typed for another event
  client.on('update', (e: ExposureEvent) => void e.feature);
  // @ts-expect-error nor, for names chosen at run time, for only one of them
  client.on(anyEvent, (e: UpdateEvent) => void e.changed);
  client.override('PaymentProcessor', 'acme');
  client.override('Dark', true);
  client.override('PaymentProcessor', null);
  const forced: Record<string, string> = client.overrides;
  void forced, createClient({ overrides: { PaymentProcessor: 'acme', Dark: false } });
  // A cached snapshot older than a minute is not started from.
  void createClient({ snapshotUrl: '/flags/snapshot.json', maxAge: 60_000 });
  // @ts-expect-error maxAge is a number of milliseconds
  void createClient({ snapshotUrl: '/flags/snapshot.json', maxAge: '1m' });
  // @ts-expect-error an override is a name or a boolean
  client.override('PaymentProcessor', 3);
  client.on('exposure', (e) => {
    const unit: string | null = e.unit && e.unit.value;
    const at: string = e.timestamp;
    void unit, at, e.reason === 'SPLIT', e.revision?.length;
  })();
  const offStale = client.on('stale', (err) => void err.message);
  // What an error says of the failure.
  client.on('error', (err) => {
    const status: number | undefined = err.status, wait: number | undefined = err.retryAfter, permanent: boolean | undefined = err.permanent;
    void status, wait, permanent, (err instanceof SnapshotError && err.path.length);
  });
  client.on('recovered', (e) => {
    const confirmed: string = e.revision;
    void confirmed;
  })();
  const isStale: boolean = client.stale;
  void offStale, isStale;
  // @ts-expect-error read-only
  client.stale = false;
  const changedSince: string[] = engine.changes(new Engine('{"schema": 1}'));
  // @ts-expect-error not an engine
  engine.changes('{"schema": 1}');
  void changedSince, engine.changes(null), engine.changes(undefined);
  const clientProblems: { path: string; message: string }[] = client.problems;
  void clientProblems;
  // A server's snapshot handed to a page's client.
  const boot = client.bootstrap();
  if (boot) {
    const text: string = boot.snapshot;
    const page = await createClient({ ...boot, snapshotUrl: '/flags/snapshot.json' });
    void [text, page];
  }
  await client.ready;
  await client.refresh();
  await client.flush();
  await client.close();
  // The host's classes, with the DOM library.
  await init(new URL('/feats_edge_bg.wasm', 'https://example.com'));
  await init(new Request('https://example.com/feats_edge_bg.wasm'));
  await init(new Response(new Uint8Array(8)));
  await createClient({ headers: new Headers({ authorization: 'Bearer x' }), fetch: (url, init) => fetch(url, init) });
  // Any pairs (Headers takes a Map too); a test double of fetch's own form.
  await createClient({ headers: new Map([['a', 'b']]), fetch: async (url: string, init?: RequestInit) => new Response(`${url}${init?.method}`) });
  // @ts-expect-error: not a Headers, a record or pairs
  await createClient({ headers: 42 });
  // Nothing in localStorage until consent: no prefix, and a sticky store of the page's own.
  await createClient({ snapshotUrl: '/flags/snapshot.json', storageKey: null, sticky: new Map<string, string>() });
  // @ts-expect-error: a prefix is text
  await createClient({ storageKey: false });
  // @ts-expect-error: a number is no module (an empty interface took anything)
  await init(42);
  // One client per isolate, as a Worker makes it.
  const perIsolate = isolateClient((env: { SNAPSHOT_URL: string }) => ({ snapshotUrl: env.SNAPSHOT_URL, refreshInterval: 30000 }));
  const shared = await perIsolate({ SNAPSHOT_URL: '/s.json' }, { waitUntil: (p) => void p });
  shared.create('Checkout', { user: { id: 'u' } });
  await isolateClient({ snapshotUrl: '/s.json' })();
  // @ts-expect-error: the env the options function takes
  await perIsolate({ SNAPSHOT: '/s.json' });
  try {
    new Engine('[]');
  } catch (e) {
    if (e instanceof SnapshotError) console.log(e.path, rev, problems, d, all, b, impl, impls, created, on, n, ui, only, paid);
  }
}
void main();

// OpenFeature providers over a client.
import { FeatsEdgeProvider, FeatsEdgeWebProvider, byTargetingKey, type Resolution } from 'feats-edge/openfeature';
// @ts-expect-error: the providers' base class is not exported (at run time neither)
import { Resolver } from 'feats-edge/openfeature';
// @ts-expect-error: nor the helper types of the main module
import type { HostClass } from 'feats-edge';
export type Unused = [typeof Resolver, HostClass<'URL'>];
export async function openFeature(client: Awaited<ReturnType<typeof createClient>>) {
  const server = new FeatsEdgeProvider(client, { report: false, context: (c) => ({ user: { id: c.targetingKey } }) });
  const r: Resolution<boolean> = await server.resolveBooleanEvaluation('Dark', false, { targetingKey: '42' });
  const web = new FeatsEdgeWebProvider(client);
  const s: Resolution<string> = web.resolveStringEvaluation('PaymentProcessor', 'acme', { targetingKey: '42', user: { country: 'CA' } });
  const ctx: object = byTargetingKey({ targetingKey: '42' });
  await web.initialize();
  await server.onClose();
  void [r, s, ctx, server.metadata.name, web.runsOn];
}
