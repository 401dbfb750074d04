// stats.js: per-effect latency percentiles and failure rate over time, drawn
// as SVG from GET /v1/stats?by=effect,region&from=&to=&step=. The expected
// answer: {"step":"1m","series":[{"effect","region","points":[{"t","count",
// "p50_ms","p95_ms","p99_ms","failure_rate"}]}]}.
import { api, el, missingRoute } from './api.js';

const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
const LINES = [['p50_ms', '#4a90d9'], ['p95_ms', '#e08e0b'], ['p99_ms', '#b3261e']];

function svg(tag, attrs, ...kids) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  n.append(...kids);
  return n;
}

/** chart draws one series: three percentile lines and failure-rate bars. */
export function chart(s) {
  const W = 320; const H = 160; const P = 28;
  const pts = s.points || [];
  const t0 = pts.length ? Date.parse(pts[0].t) : 0;
  const t1 = pts.length ? Date.parse(pts[pts.length - 1].t) : 1;
  const maxMs = Math.max(1, ...pts.map((p) => p.p99_ms || 0));
  const x = (t) => P + ((W - 2 * P) * (Date.parse(t) - t0)) / Math.max(1, t1 - t0);
  const y = (v) => H - P - ((H - 2 * P) * v) / maxMs;
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${s.effect} latency and failures` });
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
  const last = pts[pts.length - 1] || {};
  const total = pts.reduce((n, p) => n + (p.count || 0), 0);
  return el('figure', { class: 'chart' }, g,
    el('figcaption', {}, el('strong', {}, s.effect || '(all)'), s.region ? ` · ${s.region}` : '',
      ` · ${total} requests · last p50 ${last.p50_ms ?? '–'} / p95 ${last.p95_ms ?? '–'} / p99 ${last.p99_ms ?? '–'} ms`,
      ` · failures ${((last.failure_rate || 0) * 100).toFixed(1)}%`));
}

async function load() {
  const hours = Number($('stats-range').value);
  const to = new Date();
  const from = new Date(to - hours * 3600e3);
  const q = new URLSearchParams({ by: 'effect,region', from: from.toISOString(), to: to.toISOString() });
  try {
    const r = await api(`/v1/stats?${q}`);
    const series = r.series || [];
    $('charts').replaceChildren(...series.map(chart));
    $('stats-msg').textContent = series.length
      ? 'Lines: p50 (blue), p95 (orange), p99 (red); bars: failure rate.'
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
