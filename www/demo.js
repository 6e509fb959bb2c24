// The demo: a TODO list whose priority UI is chosen by the AllowedPriorities
// experiment and whose statistics panel by the TodoStats flag. The choice is
// made before the first paint; the exposure is reported when the
// implementation is actually rendered.
import { createClient } from '/pkg/index.js';

const $ = (sel) => document.querySelector(sel);
const h = (tag, props = {}, ...children) => {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children.filter((c) => c != null));
  return el;
};

// Storage that is blocked or full must not stop the demo: it then forgets on reload.
const stored = (key) => {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
};
const store = (key, value) => {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch { /* kept for this page only */ }
};

let userId = stored('demo-user');
if (!userId) store('demo-user', (userId = `user-${Math.floor(Math.random() * 1e9)}`));
const context = { user: { id: userId, plan: 'free' } };

const levels = { no_priority: [], two_priorities: ['low', 'high'], three_priorities: ['low', 'medium', 'high'] };
/** The saved list; a corrupted value counts as empty, items that are not objects are dropped. */
const loadTodos = () => {
  try {
    const saved = JSON.parse(stored('demo-todos') ?? '[]');
    return Array.isArray(saved) ? saved.filter((t) => t && typeof t === 'object' && !Array.isArray(t)) : [];
  } catch {
    return [];
  }
};
const todos = loadTodos();
const save = () => store('demo-todos', JSON.stringify(todos));

// createClient loads the wasm itself, while it fetches the snapshot.
const client = await createClient({
  snapshotUrl: '/flags/snapshot.json',
  exposureUrl: '/flags/exposures',
  refreshInterval: 1000,
  flushInterval: 250,
  timeout: 1500,
});

// One implementation per priority design; each renders the list its way.
const Priorities = client.feature('AllowedPriorities', {
  no_priority: () => listUI([]),
  two_priorities: () => listUI(levels.two_priorities),
  three_priorities: () => listUI(levels.three_priorities),
}, { default: 'no_priority' });

function listUI(prios) {
  const input = h('input', { name: 'title', ariaLabel: 'New todo', placeholder: 'What needs doing?', required: true, autocomplete: 'off' });
  const select = prios.length ? h('select', { name: 'priority', ariaLabel: 'Priority' }, ...prios.map((p) => h('option', { value: p }, p))) : null;
  const form = h('form', { className: 'add' }, input, select, h('button', { type: 'submit' }, 'Add'));
  const list = h('ul', { className: 'todos' });
  /** Redraws the list after a change, says what changed, and puts the focus back where it was. */
  const changed = (said, focus) => {
    save(); draw(); stats();
    $('#app-status').textContent = said;
    focus()?.focus();
  };
  const draw = () => {
    list.replaceChildren(...todos.map((t, i) => h('li', { className: t.done ? 'done' : '' },
      h('input', {
        type: 'checkbox', checked: t.done, ariaLabel: `Done: ${t.title}`,
        onchange: () => { t.done = !t.done; changed(`${t.title}: ${t.done ? 'done' : 'not done'}`, () => list.children[i]?.querySelector('input')); },
      }),
      h('span', {}, t.title),
      prios.length && t.priority ? h('span', { className: `prio prio-${t.priority}` }, t.priority) : null,
      h('button', {
        className: 'remove', title: 'Remove', ariaLabel: `Remove ${t.title}`,
        onclick: () => { todos.splice(i, 1); changed(`Removed ${t.title}`, () => (list.children[i] ?? list.children[i - 1])?.querySelector('.remove') ?? input); },
      }, '×'))));
  };
  form.onsubmit = (e) => {
    e.preventDefault();
    const title = input.value.trim();
    if (!title) return;
    todos.push({ title, priority: select?.value ?? null, done: false });
    input.value = '';
    changed(`Added ${title}`, () => input);
  };
  draw();
  return h("div", { className: "list" }, form, list);
}

function stats() {
  const panel = $('#stats');
  if (panel) panel.textContent = `${todos.filter((t) => t.done).length} of ${todos.length} done`;
}

