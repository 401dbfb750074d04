// assets.js: the assets grid (thumbnails with faces outlined, colours, near
// duplicates) and the detail of one asset (hashes, faces, similar assets).
import { api, bytes, el, missingRoute, say } from './api.js';
import { cached, signedPath } from './signed.js';
import { THUMB } from './upload.js';
import { submitBatch } from './tasks.js';

const assets = new Map(); // id -> asset (as listed, then as detailed)
let cursor = '';
const listeners = new Set();

/** onAssets calls fn whenever the known assets change. */
export function onAssets(fn) { listeners.add(fn); }
/** knownAssets are the assets loaded so far, newest first. */
export function knownAssets() { return [...assets.values()]; }
const changed = () => { for (const fn of listeners) fn(knownAssets()); };

// Thumbnails are signed paths: known from the upload's task, or asked for
// (POST /v1/sign, else a task) a few at a time as cards scroll into view.
const thumbQueue = [];
let thumbsRunning = 0;
function wantThumb(a, img) {
  const hit = cached(a.id, THUMB);
  if (hit) { img.src = hit; return; }
  thumbQueue.push([a, img]);
  pumpThumbs();
}
function pumpThumbs() {
  while (thumbsRunning < 2 && thumbQueue.length) {
    const [a, img] = thumbQueue.shift();
    thumbsRunning++;
    signedPath(a.id, THUMB)
      .then(({ path }) => { img.src = path; }, (e) => { img.alt = `no thumbnail: ${e.message}`; })
      .finally(() => { thumbsRunning--; pumpThumbs(); });
  }
}
const seen = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (!e.isIntersecting) continue;
    seen.unobserve(e.target);
    const a = assets.get(e.target.dataset.asset);
    if (!a) continue;
    wantThumb(a, e.target.querySelector('img'));
    if (!a.analyzed_at) awaitAnalysis(a.id, 0);
  }
}, { rootMargin: '200px' });

// awaitAnalysis refreshes a card once the asset's analysis (faces, hashes,
// colours) has run on a worker, checking a few times.
function awaitAnalysis(id, tries) {
  if (tries > 6) return;
  setTimeout(async () => {
    try {
      const a = await api(`/v1/assets/${encodeURIComponent(id)}`);
      if (a.analyzed_at) addAsset(a); else awaitAnalysis(id, tries + 1);
    } catch { /* deleted or signed out: leave the card as it is */ }
  }, 1000 * 2 ** Math.min(tries, 3));
}

/** thumb is an image of the asset at its aspect ratio, faces outlined. */
function thumb(a) {
  const box = el('div', { class: 'thumb', 'data-asset': a.id });
  box.style.aspectRatio = `${a.width || 1} / ${a.height || 1}`;
  box.append(el('img', { alt: a.name || a.id, loading: 'lazy', decoding: 'async' }));
  drawFaces(box, a);
  return box;
}

function drawFaces(box, a) {
  box.querySelectorAll('.face').forEach((f) => f.remove());
  for (const f of a.faces || []) {
    const d = el('span', { class: 'face', title: `face ${(f.confidence * 100).toFixed(0)}%` });
    d.style.left = `${(100 * f.box.x) / a.width}%`;
    d.style.top = `${(100 * f.box.y) / a.height}%`;
    d.style.width = `${(100 * f.box.w) / a.width}%`;
    d.style.height = `${(100 * f.box.h) / a.height}%`;
    box.append(d);
  }
}

function swatches(colors) {
  if (!colors?.length) return null;
  return el('div', { class: 'swatches', 'aria-label': `colours ${colors.join(' ')}` },
    colors.map((c) => { const s = el('span', { class: 'swatch', title: c }); s.style.background = c; return s; }));
}

function card(a) {
  const t = thumb(a);
  const li = el('li', { class: 'card', 'data-asset': a.id },
    el('button', { type: 'button', class: 'open', 'aria-label': `Details of ${a.name || a.id}`, onclick: () => showDetail(a.id) }, t),
    el('p', { class: 'meta' }, el('input', { type: 'checkbox', 'aria-label': `Select ${a.name || a.id}`, value: a.id, class: 'pick' }), ' ',
      a.name || a.id, el('br'), `${a.format} ${a.width}×${a.height} · ${bytes(a.bytes)}`,
      a.faces?.length ? ` · ${a.faces.length} face${a.faces.length > 1 ? 's' : ''}` : ''),
    swatches(a.colors),
    a.near_duplicates?.length ? el('p', { class: 'dup' }, `${a.near_duplicates.length} near duplicate(s)`) : null);
  seen.observe(t);
  return li;
}

