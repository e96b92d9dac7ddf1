/** The printed report of the graph-architectures example and its JSON rows. */
import { fixed, formatTable } from '@spam/harness';
import type { Schedule } from './schedule.js';
import type { TrainingRow } from './training.js';

const label = (r: TrainingRow) => (r.map ? 'map' : `spam-${r.hessian}-${r.prior}`);

/** Per model: test accuracy (%) with rows = sparsity, columns = training/criterion. */
export function formatAccuracyTables(rows: TrainingRow[], s: Schedule): string[] {
  const out: string[] = [];
  for (const m of s.models) {
    const mine = rows.filter((r) => r.model === m);
    if (mine.length === 0) continue;
    const cols = mine.flatMap((r) => s.criteria.map((c) => ({ r, c })));
    const at = (r: TrainingRow, c: string, sp: number) => r.sweep.find((p) => p.criterion === c && p.sparsity === sp);
    out.push(`${m} (${mine[0].params} parameters): test accuracy (%)`);
    out.push(
      ...formatTable(
        ['sparsity', ...cols.map(({ r, c }) => `${label(r)}/${c}`)],
        [
          ['0% (dense)', ...cols.map(({ r }) => fixed(r.dense.accuracy * 100, 2))],
          ...s.sparsities.map((sp) => [
            `${fixed(sp * 100, 0)}%`,
            ...cols.map(({ r, c }) => fixed((at(r, c, sp)?.accuracy ?? NaN) * 100, 2)),
          ]),
        ],
        1,
      ),
      '',
    );
  }
  return out;
}

/** Wall times per training: the whole `marglikTraining`, per epoch, curvature fits, hyper steps, scores, sweep. */
export function formatTimings(rows: TrainingRow[], s: Schedule): string[] {
  return [
    'time (s): marglikTraining in all, one training epoch (mean), all curvature fits, all hyper steps, each criterion, the sweep',
    ...formatTable(
      ['model', 'training', 'total', 'per epoch', 'curvature', 'hyper', ...s.criteria, 'sweep'],
      rows.map((r) => [
        r.model,
        label(r),
        fixed(r.times.totalMs / 1000, 1),
        fixed(r.times.perEpochMs / 1000, 1),
        fixed(r.times.curvatureMs / 1000, 1),
        fixed(r.times.hyperMs / 1000, 1),
        ...s.criteria.map((c) => fixed((r.times.scoreMs[c] ?? NaN) / 1000, 2)),
        fixed(r.times.sweepMs / 1000, 1),
      ]),
      2,
    ),
  ];
}

/** One JSON row per model × training × criterion × sparsity (sparsity 0: the unpruned net, criterion `none`). */
export interface ResultRow {
  dataset: 'mnist';
  model: string;
  training: string;
  criterion: string;
  sparsity: number;
  seed: number;
  accuracy: number;
  nll: number;
  ece: number;
  brier: number;
}

/** The sweep as JSON rows. */
export function resultRows(rows: TrainingRow[], seed: number): ResultRow[] {
  const pick = (m: { accuracy: number; nll: number; ece: number; brier: number }) => ({
    accuracy: m.accuracy,
    nll: m.nll,
    ece: m.ece,
    brier: m.brier,
  });
  return rows.flatMap((r) => [
    { dataset: 'mnist' as const, model: r.model, training: label(r), criterion: 'none', sparsity: 0, seed, ...pick(r.dense) },
    ...r.sweep.map((p) => ({
      dataset: 'mnist' as const,
      model: r.model,
      training: label(r),
      criterion: p.criterion,
      sparsity: p.sparsity,
      seed,
      ...pick(p),
    })),
  ]);
}
