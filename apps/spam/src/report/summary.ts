/**
 * The report's view of a {@link Report}: which data sets it covers, their kind, the order of
 * trainings and criteria, means over seeds, and the number formats report.md uses. Shared by the
 * markdown and the plots so both say the same thing.
 */
import type { Report, ResultRow, StructuredRow } from '../types.js';

export type Kind = 'classification' | 'regression';

/** Criteria in the order the report lists them (the paper's first); others follow alphabetically. */
export const CRITERION_ORDER = ['none', 'opd', 'opd-glm', 'opd-glm-tuned', 'magnitude', 'obd', 'snip', 'grasp', 'synflow', 'random'];

/** A finite number, or undefined (JSON turns NaN/±Infinity into null). */
export function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Distinct values in order of first appearance. */
export function distinct<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** Data sets in order of first appearance (results, then structured rows, then precisions). */
export function datasetsOf(report: Report): string[] {
  return distinct([
    ...report.results.map((r) => r.dataset),
    ...report.structured.map((r) => r.dataset),
    ...report.precisions.map((r) => r.dataset),
  ]);
}

/** Regression when the rows carry an MSE and no accuracy. */
export function kindOf(rows: ReadonlyArray<{ accuracy?: number; mse?: number }>): Kind {
  const hasMse = rows.some((r) => finite(r.mse) !== undefined);
  const hasAcc = rows.some((r) => finite(r.accuracy) !== undefined);
  return hasMse && !hasAcc ? 'regression' : 'classification';
}

/** `'map'` first, then the others in order of appearance. */
export function orderTrainings(names: Iterable<string>): string[] {
  const list = distinct(names);
  return [...list.filter((n) => n === 'map'), ...list.filter((n) => n !== 'map')];
}

export function orderCriteria(names: Iterable<string>): string[] {
  const rank = (c: string) => {
    const i = CRITERION_ORDER.indexOf(c);
    return i < 0 ? CRITERION_ORDER.length : i;
  };
  return distinct(names).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** File-name-safe form of a data set name. */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'dataset'
  );
}

function mean(values: ReadonlyArray<number | undefined>): number | undefined {
  const ok = values.map(finite).filter((v): v is number => v !== undefined);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : undefined;
}

/** One sweep point averaged over seeds. */
export interface SweepPoint {
  training: string;
  criterion: string;
  sparsity: number;
  seeds: number;
  accuracy?: number;
  nll?: number;
  mse?: number;
  ece?: number;
  brier?: number;
}

/**
 * Rows grouped by training × criterion × `level` (sparsity or unit fraction), each group's
 * `metrics` averaged over its seeds, sorted by training, criterion, level.
 */