/** addAsset puts an asset (a fresh upload) at the top of the grid. */
export function addAsset(a) {
  const had = assets.has(a.id);
  assets.set(a.id, { ...assets.get(a.id), ...a });
  const grid = document.getElementById('grid');
  const old = grid.querySelector(`li[data-asset="${CSS.escape(a.id)}"]`);
  const li = card(assets.get(a.id));
  if (old) old.replaceWith(li); else grid.prepend(li);
  if (!had) changed();
  count();
}

function count() {
  document.getElementById('assets-count').textContent = `${assets.size} assets shown`;
}

/** loadAssets loads the first page (reset) or the next one. */
export async function loadAssets(reset = false) {
  if (reset) { cursor = ''; assets.clear(); document.getElementById('grid').replaceChildren(); }
  const q = new URLSearchParams({ limit: '50' });
  if (cursor) q.set('cursor', cursor);
  const page = await api(`/v1/assets?${q}`);
  const grid = document.getElementById('grid');
  for (const a of page.items || []) {
    if (assets.has(a.id)) continue;
    assets.set(a.id, a);
    grid.append(card(a));
  }
  cursor = page.next_cursor || '';
  document.getElementById('assets-more').hidden = !cursor;
  count();
  changed();
}

async function showDetail(id) {
  const box = document.getElementById('asset-detail');
  box.hidden = false;
  box.replaceChildren(el('p', {}, 'Loading…'));
  try {
    const a = await api(`/v1/assets/${encodeURIComponent(id)}`);
    assets.set(id, { ...assets.get(id), ...a });
    let similar;
    try {
      similar = (await api(`/v1/assets/${encodeURIComponent(id)}/similar?max_distance=8&limit=20`)).items;
    } catch (e) {
      similar = missingRoute(e) ? 'this server has no near-duplicate search' : e.message;
    }
    const t = thumb(a);
    wantThumb(a, t.querySelector('img'));
    const row = (k, v) => (v === undefined || v === null || v === '' ? [] : [el('dt', {}, k), el('dd', { class: 'mono' }, v)]);
    const sim = Array.isArray(similar)
      ? (similar.length ? el('ul', {}, similar.map((s) => el('li', {}, el('button', { type: 'button', class: 'secondary', onclick: () => showDetail(s.asset_id) }, s.asset_id), ` distance ${s.distance}`))) : 'none')
      : similar;
    box.replaceChildren(
      el('h3', {}, a.name || a.id),
      t,
      el('dl', {},
        row('ID', a.id), row('Format', `${a.format} ${a.width}×${a.height}, ${a.pages} page(s), ${bytes(a.bytes)}`),
        row('SHA-256', a.sha256), row('pHash', a.phash), row('dHash', a.dhash), row('BlurHash', a.blurhash),
        row('Faces', a.analyzed_at ? `${(a.faces || []).length} (${a.face_detector || 'detector unknown'})` : 'not analysed yet'),
        a.colors ? [el('dt', {}, 'Colours'), el('dd', {}, swatches(a.colors), a.colors.join(' '))] : [],
        [el('dt', {}, 'Near duplicates'), el('dd', {}, sim)],
        row('Created', a.created_at)),
      el('button', { type: 'button', class: 'secondary', onclick: () => { location.hash = `#url?asset=${encodeURIComponent(id)}`; } }, 'Build a URL'));
    box.focus();
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error' }, e.message));
  }
}

/** initAssets wires the grid's buttons. */
export function initAssets() {
  document.getElementById('assets-refresh').addEventListener('click', () => loadAssets(true).catch((e) => say(e.message)));
  document.getElementById('assets-more').addEventListener('click', () => loadAssets().catch((e) => say(e.message)));
  const bar = document.querySelector('#view-assets .bar');
  const ops = el('input', { id: 'batch-ops', 'aria-label': 'Operations for the selected assets', placeholder: 'w_600,f_webp', spellcheck: 'false' });
  bar.append(ops, el('button', {
    type: 'button', class: 'secondary', onclick: async () => {
      const ids = [...document.querySelectorAll('#grid .pick:checked')].map((c) => c.value);
      const o = ops.value.trim();
      if (!ids.length || !o) { say('Select assets and type operations for the batch.'); return; }
      try {
        const r = await submitBatch(ids.map((id) => ({ asset_id: id, ops: [o] })));
        say(`Batch ${r.batch.id} of ${r.batch.total} tasks submitted; see Tasks.`);
      } catch (e) { say(`batch: ${e.message}`); }
    },
  }, 'Run on selected'));
}
