// Temporary directories for the tests (not a test file), removed when the
// test process exits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The directories tempDir() made, removed at exit. */
const tempDirs = new Set();

/**
 * A fresh directory `feats-edge-<what>-XXXXXX` in the system's temporary
 * folder, removed when the test process exits, whether its tests passed or
 * not (`./dev test` fails if one is left behind).
 */
export function tempDir(what) {
  const dir = mkdtempSync(join(tmpdir(), `feats-edge-${what}-`));
  if (tempDirs.size === 0) process.once('exit', removeTempDirs);
  tempDirs.add(dir);
  return dir;
}

function removeTempDirs() {
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      process.stderr.write(`could not remove ${dir}: ${e.message}\n`);
    }
  }
}
