// Smoke test of the harness: `npm test` in bench/ (or `node --test bench/`).
// Runs `run.js --quick` (about half a minute) into a temporary file and checks
// that every peer was measured offline, with the rule obeyed, and that
// feats-edge was either measured or skipped with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { generators } from './workload.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

test('run.js --quick measures every SDK offline', { timeout: 10 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'feats-edge-bench-smoke-'));
  try {
    const out = join(dir, 'quick.json');
    const stdout = execFileSync(process.execPath, [join(here, 'run.js'), '--quick', '--out', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(stdout, /W1 one evaluation/);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(report.quick, true);
    assert.ok(report.machine.cpus >= 1 && report.machine.node);
    for (const [sdk, r] of Object.entries(report.results)) {
      if (sdk === 'feats-edge' && r.skipped) continue;
      assert.ok(!r.failures, `${sdk}: ${r.failures}`);
      assert.ok(!r.networkAttempts, `${sdk} tried the network: ${r.networkAttempts}`);
      assert.ok(r.w1.median > 0 && r.w2.median > 0 && r.w3.median > 0 && r.memory.rssMB > 0 && r.size.totalGzip > 0, sdk);
      assert.equal(r.sanity.wrong, 0, `${sdk} broke the rule`);
      assert.equal(r.allVsOneMismatches, 0, `${sdk}: evaluate-all disagrees with single evaluation`);
      assert.ok(r.sanity.usTreatment > 0.44 && r.sanity.usTreatment < 0.56, `${sdk} US treatment share ${r.sanity.usTreatment}`);
    }
    const fe = report.results['feats-edge'];
    assert.ok(fe.skipped ? typeof fe.skipped === 'string' : fe.w1.median > 0);
    for (const peer of ['growthbook', 'flagd', 'flipt', 'unleash', 'launchdarkly']) assert.ok(report.results[peer].w1, peer);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `node child.js feats-edge TASK` as run.js starts it (plus `flags`), with the 1 000-feature configuration in `dir`; its stdout, or what it threw. */
function feats(dir, task, flags = [], env = process.env) {
  const config = join(dir, 'config.json');
  writeFileSync(config, generators['feats-edge'](1000));
  try {
    return execFileSync(process.execPath, [...flags, '--import', join(here, 'offline.js'), join(here, 'child.js'), 'feats-edge', task, '--config', config, '--features', '1000'],
      { cwd: here, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return `failed: ${e.stderr}`;
  }
}

test("feats-edge's cold start (W3) times its import, not the harness's check of the link: no directory is listed nor link read in it, and a link to another build is no number", { timeout: 5 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'feats-edge-bench-cold-'));
  try {
    assert.match(feats(dir, 'info'), /"unavailable":null/, 'linked to the build under test');
    // Listing a directory or reading a link throws in the measured process.
    const hook = join(dir, 'no-listing.mjs');
    writeFileSync(hook, `import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
for (const f of ['readdirSync', 'lstatSync', 'readlinkSync']) fs[f] = () => { throw new Error(f + ' in the timed span'); };
syncBuiltinESMExports();`);
    const cold = feats(dir, 'cold', ['--import', hook]);
    assert.match(cold, /^BENCH_RESULT \{"ms":[\d.]+/m, cold);
    // The link pointed at another build since (a copy of pkg/): measured, and refused.
    const other = join(dir, 'other');
    cpSync(fileURLToPath(new URL('../pkg/', import.meta.url)), other, { recursive: true, dereference: true });
    const link = join(here, 'node_modules/feats-edge');
    rmSync(link);
    symlinkSync(other, link, 'dir');
    assert.match(feats(dir, 'cold'), /not the build under test: "feats-edge" resolves to .*other/);
  } finally {
    feats(dir, 'info'); // (the link back to the build under test)
    rmSync(dir, { recursive: true, force: true });
  }
});
