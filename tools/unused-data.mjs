// Zeroes data of a wasm module that nothing reads, in place, so that
// wasm-opt leaves it out of the data segments (memory starts zeroed).
// wasm-opt drops unused code, never unused data: the addresses of the rest
// must stay as they are. Two kinds:
// - core::fmt's table of decimal digit pairs ("00" to "99") and the name
//   `LayoutError` beside it, 211 bytes that only the printers which
//   tools/no-formatting.mjs cuts off read: once wasm-opt has run, nothing
//   points at them, which `check` makes sure of.
// - What a panic's arguments point at: the text of the standard library's
//   panic messages (`index out of bounds: the len is `) and the source
//   files of panic locations (`src/snapshot/index.rs`, `/rustc/…/library/…`),
//   0.9 KB. The module's panic handler ignores its argument and traps
//   (src/wasm/mod.rs), so nothing reads them, though the arguments still
//   point at them. Messages the package shows (wasm-bindgen's `null pointer
//   passed to rust`, the module's own) are none of these.
//
// Usage:
//   node tools/unused-data.mjs zero <module.wasm>
//     before wasm-opt; prints the address ranges of the first kind zeroed
//     ("from-to ...")
//   node tools/unused-data.mjs check <module.wasm> <ranges>
//     after it: refuses a module whose code or data still points into a
//     range (something reads it after all, and would read zeros)
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cursor } from './wasm-cursor.mjs';

const [mode, file, ranges = ''] = process.argv.slice(2);
const bytes = readFileSync(file);
const fail = (message) => {
  console.error(`${file}: ${message}`);
  process.exit(1);
};

/** The active data segments: memory address and where the bytes are. */
function segments() {
  const c = cursor(bytes);
  const { leb } = c;
  while (c.pos < bytes.length) {
    const id = bytes[c.pos++];
    const end = leb() + c.pos;
    if (id !== 11) {
      c.pos = end;
      continue;
    }
    const out = [];
    for (let count = leb(); count > 0; count--) {
      const flags = leb();
      if (flags !== 0) fail(`a data segment with flags ${flags} (only 0 is handled)`);
      if (bytes[c.pos++] !== 0x41) fail('a data segment whose offset is not an i32.const');
      const address = leb(); // below 2^31 in this module: its signed LEB reads the same
      if (bytes[c.pos++] !== 0x0b) fail('a data segment whose offset is not an i32.const');
      const size = leb();
      out.push({ address, start: c.pos, end: c.pos + size });
      c.pos += size;
    }
    return out;
  }
  return [];
}

/** The data that nothing reads, each found once in the module's data. */
function unused() {
  let digits = '';
  for (let i = 0; i < 100; i++) digits += String(i).padStart(2, '0');
  return [Buffer.from(digits), Buffer.from('LayoutError')];
}

/**
 * The text that only a panic's arguments point at: the standard library's
 * panic messages, in pieces around their arguments, and the source files
 * of panic locations (stored with a NUL after them).
 */
const PANIC_TEXT = new RegExp(
  [
    '/rustc/[0-9a-f]{40}/library/[\\w/.-]+\\.rs(?=\\0)',
    'src/[\\w/]+\\.rs(?=\\0)',
    'slice index starts at ',
    ' but ends at ',
    'index out of bounds: the len is ',
    ' but the index is ',
    'range start index ',
    'range end index ',
    ' out of range for slice of length ',
    'memory allocation of ',
    ' bytes failed',
    'assertion failed: self\\.is_char_boundary\\(new_len\\)',
    'called `Result::unwrap\\(\\)` on an `Err` value',
    'capacity overflow',
  ].join('|'),
  'g',
);

if (mode === 'zero') {
  const found = [];
  for (const pattern of unused()) {
    const hits = [];
    for (const s of segments()) {
      for (let at = bytes.indexOf(pattern, s.start); at >= 0 && at + pattern.length <= s.end; ) {
        hits.push({ at, address: s.address + at - s.start });
        at = bytes.indexOf(pattern, at + 1);
      }
    }
    // Not there, or more than once (another copy may be read): left alone.
    if (hits.length !== 1) continue;
    bytes.fill(0, hits[0].at, hits[0].at + pattern.length);
    found.push(`${hits[0].address}-${hits[0].address + pattern.length}`);
  }
  let panics = 0;
  for (const s of segments()) {
    const text = bytes.toString('latin1', s.start, s.end);
    for (const m of text.matchAll(PANIC_TEXT)) {
      bytes.fill(0, s.start + m.index, s.start + m.index + m[0].length);
      panics++;
    }
  }
  // None: a toolchain that writes them otherwise; the pattern needs a look.
  if (panics === 0) console.error(`${file}: no panic message or location found in the data`);
  writeFileSync(file, bytes);
  console.log(found.join(' '));
} else if (mode === 'check') {
  const zeroed = ranges.split(' ').filter(Boolean).map((r) => r.split('-').map(Number));
  const inside = (n) => zeroed.some(([from, to]) => n >= from && n < to);
  // Addresses in code: constants, and offsets folded into loads and stores.
  const text = execFileSync(new URL('../node_modules/.bin/wasm-dis', import.meta.url).pathname, [file], {
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('(data ')) continue;
    for (const m of line.matchAll(/(?:i32\.const |offset=)(\d+)/g)) {
      if (inside(Number(m[1]))) fail(`code points into the data zeroed (${line.trim()})`);
    }
  }
  // Pointers in data.
  for (const s of segments()) {
    for (let at = s.start; at + 4 <= s.end; at++) {
      if (inside(bytes.readUInt32LE(at)) && (s.address + at - s.start) % 4 === 0) {
        fail(`data at ${s.address + at - s.start} points into the data zeroed`);
      }
    }
  }
} else {
  fail('usage: node tools/unused-data.mjs zero|check <module.wasm> [ranges]');
}
