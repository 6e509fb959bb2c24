// W3, one cold start, run by package.mjs and ab.mjs in a fresh process:
//
//   node benches/cold-start.mjs SNAPSHOT_FILE
//
// Prints the phases in milliseconds as one line of JSON: `import` (the
// package imported by its name, its wasm read, compiled and instantiated,
// `await init()`), `load` (`new Engine` of the snapshot text), `first` (the
// first evaluation) and `total`.
//
// It runs as a file, the way an application's entry module does. Given to
// `node -e` instead (as package.mjs did before), the import after the clock
// is the process's first module loaded from a file, and Node compiles its
// module loader's file resolution and reading then, on first use: 1.5–3 ms
// on the build machine, which an application's entry module has always
// spent before its own code runs (a `-e` script is compiled without them).
// The package is imported by its name, through the `node_modules` beside or
// above this file, as an application imports it: resolving a bare name
// through `exports` costs Node about 1 ms more than a path, the first time
// a process does it, and that is part of W3.
//
// The snapshot text is read before the clock starts, with `node:fs` as an
// ES module, as an application that reads its snapshot from a file does.
// The package imports `node:fs` too, and that module's ES facade (which
// loads Node's streams) is then already built: in a process that has not
// imported `node:fs` before, the package's import takes about 1 ms more.
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8');
const t0 = performance.now();
const { init, Engine } = await import('feats-edge');
await init();
const t1 = performance.now();
const engine = new Engine(text);
const t2 = performance.now();
if (engine.implementation('f0000', { user: { id: 'user-1', country: 'US' } }) === null) throw new Error('no implementation');
const t3 = performance.now();
console.log(JSON.stringify({ import: t1 - t0, load: t2 - t1, first: t3 - t2, total: t3 - t0 }));
