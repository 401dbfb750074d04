// signed.js: signed delivery paths for (asset, operations).
//
// The server signs with POST /v1/sign {"asset_id","ops"} -> {"path"} when it
// has that endpoint. Without it, a task renders the operations and its output
// carries the signed path (GET /v1/tasks/{id} outputs[].url): slower, but
// every URL the console shows is one the server signed.
import { api, has, missingRoute } from './api.js';
import { track, waitFinal } from './tasks.js';

const CACHE = 'easel.signed';
const cache = new Map(Object.entries(JSON.parse(sessionStorage.getItem(CACHE) || '{}')));

function remember(assetID, ops, path) {
  cache.set(`${assetID}|${ops}`, path);
  if (cache.size > 2000) cache.delete(cache.keys().next().value);
  sessionStorage.setItem(CACHE, JSON.stringify(Object.fromEntries(cache)));
}

/** rememberTask keeps the signed paths a finished task's outputs carry. */
export function rememberTask(task) {
  for (const o of task?.outputs || []) if (o.url) remember(task.asset_id, o.ops, o.url);
}

/** cached is the signed path already known for (asset, ops), or ''. */
export function cached(assetID, ops) { return cache.get(`${assetID}|${ops}`) || ''; }

/** hasSignEndpoint reports whether the server signs over HTTP. */
export function hasSignEndpoint() {
  return has('sign', () => api('/v1/sign', { method: 'POST', body: {} }));
}

/**
 * signedPath resolves to {path, via}: via is "sign" or "task". A task whose
 * operations fail rejects with its error.
 */
export async function signedPath(assetID, ops, { signal } = {}) {
  const hit = cached(assetID, ops);
  if (hit) return { path: hit, via: 'cache' };
  if (await hasSignEndpoint()) {
    try {
      const r = await api('/v1/sign', { method: 'POST', body: { asset_id: assetID, ops }, signal });
      remember(assetID, ops, r.path);
      return { path: r.path, via: 'sign' };
    } catch (e) {
      if (!missingRoute(e)) throw e;
    }
  }
  const r = await api(`/v1/assets/${encodeURIComponent(assetID)}/tasks?wait=20s`, { method: 'POST', body: { ops: [ops] }, signal });
  let task = r.task;
  track(task, 'url');
  if (!['succeeded', 'dead'].includes(task.state)) task = await waitFinal(task.id, signal);
  if (task.state !== 'succeeded') {
    const err = task.error || {};
    throw new Error(`task ${task.id} is ${task.state}${err.code ? `: ${err.code} at ${err.stage}: ${err.message}` : ''}`);
  }
  rememberTask(task);
  return { path: task.outputs[0].url, via: 'task' };
}
