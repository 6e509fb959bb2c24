// The playground: edit a snapshot and a context, see problems with their
// JSON Pointers, every feature's details, and how N synthetic units split,
// all computed by the wasm engine in this page. Both fields are kept in
// sessionStorage, so a reload or a visit to the demo does not lose them.

const $ = (sel) => document.querySelector(sel);
const h = (tag, props = {}, ...children) => {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children.filter((c) => c != null));
  return el;
};
const svg = (tag, attrs, ...children) => {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
};

// sessionStorage may be blocked or full: the page works without it.
const saved = {
  get(key) {
    try { return sessionStorage.getItem(`feats-edge-playground:${key}`); } catch { return null; }
  },
  /** Why it was not kept ('full' or 'blocked'), or '' when it was. */
  set(key, value) {
    try {
      sessionStorage.setItem(`feats-edge-playground:${key}`, value);
      return '';
    } catch (e) {
      saved.remove(key); // full: an older text must not come back on reload
      return e?.name === 'QuotaExceededError' ? 'full' : 'blocked';
    }
  },
  remove(key) {
    try { sessionStorage.removeItem(`feats-edge-playground:${key}`); } catch { /* blocked */ }
  },
};

async function loadEngine() {
  const pkg = await import('/pkg/index.js');
  await pkg.init();
  return pkg.Engine;
}
async function serverSnapshot() {
  const res = await fetch('/flags/snapshot.json');
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`.trim());
  return res.text();
}
const loadFailed = (e) => `Could not load the server's snapshot (${e.message}).`;

const restored = { snapshot: saved.get('snapshot'), context: saved.get('context') };
if (restored.context != null) $('#context').value = restored.context;
const [loaded, text] = await Promise.allSettled([loadEngine(), restored.snapshot ?? serverSnapshot()]);
/** The engine class, or null when the wasm did not load. */
const Engine = loaded.value ?? null;
const engineFailed = loaded.reason && `The WebAssembly engine did not load (${loaded.reason.message}): nothing can be evaluated. Reload the page to try again.`;
/** Why the server's snapshot is not in the field, until the field is edited. */
let loadNote = text.reason ? loadFailed(text.reason) : '';
$('#snapshot').value = text.value ?? '';

const local = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
$('#now').value = local.toISOString().slice(0, 19);

let engine = null;
// The chart's feature and segment as last chosen: kept while the snapshot is refused or lacks them.
// (Kept across reloads too, with the fields.)
const chosen = { feature: saved.get('feature') ?? '', by: saved.get('by') ?? '' };
const colors = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#14b8a6', '#ec4899', '#84cc16'];

/** Rows shown in the problems list and in the table (a snapshot of thousands of features stays responsive). */
const SHOWN = 200;
/** The first SHOWN of `items`, and a last line saying how many more there are. */
const capped = (items, more) => (items.length > SHOWN ? [...items.slice(0, SHOWN), more(items.length - SHOWN)] : items);

/**
 * Shows `items` (list items) under Problems, after the note on loading, if
 * any; `status` is what a screen reader hears (not the whole list again
 * after every edit).
 */
function showProblems(status, ...items) {
  $('#problems').replaceChildren(...[loadNote && h('li', { className: 'refused' }, loadNote), ...items].filter(Boolean));
  const said = [loadNote, status].filter(Boolean).join(' ');
  if ($('#problems-status').textContent !== said) $('#problems-status').textContent = said;
}

/** Marks a field invalid (or not): outline and `aria-invalid`. */
function markInvalid(field, invalid) {
  field.classList.toggle('invalid', invalid);
  field.setAttribute('aria-invalid', String(invalid));
}

/** Replaces the options of `select`, keeping `want` selected when it is one of them. */
function setOptions(select, options, want) {
  select.replaceChildren(...options.map(([value, label]) => h('option', { value, selected: value === want }, label)));
}

function update() {
  let next = null, refused = h('li', { className: 'refused' }, engineFailed);
  try {
    if (Engine) next = new Engine($('#snapshot').value);
  } catch (e) {
    const err = /** @type {import('/pkg/index.js').SnapshotError} */ (e);
    const reason = err.reason ?? err.message;
    const at = /^(?:invalid JSON|over the limits): line (\d+), column (\d+):/.exec(reason);
    refused = h('li', { className: 'refused' }, h('code', {}, err.path || '(document)'), ' ', reason, ' (snapshot refused)',
      ...(at ? [' ', h('button', { type: 'button', className: 'goto', onclick: () => select($('#snapshot'), Number(at[1]), Number(at[2])) }, 'Show')] : []));
  }
  markInvalid($('#snapshot'), !next && !!Engine);
  if (!next) {
    showProblems(refused.textContent, refused);
    // Nothing is evaluated until the text is valid again.
    engine?.free();
    engine = null;
    $('#results tbody').replaceChildren();
    $('#feature').replaceChildren();
    $('#by').replaceChildren();
    clearChart('');
    return;
  }
  engine?.free();
  engine = next;
  const n = engine.features.length;
  const count = engine.problems.length;
  showProblems(count ? `${count.toLocaleString()} problem${count === 1 ? '' : 's'}` : 'No problems', ...(count
    ? capped(engine.problems.map((p) => h('li', {}, h('code', {}, p.path || '(document)'), ' ', p.message)),
      (more) => h('li', {}, `and ${more.toLocaleString()} more (`, h('code', {}, 'feats-edge validate'), ' lists them all)'))
    : [h('li', { className: 'ok' }, `No problems (${engine.revision ? `revision ${engine.revision}` : 'no revision'}, ${n.toLocaleString()} feature${n === 1 ? '' : 's'}); `,
      h('code', {}, 'feats-edge validate'), ' also lists warnings.')]));
  setOptions($('#feature'), engine.features.map((f) => [f.name, f.name]), chosen.feature);
  ({ names, mentioned } = segments($('#snapshot').value));
  bySegments();
  evaluate();
}

/**
 * Selects the character at `line` and `column` of a text field (both from
 * 1, columns in characters, as the engine counts them) and scrolls to it.
 */
function select(field, line, column) {
  const text = field.value;
  let at = text.startsWith('\uFEFF') ? 1 : 0; // a byte-order mark, which the engine does not count
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', at);
    if (next < 0) break;
    at = next + 1;
  }
  for (let c = 1; c < column && at < text.length && text[at] !== '\n'; c++) at += (text.codePointAt(at) ?? 0) > 0xffff ? 2 : 1;
  const end = at < text.length && text[at] !== '\n' ? at + ((text.codePointAt(at) ?? 0) > 0xffff ? 2 : 1) : at;
  field.focus();
  field.setSelectionRange(at, end);
  // Chromium does not scroll a field to a selection made by script: its
  // lines are not wrapped, so the line's place is its number times their height.
  const style = getComputedStyle(field);
  const height = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
  const row = text.slice(0, at).split('\n').length - 1;
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const measure = document.createElement('canvas').getContext('2d');
  let x = 0;
  if (measure) {
    measure.font = style.font;
    x = measure.measureText(text.slice(start, at)).width;
  }
  field.scrollTop = Math.max(0, row * height - field.clientHeight / 2);
  field.scrollLeft = Math.max(0, x - field.clientWidth / 2);
}

