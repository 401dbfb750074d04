// flows.js: view, edit and delete flows, check rules and dry-run them.
//
// Flows (docs/api.md): GET /v1/flows -> {"flows":[{"name","version","source",
// "file"}],"status","api_errors"}; GET /v1/flows/{name} with Accept:
// application/yaml -> the YAML as written; PUT /v1/flows/{name} with the YAML
// -> 201, the new version, or 400 invalid_argument whose message starts with
// "line N:"; DELETE /v1/flows/{name} (flows defined over the API only).
// Rules are a file (rules.file): GET /v1/rules -> {"file","yaml","rules",
// "status"}; POST /v1/rules/validate checks a draft; POST /v1/rules/explain
// {"asset_id","rules"} dry-runs it against an asset.
import { api, el, missingRoute } from './api.js';
import { knownAssets, onAssets } from './assets.js';

const $ = (id) => document.getElementById(id);
const YAML = { 'Content-Type': 'application/yaml' };
let flows = []; // newest version of each name

function missing(msgID, what) {
  $(msgID).textContent = `This server has no ${what} yet: nothing to show or edit.`;
}

/** showError writes an API error under an editor and puts the caret on the line it names. */
function showError(errID, editorID, e) {
  $(errID).textContent = `${e.code || 'error'}: ${e.message}`;
  const ta = $(editorID);
  ta.setAttribute('aria-invalid', 'true');
  const m = /^line (\d+):/.exec(e.message || '');
  if (!m) return;
  const lines = ta.value.split('\n');
  const n = Math.min(Number(m[1]), lines.length) - 1;
  const start = lines.slice(0, n).reduce((s, l) => s + l.length + 1, 0);
  ta.setSelectionRange(start, start + (lines[n] || '').length);
}

function clearError(errID, editorID) {
  $(errID).textContent = '';
  $(editorID).removeAttribute('aria-invalid');
}

async function loadFlows(select) {
  try {
    const r = await api('/v1/flows');
    const newest = new Map();
    for (const f of r.flows || []) if (!newest.has(f.name) || newest.get(f.name).version < f.version) newest.set(f.name, f);
    flows = [...newest.values()];
    $('flow-pick').replaceChildren(el('option', { value: '' }, '(new flow)'),
      ...flows.map((f) => el('option', { value: f.name }, `${f.name} v${f.version} (${f.source === 'api' ? 'API' : `file ${f.file || ''}`})`)));
    const problems = Object.entries(r.api_errors || {}).map(([k, v]) => `${k}: ${v}`);
    const fileErr = r.status?.error ? ` Files not reloaded: ${r.status.error}` : '';
    $('flows-msg').textContent = `${flows.length} flow(s).${fileErr}${problems.length ? ` Not in use: ${problems.join('; ')}` : ''}`;
    if (select !== undefined) { $('flow-pick').value = select; pickFlow(); }
  } catch (e) {
    if (missingRoute(e)) missing('flows-msg', 'flows API (GET /v1/flows)');
    else $('flows-msg').textContent = e.message;
  }
}

async function pickFlow() {
  const name = $('flow-pick').value;
  const f = flows.find((x) => x.name === name);
  $('flow-name').value = name;
  $('flow-name').readOnly = !!f;
  $('flow-delete').hidden = !f || f.source !== 'api';
  $('flow-save').disabled = !!f && f.source !== 'api';
  $('flow-source').textContent = !f ? 'A new flow is defined over the API (stored in the database, version 1).'
    : f.source === 'api' ? `Defined over the API: saving stores version ${f.version + 1}.`
      : `Defined by the file ${f.file} of flows.dir: edit the file (a file's flow takes precedence over the API).`;
  clearError('flow-errors', 'flow-yaml');
  if (!name) { $('flow-yaml').value = 'steps:\n  - id: thumb\n    processor: image.render\n    params: {ops: "w_800,f_webp"}\n'; return; }
  try {
    $('flow-yaml').value = await api(`/v1/flows/${encodeURIComponent(name)}`, { headers: { Accept: 'application/yaml' } });
  } catch (e) { showError('flow-errors', 'flow-yaml', e); }
}

