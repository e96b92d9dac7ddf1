/**
 * The diabetes comparison: MAP with σ = 1 and the SpaM trainings from the same seeded initial
 * weights, an ordinary-least-squares reference, and the report.
 */
import { startRun, type RunContextOptions } from '@spam/harness';
import { leastSquaresReference, loadDiabetes, SPLIT_SEED } from './data.js';
import { buildNet, type Activation } from './model.js';
import { formatResults, formatSetup } from './report.js';
import { resolveSchedule, TRAININGS, type Schedule, type ScheduleOptions } from './schedule.js';
import { runTraining, type TrainingRow } from './training.js';

/** Options of {@link run} (the schedule ones: `quick`, `epochs`, `marglikEvery`, `hyperSteps`). */
export interface RunOptions extends ScheduleOptions, RunContextOptions {
  /** Seed of the initial weights (shared by every training). Default 0. */
  seed?: number;
  /** Seed of the 80/20 split. Default {@link SPLIT_SEED}. */
  splitSeed?: number;
  /** Hidden activation. Default `'tanh'`. */
  activation?: Activation;
  /** Where the gzip files live. Default `packages/harness/data/`. */
  dataDir?: string;
}

export interface RunSummary {
  backend: string;
  seed: number;
  splitSeed: number;
  activation: Activation;
  schedule: Schedule;
  nTrain: number;
  nTest: number;
  yMean: number;
  yStd: number;
  numParams: number;
  /** Ordinary least squares with intercept, for reference (standardised MSE). */
  leastSquares: { trainMse: number; testMse: number };
  rows: TrainingRow[];
  tensorsLeaked: number;
}

/** Runs the comparison; disposes every tensor it creates (`tensorsLeaked` reports the check). */
export async function run(options: RunOptions = {}): Promise<RunSummary> {
  const seed = options.seed ?? 0;
  const splitSeed = options.splitSeed ?? SPLIT_SEED;
  const activation = options.activation ?? 'tanh';
  if (activation !== 'tanh' && activation !== 'relu') throw new Error(`activation must be tanh or relu, got '${String(activation)}'`);
  const s = resolveSchedule(options);
  const { log, showProgress, backend, finish } = await startRun(options);
  const data = loadDiabetes({ dataDir: options.dataDir, splitSeed });
  const rows: TrainingRow[] = [];
  let numParams = 0;
  let leastSquares = { trainMse: NaN, testMse: NaN };
  try {
    const probe = buildNet(data.numFeatures, seed, activation);
    numParams = probe.countParams();
    probe.dispose();
    for (const line of formatSetup(data, splitSeed, activation, numParams, seed, s)) log(line);
    leastSquares = leastSquaresReference(data);
    log('');
    const width = Math.max(...TRAININGS.map((t) => t.name.length));
    for (const spec of TRAININGS) rows.push(await runTraining(spec, data, s, seed, activation, showProgress ? width : undefined));
    for (const line of formatResults(data, rows, leastSquares)) log(line);
  } finally {
    data.dispose();
  }
  const tensorsLeaked = finish();
  return {
    backend,
    seed,
    splitSeed,
    activation,
    schedule: s,
    nTrain: data.xTrain.shape[0],
    nTest: data.xTest.shape[0],
    yMean: data.yMean,
    yStd: data.yStd,
    numParams,
    leastSquares,
    rows,
    tensorsLeaked,
  };
}
