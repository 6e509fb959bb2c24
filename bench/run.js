// The side-by-side benchmark, one command:
//
//   node bench/run.js [--quick] [--only sdk,sdk] [--out FILE]     (or `npm run bench` in bench/)
//
// Every SDK is measured in fresh child processes (child.js) on the one
// workload (workload.js); one table is printed, and the figures go to
// bench/results/latest.json (--quick: results/quick.json; --out overrides).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, platform, arch, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { generators, WORKLOAD } from './workload.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const quick = argv.includes('--quick');
const ALL = ['feats-edge', 'growthbook', 'flagd', 'flipt', 'unleash', 'launchdarkly'];
const only = opt('--only')?.split(',').map((s) => s.trim()).filter(Boolean);
for (const s of only ?? []) if (!ALL.includes(s)) throw new Error(`--only: unknown SDK ${s} (one of ${ALL.join(', ')})`);
const sdks = ALL.filter((s) => !only || only.includes(s));
const outFile = resolve(opt('--out') ?? join(here, 'results', quick ? 'quick.json' : 'latest.json'));
const COLD_RUNS = quick ? 3 : 5;
const MEMORY_RUNS = quick ? 1 : 3;
const TARGETS = { w1: 3, w2: 10, w3: 2, wasm: 5 };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (msg) => process.stderr.write(msg);
const started = Date.now();
const loadAtStart = loadavg();

/** One child process; resolves to its BENCH_RESULT object. */
function child(sdk, task, { features, flags = [] } = {}) {
  const args = [...flags, '--import', join(here, 'offline.js'), join(here, 'child.js'), sdk, task];
  if (features) args.push('--config', configs[sdk][features], '--features', String(features));
  if (quick) args.push('--quick');
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, args, { cwd: here, timeout: 20 * 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (err || !line) {
        reject(new Error(`${sdk} ${task} failed: ${err?.message ?? 'no result'}\n${stderr.trim().split('\n').slice(-8).join('\n')}`));
        return;
      }
      const result = JSON.parse(line.slice('BENCH_RESULT '.length));
      if (result.network?.length) networkAttempts[sdk].push(...result.network.map((n) => `${task}: ${n}`));
      resolvePromise(result);
    });
  });
}

// ---- the configurations, written once as each SDK's own JSON text.
const tmp = mkdtempSync(join(tmpdir(), 'feats-edge-bench-'));
const configs = {};
for (const sdk of sdks) {
  configs[sdk] = {};
  for (const n of [WORKLOAD.features, WORKLOAD.coldFeatures, WORKLOAD.memoryFeatures]) {
    const file = join(tmp, `${sdk}-${n}.json`);
    writeFileSync(file, generators[sdk](n));
    configs[sdk][n] = file;
  }
}
const networkAttempts = Object.fromEntries(sdks.map((s) => [s, []]));

// ---- what each adapter says about itself; which SDKs can run.
const results = {};
const skipped = {};
const packageDirs = {};
for (const sdk of sdks) {
  const r = await child(sdk, 'info');
  results[sdk] = { label: r.info.label, package: r.info.package, version: r.version, driven: r.info, bundleEntry: r.bundleEntry };
  if (r.packageDir) packageDirs[sdk] = r.packageDir;
  if (r.unavailable) {
    skipped[sdk] = r.unavailable;
    log(`${r.info.label}: SKIPPED, not measured: ${r.unavailable}\n`);
  }
}
const measured = sdks.filter((s) => !skipped[s]);
const failures = {};
const attempt = async (sdk, what, fn) => {
  try { return await fn(); } catch (e) {
    failures[sdk] = [...(failures[sdk] ?? []), `${what}: ${e.message.split('\n')[0]}`];
    log(`\n${sdk} ${what} FAILED: ${e.message}\n`);
    return undefined;
  }
};

// ---- W1 (+ sanity) and W2, each in its own process.
for (const sdk of measured) {
  log(`${results[sdk].label}: W1… `);
  const w1 = await attempt(sdk, 'W1', () => child(sdk, 'w1', { features: WORKLOAD.features }));
  if (w1) Object.assign(results[sdk], { w1: w1.w1, sanity: w1.sanity, checksumW1: w1.checksum });
  log('W2… ');
  const w2 = await attempt(sdk, 'W2', () => child(sdk, 'w2', { features: WORKLOAD.features }));
  if (w2) Object.assign(results[sdk], { w2: w2.w2, allVsOneMismatches: w2.allVsOneMismatches, checksumW2: w2.checksum });
  log(`${w1 ? w1.w1.median.toFixed(0) : '?'} ns, ${w2 ? w2.w2.median.toFixed(1) : '?'} µs\n`);
}

