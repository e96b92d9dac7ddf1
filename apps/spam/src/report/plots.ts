/**
 * The report's SVG plots: Vega-Lite specs compiled to Vega and rendered headless to SVG
 * (`renderer: 'none'`, no canvas needed). Per data set: the metric (accuracy, or MSE for
 * regression) and NLL vs sparsity, and for structured removal the metric vs MACs. One panel per
 * training (MAP, SpaM variants) with a shared y axis, one coloured line per pruning criterion.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Report } from '../types.js';
import { reliabilitySpec } from './calibration.js';
import {
  type PlotPlan,
  type StructuredPoint,
  type SweepPoint,
  finite,
  kindOf,
  orderCriteria,
  orderTrainings,
  planPlots,
  seriesPoints,
  structuredOf,
  sweepOf,
} from './summary.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const PANEL_WIDTH = 240;
const PANEL_HEIGHT = 220;

const CONFIG = {
  font: 'sans-serif',
  background: 'white',
  padding: 12,
  view: { stroke: '#ccc' },
  title: { anchor: 'start', fontSize: 15, subtitleFontSize: 11, subtitleColor: '#555', offset: 10 },
  header: { labelFontSize: 12, labelFontWeight: 'bold', titleFontSize: 12, titleFontWeight: 'normal' },
  axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#eee' },
  legend: {
    labelFontSize: 11,
    titleFontSize: 11,
    symbolType: 'stroke',
    symbolStrokeWidth: 3,
    symbolSize: 200,
    orient: 'right',
  },
  line: { strokeWidth: 2 },
  point: { size: 28, filled: true },
} as const;

interface Metric {
  field: 'accuracy' | 'mse' | 'nll';
  title: string;
  format: string;
  log: boolean;
}

/** Log scale when every value is positive and they span more than 1.5 decades. */
function wantsLog(values: number[]): boolean {
  if (!values.length || values.some((v) => v <= 0)) return false;
  return Math.max(...values) / Math.min(...values) > 10 ** 1.5;
}

function metricOf(what: 'accuracy' | 'mse' | 'nll', values: number[]): Metric {
  const log = what !== 'accuracy' && wantsLog(values);
  // Short titles: without a canvas Vega over-estimates text extents and would pad the SVG.
  switch (what) {
    case 'accuracy':
      return { field: 'accuracy', title: 'Test accuracy (%)', format: '~%', log: false };
    case 'mse':
      return { field: 'mse', title: 'Test MSE (target units²)', format: '~r', log };
    case 'nll':
      return { field: 'nll', title: 'Test NLL (nats/example)', format: '~r', log };
  }
}

function colorEncoding(criteria: string[]) {
  return {
    field: 'criterion',
    type: 'nominal' as const,
    title: 'Pruning criterion',
    sort: criteria,
    scale: { domain: criteria, scheme: criteria.length > 10 ? 'category20' : 'tableau10' },
  };
}

function facetColumn(trainings: string[]) {
  return { field: 'training', type: 'nominal' as const, title: null, sort: trainings };
}

