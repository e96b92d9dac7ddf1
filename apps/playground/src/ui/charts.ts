/** Small SVG line charts and a canvas heatmap, drawn from numbers (no chart library). */
import type { DeltaRow } from '../engine/train.js';

const NS = 'http://www.w3.org/2000/svg';

/** One line of a chart. */
export interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  points: [number, number][];
}

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
  parent: Element,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent.appendChild(e);
  return e;
}

const fmt = (v: number) =>
  Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : Number(v.toPrecision(3)).toString();

/**
 * Redraws `svg` (its viewBox is 0 0 W H) as a line chart of `series`: axes with min / max ticks,
 * one `<path data-series=name>` per series with at least one finite point, a legend.
 */
export function lineChart(
  svg: SVGSVGElement,
  series: Series[],
  opts: { xLabel: string; yLabel: string; yRange?: [number, number]; marker?: { x: number; points: { y: number; color: string }[] } },
): void {
  svg.replaceChildren();
  const W = svg.classList.contains('wide') ? 720 : 360;
  const H = svg.classList.contains('wide') ? 400 : 200;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const m = { l: 46, r: 8, t: 8, b: 30 };
  const pts = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  el('text', { x: W / 2, y: H - 4, 'text-anchor': 'middle', class: 'axis-label' }, svg).textContent = opts.xLabel;
  el('text', { x: 10, y: H / 2, transform: `rotate(-90 10 ${H / 2})`, 'text-anchor': 'middle', class: 'axis-label' }, svg).textContent =
    opts.yLabel;
  if (pts.length === 0) return;
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = opts.yRange ?? [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  el('path', { d: `M${m.l},${m.t}V${H - m.b}H${W - m.r}`, class: 'axis', fill: 'none' }, svg);
  for (const [v, y] of [
    [y0, sy(y0)],
    [y1, sy(y1)],
  ])
    el('text', { x: m.l - 4, y: y + 4, 'text-anchor': 'end', class: 'tick' }, svg).textContent = fmt(v);
  for (const [v, x] of [
    [x0, sx(x0)],
    [x1, sx(x1)],
  ])
    el('text', { x, y: H - m.b + 12, 'text-anchor': 'middle', class: 'tick' }, svg).textContent = fmt(v);
  if (opts.marker && Number.isFinite(opts.marker.x)) {
    // The slider's position: a vertical line and its points (one per run).
    const x = sx(opts.marker.x);
    el('path', { d: `M${x.toFixed(1)},${m.t}V${H - m.b}`, stroke: '#999', 'stroke-dasharray': '2 2', 'data-marker': opts.marker.x }, svg);
    for (const p of opts.marker.points)
      if (Number.isFinite(p.y)) el('circle', { cx: x, cy: sy(p.y), r: 4, fill: 'none', stroke: p.color, 'stroke-width': 2 }, svg);
  }
  series.forEach((s, i) => {
    const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (ok.length === 0) return;
    const d = ok.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(Math.min(Math.max(y, y0), y1)).toFixed(1)}`).join('');
    el(
      'path',
      { d, stroke: s.color, fill: 'none', 'stroke-width': 1.8, 'stroke-dasharray': s.dashed ? '5 3' : 'none', 'data-series': s.name },
      svg,
    );
    if (ok.length === 1) el('circle', { cx: sx(ok[0][0]), cy: sy(ok[0][1]), r: 2.5, fill: s.color }, svg);
    const lx = m.l + 6 + (i % 2) * (W > 400 ? 200 : 150);
    const ly = m.t + 10 + Math.floor(i / 2) * 12;
    el('path', { d: `M${lx},${ly - 3}h14`, stroke: s.color, 'stroke-dasharray': s.dashed ? '4 2' : 'none', 'stroke-width': 2 }, svg);
    el('text', { x: lx + 18, y: ly, class: 'legend' }, svg).textContent = s.name;
  });
}

/** Diverging colour of log δ: blue below 0 (δ < 1), white at 0, red above. */
function colour(v: number, scale: number): string {
  const t = Math.max(-1, Math.min(1, v / scale));
  const a = Math.round(255 * (1 - Math.abs(t)));
  return t >= 0 ? `rgb(255,${a},${a})` : `rgb(${a},${a},255)`;
}

/**
 * Draws log δ per parameter tensor as a heatmap on `canvas`: one row per tensor, one cell per unit
 * (mean over its fan-in), colour scaled by the largest |log δ|; the label and range on the left.
 */
export function deltaHeatmap(canvas: HTMLCanvasElement, rows: DeltaRow[]): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const rowH = 18;
  const labelW = 150;
  canvas.width = 360;
  canvas.height = Math.max(rowH, rows.length * rowH + 14);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const scale = Math.max(1e-6, ...rows.flatMap((r) => [Math.abs(r.min), Math.abs(r.max)]));
  ctx.font = '10px sans-serif';
  rows.forEach((r, i) => {
    const y = i * rowH;
    ctx.fillStyle = '#222';
    ctx.fillText(`${r.name} [${r.min.toFixed(2)}, ${r.max.toFixed(2)}]`, 2, y + 12);
    const w = (canvas.width - labelW - 4) / r.perUnit.length;
    r.perUnit.forEach((v, j) => {
      ctx.fillStyle = colour(v, scale);
      ctx.fillRect(labelW + j * w, y + 2, Math.max(w, 1), rowH - 4);
    });
  });
  ctx.fillStyle = '#555';
  ctx.fillText(`log δ per unit; colour scale ±${scale.toFixed(2)} (blue: δ < 1, red: δ > 1)`, 2, canvas.height - 3);
}
