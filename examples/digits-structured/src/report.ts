/** The printed report of the digits structured experiment and its JSON rows. */
import { fixed, formatTable, marglikStepCount } from '@spam/harness';
import type { ModelCost } from './cost.js';
import type { Schedule, ScheduleName } from './schedule.js';
import type { TrainingRow } from './training.js';

/** The training's name in JSON: `map` or `spam-kron-parameterwise`. */
export const trainingLabel = (r: { map: boolean; hessian: string; prior: string }): string =>
  r.map ? 'map' : `spam-${r.hessian}-${r.prior}`;
/** The training's short name in table headers: `map` or `spam`. */
const shortLabel = (r: { map: boolean }): string => (r.map ? 'map' : 'spam');

const pct = (x: number | undefined) => (x === undefined ? '—' : fixed(x * 100, 1));
const frac = (r: number) => `${fixed(r * 100, 0)}%`;
const int = (x: number) => x.toLocaleString('en-US');

/** The lines that describe a run before it trains. */
export function formatSetup(s: Schedule, name: ScheduleName, dense: ModelCost, seed: number): string[] {
  return [
    `data: UCI optical digits (packages/harness/data/digits.csv.gz), 8×8×1 in [0, 1], fixed stratified split: ${s.trainSize} train / ${s.testSize} test`,
    `model: LeNet for 8×8 — conv 3×3 'same' 16 relu → maxpool 2 → conv 3×3 'same' 32 relu → maxpool 2 → flatten 128 → dense 64 relu → dense 10; ` +
      `${int(dense.params)} parameters, ${int(dense.macs)} MACs per image; the same seeded initial weights (seed ${seed}) for every training`,
    `schedule (${name}): Adam lr ${s.lr} constant, batch ${s.batchSize}, ${s.epochs} epochs, δ₀ = ${s.priorPrecision}; ` +
      `SpaM: a marglik step every F = ${s.marglikEvery} epoch(s) (${marglikStepCount(s)} steps), K = ${s.hyperSteps} hyper steps (lr ${s.hyperLr}), KFAC exact GGN`,
    `pruning: per layer, ⌊n·r⌋ lowest-scored units of conv1, conv2, fc1 removed (logits kept) and deleted (pruneUnits); criteria ${s.criteria.join(', ')}; ` +
      `fine-tune ${s.finetuneEpochs > 0 ? `${s.finetuneEpochs} epoch(s) of the smaller model (Adam ${s.lr}, δ₀ = ${s.priorPrecision})` : 'none'}`,
    `latency: model.predict(x, {batchSize: ${s.testSize}}) + read-back on the ${s.testSize} test images as one batch (round robin over the architectures), ${s.latencyWarmup} warm-up calls, median of ${s.latencyRepeats}`,
  ];
}

/**
 * The cost per unit fraction (the same for every criterion and training: per-layer fractions fix
 * the kept counts): kept units, params, MACs, bytes, latency, and the reductions vs the dense net.
 */
export function formatCostTable(dense: ModelCost, levels: Map<number, ModelCost>, layers: string[]): string[] {
  const rows = [[0, dense] as const, ...[...levels.entries()].sort((a, b) => a[0] - b[0])];
  return [
    `cost per unit fraction (every criterion and training gives the same architecture at a fraction):`,
    ...formatTable(
      ['removed', `kept ${layers.join('/')}`, 'params', 'MACs', 'MACs ÷', 'bytes', 'latency ms', 'speedup', 'speedup/MAC÷'],
      rows.map(([r, c]) => {
        const macRed = dense.macs / c.macs;
        const speed = dense.latencyMs / c.latencyMs;
        return [
          r === 0 ? '0% (dense)' : frac(r),
          layers.map((l) => c.units[l] ?? '?').join('/'),
          int(c.params),
          int(c.macs),
          `${fixed(macRed, 1)}×`,
          int(c.bytes),
          fixed(c.latencyMs, 2),
          `${fixed(speed, 2)}×`,
          fixed(speed / macRed, 2),
        ];
      }),
      2,
    ),
    '',
  ];
}