function averageOverSeeds<R extends { training: string; criterion: string; seed: number }, L extends keyof R, M extends keyof R>(
  rows: readonly R[],
  level: L,
  metrics: readonly M[],
): Array<Pick<R, 'training' | 'criterion' | L> & { seeds: number } & { [K in M]?: number }> {
  const groups = new Map<string, R[]>();
  for (const r of rows) {
    const key = JSON.stringify([r.training, r.criterion, r[level]]);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const trainings = orderTrainings(rows.map((r) => r.training));
  const criteria = orderCriteria(rows.map((r) => r.criterion));
  const out = [...groups.values()].map((g) => {
    const point = {
      training: g[0].training,
      criterion: g[0].criterion,
      [level]: g[0][level],
      seeds: distinct(g.map((r) => r.seed)).length,
    } as Record<string, unknown>;
    for (const m of metrics) point[m as string] = mean(g.map((r) => r[m] as number | undefined));
    return point as Pick<R, 'training' | 'criterion' | L> & { seeds: number } & { [K in M]?: number };
  });
  return out.sort(
    (x, y) =>
      trainings.indexOf(x.training) - trainings.indexOf(y.training) ||
      criteria.indexOf(x.criterion) - criteria.indexOf(y.criterion) ||
      (x[level] as number) - (y[level] as number),
  );
}

/** The sweep of one data set, averaged over seeds, sorted by training, criterion, sparsity. */
export function sweepOf(rows: readonly ResultRow[]): SweepPoint[] {
  return averageOverSeeds(rows, 'sparsity', ['accuracy', 'nll', 'mse', 'ece', 'brier'] as const);
}

/** One structured point averaged over seeds. */
export interface StructuredPoint {
  training: string;
  criterion: string;
  unitFraction: number;
  seeds: number;
  accuracy?: number;
  nll?: number;
  mse?: number;
  paramsBefore?: number;
  paramsAfter?: number;
  macsBefore?: number;
  macsAfter?: number;
  latencyMs?: number;
  ece?: number;
  /** Fine-tune epochs after removal (0 = one-shot) and the accuracy before fine-tuning. */
  fineTuneEpochs?: number;
  oneShotAccuracy?: number;
}

/** The structured rows of one data set, averaged over seeds, sorted by training, criterion, unit fraction. */
export function structuredOf(rows: readonly StructuredRow[]): StructuredPoint[] {
  return averageOverSeeds(rows, 'unitFraction', [
    'accuracy',
    'nll',
    'mse',
    'paramsBefore',
    'paramsAfter',
    'macsBefore',
    'macsAfter',
    'latencyMs',
    'ece',
    'fineTuneEpochs',
    'oneShotAccuracy',
  ] as const);
}

/**
 * The sweep as plotted: one series per training × pruning criterion. The unpruned network
 * (criterion `'none'`) becomes each series' first point, so every line starts at the dense model.
 */
export function seriesPoints(points: readonly SweepPoint[]): SweepPoint[] {
  const dense = points.filter((p) => p.criterion === 'none');
  const pruned = points.filter((p) => p.criterion !== 'none');
  const out = [...pruned];
  for (const d of dense) {
    for (const criterion of distinct(pruned.filter((p) => p.training === d.training).map((p) => p.criterion))) {
      if (!pruned.some((p) => p.training === d.training && p.criterion === criterion && p.sparsity === d.sparsity)) {
        out.push({ ...d, criterion });
      }
    }
  }
  return out;
}

/** The plots a report has, by file name under `plots/` (the markdown links the same names). */
export interface PlotPlan {
  /** File name under `plots/`, e.g. `mnist-accuracy.svg`. */
  name: string;
  dataset: string;
  what: 'accuracy' | 'mse' | 'nll' | 'structured' | 'reliability';
  /** Alt text / caption. */
  caption: string;
}

export function planPlots(report: Report): PlotPlan[] {
  const plans: PlotPlan[] = [];
  for (const dataset of datasetsOf(report)) {
    const rows = report.results.filter((r) => r.dataset === dataset && r.criterion !== 'none');
    const s = slug(dataset);
    if (rows.length) {
      const kind = kindOf(report.results.filter((r) => r.dataset === dataset));
      if (kind === 'regression') {
        plans.push({ name: `${s}-mse.svg`, dataset, what: 'mse', caption: `${dataset}: test MSE vs sparsity` });
      } else {
        plans.push({
          name: `${s}-accuracy.svg`,
          dataset,
          what: 'accuracy',
          caption: `${dataset}: test accuracy vs sparsity`,
        });
      }
      plans.push({ name: `${s}-nll.svg`, dataset, what: 'nll', caption: `${dataset}: test NLL vs sparsity` });
      if (report.results.some((r) => r.dataset === dataset && r.reliability !== undefined)) {
        plans.push({ name: `${s}-reliability.svg`, dataset, what: 'reliability', caption: `${dataset}: reliability diagram (OPD)` });
      }
    }
    if (report.structured.some((r) => r.dataset === dataset && finite(r.macsAfter) !== undefined)) {
      const kind = kindOf(report.structured.filter((r) => r.dataset === dataset));
      plans.push({
        name: `${s}-structured.svg`,
        dataset,
        what: 'structured',
        caption: `${dataset}: structured removal, test ${kind === 'regression' ? 'MSE' : 'accuracy'} vs MACs`,
      });
    }
  }
  return plans;
}

// ---------------------------------------------------------------- number formats

/** `0.95` → `95 %`, `0.995` → `99.5 %`. */
export function pct(x: number | undefined, digits = 2): string {
  if (x === undefined) return '–';
  return `${+(x * 100).toFixed(digits)} %`;
}

/** Three significant digits, exponent outside [1e-3, 1e5). */
export function num(x: number | undefined): string {
  if (x === undefined) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return String(+x.toPrecision(3));
  return x.toExponential(2);
}

/** `203530` → `204k`, `1.2e6` → `1.2M`. */
export function count(x: number | undefined): string {
  if (x === undefined) return '–';
  const a = Math.abs(x);
  if (a >= 1e9) return `${+(x / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(x / 1e3).toPrecision(3)}k`;
  return String(Math.round(x));
}

/** `850` → `850 ms`, `12345` → `12.3 s`, `252000` → `4 min 12 s`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${+s.toFixed(1)} s`;
  const totalS = Math.round(s);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const sec = totalS % 60;
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${sec} s`;
}
