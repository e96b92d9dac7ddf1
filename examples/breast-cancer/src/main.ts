/**
 * SpaM example: the paper's CancerNet (Dense 30-100-100-2) on Breast Cancer Wisconsin, MAP vs
 * SpaM (marginal-likelihood training) with each prior structure.
 *
 * Every training starts from the same seeded initial weights and runs `marglikTraining` with the
 * CancerNet config of the paper (Adam 1e-3 constant, batch 64, 50 epochs, δ₀ = 1, burn-in 0):
 * MAP is the same loop without marglik steps; SpaM takes K hyper steps on the prior precisions
 * every F epochs. The run prints test accuracy, NLL, ECE, the final log marginal likelihood, the
 * learned precisions and the train time per training; `--curvature` adds the Laplace curvature
 * summary of the MAP net.
 *
 *   npm run build && npm run start -w @spam/example-breast-cancer   (from the repository root)
 *   npm run start -w @spam/example-breast-cancer -- --quick
 *   npm run start -w @spam/example-breast-cancer -- --paper --curvature
 *
 * This module is the entry point and the example's API; the parts live in `schedule.ts` (the
 * trainings and schedules), `model.ts` (CancerNet), `training.ts` (one training), `run.ts` (the
 * comparison), `report.ts` (the printed tables), `curvature.ts` (the curvature summary) and
 * `cli.ts` (the command line).
 */
import { runIfMain } from '@spam/harness';
import { cli } from './cli.js';

export { marglikStepCount, selectBackend, type BackendName, type TrainingSpec } from '@spam/harness';
export { parseCli } from './cli.js';
export { buildCancerNet } from './model.js';
export { formatRows } from './report.js';
export { run, type RunOptions, type RunSummary } from './run.js';
export { resolveSchedule, SCHEDULES, TRAININGS, type Schedule, type ScheduleName, type ScheduleOptions } from './schedule.js';
export { type TrainingRow } from './training.js';

runIfMain(import.meta.url, () => cli());
