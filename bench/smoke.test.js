// Smoke test of the harness: `npm test` in bench/ (or `node --test bench/`).
// Runs `run.js --quick` (about half a minute) into a temporary file and checks
// that every peer was measured offline, with the rule obeyed, and that
// feats-edge was either measured or skipped with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
