// The playground: edit a snapshot and a context, see problems with their
// JSON Pointers, every feature's details, and how N synthetic units split,
// all computed by the wasm engine in this page.
import { init, Engine, SnapshotError } from '/pkg/index.js';

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

await init();
$('#snapshot').value = await (await fetch('/flags/snapshot.json')).text();
const local = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
$('#now').value = local.toISOString().slice(0, 19);

let engine = null;
const colors = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#14b8a6', '#ec4899', '#84cc16'];

function update() {
  const problems = $('#problems');
  let next;
  try {
    next = new Engine($('#snapshot').value);
  } catch (e) {
    const err = /** @type {SnapshotError} */ (e);
    problems.replaceChildren(h('li', { className: 'refused' }, h('code', {}, err.path || '(document)'), ' ', err.reason ?? err.message, ' (snapshot refused)'));
    // Nothing is evaluated until the text is valid again.
    engine?.free();
    engine = null;
    $('#results tbody').replaceChildren();
    $('#feature').replaceChildren();
    $('#chart').replaceChildren();
    $('#sim-note').textContent = '';
    return;
  }
  engine?.free();
  engine = next;
  problems.replaceChildren(...(engine.problems.length
    ? engine.problems.map((p) => h('li', {}, h('code', {}, p.path || '(document)'), ' ', p.message))
    : [h('li', { className: 'ok' }, `No problems. Revision ${engine.revision || '(none)'}, ${engine.features.length} features.`)]));
  const select = $('#feature');
  const keep = select.value;
  select.replaceChildren(...engine.features.map((f) => h('option', { value: f.name, selected: f.name === keep }, f.name)));
  evaluate();
}

/** The context typed, or `{error}` when it is not JSON. */
function context() {
  try {
    return { ctx: JSON.parse($('#context').value) };
  } catch (e) {
    return { error: /** @type {Error} */ (e).message };
  }
}

/** Marks the context field invalid (or not), and says why under it. */
function contextError(error) {
  const field = $('#context');
  field.classList.toggle('invalid', !!error);
  field.setAttribute('aria-invalid', String(!!error));
  $('#context-error').textContent = error
    ? `The context is not JSON (${error}): every feature answers INVALID_CONTEXT until it is.`
    : '';
}

function evaluate() {
  const { ctx, error } = context();
  contextError(error);
  if (!engine) return;
  const now = new Date($('#now').value).getTime() || Date.now();
  const all = engine.evaluateAll(ctx ?? null, { now });
  $('#results tbody').replaceChildren(...Object.values(all).map((d) => h('tr', { className: d.reason === 'ERROR' ? 'error' : '' },
    h('td', {}, d.feature), h('td', {}, h('b', {}, String(d.implementation))), h('td', {}, d.errorCode ? `${d.reason} (${d.errorCode})` : d.reason),
    h('td', {}, d.rule ?? '–'), h('td', {}, d.unit ? `${d.unit.segment}=${d.unit.value}` : '–'))));
  chart(ctx ?? {}, now);
}

function chart(ctx, now) {
  const feature = $('#feature').value;
  const field = $('#units');
  const n = Number.isNaN(field.valueAsNumber) ? 100000 : Math.round(field.valueAsNumber);
  const units = Math.min(Number(field.max), Math.max(Number(field.min), n));
  field.value = String(units);
  const out = $('#chart');
  const note = $('#sim-note');
  if (!feature) return out.replaceChildren();
  let sim;
  const t0 = performance.now();
  try {
    sim = engine.simulate(feature, units, ctx, { now });
  } catch (e) {
    note.textContent = e.message;
    return out.replaceChildren();
  }
  note.textContent = `by ${sim.segment}, ${units.toLocaleString()} units in ${(performance.now() - t0).toFixed(0)} ms`;
  const rows = [...Object.entries(sim.counts), ...(sim.none ? [['(none)', sim.none]] : [])];
  const width = 560, bar = 22, gap = 8, label = 150;
  out.setAttribute('height', String(rows.length * (bar + gap)));
  out.replaceChildren(...rows.map(([name, n], i) => {
    const share = n / units;
    const y = i * (bar + gap);
    return svg('g', { class: 'bar', 'data-implementation': name, 'data-share': share.toFixed(4) },
      svg('text', { x: 0, y: y + 16 }, name),
      svg('rect', { x: label, y, width: Math.max(1, share * (width - label - 60)), height: bar, fill: colors[i % colors.length] }),
      svg('text', { x: label + share * (width - label - 60) + 6, y: y + 16 }, `${(share * 100).toFixed(1)}%`));
  }));
}

// One timer per function: a context edit must not cancel a pending snapshot update.
const soon = (fn) => {
  let timer;
  return () => { clearTimeout(timer); timer = setTimeout(fn, 150); };
};
$('#snapshot').addEventListener('input', soon(update));
const soonEvaluate = soon(evaluate);
$('#context').addEventListener('input', soonEvaluate);
$('#now').addEventListener('input', soonEvaluate);
$('#feature').addEventListener('change', evaluate);
$('#units').addEventListener('change', evaluate);
update();
document.body.dataset.ready = 'true';
