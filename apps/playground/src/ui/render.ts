/** Draws the page from {@link state}: training charts, log δ heatmaps, curves, slider and units reports. */
import type { RunKind } from '../engine/config.js';
import { deltaHeatmap, lineChart, type Series } from './charts.js';
import { $ } from './form.js';
import { state } from './state.js';

const COLOURS: Record<string, string> = { opd: '#d62728', magnitude: '#1f77b4', random: '#7f7f7f', snip: '#2ca02c' };
const RUN_NAME: Record<RunKind, string> = { map: 'MAP', spam: 'SpaM' };
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

/** Redraws one run's charts, heatmap and status line. */
export function drawRun(kind: RunKind): void {
  const v = state.runs[kind];
  const root = $(`run-${kind}`);
  const last = v.epochs[v.epochs.length - 1];
  const status = root.querySelector<HTMLElement>('.run-status')!;
  if (v.trained) {
    const z = v.trained.finalLogMarglik;
    status.textContent = `trained in ${(v.trained.ms / 1000).toFixed(1)} s: test accuracy ${pct(v.trained.accuracy)}, loss ${v.trained.finalLoss.toFixed(4)}${z !== undefined ? `, log Z ${z.toFixed(2)}` : ''}`;
  } else if (last) status.textContent = `epoch ${last.epoch}: loss ${last.loss.toFixed(4)}, test accuracy ${pct(last.accuracy)}`;
  lineChart(root.querySelector<SVGSVGElement>('svg.loss')!, [{ name: 'loss per batch', color: '#333', points: v.batchLoss }], {
    xLabel: 'epoch',
    yLabel: 'loss',
  });
  const acc = root.querySelector<SVGSVGElement>('svg.acc');
  if (acc)
    lineChart(acc, [{ name: 'test accuracy', color: '#1f77b4', points: v.epochs.map((e) => [e.epoch, e.accuracy]) }], {
      xLabel: 'epoch',
      yLabel: 'accuracy',
    });
  const logz = root.querySelector<SVGSVGElement>('svg.logz');
  if (logz) {
    lineChart(
      logz,
      [
        {
          name: 'log Z per marglik step',
          color: '#d62728',
          points: v.epochs.filter((e) => e.logMarglik !== undefined).map((e) => [e.epoch, e.logMarglik!]),
        },
      ],
      { xLabel: 'epoch', yLabel: 'log marginal likelihood' },
    );
  }
  if (v.delta.length) deltaHeatmap(root.querySelector<HTMLCanvasElement>('canvas.delta')!, v.delta);
}

/** Redraws the accuracy-vs-sparsity curves of both runs (MAP dashed, SpaM solid). */
export function drawCurves(): void {
  const series: Series[] = [];
  for (const kind of ['spam', 'map'] as const) {
    const byCriterion = new Map<string, [number, number][]>();
    for (const p of state.runs[kind].curves) {
      if (!byCriterion.has(p.criterion)) byCriterion.set(p.criterion, []);
      byCriterion.get(p.criterion)!.push([p.sparsity, p.accuracy]);
    }
    for (const [c, points] of byCriterion)
      series.push({ name: `${RUN_NAME[kind]} ${c}`, color: COLOURS[c] ?? '#000', dashed: kind === 'map', points });
  }
  const points = (['spam', 'map'] as const).flatMap((k) => {
    const p = state.runs[k].point;
    return p ? [{ x: p.pruned / p.total, y: p.accuracy, color: COLOURS[p.criterion] ?? '#000' }] : [];
  });
  lineChart($<SVGSVGElement & HTMLElement>('curves'), series, {
    xLabel: 'sparsity (fraction of weights pruned)',
    yLabel: 'test accuracy',
    yRange: [0, 1],
    marker: points.length ? { x: points[0].x, points } : undefined,
  });
}

/** The slider's report: per run, the pruned fraction actually reached and the accuracy. */
export function drawPoint(): void {
  const parts = (['map', 'spam'] as const).map((k) => {
    const p = state.runs[k].point;
    return p
      ? `${RUN_NAME[k]}: ${pct(p.pruned / p.total)} pruned (${p.pruned.toLocaleString('en')} / ${p.total.toLocaleString('en')} weights, ${p.criterion}), accuracy ${pct(p.accuracy)}`
      : '';
  });
  $('sparsity-report').textContent = parts.filter(Boolean).join(' · ');
  drawCurves();
}

/** The units table: units per layer, params, MACs, latency and accuracy for both runs. */
export function drawUnits(): void {
  const rows: string[] = [
    '<tr><th></th><th>units per layer</th><th>params</th><th>MACs / example</th><th>latency (test set)</th><th>accuracy</th></tr>',
  ];
  for (const k of ['map', 'spam'] as const) {
    const u = state.runs[k].units;
    if (!u) continue;
    rows.push(
      `<tr data-run="${k}"><th>${RUN_NAME[k]} dense</th><td></td><td>${u.denseParams.toLocaleString('en')}</td><td>${u.denseMacs.toLocaleString('en')}</td><td>${u.denseLatencyMs.toFixed(2)} ms</td><td>${pct(state.runs[k].trained?.accuracy ?? NaN)}</td></tr>`,
      `<tr data-run="${k}" data-removed="${u.fraction}"><th>${RUN_NAME[k]} −${pct(u.fraction)} units</th><td>${u.units.map((l) => `${l.name}: ${l.units}`).join(', ')}</td><td class="params">${u.params.toLocaleString('en')}</td><td class="macs">${u.macs.toLocaleString('en')}</td><td class="latency">${u.latencyMs.toFixed(2)} ms</td><td class="acc">${pct(u.accuracy)}</td></tr>`,
    );
  }
  $('units-report').innerHTML = rows.join('');
}