/** The snapshot's segment names, and the strings in its features and activations by feature. */
let names = [], mentioned = (_feature) => new Set();

/** Offers, under "By segment", the segments the chosen feature reads (a one-unit simulation by each tells). */
function bySegments() {
  const feature = $('#feature').value;
  const { ctx } = context();
  const reads = (by) => {
    try {
      return engine.simulate(feature, 1, ctx && typeof ctx === 'object' && !Array.isArray(ctx) ? ctx : {}, { by }), true;
    } catch {
      return false;
    }
  };
  const offered = [];
  // Only segments named in the feature or in an activation can be read by
  // it: the others are not asked about (5 000 segments took 0.7 s a
  // feature). Filtered, then cut: the segment a feature splits by may come late.
  const named = feature && engine ? mentioned(feature) : new Set();
  for (const name of named.size ? names : []) if (named.has(name) && reads(name) && offered.push(name) >= SHOWN) break;
  setOptions($('#by'), [['', "(the rule's own)"], ...offered.map((s) => [s, s])], chosen.by);
}

/**
 * The snapshot's segment names (the engine has accepted the text), and a
 * function giving the strings in a feature and in every activation: the
 * names it might refer to. (A superset: the engine decides which it reads.)
 */
function segments(text) {
  const object = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
  /** Every string in `v`, keys included. */
  const strings = (v, out) => {
    if (typeof v === 'string') out.add(v);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.add(k), strings(x, out);
    return out;
  };
  try {
    const doc = object(JSON.parse(text.replace(/^\uFEFF/, ''))); // a byte-order mark, as the engine reads it
    let shared;
    return {
      names: Object.keys(object(doc.segments)),
      mentioned: (feature) => strings(object(doc.features)[feature], new Set(shared ??= strings(doc.activations, new Set()))),
    };
  } catch {
    return { names: [], mentioned: () => new Set() };
  }
}