/**
 * Reads, before `app`'s list is replaced by another design, the todo being
 * typed and which control has the focus; the function returned puts both
 * back in the new one. The focus goes to the control of the same name or
 * label (a todo's checkbox, the priority menu), or to the field when the
 * design lacks it: a snapshot change must not drop a keyboard user's place
 * (or their text) on the page.
 */
function keptInput(app) {
  const title = app.querySelector('input[name=title]')?.value ?? '';
  const at = app.contains(document.activeElement) ? document.activeElement : null;
  const key = at && (at.getAttribute('name') ?? at.getAttribute('aria-label'));
  return () => {
    const field = app.querySelector('input[name=title]');
    if (field) field.value = title;
    if (!at) return;
    const same = [...app.querySelectorAll('input, select, button')].find((el) => key && (el.getAttribute('name') ?? el.getAttribute('aria-label')) === key);
    (same ?? field)?.focus();
  };
}

let rendered = {};
function render() {
  // Why each feature is what it is, read before anything is built (building
  // the experiment's choice makes it sticky, and a first visit would read
  // STICKY where the exposure says how it was assigned).
  const details = FEATURES.map((f) => client.details(f, context));
  const chosen = client.findImplementations(context);
  const app = $('#app');
  if (chosen.AllowedPriorities !== rendered.AllowedPriorities || !app.firstChild) {
    const kept = keptInput(app);
    const ui = Priorities.create(context); // builds the chosen UI and reports its use
    app.replaceChildren(ui);
    kept();
    app.dataset.priorities = Priorities.find(context);
  }
  const showStats = chosen.TodoStats === 'true';
  if (showStats !== (rendered.TodoStats === 'true') || !rendered.TodoStats) {
    $('#stats')?.remove();
    if (showStats) {
      $('#stats-slot').append(h('p', { id: 'stats', className: 'stats' }));
      stats();
    }
    // Both designs are reported: the one without statistics is rendered too
    // (an analysis needs both halves of the split).
    client.usedImplementation('TodoStats', showStats ? 'true' : 'false', context);
    app.dataset.stats = String(showStats);
  }
  rendered = chosen;
  // Each feature the page uses, with why (no exposure: details only).
  $('#choices').replaceChildren(...details.flatMap((d) => [h('dt', {}, d.feature),
    h('dd', {}, String(d.implementation ?? defaults[d.feature]), h('span', { className: 'small' }, ` ${why(d)}`))]));
  const broken = details.filter((d) => d.errorCode === 'PARSE_ERROR').map((d) => d.feature);
  const missing = details.filter((d) => d.errorCode === 'FLAG_NOT_FOUND').map((d) => d.feature);
  $('#problems-note').textContent = [
    broken.length && `${broken.join(' and ')} ${broken.length === 1 ? 'has' : 'have'} problems in the server's snapshot: the default is shown (the Playground lists them).`,
    missing.length && `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not in the server's snapshot: the default is shown.`,
  ].filter(Boolean).join(' ');
  $('#revision').textContent = client.revision ?? '(none)';
}

/** The features this page uses, and the defaults it renders without a snapshot. */
const FEATURES = ['AllowedPriorities', 'TodoStats'];
const defaults = { AllowedPriorities: 'no_priority', TodoStats: 'false' };
/** Why a feature was chosen, in a few words. */
function why(d) {
  if (d.revision === null) return '(default: no snapshot loaded)';
  if (d.reason === 'DISABLED') return '(kill switch on: default)';
  if (d.errorCode) return `(${d.reason}: ${d.errorCode})`;
  if (d.reason === 'STICKY') return `(STICKY in ${d.experiment}: kept from this user's first assignment)`;
  return `(${d.reason}${d.experiment ? ` in ${d.experiment}` : ''})`;
}