/** Metric or NLL vs sparsity: one panel per training, one line per criterion. */
export function sweepSpec(dataset: string, what: 'accuracy' | 'mse' | 'nll', points: SweepPoint[]): TopLevelSpec {
  const series = seriesPoints(points);
  const values = series
    .map((p) => ({ training: p.training, criterion: p.criterion, sparsity: p.sparsity, value: finite(p[what]) }))
    .filter((v): v is typeof v & { value: number } => v.value !== undefined);
  const metric = metricOf(
    what,
    values.map((v) => v.value),
  );
  const trainings = orderTrainings(values.map((v) => v.training));
  const criteria = orderCriteria(values.map((v) => v.criterion));
  const seeds = Math.max(1, ...points.map((p) => p.seeds));
  const label = what === 'accuracy' ? 'test accuracy' : what === 'mse' ? 'test MSE' : 'test NLL';
  const better = what === 'accuracy' ? 'higher is better' : 'lower is better';
  const sparsities = new Set(values.map((v) => v.sparsity)).size;
  return {
    $schema: SCHEMA,
    title: {
      text: `${dataset}: ${label} vs sparsity`,
      // Short lines: without a canvas Vega over-estimates text widths and would pad the SVG.
      subtitle: [
        `One panel per training, one line per pruning criterion (${better}).`,
        `0 % = the unpruned network; sparsity grid points evenly spaced${metric.log ? '; log y axis' : ''}.` +
          (seeds > 1 ? ` Mean over ${seeds} seeds.` : ''),
      ],
    },
    data: { values },
    facet: { column: facetColumn(trainings) },
    spec: {
      width: PANEL_WIDTH,
      height: PANEL_HEIGHT,
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'sparsity',
          type: 'ordinal',
          sort: 'ascending',
          title: 'Sparsity (% of weights pruned)',
          axis: { labelExpr: "format(datum.value, '~%')", labelAngle: sparsities > 6 ? -45 : 0 },
        },
        y: {
          field: 'value',
          type: 'quantitative',
          title: metric.title,
          scale: metric.log ? { type: 'log' } : { zero: false },
          axis: { format: metric.format },
        },
        color: colorEncoding(criteria),
      },
    },
    config: CONFIG,
  };
}

/** Structured removal: metric vs MACs (log x), one panel per training, one line per criterion. */
export function structuredSpec(dataset: string, points: StructuredPoint[], regression: boolean): TopLevelSpec {
  const what = regression ? 'mse' : 'accuracy';
  const values = points
    .map((p) => ({
      training: p.training,
      criterion: p.criterion,
      unitFraction: p.unitFraction,
      macs: finite(p.macsAfter),
      value: finite(p[what]),
    }))
    .filter((v): v is typeof v & { macs: number; value: number } => v.value !== undefined && v.macs !== undefined && v.macs > 0);
  const metric = metricOf(
    what,
    values.map((v) => v.value),
  );
  const trainings = orderTrainings(values.map((v) => v.training));
  const criteria = orderCriteria(values.map((v) => v.criterion));
  return {
    $schema: SCHEMA,
    title: {
      text: `${dataset}: structured removal, test ${regression ? 'MSE' : 'accuracy'} vs MACs`,
      subtitle: [
        'One panel per training, one line per unit criterion.',
        `One point per fraction of units removed per layer (rightmost = unpruned)${metric.log ? '; log y axis' : ''}.`,
      ],
    },
    data: { values },
    facet: { column: facetColumn(trainings) },
    spec: {
      width: PANEL_WIDTH,
      height: PANEL_HEIGHT,
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'macs',
          type: 'quantitative',
          title: 'MACs per example (log scale)',
          scale: { type: 'log', nice: false, padding: 12 },
          axis: { format: '~s', labelAngle: 0 },
        },
        y: {
          field: 'value',
          type: 'quantitative',
          title: metric.title,
          scale: metric.log ? { type: 'log' } : { zero: false },
          axis: { format: metric.format },
        },
        color: colorEncoding(criteria),
        order: { field: 'unitFraction', type: 'quantitative' },
      },
    },
    config: CONFIG,
  };
}

/** The Vega-Lite spec of one planned plot. */
export function specOf(report: Report, plan: PlotPlan): TopLevelSpec {
  if (plan.what === 'structured') {
    const rows = report.structured.filter((r) => r.dataset === plan.dataset);
    return structuredSpec(plan.dataset, structuredOf(rows), kindOf(rows) === 'regression');
  }
  const rows = report.results.filter((r) => r.dataset === plan.dataset);
  if (plan.what === 'reliability') return reliabilitySpec(plan.dataset, rows);
  return sweepSpec(plan.dataset, plan.what, sweepOf(rows));
}

/** Compile a Vega-Lite spec and render it to an SVG string without a browser or canvas. */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Every plot of the report as `{ name: '<dataset>-accuracy.svg', svg }` (names are files under `plots/`). */
export async function renderPlots(report: Report): Promise<Array<{ name: string; svg: string }>> {
  const out: Array<{ name: string; svg: string }> = [];
  for (const plan of planPlots(report)) {
    out.push({ name: plan.name, svg: await toSvg(specOf(report, plan)) });
  }
  return out;
}