// ---- W3 cold start: fresh processes, the SDKs taking turns.
log(`W3 cold start, ${COLD_RUNS} processes each… `);
const colds = Object.fromEntries(measured.map((s) => [s, []]));
for (let r = 0; r < COLD_RUNS; r++) {
  for (const sdk of measured) {
    const c = await attempt(sdk, 'W3', () => child(sdk, 'cold', { features: WORKLOAD.coldFeatures }));
    if (c) colds[sdk].push(c);
  }
}
for (const sdk of measured) {
  if (!colds[sdk].length) continue;
  results[sdk].w3 = { median: median(colds[sdk].map((c) => c.ms)), runs: colds[sdk].map((c) => c.ms),
    sinceProcessStartMedian: median(colds[sdk].map((c) => c.sinceProcessStart)), features: WORKLOAD.coldFeatures };
}
log('done\n');

// ---- memory: RSS after loading the 10 000-feature configuration.
log(`memory, ${MEMORY_RUNS} process(es) each… `);
for (const sdk of measured) {
  const runs = [];
  for (let r = 0; r < MEMORY_RUNS; r++) {
    const m = await attempt(sdk, 'memory', () => child(sdk, 'memory', { features: WORKLOAD.memoryFeatures, flags: ['--expose-gc'] }));
    if (m) runs.push(m);
  }
  if (runs.length) {
    results[sdk].memory = { rssMB: median(runs.map((m) => m.rssMB)), heapUsedMB: median(runs.map((m) => m.heapUsedMB)),
      externalMB: median(runs.map((m) => m.externalMB)), rssBeforeImportMB: median(runs.map((m) => m.rssBeforeImportMB)),
      runs: runs.map((m) => m.rssMB), features: WORKLOAD.memoryFeatures };
  }
}
log('done\n');

// ---- W4 size: a minimal entry, bundled and minified by esbuild, gzipped.
log('W4 bundles… ');
const { build } = await import('esbuild');
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const isWasm = (buf) => buf.length > 8 && buf[0] === 0 && buf[1] === 0x61 && buf[2] === 0x73 && buf[3] === 0x6d;
const linkDir = join(tmp, 'node_modules');
mkdirSync(linkDir);
// `import 'feats-edge'` in the W4 entry resolves to the package directory the adapter uses.
if (packageDirs['feats-edge'] && existsSync(packageDirs['feats-edge'])) symlinkSync(packageDirs['feats-edge'], join(linkDir, 'feats-edge'), 'dir');

