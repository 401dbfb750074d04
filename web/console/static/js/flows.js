// flows.js: view and edit flows and rules as YAML, dry-run the rules.
//
// Flows: GET /v1/flows -> {"items":[{"name","version"}]}, GET /v1/flows/{name}
// (Accept: application/yaml) -> the YAML, PUT /v1/flows/{name} with the YAML
// -> 200, or 400 invalid_argument naming the line. Rules: GET|PUT /v1/rules
// the same way; POST /v1/rules/explain {"asset_id"} says which rule matched.
import { api, el, missingRoute } from './api.js';
import { knownAssets, onAssets } from './assets.js';

const $ = (id) => document.getElementById(id);
const YAML = { Accept: 'application/yaml', 'Content-Type': 'application/yaml' };

function missing(msgID, what) {
  $(msgID).textContent = `This server has no ${what} yet: nothing to show or edit.`;
}

async function loadFlows() {
  try {
    const r = await api('/v1/flows');
    const items = r.items || [];
    $('flow-pick').replaceChildren(el('option', { value: '' }, '(new flow)'), ...items.map((f) => el('option', { value: f.name }, `${f.name}${f.version ? ` v${f.version}` : ''}`)));
    $('flows-msg').textContent = `${items.length} flow(s).`;
  } catch (e) {
    if (missingRoute(e)) missing('flows-msg', 'flows API (GET /v1/flows)');
    else $('flows-msg').textContent = e.message;
  }
}

async function pickFlow() {
  const name = $('flow-pick').value;
  $('flow-name').value = name;
  $('flow-errors').textContent = '';
  if (!name) { $('flow-yaml').value = ''; return; }
  try {
    const body = await api(`/v1/flows/${encodeURIComponent(name)}`, { headers: { Accept: 'application/yaml' } });
    $('flow-yaml').value = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  } catch (e) { $('flow-errors').textContent = e.message; }
}

async function save(path, yaml, errID, msgID, what) {
  $(errID).textContent = '';
  try {
    await api(path, { method: 'PUT', body: yaml, headers: YAML });
    $(msgID).textContent = `Saved ${what}.`;
    return true;
  } catch (e) {
    if (missingRoute(e)) missing(msgID, `${what} API (PUT ${path})`);
    else $(errID).textContent = `${e.code}: ${e.message}`;
    return false;
  }
}

async function loadRules() {
  try {
    const body = await api('/v1/rules', { headers: { Accept: 'application/yaml' } });
    $('rules-yaml').value = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
    $('rules-msg').textContent = '';
  } catch (e) {
    if (missingRoute(e)) missing('rules-msg', 'rules API (GET /v1/rules)');
    else $('rules-msg').textContent = e.message;
  }
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
  $('flow-save').addEventListener('click', async () => {
    const name = $('flow-name').value.trim();
    if (!name) { $('flow-errors').textContent = 'A flow needs a name.'; return; }
    if (await save(`/v1/flows/${encodeURIComponent(name)}`, $('flow-yaml').value, 'flow-errors', 'flows-msg', 'flow')) loadFlows();
  });
  $('rules-save').addEventListener('click', () => save('/v1/rules', $('rules-yaml').value, 'rules-errors', 'rules-msg', 'rules'));
  $('explain-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = $('explain-asset').value;
    if (!id) { $('explain-out').textContent = 'Pick an asset.'; return; }
    try {
      const r = await api('/v1/rules/explain', { method: 'POST', body: { asset_id: id } });
      $('explain-out').textContent = JSON.stringify(r, null, 2);
    } catch (e) {
      $('explain-out').textContent = missingRoute(e)
        ? 'This server has no rule dry-run (POST /v1/rules/explain) yet.'
        : `${e.code}: ${e.message}`;
    }
  });
}
