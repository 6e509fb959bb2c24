// Engine: a snapshot compiled inside WebAssembly, evaluated from JavaScript.
//
// The context never crosses the boundary as an object. For each feature the
// engine knows which (input, path) slots its segments read; this file reads
// just those values from the context, writes their UTF-8 bytes into a scratch
// area in wasm memory, and gets back an implementation index. See
// src/wasm/mod.rs for the layout. All rule logic lives in Rust.

import { need } from './wasm.js';

/** A snapshot refused as a whole: invalid JSON, wrong schema, over the limits. */
export class SnapshotError extends Error {
  /** @param {string} message @param {string} path JSON Pointer */
  constructor(message, path) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'SnapshotError';
    this.path = path;
    this.reason = message;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ABSENT = 0xffffffff;
const NONE = 0xffff;
const cleanup = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((raw) => raw.free()) : null;

/** @param {unknown} v */
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Generated code where the runtime allows it (Node, most pages), else null:
 * Cloudflare Workers and pages with a strict Content-Security-Policy forbid
 * `new Function`, and get the generic loops instead. Only names the engine
 * validated and JSON-quoted keys are ever written into the code.
 */
function compile(make) {
  try {
    return make();
  } catch {
    return null;
  }
}

/**
 * The host object wasm calls back: time, sticky assignments, randomness.
 * Made outside the Engine's constructor on purpose: wasm keeps the host
 * alive, and closures created inside the constructor would share its
 * scope, `this` included, so the Engine could never be collected (nor its
 * wasm memory freed).
 */
function makeHost(call, memory) {
  return {
    now: () => (call.now ??= +call.clock()),
    sticky: (feature, ptr, len) => stickyLookup(call, memory, feature, ptr, len),
    random,
  };
}

/**
 * The host's sticky lookup: the implementation index stored for the sticky
 * key at `ptr..ptr+len` in wasm memory, -1 if none. A store that throws
 * counts as none.
 */
function stickyLookup(call, memory, feature, ptr, len) {
  const store = call.sticky;
  if (!store) return -1;
  try {
    const key = decoder.decode(new Uint8Array(memory.buffer, ptr, len));
    const value = typeof store.get === 'function' ? store.get(key) : Object.hasOwn(store, key) ? store[key] : undefined;
    if (value === undefined || value === null) return -1;
    return call.impls[feature]?.indexOf(String(value)) ?? -1;
  } catch {
    return -1;
  }
}

/** Random 32-bit integers for `random` experiments. */
const random = () => (Math.random() * 4294967296) >>> 0;

export class Engine {
  /**
   * @param {string | object | Uint8Array} snapshot the snapshot document
   * @throws {SnapshotError} when the snapshot is refused as a whole
   */
  constructor(snapshot) {
    const { RawEngine, memory } = need();
    let text;
    try {
      text = typeof snapshot === 'string' ? snapshot
        : snapshot instanceof Uint8Array ? new TextDecoder().decode(snapshot)
        : JSON.stringify(snapshot);
    } catch (e) {
      throw new SnapshotError(`the snapshot cannot be serialized: ${/** @type {Error} */ (e).message}`, '');
    }
    if (typeof text !== 'string') throw new SnapshotError('the snapshot must be JSON text or a JSON object', '');
    /** @type {{ now?: number, clock: () => number, sticky: any, impls: string[][] }} */
    const call = this._call = { now: undefined, clock: Date.now, sticky: null, impls: [] };
    const raw = RawEngine.load(text, makeHost(call, memory));
    const refused = raw.refused();
    if (refused) {
      raw.free();
      const e = JSON.parse(refused);
      throw new SnapshotError(e.message, e.path);
    }
    this._raw = raw;
    this._memory = memory;
    const meta = JSON.parse(raw.meta());
    /** @type {string} */
    this.revision = meta.revision;
    /** @type {{path: string, message: string}[]} */
    this.problems = meta.problems;
    /** @type {{name: string, type: 'multi'|'boolean', implementations: string[], default: string|null, inputs: string[]}[]} */
    this.features = meta.features;
    call.impls = meta.features.map((f) => f.implementations);
    /** @type {Map<string, number>} */
    this._index = new Map(meta.features.map((f, i) => [f.name, i]));
    this._inputs = meta.inputs;
    this._slotInput = meta.slots.map((s) => s[0]);
    this._slotPath = meta.slots.map((s) => s.slice(1));
    // A placeholder's value: a string as is, a number as String(n), a boolean
    // as "true"/"false"; anything else (null, objects, arrays, BigInt,
    // symbols) is absent. See _write.
    this._table = meta.table >> 2;
    this._strings = meta.strings;
    // Per feature: the slots it reads and the inputs those start from.
    this._plans = meta.featureSlots.map((slots) => this._plan(slots));
    this._planAll = this._plan(meta.slots.map((_, i) => i));
    // Whether this runtime allows generated code (see compile), and the
    // generated `{feature: name}` builder, made on first use.
    this._codegen = compile(() => new Function('return true')()) === true;
    this._shape = undefined;
    this._inObj = new Array(meta.inputs.length);
    this._views();
    cleanup?.register(this, raw, this);
  }

