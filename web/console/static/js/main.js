// main.js: sign-in, navigation between views, and wiring.
import { api, forget, say, session } from './api.js';
import { addAsset, initAssets, loadAssets } from './assets.js';
import { initTasks, onTaskUpdate, showTasks } from './tasks.js';
import { initURLBuilder, showURLBuilder } from './urlbuilder.js';
import { initFlows, showFlows } from './flows.js';
import { initStats, showStats } from './stats.js';
import { cached, rememberTask } from './signed.js';
import { THUMB, initUpload } from './upload.js';

const $ = (id) => document.getElementById(id);
const VIEWS = { assets: null, upload: null, tasks: showTasks, url: showURLBuilder, flows: showFlows, stats: showStats };
let loaded = false;

function show(name, params, focus) {
  for (const v of document.querySelectorAll('main > section')) v.hidden = v.id !== `view-${name}`;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#${name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  VIEWS[name]?.(params);
  if (focus) $(`h-${name}`)?.focus();
}

function route(focus = true) {
  if (!session.key()) { $('nav').hidden = true; show('signin', null, focus); return; }
  $('nav').hidden = false;
  const [name, query] = location.hash.slice(1).split('?');
  const view = name in VIEWS ? name : 'assets';
  if (!loaded) {
    loaded = true;
    loadAssets(true).catch((e) => say(`assets: ${e.message}`));
  }
  show(view, new URLSearchParams(query || ''), focus);
}

async function signIn(ev) {
  ev.preventDefault();
  const key = $('apikey').value.trim();
  $('signin-error').textContent = '';
  session.set(key);
  try {
    await api('/v1/assets?limit=1');
    $('apikey').value = '';
    say('Signed in.');
    if (location.hash === '' || location.hash === '#signin') location.hash = '#assets';
    route();
  } catch (e) {
    session.clear();
    $('signin-error').textContent = e.status === 401 ? 'This key is not valid.' : `Cannot sign in: ${e.message}`;
  }
}

function signOut() {
  session.clear();
  sessionStorage.clear();
  forget();
  loaded = false;
  location.hash = '';
  location.reload();
}

$('signin-form').addEventListener('submit', signIn);
$('signout').addEventListener('click', signOut);
window.addEventListener('hashchange', () => route());
window.addEventListener('easel:unauthenticated', () => {
  if (!session.key()) return;
  session.clear();
  $('signin-error').textContent = 'The key was refused: sign in again.';
  route();
});
initAssets();
initUpload({
  onUploaded: ({ asset, task }) => {
    addAsset(asset);
    if (task?.state === 'succeeded') rememberTask(task);
  },
});
initTasks();
onTaskUpdate((t) => {
  if (t.state !== 'succeeded') return;
  rememberTask(t);
  const img = document.querySelector(`#grid li[data-asset="${CSS.escape(t.asset_id)}"] img`);
  const path = cached(t.asset_id, THUMB);
  if (img && path && !img.getAttribute('src')) img.src = path;
});
initURLBuilder();
initFlows();
initStats();
route(false);
document.documentElement.dataset.readyAt = performance.now().toFixed(1);
document.documentElement.dataset.ready = 'true';
