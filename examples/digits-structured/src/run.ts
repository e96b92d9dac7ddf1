/** The digits structured experiment: both trainings, their sweeps, the cost per level, the report. */
import type * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { startRun, type RunContextOptions } from '@spam/harness';
import { measureSize, predictLatenciesMs, type ModelCost } from './cost.js';
import { pruneUnits } from '@spam/structured';
import { loadDigits } from './data.js';
import { buildDigitsLeNet, LENET_LAYERS } from './model.js';
import { formatAccuracyTables, formatChecks, formatCostTable, formatSetup, resultRows, type ResultRow } from './report.js';
import { resolveSchedule, TRAININGS, type Schedule, type ScheduleName, type ScheduleOptions } from './schedule.js';
import type { OnPruned } from './sweep.js';
import { runTraining, type TrainingRow } from './training.js';

/** Options of {@link run}. */
export interface RunOptions extends ScheduleOptions, RunContextOptions {
  /** Seed of the initial weights (shared by both trainings) and of the random unit scores. Default 0. */
  seed?: number;
  /** Write the JSON rows (and the schedule) to this file. */
  out?: string;
  /** Where `digits.csv.gz` lives. Default `packages/harness/data/`. */
  dataDir?: string;
}

/** What {@link run} returns. */
export interface RunSummary {
  backend: string;
  seed: number;
  scheduleName: ScheduleName;
  schedule: Schedule;
  /** Cost of the dense net, and per unit fraction of the pruned nets (measured on the first one pruned). */
  dense: ModelCost;
  levels: Map<number, ModelCost>;
  rows: TrainingRow[];
  results: ResultRow[];
  totalMs: number;
  /** numTensors at the end − at the start (must be 0). */
  tensorsLeaked: number;
}

/** The paper's structured LeNet / FashionMNIST numbers (SpaM kron + parameter-wise, OPD, 5 fine-tune epochs). */
export const PAPER_LENET = { macsDense: 231_720, macs99: 16_358, accuracyDense: 0.863, accuracy99: 0.6824 } as const;

/** Runs the experiment and returns its numbers; disposes every tensor it creates. */
export async function run(options: RunOptions = {}): Promise<RunSummary> {
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be an integer >= 0, got ${seed}`);
  const { name, schedule: s } = resolveSchedule(options);
  if (options.out) writeFileSync(options.out, '{"partial": true}\n'); // fail early on an unwritable path
  const t0 = performance.now();
  const { log, showProgress, backend, finish } = await startRun(options);
  const data = loadDigits({ trainSize: s.trainSize, testSize: s.testSize, dataDir: options.dataDir });
  const rows: TrainingRow[] = [];
  const levels = new Map<number, ModelCost>();
  // One model per level for the latency measurement: a copy of the first pruned model of each
  // fraction (bytes and latency depend only on the architecture, which a fraction fixes: per-layer
  // fractions give the same kept counts whatever the scores), and a fresh dense net.
  const timed = new Map<number, tf.LayersModel>();
  let dense: ModelCost;
  try {
    const probe = buildDigitsLeNet(seed);
    timed.set(0, probe);
    dense = await measureSize(probe);
    for (const line of formatSetup(s, name, dense, seed)) log(line);
    log('');
    const onPruned: OnPruned = async ({ fraction }, pruned) => {
      if (timed.has(fraction)) return;
      levels.set(fraction, await measureSize(pruned));
      timed.set(fraction, pruneUnits(pruned, {}));
    };
    const specs = TRAININGS.filter((t) => s.trainings.includes(t.name));
    const width = Math.max(9, ...specs.map((t) => t.name.length));
    for (const spec of specs) rows.push(await runTraining(spec, data, s, seed, showProgress ? width : undefined, onPruned));
    // Every other pruned model of a fraction must have the level's parameter and MAC counts.
    for (const r of rows) {
      for (const q of r.sweep) {
        const level = levels.get(q.fraction)!;
        if (q.params !== level.params || q.macs !== level.macs) {
          throw new Error(
            `${r.name}/${q.criterion} at ${q.fraction}: ${q.params} params / ${q.macs} MACs, but the level has ${level.params} / ${level.macs}`,
          );
        }
      }
    }
    const t1 = performance.now();
    const fractions = [...timed.keys()];
    const ms = predictLatenciesMs([...timed.values()], data.xTest, s.latencyWarmup, s.latencyRepeats);
    fractions.forEach((f, i) => ((f === 0 ? dense : levels.get(f)!).latencyMs = ms[i]));
    log(`latency of ${fractions.length} architectures measured in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    log('');
    const layers = LENET_LAYERS.filter((l) => l in dense.units);
    for (const line of [...formatCostTable(dense, levels, layers), ...formatAccuracyTables(rows, s), ...formatChecks(rows)]) log(line);
    const p = PAPER_LENET;
    log(
      `paper (LeNet / FashionMNIST 28×28, SpaM kron + parameter-wise, OPD, deleted + 5 fine-tune epochs): ${p.macsDense.toLocaleString('en-US')} → ${p.macs99.toLocaleString('en-US')} MACs at 99 % ` +
        `(${(p.macsDense / p.macs99).toFixed(1)}×), accuracy ${(p.accuracyDense * 100).toFixed(1)} → ${(p.accuracy99 * 100).toFixed(1)} %`,
    );
  } finally {
    data.dispose();
    for (const m of timed.values()) m.dispose();
  }
  const results = resultRows(rows, dense, levels, s, seed);
  const totalMs = performance.now() - t0;
  if (options.out) {
    writeFileSync(
      options.out,
      JSON.stringify({ experiment: 'digits-structured', schedule: name, config: s, seed, backend, totalMs, results }, null, 1),
    );
    log(`results written to ${options.out}`);
  }
  const tensorsLeaked = finish();
  return { backend, seed, scheduleName: name, schedule: s, dense, levels, rows, results, totalMs, tensorsLeaked };
}
