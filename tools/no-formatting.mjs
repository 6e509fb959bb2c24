// Empties the table slots of a wasm module that hold core::fmt's `Display`
// and `Debug` implementations, in place, so that the optimizer drops them
// and the formatting code they call (`Formatter::pad`, `pad_integral`, ...).
//
// Why: the module never formats. Its panic handler ignores its argument
// (src/wasm/mod.rs), so nothing reads the `fmt::Arguments` a bounds check or
// an `unwrap` builds before it traps; but those arguments point at these
// functions through the table, which keeps 2.5 KB of code alive. A slot is
// called only by `core::fmt::write`, so the step refuses a module that
// contains it (something then formats for real). A function also called
// directly stays: only the table's reference goes.
//
// Usage: node tools/no-formatting.mjs <module.wasm> (after wasm-bindgen, whose
// output names its functions)
import { readFileSync, writeFileSync } from 'node:fs';
import { cursor } from './wasm-cursor.mjs';

const file = process.argv[2];
const bytes = readFileSync(file);
const c = cursor(bytes);
const { leb, utf8 } = c;
const toLeb = (n) => {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
};
const fail = (message) => {
  console.error(`${file}: ${message}`);
  process.exit(1);
};

// Function names (the name section's first subsection), and where the
// element section is.
const names = new Map();
let elements = null;
while (c.pos < bytes.length) {
  const id = bytes[c.pos++];
  const size = leb();
  const start = c.pos;
  const end = start + size;
  if (id === 9) elements = { start: start - 1 - toLeb(size).length, body: start, end };
  if (id === 0 && utf8(leb()) === 'name') {
    while (c.pos < end) {
      const kind = bytes[c.pos++];
      const next = leb() + c.pos;
      if (kind === 1) {
        for (let count = leb(); count > 0; count--) names.set(leb(), utf8(leb()));
      }
      c.pos = next;
    }
  }
  c.pos = end;
}
if (names.size === 0) fail('no function names (the name section is missing)');
if ([...names.values()].some((name) => /^core(\[\w+\])?::fmt::write$/.test(name))) {
  fail('the module formats (it contains core::fmt::write): its table slots must stay');
}
const formatting = (index) =>
  /^<.* as core(\[\w+\])?::fmt::(Display|Debug)>::fmt$/.test(names.get(index) ?? '');

// Split each active segment of function indices around the slots that
// hold formatting: those slots then stay null, as a table starts.
if (!elements) fail('no element section');
c.pos = elements.body;
const out = [];
let emptied = 0;
let segments = 0;
for (let count = leb(); count > 0; count--) {
  const from = c.pos;
  const flags = leb();
  if (flags !== 0 && flags !== 2) {
    fail(`an element segment with flags ${flags} (only 0 and 2 are handled)`);
  }
  const table = flags === 2 ? leb() : 0;
  if (bytes[c.pos++] !== 0x41) fail('an element segment whose offset is not an i32.const');
  const offset = leb(); // small and positive: its signed LEB reads the same
  if (bytes[c.pos++] !== 0x0b) fail('an element segment whose offset is not an i32.const');
  if (flags === 2 && bytes[c.pos++] !== 0x00) fail('an element segment of another kind');
  const functions = [];
  for (let n = leb(); n > 0; n--) functions.push(leb());
  if (!functions.some(formatting)) {
    out.push(...bytes.subarray(from, c.pos));
    segments++;
    continue;
  }
  for (let start = 0; start < functions.length; ) {
    if (formatting(functions[start])) {
      emptied++;
      start++;
      continue;
    }
    let end = start;
    while (end < functions.length && !formatting(functions[end])) end++;
    const at = offset + start;
    // i32.const takes a signed LEB: a value whose last group has bit 6
    // set gets one more group.
    const constant = toLeb(at);
    if (constant[constant.length - 1] & 0x40) {
      constant[constant.length - 1] |= 0x80;
      constant.push(0);
    }
    out.push(...(flags === 2 ? [2, ...toLeb(table)] : [0]), 0x41, ...constant, 0x0b);
    if (flags === 2) out.push(0x00);
    out.push(...toLeb(end - start), ...functions.slice(start, end).flatMap(toLeb));
    segments++;
    start = end;
  }
}
if (emptied === 0) {
  // Nothing to do (a toolchain that no longer points at them): the step
  // can go.
  console.error(`${file}: no table slot holds a core::fmt implementation`);
  process.exit(0);
}
const section = [...toLeb(segments), ...out];
writeFileSync(
  file,
  Buffer.concat([
    bytes.subarray(0, elements.start),
    Buffer.from([9, ...toLeb(section.length), ...section]),
    bytes.subarray(elements.end),
  ]),
);
