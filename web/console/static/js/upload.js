// upload.js: many files at once, a progress bar each and one overall.
//
// When the server advertises tus (OPTIONS /v1/uploads answers Tus-Version)
// files go up resumably in chunks, resuming after an error from the offset
// the server reports (HEAD); the completing request carries Easel-Asset-Id.
// Otherwise each file is one multipart POST /v1/assets. Progress comes from
// XMLHttpRequest upload events in both cases.
import { api, authHeaders, bytes, el, errorFrom, say } from './api.js';
import { track } from './tasks.js';
import { rememberTask } from './signed.js';

/** THUMB is the operations of the grid's thumbnails, rendered at upload. */
export const THUMB = 'w_320,h_320,c_fit,f_webp';
const PARALLEL = 3;
const CHUNK = 8 << 20;
const RESUME = 'easel.tus';

let tusProbe = null;

/** tusAvailable reports whether /v1/uploads speaks tus. */
export function tusAvailable() {
  tusProbe ??= fetch('/v1/uploads', { method: 'OPTIONS', headers: authHeaders() })
    .then((r) => r.ok && r.headers.has('Tus-Version'), () => false);
  return tusProbe;
}

function xhr(method, url, { headers = {}, body, onProgress }) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(method, url);
    for (const [k, v] of Object.entries(authHeaders(headers))) x.setRequestHeader(k, v);
    if (onProgress) x.upload.addEventListener('progress', (e) => onProgress(e.loaded));
    x.addEventListener('load', () => {
      if (x.status >= 200 && x.status < 300) resolve(x);
      else reject(errorFrom(x.status, x.responseText));
    });
    x.addEventListener('error', () => reject(new Error('network error')));
    x.addEventListener('abort', () => reject(new Error('aborted')));
    x.send(body);
  });
}

/** uploadPlain sends one multipart POST /v1/assets; resolves {asset, task}. */
export async function uploadPlain(file, ops, onProgress) {
  const fd = new FormData();
  fd.append('file', file, file.name);
  for (const o of ops) fd.append('ops', o);
  const x = await xhr('POST', '/v1/assets', { body: fd, onProgress });
  const r = JSON.parse(x.responseText);
  return r.asset ? r : { asset: r, task: null };
}

const b64 = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

/** uploadTus sends a file over tus 1.0, resuming a previous attempt of this tab. */
export async function uploadTus(file, ops, onProgress) {
  const id = `${file.name}|${file.size}|${file.lastModified}`;
  const saved = JSON.parse(sessionStorage.getItem(RESUME) || '{}');
  const tus = { 'Tus-Resumable': '1.0.0' };
  let loc = saved[id];
  if (!loc) {
    const meta = [`filename ${b64(file.name)}`];
    if (file.type) meta.push(`filetype ${b64(file.type)}`);
    const x = await xhr('POST', '/v1/uploads', { headers: { ...tus, 'Upload-Length': String(file.size), 'Upload-Metadata': meta.join(',') } });
    loc = new URL(x.getResponseHeader('Location'), location.href).pathname;
    saved[id] = loc;
    sessionStorage.setItem(RESUME, JSON.stringify(saved));
  }
  let offset = 0;
  let assetID = '';
  for (let failures = 0; ;) {
    try {
      const h = await xhr('HEAD', loc, { headers: tus });
      offset = Number(h.getResponseHeader('Upload-Offset') || 0);
      assetID = h.getResponseHeader('Easel-Asset-Id') || '';
      while (offset < file.size) {
        const end = Math.min(offset + CHUNK, file.size);
        const start = offset;
        const x = await xhr('PATCH', loc, {
          headers: { ...tus, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
          body: file.slice(offset, end), onProgress: (n) => onProgress(start + n),
        });
        offset = Number(x.getResponseHeader('Upload-Offset') || end);
        assetID = x.getResponseHeader('Easel-Asset-Id') || assetID;
        failures = 0;
      }
      break;
    } catch (e) {
      if (e.status && e.status < 500 && e.status !== 409) throw e;
      if (++failures > 5) throw e;
      await new Promise((r) => setTimeout(r, 500 * 2 ** failures));
    }
  }
  delete saved[id];
  sessionStorage.setItem(RESUME, JSON.stringify(saved));
  if (!assetID) throw new Error('upload complete but the server sent no Easel-Asset-Id');
  const asset = await api(`/v1/assets/${encodeURIComponent(assetID)}`);
  let task = null;
  if (ops.length) task = (await api(`/v1/assets/${encodeURIComponent(assetID)}/tasks`, { method: 'POST', body: { ops } })).task;
  return { asset, task };
}

/** initUpload wires the drop zone, the file input and the queue. */
export function initUpload({ onUploaded }) {
  const drop = document.getElementById('drop');
  const input = document.getElementById('files');
  const list = document.getElementById('upload-list');
  const overall = document.getElementById('overall-progress');
  const overallText = document.getElementById('overall-text');
  const queue = [];
  let running = 0;
  let total = 0; let sent = 0; let done = 0; let failed = 0; let count = 0;
  let lastSaid = 0;

  const refresh = (force) => {
    overall.max = total || 1;
    overall.value = sent;
    const now = performance.now();
    if (force || now - lastSaid > 1000) {
      lastSaid = now;
      overallText.textContent = `${done} of ${count} uploaded${failed ? `, ${failed} failed` : ''} · ${bytes(sent)} of ${bytes(total)}`;
    }
  };

  const pump = async () => {
    const mode = (await tusAvailable()) ? 'tus' : 'plain';
    document.getElementById('upload-mode').textContent = mode === 'tus'
      ? 'Resumable uploads (tus) at /v1/uploads.'
      : 'This server has no resumable uploads (tus at /v1/uploads): each file is one multipart POST /v1/assets.';
    while (running < PARALLEL && queue.length) {
      const job = queue.shift();
      running++;
      run(job, mode).finally(() => { running--; pump(); });
    }
  };

  const run = async (job, mode) => {
    const { file, bar, state, ops } = job;
    let mine = 0;
    const progress = (n) => { sent += n - mine; mine = n; bar.value = n; refresh(); };
    state.textContent = 'uploading';
    try {
      const r = await (mode === 'tus' ? uploadTus : uploadPlain)(file, [THUMB, ...ops], progress);
      progress(file.size);
      done++;
      state.textContent = 'stored';
      if (r.task) {
        track(r.task, file.name);
        if (r.task.state === 'succeeded') rememberTask(r.task);
      }
      onUploaded(r);
    } catch (e) {
      failed++;
      progress(0);
      total -= file.size;
      state.textContent = `failed: ${e.message}`;
      state.classList.add('error');
    }
    refresh(true);
    if (done + failed === count) say(`Uploads finished: ${done} stored, ${failed} failed.`);
  };

  const add = (files) => {
    const ops = document.getElementById('upload-ops').value.split('\n').map((s) => s.trim()).filter(Boolean);
    for (const file of files) {
      const bar = el('progress', { max: file.size || 1, value: 0, 'aria-label': `${file.name} progress` });
      const state = el('span', {}, 'waiting');
      list.append(el('li', {}, el('span', { class: 'name', title: file.name }, file.name), el('span', {}, bytes(file.size), ' · ', state), bar));
      queue.push({ file, bar, state, ops });
      total += file.size;
      count++;
    }
    refresh(true);
    say(`${files.length} files queued.`);
    pump();
  };

  input.addEventListener('change', () => { add([...input.files]); input.value = ''; });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    add([...e.dataTransfer.files]);
  });
  return { tusAvailable };
}
