/**
 * SpaM example: structured removal through graphs on real MNIST digits. The ResNet-style CNN
 * (channels coupled through the residual `Add`s, BatchNormalization sliced) and the SimpleViT
 * (attention heads and MLP hidden units) of `@spam/harness`, trained with SpaM and a unit-wise
 * prior, their dependency groups ranked by OPD unit sums (and random scores as the baseline),
 * removed with `pruneUnits`, fine-tuned, saved to disk with `fileSystem`, reloaded and measured:
 * accuracy, NLL, ECE, params, MACs, bytes and the latency speedup against the MAC reduction.
 *
 *   npx tsx --tsconfig tsconfig.json examples/graph-structured/src/main.ts          (from the repository root, sources)
 *   npm run start -w @spam/example-graph-structured -- --models vit                 (built packages)
 *
 * Parts: `schedule.ts`, `data.ts`, `train.ts` (SpaM + unit scores), `prune-point.ts` (groups →
 * masks → prune → check → fine-tune → save → reload → measure), `report.ts`, `run.ts`, `cli.ts`.
 */
import { runIfMain } from '@spam/harness';
import { cli } from './cli.js';

export { parseCli, USAGE } from './cli.js';
export { loadDigits, type DigitTensors } from './data.js';
export { maxAbsDiff, latenciesMs, prunePoint, type PrunePoint, type RemovedGroups } from './prune-point.js';
export { formatModelTable, speedups, type ModelRow } from './report.js';
export { MASKED_TOL, RELOAD_TOL, run, type RunOptions, type RunSummary } from './run.js';
export {
  GRAPH_MODELS,
  MODEL_TRAININGS,
  resolveSchedule,
  SCHEDULES,
  UNIT_CRITERIA,
  type GraphModel,
  type Schedule,
  type ScheduleName,
  type ScheduleOptions,
  type UnitCriterion,
} from './schedule.js';
export { buildGraphModel, trainAndScore, type TrainedModel } from './train.js';

runIfMain(import.meta.url, () => cli());
