// stats.js: per-effect latency percentiles and failure rate over time, drawn
// as inline SVG from GET /v1/stats?by=effect,region&from=&to=&step=. The
// answer (docs/api.md): {"from","to","by","step","groups":[{"key":{"effect",
// "region"},"count","failures","failure_rate","p50","p95","p99","series":[{"t",
// "count","failure_rate","p50","p95","p99"}]}]}, times in milliseconds.
import { api, el, missingRoute } from './api.js';

const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
const LINES = [['p50', '#4a90d9'], ['p95', '#e08e0b'], ['p99', '#b3261e']];

function svg(tag, attrs, ...kids) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  n.append(...kids);
  return n;
}

/** label names a group by its key: "w_300 · eu". */
function label(key) {
  const parts = Object.entries(key || {}).filter(([, v]) => v).map(([k, v]) => (k === 'effect' ? v : `${k} ${v}`));
  return parts.join(' · ') || '(all)';
}

const fmt = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '–');

/** chart draws one group: three percentile lines and failure-rate bars over time. */
export function chart(s) {
  const W = 320; const H = 160; const P = 28;
  const pts = (s.series || []).filter((p) => p.count > 0);
  const name = label(s.key);
  const t0 = pts.length ? Date.parse(pts[0].t) : 0;
  const t1 = pts.length ? Date.parse(pts[pts.length - 1].t) : 1;
  const maxMs = Math.max(1, ...pts.map((p) => p.p99 || 0));
  const x = (t) => P + ((W - 2 * P) * (Date.parse(t) - t0)) / Math.max(1, t1 - t0);
  const y = (v) => H - P - ((H - 2 * P) * v) / maxMs;
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${name}: latency percentiles and failure rate over time` });
  g.append(svg('line', { x1: P, y1: H - P, x2: W - P, y2: H - P, stroke: '#999' }),
    svg('text', { x: 2, y: P, 'font-size': 9 }, `${maxMs.toFixed(0)} ms`),
    svg('text', { x: 2, y: H - P, 'font-size': 9 }, '0'));
  for (const p of pts) {
    const fr = p.failure_rate || 0;
    if (fr > 0) g.append(svg('rect', { x: x(p.t) - 1.5, y: H - P - (H - 2 * P) * fr, width: 3, height: (H - 2 * P) * fr, fill: '#f4b6b0' }));
  }
  for (const [k, color] of LINES) {
    const d = pts.filter((p) => p[k] !== undefined).map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p[k]).toFixed(1)}`).join('');
    if (d) g.append(svg('path', { d, fill: 'none', stroke: color, 'stroke-width': 1.5 }));
  }
  return el('figure', { class: 'chart' }, g,
    el('figcaption', {}, el('strong', {}, name),
      ` · ${s.count || 0} reports · p50 ${fmt(s.p50)} / p95 ${fmt(s.p95)} / p99 ${fmt(s.p99)} ms`,
      ` · failures ${((s.failure_rate || 0) * 100).toFixed(1)}%`));
}

/** stepFor picks a series step giving about 120 points over the range (at least a minute). */
export function stepFor(hours) {
  return `${Math.max(1, Math.round((hours * 60) / 120))}m`;
}

async function load() {
  const hours = Number($('stats-range').value);
  const to = new Date();
  const from = new Date(to - hours * 3600e3);
  const q = new URLSearchParams({ by: 'effect,region', from: from.toISOString(), to: to.toISOString(), step: stepFor(hours) });
  try {
    const r = await api(`/v1/stats?${q}`);
    const groups = r.groups || [];
    $('charts').replaceChildren(...groups.map(chart));
    $('stats-msg').textContent = groups.length
      ? `Per ${r.step || stepFor(hours)}: p50 (blue), p95 (orange), p99 (red) in ms; bars: failure rate.`
      : 'No figures in this range.';
  } catch (e) {
    $('charts').replaceChildren();
    $('stats-msg').textContent = missingRoute(e)
      ? 'This server has no per-effect figures yet (GET /v1/stats); Prometheus series are at /metrics.'
      : `${e.code}: ${e.message}`;
  }
}

/** showStats loads the figures when the view opens. */
export function showStats() { load(); }

/** initStats wires the range form. */
export function initStats() {
  $('stats-form').addEventListener('submit', (e) => { e.preventDefault(); load(); });
}