/** The context typed, or `{error}` when it is not JSON or not an object. */
function context() {
  let ctx;
  try {
    ctx = JSON.parse($('#context').value);
  } catch (e) {
    return { error: `The context is not JSON (${/** @type {Error} */ (e).message}): every feature without problems answers INVALID_CONTEXT until it is.` };
  }
  const kind = ctx === null ? 'null' : Array.isArray(ctx) ? 'an array' : typeof ctx !== 'object' ? `a ${typeof ctx}` : '';
  return kind ? { ctx, error: `The context must be a JSON object, not ${kind}: every feature without problems answers INVALID_CONTEXT until it is.` } : { ctx };
}

/** Marks the context field invalid (or not), and says why under it. */
function contextError(error) {
  markInvalid($('#context'), !!error);
  $('#context-error').textContent = error ?? '';
}

function evaluate() {
  const { ctx, error } = context();
  contextError(error);
  if (!engine) return;
  const now = new Date($('#now').value).getTime() || Date.now();
  const all = engine.evaluateAll(ctx ?? null, { now });
  // In the snapshot's order (an object lists names like "10" first).
  const rows = engine.features.map((f) => all[f.name]).filter(Boolean);
  $('#results tbody').replaceChildren(...capped(rows.map((d) => h('tr', { className: d.reason === 'ERROR' ? 'error' : '' },
    h('td', {}, d.feature), h('td', {}, h('b', {}, String(d.implementation))), h('td', {}, d.errorCode ? `${d.reason} (${d.errorCode})` : d.reason),
    h('td', {}, d.rule ?? '–'), h('td', {}, d.unit ? `${d.unit.segment}=${d.unit.value}` : '–'))),
  (more) => h('tr', {}, h('td', { colSpan: 5, className: 'small' }, `and ${more.toLocaleString()} more features (the first ${SHOWN} are shown)`))));
  if (error) return clearChart('not simulated: the context is invalid');
  chart(ctx, now);
}

/**
 * Names the chart, and says the name in its status line when it changed
 * (the shares, or why there is no chart): a screen reader hears a new
 * split, not every pause in typing that leaves it as it was.
 */
function nameChart(name) {
  $('#chart').setAttribute('aria-label', name);
  if ($('#chart-status').textContent !== name) $('#chart-status').textContent = name;
}

/** Empties the chart, with `note` beside the fields and in the chart's name. */
function clearChart(note) {
  $('#sim-note').textContent = note;
  $('#chart').replaceChildren();
  nameChart(note ? `no chart (${note})` : 'no chart');
}

const percent = (share) => `${(share * 100).toFixed(1)}%`;

