/**
 * The digits structured example as a library (no side effects): its data, model, schedules,
 * sweep, cost measurement and report, for its test and for the `structured` bench suite, which
 * reuses the data and the LeNet. `main.ts` is the command line.
 */
export { parseCli, USAGE } from './cli.js';
export { measureSize, modelBytes, predictLatenciesMs, type ModelCost } from './cost.js';
export {
  digitsSplit,
  loadDigits,
  loadDigitsCsv,
  DIGITS_CLASSES,
  DIGITS_PIXELS,
  DIGITS_ROWS,
  DIGITS_TEST_SIZE,
  type DigitsData,
  type DigitsTensors,
} from './data.js';
export { buildDigitsLeNet, LENET_LAYERS, LENET_WIDTHS, type LeNetWidths } from './model.js';
export { formatAccuracyTables, formatCostTable, resultRows, trainingLabel, type ResultRow } from './report.js';
export { PAPER_LENET, run, type RunOptions, type RunSummary } from './run.js';
export {
  CRITERIA,
  resolveSchedule,
  SCHEDULES,
  TRAININGS,
  TRAINING_NAMES,
  type Schedule,
  type ScheduleName,
  type ScheduleOptions,
  type UnitCriterion,
} from './schedule.js';
export { finetune, maxAbsDiff, structuredSweep, testMetrics, type PrunePoint } from './sweep.js';
export { criterionScores, runTraining, type TrainingRow } from './training.js';
