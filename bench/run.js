// The side-by-side benchmark: `node bench/run.js [--quick]` (or `npm run
// bench` in bench/). Every SDK runs in fresh child processes on the same
// workload (workload.js); one table is printed and results/latest.json written.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const quick = process.argv.includes('--quick');
const sdks = ['feats-edge', 'growthbook', 'flagd', 'flipt', 'unleash', 'launchdarkly'];
const packages = {
  'feats-edge': 'feats-edge', growthbook: '@growthbook/growthbook', flagd: '@openfeature/flagd-core',
  flipt: '@flipt-io/flipt-client-js', unleash: 'unleash-client', launchdarkly: '@launchdarkly/node-server-sdk',
};
const version = (sdk) => sdk === 'feats-edge'
  ? JSON.parse(readFileSync(join(here, '../pkg/package.json'), 'utf8')).version
  : JSON.parse(readFileSync(join(here, 'node_modules', packages[sdk], 'package.json'), 'utf8')).version;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function child(sdk, task, flags = []) {
  const stdout = execFileSync(process.execPath, [...flags, join(here, 'child.js'), sdk, task, ...(quick ? ['--quick'] : [])],
    { cwd: here, stdio: ['ignore', 'pipe', 'ignore'], timeout: 300_000 });
  return JSON.parse(stdout.toString().trim().split('\n').pop());
}

/** W4: a minimal browser entry, bundled, minified, gzipped; wasm counted. */
async function size(sdk) {
  const dir = mkdtempSync(join(tmpdir(), 'feats-edge-w4-'));
  const entries = {
    'feats-edge': `import { init, Engine } from 'feats-edge'; await init(); console.log(new Engine('{"schema":1}').implementation('f', {user: {id: '1'}}));`,
    growthbook: `import { GrowthBook } from '@growthbook/growthbook'; const gb = new GrowthBook({ attributes: { id: '1' } }); console.log(gb.getFeatureValue('f', 'off'));`,
    flagd: `import { FlagdCore } from '@openfeature/flagd-core'; const c = new FlagdCore(); c.setConfigurations('{"flags":{}}'); console.log(c.resolveStringEvaluation('f', 'off', {}));`,
    flipt: `import { FliptClient } from '@flipt-io/flipt-client-js'; const c = await FliptClient.init({ namespace: 'default' }); console.log(c.evaluateVariant({ flagKey: 'f', entityId: '1', context: {} }));`,
    unleash: `import { Unleash } from 'unleash-client'; console.log(new Unleash({ url: 'x', appName: 'a' }).isEnabled('f'));`,
    launchdarkly: `import { init } from '@launchdarkly/node-server-sdk'; const c = init('k'); console.log(await c.variation('f', { key: '1' }, 'off'));`,
  };
  writeFileSync(join(dir, 'entry.js'), entries[sdk]);
  let platform = 'browser', note = '';
  let result;
  try {
    result = await build({ entryPoints: [join(dir, 'entry.js')], bundle: true, minify: true, format: 'esm', platform, write: false,
      nodePaths: [join(here, 'node_modules'), join(here, '../node_modules')], logLevel: 'silent', loader: { '.wasm': 'file' }, outdir: dir });
  } catch {
    platform = 'node';
    note = 'server SDK: bundled for Node';
    result = await build({ entryPoints: [join(dir, 'entry.js')], bundle: true, minify: true, format: 'esm', platform, write: false,
      nodePaths: [join(here, 'node_modules'), join(here, '../node_modules')], logLevel: 'silent', loader: { '.wasm': 'file' }, outdir: dir });
  }
  let js = 0, wasm = 0, wasmGz = 0;
  for (const f of result.outputFiles) {
    if (f.path.endsWith('.wasm')) {
      wasm += f.contents.length;
      wasmGz += gzipSync(f.contents, { level: 9 }).length;
    } else js += gzipSync(f.contents, { level: 9 }).length;
  }
  if (sdk === 'feats-edge' && wasm === 0) {
    // The .wasm is fetched next to the module at run time (not inlined): count it.
    const bytes = readFileSync(join(here, '../pkg/gen/feats_edge_bg.wasm'));
    wasm = bytes.length;
    wasmGz = gzipSync(bytes, { level: 9 }).length;
    note = 'separate .wasm';
  }
  if (sdk === 'flipt' && wasm === 0) note = 'wasm inlined in the JS (base64)';
  return { gzip: js + wasmGz, jsGzip: js, wasmBytes: wasm, wasmGzip: wasmGz, platform, note };
}

const results = {};
for (const sdk of sdks) {
  process.stderr.write(`${sdk}: speed… `);
  const speed = child(sdk, 'speed');
  process.stderr.write('cold start… ');
  const colds = [];
  for (let i = 0; i < (quick ? 3 : 5); i++) colds.push(child(sdk, 'cold').ms);
  process.stderr.write('memory… ');
  const memory = child(sdk, 'memory', ['--expose-gc']);
  process.stderr.write('size\n');
  results[sdk] = { version: version(sdk), ...speed, w3: median(colds), memoryMB: memory.rssMB, size: await size(sdk) };
}

const peers = sdks.filter((s) => s !== 'feats-edge');
const fe = results['feats-edge'];
const best = (f) => peers.reduce((a, b) => (f(results[b]) < f(results[a]) ? b : a));
const rows = [
  ['W1 one evaluation (ns)', (r) => r.w1, 0],
  ['W2 evaluate-all 200 (µs)', (r) => r.w2, 1],
  ['W3 cold start 1 000 (ms)', (r) => r.w3, 1],
  ['W4 browser bundle (KB gz)', (r) => r.size.gzip / 1024, 1],
  ['memory, 10 000 features (MB RSS)', (r) => r.memoryMB, 0],
  ['sanity: US users in treatment', (r) => r.sanity * 100, 1],
];
const header = ['', ...sdks.map((s) => `${s} ${results[s].version}`), 'vs fastest peer'];
const table = rows.map(([label, f, digits]) => {
  const b = best(f);
  const ratio = label.startsWith('sanity') ? '' : `${(f(results[b]) / f(fe)).toFixed(1)}× (${b})`;
  return [label, ...sdks.map((s) => f(results[s]).toFixed(digits) + (label.startsWith('sanity') ? ' %' : '')), ratio];
});
const widths = header.map((_, i) => Math.max(...[header, ...table].map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}${quick ? ' (quick run)' : ''}`);
console.log(line(header));
for (const r of table) console.log(line(r));
console.log('\nW4 notes:', sdks.map((s) => `${s}: ${results[s].size.note || results[s].size.platform}`).join('; '));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results/latest.json'), JSON.stringify({
  date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, memoryGB: totalmem() / 2 ** 30, quick, results,
}, null, 2));
