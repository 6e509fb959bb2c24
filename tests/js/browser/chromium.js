// Helpers for the Chromium tests: Debian's Chromium through playwright-core
// (launch arguments from TOOLCHAIN.md, a fresh profile each time) and the
// demo server (www/server.js) on a free port. Not a test file.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
const executablePath = '/usr/bin/chromium';

/** A persistent context on a fresh temporary profile; fails clearly when Chromium is missing. */
export async function launchChromium() {
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium is missing at ${executablePath}: apt-get install -y chromium (./dev test installs it)`);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'feats-edge-chromium-')), {
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 800 },
  });
}

/**
 * Starts www/server.js on a free port (`--port 0`; it prints the port) with
 * a private copy of `snapshot` (default www/snapshot.json). Returns {url, stop()}.
 */
export async function startDemoServer(snapshot = join(root, 'www/snapshot.json')) {
  const copy = join(mkdtempSync(join(tmpdir(), 'feats-edge-demo-')), 'snapshot.json');
  copyFileSync(snapshot, copy);
  const child = spawn(process.execPath, [join(root, 'www/server.js'), '--port', '0', '--snapshot', copy], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exit = new Promise((r) => child.on('exit', r));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`www/server.js did not start: ${out}`)), 10000);
    const look = (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    exit.then((code) => reject(new Error(`www/server.js exited (${code}): ${out}`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exit;
    },
  };
}

/**
 * An init script that records the first animation frame in which the page is
 * visible (`<html>` no longer has the class `pending`): `look()` runs in that
 * frame, before its paint, and its result lands in `window.__firstFrame`.
 * Frames before it record whether the body was really hidden.
 */
export function firstFrameScript(look) {
  return `(() => {
    const look = ${look};
    window.__pendingFrames = [];
    const tick = () => {
      const html = document.documentElement;
      if (html && document.body && !html.classList.contains('pending')) {
        window.__firstFrame = look();
        return;
      }
      if (document.body) window.__pendingFrames.push(getComputedStyle(document.body).visibility);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })();`;
}

/** Polls `check` until it returns something truthy; returns the last value after `ms`. */
export async function until(check, ms = 5000, every = 50) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, every));
  }
}