  /**
   * What to read for a set of slots: the inputs as flat [index, name, …]
   * pairs, and per slot its table position, input and key path.
   * @param {number[]} slots
   */
  _plan(slots) {
    const inputs = [...new Set(slots.map((s) => this._slotInput[s]))];
    const plan = {
      inputs: inputs.flatMap((i) => [i, this._inputs[i]]),
      slots: slots.map((s) => ({ at: this._table + 2 * s, input: this._slotInput[s], path: this._slotPath[s] })),
      read: undefined, // compiled on first use: see _reader
      values: new Array(slots.length),
    };
    return plan;
  }

  /**
   * The plan's generated reader: straight-line code with literal keys, so
   * every property load is monomorphic. Compiled on first use (a snapshot of
   * thousands of features should not compile thousands of functions at
   * load); null where code generation is not allowed.
   */
  _reader(plan) {
    if (plan.read !== undefined) return plan.read;
    const q = JSON.stringify;
    const obj = (v) => `(${v} !== null && typeof ${v} === 'object' && !Array.isArray(${v}))`;
    const inputs = [];
    for (let k = 0; k < plan.inputs.length; k += 2) inputs.push(plan.inputs[k]);
    const lines = inputs.map((i) => `const i${i} = ctx[${q(this._inputs[i])}], o${i} = ${obj(`i${i}`)}; u8[${i}] = o${i} ? 1 : 0;`);
    lines.push('let v;');
    plan.slots.forEach((slot, k) => {
      lines.push(`v = o${slot.input} ? i${slot.input} : undefined;`);
      for (const key of slot.path) lines.push(`v = v !== undefined && ${obj('v')} ? v[${q(key)}] : undefined;`);
      lines.push(`out[${k}] = v;`);
    });
    return (plan.read = this._codegen && compile(() => new Function('ctx', 'u8', 'out', lines.join('\n'))));
  }

  _views() {
    const buf = this._memory.buffer;
    this._base = this._raw.scratch();
    this._cap = this._raw.scratch_len();
    this._u8 = new Uint8Array(buf, this._base, this._cap);
    this._u32 = new Uint32Array(buf, this._base, this._cap >> 2);
  }

  /** Makes room for `extra` more string bytes past `used`. */
  _grow(used, extra) {
    this._raw.reserve(Math.max(this._cap * 2, this._strings + used + extra + 1024));
    this._views();
  }

