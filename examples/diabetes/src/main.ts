/**
 * SpaM example: Gaussian regression on the Diabetes data (Efron et al. 2004) with a small MLP
 * (Dense 10-50-1), MAP with a fixed noise σ = 1 vs SpaM marginal-likelihood training that learns
 * the prior precisions and σ (kron + layer-wise, diag + parameter-wise).
 *
 *   npm run start -w @spam/example-diabetes
 *   npm run start -w @spam/example-diabetes -- --quick --backend cpu
 *
 * This module is the entry point and the example's API; the parts live in `schedule.ts` (the
 * trainings and schedules), `model.ts` (the MLP), `training.ts` (one training), `run.ts` (the
 * comparison), `report.ts` (the printed tables), `data.ts` (the loader) and `cli.ts` (the
 * command line).
 */
import { runIfMain } from '@spam/harness';
import { cli } from './cli.js';

export { selectBackend, type BackendName, type TrainingSpec } from '@spam/harness';
export { parseCli } from './cli.js';
export { buildNet, type Activation } from './model.js';
export { formatRows } from './report.js';
export { run, type RunOptions, type RunSummary } from './run.js';
export { resolveSchedule, SCHEDULES, TRAININGS, type Schedule, type ScheduleOptions } from './schedule.js';
export { type SplitMetrics, type TrainingRow } from './training.js';

runIfMain(import.meta.url, () => cli());
