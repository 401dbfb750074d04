// api.js: the /v1 API with the session's key, and the errors it answers.

const KEY = 'easel.apiKey';

/** The API key of this tab, kept in sessionStorage only. */
export const session = {
  key: () => sessionStorage.getItem(KEY) || '',
  set: (k) => sessionStorage.setItem(KEY, k),
  clear: () => sessionStorage.removeItem(KEY),
};

/** APIError is an error answer of the API: {"error":{"code","message"}}. */
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** missingRoute tells an endpoint this server does not have from any other error. */
export function missingRoute(err) {
  return err instanceof APIError &&
    (err.status === 405 || err.status === 501 || (err.status === 404 && /^no route/.test(err.message)));
}

/** authHeaders are the headers every API call carries. */
export function authHeaders(extra = {}) {
  return { Authorization: `Bearer ${session.key()}`, ...extra };
}

/** errorFrom turns a non-2xx response body into an APIError. */
export function errorFrom(status, text) {
  let e = {};
  try { e = JSON.parse(text).error || {}; } catch { /* not JSON */ }
  return new APIError(status, e.code || `http_${status}`, e.message || (text || '').slice(0, 200) || `HTTP ${status}`);
}

/**
 * api calls path and returns its JSON (or text) body; a JSON body is sent for
 * plain objects. Non-2xx answers throw an APIError.
 */
export async function api(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const h = authHeaders(headers);
  let payload = body;
  if (body !== undefined && !(body instanceof FormData) && !(body instanceof Blob) && typeof body !== 'string') {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  const r = await fetch(path, { method, headers: h, body: payload, signal, cache: 'no-store' });
  const text = await r.text();
  if (!r.ok) {
    if (r.status === 401) window.dispatchEvent(new CustomEvent('easel:unauthenticated'));
    throw errorFrom(r.status, text);
  }
  if (!text) return null;
  return (r.headers.get('Content-Type') || '').includes('json') ? JSON.parse(text) : text;
}

/** Optional endpoints: null until probed, then true or false. */
const probes = new Map();

/** has reports whether the server answers an optional endpoint, probing once. */
export async function has(name, probe) {
  if (!probes.has(name)) {
    probes.set(name, probe().then(() => true, (e) => {
      if (missingRoute(e)) return false;
      return true; // present, but this call failed (bad input etc.)
    }));
  }
  return probes.get(name);
}

/** forget drops the probe results (on sign-out). */
export function forget() { probes.clear(); }

/** el builds an element: el('p', {class: 'x'}, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else if (k in n && typeof v !== 'string') n[k] = v;
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== false) n.append(c instanceof Node ? c : String(c));
  }
  return n;
}

/** say announces a message in the page's polite live region. */
export function say(msg) {
  const s = document.getElementById('status');
  if (s) s.textContent = msg;
}

/** bytes formats a byte count. */
export function bytes(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1 << 20)).toFixed(1)} MB`;
}
