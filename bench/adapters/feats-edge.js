// feats-edge, driven through the package's public API:
//   await init(); const e = new Engine(snapshotText);
//   e.implementation(name, ctx, {now});  e.implementations(ctx, {now})
// These are the calls under client.findImplementation and
// client.findImplementations (the names only; `evaluate` returns the full
// details and costs more). Everything the benchmark knows about feats-edge
// is in this one file.
//
// The package is imported by its name, `import "feats-edge"`, as an
// application and every peer's adapter import theirs: Node resolves it
// through `bench/node_modules/feats-edge`, a link `available()` points at the
// build under test (the repository's pkg/, or FEATS_EDGE_PKG), and its
// package.json `exports` (the `node` condition). Resolving a bare name costs
// Node about 1 ms the first time a process does it, and W3 counts that for
// every SDK alike. When pkg/index.js or its .wasm is missing (or
// FEATS_EDGE_PKG names an empty place), `available()` says why and the
// harness skips feats-edge: no number is ever made up for it.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// FEATS_EDGE_PKG points the benchmark at another build of the package.
export const PKG_DIR = process.env.FEATS_EDGE_PKG
  ? resolve(process.env.FEATS_EDGE_PKG)
  : fileURLToPath(new URL('../../pkg/', import.meta.url));

export const info = {
  label: 'feats-edge',
  package: 'feats-edge (../pkg)',
  wasm: true,
  async: false,
  config: 'snapshot text (SPEC §1) → `await init(); new Engine(text)`',
  one: '`engine.implementation(key, {user: {id, country}}, {now})` (what `findImplementation` runs)',
  all: '`engine.implementations({user: {id, country}}, {now})` (bulk API, what `findImplementations` runs) → `[key]`',
};

/** The .wasm files shipped in pkg/ (outside node_modules). */
export function wasmFiles(dir = PKG_DIR, depth = 0) {
  if (!existsSync(dir) || depth > 3) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...wasmFiles(p, depth + 1));
    else if (name.endsWith('.wasm') && st.size > 8) out.push(p);
  }
  return out;
}

/** Where `import "feats-edge"` from this file looks first. */
const LINK = fileURLToPath(new URL('../node_modules/feats-edge', import.meta.url));

/**
 * `null` when the package can be measured, else the reason it cannot. Run
 * once before any measurement (the `info` task): points the link at
 * PKG_DIR, then checks that the name resolves to the module `entryPath()`
 * names, so no other build is ever measured under its name.
 */
export function available() {
  if (!existsSync(join(PKG_DIR, 'index.js'))) return `${join(PKG_DIR, 'index.js')} is missing (the package is not built yet)`;
  if (wasmFiles().length === 0) return `no .wasm under ${PKG_DIR} (build the wasm first)`;
  try {
    let linked = null;
    try {
      linked = lstatSync(LINK).isSymbolicLink() ? readlinkSync(LINK) : 'not a link';
    } catch {}
    if (linked !== PKG_DIR) {
      if (linked !== null) unlinkSync(LINK);
      mkdirSync(join(LINK, '..'), { recursive: true });
      symlinkSync(PKG_DIR, LINK, 'dir');
    }
  } catch (e) {
    return `cannot link ${LINK} to ${PKG_DIR}: ${e.message}`;
  }
  return measured();
}

/**
 * `null` when `import "feats-edge"` resolves to the build under test, else
 * what it resolves to. Changes nothing: the cold start (W3) calls it once
 * its clock has stopped (see child.js), as the check of `available()`
 * inside the timed span cost about 1 ms (the link read, the package's files
 * listed, the name resolved once more) that no peer's cold start pays.
 */
export function measured() {
  try {
    const got = realpathSync(fileURLToPath(import.meta.resolve('feats-edge')));
    return got === realpathSync(entryPath()) ? null : `"feats-edge" resolves to ${got}, not to ${entryPath()}`;
  } catch (e) {
    return `"feats-edge" does not resolve to ${entryPath()}: ${e.message}`;
  }
}

/** The package's version, from pkg/package.json. */
export function version() {
  try { return JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')).version; } catch { return undefined; }
}

/** The module Node would load for `import "feats-edge"`. */
export function entryPath() {
  let target = 'index.js';
  try {
    const pj = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8'));
    let e = pj.exports?.['.'] ?? pj.exports;
    for (let k = 0; e && typeof e === 'object' && k < 4; k++) e = e.node ?? e.import ?? e.default;
    if (typeof e === 'string') target = e;
    else if (typeof pj.main === 'string') target = pj.main;
  } catch { /* no package.json: index.js */ }
  return join(PKG_DIR, target);
}

export async function setup({ text, cold = false }) {
  // (Not in the cold start, which is timed: the `info` task linked and
  // checked the build before any measurement, and child.js checks that
  // build was the one measured once the clock has stopped.)
  const reason = cold ? null : available();
  if (reason) throw new Error(`feats-edge unavailable: ${reason}`);
  const { init, Engine } = await import('feats-edge');
  await init();
  const engine = new Engine(text);
  // The workload snapshot is checked to be clean in the W1/W2 runs. Not in
  // the cold start: reading `problems` compiles every feature, which the
  // first evaluation does not need (features compile on first use).
  if (!cold && engine.problems?.length) throw new Error(`snapshot problems: ${JSON.stringify(engine.problems.slice(0, 3))}`);
  // The clock is read once, as a request handler would for its evaluations;
  // no rule of the workload depends on time.
  const opts = { now: Date.now() };
  return {
    one: (key, u) => engine.implementation(key, { user: { id: u.id, country: u.country } }, opts),
    all: (u) => engine.implementations({ user: { id: u.id, country: u.country } }, opts),
    pick: (res, j, key) => res[key],
    close: () => engine.free?.(),
  };
}

// W4: a minimal browser entry, resolved through the package's `browser`
// condition. CONFIG is the one-feature snapshot text.
export const bundleEntry = `
import { init, Engine } from 'feats-edge';
await init();
const engine = new Engine(CONFIG);
console.log(engine.implementation('f000', { user: { id: 'u1', country: 'US' } }, { now: Date.now() }));
`;