  /**
   * Writes the context's values for a plan into the scratch area: for each
   * slot, its UTF-8 bytes (ASCII by a plain loop, the rest by encodeInto).
   * @returns {number} 1 when the context is an object and could be read, else 0
   */
  _write(ctx, plan) {
    if (!isObject(ctx)) return 0;
    let u8 = this._u8, u32 = this._u32;
    if (u8.byteLength === 0) {
      this._views(); // memory grew: the views were detached
      u8 = this._u8;
      u32 = this._u32;
    }
    const values = plan.values, slots = plan.slots;
    try {
      const read = plan.read === undefined ? this._reader(plan) : plan.read;
      if (read) read(ctx, u8, values);
      else this._read(ctx, plan, u8, values);
    } catch {
      // A getter or Proxy that throws: the context cannot be read.
      values.fill(undefined);
      return 0;
    }
    const base = this._strings;
    let p = base;
    for (let k = 0; k < slots.length; k++) {
      const v = values[k], at = slots[k].at;
      values[k] = undefined;
      const text = typeof v === 'string' ? v : typeof v === 'number' ? '' + v : typeof v === 'boolean' ? (v ? 'true' : 'false') : null;
      if (text === null) {
        u32[at + 1] = ABSENT;
        continue;
      }
      const n = text.length;
      if (p + 3 * n > this._cap) {
        this._grow(p - base, 3 * n);
        u8 = this._u8;
        u32 = this._u32;
      }
      let i = 0;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c > 127) break;
        u8[p + i++] = c;
      }
      const len = i < n ? i + encoder.encodeInto(text.slice(i), u8.subarray(p + i, p + 3 * n)).written : n;
      u32[at] = p - base;
      u32[at + 1] = len;
      p += len;
    }
    return 1;
  }

  /** The generic reader, where code generation is not allowed (Workers, strict CSP). */
  _read(ctx, plan, u8, out) {
    const ins = plan.inputs, objs = this._inObj, slots = plan.slots;
    for (let k = 0; k < ins.length; k += 2) {
      const v = ctx[ins[k + 1]];
      const ok = isObject(v);
      objs[ins[k]] = ok ? v : undefined;
      u8[ins[k]] = ok ? 1 : 0;
    }
    for (let k = 0; k < slots.length; k++) {
      const path = slots[k].path;
      let v = objs[slots[k].input];
      for (let j = 0; v !== undefined && j < path.length; j++) v = isObject(v) ? v[path[j]] : undefined;
      out[k] = v;
    }
    for (let k = 0; k < ins.length; k += 2) objs[ins[k]] = undefined;
  }

  _begin(opts) {
    const call = this._call;
    call.now = typeof opts?.now === 'number' ? opts.now : undefined;
    call.clock = typeof opts?.clock === 'function' ? opts.clock : Date.now;
    call.sticky = opts?.sticky ?? null;
  }

  /**
   * The implementation name for a feature, without details: the fast path.
   * @param {string} feature
   * @param {object} context
   * @param {{now?: number, sticky?: object}} [opts]
   * @returns {string | null}
   */
  implementation(feature, context, opts) {
    const i = this._index.get(feature);
    if (i === undefined) return null;
    this._begin(opts);
    const ok = this._write(context, this._plans[i]);
    const r = this._raw.eval(i, ok);
    return r < 0 ? null : this._call.impls[i][r];
  }

  /**
   * Every feature's implementation name for one context: `{feature: name}`.
   * @param {object} context
   * @param {{now?: number, sticky?: object}} [opts]
   * @returns {Record<string, string | null>}
   */
  implementations(context, opts) {
    this._begin(opts);
    const ok = this._write(context, this._planAll);
    const ptr = this._raw.eval_all(ok);
    const codes = new Uint16Array(this._memory.buffer, ptr, this.features.length);
    const impls = this._call.impls;
    // One object literal (the code NONE indexes nothing: null).
    this._shape ??= this._codegen && compile(() => new Function('c', 'n',
      `return {${this.features.map((f, i) => `${JSON.stringify(f.name)}: n[${i}][c[${i}]] ?? null`).join(',')}}`));
    if (this._shape) return this._shape(codes, impls);
    /** @type {Record<string, string | null>} */
    const out = {};
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      out[this.features[i].name] = c === NONE ? null : impls[i][c];
    }
    return out;
  }

  /**
   * The details of one evaluation (SPEC section 2). Never throws.
   * @param {string} feature
   * @param {object} context
   * @param {{now?: number, sticky?: object}} [opts]
   */
  evaluate(feature, context, opts) {
    const i = this._index.get(feature);
    this._begin(opts);
    const ok = i === undefined ? 1 : this._write(context, this._plans[i]);
    return JSON.parse(this._raw.details(i ?? -1, String(feature), ok));
  }

  /**
   * The details of every feature for one context: `{feature: details}`.
   * @param {object} context
   * @param {{now?: number, sticky?: object}} [opts]
   */
  evaluateAll(context, opts) {
    this._begin(opts);
    const ok = this._write(context, this._planAll);
    return JSON.parse(this._raw.details_all(ok));
  }

  /**
   * How `units` synthetic units (unit values "1".."N") split across a
   * feature's implementations, the rest of `context` as given.
   * @param {string} feature
   * @param {number} units
   * @param {object} [context]
   * @param {{by?: string, now?: number}} [opts] `by`: the unit segment (default: the first split's)
   * @returns {{segment: string, units: number, counts: Record<string, number>, none: number}}
   * @throws {Error} when the feature cannot be simulated
   */
  simulate(feature, units, context = {}, opts) {
    this._begin(opts);
    const ok = this._write(context, this._planAll);
    const r = JSON.parse(this._raw.simulate(String(feature), opts?.by ?? '', units >>> 0, ok));
    if (r.error) throw new Error(`cannot simulate ${feature}: ${r.error}`);
    const impls = this._call.impls[this._index.get(feature)];
    return {
      segment: r.segment,
      units,
      counts: Object.fromEntries(impls.map((name, i) => [name, r.counts[i]])),
      none: r.counts[impls.length],
    };
  }

  /** Releases the wasm memory now instead of at garbage collection. */
  free() {
    if (!this._raw) return;
    cleanup?.unregister(this);
    this._raw.free();
    this._raw = null;
  }
}

/**
 * The bucket of SPEC section 3: an integer in [0, 10000).
 * @param {string} salt @param {string} unit
 */
export function bucket(salt, unit) {
  return need().bucket(String(salt), String(unit));
}
