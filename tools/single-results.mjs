// Marks the `multivalue` feature as unused in a wasm module's
// `target_features` section, in place, so that wasm-bindgen returns strings
// and vectors through memory (a return pointer) instead of as two results.
//
// Why: when Node 20's V8 compiles a module, it compiles a JS-to-wasm
// wrapper with its optimizing compiler for every export signature its
// generic wrapper cannot take, and that wrapper takes no signature with more
// than one result. With two-result exports the module's compile took 2.4 ms
// cold on the benchmark machine; with one-result exports, 1.4 ms
// (docs/performance.md). rustc marks the feature because the standard library is
// built with it; the crate's own code returns no multiple values.
//
// Usage: node tools/single-results.mjs <module.wasm>
import { readFileSync, writeFileSync } from 'node:fs';
import { cursor } from './wasm-cursor.mjs';

const file = process.argv[2];
const bytes = readFileSync(file);
const c = cursor(bytes);
const { leb, utf8 } = c;

let patched = false;
while (c.pos < bytes.length) {
  const id = bytes[c.pos++];
  const end = leb() + c.pos;
  if (id === 0 && utf8(leb()) === 'target_features') {
    for (let count = leb(); count > 0; count--) {
      const prefix = c.pos++;
      if (utf8(leb()) === 'multivalue' && bytes[prefix] === 0x2b /* '+' */) {
        bytes[prefix] = 0x2d; // '-': disallowed
        patched = true;
      }
    }
  }
  c.pos = end;
}
if (!patched) {
  console.error(`${file}: no "+multivalue" in its target_features section`);
  process.exit(1);
}
writeFileSync(file, bytes);
