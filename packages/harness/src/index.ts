/**
 * `@spam/harness`: internal helpers shared by the SpaM examples (not published).
 * @packageDocumentation
 */
export { isBackendName, selectBackend, type BackendName } from './backend.js';
export {
  backendFlag,
  COMMON_FLAG_HELP,
  COMMON_FLAGS,
  intFlag,
  listFlag,
  isMain,
  parseFlags,
  runCli,
  runIfMain,
  scheduleFlags,
  type CliSpec,
  type FlagOptions,
  type FlagValues,
} from './cli.js';
export { DATA_DIR } from './data-dir.js';
export { compact, fixed, formatTable, sci } from './format.js';
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from './progress.js';
export { loadMnistDigits, loadMnistSplit, MNIST_CLASSES, MNIST_PIXELS, selectRows, type MnistData } from './mnist.js';
export { mulberry32 } from './random.js';
export { startRun, type RunContext, type RunContextOptions } from './run-context.js';
export {
  applyScheduleOverrides,
  marglikOptions,
  marglikStepCount,
  type MarglikSchedule,
  type ScheduleOverrides,
  type TrainingSpec,
} from './schedule.js';
export { runMarglikTraining, type MarglikRun } from './training.js';
export { trainingProgress, type TrainingProgress } from './training-progress.js';
export {
  BREAST_CANCER_FILE,
  BREAST_CANCER_SPLIT_FILE,
  columnStats,
  corruptFileError,
  DIABETES_FEATURE_FILE,
  DIABETES_SPLIT_SEED,
  DIABETES_TARGET_FILE,
  DIABETES_TEST_FRACTION,
  diabetesSplit,
  DIGITS_CLASSES,
  DIGITS_FILE,
  DIGITS_PIXELS,
  DIGITS_ROWS,
  DIGITS_SPLIT_SEED,
  DIGITS_TEST_SIZE,
  digitsSplit,
  gatherRows,
  loadBreastCancerHost,
  loadDiabetesHost,
  loadDigitsCsv,
  parseBreastCancerCsv,
  parseDiabetes,
  parseDigitsCsv,
  parseSplitJson,
  readDiabetes,
  selectDigits,
  standardizeRows,
  type BreastCancerHost,
  type BreastCancerTable,
  type ColumnStats,
  type CorruptFileError,
  type DiabetesHost,
  type DiabetesTable,
  type DigitsData,
} from './vendored-data.js';
export {
  ARCHITECTURE_NAMES,
  architectureLayout,
  buildArchitecture,
  buildMixer,
  buildResnet,
  buildVit,
  type ArchitectureName,
  type MixerOptions,
  type ResnetOptions,
  type VitOptions,
} from './architectures.js';
export { calibrateBatchNorm, type CalibrationOptions } from './batchnorm-calibration.js';
export {
  registerVitLayers,
  ScaleBy,
  SinCosPosition2D,
  sinCosPositions2d,
  type ScaleByConfig,
  type SinCosPositionConfig,
} from './vit-layers.js';