/** Test accuracy (%) per fraction: one column per training × criterion; one-shot, then fine-tuned. */
export function formatAccuracyTables(rows: TrainingRow[], s: Schedule): string[] {
  const cols = rows.flatMap((r) => s.criteria.map((c) => ({ r, c })));
  const header = ['removed', ...cols.map(({ r, c }) => `${shortLabel(r)}/${c}`)];
  const table = (which: 'oneShot' | 'finetuned') => [
    ['0% (dense)', ...cols.map(({ r }) => pct(r.dense.accuracy))],
    ...s.fractions.map((f) => [
      frac(f),
      ...cols.map(({ r, c }) => {
        const p = r.sweep.find((q) => q.criterion === c && q.fraction === f);
        return pct(p?.[which]?.accuracy);
      }),
    ]),
  ];
  const out = [
    'test accuracy (%) after removing the units, no fine-tuning (map = MAP training, spam = SpaM kron + parameter-wise):',
    ...formatTable(header, table('oneShot'), 1),
    '',
  ];
  if (s.finetuneEpochs > 0)
    out.push(
      `test accuracy (%) after ${s.finetuneEpochs} fine-tune epoch(s) of the smaller model:`,
      ...formatTable(header, table('finetuned'), 1),
      '',
    );
  return out;
}

/** Largest |pruned − masked| over every pruned model, and the timings per training. */
export function formatChecks(rows: TrainingRow[]): string[] {
  const diffs = rows.flatMap((r) => r.sweep.map((p) => p.maxAbsDiff));
  return [
    `pruned vs unit-masked model, max |Δ logits| over all ${diffs.length} pruned models on the test images: ${diffs.length ? Math.max(...diffs).toExponential(2) : '—'}`,
    ...rows.map(
      (r) =>
        `${trainingLabel(r)}: trained in ${fixed(r.trainMs / 1000, 1)} s (δ geomean ${fixed(r.precision.geomean, 3)}, range ${r.precision.min.toExponential(1)} … ${r.precision.max.toExponential(1)}), ` +
        `unit scores ${fixed(r.scoreMs / 1000, 2)} s, sweep ${fixed(r.sweepMs / 1000, 1)} s`,
    ),
  ];
}

/** One JSON row per training × criterion × fraction, plus each training's dense net (criterion `none`, fraction 0). */
export interface ResultRow {
  dataset: 'digits';
  model: 'lenet-8x8';
  training: string;
  criterion: string;
  unitFraction: number;
  seed: number;
  units: Record<string, number>;
  params: number;
  macs: number;
  bytes: number;
  latencyMs: number;
  accuracy: number;
  nll: number;
  ece: number;
  brier: number;
  accuracyFinetuned?: number;
  nllFinetuned?: number;
  finetuneEpochs: number;
  /** max |pruned − masked| on the test logits (0 for the dense net). */
  maxAbsDiff: number;
}

/** The sweep as JSON rows; bytes and latency are the level's (see {@link formatCostTable}). */
export function resultRows(rows: TrainingRow[], dense: ModelCost, levels: Map<number, ModelCost>, s: Schedule, seed: number): ResultRow[] {
  const base = (r: TrainingRow) => ({
    dataset: 'digits' as const,
    model: 'lenet-8x8' as const,
    training: trainingLabel(r),
    seed,
    finetuneEpochs: s.finetuneEpochs,
  });
  return rows.flatMap((r) => [
    {
      ...base(r),
      criterion: 'none',
      unitFraction: 0,
      units: dense.units,
      params: dense.params,
      macs: dense.macs,
      bytes: dense.bytes,
      latencyMs: dense.latencyMs,
      accuracy: r.dense.accuracy,
      nll: r.dense.nll,
      ece: r.dense.ece,
      brier: r.dense.brier,
      finetuneEpochs: 0,
      maxAbsDiff: 0,
    },
    ...r.sweep.map((p) => {
      const c = levels.get(p.fraction);
      const row: ResultRow = {
        ...base(r),
        criterion: p.criterion,
        unitFraction: p.fraction,
        units: p.units,
        params: p.params,
        macs: p.macs,
        bytes: c?.bytes ?? NaN,
        latencyMs: c?.latencyMs ?? NaN,
        accuracy: p.oneShot.accuracy,
        nll: p.oneShot.nll,
        ece: p.oneShot.ece,
        brier: p.oneShot.brier,
        maxAbsDiff: p.maxAbsDiff,
      };
      if (p.finetuned) {
        row.accuracyFinetuned = p.finetuned.accuracy;
        row.nllFinetuned = p.finetuned.nll;
      }
      return row;
    }),
  ]);
}
