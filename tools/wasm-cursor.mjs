// A cursor over a wasm module's bytes, for the build steps that patch the
// module in place (tools/single-results.mjs, tools/no-formatting.mjs).

/**
 * A cursor that starts past the module's header (magic and version).
 * @param {Buffer} bytes
 */
export function cursor(bytes) {
  const c = {
    pos: 8,
    /** An unsigned LEB128 number, up to 2^53. */
    leb() {
      let n = 0, shift = 0, b;
      do {
        b = bytes[c.pos++];
        n += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return n;
    },
    /** `len` bytes as UTF-8 text. @param {number} len */
    utf8: (len) => bytes.subarray(c.pos, (c.pos += len)).toString(),
  };
  return c;
}