async function size(sdk) {
  const dir = mkdtempSync(join(tmp, `w4-${sdk}-`));
  const entry = join(dir, 'entry.js');
  writeFileSync(entry, `const CONFIG = ${JSON.stringify(generators[sdk](1))};\n${results[sdk].bundleEntry}`);
  const common = { entryPoints: [entry], bundle: true, minify: true, format: 'esm', write: false, metafile: true, outdir: join(dir, 'out'),
    nodePaths: [linkDir, join(here, 'node_modules')], loader: { '.wasm': 'file' }, logLevel: 'silent', target: 'es2022' };
  let platformUsed = 'browser', note = '', out;
  try {
    out = await build({ ...common, platform: 'browser' });
  } catch (e) {
    platformUsed = 'node';
    note = `no browser build (${(e.errors?.[0]?.text ?? e.message).slice(0, 80)}): bundled for Node`;
    out = await build({ ...common, platform: 'node' });
  }
  let jsGzip = 0, jsBytes = 0, wasmRaw = 0, wasmGzip = 0, how = null;
  let text = '';
  for (const f of out.outputFiles) {
    if (f.path.endsWith('.wasm')) { wasmRaw += f.contents.length; wasmGzip += gz(f.contents); how = 'separate file'; continue; }
    jsBytes += f.contents.length;
    jsGzip += gz(f.contents);
    text += f.text;
  }
  // wasm inlined as base64 ("\0asm" is "AGFzbQ").
  for (const m of text.matchAll(/AGFzbQ[A-Za-z0-9+/]+=*/g)) {
    const bytes = Buffer.from(m[0], 'base64');
    if (isWasm(bytes)) { wasmRaw += bytes.length; wasmGzip += gz(bytes); how = 'inlined in the JS (base64)'; }
  }
  // wasm fetched at run time next to the module: `new URL("x.wasm", import.meta.url)`.
  if (!how) {
    const seen = new Set();
    for (const input of Object.keys(out.metafile.inputs)) {
      const src = resolve(input);
      if (!existsSync(src)) continue;
      for (const m of readFileSync(src, 'utf8').matchAll(/new URL\(\s*["'`]([^"'`]+\.wasm)["'`]\s*,\s*import\.meta\.url\s*\)/g)) {
        const file = resolve(dirname(src), m[1]);
        if (!existsSync(file) || !text.includes(m[1].split('/').pop())) continue;
        const bytes = readFileSync(file);
        const real = realpathSync(file);
        if (!isWasm(bytes) || seen.has(real)) continue;
        seen.add(real);
        wasmRaw += bytes.length; wasmGzip += gz(bytes); how = 'separate file, fetched at init';
      }
    }
  }
  if (results[sdk].driven.wasm && !how) note = `${note ? `${note}; ` : ''}wasm not found in the bundle`;
  const totalGzip = jsGzip + (how && !how.startsWith('inlined') ? wasmGzip : 0);
  return { platform: platformUsed, totalGzip, jsGzip, jsBytes, wasmRaw, wasmGzip, wasm: how, note };
}
for (const sdk of measured) {
  const s = await attempt(sdk, 'W4', () => size(sdk));
  if (s) results[sdk].size = s;
}
log('done\n');
rmSync(tmp, { recursive: true, force: true });

// ---- the table.
const label = (s) => `${results[s].label} ${results[s].version ?? ''}`.trim();
const peers = measured.filter((s) => s !== 'feats-edge');
const fe = skipped['feats-edge'] || !sdks.includes('feats-edge') ? null : results['feats-edge'];
const num = (v, digits) => (v >= 1_000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 100 ? 0 : digits));
const rows = [
  { key: 'w1', title: 'W1 one evaluation (ns)', get: (r) => r.w1?.median, digits: 0, target: TARGETS.w1 },
  { key: 'w2', title: 'W2 evaluate-all 200 (µs/user)', get: (r) => r.w2?.median, digits: 1, target: TARGETS.w2 },
  { key: 'w3', title: 'W3 cold start 1 000 (ms)', get: (r) => r.w3?.median, digits: 1, target: TARGETS.w3 },
  { key: 'w4', title: 'W4 bundle min+gz (KB)', get: (r) => (r.size ? r.size.totalGzip / 1024 : undefined), digits: 1 },
  { key: 'wasm', title: 'W4 .wasm raw (KB)', get: (r) => (r.size?.wasm ? r.size.wasmRaw / 1024 : undefined), digits: 1, target: TARGETS.wasm, wasmOnly: true },
  { key: 'memory', title: 'memory 10 000 (MB RSS)', get: (r) => r.memory?.rssMB, digits: 0 },
  { key: 'sanity', title: 'sanity: US in treatment', get: (r) => (r.sanity ? r.sanity.usTreatment * 100 : undefined), digits: 1, noRatio: true },
];
const ratios = {};
const table = rows.map((row) => {
  const feV = fe ? row.get(fe) : undefined;
  const cells = sdks.map((s) => {
    if (skipped[s]) return 'skipped';
    const v = row.get(results[s]);
    if (v === undefined) return '—';
    let cell = row.noRatio ? `${v.toFixed(row.digits)} %` : num(v, row.digits);
    if (row.key === 'w4' && results[s].size.platform !== 'browser') cell = `*${cell}`;
    if (s !== 'feats-edge' && feV !== undefined && !row.noRatio) cell += ` (${(v / feV).toFixed(1)}×)`;
    return cell;
  });
  let summary = '';
  if (!row.noRatio) {
    const candidates = peers.filter((s) => row.get(results[s]) !== undefined);
    const best = candidates.reduce((a, b) => (a === null || row.get(results[b]) < row.get(results[a]) ? b : a), null);
    if (best && feV !== undefined) {
      const ratio = row.get(results[best]) / feV;
      ratios[row.key] = { ratio, bestPeer: best, target: row.target ?? null, met: row.target ? ratio >= row.target : null };
      summary = `${ratio.toFixed(1)}× (${results[best].label})${row.target ? ` ${ratio >= row.target ? '✓' : '✗'} target ${row.target}×` : ''}`;
    } else if (best) {
      summary = `best peer: ${results[best].label} ${num(row.get(results[best]), row.digits)}`;
    }
  }
  return [row.title, ...cells, summary];
});
const header = ['', ...sdks.map(label), 'feats-edge vs best peer'];
const widths = header.map((_, i) => Math.max(...[header, ...table].map((r) => [...String(r[i])].length)));
const pad = (c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]));
const lines = [header, ...table].map((r) => r.map(pad).join('  '));

const cpuList = cpus();
const load = { start: loadAtStart, end: loadavg() };
const machine = {
  cpus: cpuList.length, cpuModel: cpuList[0]?.model, memoryGB: +(totalmem() / 2 ** 30).toFixed(1),
  platform: `${platform()} ${release()} ${arch()}`, node: process.version, v8: process.versions.v8, loadAverage: load,
};
console.log(`\nfeats-edge and its peers, ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${machine.cpus} × ${machine.cpuModel}${quick ? ' — QUICK RUN (few iterations, not for publication)' : ''}`);
console.log(`medians: W1 ${quick ? 3 : 5} reps × ${quick ? '50 000' : '1 000 000'} calls, W2 ${quick ? 3 : 5} reps × ${quick ? 500 : '10 000'} users, W3 ${COLD_RUNS} processes, memory ${MEMORY_RUNS}; (n×) = peer ÷ feats-edge, above 1 = feats-edge faster or smaller\n`);
for (const l of lines) console.log(l);
console.log('');
if (measured.some((s) => results[s].size && results[s].size.platform !== 'browser')) console.log('* W4: a Node bundle (the SDK cannot be bundled for a browser)');
for (const s of sdks) if (skipped[s]) console.log(`${results[s].label} skipped, not measured: ${skipped[s]}`);
for (const s of measured) {
  const z = results[s].size;
  if (z && (z.wasm || z.note || z.platform !== 'browser')) {
    console.log(`W4 ${results[s].label}: ${z.platform}${z.wasm ? `; wasm ${z.wasm}, ${num(z.wasmRaw / 1024, 1)} KB raw / ${num(z.wasmGzip / 1024, 1)} KB gz` : ''}${z.note ? `; ${z.note}` : ''}`);
  }
}
for (const s of measured) {
  const r = results[s];
  if (r.sanity?.wrong) console.log(`WARNING ${r.label}: ${r.sanity.wrong} evaluations contradict the rule (targeted user got the default or vice versa)`);
  if (r.allVsOneMismatches) console.log(`WARNING ${r.label}: evaluate-all disagrees with single evaluation ${r.allVsOneMismatches} times`);
  if (networkAttempts[s].length) console.log(`WARNING ${r.label}: tried to reach the network (refused): ${[...new Set(networkAttempts[s])].slice(0, 3).join('; ')}`);
  if (failures[s]) console.log(`FAILED ${r.label}: ${failures[s].join('; ')}`);
}
if (Math.max(load.start[0], load.end[0]) > machine.cpus * 0.75) console.log(`WARNING: load average ${load.end.map((x) => x.toFixed(1)).join(' ')} on ${machine.cpus} cores: other work was running, figures are noisy`);
console.log(`checksums (W1/W2): ${measured.map((s) => `${s} ${results[s].checksumW1}/${results[s].checksumW2}`).join(', ')}`);

for (const s of sdks) { delete results[s].bundleEntry; if (skipped[s]) results[s].skipped = skipped[s]; if (networkAttempts[s].length) results[s].networkAttempts = networkAttempts[s]; if (failures[s]) results[s].failures = failures[s]; }
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify({
  date: new Date().toISOString(), quick, seconds: Math.round((Date.now() - started) / 1000), machine, workload: WORKLOAD,
  method: { w1: quick ? { reps: 3, calls: 50_000, warmup: 20_000 } : { reps: 5, calls: 1_000_000, warmup: 200_000 },
    w2: quick ? { reps: 3, users: 500, warmup: 100 } : { reps: 5, users: 10_000, warmup: 1_000 }, w3Processes: COLD_RUNS, memoryProcesses: MEMORY_RUNS },
  targets: TARGETS, ratios, results, table: lines,
}, null, 2)}\n`);
console.log(`\n${outFile.startsWith(here) ? outFile.slice(here.length) : outFile} written, ${Math.round((Date.now() - started) / 1000)} s`);