render();
document.documentElement.classList.remove('pending');
$('#user').textContent = userId;
client.on('update', render);
// Until a snapshot has loaded, the page runs on the defaults: it says so,
// and why (an error listener added now hears the first load's failure).
// Later, the flags going stale is said too (a snapshot the server sends
// that is refused, or a server that stops answering): the page stays on
// the last good one until the client has recovered.
client.on('error', (e) => {
  if (client.revision === null) $('#flags-note').textContent = `The flags could not be loaded (${e?.message ?? e}): the defaults are shown; retrying.`;
});
client.on('stale', (e) => {
  $('#flags-note').textContent = e?.name === 'SnapshotError'
    ? `The latest snapshot was refused (${e.path ? `${e.path}: ` : ''}${e.reason}); still on revision ${client.revision}.`
    : `The flags server did not answer (${e?.message ?? e}); still on revision ${client.revision}, retrying.`;
});
client.on('recovered', () => { $('#flags-note').textContent = ''; });
client.on('update', () => { $('#flags-note').textContent = ''; });

$('#new-user').onclick = () => { store('demo-user', null); location.reload(); };
// The kill switch as the server has it (read from its snapshot, not from
// an evaluation: a feature with problems answers ERROR whatever its switch).
/** The revision this page wrote when it last flipped the switch. */
let flipped = null;
/** The server's snapshot, and its TodoStats feature if it has one. */
async function serverFlags() {
  const got = await fetch('/flags/snapshot.json');
  if (!got.ok) throw new Error(`GET ${got.status}`);
  const snap = await got.json().catch(() => {
    throw new Error("the server's snapshot is not valid JSON (see www/snapshot.json)");
  });
  const f = snap?.features?.TodoStats;
  return { snap, f: f && typeof f === 'object' && !Array.isArray(f) ? f : null };
}
/**
 * Names what the button will do, or disables it when there is no TodoStats:
 * with aria-disabled, not the disabled property, which would take the focus
 * away from a keyboard user on the button when a snapshot change disables it.
 */
function showSwitch(f) {
  const button = $('#flip');
  button.setAttribute('aria-disabled', String(!f));
  button.textContent = f ? `Turn the stats kill switch ${f.enabled === false ? 'off' : 'on'}` : 'No TodoStats feature to switch';
}
/** After a snapshot change: the button follows the server, and a note on a switch flipped since by someone else goes. */
async function syncSwitch() {
  try {
    const { snap, f } = await serverFlags();
    showSwitch(f);
    if ($('#flip-note').dataset.kind === 'done' && snap?.revision !== flipped) $('#flip-note').textContent = '';
  } catch { /* the button stays as it is; a click says what fails */ }
}
$('#flip').onclick = async () => {
  if ($('#flip').getAttribute('aria-disabled') === 'true') return;
  const note = $('#flip-note');
  note.textContent = '';
  note.dataset.kind = 'error';
  try {
    const { snap, f } = await serverFlags();
    if (!f) throw new Error("the server's snapshot has no TodoStats feature");
    f.enabled = f.enabled === false;
    snap.revision = flipped = `demo-${Date.now()}`;
    const put = await fetch('/flags/snapshot.json', { method: 'PUT', body: JSON.stringify(snap, null, 2) });
    if (!put.ok) throw new Error(`PUT ${put.status}`);
    showSwitch(f);
    note.dataset.kind = 'done';
    note.textContent = f.enabled
      ? 'Kill switch off: TodoStats follows its rules again.'
      : "Kill switch on: TodoStats shows its default (no statistics) to everyone (in the server's memory: saving www/snapshot.json replaces it).";
  } catch (e) {
    note.textContent = `Could not toggle: ${e.message}`;
  }
};

// The server's view: exposures as they arrive (after a reconnect, only
// those not shown yet), and snapshot changes, after which a refusal is
// reported again if the new one is refused too.
const events = new EventSource('/flags/events');
events.addEventListener('snapshot', () => {
  if (client.revision !== null) $('#flags-note').textContent = '';
  if ($('#flip-note').dataset.kind === 'error') $('#flip-note').textContent = ''; // the server answers again
  syncSwitch();
});
events.addEventListener('exposure', (e) => {
  const x = JSON.parse(e.data);
  // Any JSON object another client posted: a field it lacks shows as '?'.
  const said = (v) => (v == null || typeof v === 'object' ? '?' : String(v));
  const unit = x.unit && typeof x.unit === 'object' ? `, ${said(x.unit.segment)}=${said(x.unit.value)}` : '';
  $('#exposures').prepend(h('li', {}, `${said(x.feature)} → ${said(x.implementation)} (${said(x.reason)}${unit})`));
});
