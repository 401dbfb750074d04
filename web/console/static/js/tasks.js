// tasks.js: tasks and batches this session follows, live.
//
// A task is followed over Server-Sent Events (GET /v1/tasks/{id}/events,
// read with fetch so that the key stays in a header) when the server has
// them, else by polling GET /v1/tasks/{id} once a second until it is final.
import { api, authHeaders, el, errorFrom, missingRoute, say } from './api.js';

const FINAL = new Set(['succeeded', 'dead']);
const STAGES = ['queue_wait_ms', 'download_ms', 'process_ms', 'store_ms', 'callback_ms'];
const tasks = new Map(); // id -> {task, origin, row}
const listeners = new Set();
let sseSupported = null;

/** onTaskUpdate calls fn with every task update. */
export function onTaskUpdate(fn) { listeners.add(fn); }

function update(task) {
  const entry = tasks.get(task.id);
  if (!entry) return;
  entry.task = task;
  render(entry);
  for (const fn of listeners) fn(task);
}

/** track adds a task to the view and follows it until it is final. */
export function track(task, origin = '') {
  if (!task?.id || tasks.has(task.id)) return;
  const entry = entryOf(task, origin);
  document.getElementById('tasks')?.prepend(entry.row);
}

// entryOf returns the task's entry, made (and followed until final) if new.
function entryOf(task, origin = '') {
  let entry = tasks.get(task.id);
  if (entry) return entry;
  entry = { task, origin, row: el('li', { 'data-task': task.id }) };
  tasks.set(task.id, entry);
  render(entry);
  if (!FINAL.has(task.state)) follow(task.id).catch((e) => say(`task ${task.id}: ${e.message}`));
  return entry;
}

let listCursor = '';
let listing = null;
let pagesShown = 0;

// While the tasks view shows the first page, it is listed again every 5 s
// so that new tasks appear; the ones shown are followed live meanwhile.
setInterval(() => {
  const view = document.getElementById('view-tasks');
  if (view && !view.hidden && pagesShown === 1 && !document.hidden) loadList();
}, 5000);

/** filterQuery is the list's query from the filter controls. */
function filterQuery() {
  const q = new URLSearchParams();
  const state = document.getElementById('t-state').value;
  const kind = document.getElementById('t-kind').value.trim();
  if (state) q.set('state', state);
  if (kind) q.set(/^(render|analyze|levels|flow)$/.test(kind) ? 'kind' : 'flow', kind);
  return q;
}

// loadList shows the tenant's tasks, newest first (GET /v1/tasks); more
// appends the next page.
async function loadList(more = false) {
  const q = filterQuery();
  q.set('limit', '50');
  if (more && listCursor) q.set('cursor', listCursor);
  listing?.abort();
  const ctl = new AbortController();
  listing = ctl;
  try {
    const r = await api(`/v1/tasks?${q}`, { signal: ctl.signal });
    const ul = document.getElementById('tasks');
    const rows = (r.items || []).map((t) => {
      const entry = entryOf(t, '');
      if (!FINAL.has(entry.task.state) && FINAL.has(t.state)) update(t);
      return entry.row;
    });
    if (more) ul.append(...rows);
    else if (rows.length !== ul.children.length || rows.some((row, i) => ul.children[i] !== row)) ul.replaceChildren(...rows);
    listCursor = r.next_cursor || '';
    pagesShown = more ? pagesShown + 1 : 1;
    document.getElementById('tasks-more').hidden = !listCursor;
    document.getElementById('tasks-count').textContent = `${ul.children.length} task(s)${listCursor ? ', more below' : ''}.`;
  } catch (e) {
    if (ctl.signal.aborted) return;
    document.getElementById('tasks-count').textContent = missingRoute(e)
      ? 'This server cannot list tasks (GET /v1/tasks): tasks of this session and followed IDs only.'
      : `${e.code}: ${e.message}`;
  }
}

/** showTasks lists the tasks when the view opens. */
export function showTasks() { loadList(); }

/** waitFinal resolves with the task once it is final. */
export function waitFinal(id, signal) {
  return new Promise((resolve, reject) => {
    const check = (t) => { if (t.id === id && FINAL.has(t.state)) { listeners.delete(check); resolve(t); } };
    listeners.add(check);
    signal?.addEventListener('abort', () => { listeners.delete(check); reject(signal.reason); });
    if (!tasks.has(id)) api(`/v1/tasks/${encodeURIComponent(id)}`).then((t) => { track(t); check(t); }, reject);
    else check(tasks.get(id).task);
  });
}

async function follow(id) {
  if (sseSupported !== false) {
    try {
      await followEvents(id);
      sseSupported = true;
      return;
    } catch (e) {
      if (!missingRoute(e)) console.warn(`events of task ${id}: ${e.message}; polling`);
      else sseSupported = false;
    }
  }
  showMode();
  for (let delay = 500; ; delay = Math.min(delay * 1.5, 3000)) {
    const t = await api(`/v1/tasks/${encodeURIComponent(id)}`);
    update(t);
    if (FINAL.has(t.state)) return;
    await new Promise((r) => setTimeout(r, delay));
  }
}