function chart(ctx, now) {
  const feature = $('#feature').value;
  const field = $('#units');
  const n = Number.isNaN(field.valueAsNumber) ? 100000 : Math.round(field.valueAsNumber);
  const units = Math.min(Number(field.max), Math.max(Number(field.min), n));
  field.value = String(units);
  const out = $('#chart');
  if (!feature) return clearChart('');
  let sim;
  const t0 = performance.now();
  try {
    sim = engine.simulate(feature, units, ctx, { now, by: $('#by').value || undefined });
  } catch (e) {
    return clearChart(e.message);
  }
  $('#sim-note').textContent = `by ${sim.segment}, ${units.toLocaleString()} units in ${(performance.now() - t0).toFixed(0)} ms (1…${units.toLocaleString()} in the placeholders the context leaves empty, or in all if it fills each; the rest as typed)`;
  const rows = [...Object.entries(sim.counts), ...(sim.none ? [['(none)', sim.none]] : [])];
  nameChart(`${feature}: ${rows.map(([name, n]) => `${name} ${percent(n / units)}`).join(', ')}`);
  // Drawn as wide as the column shows it, up to 560 (a narrow screen cut a
  // wider box off; scaled down, its labels shrank to ~7 px at 375 px).
  const shown = Math.round(out.parentElement?.getBoundingClientRect().width ?? 560);
  const width = shown >= 240 && shown < 560 ? shown : 560, bar = 22, gap = 8, label = Math.min(150, Math.round(width * 0.3));
  const height = rows.length * (bar + gap);
  out.setAttribute('viewBox', `0 0 ${width} ${height}`);
  out.setAttribute('width', String(width));
  out.setAttribute('height', String(height));
  out.replaceChildren(...rows.map(([name, n], i) => {
    const share = n / units;
    const y = i * (bar + gap);
    return svg('g', { class: 'bar', 'data-implementation': name, 'data-share': share.toFixed(4) },
      svg('title', {}, `${name}: ${percent(share)}`),
      svg('text', { x: 0, y: y + 16 }, name),
      svg('rect', { x: label, y, width: Math.max(1, share * (width - label - 64)), height: bar, fill: colors[i % colors.length] }),
      svg('text', { x: label + share * (width - label - 64) + 6, y: y + 16 }, percent(share)));
  }));
  for (const name of out.querySelectorAll('g.bar > text:first-of-type')) ellipsis(name, label - 8);
}

/** Shortens an SVG text (as laid out) to `max` pixels, ending it with "…". */
function ellipsis(el, max) {
  const full = el.textContent;
  if (el.getComputedTextLength() <= max) return;
  let fits = 0, over = full.length;
  while (over - fits > 1) {
    const mid = (fits + over) >> 1;
    el.textContent = `${full.slice(0, mid)}…`;
    if (el.getComputedTextLength() <= max) fits = mid;
    else over = mid;
  }
  el.textContent = `${full.slice(0, fits)}…`;
}

// One timer per function: a context edit must not cancel a pending snapshot
// update. The wait grows with the time the work took (a snapshot of
// megabytes takes a good part of a second): typing runs ahead of it.
const soon = (fn) => {
  let timer, took = 0;
  const run = () => {
    const t0 = performance.now();
    fn();
    took = performance.now() - t0;
  };
  return () => { clearTimeout(timer); timer = setTimeout(run, Math.max(150, 2 * took)); };
};
// The fields are saved with the work they start (writing megabytes to
// sessionStorage on every key was half of each key's time), and at once
// when the page goes away.
const unsaved = new Set();
const save = (field) => {
  if (!unsaved.delete(field)) return;
  const lost = saved.set(field, $(`#${field}`).value);
  const back = field === 'snapshot' ? "the server's snapshot" : 'the sample context';
  $(field === 'snapshot' ? '#save-note' : '#context-note').textContent = lost && (lost === 'full'
    ? `Too large to keep in this tab across reloads: a reload brings back ${back}.`
    : `This page's storage is blocked: a reload brings back ${back}.`);
};
addEventListener('pagehide', () => [...unsaved].forEach(save));
const soonUpdate = soon(() => {
  save('snapshot');
  update();
});
$('#snapshot').addEventListener('input', () => {
  loadNote = '';
  unsaved.add('snapshot');
  soonUpdate();
});
const soonEvaluate = soon(() => {
  save('context');
  evaluate();
});
$('#context').addEventListener('input', () => {
  unsaved.add('context');
  soonEvaluate();
});
$('#now').addEventListener('input', soonEvaluate);
$('#feature').addEventListener('change', () => {
  chosen.feature = $('#feature').value;
  saved.set('feature', chosen.feature);
  bySegments();
  evaluate();
});
$('#by').addEventListener('change', () => {
  chosen.by = $('#by').value;
  saved.set('by', chosen.by);
  evaluate();
});
$('#units').addEventListener('change', evaluate);
$('#reset').addEventListener('click', async () => {
  try {
    $('#snapshot').value = await serverSnapshot();
    loadNote = '';
  } catch (e) {
    loadNote = loadFailed(e);
    return update(); // the fields stay as they are, and saved
  }
  $('#context').value = $('#context').defaultValue;
  unsaved.clear();
  $('#save-note').textContent = $('#context-note').textContent = '';
  saved.remove('snapshot');
  saved.remove('context');
  saved.remove('feature');
  saved.remove('by');
  chosen.feature = chosen.by = '';
  update();
});
update();
document.body.dataset.ready = 'true';