async function saveFlow() {
  const name = $('flow-name').value.trim();
  clearError('flow-errors', 'flow-yaml');
  if (!name) { $('flow-errors').textContent = 'A flow needs a name.'; $('flow-name').focus(); return; }
  try {
    const d = await api(`/v1/flows/${encodeURIComponent(name)}`, { method: 'PUT', body: $('flow-yaml').value, headers: YAML });
    await loadFlows(d.name);
    $('flows-msg').textContent = `Saved ${d.name} version ${d.version}.`;
  } catch (e) {
    if (missingRoute(e)) missing('flows-msg', 'flows API (PUT /v1/flows/{name})');
    else showError('flow-errors', 'flow-yaml', e);
  }
}

async function deleteFlow() {
  const name = $('flow-pick').value;
  if (!name || !window.confirm(`Delete every version of flow ${name}?`)) return;
  try {
    await api(`/v1/flows/${encodeURIComponent(name)}`, { method: 'DELETE' });
    await loadFlows('');
    $('flows-msg').textContent = `Deleted ${name}.`;
  } catch (e) { showError('flow-errors', 'flow-yaml', e); }
}

async function loadRules() {
  try {
    const r = await api('/v1/rules');
    $('rules-yaml').value = r.yaml || '';
    $('rules-msg').textContent = (r.file ? `Rules file ${r.file}, ${(r.rules || []).length} rule(s); edit the file to change them, check a draft here.`
      : 'No rules file is configured (rules.file): uploads go through no rules. Drafts can still be checked here.')
      + (r.status?.error ? ` The file as it is now did not load (the last good rules are in use): ${r.status.error}` : '');
  } catch (e) {
    if (missingRoute(e)) missing('rules-msg', 'rules API (GET /v1/rules)');
    else $('rules-msg').textContent = e.message;
  }
}

async function validateRules() {
  clearError('rules-errors', 'rules-yaml');
  try {
    const r = await api('/v1/rules/validate', { method: 'POST', body: $('rules-yaml').value, headers: YAML });
    $('rules-msg').textContent = `The draft is valid: ${(r.rules || []).length} rule(s).`;
    return true;
  } catch (e) {
    if (missingRoute(e)) missing('rules-msg', 'rules check (POST /v1/rules/validate)');
    else showError('rules-errors', 'rules-yaml', e);
    return false;
  }
}

function explainText(r) {
  const lines = [r.matched ? `Matched rule ${r.matched.rule}: flow ${r.matched.flow}` : 'No rule matched.'];
  for (const ev of r.rules || []) {
    const facts = Object.entries(ev.facts || {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
    lines.push(`${ev.matched ? '✔' : '✘'} ${ev.rule}: ${ev.when}${facts ? ` (${facts})` : ''}${ev.error ? ` error: ${ev.error}` : ''}`);
  }
  return lines.join('\n');
}

function fillAssets(list) {
  const sel = $('explain-asset');
  const keep = sel.value;
  sel.replaceChildren(...list.map((a) => el('option', { value: a.id }, a.name || a.id)));
  if (keep) sel.value = keep;
}

/** showFlows loads flows and rules when the view opens. */
export function showFlows() {
  fillAssets(knownAssets());
  loadFlows();
  loadRules();
}

/** initFlows wires the view. */
export function initFlows() {
  onAssets(fillAssets);
  $('flow-pick').addEventListener('change', pickFlow);
  $('flow-save').addEventListener('click', saveFlow);
  $('flow-delete').addEventListener('click', deleteFlow);
  $('rules-validate').addEventListener('click', validateRules);
  $('explain-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = $('explain-asset').value;
    if (!id) { $('explain-out').textContent = 'Pick an asset.'; return; }
    clearError('rules-errors', 'rules-yaml');
    try {
      const r = await api('/v1/rules/explain', { method: 'POST', body: { asset_id: id, rules: $('rules-yaml').value } });
      $('explain-out').textContent = explainText(r);
    } catch (e) {
      if (missingRoute(e)) $('explain-out').textContent = 'This server has no rule dry-run (POST /v1/rules/explain) yet.';
      else if (e.code === 'invalid_argument' && /^line \d+:/.test(e.message)) showError('rules-errors', 'rules-yaml', e);
      else $('explain-out').textContent = `${e.code}: ${e.message}`;
    }
  });
}
