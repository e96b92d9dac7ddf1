/** The printed report of the breast-cancer comparison: the run's setup, the tables and the timings. */
import { compact, fixed, formatTable, marglikStepCount } from '@spam/harness';
import { formatCurvatureReport, type CurvatureReport } from './curvature.js';
import type { BreastCancerData } from './data.js';
import type { Schedule, ScheduleName } from './schedule.js';
import type { TrainingRow } from './training.js';

/** The lines that describe a run before it trains: data, model and schedule. */
export function formatSetup(data: BreastCancerData, numParams: number, seed: number, scheduleName: ScheduleName, s: Schedule): string[] {
  const k = marglikStepCount(s);
  return [
    `data: Breast Cancer Wisconsin, ${data.xTrain.shape[0]} train / ${data.xTest.shape[0]} test, ${data.numFeatures} features ` +
      `(${data.standardized ? 'standardised with the training mean/std' : 'raw, as the paper'}); classes 0=${data.classNames[0]}, 1=${data.classNames[1]}`,
    `model: CancerNet Dense ${data.numFeatures}-100-100-2 (relu, logits), ${numParams} parameters, the same seeded initial weights (seed ${seed}) for every training`,
    `schedule (${scheduleName}${scheduleName === 'paper' ? ", the paper's CancerNet config" : ''}): Adam lr ${s.lr} constant, batch ${s.batchSize}, ${s.epochs} epochs, ` +
      `δ₀ = ${s.priorPrecision}; SpaM: a marglik step every F = ${s.marglikEvery} epoch(s) after B = ${s.burnIn} (${k} steps) with K = ${s.hyperSteps} ` +
      `Adam steps (lr ${s.hyperLr}) on log δ; MAP: the same loop without marglik steps`,
  ];
}

/** The label of a row in the tables. */
const label = (r: TrainingRow) => (r.map ? 'MAP (δ₀)' : `SpaM ${r.name}`);

/** The comparison table and the learned-precision table. */
export function formatRows(rows: TrainingRow[]): string[] {
  const out = formatTable(
    ['training', 'train acc', 'test acc', 'test NLL', 'ECE', 'log Z', 'δ min', 'δ geomean', 'δ max', 'time (s)'],
    rows.map((r) => [
      label(r),
      `${fixed(r.train.accuracy * 100, 2)}%`,
      `${fixed(r.test.accuracy * 100, 2)}%`,
      fixed(r.test.nll, 4),
      fixed(r.test.ece, 4),
      fixed(r.logMarglik.logMarglik, 1),
      compact(r.precision.min),
      compact(r.precision.geomean),
      compact(r.precision.max),
      fixed(r.trainMs / 1000, 1),
    ]),
    1,
  );
  out.push('');
  out.push('Learned prior precision δ per parameter tensor (geometric mean; [min, max] when it varies):');
  const names = (rows.find((r) => r.precisionPerTensor.length > 0)?.precisionPerTensor ?? []).map((p) => p.name);
  out.push(
    ...formatTable(
      ['training', ...names],
      rows.map((r) => [
        label(r),
        ...names.map((_, i) => {
          const p = r.precisionPerTensor[i];
          if (!p) return '—';
          return p.max / p.min > 1 + 1e-6 ? `${compact(p.geomean)} [${compact(p.min)}, ${compact(p.max)}]` : compact(p.geomean);
        }),
      ]),
      1,
    ),
  );
  out.push('');
  out.push('log Z terms (log Z = log p(D|θ) − ½[log det P − Σ log δ + Σ δθ²]):');
  out.push(
    ...formatTable(
      ['training', 'log p(D|θ)', 'log det P', 'Σ log δ', 'Σ δθ²', 'log Z', 'log Z after each marglik step'],
      rows.map((r) => {
        const h = r.logMarglikHistory;
        const traj =
          h.length === 0
            ? '—'
            : h.length <= 4
              ? h.map((x) => x.logMarglik.toFixed(1)).join(', ')
              : `${h[0].logMarglik.toFixed(1)}, ${h[1].logMarglik.toFixed(1)}, …, ${h[h.length - 1].logMarglik.toFixed(1)}`;
        return [
          label(r),
          fixed(r.logMarglik.logLikelihood, 2),
          fixed(r.logMarglik.logDetPosterior, 1),
          fixed(r.logMarglik.logDetPrior, 1),
          fixed(r.logMarglik.scatter, 1),
          fixed(r.logMarglik.logMarglik, 1),
          traj,
        ];
      }),
      1,
    ),
  );
  return out;
}

/** What {@link formatResults} reports. */
export interface Results {
  data: BreastCancerData;
  schedule: Schedule;
  rows: TrainingRow[];
  mapDiagLogMarglik?: number;
  curvature?: CurvatureReport;
  totalTrainMs: number;
}

/** The lines after the trainings: the tables, MAP's log Z, the curvature summary and the timings. */
export function formatResults({ data, schedule: s, rows, mapDiagLogMarglik, curvature, totalTrainMs }: Results): string[] {
  const out = [
    '',
    `MAP vs SpaM on the ${data.xTest.shape[0]} test examples (log Z on the ${data.xTrain.shape[0]} training examples, from the Laplace refitted at the final weights):`,
    ...formatRows(rows),
  ];
  const map = rows.find((r) => r.map && !r.error);
  if (mapDiagLogMarglik !== undefined && map) {
    out.push('');
    out.push(
      `log Z of the MAP net under its prior δ₀ = ${s.priorPrecision}: ${map.logMarglik.logMarglik.toFixed(1)} (KFAC GGN), ${mapDiagLogMarglik.toFixed(1)} (diagonal GGN)`,
    );
  }
  if (curvature) {
    out.push('');
    out.push(`Laplace curvature of the MAP net over the training set (batch 128):`);
    out.push(...formatCurvatureReport(curvature));
  }
  out.push('');
  out.push(
    `timings: ${rows.map((r) => `${r.name} ${r.error ? 'failed' : `${(r.trainMs / 1000).toFixed(1)} s`}`).join(', ')}; all trainings ${(totalTrainMs / 1000).toFixed(1)} s`,
  );
  for (const r of rows.filter((x) => x.error)) out.push(`failed: ${r.name}: ${r.error}`);
  return out;
}
