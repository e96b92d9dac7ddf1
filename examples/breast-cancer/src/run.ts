/**
 * The breast-cancer comparison: every training of the schedule from the same seeded initial
 * weights, MAP's log Z with a diagonal GGN, the optional curvature summary, and the report.
 */
import type * as tf from '@tensorflow/tfjs';
import { fitLaplace, logMarginalLikelihoodTerms } from '@spam/laplace';
import { createPrior } from '@spam/priors';
import { startRun, type RunContextOptions } from '@spam/harness';
import { fitCurvatures, type CurvatureReport } from './curvature.js';
import { loadBreastCancer, type BreastCancerData } from './data.js';
import { buildCancerNet } from './model.js';
import { formatResults, formatSetup } from './report.js';
import { resolveSchedule, TRAININGS, type Schedule, type ScheduleName, type ScheduleOptions } from './schedule.js';
import { failedRow, runTraining, type TrainingRow } from './training.js';

/** Options of {@link run} (the schedule ones: `quick`, `paper`, `epochs`, `marglikEvery`, `hyperSteps`, `trainings`). */
export interface RunOptions extends ScheduleOptions, RunContextOptions {
  /** Seed of the initial weights (the same for every training). Default 0. */
  seed?: number;
  /** Use the raw features (as the paper) instead of standardised ones. Default false. */
  raw?: boolean;
  /** Also fit and summarise the Laplace curvature (five variants) at the MAP net. Default false. */
  curvature?: boolean;
  /** Where the CSV and split live. Default `packages/harness/data/`. */
  dataDir?: string;
}

export interface RunSummary {
  backend: string;
  seed: number;
  standardized: boolean;
  /** `'quick'`, `'default'` or `'paper'`, plus the schedule actually used (after overrides). */
  scheduleName: ScheduleName;
  schedule: Schedule;
  numParams: number;
  rows: TrainingRow[];
  /** log Z of the MAP net under δ₀ with a diagonal GGN (the MAP row has the KFAC one). */
  mapDiagLogMarglik?: number;
  /** The curvature summary at the MAP net (with `curvature`). */
  curvature?: CurvatureReport;
  /** Wall time of all trainings in ms. */
  totalTrainMs: number;
  /** numTensors at the end of `run` − at its start (must be 0). */
  tensorsLeaked: number;
}

/** log Z of the trained MAP net under its δ₀ prior with the diagonal GGN. */
async function diagLogMarglik(model: tf.Sequential, data: BreastCancerData, priorPrecision: number): Promise<number> {
  const prior = createPrior(model, 'scalar', { precision: priorPrecision });
  try {
    const lap = await fitLaplace(
      model,
      { xs: data.xTrain, ys: data.yTrain, batchSize: 128 },
      { likelihood: 'classification', structure: 'diag' },
    );
    try {
      return logMarginalLikelihoodTerms(lap, prior).logMarglik;
    } finally {
      lap.dispose();
    }
  } finally {
    prior.dispose();
  }
}

/**
 * Runs the comparison and returns its numbers (the rows in table order). Disposes every tensor it
 * creates; `tensorsLeaked` reports the check.
 */
export async function run(options: RunOptions = {}): Promise<RunSummary> {
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const { name: scheduleName, schedule: s } = resolveSchedule(options);

  const { log, showProgress, backend, finish } = await startRun(options);
  const data = loadBreastCancer({ standardize: !options.raw, dataDir: options.dataDir });
  const rows: TrainingRow[] = [];
  let mapDiagLogMarglik: number | undefined;
  let curvature: CurvatureReport | undefined;
  let numParams = 0;
  let totalTrainMs = 0;
  try {
    const probe = buildCancerNet(data.numFeatures, seed);
    numParams = probe.countParams();
    probe.dispose();
    for (const line of formatSetup(data, numParams, seed, scheduleName, s)) log(line);
    log('');
    const specs = TRAININGS.filter((t) => s.trainings.includes(t.name));
    const width = Math.max(...specs.map((t) => t.name.length));
    // At the MAP net: log Z with the diagonal GGN (the row holds the KFAC one), then the curvature summary.
    const atMap = async (model: tf.Sequential) => {
      mapDiagLogMarglik = await diagLogMarglik(model, data, s.priorPrecision);
      if (options.curvature) {
        if (showProgress) log('Laplace curvature of the MAP net (five variants, batch 128):');
        curvature = await fitCurvatures(model, data, { at: 'MAP', seed, showProgress });
      }
    };
    for (const spec of specs) {
      try {
        const row = await runTraining(spec, data, s, seed, showProgress ? width : undefined, spec.map ? atMap : undefined);
        rows.push(row);
        totalTrainMs += row.trainMs;
      } catch (e) {
        // E.g. a NonFiniteError of the hyper steps: report the training as failed and go on.
        if (!(e instanceof Error)) throw e;
        log(`${spec.name}: training failed: ${e.name}: ${e.message}`);
        rows.push(failedRow(spec, e));
      }
    }
    for (const line of formatResults({ data, schedule: s, rows, mapDiagLogMarglik, curvature, totalTrainMs })) log(line);
  } finally {
    data.dispose();
  }
  const tensorsLeaked = finish();
  return {
    backend,
    seed,
    standardized: !options.raw,
    scheduleName,
    schedule: s,
    numParams,
    rows,
    mapDiagLogMarglik,
    curvature,
    totalTrainMs,
    tensorsLeaked,
  };
}
