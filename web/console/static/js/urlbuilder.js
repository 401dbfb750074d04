// urlbuilder.js: operations from controls, a signed URL and its live preview.
import { el, say } from './api.js';
import { hasSignEndpoint, signedPath } from './signed.js';
import { knownAssets, onAssets } from './assets.js';

const $ = (id) => document.getElementById(id);

/** buildOps turns the controls into an operations string. */
export function buildOps(v) {
  const ops = [];
  if (v.w) ops.push(`w_${v.w}`);
  if (v.h) ops.push(`h_${v.h}`);
  if (v.c) ops.push(`c_${v.c}`);
  if (v.g) ops.push(`g_${v.g}`);
  ops.push(...v.effects);
  if (v.extra) ops.push(...v.extra.split(',').map((o) => o.trim()).filter(Boolean));
  if (v.f) ops.push(`f_${v.f}`);
  if (v.q && v.f !== 'png' && v.f !== 'gif') ops.push(`q_${v.q}`);
  return ops.join(',');
}

function values() {
  return {
    w: $('u-w').value.trim(), h: $('u-h').value.trim(), c: $('u-c').value, g: $('u-g').value,
    f: $('u-f').value, q: $('u-q').value, extra: $('u-extra').value,
    effects: [...document.querySelectorAll('#url-form input[name=effect]:checked')].map((i) => i.value),
  };
}

let timer = 0;
let pending = null;

async function refresh() {
  const asset = $('u-asset').value;
  const ops = buildOps(values());
  $('u-q-out').value = $('u-q').value;
  $('u-ops').value = ops;
  if (!asset) { $('u-msg').textContent = 'Upload an asset first.'; return; }
  pending?.abort();
  const ctl = new AbortController();
  pending = ctl;
  $('u-msg').textContent = 'Signing…';
  try {
    const { path, via } = await signedPath(asset, ops, { signal: ctl.signal });
    if (ctl.signal.aborted) return;
    const url = new URL(path, location.origin).href;
    $('u-out').value = url;
    $('u-preview').src = path;
    $('u-msg').textContent = via === 'sign' || (await hasSignEndpoint())
      ? 'Signed by the server.'
      : 'This server has no signing endpoint (POST /v1/sign): the URL comes from a task that rendered these operations, so its preview is already stored.';
  } catch (e) {
    if (ctl.signal.aborted) return;
    $('u-out').value = '';
    $('u-msg').textContent = `Cannot build this URL: ${e.message}`;
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 400);
}

function fillAssets(list) {
  const sel = $('u-asset');
  const keep = sel.value;
  sel.replaceChildren(...list.map((a) => el('option', { value: a.id }, `${a.name || a.id} (${a.width}×${a.height})`)));
  if (keep && list.some((a) => a.id === keep)) sel.value = keep;
}

/** showURLBuilder is called when the view opens, with ?asset= from the hash. */
export function showURLBuilder(params) {
  fillAssets(knownAssets());
  const want = params.get('asset');
  if (want) {
    if (![...$('u-asset').options].some((o) => o.value === want)) $('u-asset').append(el('option', { value: want }, want));
    $('u-asset').value = want;
  }
  schedule();
}

/** initURLBuilder wires the controls. */
export function initURLBuilder() {
  onAssets(fillAssets);
  $('url-form').addEventListener('input', schedule);
  $('url-form').addEventListener('change', schedule);
  $('url-form').addEventListener('submit', (e) => { e.preventDefault(); refresh(); });
  $('u-preview').addEventListener('load', () => {
    const img = $('u-preview');
    $('u-caption').textContent = `${img.naturalWidth}×${img.naturalHeight}`;
  });
  $('u-preview').addEventListener('error', () => { $('u-caption').textContent = 'The preview did not load.'; });
  $('u-copy').addEventListener('click', async () => {
    const v = $('u-out').value;
    if (!v) return;
    try {
      await navigator.clipboard.writeText(v);
      say('URL copied.');
    } catch {
      $('u-out').select();
      say('Select-all done: press Ctrl+C to copy.');
    }
  });
}