// followEvents reads the event stream until the task is final. Each event's
// data is the task as GET /v1/tasks/{id} shows it.
async function followEvents(id) {
  const r = await fetch(`/v1/tasks/${encodeURIComponent(id)}/events`, {
    headers: authHeaders({ Accept: 'text/event-stream' }), cache: 'no-store',
  });
  if (!r.ok || !(r.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
    throw errorFrom(r.status === 200 ? 501 : r.status, await r.text());
  }
  showMode('events');
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i;
    while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i).replace(/^\r?\n\r?\n/, '');
      const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (!data) continue;
      const msg = JSON.parse(data);
      const t = msg.task || (msg.data && msg.data.id ? msg.data : msg);
      if (t.id === id && t.state) update(t);
      else update(await api(`/v1/tasks/${encodeURIComponent(id)}`));
      if (FINAL.has(tasks.get(id)?.task.state)) { reader.cancel(); return; }
    }
  }
  const t = await api(`/v1/tasks/${encodeURIComponent(id)}`);
  update(t);
  if (!FINAL.has(t.state)) throw new Error('event stream ended early');
}

function showMode(mode) {
  const p = document.getElementById('tasks-mode');
  if (!p) return;
  p.textContent = mode === 'events'
    ? 'Live over Server-Sent Events.'
    : 'This server has no task events (GET /v1/tasks/{id}/events): polling every second.';
}

function render({ task: t, origin, row }) {
  const total = STAGES.reduce((s, k) => s + (t.timings?.[k] || 0), 0);
  const bar = el('div', { class: 'stages', role: 'img', 'aria-label': 'stage timings' });
  const legend = [];
  for (const k of STAGES) {
    const v = t.timings?.[k];
    if (v === undefined) continue;
    const span = el('span', { class: `st-${k}`, title: `${k.replace('_ms', '')} ${v.toFixed(1)} ms` });
    span.style.width = `${total ? (100 * v) / total : 0}%`;
    bar.append(span);
    legend.push(`${k.replace('_ms', '').replace('_', ' ')} ${v.toFixed(1)} ms`);
  }
  const err = t.error ? el('p', { class: 'error' }, `${t.error.stage}: ${t.error.code}: ${t.error.message}`) : null;
  const outs = (t.outputs || []).map((o) => el('li', {}, `${o.ops} → ${o.format} ${o.width}×${o.height} `, o.url ? el('a', { href: o.url }, 'open') : ''));
  const retry = t.state === 'dead' ? el('button', { type: 'button', class: 'secondary', onclick: () => retryTask(t.id) }, 'Retry') : null;
  row.replaceChildren(...[
    el('div', {}, el('span', { class: `state ${t.state}`, 'data-state': t.state }, t.state), ' ',
      el('span', { class: 'mono' }, t.id), origin ? ` (${origin})` : '', ` · attempt ${t.attempts || 0}`),
    el('div', { class: 'mono' }, (t.ops || []).join(' | ') || t.kind || ''),
    legend.length ? [bar, el('div', { class: 'legend' }, legend.join(' · '))] : null,
    err, outs.length ? el('ul', {}, outs) : null, retry,
  ].flat().filter(Boolean));
}

async function retryTask(id) {
  try {
    const r = await api(`/v1/tasks/${encodeURIComponent(id)}/retry`, { method: 'POST' });
    const t = r?.task || (await api(`/v1/tasks/${encodeURIComponent(id)}`));
    update(t);
    follow(id).catch((e) => say(e.message));
  } catch (e) { say(`retry: ${e.message}`); }
}

async function followBatch(id) {
  const row = el('li', { 'data-batch': id });
  document.getElementById('batches').prepend(row);
  for (;;) {
    const b = await api(`/v1/batches/${encodeURIComponent(id)}`);
    const counts = Object.entries(b.counts || {}).map(([k, v]) => `${k} ${v}`).join(' · ');
    const done = b.total ? (b.counts?.succeeded || 0) + (b.counts?.dead || 0) : 0;
    row.replaceChildren(el('div', {}, el('span', { class: `state ${b.done ? 'succeeded' : 'running'}` }, b.done ? 'done' : 'running'),
      ' batch ', el('span', { class: 'mono' }, id), ` · ${b.total} tasks`),
    el('progress', { max: b.total || 1, value: done, 'aria-label': `batch ${id} progress` }), el('div', { class: 'legend' }, counts));
    if (b.done) return;
    await new Promise((r) => setTimeout(r, 1500));
  }
}

/** followBatchOrTask follows an ID typed by the user: a task, else a batch. */
async function followID(id) {
  try {
    const t = await api(`/v1/tasks/${encodeURIComponent(id)}`);
    track(t, 'followed');
    return;
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  await followBatch(id);
}

/** submitBatch posts a batch and follows it. */
export async function submitBatch(items) {
  const r = await api('/v1/batches', { method: 'POST', body: { items } });
  followBatch(r.batch.id).catch((e) => say(e.message));
  return r;
}

/** initTasks wires the tasks view. */
export function initTasks() {
  document.getElementById('tasks-filter').addEventListener('submit', (ev) => { ev.preventDefault(); loadList(); });
  document.getElementById('t-state').addEventListener('change', () => loadList());
  document.getElementById('tasks-more').addEventListener('click', () => loadList(true));
  document.getElementById('follow-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = document.getElementById('follow-id').value.trim();
    if (id) followID(id).catch((e) => say(`${id}: ${e.message}`));
  });
}
